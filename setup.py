"""Packaging is declared in pyproject.toml; this file only adds one build step: before the Python
files are collected, bundle the web views' JavaScript from the npm lock file (service/vendor.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithVendor(build_py):
    """build_py that first fills service/static/vendor/ (npm ci, then copy the files the pages load)."""

    def run(self) -> None:
        vendor = runpy.run_path(str(Path(__file__).resolve().parent / "service" / "vendor.py"))
        vendor["bundle"]()
        super().run()


setup(cmdclass={"build_py": BuildWithVendor})
