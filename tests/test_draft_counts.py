"""The counts `crisiskg draft` reads from one sentence (crisiskg.curate.draft_counts), on sentences
written for these tests: what is counted, with which status, and what is not a casualty."""

from __future__ import annotations

import pytest

from crisiskg.curate.draft_counts import read

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)
KNOWN = {"united-states", "united-kingdom", "iraq"}


def test_bases_are_counted_never_hurt() -> None:
    found = read("Iran fired missiles at two bases in Iraq, but no American was hurt.", KNOWN)
    assert found["counts"] == [{"what": "bases", "count": 2, "qualifier": "exact", "quote": "two bases"}]
    assert found["casualties"] == [{"status": "injured", "count": 0, "qualifier": "exact", "quote": "no American was hurt",
                                    "nationality": "united-states"}]


def test_no_one_killed_is_none_reported_not_one_killed() -> None:
    assert read("No one was killed in the attack.", KNOWN) == {
        "casualties": [{"status": "killed", "count": 0, "qualifier": "none-reported", "quote": "No one was killed"}]}


def test_soldiers_of_a_nationality_none_hurt() -> None:
    found = read("No Iraqi soldiers were wounded, the ministry said.", KNOWN)
    assert found["casualties"] == [{"status": "injured", "count": 0, "qualifier": "exact", "quote": "No Iraqi soldiers were wounded",
                                    "nationality": "iraq"}]


def test_a_toll_by_nationality_keeps_each_count() -> None:
    found = read("The rockets killed three personnel, two American and one British.", KNOWN)
    assert [(c["count"], c.get("nationality")) for c in found["casualties"]] == [(3, None), (2, "united-states"), (1, "united-kingdom")]


def test_a_date_before_a_comma_is_no_count_and_thousands_are_one() -> None:
    assert read("On March 11, rockets struck the base.", KNOWN) == {}
    assert read("More than 1,000 people were killed.", KNOWN)["casualties"][0]["count"] == 1000


def test_us_soldiers_have_a_nationality() -> None:
    hurt = read("Another barrage hit the base, wounding three U.S. soldiers.", KNOWN)["casualties"]
    assert [(c["count"], c["nationality"], c["quote"]) for c in hurt] == [(3, "united-states", "three U.S. soldiers")]


def test_a_quoted_noun_is_still_counted() -> None:
    found = read("State television reported that 80 “American terrorists” were killed.", KNOWN)["casualties"]
    assert [(c["status"], c["count"], c["nationality"]) for c in found] == [("killed", 80, "united-states")]


def test_a_nationality_before_a_noun_counts_the_noun() -> None:
    found = read("Two Iranian missiles killed three soldiers and one Briton.", KNOWN | {"iran"})
    assert found["munitions"] == [{"count": 2, "qualifier": "exact", "quote": "Two Iranian missiles"}]  # not two Iranians killed
    assert [(c["count"], c.get("nationality")) for c in found["casualties"]] == [(3, None), (1, "united-kingdom")]


def test_a_day_of_a_month_is_no_count_and_the_count_after_it_stays() -> None:
    # the day counted nothing ("8 Iranian missile attacks", "15 wounded"); the count after it is read on
    assert read("After the January 8 Iranian missile attacks on Iraq, the base was quiet.", KNOWN) == {}
    assert read("The September 14 Iranian cruise missile strike hit Abqaiq.", KNOWN) == {}
    found = read("A rocket attack on Erbil airport on Feb. 15 wounded one U.S. contractor, officials said.", KNOWN)
    assert found == {"casualties": [{"status": "injured", "count": 1, "qualifier": "exact", "quote": "one U.S. contractor",
                                     "nationality": "united-states", "population": "U.S. contractor"}]}


def test_one_soldier_or_contractor_is_counted_in_the_singular() -> None:
    found = read("The strike killed one soldier and one contractor.", KNOWN)
    assert [(c["count"], c["population"]) for c in found["casualties"]] == [(1, "soldier"), (1, "contractor")]


