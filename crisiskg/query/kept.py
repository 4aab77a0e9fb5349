"""A release's kept answers, as the store reads them: the one key of a query text and its
reasoning, and the reader that answers a query from them (:mod:`crisiskg.query.answers` writes
them). Each answer file is checked against the SHA-256 its index gives: a damaged one (truncated,
overwritten) is never served; the query is evaluated instead, and the damage logged once."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from crisiskg.query.results import Result, StoredTable

if TYPE_CHECKING:
    from crisiskg.build.publish import Release

log = logging.getLogger("crisiskg.query")

ANSWERS = "answers"  # the folder in a release
INDEX = "index.json"


def key(sparql: str, reasoning: str) -> str:
    """The key of a query text (parameters already bound) under a reasoning setting."""
    return hashlib.sha256(f"{reasoning}\n{sparql.strip()}".encode()).hexdigest()


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
        self._damaged: set[str] = set()  # answer files found damaged (logged once each)
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.folder / INDEX).stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def _refresh(self) -> None:
        """Read the index again if it changed since it was read (at most every RECHECK s). Callers
        that come while it is read wait for it, so none takes a missing index for a miss."""
        with self._refreshing:
            now = time.monotonic()
            if now - self._checked < self.RECHECK:
                return
            stamp = self._stamp()
            if stamp is not None and stamp != self._seen:
                index = self._read_index()
                with self._lock:
                    self._index, self._seen, self._loaded, self._damaged = index, stamp, {}, set()
            self._checked = time.monotonic()

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
            if found is None and entry is not None and str(entry.get("file")) not in self._damaged:
                found = self._load(entry)  # None when removed or damaged: evaluated instead
                if found is not None:
                    self._loaded[k] = found
            if found is None:
                return None
        return found.copy()

    def _load(self, entry: Mapping[str, Any]) -> Result | None:
        path = self.folder / str(entry["file"])
        try:
            body = path.read_bytes()
            want = entry.get("sha256")
            if want is not None and hashlib.sha256(body).hexdigest() != want:
                raise ValueError(f"its SHA-256 is not the {want} its index gives (damaged or overwritten)")
            if entry["kind"] == "graph":
                triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
                return Result("graph", ox_triples=triples, kept=True)
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)  # reads the head (or the boolean)
            if isinstance(parsed, ox.QueryBoolean):
                return Result("ask", boolean=bool(parsed), kept=True)
            stored = StoredTable(body, [v.value for v in parsed.variables], int(entry["size"]))
            return Result("select", kept=True, stored=stored)
        except (OSError, SyntaxError, ValueError) as exc:  # removed or damaged: evaluated instead
            if str(entry["file"]) not in self._damaged:
                self._damaged.add(str(entry["file"]))
                log.warning("the kept answer %s cannot be used (%s); its query is evaluated instead", path, exc)
            return None
