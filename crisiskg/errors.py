"""The exceptions crisiskg raises, one small hierarchy::

    CrisisKGError                 anything crisiskg reports to a user (exit code 2 unless said)
     +-- SeedError                seed files are wrong: carries every Problem found, not the first
     +-- BuildError               a pipeline stage failed for another reason
     |    +-- ValidationFailed    SHACL found violations (exit code 1); carries the readable report
     +-- PublishError             no published build, or it cannot be read
     |    +-- DamagedRelease      a published build's files do not match their checksums
     |    +-- Unwritable          the build folder is read-only or full (also an OSError)
     +-- QueryError               a query cannot be parsed or evaluated
          +-- ParameterError      a saved question's parameter is unknown or has a bad value
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One mistake in a seed file: where it is, what is wrong and how to fix it."""

    file: str
    line: int | None
    field: str
    message: str
    hint: str | None = None
    column: int | None = None  # 1-based, where known: the character to look at

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.line and self.column:
            where += f":{self.column}"
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class CrisisKGError(Exception):
    """Base class: an expected failure, reported without a traceback."""

    exit_code = 2


class SeedError(CrisisKGError):
    """The seeds are wrong; ``problems`` lists every mistake found in one run."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the seeds:\n{lines}")


class BuildError(CrisisKGError):
    """A build stage failed."""


class ValidationFailed(BuildError):
    """SHACL validation found violations; ``report`` is the readable report."""

    exit_code = 1

    def __init__(self, report: str, count: int):
        self.report = report
        self.count = count
        super().__init__(f"SHACL validation failed with {count} violation(s):\n{report}")


class PublishError(CrisisKGError):
    """No published build, or it cannot be read."""


class DamagedRelease(PublishError):
    """A published build's files do not match the checksums in its manifest: never served."""


class Unwritable(PublishError, OSError):
    """The build folder cannot be written (read-only, not this user's, full); an OSError too, for
    callers that handle the file system's errors."""


class QueryError(CrisisKGError):
    """A query cannot be parsed or evaluated."""


class ParameterError(QueryError):
    """A saved question's parameter is unknown, missing or has a bad value."""
