"""Entailment equivalence: the rules engine infers exactly owlrl's useful triples.

owlrl is the oracle. Compared on the mini fixture, the real seeds, a synthetic corpus small enough
for owlrl, and hand-made edge cases (equality from a functional property, symmetric, inverse and
transitive properties, chains through cycles, disjointness).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from seedcorpus import SEEDS

from crisiskg.build.reasoning import infer
from crisiskg.build.rules import RuleSet, UnsupportedOntology
from crisiskg.loaders import read_seeds, to_dataset
from crisiskg.scale.synth import synthesize
from crisiskg.vocab import CKG, ID

ROOT = Path(__file__).resolve().parent.parent


def asserted(folder: Path) -> list[tuple[object, object, object]]:
    ds, _ = to_dataset(read_seeds(folder))
    return [t for g in ds.graphs() for t in g]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-reasoning")
    synthesize(articles=8, out=out, seed=7)
    return out


def assert_same(triples: list[tuple[object, object, object]]) -> int:
    oracle = infer(triples, engine="owlrl")
    fast = infer(triples, engine="rules")
    want, got = set(oracle.graph), set(fast.graph)
    assert not want - got, f"missing {len(want - got)}: {sorted(want - got)[:5]}"
    assert not got - want, f"extra {len(got - want)}: {sorted(got - want)[:5]}"
    assert fast.inconsistencies == oracle.inconsistencies
    return len(want)


@pytest.mark.parametrize("corpus", [pytest.param("mini", marks=pytest.mark.no_seeds), "seeds", pytest.param("synthetic", marks=pytest.mark.no_seeds)])
def test_rules_infer_what_owlrl_infers(corpus: str, synthetic: Path) -> None:
    folder = {"mini": ROOT / "tests" / "fixtures" / "mini", "seeds": SEEDS, "synthetic": synthetic}[corpus]
    assert assert_same(asserted(folder)) > 40


@pytest.mark.no_seeds
def test_edge_cases_equality_symmetry_inverse_chains_disjointness() -> None:
    triples = asserted(ROOT / "tests" / "fixtures" / "mini")
    role = next(s for s, p, _ in triples if p == CKG.roleHolder)
    e = lambda slug: ID[f"entity/{slug}"]
    triples += [
        (role, CKG.roleHolder, e("someone-else")), (e("someone-else"), RDF.type, CKG.Person),  # prp-fp -> sameAs
        (e("jane-roe"), RDF.type, CKG.City), (e("northland"), RDF.type, CKG.Person),  # disjointness
        (e("riverton"), CKG.allyOf, e("camp-alpha")), (e("x1"), CKG.proxyOf, e("x2")),  # symmetric, sub-property
        (e("a"), OWL.sameAs, e("b")), (e("b"), OWL.sameAs, e("c")), (e("c"), CKG.memberOf, e("d")),  # eq-*
        (e("p1"), CKG.locatedIn, e("p2")), (e("p2"), CKG.locatedIn, e("p3")), (e("p3"), CKG.locatedIn, e("p1")),  # cycle
        (ID["event/ev"], CKG.targetPlace, e("p1")), (e("h"), CKG.holdsRole, ID["role/r"]), (ID["role/r"], CKG.roleIn, e("org")),
    ]
    assert assert_same(triples) > 80
    fast = infer(triples, engine="rules")
    assert any("jane-roe" in m for m in fast.inconsistencies)
    assert (e("someone-else"), OWL.sameAs, e("jane-roe")) in fast.graph
    assert (ID["event/ev"], CKG.occurredIn, e("p3")) in fast.graph


@pytest.mark.no_seeds
def test_unsupported_axioms_are_refused() -> None:
    g = Graph()
    g.add((CKG.Actor, RDFS.subClassOf, URIRef("urn:x:restriction")))
    g.add((URIRef("urn:x:restriction"), OWL.someValuesFrom, CKG.Event))
    with pytest.raises(UnsupportedOntology, match="someValuesFrom"):
        RuleSet.compile(g)


@pytest.mark.no_seeds
def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="engine 'fast'"):
        infer([], engine="fast")
