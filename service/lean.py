"""The lean path: evaluated answers to the hot routes without Flask.

``GET /queries/<id>`` (a saved question) and ``GET /sparql?query=...`` are what analysts' tools
and integrators call most, and each answer is evaluated by a query worker. Through Flask such a
request also pays for the request context, URL routing, the hooks and the response object's round
trips: about as much of the server's CPU as the rest of the request (``benchmarks/README.md``).
:class:`Lean`, wrapped around the Flask app (inside the response cache's front,
:mod:`crisiskg.service.cache`), answers the plain cases itself with the very parts the Flask views
use: the request checked (:class:`~crisiskg.service.api.Ask`, :class:`~crisiskg.service.sparql.Asked`),
evaluated by :meth:`State.evaluate`, kept in the response cache, given every header by
:func:`~crisiskg.service.hooks.decorate`, counted by :func:`~crisiskg.service.hooks.count_request`.
So its answers are the views', byte for byte but the Date (tests compare them).

Anything else goes to Flask as it came: another method or route, a conditional request
(``If-None-Match``...), a request the checks refuse (Flask refuses it again, with its error page),
HTML, a query whose form its text does not show, an answer the response cache holds. A request it
has evaluated goes to Flask only with what the evaluation gave (in the environ under
:data:`~crisiskg.service.state.HANDED`), which the view then uses instead of evaluating again: an
error (503 at the time limit, a bad query...) to be answered as every error is, or a saved
question's answer that has more pages (its ``Link`` to the next one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WSGIResponse

from crisiskg.service import api, sparql
from crisiskg.service.cache import Entry, ResponseCache, keep, request_key
from crisiskg.service.hooks import CONDITIONAL, count_request, decorate
from crisiskg.service.jobs import Answer, QueryJob
from crisiskg.service.state import HANDED, KEY, State

SAVED = "/queries/"
SPARQL = ("/sparql", "/sparql/")


class Handover(Exception):  # not an error: control flow to Flask
    """This request is Flask's to answer."""


class Lean:
    """WSGI middleware answering the plain hot requests without Flask (see the module docstring)."""

    def __init__(self, app: Flask, inner: Callable[..., Iterable[bytes]]):
        self.app, self.inner = app, inner
        self.st: State = app.extensions[KEY]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or any(name in environ for name in CONDITIONAL):
            return self.inner(environ, start_response)
        try:
            if path.startswith(SAVED) and "/" not in path[len(SAVED):]:
                resp = self._saved(environ, path)
            elif path in SPARQL and "query=" in environ.get("QUERY_STRING", ""):
                resp = self._sparql(environ)
            else:
                raise Handover
        except Handover:
            return self.inner(environ, start_response)
        except Exception as exc:  # noqa: BLE001  # a failure of this path itself: answered (and logged) by Flask, as any error
            environ[HANDED] = exc
            return self.inner(environ, start_response)
        return resp(environ, start_response)

    def _saved(self, environ: dict[str, Any], path: str) -> WSGIResponse:
        started, st = time.perf_counter(), self.st
        served = st.version
        q = st.queries().get(path[len(SAVED):])
        if q is None or st.store is None:
            raise Handover
        req = Request(environ)
        try:
            ask = api.Ask.of(st, q, req.args, req.headers.get("Accept"))
            if ask.fmt == "html":
                raise Handover
            job = ask.job()
        except Exception as exc:  # Flask refuses it again, as it refuses every bad request
            raise Handover from exc
        key, answer = self._evaluate(environ, req, job, "api.saved_query", api.ROUTE, q.id)
        if answer.truncated:  # its Link to the next page is the view's to write
            environ[HANDED] = answer
            raise Handover
        resp = WSGIResponse(answer.serialize(ask.fmt), content_type=ask.content_type)
        resp.vary.add("Accept")
        return self._finish(environ, req, resp, key, ask.store, "api.saved_query", api.ROUTE, q.id, served, started)

    def _sparql(self, environ: dict[str, Any]) -> WSGIResponse:
        started, st = time.perf_counter(), self.st
        served = st.version
        if st.store is None:
            raise Handover
        req = Request(environ)
        accept = req.headers.get("Accept")
        try:
            asked = sparql.Asked.of(st, sparql.parse_request(req, st.settings), accept)
            if asked.req.query is None or asked.kind is None or asked.fmt == "html":
                raise Handover
            job = asked.job(st.settings, req.root_url + "sparql")  # what url_for gives the view: tests compare them
        except Exception as exc:  # Flask refuses it again, as it refuses every bad request
            raise Handover from exc
        key, answer = self._evaluate(environ, req, job, "sparql.endpoint", sparql.ROUTE, None)
        return self._finish(environ, req, asked.response(answer, accept), key, asked.store, "sparql.endpoint", sparql.ROUTE, None,
                            served, started)

    def _evaluate(self, environ: dict[str, Any], req: Request, job: QueryJob, endpoint: str, route: str,
                  query_id: str | None) -> tuple[Any, Answer]:
        """The request's key in the response cache (None when it is off) and the job's answer;
        Handover when the cache holds it (Flask answers from there) or when the evaluation failed
        (its error handed over)."""
        cache: ResponseCache | None = self.app.extensions.get("crisiskg.cache")
        key = None if cache is None else request_key(self.st, endpoint, req)
        if cache is not None and isinstance(cache.get(key), Entry):
            raise Handover
        try:
            answer: Answer = self.st.evaluate(job, route=route, query_id=query_id, asked=f"GET {req.path}")
        except Exception as exc:  # answered by Flask's error handler, as every error is
            environ[HANDED] = exc
            raise Handover from exc
        return key, answer

    def _finish(self, environ: dict[str, Any], req: Request, resp: WSGIResponse, key: Any, store: Any, endpoint: str,
                route: str, query_id: str | None, served: str | None, started: float) -> WSGIResponse:
        """``resp`` kept in the response cache under ``key`` (when on; made from ``store``), given
        every response's headers, counted."""
        st = self.st
        cache: ResponseCache | None = self.app.extensions.get("crisiskg.cache")
        if cache is not None:
            st.metrics.inc("crisiskg_http_cache_total", {"result": "miss"})
            keep(cache, st, key, store, resp, query_id, route, environ)
        decorate(resp, st, req, endpoint, served)
        count_request(st.metrics, route, "GET", resp.status_code, time.perf_counter() - started, query_id)
        return resp


def register(app: Flask) -> None:
    """Put the lean path around ``app``'s WSGI app; register it before the response cache, whose
    front then wraps it (see :mod:`crisiskg.service.cache`)."""
    app.wsgi_app = Lean(app, app.wsgi_app)  # type: ignore[method-assign]
