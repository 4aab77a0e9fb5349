"""The check of an IRI parameter's value (``Param._iri``): an IRI, a CURIE or a key is confirmed in
the class's instances (read once per store) instead of listing every instance with its labels;
labels, shared keys and rejected values still go through the listing. The answers (terms and error texts) are the listing's, which
:func:`before` spells out as the check was written before the shortcut."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from rdflib import URIRef
from rdflib.term import Node
from seedcorpus import SEEDS

from crisiskg.build.publish import Release, current
from crisiskg.cli import main
from crisiskg.errors import ParameterError
from crisiskg.query.choices import _CHOICES, LISTED, Ambiguous, class_choices, key_of
from crisiskg.query.params import Param
from crisiskg.query.savedqueries import load_queries
from crisiskg.query.store import Store
from crisiskg.vocab import shorten

ID = "https://w3id.org/crisiskg/id/"
CKG = "https://w3id.org/crisiskg/ontology#"
QUERIES = load_queries()
IRI_PARAMS = {(q.id, p.name): p for q in QUERIES.values() for p in q.params if p.type == "iri"}
BY_CLASSES = {p.classes: p for p in IRI_PARAMS.values()}  # the check depends on the class(es) only
# instances that make values ambiguous, which only the listing can see: the shortcut must step aside
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
COLLISIONS = [
    f"<{ID}event/iraq> {_TYPE} <{CKG}Country> <{ID}graph-test> .",  # key 'iraq' under two id segments
    f"<https://sws.geonames.org/iran/> {_TYPE} <{CKG}Country> <{ID}graph-test> .",  # key 'iran' (a final '/')
    f"<{ID}entity/author> {_TYPE} <{CKG}Actor> <{ID}graph-test> .",  # key 'author', as the unnamed authors'
    f"<{CKG}Narnia> {_TYPE} <{CKG}Country> <{ID}graph-test> .",  # CURIE 'ckg:Narnia' ...
    f"<ckg:Narnia> {_TYPE} <{CKG}Country> <{ID}graph-test> .",  # ... and the IRI it spells (scheme ckg)
    f"<{CKG}Oz> {_TYPE} <{CKG}Country> <{ID}graph-test> .",  # CURIE 'ckg:Oz' ...
    f"<{ID}entity/ckg:Oz> {_TYPE} <{CKG}Country> <{ID}graph-test> .",  # ... and an IRI whose key it is
]


def before(param: Param, value: str, store: Store) -> Node:
    """The check as it was: list every instance, then match the value against each one's IRI,
    ``<IRI>``, CURIE and key, then labels, then keys ignoring case (the listing path of the check,
    which the shortcut must agree with)."""
    return param.from_listing(value, f"saved query 'q' parameter '{param.name}'", store)


def outcome(fn, *args) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    try:
        return "term", repr(fn(*args))  # the type too: a URIRef
    except ParameterError as exc:
        return "error", str(exc)


def listed(store: Store, classes: tuple[str, ...]) -> bool:
    """Whether the class listing was computed for ``store``."""
    return classes in _CHOICES.get(store, {})


def fresh(store: Store) -> Store:
    _CHOICES.pop(store, None)
    return store


@pytest.fixture(scope="module")
def collisions(seed_build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The seeds' build with COLLISIONS added."""
    seeds = current(seed_build_dir)
    folder = tmp_path_factory.mktemp("collisions")
    shutil.copy(seeds.dataset_file, folder / "dataset.nq")
    with (folder / "dataset.nq").open("a", encoding="utf-8") as out:
        out.write("\n".join(COLLISIONS) + "\n")
    manifest = dict(seeds.manifest, version=seeds.manifest["version"] + "-collisions")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return Release(folder, manifest)


@pytest.fixture(scope="module", params=["seeds", "mini", "collisions"])
def stores(request: pytest.FixtureRequest) -> tuple[Store, Store]:
    """(a store to check values on, a store of the same build for :func:`before`)."""
    if request.param == "seeds":
        release = current(request.getfixturevalue("seed_build_dir"))
    elif request.param == "mini":
        release = current(request.getfixturevalue("mini_build")[0])
    else:
        release = request.getfixturevalue("collisions")
    return Store(release), Store(release)


