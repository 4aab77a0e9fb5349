"""Saved competency questions: ``queries/<id>.rq``, parsed once into frozen dataclasses.

A saved query is a SPARQL file with a ``#+`` YAML header using grlc's keys (``summary``,
``description``, ``tags``, ``defaults``, ``enumerate``) plus ``params`` and ``view``::

    #+ summary: Events located in a given country
    #+ description: Every event whose place lies in the country (through containment).
    #+ tags: [events, places]
    #+ view: table
    #+ params:
    #+   - name: country
    #+     type: iri
    #+     class: ckg:Country
    #+     default: iraq
    #+     description: the country
    SELECT ... WHERE { ?event ckg:occurredIn ?country ... } ORDER BY ...

Parameter types: ``iri`` (with ``class``: the value must be an instance of that class in the store;
given as an IRI, a CURIE, an id such as ``iraq`` or a label), ``date`` (``YYYY-MM-DD``), ``integer``
(optional ``min``/``max``), ``string`` and ``enum`` (``choices``: a list of strings bound as plain
literals, or a mapping from each choice to the CURIE or IRI it stands for). A parameter binds the
SPARQL variable of the same name as an RDF term (a ``VALUES`` block written by
:func:`crisiskg.query.sparqltext.bind_values`), never as text. A parameter with neither a default nor
``required: false`` must be given.

``timeout`` (seconds, optional) lowers the server's time limit for this question; it never raises it.

Every surface (CLI, HTTP, OpenAPI) reads the same :class:`SavedQuery` objects from
:func:`load_queries`; :meth:`SavedQuery.bind` checks and converts values, raising
:class:`crisiskg.errors.ParameterError` with the valid parameters or choices.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from crisiskg.errors import ParameterError, QueryError
from crisiskg.query.results import Result
from crisiskg.query.store import Store
from crisiskg.terms import to_oxigraph
from crisiskg.vocab import GEONAMES, ID, PREFIXES, local_name, package_folder, shorten

QUERIES_DIR = package_folder("crisiskg.queries")
PARAM_TYPES = ("iri", "date", "integer", "string", "enum")
VIEWS = ("table", "timeline", "map", "graph")
HEADER_KEYS = ("summary", "description", "tags", "defaults", "enumerate", "params", "view", "timeout",
               "endpoint", "method", "pagination", "transform")  # the last four: grlc's, accepted, unused
PARAM_KEYS = ("name", "type", "class", "default", "description", "choices", "required", "min", "max")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI_CHARS = re.compile(r'^[^\s<>"{}|\\^`]+$')
_MAX_STRING = 500
_KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


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
    """One valid value of a parameter: the key to type, the RDF term it binds, and a label."""

    key: str
    term: Node
    label: str


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
        text = value.strip()
        if self.classes not in _CHOICES.get(store, {}):  # else the listing is at hand: no query at all
            found = quick_instance(store, self.classes, text)
            if found is not None:
                return found
        return self.from_listing(value, where, store)

    def from_listing(self, value: str, where: str, store: Store) -> Node:
        """The check by the class listing (every instance, with keys and labels): ``value`` as an
        IRI, ``<IRI>``, CURIE or key, then a label, then a key in any case; ParameterError naming
        close and valid choices. :meth:`_iri` gives the same answer, mostly without the listing."""
        text = value.strip()
        options = class_choices(store, self.classes)
        for opt in options:  # an IRI, a CURIE, an id or a label
            if text in (str(opt.term), f"<{opt.term}>", shorten(str(opt.term)), opt.key):
                return opt.term
        by_label = [o for o in options if o.label.lower() == text.lower()] or [o for o in options if o.key.lower() == text.lower()]
        if len(by_label) == 1:
            return by_label[0].term
        keys = [o.key for o in options]
        hint = nearest(key_of(text), keys) or nearest(text, [o.label for o in options])
        listing = ", ".join(keys[:LISTED]) if keys else "(none in this build)"
        if len(keys) > LISTED:  # at scale there are thousands: the message names where to find them all
            listing += f" and {len(keys) - LISTED:,} more ('crisiskg query show' and the question's web page list them all)"
        raise ParameterError(f"{where}: {value!r} is not a {self.cls} in this build"
                             f"{f' (did you mean {hint!r}?)' if hint else ''}; valid choices: {listing}")


@dataclass(frozen=True)
class SavedQuery:
    """One saved question: its header, typed parameters and SPARQL text (without the header)."""

    id: str
    summary: str
    description: str
    sparql: str
    kind: str  # select | ask | graph
    tags: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    enumerate: tuple[str, ...] = ()
    view: str = "table"
    file: str = ""
    timeout: float | None = None  # seconds; lowers the server's limit, never raises it

    @property
    def defaults(self) -> dict[str, str]:
        """grlc's ``defaults``: parameter name -> default value."""
        return {p.name: p.default for p in self.params if p.default is not None}

    @property
    def text(self) -> str:
        """The whole file: header and SPARQL."""
        return Path(self.file).read_text(encoding="utf-8") if self.file else self.sparql

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        hint = nearest(name, [p.name for p in self.params])
        takes = ", ".join(p.name for p in self.params) or "no parameters"
        raise ParameterError(f"saved query '{self.id}' has no parameter '{name}'"
                             f"{f' (did you mean {hint!r}?)' if hint else ''}; it takes: {takes}")

    def bind(self, values: Mapping[str, str] | None, store: Store | None = None) -> dict[str, Node]:
        """Check ``values`` (parameter name -> text) and convert them to RDF terms; defaults fill
        the rest. Raises ParameterError for an unknown, missing or bad parameter."""
        values = dict(values or {})
        for name in values:
            if name.startswith("_"):
                raise ParameterError(f"'{name}' is a system parameter, not one of saved query '{self.id}'")
            self.param(name)
        out: dict[str, Node] = {}
        for p in self.params:
            raw = values.get(p.name, p.default)
            if raw is None:
                if p.required:
                    raise ParameterError(f"saved query '{self.id}' needs parameter '{p.name}' ({p.type}"
                                         f"{' of class ' + p.cls if p.cls else ''}): {p.description}")
                continue
            out[p.name] = p.convert(raw, query_id=self.id, store=store)
        return out

    def run(self, store: Store, values: Mapping[str, str] | None = None, *, reasoning: str = "owlrl") -> Result:
        """Answer the question on ``store`` with ``values`` bound as RDF terms."""
        return store.query(self.sparql, bindings=self.bind(values, store), reasoning=reasoning)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "summary": self.summary, "description": self.description, "tags": list(self.tags),
                "view": self.view, "kind": self.kind, "params": [p.to_dict() for p in self.params],
                "defaults": self.defaults, "enumerate": list(self.enumerate),
                **({"timeout": self.timeout} if self.timeout is not None else {})}


