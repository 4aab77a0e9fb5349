"""Stays up (issue 7), against a real ``crisiskg serve`` on 127.0.0.1: while several runaway queries
hold workers until they are killed, ``/healthz`` and a cheap saved question are answered at once;
the runaways get 503, their workers are reclaimed, and every worker answers again afterwards.
Queries nested deep enough to overflow the parser's stack are a 400, and the server lives on.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import running_server  # tests/serving.py

LIMIT = 3.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server(seed_build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRISISKG_MAX_RUNNING_QUERIES", "4")
        log = tmp_path_factory.mktemp("robust-server") / "serve.log"
        with running_server(seed_build_dir, log, extra=["--query-timeout", str(LIMIT), "--threads", "12"]) as base:
            yield base


def request(base: str, method: str, path: str, body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes, float]:
    """(status, headers, body, finished at) of one request on its own connection."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict(resp.getheaders()), data, time.monotonic()
    finally:
        conn.close()


def metric(base: str, name: str) -> float:
    text = request(base, "GET", "/metrics")[2].decode("utf-8")
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(m.group(1)) if m else -1.0


def wait_for(base: str, name: str, value: float, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if metric(base, name) == value:
            return True
        time.sleep(0.1)
    return False


def test_healthz_and_a_cheap_question_answer_while_runaways_are_stopped(server: str) -> None:
    assert wait_for(server, "crisiskg_query_workers", 4), "the worker processes did not start"
    runaways: list[tuple[int, dict[str, str], bytes, float]] = []
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: runaways.append(request(server, "POST", "/sparql", RUNAWAY,
                                                                        {"Content-Type": "application/sparql-query"})))
               for _ in range(3)]
    for t in threads:
        t.start()
    assert wait_for(server, "crisiskg_queries_running", 3, seconds=LIMIT / 2), "the runaways are not running"
    health = request(server, "GET", "/healthz")
    cheap = request(server, "GET", "/queries/articles", headers={"Accept": "application/sparql-results+json"})
    for t in threads:
        t.join(60)
    assert health[0] == 200 and cheap[0] == 200 and b'"bindings"' in cheap[2]
    assert len(runaways) == 3
    first_runaway_done = min(r[3] for r in runaways)
    assert health[3] < first_runaway_done and cheap[3] < first_runaway_done, "answered only after the runaways"
    assert cheap[3] - started < LIMIT * 0.8, "the cheap question waited for the runaways"
    for status, headers, body, done in runaways:
        assert status == 503 and headers["Retry-After"] and b"time limit of 3 s" in body
        assert done - started >= LIMIT * 0.9
    assert wait_for(server, "crisiskg_queries_running", 0), "the runaways' workers were not reclaimed"
    assert wait_for(server, "crisiskg_query_workers", 4)
    assert metric(server, "crisiskg_query_workers_killed_total") == 3
    assert metric(server, 'crisiskg_query_timeouts_total{route="/sparql"}') == 3
    later: list[int] = []
    checks = [threading.Thread(target=lambda: later.append(request(server, "GET", "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")[0]))
              for _ in range(4)]
    for t in checks:
        t.start()
    for t in checks:
        t.join(30)
    assert later == [200] * 4


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 10000 + "?o" + ")" * 10000 + ") }",
    "SELECT * WHERE " + "{ SELECT * WHERE " * 5000 + "{ ?s ?p ?o }" + " }" * 5000,
])
def test_deep_nesting_is_400_and_the_server_lives_on(server: str, query: str) -> None:
    status, _, body, _ = request(server, "POST", "/sparql", query, {"Content-Type": "application/sparql-query"})
    assert status == 400 and b"levels deep" in body
    assert request(server, "GET", "/healthz")[0] == 200
    assert request(server, "GET", "/sparql?query=ASK%7B%7D")[0] == 200
