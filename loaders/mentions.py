"""Automatic entity mentions: registry aliases matched in the article texts.

Matching is case-sensitive, on word boundaries, longest alias first, and skips page furniture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mention:
    begin: int
    end: int
    text: str
    entity: str


class AliasMatcher:
    """Finds every alias of every registry entity in a text."""

    def __init__(self, entities: dict[str, dict[str, Any]]):
        self.owner: dict[str, str] = {}
        for ent_id, ent in entities.items():
            for alias in [ent["label"], *ent.get("aliases", [])]:
                self.owner.setdefault(alias, ent_id)
        ordered = sorted(self.owner, key=lambda a: (-len(a), a))
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in ordered) + r")(?!\w)") if ordered else None

    def find(self, text: str, skip: Iterable[tuple[int, int]] = ()) -> list[Mention]:
        """Mentions in ``text``, leaving out those that overlap a ``skip`` range."""
        if self.pattern is None:
            return []
        ranges = sorted(skip)
        found = []
        for m in self.pattern.finditer(text):
            if any(b < m.end() and m.start() < e for b, e in ranges):
                continue
            found.append(Mention(m.start(), m.end(), m.group(0), self.owner[m.group(0)]))
        return found
