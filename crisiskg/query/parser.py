"""A query read by the engine's own parser, on an empty store: the kind of answer it asks for, or its
syntax error.

The remote store kind chooses its ``Accept`` header by the kind (:mod:`crisiskg.query.remote`), and
:func:`crisiskg.query.store.check_syntax` reports a person's syntax error at their line and column;
both read a text this one way, so a syntax error is worded the same whichever asks.

    >>> answer_kind("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), answer_kind("ASK { ?s ?p ?o }")
    ('graph', 'results')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pyoxigraph as ox

_EMPTY = ox.Store()  # in memory and never written: queried from any thread at once


def answer_kind(sparql: str, *, prefixes: Mapping[str, str] | None = None, base_iri: str | None = None) -> Literal["graph", "results"]:
    """``"graph"`` when ``sparql`` asks for triples (CONSTRUCT, DESCRIBE), ``"results"`` for
    solutions or a boolean (SELECT, ASK). Raises the engine's SyntaxError when it is not valid
    SPARQL (``prefixes`` declared, relative IRIs resolved against ``base_iri``).

    Nothing is read from a store (this one is empty, and solutions and triples are read lazily);
    an ASK's answer is computed at once, from no data. The parsed query is dropped here, in this
    thread: pyoxigraph's answers may only be freed by the thread that made them, and one kept in a
    frame that an error's traceback holds would be freed by whichever thread next runs the garbage
    collector."""
    parsed = _EMPTY.query(sparql, prefixes=dict(prefixes) if prefixes is not None else None, base_iri=base_iri)
    graph = isinstance(parsed, ox.QueryTriples)
    del parsed
    return "graph" if graph else "results"
