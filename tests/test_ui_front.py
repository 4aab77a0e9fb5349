"""One web front end (issue 17), with the Flask test client over the seed build: every page in one
layout, the questions by topic once each, readable answers (column titles from the question's
header, wide quote columns, sort and page links, downloads of the exact view), form errors in web
terms, entity pages without repeated inferred rows or CURIEs, and the disagreements page agreeing
with the saved question ``source-disagreements``. Expected values come from the store and the
saved questions, never written out here."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import URIRef
from test_ui_pages import check_page, plain

from crisiskg.query.names import labels
from crisiskg.query.savedqueries import get_query, load_queries
from crisiskg.query.store import Store
from crisiskg.service import create_app

QUERIES = load_queries()
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(seed_build_dir: Path) -> FlaskClient:
    return create_app({"build_dir": seed_build_dir}).test_client()


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    resp = client.get(url, headers=HTML)
    html = resp.get_data(as_text=True)
    assert resp.status_code == status, (url, resp.status_code, html[:300])
    check_page(html)
    return html


def header_titles(html: str) -> list[str]:
    head = html[html.index('<table class="results">'):]
    head = head[head.index("<thead>"):head.index("</thead>")]
    return [plain(t) for t in re.findall(r"<th[^>]*>(.*?)</th>", head, re.DOTALL)]


def body_rows(html: str) -> list[list[str]]:
    start = html.index('<table class="results">')
    body = html[html.index("<tbody>", start):html.index("</tbody>", start)]
    return [[plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.DOTALL)] for tr in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def unquote(cell: str) -> str:
    """A quote cell's text without the quotation marks the page puts around it."""
    return cell[1:-1] if cell.startswith("“") and cell.endswith("”") else cell


def link_to(html: str, rel: str) -> str:
    m = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    assert m, rel
    return m.group(1).replace("&amp;", "&")


def a_question_with_rows(store: Store, at_least: int) -> tuple[str, str]:
    """A saved question without required parameters whose default answer has ``at_least`` rows,
    and a column of it that holds text to read (a quote), for the sort and paging tests."""
    for qid, q in sorted(QUERIES.items()):
        if q.kind != "select" or any(p.required and p.default is None for p in q.params) or "quote" not in q.sparql:
            continue
        result = q.run(store)
        if len(result.rows) >= at_least and "quote" in result.variables:
            return qid, "quote"
    pytest.skip(f"no saved question answers {at_least} rows with a quote by default")


# ------------------------------------------------------------------------------ one layout


@pytest.mark.parametrize("url", ["/ui/", "/ui/questions", "/ui/sparql", "/ui/timeline", "/ui/disagreements", "/queries",
                                 "/queries/timeline", "/sparql", "/ui/id/entity/iraq", "/id/entity/iraq", "/ui/search?q=camp",
                                 "/dumps", "/ontology"])
def test_every_page_has_the_one_layout(client: FlaskClient, url: str) -> None:
    html = page(client, url)
    assert html.count('<header class="site">') == 1 and html.count('<nav aria-label="Main">') == 1
    assert '<link rel="stylesheet" href="/ui/static/ui.css">' in html and "service.css" not in html
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert 'role="search"' in html and '<footer class="site">' in html


def test_favicon_is_served_from_this_host(client: FlaskClient) -> None:
    for url in ("/static/favicon.svg", "/favicon.ico"):
        with client.get(url) as resp:
            assert resp.status_code == 200 and resp.mimetype == "image/svg+xml" and b"<svg" in resp.data


def test_home_lists_each_question_once_by_topic_and_the_sources_before_them(client: FlaskClient) -> None:
    html = page(client, "/ui/")
    main = html[html.index("<main"):html.index("</main>")]
    for qid in QUERIES:
        assert main.count(f'href="/ui/questions/{qid}"') == 1, qid
    topics = {(q.tags or ("other",))[0] for q in QUERIES.values()}
    assert set(re.findall(r"<h3>([^<]+)</h3>", html)) == topics
    assert html.index('id="read"') < html.index('id="questions"')
    assert len(html) < 40_000  # the description of each question is on its own page, not repeated here


