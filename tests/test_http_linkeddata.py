"""Linked data on the mini build: every minted IRI dereferences, with incoming links and mentions
with their sentences; named graphs; the ontology and the shapes; dumps equal to ``crisiskg export``;
VoID."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from crisiskg.build.export import export_dataset
from crisiskg.build.publish import rdflib_dataset_io
from crisiskg.query.store import Store
from crisiskg.service import create_app
from crisiskg.service.descriptions import sentence_at
from crisiskg.vocab import BASE, ENTITIES_GRAPH, GAF, NIF, SH, VOID

JANE = BASE + "id/entity/jane-roe"
CAMP = BASE + "id/entity/camp-alpha"
ARTICLE = BASE + "id/article/100"
RDF_FORMATS = {"ttl": ("text/turtle", "turtle"), "nt": ("application/n-triples", "nt"),
               "jsonld": ("application/ld+json", "json-ld"), "rdfxml": ("application/rdf+xml", "xml")}


def parse(data: bytes, fmt: str, *, dataset: bool = False) -> Any:
    with rdflib_dataset_io():
        return (Dataset() if dataset else Graph()).parse(data=data, format=fmt)


def path_of(iri: str) -> str:
    assert iri.startswith(BASE)
    return "/" + iri[len(BASE):].split("#", 1)[0]


def minted(store: Store) -> list[str]:
    """Every document IRI minted under …/id/ that the build mentions (fragments dropped)."""
    rows = store.query("SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } FILTER(isIRI(?x) && STRSTARTS(STR(?x), ?base)) }",
                       bindings={"base": Literal(BASE + "id/")}).rows
    return sorted({str(r["x"]).split("#", 1)[0] for r in rows})


# ------------------------------------------------------------------------------ dereferencing


@pytest.mark.no_seeds
def test_every_minted_iri_dereferences(client: FlaskClient, mini_store: Store) -> None:
    iris = minted(mini_store)
    assert len(iris) > 15
    for iri in iris:
        resp = client.get(path_of(iri))
        assert resp.status_code == 200, (iri, resp.data[:200])
        assert resp.mimetype == "text/turtle"
        g = parse(resp.data, "turtle")
        nodes = {str(n).split("#", 1)[0] for t in g for n in t if isinstance(n, URIRef)}
        assert iri in nodes, iri


@pytest.mark.no_seeds
def test_negotiation_headers(client: FlaskClient) -> None:
    resp = client.get("/id/entity/jane-roe", headers={"Accept": "application/n-triples"})
    assert resp.status_code == 200 and resp.mimetype == "application/n-triples"
    assert "Accept" in resp.vary
    assert resp.headers["Content-Location"] == "/id/entity/jane-roe?_format=nt"
    links = resp.headers["Link"]
    for key, (media, _) in RDF_FORMATS.items():
        assert f'</id/entity/jane-roe?_format={key}>; rel="alternate"; type="{media}"' in links
    assert 'type="text/html"' in links


@pytest.mark.no_seeds
@pytest.mark.parametrize("key", sorted(RDF_FORMATS))
def test_alternates_are_equal_graphs(client: FlaskClient, key: str) -> None:
    media, fmt = RDF_FORMATS[key]
    by_format = client.get(f"/id/entity/jane-roe?_format={key}")
    by_accept = client.get("/id/entity/jane-roe", headers={"Accept": media})
    assert by_format.mimetype == by_accept.mimetype == media
    assert isomorphic(parse(by_format.data, fmt), parse(client.get("/id/entity/jane-roe?_format=ttl").data, "turtle"))
    assert by_format.data == by_accept.data


@pytest.mark.no_seeds
def test_html_for_a_browser(client: FlaskClient) -> None:
    resp = client.get("/id/entity/jane-roe", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert b"Jane Roe" in resp.data
    assert "Accept" in resp.vary


@pytest.mark.no_seeds
def test_rdf_has_incoming_links(client: FlaskClient, mini_store: Store) -> None:
    g = parse(client.get("/id/entity/camp-alpha").data, "turtle")
    incoming = {(s, p) for s, p, o in g if o == URIRef(CAMP)}
    expected = {(r["s"], r["p"]) for r in mini_store.query("SELECT ?s ?p WHERE { ?s ?p ?o }", bindings={"o": URIRef(CAMP)}).rows}
    assert expected and incoming == expected


@pytest.mark.no_seeds
def test_rdf_has_mentions_with_their_sentences(client: FlaskClient, mini_store: Store) -> None:
    article_text = str(mini_store.query(f"SELECT ?t WHERE {{ <{ARTICLE}> ckg:text ?c . ?c nif:isString ?t }}").rows[0]["t"])
    g = parse(client.get("/id/entity/jane-roe").data, "turtle")
    spans = set(g.objects(URIRef(JANE), GAF.denotedBy))
    assert len(spans) >= 2  # "Jane Roe" and "Roe"
    for span in spans:
        sentence = g.value(span, NIF.sentence)
        assert sentence is not None, span
        assert (sentence, RDF.type, NIF.Sentence) in g
        b, e = int(g.value(sentence, NIF.beginIndex)), int(g.value(sentence, NIF.endIndex))
        mb, me = int(g.value(span, NIF.beginIndex)), int(g.value(span, NIF.endIndex))
        assert b <= mb < me <= e
        assert str(sentence) == f"{ARTICLE}#char={b},{e}"
        assert article_text[b:e] == str(g.value(sentence, NIF.anchorOf))
        assert article_text[mb:me] == str(g.value(span, NIF.anchorOf))
    sentences = {str(g.value(g.value(s, NIF.sentence), NIF.anchorOf)) for s in spans}
    assert "Analyst Jane Roe said the United States should not retaliate." in sentences
    # the build states each mention's sentence, and the page states the same one (one rule)
    stated = mini_store.query("""SELECT ?m ?s ?p ?o WHERE { ?m nif:taIdentRef ?x ; nif:sentence ?s . ?s a nif:Sentence ; ?p ?o
                                 VALUES ?p { nif:anchorOf nif:beginIndex nif:endIndex nif:referenceContext } }""",
                              bindings={"x": URIRef(JANE)}).rows
    assert {r["m"] for r in stated} == spans
    page = {(s, p, str(o)) for s, p, o in g}
    assert all((r["m"], NIF.sentence, str(r["s"])) in page and (r["s"], r["p"], str(r["o"])) in page for r in stated)


@pytest.mark.no_seeds
@pytest.mark.parametrize("work_state", [True, False], ids=["work-state", "dataset-only"])
def test_literals_keep_the_datatypes_and_forms_the_data_writes(mini_build: tuple[Path, Any], tmp_path: Path,
                                                                work_state: bool) -> None:
    """pyoxigraph stores xsd:nonNegativeInteger as xsd:integer and "-10.0" as "-10": the pages give
    the literals of the published dataset.nq (from the build's work state, else from the file)."""
    build_dir = mini_build[0]
    if not work_state:  # a release whose work folder is gone (it is optional)
        build_dir = tmp_path / "build"
        shutil.copytree(mini_build[0], build_dir, symlinks=True, ignore=shutil.ignore_patterns("work"))
    store = Store.open(build_dir)
    with rdflib_dataset_io():
        published = Dataset()
        published.parse(store.release.dataset_file, format="nquads")
    written = {(s, p): o for s, p, o, _ in published.quads((None, None, None, None)) if isinstance(o, Literal) and o.datatype}
    client = create_app({"store": store}).test_client()
    pages = [(f"{path_of(ARTICLE)}?_format=nt", "nt"), (f"{path_of(JANE)}?_format=ttl", "turtle"),
             (f"{path_of(ARTICLE)}?_format=jsonld", "json-ld")]
    cameo = {str(s) for s, p in written if str(p).endswith("#goldsteinScore")}
    pages += [("/" + c[len(BASE):] + "?_format=ttl", "turtle") for c in sorted(cameo)[:3]]
    shown = 0
    for url, fmt in pages:
        g = parse(client.get(url).data, fmt)
        for s, p, o in g:
            if (s, p) in written and isinstance(o, Literal):
                assert (o.datatype, str(o)) == (written[(s, p)].datatype, str(written[(s, p)])), (url, s, p)
                shown += 1
    indices = {(s, p) for s, p in written if p in (NIF.beginIndex, NIF.endIndex)}
    assert indices and {written[k].datatype for k in indices} == {XSD.nonNegativeInteger}  # what the loader writes
    assert cameo and shown > len(cameo)
    html = client.get(path_of(BASE + "graph/article/100"), headers={"Accept": "text/html"}).data.decode()
    cells = re.findall(r'>nif:(?:begin|end)Index</a></td><td><span class="literal">\d+</span><small> \((xsd:\w+)\)', html)
    assert cells and set(cells) == {"xsd:nonNegativeInteger"}


@pytest.mark.no_seeds
def test_sentences_are_the_article_text_at_their_offsets(mini_store: Store) -> None:
    row = mini_store.query(f"SELECT ?t WHERE {{ <{ARTICLE}> ckg:text ?c . ?c nif:isString ?t }}").rows[0]
    text = str(row["t"])
    begin = text.index("Roe said.")
    s = sentence_at(text, begin, begin + 3)
    assert s is not None and text[s.begin:s.end] == s.text == '"Retaliation would be a huge mistake," Roe said.'


@pytest.mark.no_seeds
def test_article_document_describes_its_spans(client: FlaskClient) -> None:
    g = parse(client.get("/id/article/100").data, "turtle")
    spans = {s for s in g.subjects() if str(s).startswith(ARTICLE + "#char=")}
    assert len(spans) > 5
    assert any(p == NIF.isString for _, p, _ in g)


@pytest.mark.no_seeds
def test_named_graph_dereferences_to_its_triples(client: FlaskClient, mini_store: Store) -> None:
    resp = client.get("/graph/entities", headers={"Accept": "application/n-triples"})
    assert resp.status_code == 200
    g = parse(resp.data, "nt")
    content = mini_store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ENTITIES_GRAPH}> {{ ?s ?p ?o }} }}").triples
    assert set(content) <= set(g)
    assert (ENTITIES_GRAPH, URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"), None) in g  # its provenance
    html = client.get("/graph/entities", headers={"Accept": "text/html"})
    assert html.status_code == 200 and b"Triples in this graph" in html.data


@pytest.mark.no_seeds
def test_cameo_concepts_dereference(client: FlaskClient, mini_store: Store) -> None:
    rows = mini_store.query("SELECT ?c WHERE { ?c a skos:Concept FILTER(STRSTARTS(STR(?c), ?b)) } LIMIT 1",
                            bindings={"b": Literal(BASE + "cameo/")}).rows
    assert rows
    resp = client.get(path_of(str(rows[0]["c"])))
    assert resp.status_code == 200 and len(parse(resp.data, "turtle")) > 2


@pytest.mark.no_seeds
def test_unknown_iri_is_404(client: FlaskClient) -> None:
    resp = client.get("/id/entity/nobody-at-all")
    assert resp.status_code == 404
    assert json.loads(resp.data)["error"].startswith(f"<{BASE}id/entity/nobody-at-all> is not in build")
    page = client.get("/id/entity/nobody-at-all", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html" and b"Error 404" in page.data


@pytest.mark.no_seeds
def test_no_rdf_format_acceptable_is_406(client: FlaskClient) -> None:
    resp = client.get("/id/entity/jane-roe", headers={"Accept": "application/pdf"})
    assert resp.status_code == 406


# ------------------------------------------------------------------------------ ontology and shapes


@pytest.mark.no_seeds
@pytest.mark.parametrize("path, file", [("/ontology", "crisiskg.ttl"), ("/shapes", "shapes.ttl")])
def test_schema_documents(client: FlaskClient, mini_store: Store, path: str, file: str) -> None:
    published = (mini_store.release.path / file).read_bytes()
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    assert resp.data == published
    reference = parse(published, "turtle")
    for key, (media, fmt) in RDF_FORMATS.items():
        other = client.get(path, headers={"Accept": media})
        assert other.mimetype == media
        assert isomorphic(parse(other.data, fmt), reference), key
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"


@pytest.mark.no_seeds
def test_ontology_terms_resolve_to_the_ontology_page(client: FlaskClient) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="Person"' in page and 'id="Event"' in page
    assert client.get("/ontology/0.1.0").status_code == 200  # the version IRI


# ------------------------------------------------------------------------------ dumps


DUMP_FORMATS = {"crisiskg.nq": ("nquads", "nquads", True), "crisiskg.trig": ("trig", "trig", True),
                "crisiskg.jsonld": ("json-ld", "json-ld", True), "crisiskg.ttl": ("turtle", "turtle", False),
                "crisiskg.nt": ("nt", "nt", False)}


@pytest.mark.no_seeds
@pytest.mark.parametrize("name", sorted(DUMP_FORMATS))
def test_dumps_equal_crisiskg_export(client: FlaskClient, mini_build: tuple[Path, Any], name: str) -> None:
    parse_fmt, export_fmt, quads = DUMP_FORMATS[name]
    resp = client.get(f"/dumps/{name}")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("inline; filename=\"crisiskg-")
    exported = export_dataset(mini_build[0], export_fmt)
    if not quads:
        assert isomorphic(parse(resp.data, parse_fmt), parse(exported, parse_fmt))
        return
    got, expected = parse(resp.data, parse_fmt, dataset=True), parse(exported, parse_fmt, dataset=True)
    with rdflib_dataset_io():
        got_graphs = {g.identifier: g for g in got.graphs() if len(g)}
        expected_graphs = {g.identifier: g for g in expected.graphs() if len(g)}
        assert set(got_graphs) == set(expected_graphs)
        for name_, g in expected_graphs.items():
            assert isomorphic(got_graphs[name_], g), name_


@pytest.mark.no_seeds
def test_dump_index_and_negotiated_dump(client: FlaskClient) -> None:
    listing = json.loads(client.get("/dumps").data)
    names = {d["name"] for d in listing["dumps"]}
    assert names == {"crisiskg.nq", "crisiskg.trig", "crisiskg.jsonld", "crisiskg.ttl", "crisiskg.nt",
                     "ontology.ttl", "cameo.ttl", "shapes.ttl"}
    for d in listing["dumps"]:
        assert client.get(d["url"]).status_code == 200, d
    assert client.get("/dumps/crisiskg").mimetype == "application/n-quads"
    resp = client.get("/dumps/crisiskg", headers={"Accept": "text/turtle"})
    assert resp.mimetype == "text/turtle" and resp.headers["Content-Location"] == "/dumps/crisiskg.ttl"
    assert client.get("/dumps/crisiskg", headers={"Accept": "text/html"}).status_code == 406
    assert client.get("/dumps/other.zip").status_code == 404
    assert b"<ul>" in client.get("/dumps", headers={"Accept": "text/html"}).data


# ------------------------------------------------------------------------------ VoID


@pytest.mark.no_seeds
def test_void(client: FlaskClient, mini_store: Store) -> None:
    resp = client.get("/.well-known/void")
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    g = parse(resp.data, "turtle")
    ds = URIRef(BASE + "dataset")
    assert (ds, RDF.type, VOID.Dataset) in g
    total = int(mini_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])  # type: ignore[call-overload]
    assert int(g.value(ds, VOID.triples)) == total
    assert int(g.value(ds, VOID.classes)) > 10 and int(g.value(ds, VOID.properties)) > 10
    assert g.value(ds, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    dumps = set(g.objects(ds, VOID.dataDump))
    assert {str(d).rsplit("/", 1)[-1] for d in dumps} == {"crisiskg.nq", "crisiskg.trig", "crisiskg.jsonld", "crisiskg.ttl", "crisiskg.nt"}
    for d in dumps:
        assert client.get(str(d).replace("http://localhost", "")).status_code == 200
    person = [p for p in g.objects(ds, VOID.classPartition) if g.value(p, VOID["class"]) == URIRef("https://w3id.org/crisiskg/ontology#Person")]
    assert person and int(g.value(person[0], VOID.entities)) >= 1
    subsets = {str(s) for s in g.objects(ds, VOID.subset)}
    assert subsets == set(mini_store.graphs)
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == Literal(True)
    assert (ds, URIRef("http://purl.org/dc/terms/conformsTo"), URIRef(BASE + "shapes")) in g
    assert "conforms" in str(g.value(report, RDFS.comment))


@pytest.mark.no_seeds
def test_dataset_iri_dereferences_to_void(client: FlaskClient) -> None:
    a = client.get("/dataset", headers={"Accept": "application/n-triples"})
    b = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert a.status_code == 200 and isomorphic(parse(a.data, "nt"), parse(b.data, "nt"))
    assert client.get("/dataset", headers={"Accept": "text/html"}).mimetype == "text/html"


def test_every_minted_iri_of_the_seeds_dereferences(seed_store: Store) -> None:
    """On the real seeds too: each minted document IRI answers Turtle about itself, and HTML."""
    client = create_app({"store": seed_store}).test_client()
    iris = minted(seed_store)
    assert len(iris) > 100
    for iri in iris:
        resp = client.get(path_of(iri), headers={"Accept": "text/turtle"})
        assert resp.status_code == 200, (iri, resp.data[:200])
        nodes = {str(n).split("#", 1)[0] for t in parse(resp.data, "turtle") for n in t if isinstance(n, URIRef)}
        assert iri in nodes, iri
    for iri in iris[:: max(1, len(iris) // 15)]:
        page = client.get(path_of(iri), headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.mimetype == "text/html", iri
