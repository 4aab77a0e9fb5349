"""Every store kind answers the same: memory, on-disk Oxigraph, and a remote SPARQL 1.1 store.

The remote kind is tested against a real ``oxigraph serve`` (PyPI package ``oxigraph``) started on
127.0.0.1 on a free port, twice: with its default graph empty (crisiskg then sends the dataset over
the protocol) and with ``--union-default-graph``. Each is filled with ``push`` over the Graph Store
Protocol. Every saved question, with its defaults, and a set of ad-hoc queries (both reasoning
modes, explicit datasets, FROM, GRAPH, ASK, CONSTRUCT, aggregates) must give the same answer on
every kind.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode
from serving import free_port, stop  # tests/serving.py

from crisiskg.errors import PublishError, QueryError
from crisiskg.query.remote import PROV_MEMBER, PUSHED_GRAPH, Remote
from crisiskg.query.results import Result
from crisiskg.query.savedqueries import load_queries
from crisiskg.query.store import Store, open_store, parse_spec
from crisiskg.scale.push import push
from crisiskg.vocab import ENTITIES_GRAPH, INFERRED_GRAPH

KINDS = ["memory", "oxigraph", "sparql", "sparql-union"]



@pytest.fixture(scope="module")
def oxigraph_server() -> Iterator[Any]:
    """Start ``oxigraph serve`` on 127.0.0.1 (in memory); ``start(union)`` gives its query URL."""
    exe = shutil.which("oxigraph")
    if exe is None:
        pytest.fail("the 'oxigraph' command is missing: pip install oxigraph (it is in the test extra)")
    procs: list[subprocess.Popen[bytes]] = []

    def start(union: bool) -> str:
        port = free_port()
        args = [exe, "serve", "--bind", f"127.0.0.1:{port}"] + (["--union-default-graph"] if union else [])
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}/query"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=1).read()
                return url
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"oxigraph serve did not start on port {port}")

    yield start
    for proc in procs:
        stop(proc)


@pytest.fixture(scope="module")
def stores(seed_build_dir: Path, oxigraph_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Store]:
    disk = tmp_path_factory.mktemp("oxigraph-store")
    specs = {"memory": "memory", "oxigraph": f"oxigraph:{disk}",
             "sparql": f"sparql:{oxigraph_server(False)}", "sparql-union": f"sparql:{oxigraph_server(True)}"}
    for spec in specs.values():
        push(spec, seed_build_dir)
    opened = {kind: open_store(spec, seed_build_dir) for kind, spec in specs.items()}
    for store in opened.values():  # each kind evaluates: the build's kept answers would be the same files
        store.kept.enabled = False
    return opened


def canonical(result: Result, *, distinct: bool = False) -> Any:
    """A comparable form of a result: blank nodes anonymised, rows sorted (engines may break
    ORDER BY ties differently, so the order is not compared); ``distinct``: each row once."""
    def term(t: Any) -> Any:
        return "_:b" if isinstance(t, BNode) else (None if t is None else (type(t).__name__, str(t), getattr(t, "datatype", None), getattr(t, "language", None)))

    if result.kind == "ask":
        return result.boolean
    if result.kind == "graph":
        return sorted(tuple(map(term, t)) for t in result.triples)  # type: ignore[arg-type]
    rows = [tuple(term(r.get(v)) for v in result.variables) for r in result.rows]
    return (result.variables, sorted(set(rows) if distinct else rows, key=repr))


QUESTIONS = sorted(load_queries())


@pytest.mark.parametrize("qid", QUESTIONS)
def test_saved_questions_agree_on_every_kind(qid: str, stores: dict[str, Store]) -> None:
    q = load_queries()[qid]
    answers = {kind: canonical(q.run(store)) for kind, store in stores.items()}
    assert all(a == answers["memory"] for a in answers.values()), {k: str(v)[:200] for k, v in answers.items()}


def test_kept_answers_are_used_on_every_kind_and_agree(stores: dict[str, Store]) -> None:
    q = load_queries()["timeline"]
    evaluated = canonical(stores["memory"].query(q.sparql))
    try:
        for store in stores.values():
            store.kept.enabled = True
        for kind, store in stores.items():
            kept = store.query(q.sparql)
            assert kept.kept and canonical(kept) == evaluated, kind
    finally:
        for store in stores.values():
            store.kept.enabled = False


ADHOC = {
    "select-optional": ("SELECT ?e ?label ?date WHERE { ?e a ckg:Event ; rdfs:label ?label OPTIONAL { ?e sem:hasTimeStamp ?date } }", {}),
    "inferred-chain": ("SELECT ?e ?place WHERE { ?e ckg:occurredIn ?place }", {}),
    "no-reasoning": ("SELECT ?e ?place WHERE { ?e ckg:occurredIn ?place }", {"reasoning": "none"}),
    "types-no-reasoning": ("SELECT ?x ?c WHERE { ?x a ?c FILTER(STRSTARTS(STR(?x), STR(id:))) }", {"reasoning": "none"}),
    "graph-var": ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
    "explicit-default": ("SELECT ?s ?l WHERE { ?s rdfs:label ?l }", {"default_graph_uris": [str(ENTITIES_GRAPH)]}),
    "explicit-named": ("SELECT ?g ?s WHERE { GRAPH ?g { ?s a ?c } }", {"named_graph_uris": [str(INFERRED_GRAPH)]}),
    "explicit-empty-default": ("SELECT * WHERE { ?s ?p ?o }", {"named_graph_uris": [str(INFERRED_GRAPH)]}),
    "from": (f"SELECT (COUNT(*) AS ?n) FROM <{INFERRED_GRAPH}> WHERE {{ ?s ?p ?o }}", {}),
    "ask": ("ASK { ?s ckg:locatedIn ?o }", {}),
    "construct": ("CONSTRUCT { ?s ckg:occurredIn ?o } WHERE { ?s ckg:occurredIn ?o }", {}),
    "describe-like": ("CONSTRUCT { ?s ?p ?o } WHERE { ?s a ckg:Stance ; ?p ?o }", {}),
    "aggregate": ("SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c", {}),
    "literals": ("SELECT ?x ?l WHERE { ?x ckg:count ?l }", {}),
    "base": ("SELECT ?x WHERE { BIND(<relative> AS ?x) }", {"base_iri": "https://example.org/a/"}),
}


@pytest.mark.parametrize("name", sorted(ADHOC))
def test_adhoc_queries_agree_on_every_kind(name: str, stores: dict[str, Store]) -> None:
    sparql, options = ADHOC[name]
    answers = {kind: canonical(store.query(sparql, **options)) for kind, store in stores.items()}
    assert answers["memory"] not in (None, [], ([], [])), "the query should find something"
    embedded = {k: v for k, v in answers.items() if not k.startswith("sparql")}
    assert all(a == answers["memory"] for a in embedded.values()), {k: str(v)[:300] for k, v in embedded.items()}
    # oxigraph serve repeats a row once per named graph holding its triple (oxigraph#1919, in its
    # union and in a protocol dataset of several graphs); the embedded kinds do not: same rows otherwise
    sets = {kind: canonical(store.query(sparql, **options), distinct=True) for kind, store in stores.items()}
    assert all(a == sets["memory"] for a in sets.values()), {k: str(v)[:300] for k, v in sets.items()}


UNION_COUNTS = {
    # two articles state that Iran was the attacker in the missile strikes of 8 January
    "triple-in-two-graphs": "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/crisiskg/id/event/iran-missile-strikes-2020-01-08> "
                            "ckg:attacker <https://w3id.org/crisiskg/id/entity/iran> }",
    "whole-graph": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


@pytest.mark.parametrize("kind", ["memory", "oxigraph"])
def test_union_default_graph_counts_a_triple_once(kind: str, stores: dict[str, Store]) -> None:
    """pyoxigraph 0.5's union default graph counts a triple once per graph (oxigraph#1919); the
    embedded kinds answer from a set: COUNT(*) agrees with COUNT(DISTINCT) over the same pattern."""
    store = stores[kind]
    for name, sparql in UNION_COUNTS.items():
        for reasoning in ("owlrl", "none"):
            count = int(store.query(sparql, reasoning=reasoning).rows[0]["n"])
            distinct = sparql.replace("COUNT(*)", "COUNT(DISTINCT *)")
            assert count == int(store.query(distinct, reasoning=reasoning).rows[0]["n"]), (name, reasoning)
    graphs = store.query(UNION_COUNTS["triple-in-two-graphs"].replace("COUNT(*)", "COUNT(DISTINCT ?g)")
                         .replace("WHERE {", "WHERE { GRAPH ?g {") + " }")
    assert int(graphs.rows[0]["n"]) >= 2, "the test needs a triple asserted in two graphs"
    assert int(store.query(UNION_COUNTS["triple-in-two-graphs"]).rows[0]["n"]) == 1
    inferred = int(store.query(f"SELECT (COUNT(*) AS ?n) FROM <{INFERRED_GRAPH}> WHERE {{ ?s ?p ?o }}").rows[0]["n"])
    full = int(store.query(UNION_COUNTS["whole-graph"]).rows[0]["n"])
    asserted = int(store.query(UNION_COUNTS["whole-graph"], reasoning="none").rows[0]["n"])
    assert inferred > 0 and full == asserted + inferred
    assert len(store) == int(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"])


def test_a_union_server_is_asked_without_a_dataset(stores: dict[str, Store], seed_build_dir: Path) -> None:
    """After push, a server whose default graph is the union of its graphs and that holds only the
    build's is asked without a dataset (listing thousands of graphs is far slower on Oxigraph); while
    another graph is there, such as the claim of a push cut short, every query lists the build's."""
    union, plain = stores["sparql-union"]._backend, stores["sparql"]._backend
    assert isinstance(union, Remote) and isinstance(plain, Remote)
    assert union.union_default and not plain.union_default
    claim = Remote(union.url)
    try:
        claim.put_graph(PUSHED_GRAPH, f"<{PUSHED_GRAPH}> <{PROV_MEMBER}> <urn:a-graph-a-push-meant-to-write> .\n".encode())
        listing = open_store(f"sparql:{union.url}", seed_build_dir)
        assert isinstance(listing._backend, Remote) and not listing._backend.union_default
        assert listing.graphs == stores["memory"].graphs
        sparql = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50"
        assert canonical(listing.query(sparql), distinct=True) == canonical(stores["memory"].query(sparql), distinct=True)
    finally:
        claim.delete_graph(PUSHED_GRAPH)
        claim.close()


