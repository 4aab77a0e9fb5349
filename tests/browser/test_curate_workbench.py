"""The workbench end to end, in Chromium: a small new article is curated on a copy of the seeds
(accept a suggestion, edit it, fix the error the live check flags, reject the rest, create an
entity and add a stance from selected words), published, and the saved questions then show it."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from seedcorpus import SEEDS  # tests/seedcorpus.py
from serving import running_server  # tests/serving.py

from crisiskg.build.pipeline import build

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

TOKEN = "test-token-for-the-workbench"
STEM = "900_taji_followup"
TEXT = """More rockets hit Camp Taji

March 14, 2020

Rockets struck Camp Taji on Saturday, hitting coalition forces, officials said. Analyst Dana Whitlock said the United States should not strike back at Iran.
"""
EVENT = """id: camp-taji-rocket-attack-2020-03-14
label: Second rocket attack on Camp Taji
class: RocketAttack
cameo: "194"
quote: "Rockets struck Camp Taji on Saturday, hitting coalition forces, officials said."
date: {{value: 2020-03-14, precision: day, derivation: "'on Saturday', the day of publication (Saturday 2020-03-14)"}}
places: [camp-taji]
roles: {{target: [{target}]}}
"""
STANCE_QUOTE = "Analyst Dana Whitlock said the United States should not strike back at Iran."


@pytest.fixture
def workbench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    seeds = shutil.copytree(SEEDS, tmp_path / "seeds")
    (seeds / "articles" / f"{STEM}.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "build"
    build(seeds, out)
    monkeypatch.setenv("CRISISKG_CURATE_TOKEN", TOKEN)
    with running_server(out, tmp_path / "serve.log", extra=["--curate", "--seeds", str(seeds), "--reload-every", "0.5"]) as base:
        yield base, seeds


def select(page: Any, words: str) -> None:
    """Select ``words`` in the article text, as a curator's mouse would (once the page's script
    listens: it is deferred, and a page just loaded after a form may not have run it yet)."""
    page.wait_for_function("() => document.documentElement.dataset.workbench === 'ready'")  # a function: an expression string is eval'd, which the CSP refuses
    page.evaluate("""words => {
        const root = document.getElementById('article-text');
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(words);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + words.length);
                const sel = window.getSelection();
                sel.removeAllRanges();
                sel.addRange(range);
                return;
            }
        }
        throw new Error('not in the text: ' + words);
    }""", words)
    page.wait_for_function("words => document.getElementById('new-quote').value === words", arg=words)


def test_curate_a_new_article_end_to_end(workbench: Any, browser: Any) -> None:
    base, seeds = workbench
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
    outside: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                  else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(f"/curate/?token={TOKEN}")
    page.click(f"text={STEM}")
    page.click("text=Draft the annotation")
    expect(page.locator("mark.suggestion").first).to_be_visible()  # every suggestion highlighted in the text

    # accept the draft's event for the first sentence, reject every other suggestion
    accepted = False
    while page.locator("article.entry.suggestion").count():
        entry = page.locator("article.entry.suggestion").first
        proposal = entry.locator("textarea").input_value()
        if not accepted and "Rockets struck Camp Taji" in proposal and "class:" in proposal:
            entry.locator("button", has_text="Accept").click()
            accepted = True
        else:
            entry.locator("button", has_text="Reject").click()
        page.wait_for_load_state()
    assert accepted, "the draft suggested no event for the attack"

    # edit it; the live check flags a mistyped id at once, and the saved page at its line and column
    area = page.locator("#events-0 textarea")
    area.fill(EVENT.format(target="us-led-coalitoin"))
    live = page.locator("#events-0 output.live")
    live.filter(has_text="did you mean 'us-led-coalition'").wait_for()
    page.locator("#events-0 button", has_text="Save").click()
    flagged = page.locator("#problems li[data-entry='events-0']", has_text="unknown entity 'us-led-coalitoin'")
    expect(flagged).to_have_count(1)  # (Save is a navigation: expect waits for the new page)
    assert f"articles/{STEM}.yaml:" in flagged.inner_text()
    assert page.locator("#article-text mark.problem").count() > 0  # shown at its span
    # a place with no point is no problem, but the live check says the map will leave the event out
    page.locator("#events-0 textarea").fill(EVENT.format(target="us-led-coalition").replace("[camp-taji]", "[camp-taji, anbar-governorate]"))
    page.locator("#events-0 output.live", has_text="not on the map: anbar-governorate").wait_for()
    assert "no problems" in page.locator("#events-0 output.live").inner_text()
    page.locator("#events-0 textarea").fill(EVENT.format(target="us-led-coalition"))
    expect(page.locator("#events-0 output.live")).to_have_text("no problems")  # checked again: every place has a point
    page.locator("#events-0 button", has_text="Save").click()
    expect(page.locator("#problems li[data-entry='events-0']")).to_have_count(0)

    # a new entity from the selected name, then a stance from the selected sentence
    select(page, "Dana Whitlock")
    page.select_option("#new-kind", "entity")
    page.fill("#new-form input[name=id]", "dana-whitlock")
    page.fill("#new-form input[name=type]", "Person")
    page.click("#new-form button[type=submit]")
    assert "added 'dana-whitlock' to the registry" in page.inner_text(".message")
    select(page, STANCE_QUOTE)
    page.select_option("#new-kind", "stance")
    page.fill("#new-form input[name=id]", "whitlock-against-us-retaliation-camp-taji")
    page.fill("#new-form input[name=holder]", "dana-whitlock")
    page.fill("#new-form input[name=proposition]", "us-retaliation-camp-taji")
    page.select_option("#new-form select[name=polarity]", "against")
    page.click("#new-form button[type=submit]")
    expect(page.locator("#stances-0")).to_have_count(1)
    assert page.inner_text("#problems") == "No problems: ready to publish."

    page.click("#publish")
    result = page.inner_text("#publish-result")
    assert result.startswith("published build") and "incremental" in result, result
    saved = (seeds / "articles" / f"{STEM}.yaml").read_text(encoding="utf-8")
    assert "status: reviewed" in saved and "draft_notes" not in saved
    assert "dana-whitlock" in (seeds / "registry.yaml").read_text(encoding="utf-8")

    # the saved questions show the new stance once the server has swapped the new build in
    url = f"{base}/queries/stances-on-proposition?proposition=us-retaliation-camp-taji&_format=json"
    deadline = time.monotonic() + 60
    while True:
        with urllib.request.urlopen(url, timeout=10) as resp:
            rows = json.loads(resp.read())["results"]["bindings"]
        if any(r["holderLabel"]["value"] == "Dana Whitlock" and r["polarityLabel"]["value"].lower() == "against" for r in rows):
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.5)
    context.close()
    assert not outside, f"the workbench asked for outside resources: {outside}"


def test_a_drafted_article_page_does_not_scroll_sideways(workbench: Any, browser: Any) -> None:
    base, seeds = workbench
    long_words = "A statement posted at https://example.invalid/" + "x" * 160 + " said the United States should not strike back at Iran."
    (seeds / "articles" / "901_wide.txt").write_text(TEXT + "\n" + long_words + "\n", encoding="utf-8")
    context = browser.new_context(viewport={"width": 1300, "height": 900}, base_url=base)
    page = context.new_page()
    page.goto(f"/curate/901_wide?token={TOKEN}")
    page.click("text=Draft the annotation")
    page.wait_for_load_state()
    assert page.locator("mark.suggestion").count() > 0
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"the page is {wide}px wider than the window"
    context.close()
