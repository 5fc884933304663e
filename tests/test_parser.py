"""The notation layer: what a grader reads is what the parser builds.

Each case names the notation gap it closes (the list measured against
latex2sympy2_extended in bench/parsers.py).
"""
from __future__ import annotations

import pytest
import sympy as sp

from derive.errors import AnswerError
from derive.notation.parser import parse_answer
from derive.notation.symbols import Context, SymbolSpec

S = SymbolSpec
CTX = Context([
    S("n", "dim"), S("k", "dim"), S("d", "dim"),
    S("x", "vector", shape=("n",), latex=("x", r"\mathbf{x}")),
    S("y", "vector", shape=("n",), latex=("y",)),
    S("W", "matrix", shape=("k", "n"), latex=("W", r"\mathbf{W}")),
    S("w", "scalar", latex=("w",)),
    S("A", "matrix", shape=("k", "d"), latex=("A",)),
    S("B", "matrix", shape=("d", "n"), latex=("B",)),
    S("Delta", "scalar", domain="positive", latex=(r"\Delta",)),
    S("lam", "scalar", domain="positive", latex=(r"\lambda",)),
    S("wstar", "scalar", latex=("w_i^*", "w^*_i")),
    S("g", "family", shape=("n",), latex=(r"\frac{\partial f}{\partial y_i}",), index="i"),
], asked={"": ("D_E",)})


def value(latex: str):
    parsed = parse_answer(latex, CTX)
    assert len(parsed.parts) == 1
    return parsed.parts[0].items[-1]


o = CTX.objects
n = o["n"]


def at_n(e, size=4):
    """Instantiate n, so that sums over different dummy letters can be compared."""
    return sp.simplify(e.subs(n, size).doit())


@pytest.mark.parametrize("latex", [r"x^\top", r"x^T", r"x^{\intercal}", r"\mathbf{x}^{\mathsf{T}}",
                                   r"x^{\top}"])
def test_transpose_spellings(latex):
    assert value(latex) == o["x"].T


def test_mathbf_is_presentation_only():
    assert value(r"\mathbf{W}\mathbf{x}") == value("W x")


def test_products_keep_their_order():
    ab = value("A B")
    assert isinstance(ab, sp.MatMul) and ab.args == (o["A"], o["B"])
    assert ab.shape == (o["k"], o["n"])


def test_ones_and_identity():
    assert value(r"\mathbf{1}_n") == sp.OneMatrix(n, 1)
    assert value(r"\mathbf{I}_n") == sp.Identity(n)
    assert value(r"I_n") == sp.Identity(n)
    outer = value(r"\mathbf{x}\mathbf{1}_n^\top")
    assert outer.shape == (n, n)


def test_sums_with_and_without_bounds():
    with_bounds = value(r"\sum_{i=1}^n x_i")
    without = value(r"\sum_i x_i")
    other_letter = value(r"\sum_{j} x_j")
    assert at_n(with_bounds - without) == 0
    assert at_n(without - other_letter) == 0
    assert at_n(with_bounds - x0()) != 0


def x0():
    return value("x_1")


def test_family_with_any_index_letter():
    a = value(r"\sum_i \frac{\partial f}{\partial y_i}")
    b = value(r"\sum_{k=1}^n \frac{\partial f}{\partial y_k}")
    assert at_n(a - b) == 0


@pytest.mark.parametrize("latex", [r"\operatorname{sign}(w)", r"\mathrm{sgn}(w)", r"\text{sign}(w)",
                                   r"\operatorname{sgn}(w)"])
def test_sign_spellings(latex):
    assert value(latex) == sp.sign(o["w"])


def test_starred_subscripted_symbol():
    assert value(r"w_i^*") == o["wstar"]
    assert value(r"w^*_i") == o["wstar"]


def test_norms():
    assert at_n(value(r"\|x\|^2") - value(r"x^\top x")) == 0
    assert at_n(value(r"\lVert x \rVert^2") - value(r"\sum_i x_i^2")) == 0
    assert at_n(value(r"\|x\|") - value(r"\sqrt{\sum_i x_i^2}")) == 0


def test_log_is_natural_and_decimals_exact():
    assert value(r"\log w") == sp.log(o["w"])
    assert value(r"\ln w") == sp.log(o["w"])
    assert value("0.98 w") == sp.Rational(49, 50) * o["w"]
    assert value("0.1") == sp.Rational(1, 10)


def test_cases():
    v = value(r"\begin{cases} 2w & w \le \Delta \\ \lambda & \text{otherwise} \end{cases}")
    assert isinstance(v, sp.Piecewise)
    assert v.subs({o["w"]: 0, o["Delta"]: 1}) == 0
    assert v.subs({o["w"]: 2, o["Delta"]: 1, o["lam"]: 5}) == 5


def test_max_min_abs():
    v = value(r"\operatorname{sign}(w)\max(|w| - \lambda, 0)")
    assert v.subs({o["w"]: -3, o["lam"]: 1}) == -2
    assert v.subs({o["w"]: sp.Rational(1, 2), o["lam"]: 1}) == 0


def test_case_and_greek_are_never_merged():
    assert value("W").shape == (o["k"], o["n"])
    assert value("w") == o["w"]
    with pytest.raises(AnswerError) as e:
        value(r"\delta")
    assert e.value.code == "symbol.foreign"   # a name of its own, never \Delta


