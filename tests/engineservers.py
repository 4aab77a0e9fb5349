"""Starting real SPARQL servers on free loopback ports for the engine tests: ``oxigraph serve``
(the ``oxigraph`` package of the test extra) and Virtuoso Open Source (Debian's
``virtuoso-opensource``, whose ``virtuoso-t`` runs on a temporary database)."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from serving import free_port, stop  # tests/serving.py

VIRTUOSO_MISSING = ("Virtuoso is not installed: apt-get install virtuoso-opensource (Debian's package, "
                    "which .ci/run installs)")
DBA = ("dba", "dba")  # a new Virtuoso database's administrator; its Digest-authenticated endpoints accept it


def _wait(url: str, proc: subprocess.Popen[bytes], what: str, seconds: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}" + (f":\n{log.read_text(errors='replace')[-3000:]}" if log else ""))
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer {url} within {seconds:.0f} s" + (f":\n{log.read_text(errors='replace')[-3000:]}" if log else ""))
        time.sleep(0.1)


@contextmanager
def running_oxigraph(*, union: bool = False) -> Iterator[str]:
    """``oxigraph serve`` in memory on 127.0.0.1; yields its query URL (``/query``; its Graph Store is
    ``/store``)."""
    exe = shutil.which("oxigraph")
    if exe is None:
        raise RuntimeError("the 'oxigraph' command is missing: pip install oxigraph (it is in the test extra)")
    port = free_port()
    proc = subprocess.Popen([exe, "serve", "--bind", f"127.0.0.1:{port}", *(["--union-default-graph"] if union else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc, "oxigraph serve", 30)
        yield f"http://127.0.0.1:{port}/query"
    finally:
        stop(proc)


@dataclass
class Virtuoso:
    """A running Virtuoso: its base URL (``/sparql`` open to read, ``/sparql-auth`` and
    ``/sparql-graph-crud-auth`` behind Digest authentication)."""

    base: str

    @property
    def spec(self) -> str:
        """The store spec crisiskg uses: the authenticated endpoint and its Graph Store."""
        return f"sparql:{self.base}/sparql-auth#store={self.base}/sparql-graph-crud-auth"


_INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
ThreadsPerQuery = 1
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {db}
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@contextmanager
def running_virtuoso(folder: Path) -> Iterator[Virtuoso]:
    """Virtuoso on a new database in ``folder``, on 127.0.0.1 (SQL and HTTP ports free); RuntimeError
    with its log if it does not come up (a new database takes about half a minute)."""
    exe = shutil.which("virtuoso-t")
    if exe is None:
        raise FileNotFoundError(VIRTUOSO_MISSING)
    folder.mkdir(parents=True, exist_ok=True)
    http = free_port()
    (folder / "virtuoso.ini").write_text(_INI.format(db=folder, sql=free_port(), http=http), encoding="utf-8")
    log = folder / "console.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([exe, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http}"
    try:
        _wait(f"{base}/sparql?query=ASK%7B%7D", proc, "virtuoso-t", 180, log)
        yield Virtuoso(base)
    finally:
        stop(proc, grace=30)
