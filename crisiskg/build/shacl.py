"""SHACL shapes compiled into whole-graph queries on pyoxigraph: the plan (this module), the value
rules (:mod:`crisiskg.build.shaclvalues`), and the runs (:mod:`crisiskg.build.shaclrun`).

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

**Focused runs** (``shaclrun.run(..., focus=nodes)``, the incremental build): each shape's targets are
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

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from crisiskg.build.shaclvalues import ValueTest, _value_test
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

Originals = Mapping[str, Mapping[Any, Any]]  # property IRI -> {typed literal as stored: as written}


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


def _has(g: Graph, s: Any, p: Any) -> bool:
    return next(iter(g.triples((s, p, None))), None) is not None
