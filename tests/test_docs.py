"""docs/ stays true: the reason table, the CLI, the README's commands."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from derive.judge.verdict import REASONS

ROOT = Path(__file__).resolve().parent.parent


def test_reason_table_matches_code():
    text = (ROOT / "docs" / "verdicts.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \| ([a-z_]+) \|", text, re.M))
    assert rows == {code: status.value for code, status in REASONS.items()}


def test_every_cli_command_is_documented():
    text = (ROOT / "docs" / "cli.md").read_text()
    help_text = subprocess.run([sys.executable, "-m", "derive", "--help"], capture_output=True,
                               text=True).stdout
    commands = re.search(r"\{([a-z,]+)\}", help_text).group(1).split(",")
    for cmd in commands:
        assert f"derive {cmd}" in text, cmd


def test_readme_quick_start_matches_ci():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    block = re.search(r"## Quick start.*?```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2, commands
    assert commands[1].strip() in ci
    assert "torch==2.13.0" in commands[0] and "torch==2.13.0" in commands[1]