def test_same_size_graphs_version_and_errors(stores: dict[str, Store]) -> None:
    memory = stores["memory"]
    for kind, store in stores.items():
        assert store.kind == kind.split("-")[0]
        assert (len(store), store.graphs, store.version) == (len(memory), memory.graphs, memory.version)
        assert store.default_graphs("none") == memory.default_graphs("none")
        with pytest.raises(QueryError, match="SPARQL syntax error") as info:
            store.query("SELECT ?x WHERE { ?x ")
        assert isinstance(info.value.__cause__, SyntaxError)
        with pytest.raises(QueryError, match="SERVICE is refused"):
            store.query("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")


def test_bindings_are_terms_on_every_kind(stores: dict[str, Store]) -> None:
    from rdflib import Literal

    sparql = "SELECT ?x WHERE { ?x rdfs:label ?label }"
    label = next(r["l"] for r in stores["memory"].query("SELECT ?l WHERE { ?x a ckg:Person ; rdfs:label ?l } LIMIT 1").rows)
    for store in stores.values():
        assert len(store.query(sparql, bindings={"label": label}).rows) >= 1
        assert store.query(sparql, bindings={"label": Literal('x" } ?x ?y ?z . {')}).rows == []


def test_specs_and_mismatched_builds(tmp_path: Path, seed_build_dir: Path, mini_build: tuple[Path, Any]) -> None:
    assert parse_spec(None) == ("memory", "") and parse_spec("oxigraph:/x") == ("oxigraph", "/x")
    for bad in ("disk:/x", "memory:/x", "oxigraph:", "sparql:ftp://x"):
        with pytest.raises(PublishError):
            parse_spec(bad)
    with pytest.raises(PublishError, match="no Oxigraph store"):
        open_store(f"oxigraph:{tmp_path / 'none'}", seed_build_dir)
    push(f"oxigraph:{tmp_path / 'ox'}", mini_build[0])
    with pytest.raises(PublishError, match="crisiskg push"):
        open_store(f"oxigraph:{tmp_path / 'ox'}", seed_build_dir)
    one = open_store(f"oxigraph:{tmp_path / 'ox'}", mini_build[0])
    two = open_store(f"oxigraph:{tmp_path / 'ox'}", mini_build[0])  # read-only: many readers at once
    assert len(one) == len(two) > 0
    with pytest.raises(PublishError, match="cannot query"):
        open_store(f"sparql:http://127.0.0.1:{free_port()}/query", seed_build_dir)


