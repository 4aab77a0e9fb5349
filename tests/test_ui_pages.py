"""The analysts' web UI (service/ui.py), page by page, with the Flask test client on the fixture
corpus (tests/fixtures/mini) and a few saved questions written for it; and, for dates as the text
gives them and counts that say who gives them (issue 15), on that corpus with two more articles
that date and count its attack otherwise (written below)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crisiskg.build.pipeline import build
from crisiskg.query.answers import keep_answers
from crisiskg.query.store import Store

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

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
#+ description: Attacks that may have happened on or after the date (by their last possible day), with their place.
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
  GRAPH ?g { ?event ckg:dateValue ?date ; ckg:latestDate ?latest }
  ?event a ckg:Attack ; sem:hasPlace ?place .
  FILTER(?latest >= ?since)
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
        from crisiskg.service import create_app  # type: ignore[attr-defined]
    except ImportError:
        create_app = None
    if create_app is not None:
        app = create_app({"store": store, "queries_dir": queries_dir})
        if "ui" not in app.blueprints:
            from crisiskg.service.ui import bp
            app.register_blueprint(bp)
    else:
        from crisiskg.service.ui import bp
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

    VOID = frozenset({"meta", "link", "input", "br", "img", "hr", "source", "circle", "rect", "line", "path"})

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
    # scripts only from this host, never inline (the Content-Security-Policy allows nothing else)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all(re.search(r'src="/[^/]', attrs) for attrs in scripts), scripts
    return c


def get(client: FlaskClient, url: str, status: int = 200) -> tuple[str, _Checker]:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:500])
    html = resp.get_data(as_text=True)
    return html, check_page(html)


def plain(html: str) -> str:
    """The text of an HTML fragment, spaces collapsed."""
    import html as html_lib
    spaced = re.sub(r"<br>|</(dt|dd|li|p|th|td)>", " ", html)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", spaced))).strip()


def table_rows(html: str, cls: str) -> list[list[str]]:
    """The text of each body cell of the first ``<table class="{cls}">``, row by row."""
    start = html.index(f'<table class="{cls}"')
    body = html[html.index("<tbody>", start):html.index("</tbody>", start)]
    return [[plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.DOTALL)] for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)]


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
    # its date as written, to the day, with how it was derived; its count with who gives it
    dates = html[html.index("<dt>Date</dt>"):html.index("</dl>")]
    assert "<time>2020-03-10</time>" in dates and "&#39;On Tuesday&#39; before publication" in dates
    row = table_rows(html, "counts")[0]
    assert row[:3] == ["killed soldiers", "2", "author of article 100"], row


def test_unknown_resource_is_404(client: FlaskClient) -> None:
    html, _ = get(client, "/ui/id/entity/no-such-thing", 404)
    assert "not in this build" in html


def test_render_entity_is_callable_from_other_blueprints(mini_store: Store, mini_queries: Path) -> None:
    from crisiskg.service.ui import render_entity

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
    plain = re.sub(r'<a class="marker[^>]*>[ESCRUA]</a>', "", body)
    plain = re.sub(r"<[^>]+>", "", plain[plain.index(">") + 1:])
    import html as html_lib
    assert html_lib.unescape(plain) == str(text)
    assert "SHA-256" in html and "Provenance" in html


def test_article_reader_marks_the_quoted_place(client: FlaskClient) -> None:
    text_start = "On Tuesday, rockets struck"
    html, _page = get(client, "/ui/article/100")
    m = re.search(r'id="char=(\d+),(\d+)"[^>]*>(?:<a class="marker[^>]*>E</a>)?' + text_start, html)
    assert m, "event span with its id"
    b, e = m.group(1), m.group(2)
    html, _page = get(client, f"/ui/article/100?hl={b},{e}")
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
    html, _page = get(client, "/ui/questions/mini-attacks")
    assert 'type="date"' in html and 'value="2020-01-01"' in html
    # a searchable entity picker (a text field with its choices) restricted to the class: places only
    picker = html[html.index('id="p-place"'):html.index("</datalist>", html.index('id="p-place"'))]
    assert 'list="c-place"' in picker and 'type="search"' in picker
    assert 'label="Camp Alpha"' in picker and 'label="Riverton"' in picker and "Jane Roe" not in picker
    assert 'value="camp-alpha"' in picker
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
    _html, page = get(client, "/ui/questions/mini-stances")
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
    assert re.search(r'<div class="explained"><p>[^<]*\bline 3, column 6: ', html)  # the explained position, once
    assert re.search(r'<li class="error-line" aria-current="true"><code>  \?s nope:thing \?o \.</code>', html)


def test_editor_refuses_updates(client: FlaskClient) -> None:
    resp = client.post("/ui/sparql", data={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert resp.status_code == 400


def test_pages_are_small(client: FlaskClient) -> None:
    for url in ("/ui/", "/ui/id/entity/jane-roe", "/ui/article/100", "/ui/timeline", "/ui/questions/mini-stances"):
        assert len(client.get(url).data) < 100_000, url



# ------------------------------------------------------------------------------ dates as given, counts with who gives them

# Two more articles about the fixture's attack: 101 (published some day from 11 to 13 March) dates it
# only to March, through an unnamed source, counts its rockets through that source and its dead through
# "officials"; it dates a threat only to February, a protest to February, and a stance of its own. 102
# dates the attack to February (it cannot also be 10 March, as 100 says), counts twelve rockets and dates
# the protest to 1 February (which February allows).
MORE_ARTICLES = {
    "101_more": ("""Militia threat came true

