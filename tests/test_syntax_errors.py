"""SPARQL syntax errors as a person reads them (issue 22), on the CLI and over HTTP: line and
column, what is wrong in words, a hint, and the engine's message kept below, never cut."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from crisiskg.build.stages import BuildResult
from crisiskg.cli import main
from crisiskg.query.syntax import expected_words, explain
from crisiskg.vocab import PREFIXES

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

# (query, the line:column of the mistake, words that must be said, the hint's words)
CASES = [
    pytest.param("SELECT * WHERE { ?s foo:bar ?o }", "line 1, column 21", "the prefix foo: is not declared", "ckg:",
                 id="undeclared-prefix"),
    pytest.param("SELECT * WHERE { ?s ?p ?o ", "line 1, column 16", "this '{' is never closed", "add a '}'", id="missing-brace"),
    pytest.param("SELECT * WHERE { ?s ?p ?o } }", "line 1, column 29", "this '}' closes nothing", "remove it", id="extra-brace"),
    pytest.param("SELECT * WHERE {\n ?s ?p ?o .\n FILTER(?o = )\n}", "line 3, column 12", "the operator '=' has nothing after it",
                 "write a value", id="missing-operand"),
    pytest.param("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "line 1, column 1", "INSERT is a SPARQL Update", "SELECT, ASK",
                 id="update-on-read-only"),
    pytest.param("SELEC * WHERE { ?s ?p ?o }", "line 1, column 1", "'SELEC' is not a SPARQL keyword", "did you mean SELECT?",
                 id="misspelt-form"),
    pytest.param("SELECT * WHERE { ?s ?p ?o OPTIONL { ?s ?q ?r } }", "line 1, column 27", "'OPTIONL' is not a SPARQL keyword",
                 "did you mean OPTIONAL?", id="misspelt-keyword"),
    pytest.param("SELECT * WHERE { ?s ?p ?o } LIMIT", "line 1, column 29", "LIMIT needs a whole number", "LIMIT 10", id="limit"),
    pytest.param('SELECT * WHERE { ?s ?p "abc }', "line 1, column 24", "this string is never closed", 'end it with " on the same line',
                 id="unterminated-string"),
    pytest.param('SELECT * WHERE {\n  ?s ?p """abc\n}', "line 2, column 9", "this string is never closed", 'end it with """',
                 id="unterminated-long-string"),
    pytest.param("SELECT * WHERE { ?s ?p }", "line 1, column 24", "the triple '?s ?p' has no object", "add its object before '}'",
                 id="missing-object"),
    pytest.param("SELECT * WHERE {\n  ?s ?p ?o .\n  ?o ?q .\n}", "line 3, column 9", "the triple '?o ?q' has no object",
                 "add its object before '.'", id="missing-object-before-dot"),
    pytest.param("SELECT * WHERE { ?s ?p ?o ; ?q }", "line 1, column 32", "'?q' after ';' has no object", "add its object",
                 id="missing-object-after-semicolon"),
    pytest.param("SELECT WHERE { ?s ?p ?o }", "line 1, column 1", "SELECT names nothing to select", "SELECT * for all",
                 id="select-nothing"),
]
READ_ONLY_OVER_HTTP = {"update-on-read-only"}  # /sparql refuses an update before parsing it: 403, not a syntax error


def engine_message(query: str) -> str:
    """What the engine itself says of ``query`` (with the predeclared prefixes), word for word."""
    try:
        ox.Store().query(query, prefixes=PREFIXES)
    except SyntaxError as exc:
        return str(exc)
    raise AssertionError(f"{query!r} parses")


def explained_then_engine(text: str, query: str, where: str, what: str, hint: str) -> None:
    """``text`` says where and what, then the hint, then the engine's own message word for word, last."""
    said = f"(the engine said: {engine_message(query)})"
    assert f"{where}: {what}" in text and hint in text, text
    assert text.rstrip().endswith(said), text  # whole and unaltered: never cut, character classes and all
    assert text.index(f"{where}: {what}") < text.index(hint) < text.index(said)


@pytest.mark.parametrize(("query", "where", "what", "hint"), CASES)
def test_the_cli_explains_a_syntax_error(mini_build: tuple[Path, BuildResult], query: str, where: str, what: str, hint: str) -> None:
    result = CliRunner().invoke(main, ["sparql", query, "--build", str(mini_build[0])])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: SPARQL syntax error: {where}: {what}"), result.output  # first what a person reads
    explained_then_engine(result.output, query, where, what, hint)


@pytest.mark.parametrize(("query", "where", "what", "hint"), CASES)
def test_http_gives_the_same_explanation_whole(client: FlaskClient, request: pytest.FixtureRequest, query: str, where: str, what: str,
                                               hint: str) -> None:
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    error = resp.get_json()["error"]
    if request.node.callspec.id in READ_ONLY_OVER_HTTP:
        assert resp.status_code == 403 and "read-only" in error and "SPARQL Update" in error
        return
    assert resp.status_code == 400
    assert error.startswith(f"SPARQL syntax error: {where}: {what}")
    explained_then_engine(error, query, where, what, hint)  # the engine's position is in the text as sent, not shifted by an added LIMIT


def test_http_positions_are_the_senders_not_the_added_limits(client: FlaskClient) -> None:
    """/sparql adds a LIMIT line before evaluating; a one-line query's error is still on line 1, in
    the explanation and in the engine's words, for JSON and for the HTML editor page alike."""
    query = "SELECT * WHERE { ?s ?p }"
    error = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"}).get_json()["error"]
    assert "line 1, column 24" in error and "error at 1:" in error and "error at 2:" not in error
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert "line 1, column 24" in page.get_data(as_text=True) and "error at 2:" not in page.get_data(as_text=True)


@pytest.mark.parametrize(("query", "where", "what", "hint"), CASES)
def test_the_editor_shows_the_explanation_and_the_engines_words(client: FlaskClient, query: str, where: str, what: str, hint: str) -> None:
    resp = client.get("/ui/sparql", query_string={"query": query})
    assert resp.status_code == 400
    box = re.search(r'<div id="query-error".*?</section>', resp.get_data(as_text=True), re.DOTALL)
    assert box, "the error box"
    explained = re.search(r'<div class="explained">(.*?)</div>', box.group(0), re.DOTALL)
    engine = re.search(r'<pre class="engine">(.*?)</pre>', box.group(0), re.DOTALL)
    assert explained and engine
    words = html.unescape(explained.group(1))
    assert f"{where}: {what}" in words and hint in words and "engine said" not in words
    assert html.unescape(engine.group(1)) == engine_message(query)  # word for word, apart and below


def test_the_caret_points_at_the_column() -> None:
    told = explain("SELECT * WHERE { ?s foo:bar ?o }", "error at 1:28: expected one of Prefix not found", ["ckg"])
    row, caret = told.excerpt.split("\n")
    assert row[caret.index("^")] == "f"


def test_expected_words_leave_character_classes_out() -> None:
    message = "error at 1:27: expected one of \",\", \".\", \"}\", ['A' ..= 'Z' | 'a' ..= 'z'], OPTIONAL, [_]"
    assert expected_words(message) == [",", ".", "}", "OPTIONAL"]
