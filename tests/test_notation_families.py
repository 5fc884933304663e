"""The notation families people write (issue 10), each a table of (LaTeX, meaning); the
LaTeX is the assertion message.

A meaning is checked by value: both sides are compiled by derive's torch evaluator and
compared at random points drawn in the declared domains (so an entrywise answer, a
FunctionMatrix, is compared entry by entry with the matrix it should be). The last
section checks verdicts end to end on bank questions, with the examples the issue names.
"""
from __future__ import annotations

import pytest
import sympy as sp
import torch

import derive
from derive import Status
from derive.errors import AnswerError
from derive.judge.numeric import draw
from derive.judge.torch_eval import compile_expr, evaluate
from derive.notation.parser import parse_answer, parse_expression
from derive.notation.symbols import Context, SymbolSpec

S = SymbolSpec
CTX = Context([
    S("n", "dim", bounds=(2, 4)), S("m", "dim", bounds=(2, 4)), S("d", "dim", bounds=(2, 4)),
    S("x", "vector", shape=("n",), latex=("x", r"\mathbf{x}")),
    S("v", "vector", shape=("n",), latex=("v", r"\mathbf{v}")),
    S("y", "vector", shape=("m",), latex=("y",)),
    S("W", "matrix", shape=("m", "n"), latex=("W", r"\mathbf{W}")),
    S("A", "matrix", shape=("n", "n"), latex=("A", r"\mathbf{A}")),
    S("X", "matrix", shape=("n", 2), latex=("X", r"\mathbf{X}")),   # full column rank
    S("B", "matrix", shape=("d", "d"), latex=("B",)),
    S("w", "scalar", domain="positive", latex=("w",)),
    S("lam", "scalar", domain="positive", latex=(r"\lambda",)),
    S("Delta", "scalar", domain="positive", latex=(r"\Delta",)),
    S("kk", "scalar", domain="integer", bounds=(1, 3), latex=("k",)),
    S("yy", "index", of="n", latex=(r"y_{\star}",)),
    S("g", "vector", shape=("n",),
      latex=(r"\nabla_{\mathbf x} J", r"\frac{\partial J}{\partial x}")),
    S("sigma", "function", latex=(r"\sigma",), torch="sigmoid"),
], asked={"": ("J", r"\frac{\partial f}{\partial x}")})
o = CTX.objects
x, v, y, W, A, X, B = (o[k] for k in "x v y W A X B".split())
w, lam, Delta, kk, g = o["w"], o["lam"], o["Delta"], o["kk"], o["g"]
n = o["n"]


def value(latex: str):
    """The answer's value (the last link of its only part)."""
    parsed = parse_answer(latex, CTX)
    assert len(parsed.parts) == 1, latex
    return parsed.parts[0].items[-1]


def expr(latex: str):
    return parse_expression(latex, CTX)


def agree(a, b) -> bool:
    """``a`` and ``b`` take the same values at 32 random points (two draws of the dims)."""
    if isinstance(a, (int, float)):
        a = sp.Rational(a) if isinstance(a, int) else sp.Float(a)
    if isinstance(b, (int, float)):
        b = sp.Rational(b) if isinstance(b, int) else sp.Float(b)
    gen = torch.Generator().manual_seed(0)
    for _ in range(2):
        sample = draw(CTX, batch=16, gen=gen, device=torch.device("cpu"))
        va = evaluate(compile_expr(a), sample.env)
        vb = evaluate(compile_expr(b), sample.env)
        if va.shape[1:] != vb.shape[1:]:
            return False
        if not torch.allclose(va.expand_as(vb) if va.shape[0] == 1 else va,
                              vb.expand_as(va) if vb.shape[0] == 1 else vb,
                              rtol=1e-9, atol=1e-9, equal_nan=False):
            return False
    return True


def code_of(latex: str) -> str:
    with pytest.raises(AnswerError) as e:
        parse_answer(latex, CTX)
    return e.value.code


# --- TeX semantics of digits and scripts --------------------------------------------------

