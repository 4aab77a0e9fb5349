"""Kept answers: every saved question asked without values is answered at build time, and a query
with exactly that text is answered from the kept answer, which must equal evaluating it.

Real builds (the seeds, a synthetic corpus with an article added by an incremental build), real
stores and a real Flask client; evaluation is the oracle (``Store.query(..., answers=False)``).
The time limit is tested with a real saved question that never finishes (a cross product of every
triple with itself four times, counted), children read from ``/proc``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from crisiskg.build.pipeline import build
from crisiskg.errors import ParameterError
from crisiskg.query import answers
from crisiskg.query.kept import ANSWERS, INDEX, Kept, key
from crisiskg.query.results import Result
from crisiskg.query.savedqueries import SavedQuery, load_queries, parse_query
from crisiskg.query.sparqltext import bind_values
from crisiskg.query.store import Store
from crisiskg.scale.synth import synthesize
from crisiskg.service.sparql import TRUNCATED


def same(kept: Result, evaluated: Result) -> bool:
    """Equal answers: rows in order (SELECT, ASK); a graph's triples as a set (no order)."""
    if kept.kind == "graph":
        return len(kept) == len(evaluated) and set(kept.triples) == set(evaluated.triples)
    return kept == evaluated and kept.serialize("json") == evaluated.serialize("json")


def every_call(store: Store) -> list[tuple[SavedQuery, dict[str, str]]]:
    return [(q, values) for _, q in sorted(load_queries().items()) for values in answers.calls(q)]


def test_every_kept_answer_on_the_seeds_is_the_evaluated_one(seed_store: Store) -> None:
    calls = every_call(seed_store)
    index = json.loads((seed_store.release.path / ANSWERS / INDEX).read_text(encoding="utf-8"))
    assert index["version"] == seed_store.version
    assert len(index["answers"]) == len(calls)  # every default of the seeds is in the seeds: nothing skipped
    for q, values in calls:
        bound = q.bind(values, seed_store)
        kept = seed_store.query(q.sparql, bindings=bound)
        evaluated = seed_store.query(q.sparql, bindings=bound, answers=False)
        assert kept.kept and not evaluated.kept, (q.id, values)
        assert same(kept, evaluated), (q.id, values)
    # the saved questions the seeds answer with rows are among them: a kept answer is not an empty one
    assert sum(1 for e in index["answers"].values() if e["size"]) >= 20


@pytest.mark.no_seeds
def test_the_calls_kept_are_the_enum_choices_and_the_defaults(tmp_path: Path) -> None:
    def question(params: str) -> SavedQuery:
        path = tmp_path / "q.rq"
        path.write_text(f"#+ summary: a test\n#+ description: a test\n#+ params:\n{params}SELECT ?x WHERE {{ ?x a ?c }}\n", encoding="utf-8")
        return parse_query(path)

    enum = "#+   - {name: c, type: enum, choices: [a, b], required: false}\n"
    assert list(answers.calls(question(enum))) == [{"c": "a"}, {"c": "b"}, {}]
    with_default = "#+   - {name: c, type: enum, choices: [a, b], default: b}\n"
    assert list(answers.calls(question(with_default))) == [{"c": "a"}, {"c": "b"}]
    required_iri = "#+   - {name: x, type: iri, class: ckg:Country, required: true}\n"
    assert list(answers.calls(question(required_iri))) == []
    optional_iri = "#+   - {name: x, type: iri, class: ckg:Country, required: false}\n"
    assert list(answers.calls(question(optional_iri))) == [{}]


def test_other_texts_and_settings_are_evaluated(seed_store: Store) -> None:
    q = load_queries()["timeline"]
    assert seed_store.query(q.sparql).kept
    # a parameter value, another reasoning, an explicit dataset, a changed text: evaluated
    dated = seed_store.query(q.sparql, bindings=q.bind({"since": "2020-01-05"}, seed_store))
    assert not dated.kept and 0 < len(dated) < len(seed_store.query(q.sparql))
    assert not seed_store.query(q.sparql, reasoning="none").kept
    assert not seed_store.query(q.sparql, default_graph_uris=seed_store.graphs).kept
    edited = q.sparql.replace("ORDER BY ?earliest ?latest ?event ?article", "ORDER BY DESC(?earliest) ?latest ?event ?article")
    assert edited != q.sparql
    changed = seed_store.query(edited)
    assert not changed.kept and len(changed) == len(seed_store.query(q.sparql))
    assert str(changed.rows[0]["earliest"]) > str(changed.rows[-1]["earliest"])
    # the same text as the kept one, parameters bound into it as the HTTP service does: kept
    bound = q.bind({}, seed_store)
    assert seed_store.kept_answer(bind_values(q.sparql, bound) if bound else q.sparql) is not None


