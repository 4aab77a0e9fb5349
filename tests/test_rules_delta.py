"""Semi-naive (delta) reasoning reaches exactly the fixpoint a full run reaches.

A store at its fixpoint gets a few more triples; ``fixpoint.run_delta`` (seeded with them) must leave
the same default graph, the same new inferred triples and the same inconsistencies as a full
``fixpoint.run`` over everything. Checked per rule kind on a small hand-made ontology (new triples that
join old ones: a new edge between two old transitive chains, the middle link of a property chain,
equality that replaces old facts...), and end to end through ``materialise`` on the seeds and a
synthetic corpus with one article held back, where the store also lacks the non-useful inferred
triples a published build drops.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from seedcorpus import SEEDS

from crisiskg import terms
from crisiskg.build import fixpoint, rules
from crisiskg.build.reasoning import materialise
from crisiskg.loaders import read_seeds, to_dataset
from crisiskg.scale.synth import synthesize
from crisiskg.vocab import ID

O = "urn:o:"


def o(name: str) -> URIRef:
    return URIRef(O + name)


def d(name: str) -> URIRef:
    return ID[f"entity/{name}"]


def schema() -> Graph:
    g = Graph()
    for a, b in (("A", "B"), ("B", "C"), ("Person", "Agent"), ("Place", "Thing2")):
        g.add((o(a), RDFS.subClassOf, o(b)))
    g.add((o("Agent"), OWL.disjointWith, o("Place")))
    for a, b in (("p", "q"), ("q", "r")):
        g.add((o(a), RDFS.subPropertyOf, o(b)))
    g.add((o("dp"), RDFS.domain, o("A")))
    g.add((o("dp"), RDFS.range, o("Place")))
    g.add((o("hasPart"), OWL.inverseOf, o("partOf")))
    g.add((o("ally"), RDF.type, OWL.SymmetricProperty))
    g.add((o("in"), RDF.type, OWL.TransitiveProperty))
    for head, chain in (("locatedAt", ["at", "in"]), ("grand", ["parent", "parent", "parent"])):
        node = URIRef(f"urn:o:list-{head}")
        Collection(g, node, [o(p) for p in chain])
        g.add((o(head), OWL.propertyChainAxiom, node))
    g.add((o("holder"), RDF.type, OWL.FunctionalProperty))
    g.add((o("email"), RDF.type, OWL.InverseFunctionalProperty))
    return g


def store_of(triples: list) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(terms.to_quads(triples))
    return store


def default_graph(store: ox.Store) -> set:
    return {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def check(base: list, added: list) -> fixpoint.Outcome:
    """Full run over base + added against base at its fixpoint, then run_delta seeded with added."""
    axioms = schema()
    ruleset = rules.RuleSet.compile(axioms)
    full = store_of(list(axioms) + base + added)
    full_out = fixpoint.run(full, ruleset)
    incr = store_of(list(axioms) + base)
    fixpoint.run(incr, ruleset)
    before = default_graph(incr)
    incr.remove_graph(rules.NEW)
    new = [next(iter(terms.to_quads([x]))) for x in added]
    delta_out = fixpoint.run_delta(incr, ruleset, [(q.subject, q.predicate, q.object) for q in new])
    assert default_graph(incr) == default_graph(full)
    assert set(delta_out.inferred) == default_graph(full) - before - {(q.subject, q.predicate, q.object) for q in new}
    assert delta_out.inconsistencies == full_out.inconsistencies
    assert set(incr.named_graphs()) <= {rules.NEW}, "the delta graphs are dropped"
    return delta_out


def test_subclass_subproperty_domain_range() -> None:
    out = check([(d("x"), o("dp"), d("y0"))], [(d("a"), RDF.type, o("A")), (d("s"), o("p"), d("t")), (d("u"), o("dp"), d("v"))])
    got = set(out.inferred)
    assert (ox.NamedNode(str(d("a"))), ox.NamedNode(str(RDF.type)), ox.NamedNode(O + "C")) in got
    assert (ox.NamedNode(str(d("s"))), ox.NamedNode(O + "r"), ox.NamedNode(str(d("t")))) in got
    assert (ox.NamedNode(str(d("v"))), ox.NamedNode(str(RDF.type)), ox.NamedNode(O + "Thing2")) in got


def test_inverse_and_symmetric() -> None:
    check([(d("w"), o("hasPart"), d("z"))], [(d("a"), o("hasPart"), d("b")), (d("c"), o("partOf"), d("a")), (d("a"), o("ally"), d("c"))])


def test_a_new_edge_joins_two_old_transitive_chains() -> None:
    base = [(d("a1"), o("in"), d("a2")), (d("a2"), o("in"), d("a3")), (d("b1"), o("in"), d("b2")), (d("b2"), o("in"), d("b3"))]
    out = check(base, [(d("a3"), o("in"), d("b1"))])
    assert len(out.inferred) == 3 * 3 - 1  # every a_i in every b_j, less the new edge itself


def test_transitive_new_chains_and_cycles() -> None:
    base = [(d("a1"), o("in"), d("a2")), (d("a2"), o("in"), d("a3"))]
    check(base, [(d("n1"), o("in"), d("n2")), (d("n2"), o("in"), d("n3")), (d("n3"), o("in"), d("a1")), (d("a3"), o("in"), d("a1"))])


def test_property_chains_with_the_new_triple_in_the_middle_or_at_an_end() -> None:
    base = [(d("e"), o("at"), d("p1")), (d("p2"), o("in"), d("p3")), (d("g1"), o("parent"), d("g2")), (d("g3"), o("parent"), d("g4"))]
    out = check(base, [(d("p1"), o("in"), d("p2")), (d("g2"), o("parent"), d("g3"))])
    got = {(s.value, p.value, v.value) for s, p, v in out.inferred}
    assert (str(d("e")), O + "locatedAt", str(d("p3"))) in got  # at o in, through the transitive closure
    assert (str(d("g1")), O + "grand", str(d("g4"))) in got


def test_functional_and_inverse_functional_give_equality_that_replaces_old_facts() -> None:
    base = [(d("r"), o("holder"), d("h1")), (d("h1"), o("ally"), d("k")), (d("h2"), RDF.type, o("A")), (d("m1"), o("email"), Literal("x@y"))]
    out = check(base, [(d("r"), o("holder"), d("h2")), (d("m2"), o("email"), Literal("x@y")), (d("m2"), o("p"), d("t"))])
    got = {(s.value, p.value, v.value) for s, p, v in out.inferred}
    assert (str(d("h2")), O + "ally", str(d("k"))) in got and (str(d("m1")), O + "r", str(d("t"))) in got


def test_new_same_as_and_new_facts_about_an_equal_node() -> None:
    base = [(d("a"), OWL.sameAs, d("b")), (d("b"), o("ally"), d("c")), (d("x"), o("q"), d("y"))]
    check(base, [(d("c"), o("p"), d("z")), (d("a"), o("dp"), d("v")), (d("x"), OWL.sameAs, d("x2")), (d("x2"), OWL.sameAs, d("x3"))])


def test_disjointness_of_a_node_that_gains_a_type() -> None:
    out = check([(d("n"), RDF.type, o("Person")), (d("ok"), RDF.type, o("Place"))], [(d("q"), o("dp"), d("n"))])
    assert out.inconsistencies and all(str(d("n")) in m for m in out.inconsistencies)


def test_nothing_new() -> None:
    out = check([(d("a"), RDF.type, o("A"))], [])
    assert out.inferred == [] and out.rule_runs == 0


def published_store(triples: list) -> tuple[ox.Store, set]:
    """A store as the incremental build loads a published build: asserted + useful inferred."""
    store = store_of(triples)
    materialise(store)
    return store, default_graph(store)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-delta")
    synthesize(articles=10, out=out, seed=5)
    return out


@pytest.mark.parametrize("corpus", ["seeds", "synthetic"])
def test_an_article_added_to_a_materialised_store_gives_the_full_result(corpus: str, synthetic: Path) -> None:
    folder = {"seeds": SEEDS, "synthetic": synthetic}[corpus]
    ds, _ = to_dataset(read_seeds(folder))
    graphs = sorted((g for g in ds.graphs() if "/graph/article/" in str(g.identifier)), key=lambda g: str(g.identifier))
    held = graphs[-1]
    rest = [t for g in ds.graphs() if g.identifier != held.identifier for t in g]
    everything = rest + list(held)
    _, want = published_store(everything)
    full_inferred = materialise(store_of(everything))
    store, before = published_store(rest)
    added = [(q.subject, q.predicate, q.object) for q in terms.to_quads(held) if q not in store]
    assert added
    got = materialise(store, added=added)
    assert default_graph(store) == want
    assert set(got.triples) == {t for t in full_inferred.triples if t not in before and t not in set(added)}
    assert got.inconsistencies == full_inferred.inconsistencies


def test_a_new_article_that_makes_an_entity_inconsistent(synthetic: Path) -> None:
    ds, _ = to_dataset(read_seeds(synthetic))
    triples = [t for g in ds.graphs() for t in g]
    store, _ = published_store(triples)
    person = next(s for s, p, v in triples if p == RDF.type and str(v).endswith("#Person") and str(s).startswith(str(ID)))
    city = URIRef("https://w3id.org/crisiskg/ontology#City")
    added = [next(iter(terms.to_quads([(person, RDF.type, city)])))]
    got = materialise(store, added=[(q.subject, q.predicate, q.object) for q in added])
    full = materialise(store_of([*triples, (person, RDF.type, city)]))
    assert got.inconsistencies == full.inconsistencies and got.inconsistencies
