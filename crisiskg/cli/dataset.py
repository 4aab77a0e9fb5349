"""Commands on the dataset: build, answers, validate, export and stats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from crisiskg.cli.common import Failure, build_option, fail_on_error, seeds_option
from crisiskg.errors import CrisisKGError


@click.command()
@seeds_option
@build_option
@click.option("--allow-drafts", is_flag=True, help="Load annotation files still marked 'status: draft'.")
@click.option("--incremental", is_flag=True, help="If only new article files were added since the published build, "
              "reason and validate only what they touch (same result); otherwise build in full and say why.")
@click.option("--answers", "answers_mode", type=click.Choice(["auto", "wait", "background", "no"]), default="auto", show_default=True,
              help="Once published, keep the answers to the saved questions asked without values, so that they answer at "
              "once (until then they are evaluated when asked): 'wait' for them, write them in a 'background' process "
              "(log: BUILD/answers.log), or 'no'; 'auto' waits after a full build and writes in the background after an "
              "incremental one, so that adding an article returns as soon as it is published.")
@fail_on_error
def build(seeds_dir: Path, build_dir: Path, allow_drafts: bool, incremental: bool, answers_mode: str) -> None:
    """Build the graph from the seeds, reason, validate, and publish it atomically.

    Exits 0 when published, 1 on SHACL violations, 2 on any other error; on failure the previous
    published build stays in place. On a terminal a live line shows the stage at work; each
    finished stage is printed with its seconds (one line each, on standard error).

    Example: crisiskg build --seeds seeds --build build --incremental
    """
    from crisiskg.build.pipeline import build as run_build
    from crisiskg.cli.progress import FULL_BUILD, StageProgress
    from crisiskg.query.answers import keep_answers

    expected = () if incremental else FULL_BUILD + (("answers",) if answers_mode in ("auto", "wait") else ())
    with StageProgress("build", expected) as progress:
        result = run_build(seeds_dir, build_dir, allow_drafts=allow_drafts, incremental=incremental, on_stage=progress.stage)
        background = answers_mode == "background" or (answers_mode == "auto" and result.path != "full")
        if answers_mode != "no" and not background:
            keep_answers(result, progress.stage, progress.call)
    if result.note:
        click.echo(result.note, err=True)
    m = result.manifest
    c = m["counts"]
    click.echo(f"published build {m['version']} to {result.release.path if result.release else build_dir}")
    click.echo(f"  articles {c['articles']}, entities {c['entities']}, events {c['events']}, stances {c['stances']}, "
               f"propositions {c['propositions']}, mentions {c['mentions']}")
    click.echo(f"  triples: {c['triples_asserted']} asserted, {c['triples_inferred']} inferred")
    click.echo("  SHACL: conforms")
    if result.answers is not None:
        click.echo(_kept_line(result.answers))
    elif background:
        from crisiskg.query.answers import spawn

        pid = spawn(build_dir)
        click.echo(f"  kept answers: being written by process {pid} (log: {build_dir / 'answers.log'}); evaluated when asked until then")
    click.echo("  seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()))


def _kept_line(kept: Any) -> str:
    return (f"  kept answers: {kept.answers} ({kept.rows} rows, {kept.size / 1e6:.1f} MB)"
            + "".join(f"; not kept: {qid} ({why})" for qid, why in sorted(kept.skipped.items())))


@click.command()
@build_option
@fail_on_error
def answers(build_dir: Path) -> None:
    """Keep the answers of the published build to the saved questions asked without values.

    A build does this itself once published; run it after editing queries/*.rq (an edited
    question is evaluated until then) or after 'crisiskg build --answers no'.

    Example: crisiskg answers --build build
    """
    import time

    from crisiskg.build.publish import current
    from crisiskg.cli.progress import StageProgress
    from crisiskg.query.answers import keep

    t0 = time.perf_counter()
    release = current(build_dir)
    with StageProgress("answers") as progress:
        written = keep(release, on_call=progress.call)
    click.echo(f"build {release.version}:")
    click.echo(_kept_line(written))
    click.echo(f"  seconds: {time.perf_counter() - t0:.2f}")


@click.command()
@seeds_option
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Validate this RDF file (any rdflib format) instead of the seeds.")
@click.option("--allow-drafts", is_flag=True, help="Load annotation files still marked 'status: draft'.")
def validate(seeds_dir: Path, data: Path | None, allow_drafts: bool) -> None:
    """Validate the seeds (or an RDF file) against the SHACL shapes, without publishing.

    Exits 0 if it conforms, 1 on violations, 2 on an error (as pySHACL's CLI does).

    Example: crisiskg validate --seeds seeds
    """
    from crisiskg.errors import ValidationFailed

    try:
        if data is not None:
            from rdflib import Dataset

            from crisiskg.build.publish import rdflib_dataset_io
            from crisiskg.build.validation import union
            from crisiskg.build.validation import validate as run_validate

            ds = Dataset()
            try:
                with rdflib_dataset_io():
                    ds.parse(data)
            except Exception as exc:  # rdflib raises many parser-specific types
                raise Failure(CrisisKGError(f"cannot parse {data}: {exc}")) from exc  # exit 2: an error, not violations
            outcome = run_validate(union(ds.graphs()))
            click.echo(outcome.report)
            sys.exit(0 if outcome.conforms else 1)
        from crisiskg.build.pipeline import build as run_build

        run_build(seeds_dir, None, allow_drafts=allow_drafts)
        click.echo("conforms")
    except ValidationFailed as exc:
        click.echo(exc.report)
        click.echo(f"{exc.count} violation(s)", err=True)
        sys.exit(1)
    except CrisisKGError as exc:
        raise Failure(exc) from exc


EXPORT_FORMATS = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}


@click.command()
@build_option
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="trig", show_default=True, help="Output format.")
@click.option("--no-inferred", is_flag=True, help="Leave out the inferred graph.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of standard output.")
@fail_on_error
def export(build_dir: Path, fmt: str, no_inferred: bool, output: Path | None) -> None:
    """Export the published dataset. Triple formats (ttl, nt) merge the named graphs.

    Example: crisiskg export --format jsonld -o crisiskg.jsonld
    """
    from crisiskg.build.export import export_dataset

    data = export_dataset(build_dir, EXPORT_FORMATS[fmt], inferred=not no_inferred)
    if output:
        output.write_bytes(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)
    else:
        click.echo(data.decode("utf-8"), nl=False)


@click.command()
@build_option
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.option("--distinct/--no-distinct", default=True, show_default=True,
              help="Also count the distinct triples (loads the build; --no-distinct reads only its manifest).")
@fail_on_error
def stats(build_dir: Path, as_json: bool, distinct: bool) -> None:
    """Show what the published build holds: version, counts, validation, the audited precision
    of its facts ('not audited' without an audit), seconds per stage. Its size is given twice:
    quads (a triple once per named graph that holds it, the manifest's count) and distinct triples
    (what a SPARQL COUNT over the default graph, the union of the graphs, gives).

    Example: crisiskg stats --json
    """
    import json

    from crisiskg.build.publish import current

    release = current(build_dir)
    m = release.manifest
    if as_json:
        click.echo(json.dumps(m, indent=2, sort_keys=True))
        return
    c = m["counts"]
    click.echo(f"build {m['version']} created {m['created']} (crisiskg {m['software_version']})")
    for key in ("articles", "entities", "events", "stances", "propositions", "mentions", "triples_asserted", "triples_inferred"):
        click.echo(f"  {key:<18} {c[key]}")
    if distinct:
        from crisiskg.query.sizes import sizes
        from crisiskg.query.store import Store

        counted = sizes(Store(release))
        click.echo(f"  {'quads':<18} {counted.quads}  (triples_asserted + triples_inferred: a triple once per named graph that holds it)")
        click.echo(f"  {'distinct triples':<18} {counted.distinct_triples}  (the union of the graphs, as SELECT (COUNT(*) ...) "
                   f"WHERE {{ ?s ?p ?o }} counts it; {counted.repeated} quads repeat a triple another graph holds)")
    else:
        click.echo(f"  {'quads':<18} {c['triples_asserted'] + c['triples_inferred']}  (triples_asserted + triples_inferred: "
                   f"a triple once per named graph that holds it; --distinct also counts the distinct triples)")
    click.echo(f"  SHACL              {'conforms' if m['validation']['conforms'] else 'violations'}")
    from crisiskg.loaders.audits import describe

    click.echo(f"  audit              {describe(m.get('audit'))}")
    click.echo("  graphs:")
    for graph, n in c["graphs"].items():
        click.echo(f"    {n:>7}  {graph}")
