"""`--incremental` accepts additions: a new article may bring new registry entries and new
propositions with it and still be built incrementally, with the same dataset as a full build;
changing or removing an entry the published build holds runs the full build, which says which
file, which entry and what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_incremental import quads

from crisiskg.build.incremental.workstate import TEXTS, load_state, text_holding, write_texts
from crisiskg.build.pipeline import build
from crisiskg.build.publish import current

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = Path(__file__).parent / "fixtures" / "mini"

TEXT = """Northland envoy warns Riverton

Envoy Omar Quill said on Monday that the United States should leave Riverton. Quill spoke to reporters.
"""
ARTICLE = """article:
  text: 101_quill.txt
  status: reviewed
  title: Northland envoy warns Riverton
  genre: news
  publisher: null
  authors: []
  published: {date: 2020-03-17, precision: day, derivation: "fixture"}
  headline: [{quote: "Northland envoy warns Riverton"}]
stances:
  - id: quill-favors-us-withdrawal-riverton
    holder: omar-quill
    proposition: us-withdrawal-riverton
    polarity: favor
    modality: demand
    strength: strong
    condition: null
    speech_mode: paraphrase
    quote: "Envoy Omar Quill said on Monday that the United States should leave Riverton."
roles:
  - {holder: omar-quill, title: envoy, in: northland, quote: "Envoy Omar Quill"}
"""
PERSON = "  - id: omar-quill\n    type: Person\n    label: Omar Quill\n    aliases: [Quill]\n"
PROPOSITION = ("  - id: us-withdrawal-riverton\n    label: US forces leave Riverton\n"
               "    definition: The United States withdraws its forces from Riverton.\n")


def entries(out: Path) -> dict[str, str]:
    """The entry digests of the published build's work state."""
    state = load_state(current(out))
    assert state is not None
    return state.entries


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path]:
    seeds = shutil.copytree(MINI, tmp_path / "seeds")
    out = tmp_path / "build"
    build(seeds, out)
    return seeds, out


def add_article(seeds: Path) -> None:
    (seeds / "articles" / "101_quill.txt").write_text(TEXT, encoding="utf-8")
    (seeds / "articles" / "101_quill.yaml").write_text(ARTICLE, encoding="utf-8")
    with open(seeds / "registry.yaml", "a", encoding="utf-8") as fh:
        fh.write(PERSON)
    with open(seeds / "propositions.yaml", "a", encoding="utf-8") as fh:
        fh.write(PROPOSITION)


def test_a_new_person_and_proposition_stay_incremental(published: tuple[Path, Path], tmp_path: Path) -> None:
    seeds, out = published
    before = current(out).version
    add_article(seeds)
    result = build(seeds, out, incremental=True)
    assert result.note.startswith("incremental:"), result.note
    assert result.manifest["incremental"] == {"from": before, "articles": ["101_quill"], "entities": ["omar-quill"],
                                              "propositions": ["us-withdrawal-riverton"]}
    full = build(seeds, tmp_path / "full")
    assert result.manifest["version"] == full.manifest["version"]
    assert result.manifest["counts"] == full.manifest["counts"]
    assert result.manifest["counts"]["entities"] == 8
    assert entries(out) == entries(tmp_path / "full")  # the next incremental build sees the new entries as published
    assert quads(out) == quads(tmp_path / "full")
    # the new person's mentions in the new article are found
    assert any("omar-quill" in q and "taIdentRef" in q for q in quads(out)[0])


def test_a_new_article_on_a_release_without_work_store_is_built_in_full(published: tuple[Path, Path], tmp_path: Path) -> None:
    seeds, out = published
    shutil.rmtree(current(out).work_dir)
    add_article(seeds)
    result = build(seeds, out, incremental=True)
    assert result.path == "full" and "keeps no work store" in result.note, result.note
    build(seeds, tmp_path / "full")
    assert quads(out) == quads(tmp_path / "full")


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda s: s.replace("    aliases: [Roe]\n", "    aliases: [Roe, J. Roe]\n"), "seeds/registry.yaml:20: entity 'jane-roe' changed (aliases)"),
        (lambda s: s.replace("  - id: united-states\n    type: [State, Country]\n    label: United States\n", ""),
         "seeds/registry.yaml: entity 'united-states' was removed"),
        (lambda s: s.replace("label: Red Militia", "label: Red Militias"), "seeds/registry.yaml:17: entity 'red-militia' changed (label)"),
    ],
)
def test_changing_or_removing_an_entry_runs_the_full_build(published: tuple[Path, Path], edit, says: str) -> None:
    seeds, out = published
    add_article(seeds)
    registry = seeds / "registry.yaml"
    registry.write_text(edit(registry.read_text(encoding="utf-8")), encoding="utf-8")
    result = build(seeds, out, incremental=True)
    assert result.note == f"full build: {says}"
    assert "incremental" not in result.manifest


