"""Reading SPARQL text without parsing it: its keywords, its top-level tokens, where its WHERE
clause starts, values bound into it, bracket depth. One scanner (:func:`tokens`) serves them all,
skipping comments, strings and IRIs as the SPARQL grammar does.

A text is scanned once. The texts a request evaluates are a saved question's with a VALUES block
written in (:func:`bind_values`) and a LIMIT (``crisiskg.service.limits.with_row_limit``): both are
made by :func:`edit`, which reads the new text as the old one's tokens with the edit's own spliced
in, so a new parameter value never costs a scan of the whole text again. An edit that could read
differently in place (inside a token, string or comment; a snippet that could run into its
neighbours) is not recorded, and its text is scanned like any other. Only texts of up to
:data:`KEPT_CHARS` characters are kept, the last hundred or so of them: a saved question's text is
far shorter, and what is kept stays bounded whatever texts a client sends."""

from __future__ import annotations

import bisect
import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping

from rdflib.term import Node

from crisiskg.errors import QueryError
from crisiskg.terms import to_oxigraph


def keywords(sparql: str) -> tuple[str, ...]:
    """The bare words of a query, upper-cased and in order, outside comments, strings, IRIs and
    variables (``SELECT``, ``FROM``, ``SERVICE``...). Prefixed names keep their colon
    (``EX:SERVICE``), so they never pass for a keyword."""
    return _scan(sparql).words


def top_level(sparql: str) -> tuple[tuple[int, str], ...]:
    """(offset, upper-cased token) of every token outside any bracket (brackets themselves included
    when they open or close a top-level group)."""
    return _scan(sparql).top


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
    return edit(sparql, at, at, " " + " ".join(parts) + " ")


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
    if not iri_brackets and not strings:
        return list(_scan(sparql).toks)
    return _tokens(sparql, iri_brackets=iri_brackets, strings=strings)


def _tokens(sparql: str, *, iri_brackets: bool = False, strings: bool = False) -> list[tuple[int, int, str]]:
    """The scanner itself (:func:`tokens`)."""
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


# ---------------------------------------------------------------- a text scanned once, and edits of it


def _is_word(tok: str) -> bool:
    return tok[0].isalpha() or tok[0] in "_:"


class _Scan:
    """What the scanner read in one text: its tokens (``toks``), keywords (``words``, at
    ``word_at``) and top-level tokens (``top``), each made when first asked for. An edit's scan
    (:class:`_Edited`) is made from its source's without reading the text again."""

    def __init__(self, text: str, toks: tuple[tuple[int, int, str], ...] | None = None):
        self.text = text
        self._toks = tuple(_tokens(text)) if toks is None else toks
        self._end: bool | None = None  # whether the text ends between tokens (read when first asked)

    @property
    def toks(self) -> tuple[tuple[int, int, str], ...]:
        return self._toks

    @functools.cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(tok.upper() for _, _, tok in self.toks if _is_word(tok))

    @functools.cached_property
    def word_at(self) -> tuple[int, ...]:
        return tuple(at for _, at, tok in self.toks if _is_word(tok))

    @functools.cached_property
    def top(self) -> tuple[tuple[int, str], ...]:
        return tuple((at, tok.upper()) for d, at, tok in self.toks if d == 0)

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [at for _, at, _ in self._toks]

    @functools.cached_property
    def _edges(self) -> set[int]:
        return set(self._starts) | {at + len(tok) for _, at, tok in self._toks}

    def place(self, at: int) -> tuple[int, bool]:
        """The bracket depth at offset ``at``, and whether ``at`` is between tokens (not inside a
        token, string or comment)."""
        i = bisect.bisect_left(self._starts, at)
        depth = 0
        if i:
            d, _, tok = self._toks[i - 1]
            depth = d + 1 if tok in _OPEN else d
        if at == len(self.text):
            return depth, self._ends_between()
        return depth, at in self._edges or at == 0

    def _ends_between(self) -> bool:
        """Whether text added at the end is read on its own: not in a comment, nor in a string left
        open (which a backslash at the very end can hold open until more text comes)."""
        if self._end is None:
            self._end = _closed(self.text) is not None
        return self._end


def _closed(text: str) -> tuple[tuple[int, int, str], ...] | None:
    """``text``'s tokens when it closes every string and comment it opens (text after it is then
    read on its own), else None: one scan of ``text + " ."``, whose dot an open one swallows."""
    toks = _tokens(text + " .")
    if not toks or toks[-1][1:] != (len(text) + 1, "."):
        return None
    return tuple(toks[:-1])


