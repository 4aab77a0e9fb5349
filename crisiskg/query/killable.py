"""The one way to evaluate something that may never end: in a worker process that can be killed.

pyoxigraph cannot be interrupted: one call (an ORDER BY or COUNT over a cross product) can run for
hours and grow without bound. So such work runs in a :class:`Killable` pool of worker processes
started from a ``forkserver`` (never ``fork`` from a threaded process): each worker opens its state
once with ``opener()`` (a store), then runs ``fn(state, *args)`` for each task.

A task goes to an idle worker over that worker's own pipe, from the thread that submits it, and the
thread that waits for it (:func:`outcome`) reads the answer from the pipe itself: no thread of the
pool's own stands between them. A wait that ends before the task does hands it to the pool's
watcher thread, which reads its answer or kills its worker at the time limit.

- A task past its ``timeout`` (counted from when its worker has opened its state) is killed with
  its worker, which is replaced; it then raises :class:`Stopped`.
- With ``memory`` set, a worker may grow at most that many bytes beyond what it holds once its
  state is open (``RLIMIT_AS``): past it an allocation fails, the worker ends, and the task raises
  :class:`OutOfMemory` (the worker is replaced). An on-disk store opened read-only counts what it
  reserved at open (its block cache, its threads); its files are read into the operating system's
  page cache, not mapped into the worker, so they count against no worker's cap.
- With ``nice`` set, workers run at that much lower a CPU priority than the process that started
  them, so busy workers never starve it of the CPU.
- A worker that ends otherwise (killed from outside) makes its task raise :class:`WorkerExited`;
  one that ends while idle is replaced when next needed (a task, or a look at the workers).
- A worker whose ``opener`` failed stays up and answers every task with :class:`OpenFailed`, so a
  store that cannot be opened is reported, not retried in a loop.
- When no worker process can be made (the forkserver cannot start, the system is out of
  processes or file descriptors) and none is idle, a task raises :class:`Unavailable`, and the
  workers are made again when next needed: nothing is retried in between.
- When every worker is busy, :meth:`Killable.submit` waits for one to be free.

A worker exits as soon as the process that started it is gone, even in the middle of a task.
Used by the service's query workers and by the build's kept answers.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import pickle
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.reduction import ForkingPickler
from typing import Any

from crisiskg.query.worker import OPEN, OpenFailed, OutOfMemory, Worker

__all__ = ["Killable", "OpenFailed", "OutOfMemory", "Stopped", "Task", "Unavailable", "WorkerExited", "ended", "outcome"]


class Stopped(Exception):
    """The task ran past its time limit; its worker was killed."""


class WorkerExited(Exception):
    """The task's worker ended by itself or was killed from outside (``exitcode`` says how)."""

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode
        super().__init__(ended(exitcode))


class Unavailable(Exception):
    """No worker process could be made (the message says why); the next task tries again."""


