"""The analysts' web UI: a Flask blueprint under ``/ui``, the one front end of the service.

Pages: home (what the graph holds, search, the sources, the questions by topic), the questions by
topic, saved-question pages (typed form, answer sorted and paged by URL, view, downloads of that
view, SPARQL), the query editor (results by GET), resource pages (the HTML side of dereferencing:
:func:`render_entity`), the article reader, the timeline and "where the sources disagree".
``/queries/<id>`` and ``/sparql`` in a browser render through the same templates
(:mod:`crisiskg.service.ui_answer`, :mod:`crisiskg.service.ui_editor`). Pages answer without
JavaScript; scripts from this host enhance the editor.

The store is the one the app factory opened (see :func:`current_store`); the saved questions come
from ``app.config["QUERIES_DIR"]`` (default ``queries/``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from crisiskg.errors import CrisisKGError, ParameterError, QueryError
from crisiskg.query.choices import expand
from crisiskg.query.savedqueries import SavedQuery, get_query, load_queries
from crisiskg.query.sparqltext import bind_values
from crisiskg.query.store import Store
from crisiskg.service.html import safe_href
from crisiskg.service.negotiation import RDF
from crisiskg.service.sparql import evaluate_text  # issue 7: the editor's queries under the endpoint's limits
from crisiskg.service.ui_answer import by_topic, question_context, ui_value, value_href, view_of, view_result
from crisiskg.service.ui_article import KIND_LABELS, article_meta, article_spans, href_of, markup, target_labels
from crisiskg.service.ui_data import Value, article_text, articles, overview, search
from crisiskg.service.ui_disagree import KINDS as DISAGREEMENT_KINDS
from crisiskg.service.ui_disagree import PAGE_ONLY as DISAGREEMENT_PAGE_ONLY
from crisiskg.service.ui_disagree import TITLES as DISAGREEMENT_TITLES
from crisiskg.service.ui_disagree import disagreements
from crisiskg.service.ui_editor import completion_terms, editor_page
from crisiskg.service.ui_resource import resource_exists, resource_page
from crisiskg.service.ui_timeline import LANE_LABELS, goldstein_colour, timeline_events, timeline_svg
from crisiskg.vocab import ID

bp = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates",
               static_folder="static/ui", static_url_path="/static")

DOWNLOADS = {"csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
             "json": "application/sparql-results+json", "ttl": "text/turtle; charset=utf-8",
             "nt": "application/n-triples", "jsonld": "application/ld+json"}
# an entity page's other formats, each once under its first media type (RDF lists aliases too)
RDF_FORMATS = [(key, media) for key, media in {key: media for media, key in reversed(RDF)}.items() if key in ("ttl", "nt", "jsonld")]
RDF_FORMATS.sort(key=lambda f: ("ttl", "nt", "jsonld").index(f[0]))


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


bp.add_app_template_global(ui_value, "ui_value")


@bp.app_template_global()
def ui_href(v: Value) -> str:
    return value_href(v) or "#"


@bp.app_template_global()
def ui_iri_href(iri: str) -> str:
    return safe_href(href_of(iri)) or "#"


@bp.app_template_global()
def ui_quote_href(key: str, begin: int, end: int) -> str:
    return url_for("ui.article", key=key, hl=f"{begin},{end}", _anchor=f"char={begin},{end}")


@bp.app_template_global()
def ui_article_href(key: str) -> str:
    return url_for("ui.article", key=key)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    try:
        version = current_store().version
    except Exception:  # noqa: BLE001 - a page must render its error even without a store
        version = ""
    return {"build_version": version, "kind_labels": KIND_LABELS, "lane_labels": LANE_LABELS,
            "goldstein_colour": goldstein_colour}


# ------------------------------------------------------------------------------ home, questions and search


@bp.get("/")
def home() -> str:
    """What the graph holds, the search box, the sources and the saved questions by topic."""
    store = current_store()
    return render_template("ui/home.html", info=overview(store), topics=by_topic(queries().values()), articles=articles(store))


@bp.get("/questions")
def questions() -> str:
    """Every saved question by topic, with what it asks."""
    return render_template("ui/questions.html", topics=by_topic(queries().values()))


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
    """The page of ``https://w3id.org/crisiskg/id/<rest>``, with links to its RDF."""
    return render_entity(str(ID) + rest, alternates=[(key, media, url_for("ld.resource", key=rest, _format=key))
                                                     for key, media in RDF_FORMATS])


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
    return render_template("ui/disagreements.html", found=found, kinds=DISAGREEMENT_KINDS, titles=DISAGREEMENT_TITLES,
                           page_only=DISAGREEMENT_PAGE_ONLY)


