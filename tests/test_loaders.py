"""read_seeds (every problem at once, nearest ids, drafts) and to_dataset (deterministic IRIs, one
named graph per article, the entities graph, NIF spans that match the text)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF, RDFS, SDO, XSD

from crisiskg.build.stages import BuildResult
from crisiskg.errors import SeedError
from crisiskg.loaders import iris, read_seeds, to_dataset
from crisiskg.vocab import CKG, ENTITIES_GRAPH, GAF, GEO, NIF, ONTOLOGY_GRAPH, PROVENANCE_GRAPH, SEM, article_graph

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ARTICLE = Path("articles") / "100_mini.yaml"


def edit(folder: Path, rel: str | Path, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def problems(folder: Path, **kwargs: object) -> list:
    with pytest.raises(SeedError) as exc:
        read_seeds(folder, **kwargs)  # type: ignore[arg-type]
    return exc.value.problems


def line_in(folder: Path, rel: str | Path, needle: str) -> int:
    text = (folder / rel).read_text(encoding="utf-8")
    assert text.count(needle) == 1
    return text[: text.index(needle)].count("\n") + 1


# ---------------------------------------------------------------- read_seeds


def test_the_fixture_seeds_read_cleanly(root: Path) -> None:
    seeds = read_seeds(root / "tests" / "fixtures" / "mini")
    assert set(seeds.entities) == {"northland", "united-states", "riverton", "camp-alpha", "red-militia", "jane-roe", "rocket"}
    assert set(seeds.propositions) == {"us-retaliation"}
    assert [a.key for a in seeds.articles] == ["100"]
    assert seeds.types("northland") == ["State", "Country"] and seeds.types("riverton") == ["City"]
    art = seeds.articles[0]
    for (key, path), span in seeds.spans.items():
        assert key == "100"
        assert art.text[span.begin:span.end] == span.text, path
    assert set(seeds.files) == {"registry.yaml", "propositions.yaml", "articles/100_mini.yaml", "articles/100_mini.txt"}


def test_a_broken_copy_reports_every_problem_in_one_run(mini_copy: Path) -> None:
    edit(mini_copy, "registry.yaml", "located_in: riverton", "located_in: rivertown")
    edit(mini_copy, ARTICLE, "places: [camp-alpha]", "places: [camp-alfa]")
    edit(mini_copy, ARTICLE, "weapon: rocket", "weapon: northland")
    edit(mini_copy, ARTICLE, "value: 2020-03-10", "value: 2020-02-30")
    edit(mini_copy, ARTICLE, "{holder: jane-roe, title: analyst", "{holder: jane-doe, title: analyst")
    edit(mini_copy, ARTICLE, 'quote: "Analyst Jane Roe said the United States should not retaliate."',
         'quote: "Analyst Jane Roe said the Untied States should not retaliate."')
    edit(mini_copy, ARTICLE, "furniture: [{quote: \"Related Content\"}]", "furniture: [{quote: \"Camp Alpha\"}]")
    found = {(p.file, p.field): p for p in problems(mini_copy)}
    assert set(found) == {
        ("registry.yaml", "entities[3].located_in"),
        ("articles/100_mini.yaml", "article.furniture[0].quote"),
        ("articles/100_mini.yaml", "events[0].places[0]"),
        ("articles/100_mini.yaml", "events[0].weapon"),
        ("articles/100_mini.yaml", "events[0].date.value"),
        ("articles/100_mini.yaml", "roles[0].holder"),
        ("articles/100_mini.yaml", "stances[0].quote"),
    }
    reg = found[("registry.yaml", "entities[3].located_in")]
    assert reg.line == line_in(mini_copy, "registry.yaml", "located_in: rivertown")
    assert "unknown entity 'rivertown'" in reg.message and reg.hint == "did you mean 'riverton'?"
    place = found[("articles/100_mini.yaml", "events[0].places[0]")]
    assert place.line == line_in(mini_copy, ARTICLE, "places: [camp-alfa]")
    assert place.hint == "did you mean 'camp-alpha'?"
    assert found[("articles/100_mini.yaml", "roles[0].holder")].hint == "did you mean 'jane-roe'?"
    weapon = found[("articles/100_mini.yaml", "events[0].weapon")]
    assert "'northland' is a State/Country" in weapon.message and "Weapon" in (weapon.hint or "")
    assert "not a date the text gives" in found[("articles/100_mini.yaml", "events[0].date.value")].message
    quote = found[("articles/100_mini.yaml", "stances[0].quote")]
    assert quote.line == line_in(mini_copy, ARTICLE, "the Untied States")
    assert "closest passage: 'Analyst Jane Roe said the United States should not retaliate.'" in quote.message
    furniture = found[("articles/100_mini.yaml", "article.furniture[0].quote")]
    assert "occurs 2 times (at offsets 12, 51)" in furniture.message


def test_the_error_message_lists_every_problem(mini_copy: Path) -> None:
    edit(mini_copy, ARTICLE, "places: [camp-alpha]", "places: [camp-alfa]")
    edit(mini_copy, ARTICLE, "weapon: rocket", "weapon: rockett")
    with pytest.raises(SeedError) as exc:
        read_seeds(mini_copy)
    text = str(exc.value)
    assert text.startswith("2 problem(s) in the seeds:")
    assert "articles/100_mini.yaml:" in text and "camp-alfa" in text and "rockett" in text


def test_schema_mistakes_in_several_files_are_all_reported(mini_copy: Path) -> None:
    edit(mini_copy, "registry.yaml", "type: Militia", "type: Militiaa")
    edit(mini_copy, "propositions.yaml", "    definition: The United States answers the attack with military force.\n", "")
    edit(mini_copy, ARTICLE, "genre: news", "genre: newz")
    found = {(p.file, p.field, p.hint) for p in problems(mini_copy)}
    assert found == {
        ("registry.yaml", "entities[4].type", "did you mean 'Militia'?"),
        ("propositions.yaml", "propositions[0]", "add the field"),
        ("articles/100_mini.yaml", "article.genre", "did you mean 'news'?"),
    }


def test_a_broken_registry_does_not_make_every_reference_unknown(mini_copy: Path) -> None:
    edit(mini_copy, "registry.yaml", "type: Militia", "type: Militiaa")
    edit(mini_copy, ARTICLE, 'quote: "killing two soldiers"', 'quote: "killing three soldiers"')
    found = [(p.file, p.field) for p in problems(mini_copy)]
    assert found == [("registry.yaml", "entities[4].type"), ("articles/100_mini.yaml", "events[0].casualties[0].quote")]


@pytest.mark.parametrize(
    ("old", "new", "field", "hint"),
    [
        ("roles: {suspectedAttacker: [red-militia]}", "roles: {suspectedAttacker: [red-milita]}", "events[0].roles.suspectedAttacker[0]", "did you mean 'red-militia'?"),
        ("proposition: us-retaliation", "proposition: us-retalation", "stances[0].proposition", "did you mean 'us-retaliation'?"),
        ("subject: red-militia,", "subject: red-militias,", "relations[0].subject", "did you mean 'red-militia'?"),
        ("holder: jane-roe\n", "holder: jane-ro\n", "stances[0].holder", "did you mean 'jane-roe'?"),
        ("holder: jane-roe\n", "holder: zzzz\n", "stances[0].holder", "add it to registry.yaml first"),
    ],
)
def test_an_unknown_reference_names_the_nearest_id(mini_copy: Path, old: str, new: str, field: str, hint: str) -> None:
    edit(mini_copy, ARTICLE, old, new)
    [p] = problems(mini_copy)
    assert (p.file, p.field, p.hint) == ("articles/100_mini.yaml", field, hint)
    assert p.line == line_in(mini_copy, ARTICLE, new.rstrip(",\n") + ("\n" if new.endswith("\n") else ""))
    assert p.message.startswith("unknown ")


@pytest.mark.parametrize(
    ("rel", "old", "new", "field", "message"),
    [
        ("registry.yaml", "    label: Jane Roe\n    aliases: [Roe]\n", "    label: Jane Roe\n    aliases: [Riverton]\n", "entities[5].aliases[0]", "alias 'Riverton' is also given to 'riverton'"),
        ("registry.yaml", "    label: Red Militia\n", "    label: Red Militia\n    located_in: northland\n", "entities[4].located_in", "'red-militia' is not a place"),
        ("registry.yaml", "point: [33.3, 44.4]", "point: [133.3, 44.4]", "entities[2].point", "is not [latitude, longitude]"),
        ("registry.yaml", "  - id: riverton\n", "  - id: camp-alpha\n", "entities[3].id", "duplicate id 'camp-alpha'"),
    ],
)
def test_registry_consistency_problems(mini_copy: Path, rel: str, old: str, new: str, field: str, message: str) -> None:
    edit(mini_copy, rel, old, new)
    found = {p.field: p for p in problems(mini_copy)}
    assert field in found, found
    assert message in found[field].message
    assert found[field].line


def test_a_containment_loop_is_reported(mini_copy: Path) -> None:
    edit(mini_copy, "registry.yaml", "    label: Northland\n", "    label: Northland\n    located_in: camp-alpha\n")
    assert any("containment loops" in p.message for p in problems(mini_copy))


def test_a_draft_is_refused_unless_drafts_are_allowed(mini_copy: Path) -> None:
    edit(mini_copy, ARTICLE, "status: reviewed", "status: draft")
    [p] = problems(mini_copy)
    assert (p.file, p.line, p.field) == ("articles/100_mini.yaml", line_in(mini_copy, ARTICLE, "status: draft"), "article.status")
    assert "draft" in p.message and "status: reviewed" in (p.hint or "")
    seeds = read_seeds(mini_copy, allow_drafts=True)
    assert [a.key for a in seeds.articles] == ["100"]


@pytest.mark.parametrize(
    ("setup", "file", "message"),
    [
        (lambda d: (d / "registry.yaml").unlink(), "registry.yaml", "file is missing"),
        (lambda d: (d / "propositions.yaml").write_text("# nothing yet\n", encoding="utf-8"), "propositions.yaml", "file is empty"),
        (lambda d: (d / "articles" / "100_mini.txt").unlink(), "articles/100_mini.yaml", "text file articles/100_mini.txt is missing"),
        (lambda d: (d / "articles" / "100_mini.txt").write_bytes(b"caf\xe9\n"), "articles/100_mini.txt", "not valid UTF-8"),
        (lambda d: [p.unlink() for p in (d / "articles").glob("*.yaml")], "articles/", "no article annotation files"),
    ],
)
def test_missing_and_unreadable_files(mini_copy: Path, setup, file: str, message: str) -> None:  # type: ignore[no-untyped-def]
    setup(mini_copy)
    found = problems(mini_copy)
    assert any(p.file == file and message in p.message for p in found), found


def test_a_missing_seeds_folder(tmp_path: Path) -> None:
    [p] = problems(tmp_path / "nope")
    assert "seeds folder not found" in p.message


# ---------------------------------------------------------------- to_dataset


@pytest.fixture(scope="module")
def mini_seeds(root: Path):  # type: ignore[no-untyped-def]
    return read_seeds(root / "tests" / "fixtures" / "mini")


@pytest.fixture(scope="module")
def mini_dataset(mini_seeds) -> Dataset:  # type: ignore[no-untyped-def]
    return to_dataset(mini_seeds)[0]


def graphs_of(ds: Dataset) -> dict[str, object]:
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


def test_two_runs_mint_the_same_iris_and_isomorphic_graphs(root: Path, mini_dataset: Dataset) -> None:
    again = to_dataset(read_seeds(root / "tests" / "fixtures" / "mini"))[0]
    first, second = graphs_of(mini_dataset), graphs_of(again)
    assert set(first) == set(second)
    for name in first:
        assert isomorphic(first[name], second[name]), name  # type: ignore[arg-type]
        if name != str(ONTOLOGY_GRAPH):  # the data graphs have no blank nodes: identical triples
            assert set(first[name]) == set(second[name])  # type: ignore[call-overload]


def test_a_copy_elsewhere_mints_the_same_iris(mini_copy: Path, mini_dataset: Dataset) -> None:
    again = to_dataset(read_seeds(mini_copy))[0]
    assert set(again.graph(article_graph("100"))) == set(mini_dataset.graph(article_graph("100")))


def test_one_named_graph_per_article_plus_ontology_and_entities(mini_dataset: Dataset) -> None:
    assert set(graphs_of(mini_dataset)) == {str(ONTOLOGY_GRAPH), str(ENTITIES_GRAPH), str(article_graph("100"))}


def test_the_entities_graph_holds_the_registry(mini_dataset: Dataset) -> None:
    g = mini_dataset.graph(ENTITIES_GRAPH)
    riverton = iris.entity("riverton")
    assert (riverton, RDF.type, CKG.City) in g
    assert (riverton, RDFS.label, Literal("Riverton")) in g
    assert (riverton, CKG.locatedIn, iris.entity("northland")) in g
    assert (iris.entity("northland"), RDF.type, CKG.State) in g and (iris.entity("northland"), RDF.type, CKG.Country) in g
    assert (iris.proposition("us-retaliation"), RDF.type, CKG.Proposition) in g
    assert (iris.article("100") + "/author", RDF.type, CKG.UnnamedAuthor) in g  # unsigned article
    # nothing an article asserts leaks into the entities graph
    assert not list(g.subjects(RDF.type, CKG.Event)) and not list(g.subjects(RDF.type, CKG.Stance))


def test_the_article_graph_holds_what_the_article_asserts(mini_dataset: Dataset) -> None:
    g = mini_dataset.graph(article_graph("100"))
    ev = iris.event("camp-alpha-attack")
    assert (ev, RDF.type, CKG.RocketAttack) in g
    assert (ev, SEM.hasPlace, iris.entity("camp-alpha")) in g
    assert (ev, CKG.suspectedAttacker, iris.entity("red-militia")) in g
    assert (iris.entity("red-militia"), CKG.backedBy, iris.entity("northland")) in g
    stance = iris.stance("roe-against-retaliation")
    assert (stance, CKG.holder, iris.entity("jane-roe")) in g and (stance, CKG.polarity, CKG.Against) in g
    assert (iris.article("100"), CKG.seedFile, Literal("articles/100_mini.yaml")) in g


def test_nif_spans_match_the_text_at_their_offsets(mini_dataset: Dataset, mini_seeds) -> None:  # type: ignore[no-untyped-def]
    g = mini_dataset.graph(article_graph("100"))
    text = mini_seeds.articles[0].text
    contexts = list(g.subjects(RDF.type, NIF.Context))
    assert len(contexts) == 1 and str(g.value(contexts[0], NIF.isString)) == text
    spans = set(g.subjects(RDF.type, NIF.Phrase))
    assert len(spans) >= 10
    for span in spans:
        b, e = int(g.value(span, NIF.beginIndex)), int(g.value(span, NIF.endIndex))  # type: ignore[arg-type]
        assert text[b:e] == str(g.value(span, NIF.anchorOf))
        assert g.value(span, NIF.referenceContext) == contexts[0]
        assert re.fullmatch(rf"{re.escape(str(iris.article('100')))}#char={b},{e}", str(span))
    # the curated quotes are the evidence of what they support
    ev_span = g.value(iris.event("camp-alpha-attack"), CKG.evidence)
    assert str(g.value(ev_span, NIF.anchorOf)) == "On Tuesday, rockets struck Camp Alpha near Riverton, killing two soldiers."
    assert g.value(ev_span, CKG.annotationMethod) == CKG.Curated


def test_alias_mentions_are_found_and_furniture_skipped(mini_dataset: Dataset, mini_seeds) -> None:  # type: ignore[no-untyped-def]
    g = mini_dataset.graph(article_graph("100"))
    text = mini_seeds.articles[0].text
    mentions = {(str(g.value(s, NIF.anchorOf)), g.value(s, NIF.taIdentRef)) for s in g.subjects(NIF.taIdentRef, None)}
    assert ("Roe", iris.entity("jane-roe")) in mentions and ("Jane Roe", iris.entity("jane-roe")) in mentions
    assert ("Red Militia", iris.entity("red-militia")) in mentions
    for s in g.subjects(NIF.taIdentRef, None):
        assert g.value(s, CKG.annotationMethod) == CKG.AliasMatch
        assert (g.value(s, NIF.taIdentRef), GAF.denotedBy, s) in g
    furniture_start = text.index("Related Content")
    assert all(int(g.value(s, NIF.beginIndex)) < furniture_start for s in g.subjects(NIF.taIdentRef, None))  # type: ignore[arg-type]


def test_each_mention_states_its_sentence(mini_dataset: Dataset, mini_seeds) -> None:  # type: ignore[no-untyped-def]
    g = mini_dataset.graph(article_graph("100"))
    text = mini_seeds.articles[0].text
    mentions = list(g.subjects(NIF.taIdentRef, None))
    assert mentions
    for m in mentions:
        sentence = g.value(m, NIF.sentence)
        b, e = int(g.value(sentence, NIF.beginIndex)), int(g.value(sentence, NIF.endIndex))  # type: ignore[arg-type]
        mb, me = int(g.value(m, NIF.beginIndex)), int(g.value(m, NIF.endIndex))  # type: ignore[arg-type]
        assert (sentence, RDF.type, NIF.Sentence) in g and sentence == iris.span("100", b, e)
        assert b <= mb < me <= e and str(g.value(sentence, NIF.anchorOf)) == text[b:e]
        assert g.value(sentence, NIF.referenceContext) == g.value(m, NIF.referenceContext)
    said = {str(g.value(g.value(m, NIF.sentence), NIF.anchorOf)) for m in g.subjects(NIF.taIdentRef, iris.entity("jane-roe"))}
    assert "Analyst Jane Roe said the United States should not retaliate." in said  # 100_mini.txt


def test_a_point_is_wkt_and_decimal_degrees(mini_dataset: Dataset) -> None:
    g = mini_dataset.graph(ENTITIES_GRAPH)
    riverton = iris.entity("riverton")  # registry.yaml: point [33.3, 44.4]
    assert str(g.value(g.value(riverton, GEO.hasGeometry), GEO.asWKT)) == "POINT(44.4 33.3)"
    assert (g.value(riverton, SDO.latitude), g.value(riverton, SDO.longitude)) == (
        Literal("33.3", datatype=XSD.decimal), Literal("44.4", datatype=XSD.decimal))


def test_spans_of_non_ascii_text_use_code_point_offsets(mini_copy: Path) -> None:
    txt = mini_copy / "articles" / "100_mini.txt"
    txt.write_text(txt.read_text(encoding="utf-8").replace("Analyst Jane Roe said", "Analyst \u201cJane\u201d \U0001F680 \u2014 Jane Roe said"), encoding="utf-8")
    edit(mini_copy, ARTICLE, '"Analyst Jane Roe said the United States should not retaliate."', '"Jane Roe said the United States should not retaliate."')
    edit(mini_copy, ARTICLE, '{holder: jane-roe, title: analyst, quote: "Analyst Jane Roe"}', '{holder: jane-roe, title: analyst, quote: "Analyst \u201cJane\u201d \U0001F680 \u2014 Jane Roe"}')
    seeds = read_seeds(mini_copy)
    g = to_dataset(seeds)[0].graph(article_graph("100"))
    text = seeds.articles[0].text
    for span in g.subjects(RDF.type, NIF.Phrase):
        b, e = int(g.value(span, NIF.beginIndex)), int(g.value(span, NIF.endIndex))  # type: ignore[arg-type]
        assert text[b:e] == str(g.value(span, NIF.anchorOf))


def test_provenance_records_every_input_with_its_sha256(mini_build: tuple[Path, BuildResult], root: Path) -> None:
    _out, result = mini_build
    g = result.dataset.graph(PROVENANCE_GRAPH)
    recorded = {str(g.value(f, CKG.seedFile)): str(g.value(f, CKG.sha256)) for f in g.subjects(RDF.type, PROV.Entity) if g.value(f, CKG.sha256)}
    mini = root / "tests" / "fixtures" / "mini"
    for rel in ("registry.yaml", "propositions.yaml", "articles/100_mini.yaml", "articles/100_mini.txt"):
        assert recorded["seeds/" + rel] == hashlib.sha256((mini / rel).read_bytes()).hexdigest()
    assert any(k.startswith("crisiskg/") for k in recorded) and any(k.startswith("ontology/") for k in recorded)
    runs = list(g.subjects(RDF.type, PROV.Activity))
    assert len(runs) == 1
    assert g.value(runs[0], PROV.startedAtTime) is not None and g.value(runs[0], PROV.endedAtTime) is not None
    assert isinstance(runs[0], URIRef)
    node = {str(g.value(f, CKG.seedFile)): f for f in g.subjects(CKG.seedFile, None)}
    # an article graph comes from its two files, which the run is not recorded to use one by one:
    # those lines stay the same from one build to the next (an incremental build rewrites a few)
    assert {node["seeds/articles/100_mini.yaml"], node["seeds/articles/100_mini.txt"]} == set(g.objects(article_graph("100"), PROV.wasDerivedFrom))
    assert (article_graph("100"), PROV.wasGeneratedBy, None) not in g
    assert set(g.objects(runs[0], PROV.used)) == {f for rel, f in node.items() if not rel.startswith("seeds/articles/")}
    assert (ENTITIES_GRAPH, PROV.wasGeneratedBy, runs[0]) in g


# ---------------------------------------------------------------- who gives a count; claims about any actor


def article_after(folder: Path, old: str, new: str) -> Graph:
    """The mini article's named graph once ``old`` is replaced by ``new`` in its annotations."""
    edit(folder, ARTICLE, old, new)
    ds, _ = to_dataset(read_seeds(folder))
    return ds.graph(article_graph("100"))


