"""The incremental build on a release without a work store: its ``dataset.nq`` read back into
memory (slow at scale, the same result; see :mod:`crisiskg.build.incremental`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.parts import Fallback, Laps, additions, full_seeds, read_part, refuse_shared
from crisiskg.build.publish import Release, publish
from crisiskg.build.reasoning import materialise
from crisiskg.build.stages import BuildResult, conclude, raise_unless_conforming, to_quads, version_of
from crisiskg.build.validation import Validation, literal_originals, validate
from crisiskg.build.workstate import stance_digests
from crisiskg.loaders import iris
from crisiskg.loaders.audits import Audit
from crisiskg.loaders.graph import to_graphs
from crisiskg.vocab import INFERRED_GRAPH, PROVENANCE_GRAPH

_STRINGS = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


def build_from_dataset(seeds_dir: Path | str, out: Path | str, release: Release, stems: list[str], *, code: list[tuple[str, str]],
                       audit: Audit | None = None, allow_drafts: bool = False, on_stage: Callable[[str, float], None] | None = None,
                       changed: list[str] | None = None) -> Any:
    """The build on a release without a work store: its ``dataset.nq`` read back into memory."""
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    lap = Laps(on_stage)

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
    part = read_part(folder, stems, allow_drafts, known, release)
    typed: set[Any] = set()
    extra = additions(part, release, changed or [], end=None, events=known, typed=typed)
    lap("read")

    refuse_shared(part, store, stance_digests(part.articles), None)
    graphs, origins = to_graphs(part, articles=part.articles, ontology=False)
    new = to_quads(graphs, typed) + extra.quads
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
    raise_unless_conforming(inference.inconsistencies, validation, seeds=part)

    full = full_seeds(folder, release, part)
    data_version = version_of(full, code)
    ig = ox.NamedNode(inferred_iri)
    inferred = [q for q in old_inferred if (q.subject, q.predicate, q.object) not in asserted_now]
    inferred += [ox.Quad(s, p, o, ig) for s, p, o in inference.triples]
    quads = [*old, *new, *inferred]
    manifest = conclude(quads, full, data_version=data_version, audit=audit, code=code, started=started, seconds=lap.seconds,
                        incremental={"from": release.version, "articles": stems, **extra.record()})
    result = BuildResult(quads, validation, manifest, lap.seconds)
    result.release = publish(quads, manifest, out)
    lap("publish")
    return result
