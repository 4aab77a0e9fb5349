"""SHACL shapes compiled into whole-graph queries on pyoxigraph.

pyshacl checks each constraint once per focus node, in Python, which does not scale to the
benchmark corpora. :func:`compile_shapes` turns each property shape into a few queries over *all* its focus
nodes at once, and each SHACL-SPARQL constraint into one query:

==================================  ==============================================================
component                           how it is checked
==================================  ==============================================================
sh:minCount, sh:maxCount            ``FILTER NOT EXISTS`` / ``GROUP BY ?this HAVING (COUNT ...)``
sh:class                            ``FILTER NOT EXISTS { ?v rdf:type/rdfs:subClassOf* C }``
sh:datatype, sh:in, sh:nodeKind,    each *distinct* value of the path is checked once in Python
sh:pattern (+ sh:flags),            with pyshacl's own rule for the component, then one query
sh:min/maxInclusive/Exclusive       finds the (focus, value) pairs of the values that fail
sh:sparql (SELECT)                  ``$this`` bound by the shape's targets inside the query
==================================  ==============================================================

Targets: ``sh:targetClass`` (SHACL instances: ``rdf:type/rdfs:subClassOf*``), ``sh:targetNode``,
``sh:targetSubjectsOf``, ``sh:targetObjectsOf``. Anything else (other components, property paths
that are not a single IRI, node-level constraints, several ``sh:message`` on one shape,
``sh:deactivated``) is not compiled: :attr:`Plan.rest` keeps it as a shapes graph for pyshacl, so
the two together check every shape. Each result carries what pyshacl's ``sh:ValidationResult``
carries (focus node, path, value, source constraint component, message, severity); the tests prove
the results equal plain pyshacl's.

**Focused runs** (``run(..., focus=nodes)``, the incremental build): each shape's targets are
resolved for the focus nodes alone, node by node; the focus nodes each shape targets are written
to a scratch named graph of the store (so the store must be writable; the graph is dropped after),
and every check joins from that graph instead of evaluating its targets, so its cost follows the
focus nodes, not the store; value rules test only the focus nodes' values. The results are those
a whole-graph run gives about the focus nodes (``tests/test_focused_validation.py``).

One known difference: pyoxigraph, like RDF 1.1, does not tell a plain literal from the same
``xsd:string`` literal, so ``"day"^^xsd:string`` passes ``sh:in ( "day" )`` here and fails in
pyshacl. The loaders never write explicit ``xsd:string`` literals.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from crisiskg.terms import holds, to_rdflib
from crisiskg.vocab import SH

_TYPE_PATH = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
_NODE_SHAPE_KEYS = _TARGETS | {RDF.type, SH.property, SH.sparql, RDFS.comment, RDFS.label, SH.name, SH.description,
                               SH.declare, SH.prefixes, SH.message, SH.severity, SH["or"], SH["and"], SH["not"]}
_LOGICAL = {SH["or"]: SH.OrConstraintComponent, SH["and"]: SH.AndConstraintComponent, SH["not"]: SH.NotConstraintComponent}
_VALUE_COMPONENTS = {SH.datatype: SH.DatatypeConstraintComponent, SH["in"]: SH.InConstraintComponent,
                     SH.nodeKind: SH.NodeKindConstraintComponent, SH.pattern: SH.PatternConstraintComponent,
                     SH.minInclusive: SH.MinInclusiveConstraintComponent, SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
                     SH.minExclusive: SH.MinExclusiveConstraintComponent, SH.maxExclusive: SH.MaxExclusiveConstraintComponent}
_PROPERTY_SHAPE_KEYS = {RDF.type, SH.path, SH.minCount, SH.maxCount, SH["class"], SH.flags, SH.message, SH.severity,
                        SH.name, SH.description, SH.order, SH.group, RDFS.comment, RDFS.label, *_VALUE_COMPONENTS}


@dataclass(frozen=True)
class Result:
    """One validation result, as pyshacl's ``sh:ValidationResult`` has it (pyoxigraph terms)."""

    focus: Any
    path: str  # the property IRI, "" for a node-level (SPARQL) constraint
    value: Any  # a pyoxigraph term, or None (cardinality)
    component: str  # the source constraint component's IRI
    message: str
    severity: str  # sh:Violation, sh:Warning or sh:Info


