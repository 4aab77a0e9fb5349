"""Run the benchmarks and write ``benchmarks/README.md`` (medians and ratios from the same run).

    python -m benchmarks.run --sizes 10k,100k,1M

For each size (asserted triples, approximately): a synthetic corpus (``crisiskg.scale.synth``) is
written, built with the real pipeline in a fresh process (``--repeat`` times; medians), pushed to an
on-disk Oxigraph store and to a real ``oxigraph serve`` over the Graph Store Protocol; then

* reasoning owlrl vs rules and validation reference vs fast, each alone, where the reference
  finishes in reasonable time (``--oracle-max``, default 100k);
* the latency of every saved question on each store kind (memory, oxigraph on disk, sparql);
* HTTP throughput and latency (wrk) of ``crisiskg serve`` (a saved question, and the same SPARQL
  through its /sparql endpoint) and ``oxigraph serve-read-only`` (the same SPARQL) on the same data,
  at concurrency 1, 8 and 32.

Needs the ``oxigraph`` command (``pip install oxigraph``) and ``wrk`` (``apt-get install wrk``);
without wrk the HTTP section says so. Nothing here asserts a time: the numbers are reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TRIPLES_PER_ARTICLE = 270  # asserted, measured on the synthetic corpus (crisiskg.scale.synth)


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"size {text!r}: use e.g. 10k, 100k, 1M")
    return int(float(m.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[m.group(2).lower()])


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 else str(n)


def child(*args: str, timeout: float = 3600) -> Any:
    """Run one measurement in a fresh Python process; its JSON answer."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.measure", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"measurement {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def saved_questions(build_dir: Path, specs: list[str], limit: float) -> dict[str, Any]:
    """Latency of every saved question on each store kind, in a child process; a question still
    running after ``limit`` seconds is stopped (the child is killed and restarted without it)."""
    import selectors

    out: dict[str, Any] = {"open_seconds": {}, "latency": {}, "rows": {}, "values": {}, "timeouts": []}
    done: list[str] = []
    while True:
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.measure", "queries", str(build_dir), ",".join(done), *specs],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0, start_new_session=True)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        current, deadline, stopped, pending, eof = None, time.time() + 600, False, b"", False
        while True:
            if b"\n" not in pending:  # wait for more output only when no whole line is buffered
                if eof:
                    break
                if not sel.select(timeout=max(0.0, deadline - time.time())):
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    if current is None:
                        raise RuntimeError("opening the stores for the query benchmark took over 10 minutes")
                    out["timeouts"].append(current)
                    done.append(current)
                    stopped = True
                    break
                chunk = os.read(fd, 65536)
                eof = not chunk
                pending += chunk
                continue
            raw, pending = pending.split(b"\n", 1)
            msg = json.loads(raw)
            if "open" in msg:
                out["open_seconds"][msg["open"]] = msg["seconds"]
            elif "start" in msg:
                current, deadline = msg["start"], time.time() + limit
            else:
                for key in ("latency", "rows", "values"):
                    out[key][msg["question"]] = msg[key]
                done.append(msg["question"])
                current = None
        sel.close()
        if not stopped:
            proc.wait()
            if proc.returncode != 0:
                raise RuntimeError(f"the query benchmark failed (exit {proc.returncode})")
            return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, seconds: float = 120) -> None:
    end = time.time() + seconds
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Server:
    """A server process started for the run and stopped after (by its own process id). Its output goes
    to a log file, never to an unread pipe: a server that logs more than a pipe holds (waitress warns
    of its task queue under wrk at c=32) would block on the write and stop answering."""

    def __init__(self, args: list[str], probe: str, env: dict[str, str] | None = None):
        self.log = tempfile.NamedTemporaryFile(prefix="crisiskg-bench-server-", suffix=".log", delete=False)  # noqa: SIM115  # open for the server's life, closed in stop()
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})}, start_new_session=True)
        try:
            wait_http(probe)
        except RuntimeError as exc:
            self.stop(keep_log=True)
            raise RuntimeError(f"{exc}; server log: {self.log.name}") from exc

    def stop(self, keep_log: bool = False) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        if not keep_log:
            os.unlink(self.log.name)


