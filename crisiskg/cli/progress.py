"""Progress of the long commands (``build``, ``answers``, ``push``), per stage.

On a terminal (standard error, as rich sees it) a live line shows the stage at work, a bar over the
stages when their number is known, and the time so far; each stage, once done, is printed above it
with its seconds. Anywhere else (a pipe, a log file, a test) the output stays quiet and
line-oriented: one line per finished stage, as the build has always written, and nothing that
redraws. The live line is rich's :class:`rich.progress.Progress`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

FULL_BUILD = ("read", "load", "reason", "validate", "publish")  # the stages of a full build, in order


def stage_line(name: str, seconds: float) -> str:
    """One finished stage as printed: ``  reason       0.07 s``."""
    return f"  {name:<9} {seconds:7.2f} s"


class StageProgress:
    """Use as a context manager; :meth:`stage` is the build's and push's ``on_stage`` callback,
    :meth:`step` push's ``progress`` one and :meth:`call` the kept answers' per-question one.
    ``stages``: the stages expected, in order (empty: unknown)."""

    def __init__(self, title: str, stages: Sequence[str] = (), *, console: Console | None = None):
        self.title = title
        self.stages = list(stages)
        self.done: list[str] = []
        self.console = console or Console(stderr=True, highlight=False)
        self.live = self.console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._calls: TaskID | None = None

    def __enter__(self) -> Self:
        if self.live:
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=self.console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self._running(), total=len(self.stages) or None)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _running(self) -> str:
        """What the live line says is at work: the next expected stage, or the title."""
        left = [s for s in self.stages if s not in self.done]
        return f"{self.title}: {left[0] if left else 'working'}"

    def stage(self, name: str, seconds: float) -> None:
        """A stage finished after ``seconds``."""
        self.done.append(name)
        if self._progress is None or self._task is None:
            click.echo(stage_line(name, seconds), err=True)
            return
        self._progress.console.print(stage_line(name, seconds), markup=False)
        if name in self.stages:
            self._progress.advance(self._task)
        self._progress.update(self._task, description=self._running(), refresh=True)  # the live line names each stage as it starts

    def step(self, what: str, done: int, total: int) -> None:
        """What is at work now, ``done`` of ``total`` steps (0 of 0: not counted), on the live line of
        a terminal; elsewhere nothing (the stage lines say what finished). Meant for unknown stages:
        the bar then counts the steps."""
        if self._progress is None or self._task is None:
            return
        self._progress.update(self._task, description=f"{self.title}: {what[-60:]}", completed=done, total=total or None, refresh=True)

    def call(self, question: str, done: int, total: int) -> None:
        """The kept answers: ``done`` of ``total`` calls evaluated, the last of ``question``. Shown on
        a terminal only (elsewhere the 'answers' stage line says when they are all done)."""
        if self._progress is None:
            return
        if self._calls is None:
            self._calls = self._progress.add_task("answers", total=total)
        self._progress.update(self._calls, completed=done, description=f"answers: {question}")
        if done >= total:
            self._progress.remove_task(self._calls)
            self._calls = None
