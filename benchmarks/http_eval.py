"""HTTP throughput that a cache cannot flatter: ``crisiskg serve`` with its response cache on and
off, beside ``oxigraph serve-read-only`` on the same data, in one run.

    python -m benchmarks.http_eval --size 100k --seconds 5

A synthetic corpus of ``--size`` asserted triples (``crisiskg synth``) is built without kept answers
(``--answers no``), so nothing is answered from the build. For each question in ``--questions``,
every request draws another parameter value (the question's valid values, read from the build, in a
shuffled cycle: never one repeated URL) and asks it three ways: the saved question
(``/queries/ID``), the same SPARQL text at crisiskg's ``/sparql``, and the same text at Oxigraph's
``/query``. crisiskg runs twice, with the response cache on (its default) and off
(``CRISISKG_CACHE_BYTES=0``); each server runs alone, one after the other, with ``--clients``
client threads (8 and 32) on kept-alive loopback connections, spread over two client processes, for
``--seconds`` each. Before measuring, every value's answer from each crisiskg route is compared row
by row with Oxigraph's. Reports req/s, p50 and p99 per cell and the ratio to Oxigraph; writes
``benchmarks/http-eval.json`` and prints a Markdown table. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.load import percentile
from benchmarks.run import TRIPLES_PER_ARTICLE, Server, free_port, label, parse_size, wait_workers

HERE = Path(__file__).resolve().parent
ACCEPT = "application/sparql-results+json"
DATES = [f"2020-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in range(1, 29)]


def ensure_build(size: int, work: Path) -> Path:
    """The corpus of ``size`` triples, built without kept answers (reused when already there)."""
    from crisiskg.scale.synth import synthesize

    name = label(size)
    seeds, build_dir = work / f"seeds-{name}", work / f"build-{name}-noanswers"
    if (build_dir / "current").exists():
        return build_dir
    shutil.rmtree(seeds, ignore_errors=True)
    synthesize(articles=max(1, round(size / TRIPLES_PER_ARTICLE)), out=seeds, seed=0)
    subprocess.run([sys.executable, "-m", "crisiskg", "build", "--seeds", str(seeds), "--build", str(build_dir), "--answers", "no"], check=True,
                   stdout=subprocess.DEVNULL)
    return build_dir


def question_values(build_dir: Path, qids: list[str], per: int, seed: int) -> dict[str, list[tuple[dict[str, str], str]]]:
    """Per question: up to ``per`` (parameter values, the SPARQL text they bind), the values drawn
    from the build's valid ones (the first IRI or date parameter varies, the others keep their defaults)."""
    from crisiskg.query.params import param_choices
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.sparqltext import bind_values
    from crisiskg.query.store import open_store
    from crisiskg.vocab import sparql_prologue

    rng = random.Random(seed)
    queries, store = load_queries(), open_store("memory", build_dir)
    out: dict[str, list[tuple[dict[str, str], str]]] = {}
    for qid in qids:
        q = queries[qid]
        varied = next((p for p in q.params if p.type in ("iri", "date")), None)
        if varied is None:
            raise SystemExit(f"question {qid!r} has no IRI or date parameter to vary; choose another with --questions")
        keys = [c.key for c in param_choices(store, varied)] if varied.type == "iri" else list(DATES)
        rng.shuffle(keys)
        out[qid] = []
        for key in keys[:per]:
            values = {varied.name: key}
            out[qid].append((values, sparql_prologue() + bind_values(q.sparql, q.bind(values, store))))
    return out


def targets(qid: str, cases: list[tuple[dict[str, str], str]]) -> dict[str, list[str]]:
    """The request paths of each route, one per value."""
    return {"saved question": [f"/queries/{qid}?" + urllib.parse.urlencode({**v, "_format": "json"}) for v, _ in cases],
            "/sparql": ["/sparql?" + urllib.parse.urlencode({"query": text}) for _, text in cases],
            "oxigraph": ["/query?" + urllib.parse.urlencode({"query": text}) for _, text in cases]}


def rows_of(body: bytes) -> list[str]:
    """A SPARQL JSON table as sorted rows of N-Triples terms (blank nodes named by position)."""
    import pyoxigraph as ox

    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return sorted("\t".join("_:b" if isinstance(t, ox.BlankNode) else ("" if t is None else str(t)) for t in sol)
                  for sol in parsed)  # type: ignore[union-attr]


def fetch(port: int, path: str) -> bytes:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": ACCEPT})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return bytes(resp.read())


def differing(port: int, own: list[str], oxi_port: int, theirs: list[str], count: int = 20) -> int:
    """How many of the first ``count`` answers at ``port`` (paths ``own``) differ, row by row, from
    Oxigraph's at ``oxi_port`` (the same questions as ``theirs``)."""
    return sum(rows_of(fetch(port, a)) != rows_of(fetch(oxi_port, b)) for a, b in zip(own[:count], theirs[:count], strict=True))


