"""SPARQL syntax errors as a person reads them (issue 22), on the CLI and over HTTP: line and
column, what is wrong in words, a hint, and the engine's message kept below, never cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from crisiskg.build.stages import BuildResult
from crisiskg.cli import main
from crisiskg.query.syntax import expected_words, explain

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
]


@pytest.mark.parametrize(("query", "where", "what", "hint"), CASES)
def test_the_cli_explains_a_syntax_error(mini_build: tuple[Path, BuildResult], query: str, where: str, what: str, hint: str) -> None:
    result = CliRunner().invoke(main, ["sparql", query, "--build", str(mini_build[0])])
    assert result.exit_code == 2, result.output
    out = result.output
    assert f"{where}: {what}" in out and hint in out
    assert "(the engine said: error at" in out  # the original kept for experts
    assert "\\u{" not in out  # no wall of Unicode ranges


@pytest.mark.parametrize(("query", "where", "what", "hint"), CASES[:4])
def test_http_gives_the_same_explanation_whole(client: FlaskClient, query: str, where: str, what: str, hint: str) -> None:
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert f"{where}: {what}" in error and hint in error and "(the engine said:" in error
    assert not error.endswith("…")


def test_the_caret_points_at_the_column() -> None:
    told = explain("SELECT * WHERE { ?s foo:bar ?o }", "error at 1:28: expected one of Prefix not found", ["ckg"])
    row, caret = told.excerpt.split("\n")
    assert row[caret.index("^")] == "f"


def test_expected_words_leave_character_classes_out() -> None:
    message = "error at 1:27: expected one of \",\", \".\", \"}\", ['A' ..= 'Z' | 'a' ..= 'z'], OPTIONAL, [_]"
    assert expected_words(message) == [",", ".", "}", "OPTIONAL"]
