"""The web UI over the real seed build, through the project's app factory: every saved question's
page answers with its defaults, and the pages show what the articles say."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from test_ui_pages import check_page

from crisiskg.savedqueries import load_queries
from service import create_app


@pytest.fixture(scope="module")
def client(seed_build_dir: Path) -> FlaskClient:
    return create_app({"build_dir": seed_build_dir}).test_client()


@pytest.mark.parametrize("qid", sorted(load_queries()))
def test_every_saved_question_page_answers_with_its_defaults(client: FlaskClient, qid: str) -> None:
    resp = client.get(f"/ui/questions/{qid}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[html.find('role="alert"'):][:300]
    check_page(html)
    assert "<h2 id=\"answer\">" in html and "Open it in the query editor" in html
    assert len(resp.data) < 250_000


def test_home_links_every_article_and_question(client: FlaskClient) -> None:
    html = client.get("/ui/").get_data(as_text=True)
    check_page(html)
    for key in ("000", "001", "002", "003", "004"):
        assert f'href="/ui/article/{key}"' in html
    for qid in load_queries():
        assert f'href="/ui/questions/{qid}"' in html


def test_disagreements_show_the_us_bases_claim_and_its_denial(client: FlaskClient) -> None:
    html = client.get("/ui/disagreements").get_data(as_text=True)
    check_page(html)
    claims = html[html.index('id="d-claim"'):html.index('id="d-stance"')]
    assert "Ain al-Asad Air Base" in claims and "operated by" in claims
    assert "affirmed" in claims and "denied" in claims
    assert "there are no US bases in Iraq" in claims and "Abbas Kadhim" in claims


def test_timeline_lists_the_crisis_events(client: FlaskClient) -> None:
    html = client.get("/ui/timeline").get_data(as_text=True)
    check_page(html)
    for label in ("Rocket attack on Camp Taji", "Iranian ballistic missile strikes", "US drone strike killing Qassem Soleimani"):
        assert label in html


def test_dereferencing_an_entity_as_html_gives_the_analysts_page(client: FlaskClient) -> None:
    resp = client.get("/id/entity/qassem-soleimani", headers={"Accept": "text/html"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Vary"] == "Accept"
    check_page(html)
    assert "<h1>Qassem Soleimani</h1>" in html and "Qasim Soleimani" in html
    assert 'rel="alternate" type="text/turtle"' in html
    turtle = client.get("/id/entity/qassem-soleimani", headers={"Accept": "text/turtle"})
    assert turtle.content_type.startswith("text/turtle")
