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

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from crisiskg.loaders import audits
from crisiskg.query.names import ARTICLE_PREFIX, labels, many, source_label, synthetic_labels
from crisiskg.query.store import Store
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
    short = shorten(iri)
    if short != iri:
        return Value(label or short, kind="term", iri=iri)
    return Value(label or iri, kind="external", iri=iri, href=iri)


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


# ------------------------------------------------------------------------------ dates


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def day_text(day: dt.date, *, year: bool = True) -> str:
    """``8 January 2020`` (or ``8 January``)."""
    return f"{day.day} {_MONTHS[day.month - 1]}" + (f" {day.year}" if year else "")


def days_text(first: dt.date, last: dt.date) -> str:
    """Two days as a span in words: "5 to 7 January 2020", "30 January to 2 February 2020"."""
    if first == last:
        return day_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} to {day_text(last)}"
    if first.year == last.year:
        return f"{day_text(first, year=False)} to {day_text(last)}"
    return f"{day_text(first)} to {day_text(last)}"


def _natural(point: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day a ``YYYY[-MM[-DD]]`` value covers, or None if it is not one."""
    try:
        parts = [int(p) for p in point.split("-")]
        if len(parts) == 3:
            d = dt.date(*parts)
            return d, d
        if len(parts) == 2:
            return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        if len(parts) == 1:
            return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class When:
    """A date as the text gives it (ckg:dateValue, ckg:datePrecision, ckg:earliestDate,
    ckg:latestDate, ckg:dateDerivation): the value as written stands for every day from ``earliest``
    to ``latest`` (inclusive); nothing is given a day the text does not give."""

    value: str
    precision: str
    earliest: dt.date
    latest: dt.date
    derivation: str = ""

    @property
    def days(self) -> int:
        """How many days it can be."""
        return (self.latest - self.earliest).days + 1

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    @property
    def precision_text(self) -> str:
        """"to the day", "to the month", "to the year", "a range of days"."""
        return "a range of days" if self.precision == "range" else f"to the {self.precision}"

    @property
    def reading(self) -> str:
        """The date in words: "8 January 2020", "some day of January 2020", "some day of January
        2020, from 3 to 8 January 2020", "some day from 5 to 7 January 2020"."""
        if self.exact:
            return day_text(self.earliest)
        first, _, last = self.value.partition("/")
        lo, hi = _natural(first), _natural(last or first)
        natural = (lo[0], hi[1]) if lo and hi else None
        bounds = days_text(self.earliest, self.latest)
        if self.precision == "month" and lo:
            words = f"some day of {_MONTHS[lo[0].month - 1]} {lo[0].year}"
        elif self.precision == "year" and lo:
            words = f"some day of {lo[0].year}"
        else:
            return f"some day from {bounds}"
        return words if natural == (self.earliest, self.latest) else f"{words}, from {bounds}"

    def overlaps(self, other: When) -> bool:
        """True if both can be true: some day lies in both."""
        return self.earliest <= other.latest and other.earliest <= self.latest

    def __str__(self) -> str:
        return self.value


def when_of(row: Mapping[str, Node | None], prefix: str = "") -> When | None:
    """The :class:`When` of a query row binding ``value``, ``prec``, ``early``, ``late`` and
    ``deriv`` (each name after ``prefix``); None without a value or bounds that parse."""
    value = row.get(prefix + "value")
    if value is None:
        return None
    early, late = row.get(prefix + "early"), row.get(prefix + "late")
    try:
        lo = dt.date.fromisoformat(str(early)) if early is not None else None
        hi = dt.date.fromisoformat(str(late)) if late is not None else None
    except ValueError:
        lo = hi = None
    if lo is None or hi is None:  # bounds missing: the value's own
        first, _, last = str(value).partition("/")
        a, b = _natural(first), _natural(last or first)
        if not a or not b:
            return None
        lo, hi = lo or a[0], hi or b[1]
    prec, deriv = row.get(prefix + "prec"), row.get(prefix + "deriv")
    return When(str(value), str(prec) if prec is not None else ("day" if lo == hi else "range"), lo, hi,
                str(deriv) if deriv is not None else "")


DATE_PATTERN = """OPTIONAL {{ {s} ckg:datePrecision ?{p}prec }} OPTIONAL {{ {s} ckg:dateDerivation ?{p}deriv }}
OPTIONAL {{ {s} ckg:earliestDate ?{p}early }} OPTIONAL {{ {s} ckg:latestDate ?{p}late }}"""


def date_pattern(subject: str, prefix: str = "") -> str:
    """The SPARQL (inside one GRAPH block) that reads ``subject``'s date as :func:`when_of` wants
    it: ``{subject} ckg:dateValue ?{prefix}value`` and the rest OPTIONAL."""
    return f"{subject} ckg:dateValue ?{prefix}value . " + DATE_PATTERN.format(s=subject, p=prefix)