@pytest.mark.no_seeds
def test_push_command(tmp_path: Path, mini_build: tuple[Path, Any]) -> None:
    from click.testing import CliRunner

    from crisiskg.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["push", "--store", f"oxigraph:{tmp_path / 'ox'}", "--build", str(mini_build[0])])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "ox" / "current").is_dir()
    assert len(open_store(f"oxigraph:{tmp_path / 'ox'}", mini_build[0])) == len(open_store("memory", mini_build[0]))
    bad = runner.invoke(main, ["push", "--store", "disk:/x", "--build", str(mini_build[0])])
    assert bad.exit_code == 2 and "oxigraph:PATH" in bad.output


@pytest.mark.no_seeds
def test_push_command_to_a_remote_store_shows_its_stages(mini_build: tuple[Path, Any], oxigraph_server: Any) -> None:
    """Off a terminal one line per finished stage; on one a live line naming each graph as it is PUT."""
    import re

    from click.testing import CliRunner

    from crisiskg.cli import main

    for terminal in (False, True):
        url = oxigraph_server(False)  # a server without the build: one that holds it already is sent nothing
        env = {"TTY_COMPATIBLE": "1" if terminal else "0", "TTY_INTERACTIVE": "1" if terminal else "0", "COLUMNS": "100"}
        result = CliRunner(env=env).invoke(main, ["push", "--store", f"sparql:{url}", "--build", str(mini_build[0])], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("pushed build ") and "\x1b[" not in result.stdout
        plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr).replace("\r", "\n")
        stages = re.findall(r"^  ([a-z]+)\s+\d+\.\d\d s$", plain, re.MULTILINE)
        assert stages == ["claim", "put", "delete", "record"], plain
        assert ("\x1b[" in result.stderr) is terminal
        assert ("push: PUT " in plain) is terminal  # the live line names the graph being written
        if not terminal:
            assert len(plain.splitlines()) == len(stages)