def built(tmp_path: Path, *, keep: bool) -> tuple[Path, Store]:
    out = tmp_path / "build"
    result = build(Path(__file__).resolve().parent / "fixtures" / "mini", out)
    if keep:
        answers.keep_answers(result)
    return out, Store.open(out)


@pytest.mark.no_seeds
def test_a_store_from_the_builds_quads_is_the_published_one(tmp_path: Path) -> None:
    result = build(Path(__file__).resolve().parent / "fixtures" / "mini", tmp_path / "build")
    assert result.release is not None
    made, read = Store.from_quads(result.release, result.quads), Store(result.release)
    assert (len(made), made.graphs, made.kind) == (len(read), read.graphs, read.kind)
    for qid, q in sorted(load_queries().items()):
        for values in answers.calls(q):
            try:
                bound = q.bind(values, read)
            except ParameterError:  # a default of the seeds, not in the mini corpus
                continue
            text = bind_values(q.sparql, bound) if bound else q.sparql
            assert made.serialized(text)[0] == read.serialized(text)[0], qid
            assert same(made.query(text, answers=False), read.query(text, answers=False)), (qid, values)


@pytest.mark.no_seeds
def test_answers_written_after_the_store_opened_are_used_by_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Kept, "RECHECK", 0.0)  # look again at every miss (2 s apart otherwise)
    _, store = built(tmp_path, keep=False)
    q = load_queries()["articles"]
    assert not (store.release.path / ANSWERS).exists()
    before = store.query(q.sparql)
    assert not before.kept
    written = answers.write(store, load_queries())
    assert written.answers > 0 and not written.skipped.get("articles")
    after = store.query(q.sparql)
    assert after.kept and same(after, before)


@pytest.mark.no_seeds
def test_answers_written_again_for_an_edited_question_are_picked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, store = built(tmp_path, keep=True)
    q = load_queries()["articles"]
    assert store.query(q.sparql).kept
    path = tmp_path / "articles.rq"
    path.write_text(Path(q.file).read_text(encoding="utf-8").replace("ORDER BY ?key", "ORDER BY DESC(?key)", 1), encoding="utf-8")
    edited = parse_query(path)
    assert edited.sparql != q.sparql
    assert not store.query(edited.sparql).kept  # the old answers hold no answer to the new text
    answers.write(store, {"articles": edited})  # what 'crisiskg answers' does after the edit
    monkeypatch.setattr(Kept, "RECHECK", 0.0)  # instead of waiting 2 s
    kept = store.query(edited.sparql)
    assert kept.kept and same(kept, store.query(edited.sparql, answers=False))
    assert not store.query(q.sparql).kept  # the answers written again are the edited question's only


def outbound(folder: Path) -> SavedQuery:
    """A saved question whose evaluation fails: it asks another endpoint (SERVICE is refused)."""
    path = folder / "outbound.rq"
    path.write_text("#+ summary: asks elsewhere\n#+ description: a test\n"
                    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }\n", encoding="utf-8")
    return parse_query(path)


@pytest.mark.no_seeds
def test_a_question_that_fails_is_named_and_left_to_evaluation(tmp_path: Path) -> None:
    _, store = built(tmp_path, keep=False)
    queries = {"outbound": outbound(tmp_path), "articles": load_queries()["articles"]}
    written = answers.write(store, queries)
    assert "SERVICE is refused" in written.skipped["outbound"]
    assert written.answers == 1 and store.query(queries["articles"].sparql).kept


@pytest.mark.no_seeds
def test_damaged_or_foreign_answers_are_never_used(tmp_path: Path) -> None:
    _, store = built(tmp_path, keep=True)
    q = load_queries()["articles"]
    folder = store.release.path / ANSWERS
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    entry = index["answers"][key(q.sparql, "owlrl")]
    evaluated = store.query(q.sparql, answers=False)
    assert len(evaluated) > 0

    (folder / entry["file"]).write_text("{ not json", encoding="utf-8")
    fresh = Store(store.release, backend=store._backend)
    damaged = fresh.query(q.sparql)
    assert not damaged.kept and same(damaged, evaluated)

    index["version"] = "0" * 16  # kept for other data
    (folder / INDEX).write_text(json.dumps(index), encoding="utf-8")
    other = Store(store.release, backend=store._backend)
    assert not other.query(q.sparql).kept


