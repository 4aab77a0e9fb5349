"""Atomic publication: a failed, interrupted or killed build leaves the published build untouched."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from crisiskg.build import publish as publish_module
from crisiskg.build.pipeline import build
from crisiskg.build.publish import DATASET, KEEP_RELEASES, MANIFEST, current, publish
from crisiskg.build.stages import BuildResult
from crisiskg.errors import BuildError, PublishError, SeedError, ValidationFailed

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ARTICLE = Path("articles") / "100_mini.yaml"


def snapshot(out: Path) -> dict[str, object]:
    """What readers of ``out`` see: where current points, and every byte of the release."""
    link = out / "current"
    release = link.resolve()
    return {
        "target": os.readlink(link),
        "files": {str(p.relative_to(release)): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()},
    }


@pytest.fixture
def published(mini_build: tuple[Path, BuildResult], tmp_path: Path) -> Path:
    """A private copy of a published build of the fixture corpus."""
    out = tmp_path / "build"
    shutil.copytree(mini_build[0], out, symlinks=True)
    assert (out / "current").is_symlink() and current(out).dataset_file.exists()
    return out


def edit(folder: Path, rel: str | Path, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_build_publishes_the_dataset_and_the_manifest(mini_build: tuple[Path, BuildResult]) -> None:
    out, result = mini_build
    release = current(out)
    assert release.path == result.release.path  # type: ignore[union-attr]
    assert (out / "current").is_symlink() and not os.path.isabs(os.readlink(out / "current"))  # relative: the folder can move
    assert {p.name for p in release.path.iterdir()} == {DATASET, MANIFEST, "crisiskg.ttl", "cameo.ttl", "shapes.ttl", "answers", "store"}
    assert {p.name for p in release.work_dir.iterdir()} == {"store", "state.json", "texts"}  # beside the release, for --incremental
    m = json.loads((release.path / MANIFEST).read_text(encoding="utf-8"))
    assert m["version"] == release.version and len(m["version"]) == 16
    assert m["validation"] == {"conforms": True, "violations": 0}
    assert set(m["seconds"]) >= {"read", "load", "reason", "validate"}
    assert m["counts"]["articles"] == 1 and m["counts"]["events"] == 1 and m["counts"]["stances"] == 1
    assert m["counts"]["triples_inferred"] > 0 and m["counts"]["triples_asserted"] > 0
    assert "seeds/registry.yaml" in m["inputs"] and "crisiskg/build/pipeline.py" in m["inputs"]
    ds = Dataset()
    with publish_module.rdflib_dataset_io():
        ds.parse(release.dataset_file, format="nquads")
    assert sum(len(g) for g in ds.graphs()) == m["counts"]["triples_asserted"] + m["counts"]["triples_inferred"]


def test_the_version_depends_on_the_inputs_only(mini_build: tuple[Path, BuildResult], mini_copy: Path) -> None:
    same = build(mini_copy, None)
    assert same.manifest["version"] == mini_build[1].manifest["version"]
    edit(mini_copy, "propositions.yaml", "military force.", "military force, soon.")
    assert build(mini_copy, None).manifest["version"] != same.manifest["version"]


# ---------------------------------------------------------------- failed builds


def test_a_bad_seed_leaves_the_published_build_untouched(published: Path, mini_copy: Path) -> None:
    before = snapshot(published)
    edit(mini_copy, ARTICLE, '"killing two soldiers"', '"killing three soldiers"')
    with pytest.raises(SeedError):
        build(mini_copy, published)
    assert snapshot(published) == before
    assert not list((published / "releases").glob(".tmp-*"))


def test_a_shacl_violation_leaves_the_published_build_untouched(published: Path, mini_copy: Path) -> None:
    before = snapshot(published)
    edit(mini_copy, ARTICLE, "value: 2020-03-10", "value: 2020-04-10")  # after the article
    with pytest.raises(ValidationFailed):
        build(mini_copy, published)
    assert snapshot(published) == before
    assert len(list((published / "releases").iterdir())) == 1


# ---------------------------------------------------------------- interrupted publication


def _raise(exc: BaseException):  # type: ignore[no-untyped-def]
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


@pytest.mark.parametrize(
    ("target", "exc"),
    [
        pytest.param("crisiskg.build.publish.shutil.copyfile", OSError(28, "No space left on device"), id="copying-the-ontology"),
        pytest.param("crisiskg.build.publish.json.dump", OSError(28, "No space left on device"), id="writing-the-manifest"),
        pytest.param("crisiskg.build.publish.os.fsync", OSError(5, "Input/output error"), id="fsync"),
        pytest.param("crisiskg.build.publish.os.rename", OSError(18, "Invalid cross-device link"), id="renaming-the-release"),
        pytest.param("crisiskg.build.publish.shutil.copyfile", KeyboardInterrupt(), id="ctrl-c-mid-write"),
    ],
)
def test_an_interrupted_publish_leaves_current_intact(published: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                      target: str, exc: BaseException) -> None:
    before = snapshot(published)
    edit(mini_copy, "propositions.yaml", "military force.", "military force, soon.")  # a new version
    monkeypatch.setattr(target, _raise(exc))
    with pytest.raises((BuildError, KeyboardInterrupt)):
        build(mini_copy, published)
    monkeypatch.undo()
    assert snapshot(published) == before
    assert not list((published / "releases").glob(".tmp-*")), "the half-written release is removed"


def test_a_failed_link_swap_keeps_the_old_link(published: Path, mini_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(published)
    edit(mini_copy, "propositions.yaml", "military force.", "military force, soon.")
    monkeypatch.setattr("crisiskg.build.publish.os.replace", _raise(OSError(1, "Operation not permitted")))
    with pytest.raises(BuildError):
        build(mini_copy, published)
    monkeypatch.undo()
    assert snapshot(published) == before


def test_republishing_the_same_version_in_the_same_second_never_removes_the_current_release(
        published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = current(published)
    before = snapshot(published)
    ds = Dataset()
    with publish_module.rdflib_dataset_io():
        ds.parse(release.dataset_file, format="nquads")
    # the same manifest: same version, same creation second, so the same release name
    monkeypatch.setattr("crisiskg.build.publish.os.rename", _raise(OSError(28, "No space left on device")))
    with pytest.raises(OSError):
        publish(ds, release.manifest, published)
    monkeypatch.undo()
    assert snapshot(published) == before
    again = publish(ds, release.manifest, published)
    assert again.path != release.path and release.path.exists()
    assert current(published).path == again.path


def test_a_leftover_temporary_release_does_not_disturb_current_and_is_cleaned(published: Path, mini_copy: Path) -> None:
    before = snapshot(published)
    stale = published / "releases" / ".tmp-killed"
    stale.mkdir()
    (stale / DATASET).write_text("<half a line", encoding="utf-8")
    assert snapshot(published) == before
    assert current(published).path == published.resolve() / before["target"]  # type: ignore[operator]
    edit(mini_copy, "propositions.yaml", "military force.", "military force, soon.")
    result = build(mini_copy, published)
    assert current(published).path == result.release.path  # type: ignore[union-attr]
    assert not stale.exists()


# ---------------------------------------------------------------- a killed build


KILLABLE = textwrap.dedent("""
    import sys, time
    from crisiskg.build import publish
    from crisiskg.build.pipeline import build

    pause = sys.argv[3]
    if pause == "publish":
        real = publish.shutil.copyfile
        def slow_copy(*args, **kwargs):
            print("WRITING", flush=True)  # dataset.nq is written; the release is half done
            time.sleep(60)
            return real(*args, **kwargs)
        publish.shutil.copyfile = slow_copy

    def on_stage(name, seconds):
        print("STAGE", name, flush=True)
        if name == pause:
            time.sleep(60)

    build(sys.argv[1], sys.argv[2], on_stage=on_stage)
    print("DONE", flush=True)
