"""Tests for derive.publish.typst: SymPy -> Typst math printing.

Every expected string is also compiled with the ``typst`` wheel, so the
table doubles as a check that the printer emits valid Typst.
"""
import re

import pytest
from sympy import (Abs, And, Derivative, E, Eq, Float, Function, Ge, Gt,
                   Heaviside, I, Idx, ImmutableMatrix, IndexedBase, Integer,
                   Integral, KroneckerDelta, Lambda, Le, Lt, Matrix, Max, Min,
                   Mul, Ne, Not, Or, Piecewise, S, Pow, Product, Rational, Sum, Symbol,
                   Tuple, cos, exp, gamma, latex, log, oo, pi, root, sign, sin,
                   sqrt, symbols, tanh, zoo)
from sympy.matrices.expressions import (Adjoint, Determinant, DiagMatrix,
                                        DiagonalMatrix, HadamardProduct,
                                        Identity, Inverse, KroneckerProduct,
                                        MatMul, MatPow, MatrixSymbol, OneMatrix,
                                        Trace, Transpose, ZeroMatrix)

from sympy.core.sympify import SympifyError

from derive.publish.typst import TypstPrinter, typst_math

typst = pytest.importorskip("typst")

a, b, c, d, g, x, y, z, n, i, j, k, C, H, N = symbols("a b c d g x y z n i j k C H N")
Delta, alpha, lam = symbols("Delta alpha lambda")
s_j, s_y, w_s, D_C = symbols("s_j s_y w D_C")
xb, wb, sb, yb = (IndexedBase(name) for name in "xwsy")
X, W = MatrixSymbol("X", n, n), MatrixSymbol("W", n, n)
xv, yv = MatrixSymbol("x", n, 1), MatrixSymbol("y", n, 1)
m, p = symbols("m p")
X_mp, Y_m = MatrixSymbol("X", m, p), MatrixSymbol("Y", m, 1)
f, D, sigma = Function("f"), Function("D"), Function("sigma")
SUM_X = Sum(xb[i], (i, 1, n))

