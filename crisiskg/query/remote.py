"""A remote SPARQL 1.1 store: queries over the SPARQL protocol, graphs written over the Graph Store
Protocol, through ``requests`` (kept-alive connections, Basic and Digest authentication).

- The spec is ``sparql:URL`` with, after ``#``, ``store=GSP_URL`` when the server's Graph Store
  endpoint is not the usual sibling of URL (``/query`` -> ``/store``, ``/sparql`` -> ``/data``):
  Virtuoso's is ``sparql:http://HOST:8890/sparql-auth#store=http://HOST:8890/sparql-graph-crud-auth``.
- Credentials come from ``CRISISKG_STORE_USER`` and ``CRISISKG_STORE_PASSWORD``, else from the
  netrc file (``NETRC`` or ``~/.netrc``) entry of the server's host; never from the command line.
  The server's challenge chooses Basic or Digest.
- Each query form gets its own ``Accept`` (results for SELECT and ASK, RDF for CONSTRUCT and
  DESCRIBE); bodies are sent as UTF-8 and say so.
- The graphs are those of the build ``crisiskg push`` put there (its provenance graph names them;
  other graphs on the server are someone else's), else every graph holding a triple. A server whose
  default graph is the union of its graphs and that holds only those is queried as it is; else the
  graphs are sent with each query (far slower on some servers when there are thousands).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from crisiskg.query.parser import answer_kind
from crisiskg.query.sparqltext import tokens
from crisiskg.vocab import GRAPH, PROVENANCE_GRAPH

_MAX_HEADERS = 100_000  # headers one answer may carry (see Remote._session)
EMPTY_GRAPH = "urn:crisiskg:empty"  # names an empty graph where the protocol cannot say "no graph"
PUSHED_GRAPH = str(GRAPH["pushed"])  # push's claim on the graphs it writes, dropped once it is done
PROV_MEMBER = "http://www.w3.org/ns/prov#hadMember"  # <PUSHED_GRAPH> prov:hadMember <graph>
PROV_ENTITY = "http://www.w3.org/ns/prov#Entity"  # <graph> a prov:Entity, in a build's provenance graph (see named_in)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
USER_ENV, PASSWORD_ENV = "CRISISKG_STORE_USER", "CRISISKG_STORE_PASSWORD"
_GSP_CONVENTIONS = {"/query": "/store", "/sparql": "/data"}  # Oxigraph server, Fuseki
_FORM = "application/x-www-form-urlencoded; charset=utf-8"
_NTRIPLES = "application/n-triples; charset=utf-8"

_RESULT_TYPES = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                 "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                 "text/tab-separated-values": ox.QueryResultsFormat.TSV}
_GRAPH_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
                "application/rdf+xml": ox.RdfFormat.RDF_XML}
# Accept by query form: a server that answers every form from one Accept (Virtuoso) gets the right one
_ACCEPT = {"results": "application/sparql-results+json, application/sparql-results+xml;q=0.9, text/tab-separated-values;q=0.8",
           "graph": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"}


def named_in(provenance: Iterable[Any]) -> set[str]:
    """The graphs a build's provenance graph (its triples) names as its own: ``<graph> a
    prov:Entity`` in the build's graph namespace (the rule :meth:`Remote.pushed_graphs` asks the
    server in SPARQL)."""
    return {t.subject.value for t in provenance if t.predicate.value == _RDF_TYPE and t.object.value == PROV_ENTITY
            and t.subject.value.startswith(str(GRAPH))}


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) for ``url``: the environment's, else the netrc entry of its host, else None."""
    import netrc
    import os
    import urllib.parse

    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user is not None:
        return user, password or ""
    try:
        entry = netrc.netrc(os.environ.get("NETRC")).authenticators(urllib.parse.urlsplit(url).hostname or "")
    except (OSError, netrc.NetrcParseError):
        return None
    return (entry[0], entry[2] or "") if entry else None


def _excerpt(body: bytes) -> str:
    """The start of a server's answer, as one line of text (HTML tags dropped)."""
    text = re.sub(r"<[^>]+>", " ", body[:2000].decode("utf-8", "replace"))
    text = " ".join(text.split())
    return (text[:300] + "...") if len(text) > 300 else text or "(no body)"


