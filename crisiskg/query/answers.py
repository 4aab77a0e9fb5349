"""Answers to saved questions, computed once per build and kept beside its data.

The data changes only at build, so the answer to a saved question asked without parameters is the
same until the next build. After it publishes, a build evaluates every such call and writes the
answers into the release (``answers/``): each saved question that needs no value from the user,
once for every combination of its enum parameters' values (and once without an optional one),
its other parameters at their defaults. A later query whose text (parameters bound) and reasoning
are exactly those of a kept answer is answered from it, on every store kind; anything else is
evaluated. At scale this is what keeps a question that lists thousands of dated events, or
compares every stance with every other, fast: evaluating them costs far more (pyoxigraph needs
microseconds per row and lookup, and ORDER BY reads every row before the first; figures in
``benchmarks/README.md``).

An answer is found by a key of the query text and the reasoning, so an edited ``.rq`` file can
never be answered by an answer kept for its old text; answers kept for another version of the
data are ignored. The folder is written beside the release and renamed into place, its index
last, so a reader sees all of a release's answers or none. A query without a kept answer makes
the store look again (one ``stat``, at most every 2 s) whether they were written since, which is
how a running server picks up answers written after it opened the release, or written again by
``crisiskg answers`` after a saved question was edited.

Each call has a time limit: its question's ``timeout`` header if it has one, else :data:`LIMIT`.
A call past it is left out, named in :attr:`Written.skipped` ("stopped after 60 s: evaluated when
asked instead"), and the stage goes on; so a saved question that never finishes (a half-written
``.rq`` with a cross product) costs the build a minute instead of hanging it. A pyoxigraph query
cannot be interrupted from inside its process, so on an in-memory store the calls are evaluated
in order by a killable worker process (:mod:`crisiskg.query.killable`, the one mechanism the
service uses too) that loads the release's ``dataset.nq`` itself, writes each answer and returns
its report; at a call's limit the worker is killed and a new one goes on with the next call. A
worker that ends by itself (a crash, the out-of-memory killer) is reported the same way for the
call it was on, and a worker ends with the process that started it, so a build stopped while a
call is stuck leaves no process behind. For on-disk and remote stores (neither safe to share with
another process; a remote one has its own HTTP time limit), and where ``os.fork`` does not exist,
calls are evaluated in this process as they come, without a limit.

Every answer file's SHA-256 is in the index (``sha256``); the reader checks it, and evaluates a
query whose kept answer is damaged (:mod:`crisiskg.query.kept`).

Layout: ``answers/index.json`` (``{"version": ..., "answers": {key: {"question", "values",
"kind", "file", "size", "sha256"}}}``) and one file per answer: SPARQL JSON results for SELECT and ASK,
N-Triples for a graph.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from crisiskg.errors import BuildError
from crisiskg.query.kept import ANSWERS, INDEX, key

if TYPE_CHECKING:
    from crisiskg.build.publish import Release
    from crisiskg.build.stages import BuildResult
    from crisiskg.query.savedqueries import SavedQuery
    from crisiskg.query.store import Store

_FILE_FORMAT = {"select": "json", "ask": "json", "graph": "nt"}
# Seconds a kept call may take unless its question sets a ``timeout``: far above the slowest one at
# the benchmarks' largest size and above the server's default limit, so that a question kept because
# it is too slow to answer live is still kept, while one that never finishes costs the stage a minute.
LIMIT = 60.0
_FORKABLE = {"memory"}  # store kinds evaluated in a child: not an on-disk RocksDB, nor a remote store


def calls(q: SavedQuery) -> Iterator[dict[str, str]]:
    """The calls of ``q`` whose answers are kept: none when it needs a value that is not an enum
    choice; else every combination of its enum parameters' values (an optional one without a
    default also left out), the other parameters left to their defaults."""
    if any(p.required and p.type != "enum" for p in q.params):
        return
    options: list[list[tuple[str, str | None]]] = []
    for p in q.params:
        if p.type != "enum":
            continue
        values: list[str | None] = list(p.choices)
        if not p.required and p.default is None:
            values.append(None)
        options.append([(p.name, v) for v in values])
    for combo in itertools.product(*options):
        yield {name: value for name, value in combo if value is not None}


@dataclass
class Written:
    """What :func:`write` kept: answers, their rows (or triples) and bytes, questions skipped."""

    answers: int = 0
    rows: int = 0
    size: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # question -> why a call of it was not kept (failed, or stopped)
    no_default: list[str] = field(default_factory=list)  # questions whose default values this build does not hold


def write(store: Store, queries: Mapping[str, SavedQuery], *, reasoning: str = "owlrl", limit: float = LIMIT) -> Written:
    """Evaluate every kept call of ``queries`` on ``store`` and write the answers into its
    release (replacing any there). A call that cannot be answered is left out and named in the
    returned :class:`Written`: ``no_default`` when a default value (an IRI of the seeds) is not in
    this build, ``skipped`` with the reason when its evaluation failed or ran past its time limit
    (the question's ``timeout`` if it has one, else ``limit`` seconds); it is evaluated when asked.
    On an in-memory store where ``os.fork`` exists, calls are evaluated in a child process that is
    killed at the limit; elsewhere in this process, without a limit. Raises OSError when the
    answers cannot be written."""
    from crisiskg.query.store import Store

    opener = functools.partial(Store, store.release) if store.kind in _FORKABLE else functools.partial(_same, store)
    return _write(store.release, store.kind, opener, queries, reasoning=reasoning, limit=limit)


def _same(store: Store) -> Store:
    """``store`` itself: the opener of calls evaluated in this process."""
    return store


def _write(release: Release, kind: str, opener: Callable[[], Store], queries: Mapping[str, SavedQuery], *,
           reasoning: str, limit: float, on_call: Callable[[str, int, int], None] | None = None) -> Written:
    """:func:`write` on the store ``opener`` returns (of store kind ``kind``), opened where the
    calls are evaluated: in each child when they are evaluated in children."""
    folder = release.path / ANSWERS
    tmp = release.path / f".{ANSWERS}-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    out = Written()
    index: dict[str, Any] = {}
    todo = [_Call(qid, q, values, q.timeout or limit) for qid, q in sorted(queries.items()) for values in calls(q)]
    evaluate = _in_children if hasattr(os, "fork") and kind in _FORKABLE else _in_process
    try:
        for n, (call, report) in enumerate(zip(todo, evaluate(opener, todo, reasoning, tmp), strict=True), 1):
            on_call(call.qid, n, len(todo)) if on_call else None  # progress: question, calls done, calls in all
            if "no_default" in report:
                out.no_default.append(call.qid)
            elif "failed" in report:
                out.skipped[call.qid] = report["failed"]
            else:
                index[report["key"]] = {"question": call.qid, "values": call.values, "kind": report["kind"],
                                        "file": report["file"], "size": report["size"], "sha256": report["sha256"]}
                out.answers += 1
                out.rows += report["size"]
                out.size += report["bytes"]
        (tmp / INDEX).write_text(json.dumps({"version": release.version, "reasoning": reasoning, "answers": index},
                                            indent=1, sort_keys=True), encoding="utf-8")
        old = release.path / f".{ANSWERS}-old-{os.getpid()}-{threading.get_ident()}"
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


@dataclass(frozen=True)
class _Call:
    """One kept call: its question, values and time limit (seconds)."""

    qid: str
    query: SavedQuery
    values: dict[str, str]
    limit: float

    def why(self, what: str) -> str:
        """A reason for ``skipped``: ``what`` happened to this call, which is left to evaluation."""
        values = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"{what}{f' (with {values})' if values else ''}: evaluated when asked instead"


def _answer(store: Store, call: _Call, n: int, reasoning: str, folder: Path) -> dict[str, Any]:
    """Evaluate ``call`` (the ``n``-th) and write its answer into ``folder``; its report: the
    index entry's parts, or ``no_default``, or why it ``failed``. Raises OSError when the answer
    cannot be written."""
    from crisiskg.errors import ParameterError
    from crisiskg.query.sparqltext import bind_values

    try:
        bound = call.query.bind(call.values, store)
        text = bind_values(call.query.sparql, bound) if bound else call.query.sparql
        kind, body = store.serialized(text, reasoning=reasoning)
    except ParameterError:  # a default (an IRI of the seeds) another corpus does not have
        return {"no_default": True}
    except Exception as exc:  # noqa: BLE001  # a call this build cannot answer stays evaluated on demand
        why = str(exc)
        return {"failed": why if len(why) < 300 else why[:297] + "..."}
    name = f"{n:04d}.{_FILE_FORMAT[kind]}"  # by call, so that what a stopped call left is known
    (folder / name).write_bytes(body)
    return {"key": key(text, reasoning), "kind": kind, "file": name, "size": _size(kind, body), "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest()}


def _in_process(opener: Callable[[], Store], todo: list[_Call], reasoning: str, folder: Path) -> list[dict[str, Any]]:
    """Every call's report, evaluated in this process (no time limit: nothing can stop pyoxigraph)."""
    store = opener()
    return [_answer(store, call, n, reasoning, folder) for n, call in enumerate(todo)]


def _in_children(opener: Callable[[], Store], todo: list[_Call], reasoning: str, folder: Path) -> list[dict[str, Any]]:
    """Every call's report, evaluated in order by one killable worker process
    (:class:`crisiskg.query.killable.Killable`) that opens the store with ``opener`` (picklable);
    opening is part of no call's time. A call that ran past its limit, or whose worker ended
    (killed from outside: the out-of-memory killer), is reported ``failed``, what it wrote is
    removed, and a new worker goes on with the next call. Raises OSError when an answer cannot be
    written, the store cannot be opened, or no worker process can be started."""
    from crisiskg.query.killable import Killable, OpenFailed, OutOfMemory, Stopped, Unavailable, WorkerExited, outcome

    reports: list[dict[str, Any]] = []
    workers = Killable(opener, size=1, preload=("crisiskg.query.answers", "crisiskg.query.store", "crisiskg.query.savedqueries"))
    try:
        for n, call in enumerate(todo):
            try:
                future = workers.submit(_answer, call, n, reasoning, folder, timeout=call.limit)
                reports.append(outcome(future))
                continue
            except Stopped:
                why = f"stopped after {call.limit:g} s"
            except (OutOfMemory, WorkerExited) as exc:
                why = f"the process evaluating it ended ({exc})"
            except OpenFailed as exc:
                raise OSError(f"could not open the store to keep answers: {exc}") from None
            except Unavailable as exc:
                raise OSError(f"could not start a process to keep answers in: {exc}") from None
            for part in folder.glob(f"{n:04d}.*"):
                part.unlink()
            reports.append({"failed": call.why(why)})
    finally:
        workers.close()
    return reports


def keep(release: Release, on_call: Callable[[str, int, int], None] | None = None) -> Written:
    """Write ``release``'s kept answers to the saved questions in ``queries/``, on a store read from
    its ``dataset.nq`` where the calls are evaluated (and freed there, within the caller's timing);
    ``on_call`` hears of each call evaluated (question, calls done, calls in all)."""
    from crisiskg.query.savedqueries import load_queries
    from crisiskg.query.store import Store

    return _write(release, "memory", functools.partial(Store, release), load_queries(), reasoning="owlrl", limit=LIMIT,
                  on_call=on_call)


def _size(kind: str, body: bytes) -> int:
    """Rows of a SELECT, triples of a graph, 0 for ASK."""
    if kind == "graph":
        return sum(1 for _ in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return 0 if isinstance(parsed, ox.QueryBoolean) else sum(1 for _ in parsed)


def spawn(build_dir: Path | str) -> int:
    """Start ``crisiskg answers`` for ``build_dir``'s published build in a process of its own
    (its own session: it outlives the command that started it), output to ``answers.log`` in
    ``build_dir``; its process id. Nothing waits for it (a CLI command exits at once).

    Not an evaluation that may be stopped (that is :mod:`crisiskg.query.killable`, whose workers
    end with their pool and so with the command), but a process meant to outlive its parent: a
    ``subprocess.Popen`` object would warn (ResourceWarning) when dropped while its child runs,
    which is the point here; ``posix_spawn`` gives a process id and nothing to wait for."""
    import sys

    log = str(Path(build_dir) / "answers.log")
    args = [sys.executable, "-m", "crisiskg", "answers", "--build", str(build_dir)]
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
               (os.POSIX_SPAWN_DUP2, 1, 2)]
    return os.posix_spawn(sys.executable, args, os.environ, file_actions=actions, setsid=True)


def keep_answers(result: BuildResult, on_stage: Callable[[str, float], None] | None = None, on_call: Callable[..., None] | None = None) -> None:
    """Write the kept answers of ``result``'s release (its ``answers`` and ``seconds["answers"]``).
    A failure here never undoes the release: its questions are then evaluated when asked."""
    assert result.release is not None
    t0 = time.perf_counter()
    try:
        result.answers = keep(result.release, on_call)
    except OSError as exc:
        raise BuildError(f"published {result.release.path}, but could not keep the answers to its saved questions: {exc}; "
                         f"they are evaluated when asked") from exc
    result.seconds["answers"] = round(time.perf_counter() - t0, 3)
    if on_stage:
        on_stage("answers", result.seconds["answers"])
