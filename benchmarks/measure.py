"""Measurements run in a child process, one JSON document on standard output.

``python -m benchmarks.measure build SEEDS OUT``: the real pipeline (``crisiskg.build.pipeline.build``),
seconds and peak resident memory of each stage, then ``push`` to an on-disk Oxigraph store.
``python -m benchmarks.measure reason SEEDS ENGINE`` and ``validate SEEDS MODE``: one stage alone,
for comparing engines. ``python -m benchmarks.measure incremental SEEDS WORK``: adding one article
to a built corpus with ``build --incremental``. ``python -m benchmarks.measure queries BUILD SPEC...``: latency of every
saved question on each store kind.

Peak memory per stage is the kernel's high-water mark (VmHWM), reset before each stage through
``/proc/self/clear_refs``; it counts Rust (pyoxigraph) allocations that tracemalloc cannot see.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _status(field: str) -> float:
    """A VmXXX value of /proc/self/status, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Reset the high-water mark of resident memory (Linux: write 5 to clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_mib() -> float:
    return round(_status("VmHWM"), 1)


def build(seeds: str, out: str, disk: str) -> dict[str, Any]:
    from crisiskg.build.pipeline import build as run_build
    from crisiskg.query.answers import keep_answers
    from crisiskg.scale.push import push

    stages: dict[str, dict[str, float]] = {}
    reset_peak()

    def on_stage(name: str, seconds: float) -> None:
        stages[name] = {"seconds": seconds, "peak_mib": peak_mib()}
        reset_peak()

    t0 = time.perf_counter()
    result = run_build(seeds, out, on_stage=on_stage)
    keep_answers(result, on_stage)
    total = time.perf_counter() - t0  # kept answers included (the last stage, after publishing)
    reset_peak()
    t1 = time.perf_counter()
    push(f"oxigraph:{disk}", out)
    stages["push oxigraph"] = {"seconds": round(time.perf_counter() - t1, 3), "peak_mib": peak_mib()}
    counts = result.manifest["counts"]
    return {"stages": stages, "total": round(total, 3), "published": round(total - result.seconds.get("answers", 0.0), 3),
            "kept_answers": result.answers.answers if result.answers else 0, "triples_asserted": counts["triples_asserted"],
            "triples_inferred": counts["triples_inferred"], "articles": counts["articles"], "entities": counts["entities"]}


def _wait_for_exit(output: str, limit: float = 600) -> None:
    """Wait until the background process a ``crisiskg build`` output names ("being written by
    process N") has exited."""
    import os
    import re

    found = re.search(r"being written by process (\d+)", output)
    deadline = time.monotonic() + limit
    while found and time.monotonic() < deadline:
        try:
            os.kill(int(found.group(1)), 0)
        except OSError:
            return
        time.sleep(0.05)


def _link(src: Path, dst: Path) -> None:
    """``dst`` as a hard link to ``src`` (a plain file, as a user's seeds are: a symbolic link
    doubles what checking 7,400 files for changes costs), else a symbolic link (another device)."""
    import os

    try:
        os.link(src.resolve(), dst)
    except OSError:
        dst.symlink_to(src.resolve())


def sharing_articles(folder: Path, n: int = 2, window: int = 200) -> list[str]:
    """The last ``n`` articles (stems, oldest first) that annotate an event an earlier article
    annotates too, as most new articles about a crisis do (4 of the 5 seeds), and whose own events
    no later article names (so the corpus builds without them); among the last ``window``."""
    import yaml

    stems = sorted(p.stem for p in (folder / "articles").glob("*.yaml"))
    texts = {s: (folder / "articles" / f"{s}.yaml").read_text(encoding="utf-8") for s in stems[-window:]}
    events = {s: [e["id"] for e in yaml.safe_load(t).get("events") or []] for s, t in texts.items()}
    chosen: list[str] = []
    for i in range(len(stems) - 1, len(stems) - len(texts) - 1, -1):
        stem = stems[i]
        earlier = {e for s in stems[max(0, i - 200):i] if s in events for e in events[s]}
        shared = set(events[stem]) & earlier
        own = set(events[stem]) - earlier
        later = "".join(texts[s] for s in stems[i + 1:])
        if shared and not any(e in later for e in own):
            chosen.append(stem)
            if len(chosen) == n:
                break
    if len(chosen) < n:
        raise RuntimeError(f"fewer than {n} articles among the last {window} share an event with an earlier one")
    return sorted(chosen)


def incremental(seeds: str, work: str) -> dict[str, Any]:
    """Adding one article to a built corpus: the corpus without four of its last articles that
    annotate an event an earlier article annotates (:func:`sharing_articles`) is built in full
    (links to the seed files); then one article is added in-process (``build(...,
    incremental=True)``, stages timed, waiting for the kept answers), and the other three by the command
    ``crisiskg build --incremental``, one article at a time (wall clock, the median of three; it
    returns once published and writes the kept answers in a background process, whose end is
    waited for and timed too). The full build is
    pushed to an on-disk Oxigraph store, and the first added article pushed after it (timed: the
    push applies only what changed)."""
    import os
    import shutil
    import subprocess
    import sys

    from crisiskg.build.pipeline import build as run_build
    from crisiskg.build.publish import current
    from crisiskg.query.answers import keep_answers
    from crisiskg.scale.push import push

    src, root = Path(seeds), Path(work)
    shutil.rmtree(root, ignore_errors=True)
    folder, out = root / "seeds", root / "build"
    (folder / "articles").mkdir(parents=True)
    for name in ("registry.yaml", "propositions.yaml"):
        _link(src / name, folder / name)
    files = sorted((src / "articles").iterdir())
    held = sharing_articles(src, n=4)

    def add(stem: str) -> None:
        for p in files:
            if p.stem == stem:
                _link(p, folder / "articles" / p.name)

    for stem in sorted({p.stem for p in files} - set(held)):
        add(stem)
    keep_answers(run_build(folder, out))
    disk = root / "oxigraph"
    push(f"oxigraph:{disk}", out)
    os.sync()  # the push's writes reach the disk before the build is timed (its publish waits on fsync)
    add(held[0])
    stages: dict[str, float] = {}
    reset_peak()
    t0 = time.perf_counter()
    result = run_build(folder, out, incremental=True, on_stage=lambda name, secs: stages.__setitem__(name, secs))
    keep_answers(result, lambda name, secs: stages.__setitem__(name, secs))
    total = time.perf_counter() - t0
    peak = peak_mib()
    t2 = time.perf_counter()
    pushed = push(f"oxigraph:{disk}", out)
    push_seconds = time.perf_counter() - t2
    shutil.rmtree(disk, ignore_errors=True)
    os.sync()
    commands, answered_at = [], []
    for stem in held[1:]:  # the command, once per article left: the median is reported
        add(stem)
        t1 = time.perf_counter()
        cmd = subprocess.run([sys.executable, "-m", "crisiskg", "build", "--seeds", str(folder), "--build", str(out), "--incremental"],
                             capture_output=True, text=True, check=False)  # its failure is reported below
        commands.append(time.perf_counter() - t1)
        if cmd.returncode != 0 or "incremental:" not in cmd.stderr:
            raise RuntimeError(f"crisiskg build --incremental: exit {cmd.returncode}\n{cmd.stderr[-2000:]}")
        index = current(out).path / "answers" / "index.json"
        while not index.exists() and time.perf_counter() - t1 < 600:
            time.sleep(0.05)
        answered_at.append(time.perf_counter() - t1 if index.exists() else math.nan)
        _wait_for_exit(cmd.stdout)  # the background process gone (its 1.5 GB freed) before the next command runs
    command, answered = statistics.median(commands), statistics.median(answered_at)
    return {"seconds": round(total, 3), "published": round(total - stages.get("answers", 0.0), 3), "peak_mib": peak,
            "stages": stages, "note": result.note, "command_seconds": round(command, 3),
            "command_answers_seconds": None if math.isnan(answered) else round(answered, 3), "commands": [round(c, 3) for c in commands],
            "push_seconds": round(push_seconds, 3), "push_incremental": pushed.startswith("added ")}


def _dataset(seeds: str) -> Any:
    from crisiskg.loaders import read_seeds, to_dataset

    ds, origins = to_dataset(read_seeds(seeds))
    return ds, origins


def reason(seeds: str, engine: str) -> dict[str, Any]:
    from crisiskg.build.reasoning import infer

    ds, _ = _dataset(seeds)
    triples = [t for g in ds.graphs() for t in g]
    reset_peak()
    t0 = time.perf_counter()
    out = infer(triples, engine=engine)
    return {"seconds": round(time.perf_counter() - t0, 3), "peak_mib": peak_mib(), "inferred": len(out.graph)}


def validate(seeds: str, mode: str) -> dict[str, Any]:
    from crisiskg.build.reasoning import infer
    from crisiskg.build.validation import union
    from crisiskg.build.validation import validate as run_validate

    ds, origins = _dataset(seeds)
    inferred = infer((t for g in ds.graphs() for t in g), engine="rules").graph
    data = union([*ds.graphs(), inferred])
    reset_peak()
    t0 = time.perf_counter()
    out = run_validate(data, origins=origins, mode=mode)
    return {"seconds": round(time.perf_counter() - t0, 3), "peak_mib": peak_mib(), "violations": len(out.violations)}


def choose_values(store: Any, q: Any, tries: int = 40) -> dict[str, str]:
    """Parameter values that exist in ``store``: for each class-typed IRI parameter, the first
    instance for which the question has an answer, so that latency is measured on a real answer
    (otherwise the first instance). The instances are tried in IRI order, at most ``tries`` of them
    spread evenly over the whole list: at 1M the first thousands by IRI are article authors, for
    which questions about organisations have no answer. Deterministic for a given corpus."""
    from crisiskg.errors import QueryError
    from crisiskg.query.params import param_choices

    values: dict[str, str] = {}
    for p in q.params:
        if p.type == "iri" and p.cls:
            choices = param_choices(store, p)
            for choice in choices[:: max(1, len(choices) // tries)][:tries]:
                values[p.name] = choice.key
                try:
                    if len(store.query(q.sparql, bindings=q.bind(values, store))):  # rows, or triples of a CONSTRUCT
                        break
                except QueryError:  # a value the question refuses: try the next one
                    continue
            else:
                if choices:
                    values[p.name] = choices[0].key
    return values


def latency(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    """p50 and p90 in ms of ``repeat`` runs after warm-up; fewer runs for a slow query."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > 2:
        repeat = 1
    elif first > 0.2:
        repeat = min(repeat, 5)
    else:
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p90_ms": round(times[int(0.9 * (len(times) - 1))], 2)}


def queries(build_dir: str, skip: str, specs: list[str], repeat: int = 15) -> None:
    """Print one JSON line per store opened and per saved question (flushed at once), so that the
    parent can stop a question that runs too long and go on with the next ones."""
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.store import open_store

    stores = {}
    for spec in specs:
        kind = spec.split(":", 1)[0]
        t0 = time.perf_counter()
        stores[kind] = open_store(spec, build_dir)
        print(json.dumps({"open": kind, "seconds": round(time.perf_counter() - t0, 3)}), flush=True)
    first = next(iter(stores.values()))
    skipped = set(skip.split(",")) if skip else set()
    for qid, q in sorted(load_queries().items()):
        if qid in skipped:
            continue
        print(json.dumps({"start": qid}), flush=True)
        values = choose_values(first, q)
        line: dict[str, Any] = {"question": qid, "values": values, "rows": {}, "latency": {}}
        for kind, store in stores.items():
            bound = q.bind(values, store)
            line["rows"][kind] = len(store.query(q.sparql, bindings=bound))

            def ask(store: Any = store, bound: Any = bound, text: str = q.sparql) -> Any:
                return store.query(text, bindings=bound)

            line["latency"][kind] = latency(ask, repeat)
            if kind == "memory":  # the same asks, evaluated: the build's kept answers not used
                store.kept.enabled = False
                try:
                    line["latency"]["memory evaluated"] = latency(ask, repeat)
                finally:
                    store.kept.enabled = True
        print(json.dumps(line), flush=True)


def main(argv: list[str]) -> None:
    what, *args = argv
    if what == "build":
        result = build(*args)
    elif what == "reason":
        result = reason(*args)
    elif what == "validate":
        result = validate(*args)
    elif what == "incremental":
        result = incremental(*args)
    elif what == "queries":
        queries(args[0], args[1], args[2:])
        return
    else:
        raise SystemExit(f"unknown measurement {what!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