class Remote:
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
        self._credentials = credentials(url)
        self._auth: Any = None  # chosen from the server's first challenge
        self._local = threading.local()
        self._opened: list[Any] = []  # every session, from any thread, closed by close()
        self._lock = threading.Lock()
        self.union_default = False
        self.all_graphs: list[str] = []

    def _session(self) -> Any:
        import http.client

        import requests

        # Virtuoso echoes the protocol dataset as one X-SPARQL-*-graph header per graph asked for,
        # and a build has a graph per article: Python's HTTP client refuses more than 100 headers
        # (its only setting for it is this module global; raising it loosens nothing else)
        http.client._MAXHEADERS = max(http.client._MAXHEADERS, _MAX_HEADERS)  # type: ignore[attr-defined]
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # the store URL is asked directly: no proxy, no netrc Basic guess
            with self._lock:
                self._opened.append(session)
        return session

    def _request(self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None) -> tuple[int, str, bytes]:
        """(status, media type, body) of one request; a 401 is answered once with the credentials,
        in the scheme the server asks for. OSError when the server cannot be reached."""
        import requests
        from requests.auth import HTTPBasicAuth, HTTPDigestAuth

        try:
            resp = self._session().request(method, url, data=body, headers=dict(headers or {}), auth=self._auth, timeout=self.timeout)
            if resp.status_code == 401 and self._auth is None and self._credentials is not None:
                challenge = resp.headers.get("WWW-Authenticate", "").lower()
                self._auth = (HTTPDigestAuth if challenge.startswith("digest") else HTTPBasicAuth)(*self._credentials)
                resp = self._session().request(method, url, data=body, headers=dict(headers or {}), auth=self._auth, timeout=self.timeout)
        except requests.RequestException as exc:
            raise OSError(f"the SPARQL store at {url} did not answer: {exc}") from exc
        if resp.status_code == 401:
            how = (f"the credentials of {USER_ENV} / the netrc entry were refused" if self._credentials
                   else f"set {USER_ENV} and {PASSWORD_ENV} or add the host to ~/.netrc")
            raise OSError(f"{method} {url} needs authentication ({resp.headers.get('WWW-Authenticate', 'no challenge')}): {how}")
        return resp.status_code, resp.headers.get("Content-Type", "").split(";")[0].strip().lower(), resp.content

    def close(self) -> None:
        """Close every kept-alive connection."""
        with self._lock:
            opened, self._opened = self._opened, []
        for session in opened:
            session.close()

    def __del__(self) -> None:
        self.close()

    def _select(self, sparql: str, named: list[str] | None = None) -> list[dict[str, Any]]:
        """Rows of a SELECT on the server's own dataset (or on ``named``), unbound variables left
        out: Virtuoso answers an empty pattern with one empty row."""
        res = self.query(sparql, prefixes=None, base_iri=None, default=None, named=named, union=False)
        return [{v.value: sol[v] for v in res.variables if sol[v] is not None} for sol in res]

    def server_graphs(self) -> set[str]:
        """Every named graph on the server that holds a triple, whoever wrote it (slow on some
        servers: Virtuoso scans every quad; :meth:`graphs_held` checks a few)."""
        return {row["g"].value for row in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }") if "g" in row}

    def graphs_held(self, graphs: Iterable[str], chunk: int = 500) -> set[str]:
        """Which of ``graphs`` the server holds (with a triple), asked ``chunk`` at a time."""
        rows = self._per_graph("SELECT ?g WHERE {{ VALUES ?g {{ {values} }} FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}", graphs, chunk)
        return {row["g"].value for row in rows if "g" in row}

    def graph_sizes(self, graphs: Iterable[str], chunk: int = 500) -> dict[str, int]:
        """The triples each of ``graphs`` holds on the server (those it does not hold are left out),
        asked ``chunk`` at a time."""
        rows = self._per_graph("SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g",
                               graphs, chunk)
        return {row["g"].value: int(row["n"].value) for row in rows if "g" in row and "n" in row}

    def _per_graph(self, template: str, graphs: Iterable[str], chunk: int) -> list[dict[str, Any]]:
        """The rows of ``template`` (its ``{values}`` the graphs' IRIs) asked of ``chunk`` graphs at a time."""
        wanted, rows = sorted(set(graphs)), list[dict[str, Any]]()
        for at in range(0, len(wanted), chunk):
            rows += self._select(template.format(values=" ".join(f"<{g}>" for g in wanted[at:at + chunk])))
        return rows

    def pushed_graphs(self) -> set[str] | None:
        """The graphs ``crisiskg push`` owns on this server, or None (none): those the build it
        pushed names as its own (each graph of a release is a ``prov:Entity`` in its provenance
        graph) and those a push claimed in :data:`PUSHED_GRAPH` (one that was cut short, or a build
        whose provenance does not name all its graphs)."""
        claimed = f"{{ GRAPH <{PUSHED_GRAPH}> {{ ?r <{PROV_MEMBER}> ?g }} }}"
        named = f'{{ GRAPH <{PROVENANCE_GRAPH}> {{ ?g a <{PROV_ENTITY}> FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }} }}'
        rows = self._select(f"SELECT DISTINCT ?g WHERE {{ {claimed} UNION {named} }}", named=[PUSHED_GRAPH, str(PROVENANCE_GRAPH)])
        return {row["g"].value for row in rows if "g" in row} or None

    def named_graphs(self) -> list[str]:
        """The build's graphs: those push recorded (and still there), else every graph with a triple."""
        ours = self.pushed_graphs()
        return sorted(self.graphs_held(ours) if ours is not None else self.server_graphs() - {PUSHED_GRAPH})

    def count(self) -> int:
        """Quads in the build's graphs (a server that holds only those is asked for all of its own)."""
        graphs = None if self.union_default else self.all_graphs or self.named_graphs()
        return int(self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", named=graphs)[0]["n"].value)

    def detect_union(self, graphs: list[str]) -> None:
        """Whether the server's default graph is the union of exactly the build's graphs (then no
        dataset is sent): only when it holds no other graph (a push's claim, left while it runs or
        when it was cut short, is one)."""
        self.all_graphs = list(graphs)
        if not graphs or self.graphs_held([PUSHED_GRAPH]) or self.server_graphs() != set(graphs):
            return
        probe = self.query("ASK { ?s ?p ?o }", prefixes=None, base_iri=None, default=None, named=None, union=False)
        self.union_default = bool(probe)

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None, base_iri: str | None,
              default: list[str] | None, named: list[str] | None, union: bool, reasoning: str | None = None) -> Any:
        import urllib.parse

        accept = _ACCEPT[answer_kind(sparql, prefixes=prefixes, base_iri=base_iri)]  # a syntax error raised as the embedded kinds raise it
        if default is None and named is None and not union:
            default, named = _from_clauses(sparql, prefixes or {})  # some servers let their union setting override FROM
        head = (f"BASE <{base_iri}>\n" if base_iri else "") + "".join(f"PREFIX {p}: <{u}>\n" for p, u in (prefixes or {}).items())
        form: list[tuple[str, str]] = [("query", head + sparql)]
        if not (union and self.union_default):  # else the server's own default graph is the union
            if union and default is None:
                default = self.all_graphs
            if default is not None:
                form += [("default-graph-uri", g) for g in (default or [EMPTY_GRAPH])]
                if named is None:  # a protocol dataset without named graphs has none: list them all
                    named = self.all_graphs
            if named is not None:
                form += [("named-graph-uri", g) for g in (named or [EMPTY_GRAPH])]
        status, ctype, body = self._request("POST", self.url, urllib.parse.urlencode(form).encode("utf-8"),
                                            {"Content-Type": _FORM, "Accept": accept})
        if status != 200:
            raise OSError(f"the SPARQL store at {self.url} answered {status}: {_excerpt(body)}")
        if ctype in _RESULT_TYPES:
            return ox.parse_query_results(body, format=_RESULT_TYPES[ctype])
        if ctype in _GRAPH_TYPES:
            return list(ox.parse(body, format=_GRAPH_TYPES[ctype]))
        raise OSError(f"the SPARQL store at {self.url} answered with media type {ctype!r}, not one asked for ({accept}): {_excerpt(body)}")

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Graph Store Protocol: replace ``graph`` with ``ntriples``."""
        self._send("PUT", graph, ntriples, f"PUT of graph {graph} to {self._gsp()}")

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Graph Store Protocol: add ``ntriples`` to ``graph`` (made if the server has none of that name)."""
        self._send("POST", graph, ntriples, f"POST to graph {graph} at {self._gsp()}")

    def _send(self, method: str, graph: str, ntriples: bytes, what: str) -> None:
        """N-Triples sent to ``graph`` by ``method``; OSError naming ``what`` unless the server took them."""
        import urllib.parse

        url = f"{self._gsp()}?{urllib.parse.urlencode({'graph': graph})}"
        status, _, body = self._request(method, url, ntriples, {"Content-Type": _NTRIPLES})
        if status not in (200, 201, 204):
            raise OSError(f"{what} answered {status}: {_excerpt(body)}")

    def delete_graph(self, graph: str) -> None:
        import urllib.parse

        status, _, body = self._request("DELETE", f"{self._gsp()}?{urllib.parse.urlencode({'graph': graph})}")
        if status not in (200, 204, 404):
            raise OSError(f"DELETE of graph {graph} at {self._gsp()} answered {status}: {_excerpt(body)}")

    def _gsp(self) -> str:
        if not self.gsp_url:
            raise OSError(f"no Graph Store Protocol endpoint known for {self.url}; give it as sparql:{self.url}#store=URL")
        return self.gsp_url


def _from_clauses(sparql: str, prefixes: Mapping[str, str]) -> tuple[list[str] | None, list[str] | None]:
    """The graphs of a query's FROM and FROM NAMED clauses, or (None, None) if it has none."""
    words = [tok for _, _, tok in tokens(sparql)]
    default: list[str] = []
    named: list[str] = []
    found = False
    for i, text in enumerate(words):
        if text.upper() != "FROM":
            continue
        found = True
        into, j = default, i + 1
        if j < len(words) and words[j].upper() == "NAMED":
            into, j = named, j + 1
        if j < len(words):
            ref = words[j]
            if ref.startswith("<"):
                into.append(ref[1:-1])
            elif ":" in ref and not ref.startswith(("?", "$")):
                prefix, _, local = ref.partition(":")
                into.append(prefixes.get(prefix, prefix + ":") + local)
    return (default, named) if found else (None, None)
