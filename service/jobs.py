"""What a query worker is given and gives back: a :class:`QueryJob` (a query as plain data) and its
:class:`Answer`, and :func:`reply`, which a worker process runs for each job.

A job's answer is read with at most one row more than the page asks for and serialised in the
worker, so the server only copies bytes; an answer larger than the byte limit is refused there,
before it crosses into the server. The worker watches the deadline itself too: a streaming query
stops at its next row check and its worker stays.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crisiskg.errors import QueryError
from crisiskg.query.results import Result
from crisiskg.query.sparqltext import bind_values
from crisiskg.query.store import Store, check_syntax
from crisiskg.service.limits import with_row_limit


class Stopped(Exception):
    """Raised inside a query's check when its deadline has passed."""


class TooLarge(QueryError):
    """An answer is larger than the byte limit."""


@dataclass
class Answer:
    """An evaluated query: the serialised answer (``body`` in ``fmt``) or the :class:`Result`
    (for HTML, or when the format was not known before evaluation), and whether rows were cut."""

    kind: str
    truncated: bool = False
    result: Result | None = None
    body: bytes | None = None
    fmt: str | None = None

    def serialize(self, fmt: str) -> bytes:
        """The answer in ``fmt``; SPARQL JSON gets a top-level ``"truncated": true`` when rows were cut."""
        if self.body is not None and fmt == self.fmt:
            return self.body
        if self.result is None:
            raise QueryError(f"this answer was serialised as {self.fmt}, not {fmt}")
        return _mark(self.result.serialize(fmt), fmt, self.truncated and self.kind == "select")


def _mark(body: bytes, fmt: str, truncated: bool) -> bytes:
    """SPARQL JSON with ``"truncated": true`` added as its last member (other formats as they are)."""
    if not truncated or fmt != "json":
        return body
    text = body.rstrip()
    if text.endswith(b"}"):
        return text[:-1] + b',"truncated":true}'
    data = json.loads(body)
    data["truncated"] = True
    return json.dumps(data).encode("utf-8")


@dataclass(frozen=True)
class QueryJob:
    """One query, as everything a worker process needs: text (parameters already bound with
    :func:`crisiskg.query.sparqltext.bind_values`), dataset, the page of rows (``offset``, ``limit``: None for
    all), the format to serialise to (None: return the Result) and its time limit in seconds
    (None: the evaluator's). ``store`` is the server's store, used only by thread evaluation and
    never sent to a worker.

    Called with a check (``job(check)``) it answers on ``store`` in the calling thread, which is
    what :meth:`Evaluator.run` does when there are no worker processes.

    A saved question's job also carries its text before binding (``question``) and the values
    (``bindings``), which ``sparql`` binds: the worker places the row limit in ``question``, which it
    has scanned before, and binds the values after (the same text: the values go inside the WHERE
    group, the limit outside it), instead of scanning every new bound text again.
    """

    sparql: str
    reasoning: str = "owlrl"
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None
    offset: int = 0
    limit: int | None = None
    fmt: str | None = None
    timeout: float | None = None
    store: Any = field(default=None, compare=False, repr=False)
    question: str | None = None
    bindings: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def saved(cls, question: str, bindings: Mapping[str, Any], **kwargs: Any) -> QueryJob:
        """The job of a saved question's text with ``bindings`` bound (see the class docstring)."""
        if not bindings:
            return cls(question, **kwargs)
        return cls(bind_values(question, bindings), question=question, bindings=tuple(bindings.items()), **kwargs)

    def __call__(self, check: Callable[[int], None] | None = None) -> Answer:
        if self.store is None:
            raise QueryError("this query job has no store to run on")
        return self.answer(self.store, check)

    def kept(self, store: Store) -> Answer | None:
        """The answer from the build's kept answers (:mod:`crisiskg.query.answers`), paged and serialised
        as :meth:`answer` would, or None when this query's was not kept."""
        if self.default_graph_uris or self.named_graph_uris or self.base_iri is not None:
            return None
        found = store.kept_answer(self.sparql, self.reasoning)
        return None if found is None else self._page(found)

    def answer(self, store: Store, check: Callable[[int], None] | None = None) -> Answer:
        """Evaluate on ``store``: at most ``offset + limit + 1`` rows are read (a top-level LIMIT
        is lowered or added; a query without room for one fails once it has more rows). Triples of
        a graph answer are sorted, so every worker's copy of the store gives the same bytes. (The
        build's kept answers are looked up before, by :meth:`Evaluator.run`.)"""
        text = self.sparql if self.question is None else self.question
        need = None if self.limit is None else self.offset + self.limit + 1
        guard = check
        if need is not None:
            limited = with_row_limit(text, need)
            if limited is not None:
                text = limited
            else:
                guard = _RowGuard(need, check)
        if self.question is not None:
            text = bind_values(text, dict(self.bindings))
        try:
            result = store.query(text, reasoning=self.reasoning, default_graph_uris=list(self.default_graph_uris),
                                 named_graph_uris=list(self.named_graph_uris), base_iri=self.base_iri, check=guard,
                                 answers=False)  # the kept answer was looked for already, once, by the evaluator
        except QueryError as exc:
            if text != self.sparql and isinstance(exc.__cause__, SyntaxError):
                check_syntax(self.sparql, base_iri=self.base_iri)  # the error in the text as sent: its lines, not the added LIMIT's
            raise
        return self._page(result)

    def _page(self, result: Result) -> Answer:
        need = None if self.limit is None else self.offset + self.limit + 1
        truncated = False
        if self.offset or need is not None:
            end = None if self.limit is None else self.offset + self.limit
            if result.kind in ("select", "graph"):  # a graph's triples sorted: pyoxigraph's order differs between store copies
                truncated = end is not None and len(result) > end
                result = result.slice(self.offset, end)
        if self.fmt is None:
            return Answer(result.kind, truncated, result=result)
        return Answer(result.kind, truncated, body=_mark(result.serialize(self.fmt), self.fmt, truncated and result.kind == "select"),
                      fmt=self.fmt)


