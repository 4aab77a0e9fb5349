"""The store facade: the one way to query a published build. Nothing outside :mod:`crisiskg.query`
knows the engine.

The store kinds are :mod:`crisiskg.query.embedded` (memory, on-disk Oxigraph) and
:mod:`crisiskg.query.remote` (a SPARQL 1.1 endpoint); :func:`open_store` picks one from a spec
(:data:`STORE_KINDS`). The embedded default (``memory``) reads the published build itself: its own
on-disk store (``build/current/store``, :mod:`crisiskg.build.diskstore`) opened read-only, so that
every process querying it shares one copy of the data in the operating system's page cache; or, for
a release published without one, its ``dataset.nq`` loaded into pyoxigraph in memory (either is far
faster than rdflib's evaluator: see ``benchmarks/README.md``). The default graph of a
query is the union of the named graphs; with ``reasoning="none"`` it leaves out the inferred graph.
The embedded kinds keep that union as a set (see :mod:`crisiskg.query.embedded`).

Results come back as :class:`~crisiskg.query.results.Result`; a query whose answer the build kept
(:mod:`crisiskg.query.kept`) is answered from it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from crisiskg import REASONING  # defined beside the version, so that the CLI reads it without this module
from crisiskg.build.diskstore import store_dir
from crisiskg.build.integrity import verify
from crisiskg.build.publish import Release, current
from crisiskg.errors import DamagedRelease, PublishError, QueryError
from crisiskg.query.backend import Backend
from crisiskg.query.embedded import Embedded, copy_union
from crisiskg.query.kept import Kept
from crisiskg.query.parser import answer_kind
from crisiskg.query.remote import Remote
from crisiskg.query.results import Result, _materialise
from crisiskg.query.sparqltext import bind_values, keywords
from crisiskg.query.syntax import explain
from crisiskg.vocab import INFERRED_GRAPH, PREFIXES, PROVENANCE_GRAPH


class Store:
    """A published build opened for querying: from the release itself by default (its on-disk
    store read-only, else in memory; ``shared`` says which), or another store kind (see
    :func:`open_store`); ``kind`` says which, and nothing else differs."""

    def __init__(self, release: Release, backend: Backend | None = None):
        self.release = release
        if backend is None:
            backend = _release_store(release)
        if backend is None:
            self._ox = ox.Store()
            try:
                self._ox.bulk_load(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS)
            except (OSError, SyntaxError, ValueError) as exc:
                raise DamagedRelease(f"the published build {release.path} cannot be loaded: {release.dataset_file.name}: "
                                     f"{exc}; rebuild it with 'crisiskg build'") from exc
            quads = len(self._ox)
            copy_union(self._ox)
            backend = Embedded(self._ox, "memory", quads=quads)
        self._backend: Backend = backend
        self.kind: str = backend.kind
        self.shared: bool = getattr(backend, "shared", False)  # a release's own store, read-only
        self.graphs = backend.named_graphs()
        self._defaults: dict[str, list[str]] = {}
        self.kept = Kept(release)

    @classmethod
    def from_quads(cls, release: Release, quads: Iterable[Any]) -> Store:
        """``release`` in memory from its quads (pyoxigraph terms) already in this process: what
        ``Store(release)`` reads from its ``dataset.nq``, without parsing it again."""
        engine = ox.Store()
        engine.bulk_extend(quads)
        n = len(engine)
        copy_union(engine)
        return cls(release, backend=Embedded(engine, "memory", quads=n))

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
        """The graphs whose union is the default graph under ``reasoning`` (a list of the caller's own)."""
        return list(self._default_graphs(reasoning))

    def _default_graphs(self, reasoning: str) -> list[str]:
        """:meth:`default_graphs`, made once per ``reasoning`` (a store's graphs never change, and a
        build of many articles has thousands: listing them again for every query shows in its
        latency); shared, so never changed by its readers."""
        found = self._defaults.get(reasoning)
        if found is None:
            if reasoning not in REASONING:
                raise QueryError(f"reasoning {reasoning!r} is not known; choose one of: {', '.join(REASONING)}")
            found = self._defaults[reasoning] = [g for g in self.graphs if reasoning == "owlrl" or g != str(INFERRED_GRAPH)]
        return found

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

    def kept_answer(self, sparql: str, reasoning: str = "owlrl", *, words: Sequence[str] | None = None) -> Result | None:
        """The build's kept answer to ``sparql`` (bindings bound) on the default dataset, or None
        (``words``: its :func:`keywords`, if known)."""
        found = self.kept.get(sparql, reasoning) if reasoning in REASONING else None
        if found is None or {"FROM", "SERVICE"} & set(words if words is not None else keywords(sparql)):
            return None  # a dataset of its own, or refused
        return found

    def _dataset(self, words: Sequence[str], reasoning: str, defaults: list[str] | None = None,
                 named: list[str] | None = None) -> dict[str, Any]:
        """The backend's dataset arguments: the protocol's, else the query's FROM clauses, else the
        default dataset (the union of the named graphs; ``reasoning`` set only then)."""
        if defaults or named:
            return {"default": defaults, "named": named, "union": False, "reasoning": None}
        if "FROM" in words:
            return {"default": None, "named": None, "union": False, "reasoning": None}
        graphs = self._default_graphs(reasoning)
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
        if bindings:  # as text on every kind, not pyoxigraph's substitutions: see bind_values
            sparql = bind_values(sparql, bindings)
        if answers and dataset["reasoning"] is not None and prefixes and base_iri is None:
            kept = self.kept_answer(sparql, reasoning, words=words)
            if kept is not None:
                return kept
        with _engine_errors(sparql, PREFIXES if prefixes else {}):
            raw = self._backend.query(sparql, prefixes=PREFIXES if prefixes else None, base_iri=base_iri, **dataset)
            return _materialise(raw, check)


def check_syntax(sparql: str, *, base_iri: str | None = None) -> None:
    """Raise QueryError, explained as :meth:`Store.query` would, when ``sparql`` (with the store's
    predeclared prefixes) is not valid SPARQL; nothing otherwise. Only parsed, never evaluated: a
    caller that queried a text derived from a person's (a LIMIT added) gets the error at their line
    and column, in the engine's words for their text."""
    with _engine_errors(sparql, PREFIXES):
        answer_kind(sparql, prefixes=PREFIXES, base_iri=base_iri)


@contextmanager
def _engine_errors(sparql: str | None = None, prefixes: Mapping[str, str] | None = None) -> Iterator[None]:
    """The engine's errors, while a query is evaluated and read, as QueryError; a syntax error in
    ``sparql`` explained for people (:func:`crisiskg.query.syntax.explain`)."""
    try:
        yield
    except SyntaxError as exc:
        told = str(exc) if sparql is None else str(explain(sparql, str(exc), prefixes or {}))
        raise QueryError(f"SPARQL syntax error: {told}") from exc
    except OSError as exc:
        raise QueryError(f"query evaluation failed: {exc}") from exc


def _refuse_service(words: Sequence[str]) -> None:
    if "SERVICE" in words:
        raise QueryError("SERVICE is refused: this store answers from its own graphs and never makes outbound "
                         "requests; remove the SERVICE clause")


# ---------------------------------------------------------------- store kinds
#
# One setting chooses where the published build is queried from (``--store``, ``CRISISKG_STORE``):
#
#   memory            the default: the release itself, its store/ opened read-only (one copy in the
#                     page cache for every process), or its dataset.nq loaded into memory when it
#                     was published without a store
#   oxigraph:PATH     an on-disk Oxigraph store that ``push`` writes (PATH/<version>-<stamp>, with
#                     PATH/current swapped atomically) and readers open read-only
#   sparql:URL        any SPARQL 1.1 store: queries over the SPARQL protocol at URL, ``push`` over
#                     the Graph Store Protocol (URL's /query -> /store, /sparql -> /data, or given
#                     as URL#store=GSP_URL)
#
# Every kind answers through the same Store.query, so callers never know which one they have.


def parse_spec(spec: str | None) -> tuple[str, str]:
    """``memory``, ``oxigraph:PATH`` or ``sparql:URL`` as (kind, argument); PublishError otherwise."""
    spec = (spec or "memory").strip()
    kind, _, arg = spec.partition(":")
    if kind not in STORE_KINDS or (kind == "memory") != (arg == ""):
        raise PublishError(f"store {spec!r} is not known; choose one of: memory, oxigraph:PATH, sparql:URL")
    if kind == "sparql" and not arg.startswith(("http://", "https://")):
        raise PublishError(f"store {spec!r}: the SPARQL endpoint must be an http(s) URL, e.g. sparql:http://127.0.0.1:7878/query")
    return kind, arg


def _release_store(release: Release) -> Backend | None:
    """The release's own on-disk store opened read-only (the ``memory`` kind's backend), or None
    when it was published without one; DamagedRelease when it is there but cannot be opened."""
    folder = store_dir(release.path)
    if not folder.is_dir():
        return None
    try:
        return Embedded(ox.Store.read_only(str(folder)), "memory", shared=True)
    except OSError as exc:
        raise DamagedRelease(f"the published build {release.path} is damaged: its store cannot be opened ({exc}); "
                             f"rebuild it with 'crisiskg build'") from exc


def stored_version(backend: Backend) -> str | None:
    """The build version the store's provenance graph names, or None when it names none or several."""
    from crisiskg.vocab import CKG_URI

    res = backend.query(f"SELECT ?v WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ ?run <{CKG_URI}buildVersion> ?v }} }}",
                        prefixes=None, base_iri=None, default=None, named=None, union=False)
    versions = sorted(sol["v"].value for sol in res)
    return versions[0] if len(versions) == 1 else None


def _open_memory(arg: str, release: Release) -> Backend | None:
    return None  # Store.__init__ loads the release itself


def _open_disk(arg: str, release: Release) -> Backend | None:
    path = Path(arg) / "current"
    if not path.exists():
        raise PublishError(f"no Oxigraph store at {arg} (run 'crisiskg push --store oxigraph:{arg}' after the build)")
    try:
        return Embedded(ox.Store.read_only(str(path.resolve())), "oxigraph")
    except OSError as exc:
        raise PublishError(f"cannot open the Oxigraph store at {path.resolve()}: {exc}") from exc


def _open_remote(arg: str, release: Release) -> Backend | None:
    remote = Remote(arg)
    try:
        remote.detect_union(remote.named_graphs())
    except OSError as exc:
        raise PublishError(f"cannot query the SPARQL store at {arg}: {exc}") from exc
    return remote


STORE_KINDS: dict[str, Callable[[str, Release], Backend | None]] = {"memory": _open_memory, "oxigraph": _open_disk, "sparql": _open_remote}


def open_store(spec: str | None, build_dir: Path | str) -> Store:
    """Open the current published build under ``build_dir`` from the store ``spec`` names.

    ``spec`` is ``memory`` (or None), ``oxigraph:PATH`` or ``sparql:URL``. An on-disk or remote store
    must hold the same build as ``build_dir/current`` (``crisiskg push`` puts it there). Raises
    PublishError for an unknown spec, a missing or unreachable store, or one holding another build;
    DamagedRelease when the published build's files do not match their checksums.
    """
    kind, arg = parse_spec(spec)
    release = current(build_dir)
    verify(release)
    backend = STORE_KINDS[kind](arg, release)
    if backend is None:
        return Store(release)
    try:
        found = stored_version(backend)
    except OSError as exc:
        raise PublishError(f"cannot query the store {spec}: {exc}") from exc
    if found != release.version:
        raise PublishError(f"the store {spec} holds build {found or 'none'}, but {build_dir}/current is build {release.version}; "
                           f"run 'crisiskg push --store {spec} --build {build_dir}'")
    return Store(release, backend=backend)


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
