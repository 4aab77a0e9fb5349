"""The draft-quality benchmark's parts: the leave-one-out view of the knowledge and the scoring,
checked against the seeds (whatever articles they hold)."""

from __future__ import annotations

import yaml
from seedcorpus import SEEDS, article_files

from benchmarks.draft_quality import _match, score, table
from crisiskg.curate import knowledge


def test_leave_one_out_removes_what_only_that_article_brings() -> None:
    full = knowledge.load(SEEDS)
    for path in article_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        stem = path.stem
        view = full.without(stem)
        own = {e["id"] for e in doc.get("events") or []}
        for event_id in own:
            elsewhere = full.event_sources[event_id] - {stem}
            assert (event_id in view.events) == bool(elsewhere), (stem, event_id)
        assert stem not in view.texts and all(s != stem for s, _ in view.stances)
        assert set(view.events) <= set(full.events) and set(view.entities) <= set(full.entities)
        assert view.propositions == full.propositions


def test_the_benchmark_scores_every_article() -> None:
    result = score(SEEDS)
    assert sorted(result["articles"]) == sorted(p.name[:3] for p in article_files())
    for figures in [*result["articles"].values(), result["total"]]:
        for kind in ("entities", "events", "stances", "attributions"):
            f = figures[kind]
            assert 0 <= f["matched"] <= min(f["drafted"], f["curated"]) or f["drafted"] == 0
            assert 0.0 <= f["precision"] <= 1.0 and 0.0 <= f["recall"] <= 1.0
    assert result["total"]["events"]["matched"] > 0 and result["total"]["stances"]["matched"] > 0
    assert table(result).count("\n") == 7


def test_without_repeated_passages_only_stances_and_attributions_change() -> None:
    full, strict = score(SEEDS), score(SEEDS, repeats=False)
    assert sorted(strict["articles"]) == sorted(full["articles"])
    for key, figures in full["articles"].items():
        # events and entities do not depend on the other articles' curated stances
        assert strict["articles"][key]["events"] == figures["events"]
        assert strict["articles"][key]["entities"] == figures["entities"]


def test_matching_pairs_as_many_as_can_be_paired() -> None:
    # "a" fits both curated items, "b" only the first: a greedy pairing would leave "b" out
    fits = {("a", "x"), ("a", "y"), ("b", "x")}
    pairs = _match(["a", "b"], ["x", "y"], lambda p, g: (p, g) in fits)
    assert sorted(pairs) == [("a", "y"), ("b", "x")]
