"""OWL 2 RL rules as SPARQL UPDATE, run to a fixpoint on pyoxigraph.

owlrl is the reference (see ``crisiskg.build.reasoning``); this engine infers the same useful triples at
a fraction of the cost (owlrl's pure-Python closure does not scale to the benchmark corpora). It
implements the OWL 2 RL rules the ontology actually uses, compiled from the ontology's axioms:

=============  =====================================================================
rule           axiom
=============  =====================================================================
cax-sco        ``rdfs:subClassOf`` (and ``owl:equivalentClass``), closed over the schema
prp-spo1       ``rdfs:subPropertyOf`` (and ``owl:equivalentProperty``), closed
prp-dom/rng    ``rdfs:domain`` / ``rdfs:range`` (typed with every superclass at once)
prp-inv1/2     ``owl:inverseOf``
prp-symp       ``owl:SymmetricProperty``
prp-trp        ``owl:TransitiveProperty`` (one property path ``p+`` a pass)
prp-spo2       ``owl:propertyChainAxiom`` (any length)
prp-fp/ifp     ``owl:FunctionalProperty`` / ``owl:InverseFunctionalProperty`` -> ``owl:sameAs``
eq-*           ``owl:sameAs``: symmetry, transitivity, replacement (only when present)
cax-dw/adc     ``owl:disjointWith`` / ``owl:AllDisjointClasses``: inconsistencies
=============  =====================================================================

Schema-level closure (``scm-*``) is computed once in Python and folded into the instance rules,
so the data is scanned only by instance rules. Each rule inserts only triples not already there
(``FILTER NOT EXISTS``), writing them to the default graph (so later rules see them) and to two
bookkeeping graphs: ``NEW`` (everything inferred) and ``DELTA`` (this pass). After the first pass a
rule runs again only if a predicate or class its body reads gained triples in the previous pass.

The fixpoint runs, full and semi-naive, are :mod:`crisiskg.build.fixpoint`'s.

An ontology that uses an OWL construct outside this list (restrictions, class expressions,
property disjointness, keys...) is refused with :class:`UnsupportedOntology`: use owlrl for it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from crisiskg.terms import solutions

NEW = ox.NamedNode("urn:crisiskg:rules:new")
DELTA = ox.NamedNode("urn:crisiskg:rules:delta")
DELTA_IN = ox.NamedNode("urn:crisiskg:rules:delta-in")  # semi-naive: the triples new since the last pass
SEED = ox.NamedNode("urn:crisiskg:rules:seed")  # semi-naive: the added triples, for the disjointness check
_TYPE = str(RDF.type)
_SAME = str(OWL.sameAs)

# OWL vocabulary this engine does not implement: an ontology using it must be reasoned with owlrl.
UNSUPPORTED = {
    OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.hasSelf, OWL.intersectionOf, OWL.unionOf,
    OWL.complementOf, OWL.oneOf, OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.cardinality,
    OWL.qualifiedCardinality, OWL.hasKey, OWL.propertyDisjointWith, OWL.AllDisjointProperties,
    OWL.IrreflexiveProperty, OWL.AsymmetricProperty, OWL.differentFrom, OWL.AllDifferent,
    OWL.NegativePropertyAssertion, OWL.sourceIndividual, OWL.disjointUnionOf, OWL.onProperty,
    OWL.ReflexiveProperty,
}


class UnsupportedOntology(ValueError):
    """The ontology uses an OWL construct the rules engine does not implement."""


@dataclass
class Rule:
    """One SPARQL UPDATE and what it reads: predicates (IRIs) and, for rdf:type, classes.

    ``variants``: the semi-naive form (see :func:`run_delta`), one update per body pattern, each
    with what its delta pattern reads ("*": any predicate)."""

    name: str
    update: str
    reads: frozenset[str]
    variants: list[tuple[str, frozenset[str]]] = field(default_factory=list)


def _closure(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Reflexive-transitive closure of a relation given as (child, parent) pairs."""
    up: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        up[a].add(b)
    out: dict[str, set[str]] = {}
    for start in list(up):
        seen, todo = {start}, [start]
        while todo:
            for nxt in up.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        out[start] = seen
    return out


def _iri(term: str) -> str:
    return f"<{term}>"


def _values(names: str, rows: Iterable[tuple[str, ...]]) -> str:
    body = " ".join("(" + " ".join(_iri(x) for x in row) + ")" for row in sorted(set(rows)))
    return f"VALUES ({names}) {{ {body} }}"