def test_questions_page_and_catalogue_render_the_same_list(client: FlaskClient) -> None:
    ui, api = (h[h.index("<main"):h.index("</main>")] for h in (page(client, "/ui/questions"), page(client, "/queries")))
    for qid, q in QUERIES.items():
        assert ui.count(f'href="/ui/questions/{qid}"') == 1 and api.count(f'href="/queries/{qid}"') == 1
        assert q.summary.replace("'", "&#39;") in ui
    assert plain(re.sub(r'href="[^"]*"', "", ui)) == plain(re.sub(r'href="[^"]*"', "", api))


def test_saved_question_in_a_browser_renders_the_ui_page(client: FlaskClient) -> None:
    ui, api = page(client, "/ui/questions/timeline"), page(client, "/queries/timeline")
    assert header_titles(ui) == header_titles(api) and body_rows(ui) == body_rows(api)
    assert "/queries/timeline?_format=csv" in api and "/ui/questions/timeline/download?_format=csv" in ui


# ------------------------------------------------------------------------------ readable answers


@pytest.mark.parametrize("qid", sorted(q for q in QUERIES if QUERIES[q].columns))
def test_column_titles_come_from_the_question_header(client: FlaskClient, seed_store: Store, qid: str) -> None:
    q = QUERIES[qid]
    if any(p.required and p.default is None for p in q.params):
        pytest.skip("needs a parameter")
    result = q.run(seed_store)
    variables = result.variables
    html = page(client, f"/ui/questions/{qid}")
    titles = dict(q.columns)
    shown = re.findall(r'<th scope="col" data-var="([^"]+)"', html)
    assert header_titles(html) == [titles.get(v, v) for v in shown]
    # in the query's order; a label column is left out only beside its ?x, or where every row's link
    # in another column shows that same label (?label beside ?event)
    assert shown == [v for v in variables if v in shown]
    names = labels(seed_store, [str(t) for r in result.rows for t in r.values() if isinstance(t, URIRef)])

    def repeats(v: str) -> bool:
        bound = [r for r in result.rows if r.get(v) is not None]
        return any(all(isinstance(r.get(c), URIRef) and names.get(str(r[c])) == str(r[v]) for r in bound) for c in shown)
    assert all(v.lower().endswith("label") and (v[:-5] in shown or repeats(v)) for v in variables if v not in shown)


def test_quote_columns_are_wide_and_wrap_at_words(client: FlaskClient, seed_store: Store) -> None:
    qid, col = a_question_with_rows(seed_store, 1)
    html = page(client, f"/ui/questions/{qid}")
    assert re.search(rf'<th scope="col" data-var="{col}" class="wide"', html)
    with client.get("/ui/static/ui.css") as resp:
        css = resp.get_data(as_text=True)
    assert "overflow-wrap: anywhere" not in css and "word-break: break-all" not in css.split("table.results")[1]
    assert re.search(r"table\.results td\.wide[^{]*\{[^}]*min-width", css)


def test_iris_are_shown_by_label_and_linked(client: FlaskClient, seed_store: Store) -> None:
    q = get_query("stances-on-proposition")
    rows = q.run(seed_store).rows
    holder = rows[0]["holder"]
    label = seed_store.query("SELECT ?l WHERE { ?h rdfs:label ?l }", bindings={"h": holder}).rows[0]["l"]
    html = page(client, "/ui/questions/stances-on-proposition")
    key = str(holder).split("/id/", 1)[1]
    assert re.search(rf'<a class="v-resource" href="/ui/id/{re.escape(key)}"[^>]*>{re.escape(str(label))}</a>', html)


def test_sort_links_sort_the_answer_both_ways(client: FlaskClient, seed_store: Store) -> None:
    qid, col = a_question_with_rows(seed_store, 3)
    html = page(client, f"/ui/questions/{qid}?_size=1000")
    index = re.findall(r'<th scope="col" data-var="([^"]+)"', html).index(col)  # among the columns shown
    sort = re.search(rf'data-var="{col}"[^>]*><a href="([^"]+)"', html)
    assert sort
    up = page(client, f"/ui/questions/{qid}" + sort.group(1).replace("&amp;", "&"))
    values = [unquote(r[index]).lower() for r in body_rows(up)]
    assert values == sorted(values) and 'aria-sort="ascending"' in up
    down_href = re.search(rf'data-var="{col}"[^>]*><a href="([^"]+)"', up)
    assert down_href and "_desc=1" in down_href.group(1)
    down = page(client, f"/ui/questions/{qid}" + down_href.group(1).replace("&amp;", "&"))
    assert [unquote(r[index]).lower() for r in body_rows(down)] == sorted(values, reverse=True)