ValueTest = Callable[[Any], bool]  # an rdflib term -> does it conform?


@dataclass
class PropertyCheck:
    """The compiled constraints of one property shape on the focus nodes of its node shape."""

    targets: str  # a SPARQL group pattern binding ?this
    path: str
    message: str
    severity: str
    min_count: int | None = None
    max_count: int | None = None
    classes: list[str] = field(default_factory=list)
    value_tests: list[tuple[str, ValueTest]] = field(default_factory=list)  # (component IRI, test)


@dataclass
class NodeCheck:
    """A node-level logical constraint (sh:or, sh:and, sh:not) compiled into one FILTER condition
    that holds when ``?this`` conforms."""

    targets: str
    condition: str
    component: str
    message: str
    severity: str


@dataclass
class SparqlCheck:
    """A SHACL-SPARQL SELECT constraint with its targets bound inside the query."""

    before: str  # the query up to its WHERE's opening brace
    targets: str
    after: str
    message: str
    severity: str

    @property
    def query(self) -> str:
        return f"{self.before} {{ {self.targets} }} {self.after}"


@dataclass
class Plan:
    """The compiled shapes, and the shapes graph pyshacl still has to run (None: nothing left)."""

    checks: list[PropertyCheck]
    sparql: list[SparqlCheck]
    rest: Graph | None
    nodes: list[NodeCheck] = field(default_factory=list)
    # each targets pattern as its declarations, (kind, term): kind is one of "class", "subjectsOf",
    # "objectsOf", "node" (focused runs resolve them node by node; see _focused)
    target_specs: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)


# ---------------------------------------------------------------- value rules, as pyshacl has them

_VALUE_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: dt.date, XSD.time: dt.time, XSD.dateTime: dt.datetime,
}
"""The Python value rdflib must have parsed a literal of these datatypes to; pyshacl's datatype
check is this test (``isinstance``, so a bool passes as an integer and a datetime as a date), and
passes every other datatype. ``tests/test_shapes.py`` holds it to pyshacl's own check, which is
not imported here: pyshacl takes 0.17 s to import, more than validating one new article costs."""


def _actual_datatype(v: Literal, dtype: URIRef) -> bool:
    """Whether ``v``'s value is what pyshacl's sh:datatype check wants for ``dtype``."""
    wanted = _VALUE_TYPES.get(dtype)
    return wanted is None or isinstance(v.value, wanted)


def _datatype_test(dtype: URIRef) -> ValueTest:
    def test(v: Any) -> bool:
        if not isinstance(v, Literal):
            return False
        if v.datatype == dtype:
            return getattr(v, "ill_typed", None) is not True and _actual_datatype(v, dtype)
        if dtype == RDFS.Literal:
            return True
        if dtype == RDFS.Datatype and v.datatype:
            return True
        if v.datatype is None and v.language is None and dtype == XSD.string:
            return _actual_datatype(v, dtype)
        if dtype == RDF.langString and v.language:
            return _actual_datatype(v, dtype)
        return False

    return test


def _node_kind_test(kind: URIRef) -> ValueTest:
    allowed = {SH.BlankNode: (BNode,), SH.IRI: (URIRef,), SH.Literal: (Literal,), SH.BlankNodeOrIRI: (BNode, URIRef),
               SH.BlankNodeOrLiteral: (BNode, Literal), SH.IRIOrLiteral: (URIRef, Literal)}[kind]
    return lambda v: isinstance(v, allowed)


def _pattern_test(pattern: str, flags: str) -> ValueTest:
    bits = 0
    for ch, bit in (("i", re.IGNORECASE), ("s", re.DOTALL), ("m", re.MULTILINE), ("x", re.VERBOSE)):
        if ch in flags:
            bits |= bit
    rx = re.compile(pattern, bits)
    return lambda v: not isinstance(v, BNode) and bool(rx.match(str(v)) or rx.search(str(v)))


