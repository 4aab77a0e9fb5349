"""The one export path: the published dataset in every format, canonical and compact. ``crisiskg
export`` and the service's ``/dumps`` both call :func:`export`, so they give the same bytes.

- Canonical: blank nodes get their RDF Dataset Canonicalization (RDFC-1.0) labels and quads are
  written in sorted order, so two exports of one build are byte-identical.
- As published: the release's ``dataset.nq`` is parsed, never loaded into a store (a store turns
  ``xsd:nonNegativeInteger`` into ``xsd:integer`` and ``-10.0`` into ``-10``); the N-Quads export
  of a release without blank nodes is its sorted lines.
- Compact: Turtle and TriG use the project's prefixes; JSON-LD is compacted with :data:`CONTEXT`,
  the context the service publishes at ``/context.jsonld``, given inline so that a reader needs no
  network.
- Triple formats (Turtle, N-Triples) merge the named graphs, each triple once.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.publish import current
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES

# format key -> (pyoxigraph writer or None for JSON-LD, keeps named graphs, media type)
FORMATS: dict[str, tuple[Any, bool, str]] = {
    "nq": (ox.RdfFormat.N_QUADS, True, "application/n-quads"),
    "trig": (ox.RdfFormat.TRIG, True, "application/trig"),
    "jsonld": (None, True, "application/ld+json"),
    "ttl": (ox.RdfFormat.TURTLE, False, "text/turtle"),
    "nt": (ox.RdfFormat.N_TRIPLES, False, "application/n-triples"),
}
# rdflib's names for them, as callers written for rdflib's serializer pass them
ALIASES = {"nquads": "nq", "json-ld": "jsonld", "turtle": "ttl", "ntriples": "nt", "nt11": "nt"}
# the JSON-LD context of every export, published by the service at /context.jsonld
CONTEXT: dict[str, str] = dict(sorted(PREFIXES.items()))
# pyoxigraph escapes "/" in prefixed local names (id:entity\/x); Turtle and TriG leave those prefixes out
_TURTLE_PREFIXES = {p: u for p, u in PREFIXES.items() if p not in ("id", "graph")}


def canonical_quads(dataset_file: Path, *, inferred: bool = True) -> list[Any]:
    """The quads of ``dataset_file`` (N-Quads) with canonical blank-node labels, sorted; without
    the inferred graph unless ``inferred``."""
    quads = ox.parse(path=str(dataset_file), format=ox.RdfFormat.N_QUADS)
    inferred_graph = ox.NamedNode(str(INFERRED_GRAPH))
    dataset = ox.Dataset(q for q in quads if inferred or q.graph_name != inferred_graph)
    if any(isinstance(t, ox.BlankNode) for q in dataset for t in (q.subject, q.object, q.graph_name)):
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=str)


def export(dataset_file: Path, fmt: str, *, inferred: bool = True) -> bytes:
    """The dataset in ``fmt`` (a key of :data:`FORMATS` or of :data:`ALIASES`): the same bytes for
    the same file. ValueError for an unknown format."""
    fmt = ALIASES.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ValueError(f"export format {fmt!r} is not known; choose one of: {', '.join(FORMATS)}")
    writer, keeps_graphs, _ = FORMATS[fmt]
    quads = canonical_quads(dataset_file, inferred=inferred)
    if writer is None:
        return _jsonld(quads)
    out = io.BytesIO()
    prefixes = _TURTLE_PREFIXES if fmt in ("ttl", "trig") else None
    if keeps_graphs:
        ox.serialize(quads, out, writer, prefixes=prefixes)
    else:
        ox.serialize(sorted({q.triple for q in quads}, key=str), out, writer, prefixes=prefixes)
    return out.getvalue()


def export_dataset(build_dir: Path | str, fmt: str, *, inferred: bool = True) -> bytes:
    """The current published build under ``build_dir`` in ``fmt`` (see :func:`export`)."""
    return export(current(build_dir).dataset_file, fmt, inferred=inferred)


def load_release_dataset(build_dir: Path | str) -> Any:
    """The published dataset as an rdflib Dataset."""
    from rdflib import Dataset

    from crisiskg.build.publish import rdflib_dataset_io

    ds = Dataset()
    with rdflib_dataset_io():
        ds.parse(current(build_dir).dataset_file, format="nquads")
    return ds


def _jsonld(quads: list[Any]) -> bytes:
    """JSON-LD compacted with :data:`CONTEXT` (rdflib's compaction), every array in a canonical order."""
    from rdflib import Dataset

    from crisiskg.build.publish import rdflib_dataset_io
    from crisiskg.terms import to_rdflib

    ds = Dataset()
    with rdflib_dataset_io():
        for q in quads:
            ds.graph(to_rdflib(q.graph_name)).add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))  # type: ignore[arg-type]
        text = ds.serialize(format="json-ld", context=CONTEXT, auto_compact=True)
    doc = _ordered(json.loads(text))
    doc["@context"] = CONTEXT
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1, separators=(",", ":")) + "\n").encode("utf-8")


def _ordered(value: Any) -> Any:
    """``value`` with every JSON array sorted (arrays of a compacted dataset are unordered sets:
    nodes, graphs and property values), but a ``@list`` keeps its order."""
    if isinstance(value, dict):
        return {k: [_ordered(v) for v in items] if k == "@list" else _ordered(items) for k, items in value.items()}
    if isinstance(value, list):
        items = [_ordered(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value
