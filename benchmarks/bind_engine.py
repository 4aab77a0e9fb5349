"""Binding a saved question's parameters in the engine (pyoxigraph's ``substitutions``) against the
VALUES block :func:`crisiskg.query.sparqltext.bind_values` writes into the text, on an embedded store.

    python -m benchmarks.bind_engine [--build BUILD]

For every saved question with parameters and every call its kept answers use
(:func:`crisiskg.query.answers.calls`): whether the engine accepts the substitution (pyoxigraph
binds only a variable the SELECT projects), whether the answer is the VALUES one, and the median
of per-round time ratios (substitution / VALUES, interleaved rounds). Then the same for each
question rewritten to project its parameter, the only shape the engine binds in a SELECT. Builds
the seeds into a temporary folder unless ``--build`` names a published build. Asserts no time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _answer(raw: Any) -> Any:
    """A comparable answer: the boolean, the columns and rows in order, or the sorted triples."""
    import pyoxigraph as ox

    if isinstance(raw, ox.QueryBoolean):
        return bool(raw)
    if isinstance(raw, ox.QuerySolutions):
        return [v.value for v in raw.variables], [tuple(str(t) for t in s) for s in raw]
    return sorted(str(t) for t in raw)


def _ratio(first: Callable[[], Any], second: Callable[[], Any], rounds: int, n: int) -> tuple[float, float, float]:
    """Median µs of ``first``, of ``second``, and the median of their per-round ratios."""
    a, b, r = [], [], []
    for _ in range(rounds):  # interleaved, so that other load on the machine falls on both alike
        t0 = time.perf_counter()
        for _ in range(n):
            first()
        t1 = time.perf_counter()
        for _ in range(n):
            second()
        t2 = time.perf_counter()
        a.append((t1 - t0) / n * 1e6)
        b.append((t2 - t1) / n * 1e6)
        r.append((t2 - t1) / (t1 - t0))
    return statistics.median(a), statistics.median(b), statistics.median(r)


def _projecting(sparql: str, names: list[str]) -> str | None:
    """``sparql`` with ``names`` added to its SELECT projection, or None (not a plain SELECT)."""
    m = re.search(r"\bSELECT(\s+(?:DISTINCT|REDUCED))?\s", sparql, re.IGNORECASE)
    if m is None or re.search(r"\bGROUP\s+BY\b", sparql, re.IGNORECASE) or re.match(r"\s*\*", sparql[m.end():]):
        return None
    return sparql[:m.end()] + " ".join(f"?{n}" for n in names) + " " + sparql[m.end():]


def measure(build_dir: Path, rounds: int, n: int) -> str:
    import pyoxigraph as ox

    from crisiskg.query.answers import calls
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.sparqltext import bind_values, keywords
    from crisiskg.query.store import Store
    from crisiskg.terms import to_oxigraph
    from crisiskg.vocab import PREFIXES

    store = Store.open(build_dir)
    backend: Any = store._backend  # the embedded engine itself: no kept answers, no result model
    lines = [f"{store.version}, {store.kind} store, {rounds} interleaved rounds of {n}:", "",
             "| question | values | as written | projecting its parameters: answer | VALUES µs | substitution µs | ratio |",
             "|---|---|---|---|---:|---:|---:|"]
    for qid, q in sorted(load_queries().items()):
        for values in calls(q):
            bound = q.bind(values, store)
            if not bound:
                continue
            subs = {ox.Variable(k): to_oxigraph(v) for k, v in bound.items()}
            label = ", ".join(f"{k}={v}" for k, v in values.items()) or "defaults"
            row = [qid, label]
            for written, text in ((True, q.sparql), (False, _projecting(q.sparql, sorted(bound)))):
                if text is None:
                    row += ["not a plain SELECT", "", "", ""]
                    continue
                ds = store._dataset(keywords(text), "owlrl")
                valued = bind_values(text, bound)

                def by_values(valued: str = valued, ds: dict[str, Any] = ds) -> Any:
                    return _answer(backend.query(valued, prefixes=PREFIXES, base_iri=None, **ds))

                def by_engine(text: str = text, subs: dict[Any, Any] = subs) -> Any:  # the dataset ds describes
                    return _answer(backend.ox.query(text, prefixes=PREFIXES, substitutions=subs,
                                                    **({"default_graph": backend._inferred} if backend.union_copy
                                                       else {"use_default_graph_as_union": True})))
                try:
                    same = by_engine() == by_values()
                except RuntimeError as exc:  # pyoxigraph: the variable is not in the SELECT projection
                    row += [f"refused ({str(exc).split(' in its ')[0].split('variable ')[-1]} not projected)"] + ([] if written else ["", "", ""])
                    continue
                if written:
                    row.append("substituted: same answer" if same else "substituted: DIFFERENT answer")
                    continue
                v, s, r = _ratio(by_values, by_engine, rounds, n)
                row += ["same" if same else "DIFFERENT", f"{v:.0f}", f"{s:.0f}", f"{r:.2f}"]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bind_engine", description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=None, help="a build folder with a published build (default: the seeds, built now)")
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds (median)")
    ap.add_argument("-n", type=int, default=50, help="evaluations per round")
    args = ap.parse_args(argv)
    if args.build is not None:
        print(measure(args.build, args.rounds, args.n))
        return
    from crisiskg.build.pipeline import build

    with tempfile.TemporaryDirectory(prefix="crisiskg-bind-") as tmp:
        build(ROOT / "seeds", Path(tmp))
        print(measure(Path(tmp), args.rounds, args.n))


if __name__ == "__main__":
    main()
