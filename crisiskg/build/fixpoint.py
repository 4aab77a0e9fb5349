"""Running compiled OWL 2 RL rules (:mod:`crisiskg.build.rules`) to a fixpoint on pyoxigraph.

:func:`run` runs every rule, then in each later pass only the rules that read a predicate or class
that gained triples in the pass before.

**Semi-naive (delta) evaluation**, for a store already at its fixpoint to which a few triples were
added (:func:`run_delta`, the incremental build): each rule whose body has n triple patterns is also
compiled into n *variants*, variant i reading pattern i from the graph ``DELTA_IN`` (the triples new
since the last pass) and the other patterns from the default graph; the delta pattern comes first
in the group, so each join starts from the few new triples (pyoxigraph's optimizer starts from the
small graph either way). A derivation the old fixpoint lacks uses at least one new triple, and the latest one added of them sits in ``DELTA_IN`` in the pass after it appeared,
when every other body triple is already in the default graph: so passes that feed each pass's
insertions back as the next delta reach the same fixpoint as a full run. Transitivity is the
two-pattern rule ``x p y . y p z -> x p z`` there (no property path: the old graph is closed, so
new edges join old ones directly), and equality replacement joins new triples with old
``owl:sameAs`` and new ``owl:sameAs`` with old triples. Cost: proportional to the new triples and
what they join with, not to the store.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from crisiskg.build.rules import _SAME, _TYPE, DELTA, DELTA_IN, NEW, SEED, RuleSet
from crisiskg.terms import solutions

MAX_PASSES = 100


@dataclass
class Outcome:
    """What a fixpoint run produced."""

    inferred: list[tuple[Any, Any, Any]]  # pyoxigraph triples (subject, predicate, object)
    inconsistencies: list[str]
    passes: int
    rule_runs: int
    seconds_by_rule: dict[str, float] = field(default_factory=dict)


def _touched(store: ox.Store) -> set[str]:
    """Predicates (and 'rdf:type C' keys) that gained triples in the last pass."""
    keys = {row["p"].value for row in solutions(store, f"SELECT DISTINCT ?p WHERE {{ GRAPH {DELTA} {{ ?s ?p ?o }} }}")}
    if _TYPE in keys:
        keys |= {f"{_TYPE} {row['c'].value}" for row in solutions(store, f"SELECT DISTINCT ?c WHERE {{ GRAPH {DELTA} {{ ?s <{_TYPE}> ?c }} }}")}
    return keys


def run(store: ox.Store, ruleset: RuleSet, *, changed: set[str] | None = None) -> Outcome:
    """Run ``ruleset`` to a fixpoint over the default graph of ``store`` (changed in place).

    ``changed`` (see :func:`keys_of`) says what was added to a store that was already at its
    fixpoint: the first pass then runs only the rules that read it (the incremental build);
    None runs every rule first. Returns the inferred triples (those the rules added: the NEW
    graph) and the inconsistencies.
    """
    seconds: dict[str, float] = defaultdict(float)
    touched: set[str] | None = changed  # None: the first pass runs every rule
    passes = runs = 0
    while True:
        passes += 1
        if passes > MAX_PASSES:
            raise RuntimeError(f"no fixpoint after {MAX_PASSES} passes")
        for rule in ruleset.rules:
            if "*" in rule.reads:
                if not _has_same_as(store):
                    continue  # equality rules: nothing to replace
            elif touched is not None and not rule.reads & touched:
                continue
            t0 = time.perf_counter()
            store.update(rule.update)
            seconds[rule.name] += time.perf_counter() - t0
            runs += 1
        touched = _touched(store)
        store.update(f"CLEAR SILENT GRAPH {DELTA}")
        if not touched:
            break
    inferred = [(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, NEW)]
    return Outcome(inferred, ruleset.inconsistencies(store), passes, runs, dict(seconds))


def run_delta(store: ox.Store, ruleset: RuleSet, added: Iterable[tuple[Any, Any, Any]]) -> Outcome:
    """Semi-naive evaluation: ``store``'s default graph was at its fixpoint before ``added``
    (pyoxigraph triples, added to it if not there yet) and is brought back to it, at a cost that
    follows the new triples and what they join with (see the module's docstring).

    Returns the same :class:`Outcome` as :func:`run`, the inferred triples being only the new ones.
    The inconsistencies are those of the individuals that gained a type (asserted or inferred):
    all of them when the store was consistent before, as a published build is.

    A store as ``crisiskg.build.reasoning.materialise`` leaves it lacks the inferred triples it drops as
    not useful (about non-data subjects, trivial types): a derivation that would join a new triple
    with one of those is missed. With the project's ontology the dropped triples (ontology
    individuals typed ``skos:Concept``) feed no rule, and ``tests/test_rules_delta.py`` checks the
    result equals a full run with an article held back; an ontology where they do feed a rule needs
    the full run.
    """
    dg = ox.DefaultGraph()
    store.update(" ; ".join(f"DROP SILENT GRAPH {g}" for g in (DELTA, DELTA_IN, SEED)))
    seed = list(added)
    store.extend([ox.Quad(s, p, o, g) for s, p, o in seed for g in (dg, DELTA_IN, SEED)])
    seconds: dict[str, float] = defaultdict(float)
    keys = keys_of(seed)
    passes = runs = 0
    while keys:
        passes += 1
        if passes > MAX_PASSES:
            raise RuntimeError(f"no fixpoint after {MAX_PASSES} passes")
        for rule in ruleset.rules:
            for update, reads in rule.variants:
                if "*" in reads or reads & keys:
                    t0 = time.perf_counter()
                    store.update(update)
                    seconds[rule.name] += time.perf_counter() - t0
                    runs += 1
        store.update(f"MOVE SILENT GRAPH {DELTA} TO GRAPH {DELTA_IN}")
        keys = _keys_in(store, DELTA_IN)
    inferred = [(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, NEW)]
    found = ruleset.inconsistencies(store, among=[SEED, NEW])
    store.update(f"DROP SILENT GRAPH {DELTA_IN} ; DROP SILENT GRAPH {SEED}")
    return Outcome(inferred, found, passes, runs, dict(seconds))


def _keys_in(store: ox.Store, graph: ox.NamedNode) -> set[str]:
    """The predicates (and 'rdf:type C' keys) of the triples in ``graph`` (a small one)."""
    return keys_of((q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph))


def keys_of(triples: Iterable[tuple[Any, Any, Any]]) -> set[str]:
    """The predicates (and 'rdf:type C' keys) of pyoxigraph triples, as rules' ``reads`` name them."""
    keys = set()
    for _s, p, o in triples:
        keys.add(p.value)
        if p.value == _TYPE:
            keys.add(f"{_TYPE} {o.value}")
    return keys


def _has_same_as(store: ox.Store) -> bool:
    return bool(store.query(f"ASK {{ ?x <{_SAME}> ?y FILTER (?x != ?y) }}"))
