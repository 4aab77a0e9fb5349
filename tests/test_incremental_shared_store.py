"""Workers that share one copy of the data after an incremental build too (issue 20): a release an
incremental build (or a reissue) publishes carries its own store, made from the previous release's
by a checkpoint (hard links) and the difference (crisiskg.build.delta), quad for quad the store a
full load of its ``dataset.nq`` makes; the files it shares with the previous store keep their
checksums (not read again) and are never changed; when the previous release has no store, the new
one is published without one and the build says why; the server opens the new store on reload."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner

from crisiskg.build import delta
from crisiskg.build.diskstore import STORE, store_files, write_store
from crisiskg.build.integrity import CHECKSUMS, sha256_of, verify
from crisiskg.build.pipeline import build
from crisiskg.build.publish import MANIFEST, Release, current, point_current
from crisiskg.cli import main
from crisiskg.loaders import audits
from crisiskg.query.store import Store
from crisiskg.scale.synth import synthesize
from crisiskg.service import create_app
from crisiskg.service.state import KEY

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)


@dataclass
class Chain:
    """A build folder with a full build, an incremental build and a reissue (``releases[0..2]``,
    with the build's ``notes``), and its seeds."""

    seeds: Path
    out: Path
    releases: list[Release]
    notes: list[str]


def quads_of(folder: Path) -> ox.Dataset:
    """Every quad of the on-disk store ``folder``, its default graph's included (blank nodes, which
    only the ontology has, renamed canonically: a load renames them)."""
    store = ox.Store.read_only(str(folder))
    quads = ox.Dataset(store)
    assert len(quads) == len(store) > 0
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return quads


def files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_ino, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()}


def add_audit(seeds: Path, out: Path) -> None:
    """A complete audit of the current build (every fact right), as a reviewer would leave it."""
    file = seeds / "audits" / "2026-12-05-seed3.yaml"
    said = CliRunner().invoke(main, ["audit", "--sample", "5", "--seed", "3", "--build", str(out), "--out", str(file), "--no-input"])
    assert said.exit_code == 0, said.output
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["audit"]["date"] = "2026-12-05"
    for fact in data["facts"]:
        fact["verdict"] = "right"
    audits.write(file, data)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    folder = tmp_path_factory.mktemp("incremental-store")
    seeds, out, held = folder / "seeds", folder / "build", folder / "held"
    synthesize(articles=10, out=seeds, seed=5)
    held.mkdir()
    stem = max(p.stem for p in (seeds / "articles").glob("*.yaml"))
    moved = [Path(shutil.move(p, held / p.name)) for p in sorted((seeds / "articles").glob(f"{stem}.*"))]
    build(seeds, out)
    releases, notes = [current(out)], [""]
    for p in moved:
        shutil.copy(p, seeds / "articles" / p.name)
    notes.append(build(seeds, out, incremental=True).note)
    releases.append(current(out))
    add_audit(seeds, out)
    notes.append(build(seeds, out, incremental=True).note)
    releases.append(current(out))
    return Chain(seeds, out, releases, notes)


def test_incremental_builds_and_a_reissue_publish_a_store(chain: Chain) -> None:
    assert chain.notes[1].startswith("incremental: added") and chain.notes[2].startswith("incremental: build")
    assert "reissued" in chain.notes[2] and not any("without a store" in n for n in chain.notes), chain.notes
    for release in chain.releases:
        assert store_files(release.path) and Store(release).shared
        verify(release)  # every store file checksummed, those not read again included


def test_the_dataset_checksum_hashed_while_writing_is_the_files(chain: Chain) -> None:
    """The full build, an increment and a reissue each hash ``dataset.nq`` as they write it (the
    increment's first section copied from the previous file in a background thread): the checksum
    in the manifest is the one the file's bytes give."""
    for release in chain.releases:
        assert release.manifest[CHECKSUMS]["dataset.nq"] == sha256_of(release.dataset_file)


@pytest.mark.parametrize("n", [1, 2])
def test_the_store_is_quad_for_quad_a_full_load_of_the_dataset(chain: Chain, tmp_path: Path, n: int) -> None:
    release = chain.releases[n]
    write_store(tmp_path, release.dataset_file)
    assert quads_of(release.path / STORE) == quads_of(tmp_path / STORE)


