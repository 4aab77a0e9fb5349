"""Sentences of an article with their offsets and paragraph, and word stems, for drafting.

Sentence boundaries come from pySBD (rule-based, offline), run on each line of the text so that a
headline, a dateline or a paragraph never runs into the next one; offsets are Python string indices
into the verbatim text, as the seed format's quotes are. Word stems (Snowball's English stemmer,
stop words left out) let a sentence be compared with a proposition or an event's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pysbd
import snowballstemmer

from crisiskg.loaders.anchor import occurrences

STOP = frozenset({"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "but", "with", "by", "from", "at", "as", "is", "are",
    "was", "were", "be", "been", "being", "that", "this", "these", "those", "it", "its", "their", "his", "her", "they", "them", "he",
    "she", "we", "our", "us", "not", "no", "any", "all", "more", "most", "other", "such", "than", "then", "there", "which", "who",
    "whom", "whose", "what", "when", "where", "why", "how", "will", "would", "may", "might", "could", "should", "must", "can", "has",
    "have", "had", "do", "does", "did", "so", "also", "only", "very", "into", "over", "after", "before", "about", "against",
    "between", "through", "during", "without", "within", "upon", "out", "up", "down", "off", "again", "further", "once", "here",
    "both", "each", "few", "own", "same", "too", "just", "under", "while", "since", "until", "among", "amid", "across", "toward",
    "towards", "via", "per", "despite", "onto", "around", "near", "beyond", "behind", "below", "above", "inside", "outside"})
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]+")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("english")


# a prefix that a hyphen joins to its word changes the word's sense ("de-escalation" is not "escalation")
_BOUND_PREFIX = re.compile(r"^(de|non|anti|counter|un|re)-(?=[a-z])")
# derived forms Snowball leaves apart: "retaliatory" ~ "retaliate", "militarily" ~ "military",
# "response" ~ "respond", "defense" ~ "defend"
_FOLD = ((re.compile(r"atori$"), ""), (re.compile(r"ili$"), "i"), (re.compile(r"(spo|fe|pe)ns$"), r"\1nd"))


def _fold(stem: str) -> str:
    for pattern, repl in _FOLD:
        stem = pattern.sub(repl, stem)
    return stem


_COMPOUND = re.compile(r"^(air|drone)(strikes?)$")  # "airstrikes" are air strikes: a strike is a strike


def stems(text: str) -> list[str]:
    """The Snowball stems of ``text``'s content words (stop words and words of two letters left out),
    derived forms folded together."""
    words = [_BOUND_PREFIX.sub(r"\1", w.lower().replace("’", "'").split("'")[0]) for w in _WORD.findall(text)]
    words = [w for part in words for w in _COMPOUND.sub(r"\1 \2", part).replace("-", " ").split() if w and w not in STOP and len(w) > 2]
    return [_fold(s) for s in _stemmer().stemWords(words)]


@dataclass(frozen=True)
class Segment:
    """One sentence: its offsets, text, paragraph number and position in the article."""

    begin: int
    end: int
    text: str
    paragraph: int
    index: int


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


# a wire story's dateline, "BAGHDAD (Reuters) - ", "ERBIL, Iraq - ": where it was filed and by whom, not
# an actor of its first sentence, and its date ("WASHINGTON (Jan. 6, 2020) - ", "NEW YORK, Jan. 9, 2020 - ") the
# article's, not the sentence's
DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z.'-]+(?:[^\S\n][A-Z][A-Z.'-]+){0,2})(?:,[^\S\n]*[A-Z][\w.]+)?"
                      r"(?:[^\S\n]+\d{1,2}(?:,[^\S\n]*\d{4})?)?[^\S\n]*"  # "NEW YORK, Jan. 9, 2020 - "
                      r"(?:\((?P<agency>[^()\n]{2,40})\)[^\S\n]*)?[-–—]+[^\S\n]+")
# a live entry's time stamp that opens a line: "1:45 a.m. ET:", "09:40 GMT -", "3:05 p.m. —"
STAMP = re.compile(r"^(?P<time>\d{1,2}[:.]\d{2}(?:\s*(?:[ap]\.m\.|[AP]\.?M\.?))?(?:\s+[A-Z]{2,4})?)\s*[:—–-]\s+")


def stamps(text: str) -> dict[int, str]:
    """The time stamps that open lines of ``text`` ("1:45 a.m. ET"), by the paragraph number
    :func:`segments` gives the line."""
    return {paragraph: m.group("time") for paragraph, line in enumerate(re.finditer(r"[^\n]+", text))
            if (m := STAMP.match(line.group(0))) is not None}


def segments(text: str) -> list[Segment]:
    """The sentences of ``text`` in order (blank lines and whitespace left out; a time stamp that opens
    a line is no part of its first sentence)."""
    out: list[Segment] = []
    for paragraph, line in enumerate(re.finditer(r"[^\n]+", text)):
        stamp = STAMP.match(line.group(0))
        body = line.group(0)[stamp.end():] if stamp else line.group(0)
        base = line.end() - len(body)
        for span in _segmenter().segment(body):
            chunk = body[span.start:span.end]
            stripped = chunk.strip()
            if not stripped:
                continue
            begin = base + span.start + (len(chunk) - len(chunk.lstrip()))
            out.append(Segment(begin, begin + len(stripped), stripped, paragraph, len(out)))
    return out


def quoted(text: str, quote: str, start: int = 0) -> dict[str, Any]:
    """``{quote: ...}`` for the first occurrence of ``quote`` at or after ``start``, with the
    ``occurrence`` number the seed format needs when the quote is not unique in ``text``."""
    starts = occurrences(text, quote)
    item: dict[str, Any] = {"quote": quote}
    if len(starts) > 1:
        at = next((i for i, s in enumerate(starts) if s >= start), len(starts) - 1)
        item["occurrence"] = at + 1
    return item
