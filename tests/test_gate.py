"""The gate cannot be fooled, and says everything at once: a file marked reviewed that still holds
what the draft left (notes, suggestions, made-up ids) or an attack with no roles is refused, and
every mistake of every stage (schema, anchors, references, shapes) comes in one run, each at its
file, line and column with a fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crisiskg.build.gate import check
from crisiskg.build.pipeline import build
from crisiskg.cli import main
from crisiskg.errors import Problem, SeedError, ValidationFailed

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = Path(__file__).parent / "fixtures" / "mini"
ARTICLE = "articles/100_mini.yaml"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return shutil.copytree(MINI, tmp_path / "seeds")


def edit(seeds: Path, old: str, new: str) -> None:
    path = seeds / ARTICLE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def where(seeds: Path, needle: str, within: str | None = None) -> tuple[int, int]:
    """Line and column (1-based) of ``needle`` (of ``within`` on the line holding it) in the article file."""
    for n, line in enumerate((seeds / ARTICLE).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n, line.index(within or needle) + 1
    raise AssertionError(needle)


def refused(seeds: Path) -> list[Problem]:
    with pytest.raises(SeedError) as info:
        build(seeds, None)
    return info.value.problems


def one(problems: list[Problem], text: str) -> Problem:
    found = [p for p in problems if text in p.message]
    assert len(found) == 1, problems
    return found[0]


def test_leftover_draft_notes_and_suggestions(seeds: Path) -> None:
    with open(seeds / ARTICLE, "a", encoding="utf-8") as fh:
        fh.write("draft_notes:\n  suggestions:\n    - {kind: event, quote: \"Officials blamed the Red Militia\"}\n")
    problems = refused(seeds)
    notes = one(problems, "draft_notes are left")
    assert (notes.line, notes.column) == where(seeds, "  suggestions:", "suggestions")  # where its content starts
    pending = one(problems, "neither accepted nor rejected")
    assert (pending.line, pending.column) == where(seeds, "{kind: event")
    assert str(pending).startswith(f"{ARTICLE}:{pending.line}:{pending.column}: draft_notes.suggestions[0]: ")
    assert pending.hint and "accept" in pending.hint


def test_an_id_the_draft_made_up(seeds: Path) -> None:
    edit(seeds, "id: roe-against-retaliation", "id: draft-stance-1")
    problem = one(refused(seeds), "was made up by crisiskg draft")
    assert (problem.line, problem.column) == where(seeds, "id: draft-stance-1", "draft-stance-1")
    assert problem.field == "stances[0].id" and problem.hint and "name the stance" in problem.hint


def test_an_id_an_older_draft_made_from_the_quote(seeds: Path) -> None:
    edit(seeds, "id: camp-alpha-attack", "id: rocketattack-on-tuesday-rockets-struck")
    problem = one(refused(seeds), "was made up by crisiskg draft")
    assert problem.field == "events[0].id"


def test_an_attack_with_no_roles(seeds: Path) -> None:
    edit(seeds, "    roles: {suspectedAttacker: [red-militia]}\n", "")
    problem = one(refused(seeds), "has no roles")
    assert (problem.line, problem.column) == where(seeds, "class: RocketAttack", "RocketAttack")
    # a responsibility claim says who did it when the text names no attacker
    with open(seeds / ARTICLE, "a", encoding="utf-8") as fh:
        fh.write("  - {subject: red-militia, predicate: responsibleFor, object: camp-alpha-attack, quote: \"Officials blamed the Red Militia\"}\n")
    text = (seeds / ARTICLE).read_text(encoding="utf-8")
    relations_end = text.index("roles:\n  - {holder")
    moved = text[:relations_end] + text[text.rindex("  - {subject: red-militia, predicate: responsibleFor"):] + text[relations_end:text.rindex("  - {subject: red-militia, predicate: responsibleFor")]
    (seeds / ARTICLE).write_text(moved, encoding="utf-8")
    build(seeds, None)


def test_every_stage_in_one_run(seeds: Path) -> None:
    edit(seeds, "polarity: against", "polarity: sideways")                       # schema
    edit(seeds, '"killing two soldiers"', '"killing two soldier\u2019s"')      # anchor
    edit(seeds, "{holder: jane-roe, title: analyst", "{holder: jane-doe, title: analyst")  # reference
    edit(seeds, "date: {value: 2020-03-10", "date: {value: 2020-03-19")         # shape: dated after its article
    problems = refused(seeds)
    assert all(p.file == ARTICLE and p.line and p.column for p in problems), problems
    schema = one(problems, "'sideways' is not a valid value")
    assert (schema.line, schema.column) == where(seeds, "polarity: sideways", "sideways")
    anchor = one(problems, "quote not found")
    line, col = where(seeds, "killing two soldier\u2019s", "\u2019")
    assert (anchor.line, anchor.column) == (line, col)  # the differing character itself
    assert "U+2019 RIGHT SINGLE QUOTATION MARK" in anchor.message
    ref = one(problems, "unknown entity 'jane-doe'")
    assert (ref.line, ref.column) == where(seeds, "holder: jane-doe", "jane-doe") and ref.hint == "did you mean 'jane-roe'?"
    shape = one(problems, "dated after the article")
    assert shape.line == where(seeds, "id: camp-alpha-attack")[0]
    assert shape.hint
    # the CLI prints each as file:line:column and exits 2
    result = CliRunner().invoke(main, ["build", "--seeds", str(seeds), "--build", str(seeds.parent / "out")])
    assert result.exit_code == 2
    for p in (schema, anchor, ref, shape):
        assert f"{ARTICLE}:{p.line}:{p.column}: " in result.output


def test_the_gate_check_on_conforming_seeds(seeds: Path) -> None:
    loaded, problems = check(seeds)
    assert problems == [] and [a.key for a in loaded.articles] == ["100"]


def test_a_shape_violation_of_an_incremental_build_names_its_line(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    build(seeds, out)
    text = (seeds / ARTICLE).read_text(encoding="utf-8").replace("2020-03-10", "2020-03-09")
    text = text.replace("camp-alpha-attack", "camp-alpha-second-attack").replace("roe-against-retaliation", "roe-again")
    text = text.replace("date: {value: 2020-03-09", "date: {value: 2020-03-20")
    (seeds / "articles" / "101_again.yaml").write_text(text.replace("100_mini.txt", "101_again.txt"), encoding="utf-8")
    shutil.copy(seeds / "articles" / "100_mini.txt", seeds / "articles" / "101_again.txt")
    with pytest.raises(ValidationFailed) as info:
        build(seeds, out, incremental=True)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "id: camp-alpha-second-attack" in t)
    assert re.search(rf"articles/101_again\.yaml:{line}:\d+: events\[0\]: .*dated after the article", info.value.report), info.value.report


def test_coverage_runs_with_other_mistakes_and_gives_line_and_column(seeds: Path) -> None:
    edit(seeds, "polarity: against", "polarity: sideways")
    result = CliRunner().invoke(main, ["coverage", "--seeds", str(seeds)])
    assert result.exit_code == 0, result.output
    assert "1 other problem(s) in the seeds" in result.output
    text = (seeds / "articles" / "100_mini.txt").read_text(encoding="utf-8")
    offset = text.index('"Retaliation would')
    line = text[:offset].count("\n") + 1
    column = offset - text[:offset].rfind("\n")
    assert f"cue sentence at articles/100_mini.txt:{line}:{column} has no stance" in result.output
    assert "add a stance quoting it, or a skipped_cues entry" in result.output
