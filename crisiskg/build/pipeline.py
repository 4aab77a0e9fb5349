"""The build: seeds -> dataset -> reasoning -> SHACL gate -> atomic publish.

Each stage is one call; ``build`` times them and returns a :class:`BuildResult`. Nothing is
published unless every stage succeeds and the data conforms. At scale no rdflib store is built: the
loaders' triples become pyoxigraph quads once (published as written), and one pyoxigraph store
holding their union serves the rules engine and the compiled shapes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from crisiskg.build import incremental as inc
from crisiskg.build.diskstore import ASSERTED, INFERRED, StoreLoader
from crisiskg.build.incremental import workstate
from crisiskg.build.publish import DATASET, DatasetWriter, Staging
from crisiskg.build.reasoning import materialise
from crisiskg.build.reissue import reissue
from crisiskg.build.stages import (
    BuildResult,
    add_provenance,
    code_files,
    collector_paused,
    conclude,
    counts,
    manifest_of,
    raise_unless_conforming,
    read_inputs,
    to_quads,
    union_store,
    version_of,
)
from crisiskg.build.validation import Validation, literal_originals, validate
from crisiskg.errors import BuildError
from crisiskg.loaders import audits
from crisiskg.loaders.graph import Origins, to_graphs
from crisiskg.vocab import INFERRED_GRAPH

T = TypeVar("T")


def build(seeds_dir: Path | str, out: Path | str | None = None, *, allow_drafts: bool = False,
          on_stage: Callable[[str, float], None] | None = None, incremental: bool = False) -> BuildResult:
    """Run the whole pipeline; publish to ``out`` when given and everything passed.

    ``incremental=True``: when the only change since the build published in ``out`` is new
    article files, reason and validate only what they touch (:mod:`crisiskg.build.incremental`, the
    same dataset as a full build); otherwise run the full build and say why in ``note``. The
    result's ``path`` says which ran: ``"full"``, ``"incremental"`` or ``"reissue"``.
    The answers to the saved questions are not kept here: a caller that serves the release keeps
    them after publishing (:func:`crisiskg.query.answers.keep_answers`, as ``crisiskg build`` does).
    Raises SeedError (bad seeds), ValidationFailed (SHACL violations or an inconsistency), or
    BuildError; in every case nothing is published.
    """
    return _build(seeds_dir, out, allow_drafts=allow_drafts, on_stage=on_stage, incremental=incremental)


def _build(seeds_dir: Path | str, out: Path | str | None, *, allow_drafts: bool,
           on_stage: Callable[[str, float], None] | None, incremental: bool) -> BuildResult:
    note = ""
    if incremental and out is not None:
        code = code_files()
        audit = audits.latest(seeds_dir)
        planned = inc.plan(seeds_dir, out, code)
        if isinstance(planned, str):
            note = f"full build: {planned}"
        elif not planned.stems and audits.same(planned.release.manifest.get("audit"), audit):
            note = "full build: no new article files"
        else:
            try:
                if planned.stems:
                    result = inc.build(seeds_dir, out, planned, code=code, audit=audit, allow_drafts=allow_drafts, on_stage=on_stage)
                    result.note = f"incremental: added {', '.join(planned.stems)} to build {planned.release.version}" + _also(result.note)
                    result.path = "incremental"
                else:
                    result = reissue(seeds_dir, out, planned, audit=audit, code=code, on_stage=on_stage)
                    which = f"the audit seeds/{audit.file}" if audit else "no audit"
                    result.note = f"incremental: build {planned.release.version} reissued with {which} (the graphs unchanged)" + _also(result.note)
                    result.path = "reissue"
            except inc.Fallback as exc:
                note = f"full build: {exc}"
            except OSError as exc:
                raise BuildError(f"could not publish to {out}: {exc}") from exc
            else:
                return result
    result = _full_build(seeds_dir, out, allow_drafts=allow_drafts, on_stage=on_stage)
    result.note = note
    return result


def _inferred(inference: Any) -> Iterator[ox.Quad]:
    """The inferred triples, as quads of the inferred graph."""
    graph = ox.NamedNode(str(INFERRED_GRAPH))
    return (ox.Quad(s, p, o, graph) for s, p, o in inference.triples)


def _also(note: str) -> str:
    """What an incremental build said of its release (e.g. why it has no store of its own), after the note's first part."""
    return f"; {note}" if note else ""


