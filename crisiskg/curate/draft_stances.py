"""Candidate stances: who holds a view, on which proposition, for or against it, how.

A sentence gives a stance for each clause with a cue (``stance_cues``: it recommends, demands,
intends, predicts or evaluates; a named speaker's words with no cue count when a proposition fits
them). The proposition is the one of ``propositions.yaml`` whose label and definition share the most
informative tokens with the sentence: Snowball stems and, through the registry's labels and aliases,
entity tokens ("U.S." is the United States), weighted by how rare they are among the propositions;
the words the cue governs weigh double, the words outside its clause and a condition before it half;
a proposition about a day after the article was written is left out. When a second proposition scores
about as well the stance is a candidate naming both, for the curator to pick, unless the governed
words join the two by "and" / "or": then each is a stance. The holder is the sentence's attributed
speaker, an unnamed source or the author, unless the clause names its own (``stance_holders``). A
passage another article already carries word for word gets that article's curated stance.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from typing import Any

from crisiskg.curate import draft_counts
from crisiskg.curate.attribution import SPEECH, Holder, Name
from crisiskg.curate.draft_events import DONE
from crisiskg.curate.knowledge import Knowledge
from crisiskg.curate.segments import Segment, quoted, stems
from crisiskg.curate.stance_cues import BOUNDARY, CONDITION, RELATIVE, clauses, polarity, scope, strength
from crisiskg.curate.stance_holders import actors_before, clause_holder, content
from crisiskg.loaders.mentions import AliasMatcher
from crisiskg.textscan import MONTHS

FOCUS_W, OTHER_W = 2.0, 0.5  # weights of a governed word and of a word outside the cue's clause
_DAY = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b")


_INNER_CAPS = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+")


class PropositionIndex:
    """Propositions scored against a sentence by shared, rare word stems."""

    def __init__(self, propositions: dict[str, dict[str, Any]], matcher: AliasMatcher | None = None):
        self.matcher = matcher
        self.terms: dict[str, Counter[str]] = {}
        # the latest day a proposition's words name ("the 11 March 2020 rocket attack"): an article
        # written before that day cannot be about it
        self.after: dict[str, dt.date] = {}
        for pid, prop in propositions.items():
            days = [dt.date(int(y), MONTHS.index(m) + 1, int(d)) for d, m, y in _DAY.findall(f"{prop.get('label', '')} {prop.get('definition', '')}")]
            if days:
                self.after[pid] = max(days)
        df: Counter[str] = Counter()
        for pid, prop in propositions.items():
            text = f"{prop.get('label', '')} {prop.get('label', '')} {prop.get('definition', '')}"
            terms = Counter(self.tokens(text))
            self.terms[pid] = terms
            df.update(set(terms))
        n = max(1, len(propositions))
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        # the stems of names (capitalised words inside a label or definition) that one proposition alone has
        named = {t for prop in propositions.values() for t in stems(" ".join(_INNER_CAPS.findall(f"{prop.get('label', '')}. {prop.get('definition', '')}")))}
        self.names = {t for t in named if df[t] == 1}
        self.idf_one = math.log((n + 1) / 1.5)

    def tokens(self, text: str) -> list[str]:
        """The word stems of ``text``, a registry entity's name (with ``matcher``) as one token
        ``@<id>`` whichever alias spells it ("U.S.", "US" and "United States" are ``@united-states``)."""
        if self.matcher is None or not text:
            return stems(text)
        out, chars = [], list(text)
        for m in self.matcher.find(text):
            out.append(f"@{m.entity}")
            chars[m.begin:m.end] = " " * (m.end - m.begin)
        return stems("".join(chars)) + out

    def marks(self, text: str, shared: list[str]) -> list[int]:
        """Where the names of the entity tokens among ``shared`` begin in ``text``."""
        ids = {t[1:] for t in shared if t.startswith("@")}
        return [m.begin for m in self.matcher.find(text) if m.entity in ids] if self.matcher is not None and ids else []

    def ranked(self, sentence: str, focus: str = "", clause: str = "", *, written: dt.date | None = None) -> list[tuple[float, str, list[str]]]:
        """Propositions by score for ``sentence``, best first: (score, id, shared stems). A stem of
        ``focus`` (the words a modal or a verb of wanting governs) weighs double, and one of the rest
        of the sentence outside ``clause`` (the cue's clause, when given) half: a recommendation is
        about what it recommends, not about the circumstances it names. With ``written`` (the
        article's date), a proposition about a later day is left out."""
        mine, near, own = set(self.tokens(sentence)), set(self.tokens(focus)), set(self.tokens(clause))
        scored = []
        for pid, terms in self.terms.items():
            if written is not None and pid in self.after and self.after[pid] > written:
                continue
            shared = sorted(t for t in mine if t in terms)
            if shared:
                total = sum(self.idf[t] * (FOCUS_W if t in near else 1.0 if not own or t in own else OTHER_W) for t in shared)
                scored.append((total / math.sqrt(1 + len(terms) / 4), pid, shared))
        scored.sort(reverse=True)
        return scored

    def own(self, stem: str, governed: set[str]) -> bool:
        """Whether ``stem`` alone may tie a sentence to a proposition: a name only that proposition has
        (a person's surname), or a word only it has that the cue governs ("cannot afford another war")."""
        return stem in self.names or (stem in governed and self.idf.get(stem, 0.0) >= self.idf_one)

    def best(self, sentence: str) -> tuple[str, float, list[str]] | None:
        """The best proposition for ``sentence``: (id, score, shared stems)."""
        scored = self.ranked(sentence)
        if not scored:
            return None
        score, pid, shared = scored[0]
        return pid, score, shared


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


def read(text: str, seg: Segment, holder: Holder, index: PropositionIndex, *, names: list[Name] | None = None,
         threshold: float = 3.0, margin: float = 0.2, know: Knowledge | None = None, written: dt.date | None = None) -> dict[str, Any] | None:
    """The main stance one sentence gives (its first cue's), or None: see :func:`read_all`."""
    found = read_all(text, seg, holder, index, names=names, threshold=threshold, margin=margin, know=know, written=written)
    return found[0] if found else None


def set_aside(text: str, seg: Segment, holder: Holder, own: dict[str, Any], index: PropositionIndex, *,
              names: list[Name] | None = None, know: Knowledge | None = None, written: dt.date | None = None) -> dict[str, Any] | None:
    """The view "Some suggest X, but I believe Y" sets aside, held by ``holder``: the other side of the
    author's stance ``own`` (its proposition, the opposite polarity), or a candidate with no
    proposition when ``own`` has none."""
    other = read(text, seg, holder, index, names=names, know=know, written=written)
    if other is None:
        return None
    if own["proposition"] is None:
        other["suggested"]["why"] += "; the view the author sets aside"
        return {**other, "proposition": None}
    other["suggested"]["why"] += f"; the view the author sets aside: the other side of {own['proposition']}"
    return {**other, "proposition": own["proposition"], "polarity": {"favor": "against", "against": "favor"}.get(own["polarity"], own["polarity"])}


def read_all(text: str, seg: Segment, holder: Holder, index: PropositionIndex, *, names: list[Name] | None = None,
             threshold: float = 3.0, margin: float = 0.2, know: Knowledge | None = None, written: dt.date | None = None) -> list[dict[str, Any]]:
    """The stances one sentence gives, one per clause with a cue (:func:`clauses`). The sentence's
    own (its first clause whose holder is the sentence's) quotes the sentence: a recommendation or
    demand, or a named holder's view, that fits no proposition comes with ``proposition: None`` (a
    proposition to add); so does one whose second-best proposition scores within ``margin`` (a
    fraction) of the best, with both named in its ``suggested.why``: the curator picks, unless the
    two are joined by "and" / "or" in the governed words ("does not seek escalation or war"): then
    each is a stance. Another clause (a relative clause, a clause with its own holder, a later
    cue) quotes itself and gives a stance only when a proposition fits it, and not one the sentence
    already gives its holder."""
    if seg.text.endswith("?"):
        return []  # a rhetorical question carries no stance
    out: list[dict[str, Any]] = []
    main_done = False
    found_cues = clauses(seg.text)
    said = re.search(rf"\b(?:{SPEECH})\b", holder.words.split()[-1]) if holder.id != "author" and holder.words else None
    told = seg.text[seg.text.find(said.group(0)):] if said is not None else ""
    # "said 22 missiles had been fired", "admitted that its forces had shot down an airliner": a fact told
    speech = not found_cues and said is not None and said.group(0) in seg.text and not draft_counts.read(told, set()) \
        and not DONE.search(told)
    if speech and said is not None:
        # a named speaker's words with no modal are their view ("X says the strikes are not enough")
        # when a proposition fits them; a claim of an attack or a denial is not a stance to propose
        found_cues = [(seg.text.find(said.group(0)), len(seg.text), "evaluation", said.group(0))]
    for cue_at, end, modality, cue in found_cues:
        found, own = _read_clause(text, seg, holder, index, names or [], cue_at, end, modality, cue, threshold, margin, know,
                                  main=not main_done, written=written)
        main_done = main_done or not own
        for st in found:
            if (st["proposition"] is None and (own or speech)) or any((o["holder"], o["proposition"]) == (st["holder"], st["proposition"]) for o in out):
                continue
            out.append(st)
    return out


def _per_conjunct(index: PropositionIndex, focus: str, ranked: list[tuple[float, str, list[str]]], threshold: float) -> list[tuple[float, str, list[str]]]:
    """One proposition for each part of governed words that "and" / "or" join ("does not seek
    escalation or war", "repair the relationship and prevent a withdrawal"): for each part, of the
    propositions above ``threshold`` that share a word only that part has, the one that part's own
    words say most of."""
    parts = [set(index.tokens(part)) for part in re.split(r"\b(?:and|or|nor)\b", focus)]
    if len(parts) < 2:
        return []
    picked: list[tuple[float, str, list[str]]] = []
    for i, part in enumerate(parts):
        alone = part - set().union(*(q for j, q in enumerate(parts) if j != i))
        fits = [r for r in ranked if r[0] >= threshold and set(r[2]) & alone]
        # the proposition this part's own words say most of
        best = max(fits, key=lambda r: (sum(index.idf[t] for t in r[2] if t in part), r[0]), default=None)
        if best is not None and best not in picked:
            picked.append(best)
    return picked if len(picked) > 1 else []


def _read_clause(text: str, seg: Segment, holder: Holder, index: PropositionIndex, names: list[Name], cue_at: int, end: int,
                 modality: str, cue: str, threshold: float, margin: float, know: Knowledge | None, *,
                 main: bool, written: dt.date | None = None) -> tuple[list[dict[str, Any]], bool]:
    """The stances of one clause, and whether the clause names its own holder."""
    starts = [m.end() for m in BOUNDARY.finditer(seg.text, 0, cue_at)] + [m.start() for m in RELATIVE.finditer(seg.text, 0, cue_at)]
    clause_at = max(starts, default=0)
    own = clause_holder(seg, clause_at, cue_at, names, know, cue_at + len(cue)) if modality in ("intention", "demand") else None
    subject = [] if own else actors_before(seg, cue_at, names, know) if holder.id == "author" and modality in ("intention", "demand") and names else []
    if own is not None:
        holder, subject = own
    elif subject:
        holder = Holder(subject[0], " and ".join(subject), "paraphrase", f"the actor before '{cue}'")
    elif holder.id != "author" and holder.words and holder.words.split()[-1] in seg.text:
        # "London and Paris having warned ...": every speaker the verb has
        speakers = actors_before(seg, seg.text.find(holder.words.split()[-1]), names, know)
        subject = speakers if len(speakers) > 1 and holder.id in speakers else []
    main = main and own is None
    focus = seg.text[slice(*scope(seg.text, cue_at, cue))]
    if own is not None and re.match(r"\s+by\b", seg.text[cue_at + len(cue):]):
        focus = ""  # "objectives sought by X": what X wants is what the sentence says
    # "as Iran would prefer": a cue that governs nothing is about the sentence it stands in
    clause = seg.text[clause_at:end]
    weighed = clause if focus.strip(" .,;") or modality != "intention" else ""
    # "As long as Iran is able to take these actions, the United States should not ...": the
    # condition's words are circumstances, not what the cue is about
    before = re.search(r"\b(?:if|unless|as long as|provided that)\b[^,;:]*,", seg.text[clause_at:cue_at], re.IGNORECASE)
    if weighed and before is not None:
        weighed = seg.text[clause_at + before.end():end]
    near = set(index.tokens(focus))
    # a proposition the governed words say nothing of, or that one common word alone ties to the sentence, is too thin
    ranked = [r for r in index.ranked(content(text, seg, holder, names), focus, weighed, written=written)
              if (len(r[2]) >= 2 or index.own(r[2][0], near)) and (not near or near & set(r[2]))]
    picked: list[tuple[str | None, float, list[str]]] = []
    close = [r for r in ranked[:3] if margin and r[0] >= ranked[0][0] * (1 - margin)] if ranked and ranked[0][0] >= threshold else []
    each = _per_conjunct(index, focus, ranked, threshold)
    if each:
        picked = [(r[1], r[0], r[2]) for r in each]  # "escalation or war": a stance on each
    elif len(close) > 1:
        # two propositions fit about as well: the curator picks (the sentence's own clause says so in
        # the notes; another clause says nothing)
        picked = [(None, 0.0, [])] if main else []
    elif ranked and ranked[0][0] >= threshold:
        picked = [(ranked[0][1], ranked[0][0], ranked[0][2])]
    elif main and (modality in ("recommendation", "demand") or holder.id != "author"):
        picked = [(None, 0.0, [])]  # a clear cue with no proposition that fits: a candidate for a new proposition
    cond = CONDITION.search(seg.text)
    quote = seg.text if main or not clause.strip(" ,;—–") else clause.strip(" ,;—–")
    out = []
    for pid, score, shared in picked:
        stance: dict[str, Any] = {
            "id": "", "holder": holder.id, "proposition": pid, "polarity": polarity(seg.text, shared, cue_at, cue, marks=index.marks(seg.text, shared)), "modality": modality,
            "strength": strength(seg.text), "condition": cond.group(0).strip() if cond else None, "speech_mode": holder.mode,
            **quoted(text, quote, seg.begin),
            "suggested": {"why": f"{modality} cue '{cue}'; " + (f"shares {', '.join(shared)} with {pid}" if pid else
                                                                 f"about as close: {', '.join(r[1] for r in close)}" if len(close) > 1 else
                                                                 "no proposition of propositions.yaml fits: add one") + f"; holder: {holder.why}",
                          "confidence": round(min(0.9, score / 10), 2)},
        }
        if len(subject) > 1:
            stance["holder"] = subject
        if holder.source_description:
            stance["suggested"]["source"] = {"description": holder.source_description, "quote": holder.words}
        out.append(stance)
    return out, own is not None