def _client(port: int, paths: list[str], threads: int, seconds: float, start: int, out: Any, rate: float | None = None,
            phases: list[float] | None = None, ready: Any = None) -> None:
    """One client process: ``threads`` threads, each on one kept-alive connection, cycling through
    ``paths`` from its own offset; sends (status, seconds) of each request to ``out``. With ``rate``
    (requests a second, each thread's) a thread sends its k-th request (k + its phase, 0 to 1, from
    ``phases``) / ``rate`` seconds after it began, so that the threads' requests do not come in
    bursts; one the answers before it held up past that time is sent at once and timed from when
    it was due, not from when it was sent (so that a slow answer also counts the wait of the
    requests behind it, as wrk2 does). ``ready`` (a barrier of every client process): all begin at
    once, so that the phases of different processes keep their turns however long each took to start."""
    records: list[tuple[int, float]] = []
    lock = threading.Lock()
    if ready is not None:
        ready.wait(timeout=120)
    began = time.perf_counter()
    stop = began + seconds

    def loop(offset: int, phase: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[tuple[int, float]] = []
        i = offset
        while time.perf_counter() < stop:
            path = paths[i % len(paths)]
            due = None if rate is None else began + (phase + i - offset) / rate
            i += 1
            t0 = time.perf_counter()
            if due is not None:
                if due >= stop:
                    break
                if t0 < due:  # on time: sent when this thread wakes (its oversleep is not the server's)
                    time.sleep(due - t0)
                    t0 = time.perf_counter()
                else:  # late, held up by the answers before it: timed from when it was due
                    t0 = due
            try:
                conn.request("GET", path, headers={"Accept": ACCEPT})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            mine.append((status, time.perf_counter() - t0))
        conn.close()
        with lock:
            records.extend(mine)

    pool = [threading.Thread(target=loop, args=(start + n * 7, phases[n] if phases else 0.0)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(records)


def drive(port: int, paths: list[str], clients: int, seconds: float, rate: float | None = None) -> dict[str, float]:
    """``clients`` client threads over two processes for ``seconds``: req/s, p50/p99 ms, errors.
    Each thread sends its next request once it has the answer to the last, or, with ``rate``
    (requests a second, all threads together), on a schedule (see :func:`_client`)."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    # on a schedule, a process for each client: threads of one process wait for each other's
    # interpreter lock (up to its 5 ms switch interval), which would be counted as the server's time
    split = [clients - clients // 2, clients // 2] if rate is None else [1] * clients
    each = None if rate is None else rate / clients
    first = [sum(split[:k]) for k in range(len(split))]  # each thread's phase: its place among all of them, so that their requests take turns
    ready = None if rate is None else ctx.Barrier(sum(1 for n in split if n))
    procs = [ctx.Process(target=_client, args=(port, paths, n, seconds, k * 1000, results, each,
                                               [(first[k] + j) / clients for j in range(n)], ready)) for k, n in enumerate(split) if n]
    for p in procs:
        p.start()
    records: list[tuple[int, float]] = []
    for _ in procs:
        records += results.get(timeout=seconds + 120)
    for p in procs:
        p.join()
    ok = [s * 1000 for status, s in records if status == 200]
    return {"requests": len(records), "rps": round(len(ok) / seconds, 1), "p50_ms": round(percentile(ok, 50), 2),
            "p99_ms": round(percentile(ok, 99), 2), "errors": len(records) - len(ok)}


def one_question_options(ap: argparse.ArgumentParser) -> None:
    """The options of a benchmark that asks one saved question of a synthetic corpus's build:
    ``--size``, ``--question``, ``--values``, ``--seed``, ``--work``, ``--out``."""
    ap.add_argument("--size", type=parse_size, default=100_000, help="asserted triples of the synthetic corpus (e.g. 100k, 1M)")
    ap.add_argument("--question", default="actor-events", help="the saved question asked, its first IRI or date parameter varied")
    ap.add_argument("--values", type=int, default=200, help="parameter values, cycled through")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "crisiskg-bench", help="folder for corpora and builds")
    ap.add_argument("--out", type=Path, default=None, help="where to write the results as JSON")


def finish(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """Write ``data`` as JSON to ``--out`` (when given), and print ``text``."""
    if args.out:
        args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(text)


def crisiskg_server(build_dir: Path, cache: bool) -> tuple[Server, int]:
    port = free_port()
    env = {} if cache else {"CRISISKG_CACHE_BYTES": "0"}
    server = Server([sys.executable, "-m", "crisiskg", "serve", "--build", str(build_dir), "--port", str(port), "--host", "127.0.0.1"],
                    f"http://127.0.0.1:{port}/readyz", env=env)
    try:
        wait_workers(f"http://127.0.0.1:{port}/metrics")
    except (RuntimeError, OSError) as exc:  # measured all the same; the note says why it may be slower
        print(f"warning: {exc}", file=sys.stderr)
    return server, port


def oxigraph_server(build_dir: Path, work: Path) -> tuple[Server, int]:
    """``oxigraph serve-read-only`` on the published N-Quads, the default graph the union of the named graphs."""
    import pyoxigraph

    plain = work / "http-eval-oxigraph"
    shutil.rmtree(plain, ignore_errors=True)
    loaded = pyoxigraph.Store(str(plain))
    loaded.bulk_load(path=str(build_dir / "current" / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    loaded.flush()
    del loaded
    port = free_port()
    return Server(["oxigraph", "serve-read-only", "--location", str(plain), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                  f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"), port


def measure(args: argparse.Namespace) -> dict[str, Any]:
    build_dir = ensure_build(args.size, args.work)
    qids = args.questions.split(",")
    clients = [int(c) for c in args.clients.split(",")]
    cases = question_values(build_dir, qids, args.values, args.seed)
    paths = {qid: targets(qid, cases[qid]) for qid in qids}
    out: dict[str, Any] = {"size": args.size, "label": label(args.size), "seconds": args.seconds, "clients": clients,
                           "values": {q: len(c) for q, c in cases.items()}, "cells": {}, "mismatches": {},
                           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                           "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    expected: dict[str, list[list[str]]] = {}
    server, port = oxigraph_server(build_dir, args.work)
    try:
        for qid in qids:
            expected[qid] = [rows_of(fetch(port, p)) for p in paths[qid]["oxigraph"]]
            for c in clients:
                out["cells"].setdefault(qid, {}).setdefault("oxigraph serve", {})[str(c)] = drive(port, paths[qid]["oxigraph"], c, args.seconds)
    finally:
        server.stop()
        shutil.rmtree(args.work / "http-eval-oxigraph", ignore_errors=True)
    for cache in (False, True):
        server, port = crisiskg_server(build_dir, cache)
        try:
            for qid in qids:
                for route in ("saved question", "/sparql"):
                    name = f"crisiskg {route}, cache {'on' if cache else 'off'}"
                    wrong = sum(rows_of(fetch(port, p)) != rows for p, rows in zip(paths[qid][route], expected[qid]))
                    out["mismatches"][f"{qid}: {name}"] = wrong
                    for c in clients:
                        out["cells"][qid].setdefault(name, {})[str(c)] = drive(port, paths[qid][route], c, args.seconds)
        finally:
            server.stop()
    return out


def report(data: dict[str, Any]) -> str:
    clients = [str(c) for c in data["clients"]]
    head = (f"`python -m benchmarks.http_eval --size {data['label']} --seconds {data['seconds']:g}`, {data['started']}, {data['machine']}; "
            f"values per question: {', '.join(f'{q} {n}' for q, n in data['values'].items())}; answers differing from Oxigraph's: "
            f"{sum(data['mismatches'].values())}.")
    lines = [head, "",
             "| question | server | " + " | ".join(f"c={c} req/s (p50 / p99 ms)" for c in clients) + " | ratio to oxigraph " + " / ".join(f"c={c}" for c in clients) + " |",
             "|---|---|" + "---:|" * len(clients) + "---:|"]
    for qid, servers in data["cells"].items():
        base = servers["oxigraph serve"]
        for name, cells in servers.items():
            shown = " | ".join(f"{cells[c]['rps']:,.0f} ({cells[c]['p50_ms']:.1f} / {cells[c]['p99_ms']:.1f})"
                               + (f", {cells[c]['errors']} errors" if cells[c]["errors"] else "") for c in clients)
            ratios = " / ".join(f"{cells[c]['rps'] / base[c]['rps']:.2f}x" if base[c]["rps"] else "-" for c in clients)
            lines.append(f"| {qid} | {name} | {shown} | {ratios} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.http_eval", description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("100k"), help="asserted triples of the synthetic corpus (e.g. 100k, 1M)")
    ap.add_argument("--seconds", type=float, default=5, help="seconds per cell (default 5)")
    ap.add_argument("--clients", default="8,32", help="comma-separated client counts (default 8,32)")
    ap.add_argument("--questions", default="events-in-country,actor-events,holder-stances,timeline",
                    help="saved questions to ask, each with an IRI or date parameter that varies per request")
    ap.add_argument("--values", type=int, default=200, help="parameter values per question, cycled through (default 200)")
    ap.add_argument("--seed", type=int, default=7, help="seed of the shuffle of values")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "crisiskg-bench", help="folder for corpora and builds")
    ap.add_argument("--out", type=Path, default=HERE / "http-eval.json", help="where to write the results as JSON")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    data = measure(args)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(report(data))


if __name__ == "__main__":
    main()
