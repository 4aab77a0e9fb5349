"""The evaluated path gives the engine's own answer, and what makes it cheap keeps it right.

- Every saved question answered the way a query worker answers it (``benchmarks/eval_latency.py``)
  equals pyoxigraph's answer to the same text on the same store (no timing is asserted).
- A text made by an edit (a VALUES block bound in, a LIMIT written in) is read from its source's
  tokens, and reads exactly as scanning it would.
- A table streamed as SPARQL JSON is counted and paged from its bytes exactly, whatever its strings hold.
- The benchmark itself runs, tiny, and reports every question it asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.eval_latency import Case, cases, compare, main
from crisiskg.query import sparqltext
from crisiskg.query.results import RESULT_FORMATS, _materialise, _Rows, json_rows
from crisiskg.query.savedqueries import load_queries
from crisiskg.query.store import Store
from crisiskg.service import limits
from crisiskg.service.limits import with_row_limit
from crisiskg.service.settings import Settings

EX = "http://example.org/"


@pytest.fixture(scope="module")
def evaluated(seed_store: Store) -> Iterator[dict[str, Case]]:
    """Every saved question, bound to values that have an answer, asked both ways on the seeds'
    build with its kept answers turned off (so crisiskg evaluates, as on a build without them)."""
    seed_store.kept.enabled = False
    try:
        yield {c.qid: c for c in compare(seed_store, cases(seed_store, load_queries().values()), Settings())}
    finally:
        seed_store.kept.enabled = True


@pytest.mark.parametrize("qid", sorted(load_queries()))
def test_the_evaluated_answer_is_the_engines(evaluated: dict[str, Case], qid: str) -> None:
    case = evaluated[qid]
    assert case.equal, f"{qid}: crisiskg's answer differs from pyoxigraph's ({case.note or 'other rows'})"


def test_the_questions_are_asked_with_answers(evaluated: dict[str, Case]) -> None:
    """The comparison is not of empty answers only: most questions have rows on the seeds."""
    answered = [c.qid for c in evaluated.values() if c.rows]
    assert len(answered) > len(evaluated) // 2, answered


def _scanned(text: str) -> tuple[list[tuple[int, int, str]], tuple[str, ...], tuple[tuple[int, str], ...]]:
    """Tokens, keywords and top-level tokens as the scanner reads ``text`` itself."""
    toks = sparqltext._tokens(text)
    words = tuple(t.upper() for _, _, t in toks if t[0].isalpha() or t[0] in "_:")
    return toks, words, tuple((at, t.upper()) for d, at, t in toks if d == 0)


def _read(text: str) -> tuple[list[tuple[int, int, str]], tuple[str, ...], tuple[tuple[int, str], ...]]:
    return sparqltext.tokens(text), sparqltext.keywords(text), sparqltext.top_level(text)


def test_a_bound_and_limited_question_is_read_without_a_scan(evaluated: dict[str, Case]) -> None:
    """Each saved question's text as a request makes it (values bound, then a row limit) comes
    from its edits, and reads as the scanner reads it."""
    queries = load_queries()
    for qid, case in evaluated.items():
        q = queries[qid]
        limited = with_row_limit(case.text, 10_001)
        assert limited is not None, qid
        for text in (case.text, limited):
            if text is q.sparql:
                continue  # no parameter: the question's own text, scanned once
            assert isinstance(sparqltext._scan(text), sparqltext._Edited), qid
            assert _read(text) == _scanned(text), qid


PIECES = ["{", "}", "(", ")", "[", "]", "<", ">", '"', "'", "#", "\\", " ", "\n", "\t", "?", "$", ":", ".", "a", "Z", "0",
          "é", '"""', "'''", "VALUES", "LIMIT", "SELECT", "<http://a/(b)>", '"x"@en', "_:b1", " 12 "]


@pytest.mark.no_seeds
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_an_edit_reads_as_its_text_does(data: st.DataObject) -> None:
    """Any text, edited anywhere with any snippet, one edit after another: whether the edit is
    recorded or not, its tokens, keywords and top-level tokens are the scanner's."""
    text = "".join(data.draw(st.lists(st.sampled_from(PIECES), max_size=30)))
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 4)))
        snippet = "".join(data.draw(st.lists(st.sampled_from(PIECES), max_size=6)))
        if data.draw(st.booleans()):
            snippet = f" {snippet} "
        text = sparqltext.edit(text, start, end, snippet)
        assert _read(text) == _scanned(text)


