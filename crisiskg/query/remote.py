"""A remote SPARQL 1.1 store: queries over the SPARQL protocol, graphs written over the Graph Store
Protocol."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from crisiskg.query.sparqltext import tokens

EMPTY_GRAPH = "urn:crisiskg:empty"  # names an empty graph where the protocol cannot say "no graph"
_GSP_CONVENTIONS = {"/query": "/store", "/sparql": "/data"}  # Oxigraph server, Fuseki
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"

_RESULT_TYPES = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                 "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                 "text/tab-separated-values": ox.QueryResultsFormat.TSV}

_GRAPH_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
                "application/rdf+xml": ox.RdfFormat.RDF_XML}


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
