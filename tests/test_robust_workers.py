"""Killable evaluation (issue 7): queries run in worker processes; one past its limit is answered
503 and its worker killed and replaced, even inside a single pyoxigraph call; limits lowered per
saved question and per request; answers equal to thread evaluation's.

Apps here open the seed build themselves (no ``store`` override), so they evaluate in worker
processes (two each, to spare the machine).
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from crisiskg.query.store import Store
from crisiskg.service import create_app
from crisiskg.service.evaluation import WorkerPool

COUNT_RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 1e12 rows counted in one call
SORT_RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i LIMIT 1"
STREAM_RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def metric(app: Flask, name: str) -> float:
    text = app.test_client().get("/metrics").get_data(as_text=True)
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


def wait_until(condition: object, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def pool_of(app: Flask) -> WorkerPool:
    pool = app.extensions["crisiskg"].evaluator.pool
    assert pool is not None, "this app should evaluate in worker processes"
    return pool  # type: ignore[no-any-return]


@pytest.fixture
def make_app(seed_build_dir: Path) -> Iterator[object]:
    apps: list[Flask] = []

    def make(**settings: object) -> Flask:
        app = create_app({"build_dir": seed_build_dir, "max_running_queries": 2, **settings})
        apps.append(app)
        assert wait_until(lambda: pool_of(app).ready == 2), pool_of(app).start_error
        return app

    yield make
    for app in apps:
        app.extensions["crisiskg"].evaluator.close()


@pytest.mark.parametrize("query", [COUNT_RUNAWAY, SORT_RUNAWAY])
def test_runaway_inside_one_call_is_killed_and_replaced(make_app: object, query: str) -> None:
    app = make_app(query_timeout=0.5, retry_after=3)  # type: ignore[operator]
    client = app.test_client()
    pool = pool_of(app)
    before = pool.pids()
    started = time.monotonic()
    resp = client.get("/sparql", query_string={"query": query})
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "3"
    assert "time limit of 0.5 s" in json.loads(resp.data)["error"]
    assert time.monotonic() - started < 3
    assert wait_until(lambda: app.extensions["crisiskg"].evaluator.running == 0), "the runaway still holds its worker"
    assert wait_until(lambda: pool.ready == 2)
    assert metric(app, "crisiskg_query_workers_killed_total") == 1
    assert metric(app, 'crisiskg_query_timeouts_total{route="/sparql"}') == 1
    assert wait_until(lambda: len(pool.pids()) == 2)
    after = pool.pids()
    assert len(before - after) == 1, "exactly the runaway's worker was replaced"
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_streaming_runaway_stops_by_itself(make_app: object) -> None:
    """A query that reads rows checks its deadline in the worker and stops there: no kill needed."""
    app = make_app(query_timeout=0.5, max_result_rows=10**9)  # type: ignore[operator]
    resp = app.test_client().get("/sparql", query_string={"query": STREAM_RUNAWAY})
    assert resp.status_code == 503
    assert wait_until(lambda: app.extensions["crisiskg"].evaluator.running == 0)
    assert metric(app, "crisiskg_query_workers_killed_total") == 0


def test_every_worker_busy_means_503_not_a_queue_without_end(make_app: object) -> None:
    app = make_app(query_timeout=1.0)  # type: ignore[operator]
    statuses: list[int] = []
    runners = [threading.Thread(target=lambda: statuses.append(
        app.test_client().get("/sparql", query_string={"query": COUNT_RUNAWAY}).status_code)) for _ in range(3)]
    for t in runners:
        t.start()
    for t in runners:
        t.join(30)
    assert statuses == [503, 503, 503]
    assert wait_until(lambda: pool_of(app).ready == 2 and app.extensions["crisiskg"].evaluator.running == 0)
    assert app.test_client().get("/queries/articles").status_code == 200


def test_a_crashed_worker_is_replaced(make_app: object) -> None:
    app = make_app(query_timeout=20)  # type: ignore[operator]
    client = app.test_client()
    pool = pool_of(app)
    idle = next(iter(pool.pids()))
    os.kill(idle, signal.SIGKILL)  # dies while idle
    assert wait_until(lambda: idle not in pool.pids())
    assert wait_until(lambda: pool.ready == 2)  # replaced
    for _ in range(3):
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    got: list[object] = []
    runner = threading.Thread(target=lambda: got.append(client.get("/sparql", query_string={"query": COUNT_RUNAWAY})))
    runner.start()
    assert wait_until(lambda: pool.busy == 1)
    for pid in pool.pids():  # one of them evaluates the runaway: kill both, the idle one is replaced too
        os.kill(pid, signal.SIGKILL)
    runner.join(30)
    resp = got[0]
    assert resp.status_code == 500  # type: ignore[attr-defined]
    assert "its worker process exited" in json.loads(resp.data)["error"]  # type: ignore[attr-defined]
    assert wait_until(lambda: pool.ready == 2)
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_answers_equal_thread_evaluation(make_app: object, seed_store: Store) -> None:
    processes = make_app().test_client()  # type: ignore[operator]
    threads = create_app({"store": seed_store}).test_client()
    for url in ["/queries/timeline", "/queries/timeline?_format=csv", "/queries/attacks?_format=xml",
                "/queries/event-graph?_format=nt", "/queries/timeline?_limit=3&_offset=2",
                "/sparql?query=ASK%20%7B%7D", "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%3Fs%20a%20ckg%3AArticle%7D%20ORDER%20BY%20%3Fs",
                "/sparql?query=SELECT%20%3Fx%20WHERE%20%7B%7D&_format=html"]:
        a, b = processes.get(url), threads.get(url)
        assert (a.status_code, a.headers.get("Content-Type"), a.headers.get("Link")) == (b.status_code, b.headers.get("Content-Type"), b.headers.get("Link")), url
        assert a.data == b.data, url
    bad = processes.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?p }"})
    assert bad.status_code == 400 and "SPARQL syntax error" in json.loads(bad.data)["error"]


def test_limits_are_lowered_per_question_and_per_request(make_app: object, tmp_path: Path) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "runaway.rq").write_text("#+ summary: counts a cross product\n#+ description: never ends\n#+ timeout: 0.6\n"
                                        + COUNT_RUNAWAY + "\n", encoding="utf-8")
    app = make_app(query_timeout=30, queries_dir=queries)  # type: ignore[operator]
    client = app.test_client()

    def limit_of(resp: object) -> str:
        assert resp.status_code == 503  # type: ignore[attr-defined]
        return re.search(r"time limit of (\S+) s", json.loads(resp.data)["error"]).group(1)  # type: ignore[attr-defined, union-attr]

    started = time.monotonic()
    assert limit_of(client.get("/queries/runaway")) == "0.6"
    assert limit_of(client.get("/queries/runaway?_timeout=0.3")) == "0.3"
    assert limit_of(client.get("/queries/runaway?_timeout=100")) == "0.6"  # never raised
    assert limit_of(client.get("/sparql", query_string={"query": COUNT_RUNAWAY, "timeout": "0.4"})) == "0.4"
    assert time.monotonic() - started < 15
    strict = make_app(query_timeout=0.5)  # type: ignore[operator]
    assert limit_of(strict.test_client().get("/sparql", query_string={"query": COUNT_RUNAWAY, "timeout": "100"})) == "0.5"


def test_the_ui_editor_runaway_is_killed_too(make_app: object) -> None:
    app = make_app(query_timeout=0.5)  # type: ignore[operator]
    resp = app.test_client().post("/ui/sparql", data={"query": COUNT_RUNAWAY}, headers={"Accept": "text/html"})
    assert resp.status_code == 503 and b"time limit of 0.5 s" in resp.data
    assert wait_until(lambda: metric(app, "crisiskg_query_workers_killed_total") == 1)
    assert metric(app, 'crisiskg_query_timeouts_total{route="/ui/sparql"}') == 1
