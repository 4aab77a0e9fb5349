"""An IRI parameter is checked in memory: the instances of its class(es) are read once per store
(:func:`crisiskg.query.choices.class_instances`), after which checking a value by IRI, CURIE or key
makes no query at all; the set is the listing's, and each store (each build) has its own."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import hypothesis
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from rdflib import URIRef

from crisiskg.build.publish import Release, current
from crisiskg.errors import ParameterError
from crisiskg.query.choices import _INSTANCES, Ambiguous, Choice, Choices, _indexed, _scanned, class_choices, class_instances, find
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


def test_a_label_is_found_through_the_listing_s_index(seed_build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(seed_build_dir)
    param = QUERIES["events-in-country"].param("country")
    listing = class_choices(store, param.classes)
    assert isinstance(listing, Choices)  # the listing carries its index
    iraq = next(c for c in listing if c.key == "iraq")
    monkeypatch.setattr("crisiskg.query.choices._scanned", no_query)  # a scan would fail the test
    assert param.convert(f" {iraq.label.upper()} ", query_id="q", store=store) == iraq.term


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


# --- a value is found among many choices through their index, as a scan of each would find it ---

_WORDS = st.sampled_from(["iraq", "Iraq", "IRAQ", "iran", "Camp Taji", "camp  taji", " camp taji ", "taji", "Soleimani", "a-b", "A-B", ""])
_IRIS = st.sampled_from([f"{ID}entity/iraq", f"{ID}entity/iran", f"{ID}event/iraq", f"{CKG}Iraq", "https://sws.geonames.org/99237/",
                         f"{ID}entity/camp-taji", f"{ID}article/000/author"])
_CHOICES_ = st.lists(st.builds(Choice, key=_WORDS, term=_IRIS.map(URIRef), label=_WORDS, aliases=st.lists(_WORDS, max_size=3).map(tuple)),
                     max_size=12)


@pytest.mark.no_seeds
@settings(max_examples=500, deadline=None)
@hypothesis.given(options=_CHOICES_, value=_WORDS | _IRIS | _IRIS.map(lambda i: f"<{i}>") | _IRIS.map(shorten) | st.text(max_size=6))
def test_the_index_finds_what_a_scan_of_the_choices_finds(options: list[Choice], value: str) -> None:
    choices = Choices(options)
    assert _indexed(choices, value.strip()) == _scanned(choices, value.strip())


@pytest.mark.no_seeds
def test_many_choices_are_looked_up_through_their_index(monkeypatch: pytest.MonkeyPatch) -> None:
    many = Choices(Choice(f"place-{i}", URIRef(f"{ID}entity/place-{i}"), f"Place {i}", (f"P{i}",)) for i in range(40))
    assert find(many, " place 7 ") == many[7] and find(many, f"<{ID}entity/place-9>") == many[9] and find(many, "p3") == many[3]
    assert pickle.loads(pickle.dumps(many)) == many and "lookup" not in vars(pickle.loads(pickle.dumps(many)))  # sent without its index
    monkeypatch.setattr("crisiskg.query.choices._scanned", no_query)  # a scan would fail the test
    assert find(many, "PLACE-5") == many[5] and find(many, "nowhere") is None
    twice = Choices((*many, Choice("elsewhere", URIRef(f"{ID}entity/elsewhere"), "Place 1")))
    with pytest.raises(Ambiguous, match=r"'place 1' names 2 values: place-1 \(Place 1\), elsewhere \(Place 1\)") as found:
        find(twice, "place 1")
    assert found.value.candidates == (many[1], twice[-1])
