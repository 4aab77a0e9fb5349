"""The one module that answers queries. Nothing outside it knows the engine.

The embedded default opens the published build (``build/current/dataset.nq``) into pyoxigraph in
memory (see ../shared/PERF.md: 7x to 1,600x faster than rdflib's evaluator). The default graph of a
query is the union of the named graphs; with ``reasoning="none"`` it leaves out the inferred graph.

The embedded kinds keep that union as a set: pyoxigraph 0.5 counts a triple once per named graph
in its union default graph (oxigraph#1919), so a triple two articles assert would be two rows. The
store's own default graph therefore holds a copy of the distinct union of the asserted graphs
(made at open for memory, at push for the on-disk store), and a query reads that copy (plus the
inferred graph, which never repeats an asserted triple, unless ``reasoning="none"``).

Results come back as :class:`~crisiskg.query.results.Result`; a query whose answer the build kept
(:mod:`crisiskg.query.kept`) is answered from it.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from crisiskg import REASONING  # defined beside the version, so that the CLI reads it without this module
from crisiskg.build.publish import Release, current, point_current, read_section
from crisiskg.errors import PublishError, QueryError
from crisiskg.query.kept import Kept
from crisiskg.query.results import Result, _materialise
from crisiskg.terms import quads_matching, to_oxigraph
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES, PROVENANCE_GRAPH


class Store:
    """A published build opened for querying: in memory by default, or another store kind (see
    :func:`open_store`); ``kind`` says which, and nothing else differs."""

    def __init__(self, release: Release, backend: Any = None):
        self.release = release
        if backend is None:
            self._ox = ox.Store()
            self._ox.bulk_load(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS)
            quads = len(self._ox)
            copy_union(self._ox)
            backend = _Embedded(self._ox, "memory", quads=quads)
        self._backend = backend
        self.kind: str = backend.kind
        self.graphs = backend.named_graphs()
        self.kept = Kept(release)

    @classmethod
    def from_quads(cls, release: Release, quads: Iterable[Any]) -> Store:
        """``release`` in memory from its quads (pyoxigraph terms) already in this process: what
        ``Store(release)`` reads from its ``dataset.nq``, without parsing it again."""
        engine = ox.Store()
        engine.bulk_extend(quads)
        n = len(engine)
        copy_union(engine)
        return cls(release, backend=_Embedded(engine, "memory", quads=n))

    @classmethod
    def open(cls, build_dir: Path | str) -> Store:
        """Open the current published build under ``build_dir``."""
        return cls(current(build_dir))

    @property
    def version(self) -> str:
        return self.release.version

    def __len__(self) -> int:
        return self._backend.count()

    def default_graphs(self, reasoning: str = "owlrl") -> list[str]:
        if reasoning not in REASONING:
            raise QueryError(f"reasoning {reasoning!r} is not known; choose one of: {', '.join(REASONING)}")
        return [g for g in self.graphs if reasoning == "owlrl" or g != str(INFERRED_GRAPH)]

    def serialized(self, sparql: str, *, reasoning: str = "owlrl") -> tuple[str, bytes]:
        """Evaluate ``sparql`` on the default dataset (never from a kept answer) and serialise the
        engine's answer as it streams, without making a :class:`Result`: its kind and SPARQL JSON
        (SELECT, ASK) or N-Triples (a graph). For answers kept by the build."""
        words = keywords(sparql)
        _refuse_service(words)
        with _engine_errors():
            raw = self._backend.query(sparql, prefixes=PREFIXES, base_iri=None, **self._dataset(words, reasoning))
            if isinstance(raw, (ox.QueryBoolean, ox.QuerySolutions)):
                body = raw.serialize(format=ox.QueryResultsFormat.JSON)
                assert isinstance(body, bytes)  # given no output, serialize returns the bytes
                return "ask" if isinstance(raw, ox.QueryBoolean) else "select", body
            buf = io.BytesIO()
            ox.serialize(raw, buf, ox.RdfFormat.N_TRIPLES)
            return "graph", buf.getvalue()

    def kept_answer(self, sparql: str, reasoning: str = "owlrl", *, words: list[str] | None = None) -> Result | None:
        """The build's kept answer to ``sparql`` (bindings bound) on the default dataset, or None
        (``words``: its :func:`keywords`, if known)."""
        found = self.kept.get(sparql, reasoning) if reasoning in REASONING else None
        if found is None or {"FROM", "SERVICE"} & set(words if words is not None else keywords(sparql)):
            return None  # a dataset of its own, or refused
        return found

    def _dataset(self, words: list[str], reasoning: str, defaults: list[str] | None = None,
                 named: list[str] | None = None) -> dict[str, Any]:
        """The backend's dataset arguments: the protocol's, else the query's FROM clauses, else the
        default dataset (the union of the named graphs; ``reasoning`` set only then)."""
        if defaults or named:
            return {"default": defaults, "named": named, "union": False, "reasoning": None}
        if "FROM" in words:
            return {"default": None, "named": None, "union": False, "reasoning": None}
        graphs = self.default_graphs(reasoning)
        # union: same answer, no list to scan; reasoning: the backend may have the union ready
        return {"default": graphs, "named": None, "union": len(graphs) == len(self.graphs), "reasoning": reasoning}

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        reasoning: str = "owlrl",
        default_graph_uris: Iterable[str] | None = None,
        named_graph_uris: Iterable[str] | None = None,
        prefixes: bool = True,
        base_iri: str | None = None,
        check: Callable[[int], None] | None = None,
        answers: bool = True,
    ) -> Result:
        """Evaluate a SPARQL 1.1 query. ``bindings`` are bound as RDF terms, never pasted into the
        text. ``default_graph_uris``/``named_graph_uris`` are the protocol's dataset (IRIs of graphs
        in this store only; unknown graphs are empty); without them, a query's own FROM / FROM
        NAMED clauses choose among the local graphs (nothing is ever fetched), and otherwise the
        default graph is the union of the named graphs. ``base_iri`` resolves relative IRIs.
        ``check`` is called with the number of rows read so far, every :data:`CHECK_EVERY` rows
        while the answer is read; it may raise to stop the evaluation (a time limit). A query on
        the default dataset whose text (bindings bound) the build answered already is answered
        from its kept answer (:mod:`crisiskg.query.answers`) unless ``answers`` is False.

        Raises QueryError for a syntax error (its ``__cause__`` is a SyntaxError), a SERVICE clause
        (refused: the store never makes outbound requests) or an evaluation failure (``__cause__``
        is an OSError).
        """
        words = keywords(sparql)
        _refuse_service(words)
        dataset = self._dataset(words, reasoning, list(default_graph_uris or []), list(named_graph_uris or []))
        if bindings:
            sparql = bind_values(sparql, bindings)
        if answers and dataset["reasoning"] is not None and prefixes and base_iri is None:
            kept = self.kept_answer(sparql, reasoning, words=words)
            if kept is not None:
                return kept
        with _engine_errors():
            raw = self._backend.query(sparql, prefixes=PREFIXES if prefixes else None, base_iri=base_iri, **dataset)
            return _materialise(raw, check)


@contextmanager
def _engine_errors() -> Iterator[None]:
    """The engine's errors, while a query is evaluated and read, as QueryError."""
    try:
        yield
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from exc
    except OSError as exc:
        raise QueryError(f"query evaluation failed: {exc}") from exc


