"""A SPARQL server that echoes the protocol dataset as headers (Virtuoso sends one
``X-SPARQL-default-graph`` and one ``X-SPARQL-named-graph`` header per graph asked for) still
answers through the remote client when a build has hundreds of graphs: Python's HTTP client
refuses more than 100 headers by default."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from serving import loopback_http  # tests/serving.py

from crisiskg.query.remote import Remote

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

GRAPHS = [f"urn:graph:{i}" for i in range(400)]
ANSWER = {"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "7"}}]}}


class _EchoingServer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # the name http.server calls
        form = urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        body = json.dumps(ANSWER).encode("utf-8")
        self.send_response(200)
        for key, value in form:
            if key in ("default-graph-uri", "named-graph-uri"):
                self.send_header("X-SPARQL-" + key.replace("-uri", ""), value)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echoing() -> Iterator[str]:
    with loopback_http(_EchoingServer) as url:
        yield f"{url}/sparql"


def test_an_answer_with_a_header_per_graph_is_read(echoing: str) -> None:
    remote = Remote(echoing)
    try:
        result = remote.query("SELECT ?n WHERE { ?s ?p ?o }", prefixes=None, base_iri=None,
                              default=GRAPHS, named=GRAPHS, union=False)
        assert [row["n"].value for row in result] == ["7"]
    finally:
        remote.close()
