"""The analysts' web UI: a Flask blueprint under ``/ui``.

Pages: home (what the graph holds, saved questions by tag, search), saved-question pages (typed
form, results, view, downloads, SPARQL), the query editor, resource pages (the HTML side of
dereferencing: :func:`render_entity`), the article reader, the timeline and "where the sources
disagree". Pages are plain HTML and CSS (no scripts) and read the store through ``Store.query``.

The store is the one the app factory opened (see :func:`current_store`); the saved questions come
from ``app.config["QUERIES_DIR"]`` (default ``queries/``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from rdflib import URIRef

from crisiskg.errors import CrisisKGError, ParameterError, QueryError
from crisiskg.query.results import Result
from crisiskg.query.savedqueries import SavedQuery, expand, get_query, load_queries, param_choices
from crisiskg.query.sparqltext import bind_values
from crisiskg.query.store import Store
from crisiskg.service.html import safe_href
from crisiskg.service.sparql import evaluate_text  # issue 7: the editor's queries under the endpoint's limits
from crisiskg.service.ui_article import KIND_LABELS, article_meta, article_spans, href_of, markup, target_labels
from crisiskg.service.ui_data import Value, article_text, articles, describe_terms, overview, quote_spans, search, span_parts
from crisiskg.service.ui_disagree import KINDS as DISAGREEMENT_KINDS
from crisiskg.service.ui_disagree import TITLES as DISAGREEMENT_TITLES
from crisiskg.service.ui_disagree import disagreements
from crisiskg.service.ui_resource import resource_exists, resource_page
from crisiskg.service.ui_timeline import LANE_LABELS, goldstein_colour, timeline_events, timeline_svg
from crisiskg.service.ui_views import map_svg, places_of
from crisiskg.vocab import ID, PREFIXES

bp = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates",
               static_folder="static/ui", static_url_path="/static")

PAGE_SIZE = 100
_ARTICLE = re.compile("^" + re.escape(str(ID)) + r"article/[^/#]+$")
DOWNLOADS = {"csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
             "json": "application/sparql-results+json", "ttl": "text/turtle; charset=utf-8",
             "nt": "application/n-triples", "jsonld": "application/ld+json"}
_QUOTE_COLUMNS = re.compile(r"quote|evidence|text|sentence|anchor", re.IGNORECASE)


def current_store() -> Store:
    """The store the app serves: ``app.extensions["crisiskg"]`` (a Store, or an object or dict
    holding one as ``store``), else ``app.config["STORE"]``."""
    for holder in (current_app.extensions.get("crisiskg"), current_app.extensions.get("crisiskg_store"),
                   current_app.config.get("STORE")):
        if isinstance(holder, Store):
            return holder
        if isinstance(holder, dict) and isinstance(holder.get("store"), Store):
            return holder["store"]
        store = getattr(holder, "store", None)
        if isinstance(store, Store):
            return store
    abort(503, "no published build is loaded")


def queries_dir() -> Any:
    """The saved questions' folder: the app state's ``settings.queries_dir``, else
    ``app.config["QUERIES_DIR"]``, else the project's ``queries/``."""
    settings = getattr(current_app.extensions.get("crisiskg"), "settings", None)
    return getattr(settings, "queries_dir", None) or current_app.config.get("QUERIES_DIR")


def queries() -> dict[str, SavedQuery]:
    """The saved questions, by id."""
    return load_queries(queries_dir())


# ------------------------------------------------------------------------------ template helpers


def value_href(v: Value) -> str | None:
    """Where a shown value links to: a resource page, the article at a quote, or an external IRI."""
    if v.kind == "span" and v.span:
        return quote_href(*v.span)
    if v.kind == "resource" and v.iri:
        return safe_href(href_of(v.iri))
    return safe_href(v.href)


def quote_href(key: str, begin: int, end: int) -> str:
    """The article reader at a quote, with the quote highlighted."""
    return url_for("ui.article", key=key, hl=f"{begin},{end}", _anchor=f"char={begin},{end}")


