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
``columns`` (optional) titles the answer's columns for people: ``#+ columns: {quote: Quote, holder: Who}``.

Every surface (CLI, HTTP, OpenAPI) reads the same :class:`SavedQuery` objects from
:func:`load_queries`; :meth:`SavedQuery.bind` checks and converts values, raising
:class:`crisiskg.errors.ParameterError` with the valid parameters or choices. This module holds the
question and its file (the header is parsed in one place, :func:`parse_query`); the parameters are
:mod:`crisiskg.query.params`, their valid values in the store :mod:`crisiskg.query.choices` (both
names are also importable from here).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rdflib import Literal
from rdflib.term import Node

from crisiskg.errors import ParameterError, QueryError
from crisiskg.query.choices import expand, nearest
from crisiskg.query.params import PARAM_TYPES, Param
from crisiskg.query.results import Result
from crisiskg.query.store import Store
from crisiskg.vocab import package_folder

QUERIES_DIR = package_folder("crisiskg.queries")
VIEWS = ("table", "timeline", "map", "graph", "curve", "chart")  # curve: Goldstein scores over time; chart: bars
# The header's keys: every key a saved query's #+ header may hold is parsed in parse_query below.
HEADER_KEYS = ("summary", "description", "tags", "defaults", "enumerate", "params", "view", "timeout", "columns",
               "endpoint", "method", "pagination", "transform")  # the last four: grlc's, accepted, unused
PARAM_KEYS = ("name", "type", "class", "default", "description", "choices", "required", "min", "max")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


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
    columns: tuple[tuple[str, str], ...] = ()  # (variable, column title) from the header's ``columns:``

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
    columns = header.get("columns") or {}
    if not isinstance(columns, dict) or not all(isinstance(t, str) and t.strip() for t in columns.values()):
        raise _problem(path, f"'columns' maps variables to titles (e.g. 'columns: {{quote: Quote, holder: Who}}'), got {columns!r}")
    return SavedQuery(id=qid, summary=header["summary"].strip(), description=" ".join(header["description"].split()),
                      sparql=sparql, kind=kind, tags=tuple(str(t) for t in tags), params=params, enumerate=enum,
                      view=view, file=str(path), timeout=None if timeout is None else float(timeout),
                      columns=tuple((str(k), str(v).strip()) for k, v in columns.items()))


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
