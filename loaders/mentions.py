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
        aliases = list(self.owner)
        if texts is not None:
            texts = list(texts)
            aliases = [a for a in aliases if any(a in t for t in texts)]
        self.texts = texts
        self.pattern = re.compile(r"(?<!\w)" + _trie(aliases) + r"(?!\w)") if aliases else None

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


def _trie(aliases: Iterable[str]) -> str:
    """A pattern matching any of ``aliases``, longest first, written as their trie: one
    alternation per shared prefix, so that at each position of a text the engine follows one
    path instead of trying every alias in turn (``benchmarks/README.md``, "The fourteenth
    round"). The aliases that can match at one position are all prefixes of the text there, so
    they lie on one path of the trie; taking the longer branch before the alias that ends at a
    node is longest first, and the regular expression engine still falls back to a shorter alias
    when ``(?!\\w)`` refuses the longer one."""
    root: dict[str, Any] = {}
    for alias in aliases:
        node = root
        for ch in alias:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        parts = [re.escape(ch) + pattern(node[ch]) for ch in sorted(node) if ch]
        if "" in node:
            parts.append("")  # this alias ends here: tried after every longer one
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return pattern(root)
