"""Atomic publication of a build, and reading the published one.

Layout of the build folder::

    build/
      current -> releases/<version>-<stamp>     a symlink, swapped atomically (os.replace)
      releases/<version>-<stamp>/
        dataset.nq        every named graph, N-Quads
        manifest.json     version, counts, validation result, seconds per stage, inputs
        ontology.ttl, cameo.ttl, shapes.ttl
        store/            dataset.nq in on-disk Oxigraph, opened read-only by every query process
      work/<version>-<stamp>/                   what the next incremental build starts from
        store/            on-disk Oxigraph: the union the rules and shapes saw (its default graph only)
        state.json        event ids, literals as written, where dataset.nq's sections start

A release is written in full into a temporary folder (:class:`Staging`), fsynced, renamed into
``releases/`` and only then made current, so a failed or killed build never changes what
``current`` points to. Its work folder (optional: a release without one is still complete) is
renamed into ``work/`` just after the release and before ``current`` moves; it lives beside the
release, not in it: a release holds only what serving reads (its ``store/`` too: see
:mod:`crisiskg.build.diskstore`). Work stores are copied for the next build by hard links (RocksDB
checkpoints of immutable files), never changed in place, and pruned with their release.

Integrity: the manifest holds the SHA-256 of every other file of its release (``checksums``; a
file of its store as ``store/NAME``), written at commit; :func:`crisiskg.build.integrity.verify`
checks them, so a damaged release (a truncated ``dataset.nq``, a changed store file) is never
opened. A build folder that is read-only or full is a :class:`PublishError` naming the
folder and the fix, never a traceback.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import mmap
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pyoxigraph as ox
from rdflib import Dataset

from crisiskg.build.diskstore import STORE, store_files, write_store
from crisiskg.build.integrity import CHECKSUMS, DISK_FIXES, sha256_of, unwritable
from crisiskg.errors import PublishError
from crisiskg.vocab import CAMEO_FILE, ONTOLOGY_FILE, SHAPES_FILE

DATASET = "dataset.nq"
MANIFEST = "manifest.json"
WORK = "work"
KEEP_RELEASES = 3
QUADS_AT_ONCE = 50_000  # quads DatasetWriter.quads serialises to bytes at once (about 7 MB of N-Quads)


@dataclass(frozen=True)
class Release:
    """A published build."""

    path: Path
    manifest: dict[str, Any]

    @property
    def dataset_file(self) -> Path:
        return self.path / DATASET

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def work_dir(self) -> Path:
        """Where this release's work folder is (it may not exist: see :mod:`crisiskg.build.publish`)."""
        return self.path.parent.parent / WORK / self.path.name


