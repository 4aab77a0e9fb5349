"""The ontology documents itself: metadata, a label and definition on every term, CAMEO scores."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from crisiskg.vocab import CAMEO, CAMEO_FILE, CKG, CKG_URI, ONTOLOGY_FILE, ontology_graph

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

VANN = "http://purl.org/vocab/vann/"
ONTOLOGY = URIRef("https://w3id.org/crisiskg/ontology")


def _parse(path: object) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


ONTO = _parse(ONTOLOGY_FILE)
CAMEO_G = _parse(CAMEO_FILE)


def ckg_terms() -> list[URIRef]:
    """Every ckg term the ontology file declares (a subject with a type)."""
    return sorted({s for s in ONTO.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(CKG_URI)})


def test_the_ontology_declares_many_terms() -> None:
    assert len(ckg_terms()) > 100


@pytest.mark.parametrize("term", ckg_terms(), ids=lambda t: str(t)[len(CKG_URI):])
def test_every_term_has_a_label_and_a_definition(term: URIRef) -> None:
    labels = list(ONTO.objects(term, RDFS.label))
    definitions = list(ONTO.objects(term, SKOS.definition))
    assert len(labels) == 1 and str(labels[0]).strip(), f"{term} needs exactly one rdfs:label"
    assert len(definitions) == 1 and len(str(definitions[0])) > 5, f"{term} needs one skos:definition"
    assert labels[0].language == "en" and definitions[0].language == "en"


def test_every_ckg_term_used_is_declared() -> None:
    declared = set(ckg_terms())
    used = {t for triple in ONTO for t in triple if isinstance(t, URIRef) and str(t).startswith(CKG_URI)}
    assert used <= declared, sorted(used - declared)


def test_every_term_used_in_the_shapes_is_declared() -> None:
    from crisiskg.build.validation import shapes_graph

    declared = set(ckg_terms())
    used = {t for triple in shapes_graph() for t in triple if isinstance(t, URIRef) and str(t).startswith(CKG_URI)}
    assert used <= declared, sorted(used - declared)


@pytest.mark.parametrize(
    ("prop", "check"),
    [
        (DCTERMS.title, lambda v: isinstance(v, Literal) and str(v)),
        (DCTERMS.description, lambda v: isinstance(v, Literal) and len(str(v)) > 40),
        (OWL.versionIRI, lambda v: isinstance(v, URIRef) and str(v).startswith(str(ONTOLOGY) + "/")),
        (OWL.versionInfo, lambda v: str(v).count(".") == 2),
        (DCTERMS.license, lambda v: isinstance(v, URIRef) and "creativecommons.org" in str(v)),
        (URIRef(VANN + "preferredNamespacePrefix"), lambda v: str(v) == "ckg"),
        (URIRef(VANN + "preferredNamespaceUri"), lambda v: str(v) == CKG_URI),
    ],
    ids=["title", "description", "versionIRI", "versionInfo", "license", "preferredPrefix", "preferredUri"],
)
def test_ontology_metadata(prop: URIRef, check) -> None:  # type: ignore[no-untyped-def]
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ONTO
    values = list(ONTO.objects(ONTOLOGY, prop))
    assert len(values) == 1, f"the owl:Ontology needs one {prop}"
    assert check(values[0])


def test_the_version_iri_matches_the_version_info_and_the_package() -> None:
    from crisiskg import __version__

    version = str(ONTO.value(ONTOLOGY, OWL.versionInfo))
    assert str(ONTO.value(ONTOLOGY, OWL.versionIRI)).endswith("/" + version)
    assert version == __version__


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (CKG.Person, CKG.Actor), (CKG.State, CKG.Actor), (CKG.Militia, CKG.Organisation),
        (CKG.City, CKG.Place), (CKG.Country, CKG.Place), (CKG.RocketAttack, CKG.Attack),
        (CKG.Attack, CKG.Event), (CKG.Threat, CKG.Statement),
    ],
)
def test_class_hierarchy(cls: URIRef, parent: URIRef) -> None:
    assert (cls, RDFS.subClassOf, parent) in ONTO


def test_the_design_axioms_are_there() -> None:
    sem_has_actor = URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/hasActor")
    from crisiskg.loaders.schema import ROLES

    for role in ROLES:
        assert (CKG[role], RDFS.subPropertyOf, sem_has_actor) in ONTO, role
    assert (CKG.locatedIn, RDF.type, OWL.TransitiveProperty) in ONTO
    assert ONTO.value(CKG.occurredIn, OWL.propertyChainAxiom) is not None
    assert ONTO.value(CKG.affiliatedWith, OWL.propertyChainAxiom) is not None
    members = set()
    for node in ONTO.subjects(RDF.type, OWL.AllDisjointClasses):
        from rdflib.collection import Collection

        members |= set(Collection(ONTO, ONTO.value(node, OWL.members)))
    assert {CKG.Person, CKG.Place, CKG.Event, CKG.Organisation, CKG.Stance} <= members


def cameo_concepts() -> list[URIRef]:
    return sorted(s for s in CAMEO_G.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef))


def test_there_are_cameo_concepts() -> None:
    assert len(cameo_concepts()) >= 10
    assert (CAMEO.scheme, RDF.type, SKOS.ConceptScheme) in CAMEO_G


@pytest.mark.parametrize("concept", cameo_concepts(), ids=lambda c: str(c).rsplit("/", 1)[-1])
def test_every_cameo_concept_has_a_notation_and_a_goldstein_score(concept: URIRef) -> None:
    notations = list(CAMEO_G.objects(concept, SKOS.notation))
    assert len(notations) == 1
    assert str(concept).endswith("/" + str(notations[0])), "the IRI ends with the code"
    assert str(notations[0]).isdigit() and len(str(notations[0])) in (2, 3, 4)
    scores = list(CAMEO_G.objects(concept, CKG.goldsteinScore))
    assert len(scores) == 1 and scores[0].datatype == XSD.decimal
    assert Decimal(-10) <= scores[0].toPython() <= Decimal(10)
    assert (concept, SKOS.inScheme, CAMEO.scheme) in CAMEO_G
    assert CAMEO_G.value(concept, SKOS.prefLabel) is not None and CAMEO_G.value(concept, SKOS.definition) is not None


def test_cameo_notations_are_unique() -> None:
    notations = [str(n) for n in CAMEO_G.objects(None, SKOS.notation)]
    assert len(notations) == len(set(notations))


def test_the_ontology_graph_holds_both_files() -> None:
    g = ontology_graph()
    assert len(g) == len(ONTO) + len(CAMEO_G) - len(set(ONTO) & set(CAMEO_G))


def test_every_class_and_cameo_code_the_draft_writes_is_the_ontologys() -> None:
    # a drafted event whose class or code the ontology lacks would only fail at the curator's build
    from crisiskg.curate import draft_events as de

    classes = {c for _, c, _ in de.MEANS} | {c for _, c, _ in de.OTHER} | set(de.ATTACKS) | set(de.REFERS) | \
        {"Accident", "Statement", "Threat", "ClaimOfResponsibility"}
    codes = {code for _, _, code in de.MEANS} | {code for _, _, code in de.OTHER if code} | {code for _, code in de._SAID_CODES} | \
        {"130", "015", "186", "190", "010"}
    events = set(ONTO.transitive_subjects(RDFS.subClassOf, CKG.Event))
    assert {c for c in classes if URIRef(CKG_URI + c) not in events} == set()
    assert {c for c in codes if (CAMEO[c], RDF.type, SKOS.Concept) not in CAMEO_G} == set()