def test_an_entry_written_differently_with_the_same_triples_stays_incremental(published: tuple[Path, Path], tmp_path: Path) -> None:
    """The work state's digest of an entry is of its text; a changed digest is checked against
    the published triples, so reordering an entry's types needs no full build."""
    seeds, out = published
    add_article(seeds)
    registry = seeds / "registry.yaml"
    text = registry.read_text(encoding="utf-8")
    assert text.count("type: [State, Country]\n    label: Northland") == 1
    registry.write_text(text.replace("type: [State, Country]\n    label: Northland", "type: [Country, State]\n    label: Northland"),
                        encoding="utf-8")
    before = entries(out)
    result = build(seeds, out, incremental=True)
    assert result.path == "incremental", result.note
    assert result.manifest["incremental"]["entities"] == ["omar-quill"]
    build(seeds, tmp_path / "full")
    assert quads(out) == quads(tmp_path / "full")
    assert entries(out) == entries(tmp_path / "full")
    northland = next(k for k in before if k.endswith("/entity/northland"))
    assert entries(out)[northland] != before[northland]


def test_a_new_name_in_a_published_text_runs_the_full_build(published: tuple[Path, Path]) -> None:
    seeds, out = published
    add_article(seeds)
    with open(seeds / "registry.yaml", "a", encoding="utf-8") as fh:
        fh.write("  - id: officials\n    type: Collective\n    label: Officials\n")
    result = build(seeds, out, incremental=True)
    assert result.note == ("full build: the new registry name 'Officials' occurs in published article 100_mini.txt "
                           "(the full build adds its mentions)")


def test_a_changed_proposition_and_an_edited_article_are_named(published: tuple[Path, Path]) -> None:
    seeds, out = published
    add_article(seeds)
    props = seeds / "propositions.yaml"
    props.write_text(props.read_text(encoding="utf-8").replace("military force.", "force."), encoding="utf-8")
    result = build(seeds, out, incremental=True)
    assert result.note == "full build: seeds/propositions.yaml:2: proposition 'us-retaliation' changed (definition)"
    article = seeds / "articles" / "100_mini.yaml"
    article.write_text(article.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = build(seeds, out, incremental=True)
    assert again.note == "full build: seeds/articles/100_mini.yaml changed since the published build (an edited article needs the full build)"


def test_the_benchmarks_new_person_articles_are_added_incrementally(tmp_path: Path) -> None:
    """benchmarks/new_person.py times these at 1M: each run's article and person are added
    incrementally, on the release the previous run published, as a full build would."""
    from benchmarks.new_person import add_article as add_person_article
    from crisiskg.scale.synth import synthesize

    seeds, out = tmp_path / "seeds", tmp_path / "build"
    synthesize(articles=8, out=seeds, seed=2)
    build(seeds, out)
    for run in range(2):
        person = add_person_article(seeds, run)
        result = build(seeds, out, incremental=True)
        assert result.path == "incremental", result.note
        assert result.manifest["incremental"]["entities"] == [person]
    build(seeds, tmp_path / "full")
    assert quads(out) == quads(tmp_path / "full")


def test_new_names_are_looked_for_in_the_published_texts_not_in_their_file_names(tmp_path: Path) -> None:
    """The work state's ``texts``: each text after a line naming its file; a name found only in
    that line is not in a text, and a later build's file holds the earlier texts too."""
    from types import SimpleNamespace

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    write_texts(first, [SimpleNamespace(text_file="articles/100_mini.txt", text="Riverton was shelled."),  # type: ignore[list-item]
                        SimpleNamespace(text_file="articles/101_b.txt", text="Quill spoke on Monday.")])
    write_texts(second, [SimpleNamespace(text_file="articles/102_c.txt", text="Omar Quill’s envoy")],  # type: ignore[list-item]
                previous=first / TEXTS)
    texts = second / TEXTS
    assert text_holding(texts, ["mini", "Roe"]) is None
    assert text_holding(texts, ["mini", "Quill"]) == ("Quill", "articles/101_b.txt")
    assert text_holding(texts, ["Quill’s"]) == ("Quill’s", "articles/102_c.txt")
    assert text_holding(first / TEXTS, ["Omar"]) is None  # the previous file is not changed
