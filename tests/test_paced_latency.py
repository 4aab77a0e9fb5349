"""benchmarks/paced_latency.py and the paced clients of benchmarks/http_eval.py, against real HTTP
servers on 127.0.0.1 (small ones made here: what is checked is the clients' schedule, not a speed)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.http_eval import drive
from benchmarks.paced_latency import main, report

ARRIVALS: list[float] = []


def serving(pause: float) -> Iterator[int]:
    """A threaded HTTP/1.1 server answering one request at a time, each after ``pause`` seconds;
    when each request came is added to ``ARRIVALS``."""
    one = threading.Lock()
    ARRIVALS.clear()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            ARRIVALS.append(time.monotonic())
            with one:
                time.sleep(pause)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def quick() -> Iterator[int]:
    yield from serving(0.0)


@pytest.fixture
def slow() -> Iterator[int]:
    yield from serving(0.1)


def test_paced_clients_send_no_more_than_the_rate(quick: int) -> None:
    # 4 clients, 8 requests a second in all, for 2 s: 4 each at most (their k-th at (k + phase) / 2 s)
    got = drive(quick, ["/a", "/b"], 4, 2.0, rate=8)
    assert 8 <= got["requests"] <= 16, got
    assert got["errors"] == 0
    # and take turns: 125 ms apart, not 4 at once every 500 ms (the processes begin together, so
    # however long each took to start, only their phases set them apart)
    gaps = sorted(b - a for a, b in zip(sorted(ARRIVALS), sorted(ARRIVALS)[1:]))
    assert gaps[len(gaps) // 2] > 0.04, gaps


def test_a_paced_request_is_timed_from_when_it_was_due(slow: int) -> None:
    # the server answers one request a 0.1 s; 4 clients each due every 0.2 s need 0.4 s a round of
    # answers, so each falls further behind: its fifth answer comes about 1.2 s after it was due.
    # Timed from when each was sent, every request would take about 0.4 s.
    got = drive(slow, ["/a"], 4, 2.0, rate=20)
    assert got["p99_ms"] > 800, got
    assert got["errors"] == 0


def data() -> dict[str, object]:
    def cell(rps: float, p50: float, p99: float, errors: int = 0) -> dict[str, float]:
        return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors, "requests": rps}

    return {"question": "actor-events", "clients": 8, "rounds": 3, "seconds": 5, "rates": [100.0], "mismatches": 0,
            "cells": {"oxigraph": {"100.0": [cell(100, 1, 3), cell(99, 2, 4), cell(98, 3, 9)]},
                      "crisiskg": {"100.0": [cell(97, 4, 8, 1), cell(100, 5, 6), cell(96, 6, 30, 2)]}}}


def test_the_table_gives_the_medians_of_the_rounds() -> None:
    text = report(data())
    assert "| 100 | 99 | 2.0 / 4.0 | 97 | 5.0 / 8.0 | 3 |" in text, text


@pytest.mark.parametrize(("args", "message"), [(["--rates", "fast"], "write requests a second"),
                                               (["--rates", "0,100"], "must be above 0")])
def test_bad_rates_are_refused(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
