"""Validation equivalence: fast mode reports exactly the violations plain pyshacl reports.

Fast mode runs pyshacl on the core shapes and each SHACL-SPARQL constraint as one whole-graph query
on pyoxigraph; reference mode is plain pyshacl on every shape. Compared on conforming data (the
mini fixture and a synthetic corpus) and on data broken in ways that hit both kinds of constraint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from crisiskg.build.reasoning import infer
from crisiskg.build.shacl import compile_shapes
from crisiskg.build.validation import shapes_graph, union, validate
from crisiskg.loaders import read_seeds, to_dataset
from crisiskg.scale.synth import synthesize
from crisiskg.vocab import CKG, GEO, ID, NIF, SEM, SH

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ROOT = Path(__file__).resolve().parent.parent


def data_graph(folder: Path) -> tuple[Graph, dict]:
    ds, origins = to_dataset(read_seeds(folder))
    inferred = infer((t for g in ds.graphs() for t in g), engine="rules").graph
    return union([*ds.graphs(), inferred]), origins


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, dict]:
    out = tmp_path_factory.mktemp("synth-validation")
    synthesize(articles=6, out=out, seed=3)
    return data_graph(out)


def same_violations(data: Graph, origins: dict) -> list:
    fast = validate(data, origins=origins, mode="fast")
    reference = validate(data, origins=origins, mode="reference")
    assert fast.conforms == reference.conforms
    assert fast.violations == reference.violations
    return fast.violations


def test_conforming_data(synthetic: tuple[Graph, dict]) -> None:
    assert same_violations(*synthetic) == []
    assert same_violations(*data_graph(ROOT / "tests" / "fixtures" / "mini")) == []


def test_violating_data(synthetic: tuple[Graph, dict]) -> None:
    data, origins = synthetic
    g = Graph()
    for t in data:
        g.add(t)
    person = next(s for s in g.subjects(RDF.type, CKG.Person))
    g.remove((person, RDFS.label, None))  # core: an actor needs a label
    g.add((person, RDF.type, CKG.City))  # core: a city is located in a place
    g.add((person, RDF.type, CKG.Place))  # SPARQL: disjoint classes
    span = next(s for s in g.subjects(NIF.anchorOf, None) if (s, RDF.type, CKG.Headline) in g)
    g.set((span, NIF.anchorOf, Literal("not the text")))  # SPARQL: anchor mismatch
    event = next(s for s in g.subjects(SEM.hasTimeStamp, None))
    g.set((event, CKG.earliestDate, Literal("2099-01-01", datatype=XSD.date)))  # SPARQL: dated after its article
    stance = next(s for s in g.subjects(RDF.type, CKG.Stance))
    g.set((stance, CKG.polarity, CKG.Strong))  # core: sh:in
    found = same_violations(g, origins)
    messages = {v.message for v in found}
    assert "the span's text is not the article text at its offsets" in messages
    assert "the event is dated after the article that reports it (its earliest possible day is after the article's latest)" in messages
    assert any("disjoint" in m for m in messages)
    assert any("polarity" in m for m in messages)
    assert any(v.focus == str(person) for v in found)
    assert str(ID) in found[0].focus


def a_phrase(g: Graph) -> URIRef:
    """The first annotated span by IRI that is only a phrase: a mention's sentence is a span too
    (nif:Sentence), under shapes of its own, and rdflib's order of subjects changes with the hash seed."""
    return min(URIRef(s) for s in g.subjects(RDF.type, NIF.Phrase) if (s, RDF.type, NIF.Sentence) not in g)


def copy(data: Graph) -> Graph:
    g = Graph()
    for t in data:
        g.add(t)
    return g


def test_every_shape_compiles() -> None:
    plan = compile_shapes(shapes_graph())
    assert plan.rest is None, "a shape in ontology/shapes.ttl would run through pyshacl"
    assert len(plan.checks) > 50 and plan.nodes
    assert len(plan.sparql) == len(set(shapes_graph().objects(None, SH.sparql))) >= 4  # every SPARQL constraint compiles


