"""derive.extract_answer: the final answer's LaTeX read off a whole response (issue 10), and
``derive check --response`` / ``derive.check(..., response=...)`` built on it."""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import derive
from derive import Status
from derive.notation.extract import extract_answer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "independent" / "corpus" / "model_responses.toml"
GRAD_X = "neu-cs7150-f22/4.x"


CASES = [
    # (response, expected extraction)
    (r"Let $r = Wx - y$. Therefore the answer is $\boxed{2W^\top(Wx - y)}$.",
     r"2W^\top(Wx - y)"),
    (r"so \fbox{$x + 1$} is what we get", "x + 1"),
    # balanced braces inside the box; an escaped brace is not a brace
    (r"\boxed{\frac{n}{\sum_i x_i}\left\{a\right\}}", r"\frac{n}{\sum_i x_i}\left\{a\right\}"),
    (r"\boxed {  3 }", "3"),
    # the last box wins; the working before it is ignored
    (r"First $\boxed{1}$, then, correcting myself, $\boxed{2}$.", "2"),
    # a "final answer" sentence after a box is the final answer
    (r"First, $\boxed{r = Wx - y}$ is the residual." "\n\nThe final answer is $2W^\\top r$.",
     r"2W^\top r"),
    ("**Answer:** $\\mathrm{dout}\\, W^\\top$", r"\mathrm{dout}\, W^\top"),
    ("Final Answer: The final answer is $1216$. I hope it is correct.", "1216"),
    ("The answer is \\(\\sqrt{2-2D_C}\\).", r"\sqrt{2-2D_C}"),
    ("Thus the final answer is:\n\\[\n  b = 2a\\Delta\n\\]\nand we are done.", r"b = 2a\Delta"),
    # "Answer:" with no math delimiters: the rest of its line
    ("Counting weights and biases.\nAnswer: 784", "784"),
    ("Answer: 33 parameters.", "33"),
    ("Answer: \\frac{1}{2}", r"\frac{1}{2}"),
    # no sentence, no box: the last display math, else the last inline math
    ("So we get\n\\[\n\\sum_i x_i\n\\]\nwhich is the final answer.", r"\sum_i x_i"),
    ("We have $$a$$ and then $$b + c$$ in the end, with $d$ inline.", "b + c"),
    ("\\begin{equation}\ny = 2x\n\\end{equation}\nwhere $x$ is the input.", "y = 2x"),
    ("the gradient is $2x$ and so on, finally $3x$", "3x"),
    # the sentence's math is a box: its content
    ("The final answer is $\\boxed{4}$.", "4"),
    # an escaped dollar is not math
    (r"It costs \$5; the value is $x^2$.", "x^2"),
    # a displayed answer ending in a full stop
    ("Hence\n$$2x.$$", "2x"),
]


@pytest.mark.parametrize("response, expected", CASES)
def test_extract(response, expected):
    assert extract_answer(response) == expected


@pytest.mark.parametrize("response", [
    "", "no mathematics here at all", "The answer is the gradient of the loss.",
    r"\boxed{}", r"\boxed{", "$$", "Answer:", None, 42,
    # a response cut off inside its final answer has none: never an earlier piece of the
    # working (an unclosed box at the end, or mathematics that never closes)
    r"We get $\boxed{7}$. Double-check: \boxed{8",
    "Using $f_i = n x_i / S$ we obtain\n\n$$\\boxed{\\frac{n}{\\left(S\\right)",
    "With $y_1 = 1$:\n\n$\\text{MSE} = \\frac{1}{2}\\big(",
    "So $a = 1$ and \\[ b = ", "So $a = 1$ and \\( b",
    "So $a = 1$, hence\n\\begin{align} b &= 2",
])
def test_nothing_to_extract(response):
    assert extract_answer(response) is None


def test_bytes_are_read_as_utf8():
    assert extract_answer("The answer is $\\alpha$ — done.".encode()) == r"\alpha"


