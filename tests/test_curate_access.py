"""The workbench writes seed files, so it is closed by default: without ``--curate`` nothing under
``/curate/`` exists, and with it every request needs the token and every write the CSRF token
(and an Origin of this host); a refused request writes nothing."""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from serving import running_server

from crisiskg.build.pipeline import build
from crisiskg.service import create_app

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = Path(__file__).parent / "fixtures" / "mini"
TOKEN = "a-test-token"
NEW = "101_new"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("curate-build")
    build(MINI, out)
    return out


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    seeds = shutil.copytree(MINI, tmp_path / "seeds")
    (seeds / "articles" / f"{NEW}.txt").write_text("Rockets hit Riverton\n\nRockets struck Riverton on Monday.\n", encoding="utf-8")
    return seeds


def app(built: Path, seeds: Path, **extra: Any) -> Any:
    return create_app({"build_dir": built, "seeds_dir": seeds, "evaluation": "thread", "reload_every": 0, **extra})


def snapshot(seeds: Path) -> dict[str, bytes]:
    return {str(p.relative_to(seeds)): p.read_bytes() for p in sorted(seeds.rglob("*")) if p.is_file()}


WRITES = [f"/curate/{NEW}/start", "/curate/100_mini/suggestion/0/reject", "/curate/100_mini/item/stances/0/delete",
          "/curate/100_mini/new", "/curate/100_mini/publish", "/curate/100_mini/check"]


def test_without_curate_nothing_answers(built: Path, seeds: Path) -> None:
    client = app(built, seeds).test_client()
    before = snapshot(seeds)
    for url in ["/curate/", f"/curate/?token={TOKEN}", "/curate/100_mini", "/curate/static/curate.js", "/curate/search?q=roe"]:
        assert client.get(url).status_code == 404, url
    for url in WRITES:
        assert client.post(url, data={"kind": "entity", "id": "x", "quote": "Roe"}).status_code == 404, url
    assert snapshot(seeds) == before


def test_without_the_token_nothing_answers_or_writes(built: Path, seeds: Path) -> None:
    client = app(built, seeds, curate=True, curate_token=TOKEN).test_client()
    before = snapshot(seeds)
    for url in ["/curate/", "/curate/100_mini", "/curate/static/curate.js", "/curate/search?q=roe", "/curate/?token=wrong"]:
        resp = client.get(url)
        assert resp.status_code == 403 and b"100_mini" not in resp.data and b"Jane Roe" not in resp.data, url
    assert client.get("/curate/", headers={"X-Curate-Token": "wrong"}).status_code == 403
    for url in WRITES:
        assert client.post(url, data={"kind": "entity", "id": "x", "quote": "Roe"}).status_code == 403, url
    assert snapshot(seeds) == before


def test_with_the_token_a_write_still_needs_the_csrf_token_and_this_origin(built: Path, seeds: Path) -> None:
    client = app(built, seeds, curate=True, curate_token=TOKEN).test_client()
    first = client.get(f"/curate/?token={TOKEN}")
    assert first.status_code == 303 and "HttpOnly" in first.headers["Set-Cookie"] and "SameSite=Strict" in first.headers["Set-Cookie"]
    page = client.get(f"/curate/{NEW}")
    assert page.status_code == 200 and b"Draft the annotation" in page.data
    csrf = re.search(rb'name="_csrf" value="([^"]+)"', page.data).group(1).decode()  # type: ignore[union-attr]
    before = snapshot(seeds)
    assert client.post(f"/curate/{NEW}/start").status_code == 403
    assert client.post(f"/curate/{NEW}/start", data={"_csrf": "x" * len(csrf)}).status_code == 403
    assert client.post(f"/curate/{NEW}/start", data={"_csrf": csrf}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert snapshot(seeds) == before
    done = client.post(f"/curate/{NEW}/start", data={"_csrf": csrf}, headers={"Origin": "http://localhost"})
    assert done.status_code == 303
    assert (seeds / "articles" / f"{NEW}.yaml").exists()
    assert client.get("/curate/100_mini", headers={"X-Curate-Token": TOKEN}).status_code == 200


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serve_prints_the_token_and_the_server_asks_for_it(built: Path, seeds: Path, tmp_path: Path) -> None:
    with running_server(built, tmp_path / "plain.log") as base:
        assert fetch(base + "/curate/")[0] == 404
    log = tmp_path / "serve.log"
    with running_server(built, log, extra=["--curate", "--seeds", str(seeds)]) as base:
        printed = re.search(r"workbench +(\S+/curate/\?token=(\S+))", log.read_text(encoding="utf-8"))
        assert printed, log.read_text(encoding="utf-8")
        assert base.startswith("http://127.0.0.1:")
        assert fetch(base + "/curate/")[0] == 403
        assert fetch(base + "/curate/?token=not-it")[0] == 403
        status, body = fetch(base + "/curate/?token=" + printed.group(2))  # the redirect keeps the cookie
        assert status == 403 or "100_mini" in body  # urllib drops the cookie on redirect: 403 is right too
        req = urllib.request.Request(base + "/curate/", headers={"X-Curate-Token": printed.group(2)})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200 and "100_mini" in resp.read().decode()


def test_the_403_without_the_token_is_a_page_of_the_site(built: Path, seeds: Path) -> None:
    client = app(built, seeds, curate=True, curate_token=TOKEN).test_client()
    resp = client.get("/curate/100_mini", headers={"Accept": "text/html"})
    assert resp.status_code == 403 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert 'class="site"' in page and "crisiskg serve --curate" in page  # the layout, and what to do
    assert "csrf-token" not in page and "100_mini" not in page and "Jane Roe" not in page
    plain = client.get("/curate/100_mini", headers={"Accept": "text/plain"})
    assert plain.status_code == 403 and plain.mimetype == "text/plain"


def test_the_index_names_the_seeds_folder_it_edits(built: Path, seeds: Path) -> None:
    client = app(built, seeds, curate=True, curate_token=TOKEN).test_client()
    page = client.get("/curate/", headers={"X-Curate-Token": TOKEN}).get_data(as_text=True)
    assert f"<code>{seeds / 'articles'}/NNN_name.txt</code>" in page and "<code>seeds/articles/" not in page


def test_no_address_can_make_the_workbench_show_a_message(built: Path, seeds: Path) -> None:
    client = app(built, seeds, curate=True, curate_token=TOKEN).test_client()
    client.get(f"/curate/?token={TOKEN}")
    for url in ["/curate/?msg=Send+your+token+to+evil.example", f"/curate/{NEW}?msg=Send+your+token+to+evil.example"]:
        assert "evil.example" not in client.get(url).get_data(as_text=True), url
    page = client.get(f"/curate/{NEW}")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    done = client.post(f"/curate/{NEW}/start", data={"_csrf": csrf})
    assert done.status_code == 303 and "msg=" not in done.headers["Location"]
    shown = client.get(f"/curate/{NEW}").get_data(as_text=True)
    assert 'role="status">drafted:' in shown  # the workbench's own message, once
    assert 'role="status"' not in client.get(f"/curate/{NEW}").get_data(as_text=True)
    # a message cookie the workbench did not sign shows nothing
    client.set_cookie("crisiskg_curate_message", "U2VuZCB5b3VyIHRva2Vu.0000", path="/curate")
    assert 'role="status"' not in client.get(f"/curate/{NEW}").get_data(as_text=True)
