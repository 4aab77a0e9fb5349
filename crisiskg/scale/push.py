"""Copying a published build into another store: an on-disk Oxigraph store (a folder per release,
swapped atomically) or a remote SPARQL store over the Graph Store Protocol."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build import delta
from crisiskg.build.publish import Release, current, point_current
from crisiskg.errors import PublishError
from crisiskg.query.embedded import Embedded, copy_union
from crisiskg.query.remote import PROV_ENTITY, PROV_MEMBER, PUSHED_GRAPH, Remote
from crisiskg.query.store import parse_spec, stored_version
from crisiskg.vocab import GRAPH, PROVENANCE_GRAPH

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

Progress = Callable[[str, int, int], None]  # (what is being done, steps done, steps in all; 0 and 0: not counted)
OnStage = Callable[[str, float], None]  # (a stage that finished, its seconds)


@contextmanager
def _stage(name: str, progress: Progress | None, on_stage: OnStage | None) -> Iterator[None]:
    """One stage of a push: ``progress`` told as it starts, ``on_stage`` once it has finished (not when it fails)."""
    import time

    if progress is not None:
        progress(name, 0, 0)
    t0 = time.perf_counter()
    yield
    if on_stage is not None:
        on_stage(name, round(time.perf_counter() - t0, 3))


def push(spec: str, build_dir: Path | str, *, keep: int = 3, replace_existing: bool = False,
         progress: Progress | None = None, on_stage: OnStage | None = None) -> str:
    """Copy the current published build under ``build_dir`` into the store ``spec`` names.

    ``oxigraph:PATH``: a new store PATH/<release>, bulk-loaded and made PATH/current atomically (a
    reader keeps the one it opened); older ones beyond ``keep`` are removed. ``sparql:URL``: see
    :func:`push_remote` (only graphs push created are replaced or deleted; ``replace_existing``
    takes over same-named graphs it did not create). ``memory``: nothing to do. Returns a one-line summary. Raises PublishError.

    ``progress`` is told what is at work (each stage as it starts, each graph of a remote push) and
    ``on_stage`` of each stage once done, with its seconds: ``load``, ``union copy``, ``optimize``
    (or ``increment``) and ``current`` on disk; ``claim``, ``put``, ``delete`` and ``record`` remotely.

    An incremental build (``crisiskg build --incremental``) is pushed onto the store PATH holds of
    the release it was built from (copied by hard links, the difference applied: far less than a
    full load), or else loaded in full (see :func:`_push_increment`); the summary says which.
    """
    import shutil

    kind, arg = parse_spec(spec)
    release = current(build_dir)
    if kind == "memory":
        return "the memory store reads the published build directly; nothing to push"
    if kind == "oxigraph":
        root = Path(arg)
        root.mkdir(parents=True, exist_ok=True)
        final = root / release.path.name
        done = f"build {release.version} was already at {final}"
        if not final.exists():
            why: str | None = None
            try:
                with _stage("increment", progress, on_stage):
                    done = _push_increment(root, final, release, Path(build_dir))
            except _Rebuild as exc:  # left before the full load, so that the stores its traceback holds close
                why = str(exc)
            if why is not None:
                done = _push_full(root, final, release, progress, on_stage) + (f" (not incrementally: {why})" if release.manifest.get("incremental") else "")
        with _stage("current", progress, on_stage):  # made current, older stores removed
            point_current(root, Path(final.name))
            stores = sorted((p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
                            key=lambda p: p.stat().st_mtime)
            for old in stores[:-keep]:
                if old != final:
                    shutil.rmtree(old, ignore_errors=True)
        return f"{done} and made it {root / 'current'}"
    return push_remote(arg, release, replace_existing=replace_existing, progress=progress, on_stage=on_stage)


def push_remote(url: str, release: Release, *, replace_existing: bool = False, progress: Progress | None = None,
                on_stage: OnStage | None = None) -> str:
    """Copy ``release`` into the SPARQL store at ``url`` over the Graph Store Protocol, touching
    only the graphs push created there.

    Push's graphs are those the build on the server names as its own (each graph of a release is a
    ``prov:Entity`` in its provenance graph) and those a push claimed (:data:`PUSHED_GRAPH`,
    ``prov:hadMember`` each graph). The claim is widened first to the build's graphs (so an
    interrupted push still owns what it wrote), each build graph is PUT (the provenance graph,
    which carries the build version, last), graphs push owned that the build no longer has are
    DELETEd, and the claim is dropped: the provenance graph now names the build's graphs. (A graph
    the build's provenance does not name stays claimed.) With no claim left, a server whose
    default graph is the union of its graphs can answer from it when it holds only the build's.
    A build graph already on the server but not push's is refused (someone else's data) unless
    ``replace_existing``. Every other graph is left alone. Returns what it did; PublishError.
    """
    remote = Remote(url)
    by_graph: dict[str, list[Any]] = {}
    for quad in ox.parse(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.DefaultGraph):
            raise PublishError("the published dataset has triples in the default graph; only named graphs can be pushed")
        by_graph.setdefault(quad.graph_name.value, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    try:
        ours = remote.pushed_graphs() or set()
        held = remote.graphs_held(set(by_graph) | ours)
        foreign = sorted((held & set(by_graph)) - ours)
        if foreign and not replace_existing:
            raise PublishError(f"{url} already holds {len(foreign)} graph(s) of this build that crisiskg push did not create "
                               f"(e.g. {foreign[0]}); push never replaces someone else's graph: delete them, or pass "
                               f"--replace-existing to take them over")
        order = sorted(g for g in by_graph if g != str(PROVENANCE_GRAPH)) + [g for g in by_graph if g == str(PROVENANCE_GRAPH)]
        gone = sorted((ours & held) - set(by_graph))
        total = len(order) + len(gone) + 2
        tell = progress or (lambda what, done, total: None)
        tell("recording the graphs push writes", 0, total)
        with _stage("claim", None, on_stage):
            remote.put_graph(PUSHED_GRAPH, _record(ours | set(by_graph)))
        with _stage("put", None, on_stage):
            for i, g in enumerate(order, 1):
                tell(f"PUT {g}", i, total)
                remote.put_graph(g, ox.serialize(by_graph[g], format=ox.RdfFormat.N_TRIPLES) or b"")
        with _stage("delete", None, on_stage):
            for i, g in enumerate(gone, len(order) + 1):
                tell(f"DELETE {g}", i, total)
                remote.delete_graph(g)
        with _stage("record", None, on_stage):
            tell("recording the graphs pushed", len(order) + len(gone) + 1, total)
            unnamed = set(by_graph) - _named(by_graph.get(str(PROVENANCE_GRAPH), []))
            if unnamed:
                remote.put_graph(PUSHED_GRAPH, _record(unnamed))
            else:
                remote.delete_graph(PUSHED_GRAPH)
        tell("done", total, total)
    except OSError as exc:
        raise PublishError(f"could not push to sparql:{url}: {exc}") from exc
    finally:
        remote.close()
    replaced = len(set(by_graph) & held)
    return (f"pushed build {release.version} to {remote.url}: {len(by_graph)} graphs, {sum(map(len, by_graph.values()))} triples "
            f"({replaced} replaced, {len(by_graph) - replaced} new); deleted {len(gone)} graph(s) of an earlier push"
            f"{': ' + ', '.join(gone) if gone else ''}; every other graph left untouched")


def _record(graphs: set[str]) -> bytes:
    """N-Triples of push's record: ``<PUSHED_GRAPH> prov:hadMember <g>`` for each graph."""
    return "".join(f"<{PUSHED_GRAPH}> <{PROV_MEMBER}> <{g}> .\n" for g in sorted(graphs)).encode("utf-8")


