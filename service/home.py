"""``/``: an index of what the service offers as JSON; a browser is sent on to the analyst UI."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from service import negotiation as neg
from service.state import state

bp = Blueprint("home", __name__)


def links() -> dict[str, str]:
    return {
        "ui": url_for("ui.home"),
        "sparql": url_for("sparql.endpoint"),
        "queries": url_for("api.catalogue"),
        "openapi": url_for("api.openapi"),
        "void": url_for("ld.void_description"),
        "dumps": url_for("ld.dumps"),
        "ontology": url_for("ld.ontology"),
        "shapes": url_for("ld.shapes"),
        "healthz": url_for("ops.healthz"),
        "readyz": url_for("ops.readyz"),
        "metrics": url_for("ops.metrics"),
    }


@bp.route("/")
def index() -> Response:
    """Links to every part of the service."""
    st = state()
    if neg.choose(request.headers.get("Accept"), ["application/json", neg.HTML]) == neg.HTML:
        resp = redirect(url_for("ui.home"), code=303)
    else:
        resp = jsonify({"ok": True, "version": st.version, "links": links()})
    resp.vary.add("Accept")
    return resp
