"""Dates as the text gives them (:class:`When`: the value as written, its precision, first and last
possible day and derivation) and how the pages say them in words. No Flask and no store here."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib.term import Node

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def day_text(day: dt.date, *, year: bool = True) -> str:
    """``8 January 2020`` (or ``8 January``)."""
    return f"{day.day} {_MONTHS[day.month - 1]}" + (f" {day.year}" if year else "")


def days_text(first: dt.date, last: dt.date) -> str:
    """Two days as a span in words: "5 to 7 January 2020", "30 January to 2 February 2020"."""
    if first == last:
        return day_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} to {day_text(last)}"
    if first.year == last.year:
        return f"{day_text(first, year=False)} to {day_text(last)}"
    return f"{day_text(first)} to {day_text(last)}"


def _natural(point: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day a ``YYYY[-MM[-DD]]`` value covers, or None if it is not one."""
    try:
        parts = [int(p) for p in point.split("-")]
        if len(parts) == 3:
            d = dt.date(*parts)
            return d, d
        if len(parts) == 2:
            return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        if len(parts) == 1:
            return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class When:
    """A date as the text gives it (ckg:dateValue, ckg:datePrecision, ckg:earliestDate,
    ckg:latestDate, ckg:dateDerivation): the value as written stands for every day from ``earliest``
    to ``latest`` (inclusive); nothing is given a day the text does not give."""

    value: str
    precision: str
    earliest: dt.date
    latest: dt.date
    derivation: str = ""

    @property
    def days(self) -> int:
        """How many days it can be."""
        return (self.latest - self.earliest).days + 1

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    @property
    def precision_text(self) -> str:
        """"to the day", "to the month", "to the year", "a range of days"."""
        return "a range of days" if self.precision == "range" else f"to the {self.precision}"

    @property
    def reading(self) -> str:
        """The date in words: "8 January 2020", "some day of January 2020", "some day of January
        2020, from 3 to 8 January 2020", "some day from 5 to 7 January 2020"."""
        if self.exact:
            return day_text(self.earliest)
        first, _, last = self.value.partition("/")
        lo, hi = _natural(first), _natural(last or first)
        natural = (lo[0], hi[1]) if lo and hi else None
        bounds = days_text(self.earliest, self.latest)
        if self.precision == "month" and lo:
            words = f"some day of {_MONTHS[lo[0].month - 1]} {lo[0].year}"
        elif self.precision == "year" and lo:
            words = f"some day of {lo[0].year}"
        else:
            return f"some day from {bounds}"
        return words if natural == (self.earliest, self.latest) else f"{words}, from {bounds}"

    def overlaps(self, other: When) -> bool:
        """True if both can be true: some day lies in both."""
        return self.earliest <= other.latest and other.earliest <= self.latest

    def __str__(self) -> str:
        return self.value


def when_of(row: Mapping[str, Node | None], prefix: str = "") -> When | None:
    """The :class:`When` of a query row binding ``value``, ``prec``, ``early``, ``late`` and
    ``deriv`` (each name after ``prefix``); None without a value or bounds that parse."""
    value = row.get(prefix + "value")
    if value is None:
        return None
    early, late = row.get(prefix + "early"), row.get(prefix + "late")
    try:
        lo = dt.date.fromisoformat(str(early)) if early is not None else None
        hi = dt.date.fromisoformat(str(late)) if late is not None else None
    except ValueError:
        lo = hi = None
    if lo is None or hi is None:  # bounds missing: the value's own
        first, _, last = str(value).partition("/")
        a, b = _natural(first), _natural(last or first)
        if not a or not b:
            return None
        lo, hi = lo or a[0], hi or b[1]
    prec, deriv = row.get(prefix + "prec"), row.get(prefix + "deriv")
    return When(str(value), str(prec) if prec is not None else ("day" if lo == hi else "range"), lo, hi,
                str(deriv) if deriv is not None else "")


DATE_PATTERN = """OPTIONAL {{ {s} ckg:datePrecision ?{p}prec }} OPTIONAL {{ {s} ckg:dateDerivation ?{p}deriv }}
OPTIONAL {{ {s} ckg:earliestDate ?{p}early }} OPTIONAL {{ {s} ckg:latestDate ?{p}late }}"""


def date_pattern(subject: str, prefix: str = "") -> str:
    """The SPARQL (inside one GRAPH block) that reads ``subject``'s date as :func:`when_of` wants
    it: ``{subject} ckg:dateValue ?{prefix}value`` and the rest OPTIONAL."""
    return f"{subject} ckg:dateValue ?{prefix}value . " + DATE_PATTERN.format(s=subject, p=prefix)
