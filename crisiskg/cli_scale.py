"""Commands for scale: a synthetic corpus, and copying a published build into a store."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--articles", type=click.IntRange(min=1), required=True, help="How many articles to write.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="The seeds folder to write (use a new one).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: the same seed writes the same files.")
def synth(articles: int, out: Path, seed: int) -> None:
    """Write a synthetic corpus with the seeds' shape (a seeds folder the normal build reads).

    About 270 asserted triples an article; deterministic for a given --seed.

    Example: crisiskg synth --articles 400 --out /tmp/synth && crisiskg build --seeds /tmp/synth --build /tmp/synth-build
    """
    from crisiskg.synth import synthesize

    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty; pass a new folder to --out")
    counts = synthesize(articles=articles, out=out, seed=seed)
    click.echo(f"wrote {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
