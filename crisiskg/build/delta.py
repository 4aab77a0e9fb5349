"""An on-disk store made from an earlier release's: a RocksDB checkpoint of it plus the difference
between the two releases' ``dataset.nq``, quad for quad the store a full load of the new one makes
(the asserted named graphs, the inferred graph, the provenance graph, and the default graph's union
copy of the asserted ones: see :mod:`crisiskg.build.diskstore`).

An incremental build (or a reissue) publishes a ``dataset.nq`` that is the previous one's asserted
section, new asserted quads, an inferred section and a provenance section (their offsets are in the
work state: :mod:`crisiskg.build.incremental.workstate`), so the difference is: the new asserted
quads (added with their union copy), and the lines of the inferred and provenance sections that
changed. ``Store.backup`` copies the earlier store by hard links to its files (the earlier store is
opened read-only: neither it nor a server reading it is disturbed), and the copy is opened
read-write and changed; RocksDB never changes a file in place (it writes new ones and unlinks old
ones), so the earlier store's files stay as they were. Used for a release's own store
(:func:`release_store`) and by ``crisiskg push`` for the stores it keeps.

Anything unexpected (a section that holds blank nodes or quads of another graph, a graph that would
not hold the lines of its section, an unreadable store) is :class:`Refused`, with why: the caller
then makes the store another way (push loads it in full) or publishes without one.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.diskstore import STORE, store_dir, store_files
from crisiskg.build.integrity import CHECKSUMS
from crisiskg.build.publish import DATASET, Release, read_section
from crisiskg.terms import quads_matching
from crisiskg.vocab import INFERRED_GRAPH, PROVENANCE_GRAPH


class Refused(Exception):
    """The difference cannot be applied safely (the message says why)."""


@dataclass(frozen=True)
class Sections:
    """Where a ``dataset.nq``'s inferred and provenance sections start, and its size (bytes)."""

    inferred: int
    provenance: int
    size: int


def apply(store: Any, old: Path, at_old: Sections, new: Path, at_new: Sections) -> None:
    """Make ``store``, which holds the dataset ``old`` (sections ``at_old``) as a full load makes it,
    hold ``new`` (``at_new``): a dataset that starts with ``old``'s asserted section (the caller
    checks it). Raises Refused, or OSError (an unreadable section)."""
    add_asserted(store, read_section(new, at_old.inferred, at_new.inferred))
    replace_graph(store, ox.NamedNode(str(INFERRED_GRAPH)), read_section(old, at_old.inferred, at_old.provenance),
                  read_section(new, at_new.inferred, at_new.provenance), union=False)
    replace_graph(store, ox.NamedNode(str(PROVENANCE_GRAPH)), read_section(old, at_old.provenance, at_old.size),
                  read_section(new, at_new.provenance, at_new.size), union=True)


def release_store(previous: Release, at_old: Sections, staged: Path, at_new: Sections) -> tuple[dict[str, str] | None, str]:
    """Write the store of the release being staged in ``staged`` (its ``dataset.nq`` built on
    ``previous``'s) from ``previous``'s store; the checksums of its files that need not be read
    again (:func:`reused_checksums`) and ``""``, or None and why it was not written (then ``staged``
    has no store: the release is published without one)."""
    return _release_store(previous, staged, lambda: (at_old, at_new))


def _release_store(previous: Release, staged: Path, sections: Callable[[], tuple[Sections, Sections] | None]
                   ) -> tuple[dict[str, str] | None, str]:
    """:func:`release_store`, with the sections of the two datasets asked of ``sections`` once the
    checkpoint is made and opened (it may wait for the new ``dataset.nq``; None: the build stopped,
    and nothing is written)."""
    source = store_dir(previous.path)
    if not source.is_dir():
        return None, f"build {previous.version} has no store of its own to add to"
    target = store_dir(staged)
    try:
        try:  # each store is closed (del) before its folder is checksummed or removed, error or not
            earlier = ox.Store.read_only(str(source))
            try:
                earlier.backup(str(target))
            finally:
                del earlier
            store = ox.Store(str(target))
            try:
                given = sections()
                if given is None:
                    raise Refused("the build stopped before its dataset was written")
                apply(store, previous.dataset_file, given[0], staged / DATASET, given[1])
                store.flush()  # no optimize: it would rewrite the files shared with the earlier store
            finally:
                del store
        except Refused:
            raise
        except Exception as exc:  # anything unexpected: the release is published without a store
            raise Refused(f"the store of build {previous.version} could not be updated: {exc}") from exc
        reused = reused_checksums(previous, staged)
        for f in store_files(staged):  # on disk before the release is published, as dataset.nq is (the previous store's already are)
            if f"{STORE}/{f.name}" not in reused:
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
    except Refused as exc:
        shutil.rmtree(target, ignore_errors=True)
        return None, str(exc)
    return reused, ""


