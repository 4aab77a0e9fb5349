"""The killable pool itself (``crisiskg.query.killable``): each task's answer reaches the thread that
asked for it, and a task's time limit holds whether or not anyone still waits for it.

Real worker processes from the forkserver; the tasks and openers are this module's functions.
Time bounds are generous: nothing here asserts a latency.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from crisiskg.query.killable import Killable, Stopped, Unavailable, WorkerExited, outcome

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)


def opened() -> str:
    return "state"


def opened_slowly() -> str:
    time.sleep(1.5)
    return "slow state"


def echo(state: str, value: Any) -> tuple[str, Any, int]:
    return state, value, os.getpid()


def sleep(state: str, seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.fixture
def pool() -> Iterator[Killable]:
    pool = Killable(opened, size=2)
    yield pool
    pool.close()


def test_each_answer_reaches_the_thread_that_asked(pool: Killable) -> None:
    got: dict[int, list[Any]] = {n: [] for n in range(6)}

    def ask(n: int) -> None:
        for k in range(40):
            got[n].append(outcome(pool.submit(echo, (n, k), timeout=30), wait=30)[1])

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert got == {n: [(n, k) for k in range(40)] for n in range(6)}
    assert len(pool.pids()) == 2 and pool.started == 2  # nothing was killed on the way


def test_a_task_whose_waiter_gave_up_is_still_stopped_at_its_limit(pool: Killable) -> None:
    before = pool.pids()
    task = pool.submit(sleep, 60, timeout=1.0)
    with pytest.raises(TimeoutError):
        outcome(task, wait=0.2)  # the waiter goes; the pool's watcher stays
    heard: list[Future[Any]] = []
    task.add_done_callback(heard.append)
    deadline = time.monotonic() + 20
    while not heard and time.monotonic() < deadline:
        time.sleep(0.05)
    assert heard == [task]
    with pytest.raises(Stopped):
        outcome(task)
    after = pool.pids()
    assert len(after) == 2 and len(before - after) == 1, "exactly the stopped task's worker was replaced"
    assert outcome(pool.submit(echo, "next", timeout=30), wait=30)[:2] == ("state", "next")


def test_a_task_nobody_waits_for_ends_at_its_limit_when_its_worker_is_needed(pool: Killable) -> None:
    forgotten = [pool.submit(sleep, 60, timeout=1.0) for _ in range(2)]  # both workers busy, nobody waiting
    started = time.monotonic()
    answer = outcome(pool.submit(echo, "third", timeout=30), wait=30)  # waits for a worker to be free
    assert answer[:2] == ("state", "third")
    assert time.monotonic() - started < 20
    for task in forgotten:
        with pytest.raises(Stopped):
            outcome(task, wait=20)


def test_the_limit_counts_from_when_the_worker_has_opened_its_state() -> None:
    pool = Killable(opened_slowly, size=1)
    try:
        assert outcome(pool.submit(echo, 1, timeout=0.8), wait=30)[:2] == ("slow state", 1)  # opening takes longer than the limit
        with pytest.raises(Stopped):
            outcome(pool.submit(sleep, 60, timeout=0.8), wait=30)
        assert outcome(pool.submit(echo, 2, timeout=0.8), wait=30)[:2] == ("slow state", 2)  # a new worker, opened again
        assert pool.started == 2
    finally:
        pool.close()


def test_closing_ends_a_running_task_and_refuses_new_ones(pool: Killable) -> None:
    task = pool.submit(sleep, 60, timeout=120)
    closer = threading.Timer(0.5, pool.close)
    closer.start()
    started = time.monotonic()
    with pytest.raises(WorkerExited):
        outcome(task, wait=30)
    assert time.monotonic() - started < 20
    closer.join()
    with pytest.raises(Unavailable, match="closed"):
        pool.submit(echo, 1)
    assert pool.pids() == set()
