"""Pushing an incremental build to a remote SPARQL store, against pushing the same release in full,
on the same server in one run.

    python -m benchmarks.remote_push --articles 370 --work /tmp/remote-push --rounds 3

A synthetic corpus (``crisiskg synth``; 370 articles is about 100k asserted triples, 3,704 about
1M) is built in full without its last article, which ``crisiskg build --incremental`` then adds
(both reused when already in ``--work``). A fresh ``oxigraph serve`` (in memory, on loopback) gets
the full build; then each round pushes the incremental release onto it (what it appended POSTed,
its inferred and provenance graphs PUT) and times that, then the same release in full (every
graph PUT: a claim left on the server makes push send it all) and times that, then puts the full
build back in full (not timed) for the next round. Prints the medians and their ratio as Markdown;
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.run import Server, free_port

CLAIM = "<{g}> <http://www.w3.org/ns/prov#hadMember> <urn:benchmark> .\n"


def prepare(articles: int, work: Path) -> tuple[Path, Path, Path]:
    """The build folder and its two releases (the full build, the incremental one on it)."""
    from crisiskg.build.publish import current
    from crisiskg.scale.synth import synthesize

    seeds, build_dir, held = work / f"seeds-{articles}", work / f"build-{articles}", work / f"held-{articles}"
    if not (build_dir / "current").exists() or current(build_dir).manifest.get("incremental") is None:
        shutil.rmtree(seeds, ignore_errors=True)
        shutil.rmtree(build_dir, ignore_errors=True)
        shutil.rmtree(held, ignore_errors=True)
        synthesize(articles=articles, out=seeds, seed=0)
        held.mkdir(parents=True)
        last = max(p.stem for p in (seeds / "articles").glob("*.yaml"))
        moved = [Path(shutil.move(p, held / p.name)) for p in sorted((seeds / "articles").glob(f"{last}.*"))]
        run = [sys.executable, "-m", "crisiskg", "build", "--seeds", str(seeds), "--build", str(build_dir), "--answers", "no"]
        subprocess.run(run, check=True, stdout=subprocess.DEVNULL)
        for p in moved:
            shutil.copy(p, seeds / "articles" / p.name)
        subprocess.run([*run, "--incremental"], check=True, stdout=subprocess.DEVNULL)
    release = current(build_dir)
    step = release.manifest["incremental"]
    base = next(p for p in (build_dir / "releases").iterdir() if p.is_dir() and p.name.startswith(f"{step['from']}-"))
    return build_dir, base, release.path


def main(argv: list[str] | None = None) -> None:
    from crisiskg.build.publish import point_current
    from crisiskg.query.remote import PUSHED_GRAPH, Remote
    from crisiskg.scale.push import push

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=370, help="articles of the synthetic corpus (370: about 100k triples)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/crisiskg-remote-push"), help="folder for the corpus and builds")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    exe = shutil.which("oxigraph")
    if exe is None:
        raise SystemExit("the 'oxigraph' command is missing: pip install oxigraph")
    build_dir, base, new = prepare(args.articles, args.work)
    port = free_port()
    server = Server([exe, "serve", "--bind", f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    spec, times = f"sparql:http://127.0.0.1:{port}/query", {"incremental": list[float](), "full": list[float]()}
    remote = Remote(spec.partition(":")[2])

    def claim() -> None:  # the next push is then a full one
        remote.put_graph(PUSHED_GRAPH, CLAIM.format(g=PUSHED_GRAPH).encode())

    try:
        for _ in range(args.rounds):
            point_current(build_dir, Path("releases") / base.name)
            claim()
            push(spec, build_dir)
            point_current(build_dir, Path("releases") / new.name)
            t = time.perf_counter()
            said = push(spec, build_dir)
            times["incremental"].append(time.perf_counter() - t)
            if "incrementally, onto" not in said:
                raise SystemExit(f"not an incremental push: {said}")
            print(said, file=sys.stderr)
            claim()
            t = time.perf_counter()
            said = push(spec, build_dir)
            times["full"].append(time.perf_counter() - t)
            print(said, file=sys.stderr)
    finally:
        remote.close()
        server.stop()
    inc, full = statistics.median(times["incremental"]), statistics.median(times["full"])
    print(f"| corpus | incremental push | full push | full / incremental |\n|---|---:|---:|---:|\n"
          f"| {args.articles} articles | {inc:.2f} s | {full:.2f} s | {full / inc:.1f}x |")


if __name__ == "__main__":
    main()
