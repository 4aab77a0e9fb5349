"""The one module that answers queries. Nothing outside it knows the engine.

The embedded default opens the published build (``build/current/dataset.nq``) into pyoxigraph in
memory (see ../shared/PERF.md: 7x to 1,600x faster than rdflib's evaluator). The default graph of a
query is the union of the named graphs; with ``reasoning="none"`` it leaves out the inferred graph.

Results come back as :class:`Result`: ``kind`` is ``"select"``, ``"ask"`` or ``"graph"``; rows hold
rdflib terms; ``serialize(fmt)`` writes the standard SPARQL result and RDF formats.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from crisiskg.errors import QueryError
from crisiskg.publish import Release, current
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES

REASONING = ("owlrl", "none")
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


def to_rdflib(term: Any) -> Node | None:
    """A pyoxigraph term as an rdflib term (None stays None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise QueryError(f"unsupported term {term!r}")


def to_oxigraph(term: Node) -> Any:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"cannot bind {term!r}")


@dataclass
class Result:
    """The answer to a query, already evaluated."""

    kind: str  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    _raw: Any = None

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
            ox.serialize((ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in self.triples),
                         buf, GRAPH_FORMATS[fmt] if fmt not in ("trig", "nq") else ox.RdfFormat.N_TRIPLES,
                         prefixes=_TTL_PREFIXES if fmt == "ttl" else None)
            return buf.getvalue()
        if fmt not in RESULT_FORMATS:
            raise QueryError(f"format {fmt!r} is not available for a {self.kind.upper()} result; choose one of: {', '.join(RESULT_FORMATS)}")
        if self.kind == "ask":
            raw = ox.Store().query("ASK {}" if self.boolean else "ASK { FILTER(false) }")
            return raw.serialize(format=RESULT_FORMATS[fmt])
        variables = [ox.Variable(v) for v in self.variables]
        solutions = [[to_oxigraph(row[v]) if row.get(v) is not None else None for v in self.variables] for row in self.rows]
        return _serialize_solutions(variables, solutions, RESULT_FORMATS[fmt])


def _serialize_solutions(variables: list[Any], solutions: list[list[Any]], fmt: Any) -> bytes:
    # Re-run a VALUES query on an empty store: the simplest way to get pyoxigraph's serializer
    # for an already materialised table.
    store = ox.Store()
    if not variables:
        res = store.query("SELECT * WHERE {}" if solutions else "SELECT * WHERE { FILTER(false) }")
        return res.serialize(format=fmt)
    names = " ".join(f"?{v.value}" for v in variables)
    rows = " ".join("(" + " ".join("UNDEF" if t is None else str(t) for t in sol) + ")" for sol in solutions)
    res = store.query(f"SELECT {names} WHERE {{ VALUES ({names}) {{ {rows} }} }}")
    return res.serialize(format=fmt)


class Store:
    """A published build opened for querying (pyoxigraph, in memory)."""

    def __init__(self, release: Release):
        self.release = release
        self._ox = ox.Store()
        self._ox.bulk_load(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS)
        self.graphs = sorted(g.value for g in self._ox.named_graphs())

    @classmethod
    def open(cls, build_dir: Path | str) -> "Store":
        """Open the current published build under ``build_dir``."""
        return cls(current(build_dir))

    @property
    def version(self) -> str:
        return self.release.version

    def __len__(self) -> int:
        return len(self._ox)

    def default_graphs(self, reasoning: str = "owlrl") -> list[str]:
        if reasoning not in REASONING:
            raise QueryError(f"reasoning {reasoning!r} is not known; choose one of: {', '.join(REASONING)}")
        return [g for g in self.graphs if reasoning == "owlrl" or g != str(INFERRED_GRAPH)]

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        reasoning: str = "owlrl",
        default_graph_uris: Iterable[str] | None = None,
        named_graph_uris: Iterable[str] | None = None,
        prefixes: bool = True,
        base_iri: str | None = None,
        check: Callable[[int], None] | None = None,
    ) -> Result:
        """Evaluate a SPARQL 1.1 query. ``bindings`` are bound as RDF terms, never pasted into the
        text. ``default_graph_uris``/``named_graph_uris`` are the protocol's dataset (IRIs of graphs
        in this store only; unknown graphs are empty); without them, a query's own FROM / FROM
        NAMED clauses choose among the local graphs (nothing is ever fetched), and otherwise the
        default graph is the union of the named graphs. ``base_iri`` resolves relative IRIs.
        ``check`` is called with the number of rows read so far, every :data:`CHECK_EVERY` rows
        while the answer is read; it may raise to stop the evaluation (a time limit).

        Raises QueryError for a syntax error (its ``__cause__`` is a SyntaxError), a SERVICE clause
        (refused: the store never makes outbound requests) or an evaluation failure (``__cause__``
        is an OSError).
        """
        defaults = list(default_graph_uris or [])
        named = list(named_graph_uris or [])
        words = keywords(sparql)
        if "SERVICE" in words:
            raise QueryError("SERVICE is refused: this store answers from its own graphs and never makes outbound "
                             "requests; remove the SERVICE clause")
        kwargs: dict[str, Any] = {}
        if defaults or named:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in defaults] if defaults else []
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named] if named else []
        elif "FROM" not in words:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in self.default_graphs(reasoning)]
        if bindings:
            sparql = bind_values(sparql, bindings)
        try:
            raw = self._ox.query(sparql, prefixes=PREFIXES if prefixes else None, base_iri=base_iri, **kwargs)
            return _materialise(raw, check)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"query evaluation failed: {exc}") from exc


