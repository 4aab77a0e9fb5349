"""``crisiskg audit``: draw random facts of the published build and record a reviewer's verdicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from crisiskg.cli.common import Failure, build_option, seeds_option
from crisiskg.errors import CrisisKGError

ANSWERS = {"r": "right", "right": "right", "w": "wrong", "wrong": "wrong", "u": "unsupported", "unsupported": "unsupported"}
PROMPT = "verdict: r(ight), w(rong) or u(nsupported), then an optional note; s(kip), q(uit)"


@click.command()
@click.option("--sample", "size", type=click.IntRange(min=1), help="How many facts to draw (needed for a new audit).")
@click.option("--seed", type=int, help="The seed of the draw: the same seed on the same build draws the same facts (needed for a new audit).")
@build_option
@seeds_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The audit file [default: SEEDS/audits/<today>-seed<SEED>.yaml]; an existing one is resumed.")
@click.option("--no-input", is_flag=True, help="Write the sample with empty verdicts, to be filled in by hand, and ask nothing.")
def audit(size: int | None, seed: int | None, build_dir: Path, seeds_dir: Path, out: Path | None, no_input: bool) -> None:
    """Draw random facts of the published build, show each with its quote and sentence, and
    record a verdict for each (right, wrong or unsupported, with an optional note) in an audit
    file, saved after every answer. Run it again on an unfinished file to go on. The next build
    publishes the newest complete audit's precision (VoID, 'crisiskg stats', the home page).

    Example: crisiskg audit --sample 60 --seed 7
    """
    try:
        _run(size, seed, build_dir, seeds_dir, out, no_input)
    except CrisisKGError as exc:
        raise Failure(exc) from exc


def _run(size: int | None, seed: int | None, build_dir: Path, seeds_dir: Path, out: Path | None, no_input: bool) -> None:
    from crisiskg.loaders import audits

    if out is None:
        if seed is None:
            raise click.UsageError("give --seed (and --sample) for a new audit, or --out FILE to resume one")
        out = seeds_dir / audits.FOLDER / f"{dt.date.today().isoformat()}-seed{seed}.yaml"
    if out.exists():
        data = _resume(out, size, seed)
    else:
        if size is None or seed is None:
            raise click.UsageError(f"{out} does not exist: give --sample and --seed to draw a new audit")
        data = _draw(build_dir, size, seed)
        audits.write(out, data)
        click.echo(f"drew {len(data['facts'])} of {data['audit']['facts_in_build']} facts of build {data['audit']['build']} "
                   f"(seed {seed}) into {out}")
    if not no_input:
        _ask(out, data)
    _summary(out, data)


def _resume(out: Path, size: int | None, seed: int | None) -> dict[str, Any]:
    from crisiskg.errors import SeedError
    from crisiskg.loaders import audits

    found, problems = audits.read(out, str(out))
    if found is None:
        raise SeedError(problems)
    head = found.header
    if (size is not None and size != head["sample"]) or (seed is not None and seed != head["seed"]):
        raise click.UsageError(f"{out} holds an audit of {head['sample']} facts drawn with seed {head['seed']}; "
                               f"resume it without --sample and --seed, or choose another --out")
    click.echo(f"resuming {out}: {found.judged} of {len(found.facts)} facts judged")
    return {"audit": head, "facts": found.facts}


def _draw(build_dir: Path, size: int, seed: int) -> dict[str, Any]:
    from crisiskg.curate import facts, readings
    from crisiskg.query.store import Store

    store = Store.open(build_dir)
    every = facts.facts(store)
    drawn = facts.sample(every, size, seed)
    manifest = store.release.manifest
    header = {"date": dt.date.today().isoformat(), "seed": seed, "sample": len(drawn),
              "build": str(manifest.get("data_version", manifest["version"])), "facts_in_build": len(every)}
    return {"audit": header, "facts": readings.records(store, drawn)}


def _show(i: int, n: int, fact: dict[str, Any]) -> None:
    click.echo("")
    click.secho(f"[{i}/{n}] {fact['id']} ({fact['kind']}, article {fact['article']})", bold=True)
    click.echo(f"  fact:     {fact['reading']}")
    for line in fact.get("context") or []:
        click.echo(f"            {line}")
    click.echo(f"  quote:    {fact['quote']}")
    for other in fact.get("other_quotes") or []:
        click.echo(f"  also:     {other}")
    if fact.get("sentence"):
        click.echo(f"  sentence: {fact['sentence']}")


def _ask(out: Path, data: dict[str, Any]) -> None:
    """Ask for every missing verdict, saving the file after each answer."""
    from crisiskg.loaders import audits

    todo = [f for f in data["facts"] if f.get("verdict") is None]
    for i, fact in enumerate(todo, 1):
        _show(i, len(todo), fact)
        while True:
            try:
                answer = click.prompt(PROMPT, default="", show_default=False).strip()
            except click.Abort:
                click.echo("")
                return
            word, _, note = answer.partition(" ")
            word = word.rstrip(":").lower()
            if word in ANSWERS:
                fact["verdict"], fact["note"] = ANSWERS[word], note.strip() or None
                audits.write(out, data)
                break
            if word in ("s", "skip"):
                break
            if word in ("q", "quit"):
                return
            click.echo(f"  {answer!r}: answer r, w or u (a note may follow: 'w the text names no target'), s or q")


def _summary(out: Path, data: dict[str, Any]) -> None:
    from crisiskg.loaders import audits

    found, _ = audits.read(out, str(out))
    if found is None:
        return
    left = len(found.facts) - found.judged
    if left:
        click.echo(f"{out}: {found.judged} of {len(found.facts)} judged, {left} left "
                   f"(fill in 'verdict:' by hand, or run: crisiskg audit --out {out})")
        return
    click.echo(f"{out}: complete; {audits.describe(found.estimate(data['audit']['build']))}")
    click.echo("the next 'crisiskg build' publishes this estimate")
