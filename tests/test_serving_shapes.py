"""benchmarks/serving_shapes.py: its table and its arguments (the servers it starts are crisiskg's own)."""

from __future__ import annotations

import pytest

from benchmarks.serving_shapes import main, report


def cell(rps: float) -> dict[str, float]:
    return {"rps": rps, "p50_ms": 1000 / max(rps, 1), "p99_ms": 10000 / max(rps, 1), "errors": 0, "cpu_ms": 2000 / max(rps, 1)}


def data(oxigraph: list[float], served: list[float]) -> dict[str, object]:
    return {"question": "actor-events", "clients": 8, "rounds": len(served), "seconds": 4, "fronts": 2, "front_workers": 1,
            "mismatches": 0, "cells": {"oxigraph": [cell(r) for r in oxigraph], "served": [cell(r) for r in served]}}


def test_the_ratio_is_the_median_of_the_same_round_ratios() -> None:
    # same-round ratios 0.50, 0.10, 0.30: median 0.30x; the ratio of the medians would be 500 / 2000 = 0.25x
    text = report(data([1000, 4000, 2000], [500, 400, 600]))
    assert "| served | 500 (400-600) |" in text
    assert "| 0.30x |" in text and "0.25x" not in text
    assert "| oxigraph | 2,000 (1,000-4,000) |" in text and "| 1.00x |" in text
    # CPU a request: the median of the rounds' (2000 / rps: 4, 5, 3.33 ms for the served shape)
    assert "| 0.30x | 4.00 |" in text


def test_a_round_where_oxigraph_answered_nothing_is_left_out_of_the_ratio() -> None:
    text = report(data([0, 1000], [300, 400]))
    assert "| served | 350 (300-400) |" in text
    assert "0.40x" in text
    assert "n/a (Oxigraph answered nothing)" in report(data([0], [300]))


def test_an_unknown_shape_is_refused_with_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--shapes", "served,forks"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown shape(s) forks" in err and "fronts+threads" in err


def test_the_granian_shape_without_granian_says_how_to_get_it(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "granian" else real(name, *a))
    with pytest.raises(SystemExit) as exc:
        main(["--shapes", "served,granian"])
    assert exc.value.code == 2
    assert "pip install granian" in capsys.readouterr().err
