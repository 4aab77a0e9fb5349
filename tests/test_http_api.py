"""Saved questions over HTTP, on the real seeds: each answer equals the CLI's (``crisiskg query
run``), formats by Accept or ``_format``, parameter errors as one JSON body, metrics per question,
and OpenAPI 3.1 (valid per openapi-spec-validator) with one operation per question."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from rdflib import Graph
from rdflib.compare import isomorphic

from crisiskg.cli import main
from crisiskg.query.params import param_choices
from crisiskg.query.savedqueries import SavedQuery, load_queries
from crisiskg.query.store import Store
from crisiskg.service import create_app

QUERIES = load_queries()


@pytest.fixture(scope="module")
def app(seed_store: Store) -> Flask:
    return create_app({"store": seed_store})


def other_values(q: SavedQuery, store: Store) -> dict[str, str]:
    """Values other than the defaults for each parameter (the last choice; a date in the crisis)."""
    values = {}
    for p in q.params:
        if p.type in ("iri", "enum"):
            choices = [c.key for c in param_choices(store, p) if c.key != p.default]
            if choices:
                values[p.name] = choices[-1]
        elif p.type == "date":
            values[p.name] = "2020-01-05"
        elif p.type == "integer":
            values[p.name] = str(p.min if p.min is not None else 1)
        elif p.type == "string":
            values[p.name] = "Zarif"
    return values


def cli_answer(build_dir: Path, q: SavedQuery, values: dict[str, str], fmt: str) -> bytes:
    args = ["query", "run", q.id, "--format", fmt, "--build", str(build_dir)]
    for name, value in values.items():
        args += ["--param", f"{name}={value}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def same_answer(q: SavedQuery, http: bytes, cli: bytes) -> None:
    if q.kind == "graph":
        assert isomorphic(Graph().parse(data=http, format="turtle"), Graph().parse(data=cli, format="turtle"))
        return
    a, b = json.loads(http), json.loads(cli)
    assert a["head"] == b["head"]
    if q.kind == "ask":
        assert a["boolean"] == b["boolean"]
        return
    rows = sorted(json.dumps(r, sort_keys=True) for r in a["results"]["bindings"])
    assert rows == sorted(json.dumps(r, sort_keys=True) for r in b["results"]["bindings"])


CASES = [(qid, "defaults") for qid in sorted(QUERIES)] + [(qid, "other values") for qid in sorted(QUERIES) if QUERIES[qid].params]


@pytest.mark.parametrize("query_id, values_kind", CASES)
def test_each_question_over_http_equals_the_cli(client: FlaskClient, seed_build_dir: Path, seed_store: Store,
                                                query_id: str, values_kind: str) -> None:
    q = QUERIES[query_id]
    values = {} if values_kind == "defaults" else other_values(q, seed_store)
    assert values or values_kind == "defaults", f"no other values found for {query_id}"
    fmt = "ttl" if q.kind == "graph" else "json"
    resp = client.get(f"/queries/{q.id}", query_string={**values, "_format": fmt})
    assert resp.status_code == 200, resp.data[:300]
    same_answer(q, resp.data, cli_answer(seed_build_dir, q, values, fmt))


def test_default_answers_are_not_all_empty(client: FlaskClient) -> None:
    """The equality above is not vacuous: most questions answer something on the seeds."""
    answered = [qid for qid, q in QUERIES.items() if q.kind == "select"
                and json.loads(client.get(f"/queries/{qid}?_format=json").data)["results"]["bindings"]]
    assert len(answered) >= len(QUERIES) // 2


# ------------------------------------------------------------------------------ formats


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
    ("text/csv;q=0.4, text/tab-separated-values;q=0.6", "text/tab-separated-values"),
    ("*/*", "application/sparql-results+json"),
])
def test_formats_by_accept(client: FlaskClient, accept: str, media: str) -> None:
    resp = client.get("/queries/timeline", headers={"Accept": accept})
    assert resp.status_code == 200 and resp.mimetype == media
    assert "Accept" in resp.vary


@pytest.mark.parametrize("fmt, media", [("json", "application/sparql-results+json"), ("csv", "text/csv"),
                                        ("tsv", "text/tab-separated-values"), ("html", "text/html")])
def test_formats_by_parameter(client: FlaskClient, fmt: str, media: str) -> None:
    resp = client.get(f"/queries/timeline?_format={fmt}", headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200 and resp.mimetype == media


def test_csv_has_the_json_rows(client: FlaskClient) -> None:
    rows = json.loads(client.get("/queries/timeline?_format=json").data)["results"]["bindings"]
    table = list(csv.DictReader(io.StringIO(client.get("/queries/timeline?_format=csv").get_data(as_text=True))))
    assert len(table) == len(rows) > 0
    assert [r["date"] for r in table] == [r["date"]["value"] for r in rows]


def test_html_page_has_form_results_and_downloads(client: FlaskClient) -> None:
    page = client.get("/queries/stances-on-proposition", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<form" in page and 'name="proposition"' in page and 'name="polarity"' in page
    assert "_format=csv" in page and '<table class="results">' in page  # the UI's answer table (issue 17)


def test_406_when_nothing_acceptable(client: FlaskClient) -> None:
    resp = client.get("/queries/timeline", headers={"Accept": "image/png"})
    assert resp.status_code == 406 and json.loads(resp.data)["status"] == 406


# ------------------------------------------------------------------------------ parameters and errors


@pytest.mark.parametrize("url, status, words", [
    ("/queries/timeline?city=x", 400, "has no parameter 'city'; it takes: since, until"),
    ("/queries/timeline?since=yesterday", 400, "is not a date; write YYYY-MM-DD"),
    ("/queries/timeline?since=2020-01-01&since=2020-02-01", 400, "given 2 times"),
    ("/queries/events-in-country?country=atlantis", 400, "valid choices"),
    ("/queries/stances-on-proposition?polarity=maybe", 400, "choose one of: favor, against, none"),
    ("/queries/timeline?_reasoning=rdfs", 400, "owlrl, none"),
    ("/queries/timeline?_format=ttl", 400, "choose one of"),
    ("/queries/timelin", 404, "did you mean 'timeline'"),
])
def test_parameter_errors(client: FlaskClient, url: str, status: int, words: str) -> None:
    resp = client.get(url)
    assert resp.status_code == status
    body = json.loads(resp.data)
    assert body == {"ok": False, "error": body["error"], "status": status}
    assert words in body["error"], body["error"]


def test_parameter_error_on_the_html_page(client: FlaskClient) -> None:
    resp = client.get("/queries/timeline?since=yesterday", headers={"Accept": "text/html"})
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert b"is not a date" in resp.data and b"<form" in resp.data


def test_iri_parameter_by_id_label_or_iri(client: FlaskClient) -> None:
    by_id = client.get("/queries/events-in-country?country=iraq&_format=json").data
    by_iri = client.get("/queries/events-in-country?_format=json&country=https://w3id.org/crisiskg/id/entity/iraq").data
    assert by_id == by_iri
    assert json.loads(by_id)["results"]["bindings"]


def test_reasoning_none_changes_an_answer_that_needs_inference(client: FlaskClient) -> None:
    with_inference = json.loads(client.get("/queries/events-in-country?_format=json").data)["results"]["bindings"]
    without = json.loads(client.get("/queries/events-in-country?_format=json&_reasoning=none").data)["results"]["bindings"]
    assert len(without) < len(with_inference)


def test_catalogue(client: FlaskClient) -> None:
    body = json.loads(client.get("/queries").data)
    assert body["ok"] is True
    assert [q["id"] for q in body["queries"]] == sorted(QUERIES)
    for q in body["queries"]:
        assert q["summary"] and q["description"] and q["url"].endswith(f"/queries/{q['id']}")
    page = client.get("/queries", headers={"Accept": "text/html"}).get_data(as_text=True)
    for qid in QUERIES:
        assert f'href="/queries/{qid}"' in page


def test_metrics_per_saved_question(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app({"store": seed_store, "query_timeout": 0.2, "cache_bytes": 0})  # every request evaluated
    client = app.test_client()
    assert client.get("/queries/timeline").status_code == 200
    assert client.get("/queries/timeline?since=never").status_code == 400
    real = seed_store.query

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.6)
        return real(*args, **kwargs)

    monkeypatch.setattr(seed_store, "query", slow)
    resp = client.get("/queries/timeline?since=2020-01-01")  # a value: evaluated, not the build's kept answer
    assert resp.status_code == 503 and "Retry-After" in resp.headers
    monkeypatch.undo()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'crisiskg_saved_query_requests_total{query="timeline",status="200"} 1' in text
    assert 'crisiskg_saved_query_errors_total{query="timeline",status="400"} 1' in text
    assert 'crisiskg_saved_query_timeouts_total{query="timeline"} 1' in text
    assert 'crisiskg_saved_query_duration_seconds_count{query="timeline"} 3' in text
    assert 'crisiskg_query_timeouts_total{route="/queries/<query_id>"} 1' in text
    time.sleep(0.6)  # let the slow evaluation end before the store is used again


# ------------------------------------------------------------------------------ OpenAPI


def test_openapi_is_valid_3_1_with_one_operation_per_question(client: FlaskClient) -> None:
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    spec = json.loads(resp.data)
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    operations = {path[len("/queries/"):]: item["get"] for path, item in spec["paths"].items() if path.startswith("/queries/")}
    assert set(operations) == set(QUERIES)
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for qid, op in operations.items():
        q = QUERIES[qid]
        assert op["summary"] == q.summary
        params = {p["name"]: p for p in op["parameters"] if "name" in p}
        assert set(params) == {p.name for p in q.params} | {"_format"}
        for p in q.params:
            schema = params[p.name]["schema"]
            assert params[p.name]["required"] == p.required
            if p.type == "date":
                assert schema == {"type": "string", "format": "date", **({"default": p.default} if p.default else {})}
            elif p.type == "enum":
                assert schema["enum"] == list(p.choices)
            elif p.type == "integer":
                assert schema["type"] == "integer"
            elif p.type == "iri":
                assert schema["type"] == "string" and schema["examples"]
        assert "application/sparql-results+json" in op["responses"]["200"]["content"] or q.kind == "graph"
        refs = {p["$ref"].rsplit("/", 1)[-1] for p in op["parameters"] if "$ref" in p}
        assert refs == {"reasoning", "limit", "offset", "pageTimeout"}  # the system parameters every question takes
    system = spec["components"]["parameters"]
    assert (system["limit"]["name"], system["offset"]["name"], system["pageTimeout"]["name"]) == ("_limit", "_offset", "_timeout")
    assert {"$ref": "#/components/parameters/timeout"} in spec["paths"]["/sparql"]["get"]["parameters"]


def test_openapi_examples_are_accepted(client: FlaskClient) -> None:
    """Every example value the OpenAPI document lists for an IRI parameter is a valid value."""
    spec = json.loads(client.get("/openapi.json").data)
    kinds = {qid: q.kind for qid, q in load_queries().items()}
    for path, item in spec["paths"].items():
        if not path.startswith("/queries/"):
            continue
        fmt = "ttl" if kinds.get(path.rsplit("/", 1)[-1]) == "graph" else "json"
        for p in item["get"]["parameters"]:
            for example in p.get("schema", {}).get("examples", [])[:2]:
                resp = client.get(path, query_string={p["name"]: example, "_format": fmt})
                assert resp.status_code == 200, (path, p["name"], example, resp.data[:200])
