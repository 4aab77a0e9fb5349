"""Whole-dataset dumps written from a release's ``dataset.nq`` (pyoxigraph's parser and writers).

Quad formats (N-Quads, TriG, JSON-LD) keep the named graphs; triple formats (Turtle, N-Triples)
merge them, as ``crisiskg export`` does. The parser is used, not the store: the store turns derived
integer types (``xsd:nonNegativeInteger``) into ``xsd:integer``, a dump keeps them as published.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox

from crisiskg.vocab import PREFIXES

# format key -> (file name in /dumps, media type)
DUMPS = {
    "nq": ("crisiskg.nq", "application/n-quads"),
    "trig": ("crisiskg.trig", "application/trig"),
    "jsonld": ("crisiskg.jsonld", "application/ld+json"),
    "ttl": ("crisiskg.ttl", "text/turtle"),
    "nt": ("crisiskg.nt", "application/n-triples"),
}
# the release's schema files served beside the data
SCHEMA_FILES = {"ontology.ttl": "crisiskg.ttl", "cameo.ttl": "cameo.ttl", "shapes.ttl": "shapes.ttl"}
_WRITERS = {"trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
# pyoxigraph escapes "/" in prefixed local names (id:entity\/x); leave the path-like prefixes out
_PREFIXES = {p: u for p, u in PREFIXES.items() if p not in ("id", "graph")}


def dump(dataset_file: Path, fmt: str) -> bytes:
    """The dataset in ``fmt`` (a key of :data:`DUMPS`)."""
    if fmt == "nq":
        return dataset_file.read_bytes()
    quads = list(ox.parse(path=str(dataset_file), format=ox.RdfFormat.N_QUADS))
    out = io.BytesIO()
    prefixes = _PREFIXES if fmt in ("ttl", "trig") else None
    if fmt in ("trig", "jsonld"):
        ox.serialize(quads, out, _WRITERS[fmt], prefixes=prefixes)
    else:
        triples = list(dict.fromkeys(q.triple for q in quads))
        ox.serialize(triples, out, _WRITERS[fmt], prefixes=prefixes)
    return out.getvalue()