def wrk(url: str, connections: int, seconds: int, accept: str) -> dict[str, float]:
    threads = 1 if connections == 1 else 2
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-H", f"Accept: {accept}", url], capture_output=True, text=True, timeout=seconds + 60, check=False).stdout

    def ms(text: str) -> float:
        m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"\n\s+50%\s+(\S+)", out)
    p99 = re.search(r"\n\s+99%\s+(\S+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(rps.group(1)) if rps else float("nan"), "p50_ms": ms(p50.group(1)) if p50 else float("nan"),
            "p99_ms": ms(p99.group(1)) if p99 else float("nan"), "errors": int(non2xx.group(1)) if non2xx else 0}


def wait_workers(metrics_url: str, seconds: float = 600) -> None:
    """Wait until every query worker of a ``crisiskg serve`` has opened the store (/readyz waits
    for one only): the others loading would share the CPU with what is measured."""
    end = time.time() + seconds
    while time.time() < end:
        text = urllib.request.urlopen(metrics_url, timeout=10).read().decode()
        started = re.search(r"^crisiskg_query_workers (\S+)$", text, re.MULTILINE)
        if started and float(started.group(1)) >= 4:  # the default max_running_queries
            return
        time.sleep(0.5)
    raise RuntimeError(f"the query workers did not all start within {seconds:g} s")


def served_latency(base: str, values: dict[str, dict[str, str]], repeat: int = 10) -> dict[str, dict[str, float]]:
    """Every saved question over HTTP on a running ``crisiskg serve``: the first ask (evaluated, then
    kept in the response cache) and the median of ``repeat`` asks after it (answered from the cache)."""
    from crisiskg.query.savedqueries import load_queries

    out: dict[str, dict[str, float]] = {}
    for qid in sorted(load_queries()):
        url = f"{base}/queries/{qid}?" + urllib.parse.urlencode(values.get(qid, {}))
        # a table as SPARQL JSON, a CONSTRUCT question's graph as N-Triples
        req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
        times = []
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            try:
                urllib.request.urlopen(req, timeout=300).read()
            except OSError:  # a 503 past the server's time limit: reported as missing
                times.append(float("nan"))
                continue
            times.append((time.perf_counter() - t0) * 1000)
        out[qid] = {"first_ms": round(times[0], 2), "repeat_p50_ms": round(statistics.median(times[1:]), 2)}
    return out


