"""Running a compiled SHACL plan (:mod:`crisiskg.build.shacl`) over a pyoxigraph store: every
check over the whole graph, or focused on a few nodes (the incremental build)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS

from crisiskg.build.shacl import _TYPE_PATH, Originals, Plan, PropertyCheck, Result
from crisiskg.terms import holds, to_rdflib
from crisiskg.vocab import SH


def _select(store: ox.Store, query: str) -> Any:
    """The solutions of a SELECT (typed loosely: pyoxigraph's stubs union every query form)."""
    return store.query(query)


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

    both = not focused and bool(check.min_count) and check.max_count is not None
    if both:  # the whole graph: both bounds in one pass over the targets instead of two
        lo, hi = check.min_count or 0, check.max_count or 0  # both set, as ``both`` says
        q = (f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {targets} OPTIONAL {{ ?this {path} ?v }} }} GROUP BY ?this "
             f"HAVING (COUNT(DISTINCT ?v) < {lo} || COUNT(DISTINCT ?v) > {hi})")
        rows = [(row["this"], int(row["n"].value)) for row in _select(store, q)]
        for this, n in rows:
            if n < lo:
                yield result(this, None, SH.MinCountConstraintComponent)
        for this, n in rows:
            if n > hi:
                yield result(this, None, SH.MaxCountConstraintComponent)
    elif check.min_count is not None and check.min_count > 0:
        if check.min_count == 1:
            q = f"SELECT DISTINCT ?this WHERE {{ {targets} FILTER NOT EXISTS {{ ?this {path} ?v }} }}"
        else:
            q = (f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ ?this {path} ?v }} }} GROUP BY ?this "
                 f"HAVING (COUNT(DISTINCT ?v) < {check.min_count})")
        for row in _select(store, q):
            yield result(row["this"], None, SH.MinCountConstraintComponent)
    if check.max_count is not None and not both:
        q = (f"SELECT ?this WHERE {{ {targets} ?this {path} ?v }} GROUP BY ?this "
             f"HAVING (COUNT(DISTINCT ?v) > {check.max_count})")
        for row in _select(store, q):
            yield result(row["this"], None, SH.MaxCountConstraintComponent)
    for cls in check.classes:
        # the whole graph: the class's instances found once and taken away (MINUS, a hash anti-join),
        # rather than the type path walked again for every value (NOT EXISTS); a focused run has few
        # values, and the class's instances may be most of the store
        instances = f"FILTER NOT EXISTS {{ ?v {_TYPE_PATH} <{cls}> }}" if focused else f"MINUS {{ ?v {_TYPE_PATH} <{cls}> }}"
        q = f"SELECT DISTINCT ?this ?v WHERE {{ {targets} ?this {path} ?v {instances} }}"
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