@pytest.mark.parametrize("n", [1, 2])
def test_files_shared_with_the_previous_store_keep_its_checksums(chain: Chain, n: int) -> None:
    before, after = chain.releases[n - 1], chain.releases[n]
    shared = {f.name for f in store_files(after.path)
              if (before.path / STORE / f.name).exists() and (before.path / STORE / f.name).stat().st_ino == f.stat().st_ino}
    assert shared and any(name.endswith(".sst") for name in shared)  # hard links, not copies
    # only files RocksDB writes once and never changes are shared: its MANIFEST and CURRENT (which
    # it rewrites) and its write-ahead log are the new store's own
    assert all(name.endswith(".sst") or name.startswith("OPTIONS-") for name in shared), shared
    assert any(name.startswith("MANIFEST-") for name in {f.name for f in store_files(after.path)} - shared)
    for name in shared:
        assert after.manifest[CHECKSUMS][f"{STORE}/{name}"] == before.manifest[CHECKSUMS][f"{STORE}/{name}"]
    for f in store_files(after.path):  # and every one, shared or new, is the file it names
        assert after.manifest[CHECKSUMS][f"{STORE}/{f.name}"] == sha256_of(f), f.name


def test_a_file_that_is_not_the_previous_one_is_read_again(chain: Chain, tmp_path: Path) -> None:
    before = chain.releases[0]
    copy = Path(shutil.copytree(before.path, tmp_path / "copy"))  # the same names and bytes, other inodes
    assert delta.reused_checksums(before, copy) == {}
    linked = tmp_path / "linked"
    (linked / STORE).mkdir(parents=True)
    sst = next(f for f in store_files(before.path) if f.suffix == ".sst")
    (linked / STORE / sst.name).hardlink_to(sst)
    assert delta.reused_checksums(before, linked) == {f"{STORE}/{sst.name}": before.manifest[CHECKSUMS][f"{STORE}/{sst.name}"]}


def test_the_previous_store_is_left_as_it_was(tmp_path: Path, chain: Chain) -> None:
    out = Path(shutil.copytree(chain.out, tmp_path / "build", symlinks=True))
    seeds = Path(shutil.copytree(chain.seeds, tmp_path / "seeds"))
    before = current(out)
    served = Store(before)  # a server reading it meanwhile
    count = len(served)
    kept = files(before.path / STORE)
    synthesize(articles=11, out=tmp_path / "more", seed=5)
    extra = max(p.stem for p in (tmp_path / "more" / "articles").glob("*.yaml"))
    for p in (tmp_path / "more" / "articles").glob(f"{extra}.*"):
        shutil.copy(p, seeds / "articles" / p.name)
    result = build(seeds, out, incremental=True)  # on the reissue, itself on an incremental build
    assert result.path == "incremental" and "without a store" not in result.note, result.note
    assert files(before.path / STORE) == kept and len(served) == count
    verify(Release(before.path, before.manifest))
    write_store(tmp_path, current(out).dataset_file)  # and the new one is right, on a chain of three
    assert quads_of(current(out).path / STORE) == quads_of(tmp_path / STORE)


def test_writing_to_a_checkpoint_never_changes_the_store_it_was_made_from(chain: Chain, tmp_path: Path) -> None:
    source = Path(shutil.copytree(chain.releases[0].path / STORE, tmp_path / "source"))  # the fixture's own store stays out of it
    kept = files(source)
    earlier = ox.Store.read_only(str(source))
    earlier.backup(str(tmp_path / "copy"))
    del earlier
    copy = ox.Store(str(tmp_path / "copy"))
    try:  # writes, a flush and a compaction of every file: the copy's files go, or are replaced
        copy.update("DELETE { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }")
        copy.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("o")))
        copy.flush()
        copy.optimize()
    finally:
        del copy
    assert files(source) == kept
    assert len(ox.Store.read_only(str(source))) == len(quads_of(chain.releases[0].path / STORE))


