"""The one way to evaluate something that may never end: in a worker process that can be killed.

pyoxigraph cannot be interrupted: one call (an ORDER BY or COUNT over a cross product) can run for
hours and grow without bound. So such work runs in a :class:`Killable` pool (pebble's
``ProcessPool`` started from a ``forkserver``, never ``fork`` from a threaded process): each worker
opens its state once with ``opener()`` (a store), then runs ``fn(state, *args)`` for each task.

- A task past its ``timeout`` is killed with its worker, which pebble replaces; its future then
  raises :class:`Stopped`.
- With ``memory`` set, a worker may grow at most that many bytes beyond what it holds once its
  state is open (``RLIMIT_AS``): past it an allocation fails, the worker ends, and the task raises
  :class:`OutOfMemory` (the worker is replaced). An on-disk store opened read-only counts what it
  reserved at open (its block cache, its threads); its files are read into the operating system's
  page cache, not mapped into the worker, so they count against no worker's cap.
- With ``nice`` set, workers run at that much lower a CPU priority than the process that started
  them, so busy workers never starve it of the CPU.
- A worker that ends otherwise (killed from outside) makes its task raise :class:`WorkerExited`.
- A worker whose ``opener`` failed stays up and answers every task with :class:`OpenFailed`, so a
  store that cannot be opened is reported, not retried in a loop.
- When no worker process can be made (the forkserver cannot start, the system is out of
  processes or file descriptors) a task raises :class:`Unavailable`, and the pool is made again
  when next needed (a task, or a look at the workers): nothing is retried in between.

A worker exits as soon as the process that started it is gone, even in the middle of a task.
Used by the service's query workers and by the build's kept answers.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pebble

_ERROR = pebble.pool.base_pool.PoolStatus.ERROR
_STATE: dict[str, Any] = {}  # in a worker: "value" (what opener returned) or "error" (why it failed)


class Stopped(Exception):
    """The task ran past its time limit; its worker was killed."""


class OutOfMemory(Exception):
    """The task needed more memory than its worker may use; its worker ended."""


class WorkerExited(Exception):
    """The task's worker ended by itself or was killed from outside (``exitcode`` says how)."""

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode
        super().__init__(ended(exitcode))


class OpenFailed(Exception):
    """The worker could not open its state (the message says why)."""


class Unavailable(Exception):
    """No worker process could be made (the message says why); the next task tries again."""


def _why(exc: BaseException) -> str:
    """What failed, in one line: the operating system's error under pebble's BrokenProcessPool."""
    cause = exc.__cause__ if isinstance(exc, BrokenProcessPool) and exc.__cause__ is not None else exc
    return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__


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


def _vm_size() -> int:
    """This process's virtual memory in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _watch_parent() -> None:
    """End this worker as soon as the process that started it is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="crisiskg-parent-watch", daemon=True).start()


def _start(opener: Callable[[], Any], memory: int | None, nice: int, started: Any, error: Any) -> None:
    """A worker's initializer: lower its CPU priority by ``nice``, open the state, then cap the
    address space at what it uses plus ``memory``; count the worker in ``started``, or say why it
    failed in ``error``."""
    os.environ["RUST_BACKTRACE"] = "0"  # an allocation that fails past the cap: one line, not a backtrace
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stopped at once, even inside an engine call
    _watch_parent()
    if nice:
        os.nice(nice)
    try:
        _STATE["value"] = opener()
    except Exception as exc:  # noqa: BLE001  # reported by every task of this worker
        _STATE["error"] = f"{type(exc).__name__}: {exc}"
        error.value = _STATE["error"].encode("utf-8", "replace")[: len(error) - 1]
        return
    if memory is not None and _vm_size():
        cap = _vm_size() + memory
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    with started.get_lock():
        started.value += 1


