"""Hostile and random seed input: always a clear SeedError (exit 2), never a traceback, a hang or
a partial publish."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crisiskg.cli import main
from crisiskg.errors import SeedError
from crisiskg.loaders.seeds import read_seeds
from crisiskg.loaders.yamlio import load_yaml

MINI = Path(__file__).parent / "fixtures" / "mini"
ARTICLE = "articles/100_mini.yaml"

HOSTILE = {
    "broken-utf8": b"article:\n  title: caf\xe9\n",
    "empty": b"",
    "only-comment": b"# nothing here\n",
    "a-list": b"- 1\n- 2\n",
    "a-scalar": b"42\n",
    "billion-laughs": b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n',
    "python-tag": b"article: !!python/object/apply:os.system ['echo pwned']\n",
    "deep-nesting": b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "tab-indent": b"article:\n\ttitle: x\n",
    "duplicate-keys": b"article:\n  title: a\n  title: b\n",
    "huge": b"article:\n  title: " + b"x" * 3_000_000 + b"\n",
    "wrong-types": b"article: {text: 5, status: [1], title: {}, authors: x, published: 2020}\nevents: 7\n",
    "impossible-date": (MINI / ARTICLE).read_bytes().replace(b"date: 2020-03-12", b"date: 2020-02-30"),
    "null-bytes": b"article:\n  title: a\x00b\n",
}


@pytest.fixture
def hostile_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "seeds"
    shutil.copytree(MINI, dest)
    return dest


@pytest.mark.no_seeds
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_article_file_is_a_clear_error(hostile_copy: Path, tmp_path: Path, name: str) -> None:
    (hostile_copy / ARTICLE).write_bytes(HOSTILE[name])
    with pytest.raises(SeedError) as info:
        read_seeds(hostile_copy)
    assert all(p.file == ARTICLE for p in info.value.problems), info.value
    result = CliRunner().invoke(main, ["build", "--seeds", str(hostile_copy), "--build", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and ARTICLE in result.output
    assert not (tmp_path / "out" / "current").exists()


@pytest.mark.no_seeds
def test_duplicate_registry_ids(hostile_copy: Path) -> None:
    reg = hostile_copy / "registry.yaml"
    reg.write_text(reg.read_text(encoding="utf-8") + "  - id: northland\n    type: City\n    label: Northland again\n", encoding="utf-8")
    with pytest.raises(SeedError) as info:
        read_seeds(hostile_copy)
    assert any("duplicate id 'northland'" in p.message for p in info.value.problems)


@pytest.mark.no_seeds
def test_missing_text_file(hostile_copy: Path) -> None:
    (hostile_copy / "articles" / "100_mini.txt").unlink()
    with pytest.raises(SeedError) as info:
        read_seeds(hostile_copy)
    assert "text file articles/100_mini.txt is missing" in str(info.value)


@pytest.mark.no_seeds
def test_containment_loop(hostile_copy: Path) -> None:
    reg = hostile_copy / "registry.yaml"
    data = yaml.safe_load(reg.read_text(encoding="utf-8"))
    for ent in data["entities"]:
        if ent["id"] == "northland":
            ent["located_in"] = "camp-alpha"
    reg.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(SeedError) as info:
        read_seeds(hostile_copy)
    assert any("loops" in p.message for p in info.value.problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
article_keys = st.sampled_from(["text", "status", "title", "genre", "publisher", "authors", "published", "headline", "furniture", "captions"])
event_keys = st.sampled_from(["id", "label", "class", "cameo", "quote", "date", "places", "roles", "casualties", "munitions", "weapon", "about"])


@pytest.mark.no_seeds
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    article=st.dictionaries(article_keys, json_values, max_size=10),
    events=st.lists(st.dictionaries(event_keys, json_values, max_size=12), max_size=3),
)
def test_random_article_documents_never_crash(hostile_copy: Path, article: dict, events: list) -> None:
    (hostile_copy / ARTICLE).write_text(yaml.safe_dump({"article": article, "events": events}), encoding="utf-8")
    try:
        read_seeds(hostile_copy)
    except SeedError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)


@pytest.mark.no_seeds
@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_yaml_reader(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    doc, problems = load_yaml(text, "random.yaml")
    assert doc is not None or problems


# ---------------------------------------------------------------- files that must not be read (issue 18)


def refused(copy: Path) -> dict[str, str]:
    with pytest.raises(SeedError) as info:
        read_seeds(copy)
    return {p.file: p.message for p in info.value.problems}


@pytest.mark.no_seeds
def test_a_link_out_of_the_seeds_folder_is_refused_before_reading(hostile_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    text = hostile_copy / "articles" / "100_mini.txt"
    text.unlink()
    text.symlink_to(secret)
    found = refused(hostile_copy)
    assert "outside the seeds folder" in found["articles/100_mini.txt"]
    assert "SECRET-LINE" not in " ".join(found.values())  # nothing of its text is quoted


@pytest.mark.no_seeds
def test_a_registry_linked_from_outside_is_refused(hostile_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "registry.yaml"
    (hostile_copy / "registry.yaml").rename(outside)
    (hostile_copy / "registry.yaml").symlink_to(outside)
    assert "outside the seeds folder" in refused(hostile_copy)["registry.yaml"]


@pytest.mark.no_seeds
def test_a_link_inside_the_seeds_folder_is_read(hostile_copy: Path) -> None:
    (hostile_copy / "registry.yaml").rename(hostile_copy / "registry-real.yaml")
    (hostile_copy / "registry.yaml").symlink_to(hostile_copy / "registry-real.yaml")
    assert read_seeds(hostile_copy).entities


@pytest.mark.no_seeds
def test_a_fifo_does_not_hang_the_build(hostile_copy: Path) -> None:
    fifo = hostile_copy / "articles" / "101_pipe.yaml"
    os.mkfifo(fifo)  # opening it for reading would block forever: it must never be opened
    assert "not a regular file" in refused(hostile_copy)["articles/101_pipe.yaml"]


@pytest.mark.no_seeds
def test_an_oversized_file_is_refused_by_its_size(hostile_copy: Path) -> None:
    big = hostile_copy / "articles" / "100_mini.txt"
    with big.open("r+b") as f:  # a sparse file: 2 GB long, nothing written
        f.truncate(2 * 1024**3)
    assert "the limit is" in refused(hostile_copy)["articles/100_mini.txt"]


@pytest.mark.no_seeds
@pytest.mark.parametrize("tagged", ["authors: !!python/tuple [a, b]", "authors: !!set {a: null}", "authors: !custom [a]"])
def test_a_yaml_tag_on_a_list_is_refused_by_name(hostile_copy: Path, tagged: str) -> None:
    art = hostile_copy / ARTICLE
    art.write_text(art.read_text(encoding="utf-8").replace("authors: []", tagged), encoding="utf-8")
    with pytest.raises(SeedError) as info:
        read_seeds(hostile_copy)
    tag = tagged.split()[1]
    assert any(f"the YAML tag {tag} is not allowed" in p.message and p.field == "article.authors" for p in info.value.problems), info.value