TEX_DIGITS = [
    ("2 3", 23),                       # TeX drops the space in math mode
    ("{2}{3}", 23),                    # two groups side by side
    ("7 8 4", 784),
    (r"200\,000\,100", 200000100),     # thin-space digit groups
    ("200 000 100", 200000100),
    (r"200{,}000{,}100", 200000100),
    ("0.9 8", sp.Rational(98, 100)),
    ("5^23", 75),                      # a superscript takes one token: 5^{2} 3
    ("10^80", 0),                      # 10^{8} 0
    ("5^{23}", 5**23),
    (r"\frac12", sp.Rational(1, 2)),   # \frac takes one token per argument
    (r"\frac9{10}", sp.Rational(9, 10)),
    (r"\frac{10}{4}", sp.Rational(5, 2)),
    (r"\sqrt4 5", 10),
    ("3 \\cdot 2 3", 69),
]


@pytest.mark.parametrize("latex, meaning", TEX_DIGITS)
def test_tex_digits(latex, meaning):
    assert sp.simplify(value(latex) - meaning) == 0, latex


TEX_SCRIPTS = [
    ("w^20", 0),                       # w^{2} 0
    ("w^{20}", w**20),
    (r"w^\frac12", sp.sqrt(w)),        # a command takes its arguments with it
    (r"w^{\frac12}", sp.sqrt(w)),
    (r"(2 + w)^\frac12", sp.sqrt(2 + w)),
]


@pytest.mark.parametrize("latex, meaning", TEX_SCRIPTS)
def test_tex_scripts(latex, meaning):
    assert sp.simplify(value(latex) - meaning) == 0, latex


# --- wrappers, lead-ins, prose, annotations -------------------------------------------------

WRAPPERS = [
    r"\boxed{2w}", "$2w$", "$$2w$$", r"\(2w\)", r"\[2w\]", r"\displaystyle 2w",
    r"\therefore\ 2w", r"\text{Answer: } 2w", r"\text{Final answer: } 2w", r"\text{so } 2w",
    "2w.", r"2w \text{ units}", r"2w \text{ (i.e. twice } w\text{)}",
    r"w = 1 \Rightarrow 2w",            # the working before the conclusion is not graded
    r"J = 2w", r"\boxed{J = 2w}", r"\fbox{$2w$}",
    r"\text{answer} = 2w",             # a name of the student's own labels the value
]


@pytest.mark.parametrize("latex", WRAPPERS)
def test_wrappers(latex):
    assert value(latex) == 2 * w, latex


ANNOTATIONS = [
    (r"W x \in \mathbb{R}^{m}", W * x),           # where the value lives
    (r"W x \quad (m \times 1)", W * x),            # its shape
    (r"A \quad (n \times n)", A),
]


@pytest.mark.parametrize("latex, meaning", ANNOTATIONS)
def test_annotations(latex, meaning):
    assert value(latex) == meaning, latex


def test_an_aside_is_not_a_factor():
    assert value(r"0.9 \text{ (i.e. } 90\%\text{)}") == sp.Rational(9, 10)


# --- names the question does not give -----------------------------------------------------

FOREIGN = [
    r"2 q",                  # an undeclared letter
    r"\delta w",             # \delta is not \Delta
    r"2 Y",                  # Y is not y
    r"\frac{\partial y_i}{\partial w}",   # a derivative of something not given
    r"H(w)",                 # a function not given
]


@pytest.mark.parametrize("latex", FOREIGN)
def test_foreign_names_make_the_answer_wrong_not_unreadable(latex):
    assert code_of(latex) == "symbol.foreign", latex
    assert derive.REASONS["symbol.foreign"] is Status.NOT_EQUIVALENT


# --- entrywise and index answers -----------------------------------------------------------

