"""Size limits (issue 7): query length and nesting depth (400 before parsing), result rows (cut and
said so on /sparql, paged on saved questions), and time limits lowered per question and per request.

Through the Flask test client on an already open store (thread evaluation); the worker processes
are tested in test_robust_workers.py and against a real server in test_robust_server.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crisiskg.errors import QueryError
from crisiskg.query.savedqueries import parse_query
from crisiskg.query.store import Store
from crisiskg.service import create_app
from crisiskg.service.limits import nesting_depth, time_limit, with_row_limit

ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o"


@pytest.fixture(scope="module")
def app(mini_store: Store) -> Flask:
    return create_app({"store": mini_store, "max_result_rows": 5, "max_query_length": 5000, "max_query_depth": 40})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bindings(resp: object) -> list[dict[str, str]]:
    data = json.loads(resp.data)  # type: ignore[attr-defined]
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


# ------------------------------------------------------------------------------ nesting and length


DEEP = {
    "groups": "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "sub-selects": "SELECT * WHERE " + "{ SELECT * WHERE " * 3000 + "{ ?s ?p ?o }" + " }" * 3000,
    "parentheses": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 10000 + "?o" + ")" * 10000 + ") }",
    "blank nodes": "SELECT * WHERE { ?s ?p " + "[ <http://x/p> " * 3000 + "?o" + " ]" * 3000 + " }",
    "unbalanced": "SELECT * WHERE " + "{" * 5000,
    "behind a comment-looking IRI": "SELECT * WHERE { ?s <http://x/#> ?o FILTER(" + "(" * 5000 + "?o" + ")" * 5000 + ") }",
}


@pytest.mark.no_seeds
@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_is_400_before_parsing(client: FlaskClient, name: str) -> None:
    """Without the check pyoxigraph's parser overflows its stack on these and kills the process."""
    app = create_app({"store": client.application.extensions["crisiskg"].store, "max_query_length": 10**6})
    resp = app.test_client().post("/sparql", data=DEEP[name], content_type="application/sparql-query")
    assert resp.status_code == 400
    body = json.loads(resp.data)
    assert body["ok"] is False and "levels deep; the limit is 100" in body["error"]


@pytest.mark.no_seeds
def test_depth_within_the_limit_is_answered(client: FlaskClient) -> None:
    query = "SELECT * WHERE " + "{" * 30 + " ?s ?p ?o " + "}" * 30 + " LIMIT 1"
    assert client.get("/sparql", query_string={"query": query}).status_code == 200
    too_deep = "SELECT * WHERE " + "{" * 41 + " ?s ?p ?o " + "}" * 41
    resp = client.get("/sparql", query_string={"query": too_deep})
    assert resp.status_code == 400 and "41 levels deep; the limit is 40" in json.loads(resp.data)["error"]


@pytest.mark.no_seeds
def test_more_brackets_than_the_depth_limit_side_by_side_are_answered(client: FlaskClient) -> None:
    """Only nesting counts: 46 groups, two deep, under a depth limit of 40 (the bracket count alone
    is not enough to refuse a query)."""
    query = "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 45) + " } LIMIT 1"
    assert query.count("{") > 40
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


@pytest.mark.no_seeds
def test_nesting_depth_counts_what_the_parser_sees() -> None:
    assert nesting_depth("SELECT * WHERE { ?s ?p ?o }") == 1
    assert nesting_depth('SELECT * WHERE { ?s ?p "((((({{{{" }') == 1  # strings do not nest
    assert nesting_depth("SELECT * WHERE { ?s ?p ?o } # {{{{{{{{") == 1  # nor comments
    assert nesting_depth("SELECT * WHERE { ?s ?p '''\n((((\n''' }") == 1
    assert nesting_depth("SELECT * WHERE { ?s <http://x/(((> ?o }") == 4  # an IRI-looking '<' may be a less-than: counted
    assert nesting_depth(")))))) {{{") == 3  # closing brackets never take the depth below zero
    assert nesting_depth("SELECT * WHERE { ?s <http://x/#> ?o FILTER((((?o)))) }") == 5  # '#' inside an IRI is no comment


@pytest.mark.no_seeds
def test_long_query_is_400(client: FlaskClient) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } " + "#" * 5000
    resp = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert resp.status_code == 400
    assert "characters long; the limit is 5000" in json.loads(resp.data)["error"]


