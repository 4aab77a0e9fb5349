"""What one app holds: its settings, the opened build, metrics, the query evaluator, caches.

Blueprints reach it through :func:`state` (kept in ``app.extensions``), never through globals.

A newly published build is served without a restart (:meth:`State.reload`, run every
``reload_every`` seconds by a watcher thread): it is opened beside the served one, with its own
query workers, and swapped in only once they are ready; the old build's workers are stopped after
the longest a query may run, so requests already running finish on the build they started on. A
build that cannot be opened (e.g. an on-disk store not pushed yet) leaves the served one in place
and is tried again at the next look; one that is damaged (its files do not match the checksums of
its manifest, or its data cannot be parsed) is refused for good: never read again. Either way the
refusal is counted in ``crisiskg_build_reload_failures_total`` and logged once, with its reason.
Answers are cached per build version, so none is stale.

A query refused with 503 because every worker is busy (:class:`~crisiskg.service.evaluation.Busy`)
or none can be started is logged on ``crisiskg.service`` with its request and why, through a
:class:`Throttle`: at most one line a second for each reason, saying how many more it held back.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request

from crisiskg.build.publish import current
from crisiskg.errors import CrisisKGError, DamagedRelease
from crisiskg.query.savedqueries import SavedQuery, load_queries
from crisiskg.query.store import Store, open_store
from crisiskg.service.errors import QueryTimeout, ServiceError
from crisiskg.service.evaluation import Busy, Evaluator, OutOfMemory, Unavailable
from crisiskg.service.jobs import TooLarge
from crisiskg.service.metrics import Metrics
from crisiskg.service.settings import Settings

log = logging.getLogger("crisiskg.service")

KEY = "crisiskg"
HANDED = "crisiskg.lean.handed"  # in the WSGI environ: what the lean path evaluated before handing the request over
QUERIES_RECHECK = 1.0  # seconds between looks at the saved-question files
UNAVAILABLE = "no worker can be started"  # the reason logged for a query refused because of that


class Throttle:
    """Log lines that come in bursts (one per refused request under load) at most once a ``period``
    seconds for each reason; the next line logged for a reason says how many it held back."""

    def __init__(self, logger: logging.Logger, period: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.logger, self.period, self._clock = logger, period, clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def log(self, level: int, reason: str, message: str, *args: Any) -> bool:
        """Log ``message % args`` at ``level`` unless a line for ``reason`` was logged less than
        ``period`` seconds ago (then it is only counted); True if it was logged."""
        now = self._clock()
        with self._lock:
            last = self._last.get(reason)
            if last is not None and now - last < self.period:
                self._held[reason] = self._held.get(reason, 0) + 1
                return False
            self._last[reason] = now
            held = self._held.pop(reason, 0)
        if held:
            message, args = message + " (and %d more for this reason since the last line)", (*args, held)
        self.logger.log(level, message, *args)
        return True


def _asked() -> str:
    """The request being answered, as its method and path, for a log line."""
    return f"{request.method} {request.path}" if has_request_context() else "a request"


@dataclass
class State:
    """The app's state; ``store`` is None when no build could be opened (``store_error`` says why)."""

    settings: Settings
    store: Store | None
    store_error: str | None
    metrics: Metrics
    evaluator: Evaluator
    cache: dict[Any, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    retired_killed: int = 0  # workers killed at the time limit by evaluators of builds served before
    _reload_lock: threading.Lock = field(default_factory=threading.Lock)
    _refused: str | None = None  # the release last refused, counted and logged once
    _damaged: set[str] = field(default_factory=set)  # releases refused for good: never read again
    _stop: threading.Event = field(default_factory=threading.Event)
    refusals: Throttle = field(default_factory=lambda: Throttle(log))  # queries refused with 503, logged

    @classmethod
    def open(cls, settings: Settings) -> State:
        store, error = settings.store, None
        if store is None:
            try:
                store = open_store(settings.store_spec, settings.build_dir)
            except CrisisKGError as exc:
                store, error = None, str(exc)
        evaluator = Evaluator.for_settings(settings, store)  # worker processes unless given an open store
        if evaluator.pool is not None and evaluator.pool.unavailable:
            log.error("%s; each query is answered 503 until they can be", evaluator.pool.unavailable)
        st = cls(settings, store, error, Metrics(), evaluator)
        st.metrics.describe("crisiskg_query_rejected_total", "counter",
                            "Queries refused (503) because every query worker was busy and the wait was full or over, by route.")
        st.metrics.describe("crisiskg_query_memory_stops_total", "counter",
                            "Queries stopped (503) at the memory cap of their worker, by route.")
        st.metrics.describe("crisiskg_build_reloads_total", "counter", "Newly published builds swapped in without a restart.")
        st.metrics.describe("crisiskg_build_reload_failures_total", "counter",
                            "Newly published builds that could not be opened (the served build stays).")
        if settings.store is None and settings.reload_every > 0:
            threading.Thread(target=st._watch, name="crisiskg-reload", daemon=True).start()
        return st

    @property
    def killed_workers(self) -> int:
        return self.retired_killed + self.evaluator.killed

    def close(self) -> None:
        """Stop watching for new builds and stop the query workers."""
        self._stop.set()
        self.evaluator.close()

    def _watch(self) -> None:
        while not self._stop.wait(self.settings.reload_every):
            try:
                self.reload()
            except Exception:  # the watcher must outlive any one failed look
                log.exception("looking for a new build failed; the served build stays")

    def reload(self) -> bool:
        """Serve the build published in ``build_dir/current`` if it is not the one served; True if
        it was swapped in. Never called for an app given an open store."""
        if self.settings.store is not None:
            return False
        with self._reload_lock:
            try:
                release = current(self.settings.build_dir)
            except CrisisKGError:
                return False  # nothing published (or being replaced): keep what is served
            served = self.store.release if self.store is not None else None
            if (served is not None and release.path == served.path) or str(release.path) in self._damaged:
                return False
            try:
                store = open_store(self.settings.store_spec, self.settings.build_dir)
            except Exception as exc:  # noqa: BLE001  # any failure to open leaves the served build
                self._refuse(str(release.path), exc)
                return False
            evaluator = Evaluator.for_settings(self.settings, store)
            if evaluator.pool is not None and not evaluator.pool.wait_ready(self.settings.query_timeout + 60):
                evaluator.close()
                self._refuse(str(release.path), CrisisKGError(f"the query workers for build {store.version} did not start: "
                                                              f"{evaluator.pool.start_error or 'not ready in time'}"))
                return False
            with self.lock:
                old = self.evaluator
                self.store, self.store_error, self.evaluator = store, None, evaluator
                self.retired_killed += old.killed
                self.cache.pop("queries-fingerprint", None)
            self._refused = None
            self.metrics.inc("crisiskg_build_reloads_total", {})
            log.warning("now serving build %s (was %s)", store.version, served.manifest.get("version") if served else "none")
            # queries already running on the old build finish there: its workers stop after the longest a query may run
            retire = threading.Timer(self.settings.query_timeout + 1, old.close)
            retire.daemon = True
            retire.start()
            return True

    def _refuse(self, path: str, exc: Exception) -> None:
        """Count and log (once per release) that ``path`` could not be opened; a damaged release,
        or one whose data cannot be read, is never tried again."""
        damaged = isinstance(exc, DamagedRelease) or not isinstance(exc, CrisisKGError)
        if damaged:
            self._damaged.add(path)
        if self._refused == path:
            return
        self._refused = path
        self.metrics.inc("crisiskg_build_reload_failures_total", {})
        reason = str(exc) if isinstance(exc, CrisisKGError) else f"{type(exc).__name__}: {exc}"
        log.warning("the build published in %s %s (%s); still serving %s", self.settings.build_dir,
                    "is damaged and will not be served" if damaged else "cannot be served yet", reason,
                    self.version or "nothing")

    def require_store(self) -> Store:
        """The opened build, or a 503 saying why there is none."""
        if self.store is None:
            raise ServiceError(503, f"no build is loaded: {self.store_error}", {"Retry-After": str(self.settings.retry_after)})
        return self.store

    @property
    def version(self) -> str | None:
        return self.store.version if self.store is not None else None

    def queries(self) -> dict[str, SavedQuery]:
        """The saved questions (re-read only when a file changes; the files are looked at no more
        than once every :data:`QUERIES_RECHECK` seconds, as every answer's ETag needs them)."""
        folder: Path | None = self.settings.queries_dir
        now = time.monotonic()
        memo = self.cache.get("queries")
        if memo is not None and now - memo[0] < QUERIES_RECHECK:
            return dict(memo[1])
        queries = load_queries(folder)
        self.cache["queries"] = (now, queries)
        return dict(queries)

    def queries_fingerprint(self) -> str:
        """A short hash of the saved questions as parsed: part of the ETag of their answers (and of
        the response cache's key). Hashed once per parse: :func:`load_queries` returns the same
        (frozen) questions until a file changes, and the memo is kept for those very objects. (Two
        threads may parse the files at once, and keep equal copies: compared by value, every
        answer's ETag would compare every question's fields again; by identity, the copy is hashed
        once and kept.)"""
        queries = tuple(self.queries().values())
        memo = self.cache.get("queries-fingerprint")
        if memo is not None and len(memo[0]) == len(queries) and all(a is b for a, b in zip(memo[0], queries)):
            return memo[1]  # type: ignore[no-any-return]
        text = repr(sorted((q.id, q.sparql, repr(q.to_dict())) for q in queries))
        fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        self.cache["queries-fingerprint"] = (queries, fingerprint)
        return fingerprint

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()`` once per key (keys include the build version, so a new build never sees stale data)."""
        with self.lock:
            if key in self.cache:
                return self.cache[key]
        value = make()
        with self.lock:
            return self.cache.setdefault(key, value)

    def evaluate(self, fn: Callable[[Callable[[int], None]], Any], *, route: str, query_id: str | None = None,
                 asked: str | None = None) -> Any:
        """``fn(check)`` under the time limit; a timeout is counted (per route, and per saved
        question when ``query_id`` is given) and raised as a 503, as is a query refused because
        every worker is busy or none can be started (those are logged too, see :class:`Throttle`,
        naming the request as ``asked``, by default the current Flask request's method and path)."""
        retry = {"Retry-After": str(self.settings.retry_after)}
        try:
            return self.evaluator.run(fn)
        except Busy as exc:
            self.metrics.inc("crisiskg_query_rejected_total", {"route": route})
            self.refusals.log(logging.WARNING, exc.reason, "refused %s with 503 (%s): %s", asked or _asked(), exc.reason, exc)
            raise ServiceError(503, f"{exc}; try again in {self.settings.retry_after} s", retry) from None
        except Unavailable as exc:
            self.refusals.log(logging.ERROR, UNAVAILABLE, "refused %s with 503 (%s): %s", asked or _asked(), UNAVAILABLE, exc)
            raise ServiceError(503, f"no query worker can be started just now (the server log says why); try again in "
                                    f"{self.settings.retry_after} s", retry) from None
        except OutOfMemory:
            self.metrics.inc("crisiskg_query_memory_stops_total", {"route": route})
            raise ServiceError(503, f"the query was stopped: it needed more than {self.settings.query_memory >> 20} MiB of "
                                    f"memory (query_memory), and its worker was replaced; ask for less (a LIMIT, a more "
                                    f"selective pattern, no ORDER BY over a cross product)", retry) from None
        except TooLarge as exc:
            raise ServiceError(503, str(exc)) from None
        except TimeoutError:
            self.metrics.inc("crisiskg_query_timeouts_total", {"route": route})
            if query_id is not None:
                self.metrics.inc("crisiskg_saved_query_timeouts_total", {"query": query_id})
            raise QueryTimeout(getattr(fn, "timeout", None) or self.settings.query_timeout, self.settings.retry_after) from None


def state() -> State:
    """The current app's state."""
    return current_app.extensions[KEY]  # type: ignore[no-any-return]


def evaluated(fn: Callable[[Callable[[int], None]], Any], *, route: str, query_id: str | None = None) -> Any:
    """``fn``'s answer for the current request: what the lean path (:mod:`crisiskg.service.lean`)
    evaluated for it before handing it over (its answer, or its error raised), else
    :meth:`State.evaluate` now."""
    handed = request.environ.pop(HANDED, None)
    if isinstance(handed, BaseException):
        raise handed
    if handed is not None:
        return handed
    return state().evaluate(fn, route=route, query_id=query_id)
