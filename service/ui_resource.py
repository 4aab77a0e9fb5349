"""The data of a resource page (entity, event, stance, proposition, claim, article): the HTML side
of dereferencing a minted IRI. No Flask here; :func:`resource_page` returns a :class:`Page`.

Facts are grouped by (predicate, value) with the named graphs that state them; a fact found only in
``graph/inferred`` is marked inferred.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from crisiskg.query.names import count_text, labels, many
from crisiskg.query.store import Store
from crisiskg.service.ui_data import (
    ARTICLE_GRAPH_PREFIX,
    HIDDEN_PREDICATES,
    Sentence,
    Value,
    When,
    article_key,
    article_text,
    class_values,
    date_pattern,
    describe_terms,
    local_name,
    sentence_of,
    span_parts,
    term,
    when_of,
)
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES

CKG = PREFIXES["ckg"]
EVIDENCE = CKG + "evidence"
# shown as the page's dates (as written, in words, with their derivation), not as bare facts
DATE_PREDICATES = {CKG + p for p in ("dateValue", "datePrecision", "dateDerivation", "earliestDate", "latestDate")} | {
    PREFIXES["sem"] + "hasTimeStamp", PREFIXES["dct"] + "issued"}
# shown in the page's counts table (number, who gives it, their words, the quote)
COUNT_LINKS = {CKG + p for p in ("casualties", "munitions", "counts", "damage")}


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
class DateRow:
    """A date one article gives the resource: its own (``when``), or for a stance the text does
    not date, none, and the date the article reports it on (``reported``, the article's date)."""

    key: str
    when: When | None
    reported: When | None = None


@dataclass
class StanceRow:
    stance: Value
    proposition: Value | None
    polarity: str
    modality: str
    evidence: list[Evidence] = field(default_factory=list)
    holders: list[Value] = field(default_factory=list)
    dates: list[DateRow] = field(default_factory=list)


@dataclass
class CountRow:
    """A number (or damage report) one article gives about an event, and who gives it."""

    node: Value
    event: Value
    what: str  # killed, injured, casualties, munitions, a counted thing, damage
    number: str  # "at least 12", "none reported"; the description of a damage report
    key: str | None
    who: list[Value] = field(default_factory=list)
    attribution: Evidence | None = None
    evidence: Evidence | None = None
    detail: str = ""  # nationality and population


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
    dates: list[DateRow] = field(default_factory=list)
    counts: list[CountRow] = field(default_factory=list)
    counts_given: bool = False  # the counts are the ones the resource gives (an actor), not counts of it (an event)

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

    texts = _Texts(store)
    dates = _dates(store, node)
    counts, given = _counts(store, node, texts)
    if dates:
        outgoing = {k: v for k, v in outgoing.items() if str(k[0]) not in DATE_PREDICATES}
    if counts:
        outgoing = {k: v for k, v in outgoing.items() if str(k[0]) not in COUNT_LINKS}
        if given:  # the counts it gives are listed with their event: not again as links from count nodes
            shown = {c.node.iri for c in counts}
            incoming = {k: v for k, v in incoming.items() if str(k[0]) not in shown}
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
    # inferred rows that repeat an asserted one (an event by its role, again by sem:hasActor) are left out
    asserted = {l.subject.iri for l in events + links if not l.inferred}
    events = sorted((l for l in events if not (l.inferred and l.subject.iri in asserted)), key=lambda l: (l.inferred, l.subject.text))
    links = sorted((l for l in links if not (l.inferred and l.subject.iri in asserted)), key=lambda l: (l.inferred, l.predicate.text, l.subject.text))
    stated = {(f.value.iri or f.value.text) for f in facts if not f.inferred}
    facts = [f for f in facts if not (f.inferred and (f.value.iri or f.value.text) in stated)]
    inferred_types = {t for t, gs in type_graphs.items() if gs == {str(INFERRED_GRAPH)}}  # each class once, by label
    return Page(
        iri=iri, label=label,
        types=class_values(vals[t] for t in type_graphs if t not in inferred_types),
        inferred_types=class_values(vals[t] for t in inferred_types),
        aliases=sorted(set(aliases)), facts=facts, events=events,
        stances=_stances(store, node, texts), roles=_roles(store, node, texts), incoming=links,
        evidence=_evidence(store, evidence_spans, texts), mentions=_mentions(store, node, texts),
        article=iri.rsplit("/", 1)[-1] if "Article" in types_of.get(iri, set()) else None,
        dates=dates, counts=counts, counts_given=given,
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


_IN_ARTICLES = f'FILTER(STRSTARTS(STR(?g), "{ARTICLE_GRAPH_PREFIX}"))'


def _dates(store: Store, node: URIRef) -> list[DateRow]:
    """The date each article gives ``node`` (an event, stance or article), as written. A stance
    an article does not date has none there: it is reported on that article's date."""
    res = store.query("SELECT ?g ?value ?prec ?deriv ?early ?late ?a_value ?a_prec ?a_deriv ?a_early ?a_late ?stance WHERE {"
                      " GRAPH ?g { { " + date_pattern("?s") + " } UNION { ?s a ckg:Stance BIND(true AS ?stance)"
                      " OPTIONAL { ?art a ckg:Article . " + date_pattern("?art", "a_") + " } } } " + _IN_ARTICLES + " }",
                      bindings={"s": node}, reasoning="none")
    own: dict[str, When] = {}
    reported: dict[str, When | None] = {}
    for r in res.rows:
        key = article_key(str(r["g"])) or ""
        if r.get("stance") is not None:
            reported[key] = when_of(r, "a_")
        elif (when := when_of(r)) is not None:
            own.setdefault(key, when)
    return [DateRow(k, own.get(k), None if k in own else reported.get(k)) for k in sorted(set(own) | set(reported))]


_COUNTS = """
SELECT ?g ?ev ?c ?link ?status ?what ?count ?qual ?damage ?nat ?pop ?by ?span ?attr WHERE {
  GRAPH ?g { %s ?ev ?link ?c . FILTER(?link IN (ckg:casualties, ckg:munitions, ckg:counts, ckg:damage))
    OPTIONAL { ?c ckg:count ?count } OPTIONAL { ?c ckg:countQualifier ?qual } OPTIONAL { ?c ckg:casualtyStatus ?status }
    OPTIONAL { ?c ckg:countedThing ?what } OPTIONAL { ?c ckg:damageDescription ?damage }
    OPTIONAL { ?c ckg:nationality ?nat } OPTIONAL { ?c ckg:population ?pop } OPTIONAL { ?c ckg:reportedBy ?by }
    OPTIONAL { ?c ckg:evidence ?span } OPTIONAL { ?c ckg:attributionEvidence ?attr } }
} ORDER BY ?ev ?g ?c
"""


def _counts(store: Store, node: URIRef, texts: _Texts) -> tuple[list[CountRow], bool]:
    """The counts and damage reports of ``node`` (an event), each with who gives it; else those
    ``node`` gives (an actor or unnamed source). The flag says which."""
    given = False
    res = store.query(_COUNTS % "", bindings={"ev": node}, reasoning="none")
    if not res.rows:
        res = store.query(_COUNTS % "?c ckg:reportedBy ?giver .", bindings={"giver": node}, reasoning="none")
        given = True
    if not res.rows:
        return [], False
    vals = describe_terms(store, [r.get(k) for r in res.rows for k in ("ev", "c", "nat", "by")])
    spans = sorted({str(r[k]) for r in res.rows for k in ("span", "attr") if r.get(k) is not None})
    quotes = {e.key + f"#{e.begin},{e.end}": e for e in _evidence(store, spans, texts)}

    def evidence(t: object) -> Evidence | None:
        parts = span_parts(str(t)) if t is not None else None
        return quotes.get(f"{parts[0]}#{parts[1]},{parts[2]}") if parts else None

    rows: dict[tuple[str, str], CountRow] = {}
    for r in res.rows:
        c = term(r, "c")
        row = rows.get((str(r["g"]), str(c)))
        if row is None:
            link = local_name(str(r["link"]))
            if link == "damage":
                what, number = "damage", str(r.get("damage") or "")
            else:
                what = str(r.get("status") or r.get("what") or link)
                number = count_text(r.get("count"), r.get("qual"))
            detail = ", ".join(x for x in (vals[term(r, "nat")].text if r.get("nat") is not None else None,
                                           str(r["pop"]) if r.get("pop") is not None else None) if x)
            row = rows[(str(r["g"]), str(c))] = CountRow(vals[c], vals[term(r, "ev")], what, number, article_key(str(r["g"])),
                                                         attribution=evidence(r.get("attr")), evidence=evidence(r.get("span")),
                                                         detail=detail)
        if r.get("by") is not None and vals[term(r, "by")] not in row.who:
            row.who.append(vals[term(r, "by")])
    order = {"killed": 0, "injured": 1, "casualties": 2, "munitions": 3, "damage": 5}
    return sorted(rows.values(), key=lambda c: (c.event.text, order.get(c.what, 4), c.what, c.key or "", c.node.iri or "")), given


def _stances(store: Store, node: URIRef, texts: _Texts) -> list[StanceRow]:
    """The stances ``node`` holds, or (for a proposition) the stances taken on it, with the date
    each article gives them: their own, or none (reported on the article's date)."""
    res = store.query("""
SELECT ?g ?st ?prop ?holder ?pol ?mod ?ev ?value ?prec ?deriv ?early ?late ?a_value ?a_prec ?a_deriv ?a_early ?a_late WHERE {
  GRAPH ?g { { ?st ckg:holder ?s } UNION { ?st ckg:proposition ?s }
    OPTIONAL { ?st ckg:proposition ?prop } OPTIONAL { ?st ckg:holder ?holder }
    OPTIONAL { ?st ckg:polarity ?pol } OPTIONAL { ?st ckg:modality ?mod } OPTIONAL { ?st ckg:evidence ?ev }
    OPTIONAL { """ + date_pattern("?st") + """ }
    OPTIONAL { ?art a ckg:Article . """ + date_pattern("?art", "a_") + """ } }
}""", bindings={"s": node}, reasoning="none")
    names = labels(store, [str(r[k]) for r in res.rows for k in ("pol", "mod") if r.get(k) is not None])
    vals = describe_terms(store, [t for r in res.rows for t in (r["st"], r.get("prop"), r.get("holder"))])
    rows: dict[str, StanceRow] = {}
    spans: dict[str, list[str]] = {}
    dates: dict[str, dict[str, DateRow]] = {}
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
        key = article_key(str(r["g"]))
        if key and key not in dates.setdefault(st, {}):
            own = when_of(r)
            dates[st][key] = DateRow(key, own, None if own else when_of(r, "a_"))
    for st, row in rows.items():
        row.evidence = _evidence(store, spans.get(st, []), texts)
        row.dates = [dates[st][k] for k in sorted(dates.get(st, {}))]
    return sorted(rows.values(), key=lambda s: (s.proposition.text if s.proposition else "", s.polarity))
