"""The table format for people (``--format table``, the default on a terminal): IRIs shown by
their labels, columns sized by what they hold, cells wrapped only between words.

Layout is rich's (:class:`rich.table.Table`); this module only decides what goes in each column
and how much room it may take:

- an IRI is shown by its label (skos:prefLabel or rdfs:label, else the label made for the nodes the
  loader mints, :mod:`crisiskg.query.names`), else as a CURIE;
- a column that repeats another (``holder`` beside ``holderLabel``) is left out, as is a column with
  no value in any row (named under the table); ``xLabel`` is headed ``x``;
- short columns keep their width; columns of running text share the rest in proportion to their
  longest value, so the quote gets the room; text wraps between words, and a word or a name too long
  for its column is cut with ``…``, never broken across lines.
"""

from __future__ import annotations

import io
import re
import textwrap
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from rdflib.term import Node

    from crisiskg.query.results import Result
    from crisiskg.query.store import Store

TEXT_WIDTH = 30  # a column whose values run longer than this, with spaces, is running text and shares the room
NO_LIMIT = 100_000  # the console width when the table may be as wide as it likes


def labels_of(store: Store | None, terms: list[Node | None]) -> dict[str, str]:
    """The label to show for each IRI among ``terms`` (those with none are left out)."""
    from rdflib import URIRef

    from crisiskg.query.names import labels, synthetic_labels

    iris = {str(t) for t in terms if isinstance(t, URIRef)}
    if store is None or not iris:
        return {}
    found = labels(store, iris)
    found.update(synthetic_labels(store, iris - set(found)))
    return found


def cell_text(term: Node | None, names: dict[str, str]) -> str:
    """A term as a person reads it: an IRI by its label (else its CURIE), a literal as one line of text."""
    from rdflib import BNode, URIRef

    from crisiskg.vocab import shorten

    if term is None:
        return ""
    if isinstance(term, URIRef):
        return " ".join(names.get(str(term), shorten(str(term))).split())
    if isinstance(term, BNode):
        return f"_:{term}"
    return " ".join(str(term).split())


def _header(name: str, taken: set[str]) -> str:
    """A variable's name as a column heading: ``holderLabel`` -> ``holder``, ``reportedOn`` -> ``reported on``."""
    bare = name[:-len("Label")] if name.endswith("Label") and len(name) > len("Label") else name
    chosen = bare if bare == name or bare not in taken else name
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", chosen).lower() if not chosen.isupper() else chosen


def columns_of(variables: list[str], rows: list[list[str]]) -> tuple[list[str], list[int], list[str], list[int]]:
    """(headers, the index of each kept column in ``variables``, the names of the empty columns,
    the indexes of the columns with one value in every row): a column the same as an earlier kept
    one, or as one named ``<it>Label``, is left out, and so is a column with no value."""
    keep: list[int] = []
    empty: list[str] = []
    for i, name in enumerate(variables):
        values = [r[i] for r in rows]
        if rows and not any(values):
            empty.append(name)
            continue
        twin = [j for j, other in enumerate(variables) if j != i and [r[j] for r in rows] == values]
        if rows and twin and (f"{name}Label" in [variables[j] for j in twin] or any(j in keep for j in twin)):
            continue
        keep.append(i)
    kept_names = {variables[i] for i in keep}
    headers = [_header(variables[i], kept_names) for i in keep]
    same = [i for i in keep if len(rows) > 1 and len({r[i] for r in rows}) == 1]
    return headers, keep, empty, same


GAP = 2  # spaces between two columns
FLOOR = 8  # the least a column of running text gets
CUT_LINES = 4  # a running value beside the widest is cut, with "…", after this many lines


