"""Validation equivalence: fast mode reports exactly the violations plain pyshacl reports.

Fast mode runs pyshacl on the core shapes and each SHACL-SPARQL constraint as one whole-graph query
on pyoxigraph; reference mode is plain pyshacl on every shape. Compared on conforming data (the
mini fixture and a synthetic corpus) and on data broken in ways that hit both kinds of constraint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, XSD

from crisiskg.reasoning import infer
from crisiskg.synth import synthesize
from crisiskg.validation import union, validate
from crisiskg.vocab import CKG, ID, NIF, SEM
from loaders import read_seeds, to_dataset

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
    g.set((event, SEM.hasTimeStamp, Literal("2099-01-01", datatype=XSD.date)))  # SPARQL: dated after its article
    stance = next(s for s in g.subjects(RDF.type, CKG.Stance))
    g.set((stance, CKG.polarity, CKG.Strong))  # core: sh:in
    found = same_violations(g, origins)
    messages = {v.message for v in found}
    assert "the span's text is not the article text at its offsets" in messages
    assert "the event is dated after the article that reports it" in messages
    assert any("disjoint" in m for m in messages)
    assert any("polarity" in m for m in messages)
    assert any(v.focus == str(person) for v in found)
    assert str(ID) in found[0].focus
