"""Hostile traffic against a real ``crisiskg serve`` on 127.0.0.1 (issue 18), bounded in time and count.

    python -m benchmarks.hostile [--duration 60] [--clients 32] [--build DIR]

It builds the seeds into a temporary folder unless ``--build`` names a published build, starts its
own server on a free loopback port, and measures:

1. ``/healthz`` latency while 200 connections are open (four in five idle, one in five a slow
   client trickling its headers a byte at a time);
2. ``--clients`` clients for ``--duration`` seconds, one request in ten a runaway query (a cross
   product counted inside one engine call), the others cheap: saved questions whose answers the
   build kept; a prober asks ``/healthz`` every 0.1 s meanwhile;
3. the memory cases: the cross-product ORDER BY and 30 nested doubling CONCATs, each on its own,
   with the worker's peak resident memory read from /proc while it runs.

Prints a Markdown summary (the figures for ``benchmarks/README.md``) and writes it as JSON to
``benchmarks/hostile-results.json``. Nothing leaves the loopback interface.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from benchmarks.load import percentile
from benchmarks.run import free_port

ROOT = Path(__file__).resolve().parent.parent
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CROSS_SORT = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
DOUBLING = ("SELECT (STRLEN(?s30) AS ?n) WHERE { BIND(\"ab\" AS ?s0) "
            + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(30)) + " }")
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"  # SELECT and ASK, or a graph


def request(port: int, path: str, timeout: float = 60) -> tuple[int, float]:
    """(status, seconds) of one GET on a new connection; status 0 when it failed."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": ACCEPT})
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.perf_counter() - t0
    except (OSError, http.client.HTTPException):
        return 0, time.perf_counter() - t0
    finally:
        conn.close()


def ms(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1), "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values, default=float("nan")) * 1000, 1)}


