"""Unit tests of derive.testing (strategies, assertions, reports) and the pytest plugin."""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import derive
from derive.testing import (Agreement, InvalidArgument, Mismatch, Undecided, assert_equivalent,
                            assert_matches_autograd, bank_definition, declare, dims, points,
                            sympy_symbols, tensors)

pytest_plugins = ["pytester"]

FAST = settings(max_examples=25, deadline=None, database=None)

# f(x) = n x / sum(x): the Jacobian of ucb-cs182-sp22/1, written three ways
JAC = r"\frac{n}{(\sum_i x_i)^2}\left(I_n \sum_i x_i - x 1_n^T\right)"
JAC_TRANSPOSED = r"\frac{n}{(\sum_i x_i)^2}\left(I_n \sum_i x_i - 1_n x^T\right)"
X_OF_N = {"x": {"kind": "vector", "shape": ["n"]}, "n": {"kind": "dim", "range": [2, 6]}}


def mean_normalise(x, n):
    return n * x / x.sum()


def jacobian(**kw):
    defaults = dict(wrt="x", kind="jacobian", symbols=X_OF_N, avoid_zero=[r"\sum_i x_i"],
                    max_examples=25)
    return assert_matches_autograd(JAC if "closed_form" not in kw else kw.pop("closed_form"),
                                   mean_normalise, **{**defaults, **kw})


# --- strategies ------------------------------------------------------------------------

@FAST
@given(dims(3, 5))
def test_dims_in_range(n):
    assert isinstance(n, int) and 3 <= n <= 5


DOMAIN_CHECKS = [  # (domain, bounds, predicate on every entry)
    ("real", None, lambda v: -4 <= v <= 4),
    ("positive", None, lambda v: v > 0),
    ("nonnegative", None, lambda v: v >= 0),
    ("negative", None, lambda v: v < 0),
    ("nonzero", None, lambda v: v != 0),
    ("probability", None, lambda v: 0 < v < 1),
    ("interval", (-1.0, 1.0), lambda v: -1 < v < 1),
    ("interval", (2.0, 3.0), lambda v: 2 < v < 3),
    ("integer", (-3, 3), lambda v: v == int(v) and -3 <= v <= 3),
]


@pytest.mark.parametrize("domain, bounds, ok", DOMAIN_CHECKS,
                         ids=[f"{d}{b or ''}" for d, b, _ in DOMAIN_CHECKS])
def test_tensors_respect_shape_and_domain(domain, bounds, ok):
    @FAST
    @given(tensors((3, 2), domain, bounds=bounds))
    def check(t):
        assert t.shape == (3, 2) and t.dtype == torch.float64 and t.device.type == "cpu"
        bad = [v for v in t.reshape(-1).tolist() if not ok(v)]
        assert not bad, f"{domain}: entries {bad} outside the domain"
    check()


@FAST
@given(tensors((4, 3), "unit"))
def test_unit_columns_have_norm_one(t):
    assert torch.allclose(t.norm(dim=0), torch.ones(3, dtype=torch.float64))


@FAST
@given(tensors((5,), "real", away_from_kinks=0.1))
def test_away_from_kinks_keeps_entries_off_zero(t):
    assert bool((t.abs() >= 0.1).all())


@FAST
@given(tensors((2,), dtype=torch.float32))
def test_tensors_float32(t):
    assert t.dtype == torch.float32


@FAST
@given(tensors(st.tuples(dims(2, 3), dims(4, 5))))
def test_tensors_shape_strategy(t):
    assert 2 <= t.shape[0] <= 3 and 4 <= t.shape[1] <= 5


@FAST
@given(points({"W": {"kind": "matrix", "shape": ["m", "n"], "domain": "positive"},
               "x": {"kind": "vector", "shape": ["n"]}, "c": {"kind": "scalar"},
               "k": {"kind": "index", "range": "n"},
               "m": {"kind": "dim", "range": [2, 3]}, "n": {"kind": "dim", "range": [4, 5]}}))
def test_points_follow_declarations(p):
    m, n = p["m"], p["n"]
    assert 2 <= m <= 3 and 4 <= n <= 5
    assert p["W"].shape == (m, n) and bool((p["W"] > 0).all())
    assert p["x"].shape == (n,) and p["c"].shape == ()
    assert isinstance(p["k"], int) and 1 <= p["k"] <= n


@FAST
@given(points(derive.load_bank().question("ucb-cs182-sp22/9.gamma")))
def test_points_compute_derived_symbols(p):
    x, eps = p["x"], p["epsilon"]
    xhat = (x - x.mean()) / torch.sqrt(((x - x.mean()) ** 2).mean() + eps)
    assert p["xhat"].shape == (p["m"],)
    assert torch.allclose(p["xhat"], xhat)


@FAST
@given(points(shapes={"A": ("k", 3)}, domains={"A": "negative"}))
def test_points_shorthand(p):
    assert p["A"].shape == (p["k"], 3) and bool((p["A"] < 0).all())


