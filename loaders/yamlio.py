"""Safe YAML reading that keeps line numbers and refuses what can hurt.

Anchors and aliases are refused (a few lines of aliases can expand to gigabytes), duplicate keys
are reported, dates are returned as ISO strings, and every value's line is kept so that the schema
can say where a mistake is. Files without ``&`` and ``*`` are parsed by libyaml (C) when present.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crisiskg.errors import Problem

Path_ = tuple[Any, ...]
MAX_YAML_BYTES = 2_000_000
MAX_DEPTH = 40


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                problem="YAML anchors and aliases are not allowed in seed files; write the value out",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


@dataclass
class YamlDoc:
    """A parsed YAML document: its data and the line of every path in it."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    columns: dict[Path_, int] = field(default_factory=dict)  # 1-based, where each value starts
    quoted: set[Path_] = field(default_factory=set)  # scalars written in quotes

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def column(self, path: Path_, offset: int | None = None) -> int | None:
        """The column where ``path``'s value starts (of its nearest ancestor that has one); with
        ``offset``, the column of that character of a one-line scalar (past its opening quote)."""
        path = tuple(path)
        while path and path not in self.columns:
            path = path[:-1]
        col = self.columns.get(path)
        if col is None or offset is None:
            return col
        return col + offset + (1 if path in self.quoted else 0)

    def problem(self, path: Path_, message: str, hint: str | None = None, offset: int | None = None) -> Problem:
        """A Problem at ``path`` of this file, with its line and column."""
        return Problem(self.file, self.line(path), dotted(path), message, hint, self.column(path, offset))


def load_yaml(text: str, file: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse ``text``; return the document and the problems found (the document is None on a
    syntax error)."""
    if len(text) > MAX_YAML_BYTES:
        return None, [Problem(file, None, "", f"file is {len(text)} characters; the limit is {MAX_YAML_BYTES}")]
    fast = _compose_fast(text)
    if fast is not None:
        loader, node = fast
    else:
        try:
            loader = _NoAliasLoader(text)
        except yaml.YAMLError as exc:  # the reader refuses control characters such as NUL
            return None, [Problem(file, None, "", f"YAML text: {exc}", "remove control characters")]
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            return None, [Problem(file, line, "", f"YAML syntax: {exc.problem or exc}", "fix the YAML at that line")]
        except yaml.YAMLError as exc:
            return None, [Problem(file, None, "", f"YAML syntax: {exc}")]
        except RecursionError:
            return None, [Problem(file, None, "", f"YAML nested too deeply (the limit is {MAX_DEPTH} levels)", "flatten the structure")]
        finally:
            loader.dispose()
    doc = YamlDoc(file, None)
    problems: list[Problem] = []
    if node is None:
        return doc, problems

    def walk(n: Node, path: Path_) -> Any:
        doc.lines[path] = n.start_mark.line + 1
        doc.columns[path] = n.start_mark.column + 1
        if isinstance(n, ScalarNode) and n.style in ("'", '"'):
            doc.quoted.add(path)
        if n.tag not in _PLAIN_TAGS:  # e.g. !!python/tuple on a list: refused by name, never dropped
            tag = n.tag.replace("tag:yaml.org,2002:", "!!")
            problems.append(Problem(file, n.start_mark.line + 1, _dotted(path), f"the YAML tag {tag} is not allowed in seed files",
                                    "remove the tag and write a plain value"))
            return None
        if len(path) > MAX_DEPTH:
            problems.append(Problem(file, n.start_mark.line + 1, _dotted(path), f"nested deeper than {MAX_DEPTH} levels"))
            return None
        if isinstance(n, MappingNode):
            out: dict[Any, Any] = {}
            for k, v in n.value:
                key = _scalar(loader, k) if isinstance(k, ScalarNode) else str(k.start_mark)
                if key in out:
                    problems.append(Problem(file, k.start_mark.line + 1, _dotted(path + (key,)), "duplicate key", "keep one"))
                out[key] = walk(v, path + (key,))
            return out
        if isinstance(n, SequenceNode):
            return [walk(v, path + (i,)) for i, v in enumerate(n.value)]
        return _scalar(loader, n)

    try:
        doc.data = walk(node, ())
    except yaml.MarkedYAMLError as exc:  # e.g. a python/object tag, which the safe loader refuses
        mark = exc.problem_mark or exc.context_mark
        problems.append(Problem(file, mark.line + 1 if mark else None, "", f"YAML value: {exc.problem or exc}", "write a plain value"))
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        problems.append(Problem(file, None, "", f"YAML value: {exc}"))
    finally:
        # the loader maps every scalar node it constructed to its value, and ``walk`` (a closure
        # that refers to itself) keeps the loader in a reference cycle: without this, every node
        # and its marks would wait for the cyclic garbage collector (benchmarks/README.md, "The
        # seventeenth round")
        loader.constructed_objects.clear()
    return doc, problems


# The tags a plain YAML value resolves to; anything else was written as a tag (!!python/..., !foo).
_PLAIN_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp"))

# What the pure-Python reader refuses (yaml.reader.Reader.NON_PRINTABLE).
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]")


def _compose_fast(text: str) -> tuple[Any, Node | None] | None:
    """The document's node tree from libyaml (much faster than the Python reader), when that is safe: no ``&`` or
    ``*`` anywhere (so no anchors or aliases to refuse) and only characters the Python reader
    accepts. None otherwise, or on any error: the Python loader then reads it and words the
    problem as it always has."""
    if not yaml.__with_libyaml__ or "&" in text or "*" in text or _NON_PRINTABLE.search(text):
        return None
    loader = yaml.CSafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _scalar(loader: Any, node: Node) -> Any:
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # an impossible date such as 2020-02-30 stays text; the seed checks say where it is
        raise
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted

_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def undotted(field_: str) -> Path_:
    """The path a dotted field name stands for: ``events[3].roles.target[0]`` ->
    ``("events", 3, "roles", "target", 0)`` (the inverse of :func:`dotted`)."""
    out: list[Any] = []
    for index, key in _PART.findall(field_ or ""):
        out.append(int(index) if index else key)
    return tuple(out)


def pruned(doc: YamlDoc, drop: set[Path_]) -> YamlDoc:
    """``doc`` without the list items or mapping keys at the paths ``drop``, every other value
    keeping its line and column (the paths of later list items are renumbered)."""
    moved: dict[Path_, Path_] = {}

    def walk(value: Any, path: Path_, old: Path_) -> Any:
        moved[path] = old
        if isinstance(value, dict):
            return {k: walk(v, path + (k,), old + (k,)) for k, v in value.items() if old + (k,) not in drop}
        if isinstance(value, list):
            kept = [(i, v) for i, v in enumerate(value) if old + (i,) not in drop]
            return [walk(v, path + (j,), old + (i,)) for j, (i, v) in enumerate(kept)]
        return value

    out = YamlDoc(doc.file, walk(doc.data, (), ()))
    for new, old in moved.items():
        if old in doc.lines:
            out.lines[new] = doc.lines[old]
        if old in doc.columns:
            out.columns[new] = doc.columns[old]
        if old in doc.quoted:
            out.quoted.add(new)
    return out
