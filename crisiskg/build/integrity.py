"""A release's integrity: the SHA-256 of each of its files (its on-disk store's too, as
``store/NAME``), kept in its manifest (``checksums``) and checked before it is opened, so a damaged
release (a truncated ``dataset.nq``, a changed store file) is never served; and
the one error for a build folder that cannot be written (read-only, full), with its path and fix.
"""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path
from typing import Any

from crisiskg.errors import DamagedRelease, Unwritable

CHECKSUMS = "checksums"  # the manifest's member: file name -> SHA-256


DISK_FIXES = {
    errno.EROFS: "make it writable, or choose another folder with --build",
    errno.EACCES: "make it writable for this user, or choose another folder with --build",
    errno.EPERM: "make it writable for this user, or choose another folder with --build",
    errno.ENOSPC: "free some space there, or choose another folder with --build",
    errno.EDQUOT: "free some space there (the disk quota is used up), or choose another folder with --build",
}


def unwritable(out: Path, exc: OSError) -> Unwritable:
    """The error for a build folder that cannot be written: its path, why, and the fix."""
    fix = DISK_FIXES.get(exc.errno or 0, "check the folder, or choose another one with --build")
    where = exc.filename or out
    return Unwritable(f"cannot write the build in {out} ({where}: {exc.strerror or exc}); {fix}; "
                        f"nothing was published and the build served before stays")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_VERIFIED: dict[Path, tuple[int, int]] = {}  # releases checked in this process: path -> (size, mtime) of dataset.nq


def verify(release: Any) -> None:
    """Check every file of ``release`` against the SHA-256 its manifest gives (once per release and
    process, again if its dataset file changes); :class:`DamagedRelease` naming the first file that
    differs or is missing. A release published before checksums were written passes."""
    sums = release.manifest.get(CHECKSUMS)
    if not isinstance(sums, dict):
        return
    try:
        st = release.dataset_file.stat()
    except OSError as exc:
        raise DamagedRelease(f"the published build {release.path} cannot be read ({exc}); rebuild it with 'crisiskg build'") from exc
    stamp = (st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(release.path) == stamp:
        return
    for name, want in sorted(sums.items()):
        try:
            got = sha256_of(release.path / name)
        except OSError as exc:
            raise DamagedRelease(f"the published build {release.path} is damaged: {name} cannot be read ({exc.strerror or exc}); "
                                 f"rebuild it with 'crisiskg build'") from exc
        if got != want:
            raise DamagedRelease(f"the published build {release.path} is damaged: {name} does not match the checksum in its "
                                 f"manifest (truncated or changed after publishing); rebuild it with 'crisiskg build'")
    _VERIFIED[release.path] = stamp