def _insert(template: str, where: str) -> str:
    """An INSERT of ``template`` into the default graph, NEW and DELTA, for new triples only.

    The body's solutions are made distinct on the template's variables first: a rule such as
    prp-rng derives one triple from every triple of its property (each phrase's context, from
    every phrase), and each duplicate would be checked and inserted again three times."""
    names = " ".join(dict.fromkeys(re.findall(r"\?\w+", re.sub(r"<[^>]*>", "", template))))
    return (f"INSERT {{ {template} GRAPH {NEW} {{ {template} }} GRAPH {DELTA} {{ {template} }} }} "
            f"WHERE {{ {{ SELECT DISTINCT {names} WHERE {{ {where} }} }} FILTER NOT EXISTS {{ {template} }} }}")


Pattern = tuple[str, frozenset[str]]  # one body triple pattern and what it reads


def _variants(template: str, patterns: list[Pattern], *, values: str = "", filters: str = "") -> list[tuple[str, frozenset[str]]]:
    """The semi-naive variants of a rule: for each body pattern, an INSERT reading that pattern from
    DELTA_IN, first in the group, and the others (and ``values``) from the default graph."""
    out = []
    for i, (pattern, reads) in enumerate(patterns):
        rest = " ".join(p for j, (p, _) in enumerate(patterns) if j != i)
        out.append((_insert(template, f"GRAPH {DELTA_IN} {{ {pattern} }} {values} {rest} {filters}"), reads))
    return out


def _type_keys(classes: Iterable[str]) -> frozenset[str]:
    return frozenset(f"{_TYPE} {c}" for c in classes)


