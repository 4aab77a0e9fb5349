"""Alias mentions: case-sensitive, whole words, longest alias first, page furniture skipped."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisiskg.loaders.mentions import AliasMatcher

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

REGISTRY: dict[str, dict[str, Any]] = {
    "kadhimi": {"label": "Mustafa al-Kadhimi", "aliases": ["Kadhimi"]},
    "kadhim": {"label": "Kadhim", "aliases": []},
    "united-states": {"label": "United States", "aliases": ["US", "U.S."]},
    "us-army": {"label": "United States Army", "aliases": []},
    "iran": {"label": "Iran", "aliases": []},
    "camp-taji": {"label": "Camp Taji", "aliases": ["Taji"]},
    "irgc": {"label": "Islamic Revolutionary Guard Corps", "aliases": ["IRGC", "Revolutionary Guard"]},
}


@pytest.fixture(scope="module")
def matcher() -> AliasMatcher:
    return AliasMatcher(REGISTRY)


def found(matcher: AliasMatcher, text: str, skip: list[tuple[int, int]] | None = None) -> list[tuple[str, str]]:
    mentions = matcher.find(text, skip or [])
    for m in mentions:
        assert text[m.begin:m.end] == m.text
    return [(m.text, m.entity) for m in mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kadhimi met Kadhim.", [("Kadhimi", "kadhimi"), ("Kadhim", "kadhim")]),
        ("Kadhimi's cabinet", [("Kadhimi", "kadhimi")]),
        ("Mustafa al-Kadhimi spoke", [("Mustafa al-Kadhimi", "kadhimi")]),
        ("the Kadhimite faction", []),  # no match inside a longer word
        ("Iranian officials", []),
        ("pro-Iran groups", [("Iran", "iran")]),  # a hyphen is a boundary
        ("Iran's leaders", [("Iran", "iran")]),
        ("USA and US forces", [("US", "united-states")]),
        ("the U.S. said", [("U.S.", "united-states")]),
        ("BUS stop", []),
        ("iran is lowercase here", []),  # case-sensitive
        ("(Taji)", [("Taji", "camp-taji")]),
        ("Tajik", []),
    ],
)
def test_word_boundaries_and_case(matcher: AliasMatcher, text: str, expected: list[tuple[str, str]]) -> None:
    assert found(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the United States Army deployed", [("United States Army", "us-army")]),
        ("the United States said", [("United States", "united-states")]),
        ("Camp Taji was hit", [("Camp Taji", "camp-taji")]),
        ("the Islamic Revolutionary Guard Corps and the Revolutionary Guard", [
            ("Islamic Revolutionary Guard Corps", "irgc"), ("Revolutionary Guard", "irgc")]),
    ],
)
def test_the_longest_alias_wins(matcher: AliasMatcher, text: str, expected: list[tuple[str, str]]) -> None:
    assert found(matcher, text) == expected


def test_offsets_are_code_points_in_non_ascii_text(matcher: AliasMatcher) -> None:
    text = "\u201cIran\u201d \u2014 said Kadhimi \U0001F680 in Taji"
    mentions = matcher.find(text)
    assert [(m.begin, m.end) for m in mentions] == [(1, 5), (14, 21), (27, 31)]
    assert [text[m.begin:m.end] for m in mentions] == ["Iran", "Kadhimi", "Taji"]


def test_furniture_ranges_are_skipped(matcher: AliasMatcher) -> None:
    text = "Iran struck.\nRelated: Iran news | Taji news\nKadhimi spoke."
    furniture = (text.index("Related"), text.index("Kadhimi") - 1)
    assert found(matcher, text, [furniture]) == [("Iran", "iran"), ("Kadhimi", "kadhimi")]


def test_a_mention_overlapping_the_edge_of_a_skipped_range_is_skipped(matcher: AliasMatcher) -> None:
    text = "Camp Taji"
    assert found(matcher, text, [(0, 1)]) == []
    assert found(matcher, text, [(8, 9)]) == []
    assert found(matcher, text, [(9, 12)]) == [("Camp Taji", "camp-taji")]  # touching is not overlapping


def test_an_empty_registry_finds_nothing() -> None:
    assert AliasMatcher({}).find("Iran") == []


def test_regex_characters_in_aliases_are_literal() -> None:
    m = AliasMatcher({"x": {"label": "A.B (C)", "aliases": ["C++"]}})
    assert [x.text for x in m.find("AxB (C) and A.B (C)")] == ["A.B (C)"]
    assert [x.text for x in m.find("C++ code")] == ["C++"]


PIECES = [a for e in REGISTRY.values() for a in [e["label"], *e["aliases"]]] + [" ", "-", ".", "x", "Army", "é", "_", "s", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map("".join), min_size=1, max_size=3))
def test_a_matcher_made_for_its_texts_finds_what_the_whole_registry_finds(texts: list[str]) -> None:
    """The incremental build's matcher (only the aliases its few texts contain) against the full one."""
    whole, few = AliasMatcher(REGISTRY), AliasMatcher(REGISTRY, texts=texts)
    for text in texts:
        assert few.find(text) == whole.find(text)


def test_a_matcher_made_for_some_texts_refuses_another() -> None:
    m = AliasMatcher(REGISTRY, texts=["Iran and Taji"])
    assert [x.entity for x in m.find("Iran and Taji")] == ["iran", "camp-taji"]
    with pytest.raises(ValueError, match="other texts"):
        m.find("Kadhimi")



ALIAS_PIECES = ["Ka", "dhim", "i", " ", "-", ".", "'s", "al-", "Taji", "US", "U.S.", "é", "_", "(", "+"]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_trie_pattern_matches_as_the_flat_longest_first_alternation(data: st.DataObject) -> None:
    """The matcher's pattern (the aliases' trie) against the plain alternation of every alias,
    longest first, on aliases that share prefixes, end in non-word characters and nest, in texts
    made of those aliases and separators."""
    alias = st.lists(st.sampled_from(ALIAS_PIECES), min_size=1, max_size=4).map("".join)
    aliases = data.draw(st.lists(alias, min_size=1, max_size=10, unique=True))
    text = "".join(data.draw(st.lists(st.sampled_from([*aliases, *ALIAS_PIECES, "x", "\n"]), max_size=12)))
    registry = {f"e{i}": {"label": a} for i, a in enumerate(aliases)}
    ordered = sorted(aliases, key=lambda a: (-len(a), a))
    flat = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in ordered) + r")(?!\w)")
    expected = [(m.start(), m.end(), m.group(0)) for m in flat.finditer(text)]
    assert [(m.begin, m.end, m.text) for m in AliasMatcher(registry).find(text)] == expected
