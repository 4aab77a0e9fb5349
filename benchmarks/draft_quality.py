"""How good are ``crisiskg draft``'s suggestions? Leave-one-out on the seed articles (issue 16).

    python -m benchmarks.draft_quality [--seeds seeds] [--json benchmarks/draft-quality.json]

Each article is drafted against the knowledge of the others (``Knowledge.without``: its events and
the entities no other article mentions or references are removed; the propositions stay) and the
draft mapping is compared with its curated annotation:

- entities: the registry ids the annotation uses or the text mentions; a proposed new entity counts
  when its label is the label or an alias of the curated entity;
- events: a drafted event matches a curated one with the same id, or whose quotes overlap and whose
  classes share one; date: of the matched events the curated one dates, how many have its value;
- stances: same holder (an unnamed source matches an unnamed source), proposition and polarity,
  quotes overlapping;
- attributions: who gives a fact other than the author (stance holders, ``claimed_by``,
  ``reported_by``, declared sources): same attributor (unnamed matches unnamed), quotes overlapping.

Matching is one to one (the largest pairing, not a greedy one). Prints a Markdown table and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from crisiskg.curate import knowledge
from crisiskg.curate.draft import draft_mapping
from crisiskg.loaders.anchor import occurrences
from crisiskg.loaders.mentions import AliasMatcher
from crisiskg.loaders.seeds import read_seeds

Span = tuple[int, int]


def _span(text: str, item: dict[str, Any], key: str = "quote", occ: str = "occurrence") -> Span | None:
    quote = item.get(key)
    if not quote:
        return None
    starts = occurrences(text, quote)
    if not starts:
        return None
    i = min(int(item.get(occ, 1)), len(starts)) - 1
    return starts[i], starts[i] + len(quote)


def _overlap(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _classes(ev: dict[str, Any]) -> set[str]:
    return {ev["class"]} if isinstance(ev["class"], str) else set(ev["class"])


def _match(pred: list[Any], gold: list[Any], same: Callable[[Any, Any], bool]) -> list[tuple[Any, Any]]:
    """The largest one-to-one pairing of ``pred`` with ``gold`` under ``same`` (augmenting paths):
    a greedy pairing could give a drafted item the curated one that only another drafted item fits."""
    fits = [[j for j, g in enumerate(gold) if same(p, g)] for p in pred]
    owner: dict[int, int] = {}  # gold index -> pred index

    def place(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or place(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(pred)):
        place(i, set())
    return [(pred[i], gold[j]) for j, i in sorted(owner.items(), key=lambda item: item[1])]


def _same_entity(spellings: dict[str, set[str]], pred: tuple[str, str | None], gold: str) -> bool:
    return pred[0] == gold or (pred[1] is not None and pred[1] in spellings[gold])


def _pr(pairs: int, pred: int, gold: int) -> dict[str, float | int]:
    return {"matched": pairs, "drafted": pred, "curated": gold,
            "precision": round(pairs / pred, 2) if pred else 1.0, "recall": round(pairs / gold, 2) if gold else 1.0}


def _holder(value: Any, sources: set[str]) -> frozenset[str]:
    ids = [value] if isinstance(value, str) else list(value)
    return frozenset("unnamed source" if i in sources or i.startswith("source:") else i for i in ids)


def _attributions(text: str, doc: dict[str, Any]) -> list[tuple[frozenset[str], Span | None]]:
    sources = {s["id"] for s in doc.get("sources") or []}
    out = [(_holder(s["id"], sources), _span(text, s)) for s in doc.get("sources") or []]
    for st in doc.get("stances") or []:
        if st["holder"] != "author":
            out.append((_holder(st["holder"], sources), _span(text, st)))
    for ev in doc.get("events") or []:
        if ev.get("reported_by") not in (None, "author"):
            out.append((_holder(ev["reported_by"], sources), _span(text, ev)))
        for key in ("casualties", "counts", "damage"):
            for item in ev.get(key) or []:
                if item.get("claimed_by") not in (None, "author"):
                    out.append((_holder(item["claimed_by"], sources), _span(text, item)))
    for rel in doc.get("relations") or []:
        if rel.get("claimed_by") not in (None, "author"):
            out.append((_holder(rel["claimed_by"], sources), _span(text, rel)))
    return out


def _used_ids(value: Any, ids: set[str]) -> Iterable[str]:
    if isinstance(value, str) and value in ids:
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _used_ids(v, ids)
    elif isinstance(value, list):
        for v in value:
            yield from _used_ids(v, ids)


def score(seeds_dir: Path, *, repeats: bool = True) -> dict[str, Any]:
    """The figures per article and in total. ``repeats=False`` drafts without the other articles'
    curated stances, so that no passage republished word for word is recognised: the figures a
    text no other article carries can expect."""
    seeds = read_seeds(seeds_dir)
    full = knowledge.from_seedset(seeds)
    matcher = AliasMatcher(seeds.entities)
    per: dict[str, Any] = {}
    for art in seeds.articles:
        gold = art.doc.data
        store = full.without(art.stem)
        if not repeats:
            store.stances = []
        mapping = draft_mapping(seeds.folder / art.text_file, seeds_dir, store=store)
        text = art.text
        # entities
        gold_ents = set(_used_ids({k: v for k, v in gold.items() if k != "article"}, set(seeds.entities)))
        gold_ents |= {m.entity for m in matcher.find(text)}
        spellings = {e: {seeds.entities[e]["label"], *seeds.entities[e].get("aliases", [])} for e in gold_ents}
        pred_ents = [(i, None) for i in mapping["draft_notes"]["registry_entities_found"]]
        pred_ents += [(e["id"], e["label"]) for e in mapping["draft_notes"]["new_entities"]]
        ents = _match(pred_ents, sorted(gold_ents), partial(_same_entity, spellings))
        # events
        gold_evs = [(e, _span(text, e)) for e in gold.get("events") or []]
        pred_evs = [(e, _span(text, e)) for e in mapping["events"]]
        evs = _match(pred_evs, gold_evs, lambda p, g: p[0]["id"] == g[0]["id"] or (_overlap(p[1], g[1]) and bool(_classes(p[0]) & _classes(g[0]))))
        dated = [(p, g) for p, g in evs if g[0].get("date")]
        dates_right = sum(1 for p, g in dated if (p[0].get("date") or {}).get("value") == str(g[0]["date"]["value"]))
        # stances
        gsrc = {s["id"] for s in gold.get("sources") or []}
        gold_st = [(_holder(s["holder"], gsrc), s["proposition"], s["polarity"], _span(text, s)) for s in gold.get("stances") or []]
        psrc = {s["id"] for s in mapping["sources"]}
        pred_st = [(_holder(s["holder"], psrc), s["proposition"], s["polarity"], _span(text, s)) for s in mapping["stances"]]
        sts = _match(pred_st, gold_st, lambda p, g: p[:3] == g[:3] and _overlap(p[3], g[3]))
        props = _match(pred_st, gold_st, lambda p, g: p[1] == g[1] and _overlap(p[3], g[3]))
        # attributions
        gold_at, pred_at = _attributions(text, gold), _attributions(text, mapping)
        ats = _match(pred_at, gold_at, lambda p, g: p[0] == g[0] and _overlap(p[1], g[1]))
        per[art.key] = {
            "entities": _pr(len(ents), len(pred_ents), len(gold_ents)),
            "events": {**_pr(len(evs), len(pred_evs), len(gold_evs)), "dated": len(dated), "date_right": dates_right},
            "stances": _pr(len(sts), len(pred_st), len(gold_st)),
            "stance_propositions": _pr(len(props), len(pred_st), len(gold_st)),
            "attributions": _pr(len(ats), len(pred_at), len(gold_at)),
        }
    total: dict[str, Any] = {}
    for kind in ("entities", "events", "stances", "stance_propositions", "attributions"):
        m = sum(p[kind]["matched"] for p in per.values())
        total[kind] = _pr(m, sum(p[kind]["drafted"] for p in per.values()), sum(p[kind]["curated"] for p in per.values()))
    total["events"]["dated"] = sum(p["events"]["dated"] for p in per.values())
    total["events"]["date_right"] = sum(p["events"]["date_right"] for p in per.values())
    return {"articles": per, "total": total}


def table(result: dict[str, Any]) -> str:
    kinds = [("entities", "entities"), ("events", "events (class)"), ("stances", "stances (holder, proposition, polarity)"),
             ("stance_propositions", "stances (proposition only)"), ("attributions", "attributions")]
    keys = sorted(result["articles"])
    head = "| | " + " | ".join(keys) + " | all |\n|---|" + "---|" * (len(keys) + 1)
    rows = []
    for kind, label in kinds:
        cells = [result["articles"][k][kind] for k in keys] + [result["total"][kind]]
        rows.append(f"| {label}: P / R | " + " | ".join(f"{c['precision']:.2f} / {c['recall']:.2f}" for c in cells) + " |")
    cells = [result["articles"][k]["events"] for k in keys] + [result["total"]["events"]]
    rows.append("| event dates right (of matched, dated) | " + " | ".join(f"{c['date_right']} / {c['dated']}" for c in cells) + " |")
    return "\n".join([head, *rows])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=Path, default=Path("seeds"), help="the seeds folder (default: seeds)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/draft-quality.json"), help="where to write the figures")
    args = parser.parse_args(argv)
    result = score(args.seeds)
    strict = score(args.seeds, repeats=False)
    args.json.write_text(json.dumps({**result, "without_repeats": strict}, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print("\nWithout recognising passages another article carries word for word:\n")
    print(table(strict))


if __name__ == "__main__":
    main()
