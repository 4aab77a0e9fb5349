"""SHACL value rules as pyshacl has them (sh:datatype, sh:nodeKind, sh:pattern, ranges, sh:in),
each a test of one rdflib term, for the compiled shapes (:mod:`crisiskg.build.shacl`) to run once
per distinct value."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from crisiskg.vocab import SH

ValueTest = Callable[[Any], bool]  # an rdflib term -> does it conform?

_VALUE_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: dt.date, XSD.time: dt.time, XSD.dateTime: dt.datetime,
}
"""The Python value rdflib must have parsed a literal of these datatypes to; pyshacl's datatype
check is this test (``isinstance``, so a bool passes as an integer and a datetime as a date), and
passes every other datatype. ``tests/test_shapes.py`` holds it to pyshacl's own check, which is
not imported here: importing pyshacl costs more than validating one new article."""


def _actual_datatype(v: Literal, dtype: URIRef) -> bool:
    """Whether ``v``'s value is what pyshacl's sh:datatype check wants for ``dtype``."""
    wanted = _VALUE_TYPES.get(dtype)
    return wanted is None or isinstance(v.value, wanted)


def _datatype_test(dtype: URIRef) -> ValueTest:
    def test(v: Any) -> bool:
        if not isinstance(v, Literal):
            return False
        if v.datatype == dtype:
            return getattr(v, "ill_typed", None) is not True and _actual_datatype(v, dtype)
        if dtype == RDFS.Literal:
            return True
        if dtype == RDFS.Datatype and v.datatype:
            return True
        if v.datatype is None and v.language is None and dtype == XSD.string:
            return _actual_datatype(v, dtype)
        if dtype == RDF.langString and v.language:
            return _actual_datatype(v, dtype)
        return False

    return test


def _node_kind_test(kind: URIRef) -> ValueTest:
    allowed = {SH.BlankNode: (BNode,), SH.IRI: (URIRef,), SH.Literal: (Literal,), SH.BlankNodeOrIRI: (BNode, URIRef),
               SH.BlankNodeOrLiteral: (BNode, Literal), SH.IRIOrLiteral: (URIRef, Literal)}[kind]
    return lambda v: isinstance(v, allowed)


def _pattern_test(pattern: str, flags: str) -> ValueTest:
    bits = 0
    for ch, bit in (("i", re.IGNORECASE), ("s", re.DOTALL), ("m", re.MULTILINE), ("x", re.VERBOSE)):
        if ch in flags:
            bits |= bit
    rx = re.compile(pattern, bits)
    return lambda v: not isinstance(v, BNode) and bool(rx.match(str(v)) or rx.search(str(v)))


def _range_test(bound: Literal, ok: Callable[[int], bool]) -> ValueTest:
    bound_is_string = isinstance(bound.value, str)

    def test(v: Any) -> bool:
        if not isinstance(v, Literal) or isinstance(v.value, str) != bound_is_string:
            return False
        try:
            return ok(_compare(v, bound))
        except (TypeError, NotImplementedError):
            return False

    return test


def _compare(value: Literal, bound: Literal) -> int:
    """-1, 0 or 1 as pyshacl's ``compare_literal`` orders ``value`` against ``bound``: two
    well-typed integers of one datatype by their values here (tested against pyshacl's in
    ``tests/test_shapes.py``), anything else by pyshacl's own function (imported on first use)."""
    a, b = value.value, bound.value
    if (value.datatype == bound.datatype and type(a) is int and type(b) is int
            and getattr(value, "ill_typed", None) is not True and getattr(bound, "ill_typed", None) is not True):
        return (a > b) - (a < b)
    from pyshacl.rdfutil import compare_literal

    return int(compare_literal(value, bound))


def _value_test(shapes: Graph, prop_shape: Any, key: URIRef, arg: Any) -> ValueTest:
    if key == SH.datatype:
        return _datatype_test(arg)
    if key == SH["in"]:
        members = set(Collection(shapes, arg))
        return lambda v: v in members
    if key == SH.nodeKind:
        return _node_kind_test(arg)
    if key == SH.pattern:
        return _pattern_test(str(arg), str(shapes.value(prop_shape, SH.flags) or ""))
    ok = {SH.minInclusive: lambda c: c >= 0, SH.maxInclusive: lambda c: c <= 0,
          SH.minExclusive: lambda c: c > 0, SH.maxExclusive: lambda c: c < 0}[key]
    return _range_test(arg, ok)
