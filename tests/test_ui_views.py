"""The saved questions' views (service/views.py, service/viewdata.py) with the Flask test client on
the seed build: each view's JSON is derived from the same answer as the question's table, the
question page links every view and still shows the table, and the bundled libraries are served
from this host (service/vendor.py). Drawing them is tested in a browser: tests/browser/test_views_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, XSD

from crisiskg.query.savedqueries import load_queries
from crisiskg.service import vendor
from crisiskg.service.hooks import SECURITY_HEADERS
from crisiskg.service.viewdata import focus

ROOT = Path(__file__).resolve().parent.parent
QUERIES = load_queries()
DRAWN = sorted(qid for qid, q in QUERIES.items() if q.view != "table")


@pytest.fixture(scope="module")
def app(seed_app: Flask) -> Flask:
    return seed_app  # the seeds' build; conftest's client asks it


def answer(client: FlaskClient, qid: str, query: str = "") -> list[dict[str, Any]]:
    """The question's answer as SPARQL JSON bindings (the protocol's own representation)."""
    resp = client.get(f"/queries/{qid}{query}", headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_json()["results"]["bindings"]


def view(client: FlaskClient, qid: str, name: str | None = None, query: str = "") -> dict[str, Any]:
    sep = "&" if query else "?"
    resp = client.get(f"/ui/views/{qid}.json{query}" + (f"{sep}_view={name}" if name else ""))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    data = resp.get_json()
    assert data["ok"] and data["question"] == qid
    return data


def test_every_declared_view_is_the_default_of_its_question(client: FlaskClient) -> None:
    assert {"map", "timeline", "curve", "chart", "graph"} <= {QUERIES[q].view for q in DRAWN}
    for qid in DRAWN:
        assert view(client, qid)["view"] == QUERIES[qid].view, qid


def test_map_has_one_point_per_place_of_the_answer(client: FlaskClient) -> None:
    rows = answer(client, "event-map")
    places = {r["place"]["value"] for r in rows if "lat" in r}
    data = view(client, "event-map", "map")
    assert {p["iri"] for p in data["points"]} == places
    for p in data["points"]:
        row = next(r for r in rows if r["place"]["value"] == p["iri"])
        assert row["lat"]["datatype"] == row["long"]["datatype"] == str(XSD.decimal)
        assert (p["lat"], p["lon"]) == (float(row["lat"]["value"]), float(row["long"]["value"]))
        assert {e["iri"] for e in p["events"]} == {r["event"]["value"] for r in rows if r["place"]["value"] == p["iri"]}
        assert p["label"] and p["href"].startswith("/ui/id/")


def _events(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Each event of a dated answer with its narrowest bounds (fewest days, then earliest)."""
    import datetime as dt

    best: dict[str, tuple[str, str]] = {}
    for r in rows:
        e, lo, hi = r["event"]["value"], r["earliest"]["value"], r["latest"]["value"]
        width = (dt.date.fromisoformat(hi) - dt.date.fromisoformat(lo)).days
        if e not in best or (width, lo) < ((dt.date.fromisoformat(best[e][1]) - dt.date.fromisoformat(best[e][0])).days, best[e][0]):
            best[e] = (lo, hi)
    return best


@pytest.mark.parametrize("qid", ["timeline", "escalation-curve"])
def test_time_views_have_one_item_per_event_with_its_span(client: FlaskClient, qid: str) -> None:
    expected = _events(answer(client, qid))
    data = view(client, qid, "timeline")
    assert {e["iri"]: (e["earliest"], e["latest"]) for e in data["events"]} == expected
    assert all(e["span"] == (e["earliest"] != e["latest"]) for e in data["events"])
    assert data["extent"] == [min(lo for lo, _ in expected.values()), max(hi for _, hi in expected.values())]
    lo, hi = data["focus"]
    assert data["extent"][0] <= lo < hi <= data["extent"][1] or not expected


def test_escalation_curve_scores_each_event(client: FlaskClient) -> None:
    rows = answer(client, "escalation-curve")
    scores = {r["event"]["value"]: float(r["goldstein"]["value"]) for r in rows}
    data = view(client, "escalation-curve", "curve")
    assert {e["iri"]: e["goldstein"] for e in data["events"]} == scores


