"""Answers to saved questions, computed once per build and kept beside its data.

The data changes only at build, so the answer to a saved question asked without parameters is the
same until the next build. After it publishes, a build evaluates every such call and writes the
answers into the release (``answers/``): each saved question that needs no value from the user,
once for every combination of its enum parameters' values (and once without an optional one),
its other parameters at their defaults. A later query whose text (parameters bound) and reasoning
are exactly those of a kept answer is answered from it, on every store kind; anything else is
evaluated. At 1M triples this is what keeps a question that lists 8,000 dated events, or compares
every stance with every other, under 50 ms: evaluating them costs 100-600 ms (pyoxigraph needs
microseconds per row and lookup, and ORDER BY reads every row before the first).

An answer is found by a key of the query text and the reasoning, so an edited ``.rq`` file can
never be answered by an answer kept for its old text; answers kept for another version of the
data are ignored. The folder is written beside the release and renamed into place, its index
last, so a reader sees all of a release's answers or none. A query without a kept answer makes
the store look again (one ``stat``, at most every 2 s) whether they were written since, which is
how a running server picks up answers written after it opened the release, or written again by
``crisiskg answers`` after a saved question was edited.

Layout: ``answers/index.json`` (``{"version": ..., "answers": {key: {"question", "values",
"kind", "file", "size"}}}``) and one file per answer: SPARQL JSON results for SELECT and ASK,
N-Triples for a graph.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

if TYPE_CHECKING:
    from crisiskg.publish import Release
    from crisiskg.savedqueries import SavedQuery
    from crisiskg.store import Result, Store

ANSWERS = "answers"
INDEX = "index.json"
_FILE_FORMAT = {"select": "json", "ask": "json", "graph": "nt"}


def key(sparql: str, reasoning: str) -> str:
    """The key of a query text (parameters already bound) under a reasoning setting."""
    return hashlib.sha256(f"{reasoning}\n{sparql.strip()}".encode()).hexdigest()


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
    skipped: dict[str, str] = field(default_factory=dict)  # question -> why its evaluation failed
    no_default: list[str] = field(default_factory=list)  # questions whose default values this build does not hold


def write(store: Store, queries: Mapping[str, SavedQuery], *, reasoning: str = "owlrl") -> Written:
    """Evaluate every kept call of ``queries`` on ``store`` and write the answers into its
    release (replacing any there). A call that cannot be answered is left out and named in the
    returned :class:`Written`: ``no_default`` when a default value (an IRI of the seeds) is not in
    this build, ``skipped`` with the reason when its evaluation failed; it is evaluated when asked."""
    from crisiskg.errors import ParameterError
    from crisiskg.store import bind_values  # crisiskg.store imports this module

    release = store.release
    folder = release.path / ANSWERS
    tmp = release.path / f".{ANSWERS}-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    out = Written()
    index: dict[str, Any] = {}
    try:
        for qid, q in sorted(queries.items()):
            for values in calls(q):
                try:
                    bound = q.bind(values, store)
                    text = bind_values(q.sparql, bound) if bound else q.sparql
                    kind, body = store.serialized(text, reasoning=reasoning)
                except ParameterError:  # a default (an IRI of the seeds) another corpus does not have
                    out.no_default.append(qid)
                    continue
                except Exception as exc:  # noqa: BLE001  # a call this build cannot answer stays evaluated on demand
                    why = str(exc)
                    out.skipped[qid] = why if len(why) < 300 else why[:297] + "..."
                    continue
                name = f"{len(index):04d}.{_FILE_FORMAT[kind]}"
                (tmp / name).write_bytes(body)
                size = _size(kind, body)
                index[key(text, reasoning)] = {"question": qid, "values": values, "kind": kind, "file": name, "size": size}
                out.answers += 1
                out.rows += size
                out.size += len(body)
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


def keep(release: Release, quads: Iterable[Any] | None = None) -> Written:
    """Write ``release``'s kept answers to the saved questions in ``queries/``, on a store read from
    its ``dataset.nq``, or filled from its ``quads`` when the caller has them (a full build)."""
    from crisiskg.savedqueries import load_queries
    from crisiskg.store import Store

    store = Store(release) if quads is None else Store.from_quads(release, quads)
    return write(store, load_queries())  # the store is freed on return, within the caller's timing


def _size(kind: str, body: bytes) -> int:
    """Rows of a SELECT, triples of a graph, 0 for ASK."""
    if kind == "graph":
        return sum(1 for _ in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return 0 if isinstance(parsed, ox.QueryBoolean) else sum(1 for _ in parsed)


def spawn(build_dir: Path | str) -> int:
    """Start ``crisiskg answers`` for ``build_dir``'s published build in a process of its own
    (its own session: it outlives the command that started it), output to ``answers.log`` in
    ``build_dir``; its process id. Nothing waits for it (a CLI command exits at once)."""
    import sys

    log = str(Path(build_dir) / "answers.log")
    args = [sys.executable, "-m", "crisiskg", "answers", "--build", str(build_dir)]
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
               (os.POSIX_SPAWN_DUP2, 1, 2)]
    return os.posix_spawn(sys.executable, args, os.environ, file_actions=actions, setsid=True)


class Kept:
    """A release's kept answers, read on first use; ``enabled`` False turns the lookup off (the
    benchmark measures evaluation that way). A query without a kept answer looks again, at most
    every :attr:`RECHECK` seconds (one ``stat``), whether the answers were written since: by the
    build after this store opened, or by ``crisiskg answers`` after a saved question was edited."""

    RECHECK = 2.0

    def __init__(self, release: Release):
        self.folder = release.path / ANSWERS
        self.version = release.version
        self.enabled = True
        self._index: dict[str, dict[str, Any]] | None = None
        self._seen: tuple[int, int] | None = None  # the index file read: inode, mtime
        self._checked = 0.0
        self._loaded: dict[str, Result] = {}
        self._lock = threading.Lock()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.folder / INDEX).stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def _refresh(self) -> None:
        """Read the index again if it changed since it was read (at most every RECHECK s)."""
        now = time.monotonic()
        if now - self._checked < self.RECHECK:
            return
        self._checked = now
        stamp = self._stamp()
        if stamp is None or stamp == self._seen:
            return
        index = self._read_index()
        with self._lock:
            self._index, self._seen, self._loaded = index, stamp, {}

    def _read_index(self) -> dict[str, dict[str, Any]] | None:
        try:
            data = json.loads((self.folder / INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("version") != self.version or not isinstance(data.get("answers"), dict):
            return {}  # kept for other data: never used
        answers: dict[str, dict[str, Any]] = data["answers"]
        return answers

    def get(self, sparql: str, reasoning: str) -> Result | None:
        """The kept answer to ``sparql`` under ``reasoning``, or None."""
        if not self.enabled:
            return None
        k = key(sparql, reasoning)
        if k not in (self._index or {}):
            self._refresh()
        with self._lock:
            entry = (self._index or {}).get(k)
            found = self._loaded.get(k)
            if found is None and entry is not None:
                found = self._load(entry)  # None when removed or damaged: evaluated instead
                if found is not None:
                    self._loaded[k] = found
            if found is None:
                return None
        return found.copy()

    def _load(self, entry: Mapping[str, Any]) -> Result | None:
        from crisiskg.store import Result, StoredTable

        path = self.folder / str(entry["file"])
        try:
            if entry["kind"] == "graph":
                triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
                return Result("graph", ox_triples=triples, kept=True)
            body = path.read_bytes()
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)  # reads the head (or the boolean)
            if isinstance(parsed, ox.QueryBoolean):
                return Result("ask", boolean=bool(parsed), kept=True)
            stored = StoredTable(body, [v.value for v in parsed.variables], int(entry["size"]))
            return Result("select", kept=True, stored=stored)
        except (OSError, SyntaxError, ValueError):
            return None  # removed or damaged: evaluated instead
