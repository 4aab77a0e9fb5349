"""Light text scanning shared by coverage and drafting: sentences, cue sentences, date expressions,
candidate names, and resolving relative dates against a publication date.

Heuristics only: they point a curator at sentences to read, they never write facts themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# the capital letters names begin with, Latin accented ones included ("Élysée", "Mevlüt Çavuşoğlu"):
# the body of a character class
UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper())

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

CUES = re.compile(
    r"\b(should(?:n[’']t)?|must|ought to|needs? to|need for|would be a (?:huge |big |grave )?mistake|"
    r"the best answer|has to|have to|it is time|time to|requires?)\b",
    re.IGNORECASE,
)
DATE_EXPR = re.compile(
    r"\b(?:(?:early|late|mid-?)\s+)?(?:" + "|".join(MONTHS) + r")(?:\s+\d{1,2})?(?:,\s+\d{4})?\b"
    r"|\b(?:on\s+)?(?:" + "|".join(WEEKDAYS) + r")(?:\s+(?:night|morning|evening))?\b"
    r"|\b(?:19|20)\d{2}\b"
    r"|\b(?:overnight|tonight|this week(?:end)?|this morning|yesterday|today)\b",
)
# words of one name stand on one line ("By Staff" and a dateline's "WASHINGTON" below it are two)
NAME = re.compile(rf"\b[{UPPER}][\w’'.-]*[\w](?:[^\S\n]+(?:of[^\S\n]+the[^\S\n]+|of[^\S\n]+|for[^\S\n]+|al-|bin[^\S\n]+)?[{UPPER}][\w’'.-]*[\w])*")
# Capitalised words that are not names on their own (sentence openers, demonyms, titles).
_DEMONYMS = {"Iranian", "Iranians", "American", "Americans", "Iraqi", "Iraqis", "British", "European", "Europeans", "Kurdish"}
_NAMED_BODIES = {"Union", "Commission", "Council", "Parliament", "Embassy", "Ministry", "Army", "Navy", "League", "Republic",
                 "Crescent", "Kurdistan"}
# an adjective or noun of nation -> the registry id of its country ("three U.S. soldiers", "the Iraqi president")
DEMONYMS = {"American": "united-states", "Americans": "united-states", "U.S.": "united-states", "US": "united-states", "British": "united-kingdom", "Iraqi": "iraq",
            "Iraqis": "iraq", "Briton": "united-kingdom", "Britons": "united-kingdom", "Iranian": "iran", "Iranians": "iran", "Saudi": "saudi-arabia", "Israeli": "israel",
            "Canadians": "canada", "Ukrainians": "ukraine", "Afghans": "afghanistan", "Saudis": "saudi-arabia", "Israelis": "israel", "Syrians": "syria"}
NOT_NAMES = {"A", "An", "And", "Any", "As", "At", "But", "By", "Consider", "Do", "Escalating", "Even", "First", "For", "Furthermore", "Further", "Given", "How", "However", "I", "If", "In", "Instead", "It", "Its", "Let", "Many", "More", "Most", "Namely", "Neither", "No", "Now", "Of", "Official", "On", "Only", "Or", "Our", "Over", "Passing", "Recently", "Regardless", "Second", "Since", "So", "Some", "Such", "Take", "That", "The", "Their", "Then", "There", "Therefore", "These", "They", "This", "Those", "Though", "To", "Until", "We", "Well", "What", "When", "Where", "Whether", "While", "Who", "Why", "With", "Without", "Yes", "Yet", "Acting", "Addressing", "Killing", "Stepping", "Encouraging", "Forcing", "Threatening", "Increasing", "Image", "Related", "Home", "News", "Iranian", "Iranians", "American", "Americans", "Iraqi", "Iraqis", "British", "European", "Europeans", "Shia", "Shiite", "Sunni", "Sunnis", "Kurdish", "Gen", "General", "President", "Prime", "Minister", "Supreme", "Leader", "Foreign", "Secretary", "Director", "Chairman", "Ayatollah", "Major", "Don’t", "Don't", "It’s", "It's", "Let’s", "Let's", "Here", "Both", "Either", "Each", "All", "Every", "Despite", "Because", "Although", "After", "Before",
             "Staff", "Writer", "Reporter", "Correspondent"} | set(MONTHS) | set(WEEKDAYS)


@dataclass(frozen=True)
class Sentence:
    begin: int
    end: int
    text: str


_ABBREV = re.compile(r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Gen|Mr|Mrs|Ms|Dr|St|Jr|Lt|Col|Sgt|Maj|Gov|Sen|Rep|No|vs)\.)$")


def sentences(text: str) -> list[Sentence]:
    """Sentences (and headline-like lines) with their offsets; initials and abbreviations such as
    'U.S.' or 'Gen.' do not end a sentence."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        line, base, start = m.group(0), m.start(), 0
        for stop in re.finditer(r"[.!?][”\"’)]*(?=\s)", line):
            if _ABBREV.search(line[: stop.start() + 1]):
                continue
            out.append((base + start, base + stop.end()))
            start = stop.end()
        out.append((base + start, base + len(line)))
    result = []
    for b, e in out:
        chunk = text[b:e]
        stripped = chunk.strip()
        if stripped:
            b2 = b + (len(chunk) - len(chunk.lstrip()))
            result.append(Sentence(b2, b2 + len(stripped), stripped))
    return result


