"""Events named by a phrase inside a sentence, beside the one its main verb tells.

A sentence often names more than one event: "having not reacted to previous Iranian attacks on
shipping", "when he tweeted on January 4 that if Iran struck any Americans, he would target ...",
"by warning Iraq that it was going to send missiles", "the widespread anti-Iranian protests", an
act a speaker's statement reports ("said that they had shot down a passenger jet"). Each
phrase pattern below gives a class and the words it quotes; the sentence reader
(``crisiskg.curate.draft_events``) keeps the sentence's main event, and a phrase adds an event only
when its class is not one the sentence already drafted (so one event is not drafted twice).
"""

from __future__ import annotations

import re
from typing import Any

from crisiskg.curate.attribution import Holder, Name, slug
from crisiskg.curate.draft_dates import DateGuess, find
from crisiskg.curate.draft_events import ACTOR_KINDS, ATTACK_NOUNS, ATTACKS, CHANNELS, DOWNED, MEANS, main_clause
from crisiskg.curate.segments import Segment, quoted

# a past attack named by a noun phrase: a word that sets it in the past and a target or a doer
_PAST = r"(?:previous|earlier|past|prior|repeated|original)"  # not "recent", "the latest": they point back at the news
PAST_ATTACK = re.compile(rf"\b{_PAST}\s+(?:[\w-]+\s+){{0,2}}?(?:attacks?|strikes?|rocket fire|fire)\b"
                         r"(?:\s+(?:on|against|at|by|from)\s+(?:the\s+)?[\w-]+(?:\s+(?:and|of)\s+[\w-]+){0,2}(?:\s+[\w-]+)?)?",
                         re.IGNORECASE)
RECEIVED_FIRE = re.compile(r"\b(?:has|have|had)\s+(?:previously|repeatedly|already|often|long)\s+(?:received|come under|been (?:hit|targeted))\b[^.;]{0,60}",
                           re.IGNORECASE)
# words of a speaker inside a sentence: "he tweeted on January 4 that ...", "by warning Iraq ... that"
SAID_THAT = re.compile(r"\b(?:(?P<verb>tweeted|warned|threatened|vowed|pledged|announced|declared|said|stated|insisted)|by (?P<gerund>warning|threatening))\b"
                       r"(?P<rest>[^.;]{0,120}?\bthat\b[^.;]{5,200})", re.IGNORECASE)
CONDITIONAL = re.compile(r"\bif\b[^.;]{3,120}\b(?:would|will)\b|\b(?:was|were) going to\b|\bwould\s+(?:target|strike|hit|respond|retaliate)\b",
                         re.IGNORECASE)
_MAIN_SPEECH = re.compile(r"\b(?:said|says|told|tweet(?:ed|s)|stated|announced|declared|warn(?:ed|s)|threaten(?:ed|s)|vow(?:ed|s)|pledged?|promised)\b",
                          re.IGNORECASE)
_SAY_WORD = re.compile(r"\b(?:tweeted|warned|threatened|vowed|pledged|announced|declared|by warning|by threatening)\b", re.IGNORECASE)
# "said" inside a sentence is mostly the sentence's own attribution ("X said on Sunday that ..."); after
# a link to an earlier event ("..., hours after the ministry said that ...") it tells that event
_SAID_WORD = re.compile(r"\b(?:said|stated|insisted)\b", re.IGNORECASE)
_TRAILING = re.compile(r"(?:\s+(?:in|on|at|of|the|and|from|by|to|with|for))+$", re.IGNORECASE)
# a character of the words of one act: no end of a clause or quotation; a point only after a lone
# capital ("U.S. forces", "Mark A. Milley")
_IN_ACT = r"(?:[^.;:“”\"]|(?<=\b[A-Z])\.)"
# an act a speaker reports: "said (on Saturday) (in a statement) (that) they had shot down a jet"
REPORTED_ACT = re.compile(r"\b(?:said|says|confirm(?:ed|s)|admit(?:ted|s)|announc(?:ed|es)|acknowledg(?:ed|es))\s+(?:on\s+\w+\s+)?"
                          r"(?:in\s+an?\s+(?:[\w-]+\s+)?(?:statement|tweet|post|interview|briefing)\s+)?(?:that\s+)?"
                          rf"(?P<act>{_IN_ACT}*?\b(?P<verb>shot down|downed|fired|struck|attacked|bombed|killed|(?:carried out|conducted|launched) "
                          rf"(?:air ?)?strikes)\b{_IN_ACT}*)", re.IGNORECASE)
