"""Curator tools: `crisiskg draft` end to end (draft -> refused -> reviewed -> conforming build),
`crisiskg coverage`, and the text heuristics they rest on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from seedcorpus import SEEDS, article_keys

from crisiskg.build.publish import current
from crisiskg.cli import main
from crisiskg.curate.coverage import coverage
from crisiskg.textscan import candidate_names, resolve_relative, sentences

NEW_ARTICLE = """Drones hit Riverton depot

- March 14, 2020

On Friday, drones struck a depot in Riverton. The Red Militia claimed the strike.
Jane Roe said Northland must stop backing the Red Militia.
"""


def test_draft_walkthrough(mini_copy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    text = mini_copy / "articles" / "101_drones.txt"
    text.write_text(NEW_ARTICLE, encoding="utf-8")
    out = tmp_path / "build"

    result = runner.invoke(main, ["draft", str(text), "--seeds", str(mini_copy)])
    assert result.exit_code == 0, result.output
    draft_file = text.with_suffix(".yaml")
    doc = yaml.safe_load(draft_file.read_text(encoding="utf-8"))
    assert doc["article"]["status"] == "draft"
    assert doc["article"]["published"]["date"] == "2020-03-14"
    assert doc["draft_notes"]["registry_entities_found"]["red-militia"] == 2
    assert "jane-roe" in doc["draft_notes"]["registry_entities_found"]
    drone = next(e for e in doc["events"] if e["class"] == "DroneStrike")
    assert drone["quote"] == "On Friday, drones struck a depot in Riverton."
    # 'On Friday' resolved against Saturday 14 March 2020
    assert drone["date"]["value"] == "2020-03-13"
    # no proposition of the fixture fits: the stance waits in the notes for one
    stance = doc["draft_notes"]["stance_candidates"][0]
    assert stance["holder"] == "jane-roe" and stance["proposition"] is None and stance["modality"] == "recommendation"
    assert stance["quote"] == "Jane Roe said Northland must stop backing the Red Militia."

    # a draft is refused by the build
    refused = runner.invoke(main, ["build", "--seeds", str(mini_copy), "--build", str(out)])
    assert refused.exit_code == 2
    assert "articles/101_drones.yaml" in refused.output and "draft" in refused.output
    assert not (out / "current").exists()

    # the curator finishes it: reviewed, real ids, a proposition, roles
    doc["article"]["status"] = "reviewed"
    doc["events"] = [{**drone, "id": "riverton-depot-drone-strike", "label": "Drone strike on a Riverton depot",
                      "places": ["riverton"], "roles": {"attacker": ["red-militia"], "claimant": ["red-militia"]}}]
    (mini_copy / "propositions.yaml").write_text(
        (mini_copy / "propositions.yaml").read_text(encoding="utf-8")
        + "  - id: northland-stops-backing-red-militia\n    label: Northland stops backing the Red Militia\n"
          "    definition: Northland ends its support for the Red Militia.\n", encoding="utf-8")
    stance = {k: v for k, v in stance.items() if k != "suggested"}
    doc["stances"] = [{**stance, "id": "roe-northland-stop-backing", "proposition": "northland-stops-backing-red-militia",
                       "modality": "demand", "strength": "strong", "speech_mode": "paraphrase"}]
    del doc["draft_notes"]
    draft_file.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")

    built = runner.invoke(main, ["build", "--seeds", str(mini_copy), "--build", str(out)])
    assert built.exit_code == 0, built.output
    assert current(out).manifest["counts"]["articles"] == 2


def test_draft_refuses_to_overwrite(mini_copy: Path) -> None:
    runner = CliRunner()
    text = mini_copy / "articles" / "100_mini.txt"
    result = runner.invoke(main, ["draft", str(text), "--seeds", str(mini_copy)])
    assert result.exit_code == 1
    assert "exists; pass --force" in result.output


def test_draft_rejects_broken_utf8(mini_copy: Path) -> None:
    bad = mini_copy / "articles" / "102_bad.txt"
    bad.write_bytes(b"caf\xe9 au lait\n")
    result = CliRunner().invoke(main, ["draft", str(bad), "--seeds", str(mini_copy)])
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.output and "Traceback" not in result.output


def test_coverage_reports_uncovered_cue(mini_copy: Path) -> None:
    (cov,) = coverage(mini_copy)
    assert cov.names_unresolved == []
    assert cov.cues_covered == 1
    assert [s for _, s in cov.cues_uncovered] == ['"Retaliation would be a huge mistake," Roe said.']
    strict = CliRunner().invoke(main, ["coverage", "--seeds", str(mini_copy), "--strict"])
    assert strict.exit_code == 1
    assert "cue sentence at" in strict.output


def test_coverage_names_the_places_the_map_cannot_show(mini_copy: Path) -> None:
    (cov,) = coverage(mini_copy)
    assert cov.places_without_point == {"camp-alpha": 1}  # a base with no point; Northland, a country, is not listed
    out = CliRunner().invoke(main, ["coverage", "--seeds", str(mini_copy)]).output
    assert "place 'camp-alpha' has no point: its 1 event(s) here are not on the map" in out
    registry = mini_copy / "registry.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("    label: Camp Alpha\n", "    label: Camp Alpha\n    point: [33.4, 44.3]\n"),
                        encoding="utf-8")
    (cov,) = coverage(mini_copy)
    assert cov.places_without_point == {}


def test_coverage_skipped_cue_counts_as_covered(mini_copy: Path) -> None:
    path = mini_copy / "articles" / "100_mini.yaml"
    path.write_text(path.read_text(encoding="utf-8") + 'skipped_cues:\n  - {quote: "Retaliation would be a huge mistake,", reason: "same stance as the sentence before"}\n', encoding="utf-8")
    (cov,) = coverage(mini_copy)
    assert cov.cues_uncovered == [] and cov.cues_skipped == 1
    assert CliRunner().invoke(main, ["coverage", "--seeds", str(mini_copy), "--strict"]).exit_code == 0


@pytest.mark.parametrize(
    ("expr", "published", "expected"),
    [
        ("On Wednesday night", dt.date(2020, 3, 12), dt.date(2020, 3, 11)),  # article 004
        ("on Sunday", dt.date(2020, 1, 6), dt.date(2020, 1, 5)),            # article 001
        ("Sunday", dt.date(2020, 1, 5), dt.date(2019, 12, 29)),              # never the same day
        ("January 8", dt.date(2020, 1, 8), dt.date(2020, 1, 8)),
        ("December 30", dt.date(2020, 1, 8), dt.date(2019, 12, 30)),        # last year's December
        ("March 12, 2020", dt.date(2020, 3, 14), dt.date(2020, 3, 12)),
        ("overnight", dt.date(2020, 1, 8), dt.date(2020, 1, 8)),
    ],
)
def test_resolve_relative(expr: str, published: dt.date, expected: dt.date) -> None:
    resolved = resolve_relative(expr, published)
    assert resolved is not None and resolved[0] == expected
    assert expr in resolved[1]


def test_sentences_keep_abbreviations_and_offsets() -> None:
    text = "Iran hit two U.S. military bases. Gen. Mark A. Milley spoke.\nNew line here"
    found = sentences(text)
    assert [s.text for s in found] == ["Iran hit two U.S. military bases.", "Gen. Mark A. Milley spoke.", "New line here"]
    assert all(text[s.begin:s.end] == s.text for s in found)


def test_candidate_names_skip_openers_and_demonyms() -> None:
    names = [n for _, _, n in candidate_names("The Iranian missiles hit Ain al-Asad. Officials met Barham Salih’s aides in Baghdad.")]
    assert names == ["Ain al-Asad", "Barham Salih", "Baghdad"]


def test_a_name_stands_on_one_line_and_a_staff_byline_is_none() -> None:
    text = "Strikes on militia sites\n\nBy Staff Writer\nWASHINGTON, March 13, 2020\n\nBy Staff\n\nBAGHDAD (Reuters) - Rockets hit Camp Taji."
    # (a single word that opens a line or follows a dateline's dash opens a sentence: no name)
    assert [n for _, _, n in candidate_names(text)] == ["Reuters", "Camp Taji"]


def test_the_first_word_after_a_colon_is_no_name() -> None:
    text = 'Interview: "Restraint is the best answer"\n\nQ: Should the talks go on?\n\nA: Yes, said Barbara Slavin in Washington.'
    assert [n for _, _, n in candidate_names(text)] == ["Barbara Slavin", "Washington"]


def test_a_demonym_before_a_bodys_name_is_part_of_it_and_after_a_name_no_part() -> None:
    text = ("Yesterday the European Union met. The Iraqi Kurdistan region is calm. The Kurdish Irbil airport was hit. "
            "Powerful Shiite factions objected. Iranian Foreign Minister Javad Zarif spoke.")
    assert [n for _, _, n in candidate_names(text)] == ["European Union", "Iraqi Kurdistan", "Irbil", "Javad Zarif"]


def test_every_article_is_fully_covered() -> None:
    report = coverage(SEEDS, allow_drafts=False)
    assert [cov.key for cov in report] == article_keys()  # every article of the seeds, each once
    for cov in report:
        assert cov.names_unresolved == [], cov.file
        assert cov.cues_uncovered == [], cov.file
        assert cov.resolved_share == 1.0
