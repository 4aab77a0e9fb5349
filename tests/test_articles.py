"""Facts read from the five articles, checked in the built graph (one test group per article).

Expected values come from reading seeds/articles/*.txt, not from the build's output.
"""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from seedcorpus import others

from crisiskg.query.store import Store

ID = "https://w3id.org/crisiskg/id/"
G = "https://w3id.org/crisiskg/graph/article/"


def ent(slug: str) -> URIRef:
    return URIRef(ID + "entity/" + slug)


def ev(slug: str) -> URIRef:
    return URIRef(ID + "event/" + slug)


def values(store: Store, sparql: str, var: str = "x") -> set:
    return {row[var] for row in store.query(sparql).rows}


# ------------------------------------------------------------------ 004 (Camp Taji, 12 March 2020)

def test_004_camp_taji_date_resolved_from_wednesday_night(seed_store: Store) -> None:
    dates = values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}004> {{ <{ev('camp-taji-rocket-attack-2020-03-11')}> sem:hasTimeStamp ?x }} }}")
    assert dates == {Literal("2020-03-11", datatype=XSD.date)}
    how = values(seed_store, f"SELECT ?x WHERE {{ <{ev('camp-taji-rocket-attack-2020-03-11')}> ckg:dateDerivation ?x }}")
    assert any("Wednesday" in str(h) for h in how)


def test_004_camp_taji_is_in_iraq_through_containment(seed_store: Store) -> None:
    places = values(seed_store, f"SELECT ?x WHERE {{ <{ev('camp-taji-rocket-attack-2020-03-11')}> ckg:occurredIn ?x }}")
    assert {ent("camp-taji"), ent("iraq")} <= places
    assert ent("iran") not in places


def test_004_casualties_by_nationality(seed_store: Store) -> None:
    rows = seed_store.query(f"""
        SELECT ?status ?n ?q ?nat WHERE {{ GRAPH <{G}004> {{
            <{ev('camp-taji-rocket-attack-2020-03-11')}> ckg:casualties ?c .
            ?c ckg:casualtyStatus ?status ; ckg:count ?n ; ckg:countQualifier ?q .
            OPTIONAL {{ ?c ckg:nationality ?nat }} }} }}""").rows
    got = {(str(r["status"]), int(r["n"]), str(r["q"]), r["nat"]) for r in rows}
    # "The attack killed three coalition personnel, two American and one British. It also injured nearly a dozen more"
    assert ("killed", 3, "exact", None) in got
    assert ("killed", 2, "exact", ent("united-states")) in got
    assert ("killed", 1, "exact", ent("united-kingdom")) in got
    assert ("injured", 12, "nearly", None) in got


def test_004_around_18_katyusha_rockets(seed_store: Store) -> None:
    rows = seed_store.query(f"""SELECT ?n ?q ?w ?by WHERE {{ GRAPH <{G}004> {{ <{ev('camp-taji-rocket-attack-2020-03-11')}>
        ckg:munitions ?m ; ckg:weapon ?w . ?m ckg:count ?n ; ckg:countQualifier ?q ; ckg:reportedBy ?by }} }}""").rows
    # "around 18 small Katyusha rockets", in the authors' own words
    assert sorted((int(r["n"]), str(r["q"]), r["w"], r["by"]) for r in rows) == [
        (18, "approximately", ent("katyusha-rocket"), ent("asfandyar-mir")), (18, "approximately", ent("katyusha-rocket"), ent("ramzy-mardini"))]


def test_004_authors_and_date(seed_store: Store) -> None:
    art = URIRef(ID + "article/004")
    assert values(seed_store, f"SELECT ?x WHERE {{ <{art}> dct:creator ?x }}") == {ent("asfandyar-mir"), ent("ramzy-mardini")}
    assert values(seed_store, f"SELECT ?x WHERE {{ <{art}> dct:issued ?x }}") == {Literal("2020-03-12", datatype=XSD.date)}


def test_004_headline_and_furniture_are_marked(seed_store: Store) -> None:
    furniture = {str(v) for v in values(seed_store, "SELECT ?x WHERE { ?s a ckg:Furniture ; nif:anchorOf ?x }")}
    assert "118 views 8 min 0 Comment" in furniture
    headlines = {str(v) for v in values(seed_store, "SELECT ?x WHERE { ?s a ckg:Headline ; nif:anchorOf ?x }")}
    assert "With two American soldiers dead in Iraq, how will the U.S. respond?" in headlines


def test_004_kadhimi_is_not_kadhim(seed_store: Store) -> None:
    """'Kadhimi' (Mustafa, Iraqi intelligence chief) and 'Kadhim' (Abbas, Atlantic Council) differ."""
    kadhimi = {str(v) for v in values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}004> {{ ?m nif:taIdentRef <{ent('mustafa-kadhimi')}> ; nif:anchorOf ?x }} }}")}
    assert kadhimi and all(v.startswith("Kadhimi") or v.endswith("Kadhimi") for v in kadhimi)
    assert not values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}004> {{ ?x nif:taIdentRef <{ent('abbas-kadhim')}> }} }}")


