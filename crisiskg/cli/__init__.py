"""The crisiskg command line: thin commands over the library (parse, call, print).

One click group, :func:`main`; its commands live by job in :mod:`crisiskg.cli.dataset` (build,
answers, validate, export, stats), :mod:`crisiskg.cli.questions` (query, sparql),
:mod:`crisiskg.cli.curation` (coverage, draft), :mod:`crisiskg.cli.review` (audit),
:mod:`crisiskg.cli.scale` (synth, push) and :mod:`crisiskg.cli.server` (serve); what they share
is :mod:`crisiskg.cli.common`. Expected failures raise ``click.ClickException`` subclasses with
the library's message and exit code (2 for errors, 1 for SHACL violations); no traceback reaches
the user.
"""

from __future__ import annotations

import click

from crisiskg import __version__
from crisiskg.cli.curation import coverage, draft
from crisiskg.cli.dataset import answers, build, export, stats, validate
from crisiskg.cli.questions import query, sparql
from crisiskg.cli.review import audit
from crisiskg.cli.scale import push, synth
from crisiskg.cli.server import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crisiskg")
def main() -> None:
    """crisiskg: build, check, query and serve the crisis knowledge graph.

    Example: crisiskg build && crisiskg query run timeline
    """


for command in (build, answers, validate, export, stats, coverage, draft, query, sparql, synth, push, serve, audit):
    main.add_command(command)


def run() -> None:
    """The console entry point (``crisiskg``, ``python -m crisiskg``): :func:`main`."""
    main()
