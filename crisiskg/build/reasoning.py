"""OWL 2 RL reasoning with owlrl, keeping only the new, useful triples.

owlrl runs on a copy of the asserted graphs. What it adds that is noise is dropped: reflexive
``owl:sameAs``, triples about literals (generalised RDF), schema closure (anything whose subject is
not a minted data IRI), and trivial types (``owl:Thing``, ``rdfs:Resource``). Inconsistencies that
owlrl detects (e.g. a resource in two disjoint classes) are returned as messages.

``engine="rules"`` computes the same closure with the OWL 2 RL rules the ontology uses, as SPARQL
updates run to a fixpoint on pyoxigraph (:mod:`crisiskg.build.rules`); owlrl stays the oracle, and the
tests prove both engines keep exactly the same useful triples and report the same inconsistencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from crisiskg.vocab import ID, INFERRED_GRAPH

Triple = tuple[object, object, object]
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}
_DATA = str(ID)


@dataclass
class Inference:
    """The outcome of reasoning: the useful new triples and owlrl's inconsistency messages."""

    graph: Graph
    inconsistencies: list[str]


def useful(triple: Triple) -> bool:
    """Whether an inferred triple is worth keeping."""
    s, p, o = triple
    if not isinstance(s, URIRef) or not str(s).startswith(_DATA):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if p == RDF.type and o in _TRIVIAL_TYPES:
        return False
    return not (isinstance(o, Literal) and p in (RDF.type,))


ENGINES = ("owlrl", "rules")


def infer(triples: Iterable[Triple], *, engine: str = "owlrl") -> Inference:
    """OWL 2 RL closure of ``triples`` (ontology included); returns only what is new and useful.

    ``engine`` is ``"owlrl"`` (the reference) or ``"rules"`` (SPARQL rules on pyoxigraph, same
    result, for large graphs). Raises ValueError for an unknown engine, and
    :class:`crisiskg.build.rules.UnsupportedOntology` if the rules engine meets an OWL construct it
    does not implement.
    """
    if engine == "rules":
        return _infer_rules(triples)
    if engine != "owlrl":
        raise ValueError(f"engine {engine!r}: choose one of {', '.join(ENGINES)}")
    work = Graph()
    for t in triples:
        work.add(t)  # type: ignore[arg-type]
    asserted = set(work)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    messages = sorted(str(m) for m in work.objects(None, ERRNS.error))
    out = Graph(identifier=INFERRED_GRAPH)
    for t in work:
        if t not in asserted and useful(t):
            out.add(t)
    return Inference(out, messages)


_TRIVIAL_IRIS = {str(t) for t in _TRIVIAL_TYPES}


def useful_ox(s: Any, p: Any, o: Any) -> bool:
    """``useful`` for pyoxigraph terms."""
    import pyoxigraph as ox

    if not isinstance(s, ox.NamedNode) or not s.value.startswith(_DATA):
        return False
    if p.value == _SAME_AS and s == o:
        return False
    return not (p.value == _RDF_TYPE and (isinstance(o, ox.Literal) or o.value in _TRIVIAL_IRIS))


_SAME_AS, _RDF_TYPE = str(OWL.sameAs), str(RDF.type)


def materialise(store: Any, *, added: list[tuple[Any, Any, Any]] | None = None) -> OxInference:
    """The rules engine run in place on the default graph of a pyoxigraph ``store``.

    ``added``: the store was at its fixpoint before these triples were added (the incremental
    build): the rules then run semi-naive from them (:func:`crisiskg.build.fixpoint.run_delta`), at a cost
    that follows the new triples rather than the store, and return only what is new; the
    inconsistencies are then those of the individuals that gained a type. Afterwards the default graph holds the
    asserted triples and the useful inferred ones (the rest
    of what the rules inferred is removed again, so that validation sees exactly what is
    published). Returns the useful inferred triples (pyoxigraph terms) and the inconsistencies: an :class:`OxInference`. Raises :class:`crisiskg.build.rules.UnsupportedOntology` as
    ``infer`` does.
    """
    import pyoxigraph as ox

    from crisiskg.build import fixpoint, rules

    ruleset = rules.RuleSet.compile(rules.schema_of(store))
    outcome = fixpoint.run(store, ruleset) if added is None else fixpoint.run_delta(store, ruleset, added)
    keep = []
    for s, p, o in outcome.inferred:
        if useful_ox(s, p, o):
            keep.append((s, p, o))
        else:
            store.remove(ox.Quad(s, p, o))
    store.remove_graph(rules.NEW)
    return OxInference(keep, outcome.inconsistencies)


@dataclass
class OxInference:
    """What ``materialise`` inferred: useful new triples (pyoxigraph terms) and inconsistencies."""

    triples: list[tuple[Any, Any, Any]]
    inconsistencies: list[str]


def _infer_rules(triples: Iterable[Triple]) -> Inference:
    import pyoxigraph as ox

    from crisiskg.build import fixpoint, rules
    from crisiskg.terms import to_quads, to_rdflib_triples

    store = ox.Store()
    store.bulk_extend(to_quads(triples))  # type: ignore[arg-type]
    ruleset = rules.RuleSet.compile(rules.schema_of(store))
    outcome = fixpoint.run(store, ruleset)
    out = Graph(identifier=INFERRED_GRAPH)
    for t in to_rdflib_triples(outcome.inferred):
        if useful(t):
            out.add(t)
    return Inference(out, outcome.inconsistencies)
