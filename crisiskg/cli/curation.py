"""Curator commands: ``coverage`` and ``draft``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crisiskg.cli.common import DEFAULT_SEEDS, fail_on_error, seeds_option


@click.command()
@seeds_option
@click.option("--strict", is_flag=True, help="Exit 1 unless every name is resolved and every cue sentence covered.")
@click.option("--dates/--no-dates", default=True, show_default=True, help="List the date expressions no event covers.")
@fail_on_error
def coverage(seeds_dir: Path, strict: bool, dates: bool) -> None:
    """Per article: names resolved to registry entities, cue sentences ('should', 'must',
    'need to', ...) with no stance, and date expressions with no event, each at the text file's
    line:column with what to do; and the places its events name that have no point (their events
    are not on the map). Runs while other mistakes remain (it says how many).

    Example: crisiskg coverage --strict
    """
    from crisiskg.curate.coverage import check

    complete = True
    found, problems = check(seeds_dir)
    if problems:
        click.echo(f"{len(problems)} other problem(s) in the seeds (crisiskg build lists them); the entries they point at are left out here")
    for cov in found:
        total = len(cov.names_resolved) + len(cov.names_unresolved)
        click.echo(f"{cov.file}: {cov.mentions} alias mentions; names resolved {len(cov.names_resolved)}/{total} "
                   f"({cov.resolved_share:.0%}); cue sentences: {cov.cues_covered} with a stance, {cov.cues_skipped} skipped "
                   f"with a reason, {len(cov.cues_uncovered)} uncovered; dates: {cov.dates_covered} in events, {len(cov.dates_uncovered)} not")
        for offset, name in cov.names_unresolved:
            click.echo(f"  unresolved name at {cov.where(offset)}: {name!r} (add it to registry.yaml as an alias of its entity, "
                       f"or list it under ignored_names in {cov.file} with a reason)")
        for offset, sentence in cov.cues_uncovered:
            click.echo(f"  cue sentence at {cov.where(offset)} has no stance: {sentence[:100]!r} (add a stance quoting it, "
                       f"or a skipped_cues entry with the reason it holds none)")
        if dates:
            for offset, expr in cov.dates_uncovered:
                click.echo(f"  date expression at {cov.where(offset)} in no event quote: {expr!r} (annotate the event it dates, "
                           f"or leave it if it dates none)")
        for place, events in cov.places_without_point.items():
            click.echo(f"  place {place!r} has no point: its {events} event(s) here are not on the map (add 'point: [latitude, "
                       f"longitude]' to its entry in registry.yaml)")
        complete = complete and cov.complete
    if strict and not complete:
        sys.exit(1)


@click.command()
@click.argument("article", type=click.Path(dir_okay=False, path_type=Path))
@seeds_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the draft (default: beside the article, same name, .yaml).")
@click.option("--force", is_flag=True, help="Overwrite an existing annotation file.")
@fail_on_error
def draft(article: Path, seeds_dir: Path, output: Path | None, force: bool) -> None:
    """Write a first annotation file for a new article, marked as a draft.

    Put the article's text in seeds/articles/NNN_name.txt first (UTF-8, verbatim).

    Example: crisiskg draft seeds/articles/005_new.txt
    """
    from crisiskg.curate.draft import draft as run_draft

    target = output or article.with_suffix(".yaml")
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; pass --force to overwrite it")
    text = run_draft(article, seeds_dir)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}: a draft; review it, then set 'status: reviewed' and run 'crisiskg build'")


_ = DEFAULT_SEEDS
