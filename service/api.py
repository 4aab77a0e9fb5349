"""Saved questions over HTTP: ``/queries`` (the catalogue), ``/queries/<id>`` (one question, its
parameters in the query string), and ``/openapi.json`` (OpenAPI 3.1, one operation per question).

Bare parameter names belong to the question (``?country=iraq``); names starting with ``_`` belong
to the system: ``_format`` (``json``, ``xml``, ``csv``, ``tsv``, ``html``; RDF keys for a CONSTRUCT
question) instead of ``Accept``, ``_reasoning=none``, ``_timeout`` (seconds: lowers the time limit,
which the question's own ``timeout:`` may already have lowered below the server's; never raises it),
and paging: ``_limit`` (rows per page, at most ``max_result_rows``, which is also the default) and
``_offset`` (rows to skip). When more rows exist the answer says so: a ``Link: <...>; rel="next"``
header to the next page, the header ``X-Crisiskg-Truncated: true``, and in SPARQL JSON a top-level
``"truncated": true``. A bad or unknown parameter is a 400 whose message names the valid parameters
or choices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from crisiskg.errors import ParameterError, QueryError
from crisiskg.query.savedqueries import SavedQuery
from crisiskg.query.store import REASONING, Store
from crisiskg.service import negotiation as neg
from crisiskg.service.errors import ServiceError
from crisiskg.service.evaluation import Answer, QueryJob
from crisiskg.service.limits import parse_timeout, time_limit
from crisiskg.service.openapi import build_openapi
from crisiskg.service.sparql import TRUNCATED, pick_format, text_type
from crisiskg.service.state import State, evaluated, state
from crisiskg.service.ui_answer import by_topic, question_context

bp = Blueprint("api", __name__)


def _get(query_id: str) -> SavedQuery:
    queries = state().queries()
    if query_id not in queries:
        from crisiskg.query.choices import nearest

        hint = nearest(query_id, list(queries))
        raise ServiceError(404, f"no saved query '{query_id}'{f' (did you mean {hint!r}?)' if hint else ''}; "
                                f"saved queries: {', '.join(queries) or 'none'} (see /queries)")
    return queries[query_id]


def _values(q: SavedQuery, args: MultiDict[str, str]) -> dict[str, str]:
    """The question's parameter values from the query string; 400 for one given twice."""
    values: dict[str, str] = {}
    for name in args:
        if name.startswith("_"):
            continue
        given = args.getlist(name)
        if len(given) > 1:
            raise ParameterError(f"saved query '{q.id}' parameter '{name}' is given {len(given)} times; give it once")
        values[name] = given[0]
    return values


def _count(args: MultiDict[str, str], name: str, default: int, *, low: int, high: int | None = None) -> int:
    """An integer system parameter (``_limit``, ``_offset``): 400 unless a whole number >= ``low``;
    capped at ``high``."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,12}", raw.strip()) or int(raw) < low:  # ASCII digits: '²'.isdigit() is true
        raise ServiceError(400, f"{name} {raw[:40]!r} is not a whole number of at least {low} (e.g. {name}={max(low, 100)})")
    return min(int(raw), high) if high is not None else int(raw)


@dataclass(frozen=True)
class Ask:
    """A request for a saved question's answer, checked: everything but binding and evaluating it."""

    q: SavedQuery
    media: str
    fmt: str
    reasoning: str
    limit: int
    offset: int
    timeout: float
    store: Store
    values: dict[str, str]

    @classmethod
    def of(cls, st: State, q: SavedQuery, args: MultiDict[str, str], accept: str | None) -> Ask:
        """The checked request for ``q`` with the query string ``args`` and the Accept header
        ``accept``; ServiceError (400, 406, or 503 without a build) or ParameterError otherwise."""
        media, fmt = pick_format(q.kind, args, html=True, accept=accept)
        reasoning = args.get("_reasoning", "owlrl")
        if reasoning not in REASONING:
            raise ServiceError(400, f"_reasoning {reasoning!r} is not known; choose one of: {', '.join(REASONING)}")
        rows = st.settings.max_result_rows
        limit = _count(args, "_limit", rows, low=1, high=rows)
        offset = _count(args, "_offset", 0, low=0)
        timeout = time_limit(st.settings.query_timeout, q.timeout, parse_timeout(args.get("_timeout"), "_timeout"))
        store = st.require_store()
        return cls(q, media, fmt, reasoning, limit, offset, timeout, store, _values(q, args))

    def job(self) -> QueryJob:
        """The query job, its values bound; ParameterError for a value the question does not take."""
        bound = self.q.bind(self.values, self.store)
        return QueryJob.saved(self.q.sparql, bound, reasoning=self.reasoning, offset=self.offset, limit=self.limit,
                              fmt=self.fmt if self.fmt != "html" else None, timeout=self.timeout, store=self.store)

    @property
    def content_type(self) -> str:
        return text_type(self.media)


