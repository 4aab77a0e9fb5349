"""The stance rules of `crisiskg draft` one by one, on sentences written for these tests and a small
registry and list of propositions made up here (no seed article): what a cue governs, negation,
conditions, clauses with holders of their own, proposition matching through registry aliases,
stems and dates, and one stance for each of two propositions joined by "or"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crisiskg.curate.attribution import Holder, names
from crisiskg.curate.draft_stances import PropositionIndex, read_all
from crisiskg.curate.knowledge import Knowledge
from crisiskg.curate.segments import segments, stems
from crisiskg.curate.stance_cues import CONDITION, RECOMMEND, clauses, modality, polarity, scope

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ENTITIES: dict[str, dict[str, Any]] = {
    "ruritania": {"type": ["State", "Country"], "label": "Ruritania", "aliases": ["Ruritanian state"]},
    "freedonia": {"type": ["State", "Country"], "label": "Freedonia", "aliases": ["F.D.", "FD"]},
    "ruritania-backed-militias": {"type": "Militia", "label": "Ruritania-backed Freedonian militias"},
    "other-militias": {"type": "Militia", "label": "Border militias"},
    "jane-roe": {"type": "Person", "label": "Jane Roe"},
    "john-doe": {"type": "Person", "label": "John Doe"},
}
PROPOSITIONS: dict[str, dict[str, Any]] = {
    "talks": {"label": "Talks between Freedonia and the rebels", "definition": "Freedonia opens direct talks with the rebels."},
    "rocket-fire": {"label": "Militia rocket fire on the northern base", "definition": "Militias keep firing rockets at the northern base."},
    "escalation": {"label": "Further Ruritanian escalation", "definition": "Ruritania escalates its campaign after the 2 May 2030 raid."},
    "war": {"label": "War between Freedonia and Ruritania", "definition": "The crisis turns into a war between the two states."},
    "harbour-reprisal": {"label": "Reprisal for the harbour attack",
                         "definition": "Freedonia answers the harbour attack of 9 September 2030 with a reprisal."},
    "regime-falls": {"label": "The Ruritanian government falls", "definition": "The government of Ruritania loses power."},
}


@pytest.fixture(scope="module")
def know() -> Knowledge:
    return Knowledge(entities=ENTITIES, propositions=PROPOSITIONS)


@pytest.fixture(scope="module")
def index(know: Knowledge) -> PropositionIndex:
    return PropositionIndex(know.propositions, know.matcher())


def _stances(text: str, know: Knowledge, index: PropositionIndex, holder: Holder | None = None, **kw: Any) -> list[dict[str, Any]]:
    seg = segments(text)[0]
    return read_all(text, seg, holder or Holder("author", "", "author-opinion", "test"), index, names=names(text, know), know=know, **kw)


def _polarity(text: str, words: str) -> str:
    cue = modality(text)[1]
    return polarity(text, stems(words), text.find(cue), cue)


def test_a_modal_governs_the_words_after_it_a_judgement_those_before_it() -> None:
    text = "Freedonia should not respond to this raid with force."
    begin, end = scope(text, text.find("should"), "should")
    assert text[begin:end].strip() == "not respond to this raid with force"
    judged = "Any further use of force would be a huge mistake."
    cue = modality(judged)[1]
    begin, end = scope(judged, judged.find(cue), cue)
    assert judged[begin:end].strip() == "Any further use of force"


def test_negation_is_read_in_the_cues_own_clause() -> None:
    assert _polarity("Freedonia should not retaliate with force.", "retaliate force") == "against"
    # two negators cancel out
    assert _polarity("That does not mean Freedonia shouldn't pursue these talks.", "talks") == "favor"
    # a phrase set off by commas before the cue keeps its negators to itself
    assert _polarity("The government, having not answered earlier raids, needs to restore deterrence.", "restore deterrence") == "favor"
    # the negation after the proposition's words, on the verb of its clause
    assert _polarity("The red line does not appear to have been crossed.", "crossed") == "against"
    # a part of its own joined by "and seek to" does not take the negator of the part before it
    assert _polarity("Freedonia should work to delay the vote and seek to rebuild its ties with the rebels.", "rebuild ties rebels") == "favor"
    assert _polarity("Any further use of force would be a huge mistake.", "force") == "against"


def test_should_before_its_subject_is_a_condition_and_could_an_option() -> None:
    assert not RECOMMEND.search("They would reimpose sanctions should it take that step.")
    assert CONDITION.search("They would reimpose sanctions should it take that step.")
    assert not RECOMMEND.search("as they threatened should Freedonia retaliate again")
    assert RECOMMEND.search("Freedonia should thus remind Ruritania of its promise.")
    assert modality("The army could strike the depot.") == ("", "")
    assert modality("A mild answer is the best answer.")[0] == "recommendation"
    assert modality("The region cannot afford another war.")[0] == "recommendation"
    # "a strong urge" is a noun, "failed to" a report: neither is a cue
    assert modality("He has a strong urge to act.") == ("", "")
    assert modality("The missiles failed to kill anyone.") == ("", "")


def test_a_relative_clause_is_a_clause_of_its_own() -> None:
    text = "His advisers, such as Jane Roe, who supported the talks, may not favor escalation."
    found = [(text[a:b].strip(" ,."), m) for a, b, m, _ in clauses(text)]
    assert found == [("supported the talks", "intention"), ("favor escalation", "intention")]


def test_derived_forms_and_bound_prefixes_stem_apart_or_together() -> None:
    assert stems("retaliatory militarily response defense") == stems("retaliate military respond defend")
    assert stems("de-escalation") != stems("escalation")


def test_a_registry_alias_matches_the_propositions_name(index: PropositionIndex) -> None:
    # "F.D." has no stem at all; as the registry's alias of Freedonia it is the entity token
    assert "@freedonia" in index.tokens("F.D. officials met the rebels.")
    ranked = index.ranked("F.D. opens talks with the rebels.", "talks with the rebels")
    assert ranked[0][1] == "talks" and "@freedonia" in ranked[0][2]


def test_the_governed_words_choose_the_proposition(index: PropositionIndex) -> None:
    text = "After militias fired rockets at the northern base, Freedonia must open talks with the rebels."
    cue_at = text.find("must")
    focus = text[slice(*scope(text, cue_at, "must"))]
    assert [r[1] for r in index.ranked(text, focus)][:1] == ["talks"]
    # without the weight of the governed words, the circumstances win
    assert [r[1] for r in index.ranked(text)][:1] == ["rocket-fire"]


def test_a_proposition_about_a_later_day_is_left_out(index: PropositionIndex) -> None:
    text = "Freedonia should answer the harbour attack with a reprisal."
    assert index.ranked(text)[0][1] == "harbour-reprisal"
    assert "harbour-reprisal" not in [r[1] for r in index.ranked(text, written=dt.date(2030, 6, 1))]
    assert "harbour-reprisal" in [r[1] for r in index.ranked(text, written=dt.date(2030, 9, 10))]


def test_two_propositions_joined_by_or_are_two_stances(know: Knowledge, index: PropositionIndex) -> None:
    drafted = _stances("Ruritania does not seek a campaign of escalation or a war with Freedonia.", know, index)
    assert {(s["proposition"], s["polarity"]) for s in drafted} == {("escalation", "against"), ("war", "against")}


def test_a_relative_clause_holds_its_own_view(know: Knowledge, index: PropositionIndex) -> None:
    drafted = _stances("His advisers, such as Jane Roe, who supported talks with the rebels, may not favor further escalation.", know, index)
    assert ("jane-roe", "talks", "favor") in {(s["holder"], s["proposition"], s["polarity"]) for s in drafted}
    own = next(s for s in drafted if s["holder"] == "jane-roe")
    assert own["quote"] == "who supported talks with the rebels"


def test_as_x_and_its_allies_would_prefer(know: Knowledge, index: PropositionIndex) -> None:
    drafted = _stances("The Ruritanian government would probably lose power and fall — as Freedonia and its allies would prefer.", know, index)
    held = [s for s in drafted if s["holder"] != "author"]
    assert held and held[0]["holder"] == "freedonia" and held[0]["proposition"] == "regime-falls"
    assert held[0]["quote"] == "as Freedonia and its allies would prefer"
    # the allies are the registry's entries named as backed by the actor
    drafted = _stances("Ruritania and its Freedonian allies want a war with Freedonia.", know, index)
    assert drafted[0]["holder"] == ["ruritania", "ruritania-backed-militias"]


def test_his_pledge_is_the_person_named_before(know: Knowledge, index: PropositionIndex) -> None:
    drafted = _stances("John Doe may act soon, given his pledge to open talks with the rebels.", know, index)
    assert ("john-doe", "talks") in {(s["holder"], s["proposition"]) for s in drafted}


def test_a_named_speakers_words_are_a_stance_without_a_modal(know: Knowledge, index: PropositionIndex) -> None:
    text = "Jane Roe says the talks with the rebels are the way out."
    holder = Holder("jane-roe", "Jane Roe says", "paraphrase", "test")
    drafted = _stances(text, know, index, holder)
    assert [(s["holder"], s["proposition"], s["modality"]) for s in drafted] == [("jane-roe", "talks", "evaluation")]
    # the author's words need a cue
    assert _stances(text, know, index) == []


def test_a_surname_alone_is_the_person_named_in_full_before(know: Knowledge) -> None:
    text = "President Hassan Example spoke first. Later, Example said the talks were over."
    found = [n for n in names(text, know) if "Example" in n.text]
    assert len(found) == 2 and found[0].entity == found[1].entity == "hassan-example"


def test_the_agent_of_a_passive_holds_what_the_sentence_says(know: Knowledge, index: PropositionIndex) -> None:
    drafted = _stances("Freedonia may open talks with the rebels — an outcome long sought by John Doe.", know, index)
    assert ("john-doe", "talks", "favor") in {(s["holder"], s["proposition"], s["polarity"]) for s in drafted}


def test_whose_claim_a_clause_reports(know: Knowledge, index: PropositionIndex) -> None:
    text = "Officials will test Ruritanian claims that they do not seek a campaign of escalation."
    holder = Holder("jane-roe", "", "direct-quote", "test")
    drafted = _stances(text, know, index, holder)
    assert [(s["holder"], s["proposition"], s["polarity"]) for s in drafted] == [("ruritania", "escalation", "against")]


def test_every_speaker_a_verb_has_holds_the_view(know: Knowledge, index: PropositionIndex) -> None:
    from crisiskg.curate.attribution import Attributor

    text = "Jane Roe and John Doe having warned the rebels, they said Freedonia must open talks with the rebels."
    found = names(text, know)
    seg = segments(text)[0]
    holder = Attributor(text, found, know).holder(seg)
    assert holder.id in ("jane-roe", "john-doe")
    drafted = read_all(text, seg, holder, index, names=found, know=know)
    assert [(s["holder"], s["proposition"]) for s in drafted] == [(["jane-roe", "john-doe"], "talks")]


def test_the_view_the_author_sets_aside_is_the_other_side(know: Knowledge, index: PropositionIndex) -> None:
    from crisiskg.curate.draft_stances import set_aside

    text = "Some suggest Freedonia will refuse talks with the rebels, but I believe Freedonia will open talks with the rebels."
    seg = segments(text)[0]
    some = Holder("source:some", "Some suggest", "paraphrase", "test", source_description="some")
    mine = {"proposition": "talks", "polarity": "favor"}
    other = set_aside(text, seg, some, mine, index, names=names(text, know), know=know)
    assert other is not None and (other["holder"], other["proposition"], other["polarity"]) == ("source:some", "talks", "against")
    unsure = set_aside(text, seg, some, {"proposition": None, "polarity": "favor"}, index, names=names(text, know), know=know)
    assert unsure is not None and unsure["proposition"] is None


def test_an_institution_a_nationality_names_is_an_actor(know: Knowledge) -> None:
    text = "The Freedonian parliament voted to call on the government to end the talks."
    found = {n.text: (n.entity, n.kind) for n in names(text, know)}
    assert found["Freedonian parliament"] == ("freedonian-parliament", "Legislature")


def test_neither_negates_and_a_preposition_is_no_topic() -> None:
    assert _polarity("Neither side wants a war.", "war") == "against"
    # "will not negotiate under pressure" once matched a proposition whose definition alone had "under"
    assert stems("negotiate under pressure, despite sanctions, until talks begin") == stems("negotiate pressure sanctions talks begin")


def test_according_to_officials_with_no_word_before_them(know: Knowledge) -> None:
    from crisiskg.curate.attribution import Attributor

    text = "Neither side wants a war, according to diplomats in the region."
    found = names(text, know)
    holder = Attributor(text, found, know).holder(segments(text)[0])
    assert (holder.id, holder.source_description) == ("source:diplomats-in-the-region", "diplomats in the region")


def test_verbs_that_undo_negate() -> None:
    # "reconsider its vote to hold talks": against the talks; the proposition's own word is no negator
    assert _polarity("The council should reconsider its decision to open talks with the rebels.", "talks rebels") == "against"
    assert _polarity("Freedonia must scrap the plan for talks with the rebels.", "talks rebels") == "against"
    assert _polarity("Ruritania should abandon its escalation.", "abandon escalation") == "favor"


def test_a_judgement_of_what_works_governs_the_words_before_it(know: Knowledge, index: PropositionIndex) -> None:
    said = {(s["proposition"], s["polarity"]) for text in ("The talks with the rebels are working.", "The talks with the rebels have backfired.",
                                                            "The talks with the rebels have not been effective.")
            for s in _stances(text, know, index)}
    assert said == {("talks", "favor"), ("talks", "against")}
    from crisiskg.curate.stance_cues import EVALUATE

    assert EVALUATE.search("the talks are working.") and not EVALUATE.search("officials are working on talks")  # working on: no judgement


def test_an_aside_between_commas_keeps_the_actor_before_the_cue(know: Knowledge, index: PropositionIndex) -> None:
    drafted = _stances("Ruritania, for its part, does not want a war with Freedonia.", know, index)
    assert [(s["holder"], s["proposition"], s["polarity"]) for s in drafted] == [("ruritania", "war", "against")]


def test_an_airstrike_is_a_strike() -> None:
    assert stems("airstrikes") == stems("air strikes") and "strike" in stems("drone-strike")


def test_a_judgement_of_disaster_is_against_what_it_judges(know: Knowledge, index: PropositionIndex) -> None:
    drafted = _stances("A war between Freedonia and Ruritania would be catastrophic for the region.", know, index)
    assert [(s["proposition"], s["polarity"]) for s in drafted] == [("war", "against")]


def test_a_while_clause_is_a_clause_of_its_own(know: Knowledge, index: PropositionIndex) -> None:
    # what the cue governs ends at "while": the government's power is the condition, not the view
    assert _stances("Freedonia is unlikely to change course while the Ruritanian government keeps its power.", know, index) == []


def test_relief_after_the_words_and_lifting_before_them_undo_them() -> None:
    # "offer sanctions relief": against the sanctions, as "lift the sanctions" is
    assert _polarity("Freedonia should return to talks and offer sanctions relief to Ruritania.", "sanctions ruritania") == "against"
    assert _polarity("Freedonia should lift the sanctions on Ruritania.", "sanctions ruritania") == "against"
    assert _polarity("Freedonia should tighten the sanctions on Ruritania.", "sanctions ruritania") == "favor"


def test_an_act_or_a_count_a_speaker_reports_is_no_view(know: Knowledge, index: PropositionIndex) -> None:
    # the words share "militias", "rockets" and "base" with a proposition, but tell what happened
    holder = Holder("jane-roe", "Jane Roe said", "paraphrase", "test")
    assert _stances("Jane Roe said the militias fired rockets at the northern base.", know, index, holder) == []
    assert _stances("Jane Roe said twelve rockets hit the northern base.", know, index, holder) == []


def test_a_negation_after_a_capitalised_subject_is_the_predicates() -> None:
    # "require the Ruritanians not to order further escalation": the first shared word is the subject's,
    # the negation stands between it and what is negated
    assert _polarity("Passing that test would require the Ruritanians not to order further escalation.", "ruritanian escalation") == "against"
    # a negator before the capitalised words counts as before ("delay any Freedonian decision and seek talks")
    assert _polarity("Freedonia should delay any Ruritanian decision and seek talks with the rebels.", "ruritanian talks rebels") == "favor"
