"""A synthetic corpus with the seeds' shape, written as a seeds folder, for tests and benchmarks.

``synthesize(articles=N, out=DIR, seed=0)`` writes ``registry.yaml``, ``propositions.yaml`` and
``articles/NNNNNN_<hash>.{txt,yaml}``, so the normal loader reads it and the normal build runs on
it. The corpus has what the real one has: articles with verbatim texts and authors, registry
entities with aliases and a containment chain (base -> city -> country), events of several classes
with roles, places, weapons, munitions and casualties, events reported by two articles, relations
between actors and between events (claims), roles (affiliations), stances on propositions, and alias
mentions. Every quote anchors (an ``occurrence`` is written when a quote repeats), and the data
conforms to the shapes. The same ``seed`` always writes the same files.

The registry grows with the corpus (about one entity per two articles) so mentions and joins stay
realistic. About 150 triples an article (asserted), plus about 20 inferred.

Example::

    >>> import tempfile
    >>> from crisiskg.loaders import read_seeds
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = synthesize(articles=3, out=d)
    ...     len(read_seeds(d).articles)
    3
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SYLLABLES = ["ka", "ro", "vel", "mar", "zen", "tor", "li", "dan", "su", "qar", "bex", "nu", "ost", "fal", "rim",
             "ga", "hel", "jun", "pra", "ves", "dor", "mi", "tal", "xan", "yor", "bre", "cul", "fen", "lok", "sor"]
FIRST_NAMES = ["Amir", "Sara", "John", "Leila", "Omar", "Nadia", "Peter", "Hana", "Karim", "Elena", "Yusuf", "Mona"]
WEAPONS = ["rocket", "ballistic missile", "armed drone", "mortar", "cruise missile", "artillery shell"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORG_KINDS = [("Militia", "Brigades"), ("Militia", "Front"), ("ArmedForce", "Army"), ("Government", "Government"),
             ("ThinkTank", "Institute"), ("MediaOrganisation", "Times"), ("PoliticalGroup", "Party")]
TITLES = ["spokesman", "commander", "director", "senior fellow", "minister", "adviser"]
FILLERS = ["The situation remained tense.", "Markets reacted calmly.", "Details could not be independently verified.",
           "Diplomats urged restraint.", "The region has seen repeated incidents this year.",
           "Further statements were expected later in the week."]
POPULATIONS = ["soldiers", "civilians", "guards", "contractors", "police officers"]


def _name(n: int) -> str:
    """A unique, capitalised made-up word for index ``n`` (three syllables or more)."""
    parts = []
    n += len(SYLLABLES) ** 2  # at least three syllables: never an English word of the templates
    while n:
        n, r = divmod(n, len(SYLLABLES))
        parts.append(SYLLABLES[r])
    return "".join(parts).capitalize()


@dataclass
class _Text:
    """An article text built sentence by sentence, remembering where each sentence starts."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    next_sep: str = ""

    def add(self, sentence: str, sep: str = " ") -> int:
        """Append ``sentence`` (after ``sep``, or after a pending paragraph break); its offset."""
        if self.parts:
            sep = self.next_sep or sep
            self.parts.append(sep)
            self.length += len(sep)
        self.next_sep = ""
        start = self.length
        self.parts.append(sentence)
        self.length += len(sentence)
        return start

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _pending(quote: str, start: int) -> dict[str, Any]:
    """A seed span whose ``occurrence`` is decided once the whole text is written (:func:`_resolve`)."""
    return {"quote": quote, _AT: start}


def _resolve(node: Any, text: str) -> None:
    """Turn every pending span under ``node`` into a seed span against the finished ``text``."""
    if isinstance(node, dict):
        if _AT in node:
            start = node.pop(_AT)
            node.update(_span(text, node["quote"], start))
        for value in node.values():
            _resolve(value, text)
    elif isinstance(node, list):
        for value in node:
            _resolve(value, text)


_AT = "\0at"


def _span(text: str, quote: str, start: int) -> dict[str, Any]:
    """A seed span for ``quote`` at ``start``, with ``occurrence`` when the quote repeats."""
    assert text[start:start + len(quote)] == quote, (quote, start)
    before, i = 0, text.find(quote)
    total = 0
    while i != -1:
        total += 1
        if i < start:
            before += 1
        i = text.find(quote, i + 1)
    return {"quote": quote, "occurrence": before + 1} if total > 1 else {"quote": quote}


