"""``/sparql``: the SPARQL 1.1 Protocol (query operation), read-only.

- GET ``?query=``; POST ``application/x-www-form-urlencoded`` (``query=`` in the body); POST
  ``application/sparql-query`` (the query is the body). ``default-graph-uri`` and
  ``named-graph-uri`` (repeatable) come from the URL or, for a form POST, the body too.
- Statuses: 400 bad syntax, repeated or missing ``query``, bad graph IRI, SERVICE; 403 any update
  (``update=``, ``application/sparql-update``, an update in ``query``); 405 other methods; 406 no
  acceptable format; 413 body too large; 415 wrong or missing media type or a charset other than
  UTF-8; 500 evaluation failure; 503 + Retry-After past the time limit.
- ``default-graph-uri=urn:x-rdflib:default`` (what rdflib's ``SPARQLStore`` sends for a
  ``Dataset``'s default graph) names the endpoint's default graph, the union of the named graphs.
- GET without a query: the service description (RDF, negotiated) or, for a browser, the UI's editor
  page (:mod:`crisiskg.service.ui_editor`), which also shows a query's answer or error asked as HTML.
- System parameters: ``_format`` (a format key or ``html``, instead of Accept) and
  ``_reasoning=none`` (leave the inferred graph out of the default graph); ``timeout`` (seconds)
  lowers the server's time limit for this query, never raises it.
- Limits (:mod:`crisiskg.service.limits`): a query longer than ``max_query_length`` characters or nested
  deeper than ``max_query_depth`` brackets is a 400, checked before it is parsed. An answer holds at
  most ``max_result_rows`` rows (or triples): past that it is cut, the response says so with the
  header ``X-Crisiskg-Truncated: true``, and SPARQL JSON also with a top-level ``"truncated": true``
  (an extra member, which SPARQL JSON readers ignore; absent when nothing was cut).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from crisiskg.errors import QueryError
from crisiskg.query.results import Result
from crisiskg.query.sparqltext import keywords
from crisiskg.query.store import REASONING, Store
from crisiskg.service import negotiation as neg
from crisiskg.service.descriptions import service_description
from crisiskg.service.errors import ServiceError
from crisiskg.service.evaluation import Answer, QueryJob
from crisiskg.service.limits import check_text, parse_timeout, time_limit
from crisiskg.service.settings import Settings
from crisiskg.service.state import KEY, State, evaluated, state
from crisiskg.service.ui_editor import editor_page

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
TRUNCATED = "X-Crisiskg-Truncated"  # "true" when the answer was cut at max_result_rows
RDFLIB_DEFAULT = "urn:x-rdflib:default"  # what rdflib's SPARQLStore sends as default-graph-uri for a Dataset's default graph
READ_ONLY = ("this endpoint is read-only: SPARQL Update is not accepted (send a query with 'query=' "
             "or as application/sparql-query)")


@dataclass
class ProtocolRequest:
    """A parsed query request: the query text (None: none given) and the protocol dataset."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    params: MultiDict[str, str] = field(default_factory=MultiDict)


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServiceError(400, f"the {what} is not valid UTF-8 (byte {exc.start}); send UTF-8 text") from None


def _form(body: bytes) -> MultiDict[str, str]:
    text = _decode(body, "form body")
    try:
        return MultiDict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ServiceError(400, f"the form body is not valid URL-encoded UTF-8: {exc}") from None


def parse_request(req: Request, settings: Settings) -> ProtocolRequest:
    """The query and dataset of ``req``; ServiceError for a bad request (see module)."""
    args = req.args
    if req.method == "POST":
        mimetype = req.mimetype
        charset = req.mimetype_params.get("charset")
        if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise ServiceError(415, f"charset {charset!r} is not supported; send the request as UTF-8 (charset=utf-8)")
        if mimetype == UPDATE:
            raise ServiceError(403, READ_ONLY)
        if mimetype == FORM:
            params = _form(req.get_data(cache=False))
            queries = params.getlist("query") + args.getlist("query")
            merged: MultiDict[str, str] = MultiDict(list(args.items(multi=True)) + list(params.items(multi=True)))
        elif mimetype == DIRECT:
            if "query" in args:
                raise ServiceError(400, "a direct POST (application/sparql-query) carries the query in the body; "
                                        "remove 'query' from the URL")
            queries = [_decode(req.get_data(cache=False), "query")]
            merged = MultiDict(args)
        elif not mimetype:
            raise ServiceError(415, f"a POST needs a Content-Type: {FORM} (query=...) or {DIRECT} (the query as the body)")
        else:
            raise ServiceError(415, f"media type {mimetype!r} is not accepted; use {FORM} (query=...) or {DIRECT}")
        if not queries:
            if "update" in merged:
                raise ServiceError(403, READ_ONLY)
            raise ServiceError(400, "the POST carries no query; send query=... (form) or the query as the body")
    else:
        merged = MultiDict(args)
        queries = args.getlist("query")
    if "update" in merged or "using-graph-uri" in merged or "using-named-graph-uri" in merged:
        raise ServiceError(403, READ_ONLY)
    if len(queries) > 1:
        raise ServiceError(400, f"'query' is given {len(queries)} times; give exactly one query")
    graphs = {}
    for name in ("default-graph-uri", "named-graph-uri"):
        values = merged.getlist(name)
        for value in values:
            if not _IRI.match(value):
                raise ServiceError(400, f"{name} {value!r} is not an absolute IRI")
        graphs[name] = values
    query = queries[0] if queries else None
    if query is not None and not query.strip():
        raise ServiceError(400, "the query is empty")
    if query is not None:
        check_text(query, max_length=settings.max_query_length, max_depth=settings.max_query_depth)
    return ProtocolRequest(query, graphs["default-graph-uri"], graphs["named-graph-uri"], merged)


