"""The benchmark harness's own logic (sizes, growth, the report); no timing is asserted here."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.run import growth, label, parse_size, report

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)


def test_sizes() -> None:
    assert [parse_size(s) for s in ("10k", "100K", "1M", "2500")] == [10_000, 100_000, 1_000_000, 2500]
    assert [label(n) for n in (10_000, 1_000_000, 500)] == ["10k", "1M", "500"]
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size("lots")


def test_growth_words() -> None:
    assert growth([1.0, 10.0], [1, 10]).startswith("linear")
    assert growth([1.0, 1.0], [1, 10]).startswith("flat")
    assert growth([1.0, 100.0], [1, 10]).startswith("superlinear")
    assert growth([1.0], [1]) == ""


def fake(size: int) -> dict:
    lat = {"p50_ms": size / 1000, "p90_ms": size / 500}
    rps = {c: {"rps": 100.0 * int(c), "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0} for c in ("1", "8", "32")}
    return {
        "size": size, "label": label(size), "articles": size // 270, "triples_asserted": size, "triples_inferred": size // 10,
        "stages": {"read": {"seconds": size / 1e4, "peak_mib": 100}, "reason": {"seconds": 1.0, "peak_mib": 200}},
        "total": size / 1e4 + 1, "published": size / 1e4,
        "incremental": {"seconds": 2.0, "published": 0.5, "peak_mib": 1, "stages": {"publish": 0.5, "answers": 1.5},
                        "note": "incremental: added x", "command_seconds": 0.9, "command_answers_seconds": 3.0},
        "reason": {"rules": {"seconds": 1.0, "peak_mib": 1, "inferred": 5}, "owlrl": {"seconds": 50.0, "peak_mib": 1, "inferred": 5}},
        "validate": {"fast": {"seconds": 1.0, "peak_mib": 1, "violations": 0}},
        "queries": {"open_seconds": {"memory": 0.1}, "latency": {"timeline": {"memory": lat, "memory evaluated": {"p50_ms": size / 100, "p90_ms": size / 50}}}, "rows": {"timeline": {"memory": 3}},
                    "values": {}, "timeouts": ["slow-one"]},
        "http": {"seconds": 1, "queries": {"timeline": {"values": {}, "crisiskg serve: saved question": rps,
                                                        "crisiskg serve: /sparql": rps, "oxigraph serve": rps}},
                 "served": {"timeline": {"first_ms": 80.0, "repeat_p50_ms": 1.5}, "slow-one": {"first_ms": 9000.0, "repeat_p50_ms": 60.0}}},
    }


def test_report_renders_every_section() -> None:
    args = argparse.Namespace(sizes="10k,100k", repeat=3, repeat_1m=1, oracle_max=100_000, question_limit=60)
    text = report([fake(10_000), fake(100_000)], args, "today", 60)
    for heading in ("## Build stages", "## Reasoning and validation", "## Saved questions", "## HTTP", "## Targets"):
        assert heading in text
    assert "owlrl / rules | 50x | 50x" in text
    assert "> 60 s" in text and "slow-one" in text
    # adding an article: published, the whole command, and when its kept answers were written
    assert "| incremental, the whole command (`crisiskg build --incremental`, wall clock) | 0.90 s | 0.90 s |" in text
    assert "published in **0.50 s**" in text and "returns after 0.90 s" in text and "3.00 s after it started" in text
    # as asked (kept answers) and evaluated are reported apart
    assert "| build total with kept answers (read..answers) |" in text.replace("**", "")
    assert "The same asks evaluated (kept answers off, memory): 2 of 2 over 50 ms: slow-one 60000 ms, timeline 1000 ms." in text


def test_report_http_tables_and_targets() -> None:
    args = argparse.Namespace(sizes="10k,100k", repeat=3, repeat_1m=1, oracle_max=100_000, question_limit=60)
    text = report([fake(10_000), fake(100_000)], args, "today", 60)
    assert "| 100k | timeline | crisiskg serve: saved question | 100 (1.00 / 2.00) |" in text
    assert "### Every saved question over HTTP" in text
    assert "| timeline | 80.00 | 1.50 | 80.00 | 1.50 |" in text
    # the served-latency target names the question over 50 ms, and the throughput ratios are 1.00 (met)
    assert "not met for slow-one 60 ms" in text
    assert "lowest ratio 1.00 (met)" in text


def test_report_survives_a_server_that_finished_no_request() -> None:
    args = argparse.Namespace(sizes="10k,100k", repeat=3, repeat_1m=1, oracle_max=100_000, question_limit=60)
    runs = [fake(10_000), fake(100_000)]
    runs[1]["http"]["queries"]["timeline"]["oxigraph serve"]["32"] = {"rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "errors": 0}
    text = report(runs, args, "today", 60)
    assert "none of its requests finished" in text
    assert "lowest ratio 1.00 (met)" in text


def test_the_articles_held_back_share_events_and_are_added_incrementally(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The benchmark adds articles that annotate an event an earlier article annotates (the usual
    case): the corpus builds without them, and each is then added by the incremental build."""
    import shutil

    import yaml

    from benchmarks.measure import sharing_articles
    from crisiskg.build.pipeline import build
    from crisiskg.scale.synth import synthesize

    seeds = tmp_path / "seeds"
    synthesize(articles=40, out=seeds, seed=3)
    held = sharing_articles(seeds)
    assert len(held) == 2 and held == sorted(held)
    events = {p.stem: {e["id"] for e in yaml.safe_load(p.read_text(encoding="utf-8")).get("events") or []}
              for p in (seeds / "articles").glob("*.yaml")}
    aside = tmp_path / "aside"
    aside.mkdir()
    for stem in held:
        assert events[stem] & set().union(*(ev for s, ev in events.items() if s < stem and s not in held))
        for p in (seeds / "articles").glob(f"{stem}.*"):
            shutil.move(p, aside / p.name)
    out = tmp_path / "build"
    build(seeds, out)
    for stem in held:
        for p in aside.glob(f"{stem}.*"):
            shutil.move(p, seeds / "articles" / p.name)
        result = build(seeds, out, incremental=True)
        assert result.note.startswith("incremental:"), result.note


def test_a_new_report_keeps_every_section_written_by_hand(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.run import write_report

    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nold intro\n\n## Build stages\n\nold table\n\nnote by hand under it\n\n"
                      "## Reading the numbers\n\nby hand\n\n## Evaluated HTTP (issue 20)\n\nby hand too\n", encoding="utf-8")
    write_report(readme, "# Benchmarks\n\nnew intro\n\n## Build stages\n\nnew table\n\n## Saved questions\n\nnew latency\n")
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nnew intro\n\n## Build stages\n\nnew table\n\n## Saved questions\n\nnew latency\n")
    assert "old" not in text and "note by hand under it" not in text  # a generated section is replaced whole
    assert text.index("## Reading the numbers\n\nby hand\n") < text.index("## Evaluated HTTP (issue 20)\n\nby hand too\n")
