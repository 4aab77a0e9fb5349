"""Regressions of issue 15's independent read: one test per fact found wrong, unsupported or missing.

Each expected value is read from the article text (quoted beside it), not from the build's output.
"""

from __future__ import annotations

from rdflib import Literal, URIRef
from test_articles import ent, ev, values

from crisiskg.query.savedqueries import get_query
from crisiskg.query.store import Store

ID = "https://w3id.org/crisiskg/id/"
G = "https://w3id.org/crisiskg/graph/article/"


def source(key: str, slug: str) -> URIRef:
    return URIRef(f"{ID}article/{key}/source/{slug}")


def stance_dates(store: Store, holder: str) -> dict[str, set[str]]:
    rows = store.query(f"""SELECT ?st ?v WHERE {{ GRAPH ?g {{ ?st ckg:holder <{ent(holder)}> OPTIONAL {{ ?st ckg:dateValue ?v }} }} }}""").rows
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(str(r["st"]).rsplit("/", 1)[-1], set()).update([str(r["v"])] if r.get("v") is not None else [])
    return out


# ---------------------------------------------------------------- dates that claimed more than the text


def test_soleimanis_stances_are_not_dated_after_his_death(seed_store: Store) -> None:
    # 002, 003: "both objectives long sought by the late General Soleimani": no date, and none after 3 January
    dates = stance_dates(seed_store, "qassem-soleimani")
    assert {"soleimani-sought-us-withdrawal-iraq", "soleimani-sought-us-withdrawal-syria"} <= set(dates)
    assert all(not d for d in dates.values())


def test_haspel_and_guterres_stances_have_no_invented_date(seed_store: Store) -> None:
    # 004: "his key advisers — such as CIA Director Gina Haspel — who supported the strike" (no time);
    # 002: Guterres's "the world cannot afford another war in the Gulf" (the text dates no statement)
    assert stance_dates(seed_store, "gina-haspel") == {"haspel-supported-soleimani-strike": set()}
    assert stance_dates(seed_store, "antonio-guterres") == {"guterres-world-cannot-afford-gulf-war": set()}


def test_khameneis_promise_falls_after_the_killing_it_answers(seed_store: Store) -> None:
    # 002: Khamenei "had promised" harsh retaliation "after the assassination" (3 January), before the strikes (8 January)
    rows = seed_store.query(f"""SELECT ?v ?e ?l WHERE {{ GRAPH <{G}002> {{ <{ev('khamenei-harsh-retaliation-threat')}>
        ckg:dateValue ?v ; ckg:earliestDate ?e ; ckg:latestDate ?l }} }}""").rows
    assert [(str(r["v"]), str(r["e"]), str(r["l"])) for r in rows] == [("2020-01", "2020-01-03", "2020-01-08")]


def test_days_between_the_killing_and_khameneis_promise_is_at_most_five(seed_store: Store) -> None:
    rows = get_query("days-between").run(seed_store, {"first": "soleimani-killing-2020-01-03", "second": "khamenei-harsh-retaliation-threat"}).rows
    # 002 dates the killing to the day (3 January) and the promise to 3-8 January: 0 to 5 days
    days = {(int(r["fewest"].value), int(r["most"].value)) for r in rows if str(r["article1"]).endswith("/002")}
    assert days == {(0, 5)}


def test_article_001_is_dated_between_sunday_5_and_tuesday_7_january(seed_store: Store) -> None:
    art = URIRef(ID + "article/001")
    assert values(seed_store, f"SELECT ?x WHERE {{ <{art}> ckg:dateValue ?x }}") == {Literal("2020-01-05/2020-01-07")}
    assert values(seed_store, f"SELECT ?x WHERE {{ <{art}> dct:issued ?x }}") == set()  # no single day to give


# ---------------------------------------------------------------- attribution


def test_002_officials_not_the_compiler_report_no_confirmed_casualties(seed_store: Store) -> None:
    # "According to US and Iraqi officials, there are no confirmed casualties among either US or Iraqi servicemembers"
    rows = seed_store.query(f"""SELECT ?q ?words WHERE {{ GRAPH <{G}002> {{ ?c ckg:reportedBy <{source('002', 'us-and-iraqi-officials')}> ;
        ckg:countQualifier ?q ; ckg:attributionEvidence/nif:anchorOf ?words }} }}""").rows
    assert {(str(r["q"]), str(r["words"])) for r in rows} == {("none-reported", "According to US and Iraqi officials")}
    author = URIRef(ID + "article/002/author")
    assert not values(seed_store, f"""SELECT ?x WHERE {{ GRAPH <{G}002> {{ ?x ckg:reportedBy <{author}> ; ckg:count 0 }} }}""")


def test_002_warricks_initial_indications_are_none_reported_not_zero(seed_store: Store) -> None:
    # "initial indications have not spoken of US casualties"
    rows = seed_store.query(f"""SELECT ?q ?n WHERE {{ GRAPH <{G}002> {{ ?c ckg:reportedBy <{ent('thomas-warrick')}> ;
        ckg:nationality <{ent('united-states')}> ; ckg:count ?n ; ckg:countQualifier ?q }} }}""").rows
    assert {(str(r["q"]), int(r["n"])) for r in rows} == {("none-reported", 0)}


def test_004_revenge_reading_is_someone_elses_not_the_authors(seed_store: Store) -> None:
    # "some may view this attack as more Iranian retaliation for Soleimani's slaying. But to view this
    # attack only as revenge misses the larger political and strategic context"
    rows = seed_store.query(f"""SELECT ?by WHERE {{ GRAPH <{G}004> {{ ?k a ckg:Claim ; rdf:predicate ckg:retaliationFor ;
        rdf:subject <{ev('camp-taji-rocket-attack-2020-03-11')}> ; ckg:claimedBy ?by }} }}""").rows
    assert {r["by"] for r in rows} == {source("004", "some")}


