"""How completely each article is annotated.

Per article: the name-like phrases and whether each is resolved to a registry entity (an alias
match overlaps it, or the article lists it under ``ignored_names`` with a reason); the sentences with
a recommendation cue and whether a stance or a ``skipped_cues`` entry covers them; the date
expressions and whether an event's quote covers them; and the places its events name that have no
point in the registry (a city, a base, a facility: the map cannot show those events; a country has
no point by design). Page furniture and captions are left out.
It runs while other mistakes remain: the entries they point at are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crisiskg.errors import Problem
from crisiskg.loaders.mentions import AliasMatcher
from crisiskg.loaders.seeds import ArticleSeed, SeedSet, check_seeds, usable
from crisiskg.textscan import CUES, DATE_EXPR, candidate_names, overlaps, sentences


@dataclass
class ArticleCoverage:
    key: str
    file: str
    mentions: int = 0
    names_resolved: list[str] = field(default_factory=list)
    names_unresolved: list[tuple[int, str]] = field(default_factory=list)
    cues_covered: int = 0
    cues_skipped: int = 0
    cues_uncovered: list[tuple[int, str]] = field(default_factory=list)
    dates_covered: int = 0
    dates_uncovered: list[tuple[int, str]] = field(default_factory=list)
    places_without_point: dict[str, int] = field(default_factory=dict)  # place id -> events that name it
    text_file: str = ""
    text: str = field(default="", repr=False)

    def where(self, offset: int) -> str:
        """``file:line:column`` of a character offset of the article's text (both 1-based)."""
        before = self.text[:offset]
        line = before.count("\n") + 1
        return f"{self.text_file}:{line}:{offset - (before.rfind(chr(10)) + 1) + 1}"

    @property
    def resolved_share(self) -> float:
        total = len(self.names_resolved) + len(self.names_unresolved)
        return 1.0 if total == 0 else len(self.names_resolved) / total

    @property
    def complete(self) -> bool:
        return not self.names_unresolved and not self.cues_uncovered


def _spans(seeds: SeedSet, art: ArticleSeed, section: str) -> list[tuple[int, int]]:
    return [(sp.begin, sp.end) for (key, path), sp in seeds.spans.items() if key == art.key and path[0] == section and len(path) == 2]


def article_coverage(seeds: SeedSet, art: ArticleSeed, matcher: AliasMatcher) -> ArticleCoverage:
    text = art.text
    meta_spans = [(sp.begin, sp.end) for (key, path), sp in seeds.spans.items()
                  if key == art.key and path[:2] in (("article", "furniture"), ("article", "captions"))]
    furniture = [(sp.begin, sp.end) for (key, path), sp in seeds.spans.items() if key == art.key and path[:2] == ("article", "furniture")]
    cov = ArticleCoverage(art.key, art.yaml_file, text_file=art.text_file, text=text)
    found = matcher.find(text, furniture)
    cov.mentions = len(found)
    mention_ranges = [(m.begin, m.end) for m in found]
    ignored = {item["name"] for item in art.meta.get("ignored_names") or []}
    for b, e, name in candidate_names(text):
        if any(overlaps((b, e), r) for r in meta_spans):
            continue
        if any(overlaps((b, e), r) for r in mention_ranges) or name in ignored:
            cov.names_resolved.append(name)
        else:
            cov.names_unresolved.append((b, name))
    stance_spans = _spans(seeds, art, "stances")
    skipped = _spans(seeds, art, "skipped_cues")
    event_spans = _spans(seeds, art, "events")
    for s in sentences(text):
        rng = (s.begin, s.end)
        if any(overlaps(rng, r) for r in meta_spans):
            continue
        if CUES.search(s.text):
            if any(overlaps(rng, r) for r in stance_spans):
                cov.cues_covered += 1
            elif any(overlaps(rng, r) for r in skipped):
                cov.cues_skipped += 1
            else:
                cov.cues_uncovered.append((s.begin, s.text))
    for m in DATE_EXPR.finditer(text):
        rng = (m.start(), m.end())
        if any(overlaps(rng, r) for r in meta_spans):
            continue
        if any(overlaps(rng, r) for r in event_spans):
            cov.dates_covered += 1
        else:
            cov.dates_uncovered.append((m.start(), m.group(0)))
    cov.places_without_point = places_without_point(seeds, art)
    return cov


def places_without_point(seeds: SeedSet, art: ArticleSeed) -> dict[str, int]:
    """The places the events of ``art`` name that have no point in the registry (the map cannot show
    those events; a country has none by design), each with the number of events that name it."""
    out: dict[str, int] = {}
    for ev in art.items("events"):
        for place in dict.fromkeys([*(ev.get("places") or []), *(ev.get("target_places") or [])]):
            if place in seeds.entities and "point" not in seeds.entities[place] and not {"Country", "State"} & set(seeds.types(place)):
                out[place] = out.get(place, 0) + 1
    return out


def coverage(seeds_dir: Path | str, *, allow_drafts: bool = True) -> list[ArticleCoverage]:
    """Coverage of every article under ``seeds_dir`` (drafts included by default)."""
    return check(seeds_dir, allow_drafts=allow_drafts)[0]


def check(seeds_dir: Path | str, *, allow_drafts: bool = True) -> tuple[list[ArticleCoverage], list[Problem]]:
    """Coverage of every article under ``seeds_dir`` as far as its entries load, and the seed
    problems that left entries out (coverage runs while they are being fixed)."""
    seeds, problems = check_seeds(seeds_dir, allow_drafts=allow_drafts)
    seeds = usable(seeds, problems) if problems else seeds
    matcher = AliasMatcher(seeds.entities)
    return [article_coverage(seeds, art, matcher) for art in seeds.articles], problems
