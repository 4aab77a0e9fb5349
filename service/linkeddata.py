"""Linked data: minted IRIs, named graphs, the ontology, the shapes, dumps and VoID.

The IRI base ``https://w3id.org/crisiskg/`` maps onto this host: ``…/id/entity/iraq`` is served at
``/id/entity/iraq``, ``…/graph/entities`` at ``/graph/entities``, ``…/ontology#Event`` at ``/ontology``,
``…/shapes#…`` at ``/shapes``, ``…/dataset`` at ``/dataset`` (the VoID description).

Content negotiation answers **200 with** ``Vary: Accept`` (no 303 round trip): HTML for a browser,
RDF otherwise (Turtle by default). ``Link: rel="alternate"`` headers and ``Content-Location`` name
the format-specific URLs (``?_format=ttl`` and so on), which never vary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from crisiskg.errors import CrisisKGError
from crisiskg.query.choices import class_choices
from crisiskg.query.results import Result
from crisiskg.query.store import Store
from crisiskg.service import negotiation as neg
from crisiskg.service.descriptions import Description, as_written, describe, describe_graph, void, written_literals
from crisiskg.service.dumps import DUMPS, SCHEMA_FILES, dump
from crisiskg.service.errors import ServiceError
from crisiskg.service.hooks import route_label
from crisiskg.service.sparql import endpoint_url
from crisiskg.service.state import state
from crisiskg.service.ui import entity_html
from crisiskg.vocab import BASE, PREFIXES

bp = Blueprint("ld", __name__)

RDF_FORMATS = [("ttl", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
               ("rdfxml", "application/rdf+xml")]


def _negotiate(table: list[tuple[str, str]], *, html: bool = True) -> tuple[str, str]:
    fmt = request.args.get("_format")
    if fmt:
        chosen = neg.by_format(fmt, table, html=html)
        if chosen is None:
            raise ServiceError(400, f"_format {fmt!r} is not available here; choose one of: {', '.join(neg.format_keys(table, html=html))}")
        if chosen[0] != neg.HTML:
            return neg.media_type_of(chosen[1], "graph"), chosen[1]
        return chosen
    chosen = neg.negotiate(request.headers.get("Accept"), table, html=html)
    if chosen is None:
        raise ServiceError(406, f"no acceptable format (Accept: {request.headers.get('Accept')}); offered: "
                                f"{', '.join(dict.fromkeys(m for m, _ in table))}{', text/html' if html else ''}")
    return chosen


def _alternates(endpoint: str, **values: Any) -> list[tuple[str, str, str]]:
    """(format key, media type, URL) of each alternate representation."""
    out = [(key, media, url_for(endpoint, **values, _format=key)) for key, media in RDF_FORMATS]
    out.append(("html", neg.HTML, url_for(endpoint, **values, _format="html")))
    return out


def _answer(media: str, fmt: str, body: bytes | str, alternates: list[tuple[str, str, str]]) -> Response:
    resp = Response(body, content_type=f"{media}; charset=utf-8" if media.startswith("text/") or "json" in media or "xml" in media else media)
    resp.vary.add("Accept")
    resp.headers["Link"] = ", ".join(f'<{url}>; rel="alternate"; type="{m}"' for _, m, url in alternates)
    for key, _, url in alternates:
        if key == fmt:
            resp.headers["Content-Location"] = url
    return resp


def _rdf(triples: list[Any], fmt: str) -> bytes:
    return Result("graph", triples=triples).serialize(fmt)


def _saved_questions_about(store: Store, desc: Description) -> list[dict[str, str]]:
    """Links to the saved questions that take this resource as a parameter value."""
    out = []
    try:
        queries = state().queries()
        for q in queries.values():
            for p in q.params:
                if p.type != "iri":
                    continue
                for choice in class_choices(store, p.classes):
                    if str(choice.term) == desc.iri:
                        args: dict[str, Any] = {p.name: choice.key}
                        out.append({"id": q.id, "summary": q.summary, "param": p.name,
                                    "url": url_for("api.saved_query", query_id=q.id, **args)})
    except CrisisKGError:
        return out
    return out


def _resource(iri: str, describer: Callable[..., Description], endpoint: str, **values: Any) -> Response:
    try:
        ox.NamedNode(iri)
    except ValueError as exc:  # a space, quote or other character no IRI may hold
        raise ServiceError(400, f"<{iri}> is not a valid IRI ({exc}); minted IRIs hold only letters, digits and - . _ / # = ,") from exc
    st = state()
    store = st.require_store()
    media, fmt = _negotiate(neg.RDF)
    desc: Description = st.evaluate(lambda check: describer(store, iri, check=check), route=route_label())
    desc = as_written(desc, st.cached(("written", st.version), lambda: written_literals(store.release)))
    if not desc.found:
        raise ServiceError(404, f"<{iri}> is not in build {st.version}: nothing is said about it; "
                                f"search with /sparql or start from /dumps")
    alternates = _alternates(endpoint, **values)
    if fmt == "html" and endpoint == "ld.resource":  # minted IRIs: the analysts' page (service/ui.py)
        page = entity_html(iri, alternates=alternates)
        if page is not None:
            return _answer(media, fmt, page, alternates)
    if fmt == "html":
        about = _saved_questions_about(store, desc)
        page = render_template("resource.html", desc=desc, alternates=alternates, saved=about,
                               is_graph=describer is describe_graph)
        return _answer(media, fmt, page, alternates)
    return _answer(media, fmt, desc.serialize(fmt), alternates)


@bp.route("/id/<path:key>")
def resource(key: str) -> Response:
    """A minted IRI (``…/id/<key>``): its description, as HTML or RDF."""
    return _resource(BASE + "id/" + key, describe, "ld.resource", key=key)


@bp.route("/cameo/<path:key>")
def cameo(key: str) -> Response:
    """A CAMEO concept (``…/cameo/<code>``)."""
    return _resource(BASE + "cameo/" + key, describe, "ld.cameo", key=key)


@bp.route("/graph/<path:key>")
def graph(key: str) -> Response:
    """A named graph (``…/graph/<key>``): its triples and its provenance."""
    return _resource(BASE + "graph/" + key, describe_graph, "ld.graph", key=key)


# ------------------------------------------------------------------------------ documents


def _schema_graph(name: str) -> Graph:
    st = state()
    store = st.require_store()
    path = store.release.path / SCHEMA_FILES[name]
    if not path.exists():
        raise ServiceError(404, f"the served build has no {SCHEMA_FILES[name]}")

    def parse() -> Graph:
        g = Graph()
        g.parse(path, format="turtle")
        return g

    return st.cached(("schema", st.version, name), parse)  # type: ignore[no-any-return]


def _document(name: str, endpoint: str, title: str) -> Response:
    """The ontology or the shapes: the published Turtle file, other RDF formats, or an HTML page."""
    media, fmt = _negotiate(neg.RDF)
    g = _schema_graph(name)
    alternates = _alternates(endpoint)
    if fmt == "html":
        terms = []
        if name == "ontology.ttl":
            for kind, cls in (("class", OWL.Class), ("object property", OWL.ObjectProperty),
                              ("datatype property", OWL.DatatypeProperty), ("annotation property", OWL.AnnotationProperty)):
                for term in sorted(set(g.subjects(RDF.type, cls)), key=str):
                    if isinstance(term, URIRef):
                        terms.append({"iri": str(term), "kind": kind, "label": str(g.value(term, RDFS.label) or ""),
                                      "definition": str(g.value(term, SKOS.definition) or "")})
        text = (state().require_store().release.path / SCHEMA_FILES[name]).read_text(encoding="utf-8")
        page = render_template("document.html", title=title, terms=terms, text=text, alternates=alternates)
        return _answer(media, fmt, page, alternates)
    if fmt == "ttl":
        body = (state().require_store().release.path / SCHEMA_FILES[name]).read_bytes()
    elif fmt == "jsonld":
        body = g.serialize(format="json-ld", encoding="utf-8")
    else:
        body = _rdf(list(g), fmt)
    return _answer(media, fmt, body, alternates)


@bp.route("/ontology")
@bp.route("/ontology/<path:version>")
def ontology(version: str | None = None) -> Response:
    """The ontology (``…/ontology``, its terms ``…/ontology#Term``, its version IRI)."""
    return _document("ontology.ttl", "ld.ontology", "crisiskg ontology")


@bp.route("/shapes")
def shapes() -> Response:
    """The SHACL shapes every build is validated with."""
    return _document("shapes.ttl", "ld.shapes", "crisiskg SHACL shapes")


# ------------------------------------------------------------------------------ dumps and VoID


def dump_urls() -> dict[str, str]:
    """Media type -> absolute URL of each dump."""
    return {media: url_for("ld.dump_file", name=name, _external=True) for name, media in DUMPS.values()}


def _dump_bytes(fmt: str) -> bytes:
    st = state()
    store = st.require_store()
    return st.cached(("dump", st.version, fmt), lambda: dump(store.release.dataset_file, fmt))  # type: ignore[no-any-return]


@bp.route("/dumps")
@bp.route("/dumps/")
def dumps() -> Response:
    """The list of dumps (HTML or JSON)."""
    st = state()
    st.require_store()
    files = [{"name": name, "media_type": media, "url": url_for("ld.dump_file", name=name)} for name, media in DUMPS.values()]
    files += [{"name": name, "media_type": "text/turtle", "url": url_for("ld.dump_file", name=name)} for name in SCHEMA_FILES]
    if neg.choose(request.headers.get("Accept"), ["application/json", neg.HTML]) == neg.HTML:
        resp = Response(render_template("dumps.html", files=files, version=st.version), mimetype=neg.HTML)
    else:
        from flask import jsonify

        resp = jsonify({"ok": True, "version": st.version, "dumps": files})
    resp.vary.add("Accept")
    return resp


@bp.route("/dumps/crisiskg")
def dump_negotiated() -> Response:
    """The whole dataset in the format the client prefers (N-Quads by default)."""
    media, fmt = _negotiate(neg.DATASET, html=False)
    resp = Response(_dump_bytes(fmt), content_type=media)
    resp.vary.add("Accept")
    resp.headers["Content-Location"] = url_for("ld.dump_file", name=DUMPS[fmt][0])
    return resp


@bp.route("/dumps/<name>")
def dump_file(name: str) -> Response:
    """One dump file: ``crisiskg.{nq,trig,jsonld,ttl,nt}`` or ``ontology.ttl``, ``cameo.ttl``, ``shapes.ttl``."""
    st = state()
    store = st.require_store()
    for fmt, (file_name, media) in DUMPS.items():
        if name == file_name:
            resp = Response(_dump_bytes(fmt), content_type=media)
            break
    else:
        if name not in SCHEMA_FILES or not (store.release.path / SCHEMA_FILES[name]).exists():
            names = [n for n, _ in DUMPS.values()] + list(SCHEMA_FILES)
            raise ServiceError(404, f"no dump named {name!r}; dumps: {', '.join(names)}")
        resp = Response((store.release.path / SCHEMA_FILES[name]).read_bytes(), content_type="text/turtle; charset=utf-8")
    stem, _, ext = name.rpartition(".")
    resp.headers["Content-Disposition"] = f'inline; filename="{stem}-{st.version}.{ext}"'
    return resp


# vocabularies a VoID description uses beside the project's own prefixes
_VOID_PREFIXES = {"void": "http://rdfs.org/ns/void#", "dqv": "http://www.w3.org/ns/dqv#", "dcat": "http://www.w3.org/ns/dcat#",
                  "sd": "http://www.w3.org/ns/sparql-service-description#", "foaf": "http://xmlns.com/foaf/0.1/",
                  "sh": "http://www.w3.org/ns/shacl#", "oa": "http://www.w3.org/ns/oa#", "ldqd": "http://www.w3.org/2016/05/ldqd#",
                  "vann": "http://purl.org/vocab/vann/"}


def readable_turtle(g: Graph) -> str:
    """``g`` as Turtle for people: prefixes (those used), subjects and predicates sorted, blank
    nodes used once nested in place and renamed in the order of their content (so the class and
    property partitions come sorted by class and property)."""
    prefixes = {**PREFIXES, **_VOID_PREFIXES}

    def short(t: Any) -> str:  # as the Turtle shows it, to sort by
        return next((f"{p}:{str(t)[len(ns):]}" for p, ns in prefixes.items() if isinstance(t, URIRef) and str(t).startswith(ns)), f"<{t}>")

    def content(b: BNode) -> str:
        return " ".join(sorted(f"{short(p)} {short(o)}" for p, o in g.predicate_objects(b) if not isinstance(o, BNode)))

    blanks = sorted({t for t in g.all_nodes() if isinstance(t, BNode)}, key=content)
    names: dict[Any, Any] = {b: BNode(f"b{i:05d}") for i, b in enumerate(blanks)}
    out = Graph(bind_namespaces="none")
    for prefix, ns in prefixes.items():
        out.bind(prefix, ns)
    for triple in g:
        out.add((names.get(triple[0], triple[0]), triple[1], names.get(triple[2], triple[2])))
    return out.serialize(format="turtle")


@bp.route("/.well-known/void")
@bp.route("/dataset")
def void_description() -> Response:
    """The VoID description of the dataset (``…/dataset``)."""
    st = state()
    store = st.require_store()
    media, fmt = _negotiate(neg.RDF)
    endpoint = endpoint_url()
    manifest = store.release.manifest
    g = st.cached(("void", st.version, endpoint), lambda: void(
        store, endpoint=endpoint, dumps=dump_urls(), validation=manifest.get("validation", {}), created=manifest.get("created"),
        audit=manifest.get("audit")))
    alternates = _alternates("ld.void_description")
    if fmt == "html":
        page = render_template("ui/void.html", title="VoID description of the dataset", text=readable_turtle(g),
                               alternates=alternates)
        return _answer(media, fmt, page, alternates)
    return _answer(media, fmt, _rdf(list(g), fmt), alternates)
