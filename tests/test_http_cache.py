"""The response cache (service/cache.py): a repeated GET is answered from memory with the same
status, body and headers; the key holds the build version, the query string (in any order) and
Accept; errors and time-outs are never kept; memory stays under ``cache_bytes``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crisiskg.query.store import Store
from crisiskg.service import create_app
from crisiskg.service.cache import Entry, ResponseCache
from crisiskg.service.errors import QueryTimeout

JSON = "application/sparql-results+json"


@pytest.fixture
def app(seed_store: Store) -> Flask:
    return create_app({"store": seed_store})


def counter(app: Flask, result: str) -> float:
    return app.extensions["crisiskg"].metrics.value("crisiskg_http_cache_total", {"result": result})


def test_a_repeated_question_is_answered_from_the_cache(app: Flask, client: FlaskClient, evaluations: list[str]) -> None:
    first = client.get("/queries/events-in-country?country=iran", headers={"Accept": JSON})
    assert first.status_code == 200 and len(evaluations) >= 1
    evaluated = len(evaluations)
    second = client.get("/queries/events-in-country?country=iran", headers={"Accept": JSON})
    assert len(evaluations) == evaluated, "a hit evaluates nothing"
    assert (second.status_code, second.data) == (first.status_code, first.data)
    for header in ("Content-Type", "ETag", "Vary", "Access-Control-Allow-Origin", "Cache-Control"):
        assert second.headers.get(header) == first.headers.get(header), header
    assert "Accept" in second.headers["Vary"] and second.headers["ETag"]
    assert (counter(app, "miss"), counter(app, "hit")) == (1, 1)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'crisiskg_http_cache_total{result="hit"} 1' in metrics and "crisiskg_http_cache_bytes" in metrics
    assert 'crisiskg_saved_query_requests_total{query="events-in-country",status="200"} 2' in metrics  # hits count too


def test_key_holds_accept_and_the_query_string_in_any_order(app: Flask, client: FlaskClient) -> None:
    csv = client.get("/queries/attacks?_format=csv&_reasoning=none")
    same = client.get("/queries/attacks?_reasoning=none&_format=csv")
    assert same.data == csv.data and counter(app, "hit") == 1
    as_json = client.get("/queries/attacks", headers={"Accept": JSON})
    as_xml = client.get("/queries/attacks", headers={"Accept": "application/sparql-results+xml"})
    as_html = client.get("/queries/attacks", headers={"Accept": "text/html"})
    assert as_json.mimetype == JSON and as_xml.mimetype == "application/sparql-results+xml" and as_html.mimetype == "text/html"
    assert client.get("/queries/attacks", headers={"Accept": JSON}).data == as_json.data
    assert client.get("/queries/attacks", headers={"Accept": "text/html"}).data == as_html.data
    assert counter(app, "hit") == 3
    other = client.get("/queries/attacks?_reasoning=owlrl&_format=csv")
    assert counter(app, "hit") == 3 and other.status_code == 200


def test_a_new_build_is_never_answered_from_the_old_one(app: Flask, client: FlaskClient, mini_store: Store) -> None:
    url = "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
    before = client.get(url, headers={"Accept": JSON})
    assert client.get(url, headers={"Accept": JSON}).data == before.data and counter(app, "hit") == 1
    st = app.extensions["crisiskg"]
    seeds = st.store
    st.store = mini_store  # a new build published and loaded
    try:
        after = client.get(url, headers={"Accept": JSON})
        assert after.status_code == 200 and after.data != before.data
        assert after.headers["ETag"] != before.headers["ETag"] and counter(app, "hit") == 1
    finally:
        st.store = seeds
    assert client.get(url, headers={"Accept": JSON}).data == before.data


def test_errors_and_timeouts_are_never_kept(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):
        bad = client.get("/queries/events-in-country?country=atlantis", headers={"Accept": JSON})
        assert bad.status_code == 400
    assert counter(app, "hit") == 0 and counter(app, "skip") == 2
    st = app.extensions["crisiskg"]
    real = st.evaluate

    def timing_out(*args: Any, **kwargs: Any) -> Any:
        raise QueryTimeout(1.0, 5)

    monkeypatch.setattr(st, "evaluate", timing_out)
    assert client.get("/queries/attacks", headers={"Accept": JSON}).status_code == 503
    monkeypatch.setattr(st, "evaluate", real)
    ok = client.get("/queries/attacks", headers={"Accept": JSON})
    assert ok.status_code == 200 and counter(app, "hit") == 0
    st.store, seeds = None, st.store
    try:
        assert client.get("/queries/attacks", headers={"Accept": JSON}).status_code == 503  # no build: not even looked up
    finally:
        st.store = seeds
    assert client.get("/queries/attacks", headers={"Accept": JSON}).data == ok.data and counter(app, "hit") == 1


def test_conditional_requests_and_other_methods(app: Flask, client: FlaskClient) -> None:
    first = client.get("/id/entity/iran", headers={"Accept": "text/turtle"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get("/id/entity/iran", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and not again.data and counter(app, "hit") == 1
    query = "ASK { ?s ?p ?o }"
    for _ in range(2):
        posted = client.post("/sparql", data={"query": query}, headers={"Accept": JSON})
        assert posted.status_code == 200
        head = client.head("/queries/attacks", headers={"Accept": JSON})
        assert head.status_code == 200
    assert counter(app, "hit") == 1  # POST and HEAD are not cached


def test_cache_off(seed_store: Store) -> None:
    app = create_app({"store": seed_store, "cache_bytes": 0})
    client = app.test_client()
    assert client.get("/queries/attacks").data == client.get("/queries/attacks").data
    assert "crisiskg.cache" not in app.extensions and counter(app, "hit") == counter(app, "miss") == 0


@pytest.mark.no_seeds
def test_lru_by_bytes() -> None:
    def entry(size: int) -> Entry:
        return Entry(200, b"x" * size, (("Content-Type", "text/csv"),), None)

    cache = ResponseCache(max_bytes=8_000)
    for key in "abcd":
        assert cache.put(key, entry(700))
    assert cache.get("a") is not None  # a is now the most recently used
    for key in "efghij":
        cache.put(key, entry(700))
    assert cache.bytes <= 8_000 and cache.get("a") is not None and cache.get("b") is None
    assert not cache.put("huge", entry(2_000)) and cache.get("huge") is None  # over an eighth: never kept
    cache.put("a", entry(10))
    assert cache.bytes == sum(e.size for e in cache._entries.values())


def test_the_front_answers_a_repeat_without_entering_flask(app: Flask, client: FlaskClient) -> None:
    """A repeat of a kept request is answered by the WSGI front: the same bytes and headers (ETag,
    CORS, Cache-Control as the hooks set them), counted as a hit, and no Flask hook runs, nor the
    lean path (:mod:`crisiskg.service.lean`), which would count a miss."""
    entered: list[str] = []
    app.after_request(lambda resp: (entered.append("flask"), resp)[1])  # a real hook: runs for Flask's own hits too
    url = "/queries/attacks?_format=html"  # a page: answered by Flask, kept by the front
    page = client.get(url)
    assert page.status_code == 200 and entered == ["flask"] and counter(app, "miss") == 1
    assert client.get(url).data == page.data and entered == ["flask"]
    url = "/queries/attacks?_format=json"  # evaluated and kept by the lean path: the front keeps its final answer
    first = client.get(url)
    assert entered == ["flask"] and counter(app, "miss") == 2
    second = client.get(url)
    third = client.get(url)
    assert entered == ["flask"], "the front answered without Flask"
    assert counter(app, "miss") == 2, "nor the lean path"
    assert counter(app, "hit") == 3
    assert third.data == second.data == first.data
    assert dict(third.headers) == dict(second.headers) == dict(first.headers)
    assert third.headers["ETag"] and third.headers["Access-Control-Allow-Origin"] == "*"
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'crisiskg_saved_query_requests_total{query="attacks",status="200"} 5' in metrics
    assert 'crisiskg_http_requests_total{method="GET",route="/queries/<query_id>",status="200"} 5' in metrics
    assert len(entered) == 2  # /metrics went through Flask
    client.get("/queries/attacks?_reasoning=owlrl&_format=json")  # another query string: answered again
    assert counter(app, "miss") == 3 and len(entered) == 2


def test_the_front_leaves_conditional_requests_and_other_builds_to_flask(app: Flask, client: FlaskClient, mini_store: Store) -> None:
    entered: list[str] = []
    app.after_request(lambda resp: (entered.append("flask"), resp)[1])
    url = "/sparql?query=ASK%7B%7D"
    etag = client.get(url, headers={"Accept": JSON}).headers["ETag"]  # kept by the front too
    entered.clear()
    revalidated = client.get(url, headers={"Accept": JSON, "If-None-Match": etag})
    assert revalidated.status_code == 304 and entered == ["flask"]
    st = app.extensions["crisiskg"]
    st.store = mini_store  # another build: nothing kept for the old one answers
    misses = counter(app, "miss")
    fresh = client.get(url, headers={"Accept": JSON})
    assert fresh.headers["ETag"] != etag and counter(app, "miss") == misses + 1  # answered again (by the lean path)


def test_the_etag_follows_the_question_files_and_equal_copies_are_hashed_once(seed_store: Store, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads may parse the question files at once and keep equal copies: the fingerprint in
    every answer's ETag is then hashed again once, never compared field by field per request."""
    import dataclasses
    import shutil

    from crisiskg.query.savedqueries import QUERIES_DIR, SavedQuery
    from crisiskg.service import state as state_module

    folder = tmp_path / "queries"
    shutil.copytree(QUERIES_DIR, folder)
    monkeypatch.setattr(state_module, "QUERIES_RECHECK", 0.0)
    app = create_app({"store": seed_store, "queries_dir": folder, "cache_bytes": 0})
    st = app.extensions["crisiskg"]
    client = app.test_client()
    etag = client.get("/queries/attacks").headers["ETag"]
    fingerprint = st.queries_fingerprint()
    copies = {qid: dataclasses.replace(q) for qid, q in st.queries().items()}
    assert copies == st.queries() and all(copies[k] is not q for k, q in st.queries().items())

    def compared(self: SavedQuery, other: object) -> bool:
        raise AssertionError("the questions were compared field by field")

    monkeypatch.setattr(state_module, "load_queries", lambda folder=None: dict(copies))
    monkeypatch.setattr(SavedQuery, "__eq__", compared)
    assert st.queries_fingerprint() == fingerprint
    assert st.queries_fingerprint() == fingerprint
    assert client.get("/queries/attacks").headers["ETag"] == etag
    monkeypatch.undo()
    monkeypatch.setattr(state_module, "QUERIES_RECHECK", 0.0)
    text = (folder / "attacks.rq").read_text(encoding="utf-8")
    (folder / "attacks.rq").write_text(text.replace("#+ summary: ", "#+ summary: All ", 1), encoding="utf-8")
    assert client.get("/queries/attacks").headers["ETag"] != etag
