"""The incremental build: new article files added to a published build, re-reasoned and
re-validated alone.

``plan`` compares the seeds folder with the inputs recorded in the current release's manifest.
Only when every recorded input (code, ontology, registry, propositions, each article) is unchanged
and the only difference is new article files does ``build`` run incrementally:

1. read the registry, the propositions and the new articles only (a folder of links to them);
2. write the new articles' graphs; refuse (full build instead) if one reuses an article key, an
   event or a stance id already published, or refers to an event of another article: the checks
   that span articles need the full build;
3. load the previous release's quads into a store whose default graph is their union (as the
   full build has it after reasoning: a fixpoint), add the new triples, and run the rules seeded
   with them (``rules.run(changed=...)``): rules reading nothing new never run;
4. validate only the focus nodes the new triples touch (their subjects and objects): the rest
   conformed before, and adding triples can make a node fail only through triples about it
   (sh:maxCount, value rules, disjointness) or a new target type, both touching it;
5. publish a new release atomically, with the same inferred graph a full build computes (an
   inferred triple that a new article asserts leaves the inferred graph).

Returns None from ``plan`` with the reason when a full build is needed (the caller says so).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.errors import PublishError, SeedError, ValidationFailed
from crisiskg.publish import Release, current, publish
from crisiskg.reasoning import materialise
from crisiskg.validation import Validation, literal_originals, validate
from crisiskg.vocab import INFERRED_GRAPH, PROVENANCE_GRAPH
from loaders import SeedSet, iris, read_seeds
from loaders.graph import to_graphs
from loaders.seeds import ArticleSeed
from loaders.yamlio import YamlDoc

FIXED = ("registry.yaml", "propositions.yaml")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_inputs(folder: Path) -> dict[str, str]:
    """sha256 of every seed file a build reads (as the manifest records them: ``seeds/...``)."""
    out = {f"seeds/{name}": _sha(folder / name) for name in FIXED if (folder / name).exists()}
    art = folder / "articles"
    if art.is_dir():
        for path in sorted(art.iterdir()):
            if path.suffix in (".yaml", ".txt") and path.is_file():
                out[f"seeds/articles/{path.name}"] = _sha(path)
    return out


def plan(seeds_dir: Path | str, out: Path | str, code: list[tuple[str, str]]) -> tuple[Release, list[str]] | str:
    """The release to build on and the new article stems, or why a full build is needed."""
    try:
        release = current(out)
    except PublishError:
        return "there is no published build to add to"
    inputs = release.manifest.get("inputs", {})
    if {k: v for k, v in inputs.items() if not k.startswith("seeds/")} != dict(code):
        return "the code or the ontology changed since the published build"
    now = seed_inputs(Path(seeds_dir))
    old = {k: v for k, v in inputs.items() if k.startswith("seeds/")}
    if any(now.get(k) != v for k, v in old.items()):
        return "a seed file the published build read changed or was removed"
    new = sorted(k for k in now if k not in old)
    if any(not k.startswith("seeds/articles/") for k in new):
        return "the registry or the propositions changed"
    stems = sorted({Path(k).stem for k in new if k.endswith(".yaml")})
    if not stems:
        return "no new article files"
    return release, stems


def _subset(folder: Path, stems: list[str], into: Path) -> Path:
    """A seeds folder of links: the registry, the propositions and the new articles only."""
    (into / "articles").mkdir(parents=True)
    for name in FIXED:
        (into / name).symlink_to((folder / name).resolve())
    for stem in stems:
        for suffix in (".yaml", ".txt"):
            src = folder / "articles" / f"{stem}{suffix}"
            if src.exists():
                (into / "articles" / src.name).symlink_to(src.resolve())
    return into


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


def build(seeds_dir: Path | str, out: Path | str, release: Release, stems: list[str], *, code: list[tuple[str, str]],
          allow_drafts: bool = False, on_stage: Callable[[str, float], None] | None = None) -> Any:
    """Add the articles ``stems`` to ``release`` and publish the result; a BuildResult.

    Raises :class:`Fallback` when a full build is needed, and what the full build raises
    (SeedError, ValidationFailed) for mistakes in the new articles.
    """
    from crisiskg.pipeline import BuildResult, conclude, to_quads, version_of

    seconds: dict[str, float] = {}
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t0
        seconds[name] = round(time.perf_counter() - t0, 3)
        if on_stage:
            on_stage(name, seconds[name])
        t0 = time.perf_counter()

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
    with tempfile.TemporaryDirectory(prefix="crisiskg-incremental-") as tmp:
        try:
            part = read_seeds(_subset(folder, stems, Path(tmp) / "seeds"), allow_drafts=allow_drafts, known_events=known)
        except SeedError as exc:
            if any("unknown entity or event" in p.message for p in exc.problems):
                raise Fallback("a new article refers to something unknown (the full build checks it against every article)") from exc
            raise
    lap("read")

    shared = [iris.article(a.key) for a in part.articles] + [iris.event(e["id"]) for a in part.articles for e in a.items("events")]
    shared += [iris.stance(st["id"]) for a in part.articles for st in a.items("stances")]
    for node in shared:
        if next(iter(store.quads_for_pattern(ox.NamedNode(str(node)), None, None, dg)), None) is not None:
            raise Fallback(f"<{node}> is already published: an article key, event or stance shared with another article")
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
    if inference.inconsistencies:
        raise ValidationFailed("\n".join(f"- OWL RL inconsistency: {m}" for m in inference.inconsistencies), len(inference.inconsistencies))
    if not validation.conforms:
        raise ValidationFailed(validation.report, len(validation.violations))

    files = {k[len("seeds/"):]: v for k, v in release.manifest["inputs"].items() if k.startswith("seeds/")}
    files.update(part.files)
    full = SeedSet(folder, part.entities, part.propositions, _all_articles(files), {}, files, registry_doc=part.registry_doc)
    version = version_of(full, code)
    ig = ox.NamedNode(inferred_iri)
    inferred = [q for q in old_inferred if (q.subject, q.predicate, q.object) not in asserted_now]
    inferred += [ox.Quad(s, p, o, ig) for s, p, o in inference.triples]
    quads = [*old, *new, *inferred]
    manifest = conclude(quads, full, version=version, code=code, started=started, seconds=seconds,
                        incremental={"from": release.version, "articles": stems})
    result = BuildResult(quads, validation, manifest, seconds)
    result.release = publish(quads, manifest, out)
    lap("publish")
    return result


_STRINGS = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