Last month the Red Militia warned that it would strike Camp Alpha. Crowds had protested in Riverton in February. \
In March, rockets hit Camp Alpha, one official said, and around 18 rockets were fired. According to officials, \
at least 3 soldiers were killed. In February, Roe urged restraint.
""", """article:
  text: 101_more.txt
  status: reviewed
  title: Militia threat came true
  genre: news
  publisher: null
  authors: []
  published: {date: 2020-03-11/2020-03-13, precision: range, derivation: "fixture: between 11 and 13 March"}
  headline: [{quote: "Militia threat came true"}]
sources:
  - {id: one-official, description: "one official", quote: "one official said"}
  - {id: officials, description: "officials", quote: "According to officials"}
events:
  - id: red-militia-warning
    label: Red Militia warns it will strike Camp Alpha
    class: Threat
    quote: "Last month the Red Militia warned that it would strike Camp Alpha."
    date: {value: 2020-02, precision: month, derivation: "'Last month', before publication in March 2020"}
    roles: {speaker: [red-militia]}
  - id: riverton-protest
    label: Protest in Riverton
    class: Protest
    quote: "Crowds had protested in Riverton in February."
    date: {value: 2020-02, precision: month, derivation: "'in February'"}
    places: [riverton]
  - id: camp-alpha-attack
    label: Rocket attack on Camp Alpha
    class: RocketAttack
    quote: "In March, rockets hit Camp Alpha, one official said"
    date: {value: 2020-03, precision: month, derivation: "'In March'"}
    reported_by: one-official
    munitions: {count: 18, qualifier: approximately, claimed_by: one-official, quote: "around 18 rockets were fired"}
    casualties:
      - {status: killed, count: 3, qualifier: at-least, claimed_by: officials, attribution: "According to officials",
         quote: "at least 3 soldiers were killed"}
stances:
  - id: roe-restraint-february
    holder: jane-roe
    proposition: us-retaliation
    polarity: against
    modality: recommendation
    strength: moderate
    condition: null
    speech_mode: paraphrase
    date: {value: 2020-02, precision: month, derivation: "'In February'"}
    quote: "In February, Roe urged restraint."
"""),
    "102_other": ("""A February attack

In February, twelve rockets struck Camp Alpha, the paper reported. On 1 February, crowds protested in Riverton.
""", """article:
  text: 102_other.txt
  status: reviewed
  title: A February attack
  genre: news
  publisher: null
  authors: []
  published: {date: 2020-03-20, precision: day, derivation: "fixture"}
  headline: [{quote: "A February attack"}]
events:
  - id: camp-alpha-attack
    label: Rocket attack on Camp Alpha
    class: RocketAttack
    quote: "In February, twelve rockets struck Camp Alpha"
    date: {value: 2020-02, precision: month, derivation: "'In February'"}
    munitions: {count: 12, qualifier: exact, quote: "twelve rockets"}
  - id: riverton-protest
    label: Protest in Riverton
    class: Protest
    quote: "On 1 February, crowds protested in Riverton."
    date: {value: 2020-02-01, precision: day, derivation: "'On 1 February'"}
    places: [riverton]
"""),
}


@pytest.fixture(scope="module")
def more_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The fixture corpus with articles 101 and 102, built and published."""
    seeds = tmp_path_factory.mktemp("more-seeds") / "seeds"
    shutil.copytree(Path(__file__).resolve().parent / "fixtures" / "mini", seeds)
    for name, (text, yaml) in MORE_ARTICLES.items():
        (seeds / "articles" / f"{name}.txt").write_text(text, encoding="utf-8")
        (seeds / "articles" / f"{name}.yaml").write_text(yaml, encoding="utf-8")
    out = tmp_path_factory.mktemp("more-build")
    result = build(seeds, out)
    assert result.validation.conforms, result.validation
    keep_answers(result)
    return Store.open(out)


