"""Load test of ``crisiskg serve`` (issue 7): one command, a real server on 127.0.0.1.

    python -m benchmarks.load --seconds 60

Builds the seeds first if ``--build`` has no published build, starts ``crisiskg serve`` there (its
default settings: 4 query worker processes, a 10 s limit; the response cache off unless ``--cache``,
so that every request is evaluated), then for each concurrency (1, 8 and 32 by default) runs
``--seconds`` of client threads, each on one kept-alive ``http.client`` connection, drawing
requests from a fixed mix:

=============  =============================================================================
class          requests
=============  =============================================================================
``saved``      every saved question with its defaults, JSON or CSV (Turtle or N-Triples for a graph)
``sparql``     ad-hoc SELECT / ASK / CONSTRUCT on /sparql, by GET, form POST and direct POST
``entity``     linked-data pages of actors (``/id/...``) as Turtle (read from the build)
``runaway``    a COUNT over a triple cross product with ``timeout=2``: one client sends one
               every few seconds, beside the others; the answer must be 503
=============  =============================================================================

Reports per concurrency and class: requests, throughput, p50 / p95 / p99 latency and errors (a
status other than 200, or 503 for a runaway, or no answer). Non-runaway requests must see no
error: the command exits 1 otherwise. Writes ``benchmarks/load-results.json`` and prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.run import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLASSES = ("saved", "sparql", "entity", "runaway")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_TIMEOUT = 2.0
RUNAWAY_EVERY = 5.0  # seconds between runaways (one at a time)
ADHOC = [
    "SELECT ?e ?label WHERE { ?e a ckg:Actor ; rdfs:label ?label } ORDER BY ?label LIMIT 20",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 10",
    "ASK { ?s a ckg:Article }",
    "CONSTRUCT { ?a dct:title ?t } WHERE { ?a a ckg:Article ; dct:title ?t }",
    "SELECT ?event ?date WHERE { ?event sem:hasTimeStamp ?date } ORDER BY ?date LIMIT 50",
]


@dataclass(frozen=True)
class Request:
    """One request of the mix: its class, method, path, body and headers."""

    cls: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


# ------------------------------------------------------------------------------ report helpers


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``values`` by linear interpolation; NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def is_error(cls: str, status: int | None) -> bool:
    """Whether an answer is an error: anything but 200 (a runaway: anything but 503), or none."""
    return status != (503 if cls == "runaway" else 200)


def summarise(records: list[tuple[str, int | None, float]], seconds: float) -> dict[str, dict[str, Any]]:
    """Per class (and ``all`` but runaways): requests, req/s, p50/p95/p99 ms, errors, statuses."""
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[tuple[str, int | None, float]]] = {c: [] for c in CLASSES}
    for rec in records:
        groups.setdefault(rec[0], []).append(rec)
    groups["all but runaway"] = [r for r in records if r[0] != "runaway"]
    for name, recs in groups.items():
        if not recs:
            continue
        latencies = [r[2] * 1000 for r in recs]
        statuses: dict[str, int] = {}
        for _, status, _ in recs:
            key = str(status) if status is not None else "none"
            statuses[key] = statuses.get(key, 0) + 1
        out[name] = {"requests": len(recs), "rps": len(recs) / seconds if seconds > 0 else math.nan,
                     "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
                     "p99_ms": percentile(latencies, 99),
                     "errors": sum(1 for cls, status, _ in recs if is_error(cls, status)), "statuses": statuses}
    return out


def table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """A Markdown table: one row per concurrency and class."""
    lines = ["| concurrency | class | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    order = [*CLASSES, "all but runaway"]
    for conc, classes in results.items():
        for name in sorted(classes, key=order.index):
            s = classes[name]
            lines.append(f"| {conc} | {name} | {s['requests']} | {s['rps']:.1f} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | "
                         f"{s['p99_ms']:.1f} | {s['errors']} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the mix


def mix(questions: list[tuple[str, str]], entity_paths: list[str]) -> list[Request]:
    """The non-runaway requests, each equally likely: ``questions`` as (id, kind), entity pages by path."""
    out: list[Request] = []
    for i, (qid, kind) in enumerate(questions):
        fmt = ("nt", "ttl")[i % 2] if kind == "graph" else ("json", "csv")[i % 2]
        out.append(Request("saved", "GET", f"/queries/{qid}?_format={fmt}"))
    for i, query in enumerate(ADHOC):
        quoted = urllib.parse.urlencode({"query": query})
        accept = (("Accept", "text/turtle" if query.startswith("CONSTRUCT") else "application/sparql-results+json"),)
        out.append(Request("sparql", "GET", f"/sparql?{quoted}", headers=accept))
        out.append(Request("sparql", "POST", "/sparql", quoted.encode("utf-8"),
                           (("Content-Type", "application/x-www-form-urlencoded"), *accept)))
        out.append(Request("sparql", "POST", "/sparql", query.encode("utf-8"), (("Content-Type", "application/sparql-query"), *accept)))
    for path in entity_paths:
        out.append(Request("entity", "GET", path, headers=(("Accept", "text/turtle"),)))
    return out


def runaway_request() -> Request:
    return Request("runaway", "GET", "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY, "timeout": RUNAWAY_TIMEOUT}))


class Client:
    """One kept-alive connection; reconnects after an error."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn: http.client.HTTPConnection | None = None

    def send(self, req: Request) -> tuple[int | None, float]:
        started = time.perf_counter()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(req.method, req.path, body=req.body, headers=dict(req.headers))
                resp = self.conn.getresponse()
                resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt:
                    return None, time.perf_counter() - started
        return None, time.perf_counter() - started

    def get_json(self, path: str) -> Any:
        self.conn = self.conn or http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.conn.request("GET", path, headers={"Accept": "application/json"})
        return json.loads(self.conn.getresponse().read())


