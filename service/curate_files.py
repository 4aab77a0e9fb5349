"""The workbench's edits of the seed files, which stay the source of truth.

Files are read and written with ruamel.yaml's round-trip mode, so that comments, key order and
quoting survive and an edit changes only the lines it touches; each write replaces the file
atomically. A new article's annotation file starts from ``crisiskg draft``: every item the draft
proposes is kept under ``draft_notes.suggestions`` (its section and the item) until the curator
accepts (moves it into its section, edited or not) or rejects (deletes) it; the build refuses a
reviewed file that still holds suggestions or notes (:mod:`crisiskg.loaders.reviewed`). The names the
draft proposes as registry entries are suggestions too (section ``registry``: accepting one appends it
to ``registry.yaml``), and so is every item that names one of them (with ``needs``: it can be
accepted once the registry, or this file, holds what it needs), so that publishing never drops them.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from crisiskg.errors import CrisisKGError

SECTIONS = ("sources", "events", "relations", "roles", "stances", "skipped_cues")
STEM = re.compile(r"^\d{3,}_[A-Za-z0-9_-]+$")


class CurationError(CrisisKGError):
    """An edit the workbench cannot make (the message says why and what to do)."""


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 100_000  # long lines stay as the curator wrote them
    y.indent(mapping=2, sequence=4, offset=2)
    y.representer.add_representer(type(None), lambda r, _d: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return y


def read(path: Path) -> Any:
    """A seed file as round-trip data (comments and order kept)."""
    try:
        return _yaml().load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise CurationError(f"{path.name} is not valid YAML ({exc}); fix it by hand, then reload") from exc


def dumps(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def _merged(original: str, new: str) -> str:
    """``new`` (the edited data as ruamel writes it) with every line the edit did not touch taken
    from ``original`` (the file as it was), so that a line ruamel would write another way (an
    escape such as ``\\u00a0``) stays as the curator wrote it."""
    old_lines = original.splitlines(keepends=True)
    as_written = dumps(_yaml().load(original)).splitlines(keepends=True)  # the file as ruamel writes it unedited
    if as_written == old_lines:
        return new
    back: dict[int, int] = {}  # line of ``as_written`` -> the same line of ``original``
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, as_written, old_lines, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            back.update(zip(range(i1, i2), range(j1, j2), strict=True))
    out: list[str] = []
    new_lines = new.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, as_written, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [old_lines[back[i]] if i in back else as_written[i] for i in range(i1, i2)]
        else:
            out += new_lines[j1:j2]
    return "".join(out)


def write(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` atomically (a file beside it, then renamed over it), the lines
    it does not change as they were."""
    text = dumps(data)
    if path.exists():
        try:
            text = _merged(path.read_text(encoding="utf-8"), text)
        except YAMLError:
            pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def parse_item(text: str) -> CommentedMap:
    """One item written as YAML by the curator (a mapping), for an edit."""
    try:
        item = _yaml().load(text)
    except YAMLError as exc:
        raise CurationError(f"the item is not valid YAML: {exc}") from exc
    if not isinstance(item, CommentedMap):
        raise CurationError("an item is a YAML mapping such as 'id: x' on its own lines")
    return item


def item_text(item: Any) -> str:
    return dumps(item)


def paths(seeds: Path, stem: str) -> tuple[Path, Path]:
    """The text and annotation files of article ``stem`` (refused unless it names an article)."""
    if not STEM.match(stem):
        raise CurationError(f"{stem!r} is not an article name (NNN_name)")
    return seeds / "articles" / f"{stem}.txt", seeds / "articles" / f"{stem}.yaml"


def articles(seeds: Path) -> list[tuple[str, bool, str]]:
    """Every article text under ``seeds``: (stem, has an annotation file, its status)."""
    out = []
    for txt in sorted((seeds / "articles").glob("*.txt")):
        yml = txt.with_suffix(".yaml")
        status = ""
        if yml.exists():
            try:
                status = str(((pyyaml.safe_load(yml.read_text(encoding="utf-8")) or {}).get("article") or {}).get("status", ""))
            except pyyaml.YAMLError:
                status = "unreadable"
        out.append((txt.stem, yml.exists(), status))
    return out


REGISTRY = "registry"  # a suggestion of a new registry entry
ARTICLE = "article"  # a suggestion of the article's authors or publisher, once the registry holds them


def drafted(mapping: dict[str, Any]) -> CommentedMap:
    """A draft mapping (``crisiskg draft``'s) with every proposed item moved under ``draft_notes.suggestions``:
    the proposed registry entries first, then the items of each section, then the items that wait for
    a proposed entry (with the ids they ``needs``)."""
    data = _yaml().load(dumps(mapping))
    suggestions = CommentedSeq()
    notes = data.setdefault("draft_notes", CommentedMap())
    for entry in notes.pop("new_entities", None) or []:
        item = CommentedMap((k, entry[k]) for k in ("id", "type", "label", "located_in") if k in entry)
        suggestions.append(CommentedMap([("section", REGISTRY), ("item", item)]))
    for section in SECTIONS:
        for item in data.get(section) or []:
            suggestions.append(CommentedMap([("section", section), ("item", item)]))
        if section in data:
            data[section] = CommentedSeq()
    for waiting in notes.pop("needs_new_entities", None) or []:
        suggestions.append(CommentedMap([("section", waiting["section"]), ("needs", waiting["needs"]), ("item", waiting["item"])]))
    notes["suggestions"] = suggestions
    return data


