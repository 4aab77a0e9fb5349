"""Anchoring quotes to character offsets in an article's verbatim text.

Offsets are Python string indices (code points), 0-based, end exclusive, with no normalisation, so
``text[begin:end] == quote`` always holds for an anchored span.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    begin: int
    end: int
    text: str


class AnchorError(ValueError):
    """A quote is missing or ambiguous; the message shows the closest passage or the choices.
    ``at``: the index in the quote of the first character that differs from the closest passage;
    ``hint``: how to fix it."""

    def __init__(self, message: str, hint: str | None = None, at: int | None = None):
        super().__init__(message)
        self.hint = hint
        self.at = at


def _char(c: str) -> str:
    return f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')})"


def first_difference(quote: str, passage: str) -> tuple[int, str] | None:
    """Where ``quote`` first departs from ``passage`` (an index in the quote) and what differs
    there, in words; None when they are equal."""
    for tag, i1, _i2, j1, _j2 in difflib.SequenceMatcher(None, quote, passage, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "insert" and i1 in (0, len(quote))):
            continue  # the same, or words of the text around the passage
        has = _char(quote[i1]) if i1 < len(quote) else "its end"
        text = _char(passage[j1]) if j1 < len(passage) else "nothing more"
        return min(i1, len(quote) - 1), f"character {i1 + 1} of the quote is {has} where the text has {text}"
    return None


def occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``quote`` in ``text``."""
    found, start = [], text.find(quote)
    while start != -1:
        found.append(start)
        start = text.find(quote, start + 1)
    return found


def anchor(text: str, quote: str, occurrence: int | None = None) -> Span:
    """The span of ``quote`` in ``text``.

    Raises AnchorError when the quote is absent (showing the closest passage), occurs more than once
    without ``occurrence`` (showing where), or ``occurrence`` is out of range.
    """
    if not quote:
        raise AnchorError("the quote is empty", "copy the words from the article's text")
    starts = occurrences(text, quote)
    if not starts:
        passage = closest_passage(text, quote)
        diff = first_difference(quote, passage)
        if diff is None:
            raise AnchorError(f"quote not found in the article; closest passage: {passage!r}")
        raise AnchorError(f"quote not found in the article; closest passage: {passage!r}; {diff[1]}",
                          "copy the words from the article's text exactly", diff[0])
    if occurrence is None:
        if len(starts) > 1:
            raise AnchorError(
                f"quote occurs {len(starts)} times (at offsets {', '.join(map(str, starts))}); "
                "add 'occurrence: N' (1-based) or quote more words", "say which one with 'occurrence: N', or quote more words"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise AnchorError(f"occurrence {occurrence} asked, but the quote occurs {len(starts)} time(s)", f"use an occurrence from 1 to {len(starts)}")
    begin = starts[occurrence - 1]
    return Span(begin, begin + len(quote), quote)


def closest_passage(text: str, quote: str) -> str:
    """The passage of ``text`` most like ``quote`` (same length), for error messages."""
    n = len(quote)
    if not text:
        return ""
    if n >= len(text):
        return text
    step = max(1, n // 8)
    best_start, best_ratio = 0, -1.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)

    def scan(starts: range) -> None:
        nonlocal best_start, best_ratio
        for start in starts:
            matcher.set_seq1(text[start:start + n])
            if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best_start, best_ratio = start, ratio

    scan(range(0, len(text) - n + 1, step))
    # then one character at a time around the best window, so the passage is not cut mid-word
    scan(range(max(0, best_start - step + 1), min(len(text) - n, best_start + step - 1) + 1))
    return text[best_start:best_start + n]