def sentence_at(text: str, begin: int, end: int, *, split: list[Sentence] | None = None) -> Sentence | None:
    """The sentence (or sentences) of ``text`` that contain the span ``[begin, end)``: what the
    build states as a mention's ``nif:sentence``, the linked data as an evidence span's, and what an
    audit shows around a quote. ``split``: ``sentences(text)`` when already made (many spans of
    one text split it once)."""
    found = [s for s in (sentences(text) if split is None else split) if s.begin < max(end, begin + 1) and begin < s.end]
    if not found:
        return None
    b, e = min(s.begin for s in found), max(s.end for s in found)
    return Sentence(b, e, text[b:e])


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# the news agencies' abbreviations of a month, written before a day ("Jan. 8", "Sept. 3")
MONTH_ABBREVIATIONS = r"(?:Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\."
_MONTH_ABBREVIATION = re.compile(MONTH_ABBREVIATIONS + r"\s+\d")  # "Feb. 15": a date, not a name


def month_number(name: str) -> int:
    """1 to 12 for a month's name or its abbreviation ("March", "Sept.")."""
    return next(i for i, month in enumerate(MONTHS, 1) if month.startswith(name.rstrip(".")))


# "Q: Should ...", 'Interview: "Restraint ...', "BAGHDAD (Reuters) - Rockets ...": a sentence's first word
_OPENS_AFTER = re.compile(r"(?::|\)[^\S\n]+[-–—])[^\S\n]+[“\"‘']?$")


def candidate_names(text: str) -> list[tuple[int, int, str]]:
    """Capitalised name-like phrases that are not just an opener, demonym or title. A single
    capitalised word that starts a sentence is taken for an ordinary word."""
    starts = {s.begin for s in sentences(text)}
    found = []
    for m in NAME.finditer(text):
        words = m.group(0).split()
        while words and words[0] in NOT_NAMES:
            if words[0] in _DEMONYMS and any(re.sub(r"[’']s$", "", w) in _NAMED_BODIES for w in words[1:]):
                # "European Union", "Iraqi Kurdistan", "Iranian Foreign Ministry", "Iraqi High Commission for Human
                # Rights": a demonym before a body's or region's name is part of it
                break
            words = words[1:]
        while len(words) > 1 and words[-1] in NOT_NAMES:  # "Powerful Shiite factions": an adjective, not a name's last word
            words = words[:-1]
        if words:  # "Soleimani's": the name is before the possessive; one inside ("Russia's Foreign Ministry") stays
            words[-1] = re.sub(r"[’']s$", "", words[-1])
        if not words or all(w in NOT_NAMES or all(part in NOT_NAMES or not part[:1].isupper() for part in re.sub(r"[’']s$", "", w).split("-"))
                            for w in words):
            continue
        name = " ".join(words)
        begin = m.start() + m.group(0).find(words[0])
        opening = begin - 1 if begin and text[begin - 1] in "“\"‘'(" else begin
        if len(words) == 1 and (begin in starts or opening in starts or _MONTH_ABBREVIATION.match(text, begin)
                                or _OPENS_AFTER.search(text, 0, begin)):
            continue
        found.append((begin, begin + len(name), name))
    return found


def resolve_relative(expr: str, published: dt.date) -> tuple[dt.date, str] | None:
    """Resolve a relative date expression ('on Sunday', 'Wednesday night', 'January 8',
    'overnight') against the publication date; returns the date and how it was derived."""
    low = expr.lower()
    for i, day in enumerate(WEEKDAYS):
        if day.lower() in low:
            back = (published.weekday() - i) % 7 or 7
            date = published - dt.timedelta(days=back)
            return date, f"'{expr}': the {day} before publication ({published.isoformat()}, a {WEEKDAYS[published.weekday()]})"
    for i, month in enumerate(MONTHS):
        m = re.search(month + r"\s+(\d{1,2})(?:,\s+(\d{4}))?", expr)
        if m:
            year = int(m.group(2)) if m.group(2) else (published.year if i + 1 <= published.month else published.year - 1)
            try:
                date = dt.date(year, i + 1, int(m.group(1)))
            except ValueError:
                return None
            how = "from the text" if m.group(2) else f"year taken from publication ({published.isoformat()})"
            return date, f"'{expr}': {how}"
    if any(w in low for w in ("overnight", "tonight", "this morning", "today")):
        return published, f"'{expr}': the publication date ({published.isoformat()})"
    if "yesterday" in low:
        return published - dt.timedelta(days=1), f"'{expr}': the day before publication ({published.isoformat()})"
    return None
