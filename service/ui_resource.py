"""The data of a resource page (entity, event, stance, proposition, claim, article): the HTML side
of dereferencing a minted IRI. No Flask here; :func:`resource_page` returns a :class:`Page`.

Facts are grouped by (predicate, value) with the named graphs that state them; a fact found only in
``graph/inferred`` is marked inferred.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from crisiskg.store import Store
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES
from service.ui_data import (
    HIDDEN_PREDICATES,
    Sentence,
    Value,
    article_key,
    article_text,
    describe_terms,
    labels,
    local_name,
    many,
    sentence_of,
    span_parts,
    term,
)

CKG = PREFIXES["ckg"]
EVIDENCE = CKG + "evidence"


@dataclass
class Fact:
    """One statement about the resource, with the articles that state it."""

    predicate: Value
    value: Value
    sources: list[str] = field(default_factory=list)  # article keys
    inferred: bool = False
    other_graphs: list[str] = field(default_factory=list)  # entities, provenance, ...


@dataclass
class Link:
    """A statement that points at the resource (an incoming link)."""

    subject: Value
    predicate: Value
    sources: list[str] = field(default_factory=list)
    inferred: bool = False
    subject_types: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    """A quote supporting the resource (ckg:evidence), in its article."""

    key: str
    begin: int
    end: int
    quote: str
    sentence: Sentence | None = None


@dataclass
class RoleRow:
    title: str
    org: Value | None
    evidence: Evidence | None


@dataclass
class StanceRow:
    stance: Value
    proposition: Value | None
    polarity: str
    modality: str
    evidence: list[Evidence] = field(default_factory=list)
    holders: list[Value] = field(default_factory=list)


@dataclass
class Page:
    """Everything a resource page shows."""

    iri: str
    label: str
    types: list[Value]
    inferred_types: list[Value]
    aliases: list[str]
    facts: list[Fact]
    events: list[Link]
    stances: list[StanceRow]
    roles: list[RoleRow]
    incoming: list[Link]
    evidence: list[Evidence]
    mentions: list[Sentence]
    article: str | None = None  # the article key, for an article IRI

    @property
    def inferred_facts(self) -> list[Fact]:
        return [f for f in self.facts if f.inferred]

    @property
    def asserted_facts(self) -> list[Fact]:
        return [f for f in self.facts if not f.inferred]


class _Texts:
    """Article texts, read once per page."""

    def __init__(self, store: Store):
        self.store, self.cache = store, {}  # type: ignore[var-annotated]

    def sentence(self, key: str, begin: int, end: int) -> Sentence | None:
        if key not in self.cache:
            self.cache[key] = article_text(self.store, key)
        text = self.cache[key]
        return sentence_of(text, key, begin, end) if text is not None else None


def _graph_split(graphs: set[str]) -> tuple[list[str], bool, list[str]]:
    keys = sorted(k for k in (article_key(g) for g in graphs) if k)
    inferred = graphs == {str(INFERRED_GRAPH)}
    others = sorted(local_name(g) for g in graphs if not article_key(g) and g != str(INFERRED_GRAPH))
    return keys, inferred, others


def resource_exists(store: Store, iri: str) -> bool:
    """True if the store holds any triple with ``iri`` as subject or object."""
    res = store.query("ASK { { ?s ?p ?o } UNION { ?x ?q ?s } }", bindings={"s": URIRef(iri)})
    return bool(res.boolean)


def resource_page(store: Store, iri: str) -> Page:
    """The data of the page of ``iri``."""
    node = URIRef(iri)
    out = store.query("SELECT ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"s": node})
    inc = store.query("SELECT ?x ?p ?g WHERE { GRAPH ?g { ?x ?p ?s } }", bindings={"s": node})
    types_res = store.query("SELECT DISTINCT ?x ?t WHERE { ?x rdf:type ?t FILTER(STRSTARTS(STR(?t), STR(ckg:))) }",
                            bindings={"x": many([node, *{term(r, "x") for r in inc.rows}])})
    types_of: dict[str, set[str]] = {}
    for r in types_res.rows:
        types_of.setdefault(str(r["x"]), set()).add(local_name(str(r["t"])))

    outgoing: dict[tuple, set[str]] = {}
    aliases: list[str] = []
    type_graphs: dict[URIRef, set[str]] = {}
    evidence_spans: list[str] = []
    for r in out.rows:
        p, o, g = str(r["p"]), r["o"], str(r["g"])
        if p == PREFIXES["skos"] + "altLabel":
            aliases.append(str(o))
        if p == PREFIXES["rdf"] + "type":
            type_graphs.setdefault(o, set()).add(g)  # type: ignore[arg-type]
        if p == EVIDENCE:
            evidence_spans.append(str(o))
            continue
        if p in HIDDEN_PREDICATES:
            continue
        outgoing.setdefault((r["p"], o), set()).add(g)
    incoming: dict[tuple, set[str]] = {}
    for r in inc.rows:
        p = str(r["p"])
        if p in HIDDEN_PREDICATES:
            continue
        incoming.setdefault((r["x"], r["p"]), set()).add(str(r["g"]))

    terms = [node, *type_graphs, *(k[0] for k in outgoing), *(k[1] for k in outgoing), *(k[0] for k in incoming),
             *(k[1] for k in incoming)]
    vals = describe_terms(store, terms)
    label = vals[node].text if node in vals else local_name(iri)

    facts = []
    for (p, o), graphs in outgoing.items():
        keys, inferred, others = _graph_split(graphs)
        facts.append(Fact(vals[p], vals[o], keys, inferred, others))
    facts.sort(key=lambda f: (f.inferred, f.predicate.text, f.value.text))

    events, links = [], []
    for (x, p), graphs in incoming.items():
        keys, inferred, _ = _graph_split(graphs)
        t = sorted(types_of.get(str(x), set()))
        link = Link(vals[x], vals[p], keys, inferred, t)
        if "Event" in t and str(p) != CKG + "about":
            events.append(link)
        elif "Stance" not in t and "Role" not in t:
            links.append(link)
    events.sort(key=lambda l: (l.inferred, l.subject.text))
    links.sort(key=lambda l: (l.inferred, l.predicate.text, l.subject.text))

    texts = _Texts(store)
    asserted_types = [vals[t] for t, gs in type_graphs.items() if gs != {str(INFERRED_GRAPH)}]
    inferred_types = [vals[t] for t, gs in type_graphs.items() if gs == {str(INFERRED_GRAPH)}]
    return Page(
        iri=iri, label=label,
        types=sorted(asserted_types, key=lambda v: v.text), inferred_types=sorted(inferred_types, key=lambda v: v.text),
        aliases=sorted(set(aliases)), facts=facts, events=events,
        stances=_stances(store, node, texts), roles=_roles(store, node, texts), incoming=links,
        evidence=_evidence(store, evidence_spans, texts), mentions=_mentions(store, node, texts),
        article=iri.rsplit("/", 1)[-1] if "Article" in types_of.get(iri, set()) else None,
    )


def _evidence(store: Store, spans: list[str], texts: _Texts) -> list[Evidence]:
    if not spans:
        return []
    vals = describe_terms(store, [URIRef(s) for s in spans])
    out = []
    for s in sorted(set(spans), key=lambda s: span_parts(s) or ("", 0, 0)):
        parts = span_parts(s)
        if parts:
            key, b, e = parts
            out.append(Evidence(key, b, e, vals[URIRef(s)].text, texts.sentence(key, b, e)))
    return out


def _mentions(store: Store, node: URIRef, texts: _Texts) -> list[Sentence]:
    res = store.query("SELECT DISTINCT ?m WHERE { { ?m nif:taIdentRef ?s } UNION { ?s gaf:denotedBy ?m } }",
                      bindings={"s": node})
    found = sorted(p for p in (span_parts(str(r["m"])) for r in res.rows) if p)
    return [s for s in (texts.sentence(k, b, e) for k, b, e in found) if s is not None]


def _roles(store: Store, node: URIRef, texts: _Texts) -> list[RoleRow]:
    res = store.query("SELECT ?r ?title ?in ?ev WHERE { ?r ckg:roleHolder ?s ; ckg:roleTitle ?title ."
                      " OPTIONAL { ?r ckg:roleIn ?in } OPTIONAL { ?r ckg:evidence ?ev } } ORDER BY ?title",
                      bindings={"s": node})
    vals = describe_terms(store, [r.get("in") for r in res.rows])
    out = []
    for r in res.rows:
        ev = _evidence(store, [str(r["ev"])], texts) if r.get("ev") is not None else []
        org = r.get("in")
        out.append(RoleRow(str(r["title"]), vals.get(org) if org is not None else None, ev[0] if ev else None))
    return out


def _stances(store: Store, node: URIRef, texts: _Texts) -> list[StanceRow]:
    """The stances ``node`` holds, or (for a proposition) the stances taken on it."""
    res = store.query("""
