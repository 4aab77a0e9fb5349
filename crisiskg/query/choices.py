"""The valid values of an IRI parameter, read from the store: the instances of its class(es) with
their keys, labels and aliases (cached per store), and the check of a value that names its IRI by
itself (an IRI, a CURIE or a key) against the class's instances, read once per store and then looked
up in memory: no query per request, and no listing.

A value is matched against each instance's IRI, ``<IRI>``, CURIE and key; then its labels and
aliases (rdfs:label, skos:prefLabel, skos:altLabel, any case); then its key in any case. A label or
alias that several instances share is refused with the candidates (:class:`Ambiguous`).
"""

from __future__ import annotations

import difflib
import functools
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from rdflib import URIRef
from rdflib.term import Node

from crisiskg.errors import ParameterError, QueryError
from crisiskg.query.store import Store
from crisiskg.vocab import GEONAMES, ID, PREFIXES, local_name, shorten

_IRI_CHARS = re.compile(r'^[^\s<>"{}|\\^`]+$')
LISTED = 50  # valid choices named in an error message


def expand(curie: str) -> URIRef:
    """A CURIE with a known prefix (``ckg:Country``) or an absolute IRI, as a URIRef."""
    text = curie.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text) or not _IRI_CHARS.match(text):
        raise QueryError(f"{curie!r} is not an IRI or a CURIE with a known prefix ({', '.join(PREFIXES)})")
    return URIRef(text)


def key_of(iri: str) -> str:
    """The short key of a minted or ontology IRI: ``.../id/entity/iraq`` -> ``iraq``, ``ckg:Tweet`` -> ``Tweet``."""
    return local_name(iri)


def nearest(value: str, choices: list[str]) -> str | None:
    """The closest choice to ``value`` (case-insensitive), or None."""
    lowered = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.5)
    return lowered[found[0]] if found else None




@dataclass(frozen=True)
class Choice:
    """One valid value of a parameter: the key to type, the RDF term it binds, its label, and the
    other names it goes by (aliases: skos:altLabel, skos:prefLabel)."""

    key: str
    term: Node
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """The choice as a list shows it: the key, with the label when it says more than the key
        (``id:article/000/author (author of article 000)``, but ``iraq``)."""
        same = " ".join(self.label.lower().split()) == self.key.replace("-", " ").lower()
        return self.key if same or not self.label else f"{self.key} ({self.label})"

    def named(self, text: str) -> bool:
        """Whether ``text`` is this choice's label or one of its aliases (any case, spaces folded)."""
        folded = _folded(text)
        return any(folded == _folded(n) for n in (self.label, *self.aliases))


class Ambiguous(ParameterError):
    """A label or alias that names several instances; ``candidates`` are their choices."""

    def __init__(self, message: str, candidates: tuple[Choice, ...]):
        super().__init__(message)
        self.candidates = candidates


_CHOICES: weakref.WeakKeyDictionary[Store, dict[tuple[str, ...], Choices]] = weakref.WeakKeyDictionary()
_CHOICES_QUERY = """
SELECT ?item (MIN(STR(?l)) AS ?label) (GROUP_CONCAT(DISTINCT STR(?a); separator="\\n") AS ?aliases) WHERE {
  ?item rdf:type/rdfs:subClassOf* ?class .
  OPTIONAL { ?item rdfs:label ?l }
  OPTIONAL { ?item skos:altLabel|skos:prefLabel ?a }
  FILTER(isIRI(?item))
} GROUP BY ?item ORDER BY ?item
"""
# The instances of the class(es) as one set per store (IRIs as text), read once with the same class
# test as _CHOICES_QUERY (rdf:type/rdfs:subClassOf*, with reasoning "owlrl") but no labels: a value that
# names its IRI by itself is then checked in memory, with no query per request (the store's data never
# changes: a new build is a new Store).
_INSTANCES: weakref.WeakKeyDictionary[Store, dict[tuple[str, ...], frozenset[str]]] = weakref.WeakKeyDictionary()
_INSTANCES_QUERY = """
SELECT DISTINCT ?item WHERE {
  ?item rdf:type/rdfs:subClassOf* ?class .
  FILTER(isIRI(?item))
}
"""
# Where a key (a local name: ``iraq``, ``soleimani-killing-2020-01-03``) may stand for an IRI without a
# listing: the top-level segments of the id namespace that loaders/iris.py mints (``id:<segment>/<key>``)
# and every known namespace (``id:``, ``ckg:``, ``cameo:``, ``wd:``, GeoNames). A key is resolved at once
# only when exactly one of these IRIs is an instance: all are asked, so a key two of them share falls
# back to the listing. (An instance outside them with the same last segment, which the listing would
# count, is not seen: the build mints none but those of _NESTED_KEYS.)
_ID_SEGMENTS = ("entity", "event", "proposition", "stance", "article", "claim", "role", "build", "input")
_KEY_NAMESPACES = tuple(dict.fromkeys([str(ID) + seg + "/" for seg in _ID_SEGMENTS] + list(PREFIXES.values()) + [str(GEONAMES)]))
# Local names that loaders/iris.py mints below another IRI (``id:article/000/author``,
# ``id:entity/baghdad/geometry``), which the namespaces above cannot see: such a key falls back.
_NESTED_KEYS = frozenset({"author", "geometry"})
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
_BARE_IRI = re.compile(r"^(https?)://\S+$", re.IGNORECASE)