@pytest.fixture(scope="module")
def more(more_store: Store, mini_queries: Path) -> FlaskClient:
    return make_app(more_store, mini_queries).test_client()


class _Svg(HTMLParser):
    """The timeline's markers: for each ``a.tl-event``, its data attributes, shapes and texts."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []
        self.current: dict | None = None
        self.in_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("class") == "tl-event":
            self.current = {"attrs": a, "shapes": [], "texts": [], "title": ""}
            self.events.append(self.current)
        elif self.current is not None and tag in ("rect", "circle"):
            self.current["shapes"].append((tag, a))
        elif self.current is not None and tag in ("text", "title"):
            self.in_text = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.current = None
        if tag in ("text", "title"):
            self.in_text = False

    def handle_data(self, data: str) -> None:
        if self.current is not None and self.in_text == "text":
            self.current["texts"].append(data)
        elif self.current is not None and self.in_text == "title":
            self.current["title"] += data


def timeline_markers(html: str) -> dict[str, dict]:
    """The timeline's markers by the event page they link to."""
    svg = _Svg()
    svg.feed(html[html.index("<svg"):html.index("</svg>")])
    return {e["attrs"]["href"]: e for e in svg.events}


def test_timeline_draws_a_month_as_a_span_labelled_as_written(more: FlaskClient) -> None:
    html, _ = get(more, "/ui/timeline")
    markers = timeline_markers(html)
    warning = markers["/ui/id/event/red-militia-warning"]  # dated only "last month": February 2020
    assert warning["attrs"]["data-date"] == "2020-02"
    assert (warning["attrs"]["data-earliest"], warning["attrs"]["data-latest"]) == ("2020-02-01", "2020-02-29")
    (shape, bar), = warning["shapes"]
    assert shape == "rect" and "tl-span" in bar["class"], warning["shapes"]  # a bar, not a point
    assert warning["texts"] == ["2020-02"]  # labelled with the date as written
    assert "2020-02 (some day of February 2020)" in warning["title"]
    # the bar covers February: the protest on 1 February is a point at its start, the attack of
    # 10 March (as 100 dates it, the narrowest of the three dates) a point after its end
    protest, attack = markers["/ui/id/event/riverton-protest"], markers["/ui/id/event/camp-alpha-attack"]
    (kind, dot), = protest["shapes"]
    assert kind == "circle" and protest["attrs"]["data-date"] == "2020-02-01"
    x0, x1 = float(bar["x"]), float(bar["x"]) + float(bar["width"])
    cx, r = float(dot["cx"]), float(dot["r"])
    assert x0 < cx < x0 + (x1 - x0) / 3, (x0, x1, cx)
    assert x1 - x0 > 4 * r  # a span many days long, not a marker on the 1st of the month
    (kind, later), = attack["shapes"]
    assert kind == "circle" and attack["attrs"]["data-date"] == "2020-03-10" and float(later["cx"]) > x1
    assert "other sources: 101: 2020-03; 102: 2020-02" in attack["title"]
    # the table gives the same dates as written, in words, with the other articles' dates
    rows = {r[1]: r[0] for r in table_rows(html, "timeline-table")}
    assert rows["Red Militia warns it will strike Camp Alpha"] == "2020-02 some day of February 2020"
    assert rows["Rocket attack on Camp Alpha"] == "2020-03-10 101: 2020-03 (some day of March 2020) 102: 2020-02 (some day of February 2020)"
    assert list(rows) == ["Protest in Riverton", "Red Militia warns it will strike Camp Alpha", "Rocket attack on Camp Alpha"]


