"""The incremental build: new article files added to a published build, re-reasoned and
re-validated alone.

``plan`` compares the seeds folder with the inputs recorded in the current release's manifest.
Only when every recorded input (code, ontology, registry, propositions, each article) is unchanged
and the only difference is new article files does ``build`` run incrementally:

1. read the registry, the propositions and the new articles only (a folder of links to them);
2. write the new articles' graphs. A new article may annotate an event that published articles
   annotate too (one IRI, one more source: the usual case), and refer to published events. It may
   share a stance id when the stance is the same everywhere (holder, proposition, polarity,
   modality, strength, condition: the work state keeps a digest of each published stance's).
   A full build runs instead when a new article reuses a published article key, or shares a stance
   that differs (the full build reports both, with the files and lines), or shares a stance with
   a release that has no work state;
3. start from the previous release's work store (see below), copied by hard links into the new
   release's work folder, whose default graph is the union the full build reasoned and validated
   (a fixpoint); add the new triples, and run the rules seeded with them
   (``fixpoint.run(changed=...)``): rules reading nothing new never run;
4. validate only the focus nodes the new triples touch (their subjects and objects): the rest
   conformed before, and adding triples can make a node fail only through triples about it
   (sh:maxCount, value rules, disjointness) or a new target type, both touching it;
5. publish a new release atomically, with the same inferred graph a full build computes (an
   inferred triple that a new article asserts leaves the inferred graph): its ``dataset.nq`` is
   the previous one's asserted section (copied by the kernel, in the background from the start),
   the new asserted quads, the previous inferred section (less what became asserted), the new
   inferred quads and a new provenance graph; the manifest's counts are the previous ones plus
   what the new quads add. Nothing reads the whole previous dataset.

**The work store** (``build/work/<release>/``, :class:`WorkWriter`, :func:`write_state`): every
build that publishes leaves its union store on disk (``store/``: the default graph as the rules
and shapes saw it, nothing else: a named graph would double what RocksDB flushes) and
``state.json`` (the event ids the articles annotate, a digest of each stance's core, the typed literals pyoxigraph
stores in another form than they were written, and where ``dataset.nq``'s inferred and
provenance sections start). The next incremental build copies it with ``Store.backup`` (a RocksDB
checkpoint: hard links to the previous store's immutable files, opened read-only, so neither the
previous release nor a server is disturbed) and never changes the previous one. A release without
a work store (removed, or a publish that failed to write it) is built on by reading its
``dataset.nq`` back as before (slow at scale, same result).

Returns None from ``plan`` with the reason when a full build is needed (the caller says so).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.publish import DATASET, DatasetWriter, Release, Staging, current, publish, read_section
from crisiskg.build.reasoning import materialise
from crisiskg.build.stages import (
    EVIDENCE,
    STANCE,
    TYPE,
    BuildResult,
    Tally,
    conclude,
    manifest_of,
    raise_unless_conforming,
    run_provenance,
    summary,
    to_quads,
    version_of,
)
from crisiskg.build.validation import Validation, literal_originals, validate
from crisiskg.build.workstate import FIXED, STORE, Stats, WorkState, load_state, seed_inputs, stance_digests, write_state
from crisiskg.errors import PublishError, SeedError
from crisiskg.loaders import SeedSet, iris, read_seeds
from crisiskg.loaders.audits import Audit, stamp
from crisiskg.loaders.graph import to_graphs
from crisiskg.loaders.seeds import ArticleSeed
from crisiskg.loaders.yamlio import YamlDoc
from crisiskg.terms import holds, quads_matching
from crisiskg.vocab import INFERRED_GRAPH, PROVENANCE_GRAPH


@dataclass
class Planned:
    """What ``plan`` found: the release to build on, the new articles, its work state (or None)
    and the seed files' stat entries the new release may record."""

    release: Release
    stems: list[str]
    state: WorkState | None
    stats: Stats


