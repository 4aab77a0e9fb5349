"""The build pauses Python's cyclic garbage collector while it reads the seeds and makes the
quads, and gives it back as it found it: after a build, a failed one, nested pauses and pauses
in several threads."""

from __future__ import annotations

import gc
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from crisiskg.build.pipeline import build
from crisiskg.build.stages import collector_paused
from crisiskg.errors import SeedError

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"  # not imported from conftest: tests/browser has one too


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_read_and_load_run_with_the_collector_paused(collector_on: None) -> None:
    seen: dict[str, bool] = {}
    build(MINI, None, on_stage=lambda name, _s: seen.setdefault(name, gc.isenabled()))
    assert seen == {"read": False, "load": False, "reason": True, "validate": True}
    assert gc.isenabled()


def test_a_build_that_fails_while_reading_gives_the_collector_back(collector_on: None, tmp_path: Path) -> None:
    seeds = tmp_path / "mini"
    shutil.copytree(MINI, seeds)
    (seeds / "registry.yaml").write_text("entities: [\n", encoding="utf-8")  # a YAML syntax error
    with pytest.raises(SeedError):
        build(seeds, None)
    assert gc.isenabled()


def test_a_collector_off_before_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_nested_and_overlapping_pauses_restore_it_once_all_end(collector_on: None) -> None:
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread's block is still open
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_an_error_inside_the_block_restores_it(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
