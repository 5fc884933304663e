"""The benchmark scripts still run (their --quick mode, a smoke test: no timings are
asserted; performance is reported as ratios by the scripts themselves, see
docs/benchmarks.md). The comparisons with Math-Verify and latex2sympy2_extended need the
bench extras (pip install -e '.[bench]') and are skipped without them."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script, needs", [
    ("numeric.py", None),
    ("accuracy.py", "math_verify"),
    ("parsers.py", "latex2sympy2_extended"),
])
def test_bench_quick(script, needs):
    if needs and importlib.util.find_spec(needs) is None:
        pytest.skip(f"needs {needs} (pip install -e '.[bench]')")
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    result = ROOT / "bench" / "results" / script.replace(".py", ".quick.json")
    data = json.loads(result.read_text())
    assert data.get("quick") is True