PAGE_KEEPS = ("_format", "_reasoning", "_timeout", "_limit")  # system parameters the next page keeps


def _next_page(q: SavedQuery, values: dict[str, str], offset: int, limit: int) -> str:
    names = {p.name for p in q.params}
    args = {**{k: v for k, v in values.items() if k in names}, **{k: request.args[k] for k in PAGE_KEEPS if k in request.args}}
    return url_for("api.saved_query", query_id=q.id, **args, _offset=offset + limit, _external=True)


@bp.route("/queries")
def catalogue() -> Response:
    """Every saved question: id, summary, parameters, links (HTML or JSON)."""
    queries = state().queries()
    items = [{**q.to_dict(), "url": url_for("api.saved_query", query_id=q.id, _external=True)} for q in queries.values()]
    fmt = request.args.get("_format")
    if fmt == "html" or (fmt is None and neg.choose(request.headers.get("Accept"), ["application/json", neg.HTML]) == neg.HTML):
        resp = Response(render_template("ui/questions.html", topics=by_topic(queries.values()),
                                               question_href=lambda q: url_for("api.saved_query", query_id=q.id)), mimetype=neg.HTML)
    else:
        resp = jsonify({"ok": True, "queries": items})
    resp.vary.add("Accept")
    return resp


ROUTE = "/queries/<query_id>"  # the route's rule, its label in the metrics


@bp.route(ROUTE)
def saved_query(query_id: str) -> Response:
    """Answer one saved question with the parameters in the query string."""
    st = state()
    q = _get(query_id)
    g.saved_query_id = q.id
    ask = Ask.of(st, q, request.args, request.headers.get("Accept"))
    error: ParameterError | None = None
    answer: Answer | None = None
    try:
        answer = evaluated(ask.job(), route=ROUTE, query_id=q.id)
    except (ParameterError, QueryError) as exc:
        if ask.fmt != "html" or not isinstance(exc, ParameterError):
            raise
        error = exc
    if ask.fmt == "html":  # the UI's question page, its downloads from this API
        context = question_context(ask.store, q, ask.values, answer.result if answer else None, error=error,
                                   download=lambda **a: _download(q, a),
                                   ask=lambda **a: url_for("api.saved_query", query_id=q.id, **a))
        resp = Response(render_template("ui/question.html", **context), status=400 if error else 200, mimetype=neg.HTML)
    else:
        assert answer is not None
        resp = Response(answer.serialize(ask.fmt), content_type=ask.content_type)
    if answer is not None and answer.truncated:
        resp.headers[TRUNCATED] = "true"
        resp.headers.add("Link", f'<{_next_page(q, ask.values, ask.offset, ask.limit)}>; rel="next"')
    resp.vary.add("Accept")
    return resp


def _download(q: SavedQuery, args: dict[str, Any]) -> str:
    """A download of the answer as the page shows it: this API's URL, or for a sorted or paged view
    (``_sort``, ``_page``, ``_size``: the UI's view parameters) the UI's download of that view."""
    if any(k in args for k in ("_sort", "_page", "_size")):
        return url_for("ui.download", qid=q.id, **args)
    return url_for("api.saved_query", query_id=q.id, **args)


@bp.route("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of the saved questions and the SPARQL endpoint."""
    st = state()
    server = request.url_root.rstrip("/")
    spec: dict[str, Any] = build_openapi(st.queries(), st.store, server)
    return jsonify(spec)
