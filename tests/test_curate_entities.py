"""The workbench offers the names `crisiskg draft` proposes as registry entries, and the items that
name them, as suggestions: an item waits (refused, saying for what) until its entry is accepted, and
accepting the entry writes it to registry.yaml. Through the Flask test client, on the mini seeds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from crisiskg.loaders.seeds import read_seeds
from crisiskg.service import create_app
from crisiskg.service import curate_files as files

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = Path(__file__).parent / "fixtures" / "mini"
TOKEN = "a-test-token"
NEW = "102_brigade"
TEXT = "Brigade strikes Camp Alpha\n\nMarch 17, 2020\n\nBlue Brigade fighters fired rockets at Camp Alpha on Monday.\n"


def _post(client: Any, url: str, csrf: str, **form: str) -> Any:
    return client.post(url, data={"_csrf": csrf, **form}, headers={"Origin": "http://localhost"})


def test_an_item_waits_for_the_entry_it_names(mini_build: tuple[Path, Any], tmp_path: Path) -> None:
    built = mini_build[0]  # the mini seeds' build (tests/conftest.py), only read here
    seeds = Path(shutil.copytree(MINI, tmp_path / "seeds"))
    (seeds / "articles" / f"{NEW}.txt").write_text(TEXT, encoding="utf-8")
    client = create_app({"build_dir": built, "seeds_dir": seeds, "evaluation": "thread", "reload_every": 0,
                         "curate": True, "curate_token": TOKEN}).test_client()
    client.get(f"/curate/?token={TOKEN}")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', client.get(f"/curate/{NEW}").text).group(1)  # type: ignore[union-attr]
    assert _post(client, f"/curate/{NEW}/start", csrf).status_code == 303
    data = files.read(seeds / "articles" / f"{NEW}.yaml")
    pending = files.suggestions(data)
    entry = next(i for i, s in enumerate(pending) if s["section"] == "registry" and s["item"]["id"] == "blue-brigade")
    waiting = next(i for i, s in enumerate(pending) if "blue-brigade" in (s.get("needs") or []))
    page = client.get(f"/curate/{NEW}").text
    assert "a new entry of registry.yaml" in page and "Names blue-brigade, not in the registry yet" in page
    # an entry is checked live as an entry of registry.yaml, nothing written
    live = client.post(f"/curate/{NEW}/check", json={"entry": f"suggestion-{entry}", "yaml": "id: Blue Brigade\ntype: Militia\n"},
                       headers={"X-CSRF-Token": csrf, "Origin": "http://localhost"}).get_json()
    assert not live["ok"] and [p["message"][:24] for p in live["problems"]] == ["the entry has no label (", "id 'Blue Brigade' is not"]
    # the attack first: refused, saying what it waits for, and nothing written
    before = (seeds / "articles" / f"{NEW}.yaml").read_bytes()
    refused = _post(client, f"/curate/{NEW}/suggestion/{waiting}/accept", csrf)
    assert refused.status_code == 303 and (seeds / "articles" / f"{NEW}.yaml").read_bytes() == before
    assert "blue-brigade, which the registry does not hold yet" in client.get(refused.headers["Location"]).text
    # the entry, then the attack
    assert _post(client, f"/curate/{NEW}/suggestion/{entry}/accept", csrf).status_code == 303
    assert read_seeds(seeds, allow_drafts=True).entities["blue-brigade"]["type"] == "Militia"
    waiting = next(i for i, s in enumerate(files.suggestions(files.read(seeds / "articles" / f"{NEW}.yaml")))
                   if "blue-brigade" in (s.get("needs") or []))
    assert _post(client, f"/curate/{NEW}/suggestion/{waiting}/accept", csrf).status_code == 303
    events = files.read(seeds / "articles" / f"{NEW}.yaml")["events"]
    assert any("blue-brigade" in str(e.get("roles")) for e in events)
