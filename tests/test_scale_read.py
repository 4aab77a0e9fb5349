"""Reading at scale: libyaml's fast path gives exactly what the pure-Python loader gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from seedcorpus import ROOT, SEEDS

from crisiskg.loaders import yamlio

FILES = sorted([*SEEDS.rglob("*.yaml"), *(ROOT / "tests" / "fixtures").rglob("*.yaml")])


def name(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path("seeds") / path.relative_to(SEEDS))


@pytest.mark.parametrize("path", FILES, ids=name)
def test_fast_path_matches_the_python_loader(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast_doc, fast_problems = yamlio.load_yaml(text, path.name)
    monkeypatch.setattr(yamlio, "_compose_fast", lambda _text: None)
    slow_doc, slow_problems = yamlio.load_yaml(text, path.name)
    assert fast_problems == slow_problems
    if slow_doc is None:
        assert fast_doc is None
        return
    assert fast_doc is not None
    assert (fast_doc.data, fast_doc.lines) == (slow_doc.data, slow_doc.lines)


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: 1\na: 2\n", "a: [1, 2\n", "a:\n  - b: c\n    d: e\n", "t: 2020-02-30\n"])
def test_refusals_and_problems_are_unchanged(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = yamlio.load_yaml(text, "x.yaml")
    monkeypatch.setattr(yamlio, "_compose_fast", lambda _text: None)
    slow = yamlio.load_yaml(text, "x.yaml")
    assert fast[1] == slow[1]
    assert (fast[0].data if fast[0] else None) == (slow[0].data if slow[0] else None)


def test_libyaml_is_used_when_present() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    assert yamlio._compose_fast("a: 1\n") is not None
    assert yamlio._compose_fast("a: &x 1\n") is None
