"""The seeds the tests run on, and what the tests about the corpus as a whole read from them.

Every test that needs the project's seeds takes them from ``SEEDS``: the repository's ``seeds/``, or
the folder the environment variable ``CRISISKG_TEST_SEEDS`` names (``tests/test_sixth_article.py``
runs the whole suite on a copy of the seeds with a sixth article added). A test about the corpus as a
whole derives its expectation from ``SEEDS`` (its article files, their YAML); a test about an article
names it. ``FIVE`` are the articles whose texts the expected answers were read from: a test that
compares a whole answer with what those texts say leaves out the rows that rest on another article of
``SEEDS`` (``others``), so an article added to the seeds adds rows without changing theirs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("CRISISKG_TEST_SEEDS") or ROOT / "seeds").resolve()
FIVE = ("000", "001", "002", "003", "004")
ARTICLE = "https://w3id.org/crisiskg/id/article/"


def article_files(seeds: Path = SEEDS) -> list[Path]:
    """The annotation file of every article, in key order."""
    return sorted((seeds / "articles").glob("*.yaml"))


def key_of(path: Path) -> str:
    """An article's key: the three digits its file names start with."""
    return path.name.split("_", 1)[0]


def article_keys(seeds: Path = SEEDS) -> list[str]:
    return [key_of(p) for p in article_files(seeds)]


def annotations(seeds: Path = SEEDS) -> dict[str, dict[str, Any]]:
    """Each article's annotation file as plain YAML, by key."""
    return {key_of(p): yaml.safe_load(p.read_text(encoding="utf-8")) for p in article_files(seeds)}


def others(seeds: Path = SEEDS) -> set[str]:
    """The IRIs of the articles of ``seeds`` other than the five (none in the repository's seeds)."""
    return {ARTICLE + key for key in article_keys(seeds) if key not in FIVE}