def test_the_union_benchmark_runs_and_compares_answers(seed_build_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/remote_union.py``, tiny: it pushes to its own union server, is asked through the
    union, and reports every question (having checked both ways give the same rows)."""
    from benchmarks.remote_union import QUESTIONS, main

    main(["--build", str(seed_build_dir), "--rounds", "1"])
    out = capsys.readouterr().out
    assert "0 replaced" in out
    for qid in QUESTIONS.split(","):
        assert f"| `{qid}` |" in out


@pytest.mark.no_seeds
def test_a_dataset_with_a_default_graph_triple_is_refused_naming_the_file(mini_build: tuple[Path, Any], oxigraph_server: Any,
                                                                          tmp_path: Path) -> None:
    """A build writes named graphs only; a dataset edited by hand to hold a default-graph triple is
    refused before anything is sent, with the file, the triple and what to do."""
    from crisiskg.build.publish import Release, current
    from crisiskg.scale.pushremote import push_remote

    published = current(mini_build[0])
    copy = tmp_path / "release"
    shutil.copytree(published.path, copy, ignore=shutil.ignore_patterns("store"))
    with open(copy / "dataset.nq", "ab") as fh:
        fh.write(b"<urn:x:s> <urn:x:p> <urn:x:o> .\n")
    url = oxigraph_server(False)  # a fresh server: it holds nothing
    with pytest.raises(PublishError) as caught:
        push_remote(url, Release(copy, published.manifest))
    said = str(caught.value)
    assert str(copy / "dataset.nq") in said and "<urn:x:s> <urn:x:p> <urn:x:o>" in said
    assert "default graph" in said and "build again" in said
    ask = urllib.request.urlopen(f"{url}?query=ASK%7BGRAPH%3Fg%7B%3Fs%3Fp%3Fo%7D%7D", timeout=5).read()
    assert b"false" in ask  # nothing sent
