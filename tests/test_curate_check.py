"""The workbench's live check and publish, through the Flask test client: a problem is reported
with its line, column and page entry without writing anything, and a publish the build refuses
(or that still has suggestions waiting) leaves the annotation file as it was."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from crisiskg.build.pipeline import build
from crisiskg.build.publish import current
from crisiskg.service import create_app

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = Path(__file__).parent / "fixtures" / "mini"
NEW = "101_new"
TEXT = "Rockets hit Riverton\n\nMarch 17, 2020\n\nRockets struck Camp Alpha near Riverton on Monday. Jane Roe said the United States should not retaliate.\n"


@pytest.fixture
def bench(tmp_path: Path) -> tuple[Any, str, Path, Path]:
    seeds = shutil.copytree(MINI, tmp_path / "seeds")
    (seeds / "articles" / f"{NEW}.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "build"
    build(seeds, out)
    app = create_app({"build_dir": out, "seeds_dir": seeds, "evaluation": "thread", "reload_every": 0, "curate": True, "curate_token": "t"})
    client = app.test_client()
    client.get("/curate/?token=t")
    page = client.get(f"/curate/{NEW}")
    csrf = re.search(rb'name="_csrf" value="([^"]+)"', page.data).group(1).decode()  # type: ignore[union-attr]
    assert client.post(f"/curate/{NEW}/start", data={"_csrf": csrf}).status_code == 303
    return client, csrf, seeds, out


EVENT = """id: camp-alpha-rocket-attack-2020-03-16
label: Rocket attack on Camp Alpha
class: RocketAttack
quote: "Rockets struck Camp Alpha near Riverton on Monday."
date: {value: 2020-03-16, derivation: "'on Monday', the day before publication"}
roles: {suspectedAttacker: [red-militai]}
"""


def test_the_live_check_reports_at_line_column_and_writes_nothing(bench: tuple[Any, str, Path, Path]) -> None:
    client, csrf, seeds, _out = bench
    yaml_file = seeds / "articles" / f"{NEW}.yaml"
    before = yaml_file.read_bytes()
    answer = client.post(f"/curate/{NEW}/check", json={"entry": "suggestion-0", "yaml": EVENT}, headers={"X-CSRF-Token": csrf}).get_json()
    assert not answer["ok"]
    (typo,) = [p for p in answer["problems"] if "red-militai" in p["message"]]
    assert typo["hint"] == "did you mean 'red-militia'?" and typo["entry"] == "events-0"
    assert re.fullmatch(rf"articles/{NEW}\.yaml:\d+:\d+", typo["where"])
    assert yaml_file.read_bytes() == before
    fixed = client.post(f"/curate/{NEW}/check", json={"entry": "suggestion-0", "yaml": EVENT.replace("militai", "militia")},
                        headers={"X-CSRF-Token": csrf}).get_json()
    assert not [p for p in fixed["problems"] if p["entry"] == "events-0"], fixed


def test_a_refused_publish_leaves_the_file_as_it_was(bench: tuple[Any, str, Path, Path]) -> None:
    client, csrf, seeds, out = bench
    yaml_file = seeds / "articles" / f"{NEW}.yaml"
    version = current(out).version
    before = yaml_file.read_bytes()
    waiting = client.post(f"/curate/{NEW}/publish", data={"_csrf": csrf})
    assert waiting.status_code == 422 and b"neither accepted nor rejected" in waiting.data
    assert b"swaps the new build in" not in waiting.data  # a refusal says nothing of success
    assert yaml_file.read_bytes() == before
    page = client.get(f"/curate/{NEW}").data
    assert b"ready to publish" not in page and b"still to accept or reject" in page  # not ready while suggestions wait
    while b'action="/curate/101_new/suggestion/0/reject"' in client.get(f"/curate/{NEW}").data:
        client.post(f"/curate/{NEW}/suggestion/0/reject", data={"_csrf": csrf})
    client.post(f"/curate/{NEW}/new", data={"_csrf": csrf, "kind": "event", "id": "camp-alpha-attack-again", "class": "RocketAttack",
                                            "quote": "Rockets struck Camp Alpha near Riverton on Monday."})  # an attack with no roles
    before = yaml_file.read_bytes()
    refused = client.post(f"/curate/{NEW}/publish", data={"_csrf": csrf})
    assert refused.status_code == 422 and b"has no roles" in refused.data
    assert yaml_file.read_bytes() == before and b"status: draft" in before
    assert current(out).version == version


def test_a_place_with_no_point_is_named_as_not_on_the_map(bench: tuple[Any, str, Path, Path]) -> None:
    # Camp Alpha has no point in the registry: the build takes the event, the map leaves it out; the
    # workbench says so on the page and in the live check, and counts it as no problem
    client, csrf, _seeds, _out = bench
    fixed = EVENT.replace("militai", "militia") + "places: [camp-alpha]\n"
    answer = client.post(f"/curate/{NEW}/check", json={"entry": "suggestion-0", "yaml": fixed}, headers={"X-CSRF-Token": csrf}).get_json()
    assert answer["unmapped"] == [{"place": "camp-alpha", "events": 1}]
    assert not [p for p in answer["problems"] if "camp-alpha" in p["message"]]
    mapped = fixed.replace("places: [camp-alpha]", "places: [riverton]")
    answer = client.post(f"/curate/{NEW}/check", json={"entry": "suggestion-0", "yaml": mapped}, headers={"X-CSRF-Token": csrf}).get_json()
    assert answer["unmapped"] == []  # Riverton has a point
    client.post(f"/curate/{NEW}/suggestion/0/accept", data={"_csrf": csrf, "yaml": fixed})
    page = client.get(f"/curate/{NEW}").data.decode()
    notice = re.search(r'<div id="unmapped".*?</div>', page, re.DOTALL)
    assert notice is not None and "Not on the map" in notice.group(0) and "<code>camp-alpha</code> (1 event)" in notice.group(0)
