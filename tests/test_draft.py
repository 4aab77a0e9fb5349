"""`crisiskg draft` on real texts: small news texts written for these tests, drafted against the
project's seeds (the registry, the propositions and the reviewed articles' events), and the sixth
article of tests/test_sixth_article.py. Each test names the one thing it checks; the registry ids and
the event id they name come from article 004 (the Camp Taji attack of 11 March 2020)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from seedcorpus import SEEDS

from crisiskg.cli import main
from crisiskg.curate import knowledge
from crisiskg.curate.draft import draft, draft_mapping
from crisiskg.errors import SeedError
from crisiskg.loaders.seeds import read_seeds

FOLLOW_UP = """Rockets hit Camp Taji again as Baghdad protests

- March 12, 2020

On Wednesday night, around 18 Katyusha rockets struck Camp Taji north of Baghdad. The attack killed three coalition personnel and injured nearly a dozen more.
No group claimed responsibility for the attack.
According to one former official, the militias want the U.S. military to withdraw from Iraq.
Defense Secretary Mark Esper said the United States would respond.
Iraq's defence minister Jafar al-Hussaini said the strikes violated Iraqi sovereignty.
Washington should avoid further strikes on Iraqi soil, Iraqi officials warned.
Kataib Hezbollah fighters fired two rockets at Jurf al-Sakhar on Tuesday, according to Joint Chiefs Chairman Gen. Mark A. Milley.
"""

WEEKDAYS = """Militia rockets hit a convoy near Besmaya

- March 16, 2020

Iraqi officers found the launchers on Friday. Two rockets struck a supply convoy near Besmaya, wounding at least two contractors.
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def follow_up(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("draft")
    return draft_mapping(_write(folder, "900_follow_up.txt", FOLLOW_UP), SEEDS)


def _event(mapping: dict[str, Any], quote_start: str) -> dict[str, Any]:
    return next(e for e in mapping["events"] if e["quote"].startswith(quote_start))


def test_an_event_the_graph_holds_keeps_its_id(follow_up: dict[str, Any]) -> None:
    attack = _event(follow_up, "On Wednesday night")
    assert attack["id"] == "camp-taji-rocket-attack-2020-03-11"
    assert attack["class"] == "RocketAttack"
    assert attack["date"]["value"] == "2020-03-11" and "day before publication" in attack["date"]["derivation"]
    assert "camp-taji" in attack["places"] and attack["target_places"] == ["camp-taji"]
    assert attack["weapon"] == "katyusha-rocket"
    assert attack["suggested"]["links"] == "camp-taji-rocket-attack-2020-03-11"
    assert 0 < attack["suggested"]["confidence"] <= 1


def test_counts_keep_their_qualifiers(follow_up: dict[str, Any]) -> None:
    attack = _event(follow_up, "On Wednesday night")
    assert attack["munitions"]["count"] == 18 and attack["munitions"]["qualifier"] == "approximately"
    # "The attack killed ..." adds to the attack before it instead of drafting a new event
    casualties = {(c["status"], c["count"], c["qualifier"]) for c in attack["casualties"]}
    assert ("killed", 3, "exact") in casualties and ("injured", 12, "nearly") in casualties
    assert not any(e["quote"].startswith("The attack killed") for e in follow_up["events"])


def test_a_denied_claim_is_a_relation_not_an_attack(follow_up: dict[str, Any]) -> None:
    assert not any(e["quote"].startswith("No group claimed") for e in follow_up["events"])
    relation = next(r for r in follow_up["relations"] if r["predicate"] == "claimedResponsibilityFor")
    assert relation["subject"] == "anyone" and relation["polarity"] == "denied"
    assert relation["object"] == "camp-taji-rocket-attack-2020-03-11"


def test_a_ministers_statement_is_not_an_attack(follow_up: dict[str, Any]) -> None:
    statement = _event(follow_up, "Iraq's defence minister")
    assert statement["class"] == "Statement"
    assert statement["roles"]["speaker"] == ["jafar-al-hussaini"]
    advice = [e for e in follow_up["events"] if e["quote"].startswith("Washington should avoid")]
    assert not any(e["class"] in ("Attack", "Airstrike", "RocketAttack", "MissileAttack") for e in advice)


def test_holders_from_according_to(follow_up: dict[str, Any]) -> None:
    source = next(s for s in follow_up["sources"] if s["description"] == "one former official")
    drafted = follow_up["stances"] + follow_up["draft_notes"]["stance_candidates"]
    stance = next(s for s in drafted if s["quote"].startswith("According to one former official"))
    assert stance["holder"] == source["id"] and stance["speech_mode"] == "paraphrase"
    militia = next(e for e in follow_up["events"] if e["quote"].startswith("Kataib Hezbollah fighters"))
    assert militia.get("reported_by") == "mark-milley"


def test_a_title_is_split_from_the_name(follow_up: dict[str, Any]) -> None:
    new = {e["id"]: e for e in follow_up["draft_notes"]["new_entities"]}
    assert new["mark-esper"]["type"] == "Person" and new["mark-esper"]["title"] == "Defense Secretary"
    assert new["mark-esper"]["label"] == "Mark Esper"
    # a registry person's title becomes a role of this article
    role = next(r for r in follow_up["roles"] if r["holder"] == "mark-milley")
    assert role["title"] == "Joint Chiefs Chairman Gen."
    # and so does a new person's, waiting (in the draft file) for the registry entry it names
    role = next(r for r in follow_up["roles"] if r["holder"] == "mark-esper")
    assert (role["title"], role["quote"]) == ("Defense Secretary", "Defense Secretary Mark Esper")


def test_unknown_names_are_proposed_with_a_class(follow_up: dict[str, Any]) -> None:
    new = {e["id"]: e for e in follow_up["draft_notes"]["new_entities"]}
    assert new["kataib-hezbollah"]["type"] == "Militia"
    assert new["jafar-al-hussaini"]["type"] == "Person"
    assert "camp-taji" not in new  # a registry entity is linked, not proposed
    assert follow_up["draft_notes"]["registry_entities_found"]["camp-taji"] == 2


def test_a_weekday_in_the_sentence_before(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "901_convoy.txt", WEEKDAYS), SEEDS)
    attack = _event(mapping, "Two rockets struck")
    # Friday before Monday 16 March 2020, named in the sentence before
    assert attack["date"]["value"] == "2020-03-13"
    assert "previous sentence" in attack["date"]["derivation"] and "'on Friday'" in attack["date"]["derivation"]
    assert attack["munitions"] == {"count": 2, "qualifier": "exact", "quote": "Two rockets"}
    wounded = attack["casualties"][0]
    assert (wounded["status"], wounded["count"], wounded["qualifier"]) == ("injured", 2, "at-least")
    new = {e["id"]: e for e in mapping["draft_notes"]["new_entities"]}
    assert new["besmaya"]["type"] == "City"


def test_the_draft_file_is_a_draft_seed_not_a_malformed_one(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(SEEDS, tmp_path / "seeds"))
    text = _write(copy / "articles", "900_follow_up.txt", FOLLOW_UP)
    written = draft(text, copy)
    doc = yaml.safe_load(written)
    assert doc["article"]["status"] == "draft"
    assert doc["draft_notes"]["suggestions"] and doc["draft_notes"]["needs_new_entities"]
    assert not any("suggested" in item for section in ("events", "stances", "sources") for item in doc.get(section, []))
    text.with_suffix(".yaml").write_text(written, encoding="utf-8")
    read_seeds(copy, allow_drafts=True)  # loads: schema, anchors and references all hold
    with pytest.raises(SeedError) as refused:
        read_seeds(copy)
    assert [p.field for p in refused.value.problems] == ["article.status"]
    built = CliRunner().invoke(main, ["build", "--seeds", str(copy), "--build", str(tmp_path / "build")])
    assert built.exit_code == 2 and "is a draft" in built.output


def test_the_sixth_article(tmp_path: Path) -> None:
    from test_sixth_article import TEXT  # the sixth article's text, curated there

    # drafted as a new article: against the seeds without it, should they already hold it
    # (the suite's run on a copy of the seeds with the sixth article)
    known = knowledge.load(SEEDS)
    for path in (SEEDS / "articles").glob("*.txt"):
        if path.read_text(encoding="utf-8") == TEXT:
            known = known.without(path.stem)
    mapping = draft_mapping(_write(tmp_path, "905_sixth.txt", TEXT), SEEDS, store=known)
    statement = next(e for e in mapping["events"] if "Milley said on Thursday" in e["quote"])
    assert statement["class"] == "Statement" and statement["roles"]["speaker"] == ["mark-milley"]
    assert statement["date"]["value"] == "2020-03-12"
    assert not any(e["class"] in ("Attack", "RocketAttack") and not e["id"].startswith("camp-taji") for e in mapping["events"])
    # "He told reporters ...": the speaker of the sentence before
    told = next(e for e in mapping["events"] if e["quote"].startswith("He told reporters"))
    assert told["class"] == "Statement" and told["roles"]["speaker"] == ["mark-milley"]


def test_a_store_of_another_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="Knowledge"):
        draft_mapping(_write(tmp_path, "902_x.txt", WEEKDAYS), SEEDS, store={"entities": {}})  # type: ignore[arg-type]


BYLINED = """Mortars fall near Erbil airport

By Sam Okafor and Lena Berg, Reuters
February 2, 2020

ERBIL - Four Zelzal rockets struck near the airport in Erbil on Saturday, wounding two guards, Kurdish security sources said. No group claimed responsibility for the attack.

Iraqi Prime Minister Adel Abdul Mahdi denounced the strike and said Iraq must stay out of any war.

Secretary of State Dana Whitfield said on Sunday that Washington would respond.
"""