@bp.app_template_global()
def ui_value(v: Value | None) -> Markup:
    """A value as HTML: a link where it has a page, with its IRI as a tooltip."""
    if v is None:
        return Markup("")
    href = value_href(v)
    title = Markup(' title="{}"').format(v.iri) if v.iri else Markup("")
    cls = f"v-{v.kind}"
    if v.kind == "span":
        return Markup('<a class="{}" href="{}"{}>“{}”</a>').format(cls, href, title, v.text)
    if href:
        return Markup('<a class="{}" href="{}"{}>{}</a>').format(cls, href, title, v.text)
    return Markup('<span class="{}"{}>{}</span>').format(cls, title, v.text)


@bp.app_template_global()
def ui_href(v: Value) -> str:
    return value_href(v) or "#"


@bp.app_template_global()
def ui_iri_href(iri: str) -> str:
    return safe_href(href_of(iri)) or "#"


@bp.app_template_global()
def ui_quote_href(key: str, begin: int, end: int) -> str:
    return quote_href(key, begin, end)


@bp.app_template_global()
def ui_article_href(key: str) -> str:
    return url_for("ui.article", key=key)


@bp.context_processor
def _globals() -> dict[str, Any]:
    try:
        version = current_store().version
    except Exception:  # noqa: BLE001 - a page must render its error even without a store
        version = ""
    return {"build_version": version, "kind_labels": KIND_LABELS, "lane_labels": LANE_LABELS,
            "goldstein_colour": goldstein_colour}


# ------------------------------------------------------------------------------ home and search


@bp.get("/")
def home() -> str:
    """What the graph holds, the saved questions by tag, and the search box."""
    store = current_store()
    by_tag: dict[str, list[SavedQuery]] = defaultdict(list)
    for q in queries().values():
        for tag in q.tags or ("other",):
            by_tag[tag].append(q)
    return render_template("ui/home.html", info=overview(store), by_tag=dict(sorted(by_tag.items())),
                           articles=articles(store))


@bp.get("/search")
def search_page() -> Any:
    """Labels and aliases containing the text; a single exact match goes straight to its page."""
    text = request.args.get("q", "").strip()
    hits = search(current_store(), text) if text else []
    exact = [h for h in hits if h.exact]
    if len(exact) == 1 and request.args.get("_list") is None:
        return redirect(href_of(exact[0].iri))
    return render_template("ui/search.html", text=text, hits=hits, href_of=href_of)


# ------------------------------------------------------------------------------ resources


def entity_html(iri: str, *, alternates: Sequence[tuple[str, str, str]] = ()) -> str | None:
    """The HTML page of a minted IRI (entity, event, stance, proposition, claim, article), or None
    if the store says nothing about it. ``alternates`` are ``(format, media type, URL)`` of its
    other representations, shown as links. Call it inside a request (the linked-data blueprint
    does, for ``/id/...`` asked for as HTML)."""
    store = current_store()
    if not resource_exists(store, iri):
        return None
    page = resource_page(store, iri)
    classes = {v.iri for v in page.types + page.inferred_types if v.iri}
    asking = []
    for q in queries().values():
        for p in q.params:
            if p.type == "iri" and any(str(expand(c)) in classes for c in p.classes):
                asking.append((q, p))
    return render_template("ui/resource.html", page=page, asking=asking, key_of=_key_of,
                           alternates=[a for a in alternates if a[0] != "html"])


def render_entity(iri: str, *, alternates: Sequence[tuple[str, str, str]] = ()) -> Response:
    """:func:`entity_html` as a response: 200, or 404 with a readable page."""
    body = entity_html(iri, alternates=alternates)
    if body is None:
        return Response(render_template("ui/error.html", status=404, message=f"{iri} is not in this build"), 404)
    return Response(body, 200, content_type="text/html; charset=utf-8")


