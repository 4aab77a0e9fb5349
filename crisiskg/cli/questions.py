"""``crisiskg query`` (saved questions: list, show, run) and ``crisiskg sparql`` (any query).

Thin commands: parse the options, call :mod:`crisiskg.query.savedqueries` and :mod:`crisiskg.query.store`,
print. A bad parameter, a bad query or a missing build exits 2 with the library's message.

The library (the store, rdflib, the saved queries) is imported by the commands that use it, not with
this module: ``crisiskg --help`` and ``crisiskg build`` import this module too.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crisiskg import REASONING
from crisiskg.cli.common import Failure
from crisiskg.cli.text import render_table
from crisiskg.errors import CrisisKGError, QueryError

if TYPE_CHECKING:
    from rdflib.term import Node

    from crisiskg.query.results import Result
    from crisiskg.query.savedqueries import SavedQuery
    from crisiskg.query.store import Store

FORMATS = ("table", "text", "csv", "tsv", "json", "jsonld", "ttl")
DEFAULT_BUILD = Path("build")


def _clean_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CrisisKGError as exc:
            raise Failure(exc) from exc

    return wrapper


_build_option = click.option("--build", "build_dir", type=click.Path(path_type=Path), default=DEFAULT_BUILD, show_default=True,
                             help="The build folder (the published build under it is queried).")
_store_option = click.option("--store", "store_spec", envvar="CRISISKG_STORE", default=None, metavar="SPEC",
                             help="Where the build is queried: memory (the default), oxigraph:PATH (after 'crisiskg push') "
                                  "or sparql:URL [default: $CRISISKG_STORE or memory].")
_format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                              help="table (for people: labels, wrapped between words; the default on a terminal), text "
                                   "(aligned plain text; the default otherwise), csv, tsv, json (SPARQL results JSON) for "
                                   "SELECT/ASK; ttl, jsonld for CONSTRUCT/DESCRIBE.")


_reasoning_option = click.option("--reasoning", type=click.Choice(REASONING), default="owlrl", show_default=True,
                                 help="owlrl: asserted and inferred triples; none: asserted only.")
_output_option = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                              help="Write to this file instead of standard output.")
_width_option = click.option("--width", type=int, default=None,
                             help="Wrap table cells to fit this many columns (default: the terminal's width; 0: never wrap).")



def _answer_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """What every command that prints an answer takes (query run, sparql): format, reasoning,
    build, store, output file and width, with library errors turned into clean exits."""
    for option in (_clean_errors, _width_option, _output_option, _store_option, _build_option, _reasoning_option, _format_option):
        fn = option(fn)
    return fn

# ------------------------------------------------------------------------------ rendering


@functools.cache
def _rdf() -> tuple[type, type, type, Callable[[str], str]]:
    """rdflib's URIRef, BNode and Literal, and crisiskg.vocab.shorten: imported on first use."""
    from rdflib import BNode, Literal, URIRef

    from crisiskg.vocab import shorten

    return URIRef, BNode, Literal, shorten


