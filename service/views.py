"""The views of saved questions: their data as JSON, and the switch on the question's page.

``GET /ui/views/<id>.json?<parameters>&_view=<view>`` answers the question as its page does (same
parameters, same store) and returns the view's data (:mod:`crisiskg.service.viewdata`): points for
the map, events for the timeline and the escalation curve, bars for the chart, nodes and edges for
the graph. The scripts in ``static/views/`` draw it with the bundled libraries
(:mod:`crisiskg.service.vendor`); without scripts the page keeps its table, and the switch's links
(``?_view=map``) still say which views there are.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from crisiskg.errors import CrisisKGError, ParameterError, QueryError
from crisiskg.query.results import Result
from crisiskg.query.savedqueries import SavedQuery, get_query
from crisiskg.service.ui import current_store, queries_dir
from crisiskg.service.viewdata import VIEW_TITLES, view_data, views_for

bp = Blueprint("views", __name__, url_prefix="/ui/views")

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
