"""Saved questions (queries/*.rq): parsing, typed parameters, injection, the expected answer of every
question written from the articles (seeds/articles/*.txt), and the same answers from rdflib's
evaluator over the published build.

The expected answers below were worked out by reading the texts of the five articles (000 to 004);
each test says which passage it rests on. They use the ids of the registry and of the curated
annotations only to name things. Answers are compared on the rows that rest on those five articles:
an article added to the seeds (tests/test_sixth_article.py adds one) adds rows without changing
theirs. Tests about the corpus as a whole derive their expectations from the seeds' files.
"""

from __future__ import annotations

import functools
import re
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import RDFS, XSD
from rdflib.term import Node
from seedcorpus import FIVE, SEEDS, annotations, others

from crisiskg.errors import ParameterError, QueryError
from crisiskg.query.choices import expand, key_of
from crisiskg.query.params import Param
from crisiskg.query.savedqueries import SavedQuery, get_query, load_queries, parse_query, split_header, subquery_spans
from crisiskg.query.store import Store
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES, shorten

QUERIES = load_queries()
ID = "https://w3id.org/crisiskg/id/"
OTHERS = others()  # the articles of the seeds other than the five (none in the repository's seeds)


def E(slug: str) -> str:
    """The IRI of a registry entity."""
    return f"{ID}entity/{slug}"


def EV(slug: str) -> str:
    return f"{ID}event/{slug}"


def ST(slug: str) -> str:
    return f"{ID}stance/{slug}"


def A(key: str) -> str:
    return f"{ID}article/{key}"


def rows(store: Store, qid: str, reasoning: str = "owlrl", *, every_article: bool = False, **params: str) -> list[dict[str, str]]:
    """A saved question's rows, each term as text (IRIs whole, literals by their lexical form).

    Rows that rest on an article of the seeds other than the five (in a column ``article``,
    ``article1`` or ``article2``) are left out unless ``every_article``."""
    result = get_query(qid).run(store, params, reasoning=reasoning)
    found = [{k: str(v) for k, v in r.items() if v is not None} for r in result.rows]
    return found if every_article else [r for r in found if not OTHERS & {r.get("article"), r.get("article1"), r.get("article2")}]


def pairs(found: list[dict[str, str]], *cols: str) -> set[tuple[str, ...]]:
    return {tuple(r.get(c, "") for c in cols) for r in found}


# ------------------------------------------------------------------------------ the question set


def test_at_least_25_questions_each_documented() -> None:
    assert len(QUERIES) >= 25
    for q in QUERIES.values():
        assert q.summary and len(q.description) > 40, q.id
        assert q.tags, q.id
        assert q.view in ("table", "timeline", "map", "graph", "curve", "chart"), q.id
        for p in q.params:
            assert p.description, (q.id, p.name)


@pytest.mark.parametrize("qid", sorted(QUERIES))
def test_select_questions_order_their_rows(qid: str) -> None:
    q = QUERIES[qid]
    if q.kind == "select":
        assert "ORDER BY" in q.sparql, f"{qid} has no ORDER BY: rows would come in engine order"


@pytest.mark.parametrize("qid", sorted(QUERIES))
def test_views_have_the_columns_they_draw(qid: str) -> None:
    q = QUERIES[qid]
    if q.view == "timeline":
        assert "?date" in q.sparql
    if q.view == "map":
        assert "?wkt" in q.sparql or {"?lat", "?long"} <= set(re.findall(r"\?\w+", q.sparql))
    if q.view == "graph":
        assert q.kind == "graph"
    if q.view == "curve":
        assert "?goldstein" in q.sparql and "?earliest" in q.sparql
    if q.view == "chart":
        assert "COUNT(" in q.sparql


def test_issue_questions_are_all_there() -> None:
    """The questions issue 4 names, by id."""
    for qid in ("timeline", "attacks", "attack-casualties", "events-in-country", "retaliation-debate",
                "stances-on-proposition", "retaliation-framing", "threats", "source-disagreements",
                "multi-source-stances", "entity-mentions", "people-roles", "proxies-and-allies",
                "statements-by-channel", "escalation-curve", "days-between", "unique-assertions"):
        assert qid in QUERIES


# ------------------------------------------------------------------------------ parsing


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """#+ summary: Events in a country
#+ description: Every event located in the country, with its source.
#+ tags: [events]
#+ defaults:
#+   - country: iraq
#+ enumerate:
#+   - country
#+ params:
#+   - name: country
#+     type: iri
#+     class: ckg:Country
#+     description: the country
#+   - name: kind
#+     type: enum
#+     choices: {attack: ckg:Attack, threat: ckg:Threat}
#+     required: false
#+     description: the kind
#+   - name: n
#+     type: integer
#+     default: 3
#+     min: 1
#+     max: 10
#+     description: how many
SELECT ?e WHERE { ?e ckg:occurredIn ?country ; a ?kind . FILTER(?n > 0) } ORDER BY ?e LIMIT 10
"""


def test_parse_grlc_header(tmp_path: Path) -> None:
    q = parse_query(_write(tmp_path, "events-here.rq", GOOD))
    assert q.id == "events-here" and q.kind == "select" and q.view == "table"
    assert q.summary == "Events in a country" and q.tags == ("events",)
    assert q.enumerate == ("country",)
    assert q.defaults == {"country": "iraq", "n": "3"}  # grlc's list-of-mappings defaults
    country, kind, n = q.params
    assert country.type == "iri" and country.cls == "ckg:Country" and not country.required
    assert kind.choices == ("attack", "threat") and not kind.required
    assert n.min == 1 and n.max == 10
    assert q.sparql.startswith("SELECT") and "#+" not in q.sparql
    assert q.to_dict()["params"][1]["choices"] == ["attack", "threat"]


def test_split_header_keeps_later_comments() -> None:
    header, body = split_header("#+ summary: x\n#+ description: y\n# a comment\nSELECT * {}\n#+ not header\n")
    assert header == "summary: x\ndescription: y\n"
    assert body.startswith("# a comment") and "#+ not header" in body


@pytest.mark.parametrize(("text", "message"), [
    ("#+ summary: s\nSELECT * {}", "needs a 'description'"),
    ("#+ summary: s\n#+ description: d\n#+ colour: red\nSELECT * {}", "unknown header key(s) colour"),
    ("#+ summary: s\n#+ description: d\n#+ params: [{name: x, type: iri}]\nSELECT * { ?x ?p ?o }", "needs a 'class'"),
    ("#+ summary: s\n#+ description: d\n#+ params: [{name: x, type: ire, class: ckg:Event}]\nSELECT * { ?x ?p ?o }",
     "unknown type 'ire' (did you mean 'iri'?)"),
    ("#+ summary: s\n#+ description: d\n#+ params: [{name: y, type: string}]\nSELECT * { ?x ?p ?o }", "not used as ?y"),
    ("#+ summary: s\n#+ description: d\n#+ params: [{name: x, type: enum}]\nSELECT * { ?x ?p ?o }", "needs 'choices'"),
    ("#+ summary: s\n#+ description: d\n#+ params: [{name: x, type: date, default: \"2020-13-01\"}]\nSELECT * { ?x ?p ?o }", "bad default"),
    ("#+ summary: s\n#+ description: d\n#+ params: [{name: x, type: string}]\nSELECT * { { SELECT ?y { ?y ?p ?x } } }",
     "inside a sub-SELECT"),
    ("#+ summary: s\n#+ description: d\n#+ enumerate: [z]\nSELECT * { ?x ?p ?o }", "'enumerate' names 'z'"),
    ("#+ summary: s\n#+ description: d\n#+ view: pie\nSELECT * { ?x ?p ?o }", "unknown view 'pie'"),
    ("#+ summary: [unclosed\n#+ description: d\nSELECT * {}", "not valid YAML"),
    ("#+ summary: s\n#+ description: d\nPREFIX x: <http://x/>\n", "not a SELECT, ASK, CONSTRUCT or DESCRIBE"),
])
def test_bad_files_are_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(_write(tmp_path, "bad.rq", text))
    assert "bad.rq" in str(info.value) and message in str(info.value)


def test_unknown_saved_query_names_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="no saved query 'timelin' \\(did you mean 'timeline'\\?\\)"):
        get_query("timelin")


def test_subquery_spans_skip_strings() -> None:
    q = 'SELECT * { ?a ?b "{ SELECT" . { SELECT ?x { ?x ?y "}" } } }'
    assert [q[a:b] for a, b in subquery_spans(q)] == ['{ SELECT ?x { ?x ?y "}" } }']


def test_curies_and_keys() -> None:
    assert expand("ckg:Country") == URIRef("https://w3id.org/crisiskg/ontology#Country")
    assert expand("<http://example.org/x>") == URIRef("http://example.org/x")
    with pytest.raises(QueryError):
        expand("nope:x y")
    assert shorten(E("iraq")) == "id:entity/iraq"
    assert key_of(E("iraq")) == "iraq" and key_of("https://w3id.org/crisiskg/ontology#Tweet") == "Tweet"


# ------------------------------------------------------------------------------ typed parameters


@pytest.mark.parametrize(("ptype", "extra", "value", "expected"), [
    ("date", {}, "2020-01-08", Literal("2020-01-08", datatype=XSD.date)),
    ("integer", {}, "42", Literal(42, datatype=XSD.integer)),
    ("string", {}, 'He said "}" UNION {', Literal('He said "}" UNION {')),
    ("enum", {"values": (("favor", URIRef("https://w3id.org/crisiskg/ontology#Favor")),)}, "Favor",
     URIRef("https://w3id.org/crisiskg/ontology#Favor")),
    ("enum", {"values": (("day", Literal("day")),)}, "day", Literal("day")),
])
def test_values_convert_to_rdf_terms(ptype: str, extra: dict[str, Any], value: str, expected: Node) -> None:
    term = Param(name="x", type=ptype, **extra).convert(value, query_id="q")
    assert term == expected and type(term) is type(expected)


