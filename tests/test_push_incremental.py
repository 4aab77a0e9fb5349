"""Pushing an incremental build to an on-disk Oxigraph store: the store of the release it was built
from is copied by hard links and the difference applied, and the result is, quad for quad, the
store a full push makes; whenever something it needs is missing, push loads the release in full."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from seedcorpus import SEEDS

from crisiskg.build import delta
from crisiskg.build.delta import Refused, replace_graph
from crisiskg.build.incremental import workstate
from crisiskg.build.pipeline import build
from crisiskg.build.publish import Release, current, point_current
from crisiskg.query.embedded import copy_union
from crisiskg.query.store import open_store
from crisiskg.scale.push import push
from crisiskg.scale.synth import synthesize
from crisiskg.vocab import CKG_URI, INFERRED_GRAPH, PROVENANCE_GRAPH


@dataclass
class Chain:
    """A build folder holding a full build and two incremental builds on it (``releases[0..2]``),
    and a folder of on-disk stores holding the full build's (``stores``, made by a full push)."""

    out: Path
    stores: Path
    releases: list[Release]
    notes: list[str]


def make_chain(seeds: Path, held: list[list[Path]], folder: Path) -> Chain:
    out, stores = folder / "build", folder / "stores"
    build(seeds, out)
    releases, notes = [current(out)], []
    push(f"oxigraph:{stores}", out)
    for article in held:
        for p in article:
            shutil.copy(p, seeds / "articles" / p.name)
        result = build(seeds, out, incremental=True)
        notes.append(result.note)
        releases.append(current(out))
    return Chain(out, stores, releases, notes)


def hold_back(seeds: Path, stems: list[str], into: Path) -> list[list[Path]]:
    """Move the files of the articles ``stems`` out of ``seeds`` into ``into``; each article's files."""
    into.mkdir()
    return [[Path(shutil.move(p, into / p.name)) for p in sorted((seeds / "articles").glob(f"{stem}.*"))] for stem in stems]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    """A synthetic corpus with its last two articles added by incremental builds."""
    folder = tmp_path_factory.mktemp("synthetic")
    seeds = folder / "seeds"
    synthesize(articles=10, out=seeds, seed=5)
    stems = sorted(p.stem for p in (seeds / "articles").glob("*.yaml"))[-2:]
    return make_chain(seeds, hold_back(seeds, stems, folder / "held"), folder)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    """The project's seeds with 003 and 004 (which share events and stances with earlier articles)
    added by incremental builds."""
    folder = tmp_path_factory.mktemp("project")
    seeds = Path(shutil.copytree(SEEDS, folder / "seeds"))
    stems = [next(p.stem for p in (seeds / "articles").glob(f"{n}_*.yaml")) for n in ("003", "004")]
    return make_chain(seeds, hold_back(seeds, stems, folder / "held"), folder)


@pytest.fixture(params=[pytest.param("synthetic", marks=pytest.mark.no_seeds), "project"])
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Chain:
    """A copy of a chain (its build folder and stores), for a test to change."""
    built: Chain = request.getfixturevalue(request.param)
    assert all(note.startswith("incremental:") for note in built.notes), built.notes
    out = Path(shutil.copytree(built.out, tmp_path / "build", symlinks=True))
    stores = Path(shutil.copytree(built.stores, tmp_path / "stores", symlinks=True))
    return Chain(out, stores, [Release(out / "releases" / r.path.name, r.manifest) for r in built.releases], built.notes)


def make_current(chain: Chain, n: int) -> Release:
    point_current(chain.out, Path("releases") / chain.releases[n].path.name)
    return current(chain.out)


def everything(path: Path) -> ox.Dataset:
    """Every quad of the on-disk store at ``path``, the default graph's included, as it holds them
    (its blank nodes, which only the ontology has, renamed canonically: loading renames them)."""
    store = ox.Store.read_only(str(path))
    quads = ox.Dataset(store)
    assert len(quads) == len(store) > 0
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return quads


def full_push(chain: Chain, tmp_path: Path, name: str) -> ox.Dataset:
    """The current release pushed in full to a new folder: its quads."""
    said = push(f"oxigraph:{tmp_path / name}", chain.out)
    assert said.startswith("wrote build"), said
    return everything(tmp_path / name / "current")


