"""``/``: an index of what the service offers as JSON (with the latest audit's estimate of the
facts' precision, or "not audited"); a browser is sent on to the analyst UI, whose home page says
the same. ``/favicon.ico``: the site's icon (an SVG from this host)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from crisiskg.loaders import audits
from crisiskg.service import negotiation as neg
from crisiskg.service.state import state

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
        audit = st.store.release.manifest.get("audit") if st.store is not None else None
        resp = jsonify({"ok": True, "version": st.version, "audit": audit, "audit_summary": audits.describe(audit), "links": links()})
    resp.vary.add("Accept")
    return resp


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The icon browsers ask for by this name; pages link it as ``/static/favicon.svg``."""
    return send_from_directory(current_app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml")
