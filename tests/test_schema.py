"""The seed schema: every kind of mistake is reported with file, line, field, bad value and hint,
and every mistake of a file is reported in one run."""

from __future__ import annotations

import copy as copy_module
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from crisiskg.errors import Problem
from crisiskg.loaders import schema
from crisiskg.loaders.seeds import entry_digest
from crisiskg.loaders.yamlio import load_yaml

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
ARTICLE = (MINI / "articles" / "100_mini.yaml").read_text(encoding="utf-8")
REGISTRY = (MINI / "registry.yaml").read_text(encoding="utf-8")
PROPOSITIONS = (MINI / "propositions.yaml").read_text(encoding="utf-8")
ARTICLE_FILE = "articles/100_mini.yaml"


def line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1, f"{needle!r} must occur once in the broken text"
    return text[: text.index(needle)].count("\n") + 1


def check_article(text: str) -> list[Problem]:
    doc, problems = load_yaml(text, ARTICLE_FILE)
    assert problems == [] and doc is not None
    return schema.check(doc, schema.article_schema())


def check_registry(text: str) -> list[Problem]:
    doc, problems = load_yaml(text, "registry.yaml")
    assert problems == [] and doc is not None
    return schema.check(doc, schema.registry_schema())


def broken(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once in the fixture"
    return text.replace(old, new)


def test_the_fixture_files_pass_the_schema() -> None:
    assert check_article(ARTICLE) == []
    assert check_registry(REGISTRY) == []
    doc, _ = load_yaml(PROPOSITIONS, "propositions.yaml")
    assert doc is not None and schema.check(doc, schema.PROPOSITIONS_SCHEMA) == []


# (old, new, line marker, field, words in the message, words in the hint)
ARTICLE_MISTAKES = [
    pytest.param("genre: news", "genre: newz", "genre: newz", "article.genre", "'newz'", "did you mean 'news'?", id="bad-enum-genre"),
    pytest.param("status: reviewed", "status: reviewd", "status: reviewd", "article.status", "'reviewd'", "did you mean 'reviewed'?", id="bad-enum-status"),
    pytest.param("class: RocketAttack", "class: RocketAtack", "class: RocketAtack", "events[0].class", "'RocketAtack'", "did you mean 'RocketAttack'?", id="bad-event-class"),
    pytest.param("class: RocketAttack", "class: [RocketAttack, Atack]", "class: [RocketAttack, Atack]", "events[0].class[1]", "'Atack'", "did you mean 'Attack'?", id="bad-event-class-in-list"),
    pytest.param('cameo: "194"', 'cameo: "1944"', 'cameo: "1944"', "events[0].cameo", "'1944'", "did you mean '194'?", id="bad-cameo-code"),
    pytest.param("polarity: against", "polarity: aginst", "polarity: aginst", "stances[0].polarity", "'aginst'", "did you mean 'against'?", id="bad-polarity"),
    pytest.param("modality: recommendation", "modality: recomendation", "modality: recomendation", "stances[0].modality", "'recomendation'", "did you mean 'recommendation'?", id="bad-modality"),
    pytest.param("predicate: backedBy", "predicate: backedby", "predicate: backedby", "relations[0].predicate", "'backedby'", "did you mean 'backedBy'?", id="bad-relation"),
    pytest.param("{suspectedAttacker: [red-militia]}", "{suspectedAttackr: [red-militia]}", "suspectedAttackr", "events[0].roles", "'suspectedAttackr'", "did you mean 'suspectedAttacker'?", id="bad-role"),
    pytest.param("status: killed,", "status: kiled,", "status: kiled", "events[0].casualties[0].status", "'kiled'", "did you mean 'killed'?", id="bad-casualty-status"),
    pytest.param("speech_mode: paraphrase", "speech_mode: paraphrase\n    speech_mood: direct-quote", "speech_mood", "stances[0].speech_mood", "unknown field 'speech_mood'", "did you mean 'speech_mode'?", id="unknown-field-nearest"),
    pytest.param("weapon: rocket", "weapon: rocket\n    wibble: red", "wibble", "events[0].wibble", "unknown field 'wibble'", "allowed fields: id, label", id="unknown-field-no-near"),
    # a missing field is reported on the first line of the block that lacks it
    pytest.param("  title: Rockets hit Camp Alpha\n", "", "text: 100_mini.txt", "article", "'title' is a required property", "add the field", id="missing-field"),
    pytest.param("    label: Rocket attack on Camp Alpha\n", "", "- id: camp-alpha-attack", "events[0]", "'label' is a required property", "add the field", id="missing-event-label"),
    pytest.param("id: camp-alpha-attack", "id: Camp_Alpha_Attack", "id: Camp_Alpha_Attack", "events[0].id", "'Camp_Alpha_Attack' has the wrong form", "lowercase slug", id="bad-slug"),
    pytest.param("holder: jane-roe\n", "holder: Jane Roe\n", "holder: Jane Roe", "stances[0].holder", "'Jane Roe' has the wrong form", "lowercase slug", id="bad-slug-in-anyof"),
    pytest.param("publisher: null", "publisher: The Times", "publisher: The Times", "article.publisher", "'The Times' has the wrong form", "lowercase slug", id="bad-publisher-slug"),
    pytest.param("value: 2020-03-10", "value: 10/03/2020", "value: 10/03/2020", "events[0].date.value", "'10/03/2020' has the wrong form", "must match", id="bad-date-form"),
    pytest.param("count: 2,", "count: -2,", "count: -2", "events[0].casualties[0].count", "-2", None, id="negative-count"),
]


@pytest.mark.parametrize(("old", "new", "marker", "field", "message", "hint"), ARTICLE_MISTAKES)
def test_each_kind_of_article_mistake_is_reported_readably(old: str, new: str, marker: str, field: str, message: str, hint: str | None) -> None:
    text = broken(ARTICLE, old, new)
    problems = check_article(text)
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.file == ARTICLE_FILE
    assert p.line == line_of(text, marker)
    assert p.field == field
    assert message in p.message
    if hint is not None:
        assert p.hint is not None and hint in p.hint
    # the printed form carries all of it: file:line: field: message (hint)
    assert str(p).startswith(f"{ARTICLE_FILE}:{p.line}: {field}: ")


REGISTRY_MISTAKES = [
    pytest.param("type: Militia", "type: Militiaa", "type: Militiaa", "entities[4].type", "'Militiaa'", "did you mean 'Militia'?", id="bad-type"),
    pytest.param("type: Militia", "type: [Militia, Milita]", "type: [Militia, Milita]", "entities[4].type[1]", "'Milita'", "did you mean 'Militia'?", id="bad-type-in-list"),
    pytest.param("type: City", "type: city", "type: city", "entities[2].type", "'city'", "did you mean 'City'?", id="bad-type-case"),
    pytest.param("  - id: red-militia\n", "  - id: Red Militia\n", "id: Red Militia", "entities[4].id", "has the wrong form", "lowercase slug", id="bad-id"),
    pytest.param("located_in: riverton", "located_in: River Town", "located_in: River Town", "entities[3].located_in", "has the wrong form", "lowercase slug", id="bad-located-in"),
    pytest.param("point: [33.3, 44.4]", "point: [33.3]", "point: [33.3]", "entities[2].point", "too short", None, id="short-point"),
]


@pytest.mark.parametrize(("old", "new", "marker", "field", "message", "hint"), REGISTRY_MISTAKES)
def test_each_kind_of_registry_mistake_is_reported_readably(old: str, new: str, marker: str, field: str, message: str, hint: str | None) -> None:
    text = broken(REGISTRY, old, new)
    problems = check_registry(text)
    assert len(problems) == 1, problems
    p = problems[0]
    assert (p.file, p.line, p.field) == ("registry.yaml", line_of(text, marker), field)
    assert message in p.message
    if hint is not None:
        assert p.hint is not None and hint in p.hint


@pytest.mark.parametrize(("old", "new", "marker", "field", "message", "hint"), REGISTRY_MISTAKES)
def test_a_registry_mistake_is_found_when_entries_checked_before_are_skipped(old: str, new: str, marker: str, field: str, message: str,
                                                                              hint: str | None) -> None:
    """An incremental build checks only the registry entries it has not checked before (their
    digests differ from the published ones'): a mistake in such an entry is reported exactly as a
    whole check reports it, and one in a skipped entry is not looked for."""
    text = broken(REGISTRY, old, new)
    doc, _ = load_yaml(text, "registry.yaml")
    assert doc is not None
    published = {entry_digest(e) for e in load_yaml(REGISTRY, "registry.yaml")[0].data["entities"]}  # type: ignore[union-attr]
    problems = schema.check(doc, schema.registry_schema(), items="entities", checked=lambda e: entry_digest(e) in published)
    assert problems == check_registry(text) and len(problems) == 1
    assert (problems[0].line, problems[0].field) == (line_of(text, marker), field)
    assert schema.check(doc, schema.registry_schema(), items="entities", checked=lambda e: True) == []


def test_a_top_level_mistake_is_found_when_every_entry_is_skipped() -> None:
    text = REGISTRY + "extra: 1\n"
    doc, _ = load_yaml(text, "registry.yaml")
    assert doc is not None
    problems = schema.check(doc, schema.registry_schema(), items="entities", checked=lambda e: True)
    assert [(p.field, p.line) for p in problems] == [("extra", line_of(text, "extra: 1"))]


def test_a_misspelt_required_field_gives_both_problems() -> None:
    text = broken(REGISTRY, "    label: Jane Roe\n", "    lable: Jane Roe\n")
    problems = check_registry(text)
    assert [(p.line, p.field, p.hint) for p in problems] == [
        (line_of(text, "- id: jane-roe"), "entities[5]", "add the field"),
        (line_of(text, "lable"), "entities[5].lable", "did you mean 'label'?"),
    ]


def test_every_mistake_in_one_file_is_reported_in_one_run() -> None:
    text = ARTICLE
    for param in ARTICLE_MISTAKES:
        old, new, *_ = param.values
        if param.id in {"bad-event-class-in-list", "bad-slug-in-anyof", "unknown-field-no-near", "missing-event-label"}:
            continue  # they touch the same lines as another case
        text = broken(text, old, new)
    problems = check_article(text)
    fields = [p.field for p in problems]
    expected = {
        "article.genre", "article.status", "events[0].class", "events[0].cameo", "stances[0].polarity",
        "stances[0].modality", "relations[0].predicate", "events[0].roles", "events[0].casualties[0].status",
        "stances[0].speech_mood", "article", "events[0].id", "article.publisher", "events[0].date.value",
        "events[0].casualties[0].count",
    }
    assert set(fields) == expected
    assert len(problems) == len(expected)
    # sorted by line, each one with its own line
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    assert all(p.file == ARTICLE_FILE and p.line for p in problems)


def test_a_missing_top_level_section_is_reported() -> None:
    doc, _ = load_yaml("events: []\n", ARTICLE_FILE)
    assert doc is not None
    problems = schema.check(doc, schema.article_schema())
    assert [(p.field, p.line) for p in problems] == [("(top level)", 1)]
    assert "'article' is a required property" in problems[0].message


@pytest.mark.parametrize(
    ("value", "choices", "expected"),
    [
        ("Militiaa", ["Militia", "Person", "City"], "Militia"),
        ("citty", ["Militia", "Person", "City"], "City"),
        ("City", ["Militia", "Person", "City"], "City"),
        ("zzzz", ["Militia", "Person"], None),
        (194, ["194", "190"], "194"),
    ],
)
def test_nearest_choice(value: object, choices: list[str], expected: str | None) -> None:
    assert schema.nearest(value, choices) == expected


def test_value_sets_come_from_the_ontology() -> None:
    from crisiskg import vocab

    article = schema.article_schema()
    event_class = article["properties"]["events"]["items"]["properties"]["class"]
    assert event_class["anyOf"][0]["enum"] == vocab.event_classes()
    assert "RocketAttack" in vocab.event_classes() and "Event" in vocab.event_classes()
    types = schema.registry_schema()["properties"]["entities"]["items"]["properties"]["type"]["anyOf"][0]["enum"]
    assert {"Person", "City", "Country", "State", "Militia", "Weapon"} <= set(types)
    assert "UnnamedAuthor" not in types  # never written by a curator
    assert "194" in vocab.cameo_codes()


# --- the fast check (jsonschema_rs) passes a document only when jsonschema finds nothing in it ---

def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document: the path of each value (the document itself is ``()``)."""
    found = [path]
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _paths(child, (*path, key))
    return found


def _replaced(data: Any, path: tuple[Any, ...], value: Any, drop: bool) -> Any:
    """A deep copy of ``data`` with the value at ``path`` replaced by ``value``, or dropped."""
    if not path:
        return value
    copy = copy_module.deepcopy(data)
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def _documents() -> list[tuple[str, dict[str, Any], Any]]:
    documents = []
    for text, name, made in [(ARTICLE, ARTICLE_FILE, schema.article_schema), (REGISTRY, "registry.yaml", schema.registry_schema),
                             (PROPOSITIONS, "propositions.yaml", lambda: schema.PROPOSITIONS_SCHEMA)]:
        doc, _ = load_yaml(text, name)
        assert doc is not None
        documents.append((name, made(), doc.data))
    return documents


DOCUMENTS = _documents()
# values near the schema's edges: slugs, dates, an enum's words, a final newline ($ in a Python
# pattern matches before it), numbers as strings, types JSON has not
EDGES = st.sampled_from(["camp-alpha", "Camp-Alpha", "camp-alpha\n", "2020-01-08", "2020-01-08\n", "2020-01", "2020-01-08/2020-01-09",
                         "", "news", "reviewed", "draft", "day", "month", "RocketAttack", "194", "1944", "favor", "x.txt", "../x.txt",
                         "wikidata:Q1", 194, 0, -1, 1.5, True, None, [], {}, ["camp-alpha"], {"camp-alpha": 1}, dt.date(2020, 1, 8), {1: "a"}])
VALUES = st.recursive(EDGES | st.text(max_size=12) | st.integers() | st.floats(allow_nan=False),
                      lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8) | EDGES.filter(lambda v: isinstance(v, str)), children, max_size=3),
                      max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_document_the_fast_check_accepts_has_no_error_in_jsonschema(data: st.DataObject) -> None:
    name, made, original = data.draw(st.sampled_from(DOCUMENTS), label="document")
    path = data.draw(st.sampled_from(_paths(original)), label="path")
    drop = bool(path) and data.draw(st.booleans(), label="drop")
    changed = _replaced(original, path, data.draw(VALUES, label="value"), drop)
    errors = [] if schema.accepts(made, changed) is False else list(Draft202012Validator(made).iter_errors(changed))
    assert errors == [], f"{name}: jsonschema_rs accepts what jsonschema refuses: {errors[0].message}"


def test_the_fast_check_refuses_what_it_cannot_read_and_jsonschema_reports() -> None:
    _, made, original = DOCUMENTS[0]
    assert schema.accepts(made, original)
    with_date = _replaced(original, ("article", "published", "date"), dt.date(2020, 1, 8), drop=False)
    assert not schema.accepts(made, with_date)  # not a JSON value: jsonschema decides, and says what is wrong
    doc, _ = load_yaml(ARTICLE, ARTICLE_FILE)
    assert doc is not None
    doc.data["article"]["published"]["date"] = dt.date(2020, 1, 8)
    assert [p.field for p in schema.check(doc, made)] == ["article.published.date"]
