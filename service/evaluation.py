"""Queries under a time and memory limit, in worker processes that are killed when they run past them.

A query the app can describe as plain data, a :class:`~crisiskg.service.jobs.QueryJob`, is answered
by a pool of ``max_running_queries`` worker processes (:class:`WorkerPool`, over the one killable
mechanism :class:`crisiskg.query.killable.Killable`), each with the store open:

1. A query whose answer the build kept is answered from it at once, in the request thread: it
   never waits for a worker.
2. Admission (:class:`Admission`): a query takes a free worker; when all are busy it waits at most
   ``queue_wait`` seconds, and at most ``max_queued_queries`` requests wait at once; anything more
   is refused at once (:class:`Busy`, a 503 with ``Retry-After``; its ``reason`` says which limit
   refused it). So queries hold at most ``max_running_queries + max_queued_queries`` request
   threads, and the rest of the server's threads answer cheap work (kept and cached answers, pages,
   ``/healthz``) without waiting.
3. Past its deadline a request answers 503 at once; its worker has :data:`GRACE` seconds more to
   stop by itself (a streaming query does) before it is killed and replaced
   (``crisiskg_query_workers_killed_total``). A query that grows its worker by more than
   ``query_memory`` bytes ends it: 503 (:class:`~crisiskg.query.killable.OutOfMemory`), replaced too.
4. When no worker process can be started (:class:`~crisiskg.query.killable.Unavailable`: the
   forkserver cannot run, the system is out of processes) a query is answered 503 at once, and the
   workers are started again for the next one.

A memory worker opens the very release the server opened, so answers never come from a newer build
than the server advertises: its on-disk store read-only (:mod:`crisiskg.build.diskstore`), whose
pages the operating system keeps once for the server and every worker, during a reload too (the
new release's workers open its own store beside); or, for a release published without one, its
``dataset.nq`` loaded into the worker's memory (a copy per worker).

Falls back to threads (not killable: a runaway engine call holds its thread until it ends) for
other callables (linked-data descriptions), and for every query when the app was given an already
open store (``settings.store``, as tests do) or ``evaluation = "thread"``.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from crisiskg.errors import QueryError
from crisiskg.query.killable import Killable, OpenFailed, OutOfMemory, Stopped, Unavailable, WorkerExited, outcome
from crisiskg.query.store import Store
from crisiskg.service.jobs import Answer, QueryJob, reply, too_large, unpack
from crisiskg.service.jobs import Stopped as CheckStopped

__all__ = ["GRACE", "QUEUE_FULL", "WAIT_OVER", "Admission", "Answer", "Busy", "Evaluator", "OutOfMemory", "QueryJob", "Unavailable",
           "WorkerPool"]

T = TypeVar("T")
log = logging.getLogger("crisiskg.service")

GRACE = 0.5  # seconds a worker past its deadline has to stop by itself before it is killed
QUEUE_FULL = "queue full"  # a Busy's reason: as many requests as may wait for a worker wait already
WAIT_OVER = "waited past its time limit"  # a Busy's reason: no worker became free within the wait


class Busy(TimeoutError):
    """Every query worker is busy and the wait for one is full or over (``reason``:
    :data:`QUEUE_FULL` or :data:`WAIT_OVER`)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class Admission:
    """``slots`` evaluations at once; at most ``queued`` more wait, each at most ``wait`` seconds."""

    def __init__(self, slots: int, queued: int, wait: float):
        self.slots, self.queued, self.wait = slots, queued, wait
        self.used = 0
        self.waiting = 0
        self._cond = threading.Condition()

    def enter(self, limit: float) -> None:
        """Take a slot, waiting at most ``wait`` (and ``limit``) seconds; :class:`Busy` otherwise."""
        with self._cond:
            if self.used < self.slots:
                self.used += 1
                return
            if self.waiting >= self.queued:
                raise self._busy(QUEUE_FULL)
            self.waiting += 1
            try:
                end = time.monotonic() + min(self.wait, limit)
                while self.used >= self.slots:
                    remaining = end - time.monotonic()
                    if remaining <= 0:
                        raise self._busy(WAIT_OVER, f"; none became free within {min(self.wait, limit):g} s")
                    self._cond.wait(remaining)
            finally:
                self.waiting -= 1
            self.used += 1

    def leave(self) -> None:
        with self._cond:
            self.used -= 1
            self._cond.notify()

    def _busy(self, reason: str, more: str = "") -> Busy:
        return Busy(f"all {self.slots} query workers are busy and {self.waiting} requests wait for one{more}", reason)