@pytest.mark.no_seeds
def test_an_incremental_build_keeps_the_answers_of_its_release(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    synthesize(articles=6, out=seeds, seed=3)
    held = tmp_path / "held"
    held.mkdir()
    last = max(p.stem for p in (seeds / "articles").glob("*.yaml"))
    for p in sorted((seeds / "articles").glob(f"{last}.*")):
        shutil.move(p, held / p.name)
    out = tmp_path / "build"
    first = build(seeds, out)
    answers.keep_answers(first)
    for p in held.iterdir():
        shutil.copy(p, seeds / "articles" / p.name)
    second = build(seeds, out, incremental=True)
    answers.keep_answers(second)
    assert second.note.startswith("incremental:"), second.note
    assert second.answers is not None and second.answers.answers == first.answers.answers
    assert second.seconds["answers"] >= 0
    store = Store.open(out)
    index: dict[str, Any] = json.loads((store.release.path / ANSWERS / INDEX).read_text(encoding="utf-8"))
    assert index["version"] == store.version != first.manifest["version"]
    for qid in ("timeline", "articles", "source-disagreements", "stance-balance"):
        q = load_queries()[qid]
        kept, evaluated = store.query(q.sparql), store.query(q.sparql, answers=False)
        assert kept.kept and same(kept, evaluated), qid
    # the added article is in its kept answers
    listed = {str(r["article"]) for r in store.query(load_queries()["articles"].sparql).rows}
    assert any(a.endswith("/" + last.split("_")[0]) for a in listed), (last, sorted(listed)[-3:])


def test_the_http_service_answers_from_kept_answers(seed_store: Store) -> None:
    from crisiskg.service import create_app

    client = create_app({"store": seed_store}).test_client()
    q = load_queries()["timeline"]
    resp = client.get("/queries/timeline", headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200
    body = json.loads(resp.data)
    evaluated = json.loads(seed_store.query(q.sparql, answers=False).serialize("json"))
    assert body["results"]["bindings"][:50] == evaluated["results"]["bindings"][:50]
    # a page of it: the same rows as a page of the evaluated answer
    page = client.get("/queries/timeline?_limit=3&_offset=2", headers={"Accept": "application/sparql-results+json"})
    assert json.loads(page.data)["results"]["bindings"] == evaluated["results"]["bindings"][2:5]
    assert len(evaluated["results"]["bindings"]) > 5 and page.headers.get(TRUNCATED) == "true"


def test_a_kept_answer_is_read_into_rows_only_when_they_are_needed(seed_store: Store) -> None:
    q = load_queries()["timeline"]
    store = Store(seed_store.release, backend=seed_store._backend)  # its own kept answers, none read yet
    first = store.query(q.sparql)
    stored = first._stored
    assert stored is not None and first.kept
    evaluated = store.query(q.sparql, answers=False)
    # counted, served as JSON and as a whole page without reading its rows
    assert len(first) == len(evaluated) and first.serialize("json") == evaluated.serialize("json")
    assert first.slice(0, None).serialize("json") == evaluated.serialize("json")
    assert stored._table is None
    # a part of it is cut from its bytes; its rows, read once, serve every later ask
    assert first.slice(1, 3).rows == evaluated.rows[1:3] and stored._table is None
    assert first.rows == evaluated.rows
    assert stored._table is not None and store.query(q.sparql).rows == evaluated.rows


def test_rows_set_on_a_kept_answer_are_what_it_serialises(seed_store: Store) -> None:
    q = load_queries()["articles"]
    kept = seed_store.query(q.sparql)
    assert kept.kept and len(kept) > 1
    kept.rows = list(reversed(kept.rows))  # as the CLI does to order an answer without ORDER BY
    data = json.loads(kept.serialize("json"))
    assert [b["article"]["value"] for b in data["results"]["bindings"]] == [str(r["article"]) for r in kept.rows]
    assert kept.serialize("csv").splitlines()[1].decode().startswith(str(kept.rows[0][kept.variables[0]]))


@pytest.mark.parametrize("qid", ["timeline", "event-graph", "stance-balance"])
def test_kept_answers_serialise_as_evaluated_ones(seed_store: Store, qid: str) -> None:
    q = load_queries()[qid]
    bound = q.bind({}, seed_store)
    kept = seed_store.query(q.sparql, bindings=bound)
    evaluated = seed_store.query(q.sparql, bindings=bound, answers=False)
    assert kept.kept
    if kept.kind == "graph":
        assert sorted(kept.serialize("nt").splitlines()) == sorted(evaluated.serialize("nt").splitlines())
    else:
        for fmt in ("json", "xml", "csv", "tsv"):
            assert kept.serialize(fmt) == evaluated.serialize(fmt), fmt


# ------------------------------------------------------------------------------ the time limit

NEVER_FINISHES = """#+ summary: every triple with every triple, four times over
#+ description: a half-written question; COUNT reads every row before it answers
{header}SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }}
"""


def never_finishes(folder: Path, header: str = "") -> SavedQuery:
    """A real saved question that never finishes: 1,300 triples of the mini build to the fourth power."""
    path = folder / "cross-product.rq"
    path.write_text(NEVER_FINISHES.format(header=header), encoding="utf-8")
    return parse_query(path)


def children() -> set[int]:
    """Processes this one started, zombies included (from /proc): its children but multiprocessing's
    forkserver (started once, kept for the session), and the forkserver's (the killable workers)."""
    from multiprocessing import forkserver

    forkserver.ensure_running()
    server = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    found = set()
    parents = {os.getpid(), server}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text(encoding="utf-8") if entry.name.isdigit() else ""
        except OSError:  # ended meanwhile
            continue
        if stat and int(stat.rsplit(")", 1)[1].split()[1]) in parents and int(entry.name) != server:
            found.add(int(entry.name))
    return found


needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc/self/stat").exists(),
                                reason="the time limit needs os.fork; the test reads /proc")


@pytest.mark.no_seeds
@needs_fork
def test_a_question_that_never_finishes_is_stopped_and_the_others_kept(tmp_path: Path) -> None:
    _, store = built(tmp_path, keep=False)
    slow = never_finishes(tmp_path, "#+ timeout: 1\n")
    queries = {**load_queries(), "cross-product": slow}  # evaluated among the others, in order
    before = children()
    t0 = time.monotonic()
    written = answers.write(store, queries)
    assert time.monotonic() - t0 < 60  # it returned (without the limit it never would)
    assert written.skipped == {"cross-product": "stopped after 1 s: evaluated when asked instead"}
    assert children() == before  # the killed child and the one that went on were waited for
    index = json.loads((store.release.path / ANSWERS / INDEX).read_text(encoding="utf-8"))
    kept = [(q, values) for qid, q in sorted(queries.items()) if qid != "cross-product" for values in answers.calls(q)
            if qid not in written.no_default]
    assert written.answers == len(index["answers"]) == len(kept) > 20
    assert sorted(p.name for p in (store.release.path / ANSWERS).iterdir()) == sorted(
        [INDEX] + [e["file"] for e in index["answers"].values()])  # nothing left of the stopped call
    for q, values in kept:
        bound = q.bind(values, store)
        answer, evaluated = store.query(q.sparql, bindings=bound), store.query(q.sparql, bindings=bound, answers=False)
        assert answer.kept and same(answer, evaluated), (q.id, values)
    assert store.kept_answer(slow.sparql) is None


@pytest.mark.no_seeds
@needs_fork
def test_a_build_with_a_question_that_never_finishes_publishes_and_keeps_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crisiskg.query.savedqueries

    slow = never_finishes(tmp_path, "#+ timeout: 1\n")
    saved = load_queries()
    monkeypatch.setattr(crisiskg.query.savedqueries, "load_queries", lambda: {**saved, "cross-product": slow})  # what keep reads
    result = build(Path(__file__).resolve().parent / "fixtures" / "mini", tmp_path / "build")
    answers.keep_answers(result)
    assert result.answers is not None and result.answers.skipped == {"cross-product": "stopped after 1 s: evaluated when asked instead"}
    store = Store.open(tmp_path / "build")
    assert store.version == result.manifest["version"] and result.answers.answers > 20
    assert store.query(saved["timeline"].sparql).kept


@pytest.mark.no_seeds
@needs_fork
def test_the_limit_given_applies_to_questions_without_a_timeout(tmp_path: Path) -> None:
    _, store = built(tmp_path, keep=False)
    queries = {"articles": load_queries()["articles"], "cross-product": never_finishes(tmp_path)}
    written = answers.write(store, queries, limit=0.5)
    assert written.skipped == {"cross-product": "stopped after 0.5 s: evaluated when asked instead"}
    assert written.answers == 1 and store.query(queries["articles"].sparql).kept


@pytest.mark.no_seeds
@needs_fork
def test_a_child_killed_from_outside_is_named_and_the_stage_goes_on(tmp_path: Path) -> None:
    _, store = built(tmp_path, keep=False)
    # sorted first, so the child killed is the one on it; its limit would only end the test in 10 minutes
    queries = {"a-cross-product": never_finishes(tmp_path, "#+ timeout: 600\n"), "articles": load_queries()["articles"]}
    before = children()
    killed: list[int] = []

    def kill_the_child() -> None:  # what the out-of-memory killer does
        deadline = time.monotonic() + 30
        while not killed and time.monotonic() < deadline:
            for pid in children() - before:
                time.sleep(2.0)  # its store open and the call under way
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_child)
    killer.start()
    t0 = time.monotonic()
    try:
        written = answers.write(store, queries)
    finally:
        killer.join()
    assert killed and time.monotonic() - t0 < 60
    # killed on its call: "killed by SIGKILL"; killed while still opening its store, before it took the call: "ended unexpectedly"
    assert list(written.skipped) == ["a-cross-product"]
    assert re.fullmatch(r"the process evaluating it ended \((killed by SIGKILL|ended unexpectedly)\): evaluated when asked instead",
                        written.skipped["a-cross-product"])
    assert written.answers == 1 and store.query(queries["articles"].sparql).kept
    assert children() == before


