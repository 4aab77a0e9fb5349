"""Serialising the published dataset in the formats integrators ask for."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from crisiskg.build.publish import current, rdflib_dataset_io
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES

QUAD_FORMATS = {"nquads", "trig", "json-ld"}


def load_release_dataset(build_dir: Path | str) -> Dataset:
    """The published dataset as an rdflib Dataset."""
    ds = Dataset()
    with rdflib_dataset_io():
        ds.parse(current(build_dir).dataset_file, format="nquads")
    return ds


def export_dataset(build_dir: Path | str, fmt: str, *, inferred: bool = True) -> bytes:
    """The published dataset in ``fmt`` (an rdflib format name); triple formats merge graphs."""
    ds = load_release_dataset(build_dir)
    if not inferred:
        ds.remove_graph(ds.graph(INFERRED_GRAPH))
    target: Graph | Dataset
    if fmt in QUAD_FORMATS:
        target = ds
    else:
        target = Graph()
        for g in ds.graphs():
            for t in g:
                target.add(t)
    for prefix, uri in PREFIXES.items():
        target.bind(prefix, uri, override=True)
    with rdflib_dataset_io():
        out = target.serialize(format=fmt, encoding="utf-8")
    return out if isinstance(out, bytes) else out.encode("utf-8")
