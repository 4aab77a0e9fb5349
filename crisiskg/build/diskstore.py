"""A release's own on-disk store: its ``dataset.nq`` bulk-loaded into Oxigraph (RocksDB) in the
release folder (``store/``), so that every process that queries the release (the server, its query
workers, the build's kept answers) opens the same files read-only and the operating system keeps
one copy of their pages in its cache, however many processes read them.

It is written while the release is staged, before the checksums (the full build loads it in a
thread, :class:`StoreLoader`, section by section as it writes ``dataset.nq``: the asserted section
while it reasons, the inferred one while it validates, the provenance one once the data conforms;
the build's work store is a backup of it taken once the asserted union copy is in, plus the
inferred triples;
:func:`crisiskg.build.publish.publish` writes it in :meth:`~crisiskg.build.publish.Staging.commit`),
so each of its files is covered by the release's integrity check
(:mod:`crisiskg.build.integrity`), and it is never written after: readers open it with
``Store.read_only``, which changes no file. Its default graph holds the distinct union of the
asserted (not inferred) named graphs, as the in-memory store's does (see
:mod:`crisiskg.query.embedded`): the bulk loader writes each asserted triple into the default graph
once more, and a triple several graphs hold is one key there.

It is read in chunks of whole lines and loaded by pyoxigraph's bulk loader from the file's own
bytes, without making a Python object per quad: each chunk's lines as they are, and its union copy
as the same lines without their graph (``s p o g .`` becomes ``s p o .``, a default-graph triple),
when a strict pattern reads every asserted line of the chunk; a chunk it does not read (a line
written otherwise) is copied from its parsed quads instead. A line with a blank node is loaded as
parsed quads, with its copy: the bulk loader gives blank nodes new labels at each call, and a
blank node must stay one node in its graph and in the copy (it keeps the label ``dataset.nq``
gives it). Loading chunk by chunk bounds the loader's memory whatever the size.

Only a full build bulk-loads one: an incremental build (or a reissue) publishes in a fraction of
the time a store of the whole dataset takes to write (see ``benchmarks/README.md``), so its store is
the previous release's, checkpointed by hard links, plus what changed (:mod:`crisiskg.build.delta`);
a release without one (its previous release had none, or it was published by older code) is loaded
into memory.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.vocab import INFERRED_GRAPH

STORE = "store"  # the folder, in a release
CHUNK = 16 << 20  # bytes of dataset.nq a bulk load reads at once (the loader's memory grows with it)

_IRI = rb"<[^<>\"{}|^`\\\x00-\x20]*>"
_LITERAL = rb'"(?:[^"\\\n\r]|\\.)*"(?:@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*|\^\^' + _IRI + rb")?"
# a quad of IRIs and literals, as pyoxigraph writes it: group 1 is its triple
_QUAD_LINE = re.compile(rb"^(" + _IRI + rb" " + _IRI + rb" (?:" + _IRI + rb"|" + _LITERAL + rb")) " + _IRI + rb" \.\n", re.MULTILINE)
_INFERRED_END = f" <{INFERRED_GRAPH}> .\n".encode()


def store_dir(release_path: Path) -> Path:
    """Where a release's on-disk store is (it may not exist: see the module docstring)."""
    return release_path / STORE


def write_store(release_path: Path, dataset: Path) -> Path:
    """Bulk-load the N-Quads file ``dataset`` into a new store in ``release_path`` with the union
    copy in its default graph; its folder. Raises OSError (or SyntaxError for a bad file)."""
    target = store_dir(release_path)
    store: Any = ox.Store(str(target))
    try:
        _fill(store, dataset, 0, dataset.stat().st_size)
        _seal(store)
    finally:
        del store  # closed before its files are checksummed and the release renamed
    _sync(release_path)
    return target


ASSERTED, INFERRED, PROVENANCE = "asserted", "inferred", "provenance"  # the sections of a full build's dataset.nq


