"""The workbench's writes keep the seed files readable: comments, key order and quoting stay, and
an edit changes only the lines it touches; suggestions move into their sections when accepted."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from seedcorpus import article_files

from crisiskg.loaders.seeds import read_seeds
from crisiskg.service import curate_files as files


def test_an_edit_keeps_comments_and_order_and_changes_its_lines_only(tmp_path: Path) -> None:
    source = max(article_files(), key=lambda p: p.read_text(encoding="utf-8").count("#"))  # the most commented file
    path = tmp_path / source.name
    shutil.copy(source, path)
    before = path.read_text(encoding="utf-8")
    data = files.read(path)
    files.write(path, data)
    assert path.read_text(encoding="utf-8") == before  # read and written unchanged: byte for byte
    stance = data["stances"][0]
    stance["strength"] = "weak" if stance.get("strength") != "weak" else "strong"
    files.write(path, data)
    after = path.read_text(encoding="utf-8")
    changed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 2 and all("strength:" in line for line in changed), changed
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == \
           [line for line in after.splitlines() if line.lstrip().startswith("#")]


def test_accept_and_reject_suggestions(tmp_path: Path) -> None:
    data = files.drafted({"article": {"status": "draft"}, "events": [{"id": "a", "quote": "x y"}, {"id": "b", "quote": "y z"}],
                          "stances": [{"id": "s", "quote": "z w"}]})
    assert data["events"] == [] and len(files.suggestions(data)) == 3
    files.reject(data, 1)
    section, index = files.accept(data, 1, files.parse_item("id: s2\nquote: z w\n"))
    assert (section, index) == ("stances", 0) and data["stances"][0]["id"] == "s2"
    assert files.accept(data, 0) == ("events", 0) and files.suggestions(data) == []
    files.ready_to_publish(data)
    assert "draft_notes" not in data and data["article"]["status"] == "reviewed"


def test_a_new_registry_entry_is_appended(tmp_path: Path) -> None:
    seeds = shutil.copytree(Path(__file__).parent / "fixtures" / "mini", tmp_path / "seeds")
    before = (seeds / "registry.yaml").read_text(encoding="utf-8")
    files.add_entity(seeds, {"id": "omar-quill", "type": "Person", "label": "Omar Quill"})
    files.add_alias(seeds, "jane-roe", "J. Roe")
    after = (seeds / "registry.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.split("  - id: jane-roe")[0])
    assert after.endswith("  - id: omar-quill\n    type: Person\n    label: Omar Quill\n")
    assert read_seeds(seeds).entities["jane-roe"]["aliases"] == ["Roe", "J. Roe"]


def test_proposed_entries_and_what_needs_them_are_suggestions(tmp_path: Path) -> None:
    import pytest

    seeds = Path(shutil.copytree(Path(__file__).parent / "fixtures" / "mini", tmp_path / "seeds"))
    data = files.drafted({
        "article": {"status": "draft", "authors": []},
        "events": [{"id": "e0", "quote": "x y"}],
        "draft_notes": {"new_entities": [{"id": "blue-brigade", "type": "Militia", "label": "Blue Brigade", "mentions": 2}],
                        "needs_new_entities": [{"section": "events", "needs": ["blue-brigade"], "item": {"id": "e1", "quote": "y z"}},
                                               {"section": "article", "needs": ["omar-quill"], "item": {"authors": ["omar-quill"]}}]},
    })
    assert [s["section"] for s in files.suggestions(data)] == ["registry", "events", "events", "article"]
    assert "new_entities" not in data["draft_notes"] and "needs_new_entities" not in data["draft_notes"]
    # what needs an entry the registry lacks is refused, naming it; nothing moves
    with pytest.raises(files.CurationError, match="blue-brigade"):
        files.accept(data, 2, seeds=seeds)
    assert files.accept(data, 0, seeds=seeds) == ("registry", -1)
    assert read_seeds(seeds).entities["blue-brigade"]["type"] == "Militia"
    assert files.accept(data, 1, seeds=seeds) == ("events", 0) and data["events"][0]["id"] == "e1"
    # publishing waits for every suggestion, so none is dropped with the notes
    with pytest.raises(files.CurationError, match="2 suggestion"):
        files.ready_to_publish(data)
    files.reject(data, 0)
    files.add_entity(seeds, {"id": "omar-quill", "type": "Person", "label": "Omar Quill"})
    assert files.accept(data, 0, seeds=seeds) == ("article", 0) and data["article"]["authors"] == ["omar-quill"]
    files.ready_to_publish(data)


def test_a_registry_entry_is_checked_before_it_is_written(tmp_path: Path) -> None:
    import pytest

    seeds = Path(shutil.copytree(Path(__file__).parent / "fixtures" / "mini", tmp_path / "seeds"))
    registry = files.read(seeds / "registry.yaml")
    assert files.entry_problems(registry, {"id": "Blue Brigade", "type": "Militia"}) == [
        "the entry has no label (write 'label: ...')", "id 'Blue Brigade' is not lower-case words joined by hyphens (e.g. 'kataib-hezbollah')"]
    before = (seeds / "registry.yaml").read_bytes()
    with pytest.raises(files.CurationError, match="already has an entity 'jane-roe'"):
        files.add_entity(seeds, {"id": "jane-roe", "type": "Person", "label": "Jane Roe"})
    assert (seeds / "registry.yaml").read_bytes() == before


def test_a_proposed_place_joins_the_registry_where_the_text_puts_it(tmp_path: Path) -> None:
    seeds = Path(shutil.copytree(Path(__file__).parent / "fixtures" / "mini", tmp_path / "seeds"))
    data = files.drafted({"article": {"status": "draft"}, "draft_notes": {"new_entities": [
        {"id": "old-quarter", "type": "Region", "label": "Old Quarter", "mentions": 1, "located_in": "riverton"}]}})
    assert files.accept(data, 0, seeds=seeds) == ("registry", -1)
    entry = read_seeds(seeds).entities["old-quarter"]  # the registry still reads: its containment holds
    assert entry["located_in"] == "riverton"
