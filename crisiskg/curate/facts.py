"""The facts of a published build that a reviewer can check against an article's words, and a
reproducible random sample of them.

A fact is one of three kinds, always in an article's named graph (``graph/article/<key>``):

- ``statement``: a triple whose subject carries ``ckg:evidence`` in that graph (an event, stance,
  claim, role, count or any node the model adds with evidence), except plumbing: ``nif:*``, the
  evidence links (``ckg:evidence``, ``ckg:quote``, ``ckg:attributionEvidence``), links to a node
  that is checked on its own (``ckg:casualties``, ``ckg:munitions``, ``ckg:counts``,
  ``ckg:damage``, ``ckg:sourceIn``), annotation details (``ckg:annotationMethod``,
  ``ckg:speechMode``), curators' explanations (any ``…Derivation``), the parts of a date that
  follow from ``ckg:dateValue`` (precision, bounds, ``sem:hasTimeStamp``, ``dct:issued``: one
  date, one fact),
  names (``rdfs:label``, ``skos:prefLabel``: how people find a node, not what the text says), the
  reification triples of a claim (read as one ``claim`` fact), and ``rdf:type`` unless the class
  is an event class (a node's kind, e.g. ckg:Stance, says nothing to check);
- ``claim``: what a reified claim states (its ``rdf:subject``, ``rdf:predicate``, ``rdf:object``),
  as one fact; the triple an affirmed claim also asserts directly is that same fact, not another;
- ``mention``: ``nif:taIdentRef`` of a span: "the words X in article K denote entity E".

:func:`sample` draws N of them uniformly: each fact is ranked by a digest of the seed and its id,
and the N lowest are taken. The draw depends on nothing but the seed and the facts (not on the
order they were listed in, the Python version or the platform), and an added article leaves the
other facts' ranks as they were.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from crisiskg.query.store import Store
from crisiskg.vocab import CKG_URI, GRAPH, NIF, SEM

ARTICLE_GRAPHS = str(GRAPH) + "article/"
TYPE, SUBJECT, PREDICATE, OBJECT = str(RDF.type), str(RDF.subject), str(RDF.predicate), str(RDF.object)
TA_IDENT_REF = str(NIF.taIdentRef)
# ckg terms as text, so that a term the model renames or drops leaves this list stale, not broken
PLUMBING = frozenset(CKG_URI + n for n in (
    "evidence", "quote", "attributionEvidence", "annotationMethod", "speechMode", "casualties", "munitions", "counts", "damage",
    "sourceIn", "datePrecision", "earliestDate", "latestDate")) | {
    str(RDFS.label), str(SKOS.prefLabel), SUBJECT, PREDICATE, OBJECT, str(SEM.hasTimeStamp), str(DCTERMS.issued)}
KINDS = ("statement", "claim", "mention")

_STATEMENTS = """
SELECT DISTINCT ?g ?s ?p ?o WHERE {
  GRAPH ?g { ?s ckg:evidence ?e . ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), ?prefix))
}"""
_MENTIONS = """
SELECT ?g ?m ?x WHERE { GRAPH ?g { ?m nif:taIdentRef ?x } FILTER(STRSTARTS(STR(?g), ?prefix)) }
"""
_EVENT_CLASSES = "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* ckg:Event }"


@dataclass(frozen=True, order=True)
class Fact:
    """One checkable fact. Terms are in N-Triples syntax (``<iri>``, ``"text"^^<datatype>``);
    ``node`` carries the evidence (the claim for a claim, the span for a mention); ``subject`` is
    empty for a claim about anyone."""

    article: str
    kind: str
    node: str
    subject: str
    predicate: str
    object: str

    @property
    def graph(self) -> str:
        return ARTICLE_GRAPHS + self.article

    @property
    def id(self) -> str:
        """A stable id: a digest of the fact's kind, graph and terms."""
        text = f"{self.kind}\0{self.graph}\0{self.node}\0{self.subject}\0{self.predicate}\0{self.object}"
        return "f" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def plumbing(predicate: str) -> bool:
    """Whether a predicate is plumbing, never a fact of its own (see the module docstring)."""
    return predicate in PLUMBING or predicate.startswith(str(NIF)) or predicate.endswith("Derivation")


def facts(store: Store) -> list[Fact]:
    """Every fact of the build ``store`` serves (see the module docstring), sorted."""
    prefix = {"prefix": Literal(ARTICLE_GRAPHS)}
    events = {r["c"].n3() for r in store.query(_EVENT_CLASSES, answers=False).rows if isinstance(r["c"], URIRef)}
    rows = [(str(r["g"])[len(ARTICLE_GRAPHS):], r["s"].n3(), str(r["p"]), r["o"].n3())  # type: ignore[union-attr]
            for r in store.query(_STATEMENTS, bindings=prefix, answers=False).rows]
    claims: dict[tuple[str, str], dict[str, str]] = {}
    for key, s, p, o in rows:
        if p in (SUBJECT, PREDICATE, OBJECT):
            claims.setdefault((key, s), {})[p] = o
    stated = {(key, c.get(SUBJECT, ""), c[PREDICATE], c.get(OBJECT, "")) for (key, _), c in claims.items() if PREDICATE in c}
    out = {Fact(key, "claim", node, c.get(SUBJECT, ""), c[PREDICATE][1:-1], c.get(OBJECT, ""))
           for (key, node), c in claims.items() if PREDICATE in c}
    for key, s, p, o in rows:
        if plumbing(p) or (p == TYPE and o not in events) or (key, s, f"<{p}>", o) in stated:
            continue
        out.add(Fact(key, "statement", s, s, p, o))
    for r in store.query(_MENTIONS, bindings=prefix, answers=False).rows:
        span = r["m"].n3()  # type: ignore[union-attr]
        out.add(Fact(str(r["g"])[len(ARTICLE_GRAPHS):], "mention", span, span, TA_IDENT_REF, r["x"].n3()))  # type: ignore[union-attr]
    return sorted(out)


def rank(seed: int, fact: Fact) -> str:
    """The fact's place in the draw for ``seed`` (lowest first)."""
    return hashlib.sha256(f"{seed}\0{fact.id}".encode()).hexdigest()


def sample(all_facts: list[Fact], n: int, seed: int) -> list[Fact]:
    """``n`` facts drawn uniformly without replacement for ``seed`` (all of them when ``n`` is
    larger), in the order of the draw."""
    return sorted(all_facts, key=lambda f: rank(seed, f))[: max(n, 0)]


def counts(all_facts: list[Fact]) -> dict[str, int]:
    """Facts per kind."""
    return {kind: sum(1 for f in all_facts if f.kind == kind) for kind in KINDS}


def term_value(term: str) -> str:
    """An N-Triples term as a person reads it: an IRI without brackets, a literal's text."""
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    if term.startswith('"'):
        return str(_literal(term))
    return term


def _literal(term: str) -> Any:
    from rdflib.util import from_n3

    return from_n3(term)
