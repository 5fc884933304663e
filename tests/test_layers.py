"""The package's layering (docs/architecture.md) holds: the import-linter contracts in
pyproject.toml are kept, and no two modules of derive import each other, directly or in
a circle, counting imports inside functions."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
grimp = pytest.importorskip("grimp", reason="needs import-linter (pip install -e '.[test]')")


def test_import_linter_contracts_are_kept():
    exe = shutil.which("lint-imports")
    cmd = [exe] if exe else [sys.executable, "-m", "importlinter.cli"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_no_import_circle_between_modules():
    graph = grimp.build_graph("derive", include_external_packages=False)
    modules = sorted(graph.modules)
    cycles = []
    for m in modules:
        for n in graph.find_modules_directly_imported_by(m):
            if n == m or m.startswith(n + ".") or n.startswith(m + "."):
                continue  # a package and its own submodules
            if graph.chain_exists(importer=n, imported=m):
                cycles.append(" -> ".join(graph.find_shortest_chain(importer=n, imported=m))
                              + f" -> {n}")
    assert not cycles, "import circles:\n" + "\n".join(sorted(set(cycles)))


def test_stages_are_folders_with_a_docstring():
    import importlib
    for stage in ("notation", "bank", "judge", "validate", "publish", "testing"):
        mod = importlib.import_module(f"derive.{stage}")
        assert mod.__doc__ and len(mod.__doc__.split()) > 20, stage
