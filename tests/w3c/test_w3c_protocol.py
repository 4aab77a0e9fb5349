"""The W3C SPARQL 1.1 Protocol test suite (``manifest.ttl``, W3C test suite licence: LICENSE.md)
run against the real endpoint: the app under waitress on 127.0.0.1, spoken to with raw HTTP so that
every header and body byte is what the manifest says.

The data each test declares (``ut:graphData``: ``data1.nt`` … as graphs named by their labels) is
published as a build of its own. Every query test and every bad-request test must pass. The positive
update tests cannot pass on a read-only service: they run, are refused, and are marked xfail.
The service-description manifest's three tests run too.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from crisiskg.query.store import Store
from crisiskg.service import create_app

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

HERE = Path(__file__).resolve().parent
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}
READ_ONLY = ("not applicable: this service is read-only; SPARQL Update is refused with 403, so a test "
             "that expects an update to succeed cannot pass")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: tuple[str, ...]  # e.g. ("2xx", "3xx")
    expected_format: str | None
    expected_boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: tuple[Request, ...]
    graphs: tuple[tuple[str, str], ...]  # (file, graph name)

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _requests(g: Graph, test: Any) -> tuple[Request, ...]:
    action = g.value(test, MF.action)
    out = []
    for req in Collection(g, g.value(action, HT.requests)):
        headers = {}
        header_list = g.value(req, HT.headers)
        if header_list is not None:
            for h in Collection(g, header_list):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        body = None
        body_node = g.value(req, HT.body)
        if body_node is not None:
            encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
            body = str(g.value(body_node, CNT.chars)).encode(encoding)
        resp = g.value(req, HT.resp)
        statuses = tuple(sorted(str(s).rsplit("StatusCode", 1)[-1] for s in g.objects(resp, MF.expectedStatus)))
        fmt = g.value(resp, MF.expectedFormat)
        boolean = g.value(resp, MF.expectedBoolean)
        path = str(g.value(req, HT.absolutePath))
        assert path.startswith("/sparql/")
        out.append(Request(str(g.value(req, HT.methodName)), "/sparql" + path[len("/sparql/"):], headers, body, statuses,
                           str(fmt) if fmt is not None else None,
                           boolean.toPython() if isinstance(boolean, Literal) else None))
    return tuple(out)


def load_manifest(path: Path = HERE / "manifest.ttl") -> list[ProtocolTest]:
    """Every test of the protocol manifest, in the manifest's order."""
    g = Graph()
    g.parse(path, format="turtle", publicID=(HERE / path.name).as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in Collection(g, g.value(manifest, MF.entries)):
        graphs = tuple(sorted((Path(str(g.value(d, UT.graph))).name, str(g.value(d, RDFS.label)))
                              for d in g.objects(test, UT.graphData)))
        tests.append(ProtocolTest(str(test).rsplit("#", 1)[-1], str(g.value(test, MF.name)), _requests(g, test), graphs))
    return tests


TESTS = load_manifest()


def test_manifest_is_complete() -> None:
    """The harness sees all 34 tests: 13 queries, 7 updates, 14 bad requests."""
    assert len(TESTS) == 34
    assert sum(t.is_update for t in TESTS) == 7
    assert sum(t.name.startswith("bad_") for t in TESTS) == 14
    assert sum(t.name.startswith("query_") for t in TESTS) == 13


@pytest.fixture(scope="module")
def w3c_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published build holding every graph the manifest declares (file -> graph name)."""
    graphs = sorted({pair for t in TESTS for pair in t.graphs})
    assert graphs, "the manifest declares data"
    out = tmp_path_factory.mktemp("w3c-build")
    release = out / "releases" / "w3c"
    release.mkdir(parents=True)
    with open(release / "dataset.nq", "w", encoding="utf-8") as fh:
        for file, name in graphs:
            for line in (HERE / file).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    assert line.rstrip().endswith(" .")
                    fh.write(f"{line.rstrip()[:-1].rstrip()} <{name}> .\n")
    manifest = {"version": "w3c-protocol", "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "validation": {"conforms": True, "violations": 0}, "counts": {}}
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    os.symlink(Path("releases") / "w3c", out / "current")
    return out


@pytest.fixture(scope="module")
def server(w3c_build: Path) -> Iterator[tuple[str, int]]:
    """The app on a real waitress server on 127.0.0.1 (a free port), in a daemon thread."""
    from waitress.server import create_server

    app = create_app({"store": Store.open(w3c_build)})
    srv = create_server(app, host="127.0.0.1", port=0, threads=4)

    def run() -> None:
        try:
            srv.run()
        except OSError:  # a socket closed under its select() at teardown (EBADF): the server is done
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield "127.0.0.1", int(srv.effective_port)  # type: ignore[union-attr]
    srv.task_dispatcher.shutdown()
    srv.close()
    thread.join(timeout=5)


def send(server: tuple[str, int], req: Request) -> tuple[int, str, bytes]:
    """One raw HTTP/1.1 request; (status, media type, body)."""
    conn = http.client.HTTPConnection(*server, timeout=30)
    try:
        conn.putrequest(req.method, req.path, skip_accept_encoding=True)
        for name, value in req.headers.items():
            conn.putheader(name, value)
        if req.body is not None:
            conn.putheader("Content-Length", str(len(req.body)))
        elif req.method in ("POST", "PUT"):
            conn.putheader("Content-Length", "0")
        conn.endheaders(req.body)
        resp = conn.getresponse()
        return resp.status, (resp.getheader("Content-Type") or "").split(";")[0].strip(), resp.read()
    finally:
        conn.close()


def boolean_of(media: str, body: bytes) -> bool:
    if media == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    (node,) = root.iter("{http://www.w3.org/2005/sparql-results#}boolean")
    return (node.text or "").strip() == "true"


def check(server: tuple[str, int], test: ProtocolTest) -> None:
    for i, req in enumerate(test.requests):
        status, media, body = send(server, req)
        where = f"{test.name} request {i + 1} ({req.method} {req.path[:80]})"
        assert f"{status // 100}xx" in req.statuses, f"{where}: status {status}, expected {req.statuses}: {body[:300]!r}"
        if req.expected_format == "boolean" or req.expected_boolean is not None:
            assert media in BOOLEAN_TYPES, f"{where}: {media} is not a boolean result format"
            if req.expected_boolean is not None:
                assert boolean_of(media, body) is req.expected_boolean, f"{where}: wrong boolean"
        elif req.expected_format == "tabular":
            assert media in TABULAR_TYPES, f"{where}: {media} is not a tabular result format"
        elif req.expected_format == "RDF":
            assert media in RDF_TYPES, f"{where}: {media} is not an RDF format"
            Graph().parse(data=body, format=RDF_TYPES[media])


@pytest.mark.parametrize("test", [
    pytest.param(t, id=t.name, marks=[pytest.mark.xfail(strict=True, raises=AssertionError, reason=READ_ONLY)] if t.is_update else [])
    for t in TESTS
])
def test_protocol(server: tuple[str, int], test: ProtocolTest) -> None:
    check(server, test)


def test_updates_are_refused_with_403(server: tuple[str, int]) -> None:
    """What the xfailed update tests get: a clear 403, never a 2xx or a 5xx."""
    for test in (t for t in TESTS if t.is_update):
        status, _media, body = send(server, test.requests[0])
        assert status == 403, (test.name, status, body)
        assert json.loads(body)["error"].startswith("this endpoint is read-only")


# ------------------------------------------------------------------------------ service description manifest

SD_TESTS = [str(t).rsplit("#", 1)[-1] for t in Graph().parse(HERE / "service-description-manifest.ttl").subjects(
    RDF.type, URIRef("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#ServiceDescriptionTest"))]


@pytest.mark.parametrize("name", sorted(SD_TESTS))
def test_service_description(server: tuple[str, int], name: str) -> None:
    endpoint = f"http://{server[0]}:{server[1]}/sparql"
    status, media, body = send(server, Request("GET", "/sparql", {"Accept": "text/turtle"}, None, ("2xx",), None, None))
    assert status == 200
    if name == "returns-rdf":
        assert media in RDF_TYPES
        return
    g = Graph().parse(data=body, format=RDF_TYPES[media])
    services = set(g.subjects(RDF.type, SD.Service))
    if name == "has-endpoint-triple":
        assert any((s, SD.endpoint, URIRef(endpoint)) in g for s in services)
    else:  # conforms-to-schema: the SD vocabulary's domains and ranges hold
        assert len(services) == 1
        (service,) = services
        assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
        dataset = g.value(service, SD.defaultDataset)
        assert (dataset, RDF.type, SD.Dataset) in g
        assert (g.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in g
        names = set()
        for ng in g.objects(dataset, SD.namedGraph):
            assert (ng, RDF.type, SD.NamedGraph) in g
            assert isinstance(g.value(ng, SD.name), URIRef)
            assert (g.value(ng, SD.graph), RDF.type, SD.Graph) in g
            names.add(str(g.value(ng, SD.name)))
        assert names == {name for t in TESTS for _, name in t.graphs}