class _Corpus:
    def __init__(self, articles: int, seed: int):
        self.n = articles
        self.rng = random.Random(seed)
        self.counter = 0
        self.entities: list[dict[str, Any]] = []
        self.by_type: dict[str, list[dict[str, Any]]] = {}
        self.propositions: list[dict[str, Any]] = []
        self.recent_events: list[dict[str, Any]] = []
        self._registry()

    def _fresh(self) -> str:
        self.counter += 1
        return _name(self.counter)

    def _entity(self, kind: str, types: Any, label: str, **extra: Any) -> dict[str, Any]:
        slug = f"{kind}-{label.lower().replace(' ', '-')}"
        ent = {"id": slug, "type": types, "label": label, **extra}
        self.entities.append(ent)
        self.by_type.setdefault(kind, []).append(ent)
        return ent

    def _registry(self) -> None:
        n, rng = self.n, self.rng
        for _ in range(4 + n // 150):
            self._entity("state", ["State", "Country"], self._fresh() + "ia")
        for _ in range(6 + n // 25):
            country = rng.choice(self.by_type["state"])
            self._entity("city", "City", self._fresh(), located_in=country["id"],
                         point=[round(rng.uniform(-60, 60), 2), round(rng.uniform(-170, 170), 2)])
        for _ in range(4 + n // 40):
            city = rng.choice(self.by_type["city"])
            name = self._fresh()
            self._entity("base", "MilitaryBase", f"Camp {name}", located_in=city["id"], aliases=[f"{name} base"])
        for _ in range(10 + n // 6):
            last = self._fresh()
            self._entity("person", "Person", f"{rng.choice(FIRST_NAMES)} {last}", aliases=[last])
        for _ in range(8 + n // 12):
            typ, suffix = rng.choice(ORG_KINDS)
            root = self._fresh()
            ent = self._entity("org", typ, f"{root} {suffix}", aliases=[root])
            self.by_type.setdefault(typ, []).append(ent)
        for weapon in WEAPONS:
            self._entity("weapon", "Weapon", weapon)
        self._entity("collective", "Collective", "the protesters")
        for i in range(5 + self.n // 40):
            state, other = self._two("state")
            action = rng.choice(["impose sanctions on", "negotiate with", "strike", "withdraw troops from"])
            label = f"{state['label']} should {action} {other['label']}"
            self.propositions.append({"id": f"proposition-{i + 1}", "label": label,
                                      "definition": f"The proposal that {label}.", "phrase": f"{state['label']} {action} {other['label']}"})

    def pick(self, kind: str) -> dict[str, Any]:
        return self.rng.choice(self.by_type[kind])

    def _two(self, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        a, b = self.rng.sample(self.by_type[kind], 2)
        return a, b

    # ---------------------------------------------------------------- one article

    def article(self, i: int) -> tuple[str, str, dict[str, Any]]:
        rng = self.rng
        span_days = min(3650, max(90, self.n // 3))
        published = dt.date(2020, 1, 1) + dt.timedelta(days=i * span_days // max(1, self.n))
        key = f"{i:06d}"
        t = _Text()
        authors = [self.pick("person")["id"] for _ in range(rng.choice([0, 1, 1, 2]))]
        authors = sorted(set(authors))
        publishers = self.by_type.get("MediaOrganisation", [])
        doc: dict[str, Any] = {"article": {}}
        headline_state = self.pick("state")
        headline = f"Tensions rise over {headline_state['label']} ({key})"
        h_at = t.add(headline)
        events: list[dict[str, Any]] = []
        relations: list[dict[str, Any]] = []
        roles: list[dict[str, Any]] = []
        stances: list[dict[str, Any]] = []
        t.next_sep = "\n\n"

        for j in range(rng.choice([1, 2, 2, 3])):
            ev_date = published - dt.timedelta(days=rng.randint(0, 3))
            kind = rng.choice(["attack", "attack", "statement", "sanction", "protest", "negotiation"])
            ev_id = f"{kind}-{key}-{j + 1}"
            ev: dict[str, Any] = {"id": ev_id}
            date = {"value": ev_date.isoformat(), "precision": "day",
                    "derivation": f"'On {WEEKDAYS[ev_date.weekday()]}', {(published - ev_date).days} day(s) before publication"}
            day = WEEKDAYS[ev_date.weekday()]
            if kind == "attack":
                base, militia, weapon = self.pick("base"), self.pick("Militia") if "Militia" in self.by_type else self.pick("org"), self.pick("weapon")
                target = self.pick("state")
                k, pop, m = rng.randint(0, 9), rng.choice(POPULATIONS), rng.randint(2, 40)
                sentence = f"On {day}, a {weapon['label']} attack struck {base['label']}, killing {k} {pop}."
                at = t.add(sentence)
                cas_quote = f"killing {k} {pop}"
                ev.update(label=f"{weapon['label'].capitalize()} attack on {base['label']} ({key}-{j + 1})",
                          **{"class": rng.choice(["RocketAttack", "MissileAttack", "DroneStrike", "Airstrike"])}, cameo="195",
                          **_pending(sentence, at), date=date, places=[base["id"]],
                          roles={"suspectedAttacker": [militia["id"]], "target": [target["id"]]}, weapon=weapon["id"])
                m_sentence = f"Officials said {m} rounds were fired at {base['label']}."
                m_at = t.add(m_sentence)
                ev["munitions"] = {"count": m, "qualifier": "approximately", **_pending(f"{m} rounds were fired", m_at + len("Officials said "))}
                ev["casualties"] = [{"status": "killed", "count": k, "qualifier": "exact", "population": pop,
                                     "nationality": target["id"], **_pending(cas_quote, at + sentence.index(cas_quote))}]
                backer = self.pick("state")
                r_sentence = f"Officials blamed the {militia['label']}, which is backed by {backer['label']}."
                r_at = t.add(r_sentence)
                relations.append({"subject": militia["id"], "predicate": "backedBy", "object": backer["id"], **_pending(r_sentence, r_at)})
                earlier = [e for e in self.recent_events if e["kind"] == "attack"]
                if earlier and rng.random() < 0.5:
                    prior = rng.choice(earlier)
                    q = f"The strike was seen as retaliation for the attack of {prior['date']}."
                    q_at = t.add(q)
                    relations.append({"subject": ev_id, "predicate": "retaliationFor", "object": prior["id"], **_pending(q, q_at)})
            elif kind == "statement":
                speaker, addressee = self.pick("person"), self.pick("state")
                channel = rng.choice(["Tweet", "Speech", "FormalStatement", "Unspecified"])
                sentence = f"On {day}, {speaker['label']} warned {addressee['label']} against further escalation."
                at = t.add(sentence)
                ev.update(label=f"{speaker['label']} warns {addressee['label']} ({key}-{j + 1})", **{"class": rng.choice(["Statement", "Threat"])},
                          cameo="130", **_pending(sentence, at), date=date,
                          roles={"speaker": [speaker["id"]], "addressee": [addressee["id"]]}, channel=channel)
            elif kind == "sanction":
                agent, affected = self._two("state")
                sentence = f"On {day}, {agent['label']} imposed new sanctions on {affected['label']}."
                at = t.add(sentence)
                ev.update(label=f"{agent['label']} sanctions {affected['label']} ({key}-{j + 1})", **{"class": "Sanction"}, cameo="163",
                          **_pending(sentence, at), date=date, roles={"agent": [agent["id"]], "affected": [affected["id"]]})
            elif kind == "protest":
                city, target = self.pick("city"), self.pick("state")
                sentence = f"On {day}, thousands protested in {city['label']} against {target['label']}."
                at = t.add(sentence)
                ev.update(label=f"Protest in {city['label']} ({key}-{j + 1})", **{"class": "Protest"}, cameo="141",
                          **_pending(sentence, at), date=date, places=[city["id"]],
                          roles={"participant": ["collective-the-protesters"], "target": [target["id"]]})
            else:
                (a, b), city = self._two("state"), self.pick("city")
                sentence = f"On {day}, envoys of {a['label']} and {b['label']} met in {city['label']} for talks."
                at = t.add(sentence)
                ev.update(label=f"Talks between {a['label']} and {b['label']} ({key}-{j + 1})", **{"class": "Negotiation"}, cameo="046",
                          **_pending(sentence, at), date=date, places=[city["id"]], roles={"participant": sorted({a["id"], b["id"]})})
            events.append(ev)
            self.recent_events.append({"id": ev_id, "kind": kind, "date": date["value"], "entry": ev})

        # an event first reported by an earlier article (one IRI, one more evidence span)
        older = self.recent_events[:-len(events)][-40:]
        if older and rng.random() < 0.2:
            prior = rng.choice(older)
            q = f"The events of {prior['date']} were also recalled ({prior['id']})."
            q_at = t.add(q)
            entry = {k: v for k, v in prior["entry"].items() if k in ("id", "label", "class", "cameo", "date")}
            events.append({**entry, **_pending(q, q_at)})
        self.recent_events = self.recent_events[-200:]

        for j in range(rng.choice([0, 1, 1])):
            person, org = self.pick("person"), self.pick("org")
            title = rng.choice(TITLES)
            q = f"{person['label']}, {title} of the {org['label']}"
            at = t.add(f"{q}, spoke to reporters.")
            roles.append({"holder": person["id"], "title": title, "in": org["id"], **_pending(q, at)})

        for j in range(rng.choice([1, 1, 2])):
            prop = rng.choice(self.propositions)
            holder: Any = "author" if rng.random() < 0.3 else self.pick("person")["id"]
            polarity = rng.choice(["favor", "against", "none"])
            verb = {"favor": "urged that", "against": "warned against letting", "none": "would not say whether to let"}[polarity]
            who = "The author" if holder == "author" else next(e["label"] for e in self.by_type["person"] if e["id"] == holder)
            q = f"{who} {verb} {prop['phrase']} (stance {j + 1})."
            at = t.add(q)
            stances.append({"id": f"stance-{key}-{j + 1}", "holder": holder, "proposition": prop["id"], "polarity": polarity,
                            "modality": rng.choice(["recommendation", "prediction", "evaluation"]),
                            "strength": rng.choice(["weak", "moderate", "strong"]), "condition": None,
                            "speech_mode": "author-opinion" if holder == "author" else rng.choice(["direct-quote", "paraphrase"]),
                            **_pending(q, at)})
        for _ in range(rng.randint(1, 3)):
            t.add(rng.choice(FILLERS))
        f_at = t.add("Related Content", sep="\n\n")
        text = t.text + "\n"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        stem = f"{key}_{digest}"
        doc["article"] = {
            "text": f"{stem}.txt", "status": "reviewed", "title": headline,
            "genre": rng.choice(["news", "analysis", "opinion"]),
            "publisher": rng.choice(publishers)["id"] if publishers and rng.random() < 0.7 else None,
            "authors": authors,
            "published": {"date": published.isoformat(), "precision": "day", "derivation": "synthetic: the article's dateline"},
            "headline": [_span(text, headline, h_at)],
            "furniture": [_span(text, "Related Content", f_at)],
        }
        for name, items in (("events", events), ("relations", relations), ("roles", roles), ("stances", stances)):
            if items:
                doc[name] = items
        _resolve(doc, text)
        return stem, text, doc


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # the loader refuses anchors and aliases
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def synthesize(*, articles: int, out: Path | str, seed: int = 0, on_article: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write a synthetic seeds folder with ``articles`` articles to ``out``; return counts.
    ``on_article`` hears of each article written (articles done, articles in all).

    ``out`` is created if needed; existing synthetic files in it are replaced (the folder is not
    emptied first, so point it at a fresh folder). Deterministic: the same ``articles`` and
    ``seed`` write byte-identical files.
    """
    if articles < 1:
        raise ValueError("articles must be at least 1")
    out = Path(out)
    (out / "articles").mkdir(parents=True, exist_ok=True)
    corpus = _Corpus(articles, seed)
    counts = {"articles": 0, "events": 0, "stances": 0, "relations": 0, "roles": 0}
    for i in range(articles):
        stem, text, doc = corpus.article(i)
        (out / "articles" / f"{stem}.txt").write_text(text, encoding="utf-8")
        (out / "articles" / f"{stem}.yaml").write_text(_dump(doc), encoding="utf-8")
        counts["articles"] += 1
        for name in ("events", "stances", "relations", "roles"):
            counts[name] += len(doc.get(name, []))
        if on_article is not None:
            on_article(i + 1, articles)
    (out / "registry.yaml").write_text(_dump({"entities": corpus.entities}), encoding="utf-8")
    props = [{k: v for k, v in p.items() if k != "phrase"} for p in corpus.propositions]
    (out / "propositions.yaml").write_text(_dump({"propositions": props}), encoding="utf-8")
    counts["entities"] = len(corpus.entities)
    counts["propositions"] = len(props)
    return counts
