"""The incremental build: new article files added to a published build, re-reasoned and
re-validated alone.

``plan`` compares the seeds folder with the inputs recorded in the current release's manifest.
Only when every recorded input (code, ontology, each article) is unchanged, the registry and the
propositions at most gained entries, and there are new article files does ``build`` run
incrementally; otherwise the full build runs and says which file changed and how:

1. read the registry, the propositions and the new articles only; when the registry or the
   propositions changed, compare their entries with the published ones
   (:mod:`.additions`): new entries are added to the entities graph, a changed or
   removed one needs the full build;
2. write the new articles' graphs. A new article may annotate an event that published articles
   annotate too (one IRI, one more source: the usual case), and refer to published events. It may
   share a stance id when the stance is the same everywhere (holder, proposition, polarity,
   modality, strength, condition: the work state keeps a digest of each published stance's).
   A full build runs instead when a new article reuses a published article key, or shares a stance
   that differs (the full build reports both, with the files and lines);
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
   what the new quads add. Its own store (``store/``, which the server and its workers open) is
   the previous release's, checkpointed by hard links, plus the difference
   (:mod:`crisiskg.build.delta`); when that cannot be done (the previous release has none), it is
   published without one, and the build's note says why. Nothing reads the whole previous dataset.

**The work store** (``build/work/<release>/``, :mod:`.workstate`): every build that publishes
leaves its union store on disk (``store/``: the default graph as the rules and shapes saw it,
nothing else: a named graph would double what RocksDB flushes), ``state.json`` (the event ids the
articles annotate, a digest of each stance's core and of each registry and proposition entry, the
typed literals pyoxigraph stores in another form than they were written, and where
``dataset.nq``'s inferred and provenance sections start) and ``texts`` (the articles' texts, where
a new registry name is looked for). The next incremental build copies the store with
``Store.backup`` (a RocksDB checkpoint: hard links to the previous store's immutable files, opened
read-only, so neither the previous release nor a server is disturbed) and never changes the
previous one. A release without a usable work store (removed, or of an older format) gets the
full build, which says so and leaves one for the next incremental build: there is one
incremental path.

The family: this module plans and runs it; :mod:`.workstate` writes and reads the work state;
:mod:`.parts` reads the new part of the seeds and refuses what needs the full build;
:mod:`.additions` compares the registry and propositions with the published ones; :mod:`.onstore`
builds on the work store and writes the dataset's sections.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crisiskg.build.incremental.onstore import build_on_store
from crisiskg.build.incremental.parts import Fallback, Planned, all_articles
from crisiskg.build.incremental.workstate import FIXED, Stats, load_state, seed_inputs
from crisiskg.build.publish import Staging, current
from crisiskg.errors import PublishError
from crisiskg.loaders.audits import Audit

__all__ = ["Fallback", "Planned", "all_articles", "build", "plan"]


def plan(seeds_dir: Path | str, out: Path | str, code: list[tuple[str, str]]) -> Planned | str:
    """The release to build on and the new article stems (none when no article file is new), or
    why a full build is needed: which file changed or went, and how, as far as this can tell."""
    started = time.time_ns()
    try:
        release = current(out)
    except PublishError:
        return "there is no published build to add to"
    inputs = release.manifest.get("inputs", {})
    if {k: v for k, v in inputs.items() if not k.startswith("seeds/")} != dict(code):
        changed_code = sorted(set(dict(code).items()) ^ {(k, v) for k, v in inputs.items() if not k.startswith("seeds/")})
        return f"the code or the ontology changed since the published build ({changed_code[0][0]}{' and more' if len(changed_code) > 1 else ''})"
    state = load_state(release)
    stats: Stats = {}
    now = seed_inputs(Path(seeds_dir), cache=state.stats if state else None, record=stats, before_ns=started)
    old = {k: v for k, v in inputs.items() if k.startswith("seeds/")}
    fixed = {f"seeds/{name}" for name in FIXED}
    for k, v in sorted(old.items()):
        if k not in now:
            return f"{k} was removed since the published build (removing an article needs the full build)"
        if now[k] != v and k not in fixed:
            return f"{k} changed since the published build (an edited article needs the full build)"
    new = sorted(k for k in now if k not in old)
    if any(not k.startswith("seeds/articles/") for k in new):
        return f"{next(k for k in new if not k.startswith('seeds/articles/'))} is new since the published build"
    stems = sorted({Path(k).stem for k in new if k.endswith(".yaml")})
    changed = sorted(k[len("seeds/"):] for k in fixed if k in old and now.get(k) != old[k])
    if changed and not stems:
        return f"seeds/{changed[0]} changed and no article is new (new entries are added incrementally beside new articles)"
    if state is None:
        return f"build {release.version} keeps no work store to add to (removed, or of an older format); this build leaves one"
    return Planned(release, stems, state, stats, changed)  # no stems: nothing new but perhaps the audit (see crisiskg.build.reissue)


def build(seeds_dir: Path | str, out: Path | str, planned: Planned, *, code: list[tuple[str, str]], audit: Audit | None = None,
          allow_drafts: bool = False, on_stage: Callable[[str, float], None] | None = None) -> Any:
    """Add the articles ``planned.stems`` (and the new registry entries and propositions beside
    them) to ``planned.release`` and publish the result, with the estimate of ``audit``
    (:mod:`crisiskg.loaders.audits`); a BuildResult.

    Raises :class:`Fallback` when a full build is needed, and what the full build raises
    (SeedError, ValidationFailed) for mistakes in the new articles.
    """
    with Staging(out) as staging:
        try:
            return build_on_store(seeds_dir, staging, planned.release, planned.state, planned.stats, planned.stems, code=code, audit=audit,
                                  allow_drafts=allow_drafts, on_stage=on_stage, changed=planned.changed)
        except BaseException as exc:
            # the stores die with the frames that hold them, so that the staging folder can go
            traceback.clear_frames(exc.__traceback__)
            raise