def ended(code: int | None) -> str:
    """How a process ended, from its exit code: "exit status 1", "killed by SIGKILL"."""
    if code is None:
        return "ended unexpectedly"
    if code >= 0:
        return f"exit status {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Task(Future[Any]):
    """A task in a worker: a future whose wait, in the waiting thread, reads the worker's answer and
    kills the worker at the time limit."""

    def __init__(self, pool: Killable, worker: Worker, timeout: float | None):
        super().__init__()
        self.set_running_or_notify_cancel()
        self._pool, self._worker, self._timeout = pool, worker, timeout
        self._deadline = time.monotonic() + timeout if timeout is not None and worker.opened else None
        self._reading = threading.Lock()
        self.watched = False  # the pool's watcher reads it

    def result(self, timeout: float | None = None) -> Any:
        self._wait(timeout)
        return super().result(0)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._wait(timeout)
        return super().exception(0)

    def _wait(self, timeout: float | None) -> None:
        """Read the answer until it is there or ``timeout`` seconds have passed; then, if the task
        runs on, hand it to the watcher. Waits for another reader instead, if there is one."""
        end = None if timeout is None else time.monotonic() + timeout
        if self.done():
            return
        if self.watched or not self._reading.acquire(blocking=False):
            try:
                super().exception(None if end is None else max(0.0, end - time.monotonic()))
            except TimeoutError:
                pass
            return
        try:
            self.read(end)
            if not self.done():
                self._pool.watch(self)
        finally:
            self._reading.release()

    def read(self, end: float | None) -> None:
        """What the worker sent, until the task is done or ``end``; the worker killed at the deadline."""
        w = self._worker
        while not self.done():
            now = time.monotonic()
            limits = [t for t in (end, self._deadline) if t is not None]
            ready = multiprocessing.connection.wait(w.waits_on, max(0.0, min(limits) - now) if limits else None)
            if w.conn in ready:
                self._receive()
            elif ready:  # the process ended without a word
                self._exited()
            elif self._deadline is not None and time.monotonic() >= self._deadline:
                self._pool.finish(self, False, Stopped("stopped at its time limit"), kill=True)
            elif end is not None and time.monotonic() >= end:
                return

    def try_read(self) -> bool:
        """Read what is there now, unless another thread reads (False)."""
        if not self._reading.acquire(blocking=False):
            return False
        try:
            self.read(time.monotonic())
        finally:
            self._reading.release()
        return True

    @property
    def reading(self) -> bool:
        """A thread reads it now."""
        return self._reading.locked()

    @property
    def deadline(self) -> float | None:
        return self._deadline

    def _receive(self) -> None:
        try:
            data = self._worker.conn.recv_bytes()
        except (EOFError, OSError):
            self._exited()
            return
        if data == OPEN:
            self._worker.opened = True
            if self._timeout is not None and self._deadline is None:
                self._deadline = time.monotonic() + self._timeout
            return
        try:
            ok, value = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001  # the task's own answer, which this process cannot read
            ok, value = False, RuntimeError(f"the worker's answer could not be read ({_why(exc)})")
        self._pool.finish(self, ok, value, kill=False)

    def _exited(self) -> None:
        code = self._worker.end(kill=False)  # a failed allocation past the memory cap aborts the process
        error = OutOfMemory(f"its worker ended ({ended(code)})") if code == -signal.SIGABRT else WorkerExited(code)
        self._pool.finish(self, False, error, kill=None)