def cell(term: Node | None) -> str:
    """A term as table text: IRIs as CURIEs, literals as their text (one line)."""
    if term is None:
        return ""
    URIRef, BNode, Literal, shorten = _rdf()
    if isinstance(term, URIRef):
        return shorten(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return " ".join(str(term).split())
    return str(term)


def _sort_key(row: dict[str, Node | None], variables: list[str]) -> tuple[Any, ...]:
    URIRef, BNode, Literal, _ = _rdf()

    def one(t: Node | None) -> tuple[int, str]:
        if t is None:
            return (0, "")
        return ({BNode: 1, URIRef: 2}.get(type(t), 3), cell(t) if isinstance(t, Literal) else str(t))

    return tuple(one(row.get(v)) for v in variables)


def has_order_by(sparql: str) -> bool:
    """Whether the query text orders its rows (comments, strings and IRIs ignored)."""
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*', " ", sparql)
    return re.search(r"\bORDER\s+BY\b", text, re.IGNORECASE) is not None


def deterministic(result: Result, sparql: str) -> Result:
    """``result`` with its rows sorted when the query does not order them itself."""
    if result.kind == "select" and not has_order_by(sparql):
        result.rows = sorted(result.rows, key=lambda r: _sort_key(r, result.variables))
    if result.kind == "graph":
        result.triples = sorted(result.triples, key=lambda t: tuple(_sort_key({"x": x}, ["x"]) for x in t))
    return result


def _terminal_width(width: int | None) -> int | None:
    if width is not None:
        return width or None
    if sys.stdout.isatty():
        return shutil.get_terminal_size((120, 24)).columns
    env = os.environ.get("COLUMNS", "")
    return int(env) if env.isdigit() and int(env) > 0 else None


def on_terminal() -> bool:
    """Whether standard output is a terminal, as rich sees it (``TTY_COMPATIBLE=1`` or ``FORCE_COLOR``
    say yes for a stream that is not one; ``TTY_COMPATIBLE=0`` says no)."""
    from rich.console import Console

    return Console(file=sys.stdout).is_terminal


def _answer(result: Result, fmt: str | None, width: int | None, store: Store, output: Path | None) -> bytes:
    """The answer in ``fmt``; without one, the table for people on a terminal and plain text otherwise."""
    fmt = fmt or ("table" if output is None and on_terminal() else "text")
    if fmt == "table":
        from crisiskg.cli.table import result_table

        return result_table(result, store=store, width=_terminal_width(width)).encode("utf-8")
    return format_result(result, fmt, width=_terminal_width(width))


def format_result(result: Result, fmt: str, *, width: int | None = None) -> bytes:
    """The bytes to print for ``result`` in ``fmt`` (see FORMATS); QueryError if it does not fit."""
    from crisiskg.query.results import Result

    if result.kind == "graph":
        if fmt in ("table", "text"):
            rows = [[cell(s), cell(p), cell(o)] for s, p, o in result.triples]
            text = render_table(["subject", "predicate", "object"], rows, width=width)
            return (text + f"\n{len(rows)} triple{'s' if len(rows) != 1 else ''}\n").encode("utf-8")
        if fmt in ("csv", "tsv", "json"):
            if fmt == "json":
                return result.serialize("jsonld")
            as_rows = Result("select", variables=["subject", "predicate", "object"],
                             rows=[{"subject": s, "predicate": p, "object": o} for s, p, o in result.triples])
            return as_rows.serialize(fmt)
        return result.serialize(fmt)
    if fmt in ("ttl", "jsonld"):
        raise QueryError(f"format '{fmt}' writes RDF and needs a CONSTRUCT or DESCRIBE query; this is {result.kind.upper()}: "
                         f"choose one of table, csv, tsv, json")
    if fmt in ("table", "text"):
        if result.kind == "ask":
            return b"yes\n" if result.boolean else b"no\n"
        rows = [[cell(r.get(v)) for v in result.variables] for r in result.rows]
        text = render_table(result.variables, rows, width=width)
        return (text + f"\n{len(rows)} row{'s' if len(rows) != 1 else ''}\n").encode("utf-8")
    return result.serialize(fmt)


def _emit(data: bytes, output: Path | None) -> None:
    if output:
        output.write_bytes(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)
    else:
        click.echo(data, nl=False)


# ------------------------------------------------------------------------------ commands


@click.group("query")
def query() -> None:
    """Saved questions (queries/*.rq): list them, show one, run one with typed parameters.

    Example: crisiskg query run events-in-country --param country=iraq
    """


@query.command("list")
@click.option("--tag", help="Only the questions with this tag.")
@click.option("--json", "as_json", is_flag=True, help="Print the questions as JSON.")
@click.option("--width", type=int, default=None, help="Wrap to this many columns (default: the terminal's width; 0: never).")
@_clean_errors
def list_queries(tag: str | None, as_json: bool, width: int | None) -> None:
    """List the saved questions: id, parameters and summary.

    Example: crisiskg query list --tag stances
    """
    import json

    from crisiskg.query.savedqueries import load_queries

    queries = [q for q in load_queries().values() if tag is None or tag in q.tags]
    if as_json:
        click.echo(json.dumps([q.to_dict() for q in queries], indent=2, ensure_ascii=False))
        return
    rows = [[q.id, ", ".join(p.name for p in q.params), q.summary] for q in queries]
    click.echo(render_table(["id", "parameters", "summary"], rows, width=_terminal_width(width)))
    click.echo(f"{len(rows)} saved question{'s' if len(rows) != 1 else ''}")


def _describe(q: SavedQuery, store: Store | None) -> Iterable[str]:
    from crisiskg.query.params import param_choices

    yield f"{q.id}: {q.summary}"
    yield ""
    yield from textwrap.wrap(q.description, 100)
    yield ""
    yield f"tags: {', '.join(q.tags) or '-'}    view: {q.view}    kind: {q.kind.upper()}"
    if q.params:
        yield "parameters:"
    for p in q.params:
        kind = p.type + (f" of class {p.cls}" if p.cls else "")
        need = "required" if p.required else (f"default {p.default}" if p.default is not None else "optional")
        yield f"  {p.name} ({kind}, {need}): {p.description}"
        if p.type == "enum":
            yield f"      choices: {', '.join(p.choices)}"
        elif p.type == "iri" and store is not None:
            yield from textwrap.wrap("choices: " + ", ".join(c.shown for c in param_choices(store, p)), 100, break_on_hyphens=False,
                                     initial_indent="      ", subsequent_indent="        ")
    example = " ".join(f"--param {p.name}={p.default if p.default is not None else '...'}" for p in q.params)
    yield ""
    yield f"run it: crisiskg query run {q.id}" + (f" {example}" if example else "")
    yield ""
    yield q.sparql.strip()


@query.command("show")
@click.argument("query_id")
@_build_option
@_store_option
@_clean_errors
def show(query_id: str, build_dir: Path, store_spec: str | None) -> None:
    """Show a saved question: description, parameters (with their valid choices when a build is
    published) and its SPARQL.

    Example: crisiskg query show stances-on-proposition
    """
    from crisiskg.query.savedqueries import get_query
    from crisiskg.query.store import open_store

    q = get_query(query_id)
    store = None
    if any(p.type == "iri" for p in q.params):
        try:
            store = open_store(store_spec, build_dir)
        except CrisisKGError:
            store = None
    click.echo("\n".join(_describe(q, store)))


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        if name.strip() in values:
            raise click.BadParameter(f"parameter '{name.strip()}' is given twice", param_hint="--param")
        values[name.strip()] = value
    return values


class _Run(click.Command):
    """``query run``, whose usage errors point at ``--param`` when a parameter was written another
    way (``actor=Iran`` alone, or ``--actor Iran``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            hint = _param_hint(given)
            if hint is None:
                raise
            # without click's "did you mean --store?", which misleads for a parameter's name
            raise click.UsageError(f"{exc.message}\nhint: {hint}", ctx=exc.ctx) from None


def _param_hint(args: list[str]) -> str | None:
    """How to give the parameter ``args`` wrote as ``NAME=VALUE`` without ``--param``, or as
    ``--NAME VALUE`` / ``--NAME=VALUE`` when NAME is a parameter of the question; None otherwise."""
    for i, arg in enumerate(args):
        if i > 0 and args[i - 1].startswith("-") and "=" not in args[i - 1]:
            continue  # an option's value (every option of 'query run' takes one): a path may hold a '='
        if not arg.startswith("-") and "=" in arg:
            return f"a parameter value is given with --param: --param {arg}"
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if not eq and i + 1 < len(args) and not args[i + 1].startswith("-"):
                value = args[i + 1]
            if name in _param_names(args):
                return f"a parameter value is given with --param: --param {name}={value or 'VALUE'}"
    return None


def _param_names(args: list[str]) -> set[str]:
    """The parameter names of the saved questions ``args`` may name (none when it names none)."""
    from crisiskg.query.savedqueries import load_queries

    try:
        queries = load_queries()
    except CrisisKGError:
        return set()
    return {p.name for a in args if a in queries for p in queries[a].params}


@query.command("run", cls=_Run)
@click.argument("query_id")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A parameter value (repeatable).")
@_answer_options
def run(query_id: str, params: tuple[str, ...], fmt: str | None, reasoning: str, build_dir: Path, store_spec: str | None,
        output: Path | None, width: int | None) -> None:
    """Run a saved question on the published build. Parameters are checked and bound as RDF
    terms (an entity by its id, IRI, CURIE, label or any alias); a bad one exits 2 naming the valid
    parameters or choices. On a terminal the answer is a table for people (labels, wrapped between
    words); on a pipe, aligned plain text.

    Example: crisiskg query run stances-on-proposition --param proposition=us-military-retaliation-jan-8 --format csv
    """
    from crisiskg.query.savedqueries import get_query
    from crisiskg.query.store import open_store

    q = get_query(query_id)
    values = _parse_params(params)
    for name, value in values.items():  # fail fast, before opening the store
        param = q.param(name)
        if param.type != "iri":
            param.convert(value, query_id=q.id)
    store = open_store(store_spec, build_dir)
    result = deterministic(q.run(store, values, reasoning=reasoning), q.sparql)
    _emit(_answer(result, fmt, width, store, output), output)


@click.command("sparql")
@click.argument("sparql_text", metavar="QUERY", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the query from this file.")
@_answer_options
def sparql(sparql_text: str | None, query_file: Path | None, fmt: str | None, reasoning: str, build_dir: Path,
           store_spec: str | None, output: Path | None, width: int | None) -> None:
    """Run a SPARQL 1.1 query on the published build (the crisiskg prefixes are predeclared; the
    default graph is the union of the named graphs). Rows come in a fixed order even without
    ORDER BY.

    Example: crisiskg sparql "SELECT ?event ?date WHERE { ?event sem:hasTimeStamp ?date } ORDER BY ?date"
    """
    if (sparql_text is None) == (query_file is None):
        raise click.UsageError("give the query as an argument or with -f FILE (one of them)")
    from crisiskg.query.store import open_store

    text = query_file.read_text(encoding="utf-8") if query_file else str(sparql_text)
    if text.strip() == "-":
        text = sys.stdin.read()
    store = open_store(store_spec, build_dir)
    result = deterministic(store.query(text, reasoning=reasoning), text)
    _emit(_answer(result, fmt, width, store, output), output)