# the speaker as the doer: "it had launched", "they shot down", "its forces shot down"
_OWN_DOING = re.compile(r"(?:it|they|we|(?:(?:one|two|three|several|some) of\s+)?(?:its|their|our)\s+(?:own\s+)?"
                        r"(?:forces|troops|military|army|air defen[cs]es?|units?|navy|air force|destroyers?|warships?|ships?|jets?|aircraft|planes?))\s+"
                        r"(?:had\s+|has\s+|have\s+)?(?:\w+ly\s+)?\S", re.IGNORECASE)
# "said the strikes killed three soldiers": the act is the attack the article told before (its toll goes there)
_TOLD_BEFORE = re.compile(rf"(?:the|these|those|this|that)\s+(?:[\w-]+\s+)?{ATTACK_NOUNS}\b", re.IGNORECASE)
# "were killed in a U.S. airstrike": whose strike it was is named right before the attack's noun
_WHOSE_ATTACK = re.compile(r"\b(?:in|by)\s+(?:a|an|the)\s+$")
REPORTED = "an act the speaker reports"  # the reason given for such an act; other phrases name past attacks
HYPOTHETICAL_BEFORE = re.compile(r"\b(?:would|could|will|might|may|should|if|not|never|no|nobody|none)\b", re.IGNORECASE)
PROTESTS = re.compile(r"\b(?:the\s+)?(?:widespread|mass|massive|ongoing|nationwide|street|popular|anti-[\w-]+)\s+(?:[\w-]+\s+)?protests?\b"
                      r"(?:\s+(?:in|against)\s+[\w-]+)?", re.IGNORECASE)


def _class_of_attack(words: str) -> str:
    return next((cls for pattern, cls, _ in MEANS for m in pattern.finditer(words) if not DOWNED.search(words, 0, m.start())), "Attack")


def _speaker(seg: Segment, names: list[Name], at: int, holder: Holder) -> str | None:
    """The named actor closest before ``at`` in the sentence (a pronoun: the sentence's holder)."""
    before = [n for n in names if seg.begin <= n.begin and n.end <= seg.begin + at and ACTOR_KINDS & set(n.kind.split("/"))]
    if before:
        return before[-1].entity
    if re.search(r"\b(?:he|she|they|it)\s*$", seg.text[:at], re.IGNORECASE) and holder.id != "author" and not holder.id.startswith("source:"):
        return holder.id
    return None