CASES = [
    # numbers and arithmetic
    (Integer(3), "3"),
    (Integer(-3), "-3"),
    (Rational(1, 2), "1/2"),
    (Rational(-3, 4), "-3/4"),
    (Float("0.98"), "0.98"),
    (Float("1e-8"), "1.0 dot 10^(-8)"),
    (a - b, "a - b"),
    (-x, "-x"),
    (Mul(-1, a + b, evaluate=False), "-(a + b)"),
    (-x * (a + b), "-x (a + b)"),
    (x**2 + 2 * x + 1, "x^2 + 2 x + 1"),
    (x * y * z, "x y z"),
    (Mul(2, 3, evaluate=False), "2 dot 3"),
    (x / 2, "x/2"),
    (-x / 2, "-x/2"),
    (n * x / SUM_X, "(n x)/(sum_(i=1)^n x_i)"),
    ((a + b) / (c + d), "(a + b)/(c + d)"),
    (a / (b * c), "a/(b c)"),
    # powers, roots, exp
    ((a + b) ** 2, "(a + b)^2"),
    (x**-1, "1/x"),
    (1 / (x + 1) ** 2, "1/(x + 1)^2"),
    (x**n, "x^n"),
    (x ** (n + 1), "x^(n + 1)"),
    (x**-n, "x^(-n)"),
    ((x**2) ** y, "(x^2)^y"),
    (x ** Rational(2, 3), "x^(2/3)"),
    (x ** Rational(-3, 2), "1/x^(3/2)"),
    (Pow(-2, x), "(-2)^x"),
    (sqrt(x), "sqrt(x)"),
    (1 / sqrt(x), "1/sqrt(x)"),
    (root(x, 3), "root(3, x)"),
    (exp(x), "e^x"),
    (exp(-x), "e^(-x)"),
    (y * exp(x), "y e^x"),
    # functions
    (log(x + 1), "log(x + 1)"),
    (sin(x) ** 2, "sin(x)^2"),
    (cos(x), "cos(x)"),
    (tanh(x), "tanh(x)"),
    (sign(x), 'op("sign")(x)'),
    (Abs(x), "abs(x)"),
    (Max(a, b), "max(a, b)"),
    (Min(a, 0), "min(a, 0)"),
    (sigma(z), "sigma(z)"),
    (sigma(z) * (1 - sigma(z)), "(1 - sigma(z)) sigma(z)"),
    (D(xb[i]), "D(x_i)"),
    (f(x, y), "f(x, y)"),
    (Function("f_a")(x), "f_a (x)"),
    (Function("relu")(x), '"relu"(x)'),
    (KroneckerDelta(i, j), "delta_(i j)"),
    (Heaviside(x), "bb(1)[x > 0]"),
    (Heaviside(x, 1), "bb(1)[x >= 0]"),
    (Piecewise((1, x > 0), (0, True)), "bb(1)[x > 0]"),
    (Derivative(Symbol("L"), Symbol("y_i")), "(partial L)/(partial y_i)"),
    (Derivative(f(x), x), "(partial f(x))/(partial x)"),
    (Derivative(x * y, x, 2, y), "partial^3/(partial x^2 partial y) (x y)"),
    # piecewise, logic, relations
    (Piecewise((x, x > 0), (0, True)), 'cases(x & "if" x > 0, 0 & "otherwise")'),
    (Piecewise((1, And(x > 0, y < 1)), (2, Or(x < 0, y > 1)), (0, True)),
     'cases(1 & "if" x > 0 and y < 1, 2 & "if" y > 1 or x < 0, 0 & "otherwise")'),
    (Eq(a, b), "a = b"),
    (Ne(a, b), "a != b"),
    (Lt(a, b), "a < b"),
    (Le(a, b), "a <= b"),
    (Gt(a, b), "a > b"),
    (Ge(a, b), "a >= b"),
    (Not(x > 0), "x <= 0"),  # SymPy evaluates Not of a relation
    (Not(Symbol("p")), "not p"),
    (Not(And(Symbol("p"), Symbol("q"))), "not (p and q)"),
    (S.true, '"true"'),
    # sums, products, indexed
    (SUM_X, "sum_(i=1)^n x_i"),
    (Sum(Symbol("x_i"), (i, 1, N)), "sum_(i=1)^N x_i"),
    (Sum(xb[i] ** 2 + 1, (i, 1, n)), "sum_(i=1)^n (x_i^2 + 1)"),
    (Sum(xb[i] * yb[j], (i, 1, n), (j, 1, k)), "sum_(j=1)^k sum_(i=1)^n x_i y_j"),
    (Sum(xb[Idx("i")], (Idx("i"), 0, n - 1)), "sum_(i=0)^(n - 1) x_i"),
    (Product(xb[i], (i, 1, n)), "product_(i=1)^n x_i"),
    (xb[i], "x_i"),
    (wb[1, 1], "w_(1, 1)"),
    (sb[yb[i]], "s_(y_i)"),
    # symbol names
    (Symbol("w_11"), "w_(11)"),
    (Symbol("alpha_0"), "alpha_0"),
    (Symbol("theta_k1"), "theta_(k 1)"),
    (Symbol("dout") * x, '"dout" x'),
    (Symbol("x_train"), 'x_"train"'),
    (Symbol("Delta") + Symbol("delta"), "Delta + delta"),
    (Symbol("W") + Symbol("w"), "W + w"),
    (Symbol("lamda"), "lambda"),
    (Symbol("x2"), "x_2"),
    # constants and containers
    (pi, "pi"), (E, "e"), (oo, "infinity"), (-oo, "-infinity"), (zoo, "tilde(infinity)"),
    (I, "i"), (2 * I, "2 i"),
    (Tuple(126, 126, 64), "(126, 126, 64)"),
    (Matrix([[a, b], [c, d]]), "mat(a, b; c, d)"),
    (ImmutableMatrix([1, 2, 3]), "mat(1; 2; 3)"),
    # matrix expressions
    (xv, "bold(x)"),
    (W * xv - yv, "bold(W) bold(x) - bold(y)"),
    (-W * xv, "-bold(W) bold(x)"),
    (x * W, "x bold(W)"),
    (MatPow(W, 2), "bold(W)^2"),
    (xv.T, "bold(x)^top"),
    (MatPow(Transpose(xv), 2), "(bold(x)^top)^2"),
    (Transpose(W * xv - yv), "(bold(W) bold(x) - bold(y))^top"),
    (Inverse(X), "bold(X)^(-1)"),
    (Inverse(X.T * X), "(bold(X)^top bold(X))^(-1)"),
    (Identity(n), "bold(I)_n"),
    (OneMatrix(n, 1), "bold(1)_n"),
    (OneMatrix(1, n), "bold(1)_n^top"),
    (OneMatrix(n, n), "bold(1)_(n times n)"),
    (ZeroMatrix(n, n), "bold(0)"),
    (HadamardProduct(W, X), "bold(W) dot.o bold(X)"),
    (HadamardProduct(W + X, X), "(bold(W) + bold(X)) dot.o bold(X)"),
    (DiagMatrix(xv), 'op("diag")(bold(x))'),
    (DiagonalMatrix(X), 'op("diag")(bold(X))'),
    (MatMul(2, W * xv - yv, xv.T), "2(bold(W) bold(x) - bold(y)) bold(x)^top"),
    (SUM_X * Identity(n), "bold(I)_n sum_(i=1)^n x_i"),
    (2 * SUM_X * Identity(n), "2 bold(I)_n sum_(i=1)^n x_i"),
    ((x + 1) * W, "(x + 1) bold(W)"),
    (-(x + 1) * W, "-(x + 1) bold(W)"),
    (b * Piecewise((1, Eq(k, y)), (0, True)), "b bb(1)[k = y]"),
    (Piecewise((1, x > 0), (2, True)) * W, '(cases(1 & "if" x > 0, 2 & "otherwise")) bold(W)'),
    (Adjoint(W), "bold(W)^dagger"),
    (KroneckerProduct(W, X), "bold(W) times.o bold(X)"),
    (Trace(W), 'op("tr")(bold(W))'),
    (Determinant(W), "det(bold(W))"),
    (MatrixSymbol("dW", n, n), 'bold("dW")'),
    (MatrixSymbol("W_1", n, n), "bold(W)_1"),
    (xv.applyfunc(sign), 'op("sign")(bold(x))'),
    (xv.applyfunc(lambda t: t**2 + 1), "bold(x)^2 + 1"),
    # entries of vectors and matrices are scalars: not bold, 1-based indices
    (xv[i - 1, 0], "x_i"),
    (xv[0, 0], "x_1"),
    (W[i - 1, j - 1], "W_(i j)"),
    (W[0, 1], "W_(1, 2)"),
    (MatrixSymbol("r", 1, n)[0, j - 1], "r_j"),
    (Sum(xv[i - 1, 0], (i, 1, n)), "sum_(i=1)^n x_i"),
]

