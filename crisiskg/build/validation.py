"""The SHACL gate over the union of asserted and inferred triples.

The shapes run compiled into whole-graph queries on pyoxigraph (:mod:`crisiskg.build.shacl`); plain
pyshacl is the reference (``mode="reference"``) and runs whatever does not compile. ``validate``
returns a :class:`Validation` with a readable report: for each violation the
resource's label and IRI, the property, the message, the offending value and the seed file the
resource came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from crisiskg.build import shacl, shaclrun
from crisiskg.terms import to_oxigraph, to_rdflib
from crisiskg.vocab import ID, NIF, SH, SHAPES_FILE

_ANCHOR = NIF.anchorOf


@dataclass(frozen=True)
class Violation:
    focus: str
    label: str
    path: str
    message: str
    value: str
    severity: str
    seed_file: str
    component: str = ""  # the SHACL constraint component, e.g. sh:MinCountConstraintComponent

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"- {self.label} <{self.focus}> [{self.seed_file}] {self.path}: {self.message}{value}"


@dataclass
class Validation:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    @property
    def report(self) -> str:
        return "\n".join(str(v) for v in self.violations) if self.violations else "conforms"


@lru_cache(maxsize=4)
def shapes_graph(path: str = str(SHAPES_FILE)) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


def _short(term: object) -> str:
    text = str(term)
    for prefix, name in (("https://w3id.org/crisiskg/ontology#", "ckg:"), ("http://www.w3.org/2000/01/rdf-schema#", "rdfs:"),
                         ("http://purl.org/dc/terms/", "dct:"), ("http://semanticweb.cs.vu.nl/2009/11/sem/", "sem:"),
                         ("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#", "nif:"),
                         ("http://www.w3.org/ns/shacl#", "sh:"), ("https://schema.org/", "schema:")):
        if text.startswith(prefix):
            return name + text[len(prefix):]
    return text


def seed_file_of(focus: object, origins: Mapping[URIRef, str]) -> str:
    """The seed file a resource came from (spans: their article's file)."""
    if isinstance(focus, URIRef):
        if focus in origins:
            return origins[focus]
        base = URIRef(str(focus).split("#", 1)[0])
        if base in origins:
            return origins[base]
        # casualty nodes etc. live below their event's IRI
        parent = str(focus)
        while "/" in parent[len(str(ID)):]:
            parent = parent.rsplit("/", 1)[0]
            if URIRef(parent) in origins:
                return origins[URIRef(parent)]
    return "?"


def validate(data: Graph | ox.Store, *, origins: Mapping[URIRef, str] | None = None, shapes: Graph | None = None,
             mode: str = "fast", originals: shacl.Originals | None = None, focus: Iterable[Any] | None = None) -> Validation:
    """Validate ``data`` (asserted + inferred + ontology) against the shapes.

    ``data`` is an rdflib graph or a pyoxigraph store (its default graph). ``mode="reference"``
    runs plain pyshacl on every shape. ``mode="fast"`` (the default) runs the shapes compiled into
    whole-graph queries on pyoxigraph (:mod:`crisiskg.build.shacl`: pyshacl runs each constraint once per
    focus node) and pyshacl only on what does not compile (nothing, for ``ontology/shapes.ttl``);
    the tests prove both modes report the same violations. For a store, ``originals`` (see
    :func:`literal_originals`) gives the typed literals as written, which pyoxigraph canonicalises;
    when ``literal_originals`` finds the canonical forms ambiguous, pass ``mode="reference"``.
    ``focus`` (fast mode; IRIs, blank nodes or literals of the store) reports only the violations
    about those focus nodes, exactly those a whole validation reports about them, at a cost that
    follows the focus nodes rather than the store (the incremental build passes the nodes a new
    article touches). Raises ValueError for an unknown mode.
    """
    if mode not in ("fast", "reference"):
        raise ValueError(f"mode {mode!r}: choose 'fast' or 'reference'")
    origins = origins or {}
    shapes = shapes if shapes is not None else shapes_graph()
    violations: list[Violation] = []
    if mode == "fast" and isinstance(data, Graph):
        originals, exact = literal_originals({(to_oxigraph(p), to_oxigraph(o)) for p, o in data.predicate_objects() if _typed_rdflib(o)})
        if not exact:
            mode = "reference"  # two literals pyoxigraph would store as one: only pyshacl tells them apart
    if mode == "fast":
        store = data if isinstance(data, ox.Store) else to_store(data)
        plan = compiled(shapes)
        labels = _Labels(store)
        for r in shaclrun.run(plan, store, originals, focus):
            node = to_rdflib(r.focus)
            violations.append(Violation(
                focus=str(node), label=labels(r.focus), path=_short(r.path), message=r.message,
                value=_value_text(to_rdflib(r.value)), severity=r.severity.rsplit("#", 1)[-1],
                seed_file=seed_file_of(node, origins), component=_short(r.component),
            ))
        if plan.rest is None:
            return _done(violations)
        shapes = plan.rest
    from pyshacl import validate as shacl_validate  # only here: fast mode never needs it (its imports are slow)

    graph = data if isinstance(data, Graph) else to_graph(data)
    _conforms, results, _text = shacl_validate(
        graph, shacl_graph=shapes, inference="none",
        abort_on_first=False, allow_warnings=False, advanced=False,
    )
    for result in results.subjects(SH.resultSeverity, None):
        focus = results.value(result, SH.focusNode)
        violations.append(Violation(
            focus=str(focus),
            label=_graph_label(graph, focus),
            path=_short(results.value(result, SH.resultPath) or ""),
            message=str(results.value(result, SH.resultMessage) or "constraint violated"),
            value=_value_text(results.value(result, SH.value)),
            severity=str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            seed_file=seed_file_of(focus, origins),
            component=_short(results.value(result, SH.sourceConstraintComponent) or ""),
        ))
    return _done(violations)


def _done(violations: list[Violation]) -> Validation:
    violations.sort(key=lambda v: (v.seed_file, v.focus, v.path, v.message, v.value, v.component))
    return Validation(not violations, violations)


def _value_text(value: object) -> str:
    if value is None:
        return ""
    return str(value)[:120] if isinstance(value, Literal) else _short(value)


@lru_cache(maxsize=1)
def _default_plan() -> shacl.Plan:
    return shacl.compile_shapes(shapes_graph())


def compiled(shapes: Graph) -> shacl.Plan:
    """The compiled plan of ``shapes`` (compiled once for the project's shapes)."""
    return _default_plan() if shapes is shapes_graph() else shacl.compile_shapes(shapes)


def _graph_label(data: Graph, focus: object) -> str:
    """The smallest rdfs:label (else nif:anchorOf) of ``focus``: deterministic when there are several."""
    for prop in (RDFS.label, _ANCHOR):
        found = [str(o) for o in data.objects(focus, prop)]  # type: ignore[arg-type]
        if found:
            return min(found)
    return _short(focus)


class _Labels:
    """Labels looked up in a store, the same way as ``_graph_label``."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.cache: dict[object, str] = {}

    def __call__(self, focus: Any) -> str:
        if focus in self.cache:
            return self.cache[focus]
        label = None
        if not isinstance(focus, ox.Literal):
            for prop in (RDFS.label, _ANCHOR):
                found = [str(getattr(q.object, "value", "")) for q in self.store.quads_for_pattern(focus, ox.NamedNode(str(prop)), None, ox.DefaultGraph())]
                if found:
                    label = min(found)
                    break
        self.cache[focus] = out = label if label is not None else _short(to_rdflib(focus))
        return out


_STRINGS = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


def _typed_rdflib(term: object) -> bool:
    return isinstance(term, Literal) and term.datatype is not None and str(term.datatype) not in _STRINGS


def literal_originals(pairs: Iterable[tuple[ox.NamedNode, ox.Literal]]) -> tuple[shacl.Originals, bool]:
    """How pyoxigraph stores the typed literals of each property: {property IRI: {stored form:
    literal as written}}, and whether that is one-to-one (False when two literals of one property,
    e.g. "7" as xsd:integer and as xsd:nonNegativeInteger, would be stored as one, so that counts
    and values in the store differ from the data)."""
    written = sorted(set(pairs), key=str)
    scratch = ox.Store()
    scratch.bulk_extend(ox.Quad(ox.NamedNode(f"urn:crisiskg:n:{i}"), p, lit) for i, (p, lit) in enumerate(written))
    out: dict[str, dict[Any, ox.Literal]] = {}
    exact = True
    for q in scratch:
        prop, original = written[int(str(q.subject)[1:-1].rsplit(":", 1)[1])]
        mapping = out.setdefault(prop.value, {})
        if q.object in mapping:
            exact = False
        mapping[q.object] = original
    return {p: {k: v for k, v in m.items() if k != v} for p, m in out.items()}, exact


def to_store(data: Graph) -> ox.Store:
    """An rdflib graph copied into the default graph of a new in-memory pyoxigraph store."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in data)
    return store


def to_graph(store: ox.Store) -> Graph:
    """The default graph of a pyoxigraph store as an rdflib graph (for pyshacl)."""
    g = Graph()
    for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))  # type: ignore[arg-type]
    return g


def union(graphs: Iterable[Graph]) -> Graph:
    """One plain graph holding every triple of ``graphs`` (pyshacl validates a single graph)."""
    g = Graph()
    for part in graphs:
        for t in part:
            g.add(t)
    return g
