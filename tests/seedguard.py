"""The ``no_seeds`` mark: a test that reads nothing of the seeds, so a sixth article cannot change it.

``tests/test_sixth_article.py`` runs the whole suite again on a copy of the seeds with an article
added; a test marked ``no_seeds`` is left out of that run, since it would repeat the main run's work
on the same input. The mark is checked, not trusted. In every run, a marked test fails when:

- it asks for a fixture built from the seeds: one of ``SEED_FIXTURES`` (directly or through another
  fixture), or one whose value in use was made by a set-up that read the seeds (in this test or
  before it, ``request.getfixturevalue`` included);
- while its fixtures are set up or it runs, the process opens, lists or copies a path under ``SEEDS``,
  or starts a subprocess whose arguments name ``SEEDS`` (seen through Python's audit hooks).

What the audit hooks cannot see is a seed read made at import time (a module-level constant) or by
a process started earlier; a test that uses such a value must not be marked.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from typing import Any

import pytest
from seedcorpus import SEEDS

RUN_ON_A_COPY = "CRISISKG_SIXTH_ARTICLE_RUN"  # set by tests/test_sixth_article.py in the run on the copy
SEED_FIXTURES = frozenset({"seed_build_dir", "seed_store", "seed_app", "six"})
_SEEDS = str(SEEDS)
SHOWN = 8  # seed reads a failure lists
_PATH_EVENTS = ("open", "os.listdir", "os.scandir", "glob.glob", "shutil.copytree", "shutil.copyfile")

_watching: list[list[str]] = []  # one list of seed reads per set-up or test being watched, innermost last
_from_seeds: set[tuple[int, Any]] = set()  # the fixture values made by a set-up that read the seeds: (id of the definition, cache key)


def _under_seeds(path: Any) -> bool:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str | os.PathLike):
        return False  # an open file descriptor, None
    full = os.path.abspath(os.fspath(path))
    return full == _SEEDS or full.startswith(_SEEDS + os.sep)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _watching:
        return
    if event in _PATH_EVENTS:
        seen = f"{event} {args[0]!s}" if args and _under_seeds(args[0]) else None
    elif event == "subprocess.Popen":
        argv = args[1] if isinstance(args[1], list | tuple) else [args[1]]
        named = any(_SEEDS in os.fsdecode(a) for a in argv if isinstance(a, str | bytes | os.PathLike))
        seen = f"subprocess {' '.join(map(str, argv))}" if named else None
    else:
        return
    if seen:
        for reads in _watching:
            reads.append(seen)


sys.addaudithook(_audit)


def _watch() -> list[str]:
    reads: list[str] = []
    _watching.append(reads)
    return reads


def _unwatch(reads: list[str]) -> None:
    """Stop filling ``reads`` (this very list: another watcher's may hold the same reads)."""
    for at in range(len(_watching) - 1, -1, -1):
        if _watching[at] is reads:
            del _watching[at]
            return


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_seeds: reads nothing of the seeds; the suite's run on a copy of the seeds leaves it out (tests/seedguard.py checks the mark)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = {item: sorted(SEED_FIXTURES.intersection(getattr(item, "fixturenames", ()))) for item in items if item.get_closest_marker("no_seeds")}
    wrong = [f"{item.nodeid} asks for {', '.join(names)}" for item, names in asked.items() if names]
    if wrong:
        raise pytest.UsageError("marked no_seeds but built from the seeds (remove the mark):\n  " + "\n  ".join(wrong))
    if os.environ.get(RUN_ON_A_COPY):
        left = [item for item in items if item.get_closest_marker("no_seeds")]
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = [item for item in items if not item.get_closest_marker("no_seeds")]


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Generator[None, Any, Any]:
    """Record a fixture's value as built from the seeds when its set-up read them."""
    reads = _watch()
    try:
        return (yield)
    finally:
        _unwatch(reads)
        if reads and fixturedef.cached_result is not None:
            _from_seeds.add(_value_of(fixturedef))


def _value_of(fixturedef: pytest.FixtureDef[Any]) -> tuple[int, Any]:
    """Which value of a fixture is set up: its definition and cache key (its parameter, which may not be hashable)."""
    key = fixturedef.cached_result[1] if fixturedef.cached_result is not None else None
    try:
        hash(key)
    except TypeError:
        key = ("id", id(key))  # a parameter lives as long as the session
    return id(fixturedef), key


def _seed_fixtures_used(item: pytest.Item) -> list[str]:
    """The fixtures ``item`` uses whose values were built from the seeds (its request's definitions,
    which include those asked for by ``getfixturevalue``)."""
    defs = getattr(getattr(item, "_request", None), "_fixture_defs", {})
    return sorted({name for name, fd in defs.items() if fd.cached_result is not None and _value_of(fd) in _from_seeds})


def _watched(item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
    if not item.get_closest_marker("no_seeds"):
        return (yield)
    reads = _watch()
    try:
        result = yield
    finally:
        _unwatch(reads)
    built = _seed_fixtures_used(item)
    if reads or built:
        seen = [*(f"fixture {name}, built from the seeds" for name in built), *dict.fromkeys(reads)]
        shown = "\n  ".join(seen[:SHOWN] + ([f"and {len(seen) - SHOWN} more"] if len(seen) > SHOWN else []))
        raise AssertionError(f"{item.nodeid} is marked no_seeds but its {phase} read the seeds (remove the mark):\n  {shown}")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _watched(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _watched(item, "call"))
