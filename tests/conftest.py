"""Shared fixtures, in layers: paths -> built datasets (once per session) -> stores.

Area-specific fixtures (apps, clients, servers, browsers) live beside their tests. The seeds are
``seedcorpus.SEEDS``: the repository's seeds/, or the folder CRISISKG_TEST_SEEDS names.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from seedcorpus import ROOT, SEEDS

from crisiskg.build.pipeline import build
from crisiskg.build.stages import BuildResult
from crisiskg.query.answers import keep_answers
from crisiskg.query.store import Store

pytest_plugins = ["seedguard"]  # the no_seeds mark, checked (tests/seedguard.py)

MINI = ROOT / "tests" / "fixtures" / "mini"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def seed_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seeds (or those CRISISKG_TEST_SEEDS names), built and published once per session."""
    out = tmp_path_factory.mktemp("seed-build")
    keep_answers(build(SEEDS, out))
    return out


@pytest.fixture(scope="session")
def seed_store(seed_build_dir: Path) -> Store:
    return Store.open(seed_build_dir)


@pytest.fixture
def evaluations(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every query the seeds' store evaluates (through ``Store.query``), in order, during the test."""
    seen: list[str] = []
    real = seed_store.query

    def counting(sparql: str, **kwargs: Any) -> Any:
        seen.append(sparql)
        return real(sparql, **kwargs)

    monkeypatch.setattr(seed_store, "query", counting)
    yield seen


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The small fixture corpus (tests/fixtures/mini), built once per session."""
    out = tmp_path_factory.mktemp("mini-build")
    result = build(MINI, out)
    keep_answers(result)
    return out, result


@pytest.fixture(scope="session")
def mini_store(mini_build: tuple[Path, BuildResult]) -> Store:
    return Store.open(mini_build[0])


@pytest.fixture(scope="module")
def app(mini_store: Store) -> Flask:
    """The HTTP service on the mini corpus (a module may override it, e.g. with the seeds)."""
    from crisiskg.service import create_app

    return create_app({"store": mini_store})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def seed_app(seed_store: Store) -> Flask:
    """The HTTP service on the seeds' build (a module uses it by overriding ``app`` with it)."""
    from crisiskg.service import create_app

    app = create_app({"store": seed_store})
    app.config["TESTING"] = True
    return app


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture seeds, for tests that break them."""
    dest = tmp_path / "seeds"
    shutil.copytree(MINI, dest)
    return dest
