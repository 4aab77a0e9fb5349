"""A build published while the service runs is served without a restart (crisiskg.service.state.State.reload)."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from crisiskg.build.pipeline import build
from crisiskg.build.publish import current
from crisiskg.query.answers import keep_answers
from crisiskg.scale.push import push
from crisiskg.scale.synth import synthesize
from crisiskg.service import create_app
from crisiskg.service.state import KEY, State
from tests.serving import running_server

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ARTICLES = "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a ckg:Article }"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A small synthetic corpus with its last article held back (to be added while serving)."""
    seeds = tmp_path_factory.mktemp("reload") / "seeds"
    synthesize(articles=4, out=seeds, seed=5)
    held = tmp_path_factory.mktemp("held")
    last = max(p.stem for p in (seeds / "articles").glob("*.yaml"))
    for p in (seeds / "articles").glob(f"{last}.*"):
        shutil.move(p, held / p.name)
    return seeds, sorted(held.iterdir())


@pytest.fixture
def built(corpus: tuple[Path, list[Path]], tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    seeds = shutil.copytree(corpus[0], tmp_path / "seeds")
    out = tmp_path / "build"
    keep_answers(build(seeds, out))
    return seeds, out, corpus[1]


def add_article(seeds: Path, out: Path, held: list[Path]) -> str:
    for p in held:
        shutil.copy(p, seeds / "articles" / p.name)
    result = build(seeds, out, incremental=True)
    keep_answers(result)
    return str(result.manifest["version"])


def count_articles(app: Flask) -> int:
    resp = app.test_client().get("/sparql", query_string={"query": ARTICLES}, headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return int(resp.get_json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def make_app() -> Iterator:
    apps: list[Flask] = []

    def make(settings: dict) -> Flask:
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions[KEY].close()


def test_a_new_build_is_swapped_in(built: tuple[Path, Path, list[Path]], make_app) -> None:
    seeds, out, held = built
    app = make_app({"build_dir": out, "reload_every": 0, "evaluation": "thread"})
    st: State = app.extensions[KEY]
    client = app.test_client()
    first = client.get("/readyz").get_json()["version"]
    before = count_articles(app)
    etag = client.get("/sparql", query_string={"query": ARTICLES}).headers["ETag"]
    assert st.reload() is False  # nothing new published
    version = add_article(seeds, out, held)
    assert version != first
    assert st.reload() is True
    assert client.get("/readyz").get_json()["version"] == version == current(out).version
    assert count_articles(app) == before + 1  # answered from the new build, not from the response cache
    assert client.get("/sparql", query_string={"query": ARTICLES}).headers["ETag"] != etag
    assert st.reload() is False
    assert "crisiskg_build_reloads_total 1\n" in client.get("/metrics").get_data(as_text=True)


def test_a_build_that_cannot_be_opened_leaves_the_served_one(built: tuple[Path, Path, list[Path]], tmp_path: Path, make_app) -> None:
    """An on-disk store not yet pushed for the new build: the old build keeps serving until the push."""
    seeds, out, held = built
    spec = f"oxigraph:{tmp_path / 'oxigraph'}"
    push(spec, out)
    app = make_app({"build_dir": out, "store_spec": spec, "reload_every": 0, "evaluation": "thread"})
    st: State = app.extensions[KEY]
    first, before = st.version, count_articles(app)
    version = add_article(seeds, out, held)
    assert st.reload() is False
    assert st.version == first and count_articles(app) == before
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert "crisiskg_build_reload_failures_total 1\n" in metrics
    push(spec, out)
    assert st.reload() is True
    assert st.version == version and count_articles(app) == before + 1


def test_a_missing_release_keeps_the_served_build(built: tuple[Path, Path, list[Path]], make_app) -> None:
    _seeds, out, _held = built
    app = make_app({"build_dir": out, "reload_every": 0, "evaluation": "thread"})
    st: State = app.extensions[KEY]
    first = st.version
    link = out / "current"
    target = os.readlink(link)
    link.unlink()
    link.symlink_to("releases/does-not-exist")
    try:
        assert st.reload() is False
        assert app.test_client().get("/readyz").get_json()["version"] == first
    finally:
        link.unlink()
        link.symlink_to(target)


def test_a_running_server_picks_up_an_incremental_build(built: tuple[Path, Path, list[Path]], tmp_path: Path) -> None:
    """A real `crisiskg serve` (query worker processes) looking every 0.2 s: the added article is
    answered without a restart, and the saved question's answer is not the cached old one."""
    seeds, out, held = built
    with running_server(out, tmp_path / "serve.log", extra=["--reload-every", "0.2"]) as base:
        def get(path: str) -> dict:
            req = urllib.request.Request(base + path, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())

        first = get("/readyz")["version"]
        rows = len(get("/queries/articles?_format=json")["results"]["bindings"])
        version = add_article(seeds, out, held)
        deadline = time.monotonic() + 60
        while get("/readyz")["version"] != version:
            assert time.monotonic() < deadline, f"still serving {first} 60 s after {version} was published"
            time.sleep(0.1)
        assert len(get("/queries/articles?_format=json")["results"]["bindings"]) == rows + 1


def test_reload_every_must_not_be_negative() -> None:
    from crisiskg.service.settings import SettingsError, load_settings

    assert load_settings({"reload_every": "0"}).reload_every == 0
    assert load_settings(environ={"CRISISKG_RELOAD_EVERY": "0.5"}).reload_every == 0.5
    with pytest.raises(SettingsError, match="reload_every"):
        load_settings({"reload_every": -1})
