"""The ``no_seeds`` mark is checked, not trusted (tests/seedguard.py): a marked test that reads the
seeds fails, a marked test that asks for a seed fixture stops the collection, and the run on a copy
of the seeds leaves the marked tests out. Each case is a small suite run by pytest in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from seedcorpus import ROOT, SEEDS
from seedguard import RUN_ON_A_COPY

SUITE = '''
import shutil, subprocess, sys
import pytest
from seedcorpus import SEEDS

@pytest.mark.no_seeds
def test_reads_nothing(tmp_path):
    (tmp_path / "x").write_text("x")

@pytest.mark.no_seeds
def test_opens_a_seed_file():
    next((SEEDS / "articles").glob("*.yaml")).read_text()

@pytest.mark.no_seeds
def test_lists_the_seeds():
    list((SEEDS / "articles").iterdir())

@pytest.mark.no_seeds
def test_hands_the_seeds_to_a_subprocess():
    subprocess.run([sys.executable, "-c", "pass", str(SEEDS)], check=True)

def test_unmarked_reads_the_seeds():
    next((SEEDS / "articles").glob("*.yaml")).read_text()

@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    return shutil.copytree(SEEDS, tmp_path_factory.mktemp("copy") / "seeds")

@pytest.fixture
def counted(copied):
    return len(list(copied.iterdir()))

def test_unmarked_sets_up_the_copy(copied):
    pass

@pytest.mark.no_seeds
def test_asks_for_the_copy_set_up_before(copied):
    pass

@pytest.mark.no_seeds
def test_asks_for_a_fixture_of_the_copy(counted):
    pass

@pytest.mark.no_seeds
def test_asks_for_the_copy_by_name(request):
    request.getfixturevalue("copied")

@pytest.fixture
def a_seed_file():
    return next((SEEDS / "articles").glob("*.yaml")).read_text()

@pytest.fixture
def reads_around_another(request):
    request.getfixturevalue("a_seed_file")  # set up inside this one's set-up, both reading the seeds
    return (SEEDS / "registry.yaml").read_text()

def test_unmarked_sets_up_fixtures_that_read_inside_each_other(reads_around_another):
    pass
'''

MARKED_FIXTURE = '''
import pytest

@pytest.fixture
def seed_store():
    return None

@pytest.mark.no_seeds
def test_asks_for_the_store(seed_store):
    pass
'''


def run_suite(tmp_path: Path, source: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_suite.py").write_text(source, encoding="utf-8")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["seedguard"]\n', encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k != RUN_ON_A_COPY}
    environ.update(PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]), **env)
    command = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", f"--rootdir={tmp_path}", "-c", os.devnull, str(tmp_path)]
    return subprocess.run(command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120, check=False)


def outcomes(run: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each test's outcome, from the -rA summary lines ("PASSED test_suite.py::name")."""
    seen = {}
    for line in run.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word in {"PASSED", "FAILED", "ERROR"} and "::" in rest:
            seen[rest.split("::", 1)[1].split(" ", 1)[0]] = word
    return seen


@pytest.mark.no_seeds
def test_a_marked_test_that_reads_the_seeds_fails(tmp_path: Path) -> None:
    run = run_suite(tmp_path, SUITE)
    assert outcomes(run) == {
        "test_reads_nothing": "PASSED",
        "test_opens_a_seed_file": "FAILED",
        "test_lists_the_seeds": "FAILED",
        "test_hands_the_seeds_to_a_subprocess": "FAILED",
        "test_unmarked_reads_the_seeds": "PASSED",
        "test_unmarked_sets_up_the_copy": "PASSED",
        "test_asks_for_the_copy_set_up_before": "ERROR",
        "test_asks_for_a_fixture_of_the_copy": "ERROR",
        "test_asks_for_the_copy_by_name": "FAILED",
        "test_unmarked_sets_up_fixtures_that_read_inside_each_other": "PASSED",
    }, run.stdout
    assert "is marked no_seeds but its call read the seeds (remove the mark)" in run.stdout
    assert f"open {SEEDS / 'articles'}" in run.stdout and f"os.scandir {SEEDS / 'articles'}" in run.stdout
    assert "fixture copied, built from the seeds" in run.stdout


@pytest.mark.no_seeds
def test_a_marked_test_built_from_the_seeds_stops_the_collection(tmp_path: Path) -> None:
    run = run_suite(tmp_path, MARKED_FIXTURE)
    assert run.returncode != 0
    assert "marked no_seeds but built from the seeds (remove the mark)" in run.stdout + run.stderr
    assert "test_asks_for_the_store asks for seed_store" in run.stdout + run.stderr


@pytest.mark.no_seeds
def test_the_run_on_a_copy_leaves_the_marked_tests_out(tmp_path: Path) -> None:
    run = run_suite(tmp_path, SUITE, **{RUN_ON_A_COPY: "1"})
    assert run.returncode == 0, run.stdout
    assert outcomes(run) == {"test_unmarked_reads_the_seeds": "PASSED", "test_unmarked_sets_up_the_copy": "PASSED",
                             "test_unmarked_sets_up_fixtures_that_read_inside_each_other": "PASSED"}, run.stdout
    assert "7 deselected" in run.stdout
