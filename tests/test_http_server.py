"""A real ``crisiskg serve`` (waitress) on 127.0.0.1, started by the test on a free port, and real
clients against it: SPARQLWrapper (JSON, XML, CSV, Turtle for CONSTRUCT, GET and POST) and rdflib's
SPARQLStore; plus raw HTTP for what a test client cannot show (the server's own 405, keep-alive)."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from serving import free_port, running_server  # tests/serving.py
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper

from crisiskg.query.store import Store

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ROOT = Path(__file__).resolve().parent.parent
JANE = "https://w3id.org/crisiskg/id/entity/jane-roe"
LABELS = "SELECT ?e ?label WHERE { ?e a ckg:Person ; rdfs:label ?label } ORDER BY ?e"


@pytest.fixture(scope="module")
def server(mini_build: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``crisiskg serve`` on the mini build, as a subprocess; its base URL."""
    releases_before = sorted((mini_build[0] / "releases").iterdir())
    with running_server(mini_build[0], tmp_path_factory.mktemp("serve") / "stderr.log", extra=("--threads", "4")) as base:  # /readyz: a query worker runs
        yield base
    assert sorted((mini_build[0] / "releases").iterdir()) == releases_before, "serve must never re-run the pipeline"


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def test_serve_opens_the_published_build(server: str, mini_build: tuple[Path, Any]) -> None:
    status, _, body = get(server + "/readyz")
    assert status == 200
    assert json.loads(body)["version"] == Store.open(mini_build[0]).version
    status, headers, _ = get(server + "/healthz")
    assert headers.get("Server", "").startswith("crisiskg")  # waitress (ident=crisiskg), not Flask's development server


def test_sparqlwrapper_json(server: str) -> None:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(LABELS)
    sw.setReturnFormat(JSON)
    res = sw.query().convert()
    assert {"e": JANE, "label": "Jane Roe"} in [{k: v["value"] for k, v in b.items()} for b in res["results"]["bindings"]]


def test_sparqlwrapper_xml_by_post(server: str) -> None:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(LABELS)
    sw.setMethod(POST)
    sw.setReturnFormat(XML)
    doc = sw.query().convert()
    values = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert "Jane Roe" in values


def test_sparqlwrapper_csv_by_direct_post(server: str) -> None:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(LABELS)
    sw.setMethod(POST)
    sw.setRequestMethod(POSTDIRECTLY)
    sw.setReturnFormat(CSV)
    rows = list(csv.DictReader(io.StringIO(sw.query().convert().decode("utf-8"))))
    assert {"e": JANE, "label": "Jane Roe"} in rows


def test_sparqlwrapper_turtle_for_construct(server: str) -> None:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(f"CONSTRUCT {{ <{JANE}> ?p ?o }} WHERE {{ <{JANE}> ?p ?o }}")
    sw.setReturnFormat(TURTLE)
    data = sw.query().convert()
    g = Graph().parse(data=data, format="turtle")
    assert (URIRef(JANE), RDFS.label, Literal("Jane Roe")) in g


def test_sparqlwrapper_ask(server: str) -> None:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(f"ASK {{ <{JANE}> a ckg:Person }}")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore(server: str, method: str) -> None:
    store = SPARQLStore(server + "/sparql", method=method)
    try:
        g = Dataset(store=store, default_union=True)  # the endpoint's default graph: the union
        rows = list(g.query(LABELS))
        assert (URIRef(JANE), Literal("Jane Roe")) in [(r[0], r[1]) for r in rows]  # type: ignore[index]
        assert g.query(f"ASK {{ <{JANE}> a ckg:Person }}").askAnswer is True
        triples = {t for t, _ in store.triples((URIRef(JANE), None, None))}  # the store's own triple pattern API
        assert (URIRef(JANE), RDFS.label, Literal("Jane Roe")) in triples
    finally:
        store.close()


def test_real_server_statuses(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        for method, path, status in [("DELETE", "/sparql", 405), ("GET", "/sparql?query=ASK%20%7B", 400),
                                     ("GET", "/sparql?query=ASK%20%7B%7D", 200), ("HEAD", "/id/entity/jane-roe", 200)]:
            conn.request(method, path)  # one keep-alive connection for all
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == status, (method, path, body[:200])
            if status >= 400:
                assert json.loads(body)["status"] == status
    finally:
        conn.close()


def test_serve_without_a_build_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "crisiskg", "serve", "--build", str(tmp_path), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, env={**os.environ}, check=False)
    assert proc.returncode == 2
    assert "no published build" in proc.stderr and "crisiskg build" in proc.stderr
