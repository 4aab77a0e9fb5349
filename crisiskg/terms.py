"""Converting RDF terms between rdflib and pyoxigraph, one at a time or in bulk (a leaf module: every
stage may use it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from crisiskg.errors import QueryError


def to_rdflib(term: Any) -> Node | None:
    """A pyoxigraph term as an rdflib term (None stays None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise QueryError(f"unsupported term {term!r}")


def to_oxigraph(term: Node) -> Any:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"cannot bind {term!r}")


def solutions(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The rows of a SELECT ``query`` on ``store`` (TypeError for an ASK or CONSTRUCT)."""
    result = store.query(query)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query[:60]!r}")
    return result


def quads_matching(store: Any, subject: Any, predicate: Any, obj: Any, graph: Any) -> Iterator[Any]:
    """``store.quads_for_pattern(...)``, checked: on an on-disk pyoxigraph store (0.5.13), a
    pattern whose object is an xsd:integer literal the store does not hold also yields the quads
    after it in the index (objects 4864, 4959... for 4863); only quads whose object is ``obj``
    are kept."""
    found = store.quads_for_pattern(subject, predicate, obj, graph)
    if not isinstance(obj, ox.Literal):
        return iter(found)
    return (q for q in found if q.object == obj)


def holds(store: Any, subject: Any, predicate: Any, obj: Any, graph: Any) -> bool:
    """Whether ``store`` has a quad matching the pattern (see :func:`quads_matching`)."""
    return next(quads_matching(store, subject, predicate, obj, graph), None) is not None


# ---------------------------------------------------------------- in bulk

def to_quads(triples: Iterable[tuple[Any, Any, Any]]) -> Iterable[Any]:
    """rdflib triples as pyoxigraph quads in the default graph (terms converted once each)."""
    cache: dict[Any, Any] = {}

    def conv(t: Any) -> Any:
        try:
            return cache[t]
        except KeyError:
            pass
        if isinstance(t, URIRef):
            out: Any = ox.NamedNode(str(t))
        elif isinstance(t, BNode):
            out = ox.BlankNode(str(t))
        elif isinstance(t, Literal):
            if t.language:
                out = ox.Literal(str(t), language=t.language)
            elif t.datatype:
                out = ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
            else:
                out = ox.Literal(str(t))
        else:
            raise TypeError(f"cannot convert {t!r}")
        if not isinstance(t, Literal) or len(str(t)) < 200:
            cache[t] = out
        return out

    for s, p, o in triples:
        yield ox.Quad(conv(s), conv(p), conv(o))


def to_rdflib_triples(triples: Iterable[tuple[Any, Any, Any]]) -> Iterable[tuple[Any, Any, Any]]:
    """pyoxigraph triples as rdflib triples."""
    cache: dict[Any, Any] = {}

    def conv(t: Any) -> Any:
        key = (type(t), str(t))
        try:
            return cache[key]
        except KeyError:
            out = cache[key] = to_rdflib(t)
            return out

    for s, p, o in triples:
        yield conv(s), conv(p), conv(o)