CHECK_EVERY = 256
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n\r]*)"""
    r'''|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}'''
    r'''|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')'''
    r"""|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)"""
    r"""|(?P<var>[?$][\w\u00B7]+)"""
    r"""|(?P<word>[^\W\d][\w\-.:]*|:[\w\-.:]*)""",
    re.DOTALL,
)


def keywords(sparql: str) -> list[str]:
    """The bare words of a query, upper-cased and in order, outside comments, strings, IRIs and
    variables (``SELECT``, ``FROM``, ``SERVICE``...). Prefixed names keep their colon
    (``EX:SERVICE``), so they never pass for a keyword."""
    return [m.group("word").upper() for m in _TOKEN.finditer(sparql) if m.lastgroup == "word"]


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _where_brace(sparql: str) -> int:
    """Offset of the '{' that opens the query's WHERE group (strings, IRIs, comments skipped)."""
    i, depth, n, first_brace, saw_where = 0, 0, len(sparql), -1, False
    while i < n:
        c = sparql[i]
        if c == "#":
            nl = sparql.find("\n", i)
            i = n if nl == -1 else nl + 1
            continue
        if c in "\"'":
            long = sparql.startswith(c * 3, i)
            end_tok = c * 3 if long else c
            j = i + len(end_tok)
            while j < n and not sparql.startswith(end_tok, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(end_tok)
            continue
        if c == "<":
            m = re.match(r"<[^<>\"{}|^`\\\s]*>", sparql[i:])
            if m:
                i += m.end()
                continue
        if c == "{":
            if depth == 0 and (saw_where or first_brace == -1):
                if saw_where:
                    return i
                first_brace = i
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and (c.isalpha() or c == "_"):
            m = _WORD.match(sparql, i)
            assert m
            if m.group(0).upper() == "WHERE":
                saw_where = True
            i = m.end()
            continue
        i += 1
    if first_brace == -1:
        raise QueryError("the query has no WHERE group to bind parameters in")
    return first_brace


def bind_values(sparql: str, bindings: Mapping[str, Node | list[Node]]) -> str:
    """``sparql`` with a VALUES block binding each variable to RDF terms, placed first in the
    WHERE group. The terms are written by the RDF library (N-Triples syntax), never from user
    text, so a value with quotes or braces stays one value."""
    parts = []
    for name, value in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"{name!r} is not a variable name")
        values = value if isinstance(value, list) else [value]
        parts.append(f"VALUES ?{name} {{ {' '.join(str(to_oxigraph(v)) for v in values)} }}")
    at = _where_brace(sparql) + 1
    return sparql[:at] + " " + " ".join(parts) + " " + sparql[at:]


def _materialise(raw: Any, check: Callable[[int], None] | None = None) -> Result:
    if isinstance(raw, ox.QueryBoolean):
        return Result("ask", boolean=bool(raw))
    if isinstance(raw, ox.QuerySolutions):
        variables = [v.value for v in raw.variables]
        rows = []
        for n, sol in enumerate(raw):
            if check is not None and n % CHECK_EVERY == 0:
                check(n)
            rows.append({v: to_rdflib(sol[v]) for v in variables})
        return Result("select", variables=variables, rows=rows)
    triples = []
    for n, t in enumerate(raw):
        if check is not None and n % CHECK_EVERY == 0:
            check(n)
        triples.append((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return Result("graph", triples=triples)  # type: ignore[arg-type]
