"""Many clients at once: ``crisiskg serve`` from this code and from the code before a change, beside
``oxigraph serve-read-only`` on the same data, in one run.

    python -m benchmarks.ab_clients --build BUILD --before OLD --clients 8,32 --rounds 5 --seconds 3

Three servers run at once, each idle while another is measured: ``crisiskg serve`` (response cache
off, every answer evaluated) from this code and from the package folder ``OLD`` (see
``benchmarks/server_cost.py``), and Oxigraph on the build's ``dataset.nq``. Each round drives every
cell (server, route, clients) for ``--seconds``, each round starting at the next cell, with
``benchmarks/http_eval.py``'s clients (two client processes, another parameter value each request):
the saved question and its text at ``/sparql`` (Oxigraph: at ``/query``). Per cell: requests a
second, p50 and p99, and CPU a request of the server and every process under it (its query
workers) from ``/proc``. Prints medians over rounds and the medians of the same-round ratios: this
code to the code before, and to Oxigraph. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.event_loop import cpu_seconds
from benchmarks.http_eval import crisiskg_server, drive, oxigraph_server, question_values, targets
from benchmarks.server_cost import crisiskg_before


def cell(servers: list[Any], port: int, paths: list[str], clients: int, seconds: float) -> dict[str, float]:
    """:func:`drive`'s figures, and the CPU (user and system) each answered request cost every
    process of ``servers`` (those listening on ``port``) and every process under them, in ms."""

    def used() -> float:
        return sum(sum(cpu_seconds(s.proc.pid)) for s in servers)

    before = used()
    got = drive(port, paths, clients, seconds)
    return {**got, "cpu_ms": round((used() - before) / max(1, got["requests"]) * 1000, 3)}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    cases = question_values(args.build, [args.question], args.values, 7)[args.question]
    paths = targets(args.question, cases)
    work = Path(os.environ.get("TMPDIR", "/tmp")) / "crisiskg-bench"
    work.mkdir(parents=True, exist_ok=True)
    servers = {"now": crisiskg_server(args.build, cache=False), "before": crisiskg_before(args.build, args.before),
               "oxigraph": oxigraph_server(args.build, work)}
    cells = [(name, route, c) for c in args.clients for route in ("saved question", "/sparql") for name in servers]
    results: dict[str, list[dict[str, float]]] = {}
    try:
        for name, route, c in cells:  # warm: caches, workers, the engine's pages
            server, port = servers[name]
            drive(port, paths["oxigraph" if name == "oxigraph" else route], c, 1)
        for r in range(args.rounds):
            for name, route, c in cells[r % len(cells):] + cells[:r % len(cells)]:
                server, port = servers[name]
                got = cell([server], port, paths["oxigraph" if name == "oxigraph" else route], c, args.seconds)
                results.setdefault(f"{name}|{route}|{c}", []).append(got)
                print(f"round {r + 1} {name} {route} c={c}: {got}", file=sys.stderr)
    finally:
        for server, _ in servers.values():
            server.stop()
    return {"results": results, "clients": args.clients, "question": args.question, "rounds": args.rounds,
            "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": os.getloadavg()}


def report(data: dict[str, Any]) -> str:
    res = data["results"]
    lines = ["| route | clients | server | req/s | p50 / p99 ms | CPU ms a request | to before | to oxigraph |",
             "|---|---:|---|---:|---:|---:|---:|---:|"]

    def med(cells: list[dict[str, float]], key: str) -> float:
        return statistics.median(c[key] for c in cells)

    def same_round(a: list[dict[str, float]], b: list[dict[str, float]]) -> str:
        return f"{statistics.median(x['rps'] / y['rps'] for x, y in zip(a, b, strict=True) if y['rps']):.2f}x"

    for route in ("saved question", "/sparql"):
        for c in data["clients"]:
            ox = res[f"oxigraph|{route}|{c}"]
            for name in ("now", "before", "oxigraph"):
                cells = res[f"{name}|{route}|{c}"]
                to_before = same_round(cells, res[f"before|{route}|{c}"]) if name == "now" else ""
                lines.append(f"| {route} | {c} | {name} | {med(cells, 'rps'):,.0f} | {med(cells, 'p50_ms'):.1f} / {med(cells, 'p99_ms'):.1f} "
                             f"| {med(cells, 'cpu_ms'):.2f} | {to_before} | {same_round(cells, ox)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ab_clients", description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, required=True, help="a build folder with a published build (no kept answers: --answers no)")
    ap.add_argument("--before", type=Path, required=True, help="a package folder holding the code to compare with")
    ap.add_argument("--question", default="actor-events", help="a saved question with an IRI or date parameter")
    ap.add_argument("--values", type=int, default=200, help="parameter values, cycled through")
    ap.add_argument("--clients", type=lambda s: [int(c) for c in s.split(",")], default=[8, 32], help="comma-separated client counts")
    ap.add_argument("--rounds", type=int, default=5, help="rounds (median)")
    ap.add_argument("--seconds", type=float, default=3, help="seconds per cell")
    args = ap.parse_args(argv)
    print(report(measure(args)))


if __name__ == "__main__":
    main()