def plan(seeds_dir: Path | str, out: Path | str, code: list[tuple[str, str]]) -> Planned | str:
    """The release to build on and the new article stems (none when no article file is new), or
    why a full build is needed."""
    started = time.time_ns()
    try:
        release = current(out)
    except PublishError:
        return "there is no published build to add to"
    inputs = release.manifest.get("inputs", {})
    if {k: v for k, v in inputs.items() if not k.startswith("seeds/")} != dict(code):
        return "the code or the ontology changed since the published build"
    state = load_state(release)
    stats: Stats = {}
    now = seed_inputs(Path(seeds_dir), cache=state.stats if state else None, record=stats, before_ns=started)
    old = {k: v for k, v in inputs.items() if k.startswith("seeds/")}
    if any(now.get(k) != v for k, v in old.items()):
        return "a seed file the published build read changed or was removed"
    new = sorted(k for k in now if k not in old)
    if any(not k.startswith("seeds/articles/") for k in new):
        return "the registry or the propositions changed"
    stems = sorted({Path(k).stem for k in new if k.endswith(".yaml")})
    return Planned(release, stems, state, stats)  # no stems: nothing new but perhaps the audit (see crisiskg.build.reissue)


def _all_articles(files: dict[str, str]) -> list[ArticleSeed]:
    """Every article of the full seeds, as provenance needs them (key and file names)."""
    out = []
    for rel in sorted(files):
        if rel.startswith("articles/") and rel.endswith(".yaml"):
            stem = Path(rel).stem
            out.append(ArticleSeed(stem.split("_", 1)[0], stem, "", YamlDoc(rel, None), f"articles/{stem}.txt", rel))
    return out


class Fallback(Exception):
    """The new articles need the full build (the message says why)."""


# ---------------------------------------------------------------- the work store


# ---------------------------------------------------------------- the build


def build(seeds_dir: Path | str, out: Path | str, planned: Planned, *, code: list[tuple[str, str]], audit: Audit | None = None,
          allow_drafts: bool = False, on_stage: Callable[[str, float], None] | None = None) -> Any:
    """Add the articles ``planned.stems`` to ``planned.release`` and publish the result, with the
    estimate of ``audit`` (:mod:`crisiskg.loaders.audits`); a BuildResult.

    Raises :class:`Fallback` when a full build is needed, and what the full build raises
    (SeedError, ValidationFailed) for mistakes in the new articles.
    """
    release, stems, state = planned.release, planned.stems, planned.state
    if state is None:
        return _build_from_dataset(seeds_dir, out, release, stems, code=code, audit=audit, allow_drafts=allow_drafts, on_stage=on_stage)
    with Staging(out) as staging:
        try:
            return _build_on_store(seeds_dir, staging, release, state, planned.stats, stems, code=code, audit=audit,
                                   allow_drafts=allow_drafts, on_stage=on_stage)
        except BaseException as exc:
            # the stores die with the frames that hold them, so that the staging folder can go
            traceback.clear_frames(exc.__traceback__)
            raise


class _Laps:
    def __init__(self, on_stage: Callable[[str, float], None] | None):
        self.seconds: dict[str, float] = {}
        self.on_stage = on_stage
        self.t0 = time.perf_counter()

    def __call__(self, name: str) -> None:
        self.seconds[name] = round(time.perf_counter() - self.t0, 3)
        if self.on_stage:
            self.on_stage(name, self.seconds[name])
        self.t0 = time.perf_counter()


def _read_part(folder: Path, stems: list[str], allow_drafts: bool, known: frozenset[str], release: Release) -> SeedSet:
    """The new articles, with the registry and propositions (not checked again: ``plan`` found
    them as ``release`` read and checked them)."""
    inputs = release.manifest.get("inputs", {})
    checked = {name: inputs[f"seeds/{name}"] for name in FIXED if f"seeds/{name}" in inputs}
    try:
        return read_seeds(folder, allow_drafts=allow_drafts, known_events=known, checked=checked, only=stems)
    except SeedError as exc:
        if any("unknown entity or event" in p.message for p in exc.problems):
            raise Fallback("a new article refers to something unknown (the full build checks it against every article)") from exc
        raise