def http_bench(build_dir: Path, disk: Path, qids: list[str], values: dict[str, dict[str, str]], seconds: int) -> dict[str, Any]:
    """``crisiskg serve`` (saved questions and /sparql) vs ``oxigraph serve-read-only`` on the same data,
    for each question in ``qids``; and every saved question's latency over HTTP."""
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.sparqltext import bind_values
    from crisiskg.query.store import open_store
    from crisiskg.vocab import sparql_prologue

    queries = load_queries()
    store = open_store("memory", build_dir)
    sparql = {qid: sparql_prologue() + bind_values(queries[qid].sparql, queries[qid].bind(values.get(qid, {}), store)) for qid in qids}
    del store
    p1, p2 = free_port(), free_port()
    accept = "application/sparql-results+json"
    results: dict[str, Any] = {"queries": {qid: {"values": values.get(qid, {})} for qid in qids}, "seconds": seconds}
    ck = Server([sys.executable, "-m", "crisiskg", "serve", "--build", str(build_dir), "--port", str(p1), "--host", "127.0.0.1"],
                f"http://127.0.0.1:{p1}/readyz")
    try:
        wait_workers(f"http://127.0.0.1:{p1}/metrics")
        results["served"] = served_latency(f"http://127.0.0.1:{p1}", values)
        for qid in qids:
            targets = {
                "crisiskg serve: saved question": f"http://127.0.0.1:{p1}/queries/{qid}?" + urllib.parse.urlencode({**values.get(qid, {}), "_format": "json"}),
                "crisiskg serve: /sparql": f"http://127.0.0.1:{p1}/sparql?" + urllib.parse.urlencode({"query": sparql[qid]}),
            }
            for name, url in targets.items():
                urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=300).read()
                results["queries"][qid][name] = {str(c): wrk(url, c, seconds, accept) for c in (1, 8, 32)}
    finally:
        ck.stop()
    # oxigraph gets the published N-Quads as they are: the store crisiskg pushes also holds a copy of the
    # asserted union in its default graph, which --union-default-graph would count again
    import pyoxigraph

    plain = disk.parent / "oxigraph-plain"
    shutil.rmtree(plain, ignore_errors=True)
    loaded = pyoxigraph.Store(str(plain))
    loaded.bulk_load(path=str(build_dir / "current" / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    loaded.flush()
    del loaded
    ox = Server(["oxigraph", "serve-read-only", "--location", str(plain.resolve()), "--bind", f"127.0.0.1:{p2}",
                 "--union-default-graph"], f"http://127.0.0.1:{p2}/query?query=ASK%7B%7D")
    try:
        for qid in qids:
            url = f"http://127.0.0.1:{p2}/query?" + urllib.parse.urlencode({"query": sparql[qid]})
            urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=300).read()
            results["queries"][qid]["oxigraph serve"] = {str(c): wrk(url, c, seconds, accept) for c in (1, 8, 32)}
    finally:
        ox.stop()
        shutil.rmtree(plain, ignore_errors=True)
    return results


def one_size(size: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from crisiskg.scale.synth import synthesize

    articles = max(1, round(size / TRIPLES_PER_ARTICLE))
    name = label(size)
    seeds, build_dir, disk = work / f"seeds-{name}", work / f"build-{name}", work / f"oxigraph-{name}"
    for path in (seeds, build_dir, disk):
        shutil.rmtree(path, ignore_errors=True)
    out: dict[str, Any] = {"size": size, "label": name, "articles": articles}
    t0 = time.perf_counter()
    synthesize(articles=articles, out=seeds, seed=0)
    out["synth_seconds"] = round(time.perf_counter() - t0, 2)
    repeat = args.repeat if size < 1_000_000 else args.repeat_1m
    runs = []
    for i in range(repeat):
        print(f"[{name}] build {i + 1}/{repeat}", file=sys.stderr, flush=True)
        runs.append(child("build", str(seeds), str(build_dir), str(disk)))
    out["builds"] = runs
    out["triples_asserted"] = runs[0]["triples_asserted"]
    out["triples_inferred"] = runs[0]["triples_inferred"]
    stages = list(runs[0]["stages"])
    out["stages"] = {s: {"seconds": statistics.median(r["stages"][s]["seconds"] for r in runs),
                         "peak_mib": statistics.median(r["stages"][s]["peak_mib"] for r in runs)} for s in stages}
    out["total"] = statistics.median(r["total"] for r in runs)
    out["published"] = statistics.median(r["published"] for r in runs)
    print(f"[{name}] incremental", file=sys.stderr, flush=True)
    out["incremental"] = child("incremental", str(seeds), str(work / f"incremental-{name}"))
    shutil.rmtree(work / f"incremental-{name}", ignore_errors=True)
    if size <= args.oracle_max:
        print(f"[{name}] oracles", file=sys.stderr, flush=True)
        out["reason"] = {e: child("reason", str(seeds), e) for e in ("rules", "owlrl")}
        out["validate"] = {m: child("validate", str(seeds), m) for m in ("fast", "reference")}
    else:
        out["reason"] = {"rules": child("reason", str(seeds), "rules")}
        out["validate"] = {"fast": child("validate", str(seeds), "fast")}
    print(f"[{name}] queries", file=sys.stderr, flush=True)
    port = free_port()
    remote = Server(["oxigraph", "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph", "--timeout-s", str(max(1, math.ceil(args.question_limit)))],
                    f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    try:
        from crisiskg.scale.push import push

        t1 = time.perf_counter()
        push(f"sparql:http://127.0.0.1:{port}/query", build_dir)
        out["push_sparql_seconds"] = round(time.perf_counter() - t1, 2)
        out["queries"] = saved_questions(build_dir, ["memory", f"oxigraph:{disk}", f"sparql:http://127.0.0.1:{port}/query"], args.question_limit)
    finally:
        remote.stop()
    if args.http and shutil.which("wrk"):
        print(f"[{name}] http", file=sys.stderr, flush=True)
        out["http"] = http_bench(build_dir, disk, args.http_query.split(","), out["queries"]["values"], args.http_seconds)
    return out


# ---------------------------------------------------------------- the report

def growth(values: list[float], sizes: list[int]) -> str:
    """How a cost grows: the exponent k in cost ~ size^k between the first and the last size."""
    pts = [(s, v) for s, v in zip(sizes, values) if v and not math.isnan(v) and v > 0]
    if len(pts) < 2:
        return ""
    (s0, v0), (s1, v1) = pts[0], pts[-1]
    k = math.log(v1 / v0) / math.log(s1 / s0)
    word = "flat" if k < 0.2 else "sublinear" if k < 0.85 else "linear" if k < 1.2 else "superlinear"
    return f"{word} (k={k:.2f})"


def share(ours: float, theirs: float) -> float:
    """ours / theirs; infinite when the other server completed no request in the time."""
    return ours / theirs if theirs else math.inf


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs else "- (none of its requests finished)"


def fmt(x: float | None, digits: int = 2) -> str:
    if x is None or math.isnan(x):
        return "-"
    return f"{x:,.{digits}f}"


def report(results: list[dict[str, Any]], args: argparse.Namespace, started: str, seconds: float) -> str:
    for r in results:  # results written before builds kept answers: everything was published
        r.setdefault("published", r["total"])
        if "incremental" in r:
            r["incremental"].setdefault("published", r["incremental"]["seconds"])
    sizes = [r["triples_asserted"] for r in results]
    heads = [f"{r['label']} ({r['triples_asserted']:,} asserted, {r['articles']:,} articles)" for r in results]
    lines = ["# Benchmarks", "",
             f"Written by `python -m benchmarks.run --sizes {args.sizes}` on {started}" + (f" in {seconds / 60:.0f} min" if not math.isnan(seconds) else "") + ": "
             f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. Synthetic corpora from "
             "`crisiskg synth` (the seeds' shape, conforming to the shapes). Medians of "
             f"{args.repeat} builds ({args.repeat_1m} at 1M), each in a fresh process; peak memory is the process's "
             "resident high-water mark during the stage (reset before each). Everything in one run, so ratios compare like "
             "with like. Growth is the exponent k in cost ~ size^k from the smallest to the largest size.", ""]

    lines += ["## Build stages (seconds / peak MiB)", "", "| stage | " + " | ".join(heads) + " | growth |",
              "|---|" + "---|" * (len(results) + 1)]
    stages = list(results[0]["stages"])
    for s in stages:
        cells = [f"{fmt(r['stages'][s]['seconds'])} s / {fmt(r['stages'][s]['peak_mib'], 0)}" for r in results]
        lines.append(f"| {s} | " + " | ".join(cells) + f" | {growth([r['stages'][s]['seconds'] for r in results], sizes)} |")
    lines.append("| **build total** (read..publish) | " + " | ".join(f"**{fmt(r['published'])} s**" for r in results)
                 + f" | {growth([r['published'] for r in results], sizes)} |")
    lines.append("| **build total with kept answers** (read..answers) | " + " | ".join(f"**{fmt(r['total'])} s**" for r in results)
                 + f" | {growth([r['total'] for r in results], sizes)} |")
    lines.append("| inferred triples | " + " | ".join(f"{r['triples_inferred']:,}" for r in results) + " | |")
    if all("incremental" in r for r in results):
        lines.append("| **incremental: add one article, published** (`build --incremental`) | "
                     + " | ".join(f"**{fmt(r['incremental']['published'])} s**" for r in results)
                     + f" | {growth([r['incremental']['published'] for r in results], sizes)} |")
        if all("command_seconds" in r["incremental"] for r in results):
            lines.append("| incremental, the whole command (`crisiskg build --incremental`, wall clock) | "
                         + " | ".join(f"{fmt(r['incremental']['command_seconds'])} s" for r in results)
                         + f" | {growth([r['incremental']['command_seconds'] for r in results], sizes)} |")
            lines.append("| its kept answers written (background process, from the command's start) | "
                         + " | ".join(f"{fmt(r['incremental']['command_answers_seconds'])} s" for r in results) + " | |")
        if all("push_seconds" in r["incremental"] for r in results):
            lines.append("| incremental: push to the on-disk Oxigraph store (`crisiskg push`, only what changed) | "
                         + " | ".join(f"{fmt(r['incremental']['push_seconds'])} s"
                                      + ("" if r["incremental"]["push_incremental"] else " (full)") for r in results)
                         + f" | {growth([r['incremental']['push_seconds'] for r in results], sizes)} |")
        lines.append("| incremental, with its kept answers | "
                     + " | ".join(f"{fmt(r['incremental']['seconds'])} s / {fmt(r['incremental']['peak_mib'], 0)}" for r in results)
                     + f" | {growth([r['incremental']['seconds'] for r in results], sizes)} |")
        lines += ["", "Incremental build by step (s): " + "; ".join(
            f"{r['label']}: " + ", ".join(f"{k} {v:.2f}" for k, v in r["incremental"]["stages"].items()) for r in results) + "."]
    lines += ["", "## Reasoning and validation engines, each stage alone", "",
              "| | " + " | ".join(r["label"] for r in results) + " | growth |", "|---|" + "---|" * (len(results) + 1)]
    for key, engine, what in (("reason", "rules", "reason: rules (SPARQL fixpoint on pyoxigraph)"), ("reason", "owlrl", "reason: owlrl (oracle)"),
                              ("validate", "fast", "validate: fast (shapes compiled to whole-graph queries on pyoxigraph)"), ("validate", "reference", "validate: reference (plain pyshacl)")):
        vals = [r[key].get(engine, {}).get("seconds") for r in results]
        cells = [f"{fmt(v)} s / {fmt(r[key].get(engine, {}).get('peak_mib'), 0)} MiB" if v is not None else "not run" for v, r in zip(vals, results)]
        lines.append(f"| {what} | " + " | ".join(cells) + f" | {growth([v or float('nan') for v in vals], sizes)} |")
    ratio_r = [f"{r['reason']['owlrl']['seconds'] / r['reason']['rules']['seconds']:.0f}x" if "owlrl" in r["reason"] else "-" for r in results]
    ratio_v = [f"{r['validate']['reference']['seconds'] / r['validate']['fast']['seconds']:.1f}x" if "reference" in r["validate"] else "-" for r in results]
    lines.append("| owlrl / rules | " + " | ".join(ratio_r) + " | |")
    lines.append("| reference / fast | " + " | ".join(ratio_v) + " | |")
    same = all(r["reason"]["owlrl"]["inferred"] == r["reason"]["rules"]["inferred"] for r in results if "owlrl" in r["reason"])
    same_v = all(r["validate"]["reference"]["violations"] == r["validate"]["fast"]["violations"] for r in results if "reference" in r["validate"])
    lines += ["", (f"Same number of useful inferred triples from both engines wherever owlrl ran: {'yes' if same else 'NO'}; "
              f"same number of violations from both validation modes: {'yes' if same_v else 'NO'} (the tests compare the triples "
              f"and violations themselves). Oracles run up to {label(args.oracle_max)} triples.")]

    kinds = list(results[0]["queries"]["latency"][next(iter(results[0]["queries"]["latency"]))])
    lines += ["", "## Saved questions: latency p50 in ms, per store kind", "",
              ("Every saved question with the first parameter value (by IRI) that gives it an answer; median of 15 runs after "
              "2 warm-ups (5 runs for a question over 0.2 s, 1 over 2 s); a question still running after "
              f"{args.question_limit:g} s is stopped. Kinds: "
              "`memory` (pyoxigraph in memory), `oxigraph` (on disk, read-only), `sparql` (a real `oxigraph serve "
              "--union-default-graph` on loopback, filled over the Graph Store Protocol), each as a user asks: a call the "
              "build kept the answer to (a question asked without values, or with an enum choice) is answered from it "
              "(`crisiskg/query/answers.py`); `memory evaluated` is the memory store with kept answers off, so every ask is "
              "evaluated."), "",
              "| question | " + " | ".join(f"{r['label']} {k}" for r in results for k in kinds) + " | growth (memory) |",
              "|---|" + "---|" * (len(results) * len(kinds) + 1)]
    worst: dict[str, float] = {}
    questions = sorted({q for r in results for q in [*r["queries"]["latency"], *r["queries"]["timeouts"]]})
    for qid in questions:
        cells = []
        for r in results:
            for k in kinds:
                v = r["queries"]["latency"].get(qid, {}).get(k, {}).get("p50_ms")
                timed_out = qid in r["queries"]["timeouts"]
                cells.append(f"> {args.question_limit:g} s" if timed_out else fmt(v))
                if r is results[-1]:
                    worst[f"{qid} ({k})"] = args.question_limit * 1000 if timed_out else (v or 0.0)
        g = growth([r["queries"]["latency"].get(qid, {}).get("memory", {}).get("p50_ms", float("nan")) for r in results], sizes)
        lines.append(f"| {qid} | " + " | ".join(cells) + f" | {g} |")
    lines.append("| *store open (s)* | " + " | ".join(fmt(r["queries"]["open_seconds"].get(k)) for r in results for k in kinds) + " | |")
    lines += ["", "Rows returned at the largest size: " + ", ".join(f"{q} {v.get('memory')}" for q, v in sorted(results[-1]["queries"]["rows"].items())) + "."]

    lines += ["", "## HTTP: throughput (req/s) and latency p50 / p99 (ms), wrk on loopback", ""]
    have_http = [r for r in results if "http" in r]
    if not have_http:
        lines.append("Not measured in this run (wrk missing or --no-http).")
    else:
        r0 = have_http[0]["http"]
        qids = list(r0["queries"])
        lines.append(f"Saved questions {', '.join(f'`{q}`' for q in qids)}, {r0['seconds']} s per cell. `crisiskg serve` is the "
                     "project's server (Flask under waitress, queries in worker processes, responses cached per build "
                     "version) answering the saved question and the same SPARQL at /sparql; `oxigraph serve-read-only "
                     "--union-default-graph` answers the same SPARQL (parameters bound) from an on-disk store of the "
                     "published N-Quads. Same machine for client and servers; cells are req/s (p50 / p99 ms).")
        lines += ["", "| size | question | server | c=1 | c=8 | c=32 | ratio to oxigraph at c=1 / 8 / 32 |", "|---|---|---|---|---|---|---|"]
        for r in have_http:
            for qid, h in r["http"]["queries"].items():
                base = h["oxigraph serve"]
                for name in ("crisiskg serve: saved question", "crisiskg serve: /sparql", "oxigraph serve"):
                    cells = [f"{fmt(h[name][c]['rps'], 0)} ({fmt(h[name][c]['p50_ms'])} / {fmt(h[name][c]['p99_ms'])})"
                             + (f" {h[name][c]['errors']} errors" if h[name][c]["errors"] else "") for c in ("1", "8", "32")]
                    ratios = " / ".join(ratio(h[name][c]["rps"], base[c]["rps"]) for c in ("1", "8", "32"))
                    lines.append(f"| {r['label']} | {qid} | {name} | " + " | ".join(cells) + f" | {ratios} |")
        if all("served" in r["http"] for r in have_http):
            lines += ["", "### Every saved question over HTTP (ms)", "",
                      ("`crisiskg serve` on the memory store, one client: the first ask (from the build's kept answer, or evaluated in a worker process, "
                       "then kept in the response cache) and the median of the next 10 asks (answered from the cache), with "
                       "the same parameter values as the latency table above."), "",
                      "| question | " + " | ".join(f"{r['label']} first | {r['label']} repeated" for r in have_http) + " |",
                      "|---|" + "---|---|" * len(have_http)]
            for qid in sorted({q for r in have_http for q in r["http"]["served"]}):
                cells = [f"{fmt(r['http']['served'].get(qid, {}).get('first_ms'))} | {fmt(r['http']['served'].get(qid, {}).get('repeat_p50_ms'))}" for r in have_http]
                lines.append(f"| {qid} | " + " | ".join(cells) + " |")
    lines += ["", "## Targets (issue 8)", ""]
    big = results[-1]
    lines.append(f"- Full build of {big['label']} (read, load, reason, validate, publish): **{fmt(big['published'])} s**, "
                 f"{fmt(big['total'])} s with its kept answers; target under 60 s: "
                 + ("met." if big["total"] < 60 and big["size"] >= 1_000_000 else "not met (or not measured at 1M); see the stage table for where the time goes."))
    slow = {k: v for k, v in worst.items() if v >= 50 and "evaluated" not in k}
    evaluated = {k: v for k, v in worst.items() if v >= 50 and "evaluated" in k}
    lines.append(f"- Every saved question under 50 ms p50 at {big['label']}, as asked (kept answers used): "
                 + ("met on every store kind." if not slow else "not met for " + ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(slow.items())) + "."))
    lines.append(f"- The same asks evaluated (kept answers off, memory): {len(evaluated)} of {len(questions)} over 50 ms"
                 + (": " + ", ".join(f"{k.split(' (')[0]} {v:.0f} ms" for k, v in sorted(evaluated.items())) if evaluated else "") + ".")
    if have_http:
        hq = have_http[-1]["http"]["queries"]
        sq = [share(h["crisiskg serve: saved question"][c]["rps"], h["oxigraph serve"][c]["rps"]) for h in hq.values() for c in ("1", "8", "32")]
        ad = [share(h["crisiskg serve: /sparql"][c]["rps"], h["oxigraph serve"][c]["rps"]) for h in hq.values() for c in ("1", "8", "32")]
        lines.append(f"- Saved questions over HTTP at least oxigraph serve's throughput at {have_http[-1]['label']}: lowest ratio {min(sq):.2f} "
                     + ("(met)." if min(sq) >= 1 else "(not met)."))
        lines.append(f"- Ad-hoc SPARQL at least half: lowest ratio {min(ad):.2f} " + ("(met)." if min(ad) >= 0.5 else "(not met)."))
        served = have_http[-1]["http"].get("served", {})
        if served:
            slow_served = {q: v["repeat_p50_ms"] for q, v in served.items() if not v["repeat_p50_ms"] < 50}
            lines.append(f"- Every saved question under 50 ms p50 over HTTP at {have_http[-1]['label']} (repeated asks, from the cache): "
                         + ("met." if not slow_served else "not met for " + ", ".join(f"{q} {v:.0f} ms" for q, v in sorted(slow_served.items())) + "."))
    if "incremental" in big:
        inc = big["incremental"]["published"]
        lines.append(f"- Adding one article to {big['label']} under 1 s: published in **{fmt(inc)} s** "
                     + ("(met)" if inc < 1 and big["size"] >= 1_000_000 else "(not met at 1M; see the incremental row)")
                     + f"; its kept answers are written {fmt(big['incremental']['seconds'] - inc)} s later (until then its "
                       "questions are evaluated when asked)."
                     + (f" The whole command `crisiskg build --incremental` returns after {fmt(big['incremental']['command_seconds'])} s "
                        f"({'under' if big['incremental']['command_seconds'] < 1 else 'over'} 1 s; Python's start-up, imports and exit "
                        f"included; its answers are written in the background, "
                        f"{fmt(big['incremental']['command_answers_seconds'])} s after it started)."
                        if "command_seconds" in big["incremental"] else "")
                     + (f" Pushing it to the on-disk store takes {fmt(big['incremental']['push_seconds'])} s"
                        + (" (only what changed)." if big["incremental"]["push_incremental"] else " (a full push).")
                        if "push_seconds" in big["incremental"] else "")
                     + (f" Note: {big['incremental']['note']}." if not big["incremental"]["note"].startswith("incremental") else ""))
    else:
        lines.append("- Adding one article under 1 s: not measured in this run.")
    return "\n".join(lines) + "\n"


def write_report(path: Path, text: str) -> None:
    """Write the generated report (``text``), keeping every section (``## `` heading) of the file it
    replaces that ``text`` does not write: the sections written by hand after earlier runs, in their
    order, after the generated ones. A generated section replaces its old self whole, notes added
    under it by hand included."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    written = {line for line in text.splitlines() if line.startswith("## ")}
    kept = []
    for part in old.split("\n## ")[1:]:
        head = "## " + part.split("\n", 1)[0]
        if head not in written:
            kept.append("## " + part.rstrip() + "\n")
    path.write_text(text + "".join("\n" + k for k in kept), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k,1M", help="asserted triples, comma-separated (10k,100k,1M)")
    ap.add_argument("--repeat", type=int, default=3, help="builds per size below 1M (median)")
    ap.add_argument("--repeat-1m", type=int, default=1, help="builds at 1M and above")
    ap.add_argument("--oracle-max", type=parse_size, default=parse_size("100k"), help="largest size to run owlrl and plain pyshacl on")
    ap.add_argument("--http-seconds", type=int, default=8)
    ap.add_argument("--question-limit", type=float, default=120, help="seconds after which a saved question is stopped")
    ap.add_argument("--http-query", default="events-in-country,timeline",
                    help="saved questions for the side-by-side HTTP table, comma-separated (a cheap one and an expensive one)")
    ap.add_argument("--no-http", dest="http", action="store_false")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "crisiskg-bench")
    ap.add_argument("--out", type=Path, default=HERE / "README.md")
    ap.add_argument("--json", type=Path, default=HERE / "results.json")
    ap.add_argument("--report-only", action="store_true", help="rewrite the README from --json without measuring")
    ap.add_argument("--http-only", action="store_true",
                    help="measure the HTTP section again on the builds the last run left in --work (same corpora and "
                         "parameter values), keep the rest of --json, and rewrite the README")
    args = ap.parse_args(argv)
    if args.http_only:
        done = json.loads(args.json.read_text())
        args.sizes = ",".join(r["label"] for r in done)
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        for r in done:
            print(f"[{r['label']}] http", file=sys.stderr, flush=True)
            r["http"] = http_bench(args.work / f"build-{r['label']}", args.work / f"oxigraph-{r['label']}",
                                   args.http_query.split(","), r["queries"]["values"], args.http_seconds)
            r["http"]["measured"] = when
            args.json.write_text(json.dumps(done, indent=1))
        write_report(args.out, report(done, args, f"(see results.json; HTTP section measured again on {when})", float("nan")))
        return
    if args.report_only:
        done = json.loads(args.json.read_text())
        args.sizes = ",".join(r["label"] for r in done)
        measured = next((r["http"]["measured"] for r in done if r.get("http", {}).get("measured")), None)
        note = f"(see results.json; HTTP section measured again on {measured})" if measured else "(see results.json)"
        write_report(args.out, report(done, args, note, float("nan")))
        return
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.perf_counter()
    results = []
    for size in sizes:
        results.append(one_size(size, args, args.work))
        args.json.write_text(json.dumps(results, indent=1))  # partial results survive an interruption
    write_report(args.out, report(results, args, started, time.perf_counter() - t0))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
