"""The small map on a place's page: its point over the Natural Earth outlines.

A resource page whose IRI has a point (``schema:latitude`` and ``schema:longitude``, the
``geo:hasGeometry`` WKT point as decimals) calls :func:`place_map`; it
gives the point as text (what the page shows without scripts) and the canvas the saved questions'
map view draws in (:func:`crisiskg.service.views.view_canvas`, ``static/views/views.js``), fed by
``GET /ui/map/id/<rest>.json``: the map view's data (:func:`crisiskg.service.viewdata.map_data`)
for that one place, with the events the articles place there.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, url_for
from rdflib import URIRef

from crisiskg.query.store import Store
from crisiskg.service.ui import current_store
from crisiskg.service.ui_views import point_of
from crisiskg.service.viewdata import view_data
from crisiskg.service.views import view_canvas
from crisiskg.vocab import ID

bp = Blueprint("placemap", __name__, url_prefix="/ui/map")

# the place's points, and the events placed there (for the markers' popups, as on the event map)
# (schema:latitude/longitude: the digits as loaded on every engine, where a WKT literal may be rewritten)
_PLACE = """SELECT DISTINCT ?place ?lat ?long ?event ?label ?date WHERE {
  ?place schema:latitude ?lat ; schema:longitude ?long .
  OPTIONAL { ?event sem:hasPlace ?place ; rdfs:label ?label . OPTIONAL { ?event ckg:dateValue ?date } }
} ORDER BY ?lat ?long ?event ?date"""
_POINTS = """SELECT DISTINCT ?lat ?long ?wkt WHERE {
  ?place schema:latitude ?lat ; schema:longitude ?long . OPTIONAL { ?place geo:hasGeometry/geo:asWKT ?wkt }
} ORDER BY ?lat ?long ?wkt"""


def place_points(store: Store, iri: str) -> list[tuple[float, float, str]]:
    """``(latitude, longitude, WKT)`` of each point ``iri`` has; empty when it has none."""
    out = []
    for r in store.query(_POINTS, bindings={"place": URIRef(iri)}).rows:
        point = point_of(r)
        if point:
            out.append((*point, str(r.get("wkt") or "")))
    return out


@bp.app_template_global()
def place_map(iri: str) -> dict[str, Any] | None:
    """What ``ui/_place_map.html`` shows for ``iri``: its points (as text) and the map canvas;
    None when it is not a place with a point (or not one of the build's minted IRIs)."""
    if not iri.startswith(str(ID)):
        return None
    points = place_points(current_store(), iri)
    if not points:
        return None
    canvas = view_canvas("", "map")  # the map view's files and basemap; its data comes from data() below
    canvas["src"] = url_for("placemap.data", rest=iri[len(str(ID)):])
    canvas["fallback"] = "The map is drawn by a script; without scripts the point is given above."
    return {"points": points, "canvas": canvas}


@bp.get("/id/<path:rest>.json")
def data(rest: str) -> Response:
    """The map view's data for the place ``https://w3id.org/crisiskg/id/<rest>``: one point per
    point it has; 404 when it has none."""
    store = current_store()
    result = store.query(_PLACE, bindings={"place": URIRef(str(ID) + rest)})
    body = view_data(store, result, "map")
    if not body["points"]:
        resp = jsonify({"ok": False, "status": 404, "error": f"{ID}{rest} has no point (schema:latitude and schema:longitude) in this build"})
        resp.status_code = 404
        return resp
    return jsonify({"ok": True, "title": "Map", **body})
