"""The build-side commands in-process with click's CliRunner (plus one real `crisiskg` run):
exit codes, the build summary, readable failures without tracebacks, export round trips, stats,
and help with an example on every command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from crisiskg.build.publish import MANIFEST, current, rdflib_dataset_io
from crisiskg.build.stages import BuildResult
from crisiskg.cli import main
from crisiskg.cli.dataset import EXPORT_FORMATS
from crisiskg.vocab import INFERRED_GRAPH

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ARTICLE = Path("articles") / "100_mini.yaml"


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    # an expected failure is a message, never a traceback
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"unexpected exception: {result.exception!r}\n{result.output}")
    return result


def edit(folder: Path, rel: str | Path, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(folder: Path, rel: str | Path, needle: str) -> int:
    text = (folder / rel).read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def snapshot(out: Path) -> tuple[str, dict[str, bytes]]:
    release = (out / "current").resolve()
    return os.readlink(out / "current"), {str(p.relative_to(release)): p.read_bytes() for p in release.rglob("*") if p.is_file()}


def published_dataset(out: Path) -> Dataset:
    ds = Dataset()
    with rdflib_dataset_io():
        ds.parse(current(out).dataset_file, format="nquads")
    return ds


def graphs(ds: Dataset) -> dict[str, Graph]:
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


# ---------------------------------------------------------------- build


def test_build_exits_0_and_prints_the_summary(mini_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    result = run("build", "--seeds", mini_copy, "--build", out)
    assert result.exit_code == 0, result.output
    m = current(out).manifest
    c = m["counts"]
    stdout = result.stdout
    assert f"published build {m['version']}" in stdout
    assert f"articles {c['articles']}, entities {c['entities']}, events {c['events']}, stances {c['stances']}" in stdout
    assert "articles 1, entities 7, events 1, stances 1" in stdout
    assert f"triples: {c['triples_asserted']} asserted, {c['triples_inferred']} inferred" in stdout
    assert "SHACL: conforms" in stdout
    seconds = next(line for line in stdout.splitlines() if "seconds:" in line)
    for stage in ("read", "load", "reason", "validate", "publish"):
        assert f"{stage} " in seconds
    kept = json.loads((current(out).path / "answers" / "index.json").read_text(encoding="utf-8"))["answers"]
    assert f"  kept answers: {len(kept)} (" in stdout and "not kept" not in stdout
    # the stages are reported as they finish, on stderr
    assert [line.split()[0] for line in result.stderr.splitlines()] == ["read", "load", "reason", "validate", "publish", "answers"]


def test_build_without_kept_answers(mini_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    result = run("build", "--seeds", mini_copy, "--build", out, "--answers", "no")
    assert result.exit_code == 0, result.output
    assert not (current(out).path / "answers").exists()
    assert "kept answers" not in result.stdout and "answers" not in result.stderr
    # the questions are evaluated instead, with the same answer
    asked = run("query", "run", "timeline", "--build", out, "--format", "csv")
    assert asked.exit_code == 0 and asked.stdout.startswith("date,")
    # kept later by the command of their own
    kept = run("answers", "--build", out)
    assert kept.exit_code == 0, kept.output
    index = json.loads((current(out).path / "answers" / "index.json").read_text(encoding="utf-8"))
    assert index["version"] == current(out).version and f"kept answers: {len(index['answers'])} (" in kept.stdout


def test_an_incremental_build_keeps_its_answers_in_the_background(tmp_path: Path) -> None:
    import time

    from crisiskg.scale.synth import synthesize

    seeds = tmp_path / "seeds"
    synthesize(articles=6, out=seeds, seed=3)
    last = max(p.stem for p in (seeds / "articles").glob("*.yaml"))
    held = [Path(shutil.move(p, tmp_path / p.name)) for p in sorted((seeds / "articles").glob(f"{last}.*"))]
    out = tmp_path / "build"
    assert run("build", "--seeds", seeds, "--build", out).exit_code == 0
    for p in held:
        shutil.copy(p, seeds / "articles" / p.name)
    result = run("build", "--seeds", seeds, "--build", out, "--incremental")
    assert result.exit_code == 0, result.output
    assert "kept answers: being written by process" in result.stdout and "answers" not in result.stderr.split(), result.output
    index = current(out).path / "answers" / "index.json"
    deadline = time.monotonic() + 120
    while not index.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert index.exists(), (out / "answers.log").read_text(encoding="utf-8")
    assert json.loads(index.read_text(encoding="utf-8"))["version"] == current(out).version
    assert "kept answers: " in (out / "answers.log").read_text(encoding="utf-8")


def test_a_quote_not_in_its_article_fails_the_build_and_keeps_the_previous_one(mini_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert run("build", "--seeds", mini_copy, "--build", out).exit_code == 0
    before = snapshot(out)
    edit(mini_copy, ARTICLE, '"Analyst Jane Roe said the United States should not retaliate."',
         '"Analyst Jane Roe said the US should never retaliate."')
    result = run("build", "--seeds", mini_copy, "--build", out)
    assert result.exit_code == 2
    line = line_of(mini_copy, ARTICLE, "the US should never")
    assert re.search(rf"articles/100_mini\.yaml:{line}:\d+: stances\[0\]\.quote: quote not found in the article", result.output)
    passage = result.output.split("closest passage: ", 1)[1]
    assert "Jane Roe said the United States should not" in passage
    assert result.output.startswith("Error: 1 problem(s) in the seeds")
    assert snapshot(out) == before


def test_a_shacl_violation_fails_the_build_with_exit_1(mini_copy: Path, tmp_path: Path) -> None:
    edit(mini_copy, ARTICLE, "value: 2020-03-10", "value: 2020-03-30")
    result = run("build", "--seeds", mini_copy, "--build", tmp_path / "build")
    assert result.exit_code == 1
    assert "Rocket attack on Camp Alpha" in result.output and "dated after the article" in result.output
    line = line_of(mini_copy, ARTICLE, "- id: camp-alpha-attack")
    assert re.search(rf"articles/100_mini\.yaml:{line}:\d+: events\[0\]: ", result.output)  # the entry to fix
    assert not (tmp_path / "build" / "current").exists()


def test_a_missing_seeds_folder_is_a_clean_error(tmp_path: Path) -> None:
    result = run("build", "--seeds", tmp_path / "nope", "--build", tmp_path / "build")
    assert result.exit_code == 2
    assert "seeds folder not found" in result.output


# ---------------------------------------------------------------- validate: 0 conforms, 1 violations, 2 error

VIOLATING_TTL = """
@prefix ckg: <https://w3id.org/crisiskg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/crisiskg/id/entity/x> a ckg:Person ; rdfs:label "One", "Two" .
"""


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        ("seeds-conform", 0, "conforms"),
        ("seeds-violate", 1, "dated after the article"),
        ("seeds-broken", 2, "quote not found"),
        ("seeds-missing", 2, "seeds folder not found"),
        ("data-conforms", 0, "conforms"),
        ("data-violates", 1, "a person has exactly one label"),
        ("data-unparseable", 2, "cannot parse"),
        ("data-missing", 2, "does not exist"),
    ],
)
def test_validate_exit_codes(case: str, code: int, words: str, mini_copy: Path, mini_build: tuple[Path, BuildResult], tmp_path: Path) -> None:
    if case == "seeds-violate":
        edit(mini_copy, ARTICLE, "value: 2020-03-10", "value: 2020-03-30")
    if case == "seeds-broken":
        edit(mini_copy, ARTICLE, '"killing two soldiers"', '"killing 2 soldiers"')
    args: list[str | Path] = ["validate"]
    if case.startswith("seeds"):
        args += ["--seeds", mini_copy if case != "seeds-missing" else tmp_path / "nope"]
    else:
        data = {
            "data-conforms": current(mini_build[0]).dataset_file,
            "data-violates": tmp_path / "bad.ttl",
            "data-unparseable": tmp_path / "broken.ttl",
            "data-missing": tmp_path / "missing.ttl",
        }[case]
        (tmp_path / "bad.ttl").write_text(VIOLATING_TTL, encoding="utf-8")
        (tmp_path / "broken.ttl").write_text("this is not turtle <<\n", encoding="utf-8")
        args += ["--data", data]
    result = run(*args)
    assert result.exit_code == code, result.output
    assert words in result.output


def test_validate_does_not_publish(mini_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, ["validate", "--seeds", str(mini_copy)])
    assert result.exit_code == 0
    assert list(cwd.iterdir()) == []


# ---------------------------------------------------------------- export


def test_export_jsonld_parses_back_isomorphic_to_the_published_dataset(mini_build: tuple[Path, BuildResult], tmp_path: Path) -> None:
    out = mini_build[0]
    target = tmp_path / "crisiskg.jsonld"
    result = run("export", "--build", out, "--format", "jsonld", "-o", target)
    assert result.exit_code == 0 and f"to {target}" in result.stderr
    back = Dataset()
    with rdflib_dataset_io():
        back.parse(target, format="json-ld")
    expected, got = graphs(published_dataset(out)), graphs(back)
    assert set(got) == set(expected)
    for name, g in expected.items():
        assert isomorphic(g, got[name]), name


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
@pytest.mark.parametrize("inferred", [True, False], ids=["with-inferred", "no-inferred"])
def test_every_export_format_parses_back(fmt: str, inferred: bool, mini_build: tuple[Path, BuildResult]) -> None:
    out = mini_build[0]
    args = ["export", "--build", str(out), "--format", fmt] + ([] if inferred else ["--no-inferred"])
    result = run(*args)
    assert result.exit_code == 0
    rdf_format = EXPORT_FORMATS[fmt]
    published = published_dataset(out)
    expected = {k: v for k, v in graphs(published).items() if inferred or k != str(INFERRED_GRAPH)}
    with rdflib_dataset_io():
        if fmt in ("nq", "trig", "jsonld"):
            back = Dataset()
            back.parse(data=result.stdout, format=rdf_format)
            got = graphs(back)
            assert set(got) == set(expected)
            for name, g in expected.items():
                assert isomorphic(g, got[name]), name
        else:
            back_graph = Graph()
            back_graph.parse(data=result.stdout, format=rdf_format)
            merged = Graph()
            for g in expected.values():
                for t in g:
                    merged.add(t)
            assert isomorphic(merged, back_graph)


def test_export_without_a_build_is_a_clean_error(tmp_path: Path) -> None:
    result = run("export", "--build", tmp_path, "--format", "ttl")
    assert result.exit_code == 2
    assert "no published build" in result.output and "crisiskg build" in result.output


def test_export_refuses_an_unknown_format(mini_build: tuple[Path, BuildResult]) -> None:
    result = run("export", "--build", mini_build[0], "--format", "xml")
    assert result.exit_code == 2 and "xml" in result.output


# ---------------------------------------------------------------- stats


def test_stats_shows_the_counts(mini_build: tuple[Path, BuildResult]) -> None:
    out = mini_build[0]
    m = current(out).manifest
    result = run("stats", "--build", out)
    assert result.exit_code == 0
    assert f"build {m['version']}" in result.output
    for key in ("articles", "entities", "events", "stances", "triples_asserted", "triples_inferred"):
        assert any(line.split() == [key, str(m["counts"][key])] for line in result.output.splitlines()), key
    assert "SHACL              conforms" in result.output
    assert "https://w3id.org/crisiskg/graph/article/100" in result.output


def test_stats_json_is_the_manifest(mini_build: tuple[Path, BuildResult]) -> None:
    out = mini_build[0]
    result = run("stats", "--build", out, "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == json.loads((current(out).path / MANIFEST).read_text(encoding="utf-8"))


def test_stats_without_a_build_is_a_clean_error(tmp_path: Path) -> None:
    result = run("stats", "--build", tmp_path)
    assert result.exit_code == 2 and "no published build" in result.output


# ---------------------------------------------------------------- help


def all_commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            found += all_commands(cmd, prefix + (name,))
        else:
            found.append(prefix + (name,))
    return found


def test_the_build_side_commands_exist() -> None:
    assert {("build",), ("validate",), ("export",), ("stats",)} <= set(all_commands())


@pytest.mark.parametrize("path", [()] + all_commands(), ids=lambda p: " ".join(p) or "crisiskg")
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.output
    examples = [line.strip() for line in result.output.splitlines() if line.strip().startswith("Example:")]
    assert examples, f"'crisiskg {' '.join(path)} --help' has no example"
    assert all(e.startswith("Example: crisiskg") for e in examples)
    if path:  # the example uses the command it documents
        assert any(" ".join(path) in e for e in examples), examples


def test_version() -> None:
    from crisiskg import __version__

    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


# ---------------------------------------------------------------- the real console script


def test_the_crisiskg_command_builds_in_a_subprocess(mini_copy: Path, tmp_path: Path) -> None:
    exe = shutil.which("crisiskg")
    cmd = [exe] if exe else [sys.executable, "-m", "crisiskg"]
    out = tmp_path / "build"
    proc = subprocess.run([*cmd, "build", "--seeds", str(mini_copy), "--build", str(out)],
                          check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "published build" in proc.stdout and "SHACL: conforms" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("  seconds: read ")  # the last line, flushed before the prompt exit
    assert (out / "current" / "dataset.nq").exists() and (out / "current" / "manifest.json").exists()
    edit(mini_copy, ARTICLE, '"killing two soldiers"', '"killing twenty soldiers"')
    proc = subprocess.run([*cmd, "build", "--seeds", str(mini_copy), "--build", str(out)],
                          check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    line = line_of(mini_copy, ARTICLE, "killing twenty soldiers")
    assert re.search(rf"articles/100_mini\.yaml:{line}:\d+: events\[0\]\.casualties\[0\]\.quote: quote not found", proc.stderr)
    assert "killing two soldiers" in proc.stderr.split("closest passage:", 1)[1]


def test_stats_gives_quads_and_distinct_triples_and_says_which(mini_build: tuple[Path, BuildResult]) -> None:
    from crisiskg.query.store import Store

    out = mini_build[0]
    c = current(out).manifest["counts"]
    store = Store.open(out)
    distinct = int(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])
    quads = sum(c["graphs"].values())
    assert quads == c["triples_asserted"] + c["triples_inferred"] == len(store)
    lines = run("stats", "--build", out).output.splitlines()
    quad_line = next(line for line in lines if line.split()[:1] == ["quads"])
    distinct_line = next(line for line in lines if line.split()[:2] == ["distinct", "triples"])
    assert quad_line.split()[1] == str(quads) and "once per named graph" in quad_line
    assert distinct_line.split()[2] == str(distinct) and "COUNT(*)" in distinct_line
    assert f"{quads - distinct} quads repeat a triple" in distinct_line
    manifest_only = run("stats", "--build", out, "--no-distinct").output
    assert f"quads              {quads}" in manifest_only and "distinct triples " not in manifest_only


def test_readyz_gives_quads_and_distinct_triples(mini_build: tuple[Path, BuildResult]) -> None:
    from crisiskg.query.store import Store
    from crisiskg.service import create_app

    store = Store.open(mini_build[0])
    ready = create_app({"store": store}).test_client().get("/readyz").json
    distinct = int(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])
    assert ready["quads"] == len(store) == ready["triples"] and ready["distinct_triples"] == distinct
    assert "quads:" in ready["counts"] and "distinct_triples:" in ready["counts"]


def test_the_build_says_which_path_ran(tmp_path: Path) -> None:
    from crisiskg.build.pipeline import build
    from crisiskg.scale.synth import synthesize

    seeds = tmp_path / "seeds"
    synthesize(articles=3, out=seeds, seed=5)
    last = max(p.stem for p in (seeds / "articles").glob("*.yaml"))
    held = [Path(shutil.move(p, tmp_path / p.name)) for p in sorted((seeds / "articles").glob(f"{last}.*"))]
    out = tmp_path / "build"
    assert build(seeds, out, incremental=True).path == "full"  # nothing published yet
    for p in held:
        shutil.copy(p, seeds / "articles" / p.name)
    added = build(seeds, out, incremental=True)
    assert added.path == "incremental" and last.split("_")[0] in added.note
    again = build(seeds, out, incremental=True)
    assert again.path == "full" and again.note == "full build: no new article files"
