"""Query workers that cannot be started: every query is answered 503 with ``Retry-After`` in the
service's error body, the failure is logged on ``crisiskg.service``, ``/readyz`` says why, and the
next query once the cause is gone starts the workers and is answered.

The cause is a real one: the interpreter that ``multiprocessing`` starts the forkserver from is not
there (as when a server's virtual environment is removed or upgraded under it). It runs in a Python
process of its own, so that no other test's forkserver or resource tracker is touched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from serving import ROOT  # tests/serving.py

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

SCRIPT = r"""
import json, logging, multiprocessing, sys, time
from multiprocessing import resource_tracker

logging.basicConfig(format="LOG %(name)s %(levelname)s %(message)s", stream=sys.stderr)
resource_tracker.ensure_running()  # from the real interpreter: only the forkserver needs the missing one
multiprocessing.set_executable(sys.argv[2])

from crisiskg.service import create_app

app = create_app({"build_dir": sys.argv[1], "max_running_queries": 1, "reload_every": 0, "cache_bytes": 0,
                  "query_timeout": 120, "retry_after": 9})
client = app.test_client()
seen = []
for step in ("missing", "missing", "back"):
    if step == "back":
        multiprocessing.set_executable(sys.executable)
        # the cause is gone once the forkserver that could not start has ended: its exec fails in a child
        # that a loaded machine may not have run yet, and a forkserver still alive is reused
        from multiprocessing import forkserver
        pid, deadline = forkserver._forkserver._forkserver_pid, time.monotonic() + 60
        while pid and time.monotonic() < deadline:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
                        break
            except FileNotFoundError:
                break
            time.sleep(0.02)
    resp = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                      headers={"Accept": "application/sparql-results+json"})
    ready = client.get("/readyz")
    seen.append({"status": resp.status_code, "retry_after": resp.headers.get("Retry-After"), "body": resp.get_json(),
                 "ready": ready.status_code, "ready_error": ready.get_json().get("error")})
print(json.dumps(seen))
app.extensions["crisiskg"].close()
"""


def test_workers_that_cannot_start_give_503_and_a_log_line_then_recover(mini_build: tuple[Path, Any], tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "python3"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(mini_build[0]), str(missing)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    first, second, back = json.loads(done.stdout.strip().splitlines()[-1])
    for refused in (first, second):
        assert refused["status"] == 503 and refused["retry_after"] == "9", refused
        body = refused["body"]
        assert body["ok"] is False and body["status"] == 503
        assert "no query worker can be started" in body["error"] and "try again in 9 s" in body["error"]
        assert str(missing) not in body["error"]  # the cause is for the operator's log, not the client
        assert refused["ready"] == 503 and "could not be started" in refused["ready_error"]
    assert back["status"] == 200 and back["body"]["boolean"] is True, back  # the workers were started again
    assert back["ready"] == 200
    logged = [line for line in done.stderr.splitlines() if line.startswith("LOG crisiskg.service ERROR")]
    assert any("the worker processes could not be started" in line and "answered 503 until" in line for line in logged), logged
    refusals = [line for line in logged if "refused GET /sparql with 503 (no worker can be started)" in line]
    assert refusals and all("could not be started" in line for line in refusals), logged
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


KEEP = r"""
import multiprocessing, shutil, sys
from multiprocessing import resource_tracker
from pathlib import Path

resource_tracker.ensure_running()
multiprocessing.set_executable(sys.argv[2])

from crisiskg.build.publish import current
from crisiskg.errors import BuildError
from crisiskg.query.answers import keep_answers
from crisiskg.build.stages import BuildResult

release = current(sys.argv[1])
shutil.rmtree(release.path / "answers", ignore_errors=True)
result = BuildResult(None, None, release.manifest, {})
result.release = release
try:
    keep_answers(result)
except BuildError as exc:
    print("BuildError:", exc)
"""


def test_kept_answers_whose_worker_cannot_start_fail_as_the_build_says(mini_build: tuple[Path, Any], tmp_path: Path) -> None:
    """The build's kept answers, with no worker process to write them in: the release stays
    published and the build says why, as for any other failure to keep them (no traceback)."""
    import shutil

    out = tmp_path / "build"
    shutil.copytree(mini_build[0], out, symlinks=True)
    missing = tmp_path / "gone" / "python3"
    done = subprocess.run([sys.executable, "-c", KEEP, str(out), str(missing)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    said = done.stdout.strip().splitlines()[-1]
    assert said.startswith("BuildError: published ") and "could not start a process to keep answers in" in said, said
    assert "they are evaluated when asked" in said
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