def test_a_casualty_count_says_who_gives_it(mini_copy: Path) -> None:
    # "Officials blamed ..." is the author's report; a count claimed by Jane Roe is hers, in the same article
    g = article_after(mini_copy, 'population: soldiers, quote: "killing two soldiers"}',
                      'population: soldiers, quote: "killing two soldiers"}\n'
                      '      - {status: killed, count: 3, qualifier: at-least, claimed_by: jane-roe, quote: "rockets struck Camp Alpha"}')
    reporters = {(int(g.value(c, CKG["count"])), g.value(c, CKG.reportedBy)) for c in g.subjects(RDF.type, CKG.CasualtyCount)}
    # the mini article is unsigned: the author's count is the "author of article 100" agent's
    assert reporters == {(2, iris.unnamed_author("100")), (3, iris.entity("jane-roe"))}


def test_an_unknown_casualty_claimant_is_reported(mini_copy: Path) -> None:
    edit(mini_copy, ARTICLE, 'population: soldiers, quote:', 'population: soldiers, claimed_by: jane-ro, quote:')
    [p] = problems(mini_copy)
    assert (p.field, p.hint) == ("events[0].casualties[0].claimed_by", "did you mean 'jane-roe'?")


def test_a_claim_about_any_actor_has_no_subject(mini_copy: Path) -> None:
    g = article_after(mini_copy, "relations:\n",
                      "relations:\n  - {subject: anyone, predicate: claimedResponsibilityFor, object: camp-alpha-attack, "
                      "polarity: denied, quote: \"Officials blamed the Red Militia\"}\n")
    [claim] = g.subjects(RDF.type, CKG.AnyActorClaim)
    assert g.value(claim, RDF.subject) is None
    assert g.value(claim, RDF.predicate) == CKG.claimedResponsibilityFor
    assert g.value(claim, CKG.claimPolarity) == CKG.Denied
    assert (None, CKG.claimedResponsibilityFor, None) not in g  # nothing is asserted of no one


