"""The tests do not hard-code the corpus: the whole suite passes on a copy of the seeds with a small
sixth article added (issue 15).

The copy gets a new article under the next free three-digit key: a short news text about a statement
after the Camp Taji attack, with one event dated to the day and one stance by a person of the
registry, using only registry entities and propositions that exist. It must conform (``crisiskg
validate``) and be fully covered (``crisiskg coverage --strict``); then the whole suite runs on it in
a subprocess (``CRISISKG_TEST_SEEDS`` names the copy), where this module skips itself and the tests
marked ``no_seeds`` are left out (they read nothing of the seeds: tests/seedguard.py checks the mark).
It reruns every test that may read the seeds, minutes of work: deselect it with ``-m "not corpus_copy"``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from seedcorpus import ROOT, SEEDS, article_keys
from seedguard import RUN_ON_A_COPY  # set in the suite run on the copy

from crisiskg.cli import main

pytestmark = [
    pytest.mark.corpus_copy,
    pytest.mark.skipif(bool(os.environ.get(RUN_ON_A_COPY)), reason="this run is the suite on the copy: it does not start itself again"),
]

TEXT = """U.S. vows to hold Camp Taji attackers to account

March 13, 2020

The day after the rocket attack on Camp Taji north of Baghdad, Joint Chiefs Chairman Gen. Mark A. Milley said on Thursday that the United States would hold those responsible to account. He told reporters that Iran-backed Iraqi militias were the main suspects. Officials gave no date for any response.
"""

ANNOTATIONS = """article:
  text: {text}
  status: reviewed
  title: U.S. vows to hold Camp Taji attackers to account
  genre: news
  publisher: null
  authors: []
  published: {{date: 2020-03-13, precision: day, derivation: "from the text: 'March 13, 2020'"}}
  headline:
    - {{quote: "U.S. vows to hold Camp Taji attackers to account"}}
  furniture:
    - {{quote: "March 13, 2020"}}
  captions: []

events:
  - id: milley-vows-accountability-camp-taji-2020-03-12
    label: Gen. Milley says the United States will hold those behind the Camp Taji attack to account
    class: Statement
    cameo: "010"
    quote: "Joint Chiefs Chairman Gen. Mark A. Milley said on Thursday that the United States would hold those responsible to account."
    date: {{value: 2020-03-12, precision: day, derivation: "'on Thursday', the day before publication (Friday 2020-03-13)"}}
    roles:
      speaker: [mark-milley]
    channel: Unspecified

stances:
  - id: milley-hold-camp-taji-attackers-to-account
    holder: mark-milley
    proposition: us-retaliation-camp-taji
    polarity: favor
    modality: intention
    strength: moderate
    condition: null
    speech_mode: paraphrase
    quote: "the United States would hold those responsible to account"
"""


@pytest.fixture(scope="module")
def six(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeds with the sixth article under the next free key."""
    copy = Path(shutil.copytree(SEEDS, tmp_path_factory.mktemp("six") / "seeds"))
    key = f"{int(max(article_keys(copy))) + 1:03d}"
    stem = f"{key}_{hashlib.sha256(TEXT.encode('utf-8')).hexdigest()[:16]}"
    (copy / "articles" / f"{stem}.txt").write_text(TEXT, encoding="utf-8")
    (copy / "articles" / f"{stem}.yaml").write_text(ANNOTATIONS.format(text=f"{stem}.txt"), encoding="utf-8")
    assert article_keys(copy) == [*article_keys(), key]
    return copy


def test_the_sixth_article_conforms_and_is_fully_covered(six: Path) -> None:
    validated = CliRunner().invoke(main, ["validate", "--seeds", str(six)])
    assert validated.exit_code == 0 and "conforms" in validated.output, validated.output
    covered = CliRunner().invoke(main, ["coverage", "--seeds", str(six), "--strict"])
    assert covered.exit_code == 0, covered.output


def test_the_whole_suite_passes_with_a_sixth_article(six: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CRISISKG_TEST_SEEDS": str(six), RUN_ON_A_COPY: "1", "CRISISKG_TEST_ARTIFACTS": str(tmp_path / "artifacts")}
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'run'}", str(ROOT / "tests")]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600, check=False)
    assert run.returncode == 0, f"{run.stdout[-8000:]}\n{run.stderr[-2000:]}"
    summary = run.stdout.strip().splitlines()[-1]  # e.g. "1591 passed, 2 skipped, 7 xfailed in 427.77s"
    assert int(re.search(r"(\d+) passed", summary).group(1)) > 0, summary  # type: ignore[union-attr]