class _Edited(_Scan):
    """The scan of ``source.text[:start] + snippet.text + source.text[end:]``, made from both."""

    def __init__(self, text: str, source: _Scan, start: int, end: int, snippet: _Scan, depth: int):
        self.text = text
        self.source, self.start, self.end, self.snippet, self.depth = source, start, end, snippet, depth
        self.shift = len(snippet.text) - (end - start)
        self._made: tuple[tuple[int, int, str], ...] | None = None
        self._end = None

    @functools.cached_property
    def words(self) -> tuple[str, ...]:
        src = self.source
        a, b = bisect.bisect_left(src.word_at, self.start), bisect.bisect_left(src.word_at, self.end)
        return src.words[:a] + self.snippet.words + src.words[b:]

    @functools.cached_property
    def word_at(self) -> tuple[int, ...]:
        src, start = self.source, self.start
        a, b = bisect.bisect_left(src.word_at, start), bisect.bisect_left(src.word_at, self.end)
        return src.word_at[:a] + tuple(start + at for at in self.snippet.word_at) + tuple(at + self.shift for at in src.word_at[b:])

    @functools.cached_property
    def top(self) -> tuple[tuple[int, str], ...]:
        src, start = self.source, self.start
        offsets = [at for at, _ in src.top]
        a, b = bisect.bisect_left(offsets, start), bisect.bisect_left(offsets, self.end)
        inside = tuple((start + at, tok) for at, tok in self.snippet.top) if self.depth == 0 else ()
        return src.top[:a] + inside + tuple((at + self.shift, tok) for at, tok in src.top[b:])

    @property
    def toks(self) -> tuple[tuple[int, int, str], ...]:
        if self._made is None:
            src, start = self.source.toks, self.start
            a = bisect.bisect_left(self.source._starts, start)
            b = bisect.bisect_left(self.source._starts, self.end, lo=a)
            self._made = (src[:a] + tuple((d + self.depth, start + at, tok) for d, at, tok in self.snippet.toks)
                          + tuple((d, at + self.shift, tok) for d, at, tok in src[b:]))
        return self._made

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [at for _, at, _ in self.toks]

    def place(self, at: int) -> tuple[int, bool]:
        if at <= self.start:
            return self.source.place(at)
        if at >= self.start + len(self.snippet.text):
            return self.source.place(at - self.shift)
        depth, between = self.snippet.place(at - self.start)
        return depth + self.depth, between


@functools.lru_cache(maxsize=128)  # the same texts come again and again (saved questions, repeated queries)
def _read(sparql: str) -> _Scan:
    return _Scan(sparql)


_EDITS: OrderedDict[str, _Edited] = OrderedDict()  # texts made by edit(), most recent last
_EDITS_KEPT = 128  # an edit's text is read within the request that made it: a few per request in flight
KEPT_CHARS = 8_000  # longer texts (a /sparql query may be far longer than any saved question) are scanned every time
_edits_lock = threading.Lock()


def _scan(sparql: str) -> _Scan:
    if len(sparql) > KEPT_CHARS:
        return _Scan(sparql)
    with _edits_lock:
        made = _EDITS.get(sparql)
    return made if made is not None else _read(sparql)


def _apart(ch: str) -> bool:
    """Whether nothing runs on from ``ch`` into what follows: white space, or a brace (a token of
    its own, and never in an IRI, which may hold the other brackets)."""
    return ch.isspace() or ch in "{}"


def edit(sparql: str, start: int, end: int, snippet: str) -> str:
    """``sparql`` with ``sparql[start:end]`` replaced by ``snippet``; its tokens are then read from
    ``sparql``'s and ``snippet``'s (see the module docstring). The edit is recorded only when that
    gives what scanning the new text would: ``start`` and ``end`` between tokens, nothing with a
    bracket taken out, a snippet with balanced brackets that closes its own strings and comments
    and is set apart from its neighbours by white space."""
    text = sparql[:start] + snippet + sparql[end:]
    if len(text) > KEPT_CHARS or len(sparql) > KEPT_CHARS:
        return text
    if sparql.endswith("\\"):  # a string left open stops before a last backslash: any text added may run it on
        return text
    source = _scan(sparql)
    depth, between = source.place(start)
    if not between or not source.place(end)[1] or any(c in sparql[start:end] for c in _OPEN + _CLOSE):
        return text
    if not (snippet[:1].isspace() or start == 0 or _apart(sparql[start - 1])):
        return text
    if not (snippet[-1:].isspace() or end == len(sparql) or sparql[end].isspace()):  # "<a" runs on into "(b)>"
        return text
    toks = _closed(snippet)
    if toks is None:
        return text
    balance = 0
    for _, _, tok in toks:
        balance += 1 if tok in _OPEN else -1 if tok in _CLOSE else 0
        if balance < 0:
            return text
    if balance:
        return text
    made = _Edited(text, source, start, end, _Scan(snippet, toks), depth)
    with _edits_lock:
        _EDITS[text] = made
        _EDITS.move_to_end(text)
        while len(_EDITS) > _EDITS_KEPT:
            _EDITS.popitem(last=False)
    return text
