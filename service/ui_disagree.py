"""Where the sources disagree: facts that articles (or two speakers in one article) state
differently, side by side, each with its quote and who gives it.

Each kind is read per named graph, so every version keeps its article and its speaker:

- casualty counts of the same event and nationality, munition counts of the same event, and other
  counts of the same thing (ckg:Count nodes: number, qualifier, ckg:reportedBy and the words that
  attribute it). Two counts disagree when they cannot both be true, as the saved question
  ``source-disagreements`` decides: each is a range ("at least 12" is 12 or more, "about 18" and
  "nearly 12" allow a quarter either side or below, "none reported" is 0); a count of "casualties"
  (killed or injured) cannot be below a count of the killed or of the injured, and a casualty count
  that names no nationality is compared with the counts of every nationality. Counts that differ but can both be true are kept apart,
  as compatible. One speaker's counts in one article are not compared with each other (they count
  different people);
- the date of the same event: each date is an interval of possible days (ckg:earliestDate ..
  ckg:latestDate), and two dates disagree only when they cannot both be true, that is when their
  intervals do not overlap; dates written differently that overlap ("January 2020" and
  "2020-01-03") are compatible;
- claims about the same subject, predicate and object that one source affirms and another denies
  (two articles, or two speakers of one article);
- stances on the same proposition with the same modality (recommendation, prediction...) that
  some holders take in favour and others against. Only the page shows these: opposite stances are
  opinions, not facts that cannot both be true, and ``source-disagreements`` leaves them out.

Dates, counts and claims that cannot all be true are the rows of ``source-disagreements``, pair by
pair (a test holds the two to each other, both ways).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib.term import Node

from crisiskg.query.names import count_text
from crisiskg.query.store import Store
from crisiskg.service.ui_data import (
    Value,
    When,
    article_key,
    date_pattern,
    describe_terms,
    local_name,
    span_parts,
    term,
    when_of,
)
from crisiskg.service.ui_dates import days_text

KINDS = ("casualties", "munitions", "counts", "date", "claim", "stance")
# the kinds the saved question source-disagreements does not list, and why (the page says so)
PAGE_ONLY = {"counts": "counts of other things (bases, countries, vehicles) are not among the rows of the saved question "
                       "source-disagreements, which compares casualty counts and munitions.",
             "stance": "opposite stances are opinions that can all be held, not facts that cannot all be true, so the saved "
                       "question source-disagreements leaves them out."}
TITLES = {"casualties": "Casualty counts", "munitions": "Munitions", "counts": "Other counts", "date": "Dates",
          "claim": "Claims", "stance": "Opposite stances"}


@dataclass
class Version:
    """What one source says: the value, its article, the quote supporting it, who gives it and
    (for a count or claim) the words through which it is attributed."""

    text: str
    key: str | None
    quote: Value | None = None
    who: list[Value] = field(default_factory=list)
    who_label: str = "given by"
    attribution: Value | None = None
    detail: str = ""  # e.g. how a date was derived
    when: When | None = None


@dataclass
class Disagreement:
    """One subject on which the versions differ."""

    kind: str  # casualties | munitions | counts | date | claim | stance
    about: Value
    topic: str
    versions: list[Version]
    note: str = ""
    compatible: bool = False  # the versions differ but can all be true


_CASUALTIES = """
SELECT ?g ?ev ?c ?status ?count ?qual ?nat ?pop ?by ?span ?attr WHERE {
  GRAPH ?g { ?ev ckg:casualties ?c . ?c ckg:casualtyStatus ?status ; ckg:count ?count .
             OPTIONAL { ?c ckg:countQualifier ?qual } OPTIONAL { ?c ckg:nationality ?nat }
             OPTIONAL { ?c ckg:population ?pop } OPTIONAL { ?c ckg:reportedBy ?by }
             OPTIONAL { ?c ckg:evidence ?span } OPTIONAL { ?c ckg:attributionEvidence ?attr } }
} ORDER BY ?g ?c
"""
_COUNTS = """
SELECT ?g ?ev ?c ?status ?count ?qual ?by ?span ?attr WHERE {
  GRAPH ?g { { ?ev ckg:munitions ?c BIND("munitions" AS ?status) } UNION { ?ev ckg:counts ?c . ?c ckg:countedThing ?status }
             ?c ckg:count ?count .
             OPTIONAL { ?c ckg:countQualifier ?qual } OPTIONAL { ?c ckg:reportedBy ?by }
             OPTIONAL { ?c ckg:evidence ?span } OPTIONAL { ?c ckg:attributionEvidence ?attr } }
} ORDER BY ?g ?c
"""
_DATES = """
SELECT ?g ?ev ?value ?prec ?deriv ?early ?late ?span ?by WHERE {
  GRAPH ?g { """ + date_pattern("?ev") + """ OPTIONAL { ?ev ckg:quote ?span } OPTIONAL { ?ev ckg:reportedBy ?by } }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/crisiskg/graph/article/"))
  ?ev a ckg:Event .
} ORDER BY ?g
"""
_CLAIMS = """
SELECT ?g ?c ?s ?p ?o ?pol ?who ?span ?attr WHERE {
  GRAPH ?g { ?c a ckg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; ckg:claimPolarity ?pol .
             OPTIONAL { ?c ckg:claimedBy ?who } OPTIONAL { ?c ckg:evidence ?span } OPTIONAL { ?c ckg:attributionEvidence ?attr } }
} ORDER BY ?g
"""
_STANCES = """
SELECT ?g ?st ?holder ?prop ?pol ?mod ?span WHERE {
  GRAPH ?g { ?st a ckg:Stance ; ckg:holder ?holder ; ckg:proposition ?prop ; ckg:polarity ?pol .
             OPTIONAL { ?st ckg:modality ?mod } OPTIONAL { ?st ckg:evidence ?span } }
} ORDER BY ?g
"""
_LITERALS = ("g", "count", "status", "qual", "pop", "value", "prec", "deriv", "early", "late")


# ------------------------------------------------------------------------------ counts


@dataclass
class _Count:
    """One count node as one article gives it."""

    node: Node
    key: str | None
    status: str
    count: int
    qualifier: str
    nat: Node | None = None
    pop: str | None = None
    who: list[Node] = field(default_factory=list)
    span: Node | None = None
    attr: Node | None = None

    @property
    def range(self) -> tuple[int, float]:
        """The numbers it allows (inclusive; ``inf`` for no upper bound): "none reported" is 0."""
        n, q = self.count, self.qualifier
        return {"exact": (n, n), "at-least": (n, math.inf), "more-than": (n + 1, math.inf), "at-most": (0, n),
                "nearly": (math.floor(n * 0.75), n), "approximately": (math.floor(n * 0.75), math.ceil(n * 1.25)),
                "none-reported": (0, 0)}.get(q, (n, n))


def _comparable(a: _Count, b: _Count) -> bool:
    """Counts of the same thing: the same status, or one of them counts all casualties; never one
    speaker's two counts in one article (they count different people)."""
    if a.key == b.key and a.who and set(a.who) == set(b.who):
        return False
    return a.status == b.status or "casualties" in (a.status, b.status)