def test_the_model_response_corpus_is_extracted_exactly():
    """bench/independent/corpus/model_responses.toml: 113 responses written independently
    of derive, each with the final answer a reader would take from it."""
    cases = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]
    assert len(cases) == 113
    missed = [(c["latex"], extract_answer(c["response"])) for c in cases
              if extract_answer(c["response"]) != c["latex"]]
    assert missed == []


ADVERSARIAL = [
    # inputs that make a backtracking or quadratic reader hang: 100,000 characters each
    ("\\boxed{" * 14_286, None),
    ("$" * 100_000, None),
    ("{" * 100_000, None),
    ("\\" * 100_000, None),
    ("Answer: " * 12_500, None),
    (("the answer is " + "x" * 200 + " ") * 465, None),
    (("final" + " " * 1000) * 99, None),
    ("\\begin{" * 14_286, None),
    ("$x$ " * 25_000, "x"),
    ("\\boxed{" * 7_000 + "1" + "}" * 7_000, "1"),
    ("a" * 99_980 + "$\\boxed{5}$", "5"),
]


@pytest.mark.parametrize("response, expected", ADVERSARIAL,
                         ids=[f"adversarial-{k}" for k in range(len(ADVERSARIAL))])
def test_long_adversarial_responses(response, expected):
    """Linear time is measured in bench/extract_scaling.py; here: the right result."""
    got = extract_answer(response)
    if expected is None:
        assert got is None or len(got) < 2_000
    else:
        assert got == expected


# --- derive.check(..., response=...) and derive check --response --------------------------

def test_check_a_response_records_what_was_extracted():
    v = derive.check(GRAD_X, response="Since $L = r^\\top r$, the answer is "
                                      "$\\boxed{2W^\\top(Wx - y)}$.")
    assert v.status is Status.EQUIVALENT
    assert v.extracted == r"2W^\top(Wx - y)" and v.answer == v.extracted
    assert json.loads(v.to_json())["extracted"] == r"2W^\top(Wx - y)"


def test_a_response_without_an_answer_is_invalid():
    v = derive.check(GRAD_X, response="I am not sure how to approach this question.")
    assert v.status is Status.INVALID and v.reason == "input.no_answer"
    assert v.extracted is None


def test_a_response_that_is_not_utf8():
    v = derive.check(GRAD_X, response=b"the answer is $x\xff$")
    assert v.status is Status.INVALID and v.reason == "input.not_utf8" and v.position == 16


def test_a_plain_answer_has_no_extracted_field_value():
    v = derive.check(GRAD_X, r"2W^\top(Wx-y)")
    assert v.extracted is None and json.loads(v.to_json())["extracted"] is None


def test_check_takes_an_answer_or_a_response():
    with pytest.raises(TypeError):
        derive.check(GRAD_X)
    with pytest.raises(TypeError):
        derive.check(GRAD_X, "x", response="$x$")


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derive", "check", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_cli_response():
    out = _cli(GRAD_X, "--response", "Thus the final answer is $2(Wx-y)^\\top W$.", "--json")
    d = json.loads(out.stdout)
    assert out.returncode == 1 and d["status"] == "not_equivalent"
    assert d["extracted"] == r"2(Wx-y)^\top W"
    out = _cli(GRAD_X, "--response", "-", stdin="We get\n\\[ 2W^\\top(Wx-y) \\]\n")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "final answer read from the response: 2W^\\top(Wx-y)" in out.stdout
    out = _cli(GRAD_X, "--response", "nothing")
    assert out.returncode == 4 and "input.no_answer" in out.stdout
    out = _cli(GRAD_X)                          # neither an answer nor a response
    assert out.returncode == 2


# --- a bold label on the last line; a definition introduced as a chain (heldout7) --------