_PROLOGUE = re.compile(r"""(?:\s+|\#[^\n\r]*|(?i:PREFIX)\s+[^\s<]*:\s*<[^<>"{}|^`\\\x00-\x20]*>|(?i:BASE)\s*<[^<>"{}|^`\\\x00-\x20]*>)*""")
_FIRST_WORD = re.compile(r"[A-Za-z]+(?![\w:.\-])")
_DECIDING = frozenset(FORMS) | UPDATES  # a first word that decides the form


def query_form(sparql: str) -> str | None:
    """select / ask / graph from the query text (None when unknown: evaluation will say why);
    ServiceError 403 for an update. The first word after the prologue (whitespace, comments, PREFIX
    and BASE declarations, read by one regular expression) decides when it is a form or an update;
    else the text's keywords, which scan all of it."""
    prologue = _PROLOGUE.match(sparql)  # always a match, perhaps empty
    found = _FIRST_WORD.match(sparql, prologue.end() if prologue else 0)
    first = found.group(0).upper() if found else ""
    words: Iterable[str] = (first,) if first in _DECIDING else keywords(sparql)
    for word in words:
        if word in ("PREFIX", "BASE") or word.endswith(":"):
            continue
        if word in FORMS:
            return FORMS[word]
        if word in UPDATES:
            raise ServiceError(403, READ_ONLY)
        return None
    return None


_REQUESTS: Any = object()  # pick_format's accept when not given: the current request's Accept header


def pick_format(kind: str, params: MultiDict[str, str], *, html: bool, accept: str | None = _REQUESTS) -> tuple[str, str]:
    """(media type, format key) for an answer of ``kind``: ``_format``, else ``accept`` (the current
    request's Accept when not given); 400 / 406."""
    table = neg.TABLES[kind]
    fmt = params.get("_format")
    if fmt:
        chosen = neg.by_format(fmt, table, html=html)
        if chosen is None:
            raise ServiceError(400, f"_format {fmt!r} is not available for the answer to a {kind.upper()} query; "
                                    f"choose one of: {', '.join(neg.format_keys(table, html=html))}")
        return neg.media_type_of(chosen[1], kind) if chosen[0] != neg.HTML else neg.HTML, chosen[1]
    if accept is _REQUESTS:
        accept = request.headers.get("Accept")
    chosen = neg.negotiate(accept, table, html=html)
    if chosen is None:
        offers = ", ".join(dict.fromkeys(m for m, _ in table))
        raise ServiceError(406, f"no acceptable format for the answer to this {kind.upper()} query (Accept: {accept}); "
                                f"this endpoint offers: {offers}")
    return chosen


def endpoint_url() -> str:
    return url_for("sparql.endpoint", _external=True)


def text_type(media: str) -> str:
    """The Content-Type of an answer in ``media``: text, JSON and XML say their charset."""
    return f"{media}; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml")) else media


ROUTE = "/sparql"  # the route's rule, its label in the metrics


