"""A first annotation file for a new article, for a curator to finish.

It guesses the metadata from the text, lists the registry entities found by alias and the unknown
capitalised names, proposes candidate events from trigger words (with dates resolved against the
publication date) and candidate stances from cue sentences (with a guessed holder). The file is
marked ``status: draft``; the build refuses it until a curator sets ``status: reviewed``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from crisiskg.errors import CrisisKGError
from crisiskg.loaders.anchor import occurrences
from crisiskg.loaders.mentions import AliasMatcher
from crisiskg.loaders.seeds import SeedSet, read_seeds
from crisiskg.textscan import CUES, DATE_EXPR, MONTHS, candidate_names, overlaps, resolve_relative, sentences

# trigger word -> (event class, CAMEO code)
TRIGGERS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"\bmissiles?\b", re.IGNORECASE), "MissileAttack", "195"),
    (re.compile(r"\brockets?\b|\brocket fire\b", re.IGNORECASE), "RocketAttack", "194"),
    (re.compile(r"\bdrones?\b", re.IGNORECASE), "DroneStrike", "195"),
    (re.compile(r"\bairstrikes?\b", re.IGNORECASE), "Airstrike", "195"),
    (re.compile(r"\b(killed|killing|assassinat\w+|slaying)\b", re.IGNORECASE), "Killing", "186"),
    (re.compile(r"\b(attack(ed|s)?|struck|strikes?|fired)\b", re.IGNORECASE), "Attack", "190"),
    (re.compile(r"\b(tweet(ed)?)\b", re.IGNORECASE), "Statement", "010"),
    (re.compile(r"\b(threat(en(ed)?)?|warn(ed|ing)?|promised)\b", re.IGNORECASE), "Threat", "138"),
    (re.compile(r"\b(announce(d|ment)?)\b", re.IGNORECASE), "Announcement", "010"),
    (re.compile(r"\bvoted?\b", re.IGNORECASE), "Vote", "100"),
    (re.compile(r"\bsanctions?\b", re.IGNORECASE), "Sanction", "163"),
    (re.compile(r"\bprotests?\b", re.IGNORECASE), "Protest", "141"),
    (re.compile(r"\bnegotiat\w+\b", re.IGNORECASE), "Negotiation", "046"),
]
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 6) -> str:
    words = _SLUG.sub(" ", text.lower()).split()
    return "-".join(words[:limit]) or "item"


def guess_published(text: str) -> tuple[dt.date | None, str]:
    m = re.search(r"(" + "|".join(MONTHS) + r")\s+(\d{1,2}),\s+(\d{4})", text)
    if not m:
        return None, "not found in the text: a curator must set it"
    date = dt.date(int(m.group(3)), MONTHS.index(m.group(1)) + 1, int(m.group(2)))
    return date, f"guessed from the text: {m.group(0)!r} (first full date in the article; check it)"


def _unique_quote(text: str, begin: int, end: int) -> dict[str, Any]:
    quote = text[begin:end]
    item: dict[str, Any] = {"quote": quote}
    starts = occurrences(text, quote)
    if len(starts) > 1:
        item["occurrence"] = starts.index(begin) + 1
    return item


def draft(article: Path | str, seeds_dir: Path | str) -> str:
    """The YAML text of a draft annotation file for ``article`` (a .txt file)."""
    path = Path(article)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise CrisisKGError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CrisisKGError(f"{path} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    if not text.strip():
        raise CrisisKGError(f"{path} is empty")
    seeds: SeedSet = read_seeds(seeds_dir, allow_drafts=True)
    matcher = AliasMatcher(seeds.entities)
    mentions = matcher.find(text)
    found = Counter(m.entity for m in mentions)
    mention_ranges = [(m.begin, m.end) for m in mentions]
    unknown = Counter(name for b, e, name in candidate_names(text) if not any(overlaps((b, e), r) for r in mention_ranges))
    lines = [line for line in text.splitlines() if line.strip()]
    title = lines[0].strip() if lines else path.stem
    published, derivation = guess_published(text)
    pub = published or dt.date.today()
    persons = {m.entity for m in mentions if "Person" in seeds.types(m.entity)}

    events, stances = [], []
    used_ids: set[str] = set()
    title_end = text.find(title) + len(title) if title in text else 0
    for s in sentences(text):
        if s.end <= title_end:
            continue  # the headline restates the story; events are drafted from the body
        for pattern, cls, cameo in TRIGGERS:
            if pattern.search(s.text):
                ev: dict[str, Any] = {"id": "", "label": s.text[:80], "class": cls, "cameo": cameo, **_unique_quote(text, s.begin, s.end)}
                date_m = DATE_EXPR.search(s.text)
                resolved = resolve_relative(date_m.group(0), pub) if date_m else None
                if resolved:
                    ev["date"] = {"value": resolved[0].isoformat(), "precision": "day", "derivation": resolved[1]}
                base = slug(cls + " " + s.text, 5)
                ev["id"] = base if base not in used_ids else f"{base}-{len(used_ids)}"
                used_ids.add(ev["id"])
                events.append(ev)
                break
        if CUES.search(s.text):
            named = [m.entity for m in mentions if s.begin <= m.begin < s.end and m.entity in persons]
            stances.append({
                "id": slug("stance " + s.text, 6), "holder": named[0] if named else "author",
                "proposition": "choose-a-proposition", "polarity": "favor", "modality": "recommendation",
                "strength": "moderate", "condition": None,
                "speech_mode": "direct-quote" if named else "author-opinion", **_unique_quote(text, s.begin, s.end),
            })
    doc: dict[str, Any] = {
        "article": {
            "text": path.name,
            "status": "draft",
            "title": title,
            "genre": "news",
            "publisher": None,
            "authors": [],
            "published": {"date": pub.isoformat(), "precision": "day", "derivation": derivation},
            "headline": [_unique_quote(text, text.index(title), text.index(title) + len(title))] if title in text else [],
            "furniture": [],
            "captions": [],
        },
        "events": events,
        "stances": stances,
        "draft_notes": {
            "how_to_finish": "Check every guess against the text; fix classes, roles, places and dates; choose "
                             "propositions from propositions.yaml; add new entities to registry.yaml; then set status: reviewed.",
            "registry_entities_found": dict(sorted(found.items())),
            "candidate_entities": dict(sorted(unknown.items())),
        },
    }
    header = f"# Draft annotations for {path.name}, written by 'crisiskg draft'. A curator must review every line.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