def _refuse_shared(part: SeedSet, store: ox.Store, digests: dict[str, str], stances: dict[str, str] | None) -> None:
    """Fallback when a new article reuses a published article key, or shares a published stance
    that differs from it (``digests``: the new stances' :func:`stance_digests`; ``stances``: the
    published ones', None when not known, so that any shared stance needs the full build). Shared
    events need nothing: see the module docstring."""
    dg = ox.DefaultGraph()

    def published(node: Any) -> bool:
        return holds(store, ox.NamedNode(str(node)), None, None, dg)

    for a in part.articles:
        if published(iris.article(a.key)):
            raise Fallback(f"article key {a.key!r} is already published (the full build reports it)")
    for sid, digest in digests.items():
        if stances is None:
            if published(iris.stance(sid)):
                raise Fallback(f"stance {sid!r} is shared with a published article, and this release keeps no digest of it")
        elif stances.get(sid, digest) != digest:
            raise Fallback(f"stance {sid!r} differs from the published one (the full build reports how)")


def _full_seeds(folder: Path, release: Release, part: SeedSet) -> SeedSet:
    files = {k[len("seeds/"):]: v for k, v in release.manifest["inputs"].items() if k.startswith("seeds/")}
    files.update(part.files)
    return SeedSet(folder, part.entities, part.propositions, _all_articles(files), {}, files, registry_doc=part.registry_doc)


def _build_on_store(seeds_dir: Path | str, staging: Staging, release: Release, state: WorkState, stats: Stats, stems: list[str], *,
                    code: list[tuple[str, str]], audit: Audit | None, allow_drafts: bool, on_stage: Callable[[str, float], None] | None) -> Any:
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    lap = _Laps(on_stage)
    dg = ox.DefaultGraph()
    # the previous work store: read-only (never changed), checkpointed by hard links, the copy opened read-write
    prev = ox.Store.read_only(str(state.store))
    prev.backup(str(staging.work / STORE))
    store = ox.Store(str(staging.work / STORE))
    with DatasetWriter(staging.path / DATASET) as dataset:
        dataset.copy_in_background(release.dataset_file, 0, state.inferred_at)  # the asserted quads as published
        lap("load previous")

        folder = Path(seeds_dir)
        part = _read_part(folder, stems, allow_drafts, state.events, release)
        lap("read")

        digests = stance_digests(part.articles)
        _refuse_shared(part, store, digests, state.stances)
        graphs, origins = to_graphs(part, articles=part.articles, ontology=False)
        typed: set[Any] = set()
        new = to_quads(graphs, typed)
        added, seen, present = [], set(), []
        for q in new:
            t = ox.Quad(q.subject, q.predicate, q.object, dg)
            if t not in seen:
                seen.add(t)
                if t in store:
                    present.append(t)  # asserted by another article, or inferred before
                else:
                    added.append((q.subject, q.predicate, q.object))
        store.extend(ox.Quad(s, p, o, dg) for s, p, o in added)
        lap("load")

        inference = materialise(store, added=added)
        lap("reason")

        touched = {t for s, _p, o in [*added, *inference.triples] for t in (s, o)}
        originals = _originals(state, prev, typed)
        if originals is None:
            raise Fallback("literals pyoxigraph would store as one need plain pyshacl")
        validation: Validation = validate(store, origins=origins, originals=originals, focus=touched)
        lap("validate")
        raise_unless_conforming(inference.inconsistencies, validation)

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

            full = _full_seeds(folder, release, part)
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
                                   seconds=lap.seconds, incremental={"from": release.version, "articles": stems})

            dataset.quads(new)
            at_inferred = dataset.tell()
            _inferred_section(dataset, release.dataset_file, state, gone, section)
            dataset.quads(new_inferred)
            at_provenance = dataset.tell()
            dataset.write(prov)
            size = dataset.finish()
        except BaseException:
            closing.join()  # the store is closed before its folder goes
            raise
    closing.join()
    if closing.error is not None:
        raise closing.error
    write_state(staging.work, version=version, events=state.events | {e["id"] for a in part.articles for e in a.items("events")},
                stances={**state.stances, **digests},
                originals=originals, exact=True, sections=(at_inferred, at_provenance, size), stats=stats)
    result = BuildResult(None, validation, manifest, lap.seconds)
    result.release = staging.commit(manifest)
    lap("publish")
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