ENTRYWISE = [
    (r"J_{ij} = \delta_{ij} x_i", sp.DiagMatrix(x)),
    (r"(J)_{ij} = \delta_{ij} x_j", sp.DiagMatrix(x)),
    (r"\left(J\right)_{i,j} = \delta_{ij}\, x_i", sp.DiagMatrix(x)),
    (r"\frac{\partial f_i}{\partial x_j} = x_i", x * sp.OneMatrix(1, n)),
    (r"\frac{\partial f_i}{\partial x_j} = x_i x_j", x * x.T),
    (r"\frac{\partial f}{\partial x_k} = \sum_r W_{rk} y_r", W.T * y),
    (r"(J)_{i} = (A x)_i + \sum_{j} A_{ij}", A * x + A * sp.OneMatrix(n, 1)),
    (r"J_{ij} = a_i^\top v\, \delta_{ij}", sp.DiagMatrix(A * v)),   # a_i: row i of A
    (r"J_{k} = \frac{\partial J}{\partial x_k} + w", g + w * sp.OneMatrix(n, 1)),
]


@pytest.mark.parametrize("latex, meaning", ENTRYWISE)
def test_entrywise(latex, meaning):
    got = value(latex)
    assert isinstance(got, sp.FunctionMatrix), latex
    assert agree(got, meaning), latex


def test_entrywise_wrong_index_is_caught():
    assert not agree(value(r"J_{ij} = \delta_{ij} x_i + x_j"),
                     value(r"J_{ij} = \delta_{ij} x_i + x_i"))


# --- sums and products -----------------------------------------------------------------------

SUMS = [
    (r"x_1 + x_2 + \cdots + x_n", r"\sum_{i=1}^n x_i"),
    (r"x_1 + \ldots + x_n", r"\sum_i x_i"),
    (r"e^{x_1} + \dots + e^{x_n}", r"\sum_{k=1}^n e^{x_k}"),
    (r"x_1 v_1 + \cdots + x_n v_n", r"x^\top v"),
    (r"x_1 v_1 + \cdots + x_n v_1", r"v_1 \sum_i x_i"),      # a fixed entry stays fixed
    (r"\sum_{j=1, j \ne 2}^{n} x_j", r"\sum_j x_j - x_2"),
    (r"\sum_{\substack{j=1\\ j\ne 2}}^{n} x_j", r"\sum_j x_j - x_2"),
    (r"\sum_{j \in \{1,\dots,n\}\setminus\{2\}} x_j", r"\sum_j x_j - x_2"),
    (r"\sum_{j \in [n]} x_j", r"\sum_j x_j"),
    (r"\prod_{l=1}^{3} w", "w^3"),
    (r"\prod_{\ell=0}^{2} w", "w^3"),
    (r"\prod_{i \in \{2, 3, 4\}} i", "24"),
    (r"\underbrace{w \cdot w \cdots w}_{3 \text{ factors}}", "w^3"),
    (r"\sum_{i=1}^{m} (W x - y)_i\, \mathbf{e}_i v^\top", r"(W x - y) v^\top"),
    (r"\sum_{i=1}^{n} \mathbf{a}_i x_i", r"A^\top x"),     # a_i: row i of A
    (r"\sum_{r=1}^{m} y_r W_{r,:}^\top", r"W^\top y"),
    (r"\mathbb{E}_{i \sim U}[x_i]", r"\frac{1}{n}\sum_i x_i"),
    (r"\mathbb{E}_{i \sim \mathcal{U}\{1,\dots,n\}}[x_i]", r"\frac{1}{n}\sum_i x_i"),
]


@pytest.mark.parametrize("latex, meaning", SUMS)
def test_sums_and_products(latex, meaning):
    assert agree(value(latex), value(meaning)), latex


def test_an_ellipsis_without_a_pattern_is_refused():
    assert code_of(r"x_1 + \cdots + v_n") == "parse.syntax"


# --- brackets that mean something -------------------------------------------------------------

BRACKETS = [
    (r"[w > 1]", sp.Piecewise((1, w > 1), (0, True))),
    (r"\mathbb{1}[w > 1]", sp.Piecewise((1, w > 1), (0, True))),
    (r"\mathbb{1}\{w > 1\}", sp.Piecewise((1, w > 1), (0, True))),
    (r"\mathbf{1}(w > 1)", sp.Piecewise((1, w > 1), (0, True))),
    (r"\mathbb{1}_{w > 1}", sp.Piecewise((1, w > 1), (0, True))),
    (r"\mathbb{1}_{\{w > 1\}}", sp.Piecewise((1, w > 1), (0, True))),
    (r"[\![w > 1]\!]", sp.Piecewise((1, w > 1), (0, True))),
    (r"\mathbb{I}[w > 1]", sp.Piecewise((1, w > 1), (0, True))),
    (r"\lambda\,[2 w]", 2 * lam * w),                      # brackets as grouping
]


