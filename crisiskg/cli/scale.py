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

    About 270 asserted triples an article; deterministic for a given --seed. A terminal shows its
    progress.

    Example: crisiskg synth --articles 400 --out /tmp/synth && crisiskg build --seeds /tmp/synth --build /tmp/synth-build
    """
    from crisiskg.scale.synth import synthesize

    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty; pass a new folder to --out")
    from rich.console import Console

    console = Console(stderr=True)
    if console.is_terminal:  # a terminal: a progress bar on standard error; elsewhere the one line below
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("writing articles", total=articles)
            counts = synthesize(articles=articles, out=out, seed=seed, on_article=lambda done, _all: bar.update(task, completed=done))
    else:
        counts = synthesize(articles=articles, out=out, seed=seed)
    click.echo(f"wrote {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@click.command()
@click.option("--store", "spec", required=True, envvar="CRISISKG_STORE",
              help="oxigraph:PATH or sparql:URL[#store=GSP_URL] (memory needs no push); credentials from "
                   "CRISISKG_STORE_USER / CRISISKG_STORE_PASSWORD or ~/.netrc.")
@click.option("--build", "build_dir", type=click.Path(path_type=Path), default=Path("build"), show_default=True, help="The build folder (published builds).")
@click.option("--replace-existing", is_flag=True,
              help="sparql:URL only: take over graphs of the build's names that are on the server but were not created by push "
                   "(by default push refuses to replace them).")
def push(spec: str, build_dir: Path, replace_existing: bool) -> None:
    """Copy the current published build into an on-disk Oxigraph store or a remote SPARQL store.

    oxigraph:PATH writes PATH/<release> and swaps PATH/current atomically (readers open it
    read-only). sparql:URL replaces the build's named graphs over the Graph Store Protocol (URL's
    /query -> /store, /sparql -> /data, or sparql:URL#store=GSP_URL); it replaces or deletes only
    graphs it created (the build's provenance graph names them), never anyone else's, and says
    what it did. After 'build --incremental', either kind gets only what changed when it holds the
    build the new one was made from (else the whole build, and the summary says why); a server
    that holds this very build, each graph with as many triples as the build gives it, is sent
    nothing. A terminal
    shows a live line with the stage at work; each finished stage is printed with its seconds (one
    line each, on standard error).

    Example: crisiskg build && crisiskg push --store sparql:http://127.0.0.1:7878/query
    """
    from crisiskg.cli.common import Failure
    from crisiskg.cli.progress import StageProgress
    from crisiskg.errors import CrisisKGError
    from crisiskg.scale.push import push as run_push

    try:
        with StageProgress("push") as progress:  # the stages differ by store kind and by build: not listed ahead
            said = run_push(spec, build_dir, replace_existing=replace_existing, progress=progress.step, on_stage=progress.stage)
    except CrisisKGError as exc:
        raise Failure(exc) from exc
    click.echo(said)