@dataclass
class RuleSet:
    """The instance rules compiled from an ontology, and its disjointness axioms."""

    rules: list[Rule]
    disjoint: list[tuple[str, str]]

    @classmethod
    def compile(cls, schema: Graph) -> RuleSet:
        """Compile the rules for the axioms in ``schema`` (an rdflib graph holding the ontology).

        Raises UnsupportedOntology if it uses OWL vocabulary the engine does not implement.
        """
        used = {p for p in set(schema.predicates())} | {o for o in schema.objects(None, RDF.type)}
        bad = sorted(str(t) for t in used & UNSUPPORTED)
        if bad:
            raise UnsupportedOntology(f"the rules engine does not implement {', '.join(bad)}; reason with engine='owlrl'")

        def named(t: object) -> bool:
            return isinstance(t, URIRef)

        sc = [(str(a), str(b)) for a, b in schema.subject_objects(RDFS.subClassOf) if named(a) and named(b)]
        for a, b in schema.subject_objects(OWL.equivalentClass):
            if named(a) and named(b):
                sc += [(str(a), str(b)), (str(b), str(a))]
        sp = [(str(a), str(b)) for a, b in schema.subject_objects(RDFS.subPropertyOf) if named(a) and named(b)]
        for a, b in schema.subject_objects(OWL.equivalentProperty):
            if named(a) and named(b):
                sp += [(str(a), str(b)), (str(b), str(a))]
        supc = _closure(sc)
        supp = _closure(sp)

        def uppers(c: str) -> set[str]:
            return supc.get(c, {c})

        rules: list[Rule] = []
        # prp-spo1 (closed): s p o -> s q o for every strict super-property q of p
        spo = [(p, q) for p, qs in supp.items() for q in qs if q != p]
        if spo:
            reads = frozenset(p for p, _ in spo)
            rules.append(Rule("prp-spo1", _insert("?s ?q ?o .", f"{_values('?p ?q', spo)} ?s ?p ?o ."), reads,
                              _variants("?s ?q ?o .", [("?s ?p ?o .", reads)], values=_values('?p ?q', spo))))
        # prp-inv1/2
        inv = []
        for a, b in schema.subject_objects(OWL.inverseOf):
            if named(a) and named(b):
                inv += [(str(a), str(b)), (str(b), str(a))]
        if inv:
            reads = frozenset(p for p, _ in inv)
            rules.append(Rule("prp-inv", _insert("?o ?q ?s .", f"{_values('?p ?q', inv)} ?s ?p ?o . FILTER (!isLiteral(?o))"), reads,
                              _variants("?o ?q ?s .", [("?s ?p ?o .", reads)], values=_values('?p ?q', inv), filters="FILTER (!isLiteral(?o))")))
        # prp-symp
        sym = [(str(p),) for p in schema.subjects(RDF.type, OWL.SymmetricProperty) if named(p)]
        if sym:
            reads = frozenset(p for p, in sym)
            rules.append(Rule("prp-symp", _insert("?o ?p ?s .", f"{_values('?p', sym)} ?s ?p ?o . FILTER (!isLiteral(?o))"), reads,
                              _variants("?o ?p ?s .", [("?s ?p ?o .", reads)], values=_values('?p', sym), filters="FILTER (!isLiteral(?o))")))
        # prp-trp: one property path per transitive property
        for p in sorted(str(p) for p in schema.subjects(RDF.type, OWL.TransitiveProperty) if named(p)):
            rules.append(Rule(f"prp-trp {p}", _insert(f"?x {_iri(p)} ?z .", f"?x {_iri(p)} ?y . ?y {_iri(p)}+ ?z ."), frozenset({p}),
                              _variants(f"?x {_iri(p)} ?z .", [(f"?x {_iri(p)} ?y .", frozenset({p})), (f"?y {_iri(p)} ?z .", frozenset({p}))])))
        # prp-spo2: property chains
        for q, head in schema.subject_objects(OWL.propertyChainAxiom):
            chain = [str(p) for p in Collection(schema, head)]
            if not named(q) or not chain or not all(chain):
                continue
            steps = [(f"?v{i} {_iri(p)} ?v{i + 1} .", frozenset({p})) for i, p in enumerate(chain)]
            conclusion = f"?v0 {_iri(str(q))} ?v{len(chain)} ."
            rules.append(Rule(f"prp-spo2 {q}", _insert(conclusion, " ".join(t for t, _ in steps)), frozenset(chain), _variants(conclusion, steps)))
        # prp-fp / prp-ifp -> owl:sameAs
        for p in sorted(str(p) for p in schema.subjects(RDF.type, OWL.FunctionalProperty) if named(p)):
            distinct = "FILTER (?y1 != ?y2 && !isLiteral(?y1) && !isLiteral(?y2))"
            rules.append(Rule(f"prp-fp {p}", _insert(f"?y1 <{_SAME}> ?y2 .", f"?x {_iri(p)} ?y1 , ?y2 . {distinct}"), frozenset({p}),
                              _variants(f"?y1 <{_SAME}> ?y2 .", [(f"?x {_iri(p)} ?y1 .", frozenset({p})), (f"?x {_iri(p)} ?y2 .", frozenset({p}))],
                                        filters=distinct)))
        for p in sorted(str(p) for p in schema.subjects(RDF.type, OWL.InverseFunctionalProperty) if named(p)):
            rules.append(Rule(f"prp-ifp {p}", _insert(f"?x1 <{_SAME}> ?x2 .", f"?x1 {_iri(p)} ?y . ?x2 {_iri(p)} ?y . FILTER (?x1 != ?x2)"),
                              frozenset({p}),
                              _variants(f"?x1 <{_SAME}> ?x2 .", [(f"?x1 {_iri(p)} ?y .", frozenset({p})), (f"?x2 {_iri(p)} ?y .", frozenset({p}))],
                                        filters="FILTER (?x1 != ?x2)")))
        # eq-sym, eq-trans, eq-rep-s/p/o: equality, generic (cheap when there is none)
        same, anything = frozenset({_SAME}), frozenset({"*"})
        rules.append(Rule("eq-sym", _insert(f"?y <{_SAME}> ?x .", f"?x <{_SAME}> ?y . FILTER (?x != ?y)"), same,
                          _variants(f"?y <{_SAME}> ?x .", [(f"?x <{_SAME}> ?y .", same)], filters="FILTER (?x != ?y)")))
        rules.append(Rule("eq-trans", _insert(f"?x <{_SAME}> ?z .", f"?x <{_SAME}> ?y . ?y <{_SAME}> ?z . FILTER (?x != ?y && ?y != ?z)"), same,
                          _variants(f"?x <{_SAME}> ?z .", [(f"?x <{_SAME}> ?y .", same), (f"?y <{_SAME}> ?z .", same)],
                                    filters="FILTER (?x != ?y && ?y != ?z)")))
        for name, replaced, var in (("eq-rep-s", "?s2 ?p ?o .", "s"), ("eq-rep-p", "?s ?p2 ?o .", "p"), ("eq-rep-o", "?s ?p ?o2 .", "o")):
            rules.append(Rule(name, _insert(replaced, f"?{var} <{_SAME}> ?{var}2 . FILTER (?{var} != ?{var}2) ?s ?p ?o ."), anything,
                              _variants(replaced, [(f"?{var} <{_SAME}> ?{var}2 .", same), ("?s ?p ?o .", anything)],
                                        filters=f"FILTER (?{var} != ?{var}2)")))
        # prp-dom / prp-rng, folded with the class closure: s p o -> s a C for every C above the domain
        dom, rng = [], []
        for prop, d in schema.subject_objects(RDFS.domain):
            if named(prop) and named(d):
                dom += [(str(prop), c) for c in uppers(str(d))]
        for prop, r in schema.subject_objects(RDFS.range):
            if named(prop) and named(r):
                rng += [(str(prop), c) for c in uppers(str(r))]
        if dom:
            reads = frozenset(p for p, _ in dom)
            rules.append(Rule("prp-dom", _insert(f"?s <{_TYPE}> ?c .", f"{_values('?p ?c', dom)} ?s ?p ?o ."), reads,
                              _variants(f"?s <{_TYPE}> ?c .", [("?s ?p ?o .", reads)], values=_values('?p ?c', dom))))
        if rng:
            reads = frozenset(p for p, _ in rng)
            rules.append(Rule("prp-rng", _insert(f"?o <{_TYPE}> ?c .", f"{_values('?p ?c', rng)} ?s ?p ?o . FILTER (!isLiteral(?o))"), reads,
                              _variants(f"?o <{_TYPE}> ?c .", [("?s ?p ?o .", reads)], values=_values('?p ?c', rng), filters="FILTER (!isLiteral(?o))")))
        # cax-sco (closed): x a C -> x a D for every strict superclass D of C
        sco = [(c, d) for c, ds in supc.items() for d in ds if d != c]
        if sco:
            reads = _type_keys(c for c, _ in sco)
            rules.append(Rule("cax-sco", _insert(f"?x <{_TYPE}> ?d .", f"{_values('?c ?d', sco)} ?x <{_TYPE}> ?c ."), reads,
                              _variants(f"?x <{_TYPE}> ?d .", [(f"?x <{_TYPE}> ?c .", reads)], values=_values('?c ?d', sco))))
        # cax-dw / cax-adc: pairs of disjoint classes, as declared (checked after the fixpoint)
        disjoint = [(str(a), str(b)) for a, b in schema.subject_objects(OWL.disjointWith) if named(a) and named(b)]
        for node in schema.subjects(RDF.type, OWL.AllDisjointClasses):
            first = schema.value(node, OWL.members)
            members = [str(m) for m in Collection(schema, first)] if first is not None else []
            disjoint += [(members[i], members[j]) for i in range(len(members)) for j in range(i + 1, len(members))]
        return cls(rules, disjoint)

    def inconsistencies(self, store: ox.Store, *, among: list[ox.NamedNode] | None = None) -> list[str]:
        """cax-dw / cax-adc: an individual in two disjoint classes (owlrl's wording).

        ``among``: only individuals typed in one of these graphs (the semi-naive run: the nodes
        that gained a type, as the rest were consistent before)."""
        if not self.disjoint:
            return []
        out = set()
        if among is not None:  # a few nodes: their types looked up one node at a time
            rdf_type, dg = ox.NamedNode(_TYPE), ox.DefaultGraph()
            nodes = {q.subject for g in among for q in store.quads_for_pattern(None, rdf_type, None, g)}
            for x in nodes:
                types = {q.object.value for q in store.quads_for_pattern(x, rdf_type, None, dg) if isinstance(q.object, ox.NamedNode)}
                for a, b in self.disjoint:
                    if a in types and b in types:
                        out.add(f"Disjoint classes {a} and {b} have a common individual {_plain(x)}")
            return sorted(out)
        query = f"SELECT ?a ?b ?x WHERE {{ {_values('?a ?b', self.disjoint)} ?x <{_TYPE}> ?a . ?x <{_TYPE}> ?b . }}"
        for row in solutions(store, query):
            out.add(f"Disjoint classes {row['a'].value} and {row['b'].value} have a common individual {_plain(row['x'])}")
        return sorted(out)


