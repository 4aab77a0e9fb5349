"""The analysts' UI in a real browser (headless Chromium) against a real ``crisiskg serve`` on the
seed build. Each test saves a screenshot under tests/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from seedcorpus import article_keys


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=False)


def test_home_page(page: Any, artifacts: Path) -> None:
    page.goto("/ui/")
    assert page.locator("h1").inner_text().startswith("The US–Iran crisis")
    counts = page.locator("dl.counts")
    for name in ("articles", "entities", "events", "stances"):
        assert counts.locator("dt", has_text=name).count() == 1
    assert counts.locator("dt:has-text('articles') + dd").inner_text() == str(len(article_keys()))  # one per article file
    assert page.locator("text=conforms").count() >= 1
    assert page.locator("#questions ~ .topics h3").count() >= 3  # saved questions by topic (issue 17)
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
    page.get_by_label("proposition").fill("us-military-retaliation-jan-8")  # a searchable picker (issue 17)
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


def test_timeline(static_page: Any, artifacts: Path) -> None:
    page = static_page  # the server's SVG is the timeline without scripts (with them: tests/browser/test_views_browser.py)
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


def test_disagreements_and_editor(page: Any, artifacts: Path, set_query: Any) -> None:
    page.goto("/ui/disagreements")
    # every card puts two or more versions side by side, each with its quote linked into its article
    cards = page.locator("article.disagreement")
    assert cards.count() >= 1
    for i in range(cards.count()):
        versions = cards.nth(i).locator(".version")
        assert versions.count() >= 2
        assert versions.locator("blockquote a.v-span").count() >= 1
    # each number says who gives it
    counts = page.locator("section[aria-labelledby=d-casualties] .version, section[aria-labelledby=d-munitions] .version")
    for i in range(counts.count()):
        # (text_content: the compatible ones are inside a closed <details>)
        assert (counts.nth(i).locator("p.who").text_content() or "").startswith("given by ")
    cards.first.scroll_into_view_if_needed()
    shot(page, artifacts, "06-disagreements")
    page.goto("/ui/sparql")
    set_query(page, "SELECT ?e WHERE {\n  ?e a ckg:RocketAttack .\n  ?e nope:x ?y .\n}")
    page.get_by_role("button", name="Run").click()
    assert page.locator("li.error-line").inner_text().strip().startswith("?e nope:x ?y")
    set_query(page, "SELECT ?e ?label WHERE { ?e a ckg:RocketAttack ; rdfs:label ?label } ORDER BY ?label")
    page.get_by_role("button", name="Run").click()
    answer = page.locator("table.results", has_text="Rocket attack on Camp Taji")
    answer.wait_for()  # the Run is a navigation: wait for the new page, then count
    assert answer.count() == 1
    shot(page, artifacts, "07-editor")


def test_article_reader(page: Any, artifacts: Path) -> None:
    page.goto("/ui/article/004")
    for kind in ("mention", "event", "stance", "claim", "furniture", "headline"):
        assert page.locator(f".k-{kind}").count() >= 1, kind
    page.locator("article.text a.k-mention", has_text="Camp Taji").first.click()
    page.wait_for_url("**/id/entity/camp-taji")
    page.goto("/ui/article/004")
    shot(page, artifacts, "08-article")


def _month_event(seed_store: Any) -> tuple[str, str, str]:
    """An event no article dates more narrowly than a month: (its page, label, date as written)."""
    res = seed_store.query("SELECT ?ev ?label (MIN(?days) AS ?fewest) (SAMPLE(?v) AS ?value) WHERE {"
                           " GRAPH ?g { ?ev ckg:dateValue ?v ; ckg:datePrecision ?p ; ckg:earliestDate ?e ; ckg:latestDate ?l }"
                           " ?ev a ckg:Event ; rdfs:label ?label"
                           " BIND(IF(?p = 'day', 1, IF(?p = 'month' && ?e = ?l, 1, 2)) AS ?days) } GROUP BY ?ev ?label"
                           " HAVING(MIN(?days) = 2) ORDER BY ?ev")
    months = [r for r in res.rows if re.fullmatch(r"\d{4}-\d{2}", str(r["value"]))]
    if not months:
        pytest.skip("no event of the seeds is dated only to a month")
    r = months[0]
    return "/ui/id/" + str(r["ev"]).split("/id/", 1)[1], str(r["label"]), str(r["value"])


def test_timeline_draws_a_month_as_a_labelled_span(static_page: Any, artifacts: Path, seed_store: Any) -> None:
    page = static_page  # the server's SVG, shown without scripts
    href, label, value = _month_event(seed_store)
    page.goto("/ui/timeline")
    marker = page.locator(f'svg.timeline a.tl-event[href="{href}"]')
    assert marker.count() == 1
    bar = marker.locator("rect.tl-span")
    assert bar.count() == 1 and marker.locator("circle").count() == 0
    dot = page.locator("svg.timeline a.tl-event circle").first.bounding_box()
    box = bar.bounding_box()
    assert box["width"] > 3 * dot["width"], (box, dot)  # a month of days, not a point on its first day
    assert marker.locator("text").text_content() == value  # the date as written
    title = marker.locator("title").text_content() or ""
    assert value in title and label in title
    row = page.locator("table.timeline-table tr", has_text=label)
    assert row.locator("td").first.inner_text().startswith(value)
    bar.scroll_into_view_if_needed()
    shot(page, artifacts, "09-timeline-span")
    marker.click()
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").inner_text() == label


def test_counts_name_who_gives_them(page: Any, artifacts: Path, seed_store: Any) -> None:
    res = seed_store.query("SELECT ?ev ?c ?who ?name WHERE { GRAPH ?g { ?ev ckg:munitions ?c . ?c ckg:reportedBy ?who }"
                           " ?who rdfs:label ?name } ORDER BY ?ev ?c ?who", reasoning="none")
    if not res.rows:
        pytest.skip("the seeds count no munitions")
    event, name = str(res.rows[0]["ev"]), str(res.rows[0]["name"])
    page.goto("/ui/id/" + event.split("/id/", 1)[1])
    row = page.locator("table.counts tbody tr", has_text="munitions").first
    who = row.locator("td.who a.v-resource", has_text=name).first
    assert who.is_visible()
    shot(page, artifacts, "10-event-counts")
    who.click()
    page.wait_for_url(re.compile(r"/id/"))
    assert page.locator("h1").inner_text().startswith(name)