@pytest.mark.parametrize("latex, meaning", BRACKETS)
def test_brackets(latex, meaning):
    assert agree(value(latex), meaning), latex


def test_indicator_of_a_vector_condition_is_entrywise():
    assert agree(value(r"x \odot [x > 0]"), value(r"\max(x, 0)"))
    assert agree(value(r"\mathbf{1}(x > 0) \odot x"), value(r"(x)_+"))


# --- calculus notation ----------------------------------------------------------------------

CALCULUS = [
    r"\nabla_{\mathbf x} J", r"\frac{\partial J}{\partial x}", r"\partial J/\partial x",
    r"\frac{dJ}{dx}", r"\frac{\mathrm{d}J}{\mathrm{d}\mathbf{x}}", r"\mathrm{d}J/\mathrm{d}x",
    r"\partial_{x} J", r"\nabla_x J",
]


@pytest.mark.parametrize("latex", CALCULUS)
def test_derivative_spellings_name_the_declared_quantity(latex):
    assert value(latex) == g, latex


CALCULUS_VALUES = [
    (r"\frac{d}{dw} w^3", 3 * w**2),
    (r"\frac{\partial}{\partial w}\left(w^2 \lambda\right)", 2 * w * lam),
    (r"\left.\frac{\partial}{\partial w} w^3 \lambda\right|_{w = \Delta}", 3 * Delta**2 * lam),
    (r"\frac{d}{dw}\left[w^2\right]_{w = 2}", 4),
    (r"\frac{\partial (\lambda w + \Delta)}{\partial w}", lam),
    (r"\nabla_{\mathbf x} \|x\|^2", 2 * x),
    (r"\frac{\partial}{\partial \mathbf{x}} (W x - y)^\top (W x - y)", 2 * W.T * (W * x - y)),
    (r"\nabla \|x\|_1", None),   # the only vector: sign(x)
]


@pytest.mark.parametrize("latex, meaning", CALCULUS_VALUES)
def test_derivatives_of_expressions(latex, meaning):
    got = value(latex)
    if meaning is None:
        meaning = value(r"\operatorname{sign}(x)")
    assert agree(got, meaning), latex


# --- matrix notation ----------------------------------------------------------------------

MATRIX = [
    (r"X^{+}", r"(X^\top X)^{-1} X^\top"),          # full column rank: X is n x d, n >= d
    (r"X^\dagger", r"(X^\top X)^{-1} X^\top"),
    (r"\operatorname{pinv}(X)", r"(X^\top X)^{-1} X^\top"),
    (r"A^{-\top}", r"(A^{-1})^\top"),
    (r"A^{-T}", r"(A^\top)^{-1}"),
    (r"\det A", r"\det(A^\top)"),
    (r"\operatorname{tr}(A)^2", r"(\operatorname{tr} A)^2"),
    (r"\mathrm{Tr}(A)", r"\sum_i A_{ii}"),
    (r"\operatorname{vec}(A)^\top \operatorname{vec}(A)", r"\operatorname{tr}(A^\top A)"),
    (r"A \otimes B", None),                          # Kronecker: nd x nd
    (r"\operatorname{diag}(x) v", r"x \odot v"),
    (r"\mathbf{I} - \frac{x \mathbf{1}^\top}{\mathbf{1}^\top x}",
     r"I_n - \frac{x 1_n^\top}{\sum_i x_i}"),
    (r"A\mathbf{1}", r"A \mathbf{1}_n"),
    (r"(\mathbf{I} + A)^{-1}", r"(I_n + A)^{-1}"),
    (r"A^{k} + A^{k+1}", r"A^{k}(I_n + A)"),         # an integer symbol as exponent
    (r"\sigma(W x)", r"\operatorname{sigmoid}(W x)"),   # a declared function, entrywise
    (r"1 - \sigma(W x)", r"\sigma(-W x)"),          # scalar minus vector: entrywise
    (r"\tanh^2(x)", r"\tanh(x) \odot \tanh(x)"),    # a power of an entrywise function
    (r"x/|x|", r"\operatorname{sign}(x)"),          # vector over vector: entrywise
    (r"e^{x}", r"\exp(x)"),
    (r"\mathbf{e}_{y_{\star}}^\top x", r"x_{y_{\star}}"),   # the basis vector, one-hot
    (r"\mathbf{1}_{y_{\star}}^\top x", r"x_{y_{\star}}"),
    (r"x \otimes v", r"x v^\top"),
]