def test_pages_and_the_csv_of_each_page(client: FlaskClient, seed_store: Store) -> None:
    qid, col = a_question_with_rows(seed_store, 3)
    total = len(QUERIES[qid].run(seed_store).rows)
    first = page(client, f"/ui/questions/{qid}?_size=2&_sort={col}")
    assert f"{total} rows" in first and len(body_rows(first)) == 2
    second = page(client, f"/ui/questions/{qid}" + link_to(first, "next"))
    assert body_rows(second) != body_rows(first) and link_to(second, "prev")
    # the CSV link of page 2 gives page 2's rows, in the same order
    href = re.search(r'href="([^"]*_format=csv[^"]*)"', second)
    assert href
    url = href.group(1).replace("&amp;", "&")
    assert dict(parse_qsl(urlsplit(url).query)).get("_page") == "2"
    rows = list(csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True))))
    index = re.findall(r'<th scope="col" data-var="([^"]+)"', second).index(col)  # among the columns shown
    assert [" ".join(r[col].split()) for r in rows] == [unquote(r[index]) for r in body_rows(second)]
    data = json.loads(client.get(url.replace("_format=csv", "_format=json")).data)
    assert len(data["results"]["bindings"]) == len(rows)


# ------------------------------------------------------------------------------ errors, pickers, entity pages


def test_form_error_in_web_terms_with_did_you_mean_links(client: FlaskClient) -> None:
    q = next(q for q in QUERIES.values() if any(p.type == "iri" and p.default for p in q.params))
    p = next(p for p in q.params if p.type == "iri" and p.default)
    wrong = p.default[:-1] + "x" + "q"  # type: ignore[index]
    html = page(client, f"/ui/questions/{q.id}?{p.name}={wrong}", 400)
    alert = html[html.index('role="alert"'):html.index("</div>", html.index('role="alert"'))]
    assert wrong in alert and "crisiskg" not in alert.lower() and "CLI" not in alert
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', alert)]
    assert f"/ui/questions/{q.id}?{p.name}={p.default}" in links
    html = page(client, f"/ui/questions/{q.id}?nosuchfield=1", 400)
    assert "no field “nosuchfield”" in html


def test_form_error_for_a_shared_name_links_every_candidate(client: FlaskClient, seed_store: Store) -> None:
    """A name two entities share is ambiguous: the error says so, names the field's classes in
    words and links each entity that goes by it, by label and id (not one of them as if it were a typo)."""
    from crisiskg.query.choices import class_choices, expand

    q = QUERIES["entity-mentions"]
    p = next(p for p in q.params if p.name == "entity")
    assert len(p.classes) > 1
    # the entities of the field's classes whose label or alias is "some" (the graph, not the code, says which)
    res = seed_store.query("SELECT DISTINCT ?x WHERE { ?x rdf:type/rdfs:subClassOf* ?c ; rdfs:label|skos:altLabel|skos:prefLabel ?l "
                           "FILTER(isIRI(?x) && LCASE(STR(?l)) = 'some') }", bindings={"c": [expand(c) for c in p.classes]},
                           reasoning="owlrl")
    named = {str(r["x"]) for r in res.rows}
    assert len(named) >= 2, named  # the seeds have two sources called "some" (in articles 001 and 004)
    keys = {str(c.term): c.key for c in class_choices(seed_store, p.classes)}
    labels_of = {str(r["x"]): str(r["l"]) for r in seed_store.query(  # the name a picker shows: rdfs:label
        "SELECT ?x (MIN(STR(?rl)) AS ?l) WHERE { ?x rdfs:label ?rl } GROUP BY ?x", bindings={"x": [URIRef(i) for i in named]}).rows}
    html = page(client, f"/ui/questions/{q.id}?entity=some", 400)
    alert = html[html.index('role="alert"'):html.index("</div>", html.index('role="alert"'))]
    text = plain(alert)
    assert "“some” is ambiguous" in text and f"{len(named)} entities" in text
    words = [c.split(":")[-1].lower() for c in p.classes]  # ckg:Actor, ckg:Place, ckg:Weapon: "an actor, place or weapon"
    assert f"{', '.join(words[:-1])} or {words[-1]}" in text, text
    links = {plain(t): h.replace("&amp;", "&") for h, t in re.findall(r'<a href="([^"]+)">(.*?)</a>', alert)}
    assert {t: (urlsplit(h).path, parse_qsl(urlsplit(h).query)) for t, h in links.items()} == {
        f"{labels_of[i]} ({keys[i]})": (f"/ui/questions/{q.id}", [("entity", keys[i])]) for i in named}
    for href in links.values():  # each link asks for one of them, and is answered
        page(client, href)
    # a name no entity has: "not an actor, place or weapon", every class named (not only the last)
    wrong = page(client, f"/ui/questions/{q.id}?entity=qzxq-nobody", 400)
    assert f"“qzxq-nobody” is not an {', '.join(words[:-1])} or {words[-1]} in this graph" in plain(wrong)