ODD = ['x},{"y', "{}", ',{"a":{"type":"uri"', '[{"', "]}}", 'ends with \\"', "plain", "ends in ,{", "ends in [{", "{"]


def _odd_store(values: list[tuple[str, str | None, str | None]]) -> ox.Store:
    store = ox.Store()
    for n, (value, lang, datatype) in enumerate(values):
        literal = ox.Literal(value, language=lang) if lang else ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{n:03}"), ox.NamedNode(EX + "p"), literal))
    return store


@pytest.fixture(scope="module")
def strings() -> ox.Store:
    """Literals that look like the row boundaries of SPARQL JSON (some ending in '{', plain, with a
    language and with a datatype), and rows with nothing bound."""
    return _odd_store([(v, None, None) for v in ODD] + [("x,{", "en", None), ("y,{", None, EX + "dt")])


def _agrees(store: ox.Store, sparql: str, result: Any) -> None:
    """``result`` (of ``sparql`` on ``store``) has the engine's rows, and every page of it is the
    engine's answer to the query with that OFFSET and LIMIT, in every format."""
    rows = len(list(store.query(sparql)))  # type: ignore[arg-type]
    assert len(result) == rows
    for start, end in ((0, 2), (1, 4), (3, None), (5, 5), (6, 40)):
        paged = f"{sparql} OFFSET {start}" + (f" LIMIT {end - start}" if end is not None else "")
        page = result.slice(start, end)
        assert len(page) == len(list(store.query(paged))), (start, end)  # type: ignore[arg-type]
        for fmt in RESULT_FORMATS:
            answer: Any = store.query(paged)
            assert page.serialize(fmt) == answer.serialize(format=RESULT_FORMATS[fmt]), (start, end, fmt)


@pytest.mark.no_seeds
@pytest.mark.parametrize(("sparql", "countable"), [
    # no '{}' and no string ending in '{' anywhere: counted and paged in the bytes
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(!CONTAINS(?o, '{{}}') && !STRENDS(?o, '{{')) }} ORDER BY ?s", True),
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s", False),  # a literal '{}', strings ending in '{': by reading
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(STRENDS(?o, '{{')) }} ORDER BY ?s", False),  # a closing quote after '{'
    (f"SELECT ?q WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?q }} }} ORDER BY ?s", False),  # rows with nothing bound
])
def test_a_streamed_table_is_counted_and_paged_exactly(strings: ox.Store, sparql: str, countable: bool) -> None:
    seen: list[int] = []
    for check in (None, seen.append):
        result = _materialise(strings.query(sparql), check)
        _agrees(strings, sparql, result)
        assert (json_rows(result.serialize("json")) is not None) is countable
    assert seen[:1] == [0]


@pytest.mark.no_seeds
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from('{}[],:"\\ax'), max_size=6),
                          st.sampled_from([None, "en"]), st.sampled_from([None, EX + "dt"])), max_size=9),
       st.booleans())
def test_any_literals_are_counted_and_paged_exactly(values: list[tuple[str, str | None, str | None]], unbound: bool) -> None:
    """Whatever the strings hold (brackets, quotes, backslashes, commas; with a language or a
    datatype), a table read from the engine has its rows, and its pages are the engine's."""
    store = _odd_store(values)
    sparql = (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s" if not unbound
              else f"SELECT ?o WHERE {{ ?s <{EX}p> ?x OPTIONAL {{ ?s <{EX}p> ?o FILTER(STRLEN(?o) > 2) }} }} ORDER BY ?s")
    rows: list[int] = []
    _agrees(store, sparql, _materialise(store.query(sparql), rows.append))


