"""Jinja helpers for the service's pages: links from minted IRIs to this host, short names, terms."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape
from rdflib import BNode, Literal, URIRef

from crisiskg.vocab import BASE, shorten

LOCAL_PREFIXES = ("id/", "graph/", "cameo/", "ontology", "shapes", "dataset")
LINK_SCHEMES = ("http:", "https:", "urn:", "mailto:")
"""The only schemes a page ever links to: an IRI such as ``javascript:alert(1)`` in an answer is
shown as text, never as a link that would run in this origin."""


def safe_href(url: str | None) -> str | None:
    """``url`` when it may be a link (a path on this host, or one of ``LINK_SCHEMES``), else None."""
    if not url:
        return None
    if url.startswith(("/", "#", "?")) and not url.startswith("//"):
        return url
    return url if url.lower().startswith(LINK_SCHEMES) else None


def local(iri: str) -> str:
    """The URL on this host of a minted IRI (``https://w3id.org/crisiskg/id/x`` -> ``/id/x``); others unchanged."""
    if iri.startswith(BASE) and iri[len(BASE):].startswith(LOCAL_PREFIXES):
        return "/" + iri[len(BASE):]
    return iri


def term(node: object, labels: dict[str, str] | None = None) -> Markup:
    """An RDF term as HTML: IRIs as links (labelled when known), literals as text with their language or datatype."""
    if isinstance(node, URIRef):
        text = (labels or {}).get(str(node)) or shorten(str(node))
        href = safe_href(local(str(node)))
        if href is None:
            return Markup(f'<span class="iri" title="{escape(str(node))}">{escape(text)}</span>')
        return Markup(f'<a href="{escape(href)}" title="{escape(str(node))}">{escape(text)}</a>')
    if isinstance(node, Literal):
        extra = f"@{node.language}" if node.language else (f" ({shorten(str(node.datatype))})" if node.datatype else "")
        return Markup(f'<span class="literal">{escape(str(node))}</span><small>{escape(extra)}</small>')
    if isinstance(node, BNode):
        return Markup(f"<code>_:{escape(str(node))}</code>")
    return Markup("") if node is None else escape(str(node))


def register(app: Flask) -> None:
    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["short"] = shorten
    app.jinja_env.globals["term"] = term