def test_timeline_axis_keeps_days_and_spans_in_order() -> None:
    """A day-dated event inside a month is drawn inside that month's bar; a year spans its months."""
    import datetime as dt

    from crisiskg.service.ui_data import When
    from crisiskg.service.ui_timeline import TimelineEvent, make_axis, timeline_svg

    def ev(name: str, value: str, prec: str, first: str, last: str) -> TimelineEvent:
        return TimelineEvent(f"urn:{name}", name, When(value, prec, dt.date.fromisoformat(first), dt.date.fromisoformat(last)),
                             {"Statement"})

    events = [ev("year", "2020", "year", "2020-01-01", "2020-12-31"), ev("month", "2020-01", "month", "2020-01-01", "2020-01-31"),
              ev("day", "2020-01-08", "day", "2020-01-08", "2020-01-08"), ev("old", "2015", "year", "2015-01-01", "2015-12-31")]
    axis = make_axis([(e.when.earliest, e.when.latest) for e in events], 700, 24)
    x = lambda d: axis.x(dt.date.fromisoformat(d).toordinal())
    assert x("2015-12-31") < x("2020-01-01") < x("2020-01-08") < x("2020-02-01") < x("2020-12-31")
    assert len(axis.segments) == 2  # 2016-2019 is cut out
    assert x("2020-01-09") - x("2020-01-08") >= 16  # one day gets room although the year is long
    html = str(timeline_svg(events, href={}))
    markers = timeline_markers(html)
    assert {k: (m["shapes"][0][0], m["texts"]) for k, m in markers.items()} == {
        "urn:year": ("rect", ["2020"]), "urn:month": ("rect", ["2020-01"]), "urn:day": ("circle", []), "urn:old": ("rect", ["2015"])}
    bar = lambda k: (float(markers[k]["shapes"][0][1]["x"]), float(markers[k]["shapes"][0][1]["width"]))
    (year_x, year_w), (month_x, month_w) = bar("urn:year"), bar("urn:month")
    assert year_x == month_x and month_w < year_w  # both begin on 1 January; the year runs on
    assert month_x < float(markers["urn:day"]["shapes"][0][1]["cx"]) < month_x + month_w


def test_article_shows_its_date_as_written_and_its_unnamed_sources(more: FlaskClient) -> None:
    html, page = get(more, "/ui/article/101")
    assert "published <time>2020-03-11/2020-03-13</time> (some day from 11 to 13 March 2020)" in html
    meta = plain(html[html.index("<dt>Published</dt>"):html.index("<dt>Authors</dt>")])
    assert meta == "Published 2020-03-11/2020-03-13 (a range of days) some day from 11 to 13 March 2020 fixture: between 11 and 13 March"
    assert "/ui/id/article/101/source/one-official" in page.links and "/ui/id/article/101/source/officials" in page.links
    # the sources' words and the words that attribute a count are marked, and say whose they are
    assert 'class="ann k-source"' in html and "k-attribution" in html
    assert re.search(r'title="unnamed source: officials \(unnamed source in article 101\); '
                     r'who says it \(attribution\): killed: at least 3, per officials \(unnamed source in article 101\)"', html)
    html, _ = get(more, "/ui/article/100")
    assert "published <time>2020-03-12</time></p>" in html and "(to the day)" in html


def test_counts_say_who_gives_them(more: FlaskClient) -> None:
    html, page = get(more, "/ui/id/event/camp-alpha-attack")
    rows = table_rows(html, "counts")
    assert [r[:3] for r in rows] == [
        ["killed soldiers", "2", "author of article 100"],
        ["killed", "at least 3", "officials (unnamed source in article 101) in the words “According to officials”"],
        ["munitions", "about 18", "one official (unnamed source in article 101)"],
        ["munitions", "12", "author of article 102"],
    ]
    assert [r[3] for r in rows] == ["“killing two soldiers” (100)", "“at least 3 soldiers were killed” (101)",
                                    "“around 18 rockets were fired” (101)", "“twelve rockets” (102)"]
    assert "/ui/id/article/101/source/officials" in page.links
    # each article's date of the event, as written
    dates = plain(html[html.index("<dt>Date</dt>"):html.index("</dl>")])
    assert "2020-03-10 100" in dates and "2020-03 (some day of March 2020) 101" in dates and "2020-02 (some day of February 2020) 102" in dates
    # who gives 101's account of the event
    assert "reported by" in html and "one official (unnamed source in article 101)" in html


def test_unnamed_source_page_gives_its_description_article_and_numbers(more: FlaskClient) -> None:
    html, page = get(more, "/ui/id/article/101/source/officials")
    assert "<h1>officials (unnamed source in article 101)</h1>" in html
    assert "/ui/id/article/101" in page.links  # the article it is a source in
    assert "According to officials" in html  # its words in the article
    rows = table_rows(html, "counts")
    assert [r[:4] for r in rows] == [["Rocket attack on Camp Alpha", "killed", "at least 3",
                                      "officials (unnamed source in article 101) in the words “According to officials”"]]


