"""Queries under a time limit.

pyoxigraph cannot be interrupted from another thread, so the limit works in three parts:

1. Each query runs on one of ``max_running`` daemon worker threads (pyoxigraph releases the GIL
   while it evaluates); the request thread waits for it at most ``timeout`` seconds and then answers
   503 with ``Retry-After``.
2. The query is told to stop: while its rows are read, :meth:`crisiskg.store.Store.query` calls a
   check every few hundred rows, which raises once the deadline has passed or the request gave up.
   Streaming queries (most SELECT/CONSTRUCT) therefore stop within a few hundred rows.
3. What cannot be stopped (an ORDER BY, GROUP BY or ASK evaluated inside one pyoxigraph call) keeps
   its worker until it ends; while every worker is busy, new queries wait for one until their own
   deadline and then get the same 503. Runaway work is bounded by the worker count, never unbounded.

A later robustness issue may move evaluation into killable worker processes; the interface
(:meth:`Evaluator.run`) stays the same.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class Stopped(Exception):
    """Raised inside a query's check when its deadline has passed."""


@dataclass
class _Job:
    fn: Callable[[Callable[[int], None]], Any]
    deadline: float
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: Exception | None = None

    def check(self, rows: int = 0) -> None:
        if self.cancelled.is_set() or time.monotonic() > self.deadline:
            raise Stopped(f"stopped after {rows} rows")


class Evaluator:
    """Runs query functions on a fixed set of daemon threads, each under a deadline."""

    def __init__(self, *, timeout: float, max_running: int):
        self.timeout = timeout
        self.max_running = max_running
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.running = 0  # jobs being evaluated now (including ones whose request gave up)

    def _start(self) -> None:
        with self._lock:
            while len(self._threads) < self.max_running:
                t = threading.Thread(target=self._work, name=f"crisiskg-query-{len(self._threads)}", daemon=True)
                t.start()
                self._threads.append(t)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job.cancelled.is_set():
                job.done.set()
                continue
            with self._lock:
                self.running += 1
            try:
                job.result = job.fn(job.check)
            except Exception as exc:  # noqa: BLE001  # handed to the waiting request thread, re-raised there
                job.error = exc
            finally:
                with self._lock:
                    self.running -= 1
                job.done.set()

    def run(self, fn: Callable[[Callable[[int], None]], T], *, timeout: float | None = None) -> T:
        """``fn(check)`` on a worker thread; its result, or its exception re-raised here.
        ``check(rows)`` raises :class:`Stopped` once the deadline has passed.

        Raises TimeoutError when no answer came within ``timeout`` seconds (the default is the
        evaluator's); the work is then told to stop.
        """
        self._start()
        limit = self.timeout if timeout is None else timeout
        job = _Job(fn, time.monotonic() + limit)
        self._jobs.put(job)
        if not job.done.wait(limit):
            job.cancelled.set()
            raise TimeoutError(f"no answer within {limit:g} s")
        if isinstance(job.error, Stopped):
            raise TimeoutError(str(job.error))
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]