# ------------------------------------------------------------------------------ saved questions


def _given(q: SavedQuery) -> dict[str, str]:
    return {k: v for k, v in request.args.items() if not k.startswith("_") and v != ""}


def _ready(q: SavedQuery, given: dict[str, str]) -> bool:
    return all(p.name in given or p.default is not None or not p.required for p in q.params)


def _question(qid: str) -> SavedQuery:
    try:
        return get_query(qid, queries_dir())
    except QueryError as exc:
        abort(404, str(exc))


@bp.get("/questions/<qid>")
def question(qid: str) -> Any:
    """A saved question: its form, answer (sorted and paged as the URL says), view, downloads and SPARQL."""
    store = current_store()
    q = _question(qid)
    given = _given(q)
    result, error, status = None, None, 200
    if _ready(q, given):
        try:
            result = q.run(store, given)
        except ParameterError as exc:
            error, status = exc, 400
        except CrisisKGError as exc:
            error, status = str(exc), 500  # type: ignore[assignment]
    context = question_context(store, q, given, result, error=error,
                               download=lambda **a: url_for("ui.download", qid=q.id, **a),
                               ask=lambda **a: url_for("ui.question", qid=q.id, **a))
    return render_template("ui/question.html", **context), status


@bp.get("/questions/<qid>/download")
def download(qid: str) -> Response:
    """The question's answer as CSV, TSV or SPARQL JSON (Turtle, N-Triples or JSON-LD for graphs),
    sorted as ``_sort``/``_desc`` say, and only page ``_page`` (of ``_size`` rows) when one is given."""
    q = _question(qid)
    fmt = request.args.get("_format", "csv")
    if fmt not in DOWNLOADS:
        abort(400, f"format '{fmt}' is not offered; choose one of: {', '.join(DOWNLOADS)}")
    try:
        result = q.run(current_store(), _given(q))
        data = view_result(current_store(), result, view_of(request.args), paged="_page" in request.args).serialize(fmt)
    except (ParameterError, QueryError) as exc:
        abort(400, str(exc))
    ext = {"json": "srj" if q.kind != "graph" else "json"}.get(fmt, fmt)
    return Response(data, content_type=DOWNLOADS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{q.id}.{ext}"'})


# ------------------------------------------------------------------------------ the query editor


@bp.route("/sparql", methods=["GET", "POST"])
def editor() -> Any:
    """The SPARQL editor (results by GET, so each has a link): project prefixes predeclared, saved
    questions as examples, errors shown at their line. A POST (a query too long for a URL) works too."""
    store = current_store()
    text = request.values.get("query", "")
    reasoning = request.values.get("reasoning", "owlrl")
    reasoning = reasoning if reasoning in ("owlrl", "none") else "owlrl"
    example = request.args.get("_example")
    if example and not text:
        q = _question(example)
        try:
            text = bind_values(q.sparql, q.bind(_given(q), store)) if q.params else q.sparql
        except CrisisKGError:
            text = q.sparql
        text = text.strip() + "\n"
    result, error, status = None, None, 200
    if text.strip() and not example:
        try:
            result = evaluate_text(store, text, reasoning=reasoning, route="/ui/sparql")
        except QueryError as exc:
            error, status = str(exc), 400
    return editor_page(store, text, reasoning=reasoning, result=result, error=error, examples=queries(),
                       action=url_for("ui.editor")), status


@bp.get("/sparql/terms.json")
def editor_terms() -> Response:
    """What the editor completes: prefixes, classes, properties and entities (by label) of the graph."""
    return jsonify(completion_terms(current_store()))


def _error(exc: Any) -> Any:
    status = getattr(exc, "code", 500) or 500
    return render_template("ui/error.html", status=status, message=getattr(exc, "description", "error")), status


for _code in (400, 404, 503):
    bp.register_error_handler(_code, _error)