@pytest.mark.parametrize(("ptype", "extra", "value", "message"), [
    ("date", {}, "8 January 2020", "write YYYY-MM-DD"),
    ("date", {}, "2020-02-30", "is not a date"),
    ("integer", {}, "3.5", "is not an integer"),
    ("integer", {"min": 1, "max": 5}, "9", "out of range; choose 1 to 5"),
    ("enum", {"values": (("tweet", Literal("tweet")), ("telegram", Literal("telegram")))}, "twitter",
     "'twitter' is not a valid choice (did you mean 'tweet'?); choose one of: tweet, telegram"),
])
def test_bad_values_name_the_fix(ptype: str, extra: dict[str, Any], value: str, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        Param(name="x", type=ptype, **extra).convert(value, query_id="q")
    assert message in str(info.value) and "saved query 'q' parameter 'x'" in str(info.value)


def test_unknown_parameter_lists_the_valid_ones() -> None:
    with pytest.raises(ParameterError, match="saved query 'days-between' has no parameter 'frist' \\(did you mean 'first'\\?\\); it takes: first, second"):
        get_query("days-between").bind({"frist": "x"})


def test_system_parameters_are_not_a_questions() -> None:
    with pytest.raises(ParameterError, match="system parameter"):
        get_query("timeline").bind({"_format": "csv"})


def test_required_parameter_without_default(tmp_path: Path) -> None:
    q = parse_query(_write(tmp_path, "needs-it.rq", "#+ summary: s\n#+ description: d\n#+ params: [{name: x, type: date, description: the day}]\n"
                                                    "SELECT * { ?s ?p ?x }"))
    with pytest.raises(ParameterError, match="needs parameter 'x' \\(date\\): the day"):
        q.bind({})


def test_iri_parameter_accepts_key_label_curie_and_iri(seed_store: Store) -> None:
    q = get_query("events-in-country")
    iraq = URIRef(E("iraq"))
    for given in ("iraq", "Iraq", "id:entity/iraq", E("iraq"), f"<{E('iraq')}>"):
        assert q.bind({"country": given}, seed_store) == {"country": iraq}


def test_iri_parameter_of_the_wrong_class_names_the_choices(seed_store: Store) -> None:
    q = get_query("events-in-country")
    with pytest.raises(ParameterError) as info:
        q.bind({"country": "irak"}, seed_store)
    text = str(info.value)
    assert "'irak' is not a ckg:Country in this build (did you mean 'iraq'?)" in text
    assert "valid choices: " in text and "iran, iraq, israel" in text
    with pytest.raises(ParameterError, match="'camp-taji' is not a ckg:Country"):
        q.bind({"country": "camp-taji"}, seed_store)  # a military base, not a country


def test_a_long_list_of_valid_choices_is_cut(tmp_path: Path) -> None:
    from crisiskg.build.pipeline import build
    from crisiskg.query.choices import LISTED, class_choices
    from crisiskg.scale.synth import synthesize

    synthesize(articles=70, out=tmp_path / "seeds", seed=1)  # an author per article: more actors than are listed
    build(tmp_path / "seeds", tmp_path / "build")
    store = Store.open(tmp_path / "build")
    q = get_query("holder-stances")
    actors = [c.shown for c in class_choices(store, q.param("holder").classes)]  # each id with its label
    assert len(actors) > LISTED + 5
    with pytest.raises(ParameterError) as info:
        q.bind({"holder": "nobody-at-all"}, store)
    text = str(info.value)
    assert "valid choices: " + ", ".join(actors[:LISTED]) + f" and {len(actors) - LISTED:,} more" in text
    assert actors[LISTED] not in text.split(" and ")[0]


def test_multi_class_parameter(seed_store: Store) -> None:
    q = get_query("entity-mentions")
    assert q.bind({"entity": "erbil"}, seed_store)["entity"] == URIRef(E("erbil"))  # a place
    assert q.bind({"entity": "irgc"}, seed_store)["entity"] == URIRef(E("irgc"))  # an actor
    with pytest.raises(ParameterError, match="not a ckg:Actor or ckg:Place or ckg:Weapon"):
        q.bind({"entity": "us-military-retaliation-jan-8"}, seed_store)  # a proposition


# ------------------------------------------------------------------------------ injection


INJECTIONS = [
    'Soleimani" } UNION { ?entity ?p ?name } #',
    "Soleimani' } UNION { ?entity ?p ?name } #",
    'x"^^<http://www.w3.org/2001/XMLSchema#string> } UNION { ?entity rdfs:label ?name . ?t rdfs:label ?tl } #',
    '"""} UNION {"""',
    "} UNION { ?s ?p ?o }",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_an_injected_string_is_just_a_value(seed_store: Store, value: str) -> None:
    assert rows(seed_store, "find-entity", text=value) == []  # no entity's name contains that text


def test_injection_returns_no_extra_rows(seed_store: Store) -> None:
    plain = rows(seed_store, "find-entity", text="Soleimani")
    assert plain and rows(seed_store, "find-entity", text="Soleimani } UNION { ?entity ?p ?name }") == []


@pytest.mark.parametrize("value", ['iraq> } UNION { ?event ?p ?o } #', 'iraq" . ?event ?p ?o', "<https://w3id.org/crisiskg/id/entity/iraq> }"])
def test_an_injected_iri_is_refused(seed_store: Store, value: str) -> None:
    with pytest.raises(ParameterError, match="valid choices"):
        get_query("events-in-country").bind({"country": value}, seed_store)


# ------------------------------------------------------------------------------ expected answers, from the articles


def test_timeline(seed_store: Store) -> None:
    found = rows(seed_store, "timeline")
    got = pairs(found, "date", "precision", "event", "article")
    # 002: "the targeted strike of ... Soleimani in the early morning of January 3"; Warrick: Trump
    # "tweeted on January 4"; 001: the embassy rockets and the Iraqi parliament's vote "on Sunday"
    # (5 January 2020); 002: Trump's tweet "on the night of January 7"; 002 "early in the morning of
    # January 8" and 003 "the January 8 Iranian missile attacks"; 004 (12 March 2020): "On Wednesday
    # night" (11 March); 002: "The September 14 Iranian cruise missile and rocket attack on ...
    # Abqaiq" (2019). Each a single day: written as that day, earliest and latest the same.
    for expected in [
        ("2020-01-03", "day", EV("soleimani-killing-2020-01-03"), A("002")),
        ("2020-01-04", "day", EV("trump-tweet-iranian-cultural-sites-2020-01-04"), A("002")),
        ("2020-01-05", "day", EV("us-embassy-baghdad-rocket-attack-2020-01-05"), A("001")),
        ("2020-01-05", "day", EV("iraqi-parliament-vote-2020-01-05"), A("001")),
        ("2020-01-07", "day", EV("trump-all-is-well-tweet-2020-01-07"), A("002")),
        ("2020-01-08", "day", EV("iran-missile-strikes-2020-01-08"), A("002")),
        ("2020-01-08", "day", EV("iran-missile-strikes-2020-01-08"), A("003")),
        ("2020-03-11", "day", EV("camp-taji-rocket-attack-2020-03-11"), A("004")),
        ("2019-09-14", "day", EV("abqaiq-attack-2019-09-14"), A("002")),
    ]:
        assert expected in got
    for r in found:
        assert r["earliest"] <= r["latest"]
        if r["precision"] == "day":
            assert r["date"] == r["earliest"] == r["latest"], r
    # rows in order of the span: earliest, then latest possible day
    assert [(r["earliest"], r["latest"]) for r in found] == sorted((r["earliest"], r["latest"]) for r in found)
    taji = next(r for r in found if r["event"] == EV("camp-taji-rocket-attack-2020-03-11"))
    assert taji["precision"] == "day" and "Wednesday night" in taji["derivation"] and taji["type"] == "rocket attack"
    assert taji["quote"].startswith("On Wednesday night, U.S.-led coalition forces based out of Camp Taji")

    def one(event: str, article: str) -> dict[str, str]:
        return next(r for r in found if r["event"] == EV(event) and r["article"] == A(article))

    # 004 says only 'In early January' for the killing and the 8 January strikes: the month as
    # written, a span that holds the day 002 gives, each its own row (no day the text does not give)
    for event, day in (("soleimani-killing-2020-01-03", "2020-01-03"), ("iran-missile-strikes-2020-01-08", "2020-01-08")):
        early = one(event, "004")
        assert (early["date"], early["precision"]) == ("2020-01", "month") and early["earliest"] <= day <= early["latest"]
    # 000 (8 January): the attack "overnight", the night before: 7 or 8 January
    overnight = one("iran-missile-strikes-2020-01-08", "000")
    assert (overnight["date"], overnight["precision"], overnight["earliest"], overnight["latest"]) == (
        "2020-01-07/2020-01-08", "range", "2020-01-07", "2020-01-08")
    # 002: Khamenei "had promised" a harsh retaliation "after the assassination": a span that starts
    # on the killing's day, so it comes after the killing, not at the start of January
    harsh = one("khamenei-harsh-retaliation-threat", "002")
    assert (harsh["date"], harsh["precision"], harsh["earliest"]) == ("2020-01", "month", "2020-01-03")
    # 004: after the Camp Taji attack Milley "announced that response 'options are on the table'",
    # by the article of 12 March: March, 11 to 12, after the attack it answers
    milley = one("milley-options-on-the-table-2020-03", "004")
    assert (milley["date"], milley["precision"], milley["earliest"], milley["latest"]) == ("2020-03", "month", "2020-03-11", "2020-03-12")
    order = [(r["event"], r["article"]) for r in found]
    assert order.index((EV("soleimani-killing-2020-01-03"), A("002"))) < order.index((EV("khamenei-harsh-retaliation-threat"), A("002")))
    assert order.index((EV("camp-taji-rocket-attack-2020-03-11"), A("004"))) < order.index((EV("milley-options-on-the-table-2020-03"), A("004")))


def test_timeline_between_dates(seed_store: Store) -> None:
    window = rows(seed_store, "timeline", since="2020-01-03", until="2020-01-04")
    # an imprecise date is a span: kept when it may fall in the window (overlap), whatever its precision
    every = rows(seed_store, "timeline")
    assert pairs(window, "event", "article") == {(r["event"], r["article"]) for r in every
                                                 if r["latest"] >= "2020-01-03" and r["earliest"] <= "2020-01-04"}
    # the day-precise 3 and 4 January events: the killing (002) and Trump's tweet (002)
    assert pairs([r for r in window if r["precision"] == "day"], "date", "event") == {
        ("2020-01-03", EV("soleimani-killing-2020-01-03")), ("2020-01-04", EV("trump-tweet-iranian-cultural-sites-2020-01-04"))}
    # 004's 'early January' (any day of January) may be in the window; 000's 'overnight' strikes (7-8 January) are not
    assert (EV("iran-missile-strikes-2020-01-08"), A("004")) in pairs(window, "event", "article")
    assert (EV("iran-missile-strikes-2020-01-08"), A("000")) not in pairs(window, "event", "article")
    march = rows(seed_store, "timeline", since="2020-03-01")
    assert march and {r["article"] for r in march} == {A("004")} and all(r["latest"] >= "2020-03-01" for r in march)


def test_attacks(seed_store: Store) -> None:
    found = rows(seed_store, "attacks")
    taji = [r for r in found if r["attack"] == EV("camp-taji-rocket-attack-2020-03-11")]
    # 004: "the U.S. military believes Iraqi militia groups backed by Iran launched the attack. The
    # attack involved around 18 small Katyusha rockets"; "U.S.-led coalition forces based out of Camp Taji"
    assert pairs(taji, "perpetrator", "perpetratorRole", "target", "place", "weapon", "munitions", "munitionsQualifier") == {
        (E("iran-backed-iraqi-militias"), "suspectedAttacker", E("us-led-coalition"), E("camp-taji"), E("katyusha-rocket"), "18", "approximately")}
    assert all(r["article"] == A("004") for r in taji)
    jan8 = [r for r in found if r["attack"] == EV("iran-missile-strikes-2020-01-08")]
    # 002: "Iran’s Islamic Revolutionary Guard Corps (IRGC) fired at least a dozen missiles ... at
    # either the Asad or Erbil bases"; 000: "Iran’s ballistic missile attack on two U.S. military bases"
    in002 = [r for r in jan8 if r["article"] == A("002")]
    assert {r["perpetrator"] for r in in002} == {E("irgc")}
    assert {r["place"] for r in in002} == {E("ain-al-asad-air-base"), E("erbil-air-base")}
    assert {(r["munitions"], r["munitionsQualifier"]) for r in in002} == {("12", "at-least")}
    assert {(r["perpetrator"], r["weapon"]) for r in jan8 if r["article"] == A("000")} == {(E("iran"), E("ballistic-missile"))}
    # 001: "Iranian-directed militias launched rockets against the U.S. Embassy in Baghdad"
    embassy = [r for r in found if r["attack"] == EV("us-embassy-baghdad-rocket-attack-2020-01-05")]
    assert pairs(embassy, "perpetrator", "place", "weapon") == {(E("iran-backed-iraqi-militias"), E("us-embassy-baghdad"), E("rocket"))}
    # 002 (Warrick): the Abqaiq attack on Saudi Arabia
    assert (E("iran"), E("saudi-arabia"), E("abqaiq")) in pairs(found, "perpetrator", "target", "place")


def test_attack_casualties(seed_store: Store) -> None:
    taji = {(r["status"], r["count"], r["qualifier"], r.get("ofNationality", ""))
            for r in rows(seed_store, "attack-casualties") if r["event"] == EV("camp-taji-rocket-attack-2020-03-11")}
    # 004: "The attack killed three coalition personnel, two American and one British. It also
    # injured nearly a dozen more personnel."
    assert taji == {("killed", "3", "exact", ""), ("killed", "2", "exact", E("united-states")),
                    ("killed", "1", "exact", E("united-kingdom")), ("injured", "12", "nearly", "")}
    # who gives each number: 004's two authors, each count once (not a row per author)
    found = [r for r in rows(seed_store, "attack-casualties") if r["event"] == EV("camp-taji-rocket-attack-2020-03-11")]
    assert {r["reportedBy"] for r in found} == {"Asfandyar Mir and Ramzy Mardini"}
    assert len(found) == len({(r["quote"], r["status"], r["count"], r.get("ofNationality")) for r in found})


def test_attack_casualties_by_nationality(seed_store: Store) -> None:
    us = pairs(rows(seed_store, "attack-casualties", nationality="united-states"), "event", "status", "count", "qualifier", "reportedBy", "article")
    taji, strikes = EV("camp-taji-rocket-attack-2020-03-11"), EV("iran-missile-strikes-2020-01-08")
    # 004 (Mir and Mardini): "With two American soldiers dead in Iraq", "two American and one
    # British" at Camp Taji, and the January strikes "failed to kill any Americans"; 000 (unsigned):
    # "Neither U.S. nor Iraqi forces appear to have suffered any casualties"; 002: "According to US and
    # Iraqi officials, there are no confirmed casualties among either US or Iraqi servicemembers",
    # Warrick: "initial indications have not spoken of US casualties", Dagres: "no reported loss of
    # American life at the bases in Iraq", and Wechsler (in 002 and his op-ed 003): "The central US red
    # line—the death of another American on Iranian orders— does not appear to have been crossed".
    # What is not reported counts 0, none-reported: a count from what was not said, not an exact 0.
    assert us == {(taji, "killed", "2", "exact", "Asfandyar Mir and Ramzy Mardini", A("004")),
                  (strikes, "killed", "0", "exact", "Asfandyar Mir and Ramzy Mardini", A("004")),
                  (strikes, "casualties", "0", "none-reported", "author of article 000", A("000")),
                  (strikes, "casualties", "0", "none-reported", "US and Iraqi officials", A("002")),
                  (strikes, "casualties", "0", "none-reported", "Thomas S. Warrick", A("002")),
                  (strikes, "killed", "0", "none-reported", "Holly Dagres", A("002")),
                  (strikes, "killed", "0", "none-reported", "William F. Wechsler", A("002")),
                  (strikes, "killed", "0", "none-reported", "William F. Wechsler", A("003"))}
    uk = pairs(rows(seed_store, "attack-casualties", nationality="united-kingdom"), "event", "count")
    assert uk == {(EV("camp-taji-rocket-attack-2020-03-11"), "1")}  # "one British"


def test_attack_casualties_say_who_gives_them(seed_store: Store) -> None:
    found = rows(seed_store, "attack-casualties")
    officials = [r for r in found if r["reportedBy"] == "US and Iraqi officials"]
    # 002: "According to US and Iraqi officials, there are no confirmed casualties among either US or
    # Iraqi servicemembers at either the Asad or Erbil bases": an unnamed source of 002, not its
    # compiler; the words that attribute it are shown with the count; one count per nationality
    assert pairs(officials, "event", "status", "count", "qualifier", "ofNationality", "attribution", "article") == {
        (EV("iran-missile-strikes-2020-01-08"), "casualties", "0", "none-reported", E(nat), "According to US and Iraqi officials", A("002"))
        for nat in ("united-states", "iraq")}
    assert {r["quote"] for r in officials} == {"there are no confirmed casualties among either US or Iraqi servicemembers at either the Asad or Erbil bases"}
    # Warrick's "initial indications have not spoken of US casualties": his, through those words, none reported
    warrick = [r for r in found if r["quote"] == "initial indications have not spoken of US casualties"]
    assert pairs(warrick, "reportedBy", "qualifier", "count", "attribution") == {("Thomas S. Warrick", "none-reported", "0", "initial indications")}


def test_events_in_country(seed_store: Store) -> None:
    iraq = {r["event"] for r in rows(seed_store, "events-in-country", country="iraq")}
    # Camp Taji (north of Baghdad), the Asad and Erbil bases, Baghdad airport, the U.S. Embassy in
    # Baghdad, the Iraqi parliament: all in Iraq through the places' containment
    for slug in ("camp-taji-rocket-attack-2020-03-11", "iran-missile-strikes-2020-01-08", "soleimani-killing-2020-01-03",
                 "us-embassy-baghdad-rocket-attack-2020-01-05", "iraqi-parliament-vote-2020-01-05"):
        assert EV(slug) in iraq
    assert EV("abqaiq-attack-2019-09-14") not in iraq
    # 002: "the Saudi Arabia Abqaiq facility": the only event in Saudi Arabia
    saudi = rows(seed_store, "events-in-country", country="saudi-arabia")
    assert {(r["event"], r["place"], r["article"]) for r in saudi} == {(EV("abqaiq-attack-2019-09-14"), E("abqaiq"), A("002"))}


def test_events_in_country_needs_reasoning(seed_store: Store) -> None:
    """ckg:occurredIn is inferred (sem:hasPlace + transitive ckg:locatedIn): asserted-only answers are empty."""
    assert rows(seed_store, "events-in-country", reasoning="none", country="iraq") == []


def test_stances_on_the_8_january_retaliation(seed_store: Store) -> None:
    found = rows(seed_store, "stances-on-proposition", proposition="us-military-retaliation-jan-8")
    got = pairs(found, "holder", "polarityLabel", "article")
    # 000 (unsigned): "the United States should accept it" and "The U.S. should not respond to this
    # attack with force"; Wechsler in 002 and again in 003: "the United States should not retaliate
    # militarily"; Pfaff (002): "Any further retaliatory use of force in Iraq would be a huge
    # mistake"; Warrick (002): with significant US casualties the administration "would have been
    # compelled to attack the launch sites in Iran"
    assert got == {(f"{ID}article/000/author", "against", A("000")), (E("william-wechsler"), "against", A("002")),
                   (E("william-wechsler"), "against", A("003")), (E("c-anthony-pfaff"), "against", A("002")),
                   (E("thomas-warrick"), "favor", A("002"))}
    wechsler = next(r for r in found if r["holder"] == E("william-wechsler"))
    assert wechsler["condition"] == "As long as Iran is assessed to be willing and able to take these actions"
    assert "the United States should not retaliate militarily in response to this strike" in wechsler["quote"]
    # the same words are a direct quote in the round-up (002) and the author's own opinion in his op-ed (003)
    assert pairs([r for r in found if r["holder"] == E("william-wechsler")], "article", "speechModeLabel") == {
        (A("002"), "direct quote"), (A("003"), "author opinion")}
    # none of these texts dates the stance itself: no statement date, only the article's date as
    # "reported on" (000, 002, 003: 8 January 2020)
    assert all("statedOn" not in r for r in found)
    assert pairs(found, "article", "reportedOn") == {(A("000"), "2020-01-08"), (A("002"), "2020-01-08"), (A("003"), "2020-01-08")}


def test_stances_on_proposition_second_value_and_polarity(seed_store: Store) -> None:
    favor = pairs(rows(seed_store, "stances-on-proposition", proposition="us-military-retaliation-jan-8", polarity="favor"), "holder")
    assert favor == {(E("thomas-warrick"),)}
    taji = pairs(rows(seed_store, "stances-on-proposition", proposition="us-retaliation-camp-taji"), "holder", "polarityLabel")
    # 004: "Iran and its allies may be trying to force a U.S. military response"; Milley: "options are
    # on the table"; the authors: Trump "may have a strong urge to act", but "there’s no predicting
    # what Trump will do"
    assert {(E("iran"), "favor"), (E("mark-milley"), "favor"), (E("asfandyar-mir"), "favor"),
            (E("ramzy-mardini"), "none")} <= taji
    # Milley's "options are on the table" answers the attack of Wednesday night (11 March) and is in the
    # article of 12 March: March, as the text allows; the authors' own stances have no date of their own
    dated = pairs(rows(seed_store, "stances-on-proposition", proposition="us-retaliation-camp-taji"), "holder", "statedOn", "reportedOn")
    assert (E("mark-milley"), "2020-03", "2020-03-12") in dated
    assert {(h, s) for h, s, _ in dated if h in (E("asfandyar-mir"), E("ramzy-mardini"))} == {(E("asfandyar-mir"), ""), (E("ramzy-mardini"), "")}


def test_retaliation_debate(seed_store: Store) -> None:
    jan8 = rows(seed_store, "retaliation-debate", attack="iran-missile-strikes-2020-01-08")
    assert pairs(jan8, "holder", "polarityLabel") == {(f"{ID}article/000/author", "against"), (E("william-wechsler"), "against"),
                                                     (E("c-anthony-pfaff"), "against"), (E("thomas-warrick"), "favor")}
    conditions = {r["condition"] for r in jan8 if "condition" in r}
    assert "if there had been significant US casualties" in conditions  # Warrick
    assert any(c.startswith("If Iran’s ballistic missile attack on two U.S. military bases in Iraq overnight is the totality") for c in conditions)
    assert pairs(jan8, "article", "reportedOn") == {(A("000"), "2020-01-08"), (A("002"), "2020-01-08"), (A("003"), "2020-01-08")}
    taji = rows(seed_store, "retaliation-debate", attack="camp-taji-rocket-attack-2020-03-11")
    assert {r["article"] for r in taji} == {A("004")} and (E("mark-milley"), "favor") in pairs(taji, "holder", "polarityLabel")
    assert (E("mark-milley"), "2020-03", "2020-03-12") in pairs(taji, "holder", "statedOn", "reportedOn")
    assert rows(seed_store, "retaliation-debate", attack="abqaiq-attack-2019-09-14") == []  # nobody debated answering Abqaiq


def test_retaliation_framing(seed_store: Store) -> None:
    found = rows(seed_store, "retaliation-framing", relation="retaliationFor")
    jan8 = {r["claimant"] for r in found if r["event"] == EV("iran-missile-strikes-2020-01-08")}
    # 000: "the totality of its retaliation for Qassem Soleimani’s killing"; 002: Iran "was able to
    # boast ... had been avenged" (Warrick), Kadhim: "the place of retaliation", Dagres: missiles
    # "around the same time ... Soleimani was assassinated", Pfaff: "Iran retaliated for the killing"
    assert {f"{ID}article/000/author", E("iran"), E("abbas-kadhim"), E("holly-dagres"), E("c-anthony-pfaff")} <= jan8
    # 004: "some may view this attack as more Iranian retaliation for Soleimani’s slaying"
    assert (EV("camp-taji-rocket-attack-2020-03-11"), EV("soleimani-killing-2020-01-03"), A("004")) in pairs(found, "event", "earlier", "article")
    assert {r["polarityLabel"] for r in found} == {"affirmed"}
    responses = pairs(rows(seed_store, "retaliation-framing", relation="responseTo"), "event", "earlier")
    # 001: "Escalating its response to the killing of Gen. Qassem Soleimani, Iran took two new steps"
    assert (EV("us-embassy-baghdad-rocket-attack-2020-01-05"), EV("soleimani-killing-2020-01-03")) in responses
    assert all(r[0] != EV("camp-taji-rocket-attack-2020-03-11") or r[1] != EV("soleimani-killing-2020-01-03") for r in responses)


def test_threats(seed_store: Store) -> None:
    found = rows(seed_store, "threats")
    telegram = [r for r in found if r["threat"] == EV("irgc-telegram-threat-2020-01-08")]
    # 002 (Warrick): "The IRGC said on its Telegram channel that if the United States responded to
    # this attack by bombing Iranian territory, the IRGC’s third wave would target Haifa, Israel, and Dubai."
    assert {r["speaker"] for r in telegram} == {E("irgc")}
    assert {r["channelLabel"] for r in telegram} == {"Telegram"}
    assert {r["condition"] for r in telegram} == {"if the United States responded to this attack by bombing Iranian territory"}
    # the target the text names is Israel (Haifa and Dubai are target places; no addressee is named)
    assert {r["threatened"] for r in telegram} == {E("israel")}
    tweet = next(r for r in found if r["threat"] == EV("trump-tweet-iranian-cultural-sites-2020-01-04"))
    assert (tweet["speaker"], tweet["threatened"], tweet["condition"], tweet["channelLabel"], tweet["date"]) == (
        E("donald-trump"), E("iran"), "if Iran struck any Americans", "tweet", "2020-01-04")
    # 001: "Britain and France having warned Iran that they would reimpose sanctions should it take the step"
    assert {(E("united-kingdom"), E("iran")), (E("france"), E("iran"))} <= pairs(
        [r for r in found if r["threat"] == EV("uk-france-warn-iran-sanctions")], "speaker", "threatened")
    # 004: "The United States has threatened Baghdad with sanctions if the Iraqi government were to kick out its troops"
    assert "if the Iraqi government were to kick out its troops" in {r.get("condition") for r in found
                                                                    if r["threat"] == EV("us-threatens-iraq-with-sanctions")}


def test_statements_by_channel(seed_store: Store) -> None:
    tweets = pairs(rows(seed_store, "statements-by-channel", channel="tweet"), "date", "speaker")
    # 002: Zarif "tweeted shortly after the attack"; Trump "tweeting that he would comment on January
    # 8" on the night of January 7; Warrick: Trump "tweeted on January 4"
    assert tweets == {("2020-01-08", E("javad-zarif")), ("2020-01-07", E("donald-trump")), ("2020-01-04", E("donald-trump"))}
    telegram = rows(seed_store, "statements-by-channel", channel="telegram")
    assert pairs(telegram, "statement", "speaker") == {(EV("irgc-telegram-threat-2020-01-08"), E("irgc"))}
    assert "on its Telegram channel" in telegram[0]["quote"]


def test_source_disagreements(seed_store: Store) -> None:
    found = rows(seed_store, "source-disagreements")
    # Iraqi casualties of 8 January: 000 "Neither U.S. nor Iraqi forces appear to have suffered any
    # casualties", and in 002 "According to US and Iraqi officials, there are no confirmed casualties
    # among either US or Iraqi servicemembers", Kadhim "the attacks thankfully left no casualties" and
    # Pfaff "The Iranian missile strikes caused no casualties" (of anyone: every nationality), against
    # Warrick in 002: "The death of Iraqis is, of course, a terrible thing." No date disagrees: 004's
    # 'early January' holds the 3 and 8 January of 002 and 003, 000's 'overnight' holds 8 January.
    strikes = EV("iran-missile-strikes-2020-01-08")
    warrick = "at-least 1 killed (per Thomas S. Warrick)"
    # and two speakers of 002 on who started it: "Iran has tried to portray itself as an innocent
    # victim not responsible for the original attacks that started this current cycle of
    # escalation" (Iran denies), Pfaff: "No one seriously believes them." (he affirms)
    started = "event/original-attacks-of-escalation-cycle"
    assert {(r["subject"], r["property"], r["article1"], r["value1"], r["article2"], r["value2"]) for r in found} == {
        (strikes, "casualties (iraq)", A("000"), "none-reported 0 casualties (per author of article 000)", A("002"), warrick),
        (strikes, "casualties (iraq)", A("002"), "none-reported 0 casualties (per US and Iraqi officials)", A("002"), warrick),
        (strikes, "casualties (iraq)", A("002"), warrick, A("002"), "exact 0 casualties (per Abbas Kadhim)"),
        (strikes, "casualties (iraq)", A("002"), warrick, A("002"), "exact 0 casualties (per C. Anthony Pfaff)"),
        (E("iran"), "responsibleFor", A("002"), f"affirmed: {started}", A("002"), f"denied: {started}")}
    kadhim = next(r for r in found if "Kadhim" in r["value2"])
    assert (kadhim["quote1"], kadhim["quote2"]) == ("The death of Iraqis is, of course, a terrible thing.", "the attacks thankfully left no casualties")
    claim = next(r for r in found if r["property"] == "responsibleFor")
    assert claim["quote1"] == "No one seriously believes them." and claim["quote2"].startswith("Iran has tried to portray itself as an innocent victim")
    # counts that can both be true are no disagreement: Warrick's own "initial indications have not
    # spoken of US casualties" against 004's "failed to kill any Americans", 004's three coalition
    # personnel killed against its "two American and one British"
    assert not [r for r in found if "initial indications" in r["quote1"] + r["quote2"]]
    assert not [r for r in found if r["subject"] == EV("camp-taji-rocket-attack-2020-03-11")]


def test_multi_source_stances(seed_store: Store) -> None:
    every = rows(seed_store, "multi-source-stances", every_article=True)
    for r in every:  # each row counts the articles its stance has evidence in
        assert r["articles"] == str(len({s["article"] for s in every if s["stance"] == r["stance"]})) != "1"
    found = rows(seed_store, "multi-source-stances")
    by_stance: dict[str, set[str]] = {}
    for r in found:
        by_stance.setdefault(r["stance"], set()).add(r["article"])
    # 003 is Wechsler's section of 002 word for word: each of his stances rests on both
    assert by_stance[ST("wechsler-against-us-retaliation-jan-8")] == {A("002"), A("003")}
    assert by_stance[ST("wechsler-us-iranian-dialogue-needed")] == {A("002"), A("003")}
    # Zarif's "completed" retaliation (000) is his tweet that Iran "took and concluded" measures (002)
    assert by_stance[ST("zarif-iran-retaliation-concluded")] == {A("000"), A("002")}
    assert all(arts in ({A("002"), A("003")}, {A("000"), A("002")}) for arts in by_stance.values())


def test_entity_mentions_with_sentences(seed_store: Store) -> None:
    found = rows(seed_store, "entity-mentions", entity="ali-khamenei")
    assert [(r["article"], r["mention"], r["sentence"]) for r in found] == [
        (A("000"), "Ali Khamenei", ("While Iranian Foreign Minister Javad Zarif describes a “completed” retaliation, "
                                    "Supreme Leader Ali Khamenei says the strikes are an insufficient response alone.")),
        (A("000"), "Khamenei", "But Khamenei may yet order new action, even if Rouhani and Zarif oppose escalation."),
        (A("001"), "Ali Khamenei", ("Soleimani was a near-unique theological-political-military figure for the Iranian regime, "
                                    "matched only by Supreme Leader Ayatollah Ali Khamenei.")),
        (A("002"), "Ali Khamenei", "Iranian Supreme Leader Ali Khamenei had promised that a “harsh retaliation is waiting” after the assassination."),
        (A("002"), "Ali Khamenei", "Image: Iran's Supreme Leader Ayatollah Ali Khamenei delivers a speech during a gathering in Tehran, Iran, January 8, 2020."),
        (A("002"), "Khamenei", "Official Khamenei website/Handout via REUTERS"),
    ]
    text = (SEEDS / "articles" / "000_d268bd204bce5912.txt").read_text(encoding="utf-8")
    assert text[int(found[0]["start"]):int(found[0]["stop"])] == "Ali Khamenei"


def test_entity_mentions_under_another_spelling(seed_store: Store) -> None:
    found = rows(seed_store, "entity-mentions", entity="erbil-governorate")
    # 002 (Warrick) writes "Irbil province"
    assert [(r["article"], r["mention"]) for r in found] == [(A("002"), "Irbil province")]
    assert found[0]["sentence"].endswith("at Iraqi bases in the predominantly Sunni Anbar province and the predominantly Kurdish Irbil province.")
    # 001: "Gen. Qassem Soleimani" -- 'Gen.' does not end the sentence
    soleimani = rows(seed_store, "entity-mentions", entity="qassem-soleimani")
    assert ("Escalating its response to the killing of Gen. Qassem Soleimani, Iran took two new steps against America on Sunday."
            in {r["sentence"] for r in soleimani})
    assert {"Qassem Soleimani", "Qasem Soleimani", "Qasim Soleimani", "Soleimani"} <= {r["mention"] for r in soleimani}


def test_people_roles(seed_store: Store) -> None:
    iran = pairs(rows(seed_store, "people-roles", organisation="iran"), "person", "title")
    # 000: "Iranian Foreign Minister Javad Zarif", "Supreme Leader Ali Khamenei", "President Hassan Rouhani"
    assert {(E("javad-zarif"), "Foreign Minister"), (E("ali-khamenei"), "Supreme Leader"), (E("hassan-rouhani"), "President")} <= iran
    hariri = pairs(rows(seed_store, "people-roles", organisation="rafik-hariri-center"), "person", "article")
    # 002: "William F. Wechsler, director of the Rafik Hariri Center ..."; "Thomas S. Warrick,
    # nonresident senior fellow with the Rafik Hariri Center"; 003: "Wechsler is the director of ..."
    assert hariri == {(E("william-wechsler"), A("002")), (E("william-wechsler"), A("003")), (E("thomas-warrick"), A("002"))}
    everyone = rows(seed_store, "people-roles")
    # 004: "Asfandyar Mir (@asfandyarmir) is a postdoctoral fellow at the Center for International Security and Cooperation"
    assert (E("asfandyar-mir"), "postdoctoral fellow", E("cisac")) in pairs(everyone, "person", "title", "in")
    # 004: "CIA Director Gina Haspel", "Joint Chiefs Chairman Gen. Mark Milley"
    assert {(E("gina-haspel"), "CIA Director", E("cia")), (E("mark-milley"), "Joint Chiefs Chairman", E("joint-chiefs-of-staff"))} \
        <= pairs(everyone, "person", "title", "in")
    # a role is held in an organisation or state of the registry, never in a term of the ontology (the
    # known bug listed ckg:annotationMethod as one); a role the article places nowhere has no 'in'
    # (001: "Gen. Qassem Soleimani")
    for reasoning in ("owlrl", "none"):
        held_in = {r["in"] for r in rows(seed_store, "people-roles", reasoning=reasoning) if r.get("in")}
        assert held_in and all(i.startswith(E("")) for i in held_in), sorted(held_in)
    assert (E("qassem-soleimani"), "Gen.", A("001"), "") in pairs(everyone, "person", "title", "article", "in")


def test_proxies_and_allies(seed_store: Store) -> None:
    iran = pairs(rows(seed_store, "proxies-and-allies", state="iran"), "actor", "relationName", "article")
    # 001: "Iranian-directed militias"; 004: "suspected Iranian-backed Iraqi groups", "Abu Mahdi
    # al-Muhandis, Iran’s top Iraqi militia ally"; 002 (Kadhim): "its Iraqi proxies"
    assert {(E("iran-backed-iraqi-militias"), "proxyOf", A("001")), (E("iran-backed-iraqi-militias"), "backedBy", A("004")),
            (E("abu-mahdi-al-muhandis"), "allyOf", A("004"))} <= iran
    us = pairs(rows(seed_store, "proxies-and-allies", state="united-states"), "actor", "relationName")
    assert us == {(E("mustafa-kadhimi"), "allyOf")}  # 004: "Kadhimi is considered a U.S. ally"


def test_escalation_curve(seed_store: Store) -> None:
    found = rows(seed_store, "escalation-curve")
    best = {r["event"]: (r["date"], r["precision"], r["earliest"], r["latest"], r["cameo"], Decimal(r["goldstein"])) for r in found}
    # Goldstein scores of the CAMEO codes: assassinate -10, fight with artillery and tanks -10,
    # employ aerial weapons -10, threaten with military force -7, optimistic comment +0.4. The date
    # is the most precise one the sources give: 002's day for the killing ("in the early morning of
    # January 3"), not 004's 'early January'; 002's and 003's 8 January for the strikes, not 000's
    # 'overnight' (7 or 8 January) nor 004's 'early January'
    assert best[EV("soleimani-killing-2020-01-03")] == ("2020-01-03", "day", "2020-01-03", "2020-01-03", "186", Decimal(-10))
    assert best[EV("iran-missile-strikes-2020-01-08")] == ("2020-01-08", "day", "2020-01-08", "2020-01-08", "195", Decimal(-10))
    assert {r["article"] for r in found if r["event"] == EV("iran-missile-strikes-2020-01-08")} == {A("002"), A("003")}
    assert best[EV("camp-taji-rocket-attack-2020-03-11")] == ("2020-03-11", "day", "2020-03-11", "2020-03-11", "194", Decimal(-10))
    assert best[EV("trump-tweet-iranian-cultural-sites-2020-01-04")][4:] == ("138", Decimal(-7))
    assert best[EV("trump-all-is-well-tweet-2020-01-07")][4:] == ("013", Decimal("0.4"))  # "all is well!"
    # 002: Khamenei "had promised" a "harsh retaliation" "after the assassination", before the
    # strikes: a span of January, placed after the killing it answers
    assert best[EV("khamenei-harsh-retaliation-threat")][:4] == ("2020-01", "month", "2020-01-03", "2020-01-08")
    spans = [(r["earliest"], r["latest"]) for r in found]
    assert spans == sorted(spans)
    events = [r["event"] for r in found]
    assert events.index(EV("soleimani-killing-2020-01-03")) < events.index(EV("khamenei-harsh-retaliation-threat"))
    later = rows(seed_store, "escalation-curve", since="2020-03-01")
    assert EV("camp-taji-rocket-attack-2020-03-11") in {r["event"] for r in later}
    assert EV("soleimani-killing-2020-01-03") not in {r["event"] for r in later}
    assert all(r["latest"] >= "2020-03-01" for r in later)  # a span that reaches into March counts


def test_days_between(seed_store: Store) -> None:
    found = rows(seed_store, "days-between")
    # 002: Soleimani killed "in the early morning of January 3"; 004: Camp Taji attacked "On
    # Wednesday night" before 12 March 2020, i.e. 11 March: 28 + 29 (leap year) + 11 = 68 days.
    # 004 itself dates the killing only 'in early January', any day of January: 40 (from 31
    # January) to 70 days (from 1 January).
    assert pairs(found, "fewest", "most", "precision1", "article1", "article2") == {
        ("68", "68", "day", A("002"), A("004")), ("40", "70", "month", A("004"), A("004"))}
    five = pairs(rows(seed_store, "days-between", first="soleimani-killing-2020-01-03", second="iran-missile-strikes-2020-01-08"),
                 "fewest", "most", "precision1", "precision2", "article1", "article2")
    # 3 January to 8 January: 002 "early in the morning of January 8" and 003 "the January 8 Iranian
    # missile attacks", 5 days; 000's "overnight" (7 or 8 January), 4 or 5; 004's 'early January', a
    # month: from 2 days before the killing (1 January) to 28 days after (31 January)
    assert {("5", "5", "day", "day", A("002"), A("002")), ("5", "5", "day", "day", A("002"), A("003")),
            ("4", "5", "day", "range", A("002"), A("000")), ("-2", "28", "day", "month", A("002"), A("004"))} <= five
    # 002: Khamenei "had promised" his "harsh retaliation" "after the assassination" (and before the
    # strikes of 8 January): 0 to 5 days after the killing, never the 7 of counting from 1 January
    harsh = pairs(rows(seed_store, "days-between", first="soleimani-killing-2020-01-03", second="khamenei-harsh-retaliation-threat"),
                  "fewest", "most", "precision1", "precision2", "article1")
    assert ("0", "5", "day", "month", A("002")) in harsh
    # 004: Milley's "options are on the table" after the attack of 11 March, by the article of 12
    # March (month precision, narrowed by the text): 68 or 69 days after 3 January
    milley = pairs(rows(seed_store, "days-between", first="soleimani-killing-2020-01-03", second="milley-options-on-the-table-2020-03"),
                   "fewest", "most", "precision2", "article1")
    assert ("68", "69", "month", A("002")) in milley
    back = rows(seed_store, "days-between", first="camp-taji-rocket-attack-2020-03-11", second="abqaiq-attack-2019-09-14")
    # 14 September 2019 is 179 days before 11 March 2020: both exact days, so fewest = most
    assert [(r["fewest"], r["most"]) for r in back] == [("-179", "-179")]


def test_unique_assertions(seed_store: Store) -> None:
    only003 = rows(seed_store, "unique-assertions", article="003")
    # 003 repeats Wechsler's section of 002 word for word: what only 003 says is his byline's title,
    # and the stance of its own unnamed source, "some elements of its own military" (an unnamed
    # source is an agent of its article only: 002's words of the same name are another agent's)
    assert pairs(only003, "kind", "item") == {("role", next(r["item"] for r in only003 if r["kind"] == "role")),
                                             ("stance", ST("a003-iranian-military-elements-prefer-greater-damage"))}
    role = next(r for r in only003 if r["kind"] == "role")
    assert "director of the Rafik Hariri Center for the Middle East and Middle East Programs" in role["text"]
    only004 = pairs(rows(seed_store, "unique-assertions"), "kind", "item")
    # 004 alone reports the Camp Taji attack and Milley's "options are on the table"
    assert {("event", EV("camp-taji-rocket-attack-2020-03-11")), ("event", EV("milley-options-on-the-table-2020-03"))} <= only004
    # the Soleimani killing is in 000, 001, 002 and 004: not unique
    assert ("event", EV("soleimani-killing-2020-01-03")) not in only004
    only001 = {item for kind, item in pairs(rows(seed_store, "unique-assertions", article="001"), "kind", "item") if kind == "event"}
    # 001 alone: the embassy rockets and the Iraqi parliament's vote on Sunday
    assert {EV("us-embassy-baghdad-rocket-attack-2020-01-05"), EV("iraqi-parliament-vote-2020-01-05")} <= only001
    assert EV("jcpoa-2015") not in only001  # 000 names "the 2015 nuclear accord" too


def test_actor_events(seed_store: Store) -> None:
    irgc = pairs(rows(seed_store, "actor-events", actor="irgc"), "event", "roleName")
    # 002: the IRGC "fired at least a dozen missiles"; "In a statement taking responsibility for the
    # attack, the IRGC warned ..."; the IRGC "said on its Telegram channel ..."
    assert {(EV("iran-missile-strikes-2020-01-08"), "attacker"), (EV("irgc-statement-2020-01-08"), "claimant"),
            (EV("irgc-telegram-threat-2020-01-08"), "speaker")} <= irgc
    trump = {e for e, _ in pairs(rows(seed_store, "actor-events", actor="donald-trump"), "event", "roleName")}
    assert {EV("trump-tweet-iranian-cultural-sites-2020-01-04"), EV("trump-all-is-well-tweet-2020-01-07")} <= trump


def test_event_sources(seed_store: Store) -> None:
    found = rows(seed_store, "event-sources")
    # the 8 January strikes are reported by 000 ("overnight"), 002, 003 ("After the January 8 Iranian
    # missile attacks on Iraq") and 004 ("In early January ...")
    assert {r["article"] for r in found} == {A("000"), A("002"), A("003"), A("004")}
    # with the quotes of its counts and damage: 002's "at least a dozen missiles" and Pfaff's "only minor damage"
    assert {"at least a dozen missiles", "only minor damage"} <= {r["quote"] for r in found if r["article"] == A("002")}
    # the date each gives, as written: 004 a month, 000 'overnight' before 8 January, 002 and 003 the day
    assert pairs(found, "article", "date", "precision") == {
        (A("000"), "2020-01-07/2020-01-08", "range"), (A("002"), "2020-01-08", "day"), (A("003"), "2020-01-08", "day"),
        (A("004"), "2020-01", "month")}
    taji = rows(seed_store, "event-sources", event="camp-taji-rocket-attack-2020-03-11")
    assert {r["article"] for r in taji} == {A("004")}
    assert {"The attack killed three coalition personnel, two American and one British.",
            "around 18 small Katyusha rockets"} <= {r["quote"] for r in taji}


def test_articles(seed_store: Store) -> None:
    found = rows(seed_store, "articles", every_article=True)
    # every article file, with its authors (an unsigned article has its own "author of article NNN")
    assert pairs(found, "key", "author") == {(key, E(author) if author else f"{ID}article/{key}/author")
                                            for key, doc in annotations().items() for author in doc["article"]["authors"] or [None]}
    got = pairs([r for r in found if r["key"] in FIVE], "key", "published", "author")
    # 000 and 001 are unsigned; 002 is the Atlantic Council's expert round-up (unsigned); 003 is
    # Wechsler's; 004 is by Asfandyar Mir and Ramzy Mardini, "- March 12, 2020"
    # 001 gives no day: 'on Sunday' (5 January) and not yet the strikes of 8 January: 5 to 7 January
    assert got == {("000", "2020-01-08", f"{ID}article/000/author"), ("001", "2020-01-05/2020-01-07", f"{ID}article/001/author"),
                   ("002", "2020-01-08", f"{ID}article/002/author"), ("003", "2020-01-08", E("william-wechsler")),
                   ("004", "2020-03-12", E("asfandyar-mir")), ("004", "2020-03-12", E("ramzy-mardini"))}
    assert pairs([r for r in found if r["key"] in FIVE], "key", "precision") == {
        ("000", "day"), ("001", "range"), ("002", "day"), ("003", "day"), ("004", "day")}
    assert all(r["derivation"] for r in found)
    assert {r.get("publisherLabel") for r in found if r["key"] == "002"} == {"Atlantic Council"}
    assert {r["authorLabel"] for r in found if r["key"] == "000"} == {"author of article 000"}


def test_dates_by_precision(seed_store: Store) -> None:
    years = pairs(rows(seed_store, "dates-by-precision", precision="year"), "event", "date", "earliest", "latest")
    # 000/001: "the 2015 nuclear accord"; 001: "President Trump’s 2018 withdrawal"; "ISIS 2013 rise to power":
    # the year as written, every day of it possible
    assert {(EV("jcpoa-2015"), "2015", "2015-01-01", "2015-12-31"), (EV("us-withdrawal-from-jcpoa-2018"), "2018", "2018-01-01", "2018-12-31"),
            (EV("isis-rise-2013"), "2013", "2013-01-01", "2013-12-31")} <= years
    days = rows(seed_store, "dates-by-precision")
    sunday = next(r for r in days if r["event"] == EV("iraqi-parliament-vote-2020-01-05"))
    assert sunday["date"] == "2020-01-05" and "Sunday" in sunday["derivation"]
    # 001's own date is a range (written 5 to 7 January)
    assert sunday["published"] == "2020-01-05/2020-01-07"
    months = {r["event"] for r in rows(seed_store, "dates-by-precision", precision="month")}
    assert EV("soleimani-killing-2020-01-03") in months  # 004: "in early January"
    assert not months & {r["event"] for r in days if r["event"] == EV("camp-taji-rocket-attack-2020-03-11")}
    # a range of days: 000's attack "overnight", in the article of 8 January: the night of 7 to 8 January
    ranges = rows(seed_store, "dates-by-precision", precision="range")
    assert (EV("iran-missile-strikes-2020-01-08"), "2020-01-07/2020-01-08", "2020-01-07", "2020-01-08", A("000")) in pairs(
        ranges, "event", "date", "earliest", "latest", "article")
    assert all("/" in r["date"] for r in ranges)


def test_approximate_counts(seed_store: Store) -> None:
    found = rows(seed_store, "approximate-counts")
    got = pairs(found, "event", "qualifier", "count", "reportedBy", "article", "quote")
    taji, strikes = EV("camp-taji-rocket-attack-2020-03-11"), EV("iran-missile-strikes-2020-01-08")
    authors004 = "Asfandyar Mir and Ramzy Mardini"
    none_us_iraq = "there are no confirmed casualties among either US or Iraqi servicemembers at either the Asad or Erbil bases"
    red_line = "The central US red line—the death of another American on Iranian orders— does not appear to have been crossed in this rocket attack."
    # every count not given as an exact number, with who gives it. 004: "around 18 small Katyusha
    # rockets", "It also injured nearly a dozen more personnel."; 002: the IRGC "fired at least a dozen
    # missiles", and Warrick's "The death of Iraqis" (no number, so at least one); the counts of
    # what was not reported (none-reported, 0): 000 "Neither U.S. nor Iraqi forces appear to have
    # suffered any casualties" (two nationalities, one quote), 002 "According to US and Iraqi
    # officials, there are no confirmed casualties among either US or Iraqi servicemembers" (two),
    # Warrick "initial indications have not spoken of US casualties", Dagres "no reported loss of
    # American life", Wechsler's red line "does not appear to have been crossed" (002 and 003)
    assert got == {(taji, "approximately", "18", authors004, A("004"), "around 18 small Katyusha rockets"),
                   (taji, "nearly", "12", authors004, A("004"), "It also injured nearly a dozen more personnel."),
                   (strikes, "at-least", "12", "author of article 002", A("002"), "at least a dozen missiles"),
                   (strikes, "at-least", "1", "Thomas S. Warrick", A("002"), "The death of Iraqis is, of course, a terrible thing."),
                   (strikes, "none-reported", "0", "author of article 000", A("000"), "Neither U.S. nor Iraqi forces appear to have suffered any casualties"),
                   (strikes, "none-reported", "0", "US and Iraqi officials", A("002"), none_us_iraq),
                   (strikes, "none-reported", "0", "Thomas S. Warrick", A("002"), "initial indications have not spoken of US casualties"),
                   (strikes, "none-reported", "0", "Holly Dagres", A("002"), "there was no reported loss of American life at the bases in Iraq"),
                   (strikes, "none-reported", "0", "William F. Wechsler", A("002"), red_line),
                   (strikes, "none-reported", "0", "William F. Wechsler", A("003"), red_line)}
    assert {r["what"] for r in found if r["quote"] in ("at least a dozen missiles", "around 18 small Katyusha rockets")} == {"munitions"}
    assert {r.get("attribution") for r in found if r["reportedBy"] == "US and Iraqi officials"} == {"According to US and Iraqi officials"}
    assert len([r for r in found if r["quote"] == none_us_iraq]) == 2  # the US and the Iraqi count


def test_event_map(seed_store: Store) -> None:
    found = rows(seed_store, "event-map")
    places = pairs(found, "event", "place")
    assert (EV("camp-taji-rocket-attack-2020-03-11"), E("camp-taji")) in places
    assert {(EV("iran-missile-strikes-2020-01-08"), E("ain-al-asad-air-base")), (EV("iran-missile-strikes-2020-01-08"), E("erbil-air-base"))} <= places
    # the registry's points (registry.yaml: camp-taji [33.52, 44.26], ain-al-asad-air-base
    # [33.786, 42.441], erbil-air-base [36.237, 43.963]) as decimals, every digit kept
    assert {(E("camp-taji"), "33.52", "44.26"), (E("ain-al-asad-air-base"), "33.786", "42.441"),
            (E("erbil-air-base"), "36.237", "43.963")} <= pairs(found, "place", "lat", "long")
    answer = get_query("event-map").run(seed_store)
    assert answer.rows and all(r[c].datatype == XSD.decimal for r in answer.rows for c in ("lat", "long"))


def test_find_entity(seed_store: Store) -> None:
    irbil = pairs(rows(seed_store, "find-entity", text="irbil"), "entity", "name")
    assert irbil == {(E("erbil"), "Irbil"), (E("erbil-governorate"), "Irbil province")}
    soleimani = rows(seed_store, "find-entity")
    assert {r["name"] for r in soleimani if r["entity"] == E("qassem-soleimani")} == {
        "Qassem Soleimani", "Qasem Soleimani", "Qasim Soleimani", "Soleimani"}


def test_responsibility(seed_store: Store) -> None:
    got = pairs(rows(seed_store, "responsibility"), "event", "actor", "claimantLabel")
    # 004: "the U.S. military believes Iraqi militia groups backed by Iran launched the attack";
    # 002: the IRGC's "statement taking responsibility for the attack"
    assert {(EV("camp-taji-rocket-attack-2020-03-11"), E("iran-backed-iraqi-militias"), "U.S. military"),
            (EV("iran-missile-strikes-2020-01-08"), E("irgc"), "Islamic Revolutionary Guard Corps"),
            (EV("abqaiq-attack-2019-09-14"), E("iran"), "Thomas S. Warrick")} <= got
    # 004: "no group has claimed responsibility": denied of any actor, by the article's two authors
    nobody = {(r["actorLabel"], r["relation"], r["polarityLabel"], r["claimantLabel"]) for r in rows(seed_store, "responsibility")
              if r["event"] == EV("camp-taji-rocket-attack-2020-03-11") and "actor" not in r}
    assert nobody == {("any actor", "claimed responsibility for", "denied", "Asfandyar Mir"),
                      ("any actor", "claimed responsibility for", "denied", "Ramzy Mardini")}


def test_conditional_stances(seed_store: Store) -> None:
    got = pairs(rows(seed_store, "conditional-stances"), "stance", "condition")
    # 001: "As long as American citizens are not seriously wounded or killed, U.S. interests are best
    # served by allowing the Iranians to fire off a few rockets and vent."
    assert (ST("a001-let-iranians-vent"), "As long as American citizens are not seriously wounded or killed") in got
    assert (ST("wechsler-against-us-retaliation-jan-8"), "As long as Iran is assessed to be willing and able to take these actions") in got


def test_recommendations(seed_store: Store) -> None:
    wechsler = pairs(rows(seed_store, "recommendations", holder="william-wechsler"), "propositionLabel", "polarityLabel")
    # "the United States should not retaliate militarily"; "This is not a time to be threatening Iraq with US sanctions"
    assert {("US military retaliation for Iran's 8 January 2020 missile strikes", "against"), ("US sanctions on Iraq", "against")} <= wechsler
    pfaff = pairs(rows(seed_store, "recommendations", holder="c-anthony-pfaff"), "propositionLabel", "polarityLabel")
    assert ("US military retaliation for Iran's 8 January 2020 missile strikes", "against") in pfaff  # "a huge mistake"
    everyone = {r["holderLabel"] for r in rows(seed_store, "recommendations")}
    assert {"William F. Wechsler", "C. Anthony Pfaff", "author of article 000", "author of article 001"} <= everyone


def test_holder_stances(seed_store: Store) -> None:
    found = rows(seed_store, "holder-stances")
    assert {r["article"] for r in found} == {A("002"), A("003")}
    khamenei = pairs(rows(seed_store, "holder-stances", holder="ali-khamenei"), "propositionLabel", "polarityLabel")
    # 000: the strikes are "an insufficient response alone"; 002: "a “harsh retaliation is waiting”"
    assert {("Iran's retaliation for Soleimani's killing is complete", "against"),
            ("A major Iranian retaliation for Soleimani's killing", "favor")} <= khamenei


@functools.cache
def stance_files() -> tuple[frozenset[str], dict[str, dict[str, Any]]]:
    """The registry's ids and every article's annotation, read once (``balance`` only reads them)."""
    return frozenset(e["id"] for e in yaml.safe_load((SEEDS / "registry.yaml").read_text(encoding="utf-8"))["entities"]), annotations()


def balance(proposition: str, keys: tuple[str, ...] | None = None) -> tuple[str, str, str, str]:
    """From the annotation files (of the articles ``keys``, default all): how many holders are for,
    against and neither on the proposition, and in how many articles."""
    registry, docs = stance_files()
    holders: dict[str, set[str]] = {"favor": set(), "against": set(), "none": set()}
    articles = set()
    for key, doc in docs.items():
        authors = doc["article"]["authors"] or [f"{key}/author"]  # an unsigned article's author is its own
        for st in doc.get("stances") or [] if keys is None or key in keys else []:
            if st["proposition"] == proposition:
                for h in st["holder"] if isinstance(st["holder"], list) else [st["holder"]]:
                    holders[st["polarity"]] |= set(authors) if h == "author" else {h if h in registry else f"{key}/{h}"}
                articles.add(key)
    return str(len(holders["favor"])), str(len(holders["against"])), str(len(holders["none"])), str(len(articles))


def test_stance_balance(seed_store: Store) -> None:
    found = {r["proposition"]: r for r in rows(seed_store, "stance-balance")}
    # against: 000's author, Wechsler, Pfaff; for: Warrick (conditionally); in 000, 002 and 003
    assert balance("us-military-retaliation-jan-8", FIVE) == ("1", "3", "0", "3")
    assert found.keys() == {f"{ID}proposition/{p}" for doc in annotations().values() for p in [st["proposition"] for st in doc.get("stances") or []]}
    for proposition, r in found.items():  # every proposition, counted in every article
        assert (r["favor"], r["against"], r["neither"], r["articles"]) == balance(key_of(proposition)), proposition


def test_places_in_country(seed_store: Store) -> None:
    iraq = pairs(rows(seed_store, "places-in-country"), "place", "within")
    assert {(E("camp-taji"), E("baghdad-governorate")), (E("ain-al-asad-air-base"), E("anbar-governorate")),
            (E("erbil-air-base"), E("erbil"))} <= iraq
    assert pairs(rows(seed_store, "places-in-country", country="israel"), "place") == {(E("haifa"),)}
    # registry.yaml: haifa [32.794, 34.990] (the decimal 34.99); tehran [35.6892, 51.3890]; a place with no point has neither
    assert pairs(rows(seed_store, "places-in-country", country="israel"), "lat", "long") == {("32.794", "34.99")}
    iran = {r["place"]: r for r in rows(seed_store, "places-in-country", country="iran")}
    assert (iran[E("tehran")]["lat"], iran[E("tehran")]["long"]) == ("35.6892", "51.389")
    assert all(("lat" in r) == ("long" in r) for r in iran.values())


def test_event_graph(seed_store: Store) -> None:
    result = get_query("event-graph").run(seed_store, {})
    triples = {(str(s), str(p), str(o)) for s, p, o in result.triples}
    ckg = PREFIXES["ckg"]
    taji = EV("camp-taji-rocket-attack-2020-03-11")
    assert (taji, f"{ckg}weapon", E("katyusha-rocket")) in triples
    assert (taji, f"{ckg}suspectedAttacker", E("iran-backed-iraqi-militias")) in triples
    assert (taji, f"{ckg}retaliationFor", EV("soleimani-killing-2020-01-03")) in triples
    assert (EV("milley-options-on-the-table-2020-03"), f"{ckg}responseTo", taji) in triples  # an incoming relation
    assert "around 18 small Katyusha rockets" in {o for s, p, o in triples if p.endswith("#anchorOf")}
    # its counts as nodes: 004's "around 18 small Katyusha rockets", given by its two authors (named)
    munitions = next(o for s, p, o in triples if s == taji and p == f"{ckg}munitions")
    assert {(p, o) for s, p, o in triples if s == munitions} >= {
        (f"{ckg}count", "18"), (f"{ckg}countQualifier", "approximately"), (f"{ckg}reportedBy", E("asfandyar-mir")),
        (f"{ckg}reportedBy", E("ramzy-mardini"))}
    assert (E("asfandyar-mir"), str(RDFS.label), "Asfandyar Mir") in triples
    # its date as written, with its precision and bounds
    assert {(p, o) for s, p, o in triples if s == taji} >= {
        (f"{ckg}dateValue", "2020-03-11"), (f"{ckg}datePrecision", "day"), (f"{ckg}earliestDate", "2020-03-11"), (f"{ckg}latestDate", "2020-03-11")}
    other = {(str(s), str(p), str(o)) for s, p, o in get_query("event-graph").run(seed_store, {"event": "abqaiq-attack-2019-09-14"}).triples}
    assert (EV("abqaiq-attack-2019-09-14"), f"{ckg}weapon", E("cruise-missile")) in other


# ------------------------------------------------------------------------------ dates as spans, counts that say who gives them
# tests/fixtures/fidelity: two invented articles with what the five do not (yet) have: a date
# disagreement, munitions from two speakers of one article, a count "more than" and one "none
# reported" against a positive count, unnamed sources, a range of months, a dated and an undated
# telling of one stance. The expected answers are read from its two texts (200_fortbeta.txt,
# 201_revisited.txt).

FIDELITY = Path(__file__).resolve().parent / "fixtures" / "fidelity"


@pytest.fixture(scope="session")
def fidelity_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from crisiskg.build.pipeline import build
    from crisiskg.query.answers import keep_answers

    out = tmp_path_factory.mktemp("fidelity-build")
    keep_answers(build(FIDELITY, out))
    return out


@pytest.fixture(scope="session")
def fidelity_store(fidelity_build_dir: Path) -> Store:
    return Store.open(fidelity_build_dir)


BETA, CAMPAIGN = EV("fort-beta-drone-attack"), EV("red-militia-campaign")


def test_fixture_timeline_places_imprecise_dates_as_spans(fidelity_store: Store) -> None:
    found = rows(fidelity_store, "timeline", every_article=True)
    # 201: "The Red Militia began its campaign in 2021"; 200 (20 May 2021): it "has attacked the area
    # since March", to the article: March to May; 201: the attack "took place in late April" (the
    # curator's 20 to 30 April); 200: "Drones struck Fort Beta ... on Monday", 17 May. In order of the spans.
    assert [(r["date"], r["precision"], r["earliest"], r["latest"], r["event"], r["article"]) for r in found] == [
        ("2021", "year", "2021-01-01", "2021-12-31", CAMPAIGN, A("201")),
        ("2021-03/2021-05", "range", "2021-03-01", "2021-05-31", CAMPAIGN, A("200")),
        ("2021-04", "month", "2021-04-20", "2021-04-30", BETA, A("201")),
        ("2021-05-17", "day", "2021-05-17", "2021-05-17", BETA, A("200"))]
    # since/until keep what may fall in the window: the campaign's spans reach into 1-10 May, the attack's dates do not
    window = rows(fidelity_store, "timeline", every_article=True, since="2021-05-01", until="2021-05-10")
    assert pairs(window, "event", "article") == {(CAMPAIGN, A("200")), (CAMPAIGN, A("201"))}
    assert pairs(rows(fidelity_store, "timeline", every_article=True, since="2021-04-30", until="2021-04-30"), "event", "article") == {
        (CAMPAIGN, A("200")), (CAMPAIGN, A("201")), (BETA, A("201"))}


def test_fixture_days_between_is_a_range(fidelity_store: Store) -> None:
    found = rows(fidelity_store, "days-between", every_article=True, first="fort-beta-drone-attack", second="red-militia-campaign")
    # second minus first: fewest = its earliest day less the first's latest, most = its latest less the first's earliest
    assert pairs(found, "fewest", "most", "date1", "article1", "date2", "article2") == {
        ("-77", "14", "2021-05-17", A("200"), "2021-03/2021-05", A("200")),   # 1 March .. 31 May, from 17 May
        ("-136", "228", "2021-05-17", A("200"), "2021", A("201")),             # 1 January .. 31 December, from 17 May
        ("-60", "41", "2021-04", A("201"), "2021-03/2021-05", A("200")),       # from 20-30 April
        ("-119", "255", "2021-04", A("201"), "2021", A("201"))}
    assert [(r["fewest"], r["most"]) for r in found] == sorted(((r["fewest"], r["most"]) for r in found), key=lambda fm: (int(fm[0]), int(fm[1])))
    same = rows(fidelity_store, "days-between", every_article=True, first="fort-beta-drone-attack", second="fort-beta-drone-attack")
    # a day with itself: 0; a day against "late April": 17 to 27 days earlier
    assert ("0", "0", A("200"), A("200")) in pairs(same, "fewest", "most", "article1", "article2")
    assert ("-27", "-17", A("200"), A("201")) in pairs(same, "fewest", "most", "article1", "article2")


def test_fixture_escalation_curve_takes_the_narrowest_date(fidelity_store: Store) -> None:
    found = rows(fidelity_store, "escalation-curve", every_article=True, since="2021-01-01")
    # the attack: 200's day rather than 201's ten days of April; the campaign: 200's three months
    # rather than 201's year
    assert pairs(found, "event", "date", "precision", "article", "cameo") == {
        (CAMPAIGN, "2021-03/2021-05", "range", A("200"), "190"), (BETA, "2021-05-17", "day", A("200"), "195")}
    assert [r["event"] for r in found] == [CAMPAIGN, BETA]
    assert [r["event"] for r in rows(fidelity_store, "escalation-curve", every_article=True, since="2021-05-18")] == [CAMPAIGN]


def test_fixture_dates_by_precision_admits_range(fidelity_store: Store) -> None:
    assert pairs(rows(fidelity_store, "dates-by-precision", every_article=True, precision="range"), "event", "date", "article", "published") == {
        (CAMPAIGN, "2021-03/2021-05", A("200"), "2021-05-20")}
    assert pairs(rows(fidelity_store, "dates-by-precision", every_article=True, precision="month"), "event", "earliest", "latest") == {
        (BETA, "2021-04-20", "2021-04-30")}


def test_fixture_source_disagreements(fidelity_store: Store) -> None:
    found = rows(fidelity_store, "source-disagreements", every_article=True)
    assert {(r["property"], r["article1"], r["value1"], r["article2"], r["value2"]) for r in found} == {
        # 200: "on Monday" (17 May) against 201: "in late April": spans that cannot both hold
        ("date", A("200"), "2021-05-17 (day)", A("201"), "2021-04 (month: 2021-04-20 to 2021-04-30)"),
        # 200, two speakers: "According to army officials, more than 20 drones" against "A local commander
        # put the number at 12"; 201's "About 24" against the commander's 12 (not against "more than 20")
        ("munitions", A("200"), "more-than 20 (per army officials)", A("200"), "exact 12 (per a local commander)"),
        ("munitions", A("200"), "exact 12 (per a local commander)", A("201"), "approximately 24 (per author of article 201)"),
        # "No casualties were reported among Southland soldiers, one military spokesman said" (0) against
        # the hospital official's "two Southland soldiers were killed" and 201's "killed at least one
        # Southland soldier" (which agree with each other)
        ("casualties (southland)", A("200"), "none-reported 0 casualties (per one military spokesman)", A("200"),
         "exact 2 killed (per a hospital official)"),
        ("casualties (southland)", A("200"), "none-reported 0 casualties (per one military spokesman)", A("201"),
         "at-least 1 killed (per author of article 201)"),
        # 200: "Fort Beta is a Southland base"; 201: "Fort Beta is not a Southland base"
        ("operatedBy", A("200"), "affirmed: entity/southland", A("201"), "denied: entity/southland")}
    # the campaign's "since March" (to May) and "in 2021" overlap: no disagreement
    assert not [r for r in found if r["subject"] == CAMPAIGN]


def test_fixture_counts_say_who_gives_them(fidelity_store: Store) -> None:
    approximate = rows(fidelity_store, "approximate-counts", every_article=True)
    # every count not exact: "more than 20 drones" (army officials, through "According to army
    # officials"), "No casualties were reported" (the spokesman, through "one military spokesman
    # said"), "at least three vehicles" (the article's author), 201's "About 24 drones" and "at least
    # one Southland soldier"; not the commander's 12, the hospital's two nor "two hangars"
    assert pairs(approximate, "what", "qualifier", "count", "reportedBy", "attribution", "article") == {
        ("munitions", "more-than", "20", "army officials", "According to army officials", A("200")),
        ("casualties: Southland soldiers", "none-reported", "0", "one military spokesman", "one military spokesman said", A("200")),
        ("vehicles", "at-least", "3", "author of article 200", "", A("200")),
        ("munitions", "approximately", "24", "author of article 201", "", A("201")),
        ("killed", "at-least", "1", "author of article 201", "", A("201"))}
    casualties = rows(fidelity_store, "attack-casualties", every_article=True, nationality="southland")
    assert pairs(casualties, "status", "count", "qualifier", "reportedBy", "article") == {
        ("casualties", "0", "none-reported", "one military spokesman", A("200")), ("killed", "2", "exact", "a hospital official", A("200")),
        ("killed", "1", "at-least", "author of article 201", A("201"))}
    attacks = rows(fidelity_store, "attacks", every_article=True)
    # two speakers in one article: two munition counts, two rows
    assert pairs([r for r in attacks if r["attack"] == BETA and r["article"] == A("200")], "munitions", "munitionsQualifier") == {("20", "more-than"), ("12", "exact")}


def test_fixture_stances_are_dated_only_by_their_text(fidelity_store: Store) -> None:
    found = rows(fidelity_store, "stances-on-proposition", every_article=True, proposition="southland-retaliation")
    # 200: "Analyst Jane Roe said in April that Southland should not retaliate": stated in April,
    # reported on 20 May; 201: "Jane Roe still says ...": no date of its own, reported on 2 June
    assert pairs(found, "holder", "statedOn", "reportedOn", "article") == {
        (E("jane-roe"), "2021-04", "2021-05-20", A("200")), (E("jane-roe"), "", "2021-06-02", A("201"))}
    # an unnamed source holds a stance: "Officials say Southland should strengthen its defences"
    officials = f"{ID}article/200/source/officials"
    held = rows(fidelity_store, "holder-stances", every_article=True, holder=officials)
    assert pairs(held, "propositionLabel", "polarityLabel", "statedOn", "reportedOn") == {
        ("Southland strengthens its defences", "favor", "", "2021-05-20")}
    assert ("officials", "favor") in pairs(rows(fidelity_store, "recommendations", every_article=True), "holderLabel", "polarityLabel")


def test_fixture_event_graph_names_who_gives_what(fidelity_store: Store) -> None:
    triples = {(str(s), str(p), str(o)) for s, p, o in get_query("event-graph").run(fidelity_store, {"event": "fort-beta-drone-attack"}).triples}
    ckg = PREFIXES["ckg"]
    # 200: "Drones struck Fort Beta ... on Monday, Southland's army said": the army gives 200's account
    assert (BETA, f"{ckg}reportedBy", E("southland-army")) in triples
    officials = f"{ID}article/200/source/army-officials"
    assert (officials, str(RDFS.label), "army officials") in triples
    texts = {o for s, p, o in triples if p.endswith("#anchorOf")}
    assert {"more than 20 drones were fired at the base", "According to army officials", "causing minor damage"} <= texts
    assert (BETA, f"{ckg}dateValue", "2021-04") in triples and (BETA, f"{ckg}dateValue", "2021-05-17") in triples


# ------------------------------------------------------------------------------ the same answers from rdflib


# parameter values each question is cross-checked with (its defaults are always checked too)
CROSS_CHECK: dict[str, list[dict[str, str]]] = {
    "timeline": [{"since": "2020-01-03", "until": "2020-01-08"}],
    "attack-casualties": [{"nationality": "united-states"}],
    "events-in-country": [{"country": "saudi-arabia"}],
    "stances-on-proposition": [{"proposition": "us-retaliation-camp-taji", "polarity": "favor"}],
    "retaliation-debate": [{"attack": "camp-taji-rocket-attack-2020-03-11"}],
    "retaliation-framing": [{"relation": "responseTo"}],
    "entity-mentions": [{"entity": "erbil-governorate"}],
    "people-roles": [{"organisation": "iran"}],
    "proxies-and-allies": [{"state": "united-states"}],
    "statements-by-channel": [{"channel": "telegram"}],
    "days-between": [{"first": "camp-taji-rocket-attack-2020-03-11", "second": "abqaiq-attack-2019-09-14"}],
    "unique-assertions": [{"article": "003"}],
    "actor-events": [{"actor": "irgc"}],
    "event-sources": [{"event": "camp-taji-rocket-attack-2020-03-11"}],
    "dates-by-precision": [{"precision": "month"}, {"precision": "range"}],
    "find-entity": [{"text": "Irbil"}, {"text": INJECTIONS[0]}],
    "recommendations": [{"holder": "c-anthony-pfaff"}],
    "holder-stances": [{"holder": "ali-khamenei"}],
    "places-in-country": [{"country": "israel"}],
    "event-graph": [{"event": "iran-missile-strikes-2020-01-08"}],
    "escalation-curve": [{"since": "2020-03-01"}],
}
CASES = [(qid, reasoning, values) for qid in sorted(QUERIES) for values in [{}, *CROSS_CHECK.get(qid, [])]
         for reasoning in ("owlrl", "none")]


def test_every_parameterised_question_is_cross_checked_with_a_second_value() -> None:
    assert {q.id for q in QUERIES.values() if q.params} == set(CROSS_CHECK)


def published_in_rdflib(build_dir: Path) -> dict[str, Dataset]:
    """The published dataset.nq in rdflib, per reasoning mode; the default graph is the union of the
    named graphs (without graph/inferred for reasoning 'none'), the named graphs all stay."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib 7.6 deprecates its own Dataset internals
        for reasoning in ("owlrl", "none"):
            ds = Dataset()
            ds.parse(str(build_dir / "current" / "dataset.nq"), format="nquads")
            default = ds.default_graph
            for g in list(ds.graphs()):
                if g.identifier != default.identifier and (reasoning == "owlrl" or g.identifier != INFERRED_GRAPH):
                    for t in g:
                        default.add(t)
            out[reasoning] = ds
    return out


@pytest.fixture(scope="session")
def rdflib_datasets(seed_build_dir: Path) -> dict[str, Dataset]:
    return published_in_rdflib(seed_build_dir)


@pytest.fixture(scope="session")
def fidelity_rdflib(fidelity_build_dir: Path) -> dict[str, Dataset]:
    return published_in_rdflib(fidelity_build_dir)


_INTEGERS = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.nonPositiveInteger, XSD.negativeInteger,
             XSD.long, XSD.int, XSD.short, XSD.byte, XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort, XSD.unsignedByte}
_NUMERIC = {XSD.decimal, XSD.double, XSD.float}


def term_key(term: Node | None) -> tuple[Any, ...]:
    """A term for comparison under RDF 1.1: a plain literal is its xsd:string; a number compares by
    its value within its primitive type (the engines write '-10.0' and '-10' for the same xsd:decimal,
    and pyoxigraph stores xsd:nonNegativeInteger as xsd:integer: the same value)."""
    if term is None:
        return ("unbound",)
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        if term.language:
            return ("lit", str(term), "@" + term.language.lower())
        datatype = term.datatype or XSD.string
        if datatype in _INTEGERS:
            return ("num", str(XSD.integer), Decimal(str(term)))
        if datatype in _NUMERIC:
            return ("num", str(datatype), Decimal(str(term.toPython())))
        return ("lit", str(term), str(datatype))
    return ("iri", str(term))


def _answers(kind: str, variables: list[str], solutions: Any) -> list[tuple[Any, ...]]:
    if kind == "graph":
        return sorted(tuple(term_key(t) for t in triple) for triple in solutions)
    return sorted(tuple(term_key(row.get(v)) for v in variables) for row in solutions)


def same_answers(store: Store, datasets: dict[str, Dataset], qid: str, reasoning: str, values: dict[str, str]) -> list[tuple[Any, ...]]:
    """The question's answer from the store, checked equal to rdflib's over the same published data."""
    q: SavedQuery = QUERIES[qid]
    bindings = q.bind(values, store)
    ours = q.run(store, values, reasoning=reasoning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        theirs = datasets[reasoning].query(q.sparql, initNs=PREFIXES, initBindings=bindings)
        if q.kind == "graph":
            reference = _answers("graph", [], list(theirs))
        else:
            reference = _answers("select", ours.variables, [{str(v): r[v] for v in theirs.vars} for r in theirs])
    mine = _answers(q.kind, ours.variables, ours.triples if q.kind == "graph" else ours.rows)
    assert mine == reference
    return mine


@pytest.mark.parametrize(("qid", "reasoning", "values"), CASES, ids=[f"{q}-{r}-{i}" for i, (q, r, _) in enumerate(CASES)])
def test_same_answers_on_rdflib(seed_store: Store, rdflib_datasets: dict[str, Dataset], qid: str, reasoning: str,
                                values: dict[str, str]) -> None:
    mine = same_answers(seed_store, rdflib_datasets, qid, reasoning, values)
    if reasoning == "owlrl" and not values:
        assert mine, f"{qid} has no default answer: the cross-check would compare nothing"


# the questions the fidelity fixture answers in ways the seeds do not (date disagreements, ranges,
# none-reported and more-than counts, unnamed sources, two speakers' munitions)
FIXTURE_CHECK: list[tuple[str, dict[str, str]]] = [
    ("timeline", {}), ("timeline", {"since": "2021-05-01", "until": "2021-05-10"}), ("escalation-curve", {"since": "2021-01-01"}),
    ("days-between", {"first": "fort-beta-drone-attack", "second": "red-militia-campaign"}),
    ("dates-by-precision", {"precision": "range"}), ("source-disagreements", {}), ("approximate-counts", {}),
    ("attack-casualties", {}), ("attack-casualties", {"nationality": "southland"}), ("attacks", {}),
    ("event-graph", {"event": "fort-beta-drone-attack"}), ("event-sources", {"event": "fort-beta-drone-attack"}),
    ("stances-on-proposition", {"proposition": "southland-retaliation"}), ("recommendations", {}), ("articles", {}),
]


@pytest.mark.parametrize(("qid", "values"), FIXTURE_CHECK, ids=[f"{q}-{i}" for i, (q, _) in enumerate(FIXTURE_CHECK)])
def test_same_answers_on_rdflib_for_the_fixture(fidelity_store: Store, fidelity_rdflib: dict[str, Dataset], qid: str,
                                                values: dict[str, str]) -> None:
    assert same_answers(fidelity_store, fidelity_rdflib, qid, "owlrl", values), f"{qid} answers nothing on the fixture"


def test_rows_come_in_the_same_order_every_time(seed_store: Store) -> None:
    for qid in ("timeline", "attacks", "stances-on-proposition", "entity-mentions"):
        assert rows(seed_store, qid) == rows(seed_store, qid)