BANK = [
    (n / SUM_X**2 * (Identity(n) * SUM_X - xv * OneMatrix(n, 1).T),
     "n/(sum_(i=1)^n x_i)^2 (bold(I)_n sum_(i=1)^n x_i - bold(x) bold(1)_n^top)"),
    (sqrt(2 - 2 * D_C), "sqrt(2 - 2 D_C)"),
    (Piecewise((2 * a * Max(s_j - s_y + Delta, 0), s_j <= s_y), (b, True)),
     'cases(2 a max(Delta + s_j - s_y, 0) & "if" s_j <= s_y, b & "otherwise")'),
    (Eq(b, 2 * a * Delta), "b = 2 Delta a"),
    (sign(w_s) * Max(Abs(w_s) - alpha / H, 0), 'op("sign")(w) max(abs(w) - alpha/H, 0)'),
    (2 * (W * xv - yv) * xv.T, "(2 bold(W) bold(x) - 2 bold(y)) bold(x)^top"),
    (Tuple(126, 126, 64), "(126, 126, 64)"),
    (log(1 + Sum(exp(s_j - s_y), (j, 1, C))), "log(sum_(j=1)^C e^(s_j - s_y) + 1)"),
    (Float("0.98") * Symbol("w_i"), "0.98 w_i"),
    (Symbol("alpha_0") * (1 + cos(pi * i / N)) / 2, "(alpha_0 (cos((pi i)/N) + 1))/2"),
    (Eq(Symbol("theta_k1"), (1 - alpha * lam) * Symbol("theta_k") - alpha * g),
     "theta_(k 1) = -alpha g + theta_k (-alpha lambda + 1)"),
    # design matrix X is m x p (for a square X SymPy would cancel X^T)
    (Inverse(X_mp.T * X_mp) * X_mp.T * Y_m, "(bold(X)^top bold(X))^(-1) bold(X)^top bold(Y)"),
]

