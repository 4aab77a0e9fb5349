"""Dates for drafted events: read from a sentence, resolved against the publication date, carried
across neighbouring sentences, always with the derivation a curator can check.

A date is written in the seed format's date model (``crisiskg.loaders.dates``): a day, a month, a
year or a range, never a day the text does not give ("in early January" is the month). A sentence
that names no date takes the day named in the sentence just before it ("Rockets hit the base on
Friday. Two soldiers were hurt."), and the derivation says so. An article that gives no publication
date is dated by the latest day of the known events it names (``estimated``), and something done
"shortly after the attack" takes the day of that attack (``soon_after``); "Five days later" and "the
next day" count from the day of the sentence before. "Since October" dates what
the sentence tells by when it began (a crisis, a campaign), never a statement about it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crisiskg.curate.segments import DATELINE, Segment
from crisiskg.loaders import dates
from crisiskg.textscan import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS, month_number

# a month's name, or the news agencies' abbreviation before a day ("Jan. 8", "Sept. 3")
_MONTH = "|".join(MONTHS) + "|" + MONTH_ABBREVIATIONS + r"(?=\s+\d)"
_DAY_OF_MONTH = re.compile(rf"\b(?:(?P<d1>\d{{1,2}})\s+)?(?P<month>{_MONTH})(?:\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)?\b(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?")
_WEEKDAY = re.compile(rf"\b(?:(?:on|last|this|early|late)\s+)?(?P<day>{'|'.join(WEEKDAYS)})(?:\s+(?:night|morning|afternoon|evening))?\b")
_RELATIVE = re.compile(r"\b(?:yesterday|today|tonight|this morning|last night|overnight|earlier this week|last week)\b", re.IGNORECASE)
# "Five days later", "a week later", "the next day": counted from the sentence before
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_LATER = re.compile(r"\b(?:(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?P<unit>days?|weeks?)\s+(?:later|afterwards?)|"
                    r"(?:the\s+)?(?P<next>next|following)\s+day)\b", re.IGNORECASE)
# "since late October", "since 2018": when what the sentence tells began (a crisis, a campaign), never
# when something was said
SINCE = re.compile(r"\bsince\s+(?:(?:late|early|mid)[\s-]+)?$", re.IGNORECASE)
STARTED = "when it began"
_YEAR = re.compile(r"\b(?:(?:in|since|of|until)\s+)?(?P<year>(?:19|20)\d{2})\b")


@dataclass(frozen=True)
class DateGuess:
    """A drafted date: value and precision as the seed format writes them, and how it was found."""

    value: str
    precision: str
    derivation: str
    earliest: str | None = None
    latest: str | None = None
    began: bool = False  # "since October": when what the sentence tells began

    def as_seed(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "precision": self.precision}
        if self.earliest:
            out["earliest"] = self.earliest
        if self.latest:
            out["latest"] = self.latest
        out["derivation"] = self.derivation
        return out

    @property
    def words(self) -> str | None:
        """The sentence's words the date was read from ("on March 12"), when its derivation quotes them."""
        m = re.match(r"""^(['"])(.+?)\1: """, self.derivation)
        return m.group(2) if m else None

    def carried(self, previous: str) -> DateGuess:
        return DateGuess(self.value, self.precision, f"from the previous sentence ({previous!r}): {self.derivation}",
                         self.earliest, self.latest)


def _pub(published: dt.date) -> str:
    return f"{WEEKDAYS[published.weekday()]} {published.isoformat()}"


def _checked(guess: DateGuess) -> DateGuess | None:
    try:
        dates.parse(guess.value, guess.precision, earliest=guess.earliest, latest=guess.latest)
    except ValueError:
        return None
    return guess


def _month_year(month: int, published: dt.date) -> int:
    """The year of a month named without one: the latest such month not after publication."""
    return published.year if month <= published.month else published.year - 1


