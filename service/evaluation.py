"""Queries under a time limit, in worker processes that are killed when they run past it.

pyoxigraph cannot be interrupted, and one call (an ORDER BY, GROUP BY or COUNT over a cross
product) can run for hours. So a query the app can describe as plain data, a :class:`QueryJob`
(query text with its parameters already bound as N-Triples terms, the dataset, the page of rows
and the answer format), is answered by a pool of ``max_running_queries`` worker processes
(:class:`WorkerPool`), each with its own copy of the store:

1. The request thread takes an idle worker (waiting at most until its deadline, then 503), sends
   the job through a pipe and waits for the answer until the deadline.
2. The worker evaluates, reads at most one row more than the page asks for, serialises the answer
   (so the server process only copies bytes) and sends it back. It also watches the deadline
   itself: a streaming query stops within a few hundred rows and the worker stays.
3. Past the deadline the request answers 503 with ``Retry-After`` at once. A worker that has not
   stopped by itself within :data:`GRACE` seconds more is killed (SIGKILL) and replaced by a new
   one, started in the background; ``crisiskg_query_workers_killed_total`` counts the kills.

Workers start from a ``forkserver`` (never ``fork`` from a threaded server) that has imported the
store module already, so a replacement is ready in the time it takes to open the store (for
``memory``, loading ``dataset.nq``: about 3 s per million quads). A memory worker loads the very
release the server opened, so answers never come from a newer build than the server advertises.

Falls back to threads: other callables (linked-data descriptions), and every query when the app
was given an already open store (``settings.store``, as tests do) or ``evaluation = "thread"``.
A thread cannot be killed, so there the limit works as before this module had processes: the
request answers 503 at its deadline, a streaming query is told to stop at its next row check, and
one pyoxigraph call runs on, holding its thread; while all ``max_running`` threads are busy, new
queries wait until their own deadline and get 503.

Per-query cost of a process (measured on the seed build, 2 cores, medians through the Flask test
client): 0.2 ms for ``ASK {}`` (0.43 -> 0.66 ms), 0.5-0.8 ms for saved questions (1.8 -> 2.3 ms,
13.8 -> 14.6 ms), 1 ms for a 2,000-row answer (31.5 -> 32.6 ms): a pipe round trip and pickling.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from crisiskg.errors import QueryError
from crisiskg.query.results import Result
from crisiskg.query.store import Store
from crisiskg.service.limits import with_row_limit

T = TypeVar("T")
log = logging.getLogger("crisiskg.service")

GRACE = 0.5  # seconds a worker past its deadline has to stop by itself before it is killed
START_TIMEOUT = 600.0  # seconds a new worker may take to open its store


class Stopped(Exception):
    """Raised inside a query's check when its deadline has passed."""


# ------------------------------------------------------------------------------ jobs and answers


@dataclass
class Answer:
    """An evaluated query: the serialised answer (``body`` in ``fmt``) or the :class:`Result`
    (for HTML, or when the format was not known before evaluation), and whether rows were cut."""

    kind: str
    truncated: bool = False
    result: Result | None = None
    body: bytes | None = None
    fmt: str | None = None

    def serialize(self, fmt: str) -> bytes:
        """The answer in ``fmt``; SPARQL JSON gets a top-level ``"truncated": true`` when rows were cut."""
        if self.body is not None and fmt == self.fmt:
            return self.body
        if self.result is None:
            raise QueryError(f"this answer was serialised as {self.fmt}, not {fmt}")
        return _mark(self.result.serialize(fmt), fmt, self.truncated and self.kind == "select")


def _mark(body: bytes, fmt: str, truncated: bool) -> bytes:
    """SPARQL JSON with ``"truncated": true`` added as its last member (other formats as they are)."""
    if not truncated or fmt != "json":
        return body
    text = body.rstrip()
    if text.endswith(b"}"):
        return text[:-1] + b',"truncated":true}'
    data = json.loads(body)
    data["truncated"] = True
    return json.dumps(data).encode("utf-8")


