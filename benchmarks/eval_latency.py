"""Every saved question evaluated by crisiskg, against pyoxigraph alone on the same text, in one process.

    python -m benchmarks.eval_latency --rounds 9

On a published build (``--build``; by default the ``--size`` synthetic corpus built without kept
answers, as ``benchmarks/http_eval.py`` builds it, reused when already there), each saved question is
bound to parameter values that have an answer (``benchmarks/measure.py``'s ``choose_values``) and
answered two ways on the same in-memory pyoxigraph store:

- crisiskg: what ``/queries/<id>?_format=json`` does with the response cache off and no kept
  answer, in one process: the parameters checked and bound into the text, the kept-answer lookup
  (as the server makes it on a build without kept answers; on a build with them it is turned off),
  then :class:`crisiskg.service.jobs.QueryJob`'s ``answer``, which a query worker runs (the row limit
  written into the text, ``Store.query`` with its deadline check, the page, SPARQL JSON; N-Triples
  for a graph question). Flask, the hooks and the hop to the worker process are not in it;
- pyoxigraph alone: ``Store.query`` on the same bound text, with the same prefixes and default graph
  (the asserted union kept in the store's default graph, plus the inferred graph), and its own
  ``serialize`` (SPARQL JSON; N-Triples for a graph).

The two answers are compared first: rows as multisets, or in order when the question has a
top-level ORDER BY; triples as sets. Then ``--rounds`` rounds, each asking every question once
each way (which way goes first alternates by round) after one untimed ask (the first ask after
another question's is slower, whichever way asks it); per question the medians in ms and the
median of the per-round ratios. Prints a Markdown table; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.query.sparqltext import bind_values, top_level
from crisiskg.service.jobs import QueryJob

OVER = 1.1  # issue 20: every evaluated question within 1.1x the engine's own latency


@dataclass
class Case:
    """One saved question bound to its values: the text both sides are given."""

    qid: str
    kind: str  # select | ask | graph
    text: str  # bound: what pyoxigraph is given
    values: dict[str, str]
    question: Any
    ordered: bool  # a top-level ORDER BY: rows are compared in order
    rows: int = 0
    equal: bool = False
    note: str = ""
    times: dict[str, list[float]] = field(default_factory=lambda: {"crisiskg": [], "oxigraph": []})


def ordered(text: str) -> bool:
    """Whether the query orders its rows (a top-level ORDER BY)."""
    return any(tok == "ORDER" for _, tok in top_level(text))


def cases(store: Any, queries: Iterable[Any]) -> list[Case]:
    """Every question bound to values with an answer (the first instances tried when none has)."""
    from benchmarks.measure import choose_values

    out = []
    for q in queries:
        values = choose_values(store, q)
        bound = q.bind(values, store)
        text = bind_values(q.sparql, bound) if bound else q.sparql
        out.append(Case(q.id, q.kind, text, values, q, ordered(text)))
    return out


class _Deadline:
    """The worker's check: stop past the time limit (as ``crisiskg.service.jobs`` checks)."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def __call__(self, rows: int) -> None:
        if time.monotonic() > self.at:
            raise TimeoutError(f"stopped after {rows} rows")


def crisiskg_answer(store: Any, case: Case, settings: Any) -> bytes:
    """The evaluated path of a saved question as a worker runs it: SPARQL JSON (N-Triples for a graph)."""
    q = case.question
    bound = q.bind(case.values, store)
    job = QueryJob.saved(q.sparql, bound, fmt="nt" if case.kind == "graph" else "json",
                         limit=settings.max_result_rows, timeout=settings.query_timeout)  # as service/api.py makes it
    kept = job.kept(store)  # the evaluator looks for a kept answer first; a build without them has none
    answer = kept if kept is not None else job.answer(store, _Deadline(settings.query_timeout))
    assert answer.body is not None
    return answer.body


def engine_query(store: Any) -> Callable[[str], Any]:
    """pyoxigraph's own ``query`` on ``store``'s engine, with the dataset crisiskg gives it by default."""
    from crisiskg.vocab import INFERRED_GRAPH, PREFIXES

    backend = store._backend  # the embedded (memory) store: its pyoxigraph Store
    dataset: dict[str, Any] = ({"default_graph": [ox.DefaultGraph(), ox.NamedNode(str(INFERRED_GRAPH))]} if backend.union_copy
                               else {"use_default_graph_as_union": True})
    engine = backend.ox

    def query(text: str) -> Any:
        return engine.query(text, prefixes=PREFIXES, **dataset)

    return query


def oxigraph_answer(query: Callable[[str], Any], case: Case) -> bytes:
    """pyoxigraph alone: query and its own writer (SPARQL JSON; N-Triples for a graph)."""
    raw = query(case.text)
    if isinstance(raw, ox.QueryTriples):
        body = raw.serialize(format=ox.RdfFormat.N_TRIPLES)
    else:
        body = raw.serialize(format=ox.QueryResultsFormat.JSON)
    assert isinstance(body, bytes)
    return body


