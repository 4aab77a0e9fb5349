"""The cues of a stance in a sentence: which words recommend, demand, intend, predict or evaluate,
what each governs, whether it is negated, and the clauses a sentence splits into.

A cue's scope runs from the cue to the end of its clause ("should not *respond to this attack*"),
or, for a judgement, from the start of its clause to the cue ("*any further use of force* would be
a mistake"). Polarity is the parity of the negators in the cue's clause before the first word of the
proposition ("should not", "does not appear to have been crossed", "would be a mistake"); a part of
its own joined by "and [to]" ("delay the decision and seek to ...") does not take those before it.
Clauses split at punctuation, contrast ("but", "although") and relative pronouns ("..., who
supported"), so that a relative clause or an "as X would prefer" can carry its own holder.
"""

from __future__ import annotations

import itertools
import re

from crisiskg.curate.segments import stems

# "should it take the step" (a subject after "should") is a condition, not a recommendation
_INVERTED = r"(?!\s+(?:(?:it|they|he|she|we|you|there|the|a|an|any)\b|(?-i:[A-Z])))"
# what a thing is called, a judgement against it: "called the sanctions 'economic terrorism'", "a flagrant violation"
_CONDEMNED = r"terrorism|violation|act of war|war crime|piracy"
RECOMMEND = re.compile(r"\b(?:should(?:n[’']t)?" + _INVERTED + r"|must|ought to|needs? to|need (?:is )?for|has to|have to|it is time|time (?:to|for)|the best answer|"
                       r"requires?|would be (?:a |an )?(?:\w+ )?(?:mistake|disaster|catastrophe|blunder|folly|catastrophic|disastrous|reckless|counterproductive)|is warranted|calls? for|(?<!\ba )(?<!\bstrong )urged?|"
                       r"can(?:not|[’']t) afford|(?:are|is) best served|(?:key|vital|strong) interest in)\b", re.IGNORECASE)
# "could" offers an option ("the United States could launch airstrikes"), not a view of what will happen
PREDICT = re.compile(r"\b(?:will|won[’']t|would|may|might|likely|unlikely|probably|almost certainly|expect\w*|"
                     r"appears? to|seems? to|is set to|be forced to)\b", re.IGNORECASE)
INTEND = re.compile(r"\b(?:want\w*|seeks?|sought|prefer\w*|intend\w*|plans? to|keen to|goal is|aims? to|determined to|"
                    r"trying to|tries to|try to|preparing to|prepares? to|hop(?:e|es|ed|ing)\b|desire to|"
                    r"pledge\w*|vow\w*|promis\w*|insist\w*|supported|supports?|opposed?|oppos\w+|favou?r\w*|hold\b.*\bto account)\b", re.IGNORECASE)
DEMAND = re.compile(r"\b(?:demand\w*|call(?:ed|s)? on|ask(?:ed|s)?(?=\s+(?:[\w.’'-]+\s+){1,3}?to\s+[a-z])|(?<!\ba )(?<!\bstrong )urg(?:e[sd]?|ing)|insist\w* that)\b", re.IGNORECASE)
EVALUATE = re.compile(r"\b(?:mistake|right|wrong|achievement|success\w*|fail(?:ure|ures|ing|s|ed)?\b(?!\s+to\b)|worthy|unwelcome|damag\w+|benefit\w*|"
                      r"serves?|hurt|jeopardi[sz]e|distract\w+|escalatory|means that|indicates?|shows that|demonstrates? that|"
                      r"(?:effective|ineffective|counterproductive|backfir\w+|pa(?:ying|id|ys) off)|"
                      r"(?:catastroph\w+|disast\w+|reckless|folly|blunder)|" + _CONDEMNED + "|"
                      r"(?:is|are|has been|have been)\s+(?:not\s+)?working(?!\s+(?:on|with|to|for|in|at|out|toward)\b))\b", re.IGNORECASE)
NEGATORS = re.compile(r"\b(?:not|no|never|neither|nobody|none|\w*n[’']t|avoid\w*|against|oppos\w+|prevent\w*|stop\w*|refrain\w*|without|halt\w*|"
                      r"end\w*|revers\w*|reject\w*|unlikely|mistake|delay\w*|limit\w*|minimi[sz]e|reconsider\w*|abandon\w*|"
                      r"scrap\w*|cancel\w*|rescind\w*|repeal\w*|overturn\w*|undo\w*|resist\w*|ineffective|counterproductive|backfir\w*|"
                      r"lift(?:s|ed|ing)?|"
                      r"catastroph\w+|disast\w+|reckless|folly|blunder|" + _CONDEMNED + "|"
                      r"cannot|unwelcome|jeopardi[sz]e)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]+")
OPEN = re.compile(r"\b(?:unclear|no predicting|hard to say|remains to be seen|uncertain|precarious|open question)\b", re.IGNORECASE)
CONDITION = re.compile(r"\b(?:if|unless|as long as|provided that|should(?=\s+(?:it|they|he|she|we|you|there|the|a|an|any)\b|\s+(?-i:[A-Z])))\b[^.;:”\"]{3,120}", re.IGNORECASE)

_CUES = (("recommendation", RECOMMEND), ("demand", DEMAND), ("intention", INTEND), ("prediction", PREDICT), ("evaluation", EVALUATE))