STRATEGY_ERRORS = [
    (lambda: dims(0, 3), "dims"),
    (lambda: dims(4, 2), "dims"),
    (lambda: tensors((2,), "complex"), "unknown domain 'complex'"),
    (lambda: tensors((2,), dtype=torch.int64), "dtype"),
    (lambda: tensors((2,), away_from_kinks=-1.0), "away_from_kinks"),
    (lambda: declare({"x": {"shape": ["n"]}}), "'kind'"),
    (lambda: declare({"x": {"kind": "vector", "shape": ["n"], "colour": "red"}}), "colour"),
    (lambda: declare(shapes={"T": ("a", "b", "c")}), "at most two"),
    (lambda: declare(shapes={"x": ("n",)}, domains={"y": "positive"}), "'y'"),
]


@pytest.mark.parametrize("make, message", STRATEGY_ERRORS)
def test_bad_arguments_raise_invalid_argument(make, message):
    with pytest.raises(InvalidArgument, match=message):
        make()


# --- assert_matches_autograd -----------------------------------------------------------

def test_correct_closed_form_passes():
    result = jacobian()
    assert isinstance(result, Agreement) and result.method == "numeric"
    assert result.examples >= 10 and result.max_abs_error < 1e-10


def test_transposed_jacobian_fails_naming_the_point():
    with pytest.raises(AssertionError) as info:
        jacobian(closed_form=JAC_TRANSPOSED)
    msg = str(info.value)
    assert "does not match torch autograd (jacobian in x)" in msg
    assert "smallest failing case found" in msg
    assert "dims:     n = 2" in msg                 # shrunk to the smallest dimension
    assert "point:    x = [" in msg
    assert "expected:" in msg and "got:" in msg and "max abs error:" in msg
    # the reported point really is a counterexample
    point = ast.literal_eval(msg.split("point:    x = ")[1].splitlines()[0])
    x = torch.tensor(point, dtype=torch.float64)
    n = len(point)
    S = x.sum()
    transposed = n / S ** 2 * (torch.eye(n) * S - torch.ones(n)[:, None] * x[None, :])
    assert not torch.allclose(transposed, torch.func.jacrev(lambda t: mean_normalise(t, n))(x))


_S = sympy_symbols(X_OF_N)
_x, _n = _S["x"], _S["n"]
_sum = _x.T * sp.OneMatrix(_n, 1)            # 1x1: sum_i x_i
CLOSED_FORMS = [  # (how it is written, closed form, agrees with autograd)
    ("latex", JAC, True),
    ("latex, labelled with where", r"\frac{n}{S^2}(S I_n - x 1_n^T) \text{ where } S = \sum_i x_i",
     True),
    ("sympy", _n / _sum[0, 0] ** 2 * (sp.Identity(_n) * _sum[0, 0] - _x * sp.OneMatrix(1, _n)),
     True),
    ("sympy, plain symbols", sp.Symbol("n") / sp.Symbol("n") * sp.Symbol("n")
     / _sum[0, 0] ** 2 * (sp.Identity(sp.Symbol("n")) * _sum[0, 0]
                          - sp.MatrixSymbol("x", sp.Symbol("n"), 1) * sp.OneMatrix(1, _n)), True),
    ("callable", lambda x, n: n / x.sum() ** 2 * (torch.eye(n, dtype=x.dtype) * x.sum()
                                                  - torch.outer(x, torch.ones_like(x))), True),
    ("latex, transposed", JAC_TRANSPOSED, False),
    ("sympy, transposed", _n / _sum[0, 0] ** 2 * (sp.Identity(_n) * _sum[0, 0]
                                                  - sp.OneMatrix(_n, 1) * _x.T), False),
    ("callable, transposed", lambda x, n: n / x.sum() ** 2 * (
        torch.eye(n, dtype=x.dtype) * x.sum() - torch.outer(torch.ones_like(x), x)), False),
]


@pytest.mark.parametrize("how, closed_form, right", CLOSED_FORMS,
                         ids=[c[0] for c in CLOSED_FORMS])
def test_latex_sympy_and_callable_closed_forms(how, closed_form, right):
    if right:
        jacobian(closed_form=closed_form)
    else:
        with pytest.raises(AssertionError, match="point:    x = "):
            jacobian(closed_form=closed_form)


LSQ = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}


def lsq(W, x, y):
    return ((W @ x - y) ** 2).sum()


