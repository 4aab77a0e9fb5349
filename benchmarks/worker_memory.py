"""Server memory with 4 query workers: the release's shared on-disk store against a copy per worker.

    python -m benchmarks.worker_memory --size 100k

A synthetic corpus of ``--size`` asserted triples is built without kept answers (reused from
``--work`` when there). Its release carries its on-disk store (``store/``, written at publish); a
hard-linked copy of the build whose release has no store stands for the way every worker loaded
``dataset.nq`` into its own memory before. For each, ``crisiskg serve`` runs with its 4 workers
(cache off) and the memory of the server and every process under it is summed from
``/proc/PID/smaps_rollup``: PSS (a shared page counted once over its sharers) and RSS (counted in
every process): once the workers are up, after every question was asked once, and the highest
while a new release is published (a hard-linked copy, as a new build would be) and reloaded, until
the old workers are stopped. The shared store's pages sit in the kernel's page cache, in no
process: its size on disk is the most that cache can hold for it.

Then what the store costs the build (bulk load, disk, verifying its checksums) and what it costs the
queries: ``--questions`` evaluated in this process on both stores (no kept answers, no cache), each
with ``--values`` parameter values drawn from the build, in interleaved rounds; the median ms per
question and the ratio. Writes ``benchmarks/worker-memory-<size>.json`` and prints Markdown. Nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.http_eval import ensure_build, question_values
from benchmarks.run import Server, free_port, label, parse_size, wait_workers

HERE = Path(__file__).resolve().parent
QUESTIONS = "actor-events,holder-stances,events-in-country,stances-on-proposition,entity-mentions,timeline"


def tree(root: int) -> list[int]:
    """``root`` and every process under it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def memory(root: int) -> dict[str, float]:
    """PSS and RSS (MiB) summed over ``root``'s process tree, and how many processes."""
    pss = rss = n = 0
    for pid in tree(root):
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        n += 1
        for line in text.splitlines():
            key, _, rest = line.partition(":")
            if key == "Pss":
                pss += int(rest.split()[0])
            elif key == "Rss":
                rss += int(rest.split()[0])
    return {"pss_mib": round(pss / 1024, 1), "rss_mib": round(rss / 1024, 1), "processes": n}


