"""The fixed cost of one evaluated saved question, step by step, in one process.

    python -m benchmarks.request_profile --question events-in-country

Asks the question through the Flask test client (response cache off, the app given an open store,
so the query runs in the request's thread: no worker process, no socket), each request with another
parameter value from the build's valid ones, and times each step of it alone on the same values:
checking the parameter, evaluating and reading the table, writing it as SPARQL JSON, and the
engine's own part (the same text evaluated and streamed out by pyoxigraph's writer). What is left of
the request is Flask, the service's hooks and the page of rows. Medians over ``--repeat`` rounds;
then a cProfile of the requests, the functions that take most of their own time. Builds the seeds
into a temporary folder unless ``--build`` names a published build. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn: Callable[[Any], Any], items: list[Any], repeat: int) -> float:
    """The median over ``repeat`` rounds of the mean time of ``fn`` over ``items``, in ms."""
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        rounds.append((time.perf_counter() - t0) / len(items) * 1000)
    return statistics.median(rounds)


def profile(build_dir: Path, qid: str, repeat: int, top: int) -> str:
    from crisiskg.query.params import param_choices
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.sparqltext import bind_values
    from crisiskg.query.store import Store
    from crisiskg.service import create_app

    store = Store.open(build_dir)
    q = load_queries()[qid]
    varied = next((p for p in q.params if p.type == "iri"), None)
    if varied is None:
        raise SystemExit(f"question {qid!r} has no IRI parameter; choose one that has")
    values = [{varied.name: c.key} for c in param_choices(store, varied)][:50]
    texts = [bind_values(q.sparql, q.bind(v, store)) for v in values]
    client = create_app({"store": store, "cache_bytes": 0}).test_client()
    urls = [f"/queries/{qid}?" + urllib.parse.urlencode({**v, "_format": "json"}) for v in values]
    for url in urls:  # warm: the instances read, the routes and templates loaded
        assert client.get(url).status_code == 200, url
    steps = {
        "whole request (Flask test client)": median_ms(client.get, urls, repeat),
        "check the parameter (bind)": median_ms(lambda v: q.bind(v, store), values, repeat),
        "evaluate and read the table (store.query)": median_ms(lambda t: store.query(t, answers=False), texts, repeat),
        "write it as SPARQL JSON (Result.serialize)": median_ms(lambda r: r.serialize("json"),
                                                                [store.query(t, answers=False) for t in texts], repeat),
        "the engine's own part (evaluate and stream JSON)": median_ms(lambda t: store.serialized(t), texts, repeat),
    }
    rest = steps["whole request (Flask test client)"] - sum(steps[k] for k in list(steps)[1:4])
    lines = [f"{qid}, {len(values)} values of {varied.name}, {store.version}, medians of {repeat} rounds:", ""]
    lines += ["| step | ms |", "|---|---:|"] + [f"| {k} | {v:.3f} |" for k, v in steps.items()]
    lines.append(f"| what remains: Flask, hooks, paging, the answer's bytes | {rest:.3f} |")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(repeat):
        for url in urls:
            client.get(url)
    prof.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(order).print_stats(top)
        lines += ["", f"cProfile, by {'own' if order == 'tottime' else 'cumulative'} time:", "", out.getvalue()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.request_profile", description=__doc__.split("\n\n")[0])
    ap.add_argument("--question", default="events-in-country", help="a saved question with an IRI parameter")
    ap.add_argument("--build", type=Path, default=None, help="a build folder with a published build (default: the seeds, built now)")
    ap.add_argument("--repeat", type=int, default=7, help="rounds over the values (median)")
    ap.add_argument("--top", type=int, default=25, help="functions listed from the profile")
    args = ap.parse_args(argv)
    if args.build is not None:
        print(profile(args.build, args.question, args.repeat, args.top))
        return
    from crisiskg.build.pipeline import build

    with tempfile.TemporaryDirectory(prefix="crisiskg-profile-") as tmp:
        build(ROOT / "seeds", Path(tmp))
        print(profile(Path(tmp), args.question, args.repeat, args.top))


if __name__ == "__main__":
    main()