def _open(spec: str | None, build_dir: str, release: Any) -> Store:
    """A worker's store: the server's own release for ``memory`` (verified by the server before),
    else what ``spec`` names."""
    from crisiskg.query.store import open_store, parse_spec

    if release is not None and parse_spec(spec)[0] == "memory" and Path(release.dataset_file).exists():
        return Store(release)
    return open_store(spec, build_dir)


class WorkerPool:
    """``size`` worker processes answering :class:`QueryJob` s (see the module docstring)."""

    def __init__(self, spec: str | None, build_dir: Path | str, *, size: int, release: Any = None,
                 memory: int | None = None, nice: int = 0, max_bytes: int = 64 << 20):
        self.size = size
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._closed = False
        self.busy = 0  # workers evaluating now (including ones past their deadline, until stopped or killed)
        self.killed = 0  # at the time limit
        self.over_memory = 0  # ended at the memory cap
        self.lost = 0  # ended otherwise (killed from outside)
        self._killable = Killable(functools.partial(_open, spec, str(build_dir), release), size=size, memory=memory, nice=nice,
                                  preload=("crisiskg.service.jobs", "crisiskg.query.store"))

    @property
    def unavailable(self) -> str | None:
        """Why no worker process could be started at the last try, or None."""
        return self._killable.unavailable

    @property
    def start_error(self) -> str | None:
        """Why no worker could be started (the last try), else why one could not open the store, or None."""
        return self.unavailable or self._killable.start_error

    @property
    def ready(self) -> int:
        """Workers started (idle or busy) and alive now."""
        if self._closed:
            return 0
        ended = self.killed + self.over_memory + self.lost
        return max(0, min(len(self._killable.pids()), self._killable.started - ended))

    def pids(self) -> set[int]:
        return self._killable.pids()

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every worker has started (True), or ``timeout`` seconds (False)."""
        end = time.monotonic() + timeout
        while self.ready < self.size:
            if time.monotonic() > end or self._closed or self.start_error:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        """Kill every worker; the pool answers nothing after this."""
        self._closed = True
        self._killable.close()

    def _done(self, future: Future[Any], leave: Callable[[], None]) -> None:
        try:
            outcome(future)
        except Stopped:
            self._count("killed")
        except OutOfMemory:
            self._count("over_memory")
        except WorkerExited:
            self._count("lost")
        except Exception:  # noqa: BLE001, S110  # the request thread reports it
            pass
        with self._lock:
            self.busy -= 1
        leave()

    def _count(self, what: str) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + 1)

    def run(self, job: QueryJob, limit: float, leave: Callable[[], None]) -> Answer:
        """``job``'s answer from a worker within ``limit`` seconds; TimeoutError otherwise (the
        worker then stops or is killed in the background). ``leave`` is called once the task has
        ended. Raises the job's QueryError, :class:`OutOfMemory`, :class:`Unavailable` when no
        worker can be started, or QueryError when the worker ended another way."""
        try:
            future = self._killable.submit(reply, job, limit, self.max_bytes, timeout=limit + GRACE)
        except BaseException:
            leave()
            raise
        with self._lock:
            self.busy += 1
        future.add_done_callback(lambda f: self._done(f, leave))
        try:
            message = outcome(future, wait=limit + 0.05)
        except (FutureTimeout, Stopped):
            raise TimeoutError(f"no answer within {limit:g} s") from None
        except WorkerExited as exc:
            raise QueryError(f"query evaluation failed: its worker process exited ({exc}); it has been replaced") from OSError(str(exc))
        except OpenFailed as exc:
            raise RuntimeError(f"the query worker could not open the store: {exc}") from None
        return unpack(message, limit, self.max_bytes)


def _detached(exc: BaseException) -> BaseException:
    """``exc`` without tracebacks (along its cause and context): their frames hold pyoxigraph
    iterators, which must be dropped on the thread that made them, not the request's."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        e.__traceback__ = None
        e = e.__cause__ or e.__context__
    return exc