# ------------------------------------------------------------------ 000 (unsigned op-ed, 8 January 2020)

def test_000_is_unsigned_and_names_no_author(seed_store: Store) -> None:
    art = URIRef(ID + "article/000")
    creators = values(seed_store, f"SELECT ?x WHERE {{ <{art}> dct:creator ?x }}")
    assert creators == {URIRef(ID + "article/000/author")}
    assert values(seed_store, f"SELECT ?x WHERE {{ <{ID}article/000/author> a ?x }}") >= {URIRef("https://w3id.org/crisiskg/ontology#UnnamedAuthor")}
    assert {str(v) for v in values(seed_store, f"SELECT ?x WHERE {{ <{ID}article/000/author> rdfs:label ?x }}")} == {"author of article 000"}


def test_000_author_against_forceful_us_response(seed_store: Store) -> None:
    """'The U.S. should not respond to this attack with force.'"""
    rows = seed_store.query(f"""SELECT ?s ?quote WHERE {{
        ?s ckg:holder <{ID}article/000/author> ; ckg:proposition <{ID}proposition/us-military-retaliation-jan-8> ;
           ckg:polarity ckg:Against ; ckg:modality ckg:Recommendation ; ckg:evidence/nif:anchorOf ?quote }}""").rows
    assert any("should not respond to this attack with force" in str(r["quote"]) for r in rows)


# ------------------------------------------------------------------ 001 (unsigned op-ed, Sunday 5 January 2020)

def test_001_parliament_vote_on_sunday(seed_store: Store) -> None:
    dates = values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}001> {{ <{ev('iraqi-parliament-vote-2020-01-05')}> sem:hasTimeStamp ?x }} }}")
    assert dates == {Literal("2020-01-05", datatype=XSD.date)}
    actors = values(seed_store, f"SELECT ?x WHERE {{ <{ev('iraqi-parliament-vote-2020-01-05')}> sem:hasActor ?x }}")
    assert ent("iraqi-parliament") in actors


def test_001_rockets_at_the_embassy_in_baghdad(seed_store: Store) -> None:
    e = ev("us-embassy-baghdad-rocket-attack-2020-01-05")
    assert values(seed_store, f"SELECT ?x WHERE {{ <{e}> a ?x }}") >= {URIRef("https://w3id.org/crisiskg/ontology#RocketAttack"), URIRef("https://w3id.org/crisiskg/ontology#Attack")}
    assert {ent("us-embassy-baghdad"), ent("baghdad"), ent("iraq")} <= values(seed_store, f"SELECT ?x WHERE {{ <{e}> ckg:occurredIn ?x }}")


def test_001_is_unsigned(seed_store: Store) -> None:
    assert values(seed_store, f"SELECT ?x WHERE {{ <{ID}article/001> dct:creator ?x }}") == {URIRef(ID + "article/001/author")}


# ------------------------------------------------------------------ across articles

def test_soleimani_spellings_resolve_to_one_iri(seed_store: Store) -> None:
    spellings = {str(v) for v in values(seed_store, f"SELECT ?x WHERE {{ ?m nif:taIdentRef <{ent('qassem-soleimani')}> ; nif:anchorOf ?x }}")}
    assert {"Qassem Soleimani", "Qasem Soleimani", "Soleimani"} <= spellings


def test_every_curated_quote_is_the_text_at_its_offsets(seed_store: Store) -> None:
    bad = seed_store.query("""SELECT ?s WHERE { ?s nif:referenceContext ?c ; nif:beginIndex ?b ; nif:endIndex ?e ; nif:anchorOf ?a .
        ?c nif:isString ?t FILTER(SUBSTR(?t, ?b + 1, ?e - ?b) != STR(?a)) }""").rows
    assert bad == []


# ------------------------------------------------------------------ 002 (Atlantic Council experts) and 003 (Wechsler)

def test_002_at_least_a_dozen_missiles(seed_store: Store) -> None:
    rows = seed_store.query(f"""SELECT ?n ?q WHERE {{ GRAPH <{G}002> {{ <{ev('iran-missile-strikes-2020-01-08')}>
        ckg:munitions ?m . ?m ckg:count ?n ; ckg:countQualifier ?q }} }}""").rows
    assert [(int(r["n"]), str(r["q"])) for r in rows] == [(12, "at-least")]


def test_002_strikes_hit_asad_and_erbil_on_8_january(seed_store: Store) -> None:
    e = ev("iran-missile-strikes-2020-01-08")
    assert Literal("2020-01-08", datatype=XSD.date) in values(seed_store, f"SELECT ?x WHERE {{ GRAPH <{G}002> {{ <{e}> sem:hasTimeStamp ?x }} }}")
    places = values(seed_store, f"SELECT ?x WHERE {{ <{e}> ckg:occurredIn ?x }}")
    assert {ent("ain-al-asad-air-base"), ent("erbil-air-base"), ent("iraq")} <= places


