"""A SELECT table read from the engine is written once, by the engine's own results writer: every
format, with blank nodes, language tags, typed and odd literals, triple terms and unbound cells,
gives the very bytes the engine writes when it serialises the same answer straight from its
solutions; a page of rows gives the bytes of the same query with LIMIT and OFFSET."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from crisiskg.query.results import RESULT_FORMATS, Result, _materialise
from crisiskg.query.store import Store

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def engine() -> ox.Store:
    """A pyoxigraph store with every kind of term a table can hold."""
    store = ox.Store()
    p = ox.NamedNode(EX + "p")
    objects: list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = [
        ox.Literal("tab\there, newline\nthere, \"quoted\" \\ and \u2028"),
        ox.Literal("Bagdad", language="de"),
        ox.Literal("01", datatype=ox.NamedNode(XSD + "integer")),  # not canonical: kept as written
        ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("2.50", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
        ox.Literal("2020-01-03", datatype=ox.NamedNode(XSD + "date")),
        ox.Literal("x", datatype=ox.NamedNode(EX + "own-type")),
        ox.BlankNode("b0"),
        ox.NamedNode(EX + "caf\u00e9"),
        ox.Triple(ox.NamedNode(EX + "s"), p, ox.Triple(ox.BlankNode("b1"), p, ox.Literal("nested"))),
    ]
    for n, o in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{n:02d}"), p, o))
        if n % 2:
            store.add(ox.Quad(ox.NamedNode(f"{EX}s{n:02d}"), ox.NamedNode(EX + "q"), ox.BlankNode(f"q{n}")))
    return store


def written(store: ox.Store, sparql: str, fmt: str) -> bytes:
    """The engine's own bytes: ``sparql``'s answer serialised straight from its solutions."""
    raw = store.query(sparql)
    assert isinstance(raw, (ox.QuerySolutions, ox.QueryBoolean))
    body = raw.serialize(format=RESULT_FORMATS[fmt])
    assert isinstance(body, bytes)
    return body


QUERIES = [
    f"SELECT ?s ?o ?q WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?q }} }} ORDER BY ?s",
    f"SELECT ?q ?s WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?q }} }} ORDER BY DESC(?s)",  # unbound first
    "SELECT * WHERE {}",  # no variables, one row
    "SELECT * WHERE { FILTER(false) }",  # no variables, no row
    "SELECT ?x WHERE { FILTER(false) }",  # a variable, no row
]


@pytest.mark.no_seeds
@pytest.mark.parametrize("sparql", QUERIES)
@pytest.mark.parametrize("fmt", sorted(RESULT_FORMATS))
def test_a_table_is_written_as_the_engine_writes_it(engine: ox.Store, sparql: str, fmt: str) -> None:
    expected = written(engine, sparql, fmt)
    result = _materialise(engine.query(sparql))
    assert result.kind == "select"
    assert result.serialize(fmt) == expected


@pytest.mark.no_seeds
@pytest.mark.parametrize("fmt", sorted(RESULT_FORMATS))
def test_a_page_is_written_as_the_engine_writes_that_page(engine: ox.Store, fmt: str) -> None:
    sparql = QUERIES[0]
    whole = _materialise(engine.query(sparql))
    for start, end in ((0, 3), (2, 7), (5, None), (9, 20)):
        paged = f"{sparql} OFFSET {start}" + (f" LIMIT {end - start}" if end is not None else "")
        assert whole.slice(start, end).serialize(fmt) == written(engine, paged, fmt), (start, end)


@pytest.mark.no_seeds
@pytest.mark.parametrize("fmt", sorted(RESULT_FORMATS))
def test_ask_is_written_as_the_engine_writes_it(engine: ox.Store, fmt: str) -> None:
    for sparql in ("ASK {}", "ASK { FILTER(false) }", f"ASK {{ ?s <{EX}p> [] }}"):
        assert _materialise(engine.query(sparql)).serialize(fmt) == written(engine, sparql, fmt)


def test_the_build_answers_as_the_engine_streams_them(seed_store: Store) -> None:
    """On the seeds' build: the table read through the store facade, written by :meth:`Result.serialize`,
    is byte for byte the engine's own streaming JSON (:meth:`Store.serialized`) and its other formats."""
    checked = 0
    for sparql in ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3000",
                   "SELECT ?e ?label ?date WHERE { ?e rdfs:label ?label OPTIONAL { ?e sem:hasTimeStamp ?date } } ORDER BY ?e ?label",
                   "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"):
        kind, streamed = seed_store.serialized(sparql)
        result = seed_store.query(sparql, answers=False)
        assert kind == result.kind == "select" and len(result) > 0
        assert result.serialize("json") == streamed
        parsed = ox.parse_query_results(streamed, format=ox.QueryResultsFormat.JSON)
        solutions = [tuple(s) for s in parsed]  # type: ignore[union-attr]
        for fmt in ("xml", "csv", "tsv"):
            again = Result("select", variables=result.variables, table=solutions)
            assert result.serialize(fmt) == again.serialize(fmt)
            assert result.serialize(fmt) == ox.parse_query_results(streamed, format=ox.QueryResultsFormat.JSON).serialize(format=RESULT_FORMATS[fmt])  # type: ignore[union-attr]
        checked += 1
    assert checked == 3


@pytest.mark.no_seeds
def test_rows_from_rdflib_terms_are_written_the_same(engine: ox.Store) -> None:
    """A table given as rdflib rows (as a caller may build one) is written as the engine writes it."""
    sparql = f"SELECT ?s ?o ?q WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?q }} FILTER(!isTRIPLE(?o)) }} ORDER BY ?s"
    read = _materialise(engine.query(sparql))
    from_rows = Result("select", variables=read.variables, rows=read.rows)
    for fmt in RESULT_FORMATS:
        assert from_rows.serialize(fmt) == written(engine, sparql, fmt), fmt


class Enough(Exception):
    pass


@pytest.mark.no_seeds
def test_a_check_sees_the_rows_as_they_stream_and_can_stop_them() -> None:
    """``check`` is called with 0, 256, 512, ... rows read while the engine writes the table, and
    what it raises stops the evaluation and comes through as it is."""
    from crisiskg.query.results import CHECK_EVERY

    store = ox.Store()
    store.extend([ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(EX + "p"), ox.Literal(f"value {n}")) for n in range(3000)])
    sparql = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}"
    seen: list[int] = []
    result = _materialise(store.query(sparql), seen.append)
    assert len(result) == 3000
    assert seen == list(range(0, 3000, CHECK_EVERY))
    assert result.serialize("json") == written(store, sparql, "json")

    def stop(rows: int) -> None:
        if rows >= 1000:
            raise Enough(rows)

    with pytest.raises(Enough):
        _materialise(store.query(sparql), stop)


@pytest.mark.no_seeds
def test_a_table_travels_between_processes_whole(engine: ox.Store) -> None:
    """A result is pickled to and from the query worker processes: it arrives with its bytes and rows."""
    import pickle

    result = _materialise(engine.query(QUERIES[0]))
    again = pickle.loads(pickle.dumps(result))
    assert len(again) == len(result) and again.variables == result.variables
    for fmt in RESULT_FORMATS:
        assert again.serialize(fmt) == result.serialize(fmt)
    assert again.slice(1, 4).serialize("json") == result.slice(1, 4).serialize("json")
