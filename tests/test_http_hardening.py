"""Issue 18, the page side: a Content-Security-Policy everywhere, links only to safe schemes, and a
400 (never a 500) for an IRI no resource can have."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from flask.testing import FlaskClient

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

HTML = {"Accept": "text/html"}
PAGES = ["/", "/ui/", "/ui/timeline", "/ui/disagreements", "/ui/sparql", "/sparql", "/queries", "/queries/timeline",
         "/id/entity/jane-roe", "/ui/id/entity/jane-roe", "/dumps", "/ontology", "/.well-known/void", "/healthz"]
SCRIPT_IRI = "javascript:alert(document.domain)"
SCRIPT_QUERY = f'SELECT ?x WHERE {{ BIND(IRI("{SCRIPT_IRI}") AS ?x) }}'


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_a_content_security_policy(client: FlaskClient, path: str) -> None:
    resp = client.get(path, headers=HTML)
    assert resp.status_code in (200, 303), path  # / sends a browser to /ui/
    csp = resp.headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives.get("default-src") == "'none'" and directives.get("script-src") == "'self'"
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"


def links(body: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', body)


@pytest.mark.parametrize("path", ["/sparql", "/ui/sparql"])
def test_a_javascript_iri_in_an_answer_is_shown_never_linked(client: FlaskClient, path: str) -> None:
    resp = client.get(path + "?query=" + urllib.parse.quote(SCRIPT_QUERY), headers=HTML)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "alert(document.domain)" in body  # the value is shown
    assert not [h for h in links(body) if h.lower().startswith("javascript:")]


def test_safe_href_admits_paths_and_web_schemes_only() -> None:
    from crisiskg.service.html import safe_href

    assert safe_href("/ui/id/entity/x") == "/ui/id/entity/x" and safe_href("#top") == "#top"
    assert safe_href("https://www.wikidata.org/wiki/Q30") and safe_href("urn:isbn:1") and safe_href("mailto:a@b.c")
    for bad in (SCRIPT_IRI, "JavaScript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "//evil.example/", "", None):
        assert safe_href(bad) is None, bad


@pytest.mark.parametrize("path", ["/id/a%20b", "/id/a%22b", "/graph/x%3Cy", "/cameo/1%7B2"])
def test_an_invalid_iri_in_a_path_is_a_400(client: FlaskClient, path: str) -> None:
    resp = client.get(path, headers={"Accept": "application/json"})
    assert resp.status_code == 400, path
    body = resp.get_json()
    assert body["ok"] is False and "not a valid IRI" in body["error"]
