"""The command line: exit codes, output, the bank options."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent
DIST = "uw-cse493g1-sp23/3.2"


@pytest.mark.parametrize("answer, code, first", [
    (r"\sqrt{2-2D_C}", 0, "equivalent (symbolic.proven)"),
    (r"\sqrt{2+2D_C}", 1, "not_equivalent (misconception.match)"),
    (r"\sqrt{2-2D_C", 4, "invalid (parse.unbalanced_braces)"),
])
def test_check_exit_codes(capsys, answer, code, first):
    assert main(["check", DIST, answer]) == code
    out = capsys.readouterr().out
    assert out.splitlines()[0] == first


def test_check_points_at_the_fault(capsys):
    main(["check", DIST, r"\sqrt{2-2q}"])
    lines = capsys.readouterr().out.splitlines()
    answer_line, caret_line = lines[-2], lines[-1]
    assert answer_line.strip() == r"\sqrt{2-2q}"
    assert caret_line.index("^") - answer_line.index("\\") == len(r"\sqrt{2-2")


def test_check_reads_stdin():
    out = subprocess.run([sys.executable, "-m", "derive", "check", DIST, "-"],
                         input=r"\sqrt{2}\sqrt{1-D_C}", capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr


def test_unknown_question_is_a_usage_error(capsys):
    assert main(["check", "nope/1", "x"]) == 2
    assert "nope/1" in capsys.readouterr().err


def test_list_and_show(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "ucb-cs182-sp22/1" in out and DIST in out
    assert main(["show", DIST]) == 0
    out = capsys.readouterr().out
    assert r"\sqrt{2-2D_C}" in out and "rejects:" in out


def test_grade_jsonl(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    lines = [{"question": DIST, "answer": r"\sqrt{2-2D_C}", "student": "s1"},
             {"question": DIST, "answer": r"1 - D_C", "student": "s2"},
             {"question": DIST, "answer": r"\frac{1}{", "student": "s3"}]
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    dst = tmp_path / "out.jsonl"
    assert main(["grade", str(src), "-o", str(dst)]) == 0
    out = [json.loads(x) for x in dst.read_text().splitlines()]
    assert [o["student"] for o in out] == ["s1", "s2", "s3"]
    assert [o["status"] for o in out] == ["equivalent", "not_equivalent", "invalid"]
    assert "[3/3]" in capsys.readouterr().err


def test_grade_skips_bad_lines(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('not json\n{"question": "nope/1", "answer": "x"}\n')
    assert main(["grade", str(src), "-o", str(tmp_path / "o.jsonl")]) == 2


def test_bank_error_names_file_question_and_key(tmp_path, capsys):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "x-1.toml").write_text('exam = "x-1"\ntitle = "t"\n[[question]]\nid = "x-1/1"\n'
                                   'number = "1"\nkind = "expresion"\ntext = "t"\n'
                                   'reference = "1"\n')
    assert main(["--bank", str(bank), "list"]) == 2
    err = capsys.readouterr().err
    assert "x-1.toml" in err and "x-1/1" in err and "kind" in err


def test_validate_one_question_with_json(tmp_path, capsys):
    report = tmp_path / "r.json"
    assert main(["validate", DIST, "--json", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["records"][0]["question"] == DIST
    assert data["records"][0]["ok"] is True
    assert "1/1 questions" in capsys.readouterr().out


def test_validate_fails_on_a_wrong_reference(tmp_path):
    """A bank whose reference is wrong must fail validation (the check can fail)."""
    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "answers", bank)
    f = bank / "uw-cse493g1-sp23.toml"
    text = f.read_text()
    assert "reference = '\\sqrt{2-2D_C}'" in text
    f.write_text(text.replace("reference = '\\sqrt{2-2D_C}'", "reference = '\\sqrt{2+2D_C}'"))
    assert main(["--no-builtin-bank", "--bank", str(bank), "validate", DIST, "-q"]) == 1


def test_a_bank_folder_adds_to_the_builtin_one(tmp_path, capsys):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "x-1.toml").write_text('exam = "x-1"\ntitle = "t"\n[[question]]\nid = "x-1/1"\n'
                                   'number = "1"\nkind = "count"\ntext = "t"\n'
                                   'reference = "3"\n')
    assert main(["--bank", str(bank), "list"]) == 0
    out = capsys.readouterr().out
    assert "x-1/1" in out and "ucb-cs182-sp22/1" in out


def test_the_same_exam_in_two_banks_names_both_files(tmp_path, capsys):
    bank = tmp_path / "bank"
    bank.mkdir()
    shutil.copy(ROOT / "answers" / "uw-cse493g1-sp23.toml", bank)
    assert main(["--bank", str(bank), "list"]) == 2
    err = capsys.readouterr().err
    assert str(bank / "uw-cse493g1-sp23.toml") in err
    assert str(ROOT / "answers" / "uw-cse493g1-sp23.toml") in err


def test_validate_one_claim(capsys):
    assert main(["validate", "stanford-cs230-sp21/1.d.iii"]) == 0
    out = capsys.readouterr().out
    assert "0/0 questions" in out and "1/1 claims ok" in out



def test_check_ends_at_once_with_its_whole_output_and_exit_code(tmp_path):
    """`derive check` ends with os._exit after flushing (no interpreter teardown): the
    output piped to another process is whole, the exit code is the verdict's, and the
    worker process it started has ended."""
    import os
    pid_file = tmp_path / "worker.pid"
    script = (
        "import sys, derive.cli as c, derive.judge.sandbox as s\n"
        "abandon = s.Worker.abandon\n"
        "def spy(self):\n"
        "    open(%r, 'w').write(str(self.pid()))\n"
        "    abandon(self)\n"
        "s.Worker.abandon = spy\n"
        "sys.argv = ['derive', 'check', %r, %r, '--json']\n"
        "c.run()\n"
        "print('not reached')\n") % (str(pid_file), DIST, r"\sqrt{2-D_C}")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 1, out.stderr               # not_equivalent
    assert json.loads(out.stdout)["status"] == "not_equivalent"
    assert "not reached" not in out.stdout
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    # `python -m derive` is the same entry point
    out = subprocess.run([sys.executable, "-m", "derive", "check", DIST, r"\sqrt{2-2D_C}"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.startswith("equivalent (symbolic.proven)")