def test_entity_picker_is_searchable(client: FlaskClient, seed_store: Store) -> None:
    from crisiskg.query.params import param_choices

    q = next(q for q in QUERIES.values() if any(p.type == "iri" for p in q.params))
    p = next(p for p in q.params if p.type == "iri")
    html = page(client, f"/ui/questions/{q.id}")
    assert re.search(rf'<input id="p-{p.name}" name="{p.name}" type="search" list="c-{p.name}"', html)
    datalist = html[html.index(f'<datalist id="c-{p.name}">'):]
    datalist = datalist[:datalist.index("</datalist>")]
    assert datalist.count("<option ") == len(param_choices(seed_store, p))
    n = len(param_choices(seed_store, p))
    placeholder = re.search(rf'<input id="p-{p.name}"[^>]* placeholder="([^"]*)"', html).group(1)
    assert placeholder == f"type a name ({n} to choose from)"  # the number says what it counts


def test_entity_page_lists_each_event_once_by_label_with_rdf_links(client: FlaskClient, seed_store: Store) -> None:
    # the actor in the most events (asserted roles; the reasoner adds sem:hasActor for each)
    res = seed_store.query("SELECT ?a (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ckg:Event ; sem:hasActor ?a } GROUP BY ?a ORDER BY DESC(?n) ?a LIMIT 1")
    actor = str(res.rows[0]["a"])
    key = actor.split("/id/", 1)[1]
    html = page(client, f"/ui/id/{key}")
    events = html[html.index('id="events"'):]
    events = events[:events.index("</section>")]
    rows = [(tr, plain(role)) for tr, role in re.findall(r'<tr([^>]*)><td><a class="v-resource" href="[^"]+"[^>]*>.*?</a></td><td>(.*?)</td>', events)]
    asserted = re.findall(r'<tr><td><a class="v-resource" href="([^"]+)"', events)
    inferred = re.findall(r'<tr class="inferred"><td><a class="v-resource" href="([^"]+)"', events)
    assert asserted and not set(asserted) & set(inferred), set(asserted) & set(inferred)  # no event again by inference
    assert len(rows) == len(set(re.findall(r'<tr[^>]*><td><a class="v-resource" href="([^"]+)"[^>]*>.*?</a></td><td>(.*?)</td>', events)))
    assert not re.search(r">(ckg|sem|rdf|rdfs|owl|prov|geo|schema|skos):[A-Za-z]+<", html)  # labels, not CURIEs
    for fmt, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json")):
        href = f"/id/{key}?_format={fmt}"
        assert f'<link rel="alternate" type="{media}" href="{href}">' in html and f'href="{href}"' in html
        assert client.get(href).mimetype == media
    links = re.findall(r'<link rel="alternate" type="[^"]+" href="([^"]+)">', html)
    assert links and len(links) == len(set(links)), links  # each format once


def test_article_tooltips_do_not_repeat_their_kind(client: FlaskClient) -> None:
    from seedcorpus import article_keys

    for key in article_keys():
        html = client.get(f"/ui/article/{key}").get_data(as_text=True)
        titles = re.findall(r'title="([^"]*)"', html)
        assert titles
        assert not [t for t in titles if re.search(r"\b(stance|claim|role): (stance|claim|role):", t, re.IGNORECASE)], key


# ------------------------------------------------------------------------------ editor and disagreements