def missing(seeds: Path, data: Any, index: int) -> list[str]:
    """The ids suggestion ``index`` needs that neither the registry nor this annotation holds yet."""
    found = _suggestion(data, index)
    needs = [str(n) for n in found.get("needs") or []]
    if not needs:
        return []
    held = {e.get("id") for e in read(seeds / "registry.yaml")["entities"]}
    held |= {it.get("id") for section in SECTIONS for it in data.get(section) or [] if isinstance(it, dict)}
    return [n for n in needs if n not in held]


def suggestions(data: Any) -> list[Any]:
    notes = data.get("draft_notes")
    found = notes.get("suggestions") if isinstance(notes, dict) else None
    return list(found) if isinstance(found, list) else []


def _suggestion(data: Any, index: int) -> Any:
    found = suggestions(data)
    if not 0 <= index < len(found):
        raise CurationError(f"there is no suggestion {index + 1} (there are {len(found)}); reload the page")
    return found[index]


def _section(data: Any, section: str) -> CommentedSeq:
    if section not in SECTIONS:
        raise CurationError(f"unknown section {section!r}; sections: {', '.join(SECTIONS)}")
    if not isinstance(data.get(section), list):
        data[section] = CommentedSeq()
    return data[section]


def accept(data: Any, index: int, item: Any = None, *, seeds: Path | None = None) -> tuple[str, int]:
    """Move suggestion ``index`` (or ``item``, its edited form) into its section; its new place.

    With ``seeds``: a registry suggestion is appended to ``registry.yaml`` (place -1), and an item
    that needs what neither the registry nor this file holds is refused, naming it. Without
    ``seeds`` (a check that writes nothing), a registry suggestion is only taken off the list."""
    found = _suggestion(data, index)
    section = str(found.get("section"))
    if seeds is not None:
        lacking = missing(seeds, data, index)
        if lacking:
            raise CurationError(f"it names {', '.join(lacking)}, which the registry does not hold yet: accept the registry "
                                "suggestion for each first (or add it under New from the selection)")
    if section == REGISTRY:
        if seeds is not None:
            add_entity(seeds, dict(item if item is not None else found.get("item")))
        del data["draft_notes"]["suggestions"][index]
        return section, -1
    if section == ARTICLE:
        for key, value in dict(item if item is not None else found.get("item")).items():
            data["article"][key] = value
        del data["draft_notes"]["suggestions"][index]
        return section, 0
    target = _section(data, section)
    target.append(item if item is not None else found.get("item"))
    del data["draft_notes"]["suggestions"][index]
    return section, len(target) - 1


def reject(data: Any, index: int) -> None:
    _suggestion(data, index)
    del data["draft_notes"]["suggestions"][index]


def replace(data: Any, section: str, index: int, item: Any) -> None:
    items = _section(data, section)
    if not 0 <= index < len(items):
        raise CurationError(f"{section} has no item {index + 1}; reload the page")
    items[index] = item


def delete(data: Any, section: str, index: int) -> None:
    items = _section(data, section)
    if not 0 <= index < len(items):
        raise CurationError(f"{section} has no item {index + 1}; reload the page")
    del items[index]


def add(data: Any, section: str, item: Any) -> int:
    items = _section(data, section)
    items.append(item)
    return len(items) - 1


def add_entity(seeds: Path, entry: dict[str, Any]) -> None:
    """Append ``entry`` to ``registry.yaml`` (refused when its id is taken)."""
    path = seeds / "registry.yaml"
    data = read(path)
    wrong = entry_problems(data, entry)
    if wrong:
        raise CurationError(wrong[0])
    data["entities"].append(CommentedMap(entry))
    write(path, data)


_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def entry_problems(registry: Any, entry: Any) -> list[str]:
    """What keeps ``entry`` from joining the registry (its parsed file ``registry``), each with what to do."""
    if not isinstance(entry, dict):
        return ["a registry entry is a mapping: id, type and label"]
    out = [f"the entry has no {key} (write '{key}: ...')" for key in ("id", "type", "label") if not entry.get(key)]
    ident = str(entry.get("id") or "")
    if ident and not _ID.match(ident):
        out.append(f"id {ident!r} is not lower-case words joined by hyphens (e.g. 'kataib-hezbollah')")
    if ident and any(e.get("id") == ident for e in registry["entities"]):
        out.append(f"the registry already has an entity {ident!r}; pick it instead, or choose another id")
    return out


def add_alias(seeds: Path, entity_id: str, alias: str) -> None:
    """Add ``alias`` to a registry entity (a new mention of it wherever the words occur)."""
    path = seeds / "registry.yaml"
    data = read(path)
    for ent in data["entities"]:
        if ent.get("id") == entity_id:
            if alias == ent.get("label") or alias in (ent.get("aliases") or []):
                return
            ent.setdefault("aliases", CommentedSeq()).append(alias)
            write(path, data)
            return
    raise CurationError(f"the registry has no entity {entity_id!r}; create it first")


def ready_to_publish(data: Any) -> None:
    """Mark the annotation reviewed: refused while suggestions wait; the other draft notes go."""
    pending = suggestions(data)
    if pending:
        raise CurationError(f"{len(pending)} suggestion(s) are neither accepted nor rejected; deal with each first")
    if "draft_notes" in data:
        del data["draft_notes"]
    data["article"]["status"] = "reviewed"
