"""The article reader: the verbatim text with every annotated span highlighted by kind and linked.

:func:`article_spans` reads the spans of one article's named graph (mentions, the evidence of
events and their counts, stances, claims, roles and unnamed sources, the words that attribute a
count or claim to whoever gives it, headline, furniture, captions); :func:`markup` turns the text
and spans into nested, valid HTML: where two spans cross, the inner one is closed and reopened, so
every element still nests. Mentions are links to their entity; the other kinds carry a small link
marker at their start (links never nest).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from crisiskg.query.names import labels, synthetic_labels
from crisiskg.query.store import Store
from crisiskg.service.ui_data import date_pattern, local_name, span_parts, when_of
from crisiskg.vocab import ID, article_graph

KINDS = ("headline", "furniture", "caption", "event", "stance", "claim", "role", "source", "attribution", "mention")
KIND_LABELS = {
    "mention": "entity mention", "event": "event", "stance": "stance", "claim": "claim", "role": "role or affiliation",
    "source": "unnamed source", "attribution": "who says it (attribution)",
    "headline": "headline", "furniture": "page furniture (not content)", "caption": "image caption",
}
_MARKER = {"event": "E", "stance": "S", "claim": "C", "role": "R", "source": "U", "attribution": "A"}
_COUNTS = ("CasualtyCount", "MunitionCount", "Count", "DamageReport")
_OWNER_KIND = {"Stance": "stance", "Claim": "claim", "AnyActorClaim": "claim", "Role": "role", "UnnamedSource": "source",
               **{c: "event" for c in _COUNTS}}
_PART_KIND = {"Headline": "headline", "Furniture": "furniture", "Caption": "caption"}

# the owner of a span: what it is evidence of (a count or damage report stands for its event), or
# whose attribution words it is (ckg:attributionEvidence: "According to US and Iraqi officials")
_SPANS = """
SELECT ?span ?ref ?part ?owner ?otype ?event ?attributes ?method WHERE {
  GRAPH ?g {
    ?span a nif:Phrase ; nif:beginIndex ?b ; nif:endIndex ?e ; nif:referenceContext ?ctx .  # not a mention's nif:Sentence
    OPTIONAL { ?span nif:taIdentRef ?ref }
    OPTIONAL { ?span rdf:type ?part FILTER(?part IN (ckg:Headline, ckg:Furniture, ckg:Caption)) }
    OPTIONAL { ?owner ckg:evidence ?span . ?owner rdf:type ?otype
               OPTIONAL { ?event ckg:casualties|ckg:munitions|ckg:counts|ckg:damage ?owner } }
    OPTIONAL { ?attributes ckg:attributionEvidence ?span }
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
        for k in ("stance", "claim", "event", "role", "source", "attribution", "headline", "caption", "furniture", "mention",
                  "target"):
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
        if r.get("attributes") is not None:
            ann.kinds.add("attribution")
            ann.targets.setdefault(str(r["attributes"]), "attribution")
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


def tooltip(kind: str, name: str) -> str:
    """"stance: Jane Roe: against — X" for a passage's target, never "stance: stance: ..." (a
    stance's, claim's or role's own label already starts with its kind)."""
    label = KIND_LABELS.get(kind, kind)
    return name if name.lower().startswith((kind + ": ", label.lower() + ": ")) else f"{label}: {name}"


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
        title = "; ".join(tooltip(k, names.get(t, local_name(t))) for t, k in a.targets.items())
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
    """Metadata and provenance of article ``key``: title, publication date as written (with its
    precision, first and last possible day, and how it was derived), genre, publisher, authors,
    unnamed sources, seed file, the source files with their SHA-256, the build that made it."""
    node = ID[f"article/{key}"]
    res = store.query("""
SELECT ?title ?value ?prec ?deriv ?early ?late ?genre ?seed ?publisher ?creator ?file ?sha ?run ?version ?ended WHERE {
  GRAPH ?g { ?a dct:title ?title OPTIONAL { """ + date_pattern("?a") + """ }
             OPTIONAL { ?a ckg:genre ?genre } OPTIONAL { ?a ckg:seedFile ?seed }
             OPTIONAL { ?a dct:publisher ?publisher } OPTIONAL { ?a dct:creator ?creator } }
  OPTIONAL { GRAPH graph:provenance { { ?g prov:wasDerivedFrom ?in } UNION { ?a prov:wasDerivedFrom ?in }
             ?in ckg:seedFile ?file ; ckg:sha256 ?sha .
             OPTIONAL { ?run ckg:buildVersion ?version OPTIONAL { ?run prov:endedAtTime ?ended } } } }
}""", bindings={"g": article_graph(key), "a": node}, reasoning="none")
    if not res.rows:
        return None
    first = res.rows[0]
    people = sorted({str(r["creator"]) for r in res.rows if r.get("creator") is not None})
    pubs = sorted({str(r["publisher"]) for r in res.rows if r.get("publisher") is not None})
    srcs = store.query("SELECT ?s WHERE { GRAPH ?g { ?s a ckg:UnnamedSource ; ckg:sourceIn ?a } } ORDER BY ?s",
                       bindings={"g": article_graph(key), "a": node}, reasoning="none")
    sources = [str(r["s"]) for r in srcs.rows]
    names = labels(store, people + pubs + sources)
    files = sorted({(str(r["file"]), str(r["sha"])) for r in res.rows if r.get("file") is not None})
    get = lambda k: str(first[k]) if first.get(k) is not None else None
    when = when_of(first)
    return {
        "iri": str(node), "title": get("title"), "issued": when.value if when else None, "when": when,
        "precision": when.precision if when else None, "derivation": when.derivation if when else None,
        "genre": get("genre"), "seed": get("seed"),
        "authors": [(p, names.get(p, local_name(p))) for p in people],
        "publishers": [(p, names.get(p, local_name(p))) for p in pubs],
        # an unnamed source's label is its description and its article; here, in its article, the description
        "sources": [(s, names.get(s, local_name(s)).removesuffix(f" (unnamed source in article {key})")) for s in sources],
        "files": files, "build": get("version"), "built": get("ended"), "graph": str(article_graph(key)),
        "run": get("run"),
    }
