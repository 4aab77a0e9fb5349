"""Reading and checking the seeds folder: every file, every cross-reference, every quote.

``check_seeds`` collects all problems and goes on past them: an item with a schema mistake is
left out and the rest of its file is still checked (anchors, references, dates), so a curator sees
every mistake in one run, each with file, line, column and a fix. ``read_seeds`` raises them.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from crisiskg.errors import Problem, SeedError
from crisiskg.loaders import schema
from crisiskg.loaders.references import check_articles, check_registry
from crisiskg.loaders.reviewed import check_attacks, check_reviewed, harmless
from crisiskg.loaders.seedset import CLAIMED, MAX_TEXT_CHARS, PLACE_TYPES, STANCE_CORE, ArticleSeed, SeedSet, munitions
from crisiskg.loaders.yamlio import Path_, YamlDoc, load_yaml, pruned, undotted

__all__ = ["CLAIMED", "PLACE_TYPES", "STANCE_CORE", "ArticleSeed", "SeedSet", "check_seeds", "entry_digest", "munitions", "read_seeds",
           "usable"]

MAX_FILE_BYTES = MAX_TEXT_CHARS * 4


def entry_digest(entry: Any) -> str:
    """A digest of a registry or proposition entry as written (its fields in any order)."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def _refused(path: Path, root: Path) -> str | None:
    """Why ``path`` is not read, before anything is read from it: a link that leads out of the
    seeds folder, anything but a regular file (a FIFO would hang the build), or a file over the
    size limit; None when it may be read."""
    try:
        real = path.resolve(strict=True)
        info = real.stat()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        return f"cannot read: {getattr(exc, 'strerror', None) or exc}"
    if not real.is_relative_to(root.resolve()):
        return f"is a link to {real}, outside the seeds folder; copy the file into the seeds folder instead"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a FIFO, device or folder); seed files are plain text files"
    if info.st_size > MAX_FILE_BYTES:
        return f"file is {info.st_size} bytes; the limit is {MAX_FILE_BYTES}"
    return None


def _read_text(path: Path, rel: str, problems: list[Problem], root: Path) -> str | None:
    why = _refused(path, root)
    if why is not None:
        problems.append(Problem(rel, None, "", why))
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(rel, None, "", f"cannot read: {exc.strerror}"))
        return None
    if len(raw) > MAX_FILE_BYTES:  # grew since it was looked at
        problems.append(Problem(rel, None, "", f"file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}"))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(rel, line, "", f"not valid UTF-8 at byte {exc.start}", "save the file as UTF-8"))
        return None


def _load(folder: Path, rel: str, problems: list[Problem], files: dict[str, str], required: bool = True) -> YamlDoc | None:
    path = folder / rel
    if not path.exists() and not path.is_symlink():
        if required:
            problems.append(Problem(rel, None, "", "file is missing", f"create {rel}; see seeds/README.md"))
        return None
    text = _read_text(path, rel, problems, folder)
    if text is None:
        return None
    files[rel] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    doc, found = load_yaml(text, rel)
    problems.extend(found)
    if doc is not None and doc.data is None and not found:
        problems.append(Problem(rel, None, "", "file is empty", "see seeds/README.md for the format"))
        return None
    return doc


def read_seeds(folder: Path | str, *, allow_drafts: bool = False, known_events: frozenset[str] = frozenset(),
               checked: Mapping[str, str] | None = None, checked_entries: Collection[str] = frozenset(),
               only: Collection[str] | None = None) -> SeedSet:
    """Read and check every seed file under ``folder``.

    ``known_events``: ids of events annotated in articles read before (the incremental build
    reads the new articles only), which the new ones may refer to. ``checked``: the registry or
    propositions file (name -> sha256) as a published build read and checked it; a file with that
    content is not checked again (its schema, aliases and containment), only read.
    ``checked_entries``: the :func:`entry_digest` of each registry and proposition entry a
    published build checked; in a changed file, such an entry is not checked against the schema
    again (the rest of the file is, and its aliases and containment). ``only``: the
    stems of the articles to read (the incremental build's new ones); default every article.

    Raises SeedError with every problem found (file, line, column, field, value, hint).
    """
    seeds, problems = check_seeds(folder, allow_drafts=allow_drafts, known_events=known_events, checked=checked,
                                  checked_entries=checked_entries, only=only)
    if problems:
        raise SeedError(problems)
    return seeds


_SECTIONS = ("sources", "events", "relations", "roles", "stances", "skipped_cues")
_HEAD_LISTS = ("headline", "furniture", "captions")
_HEAD_REQUIRED = ("text", "status", "title", "authors", "published")
_EVENT_OPTIONAL = ("date", "places", "target_places", "launched_from", "roles", "channel", "weapon", "reported_by", "munitions",
                   "counts", "damage", "casualties", "condition", "about", "cameo")