@pytest.fixture(scope="module")
def bylined(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    from crisiskg.curate.draft import render

    path = _write(tmp_path_factory.mktemp("byline"), "901_bylined.txt", BYLINED)
    mapping = draft_mapping(path, SEEDS)
    return mapping, render(draft_mapping(path, SEEDS))


def test_a_count_or_a_weapon_is_never_an_entity(bylined: tuple[dict[str, Any], dict[str, Any]]) -> None:
    mapping, _ = bylined
    proposed = {e["id"] for e in mapping["draft_notes"]["new_entities"]}
    assert not proposed & {"four", "four-zelzal", "rockets"}
    # a weapon's name not yet in the registry is proposed as a Weapon, for the weapon field
    assert [(e["id"], e["type"]) for e in mapping["draft_notes"]["new_entities"] if "Zelzal" in e["label"]] == [("zelzal", "Weapon")]
    attack = _event(mapping, "ERBIL - Four Zelzal rockets")
    assert not {"four", "zelzal"} & set(attack.get("roles", {}).get("attacker", []))
    assert attack["munitions"]["count"] == 4


def test_a_title_of_several_words_is_split_from_the_person(bylined: tuple[dict[str, Any], dict[str, Any]]) -> None:
    mapping, _ = bylined
    entry = next(e for e in mapping["draft_notes"]["new_entities"] if "Whitfield" in e["label"])
    assert (entry["id"], entry["type"], entry["label"], entry["title"]) == ("dana-whitfield", "Person", "Dana Whitfield", "Secretary of State")


def test_the_speaker_is_the_person_not_the_country_after_said(bylined: tuple[dict[str, Any], dict[str, Any]]) -> None:
    mapping, _ = bylined
    statement = _event(mapping, "Iraqi Prime Minister Adel Abdul Mahdi denounced")
    assert statement["roles"]["speaker"] == ["adel-abdul-mahdi"]
    assert all(st["holder"] != "iraq" for st in mapping["stances"] + mapping["draft_notes"]["stance_candidates"])


def test_a_byline_gives_the_authors_and_the_publisher(bylined: tuple[dict[str, Any], dict[str, Any]]) -> None:
    mapping, doc = bylined
    assert mapping["article"]["publisher"] == "reuters"
    assert mapping["article"]["authors"] == ["sam-okafor", "lena-berg"]
    # the authors are not in the registry yet: the seed file waits for them in the notes
    assert doc["article"]["authors"] == []
    assert {"section": "article", "needs": ["lena-berg", "sam-okafor"], "item": {"authors": ["sam-okafor", "lena-berg"]}} \
        in doc["draft_notes"]["needs_new_entities"]


def test_a_drafted_item_names_only_ids_the_file_or_the_graph_defines() -> None:
    from crisiskg.curate.draft import render

    mapping = {
        "article": {"authors": []},
        "events": [{"id": "draft-attack", "class": "RocketAttack", "roles": {"attacker": ["new-group"]}}],
        "relations": [{"subject": "anyone", "predicate": "claimedResponsibilityFor", "object": "draft-attack", "polarity": "denied"}],
        "stances": [],
        "draft_notes": {"new_entities": [{"id": "new-group", "type": "Militia", "label": "New Group", "mentions": 1}]},
    }
    doc = render(mapping)
    assert doc.get("relations", []) == [] and doc["events"] == []
    waiting = doc["draft_notes"]["needs_new_entities"]
    assert [(w["section"], w["needs"]) for w in waiting] == [("events", ["new-group"]), ("relations", ["draft-attack"])]


def test_the_speakers_name_and_title_do_not_choose_the_proposition(bylined: tuple[dict[str, Any], dict[str, Any]]) -> None:
    from crisiskg.curate.draft_stances import stems

    mapping, _ = bylined
    speaker = set(stems("Iraqi Prime Minister Adel Abdul Mahdi"))
    said = [st for st in mapping["stances"] + mapping["draft_notes"]["stance_candidates"] if st["quote"].startswith("Iraqi Prime Minister")]
    assert said and said[0]["holder"] == "adel-abdul-mahdi"
    why = said[0]["suggested"]["why"]
    shared = set(why.split("shares ", 1)[1].split(" with ")[0].split(", ")) if "shares " in why else set()
    assert not shared & speaker, why


STRIKES_BACK = """US strikes back at Kataib Hezbollah after Camp Taji attack

March 13, 2020

The United States carried out airstrikes against five weapons storage sites of Kataib Hezbollah in Iraq on Thursday night, a day after rockets killed two Americans and one Briton at Camp Taji.

Iraq's military condemned the strikes, saying they killed three Iraqi soldiers and two police officers. Foreign Minister Samir Haddad told reporters that Washington should respect Iraqi sovereignty.

Some analysts argue that Washington should avoid further strikes.
"""


@pytest.fixture(scope="module")
def strikes_back(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    path = _write(tmp_path_factory.mktemp("strikes"), "903_strikes_back.txt", STRIKES_BACK)
    return STRIKES_BACK, draft_mapping(path, SEEDS)


def test_the_event_is_the_main_clauses_not_the_one_a_day_before(strikes_back: tuple[str, dict[str, Any]]) -> None:
    _, mapping = strikes_back
    strikes = [e for e in mapping["events"] if e["quote"].startswith("The United States carried out")]
    main = next(e for e in strikes if e["id"].startswith("draft-"))
    assert main["class"] == "Airstrike"
    assert main["roles"] == {"attacker": ["united-states"], "target": ["kataib-hezbollah"]}
    assert main["date"]["value"] == "2020-03-12"  # Thursday, the day before publication
    assert "camp-taji" not in main.get("places", []) + main.get("target_places", [])
    # the attack a day before is the graph's, named in passing: it keeps the graph's date
    taji = next(e for e in strikes if e["id"] == "camp-taji-rocket-attack-2020-03-11")
    assert "date" not in taji


def test_a_condemnation_is_a_statement_and_its_toll_the_attacks(strikes_back: tuple[str, dict[str, Any]]) -> None:
    text, mapping = strikes_back
    said = _event(mapping, "Iraq's military condemned")
    assert said["class"] == "Statement" and said["roles"] == {"speaker": ["iraq"]}
    assert said["cameo"] == "111"  # CAMEO: criticize or denounce
    assert not any(e["class"] == "Killing" for e in mapping["events"])
    main = next(e for e in mapping["events"] if e["class"] == "Airstrike")
    toll = next(c for c in main["casualties"] if c["count"] == 3)
    assert (toll["status"], toll["claimed_by"]) == ("killed", "iraq")
    assert toll["attribution"] in text  # the words quoted are the text's


def test_people_counted_are_not_a_name(strikes_back: tuple[str, dict[str, Any]]) -> None:
    _, mapping = strikes_back
    assert "briton" not in {e["id"] for e in mapping["draft_notes"]["new_entities"]}


def test_a_capital_that_speaks_is_not_where_it_happened(strikes_back: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    _, mapping = strikes_back
    told = _event(mapping, "Foreign Minister Samir Haddad told")
    assert told["class"] == "Statement" and "washington-dc" not in told.get("places", [])
    text = "Missiles in Tehran\n\nJanuary 10, 2020\n\nIran fired missiles at a base on Wednesday, and Tehran signaled that it was done.\n" \
           "Rockets struck near the airport in Baghdad on Thursday.\n"
    other = draft_mapping(_write(tmp_path, "904_capitals.txt", text), SEEDS)
    assert "tehran" not in _event(other, "Iran fired").get("places", [])
    assert "baghdad" in _event(other, "Rockets struck").get("places", [])  # after "in": a place


def test_analysts_who_argue_are_an_unnamed_source(strikes_back: tuple[str, dict[str, Any]]) -> None:
    _, mapping = strikes_back
    source = next(s for s in mapping["sources"] if s["description"] == "Some analysts")
    drafted = mapping["stances"] + mapping["draft_notes"]["stance_candidates"]
    assert next(s for s in drafted if s["quote"].startswith("Some analysts"))["holder"] == source["id"]


def test_a_request_is_a_statement_and_a_demand(tmp_path: Path) -> None:
    text = "Iraq asks for a withdrawal\n\nJanuary 10, 2020\n\nIraqi Prime Minister Adel Abdul Mahdi has asked Washington to withdraw its troops.\n"
    mapping = draft_mapping(_write(tmp_path, "905_request.txt", text), SEEDS)
    asked = _event(mapping, "Iraqi Prime Minister")
    assert asked["class"] == "Statement" and asked["roles"] == {"speaker": ["adel-abdul-mahdi"]}
    assert asked["cameo"] == "020"  # CAMEO: make an appeal or request
    assert "places" not in asked  # Washington is asked, not where it was said
    drafted = mapping["stances"] + mapping["draft_notes"]["stance_candidates"]
    assert [(s["holder"], s["modality"]) for s in drafted] == [("adel-abdul-mahdi", "demand")]


def test_a_threatened_city_is_a_place_a_threatened_government_not(tmp_path: Path) -> None:
    text = ("Threats on both sides\n\nJanuary 10, 2020\n\nThe IRGC warned that its next wave would target Haifa and Dubai.\n"
            "The United States has threatened Baghdad with sanctions if the Iraqi government expels its troops.\n")
    mapping = draft_mapping(_write(tmp_path, "906_threats.txt", text), SEEDS)
    assert _event(mapping, "The IRGC warned")["places"] == ["haifa", "dubai"]
    assert "places" not in _event(mapping, "The United States has threatened")


WIRE = """Rockets hit Baghdad's Green Zone

BAGHDAD (Reuters) - Three Katyusha rockets landed inside Baghdad's heavily fortified Green Zone late on Sunday, Iraqi security sources said, causing no casualties.

Two Iraqi officials, who spoke on condition of anonymity, said Kataib Hezbollah was behind the attack. The group denied any role.

A spokesman for the U.S.-led coalition, Colonel Myles Caggins, said the attack was the 18th on bases hosting coalition troops since late October.

"We will defend our forces," the Pentagon said in a statement on Monday. It added that it holds Iran responsible for attacks by its proxies.

Iran's foreign ministry spokesman Abbas Mousavi called the accusation baseless.

January 27, 2020
"""


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("wire"), "907_wire.txt", WIRE), SEEDS)


def test_a_dateline_names_the_publisher_not_an_actor(wire: dict[str, Any]) -> None:
    attack = _event(wire, "BAGHDAD (Reuters)")
    assert wire["article"]["publisher"] == "reuters"
    assert "reuters" not in {i for ids in attack.get("roles", {}).values() for i in ids}
    # munitions that "landed" tell an attack
    assert attack["class"] == "RocketAttack" and attack["munitions"]["count"] == 3
    assert attack["date"]["value"] == "2020-01-26" and attack["places"] == ["baghdad", "green-zone"]


def test_officials_are_a_source_and_their_adjective_no_name(wire: dict[str, Any]) -> None:
    assert "iraqi" not in {e["id"] for e in wire["draft_notes"]["new_entities"]}
    assert {s["description"] for s in wire["sources"]} == {"Iraqi security sources", "Two Iraqi officials"}


def test_the_attack_named_by_its_day_either_apostrophe() -> None:
    from crisiskg.curate.draft_events import _BEHIND

    assert _BEHIND.match(" was behind Sunday’s rocket attack") and _BEHIND.match(" was behind Sunday's attack")
    assert not _BEHIND.match(" was behind attacks by its proxies")  # no one attack: no relation to draw


def test_who_is_held_responsible_and_who_denies_it(wire: dict[str, Any]) -> None:
    attack = _event(wire, "BAGHDAD (Reuters)")
    officials = next(s["id"] for s in wire["sources"] if s["description"] == "Two Iraqi officials")
    blamed = {(r["subject"], r["object"], r.get("polarity", "affirmed"), r["claimed_by"]) for r in wire["relations"]}
    assert blamed == {("kataib-hezbollah", attack["id"], "affirmed", officials), ("kataib-hezbollah", attack["id"], "denied", "kataib-hezbollah")}


WIRE_TOLD = """Rockets hit Erbil airport

- March 16, 2020

A rocket attack on Erbil airport on Feb. 15 wounded one U.S. contractor, officials said.

The base was hit by at least ten rockets, two Iraqi security officials told Reuters.

"We will respond," said Ayatollah Ali Khamenei.

President Trump had initially said that no Americans were harmed in the attack.
"""


@pytest.fixture(scope="module")
def wire_told(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("told"), "910_told.txt", WIRE_TOLD), SEEDS)


def test_officials_said_at_the_end_of_a_sentence_are_its_source(wire_told: dict[str, Any]) -> None:
    attack = _event(wire_told, "A rocket attack on Erbil airport")
    officials = next(s for s in wire_told["sources"] if s["description"] == "officials")
    assert officials["quote"] == "officials said" and attack["reported_by"] == officials["id"]
    # and Trump's "no Americans were harmed in the attack" is his count of the same attack
    assert [(c["count"], c["claimed_by"]) for c in attack["casualties"]] == [(1, officials["id"]), (0, "donald-trump")]


def test_whom_a_speaker_tells_is_no_speaker(wire_told: dict[str, Any]) -> None:
    attack = _event(wire_told, "A rocket attack on Erbil airport")
    told = next(s for s in wire_told["sources"] if s["description"] == "two Iraqi security officials")
    assert attack["munitions"]["count"] == 10 and attack["munitions"]["claimed_by"] == told["id"]
    # the words of an inverted "said" are quoted as the text has them, title and all
    khamenei = _event(wire_told, '"We will respond,"')
    assert khamenei["roles"] == {"speaker": ["ali-khamenei"]}


def test_a_military_that_speaks_is_an_institution(tmp_path: Path) -> None:
    text = ("Rockets near the embassy\n\n- March 16, 2020\n\nTwo rockets struck near the U.S. Embassy in Baghdad late Wednesday, "
            "causing no casualties, the Iraqi military said.\n\nSome rockets fell near an Iraqi military base.\n")
    mapping = draft_mapping(_write(tmp_path, "918_military.txt", text), SEEDS)
    attack = _event(mapping, "Two rockets struck")
    assert attack["reported_by"] == "iraqi-military" and attack["casualties"][0]["claimed_by"] == "iraqi-military"
    new = [(e["id"], e["type"]) for e in mapping["draft_notes"]["new_entities"]]
    assert new == [("iraqi-military", "ArmedForce")]  # "an Iraqi military base" names no institution
    # a statement from it is its word too
    text = "Rockets\n\n- March 16, 2020\n\nAccording to a statement from the Iraqi military, 33 Katyusha rockets were fired at the base.\n"
    mapping = draft_mapping(_write(tmp_path, "918_statement.txt", text), SEEDS)
    attack = _event(mapping, "According to a statement")
    assert attack["reported_by"] == "iraqi-military" and attack["munitions"]["claimed_by"] == "iraqi-military"
    assert attack["munitions"]["attribution"] == "According to a statement from the Iraqi military"


def test_an_adverb_between_a_speaker_and_the_verb(wire_told: dict[str, Any]) -> None:
    said = _event(wire_told, "President Trump had initially said")
    assert said["class"] == "Statement" and said["roles"] == {"speaker": ["donald-trump"]}


EXPLAINER = """Explainer: How the US-Iran crisis unfolded

By Staff Writer
January 12, 2020

What happened?

On Jan. 3, a U.S. drone strike at Baghdad International Airport killed Qassem Soleimani, the commander of the Quds Force.

Five days later, Iran fired more than a dozen ballistic missiles at two Iraqi bases housing U.S. troops.

Hours after the missile attack, Iran's Revolutionary Guards shot down a Ukrainian airliner near Tehran, killing all 176 people on board.

What happens next?

Analysts say both sides appear to be stepping back from the brink.
"""


@pytest.fixture(scope="module")
def explainer(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("explainer"), "911_explainer.txt", EXPLAINER), SEEDS)


def test_what_happens_hours_after_an_attack_is_not_that_attack(explainer: dict[str, Any]) -> None:
    missiles = _event(explainer, "Five days later, Iran fired")
    assert missiles["id"] == "iran-missile-strikes-2020-01-08"
    airliner = _event(explainer, "Hours after the missile attack")
    # its own event (it had been left out as another account of the missile strikes), read from the
    # clause after the link, on the day of the attack the link names (not the article's first attack)
    assert airliner["id"].startswith("draft-") and airliner["class"] in ("Attack", "Killing")
    # "Iran's Revolutionary Guards shot down": the Guards (the registry's IRGC) did it, not Iran beside them
    assert airliner["roles"] == {"attacker": ["irgc"]} and airliner["places"] == ["tehran"]
    assert airliner["date"]["value"] == "2020-01-08"


def test_analysts_say_at_the_start_are_an_unnamed_source(explainer: dict[str, Any]) -> None:
    analysts = next(s for s in explainer["sources"] if s["description"] == "analysts")
    assert [st["holder"] for st in explainer["stances"] if st["quote"].startswith("Analysts say")] == [analysts["id"]]