def linked_release(build: Path, suffix: str, *, store: bool) -> Path:
    """A new release: the current one's files hard-linked under a new name (without its store and
    its store's checksums unless ``store``), made current; its path."""
    from crisiskg.build.diskstore import STORE
    from crisiskg.build.integrity import CHECKSUMS
    from crisiskg.build.publish import MANIFEST, current, point_current

    old = current(build).path
    new = old.parent / f"{old.name}-{suffix}"
    shutil.rmtree(new, ignore_errors=True)
    shutil.copytree(old, new, copy_function=os.link, ignore=None if store else shutil.ignore_patterns(STORE))
    if not store:
        manifest = json.loads((new / MANIFEST).read_text(encoding="utf-8"))
        manifest[CHECKSUMS] = {k: v for k, v in manifest[CHECKSUMS].items() if not k.startswith(f"{STORE}/")}
        (new / MANIFEST).unlink()  # a hard link: write a file of its own
        (new / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    point_current(build, Path("releases") / new.name)
    return new


def copy_build(build: Path, to: Path, *, store: bool) -> Path:
    """``build`` hard-linked into ``to``, its current release with or without its store."""
    shutil.rmtree(to, ignore_errors=True)
    shutil.copytree(build, to, symlinks=True, copy_function=os.link)
    linked_release(to, "variant", store=store)
    return to


def serve_memory(build: Path, qids: list[str], cases: dict[str, Any], reload_seconds: float) -> dict[str, Any]:
    """Memory of ``crisiskg serve`` on ``build``: idle, after asking, and at most during a reload."""
    port = free_port()
    env = {"CRISISKG_CACHE_BYTES": "0", "CRISISKG_RELOAD_EVERY": "0.5", "CRISISKG_QUERY_TIMEOUT": str(reload_seconds)}
    server = Server([sys.executable, "-m", "crisiskg", "serve", "--build", str(build), "--port", str(port), "--quiet"],
                    f"http://127.0.0.1:{port}/healthz", env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_workers(f"{base}/metrics")
        out: dict[str, Any] = {"idle": memory(server.proc.pid)}
        for qid in qids:
            for values, _ in cases[qid]:
                url = f"{base}/queries/{qid}?" + urllib.parse.urlencode({**values, "_format": "json"})
                urllib.request.urlopen(url, timeout=300).read()
        out["after questions"] = memory(server.proc.pid)
        served = json.loads(urllib.request.urlopen(f"{base}/readyz", timeout=30).read())["version"]
        new = linked_release(build, f"reload{int(time.time())}", store=(build / "current" / "store").exists())
        peak, t0, swapped = out["after questions"], time.monotonic(), None
        while time.monotonic() - t0 < 600:
            now = memory(server.proc.pid)
            if now["pss_mib"] > peak["pss_mib"]:
                peak = now
            if swapped is None:
                text = urllib.request.urlopen(f"{base}/metrics", timeout=30).read().decode()
                if "crisiskg_build_reloads_total 1" in text:
                    swapped = time.monotonic()
            elif time.monotonic() - swapped > reload_seconds + 3:  # the old workers are stopped by now
                break
            time.sleep(0.2)
        out["reload peak"] = peak
        out["after reload"] = memory(server.proc.pid)
        out["reload seconds"] = round((swapped or time.monotonic()) - t0, 1)
        out["served before"], out["new release"] = served, new.name
        return out
    finally:
        server.stop()


def latency(build: Path, nostore: Path, cases: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Median ms per question evaluated on the shared store and in memory, interleaved rounds."""
    from crisiskg.build.publish import current
    from crisiskg.query.store import Store

    t0 = time.perf_counter()
    shared = Store(current(build))
    opened = {"shared": time.perf_counter() - t0}
    t0 = time.perf_counter()
    mem = Store(current(nostore))
    opened["memory"] = time.perf_counter() - t0
    assert shared.shared and not mem.shared
    times: dict[str, dict[str, list[float]]] = {q: {"shared": [], "memory": []} for q in cases}
    for qid, texts in cases.items():
        for _, text in texts:  # warm both, and check the rows are the same
            a, b = shared.query(text, answers=False), mem.query(text, answers=False)
            if sorted(map(str, a.rows)) != sorted(map(str, b.rows)):
                raise RuntimeError(f"{qid}: the two stores answered differently")
        for r in range(rounds):
            for name, store in (("shared", shared), ("memory", mem)) if r % 2 == 0 else (("memory", mem), ("shared", shared)):
                t = time.perf_counter()
                for _, text in texts:
                    store.query(text, answers=False)
                times[qid][name].append((time.perf_counter() - t) * 1000 / len(texts))
    out = {q: {k: round(statistics.median(v), 3) for k, v in t.items()} for q, t in times.items()}
    return {"ms": out, "open_seconds": {k: round(v, 2) for k, v in opened.items()}}


def build_cost(build: Path) -> dict[str, Any]:
    """What writing the store adds to a build, and verifying it to opening a release."""
    from crisiskg.build import integrity
    from crisiskg.build.diskstore import store_files, write_store
    from crisiskg.build.publish import current

    release = current(build)
    with tempfile.TemporaryDirectory(dir=build) as tmp:
        t0 = time.perf_counter()
        write_store(Path(tmp), release.dataset_file)
        seconds = time.perf_counter() - t0
    files = store_files(release.path)
    t0 = time.perf_counter()
    for f in files:
        integrity.sha256_of(f)
    store_sha = time.perf_counter() - t0
    t0 = time.perf_counter()
    integrity.sha256_of(release.dataset_file)
    dataset_sha = time.perf_counter() - t0
    return {"write_seconds": round(seconds, 2), "store_mib": round(sum(f.stat().st_size for f in files) / 2**20, 1),
            "dataset_mib": round(release.dataset_file.stat().st_size / 2**20, 1), "store_files": len(files),
            "verify_store_seconds": round(store_sha, 2), "verify_dataset_seconds": round(dataset_sha, 2),
            "build_seconds": release.manifest.get("seconds", {})}


def report(size: int, res: dict[str, Any]) -> str:
    cost, lines = res["build"], []
    lines += [(f"`python -m benchmarks.worker_memory --size {label(size)}`, {res['started']}, {platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}; dataset.nq {cost['dataset_mib']} MiB, "
              f"store/ {cost['store_mib']} MiB on disk ({cost['store_files']} files)."), "",
              "| server (4 workers) | processes | PSS idle | PSS after questions | PSS peak in reload | RSS idle | RSS peak in reload |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for name, m in res["serve"].items():
        lines.append(f"| {name} | {m['idle']['processes']} | {m['idle']['pss_mib']:,.0f} | {m['after questions']['pss_mib']:,.0f} | "
                     f"{m['reload peak']['pss_mib']:,.0f} | {m['idle']['rss_mib']:,.0f} | {m['reload peak']['rss_mib']:,.0f} |")
    lines += ["", (f"Store open: {res['latency']['open_seconds']['shared']} s shared, {res['latency']['open_seconds']['memory']} s "
              f"loading into memory. Writing the store: {cost['write_seconds']} s; verifying its checksums "
              f"{cost['verify_store_seconds']} s (dataset.nq's: {cost['verify_dataset_seconds']} s)."), "",
              "| question | memory ms | shared store ms | ratio |", "|---|---:|---:|---:|"]
    for qid, ms in res["latency"]["ms"].items():
        lines.append(f"| {qid} | {ms['memory']:.2f} | {ms['shared']:.2f} | {ms['shared'] / ms['memory']:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("100k"))
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "crisiskg-bench")
    ap.add_argument("--questions", default=QUESTIONS)
    ap.add_argument("--values", type=int, default=20, help="parameter values per question")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--servers", default="memory,shared", help="which servers to measure (memory: a copy per process)")
    ap.add_argument("--reload-seconds", type=float, default=5.0, help="query_timeout: the old workers stop this long after a reload")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    build = ensure_build(args.size, args.work)
    qids = args.questions.split(",")
    cases = question_values(build, qids, args.values, seed=0)
    name = label(args.size)
    nostore = copy_build(build, args.work / f"build-{name}-nostore", store=False)
    shared = copy_build(build, args.work / f"build-{name}-shared", store=True)
    res: dict[str, Any] = {"size": args.size, "started": started, "build": build_cost(build), "serve": {}}
    for key, folder in (("memory (a copy per process)", nostore), ("shared store", shared)):
        if key.split()[0] in args.servers.split(","):
            res["serve"][key] = serve_memory(folder, qids, cases, args.reload_seconds)
    res["latency"] = latency(build, nostore, {q: cases[q] for q in qids}, args.rounds)
    (HERE / f"worker-memory-{name}.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(report(args.size, res))


if __name__ == "__main__":
    main()