def _drop_path(path: Path_) -> Path_ | None:
    """What to leave out of an article file for a problem at ``path`` so that the rest can be
    checked and loaded: its list item (an event, a stance, a headline quote...), an optional field
    of the article's head, or a section; None when the article cannot be read without it."""
    if not path:
        return None
    if path[0] == "events" and len(path) >= 3 and path[2] in _EVENT_OPTIONAL:
        if len(path) >= 4 and isinstance(path[3], int):  # one place, count, casualty, damage report, munition count
            return path[:4]
        return path[:5] if path[2] == "roles" and len(path) >= 5 else path[:3]
    if path[0] in _SECTIONS:
        return path[:2]
    if path[0] == "article":
        if len(path) >= 3 and path[1] in _HEAD_LISTS:
            return path[:3]
        if len(path) >= 2 and path[1] not in _HEAD_REQUIRED:
            return path[:2]
        return None
    return path[:1] if path[0] != "(top level)" else None


def _without(doc: YamlDoc, found: list[Problem]) -> YamlDoc | None:
    """``doc`` without what ``found`` (its problems) point at, or None when nothing can be kept."""
    drop: set[Path_] = set()
    for p in found:
        where = _drop_path(undotted(p.field))
        if where is None:
            return None
        drop.add(where)
    return pruned(doc, drop)


def _ids(data: Any, section: str) -> set[str]:
    items = data.get(section) if isinstance(data, dict) else None
    return {str(it["id"]) for it in items if isinstance(it, dict) and isinstance(it.get("id"), str)} if isinstance(items, list) else set()


def _with_columns(problems: list[Problem], docs: Mapping[str, YamlDoc]) -> list[Problem]:
    """Each problem with the column of the value its field names, when it has none yet."""
    out = []
    for p in problems:
        doc = docs.get(p.file)
        if doc is not None and p.column is None and p.line and p.field:
            path = undotted(p.field)
            if doc.line(path) == p.line:
                p = Problem(p.file, p.line, p.field, p.message, p.hint, doc.column(path))
        out.append(p)
    return out


