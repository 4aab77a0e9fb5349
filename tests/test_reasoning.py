"""The OWL 2 RL entailments the questions need, and what the reasoner must not keep.

A small hand-made data graph (plus the real ontology) goes through ``infer`` once; each entailment
is one parametrized case. The fixture corpus then shows the same entailments end to end, and a
registry entry typed both Person and City makes the build fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SDO, XSD

from crisiskg.build.pipeline import build
from crisiskg.build.reasoning import Inference, infer, useful
from crisiskg.build.stages import BuildResult
from crisiskg.errors import ValidationFailed
from crisiskg.loaders.schema import ROLES
from crisiskg.vocab import CKG, GAF, ID, INFERRED_GRAPH, SEM, ontology_graph

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

E = ID["entity/"]


def ent(slug: str) -> URIRef:
    return ID[f"entity/{slug}"]


def event(slug: str) -> URIRef:
    return ID[f"event/{slug}"]


BASE, CITY, PROVINCE, COUNTRY, OTHER_COUNTRY = ent("camp-x"), ent("town-x"), ent("province-x"), ent("country-x"), ent("country-y")
ATTACK, STRIKE = event("attack"), event("strike")
PERSON, ORG, STATE, MILITIA = ent("pat"), ent("ministry"), ent("state-x"), ent("militia-x")
ROLE = ID["role/r1"]
SPAN = URIRef(str(ID["article/1"]) + "#char=0,5")


def data() -> Graph:
    g = Graph()
    for t in ontology_graph():
        g.add(t)
    add = g.add
    add((BASE, RDF.type, CKG.MilitaryBase))
    add((CITY, RDF.type, CKG.City))
    add((PROVINCE, RDF.type, CKG.Region))
    add((COUNTRY, RDF.type, CKG.Country))
    add((OTHER_COUNTRY, RDF.type, CKG.Country))
    add((BASE, CKG.locatedIn, CITY))
    add((CITY, CKG.locatedIn, PROVINCE))
    add((PROVINCE, CKG.locatedIn, COUNTRY))
    add((ATTACK, RDF.type, CKG.RocketAttack))
    add((ATTACK, SEM.hasPlace, BASE))
    add((ATTACK, CKG.evidence, SPAN))
    add((ATTACK, CKG.retaliationFor, STRIKE))
    add((STRIKE, RDF.type, CKG.Airstrike))
    add((STRIKE, CKG.targetPlace, CITY))
    add((STRIKE, CKG.launchedFrom, OTHER_COUNTRY))
    for role in ROLES:
        add((ATTACK, CKG[role], ent(f"actor-{role.lower()}")))
        add((ent(f"actor-{role.lower()}"), RDF.type, CKG.Organisation))
    add((PERSON, RDF.type, CKG.Person))
    add((ORG, RDF.type, CKG.Government))
    add((STATE, RDF.type, CKG.State))
    add((MILITIA, RDF.type, CKG.Militia))
    add((ROLE, RDF.type, CKG.Role))
    add((ROLE, CKG.roleHolder, PERSON))
    add((ROLE, CKG.roleIn, ORG))
    add((ROLE, CKG.roleTitle, Literal("minister")))
    add((MILITIA, CKG.proxyOf, STATE))
    add((STATE, CKG.allyOf, ORG))
    add((ATTACK, CKG.datePrecision, Literal("day")))
    add((ATTACK, SEM.hasTimeStamp, Literal("2020-03-10", datatype=XSD.date)))
    return g


@pytest.fixture(scope="module")
def asserted() -> Graph:
    return data()


@pytest.fixture(scope="module")
def inference(asserted: Graph) -> Inference:
    return infer(iter(asserted))


ENTAILMENTS = [
    # events located through transitive containment
    pytest.param((ATTACK, CKG.occurredIn, BASE), id="occurredIn-own-place"),
    pytest.param((ATTACK, CKG.occurredIn, CITY), id="occurredIn-city"),
    pytest.param((ATTACK, CKG.occurredIn, PROVINCE), id="occurredIn-province"),
    pytest.param((ATTACK, CKG.occurredIn, COUNTRY), id="occurredIn-country"),
    pytest.param((BASE, CKG.locatedIn, COUNTRY), id="locatedIn-transitive"),
    pytest.param((STRIKE, SEM.hasPlace, CITY), id="targetPlace-is-hasPlace"),
    pytest.param((STRIKE, CKG.occurredIn, COUNTRY), id="targetPlace-occurredIn-country"),
    # role sub-properties give sem:hasActor
    *[pytest.param((ATTACK, SEM.hasActor, ent(f"actor-{role.lower()}")), id=f"hasActor-from-{role}") for role in ROLES],
    # types from the class hierarchy
    pytest.param((ATTACK, RDF.type, CKG.Attack), id="RocketAttack-is-Attack"),
    pytest.param((ATTACK, RDF.type, CKG.Event), id="RocketAttack-is-Event"),
    pytest.param((ATTACK, RDF.type, SEM.Event), id="RocketAttack-is-sem-Event"),
    pytest.param((BASE, RDF.type, CKG.Place), id="MilitaryBase-is-Place"),
    pytest.param((BASE, RDF.type, SEM.Place), id="MilitaryBase-is-sem-Place"),
    pytest.param((MILITIA, RDF.type, CKG.Organisation), id="Militia-is-Organisation"),
    pytest.param((MILITIA, RDF.type, CKG.Actor), id="Militia-is-Actor"),
    pytest.param((ORG, RDF.type, SDO.Organization), id="Government-is-schema-Organization"),
    pytest.param((PERSON, RDF.type, CKG.Actor), id="Person-is-Actor"),
    pytest.param((PERSON, RDF.type, PROV.Agent), id="Person-is-prov-Agent"),
    pytest.param((STATE, RDF.type, SEM.Actor), id="State-is-sem-Actor"),
    # roles: the inverse and the property chain
    pytest.param((PERSON, CKG.holdsRole, ROLE), id="holdsRole-inverse"),
    pytest.param((PERSON, CKG.affiliatedWith, ORG), id="affiliatedWith-chain"),
    # other sub-properties and characteristics the questions use
    pytest.param((MILITIA, CKG.backedBy, STATE), id="proxyOf-is-backedBy"),
    pytest.param((ORG, CKG.allyOf, STATE), id="allyOf-symmetric"),
    pytest.param((ATTACK, CKG.responseTo, STRIKE), id="retaliationFor-is-responseTo"),
    pytest.param((ATTACK, GAF.denotedBy, SPAN), id="evidence-is-denotedBy"),
]


@pytest.mark.parametrize("triple", ENTAILMENTS)
def test_entailment(inference: Inference, triple: tuple) -> None:
    assert triple in inference.graph


NON_ENTAILMENTS = [
    pytest.param((ATTACK, CKG.occurredIn, OTHER_COUNTRY), id="launchedFrom-is-not-a-place-of-the-event"),
    pytest.param((STRIKE, CKG.occurredIn, BASE), id="containment-does-not-go-down"),
    pytest.param((PERSON, CKG.affiliatedWith, STATE), id="no-affiliation-without-a-role"),
    pytest.param((STATE, CKG.backedBy, MILITIA), id="backedBy-not-symmetric"),
    pytest.param((COUNTRY, CKG.locatedIn, COUNTRY), id="no-reflexive-containment"),
]


@pytest.mark.parametrize("triple", NON_ENTAILMENTS)
def test_non_entailment(inference: Inference, asserted: Graph, triple: tuple) -> None:
    assert triple not in inference.graph and triple not in asserted


def test_the_consistent_data_has_no_inconsistency(inference: Inference) -> None:
    assert inference.inconsistencies == []


def test_only_new_triples_are_kept(inference: Inference, asserted: Graph) -> None:
    assert len(inference.graph) > 0
    assert not [t for t in inference.graph if t in asserted]


def test_no_reflexive_same_as(inference: Inference) -> None:
    assert not [t for t in inference.graph.triples((None, OWL.sameAs, None)) if t[0] == t[2]]


def test_no_literal_or_blank_subjects(inference: Inference) -> None:
    assert all(isinstance(s, URIRef) for s in inference.graph.subjects())


def test_no_schema_noise(inference: Inference) -> None:
    subjects = {str(s) for s in inference.graph.subjects()}
    assert all(s.startswith(str(ID)) for s in subjects), sorted(s for s in subjects if not s.startswith(str(ID)))[:5]
    trivial = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}
    assert not [t for t in inference.graph.triples((None, RDF.type, None)) if t[2] in trivial]
    assert not list(inference.graph.triples((None, RDFS.subClassOf, None)))
    assert not list(inference.graph.triples((None, RDFS.subPropertyOf, None)))


def test_the_inferred_graph_is_named(inference: Inference) -> None:
    assert inference.graph.identifier == INFERRED_GRAPH


@pytest.mark.parametrize(
    ("triple", "keep"),
    [
        ((ent("a"), RDF.type, CKG.Actor), True),
        ((ent("a"), CKG.occurredIn, ent("b")), True),
        ((ent("a"), OWL.sameAs, ent("a")), False),
        ((ent("a"), OWL.sameAs, ent("b")), True),
        ((Literal("x"), RDF.type, RDFS.Literal), False),
        ((BNode(), RDF.type, CKG.Actor), False),
        ((CKG.Person, RDFS.subClassOf, CKG.Actor), False),
        ((CKG.attacker, RDFS.subPropertyOf, SEM.hasActor), False),
        ((ent("a"), RDF.type, OWL.Thing), False),
        ((ent("a"), RDF.type, RDFS.Resource), False),
        ((ent("a"), RDF.type, OWL.NamedIndividual), False),
        ((URIRef("http://example.org/x"), RDF.type, CKG.Actor), False),
    ],
)
def test_useful(triple: tuple, keep: bool) -> None:
    assert useful(triple) is keep


def test_disjoint_classes_are_reported_as_inconsistent() -> None:
    g = Graph()
    for t in ontology_graph():
        g.add(t)
    g.add((ent("odd"), RDF.type, CKG.Person))
    g.add((ent("odd"), RDF.type, CKG.City))
    result = infer(iter(g))
    assert any("odd" in m and "Person" in m and "Place" in m for m in result.inconsistencies), result.inconsistencies


# ---------------------------------------------------------------- end to end, on the fixture corpus


def test_the_fixture_build_has_the_entailments(mini_build: tuple[Path, BuildResult]) -> None:
    ds = mini_build[1].dataset
    inferred = ds.graph(INFERRED_GRAPH)
    attack = event("camp-alpha-attack")
    for place in ("camp-alpha", "riverton", "northland"):
        assert (attack, CKG.occurredIn, ent(place)) in inferred
    assert (ent("camp-alpha"), CKG.locatedIn, ent("northland")) in inferred
    assert (attack, SEM.hasActor, ent("red-militia")) in inferred
    assert (attack, RDF.type, CKG.Event) in inferred
    assert (ent("jane-roe"), RDF.type, CKG.Actor) in inferred
    asserted = {t for g in ds.graphs() if g.identifier != INFERRED_GRAPH for t in g}
    assert not [t for t in inferred if t in asserted]
    assert all(useful(t) for t in inferred)


def test_affiliation_from_a_role_end_to_end(mini_copy: Path) -> None:
    reg = mini_copy / "registry.yaml"
    reg.write_text(reg.read_text(encoding="utf-8") + "  - id: think-tank\n    type: ThinkTank\n    label: Think Tank\n", encoding="utf-8")
    art = mini_copy / "articles" / "100_mini.yaml"
    text = art.read_text(encoding="utf-8")
    art.write_text(text.replace("{holder: jane-roe, title: analyst,", "{holder: jane-roe, title: analyst, in: think-tank,"), encoding="utf-8")
    inferred = build(mini_copy, None).dataset.graph(INFERRED_GRAPH)
    assert (ent("jane-roe"), CKG.affiliatedWith, ent("think-tank")) in inferred


def test_an_entity_both_person_and_place_fails_the_build(mini_copy: Path, tmp_path: Path) -> None:
    reg = mini_copy / "registry.yaml"
    reg.write_text(reg.read_text(encoding="utf-8")
                   + "  - id: shapeshifter\n    type: [Person, City]\n    label: Shapeshifter\n    located_in: northland\n", encoding="utf-8")
    out = tmp_path / "build"
    with pytest.raises(ValidationFailed) as exc:
        build(mini_copy, out)
    report = exc.value.report
    assert exc.value.exit_code == 1
    assert "Shapeshifter" in report and "shapeshifter" in report
    assert "Disjoint classes" in report or "disjoint" in report
    assert "registry.yaml" in report  # the file to fix
    assert not (out / "current").exists()  # nothing published