def read(text: str, seg: Segment, names: list[Name], holder: Holder, published_date: Any, drafted: set[str],
         *, estimated: bool = False, head: Segment | None = None) -> list[dict[str, Any]]:
    """Events named by phrases of ``seg`` whose classes are not in ``drafted`` (the classes the
    sentence already drafted), each with its phrase as quote and ``suggested``. ``head``: the
    sentence's main clause, when the caller has it already."""
    out: list[dict[str, Any]] = []
    taken = set(drafted)

    def add(cls: str, words: str, at: int, why: str, extra: dict[str, Any] | None = None) -> None:
        family = ATTACKS if cls in ATTACKS else {cls}
        if taken & family or not words.strip():
            return
        taken.update(family)
        date: DateGuess | None = find(words, published_date, estimated=estimated)
        event: dict[str, Any] = {"id": "draft-" + slug(f"{cls} {words[:40]}"), "label": words if len(words) <= 100 else words[:97] + "...",
                                 "class": cls, **quoted(text, words, seg.begin + at)}
        if date is not None:
            event["date"] = date.as_seed()
        event.update(extra or {})
        event["suggested"] = {"why": why, "confidence": 0.4}
        out.append(event)

    for m in PAST_ATTACK.finditer(seg.text):
        words = _TRAILING.sub("", m.group(0))
        add(_class_of_attack(words), words, m.start(), f"a past attack named inside the sentence: '{words}'")
    for m in RECEIVED_FIRE.finditer(seg.text):
        add(_class_of_attack(m.group(0)), m.group(0), m.start(), f"fire received before: '{m.group(0)}'")
    # the sentence's own words, when it drafted them, are its first verb of saying; a claim of
    # responsibility holds what its statement says
    own = _MAIN_SPEECH.search(seg.text) if drafted & {"Statement", "Threat", "Announcement"} else None
    head = head or main_clause(seg)
    starts = [] if "ClaimOfResponsibility" in drafted else \
        sorted([v.start() for v in _SAY_WORD.finditer(seg.text)] + [v.start() for v in _SAID_WORD.finditer(seg.text) if head is not seg
                                                                     and not head.begin <= seg.begin + v.start() < head.end])
    for m in (found for at in starts for found in [SAID_THAT.match(seg.text, at)] if found):
        if own is not None and m.start() == own.start():
            continue
        words = m.group(0)
        threat = bool(m.group("gerund")) or m.group("verb").lower() in ("warned", "threatened", "vowed", "pledged") or bool(CONDITIONAL.search(m.group("rest")))
        cls = "Threat" if threat else "Statement"
        who = _speaker(seg, names, m.start(), holder)
        extra: dict[str, Any] = {"channel": next((ch for p, ch in CHANNELS if p.search(words)), "Unspecified")}
        if who:
            extra["roles"] = {"speaker": [who]}
        taken -= {"Statement", "Threat"}  # words said apart from the sentence's own
        add(cls, words, m.start(), f"words said inside the sentence: '{(m.group('verb') or m.group('gerund'))} ... that'", extra)
    if drafted & {"Statement"}:
        # "Iran's armed forces said that they had shot down a Ukrainian passenger jet": the act the
        # speaker reports, beside the statement (reported by its speaker)
        for m in REPORTED_ACT.finditer(seg.text):
            words = m.group("act")
            if HYPOTHETICAL_BEFORE.search(words[:m.group("act").find(m.group("verb"))]) or _TOLD_BEFORE.match(words):
                continue  # "would strike", "said the strikes killed three soldiers": no act, or the attack told before
            cls = _class_of_attack(words)
            if cls == "Attack" and re.search(r"\bkill", m.group("verb"), re.IGNORECASE):
                cls = "Killing"
            extra = {"reported_by": holder.id} if holder.id != "author" else {}
            # who did it: the speaker ("the Pentagon said it had launched airstrikes on X"), or the actor
            # named before the verb ("said that Kataib Hezbollah had fired the rockets"); to the actors after it
            start, verb, end = seg.begin + m.start("act"), seg.begin + m.start("verb"), seg.begin + m.end("act")
            actors = [n for n in names if start <= n.begin and n.end <= end and ACTOR_KINDS & set(n.kind.split("/"))]
            speaker = holder.id != "author" and not holder.id.startswith("source:")
            doers = [holder.id] if speaker and _OWN_DOING.match(words) else [n.entity for n in actors if n.end <= verb]
            # "five of its fighters were killed in a U.S. airstrike": the actor that names the attack did it
            named = [n.entity for n in actors if n.begin > verb and _WHOSE_ATTACK.search(text, seg.begin, n.begin)
                     and re.match(rf"\s+(?:[\w-]+\s+)?{ATTACK_NOUNS}\b", text[n.end:end], re.IGNORECASE)]
            doers = doers or named
            targets = [n.entity for n in actors if n.begin > verb and n.entity not in doers]
            if doers:
                extra["roles"] = {"attacker": list(dict.fromkeys(doers)), **({"target": list(dict.fromkeys(targets))} if targets else {})}
            add(cls, words, m.start("act"), f"{REPORTED}: '{m.group('verb')}'", extra)
    for m in PROTESTS.finditer(seg.text):
        add("Protest", m.group(0), m.start(), f"protests named inside the sentence: '{m.group(0)}'")
    return out
