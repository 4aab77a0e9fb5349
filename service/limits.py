"""Limits on what one query may ask for, checked on its text before any parser sees it.

- :func:`check_text`: a query longer than ``max_query_length`` characters, or nested deeper than
  ``max_query_depth`` brackets, is a 400. Depth is counted before parsing because pyoxigraph's
  parser recurses once per level: about 5,000 nested ``{`` overflow its stack and kill the whole
  server process (a segmentation fault, not an exception).
- :func:`with_row_limit`: the query with a top-level ``LIMIT`` of at most ``n`` solutions, so an
  answer larger than the row limit is never computed, only noticed (one row more than asked).
- :func:`time_limit`: the time limit of one request: the server's, lowered by a saved question's
  ``timeout:`` and then by the request's ``timeout`` / ``_timeout`` parameter, never raised.

The scanner (:func:`crisiskg.query.sparqltext.tokens`) skips comments and strings the way the SPARQL grammar does. Brackets inside
IRIs are counted (``<`` may be a less-than, so an IRI-looking stretch is not trusted to hide
anything), and a closing bracket never takes the depth below zero: no text can make the count
lower than the parser's.

    >>> nesting_depth("SELECT * WHERE { ?s ?p ?o FILTER((?o > 1)) }")
    3
    >>> with_row_limit("SELECT * WHERE { ?s ?p ?o } LIMIT 50000", 10)
    'SELECT * WHERE { ?s ?p ?o } LIMIT 10'
"""

from __future__ import annotations

import functools
import math

from crisiskg.query.sparqltext import BRACKETS_OPEN as _OPEN
from crisiskg.query.sparqltext import KEPT_CHARS, edit, tokens, top_level
from crisiskg.service.errors import ServiceError


def nesting_depth(sparql: str) -> int:
    """The deepest bracket nesting (``{``, ``(``, ``[``) outside comments and strings (inside
    IRIs too: see the module docstring)."""
    return max((d + 1 for d, _, tok in tokens(sparql, iri_brackets=True) if tok in _OPEN), default=0)


def check_text(sparql: str, *, max_length: int, max_depth: int) -> None:
    """ServiceError 400 for a query longer than ``max_length`` characters or nested deeper than
    ``max_depth`` brackets."""
    if len(sparql) > max_length:
        raise ServiceError(400, f"the query is {len(sparql)} characters long; the limit is {max_length}: shorten it "
                                f"(a saved question, /queries, may already ask it)")
    if sum(sparql.count(b) for b in _OPEN) <= max_depth:
        return  # no more opening brackets than the limit (strings, comments and IRIs counted too): none deeper
    depth = nesting_depth(sparql)
    if depth > max_depth:
        raise ServiceError(400, f"the query nests {{ }}, ( ) or [ ] {depth} levels deep; the limit is {max_depth}: "
                                f"flatten the groups or expressions")


def with_row_limit(sparql: str, n: int) -> str | None:
    """``sparql`` asking for at most ``n`` solutions: its top-level ``LIMIT`` lowered to ``n``, or
    ``LIMIT n`` added (before a trailing ``VALUES`` block). None when the text has no place for it
    (not a SELECT, CONSTRUCT or DESCRIBE, or a ``LIMIT`` without a number).

    A saved question's text and a page size come again and again: the answer for a short text is
    remembered, so that the limited text, and its scan, are the same ones each time."""
    if len(sparql) > KEPT_CHARS:  # a long /sparql query: not kept, as sparqltext keeps no scan of it
        return _with_row_limit(sparql, n)
    return _remembered(sparql, n)


def _with_row_limit(sparql: str, n: int) -> str | None:
    top = top_level(sparql)
    words = [w for _, w in top]
    form = next((w for w in words if w in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")), None)
    if form not in ("SELECT", "CONSTRUCT", "DESCRIBE"):
        return None
    for k, (at, word) in enumerate(top):
        if word == "LIMIT":
            if k + 1 >= len(top) or not top[k + 1][1].isdigit():
                return None
            start = top[k + 1][0]
            value = top[k + 1][1]
            if int(value) <= n:
                return sparql
            return edit(sparql, start, start + len(value), str(n))
    values = [at for at, word in top if word == "VALUES"]  # only the trailing VALUES block is top-level
    if values:
        return edit(sparql, values[-1], values[-1], f"LIMIT {n}\n")
    return edit(sparql, len(sparql), len(sparql), f"\nLIMIT {n}\n")


_remembered = functools.lru_cache(maxsize=256)(_with_row_limit)


def time_limit(server: float, *lower: float | None) -> float:
    """The server's limit lowered by each given limit (None: not given); never raised."""
    return min([server, *(t for t in lower if t is not None)])


def parse_timeout(raw: str | None, name: str) -> float | None:
    """A request's time limit parameter (seconds, > 0) or None when absent; ServiceError 400 otherwise."""
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ServiceError(400, f"{name} {raw[:40]!r} is not a number of seconds above 0 (e.g. {name}=2.5); it can only "
                                f"lower the server's time limit")
    return value
