"""The OpenAPI 3.1 description: one GET operation per saved question, with its typed parameters,
plus the SPARQL endpoint and the catalogue. Built from the same :class:`SavedQuery` objects as the
CLI and the HTML pages, so the three never disagree."""

from __future__ import annotations

from typing import Any

from crisiskg import __version__
from crisiskg.errors import CrisisKGError
from crisiskg.query.params import Param, param_choices
from crisiskg.query.savedqueries import SavedQuery
from crisiskg.query.store import Store

ERROR = {"$ref": "#/components/responses/Error"}
MAX_LISTED_CHOICES = 200


def _schema(p: Param, store: Store | None) -> dict[str, Any]:
    """The JSON Schema of one parameter's value."""
    if p.type == "integer":
        schema: dict[str, Any] = {"type": "integer"}
        if p.min is not None:
            schema["minimum"] = p.min
        if p.max is not None:
            schema["maximum"] = p.max
    elif p.type == "date":
        schema = {"type": "string", "format": "date"}
    elif p.type == "enum":
        schema = {"type": "string", "enum": list(p.choices)}
    elif p.type == "iri":
        schema = {"type": "string", "description": f"an instance of {p.cls}: its id, label, CURIE or IRI"}
        if store is not None:
            try:
                keys = [c.key for c in param_choices(store, p)]
            except CrisisKGError:
                keys = []
            if keys:
                schema["examples"] = keys[:MAX_LISTED_CHOICES]
    else:
        schema = {"type": "string", "maxLength": 500}
    if p.default is not None:
        schema["default"] = int(p.default) if p.type == "integer" else p.default
    return schema


def _operation(q: SavedQuery, store: Store | None) -> dict[str, Any]:
    params: list[dict[str, Any]] = []
    for p in q.params:
        kind = p.type + (f" of class {p.cls}" if p.cls else "")
        params.append({"name": p.name, "in": "query", "required": p.required,
                       "description": f"{p.description} ({kind})".strip(), "schema": _schema(p, store)})
    if q.kind == "graph":
        formats = ["ttl", "nt", "jsonld", "rdfxml", "html"]
        content = {m: {"schema": {"type": "string"}} for m in ("text/turtle", "application/n-triples", "application/rdf+xml")}
        content["application/ld+json"] = {"schema": {"type": "object"}}
    else:
        formats = ["json", "xml", "csv", "tsv", "html"]
        content = {"application/sparql-results+json": {"schema": {"$ref": "#/components/schemas/SparqlResults"}},
                   "application/sparql-results+xml": {"schema": {"type": "string"}},
                   "text/csv": {"schema": {"type": "string"}},
                   "text/tab-separated-values": {"schema": {"type": "string"}}}
    content["text/html"] = {"schema": {"type": "string"}}
    params.append({"$ref": "#/components/parameters/reasoning"})
    params += [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/offset"},
               {"$ref": "#/components/parameters/pageTimeout"}]
    params.append({"name": "_format", "in": "query", "required": False,
                   "description": "The answer's format, instead of the Accept header.",
                   "schema": {"type": "string", "enum": formats}})
    return {
        "operationId": q.id.replace("-", "_"),
        "summary": q.summary,
        "description": q.description,
        "tags": list(q.tags) or ["saved questions"],
        "parameters": params,
        "responses": {"200": {"description": f"The answer ({q.kind.upper()}).", "content": content},
                      "400": ERROR, "404": ERROR, "406": ERROR, "503": ERROR},
    }