def widths(headers: list[str], rows: list[list[str]], available: int) -> tuple[list[int], list[bool]]:
    """(the width of each column, whether it holds running text): all of what it holds when the
    table fits; otherwise short columns keep theirs (squeezed to their longest word, most saved
    first, until the table fits and running text has half the room) and the columns of running text share what is left in proportion to the square of
    their longest value (so the quote gets the most), none above what it holds."""
    natural = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    running = [natural[i] > TEXT_WIDTH and any(" " in r[i] for r in rows) for i in range(len(headers))]
    room = available - GAP * (len(headers) - 1)
    if sum(natural) <= room:
        return natural, running
    word = [max([len(w) for text in [headers[i], *(r[i] for r in rows)] for w in text.split()] or [1]) for i in range(len(headers))]
    out = [min(n, FLOOR) if run else n for n, run in zip(natural, running)]
    short = [i for i in range(len(out)) if not running[i]]
    enough = room // 2 if any(running) else room  # short columns give way until running text has half the room
    for i in sorted(short, key=lambda i: word[i] - natural[i]):
        if sum(out) <= room and sum(out[j] for j in short) <= enough:
            break
        out[i] = min(natural[i], max(word[i], 3))
    spare = room - sum(out)
    wanting = [i for i in range(len(out)) if running[i]]
    while spare > 0 and wanting:
        total = sum(natural[i] ** 2 for i in wanting)
        given = {i: max(1, spare * natural[i] ** 2 // total) for i in wanting}
        for i in wanting:
            add = min(given[i], natural[i] - out[i], spare)
            out[i] += add
            spare -= add
        wanting = [i for i in wanting if out[i] < natural[i]]
    return out, running


def cut(text: str, width: int, lines: int) -> str:
    """``text`` cut between words, with "…", to what ``lines`` lines of ``width`` hold."""
    return text if len(text) <= width * lines else textwrap.shorten(text, width * lines, placeholder=" …")


def render(headers: list[str], rows: list[list[str]], *, width: int | None, caption: str = "", footer: str = "") -> str:
    """``rows`` as a table for people at most ``width`` columns wide (None: as wide as it needs)."""
    limit = width or NO_LIMIT
    sizes, running = widths(headers, rows, limit)
    widest = max((i for i in range(len(sizes)) if running[i]), key=lambda i: sizes[i], default=None)
    trimmed = [[cut(v, sizes[i], CUT_LINES) if running[i] and i != widest else v for i, v in enumerate(row)] for row in rows]
    if trimmed != rows:
        footer += "; values cut at … (--format text or csv gives them whole)"
        rows = trimmed
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True,
                  header_style="bold")
    for name, size in zip(headers, sizes):
        table.add_column(name, overflow="ellipsis", width=size)
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    console = Console(file=buffer, width=limit, color_system=None, highlight=False, emoji=False, markup=False,
                      force_terminal=False, legacy_windows=False)
    console.print(table)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    text = "\n".join(lines).strip("\n")
    return (f"{caption}\n" if caption else "") + text + (f"\n{footer}" if footer else "") + "\n"


def result_table(result: Result, *, store: Store | None, width: int | None) -> str:
    """A SELECT or graph answer as a table for people (an ASK answer as yes / no)."""
    if result.kind == "ask":
        return "yes\n" if result.boolean else "no\n"
    if result.kind == "graph":
        variables = ["subject", "predicate", "object"]
        terms: list[list[Node | None]] = [list(t) for t in result.triples]
    else:
        variables = list(result.variables)
        terms = [[r.get(v) for v in variables] for r in result.rows]
    names = labels_of(store, [t for row in terms for t in row])
    texts = [[cell_text(t, names) for t in row] for row in terms]
    if result.kind == "graph":  # a triple keeps its three parts
        headers, keep, empty, same = variables, [0, 1, 2], list[str](), list[int]()
    else:
        headers, keep, empty, same = columns_of(variables, texts)
    caption = "; ".join(f"{headers[keep.index(i)]}: {texts[0][i]}" for i in same)
    shown = [i for i in keep if i not in same]
    rows = [[row[i] for i in shown] for row in texts]
    noun = "triple" if result.kind == "graph" else "row"
    footer = f"{len(rows)} {noun}{'s' if len(rows) != 1 else ''}" + (f"; no values in: {', '.join(empty)}" if empty else "")
    return render([headers[keep.index(i)] for i in shown], rows, width=width,
                  caption=f"every row: {caption}" if caption else "", footer=footer)
