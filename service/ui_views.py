"""The map view of a saved question: the places in its answer (and the places of the events in it)
with known coordinates, drawn as SVG on the server (equirectangular, no base map, no scripts).

:func:`point_of` is the one reader of a point in an answer row, for every map (this one, the
scripted map view's data, a place's page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from rdflib import URIRef

from crisiskg.query.names import many
from crisiskg.query.store import Store

_POINT = re.compile(r"POINT\s*\(\s*([-+\d.eE]+)\s+([-+\d.eE]+)\s*\)")
COORDINATES = ("lat", "long")  # an answer's point columns, decimal degrees; else a WKT point in ``wkt``
# schema:latitude/longitude rather than the WKT: engines that rewrite WKT on load keep these digits
_PLACES = """
SELECT DISTINCT ?place ?label ?lat ?long WHERE {
  { BIND(?x AS ?place) } UNION { ?x sem:hasPlace ?place } UNION { ?x ckg:targetPlace ?place }
  ?place schema:latitude ?lat ; schema:longitude ?long .
  OPTIONAL { ?place skos:prefLabel ?label }
}
"""


def point_of(row: Mapping[str, Any]) -> tuple[float, float] | None:
    """``(latitude, longitude)`` of an answer row: its ``lat`` and ``long`` columns (decimal
    degrees), else the ``POINT(lon lat)`` of its ``wkt`` column; None when it has neither.

    >>> point_of({"lat": "33.3152", "long": "44.3661"}), point_of({"wkt": "POINT(44.4 33.3)"}), point_of({})
    ((33.3152, 44.3661), (33.3, 44.4), None)
    """
    lat, lon = row.get(COORDINATES[0]), row.get(COORDINATES[1])
    if lat is not None and lon is not None:
        try:
            return float(str(lat)), float(str(lon))
        except ValueError:
            return None
    m = _POINT.search(str(row.get("wkt") or ""))
    return (float(m.group(2)), float(m.group(1))) if m else None


@dataclass(frozen=True)
class PlacePoint:
    """A place with a point."""

    iri: str
    label: str
    lat: float
    lon: float


def places_of(store: Store, iris: Iterable[str]) -> list[PlacePoint]:
    """The places among ``iris`` (or where the events among them happened) that have coordinates."""
    wanted = sorted(set(iris))
    if not wanted:
        return []
    res = store.query(_PLACES, bindings={"x": many(URIRef(i) for i in wanted)})
    out: dict[str, PlacePoint] = {}
    for r in res.rows:
        point = point_of(r)
        if point:
            iri = str(r["place"])
            out[iri] = PlacePoint(iri, str(r.get("label") or iri.rsplit("/", 1)[-1]), *point)
    return sorted(out.values(), key=lambda p: p.label)


def map_svg(places: list[PlacePoint], *, href: dict[str, str], width: int = 720, height: int = 440) -> Markup:
    """Points on a longitude/latitude grid around ``places``, each linked to its page."""
    pad = 1.0
    lats = [p.lat for p in places] or [0.0]
    lons = [p.lon for p in places] or [0.0]
    south, north = min(lats) - pad, max(lats) + pad
    west, east = min(lons) - pad, max(lons) + pad
    # one scale for both axes, the box grown on its short side around the points (it was grown from
    # the south-west corner by the longer span, which put the grid far north of the points)
    scale = min(width / (east - west), height / (north - south))
    mid_lat, mid_lon = (north + south) / 2, (east + west) / 2
    south, north = mid_lat - height / scale / 2, mid_lat + height / scale / 2
    west, east = mid_lon - width / scale / 2, mid_lon + width / scale / 2
    span = max(north - south, east - west)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - west) / (east - west) * width, (north - lat) / (north - south) * height

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {width} {height}" width="100%" role="img" '
              f'aria-labelledby="map-title" font-family="system-ui, sans-serif" font-size="12">'),
             f'<title id="map-title">Map of {len(places)} places (longitude and latitude grid)</title>',
             f'<rect width="{width}" height="{height}" fill="#f4f7fa" stroke="#888"/>']
    step = 1 if span <= 8 else 5
    for lat in range(int(south) - 1, int(north) + 2):
        if lat % step == 0 and south <= lat <= north:
            _, y = xy(lat, west)
            parts.append(f'<line x1="0" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#d5dde5"/>'
                         f'<text x="4" y="{y - 3:.1f}" fill="#444">{lat}°N</text>')
    for lon in range(int(west) - 1, int(east) + 2):
        if lon % step == 0 and west <= lon <= east:
            x, _ = xy(south, lon)
            parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#d5dde5"/>'
                         f'<text x="{x + 3:.1f}" y="{height - 4}" fill="#444">{lon}°E</text>')
    for p in places:
        x, y = xy(p.lat, p.lon)
        parts.append(f'<a href="{escape(href.get(p.iri, p.iri))}"><title>{escape(p.label)} ({p.lat:.2f}, {p.lon:.2f})</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#b3261e" stroke="#000"/>'
                     + (f'<text x="{x - 9:.1f}" y="{y + 4:.1f}" fill="#111" text-anchor="end">' if x > width * 0.7  # not clipped at the edge
                        else f'<text x="{x + 9:.1f}" y="{y + 4:.1f}" fill="#111">') + f'{escape(p.label)}</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