@pytest.mark.parametrize("last_line", [
    r"**Output shape:** $(126, 126, 64)$",
    r"**Output shape**: $(126, 126, 64)$",
    r"- **Final output shape:** $(126, 126, 64)$.",
    r"> __Result:__ \((126, 126, 64)\)",
])
def test_a_bold_label_on_the_last_line_presents_the_answer(last_line):
    working = ("Using $H_{out} = \\frac{H + 2P - F}{S} + 1$ with $H = 128$:\n"
               "$$H_{out} = \\frac{128 - 3}{1} + 1 = 126.$$\nThe depth is the number of filters.\n\n")
    assert extract_answer(working + last_line) == "(126, 126, 64)"


def test_a_sentence_on_the_last_line_is_not_a_bold_label():
    # prose after the bold words: the line is a sentence, its mathematics is a remark; the
    # display stays the answer
    text = "$$H = 126$$\n**Note:** this is not $(1, 2, 3)$"
    assert extract_answer(text) == "H = 126"


RESPONSE_WITH_S = r"""Let $S = \sum_{k=1}^n x_k = \mathbf{1}_n^\top \mathbf{x}$. Then $f_i = n x_i / S$.
By the quotient rule, using $\partial S / \partial x_j = 1$:
$$\frac{df}{d\mathbf{x}} = \boxed{\frac{n}{S^2}\left(S\,\mathbf{I}_n - \mathbf{x}\mathbf{1}_n^\top\right)}$$"""


def test_a_definition_introduced_as_a_chain_defines_the_name_by_its_first_value():
    v = derive.check("ucb-cs182-sp22/1", response=RESPONSE_WITH_S)
    assert v.status is Status.EQUIVALENT, v.message
    assert v.extracted.endswith(r"S = \sum_{k=1}^n x_k")
    # the same working with a wrong definition of S: the answer is wrong, not rescued
    wrong = RESPONSE_WITH_S.replace(r"\sum_{k=1}^n x_k = ", r"\sum_{k=1}^n x_k^2 = ")
    assert derive.check("ucb-cs182-sp22/1", response=wrong).status is Status.NOT_EQUIVALENT
    # a chain that no sentence introduces as a definition stays working
    bare = RESPONSE_WITH_S.replace("Let $S", "Note $S")
    assert derive.check("ucb-cs182-sp22/1", response=bare).status is not Status.EQUIVALENT


# --- boxes of one answer's parts; an emphasised concluding equation (heldout9) ----------

@pytest.mark.parametrize("text, expected", [
    (r"so $\boxed{1.5}$ and $\boxed{-0.65}$.", "1.5, -0.65"),
    (r"\boxed{1.5} \text{ and } \boxed{-0.65}", "1.5, -0.65"),
    (r"$$\boxed{a},\ \boxed{b};\quad\boxed{c}$$", "a, b, c"),
    # prose between two boxes: the earlier one was working
    (r"first $\boxed{3}$. Then we get $\boxed{4}$", "4"),
    (r"\boxed{a} hence \boxed{b}", "b"),
])
def test_boxes_with_only_separators_between_are_the_parts_of_one_answer(text, expected):
    assert extract_answer(text) == expected


def test_two_boxed_parts_answer_a_pair_question():
    pair = r"So $\boxed{1.5}$ and $\boxed{-0.65}$."
    assert derive.check("tum-in2346-ss22/6.3", response=pair).status is Status.EQUIVALENT
    swapped = r"So $\boxed{-0.65}$ and $\boxed{1.5}$."
    assert derive.check("tum-in2346-ss22/6.3", response=swapped).status is Status.NOT_EQUIVALENT


def test_an_emphasised_equation_ending_the_response_concludes_it():
    text = ("For unit vectors $D_C = x^\\top y$. Then\n\\begin{aligned}\nD_E^2 &= \\|x - y\\|^2"
            " \\\\\n&= 2 - 2D_C .\n\\end{aligned}\n"
            "Taking the non-negative root, **$D_E = \\sqrt{2 - 2D_C}$**.")
    assert extract_answer(text) == r"D_E = \sqrt{2 - 2D_C}"
    assert derive.check("uw-cse493g1-sp23/3.2", response=text).status is Status.EQUIVALENT