@dataclass(frozen=True)
class QueryJob:
    """One query, as everything a worker process needs: text (parameters already bound with
    :func:`crisiskg.query.sparqltext.bind_values`), dataset, the page of rows (``offset``, ``limit``: None for
    all), the format to serialise to (None: return the Result) and its time limit in seconds
    (None: the evaluator's). ``store`` is the server's store, used only by thread evaluation and
    never sent to a worker.

    Called with a check (``job(check)``) it answers on ``store`` in the calling thread, which is
    what :meth:`Evaluator.run` does when there are no worker processes.
    """

    sparql: str
    reasoning: str = "owlrl"
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None
    offset: int = 0
    limit: int | None = None
    fmt: str | None = None
    timeout: float | None = None
    store: Any = field(default=None, compare=False, repr=False)

    def __call__(self, check: Callable[[int], None] | None = None) -> Answer:
        if self.store is None:
            raise QueryError("this query job has no store to run on")
        return self.answer(self.store, check)

    def kept(self, store: Store) -> Answer | None:
        """The answer from the build's kept answers (:mod:`crisiskg.query.answers`), paged and serialised
        as :meth:`answer` would, or None when this query's was not kept."""
        if self.default_graph_uris or self.named_graph_uris or self.base_iri is not None:
            return None
        found = store.kept_answer(self.sparql, self.reasoning)
        return None if found is None else self._page(found)

    def answer(self, store: Store, check: Callable[[int], None] | None = None) -> Answer:
        """Evaluate on ``store``: at most ``offset + limit + 1`` rows are read (a top-level LIMIT
        is lowered or added; a query without room for one fails once it has more rows). Triples of
        a graph answer are sorted, so every worker's copy of the store gives the same bytes. (The
        build's kept answers are looked up before, by :meth:`Evaluator.run`.)"""
        text = self.sparql
        need = None if self.limit is None else self.offset + self.limit + 1
        guard = check
        if need is not None:
            limited = with_row_limit(text, need)
            if limited is not None:
                text = limited
            else:
                guard = _RowGuard(need, check)
        result = store.query(text, reasoning=self.reasoning, default_graph_uris=list(self.default_graph_uris),
                             named_graph_uris=list(self.named_graph_uris), base_iri=self.base_iri, check=guard)
        return self._page(result)

    def _page(self, result: Result) -> Answer:
        need = None if self.limit is None else self.offset + self.limit + 1
        truncated = False
        if self.offset or need is not None:
            end = None if self.limit is None else self.offset + self.limit
            if result.kind in ("select", "graph"):  # a graph's triples sorted: pyoxigraph's order differs between store copies
                truncated = end is not None and len(result) > end
                result = result.slice(self.offset, end)
        if self.fmt is None:
            return Answer(result.kind, truncated, result=result)
        return Answer(result.kind, truncated, body=_mark(result.serialize(self.fmt), self.fmt, truncated and result.kind == "select"),
                      fmt=self.fmt)


class _RowGuard:
    """A check that fails a query once it has more rows than could ever be shown."""

    def __init__(self, need: int, check: Callable[[int], None] | None):
        self.need, self.check = need, check

    def __call__(self, rows: int) -> None:
        if self.check is not None:
            self.check(rows)
        if rows > self.need:
            raise QueryError(f"the answer has more than {self.need - 1} rows and the query text has no place for a "
                             f"LIMIT; add one")


# ------------------------------------------------------------------------------ worker processes


def _open(spec: str | None, build_dir: str, release: Any) -> Store:
    """The worker's store: the server's own release for ``memory``, else what ``spec`` names."""
    from crisiskg.query.store import open_store, parse_spec

    if release is not None and parse_spec(spec)[0] == "memory" and Path(release.dataset_file).exists():
        return Store(release)
    return open_store(spec, build_dir)


