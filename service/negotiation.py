"""Content negotiation: the media types each kind of answer comes in, and choosing one.

The tables map a media type to the format key that :meth:`crisiskg.query.results.Result.serialize`
understands; the first entry of a table is the default (when the client accepts anything).
``choose`` follows RFC 9110: for each offered type the most specific matching range of the
``Accept`` header gives its quality, ``q=0`` excludes, ties go to the server's order.
A ``_format`` request parameter (a format key, or ``html``) overrides ``Accept``.
"""

from __future__ import annotations

from dataclasses import dataclass

HTML = "text/html"

# kind of answer -> [(media type, format key)], preferred first
RESULTS = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
]
RDF = [
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "xml"),
    ("application/trig", "trig"),
    ("application/n-quads", "nq"),
    ("application/x-turtle", "ttl"),
    ("text/plain", "nt"),
    ("application/json", "jsonld"),
    ("application/xml", "xml"),
]
DATASET = [  # whole datasets (quads): dumps
    ("application/n-quads", "nq"),
    ("application/trig", "trig"),
    ("application/ld+json", "jsonld"),
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
]
TABLES = {"select": RESULTS, "ask": RESULTS, "graph": RDF}
# format key -> the media type it is served as
MEDIA_TYPE = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml", "trig": "application/trig", "nq": "application/n-quads", "html": HTML,
}
EXTENSIONS = {"ttl": "ttl", "nt": "nt", "nq": "nq", "trig": "trig", "jsonld": "jsonld", "rdfxml": "rdf", "xml": "xml",
              "json": "json", "csv": "csv", "tsv": "tsv"}


def media_type_of(fmt: str, kind: str) -> str:
    """The media type served for format key ``fmt`` of an answer of ``kind`` (select/ask/graph/dataset)."""
    if fmt == "xml" and kind in ("graph", "dataset"):
        return "application/rdf+xml"
    return MEDIA_TYPE[fmt]


@dataclass(frozen=True)
class Range:
    """One media range of an Accept header."""

    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return 0 if self.type == "*" else 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type in ("*", t)) and (self.subtype in ("*", s))


def parse_accept(header: str | None) -> list[Range]:
    """The ranges of an Accept header; a missing or empty header accepts everything. Malformed
    entries are skipped (RFC 9110 lets a server ignore what it cannot parse)."""
    if not header or not header.strip():
        return [Range("*", "*", 1.0)]
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if mtype == "*":
            mtype = "*/*"
        t, slash, s = mtype.partition("/")
        if not slash or not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        for f in fields[1:]:
            key, _, value = f.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        out.append(Range(t, s, q))
    return out


def quality(ranges: list[Range], media_type: str) -> float:
    """The quality the client gives ``media_type``: that of its most specific matching range."""
    best: Range | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def choose(accept: str | None, offers: list[str]) -> str | None:
    """The offered media type the client prefers, or None when it accepts none of them (406)."""
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_q:
            best, best_q = offer, q
    return best


def negotiate(accept: str | None, table: list[tuple[str, str]], *, html: bool = False) -> tuple[str, str] | None:
    """(media type, format key) for ``accept`` from ``table`` (plus HTML, offered last, when
    ``html``), or None when nothing acceptable is offered."""
    offers = [m for m, _ in table] + ([HTML] if html else [])
    chosen = choose(accept, offers)
    if chosen is None:
        return None
    if chosen == HTML:
        return HTML, "html"
    return chosen, dict(table)[chosen]


def by_format(fmt: str, table: list[tuple[str, str]], *, html: bool = False) -> tuple[str, str] | None:
    """(media type, format key) for an explicit ``_format`` key, or None when ``table`` lacks it."""
    if fmt == "html":
        return (HTML, "html") if html else None
    if fmt == "rdfxml":
        fmt = "xml"
    for media, key in table:
        if key == fmt:
            return media, key
    return None


def format_keys(table: list[tuple[str, str]], *, html: bool = False) -> list[str]:
    """The ``_format`` keys a table offers, for messages."""
    keys = list(dict.fromkeys(k for _, k in table))
    return keys + (["html"] if html else [])
