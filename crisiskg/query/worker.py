"""One worker process of :class:`crisiskg.query.killable.Killable`: what runs in it (:func:`serve`)
and the handle the pool holds (:class:`Worker`).

A worker opens its state once, says :data:`OPEN`, then answers each task sent on its pipe with the
pickled pair ``(True, value)`` or ``(False, exception)``, until the pipe closes or the process that
started it is gone.
"""

from __future__ import annotations

import multiprocessing.connection
import os
import pickle
import resource
import signal
import threading
from collections.abc import Callable
from multiprocessing import parent_process
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

OPEN = b"open"  # a worker's first message: its state is open, or it said why not
PROCESSES = threading.Lock()  # Process.start() reads every child's exit code: one thread at a time reads them
_STATE: dict[str, Any] = {}  # in a worker: "value" (what opener returned) or "error" (why it failed)


class OutOfMemory(Exception):
    """The task needed more memory than its worker may use; its worker ended."""


class OpenFailed(Exception):
    """The worker could not open its state (the message says why)."""


def _vm_size() -> int:
    """This process's virtual memory in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _watch_parent() -> None:
    """End this worker as soon as the process that started it is gone."""
    parent = parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="crisiskg-parent-watch", daemon=True).start()


def _start(opener: Callable[[], Any], memory: int | None, nice: int, started: Any, error: Any) -> None:
    """Lower this process's CPU priority by ``nice``, open the state, then cap the address space at
    what it uses plus ``memory``; count the worker in ``started``, or say why it failed in ``error``."""
    os.environ["RUST_BACKTRACE"] = "0"  # an allocation that fails past the cap: one line, not a backtrace
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stopped at once, even inside an engine call
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a ^C at the terminal is for the server, which stops its workers
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


def _answer(data: bytes) -> bytes:
    """The pickled answer to the pickled task ``data``: ``(fn, args)``, run as ``fn(state, *args)``."""
    try:
        if "error" in _STATE:
            raise OpenFailed(_STATE["error"])
        fn, args = pickle.loads(data)
        message: tuple[bool, Any] = (True, fn(_STATE["value"], *args))
    except MemoryError:
        message = (False, OutOfMemory("a memory allocation failed"))
    except Exception as exc:  # noqa: BLE001  # the task's own exception, raised by the caller
        message = (False, exc)
    try:
        return bytes(ForkingPickler.dumps(message))
    except MemoryError:
        return bytes(ForkingPickler.dumps((False, OutOfMemory("a memory allocation failed"))))
    except Exception as exc:  # noqa: BLE001
        what = "value" if message[0] else f"exception ({type(message[1]).__name__}: {message[1]})"
        return bytes(ForkingPickler.dumps((False, RuntimeError(f"the task's {what} cannot be sent back ({type(exc).__name__}: {exc})"))))


def serve(conn: Connection, opener: Callable[[], Any], memory: int | None, nice: int, started: Any, error: Any) -> None:
    """A worker's life: open the state (see :func:`_start`), say :data:`OPEN`, then answer each task."""
    _start(opener, memory, nice, started, error)
    conn.send_bytes(OPEN)
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        conn.send_bytes(_answer(data))


class Worker:
    """A worker process started from ``ctx`` (a forkserver context) with ``args`` for :func:`serve`,
    and this end of its pipe (``conn``). Raises what starting a process raises."""

    def __init__(self, ctx: Any, args: tuple[Any, ...]):
        here, there = ctx.Pipe()
        self.proc = ctx.Process(target=serve, args=(there, *args), name="crisiskg-worker", daemon=True)
        try:
            with PROCESSES:
                self.proc.start()
        except BaseException:
            here.close()
            raise
        finally:
            there.close()
        self.conn = here
        self.pid: int = self.proc.pid  # type: ignore[assignment]
        self.opened = False  # its OPEN has been read
        self.task: Any = None  # the task it runs, if any
        self.code: int | None = None  # its exit code, once ended
        self._ending = threading.Lock()

    @property
    def waits_on(self) -> list[Any]:
        """What becomes ready when it says something or ends."""
        return [self.conn, self.proc.sentinel]

    def alive(self) -> bool:
        with PROCESSES:
            return not self.conn.closed and self.proc.exitcode is None

    def kill(self) -> None:
        """Kill the process now (if it runs), without waiting for it to end."""
        with PROCESSES:
            if not self.conn.closed and self.proc.exitcode is None:
                self.proc.kill()

    def end(self, kill: bool) -> int | None:
        """Kill the process (``kill``) or wait a little for it to end; its exit code. A second call
        gives the first one's answer."""
        with self._ending:
            if self.conn.closed:
                return self.code
            if kill:
                self.kill()
            multiprocessing.connection.wait([self.proc.sentinel], 5)
            with PROCESSES:
                self.code = self.proc.exitcode
                if self.code is not None:
                    self.proc.close()
                self.conn.close()
            return self.code
