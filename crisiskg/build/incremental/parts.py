"""The new part of the seeds: the plan, the new articles read with the registry and
propositions, the checks that send them to the full build, and the build's timing."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.incremental.additions import Additions, NeedsFullBuild, compare
from crisiskg.build.incremental.workstate import FIXED, Stats, WorkState
from crisiskg.build.publish import Release
from crisiskg.errors import SeedError
from crisiskg.loaders import SeedSet, iris, read_seeds
from crisiskg.loaders.seeds import ArticleSeed
from crisiskg.loaders.yamlio import YamlDoc
from crisiskg.terms import holds


@dataclass
class Planned:
    """What ``plan`` found: the release to build on, the new articles, its work state,
    the seed files' stat entries the new release may record, and which of the registry and the
    propositions changed (new entries, checked by :mod:`crisiskg.build.incremental.additions`)."""

    release: Release
    stems: list[str]
    state: WorkState
    stats: Stats
    changed: list[str] = field(default_factory=list)


class Fallback(Exception):
    """The new articles need the full build (the message says why)."""


def all_articles(files: dict[str, str]) -> list[ArticleSeed]:
    """Every article of the full seeds, as provenance needs them (key and file names)."""
    out = []
    for rel in sorted(files):
        if rel.startswith("articles/") and rel.endswith(".yaml"):
            stem = Path(rel).stem
            out.append(ArticleSeed(stem.split("_", 1)[0], stem, "", YamlDoc(rel, None), f"articles/{stem}.txt", rel))
    return out


class Laps:
    def __init__(self, on_stage: Callable[[str, float], None] | None):
        self.seconds: dict[str, float] = {}
        self.on_stage = on_stage
        self.t0 = time.perf_counter()

    def __call__(self, name: str) -> None:
        self.seconds[name] = round(time.perf_counter() - self.t0, 3)
        if self.on_stage:
            self.on_stage(name, self.seconds[name])
        self.t0 = time.perf_counter()


def read_part(folder: Path, stems: list[str], allow_drafts: bool, known: frozenset[str], release: Release,
              entries: Collection[str] = frozenset()) -> SeedSet:
    """The new articles, with the registry and propositions (not checked again when ``plan``
    found them as ``release`` read and checked them; else only their entries whose digest is not
    among the published ones, ``entries``)."""
    inputs = release.manifest.get("inputs", {})
    checked = {name: inputs[f"seeds/{name}"] for name in FIXED if f"seeds/{name}" in inputs}
    try:
        return read_seeds(folder, allow_drafts=allow_drafts, known_events=known, checked=checked, checked_entries=entries, only=stems)
    except SeedError as exc:
        if any("unknown entity or event" in p.message for p in exc.problems):
            raise Fallback("a new article refers to something unknown (the full build checks it against every article)") from exc
        raise


def refuse_shared(part: SeedSet, store: ox.Store, digests: dict[str, str], stances: dict[str, str]) -> None:
    """Fallback when a new article reuses a published article key, or shares a published stance
    that differs from it (``digests``: the new stances' :func:`stance_digests`; ``stances``: the
    published ones'). Shared events need nothing: see :mod:`crisiskg.build.incremental`."""
    dg = ox.DefaultGraph()

    def published(node: Any) -> bool:
        return holds(store, ox.NamedNode(str(node)), None, None, dg)

    for a in part.articles:
        if published(iris.article(a.key)):
            raise Fallback(f"article key {a.key!r} is already published (the full build reports it)")
    for sid, digest in digests.items():
        if stances.get(sid, digest) != digest:
            raise Fallback(f"stance {sid!r} differs from the published one (the full build reports how)")


def full_seeds(folder: Path, release: Release, part: SeedSet) -> SeedSet:
    files = {k[len("seeds/"):]: v for k, v in release.manifest["inputs"].items() if k.startswith("seeds/")}
    files.update(part.files)
    return SeedSet(folder, part.entities, part.propositions, all_articles(files), {}, files, registry_doc=part.registry_doc)


_STRINGS = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


def additions(part: SeedSet, release: Release, changed: list[str], *, end: int, events: frozenset[str],
              published: dict[str, str], texts: Path, typed: set[Any]) -> Additions:
    """The registry entities and propositions ``part`` adds to ``release`` (nothing when neither
    file ``changed``; ``published``: its entries' digests; ``texts``: its articles' texts), their
    typed literals added to ``typed``; Fallback when one it holds changed or went (the message
    says which file, which entry and what)."""
    if not changed:
        return Additions()
    try:
        found = compare(part, release, end=end, events=events, texts=texts, published=published)
    except NeedsFullBuild as exc:
        raise Fallback(str(exc)) from exc
    for q in found.quads:
        if isinstance(q.object, ox.Literal) and q.object.datatype.value not in _STRINGS:
            typed.add((q.predicate, q.object))
    return found
