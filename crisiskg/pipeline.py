"""The build: seeds -> dataset -> reasoning -> SHACL gate -> atomic publish.

Each stage is one call; ``build`` times them and returns a :class:`BuildResult`. Nothing is
published unless every stage succeeds and the data conforms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from rdflib import Dataset
from rdflib.namespace import RDF

from crisiskg import __version__
from crisiskg.errors import BuildError, ValidationFailed
from crisiskg.publish import Release, publish
from crisiskg.reasoning import infer
from crisiskg.validation import Validation, union, validate
from crisiskg.vocab import CKG, ENTITIES_GRAPH, INFERRED_GRAPH, NIF, PROVENANCE_GRAPH
from loaders import SeedSet, read_seeds, to_dataset
from loaders.graph import provenance

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("crisiskg", "loaders", "ontology")
T = TypeVar("T")


@dataclass
class BuildResult:
    """What a build produced: the dataset, its validation, counts and seconds per stage."""

    dataset: Dataset
    validation: Validation
    manifest: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    release: Release | None = None
    inconsistencies: list[str] = field(default_factory=list)


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


def counts(ds: Dataset, seeds: SeedSet) -> dict[str, Any]:
    asserted = sum(len(g) for g in ds.graphs() if g.identifier != INFERRED_GRAPH)
    inferred = len(ds.graph(INFERRED_GRAPH))
    ent = ds.graph(ENTITIES_GRAPH)
    events = {e for g in ds.graphs() for e in g.subjects(CKG.evidence, None) if str(e).startswith("https://w3id.org/crisiskg/id/event/") and "/casualties/" not in str(e)}
    stances = {s for g in ds.graphs() for s in g.subjects(RDF.type, CKG.Stance)}
    mentions = sum(1 for g in ds.graphs() for _ in g.subjects(NIF.taIdentRef, None))
    return {
        "articles": len(seeds.articles),
        "entities": len(seeds.entities),
        "propositions": len(seeds.propositions),
        "events": len(events),
        "stances": len(stances),
        "mentions": mentions,
        "entity_triples": len(ent),
        "triples_asserted": asserted,
        "triples_inferred": inferred,
        "graphs": {str(g.identifier): len(g) for g in sorted(ds.graphs(), key=lambda g: str(g.identifier)) if len(g)},
    }


def build(seeds_dir: Path | str, out: Path | str | None = None, *, allow_drafts: bool = False,
          on_stage: Callable[[str, float], None] | None = None) -> BuildResult:
    """Run the whole pipeline; publish to ``out`` when given and everything passed.

    Raises SeedError (bad seeds), ValidationFailed (SHACL violations or an inconsistency), or
    BuildError; in every case nothing is published.
    """
    seconds: dict[str, float] = {}
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def stage(name: str, fn: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        result = fn()
        seconds[name] = round(time.perf_counter() - t0, 3)
        if on_stage:
            on_stage(name, seconds[name])
        return result

    seeds = stage("read", lambda: read_seeds(seeds_dir, allow_drafts=allow_drafts))
    ds, origins = stage("load", lambda: to_dataset(seeds))
    code = code_files()
    version = version_of(seeds, code)
    inference = stage("reason", lambda: infer((t for g in ds.graphs() for t in g), engine="rules"))  # owlrl: the oracle in tests
    inferred = ds.graph(INFERRED_GRAPH)
    for t in inference.graph:
        inferred.add(t)
    validation = stage("validate", lambda: validate(union(ds.graphs()), origins=origins))
    if inference.inconsistencies:
        raise ValidationFailed("\n".join(f"- OWL RL inconsistency: {m}" for m in inference.inconsistencies) + ("\n" + validation.report if not validation.conforms else ""),
                               len(inference.inconsistencies) + len(validation.violations))
    if not validation.conforms:
        raise ValidationFailed(validation.report, len(validation.violations))
    ended = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    prov = provenance(seeds, version=version, started=started.isoformat(), ended=ended.isoformat(), code_files=code)
    pgraph = ds.graph(PROVENANCE_GRAPH)
    for t in prov:
        pgraph.add(t)
    manifest: dict[str, Any] = {
        "version": version,
        "created": ended.isoformat(),
        "software_version": __version__,
        "counts": counts(ds, seeds),
        "validation": {"conforms": True, "violations": 0},
        "inputs": {**{"seeds/" + k: v for k, v in seeds.files.items()}, **dict(code)},
        "seconds": dict(seconds),  # publishing is timed too, but after the manifest is written
    }
    result = BuildResult(ds, validation, manifest, seconds)
    if out is not None:
        t0 = time.perf_counter()
        try:
            result.release = publish(ds, manifest, out)
        except OSError as exc:
            raise BuildError(f"could not publish to {out}: {exc}") from exc
        seconds["publish"] = round(time.perf_counter() - t0, 3)
        if on_stage:
            on_stage("publish", seconds["publish"])
    return result
