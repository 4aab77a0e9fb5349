"""The analysts' web UI (service/ui.py), page by page, with the Flask test client on the fixture
corpus (tests/fixtures/mini) and a few saved questions written for it."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crisiskg.store import Store

MINI_QUERIES = {
    "mini-stances": """#+ summary: Stances on a proposition
#+ description: Who holds which stance on the proposition, with the quote.
#+ tags: [stances]
#+ params:
#+   - name: proposition
#+     type: iri
#+     class: ckg:Proposition
#+     default: us-retaliation
#+     description: the proposition
#+   - name: polarity
#+     type: enum
#+     choices: {favor: ckg:Favor, against: ckg:Against}
#+     required: false
#+     description: only this polarity
SELECT ?stance ?holder ?span ?quote WHERE {
  ?stance ckg:proposition ?proposition ; ckg:holder ?holder ; ckg:polarity ?polarity ; ckg:evidence ?span .
  ?span nif:anchorOf ?quote .
}
""",
    "mini-attacks": """#+ summary: Attacks since a date
#+ description: Attacks on or after the date, with their place.
#+ tags: [events]
#+ view: timeline
#+ params:
#+   - name: since
#+     type: date
#+     default: 2020-01-01
#+     description: the first day
#+   - name: place
#+     type: iri
#+     class: ckg:Place
#+     required: false
#+     description: where
SELECT ?event ?date ?place WHERE {
  ?event a ckg:Attack ; sem:hasTimeStamp ?date ; sem:hasPlace ?place .
  FILTER(?date >= ?since)
}
""",
    "mini-places": """#+ summary: Places with coordinates
#+ description: Every place that has a point.
#+ tags: [places]
#+ view: map
#+ params:
#+   - name: limit
#+     type: integer
#+     default: 10
#+     min: 1
#+     max: 100
#+     description: at most this many
SELECT ?place WHERE { ?place geo:hasGeometry ?g . BIND(?limit AS ?n) }
""",
    "mini-graph": """#+ summary: Who backs whom
#+ description: The backedBy links, as a graph.
#+ tags: [actors]
CONSTRUCT { ?a ckg:backedBy ?b } WHERE { ?a ckg:backedBy ?b }
""",
}


def make_app(store: Store, queries_dir: Path | None) -> Flask:
    """The project's app factory if it exists, else a bare app holding the store, with the UI."""
    try:
        from service import create_app  # type: ignore[attr-defined]
    except ImportError:
        create_app = None
    if create_app is not None:
        app = create_app({"store": store, "queries_dir": queries_dir})
        if "ui" not in app.blueprints:
            from service.ui import bp
            app.register_blueprint(bp)
    else:
        from service.ui import bp
        app = Flask("crisiskg-ui-test")
        app.extensions["crisiskg"] = store
        app.config["QUERIES_DIR"] = queries_dir
        app.register_blueprint(bp)
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="module")
def mini_queries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mini-queries")
    for qid, text in MINI_QUERIES.items():
        (folder / f"{qid}.rq").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(mini_store: Store, mini_queries: Path) -> FlaskClient:
    return make_app(mini_store, mini_queries).test_client()