def _conflict(a: _Count, b: _Count) -> bool:
    """True if the two counts cannot both be true."""
    ra, rb = a.range, b.range
    if a.status == b.status:
        return ra[1] < rb[0] or rb[1] < ra[0]
    total, part = (ra, rb) if a.status == "casualties" else (rb, ra)
    return total[1] < part[0]  # fewer casualties than killed (or injured)


def _finder(parent: list[int]) -> Callable[[int], int]:
    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i
    return find


def _count_cards(kind: str, groups: dict[tuple, list[_Count]], vals: dict[Node, Value]) -> list[Disagreement]:
    out = []
    for (ev, what, nat), items in groups.items():
        parent = list(range(len(items)))  # components of counts linked by a difference (union-find)
        find = _finder(parent)
        edges = []
        for i, a in enumerate(items):
            for j in range(i + 1, len(items)):
                b = items[j]
                if not _comparable(a, b):
                    continue
                conflict = _conflict(a, b)
                # counts of one status that differ; a total and a part only when they cannot both be true
                if conflict or (a.status == b.status and (a.count, a.qualifier) != (b.count, b.qualifier)):
                    edges.append((i, j, conflict))
                    parent[find(j)] = find(i)
        for root in sorted({find(i) for i, _, _ in edges}):
            members = [c for k, c in enumerate(items) if find(k) == root]
            conflict = any(x for i, _, x in edges if find(i) == root)
            statuses = sorted({c.status for c in members})
            if kind == "casualties":
                parts = [s for s in statuses if s != "casualties"]
                topic = (f"how many {statuses[0]}" if len(statuses) == 1 else
                         f"how many {' or '.join(parts)}, and how many casualties in all")
                topic += f" ({vals[nat].text})" if nat is not None else ""
            elif kind == "munitions":
                topic = "how many missiles, rockets or drones"
            else:
                topic = f"how many {what}"
            versions = []
            for c in members:
                text = f"{c.status}: {count_text(c.count, c.qualifier)}" if kind == "casualties" else count_text(c.count, c.qualifier)
                versions.append(Version(text + (f", {c.pop}" if c.pop else ""), c.key,
                                        vals.get(c.span) if c.span is not None else None,
                                        [vals[w] for w in c.who], "given by",
                                        vals.get(c.attr) if c.attr is not None else None))
            one = len({v.key for v in versions}) == 1
            if conflict:
                note = "these numbers cannot all be true" + (", within one article" if one else "")
            else:
                note = ("the numbers differ but can all be true (a bound, an approximation or “none reported” leaves room)"
                        + (", within one article" if one else ""))
            out.append(Disagreement(kind, vals[ev], topic, versions, note, compatible=not conflict))
    return out


