"""Adding an article that introduces a person, with ``crisiskg build --incremental``.

``python -m benchmarks.new_person --articles 3704 --work /tmp/new-person``: a synthetic corpus
(``crisiskg synth``; 3,704 articles is about 1M asserted triples) is built once in full; then, one
run at a time, a small new article and a new person in ``registry.yaml`` whose label it mentions
(the person is the speaker of its event and the holder of its stance) are added, and the command
``crisiskg build --incremental --answers no`` is timed (wall clock: start-up, imports and exit
included), once the full build's files are on disk (``sync``: else the first increments share the
disk with their writeback). Each run adds another article and another person, on the release the previous run
published. The kept answers are left out (``--answers no``): they are written in a background
process after the build is published, and ``benchmarks.measure incremental`` times them.

Prints one JSON document: the command's seconds per run and their median, its CPU seconds (user
and system: less swayed than the wall clock by other work on a shared machine), and the stages
each run printed (``load previous``, ``read``, ``load``, ``reason``, ``validate``, ``publish``)
with the median of their sum (the build as published, without the process around it).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

FIRST = ["Ilsa", "Tomas", "Vera", "Oskar", "Lena", "Bruno", "Greta", "Anton", "Maren", "Felix", "Runa", "Edvin"]
REGISTRY_ENTRY = "- id: {pid}\n  type: Person\n  label: {label}\n"
TEXT = """{label} warns {state} ({key})

On Monday, {label} warned {state} against further escalation. {label} backed the proposal (stance 1). Diplomats urged restraint.
"""
ARTICLE = """article:
  text: {stem}.txt
  status: reviewed
  title: {label} warns {state} ({key})
  genre: news
  publisher: null
  authors: []
  published:
    date: '2020-06-04'
    precision: day
    derivation: 'benchmark: the article''s dateline'
  headline:
  - quote: {label} warns {state} ({key})
events:
- id: statement-{key}-1
  label: {label} warns {state} ({key}-1)
  class: Threat
  cameo: '130'
  quote: On Monday, {label} warned {state} against further escalation.
  date:
    value: '2020-06-01'
    precision: day
    derivation: '''On Monday'', 3 day(s) before publication'
  roles:
    speaker:
    - {pid}
    addressee:
    - {state_id}
stances:
- id: stance-{key}-1
  holder: {pid}
  proposition: {proposition}
  polarity: favor
  modality: recommendation
  strength: moderate
  condition: null
  speech_mode: paraphrase
  quote: {label} backed the proposal (stance 1).
"""


def add_article(seeds: Path, run: int) -> str:
    """Write run ``run``'s article (about the first state of the registry, with a stance on the
    first proposition) and append its person to the registry; the person's id."""
    import yaml

    entities = yaml.safe_load((seeds / "registry.yaml").read_text(encoding="utf-8"))["entities"]
    state = next(e for e in entities if "State" in ([e["type"]] if isinstance(e["type"], str) else e["type"]))
    proposition = yaml.safe_load((seeds / "propositions.yaml").read_text(encoding="utf-8"))["propositions"][0]["id"]
    key = f"{900000 + run}"
    label = f"{FIRST[run % len(FIRST)]} Quorvanek{'i' * (run // len(FIRST))}"
    pid = f"person-{label.lower().replace(' ', '-')}"
    stem = f"{key}_newperson{run:04d}"
    fields = {"key": key, "label": label, "pid": pid, "stem": stem, "state": state["label"], "state_id": state["id"],
              "proposition": proposition}
    (seeds / "articles" / f"{stem}.txt").write_text(TEXT.format(**fields), encoding="utf-8")
    (seeds / "articles" / f"{stem}.yaml").write_text(ARTICLE.format(**fields), encoding="utf-8")
    with open(seeds / "registry.yaml", "a", encoding="utf-8") as fh:
        fh.write(REGISTRY_ENTRY.format(**fields))
    return pid


def command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crisiskg", *args], capture_output=True, text=True, check=False)


def stages(stdout: str) -> dict[str, float]:
    """The ``seconds:`` line the build command prints, as a dict."""
    line = next(line for line in stdout.splitlines() if line.strip().startswith("seconds:"))
    out = {}
    for part in line.split(":", 1)[1].split(","):
        name, _, value = part.strip().rpartition(" ")
        out[name] = float(value)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=3704, help="Articles in the synthetic corpus (3704: about 1M asserted triples).")
    ap.add_argument("--work", type=Path, required=True, help="A folder to write the corpus and the builds to (replaced).")
    ap.add_argument("--runs", type=int, default=5, help="Articles added, one command each.")
    args = ap.parse_args(argv)
    import shutil

    shutil.rmtree(args.work, ignore_errors=True)
    seeds, out = args.work / "seeds", args.work / "build"
    made = command("synth", "--articles", str(args.articles), "--out", str(seeds))
    if made.returncode != 0:
        raise SystemExit(made.stderr)
    t0 = time.perf_counter()
    full = command("build", "--seeds", str(seeds), "--build", str(out), "--answers", "no")
    if full.returncode != 0:
        raise SystemExit(full.stderr)
    import os

    os.sync()  # the full build's gigabyte on disk first: its writeback is not the increments' work
    result: dict[str, Any] = {"articles": args.articles, "full_build_seconds": round(time.perf_counter() - t0, 2), "runs": []}
    for run in range(args.runs):
        pid = add_article(seeds, run)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t1 = time.perf_counter()
        inc = command("build", "--seeds", str(seeds), "--build", str(out), "--incremental", "--answers", "no")
        seconds = time.perf_counter() - t1
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        if inc.returncode != 0 or "incremental:" not in inc.stderr:
            raise SystemExit(f"not built incrementally (exit {inc.returncode}):\n{inc.stderr[-3000:]}")
        manifest = json.loads((out / "current" / "manifest.json").read_text(encoding="utf-8"))
        if manifest["incremental"].get("entities") != [pid]:
            raise SystemExit(f"the person {pid} was not added incrementally: {manifest['incremental']}")
        steps = stages(inc.stdout)
        result["runs"].append({"command_seconds": round(seconds, 3), "command_cpu_seconds": round(cpu, 3), "stages": steps,
                               "published": round(sum(steps.values()), 3)})
        print(json.dumps(result["runs"][-1]), file=sys.stderr, flush=True)
    result["command_median"] = round(statistics.median(r["command_seconds"] for r in result["runs"]), 3)
    result["command_cpu_median"] = round(statistics.median(r["command_cpu_seconds"] for r in result["runs"]), 3)
    result["published_median"] = round(statistics.median(r["published"] for r in result["runs"]), 3)
    result["triples_asserted"] = manifest["counts"]["triples_asserted"]
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