@dataclass
class _Job:
    fn: Callable[[Callable[[int], None]], Any]
    deadline: float
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None

    def check(self, rows: int = 0) -> None:
        if self.cancelled.is_set() or time.monotonic() > self.deadline:
            raise CheckStopped(f"stopped after {rows} rows")


class Evaluator:
    """Runs query functions under a deadline: :class:`QueryJob` s on worker processes when there is
    a ``pool``, everything else on a fixed set of daemon threads; both behind an :class:`Admission`."""

    def __init__(self, *, timeout: float, max_running: int, pool: WorkerPool | None = None, max_queued: int = 64,
                 queue_wait: float = 1.0, max_bytes: int = 64 << 20):
        self.timeout = timeout
        self.max_running = max_running
        self.max_bytes = max_bytes
        self.pool = pool
        self.admission = Admission(max_running, max_queued, queue_wait)  # the worker processes
        self.thread_admission = Admission(max_running, max_queued, queue_wait)  # the threads
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._running = 0  # thread jobs being evaluated now (including ones whose request gave up)

    @classmethod
    def for_settings(cls, settings: Any, store: Store | None) -> Evaluator:
        """Worker processes for the store ``settings`` name, unless the app was given an open store
        (``settings.store``), ``settings.evaluation`` is ``thread``, or there is no store."""
        pool = None
        if settings.store is None and store is not None and settings.evaluation == "process":
            pool = WorkerPool(settings.store_spec, settings.build_dir, size=settings.max_running_queries,
                              release=getattr(store, "release", None), memory=settings.query_memory, nice=settings.query_worker_nice,
                              max_bytes=settings.max_result_bytes)
        return cls(timeout=settings.query_timeout, max_running=settings.max_running_queries, pool=pool,
                   max_queued=settings.max_queued_queries, queue_wait=settings.queue_wait, max_bytes=settings.max_result_bytes)

    @property
    def running(self) -> int:
        """Evaluations running now: thread jobs and busy worker processes."""
        return self._running + (self.pool.busy if self.pool is not None else 0)

    @property
    def killed(self) -> int:
        """Worker processes killed at the time or memory limit."""
        return self.pool.killed + self.pool.over_memory if self.pool is not None else 0

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

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
                self.thread_admission.leave()
                continue
            with self._lock:
                self._running += 1
            try:
                job.result = job.fn(job.check)
            except Exception as exc:  # noqa: BLE001  # handed to the waiting request thread, re-raised there
                job.error = _detached(exc)
            finally:
                with self._lock:
                    self._running -= 1
                self.thread_admission.leave()
                job.done.set()

    def run(self, fn: Callable[[Callable[[int], None]], T], *, timeout: float | None = None) -> T:
        """``fn(check)``'s result, or its exception re-raised here. A :class:`QueryJob` is answered
        from the build's kept answers when they hold it, else goes to a worker process when there
        are any; anything else runs on a worker thread, where ``check(rows)`` raises once the
        deadline has passed.

        The limit is ``timeout``, else the job's own ``timeout``, else the evaluator's; never more
        than the evaluator's. Raises TimeoutError when no answer came within it, :class:`Busy`
        when no worker became free in time, :class:`OutOfMemory` past the memory cap,
        :class:`Unavailable` when no worker process can be started.
        """
        asked = timeout if timeout is not None else getattr(fn, "timeout", None)
        limit = self.timeout if asked is None else min(asked, self.timeout)
        if isinstance(fn, QueryJob) and fn.store is not None:
            found = fn.kept(fn.store)  # kept by the build: no worker needed, and looked for only here
            if found is not None:
                return found  # type: ignore[return-value]
        if self.pool is not None and isinstance(fn, QueryJob):
            self.admission.enter(limit)
            return self.pool.run(replace(fn, store=None), limit, self.admission.leave)  # type: ignore[return-value]
        self.thread_admission.enter(limit)
        self._start()
        job = _Job(fn, time.monotonic() + limit)
        self._jobs.put(job)
        if not job.done.wait(limit):
            job.cancelled.set()
            raise TimeoutError(f"no answer within {limit:g} s")
        if isinstance(job.error, CheckStopped):
            raise TimeoutError(str(job.error))
        if job.error is not None:
            raise job.error
        body = getattr(job.result, "body", None)
        if isinstance(body, bytes) and len(body) > self.max_bytes:
            raise too_large(len(body), self.max_bytes)
        return job.result  # type: ignore[no-any-return]
