"""``/healthz`` on a real ``crisiskg serve`` is answered by waitress's event loop, not by a request
thread (issue 18): it answers while the only request thread and the only query worker are held by a
runaway query, with the Flask route's body and headers; pipelining, HEAD and ``Connection: close``
behave as HTTP says, and every other route still goes through the app.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from serving import log_with, running_server  # tests/serving.py

LIMIT = 6.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ESSENTIAL = ["Content-Type", "Content-Length", "Cache-Control", "Content-Security-Policy", "X-Content-Type-Options",
             "Access-Control-Allow-Origin", "Access-Control-Expose-Headers"]


@pytest.fixture(scope="module")
def served(seed_build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One request thread and one query worker: a single runaway holds both."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRISISKG_MAX_RUNNING_QUERIES", "1")
        log = tmp_path_factory.mktemp("health-fast") / "serve.log"
        with running_server(seed_build_dir, log, extra=["--threads", "1", "--query-timeout", str(LIMIT)]) as base:
            yield base, log


def get(base: str, path: str, method: str = "GET", timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=timeout)
    try:
        conn.request(method, path, headers={"Accept": "application/sparql-results+json"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def raw(base: str, data: bytes, seconds: float = 30) -> bytes:
    """Send ``data`` on one connection and read until the server closes it."""
    parts = urllib.parse.urlsplit(base)
    with socket.create_connection((str(parts.hostname), int(parts.port or 80)), timeout=seconds) as s:
        s.sendall(data)
        got = b""
        while chunk := s.recv(65536):
            got += chunk
        return got


def test_same_answer_as_the_flask_route(served: tuple[str, Path], client: FlaskClient) -> None:
    base, log = served
    flask = client.get("/healthz")
    status, headers, body = get(base, "/healthz")
    assert (status, body) == (flask.status_code, flask.data)
    assert {k: headers.get(k) for k in ESSENTIAL} == {k: flask.headers.get(k) for k in ESSENTIAL}
    assert headers["Server"] == "crisiskg" and "Date" in headers
    status, headers, body = get(base, "/healthz", method="HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", str(len(flask.data)))
    for method in ("GET", "HEAD"):
        line = f'"{method} /healthz HTTP/1.1" 200 {len(flask.data)}'
        assert line in log_with(log, line), log.read_text(errors="replace")[-2000:]


def test_pipelined_and_closing_requests(served: tuple[str, Path]) -> None:
    base, _ = served
    # answers in the order asked, whichever path each takes; Connection: close ends the connection
    got = raw(base, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
    answers = got.split(b"HTTP/1.1 ")[1:]
    assert len(answers) == 3, got[:600]
    assert [a[:3] for a in answers] == [b"200"] * 3
    assert answers[0].endswith(b'{"ok":true,"status":200}\n')
    assert b'"version"' in answers[1]
    assert b"Connection: close" in answers[2]
    assert raw(base, b"GET /healthz HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 200 OK\r\n")  # 1.0 closes unless asked not to


def test_answers_while_the_only_thread_and_worker_run_a_runaway(served: tuple[str, Path]) -> None:
    base, _ = served
    runaway: list[tuple[int, float]] = []

    def ask() -> None:
        status, _, _ = get(base, "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
        runaway.append((status, time.monotonic()))

    t = threading.Thread(target=ask)
    t.start()
    probes: list[tuple[int, bytes, float]] = []
    while t.is_alive() and len(probes) < 200:
        status, _, body = get(base, "/healthz", timeout=LIMIT * 4)
        probes.append((status, body, time.monotonic()))
        time.sleep(0.1)
    t.join(LIMIT * 10)
    assert runaway and runaway[0][0] == 503, runaway  # stopped at the time limit
    # a probe queued behind the runaway would come back only after it: these came back while it held the thread
    early = [p for p in probes if p[2] < runaway[0][1]]
    assert len(early) >= 3, (len(probes), len(early))
    assert all(s == 200 and b == b'{"ok":true,"status":200}\n' for s, b, _ in probes)
    # every other route still goes through the app, and works once the thread is free
    assert get(base, "/readyz")[0] == 200
    status, _, body = get(base, "/queries/articles")
    assert status == 200 and b"bindings" in body
