"""SPARQL syntax errors as a person reads them: where, what was expected in words, and a hint.

The engine's messages name grammar rules and Unicode ranges ("expected one of Prefix not found,
['%'], ['-' | '0' ..= '9' ..."), sometimes at a place after the mistake. :func:`explain` puts
before the engine's message the line and column, the line itself with a caret, and a hint for the
common mistakes: an undeclared prefix (with the declared ones), a string never closed, a SELECT
with nothing to select, a triple without its object, a bracket left open or closed twice, an
operator with no operand, a misspelt keyword, and an update sent to a read-only endpoint. The
engine's message follows word for word, for experts (and for a search or a bug report).

    >>> print(explain("SELECT * WHERE { ?s foo:bar ?o }", "error at 1:28: expected one of Prefix not found, ['%']", ["ckg"]))
    line 1, column 21: the prefix foo: is not declared
      SELECT * WHERE { ?s foo:bar ?o }
                          ^
    hint: declare it (PREFIX foo: <...>) or use a declared prefix: ckg:
    (the engine said: error at 1:28: expected one of Prefix not found, ['%'])
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from crisiskg.query.sparqltext import BRACKETS_CLOSE as _CLOSE
from crisiskg.query.sparqltext import BRACKETS_OPEN as _OPEN
from crisiskg.query.sparqltext import closed_string
from crisiskg.query.sparqltext import tokens as scan

UPDATE = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
KEYWORDS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "NAMED", "PREFIX", "BASE", "DISTINCT", "REDUCED",
            "OPTIONAL", "FILTER", "UNION", "MINUS", "GRAPH", "BIND", "VALUES", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC",
            "LIMIT", "OFFSET", "AS", "EXISTS", "NOT", "IN", "SERVICE", "UNDEF", "true", "false")
FUNCTIONS = ("STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL", "FLOOR", "ROUND",
             "CONCAT", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER",
             "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1",
             "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRDT", "SAMETERM", "ISIRI", "ISURI", "ISBLANK",
             "ISLITERAL", "ISNUMERIC", "REGEX", "SUBSTR", "REPLACE", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE",
             "GROUP_CONCAT", "SEPARATOR", "A")
OPERATORS = ("=", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/", "!")
_AT = re.compile(r"error at (\d+):(\d+)")
_WORDS = re.compile(r'"([^"]+)"|(?<![\'\w])([A-Za-z][A-Za-z_]*)(?![\'\w])')
_PREFIXED = re.compile(r"^([A-Za-z_][\w.\-]*)?:")


@dataclass(frozen=True)
class Explained:
    """A syntax error for people: position (1-based; None when unknown), message, hint, the line
    with a caret, and the engine's own message."""

    line: int | None
    column: int | None
    message: str
    hint: str | None
    excerpt: str
    original: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        parts = [where + self.message]
        if self.excerpt:
            parts.append(self.excerpt)
        if self.hint:
            parts.append("hint: " + self.hint)
        parts.append(f"(the engine said: {self.original})")
        return "\n".join(parts)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    return min(len(text), sum(len(x) + 1 for x in lines[: line - 1]) + max(0, column - 1))


def _excerpt(text: str, line: int, column: int) -> str:
    row = text.split("\n")[line - 1] if text else ""
    return f"  {row}\n  {' ' * (column - 1)}^"


def expected_words(message: str) -> list[str]:
    """What the engine expected, as tokens and keywords (character classes left out)."""
    body = message.split("expected", 1)[1] if "expected" in message else ""
    body = re.sub(r"\[[^\]]*\]", " ", body)  # ['A' ..= 'Z' | ...]: character classes
    out: list[str] = []
    for quoted, word in _WORDS.findall(body):
        token = quoted or word
        if token not in ("one", "of", "Prefix", "not", "found") and token not in out:
            out.append(token)
    return out


def _term(tok: str) -> bool:
    """Whether ``tok`` is a whole RDF term or variable by itself (a triple's subject, predicate or object)."""
    return ((tok[0] in "?$" and len(tok) > 1) or (tok[0] == "<" and len(tok) > 1) or tok[0] in "\"'" or tok.isdigit()
            or tok in ("a", "true", "false") or _PREFIXED.match(tok) is not None)


def _missing_object(words: list[tuple[int, str]]) -> tuple[int, str, str] | None:
    """(offset, message, hint) of a triple pattern left without its object (``{ ?s ?p }``, ``?s ?p .``,
    ``; ?q }``), read only where it is plain: terms one by one between ``{``, ``.``, ``;`` and ``}``
    (not in a VALUES block; a path, a blank node or a function leaves the triple unread)."""
    run: list[str] | None = None  # the terms of the triple being read; None: not reading one
    after_semicolon = values = False
    for off, tok in words:
        if tok in ("}", ".") and run is not None and len(run) == (1 if after_semicolon else 2):
            what = " ".join(run)
            if after_semicolon:
                return off, f"'{what}' after ';' has no object", f"add its object before '{tok}' (a variable, an IRI or a value), or remove it"
            return off, f"the triple '{what}' has no object", f"add its object before '{tok}' (a variable, an IRI or a value), or remove the triple"
        if tok.upper() == "VALUES":
            values, run = True, None
        elif tok == "{":
            run, values, after_semicolon = (None if values else []), False, False
        elif tok in ("}", "."):
            run, after_semicolon = [], False
        elif tok == ";":
            run, after_semicolon = ([] if run is not None else None), True
        elif run is not None and _term(tok):
            run.append(tok)
        else:
            run = None
    return None