def test_002_kadhim_denies_the_bases_are_us_bases(seed_store: Store) -> None:
    rows = seed_store.query(f"""SELECT ?base ?quote WHERE {{ GRAPH <{G}002> {{
        ?c a ckg:Claim ; rdf:subject ?base ; rdf:predicate ckg:operatedBy ; rdf:object <{ent('united-states')}> ;
           ckg:claimPolarity ckg:Denied ; ckg:claimedBy <{ent('abbas-kadhim')}> ; ckg:evidence/nif:anchorOf ?quote }} }}""").rows
    assert {r["base"] for r in rows} == {ent("ain-al-asad-air-base"), ent("erbil-air-base")}
    assert {str(r["quote"]) for r in rows} == {"Let’s remember that there are no US bases in Iraq."}


def test_wechsler_stance_is_one_stance_with_evidence_in_002_and_003(seed_store: Store) -> None:
    stance = URIRef(ID + "stance/wechsler-against-us-retaliation-jan-8")
    rows = seed_store.query(f"""SELECT ?g ?mode WHERE {{ GRAPH ?g {{ <{stance}> ckg:evidence ?span . ?span ckg:speechMode ?mode }} }}""").rows
    added = {iri.rsplit("/", 1)[-1] for iri in others()}  # articles added to the seeds may repeat it too
    got = {(str(r["g"]).rsplit("/", 1)[-1], str(r["mode"]).rsplit("#", 1)[-1]) for r in rows}
    assert {(key, mode) for key, mode in got if key not in added} == {("002", "DirectQuote"), ("003", "AuthorOpinion")}
    assert values(seed_store, f"SELECT ?x WHERE {{ <{stance}> ckg:holder ?x }}") == {ent("william-wechsler")}
    assert values(seed_store, f"SELECT ?x WHERE {{ <{stance}> ckg:polarity ?x }}") == {URIRef("https://w3id.org/crisiskg/ontology#Against")}


def test_003_author_is_wechsler(seed_store: Store) -> None:
    assert values(seed_store, f"SELECT ?x WHERE {{ <{ID}article/003> dct:creator ?x }}") == {ent("william-wechsler")}


def test_002_experts_roles(seed_store: Store) -> None:
    rows = seed_store.query(f"""SELECT ?title WHERE {{ ?r ckg:roleHolder <{ent('barbara-slavin')}> ; ckg:roleTitle ?title }}""").rows
    assert any("Future of Iran Initiative" in str(r["title"]) for r in rows)
    affiliations = values(seed_store, f"SELECT ?x WHERE {{ <{ent('abbas-kadhim')}> ckg:affiliatedWith ?x }}")
    assert affiliations & {ent("iraq-initiative"), ent("atlantic-council")}


def test_002_two_speakers_give_two_casualty_reports_of_the_8_january_strikes(seed_store: Store) -> None:
    rows = seed_store.query(f"""
        SELECT ?status ?n ?q ?by WHERE {{ GRAPH <{G}002> {{
            <{ev('iran-missile-strikes-2020-01-08')}> ckg:casualties ?c .
            ?c ckg:casualtyStatus ?status ; ckg:count ?n ; ckg:countQualifier ?q ; ckg:nationality <{ent('iraq')}> ;
               ckg:reportedBy ?by }} }}""").rows
    got = {(str(r["status"]), int(r["n"]), str(r["q"]), r["by"]) for r in rows}
    # "According to US and Iraqi officials, there are no confirmed casualties among either US or Iraqi
    # servicemembers": the officials (an unnamed source, not the compiler), who report none;
    # Warrick: "The death of Iraqis is, of course, a terrible thing."
    assert got == {("casualties", 0, "none-reported", URIRef(ID + "article/002/source/us-and-iraqi-officials")),
                   ("killed", 1, "at-least", ent("thomas-warrick"))}


def test_004_no_group_has_claimed_responsibility_for_camp_taji(seed_store: Store) -> None:
    rows = seed_store.query(f"""
        SELECT ?claim ?subject ?polarity ?by ?quote WHERE {{ GRAPH <{G}004> {{
            ?claim a ckg:AnyActorClaim ; rdf:predicate ckg:claimedResponsibilityFor ;
                   rdf:object <{ev('camp-taji-rocket-attack-2020-03-11')}> ; ckg:claimPolarity ?polarity ;
                   ckg:claimedBy ?by ; ckg:evidence/nif:anchorOf ?quote .
            OPTIONAL {{ ?claim rdf:subject ?subject }} }} }}""").rows
    # "While no group has claimed responsibility, the U.S. military believes ..." (the authors' words)
    assert {(r["subject"], str(r["polarity"]).rsplit("#", 1)[-1], r["by"], str(r["quote"])) for r in rows} == {
        (None, "Denied", ent("asfandyar-mir"), "no group has claimed responsibility"),
        (None, "Denied", ent("ramzy-mardini"), "no group has claimed responsibility")}


def test_004_the_munition_count_has_its_own_quote(seed_store: Store) -> None:
    rows = seed_store.query(f"""SELECT ?quote WHERE {{ GRAPH <{G}004> {{
        <{ev('camp-taji-rocket-attack-2020-03-11')}> ckg:munitions/ckg:evidence ?s . ?s nif:anchorOf ?quote }} }}""").rows
    assert [str(r["quote"]) for r in rows] == ["around 18 small Katyusha rockets"]
