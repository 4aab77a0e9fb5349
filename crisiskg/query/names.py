"""Names for the nodes of a build as people read them: a node's own label, or one made for the
unlabelled nodes the loader mints (claims, roles, stances, counts), and counts in words.

One way to name a node, shared by the analyst pages (:mod:`crisiskg.service.ui_data`) and the
curator's tools (:mod:`crisiskg.curate.readings`). Pure functions over a store; no Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from crisiskg.query.store import Store
from crisiskg.vocab import ID, local_name, shorten

ARTICLE_PREFIX = str(ID) + "article/"
_SOURCE = re.compile(r"^" + re.escape(ARTICLE_PREFIX) + r"([^/#]+)/source/[^/#]+$")


def many(terms: Iterable[Node]) -> Any:
    """Several terms bound to one variable (``Store.query`` writes them as one VALUES block)."""
    return list(terms)


def labels(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """The label of each IRI (skos:prefLabel, else rdfs:label); IRIs without one are left out."""
    wanted = sorted({i for i in iris if i})
    if not wanted:
        return {}
    res = store.query(
        "SELECT ?s (SAMPLE(?pl) AS ?pref) (SAMPLE(?rl) AS ?plain) WHERE {"
        " OPTIONAL { ?s skos:prefLabel ?pl } OPTIONAL { ?s rdfs:label ?rl } } GROUP BY ?s",
        bindings={"s": many(URIRef(i) for i in wanted)},
    )
    out: dict[str, str] = {}
    for row in res.rows:
        text = row.get("pref") or row.get("plain")
        if text is not None:
            out[str(row["s"])] = source_label(str(row["s"]), str(text))
    return out


def source_key(iri: str) -> str | None:
    """The article key of an unnamed source's IRI (``.../id/article/002/source/one-official``), else None."""
    m = _SOURCE.match(iri)
    return m.group(1) if m else None


def source_label(iri: str, label: str) -> str:
    """``label`` as shown: an unnamed source (ckg:UnnamedSource) is its article's description of it
    and the article, "one former official (unnamed source in article 002)"; other IRIs as they are."""
    key = source_key(iri)
    return f"{label} (unnamed source in article {key})" if key else label


QUALIFIER_TEXT = {"exact": "{n}", "approximately": "about {n}", "at-least": "at least {n}", "more-than": "more than {n}",
                  "nearly": "nearly {n}", "at-most": "at most {n}", "none-reported": "none reported"}


def count_text(count: object, qualifier: object = None) -> str:
    """A count with its qualifier, in words: "at least 12", "about 18", "none reported", "2"."""
    return QUALIFIER_TEXT.get(str(qualifier or "exact"), "{n} ({q})").format(n=count, q=qualifier)


_SYNTHETIC = """
SELECT ?x ?s ?p ?o ?pol ?title ?in ?holder ?prop ?spol ?count ?status ?qual ?what ?mun ?damage ?by WHERE {
  OPTIONAL { ?x rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o OPTIONAL { ?x ckg:claimPolarity ?pol } }
  OPTIONAL { ?x ckg:roleTitle ?title OPTIONAL { ?x ckg:roleIn ?in } }
  OPTIONAL { ?x ckg:proposition ?prop ; ckg:polarity ?spol OPTIONAL { ?x ckg:holder ?holder } }
  OPTIONAL { ?x ckg:count ?count OPTIONAL { ?x ckg:casualtyStatus ?status } OPTIONAL { ?x ckg:countQualifier ?qual }
             OPTIONAL { ?x ckg:countedThing ?what } OPTIONAL { ?x rdf:type ckg:MunitionCount BIND(true AS ?mun) } }
  OPTIONAL { ?x ckg:damageDescription ?damage }
  OPTIONAL { ?x ckg:reportedBy ?by FILTER(BOUND(?count) || BOUND(?damage)) }
}
"""


def synthetic_labels(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """Readable labels for the unlabelled nodes the loader mints: claims ("A — backed by — B"),
    roles ("analyst, Atlantic Council"), stances ("Jane Roe: against — US retaliation"), and counts
    and damage reports with who gives them ("killed: at least 1, per Thomas S. Warrick",
    "munitions: about 18, per ...", "damage: minor damage, per ...")."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    res = store.query(_SYNTHETIC, bindings={"x": many(URIRef(i) for i in wanted)}, reasoning="none")
    refs = {str(r[k]) for r in res.rows for k in ("s", "p", "o", "pol", "in", "holder", "prop", "spol", "by") if r.get(k) is not None}
    names = labels(store, refs)

    def name(t: Node | None) -> str:
        return names.get(str(t), shorten(str(t))) if t is not None else ""

    out: dict[str, str] = {}
    holders: dict[str, list[str]] = {}
    givers: dict[str, list[str]] = {}
    for r in res.rows:
        x = str(r["x"])
        if r.get("s") is not None:
            denied = r.get("pol") is not None and local_name(str(r["pol"])) == "Denied"
            out[x] = f"claim: {name(r['s'])} — {'not ' if denied else ''}{name(r['p'])} — {name(r['o'])}"
        elif r.get("title") is not None:
            out[x] = f"role: {r['title']}" + (f", {name(r['in'])}" if r.get("in") is not None else "")
        elif r.get("prop") is not None:
            if r.get("holder") is not None and name(r["holder"]) not in holders.setdefault(x, []):
                holders[x].append(name(r["holder"]))
            out[x] = f"stance: {' and '.join(holders.get(x, [])) or '?'}: {name(r['spol'])} — {name(r['prop'])}"
        elif r.get("count") is not None or r.get("damage") is not None:
            if r.get("by") is not None and name(r["by"]) not in givers.setdefault(x, []):
                givers[x].append(name(r["by"]))
            if r.get("damage") is not None:
                text = f"damage: {r['damage']}"
            else:
                what = r.get("status") or r.get("what") or ("munitions" if r.get("mun") is not None else "count")
                text = f"{what}: {count_text(r['count'], r.get('qual'))}"
            out[x] = text + (f", per {' and '.join(givers[x])}" if givers.get(x) else "")
    return out
