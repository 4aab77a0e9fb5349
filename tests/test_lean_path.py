"""The lean path (service/lean.py): a plain ``GET /queries/<id>`` answered without Flask gives the
same status, headers and bytes as the Flask view; everything else, and what its evaluation raised,
is answered by Flask, and nothing is evaluated twice."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from crisiskg.query.store import Store
from crisiskg.service import create_app
from crisiskg.service.lean import Lean

JSON = "application/sparql-results+json"
BOTH = f"{JSON}, text/turtle;q=0.5"  # a table or a graph, whichever the query gives


@pytest.fixture
def app(seed_store: Store) -> Flask:
    return create_app({"store": seed_store, "cache_bytes": 0})


@pytest.fixture
def entered(app: Flask) -> list[str]:
    """The paths Flask answered (a real after_request hook)."""
    seen: list[str] = []

    def note(resp: Any) -> Any:
        from flask import request

        seen.append(request.full_path)
        return resp

    app.after_request(note)
    return seen


def ask(wsgi: Any, url: str, **headers: str) -> tuple[str, dict[str, str], bytes]:
    path, _, query = url.partition("?")
    sent: dict[str, str] = {"Accept": JSON, **headers}
    environ = EnvironBuilder(path=path, query_string=query, headers=list(sent.items())).get_environ()
    body, status, got = run_wsgi_app(wsgi, environ)
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    return status, dict(got), data


def lean_of(app: Flask) -> Lean:
    assert isinstance(app.wsgi_app, Lean)
    return app.wsgi_app


def without_date(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "Date"}


def test_every_saved_question_is_answered_as_the_flask_view_answers_it(app: Flask, entered: list[str]) -> None:
    lean = lean_of(app)
    queries = app.extensions["crisiskg"].queries()
    answered_lean = 0
    for qid in queries:
        for url in (f"/queries/{qid}", f"/queries/{qid}?_reasoning=none&_format=csv"):
            before = len(entered)
            status, headers, body = ask(lean, url)
            by_lean = len(entered) == before
            flask_status, flask_headers, flask_body = ask(lean.inner, url)
            assert (status, without_date(headers), body) == (flask_status, without_date(flask_headers), flask_body), url
            assert by_lean == (status.startswith("200") and "Link" not in headers), url
            answered_lean += by_lean
    assert answered_lean >= len(queries), "most questions answer with their defaults"


def test_a_conditional_request_gets_flasks_304(app: Flask, entered: list[str]) -> None:
    lean = lean_of(app)
    qid = next(iter(app.extensions["crisiskg"].queries()))
    status, headers, _ = ask(lean, f"/queries/{qid}")
    assert status.startswith("200") and not entered
    status, _, body = ask(lean, f"/queries/{qid}", **{"If-None-Match": headers["ETag"]})
    assert status.startswith("304") and not body and entered == [f"/queries/{qid}?"]


def test_a_bad_value_and_a_page_are_answered_by_flask(app: Flask, entered: list[str]) -> None:
    lean = lean_of(app)
    queries = app.extensions["crisiskg"].queries()
    qid, param = next((q.id, p.name) for q in queries.values() for p in q.params if p.type == "iri")
    status, headers, body = ask(lean, f"/queries/{qid}?{param}=not-a-thing-the-seeds-name")
    assert status.startswith("400") and b'"ok":false' in body and headers["Cache-Control"] == "no-store"
    status, headers, body = ask(lean, f"/queries/{qid}?_format=html")
    assert status.startswith("200") and headers["Content-Type"].startswith("text/html")
    assert [path.split("?")[0] for path in entered] == [f"/queries/{qid}"] * 2


def test_a_time_out_is_evaluated_once_and_answered_as_every_error(app: Flask, entered: list[str]) -> None:
    lean = lean_of(app)
    status, headers, body = ask(lean, "/queries/timeline?_reasoning=none&_timeout=0.000001")
    assert status.startswith("503") and headers["Retry-After"] and b"time limit" in body
    assert entered == ["/queries/timeline?_reasoning=none&_timeout=0.000001"]  # Flask's error handler wrote it
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'crisiskg_query_timeouts_total{route="/queries/<query_id>"} 1' in metrics
    assert 'crisiskg_saved_query_timeouts_total{query="timeline"} 1' in metrics


def test_an_answer_with_more_pages_is_evaluated_once(app: Flask, entered: list[str], evaluations: list[str]) -> None:
    lean = lean_of(app)
    status, headers, _ = ask(lean, "/queries/timeline?_reasoning=none&_limit=1")
    assert status.startswith("200") and headers["X-Crisiskg-Truncated"] == "true"
    assert 'rel="next"' in headers["Link"] and "_offset=1" in headers["Link"]
    assert len(evaluations) == 1 and len(entered) == 1


def question_texts(app: Flask) -> list[str]:
    """Every saved question's text as a client would send it: the prologue, defaults bound."""
    from crisiskg.query.sparqltext import bind_values
    from crisiskg.vocab import sparql_prologue

    st = app.extensions["crisiskg"]
    texts = []
    for q in st.queries().values():
        try:
            bound = q.bind({}, st.store)
        except Exception:  # noqa: BLE001, S112  # a parameter without a default: not askable as it is
            continue
        texts.append(sparql_prologue() + (bind_values(q.sparql, bound) if bound else q.sparql))
    return texts


