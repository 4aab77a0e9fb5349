"""What the analyst pages show, read from a :class:`~crisiskg.query.store.Store` (no Flask here).

Each function takes the store (and an IRI or key) and returns plain dataclasses the templates
render. Every query goes through ``Store.query`` with values bound as RDF terms.

Facts are read per named graph, so a page can say which article states a fact and mark a fact
that only the reasoner's graph (``graph/inferred``) holds as inferred. Dates are read as the text
gives them (:class:`When`: the value as written, its precision, first and last possible day and
derivation), always inside one GRAPH block so that one article's bounds never mix with another's;
an unnamed source is shown with its article (:func:`source_label`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from rdflib import Literal, URIRef
from rdflib.term import Node

from crisiskg.loaders import audits
from crisiskg.query.names import ARTICLE_PREFIX, labels, many, source_label, synthetic_labels
from crisiskg.query.store import Store
from crisiskg.service.ui_dates import When, date_pattern, when_of  # noqa: F401 - date_pattern: also read from here
from crisiskg.vocab import BASE, ID, PREFIXES, article_graph, local_name, shorten

ARTICLE_GRAPH_PREFIX = BASE + "graph/article/"
_SPAN = re.compile(r"^" + re.escape(ARTICLE_PREFIX) + r"([^/#]+)#char=(\d+),(\d+)$")
HIDDEN_PREDICATES = {  # shown in their own sections, or noise on a page
    PREFIXES["gaf"] + "denotedBy",
    PREFIXES["nif"] + "taIdentRef",
    PREFIXES["rdf"] + "type",
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["skos"] + "altLabel",
    PREFIXES["rdfs"] + "label",
    PREFIXES["owl"] + "sameAs",
}


def span_parts(iri: str) -> tuple[str, int, int] | None:
    """``(article key, begin, end)`` of a NIF span IRI (``.../article/004#char=10,20``), else None."""
    m = _SPAN.match(iri)
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def article_key(graph: str) -> str | None:
    """The article key of an article's named graph IRI, else None."""
    return graph[len(ARTICLE_GRAPH_PREFIX):] if graph.startswith(ARTICLE_GRAPH_PREFIX) else None


# ------------------------------------------------------------------------------ rows (labels: crisiskg.query.names)


def term(row: Mapping[str, Node | None], name: str) -> Node:
    """A variable that the query always binds (a KeyError if it is unbound)."""
    value = row.get(name)
    if value is None:
        raise KeyError(name)
    return value


def anchors(store: Store, spans: Iterable[str]) -> dict[str, str]:
    """The quoted text (nif:anchorOf) of each span IRI."""
    wanted = sorted(set(spans))
    if not wanted:
        return {}
    res = store.query("SELECT ?s ?a WHERE { ?s nif:anchorOf ?a }", bindings={"s": many(URIRef(s) for s in wanted)})
    return {str(r["s"]): str(r["a"]) for r in res.rows}


@dataclass
class Value:
    """One RDF term ready to show: text, an internal page link or an external one, and a quote span."""

    text: str
    href: str | None = None
    kind: str = "literal"  # literal | resource | external | span | term
    iri: str | None = None
    span: tuple[str, int, int] | None = None


def describe_terms(store: Store, terms: Iterable[Node | None]) -> dict[Node, Value]:
    """A :class:`Value` for each term, with labels and span quotes fetched in two queries."""
    uniq = [t for t in dict.fromkeys(terms) if t is not None]
    iris = [str(t) for t in uniq if isinstance(t, URIRef)]
    spans = [i for i in iris if span_parts(i)]
    names = labels(store, [i for i in iris if i not in spans])
    quotes = anchors(store, spans)
    names.update(synthetic_labels(store, [i for i in iris if i not in names and i.startswith(str(ID))]))
    out: dict[Node, Value] = {}
    for t in uniq:
        out[t] = value_of(t, names, quotes)
    return out


def value_of(term: Node, names: dict[str, str], quotes: dict[str, str]) -> Value:
    """A :class:`Value` for ``term`` given already fetched labels and span quotes."""
    if isinstance(term, Literal):
        return Value(str(term))
    iri = str(term)
    if not isinstance(term, URIRef):
        return Value(iri)
    sp = span_parts(iri)
    if sp:
        return Value(quotes.get(iri, iri), kind="span", iri=iri, span=sp)
    label = names.get(iri)
    if iri.startswith(str(ID)):
        return Value(label or shorten(iri), kind="resource", iri=iri)
    if iri.startswith(BASE):
        return Value(label or shorten(iri), kind="term", iri=iri)
    if shorten(iri) != iri:  # a vocabulary term without a label: its name in words ("has place"), not a CURIE
        return Value(label or words(local_name(iri)), kind="term", iri=iri)
    return Value(label or iri, kind="external", iri=iri, href=iri)


# other vocabularies in words, for a class they name beside ours ("Actor (SEM)")
VOCABULARIES = {"sem": "SEM", "prov": "PROV-O", "schema": "schema.org", "gaf": "GAF", "nif": "NIF", "geo": "GeoSPARQL",
                "skos": "SKOS", "dct": "Dublin Core", "rdf": "RDF", "rdfs": "RDFS", "owl": "OWL", "wd": "Wikidata"}


def class_values(values: Iterable[Value]) -> list[Value]:
    """A resource's classes for its Type line, each once: ours by label first, then those of other
    vocabularies with the vocabulary in words ("Actor (SEM)", "Person (schema.org)"). Those are kept
    (they are what a query in a standard vocabulary matches) but named so they do not read as
    duplicates of ours ("Person" beside "person")."""
    ours: dict[str, Value] = {}
    others: dict[str, Value] = {}
    for v in values:
        iri = v.iri or v.text
        if iri.startswith(BASE) or not v.iri:
            ours.setdefault(iri, v)
            continue
        prefix = next((p for p, ns in PREFIXES.items() if iri.startswith(ns)), None)
        vocabulary = VOCABULARIES.get(prefix or "", f"{prefix}:" if prefix else iri.rsplit("/", 1)[0].split("//")[-1])
        name = v.text if v.text != iri else local_name(iri)
        others.setdefault(iri, replace(v, text=f"{name} ({vocabulary})"))
    return sorted(ours.values(), key=lambda v: v.text.lower()) + sorted(others.values(), key=lambda v: v.text.lower())


def words(name: str) -> str:
    """A term's local name in words: ``hasPlace`` -> "has place", ``Agent`` stays "Agent"."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower() if name[:1].islower() else name


# ------------------------------------------------------------------------------ home


@dataclass
class Overview:
    """What the published build holds, from its manifest."""

    version: str
    created: str
    counts: dict[str, int]
    conforms: bool | None
    violations: int | None
    triples_asserted: int | None
    triples_inferred: int | None
    audit: str = "not audited"  # the latest audit's estimate in words (crisiskg.loaders.audits.describe)
    audited: bool = False


def overview(store: Store) -> Overview:
    """Counts, build time, validation result and audited precision of the build the store serves."""
    man = store.release.manifest
    counts = man.get("counts", {})
    val = man.get("validation", {})
    shown = {k: int(counts[k]) for k in ("articles", "entities", "events", "stances", "propositions", "mentions") if k in counts}
    return Overview(version=str(man.get("version", "")), created=str(man.get("created", "")), counts=shown,
                    conforms=val.get("conforms"), violations=val.get("violations"),
                    triples_asserted=counts.get("triples_asserted"), triples_inferred=counts.get("triples_inferred"),
                    audit=audits.describe(man.get("audit")), audited=bool(man.get("audit")))


@dataclass
class Hit:
    """A search result: the resource, its label, the alias that matched and its types."""

    iri: str
    label: str
    matched: str
    exact: bool
    types: list[str] = field(default_factory=list)


_SEARCH = """
SELECT ?s ?name (SAMPLE(?pl) AS ?label) (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types) WHERE {
  { ?s skos:prefLabel ?name } UNION { ?s skos:altLabel ?name } UNION { ?s rdfs:label ?name }
  FILTER(STRSTARTS(STR(?s), STR(id:)) && CONTAINS(LCASE(STR(?name)), LCASE(STR(?text))))
  OPTIONAL { ?s skos:prefLabel|rdfs:label ?pl }
  OPTIONAL { ?s rdf:type ?type FILTER(STRSTARTS(STR(?type), STR(ckg:))) }
} GROUP BY ?s ?name
"""


def search(store: Store, text: str, *, limit: int = 50) -> list[Hit]:
    """Resources whose preferred label or an alias contains ``text`` (case-insensitive); exact
    matches first."""
    text = text.strip()
    if not text:
        return []
    res = store.query(_SEARCH, bindings={"text": Literal(text)})
    best: dict[str, Hit] = {}
    for row in res.rows:
        iri, name = str(row["s"]), str(row["name"])
        exact = name.lower() == text.lower()
        raw = str(row.get("label") or name)
        label = source_label(iri, raw)  # an unnamed source with its article
        hit = Hit(iri, label, label if name == raw else name, exact,
                  sorted(local_name(t) for t in str(row.get("types") or "").split()))
        old = best.get(iri)
        if old is None or (exact and not old.exact):
            best[iri] = hit
    hits = sorted(best.values(), key=lambda h: (not h.exact, len(h.matched), h.label.lower()))
    return hits[:limit]


# ------------------------------------------------------------------------------ articles


@dataclass
class ArticleSummary:
    key: str
    iri: str
    title: str
    issued: str  # the publication date as written (ckg:dateValue): "2020-01-08", "2020-01-05/2020-01-07"
    when: When | None = None


def articles(store: Store) -> list[ArticleSummary]:
    """Every article in the build, in key order, with its publication date as the text gives it."""
    res = store.query("SELECT ?a ?key ?title ?value ?prec ?early ?late WHERE { ?a a ckg:Article ; dct:identifier ?key ."
                      " OPTIONAL { ?a dct:title ?title }"
                      " OPTIONAL { GRAPH ?g { ?a ckg:dateValue ?value OPTIONAL { ?a ckg:datePrecision ?prec }"
                      " OPTIONAL { ?a ckg:earliestDate ?early ; ckg:latestDate ?late } } } } ORDER BY ?key",
                      reasoning="none")
    out: dict[str, ArticleSummary] = {}
    for r in res.rows:
        when = when_of(r)
        out.setdefault(str(r["a"]), ArticleSummary(str(r["key"]), str(r["a"]), str(r.get("title") or r["key"]),
                                                   when.value if when else "", when))
    return list(out.values())


def article_text(store: Store, key: str) -> str | None:
    """The verbatim text of article ``key`` (its NIF context), or None if there is no such article."""
    res = store.query("SELECT ?text WHERE { GRAPH ?g { ?a ckg:text ?ctx . ?ctx nif:isString ?text } }",
                      bindings={"g": article_graph(key), "a": ID[f"article/{key}"]}, reasoning="none")
    return str(res.rows[0]["text"]) if res.rows else None


def quote_spans(store: Store, article_iris: Iterable[str] = ()) -> dict[tuple[str, str], str]:
    """``(article IRI, quoted text) -> span IRI`` for every span of the given articles (all
    articles when none are given); also ``("", text) -> span`` for a text found in one article only.
    Lets a result that gives an article and a quote (but not the span) link to the place."""
    wanted = sorted(set(article_iris))
    res = store.query("SELECT ?a ?span ?q WHERE { GRAPH ?g { ?a ckg:text ?ctx . ?span nif:referenceContext ?ctx ;"
                      " nif:anchorOf ?q } } ORDER BY ?span", bindings={"a": many(URIRef(a) for a in wanted)} if wanted else None,
                      reasoning="none")
    out: dict[tuple[str, str], str] = {}
    anywhere: dict[str, set[str]] = {}
    for r in res.rows:
        out.setdefault((str(r["a"]), str(r["q"])), str(r["span"]))
        anywhere.setdefault(str(r["q"]), set()).add(str(r["span"]))
    for text, spans in anywhere.items():
        if len(spans) == 1:
            out[("", text)] = next(iter(spans))
    return out


# ------------------------------------------------------------------------------ sentences


def sentence_bounds(text: str, begin: int, end: int) -> tuple[int, int]:
    """The sentence (or line) around ``text[begin:end]``: from after the previous sentence end or
    line break to the next one."""
    start = begin
    while start > 0:
        c = text[start - 1]
        if c == "\n" or (c in " \t" and start >= 2 and text[start - 2] in ".!?\u201d\"" and not _abbrev(text, start - 2)):
            break
        start -= 1
    stop = end
    n = len(text)
    while stop < n:
        c = text[stop]
        if c == "\n":
            break
        if c in ".!?" and not _abbrev(text, stop) and (stop + 1 == n or text[stop + 1] in " \n\t\"\u201d"):
            stop += 1
            if stop < n and text[stop] in "\"\u201d":
                stop += 1
            break
        stop += 1
    return start, stop


def _abbrev(text: str, dot: int) -> bool:
    """True if the '.' at ``dot`` ends an abbreviation such as 'U.S.' or 'Mr.' (not a sentence)."""
    if text[dot] != ".":
        return False
    word = re.search(r"(\S+)$", text[:dot])
    w = word.group(1) if word else ""
    return bool(re.fullmatch(r"(?:[A-Z]\.)*[A-Z]|Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Lt|Col|St|Jr|Sr|No|vs", w))


@dataclass
class Sentence:
    """A sentence of an article with one highlighted span inside it."""

    key: str
    begin: int
    end: int
    before: str
    marked: str
    after: str


def sentence_of(text: str, key: str, begin: int, end: int) -> Sentence:
    """The sentence around ``text[begin:end]``, split into before / marked / after."""
    s, e = sentence_bounds(text, begin, end)
    return Sentence(key, begin, end, text[s:begin], text[begin:end], text[end:e])
