"""Atomic publication of a build, and reading the published one.

Layout of the build folder::

    build/
      current -> releases/<version>-<stamp>     a symlink, swapped atomically (os.replace)
      releases/<version>-<stamp>/
        dataset.nq        every named graph, N-Quads
        manifest.json     version, counts, validation result, seconds per stage, inputs
        ontology.ttl, cameo.ttl, shapes.ttl

A release is written in full into a temporary folder, fsynced, renamed into ``releases/`` and only
then made current, so a failed or killed build never changes what ``current`` points to.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset

from crisiskg.errors import PublishError
from crisiskg.vocab import CAMEO_FILE, ONTOLOGY_FILE, SHAPES_FILE

DATASET = "dataset.nq"
MANIFEST = "manifest.json"
KEEP_RELEASES = 3


@dataclass(frozen=True)
class Release:
    """A published build."""

    path: Path
    manifest: dict[str, Any]

    @property
    def dataset_file(self) -> Path:
        return self.path / DATASET

    @property
    def version(self) -> str:
        return str(self.manifest["version"])


@contextmanager
def rdflib_dataset_io() -> Iterator[None]:
    """Silence the DeprecationWarnings rdflib 7.6 raises from its own Dataset parsers and
    serializers (they call ``Dataset.contexts`` and friends, and the TriG and JSON-LD parsers build
    a ``ConjunctiveGraph``, all of which it deprecates), so that a run with warnings as errors does
    not fail on rdflib's internals."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(Dataset\.\w+|ConjunctiveGraph) is deprecated", category=DeprecationWarning)
        yield


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def point_current(folder: Path, target: Path) -> None:
    """Make ``folder/current`` a link to ``target`` (relative to ``folder``) in one atomic rename, so
    a reader sees the old release or the new one, never neither."""
    link = folder / f".current-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(target, link)
    os.replace(link, folder / "current")
    _fsync_dir(folder)


def publish(ds: Dataset | Iterable[ox.Quad], manifest: dict[str, Any], out: Path | str) -> Release:
    """Write ``ds`` and ``manifest`` as a new release under ``out`` and make it current.

    ``ds`` is an rdflib Dataset or pyoxigraph quads (written by pyoxigraph's N-Quads serializer,
    in their order: what the build passes).
    """
    out = Path(out)
    releases = out / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    name = f"{manifest['version']}-{manifest['created'].replace(':', '').replace('-', '')}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=releases))
    try:
        with open(tmp / DATASET, "wb") as fh:
            if isinstance(ds, Dataset):
                with rdflib_dataset_io():
                    ds.serialize(fh, format="nquads")
            else:
                ox.serialize(ds, fh, ox.RdfFormat.N_QUADS)
            fh.flush()
            os.fsync(fh.fileno())
        for src in (ONTOLOGY_FILE, CAMEO_FILE, SHAPES_FILE):
            shutil.copyfile(src, tmp / src.name)
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        final, n = releases / name, 1
        while final.exists():  # the same inputs built twice in one second: never remove a published release
            n += 1
            final = releases / f"{name}-{n}"
        os.rename(tmp, final)
        _fsync_dir(releases)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    point_current(out, Path("releases") / final.name)
    _prune(releases, keep=final)
    return Release(final, manifest)


def _prune(releases: Path, keep: Path) -> None:
    done = sorted((p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in done[:-KEEP_RELEASES]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in releases.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


def current(out: Path | str) -> Release:
    """The published release under ``out``; PublishError if there is none or it is unreadable."""
    out = Path(out)
    link = out / "current"
    if not link.exists():
        raise PublishError(f"no published build in {out}/ (run 'crisiskg build' first)")
    path = link.resolve()
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"the published build {path} has no readable manifest: {exc}") from exc
    if not (path / DATASET).exists():
        raise PublishError(f"the published build {path} has no {DATASET}")
    return Release(path, manifest)
