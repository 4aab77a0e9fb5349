"""Anchoring quotes to character offsets in an article's verbatim text.

Offsets are Python string indices (code points), 0-based, end exclusive, with no normalisation, so
``text[begin:end] == quote`` always holds for an anchored span.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    begin: int
    end: int
    text: str


class AnchorError(ValueError):
    """A quote is missing or ambiguous; the message shows the closest passage or the choices."""


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
        raise AnchorError("the quote is empty")
    starts = occurrences(text, quote)
    if not starts:
        raise AnchorError(f"quote not found in the article; closest passage: {closest_passage(text, quote)!r}")
    if occurrence is None:
        if len(starts) > 1:
            raise AnchorError(
                f"quote occurs {len(starts)} times (at offsets {', '.join(map(str, starts))}); "
                "add 'occurrence: N' (1-based) or quote more words"
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise AnchorError(f"occurrence {occurrence} asked, but the quote occurs {len(starts)} time(s)")
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
