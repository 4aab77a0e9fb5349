"""The incremental build gives exactly the dataset a full build of the same seeds gives."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from crisiskg.build.pipeline import build
from crisiskg.build.publish import current
from crisiskg.errors import ValidationFailed
from crisiskg.scale.synth import synthesize

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

TIMES = {"http://www.w3.org/ns/prov#startedAtTime", "http://www.w3.org/ns/prov#endedAtTime"}


def quads(out: Path) -> tuple[set[str], dict[str, int]]:
    """The published quads without blank nodes (as text) and the size of every graph; build times left out."""
    plain, sizes = set(), {}
    for q in ox.parse(path=str(current(out).dataset_file), format=ox.RdfFormat.N_QUADS):
        sizes[q.graph_name.value] = sizes.get(q.graph_name.value, 0) + 1
        if q.predicate.value in TIMES:
            continue
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode):
            plain.add(str(q))
    return plain, sizes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A synthetic corpus with its last two articles held back."""
    seeds = tmp_path_factory.mktemp("incr") / "seeds"
    synthesize(articles=12, out=seeds, seed=11)
    held = tmp_path_factory.mktemp("held")
    stems = sorted(p.stem for p in (seeds / "articles").glob("*.yaml"))[-2:]
    for stem in stems:
        for p in (seeds / "articles").glob(f"{stem}.*"):
            shutil.move(p, held / p.name)
    return seeds, sorted(held.iterdir())


def test_adding_articles_equals_a_full_build(corpus: tuple[Path, list[Path]], tmp_path: Path) -> None:
    seeds, held = corpus
    seeds = shutil.copytree(seeds, tmp_path / "seeds")
    out = tmp_path / "build"
    build(seeds, out)
    before = current(out).version
    for p in held:
        shutil.copy(p, seeds / "articles" / p.name)
    result = build(seeds, out, incremental=True)
    assert result.note.startswith("incremental:"), result.note
    assert result.manifest["incremental"]["from"] == before
    full_out = tmp_path / "full"
    full = build(seeds, full_out)
    assert result.manifest["version"] == full.manifest["version"]
    assert result.manifest["counts"] == full.manifest["counts"]
    assert result.manifest["inputs"] == full.manifest["inputs"]
    assert quads(out) == quads(full_out)
    again = build(seeds, out, incremental=True)  # nothing new: a full build, and it says why
    assert again.note == "full build: no new article files"


def test_a_changed_registry_falls_back_to_a_full_build(corpus: tuple[Path, list[Path]], tmp_path: Path) -> None:
    for name, change in (("same", "spacing"), ("renamed", "label")):
        seeds = shutil.copytree(corpus[0], tmp_path / name / "seeds")
        out = tmp_path / name / "build"
        build(seeds, out)
        for p in corpus[1]:
            shutil.copy(p, seeds / "articles" / p.name)
        registry = seeds / "registry.yaml"
        text = registry.read_text(encoding="utf-8")
        if change == "spacing":  # the same entries: still incremental
            registry.write_text(text + "\n", encoding="utf-8")
            assert build(seeds, out, incremental=True).note.startswith("incremental:")
            continue
        first = text.index("\n  label: ") + len("\n  label: ")
        registry.write_text(text[:first] + "Renamed " + text[first:], encoding="utf-8")  # an entry the build holds
        result = build(seeds, out, incremental=True)
        assert re.fullmatch(r"full build: seeds/registry\.yaml:\d+: entity '[a-z0-9-]+' changed \(label\)", result.note), result.note
        assert "incremental" not in result.manifest


def test_a_violating_new_article_publishes_nothing(corpus: tuple[Path, list[Path]], tmp_path: Path) -> None:
    seeds = shutil.copytree(corpus[0], tmp_path / "seeds")
    out = tmp_path / "build"
    build(seeds, out)
    before = current(out).path
    yaml_file = next(p for p in corpus[1] if p.suffix == ".yaml")
    for p in corpus[1]:
        if p.stem == yaml_file.stem:
            shutil.copy(p, seeds / "articles" / p.name)
    text = (seeds / "articles" / yaml_file.name).read_text(encoding="utf-8")
    head, sep, events = text.partition("\nevents:")
    assert sep and "value: '2020-" in events
    (seeds / "articles" / yaml_file.name).write_text(head + sep + events.replace("value: '2020-", "value: '2099-", 1), encoding="utf-8")  # after the article
    with pytest.raises(ValidationFailed):
        build(seeds, out, incremental=True)
    assert current(out).path == before
