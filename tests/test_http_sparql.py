"""``/sparql``: the SPARQL 1.1 Protocol on the mini build, through the Flask test client.

The W3C suite (tests/w3c) covers the protocol's letter; these tests cover the rest: formats and
negotiation, the dataset, the read-only and no-outbound rules, errors, the time limit, the service
description, and answers equal to rdflib's.
"""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from crisiskg.build.export import load_release_dataset
from crisiskg.build.publish import rdflib_dataset_io
from crisiskg.errors import QueryError
from crisiskg.query.store import Store
from crisiskg.service import create_app
from crisiskg.service.descriptions import SD
from crisiskg.vocab import ENTITIES_GRAPH, INFERRED_GRAPH

ENTITY_LABELS = "SELECT ?e ?label WHERE { GRAPH <https://w3id.org/crisiskg/graph/entities> { ?e rdfs:label ?label } } ORDER BY ?e ?label"
JANE = "https://w3id.org/crisiskg/id/entity/jane-roe"


def parse(data: bytes, fmt: str) -> Graph:
    """``data`` parsed by rdflib (its JSON-LD parser's own deprecation warnings silenced)."""
    with rdflib_dataset_io():
        return Graph().parse(data=data, format=fmt)


def rows_of(resp: Any) -> list[dict[str, str]]:
    data = json.loads(resp.data)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


# ------------------------------------------------------------------------------ the three ways to ask


@pytest.mark.no_seeds
def test_get_post_form_and_post_direct_agree(client: FlaskClient) -> None:
    by_get = client.get("/sparql", query_string={"query": ENTITY_LABELS})
    by_form = client.post("/sparql", data={"query": ENTITY_LABELS})
    by_direct = client.post("/sparql", data=ENTITY_LABELS.encode("utf-8"), content_type="application/sparql-query")
    for resp in (by_get, by_form, by_direct):
        assert resp.status_code == 200
        assert resp.mimetype == "application/sparql-results+json"
    assert rows_of(by_get) == rows_of(by_form) == rows_of(by_direct)
    assert {"e": JANE, "label": "Jane Roe"} in rows_of(by_get)


@pytest.mark.no_seeds
def test_trailing_slash_and_charset_utf8_accepted(client: FlaskClient) -> None:
    resp = client.post("/sparql/", data=b"ASK {}", content_type="application/sparql-query; charset=UTF-8")
    assert resp.status_code == 200
    assert json.loads(resp.data)["boolean"] is True


@pytest.mark.no_seeds
def test_answers_equal_rdflib(client: FlaskClient, mini_build: tuple[Path, Any]) -> None:
    """rdflib stays the reference: the endpoint's answer equals rdflib's on the same release."""
    union = Graph()
    for g in load_release_dataset(mini_build[0]).graphs():
        union += g
    query = ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label . "
             "?s a <https://w3id.org/crisiskg/ontology#Actor> } ORDER BY ?s ?label")
    expected = [{"s": str(r[0]), "label": str(r[1])} for r in union.query(query)]
    got = rows_of(client.get("/sparql", query_string={"query": query}))
    assert got == expected and len(got) >= 3


# ------------------------------------------------------------------------------ formats and negotiation


