"""Never serve damaged data (issue 18): kept answers and releases carry checksums; a damaged kept
answer is evaluated instead and logged once; a damaged release is never served or reloaded (the old
one keeps serving), counted once and logged once; ``serve`` on it exits 2; a build folder that is
read-only or full is exit 2 with the path and the fix.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from serving import ROOT, free_port  # tests/serving.py

from crisiskg.build import integrity
from crisiskg.build.diskstore import STORE, store_files
from crisiskg.build.integrity import CHECKSUMS, verify
from crisiskg.build.publish import DATASET, MANIFEST, current
from crisiskg.cli import main as cli
from crisiskg.errors import DamagedRelease
from crisiskg.query.kept import ANSWERS, INDEX
from crisiskg.query.savedqueries import load_queries
from crisiskg.service import create_app
from crisiskg.service.state import KEY

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

MINI = ROOT / "tests" / "fixtures" / "mini"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def build_copy(mini_build: tuple[Path, Any], tmp_path: Path) -> Path:
    """A copy of the mini build (its current release and kept answers) that a test may damage."""
    out = tmp_path / "build"
    shutil.copytree(mini_build[0], out, symlinks=True)
    return out


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_release_carries_the_checksum_of_every_file(mini_build: tuple[Path, Any]) -> None:
    release = current(mini_build[0])
    sums = release.manifest[CHECKSUMS]
    files = sorted(p.name for p in release.path.iterdir() if p.is_file() and p.name != MANIFEST)
    files += [f"{STORE}/{p.name}" for p in store_files(release.path)]  # its on-disk store's files too
    assert sorted(sums) == sorted(files) and DATASET in sums and any(name.startswith(f"{STORE}/") for name in sums)
    verify(release)  # passes


def test_a_truncated_dataset_is_refused_by_name(build_copy: Path) -> None:
    release = current(build_copy)
    truncate(release.dataset_file)
    with pytest.raises(DamagedRelease, match=f"{DATASET} does not match the checksum.*crisiskg build"):
        verify(release)


def test_serve_on_a_damaged_build_exits_2_with_a_clear_message(build_copy: Path) -> None:
    truncate(current(build_copy).dataset_file)
    proc = subprocess.run([sys.executable, "-m", "crisiskg", "serve", "--build", str(build_copy), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ}, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "is damaged" in proc.stderr and DATASET in proc.stderr and "Traceback" not in proc.stderr


def test_a_damaged_kept_answer_is_evaluated_instead_and_logged_once(build_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    index = json.loads((current(build_copy).path / ANSWERS / INDEX).read_text(encoding="utf-8"))
    articles = load_queries()["articles"]
    entry = next(e for e in index["answers"].values() if e["question"] == "articles" and not e["values"])
    assert "sha256" in entry
    app = create_app({"build_dir": build_copy, "reload_every": 0, "evaluation": "thread"})
    try:
        client = app.test_client()
        good = client.get("/queries/articles", headers=JSON)
        assert good.status_code == 200
        truncate(current(build_copy).path / ANSWERS / entry["file"])
        app2 = create_app({"build_dir": build_copy, "reload_every": 0, "evaluation": "thread", "cache_bytes": 0})
        try:
            with caplog.at_level(logging.WARNING, logger="crisiskg.query"):
                answers = [app2.test_client().get("/queries/articles", headers=JSON) for _ in range(3)]
            for resp in answers:
                assert resp.status_code == 200
                assert resp.get_json()["results"] == good.get_json()["results"]  # evaluated: valid and the same
            warned = [r for r in caplog.records if "kept answer" in r.getMessage() and entry["file"] in r.getMessage()]
            assert len(warned) == 1
            assert not app2.extensions[KEY].store.query(articles.sparql).kept
        finally:
            app2.extensions[KEY].close()
    finally:
        app.extensions[KEY].close()


def test_a_damaged_release_is_never_reloaded_and_counted_once(build_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app({"build_dir": build_copy, "reload_every": 0, "evaluation": "thread"})
    st = app.extensions[KEY]
    try:
        served = st.version
        # publish a damaged copy of the release as the new current one
        old = current(build_copy).path
        new = old.parent / (old.name + "-damaged")
        shutil.copytree(old, new)
        truncate(new / DATASET)
        (build_copy / "current").unlink()
        (build_copy / "current").symlink_to(Path("releases") / new.name)
        calls: list[Path] = []
        real_sha = integrity.sha256_of

        def counted(path: Path) -> str:
            calls.append(path)
            return real_sha(path)

        with caplog.at_level(logging.WARNING, logger="crisiskg.service"), pytest.MonkeyPatch.context() as mp:
            mp.setattr(integrity, "sha256_of", counted)
            assert [st.reload() for _ in range(5)] == [False] * 5
        assert st.version == served
        assert app.test_client().get("/readyz").get_json()["version"] == served
        metrics = app.test_client().get("/metrics").get_data(as_text=True)
        assert "crisiskg_build_reload_failures_total 1\n" in metrics
        refused = [r for r in caplog.records if "damaged" in r.getMessage()]
        assert len(refused) == 1 and DATASET in refused[0].getMessage() and not refused[0].exc_info
        assert len({p.parent for p in calls}) == 1 and len(calls) <= len(json.loads((new / MANIFEST).read_text())[CHECKSUMS])
    finally:
        st.close()


@pytest.mark.parametrize(("code", "fix"), [(errno.EROFS, "make it writable"), (errno.ENOSPC, "free some space")])
def test_a_read_only_or_full_build_folder_is_exit_2_with_the_path_and_the_fix(tmp_path: Path, code: int, fix: str,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "build"

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise OSError(code, os.strerror(code), str(out / "releases"))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = CliRunner().invoke(cli, ["build", "--seeds", str(MINI), "--build", str(out), "--answers", "no"])
    assert result.exit_code == 2, result.output
    assert str(out) in result.output and fix in result.output and "--build" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_concurrent_first_lookups_all_find_their_kept_answers(mini_build: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """While one request reads the index, the others wait for it instead of taking a miss (which
    would send a kept question to a busy worker)."""
    import threading
    import time

    from crisiskg.query.kept import Kept

    release = current(mini_build[0])
    index = json.loads((release.path / ANSWERS / INDEX).read_text(encoding="utf-8"))
    texts = {e["question"]: None for e in index["answers"].values() if not e["values"]}
    queries = load_queries()
    kept = Kept(release)
    slow_read = kept._read_index

    def slow() -> Any:
        time.sleep(0.5)  # a slow disk: the others arrive meanwhile
        return slow_read()

    monkeypatch.setattr(kept, "_read_index", slow)
    found: dict[str, bool] = {}
    threads = [threading.Thread(target=lambda q=q: found.__setitem__(q, kept.get(queries[q].sparql, "owlrl") is not None))
               for q in texts if q in queries and not queries[q].params]
    assert len(threads) > 3
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert found and all(found.values()), [q for q, ok in found.items() if not ok]
