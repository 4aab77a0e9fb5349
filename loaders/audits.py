"""Audit files (``seeds/audits/*.yaml``): a random sample of facts with a reviewer's verdicts, and
the precision estimate a build publishes from the newest complete one.

A file holds an ``audit`` header (date, seed, sample size, the build it was drawn from, how many
facts that build held) and ``facts``: one record per sampled fact (id, article, the fact's terms
and labels, a reading, its quote and sentence) with ``verdict`` (``right``, ``wrong``,
``unsupported``, or null while not judged) and an optional ``note``. An audit is complete when
every fact has a verdict; :func:`latest` returns the newest complete one (by date, then file name).

Precision is right / judged, with a 95% Wilson score interval (:func:`wilson`).
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisiskg.errors import Problem, SeedError

if TYPE_CHECKING:
    from crisiskg.loaders.yamlio import YamlDoc

FOLDER = "audits"
VERDICTS = ("right", "wrong", "unsupported")
DAY = r"^\d{4}-\d{2}-\d{2}$"
Z95 = 1.959963984540054  # the standard normal quantile of 0.975
HEADER = ("# crisiskg audit: read each fact's reading against its quote and sentence in the article,\n"
          "# then set verdict to right, wrong or unsupported (note: why, optional). 'crisiskg audit --out\n"
          "# THIS_FILE' asks for the verdicts still missing. The newest complete audit is published by the build.\n")

_text = {"type": ["string", "null"]}
_FACT_FIELDS: dict[str, Any] = {
    "id": {"type": "string", "minLength": 1}, "kind": {"type": "string", "minLength": 1}, "article": {"type": "string", "minLength": 1},
    "reading": {"type": "string"}, "quote": {"type": "string"}, "sentence": _text,
    "other_quotes": {"type": "array", "items": {"type": "string"}}, "context": {"type": "array", "items": {"type": "string"}},
    "subject": _text, "subject_label": _text, "predicate": {"type": "string"}, "predicate_label": _text,
    "object": {"type": "string"}, "object_label": _text, "span": _text,
    "verdict": {"enum": [*VERDICTS, None]}, "note": _text,
}
SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["audit", "facts"],
    "properties": {
        "audit": {"type": "object", "additionalProperties": False, "required": ["date", "seed", "sample", "build"],
                  "properties": {"date": {"type": "string", "pattern": DAY}, "seed": {"type": "integer"},
                                 "sample": {"type": "integer", "minimum": 1}, "build": {"type": "string", "minLength": 1},
                                 "facts_in_build": {"type": "integer", "minimum": 0}, "reviewer": _text}},
        "facts": {"type": "array", "items": {"type": "object", "additionalProperties": False, "properties": _FACT_FIELDS,
                                             "required": ["id", "kind", "article", "reading", "quote", "predicate", "object", "verdict"]}},
    },
}


@dataclass(frozen=True)
class Audit:
    """One audit file as read: where it is (``file``, relative to the seeds folder), its digest,
    its header and facts."""

    file: str
    sha256: str
    header: dict[str, Any]
    facts: list[dict[str, Any]]

    @property
    def judged(self) -> int:
        return sum(1 for f in self.facts if f.get("verdict") in VERDICTS)

    @property
    def complete(self) -> bool:
        return bool(self.facts) and self.judged == len(self.facts)

    def count(self, verdict: str) -> int:
        return sum(1 for f in self.facts if f.get("verdict") == verdict)

    def estimate(self, data_version: str | None = None) -> dict[str, Any]:
        """What a build publishes: counts, precision and its 95% Wilson interval, the audit's
        date, seed, sample size and file; ``current`` says whether the audited build had the data
        of ``data_version``."""
        right, judged = self.count("right"), self.judged
        low_high = wilson(right, judged)
        return {
            "file": f"seeds/{self.file}", "sha256": self.sha256, "date": self.header["date"], "seed": self.header["seed"],
            "sample": len(self.facts), "judged": judged, "right": right, "wrong": self.count("wrong"),
            "unsupported": self.count("unsupported"), "precision": round(right / judged, 4) if judged else None,
            "interval": [round(x, 4) for x in low_high] if low_high else None, "confidence": 0.95,
            "method": "Wilson score interval", "build": self.header["build"],
            "current": data_version is not None and self.header["build"] == data_version,
        }


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion ``successes / n`` (None when ``n`` is 0).

    >>> [round(x, 4) for x in wilson(58, 60)]
    [0.8864, 0.9908]
    """
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def read(path: Path, rel: str) -> tuple[Audit | None, list[Problem]]:
    """The audit file at ``path`` (named ``rel`` in problems) and every problem in it."""
    from crisiskg.loaders.schema import check  # the seed files' checks and messages (jsonschema: imported when needed)
    from crisiskg.loaders.yamlio import load_yaml

    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(rel, None, "", f"cannot read: {exc}", "write the file as UTF-8 text")]
    doc, problems = load_yaml(text, rel)
    if doc is None or problems:
        return None, problems
    problems = check(doc, SCHEMA)
    if problems:
        return None, problems
    problems = _consistency(doc)
    if problems:
        return None, problems
    return Audit(rel, hashlib.sha256(raw).hexdigest(), doc.data["audit"], doc.data["facts"]), []


