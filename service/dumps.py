"""Whole-dataset dumps, written by the one export path (:func:`crisiskg.build.export.export`, which
``crisiskg export`` calls too: the same bytes), and ``/context.jsonld``, the JSON-LD context every
JSON-LD dump is compacted with.

Quad formats (N-Quads, TriG, JSON-LD) keep the named graphs; triple formats (Turtle, N-Triples)
merge them. Every dump is canonical (the same bytes for the same build) and keeps the literals'
datatypes as published.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response

from crisiskg.build.export import CONTEXT, FORMATS, export

bp = Blueprint("context", __name__)

# format key -> (file name in /dumps, media type)
DUMPS = {fmt: (f"crisiskg.{fmt}", media) for fmt, (_, _, media) in FORMATS.items()}
# the release's schema files served beside the data
SCHEMA_FILES = {"ontology.ttl": "crisiskg.ttl", "cameo.ttl": "cameo.ttl", "shapes.ttl": "shapes.ttl"}


def dump(dataset_file: Path, fmt: str) -> bytes:
    """The dataset in ``fmt`` (a key of :data:`DUMPS`)."""
    return export(dataset_file, fmt)


@bp.route("/context.jsonld")
def context() -> Response:
    """The JSON-LD context of the JSON-LD dumps (the project's prefixes), for clients that compact
    their own JSON-LD the same way."""
    body = json.dumps({"@context": CONTEXT}, indent=1, sort_keys=True) + "\n"
    resp = Response(body, content_type="application/ld+json")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp
