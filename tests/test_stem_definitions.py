"""What a question's text defines, read as a grader reads it (issue 10, the answers of the
independent corpus that were `invalid` although a grader reads them): a function the stem
defines (`H(p;q)`), derivatives at an argument list (`\\partial_w f(x, w_k)`, `f_w(x, w_k)`),
a diagonal matrix given by its entries, a heading before the parts, a value written in the
asked quantity, and an undefined TeX command."""
from __future__ import annotations

import pytest
import sympy as sp

import derive
from derive import Status
from derive.errors import AnswerError
from derive.notation.declare import DeclarationError, declare
from derive.notation.parser import parse_answer

K_CTX = {
    "K": {"kind": "dim"},
    "z": {"kind": "vector", "shape": ["K"], "latex": ["z"]},
    "p": {"kind": "family", "shape": ["K"], "index": "i", "latex": ["p_i", "p(i)"],
          "define": r"\frac{e^{z_i}}{\sum_{j=1}^K e^{z_j}}"},
    "U": {"kind": "family", "shape": ["K"], "index": "i", "latex": ["U_i", "U(i)"],
          "define": r"\frac{1}{K}"},
    "H": {"kind": "function", "params": ["p", "q"], "shape": ["K"], "latex": ["H"],
          "define": r"-\sum_{x=1}^{K} p(x) \log q(x)"},
}


def _value(latex: str, table=K_CTX):
    return parse_answer(latex, declare(table)).parts[0].items[-1]


# --- a function the question defines ------------------------------------------------

def test_a_defined_function_is_its_definition_at_the_arguments():
    ctx = declare(K_CTX)
    U, p = ctx.objects["U"], ctx.objects["p"]
    v = _value("H(U;p)")
    x = next(iter(v.atoms(sp.Sum))).variables[0]
    assert v == -sp.Sum(U[x - 1, 0] * sp.log(p[x - 1, 0]), (x, 1, ctx.objects["K"]))
    assert _value("H(U; p)") == v and _value("H(U, p)") == v
    assert _value("H(p;U)") != v   # the arguments are not interchangeable


@pytest.mark.parametrize("latex, code", [
    ("H(U)", "parse.syntax"),           # two parameters
    ("H(U;p;p)", "parse.syntax"),
    ("H(U;2)", "shape.inconsistent"),   # a vector parameter takes a vector of its length
    ("H", "parse.syntax"),
])
def test_a_defined_function_is_applied_to_its_arguments(latex, code):
    with pytest.raises(AnswerError) as e:
        parse_answer(latex, declare(K_CTX))
    assert e.value.code == code, latex


@pytest.mark.parametrize("change, key", [
    ({"kind": "scalar", "params": ["p"]}, "params"),
    ({"kind": "function", "params": ["p"], "latex": ["G"]}, "define"),
    ({"kind": "function", "params": ["p", "p"], "define": "p"}, "params"),
    ({"kind": "function", "params": ["a"], "define": "a + b"}, "define"),   # b: not a parameter
    ({"kind": "function", "params": ["a"], "define": "a", "torch": "exp"}, "torch"),
])
def test_a_defined_function_is_checked_when_declared(change, key):
    with pytest.raises(DeclarationError) as e:
        declare({**K_CTX, "G": change})
    assert e.value.key == key


# --- verdicts on the bank's questions --------------------------------------------------

