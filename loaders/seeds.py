"""Reading and checking the seeds folder: every file, every cross-reference, every quote.

``read_seeds`` collects all problems before it raises, so a curator sees every mistake in one run.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crisiskg.errors import Problem, SeedError
from crisiskg.loaders import dates, schema
from crisiskg.loaders.anchor import AnchorError, Span, anchor
from crisiskg.loaders.yamlio import Path_, YamlDoc, dotted, load_yaml

MAX_TEXT_CHARS = 2_000_000
PLACE_TYPES = {"Place", "Country", "Region", "City", "MilitaryBase", "Facility", "WaterBody"}
STANCE_CORE = ("holder", "proposition", "polarity", "modality", "strength", "condition")


@dataclass
class ArticleSeed:
    """One article: its verbatim text and its annotation document."""

    key: str
    stem: str
    text: str
    doc: YamlDoc
    text_file: str
    yaml_file: str

    @property
    def meta(self) -> dict[str, Any]:
        return self.doc.data["article"]

    def items(self, section: str) -> list[dict[str, Any]]:
        return list(self.doc.data.get(section) or [])

    @property
    def source_ids(self) -> set[str]:
        """The ids of this article's unnamed sources ("one former official")."""
        return {src["id"] for src in self.items("sources")}


def munitions(ev: dict[str, Any]) -> list[tuple[Path_, dict[str, Any]]]:
    """An event's munition counts with their path below the event: one mapping or a list of them."""
    mun = ev.get("munitions")
    if mun is None:
        return []
    if isinstance(mun, dict):
        return [(("munitions",), mun)]
    return [(("munitions", j), m) for j, m in enumerate(mun)]


CLAIMED = ("casualties", "counts", "damage")
"""Event lists whose items say who gives them (``claimed_by``), besides the munitions."""


@dataclass
class SeedSet:
    """The checked seeds: registry, propositions, articles and every anchored span."""

    folder: Path
    entities: dict[str, dict[str, Any]]
    propositions: dict[str, dict[str, Any]]
    articles: list[ArticleSeed]
    spans: dict[tuple[str, Path_], Span]
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    registry_file: str = "registry.yaml"
    registry_doc: YamlDoc | None = None
    known_events: frozenset[str] = frozenset()  # events of articles published before (incremental build)

    def types(self, entity_id: str) -> list[str]:
        t = self.entities[entity_id]["type"]
        return [t] if isinstance(t, str) else list(t)

    def event_ids(self) -> set[str]:
        return {e["id"] for a in self.articles for e in a.items("events")} | self.known_events