def _full_build(seeds_dir: Path | str, out: Path | str | None, *, allow_drafts: bool,
                on_stage: Callable[[str, float], None] | None) -> BuildResult:
    seconds: dict[str, float] = {}
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    before_ns = time.time_ns()

    def stage(name: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        result = fn()
        seconds[name] = round(time.perf_counter() - t0, 3)
        if on_stage:
            on_stage(name, seconds[name])
        return result

    typed: set[Any] = set()

    def load() -> tuple[list[Any], Origins, ox.Store]:
        graphs, origins = to_graphs(seeds)
        quads = to_quads(graphs, typed)
        return quads, origins, union_store(quads)

    with collector_paused():
        seeds, audit = stage("read", lambda: read_inputs(seeds_dir, allow_drafts=allow_drafts))
        quads, origins, store = stage("load", load)
    code = code_files()
    data_version = version_of(seeds, code)
    version = audits.stamp(data_version, audit)
    n_asserted = len(quads)
    literals: list[Any] = []

    def check() -> Validation:
        originals, exact = literal_originals(typed)
        literals[:] = [originals, exact]
        return validate(store, origins=origins, originals=originals, mode="fast" if exact else "reference")

    if out is None:
        inference = stage("reason", lambda: materialise(store))  # owlrl: the oracle in tests
        quads.extend(_inferred(inference))
        validation = stage("validate", check)
        raise_unless_conforming(inference.inconsistencies, validation, seeds=seeds)
        manifest = conclude(quads, seeds, data_version=data_version, audit=audit, code=code, started=started, seconds=seconds)
        return BuildResult(quads, validation, manifest, seconds)

    # dataset.nq is written section by section as each is known, and a thread loads each section
    # into the release's own store and the work store the next incremental build starts from while
    # the build goes on: the asserted one while reasoning, the inferred one while validating, the
    # provenance one (known once the data conforms) last
    staging = Staging(out)
    loader: StoreLoader | None = None
    fh: DatasetWriter | None = None
    t0 = time.perf_counter()
    try:
        fh = DatasetWriter(staging.path / DATASET)
        fh.quads(quads)
        at_inferred = fh.flush()
        loader = StoreLoader(staging.path, staging.path / DATASET, work=staging.work / workstate.STORE)
        loader.load(at_inferred, ASSERTED)
        early = time.perf_counter() - t0  # publishing's, done before reasoning and validating
        inference = stage("reason", lambda: materialise(store))
        t0 = time.perf_counter()
        quads.extend(_inferred(inference))
        n_inferred = len(quads)
        fh.quads(quads[n_asserted:])
        at_provenance = fh.flush()
        loader.load(at_provenance, INFERRED)
        early += time.perf_counter() - t0
        validation = stage("validate", check)
        raise_unless_conforming(inference.inconsistencies, validation, seeds=seeds)
        t0 = time.perf_counter() - early
        # the provenance section first, so that the loader's last section and its optimize run while
        # the manifest is counted and the work state written
        ended = add_provenance(quads, seeds, version=version, code=code, started=started, audit=audit)
        fh.quads(quads[n_inferred:])
        size = fh.flush()
        loader.finish(size)
        manifest = manifest_of(seeds, data_version=data_version, audit=audit, code=code, ended=ended, counted=counts(quads, seeds),
                               seconds=seconds)
        result = BuildResult(quads, validation, manifest, seconds)
        fh.finish()
        dataset_sha = fh.sha256()
        fh.close()
        workstate.write_texts(staging.work, seeds.articles)
        workstate.write_state(staging.work, version=version, events={e["id"] for a in seeds.articles for e in a.items("events")},
                              stances=workstate.stance_digests(seeds.articles), entries=workstate.entry_digests(seeds),
                              originals=literals[0], exact=literals[1], sections=(at_inferred, at_provenance, size),
                              stats=workstate.trusted_stats(Path(seeds_dir), seeds.files, before_ns))
        waited = time.perf_counter()
        loader.wait()
        seconds["stores wait"] = round(time.perf_counter() - waited, 3)  # loaded in the background; publish waited this long
        result.release = staging.commit(manifest, store_sums=loader.wait, sums={DATASET: dataset_sha}, prune=False)
    except BaseException as exc:
        if loader is not None:
            loader.cancel()
            loader.join()
        if fh is not None:
            fh.close()
        staging.abort()
        if isinstance(exc, OSError):
            raise BuildError(f"could not publish to {out}: {exc}") from exc
        raise
    seconds["publish"] = round(time.perf_counter() - t0, 3)
    if on_stage:
        on_stage("publish", seconds["publish"])
    staging.prune()  # the release is current: old ones go after
    return result