KINDS = [  # (closed form, definition, wrt, kind, shapes, right)
    (r"2 W^T (W x - y)", lsq, "x", "gradient", LSQ, True),
    (r"2 (W x - y) x^T", lsq, "W", "gradient", LSQ, True),
    (r"2 (W x - y)^T W", lsq, "x", "gradient", LSQ, False),     # a row: wrong shape
    (r"2 x (W x - y)^T", lsq, "W", "gradient", LSQ, False),     # transposed: wrong shape
    (r"2 W^T W", lsq, "x", "hessian", LSQ, True),
    (r"A + A^T", r"x^T A x", "x", "hessian", {"A": ("n", "n"), "x": ("n",)}, True),
    (r"2 A", r"x^T A x", "x", "hessian", {"A": ("n", "n"), "x": ("n",)}, False),
    (r"W", lambda W, x: W @ x, "x", "jacobian", {"W": ("m", "n"), "x": ("n",)}, True),
    (r"W^T", lambda W, x: W @ x, "x", "jacobian", {"W": ("m", "n"), "x": ("n",)}, False),
    (r"2 c x^T", lambda c, x: c * (x ** 2).sum(), "x", "jacobian", {"c": (), "x": ("n",)},
     True),                                                     # scalar f: a row, 1 x n
    (r"\cos(t)", lambda t: torch.sin(t), "t", "gradient", {"t": ()}, True),
    (r"\sum_i x_i^2", lambda x: (x ** 2).sum(), "x", "value", {"x": ("n",)}, True),
]


@pytest.mark.parametrize("closed_form, definition, wrt, kind, shapes, right", KINDS,
                         ids=[f"{k[3]}:{k[0]}" for k in KINDS])
def test_kinds(closed_form, definition, wrt, kind, shapes, right):
    call = lambda: assert_matches_autograd(closed_form, definition, wrt=wrt, kind=kind,
                                           shapes=shapes, max_examples=15)
    if right:
        call()
    else:
        with pytest.raises(AssertionError, match="smallest failing case"):
            call()


def test_a_failing_assert_in_the_definition_is_not_a_mismatch():
    def definition(x):
        assert False, "the definition's own assert"
    with pytest.raises(AssertionError, match="the definition's own assert") as info:
        assert_matches_autograd("x", definition, wrt="x", shapes={"x": ()}, kind="value",
                                max_examples=3)
    assert not isinstance(info.value, Mismatch)


def test_mismatch_is_an_assertion_error():
    with pytest.raises(Mismatch):
        jacobian(closed_form=JAC_TRANSPOSED)


def test_wrong_shape_names_the_shapes():
    with pytest.raises(AssertionError) as info:
        assert_matches_autograd(r"2 (W x - y)^T W", lsq, wrt="x", shapes=LSQ)
    assert "wrong shape: the closed form is 1 x n, torch autograd (gradient in x) is n x 1" \
        in str(info.value)


def test_piecewise_closed_form_avoids_kinks():
    huber = {"s": {"kind": "scalar"}, "a": {"kind": "scalar", "domain": "positive"}}
    r = assert_matches_autograd(r"\begin{cases} 2a s & s > 0 \\ 0 & \text{otherwise}\end{cases}",
                                lambda s, a: a * torch.clamp(s, min=0) ** 2, wrt="s",
                                symbols=huber, max_examples=30)
    assert r.examples > 0


def test_everything_rejected_is_undecided_not_a_pass():
    with pytest.raises(Undecided, match="no drawn example could be compared"):
        assert_matches_autograd("2 x", lambda x: x ** 2, wrt="x", shapes={"x": ()},
                                avoid_zero=["0"], max_examples=5)


def test_bank_definition_as_ground_truth():
    q = derive.load_bank().question("ucb-cs182-sp22/1")
    assert_matches_autograd(q.reference, bank_definition(q), wrt="x", kind="value", symbols=q,
                            max_examples=10)


ASSERT_ERRORS = [
    (dict(kind="divergence"), InvalidArgument, "kind='divergence'"),
    (dict(wrt="z"), InvalidArgument, "wrt='z'"),
    (dict(closed_form=r"\frac{n}{x"), InvalidArgument, "cannot be read"),
    (dict(closed_form=r"q x"), InvalidArgument, "cannot be read"),
    (dict(closed_form=sp.Symbol("q")), InvalidArgument, "undeclared symbols \\['q'\\]"),
    (dict(closed_form=42), InvalidArgument, "LaTeX, a SymPy expression or a callable"),
    (dict(kind="gradient", closed_form="x"), InvalidArgument, "needs a scalar definition"),
    (dict(max_examples=0), InvalidArgument, "max_examples"),
]


@pytest.mark.parametrize("override, error, message", ASSERT_ERRORS,
                         ids=[str(o) for o, _, _ in ASSERT_ERRORS])
def test_assert_matches_autograd_bad_arguments(override, error, message):
    with pytest.raises(error, match=message):
        jacobian(**override)


# --- assert_equivalent -------------------------------------------------------------------

def test_equivalent_by_proof():
    q = derive.load_bank().question("ucb-cs182-sp22/1")
    r = assert_equivalent(r"\frac{n}{\sum_i x_i}I_n - \frac{n x 1_n^T}{(\sum_i x_i)^2}",
                          q.reference, symbols=q)
    assert r.method.startswith("symbolic")