def _range_test(bound: Literal, ok: Callable[[int], bool]) -> ValueTest:
    bound_is_string = isinstance(bound.value, str)

    def test(v: Any) -> bool:
        if not isinstance(v, Literal) or isinstance(v.value, str) != bound_is_string:
            return False
        try:
            return ok(_compare(v, bound))
        except (TypeError, NotImplementedError):
            return False

    return test


def _compare(value: Literal, bound: Literal) -> int:
    """-1, 0 or 1 as pyshacl's ``compare_literal`` orders ``value`` against ``bound``: two
    well-typed integers of one datatype by their values here (tested against pyshacl's in
    ``tests/test_shapes.py``), anything else by pyshacl's own function (imported on first use)."""
    a, b = value.value, bound.value
    if (value.datatype == bound.datatype and type(a) is int and type(b) is int
            and getattr(value, "ill_typed", None) is not True and getattr(bound, "ill_typed", None) is not True):
        return (a > b) - (a < b)
    from pyshacl.rdfutil import compare_literal

    return int(compare_literal(value, bound))


def _value_test(shapes: Graph, prop_shape: Any, key: URIRef, arg: Any) -> ValueTest:
    if key == SH.datatype:
        return _datatype_test(arg)
    if key == SH["in"]:
        members = set(Collection(shapes, arg))
        return lambda v: v in members
    if key == SH.nodeKind:
        return _node_kind_test(arg)
    if key == SH.pattern:
        return _pattern_test(str(arg), str(shapes.value(prop_shape, SH.flags) or ""))
    ok = {SH.minInclusive: lambda c: c >= 0, SH.maxInclusive: lambda c: c <= 0,
          SH.minExclusive: lambda c: c > 0, SH.maxExclusive: lambda c: c < 0}[key]
    return _range_test(arg, ok)


# ---------------------------------------------------------------- compiling

