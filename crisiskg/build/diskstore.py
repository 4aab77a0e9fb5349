"""A release's own on-disk store: its ``dataset.nq`` bulk-loaded into Oxigraph (RocksDB) in the
release folder (``store/``), so that every process that queries the release (the server, its query
workers, the build's kept answers) opens the same files read-only and the operating system keeps
one copy of their pages in its cache, however many processes read them.

It is written while the release is staged (:meth:`crisiskg.build.publish.Staging.commit`), before
the checksums, so each of its files is covered by the release's integrity check
(:mod:`crisiskg.build.integrity`), and it is never written after: readers open it with
``Store.read_only``, which changes no file. Its default graph holds the distinct union of the
asserted (not inferred) named graphs, as the in-memory store's does (see
:mod:`crisiskg.query.embedded`): the bulk loader writes each asserted triple into the default graph
once more, and a triple several graphs hold is one key there; it is loaded in batches, so that the
loader's memory stays bounded whatever the size.

Only a full build bulk-loads one: an incremental build (or a reissue) publishes in a fraction of
the time a store of the whole dataset takes to write (see ``benchmarks/README.md``), so its store is
the previous release's, checkpointed by hard links, plus what changed (:mod:`crisiskg.build.delta`);
a release without one (its previous release had none, or it was published by older code) is loaded
into memory.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.vocab import INFERRED_GRAPH

STORE = "store"  # the folder, in a release
BATCH = 100_000  # quads a bulk load holds at once (the loader's memory grows with it)


def store_dir(release_path: Path) -> Path:
    """Where a release's on-disk store is (it may not exist: see the module docstring)."""
    return release_path / STORE


def write_store(release_path: Path, dataset: Path) -> Path:
    """Bulk-load the N-Quads file ``dataset`` into a new store in ``release_path`` with the union
    copy in its default graph; its folder. Raises OSError (or SyntaxError for a bad file)."""
    target = store_dir(release_path)
    store: Any = ox.Store(str(target))
    try:
        quads = _with_union(ox.parse(path=str(dataset), format=ox.RdfFormat.N_QUADS))
        while batch := list(itertools.islice(quads, BATCH)):  # one bulk load a batch: its memory stays bounded
            store.bulk_extend(batch)
        store.flush()
        store.optimize()
    finally:
        del store  # closed before its files are checksummed and the release renamed
    for f in store_files(release_path):  # on disk before the release is published, as dataset.nq is
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    return target


def _with_union(quads: Iterator[Any]) -> Iterator[Any]:
    """Each quad, followed (unless it is inferred) by its triple in the default graph."""
    inferred, default = ox.NamedNode(str(INFERRED_GRAPH)), ox.DefaultGraph()
    for q in quads:
        yield q
        if q.graph_name != inferred:
            yield ox.Quad(q.subject, q.predicate, q.object, default)


def store_files(release_path: Path) -> list[Path]:
    """The files of a release's on-disk store (none when it has no store), sorted."""
    folder = store_dir(release_path)
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