def test_asked_name_is_a_label():
    parsed = parse_answer(r"D_E = 2\Delta", CTX)
    chain = parsed.parts[0]
    assert chain.ops == ["="]
    assert chain.items[1] == 2 * o["Delta"]


def test_where_clause():
    v = value(r"\frac{x}{S} \text{ where } S = \sum_i x_i")
    assert not v.free_symbols & {sp.Symbol("S")}


def test_parts_and_chains():
    parsed = parse_answer(r"w = 2 \cdot 3 = 6, \lambda = 1", CTX)
    assert len(parsed.parts) == 2
    assert parsed.parts[0].items[-1] == 6


@pytest.mark.parametrize("latex", ["x W", "W W", "W + x", "x + y^T", r"\frac{1}{x}"])
def test_matrix_shape_errors(latex):
    # well formed, dimensionally inconsistent: a wrong answer, not an unreadable one
    with pytest.raises(AnswerError) as e:
        value(latex)
    assert e.value.code == "shape.inconsistent"


def test_no_python_evaluation():
    with pytest.raises(AnswerError):
        value("__import__('os').system('true')")


@pytest.mark.parametrize("latex, expected", [
    (r"200\,000\,100", 200000100),
    (r"200{,}000{,}100", 200000100),
    (r"1{,}5", sp.Rational(3, 2)),          # a decimal comma
    (r"0{,}125", sp.Rational(1, 8)),
    (r"98\%", sp.Rational(49, 50)),
    (r"\log_{10} 100", 2),
    (r"\log_2 8", 3),
    (r"\log_e e^{2}", 2),
])
def test_number_spellings(latex, expected):
    assert sp.simplify(value(latex) - expected) == 0


@pytest.mark.parametrize("latex", [r"w := 2\lambda", r"w \leftarrow 2\lambda", r"w \gets 2\lambda"])
def test_assignment_spellings(latex):
    chain = parse_answer(latex, CTX).parts[0]
    assert chain.ops == ["="]
    assert chain.items[1] == 2 * o["lam"]


def test_outer_and_kronecker_product():
    assert value(r"x \otimes y") == o["x"] * o["y"].T
    assert value(r"W \otimes A") == sp.KroneckerProduct(o["W"], o["A"])
    with pytest.raises(AnswerError):
        value(r"W \otimes w")   # w is a scalar


@pytest.mark.parametrize("latex", [r"\mathbb{1}_{w > 0}", r"\mathbf{1}\{w > 0\}", r"\mathbb{1}[w > 0]",
                                   r"\mathbb{1}(w > 0)"])
def test_indicator_spellings(latex):
    v = value(latex)
    assert v.subs(o["w"], 1) == 1 and v.subs(o["w"], -1) == 0


def test_entrywise_indicator_of_a_vector():
    v = value(r"\mathbb{1}[x > 0]")
    assert v.shape == (n, 1)


def test_function_powers():
    assert value(r"\log^2 w") == sp.log(o["w"]) ** 2
    with pytest.raises(AnswerError):
        value(r"\log^{-1} w")


def test_text_words_at_the_ends_are_prose():
    assert value(r"2\lambda \text{ units}") == 2 * o["lam"]
    assert value(r"2\lambda \text{units}") == 2 * o["lam"]
    with pytest.raises(AnswerError):
        value(r"2 \text{units} \lambda")  # inside the expression, a word must be declared


def test_colon_label():
    chain = parse_answer(r"D_E: 2\Delta", CTX).parts[0]
    assert chain.ops == ["="] and chain.items[1] == 2 * o["Delta"]


def test_positive_part():
    assert value(r"(w - \lambda)_+") == sp.Max(o["w"] - o["lam"], 0)
    assert value(r"\left(x\right)_+").shape == (n, 1)


def test_derivative_operator():
    assert value(r"\frac{\partial}{\partial w}\left(w^2 \lambda\right)") == 2 * o["w"] * o["lam"]
    assert value(r"\frac{d}{d w} \log w") == 1 / o["w"]
    assert value(r"\frac{\partial}{\partial x} w").shape == (n, 1)  # a gradient, in a vector
    with pytest.raises(AnswerError):
        value(r"\frac{\partial}{\partial 2} w")  # not a variable


def test_alias_index_matches_trying_every_pattern():
    """substitute_aliases tries at each token only the patterns that start with it: the
    same result as trying the whole table, for every form the bank declares."""
    from derive.bank.loader import load_bank
    from derive.notation import symbols
    from derive.notation.lexer import lex

    class Every(dict):
        def __init__(self, table):
            super().__init__()
            self.table = table

        def get(self, key, default=None):
            return self.table

    def every(patterns, extra):
        table = list(extra) + [(p, None) for p in patterns]
        table.sort(key=lambda pv: -len(pv[0].tokens))
        return Every(table)

    bank = load_bank()
    for q in list(bank.questions.values()):
        texts = [q.reference] + [f.latex for f in q.accept + q.reject]
        for text in texts:
            try:
                toks = lex(text)
            except Exception:  # noqa: BLE001 - a deliberately unreadable form
                continue
            fast = symbols.substitute_aliases(toks, q.context.patterns)
            saved = symbols._first_token_index
            symbols._first_token_index = every
            try:
                slow = symbols.substitute_aliases(toks, q.context.patterns)
            finally:
                symbols._first_token_index = saved
            assert [(t.kind, t.text, t.ref) for t in fast] == \
                [(t.kind, t.text, t.ref) for t in slow], (q.id, text)
