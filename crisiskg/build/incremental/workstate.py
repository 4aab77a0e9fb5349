"""The work state a published build leaves for the next incremental one: its union store on disk
(``store``), ``state.json`` (event ids, stance digests, registry and proposition entry digests,
literals as written, where ``dataset.nq``'s sections start, the seed files' stats) and ``texts``
(the published articles' texts in one file)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.delta import Sections
from crisiskg.build.publish import Release
from crisiskg.loaders import iris
from crisiskg.loaders.seeds import STANCE_CORE, ArticleSeed, SeedSet, entry_digest

FIXED = ("registry.yaml", "propositions.yaml")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


MARGIN_NS = 1_000_000_000
"""A file changed less than this before a build started is hashed again by the next one (file
times come from a coarse clock; git's "racily clean" entries are the same problem)."""

Stats = dict[str, list[Any]]
"""Seed file (as the manifest names it) -> [size, mtime_ns, ctime_ns, inode, sha256]: files known
unchanged since they were hashed while their stat stays the same (ctime cannot be set back)."""


def _stat_key(path: Path | str) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def seed_inputs(folder: Path, *, cache: Stats | None = None, record: Stats | None = None, before_ns: int = 0) -> dict[str, str]:
    """sha256 of every seed file a build reads (as the manifest records them: ``seeds/...``).

    ``cache``: a file whose stat is the one recorded there is not read again. ``record`` receives
    the entries the next build may trust: cached ones, and those hashed now whose ctime is
    ``MARGIN_NS`` older than ``before_ns`` (when this build started)."""
    paths = [(f"seeds/{name}", str(folder / name)) for name in FIXED if (folder / name).exists()]
    art = folder / "articles"
    if art.is_dir():
        with os.scandir(art) as entries:
            paths += sorted((f"seeds/articles/{e.name}", e.path) for e in entries if e.name.endswith((".yaml", ".txt")) and e.is_file())
    out = {}
    cache = cache or {}
    for rel, path in paths:
        key = _stat_key(path)
        hit = cache.get(rel)
        if hit is not None and hit[:4] == key:
            out[rel] = hit[4]
        else:
            out[rel] = _sha(Path(path))
            if key[2] >= before_ns - MARGIN_NS:
                continue
        if record is not None:
            record[rel] = [*key, out[rel]]
    return out


def trusted_stats(folder: Path, files: dict[str, str], before_ns: int) -> Stats:
    """Stat entries for seed files a build read (``files``: path in the seeds folder -> sha256),
    for those unchanged since before it started (``before_ns``, less ``MARGIN_NS``)."""
    out: Stats = {}
    for rel, sha in files.items():
        try:
            key = _stat_key(Path(folder) / rel)
        except OSError:
            continue
        if key[2] < before_ns - MARGIN_NS:
            out[f"seeds/{rel}"] = [*key, sha]
    return out


STORE, STATE, TEXTS, STATE_FORMAT = "store", "state.json", "texts", 4


def stance_digests(articles: Iterable[ArticleSeed]) -> dict[str, str]:
    """Stance id -> digest of what must be the same wherever the stance is annotated
    (:data:`crisiskg.loaders.seeds.STANCE_CORE`; the seeds check refuses a shared stance that differs)."""
    out = {}
    for a in articles:
        for st in a.items("stances"):
            core = json.dumps({k: st.get(k) for k in STANCE_CORE}, sort_keys=True, default=str)
            out[st["id"]] = hashlib.sha256(core.encode("utf-8")).hexdigest()[:16]
    return out


def entry_digests(seeds: SeedSet) -> dict[str, str]:
    """Registry entity and proposition IRI -> digest of its entry as written, so that the next
    incremental build finds the new and the changed entries without reading the published ones
    (an entry's triples follow from its entry and the ontology alone)."""
    return {str(iri): entry_digest(entry) for iri, entry in [*((iris.entity(k), v) for k, v in seeds.entities.items()),
                                                             *((iris.proposition(k), v) for k, v in seeds.propositions.items())]}


_HEAD = b"\x1e"  # starts the line naming an article's text file, before the text


def write_texts(folder: Path, articles: Iterable[ArticleSeed], previous: Path | None = None) -> None:
    """``texts`` in the work ``folder``: the texts of ``previous`` (a work folder's ``texts``, copied)
    and of ``articles``, each after a line with its file name, so that a new registry name is looked
    for in every published text with one read (:func:`text_holding`)."""
    target = folder / TEXTS
    if previous is not None:
        shutil.copyfile(previous, target)
    with open(target, "ab") as fh:
        fh.writelines(_HEAD + a.text_file.encode("utf-8") + b"\n" + a.text.encode("utf-8") for a in articles)
        fh.flush()
        os.fsync(fh.fileno())


def text_holding(texts: Path, names: Iterable[str]) -> tuple[str, str] | None:
    """The first of ``names`` that occurs in a text of ``texts`` (see :func:`write_texts`) and that
    text's file name, or None."""
    data = texts.read_bytes()
    for name in names:
        needle = name.encode("utf-8")
        at = data.find(needle)
        while at != -1:
            head = data.rfind(_HEAD, 0, at)
            eol = data.find(b"\n", head)
            if eol < at:  # in the text, not in the line naming it
                return name, data[head + 1:eol].decode("utf-8")
            at = data.find(needle, at + 1)
    return None


def write_state(folder: Path, *, version: str, events: Iterable[str], stances: dict[str, str], entries: dict[str, str],
                originals: dict[str, dict[Any, Any]], exact: bool, sections: tuple[int, int, int], stats: Stats) -> None:
    """``state.json`` of a work folder (see the module's docstring)."""
    state = {
        "format": STATE_FORMAT,
        "version": version,
        "events": sorted(events),
        "stances": dict(sorted(stances.items())),
        "entries": dict(sorted(entries.items())),
        "literals": {"exact": exact, "originals": {p: sorted([str(k), str(v)] for k, v in m.items()) for p, m in sorted(originals.items()) if m}},
        "dataset": {"inferred": sections[0], "provenance": sections[1], "size": sections[2]},
        "stats": stats,
    }
    with open(folder / STATE, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(state, separators=(",", ":")))  # dumps: the C encoder (dump streams in Python)
        fh.flush()
        os.fsync(fh.fileno())


@dataclass
class WorkState:
    """A release's work folder, as read back."""

    store: Path
    events: frozenset[str]
    stances: dict[str, str]
    entries: dict[str, str]
    texts: Path
    originals: dict[str, dict[Any, Any]]
    exact: bool
    inferred_at: int
    provenance_at: int
    size: int
    stats: Stats

    @property
    def sections(self) -> Sections:
        """Where the sections of the release's ``dataset.nq`` start, and its size."""
        return Sections(self.inferred_at, self.provenance_at, self.size)


def load_state(release: Release) -> WorkState | None:
    """The work folder of ``release``, or None when it has none (or one that does not match it)."""
    folder = release.work_dir
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        if (state.get("format") != STATE_FORMAT or state.get("version") != release.version or not (folder / STORE).is_dir()
                or not (folder / TEXTS).is_file()):
            return None
        sections = state["dataset"]
        if release.dataset_file.stat().st_size != sections["size"]:
            return None
        originals = _parse_originals(state["literals"]["originals"])
        return WorkState(folder / STORE, frozenset(state["events"]), dict(state["stances"]), dict(state["entries"]), folder / TEXTS, originals,
                         bool(state["literals"]["exact"]),
                         int(sections["inferred"]), int(sections["provenance"]), int(sections["size"]), dict(state["stats"]))
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        return None


def _parse_originals(data: dict[str, list[list[str]]]) -> dict[str, dict[Any, Any]]:
    lines, keys = [], []
    for prop, pairs in data.items():
        for stored, written in pairs:
            lines.append(f"<urn:s> <urn:p> {stored} .\n<urn:w> <urn:p> {written} .\n")
            keys.append(prop)
    terms = [t.object for t in ox.parse(input="".join(lines), format=ox.RdfFormat.N_TRIPLES)]
    out: dict[str, dict[Any, Any]] = {}
    for i, prop in enumerate(keys):
        out.setdefault(prop, {})[terms[2 * i]] = terms[2 * i + 1]
    return out
