"""Where the sources disagree: facts that articles (or one article's headline and body) state
differently, side by side, each with its quote.

Five kinds are compared, each read per named graph so every version keeps its source:

- casualty counts of the same event, status and nationality (``count`` + qualifier);
- the date of the same event, compared at the coarser of the two precisions (dates that differ
  only in precision are kept apart, as compatible);
- the number of munitions of the same event;
- claims about the same subject, predicate and object that one source affirms and another denies;
- stances on the same proposition with the same modality (recommendation, prediction...) that
  some holders take in favour and others against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib.term import Node

from crisiskg.store import Store
from service.ui_data import Value, article_key, describe_terms, local_name, span_parts, term


@dataclass
class Version:
    """What one source says: the value, its article and the quote supporting it."""

    text: str
    key: str | None
    quote: Value | None = None
    who: list[Value] = field(default_factory=list)


@dataclass
class Disagreement:
    """One subject on which the versions differ."""

    kind: str  # casualties | date | claim | stance
    about: Value
    topic: str
    versions: list[Version]
    note: str = ""
    compatible: bool = False  # the versions differ only in precision


_CASUALTIES = """
SELECT ?g ?ev ?c ?status ?count ?qual ?nat ?pop ?span WHERE {
  GRAPH ?g { ?ev ckg:casualties ?c . ?c ckg:casualtyStatus ?status ; ckg:count ?count .
             OPTIONAL { ?c ckg:countQualifier ?qual } OPTIONAL { ?c ckg:nationality ?nat }
             OPTIONAL { ?c ckg:population ?pop } OPTIONAL { ?c ckg:evidence ?span } }
} ORDER BY ?g ?c
"""
_DATES = """
SELECT ?g ?ev ?date ?prec ?deriv ?span WHERE {
  GRAPH ?g { ?ev sem:hasTimeStamp ?date . OPTIONAL { ?ev ckg:datePrecision ?prec }
             OPTIONAL { ?ev ckg:dateDerivation ?deriv } OPTIONAL { ?ev ckg:evidence ?span } }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/crisiskg/graph/article/"))
} ORDER BY ?g
"""
_MUNITIONS = """
SELECT ?g ?ev ?count ?qual ?span WHERE {
  GRAPH ?g { ?ev ckg:munitionCount ?count . OPTIONAL { ?ev ckg:munitionCountQualifier ?qual }
             OPTIONAL { ?ev ckg:evidence ?span . ?span nif:anchorOf ?a FILTER(REGEX(?a, "[0-9]|dozen|hundred", "i")) } }
} ORDER BY ?g
"""
_CLAIMS = """
SELECT ?g ?c ?s ?p ?o ?pol ?who ?span WHERE {
  GRAPH ?g { ?c a ckg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; ckg:claimPolarity ?pol .
             OPTIONAL { ?c ckg:claimedBy ?who } OPTIONAL { ?c ckg:evidence ?span } }
} ORDER BY ?g
"""
_STANCES = """
SELECT ?g ?st ?holder ?prop ?pol ?mod ?span WHERE {
  GRAPH ?g { ?st a ckg:Stance ; ckg:holder ?holder ; ckg:proposition ?prop ; ckg:polarity ?pol .
             OPTIONAL { ?st ckg:modality ?mod } OPTIONAL { ?st ckg:evidence ?span } }
} ORDER BY ?g
"""
_RANK = {"day": 10, "month": 7, "year": 4}


def disagreements(store: Store) -> list[Disagreement]:
    """Every disagreement found: casualties, dates, munitions, claims and stances."""
    rows = {name: store.query(q, reasoning="none").rows
            for name, q in (("cas", _CASUALTIES), ("date", _DATES), ("mun", _MUNITIONS), ("claim", _CLAIMS), ("stance", _STANCES))}
    terms: list[Node | None] = []
    for rs in rows.values():
        for r in rs:
            terms.extend(v for k, v in r.items() if k not in ("g", "count", "date", "prec", "deriv", "status", "qual", "pop"))
    vals = describe_terms(store, terms)

    def quote(r: dict) -> Value | None:
        span = r.get("span")
        return vals.get(span) if span is not None else None

    out: list[Disagreement] = []
    # casualties: group by event, status and nationality
    groups: dict[tuple, list[dict]] = {}
    for r in rows["cas"]:
        groups.setdefault((term(r, "ev"), str(r["status"]), r.get("nat")), []).append(r)
    for (ev, status, nat), rs in groups.items():
        counts = {(str(r["count"]), str(r.get("qual") or "exact")) for r in rs}
        if len(counts) > 1:
            who = f" ({vals[nat].text})" if nat is not None else ""
            versions = [Version(f"{r['count']} {status} ({r.get('qual') or 'exact'})"
                                + (f", {r['pop']}" if r.get("pop") is not None else ""),
                                article_key(str(r["g"])), quote(r)) for r in rs]
            note = "within one article" if len({v.key for v in versions}) == 1 else ""
            out.append(Disagreement("casualties", vals[ev], f"how many {status}{who}", versions, note))
    # dates: compare at the coarser precision
    dates: dict[Node, list[dict]] = {}
    for r in rows["date"]:
        dates.setdefault(term(r, "ev"), []).append(r)
    for ev, rs in dates.items():
        seen = {(str(r["date"]), str(r.get("prec") or "day"), str(r["g"])) for r in rs}
        if len({(d, p) for d, p, _ in seen}) < 2:
            continue
        coarsest = min(_RANK.get(p, 10) for _, p, _ in seen)
        compatible = len({d[:coarsest] for d, _, _ in seen}) == 1
        note = "the same date at different precisions (compatible)" if compatible else "the sources give different dates"
        versions = []
        for r in sorted(rs, key=lambda r: str(r["g"])):
            if any(v.key == article_key(str(r["g"])) for v in versions):
                continue
            versions.append(Version(f"{r['date']} (to the {r.get('prec') or 'day'})"
                                    + (f" — {r['deriv']}" if r.get("deriv") is not None else ""),
                                    article_key(str(r["g"])), quote(r)))
        out.append(Disagreement("date", vals[ev], "when it happened", versions, note, compatible))
    # munitions: the number of missiles or rockets
    munitions: dict[Node, list[dict]] = {}
    for r in rows["mun"]:
        munitions.setdefault(term(r, "ev"), []).append(r)
    for ev, rs in munitions.items():
        if len({(str(r["count"]), str(r.get("qual") or "exact")) for r in rs}) > 1:
            versions = [Version(f"{r['count']} ({r.get('qual') or 'exact'})", article_key(str(r["g"])), quote(r)) for r in rs]
            out.append(Disagreement("munitions", vals[ev], "how many missiles or rockets", versions))
    # claims: the same triple affirmed by one source and denied by another
    claims: dict[tuple, list[dict]] = {}
    for r in rows["claim"]:
        claims.setdefault((term(r, "s"), term(r, "p"), term(r, "o")), []).append(r)
    for (s, p, o), rs in claims.items():
        if len({local_name(str(r["pol"])) for r in rs}) > 1:
            versions = _merge_who([Version(local_name(str(r["pol"])).lower(), article_key(str(r["g"])), quote(r),
                                           [vals[term(r, "who")]] if r.get("who") is not None else []) for r in rs])
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
            v = by_stance.setdefault(f"{r['st']}|{r['g']}", Version(vals[term(r, "pol")].text, article_key(str(r["g"])), quote(r)))
            if vals[term(r, "holder")] not in v.who:
                v.who.append(vals[term(r, "holder")])
        versions = sorted(by_stance.values(), key=lambda v: (v.text, v.key or ""))
        kind = vals[mod].text if mod is not None else "stance"
        out.append(Disagreement("stance", vals[prop], f"{kind}: for or against", versions,
                                "holders take opposite positions on the same proposition"))
    return out


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