def test_without_a_previous_store_the_release_is_published_without_one_and_says_why(chain: Chain, tmp_path: Path) -> None:
    out = Path(shutil.copytree(chain.out, tmp_path / "build", symlinks=True))
    seeds = Path(shutil.copytree(chain.seeds, tmp_path / "seeds"))
    prev = current(out)
    shutil.rmtree(prev.path / STORE)  # as a release published by older code
    manifest = json.loads((prev.path / MANIFEST).read_text(encoding="utf-8"))
    manifest[CHECKSUMS] = {k: v for k, v in manifest[CHECKSUMS].items() if not k.startswith(f"{STORE}/")}
    (prev.path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(seeds / "audits")  # a reissue with no audit
    result = build(seeds, out, incremental=True)
    assert result.path == "reissue", result.note
    assert result.note.endswith(f"published without a store of its own (it is loaded into memory): build {prev.version} has no store "
                                "of its own to add to"), result.note
    release = current(out)
    assert not (release.path / STORE).exists() and not any(k.startswith(f"{STORE}/") for k in release.manifest[CHECKSUMS])
    assert not Store(release).shared


def test_a_reload_opens_the_incremental_release_store(chain: Chain, tmp_path: Path) -> None:
    out = Path(shutil.copytree(chain.out, tmp_path / "build", symlinks=True))
    point_current(out, Path("releases") / chain.releases[1].path.name)
    app = create_app({"build_dir": out, "max_running_queries": 2, "reload_every": 0})
    st: Any = app.extensions[KEY]
    try:
        pool = st.evaluator.pool
        assert pool is not None and pool.wait_ready(120), pool.start_error if pool else "no worker pool"
        point_current(out, Path("releases") / chain.releases[2].path.name)
        assert st.reload()
        assert st.store.release.path == (out / "releases" / chain.releases[2].path.name) and st.store.shared
        folder = (out / "releases" / chain.releases[2].path.name / STORE).resolve()
        for pid in st.evaluator.pool.pids():  # each worker reads the new release's store files
            held = {Path(p).name for p in _open_files(pid) if Path(p).parent == folder}
            assert any(name.endswith(".sst") for name in held), pid
        resp = app.test_client().get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a a ckg:Article }"},
                                     headers={"Accept": "application/sparql-results+json"})
        assert resp.status_code == 200
        articles = len(list((chain.seeds / "articles").glob("*.yaml")))
        assert int(resp.get_json()["results"]["bindings"][0]["n"]["value"]) == articles
    finally:
        st.close()


def _open_files(pid: int) -> list[str]:
    out = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            out.append(str(Path(fd).readlink()))
        except OSError:
            continue
    return out


def test_a_store_writer_waits_for_the_sections_and_a_cancelled_one_writes_nothing(chain: Chain, tmp_path: Path) -> None:
    """The incremental build starts the release's store (the checkpoint, opened) before its dataset
    exists: given the sections later it makes the store a full load makes; cancelled (the build
    failed), it leaves nothing, and the earlier store is as it was."""
    before, after = chain.releases[0], chain.releases[1]
    sections = json.loads((after.work_dir / "state.json").read_text(encoding="utf-8"))["dataset"]
    old = json.loads((before.work_dir / "state.json").read_text(encoding="utf-8"))["dataset"]
    earlier = quads_of(before.path / STORE)
    cancelled = tmp_path / "cancelled"
    cancelled.mkdir()
    writer = delta.StoreWriter(before, cancelled)
    writer.cancel()
    assert writer.checksums() == {} and writer.why == "the build stopped before its dataset was written"
    assert not (cancelled / STORE).exists()
    staged = tmp_path / "staged"
    staged.mkdir()
    writer = delta.StoreWriter(before, staged)
    (staged / "dataset.nq").hardlink_to(after.dataset_file)  # written after the writer started
    writer.apply(delta.Sections(old["inferred"], old["provenance"], old["size"]),
                 delta.Sections(sections["inferred"], sections["provenance"], sections["size"]))
    assert writer.checksums() and writer.why == ""
    assert quads_of(staged / STORE) == quads_of(after.path / STORE)
    assert quads_of(before.path / STORE) == earlier


def test_a_difference_that_cannot_be_applied_leaves_no_store_and_says_why(chain: Chain, tmp_path: Path) -> None:
    before, after = chain.releases[0], chain.releases[1]
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / "dataset.nq").hardlink_to(after.dataset_file)
    sections = json.loads((after.work_dir / "state.json").read_text(encoding="utf-8"))["dataset"]
    at_new = delta.Sections(sections["inferred"], sections["provenance"], sections["size"])
    old = json.loads((before.work_dir / "state.json").read_text(encoding="utf-8"))["dataset"]
    wrong = delta.Sections(old["inferred"] + 1, old["provenance"], old["size"])  # not at a line's start
    sums, why = delta.release_store(before, wrong, staged, at_new)
    assert sums is None and why.startswith(f"the store of build {before.version} could not be updated: ")  # a line cut: not N-Quads
    assert not (staged / STORE).exists()
    sums, why = delta.release_store(before, delta.Sections(old["inferred"], old["provenance"], old["size"]), staged, at_new)
    assert why == "" and sums and quads_of(staged / STORE) == quads_of(after.path / STORE)
