"""The saved questions' views drawn in a real browser (headless Chromium) against a real
``crisiskg serve`` on the seed build: per view, what is drawn matches the question's answer (read
from the SPARQL protocol of the same server), nothing goes to the console as an error, no request
leaves 127.0.0.1 (the ``page`` fixture fails the test otherwise), and with JavaScript off the page
still answers with its table. The same map view draws each place's point on its page. Screenshots go
to tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from crisiskg.query.savedqueries import load_queries
from crisiskg.vocab import ID

QUERY_EVENT = load_queries()["event-graph"].params[0].default or ""  # the event event-graph shows by default


def fetch(server: str, path: str, accept: str) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(server + path, headers={"Accept": accept}), timeout=30) as r:
        return r.read()


def answer(server: str, qid: str, query: str = "") -> list[dict[str, Any]]:
    """The question's answer, as SPARQL JSON bindings from the server's protocol surface."""
    return json.loads(fetch(server, f"/queries/{qid}{query}", "application/sparql-results+json"))["results"]["bindings"]


@pytest.fixture
def drawn(page: Any) -> Iterator[Any]:
    """``page`` that records console errors and uncaught exceptions: none may be left at the end."""
    errors: list[str] = []

    def console(msg: Any) -> None:
        # Chromium asks for /favicon.ico on its own: not a request of the page
        if msg.type == "error" and not (msg.location or {}).get("url", "").endswith("/favicon.ico"):
            errors.append(msg.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors, errors


def show(page: Any, artifacts: Path, path: str, name: str) -> None:
    """Open ``path``, wait until its view is drawn, and save a screenshot of the view."""
    page.goto(path)
    page.wait_for_selector("#view[data-drawn]", state="attached", timeout=20000)
    page.locator("#view").scroll_into_view_if_needed()
    page.locator("#view").screenshot(path=str(artifacts / f"views-{name}.png"))


def test_map_draws_one_marker_per_place_on_the_basemap(drawn: Any, artifacts: Path, server: str) -> None:
    rows = answer(server, "event-map")
    places = {r["place"]["value"] for r in rows if "lat" in r}
    show(drawn, artifacts, "/ui/questions/event-map", "map")
    state = drawn.evaluate("""() => { const v = window.crisiskgView;
        return {markers: v.group.getLayers().map((m) => m.options.crisiskg.iri), countries: Object.keys(v.countries).length,
                bounds: v.map.getBounds().toBBoxString()}; }""")
    assert sorted(state["markers"]) == sorted(places)
    assert state["countries"] > 150  # the Natural Earth outlines are there
    # every place is on screen, as a marker of its own or in a cluster that counts it
    shown = drawn.locator(".view-pin").count() + sum(int(t) for t in drawn.locator(".marker-cluster span").all_inner_texts())
    assert shown == len(places)
    west, south, east, north = map(float, state["bounds"].split(","))
    for r in rows:
        lat, lon = float(r["lat"]["value"]), float(r["long"]["value"])
        assert west <= lon <= east and south <= lat <= north, r["placeLabel"]["value"]
    assert drawn.locator(".leaflet-tooltip.view-label").count() == drawn.locator(".view-pin").count()  # labelled
    assert drawn.locator("path.leaflet-interactive").count() > 150  # the country outlines, drawn


@pytest.mark.parametrize("country,outline", [("iraq", "Iraq"), ("iran", "Iran")])
def test_map_markers_fall_inside_their_countrys_outline(drawn: Any, artifacts: Path, server: str, country: str, outline: str) -> None:
    """The places the graph puts in a country (places-in-country) are drawn inside that country's
    outline on the basemap, and outside the other's."""
    rows = answer(server, "places-in-country", f"?country={country}")
    places = {r["place"]["value"] for r in rows if "lat" in r}
    assert places
    show(drawn, artifacts, f"/ui/questions/places-in-country?country={country}", f"map-{country}")
    inside = drawn.evaluate("""([name, other]) => { const v = window.crisiskgView;
        return v.group.getLayers().map((m) => { const p = m.getLatLng();
          return [m.options.crisiskg.iri, d3.geoContains(v.countries[name], [p.lng, p.lat]),
                  d3.geoContains(v.countries[other], [p.lng, p.lat])]; }); }""", [outline, "Iran" if outline == "Iraq" else "Iraq"])
    assert {iri for iri, _, _ in inside} == places
    assert all(here and not there for _, here, there in inside), inside