@pytest.mark.parametrize("latex, meaning", MATRIX)
def test_matrix_notation(latex, meaning):
    got = value(latex)
    if meaning is None:
        assert got.shape == (A.shape[0] * B.shape[0], A.shape[1] * B.shape[1]), latex
        return
    assert agree(got, value(meaning)), latex


def test_kronecker_numerically():
    got = value(r"A \otimes B")
    gen = torch.Generator().manual_seed(1)
    sample = draw(CTX, batch=4, gen=gen, device=torch.device("cpu"))
    a, b = sample.env["A"], sample.env["B"]
    want = torch.stack([torch.kron(a[k], b[k]) for k in range(4)])
    assert torch.allclose(evaluate(compile_expr(got), sample.env), want)


AMBIGUOUS = [r"\sin A", r"\exp(A)", r"\cos^2 A", r"\sqrt{A}", r"x^2"]


@pytest.mark.parametrize("latex", AMBIGUOUS)
def test_ambiguous_notation_is_said_to_be_ambiguous(latex):
    assert code_of(latex) == "parse.ambiguous", latex
    assert derive.REASONS["parse.ambiguous"] is Status.UNDECIDED


NOT_AMBIGUOUS = [(r"\sin x", x.shape), (r"\sin W", W.shape), (r"\sin w", None),
                 (r"\exp(W)", W.shape)]


@pytest.mark.parametrize("latex, shape", NOT_AMBIGUOUS)
def test_functions_of_vectors_and_non_square_matrices_are_entrywise(latex, shape):
    got = value(latex)
    assert getattr(got, "shape", None) == shape, latex


DIMENSION_ERRORS = [r"W W", r"x + y", r"A^{-1} W", r"X^{-1}", r"\operatorname{diag}(w)",
                    r"\operatorname{sign}(w)^\top"]


@pytest.mark.parametrize("latex", DIMENSION_ERRORS)
def test_dimension_errors_are_wrong_answers(latex):
    assert code_of(latex) == "shape.inconsistent", latex


def test_bare_identity_needs_a_size_when_nothing_gives_one():
    assert code_of(r"\mathbf{I}") == "shape.invalid"


# --- cases --------------------------------------------------------------------------------

CASES = [
    r"\begin{cases} 2w & w \le \Delta \\ \lambda & \text{otherwise} \end{cases}",
    r"\begin{cases} 2w, & \text{if } w \le \Delta \\ \lambda, & \text{otherwise} \end{cases}",
    r"\begin{cases} 2w, & \text{if } w \le \Delta, \\ \lambda, & \text{else.} \end{cases}",
    r"\begin{cases} 2w & \text{when } w \text{ is at most } \Delta \\ "
    r"\lambda & \text{when } w \text{ exceeds } \Delta \end{cases}",
    r"\begin{cases} 2w, & w \le \Delta, \\ \lambda, & w > \Delta. \end{cases}",
    r"\left\{\begin{array}{ll} 2w & w \le \Delta \\ \lambda & \text{otherwise} \end{array}\right.",
    r"2w \text{ if } w \le \Delta, \text{ else } \lambda",
    r"2w\,[w \le \Delta] + \lambda\,[w > \Delta]",
]


