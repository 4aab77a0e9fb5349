"""The layering holds: import-linter's contracts ([tool.importlinter] in pyproject.toml), and no
module imports itself through others.

import-linter finds a package's modules by walking its folder, and an editable install maps
crisiskg.loaders and crisiskg.service from folders beside crisiskg/; so both checks run on a copy
of the modules laid out as the wheel installs them (pyproject's package-dir), in a subprocess whose
import path starts there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
SETUPTOOLS = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]

LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
CYCLES = r'''
import json, sys
import grimp
graph = grimp.build_graph("crisiskg", cache_dir=None)
index, low, stack, on, found = {}, {}, [], set(), []
def visit(v):
    index[v] = low[v] = len(index); stack.append(v); on.add(v)
    for w in sorted(graph.find_modules_directly_imported_by(v)):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        part = []
        while True:
            w = stack.pop(); on.discard(w); part.append(w)
            if w == v: break
        if len(part) > 1: found.append(sorted(part))
sys.setrecursionlimit(10000)
for m in sorted(graph.modules):
    if m not in index: visit(m)
print(json.dumps(sorted(found)))
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python modules of every package in pyproject.toml, copied where a wheel puts them."""
    into = tmp_path_factory.mktemp("installed")
    folders = SETUPTOOLS["package-dir"]
    for package in SETUPTOOLS["packages"]:
        top = max((p for p in folders if package == p or package.startswith(p + ".")), key=len)
        source = ROOT / folders[top] / package[len(top) + 1:].replace(".", "/")
        dest = into / package.replace(".", "/")
        dest.mkdir(parents=True, exist_ok=True)
        for module in source.glob("*.py"):
            shutil.copy2(module, dest / module.name)
    return into


def run(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env={**os.environ, "PYTHONPATH": str(cwd)},
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_import_contracts_hold(installed: Path) -> None:
    proc = run(LINT, str(PYPROJECT), cwd=installed)
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]


def test_no_import_cycle(installed: Path) -> None:
    """Function-level and TYPE_CHECKING imports count: they are imports too."""
    proc = run(CYCLES, cwd=installed)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_every_package_folder_is_installed() -> None:
    """pyproject's packages list names every folder of modules: a new subpackage must be added."""
    found = {".".join([package, *init.parent.relative_to(ROOT / folder).parts])
             for package, folder in SETUPTOOLS["package-dir"].items() for init in (ROOT / folder).rglob("__init__.py")}
    missing = found - set(SETUPTOOLS["packages"])
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_nothing_imports_the_old_top_level_names() -> None:
    """``loaders`` and ``service`` are importable from the checkout's root (pytest puts it on the
    path), and a module imported under both names would exist twice; only crisiskg.* is used."""
    import ast

    old = {"loaders", "service", "ontology", "queries"}
    found = []
    for path in [*ROOT.glob("crisiskg/**/*.py"), *ROOT.glob("loaders/**/*.py"), *ROOT.glob("service/**/*.py"),
                 *ROOT.glob("tests/**/*.py"), *ROOT.glob("benchmarks/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            found += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names if n.split(".")[0] in old]
    assert not found, found