def find(sentence: str, published: dt.date | None, *, estimated: bool = False) -> DateGuess | None:
    """The date a sentence gives, resolved against the publication date, or None. Without a
    publication date only dates that carry their year are read. ``estimated``: ``published`` is
    not in the text but the latest day of a known event the article names, so the article was
    written on it or soon after: a weekday is the first such day on or after it."""
    if published is None:
        return _absolute(sentence)
    m = _DAY_OF_MONTH.search(sentence)
    if m:
        month = month_number(m.group("month"))
        day = m.group("d1") or m.group("d2")
        year = int(m.group("year")) if m.group("year") else _month_year(month, published)
        how = "from the text" if m.group("year") else f"the year of publication ({published.isoformat()}) or the one before"
        since = SINCE.search(sentence[:m.start()])
        said = f"{since.group(0) + m.group(0)!r}: {STARTED}, " if since else f"{m.group(0)!r}: "
        if day:
            try:
                value = dt.date(year, month, int(day))
            except ValueError:
                return None
            return _checked(DateGuess(value.isoformat(), "day", f"{said}{how}", began=bool(since)))
        return _checked(DateGuess(f"{year:04d}-{month:02d}", "month", f"{said}the month, {how} (the text gives no day)", began=bool(since)))
    m = _WEEKDAY.search(sentence)
    if m and estimated:
        ahead = (WEEKDAYS.index(m.group("day")) - published.weekday()) % 7
        value = published + dt.timedelta(days=ahead)
        return DateGuess(value.isoformat(), "day", f"{m.group(0)!r}: the first {m.group('day')} on or after {_pub(published)}, "
                         "the latest day of a known event the article names (its publication date is not in the text)")
    if m:
        back = (published.weekday() - WEEKDAYS.index(m.group("day"))) % 7
        value = published - dt.timedelta(days=back)
        when = "the publication day" if back == 0 else ("the day before publication" if back == 1 else f"the {m.group('day')} before publication")
        return DateGuess(value.isoformat(), "day", f"{m.group(0)!r}: {when} ({_pub(published)})")
    m = _RELATIVE.search(sentence)
    if m:
        word = m.group(0).lower()
        before = published - dt.timedelta(days=1)
        if word in ("yesterday", "last night"):
            return DateGuess(before.isoformat(), "day", f"{m.group(0)!r}: the day before publication ({_pub(published)})")
        if word == "overnight":
            return DateGuess(f"{before.isoformat()}/{published.isoformat()}", "range",
                             f"{m.group(0)!r}: the night before publication ({_pub(published)})")
        if word in ("last week", "earlier this week"):
            start = published - dt.timedelta(days=7 if word == "last week" else published.weekday())
            return _checked(DateGuess(f"{start.isoformat()}/{before.isoformat()}", "range", f"{m.group(0)!r}: the days before publication ({_pub(published)})"))
        return DateGuess(published.isoformat(), "day", f"{m.group(0)!r}: the publication day ({_pub(published)})")
    m = _YEAR.search(sentence)
    if m and int(m.group("year")) <= published.year:
        started = f"{STARTED}, " if m.group(0).lower().startswith("since") else ""
        return DateGuess(m.group("year"), "year", f"{m.group(0)!r}: {started}the year (the text gives no month)", began=bool(started))
    return None


def _absolute(sentence: str) -> DateGuess | None:
    m = _DAY_OF_MONTH.search(sentence)
    if m and m.group("year"):
        return find(m.group(0), dt.date(int(m.group("year")), 12, 31))
    m = _YEAR.search(sentence)
    if m:
        return DateGuess(m.group("year"), "year", f"{m.group(0)!r}: the year (the text gives no month)")
    return None


