"""A saved question's typed parameters: :class:`Param` checks a value as typed and converts it to
the RDF term it binds (``iri``, ``date``, ``integer``, ``string``, ``enum``); an ``iri`` value is
checked against the store (:mod:`crisiskg.query.choices`), by id, IRI, CURIE, label or alias."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from crisiskg.errors import ParameterError
from crisiskg.query.choices import LISTED, Ambiguous, Choice, class_choices, find, key_of, nearest, quick_instance
from crisiskg.query.store import Store

PARAM_TYPES = ("iri", "date", "integer", "string", "enum")
_MAX_STRING = 500


@dataclass(frozen=True)
class Param:
    """One typed parameter of a saved query; it binds the SPARQL variable ``?name``."""

    name: str
    type: str
    description: str = ""
    default: str | None = None
    required: bool = True
    classes: tuple[str, ...] = ()  # iri: the class(es), as written (CURIEs); a value must be in one of them
    values: tuple[tuple[str, Node], ...] = ()  # enum: (choice, term)
    min: int | None = None
    max: int | None = None

    @property
    def cls(self) -> str | None:
        """The class(es) a value must belong to, for messages: ``ckg:Actor or ckg:Place``."""
        return " or ".join(self.classes) if self.classes else None

    @property
    def choices(self) -> tuple[str, ...]:
        """The enum's choices (empty for other types: their choices come from the store)."""
        return tuple(k for k, _ in self.values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description,
                               "required": self.required, "default": self.default}
        if self.classes:
            out["class"] = self.classes[0] if len(self.classes) == 1 else list(self.classes)
        if self.values:
            out["choices"] = list(self.choices)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out

    def convert(self, value: str, *, query_id: str, store: Store | None = None) -> Node:
        """``value`` (text, as typed) as the RDF term to bind; ParameterError if it is not valid."""
        where = f"saved query '{query_id}' parameter '{self.name}'"
        if not isinstance(value, str):
            raise ParameterError(f"{where}: expected text, got {value!r}")
        if self.type == "string":
            if len(value) > _MAX_STRING:
                raise ParameterError(f"{where}: the value is longer than {_MAX_STRING} characters")
            return Literal(value)
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d{1,12}", value.strip()):
                raise ParameterError(f"{where}: {value!r} is not an integer (e.g. 3)")
            n = int(value)
            if (self.min is not None and n < self.min) or (self.max is not None and n > self.max):
                raise ParameterError(f"{where}: {n} is out of range; choose {self.min} to {self.max}")
            return Literal(n, datatype=XSD.integer)
        if self.type == "date":
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                    raise ValueError(value)
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ParameterError(f"{where}: {value!r} is not a date; write YYYY-MM-DD (e.g. 2020-01-08)") from None
            return Literal(day.isoformat(), datatype=XSD.date)
        if self.type == "enum":
            for choice, term in self.values:
                if value == choice or value.lower() == choice.lower():
                    return term
            hint = nearest(value, list(self.choices))
            raise ParameterError(f"{where}: {value!r} is not a valid choice{f' (did you mean {hint!r}?)' if hint else ''}; "
                                 f"choose one of: {', '.join(self.choices)}")
        # iri
        if store is None:
            raise ParameterError(f"{where}: an IRI parameter needs a store to check its class")
        return self._iri(value, where, store)

    def _iri(self, value: str, where: str, store: Store) -> Node:
        found = quick_instance(store, self.classes, value.strip())  # in memory: the instances are read once per store
        if found is not None:
            return found
        return self.from_listing(value, where, store)

    def from_listing(self, value: str, where: str, store: Store) -> Node:
        """The check by the class listing (every instance, with keys, labels and aliases): ``value``
        as an IRI, ``<IRI>``, CURIE or key, then a label or alias, then a key in any case
        (:func:`crisiskg.query.choices.find`); ParameterError naming close and valid choices, with
        their labels, or the candidates when a label or alias names several. :meth:`_iri` gives the same answer, mostly without the listing."""
        text = value.strip()
        options = class_choices(store, self.classes)
        try:
            found = find(options, value, what=f"instances of {self.cls} in this build")
        except Ambiguous as exc:
            raise Ambiguous(f"{where}: {exc}", exc.candidates) from None
        if found is not None:
            return found.term
        keys = [o.key for o in options]
        hint = nearest(key_of(text), keys) or nearest(text, [o.label for o in options])
        listing = ", ".join(o.shown for o in options[:LISTED]) if keys else "(none in this build)"
        if len(keys) > LISTED:  # at scale there are thousands: the message names where to find them all
            listing += f" and {len(keys) - LISTED:,} more ('crisiskg query show' and the question's web page list them all)"
        article = "an" if str(self.cls).rsplit(":", 1)[-1][:1].lower() in "aeiou" else "a"
        raise ParameterError(f"{where}: {value!r} is not {article} {self.cls} in this build"
                             f"{f' (did you mean {hint!r}?)' if hint else ''}; valid choices: {listing}")



def param_choices(store: Store, param: Param) -> tuple[Choice, ...]:
    """The valid values of ``param``: its enum choices, or the store's instances of its class."""
    if param.type == "enum":
        return tuple(Choice(k, t, k) for k, t in param.values)
    if param.type == "iri":
        return class_choices(store, param.classes)
    return ()
