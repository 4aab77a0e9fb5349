"""What the server's shape costs on a cheap evaluated question: ``crisiskg serve`` as it ships, beside
shapes it does not take, and ``oxigraph serve-read-only``, in one run.

    python -m benchmarks.serving_shapes --size 100k --rounds 5 --seconds 4

Shapes (every one with the response cache off, on the build without kept answers):

- ``served``: ``crisiskg serve``: one process, queries in killable worker processes;
- ``threads``: one process evaluating in its request threads (``CRISISKG_EVALUATION=thread``: a
  runaway query cannot be killed);
- ``fronts+workers``: ``--fronts`` processes listening on one port (``SO_REUSEPORT``: the kernel
  spreads the connections), each the same app with ``--front-workers`` killable workers of its own;
- ``fronts+threads``: the same processes evaluating in their request threads (not killable);
- ``granian`` (asked for by name, needs ``pip install granian``): one process, the same app and
  killable workers behind granian's HTTP server, written in Rust, instead of waitress.

The last three are measured here only, to know what another shape would give; each front is the app
and waitress server ``crisiskg serve`` runs (:func:`crisiskg.cli.server.waitress_server`). Every
round measures Oxigraph first, then each shape; each shape's answers to the first values are
compared row by row with Oxigraph's before it is measured. Clients are
:func:`benchmarks.http_eval.drive`'s (two client processes, kept-alive connections, another
parameter value each request). Prints medians, the median of the same-round ratios to Oxigraph, and
the CPU (user and system, from ``/proc``) each answered request cost the shape's processes, workers
included; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.ab_clients import cell
from benchmarks.http_eval import (
    differing,
    drive,
    ensure_build,
    finish,
    one_question_options,
    oxigraph_server,
    question_values,
    targets,
)
from benchmarks.run import Server, free_port, wait_http, wait_workers

SHAPES = ("served", "threads", "fronts+workers", "fronts+threads", "granian")
DEFAULT_SHAPES = SHAPES[:4]  # granian is not a dependency


def granian_app() -> Any:
    """The app ``crisiskg serve`` runs, on the build named by ``CRISISKG_SHAPES_BUILD``: granian's
    factory, called in the process that serves."""
    from crisiskg.service import create_app

    return create_app({"build_dir": Path(os.environ["CRISISKG_SHAPES_BUILD"])})


def front(port: int, build_dir: Path) -> None:
    """One front: the app ``crisiskg serve`` runs, on ``port`` shared with the other fronts."""
    from crisiskg.cli.server import waitress_server
    from crisiskg.service import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    waitress_server(create_app({"build_dir": build_dir}), sock, quiet=True).run()


def start(shape: str, build_dir: Path, fronts: int, front_workers: int) -> tuple[list[Server], int]:
    """The servers of ``shape``, started and ready, and their port; none left running when one
    fails to start or get ready."""
    port = free_port()
    probe = f"http://127.0.0.1:{port}/readyz"
    env = {"CRISISKG_CACHE_BYTES": "0"}
    if shape in ("served", "threads"):
        env |= {"CRISISKG_EVALUATION": "process" if shape == "served" else "thread"}
        commands = [[sys.executable, "-m", "crisiskg", "serve", "--build", str(build_dir), "--port", str(port), "--host", "127.0.0.1",
                     "--quiet"]]
    elif shape == "granian":
        env |= {"CRISISKG_EVALUATION": "process", "CRISISKG_SHAPES_BUILD": str(build_dir)}
        commands = [[sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", "1", "--blocking-threads", "8", "--no-ws",
                     "--log-level", "warning", "--host", "127.0.0.1", "--port", str(port), "--factory",
                     "benchmarks.serving_shapes:granian_app"]]
    else:
        env |= {"CRISISKG_EVALUATION": "process" if shape == "fronts+workers" else "thread",
                "CRISISKG_MAX_RUNNING_QUERIES": str(front_workers)}
        commands = [[sys.executable, "-m", "benchmarks.serving_shapes", "--front", str(port), "--build", str(build_dir)]] * fronts
    servers: list[Server] = []
    try:
        for command in commands:
            servers.append(Server(command, probe, env=env))
        if shape in ("served", "granian"):
            wait_workers(f"http://127.0.0.1:{port}/metrics")
        elif shape.startswith("fronts"):
            time.sleep(3)  # each front's workers open the store (the probe reached one front, not all of them)
            wait_http(probe)
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers, port


def measure(args: argparse.Namespace) -> dict[str, Any]:
    build_dir = ensure_build(args.size, args.work)
    cases = question_values(build_dir, [args.question], args.values, args.seed)[args.question]
    paths = targets(args.question, cases)
    shapes = args.shapes.split(",")
    cells: dict[str, list[dict[str, float]]] = {s: [] for s in ["oxigraph", *shapes]}
    mismatches = 0
    for r in range(args.rounds):
        oxi, oxi_port = oxigraph_server(build_dir, args.work)
        try:
            cells["oxigraph"].append(cell([oxi], oxi_port, paths["oxigraph"], args.clients, args.seconds))
            for shape in shapes:
                servers, port = start(shape, build_dir, args.fronts, args.front_workers)
                try:
                    if r == 0:
                        mismatches += differing(port, paths["saved question"], oxi_port, paths["oxigraph"])
                    drive(port, paths["saved question"], args.clients, 1)  # warm: every front, its workers
                    cells[shape].append(cell(servers, port, paths["saved question"], args.clients, args.seconds))
                finally:
                    for s in servers:
                        s.stop()
        finally:
            oxi.stop()
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]['rps']:,.0f}" for k, v in cells.items()), file=sys.stderr, flush=True)
    return {"size": args.size, "question": args.question, "clients": args.clients, "fronts": args.fronts,
            "front_workers": args.front_workers, "rounds": args.rounds, "seconds": args.seconds, "mismatches": mismatches,
            "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cells": cells}


def report(data: dict[str, Any]) -> str:
    oxi = [c["rps"] for c in data["cells"]["oxigraph"]]
    head = (f"{data['question']}, {data['clients']} clients, {data['rounds']} rounds of {data['seconds']} s, "
            f"{data['fronts']} fronts with {data['front_workers']} workers each; answers differing from Oxigraph's: "
            f"{data['mismatches']}")
    lines = [head, "",
             "| shape | req/s (median, range) | p50 / p99 ms | to oxigraph (median of rounds) | CPU ms a request |",
             "|---|---:|---:|---:|---:|"]
    for shape, cells in data["cells"].items():
        rps = [c["rps"] for c in cells]
        ratios = [a / b for a, b in zip(rps, oxi, strict=True) if b]  # a round where Oxigraph answered nothing has none
        ratio = f"{statistics.median(ratios):.2f}x" if ratios else "n/a (Oxigraph answered nothing)"
        cpus = [c["cpu_ms"] for c in cells if "cpu_ms" in c]
        cpu = f"{statistics.median(cpus):.2f}" if cpus else "n/a"
        lines.append(f"| {shape} | {statistics.median(rps):,.0f} ({min(rps):,.0f}-{max(rps):,.0f}) | "
                     f"{statistics.median(c['p50_ms'] for c in cells):.1f} / {statistics.median(c['p99_ms'] for c in cells):.1f} | "
                     f"{ratio} | {cpu} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serving_shapes", description=__doc__.split("\n\n")[0])
    one_question_options(ap)
    ap.add_argument("--shapes", default=",".join(DEFAULT_SHAPES), help=f"comma-separated, of {', '.join(SHAPES)} (default: all but granian)")
    ap.add_argument("--fronts", type=int, default=2, help="processes sharing the port in the fronts shapes")
    ap.add_argument("--front-workers", type=int, default=1, help="killable workers of each front in fronts+workers")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--front", type=int, default=None, metavar="PORT", help=argparse.SUPPRESS)  # one front process
    ap.add_argument("--build", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.front is not None:
        front(args.front, args.build)
        return
    unknown = set(args.shapes.split(",")) - set(SHAPES)
    if unknown:
        ap.error(f"unknown shape(s) {', '.join(sorted(unknown))}; choose among {', '.join(SHAPES)}")
    if "granian" in args.shapes.split(",") and importlib.util.find_spec("granian") is None:
        ap.error("the granian shape needs granian, which crisiskg does not depend on: pip install granian")
    data = measure(args)
    finish(args, data, report(data))


if __name__ == "__main__":
    main()
