"""Workers that share one copy of the data (issue 20): a release carries its own on-disk store
(``store/``, crisiskg.build.diskstore), covered by its checksums; the server and every query worker
open it read-only instead of loading ``dataset.nq`` each, during a reload too; its answers are the
in-memory store's (the same rows and triples; the order of what no ORDER BY sorts may differ); a damaged store is refused like any damaged release; a release
published without one (by older code, or an incremental build on such a release) is loaded into memory as before.
An incremental build's store: tests/test_incremental_shared_store.py.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from flask import Flask

from crisiskg.build import diskstore
from crisiskg.build.diskstore import STORE, store_files, write_store
from crisiskg.build.integrity import CHECKSUMS, verify
from crisiskg.build.publish import MANIFEST, current, point_current, publish
from crisiskg.errors import DamagedRelease
from crisiskg.query.answers import calls
from crisiskg.query.savedqueries import load_queries
from crisiskg.query.sparqltext import bind_values
from crisiskg.query.store import Store, open_store
from crisiskg.service import create_app
from crisiskg.service.state import KEY
from crisiskg.vocab import INFERRED_GRAPH

JSON = {"Accept": "application/sparql-results+json"}
ARTICLES = "SELECT ?a WHERE { ?a a ckg:Article } ORDER BY ?a"


def store_files_open(pid: int, folder: Path) -> set[str]:
    """Names of the files under ``folder`` that process ``pid`` has open."""
    names = set()
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir():
        try:
            target = Path(os.readlink(fd))
        except OSError:
            continue  # closed meanwhile
        if target.parent == folder.resolve():
            names.add(target.name)
    return names


def canonical(kind: str, body: bytes) -> tuple[str, Any]:
    """An answer as the engine wrote it, without the order nothing asked for: a graph's triples
    sorted (a graph is a set), a table's rows sorted (the engines read their indexes in another
    order, and rows an ORDER BY ties on keep that order)."""
    if kind == "graph":
        return kind, sorted(body.splitlines())
    doc = json.loads(body)
    rows = doc.get("results", {}).get("bindings")
    return kind, (doc["head"], sorted(json.dumps(r, sort_keys=True) for r in rows) if rows is not None else doc.get("boolean"))


def without_store(build: Path) -> None:
    """Make ``build``'s current release one published without a store (as older code did): a copy
    of it without ``store/`` and its checksums, made current."""
    old = current(build).path
    new = old.parent / (old.name + "-nostore")
    shutil.copytree(old, new, ignore=shutil.ignore_patterns(STORE))
    manifest = json.loads((new / MANIFEST).read_text(encoding="utf-8"))
    manifest[CHECKSUMS] = {k: v for k, v in manifest[CHECKSUMS].items() if not k.startswith(f"{STORE}/")}
    (new / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    point_current(build, Path("releases") / new.name)


def republish(build: Path) -> Path:
    """Publish a copy of ``build``'s current release (store and all) under a new name, as a new
    build would be published; its path."""
    old = current(build).path
    new = old.parent / (old.name + "-again")
    shutil.copytree(old, new)
    point_current(build, Path("releases") / new.name)
    return new


@pytest.fixture
def build_copy(mini_build: tuple[Path, Any], tmp_path: Path) -> Path:
    out = tmp_path / "build"
    shutil.copytree(mini_build[0], out, symlinks=True)
    return out


@pytest.fixture
def make_app() -> Iterator[Any]:
    apps: list[Flask] = []

    def make(build: Path, **settings: Any) -> Flask:
        app = create_app({"build_dir": build, "max_running_queries": 2, "reload_every": 0, **settings})
        apps.append(app)
        pool = app.extensions[KEY].evaluator.pool
        assert pool is not None and pool.wait_ready(120), pool.start_error if pool else "no worker pool"
        return app

    yield make
    for app in apps:
        app.extensions[KEY].close()


@pytest.mark.no_seeds
def test_a_release_carries_its_store_under_its_checksums(mini_build: tuple[Path, Any]) -> None:
    release = current(mini_build[0])
    files = store_files(release.path)
    assert any(f.suffix == ".sst" for f in files)
    assert {f"{STORE}/{f.name}" for f in files} <= set(release.manifest[CHECKSUMS])
    store = open_store("memory", mini_build[0])
    assert store.shared and store.kind == "memory" and len(store) > 0


@pytest.mark.no_seeds
def test_the_store_holds_every_quad_and_the_asserted_union_however_the_lines_are_written(tmp_path: Path,
                                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ex, dg = "http://example.org/", ox.DefaultGraph()
    g1, g2, inferred = ox.NamedNode(ex + "g1"), ox.NamedNode(ex + "g2"), ox.NamedNode(str(INFERRED_GRAPH))
    s, p, node = ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p"), ox.BlankNode("list1")
    literals = [ox.Literal('say "no" \\ twice\nthen _:not-a-node'), ox.Literal("colour", language="en-GB"),
                ox.Literal("-10.0", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")), ox.Literal("x\u00e9\u4e2d\t")]
    written = [ox.Quad(ox.NamedNode(f"{ex}e{i}"), p, o, g) for i in range(40) for o, g in ((literals[i % 4], g1), (ox.NamedNode(f"{ex}o{i}"), g2))]
    written += [ox.Quad(s, p, ox.NamedNode(ex + "o1"), g2),  # in g1 and g2: one triple in the copy
                ox.Quad(s, p, ox.NamedNode(ex + "o1"), g1),
                ox.Quad(s, p, node, g1), ox.Quad(node, p, literals[0], g1),  # one blank node, in its graph and in the copy
                ox.Quad(s, p, ox.NamedNode(ex + "only-inferred"), inferred)]
    regular = ox.serialize(written[:80], format=ox.RdfFormat.N_QUADS)
    # what pyoxigraph writes (dataset.nq) is read by the pattern: those chunks take the fast path
    assert diskstore._QUAD_LINE.subn(b"", regular)[1] == regular.count(b"\n") == 80
    dataset = tmp_path / "dataset.nq"
    dataset.write_bytes(ox.serialize(written, format=ox.RdfFormat.N_QUADS)
                        + b"<http://example.org/d> <http://example.org/p> <http://example.org/o> .")  # a default-graph line, no newline
    monkeypatch.setattr(diskstore, "CHUNK", 900)  # many chunks: lines cut between reads, each kind of chunk
    write_store(tmp_path, dataset)
    loaded = set(ox.Store.read_only(str(tmp_path / STORE)))
    reference = ox.Store()  # the quads as parsed, their copies made one by one, in a store (which writes -10.0 as -10)
    reference.extend(written + [ox.Quad(q.subject, q.predicate, q.object, dg) for q in written if q.graph_name != inferred]
                     + [ox.Quad(ox.NamedNode(ex + "d"), p, ox.NamedNode(ex + "o"), dg)])
    assert loaded == set(reference)
    assert ox.Quad(s, p, node, dg) in loaded and ox.Quad(node, p, literals[0], dg) in loaded  # the same blank node
    # the full build's way: each section loaded as it is written (asserted, inferred, provenance),
    # with the work store (the asserted and inferred triples, in its default graph) beside it; or
    # nothing, when the build fails first
    prov = ox.NamedNode(ex + "provenance")
    sections = [[q for q in written if q.graph_name != inferred],
                [q for q in written if q.graph_name == inferred] + [ox.Quad(node, p, ox.NamedNode(ex + "o2"), inferred)],
                [ox.Quad(ox.NamedNode(ex + "build"), p, literals[1], prov)]]
    data = b"".join(ox.serialize(section, format=ox.RdfFormat.N_QUADS) or b"" for section in sections)
    ends = [len(ox.serialize(sections[0], format=ox.RdfFormat.N_QUADS) or b"")]
    ends.append(ends[0] + len(ox.serialize(sections[1], format=ox.RdfFormat.N_QUADS) or b""))
    whole = tmp_path / "whole"
    whole.mkdir()
    (whole / "dataset.nq").write_bytes(data)
    write_store(whole, whole / "dataset.nq")
    release = set(ox.Store.read_only(str(whole / STORE)))
    triples = ox.Store()  # in a store, as the work store holds them (-10.0 written as -10)
    triples.extend(ox.Quad(q.subject, q.predicate, q.object, dg) for q in sections[0] + sections[1])
    work_triples = set(triples)
    assert ox.Quad(node, p, ox.NamedNode(ex + "o2"), dg) in work_triples and ox.Quad(node, p, ox.NamedNode(ex + "o2"), dg) not in release
    for folder, complete in ((tmp_path / "split", True), (tmp_path / "cancelled", False)):
        folder.mkdir()
        work = folder / "work"
        with open(folder / "dataset.nq", "wb") as fh:
            loader = diskstore.StoreLoader(folder, folder / "dataset.nq", work=work)
            for start, end, section in ((0, ends[0], diskstore.ASSERTED), (ends[0], ends[1], diskstore.INFERRED)):
                fh.write(data[start:end])  # each section written, then handed to the loader
                fh.flush()
                loader.load(end, section)
            if complete:
                fh.write(data[ends[1]:])
                fh.flush()
                loader.finish(len(data))
                assert loader.wait() == {}
                assert set(ox.Store.read_only(str(folder / STORE))) == release
                assert set(ox.Store.read_only(str(work))) == work_triples
            else:
                loader.cancel()
                loader.join()
                assert loader.error is None and not (folder / STORE).exists() and not work.exists()


@pytest.mark.no_seeds
def test_only_a_full_build_writes_a_store(mini_build: tuple[Path, Any], tmp_path: Path) -> None:
    quads = list(ox.parse(path=str(current(mini_build[0]).dataset_file), format=ox.RdfFormat.N_QUADS))
    full = publish(quads, {"version": "v1", "created": "2020-01-01T00:00:00"}, tmp_path / "full")
    added = publish(quads, {"version": "v2", "created": "2020-01-01T00:00:01", "incremental": {"from": "v1", "articles": []}},
                    tmp_path / "incremental")
    assert store_files(full.path) and not (added.path / STORE).exists()
    assert not any(name.startswith(f"{STORE}/") for name in added.manifest[CHECKSUMS])
    shared, loaded = Store(full), Store(added)
    assert shared.shared and not loaded.shared and len(shared) == len(loaded) == len(quads)


def test_the_shared_store_answers_every_kept_call_as_memory(seed_build_dir: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    shutil.copytree(seed_build_dir, build, symlinks=True)
    shared = Store(current(build))
    without_store(build)
    memory = Store(current(build))
    assert shared.shared and not memory.shared
    assert len(memory) == len(shared) and memory.graphs == shared.graphs
    asked = 0
    for q in load_queries().values():
        for values in calls(q):
            try:
                bound = q.bind(values, memory)
            except Exception:  # noqa: BLE001, S112  # a default this corpus lacks: the kept answers skip it too
                continue
            text = bind_values(q.sparql, bound) if bound else q.sparql
            assert canonical(*shared.serialized(text)) == canonical(*memory.serialized(text)), (q.id, values)
            asked += 1
    assert asked >= len(load_queries())


@pytest.mark.no_seeds
def test_workers_open_the_shared_store_and_load_no_copy(build_copy: Path, make_app: Any) -> None:
    app = make_app(build_copy)
    st = app.extensions[KEY]
    folder = current(build_copy).path / STORE
    assert st.store.shared
    pids = st.evaluator.pool.pids()
    assert len(pids) == 2
    for pid in pids:  # each worker reads the release's store files, not a copy of its own
        assert any(name.endswith(".sst") for name in store_files_open(pid, folder)), pid
    threads = create_app({"store": Store(current(build_copy)), "evaluation": "thread"}).test_client()
    a = app.test_client().get("/sparql", query_string={"query": ARTICLES}, headers=JSON)
    b = threads.get("/sparql", query_string={"query": ARTICLES}, headers=JSON)
    assert a.status_code == 200 and a.data == b.data


@pytest.mark.no_seeds
def test_a_reload_opens_the_new_release_store_and_retires_the_old(build_copy: Path, make_app: Any) -> None:
    app = make_app(build_copy, query_timeout=1)
    st = app.extensions[KEY]
    old_folder = current(build_copy).path / STORE
    old_pids = st.evaluator.pool.pids()
    new = republish(build_copy)
    assert st.reload()
    assert st.store.release.path == new and st.store.shared
    new_pids = st.evaluator.pool.pids()
    assert new_pids and not new_pids & old_pids
    for pid in new_pids:
        assert store_files_open(pid, new / STORE) and not store_files_open(pid, old_folder), pid
    resp = app.test_client().get("/sparql", query_string={"query": ARTICLES}, headers=JSON)
    assert resp.status_code == 200 and resp.get_json()["results"]["bindings"]
    deadline = time.monotonic() + 30  # the old workers are stopped after the longest a query may run
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in old_pids):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in old_pids)


@pytest.mark.no_seeds
def test_a_damaged_store_is_refused_by_name_and_never_reloaded(build_copy: Path, make_app: Any) -> None:
    app = make_app(build_copy)
    st = app.extensions[KEY]
    served = st.store.release.path
    new = republish(build_copy)
    sst = max((f for f in store_files(new) if f.suffix == ".sst"), key=lambda f: f.stat().st_size)
    data = bytearray(sst.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte changed: the same size, other bytes
    sst.write_bytes(bytes(data))
    with pytest.raises(DamagedRelease, match=f"{STORE}/{sst.name} does not match the checksum"):
        verify(current(build_copy))
    assert not st.reload() and not st.reload()
    assert st.store.release.path == served
    assert "crisiskg_build_reload_failures_total 1\n" in app.test_client().get("/metrics").get_data(as_text=True)


@pytest.mark.no_seeds
def test_a_release_without_a_store_is_loaded_into_memory_as_before(build_copy: Path, make_app: Any) -> None:
    shared = make_app(build_copy).test_client().get("/sparql", query_string={"query": ARTICLES}, headers=JSON)
    with_store = current(build_copy).path / STORE  # the same data: still there, and not read
    without_store(build_copy)
    app = make_app(build_copy)
    st = app.extensions[KEY]
    assert not st.store.shared and st.store.kind == "memory"
    for pid in st.evaluator.pool.pids():
        assert not store_files_open(pid, with_store)
    resp = app.test_client().get("/sparql", query_string={"query": ARTICLES}, headers=JSON)
    assert resp.status_code == 200 and resp.data == shared.data
