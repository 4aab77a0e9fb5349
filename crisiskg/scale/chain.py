"""What both kinds of push share: their stages (timed and told), and the chain of incremental builds
that leads from a release to one a store already holds, whose difference is all that push sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from crisiskg.build.publish import Release

Progress = Callable[[str, int, int], None]  # (what is being done, steps done, steps in all; 0 and 0: not counted)
OnStage = Callable[[str, float], None]  # (a stage that finished, its seconds)


class Rebuild(Exception):
    """The store cannot be made from what it holds (the message says why): push sends the release in full."""


@contextmanager
def stage(name: str, progress: Progress | None, on_stage: OnStage | None) -> Iterator[None]:
    """One stage of a push: ``progress`` told as it starts, ``on_stage`` once it has finished (not when it fails)."""
    import time

    if progress is not None:
        progress(name, 0, 0)
    t0 = time.perf_counter()
    yield
    if on_stage is not None:
        on_stage(name, round(time.perf_counter() - t0, 3))


def base_release(release: Release, build_dir: Path, holds: Callable[[Release], bool], where: str) -> tuple[Release, list[str]]:
    """The release, among those still under ``build_dir/releases``, that ``release`` was built
    from by incremental builds (one, or a chain of them) and that the store ``where`` ``holds``;
    and the articles added since. Raises Rebuild when there is none (or one version is published twice)."""
    import json

    from crisiskg.build.publish import MANIFEST

    by_version: dict[str, list[Release]] = {}
    for path in (build_dir / "releases").iterdir():
        if path.is_dir() and not path.name.startswith(".") and path != release.path:
            try:
                manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            by_version.setdefault(str(manifest.get("version")), []).append(Release(path, manifest))
    at, articles = release, list[str]()
    while True:
        step = at.manifest.get("incremental")
        if not step:
            raise Rebuild(f"{where} holds no store of a build that build {release.version} was made from")
        articles = [*step.get("articles", []), *articles]
        found = by_version.pop(str(step.get("from")), [])  # popped: a chain never comes back to a version
        if len(found) != 1:
            raise Rebuild(f"build {step.get('from')} is {'published twice' if found else 'no longer published'}")
        at = found[0]
        if holds(at):
            return at, articles
