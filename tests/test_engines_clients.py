"""Real clients against a real ``crisiskg serve`` on 127.0.0.1 get full answers: rdflib's
``Dataset(store=SPARQLStore(url))`` (which names the default graph ``urn:x-rdflib:default``),
SPARQLWrapper and curl; each counts what the export holds."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from serving import running_server  # tests/serving.py
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from crisiskg.build.export import export_dataset
from crisiskg.build.publish import rdflib_dataset_io
from crisiskg.query.store import Store

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LOCATED = "CONSTRUCT { ?s ckg:locatedIn ?o } WHERE { ?s ckg:locatedIn ?o }"


@pytest.fixture(scope="module")
def server(mini_build: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(mini_build[0], tmp_path_factory.mktemp("serve") / "stderr.log") as base:
        yield base + "/sparql"


@pytest.fixture(scope="module")
def exported(mini_build: tuple[Path, Any]) -> dict[str, int]:
    """Triples of the export (graphs merged), and quads per named graph."""
    triples = export_dataset(mini_build[0], "nt").decode("utf-8").splitlines()
    per_graph: dict[str, int] = {}
    for line in export_dataset(mini_build[0], "nq").decode("utf-8").splitlines():
        graph = line.rstrip(" .").rsplit(" ", 1)[1].strip("<>")
        per_graph[graph] = per_graph.get(graph, 0) + 1
    return {"triples": len([t for t in triples if t.strip()]), **per_graph}


def test_rdflib_dataset_over_sparqlstore_counts_the_export(server: str, exported: dict[str, int]) -> None:
    """rdflib sends default-graph-uri=urn:x-rdflib:default for the Dataset's default graph: the
    endpoint reads it as its default graph (the union), so the count is the export's, not 0."""
    store = SPARQLStore(server)
    try:
        with rdflib_dataset_io():
            ds = Dataset(store=store)
            assert len(ds) == exported["triples"] > 0
            graph = next(g for g in exported if g.endswith("/entities"))
            assert len(Graph(store=store, identifier=URIRef(graph))) == exported[graph]
    finally:
        store.close()


def test_sparqlwrapper_gets_full_answers(server: str, exported: dict[str, int], mini_store: Store) -> None:
    sw = SPARQLWrapper(server)
    sw.setQuery(COUNT)
    sw.setReturnFormat(JSON)
    answer: Any = sw.queryAndConvert()
    assert int(answer["results"]["bindings"][0]["n"]["value"]) == exported["triples"]
    sw.setQuery(LOCATED)
    sw.setReturnFormat(TURTLE)
    got = Graph().parse(data=sw.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert len(got) == len(mini_store.query(LOCATED).triples) > 0


def test_curl_gets_full_answers(server: str, exported: dict[str, int]) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed (apt-get install curl)")
    out = subprocess.run([curl, "-sS", "--fail", "-H", "Accept: application/sparql-results+json", "--data-urlencode",
                          f"query={COUNT}", server], capture_output=True, check=True, timeout=60)
    assert int(json.loads(out.stdout)["results"]["bindings"][0]["n"]["value"]) == exported["triples"]
    out = subprocess.run([curl, "-sS", "--fail", "-G", "-H", "Accept: application/n-triples", "--data-urlencode",
                          f"query={LOCATED}", server], capture_output=True, check=True, timeout=60)
    assert out.stdout.count(b"\n") > 0 and b"ontology#locatedIn>" in out.stdout