def test_every_question_text_at_sparql_is_answered_as_the_flask_view_answers_it(app: Flask, entered: list[str]) -> None:
    from urllib.parse import urlencode

    lean = lean_of(app)
    texts = question_texts(app)
    relative = "SELECT ?x WHERE { BIND(<relative#it> AS ?x) }"  # resolved against the endpoint's URL
    cases = [urlencode({"query": t}) for t in [*texts, relative]]
    cases += [urlencode({"query": relative, "_format": "tsv"}), urlencode({"query": texts[0], "default-graph-uri": "urn:x-rdflib:default"}),
              urlencode({"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"}), urlencode({"query": "ASK {}", "timeout": "5"})]
    for query in cases:
        before = len(entered)
        status, headers, body = ask(lean, f"/sparql?{query}", Accept=BOTH)
        assert status.startswith("200") and len(entered) == before, query  # the lean path answered it
        flask_status, flask_headers, flask_body = ask(lean.inner, f"/sparql?{query}", Accept=BOTH)
        assert (status, without_date(headers), body) == (flask_status, without_date(flask_headers), flask_body), query


@pytest.mark.parametrize("query", ["INSERT DATA { <a:b> <a:c> <a:d> }", "SELECT (", "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
                                   "PREFIX x: <http://x/> x:y"])
def test_a_bad_query_at_sparql_is_refused_by_flask(app: Flask, entered: list[str], query: str) -> None:
    from urllib.parse import urlencode

    lean = lean_of(app)
    status, headers, body = ask(lean, f"/sparql?{urlencode({'query': query})}")
    flask_status, flask_headers, flask_body = ask(lean.inner, f"/sparql?{urlencode({'query': query})}")
    assert status[:3] in ("400", "403") and b'"ok":false' in body
    assert (status, without_date(headers), body) == (flask_status, without_date(flask_headers), flask_body) and len(entered) == 2


def test_a_failure_of_the_lean_path_itself_is_answered_by_flask_as_any_error(app: Flask, entered: list[str],
                                                                              monkeypatch: pytest.MonkeyPatch,
                                                                              caplog: pytest.LogCaptureFixture) -> None:
    from crisiskg.service import lean

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in the lean path")

    monkeypatch.setattr(lean, "decorate", broken)
    status, headers, body = ask(lean_of(app), "/queries/timeline")
    assert status.startswith("500") and b'"ok":false' in body and b"server log" in body
    assert headers["Cache-Control"] == "no-store" and len(entered) == 1
    assert "a bug in the lean path" in caplog.text
