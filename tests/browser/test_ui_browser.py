"""The analysts' UI in a real browser (headless Chromium) against a real ``crisiskg serve`` on the
seed build. Each test saves a screenshot under tests/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=False)


def test_home_page(page: Any, artifacts: Path) -> None:
    page.goto("/ui/")
    assert page.locator("h1").inner_text().startswith("The US–Iran crisis")
    counts = page.locator("dl.counts")
    for name in ("articles", "entities", "events", "stances"):
        assert counts.locator("dt", has_text=name).count() == 1
    assert counts.locator("dt:has-text('articles') + dd").inner_text() == "5"
    assert page.locator("text=conforms").count() >= 1
    assert page.locator("#questions ~ h3").count() >= 3  # saved questions grouped by tag
    # keyboard: the first Tab reaches the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    shot(page, artifacts, "01-home")


@pytest.mark.parametrize("alias,label,path,mentioned", [
    ("Irbil", "Erbil", "/ui/id/entity/erbil", False),  # the texts name only "Irbil province" (the governorate)
    ("Qasem Soleimani", "Qassem Soleimani", "/ui/id/entity/qassem-soleimani", True),
])
def test_search_an_alias_reaches_the_entity(page: Any, artifacts: Path, alias: str, label: str, path: str,
                                            mentioned: bool) -> None:
    page.goto("/ui/")
    page.get_by_label("Name or alias (any spelling").fill(alias)
    page.get_by_label("Name or alias (any spelling").press("Enter")
    page.wait_for_url(f"**{path}")
    assert page.locator("h1").inner_text() == label
    assert alias in page.locator("dl.summary").inner_text()  # the alias is listed
    if mentioned:
        assert page.locator("#mentions ~ ul.quotes li").count() >= 5
        mark = page.locator("#mentions ~ ul.quotes mark").first
        assert mark.is_visible() and "Soleimani" in mark.inner_text()
    shot(page, artifacts, f"02-entity-{label.split()[0].lower()}")


def test_saved_question_form_gives_the_expected_rows(page: Any, artifacts: Path) -> None:
    page.goto("/ui/questions/stances-on-proposition")
    page.get_by_label("proposition").select_option("us-military-retaliation-jan-8")
    page.get_by_label("polarity").select_option("favor")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url(re.compile(r"polarity=favor"))
    table = page.locator("table.results")
    holders = {t.strip() for t in table.locator("tbody tr td:nth-child(1)").all_inner_texts()}
    assert holders == {"Thomas S. Warrick"}, holders
    # and the other way round: who is against
    page.get_by_label("polarity").select_option("against")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url(re.compile(r"polarity=against"))
    holders = {t.strip() for t in page.locator("table.results tbody tr td:nth-child(1)").all_inner_texts()}
    assert {"William F. Wechsler", "C. Anthony Pfaff"} <= holders, holders
    assert "Thomas S. Warrick" not in holders
    assert page.get_by_role("link", name="CSV").count() == 1
    assert page.get_by_role("link", name="Open it in the query editor").count() == 1
    shot(page, artifacts, "03-question")


def test_follow_a_quote_to_its_place_in_the_article(page: Any, artifacts: Path) -> None:
    page.goto("/ui/questions/stances-on-proposition?proposition=us-military-retaliation-jan-8&polarity=favor")
    quote = page.locator("table.results a.v-span").first
    text = quote.inner_text().strip("“”")
    quote.click()
    page.wait_for_url(re.compile(r"/ui/article/\d+\?hl=\d+,\d+#char=\d+,\d+"))
    target = page.locator(".ann.target").first
    assert target.is_visible()
    assert target.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    m = re.search(r"#char=(\d+),(\d+)", page.url)
    assert m
    marked = page.locator(f'[id="char={m.group(1)},{m.group(2)}"]')
    assert marked.count() == 1
    whole = "".join(t.inner_text() for t in page.locator(".ann.target").all())
    assert re.sub(r"\s+", " ", whole).replace("S", "").strip()[:20] in re.sub(r"\s+", " ", text).replace("S", "")
    # the highlighted passage is in view after the jump
    assert marked.evaluate("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }")
    shot(page, artifacts, "04-article-quote")


def test_timeline(page: Any, artifacts: Path) -> None:
    page.goto("/ui/")
    page.get_by_role("link", name="Timeline").first.click()
    page.wait_for_url("**/ui/timeline")
    svg = page.locator("svg.timeline")
    assert svg.is_visible()
    markers = svg.locator("a.tl-event")
    rows = page.locator("table.timeline-table tbody tr")
    assert markers.count() == rows.count() >= 10
    assert page.locator("table.timeline-table", has_text="Rocket attack on Camp Taji").count() == 1
    shot(page, artifacts, "05-timeline")
    markers.last.click()
    page.wait_for_url(re.compile(r"/(ui/)?id/event/"))
    assert page.locator("h1").inner_text()


def test_disagreements_and_editor(page: Any, artifacts: Path) -> None:
    page.goto("/ui/disagreements")
    claim = page.locator("article.disagreement", has_text="Ain al-Asad Air Base")
    assert claim.locator(".version").count() == 2
    assert "there are no US bases in Iraq" in claim.inner_text()
    claim.scroll_into_view_if_needed()
    shot(page, artifacts, "06-disagreements")
    page.goto("/ui/sparql")
    page.get_by_label("SPARQL query").fill("SELECT ?e WHERE {\n  ?e a ckg:RocketAttack .\n  ?e nope:x ?y .\n}")
    page.get_by_role("button", name="Run").click()
    assert page.locator("li.error-line").inner_text().strip().startswith("?e nope:x ?y")
    page.get_by_label("SPARQL query").fill("SELECT ?e ?label WHERE { ?e a ckg:RocketAttack ; rdfs:label ?label } ORDER BY ?label")
    page.get_by_role("button", name="Run").click()
    assert page.locator("table.results", has_text="Rocket attack on Camp Taji").count() == 1
    shot(page, artifacts, "07-editor")


def test_article_reader(page: Any, artifacts: Path) -> None:
    page.goto("/ui/article/004")
    for kind in ("mention", "event", "stance", "claim", "furniture", "headline"):
        assert page.locator(f".k-{kind}").count() >= 1, kind
    page.locator("article.text a.k-mention", has_text="Camp Taji").first.click()
    page.wait_for_url("**/id/entity/camp-taji")
    page.goto("/ui/article/004")
    shot(page, artifacts, "08-article")