def files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p): (p.stat().st_ino, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


def stored_version(path: Path) -> str:
    store = ox.Store.read_only(str(path))
    version = next(iter(store.quads_for_pattern(None, ox.NamedNode(f"{CKG_URI}buildVersion"), None, ox.NamedNode(str(PROVENANCE_GRAPH))))).object
    assert isinstance(version, ox.Literal)
    return version.value


def test_incremental_pushes_equal_full_pushes_and_leave_the_old_store(chain: Chain, tmp_path: Path) -> None:
    spec = f"oxigraph:{chain.stores}"
    for n in (1, 2):
        make_current(chain, n - 1)
        reader = open_store(spec, chain.out)  # a server on the store pushed before
        answer = reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", answers=False).rows
        old = chain.stores / chain.releases[n - 1].path.name
        before = files(old)

        release = make_current(chain, n)
        said = push(spec, chain.out)
        assert said.startswith(f"added 1 article to build {chain.releases[n - 1].version}'s store in "), said
        assert said.endswith(f"and made it {chain.stores / 'current'}")
        assert (chain.stores / "current").resolve() == chain.stores / release.path.name
        assert everything(chain.stores / "current") == full_push(chain, tmp_path, f"full-{n}")

        assert files(old) == before  # not a byte or a link changed
        assert stored_version(old) == chain.releases[n - 1].version
        assert reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", answers=False).rows == answer
        assert open_store(spec, chain.out).version == release.version
    assert not list(chain.stores.glob(".tmp-*"))


def test_the_project_seeds_exercise_an_inferred_triple_becoming_asserted(project: Chain) -> None:
    """One of 003 and 004 asserts what was inferred before, so its inferred section is not the
    previous one plus new lines (the line-by-line path of the push is the one tested)."""
    changed = []
    for before, after in zip(project.releases, project.releases[1:]):
        a, b = workstate.load_state(before), workstate.load_state(after)
        assert a is not None and b is not None
        old = before.dataset_file.read_bytes()[a.inferred_at: a.provenance_at]
        new = after.dataset_file.read_bytes()[b.inferred_at: b.provenance_at]
        changed.append(not new.startswith(old))
    assert any(changed)


def test_a_chain_is_pushed_onto_the_oldest_store_it_holds(chain: Chain, tmp_path: Path) -> None:
    make_current(chain, 2)  # the store holds release 0; release 1 was never pushed
    said = push(f"oxigraph:{chain.stores}", chain.out)
    assert said.startswith(f"added 2 articles to build {chain.releases[0].version}'s store in "), said
    assert everything(chain.stores / "current") == full_push(chain, tmp_path, "full")


def incremental_fallback(chain: Chain, tmp_path: Path, reason: str) -> None:
    said = push(f"oxigraph:{chain.stores}", chain.out)
    assert said.startswith("wrote build") and "(not incrementally: " in said and reason in said, said
    assert everything(chain.stores / "current") == full_push(chain, tmp_path, "full")


@pytest.fixture
def at_one(chain: Chain) -> Iterator[Chain]:
    make_current(chain, 1)
    yield chain


def test_a_full_build_is_pushed_in_full(chain: Chain) -> None:
    shutil.rmtree(chain.stores)
    said = push(f"oxigraph:{chain.stores}", chain.out)  # release 2 is current
    assert said.startswith("wrote build") and "not incrementally" in said  # nothing to add to
    build_dir = chain.out
    point_current(build_dir, Path("releases") / chain.releases[0].path.name)
    said = push(f"oxigraph:{chain.stores}", build_dir)
    assert said.startswith("wrote build") and "not incrementally" not in said, said


def test_without_the_previous_store(at_one: Chain, tmp_path: Path) -> None:
    shutil.rmtree(at_one.stores / at_one.releases[0].path.name)
    incremental_fallback(at_one, tmp_path, "holds no store of a build")


def test_without_the_new_work_state(at_one: Chain, tmp_path: Path) -> None:
    shutil.rmtree(at_one.releases[1].work_dir)
    incremental_fallback(at_one, tmp_path, "has no work state")


def test_without_the_previous_work_state(at_one: Chain, tmp_path: Path) -> None:
    shutil.rmtree(at_one.releases[0].work_dir)
    incremental_fallback(at_one, tmp_path, "has no work state")


def test_without_the_previous_release(at_one: Chain, tmp_path: Path) -> None:
    shutil.rmtree(at_one.releases[0].path)
    incremental_fallback(at_one, tmp_path, "no longer published")


def test_with_a_store_of_another_build_under_the_previous_name(at_one: Chain, tmp_path: Path) -> None:
    name = at_one.stores / at_one.releases[0].path.name
    shutil.rmtree(name)
    point_current(at_one.out, Path("releases") / at_one.releases[2].path.name)
    push(f"oxigraph:{tmp_path / 'other'}", at_one.out)
    shutil.copytree((tmp_path / "other" / "current").resolve(), name)
    make_current(at_one, 1)
    incremental_fallback(at_one, tmp_path, "does not hold build")


def test_with_a_previous_dataset_that_is_not_the_one_built_on(at_one: Chain, tmp_path: Path) -> None:
    dataset = at_one.releases[0].dataset_file
    data = bytearray(dataset.read_bytes())
    data[:1] = b"#"  # same size, so the work state still matches; a comment line
    dataset.write_bytes(bytes(data))
    assert workstate.load_state(at_one.releases[0]) is not None
    incremental_fallback(at_one, tmp_path, "does not start with")


# ---------------------------------------------------------------- the difference, on small graphs

EX = "http://example.org/"
XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"
PROV, INFERRED = f"<{PROVENANCE_GRAPH}>", f"<{INFERRED_GRAPH}>"


def nquads(*lines: str) -> bytes:
    return "".join(f"{line} .\n" for line in lines).encode("utf-8")


def loaded(section: bytes) -> ox.Store:
    store = ox.Store()
    store.bulk_load(input=section, format=ox.RdfFormat.N_QUADS)
    copy_union(store)
    return store


@pytest.mark.parametrize("few", [1000, 0])  # gone quads looked up one by one, or by predicate first (many of them)
def test_a_provenance_triple_leaves_the_union_copy_only_when_no_other_graph_holds_it(few: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delta, "_FEW", few)
    article = f"<{EX}s> <{EX}p> <{EX}o> <{EX}article>"
    shared, alone, inferred = (f"<{EX}s> <{EX}p> <{EX}{o}>" for o in ("o", "gone", "inferred"))
    old = nquads(f"{shared} {PROV}", f"{alone} {PROV}", f"{inferred} {PROV}", f"<{EX}s> <{EX}v> \"1\"^^<{XSD_INT}> {PROV}")
    new = nquads(f"<{EX}s> <{EX}v> \"01\"^^<{XSD_INT}> {PROV}", f"<{EX}s> <{EX}p> <{EX}new> {PROV}")
    rest = nquads(article, f"{inferred} {INFERRED}")
    store = loaded(rest + old)
    replace_graph(store, ox.NamedNode(str(PROVENANCE_GRAPH)), old, new, union=True)
    assert set(store) == set(loaded(rest + new))  # the integer written another way stays


def test_a_difference_that_cannot_be_applied_line_by_line_is_refused() -> None:
    graph = ox.NamedNode(str(PROVENANCE_GRAPH))
    old = nquads(f"<{EX}s> <{EX}v> \"1\"^^<{XSD_INT}> {PROV}", f"<{EX}s> <{EX}v> \"01\"^^<{XSD_INT}> {PROV}")
    new = nquads(f"<{EX}s> <{EX}v> \"01\"^^<{XSD_INT}> {PROV}")  # a gone line of a quad a kept line holds
    with pytest.raises(Refused, match="would hold 0 quads, not the 1 lines"):
        replace_graph(loaded(old), graph, old, new, union=True)
    blank = nquads(f"_:b <{EX}p> <{EX}o> {PROV}")
    with pytest.raises(Refused, match="blank nodes"):
        replace_graph(loaded(old), graph, old, old + blank, union=True)


def test_appended_lines_are_counted_only_when_one_of_them_was_held_already() -> None:
    graph = ox.NamedNode(str(INFERRED_GRAPH))
    old = nquads(f"<{EX}s> <{EX}v> \"1\"^^<{XSD_INT}> {INFERRED}")
    fresh = old + nquads(f"<{EX}s> <{EX}p> <{EX}o> {INFERRED}", f"<{EX}s> <{EX}p> <{EX}o2> {INFERRED}")
    store = loaded(old)
    replace_graph(store, graph, old, fresh, union=False)
    assert set(store) == set(loaded(fresh))
    held = old + nquads(f"<{EX}s> <{EX}v> \"01\"^^<{XSD_INT}> {INFERRED}")  # the quad of the old line, written another way
    with pytest.raises(Refused, match="would hold 1 quads, not the 2 lines"):
        replace_graph(loaded(old), graph, old, held, union=False)
    twice = old + nquads(f"<{EX}s> <{EX}p> <{EX}o> {INFERRED}", f"<{EX}s> <{EX}p> <{EX}o> {INFERRED}")
    store = loaded(old)
    replace_graph(store, graph, old, twice, union=False)  # two lines of one new quad: counted, and right
    assert set(store) == set(loaded(twice))