""")


@pytest.mark.parametrize(("pause", "signal_line"), [("reason", "STAGE reason"), ("publish", "WRITING")])
def test_a_killed_build_leaves_current_intact(published: Path, mini_copy: Path, root: Path, pause: str, signal_line: str) -> None:
    before = snapshot(published)
    edit(mini_copy, "propositions.yaml", "military force.", "military force, soon.")
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(mini_copy), str(published), pause],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == signal_line:
                break
        else:
            pytest.fail(f"the build ended before {signal_line!r}: {proc.stderr.read() if proc.stderr else ''}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(published) == before
    assert current(published).version == json.loads(before["files"][MANIFEST])["version"]  # type: ignore[index]
    if pause == "publish":
        assert list((published / "releases").glob(".tmp-*")), "the killed build left its half release"
    # the next build recovers and cleans up
    result = build(mini_copy, published)
    assert current(published).path == result.release.path  # type: ignore[union-attr]
    assert not list((published / "releases").glob(".tmp-*"))


# ---------------------------------------------------------------- release housekeeping and reading


def _tiny_dataset() -> Dataset:
    ds = Dataset()
    ds.graph(URIRef("https://w3id.org/crisiskg/graph/test")).add(
        (URIRef("https://w3id.org/crisiskg/id/x"), URIRef("https://w3id.org/crisiskg/ontology#text"), Literal("x")))
    return ds


def test_old_releases_are_pruned_but_current_is_kept(tmp_path: Path) -> None:
    ds = _tiny_dataset()
    made = []
    for i in range(KEEP_RELEASES + 2):
        release = publish(ds, {"version": f"v{i}", "created": f"2020-01-0{i + 1}T00:00:00+00:00"}, tmp_path)
        os.utime(release.path, (1_000_000 + i, 1_000_000 + i))  # distinct mtimes, oldest first
        made.append(release.path)
    remaining = sorted(p for p in (tmp_path / "releases").iterdir())
    assert len(remaining) == KEEP_RELEASES
    assert made[-1] in remaining and current(tmp_path).path == made[-1]
    assert made[0] not in remaining


def test_pruning_removes_work_folders_with_their_release_and_the_rest_still_open(mini_copy: Path, tmp_path: Path) -> None:
    import pyoxigraph as ox

    out = tmp_path / "build"
    for i in range(KEEP_RELEASES + 1):
        edit(mini_copy, "propositions.yaml", "military force" + "!" * i + ".", "military force" + "!" * (i + 1) + ".")
        release = build(mini_copy, out).release
        assert release is not None
        os.utime(release.path, (1_000_000 + i, 1_000_000 + i))
    names = sorted(p.name for p in (out / "releases").iterdir())
    assert len(names) == KEEP_RELEASES and sorted(p.name for p in (out / "work").iterdir()) == names
    for name in names:
        assert len(list(ox.Store.read_only(str(out / "work" / name / "store")))) > 0


def test_pruning_keeps_a_running_builds_folders_and_removes_dead_ones(published: Path, mini_copy: Path) -> None:
    releases, work = published / "releases", published / "work"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = [releases / f".tmp-{sleeper.pid}-abc", work / f".tmp-{sleeper.pid}-abc"]
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        gone = [releases / f".tmp-{dead.pid}-abc", work / f".tmp-{dead.pid}-abc", work / "no-such-release"]
        for folder in [*running, *gone]:
            folder.mkdir(parents=True)
        edit(mini_copy, "propositions.yaml", "military force.", "military force, soon.")
        result = build(mini_copy, published)
        assert all(p.exists() for p in running), "another build is still writing them"
        assert not any(p.exists() for p in gone)
        assert sorted(p.name for p in work.iterdir() if not p.name.startswith(".")) == sorted(p.name for p in releases.iterdir() if not p.name.startswith("."))
        assert result.release is not None and result.release.work_dir.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_current_without_a_build_is_a_publish_error(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="no published build"):
        current(tmp_path)


def test_current_with_a_broken_manifest_is_a_publish_error(published: Path) -> None:
    (current(published).path / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(PublishError, match="no readable manifest"):
        current(published)


def test_current_without_a_dataset_is_a_publish_error(published: Path) -> None:
    (current(published).path / DATASET).unlink()
    with pytest.raises(PublishError, match="has no dataset.nq"):
        current(published)
