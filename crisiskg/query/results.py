"""Query results: :class:`Result`, a SELECT table, an ASK boolean or a graph, in the engine's
terms. ``kind`` is ``"select"``, ``"ask"`` or ``"graph"``; rdflib terms (``rows``, ``triples``)
come on demand, and ``serialize(fmt)`` writes the standard SPARQL result and RDF formats from the
engine's terms."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from crisiskg.errors import QueryError
from crisiskg.terms import to_oxigraph, to_rdflib
from crisiskg.vocab import PREFIXES

# pyoxigraph escapes "/" in prefixed names (id:entity\/x); leave the path-like prefixes out of Turtle.
_TTL_PREFIXES = {p: u for p, u in PREFIXES.items() if p not in ("id", "graph")}

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
}


class StoredTable:
    """A SELECT answer kept as SPARQL JSON (``body``) with its ``variables`` and number of rows:
    served as it is, and parsed into the engine's terms only when rows are read (once, shared by
    every :class:`Result` made from it)."""

    def __init__(self, body: bytes, variables: list[str], size: int):
        self.body, self.variables, self.size = body, variables, size
        self._table: list[tuple[Any, ...]] | None = None
        self._lock = threading.Lock()

    def table(self) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._table is None:
                parsed = ox.parse_query_results(self.body, format=ox.QueryResultsFormat.JSON)
                self._table = [tuple(sol) for sol in parsed]  # type: ignore[union-attr]
            return self._table


class Result:
    """The answer to a query, already evaluated.

    ``kind`` is select | ask | graph. A SELECT table and a graph are kept as the engine's own terms
    (``table``: one tuple per row, in ``variables`` order, None where unbound; ``ox_triples``) and
    turned into rdflib terms only when ``rows`` or ``triples`` is first read: serialising, counting
    and slicing never need them (converting a large answer can cost more than evaluating the
    query). Either form may be given; the other is made from it. ``kept`` says the
    answer was read from the build's kept answers (:mod:`crisiskg.query.answers`), not evaluated;
    ``stored`` is such an answer's SPARQL JSON, used as it is until its rows are needed.
    """

    def __init__(self, kind: str, variables: list[str] | None = None, rows: list[dict[str, Node | None]] | None = None,
                 boolean: bool | None = None, triples: list[tuple[Node, Node, Node]] | None = None, *,
                 table: list[tuple[Any, ...]] | None = None, ox_triples: list[Any] | None = None, kept: bool = False,
                 stored: StoredTable | None = None):
        self.kind = kind
        self.kept = kept
        self._stored = stored if rows is None and table is None else None
        if self._stored is not None and variables is None:
            variables = self._stored.variables
        self.variables: list[str] = list(variables or [])
        self.boolean = boolean
        self._rows = rows
        self._table = table
        self._triples = triples
        self._ox_triples = ox_triples
        if kind == "select" and rows is None and table is None and self._stored is None:
            self._rows = []
        if kind == "graph" and triples is None and ox_triples is None:
            self._triples = []

    def __repr__(self) -> str:
        return f"Result({self.kind!r}, variables={self.variables!r}, size={len(self)}, boolean={self.boolean!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return (self.kind, self.variables, self.boolean, self.rows, self.triples) == (other.kind, other.variables, other.boolean, other.rows, other.triples)

    def __len__(self) -> int:
        """Rows of a table, triples of a graph (0 for ASK)."""
        if self.kind == "select":
            if self._table is None and self._rows is None and self._stored is not None:
                return self._stored.size
            return len(self._table if self._table is not None else self._rows or [])
        if self.kind == "graph":
            return len(self._ox_triples if self._ox_triples is not None else self._triples or [])
        return 0

    @property
    def rows(self) -> list[dict[str, Node | None]]:
        """The table as dicts of rdflib terms (made on first use, each distinct term converted once)."""
        if self._rows is None:
            convert = _Converter()
            names = self.variables
            self._rows = [{v: convert(t) for v, t in zip(names, row)} for row in self._engine_table()]
        return self._rows

    @rows.setter
    def rows(self, value: list[dict[str, Node | None]]) -> None:
        self._rows, self._table, self._stored = value, None, None

    @property
    def triples(self) -> list[tuple[Node, Node, Node]]:
        if self._triples is None:
            convert = _Converter()
            self._triples = [(convert(t.subject), convert(t.predicate), convert(t.object)) for t in self._ox_triples or []]  # type: ignore[misc]
        return self._triples

    @triples.setter
    def triples(self, value: list[tuple[Node, Node, Node]]) -> None:
        self._triples, self._ox_triples = value, None

    def _engine_table(self) -> list[tuple[Any, ...]]:
        if self._table is not None:
            return self._table
        if self._rows is None and self._stored is not None:
            self._table = self._stored.table()
            return self._table
        return [tuple(to_oxigraph(r[v]) if r.get(v) is not None else None for v in self.variables) for r in self._rows or []]  # type: ignore[arg-type]

    def _engine_triples(self) -> list[Any]:
        if self._ox_triples is not None:
            return self._ox_triples
        return [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in self._triples or []]

    def copy(self) -> Result:
        """A new Result sharing this one's (never changed) rows or triples."""
        return Result(self.kind, self.variables, rows=self._rows, boolean=self.boolean, triples=self._triples,
                      table=self._table, ox_triples=self._ox_triples, kept=self.kept, stored=self._stored)

    def slice(self, start: int, end: int | None) -> Result:
        """Rows (or triples, sorted: pyoxigraph's order differs between copies of a store)
        ``start`` to ``end``, in whichever form this result holds them."""
        if self.kind == "select" and start == 0 and (end is None or end >= len(self)):
            return self.copy()  # all of it: a kept answer keeps its bytes
        if self.kind == "select":
            if self._rows is None or self._table is not None:
                return Result("select", variables=self.variables, table=self._engine_table()[start:end], kept=self.kept)
            return Result("select", variables=self.variables, rows=self._rows[start:end], kept=self.kept)
        if self.kind == "graph":
            ordered = sorted(self._engine_triples(), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
            return Result("graph", ox_triples=ordered[start:end], kept=self.kept)
        return self

    def graph(self) -> Graph:
        g = Graph()
        for prefix, uri in PREFIXES.items():
            g.bind(prefix, uri)
        for t in self.triples:
            g.add(t)
        return g

    def serialize(self, fmt: str) -> bytes:
        """Serialise: json/xml/csv/tsv for SELECT and ASK; ttl/nt/xml/trig/nq/jsonld for graphs."""
        if self.kind == "graph":
            if fmt == "jsonld":
                out = self.graph().serialize(format="json-ld", encoding="utf-8")
                return out
            if fmt not in GRAPH_FORMATS:
                raise QueryError(f"format {fmt!r} is not available for a graph result; choose one of: {', '.join([*GRAPH_FORMATS, 'jsonld'])}")
            buf = io.BytesIO()
            ox.serialize(self._engine_triples(), buf, GRAPH_FORMATS[fmt] if fmt not in ("trig", "nq") else ox.RdfFormat.N_TRIPLES,
                         prefixes=_TTL_PREFIXES if fmt == "ttl" else None)
            return buf.getvalue()
        if fmt not in RESULT_FORMATS:
            raise QueryError(f"format {fmt!r} is not available for a {self.kind.upper()} result; choose one of: {', '.join(RESULT_FORMATS)}")
        if self._stored is not None:  # the engine converts SPARQL JSON to the other formats as it reads it
            if fmt == "json":
                return self._stored.body
            parsed = ox.parse_query_results(self._stored.body, format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=RESULT_FORMATS[fmt])
            assert isinstance(body, bytes)  # given no output, serialize returns the bytes
            return body
        if self.kind == "ask":
            raw = ox.Store().query("ASK {}" if self.boolean else "ASK { FILTER(false) }")
            return raw.serialize(format=RESULT_FORMATS[fmt])
        return _serialize_solutions([ox.Variable(v) for v in self.variables], self._engine_table(), RESULT_FORMATS[fmt])


class _Converter:
    """pyoxigraph terms to rdflib terms, each distinct term once (answers repeat dates, labels,
    classes and articles on many rows)."""

    def __init__(self) -> None:
        self.seen: dict[Any, Node | None] = {}

    def __call__(self, term: Any) -> Node | None:
        if term is None:
            return None
        try:
            return self.seen[term]
        except KeyError:
            out = self.seen[term] = to_rdflib(term)
            return out


_BNODE = "urn:crisiskg:bnode:"  # stands in for a blank node while a table is serialised
_BNODE_OUT = {  # how each results format writes that stand-in, and how it writes a blank node
    ox.QueryResultsFormat.JSON: (re.compile(rb'\{"type":"uri","value":"urn:crisiskg:bnode:([^"]*)"\}'), rb'{"type":"bnode","value":"\1"}'),
    ox.QueryResultsFormat.XML: (re.compile(rb"<uri>urn:crisiskg:bnode:([^<]*)</uri>"), rb"<bnode>\1</bnode>"),
    ox.QueryResultsFormat.CSV: (re.compile(rb"(?<![^,\n])urn:crisiskg:bnode:([A-Za-z0-9_.-]*)"), rb"_:\1"),
    ox.QueryResultsFormat.TSV: (re.compile(rb"<urn:crisiskg:bnode:([^>]*)>"), rb"_:\1"),
}


def _serialize_solutions(variables: list[Any], solutions: list[tuple[Any, ...]], fmt: Any) -> bytes:
    # Re-run a VALUES query on an empty store: the simplest way to get pyoxigraph's serializer
    # for an already materialised table. VALUES admits no blank nodes: they go through as
    # stand-in IRIs, written back as blank nodes afterwards.
    store = ox.Store()
    if not variables:
        res = store.query("SELECT * WHERE {}" if solutions else "SELECT * WHERE { FILTER(false) }")
        return res.serialize(format=fmt)
    blank = any(isinstance(t, ox.BlankNode) for sol in solutions for t in sol)
    if blank:
        solutions = [tuple(ox.NamedNode(_BNODE + t.value) if isinstance(t, ox.BlankNode) else t for t in sol) for sol in solutions]
    names = " ".join(f"?{v.value}" for v in variables)
    rows = " ".join("(" + " ".join("UNDEF" if t is None else str(t) for t in sol) + ")" for sol in solutions)
    body: bytes = store.query(f"SELECT {names} WHERE {{ VALUES ({names}) {{ {rows} }} }}").serialize(format=fmt)
    if blank:
        pattern, replacement = _BNODE_OUT[fmt]
        body = pattern.sub(replacement, body)
    return body


CHECK_EVERY = 256


def _materialise(raw: Any, check: Callable[[int], None] | None = None) -> Result:
    if isinstance(raw, ox.QueryBoolean):
        return Result("ask", boolean=bool(raw))
    if isinstance(raw, ox.QuerySolutions):
        variables = [v.value for v in raw.variables]
        if check is None:
            return Result("select", variables=variables, table=[tuple(sol) for sol in raw])
        table = []
        for n, sol in enumerate(raw):
            if n % CHECK_EVERY == 0:
                check(n)
            table.append(tuple(sol))
        return Result("select", variables=variables, table=table)
    triples = []
    for n, t in enumerate(raw):
        if check is not None and n % CHECK_EVERY == 0:
            check(n)
        triples.append(t)
    return Result("graph", ox_triples=triples)