# ------------------------------------------------------------------------------ rows


@pytest.mark.no_seeds
def test_sparql_answer_is_cut_at_the_row_limit_and_says_so(client: FlaskClient, mini_store: Store) -> None:
    full = mini_store.query(ALL)
    assert len(full.rows) > 5
    resp = client.get("/sparql", query_string={"query": ALL})
    assert resp.status_code == 200 and resp.headers["X-Crisiskg-Truncated"] == "true"
    assert json.loads(resp.data)["truncated"] is True
    assert bindings(resp) == [{k: str(v) for k, v in row.items()} for row in full.rows[:5]]
    text = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": "text/csv"}).get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 5
    assert "X-Crisiskg-Truncated" in resp.headers["Access-Control-Expose-Headers"]


@pytest.mark.no_seeds
@pytest.mark.parametrize("query", [ALL + " LIMIT 5", ALL + " LIMIT 3", "ASK { ?s ?p ?o }",
                                   "SELECT * WHERE { VALUES ?x { 1 2 3 } }"])
def test_small_answers_are_not_marked(client: FlaskClient, query: str) -> None:
    resp = client.get("/sparql", query_string={"query": query})
    assert resp.status_code == 200 and "X-Crisiskg-Truncated" not in resp.headers
    assert "truncated" not in json.loads(resp.data)


