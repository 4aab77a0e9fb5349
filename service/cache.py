"""A response cache keyed on the build version: the data changes only when a build is published.

A GET of a saved question (``/queries/<id>``), of ``/sparql`` or of a linked-data page (``/id/…``,
``/cameo/…``, ``/graph/…``) is answered from memory when the same request was answered before for
the same build. The key is (build version, saved questions' fingerprint, scheme and host, path,
sorted query string, ``Accept``): answers embed absolute links, and the representation is chosen
from ``Accept`` (every cached response says ``Vary: Accept``; one that varies on anything else is
never kept). Only complete successful answers are kept (status 200, not streamed): errors and 503
time-outs are always evaluated again. A response is kept whole (status, body, headers: Content-Type,
Vary, Link, X-Crisiskg-Truncated...) as the view made it; a hit then goes through the other hooks
like any answer (:mod:`crisiskg.service.hooks`: the same ETag, computed from the build version and the
content type, CORS, metrics, and a 304 for a matching ``If-None-Match``).

Memory is bounded: least recently used answers are dropped once their bodies and headers pass
``cache_bytes`` (:mod:`crisiskg.service.settings`; 0 turns the cache off); one answer larger than an
eighth of it is never kept. Counters in ``/metrics``: ``crisiskg_http_cache_total{result="hit"|"miss"|"skip"}``
and the gauges ``crisiskg_http_cache_bytes`` and ``crisiskg_http_cache_entries``.

Register it after :func:`crisiskg.service.hooks.register`: its ``before_request`` then runs after the
request timer starts, and its ``after_request`` (Flask runs those in reverse order) sees the
response as the view made it, before a 304 replaces it.

**The front.** A hit through Flask still pays for its request context, routing and hooks (a
sizeable share of what waitress spends on such a request). So the final response of a GET that
Flask answered from the cache, or that Flask or the lean path (:mod:`crisiskg.service.lean`, which
the front wraps) kept in it, is also kept whole (status and every header the hooks
set: ETag, CORS, Cache-Control) under the request as it came: (build version, saved questions'
fingerprint, scheme, host, path, query string as sent, ``Accept``). :class:`Front`, wrapped around
the WSGI app, answers the same request again from it without entering Flask, and counts it in
``/metrics`` as the hooks would. A conditional or range request (``If-None-Match``...) always goes
through Flask, which answers 304 where it should. Both kinds of entry share one memory bound.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WSGIResponse

from crisiskg.service.hooks import count_request, route_label
from crisiskg.service.state import State, state

CACHED = ("api.saved_query", "sparql.endpoint", "ld.resource", "ld.cameo", "ld.graph")
VARY_OK = {"accept", "accept-encoding"}  # the key holds Accept; nothing here re-encodes bodies
_OVERHEAD = 200  # bytes counted for an entry besides its body and headers


@dataclass(frozen=True)
class Entry:
    """A kept answer: enough to rebuild the response."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    saved_query_id: str | None

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + _OVERHEAD

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=list(self.headers))


@dataclass(frozen=True)
class Final:
    """A final response as the client got it, kept by :class:`Front`."""

    status: str  # the WSGI status line
    headers: tuple[tuple[str, str], ...]
    body: bytes
    route: str
    saved_query_id: str | None

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + _OVERHEAD