class _RowGuard:
    """A check that fails a query once it has more rows than could ever be shown."""

    def __init__(self, need: int, check: Callable[[int], None] | None):
        self.need, self.check = need, check

    def __call__(self, rows: int) -> None:
        if self.check is not None:
            self.check(rows)
        if rows > self.need:
            raise QueryError(f"the answer has more than {self.need - 1} rows and the query text has no place for a "
                             f"LIMIT; add one")


class _Deadline:
    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def __call__(self, rows: int) -> None:
        if time.monotonic() > self.at:
            raise Stopped(f"stopped after {rows} rows")


def too_large(size: int, limit: int) -> TooLarge:
    return TooLarge(f"the answer is {size} bytes, more than the limit of {limit} bytes; ask for fewer rows or columns "
                    f"(a LIMIT, fewer variables) or shorter values")


def reply(store: Store, job: QueryJob, seconds: float, max_bytes: int) -> tuple[Any, ...]:
    """What a worker sends back for ``job``: ``("ok", pickled Answer)`` or why not (``stopped``,
    ``too-large``, ``query-error`` with its cause's kind, ``error``)."""
    try:
        data = pickle.dumps(job.answer(store, _Deadline(seconds)), protocol=pickle.HIGHEST_PROTOCOL)
    except Stopped as exc:
        return ("stopped", str(exc))
    except QueryError as exc:
        cause = exc.__cause__
        return ("query-error", str(exc), "syntax" if isinstance(cause, SyntaxError) else "os" if isinstance(cause, OSError) else None)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001  # reported to the server, which logs it and answers 500
        return ("error", f"{type(exc).__name__}: {exc}")
    if len(data) > max_bytes:
        return ("too-large", len(data))
    return ("ok", data)


def unpack(message: tuple[Any, ...], limit: float, max_bytes: int) -> Answer:
    """The Answer in a worker's :func:`reply`, or its failure raised: TimeoutError, TooLarge, QueryError
    (with a SyntaxError or OSError cause as the worker had), RuntimeError."""
    status = message[0]
    if status == "ok":
        answer: Answer = pickle.loads(message[1])
        return answer
    if status == "stopped":
        raise TimeoutError(f"no answer within {limit:g} s ({message[1]})")
    if status == "too-large":
        raise too_large(message[1], max_bytes)
    if status == "query-error":
        exc = QueryError(message[1])
        if message[2] == "syntax":
            raise exc from SyntaxError(message[1])
        if message[2] == "os":
            raise exc from OSError(message[1])
        raise exc
    raise RuntimeError(f"the query worker failed: {message[1]}")
