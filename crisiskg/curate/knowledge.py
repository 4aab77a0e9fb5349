"""What a draft links against: the registry, the propositions and the events the graph already holds.

The knowledge is read from the seeds (the source of truth the published graph is built from): every
registry entity, every proposition, and every event of the reviewed articles with its classes, date,
places and actors, so that a new article's account of a known event gets the known id (one IRI,
one more evidence span); and the curated stances, so that a passage another article already carries
(a text republished word for word) gets the same stance. ``without(stem)`` removes what one article alone brings (its events and
the entities no other article mentions or references): the leave-one-out view a benchmark drafts
that article against. ``load`` reads an unfinished annotation file as far as it can, and leaves out
the one of the article being drafted anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from crisiskg.errors import SeedError
from crisiskg.loaders import dates
from crisiskg.loaders.mentions import AliasMatcher
from crisiskg.loaders.seeds import SeedSet, check_seeds, usable

PLACE_TYPES = frozenset({"Place", "Country", "Region", "City", "MilitaryBase", "Facility", "WaterBody"})


@dataclass(frozen=True)
class KnownEvent:
    """An event of the graph, as the articles that report it describe it."""

    id: str
    classes: frozenset[str]
    span: dates.DateSpan | None
    entities: frozenset[str]  # places, target places, actors in any role, weapon
    labels: tuple[str, ...]
    quotes: tuple[str, ...] = ()


@dataclass
class Knowledge:
    """Registry entities, propositions and known events (see the module docstring)."""

    entities: dict[str, dict[str, Any]]
    propositions: dict[str, dict[str, Any]]
    events: dict[str, KnownEvent] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # article stem -> text (for leave-one-out)
    references: dict[str, frozenset[str]] = field(default_factory=dict)  # article stem -> ids it uses
    event_sources: dict[str, frozenset[str]] = field(default_factory=dict)  # event id -> article stems
    stances: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (article stem, stance) as curated
    offices: list[tuple[str, str, str, str]] = field(default_factory=list)  # (article stem, title in lower case, in, holder) as curated

    def office_holder(self, title: str, of: str) -> str | None:
        """The one person the curated roles give the office ``title`` of ``of`` (an entity id: "supreme
        leader" of iran), or None when they give none or several ("president" of the United States:
        Obama and Trump)."""
        held = {h for _, t, i, h in self.offices if t == title.lower() and i == of}
        return next(iter(held)) if len(held) == 1 else None

    def types(self, entity_id: str) -> frozenset[str]:
        t = self.entities[entity_id]["type"]
        return frozenset([t] if isinstance(t, str) else t)

    def matcher(self) -> AliasMatcher:
        return AliasMatcher(self.entities)

    def without(self, stem: str) -> Knowledge:
        """This knowledge without what the article ``stem`` alone introduces: its events that no other
        article reports, and the entities that no other article mentions or references."""
        others = {s: t for s, t in self.texts.items() if s != stem}
        used: set[str] = set()
        for s, ids in self.references.items():
            if s != stem:
                used |= ids
        if others:
            matcher = self.matcher()
            for text in others.values():
                used |= {m.entity for m in matcher.find(text)}
        # an entity another entity needs (located_in) stays with it
        for ent_id in list(used):
            parent = self.entities.get(ent_id, {}).get("located_in")
            while parent and parent not in used:
                used.add(parent)
                parent = self.entities.get(parent, {}).get("located_in")
        events = {i: e for i, e in self.events.items() if self.event_sources.get(i, frozenset()) - {stem}}
        return Knowledge(
            entities={i: e for i, e in self.entities.items() if i in used},
            propositions=dict(self.propositions),
            events=events,
            texts=others,
            references={s: r for s, r in self.references.items() if s != stem},
            event_sources={i: s - {stem} for i, s in self.event_sources.items() if i in events},
            stances=[(s, st) for s, st in self.stances if s != stem],
            offices=[o for o in self.offices if o[0] != stem],
        )


def _slugs(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _slugs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _slugs(v)


def _event_entities(ev: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for key in ("places", "target_places", "launched_from"):
        found |= set(ev.get(key) or [])
    for ids in (ev.get("roles") or {}).values():
        found |= set(ids)
    if ev.get("weapon"):
        found.add(ev["weapon"])
    return found


def from_seedset(seeds: SeedSet) -> Knowledge:
    """The knowledge of a read seed set (reviewed articles only: a draft is not yet knowledge)."""
    merged: dict[str, dict[str, Any]] = {}
    texts: dict[str, str] = {}
    references: dict[str, frozenset[str]] = {}
    for art in seeds.articles:
        if art.meta.get("status") != "reviewed":
            continue
        texts[art.stem] = art.text
        references[art.stem] = frozenset(s for s in _slugs({k: v for k, v in art.doc.data.items() if k != "draft_notes"})
                                          if s in seeds.entities)
        for ev in art.items("events"):
            slot = merged.setdefault(ev["id"], {"classes": set(), "span": None, "entities": set(), "labels": [], "stems": set(), "quotes": []})
            slot["quotes"].append(ev["quote"])
            cls = ev["class"]
            slot["classes"] |= {cls} if isinstance(cls, str) else set(cls)
            slot["entities"] |= _event_entities(ev)
            slot["labels"].append(ev.get("label", ""))
            slot["stems"].add(art.stem)
            if ev.get("date"):
                try:
                    span = dates.of(ev["date"])
                except ValueError:
                    continue
                if slot["span"] is None or span.latest - span.earliest < slot["span"].latest - slot["span"].earliest:
                    slot["span"] = span  # the most precise account
    events = {i: KnownEvent(i, frozenset(s["classes"]), s["span"], frozenset(s["entities"]), tuple(s["labels"]), tuple(s["quotes"]))
              for i, s in merged.items()}
    stances = []
    for art in seeds.articles:
        if art.meta.get("status") == "reviewed":
            sources = {src["id"]: src for src in art.items("sources")}
            # a stance held by the article's unnamed source carries that source along
            stances += [(art.stem, {**st, "source": sources[st["holder"]]} if isinstance(st["holder"], str) and st["holder"] in sources else st)
                        for st in art.items("stances") if isinstance(st["holder"], (str, list))]
    offices = [(art.stem, str(r["title"]).lower(), str(r["in"]), str(r["holder"])) for art in seeds.articles
               if art.meta.get("status") == "reviewed" for r in art.items("roles") if r.get("title") and r.get("in") and r.get("holder")]
    return Knowledge(dict(seeds.entities), dict(seeds.propositions), events, texts, references,
                     {i: frozenset(s["stems"]) for i, s in merged.items()}, stances, offices)


def load(seeds_dir: Path | str, *, leave_out: str | None = None) -> Knowledge:
    """The knowledge of the seeds folder ``seeds_dir`` (drafts in it are read but not learned from).

    An annotation file with mistakes is read as far as it can be (``usable``): a curator's
    unfinished article never stops the draft of another. A mistake in the registry or the
    propositions does (SeedError). ``leave_out``: the stem of the article being drafted anew, whose
    present annotation is not read at all (neither its mistakes nor its events and stances).
    """
    seeds, problems = check_seeds(seeds_dir, allow_drafts=True)
    problems = [p for p in problems if not (leave_out and Path(p.file).stem == leave_out and Path(p.file).parent.name == "articles")]
    blocking = [p for p in problems if Path(p.file).parent.name not in ("articles", "audits")]
    if blocking:
        raise SeedError(blocking)
    if problems:
        seeds = usable(seeds, problems)
    if leave_out:
        seeds = replace(seeds, articles=[a for a in seeds.articles if a.stem != leave_out])
    return from_seedset(seeds)
