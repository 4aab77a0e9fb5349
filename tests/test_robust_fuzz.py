"""Fuzzing (issue 7) with Hypothesis: any protocol request to /sparql (query, dataset IRIs,
``_format``, ``timeout``, method, content type, Accept) and any value for any parameter of any
saved question is answered without a server error: never a 5xx except a 503 time limit with
``Retry-After``, and every JSON error is the one error body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crisiskg.query.savedqueries import load_queries
from crisiskg.query.store import Store
from crisiskg.service import create_app

QUERIES = load_queries()
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
HEADER = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
FRAGMENTS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "*", "?s", "?p", "?o", "WHERE", "{", "}", "(", ")", "[", "]", ".",
             "FILTER", "OPTIONAL", "UNION", "GRAPH", "FROM", "NAMED", "<http://x/>", "<file:///etc/passwd>", "SERVICE",
             "LOAD", "INSERT DATA", "DELETE", "LIMIT", "1", "ORDER BY", "GROUP BY", "COUNT(*)", "AS", "VALUES", '"x"',
             "ckg:Article", "a", "rdfs:label", "BIND", "#", "\n", "BASE", "PREFIX ex: <http://e/>", "REGEX(?o, \"(a+)+$\")"]
QUERY = st.one_of(TEXT, st.lists(st.sampled_from(FRAGMENTS), max_size=14).map(" ".join),
                  st.sampled_from(["ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2",
                                   "DESCRIBE <https://w3id.org/crisiskg/id/entity/jane-roe>"]))
IRI = st.one_of(TEXT, st.sampled_from(["https://w3id.org/crisiskg/graph/entities", "http://127.0.0.1:9/x", "file:///etc/passwd", "urn:x"]))
MEDIA = st.one_of(st.none(), HEADER, st.sampled_from(["application/x-www-form-urlencoded", "application/sparql-query",
                                                      "application/sparql-update", "text/plain", "application/json",
                                                      "application/sparql-query; charset=latin-1", "multipart/form-data"]))
ACCEPT = st.one_of(st.none(), HEADER, st.sampled_from(["application/sparql-results+json", "text/csv", "text/turtle",
                                                       "application/ld+json", "text/html", "*/*", "image/png"]))
FORMAT = st.one_of(st.none(), TEXT, st.sampled_from(["json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "html", "trig"]))
TIMEOUT = st.one_of(st.none(), TEXT, st.floats(allow_nan=True, allow_infinity=True).map(str), st.sampled_from(["0.5", "2", "-1", "0"]))


@pytest.fixture(scope="module")
def mini_app(mini_store: Store) -> Flask:
    return create_app({"store": mini_store, "query_timeout": 2, "max_result_rows": 50})


@pytest.fixture(scope="module")
def seed_app(seed_store: Store) -> Flask:
    return create_app({"store": seed_store, "query_timeout": 5})


def check_answer(resp: Any) -> None:
    """No server error but a 503 time limit; an error in JSON is the one error body."""
    assert resp.status_code < 500 or (resp.status_code == 503 and "Retry-After" in resp.headers), (resp.status_code, resp.data[:300])
    if resp.status_code >= 400 and resp.mimetype == "application/json" and resp.request.method != "HEAD":
        body = json.loads(resp.data)
        assert body["ok"] is False and body["status"] == resp.status_code and isinstance(body["error"], str) and body["error"]


@pytest.mark.no_seeds
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]), query=st.one_of(st.none(), QUERY),
       defaults=st.lists(IRI, max_size=2), named=st.lists(IRI, max_size=2), fmt=FORMAT, timeout=TIMEOUT,
       media=MEDIA, accept=ACCEPT, in_body=st.booleans())
def test_any_protocol_request_is_answered(mini_app: Flask, method: str, query: str | None, defaults: list[str], named: list[str],
                                          fmt: str | None, timeout: str | None, media: str | None, accept: str | None,
                                          in_body: bool) -> None:
    params: list[tuple[str, str]] = [("default-graph-uri", g) for g in defaults] + [("named-graph-uri", g) for g in named]
    if fmt is not None:
        params.append(("_format", fmt))
    if timeout is not None:
        params.append(("timeout", timeout))
    headers = {"Accept": accept} if accept is not None else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if method == "POST" and in_body and media == "application/sparql-query":
        kwargs.update(data=(query or "").encode("utf-8"), content_type=media, query_string=params)
    elif method == "POST" and in_body:
        from urllib.parse import urlencode

        form = params + ([("query", query)] if query is not None else [])
        kwargs.update(data=urlencode(form).encode("utf-8"), query_string=[])
        if media is not None:
            kwargs["content_type"] = media
    else:
        kwargs["query_string"] = params + ([("query", query)] if query is not None else [])
        if media is not None and method != "GET":
            kwargs["content_type"] = media
    resp = mini_app.test_client().open("/sparql", method=method, **kwargs)
    check_answer(resp)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_for_any_saved_question_parameter_is_200_or_400(seed_app: Flask, data: st.DataObject) -> None:
    q = QUERIES[data.draw(st.sampled_from(sorted(QUERIES)), label="question")]
    names = [p.name for p in q.params] + ["_format", "_limit", "_offset", "_timeout", "_reasoning", "city"]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=4), label="parameters")
    args = {name: data.draw(TEXT, label=name) for name in chosen}
    resp = seed_app.test_client().get(f"/queries/{q.id}", query_string=args)
    assert resp.status_code in (200, 400), (q.id, args, resp.status_code, resp.data[:300])
    check_answer(resp)