def test_every_compiled_component_violated(synthetic: tuple[Graph, dict]) -> None:
    """One or more violations of each component the compiler handles, each compared with pyshacl."""
    g = copy(synthetic[0])
    person = next(s for s in g.subjects(RDF.type, CKG.Person))
    g.add((person, RDFS.label, Literal("second label")))  # maxCount
    g.add((person, RDFS.label, Literal("label", lang="en")))  # datatype xsd:string vs a language tag
    place = next(s for s in g.subjects(RDF.type, CKG.City))
    g.add((place, CKG.locatedIn, Literal("a literal")))  # class: a literal is never an instance
    g.add((place, CKG.locatedIn, person))  # class
    geom = next(iter(g.subjects(RDF.type, GEO.Geometry)), None)
    if geom is not None:
        g.set((geom, GEO.asWKT, Literal("POINT(a b)", datatype=GEO.wktLiteral)))  # pattern
    span = a_phrase(g)
    g.set((span, NIF.beginIndex, Literal("007", datatype=XSD.nonNegativeInteger)))  # pyoxigraph: "7"^^xsd:integer
    g.set((span, CKG.annotationMethod, CKG.Strong))  # sh:in
    casualty = next(iter(g.subjects(RDF.type, CKG.CasualtyCount)), None)
    if casualty is not None:
        g.set((casualty, CKG["count"], Literal(-3)))  # minInclusive
    other = [c for c in g.subjects(RDF.type, CKG.CasualtyCount) if c != casualty]
    if other:
        g.set((other[0], CKG["count"], Literal("x", datatype=XSD.integer)))  # ill-typed: datatype and minInclusive
    mention = next(s for s in g.subjects(NIF.taIdentRef, None))
    g.add((mention, NIF.taIdentRef, BNode()))  # nodeKind
    claim = next(s for s in g.subjects(RDF.type, CKG.Claim))
    g.remove((claim, RDF.subject, None))  # sh:or: no subject and not an AnyActorClaim
    article = next(s for s in g.subjects(RDF.type, CKG.Article))
    g.remove((article, CKG.dateValue, None))  # minCount
    found = same_violations(g, synthetic[1])
    components = {v.component for v in found}
    for name in ("MaxCount", "MinCount", "Datatype", "Class", "In", "NodeKind", "Or", "SPARQL"):
        assert f"sh:{name}ConstraintComponent" in components, name
    assert not any(v.path == "nif:beginIndex" for v in found)  # a well-formed nonNegativeInteger, as written


def test_shapes_that_do_not_compile_run_through_pyshacl(synthetic: tuple[Graph, dict]) -> None:
    shapes = copy(shapes_graph())
    extra = URIRef("https://w3id.org/crisiskg/shapes#TestShape")
    prop = BNode()
    shapes.add((extra, RDF.type, SH.NodeShape))
    shapes.add((extra, SH.targetClass, CKG.Proposition))
    shapes.add((extra, SH.property, prop))
    shapes.add((prop, SH.path, SKOS.definition))
    shapes.add((prop, SH.minLength, Literal(10_000)))  # not compiled: pyshacl checks it
    shapes.add((prop, SH.message, Literal("a definition of at least 10,000 characters")))
    assert compile_shapes(shapes).rest is not None
    fast = validate(synthetic[0], origins=synthetic[1], shapes=shapes)
    reference = validate(synthetic[0], origins=synthetic[1], shapes=shapes, mode="reference")
    assert fast.violations == reference.violations
    assert {v.component for v in fast.violations} == {"sh:MinLengthConstraintComponent"}


def test_literals_the_store_would_merge_fall_back_to_pyshacl(synthetic: tuple[Graph, dict]) -> None:
    g = copy(synthetic[0])
    span = a_phrase(g)
    begin = g.value(span, NIF.beginIndex)
    g.add((span, NIF.beginIndex, Literal(str(begin), datatype=XSD.integer)))  # one value in pyoxigraph, two in rdflib
    found = same_violations(g, synthetic[1])
    assert any(v.component == "sh:MaxCountConstraintComponent" for v in found)