def values_of(store: Store, param: Param) -> list[str]:
    """Every way of writing each valid value, and some near misses."""
    out: list[str] = []
    for c in class_choices(store, param.classes):
        iri = str(c.term)
        out += [iri, f"<{iri}>", shorten(iri), c.key, c.label, f"  {c.key} ", c.key.upper(), c.label.lower(),
                iri + "/", f"<{iri}", shorten(iri).upper(), key_of(iri)]
    return list(dict.fromkeys(out))


@pytest.mark.parametrize("classes", sorted(BY_CLASSES), ids=" or ".join)
def test_every_value_resolves_as_before(stores: tuple[Store, Store], classes: tuple[str, ...]) -> None:
    store, reference = stores
    param = BY_CLASSES[classes]
    values = values_of(reference, param)
    quick = 0
    for value in values:
        expected = outcome(before, param, value, reference)
        got = outcome(lambda v: param.convert(v, query_id="q", store=fresh(store)), value)
        assert got == expected, value
        if not listed(store, param.classes):
            quick += 1
            assert got[0] == "term", value  # an error always comes from the listing, which names the choices
    assert quick or not values


def test_iris_curies_and_keys_do_not_list_the_class(seed_build_dir: Path) -> None:
    store = Store.open(seed_build_dir)
    q = QUERIES["days-between"]
    first, second = f"{ID}event/soleimani-killing-2020-01-03", f"{ID}event/iran-missile-strikes-2020-01-08"
    for a, b in [("soleimani-killing-2020-01-03", "iran-missile-strikes-2020-01-08"),
                 ("id:event/soleimani-killing-2020-01-03", f"<{second}>"),
                 (first, " iran-missile-strikes-2020-01-08 ")]:
        assert q.bind({"first": a, "second": b}, store) == {"first": URIRef(first), "second": URIRef(second)}
        assert not _CHOICES.get(store)
    country = QUERIES["events-in-country"]
    for given in ("iraq", "id:entity/iraq", f"{ID}entity/iraq", f"<{ID}entity/iraq>"):
        assert country.bind({"country": given}, store) == {"country": URIRef(f"{ID}entity/iraq")}
    assert not _CHOICES.get(store)
    # an author has a key only as a CURIE (three of them end in /author): the CURIE needs no listing
    holder = next(p for p in IRI_PARAMS.values() if "ckg:Actor" in p.classes)
    assert holder.convert("id:article/000/author", query_id="q", store=store) == URIRef(f"{ID}article/000/author")
    assert not _CHOICES.get(store)
    # a label is looked up in the listing
    assert country.bind({"country": "Iraq"}, store) == {"country": URIRef(f"{ID}entity/iraq")}
    assert listed(store, ("ckg:Country",))