def _lookup(text: str) -> tuple[list[str], list[str]] | None:
    """(candidates, guards), IRIs as text, for a value that names its IRI by itself: an IRI
    (``<...>`` or bare ``http...``), a CURIE, or a key; None for anything else (a label, say). The
    value stands for a candidate when exactly one candidate, and no guard, is an instance of the
    class(es): then :meth:`Param._iri`'s listing gives that candidate for it too (the listing matches
    a value against each instance's IRI, ``<IRI>``, CURIE and key, in that order, before any label).
    A guard is an IRI the listing would also match the value to, were it an instance. The texts are
    not checked as IRIs: one that is not valid is no instance (no store holds an invalid IRI)."""
    if text.startswith("<") and text.endswith(">"):  # only <IRI> matches <...>
        return [text[1:-1]], []
    m = _BARE_IRI.match(text)
    if m:  # an http IRI is only itself: keys have no '/', CURIEs no http: prefix
        return None if m.group(1) in PREFIXES else ([text], [])
    prefix, sep, local = text.partition(":")
    if sep:  # a CURIE, as the listing writes it (the longest prefix); or the IRI it spells
        if prefix not in PREFIXES or local.startswith("//"):
            return None
        iri = PREFIXES[prefix] + local
        if shorten(iri) != text:
            return None
        # guards: the IRI the CURIE spells ('ckg:Event', scheme ckg), and IRIs whose key it would be
        return [iri], [text] + ([ns + text for ns in _KEY_NAMESPACES] if "/" not in text and "#" not in text else [])
    if not _KEY.match(text) or text in _NESTED_KEYS:
        return None
    return [ns + text for ns in _KEY_NAMESPACES], [ns + text + "/" for ns in _KEY_NAMESPACES]  # key_of drops a final '/'


def class_instances(store: Store, classes: tuple[str, ...] | str) -> frozenset[str]:
    """The IRIs (as text) of the instances of ``classes`` in ``store``: one query the first time,
    then kept with the store."""
    cls = (classes,) if isinstance(classes, str) else tuple(classes)
    cache = _INSTANCES.setdefault(store, {})
    found = cache.get(cls)
    if found is None and cls in _CHOICES.get(store, {}):  # the listing has them already
        found = cache[cls] = frozenset(str(c.term) for c in _CHOICES[store][cls])
    if found is None:
        bound = cast(Mapping[str, Node], {"class": [expand(c) for c in cls]})
        res = store.query(_INSTANCES_QUERY, bindings=bound, reasoning="owlrl")
        found = cache[cls] = frozenset(term.value for term in res.column(0))
    return found


def quick_instance(store: Store, classes: tuple[str, ...] | str, text: str) -> URIRef | None:
    """The IRI ``text`` names if it is an instance of ``classes`` in ``store``, looked up in the
    class's instances (:func:`class_instances`, no query once read); None if it is not, or if only
    the listing (:func:`class_choices`) can say (a label, a key that several IRIs share)."""
    lookup = _lookup(text)
    if lookup is None:
        return None
    candidates, guards = lookup
    found = class_instances(store, classes)
    hits = [c for c in candidates if c in found]
    if len(hits) != 1 or any(g in found for g in guards):
        return None
    return URIRef(hits[0])