HEARING = """Senators press Pentagon on brain injuries

WASHINGTON, Jan. 30, 2020

Senator Jack Reed asked Defense Secretary Mark Esper on Thursday why the administration had played down the injuries.

Esper said the military had followed its procedures in reporting the wounded.
"""


def test_a_wire_datelines_abbreviated_month_dates_the_article(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "912_hearing.txt", HEARING), SEEDS)
    assert mapping["article"]["published"]["date"] == "2020-01-30"
    assert _event(mapping, "Senator Jack Reed asked")["date"]["value"] == "2020-01-30"  # "on Thursday": the day itself


def test_a_surname_that_opens_a_sentence_is_the_person_named_before(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "912_hearing.txt", HEARING), SEEDS)
    said = _event(mapping, "Esper said")
    assert said["class"] == "Statement" and said["roles"] == {"speaker": ["mark-esper"]}
    assert [e["id"] for e in mapping["draft_notes"]["new_entities"] if e["id"].endswith("esper")] == ["mark-esper"]


def test_full_responsibility_taken_is_a_claim(tmp_path: Path) -> None:
    text = ("Guards commander takes responsibility\n\nTEHRAN, Jan. 11, 2020\n\nBrig. Gen. Amir Ali Hajizadeh, the head of the Guards' "
            "aerospace division, said he took full responsibility for the downing of the airliner.\n")
    mapping = draft_mapping(_write(tmp_path, "913_claim.txt", text), SEEDS)
    claim = _event(mapping, "Brig. Gen. Amir Ali Hajizadeh")
    assert claim["class"] == "ClaimOfResponsibility" and claim["roles"] == {"claimant": ["amir-ali-hajizadeh"]}
    assert claim["cameo"] == "015"  # acknowledge or claim responsibility (016 is to deny it)


POLITICS = """Iraq's president names new prime minister-designate

BAGHDAD, March 17, 2020

Iraqi President Barham Salih on Tuesday named Adnan al-Zurfi, a former governor of Najaf, as prime minister-designate.

Powerful Shiite factions backed by Iran rejected the nomination, calling it unconstitutional.
"""


@pytest.fixture(scope="module")
def politics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("politics"), "914_politics.txt", POLITICS), SEEDS)


def test_another_persons_appointment_is_another_event(politics: dict[str, Any]) -> None:
    named = _event(politics, "Iraqi President Barham Salih")
    # not the graph's "Salih prepares to appoint Mustafa Kadhimi" of the same month
    assert named["id"].startswith("draft-") and named["class"] == "GovernmentFormation"
    assert named["roles"] == {"agent": ["barham-salih"], "affected": ["adnan-al-zurfi"]}


def test_the_place_of_an_office_is_a_city_not_where_it_happened(politics: dict[str, Any]) -> None:
    new = {e["id"]: e["type"] for e in politics["draft_notes"]["new_entities"]}
    assert new["najaf"] == "City"
    # a new place needs a point for the map; a person does not
    why = {e["id"]: e["suggested"]["why"] for e in politics["draft_notes"]["new_entities"]}
    assert "add 'point: [latitude, longitude]'" in why["najaf"] and "point" not in why["adnan-al-zurfi"]
    assert "najaf" not in _event(politics, "Iraqi President Barham Salih").get("places", [])


def test_an_adjective_before_a_noun_ends_no_name(politics: dict[str, Any]) -> None:
    new = {e["label"] for e in politics["draft_notes"]["new_entities"]}
    assert not any("Powerful" in label or "Shiite" in label for label in new)


VOWS = """Iran vows revenge

TEHRAN, Jan. 4, 2020

"The enemy will regret its criminal act," said Hossein Salami, the commander of the Revolutionary Guards.

"America will face a crushing response," Salami added.

Iraqi Prime Minister Adel Abdul Mahdi called the strike "a flagrant violation" of Iraqi sovereignty.
"""


@pytest.fixture(scope="module")
def vows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("vows"), "915_vows.txt", VOWS), SEEDS)


def test_a_speakers_will_regret_is_a_threat_and_what_he_adds_is_more_of_it(vows: dict[str, Any]) -> None:
    threat = _event(vows, '"The enemy will regret')
    assert threat["class"] == "Threat" and threat["roles"] == {"speaker": ["hossein-salami"]}
    assert not any(e["quote"].startswith('"America will face') for e in vows["events"])
    assert any(x["quote"].startswith('"America will face') and x["why"] == f"goes on with {threat['id']}, drafted above"
               for x in vows["draft_notes"]["left_out"])


def test_called_the_strike_a_violation_is_a_statement(vows: dict[str, Any]) -> None:
    said = _event(vows, "Iraqi Prime Minister Adel Abdul Mahdi called")
    assert said["class"] == "Statement" and said["roles"] == {"speaker": ["adel-abdul-mahdi"]}


INTERVIEW = """Interview: "Restraint is the best answer"

January 9, 2020

Barbara Slavin, director of the Future of Iran Initiative, spoke to us on Thursday.

Q: Should the United States respond to the missile strikes?

A: No. The United States should not retaliate militarily.
"""


def test_an_interviews_answers_are_the_interviewees(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "916_interview.txt", INTERVIEW), SEEDS)
    assert [(s["holder"], s["polarity"]) for s in mapping["stances"]] == [("barbara-slavin", "against")]
    # the first word after "Q: " or after a title's colon and quotation mark is no name
    assert mapping["draft_notes"]["new_entities"] == []


TIMELINE = """Timeline: Two weeks of crisis

January 15, 2020

- Jan. 5: Iraq's parliament votes to expel U.S. troops.
- Jan. 11: Iran admits its forces shot down the Ukrainian airliner.
"""


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("timeline"), "917_timeline.txt", TIMELINE), SEEDS)


def test_a_timelines_present_tense_votes(timeline: dict[str, Any]) -> None:
    vote = _event(timeline, "- Jan. 5: Iraq's parliament votes")
    assert vote["id"] == "iraqi-parliament-vote-2020-01-05" and vote["class"] == "Vote"


def test_a_headlines_present_tense_tells_the_act_and_its_target(tmp_path: Path) -> None:
    text = ("Timeline\n\nJanuary 15, 2020\n\n- Jan. 3: A U.S. drone strike kills Qassem Soleimani at Baghdad airport.\n"
            "- Jan. 9: A roadside bomb kills two Iraqi soldiers near Tikrit.\n")
    mapping = draft_mapping(_write(tmp_path, "918_present.txt", text), SEEDS)
    strike = _event(mapping, "- Jan. 3: A U.S. drone strike kills")
    assert strike["id"] == "soleimani-killing-2020-01-03" and strike["roles"] == {"attacker": ["united-states"], "target": ["qassem-soleimani"]}
    bomb = _event(mapping, "- Jan. 9: A roadside bomb kills")
    assert bomb["class"] == "Killing" and bomb["casualties"][0]["count"] == 2 and bomb["date"]["value"] == "2020-01-09"


def test_what_a_state_admits_its_forces_did(timeline: dict[str, Any]) -> None:
    said = _event(timeline, "- Jan. 11: Iran admits")
    assert said["class"] == "Statement" and said["roles"] == {"speaker": ["iran"]} and said["date"]["value"] == "2020-01-11"
    act = _event(timeline, "its forces shot down")
    # not the graph's long Iranian campaign in Iraq, dated around it: the act the statement reports, by Iran
    assert act["id"].startswith("draft-") and act["roles"] == {"attacker": ["iran"]} and act["reported_by"] == "iran"


CHANNELS = """Statements

- March 16, 2020

Kataib Hezbollah said in a statement on its Telegram channel that it had no role in the attack.

President Trump wrote on Twitter that Iran would be hit harder than ever before.
"""


@pytest.fixture(scope="module")
def channels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("channels"), "919_channels.txt", CHANNELS), SEEDS)


def test_a_messaging_service_is_an_ignored_name_not_an_entity(channels: dict[str, Any]) -> None:
    assert [n["name"] for n in channels["article"]["ignored_names"]] == ["Telegram", "Twitter"]
    assert not {"telegram", "twitter"} & {e["id"] for e in channels["draft_notes"]["new_entities"]}


def test_on_twitter_is_a_tweet_and_would_be_hit_a_threat(channels: dict[str, Any]) -> None:
    said = _event(channels, "President Trump wrote on Twitter")
    assert (said["class"], said["channel"], said["roles"]) == ("Threat", "Tweet", {"speaker": ["donald-trump"]})


CRACKDOWN = """Protesters defy Baghdad crackdown

BAGHDAD, Jan. 20, 2020

Thousands of anti-government protesters blocked roads in Baghdad on Monday, defying a crackdown by security forces.

Security forces fired live ammunition at demonstrators in Tahrir Square, killing two protesters, medical sources said.
"""


def test_the_news_an_unnamed_source_relays_is_an_event(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "922_crackdown.txt", CRACKDOWN), SEEDS)
    sources = next(s["id"] for s in mapping["sources"] if s["description"] == "medical sources")
    # it had been left out as "a speaker's account of an attack": a named speaker's is, wire copy's sources' is not
    killing = _event(mapping, "Security forces fired live ammunition")
    assert killing["reported_by"] == sources and killing["date"]["value"] == "2020-01-20"
    assert [(c["count"], c["claimed_by"]) for c in killing["casualties"]] == [(2, sources)]


def test_who_a_relative_clause_names_takes_no_part(tmp_path: Path) -> None:
    text = "Houthis fire at Riyadh\n\nMarch 16, 2020\n\nThe Houthis, who are backed by Iran, fired a missile at Riyadh on Sunday.\n"
    mapping = draft_mapping(_write(tmp_path, "923_houthis.txt", text), SEEDS)
    assert _event(mapping, "The Houthis")["roles"] == {"attacker": ["houthis"]}  # not Iran


def test_claimed_the_attack_is_a_claim_and_claimed_the_attack_was_is_not(tmp_path: Path) -> None:
    text = ("Claims\n\nMarch 16, 2020\n\nKataib Hezbollah claimed the attack.\n\n"
            "Yemen's Houthi rebels claimed a drone attack on a Saudi oil facility.\n\nOfficials claimed the attack was a warning.\n")
    mapping = draft_mapping(_write(tmp_path, "924_claims.txt", text), SEEDS)
    claims = [e["quote"][:24] for e in mapping["events"] if e["class"] == "ClaimOfResponsibility"]
    assert claims == ["Kataib Hezbollah claimed", "Yemen's Houthi rebels cl"]


def test_new_sanctions_are_not_the_graphs_and_an_address_is_a_speech(tmp_path: Path) -> None:
    text = ("New sanctions\n\nMarch 16, 2020\n\nTrump announced new sanctions on Iran in a televised address from the White House "
            "on Wednesday.\n")
    mapping = draft_mapping(_write(tmp_path, "925_sanctions.txt", text), SEEDS)
    assert [(e["class"], e.get("channel")) for e in mapping["events"]] == [("Statement", "Speech")]  # not the maximum-pressure campaign


AFTERMATH = """After the strikes, a pause

January 10, 2020

Iran's retaliatory strikes on Wednesday caused no casualties, the Pentagon said.

More than 100 U.S. troops were later diagnosed with brain injuries from the attack.
"""


@pytest.fixture(scope="module")
def aftermath(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("aftermath"), "926_aftermath.txt", AFTERMATH), SEEDS)


def test_a_speaker_named_at_the_end_reports_the_attack_told(aftermath: dict[str, Any]) -> None:
    strikes = _event(aftermath, "Iran's retaliatory strikes on Wednesday")
    # the graph's strikes of 8 January, reported by the Pentagon, not a Pentagon statement dated that Wednesday
    assert strikes["id"] == "iran-missile-strikes-2020-01-08" and strikes["reported_by"] == "pentagon"
    assert strikes["casualties"][0]["claimed_by"] == "pentagon"


def test_a_toll_from_the_attack_is_the_attack_told_before(aftermath: dict[str, Any]) -> None:
    strikes = _event(aftermath, "Iran's retaliatory strikes on Wednesday")
    assert [(c["count"], c["qualifier"], c.get("nationality")) for c in strikes["casualties"][1:]] == [(100, "more-than", "united-states")]
    assert not any(e["quote"].startswith("More than 100") for e in aftermath["events"])  # no attack by the United States


def test_a_sentence_left_out_is_noted_once(wire_told: dict[str, Any], explainer: dict[str, Any], wire: dict[str, Any]) -> None:
    # the reason it was left out ("goes on with ...", "another account of ..."), not that and then
    # the reason its event would have had
    for mapping in (wire_told, explainer, wire):
        quotes = [x["quote"] for x in mapping["draft_notes"]["left_out"]]
        assert len(quotes) == len(set(quotes)), quotes


def test_a_speakers_toll_of_the_strikes_told_before_is_no_new_act(tmp_path: Path) -> None:
    text = ("Strikes\n\nWASHINGTON, March 13, 2020\n\nThe United States carried out airstrikes on Thursday night against five "
            "weapons storage facilities in Iraq.\n\nIraq's military said the strikes killed three soldiers.\n")
    mapping = draft_mapping(_write(tmp_path, "921_toll.txt", text), SEEDS)
    strikes = _event(mapping, "The United States carried out airstrikes")
    assert [(c["count"], c["claimed_by"]) for c in strikes["casualties"]] == [(3, "iraq")]
    assert [e["class"] for e in mapping["events"] if "Iraq's military" in e["quote"] or e["quote"].startswith("the strikes")] == ["Statement"]


