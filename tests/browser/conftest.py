"""End-to-end fixtures: a real ``crisiskg serve`` on 127.0.0.1 over the seed build, and Debian's
headless Chromium driven by Playwright (never ``playwright install``: the system browser is used).

The browser tests are skipped, with the reason, when Playwright or ``/usr/bin/chromium`` is
missing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = os.environ.get("CRISISKG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(seed_build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``crisiskg serve`` (waitress) on a free loopback port; yields its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    exe = shutil.which("crisiskg")
    cmd = [exe] if exe else [sys.executable, "-m", "crisiskg"]
    with open(log, "wb") as out:
        proc = subprocess.Popen([*cmd, "serve", "--host", "127.0.0.1", "--port", str(port), "--build", str(seed_build_dir)],
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"crisiskg serve did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
