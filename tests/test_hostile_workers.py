"""Admission and memory (issue 18): cheap work never waits behind runaways; when every query worker
is busy a request waits a bounded time, then gets 503 with Retry-After, and the refusal is logged
with why (at most a line a second for each reason); a query that grows its worker past the memory
cap is stopped with a clear 503 and its worker replaced; an answer larger than the byte limit is
refused.

Apps here open the mini build themselves, so they evaluate in worker processes. Time bounds are
generous (the limits under test are a few seconds; nothing asserts a latency).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from crisiskg.service import create_app
from crisiskg.service.state import KEY, Throttle

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CROSS_SORT = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
DOUBLING = ("SELECT (STRLEN(?s30) AS ?n) WHERE { BIND(\"ab\" AS ?s0) "
            + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(30)) + " }")
JSON = {"Accept": "application/sparql-results+json"}


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def make_app(mini_build: tuple[Path, Any]) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**settings: object) -> Flask:
        app = create_app({"build_dir": mini_build[0], "max_running_queries": 1, "reload_every": 0, "cache_bytes": 0, **settings})
        apps.append(app)
        pool = app.extensions[KEY].evaluator.pool
        assert pool is not None and pool.wait_ready(120), pool.start_error
        return app

    yield make
    for app in apps:
        app.extensions[KEY].close()


def sparql(app: Flask, query: str) -> Any:
    return app.test_client().get("/sparql", query_string={"query": query}, headers=JSON)


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append((fn(), time.monotonic())))
    t.start()
    return t, out


def test_a_busy_worker_means_a_bounded_wait_then_503_and_cheap_work_goes_on(make_app: Callable[..., Flask]) -> None:
    app = make_app(query_timeout=15, max_queued_queries=1, queue_wait=2.0, retry_after=7)
    st = app.extensions[KEY]
    holder, held = in_thread(lambda: sparql(app, RUNAWAY))
    assert wait_until(lambda: st.evaluator.running == 1)
    waiter, waited = in_thread(lambda: sparql(app, "ASK { ?s ?p ?o }"))  # waits for the worker, at most 2 s
    assert wait_until(lambda: st.evaluator.admission.waiting == 1)
    started = time.monotonic()
    refused = sparql(app, "ASK { ?s ?p ?o }")  # nobody else may wait: refused at once
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "7"
    assert "query workers are busy" in json.loads(refused.data)["error"]
    # cheap work meanwhile: a kept answer, a page without evaluation, health
    client = app.test_client()
    kept = client.get("/queries/articles", headers=JSON)
    assert kept.status_code == 200 and kept.get_json()["results"]["bindings"]
    assert client.get("/healthz").status_code == 200 and client.get("/queries").status_code == 200
    waiter.join(30)
    resp, at = waited[0]
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "7"
    assert at - started < 12, "the wait for a worker was not bounded by queue_wait"
    assert not held, "the runaway was still running when the waiter was refused"
    holder.join(60)
    assert held[0][0].status_code == 503
    text = client.get("/metrics").get_data(as_text=True)
    assert 'crisiskg_query_rejected_total{route="/sparql"} 2' in text
    assert wait_until(lambda: st.evaluator.running == 0 and st.evaluator.pool.ready == 1)
    assert sparql(app, "ASK { ?s ?p ?o }").status_code == 200


def test_refusals_are_logged_with_why_at_most_once_a_second_per_reason(make_app: Callable[..., Flask],
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(query_timeout=10, max_queued_queries=1, queue_wait=1.5)
    st = app.extensions[KEY]
    holder, held = in_thread(lambda: app.test_client().get("/sparql", query_string={"query": RUNAWAY, "timeout": "8"}, headers=JSON))
    assert wait_until(lambda: st.evaluator.running == 1)
    with caplog.at_level(logging.WARNING, logger="crisiskg.service"):
        waiter, waited = in_thread(lambda: sparql(app, "ASK { ?s ?p ?o }"))  # refused after 1.5 s: no worker became free
        assert wait_until(lambda: st.evaluator.admission.waiting == 1)
        first = time.monotonic()
        burst = [sparql(app, "ASK { ?s ?p ?o }").status_code for _ in range(3)]  # refused at once: the queue is full
        waiter.join(30)
        again, waited_again = in_thread(lambda: sparql(app, "ASK { ?s ?p ?o }"))  # waits, and is refused, a second time
        assert wait_until(lambda: st.evaluator.admission.waiting == 1)
        time.sleep(max(0.0, first + 1.2 - time.monotonic()))
        late = sparql(app, "ASK { ?s ?p ?o }").status_code  # the queue is full again, over a second after the first line
        again.join(30)
    assert not held, "the runaway ended before every refusal was made"
    assert burst == [503] * 3 and late == 503 and waited[0][0].status_code == waited_again[0][0].status_code == 503
    lines = [r.getMessage() for r in caplog.records if r.name == "crisiskg.service" and r.levelno == logging.WARNING]
    full = [line for line in lines if "(queue full)" in line]
    over = [line for line in lines if "(waited past its time limit)" in line]
    assert len(full) == 2 and len(over) == 2 and len(lines) == 4, lines
    assert all(line.startswith("refused GET /sparql with 503 (") and "query workers are busy" in line for line in lines), lines
    assert "more for this reason" not in full[0]
    assert full[1].endswith("(and 2 more for this reason since the last line)"), full  # the burst's other two
    assert all("none became free within 1.5 s" in line and "more for this reason" not in line for line in over), over
    holder.join(60)
    assert held[0][0].status_code == 503


def test_the_refusal_log_holds_back_lines_within_a_second_and_counts_them(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    throttle = Throttle(logging.getLogger("crisiskg.service"), clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="crisiskg.service"):
        logged = [throttle.log(logging.WARNING, "queue full", "refused %d", n) for n in range(4)]
        logged.append(throttle.log(logging.ERROR, "no worker can be started", "refused late"))  # another reason: logged
        now[0] += 0.99
        logged.append(throttle.log(logging.WARNING, "queue full", "refused %d", 4))
        now[0] += 0.02
        logged.append(throttle.log(logging.WARNING, "queue full", "refused %d", 5))
        now[0] += 5
        logged.append(throttle.log(logging.WARNING, "queue full", "refused %d", 6))
    assert logged == [True, False, False, False, True, False, True, True]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "refused 0"), ("ERROR", "refused late"),
        ("WARNING", "refused 5 (and 4 more for this reason since the last line)"), ("WARNING", "refused 6")]


def test_a_waiting_request_gets_the_worker_when_it_frees_in_time(make_app: Callable[..., Flask]) -> None:
    app = make_app(query_timeout=30, max_queued_queries=2, queue_wait=20.0)
    st = app.extensions[KEY]
    holder, _ = in_thread(lambda: app.test_client().get("/sparql", query_string={"query": RUNAWAY, "timeout": "1"}, headers=JSON))
    assert wait_until(lambda: st.evaluator.running == 1)
    resp = sparql(app, "ASK { ?s ?p ?o }")  # queued behind the runaway, which is killed after 1 s
    holder.join(60)
    assert resp.status_code == 200


@pytest.mark.parametrize("query", [CROSS_SORT, DOUBLING], ids=["cross-product-order-by", "concat-doubling"])
def test_a_query_past_the_memory_cap_is_stopped_with_503_and_its_worker_replaced(make_app: Callable[..., Flask], query: str) -> None:
    app = make_app(query_timeout=120, query_memory=256 << 20, max_result_rows=10**9)
    st = app.extensions[KEY]
    pool = st.evaluator.pool
    before = pool.pids()
    resp = sparql(app, query)
    assert resp.status_code == 503, resp.data[:300]
    assert resp.headers["Retry-After"] == str(st.settings.retry_after)
    error = json.loads(resp.data)["error"]
    assert "more than 256 MiB of memory" in error and "worker was replaced" in error
    assert pool.over_memory == 1
    assert wait_until(lambda: pool.ready == 1 and pool.pids() and not pool.pids() & before)
    assert sparql(app, "ASK { ?s ?p ?o }").status_code == 200
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'crisiskg_query_memory_stops_total{route="/sparql"} 1' in text


def test_an_answer_past_the_byte_limit_is_refused_in_the_worker(make_app: Callable[..., Flask]) -> None:
    app = make_app(max_result_bytes=4096)
    resp = sparql(app, "SELECT * WHERE { ?s ?p ?o }")
    assert resp.status_code == 503
    error = json.loads(resp.data)["error"]
    assert "more than the limit of 4096 bytes" in error and "fewer rows" in error
    assert sparql(app, "SELECT * WHERE { ?s ?p ?o } LIMIT 2").status_code == 200


def test_memory_and_queue_settings_are_checked() -> None:
    from crisiskg.service.settings import SettingsError, load_settings

    assert load_settings({"query_memory": "300000000", "queue_wait": "0.5"}, environ={}).query_memory == 300_000_000
    with pytest.raises(SettingsError, match="query_memory"):
        load_settings({"query_memory": 1000}, environ={})
    with pytest.raises(SettingsError, match="queue_wait"):
        load_settings({"queue_wait": -1}, environ={})


def test_query_workers_run_at_a_lower_cpu_priority(make_app: Callable[..., Flask]) -> None:
    import os

    from crisiskg.service.settings import SettingsError, load_settings

    app = make_app(query_worker_nice=7)
    pool = app.extensions[KEY].evaluator.pool
    pids = pool.pids() if pool is not None else set()
    assert pids
    own = os.getpriority(os.PRIO_PROCESS, 0)
    for pid in pids:  # what the kernel says of each worker, not what was asked
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, own + 7)
    with pytest.raises(SettingsError, match="query_worker_nice"):
        load_settings({"query_worker_nice": 20}, environ={})