def _counts(rows: list[dict], nationality: bool) -> dict[tuple, list[_Count]]:
    """Count nodes (one per node and article, with everyone who gives it), grouped by event,
    counted thing (munitions, 'bases'...; None for casualties, compared across statuses) and nationality."""
    nodes: dict[tuple[str, Node], _Count] = {}
    groups: dict[tuple, list[_Count]] = {}
    for r in rows:
        k = (str(r["g"]), term(r, "c"))
        c = nodes.get(k)
        if c is None:
            try:
                n = int(str(r["count"]))
            except ValueError:
                continue
            c = nodes[k] = _Count(term(r, "c"), article_key(str(r["g"])), str(r["status"]), n, str(r.get("qual") or "exact"),
                                  r.get("nat"), str(r["pop"]) if r.get("pop") is not None else None,
                                  span=r.get("span"), attr=r.get("attr"))
            groups.setdefault((term(r, "ev"), None if nationality else c.status, c.nat), []).append(c)
        if r.get("by") is not None and r["by"] not in c.who:
            c.who.append(term(r, "by"))
    if nationality:  # a count of no nationality counts everyone: compare it with each nationality's counts too
        for (ev, what, nat), items in list(groups.items()):
            if nat is not None:
                items.extend(c for c in groups.get((ev, what, None), []) if c not in items)
    return groups


# ------------------------------------------------------------------------------ all kinds


