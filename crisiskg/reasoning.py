"""OWL 2 RL reasoning with owlrl, keeping only the new, useful triples.

owlrl runs on a copy of the asserted graphs. What it adds that is noise is dropped: reflexive
``owl:sameAs``, triples about literals (generalised RDF), schema closure (anything whose subject is
not a minted data IRI), and trivial types (``owl:Thing``, ``rdfs:Resource``). Inconsistencies that
owlrl detects (e.g. a resource in two disjoint classes) are returned as messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

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
    if isinstance(o, Literal) and p in (RDF.type,):
        return False
    return True


def infer(triples: Iterable[Triple]) -> Inference:
    """OWL 2 RL closure of ``triples`` (ontology included); returns only what is new and useful."""
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