class _Checker(HTMLParser):
    """Collects ids, links and nesting errors; every <input>/<select>/<textarea> must have a label."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "circle", "rect", "line", "path"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and "a" in self.stack:
            self.errors.append("nested <a>")
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a.get("id") or "")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_page(html: str) -> _Checker:
    """Parse a page; it must nest, have unique ids, one h1, labelled controls and no remote resources."""
    c = _Checker()
    c.feed(html)
    assert not c.errors, c.errors[:5]
    assert not c.stack, c.stack
    assert len(c.ids) == len(set(c.ids)), [i for i in c.ids if c.ids.count(i) > 1][:5]
    assert html.count("<h1") == 1
    unlabelled = [i for i in c.controls if i not in c.labels]
    assert not unlabelled, unlabelled
    assert not re.search(r'(src|href)="(https?:)?//(?!w3id\.org|www\.wikidata\.org|sws\.geonames\.org)', html), "remote resource"
    assert "<script" not in html
    return c


def get(client: FlaskClient, url: str, status: int = 200) -> tuple[str, _Checker]:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:500])
    html = resp.get_data(as_text=True)
    return html, check_page(html)


# ------------------------------------------------------------------------------ home and search


def test_home_shows_counts_validation_questions_and_search(client: FlaskClient, mini_store: Store) -> None:
    html, page = get(client, "/ui/")
    counts = mini_store.release.manifest["counts"]
    for name in ("articles", "entities", "events", "stances"):
        assert re.search(rf"<dt>{name}</dt><dd>{counts[name]}</dd>", html)
    assert "conforms" in html and mini_store.version in html
    assert 'role="search"' in html and 'id="home-search"' in html
    for tag in ("stances", "events", "places", "actors"):
        assert f"<h3>{tag}</h3>" in html
    assert "/ui/questions/mini-stances" in page.links
    assert "/ui/article/100" in page.links


def test_css_is_local_and_served(client: FlaskClient) -> None:
    with client.get("/ui/static/ui.css") as resp:
        assert resp.status_code == 200 and "text/css" in resp.content_type
        css = resp.get_data(as_text=True)
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


@pytest.mark.parametrize("text", ["Roe", "jane roe", "Jane Roe"])
def test_search_an_alias_goes_to_the_entity(client: FlaskClient, text: str) -> None:
    resp = client.get("/ui/search", query_string={"q": text})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/ui/id/entity/jane-roe")


def test_search_lists_partial_matches(client: FlaskClient) -> None:
    html, page = get(client, "/ui/search?q=camp")
    assert "/ui/id/entity/camp-alpha" in page.links and "/ui/id/event/camp-alpha-attack" in page.links
    html, _ = get(client, "/ui/search?q=zzzz")
    assert "0 matches" in html


# ------------------------------------------------------------------------------ resource pages


def test_entity_page(client: FlaskClient) -> None:
    html, page = get(client, "/ui/id/entity/jane-roe")
    assert "<h1>Jane Roe</h1>" in html
    assert "Roe" in html and "Also written" in html
    assert "Roles and affiliations" in html and "analyst" in html
    assert "Stances" in html and "against" in html
    # every mention with its sentence, the mention marked, linked to its place in the article
    assert html.count("<mark>") >= 2
    assert any(l.startswith("/ui/article/100?hl=") for l in page.links)
    # the questions that take it as a parameter: none (no question takes a Person)
    assert "Questions about it" not in html


def test_inferred_facts_are_marked(client: FlaskClient) -> None:
    html, _ = get(client, "/ui/id/entity/camp-alpha")
    inferred = html[html.index('id="inferred"'):]
    assert "inferred" in inferred and "Northland" in inferred  # locatedIn is transitive: Camp Alpha in Northland
    asserted = html[html.index('id="facts"'):html.index('id="inferred"')]
    assert "Riverton" in asserted and "Northland" not in asserted
    assert "Questions about it" in html and "/ui/questions/mini-attacks?place=camp-alpha" in html


def test_event_page_has_evidence_and_participants(client: FlaskClient) -> None:
    html, page = get(client, "/ui/id/event/camp-alpha-attack")
    assert "Rocket attack on Camp Alpha" in html
    assert "On Tuesday, rockets struck Camp Alpha" in html
    assert "/ui/id/entity/red-militia" in page.links and "/ui/id/entity/camp-alpha" in page.links
    assert "killed: 2 (exact)" in html


def test_unknown_resource_is_404(client: FlaskClient) -> None:
    html, _ = get(client, "/ui/id/entity/no-such-thing", 404)
    assert "not in this build" in html


def test_render_entity_is_callable_from_other_blueprints(mini_store: Store, mini_queries: Path) -> None:
    from service.ui import render_entity

    app = make_app(mini_store, mini_queries)
    with app.test_request_context("/id/entity/jane-roe"):
        resp = render_entity("https://w3id.org/crisiskg/id/entity/jane-roe")
    assert resp.status_code == 200 and "Jane Roe" in resp.get_data(as_text=True)


# ------------------------------------------------------------------------------ article reader


def test_article_reader_highlights_every_kind(client: FlaskClient, mini_store: Store) -> None:
    html, page = get(client, "/ui/article/100")
    for kind in ("k-mention", "k-event", "k-stance", "k-claim", "k-role", "k-headline", "k-furniture"):
        assert kind in html, kind
    assert "/ui/id/entity/jane-roe" in page.links and "/ui/id/event/camp-alpha-attack" in page.links
    assert "/ui/id/stance/roe-against-retaliation" in page.links
    # the text is there verbatim once the markers are left out
    text = mini_store.query("SELECT ?t WHERE { ?c nif:isString ?t }").rows[0]["t"]
    body = html[html.index('<article class="text"'):html.index("</article>")]
    plain = re.sub(r'<a class="marker[^>]*>[ESCR]</a>', "", body)
    plain = re.sub(r"<[^>]+>", "", plain[plain.index(">") + 1:])
    import html as html_lib
    assert html_lib.unescape(plain) == str(text)
    assert "SHA-256" in html and "Provenance" in html


def test_article_reader_marks_the_quoted_place(client: FlaskClient) -> None:
    text_start = "On Tuesday, rockets struck"
    html, page = get(client, "/ui/article/100")
    m = re.search(r'id="char=(\d+),(\d+)"[^>]*>(?:<a class="marker[^>]*>E</a>)?' + text_start, html)
    assert m, "event span with its id"
    b, e = m.group(1), m.group(2)
    html, page = get(client, f"/ui/article/100?hl={b},{e}")
    assert re.search(rf'class="[^"]*target[^"]*" id="char={b},{e}"', html)
    assert "Highlighted: characters" in html
    # an offset pair that no annotation has gets its own highlighted element
    html, _ = get(client, "/ui/article/100?hl=1,5")
    assert 'id="char=1,5"' in html and "target" in html


def test_unknown_article_is_404(client: FlaskClient) -> None:
    get(client, "/ui/article/999", 404)


# ------------------------------------------------------------------------------ timeline and disagreements


def test_timeline_svg_drawn_on_the_server(client: FlaskClient) -> None:
    html, page = get(client, "/ui/timeline")
    assert "<svg" in html and "Rocket attack on Camp Alpha" in html
    assert "2020-03-10" in html and "Goldstein -10" in html
    assert "/ui/id/event/camp-alpha-attack" in page.links
    assert "/ui/article/100" in page.links


def test_disagreements_page(client: FlaskClient) -> None:
    html, _ = get(client, "/ui/disagreements")
    assert "Where the sources disagree" in html
    for title in ("Casualty counts", "Dates", "Claims", "Opposite stances"):
        assert title in html


# ------------------------------------------------------------------------------ saved questions


def test_question_form_is_built_from_typed_params(client: FlaskClient) -> None:
    html, page = get(client, "/ui/questions/mini-attacks")
    assert 'type="date"' in html and 'value="2020-01-01"' in html
    # an entity picker restricted to the class: places only
    select = html[html.index('id="p-place"'):html.index("</select>", html.index('id="p-place"'))]
    assert "Camp Alpha" in select and "Riverton" in select and "Jane Roe" not in select
    assert "(any)" in select
    # default run: the timeline view and the rows
    assert "<svg" in html and "Rocket attack on Camp Alpha" in html
    html, _ = get(client, "/ui/questions/mini-places")
    assert 'type="number"' in html and 'min="1"' in html and 'max="100"' in html
    assert "Riverton" in html and '<svg' in html  # map view


def test_question_enum_dropdown_and_results_link_quotes(client: FlaskClient) -> None:
    html, page = get(client, "/ui/questions/mini-stances?polarity=against")
    assert re.search(r'<option value="against" selected>', html)
    assert "/ui/id/stance/roe-against-retaliation" in page.links
    assert "/ui/id/entity/jane-roe" in page.links
    quote_links = [l for l in page.links if l.startswith("/ui/article/100?hl=")]
    assert quote_links and all("#char=" in l for l in quote_links)
    html, _ = get(client, "/ui/questions/mini-stances?polarity=favor")
    assert "0 rows" in html


def test_question_bad_parameter_is_shown(client: FlaskClient) -> None:
    html, _ = get(client, "/ui/questions/mini-attacks?since=yesterday", 400)
    assert "is not a date" in html and 'role="alert"' in html
    html, _ = get(client, "/ui/questions/mini-attacks?place=atlantis", 400)
    assert "atlantis" in html


def test_question_downloads(client: FlaskClient) -> None:
    html, page = get(client, "/ui/questions/mini-stances")
    for fmt in ("csv", "tsv", "json"):
        assert any(f"_format={fmt}" in l for l in page.links)
    csv = client.get("/ui/questions/mini-stances/download?_format=csv")
    assert csv.status_code == 200 and csv.content_type.startswith("text/csv")
    assert csv.get_data(as_text=True).splitlines()[0] == "stance,holder,span,quote"
    data = json.loads(client.get("/ui/questions/mini-stances/download?_format=json&polarity=against").get_data())
    assert len(data["results"]["bindings"]) == 1
    assert client.get("/ui/questions/mini-stances/download?_format=xls").status_code == 400


def test_construct_question_shows_turtle(client: FlaskClient) -> None:
    html, _ = get(client, "/ui/questions/mini-graph")
    assert "backedBy" in html and 'class="turtle"' in html
    resp = client.get("/ui/questions/mini-graph/download?_format=ttl")
    assert resp.status_code == 200 and b"backedBy" in resp.data


def test_question_sparql_opens_in_editor(client: FlaskClient) -> None:
    html, page = get(client, "/ui/questions/mini-stances?polarity=against")
    assert "SELECT ?stance ?holder" in html
    link = next(l for l in page.links if l.startswith("/ui/sparql?_example=mini-stances"))
    html, _ = get(client, link.replace("&amp;", "&"))
    assert "VALUES ?proposition" in html and "VALUES ?polarity" in html


def test_unknown_question_is_404(client: FlaskClient) -> None:
    html, _ = get(client, "/ui/questions/no-such", 404)
    assert "mini-stances" in html


# ------------------------------------------------------------------------------ editor


def test_editor_runs_select_with_project_prefixes(client: FlaskClient) -> None:
    resp = client.post("/ui/sparql", data={"query": "SELECT ?e WHERE { ?e a ckg:RocketAttack }"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    check_page(html)
    assert "/ui/id/event/camp-alpha-attack" in html and "1 row" in html
    assert "ckg:" in html and "mini-stances" in html  # prefixes and examples listed


def test_editor_construct_as_turtle_and_ask(client: FlaskClient) -> None:
    html = client.post("/ui/sparql", data={"query": "CONSTRUCT { ?a ckg:backedBy ?b } WHERE { ?a ckg:backedBy ?b }"}).get_data(as_text=True)
    assert 'class="turtle"' in html and "backedBy" in html
    html = client.get("/ui/sparql", query_string={"query": "ASK { ?s a ckg:Militia }"}).get_data(as_text=True)
    assert "<strong>Yes</strong>" in html


def test_editor_error_shown_at_its_line(client: FlaskClient) -> None:
    resp = client.post("/ui/sparql", data={"query": "SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s nope:thing ?o .\n}\n"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    check_page(html)
    assert "Line 3:" in html
    assert re.search(r'<li class="error-line" aria-current="true"><code>  \?s nope:thing \?o \.</code>', html)


def test_editor_refuses_updates(client: FlaskClient) -> None:
    resp = client.post("/ui/sparql", data={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert resp.status_code == 400


def test_pages_are_small(client: FlaskClient) -> None:
    for url in ("/ui/", "/ui/id/entity/jane-roe", "/ui/article/100", "/ui/timeline", "/ui/questions/mini-stances"):
        assert len(client.get(url).data) < 100_000, url

