"""Dates as the text gives them (loaders/dates.py): intervals of possible days, never an invented day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crisiskg.loaders import dates

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

CASES = [
    # value, precision, earliest, latest, first day, last day, XSD literal
    ("2020-01-08", "day", None, None, "2020-01-08", "2020-01-08", ("2020-01-08", "date")),
    ("2020-01", "month", None, None, "2020-01-01", "2020-01-31", ("2020-01", "gYearMonth")),
    ("2020-02", "month", None, None, "2020-02-01", "2020-02-29", ("2020-02", "gYearMonth")),  # a leap year
    ("2019", "year", None, None, "2019-01-01", "2019-12-31", ("2019", "gYear")),
    ("2020-01-05/2020-01-07", "range", None, None, "2020-01-05", "2020-01-07", None),  # article 001
    ("2020-01/2020-03", "range", None, None, "2020-01-01", "2020-03-31", None),
    # Khamenei's promise: January, 'after the assassination' (3rd) and before the strikes (8th)
    ("2020-01", "month", "2020-01-03", "2020-01-08", "2020-01-03", "2020-01-08", ("2020-01", "gYearMonth")),
]


@pytest.mark.parametrize(("value", "precision", "earliest", "latest", "first", "last", "typed"), CASES)
def test_a_date_covers_every_day_it_may_be(value: str, precision: str, earliest: str | None, latest: str | None,
                                          first: str, last: str, typed: tuple[str, str] | None) -> None:
    span = dates.parse(value, precision, earliest=earliest, latest=latest)
    assert (span.earliest.isoformat(), span.latest.isoformat(), span.precision, span.typed) == (first, last, precision, typed)
    assert dates.parse(value, earliest=earliest, latest=latest) == span  # the precision is inferred when omitted


MISTAKES = [
    ("2020-01-01", "month", {}, "has day precision, not 'month'"),  # the old way of writing 'January'
    ("2020-01", "day", {}, "has month precision, not 'day'"),
    ("2020-02-30", None, {}, "day is out of range"),
    ("2020-13", None, {}, "month 13 is not 1..12"),
    ("8 January", None, {}, "is not a date"),
    ("2020-01-07/2020-01-05", None, {}, "ends before it begins"),
    ("2020-01", None, {"earliest": "2019-12-30"}, "lies outside 2020-01"),
    ("2020-01", None, {"latest": "2020-01"}, "is not a day"),
    ("2020-01", None, {"earliest": "2020-01-09", "latest": "2020-01-08"}, "is after latest"),
]


@pytest.mark.parametrize(("value", "precision", "bounds", "words"), MISTAKES)
def test_a_date_the_text_cannot_give_is_refused_with_the_reason(value: str, precision: str | None, bounds: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        dates.parse(value, precision, **bounds)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from([10, 7, 4]))
def test_every_interval_holds_its_ends_and_the_bounds_are_ordered(a: dt.date, b: dt.date, width: int) -> None:
    lo, hi = sorted((a, b))
    value = f"{lo.isoformat()[:width]}/{hi.isoformat()[:width]}"
    span = dates.parse(value)
    assert span.earliest <= lo <= hi <= span.latest
    assert span.precision == "range" and span.typed is None
