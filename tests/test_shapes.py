"""Every SHACL shape, with one conforming and one violating fixture each, against the real shapes.

Fixtures live in tests/fixtures/shapes (see its README): ``<Shape>.ok.ttl`` must conform;
``<Shape>.bad.ttl`` must break that shape only, and between its nodes every constraint (every
``sh:message``) of the shape. Each is validated on top of the ontology and ``_base.ttl``; the shapes with SPARQL
constraints in both validation modes (pyshacl for everything, and the default fast mode that runs
SPARQL constraints as whole-graph queries on pyoxigraph).
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from crisiskg.build.validation import Validation, shapes_graph, validate
from crisiskg.loaders import dates
from crisiskg.vocab import CKG, ID, NIF, SEM, SH, ontology_graph

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
SHAPES_NS = "https://w3id.org/crisiskg/shapes#"
MODES = ["fast", "reference"]


def all_shapes() -> list[str]:
    g = shapes_graph()
    return sorted(str(s)[len(SHAPES_NS):] for s in g.subjects(RDF.type, SH.NodeShape))


def messages_of(shape: str) -> set[str]:
    """Every sh:message of a shape's constraints (property shapes and SPARQL constraints)."""
    g = shapes_graph()
    node = URIRef(SHAPES_NS + shape)
    found = {str(m) for m in g.objects(node, SH.message)}
    for link in (SH.property, SH.sparql):
        for constraint in g.objects(node, link):
            found |= {str(m) for m in g.objects(constraint, SH.message)}
    return found


@cache
def parsed(name: str) -> Graph:
    g = Graph()
    g.parse(FIXTURES / name, format="turtle")
    return g


def world(*names: str, extra: Graph | None = None) -> Graph:
    g = Graph()
    for t in ontology_graph():
        g.add(t)
    for name in ("_base.ttl", *names):
        for t in parsed(name):
            g.add(t)
    for t in extra or ():
        g.add(t)
    return g


def focus_nodes(shape: str, data: Graph) -> set[URIRef]:
    """The nodes a shape targets in ``data`` (classes include their subclasses, as SHACL says)."""
    g = shapes_graph()
    node = URIRef(SHAPES_NS + shape)
    found: set = set()
    for cls in g.objects(node, SH.targetClass):
        for row in data.query("SELECT ?x WHERE { ?x a/rdfs:subClassOf* ?c }", initBindings={"c": cls}, initNs={"rdfs": RDFS}):
            found.add(row[0])
    for prop in g.objects(node, SH.targetSubjectsOf):
        found |= set(data.subjects(prop, None))
    for prop in g.objects(node, SH.targetObjectsOf):
        found |= set(data.objects(None, prop))
    return found


def explain(result: Validation) -> str:
    return result.report


def sparql_shapes() -> list[str]:
    g = shapes_graph()
    return sorted(s for s in all_shapes() if g.value(URIRef(SHAPES_NS + s), SH.sparql) is not None)


# Every shape in the default (fast) mode; the shapes with SPARQL constraints, where the two modes
# differ, in the reference mode too (pyshacl alone is ~10x slower).
CASES = [pytest.param(s, "fast", id=f"{s}-fast") for s in all_shapes()] + [
    pytest.param(s, "reference", id=f"{s}-reference") for s in sparql_shapes()
]


# ---------------------------------------------------------------- the fixture set is complete


def test_every_shape_has_fixtures() -> None:
    missing = [f"{shape}.{kind}.ttl" for shape in all_shapes() for kind in ("ok", "bad") if not (FIXTURES / f"{shape}.{kind}.ttl").exists()]
    assert not missing, f"write these fixtures in tests/fixtures/shapes: {missing}"


