"""Pushing an incremental build to a remote SPARQL store (a real ``oxigraph serve``): only what the
build appended is POSTed and its inferred and provenance graphs PUT, and the server then holds,
quad for quad, what a full push gives; whenever the server does not hold the build it was made from
whole, push sends the release in full and says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from engineservers import running_oxigraph  # tests/engineservers.py
from test_push_incremental import Chain, make_current, project, synthetic  # noqa: F401  (module fixtures, built once here)

from crisiskg.query.remote import PUSHED_GRAPH, Remote
from crisiskg.query.store import open_store
from crisiskg.scale.push import push


@pytest.fixture(params=[pytest.param("synthetic", marks=pytest.mark.no_seeds), "project"])
def chain(request: pytest.FixtureRequest) -> Chain:
    built: Chain = request.getfixturevalue(request.param)
    return built


@pytest.fixture
def server(chain: Chain) -> Iterator[str]:
    """A fresh ``oxigraph serve --union-default-graph`` holding the chain's first build, pushed in full."""
    with running_oxigraph(union=True) as url:
        make_current(chain, 0)
        said = push(f"sparql:{url}", chain.out)
        assert "(not incrementally" not in said and "(0 replaced" in said, said
        yield url


def held(url: str) -> ox.Dataset:
    """Every quad of every named graph on the server (blank nodes renamed canonically)."""
    remote = Remote(url)
    try:
        rows = remote._select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    finally:
        remote.close()
    quads = ox.Dataset(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return quads


def pushed_in_full(chain: Chain) -> ox.Dataset:
    """What a full push of the current release gives a fresh server (which writes some literals in
    its own canonical form: ``"3"^^xsd:decimal`` for ``"3.0"``)."""
    with running_oxigraph() as url:
        said = push(f"sparql:{url}", chain.out)
        assert "(0 replaced" in said and "incrementally, onto" not in said, said
        return held(url)


def test_incremental_pushes_send_the_difference_and_equal_the_release(chain: Chain, server: str) -> None:
    for n in (1, 2):
        release = make_current(chain, n)
        said = push(f"sparql:{server}", chain.out)
        assert said.startswith(f"pushed build {release.version} to {server} incrementally, onto build "
                               f"{chain.releases[n - 1].version}: 1 article added; "), said
        assert "the inferred and provenance graphs replaced" in said and "every other graph left untouched" in said
        assert held(server) == pushed_in_full(chain)  # not a quad more or less than a full push gives
        store = open_store(f"sparql:{server}", chain.out)
        assert store.version == release.version and store._backend.union_default  # no claim left


def test_a_chain_is_pushed_onto_the_build_the_server_holds(chain: Chain, server: str) -> None:
    make_current(chain, 2)  # the server holds release 0; release 1 was never pushed
    said = push(f"sparql:{server}", chain.out)
    assert f"incrementally, onto build {chain.releases[0].version}: 2 articles added" in said, said
    assert held(server) == pushed_in_full(chain)


def fallback(chain: Chain, server: str, reason: str) -> None:
    release = make_current(chain, 1)
    said = push(f"sparql:{server}", chain.out)
    assert f"pushed build {release.version} to {server}: " in said and f"(not incrementally: {reason}" in said, said
    assert held(server) == pushed_in_full(chain)


def test_after_a_push_cut_short_the_release_is_sent_in_full(chain: Chain, server: str) -> None:
    remote = Remote(server)
    try:
        remote.put_graph(PUSHED_GRAPH, f"<{PUSHED_GRAPH}> <http://www.w3.org/ns/prov#hadMember> <urn:half-written> .\n".encode())
    finally:
        remote.close()
    fallback(chain, server, "it holds a claim of an earlier push")


def test_with_a_graph_of_the_build_gone_the_release_is_sent_in_full(chain: Chain, server: str) -> None:
    remote = Remote(server)
    try:
        gone = min(remote.pushed_graphs() or [])
        remote.delete_graph(gone)
    finally:
        remote.close()
    fallback(chain, server, f"1 graph(s) of build {chain.releases[0].version} are no longer there (e.g. {gone})")


def test_a_base_build_changed_on_the_server_gets_the_release_in_full(chain: Chain, server: str) -> None:
    remote = Remote(server)
    try:
        changed = max(remote.pushed_graphs() or [])
        remote.post_graph(changed, b"<urn:someone> <urn:added> <urn:this> .\n")
    finally:
        remote.close()
    fallback(chain, server, f"1 graph(s) of build {chain.releases[0].version} changed on the server since it was pushed (e.g. {changed}: ")


def test_a_server_holding_a_build_outside_the_chain_gets_the_release_in_full(chain: Chain, server: str) -> None:
    make_current(chain, 2)
    push(f"sparql:{server}", chain.out)  # the server now holds release 2, which release 1 was not made from
    fallback(chain, server, f"{server} holds no store of a build that build {chain.releases[1].version} was made from")


def test_the_build_the_server_holds_whole_is_sent_nothing(chain: Chain, server: str) -> None:
    """A push of the build the server holds sends nothing; once a graph of it is gone, or a push of
    it was cut short, it is sent in full again."""
    release = make_current(chain, 0)
    before = held(server)
    graphs = {q.graph_name.value for q in before}
    said = push(f"sparql:{server}", chain.out)
    assert said == f"build {release.version} is already at {server}: its {len(graphs)} graphs are there; nothing sent"
    assert held(server) == before
    remote = Remote(server)
    try:
        gone = min(graphs)
        remote.delete_graph(gone)
        assert push(f"sparql:{server}", chain.out).startswith(f"pushed build {release.version} to {server}: {len(graphs)} graphs")
        assert held(server) == before
        remote.put_graph(PUSHED_GRAPH, f"<{PUSHED_GRAPH}> <http://www.w3.org/ns/prov#hadMember> <{gone}> .\n".encode())
        assert f"({len(graphs)} replaced, 0 new)" in push(f"sparql:{server}", chain.out)
    finally:
        remote.close()
    assert held(server) == before


def test_a_graph_changed_on_the_server_since_the_push_is_sent_again(chain: Chain, server: str) -> None:
    """The server names the build's version and holds every graph, but someone else's update has
    changed one: the build is sent again, the summary names the graph, and the server then holds
    the release again."""
    release = make_current(chain, 0)
    before = held(server)
    graphs = sorted({q.graph_name.value for q in before})
    size = sum(1 for q in before if q.graph_name.value == graphs[-1])
    remote = Remote(server)
    try:
        remote.post_graph(graphs[-1], b"<urn:someone> <urn:added> <urn:this> .\n")
        said = push(f"sparql:{server}", chain.out)
        assert said.startswith(f"pushed build {release.version} to {server}: {len(graphs)} graphs"), said
        assert (f"(sent again: 1 graph(s) of build {release.version} changed on the server since it was pushed "
                f"(e.g. {graphs[-1]}: {size + 1} triples there, {size} in the build))") in said, said
        assert held(server) == before
        assert push(f"sparql:{server}", chain.out).startswith(f"build {release.version} is already at {server}")
    finally:
        remote.close()


def build_graphs(spec: str, graphs: set[str]) -> set[tuple[str, str, str, str]]:
    """The quads of ``graphs`` on the server at ``spec`` (Virtuoso keeps graphs of its own beside
    them), those with blank nodes left out (Virtuoso names them in a way no parser reads back)."""
    remote = Remote(spec.partition(":")[2])
    try:
        rows = remote._select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o FILTER (!isBlank(?s) && !isBlank(?o)) } }",
                              named=sorted(graphs))
    finally:
        remote.close()
    return {(str(r["s"]), str(r["p"]), str(r["o"]), r["g"].value) for r in rows}