def _refuse_service(words: list[str]) -> None:
    if "SERVICE" in words:
        raise QueryError("SERVICE is refused: this store answers from its own graphs and never makes outbound "
                         "requests; remove the SERVICE clause")


# ---------------------------------------------------------------- store kinds
#
# One setting chooses where the published build is queried from (``--store``, ``CRISISKG_STORE``):
#
#   memory            the default: the release's dataset.nq loaded into pyoxigraph in memory
#   oxigraph:PATH     an on-disk Oxigraph store that ``push`` writes (PATH/<version>-<stamp>, with
#                     PATH/current swapped atomically) and readers open read-only
#   sparql:URL        any SPARQL 1.1 store: queries over the SPARQL protocol at URL, ``push`` over
#                     the Graph Store Protocol (URL's /query -> /store, /sparql -> /data, or given
#                     as URL#store=GSP_URL)
#
# Every kind answers through the same Store.query, so callers never know which one they have.

EMPTY_GRAPH = "urn:crisiskg:empty"  # names an empty graph where the protocol cannot say "no graph"
_GSP_CONVENTIONS = {"/query": "/store", "/sparql": "/data"}  # Oxigraph server, Fuseki
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
_RESULT_TYPES = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                 "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                 "text/tab-separated-values": ox.QueryResultsFormat.TSV}
_GRAPH_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
                "application/rdf+xml": ox.RdfFormat.RDF_XML}