def _targets(shapes: Graph, shape: Any) -> str:
    parts = [f"{{ ?this {_TYPE_PATH} <{c}> }}" for c in shapes.objects(shape, SH.targetClass)]
    parts += [f"{{ ?this <{p}> [] }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"{{ [] <{p}> ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    parts += [f"{{ VALUES ?this {{ {_sparql_term(n)} }} }}" for n in shapes.objects(shape, SH.targetNode)]
    return " UNION ".join(parts)


def _target_spec(shapes: Graph, shape: Any) -> list[tuple[str, Any]]:
    """The declarations ``_targets`` turns into a pattern, with pyoxigraph terms."""
    from crisiskg.terms import to_oxigraph

    spec = [("class", to_oxigraph(c)) for c in shapes.objects(shape, SH.targetClass)]
    spec += [("subjectsOf", to_oxigraph(p)) for p in shapes.objects(shape, SH.targetSubjectsOf)]
    spec += [("objectsOf", to_oxigraph(p)) for p in shapes.objects(shape, SH.targetObjectsOf)]
    spec += [("node", to_oxigraph(n)) for n in shapes.objects(shape, SH.targetNode)]
    return spec


def _sparql_term(term: Any) -> str:
    from crisiskg.terms import to_oxigraph

    return str(to_oxigraph(term))


def _compile_property(shapes: Graph, prop: Any, targets: str) -> PropertyCheck | None:
    keys = set(shapes.predicates(prop))
    path = shapes.value(prop, SH.path)
    messages = list(shapes.objects(prop, SH.message))
    if not keys <= _PROPERTY_SHAPE_KEYS or not isinstance(path, URIRef) or len(messages) != 1:
        return None
    if any(len(list(shapes.objects(prop, k))) > 1 for k in (SH.minCount, SH.maxCount, SH.path, SH.severity, SH.flags)):
        return None
    check = PropertyCheck(targets, str(path), str(messages[0]), str(shapes.value(prop, SH.severity) or SH.Violation))
    if (n := shapes.value(prop, SH.minCount)) is not None:
        check.min_count = int(n)
    if (n := shapes.value(prop, SH.maxCount)) is not None:
        check.max_count = int(n)
    check.classes = [str(c) for c in shapes.objects(prop, SH["class"])]
    for key, component in _VALUE_COMPONENTS.items():
        for arg in shapes.objects(prop, key):
            check.value_tests.append((str(component), _value_test(shapes, prop, key, arg)))
    return check


def _compile_sparql(shapes: Graph, shape: Any, constraint: Any, targets: str) -> SparqlCheck | None:
    select = shapes.value(constraint, SH.select)
    messages = list(shapes.objects(constraint, SH.message))
    if select is None or len(messages) > 1 or shapes.value(constraint, SH.deactivated) is not None:
        return None
    prefixes = ""
    for holder in shapes.objects(constraint, SH.prefixes):
        for decl in shapes.objects(holder, SH.declare):
            prefixes += f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>\n"
    body = str(select).replace("$this", "?this")
    at = body.index("{", body.upper().index("WHERE")) + 1
    message = str(messages[0]) if messages else "constraint violated"
    return SparqlCheck(prefixes + body[:at], targets, body[at:], message, str(shapes.value(constraint, SH.severity) or SH.Violation))


_var = itertools.count(1)  # fresh variable names for nested conditions


def _condition(shapes: Graph, shape: Any, focus: str) -> str | None:
    """A SPARQL condition that holds when ``focus`` conforms to ``shape`` (a member of sh:or,
    sh:and or sh:not); None when the shape uses anything beyond the few forms compiled here:
    a property shape with an IRI path and sh:minCount 1 / sh:maxCount 0 / sh:class, a node shape
    with sh:class, and sh:or / sh:and / sh:not of those."""
    keys = set(shapes.predicates(shape)) - {RDF.type, RDFS.comment, RDFS.label, SH.name, SH.description}
    parts: list[str] = []
    path = shapes.value(shape, SH.path)
    if path is not None:
        if not isinstance(path, URIRef) or not keys <= {SH.path, SH.minCount, SH.maxCount, SH["class"]}:
            return None
        v = f"?v{next(_var)}"
        if (n := shapes.value(shape, SH.minCount)) is not None:
            if int(n) > 1:
                return None
            if int(n) == 1:
                parts.append(f"EXISTS {{ {focus} <{path}> {v} }}")
        if (n := shapes.value(shape, SH.maxCount)) is not None:
            if int(n) != 0:
                return None
            parts.append(f"NOT EXISTS {{ {focus} <{path}> {v} }}")
        for cls in shapes.objects(shape, SH["class"]):
            parts.append(f"NOT EXISTS {{ {focus} <{path}> {v} FILTER NOT EXISTS {{ {v} {_TYPE_PATH} <{cls}> }} }}")
        return " && ".join(parts) or "true"
    if not keys <= {SH["class"], *_LOGICAL}:
        return None
    for cls in shapes.objects(shape, SH["class"]):
        parts.append(f"EXISTS {{ {focus} {_TYPE_PATH} <{cls}> }}")
    for key in _LOGICAL:
        for arg in shapes.objects(shape, key):
            cond = _logical(shapes, key, arg, focus)
            if cond is None:
                return None
            parts.append(cond)
    return " && ".join(parts) or "true"


def _logical(shapes: Graph, key: Any, arg: Any, focus: str) -> str | None:
    members = [arg] if key == SH["not"] else list(Collection(shapes, arg))
    conds = [_condition(shapes, m, focus) for m in members]
    if any(c is None for c in conds) or not conds:
        return None
    if key == SH["not"]:
        return f"!({conds[0]})"
    return "(" + (" || " if key == SH["or"] else " && ").join(f"({c})" for c in conds) + ")"


def _compile_node(shapes: Graph, shape: Any, targets: str) -> list[NodeCheck] | None:
    """The node shape's own logical constraints; None if one does not compile."""
    out = []
    messages = list(shapes.objects(shape, SH.message))
    if len(messages) > 1:
        return None
    message = str(messages[0]) if messages else ""
    severity = str(shapes.value(shape, SH.severity) or SH.Violation)
    for key, component in _LOGICAL.items():
        for arg in shapes.objects(shape, key):
            cond = _logical(shapes, key, arg, "?this")
            if cond is None or not message:
                return None  # pyshacl's own messages for these are not reproduced here
            out.append(NodeCheck(targets, cond, str(component), message, severity))
    return out


def compile_shapes(shapes: Graph) -> Plan:
    """Compile what can be compiled; the rest stays a shapes graph for pyshacl."""
    rest = Graph()
    for t in shapes:
        rest.add(t)
    checks: list[PropertyCheck] = []
    sparql: list[SparqlCheck] = []
    nodes: list[NodeCheck] = []
    specs: dict[str, list[tuple[str, Any]]] = {}
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        keys = set(shapes.predicates(shape))
        targets = _targets(shapes, shape)
        specs[targets] = _target_spec(shapes, shape)
        node_checks = _compile_node(shapes, shape, targets) if targets and keys <= _NODE_SHAPE_KEYS else None
        if node_checks is None:
            continue  # other node-level constraints, or no targets: pyshacl runs the whole shape
        nodes.extend(node_checks)
        for key in _LOGICAL:
            rest.remove((shape, key, None))
        for prop in list(shapes.objects(shape, SH.property)):
            compiled = _compile_property(shapes, prop, targets)
            if compiled is not None:
                checks.append(compiled)
                rest.remove((shape, SH.property, prop))
        for constraint in list(shapes.objects(shape, SH.sparql)):
            compiled_sparql = _compile_sparql(shapes, shape, constraint, targets)
            if compiled_sparql is not None:
                sparql.append(compiled_sparql)
                rest.remove((shape, SH.sparql, constraint))
        if not _has(rest, shape, SH.property) and not _has(rest, shape, SH.sparql):
            for key in _TARGETS:
                rest.remove((shape, key, None))  # nothing left to check on its focus nodes
    left = any(_has(rest, None, k) for k in _TARGETS)
    return Plan(checks, sparql, rest if left else None, nodes, specs)


def _select(store: ox.Store, query: str) -> Any:
    """The solutions of a SELECT (typed loosely: pyoxigraph's stubs union every query form)."""
    return store.query(query)


def _has(g: Graph, s: Any, p: Any) -> bool:
    return next(iter(g.triples((s, p, None))), None) is not None


# ---------------------------------------------------------------- running

Originals = Mapping[str, Mapping[Any, Any]]  # property IRI -> {typed literal as stored: as written}


FOCUS = ox.NamedNode("urn:crisiskg:shacl:focus")  # focused runs: the focus nodes, a scratch graph
_FOCUS_NODE = ox.NamedNode("urn:crisiskg:shacl:node")


def run(plan: Plan, store: ox.Store, originals: Originals | None = None, focus: Iterable[Any] | None = None) -> list[Result]:
    """Every result of the compiled checks over the default graph of ``store``.

    pyoxigraph stores typed literals in a canonical form (``"07"^^xsd:nonNegativeInteger`` comes
    back as ``"7"^^xsd:integer``); ``originals`` gives, per property, the literals as written, so
    that value rules (sh:datatype...) judge those, as pyshacl does. ``focus`` (any terms: IRIs,
    blank nodes, literals) limits every check to those focus nodes (the incremental build: the
    nodes a new article touches), with exactly the results a whole-graph run gives about them, at
    a cost that follows the focus nodes rather than the store: see :func:`_focused`.
    """
    if focus is not None:
        return _focused(plan, store, originals, focus)
    return list(_run_all(plan, store, originals))


def _run_all(plan: Plan, store: ox.Store, originals: Originals | None, pins: Mapping[str, str] | None = None) -> Iterable[Result]:
    """The checks; ``pins`` replaces each targets pattern by one binding only the focus nodes
    among its targets (a check whose targets are not in ``pins`` has no focus node: skipped)."""

    def targets_of(targets: str) -> str | None:
        return targets if pins is None else pins.get(targets)

    for check in plan.checks:
        if (targets := targets_of(check.targets)) is not None:
            yield from _run_property(check, store, (originals or {}).get(check.path, {}), targets, focused=pins is not None)
    for nc in plan.nodes:
        if (targets := targets_of(nc.targets)) is not None:
            for row in _select(store, f"SELECT DISTINCT ?this WHERE {{ {targets} FILTER (!({nc.condition})) }}"):
                yield Result(row["this"], "", row["this"], nc.component, nc.message, nc.severity)
    for sq in plan.sparql:
        if (targets := targets_of(sq.targets)) is None:
            continue
        seen = set()
        for row in _select(store, f"{sq.before} {{ {targets} }} {sq.after}"):
            value = row["value"] if "value" in sq.query else None
            key = (row["this"], value)
            if key in seen:
                continue
            seen.add(key)
            yield Result(row["this"], "", value, str(SH.SPARQLConstraintComponent), sq.message, sq.severity)


def _focused(plan: Plan, store: ox.Store, originals: Originals | None, focus: Iterable[Any]) -> list[Result]:
    """The checks on ``focus`` only. First the focus nodes each targets pattern selects are found
    node by node (:func:`_targeted`: index lookups, as a join from a few bound nodes to
    ``[] p ?this`` is evaluated by pyoxigraph over the whole property) and written into a scratch
    graph of ``store``, under a predicate per targets pattern (a graph can hold blank nodes and
    literals, which VALUES cannot list); every check then starts from those few nodes instead of
    its targets, and checks whose targets select no focus node are skipped. The scratch graph is
    dropped after."""
    groups = sorted({c.targets for c in plan.checks} | {n.targets for n in plan.nodes} | {q.targets for q in plan.sparql})
    store.update(f"DROP SILENT GRAPH {FOCUS}")
    try:
        nodes = set(focus)
        found = _targeted(plan, store, groups, nodes)
        if any(found[t] is None for t in groups):  # a targets pattern without its declarations: by a query
            store.extend([ox.Quad(FOCUS, _FOCUS_NODE, node, FOCUS) for node in nodes])
        pins, quads = {}, []
        for i, targets in enumerate(groups):
            key = ox.NamedNode(f"{_FOCUS_NODE.value}/{i}")
            selected = found[targets]
            if selected is None:
                store.update(f"INSERT {{ GRAPH {FOCUS} {{ {FOCUS} {key} ?this }} }} "
                             f"WHERE {{ GRAPH {FOCUS} {{ {FOCUS} {_FOCUS_NODE} ?this }} {{ {targets} }} }}")
                selected = {q.object for q in store.quads_for_pattern(FOCUS, key, None, FOCUS)}
            if selected:
                quads += [ox.Quad(FOCUS, key, node, FOCUS) for node in selected]
                pins[targets] = f"GRAPH {FOCUS} {{ {FOCUS} {key} ?this }}"
        store.extend(quads)
        return list(_run_all(plan, store, originals, pins))
    finally:
        store.update(f"DROP SILENT GRAPH {FOCUS}")


def _targeted(plan: Plan, store: ox.Store, groups: list[str], nodes: set[Any]) -> dict[str, set[Any] | None]:
    """For each targets pattern, the focus nodes it selects (None: no declarations to go by).

    SHACL instances of a target class C: nodes with an rdf:type T where T rdfs:subClassOf* C in the
    data graph (the subclasses of every target class are looked up once)."""
    dg = ox.DefaultGraph()
    rdf_type = ox.NamedNode(str(RDF.type))
    classes = {term for t in groups for kind, term in plan.target_specs.get(t, []) if kind == "class"}
    below: dict[Any, set[Any]] = {c: {c} for c in classes}
    if classes:
        listed = " ".join(str(c) for c in classes)
        for row in _select(store, f"SELECT ?c ?sub WHERE {{ VALUES ?c {{ {listed} }} ?sub <{RDFS.subClassOf}>* ?c }}"):
            below[row["c"]].add(row["sub"])
    resources = [n for n in nodes if not isinstance(n, ox.Literal)]
    types = {n: {q.object for q in store.quads_for_pattern(n, rdf_type, None, dg)} for n in resources} if classes else {}
    memo: dict[tuple[str, Any], set[Any]] = {}

    def select(kind: str, term: Any) -> set[Any]:
        if (kind, term) not in memo:
            if kind == "class":
                out = {n for n, ts in types.items() if ts & below[term]}
            elif kind == "subjectsOf":
                out = {n for n in resources if holds(store, n, term, None, dg)}
            elif kind == "objectsOf":
                out = {n for n in nodes if holds(store, None, term, n, dg)}
            else:
                out = {term} & nodes
            memo[kind, term] = out
        return memo[kind, term]

    found: dict[str, set[Any] | None] = {}
    for targets in groups:
        spec = plan.target_specs.get(targets)
        found[targets] = None if not spec else set().union(*(select(kind, term) for kind, term in spec))
    return found


def _run_property(check: PropertyCheck, store: ox.Store, originals: Mapping[Any, Any], targets: str, *,
                  focused: bool = False) -> Iterable[Result]:
    """The results of one property shape; ``targets`` binds ?this (the shape's targets, or the
    focus nodes among them). ``focused``: few focus nodes, so value rules test the values of
    those nodes only rather than every value of the path."""
    path = f"<{check.path}>"

    def result(focus: Any, value: Any, component: Any) -> Result:
        return Result(focus, check.path, originals.get(value, value), str(component), check.message, check.severity)

    if check.min_count is not None and check.min_count > 0:
        if check.min_count == 1:
            q = f"SELECT DISTINCT ?this WHERE {{ {targets} FILTER NOT EXISTS {{ ?this {path} ?v }} }}"
        else:
            q = (f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ ?this {path} ?v }} }} GROUP BY ?this "
                 f"HAVING (COUNT(DISTINCT ?v) < {check.min_count})")
        for row in _select(store, q):
            yield result(row["this"], None, SH.MinCountConstraintComponent)
    if check.max_count is not None:
        q = (f"SELECT ?this WHERE {{ {targets} ?this {path} ?v }} GROUP BY ?this "
             f"HAVING (COUNT(DISTINCT ?v) > {check.max_count})")
        for row in _select(store, q):
            yield result(row["this"], None, SH.MaxCountConstraintComponent)
    for cls in check.classes:
        q = f"SELECT DISTINCT ?this ?v WHERE {{ {targets} ?this {path} ?v FILTER NOT EXISTS {{ ?v {_TYPE_PATH} <{cls}> }} }}"
        for row in _select(store, q):
            yield result(row["this"], row["v"], SH.ClassConstraintComponent)
    if check.value_tests and focused:
        pairs = [(row["this"], row["v"]) for row in _select(store, f"SELECT DISTINCT ?this ?v WHERE {{ {targets} ?this {path} ?v }}")]
        verdicts: dict[Any, bool] = {}
        for component, test in check.value_tests:
            verdicts.clear()
            for focus, v in pairs:
                if v not in verdicts:
                    verdicts[v] = test(to_rdflib(originals.get(v, v)))
                if not verdicts[v]:
                    yield result(focus, v, component)
    elif check.value_tests:
        # every value any subject has for the path (a superset of the focus nodes' values), once each
        values = [row["v"] for row in _select(store, f"SELECT DISTINCT ?v WHERE {{ ?s {path} ?v }}")]
        for component, test in check.value_tests:
            bad = [v for v in values if not test(to_rdflib(originals.get(v, v)))]
            named = [v for v in bad if not isinstance(v, ox.BlankNode)]  # VALUES cannot list blank nodes
            for chunk in range(0, len(named), 500):
                listed = " ".join(str(v) for v in named[chunk:chunk + 500])
                q = f"SELECT DISTINCT ?this ?v WHERE {{ VALUES ?v {{ {listed} }} ?this {path} ?v . {targets} }}"
                for row in _select(store, q):
                    yield result(row["this"], row["v"], component)
            if len(named) < len(bad):
                blank = set(bad) - set(named)
                q = f"SELECT DISTINCT ?this ?v WHERE {{ ?this {path} ?v FILTER (isBlank(?v)) {targets} }}"
                for row in _select(store, q):
                    if row["v"] in blank:
                        yield result(row["this"], row["v"], component)