def test_a_denial_of_the_attack_it_names(tmp_path: Path) -> None:
    text = ("Strikes\n\nWASHINGTON, March 13, 2020\n\nThe United States carried out airstrikes on Thursday night against five "
            "weapons storage facilities in Iraq.\n\nKataib Hezbollah has denied responsibility for the rocket attack on Camp Taji.\n")
    mapping = draft_mapping(_write(tmp_path, "920_denial.txt", text), SEEDS)
    # not the airstrikes told just before: the attack the sentence names, the graph's of 11 March
    assert [(r["subject"], r["object"], r["polarity"]) for r in mapping["relations"]] == [
        ("kataib-hezbollah", "camp-taji-rocket-attack-2020-03-11", "denied")]


def test_every_text_here_drafts_a_draft_seed_that_loads(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(SEEDS, tmp_path / "seeds"))
    texts = [FOLLOW_UP, WEEKDAYS, BYLINED, STRIKES_BACK, WIRE, RECAP, TEHRAN_SIDE, HOUSE, EMBASSY, EXPERTS, WIRE_TOLD, EXPLAINER, HEARING, POLITICS, VOWS, INTERVIEW, TIMELINE, CHANNELS, CRACKDOWN, AFTERMATH]
    for i, text in enumerate(texts):
        path = _write(copy / "articles", f"9{i:02d}_text.txt", text)
        path.with_suffix(".yaml").write_text(draft(path, copy), encoding="utf-8")
    read_seeds(copy, allow_drafts=True)  # schema, anchors (every quote and attribution) and references hold


def test_the_person_named_between_commas_speaks(wire: dict[str, Any]) -> None:
    said = _event(wire, "A spokesman for the U.S.-led coalition")
    assert said["class"] == "Statement" and said["roles"] == {"speaker": ["myles-caggins"]}
    assert "date" not in said  # "since late October" is not when it was said
    new = {e["id"]: e for e in wire["draft_notes"]["new_entities"]}
    assert (new["myles-caggins"]["label"], new["myles-caggins"]["title"]) == ("Myles Caggins", "Colonel")


def test_it_added_is_more_of_the_bodys_statement(wire: dict[str, Any]) -> None:
    said = [e for e in wire["events"] if e.get("roles", {}).get("speaker") == ["pentagon"]]
    assert [e["quote"][:28] for e in said] == ['"We will defend our forces,"']
    assert any(x["quote"].startswith("It added") and "goes on with" in x["why"] for x in wire["draft_notes"]["left_out"])


def test_a_zone_is_a_region_and_whose_spokesman_is_the_title(wire: dict[str, Any]) -> None:
    new = {e["id"]: e for e in wire["draft_notes"]["new_entities"]}
    assert new["green-zone"]["type"] == "Region"
    assert new["green-zone"]["located_in"] == "baghdad"  # "Baghdad's heavily fortified Green Zone"
    assert new["abbas-mousavi"]["title"] == "Iran's foreign ministry spokesman"


RECAP = """Ten weeks of escalation

March 20, 2020

On March 11, rockets struck Camp Taji, killing two Americans and a Briton. Two days later, U.S. aircraft bombed five Kataib Hezbollah sites.

On March 14, another barrage hit the same base, wounding three U.S. soldiers.
"""


def test_days_later_count_from_the_sentence_before(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "909_recap.txt", RECAP), SEEDS)
    taji = _event(mapping, "On March 11")
    assert taji["id"] == "camp-taji-rocket-attack-2020-03-11" and "munitions" not in taji  # "11, rockets" is no count
    bombed = _event(mapping, "Two days later")
    assert (bombed["class"], bombed["date"]["value"]) == ("Airstrike", "2020-03-13")  # not another account of March 11
    assert bombed["roles"] == {"attacker": ["united-states"], "target": ["kataib-hezbollah"]}
    hurt = _event(mapping, "On March 14")["casualties"]
    assert [(c["status"], c["count"], c.get("nationality")) for c in hurt] == [("injured", 3, "united-states")]
    assert "briton" not in {e["id"] for e in mapping["draft_notes"]["new_entities"]}


def test_whom_a_vote_is_about_is_not_its_agent(tmp_path: Path) -> None:
    text = "A vote in Baghdad\n\nJanuary 6, 2020\n\nIraqi lawmakers voted on Sunday to expel U.S. forces from the country.\n"
    vote = _event(draft_mapping(_write(tmp_path, "910_vote.txt", text), SEEDS), "Iraqi lawmakers voted")
    assert vote["class"] == "Vote" and "agent" not in vote["roles"] and vote["roles"]["affected"] == ["us-military"]


TEHRAN_SIDE = """Iran says strikes were a slap in the face

January 9, 2020

"What happened last night was just a slap in the face," said Ayatollah Ali Khamenei in a speech in Qom.

Brig. Gen. Amir Ali Hajizadeh, commander of the IRGC aerospace force, said Iran had not intended to kill U.S. troops. "We did not seek to kill anyone," he told state television.

According to the semi-official Fars news agency, 15 missiles were fired from Iranian territory.
"""


@pytest.fixture(scope="module")
def tehran_side(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("tehran"), "911_tehran.txt", TEHRAN_SIDE), SEEDS)


def test_said_before_a_titled_name_and_he_told_after_a_quote(tehran_side: dict[str, Any]) -> None:
    speech = _event(tehran_side, '"What happened last night')
    assert speech["roles"] == {"speaker": ["ali-khamenei"]} and speech["channel"] == "Speech" and speech["places"] == ["qom"]
    assert speech["id"] == "khamenei-strikes-insufficient-2020-01-08"  # the graph's event
    told = _event(tehran_side, '"We did not seek')
    assert told["roles"] == {"speaker": ["amir-ali-hajizadeh"]}


def test_the_agency_a_report_is_according_to_is_its_source_not_its_doer(tehran_side: dict[str, Any]) -> None:
    fired = _event(tehran_side, "According to the semi-official Fars")
    assert fired["class"] == "MissileAttack" and fired["reported_by"] == "fars" and "roles" not in fired
    assert fired["munitions"]["attribution"] in TEHRAN_SIDE
    new = {e["id"]: e for e in tehran_side["draft_notes"]["new_entities"]}
    assert new["fars"]["type"] == "MediaOrganisation"


def test_a_byte_order_mark_is_no_part_of_the_title(tmp_path: Path) -> None:
    path = tmp_path / "912_bom.txt"
    path.write_bytes("\ufeffRockets hit base\r\n\r\nMarch 13, 2020\r\n\r\nOn Thursday, rockets struck Camp Taji.\r\n".encode())
    article = draft_mapping(path, SEEDS)["article"]
    assert article["title"] == "Rockets hit base" and article["headline"] == [{"quote": "Rockets hit base"}]


def test_an_unfinished_article_stops_no_draft_and_a_redraft_ignores_its_own(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(SEEDS, tmp_path / "seeds"))
    text = _write(copy / "articles", "900_follow_up.txt", FOLLOW_UP)
    # this article's own annotation, reviewed too early: an id the draft made up, notes left in
    text.with_suffix(".yaml").write_text(draft(text, copy).replace("status: draft", "status: reviewed"), encoding="utf-8")
    other = _write(copy / "articles", "901_convoy.txt", WEEKDAYS)
    other.with_suffix(".yaml").write_text(draft(other, copy).replace("status: draft", "status: reviewed"), encoding="utf-8")
    with pytest.raises(SeedError):
        read_seeds(copy)  # both files are refused by the build
    runner = CliRunner()
    again = runner.invoke(main, ["draft", "--seeds", str(copy), "--force", str(text)])
    assert again.exit_code == 0, again.output
    assert "status: draft" in text.with_suffix(".yaml").read_text(encoding="utf-8")
    # the registry is another matter: a mistake there stops the draft, and says where
    registry = copy / "registry.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("type: [State, Country]", "type: [Stat, Country]", 1), encoding="utf-8")
    broken = runner.invoke(main, ["draft", "--seeds", str(copy), "--force", str(text)])
    assert broken.exit_code != 0 and "registry.yaml" in broken.output


HOUSE = """House votes to limit war powers

January 10, 2020

The House voted 224-194 on Thursday to limit military action against Iran. Speaker Nancy Pelosi said the administration had provided no evidence.

Trump tweeted on Friday that the U.S. would impose new sanctions on Iran.

"It sends the wrong message to Tehran," said Representative Michael McCaul.
"""


def test_titles_stop_at_a_sentence_end_and_names_keep_inner_capitals(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "913_house.txt", HOUSE), SEEDS)
    new = {e["id"]: e for e in mapping["draft_notes"]["new_entities"]}
    assert new["nancy-pelosi"]["title"] == "Speaker"  # not "Iran. Speaker"
    assert new["michael-mccaul"]["label"] == "Michael McCaul" and new["house"]["type"] == "Legislature"
    # a tweet on Friday is not the graph's tweet of another day, though both are Trump's
    tweeted = [e for e in mapping["events"] if e["quote"].startswith("Trump tweeted")]
    assert [(e["class"], e["date"]["value"]) for e in tweeted] == [("Statement", "2020-01-10")]


EMBASSY = """Militia supporters storm U.S. Embassy in Baghdad

January 1, 2020

Hundreds of supporters of Kataib Hezbollah stormed the outer compound of the U.S. Embassy in Baghdad on Tuesday. U.S. troops fired tear gas to disperse the crowd.

The protest followed U.S. airstrikes on Sunday that killed 25 Kataib Hezbollah fighters. President Donald Trump blamed Iran.
"""


def test_a_storming_is_a_protest_and_tear_gas_no_attack(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "914_embassy.txt", EMBASSY), SEEDS)
    stormed = _event(mapping, "Hundreds of supporters")
    assert stormed["class"] == "Protest" and stormed["places"] == ["us-embassy-baghdad"]
    assert not any(e["quote"].startswith("U.S. troops fired tear gas") for e in mapping["events"])
    struck = _event(mapping, "The protest followed")
    assert struck["class"] == "Airstrike" and struck["casualties"][0]["quote"] == "25 Kataib Hezbollah fighters"
    # the statement in the sentence after the airstrikes is not dated by them: the text gives no day for it
    blamed = _event(mapping, "President Donald Trump blamed")
    assert blamed["class"] == "Statement" and "date" not in blamed


def test_an_act_a_speaker_reports_is_drafted_beside_the_statement(tmp_path: Path) -> None:
    text = ("Iran admits shooting down airliner\n\nJanuary 11, 2020\n\nIran's armed forces said on Saturday that they had unintentionally "
            "shot down a Ukrainian passenger jet near Tehran. President Hassan Rouhani would not say more, and Iran said it would not strike again.\n")
    mapping = draft_mapping(_write(tmp_path, "915_airliner.txt", text), SEEDS)
    said = [e for e in mapping["events"] if e["quote"].startswith(("Iran's armed forces", "they had unintentionally"))]
    assert sorted((e["class"], e.get("reported_by")) for e in said) == [("Attack", "iran"), ("Statement", None)]
    assert next(e for e in said if e["class"] == "Attack")["roles"] == {"attacker": ["iran"]}  # "they": the speaker
    # "would not strike again": nothing happened, nothing to report
    assert not any("strike again" in e["quote"] for e in mapping["events"] if e["class"] != "Statement")
    names = {e["id"] for e in mapping["draft_notes"]["new_entities"]}
    assert "ukrainian" not in names  # "a Ukrainian passenger jet": an adjective


def test_who_did_what_a_speaker_reports(tmp_path: Path) -> None:
    text = ("Strikes and rockets\n\nMarch 13, 2020\n\nThe U.S. military said it had carried out strikes against five Kataib Hezbollah "
            "weapons storage facilities. The Pentagon said that Kataib Hezbollah had fired the rockets.\n")
    mapping = draft_mapping(_write(tmp_path, "917_reported.txt", text), SEEDS)
    strikes = _event(mapping, "it had carried out strikes")
    # "it": the speaker did it, to the actor named after the verb; a new act word, "carried out strikes"
    assert strikes["class"] == "Attack" and strikes["reported_by"] == "us-military"
    assert strikes["roles"] == {"attacker": ["us-military"], "target": ["kataib-hezbollah"]}
    rockets = _event(mapping, "Kataib Hezbollah had fired")
    assert rockets["class"] == "RocketAttack" and rockets["reported_by"] == "pentagon" and rockets["roles"] == {"attacker": ["kataib-hezbollah"]}


def test_a_bearing_is_no_place_and_a_toll_alone_is_the_attacks(tmp_path: Path) -> None:
    text = ("Rockets hit Balad\n\nFebruary 5, 2020\n\nTwo Katyusha rockets struck Balad air base north of Baghdad late on Tuesday. "
            "No one was hurt.\n")
    mapping = draft_mapping(_write(tmp_path, "916_balad.txt", text), SEEDS)
    attack = _event(mapping, "Two Katyusha rockets")
    assert attack["places"] == ["balad"] and attack["target_places"] == ["balad"]  # not Baghdad, north of which it lies
    assert {e["id"]: e["type"] for e in mapping["draft_notes"]["new_entities"]}["balad"] == "MilitaryBase"
    assert [(c["status"], c["count"], c["qualifier"]) for c in attack["casualties"]] == [("injured", 0, "none-reported")]


