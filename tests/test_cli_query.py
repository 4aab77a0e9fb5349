"""``crisiskg query list|show|run`` and ``crisiskg sparql``, in-process with click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph
from seedcorpus import others

from crisiskg.build.publish import rdflib_dataset_io
from crisiskg.cli import main
from crisiskg.cli.questions import has_order_by, render_table
from crisiskg.query.savedqueries import get_query, load_queries
from crisiskg.query.store import Store


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", [["query"], ["query", "list"], ["query", "show"], ["query", "run"], ["sparql"]])
def test_help_ends_with_an_example(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Example: crisiskg " in result.output
    assert result.output.rstrip().splitlines()[-1].strip().startswith(("-h, --help", "--help")) or "Example:" in result.output


def test_list_shows_every_question_with_its_summary() -> None:
    result = invoke("query", "list", "--width", "0")
    assert result.exit_code == 0
    queries = load_queries()
    assert len(queries) >= 25 and f"{len(queries)} saved questions" in result.output
    for q in queries.values():
        assert any(line.startswith(q.id + " ") and q.summary in line for line in result.output.splitlines()), q.id


def test_list_json_and_tags() -> None:
    data = json.loads(invoke("query", "list", "--json").output)
    assert {d["id"] for d in data} == set(load_queries())
    stances = json.loads(invoke("query", "list", "--json", "--tag", "stances").output)
    assert stances and all("stances" in d["tags"] for d in stances)


def test_show_gives_parameters_choices_and_sparql(seed_build_dir: Path) -> None:
    result = invoke("query", "show", "events-in-country", "--build", seed_build_dir)
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("events-in-country: Events located in a given country")
    assert "country (iri of class ckg:Country, default iraq)" in out
    assert "choices: france, iran, iraq, israel" in out.replace("\n        ", " ")
    assert "run it: crisiskg query run events-in-country --param country=iraq" in out
    assert "?event ckg:occurredIn ?country" in out


def test_show_without_a_build_still_works(tmp_path: Path) -> None:
    result = invoke("query", "show", "stances-on-proposition", "--build", tmp_path)
    assert result.exit_code == 0 and "choices: favor, against, none" in result.output


def test_run_table_is_aligned(seed_build_dir: Path) -> None:
    result = invoke("query", "run", "statements-by-channel", "--param", "channel=tweet", "--build", seed_build_dir, "--width", "0")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    header, rule = lines[0], lines[1]
    assert header.split() == ["date", "statement", "label", "speaker", "speakerLabel", "article", "quote"]
    assert set(rule.replace(" ", "")) == {"-"}
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    for line in lines[2:-1]:  # every column starts where its header does
        for s in starts[1:]:
            assert line[s - 2:s] == "  "
    answer = get_query("statements-by-channel").run(Store.open(seed_build_dir), {"channel": "tweet"}).rows
    assert lines[-1] == f"{len(answer)} rows"
    assert [line[:10] for line in lines[2:-1]] == [str(r["date"]) for r in answer]
    # the tweets of the five articles: Trump, Trump, Zarif
    assert [str(r["date"]) for r in answer if str(r["article"]) not in others()] == ["2020-01-04", "2020-01-07", "2020-01-08"]


def test_run_table_wraps_to_the_width(seed_build_dir: Path) -> None:
    result = invoke("query", "run", "threats", "--build", seed_build_dir, "--width", "100")
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 100


def test_entity_mentions_under_a_spelling_as_typed(seed_build_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's command, word for word (the default build folder, the default format):
    crisiskg query run entity-mentions -p entity="Qasem Soleimani"."""
    (tmp_path / "build").symlink_to(seed_build_dir, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    typed = invoke("query", "run", "entity-mentions", "-p", "entity=Qasem Soleimani")
    assert typed.exit_code == 0, typed.output
    assert typed.output == invoke("query", "run", "entity-mentions", "-p", "entity=qassem-soleimani").output  # as by its id
    rows = get_query("entity-mentions").run(Store.open(seed_build_dir), {"entity": "qassem-soleimani"}).rows
    assert rows and typed.output.splitlines()[-1] == f"{len(rows)} rows"
    for mention in {str(r["mention"]) for r in rows}:  # each spelling the articles use is shown
        assert mention in typed.output, mention


def test_run_csv_tsv_json(seed_build_dir: Path) -> None:
    args = ("query", "run", "attack-casualties", "-p", "nationality=united-kingdom", "--build", seed_build_dir)
    table = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv").output)))
    # 004: "The attack killed three coalition personnel, two American and one British."
    assert [(r["status"], r["count"]) for r in table if r["article"] not in others()] == [("killed", "1")]
    tsv = invoke(*args, "--format", "tsv").output.splitlines()
    assert tsv[0].split("\t")[0] == "?event" and len(tsv) == 1 + len(table)
    data = json.loads(invoke(*args, "--format", "json").output)
    assert data["head"]["vars"][0] == "event"
    assert [b["count"]["value"] for b in data["results"]["bindings"]] == [r["count"] for r in table]


def test_run_graph_formats(seed_build_dir: Path) -> None:
    args = ("query", "run", "event-graph", "--build", seed_build_dir)
    ttl = Graph().parse(data=invoke(*args, "--format", "ttl").output, format="turtle")
    with rdflib_dataset_io():  # rdflib's JSON-LD parser builds a (deprecated) ConjunctiveGraph
        jsonld = Graph().parse(data=invoke(*args, "--format", "jsonld").output, format="json-ld")
    assert len(ttl) == len(jsonld) > 20
    assert "around 18 small Katyusha rockets" in {str(o) for o in ttl.objects()}
    assert invoke(*args).output.splitlines()[0].split() == ["subject", "predicate", "object"]


def test_a_select_refuses_rdf_formats(seed_build_dir: Path) -> None:
    result = CliRunner().invoke(main, ["query", "run", "timeline", "--format", "ttl", "--build", str(seed_build_dir)])
    assert result.exit_code == 2
    assert "needs a CONSTRUCT or DESCRIBE query" in result.output and "table, csv, tsv, json" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["events-in-country", "-p", "country=irak"], "'irak' is not a ckg:Country in this build (did you mean 'iraq'?); valid choices: france, iran, iraq"),
    (["events-in-country", "-p", "city=baghdad"], "has no parameter 'city' (did you mean 'country'?); it takes: country"),
    (["statements-by-channel", "-p", "channel=twitter"], "choose one of: tweet, telegram, formal-statement, speech, unspecified"),
    (["timeline", "-p", "since=last week"], "write YYYY-MM-DD"),
    (["timelime"], "no saved query 'timelime' (did you mean 'timeline'?)"),
    (["days-between", "-p", "first=soleimani-killing-2020-01-03", "-p", "first=x"], "given twice"),
    (["timeline", "-p", "since"], "is not NAME=VALUE"),
    (["events-in-country", "country=iraq"], "unexpected extra argument (country=iraq) hint: a parameter value is given with --param: --param country=iraq"),
    (["events-in-country", "--country", "iraq"], "No such option '--country'. hint: a parameter value is given with --param: --param country=iraq"),
    (["events-in-country", "--country=iraq"], "hint: a parameter value is given with --param: --param country=iraq"),
    (["events-in-country", "--output", "a=b.csv", "--bogus"], "No such option '--bogus'"),
])
def test_bad_parameters_exit_2_naming_the_choices(seed_build_dir: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["query", "run", *args, "--build", str(seed_build_dir)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_mistyped_option_keeps_clicks_suggestion_and_a_parameter_name_does_not_get_it(seed_build_dir: Path) -> None:
    typo = CliRunner().invoke(main, ["query", "run", "timeline", "--buid", str(seed_build_dir)])
    assert typo.exit_code == 2 and "Did you mean" in typo.output and "'--build'" in typo.output and "hint:" not in typo.output
    path = CliRunner().invoke(main, ["query", "run", "timeline", "--output", "a=b.csv", "--bogus"])
    assert path.exit_code == 2 and "hint:" not in path.output  # an option's value is not a parameter
    named = CliRunner().invoke(main, ["query", "run", "events-in-country", "--country", "iraq", "--build", str(seed_build_dir)])
    assert named.exit_code == 2 and "--param country=iraq" in named.output and "Did you mean" not in named.output


def test_injection_through_the_cli_returns_no_rows(seed_build_dir: Path) -> None:
    plain = invoke("query", "run", "find-entity", "-p", "text=Zarif", "--build", seed_build_dir, "--format", "csv")
    assert len(plain.output.splitlines()) == 3  # header + the registry's two names: Javad Zarif, Zarif
    for value in ['Zarif" } UNION { ?entity ?p ?name } #', "Zarif'} UNION {?entity ?p ?name}#", "} UNION { ?s ?p ?o }"]:
        result = invoke("query", "run", "find-entity", "-p", f"text={value}", "--build", seed_build_dir, "--format", "csv")
        assert result.exit_code == 0 and result.output.splitlines() == ["entity,label,type,name,mentions"]
    bad_iri = CliRunner().invoke(main, ["query", "run", "events-in-country", "-p", "country=iraq> } UNION { ?event ?p ?o",
                                        "--build", str(seed_build_dir)])
    assert bad_iri.exit_code == 2 and "valid choices" in bad_iri.output


def test_reasoning_switch(seed_build_dir: Path) -> None:
    inferred = invoke("query", "run", "events-in-country", "--build", seed_build_dir, "--format", "csv")
    asserted = invoke("query", "run", "events-in-country", "--build", seed_build_dir, "--format", "csv", "--reasoning", "none")
    assert len(inferred.output.splitlines()) > 5
    assert asserted.output.splitlines() == ["event,label,place,date,article,quote"]  # ckg:occurredIn is inferred


def test_output_file(seed_build_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "taji.csv"
    result = invoke("query", "run", "event-sources", "-p", "event=camp-taji-rocket-attack-2020-03-11", "--format", "csv",
                    "--build", seed_build_dir, "-o", out)
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("article,")


def test_no_published_build(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["query", "run", "timeline", "--build", str(tmp_path)])
    assert result.exit_code == 2 and "no published build" in result.output


# ------------------------------------------------------------------------------ crisiskg sparql


def test_sparql_argument_and_file(mini_build: tuple[Path, object], tmp_path: Path) -> None:
    build_dir = mini_build[0]
    text = "SELECT ?place ?label WHERE { ?place a ckg:Place ; rdfs:label ?label } ORDER BY ?label"
    by_arg = invoke("sparql", text, "--build", build_dir, "--format", "csv")
    query_file = tmp_path / "places.rq"
    query_file.write_text(text, encoding="utf-8")
    by_file = invoke("sparql", "-f", query_file, "--build", build_dir, "--format", "csv")
    assert by_arg.exit_code == by_file.exit_code == 0 and by_arg.output == by_file.output
    labels = [r["label"] for r in csv.DictReader(io.StringIO(by_arg.output))]
    assert labels == ["Camp Alpha", "Northland", "Riverton", "United States"]


def test_sparql_rows_in_a_fixed_order_without_order_by(mini_build: tuple[Path, object]) -> None:
    args = ("sparql", "SELECT ?s ?p ?o WHERE { GRAPH graph:entities { ?s ?p ?o } }", "--build", mini_build[0], "--format", "csv")
    first, second = invoke(*args).output, invoke(*args).output
    assert first == second
    body = first.splitlines()[1:]
    assert body == sorted(body, key=lambda line: line)  # IRIs first column: sorted by their text
    assert has_order_by("SELECT * { ?s ?p ?o } ORDER BY ?s") and not has_order_by('SELECT * { ?s ?p "ORDER BY" }  # ORDER BY')


def test_sparql_ask_construct_and_reasoning(mini_build: tuple[Path, object]) -> None:
    build_dir = mini_build[0]
    ask = "ASK { <https://w3id.org/crisiskg/id/event/camp-alpha-attack> ckg:occurredIn <https://w3id.org/crisiskg/id/entity/northland> }"
    assert invoke("sparql", ask, "--build", build_dir).output == "yes\n"  # Camp Alpha is near Riverton, in Northland
    assert invoke("sparql", ask, "--build", build_dir, "--reasoning", "none").output == "no\n"
    construct = invoke("sparql", "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ckg:City ; rdfs:label ?l }", "--build", build_dir, "--format", "ttl")
    assert len(Graph().parse(data=construct.output, format="turtle")) == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "table"])
def test_sparql_answers_holding_blank_nodes(mini_build: tuple[Path, object], fmt: str) -> None:
    # the store writes a table through a VALUES block, which admits no blank node: they must survive as blank nodes
    result = invoke("sparql", 'SELECT ?b ?n WHERE { BIND(BNODE("x") AS ?b) BIND(1 AS ?n) }', "--build", mini_build[0], "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "urn:crisiskg" not in result.output
    if fmt == "json":
        assert json.loads(result.output)["results"]["bindings"][0]["b"]["type"] == "bnode"
    elif fmt in ("csv", "tsv"):
        assert result.output.splitlines()[1].startswith("_:")


@pytest.mark.parametrize(("args", "message"), [
    (["SELECT * WHERE { ?s ?p }"], "SPARQL syntax error"),
    (["INSERT DATA { <http://a> <http://b> <http://c> }"], "Error:"),
    ([], "give the query as an argument or with -f FILE"),
])
def test_sparql_errors_exit_2(mini_build: tuple[Path, object], args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sparql", *args, "--build", str(mini_build[0])])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_render_table_wraps_long_cells() -> None:
    text = render_table(["id", "quote"], [["a", "word " * 40], ["b", "short"]], width=40)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 40
    assert lines[0].split() == ["id", "quote"] and lines[2].startswith("a ")
    assert render_table(["x"], [], width=None) == "x\n-"