@pytest.mark.no_seeds
def test_without_fork_the_calls_are_evaluated_in_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, store = built(tmp_path, keep=False)
    monkeypatch.delattr(os, "fork", raising=False)
    queries = {"outbound": outbound(tmp_path), "timeline": load_queries()["timeline"]}
    written = answers.write(store, queries)
    assert "SERVICE is refused" in written.skipped["outbound"]
    kept = store.query(queries["timeline"].sparql)
    assert written.answers == 1 and kept.kept and same(kept, store.query(queries["timeline"].sparql, answers=False))


class FullDisk:
    """An opener for the worker that evaluates the calls: the release's store, in a process where
    no file can be written (what a full disk does to the worker, which writes the answers)."""

    def __init__(self, release: object):
        self.release = release

    def __call__(self) -> Store:
        def full(self: Path, data: bytes) -> int:
            raise OSError(28, "No space left on device", str(self))

        Path.write_bytes = full  # type: ignore[method-assign,assignment]  # in the worker process only
        return Store(self.release)  # type: ignore[arg-type]


class SlowOpener:
    """An opener that takes 1 s and says which process it ran in (a file named by its pid)."""

    def __init__(self, release: object, marks: Path):
        self.release, self.marks = release, marks

    def __call__(self) -> Store:
        (self.marks / str(os.getpid())).touch()
        time.sleep(1.0)  # slower than the limit of the test
        return Store(self.release)  # type: ignore[arg-type]


