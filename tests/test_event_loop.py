"""The connection class ``crisiskg serve`` gives waitress (``crisiskg.cli.server.tune_channels``):
its event loop does not spin while requests are in flight, and an answer larger than the socket
takes at once still reaches a slow reader whole, streamed or not. A real waitress server on
127.0.0.1 in this process, real client sockets.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from waitress import create_server, wasyncore

from crisiskg.cli.server import tune_channels

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

App = Callable[[dict[str, Any], Any], Iterable[bytes]]


@contextmanager
def serving(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, list[int]]]:
    """A tuned waitress server for ``app`` on a free port: (port, [event-loop turns so far])."""
    turns = [0]
    poll2 = wasyncore.poll2

    def counted(*args: Any, **kwargs: Any) -> Any:
        turns[0] += 1
        return poll2(*args, **kwargs)

    monkeypatch.setattr(wasyncore, "poll2", counted)
    server = create_server(app, host="127.0.0.1", port=0, threads=16, asyncore_use_poll=True)
    tune_channels(server)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port, turns
    finally:
        server.close()
        thread.join(5)


def waiting_app(wait: float, body: bytes) -> App:
    """Waits ``wait`` seconds (as a request waits for its query worker), then answers ``body``."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        time.sleep(wait)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def test_the_event_loop_turns_about_once_a_request_with_many_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b"x" * 5000
    with serving(waiting_app(0.001, body), monkeypatch) as (port, turns):
        done: list[int] = []
        lock = threading.Lock()

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            got = 0
            for _ in range(150):
                conn.request("GET", "/")
                resp = conn.getresponse()
                assert resp.read() == body
                got += 1
            conn.close()
            with lock:
                done.append(got)

        clients = [threading.Thread(target=client) for _ in range(8)]
        before = turns[0]
        for t in clients:
            t.start()
        for t in clients:
            t.join(120)
        requests = sum(done)
        assert requests == 8 * 150
        # waitress's own connection class turned tens of times a request here, waiting for the lock
        # a request's thread held while it sent (benchmarks/event_loop.py); a turn per read, a turn
        # per request's end, and a few shared ones are what is left
        assert (turns[0] - before) / requests < 5


def test_a_large_answer_reaches_a_slow_reader_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    body = bytes(range(256)) * (4 << 12)  # 4 MiB: far more than the socket takes at once
    with serving(waiting_app(0, body), monkeypatch) as (port, _):
        got = slow_read(port, len(body))
    assert got.endswith(body)


def test_a_streamed_answer_with_pauses_reaches_a_slow_reader_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    chunk = b"y" * (1 << 20)

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(4 * len(chunk)))])
        for _ in range(4):
            yield chunk
            time.sleep(0.2)  # bytes left in the buffer while the thread is away: the loop must send them

    with serving(app, monkeypatch) as (port, _):
        got = slow_read(port, 4 * len(chunk))
    assert got.endswith(chunk * 4)


def test_a_file_sent_with_the_file_wrapper_reaches_a_slow_reader_whole(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    data = bytes(range(256)) * (3 << 12)  # 3 MiB, as a dump is sent
    (tmp_path / "dump.nq").write_bytes(data)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "application/n-quads"), ("Content-Length", str(len(data)))])
        return environ["wsgi.file_wrapper"]((tmp_path / "dump.nq").open("rb"))

    with serving(app, monkeypatch) as (port, _):
        got = slow_read(port, len(data))
    assert got.endswith(data)


def slow_read(port: int, size: int) -> bytes:
    """A GET of ``/`` read in small pieces with pauses until ``size`` body bytes have come."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = bytearray()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            piece = s.recv(65536)
            if not piece:
                break
            data += piece
            _, sep, rest = bytes(data).partition(b"\r\n\r\n")
            if sep and len(rest) >= size:
                break
            time.sleep(0.002)
        return bytes(data)


def test_the_benchmark_runs_both_connection_classes_and_reports_them() -> None:
    import contextlib
    import io

    from benchmarks.event_loop import VARIANTS, main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(["--rounds", "1", "--seconds", "0.5", "--clients", "2"])
    rows = [line for line in out.getvalue().splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0].strip("| ") for row in rows[1:]] == [*VARIANTS, "tuned / waitress's (same round)"]
    tuned = rows[2].split(" | ")
    assert float(tuned[1].replace(",", "")) > 0  # requests a second: it answered