MAX_FILE_BYTES = MAX_TEXT_CHARS * 4


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
               checked: Mapping[str, str] | None = None, only: Collection[str] | None = None) -> SeedSet:
    """Read and check every seed file under ``folder``.

    ``known_events``: ids of events annotated in articles read before (the incremental build
    reads the new articles only), which the new ones may refer to. ``checked``: the registry or
    propositions file (name -> sha256) as a published build read and checked it; a file with that
    content is not checked again (its schema, aliases and containment), only read. ``only``: the
    stems of the articles to read (the incremental build's new ones); default every article.

    Raises SeedError with every problem found (file, line, field, value, hint).
    """
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

    def trusted(name: str) -> bool:
        return name in files and checked.get(name) == files[name]

    if registry is not None:
        before = len(problems)
        if not trusted("registry.yaml"):
            problems.extend(schema.check(registry, schema.registry_schema()))
        lists_ok = lists_ok and len(problems) == before
        if len(problems) == before:
            for i, ent in enumerate(registry.data["entities"]):
                if ent["id"] in entities:
                    problems.append(Problem(registry.file, registry.line(("entities", i, "id")), f"entities[{i}].id", f"duplicate id {ent['id']!r}", "ids must be unique"))
                entities[ent["id"]] = ent
    if props_doc is not None:
        before = len(problems)
        if not trusted("propositions.yaml"):
            problems.extend(schema.check(props_doc, schema.PROPOSITIONS_SCHEMA))
        lists_ok = lists_ok and len(problems) == before
        if len(problems) == before:
            for i, prop in enumerate(props_doc.data["propositions"]):
                if prop["id"] in propositions:
                    problems.append(Problem(props_doc.file, props_doc.line(("propositions", i, "id")), f"propositions[{i}].id", f"duplicate id {prop['id']!r}", "ids must be unique"))
                propositions[prop["id"]] = prop

    articles: list[ArticleSeed] = []
    article_dir = folder / "articles"
    yaml_files = sorted(article_dir.glob("*.yaml")) if article_dir.is_dir() else []
    if only is not None:
        yaml_files = [p for p in yaml_files if p.stem in set(only)]
    if not yaml_files:
        problems.append(Problem("articles/", None, "", "no article annotation files (articles/*.yaml)", "see seeds/README.md"))
    for path in yaml_files:
        rel = f"articles/{path.name}"
        doc = _load(folder, rel, problems, files)
        if doc is None:
            continue
        head = doc.data.get("article") if isinstance(doc.data, dict) else None
        if isinstance(head, dict) and head.get("status") == "draft" and not allow_drafts:
            problems.append(Problem(rel, doc.line(("article", "status")), "article.status", "this annotation file is a draft", "review it, then set 'status: reviewed'"))
            continue
        before = len(problems)
        problems.extend(schema.check(doc, schema.article_schema()))
        if len(problems) > before:
            continue
        meta = doc.data["article"]
        text_rel = f"articles/{meta['text']}"
        if Path(meta["text"]).stem != path.stem:
            problems.append(Problem(rel, doc.line(("article", "text")), "article.text", f"{meta['text']!r} does not match the annotation file's name", f"use {path.stem + '.txt'!r}"))
            continue
        if not (folder / text_rel).exists():
            problems.append(Problem(rel, doc.line(("article", "text")), "article.text", f"text file {text_rel} is missing", "put the article's text beside its annotation file"))
            continue
        text = _read_text(folder / text_rel, text_rel, problems, folder)
        if text is None:
            continue
        files[text_rel] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        articles.append(ArticleSeed(path.stem.split("_", 1)[0], path.stem, text, doc, text_rel, rel))

    seedset = SeedSet(folder, entities, propositions, articles, {}, files, registry_doc=registry, known_events=known_events)
    if registry is not None and entities and not trusted("registry.yaml"):
        problems.extend(_check_registry(seedset, registry))
    keys = [a.key for a in articles]
    for a in articles:
        if keys.count(a.key) > 1:
            problems.append(Problem(a.yaml_file, 1, "", f"article key {a.key!r} is used by more than one file", "give each article a unique NNN_ prefix"))
    problems.extend(_check_articles(seedset, check_refs=lists_ok and registry is not None and props_doc is not None))
    if problems:
        raise SeedError(problems)
    return seedset


def _check_registry(s: SeedSet, doc: YamlDoc) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for i, ent in enumerate(doc.data["entities"]):
        types = s.types(ent["id"])
        is_place = bool(PLACE_TYPES & set(types))
        if "located_in" in ent:
            target = ent["located_in"]
            if not is_place:
                yield Problem(doc.file, doc.line(("entities", i, "located_in")), f"entities[{i}].located_in", f"{ent['id']!r} is not a place", "only places have located_in")
            elif target not in s.entities:
                yield _unknown(doc, ("entities", i, "located_in"), target, s.entities)
            elif not PLACE_TYPES & set(s.types(target)):
                yield Problem(doc.file, doc.line(("entities", i, "located_in")), f"entities[{i}].located_in", f"{target!r} is not a place", "name the containing place")
        if "point" in ent:
            lat, lon = ent["point"]
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                yield Problem(doc.file, doc.line(("entities", i, "point")), f"entities[{i}].point", f"{ent['point']!r} is not [latitude, longitude]", "latitude -90..90, longitude -180..180")
            if not is_place:
                yield Problem(doc.file, doc.line(("entities", i, "point")), f"entities[{i}].point", f"{ent['id']!r} is not a place", "only places have coordinates")
        for j, alias in enumerate([ent["label"], *ent.get("aliases", [])]):
            if alias in owner and owner[alias] != ent["id"]:
                path = ("entities", i, "aliases", j - 1) if j else ("entities", i, "label")
                yield Problem(doc.file, doc.line(path), dotted(path), f"alias {alias!r} is also given to {owner[alias]!r}", "an alias must name one entity; quote a longer form")
            owner[alias] = ent["id"]
    # containment must not loop
    for ent_id in s.entities:
        seen, cur = {ent_id}, s.entities[ent_id].get("located_in")
        while cur in s.entities:
            if cur in seen:
                yield Problem(doc.file, None, "located_in", f"containment loops through {ent_id!r}", "fix the located_in chain")
                break
            seen.add(cur)
            cur = s.entities[cur].get("located_in")


