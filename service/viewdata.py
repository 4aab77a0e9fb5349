"""The data of a saved question's views, as JSON-ready dicts, read from the same answer as its table.

A view is a way to draw an answer: ``map`` (places with points), ``timeline`` (events on a time
scale, a span over every possible day of an imprecise date), ``curve`` (Goldstein scores over time),
``chart`` (bars for the numeric columns of each row) and ``graph`` (the triples between resources of
a CONSTRUCT answer, as labelled nodes and edges). :func:`views_for` says which views an answer can
give (by its columns); :func:`view_data` builds one. Every IRI comes with its label and its page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from crisiskg.query.results import Result
from crisiskg.query.savedqueries import SavedQuery
from crisiskg.query.store import Store
from crisiskg.service.ui_article import href_of
from crisiskg.service.ui_data import Value, describe_terms, local_name, span_parts
from crisiskg.service.ui_views import COORDINATES, point_of

VIEW_TITLES = {"table": "Table", "map": "Map", "timeline": "Timeline", "curve": "Escalation curve", "chart": "Bar chart",
               "graph": "Graph"}
NUMERIC = {XSD.integer, XSD.int, XSD.long, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger}
_HIDDEN = {"referenceContext", "text"}  # edges to an article text
Describe = Callable[[Iterable[Node | None]], dict[Node, Value]]


def views_for(q: SavedQuery, result: Result) -> list[str]:
    """The views ``result`` can be drawn as, the question's declared view first, then the table."""
    cols = set(result.variables) if result.kind == "select" else set()
    found = []
    if result.kind == "graph":
        found.append("graph")
    if "wkt" in cols or set(COORDINATES) <= cols:
        found.append("map")
    if {"earliest", "latest"} <= cols:
        found.append("timeline")
        if "goldstein" in cols:
            found.append("curve")
    if result.kind == "select" and _numeric_columns(result):
        found.append("chart")
    ordered = ([q.view] if q.view in found else []) + [v for v in found if v != q.view]
    return ordered + ["table"] if result.kind != "graph" else ordered


def view_data(store: Store, result: Result, view: str) -> dict[str, Any]:
    """The JSON of ``view`` over ``result``: ``{"view": ..., ...}`` (see each builder)."""
    def describe(terms: Iterable[Node | None]) -> dict[Node, Value]:
        return describe_terms(store, terms)
    builders: dict[str, Callable[[Result, Describe], dict[str, Any]]] = {
        "map": map_data, "timeline": timeline_data, "curve": curve_data, "chart": chart_data, "graph": graph_data}
    if view not in builders:
        raise KeyError(view)
    return {"view": view, **builders[view](result, describe)}


def _label(values: dict[Node, Value], term: Node | None) -> str:
    if term is None:
        return ""
    v = values.get(term)
    return v.text if v is not None else str(term)


def _href(term: Node | None) -> str | None:
    return href_of(str(term)) if isinstance(term, URIRef) else None


def _day(term: Node | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(term)[:10]) if term is not None else None
    except ValueError:
        return None


def map_data(result: Result, describe: Describe) -> dict[str, Any]:
    """``points``: one per place with a point (``lat`` and ``long`` columns, else a WKT point in
    ``wkt``; the ``place`` column, else the row's first IRI), with
    its label, latitude, longitude, page and the events of the rows there (``event`` column)."""
    rows = result.rows
    values = describe(t for r in rows for t in r.values())
    points: dict[str, dict[str, Any]] = {}
    for r in rows:
        point = point_of(r)
        place = r.get("place") or next((t for t in r.values() if isinstance(t, URIRef)), None)
        if not point or place is None:
            continue
        label = str(r.get("placeLabel") or "") or _label(values, place)
        pt = points.setdefault(str(place), {"iri": str(place), "label": label, "lat": point[0], "lon": point[1],
                                            "href": _href(place), "events": []})
        ev = r.get("event")
        if ev is not None and all(e["iri"] != str(ev) for e in pt["events"]):
            pt["events"].append({"iri": str(ev), "label": str(r.get("label") or _label(values, ev)), "href": _href(ev),
                                 "date": str(r.get("date") or "")})
    return {"points": sorted(points.values(), key=lambda p: p["label"])}


def _events(result: Result, describe: Describe) -> list[dict[str, Any]]:
    """One item per event (``event`` column) with bounds: the narrowest date its rows give."""
    rows = result.rows
    values = describe(r.get("event") for r in rows)
    out: dict[str, dict[str, Any]] = {}
    narrowest: dict[str, tuple[dt.timedelta, dt.date]] = {}  # event -> (width, first day) of the date kept
    for r in rows:
        ev, early, late = r.get("event"), _day(r.get("earliest")), _day(r.get("latest"))
        if ev is None or early is None or late is None:
            continue
        item = {"iri": str(ev), "label": str(r.get("label") or _label(values, ev)), "href": _href(ev),
                "date": str(r.get("date") or early.isoformat()), "precision": str(r.get("precision") or ""),
                "earliest": early.isoformat(), "latest": late.isoformat(), "span": early != late,
                "kind": str(r.get("type") or r.get("cameoName") or ""),
                "goldstein": float(str(r["goldstein"])) if r.get("goldstein") is not None else None}
        if str(ev) not in narrowest or (late - early, early) < narrowest[str(ev)]:
            out[str(ev)], narrowest[str(ev)] = item, (late - early, early)
    return sorted(out.values(), key=lambda e: (e["earliest"], e["latest"], e["label"]))


