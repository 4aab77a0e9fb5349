"""Starting a real ``crisiskg serve`` on a free loopback port, for the tests that need one, and a
small HTTP server of a test's own (a proxy, a server that answers in a given way)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    """Ask ``proc`` to end (SIGTERM), kill it if it has not within ``grace`` seconds, and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def log_with(log: Path, pattern: str | re.Pattern[str], seconds: float = 20) -> str:
    """The text of the server's ``log`` once ``pattern`` (a text, or a compiled pattern) is in it,
    or at the deadline: a server writes a request's access-log line after its answer, so a test
    that reads the log right after the answer can be early on a busy machine."""
    found = pattern.search if isinstance(pattern, re.Pattern) else (lambda text: pattern in text)
    deadline = time.monotonic() + seconds
    text = log.read_text(errors="replace")
    while not found(text) and time.monotonic() < deadline:
        time.sleep(0.05)
        text = log.read_text(errors="replace")
    return text


@contextmanager
def loopback_http(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port in a thread until the block ends; yields
    ``http://127.0.0.1:PORT``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running_server(build_dir: Path, log: Path, *, extra: Sequence[str] = (), ready: str = "/readyz",
                   timeout: float = 60) -> Iterator[str]:
    """Run ``crisiskg serve`` on ``build_dir`` until the block ends; yields its base URL.

    Raises RuntimeError, with the server's log, if it exits or does not answer ``ready`` in time.
    """
    port = free_port()
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "crisiskg", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--build", str(build_dir), *extra], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"crisiskg serve exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(base + ready, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"crisiskg serve did not answer {ready} within {timeout:.0f} s:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield base
    finally:
        stop(proc)