def _key_of(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


@bp.get("/id/<path:rest>")
def resource(rest: str) -> Response:
    """The page of ``https://w3id.org/crisiskg/id/<rest>``."""
    return render_entity(str(ID) + rest)


# ------------------------------------------------------------------------------ articles


@bp.get("/article/<key>")
def article(key: str) -> Any:
    """The article's text with every annotated span highlighted; ``hl=begin,end`` marks a quote."""
    store = current_store()
    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        abort(404)
    text = article_text(store, key)
    meta = article_meta(store, key)
    if text is None or meta is None:
        return render_template("ui/error.html", status=404, message=f"there is no article '{key}' in this build"), 404
    target = None
    m = re.fullmatch(r"(\d+),(\d+)", request.args.get("hl", ""))
    if m and int(m.group(1)) < int(m.group(2)) <= len(text):
        target = (int(m.group(1)), int(m.group(2)))
    spans = article_spans(store, key)
    names = target_labels(store, spans)
    counts: dict[str, int] = defaultdict(int)
    for a in spans:
        for k in a.kinds:
            counts[k] += 1
    return render_template("ui/article.html", key=key, meta=meta, body=markup(text, spans, names, target=target),
                           target=target, quote=text[target[0]:target[1]] if target else None, counts=dict(counts),
                           length=len(text))


# ------------------------------------------------------------------------------ timeline and disagreements


@bp.get("/timeline")
def timeline() -> str:
    """Events by date, by kind and Goldstein score, with their sources."""
    events = timeline_events(current_store())
    svg = timeline_svg(events, href={e.iri: href_of(e.iri) for e in events})
    return render_template("ui/timeline.html", events=events, svg=svg)


@bp.get("/disagreements")
def disagreements_page() -> str:
    """Claims and facts that sources state differently, side by side with their quotes."""
    found = disagreements(current_store())
    return render_template("ui/disagreements.html", found=found, kinds=DISAGREEMENT_KINDS, titles=DISAGREEMENT_TITLES)


# ------------------------------------------------------------------------------ saved questions


def _given(q: SavedQuery) -> dict[str, str]:
    return {k: v for k, v in request.args.items() if not k.startswith("_") and v != ""}


def _page() -> int:
    text = request.values.get("_page", "1")
    return int(text) if text.isdigit() else 1


def _ready(q: SavedQuery, given: dict[str, str]) -> bool:
    return all(p.name in given or p.default is not None or not p.required for p in q.params)


def _question(qid: str) -> SavedQuery:
    try:
        return get_query(qid, queries_dir())
    except QueryError as exc:
        abort(404, str(exc))


@bp.get("/questions/<qid>")
def question(qid: str) -> Any:
    """A saved question: its form, results, view, downloads and SPARQL."""
    store = current_store()
    q = _question(qid)
    given = _given(q)
    fields = []
    for p in q.params:
        choices = param_choices(store, p) if p.type in ("iri", "enum") else ()
        if p.type == "iri":
            choices = tuple(sorted(choices, key=lambda c: c.label.lower()))
        fields.append({"param": p, "value": given.get(p.name, p.default or ""), "choices": choices})
    result, error, status = None, None, 200
    table = None
    view_html: Markup | None = None
    if _ready(q, given):
        try:
            result = q.run(store, given)
        except ParameterError as exc:
            error, status = str(exc), 400
        except CrisisKGError as exc:
            error, status = str(exc), 500
    if result is not None:
        table = result_table(store, result, page=_page())
        view_html = _view(store, q, result)
    args: dict[str, Any] = dict(given)
    downloads = [(fmt, url_for("ui.download", qid=q.id, _format=fmt, **args))
                 for fmt in (("csv", "tsv", "json") if q.kind != "graph" else ("ttl", "nt", "jsonld"))]
    editor = url_for("ui.editor", _example=q.id, **args)
    body = render_template("ui/question.html", q=q, fields=fields, result=result, table=table, error=error,
                           downloads=downloads, editor=editor, view_html=view_html,
                           turtle=result.serialize("ttl").decode("utf-8") if result is not None and result.kind == "graph" else None)
    return body, status


@bp.get("/questions/<qid>/download")
def download(qid: str) -> Response:
    """The question's answer as CSV, TSV or SPARQL JSON (Turtle, N-Triples or JSON-LD for graphs)."""
    q = _question(qid)
    fmt = request.args.get("_format", "csv")
    if fmt not in DOWNLOADS:
        abort(400, f"format '{fmt}' is not offered; choose one of: {', '.join(DOWNLOADS)}")
    try:
        result = q.run(current_store(), _given(q))
        data = result.serialize(fmt)
    except ParameterError as exc:
        abort(400, str(exc))
    except QueryError as exc:
        abort(400, str(exc))
    ext = {"json": "srj" if q.kind != "graph" else "json"}.get(fmt, fmt)
    return Response(data, content_type=DOWNLOADS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{q.id}.{ext}"'})


def result_table(store: Store, result: Result, *, page: int = 1) -> dict[str, Any]:
    """One page (``PAGE_SIZE`` rows) of a SELECT result as rows of :class:`Value` (labels fetched
    once). Quote columns link to the article at their span: the span in the same row, else the
    span of the row's article whose text is the quote."""
    total = len(result.rows)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = result.rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    vals = describe_terms(store, [t for r in rows for t in r.values()])
    quote_cols = [i for i, v in enumerate(result.variables) if _QUOTE_COLUMNS.search(v)]
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
    return {"variables": result.variables, "rows": out, "total": total, "shown": len(rows), "page": page, "pages": pages,
            "first": (page - 1) * PAGE_SIZE + 1 if rows else 0, "last": (page - 1) * PAGE_SIZE + len(rows)}


def _view(store: Store, q: SavedQuery, result: Result) -> Markup | None:
    """The question's view over its result (timeline or map), when the rows give one."""
    iris = {str(t) for r in result.rows for t in r.values() if isinstance(t, URIRef)}
    if q.view == "timeline":
        events = [e for e in timeline_events(store) if e.iri in iris]
        return timeline_svg(events, href={e.iri: href_of(e.iri) for e in events}) if events else None
    if q.view == "map":
        places = places_of(store, iris)
        return map_svg(places, href={p.iri: href_of(p.iri) for p in places}) if places else None
    return None


# ------------------------------------------------------------------------------ the query editor

_ERROR_AT = re.compile(r"error at (\d+):(\d+)")


@bp.route("/sparql", methods=["GET", "POST"])
def editor() -> Any:
    """The SPARQL editor: project prefixes predeclared, saved questions as examples, results as a
    table (Turtle for CONSTRUCT and DESCRIBE), errors shown at their line."""
    store = current_store()
    form = request.form if request.method == "POST" else request.args
    text = form.get("query", "")
    reasoning = form.get("reasoning", "owlrl")
    example = request.args.get("_example")
    if example and not text:
        q = _question(example)
        try:
            text = bind_values(q.sparql, q.bind(_given(q), store)) if q.params else q.sparql
        except CrisisKGError:
            text = q.sparql
        text = text.strip() + "\n"
    result, error, error_line, table, turtle, status = None, None, None, None, None, 200
    if text.strip() and not example:
        try:
            result = evaluate_text(store, text, reasoning=reasoning if reasoning in ("owlrl", "none") else "owlrl", route="/ui/sparql")
        except QueryError as exc:
            error, status = str(exc), 400
            m = _ERROR_AT.search(error)
            error_line = int(m.group(1)) if m else None
        if result is not None:
            if result.kind == "select":
                table = result_table(store, result, page=_page())
            elif result.kind == "graph":
                turtle = result.serialize("ttl").decode("utf-8")
    lines = text.split("\n")
    body = render_template("ui/editor.html", text=text, reasoning=reasoning, result=result, error=error,
                           error_line=error_line, lines=lines, table=table, turtle=turtle, prefixes=PREFIXES,
                           examples=sorted(queries().values(), key=lambda q: q.summary.lower()), rows=max(12, min(30, len(lines) + 2)))
    return body, status


@bp.errorhandler(404)
def _not_found(exc: Any) -> Any:
    return render_template("ui/error.html", status=404, message=getattr(exc, "description", "not found")), 404


@bp.errorhandler(400)
def _bad_request(exc: Any) -> Any:
    return render_template("ui/error.html", status=400, message=getattr(exc, "description", "bad request")), 400


@bp.errorhandler(503)
def _unavailable(exc: Any) -> Any:
    return render_template("ui/error.html", status=503, message=getattr(exc, "description", "unavailable")), 503

