"""Saved questions over HTTP: ``/queries`` (the catalogue), ``/queries/<id>`` (one question, its
parameters in the query string), and ``/openapi.json`` (OpenAPI 3.1, one operation per question).

Bare parameter names belong to the question (``?country=iraq``); names starting with ``_`` belong
to the system: ``_format`` (``json``, ``xml``, ``csv``, ``tsv``, ``html``; RDF keys for a CONSTRUCT
question) instead of ``Accept``, and ``_reasoning=none``. A bad or unknown parameter is a 400 whose
message names the valid parameters or choices.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for

from crisiskg.errors import ParameterError, QueryError
from crisiskg.savedqueries import SavedQuery, param_choices
from crisiskg.store import REASONING, Result
from service import negotiation as neg
from service.errors import ServiceError
from service.openapi import build_openapi
from service.sparql import pick_format
from service.state import state

bp = Blueprint("api", __name__)


def _get(query_id: str) -> SavedQuery:
    queries = state().queries()
    if query_id not in queries:
        from crisiskg.savedqueries import nearest

        hint = nearest(query_id, list(queries))
        raise ServiceError(404, f"no saved query '{query_id}'{f' (did you mean {hint!r}?)' if hint else ''}; "
                                f"saved queries: {', '.join(queries) or 'none'} (see /queries)")
    return queries[query_id]


def _values(q: SavedQuery) -> dict[str, str]:
    """The question's parameter values from the query string; 400 for one given twice."""
    values: dict[str, str] = {}
    for name in request.args:
        if name.startswith("_"):
            continue
        given = request.args.getlist(name)
        if len(given) > 1:
            raise ParameterError(f"saved query '{q.id}' parameter '{name}' is given {len(given)} times; give it once")
        values[name] = given[0]
    return values


@bp.route("/queries")
def catalogue() -> Response:
    """Every saved question: id, summary, parameters, links (HTML or JSON)."""
    queries = state().queries()
    items = [{**q.to_dict(), "url": url_for("api.saved_query", query_id=q.id, _external=True)} for q in queries.values()]
    if neg.choose(request.headers.get("Accept"), ["application/json", neg.HTML]) == neg.HTML or request.args.get("_format") == "html":
        resp = Response(render_template("queries.html", queries=list(queries.values())), mimetype=neg.HTML)
    else:
        resp = jsonify({"ok": True, "queries": items})
    resp.vary.add("Accept")
    return resp


@bp.route("/queries/<query_id>")
def saved_query(query_id: str) -> Response:
    """Answer one saved question with the parameters in the query string."""
    st = state()
    q = _get(query_id)
    g.saved_query_id = q.id
    kind = q.kind
    media, fmt = pick_format(kind, request.args, html=True)
    reasoning = request.args.get("_reasoning", "owlrl")
    if reasoning not in REASONING:
        raise ServiceError(400, f"_reasoning {reasoning!r} is not known; choose one of: {', '.join(REASONING)}")
    store = st.require_store()
    values = _values(q)
    error: str | None = None
    result: Result | None = None
    try:
        bound = q.bind(values, store)
        result = st.evaluate(lambda check: store.query(q.sparql, bindings=bound, reasoning=reasoning, check=check),
                             route="/queries/<query_id>", query_id=q.id)
    except (ParameterError, QueryError) as exc:
        if fmt != "html" or not isinstance(exc, ParameterError):
            raise
        error = str(exc)
    if fmt == "html":
        choices = {p.name: param_choices(store, p) for p in q.params}
        args: dict[str, Any] = dict(values)
        downloads = [(key, url_for("api.saved_query", query_id=q.id, **args, _format=key)) for key in
                     (("json", "csv", "tsv") if kind != "graph" else ("ttl", "nt", "jsonld"))]
        page = render_template("query.html", q=q, values=values, choices=choices, result=result, error=error, downloads=downloads)
        resp = Response(page, status=400 if error else 200, mimetype=neg.HTML)
    else:
        assert result is not None
        content_type = f"{media}; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml")) else media
        resp = Response(result.serialize(fmt), content_type=content_type)
    resp.vary.add("Accept")
    return resp


@bp.route("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of the saved questions and the SPARQL endpoint."""
    st = state()
    server = request.url_root.rstrip("/")
    spec: dict[str, Any] = build_openapi(st.queries(), st.store, server)
    return jsonify(spec)
