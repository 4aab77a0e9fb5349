"""Holders a clause names for itself, beside the sentence's speaker: the actors before a verb of
wanting ("the president and his foreign minister oppose", "Iran and its allies may be trying"; the
allies are the registry's entries named as backed by that actor), the agent of a passive
("objectives long sought by the late general"), whose claim a clause reports ("Iranian claims that
they do not seek"; a state's adjective names the state), the antecedent of a relative clause ("the
spy chief, who supported", "some elements of its military who would prefer"), the subject of "as X
would prefer", and the owner of a commitment ("his pledge to retaliate").
"""

from __future__ import annotations

import re

from crisiskg.curate.attribution import UNNAMED, Holder, Name, slug
from crisiskg.curate.knowledge import PLACE_TYPES, Knowledge
from crisiskg.curate.segments import Segment

_ASIDE = re.compile(r",\s*(?:for (?:its|their|his|her|our) part|in turn|however|meanwhile|too|by contrast|in fact|of course|"
                    r"at least for now|for now|so far|in any case|indeed)\s*,", re.IGNORECASE)


def actors_before(seg: Segment, cue_at: int, names: list[Name], know: Knowledge | None = None) -> list[str]:
    """The actors named just before a cue in its clause ("Iran and its allies may be trying",
    "the president and the foreign minister oppose"): the holders of an intention or a demand."""
    # "Iran, for its part, does not want": an aside between commas does not end the clause
    plain = _ASIDE.sub(lambda m: " " * len(m.group(0)), seg.text)
    clause_start = max(plain.rfind(p, 0, cue_at) for p in (",", ";", "—", " that ", " but ", "(")) + 1
    # "its Iraqi allies": the name qualifies the allies; it is not an actor of its own
    before = [n for n in names if seg.begin + clause_start <= n.begin and n.end <= seg.begin + cue_at
              and not re.match(r"\s+(?:allies|proxies|partners)\b", seg.text[n.end - seg.begin:])
              and ("State" in n.kind.split("/") or not set(n.kind.split("/")) & (PLACE_TYPES | {"Weapon"}))]
    if not before:
        return []
    run = [before[-1]]
    for n in reversed(before[:-1]):
        gap = seg.text[n.end - seg.begin:run[0].begin - seg.begin]
        if re.fullmatch(r"\s*(?:,|and|and its|and their|,\s*and)\s*", gap):
            run.insert(0, n)
        else:
            break
    tail = seg.text[run[-1].end - seg.begin:cue_at]
    if len(plain[run[-1].end - seg.begin:cue_at].split()) > 5 or re.search(r"\b(?:of|in|on|at|to|for|against|from|with)\s*$", seg.text[clause_start:run[0].begin - seg.begin]):
        return []
    ids = list(dict.fromkeys(n.entity for n in run))
    allies = re.match(r"\s*and\s+(?:its|their)\s+(?:(?P<which>[A-Z]\w+)\s+)?(?:allies|proxies|partners)\b", tail)
    if allies and know is not None:
        ids += _backed(know, run[-1].entity, allies.group("which"))
    return ids


def _backed(know: Knowledge, patron: str, which: str | None) -> list[str]:
    """The registry's entries named as backed by ``patron`` ("Iran-backed Iraqi militias", "militias
    backed by Iran"), those whose names have the word ``which`` ("Iraqi") when it is given: who "Iran
    and its (Iraqi) allies" are."""
    entry = know.entities.get(patron, {})
    spellings = [entry.get("label", ""), *entry.get("aliases", [])]
    pattern = re.compile("|".join(rf"\b{re.escape(w)}-backed\b|\bbacked by {re.escape(w)}\b" for w in spellings if w), re.IGNORECASE)
    out = []
    for ent_id, ent in know.entities.items():
        names = [ent.get("label", ""), *ent.get("aliases", [])]
        if ent_id != patron and any(pattern.search(n) for n in names) and (which is None or any(which in n for n in names)):
            out.append(ent_id)
    return out


_POSSESSIVE = re.compile(r"(?:\b(?P<pron>his|her|their)|[’']s?)\s+(?:\w+\s+)?$", re.IGNORECASE)


# "Iranian claims that they do not seek ...": whose claim, assurance or promise the clause reports
_CLAIM = re.compile(r"\b(?P<who>[A-Z][\w’'-]+)(?:[’']s)?\s+(?:claims?|assurances?|promises?|pledges?|threats?|insistence|statements?|"
                    r"warnings?|denials?)\s+that\b[^,;:—]*$")


