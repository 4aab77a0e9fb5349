"""How big a build is, in the two counts people meet: quads and distinct triples.

A quad is a triple in one named graph; a triple two graphs state (an entity's label in the entities
graph and in an article's graph, an inferred triple also asserted elsewhere) is two quads. The
distinct triples are what ``SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }`` counts over the default
graph, the union of the named graphs. Both surfaces that report a size (``crisiskg stats``,
``/readyz``) give both, with :data:`EXPLAINED`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from crisiskg.query.store import Store

EXPLAINED = ("quads: triples counted once per named graph that holds them (the build's own count); "
             "distinct_triples: the union of the graphs, as SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } counts it")


@dataclass(frozen=True)
class Sizes:
    """A build's quads and distinct triples (asserted and inferred)."""

    quads: int
    distinct_triples: int

    @property
    def repeated(self) -> int:
        """Quads that repeat a triple another graph holds (beyond the first quad of each triple)."""
        return self.quads - self.distinct_triples


_SIZES: weakref.WeakKeyDictionary[Store, Sizes] = weakref.WeakKeyDictionary()


def sizes(store: Store) -> Sizes:
    """``store``'s quads and distinct triples, counted once per store (a store holds one build)."""
    if store not in _SIZES:
        row = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", reasoning="owlrl").rows[0]
        _SIZES[store] = Sizes(quads=len(store), distinct_triples=int(row["n"]))  # type: ignore[call-overload]
    return _SIZES[store]
