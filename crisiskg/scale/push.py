"""Copying a published build into another store: an on-disk Oxigraph store (a folder per release,
swapped atomically) or a remote SPARQL store over the Graph Store Protocol."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from crisiskg.build import delta
from crisiskg.build.publish import Release, current, point_current
from crisiskg.query.embedded import Embedded, copy_union
from crisiskg.query.store import parse_spec, stored_version
from crisiskg.scale.chain import OnStage, Progress, Rebuild, base_release, stage
from crisiskg.scale.pushremote import push_remote


def push(spec: str, build_dir: Path | str, *, keep: int = 3, replace_existing: bool = False,
         progress: Progress | None = None, on_stage: OnStage | None = None) -> str:
    """Copy the current published build under ``build_dir`` into the store ``spec`` names.

    ``oxigraph:PATH``: a new store PATH/<release>, bulk-loaded and made PATH/current atomically (a
    reader keeps the one it opened); older ones beyond ``keep`` are removed. ``sparql:URL``: see
    :func:`push_remote` (only graphs push created are replaced or deleted; ``replace_existing``
    takes over same-named graphs it did not create). ``memory``: nothing to do. Returns a one-line summary. Raises PublishError.

    ``progress`` is told what is at work (each stage as it starts, each graph of a remote push) and
    ``on_stage`` of each stage once done, with its seconds: ``load``, ``union copy``, ``optimize``
    (or ``increment``) and ``current`` on disk; ``claim``, ``put`` (or ``post`` and ``put``), ``delete`` and ``record`` remotely.

    An incremental build (``crisiskg build --incremental``) is pushed onto the store PATH holds of
    the release it was built from (copied by hard links, the difference applied: far less than a
    full load), or else loaded in full (see :func:`_push_increment`); to a remote store, only what
    it added and the inferred and provenance graphs are sent when the server holds the build it
    was made from; the summary says which.
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
                with stage("increment", progress, on_stage):
                    done = _push_increment(root, final, release, Path(build_dir))
            except Rebuild as exc:  # left before the full load, so that the stores its traceback holds close
                why = str(exc)
            if why is not None:
                done = _push_full(root, final, release, progress, on_stage) + (f" (not incrementally: {why})" if release.manifest.get("incremental") else "")
        with stage("current", progress, on_stage):  # made current, older stores removed
            point_current(root, Path(final.name))
            stores = sorted((p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
                            key=lambda p: p.stat().st_mtime)
            for old in stores[:-keep]:
                if old != final:
                    shutil.rmtree(old, ignore_errors=True)
        return f"{done} and made it {root / 'current'}"
    return push_remote(arg, release, replace_existing=replace_existing, progress=progress, on_stage=on_stage,
                       build_dir=Path(build_dir))


def _push_full(root: Path, final: Path, release: Release, progress: Progress | None = None, on_stage: OnStage | None = None) -> str:
    """Bulk-load ``release`` into a new store ``final`` (via a temporary folder under ``root``);
    ``progress`` and ``on_stage`` as for :func:`push`."""
    import os
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        store = ox.Store(str(tmp))
        with stage("load", progress, on_stage):
            store.bulk_load(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS)
        with stage("union copy", progress, on_stage):
            copy_union(store)
        with stage("optimize", progress, on_stage):
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
    added; raises Rebuild when it cannot (see the comment above)."""
    import os
    import shutil
    import tempfile
    import time

    from crisiskg.build.incremental.workstate import load_state

    t0 = time.perf_counter()
    if not release.manifest.get("incremental"):
        raise Rebuild("not an incremental build")
    state = load_state(release)
    if state is None:
        raise Rebuild(f"build {release.version} has no work state")
    base, articles = base_release(release, build_dir, lambda at: (root / at.path.name).is_dir(), str(root))
    base_state = load_state(base)
    if base_state is None:
        raise Rebuild(f"build {base.version} has no work state")
    if not delta.same_prefix(release.dataset_file, base.dataset_file, base_state.inferred_at):
        raise Rebuild(f"the dataset of build {release.version} does not start with build {base.version}'s")
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        try:  # each store is closed (del) before its folder is renamed or removed, error or not
            source = ox.Store.read_only(str(root / base.path.name))
            try:
                if next(iter(source.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
                    raise Rebuild(f"the store of build {base.version} has no union copy in its default graph")
                if stored_version(Embedded(source, "oxigraph")) != base.version:
                    raise Rebuild(f"the store {root / base.path.name} does not hold build {base.version}")
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
            raise Rebuild(f"the store of build {base.version} could not be updated: {exc}") from exc
        os.rename(tmp / "store", final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = len(articles)
    return (f"added {n} article{'s' if n != 1 else ''} to build {base.version}'s store in {time.perf_counter() - t0:.1f} s: "
            f"build {release.version} at {final}")