def test_the_words_of_a_class_are_no_words_of_the_label(tmp_path: Path) -> None:
    # "rocket attack" is the class's word; "attack" in the label "Rocket attack on the U.S. Embassy ..."
    # had counted again as a word of the label, so any rocket attack with an Iranian hand was that one
    text = "Rockets again\n\nMarch 16, 2020\n\nThe rocket attack on Iranian orders was a warning, a militia leader said.\n"
    mapping = draft_mapping(_write(tmp_path, "918_warning.txt", text), SEEDS)
    assert not [e["id"] for e in mapping["events"] if not e["id"].startswith("draft-")]


def test_one_word_names_one_event_of_the_graph(tmp_path: Path) -> None:
    # the graph holds the rocket attack on Camp Taji and an earlier attack on it; "the rocket attack on
    # Camp Taji" names the first, and its word "attack" is no second reference to the other
    text = ("Taji again\n\nMarch 13, 2020\n\nThe day after the rocket attack on Camp Taji, the general told reporters "
            "that militias were the main suspects.\n")
    mapping = draft_mapping(_write(tmp_path, "919_taji.txt", text), SEEDS)
    assert [e["id"] for e in mapping["events"] if not e["id"].startswith("draft-")] == ["camp-taji-rocket-attack-2020-03-11"]


def test_an_act_in_response_to_a_known_event_and_the_relation(tmp_path: Path) -> None:
    text = ("New sanctions\n\nJanuary 10, 2020\n\nThe Treasury Department imposed sanctions on Friday on eight senior Iranian officials, "
            "in response to the missile attacks on U.S. forces in Iraq.\n")
    mapping = draft_mapping(_write(tmp_path, "917_sanctions.txt", text), SEEDS)
    imposed = next(e for e in mapping["events"] if e["class"] == "Sanction")  # "attacks" after "to" had made it no event
    assert imposed["date"]["value"] == "2020-01-10"
    answered = [(r["subject"], r["predicate"], r["object"]) for r in mapping["relations"]]
    assert answered == [(imposed["id"], "responseTo", "iran-missile-strikes-2020-01-08")]


def test_the_event_answered_is_the_one_named_after_the_link(tmp_path: Path) -> None:
    # the sentence also names the drone strike that killed Soleimani, with more of its words; what the
    # sanctions answer is what follows "in response to", up to the end of its phrase
    text = ("More sanctions\n\nJanuary 17, 2020\n\nThe Treasury imposed sanctions on Friday in response to Iran's missile attacks, "
            "which came after the U.S. drone strike that killed Soleimani at Baghdad airport.\n\n"
            "In response to the missile attacks on Ain al-Asad, the State Department imposed sanctions on two Iranian officials.\n")
    mapping = draft_mapping(_write(tmp_path, "920_answers.txt", text), SEEDS)
    answered = [(r["subject"], r["predicate"], r["object"]) for r in mapping["relations"]]
    sanctions = [e["id"] for e in mapping["events"] if e["class"] == "Sanction"]
    assert answered == [(s, "responseTo", "iran-missile-strikes-2020-01-08") for s in sanctions] and len(sanctions) == 2
    assert "iran-missile-strikes-2020-01-08" in {e["id"] for e in mapping["events"]}  # the event answered is listed


def test_another_account_of_an_attack_keeps_its_counts(tmp_path: Path) -> None:
    # the second sentence tells the attack again, with a toll only its source gives: the attack is
    # drafted once, and the toll is kept on it as that source's claim
    text = ("Missiles on a base\n\nMarch 16, 2020\n\nIran fired 15 missiles at Ain al-Asad air base on Wednesday. "
            'Iranian state television reported that 80 "American terrorists" were killed.\n')
    mapping = draft_mapping(_write(tmp_path, "921_toll.txt", text), SEEDS)
    attacks = [e for e in mapping["events"] if e["class"] == "MissileAttack"]
    assert len(attacks) == 1 and attacks[0]["munitions"]["count"] == 15
    assert [(c["count"], c["status"], c["quote"], c["claimed_by"]) for c in attacks[0]["casualties"]] == [
        (80, "killed", '80 "American terrorists"', "iranian-state-television")]
    assert "its casualties added to it" in mapping["draft_notes"]["left_out"][0]["why"]


def test_a_new_entry_takes_the_class_its_best_mention_shows(tmp_path: Path) -> None:
    # the first mention shows only the name's form (two capitalised words: a person?); the second
    # stands after "near": a place. The entry takes the class with more to go on, not the first
    text = ("Quiet on the border\n\nMarch 16, 2020\n\nAbu Kamal was quiet on Sunday. "
            "Airstrikes had hit militia depots near Abu Kamal a day earlier.\n")
    mapping = draft_mapping(_write(tmp_path, "923_best.txt", text), SEEDS)
    assert [(e["id"], e["type"], e["mentions"]) for e in mapping["draft_notes"]["new_entities"]] == [("abu-kamal", "City", 2)]


def test_a_place_an_attack_hits_or_a_list_of_places_names_is_a_place(tmp_path: Path) -> None:
    # "al-" is written in both persons' and places' names: what the name stands beside decides
    text = ("Strikes and protests\n\nMarch 16, 2020\n\nMortars hit Jurf al-Sakhar on Sunday. "
            "U.S. aircraft struck militia sites near Al Qaim and Abu Kamal. Protests spread in Karbala, Najaf and Nasiriyah on Friday. "
            "A drone struck Hadi al-Amiri's convoy. He met Qais al-Khazali in Kut and Falih al-Fayyadh said the talks went well. "
            "Airstrikes hit Asaib Ahl al-Haq and Harakat al-Nujaba.\n")
    mapping = draft_mapping(_write(tmp_path, "922_places.txt", text), SEEDS)
    kinds = {e["label"]: e["type"] for e in mapping["draft_notes"]["new_entities"]}
    assert {name: kinds[name] for name in ("Jurf al-Sakhar", "Al Qaim", "Abu Kamal", "Karbala", "Najaf", "Nasiriyah")} == dict.fromkeys(
        ("Jurf al-Sakhar", "Al Qaim", "Abu Kamal", "Karbala", "Najaf", "Nasiriyah"), "City")
    assert {name: kinds[name] for name in ("Hadi al-Amiri", "Qais al-Khazali", "Falih al-Fayyadh")} == dict.fromkeys(
        ("Hadi al-Amiri", "Qais al-Khazali", "Falih al-Fayyadh"), "Person")
    assert (kinds["Asaib Ahl al-Haq"], kinds["Harakat al-Nujaba"]) == ("Militia", "Militia")  # groups, by their names' words
    mortars = _event(mapping, "Mortars hit")
    assert mortars["target_places"] == ["jurf-al-sakhar"] and "target" not in mortars.get("roles", {})


def test_every_link_to_an_earlier_attack_is_read_alike() -> None:
    from crisiskg.curate import draft_dates, draft_events
    from crisiskg.curate.segments import Segment

    # "shortly after" takes the attack's day however many words name the attack
    later = draft_dates.soon_after("Minutes after the Iranian missile barrage, the Guards shot down an airliner.", "a1",
                                   {"value": "2020-01-08", "precision": "day"})
    assert later is not None and later.value == "2020-01-08"
    # a link that ends a sentence, with "minutes" as with "hours": the main clause stops before it
    text = "Iranian television said the Guards fired on Ain al-Asad air base, minutes after the drone killed two officers."
    clause = draft_events.main_clause(Segment(0, len(text), text, 0, 0))
    assert clause.text == "Iranian television said the Guards fired on Ain al-Asad air base"