SELECT ?st ?prop ?holder ?pol ?mod ?ev WHERE {
  { ?st ckg:holder ?s } UNION { ?st ckg:proposition ?s }
  OPTIONAL { ?st ckg:proposition ?prop } OPTIONAL { ?st ckg:holder ?holder }
  OPTIONAL { ?st ckg:polarity ?pol } OPTIONAL { ?st ckg:modality ?mod } OPTIONAL { ?st ckg:evidence ?ev }
}""", bindings={"s": node}, reasoning="none")
    names = labels(store, [str(r[k]) for r in res.rows for k in ("pol", "mod") if r.get(k) is not None])
    vals = describe_terms(store, [t for r in res.rows for t in (r["st"], r.get("prop"), r.get("holder"))])
    rows: dict[str, StanceRow] = {}
    spans: dict[str, list[str]] = {}
    for r in res.rows:
        st = str(r["st"])
        prop = r.get("prop")
        row = rows.setdefault(st, StanceRow(
            vals[term(r, "st")], vals.get(prop) if prop is not None else None,
            names.get(str(r.get("pol")), local_name(str(r.get("pol") or ""))),
            names.get(str(r.get("mod")), local_name(str(r.get("mod") or "")))))
        who = r.get("holder")
        holder = vals.get(who) if who is not None else None
        if holder is not None and holder not in row.holders:
            row.holders.append(holder)
        if r.get("ev") is not None:
            spans.setdefault(st, []).append(str(r["ev"]))
    for st, row in rows.items():
        row.evidence = _evidence(store, spans.get(st, []), texts)
    return sorted(rows.values(), key=lambda s: (s.proposition.text if s.proposition else "", s.polarity))


def class_of_interest(page: Page) -> list[str]:
    """Local names of the page's types (asserted and inferred)."""
    return [local_name(v.iri or "") for v in page.types + page.inferred_types]