def test_a_registry_a_build_checked_is_read_without_checking_it_again(mini_copy: Path) -> None:
    """read_seeds(checked=...): the incremental build passes the registry's and propositions'
    sha256 as the published build read them; only content with exactly that hash is trusted."""
    edit(mini_copy, "registry.yaml", "point: [33.3, 44.4]", "point: [133.3, 44.4]")  # a mistake the check finds
    sha = hashlib.sha256((mini_copy / "registry.yaml").read_bytes()).hexdigest()
    seeds = read_seeds(mini_copy, checked={"registry.yaml": sha})
    assert seeds.files["registry.yaml"] == sha
    for other in ({"registry.yaml": "0" * 64}, {"propositions.yaml": sha}, {}):
        with pytest.raises(SeedError, match=r"is not \[latitude, longitude\]"):
            read_seeds(mini_copy, checked=other)


# ---------------------------------------------------------------- attribution and dates (issue 15)

SOURCES = """sources:
  - {id: officials, description: officials, quote: "Officials"}
events:"""


def test_an_unnamed_source_is_an_agent_of_its_article_who_can_claim(mini_copy: Path) -> None:
    edit(mini_copy, ARTICLE, "events:", SOURCES)
    edit(mini_copy, ARTICLE, "relations:\n", """relations:
  - {subject: red-militia, predicate: responsibleFor, object: camp-alpha-attack, claimed_by: officials,
     attribution: "Officials blamed", quote: "Officials blamed the Red Militia"}
""")
    ds, _ = to_dataset(read_seeds(mini_copy))
    g = ds.graph(article_graph("100"))
    who = iris.unnamed_source("100", "officials")
    assert (who, RDF.type, CKG.UnnamedSource) in g and (who, RDFS.label, Literal("officials")) in g
    assert (who, CKG.sourceIn, iris.article("100")) in g
    assert who not in set(ds.graph(ENTITIES_GRAPH).subjects())  # never a registry actor
    claim = next(g.subjects(CKG.claimedBy, who))
    words = g.value(claim, CKG.attributionEvidence)
    assert g.value(words, NIF.anchorOf) == Literal("Officials blamed")


