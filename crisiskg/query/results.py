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
    """A SELECT answer as the engine wrote it, with its ``variables`` and number of rows: SPARQL JSON
    (a kept answer, or a table read from the engine as it streamed; ``fmt`` names the format).
    Served as it is in its own format, converted by the engine to the others, paged by cutting its
    bytes at row boundaries (:meth:`page`), and parsed into the engine's terms only when rows are
    read (once, shared by every :class:`Result` made from it)."""

    def __init__(self, body: bytes, variables: list[str], size: int, fmt: str = "json"):
        self.body, self.variables, self.size, self.fmt = body, variables, size, fmt
        self._table: list[tuple[Any, ...]] | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> tuple[bytes, list[str], int, str]:
        return self.body, self.variables, self.size, self.fmt  # not the lock, nor the parsed rows

    def __setstate__(self, state: tuple[bytes, list[str], int, str]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def parsed(self) -> Any:
        """The engine's reader over ``body``: an iterator of solutions, or a boolean."""
        return ox.parse_query_results(self.body, format=RESULT_FORMATS[self.fmt])

    def table(self) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._table is None:
                self._table = [tuple(sol) for sol in self.parsed()]
            return self._table

    def page(self, start: int, end: int | None) -> StoredTable | None:
        """Rows ``start`` to ``end`` as a table of their own, cut from the bytes (never parsed); None
        when the rows cannot be told apart without parsing (see :func:`json_rows`)."""
        if self.fmt != "json" or json_rows(self.body) != self.size:
            return None
        stop = self.size if end is None else min(end, self.size)
        start = min(start, stop)
        if self.size == 0 or start == stop:
            empty = self.body if self.size == 0 else self.body[:_row_marks(self.body, 1)[0] + 1] + _JSON_TAIL
            return StoredTable(empty, self.variables, 0, "json")
        marks = _row_marks(self.body, stop + 1 if stop < self.size else stop)  # marks[0]: the bindings' '['
        cut = self.body[marks[start] + 1:marks[stop] if stop < self.size else len(self.body) - len(_JSON_TAIL)]
        return StoredTable(self.body[:marks[0] + 1] + cut + _JSON_TAIL, self.variables, stop - start, "json")


# SPARQL JSON as the engine writes it: {"head":{"vars":[...]},"results":{"bindings":[{...},{...}]}}, with
# no white space. Inside a JSON string every '"' is escaped, so a '{"' is an object opening with its
# first key, except where a string ends in '{' and its closing quote follows: then the next byte is
# the ',' or '}' that follows a value, never a key's first character. So when no '{",' or '{"}' is
# there, a row with a bound variable starts with '[{"' (the first) or ',{"' (the others), and the
# term objects inside a row follow a ':'. A row with no bound variable, '{}', cannot be told from
# the same two characters in a string. A body holding any of the three is counted and paged by
# reading it (:data:`_UNSURE`: one pass finds them all).
_JSON_TAIL = b"]}}"
_ROW_STARTS = (b'[{"', b',{"')
_UNSURE = re.compile(rb'\{(?:\}|"[,}])')


def _countable(body: bytes) -> bool:
    """Whether ``body``'s rows can be told from its bytes (see above)."""
    return body.endswith(_JSON_TAIL) and _UNSURE.search(body) is None


def json_rows(body: bytes) -> int | None:
    """The number of rows of a SPARQL JSON table the engine wrote, counted in its bytes; None when
    they cannot be told apart without parsing (a row with no bound variable, or a string ending
    in '{', may be there)."""
    if not _countable(body):
        return None
    return body.count(_ROW_STARTS[1]) + (_ROW_STARTS[0] in body)


def _row_marks(body: bytes, n: int) -> list[int]:
    """Offsets of the '[' or ',' before each of the first ``n`` rows."""
    marks: list[int] = []
    at = body.find(_ROW_STARTS[0])
    while at != -1 and len(marks) < n:
        marks.append(at)
        at = body.find(_ROW_STARTS[1], at + 1)
    return marks


class Result:
    """The answer to a query, already evaluated.

    ``kind`` is select | ask | graph. A SELECT table and a graph are kept as the engine's own terms
    (``table``: one tuple per row, in ``variables`` order, None where unbound; ``ox_triples``) and
    turned into rdflib terms only when ``rows`` or ``triples`` is first read: serialising, counting
    and slicing never need them (converting a large answer can cost more than evaluating the
    query). Either form may be given; the other is made from it. ``kept`` says the
    answer was read from the build's kept answers (:mod:`crisiskg.query.answers`), not evaluated;
    ``stored`` is a table as the engine wrote it (a kept answer's SPARQL JSON, or the JSON an
    evaluated table is read as), used as it is until its rows are needed.
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

    def column(self, index: int) -> list[Any]:
        """The bound terms of one column of a SELECT table, in the engine's terms."""
        return [row[index] for row in self._engine_table() if row[index] is not None]

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
            page = self._stored.page(start, end) if self._stored is not None and self._table is None else None
            if page is not None:
                return Result("select", variables=self.variables, stored=page, kept=self.kept)
            if self._rows is None or self._table is not None:
                return Result("select", variables=self.variables, table=self._engine_table()[start:end], kept=self.kept)
            return Result("select", variables=self.variables, rows=self._rows[start:end], kept=self.kept)
        if self.kind == "graph":
            # any order fixed by the triples alone will do (every worker's copy gives the same bytes): the
            # triple's own text, one string per triple, which is by subject, predicate, object for IRIs and blank nodes
            ordered = sorted(self._engine_triples(), key=str)
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
        if self._stored is not None:  # the engine converts its own output to the other formats as it reads it
            if fmt == self._stored.fmt:
                return self._stored.body
            body = self._stored.parsed().serialize(format=RESULT_FORMATS[fmt])
            assert isinstance(body, bytes)  # given no output, serialize returns the bytes
            return body
        if self.kind == "ask":
            parsed = ox.parse_query_results(_BOOLEANS[bool(self.boolean)], format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=RESULT_FORMATS[fmt])
            assert isinstance(body, bytes)
            return body
        return _serialize_solutions(self.variables, self._engine_table(), RESULT_FORMATS[fmt])


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


def _tsv(term: Any) -> str:
    """One term as SPARQL TSV writes it: N-Triples syntax (tabs and newlines in a literal escaped),
    a triple term as ``<<( s p o )>>``; empty when unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv(term.subject)} {_tsv(term.predicate)} {_tsv(term.object)} )>>"
    return str(term)


def _serialize_solutions(variables: list[str], solutions: list[tuple[Any, ...]], fmt: Any) -> bytes:
    """A table already read from the engine, in ``fmt``, by the engine's own results writer: each
    term is written once, as SPARQL TSV (every term in its full form, blank nodes as they are),
    which the engine reads back as a stream of solutions and writes out in ``fmt``."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(map(_tsv, sol)) for sol in solutions]
    parsed = ox.parse_query_results(("\n".join(lines) + "\n").encode("utf-8"), format=ox.QueryResultsFormat.TSV)
    body = parsed.serialize(format=fmt)
    assert isinstance(body, bytes)  # given no output, serialize returns the bytes
    return body


_BOOLEANS = {True: b'{"head":{},"boolean":true}', False: b'{"head":{},"boolean":false}'}


CHECK_EVERY = 256


class _Rows:
    """The engine's SPARQL JSON as it writes it (in chunks of a few kilobytes), counting the rows
    that start in it (see :func:`json_rows`) and calling ``check`` with the number of rows read at
    every :data:`CHECK_EVERY`-th row, as reading the rows one by one would. Rows with nothing bound,
    '{}', are not counted: a chunk that may hold only such rows is checked with the count so far. In
    a body :func:`json_rows` cannot count (a string ending in '{') the count may run ahead, which
    only brings the checks earlier; the table's size is then read from the whole body."""

    def __init__(self, check: Callable[[int], None]):
        self.parts: list[bytes] = []
        self.rows = 0
        self.due = 0
        self.check = check
        self._tail = b""  # the last two bytes written: a row start may be cut between two chunks
        self._first = False  # the first row ('[{"') seen

    def write(self, chunk: bytes) -> int:
        data = chunk if type(chunk) is bytes else bytes(chunk)  # pyoxigraph writes bytes: no copy
        self.parts.append(data)
        found = data.count(_ROW_STARTS[1])  # one pass over the bytes: the rows after the first
        if self._tail:  # a row start cut between the last chunk and this one
            found += (self._tail + data[:2]).count(_ROW_STARTS[1])
        if not self._first and _ROW_STARTS[0] in self._tail + data:  # in the first chunk with a row
            self._first = True
            found += 1
        self._tail = (self._tail + data)[-2:] if len(data) < 2 else data[-2:]
        self.rows += found
        if self.due < self.rows:
            while self.due < self.rows:  # row number `due` has been read
                self.check(self.due)
                self.due += CHECK_EVERY
        elif not found and b"{}" in data:
            self.check(self.rows)
        return len(data)

    def flush(self) -> None:
        pass


def _materialise(raw: Any, check: Callable[[int], None] | None = None) -> Result:
    """The engine's answer as a :class:`Result`. A table is written by the engine itself, as SPARQL
    JSON while it streams (the fastest way to read it out: no Python object per row, and JSON,
    which is asked for most, is then served as it is); ``check`` may raise to stop the evaluation,
    and what it raises comes through as it is."""
    if isinstance(raw, ox.QueryBoolean):
        return Result("ask", boolean=bool(raw))
    if isinstance(raw, ox.QuerySolutions):
        variables = [v.value for v in raw.variables]
        size: int | None
        if check is None:
            body = raw.serialize(format=ox.QueryResultsFormat.JSON)
            assert isinstance(body, bytes)
            size = json_rows(body)
        else:
            out = _Rows(check)
            raw.serialize(out, format=ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]  # any object with write()
            body = b"".join(out.parts)
            size = out.rows if _countable(body) else None  # as json_rows counts
        if size is None:  # rows that cannot be told apart in the bytes: count by reading
            parsed: Any = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            size = sum(1 for _ in parsed)
        return Result("select", variables=variables, stored=StoredTable(body, variables, size, "json"))
    triples = []
    for n, t in enumerate(raw):
        if check is not None and n % CHECK_EVERY == 0:
            check(n)
        triples.append(t)
    return Result("graph", ox_triples=triples)
