"""The seed schema (JSON Schema, checked with ``jsonschema``) and its readable errors.

A document is first checked by ``jsonschema_rs`` (the same Draft 2020-12 rules compiled in Rust; its
speed is in ``benchmarks/README.md``, "The fifteenth round"): one it accepts has nothing to report,
and only one it refuses, or cannot read, goes through ``jsonschema`` for every error with its message.

Value sets (entity types, event classes, CAMEO codes, channels) come from the ontology, so the
schema and the ontology cannot drift apart. Every error names file, line, field, the bad value and,
where there is one, the nearest valid choice.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from crisiskg import vocab
from crisiskg.errors import Problem
from crisiskg.loaders import dates
from crisiskg.loaders.yamlio import YamlDoc, dotted
from crisiskg.vocab import CKG

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ROLES = [
    "attacker", "suspectedAttacker", "target", "victim", "claimant", "speaker",
    "addressee", "participant", "agent", "affected",
]
RELATIONS = [
    "retaliationFor", "responseTo", "partOf", "about", "memberOf", "backedBy", "proxyOf",
    "allyOf", "opponentOf", "hostsForcesOf", "operatedBy", "responsibleFor", "claimedResponsibilityFor",
    "citizenOf",
]
ANYONE = "anyone"  # a relation's subject left open: "no group has claimed responsibility" (denied)
QUALIFIERS = ["exact", "approximately", "at-least", "more-than", "nearly", "at-most", "none-reported"]
PRECISIONS = list(dates.PRECISIONS)
POLARITY = {"favor": CKG.Favor, "against": CKG.Against, "none": CKG.NoPolarity}
MODALITY = {
    "recommendation": CKG.Recommendation, "prediction": CKG.Prediction, "evaluation": CKG.Evaluation,
    "intention": CKG.Intention, "demand": CKG.Demand,
}
STRENGTH = {"weak": CKG.Weak, "moderate": CKG.Moderate, "strong": CKG.Strong}
SPEECH_MODE = {"author-opinion": CKG.AuthorOpinion, "direct-quote": CKG.DirectQuote, "paraphrase": CKG.Paraphrase}
CLAIM_POLARITY = {"affirmed": CKG.Affirmed, "denied": CKG.Denied}
GENRES = ["news", "analysis", "opinion", "expert-reactions"]

_str = {"type": "string", "minLength": 1}
_slug = {"type": "string", "pattern": SLUG}
_slugs = {"type": "array", "items": _slug}
_quote = {"type": "string", "minLength": 2}


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


_span = _obj({"quote": _quote, "occurrence": {"type": "integer", "minimum": 1}}, ["quote"])
_occurrence = {"type": "integer", "minimum": 1}
_day = {"type": "string", "pattern": dates.DAY}


def _date_of(key: str) -> dict[str, Any]:
    """A date mapping whose value is under ``key``: value, precision, optional bounds, derivation."""
    return _obj(
        {key: {"type": "string", "pattern": dates.VALUE}, "precision": {"enum": PRECISIONS},
         "earliest": _day, "latest": _day, "derivation": _str},
        [key, "derivation"],
    )


_date = _date_of("value")


@lru_cache(maxsize=1)
def registry_schema() -> dict[str, Any]:
    types = vocab.entity_types()
    entity = _obj(
        {
            "id": _slug,
            "type": {"anyOf": [{"enum": types}, {"type": "array", "minItems": 1, "items": {"enum": types}}]},
            "label": _str,
            "aliases": {"type": "array", "items": _str},
            "located_in": _slug,
            "point": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
            "same_as": {"type": "array", "items": {"type": "string", "pattern": r"^(wikidata:Q\d+|geonames:\d+)$"}},
            "description": _str,
        },
        ["id", "type", "label"],
    )
    return _obj({"entities": {"type": "array", "items": entity}}, ["entities"])


PROPOSITIONS_SCHEMA = _obj(
    {"propositions": {"type": "array", "items": _obj({"id": _slug, "label": _str, "definition": _str}, ["id", "label", "definition"])}},
    ["propositions"],
)


@lru_cache(maxsize=1)
def article_schema() -> dict[str, Any]:
    classes = vocab.event_classes()
    holder = {"anyOf": [{"const": "author"}, _slug, {"type": "array", "minItems": 1, "items": _slug}]}
    article = _obj(
        {
            "text": {"type": "string", "pattern": r"^[^/\\]+\.txt$"},
            "status": {"enum": ["draft", "reviewed"]},
            "title": _str,
            "genre": {"enum": GENRES},
            "publisher": {"anyOf": [{"type": "null"}, _slug]},
            "authors": _slugs,
            "published": _date_of("date"),
            "headline": {"type": "array", "items": _span},
            "furniture": {"type": "array", "items": _span},
            "captions": {"type": "array", "items": _span},
            "ignored_names": {"type": "array", "items": _obj({"name": _str, "reason": _str}, ["name", "reason"])},
        },
        ["text", "status", "title", "authors", "published"],
    )
    count = {"type": "integer", "minimum": 0, "maximum": 100_000_000}
    # who gives a fact: the author, a registry actor or one of the article's unnamed sources, and
    # (optionally) the words through which it is attributed ("According to US and Iraqi officials")
    said = {"claimed_by": _slug, "attribution": _quote, "attribution_occurrence": _occurrence}
    counted = {"count": count, "qualifier": {"enum": QUALIFIERS}, **said, "quote": _quote, "occurrence": _occurrence}
    casualty = _obj(
        {"status": {"enum": ["killed", "injured", "casualties"]}, "nationality": _slug, "population": _str, **counted},
        ["status", "count", "quote"],
    )
    munition = _obj(counted, ["count", "quote"])
    other_count = _obj({"what": _str, **counted}, ["what", "count", "quote"])
    damage = _obj({"description": _str, **said, "quote": _quote, "occurrence": _occurrence}, ["description", "quote"])
    event = _obj(
        {
            "id": _slug,
            "label": _str,
            "class": {"anyOf": [{"enum": classes}, {"type": "array", "minItems": 1, "items": {"enum": classes}}]},
            "cameo": {"enum": vocab.cameo_codes()},
            "quote": _quote,
            "occurrence": {"type": "integer", "minimum": 1},
            "date": _date,
            "places": _slugs,
            "target_places": _slugs,
            "launched_from": _slugs,
            "roles": {"type": "object", "propertyNames": {"enum": ROLES}, "additionalProperties": _slugs},
            "channel": {"enum": vocab.individuals(CKG.Channel)},
            "weapon": _slug,
            "reported_by": _slug,
            "munitions": {"anyOf": [munition, {"type": "array", "minItems": 1, "items": munition}]},
            "counts": {"type": "array", "items": other_count},
            "damage": {"type": "array", "items": damage},
            "casualties": {"type": "array", "items": casualty},
            "condition": {"type": ["string", "null"]},
            "about": _slugs,
        },
        ["id", "label", "class", "quote"],
    )
    relation = _obj(
        {
            "subject": _slug,  # or ANYONE (a slug too, so the pattern admits it)
            "predicate": {"enum": RELATIONS},
            "object": _slug,
            "polarity": {"enum": list(CLAIM_POLARITY)},
            **said,
            "quote": _quote,
            "occurrence": {"type": "integer", "minimum": 1},
        },
        ["subject", "predicate", "object", "quote"],
    )
    role = _obj(
        {"holder": _slug, "title": _str, "in": _slug, "quote": _quote, "occurrence": {"type": "integer", "minimum": 1}},
        ["holder", "title", "quote"],
    )
    stance = _obj(
        {
            "id": _slug,
            "holder": holder,
            "proposition": _slug,
            "polarity": {"enum": list(POLARITY)},
            "modality": {"enum": list(MODALITY)},
            "strength": {"enum": list(STRENGTH)},
            "condition": {"type": ["string", "null"]},
            "speech_mode": {"enum": list(SPEECH_MODE)},
            "date": _date,
            "quote": _quote,
            "occurrence": {"type": "integer", "minimum": 1},
        },
        ["id", "holder", "proposition", "polarity", "modality", "speech_mode", "quote"],
    )
    source = _obj({"id": _slug, "description": _str, "quote": _quote, "occurrence": _occurrence}, ["id", "description", "quote"])
    skipped = _obj({"quote": _quote, "occurrence": {"type": "integer", "minimum": 1}, "reason": _str}, ["quote", "reason"])
    return _obj(
        {
            "article": article,
            "sources": {"type": "array", "items": source},
            "events": {"type": "array", "items": event},
            "relations": {"type": "array", "items": relation},
            "roles": {"type": "array", "items": role},
            "stances": {"type": "array", "items": stance},
            "skipped_cues": {"type": "array", "items": skipped},
            "draft_notes": {"type": "object"},
        },
        ["article"],
    )


_ACCEPTING: dict[int, tuple[dict[str, Any], Any]] = {}  # id of a schema -> (the schema, its jsonschema_rs validator)


def accepts(schema: dict[str, Any], data: Any) -> bool:
    """Whether ``jsonschema_rs`` finds ``data`` valid against ``schema``; False when it cannot read
    ``data`` (a value JSON has no type for, a key that is not a string): ``jsonschema`` decides."""
    kept = _ACCEPTING.get(id(schema))
    if kept is None or kept[0] is not schema:  # the schemas are module constants or cached: compiled once
        kept = _ACCEPTING[id(schema)] = (schema, jsonschema_rs.Draft202012Validator(schema, validate_formats=False, offline=True))
    try:
        return bool(kept[1].is_valid(data))
    except ValueError:
        return False


def check(doc: YamlDoc, schema: dict[str, Any], *, items: str | None = None, checked: Callable[[Any], bool] | None = None) -> list[Problem]:
    """Every schema violation of ``doc`` as a readable Problem. With ``items`` (a top-level list
    of ``schema``) and ``checked``, the items of that list that ``checked`` accepts (unchanged
    since a check found them right) are not checked again: the rest of the document is."""
    if accepts(schema, doc.data):
        return []
    found = doc.data.get(items) if items is not None and checked is not None and isinstance(doc.data, dict) else None
    if not isinstance(found, list):
        errors = list(Draft202012Validator(schema).iter_errors(doc.data))
    else:
        assert checked is not None and items is not None
        outer = {**schema, "properties": {**schema["properties"], items: {"type": "array"}}}
        each = Draft202012Validator(schema["properties"][items]["items"])
        errors = list(Draft202012Validator(outer).iter_errors(doc.data))
        for i, item in enumerate(found):
            if not checked(item):
                for err in each.iter_errors(item):
                    err.path.extendleft((i, items))  # the item's path in the document: items, i, ...
                    errors.append(err)
    problems = [_problem(doc, err) for err in errors]
    return sorted(problems, key=lambda p: (p.line or 0, p.field))


def nearest(value: Any, choices: list[str]) -> str | None:
    """The valid choice nearest ``value``, or None."""
    found = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.5)
    return found[0] if found else None


_SPECIFIC = {"enum": 0, "pattern": 1, "propertyNames": 1, "additionalProperties": 2, "required": 3, "type": 9, "const": 9}


def _leaf_errors(err: ValidationError) -> ValidationError:
    # For anyOf, report the branch that got furthest (the deepest path), and among those the most
    # specific error: a bad enum value or slug says more than "is not of type 'null'".
    if err.validator == "anyOf" and err.context:
        deepest = max(len(e.absolute_path) for e in err.context)
        found = [e for e in err.context if len(e.absolute_path) == deepest]
        return _leaf_errors(min(found, key=lambda e: _SPECIFIC.get(str(e.validator), 5)))
    return err


def _problem(doc: YamlDoc, err: ValidationError) -> Problem:
    err = _leaf_errors(err)
    path = tuple(err.absolute_path)
    field = dotted(path) or "(top level)"
    line = doc.line(path)
    value = err.instance
    if err.validator == "enum":
        choices = list(err.validator_value)
        near = nearest(value, choices)
        hint = f"did you mean {near!r}?" if near else f"valid choices: {', '.join(map(str, choices[:25]))}"
        return Problem(doc.file, line, field, f"{value!r} is not a valid value", hint)
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        extra = [k for k in value if k not in allowed] if isinstance(value, dict) else []
        bad = extra[0] if extra else "?"
        line = doc.line(path + (bad,))
        near = nearest(bad, allowed)
        hint = f"did you mean {near!r}?" if near else f"allowed fields: {', '.join(allowed)}"
        return Problem(doc.file, line, dotted(path + (bad,)), f"unknown field {bad!r}", hint)
    if err.validator == "required":
        return Problem(doc.file, line, field, err.message, "add the field")
    if err.validator == "pattern":
        hint = "use a lowercase slug such as 'camp-taji'" if err.validator_value == SLUG else f"must match {err.validator_value}"
        return Problem(doc.file, line, field, f"{value!r} has the wrong form", hint)
    if err.validator == "propertyNames":
        near = nearest(value, ROLES)
        return Problem(doc.file, line, field, f"unknown role {value!r}", f"did you mean {near!r}?" if near else f"roles: {', '.join(ROLES)}")
    return Problem(doc.file, line, field, err.message, "write it in the form seeds/README.md gives for this field")