class StoreLoader(threading.Thread):
    """The stores of a full build's release, loaded in a background thread section by section as
    the build writes its ``dataset.nq`` (the bulk loader works without the GIL): the release's own
    store (:func:`write_store`'s), and the work store the next incremental build starts from
    (``work``: the store's folder), whose default graph is the union the rules and shapes saw, the
    asserted and inferred triples (:mod:`crisiskg.build.incremental.workstate`). The work store is
    made from the release store, never from Python objects (making it from the build's in-memory
    store, in a thread, held the GIL the build's own thread needed for as long as it ran): the
    asserted section's union copy is loaded first, then the release store is backed up as the work
    store (hard links: the same files, once), then the section's named quads follow in the release
    store, and the inferred section's triples in the work store.

    :meth:`load` hands it the next section, whole lines, once written: the asserted one (once) as
    soon as the data is loaded, then the inferred one (before validating); :meth:`finish`
    the provenance section, once the data conforms, after which the stores are sealed and closed.
    :meth:`cancel` (the build failed) stops it after the chunk it is loading and removes both
    stores. :meth:`wait` returns once they are closed and synced, raising what went wrong."""

    def __init__(self, release_path: Path, dataset: Path, work: Path | None = None):
        super().__init__(name="crisiskg-release-store", daemon=True)
        self.release_path, self.dataset, self.work = release_path, dataset, work
        self.error: BaseException | None = None
        self._sections: queue.SimpleQueue[tuple[int, str] | None] = queue.SimpleQueue()
        self._cancelled = threading.Event()
        self.start()

    def load(self, end: int, section: str) -> None:
        """The file's bytes up to ``end`` (from where the previous section ended) are written:
        section ``ASSERTED`` or ``INFERRED``."""
        self._sections.put((end, section))

    def finish(self, size: int) -> None:
        """The dataset is whole: ``size`` bytes, the last section provenance."""
        self._sections.put((size, PROVENANCE))

    def cancel(self) -> None:
        self._cancelled.set()
        self._sections.put(None)

    def wait(self) -> dict[str, str]:
        """Wait for the stores; raises what went wrong. No checksum is known beforehand: ``{}`` (for
        :meth:`crisiskg.build.publish.Staging.commit`)."""
        self.join()
        if self.error is not None:
            raise self.error
        return {}

    def run(self) -> None:
        target = store_dir(self.release_path)
        work_target = self.work
        stop = self._cancelled.is_set
        try:
            store: Any = ox.Store(str(target))
            work: Any = None
            try:
                start = 0
                while (item := self._sections.get()) is not None and not stop():
                    end, section = item
                    if section == ASSERTED and work_target is not None and work is None:
                        _fill(store, self.dataset, start, end, stop, named=False)
                        if stop():
                            break
                        store.backup(str(work_target))  # the asserted union, in files both stores share
                        work = ox.Store(str(work_target))
                        _fill(store, self.dataset, start, end, stop, union=False)
                    elif section == INFERRED:
                        if work is None and work_target is not None:
                            work = ox.Store(str(work_target))  # no asserted section was handed
                        _fill(store, self.dataset, start, end, stop, union=False, work=work)
                    else:
                        _fill(store, self.dataset, start, end, stop)
                    start = end
                    if section == PROVENANCE:
                        if not stop():
                            _seal(store)
                            if work is not None:
                                work.flush()
                        break
            finally:
                del store, work  # closed before their files are checksummed and the release renamed
            if stop():
                shutil.rmtree(target, ignore_errors=True)
                if work_target is not None:
                    shutil.rmtree(work_target, ignore_errors=True)
                return
            _sync(self.release_path)
        except BaseException as exc:  # noqa: BLE001 (raised by wait())
            self.error = exc


def _fill(store: Any, dataset: Path, start: int, end: int, stop: Callable[[], bool] = lambda: False, *,
          named: bool = True, union: bool = True, work: Any = None) -> None:
    """Load bytes ``start:end`` of ``dataset`` (whole lines) chunk by chunk, until ``stop()``
    (``named``, ``union`` and ``work``: as :func:`_load_chunk`)."""
    for chunk in _chunks(dataset, start, end):
        if stop():
            return
        _load_chunk(store, chunk, named=named, union=union, work=work)


def _seal(store: Any) -> None:
    store.flush()
    store.optimize()  # one file per index: queries on a store of many files are slower


def _sync(release_path: Path) -> None:
    for f in store_files(release_path):  # on disk before the release is published, as dataset.nq is
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())


def _chunks(dataset: Path, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start:end`` of ``dataset`` (whole lines) in chunks of whole lines (each ends with a newline)."""
    with open(dataset, "rb") as fh:
        fh.seek(start)
        left, rest = end - start, b""
        while left > 0 and (block := fh.read(min(CHUNK, left))):
            left -= len(block)
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut:
                yield block[:cut]
            rest = block[cut:]
        if rest:
            yield rest + b"\n"


def _load_chunk(store: Any, chunk: bytes, *, named: bool = True, union: bool = True, work: Any = None) -> None:
    """Load ``chunk`` (whole N-Quads lines): with ``named``, its quads as they are; with ``union``, its
    union copy (see the module docstring); with ``work`` (a store), every line's triple into that
    store's default graph."""
    if b"_:" in chunk:  # maybe a blank node (or "_:" in a literal): those lines as parsed quads
        lines = chunk.splitlines(keepends=True)
        parsed = list(ox.parse(input=b"".join(x for x in lines if b"_:" in x), format=ox.RdfFormat.N_QUADS))
        inferred = ox.NamedNode(str(INFERRED_GRAPH))
        store.bulk_extend((parsed if named else []) + [_triple(q) for q in parsed if union and q.graph_name != inferred])
        if work is not None:
            work.bulk_extend([_triple(q) for q in parsed])
        chunk = b"".join(x for x in lines if b"_:" not in x)
    if named:
        store.bulk_load(input=chunk, format=ox.RdfFormat.N_QUADS)
    if union:
        asserted = chunk
        if _INFERRED_END in chunk:
            asserted = b"".join(x for x in chunk.splitlines(keepends=True) if not x.endswith(_INFERRED_END))
        _load_triples(store, asserted)
    if work is not None:
        _load_triples(work, chunk)


def _load_triples(store: Any, lines: bytes) -> None:
    """Load the triple of each of ``lines`` (N-Quads, without blank nodes) into the default graph of
    ``store``: the same lines without their graph (``s p o g .`` becomes ``s p o .``) when the
    pattern reads every line, else their parsed quads."""
    copy, read = _QUAD_LINE.subn(rb"\1 .\n", lines)
    if read == lines.count(b"\n"):  # every line read by the pattern (a match is one whole line)
        store.bulk_load(input=copy, format=ox.RdfFormat.N_QUADS)
    else:
        store.bulk_extend([_triple(q) for q in ox.parse(input=lines, format=ox.RdfFormat.N_QUADS)])


def _triple(q: Any) -> Any:
    """A quad's triple, as a quad in the default graph."""
    return ox.Quad(q.subject, q.predicate, q.object)


def store_files(release_path: Path) -> list[Path]:
    """The files of a release's on-disk store (none when it has no store), sorted."""
    folder = store_dir(release_path)
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