@pytest.mark.no_seeds
def test_rows_are_counted_however_the_bytes_come_in_chunks(strings: ox.Store) -> None:
    sparql = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(!CONTAINS(?o, '{{}}') && !STRENDS(?o, '{{')) }} ORDER BY ?s"
    answer: Any = strings.query(sparql)
    body = answer.serialize(format=ox.QueryResultsFormat.JSON)
    rows = json_rows(body)
    assert rows == len(list(strings.query(sparql)))  # type: ignore[arg-type]
    for cut in range(len(body) + 1):
        for second in (cut, min(len(body), cut + 1), min(len(body), cut + 2)):
            out = _Rows(lambda n: None)
            for part in (body[:cut], body[cut:second], body[second:]):
                out.write(part)
            assert out.rows == rows, (cut, second)


def test_the_benchmark_runs_and_reports_every_question(seed_build_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m benchmarks.eval_latency`` run tiny on the seeds' build: a row per question asked,
    each answer equal to the engine's (its kept answers are not used), and the summary line."""
    asked = ["event-sources", "event-graph", "days-between"]
    main(["--build", str(seed_build_dir), "--rounds", "1", "--questions", ",".join(asked)])
    out = capsys.readouterr().out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ") and not line.startswith("| question")]
    assert [r[0].removeprefix("| ") for r in rows] == asked
    assert all(r[-1].startswith("yes") for r in rows), out
    assert "Ratio median" in out


@pytest.mark.no_seeds
def test_the_kept_scans_are_bounded() -> None:
    """However many texts are edited, at most ``_EDITS_KEPT`` edits are kept, and a text longer than
    ``KEPT_CHARS`` is neither kept nor recorded (it is read by scanning it, as any text can be)."""
    base = f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }}"
    for n in range(sparqltext._EDITS_KEPT + 50):
        with_row_limit(base, n + 1)
    assert len(sparqltext._EDITS) <= sparqltext._EDITS_KEPT
    long = base + "\n# " + "x" * sparqltext.KEPT_CHARS + "\n"
    limited = with_row_limit(long, 7)
    assert limited is not None and limited not in sparqltext._EDITS and long not in sparqltext._EDITS
    assert _read(limited) == _scanned(limited)


@pytest.mark.no_seeds
def test_a_short_text_and_its_row_limit_give_the_same_limited_text_each_time() -> None:
    """A saved question's text limited again and again is limited once (the same text, whose
    scan is then kept); a text too long to keep a scan of is limited anew each time, never kept."""
    base = f"SELECT ?s WHERE {{ ?s <{EX}remembered> ?o }}"
    first = with_row_limit(base, 11)
    assert first is not None and with_row_limit(base, 11) is first
    assert with_row_limit(base, 12) != first
    kept = limits._remembered.cache_info().currsize
    long = base + "\n# " + "y" * sparqltext.KEPT_CHARS + "\n"
    assert with_row_limit(long, 11) == with_row_limit(long, 11)
    assert with_row_limit(long, 11) is not with_row_limit(long, 11)
    assert limits._remembered.cache_info().currsize == kept


@pytest.mark.no_seeds
def test_edits_made_in_many_threads_read_as_their_texts() -> None:
    """Threads binding values and writing row limits at once (as a server's request threads do)
    each get texts that read as the scanner reads them."""
    from concurrent.futures import ThreadPoolExecutor

    from rdflib import URIRef

    question = load_queries()["event-sources"]
    name = question.params[0].name

    def ask(n: int) -> bool:
        text = with_row_limit(sparqltext.bind_values(question.sparql, {name: URIRef(f"{EX}e{n % 300}")}), 1 + n % 7)
        assert text is not None
        return _read(text) == _scanned(text)

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(ask, range(2000)))


class _Enough(Exception):
    pass


@pytest.mark.no_seeds
@pytest.mark.parametrize("projection", ["?a", "?x"])  # ?x is never bound: every row is '{}'
def test_a_streamed_table_is_checked_as_it_streams(mini_store: Store, projection: str) -> None:
    """The check that stops a query past its deadline is called while the engine writes, also when
    no row binds anything (rows '{}', which are not counted in the bytes), so such a query stops too."""
    calls: list[int] = []

    def check(rows: int) -> None:
        calls.append(rows)
        if len(calls) == 3:
            raise _Enough

    with pytest.raises(_Enough):
        mini_store.query(f"SELECT {projection} WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }}", check=check)
