"""Answers as the pages show them, for every surface that renders a question or a query in a
browser (``/ui/questions/<id>``, ``/queries/<id>``, ``/ui/sparql`` and ``/sparql``): one sorted page
of a SELECT result with labelled, linked cells, column titles from the question's ``columns:``
header, sort and paging links, the question's form fields and its errors in web terms.

The view is in the URL (``_sort``, ``_desc``, ``_page``, ``_size``), so every answer and every
download of it (:func:`view_result`) has a GET address. No routes here.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for
from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.term import Node

from crisiskg.errors import ParameterError
from crisiskg.query.choices import Ambiguous
from crisiskg.query.params import param_choices
from crisiskg.query.results import Result
from crisiskg.query.savedqueries import SavedQuery
from crisiskg.query.store import Store
from crisiskg.service.html import safe_href
from crisiskg.service.ui_article import href_of
from crisiskg.service.ui_data import Value, describe_terms, quote_spans, span_parts
from crisiskg.service.ui_timeline import timeline_events, timeline_svg
from crisiskg.service.ui_views import map_svg, places_of
from crisiskg.vocab import ID

PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
_ARTICLE = re.compile("^" + re.escape(str(ID)) + r"article/[^/#]+$")
QUOTE_COLUMNS = re.compile(r"quote|evidence|text|sentence|anchor|excerpt|description|note", re.IGNORECASE)


@dataclass(frozen=True)
class View:
    """What of an answer a page shows: sorted by a column (or as the query orders it), one page."""

    sort: str | None = None
    desc: bool = False
    page: int = 1
    size: int = PAGE_SIZE


def _whole(text: str | None, default: int, high: int) -> int:
    return min(max(int(text), 1), high) if text and text.isdigit() else default


def view_of(args: Mapping[str, str]) -> View:
    """The view asked for by ``_sort``, ``_desc``, ``_page`` and ``_size`` (bad values: the defaults)."""
    return View(args.get("_sort") or None, args.get("_desc", "") not in ("", "0"), _whole(args.get("_page"), 1, 10**9),
                _whole(args.get("_size"), PAGE_SIZE, MAX_PAGE_SIZE))


def link(**changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    args = {k: v for k, v in request.args.items()}
    args.update({k: str(v) for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        args.pop(k, None)
    return "?" + urlencode(args)


def _sort_key(t: Node | None, labels: Mapping[Node, Value]) -> tuple[int, float, str]:
    if t is None:
        return (2, 0.0, "")
    if isinstance(t, Literal):
        v = t.toPython()
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return (0, float(v), "")
        return (1, 0.0, str(t).lower())
    return (1, 0.0, (labels[t].text if t in labels else str(t)).lower())


def view_result(store: Store, result: Result, view: View, *, paged: bool = True) -> Result:
    """The rows the view shows, as a Result (sorted; one page of them when ``paged``)."""
    if result.kind != "select":
        return result
    rows = result.rows
    if view.sort in result.variables:
        column = [r.get(view.sort) for r in rows]
        labels = describe_terms(store, [t for t in column if isinstance(t, URIRef)])
        rows = sorted(rows, key=lambda r: _sort_key(r.get(view.sort), labels), reverse=view.desc)  # type: ignore[arg-type]
    if paged:
        rows = rows[(view.page - 1) * view.size:view.page * view.size]
    return Result("select", variables=result.variables, rows=rows)


def _repeats_a_link(rows: list[list[Value | None]], i: int) -> bool:
    """True if column ``i`` holds text, and some column of resources shows that same text (their
    label) in every row where ``i`` is bound."""
    bound = [row for row in rows if row[i] is not None]
    if not bound or any(row[i].kind != "literal" for row in bound):  # type: ignore[union-attr]
        return False
    return any(all(row[j] is not None and row[j].kind == "resource" and row[j].text == row[i].text for row in bound)  # type: ignore[union-attr]
               for j in range(len(rows[0])) if j != i)


def answer_table(store: Store, result: Result, view: View, *, titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One page of a SELECT result as rows of :class:`Value` (labels fetched once), with its
    columns (title, whether it holds text to read, sort link) and paging. Quote columns link to
    the article at their span: the span in the same row, else the row's article's span of that text."""
    total = len(result.rows)
    pages = max(1, -(-total // view.size))
    view = View(view.sort, view.desc, min(view.page, pages), view.size)
    rows = view_result(store, result, view).rows
    vals = describe_terms(store, [t for r in rows for t in r.values()])
    quote_cols = [i for i, v in enumerate(result.variables) if QUOTE_COLUMNS.search(v)]
    lookup: dict[tuple[str, str], str] | None = None
    out = []
    for r in rows:
        cells = [vals.get(t) if (t := r.get(v)) is not None else None for v in result.variables]
        span = next((c for c in cells if c is not None and c.kind == "span"), None)
        arts = [c.iri for c in cells if c is not None and c.kind == "resource" and c.iri and _ARTICLE.match(c.iri)]
        for i in quote_cols:
            c = cells[i]
            if c is None or c.kind != "literal":
                continue
            if span is not None:
                cells[i] = Value(c.text, kind="span", iri=span.iri, span=span.span)
                continue
            if lookup is None:
                lookup = quote_spans(store)
            found = next((lookup[(a, c.text)] for a in arts if (a, c.text) in lookup), None) or lookup.get(("", c.text))
            if found:
                cells[i] = Value(c.text, kind="span", iri=found, span=span_parts(found))
        out.append(cells)
    wide = {i for i in range(len(result.variables)) if any(row[i] is not None and row[i].kind == "span" for row in out)}  # type: ignore[union-attr]
    # ?xLabel beside an IRI column ?x, or a label column that in every row repeats what another
    # column's link shows (?label beside ?event), says it again: the page leaves it out
    shown = [i for i, v in enumerate(result.variables)
             if not (v.endswith("Label") and v[:-5] in result.variables
                     and any(row[result.variables.index(v[:-5])] is not None and row[result.variables.index(v[:-5])].kind == "resource" for row in out))  # type: ignore[union-attr]
             and not (v.lower().endswith("label") and _repeats_a_link(out, i))]
    out = [[row[i] for i in shown] for row in out]
    wide = {shown.index(i) for i in wide if i in shown}
    columns = []
    for i, v in ((n, result.variables[j]) for n, j in enumerate(shown)):
        current = "desc" if view.sort == v and view.desc else "asc" if view.sort == v else None
        columns.append({"var": v, "title": (titles or {}).get(v) or _title(v), "wide": i in wide, "sorted": current,
                        "href": link(_sort=v, _desc=1 if current == "asc" else None, _page=None)})
    first = (view.page - 1) * view.size + 1 if rows else 0
    return {"variables": result.variables, "columns": columns, "rows": out, "total": total, "shown": len(rows),
            "page": view.page, "pages": pages, "first": first, "last": first + len(rows) - 1 if rows else 0,
            "prev": link(_page=view.page - 1) if view.page > 1 else None,
            "next": link(_page=view.page + 1) if view.page < pages else None}


def _title(var: str) -> str:
    """A variable name as a title: ``subjectLabel`` -> "Subject label", ``quote_1`` -> "Quote 1"."""
    words = re.sub(r"([a-z])([A-Z0-9])", r"\1 \2", var).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()


# ------------------------------------------------------------------------------ question forms and errors


def by_topic(qs: Iterable[SavedQuery]) -> dict[str, list[SavedQuery]]:
    """The saved questions by topic (their first tag), each question once, sorted."""
    topics: dict[str, list[SavedQuery]] = defaultdict(list)
    for q in qs:
        topics[(q.tags or ("other",))[0]].append(q)
    return {t: sorted(topics[t], key=lambda q: q.summary.lower()) for t in sorted(topics)}


def form_fields(store: Store, q: SavedQuery, given: Mapping[str, str]) -> list[dict[str, Any]]:
    """The question's form: each parameter with its current value and, for entities and
    enumerations, its choices (entities sorted by label, for a searchable picker)."""
    fields = []
    for p in q.params:
        choices = param_choices(store, p) if p.type in ("iri", "enum") else ()
        if p.type == "iri":
            choices = tuple(sorted(choices, key=lambda c: c.label.lower()))
        fields.append({"param": p, "value": given.get(p.name, p.default or ""), "choices": choices})
    return fields


def class_words(classes: Iterable[str]) -> str:
    """Classes (CURIEs or IRIs) in words, for a web user: ``[ckg:Actor, ckg:Place, ckg:Weapon]`` ->
    "an actor, place or weapon", ``ckg:ArmedGroup`` -> "an armed group"."""
    words = [re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", re.split(r"[:/#]", c)[-1]).lower() for c in classes]
    if not words:
        return "one of the choices"
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    return ("an " if listed[:1] in "aeiou" else "a ") + listed


def form_error(store: Store, q: SavedQuery, given: Mapping[str, str], exc: ParameterError,
               href: Callable[..., str]) -> tuple[str, list[tuple[str, str]]]:
    """A parameter error in a web user's terms: which field, what is wrong, and the nearest valid
    values as ``(label, link to this question with that value)``."""
    names = [p.name for p in q.params]
    for name in given:
        if name not in names:
            return (f"This question has no field “{name}”; its fields are: {', '.join(names) or 'none'}.",
                    [(f"ask without “{name}”", href(**{k: v for k, v in given.items() if k != name}))])
    for p in q.params:
        value = given.get(p.name)
        if value is None:
            continue
        try:
            p.convert(value, query_id=q.id, store=store)
        except Ambiguous as err:  # a label or alias that several entities share: each is a link
            message = (f"“{value}” is ambiguous: {len(err.candidates)} entities in this graph go by that name "
                       f"(field “{p.name}”, {class_words(p.classes)}). Pick the one you mean:")
            return message, [(f"{c.label} ({c.key})", href(**{**given, p.name: c.key})) for c in err.candidates]
        except ParameterError as err:
            message = str(err).split(": ", 1)[-1].split(" (did you mean")[0].split("; valid choices")[0]
            if p.type in ("iri", "enum"):
                choices = param_choices(store, p)
                by_text = {c.label.lower(): c for c in choices} | {c.key.lower(): c for c in choices}
                close = difflib.get_close_matches(value.lower(), list(by_text), n=6, cutoff=0.5)
                picks = list(dict.fromkeys(by_text[c] for c in close))[:3]
                what = class_words(p.classes) if p.classes else "one of the choices"
                tail = ", or did you mean one of these?" if picks else "."
                return (f"“{value}” is not {what} in this graph (field “{p.name}”). Pick one from the list{tail}",
                        [(c.label, href(**{**given, p.name: c.key})) for c in picks])
            return f"Field “{p.name}”: {message}.".replace("..", "."), []
    missing = [p.name for p in q.params if p.required and p.default is None and p.name not in given]
    if missing:
        return f"Fill in {', '.join('“' + m + '”' for m in missing)} and ask again.", []
    return str(exc).split(" ('crisiskg")[0], []


def answer_view(store: Store, q: SavedQuery, result: Result) -> Markup | None:
    """The question's view over its result (timeline or map), when the rows give one."""
    iris = {str(t) for r in result.rows for t in r.values() if isinstance(t, URIRef)}
    if q.view == "timeline":
        events = [e for e in timeline_events(store) if e.iri in iris]
        return timeline_svg(events, href={e.iri: href_of(e.iri) for e in events}) if events else None
    if q.view == "map":
        places = places_of(store, iris)
        return map_svg(places, href={p.iri: href_of(p.iri) for p in places}) if places else None
    return None


def question_context(store: Store, q: SavedQuery, given: Mapping[str, str], result: Result | None, *,
                     error: ParameterError | str | None, download: Callable[..., str],
                     ask: Callable[..., str]) -> dict[str, Any]:
    """What ``ui/question.html`` needs: the form, the answer (one page of it, sorted as asked),
    its view, links to CSV and JSON of this exact view (``download(**args)``), the error in web
    terms with "did you mean" links (``ask(**values)`` is the question's URL with those values)."""
    view = view_of(request.args)
    message: str | None = None
    suggestions: list[tuple[str, str]] = []
    if isinstance(error, ParameterError):
        message, suggestions = form_error(store, q, given, error, ask)
    elif error:
        message = error
    table = answer_table(store, result, view, titles=dict(q.columns)) if result is not None and result.kind == "select" else None
    keep = {k: v for k, v in request.args.items() if k in ("_sort", "_desc", "_page", "_size")}
    formats = ("csv", "json", "tsv") if q.kind != "graph" else ("ttl", "nt", "jsonld")
    return {"q": q, "fields": form_fields(store, q, given), "result": result, "table": table, "error": message,
            "suggestions": suggestions, "view_html": answer_view(store, q, result) if result is not None else None,
            "downloads": [(fmt, download(**given, **keep, _format=fmt)) for fmt in formats],
            "editor": url_for("ui.editor", _example=q.id, **dict(given)),  # type: ignore[arg-type]
            "turtle": result.serialize("ttl").decode("utf-8") if result is not None and result.kind == "graph" else None}


def value_href(v: Value) -> str | None:
    """Where a shown value links to: a resource page, the article at a quote, or an external IRI."""
    if v.kind == "span" and v.span:
        return url_for("ui.article", key=v.span[0], hl=f"{v.span[1]},{v.span[2]}", _anchor=f"char={v.span[1]},{v.span[2]}")
    if v.kind == "resource" and v.iri:
        return safe_href(href_of(v.iri))
    return safe_href(v.href)


def ui_value(v: Value | None) -> Markup:
    """A value as HTML: a link where it has a page, with its IRI as a tooltip."""
    if v is None:
        return Markup("")
    href = value_href(v)
    title = Markup(' title="{}"').format(v.iri) if v.iri and v.kind != "span" else Markup("")
    cls = f"v-{v.kind}"
    if v.kind == "span":
        return Markup('<a class="{}" href="{}">“{}”</a>').format(cls, href, v.text)
    if href:
        return Markup('<a class="{}" href="{}"{}>{}</a>').format(cls, href, title, v.text)
    return Markup('<span class="{}"{}>{}</span>').format(cls, title, v.text)
