"""Operations: ``/healthz`` (the process answers), ``/readyz`` (a build is loaded and it conforms to
the shapes), ``/metrics`` (Prometheus text). Never cached."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from crisiskg.query.sizes import EXPLAINED, sizes
from crisiskg.service.metrics import CONTENT_TYPE
from crisiskg.service.state import state

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    """200 while the process can answer."""
    return jsonify({"ok": True, "status": 200})


@bp.route("/readyz")
def readyz() -> Response:
    """200 when a build is loaded, its validation conforms and a query worker is running (when
    queries run in worker processes), with its size in quads and in distinct triples and what each
    counts (``triples`` is the quads, as before); 503 with the reason otherwise."""
    st = state()
    if st.store is None:
        resp = jsonify({"ok": False, "status": 503, "error": f"no build is loaded: {st.store_error}"})
        resp.status_code = 503
        return resp
    validation = st.store.release.manifest.get("validation", {})
    if not validation.get("conforms"):
        resp = jsonify({"ok": False, "status": 503, "version": st.version,
                        "error": f"build {st.version} does not conform to the shapes ({validation.get('violations', '?')} violations)"})
        resp.status_code = 503
        return resp
    pool = st.evaluator.pool
    if pool is not None and pool.ready == 0:  # queries would wait for a worker: not ready for traffic yet
        why = f": {pool.start_error}" if pool.start_error else ""
        resp = jsonify({"ok": False, "status": 503, "version": st.version,
                        "error": f"no query worker is running yet (0 of {pool.size} started{why})"})
        resp.status_code = 503
        resp.headers["Retry-After"] = str(st.settings.retry_after)
        return resp
    counted = sizes(st.store)
    return jsonify({"ok": True, "status": 200, "version": st.version, "triples": counted.quads,  # "triples": quads, as before
                    "quads": counted.quads, "distinct_triples": counted.distinct_triples, "counts": EXPLAINED,
                    "graphs": len(st.store.graphs), "created": st.store.release.manifest.get("created")})


@bp.route("/metrics")
def metrics() -> Response:
    """Prometheus text format: requests, latency, errors and timeouts per route and per saved question."""
    return Response(state().metrics.render(), content_type=CONTENT_TYPE)