class Killable:
    """``size`` worker processes, each holding what ``opener`` (picklable) returns; see the module
    docstring. ``preload`` names modules the forkserver imports once, so that workers start fast."""

    def __init__(self, opener: Callable[[], Any], *, size: int, memory: int | None = None, nice: int = 0,
                 preload: tuple[str, ...] = ()):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["crisiskg.query.killable", *preload])
        self.size = size
        self.memory = memory
        self.nice = nice
        self._ctx = ctx
        self._started = ctx.Value("i", 0)
        self._error = ctx.Array("c", 1000)
        self._args = (opener, memory, nice, self._started, self._error)
        self._lock = threading.Lock()
        self._free = threading.Condition(self._lock)
        self._closed = False
        self._workers: list[Worker] = []
        self._idle: list[Worker] = []
        self._watched: set[Task] = set()
        self._watcher: threading.Thread | None = None
        self._wake_r, self._wake_w = multiprocessing.Pipe(duplex=False)  # wakes the watcher
        self._unavailable: str | None = None  # why workers could not be started at the last try
        with self._lock:
            try:
                self._fill()
            except Unavailable:
                pass  # said by `unavailable`; the first task tries again

    def _fill(self) -> None:
        """Start workers up to ``size`` (holding the lock); :class:`Unavailable` when one cannot be made."""
        if self._closed:
            raise Unavailable("the pool is closed")
        try:
            while len(self._workers) < self.size:
                w = Worker(self._ctx, self._args)
                self._workers.append(w)
                self._idle.append(w)
        except (OSError, EOFError) as exc:
            self._unavailable = f"the worker processes could not be started ({_why(exc)})"
            raise Unavailable(self._unavailable) from exc
        self._unavailable = None

    @property
    def started(self) -> int:
        """Workers that have opened their state since the pool began (replacements included)."""
        return int(self._started.value)

    @property
    def start_error(self) -> str | None:
        """Why a worker could not open its state (the last such failure), or None."""
        return self._error.value.decode("utf-8", "replace") or None  # type: ignore[attr-defined]

    @property
    def unavailable(self) -> str | None:
        """Why the worker processes could not be started at the last try, or None (they were)."""
        return self._unavailable

    def pids(self) -> set[int]:
        """Process ids of the workers alive now; idle workers that ended are replaced first."""
        with self._lock:
            gone = [w for w in self._idle if not w.alive()]
            for w in gone:
                self._drop(w)
            try:
                self._fill()
            except Unavailable:
                pass
            workers = list(self._workers)
        for w in gone:
            w.end(kill=True)
        return {w.pid for w in workers if w.alive()}

    def _drop(self, w: Worker) -> None:
        if w in self._workers:
            self._workers.remove(w)
        if w in self._idle:
            self._idle.remove(w)

    def _take(self) -> Worker:
        """An idle worker, made busy; waits while all are busy. :class:`Unavailable` when there is
        none and none can be made."""
        with self._lock:
            while True:
                try:
                    self._fill()
                except Unavailable:
                    if self._closed or not self._workers:
                        raise
                if self._idle:
                    return self._idle.pop()  # the last one freed: its caches are warm
                for w in self._workers:  # tasks no thread waits for still end at their time limit
                    if w.task is not None and not w.task.watched and not w.task.reading:
                        self._watch(w.task)
                self._free.wait()

    def submit(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Task:
        """Run ``fn(state, *args)`` in a worker; a future of its value. :func:`outcome` reads it.
        Raises :class:`Unavailable` when no worker can be started, pickle's errors when ``fn`` or
        ``args`` cannot be sent."""
        data = ForkingPickler.dumps((fn, args))
        while True:
            w = self._take()
            try:
                w.conn.send_bytes(data)
            except OSError:  # it ended while idle: replaced
                with self._lock:
                    self._drop(w)
                w.end(kill=True)
                continue
            w.task = Task(self, w, timeout)
            return w.task

    def watch(self, task: Task) -> None:
        """Let the watcher thread read ``task`` to its end."""
        with self._lock:
            self._watch(task)

    def _watch(self, task: Task) -> None:
        task.watched = True
        self._watched.add(task)
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch_all, name="crisiskg-pool-watcher", daemon=True)
            self._watcher.start()
        self._wake_w.send_bytes(b"")

    def _watch_all(self) -> None:
        """The watcher: reads every watched task until it ends; kills the workers past their time."""
        while True:
            with self._lock:
                tasks = [t for t in self._watched if not t.done()]
                self._watched = set(tasks)
                if self._closed and not tasks:
                    self._watcher = None
                    return
            deadlines = [t.deadline for t in tasks if t.deadline is not None]
            try:
                waits = {t: t._worker.waits_on for t in tasks}
                ready = multiprocessing.connection.wait([self._wake_r, *(x for on in waits.values() for x in on)],
                                                        max(0.0, min(deadlines) - time.monotonic()) if deadlines else None)
            except (OSError, ValueError):  # a task ended (its pipe closed) since it was looked at
                continue
            while self._wake_r.poll():
                self._wake_r.recv_bytes()
            now = time.monotonic()
            due = [t for t, on in waits.items() if any(x in ready for x in on) or (t.deadline is not None and now >= t.deadline)]
            if not all([t.try_read() for t in due]):  # noqa: C419  # every one read, none skipped
                time.sleep(0.001)  # a thread waiting for it reads it now

    def finish(self, task: Task, ok: bool, value: Any, kill: bool | None) -> None:
        """End ``task`` with its value (``ok``) or exception: its worker freed (``kill`` False),
        killed (True) or gone (None), and then replaced."""
        w = task._worker
        if kill:
            w.end(kill=True)
        with self._lock:
            w.task = None
            kept = kill is False and w in self._workers
            if kept:
                self._idle.append(w)
            else:
                self._drop(w)
                try:
                    self._fill()
                except Unavailable:
                    pass
            self._free.notify()
        if kill is False and not kept:  # the pool was closed meanwhile
            w.end(kill=True)
        if ok:
            task.set_result(value)
        else:
            task.set_exception(value)

    def close(self) -> None:
        """Kill every worker; nothing runs after this."""
        with self._lock:
            self._closed = True
            workers, self._workers, self._idle = list(self._workers), [], []
            self._free.notify_all()
            for w in workers:
                w.kill()
                if w.task is not None and not w.task.watched and not w.task.reading:
                    self._watch(w.task)  # the watcher ends it: its worker was killed
        for w in workers:
            if w.task is None:
                w.end(kill=True)


def outcome(future: Future[Any], wait: float | None = None) -> Any:
    """The value of a finished (or, waiting at most ``wait`` seconds, finishing) task. Raises the
    task's own exception, :class:`Stopped`, :class:`OutOfMemory`, :class:`WorkerExited`,
    :class:`OpenFailed`, or ``concurrent.futures.TimeoutError`` when ``wait`` passed first."""
    return future.result(wait)
