"""The SPARQL editor page, shared by ``/ui/sparql`` and ``/sparql`` in a browser, and the words it
completes (prefixes, classes, properties and entities by label, read from the graph).

The page is a textarea in a GET form (so every result has a link); a script turns it into a
CodeMirror editor with highlighting and completion. A syntax error is shown at the line and column
that :func:`crisiskg.query.syntax.explain` found, as preformatted lines (the caret under the mistake), with
the engine's own message (its position often later) below it, labelled as the engine's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import render_template, request, url_for

from crisiskg.query.results import Result
from crisiskg.query.savedqueries import SavedQuery
from crisiskg.query.store import Store
from crisiskg.service.ui_answer import answer_table, view_of
from crisiskg.vocab import ID, PREFIXES, shorten

_AT = re.compile(r"line (\d+), column (\d+)")
_ENGINE_AT = re.compile(r"error at (\d+):(\d+)")
_ENGINE_SAID = re.compile(r"\n\(the engine said: (.*)\)$", re.DOTALL)  # the end of an explained error (the engine's words may span lines)
VENDOR = "/static/vendor/codemirror/"  # the npm package codemirror@5, served from this host


def error_position(error: str | None) -> tuple[int | None, int | None]:
    """(line, column) of a syntax error message: the explained position, else the engine's."""
    if not error:
        return None, None
    m = _AT.search(error) or _ENGINE_AT.search(error)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def split_error(error: str | None) -> tuple[list[tuple[str, bool]], str | None]:
    """An error message as (its explanation, the engine's own message or None). The explanation is
    a list of (text, is the query excerpt): the excerpt (the line and its caret, indented) is shown
    preformatted so the caret stays under the mistake, the other lines wrap. An explained syntax
    error ends with "(the engine said: ...)", shown apart, word for word, because its position is
    often later."""
    if not error:
        return [], None
    m = _ENGINE_SAID.search(error.rstrip())
    text, engine = (error[:m.start()], m.group(1)) if m and m.start() else (error, None)
    parts: list[tuple[str, bool]] = []
    for line in text.split("\n"):
        code = line.startswith("  ")
        if parts and parts[-1][1] == code:
            parts[-1] = (parts[-1][0] + "\n" + line, code)
        else:
            parts.append((line, code))
    return parts, engine


def editor_page(store: Store, text: str, *, reasoning: str, result: Result | None, error: str | None,
                examples: Mapping[str, SavedQuery], action: str) -> str:
    """The editor with ``text``, its result (one sorted page of rows, or Turtle) or its error,
    the saved questions as examples and the predeclared prefixes; the form GETs ``action``."""
    line, column = error_position(error)
    explained, engine = split_error(error)
    table = answer_table(store, result, view_of(request.args)) if result is not None and result.kind == "select" else None
    turtle = result.serialize("ttl").decode("utf-8") if result is not None and result.kind == "graph" else None
    lines = text.split("\n")
    downloads = []
    if result is not None and text.strip():
        formats = ("csv", "json", "tsv") if result.kind != "graph" else ("ttl", "nt", "jsonld")
        extra: dict[str, Any] = {"_reasoning": "none"} if reasoning == "none" else {}
        downloads = [(fmt, url_for("sparql.endpoint", query=text, _format=fmt, **extra)) for fmt in formats]
    return render_template("ui/editor.html", text=text, reasoning=reasoning, result=result, error=error, explained=explained,
                           engine=engine, error_line=line, error_column=column, lines=lines, table=table, turtle=turtle,
                           prefixes=PREFIXES, examples=sorted(examples.values(), key=lambda q: q.summary.lower()),
                           rows=max(12, min(30, len(lines) + 2)), action=action, downloads=downloads, vendor=VENDOR)


_TERMS = """
SELECT ?kind ?t (SAMPLE(?l) AS ?label) WHERE {
  { ?t a owl:Class BIND("class" AS ?kind) } UNION { ?x a ?t FILTER(isIRI(?t)) BIND("class" AS ?kind) }
  UNION { ?t a owl:ObjectProperty BIND("property" AS ?kind) } UNION { ?t a owl:DatatypeProperty BIND("property" AS ?kind) }
  UNION { ?s ?t ?o BIND("property" AS ?kind) }
  OPTIONAL { ?t rdfs:label ?l }
} GROUP BY ?kind ?t
"""
_ENTITIES = """
SELECT ?t (SAMPLE(?l) AS ?label) WHERE {
  ?t rdfs:label ?l . FILTER(STRSTARTS(STR(?t), "%s"))
} GROUP BY ?t ORDER BY ?label
""" % (ID + "entity/")


def completion_terms(store: Store) -> dict[str, Any]:
    """The words the editor completes: prefixes, and classes, properties and entities of the
    graph, each as ``{"text": what to insert, "label": what to show}`` (entities by label)."""
    out: dict[str, Any] = {"prefixes": [{"text": f"PREFIX {p}: <{ns}>", "label": f"{p}:"} for p, ns in PREFIXES.items()],
                           "class": [], "property": [], "entity": []}
    seen: set[tuple[str, str]] = set()
    for r in store.query(_TERMS).rows:
        kind, iri = str(r["kind"]), str(r["t"])
        short = shorten(iri)
        if (kind, iri) in seen or short.startswith(("<", "http")):
            continue
        seen.add((kind, iri))
        out[kind].append({"text": short, "label": f"{short} ({r['label']})" if r.get("label") is not None else short})
    for r in store.query(_ENTITIES).rows:
        iri, label = str(r["t"]), str(r["label"])
        out["entity"].append({"text": f"<{iri}>", "label": label})
    for kind in ("class", "property"):
        out[kind].sort(key=lambda t: t["text"])
    return out
