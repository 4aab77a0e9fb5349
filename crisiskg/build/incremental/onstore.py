"""The incremental build on a hard-linked copy of the previous release's work store, and the
new release's ``dataset.nq`` written section by section (see :mod:`crisiskg.build.incremental`)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.delta import Sections, StoreWriter
from crisiskg.build.incremental.parts import Fallback, Laps, additions, full_seeds, read_part, refuse_shared
from crisiskg.build.incremental.workstate import STORE, Stats, WorkState, stance_digests, write_state, write_texts
from crisiskg.build.publish import DATASET, DatasetWriter, Release, Staging, read_section
from crisiskg.build.reasoning import materialise
from crisiskg.build.stages import (
    EVIDENCE,
    STANCE,
    TYPE,
    BuildResult,
    Tally,
    manifest_of,
    raise_unless_conforming,
    run_provenance,
    summary,
    to_quads,
    version_of,
)
from crisiskg.build.validation import Validation, literal_originals, validate
from crisiskg.loaders.audits import Audit, stamp
from crisiskg.loaders.graph import to_graphs
from crisiskg.terms import holds, quads_matching
from crisiskg.vocab import INFERRED_GRAPH, PROVENANCE_GRAPH


def build_on_store(seeds_dir: Path | str, staging: Staging, release: Release, state: WorkState, stats: Stats, stems: list[str], *,
                    code: list[tuple[str, str]], audit: Audit | None, allow_drafts: bool, on_stage: Callable[[str, float], None] | None,
                   changed: list[str]) -> Any:
    """Add the articles ``stems`` (and the new entries of the ``changed`` registry or propositions)
    to ``release`` on a hard-linked copy of its work store, publishing through ``staging``."""
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    lap = Laps(on_stage)
    # the previous work store: read-only (never changed), checkpointed by hard links, the copy opened read-write
    prev = ox.Store.read_only(str(state.store))
    prev.backup(str(staging.work / STORE))
    store = ox.Store(str(staging.work / STORE))
    # the release's own store: the previous one's, checkpointed now, plus the difference once the
    # dataset is written (or none, and why); cancelled if the build stops first
    writer = StoreWriter(release, staging.path)
    try:
        return _build(seeds_dir, staging, release, state, stats, stems, code=code, audit=audit, allow_drafts=allow_drafts,
                      changed=changed, lap=lap, started=started, prev=prev, store=store, writer=writer)
    except BaseException:
        writer.cancel()
        raise
    finally:
        writer.join()  # before the staging folder may go


def _build(seeds_dir: Path | str, staging: Staging, release: Release, state: WorkState, stats: Stats, stems: list[str], *,
           code: list[tuple[str, str]], audit: Audit | None, allow_drafts: bool, changed: list[str], lap: Laps, started: dt.datetime,
           prev: ox.Store, store: ox.Store, writer: StoreWriter) -> Any:
    dg = ox.DefaultGraph()
    with DatasetWriter(staging.path / DATASET) as dataset:
        dataset.copy_in_background(release.dataset_file, 0, state.inferred_at)  # the asserted quads as published
        lap("load previous")

        folder = Path(seeds_dir)
        part = read_part(folder, stems, allow_drafts, state.events, release, frozenset(state.entries.values()))
        typed: set[Any] = set()
        extra = additions(part, release, changed, end=state.inferred_at, events=state.events, published=state.entries, texts=state.texts,
                          typed=typed)
        lap("read")

        digests = stance_digests(part.articles)
        refuse_shared(part, store, digests, state.stances)
        graphs, origins = to_graphs(part, articles=part.articles, ontology=False)
        new = to_quads(graphs, typed) + extra.quads
        added, seen, present = [], set(), []
        for q in new:
            t = ox.Quad(q.subject, q.predicate, q.object)
            if t not in seen:
                seen.add(t)
                if t in store:
                    present.append(t)  # asserted by another article, or inferred before
                else:
                    added.append((q.subject, q.predicate, q.object))
        store.extend(ox.Quad(s, p, o) for s, p, o in added)
        lap("load")

        inference = materialise(store, added=added)
        lap("reason")

        touched = {t for s, _p, o in [*added, *inference.triples] for t in (s, o)}
        originals = _originals(state, prev, typed)
        if originals is None:
            raise Fallback("literals pyoxigraph would store as one need plain pyshacl")
        validation: Validation = validate(store, origins=origins, originals=originals, focus=touched)
        lap("validate")
        raise_unless_conforming(inference.inconsistencies, validation, seeds=part)

        ig = ox.NamedNode(str(INFERRED_GRAPH))
        # previous inferred triples a new article asserts leave the inferred graph (as in a full
        # build): those of the triples it asserts that the store held, as the previous build wrote them
        held = [ox.Quad(x.subject, x.predicate, x.object, ig) for t in present for x in quads_matching(store, t.subject, t.predicate, t.object, dg)]
        closing = _close_in_background(store)  # flushed and closed while the dataset is written
        del store
        try:
            section = read_section(release.dataset_file, state.inferred_at, state.provenance_at) if held else b""
            gone = _lines_in(section, held)
            new_inferred = [ox.Quad(s, p, o, ig) for s, p, o in inference.triples]

            full = full_seeds(folder, release, part)
            data_version = version_of(full, code)
            version = stamp(data_version, audit)
            tally = Tally().add(new).add(new_inferred).add(gone, -1)
            # the counts: the previous ones, plus what the new quads add (provenance is replaced; it
            # holds no events, stances or mentions)
            before = release.manifest["counts"]
            prov, ended = run_provenance(full, version=version, code=code, started=started, audit=audit)
            sizes: Counter[str] = Counter(before["graphs"])
            sizes[str(PROVENANCE_GRAPH)] = prov.count(b"\n")
            sizes.update(tally.sizes)
            events = before["events"] + sum(1 for e in tally.events if not _has(prev, e, EVIDENCE))
            stances = before["stances"] + sum(1 for s in tally.stances if not _has(prev, s, TYPE, STANCE))
            counted = summary(full, sizes, events, stances, before["mentions"] + tally.mentions)
            manifest = manifest_of(full, data_version=data_version, audit=audit, code=code, ended=ended, counted=counted,
                                   seconds=lap.seconds, incremental={"from": release.version, "articles": stems, **extra.record()})

            dataset.quads(new)
            at_inferred = dataset.tell()
            _inferred_section(dataset, release.dataset_file, state, gone, section)
            dataset.quads(new_inferred)
            at_provenance = dataset.tell()
            dataset.write(prov)
            size = dataset.flush()
            # the store's difference applied, and the work state written, while the file is synced
            writer.apply(state.sections, Sections(at_inferred, at_provenance, size))
            write_texts(staging.work, part.articles, previous=state.texts)
            write_state(staging.work, version=version, events=state.events | {e["id"] for a in part.articles for e in a.items("events")},
                        stances={**state.stances, **digests}, entries=state.entries if extra.digests is None else extra.digests,
                        originals=originals, exact=True, sections=(at_inferred, at_provenance, size), stats=stats)
            dataset.finish()
            dataset_sha = dataset.sha256()
        except BaseException:
            closing.join()  # the store is closed before its folder goes
            raise
    closing.join()
    if closing.error is not None:
        raise closing.error
    result = BuildResult(None, validation, manifest, lap.seconds)
    result.release = staging.commit(manifest, store_sums=writer.checksums, sums={DATASET: dataset_sha}, prune=False)
    lap("publish")  # the release is current: old ones go after
    staging.prune()
    if writer.why:
        result.note = f"published without a store of its own (it is loaded into memory): {writer.why}"
    return result


class _Closing(threading.Thread):
    def __init__(self, store: ox.Store):
        super().__init__(name="crisiskg-close-store", daemon=True)
        self.store: ox.Store | None = store
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            assert self.store is not None
            self.store.flush()
        except BaseException as exc:  # noqa: BLE001 (raised by the build after join())
            self.error = exc
        self.store = None  # the last reference: RocksDB closes, so the folder can be renamed


def _close_in_background(store: ox.Store) -> _Closing:
    closing = _Closing(store)
    closing.start()
    return closing


def _has(store: ox.Store, s: str, p: ox.NamedNode, o: Any = None) -> bool:
    return holds(store, ox.NamedNode(s), p, o, ox.DefaultGraph())


def _lines_in(section: bytes, quads: list[Any]) -> list[Any]:
    """Those of ``quads`` that are lines of the N-Quads ``section``."""
    if not quads:
        return []
    lines = [ox.serialize([q], format=ox.RdfFormat.N_QUADS) or b"" for q in quads]
    if len(lines) > 16:
        held = set(section.splitlines(keepends=True))
        return [q for q, line in zip(quads, lines, strict=True) if line in held]
    text = b"\n" + section
    return [q for q, line in zip(quads, lines, strict=True) if b"\n" + line in text]


def _inferred_section(dataset: DatasetWriter, previous: Path, state: WorkState, gone: list[Any], section: bytes) -> None:
    """The previous inferred section (``section``, when read), less the quads ``gone``."""
    if not gone:
        dataset.copy(previous, state.inferred_at, state.provenance_at)
        return
    drop = set((ox.serialize(gone, format=ox.RdfFormat.N_QUADS) or b"").splitlines(keepends=True))
    lines = section.splitlines(keepends=True)
    kept = [line for line in lines if line not in drop]
    if len(lines) - len(kept) != len(drop):
        raise OSError(f"the inferred section of {previous} does not hold what was found in it")
    dataset.write(b"".join(kept))


def _originals(state: WorkState, prev: ox.Store, typed: set[Any]) -> dict[str, dict[Any, Any]] | None:
    """The typed literals as written (see :func:`crisiskg.build.validation.literal_originals`) of the
    dataset with the new article: the previous ones and the new ones. None when two literals of one
    property would be stored as one anywhere in it (the full build then runs plain pyshacl): among
    the new ones, or a new one and a previous one (looked up in the previous store by its stored
    form)."""
    if not state.exact:
        return None
    mapping, exact = literal_originals(typed)
    if not exact:
        return None
    old, dg = state.originals, ox.DefaultGraph()
    for p, written in typed:
        stored = next((k for k, v in mapping.get(p.value, {}).items() if v == written), written)
        if holds(prev, None, p, stored, dg) and old.get(p.value, {}).get(stored, stored) != written:
            return None
    merged = {p: dict(m) for p, m in old.items()}
    for p, m in mapping.items():
        merged.setdefault(p, {}).update(m)
    return merged