@pytest.mark.no_seeds
def test_focus_is_the_densest_run_of_days() -> None:
    def ev(lo: str, hi: str | None = None) -> dict[str, Any]:
        return {"earliest": lo, "latest": hi or lo, "span": hi is not None and hi != lo}
    events = [ev("2019-09-14"), ev("2020-01-03"), ev("2020-01-08"), ev("2020-03-11"), ev("2013-01-01", "2013-12-31")]
    assert focus(events) == ("2020-01-01", "2020-01-10")  # the 3-8 January pair, padded by two days
    assert focus([ev("2020-01-05"), ev("2020-01-05"), ev("2020-02-01")]) == ("2020-01-02", "2020-01-08")  # at least a week
    assert focus([ev("2013-01-01", "2013-12-31")]) == ("2012-12-30", "2014-01-02")  # no day: the spans
    assert focus([]) is None


@pytest.mark.parametrize("qid", ["timeline", "escalation-curve"])
def test_focus_on_the_seeds_is_the_shortest_window_holding_half_the_days(client: FlaskClient, qid: str) -> None:
    import datetime as dt

    data = view(client, qid, "timeline")
    days = sorted(dt.date.fromisoformat(e["earliest"]) for e in data["events"] if not e["span"])
    if not days:
        pytest.skip("no event of this answer is dated to the day")
    lo, hi = (dt.date.fromisoformat(d) for d in data["focus"])
    half = (len(days) + 1) // 2
    assert sum(lo <= d <= hi for d in days) >= half
    shortest = min((days[i + half - 1] - days[i]).days for i in range(len(days) - half + 1))
    assert (hi - lo).days <= max(shortest + 4, 6)  # padded by two days each side, at least a week


def test_chart_has_a_bar_per_number_of_each_row(client: FlaskClient) -> None:
    rows = answer(client, "stance-balance")
    data = view(client, "stance-balance", "chart")
    numeric = [v for v in ("favor", "against", "neither", "stances", "articles")]
    assert data["series"] == numeric
    assert [g["label"] for g in data["groups"]] == [r["label"]["value"] for r in rows]
    assert [g["values"] for g in data["groups"]] == [{s: float(r[s]["value"]) for s in numeric if s in r} for r in rows]


def test_graph_nodes_and_edges_are_the_answers_links(client: FlaskClient) -> None:
    resp = client.get("/queries/event-graph", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=resp.get_data(as_text=True), format="turtle")
    links = {(str(s), str(o)) for s, p, o in g if isinstance(s, URIRef) and isinstance(o, URIRef) and p != RDF.type
             and "#char=" not in str(s) and "#char=" not in str(o) and not str(p).endswith(("referenceContext", "#text", "/text"))}
    data = view(client, "event-graph", "graph")
    assert {(e["source"], e["target"]) for e in data["edges"]} == links
    assert {n["id"] for n in data["nodes"]} == {i for pair in links for i in pair}
    event = QUERIES["event-graph"].params[0].default
    assert any(n["id"].endswith(f"/{event}") and n["label"] and not n["label"].startswith("http") for n in data["nodes"])


def test_question_page_links_every_view_and_keeps_the_table(client: FlaskClient) -> None:
    html = client.get("/ui/questions/event-map").get_data(as_text=True)
    switch = html[html.index('class="view-switch"'):html.index("</nav>", html.index('class="view-switch"'))]
    assert re.findall(r'data-view="(\w+)"', switch) == ["map", "table"]
    assert 'aria-current="page" data-view="map"' in switch
    assert 'data-src="/ui/views/event-map.json?_view=map"' in html
    assert "/static/vendor/leaflet/dist/leaflet.js" in html and "/static/views/views.js" in html
    assert html.count("<tr>") - 1 >= len({(r["event"]["value"], r["place"]["value"]) for r in answer(client, "event-map")}) > 0
    # another view by a GET link, with the question's parameters kept
    html = client.get("/ui/questions/places-in-country?country=iran&_view=chart").get_data(as_text=True)
    assert 'data-src="/ui/views/places-in-country.json?_view=chart&amp;country=iran"' in html
    assert "leaflet.js" not in html and "/static/vendor/d3/dist/d3.min.js" in html
    # a table-only question has no switch
    assert 'class="view-switch"' not in client.get("/ui/questions/articles").get_data(as_text=True)