VERDICTS = [
    # 1. the cross entropy the stem defines, by its name
    ("ucb-cs182-sp22/3", "H(U;p)", "equivalent", None),
    ("ucb-cs182-sp22/3", "H(U; p)", "equivalent", None),
    ("ucb-cs182-sp22/3", r"\mathcal{L} = H(U;p)", "equivalent", None),
    ("ucb-cs182-sp22/3", r"H(U;p) = -\sum_{i=1}^{K} \frac{1}{K} \log p_i", "equivalent", None),
    ("ucb-cs182-sp22/3", "H(p;U)", "not_equivalent", "misconception.match"),
    ("ucb-cs182-sp22/3", "H(p;p)", "not_equivalent", "misconception.match"),
    ("ucb-cs182-sp22/3", r"H(p;U) = -\frac{1}{K}\sum_i \log p_i", "not_equivalent",
     "chain.false_link"),
    # 2. derivatives at an argument list of a declared form
    ("tum-in2346-ss22/8.7",
     r"w_{k+1} = w_k - \frac{\partial_w f(x,w_k)}{\partial_w^2 f(x,w_k)}", "equivalent", None),
    ("tum-in2346-ss22/8.7",
     r"w_{k+1} = w_k - \frac{\partial_w f(x,w)}{\partial^2_w f(x,w)}", "equivalent", None),
    ("tum-in2346-ss22/8.7", r"w_{k+1} = w_k - \frac{f'(x,w_k)}{f''(x,w_k)}", "equivalent", None),
    ("tum-in2346-ss22/8.7", r"w_{k+1} = w_k - \frac{f_w(x, w_k)}{f_{ww}(x, w_k)}",
     "equivalent", None),
    ("tum-in2346-ss22/8.7", r"w_{k+1} = w_k - \frac{f_{ww}(x, w_k)}{f_w(x, w_k)}",
     "not_equivalent", None),
    ("tum-in2346-ss22/8.7", r"w_{k+1} = w_k - \frac{f_x(x, w_k)}{f_{ww}(x, w_k)}",
     "not_equivalent", "symbol.foreign"),
    ("tum-in2346-ss22/8.7", r"w_{k+1} = w_k - \frac{f'(x,w_{k+1})}{f''(x,w_k)}",
     "not_equivalent", "symbol.foreign"),
    ("tum-in2346-ss22/8.7", r"w_{k+1} = w_k - \frac{f'(w_k, x)}{f''(w_k, x)}",
     "not_equivalent", "symbol.foreign"),
    # 3. a diagonal matrix given by its entries
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ Z_{ii} = \begin{cases} 1 & "
     r"(\mathbf{A}\mathbf{x})_i > 0 \\ 0 & (\mathbf{A}\mathbf{x})_i \le 0 \end{cases},\ "
     r"Z_{ij} = 0 \ (i \ne j)", "equivalent", None),
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top\mathbf{M}\mathbf{w} \text{ where } M_{ii} = "
     r"\mathbb{1}[(\mathbf{A}\mathbf{x})_i>0], M_{ij} = 0 \text{ otherwise}", "equivalent", None),
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top\mathbf{M}\mathbf{w},\ M_{ii} = "
     r"\mathbb{1}[(\mathbf{A}\mathbf{x})_i<0],\ M_{ij} = 0 \text{ for } i \ne j",
     "not_equivalent", "misconception.match"),
    # the diagonal entries alone: a diagonal matrix, by convention (changed for the second
    # held-out corpus; an off-diagonal part that is not 0 is in tests/test_heldout2_families.py)
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top\mathbf{M}\mathbf{w},\ M_{ii} = "
     r"\mathbb{1}[(\mathbf{A}\mathbf{x})_i>0]", "equivalent", None),
    # 4. a heading, a colon, then the parts
    ("stanford-cs230-sp21/5.ii", r"\frac{1}{n}\left(\mathbb{1}[\text{real}] - D\right):\ "
     r"\frac{1}{n}(1-D(X^i)),\ -\frac{1}{n}D(G(Z^i))", "equivalent", None),
    ("stanford-cs230-sp21/5.ii", r"\frac{1}{n}\left(\mathbb{1}[\text{real}] - D\right):\ "
     r"\frac{1}{n}(1-D(X^i)),\ \frac{1}{n}D(G(Z^i))", "not_equivalent", "misconception.match"),
    # a heading in the question's own quantities is a statement about every part: false here
    ("stanford-cs230-sp21/5.ii", r"\frac{1}{n}(1 - D(X^i)):\ \frac{1}{n}(1-D(X^i)),\ "
     r"-\frac{1}{n}D(G(Z^i))", "not_equivalent", "chain.false_link"),
    ("stanford-cs230-sp21/5.ii", r"\text{real}: \frac{1}{n}(1-D(X^i)),\ \text{generated}: "
     r"-\frac{1}{n}D(G(Z^i))", "equivalent", None),
    # 5. a value written in the asked quantity: readable, and wrong
    ("stanford-cs230-sp21/4.ii",
     r"\operatorname{sign}(w_i)\max(|w_i|-\frac{\alpha}{H_{i,i}},0)", "not_equivalent",
     "symbol.asked_in_value"),
    # 6. an undefined TeX command stays unreadable
    ("stanford-cs230-sp21/4.i", r"\nabla_{w} J + \alphaw", "invalid", "parse.unknown_command"),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_verdicts(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status == Status(status), (latex, v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, (latex, v.message)


def test_a_boxed_name_in_a_response_is_read():
    v = derive.check("ucb-cs182-sp22/3", response=r"The loss averages $-\log p_i$ over the "
                     r"classes with weight $1/K$, so it is $\boxed{H(U;p)}$.")
    assert v.status == Status.EQUIVALENT, v.message


def test_an_undefined_command_says_what_was_probably_meant():
    v = derive.check("stanford-cs230-sp21/4.i", r"\nabla_{w} J + \alphaw")
    assert r"'\alpha w'" in v.message and v.position == 15