def test_no_fixture_is_left_without_its_shape() -> None:
    shapes = set(all_shapes())
    orphans = [p.name for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_") and p.name.split(".")[0] not in shapes]
    assert not orphans


def test_every_constraint_has_a_distinct_message() -> None:
    g = shapes_graph()
    seen: dict[str, str] = {}
    for shape in all_shapes():
        msgs = messages_of(shape)
        assert msgs, f"{shape} has no sh:message"
        for m in msgs:
            assert m not in seen, f"{shape} and {seen[m]} share the message {m!r}"
            seen[m] = shape
    # and every property shape or SPARQL constraint carries a message
    for link in (SH.property, SH.sparql):
        for shape, constraint in g.subject_objects(link):
            assert g.value(constraint, SH.message) is not None, f"{shape} has a constraint without sh:message"


@pytest.mark.parametrize("mode", MODES)
def test_the_base_world_conforms(mode: str) -> None:
    result = validate(world(), mode=mode)
    assert result.conforms, explain(result)


# ---------------------------------------------------------------- one conforming and one violating fixture per shape


@pytest.mark.parametrize(("shape", "mode"), CASES)
def test_conforming_fixture(shape: str, mode: str) -> None:
    data = world(f"{shape}.ok.ttl")
    delta = set(parsed(f"{shape}.ok.ttl").subjects())
    targeted = focus_nodes(shape, data) & delta
    assert targeted, f"{shape}.ok.ttl has no node the shape targets"
    result = validate(data, mode=mode)
    assert result.conforms, explain(result)


@pytest.mark.parametrize(("shape", "mode"), CASES)
def test_violating_fixture(shape: str, mode: str) -> None:
    data = world(f"{shape}.bad.ttl")
    delta = set(parsed(f"{shape}.bad.ttl").subjects())
    result = validate(data, mode=mode)
    assert not result.conforms
    own = messages_of(shape)
    foreign = [str(v) for v in result.violations if v.message not in own]
    assert not foreign, f"{shape}.bad.ttl also breaks other shapes:\n" + "\n".join(foreign)
    unexercised = own - {v.message for v in result.violations}
    assert not unexercised, f"{shape}.bad.ttl does not break: {sorted(unexercised)}"
    assert {URIRef(v.focus) for v in result.violations} <= delta, "a violation reported on the base world"
    for v in result.violations:
        assert v.severity == "Violation"
        assert v.focus in str(v) and v.message in str(v)  # the readable line names the resource and the message


# ---------------------------------------------------------------- the two SPARQL constraints, case by case

CONTEXT_TEXT = "Rockets hit Camp Alpha. Roe said \u201cno war\u201d \u2014 twice \U0001F680. Riverton is calm."

SPAN_CASES = [
    # (begin, end, anchorOf, conforms)
    pytest.param(0, 22, "Rockets hit Camp Alpha", True, id="first-words"),
    pytest.param(24, 51, "Roe said \u201cno war\u201d \u2014 twice \U0001F680", True, id="curly-quotes-dash-astral"),
    pytest.param(53, 69, "Riverton is calm", True, id="after-the-astral-character"),
    pytest.param(69, 70, ".", True, id="last-character"),
    pytest.param(0, 70, CONTEXT_TEXT, True, id="whole-text"),
    pytest.param(0, 7, "rockets", False, id="case-differs"),
    pytest.param(1, 8, "Rockets", False, id="off-by-one"),
    pytest.param(0, 8, "Rockets", False, id="one-too-long"),
    pytest.param(62, 78, "Riverton is calm", False, id="utf8-byte-offsets"),
    pytest.param(54, 70, "Riverton is calm", False, id="utf16-offsets"),
    pytest.param(53, 71, "Riverton is calm.", False, id="past-the-end"),
    pytest.param(5, 5, "", False, id="empty"),
    pytest.param(7, 0, "Rockets", False, id="end-before-begin"),
]


@pytest.mark.parametrize("mode", MODES)
def test_span_text_must_equal_the_article_text_at_its_offsets(mode: str) -> None:
    g = Graph()
    expected_bad = set()
    for i, case in enumerate(SPAN_CASES):
        begin, end, anchor, conforms = case.values
        node = ID[f"span-case-{i}"]
        g.add((node, RDF.type, NIF.Phrase))
        g.add((node, NIF.referenceContext, ID["ctx"]))
        g.add((node, NIF.beginIndex, Literal(begin, datatype=XSD.nonNegativeInteger)))
        g.add((node, NIF.endIndex, Literal(end, datatype=XSD.nonNegativeInteger)))
        g.add((node, NIF.anchorOf, Literal(anchor)))
        g.add((node, CKG.annotationMethod, CKG.Curated))
        if not conforms:
            expected_bad.add(str(node))
        else:
            assert CONTEXT_TEXT[begin:end] == anchor  # the case itself is right
    result = validate(world(extra=g), mode=mode)
    bad = {v.focus for v in result.violations}
    wrong = {str(c.id) for i, c in enumerate(SPAN_CASES) if (str(ID[f"span-case-{i}"]) in bad) != (str(ID[f"span-case-{i}"]) in expected_bad)}
    assert not wrong, f"misjudged cases: {sorted(wrong)}\n{result.report}"
    assert {v.message for v in result.violations} == {"the span's text is not the article text at its offsets"}


EVENT_DATES = """
@prefix ckg:  <https://w3id.org/crisiskg/ontology#> .
@prefix id:   <https://w3id.org/crisiskg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix sem:  <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix nif:  <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .

# a second, earlier article (2020-03-05) with one span
id:early a ckg:Article ; dct:title "Early" ; dct:issued "2020-03-05"^^xsd:date ; ckg:dateValue "2020-03-05" ;
    ckg:datePrecision "day" ; ckg:dateDerivation "dateline" ; ckg:earliestDate "2020-03-05"^^xsd:date ;
    ckg:latestDate "2020-03-05"^^xsd:date ; dct:creator id:roe ; ckg:text id:early-ctx .
id:early-ctx a nif:Context ; nif:isString "Tension rises." .
id:early-span a nif:Phrase ; nif:referenceContext id:early-ctx ; nif:beginIndex "0"^^xsd:nonNegativeInteger ;
    nif:endIndex "7"^^xsd:nonNegativeInteger ; nif:anchorOf "Tension" ; ckg:annotationMethod ckg:Curated .
id:early-span-2 a nif:Phrase ; nif:referenceContext id:early-ctx ; nif:beginIndex "8"^^xsd:nonNegativeInteger ;
    nif:endIndex "13"^^xsd:nonNegativeInteger ; nif:anchorOf "rises" ; ckg:annotationMethod ckg:Curated .
"""

# (event, date value or None, evidence spans, conforms); the base article is dated 2020-03-12
DATE_CASES = [
    pytest.param("before", "2020-03-10", ["span-headline"], True, id="before"),
    pytest.param("same-day", "2020-03-12", ["span-headline"], True, id="same-day"),
    pytest.param("same-month", "2020-03", ["span-headline"], True, id="month-of-the-article"),
    pytest.param("span-over", "2020-03-10/2020-03-14", ["span-headline"], True, id="range-that-may-end-before"),
    pytest.param("undated", None, ["span-headline"], True, id="undated"),
    pytest.param("day-after", "2020-03-13", ["span-headline"], False, id="day-after"),
    pytest.param("next-month", "2020-04", ["span-headline"], False, id="next-month"),
    pytest.param("next-year", "2021", ["span-headline"], False, id="next-year"),
    pytest.param("between", "2020-03-10", ["span-headline", "early-span"], False, id="after-one-of-two-reports"),
    pytest.param("early-ok", "2020-03-04", ["span-headline", "early-span"], True, id="before-both-reports"),
    pytest.param("twice", "2020-03-10", ["early-span", "early-span-2"], False, id="two-spans-in-the-earlier-report"),
]


@pytest.mark.parametrize("mode", MODES)
def test_no_event_is_dated_after_an_article_that_reports_it(mode: str) -> None:
    g = Graph()
    g.parse(data=EVENT_DATES, format="turtle")
    expected_bad = set()
    for case in DATE_CASES:
        name, date, spans, conforms = case.values
        node = ID[f"event/{name}"]
        g.add((node, RDF.type, CKG.Attack))
        g.add((node, RDFS.label, Literal(name)))
        for span in spans:
            g.add((node, CKG.evidence, ID[span]))
        if date:
            span = dates.parse(date)
            g.add((node, CKG.dateValue, Literal(date)))
            g.add((node, CKG.datePrecision, Literal(span.precision)))
            g.add((node, CKG.dateDerivation, Literal("test")))
            g.add((node, CKG.earliestDate, Literal(span.earliest.isoformat(), datatype=XSD.date)))
            g.add((node, CKG.latestDate, Literal(span.latest.isoformat(), datatype=XSD.date)))
        if not conforms:
            expected_bad.add(str(node))
    result = validate(world(extra=g), mode=mode)
    assert {v.focus for v in result.violations} == expected_bad, result.report
    # one solution per (focus, value) in the constraint itself ("twice" has two spans in the earlier
    # article): Jena's SHACL engine reports one result per solution, pyshacl and ours one per pair
    data = world(extra=g)
    for select in shapes_graph().objects(None, SH.select):
        rows = list(data.query(str(select).replace("$this", "?this"), initNs={"ckg": CKG, "nif": NIF, "dct": DCTERMS, "sem": SEM, "owl": OWL, "rdf": RDF}))
        assert len(rows) == len(set(rows)), str(select)[:120]
    assert {v.message for v in result.violations} == {"the event is dated after the article that reports it (its earliest possible day is after the article's latest)"}
    assert {v.value for v in result.violations} >= {"2020-03-13", "2020-04-01", "2021-01-01"}  # the offending first day is shown


# ---------------------------------------------------------------- the gate in the build: a readable report


def test_a_violation_stops_the_build_with_a_readable_report(mini_copy: Path) -> None:
    from crisiskg.build.pipeline import build
    from crisiskg.errors import ValidationFailed

    art = mini_copy / "articles" / "100_mini.yaml"
    art.write_text(art.read_text(encoding="utf-8").replace("value: 2020-03-10", "value: 2020-03-19"), encoding="utf-8")
    reg = mini_copy / "registry.yaml"
    reg.write_text(reg.read_text(encoding="utf-8").replace("    located_in: riverton\n", ""), encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        build(mini_copy, None)
    lines = exc.value.report.splitlines()
    assert exc.value.count == len(lines) == 2
    dated = next(line for line in lines if "dated after" in line)
    assert "Rocket attack on Camp Alpha" in dated  # the label
    assert dated.startswith(f"- articles/100_mini.yaml:{_entry_line(art, 'camp-alpha-attack')}:5: events[0]: ")  # where to fix it
    assert "2020-03-19" in dated  # the value
    base = next(line for line in lines if "located in a containing place" in line)
    assert base.startswith(f"- registry.yaml:{_entry_line(reg, 'camp-alpha')}:5: ")  # the entry to fix
    assert "Camp Alpha" in base and "ckg:locatedIn" in base  # label, property


def _entry_line(path: Path, ident: str) -> int:
    """The line (1-based) of the seed entry ``- id: ident`` in ``path``."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.strip() == f"- id: {ident}")


DATATYPES = [XSD.string, RDF.langString, XSD.integer, XSD.nonNegativeInteger, XSD.int, XSD.float, XSD.double, XSD.decimal,
             XSD.boolean, XSD.date, XSD.time, XSD.dateTime, XSD.gYear, XSD.anyURI, URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")]
LEXICAL = st.one_of(st.sampled_from(["0", "7", "-3", "1.5", "1e3", "true", "false", "2020-01-08", "2020-02-30", "12:30:00",
                                     "2020-01-08T12:00:00Z", "POINT(44.4 33.3)", "", " 7", "abc", "NaN", "INF"]),
                    st.integers().map(str), st.text(max_size=8))


def literal_of(lexical: str, datatype: URIRef | None, lang: bool) -> Literal:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdflib warns about lexical forms it cannot convert: those are cases too
        if lang:
            return Literal(lexical, lang="en")
        return Literal(lexical, datatype=datatype)


@settings(max_examples=400, deadline=None)
@given(LEXICAL, st.sampled_from([None, *DATATYPES]), st.booleans(), st.sampled_from(DATATYPES))
def test_the_datatype_check_is_pyshacls(lexical: str, datatype: URIRef | None, lang: bool, rule: URIRef) -> None:
    """shaclvalues._actual_datatype (no pyshacl import) against pyshacl's own sh:datatype value check."""
    from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

    from crisiskg.build.shaclvalues import _actual_datatype

    v = literal_of(lexical, datatype, lang)
    assert _actual_datatype(v, rule) == bool(DatatypeConstraintComponent._assert_actual_datatype(None, v, rule))  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(LEXICAL, LEXICAL, st.sampled_from([XSD.integer, XSD.nonNegativeInteger, XSD.decimal, XSD.date, XSD.string]),
       st.sampled_from([XSD.integer, XSD.nonNegativeInteger, XSD.decimal]))
def test_the_range_comparison_is_pyshacls(a: str, b: str, da: URIRef, db: URIRef) -> None:
    """shaclvalues._compare (integers compared natively) against pyshacl's compare_literal: same order, or both refuse."""
    from pyshacl.rdfutil import compare_literal

    from crisiskg.build.shaclvalues import _compare

    value, bound = literal_of(a, da, False), literal_of(b, db, False)

    def outcome(fn: Any) -> object:
        try:
            return int(fn(value, bound))
        except Exception as exc:  # noqa: BLE001  # the same refusal, whatever it is ("NaN" as a decimal: InvalidOperation)
            return type(exc)

    assert outcome(_compare) == outcome(compare_literal)
