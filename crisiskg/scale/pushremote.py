"""Copying a published build into a remote SPARQL store over the Graph Store Protocol, touching only
the graphs push owns there.

Push's graphs are those the build on the server names as its own (each graph of a release is a
``prov:Entity`` in its provenance graph) and those a push claimed (:data:`PUSHED_GRAPH`,
``prov:hadMember`` each graph). A push widens the claim first to the graphs it writes (so one cut
short still owns what it wrote), writes them (the provenance graph, which carries the build
version, last), and drops the claim: the provenance graph now names the build's graphs. (A graph
the build's provenance does not name stays claimed.) With no claim left, a server whose default
graph is the union of its graphs can answer from it when it holds only the build's.

- **In full** (:func:`_push_full`): each build graph is PUT, graphs push owned that the build no
  longer has are DELETEd. A build graph already on the server but not push's is refused (someone
  else's data) unless ``replace_existing``.
- **An incremental build** onto the build it was made from, when the server holds that one (its
  provenance graph names its version) whole and no claim is left (:func:`_push_increment`): the
  quads the build appended are POSTed to their graphs (new article graphs, additions to the
  entities graph), and the inferred and provenance graphs are PUT; nothing else is sent. Else in
  full, and the summary says why.
- **Already there**: when the server holds this very build whole (its provenance graph names the
  build's version, every graph it names is there with as many triples as the build gives it, no
  claim is left), nothing is sent (:func:`_already_there`), as a local push of a build the store
  holds already. A graph whose size changed on the server since (someone else's update) is sent
  in full again, and the summary names it (:func:`_changed`).

Every other graph is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build import delta
from crisiskg.build.publish import Release, read_section
from crisiskg.errors import PublishError
from crisiskg.query.remote import PROV_MEMBER, PUSHED_GRAPH, Remote, named_in
from crisiskg.query.store import stored_version
from crisiskg.scale.chain import OnStage, Progress, Rebuild, base_release, stage
from crisiskg.vocab import INFERRED_GRAPH, PROVENANCE_GRAPH

_PROVENANCE, _INFERRED = str(PROVENANCE_GRAPH), str(INFERRED_GRAPH)


def push_remote(url: str, release: Release, *, replace_existing: bool = False, progress: Progress | None = None,
                on_stage: OnStage | None = None, build_dir: Path | None = None) -> str:
    """Copy ``release`` into the SPARQL store at ``url`` (see the module docstring): incrementally
    when it is an incremental build, ``build_dir`` holds the releases that lead to it from the one
    the server holds, and nothing else stands in the way; else in full. ``progress`` is told each
    graph written; ``on_stage`` each of ``claim``, ``put`` (or ``post``, ``put``), ``delete`` and
    ``record`` with its seconds. Returns what it did; PublishError."""
    remote = Remote(url)
    try:
        held = _on_server(remote)
        there = _already_there(held, release, remote.url)
        changed = None if there is None else _changed(remote, release)
        if there is not None and changed is None:
            return there
        why = None
        if changed is None and build_dir is not None and release.manifest.get("incremental"):
            try:
                return _push_increment(remote, held, release, build_dir, progress, on_stage)
            except Rebuild as exc:
                why = str(exc)
        done = _push_full(remote, held, release, replace_existing, progress, on_stage)
        return done + (f" (sent again: {changed})" if changed else f" (not incrementally: {why})" if why else "")
    except OSError as exc:
        raise PublishError(f"could not push to sparql:{url}: {exc}") from exc
    finally:
        remote.close()


@dataclass(frozen=True)
class _OnServer:
    """What the server holds of push's, asked once before a push writes anything: the build version
    its provenance graph names, whether a push's claim is left, push's graphs and those of them gone."""

    version: str | None
    claimed: bool
    ours: set[str]
    gone: list[str]


def _on_server(remote: Remote) -> _OnServer:
    ours = remote.pushed_graphs() or set()
    return _OnServer(stored_version(remote), bool(remote.graphs_held([PUSHED_GRAPH])), ours, sorted(ours - remote.graphs_held(ours)))


def _already_there(held: _OnServer, release: Release, url: str) -> str | None:
    """What push says when the server holds ``release`` whole already: its provenance graph names
    this version, every graph that provenance names is there, and no push was cut short (no claim).
    Nothing is sent then; None otherwise."""
    if held.version != release.version or held.claimed or not held.ours or held.gone:
        return None
    return f"build {release.version} is already at {url}: its {len(held.ours)} graphs are there; nothing sent"


def _changed(remote: Remote, release: Release) -> str | None:
    """How the graphs of ``release`` on the server differ in size from the build's (the manifest's
    triple count of each graph), or None: the same, or a manifest that counts no graph."""
    counts: dict[str, int] = release.manifest.get("counts", {}).get("graphs") or {}
    if not counts:
        return None
    sizes = remote.graph_sizes(counts)
    differ = sorted(g for g, n in counts.items() if sizes.get(g, 0) != n)
    if not differ:
        return None
    first = differ[0]
    return (f"{len(differ)} graph(s) of build {release.version} changed on the server since it was pushed (e.g. {first}: "
            f"{sizes.get(first, 0)} triples there, {counts[first]} in the build)")


def _push_full(remote: Remote, on: _OnServer, release: Release, replace_existing: bool, progress: Progress | None,
               on_stage: OnStage | None) -> str:
    try:
        by_graph = _by_graph(ox.parse(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS))
    except _InDefaultGraph as exc:
        raise PublishError(f"{release.dataset_file} has a triple in the default graph ({exc}); push sends named graphs only, "
                           f"as 'crisiskg build' writes them: build again, or move the triple into a graph") from None
    ours = on.ours
    held = remote.graphs_held(set(by_graph) | ours)
    foreign = sorted((held & set(by_graph)) - ours)
    if foreign and not replace_existing:
        raise PublishError(f"{remote.url} already holds {len(foreign)} graph(s) of this build that crisiskg push did not create "
                           f"(e.g. {foreign[0]}); push never replaces someone else's graph: delete them, or pass "
                           f"--replace-existing to take them over")
    order = sorted(g for g in by_graph if g != _PROVENANCE) + [g for g in by_graph if g == _PROVENANCE]
    gone = sorted((ours & held) - set(by_graph))
    total = len(order) + len(gone) + 2
    tell = progress or (lambda what, done, total: None)
    tell("recording the graphs push writes", 0, total)
    with stage("claim", None, on_stage):
        remote.put_graph(PUSHED_GRAPH, _record(ours | set(by_graph)))
    with stage("put", None, on_stage):
        for i, g in enumerate(order, 1):
            tell(f"PUT {g}", i, total)
            remote.put_graph(g, _ntriples(by_graph[g]))
    with stage("delete", None, on_stage):
        for i, g in enumerate(gone, len(order) + 1):
            tell(f"DELETE {g}", i, total)
            remote.delete_graph(g)
    _drop_claim(remote, set(by_graph), by_graph.get(_PROVENANCE, []), tell, total, on_stage)
    replaced = len(set(by_graph) & held)
    return (f"pushed build {release.version} to {remote.url}: {len(by_graph)} graphs, {sum(map(len, by_graph.values()))} triples "
            f"({replaced} replaced, {len(by_graph) - replaced} new); deleted {len(gone)} graph(s) of an earlier push"
            f"{': ' + ', '.join(gone) if gone else ''}; every other graph left untouched")


def _push_increment(remote: Remote, on: _OnServer, release: Release, build_dir: Path, progress: Progress | None,
                    on_stage: OnStage | None) -> str:
    """POST what ``release`` appended to the build the server holds, PUT its inferred and provenance
    graphs; Rebuild (before anything is written) when that cannot give the release."""
    from crisiskg.build.incremental.workstate import load_state

    if on.claimed:
        raise Rebuild("it holds a claim of an earlier push (one cut short, or of a build whose provenance does not name all its graphs)")
    version = on.version
    if version is None:
        raise Rebuild("it holds no build of crisiskg")
    state = load_state(release)
    if state is None:
        raise Rebuild(f"build {release.version} has no work state")
    base, articles = base_release(release, build_dir, lambda at: at.version == version, remote.url)
    base_state = load_state(base)
    if base_state is None:
        raise Rebuild(f"build {base.version} has no work state")
    if not delta.same_prefix(release.dataset_file, base.dataset_file, base_state.inferred_at):
        raise Rebuild(f"the dataset of build {release.version} does not start with build {base.version}'s")
    ours, missing = on.ours, on.gone
    if missing:
        raise Rebuild(f"{len(missing)} graph(s) of build {version} are no longer there (e.g. {missing[0]})")
    if (changed := _changed(remote, base)) is not None:
        raise Rebuild(changed)
    appended = _section(release, base_state.inferred_at, state.inferred_at, None)
    inferred = _section(release, state.inferred_at, state.provenance_at, _INFERRED)
    provenance = _section(release, state.provenance_at, state.size, _PROVENANCE)
    if any(isinstance(term, ox.BlankNode) for triples in appended.values() for t in triples for term in (t.subject, t.object)):
        raise Rebuild("the quads it adds hold blank nodes, which the server could not tell from its own")
    new = set(appended) - ours
    if remote.graphs_held(new):
        raise Rebuild("a graph it adds is already on the server")  # someone else's, or push's claim lost: the full push says
    total = len(appended) + 4
    tell = progress or (lambda what, done, total: None)
    tell("recording the graphs push writes", 0, total)
    with stage("claim", None, on_stage):
        remote.put_graph(PUSHED_GRAPH, _record(ours | set(appended) | {_INFERRED, _PROVENANCE}))
    with stage("post", None, on_stage):
        for i, g in enumerate(sorted(appended), 1):
            tell(f"POST {g}", i, total)
            remote.post_graph(g, _ntriples(appended[g]))
    with stage("put", None, on_stage):
        tell(f"PUT {_INFERRED}", len(appended) + 1, total)
        remote.put_graph(_INFERRED, _ntriples(inferred.get(_INFERRED, [])))
        tell(f"PUT {_PROVENANCE}", len(appended) + 2, total)
        remote.put_graph(_PROVENANCE, _ntriples(provenance.get(_PROVENANCE, [])))
    _drop_claim(remote, ours | set(appended) | {_INFERRED, _PROVENANCE}, provenance.get(_PROVENANCE, []), tell, total, on_stage)
    sent = sum(map(len, appended.values())) + sum(map(len, inferred.values())) + sum(map(len, provenance.values()))
    n = len(articles)
    return (f"pushed build {release.version} to {remote.url} incrementally, onto build {base.version}: {n} article{'s' if n != 1 else ''} "
            f"added; {len(appended)} graph(s) extended ({len(new)} new), the inferred and provenance graphs replaced; {sent} triples "
            f"sent; every other graph left untouched")


def _section(release: Release, start: int, end: int, only: str | None) -> dict[str, list[Any]]:
    """The triples per graph of bytes ``start:end`` of the release's dataset; Rebuild when one is
    in the default graph or (``only``) in another graph than ``only``."""
    where = f"bytes {start}-{end} of {release.dataset_file}"
    try:
        found = _by_graph(ox.parse(read_section(release.dataset_file, start, end), format=ox.RdfFormat.N_QUADS))
    except _InDefaultGraph as exc:
        raise Rebuild(f"{where} hold a triple in the default graph ({exc})") from None
    if only is not None and (other := sorted(set(found) - {only})):
        raise Rebuild(f"{where} hold quads of graph {other[0]}, where its work state says only {only} is")
    return found


class _InDefaultGraph(Exception):
    """A quad of a dataset in its default graph (a build writes named graphs only)."""

    def __init__(self, quad: Any):
        super().__init__(f"{quad.subject} {quad.predicate} {quad.object}")


def _by_graph(quads: Any) -> dict[str, list[Any]]:
    """Triples per named graph; _InDefaultGraph at the first quad in the default graph."""
    out: dict[str, list[Any]] = {}
    for quad in quads:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            raise _InDefaultGraph(quad)
        out.setdefault(quad.graph_name.value, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return out


def _ntriples(triples: list[Any]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _drop_claim(remote: Remote, graphs: set[str], provenance: list[Any], tell: Progress, total: int, on_stage: OnStage | None) -> None:
    """The push is done: its claim dropped, but for the graphs the build's provenance does not name."""
    with stage("record", None, on_stage):
        tell("recording the graphs pushed", total - 1, total)
        unnamed = graphs - named_in(provenance)
        if unnamed:
            remote.put_graph(PUSHED_GRAPH, _record(unnamed))
        else:
            remote.delete_graph(PUSHED_GRAPH)
    tell("done", total, total)


def _record(graphs: set[str]) -> bytes:
    """N-Triples of push's claim: ``<PUSHED_GRAPH> prov:hadMember <g>`` for each graph."""
    return "".join(f"<{PUSHED_GRAPH}> <{PROV_MEMBER}> <{g}> .\n" for g in sorted(graphs)).encode("utf-8")
