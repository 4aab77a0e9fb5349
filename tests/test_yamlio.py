"""Safe YAML reading: aliases refused, duplicate keys reported, dates as ISO text, lines kept."""

from __future__ import annotations

import gc

import pytest
from yaml.nodes import Node

from crisiskg.loaders.yamlio import dotted, load_yaml

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)


def problems_of(text: str) -> list[str]:
    _doc, problems = load_yaml(text, "f.yaml")
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: &x 1\nb: *x\n", 1),                      # anchor on a scalar
        ("a: 1\nb: &list [1, 2]\n", 2),               # anchor on a flow sequence
        ("a: 1\nb:\n  - &item {c: 1}\n", 3),          # anchor inside a list
        ("- one\n- &a two\n", 2),                     # anchor on a top-level sequence item
        ("base: {k: 1}\nother:\n  <<: *base\n", 3),  # a merge key is an alias too
    ],
)
def test_anchors_and_aliases_are_refused_with_their_line(text: str, line: int) -> None:
    doc, problems = load_yaml(text, "f.yaml")
    assert doc is None
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.line) == ("f.yaml", line)
    assert "anchors and aliases are not allowed" in p.message


def test_a_billion_laughs_document_is_refused_before_it_expands() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    doc, problems = load_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert doc is None
    assert problems and problems[0].line == 1


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("a: 1\na: 2\n", 2, "a"),
        ("a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\n", 5, "b.c"),
        ("items:\n  - id: x\n    label: X\n    id: y\n", 4, "items[0].id"),
    ],
)
def test_duplicate_keys_are_reported_with_line_and_field(text: str, line: int, field: str) -> None:
    doc, problems = load_yaml(text, "f.yaml")
    assert doc is not None
    assert [(p.line, p.field, p.message) for p in problems] == [(line, field, "duplicate key")]
    assert problems[0].hint  # says how to fix it


def test_every_duplicate_key_is_reported_not_only_the_first() -> None:
    _doc, problems = load_yaml("a: 1\na: 2\nb: 1\nb: 2\n", "f.yaml")
    assert [(p.line, p.field) for p in problems] == [(2, "a"), (4, "b")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d: 2020-03-12\n", "2020-03-12"),
        ("d: 2020-01-03T10:15:00Z\n", "2020-01-03T10:15:00+00:00"),
        ("d: '2020-03-12'\n", "2020-03-12"),
        ("d: 2020-02-30\n", "2020-02-30"),  # impossible: stays text for the date checks to report
    ],
)
def test_dates_become_iso_strings(text: str, expected: str) -> None:
    doc, problems = load_yaml(text, "f.yaml")
    assert problems == []
    assert doc is not None and doc.data == {"d": expected}
    assert isinstance(doc.data["d"], str)


def test_dates_inside_lists_and_mappings_become_strings_too() -> None:
    doc, _ = load_yaml("published: {date: 2020-03-12, precision: day}\nseen: [2020-01-01, 2020-01-02]\n", "f.yaml")
    assert doc is not None
    assert doc.data == {"published": {"date": "2020-03-12", "precision": "day"}, "seen": ["2020-01-01", "2020-01-02"]}


def test_line_numbers_are_kept_for_every_path() -> None:
    text = (
        "# a comment\n"                 # 1
        "article:\n"                    # 2
        "  title: T\n"                  # 3
        "  authors: []\n"               # 4
        "events:\n"                     # 5
        "  - id: one\n"                 # 6
        "    label: One\n"              # 7
        "    roles: {attacker: [x]}\n"  # 8
        "\n"                            # 9
        "  - id: two\n"                 # 10
        "    places:\n"                 # 11
        "      - p1\n"                  # 12
        "      - p2\n"                  # 13
    )
    doc, problems = load_yaml(text, "f.yaml")
    assert problems == [] and doc is not None
    expected = {
        ("article", "title"): 3,
        ("article", "authors"): 4,
        ("events", 0): 6,
        ("events", 0, "id"): 6,
        ("events", 0, "label"): 7,
        ("events", 0, "roles", "attacker", 0): 8,
        ("events", 1, "id"): 10,
        ("events", 1, "places", 0): 12,
        ("events", 1, "places", 1): 13,
    }
    assert {path: doc.line(path) for path in expected} == expected
    # a path without its own line falls back to its nearest ancestor
    assert doc.line(("events", 1, "places", 1, "missing")) == 13
    assert doc.line(("events", 0, "no-such-field")) == 6


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: [1,\n", 2),
        ("a: 1\n  b: 2\n", 2),
        ("a: 1\nb: 'unterminated\n", 3),
    ],
)
def test_syntax_errors_name_the_line(text: str, line: int) -> None:
    doc, problems = load_yaml(text, "f.yaml")
    assert doc is None
    assert len(problems) == 1 and problems[0].line == line
    assert problems[0].message.startswith("YAML syntax")


def test_unsafe_scalar_tags_are_refused_with_their_line() -> None:
    _doc, problems = load_yaml("a: 1\nb: !!python/name:os.system ''\n", "f.yaml")
    assert len(problems) == 1
    assert problems[0].line == 2 and problems[0].field == "b"
    assert "the YAML tag !!python/name:os.system is not allowed" in problems[0].message


def test_tagged_collections_are_refused_by_name_never_read_as_data() -> None:
    # issue 18: a tag on a list was dropped and the list read as plain data, so the build published
    doc, problems = load_yaml("a: 1\nb: !!python/object/apply:os.system ['echo hi']\n", "f.yaml")
    assert doc is not None and doc.data == {"a": 1, "b": None}
    assert [(p.line, p.field) for p in problems] == [(2, "b")]
    assert "!!python/object/apply:os.system is not allowed" in problems[0].message


def test_empty_document_is_not_an_error_here() -> None:
    doc, problems = load_yaml("# only a comment\n", "f.yaml")
    assert problems == [] and doc is not None and doc.data is None


def test_oversized_input_is_refused() -> None:
    from crisiskg.loaders.yamlio import MAX_YAML_BYTES

    doc, problems = load_yaml("a: " + "x" * MAX_YAML_BYTES + "\n", "big.yaml")
    assert doc is None and "limit" in problems[0].message


def test_deep_nesting_is_reported() -> None:
    from crisiskg.loaders.yamlio import MAX_DEPTH

    text = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    _doc, problems = load_yaml(text, "deep.yaml")
    assert any("nested deeper" in p.message for p in problems)


@pytest.mark.parametrize(
    ("path", "expected"),
    [((), ""), (("a",), "a"), (("a", "b"), "a.b"), (("events", 0, "roles", "attacker", 1), "events[0].roles.attacker[1]")],
)
def test_dotted_paths(path: tuple, expected: str) -> None:
    assert dotted(path) == expected


@pytest.mark.parametrize("text", ["a: 1\nb: [x, 'y', 3]\nc: {d: 2020-01-03}\n", "a: 'x & y'\nb: [1, 2]\n"])
def test_reading_leaves_no_node_for_the_cyclic_collector(text: str) -> None:
    """The parsed nodes are freed as soon as the document is read (a 1M corpus would otherwise
    leave 1.5 million of them for the cyclic collector, which a build keeps paused), by libyaml
    and by the Python loader (which reads a text with an ``&``)."""
    def nodes() -> int:
        return sum(isinstance(o, Node) for o in gc.get_objects())

    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = nodes()
        load_yaml(text, "f.yaml")
        assert nodes() == before
    finally:
        if enabled:
            gc.enable()