def _watch_parent() -> None:
    """Exit this worker as soon as the server process is gone (even in the middle of a query)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="crisiskg-parent-watch", daemon=True).start()


class _Deadline:
    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def __call__(self, rows: int) -> None:
        if time.monotonic() > self.at:
            raise Stopped(f"stopped after {rows} rows")


def _reply(store: Store, job: QueryJob, seconds: float) -> tuple[Any, ...]:
    try:
        return ("ok", job.answer(store, _Deadline(seconds)))
    except Stopped as exc:
        return ("stopped", str(exc))
    except QueryError as exc:
        cause = exc.__cause__
        return ("query-error", str(exc), "syntax" if isinstance(cause, SyntaxError) else "os" if isinstance(cause, OSError) else None)
    except Exception as exc:  # noqa: BLE001  # reported to the server, which logs it and answers 500
        return ("error", f"{type(exc).__name__}: {exc}")


def serve_worker(conn: Any, spec: str | None, build_dir: str, release: Any) -> None:
    """A worker process: open the store, say ``ready``, then answer ``(job, seconds)`` messages
    until the pipe closes."""
    _watch_parent()
    try:
        store = _open(spec, build_dir, release)
    except Exception as exc:  # noqa: BLE001  # reported to the server, which retries
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", store.version))
    while True:
        try:
            job, seconds = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_reply(store, job, seconds))


def _raise(reply: tuple[Any, ...], limit: float) -> Any:
    status = reply[0]
    if status == "ok":
        return reply[1]
    if status == "stopped":
        raise TimeoutError(f"no answer within {limit:g} s ({reply[1]})")
    if status == "query-error":
        exc = QueryError(reply[1])
        if reply[2] == "syntax":
            raise exc from SyntaxError(reply[1])
        if reply[2] == "os":
            raise exc from OSError(reply[1])
        raise exc
    raise RuntimeError(f"the query worker failed: {reply[1]}")


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Any
    _killing: threading.Lock = field(default_factory=threading.Lock)

    def kill(self) -> None:
        """Kill the process and close its pipe, once: the pool's close() and a reclaiming thread may
        both get here, and a second close of the pipe could hit a descriptor reused since."""
        if not self._killing.acquire(blocking=False):
            return
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def _kill_all(workers: set[_Worker]) -> None:
    for w in list(workers):
        try:
            w.kill()
        except (OSError, ValueError):
            pass
        workers.discard(w)  # a closed pool has no worker ready


class WorkerPool:
    """``size`` worker processes answering :class:`QueryJob` s (see the module docstring)."""

    def __init__(self, spec: str | None, build_dir: Path | str, *, size: int, release: Any = None):
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["crisiskg.service.evaluation"])
        self._args = (spec, str(build_dir), release)
        self.size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = threading.Event()
        self.busy = 0  # workers evaluating now (including ones past their deadline, until stopped or killed)
        self.killed = 0
        self.lost = 0  # workers that exited by themselves (a crash)
        self.start_error: str | None = None
        self._finalizer = weakref.finalize(self, _kill_all, self._workers)
        for _ in range(size):
            self._replace()

    @property
    def ready(self) -> int:
        """Workers started (idle or busy)."""
        with self._lock:
            return len(self._workers)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every worker has started (True), or ``timeout`` seconds (False)."""
        end = time.monotonic() + timeout
        while self.ready < self.size:
            if time.monotonic() > end or self._closed.is_set():
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        """Kill every worker; the pool answers nothing after this."""
        self._closed.set()
        self._finalizer()

    def _replace(self) -> None:
        threading.Thread(target=self._start_one, name="crisiskg-worker-start", daemon=True).start()

    def _start_one(self) -> None:
        backoff = 1.0
        while not self._closed.is_set():
            parent, child = self._ctx.Pipe()
            proc = self._ctx.Process(target=serve_worker, args=(child, *self._args), name="crisiskg-query-worker", daemon=True)
            try:
                proc.start()
                child.close()
                message = parent.recv() if parent.poll(START_TIMEOUT) else ("failed", f"not ready within {START_TIMEOUT:g} s")
            except (EOFError, OSError) as exc:
                message = ("failed", f"exited while starting ({exc or proc.exitcode})")
            if message[0] == "ready":
                worker = _Worker(proc, parent)
                with self._lock:
                    if self._closed.is_set():
                        worker.kill()
                        return
                    self._workers.add(worker)
                    self.start_error = None
                self._idle.put(worker)
                return
            self.start_error = str(message[1])
            log.error("a query worker could not start: %s; retrying in %g s", message[1], backoff)
            _Worker(proc, parent).kill()
            self._closed.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    def _drop(self, worker: _Worker, *, killed: bool) -> None:
        with self._lock:
            self._workers.discard(worker)
            if killed:
                self.killed += 1
            else:
                self.lost += 1
        worker.kill()
        if not self._closed.is_set():
            self._replace()

    def _take(self, deadline: float, limit: float) -> _Worker:
        while True:
            remaining = deadline - time.monotonic()
            try:
                worker = self._idle.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise TimeoutError(f"no query worker became free within {limit:g} s") from None
            if worker.proc.is_alive():
                return worker
            self._drop(worker, killed=False)

    def _reclaim(self, worker: _Worker) -> None:
        """After a request gave up: keep the worker if it stops by itself within GRACE, else kill it."""
        try:
            if worker.conn.poll(GRACE):
                worker.conn.recv()
                with self._lock:
                    self.busy -= 1
                self._idle.put(worker)
                return
        except (EOFError, OSError):
            pass
        with self._lock:
            self.busy -= 1
        self._drop(worker, killed=True)

    def _release(self, worker: _Worker, *, alive: bool) -> None:
        with self._lock:
            self.busy -= 1
        if alive:
            self._idle.put(worker)
        else:
            self._drop(worker, killed=False)

    def run(self, job: QueryJob, limit: float) -> Answer:
        """``job``'s answer from a worker within ``limit`` seconds; TimeoutError otherwise (the
        worker is then stopped or killed in the background). Raises the job's QueryError."""
        deadline = time.monotonic() + limit
        worker = self._take(deadline, limit)
        with self._lock:
            self.busy += 1
        try:
            worker.conn.send((job, max(0.0, deadline - time.monotonic())))
            reply = worker.conn.recv() if worker.conn.poll(max(0.0, deadline - time.monotonic())) else None
        except (EOFError, OSError) as exc:
            self._release(worker, alive=False)
            raise QueryError(f"query evaluation failed: its worker process exited ({worker.proc.exitcode}); "
                             f"it has been replaced") from OSError(str(exc))
        if reply is None:
            threading.Thread(target=self._reclaim, args=(worker,), name="crisiskg-worker-reclaim", daemon=True).start()
            raise TimeoutError(f"no answer within {limit:g} s")
        self._release(worker, alive=True)
        return _raise(reply, limit)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ the evaluator


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
            raise Stopped(f"stopped after {rows} rows")