class StoreWriter(threading.Thread):
    """:func:`release_store` in a background thread, in two steps so that the build waits for as
    little of it as it can: started at once, it checkpoints ``previous``'s store and opens the copy
    while the build reads, reasons and validates; given the sections of the new ``dataset.nq``
    (:meth:`apply`, once its bytes are written, before they are synced), it applies the difference
    while the build syncs and checksums the release's other files
    (:meth:`crisiskg.build.publish.Staging.commit` asks for :meth:`checksums` last). A build that
    stops before calling :meth:`apply` calls :meth:`cancel`, then ``join()``, before its staging
    folder goes."""

    def __init__(self, previous: Release, staged: Path):
        super().__init__(name="crisiskg-release-store", daemon=True)
        self._args = (previous, staged)
        self._given: queue.SimpleQueue[tuple[Sections, Sections] | None] = queue.SimpleQueue()
        self.sums: dict[str, str] | None = None
        self.why = ""
        self.start()

    def apply(self, at_old: Sections, at_new: Sections) -> None:
        """The two datasets' sections: the previous release's, and those of the new ``dataset.nq``
        (written and flushed to the kernel)."""
        self._given.put((at_old, at_new))

    def cancel(self) -> None:
        """Write nothing (the staged release will not be published)."""
        self._given.put(None)

    def run(self) -> None:
        try:
            self.sums, self.why = _release_store(*self._args, self._given.get)
        except BaseException as exc:  # noqa: BLE001 (anything unexpected: published without a store)
            shutil.rmtree(store_dir(self._args[1]), ignore_errors=True)
            self.sums, self.why = None, f"its store could not be written: {exc}"

    def checksums(self) -> dict[str, str]:
        """Wait for the store; the checksums of its files that need not be read again."""
        self.join()
        return self.sums or {}


def reused_checksums(previous: Release, staged: Path) -> dict[str, str]:
    """``store/NAME`` -> SHA-256 for the files of ``staged``'s store that are ``previous``'s own
    files (the same inode on the same device: hard links a checkpoint made), taken from
    ``previous``'s manifest instead of read again.

    Sound because such a file is not a copy but the very file ``previous``'s checksum was computed
    over when it was published, and RocksDB writes a file once and never changes it in place
    (new data goes to new files; old ones are unlinked, not rewritten): so its bytes are those the
    checksum covers, unless the file was damaged since, in which case checking either release finds
    it. A file that is not the same inode (new, or copied by the checkpoint: its manifest, options)
    is not in the result and is read as usual."""
    sums = previous.manifest.get(CHECKSUMS)
    if not isinstance(sums, dict):
        return {}
    out = {}
    for f in store_files(staged):
        name = f"{STORE}/{f.name}"
        if name not in sums:
            continue
        try:
            was, now = os.stat(previous.path / name), os.stat(f)
        except OSError:
            continue
        if (was.st_dev, was.st_ino, was.st_size) == (now.st_dev, now.st_ino, now.st_size):
            out[name] = str(sums[name])
    return out


def same_prefix(new: Path, old: Path, size: int, block: int = 1 << 16, samples: int = 16) -> bool:
    """Whether ``new`` starts with the first ``size`` bytes of ``old`` (the incremental build copies
    them), looked at in ``samples`` blocks spread over them, the first and the last included: a
    release of the same version built another way orders its quads differently."""
    if min(new.stat().st_size, old.stat().st_size) < size:
        return False
    offsets = sorted({min(i * size // max(samples - 1, 1), max(size - block, 0)) for i in range(samples)})
    with open(new, "rb") as a, open(old, "rb") as b:
        for at in offsets:
            n = min(block, size - at)
            a.seek(at)
            b.seek(at)
            if a.read(n) != b.read(n):
                return False
    return True


def add_asserted(store: Any, section: bytes) -> None:
    """Add the N-Quads ``section`` (named graphs other than the inferred and provenance ones) to
    ``store``, and its triples to the default graph's union copy."""
    quads = quads_in(section, None)
    if any(isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value in (str(INFERRED_GRAPH), str(PROVENANCE_GRAPH)) for q in quads):
        raise Refused("the new asserted quads are not all in article, ontology or entity graphs")
    store.extend([*quads, *(ox.Quad(q.subject, q.predicate, q.object) for q in quads)])


def quads_in(section: bytes, graph: Any) -> list[Any]:
    """The quads of the N-Quads ``section``, all in ``graph`` unless it is None, and none with a
    blank node (else Refused): a store renames those it loads, so a label here may stand for one
    the store holds under another name."""
    quads = list(ox.parse(input=section, format=ox.RdfFormat.N_QUADS))
    if graph is not None and any(q.graph_name != graph for q in quads):
        raise Refused(f"a section of the dataset holds quads outside {graph}")
    if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object, q.graph_name)):
        raise Refused("the quads that changed have blank nodes")
    return quads


_COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{}> {{ ?s ?p ?o }} }}"
_FEW = 1000  # gone quads looked up one by one (see replace_graph)
_USED_ELSEWHERE = "ASK {{ GRAPH ?g {{ ?s <{}> ?o }} FILTER(?g != <{}> && ?g != <{}>) }}"


