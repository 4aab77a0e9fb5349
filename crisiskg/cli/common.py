"""What every command shares: the default folders, the ``--seeds`` and ``--build`` options, and
a library error as a clean exit."""

from __future__ import annotations

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
