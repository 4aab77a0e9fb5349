"""The lean path: a saved question's evaluated answer without Flask.

``GET /queries/<id>`` is the route analysts' tools and integrators call most, and each answer a
query worker evaluates. Through Flask such a request also pays for the request context, URL
routing, the hooks and the response object's round trips: about as much of the server's CPU as
the rest of the request (``benchmarks/README.md``). :class:`Lean`, wrapped around the Flask app
(inside the response cache's front, :mod:`crisiskg.service.cache`), answers the plain case itself
with the same parts the Flask view uses: the request checked as :class:`~crisiskg.service.api.Ask`,
evaluated by :meth:`State.evaluate`, kept in the response cache, given every header by
:func:`~crisiskg.service.hooks.decorate`, counted by :func:`~crisiskg.service.hooks.count_request`.
So its answers are the Flask view's, byte for byte but the Date (a test compares them).

Anything else goes to Flask as it came: another method, a conditional request (``If-None-Match``...),
an unknown question, a request the checks refuse (Flask refuses it again, with its error page), HTML,
an answer the response cache holds. A request it has evaluated goes to Flask only with what the
evaluation gave (in the environ under :data:`~crisiskg.service.api.HANDED`), which the view then
uses instead of evaluating again: an error (503 at the time limit, a bad query...) to be answered
as every error is, or an answer that has more pages (its ``Link`` to the next one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WSGIResponse

from crisiskg.service.api import HANDED, ROUTE, Ask
from crisiskg.service.cache import Entry, ResponseCache, keep, request_key
from crisiskg.service.hooks import CONDITIONAL, count_request, decorate
from crisiskg.service.state import KEY, State

PREFIX = "/queries/"
ENDPOINT = "api.saved_query"


class Lean:
    """WSGI middleware answering a plain ``GET /queries/<id>`` without Flask (see the module docstring)."""

    def __init__(self, app: Flask, inner: Callable[..., Iterable[bytes]]):
        self.app, self.inner = app, inner
        self.st: State = app.extensions[KEY]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        if (environ.get("REQUEST_METHOD") != "GET" or not path.startswith(PREFIX) or "/" in path[len(PREFIX):]
                or any(name in environ for name in CONDITIONAL)):
            return self.inner(environ, start_response)
        st = self.st
        served, store = st.version, st.store
        q = st.queries().get(path[len(PREFIX):])
        if q is None or store is None:
            return self.inner(environ, start_response)
        req = Request(environ)
        try:
            ask = Ask.of(st, q, req.args, req.headers.get("Accept"))
            job = None if ask.fmt == "html" else ask.job()
        except Exception:  # noqa: BLE001  # Flask refuses it again, as it refuses every bad request
            job = None
        cache: ResponseCache | None = self.app.extensions.get("crisiskg.cache")
        key = request_key(st, ENDPOINT, req) if cache is not None else None
        if job is None or (cache is not None and isinstance(cache.get(key), Entry)):
            return self.inner(environ, start_response)
        try:
            answer = st.evaluate(job, route=ROUTE, query_id=q.id, asked=f"GET {path}")
        except Exception as exc:  # noqa: BLE001  # answered by Flask's error handler, as every error is
            environ[HANDED] = exc
            return self.inner(environ, start_response)
        if answer.truncated:  # its Link to the next page is the view's to write
            environ[HANDED] = answer
            return self.inner(environ, start_response)
        resp = WSGIResponse(answer.serialize(ask.fmt), content_type=ask.content_type)
        resp.vary.add("Accept")
        if cache is not None:
            st.metrics.inc("crisiskg_http_cache_total", {"result": "miss"})
            keep(cache, st, key, store, resp, q.id, ROUTE, environ)
        decorate(resp, st, req, ENDPOINT, served)
        count_request(st.metrics, ROUTE, "GET", resp.status_code, time.perf_counter() - started, q.id)
        return resp(environ, start_response)


def register(app: Flask) -> None:
    """Put the lean path around ``app``'s WSGI app; register it before the response cache, whose
    front then wraps it (see :mod:`crisiskg.service.cache`)."""
    app.wsgi_app = Lean(app, app.wsgi_app)  # type: ignore[method-assign]
