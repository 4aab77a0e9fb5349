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

    def __init__(self, entities: dict[str, dict[str, Any]], *, texts: Iterable[str] | None = None):
        """``texts``: when given, only these texts will be searched, so only the aliases found in
        one of them as plain substrings go into the pattern (same matches: an alias that is not
        in a text cannot match there). An incremental build adding one article then compiles a
        pattern of tens of aliases instead of thousands."""
        self.owner: dict[str, str] = {}
        for ent_id, ent in entities.items():
            for alias in [ent["label"], *ent.get("aliases", [])]:
                self.owner.setdefault(alias, ent_id)
        aliases: Iterable[str] = self.owner
        if texts is not None:
            texts = list(texts)
            aliases = [a for a in self.owner if any(a in t for t in texts)]
        self.texts = texts
        ordered = sorted(aliases, key=lambda a: (-len(a), a))
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in ordered) + r")(?!\w)") if ordered else None

    def find(self, text: str, skip: Iterable[tuple[int, int]] = ()) -> list[Mention]:
        """Mentions in ``text``, leaving out those that overlap a ``skip`` range."""
        if self.texts is not None and text not in self.texts:
            raise ValueError("this matcher was made for other texts (see AliasMatcher's texts)")
        if self.pattern is None:
            return []
        ranges = sorted(skip)
        found = []
        for m in self.pattern.finditer(text):
            if any(b < m.end() and m.start() < e for b, e in ranges):
                continue
            found.append(Mention(m.start(), m.end(), m.group(0), self.owner[m.group(0)]))
        return found