def explain(text: str, message: str, prefixes: Iterable[str] = ()) -> Explained:
    """``message`` (the engine's SyntaxError, for ``text``) explained; ``prefixes`` are those the
    store declares itself."""
    found = _AT.search(message)
    line, column = (int(found.group(1)), int(found.group(2))) if found else (None, None)
    tokens = scan(text, strings=True)
    words = [(off, tok) for _, off, tok in tokens]
    reached = None if line is None or column is None else _offset(text, line, column)

    def at(offset: int, what: str, hint: str | None) -> Explained:
        ln, col = _position(text, offset)
        return Explained(ln, col, what, hint, _excerpt(text, ln, col), message)

    def engine_read(offset: int) -> bool:
        """Whether the engine read as far as ``offset`` (a mistake after where it stopped is not the one it found)."""
        return reached is None or offset <= reached

    # an update sent to a read-only endpoint (its first keyword after the prologue)
    body = [(off, tok) for off, tok in words if tok.upper() not in ("PREFIX", "BASE") and not tok.endswith(":") and not tok.startswith("<")]
    if body and body[0][1].upper() in UPDATE:
        return at(body[0][0], f"{body[0][1].upper()} is a SPARQL Update, and this endpoint is read-only",
                  "ask with SELECT, ASK, CONSTRUCT or DESCRIBE")
    # an undeclared prefix
    declared = set(prefixes)
    for i, (off, tok) in enumerate(words):
        if tok.upper() == "PREFIX" and i + 1 < len(words):
            declared.add(words[i + 1][1].rstrip(":"))
    for i, (off, tok) in enumerate(words):
        m = _PREFIXED.match(tok)
        if m is None or (i and words[i - 1][1].upper() == "PREFIX"):
            continue
        name = m.group(1) or ""
        if name not in declared:
            declared_list = ", ".join(f"{p}:" for p in sorted(declared)) or "none"
            return at(off, f"the prefix {name}: is not declared", f"declare it (PREFIX {name}: <...>) or use a declared prefix: {declared_list}")
    # a string never closed (a short one ends at its line's end, so its brackets seem unbalanced)
    for off, tok in words:
        if tok[0] in "\"'" and not closed_string(tok) and engine_read(off):
            quote = tok[:3] if tok[:3] in ('"""', "'''") else tok[0]
            spans = "" if len(quote) == 3 else f" on the same line (a string over several lines is written {quote * 3}...{quote * 3})"
            return at(off, "this string is never closed", f"end it with {quote}{spans}")
    # SELECT with nothing to select
    for i, (off, tok) in enumerate(words):
        if tok.upper() == "SELECT":
            j = next((k for k in range(i + 1, len(words)) if words[k][1].upper() not in ("DISTINCT", "REDUCED")), len(words))
            if (j == len(words) or words[j][1].upper() in ("WHERE", "FROM") or words[j][1] == "{") and engine_read(off):
                return at(off, "SELECT names nothing to select", "name the variables to return (SELECT ?s ?o), or write SELECT * for all of them")
    missing = _missing_object(words)
    if missing is not None and engine_read(missing[0]):
        return at(*missing)
    # brackets left open, or closed twice
    stack: list[tuple[int, str]] = []
    for _, off, tok in tokens:
        if tok in _OPEN:
            stack.append((off, tok))
        elif tok in _CLOSE:
            want = _OPEN[_CLOSE.index(tok)]
            if not stack or stack[-1][1] != want:
                return at(off, f"this '{tok}' closes nothing", f"remove it, or open a '{want}' before it")
            stack.pop()
    if stack:
        off, tok = stack[-1]
        close = _CLOSE[_OPEN.index(tok)]
        return at(off, f"this '{tok}' is never closed", f"add a '{close}' where the group it opens ends")
    # an operator with nothing after it: FILTER(?o = )
    for (off, tok), (_, nxt_tok) in itertools.pairwise(words):
        if tok in OPERATORS and nxt_tok in (")", "]", "}", "."):
            return at(off, f"the operator '{tok}' has nothing after it", "write a value, a variable or a function call after it")
    for i, (off, tok) in enumerate(words):
        if tok.upper() in ("LIMIT", "OFFSET") and (i + 1 == len(words) or not words[i + 1][1].isdigit()):
            return at(off, f"{tok.upper()} needs a whole number after it", f"for example {tok.upper()} 10")
    if line is None or column is None:
        return Explained(None, None, "the query is not valid SPARQL", None, "", message)
    offset = _offset(text, line, column)
    expected = expected_words(message)
    nxt = next((t for t in words if t[0] >= offset), None)
    # a misspelt keyword: the query's first word, or a bare word just before the engine's position
    known = {w.upper() for w in (*KEYWORDS, *FUNCTIONS, *UPDATE, *expected)}
    before = [t for t in words if t[0] < offset][-3:]
    for off, tok in ([body[0]] if body else []) + before[::-1]:
        if not re.fullmatch(r"[A-Za-z_]+", tok) or tok.upper() in known:
            continue
        near = difflib.get_close_matches(tok.upper(), sorted(known - set(FUNCTIONS)), n=1, cutoff=0.75)
        if near:
            return at(off, f"{tok!r} is not a SPARQL keyword", f"did you mean {near[0]}?")
    want = ", ".join(f"'{w}'" if not w[:1].isalpha() else w for w in expected[:12]) or "something else"
    seen = f" but found '{nxt[1]}'" if nxt is not None else " but the query ends"
    return at(offset if nxt is None else nxt[0], f"expected {want}{seen}", None)
