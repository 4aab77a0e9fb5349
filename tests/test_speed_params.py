"""An IRI parameter is checked in memory: the instances of its class(es) are read once per store
(:func:`crisiskg.query.choices.class_instances`), after which checking a value by IRI, CURIE or key
makes no query at all; the set is the listing's, and each store (each build) has its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from crisiskg.build.publish import Release, current
from crisiskg.errors import ParameterError
from crisiskg.query.choices import _INSTANCES, class_choices, class_instances
from crisiskg.query.savedqueries import load_queries
from crisiskg.query.store import Store
from crisiskg.vocab import shorten

ID = "https://w3id.org/crisiskg/id/"
CKG = "https://w3id.org/crisiskg/ontology#"
QUERIES = load_queries()
IRI_PARAMS = [p for q in QUERIES.values() for p in q.params if p.type == "iri"]


def no_query(*args: object, **kwargs: object) -> None:
    raise AssertionError("the instances are in memory: no query is needed")


def test_the_instances_are_the_listings(seed_build_dir: Path) -> None:
    store, other = Store.open(seed_build_dir), Store.open(seed_build_dir)
    for param in IRI_PARAMS:
        listed = {str(c.term) for c in class_choices(other, param.classes)}
        assert class_instances(store, param.classes) == listed, param.classes
    assert any(class_instances(store, p.classes) for p in IRI_PARAMS)


def test_after_the_first_check_no_query_is_made(seed_build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(seed_build_dir)
    param = QUERIES["events-in-country"].param("country")
    assert param.convert("iraq", query_id="q", store=store) == URIRef(f"{ID}entity/iraq")  # reads the instances
    monkeypatch.setattr(store, "query", no_query)
    for choice in class_choices(Store.open(seed_build_dir), param.classes):
        iri = str(choice.term)
        for given in (iri, f"<{iri}>", shorten(iri), f" {choice.key} "):
            assert param.convert(given, query_id="q", store=store) == choice.term, given


def test_each_store_reads_its_own_build(seed_build_dir: Path, tmp_path: Path) -> None:
    """A build with one more country: its store knows it, the seeds' store (already read) does not."""
    seeds = current(seed_build_dir)
    shutil.copy(seeds.dataset_file, tmp_path / "dataset.nq")
    with (tmp_path / "dataset.nq").open("a", encoding="utf-8") as out:
        out.write(f"<{ID}entity/narnia> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CKG}Country> <{ID}graph-test> .\n")
    (tmp_path / "manifest.json").write_text(json.dumps(dict(seeds.manifest, version=seeds.manifest["version"] + "-narnia")), encoding="utf-8")
    param = QUERIES["events-in-country"].param("country")
    old, new = Store.open(seed_build_dir), Store(Release(tmp_path, dict(seeds.manifest, version=seeds.manifest["version"] + "-narnia")))
    assert f"{ID}entity/narnia" not in class_instances(old, param.classes)
    assert param.convert("narnia", query_id="q", store=new) == URIRef(f"{ID}entity/narnia")
    with pytest.raises(ParameterError, match="'narnia' is not a ckg:Country in this build"):
        param.convert("narnia", query_id="q", store=old)
    assert old in _INSTANCES and new in _INSTANCES
