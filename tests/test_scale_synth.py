"""The synthetic corpus: deterministic, read by the normal loader, conforming to the shapes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from crisiskg.build.pipeline import build
from crisiskg.cli import main
from crisiskg.loaders import read_seeds
from crisiskg.scale.synth import synthesize

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files(tmp_path: Path) -> None:
    synthesize(articles=5, out=tmp_path / "a", seed=1)
    synthesize(articles=5, out=tmp_path / "b", seed=1)
    synthesize(articles=5, out=tmp_path / "c", seed=2)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")


def test_builds_and_conforms_with_the_seeds_shape(tmp_path: Path) -> None:
    counts = synthesize(articles=12, out=tmp_path / "s", seed=0)
    seeds = read_seeds(tmp_path / "s")
    assert len(seeds.articles) == counts["articles"] == 12
    assert any(e.get("aliases") for e in seeds.entities.values())
    assert any(e.get("located_in") for e in seeds.entities.values())
    result = build(tmp_path / "s", tmp_path / "build")  # raises unless it conforms
    c = result.manifest["counts"]
    assert c["events"] >= 12 and c["stances"] >= 12 and c["mentions"] > 50 and c["triples_inferred"] > 100
    assert result.validation.conforms
    reported = [e["id"] for a in seeds.articles for e in a.items("events")]
    assert len(reported) > len(set(reported)), "some events are reported by two articles"


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "corpus"
    result = runner.invoke(main, ["synth", "--articles", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "articles 2" in result.output
    assert len(list((out / "articles").glob("*.yaml"))) == 2
    again = runner.invoke(main, ["synth", "--articles", "2", "--out", str(out)])
    assert again.exit_code == 1 and "not empty" in again.output


def test_cli_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal synth shows a progress bar on standard error; elsewhere only its one line."""
    for terminal in (True, False):
        env = {"TTY_COMPATIBLE": "1" if terminal else "0", "TTY_INTERACTIVE": "1" if terminal else "0", "COLUMNS": "100"}
        out = tmp_path / f"corpus-{terminal}"
        result = CliRunner(env=env).invoke(main, ["synth", "--articles", "3", "--out", str(out)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"wrote {out}: articles 3")
        assert ("writing articles" in result.stderr) is terminal, result.stderr
        assert ("\x1b[" in result.stderr) is terminal


def test_synthesize_tells_of_each_article(tmp_path: Path) -> None:
    heard: list[tuple[int, int]] = []
    synthesize(articles=4, out=tmp_path / "corpus", on_article=lambda done, total: heard.append((done, total)))
    assert heard == [(n, 4) for n in range(1, 5)]
