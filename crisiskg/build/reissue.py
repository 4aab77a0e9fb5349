"""A published build reissued with another audit: the same graphs, a new version and manifest.

When the only change since the published build is the newest complete audit file
(``seeds/audits/``), nothing is read, reasoned or validated again: the new release's
``dataset.nq`` is the previous one's asserted and inferred sections (copied by the kernel) and a
new provenance graph (the new version, the audit file among the inputs); its work store is a
hard-linked copy of the previous one (which holds no provenance), and so is its own store, with the
provenance graph replaced (:mod:`crisiskg.build.delta`); its manifest is the previous one
with the new version, time and audit estimate, and says it was built from the previous one with no
article added (so ``crisiskg push`` applies only the provenance graph to that release's store). The
result is what a full build of the same seeds publishes, build times aside.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.delta import Sections, StoreWriter
from crisiskg.build.incremental import Fallback, Planned, all_articles
from crisiskg.build.incremental.workstate import STORE, TEXTS, write_state
from crisiskg.build.publish import DATASET, DatasetWriter, Staging
from crisiskg.build.stages import BuildResult, manifest_of, run_provenance
from crisiskg.build.validation import Validation
from crisiskg.loaders import SeedSet
from crisiskg.loaders.audits import Audit, stamp
from crisiskg.vocab import INFERRED_GRAPH, PROVENANCE_GRAPH


def reissue(seeds_dir: Path | str, out: Path | str, planned: Planned, *, audit: Audit | None, code: list[tuple[str, str]],
            on_stage: Callable[[str, float], None] | None = None) -> Any:
    """Publish ``planned.release`` again with the estimate of ``audit``; a BuildResult. Raises
    :class:`~crisiskg.build.incremental.Fallback` when the release keeps no data version (older
    code built it)."""
    release, state = planned.release, planned.state
    data_version = release.manifest.get("data_version")
    if not data_version:
        raise Fallback("the audit changed, and the published build keeps no data version to reissue it with")
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    files = {k[len("seeds/"):]: v for k, v in release.manifest["inputs"].items() if k.startswith("seeds/")}
    seeds = SeedSet(Path(seeds_dir), {}, {}, all_articles(files), {}, files)
    version = stamp(data_version, audit)
    with Staging(out) as staging:
        ox.Store.read_only(str(state.store)).backup(str(staging.work / STORE))
        os.link(state.texts, staging.work / TEXTS)  # never changed in place: the next build writes a new one
        with DatasetWriter(staging.path / DATASET) as dataset:
            dataset.copy(release.dataset_file, 0, state.provenance_at)
            prov, ended = run_provenance(seeds, version=version, code=code, started=started, audit=audit)
            dataset.write(prov)
            size = dataset.finish()
            dataset_sha = dataset.sha256()
        writer = StoreWriter(release, staging.path)
        writer.apply(state.sections, Sections(state.inferred_at, state.provenance_at, size))
        try:  # the release's own store is written meanwhile
            counts = dict(release.manifest["counts"])
            graphs = {**counts["graphs"], str(PROVENANCE_GRAPH): prov.count(b"\n")}
            counts["graphs"] = graphs
            counts["triples_asserted"] = sum(graphs.values()) - graphs.get(str(INFERRED_GRAPH), 0)
            seconds = {"reissue": round(time.perf_counter() - t0, 3)}
            manifest = manifest_of(seeds, data_version=data_version, audit=audit, code=code, ended=ended, counted=counts,
                                   seconds=seconds, incremental={"from": release.version, "articles": [], "reissued": True})
            write_state(staging.work, version=version, events=state.events, stances=state.stances, entries=state.entries, originals=state.originals,
                        exact=state.exact, sections=(state.inferred_at, state.provenance_at, size), stats=planned.stats)
            result = BuildResult(None, Validation(True), manifest, seconds)
            result.release = staging.commit(manifest, store_sums=writer.checksums, sums={DATASET: dataset_sha})
        finally:
            writer.join()  # before the staging folder may go
        if writer.why:
            result.note = f"published without a store of its own (it is loaded into memory): {writer.why}"
    seconds["publish"] = round(time.perf_counter() - t0 - seconds["reissue"], 3)  # the store's wait included (not in the manifest)
    if on_stage:
        on_stage("reissue", seconds["reissue"])
        on_stage("publish", seconds["publish"])
    return result
