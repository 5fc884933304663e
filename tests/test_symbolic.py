"""The symbolic prover's cheap steps: kinks made opaque, explicit matrix instantiation.

Each cheap step must be sound (prove only what is true) and must leave what it cannot
settle to ``simplify``; these tests pin both sides."""
from __future__ import annotations

import sympy as sp

from derive.bank.loader import load_bank
from derive.judge import symbolic as S
from derive.judge.check import _read, reference
from derive.notation.answer import one_part
from derive.notation.parser import parse_answer

u, v, c = sp.symbols("u v c", real=True)


def ind(cond):
    return sp.Piecewise((1, cond), (0, True))


def test_spellings_of_one_indicator_cancel_without_simplify():
    spellings = [sp.Max(0, sp.sign(u + v)), sp.sign(sp.Max(0, u + v)), sp.Heaviside(u + v, 0),
                 ind(u + v > 0), ind(0 < u + v), ind(-u < v)]
    for a in spellings:
        for b in spellings:
            assert S._zero_with_kinks_opaque(c * a - c * b), (a, b)
    # a coefficient folded into the piece is the same indicator times it
    assert S._zero_with_kinks_opaque(sp.Piecewise((c * u, v > 0), (0, True)) - c * u * ind(v > 0))


def test_different_kinks_are_never_proved_equal():
    # > and >= differ where u + v = 0; H(0) = 1/2 is not the indicator; |u| is not u sign(u)
    # as far as this step can tell (simplify decides that one)
    assert not S._zero_with_kinks_opaque(ind(u + v > 0) - ind(u + v >= 0))
    assert not S._zero_with_kinks_opaque(sp.Heaviside(u) - ind(u > 0))
    assert not S._zero_with_kinks_opaque(ind(u > 0) - ind(v > 0))
    assert not S._zero_with_kinks_opaque(ind(u > 0) - 1)


def test_a_kink_of_a_summation_index_is_not_made_opaque():
    i, n = sp.symbols("i n", integer=True, positive=True)
    x = sp.IndexedBase("x")
    inside = sp.Sum(ind(x[i] > 0), (i, 1, n))
    # as one opaque value, Sum(k, (i, 1, n)) - Sum(k, (i, 1, n)) would be 0 for any kink;
    # here the two sums differ (x_i > 0 against x_i >= 0) and must not be proved equal
    assert not S._zero_with_kinks_opaque(inside - sp.Sum(ind(x[i] >= 0), (i, 1, n)))


def test_relu_gradient_spellings_are_proved_and_a_wrong_one_is_not():
    q = load_bank().question("ucb-cs182-sp22/2")
    ref = reference(q)

    def proof(latex):
        value = _read(one_part(parse_answer(latex, q.context)), q).values[-1]
        return S.prove_equal(value, ref, q.context)

    for latex in (r"\mathbf{A}^\top\left(\mathbf{w}\odot \mathbb{1}[\mathbf{A}\mathbf{x} > 0]\right)",
                  r"\mathbf{A}^\top\operatorname{diag}\left(\mathbb{1}[\mathbf{A}\mathbf{x} > 0]\right)\mathbf{w}"):
        p = proof(latex)
        assert p.result is True, (latex, p)
    # the wrong gate: the cheap step does not settle it (simplify, under the worker's time
    # limit in a check, is left with it); in-process here, so only the cheap step is run
    wrong = _read(one_part(parse_answer(
        r"\mathbf{A}^\top\left(\mathbf{w}\odot \mathbb{1}[\mathbf{A}\mathbf{x} < 0]\right)",
        q.context)), q).values[-1]
    dims = {s.name: 2 for s in q.context.specs if s.kind == "dim"}
    diff = sp.Matrix(S.instantiate(wrong, q.context, dims)) - sp.Matrix(
        S.instantiate(ref, q.context, dims))
    assert not all(S._zero_with_kinks_opaque(x) for x in diff)


def test_explicit_instantiation_matches_sympys_own():
    A = sp.ImmutableMatrix(2, 3, sp.symbols("a:6"))
    x = sp.ImmutableMatrix(3, 1, sp.symbols("x:3"))
    w = sp.ImmutableMatrix(2, 1, sp.symbols("w:2"))
    f = sp.Lambda(u, ind(u > 0))
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    e = sp.MatMul(sp.Transpose(A), sp.HadamardProduct(
        ElementwiseApplyFunction(f, sp.MatMul(A, x)), w), evaluate=False)
    fast = S._explicit_matrices(e)
    assert isinstance(fast, sp.MatrixBase)
    slow = e.as_explicit()
    assert (sp.Matrix(fast) - sp.Matrix(slow)).applyfunc(sp.simplify) == sp.zeros(3, 1)