class ResponseCache:
    """A thread-safe LRU of :class:`Entry` bounded by bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Any, Entry | Final] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Any) -> Entry | Final | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Any, entry: Entry | Final) -> bool:
        """Keep ``entry`` (dropping the least recently used); False if it is too large to keep."""
        size = entry.size
        if size > self.max_bytes // 8:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._entries[key] = entry
            self.bytes += size
            while self.bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= dropped.size
        return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


def request_key(st: State, endpoint: str | None, req: Request) -> Any:
    """The cache key of ``req``, answered by ``endpoint``, or None when it must not be cached."""
    if req.method != "GET" or endpoint not in CACHED or st.store is None:
        return None
    fingerprint = st.queries_fingerprint() if endpoint == "api.saved_query" else ""
    args = tuple(sorted(req.args.items(multi=True)))
    return (st.version, fingerprint, req.host_url, req.path, args, req.headers.get("Accept", ""))


def keep(cache: ResponseCache, st: State, key: Any, store: Any, resp: WSGIResponse, saved_query_id: str | None, route: str,
         environ: dict[str, Any]) -> bool:
    """Keep ``resp`` (as the view made it) under ``key`` when it may be kept: a whole 200 that
    varies on nothing but Accept, made from the store still served (``store``); and mark the
    request for the front (:data:`FRONT_FLAG`). Counts a skip otherwise."""
    vary = {v.lower() for v in resp.vary}
    keepable = (resp.status_code == 200 and not resp.is_streamed and not resp.direct_passthrough
                and st.store is store and "*" not in vary and vary <= VARY_OK)
    if keepable:
        keepable = cache.put(key, Entry(resp.status_code, resp.get_data(), tuple(resp.headers.items()), saved_query_id))
    if keepable:
        environ[FRONT_FLAG] = (route, saved_query_id)
    else:
        st.metrics.inc("crisiskg_http_cache_total", {"result": "skip"})
    return keepable


def register(app: Flask) -> None:
    """Install the cache on ``app`` (after :func:`crisiskg.service.hooks.register`; see the module docstring)."""
    st: State = app.extensions["crisiskg"]
    if st.settings.cache_bytes <= 0:
        return
    cache = ResponseCache(st.settings.cache_bytes)
    app.extensions["crisiskg.cache"] = cache
    st.metrics.describe("crisiskg_http_cache_total", "counter",
                        "Cacheable GET requests answered from the response cache (hit), evaluated (miss), "
                        "or evaluated and not kept (skip: an error, too large, or varying on more than Accept).")
    st.metrics.gauge("crisiskg_http_cache_bytes", "Bytes held by the response cache.", lambda: [((), float(cache.bytes))])
    st.metrics.gauge("crisiskg_http_cache_entries", "Answers held by the response cache.", lambda: [((), float(len(cache)))])

    @app.before_request
    def answer_from_cache() -> Response | None:
        current = state()
        key = request_key(current, request.endpoint, request)
        if key is None:
            return None
        entry = cache.get(key)
        if not isinstance(entry, Entry):
            g.crisiskg_cache = (key, current.store)
            current.metrics.inc("crisiskg_http_cache_total", {"result": "miss"})
            return None
        current.metrics.inc("crisiskg_http_cache_total", {"result": "hit"})
        if entry.saved_query_id is not None:
            g.saved_query_id = entry.saved_query_id  # per-question metrics count hits too
        request.environ[FRONT_FLAG] = (route_label(), entry.saved_query_id)  # the front may keep the final answer
        return entry.response()

    @app.after_request
    def keep_answer(resp: Response) -> Response:
        pending = g.pop("crisiskg_cache", None)
        if pending is not None:
            key, store = pending
            keep(cache, state(), key, store, resp, g.get("saved_query_id"), route_label(), request.environ)
        return resp

    app.wsgi_app = Front(app.wsgi_app, st, cache)  # type: ignore[method-assign]


FRONT_FLAG = "crisiskg.cache.front"  # set in the WSGI environ when Flask's answer may be kept by the front
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                "HTTP_RANGE", "HTTP_IF_RANGE")


class Front:
    """WSGI middleware answering a GET that Flask answered from the response cache (or kept in it)
    before, from its final response (see the module docstring)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], st: State, cache: ResponseCache):
        self.app, self.st, self.cache = app, st, cache

    def key(self, environ: dict[str, Any]) -> Any:
        if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in _CONDITIONAL):
            return None
        st = self.st
        version = st.version
        if version is None:
            return None
        return ("front", version, st.queries_fingerprint(), environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME", ""),
                environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT", ""))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        found = self.cache.get(key)
        if isinstance(found, Final):
            start_response(found.status, list(found.headers))
            metrics = self.st.metrics
            metrics.inc("crisiskg_http_cache_total", {"result": "hit"})
            count_request(metrics, found.route, "GET", 200, time.perf_counter() - started, found.saved_query_id)
            return [found.body]
        seen: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        flag = environ.get(FRONT_FLAG)
        if flag is None or not seen or not seen[0].startswith("200"):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        self.cache.put(key, Final(seen[0], tuple(seen[1]), data, flag[0], flag[1]))
        return [data]
