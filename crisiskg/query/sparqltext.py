"""Reading SPARQL text without parsing it: its keywords, where its WHERE clause starts, values
bound into it, bracket depth. One scanner (:func:`tokens`) serves them all, skipping comments,
strings and IRIs as the SPARQL grammar does."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from rdflib.term import Node

from crisiskg.errors import QueryError
from crisiskg.terms import to_oxigraph


@functools.lru_cache(maxsize=256)  # the same texts come again and again (saved questions)
def keywords(sparql: str) -> tuple[str, ...]:
    """The bare words of a query, upper-cased and in order, outside comments, strings, IRIs and
    variables (``SELECT``, ``FROM``, ``SERVICE``...). Prefixed names keep their colon
    (``EX:SERVICE``), so they never pass for a keyword."""
    return tuple(tok.upper() for _, _, tok in tokens(sparql) if tok[0].isalpha() or tok[0] in "_:")


@functools.lru_cache(maxsize=256)
def _where_brace(sparql: str) -> int:
    """Offset of the '{' that opens the query's WHERE group: the first top-level '{' after the
    keyword ``WHERE``, or the first top-level '{' when the keyword is left out."""
    first_brace, saw_where = -1, False
    for depth, at, tok in tokens(sparql):
        if depth:
            continue
        if tok == "{":
            if saw_where:
                return at
            if first_brace == -1:
                first_brace = at
        elif tok.upper() == "WHERE":
            saw_where = True
    if first_brace == -1:
        raise QueryError("the query has no WHERE group to bind parameters in")
    return first_brace


def bind_values(sparql: str, bindings: Mapping[str, Node | list[Node]]) -> str:
    """``sparql`` with a VALUES block binding each variable to RDF terms, placed first in the
    WHERE group. The terms are written by the RDF library (N-Triples syntax), never from user
    text, so a value with quotes or braces stays one value.

    Every store kind binds this way, the embedded ones too: pyoxigraph's own ``substitutions``
    bind only a variable the SELECT projects (a question's parameter seldom is), and where they
    can they are no faster than this block (``benchmarks/bind_engine.py``)."""
    parts = []
    for name, value in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"{name!r} is not a variable name")
        values = value if isinstance(value, list) else [value]
        parts.append(f"VALUES ?{name} {{ {' '.join(str(to_oxigraph(v)) for v in values)} }}")
    at = _where_brace(sparql) + 1
    return sparql[:at] + " " + " ".join(parts) + " " + sparql[at:]


# ---------------------------------------------------------------- tokens with their bracket depth

BRACKETS_OPEN, BRACKETS_CLOSE = "{([", "})]"
_OPEN, _CLOSE = BRACKETS_OPEN, BRACKETS_CLOSE
_SKIP = re.compile(
    r"""\#[^\n\r]*"""                                   # a comment
    r'''|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'''          # long strings (unterminated: to the end)
    r"""|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"""
    r'''|"(?:[^"\\\n\r]|\\.)*"?|'(?:[^'\\\n\r]|\\.)*'?''',  # short strings
    re.DOTALL,
)
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_SCAN_TOKEN = re.compile(r"(?:[A-Za-z_][\w.\-]*)?:[\w.\-:%]*|[A-Za-z_]\w*|[?$]\w+|\d+|\S")  # prefixed names keep their colon
_CLOSED_STRING = re.compile(  # a string literal with its closing quote (as _SKIP, the closing quote required)
    r'''"""(?:[^"\\]|\\.|"(?!""))*"""'''
    r"""|'''(?:[^'\\]|\\.|'(?!''))*'''"""
    r'''|"(?:[^"\\\n\r]|\\.)*"'''
    r"""|'(?:[^'\\\n\r]|\\.)*'""",
    re.DOTALL,
)


def closed_string(token: str) -> bool:
    """Whether a string token (from :func:`tokens` with ``strings``) ends with its closing quote:
    an unterminated short string runs to the end of its line, a long one to the end of the text."""
    return _CLOSED_STRING.fullmatch(token) is not None


def tokens(sparql: str, *, iri_brackets: bool = False, strings: bool = False) -> list[tuple[int, int, str]]:
    """(depth, offset, token) of every token outside comments and strings; brackets carry the
    depth outside them (an opening one the depth before it). With ``iri_brackets``, brackets inside
    IRIs count as well (each a token of its own); with ``strings``, each string literal is a token
    too (quotes included; see :func:`closed_string`)."""
    out: list[tuple[int, int, str]] = []
    depth, i, n = 0, 0, len(sparql)
    while i < n:
        c = sparql[i]
        if c.isspace():
            i += 1
            continue
        if c in "#\"'":
            m = _SKIP.match(sparql, i)
            if strings and c != "#" and m and m.end() > i:
                out.append((depth, i, m.group(0)))
            i = m.end() if m and m.end() > i else i + 1
            continue
        if c == "<":
            m = _IRI.match(sparql, i)
            if m:
                out.append((depth, i, m.group(0)))
                for j, ch in enumerate(m.group(0)) if iri_brackets else ():
                    if ch in _OPEN:
                        out.append((depth, i + j, ch))
                        depth += 1
                    elif ch in _CLOSE:
                        depth = max(0, depth - 1)
                i = m.end()
                continue
        if c in _OPEN:
            out.append((depth, i, c))
            depth += 1
            i += 1
            continue
        if c in _CLOSE:
            depth = max(0, depth - 1)
            out.append((depth, i, c))
            i += 1
            continue
        m = _SCAN_TOKEN.match(sparql, i)
        assert m is not None  # \S matches any non-space character
        out.append((depth, i, m.group(0)))
        i = m.end()
    return out
