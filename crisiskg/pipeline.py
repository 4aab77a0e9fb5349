"""The build: seeds -> dataset -> reasoning -> SHACL gate -> atomic publish.

Each stage is one call; ``build`` times them and returns a :class:`BuildResult`. Nothing is
published unless every stage succeeds and the data conforms. At scale no rdflib store is built: the
loaders' triples become pyoxigraph quads once (published as written), and one pyoxigraph store
holding their union serves the rules engine and the compiled shapes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from crisiskg import __version__
from crisiskg.errors import BuildError, ValidationFailed
from crisiskg.publish import Release, publish
from crisiskg.reasoning import materialise
from crisiskg.terms import to_oxigraph, to_rdflib
from crisiskg.validation import Validation, literal_originals, validate
from crisiskg.vocab import CKG, ENTITIES_GRAPH, ID, INFERRED_GRAPH, NIF, PROVENANCE_GRAPH
from loaders import SeedSet, read_seeds
from loaders.graph import Origins, provenance, to_graphs

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("crisiskg", "loaders", "ontology")
T = TypeVar("T")


@dataclass
class BuildResult:
    """What a build produced: its validation, manifest, seconds per stage, and the data.

    ``quads`` holds every published quad (pyoxigraph terms, asserted ones as written);
    ``dataset`` is the same as an rdflib Dataset, made on first use (slow at scale).
    """

    quads: list[Any]
    validation: Validation
    manifest: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    release: Release | None = None
    inconsistencies: list[str] = field(default_factory=list)
    note: str = ""  # e.g. why an incremental build ran as a full one
    _dataset: Dataset | None = field(default=None, repr=False)

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = to_rdflib_dataset(self.quads)
        return self._dataset


def code_files() -> list[tuple[str, str]]:
    """(relative path, sha256) of the code and ontology that shape a build."""
    out = []
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).glob("*")):
            if path.suffix in (".py", ".ttl") and path.is_file():
                out.append((f"{folder}/{path.name}", hashlib.sha256(path.read_bytes()).hexdigest()))
    return out


def version_of(seeds: SeedSet, code: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for rel, sha in sorted([*seeds.files.items(), *code]):
        h.update(f"{rel}\0{sha}\n".encode())
    return h.hexdigest()[:16]


_EVENT = str(ID) + "event/"
_TYPE, _STANCE, _EVIDENCE, _TA_IDENT = str(RDF.type), str(CKG.Stance), str(CKG.evidence), str(NIF.taIdentRef)


def counts(quads: Iterable[Any], seeds: SeedSet) -> dict[str, Any]:
    """The manifest's counts, from every published quad (provenance counts as asserted)."""
    sizes: Counter[str] = Counter()
    events, stances, mentions = set(), set(), 0
    for q in quads:
        g, p = q.graph_name.value, q.predicate.value
        sizes[g] += 1
        if p == _EVIDENCE:
            s = q.subject.value
            if s.startswith(_EVENT) and "/casualties/" not in s:
                events.add(s)
        elif p == _TYPE and q.object.value == _STANCE:
            stances.add(q.subject.value)
        elif p == _TA_IDENT:
            mentions += 1
    inferred = sizes.get(str(INFERRED_GRAPH), 0)
    return {
        "articles": len(seeds.articles),
        "entities": len(seeds.entities),
        "propositions": len(seeds.propositions),
        "events": len(events),
        "stances": len(stances),
        "mentions": mentions,
        "entity_triples": sizes.get(str(ENTITIES_GRAPH), 0),
        "triples_asserted": sum(sizes.values()) - inferred,
        "triples_inferred": inferred,
        "graphs": {g: n for g, n in sorted(sizes.items()) if n},
    }


def to_quads(graphs: Mapping[URIRef, Iterable[Any]], typed: set[Any] | None = None) -> list[Any]:
    """rdflib triples per graph as pyoxigraph quads (each term converted once); the (property,
    typed literal) pairs met go into ``typed`` (validation needs those literals as written)."""
    cache: dict[Any, Any] = {}
    out = []
    for iri, triples in graphs.items():
        gn = ox.NamedNode(str(iri))
        for s, p, o in triples:
            try:
                so = cache[s]
            except KeyError:
                so = cache[s] = to_oxigraph(s)
            try:
                po = cache[p]
            except KeyError:
                po = cache[p] = to_oxigraph(p)
            try:
                oo = cache[o]
            except KeyError:
                oo = cache[o] = to_oxigraph(o)
            if typed is not None and isinstance(o, Literal) and o.datatype is not None and str(o.datatype) != _XSD_STRING:
                typed.add((po, oo))
            out.append(ox.Quad(so, po, oo, gn))
    return out


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def union_store(quads: Iterable[Any]) -> ox.Store:
    """A pyoxigraph store whose default graph is the union of ``quads`` (for rules and shapes)."""
    store = ox.Store()
    dg = ox.DefaultGraph()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, dg) for q in quads)
    return store