@pytest.mark.parametrize("latex", CASES)
def test_cases(latex):
    reference = sp.Piecewise((2 * w, w <= Delta), (lam, True))
    assert agree(value(latex), reference), latex


def test_a_piece_for_every_point():
    assert value(r"\begin{cases} 2w & \text{for every } w \end{cases}") == 2 * w


# --- the verdict, end to end (bank questions; the examples) ---------------------------

VERDICTS = [
    ("tum-in2346-ss22/7.3", "2 3", Status.NOT_EQUIVALENT),
    ("tum-in2346-ss22/7.3", r"2\cdot 3", Status.EQUIVALENT),
    ("tum-in2346-ss22/7.3", r"\boxed{6}", Status.EQUIVALENT),
    ("neu-cs7150-f22/5.c", r"200\,000\,100", Status.EQUIVALENT),
    ("neu-cs7150-f22/5.c", r"2\times10^80+100", Status.NOT_EQUIVALENT),
    ("neu-cs7150-f22/5.c", r"\text{elements} = 200000100", Status.EQUIVALENT),
    ("tum-in2346-ss22/4.3", r"16 \cdot 7 7", Status.NOT_EQUIVALENT),
    ("ucb-cs182-sp22/1",
     r"(J)_{ij} = \frac{n(\delta_{ij} S - x_i)}{S^2},\ \text{where } S = \sum_{k=1}^n x_k",
     Status.EQUIVALENT),
    ("ucb-cs182-sp22/1",
     r"J_{ij} = \frac{n}{S}\delta_{ij} - \frac{n x_j}{S^2},\ S = \sum_k x_k",
     Status.NOT_EQUIVALENT),
    ("ucb-cs182-sp22/1",
     r"\frac{n}{\mathbf{1}^\top\mathbf{x}}\left(\mathbf{I} - "
     r"\frac{\mathbf{x}\mathbf{1}^\top}{\mathbf{1}^\top\mathbf{x}}\right)",
     Status.EQUIVALENT),
    ("neu-cs7150-f22/4.x", r"2w^\top(wx-y)", Status.NOT_EQUIVALENT),
    ("neu-cs7150-f22/4.x", r"\frac{\partial L}{\partial x_j} = 2\sum_i W_{ij}(Wx - y)_i",
     Status.EQUIVALENT),
    ("neu-cs7150-f22/4.W", r"\frac{\partial L}{\partial W_{ij}} = 2(Wx-y)_i x_j",
     Status.EQUIVALENT),
    ("tum-in2346-ss22/2.4",   # an equation given entry by entry; \theta_{k,ij}: an entry
     r"\theta_{k+1,ij} = (1-\alpha\lambda)\,\theta_{k,ij} - \alpha\,[\nabla L(\theta_k)]_{ij}",
     Status.EQUIVALENT),
    ("tum-in2346-ss22/2.4",
     r"(\theta_{k+1})_{ij} = (\theta_k)_{ij} - \alpha\left(\frac{\partial L}{\partial "
     r"\theta_{ij}}(\theta_k) + \lambda(\theta_k)_{ij}\right)", Status.EQUIVALENT),
    ("tum-in2346-ss22/2.4",
     r"(\theta_{k+1})_{ij} = (\theta_k)_{ij} - \alpha\left(\frac{\partial L}{\partial "
     r"\theta_{ij}}(\theta_k) + \lambda(\theta_k)_{ji}\right)", Status.NOT_EQUIVALENT),
    ("tum-in2346-ss22/2.8", r"W = X^{+}Y", Status.EQUIVALENT),
    ("tum-in2346-ss22/2.8", r"W = X^{\dagger}Y^\top", Status.NOT_EQUIVALENT),
    ("uw-cse493g1-sp23/2.5", r"\operatorname{softmax}(\mathbf{s}) - b\,\mathbf{e}_y",
     Status.EQUIVALENT),
    ("uw-cse493g1-sp23/2.5", r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b\,[k = y]",
     Status.EQUIVALENT),
    ("uw-cse493g1-sp23/3.6.2.1",
     r"\log\left(1+\sum_{\substack{j=1\\ j\ne y_i}}^{C} e^{s_j-s_{y_i}}\right)",
     Status.EQUIVALENT),
    ("ucb-cs182-sp22/9.beta",
     r"\frac{\partial f}{\partial y_1} + \frac{\partial f}{\partial y_2} + \cdots + "
     r"\frac{\partial f}{\partial y_m}",
     Status.EQUIVALENT),
    ("ucb-cs182-sp22/9.beta",
     r"\frac{\partial f}{\partial y_1} + \cdots + \frac{\partial f}{\partial y_{m-1}}",
     Status.NOT_EQUIVALENT),
    ("tum-in2346-ss22/8.7",
     r"w_{k+1} = w_k - \frac{\partial f/\partial w}{\partial^2 f/\partial w^2}\Big|_{w=w_k}",
     Status.EQUIVALENT),
    ("tum-in2346-ss22/8.7", r"w_{k+1} = w_k - \frac{\dot f(w_k)}{\ddot f(w_k)}",
     Status.EQUIVALENT),
    ("stanford-cs230-sp21/4.i", r"\nabla J(\mathbf{w}) + \alpha\operatorname{sign}(\mathbf{w})",
     Status.EQUIVALENT),
    ("uw-cse493g1-sp23/3.6.1.1",
     r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0), & \text{if } s_j \le s_{y_i} \\ "
     r"b, & \text{otherwise} \end{cases}",
     Status.EQUIVALENT),
    ("tum-in2346-ss22/6.1", r"\begin{bmatrix} 2 \\ 0 \end{bmatrix}", Status.EQUIVALENT),
    ("neu-cs7150-f22/6.a", r"p_1 = 0.9", Status.NOT_EQUIVALENT),   # names the other class
    ("neu-cs7150-f22/6.a", r"q = 0.9", Status.EQUIVALENT),         # a name of one's own
    ("stanford-cs230-sp21/3.ii.params", r"P = 1216", Status.EQUIVALENT),
    ("stanford-cs230-sp21/3.i.shape", r"(C, H, W) = (64, 126, 126)", Status.EQUIVALENT),
    ("stanford-cs230-sp21/3.i.shape", r"H = W = 126", Status.NOT_EQUIVALENT),
    ("stanford-cs230-sp21/3.iii.shape", r"H=64,\ W=64,\ C=32", Status.EQUIVALENT),
    ("ucb-cs182-sp22/10", r"\mathbb{V}[y] = d^{L+1}", Status.EQUIVALENT),
    ("ucb-cs182-sp22/10", r"\operatorname{Std}[y] = d^{L+1}", Status.NOT_EQUIVALENT),
    ("ucb-cs182-sp22/10", r"\prod_{l=1}^{L+1} d", Status.EQUIVALENT),
    ("ucb-cs182-sp22/10", r"\underbrace{d\cdot d\cdots d}_{L+1\text{ factors}}", Status.EQUIVALENT),
    ("neu-cs7150-f22/3.b", r"w_i \leftarrow 0.98 w_i", Status.EQUIVALENT),    # an update
    ("neu-cs7150-f22/3.b", r"\Delta w_i = 0.98\,w_i", Status.NOT_EQUIVALENT),
    ("neu-cs7150-f22/6.b", r"z_2 = \ln\frac{p_2}{p_1} = \ln 9", Status.EQUIVALENT),
    ("tum-in2346-ss22/6.1", r"\begin{bmatrix} 0 \\ 2 \end{bmatrix}", Status.NOT_EQUIVALENT),
    ("stanford-cs230-sp21/5.ii",
     r"\begin{cases} \frac{1 - D(X^i)}{n}, & \text{input is real,} \\ "
     r"-\frac{D(G(Z^i))}{n}, & \text{input is generated.} \end{cases}",
     Status.EQUIVALENT),
]


@pytest.mark.parametrize("qid, latex, status", VERDICTS)
def test_verdicts(qid, latex, status):
    v = derive.check(qid, latex, symbolic=False)
    assert v.status is status, f"{latex}: {v.reason}: {v.message}"