# ------------------------------------------------------------------------------ parsing


def _problem(path: Path, message: str) -> QueryError:
    return QueryError(f"{path.name}: {message}")


def split_header(text: str) -> tuple[str, str]:
    """(YAML header, SPARQL) of a saved query file: the header is every leading ``#+`` line."""
    header, body, in_header = [], [], True
    for line in text.splitlines(keepends=True):
        if in_header and line.startswith("#+"):
            header.append(line[3:] if line.startswith("#+ ") else line[2:])
        else:
            in_header = False
            body.append(line)
    return "".join(header), "".join(body)


def _kind(sparql: str) -> str:
    stripped = re.sub(r"#[^\n]*", " ", sparql)
    stripped = re.sub(r"(?is)\b(PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)", " ", stripped)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", stripped, re.IGNORECASE)
    if not m:
        raise QueryError("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return _KINDS[m.group(1).upper()]


def subquery_spans(sparql: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every nested ``{ SELECT ... }`` group (comments and strings blanked)."""
    blank = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*', lambda m: " " * len(m.group(0)), sparql)
    spans = []
    for m in re.finditer(r"\{\s*SELECT\b", blank, re.IGNORECASE):
        depth, i = 0, m.start()
        while i < len(blank):
            depth += {"{": 1, "}": -1}.get(blank[i], 0)
            if depth == 0:
                break
            i += 1
        spans.append((m.start(), i + 1))
    return spans


def _param(path: Path, raw: Any, defaults: Mapping[str, Any], sparql: str) -> Param:
    if not isinstance(raw, dict) or "name" not in raw:
        raise _problem(path, f"each entry of 'params' is a mapping with a 'name', got {raw!r}")
    unknown = sorted(set(raw) - set(PARAM_KEYS))
    if unknown:
        raise _problem(path, f"parameter {raw['name']!r} has unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(PARAM_KEYS)}")
    name, ptype = str(raw["name"]), raw.get("type", "string")
    if not _NAME.match(name) or name.startswith("_"):
        raise _problem(path, f"parameter name {name!r} is not a SPARQL variable name (letters, digits, '_'; no leading '_')")
    if not re.search(rf"[?$]{name}\b", sparql):
        raise _problem(path, f"parameter {name!r} is not used as ?{name} in the query")
    for start, end in subquery_spans(sparql):
        if re.search(rf"[?$]{name}\b", sparql[start:end]):
            raise _problem(path, f"parameter {name!r} is used inside a sub-SELECT, where its binding is not seen "
                                 f"(parameters bind the top-level group); use it outside the sub-SELECT")
    if ptype not in PARAM_TYPES:
        hint = nearest(str(ptype), list(PARAM_TYPES))
        raise _problem(path, f"parameter {name!r} has unknown type {ptype!r}{f' (did you mean {hint!r}?)' if hint else ''}; "
                             f"types: {', '.join(PARAM_TYPES)}")
    default = raw.get("default", defaults.get(name))
    if "default" in raw and name in defaults and str(raw["default"]) != str(defaults[name]):
        raise _problem(path, f"parameter {name!r} has two different defaults ({raw['default']!r} and {defaults[name]!r})")
    values: tuple[tuple[str, Node], ...] = ()
    if ptype == "enum":
        choices = raw.get("choices")
        if isinstance(choices, dict):
            values = tuple((str(k), expand(str(v))) for k, v in choices.items())
        elif isinstance(choices, list) and choices:
            values = tuple((str(c), Literal(str(c))) for c in choices)
        else:
            raise _problem(path, f"enum parameter {name!r} needs 'choices' (a list, or a mapping choice -> CURIE)")
    raw_cls = raw.get("class")
    classes = tuple(str(c) for c in (raw_cls if isinstance(raw_cls, list) else [raw_cls] if raw_cls else []))
    if ptype == "iri":
        if not classes:
            raise _problem(path, f"iri parameter {name!r} needs a 'class' (e.g. ckg:Country, or a list of classes)")
        for c in classes:
            try:
                expand(c)
            except QueryError as exc:
                raise _problem(path, f"parameter {name!r}: {exc}") from None
    param = Param(name=name, type=ptype, description=str(raw.get("description", "")),
                  default=None if default is None else str(default),
                  required=bool(raw.get("required", True)) and default is None,
                  classes=classes, values=values, min=raw.get("min"), max=raw.get("max"))
    if param.default is not None and ptype != "iri":  # iri defaults are checked against a store
        try:
            param.convert(param.default, query_id=path.stem)
        except ParameterError as exc:
            raise _problem(path, f"bad default: {exc}") from None
    return param


def parse_query(path: Path | str) -> SavedQuery:
    """Parse one ``.rq`` file; QueryError names the file and what is wrong."""
    path = Path(path)
    qid = path.stem
    if not _ID.match(qid):
        raise _problem(path, "a saved query's file name is its id: lowercase words joined by '-'")
    header_text, sparql = split_header(path.read_text(encoding="utf-8"))
    try:
        header = yaml.safe_load(header_text) or {}
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date such as 2020-13-01
        raise _problem(path, f"the #+ header is not valid YAML: {exc}") from None
    if not isinstance(header, dict):
        raise _problem(path, "the #+ header must be a YAML mapping")
    unknown = sorted(set(header) - set(HEADER_KEYS))
    if unknown:
        raise _problem(path, f"unknown header key(s) {', '.join(unknown)}; valid keys: {', '.join(HEADER_KEYS)}")
    for key in ("summary", "description"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise _problem(path, f"the header needs a '{key}'")
    raw_defaults = header.get("defaults") or {}
    if isinstance(raw_defaults, list):  # grlc writes defaults as a list of one-key mappings
        merged: dict[str, Any] = {}
        for item in raw_defaults:
            if not isinstance(item, dict):
                raise _problem(path, f"'defaults' entries are 'name: value' mappings, got {item!r}")
            merged.update(item)
        raw_defaults = merged
    if not isinstance(raw_defaults, dict):
        raise _problem(path, "'defaults' is a mapping or a list of 'name: value' mappings")
    try:
        kind = _kind(sparql)
    except QueryError as exc:
        raise _problem(path, str(exc)) from None
    params = tuple(_param(path, p, raw_defaults, sparql) for p in header.get("params") or [])
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise _problem(path, "two parameters have the same name")
    for name in raw_defaults:
        if name not in names:
            raise _problem(path, f"'defaults' names {name!r}, which is not a parameter; parameters: {', '.join(names) or 'none'}")
    enum = tuple(str(e) for e in header.get("enumerate") or [])
    for name in enum:
        if name not in names:
            raise _problem(path, f"'enumerate' names {name!r}, which is not a parameter; parameters: {', '.join(names) or 'none'}")
    view = header.get("view", "graph" if kind == "graph" else "table")
    if view not in VIEWS:
        raise _problem(path, f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    tags = header.get("tags") or []
    timeout = header.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf")):
        raise _problem(path, f"'timeout' is a number of seconds above 0 (e.g. 'timeout: 2'), got {timeout!r}")
    return SavedQuery(id=qid, summary=header["summary"].strip(), description=" ".join(header["description"].split()),
                      sparql=sparql, kind=kind, tags=tuple(str(t) for t in tags), params=params, enumerate=enum,
                      view=view, file=str(path), timeout=None if timeout is None else float(timeout))


@lru_cache(maxsize=8)
def _load(folder: str, stamp: tuple[tuple[str, int], ...]) -> dict[str, SavedQuery]:
    return {q.id: q for q in (parse_query(Path(folder) / name) for name, _ in stamp)}


def load_queries(folder: Path | str | None = None) -> dict[str, SavedQuery]:
    """Every saved query in ``folder`` (default ``queries/``), by id, sorted; parsed once (re-read
    only when a file changes)."""
    folder = Path(folder or QUERIES_DIR)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.rq")))
    return dict(_load(str(folder), stamp))


def get_query(qid: str, folder: Path | str | None = None) -> SavedQuery:
    """The saved query ``qid``; QueryError naming the valid ids (and the nearest one) otherwise."""
    queries = load_queries(folder)
    if qid in queries:
        return queries[qid]
    hint = nearest(qid, list(queries))
    raise QueryError(f"no saved query '{qid}'{f' (did you mean {hint!r}?)' if hint else ''}; "
                     f"saved queries: {', '.join(queries) or 'none'} (crisiskg query list)")


# ------------------------------------------------------------------------------ choices from the store

_CHOICES: weakref.WeakKeyDictionary[Store, dict[tuple[str, ...], tuple[Choice, ...]]] = weakref.WeakKeyDictionary()
_CHOICES_QUERY = """
SELECT ?item (MIN(STR(?l)) AS ?label) WHERE {
  ?item rdf:type/rdfs:subClassOf* ?class .
  OPTIONAL { ?item rdfs:label ?l }
  FILTER(isIRI(?item))
} GROUP BY ?item ORDER BY ?item
"""


# The same class test as _CHOICES_QUERY (rdf:type/rdfs:subClassOf*, read with reasoning "owlrl"), written
# as a join and a FILTER EXISTS so that the planner starts from the few given items whatever the order
# of the VALUES blocks (the path form, with ?class bound first, scans every instance to answer "no").
_INSTANCES_QUERY = """
SELECT DISTINCT ?item WHERE {
  ?item rdf:type ?type .
  FILTER EXISTS { ?type rdfs:subClassOf* ?class }
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


def _named(text: str) -> URIRef | None:
    """``text`` as an IRI the store can hold, or None (pyoxigraph's own check: no store holds an invalid IRI)."""
    if not _IRI_CHARS.match(text):
        return None
    term = URIRef(text)
    try:
        to_oxigraph(term)
    except ValueError:
        return None
    return term


def _lookup(text: str) -> tuple[list[URIRef], list[URIRef]] | None:
    """(candidates, guards) for a value that names its IRI by itself: an IRI (``<...>`` or bare
    ``http...``), a CURIE, or a key; None for anything else (a label, say). The value stands for a
    candidate when exactly one candidate, and no guard, is an instance of the class(es): then
    :meth:`Param._iri`'s listing gives that candidate for it too (the listing matches a value against
    each instance's IRI, ``<IRI>``, CURIE and key, in that order, before any label). A guard is an
    IRI the listing would also match the value to, were it an instance."""
    if text.startswith("<") and text.endswith(">"):  # only <IRI> matches <...>
        term = _named(text[1:-1])
        return ([term], []) if term is not None else None
    m = _BARE_IRI.match(text)
    if m:  # an http IRI is only itself: keys have no '/', CURIEs no http: prefix
        if m.group(1) in PREFIXES:
            return None
        term = _named(text)
        return ([term], []) if term is not None else None
    prefix, sep, local = text.partition(":")
    if sep:  # a CURIE, as the listing writes it (the longest prefix); or the IRI it spells
        if prefix not in PREFIXES or local.startswith("//"):
            return None
        term = _named(PREFIXES[prefix] + local)
        if term is None or shorten(str(term)) != text:
            return None
        # guards: the IRI the CURIE spells ('ckg:Event', scheme ckg), and IRIs whose key it would be
        guards = [text] + ([ns + text for ns in _KEY_NAMESPACES] if "/" not in text and "#" not in text else [])
        return [term], [g for g in map(_named, guards) if g is not None]
    if not _KEY.match(text) or text in _NESTED_KEYS:
        return None
    terms = [term for ns in _KEY_NAMESPACES if (term := _named(ns + text)) is not None]
    slashed = [term for ns in _KEY_NAMESPACES if (term := _named(ns + text + "/")) is not None]  # key_of drops a final '/'
    return (terms, slashed) if terms else None


def quick_instance(store: Store, classes: tuple[str, ...] | str, text: str) -> URIRef | None:
    """The IRI ``text`` names if it is an instance of ``classes`` in ``store``, found with one small
    query; None if it is not, or if only the listing (:func:`class_choices`) can say (a label,
    a key that several IRIs share, a value the query rejects)."""
    lookup = _lookup(text)
    if lookup is None:
        return None
    candidates, guards = lookup
    cls = (classes,) if isinstance(classes, str) else tuple(classes)
    bound = cast(Mapping[str, Node], {"item": candidates + guards, "class": [expand(c) for c in cls]})
    found = {str(r["item"]) for r in store.query(_INSTANCES_QUERY, bindings=bound, reasoning="owlrl").rows}
    hits = [c for c in candidates if str(c) in found]
    if len(hits) != 1 or any(str(g) in found for g in guards):
        return None
    return hits[0]


def class_choices(store: Store, classes: tuple[str, ...] | str) -> tuple[Choice, ...]:
    """The instances of ``classes`` (CURIEs or IRIs) in ``store``, with their keys and labels; cached per store."""
    cache = _CHOICES.setdefault(store, {})
    cls = (classes,) if isinstance(classes, str) else tuple(classes)
    if cls not in cache:
        classes_bound = cast(Mapping[str, Node], {"class": [expand(c) for c in cls]})  # bind_values takes lists too
        res = store.query(_CHOICES_QUERY, bindings=classes_bound, reasoning="owlrl")
        rows = [(item, str(r["label"]) if r.get("label") is not None else key_of(str(item)))
                for r in res.rows if (item := r["item"]) is not None]
        counts: dict[str, int] = {}
        for item, _ in rows:
            counts[key_of(str(item))] = counts.get(key_of(str(item)), 0) + 1
        cache[cls] = tuple(Choice(key_of(str(item)) if counts[key_of(str(item))] == 1 else shorten(str(item)), item, label)
                           for item, label in rows)
    return cache[cls]


def param_choices(store: Store, param: Param) -> tuple[Choice, ...]:
    """The valid values of ``param``: its enum choices, or the store's instances of its class."""
    if param.type == "enum":
        return tuple(Choice(k, t, k) for k, t in param.values)
    if param.type == "iri":
        return class_choices(store, param.classes)
    return ()