def _consistency(doc: YamlDoc) -> list[Problem]:
    """What the schema cannot say: the sample size is the number of facts, ids are unique."""
    data, out = doc.data, []
    if data["audit"]["sample"] != len(data["facts"]):
        out.append(Problem(doc.file, doc.line(("audit", "sample")), "audit.sample",
                           f"says {data['audit']['sample']} but the file holds {len(data['facts'])} facts",
                           "make it the number of facts (or draw the sample again)"))
    seen: dict[str, int] = {}
    for i, fact in enumerate(data["facts"]):
        if fact["id"] in seen:
            out.append(Problem(doc.file, doc.line(("facts", i, "id")), f"facts[{i}].id",
                               f"fact {fact['id']!r} is listed twice (first as facts[{seen[fact['id']]}])", "keep one"))
        seen.setdefault(fact["id"], i)
    return out


def read_all(seeds_dir: Path | str) -> list[Audit]:
    """Every audit file under ``seeds_dir/audits``; SeedError naming every problem in them."""
    folder = Path(seeds_dir) / FOLDER
    if not folder.is_dir():
        return []
    audits, problems = [], []
    for path in sorted(folder.glob("*.yaml")):
        audit, found = read(path, f"{FOLDER}/{path.name}")
        problems += found
        if audit is not None:
            audits.append(audit)
    if problems:
        raise SeedError(problems)
    return audits


def latest(seeds_dir: Path | str) -> Audit | None:
    """The newest complete audit under ``seeds_dir/audits`` (by date, then file name), or None."""
    done = [a for a in read_all(seeds_dir) if a.complete]
    return max(done, key=lambda a: (a.header["date"], a.file)) if done else None


def stamp(data_version: str, audit: Audit | None) -> str:
    """A build's version: its data version, or with an audit, a digest of both (so that every
    cache keyed on the version sees the new estimate)."""
    if audit is None:
        return data_version
    return hashlib.sha256(f"{data_version}\0{audit.file}\0{audit.sha256}\n".encode()).hexdigest()[:16]


def inputs(audit: Audit | None) -> list[tuple[str, str]]:
    """The audit file as a build input (path as the manifest names seed files, sha256), for provenance."""
    return [] if audit is None else [(f"seeds/{audit.file}", audit.sha256)]


def same(published: dict[str, Any] | None, audit: Audit | None) -> bool:
    """Whether a manifest's ``audit`` entry is ``audit`` (the same file with the same content)."""
    if audit is None or published is None:
        return audit is None and published is None
    return bool(published.get("file") == f"seeds/{audit.file}" and published.get("sha256") == audit.sha256)


def describe(estimate: dict[str, Any] | None) -> str:
    """A manifest's ``audit`` entry in one line, for people ("not audited" without one)."""
    if not estimate:
        return "not audited"
    if estimate.get("precision") is None:
        return f"audit of {estimate['date']}: no fact judged"
    low, high = estimate["interval"]
    older = "" if estimate.get("current") else f"; drawn from build {estimate['build']}, whose facts may have changed since"
    return (f"precision {estimate['precision']:.1%} (95% interval {low:.1%} to {high:.1%}): {estimate['right']} of "
            f"{estimate['judged']} sampled facts right, {estimate['wrong']} wrong, {estimate['unsupported']} unsupported "
            f"(audit of {estimate['date']}, seed {estimate['seed']}{older})")


def write(path: Path, data: dict[str, Any]) -> None:
    """Write an audit file atomically (a reviewer's answers are never half-written)."""
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    body = HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