_UNION_COPY = f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERRED_GRAPH}>) }}"


def copy_union(store: Any) -> None:
    """Fill ``store``'s default graph with the distinct union of its asserted (not inferred) named
    graphs: a set, so a triple several graphs hold is there once (see the module docstring)."""
    store.update(_UNION_COPY)


class _Embedded:
    """A pyoxigraph store in this process (in memory or on disk). ``union_copy`` says whether its
    default graph holds the asserted union (:func:`copy_union`; an on-disk store pushed before it
    existed does not, and is queried through pyoxigraph's union instead)."""

    def __init__(self, store: Any, kind: str, quads: int | None = None):
        self.ox = store
        self.kind = kind
        self.union_copy = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
        self._quads = quads if quads is not None or not self.union_copy else None
        self._inferred = [ox.DefaultGraph(), ox.NamedNode(str(INFERRED_GRAPH))]

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs())

    def count(self) -> int:
        """Quads in the named graphs (the default graph's copy is not counted)."""
        if self._quads is None:
            if not self.union_copy:
                return len(self.ox)
            copied = self.ox.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            self._quads = len(self.ox) - int(next(iter(copied))["n"].value)
        return self._quads

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None, base_iri: str | None,
              default: list[str] | None, named: list[str] | None, union: bool, reasoning: str | None = None) -> Any:
        """Evaluate; ``reasoning`` (the default dataset: the union, with or without the inferred
        graph) reads the default graph's copy when there is one; else ``union`` (default = every
        named graph, ``default`` lists them) wins over ``default``."""
        kwargs: dict[str, Any] = {}
        if reasoning is not None and self.union_copy:
            if reasoning == "owlrl":
                kwargs["default_graph"] = self._inferred
        elif union:
            kwargs["use_default_graph_as_union"] = True
        elif default is not None or named is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default or []]
            if named is not None:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in named]
        return self.ox.query(sparql, prefixes=prefixes, base_iri=base_iri, **kwargs)