class Evaluator:
    """Runs query functions under a deadline: :class:`QueryJob` s on worker processes when there is
    a ``pool``, everything else on a fixed set of daemon threads."""

    def __init__(self, *, timeout: float, max_running: int, pool: WorkerPool | None = None):
        self.timeout = timeout
        self.max_running = max_running
        self.pool = pool
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._running = 0  # thread jobs being evaluated now (including ones whose request gave up)

    @classmethod
    def for_settings(cls, settings: Any, store: Store | None) -> Evaluator:
        """Worker processes for the store ``settings`` name, unless the app was given an open store
        (``settings.store``), ``settings.evaluation`` is ``thread``, or there is no store."""
        pool = None
        if settings.store is None and store is not None and getattr(settings, "evaluation", "process") == "process":
            pool = WorkerPool(settings.store_spec, settings.build_dir, size=settings.max_running_queries,
                              release=getattr(store, "release", None))
        return cls(timeout=settings.query_timeout, max_running=settings.max_running_queries, pool=pool)

    @property
    def running(self) -> int:
        """Evaluations running now: thread jobs and busy worker processes."""
        return self._running + (self.pool.busy if self.pool is not None else 0)

    @property
    def killed(self) -> int:
        """Worker processes killed at the time limit."""
        return self.pool.killed if self.pool is not None else 0

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
                job.done.set()

    def run(self, fn: Callable[[Callable[[int], None]], T], *, timeout: float | None = None) -> T:
        """``fn(check)``'s result, or its exception re-raised here. A :class:`QueryJob` goes to a
        worker process when there are any; anything else runs on a worker thread, where
        ``check(rows)`` raises :class:`Stopped` once the deadline has passed.

        The limit is ``timeout``, else the job's own ``timeout``, else the evaluator's; never more
        than the evaluator's. Raises TimeoutError when no answer came within it.
        """
        asked = timeout if timeout is not None else getattr(fn, "timeout", None)
        limit = self.timeout if asked is None else min(asked, self.timeout)
        if isinstance(fn, QueryJob) and fn.store is not None:
            found = fn.kept(fn.store)  # kept by the build: no worker needed
            if found is not None:
                return found  # type: ignore[return-value]
        if self.pool is not None and isinstance(fn, QueryJob):
            return self.pool.run(replace(fn, store=None), limit)  # type: ignore[return-value]
        self._start()
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
