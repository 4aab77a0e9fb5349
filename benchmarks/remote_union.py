"""A remote store asked through the server's union default graph, against the same store asked with
the build's graphs listed as the dataset, in one run.

    python -m benchmarks.remote_union --build BUILD --rounds 5

A fresh ``oxigraph serve --union-default-graph`` (in memory, on loopback) is filled by ``crisiskg
push`` from the published build ``--build``, then opened as crisiskg opens it (``sparql:URL``). When
push left no claim of its own on the server, crisiskg asks it through its union; the same store is
then also asked with the union turned off, so that every query sends the build's graphs as
``default-graph-uri`` and ``named-graph-uri`` (what happens on a server that holds other graphs).
Each saved question in ``--questions`` is evaluated (kept answers off) both ways in every round, the
way that goes first alternating by round; the rows (each once) must be the same both ways. Prints
the medians in ms and their ratio as a Markdown table; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.http_eval import question_values
from benchmarks.run import Server, free_port

QUESTIONS = "holder-stances,events-in-country,actor-events,timeline,articles"


def rows(result: Any) -> list[str]:
    return sorted({repr(sorted((k, str(v)) for k, v in row.items())) for row in result.rows})


def main(argv: list[str] | None = None) -> None:
    from crisiskg.query.remote import Remote
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.store import open_store
    from crisiskg.scale.push import push

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, required=True, help="a published build folder")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--questions", default=QUESTIONS, help="saved question ids, comma-separated")
    args = ap.parse_args(argv)
    exe = shutil.which("oxigraph")
    if exe is None:
        raise SystemExit("the 'oxigraph' command is missing: pip install oxigraph")
    qids = args.questions.split(",")
    queries = load_queries()
    varied = [q for q in qids if any(p.type in ("iri", "date") for p in queries[q].params)]
    values = {qid: v[0][0] for qid, v in question_values(args.build, varied, 1, 1).items()}
    port = free_port()
    server = Server([exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                    f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    try:
        spec = f"sparql:http://127.0.0.1:{port}/query"
        t0 = time.perf_counter()
        print(push(spec, args.build))
        print(f"push: {time.perf_counter() - t0:.1f} s")
        store = open_store(spec, args.build)
        store.kept.enabled = False
        remote = store._backend
        assert isinstance(remote, Remote)
        if not remote.union_default:
            raise SystemExit("the server is not asked through its union (a claim of push is left on it: is the build "
                             "from code before the twelfth round? build it again)")
        print(f"{len(remote.all_graphs)} graphs\n")
        print("| question | server's union | graphs listed | listed / union |\n|---|---:|---:|---:|")
        for qid in qids:
            q, times = queries[qid], {True: list[float](), False: list[float]()}
            answers: dict[bool, list[str]] = {}
            for r in range(args.rounds):
                for union in (True, False) if r % 2 == 0 else (False, True):
                    remote.union_default = union
                    t = time.perf_counter()
                    result = q.run(store, values.get(qid))
                    times[union].append(time.perf_counter() - t)
                    answers[union] = rows(result)
            if answers[True] != answers[False]:
                raise SystemExit(f"{qid}: the answers differ")
            u, listed = statistics.median(times[True]) * 1000, statistics.median(times[False]) * 1000
            print(f"| `{qid}` | {u:.1f} ms | {listed:.1f} ms | {listed / u:.1f}x |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
