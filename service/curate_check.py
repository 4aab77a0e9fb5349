"""The workbench's checks and publishing: one article checked live, its problems placed at their
spans, and the incremental build run on the seeds.

``check`` runs every stage the build runs, for one article: the schema, the anchors, the
references (against the registry, the propositions and the events of the other articles), what a
reviewed file may not hold (made-up ids, attacks with no roles) and the SHACL shapes (that article
with the registry, reasoned; :func:`crisiskg.build.gate.shape_problems`).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crisiskg.build import gate
from crisiskg.curate.coverage import places_without_point
from crisiskg.errors import CrisisKGError, Problem, SeedError, ValidationFailed
from crisiskg.loaders.anchor import AnchorError, anchor
from crisiskg.loaders.reviewed import check_attacks, check_reviewed
from crisiskg.loaders.seeds import check_seeds, usable
from crisiskg.loaders.yamlio import undotted
from crisiskg.service.curate_files import SECTIONS, dumps, suggestions

_LOCK = threading.Lock()  # one publish at a time


@dataclass
class Mark:
    """A span of the article to highlight: an item, a suggestion or a problem."""

    begin: int
    end: int
    kind: str  # "item", "suggestion" or "problem"
    ref: str  # the id of its entry on the page


@dataclass
class Report:
    problems: list[tuple[Problem, str | None]] = field(default_factory=list)  # each with the page entry it belongs to
    marks: list[Mark] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)  # places with no point -> events that name them (not on the map)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_EVENTS: dict[tuple[str, int, int], frozenset[str]] = {}  # (file, size, mtime) -> the event ids it annotates


def _events_in(path: Path) -> frozenset[str]:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _EVENTS:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
            found = frozenset(str(e.get("id")) for e in data.get("events") or [] if isinstance(e, dict))
        except (yaml.YAMLError, OSError, AttributeError):
            found = frozenset()
        _EVENTS[key] = found
    return _EVENTS[key]


def _events_elsewhere(seeds: Path, stem: str) -> frozenset[str]:
    """The event ids the other articles annotate (a new article may refer to them)."""
    out: set[str] = set()
    for path in (seeds / "articles").glob("*.yaml"):
        if path.stem != stem:
            out |= _events_in(path)
    return frozenset(out)


def _span(text: str, item: Any) -> tuple[int, int] | None:
    if not isinstance(item, dict) or not isinstance(item.get("quote"), str):
        return None
    try:
        sp = anchor(text, item["quote"], item.get("occurrence"))
    except AnchorError:
        return None
    return sp.begin, sp.end


def marks(text: str, data: Any) -> list[Mark]:
    """The spans of every item and suggestion of an annotation file."""
    out = []
    for section in SECTIONS:
        for i, item in enumerate(data.get(section) or []):
            found = _span(text, item)
            if found:
                out.append(Mark(found[0], found[1], "item", f"{section}-{i}"))
    for i, sug in enumerate(suggestions(data)):
        found = _span(text, sug.get("item") if isinstance(sug, dict) else None)
        if found:
            out.append(Mark(found[0], found[1], "suggestion", f"suggestion-{i}"))
    return out


def _entry(field_: str) -> str | None:
    """The page entry a problem's field belongs to (``events[2].roles`` -> ``events-2``)."""
    path = undotted(field_)
    if len(path) >= 2 and path[0] in SECTIONS and isinstance(path[1], int):
        return f"{path[0]}-{path[1]}"
    if len(path) >= 3 and path[:2] == ("draft_notes", "suggestions") and isinstance(path[2], int):
        return f"suggestion-{path[2]}"
    return None


def check(seeds: Path, stem: str, *, data: Any = None) -> Report:
    """Every problem of article ``stem`` (with ``data``, that annotation instead of the file's:
    checked in a scratch copy, nothing written), each with its page entry, and the spans to mark."""
    yaml_file = seeds / "articles" / f"{stem}.yaml"
    text = (seeds / "articles" / f"{stem}.txt").read_text(encoding="utf-8")
    known = _events_elsewhere(seeds, stem)
    with tempfile.TemporaryDirectory(prefix="crisiskg-curate-") as scratch:
        root = Path(scratch)
        (root / "articles").mkdir()
        for name in ("registry.yaml", "propositions.yaml"):
            shutil.copy(seeds / name, root / name)
        shutil.copy(seeds / "articles" / f"{stem}.txt", root / "articles" / f"{stem}.txt")
        body = dumps(data) if data is not None else yaml_file.read_text(encoding="utf-8")
        (root / "articles" / f"{stem}.yaml").write_text(body, encoding="utf-8")
        part, problems = check_seeds(root, allow_drafts=True, known_events=known, only=[stem])
        mine = f"articles/{stem}.yaml"
        if part.articles and part.articles[0].meta.get("status") == "draft":
            # what the gate will refuse once it is marked reviewed (the notes go when it is published)
            problems += [p for p in check_reviewed(part.articles[0]) if not p.field.startswith("draft_notes")]
            problems += list(check_attacks(part.articles, known))
        key = part.articles[0].key if part.articles else None
        loaded = usable(part, problems)
        shapes = [p for p in gate.shape_problems(loaded, article=key) if p.file == mine]
    report = Report(unmapped=places_without_point(loaded, loaded.articles[0]) if loaded.articles else {})
    current = yaml.load(body, Loader=_LOADER) or {}
    report.marks = marks(text, current)
    spans = {m.ref: m for m in report.marks}
    for p in [*problems, *shapes]:
        ref = _entry(p.field)
        report.problems.append((p, ref))
        if ref in spans:
            report.marks.append(Mark(spans[ref].begin, spans[ref].end, "problem", ref))
    return report


def publish(seeds: Path, build_dir: Path, stem: str, prepare: Any) -> tuple[bool, str, list[Problem]]:
    """Mark article ``stem`` reviewed (``prepare(data)`` edits its file) and run the incremental
    build; (published, what the build said, problems). On any problem the file is put back as it was."""
    from crisiskg.build.pipeline import build  # the build's imports only when publishing
    from crisiskg.service.curate_files import read, write

    yaml_file = seeds / "articles" / f"{stem}.yaml"
    with _LOCK:
        before = yaml_file.read_text(encoding="utf-8")
        data = read(yaml_file)
        try:
            prepare(data)
        except CrisisKGError as exc:
            return False, str(exc), []
        write(yaml_file, data)
        try:
            result = build(seeds, build_dir, incremental=True)
        except SeedError as exc:
            yaml_file.write_text(before, encoding="utf-8")
            return False, "the build refused the seeds", exc.problems
        except ValidationFailed as exc:
            yaml_file.write_text(before, encoding="utf-8")
            return False, "the build found violations", [Problem("(validation)", None, "", line.lstrip("- "))
                                                          for line in exc.report.splitlines() if line.strip()]
        except CrisisKGError as exc:
            yaml_file.write_text(before, encoding="utf-8")
            return False, str(exc), []
    version = result.release.version if result.release is not None else "?"
    return True, f"published build {version} ({result.note})", []
