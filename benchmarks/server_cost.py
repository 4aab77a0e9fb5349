"""The server's fixed cost per request: one client asking one request at a time, ``crisiskg serve``
beside ``oxigraph serve-read-only`` on the same data, in one run.

    python -m benchmarks.server_cost --build BUILD --question actor-events

``crisiskg serve`` runs as it would in production (worker processes, access log on) with its
response cache off (``CRISISKG_CACHE_BYTES=0``), so every answer is evaluated. One kept-alive
connection per server; each round asks every target ``--per`` requests in turn (interleaved, each
round starting at the next target, so a busy moment of the machine falls on all of them), each
request with another parameter value from the build's valid ones. The targets: the saved question
(``/queries/ID``), the same text at crisiskg's ``/sparql`` and at Oxigraph's ``/query``, and
``ASK {}`` at both endpoints: an answer the engine gives at once, so what that costs is nearly all
the server's own; and waitress alone (a WSGI app answering at once, ``crisiskg serve``'s threads). With
``--before PATH`` a second crisiskg server runs from the package folder PATH (``PATH/crisiskg``, put
first on its ``sys.path`` and its query workers'), so a change is measured against the code before it in the same run.
Prints the median over rounds of the mean time per request (tails included), the median request,
and the medians of the same-round ratios (of the means) to Oxigraph and (with ``--before``) of the
new code to the old.

``--parts`` measures instead, in this process and without a socket, the parts of an ``ASK {}``
request: a hand-off to a query thread and a round trip to a query worker process, both doing
nothing, :meth:`Evaluator.run` of the query on worker processes, and the whole app (WSGI, no
server) with worker processes and with threads. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.http_eval import ACCEPT, crisiskg_server, oxigraph_server, question_values, targets
from benchmarks.run import Server, free_port, wait_workers

ASK = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})


def crisiskg_before(build_dir: Path, before: Path) -> tuple[Server, int]:
    """``crisiskg serve`` (cache off) from the package folder ``before``."""
    port = free_port()
    # ``before`` first on sys.path, and no working folder (-P): the forkserver, which imports its preloaded
    # modules before it reads the parent's sys.path, and so the query workers run the old code too
    server = Server([sys.executable, "-P", "-c", "from crisiskg.cli import run; run()", "serve", "--build", str(build_dir), "--port", str(port),
                     "--host", "127.0.0.1"], f"http://127.0.0.1:{port}/readyz", env={"CRISISKG_CACHE_BYTES": "0", "PYTHONPATH": str(before)})
    wait_workers(f"http://127.0.0.1:{port}/metrics")
    return server, port


BARE = """
import sys
from waitress import serve
def app(environ, start_response):
    body = b'{"head":{},"boolean":true}'
    start_response("200 OK", [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(body)))])
    return [body]
serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=76, asyncore_use_poll=True, _quiet=True)
"""  # what waitress alone costs: an app answering at once, as many threads as crisiskg serve's default


def bare_waitress() -> tuple[Server, int]:
    port = free_port()
    return Server([sys.executable, "-c", BARE, str(port)], f"http://127.0.0.1:{port}/"), port


class Client:
    """One kept-alive connection asking ``paths`` in turn, one request at a time."""

    def __init__(self, port: int, paths: list[str]):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.paths = paths
        self.next = 0
        self.each: list[float] = []  # ms of every request measured

    def ask(self, n: int) -> float:
        """The mean ms of ``n`` requests."""
        t0 = time.perf_counter()
        for _ in range(n):
            path = self.paths[self.next % len(self.paths)]
            self.next += 1
            t = time.perf_counter()
            self.conn.request("GET", path, headers={"Accept": ACCEPT})
            resp = self.conn.getresponse()
            resp.read()
            self.each.append((time.perf_counter() - t) * 1000)
            if resp.status != 200:
                raise RuntimeError(f"{path}: status {resp.status}")
        return (time.perf_counter() - t0) / n * 1000


def measure(clients: dict[str, Client], rounds: int, per: int) -> dict[str, list[float]]:
    """Per target, the mean ms per request of each of ``rounds`` rounds."""
    for client in clients.values():
        client.ask(per)  # warm
        client.each.clear()
    times: dict[str, list[float]] = {name: [] for name in clients}
    names = list(clients)
    for k in range(rounds):
        for name in names[k % len(names):] + names[:k % len(names)]:  # each round starts at another target
            times[name].append(clients[name].ask(per))
    return times


def ratio(ours: list[float], theirs: list[float]) -> float:
    """The median of the same-round ratios."""
    return statistics.median(a / b for a, b in zip(ours, theirs))


def _nothing(state: object) -> None:
    """A task that does nothing (a worker's store, or a query thread's check)."""


def parts(build_dir: Path, rounds: int, per: int) -> dict[str, list[float]]:
    """The mean ms per request of each round, per part of an ``ASK {}`` (see the module docstring)."""
    from werkzeug.test import EnvironBuilder

    from crisiskg.query.killable import outcome
    from crisiskg.service import create_app
    from crisiskg.service.evaluation import Evaluator
    from crisiskg.service.jobs import QueryJob

    apps = {mode: create_app({"build_dir": build_dir, "cache_bytes": 0, "reload_every": 0, "evaluation": mode})
            for mode in ("process", "thread")}
    st = apps["process"].extensions["crisiskg"]
    pool = st.evaluator.pool
    pool.wait_ready(120)
    environ = EnvironBuilder(path="/sparql", query_string="query=ASK%20%7B%7D", headers=[("Accept", ACCEPT)]).get_environ()
    job = QueryJob("ASK {}", limit=1000, fmt="json", store=st.store)

    def wsgi(mode: str) -> Callable[[], None]:
        def call() -> None:
            body = apps[mode](dict(environ), lambda status, headers, exc_info=None: None)
            b"".join(body)
            getattr(body, "close", lambda: None)()
        return call

    threads = Evaluator(timeout=10, max_running=4)
    steps: dict[str, Callable[[], Any]] = {
        "a query thread doing nothing (hand-off and back)": lambda: threads.run(_nothing),
        "a query worker doing nothing (round trip)": lambda: outcome(pool._killable.submit(_nothing, timeout=5), wait=5),
        "Evaluator.run(ASK {}) on a worker process": lambda: st.evaluator.run(job),
        "the app, worker processes (WSGI, no socket)": wsgi("process"),
        "the app, threads (WSGI, no socket)": wsgi("thread"),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    try:
        for step in steps.values():
            for _ in range(per):
                step()
        for _ in range(rounds):
            for name, step in steps.items():
                t0 = time.perf_counter()
                for _ in range(per):
                    step()
                times[name].append((time.perf_counter() - t0) / per * 1000)
    finally:
        for app in apps.values():
            app.extensions["crisiskg"].close()
    return times


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.server_cost", description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, required=True, help="a build folder with a published build (no kept answers: --answers no)")
    ap.add_argument("--question", default="actor-events", help="a saved question with an IRI or date parameter")
    ap.add_argument("--values", type=int, default=50, help="parameter values, cycled through")
    ap.add_argument("--rounds", type=int, default=15, help="rounds (median)")
    ap.add_argument("--per", type=int, default=50, help="requests per target per round")
    ap.add_argument("--before", type=Path, default=None, help="a package folder holding the code to compare with")
    ap.add_argument("--parts", action="store_true", help="time the parts of an ASK {} request in this process instead")
    args = ap.parse_args(argv)
    if args.parts:
        load = os.getloadavg()
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {load[0]:.2f} at start; medians of {args.rounds} "
              f"rounds of {args.per}:\n\n| part of ASK {{}} | ms |\n|---|---:|")
        for name, ms in parts(args.build, args.rounds, args.per).items():
            print(f"| {name} | {statistics.median(ms):.3f} |")
        return
    cases = question_values(args.build, [args.question], args.values, seed=7)[args.question]
    paths = targets(args.question, cases)
    work = Path(tempfile.mkdtemp(prefix="crisiskg-server-cost-"))
    servers: list[Server] = []
    try:
        ox, ox_port = oxigraph_server(args.build, work)
        servers.append(ox)
        ours, our_port = crisiskg_server(args.build, cache=False)
        servers.append(ours)
        bare, bare_port = bare_waitress()
        servers.append(bare)
        clients = {"oxigraph /query": Client(ox_port, paths["oxigraph"]),
                   "oxigraph ASK {}": Client(ox_port, ["/query?" + urllib.parse.urlencode({"query": "ASK {}"})]),
                   "crisiskg saved question": Client(our_port, paths["saved question"]),
                   "crisiskg /sparql": Client(our_port, paths["/sparql"]),
                   "crisiskg ASK {}": Client(our_port, [ASK]),
                   "waitress alone, ASK {}": Client(bare_port, [ASK])}
        if args.before is not None:
            former, old_port = crisiskg_before(args.build, args.before)
            servers.append(former)
            clients.update({"before: saved question": Client(old_port, paths["saved question"]),
                            "before: /sparql": Client(old_port, paths["/sparql"]),
                            "before: ASK {}": Client(old_port, [ASK])})
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load = os.getloadavg()
        result = measure(clients, args.rounds, args.per)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.question}, {len(cases)} values, {started}, load {load[0]:.2f} at start, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; medians of {args.rounds} rounds of {args.per}:\n")
    print("| target | mean ms | p50 ms | ratio to oxigraph | new / before |\n|---|---:|---:|---:|---:|")
    for name, ms in result.items():
        base = result["oxigraph ASK {}"] if "ASK" in name else result["oxigraph /query"]
        old = result.get(name.replace("crisiskg", "before:"))
        paired = f"{ratio(ms, old):.2f}" if name.startswith("crisiskg") and old else ""
        print(f"| {name} | {statistics.median(ms):.3f} | {statistics.median(clients[name].each):.3f} | {ratio(ms, base):.2f}x | {paired} |")


if __name__ == "__main__":
    main()