def build_openapi(queries: dict[str, SavedQuery], store: Store | None, server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``queries`` served at ``server`` (choices of IRI parameters come
    from ``store`` when one is loaded)."""
    paths: dict[str, Any] = {
        "/queries": {"get": {
            "operationId": "list_saved_queries", "summary": "The saved questions", "tags": ["saved questions"],
            "responses": {"200": {"description": "Every saved question with its parameters.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/sparql": {
            "get": {"operationId": "sparql_query_get", "summary": "SPARQL 1.1 query (GET)", "tags": ["sparql"],
                    "parameters": [{"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
                                    "description": "A SPARQL 1.1 query; without it, the service description."},
                                   {"$ref": "#/components/parameters/defaultGraph"},
                                   {"$ref": "#/components/parameters/namedGraph"},
                                   {"$ref": "#/components/parameters/reasoning"},
                                   {"$ref": "#/components/parameters/timeout"}],
                    "responses": {"200": {"description": "Query results or the service description."},
                                  "400": ERROR, "403": ERROR, "406": ERROR, "500": ERROR, "503": ERROR}},
            "post": {"operationId": "sparql_query_post", "summary": "SPARQL 1.1 query (POST)", "tags": ["sparql"],
                     "parameters": [{"$ref": "#/components/parameters/defaultGraph"},
                                    {"$ref": "#/components/parameters/namedGraph"}],
                     "requestBody": {"required": True, "content": {
                         "application/sparql-query": {"schema": {"type": "string"}},
                         "application/x-www-form-urlencoded": {"schema": {
                             "type": "object", "required": ["query"], "properties": {"query": {"type": "string"}}}}}},
                     "responses": {"200": {"description": "Query results."}, "400": ERROR, "403": ERROR, "406": ERROR,
                                   "415": ERROR, "500": ERROR, "503": ERROR}},
        },
    }
    for q in queries.values():
        paths[f"/queries/{q.id}"] = {"get": _operation(q, store)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "crisiskg", "version": __version__ + (f"+build.{store.version}" if store is not None else ""),
                 "description": "Saved questions over the crisiskg knowledge graph, and its SPARQL 1.1 endpoint. "
                                "Parameters starting with '_' belong to the system; the others to the question."},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "parameters": {
                "reasoning": {"name": "_reasoning", "in": "query", "required": False,
                              "description": "owlrl: asserted and inferred triples; none: asserted only.",
                              "schema": {"type": "string", "enum": ["owlrl", "none"], "default": "owlrl"}},
                "timeout": {"name": "timeout", "in": "query", "required": False,
                            "description": "Seconds the query may run, below the server's limit (never above it); past it the answer is 503.",
                            "schema": {"type": "number", "exclusiveMinimum": 0}},
                "pageTimeout": {"name": "_timeout", "in": "query", "required": False,
                                "description": "Seconds the question may run, below the server's and the question's own limit; past it the answer is 503.",
                                "schema": {"type": "number", "exclusiveMinimum": 0}},
                "limit": {"name": "_limit", "in": "query", "required": False,
                          "description": "Rows per page (at most the server's row limit, also the default). When more rows exist, "
                                         "a Link header with rel=\"next\" gives the next page and the JSON says truncated.",
                          "schema": {"type": "integer", "minimum": 1}},
                "offset": {"name": "_offset", "in": "query", "required": False,
                           "description": "Rows to skip (the start of the page).",
                           "schema": {"type": "integer", "minimum": 0, "default": 0}},
                "defaultGraph": {"name": "default-graph-uri", "in": "query", "required": False, "explode": True,
                                 "schema": {"type": "array", "items": {"type": "string", "format": "iri"}}},
                "namedGraph": {"name": "named-graph-uri", "in": "query", "required": False, "explode": True,
                               "schema": {"type": "array", "items": {"type": "string", "format": "iri"}}},
            },
            "responses": {"Error": {"description": "The one error body.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "required": ["ok", "error", "status"], "properties": {
                    "ok": {"const": False}, "error": {"type": "string"}, "status": {"type": "integer"}}},
                "SparqlResults": {"type": "object", "required": ["head"], "properties": {
                    "head": {"type": "object", "properties": {"vars": {"type": "array", "items": {"type": "string"}}}},
                    "results": {"type": "object", "properties": {"bindings": {"type": "array", "items": {"type": "object"}}}},
                    "boolean": {"type": "boolean"}}},
            },
        },
    }