_ADD_FIRST = {
    "entity": "add it to registry.yaml first",
    "proposition": "add it to propositions.yaml first",
    "entity or event": "add it to registry.yaml, or annotate the event in an article first",
}


def _unknown(doc: YamlDoc, path: Path_, value: str, known: Any, what: str = "entity") -> Problem:
    near = schema.nearest(value, sorted(known))
    hint = f"did you mean {near!r}?" if near else _ADD_FIRST.get(what, f"define the {what} first")
    return Problem(doc.file, doc.line(path), dotted(path), f"unknown {what} {value!r}", hint)


def _check_articles(s: SeedSet, *, check_refs: bool = True) -> Iterator[Problem]:
    # check_refs is False when the registry or proposition list has mistakes of its own: every id
    # would then look unknown, burying the real mistakes under false ones.
    events = s.event_ids()
    stances: dict[str, tuple[dict[str, Any], str]] = {}
    for a in s.articles:
        doc, meta = a.doc, a.meta

        def span(path: Path_, item: dict[str, Any]) -> Iterator[Problem]:
            try:
                s.spans[(a.key, path)] = anchor(a.text, item["quote"], item.get("occurrence"))
            except AnchorError as exc:
                yield Problem(a.yaml_file, doc.line(path + ("quote",)), dotted(path + ("quote",)), str(exc))

        def attribution(path: Path_, item: dict[str, Any]) -> Iterator[Problem]:
            """The actor who gives ``item`` and the words that attribute it, if any."""
            if "claimed_by" in item:
                yield from ref(path + ("claimed_by",), item["claimed_by"], allow=actors)
            if "attribution" in item:
                words = {"quote": item["attribution"], "occurrence": item.get("attribution_occurrence")}
                try:
                    s.spans[(a.key, path + ("attribution",))] = anchor(a.text, words["quote"], words["occurrence"])
                except AnchorError as exc:
                    yield Problem(a.yaml_file, doc.line(path + ("attribution",)), dotted(path + ("attribution",)), str(exc))

        def ref(path: Path_, value: str, kinds: set[str] | None = None, allow: frozenset[str] | set[str] = frozenset()) -> Iterator[Problem]:
            if value in allow:
                return
            if value not in s.entities:
                if check_refs:
                    yield _unknown(doc, path, value, s.entities)
            elif kinds and not kinds & set(s.types(value)):
                yield Problem(a.yaml_file, doc.line(path), dotted(path), f"{value!r} is a {'/'.join(s.types(value))}", f"expected one of: {', '.join(sorted(kinds))}")

        def date(path: Path_, item: dict[str, Any], key: str = "value") -> Iterator[Problem]:
            try:
                dates.of(item, key)
            except ValueError as exc:
                yield Problem(a.yaml_file, doc.line(path + (key,)), dotted(path + (key,)), f"not a date the text gives: {exc}",
                              "see 'Dates' in seeds/README.md")

        yield from date(("article", "published"), meta["published"], "date")
        # the actors an article may name besides registry ids: its author and its unnamed sources
        actors = {"author"} | a.source_ids
        seen_sources: set[str] = set()
        for i, src in enumerate(a.items("sources")):
            p0: Path_ = ("sources", i)
            yield from span(p0, src)
            if src["id"] in seen_sources or src["id"] in s.entities or src["id"] in ("author", schema.ANYONE):
                yield Problem(a.yaml_file, doc.line(p0 + ("id",)), dotted(p0 + ("id",)),
                              f"source id {src['id']!r} is already taken (another source, a registry entity or a reserved word)",
                              "give each unnamed source an id of its own, e.g. 'one-former-official'")
            seen_sources.add(src["id"])
        if meta.get("publisher"):
            yield from ref(("article", "publisher"), meta["publisher"])
        for i, author in enumerate(meta["authors"]):
            yield from ref(("article", "authors", i), author)
        for part in ("headline", "furniture", "captions"):
            for i, item in enumerate(meta.get(part) or []):
                yield from span(("article", part, i), item)
        seen_events: set[str] = set()
        for i, ev in enumerate(a.items("events")):
            p: Path_ = ("events", i)
            if ev["id"] in seen_events:
                yield Problem(a.yaml_file, doc.line(p + ("id",)), dotted(p + ("id",)), f"event {ev['id']!r} is annotated twice in this article", "merge the two entries")
            seen_events.add(ev["id"])
            yield from span(p, ev)
            if "date" in ev:
                yield from date(p + ("date",), ev["date"])
            if "reported_by" in ev:
                yield from ref(p + ("reported_by",), ev["reported_by"], allow=actors)
            for key in ("places", "target_places", "launched_from"):
                for j, place in enumerate(ev.get(key) or []):
                    yield from ref(p + (key, j), place, PLACE_TYPES)
            for role, ids in (ev.get("roles") or {}).items():
                for j, actor in enumerate(ids):
                    yield from ref(p + ("roles", role, j), actor, allow=actors)
            if "weapon" in ev:
                yield from ref(p + ("weapon",), ev["weapon"], {"Weapon"})
            counted = [(p + sub, m) for sub, m in munitions(ev)]
            counted += [(p + (part, j), item) for part in CLAIMED for j, item in enumerate(ev.get(part) or [])]
            for cp, item in counted:
                yield from span(cp, item)
                yield from attribution(cp, item)
                if item.get("qualifier") == "none-reported" and item.get("count") != 0:
                    yield Problem(a.yaml_file, doc.line(cp + ("count",)), dotted(cp + ("count",)),
                                  f"'none-reported' goes with count 0, not {item.get('count')!r}", "write count: 0, or another qualifier")
                if "nationality" in item:
                    yield from ref(cp + ("nationality",), item["nationality"], {"State"})
            for j, about in enumerate(ev.get("about") or []):
                if about not in events and about not in s.propositions:
                    yield from ref(p + ("about", j), about)
        for i, rel in enumerate(a.items("relations")):
            p = ("relations", i)
            yield from span(p, rel)
            if rel["subject"] == schema.ANYONE and rel["subject"] in s.entities:
                yield Problem(a.yaml_file, doc.line(p + ("subject",)), dotted(p + ("subject",)),
                              f"the registry has an entity with the reserved id {schema.ANYONE!r}", "rename that entity")
            for end in ("subject", "object"):
                if end == "subject" and rel[end] == schema.ANYONE:
                    continue
                if rel[end] not in events and rel[end] not in s.propositions:
                    if rel[end] not in s.entities and check_refs:
                        yield _unknown(doc, p + (end,), rel[end], set(s.entities) | events, "entity or event")
            yield from attribution(p, rel)
        for i, role in enumerate(a.items("roles")):
            p = ("roles", i)
            yield from span(p, role)
            yield from ref(p + ("holder",), role["holder"], {"Person"})
            if "in" in role:
                yield from ref(p + ("in",), role["in"])
        for i, st in enumerate(a.items("stances")):
            p = ("stances", i)
            yield from span(p, st)
            holders = st["holder"] if isinstance(st["holder"], list) else [st["holder"]]
            for j, h in enumerate(holders):
                yield from ref(p + ("holder",) if len(holders) == 1 else p + ("holder", j), h, allow=actors)
            if st["proposition"] not in s.propositions and check_refs:
                yield _unknown(doc, p + ("proposition",), st["proposition"], s.propositions, "proposition")
            if "date" in st:
                yield from date(p + ("date",), st["date"])
            core = {k: st.get(k) for k in STANCE_CORE}
            if st["id"] in stances:
                other, where = stances[st["id"]]
                diff = [k for k in STANCE_CORE if other.get(k) != core[k]]
                if diff:
                    yield Problem(a.yaml_file, doc.line(p + ("id",)), dotted(p + ("id",)), f"stance {st['id']!r} differs from {where} in: {', '.join(diff)}", "a shared stance has the same holder, proposition, polarity, modality, strength and condition everywhere")
            else:
                stances[st["id"]] = (core, a.yaml_file)
        for i, cue in enumerate(a.items("skipped_cues")):
            yield from span(("skipped_cues", i), cue)