def _term(t: Any) -> str:
    return "" if t is None else "_:b" if isinstance(t, ox.BlankNode) else str(t)


def answer_of(body: bytes, kind: str) -> Any:
    """A body as comparable data: a boolean, a list of rows (tab-joined terms; blank nodes all
    alike), or the set of N-Triples lines."""
    if kind == "graph":
        return {line for line in body.decode("utf-8").splitlines() if line.strip()}
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    return ["\t".join(_term(t) for t in sol) for sol in parsed]


def compare(store: Any, found: list[Case], settings: Any) -> list[Case]:
    """Ask each case both ways once and record its size and whether the answers are equal."""
    query = engine_query(store)
    for case in found:
        mine, theirs = answer_of(crisiskg_answer(store, case, settings), case.kind), answer_of(oxigraph_answer(query, case), case.kind)
        if isinstance(mine, list) and not case.ordered:
            mine, theirs = sorted(mine), sorted(theirs)
        case.equal = mine == theirs
        if not case.equal and isinstance(mine, list) and sorted(mine) == sorted(theirs):
            case.note = "same rows, another order"
        case.rows = int(mine) if isinstance(mine, bool) else len(mine)
    return found


def measure(store: Any, found: list[Case], settings: Any, rounds: int) -> None:
    """``rounds`` interleaved rounds: every case once each way, the first way alternating, after
    one untimed ask of the case."""
    query = engine_query(store)
    ways: dict[str, Callable[[Case], bytes]] = {"crisiskg": lambda c: crisiskg_answer(store, c, settings),
                                                "oxigraph": lambda c: oxigraph_answer(query, c)}
    for c in found:  # warm both ways
        for way in ways.values():
            way(c)
    for n in range(rounds):
        order = list(ways) if n % 2 == 0 else list(reversed(ways))
        for c in found:
            ways[order[1]](c)  # untimed: the first ask after another question's pays for the switch
            for name in order:
                t0 = time.perf_counter()
                ways[name](c)
                c.times[name].append((time.perf_counter() - t0) * 1000)


def ratio(c: Case) -> float:
    """The median of the per-round ratios, crisiskg's time over pyoxigraph's (asked in the same
    round, so both met the same load on a shared machine)."""
    return statistics.median(a / b for a, b in zip(c.times["crisiskg"], c.times["oxigraph"]))


def report(found: list[Case], head: str) -> str:
    lines = [head, "", "| question | rows | crisiskg ms | oxigraph ms | ratio | equal |", "|---|---:|---:|---:|---:|---|"]
    for c in found:
        mine, theirs, r = statistics.median(c.times["crisiskg"]), statistics.median(c.times["oxigraph"]), ratio(c)
        flag = f" **over {OVER}x**" if r > OVER else ""
        lines.append(f"| {c.qid} | {c.rows} | {mine:.2f} | {theirs:.2f} | {r:.2f}x{flag} | "
                     f"{'yes' if c.equal else 'NO' + (f' ({c.note})' if c.note else '')} |")
    ratios = sorted(ratio(c) for c in found)
    over = [c.qid for c in found if ratio(c) > OVER]
    lines += ["", (f"Ratio median {statistics.median(ratios):.2f}x, range {ratios[0]:.2f}-{ratios[-1]:.2f}x; over {OVER}x: "
                   f"{', '.join(over) if over else 'none'}.")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from benchmarks.http_eval import ensure_build
    from benchmarks.run import label, parse_size
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.store import Store
    from crisiskg.service.settings import Settings

    ap = argparse.ArgumentParser(prog="python -m benchmarks.eval_latency", description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=None, help="a build folder with a published build (default: the --size corpus)")
    ap.add_argument("--size", type=parse_size, default=parse_size("100k"), help="asserted triples of the synthetic corpus (default 100k)")
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds (medians; default 9)")
    ap.add_argument("--questions", default="", help="comma-separated saved questions (default: all)")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "crisiskg-bench", help="folder for corpora and builds")
    args = ap.parse_args(argv)
    if args.build is None:
        args.work.mkdir(parents=True, exist_ok=True)
        args.build = ensure_build(args.size, args.work)
    store = Store.open(args.build)
    if store.kept.folder.exists():  # a build with kept answers: turned off, so that every question is evaluated
        store.kept.enabled = False
    queries = load_queries()
    chosen = [queries[q] for q in args.questions.split(",")] if args.questions else list(queries.values())
    found = compare(store, cases(store, chosen), Settings())
    measure(store, found, Settings(), args.rounds)
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    build = label(args.size) if args.build.name.endswith("-noanswers") else str(args.build)
    head = (f"`python -m benchmarks.eval_latency --rounds {args.rounds}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"build {build} ({store.version}, {len(store):,} quads), {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, pyoxigraph {ox.__version__}; at the end: {load}")
    print(report(found, head))


if __name__ == "__main__":
    main()