def disagreements(store: Store) -> list[Disagreement]:
    """Every disagreement found: casualties, munitions, other counts, dates, claims and stances."""
    rows = {name: store.query(q, reasoning="owlrl" if name == "date" else "none").rows
            for name, q in (("cas", _CASUALTIES), ("count", _COUNTS), ("date", _DATES), ("claim", _CLAIMS), ("stance", _STANCES))}
    terms: list[Node | None] = []
    for rs in rows.values():
        for r in rs:
            terms.extend(v for k, v in r.items() if k not in _LITERALS)
    vals = describe_terms(store, terms)

    def quote(r: dict, name: str = "span") -> Value | None:
        span = r.get(name)
        return vals.get(span) if span is not None else None

    out: list[Disagreement] = []
    out += _count_cards("casualties", _counts(rows["cas"], nationality=True), vals)
    counts = _counts(rows["count"], nationality=False)
    out += _count_cards("munitions", {k: v for k, v in counts.items() if k[1] == "munitions"}, vals)
    out += _count_cards("counts", {k: v for k, v in counts.items() if k[1] != "munitions"}, vals)

    # dates: each an interval of possible days; they disagree only when two cannot both be true
    dates: dict[Node, dict[str, tuple[When, dict]]] = {}
    told: dict[tuple[Node, str], list[Value]] = {}  # who gives an article's account of the event, if not its author
    for r in rows["date"]:
        when = when_of(r)
        if when is not None:
            dates.setdefault(term(r, "ev"), {}).setdefault(str(r["g"]), (when, r))
            by = told.setdefault((term(r, "ev"), str(r["g"])), [])
            if r.get("by") is not None and vals[term(r, "by")] not in by:
                by.append(vals[term(r, "by")])
    for ev, by_graph in dates.items():
        whens = [w for w, _ in by_graph.values()]
        if len({(w.value, w.earliest, w.latest) for w in whens}) < 2:
            continue
        clash = [(a, b) for i, a in enumerate(whens) for b in whens[i + 1:] if not a.overlaps(b)]
        if clash:
            a, b = clash[0]
            note = f"these dates cannot all be true: {a.value} and {b.value} have no day in common"
        else:
            first, last = max(w.earliest for w in whens), min(w.latest for w in whens)
            note = f"written differently, but all can be true: every one allows {days_text(first, last)}"
        versions = [Version(w.value + ("" if w.exact else f" ({w.reading})"), article_key(g), quote(r),
                            told.get((ev, g), []), "according to", detail=w.derivation, when=w)
                    for g, (w, r) in sorted(by_graph.items())]
        out.append(Disagreement("date", vals[ev], "when it happened", versions, note, compatible=not clash))

    # claims: the same triple affirmed by one source and denied by another
    claims: dict[tuple, list[dict]] = {}
    for r in rows["claim"]:
        claims.setdefault((term(r, "s"), term(r, "p"), term(r, "o")), []).append(r)
    for (s, p, o), rs in claims.items():
        if _opposed(rs):
            versions = _merge_who([Version(local_name(str(r["pol"])).lower(), article_key(str(r["g"])), quote(r),
                                           [vals[term(r, "who")]] if r.get("who") is not None else [], "claimed by",
                                           quote(r, "attr")) for r in rs])
            out.append(Disagreement("claim", vals[s], f"{vals[p].text} {vals[o].text}", versions))
    # stances: the same proposition and modality, favoured by some and opposed by others
    props: dict[tuple, list[dict]] = {}
    for r in rows["stance"]:
        props.setdefault((term(r, "prop"), r.get("mod")), []).append(r)
    for (prop, mod), rs in props.items():
        if not {"Favor", "Against"} <= {local_name(str(r["pol"])) for r in rs}:
            continue
        by_stance: dict[str, Version] = {}
        for r in rs:
            v = by_stance.setdefault(f"{r['st']}|{r['g']}", Version(vals[term(r, "pol")].text, article_key(str(r["g"])), quote(r),
                                                                    who_label="held by"))
            if vals[term(r, "holder")] not in v.who:
                v.who.append(vals[term(r, "holder")])
        versions = sorted(by_stance.values(), key=lambda v: (v.text, v.key or ""))
        kind = vals[mod].text if mod is not None else "stance"
        out.append(Disagreement("stance", vals[prop], f"{kind}: for or against", versions,
                                "holders take opposite positions on the same proposition"))
    return out


def _opposed(rows: list[dict]) -> bool:
    """Whether one claim is affirmed and another denied by different sources: in two articles, or
    by two speakers of one article (as ``source-disagreements`` compares them), never one speaker
    against itself in one article."""
    sides: dict[tuple[str, str], tuple[str, set[Node]]] = {}  # (graph, claim) -> (polarity, claimants)
    for r in rows:
        _, who = sides.setdefault((str(r["g"]), str(r["c"])), (local_name(str(r["pol"])), set()))
        if r.get("who") is not None:
            who.add(r["who"])
    return any(pa == "Affirmed" and pb == "Denied" and (ga != gb or not wa & wb)
               for (ga, _), (pa, wa) in sides.items() for (gb, _), (pb, wb) in sides.items())


def _merge_who(versions: list[Version]) -> list[Version]:
    merged: dict[tuple, Version] = {}
    for v in versions:
        k = (v.text, v.key, v.quote.iri if v.quote else None)
        if k in merged:
            merged[k].who.extend(w for w in v.who if w not in merged[k].who)
        else:
            merged[k] = v
    return list(merged.values())


def quote_place(v: Version) -> tuple[str, int, int] | None:
    """``(key, begin, end)`` of a version's quote, for a link into the article reader."""
    return span_parts(v.quote.iri) if v.quote and v.quote.iri else None
