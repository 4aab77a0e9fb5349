"""``crisiskg serve`` as a person starts it (issue 22): it binds before it says it serves, a taken
port is one line and exit 2, it prints where the web UI is, and it writes an access log."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from serving import ROOT, log_with, running_server

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

COMMON_LOG = re.compile(r'^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /healthz HTTP/1\.[01]" 200 \d+$', re.MULTILINE)


def test_a_taken_port_is_one_line_and_exit_2(mini_build: tuple[Path, Any]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "crisiskg", "serve", "--port", str(port), "--build", str(mini_build[0])],
                              capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "serving build" not in done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr and "--host" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("host", "why"), [
    pytest.param("999.1.1.1", "neither an IP address nor a known host name", id="no-such-address"),  # socket.gaierror
    pytest.param("192.0.2.1", "is not an address of this machine", id="not-this-machines"),  # EADDRNOTAVAIL: TEST-NET-1, never assigned
])
def test_a_bad_address_is_one_line_naming_host(mini_build: tuple[Path, Any], host: str, why: str) -> None:
    done = subprocess.run([sys.executable, "-m", "crisiskg", "serve", "--host", host, "--port", "8000", "--build", str(mini_build[0])],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "serving build" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"cannot listen on {host}:8000" in done.stderr and why in done.stderr
    assert "--host" in done.stderr and "--port" not in done.stderr  # the address is what to change, not the port


def test_it_says_where_the_ui_is_and_logs_each_request(mini_build: tuple[Path, Any], tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with running_server(mini_build[0], log) as base:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as resp:
            assert resp.status == 200
        text = log_with(log, COMMON_LOG)
    port = base.rsplit(":", 1)[1]
    assert f"web UI           http://localhost:{port}/ui/" in text
    assert COMMON_LOG.search(text), text


def test_quiet_writes_no_access_log(mini_build: tuple[Path, Any], tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with running_server(mini_build[0], log, extra=("--quiet",)) as base:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as resp:
            assert resp.status == 200
        text = log.read_text(errors="replace")
    assert "web UI" in text and not COMMON_LOG.search(text)