def test_virtuoso_takes_an_incremental_push(project: Chain, tmp_path: Path) -> None:  # noqa: F811  (the fixture)
    """The Graph Store POST on Virtuoso (its Digest-protected endpoint): the increment gives what a
    full push of the same release gives, on the same server."""
    from engineservers import DBA, running_virtuoso

    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {DBA[0]} password {DBA[1]}\n", encoding="utf-8")
    netrc.chmod(0o600)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NETRC", str(netrc))
        mp.delenv("CRISISKG_STORE_USER", raising=False)
        try:
            running = running_virtuoso(tmp_path / "virtuoso")
            virtuoso = running.__enter__()
        except FileNotFoundError as exc:
            pytest.skip(str(exc))
        try:
            make_current(project, 0)
            push(virtuoso.spec, project.out)
            make_current(project, 2)
            said = push(virtuoso.spec, project.out)
            assert f"incrementally, onto build {project.releases[0].version}: 2 articles added" in said, said
            graphs = set(open_store(virtuoso.spec, project.out).graphs)
            increment = build_graphs(virtuoso.spec, graphs)
            remote = Remote(virtuoso.spec.partition(":")[2])
            try:  # a claim left makes the next push a full one, of the same release
                remote.put_graph(PUSHED_GRAPH, f"<{PUSHED_GRAPH}> <http://www.w3.org/ns/prov#hadMember> <urn:x> .\n".encode())
            finally:
                remote.close()
            assert "(not incrementally: it holds a claim" in push(virtuoso.spec, project.out)
            assert build_graphs(virtuoso.spec, graphs) == increment
        finally:
            running.__exit__(None, None, None)


@pytest.mark.no_seeds
def test_the_remote_push_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/remote_push.py``, tiny: it checks that its timed push is an incremental one."""
    from benchmarks.remote_push import main

    main(["--articles", "6", "--work", str(tmp_path), "--rounds", "1"])
    assert "| 6 articles |" in capsys.readouterr().out