@pytest.mark.no_seeds
@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*;q=0.9, application/sparql-results+json;q=0.1", "text/csv"),
    ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ("", "application/sparql-results+json"),
])
def test_select_negotiation(client: FlaskClient, accept: str, media: str) -> None:
    resp = client.get("/sparql", query_string={"query": ENTITY_LABELS}, headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == media
    assert "Accept" in resp.vary


@pytest.mark.no_seeds
def test_select_formats_carry_the_same_rows(client: FlaskClient) -> None:
    q = {"query": ENTITY_LABELS}
    expected = rows_of(client.get("/sparql", query_string=q))
    as_csv = list(csv.DictReader(io.StringIO(client.get("/sparql", query_string={**q, "_format": "csv"}).get_data(as_text=True))))
    assert as_csv == expected
    tsv = client.get("/sparql", query_string={**q, "_format": "tsv"}).get_data(as_text=True).splitlines()
    assert tsv[0] == "?e\t?label" and len(tsv) == len(expected) + 1
    xml = ET.fromstring(client.get("/sparql", query_string={**q, "_format": "xml"}).data)
    assert len(list(xml.iter("{http://www.w3.org/2005/sparql-results#}result"))) == len(expected)


@pytest.mark.no_seeds
@pytest.mark.parametrize("accept, media, rdflib_format", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/trig", "application/trig", "trig"),
    ("application/n-triples;q=0.2, text/turtle;q=0.8", "text/turtle", "turtle"),
    ("*/*", "text/turtle", "turtle"),
])
def test_construct_formats(client: FlaskClient, accept: str, media: str, rdflib_format: str) -> None:
    query = f"CONSTRUCT {{ <{JANE}> ?p ?o }} WHERE {{ <{JANE}> ?p ?o }}"
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert resp.status_code == 200 and resp.mimetype == media
    g = parse(resp.data, rdflib_format)
    assert (URIRef(JANE), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Jane Roe")) in g


@pytest.mark.no_seeds
def test_describe_answers_rdf(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": f"DESCRIBE <{JANE}>"}, headers={"Accept": "application/n-triples"})
    assert resp.status_code == 200
    assert len(parse(resp.data, "nt")) > 3


@pytest.mark.no_seeds
def test_ask_in_csv_and_xml(client: FlaskClient) -> None:
    assert client.get("/sparql", query_string={"query": "ASK {}", "_format": "csv"}).data == b"true"
    xml = client.get("/sparql", query_string={"query": "ASK { FILTER(false) }"}, headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>false</boolean>" in xml.data


@pytest.mark.no_seeds
@pytest.mark.parametrize("query, accept", [
    ("ASK {}", "image/png"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle"),
    ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "application/sparql-results+json"),
    ("ASK {}", "application/sparql-results+json;q=0, application/sparql-results+xml;q=0, text/*;q=0, application/*;q=0"),
])
def test_406_when_nothing_acceptable(client: FlaskClient, query: str, accept: str) -> None:
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert resp.status_code == 406
    body = json.loads(resp.data)
    assert body["ok"] is False and body["status"] == 406 and "offers" in body["error"]


@pytest.mark.no_seeds
def test_unknown_format_parameter_is_400(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": "ASK {}", "_format": "ttl"})
    assert resp.status_code == 400
    assert "json, xml, csv, tsv" in json.loads(resp.data)["error"]


@pytest.mark.no_seeds
def test_html_results_for_a_browser(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": ENTITY_LABELS}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert b"Jane Roe" in resp.data and b'<table class="results">' in resp.data  # the UI's editor page (issue 17)


# ------------------------------------------------------------------------------ dataset


@pytest.mark.no_seeds
def test_protocol_dataset_overrides_the_union(client: FlaskClient) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_entities = client.get("/sparql", query_string={"query": count, "default-graph-uri": str(ENTITIES_GRAPH)})
    union = client.get("/sparql", query_string={"query": count})
    n_entities, n_all = int(rows_of(only_entities)[0]["n"]), int(rows_of(union)[0]["n"])
    assert 0 < n_entities < n_all


@pytest.mark.no_seeds
def test_named_graph_uri_limits_graph_patterns(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    resp = client.post("/sparql?named-graph-uri=" + str(ENTITIES_GRAPH), data=query, content_type="application/sparql-query")
    assert rows_of(resp) == [{"g": str(ENTITIES_GRAPH)}]


@pytest.mark.no_seeds
def test_from_in_the_query_chooses_local_graphs(client: FlaskClient) -> None:
    with_from = f"SELECT (COUNT(*) AS ?n) FROM <{ENTITIES_GRAPH}> WHERE {{ ?s ?p ?o }}"
    plain = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ENTITIES_GRAPH}> {{ ?s ?p ?o }} }}"
    assert rows_of(client.get("/sparql", query_string={"query": with_from})) == rows_of(client.get("/sparql", query_string={"query": plain}))
    remote = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }"
    assert rows_of(client.get("/sparql", query_string={"query": remote})) == [{"n": "0"}]  # never fetched: empty


@pytest.mark.no_seeds
def test_reasoning_none_leaves_out_the_inferred_graph(client: FlaskClient, mini_store: Store) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with_inferred = int(rows_of(client.get("/sparql", query_string={"query": count}))[0]["n"])
    without = int(rows_of(client.get("/sparql", query_string={"query": count, "_reasoning": "none"}))[0]["n"])
    inferred = mini_store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}").rows[0]["n"]
    assert with_inferred - without == int(inferred) > 0  # type: ignore[call-overload]
    assert client.get("/sparql", query_string={"query": count, "_reasoning": "rdfs"}).status_code == 400


@pytest.mark.no_seeds
def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": "SELECT (<s> AS ?iri) {}"})
    assert rows_of(resp) == [{"iri": "http://localhost/s"}]


@pytest.mark.no_seeds
def test_crisiskg_prefixes_are_predeclared(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": "ASK { ?x a ckg:Person }"})
    assert json.loads(resp.data)["boolean"] is True


# ------------------------------------------------------------------------------ bad requests


@pytest.mark.no_seeds
@pytest.mark.parametrize("kwargs, status, words", [
    ({"method": "GET", "query_string": "query=ASK%20%7B"}, 400, "syntax error"),
    ({"method": "GET", "query_string": "query=ASK%20%7B%7D&query=ASK%20%7B%7D"}, 400, "given 2 times"),
    ({"method": "POST", "data": "query=ASK+%7B%7D&query=ASK+%7B%7D", "content_type": "application/x-www-form-urlencoded"}, 400, "given 2 times"),
    ({"method": "POST", "query_string": "query=ASK%20%7B%7D", "data": "query=ASK+%7B%7D", "content_type": "application/x-www-form-urlencoded"}, 400, "given 2 times"),
    ({"method": "POST", "query_string": "query=ASK%20%7B%7D", "data": "ASK {}", "content_type": "application/sparql-query"}, 400, "in the body"),
    ({"method": "POST", "data": "", "content_type": "application/x-www-form-urlencoded"}, 400, "no query"),
    ({"method": "POST", "data": b"ASK { FILTER(\"\xff\") }", "content_type": "application/sparql-query"}, 400, "not valid UTF-8"),
    ({"method": "POST", "data": "query=%FF", "content_type": "application/x-www-form-urlencoded"}, 400, "UTF-8"),
    ({"method": "GET", "query_string": "query=%20%20"}, 400, "empty"),
    ({"method": "GET", "query_string": "query=ASK%20%7B%7D&default-graph-uri=not%20an%20iri"}, 400, "not an absolute IRI"),
    ({"method": "GET", "query_string": "query=SELECT%20*%20WHERE%20%7B%20SERVICE%20%3Chttp%3A%2F%2F127.0.0.1%3A9%2Fsparql%3E%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D"}, 400, "SERVICE is refused"),
    ({"method": "GET", "query_string": "query=SELECT%20*%20WHERE%20%7B%20service%20silent%20%3Chttp%3A%2F%2Fexample.org%2F%3E%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D"}, 400, "SERVICE is refused"),
    ({"method": "POST", "data": "ASK {}", "content_type": "text/plain"}, 415, "not accepted"),
    ({"method": "POST", "data": "ASK {}"}, 415, "needs a Content-Type"),
    ({"method": "POST", "data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query; charset=UTF-16"}, 415, "charset"),
    ({"method": "POST", "data": "query=ASK+%7B%7D", "content_type": "application/x-www-form-urlencoded; charset=latin1"}, 415, "charset"),
    ({"method": "GET", "query_string": "update=CLEAR%20ALL"}, 403, "read-only"),
    ({"method": "POST", "data": "update=CLEAR+ALL", "content_type": "application/x-www-form-urlencoded"}, 403, "read-only"),
    ({"method": "POST", "data": "CLEAR ALL", "content_type": "application/sparql-update"}, 403, "read-only"),
    ({"method": "POST", "data": "LOAD <http://example.org/data.ttl>", "content_type": "application/sparql-query"}, 403, "read-only"),
    ({"method": "GET", "query_string": "query=PREFIX%20ex%3A%20%3Chttp%3A%2F%2Fex%2F%3E%20INSERT%20DATA%20%7B%20ex%3Aa%20ex%3Ab%20ex%3Ac%20%7D"}, 403, "read-only"),
    ({"method": "PUT", "query_string": "query=ASK%20%7B%7D"}, 405, "not allowed"),
    ({"method": "DELETE"}, 405, "not allowed"),
    ({"method": "PATCH"}, 405, "not allowed"),
])
def test_bad_requests(client: FlaskClient, kwargs: dict[str, Any], status: int, words: str) -> None:
    resp = client.open("/sparql", **kwargs)
    assert resp.status_code == status, resp.data
    body = json.loads(resp.data)
    assert body == {"ok": False, "error": body["error"], "status": status}
    assert words in body["error"]
    if status == 405:
        assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.no_seeds
def test_request_size_limit(mini_store: Store) -> None:
    client = create_app({"store": mini_store, "max_request_bytes": 100}).test_client()
    resp = client.post("/sparql", data="ASK {} " + "#" * 200, content_type="application/sparql-query")
    assert resp.status_code == 413
    assert "100 bytes" in json.loads(resp.data)["error"]


@pytest.mark.no_seeds
def test_evaluation_failure_is_500_without_a_trace(client: FlaskClient, mini_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise QueryError("query evaluation failed: disk on fire") from OSError("disk on fire")

    monkeypatch.setattr(mini_store, "query", broken)
    resp = client.get("/sparql", query_string={"query": "ASK {}"})
    assert resp.status_code == 500
    assert json.loads(resp.data) == {"ok": False, "error": "query evaluation failed: disk on fire", "status": 500}


@pytest.mark.no_seeds
def test_unexpected_errors_are_a_plain_500(client: FlaskClient, mini_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(mini_store, "query", broken)
    resp = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "text/html"})
    assert resp.status_code == 500 and resp.mimetype == "text/html"
    assert b"secret" not in resp.data and b"Traceback" not in resp.data and b"internal error" in resp.data


# ------------------------------------------------------------------------------ time limit


@pytest.mark.no_seeds
def test_timeout_is_503_with_retry_after_and_the_work_stops(mini_store: Store) -> None:
    app = create_app({"store": mini_store, "query_timeout": 0.3, "retry_after": 7, "max_result_rows": 1_000_000_000})
    client = app.test_client()
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 1,220^3 rows, streamed
    started = time.monotonic()
    resp = client.get("/sparql", query_string={"query": endless})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "7"
    assert "time limit of 0.3 s" in json.loads(resp.data)["error"]
    assert time.monotonic() - started < 5
    evaluator = app.extensions["crisiskg"].evaluator
    deadline = time.monotonic() + 10
    while evaluator.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert evaluator.running == 0, "the stopped query still runs"
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'crisiskg_query_timeouts_total{route="/sparql"} 1' in metrics


# ------------------------------------------------------------------------------ service description


@pytest.mark.no_seeds
def test_service_description(client: FlaskClient, mini_store: Store) -> None:
    resp = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    g = parse(resp.data, "turtle")
    (service,) = g.subjects(RDF.type, SD.Service)
    assert (service, SD.endpoint, URIRef("http://localhost/sparql")) in g
    formats = {str(o).rsplit("/", 1)[-1] for o in g.objects(service, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "JSON-LD"} <= formats
    assert g.value(service, SD.defaultEntailmentRegime) == URIRef("http://www.w3.org/ns/entailment/OWL-RDF-Based")
    names = {str(o) for o in g.objects(None, SD.name)}
    assert names == set(mini_store.graphs)
    assert (service, SD.feature, SD.UnionDefaultGraph) in g


@pytest.mark.no_seeds
@pytest.mark.parametrize("accept, media", [("application/ld+json", "application/ld+json"), ("application/rdf+xml", "application/rdf+xml"),
                                           ("application/n-triples", "application/n-triples")])
def test_service_description_negotiated(client: FlaskClient, accept: str, media: str) -> None:
    resp = client.get("/sparql", headers={"Accept": accept})
    assert resp.status_code == 200 and resp.mimetype == media
    assert len(parse(resp.data, {"application/ld+json": "json-ld", "application/rdf+xml": "xml"}.get(media, "nt"))) > 10


@pytest.mark.no_seeds
def test_query_page_for_a_browser(client: FlaskClient) -> None:
    resp = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert b"<form" in resp.data and b'name="query"' in resp.data


# ------------------------------------------------------------------------------ no outbound requests


@pytest.mark.no_seeds
def test_no_query_reaches_out(client: FlaskClient) -> None:
    """SERVICE, LOAD, FROM and FROM NAMED naming a listening local server never connect to it."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.5)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/data"
        attempts = [
            f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
            f"PREFIX r: <{url}/> SELECT * WHERE {{ ?s ?p ?o . service r:x {{ ?a ?b ?c }} }}",
            f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"ASK FROM <{url}> {{ ?s ?p ?o }}",
            f"LOAD <{url}>",
        ]
        for query in attempts:
            resp = client.get("/sparql", query_string={"query": query})
            assert resp.status_code in (200, 400, 403), (query, resp.data)
        with pytest.raises(TimeoutError):
            listener.accept()


@pytest.mark.no_seeds
@pytest.mark.parametrize("query, refused", [
    ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", True),
    ("SELECT * WHERE {\nservice\t<http://x/> { ?s ?p ?o } }", True),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o<3)SERVICE<http://x/>{?a ?b ?c} }", True),
    ("SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } LIMIT 1", False),
    ('SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" } LIMIT 1', False),
    ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> {}\nLIMIT 1", False),
    ("PREFIX ex: <http://example.org/> SELECT ?service WHERE { ?service ex:SERVICE ?o } LIMIT 1", False),
])
def test_service_is_found_wherever_it_is_a_keyword(client: FlaskClient, query: str, refused: bool) -> None:
    resp = client.get("/sparql", query_string={"query": query})
    assert (resp.status_code == 400 and b"SERVICE is refused" in resp.data) is refused, resp.data
    if not refused:
        assert resp.status_code == 200


@pytest.mark.no_seeds
def test_runaway_work_is_bounded_by_the_workers(mini_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """An evaluation that cannot be stopped keeps its worker; with every worker busy, new queries
    get 503 at their own limit instead of piling up; once it ends, queries are answered again."""
    app = create_app({"store": mini_store, "query_timeout": 0.2, "max_running_queries": 1})
    client = app.test_client()
    real = mini_store.query

    def stuck(*args: Any, **kwargs: Any) -> Any:  # like one long pyoxigraph call: no row checks
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(mini_store, "query", stuck)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 503
    monkeypatch.undo()
    busy = client.get("/sparql", query_string={"query": "ASK {}"})
    assert busy.status_code == 503 and "Retry-After" in busy.headers
    evaluator = app.extensions["crisiskg"].evaluator
    deadline = time.monotonic() + 10
    while evaluator.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_the_form_read_from_the_prologue_is_the_one_the_keywords_give(seed_store: Store) -> None:
    from crisiskg.query.sparqltext import keywords
    from crisiskg.service.errors import ServiceError
    from crisiskg.service.sparql import FORMS, UPDATES, query_form

    def by_keywords(text: str) -> str | None:
        for word in keywords(text):
            if word in ("PREFIX", "BASE") or word.endswith(":"):
                continue
            return FORMS.get(word, "update" if word in UPDATES else None)
        return None

    def form(text: str) -> str | None:
        try:
            return query_form(text)
        except ServiceError:
            return "update"

    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.sparqltext import bind_values
    from crisiskg.vocab import sparql_prologue

    texts = [sparql_prologue() + q.sparql for q in load_queries().values()]
    texts += [sparql_prologue() + bind_values(q.sparql, q.bind({}, seed_store)) for q in load_queries().values()
              if all(p.default is not None for p in q.params) and q.params]
    odd = ["prefix ckg:<http://x/#>select * {}", "# a comment\nBASE <http://b/>\nPREFIX : <http://e/>\nDescribe <x>",
           "PREFIX a-b.c: <http://x/>\n  construct {} where {}", "ask{}", "SELECTED", "PREFIX x: <http://x/> x:select",
           "PREFIX x: <http://x/> SELECT:y", "\ufeffSELECT * {}", "PREFIX x: <http://x/> # SELECT\nINSERT DATA {}", "", "   ",
           "BASE <http://b/> WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "PREFIX x: <http://x/>"]
    for text in [*texts, *(t.lower() for t in texts), *(t.split("\n", 30)[-1] for t in texts), *odd]:
        assert form(text) == by_keywords(text), text[:200]
