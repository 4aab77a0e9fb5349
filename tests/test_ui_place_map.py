"""The small map on a place's page (service/place_map.py) with the Flask test client on the seed
build: a place with a point gives it as text and a map canvas fed by its JSON; an entity without a
point has neither. Also: the saved questions' descriptions, shown on their web pages, name no CLI
option. Drawing the map is tested in a browser: tests/browser/test_views_browser.py."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crisiskg.query.savedqueries import load_queries
from crisiskg.query.store import Store
from crisiskg.vocab import ID

WITH_POINT = "SELECT DISTINCT ?place ?wkt WHERE { ?place geo:hasGeometry/geo:asWKT ?wkt } ORDER BY ?place"
# entities (minted under id/entity/) that have no geometry: persons, organisations, countries, ...
WITHOUT_POINT = f"""SELECT DISTINCT ?e WHERE {{ GRAPH graph:entities {{ ?e rdfs:label ?l }}
  FILTER(STRSTARTS(STR(?e), "{ID}entity/")) FILTER NOT EXISTS {{ ?e geo:hasGeometry ?g }} }} ORDER BY ?e"""


@pytest.fixture(scope="module")
def app(seed_app: Flask) -> Flask:
    return seed_app  # the seeds' build; conftest's client asks it


def _points(store: Store) -> dict[str, tuple[float, float]]:
    out = {}
    for r in store.query(WITH_POINT).rows:
        lon, lat = map(float, re.findall(r"[-+\d.eE]+", str(r["wkt"]).split("(", 1)[1]))
        out[str(r["place"])] = (lat, lon)
    return out


def test_place_pages_give_their_point_and_a_map_fed_by_its_json(client: FlaskClient, seed_store: Store) -> None:
    points = _points(seed_store)
    assert points, "the seed build has no place with a point"
    for iri, (lat, lon) in points.items():
        key = iri.removeprefix(str(ID))
        html = client.get(f"/ui/id/{key}").get_data(as_text=True)
        assert f'data-lat="{lat}" data-lon="{lon}"' in html, iri
        assert html.count('id="view"') == 1 and 'data-view="map"' in html, iri
        src = re.search(r'data-src="([^"]+)"', html)
        assert src and src.group(1) == f"/ui/map/id/{key}.json", iri
        data = client.get(src.group(1)).get_json()
        assert data["ok"] and [(p["iri"], p["lat"], p["lon"]) for p in data["points"]] == [(iri, lat, lon)]
        assert data["points"][0]["href"] == f"/ui/id/{key}"


def test_pages_of_entities_without_a_point_have_no_map(client: FlaskClient, seed_store: Store) -> None:
    others = [str(r["e"]) for r in seed_store.query(WITHOUT_POINT).rows]
    assert others
    for iri in others:
        key = iri.removeprefix(str(ID))
        resp = client.get(f"/ui/id/{key}")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'class="place-map"' not in html and 'id="view"' not in html, iri
        data = client.get(f"/ui/map/id/{key}.json")
        assert data.status_code == 404 and "has no point" in data.get_json()["error"], iri


def test_question_descriptions_name_no_cli_option(client: FlaskClient) -> None:
    """A description is shown on the question's web page and by the CLI alike: no ``--option``."""
    for qid, q in load_queries().items():
        assert not re.search(r"(?<![\w-])--[a-z]", q.description or ""), (qid, q.description)
    page = client.get("/ui/questions/event-graph").get_data(as_text=True)
    assert load_queries()["event-graph"].description.split()[0] in page and "--format" not in page