def focus(events: list[dict[str, Any]], pad_days: int = 2, min_days: int = 7) -> tuple[str, str] | None:
    """The crisis days: the shortest run of days holding at least half of the events dated to the
    day (of all events if none is), the latest of equals, padded by ``pad_days`` and widened to
    ``min_days``. Derived from the answer, so a dense week is not lost in months of stray dates;
    the time views open on it and zoom out to the rest ("All dates")."""
    dated = sorted((dt.date.fromisoformat(e["earliest"]), dt.date.fromisoformat(e["latest"]))
                   for e in ([e for e in events if not e["span"]] or events))
    if not dated:
        return None
    k = (len(dated) + 1) // 2
    windows = [(dated[i][0], max(hi for _, hi in dated[i:i + k])) for i in range(len(dated) - k + 1)]
    lo, hi = min(windows, key=lambda w: ((w[1] - w[0]).days, -w[0].toordinal()))
    lo, hi = lo - dt.timedelta(days=pad_days), hi + dt.timedelta(days=pad_days)
    short = min_days - ((hi - lo).days + 1)
    if short > 0:
        lo, hi = lo - dt.timedelta(days=short // 2), hi + dt.timedelta(days=short - short // 2)
    return lo.isoformat(), hi.isoformat()


def timeline_data(result: Result, describe: Describe) -> dict[str, Any]:
    """``events`` (see :func:`_events`), ``focus`` (first and last day of the crisis) and ``extent``
    (first and last possible day of any event)."""
    events = _events(result, describe)
    extent = (min(e["earliest"] for e in events), max(e["latest"] for e in events)) if events else None
    return {"events": events, "focus": focus(events), "extent": extent}


def curve_data(result: Result, describe: Describe) -> dict[str, Any]:
    """The timeline's data, keeping only events with a Goldstein score: the curve's points."""
    data = timeline_data(result, describe)
    data["events"] = [e for e in data["events"] if e["goldstein"] is not None]
    return data


def _numeric_columns(result: Result) -> list[str]:
    """Columns whose every bound value is a number (and at least one is bound); a point's latitude
    and longitude are coordinates for a map, not amounts to chart."""
    cols = []
    for v in result.variables:
        if v in COORDINATES:
            continue
        vals = [r.get(v) for r in result.rows if r.get(v) is not None]
        if vals and all(isinstance(t, Literal) and t.datatype in NUMERIC for t in vals):
            cols.append(v)
    return cols


def chart_data(result: Result, describe: Describe) -> dict[str, Any]:
    """``series`` (the numeric columns) and ``bars``: one group per row, labelled by its ``label``
    column (else its first IRI's label), with a value per series."""
    series = _numeric_columns(result)
    rows = result.rows
    values = describe(t for r in rows for t in r.values())
    groups = []
    for r in rows:
        first = next((t for t in r.values() if isinstance(t, URIRef)), None)
        label = str(r.get("label") or "") or _label(values, first) or "(row)"
        groups.append({"label": label, "href": _href(first),
                       "values": {s: float(str(r[s])) for s in series if r.get(s) is not None}})
    return {"series": series, "groups": groups}


def graph_data(result: Result, describe: Describe) -> dict[str, Any]:
    """``nodes`` and ``edges`` of a CONSTRUCT answer: every triple whose subject and object are
    IRIs (not rdf:type, not an evidence span: those are the answer's quotes) joins its ends, one edge
    per ordered pair labelled by its predicates; the nodes are the ends, labelled by their labels."""
    triples = [t for t in result.triples if isinstance(t[0], URIRef) and isinstance(t[2], URIRef) and t[1] != RDF.type
               and not span_parts(str(t[0])) and not span_parts(str(t[2])) and local_name(str(t[1])) not in _HIDDEN]
    ends = sorted({str(t) for s, _, o in triples for t in (s, o)})
    values = describe([URIRef(i) for i in ends] + [p for _, p, _ in triples])
    types: dict[str, str] = {}
    for s, p, o in result.triples:
        if p == RDF.type and isinstance(o, URIRef):
            types.setdefault(str(s), local_name(str(o)))
    nodes = [{"id": i, "label": _short(_label(values, URIRef(i))), "href": href_of(i), "type": types.get(i, "")} for i in ends]
    named: dict[tuple[str, str], set[str]] = {}  # one edge per pair of nodes, naming every predicate between them
    for s, p, o in triples:
        named.setdefault((str(s), str(o)), set()).add(local_name(str(p)))
    edges = [{"source": s, "target": o, "label": ", ".join(sorted(ps))} for (s, o), ps in sorted(named.items())]
    return {"nodes": nodes, "edges": edges}


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"
