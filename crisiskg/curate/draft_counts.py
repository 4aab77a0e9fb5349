"""Counts in a sentence with their qualifiers: munitions, casualties and other counted things.

"around 18 small Katyusha rockets" is 18 munitions, ``approximately``; "killed three coalition
personnel, two American and one British" is three killed and, by nationality, two and one; "nearly a
dozen" is 12, ``nearly``; "dozens of mourners" is at least 24 (the least the plural can mean: two
dozen; "hundreds of" 200, "tens of thousands of" 20,000), ``at-least``; "no confirmed casualties" and "no one was killed" report none
(``none-reported``), which is not a count of zero, while "no American was hurt" is a count of zero
Americans. Bases, vehicles and aircraft are counted things, never casualties ("missiles at two bases,
but no American was hurt"). Each count keeps the words it was read from as its quote.
"""

from __future__ import annotations

import re
from typing import Any

from crisiskg.textscan import DEMONYMS, MONTH_ABBREVIATIONS, MONTHS

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
           "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
           "a dozen": 12, "dozen": 12, "two dozen": 24, "a couple of": 2, "a few": 3, "a single": 1}
# a plural of a round number says how many at least: "dozens of mourners" are two dozen or more
AT_LEAST = {"dozens of": 24, "scores of": 40, "hundreds of": 200, "thousands of": 2000, "tens of thousands of": 20000,
            "hundreds of thousands of": 200000, "tens of": 20, "dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000}
NUMBERS.update(AT_LEAST)
QUALIFIERS = [(r"at least|no fewer than|no less than", "at-least"), (r"more than|over|upwards of", "more-than"),
              (r"nearly|almost|close to", "nearly"), (r"around|about|approximately|roughly|some|an estimated|up to \w+ of", "approximately"),
              (r"up to|at most|no more than|fewer than|less than", "at-most")]
_QUAL = "|".join(q for q, _ in QUALIFIERS)
_NUM = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+|" + "|".join(sorted((re.escape(w) for w in NUMBERS), key=len, reverse=True))
_NOUNS = (r"rockets?|missiles?|drones?|shells?|mortars?|rounds|bases|soldiers?|troops|personnel|servicemembers?|"
          r"service members?|civilians?|people|Americans|Iraqis|Iranians|Britons?|contractors?|officials|vehicles|aircraft|"
          r"fighters|militiamen|protesters|demonstrators|mourners|pilgrims|worshippers|passengers|Canadians|Ukrainians|Afghans|Saudis|Israelis|Syrians|Kurds")
# "two American and one British" count people; "Two Iranian missiles" counts missiles: an adjective is
# the noun only when no noun follows it
COUNT = re.compile(rf"(?<![\w-])(?<!no )(?:(?P<qual>{_QUAL})\s+)?(?P<num>{_NUM})(?:\s+more)?\s+(?P<what>(?:[\w.’'“”\"-]+\s+){{0,3}}?"
                   rf"[“”\"]?(?P<noun>{_NOUNS}|(?:American|British|Iraqi|Iranian|dead|killed|injured|wounded)"
                   rf"(?!\s+(?:[\w.’'“”\"-]+\s+){{0,2}}?[“”\"]?(?:{_NOUNS})\b)))\b", re.IGNORECASE)
# "injured nearly a dozen more": the verb before a number that names no noun
VERB_COUNT = re.compile(rf"\b(?P<verb>killed|killing|kills|injured|injuring|injures|wounded|wounding|wounds)\s+(?:(?P<qual>{_QUAL})\s+)?(?P<num>{_NUM})(?:\s+more)?(?=[\s.,;])", re.IGNORECASE)
_NATIONS = r"U\.S\.|US|American|Americans|British|Iraqi|Iraqis|Iranian|Iranians|Saudi|Israeli"  # "no U.S. or Iraqi personnel"
NONE_REPORTED = re.compile(r"\bno (?:confirmed |reported |immediate reports of )?(?P<what>casualties|deaths|injuries|fatalities)\b|"
                           r"\b(?:no one|nobody) was (?P<verb>killed|hurt|harmed|injured|wounded)\b|\bfailed to kill any (?P<who>\w+)|"
                           rf"\bno (?P<none_of>{_NATIONS})(?P<also> (?:or|and|nor) (?:{_NATIONS}))? "
                           r"(?:soldiers? |troops |personnel |service ?members? |civilians |forces |citizens )?"
                           r"(?:was|were) (?P<how>killed|hurt|harmed|injured|wounded)\b", re.IGNORECASE)
_KILLED = re.compile(r"\b(?:killed|killing|kills|dead|died|deaths?|slain|fatalities)\b", re.IGNORECASE)
_INJURED = re.compile(r"\b(?:injured|injuring|injures|wounded|wounding|wounds|hurt|harmed|injuries|concussions?|treated for)\b", re.IGNORECASE)
# "killed a U.S. contractor": one person, counted by the article "a"
_ONE_PERSON = re.compile(r"\b(?P<verb>killed|killing|kills|injured|injuring|injures|wounded|wounding|wounds)\s+(?:a|an)\s+"
                         r"(?P<what>(?:[\w.]+\s+){0,2}(?:soldier|contractor|civilian|service ?member|servicemember|officer|guard|worker|"
                         r"American|Iraqi|Iranian|Briton))\b", re.IGNORECASE)
MUNITIONS = {"rocket", "missile", "drone", "shell", "mortar", "round"}
THINGS = {"base", "vehicle", "aircraft"}


_MONTH_BEFORE = re.compile(rf"\b(?:{'|'.join(MONTHS)}|{MONTH_ABBREVIATIONS})\s+$")


def _counts(sentence: str) -> list[re.Match[str]]:
    """The COUNT matches of ``sentence``, a day of a month left out ("on Feb. 15 wounded one contractor":
    15 is the day; the search goes on right after it)."""
    out, at = [], 0
    while (m := COUNT.search(sentence, at)) is not None:
        if _MONTH_BEFORE.search(sentence, 0, m.start("num")):
            at = m.end("num")
            continue
        out.append(m)
        at = m.end()
    return out


_CLOSING = re.compile(r"[^“”\"]{0,40}?[”\"]")


def _closed(sentence: str, m: re.Match[str]) -> str:
    """The words of a count, to the closing quotation mark when they open a quotation ('80 "American
    terrorists"', not '80 "American'), else as matched."""
    words = m.group(0)
    opened = words.count("“") + words.count('"') - words.count("”")
    if opened % 2 and (closing := _CLOSING.match(sentence, m.end())) is not None:
        return words + closing.group(0)
    return words


def _nationality(what: str, known: set[str], noun: str | None = None) -> str | None:
    """The state whose people ``what`` counts (its noun's demonym first: "three Iraqis", "two U.S.
    soldiers"), when the registry (``known``) holds it."""
    found = (DEMONYMS.get(noun) if noun else None) or next((DEMONYMS[w] for w in what.split() if w in DEMONYMS), None)
    return found if found in known else None


def _status(verb: str) -> str:
    return "killed" if verb.lower().startswith("kill") else "injured"


def _number(word: str) -> int | None:
    word = word.lower().replace(",", "")
    if word.isdigit():
        return int(word)
    return NUMBERS.get(word)


def _qualifier(words: str | None, number: str = "") -> str:
    if not words:
        return "at-least" if number.lower() in AT_LEAST else "exact"
    return next(q for pattern, q in QUALIFIERS if re.fullmatch(pattern, words.lower()))


def read(sentence: str, known: set[str]) -> dict[str, Any]:
    """The munitions, casualties and other counts of one sentence, as seed-format mappings
    (``known``: the registry ids a nationality may name)."""
    out: dict[str, list[dict[str, Any]]] = {"munitions": [], "casualties": [], "counts": []}
    killed, injured = _KILLED.search(sentence), _INJURED.search(sentence)
    previous_status = None
    for m in _counts(sentence):
        count = _number(m.group("num"))
        if count is None:
            continue
        noun = m.group("noun").lower().rstrip("s")
        item: dict[str, Any] = {"count": count, "qualifier": _qualifier(m.group("qual"), m.group("num")), "quote": _closed(sentence, m)}
        if noun in MUNITIONS:
            out["munitions"].append(item)
            continue
        if noun in THINGS:  # "missiles at two bases, but no American was hurt": bases are counted, never hurt
            out["counts"].append({"what": m.group("what"), **item})
            continue
        # the status: the casualty verb nearest the number
        verbs = [(abs(v.start() - m.start()), status) for status, v in (("killed", killed), ("injured", injured)) if v]
        near = [(d, s) for d, s in verbs if d < 80]
        status = min(near)[1] if near else previous_status
        nationality = _nationality(m.group("what"), known, m.group("noun"))
        if status:
            item = {"status": status, **item}
            if nationality:
                item["nationality"] = nationality
            what = m.group("what")
            if m.group("noun").lower() not in ("american", "british", "iraqi", "iranian", "dead", "killed", "injured", "wounded"):
                item["population"] = what
            out["casualties"].append(item)
            previous_status = status
    taken = [c["quote"] for c in out["casualties"]]
    for m in _ONE_PERSON.finditer(sentence):
        what = m.group("what")
        item = {"status": _status(m.group("verb")), "count": 1, "qualifier": "exact", "quote": m.group(0)[len(m.group("verb")):].strip()}
        nationality = _nationality(what, known)
        if nationality:
            item["nationality"] = nationality
        out["casualties"].append({**item, "population": what})
    for m in VERB_COUNT.finditer(sentence):
        count = _number(m.group("num"))
        if count is None or any(m.group("num") in q for q in taken):
            continue
        out["casualties"].append({"status": _status(m.group("verb")), "count": count, "qualifier": _qualifier(m.group("qual"), m.group("num")), "quote": m.group(0)})
    for m in NONE_REPORTED.finditer(sentence):
        verb = (m.group("verb") or m.group("how") or "").lower()
        status = "killed" if m.group("who") and not verb or (m.group("what") or "").lower() in ("deaths", "fatalities") or verb == "killed" else \
            "injured" if verb or (m.group("what") or "").lower() == "injuries" else "casualties"
        who = m.group("who") or m.group("none_of")
        item = {"status": status, "count": 0, "qualifier": "none-reported" if not who else "exact", "quote": m.group(0)}
        also = m.group("also").split()[-1] if m.group("also") else None
        for nation in ([who, also] if also else [who]):  # "no U.S. or Iraqi personnel": none of either, a count each
            counted = dict(item)
            if nation and DEMONYMS.get(nation) in known:
                counted["nationality"] = DEMONYMS[nation]
            out["casualties"].append(counted)
    return {k: v for k, v in out.items() if v}
