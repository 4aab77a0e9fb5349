"""Hostile traffic against a real ``crisiskg serve`` on 127.0.0.1 (issue 18): hundreds of idle and
slow connections leave ``/healthz`` answering; a request with both Content-Length and
Transfer-Encoding is a 400 and its connection is closed, so nothing smuggled after it runs.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import running_server  # tests/serving.py

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)


@pytest.fixture(scope="module")
def server(mini_build: tuple[Path, object], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRISISKG_MAX_RUNNING_QUERIES", "1")
        log = tmp_path_factory.mktemp("hostile-server") / "serve.log"
        with running_server(mini_build[0], log, extra=["--quiet"]) as base:
            yield base


def address(base: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(base)
    return str(parts.hostname), int(parts.port or 80)


def healthz(base: str, timeout: float) -> int:
    host, port = address(base)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_healthz_answers_while_hundreds_of_connections_idle_or_trickle(server: str) -> None:
    host, port = address(server)
    held: list[socket.socket] = []
    try:
        for i in range(250):
            s = socket.create_connection((host, port), timeout=10)
            if i % 5 == 0:  # a slow client: a request line and part of its headers, never finished
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            held.append(s)
        # far more than waitress's default limit of 100 connections and its 8 threads: every check answers
        assert [healthz(server, timeout=20) for _ in range(10)] == [200] * 10
        for s in held[1::5]:  # trickle one more byte on some: still nothing is held up
            s.sendall(b"a")
        assert healthz(server, timeout=20) == 200
    finally:
        for s in held:
            s.close()


def read_all(s: socket.socket, seconds: float) -> bytes:
    """Everything the server sends until it closes the connection (or ``seconds`` pass)."""
    s.settimeout(seconds)
    data = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"the connection was not closed within {seconds} s; got {data!r}")


def test_content_length_with_transfer_encoding_is_400_and_closes(server: str) -> None:
    host, port = address(server)
    smuggled = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    request = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
               b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"7\r\nASK {} \r\n0\r\n\r\n" + smuggled)
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(request)
        data = read_all(s, 20)
    assert data.startswith(b"HTTP/1.1 400"), data[:200]
    assert data.count(b"HTTP/1.1 ") == 1, "the bytes after the body ran as a request of their own"
    assert b"Content-Length and Transfer-Encoding" in data


def test_chunked_alone_and_content_length_alone_are_still_answered(server: str) -> None:
    host, port = address(server)
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nAccept: application/sparql-results+json\r\n"
    for request in (head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n",
                    head + b"Content-Length: 6\r\nConnection: close\r\n\r\nASK {}"):
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(request)
            data = read_all(s, 30)
        assert data.startswith(b"HTTP/1.1 200"), data[:300]
        assert b'"boolean":true' in data.replace(b" ", b"")
