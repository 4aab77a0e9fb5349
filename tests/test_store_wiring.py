"""One setting picks the store kind on every surface: ``crisiskg serve``, ``crisiskg query run``,
``crisiskg sparql`` (``--store``, or ``CRISISKG_STORE``). A bad spec, or a store that holds another
build than the one published, exits 2 with a message saying what to do.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from serving import ROOT, running_server  # tests/serving.py

from crisiskg.cli import main
from crisiskg.scale.push import push


@pytest.fixture(scope="module")
def disk(seed_build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seed build pushed to an on-disk Oxigraph store; its spec."""
    spec = f"oxigraph:{tmp_path_factory.mktemp('wired') / 'ox'}"
    push(spec, seed_build_dir)
    return spec


@pytest.fixture(scope="module")
def other_build(mini_build: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory) -> str:
    """An on-disk store holding the mini build, not the seeds."""
    spec = f"oxigraph:{tmp_path_factory.mktemp('other') / 'ox'}"
    push(spec, mini_build[0])
    return spec


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.no_seeds
@pytest.mark.parametrize("command", [["serve"], ["query", "run"], ["query", "show"], ["sparql"]])
def test_help_names_the_option_and_the_environment(command: list[str]) -> None:
    out = invoke(*command, "--help")
    assert out.exit_code == 0
    assert "--store" in out.output and "CRISISKG_STORE" in out.output and "oxigraph:PATH" in out.output


def test_query_run_and_sparql_answer_the_same_on_disk(seed_build_dir: Path, disk: str) -> None:
    for args in (["query", "run", "attacks", "--format", "csv"],
                 ["query", "run", "events-in-country", "--param", "country=iraq", "--format", "json"],
                 ["sparql", "SELECT ?e ?place WHERE { ?e ckg:occurredIn ?place }", "--format", "csv"]):
        memory = invoke(*args, "--build", str(seed_build_dir))
        on_disk = invoke(*args, "--build", str(seed_build_dir), "--store", disk)
        assert memory.exit_code == on_disk.exit_code == 0, on_disk.output
        assert on_disk.output == memory.output and len(memory.output) > 200
    from_env = invoke("query", "run", "attacks", "--format", "csv", "--build", str(seed_build_dir), env={"CRISISKG_STORE": disk})
    assert from_env.exit_code == 0 and from_env.output == invoke("query", "run", "attacks", "--format", "csv",
                                                                 "--build", str(seed_build_dir)).output


@pytest.mark.parametrize("args", [["query", "run", "attacks"], ["sparql", "ASK {}"]])
def test_bad_specs_and_other_builds_exit_2(args: list[str], seed_build_dir: Path, other_build: str, tmp_path: Path) -> None:
    build = ["--build", str(seed_build_dir)]
    bad = invoke(*args, *build, "--store", "disk:/x")
    assert bad.exit_code == 2 and "store 'disk:/x' is not known" in bad.output and "oxigraph:PATH" in bad.output
    assert "Traceback" not in bad.output
    from_env = invoke(*args, *build, env={"CRISISKG_STORE": "nonsense"})
    assert from_env.exit_code == 2 and "'nonsense' is not known" in from_env.output
    missing = invoke(*args, *build, "--store", f"oxigraph:{tmp_path / 'none'}")
    assert missing.exit_code == 2 and "crisiskg push --store oxigraph:" in missing.output
    other = invoke(*args, *build, "--store", other_build)
    assert other.exit_code == 2 and "holds build" in other.output and "crisiskg push" in other.output


def _serve_exit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crisiskg", "serve", "--port", "1", *args],
                          check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_serve_refuses_a_bad_store(seed_build_dir: Path, other_build: str) -> None:
    bad = _serve_exit("--build", str(seed_build_dir), "--store", "disk:/x")
    assert bad.returncode == 2 and "is not known" in bad.stderr and "Traceback" not in bad.stderr
    other = _serve_exit("--build", str(seed_build_dir), "--store", other_build)
    assert other.returncode == 2 and "holds build" in other.stderr and "crisiskg push" in other.stderr


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, dict(resp.headers), resp.read()


def test_serve_on_disk_store_after_push(seed_build_dir: Path, tmp_path: Path) -> None:
    """``crisiskg push`` then ``crisiskg serve --store oxigraph:PATH``: a real server answers from
    the on-disk store exactly what the in-memory one answers."""
    spec = f"oxigraph:{tmp_path / 'ox'}"
    pushed = invoke("push", "--store", spec, "--build", str(seed_build_dir))
    assert pushed.exit_code == 0, pushed.output
    paths = ["/queries/attacks", "/queries/events-in-country?country=iraq",
             "/sparql?query=" + urllib.request.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")]
    answers = {}
    for name, extra in (("oxigraph", ["--store", spec]), ("memory", [])):
        with running_server(seed_build_dir, tmp_path / f"{name}.log", extra=extra) as base:
            answers[name] = [json.loads(_get(base + path)[2]) for path in paths]
            if name == "oxigraph":
                metrics = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
                assert "crisiskg_build_info" in metrics
    assert "oxigraph store" in (tmp_path / "oxigraph.log").read_text()  # the server says which kind it opened
    assert answers["oxigraph"] == answers["memory"]
    assert answers["memory"][0]["results"]["bindings"], "attacks should have rows on the seeds"
