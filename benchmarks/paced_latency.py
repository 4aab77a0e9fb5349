"""Latency of a selective evaluated question at a fixed offered load, ``crisiskg serve`` beside
``oxigraph serve-read-only``, in one run.

    python -m benchmarks.paced_latency --size 100k --rates 100,200,400,800 --rounds 3 --seconds 5

:mod:`benchmarks.http_eval` measures with clients that send their next request as soon as they
have an answer: 8 of them keep both servers busy, and its p99 is mostly the queue. Here the same
clients (two processes, kept-alive connections, another parameter value each request) send on a
schedule, ``--rate`` requests a second in all, each timed from when it was due (a late answer
also counts the wait of the requests behind it), so the p50 and p99 are what a user sees at that
load. The response cache is off, on the build without kept answers; answers are checked row by
row against Oxigraph's first. Each round measures every rate on both servers, which take turns
going first. Prints medians of the rounds; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

from benchmarks.http_eval import (
    crisiskg_server,
    differing,
    drive,
    ensure_build,
    finish,
    one_question_options,
    oxigraph_server,
    question_values,
    targets,
)

SERVERS = ("oxigraph", "crisiskg")


def measure(args: argparse.Namespace) -> dict[str, Any]:
    build_dir = ensure_build(args.size, args.work)
    cases = question_values(build_dir, [args.question], args.values, args.seed)[args.question]
    paths = targets(args.question, cases)
    own = {"oxigraph": paths["oxigraph"], "crisiskg": paths["saved question"]}
    rates: list[float] = args.rates
    servers = {"oxigraph": oxigraph_server(build_dir, args.work), "crisiskg": crisiskg_server(build_dir, cache=False)}
    cells: dict[str, dict[str, list[dict[str, float]]]] = {name: {str(r): [] for r in rates} for name in SERVERS}
    try:
        port = {name: p for name, (_, p) in servers.items()}
        mismatches = differing(port["crisiskg"], own["crisiskg"], port["oxigraph"], own["oxigraph"])
        for name in SERVERS:  # warm: workers, the engine's pages
            drive(port[name], own[name], args.clients, 1)
        for r in range(args.rounds):
            order = SERVERS if r % 2 == 0 else SERVERS[::-1]
            for rate in rates:
                for name in order:
                    cells[name][str(rate)].append(drive(port[name], own[name], args.clients, args.seconds, rate=rate))
            print(f"round {r + 1}: " + ", ".join(f"{n} {c}: p99 {v[-1]['p99_ms']} ms" for n in SERVERS for c, v in cells[n].items()),
                  file=sys.stderr, flush=True)
    finally:
        for server, _ in servers.values():
            server.stop()
    return {"size": args.size, "question": args.question, "clients": args.clients, "rounds": args.rounds, "seconds": args.seconds,
            "rates": rates, "mismatches": mismatches, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load": os.getloadavg(), "cells": cells}


def report(data: dict[str, Any]) -> str:
    head = (f"{data['question']}, {data['clients']} clients on a schedule, {data['rounds']} rounds of {data['seconds']} s; "
            f"answers differing from Oxigraph's: {data['mismatches']}")
    lines = [head, "",
             "| offered req/s | oxigraph: answered req/s | p50 / p99 ms | crisiskg: answered req/s | p50 / p99 ms | errors (both) |",
             "|---:|---:|---:|---:|---:|---:|"]
    for rate in data["rates"]:
        row = [f"{rate:,.0f}"]
        errors = 0
        for name in SERVERS:
            got = data["cells"][name][str(rate)]
            row += [f"{statistics.median(c['rps'] for c in got):,.0f}",
                    f"{statistics.median(c['p50_ms'] for c in got):.1f} / {statistics.median(c['p99_ms'] for c in got):.1f}"]
            errors += sum(int(c["errors"]) for c in got)
        lines.append("| " + " | ".join([*row, str(errors)]) + " |")
    return "\n".join(lines)


def rates(text: str) -> list[float]:
    """``--rates``: requests a second, comma-separated, each above 0."""
    try:
        got = [float(r) for r in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write requests a second, comma-separated (e.g. 100,200,400)") from None
    if min(got) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: rates must be above 0")
    return got


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.paced_latency", description=__doc__.split("\n\n")[0])
    one_question_options(ap)
    ap.add_argument("--rates", type=rates, default="100,200,400,800", help="offered loads, requests a second in all, comma-separated")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5)
    args = ap.parse_args(argv)
    if args.clients < 1:
        ap.error("--clients must be at least 1")
    data = measure(args)
    finish(args, data, report(data))


if __name__ == "__main__":
    main()
