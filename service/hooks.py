"""What every response gets: metrics, an ETag from the build version (304 for If-None-Match),
caching headers, and CORS.

- ETag: ``"<build version>-<hash of the content type>"`` on every successful read of build data
  (GET, HEAD, and POST queries), so each negotiated representation has its own tag and a new build
  changes them all. A matching ``If-None-Match`` on a GET or HEAD gets 304 without a body.
- CORS: any origin may read (``Access-Control-Allow-Origin: *``); preflight ``OPTIONS`` requests
  (automatic in Flask) get the methods and headers a SPARQL client sends.
"""

from __future__ import annotations

import functools
import hashlib
import time

from flask import Flask, Response, g, request
from werkzeug.datastructures import Headers
from werkzeug.http import http_date
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WSGIResponse

from crisiskg.service.metrics import Metrics
from crisiskg.service.state import State, state

UNCACHED = ("ops.",)  # endpoints whose answers change without a new build
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, Location, Content-Location, Retry-After, Vary, X-Crisiskg-Truncated",
}
SECURITY_HEADERS = {
    # scripts, styles, images and forms from this host only, no inline script or style, no framing:
    # an answer that smuggles markup or a javascript: link into a page cannot run in this origin
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
}
ALWAYS_HEADERS = {**CORS_HEADERS, **SECURITY_HEADERS}
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE",
               "HTTP_IF_RANGE")  # request headers werkzeug's make_conditional answers
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


def route_label() -> str:
    """The matched URL rule (bounded cardinality), or 'unmatched'."""
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


@functools.lru_cache(maxsize=256)
def etag_for(version: str, content_type: str) -> str:
    return f"{version}-{hashlib.sha256(content_type.encode('utf-8')).hexdigest()[:8]}"


def register(app: Flask) -> None:
    """Install the hooks on ``app``."""
    metrics = app.extensions["crisiskg"].metrics
    metrics.describe("crisiskg_http_requests_total", "counter", "HTTP requests by route, method and status.")
    metrics.describe("crisiskg_http_errors_total", "counter", "HTTP responses with status 400 or more, by route and status.")
    metrics.describe("crisiskg_http_request_duration_seconds", "histogram", "Time to answer a request, by route.")
    metrics.describe("crisiskg_query_timeouts_total", "counter", "Queries stopped at the time limit (503), by route.")
    metrics.describe("crisiskg_saved_query_requests_total", "counter", "Saved-question answers by question and status.")
    metrics.describe("crisiskg_saved_query_errors_total", "counter", "Saved-question requests that failed, by question and status.")
    metrics.describe("crisiskg_saved_query_timeouts_total", "counter", "Saved questions stopped at the time limit, by question.")
    metrics.describe("crisiskg_saved_query_duration_seconds", "histogram", "Time to answer a saved question, by question.")
    st = app.extensions["crisiskg"]  # its evaluator changes when a new build is swapped in: read it each time
    metrics.gauge("crisiskg_query_workers_killed_total", "Query worker processes killed at the time limit or ended at the memory cap (and replaced).",
                  lambda: [((), float(st.killed_workers))], kind="counter")
    metrics.gauge("crisiskg_query_workers", "Query worker processes started (idle or busy); 0 when queries run on threads.",
                  lambda: [((), float(st.evaluator.pool.ready if st.evaluator.pool is not None else 0))])

    @app.before_request
    def start_timer() -> None:
        g.crisiskg_started = time.perf_counter()
        g.crisiskg_version = state().version  # the build this request is answered from, even if a new one is swapped in meanwhile

    @app.after_request
    def finish(resp: Response) -> Response:
        st = state()
        method = request.method
        decorate(resp, st, request, request.endpoint or "", g.get("crisiskg_version", st.version))
        elapsed = time.perf_counter() - g.get("crisiskg_started", time.perf_counter())
        count_request(st.metrics, route_label(), method, resp.status_code, elapsed, g.get("saved_query_id"))
        return resp


def decorate(resp: WSGIResponse, st: State, req: Request, endpoint: str, served: str | None) -> None:
    """Give ``resp``, the answer to ``req`` by ``endpoint`` from the build ``served``, the headers
    every response gets (see the module docstring), and a 304 where the request asks for one."""
    headers = resp.headers
    present = {key.lower() for key, _ in headers}  # werkzeug's setdefault raises and catches an error per absent name
    method = req.method
    _add_absent(headers, present, ALWAYS_HEADERS)
    if method == "OPTIONS":
        _add_absent(headers, present, PREFLIGHT_HEADERS)
    cacheable = (method in ("GET", "HEAD", "POST") and resp.status_code == 200 and served is not None
                 and not endpoint.startswith(UNCACHED) and endpoint != "static")
    if cacheable:
        version = served or ""
        if endpoint.startswith(("api.", "home.", "ui.")):  # saved questions can change between builds
            version += "-" + st.queries_fingerprint()
        resp.set_etag(etag_for(version, resp.content_type or ""))
        _add_absent(headers, present, {"Cache-Control": "no-cache"})
        if method != "POST":  # a POST query is a read too: tagged, never answered 304
            _conditional(resp, req, present)
    elif endpoint.startswith(UNCACHED):
        headers["Cache-Control"] = "no-store"


def _add_absent(headers: Headers, present: set[str], extra: dict[str, str]) -> None:
    """Add each of ``extra`` whose name is not in ``present`` (lower-cased names, kept up to date)."""
    for key, value in extra.items():
        if key.lower() not in present:
            headers.add(key, value)
            present.add(key.lower())


def _conditional(resp: WSGIResponse, req: Request, present: set[str]) -> None:
    """What werkzeug's ``make_conditional`` does to the response of a GET or HEAD: a 304 or 412 (or a
    range) only for a request that asks for one, which is left to werkzeug; for any other, only the
    Date and Content-Length it would add, without its header look-ups."""
    environ = req.environ
    if any(name in environ for name in CONDITIONAL):
        resp.make_conditional(req)
        return
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        return
    if "date" not in present:
        resp.headers["Date"] = http_date()
    if resp.automatically_set_content_length and "content-length" not in present:
        length = resp.calculate_content_length()
        if length is not None:
            resp.headers["Content-Length"] = str(length)


def count_request(metrics: Metrics, route: str, method: str, status_code: int, elapsed: float, query_id: str | None) -> None:
    """The request counters and latency histograms of one answer (also for answers the response
    cache gives before Flask sees the request: :mod:`crisiskg.service.cache`)."""
    status = str(status_code)
    metrics.inc("crisiskg_http_requests_total", {"route": route, "method": method, "status": status})
    metrics.observe("crisiskg_http_request_duration_seconds", {"route": route}, elapsed)
    if status_code >= 400:
        metrics.inc("crisiskg_http_errors_total", {"route": route, "status": status})
    if query_id is not None:
        metrics.inc("crisiskg_saved_query_requests_total", {"query": query_id, "status": status})
        metrics.observe("crisiskg_saved_query_duration_seconds", {"query": query_id}, elapsed)
        if status_code >= 400:
            metrics.inc("crisiskg_saved_query_errors_total", {"query": query_id, "status": status})