def texts(locator: Any) -> list[str]:
    """The text of each element (SVG text has no innerText)."""
    return locator.evaluate_all("(es) => es.map((e) => e.textContent)")


def _events(rows: list[dict[str, Any]]) -> set[str]:
    return {r["event"]["value"] for r in rows if "earliest" in r and "latest" in r}


def _ticks(page: Any) -> list[dt.date]:
    """The days of the time axis's ticks, in order; no two ticks carry the same label (the labels
    name days: a tick every 12 hours labelled each day twice)."""
    ticks = page.locator("#view .view-axis:not(.view-y) .tick").evaluate_all(
        "(ts) => ts.map((t) => [t.dataset.date, t.textContent])")
    labels = [label for _, label in ticks]
    assert len(set(labels)) == len(labels), labels
    return [dt.date.fromisoformat(d) for d, _ in ticks]


def _crisis_days(page: Any, server: str, qid: str) -> list[dt.date]:
    """The days a time view opens on: its data's ``focus`` (first to last day), as served to the
    page. The axis gives each a tick when they fit, one per 90 px of the drawing (else fewer)."""
    focus = json.loads(fetch(server, f"/ui/views/{qid}.json", "application/json"))["focus"]
    first, last = (dt.date.fromisoformat(d) for d in focus)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    width = float(page.locator("#view svg.view-svg").first.get_attribute("width"))
    assert len(days) <= max(4, int(width // 90)), (len(days), width)  # else the axis thins them out
    return days


def test_timeline_opens_on_the_crisis_days_and_zooms_out(drawn: Any, artifacts: Path, server: str) -> None:
    rows = answer(server, "timeline")
    events = _events(rows)
    show(drawn, artifacts, "/ui/questions/timeline", "timeline")
    assert drawn.locator("#view a.view-event").count() == len(events)
    spans = {r["event"]["value"] for r in rows if r["earliest"]["value"] != r["latest"]["value"]}
    assert drawn.locator("#view a.view-span").count() <= len(spans)  # drawn at their narrowest date
    days = sorted(dt.date.fromisoformat(r["earliest"]["value"]) for r in rows if r["earliest"]["value"] == r["latest"]["value"])
    ticks = _ticks(drawn)
    assert ticks == _crisis_days(drawn, server, "timeline")  # a tick per day shown, each day once
    # a true time scale over the crisis days: ticks at most two weeks apart, all among the days events are dated to
    assert len(ticks) >= 5 and all(b - a <= dt.timedelta(days=14) for a, b in itertools.pairwise(ticks))
    assert days[0] - dt.timedelta(days=3) <= ticks[0] and ticks[-1] <= days[-1] + dt.timedelta(days=3)
    labels = texts(drawn.locator("#view a.view-event text"))
    assert all(labels) and len(labels) == len(events)
    # it opens on the densest days: a window holding half the events dated to the day, little wider than the shortest such
    lo, hi = (dt.date.fromisoformat(d) for d in drawn.evaluate("() => window.crisiskgView.x().domain().map((d) => d.toISOString().slice(0, 10))"))
    half = (len(days) + 1) // 2
    shortest = min((days[i + half - 1] - days[i]).days for i in range(len(days) - half + 1))
    assert sum(lo <= d <= hi for d in days) >= half and (hi - lo).days <= max(shortest + 5, 7)
    drawn.get_by_role("button", name="All dates").click()
    drawn.wait_for_timeout(300)
    lo, hi = drawn.evaluate("() => window.crisiskgView.x().domain().map((d) => d.toISOString().slice(0, 10))")
    assert lo <= min(r["earliest"]["value"] for r in rows) and hi > max(r["latest"]["value"] for r in rows)
    assert _ticks(drawn)[0].year < ticks[0].year  # the years before the crisis are reached


def test_escalation_curve_has_a_point_per_scored_event(drawn: Any, artifacts: Path, server: str) -> None:
    rows = answer(server, "escalation-curve")
    scored = {r["event"]["value"] for r in rows if "goldstein" in r}
    show(drawn, artifacts, "/ui/questions/escalation-curve", "curve")
    assert drawn.locator("#view a.view-point").count() == len(scored)
    assert drawn.locator("#view path.view-line").get_attribute("d")
    conflict = {r["event"]["value"] for r in rows if float(r["goldstein"]["value"]) < 0}
    assert drawn.locator("#view circle.conflict").count() == len(conflict)
    assert drawn.locator("#view .view-y .tick").count() == 5  # -10, -5, 0, 5, 10
    assert _ticks(drawn) == _crisis_days(drawn, server, "escalation-curve")  # a tick per day shown, each day once


def test_chart_has_a_category_per_row_and_a_bar_per_count(drawn: Any, artifacts: Path, server: str) -> None:
    rows = answer(server, "stance-balance")
    show(drawn, artifacts, "/ui/questions/stance-balance", "chart")
    assert drawn.locator("#view .view-categories .tick").count() == len(rows)
    counts = ("favor", "against", "neither", "stances", "articles")
    assert drawn.locator("#view rect.view-bar").count() == sum(1 for r in rows for c in counts if c in r)


def test_event_graph_draws_labelled_nodes_and_edges(drawn: Any, artifacts: Path, server: str) -> None:
    g = Graph().parse(data=fetch(server, "/queries/event-graph", "text/turtle").decode("utf-8"), format="turtle")
    pairs = {(str(s), str(o)) for s, p, o in g if isinstance(s, URIRef) and isinstance(o, URIRef) and p != RDF.type
             and "#char=" not in str(s) and "#char=" not in str(o) and not str(p).endswith(("referenceContext", "#text", "/text"))}
    show(drawn, artifacts, "/ui/questions/event-graph", "graph")
    assert drawn.locator("#view a.view-node").count() == len({i for pair in pairs for i in pair})
    assert drawn.locator("#view g.view-edge").count() == len(pairs)
    labels = texts(drawn.locator("#view a.view-node text"))
    assert all(labels) and not any(t.startswith("http") for t in labels)
    assert all(texts(drawn.locator("#view g.view-edge text")))


def _shown_labels(page: Any) -> int:
    return int(page.locator("#view g.view-edge text").evaluate_all("(es) => es.filter((e) => getComputedStyle(e).display !== 'none').length"))


def _scale(page: Any) -> float:
    transform = page.locator("#view svg > g").first.get_attribute("transform") or ""
    found = re.search(r"scale\(([0-9.e-]+)\)", transform)
    return float(found.group(1)) if found else 1.0


def test_a_busy_event_graph_shows_link_labels_on_demand(drawn: Any, artifacts: Path, server: str) -> None:
    """More than 12 links: no link label at first; pointing at a node shows its own links' labels
    and dims the rest; zooming in (which starts from the fitted view) shows every label."""
    show(drawn, artifacts, "/ui/questions/event-graph", "graph-focus")
    data = drawn.evaluate("() => window.crisiskgView.data")
    edges = data["edges"]
    if len(edges) <= 12:  # a small graph keeps every label
        assert _shown_labels(drawn) == len(edges)
        return
    assert _shown_labels(drawn) == 0
    degree = {n["id"]: sum(1 for e in edges if n["id"] in (e["source"], e["target"])) for n in data["nodes"]}
    hub = max(range(len(data["nodes"])), key=lambda i: degree[data["nodes"][i]["id"]])
    drawn.locator("#view a.view-node").nth(hub).hover()
    assert _shown_labels(drawn) == degree[data["nodes"][hub]["id"]]
    dimmed = drawn.locator("#view g.view-edge").evaluate_all("(es) => es.filter((e) => getComputedStyle(e).opacity < 1).length")
    assert dimmed == len(edges) - degree[data["nodes"][hub]["id"]]
    drawn.locator("#view .view-tools").hover()
    assert _shown_labels(drawn) == 0
    box = drawn.locator("#view svg").bounding_box()
    drawn.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    fitted = _scale(drawn)
    drawn.mouse.wheel(0, -250)  # d3: a wheel step of 250 pixels zooms by 2 ** (250 * 0.002), about 1.41x
    drawn.wait_for_timeout(300)
    assert 1.3 < _scale(drawn) / fitted < 1.55, (fitted, _scale(drawn))  # from the fitted view, not from scale 1
    for _ in range(5):
        if _scale(drawn) >= 1.6:
            break
        drawn.mouse.wheel(0, -250)
        drawn.wait_for_timeout(300)
    assert _shown_labels(drawn) == len(edges)


@pytest.mark.parametrize("path,qid,query", [
    ("/ui/questions/event-map", "event-map", ""),
    ("/ui/questions/timeline", "timeline", ""),
    ("/ui/questions/escalation-curve", "escalation-curve", ""),
    ("/ui/questions/stance-balance", "stance-balance", ""),
    ("/ui/questions/places-in-country?country=iran&_view=chart", "places-in-country", "?country=iran"),
])
def test_views_pages_answer_without_javascript(static_page: Any, server: str, path: str, qid: str, query: str) -> None:
    rows = answer(server, qid, query)
    static_page.goto(path)
    assert static_page.locator("table.results tbody tr").count() == min(len(rows), 100)
    assert static_page.locator(".view-switch a").count() >= 2
    assert static_page.locator("#view[data-drawn]").count() == 0
    assert "without scripts the answer is in the table below" in static_page.locator("#view").inner_text()


def test_event_graph_answers_without_javascript(static_page: Any) -> None:
    static_page.goto("/ui/questions/event-graph")
    assert QUERY_EVENT and QUERY_EVENT in static_page.locator("pre.turtle").inner_text()
    assert static_page.locator(".view-switch a[data-view='graph']").count() == 1


def test_timeline_page_draws_the_events_it_lists(drawn: Any, artifacts: Path) -> None:
    """/ui/timeline: the zoomable timeline over the events of its table (the server's SVG stays for pages without scripts)."""
    show(drawn, artifacts, "/ui/timeline", "timeline-page")
    listed = drawn.locator("table.timeline-table tbody tr td:nth-child(2) a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    shown = drawn.locator("#view a.view-event").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    assert sorted(shown) == sorted(listed) and shown
    assert drawn.locator("figure.timeline-figure").is_hidden()


# ---------------------------------------------------------------- the small map on a place's page (service/place_map.py)
PLACES = ("PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
          "SELECT DISTINCT ?place ?wkt WHERE { ?place geo:hasGeometry/geo:asWKT ?wkt } ORDER BY ?place")


def places_with_points(server: str) -> dict[str, tuple[float, float]]:
    """Every place the build gives a WKT point, as ``{page path: (latitude, longitude)}``, asked of
    the server's SPARQL endpoint."""
    rows = json.loads(fetch(server, "/sparql?query=" + urllib.parse.quote(PLACES), "application/sparql-results+json"))
    found = {}
    for r in rows["results"]["bindings"]:
        lon, lat = map(float, re.findall(r"[-+\d.eE]+", r["wkt"]["value"].split("(", 1)[1]))
        found["/ui/id/" + r["place"]["value"].removeprefix(str(ID))] = (lat, lon)
    assert found, "the build has no place with a point"
    return found


def test_place_pages_show_their_point_on_the_basemap(drawn: Any, artifacts: Path, server: str) -> None:
    for path, (lat, lon) in places_with_points(server).items():
        show(drawn, artifacts, path, "place-" + path.rsplit("/", 1)[-1])
        state = drawn.evaluate("""() => { const v = window.crisiskgView;
            return {view: v.view, markers: v.markers.map((m) => [m.getLatLng().lat, m.getLatLng().lng]),
                    countries: Object.keys(v.countries).length, bounds: v.map.getBounds().toBBoxString()}; }""")
        assert state["view"] == "map" and state["markers"] == [[lat, lon]], path
        assert state["countries"] > 150, path  # the Natural Earth outlines are there
        west, south, east, north = map(float, state["bounds"].split(","))
        assert west <= lon <= east and south <= lat <= north, path
        pins = drawn.locator("#view .view-pin")
        assert pins.count() == 1, path
        pin, box = pins.bounding_box(), drawn.locator("#view").bounding_box()
        assert box["x"] <= pin["x"] and pin["x"] + pin["width"] <= box["x"] + box["width"], path
        assert box["y"] <= pin["y"] and pin["y"] + pin["height"] <= box["y"] + box["height"], path
        assert drawn.locator("#view path.leaflet-interactive").count() > 150, path  # the outlines, drawn


def test_place_pages_give_their_point_without_javascript(static_page: Any, server: str) -> None:
    for path, (lat, lon) in places_with_points(server).items():
        response = static_page.goto(path)
        assert response.status == 200, path
        coords = static_page.locator(".place-map .coords")
        assert coords.count() == 1, path
        assert (float(coords.get_attribute("data-lat")), float(coords.get_attribute("data-lon"))) == (lat, lon), path
        text = coords.inner_text()
        assert f"{abs(lat):.4f}° {'N' if lat >= 0 else 'S'}" in text and f"{abs(lon):.4f}° {'E' if lon >= 0 else 'W'}" in text, path
        assert static_page.locator("#view[data-drawn]").count() == 0
        assert "without scripts the point is given above" in static_page.locator("#view").inner_text()


# ---------------------------------------------------------------- views of a query typed in the editor (service/views.py)
TYPED = ("SELECT DISTINCT ?place ?label ?wkt WHERE {\n  ?event sem:hasPlace ?place .\n"
         "  ?place rdfs:label ?label ; geo:hasGeometry/geo:asWKT ?wkt .\n}")


def test_editor_switches_a_typed_query_to_its_map(drawn: Any, static_page: Any, artifacts: Path, server: str, set_query: Any) -> None:
    """A query typed in the editor whose answer has a ``wkt`` column gets the map in its view
    switch: one marker per place of its answer (read from the SPARQL protocol of the same server);
    with scripts off the same link shows the table."""
    body = json.loads(fetch(server, "/sparql?query=" + urllib.parse.quote(TYPED), "application/sparql-results+json"))
    rows = body["results"]["bindings"]
    places = {r["place"]["value"] for r in rows if "wkt" in r}
    assert places
    drawn.goto("/ui/sparql")
    set_query(drawn, TYPED)
    drawn.get_by_role("button", name="Run").click()
    drawn.locator(".view-switch a[data-view='map']").wait_for()  # the Run is a navigation: the new page's switch
    assert drawn.locator(".view-switch a[aria-current='page']").get_attribute("data-view") == "table"
    assert drawn.locator("table.results tbody tr").count() == len(rows)
    drawn.locator(".view-switch a[data-view='map']").click()
    drawn.wait_for_selector("#view[data-drawn]", state="attached", timeout=20000)
    drawn.locator("#view").screenshot(path=str(artifacts / "views-editor-map.png"))
    markers = drawn.evaluate("() => window.crisiskgView.group.getLayers().map((m) => m.options.crisiskg.iri)")
    assert sorted(markers) == sorted(places)
    shown = drawn.locator(".view-pin").count() + sum(int(t) for t in drawn.locator(".marker-cluster span").all_inner_texts())
    assert shown == len(places)
    assert drawn.locator("table.results tbody tr").count() == len(rows)  # the table stays under the map
    link = drawn.url
    assert "_view=map" in link and "query=" in link  # a GET URL: the drawn view has a link
    static_page.goto(link)
    assert static_page.locator("table.results tbody tr").count() == len(rows)
    assert static_page.locator("#view[data-drawn]").count() == 0
    assert "without scripts the answer is in the table below" in static_page.locator("#view").inner_text()
