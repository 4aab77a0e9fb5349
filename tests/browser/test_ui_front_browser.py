"""The one front end (issue 17) in headless Chromium against ``crisiskg serve`` on the seed build:
the SPARQL editor (CodeMirror from this host: highlighting, completion of a class and of an
entity by its label, the error marked on its line, the examples dialog, results by GET), sortable
and paged answers, no console error on any page, and every page answering with JavaScript off.
Expected values come from the store and the saved questions. (The ``page`` fixture fails a test
whose page asks for anything outside 127.0.0.1.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from crisiskg.query.savedqueries import load_queries

QUERIES = load_queries()
PAGES = ["/ui/", "/ui/questions", "/ui/sparql", "/ui/timeline", "/ui/disagreements", "/ui/id/entity/iraq",
         "/ui/article/000", "/queries/stances-on-proposition", "/sparql"]


def errors_of(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(str(e)))
    return found


def editor(page: Any) -> Any:
    """The editor, once CodeMirror is on the page and the terms it completes from have arrived
    (typed before that, a word gets no hints)."""
    page.wait_for_selector(".CodeMirror")
    page.wait_for_selector("form.editor[data-terms-loaded]", state="attached")
    return page.locator(".CodeMirror")


def hints(page: Any) -> list[str]:
    page.wait_for_selector(".CodeMirror-hints li")
    return page.locator(".CodeMirror-hints li").all_inner_texts()


def test_editor_highlights_and_completes_a_class_and_an_entity(page: Any, artifacts: Path, seed_store: Any) -> None:
    errors = errors_of(page)
    page.goto("/ui/sparql")
    cm = editor(page)
    cm.click()
    page.keyboard.type("SELECT ?e WHERE { ?e a ckg:Eve")
    offered = hints(page)
    assert any(h.split()[0] == "ckg:Event" for h in offered), offered
    page.keyboard.press("Escape")
    assert cm.locator(".cm-keyword").count() >= 2  # SELECT and WHERE highlighted
    assert cm.locator(".cm-variable-2").count() >= 2 or cm.locator(".cm-atom").count() >= 2  # the variables
    label = str(seed_store.query("SELECT ?l WHERE { <https://w3id.org/crisiskg/id/entity/iraq> rdfs:label ?l }").rows[0]["l"])
    page.keyboard.type(" . ?e sem:hasActor " + label[:4])
    offered = [h for h in hints(page) if h.endswith("entity")]
    assert offered and re.fullmatch(rf"{re.escape(label)}\s+· entity", offered[0]), (label, offered)  # the exact name first
    page.keyboard.press("Enter")  # picks the first hint: the entity's IRI goes into the query
    assert "<https://w3id.org/crisiskg/id/entity/iraq>" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    page.screenshot(path=str(artifacts / "11-editor-completion.png"))
    assert not errors, errors


def test_editor_marks_the_error_on_its_line_and_runs_by_get(page: Any, artifacts: Path, set_query: Any) -> None:
    errors = errors_of(page)
    bad = "SELECT ?s WHERE {\n  ?s a ckg:Event .\n  ?s nope:x ?o .\n}"
    page.goto("/ui/sparql?query=" + quote(bad))
    cm = editor(page)
    lines = cm.locator(".CodeMirror-code > div")
    marked = [i for i in range(lines.count()) if lines.nth(i).locator(".cm-error-line").count()]
    assert marked == [2], marked  # the third line, where nope: is used
    assert cm.locator(".cm-error-mark").first.inner_text().startswith("nope:x")
    page.screenshot(path=str(artifacts / "12-editor-error.png"))
    # the examples dialog lists every saved question
    page.get_by_role("button", name="Examples…").click()
    dialog = page.locator("dialog.examples")
    assert dialog.is_visible() and dialog.locator("li").count() == len(QUERIES)
    dialog.get_by_role("button", name="Close").click()
    set_query(page, "SELECT ?e WHERE { ?e a ckg:Event } LIMIT 3")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url(re.compile(r"/ui/sparql\?query=SELECT"))
    assert page.locator("table.results tbody tr").count() == 3
    assert [e for e in errors if "400" not in e] == []  # the first page is a 400 (the error), nothing else failed


def test_answers_sort_and_page_by_their_links(page: Any, artifacts: Path, seed_store: Any) -> None:
    errors = errors_of(page)
    q = QUERIES["stances-on-proposition"]
    total = len(q.run(seed_store).rows)
    if total < 3:
        pytest.skip("too few stances on the default proposition to page")
    page.goto("/ui/questions/stances-on-proposition?_size=2")
    table = page.locator("table.results")
    assert table.locator("tbody tr").count() == 2
    column = table.locator("th[data-var]").first
    var = column.get_attribute("data-var")
    assert column.inner_text().strip() == dict(q.columns).get(var, var)  # titled from the question's header
    column.locator("a").click()
    page.wait_for_url(re.compile(rf"_sort={var}"))
    first = page.locator("table.results tbody tr").all_inner_texts()
    assert page.locator('th[aria-sort="ascending"]').count() == 1
    page.get_by_role("link", name="next").click()
    page.wait_for_url(re.compile(r"_page=2"))
    second = page.locator("table.results tbody tr").all_inner_texts()
    assert second and second != first
    assert page.locator("caption").first.inner_text().startswith(f"Answer: {total} rows")
    page.screenshot(path=str(artifacts / "13-answer-sorted-paged.png"))
    assert not errors, errors


def test_home_page_is_short_and_lists_each_question_once(page: Any, artifacts: Path) -> None:
    page.goto("/ui/")
    links = page.locator("#questions ~ .topics a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert sorted(links) == sorted(f"/ui/questions/{qid}" for qid in QUERIES)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3 * 900, height  # about three screens
    page.screenshot(path=str(artifacts / "14-home-full.png"), full_page=True)


@pytest.mark.parametrize("path", PAGES)
def test_no_console_error(page: Any, path: str) -> None:
    errors = errors_of(page)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() == 1
    assert not errors, errors


def test_pages_answer_with_javascript_off(browser: Any, server: str) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=server)
    outside: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    try:
        for path in PAGES:
            resp = page.goto(path)
            assert resp is not None and resp.status == 200, path
            assert page.locator("h1").count() == 1 and page.locator("header.site nav").count() == 1, path
        page.goto("/ui/sparql")
        assert page.locator(".CodeMirror").count() == 0  # the plain form
        page.get_by_label("SPARQL query").fill("SELECT ?e WHERE { ?e a ckg:Event } LIMIT 2")
        page.get_by_role("button", name="Run").click()
        page.wait_for_url(re.compile(r"\?query="))
        assert page.locator("table.results tbody tr").count() == 2
    finally:
        context.close()
    assert not outside, outside