def test_view_data_follows_the_parameters(client: FlaskClient) -> None:
    for country in ("iraq", "iran"):
        rows = answer(client, "places-in-country", f"?country={country}")
        points = view(client, "places-in-country", "map", f"?country={country}")["points"]
        assert {p["iri"] for p in points} == {r["place"]["value"] for r in rows if "lat" in r}


def test_bad_view_requests_say_what_to_do(client: FlaskClient) -> None:
    resp = client.get("/ui/views/event-map.json?_view=pie")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "saved question 'event-map' has no view 'pie'; its answer can be drawn as: map"
    resp = client.get("/ui/views/articles.json")
    assert resp.status_code == 400 and "table only" in resp.get_json()["error"]
    resp = client.get("/ui/views/places-in-country.json?country=atlantis")
    assert resp.status_code == 400 and "atlantis" in resp.get_json()["error"]
    resp = client.get("/ui/views/no-such-question.json")
    assert resp.status_code == 404 and resp.get_json()["ok"] is False


def test_editor_offers_the_views_of_a_typed_querys_columns(client: FlaskClient) -> None:
    """A query typed in the editor gets the views its answer's columns allow (dates: the timeline),
    each by a GET link to the editor, with its data at /ui/sparql/view.json for the same text; the
    table stays the default and the page's Content-Security-Policy is the service's."""
    text = "SELECT ?event ?earliest ?latest WHERE { ?event a ckg:Event ; ckg:earliestDate ?earliest ; ckg:latestDate ?latest }"
    rows = client.get("/sparql", query_string={"query": text}, headers={"Accept": "application/sparql-results+json"}).get_json()
    events = {r["event"]["value"] for r in rows["results"]["bindings"]}
    assert events
    html = client.get("/ui/sparql", query_string={"query": text}).get_data(as_text=True)
    switch = html[html.index('class="view-switch"'):html.index("</nav>", html.index('class="view-switch"'))]
    assert re.findall(r'data-view="(\w+)"', switch) == ["table", "timeline"]
    assert 'aria-current="page" data-view="table"' in switch and 'id="view"' not in html
    resp = client.get("/ui/sparql", query_string={"query": text, "_view": "timeline"})
    html = resp.get_data(as_text=True)
    src = re.search(r'data-src="([^"]+)"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert src.startswith("/ui/sparql/view.json?") and "/static/vendor/d3/dist/d3.min.js" in html
    assert resp.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    data = client.get(src).get_json()
    assert data["ok"] and data["view"] == "timeline" and {e["iri"] for e in data["events"]} == events
    resp = client.get("/ui/sparql/view.json", query_string={"query": text, "_view": "map"})
    assert resp.status_code == 400 and resp.get_json()["error"] == "this query has no view 'map'; its answer can be drawn as: timeline"
    assert client.get("/ui/sparql/view.json").status_code == 400


def test_bundled_libraries_are_served_from_this_host(client: FlaskClient) -> None:
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    assert {lib.name: lib.version for lib in vendor.LIBRARIES} == pinned
    for lib in vendor.LIBRARIES:
        assert lock[f"node_modules/{lib.name}"]["version"] == lib.version
        assert lib.licence.split()[0] in lock[f"node_modules/{lib.name}"]["license"], lib.name
        for f in lib.files:
            resp = client.get(f"/static/vendor/{lib.name}/{f}")
            assert resp.status_code == 200 and resp.data, f"/static/vendor/{lib.name}/{f}"
            resp.close()
    assert vendor.bundled()
    csp = client.get("/ui/questions/event-map").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and SECURITY_HEADERS["Content-Security-Policy"] == csp


@pytest.mark.no_seeds
def test_readme_lists_every_bundled_library_and_view() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for lib in vendor.LIBRARIES:
        assert re.search(rf"\| `{re.escape(lib.name)}` \| {re.escape(lib.version)} \| {re.escape(lib.licence)} \|", readme), lib.name
    for qid in DRAWN:
        assert f"/ui/questions/{qid}" in readme, qid
