"""Triples the build derives for the saved questions: ckg:quote, an event's own quote in an article.

The questions used to find, per row, the event's longest evidence span in the article (the earliest
of equally long ones) by comparing every pair of spans; loaders/graph.py now states it once per event
and article graph. These tests hold it to that definition, on the seeds and on a synthetic corpus,
and check that the reasoner and the shapes treat it as they should.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from seedcorpus import SEEDS

from crisiskg.build.reasoning import infer
from crisiskg.build.validation import validate
from crisiskg.loaders.graph import TripleSet, _ArticleWriter, to_graphs
from crisiskg.loaders.seeds import read_seeds
from crisiskg.scale.synth import synthesize
from crisiskg.vocab import CKG, ID, NIF

EVENT = str(ID) + "event/"
QUOTE_MESSAGE = "an event's ckg:quote in an article is its one longest evidence span there (the earliest of equally long ones)"


def is_event(node: Any) -> bool:
    """An event's IRI, not one of its count nodes (``event/<id>/casualties/...``, ``/munitions/``...)."""
    return str(node).startswith(EVENT) and "/" not in str(node)[len(EVENT):]


def offsets(g: TripleSet, span: Any) -> tuple[int, int]:
    begin = next(o for s, p, o in g if s == span and p == NIF.beginIndex)
    end = next(o for s, p, o in g if s == span and p == NIF.endIndex)
    return int(begin), int(end)


def expected_quotes(g: TripleSet) -> set[tuple[Any, Any]]:
    """(event, span) by the questions' old definition: no other evidence span of the event in this
    graph is longer, or as long and earlier."""
    evidence: dict[Any, list[Any]] = {}
    for s, p, o in g:
        if p == CKG.evidence and is_event(s):
            evidence.setdefault(s, []).append(o)
    out = set()
    for event, spans in evidence.items():
        for span in spans:
            b, e = offsets(g, span)
            if not any((oe - ob > e - b) or (oe - ob == e - b and ob < b) for ob, oe in (offsets(g, o) for o in spans)):
                out.add((event, span))
    return out


def check_quotes(graphs: dict[URIRef, TripleSet]) -> int:
    checked = 0
    for iri, g in graphs.items():
        if "/graph/article/" not in str(iri):
            assert not any(p == CKG.quote for _, p, _ in g), f"ckg:quote outside an article graph: {iri}"
            continue
        stated = {(s, o) for s, p, o in g if p == CKG.quote}
        assert stated == expected_quotes(g), iri
        events = {s for s, _ in stated}
        assert len(events) == len(stated), f"an event with two quotes in {iri}"
        assert all((s, CKG.evidence, o) in g for s, o in stated), "a quote that is not stated as evidence"
        checked += len(stated)
    return checked


@pytest.fixture(scope="module")
def seed_graphs() -> dict[URIRef, TripleSet]:
    return to_graphs(read_seeds(SEEDS))[0]


def test_seed_quotes_are_each_events_longest_span_per_article(seed_graphs: dict[URIRef, TripleSet]) -> None:
    # every event of every article has its quote there (an event is written with its evidence)
    assert check_quotes(seed_graphs) == sum(
        len({s for s, p, _ in g if p == CKG.evidence and is_event(s)}) for g in seed_graphs.values())


def test_an_event_with_two_spans_in_one_article_gets_the_longer_one(mini_copy: Path) -> None:
    # the case the rule is for: two evidence spans of one event in one article (the same event
    # annotated twice is refused, so a second span comes from a shorter quote of the same event)
    seeds = read_seeds(mini_copy)
    art = seeds.articles[0]
    writer = _ArticleWriter(TripleSet(), TripleSet(), seeds, art, {})
    event = URIRef(f"{EVENT}camp-alpha-attack")
    writer.event_evidence(event, ("events", 0))
    short = writer.phrase(0, 7, art.text[0:7], CKG.Curated)
    writer.event_spans[event].append((0, 7, short))
    writer.quotes()
    quotes = {o for s, p, o in writer.g if s == event and p == CKG.quote}
    assert len(quotes) == 1 and short not in quotes


def test_synthetic_quotes(tmp_path: Path) -> None:
    synthesize(articles=40, out=tmp_path / "seeds", seed=3)
    assert check_quotes(to_graphs(read_seeds(tmp_path / "seeds"))[0]) > 0


def test_ties_go_to_the_earliest_span() -> None:
    writer = _ArticleWriter.__new__(_ArticleWriter)
    writer.g = TripleSet()
    event, a, b, c = (URIRef(f"{EVENT}x"), URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:c"))
    writer.event_spans = {event: [(10, 20, a), (5, 15, b), (0, 3, c)]}
    writer.quotes()
    assert set(writer.g) == {(event, CKG.quote, b)}


def test_the_reasoner_infers_nothing_new_from_quotes(seed_graphs: dict[URIRef, TripleSet]) -> None:
    # ckg:quote is a sub-property of ckg:evidence (domain ckg:Event, range nif:Phrase): everything it
    # entails is entailed by the ckg:evidence triple stated beside it
    triples = [t for g in seed_graphs.values() for t in g]
    with_quotes = infer(triples, engine="rules").graph
    without = infer([t for t in triples if t[1] != CKG.quote], engine="rules").graph
    assert set(with_quotes) == set(without)


def test_the_shape_rejects_a_quote_that_is_not_the_longest_span(seed_graphs: dict[URIRef, TripleSet]) -> None:
    data = Graph()
    for g in seed_graphs.values():
        for t in g:
            data.add(t)
    data += infer(list(data), engine="rules").graph
    assert validate(data).conforms
    # an event with two evidence spans in one article: quote the shorter one there
    event, quote = min((s, o) for s, p, o in data if p == CKG.quote)
    begin, end = int(data.value(quote, NIF.beginIndex)), int(data.value(quote, NIF.endIndex))
    shorter = URIRef(str(quote).split("#")[0] + f"#char={begin},{end - 1}")
    for p, o in data.predicate_objects(quote):
        data.add((shorter, p, o))
    data.set((shorter, NIF.endIndex, Literal(end - 1, datatype=XSD.nonNegativeInteger)))
    data.set((shorter, NIF.anchorOf, Literal(str(data.value(quote, NIF.anchorOf))[:-1])))
    data.add((event, CKG.evidence, shorter))
    assert validate(data).conforms
    data.remove((event, CKG.quote, quote))
    data.add((event, CKG.quote, shorter))
    result = validate(data)
    assert not result.conforms
    assert {v.message for v in result.violations} == {QUOTE_MESSAGE}
    # two quotes in one article
    data.add((event, CKG.quote, quote))
    assert QUOTE_MESSAGE in {v.message for v in validate(data).violations}


def test_data_without_quotes_still_conforms() -> None:
    # ckg:quote is derived, not curated: a hand-made event without it conforms
    data = Graph()
    event, span, ctx = URIRef(f"{EVENT}e"), URIRef(str(ID) + "article/x#char=0,5"), URIRef(str(ID) + "article/x#char=0,9")
    data.add((event, RDF.type, CKG.Event))
    data.add((event, CKG.evidence, span))
    data.add((span, NIF.referenceContext, ctx))
    data.add((span, NIF.beginIndex, Literal(0)))
    data.add((span, NIF.endIndex, Literal(5)))
    assert QUOTE_MESSAGE not in {v.message for v in validate(data).violations}
