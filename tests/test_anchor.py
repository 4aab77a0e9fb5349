"""Quote anchoring: exact code-point offsets, occurrences, and errors that show where to look."""

from __future__ import annotations

from pathlib import Path

import pytest

from crisiskg.loaders.anchor import AnchorError, Span, anchor, closest_passage, occurrences

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

TEXT = (
    "Rockets hit Camp Alpha\n\n"
    "On Tuesday, rockets struck Camp Alpha near Riverton, killing two soldiers. "
    "Officials blamed the Red Militia. Rockets were also fired on Wednesday."
)


@pytest.mark.parametrize(
    "quote",
    ["Rockets hit Camp Alpha", "On Tuesday, rockets struck Camp Alpha near Riverton", "killing two soldiers", "Red Militia", "Wednesday."],
)
def test_offsets_are_exact(quote: str) -> None:
    span = anchor(TEXT, quote)
    assert TEXT[span.begin:span.end] == quote == span.text
    assert span.begin == TEXT.index(quote)
    assert span.end == span.begin + len(quote)


def test_first_line_starts_at_zero_and_end_is_exclusive() -> None:
    assert anchor(TEXT, "Rockets hit") == Span(0, 11, "Rockets hit")


@pytest.mark.parametrize(("occurrence", "expected"), [(1, 12), (2, 51)])
def test_occurrence_n_picks_the_nth(occurrence: int, expected: int) -> None:
    span = anchor(TEXT, "Camp Alpha", occurrence)
    assert span.begin == expected
    assert TEXT[span.begin:span.end] == "Camp Alpha"


def test_an_ambiguous_quote_is_an_error_listing_the_offsets() -> None:
    with pytest.raises(AnchorError) as exc:
        anchor(TEXT, "Camp Alpha")
    message = str(exc.value)
    assert "occurs 2 times" in message
    assert "offsets 12, 51" in message
    assert "occurrence: N" in message


@pytest.mark.parametrize("occurrence", [0, 3, 10])
def test_an_occurrence_out_of_range_is_an_error(occurrence: int) -> None:
    with pytest.raises(AnchorError, match="occurs 2 time"):
        anchor(TEXT, "Camp Alpha", occurrence)


def test_occurrence_one_of_a_unique_quote_is_fine() -> None:
    assert anchor(TEXT, "Riverton", 1).begin == TEXT.index("Riverton")


def test_a_missing_quote_shows_the_closest_passage() -> None:
    with pytest.raises(AnchorError) as exc:
        anchor(TEXT, "rockets struck Camp Alfa near Riverton")
    message = str(exc.value)
    assert "not found" in message
    assert "closest passage" in message
    assert "'rockets struck Camp Alpha near Riverto'" in message  # same length as the quote


def test_a_quote_with_a_changed_case_is_not_found_but_its_passage_is_shown() -> None:
    with pytest.raises(AnchorError, match="fficials blamed the Red Militia"):
        anchor(TEXT, "officials blamed the Red Militia")


def test_the_closest_passage_is_aligned_to_the_character() -> None:
    text = (Path(__file__).parent / "fixtures" / "mini" / "articles" / "100_mini.txt").read_text(encoding="utf-8")
    quote = "Analyst Jane Roe said the Untied States should not retaliate."
    assert closest_passage(text, quote) == "Analyst Jane Roe said the United States should not retaliate."


def test_an_empty_quote_is_an_error() -> None:
    with pytest.raises(AnchorError, match="empty"):
        anchor(TEXT, "")


def test_there_is_no_normalisation_of_quotes_or_spaces() -> None:
    text = "He said \u201cno war\u201d \u2014 twice."
    with pytest.raises(AnchorError):
        anchor(text, 'He said "no war"')  # straight quotes do not match curly ones
    with pytest.raises(AnchorError):
        anchor("a  b", "a b")  # two spaces are not one


NON_ASCII = (
    "Caf\u00e9 owners in Ba\u02bfqubah said \u201cwe are afraid\u201d \u2014 then left. "
    "A missile \U0001F680 hit the base; al-\u02bfAsad\u2019s runway was closed."
)


@pytest.mark.parametrize(
    "quote",
    ["\u201cwe are afraid\u201d", "\u2014 then left", "Ba\u02bfqubah", "hit the base", "al-\u02bfAsad\u2019s runway"],
)
def test_non_ascii_offsets_are_code_point_indices(quote: str) -> None:
    span = anchor(NON_ASCII, quote)
    assert NON_ASCII[span.begin:span.end] == quote
    # code points, not UTF-8 bytes nor UTF-16 units
    assert span.begin == len(NON_ASCII[: NON_ASCII.index(quote)])
    assert span.begin != len(NON_ASCII[: NON_ASCII.index(quote)].encode("utf-8")) or NON_ASCII[: span.begin].isascii()
    assert span.end - span.begin == len(quote)


def test_offsets_after_an_astral_character_are_not_shifted() -> None:
    span = anchor(NON_ASCII, "hit the base")
    prefix = NON_ASCII[: span.begin]
    assert "\U0001F680" in prefix
    utf16_units = len(prefix.encode("utf-16-le")) // 2
    assert span.begin == utf16_units - 1  # one astral character: one code point, two UTF-16 units


def test_occurrences_finds_overlapping_matches() -> None:
    assert occurrences("aaaa", "aa") == [0, 1, 2]
    assert occurrences("abc", "d") == []


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        ("short", "a much longer quote than the text", "short"),
        ("", "anything", ""),
        ("the quick brown fox jumps over the lazy dog", "brown fax", None),
    ],
)
def test_closest_passage(text: str, quote: str, expected: str | None) -> None:
    found = closest_passage(text, quote)
    if expected is not None:
        assert found == expected
    else:
        assert len(found) == len(quote) and "brown f" in found