def to_rdflib_dataset(quads: Iterable[Any]) -> Dataset:
    ds = Dataset()
    for q in quads:
        ds.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), to_rdflib(q.graph_name)))  # type: ignore[arg-type]
    return ds


def build(seeds_dir: Path | str, out: Path | str | None = None, *, allow_drafts: bool = False,
          on_stage: Callable[[str, float], None] | None = None, incremental: bool = False) -> BuildResult:
    """Run the whole pipeline; publish to ``out`` when given and everything passed.

    ``incremental=True``: when the only change since the build published in ``out`` is new
    article files, reason and validate only what they touch (:mod:`crisiskg.incremental`, the
    same dataset as a full build); otherwise run the full build and say why in ``note``.
    Raises SeedError (bad seeds), ValidationFailed (SHACL violations or an inconsistency), or
    BuildError; in every case nothing is published.
    """
    note = ""
    if incremental and out is not None:
        from crisiskg import incremental as inc

        code = code_files()
        planned = inc.plan(seeds_dir, out, code)
        if isinstance(planned, str):
            note = f"full build: {planned}"
        else:
            try:
                result = inc.build(seeds_dir, out, *planned, code=code, allow_drafts=allow_drafts, on_stage=on_stage)
            except inc.Fallback as exc:
                note = f"full build: {exc}"
            except OSError as exc:
                raise BuildError(f"could not publish to {out}: {exc}") from exc
            else:
                result.note = f"incremental: added {', '.join(planned[1])} to build {planned[0].version}"
                return result
    result = _full_build(seeds_dir, out, allow_drafts=allow_drafts, on_stage=on_stage)
    result.note = note
    return result


def conclude(quads: list[Any], seeds: SeedSet, *, version: str, code: list[tuple[str, str]], started: dt.datetime,
             seconds: dict[str, float], **extra: Any) -> dict[str, Any]:
    """The end of a conforming build: its PROV-O run appended to ``quads``, and its manifest
    (``extra`` keys added, e.g. what an incremental build started from)."""
    ended = dt.datetime.now(dt.UTC).replace(microsecond=0)
    prov = provenance(seeds, version=version, started=started.isoformat(), ended=ended.isoformat(), code_files=code)
    quads.extend(to_quads({PROVENANCE_GRAPH: prov}))
    return {
        "version": version,
        "created": ended.isoformat(),
        "software_version": __version__,
        "counts": counts(quads, seeds),
        "validation": {"conforms": True, "violations": 0},
        "inputs": {**{"seeds/" + k: v for k, v in seeds.files.items()}, **dict(code)},
        "seconds": dict(seconds),  # publishing is timed too, but after the manifest is written
        **extra,
    }


def _full_build(seeds_dir: Path | str, out: Path | str | None, *, allow_drafts: bool,
                on_stage: Callable[[str, float], None] | None) -> BuildResult:
    seconds: dict[str, float] = {}
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def stage(name: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        result = fn()
        seconds[name] = round(time.perf_counter() - t0, 3)
        if on_stage:
            on_stage(name, seconds[name])
        return result

    seeds = stage("read", lambda: read_seeds(seeds_dir, allow_drafts=allow_drafts))
    typed: set[Any] = set()

    def load() -> tuple[list[Any], Origins, ox.Store]:
        graphs, origins = to_graphs(seeds)
        quads = to_quads(graphs, typed)
        return quads, origins, union_store(quads)

    quads, origins, store = stage("load", load)
    code = code_files()
    version = version_of(seeds, code)
    inference = stage("reason", lambda: materialise(store))  # owlrl: the oracle in tests
    inferred_graph = ox.NamedNode(str(INFERRED_GRAPH))
    quads.extend(ox.Quad(s, p, o, inferred_graph) for s, p, o in inference.triples)

    def check() -> Validation:
        originals, exact = literal_originals(typed)
        return validate(store, origins=origins, originals=originals, mode="fast" if exact else "reference")

    validation = stage("validate", check)
    if inference.inconsistencies:
        raise ValidationFailed("\n".join(f"- OWL RL inconsistency: {m}" for m in inference.inconsistencies) + ("\n" + validation.report if not validation.conforms else ""),
                               len(inference.inconsistencies) + len(validation.violations))
    if not validation.conforms:
        raise ValidationFailed(validation.report, len(validation.violations))
    manifest = conclude(quads, seeds, version=version, code=code, started=started, seconds=seconds)
    result = BuildResult(quads, validation, manifest, seconds)
    if out is not None:
        t0 = time.perf_counter()
        try:
            result.release = publish(quads, manifest, out)
        except OSError as exc:
            raise BuildError(f"could not publish to {out}: {exc}") from exc
        seconds["publish"] = round(time.perf_counter() - t0, 3)
        if on_stage:
            on_stage("publish", seconds["publish"])
    return result