_STRINGS = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


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


def _build_from_dataset(seeds_dir: Path | str, out: Path | str, release: Release, stems: list[str], *, code: list[tuple[str, str]],
                        audit: Audit | None = None, allow_drafts: bool = False, on_stage: Callable[[str, float], None] | None = None) -> Any:
    """The build on a release without a work store: its ``dataset.nq`` read back into memory."""
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    lap = _Laps(on_stage)

    # the previous release: its asserted quads as written, its inferred triples, no provenance
    inferred_iri, prov_iri = str(INFERRED_GRAPH), str(PROVENANCE_GRAPH)
    old: list[Any] = []
    old_inferred: list[Any] = []
    for q in ox.parse(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS):
        g = q.graph_name.value
        if g == inferred_iri:
            old_inferred.append(q)
        elif g != prov_iri:
            old.append(q)
    store = ox.Store()
    dg = ox.DefaultGraph()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, dg) for q in (*old, *old_inferred))
    event_prefix = str(iris.event("x"))[:-1]
    known = frozenset(v[len(event_prefix):] for q in old if isinstance(q.subject, ox.NamedNode)
                      and (v := q.subject.value).startswith(event_prefix) and "/" not in v[len(event_prefix):])
    lap("load previous")

    folder = Path(seeds_dir)
    part = _read_part(folder, stems, allow_drafts, known, release)
    lap("read")

    _refuse_shared(part, store, stance_digests(part.articles), None)
    graphs, origins = to_graphs(part, articles=part.articles, ontology=False)
    typed: set[Any] = set()
    new = to_quads(graphs, typed)
    added = []
    for q in new:
        t = ox.Quad(q.subject, q.predicate, q.object, dg)
        if t not in store:
            added.append((q.subject, q.predicate, q.object))
            store.add(t)
    lap("load")

    inference = materialise(store, added=added)
    lap("reason")

    asserted_now = {(q.subject, q.predicate, q.object) for q in new}
    touched = {t for s, _p, o in [*added, *inference.triples] for t in (s, o)}
    # the typed literals of the whole dataset as written (the previous ones too, for the nodes touched)
    for q in old:
        if isinstance(q.object, ox.Literal) and q.object.datatype.value not in _STRINGS and q.subject in touched:
            typed.add((q.predicate, q.object))
    originals, exact = literal_originals(typed)
    if not exact:
        raise Fallback("literals pyoxigraph would store as one need plain pyshacl")
    validation: Validation = validate(store, origins=origins, originals=originals, focus=touched)
    lap("validate")
    raise_unless_conforming(inference.inconsistencies, validation)

    full = _full_seeds(folder, release, part)
    data_version = version_of(full, code)
    ig = ox.NamedNode(inferred_iri)
    inferred = [q for q in old_inferred if (q.subject, q.predicate, q.object) not in asserted_now]
    inferred += [ox.Quad(s, p, o, ig) for s, p, o in inference.triples]
    quads = [*old, *new, *inferred]
    manifest = conclude(quads, full, data_version=data_version, audit=audit, code=code, started=started, seconds=lap.seconds,
                        incremental={"from": release.version, "articles": stems})
    result = BuildResult(quads, validation, manifest, lap.seconds)
    result.release = publish(quads, manifest, out)
    lap("publish")
    return result