def test_unnamed_holders_are_agents_of_their_article(seed_store: Store) -> None:
    # 001: "Some suggest Iran will retaliate with more rocket attacks or via a cyber strike"
    held = values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}001> {{ ?x ckg:holder <{source('001', 'some')}> }} }}")
    assert len(held) == 1
    for who in (source("001", "some"), source("002", "some-commentators")):
        assert values(seed_store, f"SELECT ?x WHERE {{ <{who}> a ckg:UnnamedSource ; ckg:sourceIn ?x }}") == {URIRef(str(who).split("/source/")[0])}
        assert not values(seed_store, f"SELECT ?x WHERE {{ GRAPH <https://w3id.org/crisiskg/graph/entities> {{ <{who}> ?x ?o }} }}")


# ---------------------------------------------------------------- wrong or unsupported links


def test_gulf_partners_are_not_a_body_of_water(seed_store: Store) -> None:
    # 002, 003: "our Gulf partners" are states, not the Persian Gulf
    for key in ("002", "003"):
        denoted = values(seed_store, f"""SELECT ?x WHERE {{ GRAPH <{G}{key}> {{ ?m nif:anchorOf "Gulf partners" ; nif:taIdentRef ?x }} }}""")
        assert denoted and ent("persian-gulf") not in denoted


def test_000_names_no_base_it_does_not_name(seed_store: Store) -> None:
    # 000 says only "two U.S. military bases in Iraq"
    e = ev("iran-missile-strikes-2020-01-08")
    assert values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}000> {{ <{e}> ckg:targetPlace ?x }} }}") == {ent("iraq")}
    counted = seed_store.query(f"""SELECT ?n WHERE {{ GRAPH <{G}000> {{ <{e}> ckg:counts ?c . ?c ckg:count ?n }} }}""").rows
    assert [int(r["n"]) for r in counted] == [2]


def test_milleys_threat_names_no_target(seed_store: Store) -> None:
    # 004: Milley says "options are on the table": no target named
    rows = seed_store.query(f"""SELECT ?e ?x WHERE {{ GRAPH <{G}004> {{ ?e ckg:speaker <{ent('mark-milley')}> OPTIONAL {{ ?e ckg:target ?x }} }} }}""").rows
    assert rows and all(r.get("x") is None for r in rows)


# ---------------------------------------------------------------- misses


def test_002_experts_who_contradict_warrick_on_casualties(seed_store: Store) -> None:
    # Kadhim: "the attacks thankfully left no casualties"; Pfaff: "caused no casualties and only minor
    # damage"; Dagres: "no reported loss of American life"
    rows = seed_store.query(f"""SELECT ?by ?q WHERE {{ GRAPH <{G}002> {{ <{ev('iran-missile-strikes-2020-01-08')}> ckg:casualties ?c .
        ?c ckg:reportedBy ?by ; ckg:count 0 ; ckg:countQualifier ?q }} }}""").rows
    said = {(r["by"], str(r["q"])) for r in rows}
    assert {(ent("abbas-kadhim"), "exact"), (ent("c-anthony-pfaff"), "exact"), (ent("holly-dagres"), "none-reported")} <= said
    damage = values(seed_store, f"""SELECT ?x WHERE {{ GRAPH <{G}002> {{ ?d a ckg:DamageReport ; ckg:reportedBy <{ent('c-anthony-pfaff')}> ;
        ckg:damageDescription ?x }} }}""")
    assert any("minor" in str(d) for d in damage)


def test_000_rouhani_and_zarif_oppose_escalation(seed_store: Store) -> None:
    # "even if Rouhani and Zarif oppose escalation"
    rows = seed_store.query(f"""SELECT ?h ?pol WHERE {{ GRAPH <{G}000> {{ ?st ckg:holder ?h ; ckg:polarity ?pol ;
        ckg:proposition <{ID}proposition/iran-further-escalation> }} }}""").rows
    assert {(r["h"], str(r["pol"]).rsplit("#", 1)[-1]) for r in rows} >= {(ent("hassan-rouhani"), "Against"), (ent("javad-zarif"), "Against")}


def test_002_irgc_threat_names_haifa_and_dubai(seed_store: Store) -> None:
    # the IRGC on Telegram: Haifa and Dubai as targets
    rows = seed_store.query(f"""SELECT ?p WHERE {{ GRAPH <{G}002> {{ ?e ckg:target <{ent('israel')}> ; ckg:targetPlace ?p }} }}""").rows
    assert {r["p"] for r in rows} == {ent("haifa"), ent("dubai")}


def test_004_earlier_rocket_fire_and_002_al_shabab_are_events(seed_store: Store) -> None:
    # 004: "While rocket fire on U.S. military bases in Iraq is not new"; 002 (Slavin): al-Shabab in Kenya
    assert values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}004> {{ <{ev('earlier-rocket-fire-on-us-bases-iraq')}> ckg:weapon ?x }} }}") == {ent("rocket")}
    assert values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}002> {{ <{ev('al-shabab-attack-on-americans-kenya')}> ckg:attacker ?x }} }}") == {ent("al-shabab")}


def test_004_first_time_since_soleimani_is_recorded(seed_store: Store) -> None:
    # "this attack is the first time U.S. personnel have been killed by suspected Iranian-backed Iraqi groups since ..."
    quotes = values(seed_store, f"""SELECT ?x WHERE {{ GRAPH <{G}004> {{ <{ev('camp-taji-rocket-attack-2020-03-11')}> ckg:counts ?c .
        ?c ckg:evidence/nif:anchorOf ?x }} }}""")
    assert any("the first time U.S. personnel have been killed" in str(q) for q in quotes)