def modality(text: str) -> tuple[str, str]:
    """The strongest cue of ``text`` (a recommendation before a demand, an intention, a prediction,
    an evaluation) as (modality, the cue's words), or ("", "")."""
    for kind, pattern in _CUES:
        m = pattern.search(text)
        if m:
            return kind, m.group(0)
    return "", ""


# cues that judge the words before them ("X would be a mistake", "X is warranted")
_JUDGES_BEFORE = re.compile(r"mistake|warranted|effective|counterproductive|backfir|pa(?:ying|id|ys) off|working|catastroph|disast|reckless|"
                            r"folly|blunder|" + _CONDEMNED, re.IGNORECASE)
BOUNDARY = re.compile(r"(?<![A-Z])\.(?=\s|$)|[;:?!()]|[—–]|,\s*(?=(?:but|because|which|while|although|though|since|whereas|and then)\b)|"
                       r"\b(?:but|because|although|though|whereas|however|while)\b")


def scope(text: str, cue_at: int, cue: str) -> tuple[int, int]:
    """The offsets of the words ``cue`` (at ``cue_at``) governs in ``text``: what a modal or a verb
    of wanting is about runs from the cue to the end of its clause ("should not respond to this
    attack"); what a judgement is about ends at it ("any further use of force would be a mistake")."""
    starts = [m.end() for m in BOUNDARY.finditer(text, 0, cue_at)]
    start = starts[-1] if starts else 0
    if _JUDGES_BEFORE.search(cue):
        return start, cue_at
    end = BOUNDARY.search(text, cue_at + len(cue))
    return cue_at + len(cue), end.start() if end else len(text)


def polarity(text: str, shared: list[str], cue_at: int = 0, cue: str = "", *, marks: list[int] | None = None) -> str:
    """``against`` when an odd number of negators stand in the cue's clause before the first word of
    the proposition the cue governs ("should not retaliate", "does not appear to have been crossed",
    "would be a mistake"), ``favor`` otherwise; ``none`` when the sentence says the matter is open.
    ``shared``: the proposition's stems; ``marks``: where the names it shares begin in ``text``."""
    if OPEN.search(text):
        return "none"
    begin, end = scope(text, cue_at, cue)
    # the negators of the cue's own clause count, not those of a phrase set off by commas before it
    starts = [m.end() for m in BOUNDARY.finditer(text, 0, cue_at)] + [i + 1 for i in range(cue_at) if text[i] == ","]
    clause_start = max(starts, default=0)
    if _JUDGES_BEFORE.search(cue):
        window = text[clause_start:cue_at + len(cue)]
    else:
        words = list(_WORD.finditer(text, begin, end))
        hits = [w for w in words if stems(w.group(0)) and stems(w.group(0))[0] in shared]
        # the predicate's word, past a capitalised subject ("require the Iranians not to order further
        # military actions": the negation is of the ordering, said after the Iranians)
        first = next((w.start() for w in hits if not w.group(0)[:1].isupper()), hits[0].start() if hits else end)
        first = min([first, *(m for m in marks or [] if begin <= m < first)])
        # "delay the decision and seek to re-position ...": a part of its own ("and [eventually] to", "and seek")
        # does not take the negators of the part before it
        joins = [m for m in re.finditer(r"\b(?:and|or)\s+(?=(?:\w+ly\s+)?to\b|(?:seek|work|try|make|keep|build|ensure)\b)", text[:first]) if m.start() > cue_at]
        window = text[max(clause_start, joins[-1].end()) if joins else clause_start:first]
        if any(_UNDONE_AFTER.match(text, w.start()) for w in hits):
            window += " not"  # "offer sanctions relief": the relief undoes the sanctions
    return "against" if len(NEGATORS.findall(window)) % 2 else "favor"


# a noun right after a word of the proposition that undoes it: "sanctions relief", "sanctions removal"
_UNDONE_AFTER = re.compile(r"[\w’'-]+\s+(?:relief|removal|waivers?|suspension|rollback|easing|lifting)\b", re.IGNORECASE)


def strength(text: str) -> str:
    """``strong`` ("must", "certainly"), ``weak`` ("may", "perhaps") or ``moderate``."""
    if re.search(r"\b(?:must|certainly|clearly|definitely|never|absolutely|strong\w*)\b", text, re.IGNORECASE):
        return "strong"
    if re.search(r"\b(?:may|might|could|perhaps|possibly|unclear)\b", text, re.IGNORECASE):
        return "weak"
    return "moderate"


RELATIVE = re.compile(r",?\s+(?:who|which)\s+|\s+as\s+(?=[A-Z])")


def clauses(text: str) -> list[tuple[int, int, str, str]]:
    """The clauses of a sentence that carry a cue, as (begin, end, modality, cue) with ``begin`` the
    cue's offset: the sentence splits at punctuation, contrast and relative pronouns ("..., who
    supported", "as Iran would prefer"), and each part keeps its strongest cue (a recommendation
    before a demand, an intention, a prediction, an evaluation)."""
    relative = [m for m in RELATIVE.finditer(text)]
    # ", who ...," ends at its comma
    ends = [text.find(",", m.end()) for m in relative if m.group(0).startswith(",")]
    cuts = sorted({0, len(text), *(m.start() for m in BOUNDARY.finditer(text)), *(m.start() for m in relative), *(e for e in ends if e > 0)})
    out = []
    for a, b in itertools.pairwise(cuts):
        for kind, pattern in _CUES:
            m = pattern.search(text, a, b)
            if m and m.end() <= b:
                out.append((m.start(), b, kind, m.group(0)))
                break
    return out
