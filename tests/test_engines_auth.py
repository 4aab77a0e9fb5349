"""Basic authentication: a real ``oxigraph serve`` behind a small loopback proxy that asks for Basic
credentials. push and the remote store send them from the environment (or a netrc file) when the
server challenges, and a refusal is an error naming the server's answer. (Digest is tested against
Virtuoso in tests/test_engines_matrix.py.)"""

from __future__ import annotations

import base64
import http.client
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from engineservers import running_oxigraph  # tests/engineservers.py
from serving import loopback_http  # tests/serving.py

from crisiskg.errors import PublishError
from crisiskg.query.remote import PASSWORD_ENV, USER_ENV
from crisiskg.query.store import open_store
from crisiskg.scale.push import push

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

USER, PASSWORD = "curator", "s3cret:with-colon"


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    """oxigraph serve behind a Basic-authentication proxy on 127.0.0.1; the proxy's query URL."""
    with running_oxigraph() as url:
        target = urllib.parse.urlsplit(url)
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

        class Proxy(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(target.netloc, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.getheader("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

        with loopback_http(Proxy) as url:
            yield f"{url}/query"


def test_basic_credentials_from_the_environment_or_netrc(guarded: str, mini_build: tuple[Path, object],
                                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    build = mini_build[0]
    monkeypatch.delenv(USER_ENV, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    with pytest.raises(PublishError, match=r"needs authentication \(Basic realm=\"store\"\).*CRISISKG_STORE_USER"):
        push(f"sparql:{guarded}", build)
    monkeypatch.setenv(USER_ENV, USER)
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(PublishError, match="refused"):
        push(f"sparql:{guarded}", build)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    assert "0 replaced" in push(f"sparql:{guarded}", build)
    monkeypatch.delenv(USER_ENV)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    store = open_store(f"sparql:{guarded}", build)
    assert len(store) == len(open_store("memory", build)) > 0
