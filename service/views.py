"""The views of saved questions: their data as JSON, and the switch on the question's page.

``GET /ui/views/<id>.json?<parameters>&_view=<view>`` answers the question as its page does (same
parameters, same store) and returns the view's data (:mod:`crisiskg.service.viewdata`): points for
the map, events for the timeline and the escalation curve, bars for the chart, nodes and edges for
the graph. The scripts in ``static/views/`` draw it with the bundled libraries
(:mod:`crisiskg.service.vendor`); without scripts the page keeps its table, and the switch's links
(``?_view=map``) still say which views there are.

The SPARQL editor has the same switch for the query typed there (:func:`editor_view_switch`): the
views its answer's columns allow, the data at ``GET /ui/sparql/view.json?query=...&_view=<view>``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from crisiskg.errors import CrisisKGError, ParameterError, QueryError
from crisiskg.query.results import Result
from crisiskg.query.savedqueries import SavedQuery, get_query
from crisiskg.service.sparql import evaluate_text
from crisiskg.service.ui import current_store, queries_dir
from crisiskg.service.viewdata import VIEW_TITLES, view_data, views_for

bp = Blueprint("views", __name__, url_prefix="/ui/views")
editor_bp = Blueprint("editorviews", __name__, url_prefix="/ui/sparql")  # the editor's views: an ad-hoc query's

# the libraries each view loads, as /static/vendor/<package>/<path> (see crisiskg.service.vendor)
SCRIPTS = {
    "map": ("leaflet/dist/leaflet.js", "leaflet.markercluster/dist/leaflet.markercluster.js", "topojson-client/dist/topojson-client.min.js",
            "d3/dist/d3.min.js"),
    "timeline": ("d3/dist/d3.min.js",), "curve": ("d3/dist/d3.min.js",), "chart": ("d3/dist/d3.min.js",),
    "graph": ("d3/dist/d3.min.js",), "table": (),
}
STYLES = {"map": ("leaflet/dist/leaflet.css", "leaflet.markercluster/dist/MarkerCluster.css",
                  "leaflet.markercluster/dist/MarkerCluster.Default.css")}


def _args() -> dict[str, str]:
    """The question's own parameters (names without a leading underscore)."""
    return {k: v for k, v in request.args.items() if not k.startswith("_") and v != ""}


def _error(status: int, message: str) -> Response:
    resp = jsonify({"ok": False, "error": message, "status": status})
    resp.status_code = status
    return resp


@bp.get("/<qid>.json")
def data(qid: str) -> Response:
    """The data of one view of the question's answer (``_view``, default the question's own)."""
    try:
        q = get_query(qid, queries_dir())
    except QueryError as exc:
        return _error(404, str(exc))
    store = current_store()
    try:
        result = q.run(store, _args())
    except ParameterError as exc:
        return _error(400, str(exc))
    except CrisisKGError as exc:
        return _error(500, str(exc))
    views = [v for v in views_for(q, result) if v != "table"]
    view = request.args.get("_view") or (views[0] if views else "")
    if view not in views:
        offered = ", ".join(views) or "none (this answer is a table only)"
        return _error(400, f"saved question '{qid}' has no view {view!r}; its answer can be drawn as: {offered}")
    return jsonify({"ok": True, "question": qid, "title": VIEW_TITLES[view], **view_data(store, result, view)})


@bp.app_template_global()
def view_switch(q: SavedQuery, result: Result | None) -> dict[str, Any] | None:
    """What the question page's view switch shows (``ui/views/_switch.html``): the views, the one
    chosen (``_view``, default the question's own), links to each, the data URL and the scripts;
    None when the answer has no view but its table."""
    if result is None:
        return None
    views = views_for(q, result)
    if views == ["table"]:
        return None
    args: dict[str, Any] = dict(_args())
    chosen = request.args.get("_view", views[0])
    current = chosen if chosen in views else views[0]
    links = [(v, VIEW_TITLES[v], url_for("ui.question", qid=q.id, _view=v, **args)) for v in views]
    return {"views": views, "current": current, "links": links, **(view_canvas(q.id, current, args) if current != "table" else {"src": ""})}


