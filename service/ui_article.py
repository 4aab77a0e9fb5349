"""The article reader: the verbatim text with every annotated span highlighted by kind and linked.

:func:`article_spans` reads the spans of one article's named graph (mentions, the evidence of
events, stances, claims and roles, headline, furniture, captions); :func:`markup` turns the text
and spans into nested, valid HTML: where two spans cross, the inner one is closed and reopened, so
every element still nests. Mentions are links to their entity; the other kinds carry a small link
marker at their start (links never nest).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from crisiskg.store import Store
from crisiskg.vocab import ID, article_graph
from service.ui_data import labels, local_name, span_parts, synthetic_labels

KINDS = ("headline", "furniture", "caption", "event", "stance", "claim", "role", "mention")
KIND_LABELS = {
    "mention": "entity mention", "event": "event", "stance": "stance", "claim": "claim", "role": "role or affiliation",
    "headline": "headline", "furniture": "page furniture (not content)", "caption": "image caption",
}
_MARKER = {"event": "E", "stance": "S", "claim": "C", "role": "R"}
_OWNER_KIND = {"Stance": "stance", "Claim": "claim", "Role": "role", "CasualtyCount": "event"}
_PART_KIND = {"Headline": "headline", "Furniture": "furniture", "Caption": "caption"}

_SPANS = """
SELECT ?span ?ref ?part ?owner ?otype ?event ?method WHERE {
  GRAPH ?g {
    ?span nif:beginIndex ?b ; nif:endIndex ?e ; nif:referenceContext ?ctx .
    FILTER(?span != ?ctx)
    OPTIONAL { ?span nif:taIdentRef ?ref }
    OPTIONAL { ?span rdf:type ?part FILTER(?part IN (ckg:Headline, ckg:Furniture, ckg:Caption)) }
    OPTIONAL { ?owner ckg:evidence ?span . ?owner rdf:type ?otype OPTIONAL { ?event ckg:casualties ?owner } }
    OPTIONAL { ?span ckg:annotationMethod ?method }
  }
}
"""


@dataclass
class Annotation:
    """One annotated span of the article and what it stands for."""

    begin: int
    end: int
    kinds: set[str] = field(default_factory=set)
    targets: dict[str, str] = field(default_factory=dict)  # target IRI -> kind
    method: str = ""

    @property
    def kind(self) -> str:
        """The main kind (for colour): the most specific curated one, else mention or furniture."""
        for k in ("stance", "claim", "event", "role", "headline", "caption", "furniture", "mention", "target"):
            if k in self.kinds:
                return k
        return "mention"

    @property
    def anchor(self) -> str:
        return f"char={self.begin},{self.end}"


def article_spans(store: Store, key: str) -> list[Annotation]:
    """Every annotated span of article ``key``, in text order."""
    res = store.query(_SPANS, bindings={"g": article_graph(key)}, reasoning="none")
    found: dict[str, Annotation] = {}
    for r in res.rows:
        parts = span_parts(str(r["span"]))
        if not parts:
            continue
        ann = found.setdefault(str(r["span"]), Annotation(parts[1], parts[2]))
        if r.get("method") is not None:
            ann.method = local_name(str(r["method"]))
        if r.get("ref") is not None:
            ann.kinds.add("mention")
            ann.targets[str(r["ref"])] = "mention"
        if r.get("part") is not None:
            ann.kinds.add(_PART_KIND[local_name(str(r["part"]))])
        if r.get("owner") is not None:
            otype = local_name(str(r["otype"]))
            kind = _OWNER_KIND.get(otype, "event")
            ann.kinds.add(kind)
            target = str(r["event"]) if r.get("event") is not None else str(r["owner"])
            ann.targets.setdefault(target, kind)
    return sorted(found.values(), key=lambda a: (a.begin, -a.end))


def target_labels(store: Store, spans: list[Annotation]) -> dict[str, str]:
    """Labels of every span target (synthetic ones for claims, roles and stances)."""
    iris = {t for a in spans for t in a.targets}
    names = labels(store, iris)
    names.update(synthetic_labels(store, [i for i in iris if i not in names]))
    return names


def href_of(iri: str) -> str:
    """The UI page of a minted IRI."""
    return "/ui/id/" + iri[len(str(ID)):] if iri.startswith(str(ID)) else iri


def markup(text: str, spans: list[Annotation], names: dict[str, str], *, target: tuple[int, int] | None = None) -> Markup:
    """``text`` as HTML with ``spans`` as nested elements. ``target`` (begin, end), when given, is
    the span the reader was sent to: it gets the class ``target`` (and an id, if no annotation has
    exactly those offsets, an extra element of its own)."""
    items = list(spans)
    if target and not any((a.begin, a.end) == target for a in items):
        items.append(Annotation(target[0], target[1], {"target"}))
    items.sort(key=lambda a: (a.begin, -a.end))
    bounds = sorted({0, len(text), *(a.begin for a in items), *(a.end for a in items)})
    out: list[str] = []
    stack: list[Annotation] = []
    opened: set[int] = set()  # ids of annotations whose first piece has been written
    starts: dict[int, list[Annotation]] = {}
    for a in items:
        starts.setdefault(a.begin, []).append(a)

    def open_tag(a: Annotation) -> str:
        first = id(a) not in opened
        opened.add(id(a))
        classes = ["ann", f"k-{a.kind}"] + sorted(f"k-{k}" for k in a.kinds if k != a.kind)
        if target and (a.begin, a.end) == target:
            classes.append("target")
        attrs = f' class="{" ".join(classes)}"'
        if first:
            attrs += f' id="{a.anchor}"'
        title = "; ".join(f"{KIND_LABELS.get(k, k)}: {names.get(t, local_name(t))}" for t, k in a.targets.items())
        if "target" in a.kinds and not a.targets:
            title = "the quoted passage"
        if title:
            attrs += f' title="{escape(title)}"'
        mention = next((t for t, k in a.targets.items() if k == "mention"), None)
        if mention and a.kinds == {"mention"}:
            return f'<a{attrs} href="{escape(href_of(mention))}">'
        marker = ""
        if first and not any(s.kinds == {"mention"} for s in stack):
            for t, k in a.targets.items():
                if k in _MARKER:
                    marker += (f'<a class="marker m-{k}" href="{escape(href_of(t))}" aria-label="{escape(KIND_LABELS[k])}: '
                               f'{escape(names.get(t, local_name(t)))}">{_MARKER[k]}</a>')
        return f"<span{attrs}>{marker}"

    def close_tag(a: Annotation) -> str:
        return "</a>" if a.kinds == {"mention"} and any(k == "mention" for k in a.targets.values()) else "</span>"

    for i, pos in enumerate(bounds):
        # close what ends here (closing and reopening the spans opened after it)
        low = next((j for j, a in enumerate(stack) if a.end <= pos), None)
        if low is not None:
            keep = [a for a in stack[low:] if a.end > pos]
            while len(stack) > low:
                out.append(close_tag(stack.pop()))
            for a in keep:
                out.append(open_tag(a))
                stack.append(a)
        for a in sorted(starts.get(pos, []), key=lambda a: -a.end):
            if a.end > pos:
                out.append(open_tag(a))
                stack.append(a)
        if i + 1 < len(bounds):
            out.append(str(escape(text[pos:bounds[i + 1]])))
    while stack:
        out.append(close_tag(stack.pop()))
    return Markup("".join(out))


def article_meta(store: Store, key: str) -> dict[str, object] | None:
    """Metadata and provenance of article ``key``: title, date and how it was derived, genre,
    publisher, authors, seed file, the source files with their SHA-256, the build that made it."""
    node = ID[f"article/{key}"]
    res = store.query("""