def descendants(pid: int) -> set[int]:
    """Every process under ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in found:
                found.add(child)
                todo.append(child)
    return found


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def idle_phase(port: int, connections: int = 200, probes: int = 50) -> dict[str, Any]:
    held: list[socket.socket] = []
    stop = threading.Event()
    for i in range(connections):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 5 == 0:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        held.append(s)

    def trickle() -> None:
        while not stop.wait(0.5):
            for s in held[::5]:
                try:
                    s.sendall(b"a")
                except OSError:
                    pass

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    times, statuses = [], []
    for _ in range(probes):
        status, secs = request(port, "/healthz", timeout=30)
        statuses.append(status)
        times.append(secs)
        time.sleep(0.05)
    stop.set()
    t.join()
    for s in held:
        s.close()
    return {"connections": connections, "healthz": ms(times), "healthz_ok": statuses.count(200), "probes": probes}


def probe(port: int, duration: float, results: Any) -> None:
    """Ask ``/healthz`` every 0.1 s for ``duration`` seconds; put the (status, seconds) list on ``results``."""
    end = time.monotonic() + duration
    got = []
    while time.monotonic() < end:
        got.append(request(port, "/healthz", timeout=30))
        time.sleep(0.1)
    results.put(got)


def load_phase(port: int, clients: int, duration: float, cheap_paths: list[str]) -> dict[str, Any]:
    end = time.monotonic() + duration
    lock = threading.Lock()
    cheap: list[tuple[int, float]] = []
    runaways: list[tuple[int, float]] = []
    runaway_path = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY})

    def client(seed: int) -> None:
        rnd = random.Random(seed)
        while time.monotonic() < end:
            runaway = rnd.random() < 0.1
            got = request(port, runaway_path if runaway else rnd.choice(cheap_paths), timeout=60)
            with lock:
                (runaways if runaway else cheap).append(got)

    ctx = multiprocessing.get_context("spawn")  # the prober in a process of its own: the clients' threads never delay it
    results = ctx.Queue()
    prober = ctx.Process(target=probe, args=(port, duration, results))
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.monotonic()
    prober.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    health = results.get(timeout=120)
    prober.join(30)
    elapsed = time.monotonic() - t0
    statuses: dict[str, int] = {}
    for status, _ in runaways:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {"clients": clients, "seconds": round(elapsed, 1),
            "cheap": {**ms([s for _, s in cheap]), "errors": sum(1 for st, _ in cheap if st != 200),
                      "error_statuses": sorted({str(st) for st, _ in cheap if st != 200})},
            "healthz": {**ms([s for _, s in health]), "errors": sum(1 for st, _ in health if st != 200)},
            "runaways": {"n": len(runaways), "statuses": statuses},
            "requests_per_s": round((len(cheap) + len(runaways) + len(health)) / elapsed, 1)}


def memory_phase(port: int, server_pid: int, query: str) -> dict[str, Any]:
    before = descendants(server_pid)
    base = max((rss(p) for p in before), default=0)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max([peak[0], *(rss(p) for p in descendants(server_pid))])
            time.sleep(0.02)

    w = threading.Thread(target=watch, daemon=True)
    w.start()
    status, secs = request(port, "/sparql?" + urllib.parse.urlencode({"query": query}), timeout=300)
    done.set()
    w.join()
    return {"status": status, "seconds": round(secs, 2), "worker_peak_mib": round(peak[0] / 2**20),
            "largest_before_mib": round(base / 2**20)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the mixed load (default 60)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients of the mixed load (default 32)")
    parser.add_argument("--build", type=Path, default=None, help="a build folder with a published build (default: build the seeds)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "hostile-results.json", help="where the JSON goes")
    args = parser.parse_args(argv)

    from crisiskg.query.answers import calls
    from crisiskg.query.savedqueries import load_queries

    tmp = tempfile.TemporaryDirectory(prefix="crisiskg-hostile-")
    build_dir = args.build
    if build_dir is None:
        build_dir = Path(tmp.name) / "build"
        subprocess.run([sys.executable, "-m", "crisiskg", "build", "--seeds", str(ROOT / "seeds"), "--build", str(build_dir),
                        "--answers", "wait"], check=True, cwd=ROOT, capture_output=True)
    cheap_paths = [f"/queries/{qid}" for qid, q in sorted(load_queries().items()) if list(calls(q)) == [{}]]
    port = free_port()
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    log = open(Path(tmp.name) / "serve.log", "wb")  # noqa: SIM115  # a file, never a pipe nobody reads (a full one hangs the server)
    server = subprocess.Popen([sys.executable, "-m", "crisiskg", "serve", "--quiet", "--host", "127.0.0.1", "--port", str(port),
                               "--build", str(build_dir)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while request(port, "/readyz", timeout=5)[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start: {(Path(tmp.name) / 'serve.log').read_text(errors='replace')}")
            time.sleep(0.2)
        results: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
                                   "cheap_questions": len(cheap_paths)}
        results["idle"] = idle_phase(port)
        results["load"] = load_phase(port, args.clients, args.duration, cheap_paths)
        time.sleep(3)  # the last runaways' workers are killed and replaced
        results["memory"] = {"cross-product ORDER BY": memory_phase(port, server.pid, CROSS_SORT),
                             "30 doubling CONCATs": memory_phase(port, server.pid, DOUBLING)}
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        tmp.cleanup()
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(report(results))
    return results


def report(r: dict[str, Any]) -> str:
    idle, load = r["idle"], r["load"]
    lines = [f"Written by `python -m benchmarks.hostile` on {r['when']} ({r['cores']} cores), default server settings.", "",
             "| case | figure | target |", "|---|---|---|",
             (f"| `/healthz` with {idle['connections']} idle or slow connections open | p50 {idle['healthz']['p50_ms']} ms, "
              f"p99 {idle['healthz']['p99_ms']} ms, {idle['healthz_ok']}/{idle['probes']} answered | < 100 ms |"),
             (f"| {load['clients']} clients, {load['seconds']} s, 10% runaways: cheap questions ({load['cheap']['n']}) | "
              f"{load['cheap']['errors']} errors, p50 {load['cheap']['p50_ms']} ms, p99 {load['cheap']['p99_ms']} ms | 0 errors, p99 < 1 s |"),
             (f"| the same: `/healthz` ({load['healthz']['n']}) | p50 {load['healthz']['p50_ms']} ms, p99 {load['healthz']['p99_ms']} ms, "
              f"{load['healthz']['errors']} errors | p99 < 100 ms |"),
             f"| the same: runaways ({load['runaways']['n']}) | statuses {load['runaways']['statuses']} | every one 503 or 429 |",
             f"| the same: throughput | {load['requests_per_s']} requests/s | |"]
    for name, m in r["memory"].items():
        lines.append(f"| {name} | {m['status']} after {m['seconds']} s, worker peak {m['worker_peak_mib']} MiB | stopped below the cap |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
