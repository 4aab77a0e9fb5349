"""A sampled fact as a reviewer reads it: labels, a one-line reading, the quote that backs it and
the sentence around that quote (:func:`crisiskg.textscan.sentence_at`, as the linked data states
it), and the node's other facts in the same article as context.

The quote of a statement or claim is its node's evidence in that article: the node's own quote
(``ckg:quote``), else its longest evidence span; other evidence spans of the node there are listed
too. A mention's quote is the span itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rdflib import URIRef

from crisiskg.curate.facts import TA_IDENT_REF, TYPE, Fact, plumbing, term_value
from crisiskg.query import names  # one way to name a node, as the analysts' pages do
from crisiskg.query.store import Store
from crisiskg.textscan import sentence_at
from crisiskg.vocab import CKG_URI, NIF

ANCHOR, CLAIMED_BY = str(NIF.anchorOf), CKG_URI + "claimedBy"
NAMES = {TYPE: "is a", TA_IDENT_REF: "denotes"}
MINTED = re.compile(r"[0-9a-f]{12}$")  # an id minted from a digest (claims, roles): not for people

_SPANS = """
SELECT ?node ?span ?how ?anchor ?b ?e ?text WHERE {
  GRAPH ?g { ?node ?how ?span . ?span nif:anchorOf ?anchor ; nif:beginIndex ?b ; nif:endIndex ?e ; nif:referenceContext ?ctx }
  GRAPH ?g { ?ctx nif:isString ?text }
  FILTER(?how IN (ckg:evidence, ckg:quote))
}"""
_MENTION = """
SELECT ?node ?anchor ?b ?e ?text WHERE {
  GRAPH ?g { ?node nif:anchorOf ?anchor ; nif:beginIndex ?b ; nif:endIndex ?e ; nif:referenceContext ?ctx . ?ctx nif:isString ?text }
}"""
_ABOUT = "SELECT ?p ?o WHERE { GRAPH ?g { ?node ?p ?o } }"
_INCOMING = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?node } FILTER(?p != nif:referenceContext) } ORDER BY ?s LIMIT 1"


def _words(iri: str) -> str:
    """A readable name from an IRI's last segment: ``hasTimeStamp`` -> ``has time stamp``."""
    local = re.split(r"[/#]", iri.rstrip("/"))[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower() if not local.isupper() else local


class Reader:
    """Makes the records of sampled facts from the build ``store`` serves."""

    def __init__(self, store: Store):
        self.store = store
        self._labels: dict[str, str] = {}
        self._named: set[str] = set()  # IRIs with a label, their own or one made for them
        self._about: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def labels(self, iris: Iterable[str]) -> None:
        """Look up the labels of ``iris`` (plain IRIs) not looked up yet: as the analysts' pages
        name them (their own label, or one made for a claim, role, stance or count), else words
        from the IRI."""
        wanted = sorted({i for i in iris if i and i not in self._labels})
        if not wanted:
            return
        found = names.labels(self.store, wanted)
        found.update(names.synthetic_labels(self.store, [i for i in wanted if i not in found]))
        self._named |= set(found)
        for iri in wanted:
            self._labels[iri] = found.get(iri) or (NAMES.get(iri) or _words(iri))

    def label(self, term: str) -> str:
        """The label of an N-Triples term (an IRI's label, a literal's text)."""
        value = term_value(term)
        if term.startswith("<"):
            self.labels([value])
            return self._labels[value]
        return value

    def _rows(self, sparql: str, fact: Fact, node: str) -> list[dict[str, Any]]:
        bindings = {"g": URIRef(fact.graph), "node": URIRef(term_value(node))}
        return self.store.query(sparql, bindings=bindings, answers=False).rows  # type: ignore[arg-type]

    def about(self, fact: Fact) -> list[tuple[str, str]]:
        """(predicate IRI, object term) of every triple about the fact's node in its article."""
        key = (fact.graph, fact.node)
        if key not in self._about:
            self._about[key] = sorted((str(r["p"]), r["o"].n3()) for r in self._rows(_ABOUT, fact, fact.node))
        return self._about[key]

    def describe_node(self, fact: Fact) -> str:
        """The node the fact is about, for people: its label (see :meth:`labels`), else its kind
        and what links to it, its readable id, or its other facts."""
        iri = term_value(fact.node)
        self.labels([iri])
        if iri in self._named:
            return self._labels[iri]
        kinds = [o for p, o in self.about(fact) if p == TYPE]
        kind = self.label(kinds[0]) if kinds else "node"
        incoming = self._rows(_INCOMING, fact, fact.node)
        if incoming:
            return f"{kind} of {self.label(incoming[0]['s'].n3())}"
        if not MINTED.search(iri):
            return f"{kind} {_words(iri)}"
        return f"{kind} ({'; '.join(self.context(fact, keep_own=True)[:3])})"

    def statement(self, subject: str, predicate: str, obj: str) -> str:
        """A claim's statement in words ("someone" for a claim about anyone)."""
        return f"{self.label(subject) if subject else 'someone'} {self.label(f'<{predicate}>')} {self.label(obj)}"

    def context(self, fact: Fact, *, keep_own: bool = False) -> list[str]:
        """The node's other facts in the article, as "predicate: object" lines (the kind last)."""
        out = []
        for p, o in self.about(fact):
            if plumbing(p) or (not keep_own and p == fact.predicate and o == fact.object):
                continue
            out.append((p == TYPE, f"{self.label(f'<{p}>')}: {self.label(o)}"))
        return [line for _, line in sorted(set(out))]

    def quote(self, fact: Fact) -> tuple[dict[str, Any] | None, list[str]]:
        """The span that backs the fact (anchor, offsets, text of the article) and the anchors of the
        node's other evidence spans there."""
        if fact.kind == "mention":
            rows = self._rows(_MENTION, fact, fact.node)
            return ({**rows[0], "span": term_value(fact.node)} if rows else None), []
        rows = self._rows(_SPANS, fact, fact.node)
        spans: dict[str, dict[str, Any]] = {}
        for r in rows:
            spans.setdefault(str(r["span"]), {**r, "span": str(r["span"]), "how": set()})["how"].add(str(r["how"]))
        if not spans:
            return None, []
        chosen = [s for s in spans.values() if CKG_URI + "quote" in s["how"]] or list(spans.values())
        best = min(chosen, key=lambda s: (int(s["b"]) - int(s["e"]), int(s["b"])))
        others = sorted((s for s in spans.values() if s is not best), key=lambda s: int(s["b"]))
        return best, [str(s["anchor"]) for s in others]

    def reading(self, fact: Fact) -> str:
        """The fact in one line."""
        key = fact.article
        if fact.kind == "mention":
            anchor = next((o for p, o in self.about(fact) if p == ANCHOR), "")
            return f'article {key}: the words "{self.label(anchor)}" denote {self.label(fact.object)}'
        if fact.kind == "claim":
            by = sorted(self.label(o) for p, o in self.about(fact) if p == CLAIMED_BY)
            denied = any(o == f"<{CKG_URI}Denied>" for p, o in self.about(fact))
            return (f"article {key}: {', '.join(by) or 'the article'} {'denies' if denied else 'claims'}: "
                    f"{self.statement(fact.subject, fact.predicate, fact.object)}")
        return f"article {key}: {self.describe_node(fact)} — {self.label(f'<{fact.predicate}>')}: {self.label(fact.object)}"

    def record(self, fact: Fact) -> dict[str, Any]:
        """What an audit file holds for ``fact``, the verdict not given yet."""
        best, others = self.quote(fact)
        sentence = None
        if best is not None:
            found = sentence_at(str(best["text"]), int(best["b"]), int(best["e"]))
            sentence = found.text if found else None
        out: dict[str, Any] = {"id": fact.id, "kind": fact.kind, "article": fact.article, "reading": self.reading(fact),
                               "quote": str(best["anchor"]) if best else "", "sentence": sentence}
        if others:
            out["other_quotes"] = others
        if fact.kind != "mention":
            out["context"] = self.context(fact)
        predicate = f"<{fact.predicate}>"
        out.update({
            "subject": term_value(fact.subject) or None, "subject_label": self.label(fact.subject) if fact.subject else None,
            "predicate": fact.predicate, "predicate_label": self.label(predicate),
            "object": term_value(fact.object), "object_label": self.label(fact.object),
            "span": best["span"] if best else None, "verdict": None, "note": None,
        })
        if fact.kind == "statement":
            out["subject_label"] = self.describe_node(fact)
        elif fact.kind == "mention":
            out["subject_label"] = out["quote"]
        return out


def records(store: Store, sampled: list[Fact]) -> list[dict[str, Any]]:
    """The audit records of ``sampled`` facts, in their order."""
    reader = Reader(store)
    reader.labels(term_value(t) for f in sampled for t in (f.subject, f"<{f.predicate}>", f.object) if t.startswith("<"))
    return [reader.record(f) for f in sampled]