def _ping() -> None:
    """A task that does nothing."""


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    if "error" in _STATE:
        raise OpenFailed(_STATE["error"])
    try:
        return fn(_STATE["value"], *args)
    except MemoryError:
        raise OutOfMemory("a memory allocation failed") from None


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
        self._opener = opener
        self._started = ctx.Value("i", 0)
        self._error = ctx.Array("c", 1000)
        self._lock = threading.Lock()
        self._closed = False
        self._pool: pebble.ProcessPool | None = None
        self._unavailable: str | None = None  # why the last pool could not be started
        try:
            self._current()
        except Unavailable:
            pass  # said by `unavailable`; the first task tries again

    def _new_pool(self) -> pebble.ProcessPool:
        """A started pool; :class:`Unavailable` when its workers cannot be made."""
        pool = pebble.ProcessPool(max_workers=self.size, initializer=_start,
                                  initargs=(self._opener, self.memory, self.nice, self._started, self._error), context=self._ctx)
        try:
            pool.schedule(_ping)  # pebble starts its workers with the first task: start them now
        except (OSError, EOFError, BrokenProcessPool) as exc:
            pool.stop()
            pool.join()  # never started: only the workers made before the failure are stopped
            raise Unavailable(f"the worker processes could not be started ({_why(exc)})") from exc
        return pool

    def _current(self) -> pebble.ProcessPool:
        """The pool, made again if pebble gave it up (it does when a worker ends while no task runs:
        the worker was killed from outside; or when a worker cannot be replaced) or it could not be
        started. Raises :class:`Unavailable` when it cannot be made now."""
        with self._lock:
            if self._pool is not None and (self._closed or self._pool._context.status != _ERROR):
                return self._pool
            if self._closed:
                raise Unavailable("the pool is closed")
            try:
                pool = self._new_pool()
            except Unavailable as exc:
                self._unavailable = str(exc)
                raise
            old, self._pool, self._unavailable = self._pool, pool, None
            if old is not None:
                threading.Thread(target=old.stop, name="crisiskg-pool-stop", daemon=True).start()
            return pool

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
        """Process ids of the workers alive now (none when they cannot be started)."""
        try:
            pool = self._current()
        except Unavailable:
            return set()
        workers = pool._pool_manager.worker_manager.workers  # pebble keeps them by pid
        return {pid for pid, proc in list(workers.items()) if proc.is_alive()}

    def submit(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Future[Any]:
        """Run ``fn(state, *args)`` in a worker; a future of its value. :func:`outcome` reads it.
        Raises :class:`Unavailable` when no worker can be started."""
        return self._current().schedule(_call, args=(fn, args), timeout=timeout)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Kill every worker; nothing runs after this."""
        with self._lock:
            self._closed = True
            pool = self._pool
        if pool is not None:
            pool.stop()
            pool.join(5)


def outcome(future: Future[Any], wait: float | None = None) -> Any:
    """The value of a finished (or, waiting at most ``wait`` seconds, finishing) task. Raises the
    task's own exception, :class:`Stopped`, :class:`OutOfMemory`, :class:`WorkerExited`,
    :class:`OpenFailed`, :class:`Unavailable` (a worker could not be replaced), or
    ``concurrent.futures.TimeoutError`` when ``wait`` passed first."""
    try:
        return future.result(wait)
    except FutureTimeout:
        if not future.done():
            raise
        raise Stopped("stopped at its time limit") from None
    except pebble.ProcessExpired as exc:
        if exc.exitcode == -signal.SIGABRT:  # a failed allocation past the cap aborts the process
            raise OutOfMemory(f"its worker ended ({ended(exc.exitcode)})") from None
        raise WorkerExited(exc.exitcode) from None
    except BrokenProcessPool as exc:  # pebble gives a pool up when a worker ends with no task running; it is replaced
        if isinstance(exc.__cause__, (OSError, EOFError)):  # or when a worker cannot be made: the next task tries again
            raise Unavailable(f"the worker processes failed ({_why(exc)})") from None
        raise WorkerExited(None) from None