@bp.app_template_global()
def view_canvas(qid: str, view: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``ui/views/_canvas.html`` needs to draw ``view`` of question ``qid`` (with ``args``):
    the data URL, the libraries' scripts and styles, the basemap, the views' own script and style."""
    return {"current": view, "src": url_for("views.data", qid=qid, _view=view, **(args or {})),
            "scripts": [url_for("static", filename=f"vendor/{s}") for s in SCRIPTS[view]],
            "styles": [url_for("static", filename=f"vendor/{s}") for s in STYLES.get(view, ())],
            "basemap": url_for("static", filename="vendor/world-atlas/countries-50m.json"),
            "script": url_for("static", filename="views/views.js"), "css": url_for("static", filename="views/views.css")}


# ------------------------------------------------------------------------------ the editor's views


_EDITOR_ARGS = ("query", "reasoning", "_sort", "_desc", "_page", "_size")  # what the switch's links keep


def _adhoc(text: str, result: Result) -> SavedQuery:
    """A query typed in the editor as a question without parameters or a declared view: its views
    are those its answer's columns allow (:func:`crisiskg.service.viewdata.views_for`)."""
    return SavedQuery(id="sparql", summary="", description="", sparql=text, kind=result.kind)


def _reasoning() -> str:
    return "none" if request.values.get("reasoning") == "none" else "owlrl"


def _drawable(text: str, result: Result) -> list[str]:
    return [v for v in views_for(_adhoc(text, result), result) if v != "table"]


@editor_bp.get("/view.json")
def editor_data() -> Response:
    """The data of one view of a query typed in the editor: ``?query=...&reasoning=...&_view=map``,
    the editor's own parameters; the query is evaluated under the endpoint's limits, as the editor
    evaluates it."""
    text = request.args.get("query", "")
    if not text.strip():
        return _error(400, "no query: give the SPARQL text as ?query=...")
    store = current_store()
    try:
        result = evaluate_text(store, text, reasoning=_reasoning(), route="/ui/sparql")
    except QueryError as exc:
        return _error(400, str(exc))
    views = _drawable(text, result)
    view = request.args.get("_view", "")
    if view not in views:
        offered = ", ".join(views) or "none (its answer is a table only)"
        return _error(400, f"this query has no view {view!r}; its answer can be drawn as: {offered}")
    return jsonify({"ok": True, "title": VIEW_TITLES[view], **view_data(store, result, view)})


@bp.app_template_global()
def editor_view_switch(text: str, result: Result | None) -> dict[str, Any] | None:
    """The editor's view switch (``ui/views/_switch.html``, as on a question's page): the table
    first (what the editor shows by default), then the views the answer's columns allow, each a link
    to the editor with ``_view``; the data URL of the one chosen. None when the answer has no view."""
    if result is None or not text.strip():
        return None
    views = _drawable(text, result)
    if not views:
        return None
    keep: dict[str, Any] = {k: v for k, v in request.values.items() if k in _EDITOR_ARGS}
    chosen = request.values.get("_view", "table")
    current = chosen if chosen in views else "table"
    links = [("table", "Table" if result.kind == "select" else "Turtle", url_for("ui.editor", **keep))]
    links += [(v, VIEW_TITLES[v], url_for("ui.editor", _view=v, **keep)) for v in views]
    canvas: dict[str, Any] = {"src": ""}
    if current != "table":
        canvas = view_canvas("", current)
        extra: dict[str, Any] = {"reasoning": "none"} if _reasoning() == "none" else {}
        canvas["src"] = url_for("editorviews.editor_data", query=text, _view=current, **extra)
    return {"views": ["table", *views], "current": current, "links": links, **canvas}