@contextmanager
def rdflib_dataset_io() -> Iterator[None]:
    """Silence the DeprecationWarnings rdflib 7.6 raises from its own Dataset parsers and
    serializers (they call ``Dataset.contexts`` and friends, and the TriG and JSON-LD parsers build
    a ``ConjunctiveGraph``, all of which it deprecates), so that a run with warnings as errors does
    not fail on rdflib's internals."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(Dataset\.\w+|ConjunctiveGraph) is deprecated", category=DeprecationWarning)
        yield


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def point_current(folder: Path, target: Path) -> None:
    """Make ``folder/current`` a link to ``target`` (relative to ``folder``) in one atomic rename, so
    a reader sees the old release or the new one, never neither."""
    link = folder / f".current-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(target, link)
    os.replace(link, folder / "current")
    _fsync_dir(folder)


def publish(ds: Dataset | Iterable[ox.Quad], manifest: dict[str, Any], out: Path | str) -> Release:
    """Write ``ds`` and ``manifest`` as a new release under ``out`` and make it current.

    ``ds`` is an rdflib Dataset or pyoxigraph quads (written by pyoxigraph's N-Quads serializer,
    in their order: what the build passes).
    """
    with Staging(out) as staging:
        with open(staging.path / DATASET, "wb") as fh:
            if isinstance(ds, Dataset):
                with rdflib_dataset_io():
                    ds.serialize(fh, format="nquads")
            else:
                ox.serialize(ds, fh, ox.RdfFormat.N_QUADS)
            fh.flush()
            os.fsync(fh.fileno())
        return staging.commit(manifest)


_ACTIVE: set[Path] = set()  # staging folders of this process, never pruned as stale


class Staging:
    """A release being written: ``path`` (``releases/.tmp-<pid>-*``), and ``work`` (``work/.tmp-<pid>-*``,
    made on first use). :meth:`commit` publishes it; :meth:`abort` (or leaving a ``with`` block
    by an exception) removes both folders and leaves ``current`` as it was."""

    def __init__(self, out: Path | str):
        self.out = Path(out)
        self.releases = self.out / "releases"
        try:
            self.releases.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=self.releases))
        except OSError as exc:
            raise unwritable(self.out, exc) from exc
        _ACTIVE.add(self.path)
        self._work: Path | None = None
        self._final: Path | None = None  # the release once published

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort()
            if isinstance(exc, OSError) and exc.errno in DISK_FIXES:
                raise unwritable(self.out, exc) from exc

    @property
    def work(self) -> Path:
        if self._work is None:
            root = self.out / WORK
            root.mkdir(parents=True, exist_ok=True)
            self._work = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=root))
            _ACTIVE.add(self._work)
        return self._work

    def abort(self) -> None:
        for path in (self.path, self._work):
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
                _ACTIVE.discard(path)

    def commit(self, manifest: dict[str, Any], *, store_sums: Callable[[], dict[str, str]] | None = None,
               sums: dict[str, str] | None = None, prune: bool = True) -> Release:
        """Add the ontology files, the on-disk store of ``dataset.nq`` (:mod:`crisiskg.build.diskstore`;
        a full build's only: an incremental build has made its own already, or has none) and ``manifest``, rename the
        release (then its work folder) into place, make it current and prune old releases. ``store_sums``: called once
        the other files are checksummed (it may wait for the store being written meanwhile), the checksums of store
        files already known (``store/NAME``: files an earlier release's manifest covers, see
        :func:`crisiskg.build.delta.reused_checksums`), not read again; ``sums``: those of the release's own files
        already known (``dataset.nq``'s, hashed as it was written: :meth:`DatasetWriter.sha256`). On any error
        nothing is published. ``prune=False``: old releases are left for :meth:`prune` (a build that
        times its publishing calls it once the new release is current)."""
        name = f"{manifest['version']}-{manifest['created'].replace(':', '').replace('-', '')}"
        work_root = self.out / WORK
        final = None
        try:
            for src in (ONTOLOGY_FILE, CAMEO_FILE, SHAPES_FILE):
                shutil.copyfile(src, self.path / src.name)
            if store_sums is None and (self.path / DATASET).is_file() and not (self.path / STORE).exists() and not manifest.get("incremental"):
                write_store(self.path, self.path / DATASET)  # not for an incremental build: see diskstore
            manifest[CHECKSUMS] = {f.name: (sums or {}).get(f.name) or sha256_of(f) for f in sorted(self.path.iterdir())
                                   if f.is_file() and f.name != MANIFEST}
            known = store_sums() if store_sums is not None else {}
            manifest[CHECKSUMS].update({f"{STORE}/{f.name}": known.get(f"{STORE}/{f.name}") or sha256_of(f) for f in store_files(self.path)})
            with open(self.path / MANIFEST, "w", encoding="utf-8") as fh:
                json.dump(manifest, fh, indent=2, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            candidate, n = self.releases / name, 1
            # the same inputs built twice in one second: never remove a published release
            while candidate.exists() or (work_root / candidate.name).exists():
                n += 1
                candidate = self.releases / f"{name}-{n}"
            os.rename(self.path, candidate)
            final = candidate
            _fsync_dir(self.releases)
            if self._work is not None:
                _fsync_dir(self._work)
                os.rename(self._work, work_root / final.name)
                _fsync_dir(work_root)
        except BaseException as exc:
            if final is not None:
                shutil.rmtree(final, ignore_errors=True)
            self.abort()
            if isinstance(exc, OSError) and exc.errno in DISK_FIXES:
                raise unwritable(self.out, exc) from exc
            raise
        _ACTIVE.discard(self.path)
        if self._work is not None:
            _ACTIVE.discard(self._work)
        try:
            point_current(self.out, Path("releases") / final.name)
        except OSError as exc:
            raise unwritable(self.out, exc) from exc
        self._final = final
        if prune:
            self.prune()
        return Release(final, manifest)

    def prune(self) -> None:
        """Remove old releases (all but the newest few and the one just published) and their work
        folders, and leftovers of builds that died."""
        if self._final is not None:
            _prune(self.releases, keep=self._final)


class DatasetWriter:
    """Writes a release's ``dataset.nq`` in sections: quads serialised by pyoxigraph, and byte
    ranges of an earlier release's file, the first of them possibly in a background thread
    (:meth:`copy_in_background`) while the build goes on. Every byte is hashed as it is written, so
    the release's checksum of the file (:meth:`sha256`) needs no second read of it (at 1M, most of
    an incremental build's publish stage before)."""

    def __init__(self, path: Path):
        self.fh = open(path, "wb")  # noqa: SIM115 (closed by __exit__)
        self._digest = hashlib.sha256()  # of the bytes in the file so far, in their order
        self._out = _Hashed(self.fh, self._digest)  # what writes through it is hashed
        self._thread: threading.Thread | None = None  # the background copy, then its sync
        self._copied: threading.Event | None = None  # set when the background copy's bytes are written
        self._error: BaseException | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Wait for a background copy (its error, if any, is dropped: call :meth:`finish` first) and close."""
        self._join(raise_error=False)
        self.fh.close()

    def copy_in_background(self, src: Path, start: int, end: int) -> None:
        """Copy bytes ``start:end`` of ``src`` in a thread, then sync them to disk there too, while
        the build goes on: the next write waits for the copy, :meth:`finish` for the sync."""
        self._join()
        self.fh.flush()
        at = self.fh.tell()
        copied = self._copied = threading.Event()

        def run() -> None:
            try:
                copy_range(src, self.fh.fileno(), start, end, at, self._digest)
                copied.set()
                os.fdatasync(self.fh.fileno())  # less for finish() to sync
            except BaseException as exc:  # noqa: BLE001 (re-raised by wait() or finish())
                self._error = exc
            finally:
                copied.set()

        self._thread = threading.Thread(target=run, name="crisiskg-copy", daemon=True)
        self._thread.start()

    def wait(self, raise_error: bool = True) -> None:
        """Wait for the background copy's bytes (not their sync): then the file may be written on."""
        if self._copied is not None:
            self._copied.wait()
            self._copied = None
            self.fh.seek(0, os.SEEK_END)
        if self._error is not None and raise_error:
            error, self._error = self._error, None
            raise error

    def _join(self, raise_error: bool = True) -> None:
        """Wait for the background copy and its sync."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.wait(raise_error)

    def tell(self) -> int:
        self.wait()
        return self.fh.tell()

    def copy(self, src: Path, start: int, end: int) -> None:
        self.wait()
        self.fh.flush()
        copy_range(src, self.fh.fileno(), start, end, self.fh.tell(), self._digest)
        self.fh.seek(0, os.SEEK_END)

    def write(self, data: bytes) -> None:
        self.wait()
        self._out.write(data)

    def quads(self, quads: Iterable[ox.Quad]) -> None:
        """Write ``quads`` as N-Quads, a batch at a time: each batch is serialised to bytes and
        written with one call. (Handing pyoxigraph the file instead makes it call ``write`` every
        8 KiB or so; each call takes the GIL again, and beside another thread running Python each
        waits for that thread's switch interval.)"""
        self.wait()
        it = iter(quads)
        while batch := list(itertools.islice(it, QUADS_AT_ONCE)):
            self._out.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS) or b"")

    def flush(self) -> int:
        """Hand every byte written so far to the kernel (readable by others, not yet synced); the
        file's size."""
        self.wait()
        self.fh.flush()
        return self.fh.tell()

    def finish(self) -> int:
        """Flush and fsync (once a background copy is synced); the file's size."""
        size = self.flush()
        self._join()
        os.fsync(self.fh.fileno())
        return size

    def sha256(self) -> str:
        """The SHA-256 of what was written (call after :meth:`finish`)."""
        self.wait()
        return self._digest.hexdigest()


class _Hashed:
    """A file that hashes what is written to it (pyoxigraph's writer buffers: a call per 8 KiB or so)."""

    def __init__(self, fh: Any, digest: Any):
        self.fh, self.digest = fh, digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return int(self.fh.write(data))

    def flush(self) -> None:
        self.fh.flush()


def read_section(path: Path, start: int, end: int) -> bytes:
    """Bytes ``start:end`` of the N-Quads file ``path`` (a section of a ``dataset.nq``): whole
    lines, or OSError naming the file and the range."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    if len(data) != end - start or (data and not data.endswith(b"\n")):
        raise OSError(f"{path} has no whole section at bytes {start}-{end}")
    return data


def copy_range(src: Path, dst_fd: int, start: int, end: int, at: int, digest: Any) -> None:
    """Copy bytes ``start:end`` of ``src`` to offset ``at`` of the open file ``dst_fd``, updating
    ``digest`` (a hashlib object) with them in order: copied by the kernel (``copy_file_range``,
    no pass through the process) a block at a time, each block then hashed where the source's
    pages are mapped, so the bytes are read once, by the hash."""
    step = 1 << 24
    with open(src, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < end:
            raise OSError(f"{src} is shorter than expected ({size} < {end})")
        if end <= start:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm, memoryview(mm) as view:
            done = start
            while done < end:
                n = min(step, end - done)
                copied = 0
                while copied < n:
                    got = os.copy_file_range(fh.fileno(), dst_fd, n - copied, done + copied, at + done - start + copied)
                    if not got:
                        raise OSError(f"{src} is shorter than expected ({done + copied} < {end})")
                    copied += got
                digest.update(view[done:done + n])
                done += n


def _stale(path: Path) -> bool:
    """A leftover temporary folder: not this process's current one, nor a running process's."""
    if path in _ACTIVE:
        return False
    parts = path.name.split("-")
    if len(parts) > 2 and parts[1].isdigit() and int(parts[1]) != os.getpid():
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False  # another build still writing it
    return True


def _prune(releases: Path, keep: Path) -> None:
    done = sorted((p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in done[:-KEEP_RELEASES]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in releases.glob(".tmp-*"):
        if _stale(stale):
            shutil.rmtree(stale, ignore_errors=True)
    work = releases.parent / WORK
    if work.is_dir():
        for folder in work.iterdir():
            if folder.name.startswith(".tmp-") and not _stale(folder):
                continue
            if folder.name.startswith(".tmp-") or not (releases / folder.name).is_dir():
                shutil.rmtree(folder, ignore_errors=True)  # hard links shared with newer stores survive


def current(out: Path | str) -> Release:
    """The published release under ``out``; PublishError if there is none or it is unreadable."""
    out = Path(out)
    link = out / "current"
    if not link.exists():
        raise PublishError(f"no published build in {out}/ (run 'crisiskg build' first)")
    path = link.resolve()
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"the published build {path} has no readable manifest: {exc}") from exc
    if not (path / DATASET).exists():
        raise PublishError(f"the published build {path} has no {DATASET}")
    return Release(path, manifest)