def test_editor_answers_by_get_with_downloads_and_the_error_line(client: FlaskClient, seed_store: Store) -> None:
    query = "SELECT ?e ?label WHERE { ?e a ckg:Event ; rdfs:label ?label } ORDER BY ?label"
    html = page(client, "/ui/sparql?" + "&".join(f"{k}={v}" for k, v in {"query": query.replace(" ", "+").replace("?", "%3F")}.items()))
    assert f"{len(seed_store.query(query).rows)} rows" in html
    assert re.search(r'<form class="editor" method="get"', html)
    assert "/sparql?query=" in html and "_format=csv" in html
    bad = "SELECT ?s WHERE {\n  ?s a ckg:Event .\n  ?s nope:x ?o .\n}"
    resp = client.get("/ui/sparql", query_string={"query": bad})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'data-error-line="3"' in html
    assert re.search(r'<li class="error-line" aria-current="true"><code>  \?s nope:x \?o \.</code>', html)
    for url in ("/sparql?query=" + bad.replace("\n", "%0A").replace("?", "%3F").replace(" ", "+"),):
        resp = client.get(url, headers=HTML)
        assert resp.status_code == 400 and 'data-error-line="3"' in resp.get_data(as_text=True)


def test_editor_completes_from_the_graph(client: FlaskClient, seed_store: Store) -> None:
    terms = json.loads(client.get("/ui/sparql/terms.json").data)
    assert {"ckg:", "rdfs:"} <= {p["label"] for p in terms["prefixes"]}
    assert "ckg:Event" in {t["text"] for t in terms["class"]}
    assert "rdfs:label" in {t["text"] for t in terms["property"]}
    label = seed_store.query("SELECT ?l WHERE { <https://w3id.org/crisiskg/id/entity/iraq> rdfs:label ?l }").rows[0]["l"]
    assert {"text": "<https://w3id.org/crisiskg/id/entity/iraq>", "label": str(label)} in terms["entity"]


def test_disagreements_page_and_source_disagreements_agree_both_ways(client: FlaskClient, seed_store: Store) -> None:
    """Every row of the saved question is on the page (a card about its subject, of its kind, with
    both its quotes), and every card on the page that the question covers (dates, casualty counts,
    munitions and claims that cannot all be true) is backed by rows of the question. The page
    says which of its sections the question leaves out."""
    from crisiskg.service.ui_disagree import PAGE_ONLY, TITLES, disagreements

    rows = get_query("source-disagreements").run(seed_store).rows
    assert rows
    found = disagreements(seed_store)
    cards = [d for d in found if not d.compatible and d.kind not in PAGE_ONLY]

    def kind(prop: str) -> str:
        return "date" if prop == "date" else "munitions" if prop == "munitions" else "casualties" if prop.startswith("casualties") else "claim"

    def quotes(d: object) -> set[str]:
        return {v.quote.text for v in d.versions if v.quote is not None}  # type: ignore[attr-defined]

    def backs(r: dict, d: object) -> bool:
        return (d.kind == kind(str(r["property"])) and d.about.iri == str(r["subject"])  # type: ignore[attr-defined]
                and {str(r["quote1"]), str(r["quote2"])} <= quotes(d))

    for r in rows:  # question -> page
        assert any(backs(r, d) for d in cards), (str(r["subject"]), str(r["property"]), str(r["quote1"]), str(r["quote2"]))
    for d in cards:  # page -> question
        assert any(backs(r, d) for r in rows), (d.kind, d.about.iri, d.topic, sorted(quotes(d)))
    # both kinds of source the question compares within one article are there: counts and claims
    assert {kind(str(r["property"])) for r in rows if r["article1"] == r["article2"]} >= {"casualties", "claim"}
    # the sections the question leaves out say so on the page
    html = page(client, "/ui/disagreements")
    for k in TITLES:
        section = html[html.index(">", html.index(f'id="d-{k}"')) + 1:]
        section = plain(section[:section.index("</section>")])
        assert section.startswith(TITLES[k]) and ("On this page only" in section) == (k in PAGE_ONLY), (k, section[:200])