@pytest.mark.no_seeds
@needs_fork
def test_a_child_that_cannot_write_an_answer_fails_the_stage_as_before(tmp_path: Path) -> None:
    _, store = built(tmp_path, keep=False)
    before = children()
    with pytest.raises(OSError, match="No space left on device"):
        answers._write(store.release, "memory", FullDisk(store.release), {"articles": load_queries()["articles"]},
                       reasoning="owlrl", limit=60)
    assert children() == before
    assert not (store.release.path / ANSWERS).exists()
    assert [p.name for p in store.release.path.iterdir() if p.name.startswith(".answers")] == []


@pytest.mark.no_seeds
@needs_fork
def test_a_child_opens_its_own_store_and_that_is_not_part_of_any_calls_time(tmp_path: Path) -> None:
    """keep() gives each child the opening of a store of its own (one shared copy-on-write would be
    copied page by page as the child reads it); a slow opening counts against no call's limit."""
    _, store = built(tmp_path, keep=False)
    marks = tmp_path / "opened"
    marks.mkdir()
    queries = {"articles": load_queries()["articles"], "cross-product": never_finishes(tmp_path)}
    before = children()
    written = answers._write(store.release, "memory", SlowOpener(store.release, marks), queries, reasoning="owlrl", limit=0.5)
    assert written.answers == 1 and written.skipped == {"cross-product": "stopped after 0.5 s: evaluated when asked instead"}
    opened = [int(m.name) for m in marks.iterdir()]
    assert opened and os.getpid() not in opened  # opened in the children, not here
    assert store.query(queries["articles"].sparql).kept
    assert children() == before
