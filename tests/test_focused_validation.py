"""Focused validation reports exactly what a whole-graph validation reports about the focus nodes.

The incremental build validates only the nodes a new article touches (``validate(store,
focus=...)``). A synthetic corpus is reasoned with its last article held back (it conforms); the
article is then added, broken in ways that hit every kind of check (cardinality, class, value
rules, node-level sh:or, the SPARQL constraints, disjointness of an old entity, a blank node), and
reasoned semi-naive. The focused run must equal the whole-graph run filtered to the focus nodes,
and, since the rest conformed before, the whole-graph run itself; that in turn equals plain pyshacl.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from crisiskg import terms
from crisiskg.build import shacl, shaclrun
from crisiskg.build.reasoning import materialise
from crisiskg.build.validation import compiled, literal_originals, shapes_graph, validate
from crisiskg.loaders import read_seeds, to_dataset
from crisiskg.scale.synth import synthesize
from crisiskg.terms import to_oxigraph, to_rdflib
from crisiskg.vocab import CKG, ID, NIF, SEM

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

STRINGS = {str(XSD.string), str(RDF.langString)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, Graph, dict]:
    """The asserted triples without the last article, that article's graph, and the origins."""
    out = tmp_path_factory.mktemp("synth-focus")
    synthesize(articles=8, out=out, seed=4)
    ds, origins = to_dataset(read_seeds(out))
    articles = sorted((g for g in ds.graphs() if "/graph/article/" in str(g.identifier)), key=lambda g: str(g.identifier))
    held = articles[-1]
    rest = [t for g in ds.graphs() if g.identifier != held.identifier for t in g]
    return rest, held, origins


def a_person(triples: list) -> URIRef:
    return next(s for s, p, o in triples if p == RDF.type and o == CKG.Person and str(s).startswith(str(ID)))


def originals_of(triples: list) -> dict:
    typed = {(to_oxigraph(p), to_oxigraph(o)) for _s, p, o in triples
             if isinstance(o, Literal) and o.datatype is not None and str(o.datatype) not in STRINGS}
    originals, exact = literal_originals(typed)
    assert exact
    return originals


def add_article(rest: list, article: list) -> tuple[ox.Store, set, list]:
    """``rest`` materialised (as a published build), then ``article`` added and reasoned semi-naive;
    the store, the nodes the new triples touch (as the incremental build computes them), and all triples."""
    store = ox.Store()
    store.bulk_extend(terms.to_quads(rest))
    materialise(store)
    added = [(q.subject, q.predicate, q.object) for q in terms.to_quads(article) if q not in store]
    store.extend([ox.Quad(s, p, o) for s, p, o in added])
    inference = materialise(store, added=added)
    touched = {t for s, _p, o in [*added, *inference.triples] for t in (s, o)}
    return store, touched, [*rest, *article]


def test_a_conforming_article(corpus: tuple[list, Graph, dict]) -> None:
    rest, held, origins = corpus
    store, touched, everything = add_article(rest, list(held))
    focused = validate(store, origins=origins, originals=originals_of(everything), focus=touched)
    assert focused.conforms and focused.violations == []
    assert validate(store, origins=origins, originals=originals_of(everything)).conforms


