"""The embedded store kinds: pyoxigraph in memory, or on disk read-only (a store ``push`` wrote, or
the release's own: :mod:`crisiskg.build.diskstore`).

They keep the union of the named graphs as a set: pyoxigraph 0.5 counts a triple once per named
graph in its union default graph (oxigraph#1919), so a triple two articles assert would be two rows.
The store's own default graph therefore holds a copy of the distinct union of the asserted graphs
(made at open for memory, at push or publish for an on-disk store), and a query reads that copy (plus the
inferred graph, which never repeats an asserted triple, unless ``reasoning="none"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from crisiskg.vocab import INFERRED_GRAPH

_UNION_COPY = f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERRED_GRAPH}>) }}"


def copy_union(store: Any) -> None:
    """Fill ``store``'s default graph with the distinct union of its asserted (not inferred) named
    graphs: a set, so a triple several graphs hold is there once (see the module docstring)."""
    store.update(_UNION_COPY)


class Embedded:
    """A pyoxigraph store in this process (in memory or on disk). ``union_copy`` says whether its
    default graph holds the asserted union (:func:`copy_union`; an on-disk store pushed before it
    existed does not, and is queried through pyoxigraph's union instead). ``shared`` says that it
    is a release's own on-disk store, read by every process that serves the release."""

    def __init__(self, store: Any, kind: str, quads: int | None = None, *, shared: bool = False):
        self.ox = store
        self.kind = kind
        self.shared = shared
        self.union_copy = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
        self._quads = quads if quads is not None or not self.union_copy else None
        self._inferred = [ox.DefaultGraph(), ox.NamedNode(str(INFERRED_GRAPH))]

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs())

    def count(self) -> int:
        """Quads in the named graphs (the default graph's copy is not counted)."""
        if self._quads is None:
            if not self.union_copy:
                return len(self.ox)
            copied = self.ox.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            self._quads = len(self.ox) - int(next(iter(copied))["n"].value)
        return self._quads

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None, base_iri: str | None,
              default: list[str] | None, named: list[str] | None, union: bool, reasoning: str | None = None) -> Any:
        """Evaluate; ``reasoning`` (the default dataset: the union, with or without the inferred
        graph) reads the default graph's copy when there is one; else ``union`` (default = every
        named graph, ``default`` lists them) wins over ``default``."""
        kwargs: dict[str, Any] = {}
        if reasoning is not None and self.union_copy:
            if reasoning == "owlrl":
                kwargs["default_graph"] = self._inferred
        elif union:
            kwargs["use_default_graph_as_union"] = True
        elif default is not None or named is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default or []]
            if named is not None:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in named]
        return self.ox.query(sparql, prefixes=prefixes, base_iri=base_iri, **kwargs)