def test_once_listed_the_listing_answers(seed_build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(seed_build_dir)
    country = QUERIES["events-in-country"]
    class_choices(store, ("ckg:Country",))

    def no_query(*args: object, **kwargs: object) -> None:
        raise AssertionError("the listing is cached: no query is needed")

    monkeypatch.setattr(store, "query", no_query)
    assert country.bind({"country": "iraq"}, store) == {"country": URIRef(f"{ID}entity/iraq")}


WRONG = [
    ("events-in-country", "country", "irak"),
    ("events-in-country", "country", "camp-taji"),  # an entity, not a country
    ("events-in-country", "country", "id:entity/camp-taji"),
    ("events-in-country", "country", f"{ID}entity/camp-taji"),
    ("events-in-country", "country", f"<{ID}entity/camp-taji>"),
    ("events-in-country", "country", f"{ID}entity/irak"),
    ("events-in-country", "country", "id:entity/irak"),
    ("events-in-country", "country", "ID:entity/iraq"),
    ("events-in-country", "country", "entity/iraq"),
    ("events-in-country", "country", "iraq/"),
    ("events-in-country", "country", "ckg:Country"),
    ("events-in-country", "country", "wd:Q796"),
    ("events-in-country", "country", "http://[bad"),
    ("events-in-country", "country", "<not an iri>"),
    ("events-in-country", "country", ""),
    ("events-in-country", "country", "iraq> } UNION { ?event ?p ?o } #"),
    ("events-in-country", "country", f"<{ID}entity/iraq> }}"),
    ("entity-mentions", "entity", "us-military-retaliation-jan-8"),  # a proposition
    ("entity-mentions", "entity", "author"),  # three unnamed authors
    ("days-between", "first", "iraq"),
    ("days-between", "first", "soleimani-killing"),
]


@pytest.mark.parametrize("qid,name,value", WRONG)
def test_a_wrong_value_gives_the_same_error(seed_build_dir: Path, qid: str, name: str, value: str) -> None:
    store, reference = Store.open(seed_build_dir), Store.open(seed_build_dir)
    param = QUERIES[qid].param(name)
    expected = outcome(before, param, value, reference)
    assert outcome(lambda v: param.convert(v, query_id="q", store=store), value) == expected
    assert expected[0] == "error"


def test_the_error_names_close_and_valid_choices(seed_build_dir: Path) -> None:
    store = Store.open(seed_build_dir)
    with pytest.raises(ParameterError) as info:
        QUERIES["events-in-country"].bind({"country": f"{ID}entity/irak"}, store)
    assert f"'{ID}entity/irak' is not a ckg:Country in this build (did you mean 'iraq'?)" in str(info.value)
    assert "valid choices: " in str(info.value) and "iran, iraq, israel" in str(info.value)
    with pytest.raises(ParameterError, match="'camp-taji' is not a ckg:Country"):
        QUERIES["events-in-country"].bind({"country": "camp-taji"}, store)


def test_shared_keys_fall_back_to_the_listing(collisions: Release) -> None:
    store, reference = Store(collisions), Store(collisions)
    country = IRI_PARAMS[("events-in-country", "country")]
    for value in ("iraq", "iran", "ckg:Narnia", "ckg:Oz"):
        got = outcome(lambda v: country.convert(v, query_id="q", store=fresh(store)), value)
        assert got == outcome(before, country, value, reference)
        assert listed(store, country.classes), value
    actor = next(p for p in IRI_PARAMS.values() if p.classes == ("ckg:Actor",))
    got = outcome(lambda v: actor.convert(v, query_id="q", store=fresh(store)), "author")
    assert got == outcome(before, actor, "author", reference)
    assert listed(store, actor.classes)


# ---------------------------------------------------------------- labels and aliases


def registry_names(seeds: Path = SEEDS) -> dict[str, set[str]]:
    """Each label or alias of the registry (folded: any case, spaces collapsed) -> the ids it names."""
    names: dict[str, set[str]] = {}
    for entity in yaml.safe_load((seeds / "registry.yaml").read_text(encoding="utf-8"))["entities"]:
        for name in [entity["label"], *entity.get("aliases", [])]:
            names.setdefault(" ".join(name.lower().split()), set()).add(entity["id"])
    return names


def test_every_alias_of_the_registry_names_its_entity(seed_build_dir: Path) -> None:
    store = Store.open(seed_build_dir)
    param = QUERIES["entity-mentions"].param("entity")
    known = {str(c.term) for c in class_choices(store, param.classes)}
    checked = 0
    for entity in yaml.safe_load((SEEDS / "registry.yaml").read_text(encoding="utf-8"))["entities"]:
        iri = f"{ID}entity/{entity['id']}"
        if iri not in known:  # not an actor, place or weapon
            continue
        for alias in entity.get("aliases", []):
            if len(registry_names()[" ".join(alias.lower().split())]) > 1:
                continue  # shared: refused with the candidates (below)
            assert param.convert(alias, query_id="q", store=store) == URIRef(iri), alias
            assert param.convert(f"  {alias.upper()} ", query_id="q", store=store) == URIRef(iri), alias
            checked += 1
    assert checked


ALIAS = "Soleimani"  # one of Qassem Soleimani's aliases in seeds/registry.yaml
TWIN = f"{ID}entity/another-soleimani"


@pytest.fixture(scope="module")
def shared_alias(seed_build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The seeds' build with a second actor that also goes by ALIAS."""
    seeds = current(seed_build_dir)
    folder = tmp_path_factory.mktemp("shared-alias")
    shutil.copy(seeds.dataset_file, folder / "dataset.nq")
    with (folder / "dataset.nq").open("a", encoding="utf-8") as out:
        out.write(f"<{TWIN}> {_TYPE} <{CKG}Person> <{ID}graph-test> .\n"
                  f'<{TWIN}> <http://www.w3.org/2000/01/rdf-schema#label> "Another Soleimani" <{ID}graph-test> .\n'
                  f'<{TWIN}> <http://www.w3.org/2004/02/skos/core#altLabel> "{ALIAS}" <{ID}graph-test> .\n')
    (folder / "manifest.json").write_text(json.dumps(dict(seeds.manifest, version=seeds.manifest["version"] + "-alias")), encoding="utf-8")
    return Release(folder, seeds.manifest | {"version": seeds.manifest["version"] + "-alias"})


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_cli_takes_any_label_or_alias(seed_build_dir: Path) -> None:
    assert "qassem-soleimani" in registry_names()[ALIAS.lower()]
    build = str(seed_build_dir)
    by_id = cli("query", "run", "actor-events", "-p", "actor=qassem-soleimani", "--build", build, "--format", "csv")
    assert by_id.exit_code == 0 and len(by_id.output.splitlines()) > 1
    for given in (ALIAS, "Qasem Soleimani", "qassem soleimani", "Qassem Soleimani"):
        by_name = cli("query", "run", "actor-events", "-p", f"actor={given}", "--build", build, "--format", "csv")
        assert (by_name.exit_code, by_name.output) == (0, by_id.output), given
    mentions = cli("query", "run", "entity-mentions", "-p", f"entity={ALIAS}", "--build", build, "--format", "csv")
    assert mentions.exit_code == 0
    assert mentions.output == cli("query", "run", "entity-mentions", "-p", "entity=qassem-soleimani", "--build", build, "--format", "csv").output


def test_a_shared_name_is_refused_with_the_candidates(shared_alias: Release) -> None:
    store = Store(shared_alias)
    with pytest.raises(Ambiguous) as info:
        QUERIES["actor-events"].bind({"actor": ALIAS}, store)
    assert {str(c.term) for c in info.value.candidates} == {f"{ID}entity/qassem-soleimani", TWIN}
    message = str(info.value)
    assert "qassem-soleimani" in message and "another-soleimani (Another Soleimani)" in message
    assert "give the id of the one you mean" in message
    # the full name and the ids still say which
    assert QUERIES["actor-events"].bind({"actor": "Qassem Soleimani"}, store) == {"actor": URIRef(f"{ID}entity/qassem-soleimani")}
    assert QUERIES["actor-events"].bind({"actor": "another-soleimani"}, store) == {"actor": URIRef(TWIN)}


def test_http_takes_aliases_and_refuses_shared_names(seed_build_dir: Path, shared_alias: Release) -> None:
    from crisiskg.service import create_app

    client = create_app({"store": Store.open(seed_build_dir)}).test_client()
    by_id = client.get("/queries/actor-events?actor=qassem-soleimani&_format=json")
    for given in (ALIAS, "Qasem Soleimani"):
        by_name = client.get("/queries/actor-events", query_string={"actor": given, "_format": "json"})
        assert by_name.status_code == 200 and by_name.json["results"] == by_id.json["results"], given
    shared = create_app({"store": Store(shared_alias)}).test_client()
    refused = shared.get("/queries/actor-events", query_string={"actor": ALIAS, "_format": "json"})
    assert refused.status_code == 400 and refused.json["ok"] is False
    assert "qassem-soleimani" in refused.json["error"] and "another-soleimani (Another Soleimani)" in refused.json["error"]


def test_choice_lists_give_labels_with_ids(seed_build_dir: Path) -> None:
    store = Store.open(seed_build_dir)
    authors = [c for c in class_choices(store, ("ckg:Actor",)) if c.key.endswith("/author")]
    assert authors, "the unsigned articles have an author of article X"
    shown = cli("query", "show", "holder-stances", "--build", str(seed_build_dir)).output.replace("\n        ", " ")
    with pytest.raises(ParameterError) as info:
        QUERIES["actor-events"].bind({"actor": "nobody-at-all"}, store)
    for c in authors:
        assert f"{c.key} ({c.label})" in shown
        assert f"{c.key} ({c.label})" in str(info.value) or authors.index(c) >= LISTED