def test_equivalent_numerically():
    r = assert_equivalent(r"\max(s, 0)", r"\frac{s + |s|}{2}", shapes={"s": ()},
                          symbolic=False, max_examples=20)
    assert r.method == "numeric" and r.examples > 0


@pytest.mark.parametrize("a, b, shapes", [
    (r"\sqrt{2 + 2c}", r"\sqrt{2 - 2c}", {"c": ()}),
    (r"x 1_n^T", r"1_n x^T", {"x": ("n",)}),
])
def test_not_equivalent_gives_a_counterexample(a, b, shapes):
    domains = {"c": "probability"} if "c" in shapes else None
    with pytest.raises(AssertionError) as info:
        assert_equivalent(a, b, shapes=shapes, domains=domains, max_examples=20)
    msg = str(info.value)
    assert "point:" in msg and "expected:" in msg and "got:" in msg


def test_proved_different():
    with pytest.raises(AssertionError, match="symbolically"):
        assert_equivalent("x + 1", "x", shapes={"x": ()}, max_examples=10)


# --- import hygiene ------------------------------------------------------------------------

def test_import_derive_loads_neither_torch_nor_hypothesis():
    code = ("import sys, derive; bad = [m for m in ('torch', 'hypothesis') if m in sys.modules];"
            " print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


# --- the pytest plugin ------------------------------------------------------------------------

def test_device_fixture(derive_device):
    assert derive_device in ("cpu", "cuda")
    jacobian(device=derive_device, max_examples=5)


@pytest.mark.gpu
def test_gpu_marker_runs_only_with_cuda():
    assert torch.cuda.is_available()
    jacobian(device="cuda", max_examples=5)


PLUGIN_TESTS = '''
import sys
import pytest

def test_device(derive_device):
    assert derive_device in ("cpu", "cuda")

@pytest.mark.gpu
def test_needs_gpu():
    import torch
    assert torch.cuda.is_available()

def test_plain():
    pass
'''


def test_plugin_parametrises_and_skips(pytester):
    pytester.makepyfile(test_plugin=PLUGIN_TESTS)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    if torch.cuda.is_available():
        result.assert_outcomes(passed=4)
        result.stdout.fnmatch_lines(["*test_device?cuda?*PASSED*"])
    else:
        result.assert_outcomes(passed=2, skipped=1)
        result.stdout.fnmatch_lines(["*test_device?cpu?*PASSED*",
                                     "*test_needs_gpu SKIPPED (needs a CUDA device*"])


def test_plugin_device_option(pytester):
    pytester.makepyfile(test_plugin=PLUGIN_TESTS)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider", "--derive-device=cpu",
                                "-k", "device")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_device?cpu?*PASSED*"])
    if not torch.cuda.is_available():
        result = pytester.runpytest("-p", "no:cacheprovider", "--derive-device=cuda",
                                    "-k", "device")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*torch sees no CUDA device*"])