def _claimant(word: str, at: int, names: list[Name], know: Knowledge | None) -> str | None:
    """The entity a word names: a name found there, or a state whose name the word is the adjective
    of ("Iranian" for Iran, "Iraqi" for Iraq, "American" for America)."""
    named = next((n for n in names if n.begin == at), None)
    if named is not None and named.known:
        return named.entity
    for ent_id, ent in (know.entities.items() if know is not None else ()):
        types = {ent["type"]} if isinstance(ent["type"], str) else set(ent["type"])
        if "State" in types and any(word[len(n):] in ("ian", "i", "n", "ese", "ish") and word.startswith(n)
                                    for n in [ent.get("label", ""), *ent.get("aliases", [])] if len(n) > 2):
            return ent_id
    return named.entity if named is not None else None


def clause_holder(seg: Segment, clause_at: int, cue_at: int, names: list[Name], know: Knowledge | None,
                  cue_end: int | None = None) -> tuple[Holder, list[str]] | None:
    """The holder a clause names for itself, whoever holds the sentence: the agent of a passive
    ("objectives long sought by the late general"), the antecedent of a relative clause
    ("the CIA director, who supported ...", "some elements of its military who would prefer
    ..."), the subject of an "as" clause ("as Iran and its allies would prefer"), or the owner of a
    commitment ("his pledge to retaliate", "Iran's promise to")."""
    head = seg.text[clause_at:cue_at]
    claim = _CLAIM.search(seg.text[:cue_at])
    claimant = _claimant(claim.group("who"), seg.begin + claim.start(), names, know) if claim is not None else None
    if claim is not None and claimant is not None:
        return Holder(claimant, claim.group(0), "paraphrase", f"'{claim.group(0)}'"), [claimant]
    by = re.match(r"\s+by\s+(?:the\s+)?(?:late\s+)?", seg.text[cue_end:]) if cue_end is not None else None
    if by is not None and cue_end is not None:
        at = seg.begin + cue_end + by.end()
        agent = [n for n in names if at in (n.begin, n.title_begin)]
        if agent:
            return Holder(agent[0].entity, agent[0].text, "paraphrase", f"'... by {agent[0].text}'"), [agent[0].entity]
    rel = re.match(r",?\s+(?:who|which)\s+", head)
    if rel is not None:
        before = seg.text[:clause_at].rstrip(" ,")
        named = [n for n in names if n.end - seg.begin == len(before)]
        if named:
            return Holder(named[-1].entity, named[-1].text, "paraphrase", f"'{named[-1].text}, who ...'"), [named[-1].entity]
        unnamed = [m for m in UNNAMED.finditer(before) if m.end() == len(before)]
        if unnamed:
            who = unnamed[-1].group("who")
            return Holder(f"source:{slug(who)}", who, "paraphrase", f"unnamed source '{who} who ...'", source_description=who), []
        return None
    if re.match(r"\s+as\s", head):
        actors = actors_before(seg, cue_at, names, know)
        if actors:
            return Holder(actors[0], " and ".join(actors), "paraphrase", f"'as {' and '.join(actors)} ...'"), actors
    owner = _POSSESSIVE.search(seg.text[:cue_at])
    if owner is not None:
        at = seg.begin + owner.start()
        if owner.group("pron"):
            people = [n for n in names if n.end <= at and n.begin >= seg.begin and "Person" in n.kind]
            if people:
                return Holder(people[-1].entity, people[-1].text, "paraphrase", f"'{owner.group('pron')}' after {people[-1].text}"), [people[-1].entity]
        else:
            named = [n for n in names if n.end == at]
            if named:
                return Holder(named[-1].entity, named[-1].text, "paraphrase", f"'{named[-1].text}'s ...'"), [named[-1].entity]
    return None


def content(text: str, seg: Segment, holder: Holder, names: list[Name]) -> str:
    """The sentence without the words that say who speaks (the speaker's title and name): they
    tell whose the stance is, not what it is about."""
    out = list(seg.text)
    for n in names:
        start = n.begin if n.title_begin is None else min(n.begin, n.title_begin)
        if n.entity == holder.id and seg.begin <= start and n.end <= seg.end and n.text in holder.words:
            out[start - seg.begin:n.end - seg.begin] = " " * (n.end - start)
    return "".join(out)


