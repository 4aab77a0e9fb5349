"""The table for people (``--format table``, the default on a terminal): IRIs by their labels, the
quote given the room, cells wrapped only between words, long values cut with "…". Expectations come
from the answer itself (its values and the labels of its IRIs in the store)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import URIRef

from crisiskg.cli import main
from crisiskg.query.names import labels, synthetic_labels
from crisiskg.query.savedqueries import get_query
from crisiskg.query.store import Store

COMMAND = ["query", "run", "stances-on-proposition", "-p", "proposition=us-military-retaliation-jan-8", "-p", "polarity=against"]
VALUES = {"proposition": "us-military-retaliation-jan-8", "polarity": "against"}


def on_terminal(args: list[str], width: int) -> Result:
    """The command as a terminal of ``width`` columns runs it (rich reads TTY_COMPATIBLE and COLUMNS)."""
    return CliRunner(env={"TTY_COMPATIBLE": "1", "COLUMNS": str(width)}).invoke(main, args, catch_exceptions=False)


def column_spans(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each column: the runs of character positions not blank in every line."""
    width = max(len(line) for line in lines)
    used = [any(x < len(line) and line[x] != " " for line in lines) for x in range(width)]
    spans, start = [], None
    for x, u in enumerate([*used, False]):
        if u and start is None:
            start = x
        elif not u and start is not None:
            if spans and start - spans[-1][1] < 2:  # one blank inside a column (between words): same column
                spans[-1] = (spans[-1][0], x)
            else:
                spans.append((start, x))
            start = None
    return spans


@pytest.mark.parametrize("width", [160, 100])
def test_stances_on_proposition_in_a_terminal(seed_build_dir: Path, width: int) -> None:
    store = Store.open(seed_build_dir)
    answer = get_query("stances-on-proposition").run(store, VALUES)
    assert answer.rows, "the question has an answer on the seeds"
    result = on_terminal([*COMMAND, "--build", str(seed_build_dir)], width)
    assert result.exit_code == 0, result.output
    out = result.output
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert lines[-1].startswith(f"{len(answer.rows)} rows")
    # IRIs by label: no IRI or CURIE of a minted node is shown; every holder's label is
    iris = {str(t) for r in answer.rows for t in r.values() if isinstance(t, URIRef)}
    assert "https://" not in out and "id:entity/" not in out and "id:stance/" not in out and "id:article/" not in out
    body = " ".join(out.split())
    for r in answer.rows:
        assert " ".join(str(r["holderLabel"]).split()) in body or all(w in body for w in str(r["holderLabel"]).split())
    # no word broken: every token of the table is a whole word of a value, of a label or of a
    # heading, or the start of one cut with "…"
    names = labels(store, iris)
    names.update(synthetic_labels(store, iris - set(names)))
    texts = [str(t) for r in answer.rows for t in r.values() if t is not None and not isinstance(t, URIRef)] + list(names.values())
    words = {w for text in texts for w in text.split()}
    headings = {w.lower() for v in answer.variables for w in re.sub(r"(?<=[a-z])(?=[A-Z])", " ", v.removesuffix("Label")).split()}
    for line in lines[1:-1]:  # between the caption and the footer
        for token in line.split():
            if token in words or token.lower() in headings or set(token) == {"─"}:
                continue
            assert token.endswith("…") and any(w.startswith(token[:-1]) for w in words), token
    # the quote gets the room: its column (the last) is the widest, and every quote is whole
    table = [line for line in lines if not line.startswith(("every row:", f"{len(answer.rows)} row")) and set(line) != {"─"}]
    spans = column_spans(table)
    quote = spans[-1]
    assert quote[1] - quote[0] == max(e - s for s, e in spans)
    quote_text = " ".join(line[quote[0]:].strip() for line in table[1:])
    for r in answer.rows:
        assert " ".join(str(r["quote"]).split()) in " ".join(quote_text.split())


def test_on_a_pipe_the_plain_text_as_before(seed_build_dir: Path) -> None:
    piped = CliRunner(env={"TTY_COMPATIBLE": "0"}).invoke(main, [*COMMAND, "--build", str(seed_build_dir), "--width", "0"])
    assert piped.exit_code == 0
    header = piped.output.splitlines()[0].split()
    assert header == get_query("stances-on-proposition").run(Store.open(seed_build_dir), VALUES).variables
    assert "id:entity/" in piped.output  # the plain format shows IRIs as CURIEs, for scripts
    text = CliRunner().invoke(main, [*COMMAND, "--build", str(seed_build_dir), "--width", "0", "--format", "text"])
    assert text.output == piped.output


def test_the_table_format_on_a_pipe_and_its_empty_and_constant_columns(seed_build_dir: Path) -> None:
    answer = get_query("stances-on-proposition").run(Store.open(seed_build_dir), VALUES)
    result = CliRunner().invoke(main, [*COMMAND, "--build", str(seed_build_dir), "--format", "table", "--width", "120"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    empty = [v for v in answer.variables if all(r.get(v) is None for r in answer.rows)]
    if empty:
        assert f"no values in: {', '.join(empty)}" in lines[-1]
    polarities = {str(r["polarityLabel"]) for r in answer.rows}
    if len(polarities) == 1 and len(answer.rows) > 1:  # one value in every row: said once, above the table
        assert lines[0].startswith("every row: ") and f"polarity: {polarities.pop()}" in lines[0]


def test_graph_and_ask_answers_as_tables(mini_build: tuple[Path, object]) -> None:
    build = str(mini_build[0])
    ask = CliRunner().invoke(main, ["sparql", "ASK { ?s ?p ?o }", "--build", build, "--format", "table"])
    assert ask.output == "yes\n"
    graph = CliRunner().invoke(main, ["sparql", "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ckg:City ; rdfs:label ?l }",
                                      "--build", build, "--format", "table", "--width", "80"])
    assert graph.exit_code == 0 and graph.output.splitlines()[0].split() == ["subject", "predicate", "object"]
    assert "https://" not in graph.output and re.search(r"\n\d+ triples?$", graph.output.rstrip())


def test_the_readme_records_the_table_as_it_is(seed_build_dir: Path) -> None:
    from seedcorpus import ROOT, SEEDS

    if SEEDS != (ROOT / "seeds").resolve():
        pytest.skip("the README's table is of the repository's seeds")
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = readme.index("    $ crisiskg " + " ".join(COMMAND[:3]) + " " + " ".join(COMMAND[3:])) + 1
    end = next(i for i in range(start, len(readme)) if re.match(r"^    \d+ rows", readme[i])) + 1
    recorded = "\n".join(line[4:] for line in readme[start:end]) + "\n"
    assert on_terminal([*COMMAND, "--build", str(seed_build_dir)], 100).output == recorded