def check_seeds(folder: Path | str, *, allow_drafts: bool = False, known_events: frozenset[str] = frozenset(),
                checked: Mapping[str, str] | None = None, checked_entries: Collection[str] = frozenset(),
                only: Collection[str] | None = None) -> tuple[SeedSet, list[Problem]]:
    """The seeds under ``folder`` as far as they can be read, and every problem found in them
    (the same arguments as :func:`read_seeds`). An article item with a schema mistake is left out
    of the SeedSet and the rest of its file checked; an item with another mistake (a quote not
    found, an unknown id) stays in it. Raises SeedError only when ``folder`` is not a folder."""
    folder = Path(folder)
    problems: list[Problem] = []
    files: dict[str, str] = {}
    if not folder.is_dir():
        raise SeedError([Problem(str(folder), None, "", "seeds folder not found", "pass --seeds DIR")])

    registry = _load(folder, "registry.yaml", problems, files)
    props_doc = _load(folder, "propositions.yaml", problems, files)
    lists_ok = True  # registry and propositions read cleanly, so an id missing from them is a mistake
    entities: dict[str, dict[str, Any]] = {}
    propositions: dict[str, dict[str, Any]] = {}
    checked = checked or {}
    docs: dict[str, YamlDoc] = {}

    def trusted(name: str) -> bool:
        return name in files and checked.get(name) == files[name]

    def entry_checked(entry: Any) -> bool:
        return isinstance(entry, dict) and entry_digest(entry) in checked_entries

    if registry is not None:
        docs[registry.file] = registry
        before = len(problems)
        if not trusted("registry.yaml"):
            problems.extend(schema.check(registry, schema.registry_schema(), items="entities", checked=entry_checked if checked_entries else None))
        lists_ok = lists_ok and len(problems) == before
        if len(problems) == before:
            for i, ent in enumerate(registry.data["entities"]):
                if ent["id"] in entities:
                    problems.append(registry.problem(("entities", i, "id"), f"duplicate id {ent['id']!r}", "ids must be unique"))
                entities[ent["id"]] = ent
    if props_doc is not None:
        docs[props_doc.file] = props_doc
        before = len(problems)
        if not trusted("propositions.yaml"):
            problems.extend(schema.check(props_doc, schema.PROPOSITIONS_SCHEMA, items="propositions",
                                         checked=entry_checked if checked_entries else None))
        lists_ok = lists_ok and len(problems) == before
        if len(problems) == before:
            for i, prop in enumerate(props_doc.data["propositions"]):
                if prop["id"] in propositions:
                    problems.append(props_doc.problem(("propositions", i, "id"), f"duplicate id {prop['id']!r}", "ids must be unique"))
                propositions[prop["id"]] = prop

    articles: list[ArticleSeed] = []
    broken_events: set[str] = set()  # events left out for a schema mistake: no "unknown event" for them too
    article_dir = folder / "articles"
    if only is None:
        yaml_files = sorted(article_dir.glob("*.yaml")) if article_dir.is_dir() else []
    else:  # not a listing of every article's file
        yaml_files = sorted(p for p in (article_dir / f"{stem}.yaml" for stem in set(only)) if p.is_file() or p.is_symlink())
    if not yaml_files:
        problems.append(Problem("articles/", None, "", "no article annotation files (articles/*.yaml)", "see seeds/README.md"))
    for path in yaml_files:
        rel = f"articles/{path.name}"
        doc = _load(folder, rel, problems, files)
        if doc is None:
            continue
        docs[rel] = doc
        head = doc.data.get("article") if isinstance(doc.data, dict) else None
        if isinstance(head, dict) and head.get("status") == "draft" and not allow_drafts:
            problems.append(doc.problem(("article", "status"), "this annotation file is a draft",
                                        "review it (accept or reject every suggestion), then set 'status: reviewed'"))
        found = schema.check(doc, schema.article_schema())
        problems.extend(found)
        if found:
            kept = _without(doc, found)
            if kept is None or schema.check(kept, schema.article_schema()):
                continue
            broken_events |= _ids(doc.data, "events") - _ids(kept.data, "events")
            doc = kept
        meta = doc.data["article"]
        text_rel = f"articles/{meta['text']}"
        if Path(meta["text"]).stem != path.stem:
            problems.append(doc.problem(("article", "text"), f"{meta['text']!r} does not match the annotation file's name", f"use {path.stem + '.txt'!r}"))
            continue
        if not (folder / text_rel).exists():
            problems.append(doc.problem(("article", "text"), f"text file {text_rel} is missing", "put the article's text beside its annotation file"))
            continue
        text = _read_text(folder / text_rel, text_rel, problems, folder)
        if text is None:
            continue
        files[text_rel] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        art = ArticleSeed(path.stem.split("_", 1)[0], path.stem, text, doc, text_rel, rel)
        if meta.get("status") == "reviewed":
            problems.extend(check_reviewed(art))
        articles.append(art)

    seedset = SeedSet(folder, entities, propositions, articles, {}, files, registry_doc=registry, propositions_doc=props_doc,
                      known_events=known_events | frozenset(broken_events))
    if registry is not None and entities and not trusted("registry.yaml"):
        problems.extend(check_registry(seedset, registry))
    keys = [a.key for a in articles]
    for a in articles:
        if keys.count(a.key) > 1:
            problems.append(Problem(a.yaml_file, 1, "", f"article key {a.key!r} is used by more than one file", "give each article a unique NNN_ prefix"))
    problems.extend(check_articles(seedset, check_refs=lists_ok and registry is not None and props_doc is not None))
    problems.extend(check_attacks(articles, known_events))
    seedset.known_events = known_events
    return seedset, _with_columns(problems, docs)


def usable(seeds: SeedSet, problems: list[Problem]) -> SeedSet:
    """``seeds`` without every article item that ``problems`` point at (and any item that then
    refers to what was left out), and without any article whose head has a problem: what can be
    loaded, reasoned and validated while those problems are being fixed."""
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        if not harmless(p):
            by_file.setdefault(p.file, []).append(p)
    current = seeds
    for _round in range(4):
        articles = []
        for art in current.articles:
            found = by_file.get(art.yaml_file, []) + by_file.get(art.text_file, [])
            if not found:
                articles.append(art)
                continue
            doc = _without(art.doc, found)
            if doc is not None:
                articles.append(ArticleSeed(art.key, art.stem, art.text, doc, art.text_file, art.yaml_file))
        current = SeedSet(seeds.folder, seeds.entities, seeds.propositions, articles, {}, seeds.files, registry_doc=seeds.registry_doc,
                          propositions_doc=seeds.propositions_doc, known_events=seeds.known_events)
        left = list(check_articles(current))
        if not left:
            return current
        by_file = {}
        for p in left:
            by_file.setdefault(p.file, []).append(p)
    current.articles = [a for a in current.articles if a.yaml_file not in by_file]
    current.spans = {}
    list(check_articles(current))
    return current
