"""Progress of ``crisiskg build`` and ``crisiskg answers``: a live line on a terminal, one quiet
line per finished stage anywhere else (a pipe, a log)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crisiskg.cli import main
from crisiskg.cli.progress import FULL_BUILD

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

STAGE = re.compile(r"^  ([a-z][a-z ]*?)\s+\d+\.\d\d s$")
ESCAPE = "\x1b["
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"  # not imported from conftest: tests/browser has one too


def run(args: list[str], *, terminal: bool) -> Result:
    env = {"TTY_COMPATIBLE": "1" if terminal else "0", "TTY_INTERACTIVE": "1" if terminal else "0", "COLUMNS": "100"}
    return CliRunner(env=env).invoke(main, args, catch_exceptions=False)


def test_off_a_terminal_one_line_per_stage(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "seeds")
    result = run(["build", "--seeds", str(tmp_path / "seeds"), "--build", str(tmp_path / "build")], terminal=False)
    assert result.exit_code == 0, result.output
    assert ESCAPE not in result.stderr and ESCAPE not in result.stdout
    lines = result.stderr.splitlines()
    assert all(STAGE.match(line) for line in lines), lines
    assert [STAGE.match(line).group(1) for line in lines] == [*FULL_BUILD, "answers"]  # type: ignore[union-attr]
    answers = run(["answers", "--build", str(tmp_path / "build")], terminal=False)
    assert answers.exit_code == 0 and answers.stderr == "" and answers.stdout.startswith("build ")


def test_on_a_terminal_a_live_line_and_the_stages(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "seeds")
    result = run(["build", "--seeds", str(tmp_path / "seeds"), "--build", str(tmp_path / "build")], terminal=True)
    assert result.exit_code == 0, result.output
    assert ESCAPE in result.stderr and ESCAPE not in result.stdout  # the live line is drawn on standard error only
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr).replace("\r", "\n")
    for stage in FULL_BUILD:
        assert re.search(rf"^  {stage}\s+\d+\.\d\d s$", plain, re.MULTILINE), stage
        assert f"build: {stage}" in plain  # the live line named it while it ran
    assert re.search(r"\b\d+/6\b", plain)  # stages done of the six expected (with the answers)
    assert result.stdout.startswith("published build ")
    answers = run(["answers", "--build", str(tmp_path / "build")], terminal=True)
    assert answers.exit_code == 0 and answers.stdout.startswith("build ")


PUSH_TO_DISK = ["load", "union copy", "optimize", "current"]  # a full build pushed to a new on-disk store


def test_push_off_a_terminal_one_line_per_stage(mini_build: tuple[Path, object], tmp_path: Path) -> None:
    spec = f"oxigraph:{tmp_path / 'stores'}"
    result = run(["push", "--store", spec, "--build", str(mini_build[0])], terminal=False)
    assert result.exit_code == 0, result.output
    assert ESCAPE not in result.stderr and ESCAPE not in result.stdout
    lines = result.stderr.splitlines()
    assert all(STAGE.match(line) for line in lines), lines
    assert [STAGE.match(line).group(1) for line in lines] == PUSH_TO_DISK  # type: ignore[union-attr]
    assert result.stdout.startswith("wrote build ") and (tmp_path / "stores" / "current").is_dir()
    again = run(["push", "--store", spec, "--build", str(mini_build[0])], terminal=False)  # already there: only made current
    assert again.exit_code == 0 and again.stdout.startswith("build ") and "was already at" in again.stdout
    assert [STAGE.match(line).group(1) for line in again.stderr.splitlines()] == ["current"]  # type: ignore[union-attr]


def test_push_on_a_terminal_a_live_line_and_the_stages(mini_build: tuple[Path, object], tmp_path: Path) -> None:
    result = run(["push", "--store", f"oxigraph:{tmp_path / 'stores'}", "--build", str(mini_build[0])], terminal=True)
    assert result.exit_code == 0, result.output
    assert ESCAPE in result.stderr and ESCAPE not in result.stdout  # the live line is drawn on standard error only
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr).replace("\r", "\n")
    for stage in PUSH_TO_DISK:
        assert re.search(rf"^  {stage}\s+\d+\.\d\d s$", plain, re.MULTILINE), stage
        assert f"push: {stage}" in plain  # the live line named it while it ran
    assert result.stdout.startswith("wrote build ")
