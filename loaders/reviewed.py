"""What a file marked ``status: reviewed`` may no longer hold: what ``crisiskg draft`` or the
workbench left for a curator (``draft_notes``, suggestions neither accepted nor rejected, ids the
draft made up) and attacks that no article says who did them or whom they hit.

The draft marks the ids it makes up with :data:`GENERATED`; ids that older drafts made from the
item's class and quote are recognised too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from crisiskg import vocab
from crisiskg.errors import Problem
from crisiskg.loaders.seedset import ArticleSeed
from crisiskg.vocab import CKG

GENERATED = "draft-"
"""The prefix of an id that ``crisiskg draft`` made up: a curator names the item before review."""

_WORDS = re.compile(r"[^a-z0-9]+")
# a relation that says who is responsible for an attack, when the text names no attacker or target
_RESPONSIBILITY = ("responsibleFor", "claimedResponsibilityFor")


def _slug(text: str, limit: int) -> str:
    return "-".join(_WORDS.sub(" ", text.lower()).split()[:limit]) or "item"


def _made_from_quote(item_id: str, item: dict[str, Any], section: str) -> bool:
    """Whether ``item_id`` is the id an older draft made from the item's class (or 'stance') and quote."""
    quote = str(item.get("quote", ""))
    if section == "events":
        classes = item.get("class")
        first = classes[0] if isinstance(classes, list) and classes else classes
        made = _slug(f"{first} {quote}", 5)
    else:
        made = _slug(f"stance {quote}", 6)
    return item_id == made or re.fullmatch(re.escape(made) + r"-\d+", item_id) is not None


def harmless(p: Problem) -> bool:
    """Whether ``p`` is one of the review problems (or the draft status) that leave the file
    loadable, so that its other stages can still be checked."""
    return (p.field.startswith("draft_notes") or p.field == "article.status"
            or p.message.endswith((" has no roles", " was made up by crisiskg draft", "this annotation file is a draft")))


def _attack_classes() -> frozenset[str]:
    return frozenset(vocab.subclasses(CKG.Attack))


def check_reviewed(a: ArticleSeed) -> Iterator[Problem]:
    """The problems that keep article ``a`` (marked reviewed) from being built."""
    doc, data = a.doc, a.doc.data
    notes = data.get("draft_notes")
    if notes is not None:
        pending = notes.get("suggestions") if isinstance(notes, dict) else None
        if isinstance(pending, list) and pending:
            for i, _ in enumerate(pending):
                yield doc.problem(("draft_notes", "suggestions", i), "a suggestion of crisiskg draft is neither accepted nor rejected",
                                  "accept it (move it into its section) or reject it (delete it), in the workbench or by hand")
        yield doc.problem(("draft_notes",), "draft_notes are left in a file marked reviewed",
                          "deal with every note, then delete the draft_notes section")
    for section in ("sources", "events", "stances"):
        for i, item in enumerate(a.items(section)):
            item_id = str(item.get("id", ""))
            if item_id.startswith(GENERATED) or (section != "sources" and _made_from_quote(item_id, item, section)):
                yield doc.problem((section, i, "id"), f"id {item_id!r} was made up by crisiskg draft",
                                  f"name the {section[:-1]} for what it is, e.g. '{_example(section, item)}'")


def check_attacks(articles: list[ArticleSeed], known_events: frozenset[str] = frozenset()) -> Iterator[Problem]:
    """An attack that no article gives roles or a responsibility claim (``known_events``: events
    of articles checked before, which had to have them), reported where a reviewed article annotates it."""
    attacks = _attack_classes()
    covered = set(known_events)
    for a in articles:
        covered |= {rel.get("object") for rel in a.items("relations") if rel.get("predicate") in _RESPONSIBILITY}
        covered |= {ev.get("id") for ev in a.items("events") if any((ev.get("roles") or {}).values())}
    reported: set[str] = set()
    for a in articles:
        if a.meta.get("status") != "reviewed":
            continue
        for i, ev in enumerate(a.items("events")):
            classes = ev.get("class")
            classes = set(classes) if isinstance(classes, list) else {classes}
            if classes & attacks and ev.get("id") not in covered and ev.get("id") not in reported:
                reported.add(ev.get("id"))
                yield a.doc.problem(("events", i, "class"), f"attack {ev.get('id')!r} has no roles",
                                    "add roles (attacker or suspectedAttacker, target, victim) as the text gives them, or a "
                                    "responsibleFor / claimedResponsibilityFor relation when it names no one")


def _example(section: str, item: dict[str, Any]) -> str:
    if section == "events":
        return "camp-taji-rocket-attack-2020-03-11"
    if section == "stances":
        return "wechsler-against-us-retaliation-jan-8"
    return "one-former-official"
