"""The load test's report helpers (benchmarks/load.py): percentiles, errors per class, the summary
and its table, and the request mix. The 60-second run itself is not a test."""

from __future__ import annotations

import math

import pytest

from benchmarks.load import Request, is_error, mix, percentile, summarise, table

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)


def test_percentile_interpolates() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert percentile(list(map(float, range(101))), 95) == 95.0
    assert math.isnan(percentile([], 50))


@pytest.mark.parametrize("cls, status, error", [("saved", 200, False), ("saved", 503, True), ("entity", 404, True),
                                                ("sparql", None, True), ("runaway", 503, False), ("runaway", 200, True)])
def test_errors_by_class(cls: str, status: int | None, error: bool) -> None:
    assert is_error(cls, status) is error


def test_summary_and_table() -> None:
    records = [("saved", 200, 0.001), ("saved", 200, 0.003), ("saved", 500, 0.002), ("runaway", 503, 2.0),
               ("entity", 200, 0.004), ("sparql", None, 0.010)]
    s = summarise(records, seconds=2.0)
    assert s["saved"]["requests"] == 3 and s["saved"]["rps"] == 1.5 and s["saved"]["errors"] == 1
    assert s["saved"]["p50_ms"] == pytest.approx(2.0) and s["saved"]["statuses"] == {"200": 2, "500": 1}
    assert s["runaway"]["errors"] == 0 and s["runaway"]["p99_ms"] == pytest.approx(2000.0)
    assert s["all but runaway"]["requests"] == 5 and s["all but runaway"]["errors"] == 2
    assert s["sparql"]["statuses"] == {"none": 1}
    text = table({"1": s, "8": summarise(records[:2], 1.0)})
    lines = text.splitlines()
    assert lines[0].startswith("| concurrency | class | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    assert "| 1 | saved | 3 | 1.5 | 2.0 |" in text and "| 1 | runaway | 1 | 0.5 | 2000.0 |" in text
    assert [line.split("|")[2].strip() for line in lines[2:7]] == ["saved", "sparql", "entity", "runaway", "all but runaway"]
    assert "| 8 | saved | 2 | 2.0 |" in text and "| 8 | runaway" not in text


def test_mix_covers_every_class_with_formats_that_fit() -> None:
    requests = mix([("timeline", "select"), ("event-graph", "graph")], ["/id/entity/iran"])
    classes = {r.cls for r in requests}
    assert classes == {"saved", "sparql", "entity"}
    saved = [r.path for r in requests if r.cls == "saved"]
    assert saved == ["/queries/timeline?_format=json", "/queries/event-graph?_format=ttl"]
    assert Request("entity", "GET", "/id/entity/iran", headers=(("Accept", "text/turtle"),)) in requests
    methods = {(r.method, dict(r.headers).get("Content-Type")) for r in requests if r.cls == "sparql"}
    assert methods == {("GET", None), ("POST", "application/x-www-form-urlencoded"), ("POST", "application/sparql-query")}