def test_a_broken_article(corpus: tuple[list, Graph, dict]) -> None:
    rest, held, origins = corpus
    g = Graph()
    for t in held:
        g.add(t)
    event = next(s for s in g.subjects(SEM.hasTimeStamp, None))
    g.remove((event, RDFS.label, None))  # minCount
    g.set((event, SEM.hasTimeStamp, Literal("2099-01-01", datatype=XSD.date)))  # SPARQL: dated after its article
    g.add((event, CKG.datePrecision, Literal("hour")))  # sh:in (and a second precision)
    span = a_phrase(g)
    g.set((span, NIF.anchorOf, Literal("not the text")))  # SPARQL: the span's text
    g.set((span, NIF.beginIndex, Literal("007", datatype=XSD.nonNegativeInteger)))  # as written, well formed
    person = a_person(rest)  # an old entity
    g.add((person, RDF.type, CKG.City))  # disjoint classes, a city with no place: an old node made to fail
    g.add((event, SEM.hasPlace, person))
    g.add((event, SEM.hasActor, Literal("a literal")))  # class: a literal is never an instance
    mention = next(s for s in g.subjects(NIF.taIdentRef, None))
    g.add((mention, NIF.taIdentRef, BNode()))  # nodeKind, with a blank node value
    casualty = BNode()
    g.add((event, CKG.casualties, casualty))
    g.add((casualty, RDF.type, CKG.CasualtyCount))  # a blank focus node missing its status, count...
    g.add((casualty, CKG["count"], Literal(-3)))  # minInclusive
    article = list(g)
    store, touched, everything = add_article(rest, article)
    originals = originals_of(everything)
    assert any(isinstance(t, ox.BlankNode) for t in touched) and any(isinstance(t, ox.Literal) for t in touched)
    focused = validate(store, origins=origins, originals=originals, focus=touched)
    full = validate(store, origins=origins, originals=originals)
    focus_names = {str(to_rdflib(t)) for t in touched}
    assert focused.violations == [v for v in full.violations if v.focus in focus_names]
    assert focused.violations == full.violations  # the rest conformed before
    components = {v.component for v in focused.violations}
    for name in ("MinCount", "In", "Class", "NodeKind", "MinInclusive", "SPARQL"):
        assert f"sh:{name}ConstraintComponent" in components, name
    assert any(v.focus == str(person) for v in focused.violations)
    assert str(casualty) in {v.focus for v in focused.violations}  # the blank focus node
    assert not any(v.path == "nif:beginIndex" for v in focused.violations)
    # targets found by a query when the plan lacks their declarations: the same results
    plan = compiled(shapes_graph())
    bare = shacl.Plan(plan.checks, plan.sparql, plan.rest, plan.nodes)
    assert sorted(map(repr, shaclrun.run(bare, store, originals, touched))) == sorted(map(repr, shaclrun.run(plan, store, originals, touched)))
    # plain pyshacl on the same data: the literals as written plus what the rules inferred
    data = Graph()
    for t in everything:
        data.add(t)
    for t in terms.to_rdflib_triples((q.subject, q.predicate, q.object) for q in store if not isinstance(q.object, ox.Literal)):
        data.add(t)
    assert focused.violations == validate(data, origins=origins, mode="reference").violations


def test_focus_nodes_outside_every_target_and_an_empty_focus(corpus: tuple[list, Graph, dict]) -> None:
    rest, held, origins = corpus
    store, _touched, everything = add_article(rest, list(held))
    originals = originals_of(everything)
    nobody = [ox.NamedNode("urn:x:nobody"), ox.Literal("x"), ox.BlankNode()]
    assert validate(store, origins=origins, originals=originals, focus=nobody).violations == []
    assert validate(store, origins=origins, originals=originals, focus=[]).violations == []
    assert not [g for g in store.named_graphs()], "the focus graph is dropped"


def test_a_violation_outside_the_focus_is_not_reported(corpus: tuple[list, Graph, dict]) -> None:
    rest, held, origins = corpus
    person = a_person(rest)
    broken = [t for t in rest if not (t[0] == person and t[1] == RDFS.label)]
    store, touched, everything = add_article(broken, list(held))
    originals = originals_of(everything)
    full = validate(store, origins=origins, originals=originals)
    assert any(v.focus == str(person) for v in full.violations)
    focused = validate(store, origins=origins, originals=originals, focus=touched - {to_oxigraph(URIRef(str(person)))})
    assert not any(v.focus == str(person) for v in focused.violations)
    assert focused.violations == [v for v in full.violations if v.focus != str(person)]


def a_phrase(g: Graph) -> URIRef:
    """The first annotated span by IRI that is only a phrase: a mention's sentence is a span too
    (nif:Sentence), under shapes of its own, and rdflib's order of subjects changes with the hash seed."""
    return min(URIRef(s) for s in g.subjects(RDF.type, NIF.Phrase) if (s, RDF.type, NIF.Sentence) not in g)
