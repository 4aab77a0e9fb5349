"""End-to-end fixtures: a real ``crisiskg serve`` on 127.0.0.1 over the seed build, and Debian's
headless Chromium driven by Playwright (never ``playwright install``: the system browser is used).

The browser tests are skipped, with the reason, when Playwright or ``/usr/bin/chromium`` is
missing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import running_server  # tests/serving.py

CHROMIUM = os.environ.get("CRISISKG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# screenshots; CRISISKG_TEST_ARTIFACTS moves them (the suite run on a copy of the seeds keeps its own)
ARTIFACTS = Path(os.environ.get("CRISISKG_TEST_ARTIFACTS") or Path(__file__).resolve().parent.parent / "artifacts")


@pytest.fixture(scope="session")
def server(seed_build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``crisiskg serve`` (waitress) on a free loopback port; yields its base URL."""
    with running_server(seed_build_dir, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system one), or a skip saying what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page whose requests may only go to the server (anything else fails the test)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
    assert not outside, f"the page asked for outside resources: {outside}"


@pytest.fixture
def set_query() -> Callable[[Any, str], None]:
    """Sets the SPARQL editor's text once CodeMirror has started on the current page: its script is
    deferred, so right after a navigation the textarea can be there and the editor not yet."""
    def set_(page: Any, text: str) -> None:
        page.wait_for_function("() => !!document.querySelector('.CodeMirror')?.CodeMirror")
        page.evaluate("q => document.querySelector('.CodeMirror').CodeMirror.setValue(q)", text)
    return set_


@pytest.fixture
def static_page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page with JavaScript off: what a page shows without its scripts (views, editor)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server, java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