def test_stances_show_their_own_date_or_the_date_reported(more: FlaskClient) -> None:
    html, _ = get(more, "/ui/id/entity/jane-roe")
    dates = {r[-1]: r[3] for r in (table_rows(html, "stances"))}
    assert dates["“In February, Roe urged restraint.” (101)"] == "2020-02 (some day of February 2020) 'In February'"
    assert dates["“Analyst Jane Roe said the United States should not retaliate.” (100)"] == \
        "not dated by the text; reported on 2020-03-12 (article 100)"
    html, _ = get(more, "/ui/id/stance/roe-against-retaliation")
    assert "not dated by the text; reported on" in html and "statedOn" not in html and "stated on" not in html


def test_disagreements_compare_dates_by_overlap_and_show_who_gives_counts(more: FlaskClient) -> None:
    html, _ = get(more, "/ui/disagreements")

    def cards(kind: str) -> tuple[list[str], list[str]]:
        """The cards of a section: those that cannot all be true, and the compatible ones."""
        section = html[html.index(f'id="d-{kind}"'):]
        section = section[:section.index("</section>")]
        shown, _, compatible = section.partition("<details>")
        split = lambda part: [plain(c) for c in re.findall(r'<article class="disagreement">(.*?)</article>', part, re.DOTALL)]
        return split(shown), split(compatible)

    conflict, compatible = cards("date")
    # 10 March (100) and February (102) cannot both be true; March (101) overlaps 10 March
    assert len(conflict) == 1 and conflict[0].startswith("Rocket attack on Camp Alpha — when it happened")
    assert "2020-03-10 and 2020-02 have no day in common" in conflict[0]
    assert "2020-03 (some day of March 2020) according to one official (unnamed source in article 101)" in conflict[0]
    # 1 February (102) and "in February" (101) can both be true
    assert len(compatible) == 1 and compatible[0].startswith("Protest in Riverton — when it happened")
    assert "every one allows 1 February 2020" in compatible[0]
    conflict, compatible = cards("munitions")
    assert len(conflict) == 1 and not compatible
    assert "about 18 given by one official (unnamed source in article 101)" in conflict[0]
    assert "12 given by author of article 102" in conflict[0]
    conflict, compatible = cards("casualties")
    assert len(conflict) == 1 and "killed: 2, soldiers given by author of article 100" in conflict[0]
    assert ("killed: at least 3 given by officials (unnamed source in article 101) "
            "in the words “According to officials”") in conflict[0]


def test_count_ranges_decide_what_cannot_both_be_true() -> None:
    from crisiskg.service.ui_disagree import _conflict, _Count

    def c(status: str, n: int, q: str = "exact", key: str = "a") -> _Count:
        return _Count(None, key, status, n, q)  # type: ignore[arg-type]

    assert _conflict(c("killed", 2), c("killed", 3, "at-least"))
    assert not _conflict(c("killed", 3), c("killed", 3, "at-least"))
    assert not _conflict(c("killed", 15), c("killed", 18, "approximately"))
    assert _conflict(c("killed", 12), c("killed", 18, "approximately"))
    # "no confirmed casualties" against "the death of Iraqis": as source-disagreements decides
    assert _conflict(c("killed", 0, "none-reported"), c("killed", 1, "at-least"))
    assert not _conflict(c("killed", 0, "none-reported"), c("killed", 0))
    assert _conflict(c("casualties", 0), c("killed", 1, "at-least"))  # no casualties, but one killed
    assert not _conflict(c("casualties", 5, "at-least"), c("killed", 2))
    assert not _conflict(c("killed", 2), c("injured", 12, "nearly"))


def test_every_event_class_of_the_ontology_has_a_lane_and_shows_its_name() -> None:
    """A class the timeline did not know was drawn as a plain "Event" (an accident was)."""
    import datetime as dt

    from rdflib import RDFS, URIRef

    from crisiskg.service.ui_data import When
    from crisiskg.service.ui_timeline import LANES, TimelineEvent
    from crisiskg.vocab import CKG_URI, ontology_graph

    onto = ontology_graph()
    classes = sorted(str(c)[len(CKG_URI):] for c in onto.transitive_subjects(RDFS.subClassOf, URIRef(CKG_URI + "Event"))
                     if str(c) != CKG_URI + "Event")
    day = When("2020-01-07", "day", dt.date(2020, 1, 7), dt.date(2020, 1, 7))
    shown = {c: TimelineEvent(f"urn:{c}", c, day, {c, "Event"}) for c in classes}
    assert {c: e.kind for c, e in shown.items() if e.kind != c} == {}
    assert all(e.lane in LANES for e in shown.values())
    assert (shown["Accident"].lane, shown["Seizure"].lane) == ("other", "attack")