def replace_graph(store: Any, graph: Any, old: bytes, new: bytes, *, union: bool) -> None:
    """Make ``graph`` (loaded from the N-Quads section ``old``) hold the section ``new``, changing
    only the quads of the lines that differ; ``union``: keep the default graph's union copy too (a
    triple leaves it when no other graph but the inferred one holds it). Raises Refused."""
    appended = new.startswith(old)
    now: set[bytes] | None = None  # the new section's lines, when they are read
    if appended:  # the usual inferred section: the old one, then the new quads
        gone_lines, added_lines = b"", new[len(old):]
    else:
        before, after = set(old.splitlines(keepends=True)), new.splitlines(keepends=True)
        now = set(after)
        gone_lines = b"".join(line for line in before - now)
        added_lines = b"".join(line for line in after if line not in before)
    gone = quads_in(gone_lines, graph)
    for quad in gone:  # first: a quad written one way in a gone line and another in an added one stays
        store.remove(quad)
    dg = ox.DefaultGraph()
    # lines appended, none a quad the graph held, no two one quad: the graph holds one more quad a
    # line, as a full load of the section would (the earlier store held the old one), without
    # counting the whole graph (the inferred one is the largest that changes)
    if not (appended and _add_fresh(store, graph, added_lines, union=union)):
        _add_lines(store, graph, added_lines, union=union)
        # the graph now holds at most the quads of the new lines (as the store writes their terms), and
        # exactly them when it holds as many as there are lines (two lines of one quad, or a gone line
        # of a quad a kept line holds too, would make it fewer)
        held = int(next(iter(store.query(_COUNT.format(graph.value))))["n"].value)
        lines = len(now if now is not None else set(new.splitlines(keepends=True)))
        if held != lines:
            raise Refused(f"{graph.value} would hold {held} quads, not the {lines} lines of its section")
    if union:
        inferred = ox.NamedNode(str(INFERRED_GRAPH))
        # many gone quads (a graph rewritten whole): a predicate no other asserted graph uses is
        # looked for once, instead of each of its triples; a few (the provenance graph of an
        # increment): each triple is looked up alone, cheaper than scanning a common predicate
        shared = None if len(gone) <= _FEW else {
            p for p in {q.predicate for q in gone} if bool(store.query(_USED_ELSEWHERE.format(p.value, graph.value, inferred.value)))}
        for q in gone:
            if q in store:  # still in the graph: an added line writes it another way
                continue
            if (shared is None or q.predicate in shared) and any(x.graph_name not in (dg, inferred, graph)
                                                                 for x in quads_matching(store, q.subject, q.predicate, q.object, None)):
                continue
            store.remove(ox.Quad(q.subject, q.predicate, q.object))


def _add_fresh(store: Any, graph: Any, lines: bytes, *, union: bool) -> bool:
    """Add the quads of the N-Quads ``lines`` (all in ``graph``, no blank node: else Refused) when
    each is new to the store and no two are one, and say so; else add nothing."""
    added = quads_in(lines, graph)
    if len(set(added)) != len(added) or any(q in store for q in added):
        return False
    store.extend([*added, *(ox.Quad(q.subject, q.predicate, q.object) for q in added if union)])
    return True


def _add_lines(store: Any, graph: Any, lines: bytes, *, union: bool) -> None:
    """Add the quads of the N-Quads ``lines`` (all in ``graph``, no blank node: else Refused), and
    their triples to the default graph when ``union``. Lines as pyoxigraph writes them (each ending
    with the graph's IRI) are loaded as text, the union copy too (the line less its graph), without
    a Python object a term; the count :func:`replace_graph` checks afterwards finds a line that was
    not what it seemed (its quad would be elsewhere)."""
    suffix = f" <{graph.value}> .\n".encode()
    split = lines.splitlines(keepends=True)
    if b"_:" in lines or not all(line.endswith(suffix) for line in split):  # a blank node, or a line written otherwise
        added = quads_in(lines, graph)
        store.extend([*added, *(ox.Quad(q.subject, q.predicate, q.object) for q in added if union)])
        return
    store.load(input=lines, format=ox.RdfFormat.N_QUADS)
    if union:
        store.load(input=b"".join(line[:-len(suffix)] + b" .\n" for line in split), format=ox.RdfFormat.N_TRIPLES)
