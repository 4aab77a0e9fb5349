"""A table is read out by the engine's own writer, far faster than row by row: a query cut at the row
limit now finishes within a short time limit, and one that runs on past it is still stopped there
(its check runs as the engine writes) and leaves no work behind."""

from __future__ import annotations

import json
import time

import pytest

from crisiskg.query.store import Store
from crisiskg.service import create_app

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # the mini build's triples cubed, streamed


def test_a_long_streamed_query_is_stopped_at_its_time_limit(mini_store: Store) -> None:
    app = create_app({"store": mini_store, "query_timeout": 0.3, "retry_after": 7, "max_result_rows": 1_000_000_000})
    client = app.test_client()
    resp = client.get("/sparql", query_string={"query": ENDLESS})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "7"
    assert "time limit of 0.3 s" in json.loads(resp.data)["error"]
    evaluator = app.extensions["crisiskg"].evaluator
    deadline = time.monotonic() + 30
    while evaluator.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert evaluator.running == 0, "the stopped query still runs"
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_the_same_query_cut_at_the_row_limit_answers_its_first_rows(mini_store: Store) -> None:
    app = create_app({"store": mini_store, "max_result_rows": 2_000})
    resp = app.test_client().get("/sparql", query_string={"query": ENDLESS}, headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200 and resp.headers["X-Crisiskg-Truncated"] == "true"
    body = json.loads(resp.data)
    assert body["truncated"] is True and len(body["results"]["bindings"]) == 2_000
    assert body["head"]["vars"] == ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
