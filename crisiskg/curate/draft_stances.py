"""Candidate stances: who holds a view, on which proposition, for or against it, how.

A sentence is a stance candidate when it recommends, predicts, intends, demands or evaluates (modal
and evaluative cues). Its proposition is the one of ``propositions.yaml`` whose label and definition
share the most informative word stems with it (stems by the Snowball English stemmer, weighted by how
rare they are among the propositions), unless a second one scores about as well: then the stance is
a candidate naming both, for the curator to pick; its polarity is ``against`` when the words before the
proposition's terms negate or oppose ("should not", "avoid", "prevent", "does not seek"), ``none``
when the sentence says the matter is open ("unclear", "no predicting"). The holder is the sentence's
attributed speaker, an unnamed source, or the author. A passage another article already carries word
for word gets that article's curated stance.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from crisiskg.curate.attribution import Holder, Name
from crisiskg.curate.knowledge import PLACE_TYPES, Knowledge
from crisiskg.curate.segments import Segment, quoted, stems

RECOMMEND = re.compile(r"\b(?:should(?:n[’']t)?|must|ought to|needs? to|need for|has to|have to|it is time|time to|the best answer|"
                       r"requires?|would be a (?:\w+ )?mistake|is warranted|calls? for|urged?)\b", re.IGNORECASE)
PREDICT = re.compile(r"\b(?:will|won[’']t|would|may|might|could|likely|unlikely|probably|almost certainly|expect\w*|"
                     r"appears? to|seems? to|is set to|be forced to)\b", re.IGNORECASE)
INTEND = re.compile(r"\b(?:want\w*|seeks?|sought|prefer\w*|intend\w*|plans? to|keen to|goal is|aims? to|determined to|"
                    r"trying to|tries to|try to|preparing to|prepares? to|"
                    r"pledge\w*|vow\w*|promis\w*|insist\w*|supported|supports?|opposed?|oppos\w+|favou?r\w*|hold\b.*\bto account)\b", re.IGNORECASE)
DEMAND = re.compile(r"\b(?:demand\w*|call(?:ed|s)? on|urg\w+|insist\w* that)\b", re.IGNORECASE)
EVALUATE = re.compile(r"\b(?:mistake|right|wrong|achievement|success\w*|fail\w*|worthy|unwelcome|damag\w+|benefit\w*|"
                      r"serves?|hurt|jeopardi[sz]e|distract\w+|escalatory)\b", re.IGNORECASE)
NEGATORS = re.compile(r"\b(?:not|no|never|n[’']t|avoid\w*|against|oppos\w+|prevent\w*|stop\w*|refrain\w*|without|halt\w*|"
                      r"end\w*|revers\w*|reject\w*|unlikely|mistake|delay\w*|limit\w*|minimi[sz]e|isn[’']t|doesn[’']t|won[’']t|"
                      r"cannot|can[’']t|unwelcome|jeopardi[sz]e)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]+")
OPEN = re.compile(r"\b(?:unclear|no predicting|hard to say|remains to be seen|uncertain|precarious|open question)\b", re.IGNORECASE)
CONDITION = re.compile(r"\b(?:if|unless|as long as|provided that)\b[^.;:”\"]{3,120}", re.IGNORECASE)


class PropositionIndex:
    """Propositions scored against a sentence by shared, rare word stems."""

    def __init__(self, propositions: dict[str, dict[str, Any]]):
        self.terms: dict[str, Counter[str]] = {}
        df: Counter[str] = Counter()
        for pid, prop in propositions.items():
            text = f"{prop.get('label', '')} {prop.get('label', '')} {prop.get('definition', '')}"
            terms = Counter(stems(text))
            self.terms[pid] = terms
            df.update(set(terms))
        n = max(1, len(propositions))
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}

    def ranked(self, sentence: str) -> list[tuple[float, str, list[str]]]:
        """Propositions by score for ``sentence``, best first: (score, id, shared stems)."""
        mine = set(stems(sentence))
        scored = []
        for pid, terms in self.terms.items():
            shared = sorted(t for t in mine if t in terms)
            if shared:
                scored.append((sum(self.idf[t] for t in shared) / math.sqrt(1 + len(terms) / 4), pid, shared))
        scored.sort(reverse=True)
        return scored

    def best(self, sentence: str) -> tuple[str, float, list[str]] | None:
        """The best proposition for ``sentence``: (id, score, shared stems)."""
        scored = self.ranked(sentence)
        if not scored:
            return None
        score, pid, shared = scored[0]
        return pid, score, shared


def _modality(text: str) -> tuple[str, str]:
    for pattern, modality in ((RECOMMEND, "recommendation"), (DEMAND, "demand"), (INTEND, "intention"), (PREDICT, "prediction"), (EVALUATE, "evaluation")):
        m = pattern.search(text)
        if m:
            return modality, m.group(0)
    return "", ""


def _polarity(text: str, shared: list[str]) -> str:
    if OPEN.search(text):
        return "none"
    # the negators before the first word of the proposition, in the clause that holds it
    words = _WORD.findall(text)
    first = next((i for i, w in enumerate(words) if stems(w) and stems(w)[0] in shared), len(words))
    clause = " ".join(words[:first])
    clause = re.split(r"\b(?:but|however|yet|although|while)\b", clause)[-1]
    return "against" if len(NEGATORS.findall(clause)) % 2 else "favor"


def _strength(text: str) -> str:
    if re.search(r"\b(?:must|certainly|clearly|definitely|never|absolutely|strong\w*)\b", text, re.IGNORECASE):
        return "strong"
    if re.search(r"\b(?:may|might|could|perhaps|possibly|unclear)\b", text, re.IGNORECASE):
        return "weak"
    return "moderate"


def repeated(text: str, knowledge: Knowledge) -> list[dict[str, Any]]:
    """Curated stances of other articles whose quote this text carries word for word."""
    out, seen = [], set()
    for _, st in knowledge.stances:
        if st["id"] in seen or len(st["quote"]) < 25 or st["quote"] not in text:
            continue
        holders = [st["holder"]] if isinstance(st["holder"], str) else list(st["holder"])
        if "source" not in st and not all(h == "author" or h in knowledge.entities for h in holders):
            continue
        seen.add(st["id"])
        item = {k: v for k, v in st.items() if k not in ("quote", "occurrence", "date", "source")}
        item.update(quoted(text, st["quote"]))
        item["suggested"] = {"why": "another article carries this passage word for word with this stance", "confidence": 0.9}
        if "source" in st:
            item["holder"] = f"source:{st['holder']}"
            item["suggested"]["source"] = {k: st["source"][k] for k in ("description", "quote")}
        out.append(item)
    return out


def _subject(seg: Segment, cue_at: int, names: list[Name]) -> list[str]:
    """The actors named just before a cue in its clause ("Iran and its allies may be trying",
    "Rouhani and Zarif oppose"): the holders of an intention or a demand."""
    clause_start = max(seg.text.rfind(p, 0, cue_at) for p in (",", ";", "—", " that ", " but ", "(")) + 1
    before = [n for n in names if seg.begin + clause_start <= n.begin and n.end <= seg.begin + cue_at
              and not set(n.kind.split("/")) & (PLACE_TYPES | {"Weapon"}) - {"State"}]
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
    if len(tail.split()) > 5 or re.search(r"\b(?:of|in|on|at|to|for|against|from|with)\s*$", seg.text[clause_start:run[0].begin - seg.begin]):
        return []
    ids = list(dict.fromkeys(n.entity for n in run))
    # "Iran and its allies": the allies the graph knows for it (backedBy) cannot be told from here; the named ones hold it
    return ids


def _content(text: str, seg: Segment, holder: Holder, names: list[Name]) -> str:
    """The sentence without the words that say who speaks (the speaker's title and name): they
    tell whose the stance is, not what it is about."""
    out = list(seg.text)
    for n in names:
        start = n.begin if n.title_begin is None else min(n.begin, n.title_begin)
        if n.entity == holder.id and seg.begin <= start and n.end <= seg.end and n.text in holder.words:
            out[start - seg.begin:n.end - seg.begin] = " " * (n.end - start)
    return "".join(out)


def read(text: str, seg: Segment, holder: Holder, index: PropositionIndex, *, names: list[Name] | None = None,
         threshold: float = 3.0, margin: float = 0.2) -> dict[str, Any] | None:
    """The stance one sentence gives, or None. A recommendation or demand, or a named holder's
    view, that fits no proposition comes with ``proposition: None`` (a proposition to add); so
    does one whose second-best proposition scores within ``margin`` (a fraction) of the best,
    with both named in its ``suggested.why``: the curator picks."""
    modality, cue = _modality(seg.text)
    if not modality:
        return None
    subject = _subject(seg, seg.text.find(cue), names) if holder.id == "author" and modality in ("intention", "demand") and names else []
    if subject:
        holder = Holder(subject[0], " and ".join(subject), "paraphrase", f"the actor before '{cue}'")
    if seg.text.endswith("?"):
        return None  # a rhetorical question carries no stance
    ranked = index.ranked(_content(text, seg, holder, names or []))
    best = (ranked[0][1], ranked[0][0], ranked[0][2]) if ranked else None
    close = [p for sc, p, _ in ranked[:3] if margin and sc >= ranked[0][0] * (1 - margin)] if best and best[1] >= threshold else []
    if len(close) > 1:
        best = (None, 0.0, [])  # type: ignore[assignment]  # two propositions fit about as well: the curator picks
    elif best is None or best[1] < threshold:
        if modality not in ("recommendation", "demand") and holder.id == "author":
            return None
        # a clear cue with no proposition that fits: a candidate for a new proposition
        best = (None, 0.0, [])  # type: ignore[assignment]
    pid, score, shared = best  # type: ignore[misc]
    polarity = _polarity(seg.text, shared)
    cond = CONDITION.search(seg.text)
    stance: dict[str, Any] = {
        "id": "", "holder": holder.id, "proposition": pid, "polarity": polarity, "modality": modality,
        "strength": _strength(seg.text), "condition": cond.group(0).strip() if cond else None, "speech_mode": holder.mode,
        **quoted(text, seg.text, seg.begin),
        "suggested": {"why": f"{modality} cue '{cue}'; " + (f"shares {', '.join(shared)} with {pid}" if pid else
                                                             f"about as close: {', '.join(close)}" if len(close) > 1 else
                                                             "no proposition of propositions.yaml fits: add one") + f"; holder: {holder.why}",
                      "confidence": round(min(0.9, score / 10), 2)},
    }
    if len(subject) > 1:
        stance["holder"] = subject
    if holder.source_description:
        stance["suggested"]["source"] = {"description": holder.source_description, "quote": holder.words}
    return stance