def test_editor_error_is_preformatted_with_the_engines_message_apart(client: FlaskClient) -> None:
    import html as htmllib

    bad = "SELECT * WHERE { ?s foo:bar ?o }"
    resp = client.get("/ui/sparql", query_string={"query": bad})
    assert resp.status_code == 400
    box = re.search(r'<div id="query-error".*?</section>', resp.get_data(as_text=True), re.DOTALL)
    assert box, "the error box"
    explained = re.search(r'<div class="explained">(.*?)</div>', box.group(0), re.DOTALL)
    assert explained
    paragraphs = [htmllib.unescape(p) for p in re.findall(r"<p>(.*?)</p>", explained.group(1), re.DOTALL)]
    assert re.search(rf"\bline 1, column {bad.index('foo:') + 1}: ", paragraphs[0])
    excerpt = re.search(r'<pre class="excerpt">(.*?)</pre>', explained.group(1), re.DOTALL)
    assert excerpt and explained.group(1).index("<p>") < excerpt.start()  # where first, then the line
    row, caret = htmllib.unescape(excerpt.group(1)).split("\n")
    assert row.strip() == bad and caret.index("^") == row.index("foo:")  # the caret under the mistake
    assert "engine said" not in explained.group(1)
    label = box.group(0).index("engine's own message")
    engine = re.search(r'<pre class="engine">(.*?)</pre>', box.group(0), re.DOTALL)
    assert engine and re.match(r"error at \d+:\d+", htmllib.unescape(engine.group(1)))
    assert explained.end() < label < engine.start()  # explained first, the engine's below
    assert plain(box.group(0)).lower().count("line 1") == 1


def test_entity_type_line_names_each_class_once_with_its_vocabulary(client: FlaskClient, seed_store: Store) -> None:
    from crisiskg.service.ui_data import VOCABULARIES
    from crisiskg.vocab import BASE, PREFIXES

    # the actor in the most events: it has inferred classes of ours and of other vocabularies
    res = seed_store.query("SELECT ?a (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ckg:Event ; sem:hasActor ?a } GROUP BY ?a ORDER BY DESC(?n) ?a LIMIT 1")
    actor = str(res.rows[0]["a"])
    classes = {str(r["t"]) for r in seed_store.query(f"SELECT DISTINCT ?t WHERE {{ <{actor}> a ?t }}").rows}
    others = {c for c in classes if not c.startswith(BASE)}
    assert others, "the reasoner gives the actor classes of other vocabularies"
    html = page(client, "/ui/id/" + actor.split("/id/", 1)[1])
    line = re.search(r"<dt>Type</dt><dd>(.*?)</dd>", html, re.DOTALL).group(1)
    shown = [plain(t) for t in re.findall(r'<span class="(?:v-term|inferred)"[^>]*>(.*?)</span>', line)]
    assert len(shown) == len(classes), shown  # each class once
    assert len({t.lower() for t in shown}) == len(shown), shown  # no "Actor" beside "actor"
    for c in others:
        prefix = next(p for p, ns in PREFIXES.items() if c.startswith(ns))
        assert any(t.endswith(f"({VOCABULARIES[prefix]})") for t in shown), (c, shown)


def test_a_label_column_repeating_a_links_label_is_left_out(client: FlaskClient, seed_store: Store) -> None:
    html = page(client, "/ui/questions/actor-events")
    shown = re.findall(r'<th scope="col" data-var="([^"]+)"', html)
    assert "event" in shown and "label" not in shown  # the event's link already shows its label
    rows = client.get("/queries/actor-events", headers={"Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"]
    assert rows and all("label" in r and "event" in r for r in rows)  # the data keeps it


def test_void_page_is_readable_turtle_in_the_one_layout(client: FlaskClient) -> None:
    import html as htmllib

    from rdflib import Graph
    from rdflib.compare import isomorphic

    html = page(client, "/dataset")
    assert '<nav aria-label="Main">' in html
    pre = re.search(r'<pre class="turtle wrapped"[^>]*>(.*?)</pre>', html, re.DOTALL)
    assert pre
    text = htmllib.unescape(pre.group(1))
    shown = Graph().parse(data=text, format="turtle")
    data = Graph().parse(data=client.get("/dataset", headers={"Accept": "application/n-triples"}).data, format="nt")
    assert isomorphic(shown, data)  # the same description
    declared = dict(re.findall(r"^@prefix (\w+): <([^>]+)> \.$", text, re.MULTILINE))
    body = text.split("\n\n", 1)[1]
    assert "void" in declared and "<http://rdfs.org/ns/void#" not in body  # prefixed, not full IRIs
    assert not [m for ns in declared.values() for m in re.findall("<" + re.escape(ns) + r"[A-Za-z_][\w-]*>", body)]
    for what in ("class", "property"):  # the partitions sorted by what they count
        listed = re.findall(rf"void:{what} (\S+)", text)
        assert listed and listed == sorted(listed), what
    with client.get("/ui/static/ui.css") as resp:
        assert re.search(r"pre\.turtle\.wrapped \{[^}]*white-space: pre-wrap", resp.get_data(as_text=True))