@dataclass
class Asked:
    """A query request to ``/sparql``, checked: everything but evaluating it. ``kind`` (and so
    ``media`` and ``fmt``) is None when the form was not recognised from the text."""

    req: ProtocolRequest
    kind: str | None
    media: str | None
    fmt: str | None
    reasoning: str
    timeout: float
    store: Store

    @classmethod
    def of(cls, st: State, req: ProtocolRequest, accept: str | None) -> Asked:
        """The checked request; ServiceError (400, 403, 406, or 503 without a build) otherwise."""
        kind = query_form(req.query or "")
        media, fmt = pick_format(kind, req.params, html=True, accept=accept) if kind else (None, None)
        reasoning = req.params.get("_reasoning", "owlrl")
        if reasoning not in REASONING:
            raise ServiceError(400, f"_reasoning {reasoning!r} is not known; choose one of: {', '.join(REASONING)}")
        timeout = time_limit(st.settings.query_timeout, parse_timeout(req.params.get("timeout"), "timeout"))
        store = st.require_store()
        if RDFLIB_DEFAULT in req.default_graphs:  # rdflib's name for the default graph: the union, or its graphs beside others
            others = [g for g in req.default_graphs if g != RDFLIB_DEFAULT]
            req.default_graphs = others + [g for g in store.default_graphs(reasoning) if g not in others] if others or req.named_graphs else []
        return cls(req, kind, media, fmt, reasoning, timeout, store)

    def job(self, settings: Settings, endpoint: str) -> QueryJob:
        """The query job; relative IRIs resolve against ``endpoint``, this endpoint's URL."""
        return QueryJob(self.req.query or "", reasoning=self.reasoning, default_graph_uris=tuple(self.req.default_graphs),
                        named_graph_uris=tuple(self.req.named_graphs), base_iri=endpoint, limit=settings.max_result_rows,
                        fmt=self.fmt if self.fmt != "html" else None, timeout=self.timeout, store=self.store)

    def response(self, answer: Answer, accept: str | None) -> Response:
        """The answer's response, in the format asked for (chosen now when the form was not known)."""
        media, fmt = self.media, self.fmt
        if media is None:  # the form was not recognised from the text; it is known now
            media, fmt = pick_format(answer.kind, self.req.params, html=True, accept=accept)
        resp = Response(answer.serialize(fmt or "json"), content_type=text_type(media))
        if answer.truncated:
            resp.headers[TRUNCATED] = "true"
        resp.vary.add("Accept")
        return resp


@bp.route(ROUTE, methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    """The SPARQL 1.1 Protocol query operation (see the module docstring)."""
    st = state()
    req = parse_request(request, st.settings)
    if req.query is None:
        return description(req.params)
    accept = request.headers.get("Accept")
    asked = Asked.of(st, req, accept)
    job = asked.job(st.settings, endpoint_url())
    if asked.fmt == "html" or (asked.kind is None and _wants_html(req.params)):
        return _editor(asked.store, req.query, job, asked.reasoning)
    return asked.response(evaluated(job, route=ROUTE), accept)


def _wants_html(params: MultiDict[str, str]) -> bool:
    try:
        return pick_format("select", params, html=True)[1] == "html"
    except ServiceError:
        return False


def _editor(store: Store, text: str, job: QueryJob, reasoning: str) -> Response:
    """A query asked for as HTML: the UI's editor page with its answer or its error."""
    st = state()
    result, error = None, None
    try:
        result = st.evaluate(job, route="/sparql").result
    except QueryError as exc:
        error = str(exc)
    page = editor_page(store, text, reasoning=reasoning, result=result, error=error, examples=st.queries(),
                       action=url_for("ui.editor"))
    resp = Response(page, status=400 if error else 200, mimetype=neg.HTML)
    resp.vary.add("Accept")
    return resp


def evaluate_text(store: Store, text: str, *, reasoning: str, route: str) -> Result:
    """A query typed on another surface (the UI's editor), every row of it, under the same length,
    depth and time limits as /sparql (in a worker process when the app has them); ServiceError
    400 or 503, QueryError. An app without the service's state (a bare UI blueprint) only gets
    the text limits."""
    st = current_app.extensions.get(KEY)
    settings = getattr(st, "settings", None) or Settings()
    check_text(text, max_length=settings.max_query_length, max_depth=settings.max_query_depth)
    if st is None or not hasattr(st, "evaluate"):
        return store.query(text, reasoning=reasoning)
    answer: Answer = st.evaluate(QueryJob(text, reasoning=reasoning, store=store), route=route)
    assert answer.result is not None
    return answer.result


def description(params: MultiDict[str, str]) -> Response:
    """The service description (negotiated RDF) or, for a browser, the query page."""
    media, fmt = pick_format("graph", params, html=True)
    if fmt == "html":
        st = state()
        page = editor_page(st.require_store(), "", reasoning="owlrl", result=None, error=None, examples=st.queries(),
                           action=url_for("ui.editor"))
        resp = Response(page, mimetype=neg.HTML)
    else:
        st = state()
        store = st.require_store()
        endpoint = endpoint_url()
        graph = st.cached(("sd", st.version, endpoint), lambda: service_description(store, endpoint))
        triples = list(graph)
        resp = Response(Result("graph", triples=triples).serialize(fmt), content_type=text_type(media))
    resp.vary.add("Accept")
    return resp