def class_choices(store: Store, classes: tuple[str, ...] | str) -> Choices:
    """The instances of ``classes`` (CURIEs or IRIs) in ``store``, with their keys and labels; cached per store."""
    cache = _CHOICES.setdefault(store, {})
    cls = (classes,) if isinstance(classes, str) else tuple(classes)
    if cls not in cache:
        classes_bound = cast(Mapping[str, Node], {"class": [expand(c) for c in cls]})  # bind_values takes lists too
        res = store.query(_CHOICES_QUERY, bindings=classes_bound, reasoning="owlrl")
        rows = [(item, str(r["label"]) if r.get("label") is not None else key_of(str(item)),
                 tuple(a for a in str(r.get("aliases") or "").split("\n") if a))
                for r in res.rows if (item := r["item"]) is not None]
        counts: dict[str, int] = {}
        for item, _, _ in rows:
            counts[key_of(str(item))] = counts.get(key_of(str(item)), 0) + 1
        cache[cls] = Choices(Choice(key_of(str(item)) if counts[key_of(str(item))] == 1 else shorten(str(item)), item, label,
                                  tuple(a for a in aliases if a != label))
                           for item, label, aliases in rows)
    return cache[cls]


class _Index:
    """The lookups :func:`find` makes in a tuple of choices, made once: each way of writing a choice
    exactly (its IRI, ``<IRI>``, CURIE and key) to the first choice so written; each label and alias
    (any case, spaces folded), and each key in lower case, to the choices it names, in order."""

    def __init__(self, options: tuple[Choice, ...]):
        self.exact: dict[str, Choice] = {}
        self.named: dict[str, list[Choice]] = {}
        self.keys: dict[str, list[Choice]] = {}
        for opt in options:
            iri = str(opt.term)
            for form in (iri, f"<{iri}>", shorten(iri), opt.key):
                self.exact.setdefault(form, opt)
            for name in dict.fromkeys(_folded(n) for n in (opt.label, *opt.aliases)):
                self.named.setdefault(name, []).append(opt)
            self.keys.setdefault(opt.key.lower(), []).append(opt)


def _folded(text: str) -> str:
    return " ".join(text.lower().split())


class Choices(tuple[Choice, ...]):
    """A class's instances as choices, as :func:`class_choices` lists them once per store, with the
    index :func:`find` looks a value up in: made the first time it is needed, kept with the listing
    (and pickled without it)."""

    @functools.cached_property
    def lookup(self) -> _Index:
        """The index (``tuple.index`` keeps its meaning)."""
        return _Index(self)

    def __reduce__(self) -> tuple[type[Choices], tuple[tuple[Choice, ...]]]:
        return Choices, (tuple(self),)


def find(options: tuple[Choice, ...], value: str, *, what: str = "values") -> Choice | None:
    """The choice ``value`` names among ``options``: by its IRI, ``<IRI>``, CURIE or key; then by a
    label or alias; then by its key in any case. None when none does; :class:`Ambiguous` when a
    label, an alias or a key in another case names several (``what`` names them in its message).
    A class's instances (:class:`Choices`) are looked up through their index; other choices are read one by one."""
    exact, matches = _indexed(options, value.strip()) if isinstance(options, Choices) else _scanned(options, value.strip())
    if exact is not None:
        return exact
    for match in matches:
        if len(match) == 1:
            return match[0]
        if match:
            raise Ambiguous(f"{value!r} names {len(match)} {what}: {', '.join(f'{o.key} ({o.label})' for o in match)}; "
                            f"give the id of the one you mean", tuple(match))
    return None


Found = tuple[Choice | None, tuple[list[Choice], list[Choice]]]  # the choice written exactly, else those named and those keyed


def _scanned(options: tuple[Choice, ...], text: str) -> Found:
    """What :func:`find` needs, reading each choice."""
    for opt in options:
        if text in (str(opt.term), f"<{opt.term}>", shorten(str(opt.term)), opt.key):
            return opt, ([], [])
    return None, ([o for o in options if o.named(text)], [o for o in options if o.key.lower() == text.lower()])


def _indexed(options: Choices, text: str) -> Found:
    """What :func:`find` needs, from the choices' index (the same as :func:`_scanned`)."""
    index = options.lookup
    exact = index.exact.get(text)
    if exact is not None:
        return exact, ([], [])
    return None, (index.named.get(_folded(text), []), index.keys.get(text.lower(), []))


