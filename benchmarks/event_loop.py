"""waitress's event loop with its own connection class and with the one ``crisiskg serve`` gives it
(``crisiskg.cli.server.tune_channels``), side by side in one run.

    python -m benchmarks.event_loop --build BUILD --rounds 5 --seconds 4 --clients 8

Two servers run at once, each in its own process and otherwise the same: waitress with
``crisiskg serve``'s threads, the crisiskg app on ``BUILD`` with the response cache off (every answer
evaluated by a query worker), no access log. One uses waitress's connection class, the other the
tuned one. Each round drives one, then the other (each round starting with the next), with
``--clients`` client threads over two client processes asking ``actor-events`` with another value
of ``actor`` each request (``benchmarks/http_eval.py``'s clients and values). Per cell: requests a
second, p50 and p99, the event loop's turns per request (each server counts its ``poll2`` calls),
and CPU per request of the server's process and of its query workers (from ``/proc``). Without
``--build`` the app is a stand-in that waits ``--wait`` ms (as a request waits for its worker) and
answers 5 kB. Prints medians over rounds and the medians of the same-round ratios (tuned / waitress's).
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.hostile import descendants
from benchmarks.http_eval import drive, question_values, targets
from benchmarks.run import Server, free_port, wait_workers

VARIANTS = ("waitress", "tuned")
LOOP_PATH = "/__loop"  # the server's count of event-loop turns so far


def serve(variant: str, port: int, build: str | None, wait_ms: float) -> None:
    """Run one server (this process) until it is stopped."""
    from waitress import create_server, wasyncore

    from crisiskg.cli.server import tune_channels

    turns = [0]
    poll2 = wasyncore.poll2

    def counted(*args: Any, **kwargs: Any) -> Any:
        turns[0] += 1
        return poll2(*args, **kwargs)

    wasyncore.poll2 = counted  # wasyncore.loop looks it up at each call
    if build:
        from crisiskg.service import create_app

        app: Any = create_app({"build_dir": build, "cache_bytes": 0})
        st = app.extensions["crisiskg"]
        threads = st.settings.max_running_queries + st.settings.max_queued_queries + 8
    else:
        body = b"x" * 5000
        threads = 76

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            time.sleep(wait_ms / 1000)
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]

    def front(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == LOOP_PATH:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(turns[0]).encode()]
        return app(environ, start_response)

    server = create_server(front, host="127.0.0.1", port=port, threads=threads, ident="crisiskg", asyncore_use_poll=True)
    if variant == "tuned":
        tune_channels(server)
    server.run()


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user and system) of ``pid`` and of every process under it."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(p: int) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    return of(pid), sum(of(p) for p in descendants(pid))


def loop_turns(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{LOOP_PATH}", timeout=30) as resp:
        return int(resp.read())


def start(variant: str, build: Path | None, wait_ms: float) -> tuple[Server, int]:
    port = free_port()
    args = [sys.executable, "-m", "benchmarks.event_loop", "--serve", variant, "--port", str(port), "--wait", str(wait_ms)]
    if build is not None:
        args += ["--build", str(build)]
    server = Server(args, f"http://127.0.0.1:{port}{'/readyz' if build else '/'}")
    if build is not None:
        wait_workers(f"http://127.0.0.1:{port}/metrics")
    return server, port


def cell(server: Server, port: int, paths: list[str], clients: int, seconds: float) -> dict[str, float]:
    turns, (main, workers) = loop_turns(port), cpu_seconds(server.proc.pid)
    got = drive(port, paths, clients, seconds)
    turns_after, (main_after, workers_after) = loop_turns(port), cpu_seconds(server.proc.pid)
    n = max(1, got["requests"])
    return {**got, "turns_per_request": round((turns_after - turns - 1) / n, 2),
            "server_cpu_ms": round((main_after - main) / n * 1000, 3), "worker_cpu_ms": round((workers_after - workers) / n * 1000, 3)}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    if args.build is not None:
        cases = question_values(args.build, ["actor-events"], 200, 7)["actor-events"]
        paths = targets("actor-events", cases)["saved question"]
    else:
        paths = ["/"]
    servers = {v: start(v, args.build, args.wait) for v in VARIANTS}
    cells: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    try:
        for v, (server, port) in servers.items():  # one untimed cell each: caches and workers warm
            cell(server, port, paths, args.clients, 1)
        for r in range(args.rounds):
            order = VARIANTS[r % 2:] + VARIANTS[:r % 2]
            for v in order:
                server, port = servers[v]
                cells[v].append(cell(server, port, paths, args.clients, args.seconds))
                print(f"round {r + 1} {v}: {cells[v][-1]}", file=sys.stderr)
    finally:
        for server, _ in servers.values():
            server.stop()
    return {"cells": cells, "clients": args.clients, "seconds": args.seconds, "build": str(args.build) if args.build else None,
            "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": os.getloadavg()}


def report(data: dict[str, Any]) -> str:
    keys = ("rps", "p50_ms", "p99_ms", "turns_per_request", "server_cpu_ms", "worker_cpu_ms")
    cells = data["cells"]
    lines = ["| connection class | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
    for v in VARIANTS:
        lines.append(f"| {v} | " + " | ".join(f"{statistics.median(c[k] for c in cells[v]):g}" for k in keys) + " |")
    pairs = list(zip(cells["tuned"], cells["waitress"], strict=True))
    ratios = [[t[k] / w[k] for t, w in pairs if w[k]] for k in keys]
    lines.append("| tuned / waitress's (same round) | " + " | ".join(f"{statistics.median(r):.2f}" if r else "-" for r in ratios) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=None, help="the build folder to serve (default: a stand-in app)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of both servers (default 5)")
    ap.add_argument("--seconds", type=float, default=4, help="seconds per cell (default 4)")
    ap.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    ap.add_argument("--wait", type=float, default=1.0, help="ms the stand-in app waits per request (default 1)")
    ap.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, str(args.build) if args.build else None, args.wait)
        return
    data = measure(args)
    print(report(data))


if __name__ == "__main__":
    main()
