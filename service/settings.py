"""Service settings: defaults, then ``CRISISKG_*`` environment variables, then explicit overrides.

=========================  =====================================  ============================================
setting                    environment                            meaning
=========================  =====================================  ============================================
``build_dir``              ``CRISISKG_BUILD_DIR``                 the build folder whose ``current`` release is served
``queries_dir``            ``CRISISKG_QUERIES_DIR``               saved questions (default: the project's ``queries/``)
``query_timeout``          ``CRISISKG_QUERY_TIMEOUT``             seconds a query may run before the answer is 503
``retry_after``            ``CRISISKG_RETRY_AFTER``               seconds sent in ``Retry-After`` with a 503
``max_running_queries``    ``CRISISKG_MAX_RUNNING_QUERIES``       evaluations allowed at once (timed-out ones count
                                                                  until they stop)
``max_queued_queries``     ``CRISISKG_MAX_QUEUED_QUERIES``        requests that may wait for a busy query worker; more get
                                                                  503 with ``Retry-After`` at once
``queue_wait``             ``CRISISKG_QUEUE_WAIT``                seconds a request waits for a query worker before 503
``query_memory``           ``CRISISKG_QUERY_MEMORY``              bytes a query worker may grow by beyond its opened store;
                                                                  past it the query is stopped (503) and the worker replaced
``query_worker_nice``      ``CRISISKG_QUERY_WORKER_NICE``         how much lower the query workers' CPU priority is than the
                                                                  server's (``nice``, 0 to 19): busy workers never starve
                                                                  ``/healthz``, kept answers and pages
``max_result_bytes``       ``CRISISKG_MAX_RESULT_BYTES``          bytes of one serialised answer (503 beyond: ask for fewer
                                                                  rows or columns)
``max_request_bytes``      ``CRISISKG_MAX_REQUEST_BYTES``         largest request body accepted (413 beyond)
``store_spec``             ``CRISISKG_STORE``                     where the build is queried: ``memory`` (default),
                                                                  ``oxigraph:PATH`` or ``sparql:URL`` (see
                                                                  :func:`crisiskg.query.store.open_store`)
``max_result_rows``        ``CRISISKG_MAX_RESULT_ROWS``           rows (or triples) one answer holds at most: /sparql
                                                                  cuts there (``X-Crisiskg-Truncated``), saved questions
                                                                  page there (``_limit``, ``_offset``, ``Link: rel=next``)
``max_query_length``       ``CRISISKG_MAX_QUERY_LENGTH``          characters in a /sparql query (400 beyond)
``max_query_depth``        ``CRISISKG_MAX_QUERY_DEPTH``           nesting of ``{ ( [`` in a /sparql query (400 beyond)
``evaluation``             ``CRISISKG_EVALUATION``                ``process`` (default: killable worker processes) or
                                                                  ``thread`` (see :mod:`crisiskg.service.evaluation`)
``cache_bytes``            ``CRISISKG_CACHE_BYTES``               bytes of answers the response cache keeps
                                                                  (:mod:`crisiskg.service.cache`; 0 turns it off)
``reload_every``           ``CRISISKG_RELOAD_EVERY``              seconds between looks at ``build_dir/current``: a newly
                                                                  published build is opened beside the served one and
                                                                  swapped in once ready (0 turns it off)
``store``                  (none: overrides only)                 an already open :class:`crisiskg.query.store.Store`
``curate``                 ``CRISISKG_CURATE``                    ``1``: the curation workbench at ``/curate/``, which
                                                                  writes the seed files (:mod:`crisiskg.service.curate`)
``curate_token``           ``CRISISKG_CURATE_TOKEN``              the token the workbench asks for (default: a new
                                                                  random one each start)
``seeds_dir``              ``CRISISKG_SEEDS_DIR``                 the seeds folder the workbench edits
=========================  =====================================  ============================================
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crisiskg.errors import CrisisKGError

ENV_PREFIX = "CRISISKG_"


class SettingsError(CrisisKGError):
    """A setting has a value of the wrong type, or is unknown."""


@dataclass(frozen=True)
class Settings:
    """What the app is configured with (see the module docstring for each setting)."""

    build_dir: Path = Path("build")
    queries_dir: Path | None = None
    query_timeout: float = 10.0
    retry_after: int = 5
    max_running_queries: int = 4
    max_queued_queries: int = 64
    queue_wait: float = 1.0
    query_memory: int = 2 << 30
    query_worker_nice: int = 10
    max_result_bytes: int = 64 << 20
    max_request_bytes: int = 1_000_000
    store_spec: str | None = None
    max_result_rows: int = 10_000
    max_query_length: int = 100_000
    max_query_depth: int = 100
    evaluation: str = "process"
    cache_bytes: int = 64_000_000
    reload_every: float = 2.0
    store: Any = None
    curate: bool = False
    curate_token: str | None = None
    seeds_dir: Path = Path("seeds")


_CONVERT: dict[str, Any] = {
    "build_dir": Path,
    "queries_dir": Path,
    "query_timeout": float,
    "retry_after": int,
    "max_running_queries": int,
    "max_queued_queries": int,
    "queue_wait": float,
    "query_memory": int,
    "query_worker_nice": int,
    "max_result_bytes": int,
    "max_request_bytes": int,
    "store_spec": str,
    "max_result_rows": int,
    "max_query_length": int,
    "max_query_depth": int,
    "evaluation": str,
    "cache_bytes": int,
    "reload_every": float,
    "curate": lambda raw: raw if isinstance(raw, bool) else {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}[str(raw).lower()],
    "curate_token": str,
    "seeds_dir": Path,
}
_ENV_NAMES = {"store_spec": "STORE"}  # environment names that differ from the setting's


def load_settings(overrides: Mapping[str, Any] | Settings | None = None, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then ``CRISISKG_<NAME>`` environment variables, then ``overrides`` (a mapping of
    setting names, lower or upper case, or a :class:`Settings`).

    Raises SettingsError naming the setting, the value and the valid names.
    """
    if isinstance(overrides, Settings):
        return overrides
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, convert in _CONVERT.items():
        env = ENV_PREFIX + _ENV_NAMES.get(name, name.upper())
        raw = environ.get(env)
        if raw not in (None, ""):
            values[name] = _convert(name, raw, convert, source=env)
    names = [f.name for f in dataclasses.fields(Settings)]
    for key, value in (overrides or {}).items():
        name = key.lower()
        if name not in names:
            raise SettingsError(f"unknown setting {key!r}; settings: {', '.join(names)}")
        values[name] = value if name == "store" or value is None else _convert(name, value, _CONVERT[name], source=key)
    settings = Settings(**values)
    if settings.query_timeout <= 0 or settings.max_running_queries < 1 or settings.max_request_bytes < 1:
        raise SettingsError("query_timeout, max_running_queries and max_request_bytes must be positive")
    if settings.max_queued_queries < 0 or settings.queue_wait < 0:
        raise SettingsError("max_queued_queries and queue_wait must be 0 or more")
    if settings.query_memory < (16 << 20) or settings.max_result_bytes < 1024:
        raise SettingsError(f"query_memory={settings.query_memory} must be at least 16 MiB (16777216) and "
                            f"max_result_bytes={settings.max_result_bytes} at least 1024")
    if not 0 <= settings.query_worker_nice <= 19:
        raise SettingsError(f"query_worker_nice={settings.query_worker_nice} must be 0 (the server's priority) to 19 (the lowest)")
    if min(settings.max_result_rows, settings.max_query_length, settings.max_query_depth) < 1:
        raise SettingsError("max_result_rows, max_query_length and max_query_depth must be positive")
    if settings.reload_every < 0:
        raise SettingsError(f"setting reload_every={settings.reload_every!r} must be 0 (off) or a number of seconds")
    if settings.evaluation not in ("process", "thread"):
        raise SettingsError(f"setting evaluation={settings.evaluation!r} is not known; choose process or thread")
    return settings


def _convert(name: str, raw: Any, convert: Any, *, source: str) -> Any:
    try:
        return convert(raw)
    except (TypeError, ValueError, KeyError):
        raise SettingsError(f"setting {source}={raw!r} is not a valid {getattr(convert, '__name__', 'value')} for {name}") from None
