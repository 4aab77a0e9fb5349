"""What the store facade (:class:`crisiskg.query.store.Store`) asks of a store kind: the
:class:`Backend` protocol. :class:`crisiskg.query.embedded.Embedded` (pyoxigraph in this process)
and :class:`crisiskg.query.remote.Remote` (a SPARQL 1.1 server) implement it; mypy checks that they
do wherever one is given as a ``Backend``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Backend(Protocol):
    """A store the facade queries. ``kind`` names it as a store spec does (``memory``,
    ``oxigraph``, ``sparql``)."""

    kind: str

    def named_graphs(self) -> list[str]:
        """The build's named graphs, sorted."""
        ...

    def count(self) -> int:
        """Quads in the build's named graphs."""
        ...

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None, base_iri: str | None,
              default: list[str] | None, named: list[str] | None, union: bool, reasoning: str | None = None) -> Any:
        """Evaluate ``sparql`` and give the engine's answer (pyoxigraph's ``QuerySolutions``,
        ``QueryBoolean`` or triples). The dataset: ``reasoning`` (the union, with or without the
        inferred graph) when the kind keeps it ready, else ``union`` (every named graph), else the
        protocol's ``default`` and ``named`` graphs; all unset, the query's own FROM clauses."""
        ...
