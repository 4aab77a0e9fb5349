"""One export path, canonical and compact: ``crisiskg export`` and ``/dumps`` give the same bytes,
two runs on one build give the same bytes (blank nodes get canonical labels), JSON-LD is compacted
with the context the service publishes, and every literal keeps the datatype it was published with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from crisiskg.build.export import CONTEXT, FORMATS, export
from crisiskg.build.publish import current
from crisiskg.cli import main

PARSERS = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD,
           "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}


@pytest.mark.no_seeds
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_export_and_dumps_give_the_same_bytes_every_run(fmt: str, mini_build: tuple[Path, Any], client: FlaskClient,
                                                              tmp_path: Path) -> None:
    runner = CliRunner()
    outs = []
    for run in (1, 2):
        out = tmp_path / f"{run}.{fmt}"
        result = runner.invoke(main, ["export", "--format", fmt, "--build", str(mini_build[0]), "-o", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    served = client.get(f"/dumps/crisiskg.{fmt}")
    assert served.status_code == 200 and served.mimetype == FORMATS[fmt][2]
    assert outs[0] == outs[1] == served.data == export(current(mini_build[0]).dataset_file, fmt)


def _dataset(quads: list[str]) -> bytes:
    return "".join(quads).encode("utf-8")


@pytest.mark.no_seeds
def test_blank_nodes_get_canonical_labels(tmp_path: Path) -> None:
    """The same dataset written with other blank-node labels and in another order exports the same bytes."""
    one = ['_:a <urn:p> "x" <urn:g> .\n', '<urn:s> <urn:q> _:a <urn:g> .\n', '_:b <urn:p> "y" <urn:g> .\n',
           '<urn:s> <urn:r> "5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> <urn:g> .\n']
    two = [line.replace("_:a", "_:zz9").replace("_:b", "_:other") for line in reversed(one)]
    (tmp_path / "one.nq").write_bytes(_dataset(one))
    (tmp_path / "two.nq").write_bytes(_dataset(two))
    for fmt in ("nq", "jsonld", "trig"):
        a, b = export(tmp_path / "one.nq", fmt), export(tmp_path / "two.nq", fmt)
        assert a == b, fmt
    assert b"_:c14n" in export(tmp_path / "one.nq", "nq")
    assert b'"5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in export(tmp_path / "one.nq", "nq")


@pytest.mark.no_seeds
def test_jsonld_is_compacted_with_the_published_context(mini_build: tuple[Path, Any], client: FlaskClient) -> None:
    dataset_file = current(mini_build[0]).dataset_file
    body = export(dataset_file, "jsonld")
    doc = json.loads(body)
    published = client.get("/context.jsonld")
    assert published.status_code == 200 and published.mimetype == "application/ld+json"
    assert doc["@context"] == published.json["@context"] == CONTEXT  # type: ignore[index]
    keys: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(doc["@graph"])
    namespaces = tuple(CONTEXT.values())
    assert not [k for k in keys if k.startswith(namespaces)], "every property is a compact IRI"
    assert any(k.startswith("ckg:") for k in keys)
    assert len(body) < len(export(dataset_file, "nq"))
    # the same quads as the published dataset (blank nodes aside: labels differ by design)
    def ground(data: bytes, fmt: Any) -> set[str]:
        return {str(q) for q in ox.parse(data, format=fmt) if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
    assert ground(body, ox.RdfFormat.JSON_LD) == ground(dataset_file.read_bytes(), ox.RdfFormat.N_QUADS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_literals_keep_their_published_datatypes(fmt: str, seed_build_dir: Path) -> None:
    """xsd:nonNegativeInteger offsets, decimals such as -10.0: as published, on every export format."""
    dataset_file = current(seed_build_dir).dataset_file

    def literals(data: bytes, parser: Any) -> set[tuple[str, str, str | None]]:
        return {(q.object.value, q.object.datatype.value, q.object.language) for q in ox.parse(data, format=parser)
                if isinstance(q.object, ox.Literal)}

    published = literals(dataset_file.read_bytes(), ox.RdfFormat.N_QUADS)
    assert any(dt.endswith("#nonNegativeInteger") for _, dt, _ in published)
    assert literals(export(dataset_file, fmt), PARSERS[fmt]) == published