class _Remote:
    """A SPARQL 1.1 store over HTTP: the SPARQL protocol to query, the Graph Store Protocol to write."""

    def __init__(self, url: str, timeout: float = 60.0):
        import urllib.parse

        url, _, fragment = url.partition("#")
        self.url = url
        gsp = dict(urllib.parse.parse_qsl(fragment)).get("store")
        if gsp is None:
            for suffix, replacement in _GSP_CONVENTIONS.items():
                if url.endswith(suffix):
                    gsp = url[: -len(suffix)] + replacement
        self.gsp_url = gsp
        self.timeout = timeout
        self.kind = "sparql"
        self._local = threading.local()
        self._opened: list[Any] = []  # every connection, from any thread, closed by close()
        self._lock = threading.Lock()
        self._syntax = ox.Store()  # parses queries locally, so syntax errors read the same on every kind
        self.union_default = False
        self.all_graphs: list[str] = []

    def _request(self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None) -> tuple[int, str, bytes]:
        import http.client
        import urllib.parse

        parts = urllib.parse.urlsplit(url)
        key = (parts.scheme, parts.netloc)
        conns = self._local.__dict__.setdefault("conns", {})
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (0, 1):  # a kept-alive connection the server has closed is retried once
            conn = conns.get(key)
            if conn is None:
                cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
                conn = conns[key] = cls(parts.netloc, timeout=self.timeout)
                with self._lock:
                    self._opened.append(conn)
            try:
                conn.request(method, path or "/", body=body, headers=dict(headers or {}))
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, resp.getheader("Content-Type", "").split(";")[0].strip(), data
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                conns.pop(key, None)
                if attempt or not isinstance(exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)):
                    raise OSError(f"the SPARQL store at {url} did not answer: {exc}") from exc
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every kept-alive connection."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()

    def __del__(self) -> None:
        self.close()

    def _select(self, sparql: str) -> list[dict[str, Any]]:
        return [{v.value: sol[v] for v in res.variables} for res in [self.query(sparql, prefixes=None, base_iri=None, default=None, named=None, union=False)] for sol in res]

    def named_graphs(self) -> list[str]:
        return sorted(row["g"].value for row in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"))

    def count(self) -> int:
        return int(self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"].value)

    def detect_union(self, graphs: list[str]) -> None:
        """Whether the server's default graph is the union of its named graphs (then no dataset is sent)."""
        self.all_graphs = list(graphs)
        if not graphs:
            return
        probe = self.query("ASK { ?s ?p ?o }", prefixes=None, base_iri=None, default=None, named=None, union=False)
        self.union_default = bool(probe)

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None, base_iri: str | None,
              default: list[str] | None, named: list[str] | None, union: bool, reasoning: str | None = None) -> Any:
        import urllib.parse

        self._syntax.query(sparql, prefixes=prefixes, base_iri=base_iri)  # SyntaxError as the embedded kinds raise it
        if default is None and named is None and not union:
            default, named = _from_clauses(sparql, prefixes or {})  # some servers let their union setting override FROM
        head = (f"BASE <{base_iri}>\n" if base_iri else "") + "".join(f"PREFIX {p}: <{u}>\n" for p, u in (prefixes or {}).items())
        form: list[tuple[str, str]] = [("query", head + sparql)]
        if not (union and self.union_default):  # else the server's own default graph is the union
            if default is not None:
                form += [("default-graph-uri", g) for g in (default or [EMPTY_GRAPH])]
                if named is None:  # a protocol dataset without named graphs has none: list them all
                    named = self.all_graphs
            if named is not None:
                form += [("named-graph-uri", g) for g in (named or [EMPTY_GRAPH])]
        status, ctype, body = self._request("POST", self.url, urllib.parse.urlencode(form).encode("utf-8"),
                                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": _ACCEPT})
        if status != 200:
            raise OSError(f"the SPARQL store at {self.url} answered {status}: {body[:300].decode('utf-8', 'replace')}")
        if ctype in _RESULT_TYPES:
            return ox.parse_query_results(body, format=_RESULT_TYPES[ctype])
        if ctype in _GRAPH_TYPES:
            return list(ox.parse(body, format=_GRAPH_TYPES[ctype]))
        raise OSError(f"the SPARQL store at {self.url} answered with an unexpected media type {ctype!r}")

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Graph Store Protocol: replace ``graph`` with ``ntriples``."""
        import urllib.parse

        status, _, body = self._request("PUT", f"{self._gsp()}?{urllib.parse.urlencode({'graph': graph})}", ntriples,
                                        {"Content-Type": "application/n-triples"})
        if status not in (200, 201, 204):
            raise OSError(f"PUT of graph {graph} to {self._gsp()} answered {status}: {body[:300].decode('utf-8', 'replace')}")

    def delete_graph(self, graph: str) -> None:
        import urllib.parse

        status, _, body = self._request("DELETE", f"{self._gsp()}?{urllib.parse.urlencode({'graph': graph})}")
        if status not in (200, 204, 404):
            raise OSError(f"DELETE of graph {graph} at {self._gsp()} answered {status}: {body[:300].decode('utf-8', 'replace')}")

    def _gsp(self) -> str:
        if not self.gsp_url:
            raise OSError(f"no Graph Store Protocol endpoint known for {self.url}; give it as sparql:{self.url}#store=URL")
        return self.gsp_url


def _from_clauses(sparql: str, prefixes: Mapping[str, str]) -> tuple[list[str] | None, list[str] | None]:
    """The graphs of a query's FROM and FROM NAMED clauses, or (None, None) if it has none."""
    tokens = [(m.lastgroup, m.group(m.lastgroup or 0)) for m in _TOKEN.finditer(sparql) if m.lastgroup != "comment"]
    default: list[str] = []
    named: list[str] = []
    found = False
    for i, (kind, text) in enumerate(tokens):
        if kind != "word" or text.upper() != "FROM":
            continue
        found = True
        into, j = default, i + 1
        if j < len(tokens) and tokens[j][0] == "word" and tokens[j][1].upper() == "NAMED":
            into, j = named, j + 1
        if j < len(tokens):
            kind2, ref = tokens[j]
            if kind2 == "iri":
                into.append(ref[1:-1])
            elif kind2 == "word" and ":" in ref:
                prefix, _, local = ref.partition(":")
                into.append(prefixes.get(prefix, prefix + ":") + local)
    return (default, named) if found else (None, None)


def parse_spec(spec: str | None) -> tuple[str, str]:
    """``memory``, ``oxigraph:PATH`` or ``sparql:URL`` as (kind, argument); PublishError otherwise."""
    spec = (spec or "memory").strip()
    kind, _, arg = spec.partition(":")
    if kind not in STORE_KINDS or (kind == "memory") != (arg == ""):
        raise PublishError(f"store {spec!r} is not known; choose one of: memory, oxigraph:PATH, sparql:URL")
    if kind == "sparql" and not arg.startswith(("http://", "https://")):
        raise PublishError(f"store {spec!r}: the SPARQL endpoint must be an http(s) URL, e.g. sparql:http://127.0.0.1:7878/query")
    return kind, arg


def _stored_version(backend: Any) -> str | None:
    from crisiskg.vocab import CKG_URI, PROVENANCE_GRAPH

    res = backend.query(f"SELECT ?v WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ ?run <{CKG_URI}buildVersion> ?v }} }}",
                        prefixes=None, base_iri=None, default=None, named=None, union=False)
    versions = sorted(sol["v"].value for sol in res)
    return versions[0] if len(versions) == 1 else None


def _open_memory(arg: str, release: Release) -> Any:
    return None  # Store.__init__ loads the release itself


def _open_disk(arg: str, release: Release) -> Any:
    path = Path(arg) / "current"
    if not path.exists():
        raise PublishError(f"no Oxigraph store at {arg} (run 'crisiskg push --store oxigraph:{arg}' after the build)")
    try:
        return _Embedded(ox.Store.read_only(str(path.resolve())), "oxigraph")
    except OSError as exc:
        raise PublishError(f"cannot open the Oxigraph store at {path.resolve()}: {exc}") from exc


def _open_remote(arg: str, release: Release) -> Any:
    remote = _Remote(arg)
    try:
        remote.detect_union(remote.named_graphs())
    except OSError as exc:
        raise PublishError(f"cannot query the SPARQL store at {arg}: {exc}") from exc
    return remote


STORE_KINDS: dict[str, Callable[[str, Release], Any]] = {"memory": _open_memory, "oxigraph": _open_disk, "sparql": _open_remote}


def open_store(spec: str | None, build_dir: Path | str) -> Store:
    """Open the current published build under ``build_dir`` from the store ``spec`` names.

    ``spec`` is ``memory`` (or None), ``oxigraph:PATH`` or ``sparql:URL``. An on-disk or remote store
    must hold the same build as ``build_dir/current`` (``crisiskg push`` puts it there). Raises
    PublishError for an unknown spec, a missing or unreachable store, or one holding another build.
    """
    kind, arg = parse_spec(spec)
    release = current(build_dir)
    backend = STORE_KINDS[kind](arg, release)
    if backend is None:
        return Store(release)
    try:
        found = _stored_version(backend)
    except OSError as exc:
        raise PublishError(f"cannot query the store {spec}: {exc}") from exc
    if found != release.version:
        raise PublishError(f"the store {spec} holds build {found or 'none'}, but {build_dir}/current is build {release.version}; "
                           f"run 'crisiskg push --store {spec} --build {build_dir}'")
    return Store(release, backend=backend)


def push(spec: str, build_dir: Path | str, *, keep: int = 3) -> str:
    """Copy the current published build under ``build_dir`` into the store ``spec`` names.

    ``oxigraph:PATH``: a new store PATH/<release>, bulk-loaded and made PATH/current atomically (a
    reader keeps the one it opened); older ones beyond ``keep`` are removed. ``sparql:URL``: every
    named graph PUT over the Graph Store Protocol, graphs no longer in the build DELETEd, the
    provenance graph (which carries the build version) last; not atomic across graphs. ``memory``:
    nothing to do. Returns a one-line summary. Raises PublishError.

    An incremental build (``crisiskg build --incremental``) is pushed onto the store PATH holds of
    the release it was built from (copied by hard links, the difference applied: 2 s instead of 37 s
    at 1M triples), or else loaded in full (see :func:`_push_increment`); the summary says which.
    """
    import shutil

    kind, arg = parse_spec(spec)
    release = current(build_dir)
    if kind == "memory":
        return "the memory store reads the published build directly; nothing to push"
    if kind == "oxigraph":
        root = Path(arg)
        root.mkdir(parents=True, exist_ok=True)
        final = root / release.path.name
        done = f"build {release.version} was already at {final}"
        if not final.exists():
            why: str | None = None
            try:
                done = _push_increment(root, final, release, Path(build_dir))
            except _Rebuild as exc:  # left before the full load, so that the stores its traceback holds close
                why = str(exc)
            if why is not None:
                done = _push_full(root, final, release) + (f" (not incrementally: {why})" if release.manifest.get("incremental") else "")
        point_current(root, Path(final.name))
        stores = sorted((p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
                        key=lambda p: p.stat().st_mtime)
        for old in stores[:-keep]:
            if old != final:
                shutil.rmtree(old, ignore_errors=True)
        return f"{done} and made it {root / 'current'}"
    remote = _Remote(arg)
    by_graph: dict[str, list[Any]] = {}
    for quad in ox.parse(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.DefaultGraph):
            raise PublishError("the published dataset has triples in the default graph; only named graphs can be pushed")
        by_graph.setdefault(quad.graph_name.value, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    try:
        before = set(remote.named_graphs())
        order = sorted(g for g in by_graph if g != str(PROVENANCE_GRAPH)) + [g for g in by_graph if g == str(PROVENANCE_GRAPH)]
        for g in order:
            remote.put_graph(g, ox.serialize(by_graph[g], format=ox.RdfFormat.N_TRIPLES))
        for g in sorted(before - set(by_graph)):
            remote.delete_graph(g)
    except OSError as exc:
        raise PublishError(f"could not push to {spec}: {exc}") from exc
    finally:
        remote.close()
    return f"pushed build {release.version} to {arg}: {len(by_graph)} graphs, {sum(map(len, by_graph.values()))} triples"


# ---------------------------------------------------------------- pushing onto the previous store
#
# An incremental build (crisiskg.build.incremental) writes its dataset.nq as the previous release's
# asserted section, byte for byte, then the new asserted quads, then the inferred and provenance
# sections; its work state says where those start. When PATH holds the store of the release it was
# built from (or of one further back in a chain of incremental builds), push copies that store by
# hard links (a RocksDB checkpoint; the old store is opened read-only and never changed) and applies
# the difference: the new asserted quads (and their triples in the default graph's union copy), and
# the changed lines of the inferred and provenance sections. The result is the store a full push
# makes, quad for quad; anything missing or not as expected sends push to the full bulk load.


class _Rebuild(Exception):
    """The store cannot be made from a previous one (the message says why): push loads it in full."""


def _push_full(root: Path, final: Path, release: Release) -> str:
    """Bulk-load ``release`` into a new store ``final`` (via a temporary folder under ``root``)."""
    import os
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        store = ox.Store(str(tmp))
        store.bulk_load(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS)
        copy_union(store)
        store.flush()
        store.optimize()
        del store
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return f"wrote build {release.version} to {final}"


def _push_increment(root: Path, final: Path, release: Release, build_dir: Path) -> str:
    """Make ``final`` from the store of an earlier release under ``root`` plus what ``release``
    added; raises _Rebuild when it cannot (see the comment above)."""
    import os
    import shutil
    import tempfile
    import time

    from crisiskg.build.workstate import load_state

    t0 = time.perf_counter()
    if not release.manifest.get("incremental"):
        raise _Rebuild("not an incremental build")
    state = load_state(release)
    if state is None:
        raise _Rebuild(f"build {release.version} has no work state")
    base, articles = _base_release(root, release, build_dir)
    base_state = load_state(base)
    if base_state is None:
        raise _Rebuild(f"build {base.version} has no work state")
    if not _same_prefix(release.dataset_file, base.dataset_file, base_state.inferred_at):
        raise _Rebuild(f"the dataset of build {release.version} does not start with build {base.version}'s")
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        try:  # each store is closed (del) before its folder is renamed or removed, error or not
            source = ox.Store.read_only(str(root / base.path.name))
            try:
                if next(iter(source.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
                    raise _Rebuild(f"the store of build {base.version} has no union copy in its default graph")
                if _stored_version(_Embedded(source, "oxigraph")) != base.version:
                    raise _Rebuild(f"the store {root / base.path.name} does not hold build {base.version}")
                source.backup(str(tmp / "store"))
            finally:
                del source
            store = ox.Store(str(tmp / "store"))
            try:
                new, old = release.dataset_file, base.dataset_file
                _add_asserted(store, read_section(new, base_state.inferred_at, state.inferred_at))
                _replace_graph(store, ox.NamedNode(str(INFERRED_GRAPH)), read_section(old, base_state.inferred_at, base_state.provenance_at),
                               read_section(new, state.inferred_at, state.provenance_at), union=False)
                _replace_graph(store, ox.NamedNode(str(PROVENANCE_GRAPH)), read_section(old, base_state.provenance_at, base_state.size),
                               read_section(new, state.provenance_at, state.size), union=True)
                store.flush()  # no optimize: at 1M triples it takes 3 s, and compacts what is shared by hard links
            finally:
                del store
        except (OSError, SyntaxError, ValueError) as exc:
            raise _Rebuild(f"the store of build {base.version} could not be updated: {exc}") from exc
        os.rename(tmp / "store", final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = len(articles)
    return (f"added {n} article{'s' if n != 1 else ''} to build {base.version}'s store in {time.perf_counter() - t0:.1f} s: "
            f"build {release.version} at {final}")


def _base_release(root: Path, release: Release, build_dir: Path) -> tuple[Release, list[str]]:
    """The release, among those still under ``build_dir/releases``, that ``release`` was built
    from by incremental builds (one, or a chain of them) and whose store ``root`` holds; and the
    articles added since. Raises _Rebuild when there is none (or one version is published twice)."""
    import json

    from crisiskg.build.publish import MANIFEST

    by_version: dict[str, list[Release]] = {}
    for path in (build_dir / "releases").iterdir():
        if path.is_dir() and not path.name.startswith(".") and path != release.path:
            try:
                manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            by_version.setdefault(str(manifest.get("version")), []).append(Release(path, manifest))
    at, articles = release, list[str]()
    while True:
        step = at.manifest.get("incremental")
        if not step:
            raise _Rebuild(f"{root} holds no store of a build that build {release.version} was made from")
        articles = [*step.get("articles", []), *articles]
        found = by_version.pop(str(step.get("from")), [])  # popped: a chain never comes back to a version
        if len(found) != 1:
            raise _Rebuild(f"build {step.get('from')} is {'published twice' if found else 'no longer published'}")
        at = found[0]
        if (root / at.path.name).is_dir():
            return at, articles


def _same_prefix(new: Path, old: Path, size: int, block: int = 1 << 16, samples: int = 16) -> bool:
    """Whether ``new`` starts with the first ``size`` bytes of ``old`` (the incremental build copies
    them), looked at in ``samples`` blocks spread over them, the first and the last included: a
    release of the same version built another way orders its quads differently."""
    if min(new.stat().st_size, old.stat().st_size) < size:
        return False
    offsets = sorted({min(i * size // max(samples - 1, 1), max(size - block, 0)) for i in range(samples)})
    with open(new, "rb") as a, open(old, "rb") as b:
        for at in offsets:
            n = min(block, size - at)
            a.seek(at)
            b.seek(at)
            if a.read(n) != b.read(n):
                return False
    return True


def _add_asserted(store: Any, section: bytes) -> None:
    """Add the N-Quads ``section`` (named graphs other than the inferred and provenance ones) to
    ``store``, and its triples to the default graph's union copy."""
    quads = _quads_in(section, None)
    if any(isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value in (str(INFERRED_GRAPH), str(PROVENANCE_GRAPH)) for q in quads):
        raise _Rebuild("the new asserted quads are not all in article, ontology or entity graphs")
    dg = ox.DefaultGraph()
    store.extend([*quads, *(ox.Quad(q.subject, q.predicate, q.object, dg) for q in quads)])


def _quads_in(section: bytes, graph: Any) -> list[Any]:
    """The quads of the N-Quads ``section``, all in ``graph`` unless it is None, and none with a
    blank node (else _Rebuild): a store renames those it loads, so a label here may stand for one
    the store holds under another name."""
    quads = list(ox.parse(input=section, format=ox.RdfFormat.N_QUADS))
    if graph is not None and any(q.graph_name != graph for q in quads):
        raise _Rebuild(f"a section of the dataset holds quads outside {graph}")
    if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object, q.graph_name)):
        raise _Rebuild("the quads that changed have blank nodes")
    return quads


_COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{}> {{ ?s ?p ?o }} }}"


def _replace_graph(store: Any, graph: Any, old: bytes, new: bytes, *, union: bool) -> None:
    """Make ``graph`` (loaded from the N-Quads section ``old``) hold the section ``new``, changing
    only the quads of the lines that differ; ``union``: keep the default graph's union copy too (a
    triple leaves it when no other graph but the inferred one holds it)."""
    if new.startswith(old):  # the usual inferred section: the old one, then the new quads
        gone_lines, added_lines = b"", new[len(old):]
    else:
        before, after = set(old.splitlines(keepends=True)), new.splitlines(keepends=True)
        now = set(after)
        gone_lines = b"".join(line for line in before if line not in now)
        added_lines = b"".join(line for line in after if line not in before)
    gone, added = _quads_in(gone_lines, graph), _quads_in(added_lines, graph)
    for quad in gone:  # first: a quad written one way in a gone line and another in an added one stays
        store.remove(quad)
    dg = ox.DefaultGraph()
    store.extend([*added, *(ox.Quad(q.subject, q.predicate, q.object, dg) for q in added if union)])
    # the graph now holds at most the quads of the new lines (as the store writes their terms), and
    # exactly them when it holds as many as there are lines (two lines of one quad, or a gone line
    # of a quad a kept line holds too, would make it fewer)
    held = int(next(iter(store.query(_COUNT.format(graph.value))))["n"].value)
    if held != len(set(new.splitlines())):
        raise _Rebuild(f"{graph.value} would hold {held} quads, not the {len(set(new.splitlines()))} lines of its section")
    if union:
        elsewhere = {dg, ox.NamedNode(str(INFERRED_GRAPH))}
        for q in gone:
            if not any(x.graph_name not in elsewhere for x in quads_matching(store, q.subject, q.predicate, q.object, None)):
                store.remove(ox.Quad(q.subject, q.predicate, q.object, dg))


_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n\r]*)"""
    r'''|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}'''
    r'''|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')'''
    r"""|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)"""
    r"""|(?P<var>[?$][\w\u00B7]+)"""
    r"""|(?P<word>[^\W\d][\w\-.:]*|:[\w\-.:]*)""",
    re.DOTALL,
)


def keywords(sparql: str) -> list[str]:
    """The bare words of a query, upper-cased and in order, outside comments, strings, IRIs and
    variables (``SELECT``, ``FROM``, ``SERVICE``...). Prefixed names keep their colon
    (``EX:SERVICE``), so they never pass for a keyword."""
    return [m.group("word").upper() for m in _TOKEN.finditer(sparql) if m.lastgroup == "word"]


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _where_brace(sparql: str) -> int:
    """Offset of the '{' that opens the query's WHERE group (strings, IRIs, comments skipped)."""
    i, depth, n, first_brace, saw_where = 0, 0, len(sparql), -1, False
    while i < n:
        c = sparql[i]
        if c == "#":
            nl = sparql.find("\n", i)
            i = n if nl == -1 else nl + 1
            continue
        if c in "\"'":
            long = sparql.startswith(c * 3, i)
            end_tok = c * 3 if long else c
            j = i + len(end_tok)
            while j < n and not sparql.startswith(end_tok, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(end_tok)
            continue
        if c == "<":
            m = re.match(r"<[^<>\"{}|^`\\\s]*>", sparql[i:])
            if m:
                i += m.end()
                continue
        if c == "{":
            if depth == 0 and (saw_where or first_brace == -1):
                if saw_where:
                    return i
                first_brace = i
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and (c.isalpha() or c == "_"):
            m = _WORD.match(sparql, i)
            assert m
            if m.group(0).upper() == "WHERE":
                saw_where = True
            i = m.end()
            continue
        i += 1
    if first_brace == -1:
        raise QueryError("the query has no WHERE group to bind parameters in")
    return first_brace


def bind_values(sparql: str, bindings: Mapping[str, Node | list[Node]]) -> str:
    """``sparql`` with a VALUES block binding each variable to RDF terms, placed first in the
    WHERE group. The terms are written by the RDF library (N-Triples syntax), never from user
    text, so a value with quotes or braces stays one value."""
    parts = []
    for name, value in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"{name!r} is not a variable name")
        values = value if isinstance(value, list) else [value]
        parts.append(f"VALUES ?{name} {{ {' '.join(str(to_oxigraph(v)) for v in values)} }}")
    at = _where_brace(sparql) + 1
    return sparql[:at] + " " + " ".join(parts) + " " + sparql[at:]