def test_a_count_says_who_gives_it_and_none_reported_is_zero(mini_copy: Path) -> None:
    edit(mini_copy, ARTICLE, "events:", SOURCES)
    edit(mini_copy, ARTICLE, "quote: \"killing two soldiers\"}", "quote: \"killing two soldiers\"}\n"
         "      - {status: killed, count: 0, qualifier: none-reported, claimed_by: officials, quote: \"Officials\"}")
    ds, _ = to_dataset(read_seeds(mini_copy))
    g = ds.graph(article_graph("100"))
    counts = {(int(g.value(c, CKG["count"])), str(g.value(c, CKG.countQualifier)), g.value(c, CKG.reportedBy))
              for c in g.subjects(RDF.type, CKG.CasualtyCount)}
    assert counts == {(2, "exact", iris.unnamed_author("100")), (0, "none-reported", iris.unnamed_source("100", "officials"))}
    edit(mini_copy, ARTICLE, "count: 0, qualifier: none-reported", "count: 3, qualifier: none-reported")
    found = problems(mini_copy)
    assert [(p.field, p.line) for p in found] == [("events[0].casualties[1].count", line_in(mini_copy, ARTICLE, "count: 3"))]
    assert "'none-reported' goes with count 0" in found[0].message


def test_a_source_id_may_not_shadow_a_registry_actor(mini_copy: Path) -> None:
    edit(mini_copy, ARTICLE, "events:", SOURCES.replace("id: officials", "id: jane-roe"))
    found = problems(mini_copy)
    assert [p.field for p in found] == ["sources[0].id"] and "already taken" in found[0].message


def test_an_undated_stance_has_no_date_and_a_month_is_never_a_day(mini_copy: Path) -> None:
    edit(mini_copy, ARTICLE, "{value: 2020-03-10, precision: day,", "{value: 2020-03, precision: month, latest: 2020-03-11,")
    ds, _ = to_dataset(read_seeds(mini_copy))
    g = ds.graph(article_graph("100"))
    stance = iris.stance("roe-against-retaliation")
    assert g.value(stance, CKG.earliestDate) is None and g.value(stance, CKG.dateValue) is None  # reported on its article's date only
    event = iris.event("camp-alpha-attack")
    assert {str(g.value(event, p)) for p in (CKG.dateValue, CKG.earliestDate, CKG.latestDate, SEM.hasTimeStamp)} == {
        "2020-03", "2020-03-01", "2020-03-11"}
    assert g.value(event, SEM.hasTimeStamp).datatype == URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth")
    edit(mini_copy, ARTICLE, "precision: month, latest: 2020-03-11", "precision: day, latest: 2020-03-11")
    found = problems(mini_copy)
    assert [p.field for p in found] == ["events[0].date.value"] and "has month precision, not 'day'" in found[0].message
