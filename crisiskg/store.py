"""The one module that answers queries. Nothing outside it knows the engine.

The embedded default opens the published build (``build/current/dataset.nq``) into pyoxigraph in
memory (see ../shared/PERF.md: 7x to 1,600x faster than rdflib's evaluator). The default graph of a
query is the union of the named graphs; with ``reasoning="none"`` it leaves out the inferred graph.

Results come back as :class:`Result`: ``kind`` is ``"select"``, ``"ask"`` or ``"graph"``; rows hold
rdflib terms; ``serialize(fmt)`` writes the standard SPARQL result and RDF formats.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from crisiskg.errors import QueryError
from crisiskg.publish import Release, current
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES

REASONING = ("owlrl", "none")

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
                         prefixes=PREFIXES if fmt == "ttl" else None)
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
    ) -> Result:
        """Evaluate a SPARQL 1.1 query. ``bindings`` are bound as RDF terms, never pasted into the
        text. ``default_graph_uris``/``named_graph_uris`` are the protocol's dataset (IRIs of graphs
        in this store only; unknown graphs are empty)."""
        defaults = list(default_graph_uris or [])
        named = list(named_graph_uris or [])
        kwargs: dict[str, Any] = {}
        if defaults or named:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in defaults] if defaults else []
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named] if named else []
        else:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in self.default_graphs(reasoning)]
        if bindings:
            kwargs["substitutions"] = {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
        try:
            raw = self._ox.query(sparql, prefixes=PREFIXES if prefixes else None, **kwargs)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(f"query evaluation failed: {exc}") from exc
        return _materialise(raw)


def _materialise(raw: Any) -> Result:
    if isinstance(raw, ox.QueryBoolean):
        return Result("ask", boolean=bool(raw))
    if isinstance(raw, ox.QuerySolutions):
        variables = [v.value for v in raw.variables]
        rows = [{v: to_rdflib(sol[v]) for v in variables} for sol in raw]
        return Result("select", variables=variables, rows=rows)
    triples = [(to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in raw]
    return Result("graph", triples=triples)  # type: ignore[arg-type]
