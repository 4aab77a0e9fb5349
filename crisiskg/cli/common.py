"""What every command shares: the default folders, the ``--seeds`` and ``--build`` options, a
library error as a clean exit, and ending a finished command's process at once."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from crisiskg.errors import CrisisKGError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SEEDS: Path = Path("seeds")
DEFAULT_BUILD: Path = Path("build")


class Failure(click.ClickException):
    """A library error, shown as 'Error: ...' with its exit code."""

    def __init__(self, error: CrisisKGError):
        super().__init__(str(error))
        self.exit_code = error.exit_code  # type: ignore[misc]  # click declares it per class; here it is the error's


_PROCESS = False  # True when this process is the command (run), not a caller of main (tests, scripts)


def as_process() -> None:
    """Mark this process as the command's own (:func:`crisiskg.cli.run`), so that :func:`done` may end it."""
    global _PROCESS
    _PROCESS = True


def done() -> None:
    """End a finished command's process now, when it is one: output flushed, logging shut down,
    other threads joined, then ``os._exit(0)``, which skips the interpreter's teardown of every
    module and object (slow once rdflib, pyshacl and a store are loaded: a good part of what
    adding an article to a small build costs). Used by commands that leave nothing to clean up
    (no worker processes or servers); under a caller of :func:`crisiskg.cli.main` it does nothing."""
    if not _PROCESS:
        return
    import logging
    import os
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def fail_on_error(fn):  # type: ignore[no-untyped-def]
    """Turn CrisisKGError into a clean exit."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except CrisisKGError as exc:
            raise Failure(exc) from exc

    return wrapper


seeds_option: Callable[[F], F] = click.option("--seeds", "seeds_dir", type=click.Path(path_type=Path), default=DEFAULT_SEEDS, show_default=True, help="The seeds folder.")
build_option: Callable[[F], F] = click.option("--build", "build_dir", type=click.Path(path_type=Path), default=DEFAULT_BUILD, show_default=True, help="The build folder (published builds).")