def test_a_toll_someone_gives_is_the_attack_s_not_their_words(tmp_path: Path) -> None:
    # the sentence is the Pentagon's statement, and names the graph's missile attack: the injured are
    # the attack's, as the Pentagon gives them (a statement has no casualties)
    text = ("Brain injuries\n\nJanuary 28, 2020\n\nThe Pentagon said on Tuesday that 50 U.S. service members had been "
            "diagnosed with traumatic brain injuries after Iran's missile attack on Ain al-Asad air base.\n")
    mapping = draft_mapping(_write(tmp_path, "924_tbi.txt", text), SEEDS)
    attack = next(e for e in mapping["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert [(c["status"], c["count"], c["claimed_by"]) for c in attack["casualties"]] == [("injured", 50, "pentagon")]
    assert [e["class"] for e in mapping["events"] if e.get("casualties")] == ["MissileAttack"]


def test_a_toll_in_the_strikes_is_the_attack_told_last_though_the_graph_holds_it(tmp_path: Path) -> None:
    # the first sentence names the graph's missile attack; "were killed in the strikes" is its toll, as
    # Iranian state media gave it, and no new killing
    text = ("Brain injuries\n\nJanuary 28, 2020\n\nFifty U.S. service members were hurt in Iran's missile attack on Ain al-Asad air base, "
            "the Pentagon said on Tuesday. Iranian state media had claimed that 80 \"American terrorists\" were killed in the strikes.\n")
    mapping = draft_mapping(_write(tmp_path, "925_claimed.txt", text), SEEDS)
    attack = next(e for e in mapping["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert (80, "killed", "iranian-state-media") in {(c["count"], c["status"], c.get("claimed_by")) for c in attack["casualties"]}
    assert not [e for e in mapping["events"] if e["class"] == "Killing"]


def test_a_statement_of_a_toll_in_a_dated_attack_keeps_the_statement(tmp_path: Path) -> None:
    # Trump's words are a statement; the toll he gives is the attack's (told just before); "Jan. 8"
    # dates the attack, not when he spoke
    text = ("Brain injuries\n\nJanuary 28, 2020\n\nFifty U.S. service members were hurt in Iran's missile attack on Ain al-Asad air base, "
            "the Pentagon said on Tuesday. President Donald Trump had initially said that no Americans were hurt in the Jan. 8 attack.\n")
    mapping = draft_mapping(_write(tmp_path, "926_harmed.txt", text), SEEDS)
    said = _event(mapping, "President Donald Trump had initially said")
    assert said["class"] == "Statement" and said["roles"]["speaker"] == ["donald-trump"] and "date" not in said
    assert "casualties" not in said
    attack = next(e for e in mapping["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert (0, "injured", "donald-trump") in {(c["count"], c["status"], c.get("claimed_by")) for c in attack["casualties"]}


LIVE = """Live updates: Iran fires missiles at U.S. forces in Iraq

January 8, 2020

1:45 a.m. ET: Iran's Revolutionary Guards said they had launched "tens of" surface-to-surface missiles at Ain al-Asad air base in western Iraq, Iranian state television reported.

2:10 a.m. ET: A second wave of missiles struck the airport in Erbil, in Iraq's Kurdistan region, a U.S. official told CNN.

2:30 a.m. ET: The Pentagon confirmed that "more than a dozen" ballistic missiles were launched from Iran. Chief Pentagon spokesman Jonathan Hoffman said the Defense Department was working on initial battle damage assessments.

3:05 a.m. ET: Iraq's military said in a statement that 22 missiles had been fired, 17 at Ain al-Asad and five at Erbil, and that no Iraqi casualties were reported.
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("live"), "911_live.txt", LIVE), SEEDS)


def test_a_live_entry_s_time_stamp_dates_it_on_the_article_s_day(live: dict[str, Any]) -> None:
    # the stamp is no part of the sentence's quote; its entry happened on the article's day, so the
    # second wave on Erbil is the graph's missile attack of that day, not a new event
    first = next(e for e in live["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert first["quote"].startswith("Iran's Revolutionary Guards said")
    assert first["date"]["value"] == "2020-01-08" and "'1:45 a.m. ET': the time of a live entry" in first["date"]["derivation"]
    assert not [e for e in live["events"] if "A second wave" in e["quote"]]
    assert "another account of iran-missile-strikes-2020-01-08" in next(
        n["why"] for n in live["draft_notes"]["left_out"] if n["quote"].startswith("A second wave"))
    assert all(not e["quote"].startswith(("ET:", "a.m.")) for e in live["events"])


def test_an_attack_a_statement_reports_again_is_the_attack_told_before(live: dict[str, Any]) -> None:
    # "22 missiles had been fired" has no doer and no day of its own: the missile attack of the entries
    # before, whose count the Iraqi military gives; no second attack is drafted from the statement
    attack = next(e for e in live["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert (attack["munitions"]["count"], attack["munitions"]["quote"]) == (22, "22 missiles")
    said = _event(live, "Iraq's military said")
    assert said["class"] == "Statement" and "munitions" not in said
    assert [e["id"] for e in live["events"] if "22 missiles" in e["quote"]] == [said["id"]]


def test_an_organisation_inside_a_title_is_no_titled_name(live: dict[str, Any]) -> None:
    # "Chief Pentagon spokesman Jonathan Hoffman": the whole is Hoffman's title, the Pentagon is named
    # in it, and neither "Pentagon" titled "Chief" nor a "Chief Pentagon" is proposed
    assert [(r["holder"], r["title"]) for r in live["roles"] if r["holder"] in ("jonathan-hoffman", "pentagon")] == [
        ("jonathan-hoffman", "Chief Pentagon spokesman")]
    proposed = {e["id"]: e for e in live["draft_notes"]["new_entities"]}
    assert "chief-pentagon" not in proposed and proposed["pentagon"]["type"] == "Government" and proposed["pentagon"]["mentions"] == 2


def test_a_count_a_speaker_reports_is_no_view(live: dict[str, Any]) -> None:
    # "Iraq's military said ... 22 missiles had been fired ... no Iraqi casualties": facts told, with
    # no cue of a view; the proposition words they share ("missiles", "Ain al-Asad") make no stance
    assert not [s for s in live["stances"] if s["quote"].startswith("Iraq's military said")]


def test_an_unnamed_source_of_any_nation_is_a_source(tmp_path: Path) -> None:
    # "one former Qatari official": the fidelity review's "one former official", of any nation
    text = ("A visit\n\nJanuary 13, 2020\n\nQatar's emir travelled to Tehran on Sunday for talks with President Hassan Rouhani, "
            "one former Qatari official said.\n")
    mapping = draft_mapping(_write(tmp_path, "927_qatari.txt", text), SEEDS)
    source = next(s for s in mapping["sources"] if s["description"] == "one former Qatari official")
    assert _event(mapping, "Qatar's emir")["reported_by"] == source["id"]


def test_a_chancellor_s_or_an_emir_s_title_is_no_part_of_the_name(tmp_path: Path) -> None:
    text = ("Reactions\n\nJanuary 9, 2020\n\nGerman Chancellor Angela Merkel condemned the attacks. "
            "Emir Tamim bin Hamad Al Thani called for calm.\n")
    mapping = draft_mapping(_write(tmp_path, "928_heads.txt", text), SEEDS)
    assert {(e["id"], e.get("title")) for e in mapping["draft_notes"]["new_entities"]} == {
        ("angela-merkel", "German Chancellor"), ("tamim-bin-hamad-al-thani", "Emir")}


def test_a_name_may_begin_with_an_accented_capital(tmp_path: Path) -> None:
    # "Çavuşoğlu" and "Élysée" begin with capitals outside A-Z: the names are whole, the title split off
    text = ("Reactions\n\nJanuary 9, 2020\n\nTurkish Foreign Minister Mevlüt Çavuşoğlu said Ankara would not take sides, "
            "according to a statement from the Élysée Palace.\n")
    mapping = draft_mapping(_write(tmp_path, "929_accents.txt", text), SEEDS)
    proposed = {e["label"]: e for e in mapping["draft_notes"]["new_entities"]}
    assert (proposed["Mevlüt Çavuşoğlu"]["id"], proposed["Mevlüt Çavuşoğlu"]["title"]) == ("mevlut-cavusoglu", "Turkish Foreign Minister")
    assert (proposed["Élysée Palace"]["id"], proposed["Élysée Palace"]["type"]) == ("elysee-palace", "Facility")


def test_a_capital_words_are_addressed_to_is_no_place(tmp_path: Path) -> None:
    # "called on both Tehran and Washington": the two governments, not where the attacks happened
    text = ("Restraint\n\nJanuary 9, 2020\n\nEuropean leaders on Wednesday condemned Iran's missile attacks on bases housing "
            "U.S. troops in Iraq and called on both Tehran and Washington to step back from the brink.\n")
    mapping = draft_mapping(_write(tmp_path, "930_addressed.txt", text), SEEDS)
    attack = next(e for e in mapping["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert not {"tehran", "washington-dc"} & set(attack.get("places", []) + attack.get("target_places", []))


def test_a_name_with_a_possessive_inside_keeps_its_offsets_and_speaks() -> None:
    from crisiskg.textscan import candidate_names

    # "Russia's Foreign Ministry": the name had lost its "'s" and with it two characters of its end,
    # so the verb after it was not found and the ministry did not speak
    text = "Russia's Foreign Ministry warned that the killing had pushed the region to the edge of war."
    assert [(text[b:e], name) for b, e, name in candidate_names(text)] == [("Russia's Foreign Ministry", "Russia's Foreign Ministry")]
    other = "The People's Mobilization Forces met. Iraq's Kataib Hezbollah's leader spoke."
    assert [other[b:e] for b, e, name in candidate_names(other)] == [name for b, e, name in candidate_names(other)] == [
        "People's Mobilization Forces", "Iraq's Kataib Hezbollah"]


def test_a_body_with_its_state_s_name_speaks(tmp_path: Path) -> None:
    text = ("Reactions\n\nJanuary 9, 2020\n\nRussia's Foreign Ministry warned that Washington's killing of Soleimani had pushed "
            "the region to the edge of a major war.\n")
    mapping = draft_mapping(_write(tmp_path, "931_russia.txt", text), SEEDS)
    assert _event(mapping, "Russia's Foreign Ministry")["roles"]["speaker"] == ["russia-foreign-ministry"]
    assert [(e["id"], e["label"]) for e in mapping["draft_notes"]["new_entities"]] == [("russia-foreign-ministry", "Russia's Foreign Ministry")]


def test_a_state_s_capitalised_body_speaks_for_it(tmp_path: Path) -> None:
    # "Iran's foreign ministry said" made Iran the speaker; "Iran's Foreign Ministry said", capitalised,
    # drafted nothing at all
    text = "Baseless\n\nJanuary 28, 2020\n\nIran's Foreign Ministry said the accusation was baseless.\n"
    mapping = draft_mapping(_write(tmp_path, "932_iran_fm.txt", text), SEEDS)
    said = _event(mapping, "Iran's Foreign Ministry said")
    assert said["class"] == "Statement" and said["roles"] == {"speaker": ["iran"]}


def test_a_warning_of_what_has_happened_is_a_statement(tmp_path: Path) -> None:
    text = ("Warnings\n\nJanuary 9, 2020\n\nRussia's Foreign Ministry warned that Washington's killing of Soleimani had pushed "
            "the region to the edge of a major war.\n\nIran warned that it had been attacked and would respond.\n")
    mapping = draft_mapping(_write(tmp_path, "933_warned.txt", text), SEEDS)
    assert _event(mapping, "Russia's Foreign Ministry")["class"] == "Statement"
    assert _event(mapping, "Iran warned")["class"] == "Threat"  # "would respond": what will come


def test_a_speaker_who_first_spoke_with_someone_speaks(tmp_path: Path) -> None:
    # "Macron spoke with Salih by phone and stressed ...": Salih, named between Macron and his verb, is
    # whom he spoke with (not, as between commas, the one who speaks); "spoke" is a past like "met"
    text = ("Calls\n\nJanuary 9, 2020\n\nFrench President Emmanuel Macron spoke with Iraqi President Barham Salih by phone "
            "and stressed the need to preserve Iraq's sovereignty.\n")
    mapping = draft_mapping(_write(tmp_path, "934_macron.txt", text), SEEDS)
    said = _event(mapping, "French President Emmanuel Macron")
    assert said["class"] == "Statement" and said["roles"]["speaker"] == ["emmanuel-macron"]


def test_the_nation_of_the_people_counted_is_no_actor(tmp_path: Path) -> None:
    text = ("Fact check\n\nJanuary 15, 2020\n\nIranian state media claimed that 80 U.S. soldiers died in the January 8 strikes "
            "on Ain al-Asad air base.\n")
    mapping = draft_mapping(_write(tmp_path, "935_counted.txt", text), SEEDS)
    attack = next(e for e in mapping["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert "united-states" not in {i for ids in (attack.get("roles") or {}).values() for i in ids}  # had been the attacker
    assert [(c["count"], c["nationality"]) for c in attack["casualties"]] == [(80, "united-states")]


def test_an_acknowledged_toll_after_the_attack_is_the_attack_s(tmp_path: Path) -> None:
    text = ("Fact check\n\nJanuary 15, 2020\n\nIran fired missiles at Ain al-Asad air base on January 8. "
            "However, the Pentagon later acknowledged that 11 service members had been treated for concussion symptoms after the attack. "
            "There are no confirmed casualties among Iraqi troops.\n")
    mapping = draft_mapping(_write(tmp_path, "936_acknowledged.txt", text), SEEDS)
    said = _event(mapping, "However, the Pentagon")
    assert said["class"] == "Statement" and said["roles"]["speaker"] == ["pentagon"] and "casualties" not in said
    attack = next(e for e in mapping["events"] if e["id"] == "iran-missile-strikes-2020-01-08")
    assert (11, "injured", "pentagon") in {(c["count"], c["status"], c.get("claimed_by")) for c in attack["casualties"]}
    assert not [e for e in mapping["events"] if e["quote"].startswith("There are no confirmed")]  # "confirmed" says nothing here


def test_the_agent_of_a_passive_attack_is_its_attacker(tmp_path: Path) -> None:
    # who intercepted the missiles did not fire them
    text = ("Missiles over Jizan\n\nFebruary 20, 2020\n\nSaudi air defenses intercepted four missiles fired by the Houthis "
            "at Jizan on Wednesday.\n")
    mapping = draft_mapping(_write(tmp_path, "937_passive.txt", text), SEEDS)
    attack = _event(mapping, "Saudi air defenses")
    assert attack["class"] == "MissileAttack" and attack["roles"] == {"attacker": ["houthis"]}


def test_to_before_a_name_makes_no_act_hypothetical(tmp_path: Path) -> None:
    # "loyal to Iran fired": "to" was read as an infinitive three words before the verb ("to strike back")
    text = ("Attacks\n\nMarch 16, 2020\n\nMilitias loyal to Iran fired rockets at the base on Monday. "
            "The United States is expected to strike back.\n")
    mapping = draft_mapping(_write(tmp_path, "938_loyal.txt", text), SEEDS)
    fired = _event(mapping, "Militias loyal to Iran")
    assert fired["class"] == "RocketAttack" and fired["roles"]["attacker"] == ["iran"]
    assert not [e for e in mapping["events"] if e["quote"].startswith("The United States is expected")]  # that one is to come


def test_a_breach_by_hackers_is_a_cyber_attack(tmp_path: Path) -> None:
    text = ("Cyber\n\nFebruary 20, 2020\n\nHackers linked to Iran attempted to breach the networks of U.S. federal agencies in January, "
            "according to the Department of Homeland Security.\n")
    mapping = draft_mapping(_write(tmp_path, "939_cyber.txt", text), SEEDS)
    breach = _event(mapping, "Hackers linked to Iran")
    assert breach["class"] == "CyberAttack" and breach["roles"]["attacker"] == ["iran"] and breach["date"]["value"] == "2020-01"


def test_where_one_works_named_in_a_title_is_no_city(tmp_path: Path) -> None:
    text = ("Markets\n\nJanuary 3, 2020\n\n\"The market is pricing in a risk premium,\" said Ann Louise Hittle, an analyst at "
            "Wood Mackenzie.\n")
    mapping = draft_mapping(_write(tmp_path, "940_employer.txt", text), SEEDS)
    kinds = {e["id"]: e["type"] for e in mapping["draft_notes"]["new_entities"]}
    assert kinds["wood-mackenzie"] == "Organisation"  # "at" had made it a city, and the statement's place
    assert "places" not in _event(mapping, '"The market is pricing')


def test_an_adjective_of_nation_in_i_is_no_name(tmp_path: Path) -> None:
    text = ("Oil\n\nJanuary 3, 2020\n\nDrone and missile attacks on Saudi oil facilities knocked out half of the output in September. "
            "Qatari and Emirati officials called for calm.\n")
    mapping = draft_mapping(_write(tmp_path, "941_saudi.txt", text), SEEDS)
    assert not {"saudi", "qatari", "emirati"} & {e["id"] for e in mapping["draft_notes"]["new_entities"]}


def test_a_reference_takes_no_day_its_event_cannot_have(tmp_path: Path) -> None:
    # Wednesday is the day of the words; the killing the words name was on 3 January
    text = ("The night\n\nJanuary 12, 2020\n\nIn the early hours of January 8, Iran fired more than a dozen ballistic missiles at two "
            "bases in Iraq housing U.S. troops.\n\nEarly Wednesday, Iranian state TV said the attack was revenge for the killing of Soleimani.\n")
    mapping = draft_mapping(_write(tmp_path, "942_refdate.txt", text), SEEDS)
    killing = next(e for e in mapping["events"] if e["id"] == "soleimani-killing-2020-01-03")
    assert "date" not in killing


def test_a_hometown_is_a_city(tmp_path: Path) -> None:
    text = "Funeral\n\nJanuary 8, 2020\n\nIran buried Soleimani in his hometown of Kerman on Tuesday.\n"
    mapping = draft_mapping(_write(tmp_path, "943_kerman.txt", text), SEEDS)
    assert {e["id"]: e["type"] for e in mapping["draft_notes"]["new_entities"]}["kerman"] == "City"  # had been an organisation


def test_a_count_a_statement_repeats_stays_with_the_attack_once(tmp_path: Path) -> None:
    # the same source gives the same count twice: the attack keeps it once, the statement none
    text = ("Missiles\n\nMarch 16, 2020\n\nIran fired 22 missiles at Ain al-Asad air base on Sunday, the Iraqi military said. "
            "On Sunday, the Iraqi military also said that 22 missiles had been fired.\n")
    mapping = draft_mapping(_write(tmp_path, "944_again.txt", text), SEEDS)
    attack = _event(mapping, "Iran fired 22 missiles")
    assert attack["munitions"]["count"] == 22 and attack["munitions"]["claimed_by"] == "iraqi-military"
    assert "munitions" not in _event(mapping, "On Sunday, the Iraqi military also said")


EXPERTS = """What experts say

January 9, 2020

"Iran has calibrated its response," said Suzanne Maloney, a scholar at the Brookings Institution.

Ali Vaez, the Iran project director at the International Crisis Group, said Tehran would likely turn to its proxies.

According to Michael Knights of the Washington Institute for Near East Policy, Kataib Hezbollah has fired more than a dozen rocket attacks since October.
"""


def test_experts_their_appositions_and_institutions(tmp_path: Path) -> None:
    mapping = draft_mapping(_write(tmp_path, "918_experts.txt", EXPERTS), SEEDS)
    new = {e["id"]: e for e in mapping["draft_notes"]["new_entities"]}
    assert new["suzanne-maloney"]["title"] == "a scholar at the Brookings Institution"
    assert new["ali-vaez"]["title"] == "the Iran project director at the International Crisis Group"
    assert new["international-crisis-group"]["type"] == "ThinkTank" and new["michael-knights"]["type"] == "Person"
    # the organisation inside Vaez's apposition does not speak; he does
    assert _event(mapping, "Ali Vaez")["roles"] == {"speaker": ["ali-vaez"]}
    # "Michael Knights of the Washington Institute": a name before a registry alias ("Washington") is still found
    assert _event(mapping, "According to Michael Knights")["reported_by"] == "michael-knights"


def test_an_announcement_the_graph_holds_and_a_bill_passed(tmp_path: Path) -> None:
    text = ("Iran's next steps\n\nJanuary 5, 2020\n\nIran's parliament passed a bill on Tuesday designating all U.S. forces as terrorists.\n\n"
            "On Sunday, Iran announced that it would no longer abide by any limits on its uranium enrichment.\n")
    mapping = draft_mapping(_write(tmp_path, "919_steps.txt", text), SEEDS)
    assert _event(mapping, "Iran's parliament passed")["class"] == "Vote"
    announced = [e for e in mapping["events"] if "announced" in e["quote"]]
    assert [(e["id"], e["class"]) for e in announced] == [("iran-enrichment-announcement-2020-01-05", "Announcement")]


def test_the_act_before_a_link_and_the_span_after_an_earlier_event(tmp_path: Path) -> None:
    text = ("A new prime minister-designate\n\nApril 9, 2020\n\nIraqi President Barham Salih on Thursday named intelligence chief "
            "Mustafa al-Kadhimi as prime minister-designate, hours after Adnan al-Zurfi withdrew his bid. Prime Minister Adel Abdul Mahdi "
            "resigned in November after weeks of deadly protests. U.S. sanctions reintroduced following the 2018 withdrawal have hurt Iraq's "
            "neighbour.\n")
    mapping = draft_mapping(_write(tmp_path, "920_politics.txt", text), SEEDS)
    named = _event(mapping, "Iraqi President Barham Salih")
    assert named["class"] == "GovernmentFormation"  # not the withdrawal of the clause after "hours after"
    assert named["roles"] == {"agent": ["barham-salih"], "affected": ["mustafa-kadhimi"]}
    assert next(r for r in mapping["roles"] if r["holder"] == "mustafa-kadhimi")["title"] == "intelligence chief"  # not "named ..."
    assert not any(e["class"] == "Protest" for e in mapping["events"])  # the protests before the resignation are not its act
    sanctions = next(e for e in mapping["events"] if e["class"] == "Sanction")
    assert sanctions["date"]["value"] == "2018/2020-04-09" and sanctions["date"]["precision"] == "range"


def test_a_capitals_response_is_its_governments(tmp_path: Path) -> None:
    text = ("Tehran answers\n\nJanuary 9, 2020\n\nIran fired missiles at bases in Iraq on Wednesday, Tehran's response to the killing.\n"
            "Rockets struck a market in Baghdad on Thursday.\n")
    mapping = draft_mapping(_write(tmp_path, "921_response.txt", text), SEEDS)
    assert "tehran" not in _event(mapping, "Iran fired missiles").get("places", [])
    assert "baghdad" in _event(mapping, "Rockets struck a market").get("places", [])


FUNERAL = """Stampede at Soleimani funeral kills 56 as Iran seizes tanker

KERMAN, Iran (Jan. 7, 2020) - A stampede at the burial of Gen. Qassem Soleimani in his hometown of Kerman killed at least 56 people and injured more than 200, Iranian state television reported on Tuesday.

The crush forced officials to postpone the burial by several hours.

Separately, Iran's Revolutionary Guards seized a foreign tanker in the Strait of Hormuz on Monday, accusing it of smuggling fuel.
"""


@pytest.fixture(scope="module")
def funeral(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("funeral"), "922_funeral.txt", FUNERAL), SEEDS)


def test_a_stampede_is_an_accident_with_its_toll_and_no_attacker(funeral: dict[str, Any]) -> None:
    # it had been a killing (CAMEO 186, assassinate) with Soleimani, whose burial it was, as attacker
    stampede = next(e for e in funeral["events"] if "A stampede" in e["quote"])
    assert stampede["class"] == "Accident" and "cameo" not in stampede and "roles" not in stampede
    assert stampede["places"] == ["kerman"] and stampede["date"]["value"] == "2020-01-07"
    assert {(c["status"], c["count"], c["qualifier"]) for c in stampede["casualties"]} == {("killed", 56, "at-least"), ("injured", 200, "more-than")}
    # its "killed" is the stampede's toll: the sentence is no account of Soleimani's killing
    assert "soleimani-killing-2020-01-03" not in {e["id"] for e in funeral["events"]}
    # "The crush ..." goes on about it: no second accident
    assert [e["id"] for e in funeral["events"] if e["class"] == "Accident"] == [stampede["id"]]
    assert "continues the accident" in next(n["why"] for n in funeral["draft_notes"]["left_out"] if n["quote"].startswith("The crush"))


def test_a_title_begins_with_its_own_word(funeral: dict[str, Any]) -> None:
    # "the burial of Gen. Qassem Soleimani": the title is "Gen.", not "of Gen."
    assert [(r["holder"], r["title"], r["quote"]) for r in funeral["roles"]] == [("qassem-soleimani", "Gen.", "Gen. Qassem Soleimani")]


def test_a_tanker_seized_is_a_seizure_by_whoever_seized_it(funeral: dict[str, Any]) -> None:
    # it had drafted nothing
    seized = _event(funeral, "Separately, Iran's Revolutionary Guards seized")
    assert seized["class"] == "Seizure" and seized["cameo"] == "171"
    assert seized["roles"] == {"agent": ["irgc"]} and seized["places"] == ["strait-of-hormuz"]
    assert seized["date"]["value"] == "2020-01-06"


def test_a_crash_is_an_accident_unless_a_weapon_brought_it_down(tmp_path: Path) -> None:
    text = ("A night near Tehran\n\nJanuary 8, 2020\n\nA military transport plane crashed near Hamadan on Friday, killing two crew members.\n"
            "A missile hit the airliner, which crashed near Tehran.\nSecurity forces moved to crush the protests in Baghdad.\n")
    mapping = draft_mapping(_write(tmp_path, "923_crash.txt", text), SEEDS)
    crash = _event(mapping, "A military transport plane crashed")
    assert crash["class"] == "Accident" and "roles" not in crash and crash["casualties"][0]["count"] == 2
    assert _event(mapping, "A missile hit the airliner")["class"] == "MissileAttack"
    assert [e["class"] for e in mapping["events"] if e["class"] == "Accident"] == ["Accident"]  # "crush the protests" is none


DEPLOY = """Thousands of U.S. troops head to the Middle East as allies pull out of Iraq

WASHINGTON (Jan. 6, 2020) - The Pentagon on Saturday ordered about 3,500 paratroopers from the 82nd Airborne Division to Kuwait, a U.S. official said.

NATO suspended its training mission in Iraq on Saturday, and Germany said it would move some of its 120 soldiers from Iraq to Jordan and Kuwait.
"""


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("deploy"), "924_deploy.txt", DEPLOY), SEEDS)


def test_a_military_unit_is_an_armed_force_with_its_number(deploy: dict[str, Any]) -> None:
    # "the 82nd Airborne Division" had been a person, "Airborne Division"
    new = {e["id"]: e for e in deploy["draft_notes"]["new_entities"]}
    assert (new["82nd-airborne-division"]["type"], new["82nd-airborne-division"]["label"]) == ("ArmedForce", "82nd Airborne Division")


def test_a_country_the_registry_lacks_is_proposed_as_a_country(deploy: dict[str, Any]) -> None:
    # "Germany said" had been an organisation, "to Jordan and Kuwait" two cities
    new = {e["id"]: e for e in deploy["draft_notes"]["new_entities"]}
    assert [new[k]["type"] for k in ("germany", "jordan", "kuwait")] == [["State", "Country"]] * 3
    assert "point" not in new["jordan"]["suggested"]["why"]  # a country has no point on the map by design
    # a country speaks as a state does
    assert _event(deploy, "NATO suspended")["roles"] == {"speaker": ["germany"]}


def test_troops_ordered_somewhere_are_a_deployment_there(deploy: dict[str, Any]) -> None:
    # "ordered about 3,500 paratroopers ... to Kuwait" had drafted nothing; where they go is its place
    sent = _event(deploy, "WASHINGTON (Jan. 6, 2020) - The Pentagon")
    assert sent["class"] == "Deployment" and sent["places"] == ["kuwait"]
    assert sent["roles"]["agent"] == ["pentagon"] and "82nd-airborne-division" in sent["roles"]["affected"]


def test_a_datelines_date_is_the_articles_not_the_sentences(deploy: dict[str, Any]) -> None:
    # "WASHINGTON (Jan. 6, 2020) - The Pentagon on Saturday ordered ...": Saturday 4 January, not the 6th
    sent = _event(deploy, "WASHINGTON (Jan. 6, 2020) - The Pentagon")
    assert sent["date"]["value"] == "2020-01-04" and "'on Saturday'" in sent["date"]["derivation"]
    assert deploy["article"]["published"]["date"] == "2020-01-06"


def test_the_words_that_attribute_a_sentence_name_no_party_to_its_act(deploy: dict[str, Any]) -> None:
    # ", a U.S. official said": the United States had been a party the deployment was done to
    sent = _event(deploy, "WASHINGTON (Jan. 6, 2020) - The Pentagon")
    assert sent["roles"] == {"agent": ["pentagon"], "affected": ["82nd-airborne-division"]}
    assert sent["reported_by"] == "a-u-s-official"


def test_a_registry_entry_spelt_another_way_is_the_same_entry(tmp_path: Path) -> None:
    # the registry spells them "Adel Abdul Mahdi" and "António Guterres": the hyphen and the missing
    # accent had made each a new entry proposed with the registry's own id
    text = ("Calls for calm\n\nJanuary 9, 2020\n\nIraqi Prime Minister Adel Abdul-Mahdi spoke with Antonio Guterres on Thursday.\n")
    mapping = draft_mapping(_write(tmp_path, "925_spelt.txt", text), SEEDS)
    found = mapping["draft_notes"]["registry_entities_found"]
    assert found.get("adel-abdul-mahdi") == 1 and found.get("antonio-guterres") == 1
    assert not {"adel-abdul-mahdi", "antonio-guterres"} & {e["id"] for e in mapping["draft_notes"]["new_entities"]}


DIPLOMACY = """Oman and Switzerland pass messages as UN urges restraint

NEW YORK, Jan. 9, 2020 - The U.N. Security Council met behind closed doors on Thursday to discuss the crisis, diplomats said.

Switzerland, which represents U.S. interests in Tehran, delivered a message from Washington to Iranian officials hours after the drone strike, the Swiss foreign ministry said.
"""


@pytest.fixture(scope="module")
def diplomacy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("diplomacy"), "926_diplomacy.txt", DIPLOMACY), SEEDS)


def test_a_dateline_with_a_date_is_where_the_story_was_filed(diplomacy: dict[str, Any]) -> None:
    # "NEW YORK, Jan. 9, 2020 - ": a city (it had been an organisation, by its capitals), and the article's day
    new = {e["id"]: e for e in diplomacy["draft_notes"]["new_entities"]}
    assert new["new-york"]["type"] == "City"
    assert diplomacy["article"]["published"]["date"] == "2020-01-09"


def test_the_u_n_and_its_security_council_are_the_registrys(diplomacy: dict[str, Any]) -> None:
    # "The U.N. Security Council" had been two new entries, "U.N" (an organisation) and "Security
    # Council" (a think tank, by "Council")
    assert diplomacy["draft_notes"]["registry_entities_found"].get("un-security-council") == 1
    assert not {"u-n", "security-council"} & {e["id"] for e in diplomacy["draft_notes"]["new_entities"]}


def test_an_adjective_of_nation_of_no_common_ending_is_no_name(diplomacy: dict[str, Any]) -> None:
    # "the Swiss foreign ministry said": "Swiss" had been proposed as an organisation
    assert "swiss" not in {e["id"] for e in diplomacy["draft_notes"]["new_entities"]}


def test_a_title_owned_by_a_body_of_two_words_keeps_both(tmp_path: Path) -> None:
    # "The European Union's foreign policy chief Josep Borrell": the body had been proposed as "Union",
    # and the title as "Union's foreign policy chief"
    text = "Brussels invites Zarif\n\nJanuary 9, 2020\n\nThe European Union's foreign policy chief Josep Borrell invited Iran's foreign minister to Brussels.\n"
    mapping = draft_mapping(_write(tmp_path, "927_borrell.txt", text), SEEDS)
    new = {e["id"]: e for e in mapping["draft_notes"]["new_entities"]}
    assert new["european-union"]["type"] == "InternationalOrganisation" and "union" not in new
    assert new["josep-borrell"]["title"] == "European Union's foreign policy chief"


def test_the_toll_and_place_of_an_act_a_statement_reports_are_the_acts(tmp_path: Path) -> None:
    # the toll and Karbala had stayed on the militia's statement, and the airstrike had no attacker
    text = ("Militia says strike killed fighters\n\nJanuary 3, 2020\n\nThe Popular Mobilization Forces said five of its fighters were "
            "killed in a U.S. airstrike near Karbala on Thursday.\n")
    mapping = draft_mapping(_write(tmp_path, "928_reported.txt", text), SEEDS)
    said = _event(mapping, "The Popular Mobilization Forces said")
    strike = _event(mapping, "five of its fighters")
    assert said["class"] == "Statement" and "casualties" not in said and "places" not in said
    assert strike["class"] == "Airstrike" and strike["places"] == ["karbala"] and strike["roles"] == {"attacker": ["united-states"]}
    assert [(c["status"], c["count"], c["claimed_by"]) for c in strike["casualties"]] == [("killed", 5, "popular-mobilization-forces")]
    assert strike["date"]["value"] == "2020-01-02"


def test_a_march_is_a_protest(tmp_path: Path) -> None:
    # "marched in Baghdad ... demanding the expulsion" had drafted nothing
    text = ("Sadr supporters march\n\nJanuary 25, 2020\n\nHundreds of thousands of supporters of Moqtada al-Sadr marched in Baghdad on "
            "Friday, demanding the expulsion of U.S. troops.\nOil prices rallied on Friday.\n")
    mapping = draft_mapping(_write(tmp_path, "929_march.txt", text), SEEDS)
    march = _event(mapping, "Hundreds of thousands")
    assert march["class"] == "Protest" and march["cameo"] == "141" and march["places"] == ["baghdad"]
    assert march["roles"]["agent"] == ["moqtada-al-sadr"] and march["date"]["value"] == "2020-01-24"
    assert [e["class"] for e in mapping["events"]] == ["Protest"]  # prices that rallied are no rally


def test_a_killing_a_sentence_says_did_not_happen_is_no_killing(tmp_path: Path) -> None:
    # "Police said no protesters were killed" had drafted a killing (a count of none on it)
    text = "Calm in Basra\n\nJanuary 10, 2020\n\nPolice said no protesters were killed in Basra on Friday.\n"
    mapping = draft_mapping(_write(tmp_path, "930_none.txt", text), SEEDS)
    assert not [e for e in mapping["events"] if e["class"] in ("Killing", "Attack")]


def test_a_toll_a_source_reports_after_an_attack_is_another_account_of_it(tmp_path: Path) -> None:
    # each toll had been a killing of its own, with no attacker; now both are the attack's, each its
    # source's claim: the disagreement the saved questions look for
    text = ("Missiles on a base\n\nJanuary 8, 2020\n\nIran fired missiles at Ain al-Asad air base on Wednesday. "
            'Iranian state TV claimed that 80 "American terrorists" were killed, without offering evidence. '
            "U.S. officials said no Americans were killed.\n")
    mapping = draft_mapping(_write(tmp_path, "931_tolls.txt", text), SEEDS)
    assert [e["class"] for e in mapping["events"]] == ["MissileAttack"]
    attack = mapping["events"][0]
    assert [(c["count"], c["status"], c["claimed_by"]) for c in attack["casualties"]] == [
        (80, "killed", "iranian-state-tv"), (0, "killed", "u-s-officials")]


def test_a_person_named_by_an_office_the_roles_give_one_holder_is_that_person(tmp_path: Path) -> None:
    # "Iran's supreme leader said" had made Iran the speaker; the curated roles give that office of
    # Iran one holder. "The U.S. president" they give two (Obama and Trump): no one is guessed
    text = ("A slap in the face\n\nJanuary 8, 2020\n\nIran's supreme leader said on Wednesday that the strikes were a slap in the face "
            "for America.\nThe U.S. president said on Wednesday that America was ready.\n")
    mapping = draft_mapping(_write(tmp_path, "932_office.txt", text), SEEDS)
    assert _event(mapping, "Iran's supreme leader")["roles"] == {"speaker": ["ali-khamenei"]}
    assert not any({"donald-trump", "barack-obama"} & {i for ids in e.get("roles", {}).values() for i in ids} for e in mapping["events"])


SANCTIONS = """U.S. imposes new sanctions on Iran after missile strikes

WASHINGTON (Reuters) - The United States on Friday imposed sanctions on eight senior Iranian officials and on Iran's largest steel and copper makers, Treasury Secretary Steven Mnuchin said, in response to Iran's missile attacks on U.S. forces in Iraq.

Secretary of State Mike Pompeo said the sanctions targeted "the inner security apparatus of the Islamic Republic."

Iranian Foreign Ministry spokesman Abbas Mousavi called the sanctions "economic terrorism."
"""


@pytest.fixture(scope="module")
def sanctions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return draft_mapping(_write(tmp_path_factory.mktemp("sanctions"), "933_sanctions.txt", SANCTIONS), SEEDS)


def test_an_act_a_speaker_between_commas_reports_is_the_act(sanctions: dict[str, Any]) -> None:
    # "..., Treasury Secretary Steven Mnuchin said, in response to ...": it had been Mnuchin's statement
    imposed = _event(sanctions, "WASHINGTON (Reuters) - The United States")
    assert imposed["class"] == "Sanction" and imposed["cameo"] == "163" and imposed["roles"]["agent"] == ["united-states"]
    assert imposed["reported_by"] == "steven-mnuchin"
    assert {(r["subject"], r["predicate"], r["object"]) for r in sanctions["relations"]} >= {
        (imposed["id"], "responseTo", "iran-missile-strikes-2020-01-08")}


def test_the_islamic_republic_is_iran(sanctions: dict[str, Any]) -> None:
    # "the inner security apparatus of the Islamic Republic" had proposed a new person, "Islamic Republic"
    assert "islamic-republic" not in {e["id"] for e in sanctions["draft_notes"]["new_entities"]}
    assert sanctions["draft_notes"]["registry_entities_found"]["iran"] >= 3


def test_a_demonym_before_a_bodys_name_of_several_words_is_part_of_it(sanctions: dict[str, Any]) -> None:
    # "Iranian Foreign Ministry spokesman Abbas Mousavi": the body had been proposed as "Ministry"
    new = {e["id"]: e["type"] for e in sanctions["draft_notes"]["new_entities"]}
    assert new.get("iranian-foreign-ministry") == "Government" and "ministry" not in new



def test_a_speaker_named_twice_speaks_once(tmp_path: Path) -> None:
    # the speaker had been listed once for each time the sentence names them
    text = "Milley speaks\n\nJanuary 8, 2020\n\nJoint Chiefs Chairman Gen. Mark Milley said Milley had spoken to Iraqi officials.\n"
    mapping = draft_mapping(_write(tmp_path, "935_twice.txt", text), SEEDS)
    assert _event(mapping, "Joint Chiefs Chairman")["roles"] == {"speaker": ["mark-milley"]}


def test_a_title_before_a_comma_and_a_name_between_commas(tmp_path: Path) -> None:
    # "Iraq's caretaker prime minister, Adel Abdul-Mahdi, told parliament": the title had been lost
    text = "Sovereignty\n\nJanuary 5, 2020\n\nIraq's caretaker prime minister, Adel Abdul-Mahdi, told parliament that the strikes violated Iraq's sovereignty.\n"
    mapping = draft_mapping(_write(tmp_path, "934_apposition.txt", text), SEEDS)
    assert [(r["holder"], r["title"]) for r in mapping["roles"]] == [("adel-abdul-mahdi", "Iraq's caretaker prime minister")]
    assert _event(mapping, "Iraq's caretaker prime minister")["roles"] == {"speaker": ["adel-abdul-mahdi"]}


def test_what_a_speaker_calls_terrorism_they_are_against(sanctions: dict[str, Any]) -> None:
    # "called the sanctions 'economic terrorism'" had been a stance in favour of them
    said = [(s["holder"], s["polarity"], s["modality"]) for s in sanctions["stances"] if s["holder"] == "abbas-mousavi"]
    assert said and all(polarity == "against" and modality == "evaluation" for _, polarity, modality in said)


def test_what_protesters_demand_is_no_party_to_the_protest(tmp_path: Path) -> None:
    # "demanding the expulsion of U.S. troops from Iraq": the United States and Iraq had been its affected parties
    text = ("Sadr supporters march\n\nJanuary 25, 2020\n\nThousands of supporters of Moqtada al-Sadr marched in Baghdad on Friday, demanding the expulsion "
            "of U.S. troops from Iraq.\nIn Basra, students protested against Iran on Saturday.\n")
    mapping = draft_mapping(_write(tmp_path, "936_demand.txt", text), SEEDS)
    assert _event(mapping, "Thousands of supporters")["roles"] == {"agent": ["moqtada-al-sadr"]}
    assert _event(mapping, "In Basra")["roles"].get("affected") == ["iran"]  # whom a protest is against still is


def test_a_speakers_other_words_are_not_the_graphs_statement_of_theirs(tmp_path: Path) -> None:
    # Rouhani's warning about European troops had been linked to the graph's threat of his to push the
    # U.S. out of the Middle East: his name counted twice, as the speaker and as a word of that label
    text = ("Europeans trigger dispute mechanism\n\nJanuary 14, 2020\n\nIranian President Hassan Rouhani warned that European troops "
            "in the region could be in danger.\n")
    mapping = draft_mapping(_write(tmp_path, "937_other.txt", text), SEEDS)
    warned = _event(mapping, "Iranian President Hassan Rouhani")
    assert warned["class"] == "Threat" and warned["id"].startswith("draft-") and "links" not in warned["suggested"]


def test_an_international_agency_is_an_international_organisation(tmp_path: Path) -> None:
    # "The International Atomic Energy Agency said" had been proposed as an intelligence agency
    text = "Inspectors stay\n\nJanuary 14, 2020\n\nThe International Atomic Energy Agency said its inspectors would continue their work in Iran.\n"
    mapping = draft_mapping(_write(tmp_path, "938_iaea.txt", text), SEEDS)
    new = {e["id"]: e["type"] for e in mapping["draft_notes"]["new_entities"]}
    assert new["international-atomic-energy-agency"] == "InternationalOrganisation"


def test_iraqs_parliament_is_the_registrys_iraqi_parliament(tmp_path: Path) -> None:
    # "Iraq's parliament voted" had made Iraq the voter
    text = "Vote in Baghdad\n\nJanuary 6, 2020\n\nIraq's parliament voted on Sunday to ask the government to expel all foreign troops.\n"
    mapping = draft_mapping(_write(tmp_path, "939_vote.txt", text), SEEDS)
    assert _event(mapping, "Iraq's parliament voted")["roles"] == {"agent": ["iraqi-parliament"]}


def test_a_person_shot_dead_is_a_killing(tmp_path: Path) -> None:
    # "shot dead" had been read as the noun "dead", a mention of an attack, and left out
    text = "Activist killed\n\nJanuary 11, 2020\n\nUnidentified gunmen shot dead activist Ahmed Abdul Samad in Basra on Friday.\n"
    mapping = draft_mapping(_write(tmp_path, "940_shot.txt", text), SEEDS)
    killed = _event(mapping, "Unidentified gunmen")
    assert killed["class"] == "Killing" and killed["roles"] == {"victim": ["ahmed-abdul-samad"]}
    assert killed["places"] == ["basra"] and killed["date"]["value"] == "2020-01-10"


def test_a_place_after_a_known_names_possessive_is_proposed_in_it(tmp_path: Path) -> None:
    # "Baghdad's Tahrir Square" had proposed nothing: the phrase overlapped the known Baghdad and was dropped
    text = ("Protests\n\nJanuary 10, 2020\n\nGunmen killed two protesters in Baghdad's Tahrir Square on Thursday.\n"
            "Iran's Foreign Ministry said the killings were an internal matter.\n")
    mapping = draft_mapping(_write(tmp_path, "941_square.txt", text), SEEDS)
    new = {e["id"]: e for e in mapping["draft_notes"]["new_entities"]}
    assert (new["tahrir-square"]["type"], new["tahrir-square"]["located_in"]) == ("Region", "baghdad")
    assert "tahrir-square" in _event(mapping, "Gunmen killed")["places"]
    assert "foreign-ministry" not in new  # whose ministry it is is part of its name: no place, not split


def test_a_demonym_before_a_name_with_a_bodys_word_inside_is_part_of_it(tmp_path: Path) -> None:
    # "the Iraqi High Commission for Human Rights" had lost its demonym ("High Commission for Human Rights")
    text = ("A toll\n\nJanuary 10, 2020\n\nMore than 500 people have died in the unrest, according to the Iraqi High Commission for "
            "Human Rights.\n")
    mapping = draft_mapping(_write(tmp_path, "942_commission.txt", text), SEEDS)
    assert "iraqi-high-commission-for-human-rights" in {e["id"] for e in mapping["draft_notes"]["new_entities"]}
