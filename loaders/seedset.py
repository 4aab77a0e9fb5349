"""The checked seeds as the loaders hand them on: one :class:`ArticleSeed` per article and the
:class:`SeedSet` (registry, propositions, articles, anchored spans), with the small facts about the
seed format that several loaders share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crisiskg.loaders.anchor import Span
from crisiskg.loaders.yamlio import Path_, YamlDoc

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
    propositions_doc: YamlDoc | None = None
    known_events: frozenset[str] = frozenset()  # events of articles published before (incremental build)

    def types(self, entity_id: str) -> list[str]:
        t = self.entities[entity_id]["type"]
        return [t] if isinstance(t, str) else list(t)

    def event_ids(self) -> set[str]:
        return {e["id"] for a in self.articles for e in a.items("events")} | self.known_events