def run_level(host: str, port: int, requests: list[Request], *, concurrency: int, seconds: float,
              seed: int) -> list[tuple[str, int | None, float]]:
    """``concurrency`` clients drawing from ``requests`` for ``seconds``, and one runaway client."""
    records: list[tuple[str, int | None, float]] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        c = Client(host, port)
        mine = []
        while time.monotonic() < stop:
            req = rng.choice(requests)
            status, elapsed = c.send(req)
            mine.append((req.cls, status, elapsed))
        with lock:
            records.extend(mine)

    def runaways() -> None:
        c = Client(host, port)
        mine = []
        while time.monotonic() + RUNAWAY_TIMEOUT < stop:
            status, elapsed = c.send(runaway_request())
            mine.append(("runaway", status, elapsed))
            time.sleep(max(0.0, RUNAWAY_EVERY - elapsed))
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)] + [threading.Thread(target=runaways)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return records


# ------------------------------------------------------------------------------ the server


def ensure_build(build_dir: Path) -> None:
    if not (build_dir / "current").exists():
        print(f"no published build in {build_dir}: running crisiskg build", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "crisiskg", "build", "--build", str(build_dir)], cwd=ROOT, check=True)


def wait_ready(client: Client, workers: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.conn = None
            c = http.client.HTTPConnection(client.host, client.port, timeout=5)
            c.request("GET", "/metrics")
            text = c.getresponse().read().decode("utf-8")
            c.close()
            m = re.search(r"^crisiskg_query_workers (\S+)$", text, re.MULTILINE)
            if m and float(m.group(1)) >= workers:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("crisiskg serve did not become ready")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="seconds per concurrency level (default 60)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts (default 1,8,32)")
    parser.add_argument("--build", type=Path, default=ROOT / "build", help="build folder (built from seeds/ if empty)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads of the server (default 8)")
    parser.add_argument("--out", type=Path, default=HERE / "load-results.json")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", action="store_true", help="keep the server's response cache on (default: off, every request evaluated)")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    ensure_build(args.build)
    port = free_port()
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    if not args.cache:
        env["CRISISKG_CACHE_BYTES"] = "0"
    log = tempfile.NamedTemporaryFile(prefix="crisiskg-load-", suffix=".log", delete=False)  # noqa: SIM115  # closed in finally
    server = subprocess.Popen([sys.executable, "-m", "crisiskg", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--build", str(args.build), "--threads", str(args.threads)], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        probe = Client("127.0.0.1", port)
        wait_ready(probe, int(env.get("CRISISKG_MAX_RUNNING_QUERIES", "4")))
        questions = [(q["id"], q["kind"]) for q in probe.get_json("/queries")["queries"]]
        keys_query = urllib.parse.urlencode({"query": "SELECT DISTINCT ?e WHERE { ?e a ckg:Actor } ORDER BY ?e LIMIT 12"})
        probe.conn = None
        bindings = probe.get_json(f"/sparql?{keys_query}")["results"]["bindings"]
        paths = [urllib.parse.urlsplit(b["e"]["value"]).path.removeprefix("/crisiskg") for b in bindings]
        requests = mix(questions, paths)
        results: dict[str, dict[str, dict[str, Any]]] = {}
        for n in levels:
            print(f"concurrency {n}: {args.seconds:g} s ...", file=sys.stderr)
            records = run_level("127.0.0.1", port, requests, concurrency=n, seconds=args.seconds, seed=args.seed + n)
            results[str(n)] = summarise(records, args.seconds)
        probe.conn = None
        metrics = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        metrics.request("GET", "/metrics")
        text = metrics.getresponse().read().decode("utf-8")
        killed = re.search(r"^crisiskg_query_workers_killed_total (\S+)$", text, re.MULTILINE)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    report = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "seconds": args.seconds,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "server": {"threads": args.threads, "response_cache": args.cache, "query_workers": int(env.get("CRISISKG_MAX_RUNNING_QUERIES", "4")),
                         "workers_killed": float(killed.group(1)) if killed else None},
              "mix": {"saved": len(questions), "sparql": 3 * len(ADHOC), "entity": len(paths),
                      "runaway": f"one at a time, every {RUNAWAY_EVERY:g} s, timeout={RUNAWAY_TIMEOUT:g}"},
              "results": results}
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    bad = {n: r["all but runaway"]["errors"] for n, r in results.items() if r.get("all but runaway", {}).get("errors")}
    if bad:
        print(f"non-runaway errors at concurrency {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