def _named(provenance: list[Any]) -> set[str]:
    """The graphs a build's provenance graph names as its own (``<graph> a prov:Entity``)."""
    return {t.subject.value for t in provenance if t.predicate.value == RDF_TYPE and t.object.value == PROV_ENTITY
            and t.subject.value.startswith(str(GRAPH))}


class _Rebuild(Exception):
    """The store cannot be made from a previous one (the message says why): push loads it in full."""


def _push_full(root: Path, final: Path, release: Release, progress: Progress | None = None, on_stage: OnStage | None = None) -> str:
    """Bulk-load ``release`` into a new store ``final`` (via a temporary folder under ``root``);
    ``progress`` and ``on_stage`` as for :func:`push`."""
    import os
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        store = ox.Store(str(tmp))
        with _stage("load", progress, on_stage):
            store.bulk_load(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS)
        with _stage("union copy", progress, on_stage):
            copy_union(store)
        with _stage("optimize", progress, on_stage):
            store.flush()
            store.optimize()
        del store
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return f"wrote build {release.version} to {final}"


def _push_increment(root: Path, final: Path, release: Release, build_dir: Path) -> str:
    """Make ``final`` from the store of an earlier release under ``root`` plus what ``release``
    added; raises _Rebuild when it cannot (see the comment above)."""
    import os
    import shutil
    import tempfile
    import time

    from crisiskg.build.incremental.workstate import load_state

    t0 = time.perf_counter()
    if not release.manifest.get("incremental"):
        raise _Rebuild("not an incremental build")
    state = load_state(release)
    if state is None:
        raise _Rebuild(f"build {release.version} has no work state")
    base, articles = _base_release(root, release, build_dir)
    base_state = load_state(base)
    if base_state is None:
        raise _Rebuild(f"build {base.version} has no work state")
    if not delta.same_prefix(release.dataset_file, base.dataset_file, base_state.inferred_at):
        raise _Rebuild(f"the dataset of build {release.version} does not start with build {base.version}'s")
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        try:  # each store is closed (del) before its folder is renamed or removed, error or not
            source = ox.Store.read_only(str(root / base.path.name))
            try:
                if next(iter(source.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
                    raise _Rebuild(f"the store of build {base.version} has no union copy in its default graph")
                if stored_version(Embedded(source, "oxigraph")) != base.version:
                    raise _Rebuild(f"the store {root / base.path.name} does not hold build {base.version}")
                source.backup(str(tmp / "store"))
            finally:
                del source
            store = ox.Store(str(tmp / "store"))
            try:
                delta.apply(store, base.dataset_file, base_state.sections, release.dataset_file, state.sections)
                store.flush()  # no optimize: slow at scale, and it compacts what is shared by hard links
            finally:
                del store
        except (delta.Refused, OSError, SyntaxError, ValueError) as exc:
            raise _Rebuild(f"the store of build {base.version} could not be updated: {exc}") from exc
        os.rename(tmp / "store", final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = len(articles)
    return (f"added {n} article{'s' if n != 1 else ''} to build {base.version}'s store in {time.perf_counter() - t0:.1f} s: "
            f"build {release.version} at {final}")


def _base_release(root: Path, release: Release, build_dir: Path) -> tuple[Release, list[str]]:
    """The release, among those still under ``build_dir/releases``, that ``release`` was built
    from by incremental builds (one, or a chain of them) and whose store ``root`` holds; and the
    articles added since. Raises _Rebuild when there is none (or one version is published twice)."""
    import json

    from crisiskg.build.publish import MANIFEST

    by_version: dict[str, list[Release]] = {}
    for path in (build_dir / "releases").iterdir():
        if path.is_dir() and not path.name.startswith(".") and path != release.path:
            try:
                manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            by_version.setdefault(str(manifest.get("version")), []).append(Release(path, manifest))
    at, articles = release, list[str]()
    while True:
        step = at.manifest.get("incremental")
        if not step:
            raise _Rebuild(f"{root} holds no store of a build that build {release.version} was made from")
        articles = [*step.get("articles", []), *articles]
        found = by_version.pop(str(step.get("from")), [])  # popped: a chain never comes back to a version
        if len(found) != 1:
            raise _Rebuild(f"build {step.get('from')} is {'published twice' if found else 'no longer published'}")
        at = found[0]
        if (root / at.path.name).is_dir():
            return at, articles

