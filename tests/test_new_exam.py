"""``derive new``: an exam of your own, from an empty folder, through the command line.

The walkthrough of docs/bank-format.md ("Your own exam"), step by step: ``derive new``,
an edit, ``derive --bank . validate``, ``derive --bank . check``; the built-in exams stay
available beside it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from derive.cli import main

EXAM = "my-exam"
RIGHT = r"2W^\top(Wx - y)"


@pytest.fixture
def empty(tmp_path, monkeypatch):
    folder = tmp_path / "my-bank"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("DERIVE_BANK", raising=False)
    return folder


def test_the_walkthrough_from_an_empty_folder(empty, capsys):
    assert main(["new", EXAM]) == 0
    assert sorted(p.name for p in empty.iterdir()) == [f"{EXAM}.py", f"{EXAM}.toml"]
    assert f"derive --bank . validate {EXAM}" in capsys.readouterr().out

    # as written, it validates: the reference against torch and SymPy, the forms, the claim
    assert main(["--bank", ".", "validate", EXAM, "--json", "report.json"]) == 0
    out = capsys.readouterr().out
    assert "1/1 questions, 3/3 forms, 1/1 claims ok" in out

    # the edit of the walkthrough: another accepted form, in the notation of a student
    toml = empty / f"{EXAM}.toml"
    toml.write_text(toml.read_text().replace(
        "[[question.reject]]                # must be judged not equivalent",
        "[[question.accept]]\nlatex = '2\\mathbf{W}^T(\\mathbf{W}\\mathbf{x} - \\mathbf{y})'\n"
        'note = "bold, ^T"\n\n'
        "[[question.reject]]                # must be judged not equivalent", 1))
    assert main(["--bank", ".", "validate", EXAM]) == 0
    assert "1/1 questions, 4/4 forms, 1/1 claims ok" in capsys.readouterr().out

    assert main(["--bank", ".", "check", f"{EXAM}/1", RIGHT]) == 0
    assert capsys.readouterr().out.startswith("equivalent")
    assert main(["--bank", ".", "check", f"{EXAM}/1", r"W^\top(Wx - y)"]) == 1
    assert "factor 2 dropped" in capsys.readouterr().out

    # the five built-in exams are still there, beside the new one
    assert main(["--bank", ".", "list"]) == 0
    listed = capsys.readouterr().out
    for exam in ("ucb-cs182-sp22", "uw-cse493g1-sp23", "neu-cs7150-f22", "tum-in2346-ss22",
                 "stanford-cs230-sp21", EXAM):
        assert f"\n{exam}: " in "\n" + listed, exam
    assert main(["--bank", ".", "check", "uw-cse493g1-sp23/3.2", r"\sqrt{2-2D_C}"]) == 0


def test_the_walkthrough_as_a_user_types_it(empty):
    """The same, through the installed command in a fresh process."""
    def derive(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True,
                              text=True, timeout=600, env={**os.environ, "DERIVE_BANK": ""})
    assert derive("new", EXAM).returncode == 0
    run = derive("--bank", ".", "check", f"{EXAM}/1", RIGHT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("equivalent")


def test_a_wrong_edit_fails_validation(empty, capsys):
    assert main(["new", EXAM]) == 0
    toml = empty / f"{EXAM}.toml"
    toml.write_text(toml.read_text().replace("reference = '2W^\\top(Wx - y)'",
                                             "reference = 'W^\\top(Wx - y)'"))
    assert main(["--bank", ".", "validate", EXAM, "-q"]) == 1
    out = capsys.readouterr().out
    assert "SymPy derivation" in out and "reference vs torch" in out


def test_new_writes_into_a_folder_and_never_overwrites(tmp_path, capsys):
    bank = tmp_path / "bank"
    assert main(["new", "course-f25", "-o", str(bank)]) == 0
    assert (bank / "course-f25.toml").is_file() and (bank / "course-f25.py").is_file()
    before = (bank / "course-f25.toml").read_text()
    assert main(["new", "course-f25", "-o", str(bank)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (bank / "course-f25.toml").read_text() == before


@pytest.mark.parametrize("exam", ["", "my exam", ".x", "a/b", "ucb-cs182-sp22"])
def test_new_refuses_a_bad_or_taken_id(tmp_path, exam, capsys):
    assert main(["new", exam, "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_the_exam_code_runs_only_when_used(empty, capsys):
    """Loading a bank reads the TOML only: a .py that cannot even be imported is found
    when the exam is used, and named with its line."""
    assert main(["new", EXAM]) == 0
    py = empty / f"{EXAM}.py"
    py.write_text(py.read_text() + "\nraise RuntimeError('not yet')\n")
    assert main(["--bank", ".", "list", EXAM]) == 0
    capsys.readouterr()
    assert main(["--bank", ".", "validate", EXAM]) == 2
    err = capsys.readouterr().err
    line = len(py.read_text().splitlines())
    assert str(py) in err and f"line {line}" in err and "RuntimeError: not yet" in err
