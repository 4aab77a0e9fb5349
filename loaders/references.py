"""The checks across seed files: the registry's containment, coordinates and aliases, and every
reference, quote and date of every article (the schema has been checked before)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crisiskg.errors import Problem
from crisiskg.loaders import dates, schema
from crisiskg.loaders.anchor import AnchorError, anchor
from crisiskg.loaders.seedset import CLAIMED, PLACE_TYPES, STANCE_CORE, ArticleSeed, SeedSet, munitions
from crisiskg.loaders.yamlio import Path_, YamlDoc, dotted


def check_registry(s: SeedSet, doc: YamlDoc) -> Iterator[Problem]:
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


def check_articles(s: SeedSet, *, check_refs: bool = True) -> Iterator[Problem]:
    # check_refs is False when the registry or proposition list has mistakes of its own: every id
    # would then look unknown, burying the real mistakes under false ones.
    events = s.event_ids()
    stances: dict[str, tuple[dict[str, Any], str]] = {}
    for a in s.articles:
        yield from _check_article(s, a, events, stances, check_refs)


def _check_article(s: SeedSet, a: ArticleSeed, events: set[str], stances: dict[str, tuple[dict[str, Any], str]],
                   check_refs: bool) -> Iterator[Problem]:
    """The problems of article ``a``: its quotes, references and dates (``stances``: the shared
    stances seen so far, with their file)."""
    doc, meta = a.doc, a.meta

    def span(path: Path_, item: dict[str, Any]) -> Iterator[Problem]:
        try:
            s.spans[(a.key, path)] = anchor(a.text, item["quote"], item.get("occurrence"))
        except AnchorError as exc:
            yield doc.problem(path + ("quote",), str(exc), exc.hint, exc.at)

    def attribution(path: Path_, item: dict[str, Any]) -> Iterator[Problem]:
        """The actor who gives ``item`` and the words that attribute it, if any."""
        if "claimed_by" in item:
            yield from ref(path + ("claimed_by",), item["claimed_by"], allow=actors)
        if "attribution" in item:
            words = {"quote": item["attribution"], "occurrence": item.get("attribution_occurrence")}
            try:
                s.spans[(a.key, path + ("attribution",))] = anchor(a.text, words["quote"], words["occurrence"])
            except AnchorError as exc:
                yield doc.problem(path + ("attribution",), str(exc), exc.hint, exc.at)

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
            if check_refs and rel[end] not in events and rel[end] not in s.propositions and rel[end] not in s.entities:
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