def _plain(term: Any) -> str:
    return str(term.value) if hasattr(term, "value") else str(term)


# Predicates and types that carry schema axioms (anything the compiler or the refusal looks at).
_SCHEMA_PREDICATES = [RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
                      OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, OWL.disjointWith, OWL.members,
                      RDF.first, RDF.rest, *sorted(u for u in UNSUPPORTED if str(u)[len(str(OWL)):][:1].islower())]
_SCHEMA_TYPES = [OWL.SymmetricProperty, OWL.TransitiveProperty, OWL.FunctionalProperty, OWL.InverseFunctionalProperty,
                 OWL.AllDisjointClasses, *sorted(u for u in UNSUPPORTED if str(u)[len(str(OWL)):][:1].isupper())]


def schema_of(store: ox.Store) -> Graph:
    """The schema axioms in the default graph of ``store``, as an rdflib graph (a few hundred triples)."""
    from crisiskg.terms import to_rdflib

    preds = " ".join(f"<{p}>" for p in _SCHEMA_PREDICATES)
    types = " ".join(f"<{t}>" for t in _SCHEMA_TYPES)
    g = Graph()
    for query in (f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {preds} }} ?s ?p ?o }}",
                  f"SELECT ?s ?p ?o WHERE {{ VALUES ?o {{ {types} }} BIND (<{_TYPE}> AS ?p) ?s ?p ?o }}"):
        for row in solutions(store, query):
            g.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])))  # type: ignore[arg-type]
    return g