def resolve(segs: list[Segment], published: dt.date | None, *, estimated: bool = False,
            stamped: Mapping[int, str] | None = None) -> dict[int, DateGuess]:
    """The date of each sentence (by ``Segment.index``): its own, or the day named in the sentence just
    before it (a heading or dateline passes nothing on), carried with the derivation, or the article's
    day for a sentence of a live entry (``stamped``: the time stamp that opens a paragraph, by
    paragraph number)."""
    out: dict[int, DateGuess] = {}
    stamped = stamped or {}
    own_dates: set[int] = set()
    previous: Segment | None = None
    for seg in segs:
        # "WASHINGTON (Jan. 6, 2020) - The Pentagon on Saturday ordered ...": the dateline's date is the
        # article's; the sentence's own words date its event first
        filed = DATELINE.match(seg.text)
        own = (find(seg.text[filed.end():], published, estimated=estimated) if filed else None) or find(seg.text, published, estimated=estimated)
        later = _LATER.search(seg.text)
        if own is None and later is not None and previous is not None and previous.index in out \
                and out[previous.index].precision == "day":
            # "Five days later, Iran fired ...": counted from the day of the sentence before
            before = out[previous.index]
            n = 1 if later.group("next") else _COUNT_WORDS.get(later.group("n").lower()) or int(later.group("n"))
            days = n * (7 if later.group("unit") and later.group("unit").lower().startswith("week") else 1)
            value = dt.date.fromisoformat(before.value) + dt.timedelta(days=days)
            out[seg.index] = DateGuess(value.isoformat(), "day", f"{later.group(0)!r}: {days} day(s) after {before.value}, the day of the sentence before")
            own_dates.add(seg.index)
        elif own is not None:
            out[seg.index] = own
            own_dates.add(seg.index)
        elif (previous is not None and previous.index in own_dates and out[previous.index].precision == "day"
              and previous.text.rstrip()[-1:] in ".!?\"”"):
            short = previous.text if len(previous.text) <= 60 else previous.text[:57] + "..."
            out[seg.index] = out[previous.index].carried(short)
        elif seg.paragraph in stamped and published is not None:
            # "2:10 a.m. ET: A second wave of missiles struck ...": an entry of a live report, on its day
            out[seg.index] = DateGuess(published.isoformat(), "day", f"{stamped[seg.paragraph]!r}: the time of a live entry, on "
                                       f"the article's day ({_pub(published)}{', estimated' if estimated else ''}); check the time zone")
        previous = seg
    return out


def after(earlier: DateGuess, published: dt.date) -> DateGuess | None:
    """The span of an event told to come after one dated ``earlier`` ("following the 2018 withdrawal"):
    from that date to the publication day, or None when it does not fit before publication."""
    first = str(earlier.value).split("/")[0]
    return _checked(DateGuess(f"{first}/{published.isoformat()}", "range",
                              f"after {earlier.derivation.split(':', 1)[0]} and before publication ({_pub(published)}): "
                              "the text gives no date of its own"))


def day_of(guess: DateGuess) -> dates.DateSpan:
    """The interval of days a drafted date stands for (the date model's DateSpan)."""
    return dates.parse(guess.value, guess.precision, earliest=guess.earliest, latest=guess.latest)


# the attack a later event follows: "the missile attack", "those Iranian strikes"
_THE_ATTACK = r"(?:the|this|that|these|those)\s+(?:[\w-]+\s+){0,2}?(?:attacks?|strikes?|barrage|assault|killing|bombing)\b"
# "Hours after the missile attack, the Guards shot down an airliner": the sentence tells a later event
AFTER_ANOTHER = re.compile(r"\b(?:after|following)\s+" + _THE_ATTACK, re.IGNORECASE)
# "shortly after the attack": on the attack's day
_SOON_AFTER = re.compile(r"\b(?:shortly|soon|hours|minutes|moments|right|immediately)\s+after\s+" + _THE_ATTACK, re.IGNORECASE)


def soon_after(sentence: str, event_id: str, date: dict[str, Any] | None) -> DateGuess | None:
    """The day of a sentence that happens "shortly after the attack": the day of that attack
    (``event_id`` with its seed ``date``: the article's news, the first attack it dates), when the
    attack has a day."""
    m = _SOON_AFTER.search(sentence)
    if m is None or not date or date.get("precision") != "day":
        return None
    return DateGuess(str(date["value"]), "day", f"{m.group(0)!r}: the day of {event_id} ({date['value']}), the attack the article reports")