SELECT ?title ?issued ?prec ?deriv ?genre ?seed ?publisher ?creator ?file ?sha ?run ?version ?ended WHERE {
  GRAPH ?g { ?a dct:title ?title OPTIONAL { ?a dct:issued ?issued } OPTIONAL { ?a ckg:issuedPrecision ?prec }
             OPTIONAL { ?a ckg:issuedDerivation ?deriv } OPTIONAL { ?a ckg:genre ?genre } OPTIONAL { ?a ckg:seedFile ?seed }
             OPTIONAL { ?a dct:publisher ?publisher } OPTIONAL { ?a dct:creator ?creator } }
  OPTIONAL { GRAPH graph:provenance { { ?g prov:wasDerivedFrom ?in } UNION { ?a prov:wasDerivedFrom ?in }
             ?in ckg:seedFile ?file ; ckg:sha256 ?sha .
             OPTIONAL { ?g prov:wasGeneratedBy ?run OPTIONAL { ?run ckg:buildVersion ?version } OPTIONAL { ?run prov:endedAtTime ?ended } } } }
}""", bindings={"g": article_graph(key), "a": node}, reasoning="none")
    if not res.rows:
        return None
    first = res.rows[0]
    people = sorted({str(r["creator"]) for r in res.rows if r.get("creator") is not None})
    pubs = sorted({str(r["publisher"]) for r in res.rows if r.get("publisher") is not None})
    names = labels(store, people + pubs)
    files = sorted({(str(r["file"]), str(r["sha"])) for r in res.rows if r.get("file") is not None})
    get = lambda k: str(first[k]) if first.get(k) is not None else None
    return {
        "iri": str(node), "title": get("title"), "issued": get("issued"), "precision": get("prec"),
        "derivation": get("deriv"), "genre": get("genre"), "seed": get("seed"),
        "authors": [(p, names.get(p, local_name(p))) for p in people],
        "publishers": [(p, names.get(p, local_name(p))) for p in pubs],
        "files": files, "build": get("version"), "built": get("ended"), "graph": str(article_graph(key)),
        "run": get("run"),
    }