def test_plugin_does_not_import_torch_for_other_projects(pytester):
    pytester.makepyfile(test_other='''
import sys

def test_no_torch():
    assert "torch" not in sys.modules
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# --- one short call (issue 13) ------------------------------------------------------------

def test_one_call_form():
    """shapes as einops strings, dims free names, the kind read off the definition."""
    r = assert_matches_autograd(r"(A + A^T) x", lambda A, x: x @ A @ x, wrt="x",
                                shapes={"A": "n n", "x": "n"})
    assert r.method == "numeric" and r.examples >= 50 and r.outside_domain == 0


@pytest.mark.parametrize("shapes", [
    {"W": "m n", "x": "n", "y": "m"},
    {"W": ("m", "n"), "x": ("n",), "y": ("m",)},
    {"W": ["m", "n"], "x": "n", "y": ("m",)},
], ids=["einops", "tuples", "mixed"])
def test_shapes_as_strings_or_tuples(shapes):
    assert_matches_autograd(r"2 (W x - y) x^T", lsq, wrt="W", shapes=shapes)


def test_shape_strings_with_a_number_and_a_scalar():
    ctx = declare(shapes={"A": "n 3", "c": "", "x": ()})
    assert ctx.spec_of("A").shape == ("n", 3)
    assert ctx.spec_of("c").kind == "scalar" and ctx.spec_of("x").kind == "scalar"


INFERRED_KINDS = [  # (closed form, definition, wrt, shapes, the kind it is read as)
    (r"2 W^T (W x - y)", lsq, "x", LSQ, "gradient"),
    (r"W", lambda W, x: W @ x, "x", {"W": "m n", "x": "n"}, "jacobian"),
    (JAC, mean_normalise, "x", {"x": "n"}, "jacobian"),
    # an output of shape (1,) is a scalar: its gradient in W has W's shape
    (r"x^T", lambda W, x: W @ x, "W", {"W": "1 n", "x": "n"}, "gradient"),
]


@pytest.mark.parametrize("closed_form, definition, wrt, shapes, kind", INFERRED_KINDS,
                         ids=[k[4] + ":" + k[0][:20] for k in INFERRED_KINDS])
def test_kind_is_read_off_the_output(closed_form, definition, wrt, shapes, kind):
    assert_matches_autograd(closed_form, definition, wrt=wrt, shapes=shapes)
    assert_matches_autograd(closed_form, definition, wrt=wrt, shapes=shapes, kind=kind)


def test_inferred_jacobian_catches_the_transpose():
    with pytest.raises(Mismatch, match=r"jacobian in x"):
        assert_matches_autograd(r"W^T", lambda W, x: W @ x, wrt="x", shapes={"W": "n n",
                                                                               "x": "n"})


def test_explicit_gradient_of_a_vector_is_refused_with_advice():
    with pytest.raises(InvalidArgument, match="needs a scalar definition.*leave kind out"):
        assert_matches_autograd(r"x", lambda W, x: W @ x, wrt="x", kind="gradient",
                                shapes={"W": "m n", "x": "n"})


@pytest.mark.parametrize("param", ["lambda_", "lam"])
def test_lambda_needs_no_alias(param):
    definition = eval(f"lambda w, {param}: {param} * (w ** 2).sum() / 2")  # noqa: S307
    assert_matches_autograd(r"\lambda w", definition, wrt="w",
                            shapes={"w": "n", "lambda": ()})
    with pytest.raises(Mismatch):
        assert_matches_autograd(r"2 \lambda w", definition, wrt="w",
                                shapes={"w": "n", "lambda": ()})


def test_four_axes_refused_before_any_example():
    seen: list[str] = []

    def matrix_valued(A, X):
        seen.append(X.device.type)
        return A @ X

    with pytest.raises(InvalidArgument, match="4 axes.*callable closed form"):
        assert_matches_autograd(r"A", matrix_valued, wrt="X",
                                shapes={"A": "n n", "X": "n n"})
    assert seen == ["meta"]          # its shape was read on meta tensors: no values drawn

    def scalar(X):
        seen.append("called")
        return (X ** 2).sum()

    seen.clear()
    with pytest.raises(InvalidArgument, match="Hessian in a matrix variable has four axes"):
        assert_matches_autograd(r"2 I_n", scalar, wrt="X", kind="hessian",
                                shapes={"X": "n n"})
    assert seen == []                # refused from the declarations alone


def test_four_axes_with_a_callable_closed_form_is_compared_as_it_is():
    def closed(A, X, n):
        return torch.einsum("ik,lj->ijkl", A, torch.eye(n, dtype=X.dtype))
    assert_matches_autograd(closed, lambda A, X: A @ X, wrt="X",
                            shapes={"A": "n n", "X": "n n"})


NO_SHAPES = [
    dict(),
    dict(shapes={}),
    dict(shapes=None, symbols=None),
]


@pytest.mark.parametrize("kw", NO_SHAPES, ids=["nothing", "empty", "none"])
def test_without_shapes_the_error_says_pass_shapes(kw):
    with pytest.raises(InvalidArgument) as info:
        assert_matches_autograd(r"2 x", lambda x: (x ** 2).sum(), wrt="x", **kw)
    msg = str(info.value)
    assert "pass shapes=" in msg and "shapes={'x': 'n'}" in msg
    assert "declared: )" not in msg and "declared: ," not in msg and "nothing" not in msg


ERRORS_SAY_WHAT_TO_ADD = [
    (dict(closed_form=r"2 x + b"), "add it to shapes="),
    (dict(definition=lambda x, b: (x ** 2).sum()), "takes 'b'.*add it to shapes="),
    (dict(wrt="z"), "wrt='z' is not declared: add it to shapes="),
    (dict(domains={"q": "positive"}), "domains names 'q'.*add it to shapes="),
    (dict(closed_form=sp.Symbol("q")), "add them to shapes="),
    (dict(kind="curl"), "leave it out"),
]


@pytest.mark.parametrize("override, message", ERRORS_SAY_WHAT_TO_ADD,
                         ids=[m for _, m in ERRORS_SAY_WHAT_TO_ADD])
def test_errors_say_what_to_add(override, message):
    kw = dict(closed_form=r"2 x", definition=lambda x: (x ** 2).sum(), wrt="x",
              shapes={"x": "n"})
    kw.update(override)
    with pytest.raises(InvalidArgument, match=message):
        assert_matches_autograd(kw.pop("closed_form"), kw.pop("definition"), **kw)


# --- outside the domain ------------------------------------------------------------------------

SEARCH = ["batched", "hypothesis"]


@pytest.mark.parametrize("search", SEARCH)
def test_points_where_the_definition_is_not_finite_are_outside_the_domain(search):
    # sqrt(x + 1) is NaN for x < -1: those points are counted, never a failure
    r = assert_matches_autograd(r"\frac{1}{2\sqrt{x + 1}}", lambda x: torch.sqrt(x + 1),
                                wrt="x", shapes={"x": ()}, search=search)
    assert r.outside_domain > 0 and r.examples > 0


@pytest.mark.parametrize("search", SEARCH)
def test_the_closed_form_is_evaluated_only_at_screened_points(search):
    def closed(x):
        assert bool((x > -1).all()), "the closed form was evaluated outside the domain"
        return 1 / (2 * torch.sqrt(x + 1))
    r = assert_matches_autograd(closed, lambda x: torch.sqrt(x + 1), wrt="x",
                                shapes={"x": ()}, search=search)
    assert r.outside_domain > 0


def test_a_singular_matrix_is_outside_the_domain_not_a_crash():
    """Hypothesis draws the zero matrix first: det(X) X^{-T} cannot be evaluated there
    (torch.linalg.LinAlgError), while det and its autograd can."""
    def closed(X):
        return torch.det(X) * torch.linalg.inv(X).T
    r = assert_matches_autograd(closed, lambda X: torch.det(X), wrt="X",
                                shapes={"X": "n n"}, search="hypothesis")
    assert r.outside_domain >= 1 and r.examples > 0
    assert_matches_autograd(closed, lambda X: torch.det(X), wrt="X", shapes={"X": "n n"})


# integer 2 x 2 matrices with entries in -2..2: 129 of the 625 are singular
INTEGER_X = {"X": {"kind": "matrix", "shape": ["n", "n"], "domain": "integer",
                   "range": [-2, 2]}, "n": {"kind": "dim", "range": [2, 2]}}


@pytest.mark.parametrize("closed", [
    # d det(X)/dX = det(X) X^{-T}; for 2 x 2, det X = (tr(X)^2 - tr(X X)) / 2
    r"\frac{1}{2}((\operatorname{tr} X)^2 - \operatorname{tr}(X X)) (X^{-1})^T",
    lambda X: torch.det(X) * torch.linalg.inv(X).T,
], ids=["latex", "callable"])
def test_a_singular_matrix_in_a_batch_drops_only_that_point(closed):
    """One singular matrix fails torch.linalg.inv for a whole batch: the batched search
    then evaluates that batch point by point, and only the singular points are outside
    the domain (det and its autograd are finite there; the closed form is not defined)."""
    r = assert_matches_autograd(closed, lambda X: torch.det(X), wrt="X", symbols=INTEGER_X)
    assert r.outside_domain > 0 and r.examples >= 50
    assert r.outside_domain < r.examples


@pytest.mark.parametrize("closed, definition, domain", [
    (lambda x: 1 / x, lambda x: torch.log(x).sum(), {"x": "positive"}),
    (lambda X: torch.linalg.inv(X).T, lambda X, Y: torch.logdet(X) + torch.logdet(Y),
     {"X": "spd", "Y": "spd"}),
], ids=["log", "logdet"])
def test_too_many_points_outside_says_which_domain_to_declare(closed, definition, domain):
    shapes = {k: "n" if k == "x" else "n n" for k in domain}
    wrt = next(iter(domain))
    with pytest.raises(InvalidArgument) as info:
        assert_matches_autograd(closed, definition, wrt=wrt, shapes=shapes)
    msg = str(info.value)
    assert "outside the domain" in msg and f"domains={domain!r}" in msg, msg
    assert "the definition is not finite" in msg
    r = assert_matches_autograd(closed, definition, wrt=wrt, shapes=shapes, domains=domain)
    assert r.outside_domain == 0


# --- domains ----------------------------------------------------------------------------------

def _is_symmetric(t):
    return torch.allclose(t, t.T)


STRUCTURE_CHECKS = [  # (domain, shape, property)
    ("symmetric", (3, 3), _is_symmetric),
    ("spd", (3, 3), lambda t: _is_symmetric(t) and bool(torch.linalg.eigvalsh(t).min() > 0.4)),
    ("invertible", (3, 3), lambda t: float(torch.linalg.cond(t)) <= 4.0 + 1e-6),
    ("orthogonal", (3, 3), lambda t: torch.allclose(t.T @ t, torch.eye(3, dtype=t.dtype))),
    ("orthogonal", (4, 2), lambda t: torch.allclose(t.T @ t, torch.eye(2, dtype=t.dtype))),
    ("orthogonal", (2, 4), lambda t: torch.allclose(t @ t.T, torch.eye(2, dtype=t.dtype))),
    ("simplex", (4,), lambda t: bool((t > 0).all()) and abs(float(t.sum()) - 1) < 1e-12),
    ("unit", (4,), lambda t: abs(float(t.norm()) - 1) < 1e-12),
    ("positive", (4,), lambda t: bool((t > 0).all())),
]


@pytest.mark.parametrize("domain, shape, ok", STRUCTURE_CHECKS,
                         ids=[f"{d}{s}" for d, s, _ in STRUCTURE_CHECKS])
def test_structured_domains_drawn_by_hypothesis(domain, shape, ok):
    @FAST
    @given(tensors(shape, domain))
    def check(t):
        assert t.shape == shape and ok(t), t
    check()


@pytest.mark.parametrize("domain, shape, ok", STRUCTURE_CHECKS,
                         ids=[f"{d}{s}" for d, s, _ in STRUCTURE_CHECKS])
def test_structured_domains_drawn_by_the_checker(domain, shape, ok):
    """derive.judge.numeric.draw, which derive check and the batched search use."""
    from derive.judge.numeric import draw
    from derive.notation.declare import declare as bank_declare
    kind = "vector" if len(shape) == 1 else "matrix"
    ctx = bank_declare({"T": {"kind": kind, "shape": list(shape), "domain": domain}})
    gen = torch.Generator().manual_seed(0)
    v = draw(ctx, batch=200, gen=gen, device=torch.device("cpu")).values["T"]
    for t in v:
        t = t[:, 0] if kind == "vector" else t
        assert ok(t), (domain, t)


def test_structured_domains_are_used_by_the_assertion():
    # true only for symmetric A, orthogonal Q, unit u, p on the simplex
    assert_matches_autograd(r"2 A x", lambda A, x: x @ A @ x, wrt="x",
                            shapes={"A": "n n", "x": "n"}, domains={"A": "symmetric"})
    assert_matches_autograd(r"2 x", lambda Q, x: ((Q @ x) ** 2).sum(), wrt="x",
                            shapes={"Q": "n n", "x": "n"}, domains={"Q": "orthogonal"})
    assert_matches_autograd(r"2 (x - (u^T x) u)", lambda u, x: ((x - (u @ x) * u) ** 2).sum(),
                            wrt="x", shapes={"u": "n", "x": "n"}, domains={"u": "unit"})
    assert_matches_autograd(lambda z, p: torch.softmax(z, 0) - p,
                            lambda z, p: -(p * torch.log_softmax(z, 0)).sum(), wrt="z",
                            shapes={"z": "n", "p": "n"}, domains={"p": "simplex"})
    with pytest.raises(Mismatch):   # without the domain, the same forms are wrong
        assert_matches_autograd(r"2 A x", lambda A, x: x @ A @ x, wrt="x",
                                shapes={"A": "n n", "x": "n"})


@pytest.mark.parametrize("shapes, domains, message", [
    ({"x": "n"}, {"x": "spd"}, "domain 'spd' is for a matrix, not a vector"),
    ({"A": "m n"}, {"A": "symmetric"}, "needs a square matrix"),
    ({"A": "n n"}, {"A": "simplex"}, "domain 'simplex' is for a vector"),
    ({"A": "n n"}, {"A": "positive definite"}, "unknown domain .*spd"),
])
def test_structured_domain_declaration_errors(shapes, domains, message):
    with pytest.raises(InvalidArgument, match=message):
        declare(shapes=shapes, domains=domains)


def test_hypothesis_search_still_shrinks():
    with pytest.raises(Mismatch, match="smallest failing case Hypothesis found") as info:
        assert_matches_autograd(r"W^T", lambda W, x: W @ x, wrt="x",
                                shapes={"W": "m n", "x": "n"}, search="hypothesis")
    assert "dims:     m = 2, n = 2" in str(info.value)


def test_batched_search_shrinks_a_failure():
    with pytest.raises(Mismatch) as info:
        assert_matches_autograd(r"W^T", lambda W, x: W @ x, wrt="x",
                                shapes={"W": "m n", "x": "n"})
    msg = str(info.value)
    assert "smallest failing case found" in msg and "dims:     m = 2, n = 2" in msg
    point = msg.split("point:    ")[1].splitlines()[0]
    W = ast.literal_eval(point.split("W = ")[1].split(";")[0])
    assert all(v in (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0) for row in W for v in row), W
    assert W != [[0.0, 0.0], [0.0, 0.0]] and W != [list(r) for r in zip(*W)]  # not symmetric
    with pytest.raises(Mismatch) as again:    # deterministic
        assert_matches_autograd(r"W^T", lambda W, x: W @ x, wrt="x",
                                shapes={"W": "m n", "x": "n"})
    assert str(again.value) == msg


def test_a_failure_only_at_larger_dims_shrinks_to_the_smallest_failing_dims():
    # n x is the gradient of x^T x (2 x) at n = 2 only
    with pytest.raises(Mismatch) as info:
        assert_matches_autograd(r"n x", lambda x: x @ x, wrt="x", shapes={"x": "n"})
    assert "dims:     n = 3" in str(info.value)


@pytest.mark.parametrize("a, b, domains", [
    ("A", "A^T", {"A": "symmetric"}),
    ("Q^T Q", "I_n", {"Q": "orthogonal"}),
])
def test_equivalent_on_a_structured_domain(a, b, domains):
    """The prover knows entries, not structure: its 'different' is not trusted there,
    and the numeric comparison draws the structure."""
    shapes = {k: "n n" for k in domains}
    assert assert_equivalent(a, b, shapes=shapes, domains=domains).examples > 0
    with pytest.raises(Mismatch):
        assert_equivalent(a, b, shapes=shapes)


# --- the matrix notation of issue 13, each through one call -----------------------------------

def _inv(X):
    return torch.linalg.inv(X)


SIG = {"sigma": {"kind": "function", "torch": "sigmoid", "latex": [r"\sigma"]}}
NOTATION = [  # (what, closed form, definition, wrt, shapes, extra keywords)
    (r"\det", r"\det(X) X^{-T}", lambda X: torch.det(X), "X", {"X": "n n"},
     dict(domains={"X": "invertible"})),
    (r"\log\det", r"X^{-T}", lambda X: torch.linalg.slogdet(X)[1], "X", {"X": "n n"},
     dict(domains={"X": "invertible"})),
    (r"\operatorname{tr}", r"\operatorname{tr}(A X)", lambda A, X: torch.trace(A @ X), "X",
     {"A": "n n", "X": "n n"}, dict(kind="value")),
    (r"\mathrm{Tr}", r"\mathrm{Tr}(A X)", lambda A, X: torch.trace(A @ X), "X",
     {"A": "n n", "X": "n n"}, dict(kind="value")),
    (r"X^{-T}", r"X^{-T}", lambda X: _inv(X).T, "X", {"X": "n n"},
     dict(kind="value", domains={"X": "invertible"})),
    (r"X^{+}", r"X^{+}", lambda X: torch.linalg.pinv(X), "X", {"X": "m n"}, dict(kind="value")),
    (r"X^\dagger", r"X^\dagger", lambda X: torch.linalg.pinv(X), "X", {"X": "m n"},
     dict(kind="value")),
    (r"\otimes", r"A \otimes B", lambda A, B: torch.kron(A.contiguous(), B.contiguous()), "A",
     {"A": "m n", "B": "p q"}, dict(kind="value")),
    (r"\operatorname{vec}", r"\operatorname{vec}(X)", lambda X: X.T.reshape(-1), "X",
     {"X": "m n"}, dict(kind="value")),
    (r"\operatorname{diag}", r"\operatorname{diag}(x)", lambda x: torch.diag(x), "x",
     {"x": "n"}, dict(kind="value")),
    (r"bare \mathbf{I}", r"(X^T X + \lambda \mathbf{I})^{-1}",
     lambda X, lam, n: _inv(X.T @ X + lam * torch.eye(n, dtype=X.dtype)), "X",
     {"X": "m n", "lambda": ()}, dict(kind="value", domains={"lambda": "positive"})),
    (r"bare \mathbf{1}", r"\mathbf{1}^T x", lambda x: x.sum(), "x", {"x": "n"},
     dict(kind="value")),
    (r"X^k, k an integer symbol", r"k (X^{k-1})^T",
     lambda X, k: torch.trace(torch.linalg.matrix_power(X, k)), "X", {"X": "n n"},
     dict(dims={"k": (1, 4)})),
    (r"\sum of matrix powers", r"\sum_{r=0}^{k-1} X^r",
     lambda X, k, n: sum((torch.linalg.matrix_power(X, r) for r in range(k)),
                         torch.zeros(n, n, dtype=X.dtype)), "X", {"X": "n n"},
     dict(kind="value", dims={"k": (1, 4)})),
    (r"\sigma(Wx) entrywise", r"\sigma(W x)", lambda W, x: torch.sigmoid(W @ x), "x",
     {"W": "m n", "x": "n"}, dict(kind="value", symbols=SIG)),
    (r"\tanh^2(v) entrywise", r"\tanh^2(v)", lambda v: torch.tanh(v) ** 2, "v", {"v": "n"},
     dict(kind="value")),
    (r"1 - \sigma(v)", r"1 - \sigma(v)", lambda v: 1 - torch.sigmoid(v), "v", {"v": "n"},
     dict(kind="value", symbols=SIG)),
    (r"\odot", r"x \odot y", lambda x, y: x * y, "x", {"x": "n", "y": "n"},
     dict(kind="value")),
]


@pytest.mark.parametrize("what, closed, definition, wrt, shapes, kw", NOTATION,
                         ids=[n[0] for n in NOTATION])
def test_matrix_notation_in_one_call(what, closed, definition, wrt, shapes, kw):
    assert assert_matches_autograd(closed, definition, wrt=wrt, shapes=shapes,
                                   **kw).examples >= 50


def test_cos_of_a_square_matrix_is_ambiguous():
    with pytest.raises(InvalidArgument, match="ambiguous"):
        assert_matches_autograd(r"\cos X", lambda X: torch.cos(X), wrt="X", kind="value",
                                shapes={"X": "n n"})