def test_a_months_abbreviation_is_a_date_not_a_name() -> None:
    import datetime as dt

    from crisiskg.curate.draft_dates import find
    from crisiskg.textscan import candidate_names

    published = dt.date(2020, 3, 16)
    assert find("after Iran's Jan. 8 missile attack", published).value == "2020-01-08"  # type: ignore[union-attr]
    assert find("on Sept. 3, 2019, the drones", published).value == "2019-09-03"  # type: ignore[union-attr]
    assert find("Jan. is cold", published) is None
    text = "A rocket attack on Erbil airport on Feb. 15 wounded a contractor. Jan Kubis, the UN envoy, condemned it."
    assert [name for _, _, name in candidate_names(text)] == ["Erbil", "Jan Kubis", "UN"]


def test_one_person_counted_by_a_or_an() -> None:
    found = read("The strike killed a U.S. contractor and wounded an Iraqi officer.", KNOWN)
    assert sorted((c["status"], c["count"], c["population"], c.get("nationality")) for c in found["casualties"]) == [
        ("injured", 1, "Iraqi officer", "iraq"), ("killed", 1, "U.S. contractor", "united-states")]
    assert "casualties" not in read("The strike killed a plan for talks.", KNOWN)  # a person, not a thing


def test_treated_for_concussions_is_injured_and_other_nationals_are_counted() -> None:
    found = read("Eleven U.S. service members were treated for concussion symptoms.", KNOWN)
    assert [(c["status"], c["count"], c.get("nationality")) for c in found["casualties"]] == [("injured", 11, "united-states")]
    found = read("The crash killed 176 people, including 82 Iranians and 63 Canadians.", KNOWN | {"canada", "iran"})
    assert [(c["count"], c.get("nationality")) for c in found["casualties"]] == [(176, None), (82, "iran"), (63, "canada")]


def test_a_count_in_quotation_marks_keeps_the_closing_mark() -> None:
    straight = read('State television said that 80 "American terrorists" were killed.', KNOWN)["casualties"]
    curly = read("State television said that 80 “American terrorists” were killed.", KNOWN)["casualties"]
    assert [c["quote"] for c in straight + curly] == ['80 "American terrorists"', "80 “American terrorists”"]
    assert [(c["count"], c["status"], c["nationality"]) for c in straight + curly] == [(80, "killed", "united-states")] * 2


def test_harmed_is_hurt() -> None:
    assert read("Trump said no Americans were harmed in the attack.", KNOWN)["casualties"] == [
        {"status": "injured", "count": 0, "qualifier": "exact", "quote": "no Americans were harmed", "nationality": "united-states"}]
    assert read("Nobody was harmed.", KNOWN)["casualties"][0]["qualifier"] == "none-reported"


def test_none_of_two_nations_is_a_count_for_each() -> None:
    found = read("The Pentagon said no U.S. or Iraqi personnel were killed.", KNOWN)["casualties"]
    assert [(c["status"], c["count"], c["qualifier"], c["nationality"]) for c in found] == [
        ("killed", 0, "exact", "united-states"), ("killed", 0, "exact", "iraq")]
    assert {c["quote"] for c in found} == {"no U.S. or Iraqi personnel were killed"}


def test_a_plural_of_a_round_number_is_the_least_it_can_mean() -> None:
    # "dozens" had not been counted at all
    assert read("Dozens of mourners were hurt in a second crush.", KNOWN)["casualties"] == [
        {"status": "injured", "count": 24, "qualifier": "at-least", "quote": "Dozens of mourners", "population": "mourners"}]
    assert read("The crash killed dozens.", KNOWN)["casualties"] == [
        {"status": "killed", "count": 24, "qualifier": "at-least", "quote": "killed dozens"}]
    assert [(c["count"], c["qualifier"]) for c in read("Hundreds of protesters were injured, and about 300 more.", KNOWN)["casualties"]][:1] == [
        (200, "at-least")]
    # a round number's qualifier stays its own
    assert read("Nearly two dozen soldiers were wounded.", KNOWN)["casualties"][0]["qualifier"] == "nearly"
