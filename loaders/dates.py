"""Dates as the text gives them: an interval of possible days with a precision.

A seed date is a value (``2020-01-08``, ``2020-01``, ``2020`` or an interval ``A/B`` of those, as in
ISO 8601 and EDTF level 0) that stands for every day it covers, optionally narrowed by ``earliest``
and ``latest`` (inclusive days) where the text says more ("after the assassination", "had
promised"). Nothing is given a day the text does not give: ``2020-01`` is 1 to 31 January.

>>> d = parse("2020-01", "month", latest="2020-01-08")
>>> (d.earliest.isoformat(), d.latest.isoformat(), d.precision)
('2020-01-01', '2020-01-08', 'month')
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

PRECISIONS = ("day", "month", "year", "range")
_FORM = {3: "day", 2: "month", 1: "year"}
POINT = r"\d{4}(-\d{2}(-\d{2})?)?"
VALUE = rf"^{POINT}(/{POINT})?$"
DAY = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class DateSpan:
    """A date of the text: its value as written, precision, and first and last possible day."""

    value: str
    precision: str
    earliest: dt.date
    latest: dt.date

    def overlaps(self, other: DateSpan) -> bool:
        """Whether the two spans have a day in common (the same date can stand for both)."""
        return self.earliest <= other.latest and other.earliest <= self.latest

    @property
    def typed(self) -> tuple[str, str] | None:
        """The value as an XSD literal (lexical form, datatype local name), or None for a range."""
        if self.precision == "range":
            return None
        return self.value, {"day": "date", "month": "gYearMonth", "year": "gYear"}[self.precision]


def _bounds(point: str) -> tuple[dt.date, dt.date, str]:
    parts = [int(p) for p in point.split("-")]
    form = _FORM[len(parts)]
    if form == "day":
        day = dt.date(*parts)
        return day, day, form
    if form == "month":
        year, month = parts
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} is not 1..12")
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]), form
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31), form


def parse(value: str, precision: str | None = None, *, earliest: str | None = None, latest: str | None = None) -> DateSpan:
    """The DateSpan of a seed date; ValueError with what is wrong and how to write it instead.

    ``precision`` is checked against the value's form (day ``YYYY-MM-DD``, month ``YYYY-MM``, year
    ``YYYY``, range ``A/B``) and inferred when omitted.
    """
    value = str(value)
    if not re.match(VALUE, value):
        raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD, YYYY-MM, YYYY or FIRST/LAST")
    first, _, last = value.partition("/")
    lo, hi, form = _bounds(first)
    if last:
        _, hi, _ = _bounds(last)
        form = "range"
        if hi < lo:
            raise ValueError(f"{value!r} ends before it begins")
    if precision is not None and precision != form:
        raise ValueError(f"{value!r} has {form} precision, not {precision!r}: write the precision the value has "
                         f"(a month is YYYY-MM, a span of days FIRST/LAST), never a day the text does not give")
    for name, bound in (("earliest", earliest), ("latest", latest)):
        if bound is None:
            continue
        if not re.match(DAY, str(bound)):
            raise ValueError(f"{name} {bound!r} is not a day (YYYY-MM-DD)")
        day = dt.date.fromisoformat(str(bound))
        if not lo <= day <= hi:
            raise ValueError(f"{name} {bound} lies outside {value} ({lo} to {hi})")
    if earliest is not None:
        lo = dt.date.fromisoformat(str(earliest))
    if latest is not None:
        hi = dt.date.fromisoformat(str(latest))
    if hi < lo:
        raise ValueError(f"earliest {lo} is after latest {hi}")
    return DateSpan(value, form, lo, hi)


def of(item: dict[str, object], key: str = "value") -> DateSpan:
    """The DateSpan of a checked seed date mapping (``key`` names its value field)."""
    return parse(str(item[key]), item.get("precision") and str(item["precision"]),  # type: ignore[arg-type]
                 earliest=item.get("earliest") and str(item["earliest"]),  # type: ignore[arg-type]
                 latest=item.get("latest") and str(item["latest"]))  # type: ignore[arg-type]
