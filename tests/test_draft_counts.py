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
