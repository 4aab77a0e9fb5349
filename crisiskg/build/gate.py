"""The gate: every mistake of every stage in one run, each at its file, line and column.

The seed checks (schema, anchors, references, what a reviewed file may not hold) run first and go
on past their mistakes (:func:`crisiskg.loaders.seeds.check_seeds`); the seeds without the items
they point at are then loaded, reasoned and validated, and each SHACL violation and OWL RL
inconsistency is reported at the seed entry that made its node (:class:`~crisiskg.loaders.locations.Locator`),
with what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal

from crisiskg.build.reasoning import materialise
from crisiskg.build.validation import Validation, Violation, literal_originals, validate
from crisiskg.errors import Problem
from crisiskg.loaders.graph import to_graphs
from crisiskg.loaders.locations import Locator
from crisiskg.loaders.seeds import SeedSet, check_seeds, usable
from crisiskg.terms import to_oxigraph
from crisiskg.vocab import article_graph

# what to do about a violation of each SHACL constraint component
FIXES = {
    "sh:MinCountConstraintComponent": "add the missing value ({path}) to this entry",
    "sh:MaxCountConstraintComponent": "keep one value of {path}: this entry (or another article's entry with the same id) gives more",
    "sh:ClassConstraintComponent": "use an id of the right type for {path} (see the registry's types)",
    "sh:DatatypeConstraintComponent": "write {path} in the form the seed format gives (seeds/README.md)",
    "sh:InConstraintComponent": "use one of the allowed values for {path}",
    "sh:NodeKindConstraintComponent": "use an id, not text, for {path}",
    "sh:PatternConstraintComponent": "write {path} in the form the seed format gives (seeds/README.md)",
    "sh:MinInclusiveConstraintComponent": "use a value in range for {path}",
    "sh:MaxInclusiveConstraintComponent": "use a value in range for {path}",
    "sh:SPARQLConstraintComponent": "make this entry agree with the article and the other seeds, as the message says",
}
# the seed field a property comes from, to point at it when the entry has it
FIELDS = {
    "rdfs:label": "label", "sem:hasTimeStamp": "date", "ckg:dateValue": "date", "ckg:earliestDate": "date",
    "ckg:latestDate": "date", "sem:hasPlace": "places", "ckg:proposition": "proposition", "ckg:holder": "holder",
    "ckg:polarity": "polarity", "ckg:modality": "modality", "ckg:weapon": "weapon", "ckg:condition": "condition",
    "ckg:evidence": "quote", "nif:anchorOf": "quote", "ckg:count": "count", "ckg:nationality": "nationality",
    "schema:latitude": "point", "schema:longitude": "point",
}


def violation_problem(v: Violation, locate: Locator) -> Problem:
    """A SHACL violation as a Problem at the seed entry that made its focus node."""
    value = f" (value: {v.value})" if v.value else ""
    message = f"{v.label}: {v.path}: {v.message}{value}" if v.path else f"{v.label}: {v.message}{value}"
    hint = FIXES.get(v.component, "fix this entry as the message says").format(path=v.path or "the value")
    found = locate.problem(v.focus, message, hint, FIELDS.get(v.path))
    return found if found is not None else Problem(v.seed_file, None, "", f"{message} <{v.focus}>", hint)


def located(validation: Validation, inconsistencies: Iterable[str], seeds: SeedSet) -> list[Problem]:
    """Every violation and inconsistency of a build of ``seeds`` as a Problem, with line and column where known."""
    locate = Locator(seeds)
    out = [violation_problem(v, locate) for v in validation.violations]
    out += [Problem("(the ontology and the seeds)", None, "", f"OWL RL inconsistency: {m}",
                    "an entity has two disjoint types: check the types in registry.yaml and the roles that imply them")
            for m in inconsistencies]
    return out


def shape_problems(seeds: SeedSet, *, article: str | None = None) -> list[Problem]:
    """Load, reason and validate ``seeds`` (already checked: every item anchored and resolved);
    every SHACL violation and OWL RL inconsistency, located. ``article`` (a key): only the
    violations about the nodes that article's graph mentions (the workbench's live check)."""
    if not seeds.articles or not seeds.entities:
        return []
    graphs, _origins = to_graphs(seeds)
    typed: set[Any] = set()
    store = ox.Store()
    cache: dict[Any, Any] = {}

    def term(t: Any) -> Any:
        try:
            return cache[t]
        except KeyError:
            cache[t] = out = to_oxigraph(t)
            return out

    quads = []
    focus: set[Any] | None = None if article is None else set()
    mine = None if article is None else str(article_graph(article))
    for graph, triples in graphs.items():
        for s, p, o in triples:
            oo = term(o)
            if isinstance(o, Literal) and o.datatype is not None and str(o.datatype) != _XSD_STRING:
                typed.add((term(p), oo))
            quads.append(ox.Quad(term(s), term(p), oo))
            if focus is not None and str(graph) == mine:
                focus.update((term(s), oo))
    store.bulk_extend(quads)
    inference = materialise(store)
    originals, exact = literal_originals(typed)
    if focus is not None and exact:
        validation = validate(store, originals=originals, focus=focus)
    else:
        validation = validate(store, originals=originals, mode="fast" if exact else "reference")
    return located(validation, inference.inconsistencies, seeds)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def check(seeds_dir: Path | str, *, allow_drafts: bool = False) -> tuple[SeedSet, list[Problem]]:
    """Every problem of every stage (schema, anchors, references, review, shapes) in the seeds
    under ``seeds_dir``, and the seeds as far as they load. Shapes are checked on what the seed
    checks leave usable, so that one run shows everything."""
    seeds, problems = check_seeds(seeds_dir, allow_drafts=allow_drafts)
    return seeds, problems + shape_problems(usable(seeds, problems))
