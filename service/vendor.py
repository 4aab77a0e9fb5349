"""The JavaScript libraries and data the web views load, bundled from the npm registry.

``package.json`` and ``package-lock.json`` pin them; at package build (``setup.py``: ``pip install``,
``pip install -e .`` or ``python -m build``) :func:`bundle` runs ``npm ci`` and copies the files named
here into ``service/static/vendor/<package>/<path>``, served from this host as
``/static/vendor/<package>/<path>`` (never from a CDN). The folder is generated and git-ignored.

This module uses the standard library only: ``setup.py`` loads it by path before anything is installed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Library:
    """One npm package: its name, version (as pinned in package.json), licence, what it is for, and
    the files (paths inside the package) the pages use."""

    name: str
    version: str
    licence: str
    purpose: str
    files: tuple[str, ...]


LIBRARIES = (
    Library("leaflet", "1.9.4", "BSD-2-Clause", "the map view: pan, zoom, markers",
            ("LICENSE", "dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png", "dist/images/layers-2x.png",
             "dist/images/marker-icon.png", "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png")),
    Library("leaflet.markercluster", "1.5.3", "MIT", "the map view: clusters of close markers",
            ("MIT-LICENCE.txt", "dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css")),
    Library("topojson-client", "3.1.0", "ISC", "the map view: reads the country outlines",
            ("LICENSE", "dist/topojson-client.min.js")),
    Library("world-atlas", "2.0.2", "ISC (data: Natural Earth, public domain)", "the map's basemap: country outlines at 1:50m",
            ("LICENSE", "countries-50m.json")),
    Library("d3", "7.9.0", "ISC", "the timeline, escalation curve, bar charts and event graph: scales, axes, zoom, force layout",
            ("LICENSE", "dist/d3.min.js")),
    Library("codemirror", "5.65.18", "MIT", "the SPARQL editor: highlighting and completion",
            ("LICENSE", "lib/codemirror.js", "lib/codemirror.css", "mode/sparql/sparql.js",
             "addon/hint/show-hint.js", "addon/hint/show-hint.css")),
)

ROOT = Path(__file__).resolve().parent.parent  # the checkout (or unpacked sdist) that holds package.json
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
_STAMP = ".lock-sha256"


def _lock_hash(root: Path) -> str:
    return hashlib.sha256((root / "package-lock.json").read_bytes()).hexdigest()


def bundled(vendor: Path = VENDOR, root: Path = ROOT) -> bool:
    """True if ``vendor`` holds every file of :data:`LIBRARIES`, copied from the lock file in ``root``
    (or, without one, as an installed package or an sdist has it)."""
    if not all((vendor / lib.name / f).is_file() for lib in LIBRARIES for f in lib.files):
        return False
    lock = root / "package-lock.json"
    stamp = vendor / _STAMP
    return not lock.is_file() or (stamp.is_file() and stamp.read_text().strip() == _lock_hash(root))


def bundle(vendor: Path = VENDOR, root: Path = ROOT, *, log: Callable[[str], None] = print) -> None:
    """Run ``npm ci`` in ``root`` (unless ``vendor`` is already up to date) and copy the named files.

    Raises RuntimeError, saying what to install, when npm is missing or the lock file disagrees."""
    if bundled(vendor, root):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to bundle the web views' JavaScript (apt-get install -y npm, then build again)")
    pinned = json.loads((root / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for lib in LIBRARIES:
        if pinned.get(lib.name) != lib.version:
            raise RuntimeError(f"service/vendor.py pins {lib.name} {lib.version} but package.json has {pinned.get(lib.name)!r}; make them agree")
    log(f"bundling {len(LIBRARIES)} JavaScript libraries with 'npm ci' into {vendor}")
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root, check=True)
    if vendor.exists():
        shutil.rmtree(vendor)
    for lib in LIBRARIES:
        for f in lib.files:
            target = vendor / lib.name / f
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / "node_modules" / lib.name / f, target)
    (vendor / _STAMP).write_text(_lock_hash(root) + "\n")