@pytest.mark.no_seeds
def test_construct_is_cut_too(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
    assert resp.status_code == 200 and resp.headers["X-Crisiskg-Truncated"] == "true"
    assert len(resp.get_data(as_text=True).strip().splitlines()) == 5


@pytest.mark.no_seeds
def test_row_limit_is_added_or_lowered_at_the_top_level_only() -> None:
    assert with_row_limit("SELECT * WHERE { ?s ?p ?o } LIMIT 9", 100) == "SELECT * WHERE { ?s ?p ?o } LIMIT 9"
    assert with_row_limit("SELECT * WHERE { ?s ?p ?o } OFFSET 3 LIMIT 900", 100) == "SELECT * WHERE { ?s ?p ?o } OFFSET 3 LIMIT 100"
    sub = "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 900 } }"
    assert with_row_limit(sub, 100) == sub + "\nLIMIT 100\n"
    assert with_row_limit("SELECT * WHERE { ?s ?p ?o } # LIMIT 900", 100) == "SELECT * WHERE { ?s ?p ?o } # LIMIT 900\nLIMIT 100\n"
    assert with_row_limit("SELECT ?x WHERE { ?x ?p ?o } VALUES ?x { 1 }", 100) == "SELECT ?x WHERE { ?x ?p ?o } LIMIT 100\nVALUES ?x { 1 }"
    assert with_row_limit("ASK { ?s ?p ?o }", 100) is None


def test_saved_question_pages_follow_link_next(app: Flask, seed_store: Store) -> None:
    seed_app = create_app({"store": seed_store, "max_result_rows": 4})
    client = seed_app.test_client()
    full = bindings(create_app({"store": seed_store}).test_client().get("/queries/timeline"))
    assert len(full) > 8
    pages, url, seen = [], "/queries/timeline?_limit=3", 0
    while url:
        resp = client.get(url)
        assert resp.status_code == 200
        rows = bindings(resp)
        pages.append(rows)
        seen += 1
        link = resp.headers.get("Link")
        if link:
            assert resp.headers["X-Crisiskg-Truncated"] == "true" and json.loads(resp.data)["truncated"] is True
            url = re.fullmatch(r'<http://localhost(.+)>; rel="next"', link).group(1)  # type: ignore[union-attr]
            assert "_limit=3" in url
        else:
            assert "truncated" not in json.loads(resp.data)
            url = ""
        assert seen < 100
    assert [row for page in pages for row in page] == full
    assert all(len(page) == 3 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 3
    capped = client.get("/queries/timeline?_limit=999")
    assert len(bindings(capped)) == 4 and "_offset=4" in capped.headers["Link"]
    html = client.get("/queries/timeline?_limit=2&_format=html")
    assert html.status_code == 200 and "_offset=2" in html.headers["Link"] and b"Answer: 2 rows." in html.data


@pytest.mark.parametrize("params", [{"_limit": "0"}, {"_limit": "-1"}, {"_limit": "ten"}, {"_offset": "-3"},
                                    {"_offset": "1e3"}, {"_timeout": "0"}, {"_timeout": "nan"}, {"_timeout": "soon"}])
def test_bad_paging_and_timeout_parameters_are_400(seed_store: Store, params: dict[str, str]) -> None:
    resp = create_app({"store": seed_store}).test_client().get("/queries/timeline", query_string=params)
    assert resp.status_code == 400
    name = next(iter(params))
    assert json.loads(resp.data)["error"].startswith(f"{name} ")


@pytest.mark.no_seeds
@pytest.mark.parametrize("value", ["0", "-2", "inf", "abc"])
def test_bad_timeout_on_sparql_is_400(client: FlaskClient, value: str) -> None:
    resp = client.get("/sparql", query_string={"query": "ASK {}", "timeout": value})
    assert resp.status_code == 400 and "timeout" in json.loads(resp.data)["error"]


# ------------------------------------------------------------------------------ time limits


@pytest.mark.no_seeds
def test_time_limit_is_only_ever_lowered() -> None:
    assert time_limit(10, None, None) == 10
    assert time_limit(10, 3, None) == 3
    assert time_limit(10, 3, 1.5) == 1.5
    assert time_limit(10, None, 60) == 10
    assert time_limit(10, 30, 20) == 10


@pytest.mark.no_seeds
def test_saved_question_timeout_header(tmp_path: Path) -> None:
    path = tmp_path / "slow-one.rq"
    path.write_text("#+ summary: s\n#+ description: d\n#+ timeout: 1.5\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert parse_query(path).timeout == 1.5
    assert parse_query(path).to_dict()["timeout"] == 1.5
    for bad in ("0", "-1", "soon", "true", ".inf"):
        path.write_text(f"#+ summary: s\n#+ description: d\n#+ timeout: {bad}\nSELECT * WHERE {{ ?s ?p ?o }}\n", encoding="utf-8")
        with pytest.raises(QueryError, match="'timeout' is a number of seconds above 0"):
            parse_query(path)


@pytest.mark.no_seeds
def test_the_ui_editor_has_the_same_text_limits(client: FlaskClient) -> None:
    resp = client.post("/ui/sparql", data={"query": DEEP["groups"][:4000] + "}" * 10})
    assert resp.status_code == 400 and b"levels deep" in resp.data
    assert client.post("/ui/sparql", data={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"}).status_code == 200


@pytest.mark.no_seeds
@pytest.mark.parametrize("fmt, blank", [("json", b'"type":"bnode"'), ("xml", b"<bnode>"), ("csv", b"\r\n_:"), ("tsv", b"\n_:")])
def test_blank_nodes_in_a_select_answer_are_written(client: FlaskClient, fmt: str, blank: bytes) -> None:
    """The store's serialiser fails on them (found by the fuzz test: it was a 500)."""
    resp = client.get("/sparql", query_string={"query": "SELECT (BNODE() AS ?b) ?x WHERE { VALUES ?x { 1 2 } }", "_format": fmt})
    assert resp.status_code == 200 and resp.data.count(blank) == 2 and b"urn:crisiskg" not in resp.data


def test_a_saved_question_job_evaluates_the_text_it_is_keyed_by(seed_store: Store) -> None:
    """A worker places the row limit in the question's unbound text and binds the values after;
    that gives the text the job is keyed (and its kept answer looked up) by, with the limit placed,
    and the same answer, for every saved question with parameters and values the build holds."""
    from crisiskg.query.params import param_choices
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.sparqltext import bind_values
    from crisiskg.service.jobs import QueryJob

    tried = 0
    for q in load_queries().values():
        values = {p.name: choices[len(choices) // 2].key for p in q.params if (choices := param_choices(seed_store, p))}
        bound = q.bind(values, seed_store)
        if not bound:
            continue
        job = QueryJob.saved(q.sparql, bound, limit=3, fmt="json" if q.kind != "graph" else "nt")
        assert job.sparql == bind_values(q.sparql, bound) and job.question == q.sparql
        limited = with_row_limit(job.sparql, 4)
        assert limited is None or bind_values(with_row_limit(q.sparql, 4) or "", bound) == limited
        plain = QueryJob(job.sparql, limit=3, fmt=job.fmt)
        assert job.answer(seed_store).body == plain.answer(seed_store).body
        tried += 1
    assert tried >= 10  # most saved questions take a value the seeds hold