ALL = CASES + BANK
HINGE_RATIO = BANK[0][0]   # n/(sum x_i)^2 (I_n sum x_i - x 1_n^T)
COSINE_LR = BANK[9][0]     # alpha_0 (1 + cos(pi i/N))/2


@pytest.mark.parametrize("expr, expected", ALL, ids=[str(e) for e, _ in ALL])
def test_print(expr, expected):
    got = typst_math(expr)
    assert got == expected, f"typst_math({expr!r}) = {got!r}, expected {expected!r}"


def test_bank_scalar_matrix_structure():
    e = HINGE_RATIO
    assert type(e).__name__ == "MatMul"
    assert any(type(arg).__name__ == "MatAdd" for arg in e.args)


def test_names_mapping():
    names = {Symbol("alpha_0"): "alpha_0", xv: "arrow(x)", "dout": 'upright("dout")',
             IndexedBase("w"): "omega", sigma: "phi"}
    assert typst_math(Symbol("alpha_0") * Symbol("dout"), names=names) == 'alpha_0 upright("dout")'
    assert typst_math(W * xv, names=names) == "bold(W) arrow(x)"
    assert typst_math(wb[i] + sigma(z), names=names) == "phi(z) + omega_i"
    assert typst_math(Function("relu")(x), names={"relu": 'op("ReLU")'}) == 'op("ReLU")(x)'


@pytest.mark.parametrize("expr", [Integral(x, x), gamma(x), Lambda(x, x**2)])
def test_unsupported_raises(expr):
    with pytest.raises(NotImplementedError, match=type(expr).__name__):
        typst_math(expr)


def test_printer_class_and_python_numbers():
    assert TypstPrinter().doprint(x**2) == "x^2"
    assert typst_math(3) == "3"
    assert typst_math(0.5) == "0.5"
    with pytest.raises(SympifyError):
        typst_math("x + 1")  # strings are not parsed


@pytest.mark.parametrize("expr", [n * x / SUM_X, 1 / (x + 1) ** 2, HINGE_RATIO, COSINE_LR,
                                  Rational(1, 2) * x, Product(xb[i], (i, 1, n))])
def test_same_structure_as_latex(expr):
    tex, typ = latex(expr), typst_math(expr)
    assert tex.count(r"\frac") == len(re.findall(r"/", typ)), (tex, typ)
    assert tex.count(r"\sum") == typ.count("sum_"), (tex, typ)
    assert tex.count(r"\prod") == typ.count("product_"), (tex, typ)


def _document(lines):
    return "#set page(width: auto, height: auto)\n" + "\n".join(f"$ {s} $\n" for s in lines)


def _compile(lines):
    return typst.compile(_document(lines).encode(), format="pdf")


def test_all_outputs_compile(tmp_path):
    lines = [typst_math(e) for e, _ in ALL]
    source = tmp_path / "all.typ"
    source.write_text(_document(lines), encoding="utf-8")
    try:
        pdf = typst.compile(str(source), format="pdf")
    except Exception:
        bad = []
        for line in lines:
            try:
                _compile([line])
            except Exception as err:  # noqa: BLE001 - report every failure
                bad.append(f"{line!r}: {str(err).splitlines()[0]}")
        pytest.fail("Typst rejected:\n" + "\n".join(bad))
    assert pdf.startswith(b"%PDF")
