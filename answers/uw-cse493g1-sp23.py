"""The code of exam uw-cse493g1-sp23 (CSE 493G1 Spring 2023 midterm): ground-truth
definitions and claim settlers.

Each definition computes the answer the way a framework would (torch autograd of the
exam's loss, a forward computation on unit vectors) and derives it again in SymPy
from the same definition (``sympy=``), so ``derive validate`` checks every reference
three ways. Evidence sentences are built from what was computed, with the maths as
LaTeX inside ``$...$`` so the booklet can typeset it.
"""
from __future__ import annotations

import sympy as sp
import torch

from derive import Settlement, definition, require_close, settles


# --- 3.2: Euclidean distance from the cosine similarity of two unit vectors ---------------

def _unit_pair_sympy(v):
    """SymPy: the unit vectors x = e_1 and y = D_C e_1 + sqrt(1 - D_C^2) e_2 (any two unit
    vectors, rotated into that plane), their cosine similarity checked to be D_C, then
    ||x - y|| expanded."""
    c = v["D_C"]
    x = sp.Matrix([1, 0])
    y = sp.Matrix([c, sp.sqrt(1 - c ** 2)])
    norm = lambda u: sp.sqrt(sp.expand(u.dot(u)))  # noqa: E731
    if sp.simplify(norm(y) - 1) != 0 or sp.simplify(x.dot(y) / (norm(x) * norm(y)) - c) != 0:
        raise ValueError("the parametrised vectors are not unit vectors with cosine D_C")
    return norm(x - y)


@definition("uw-cse493g1-sp23/3.2",
            "torch: Euclidean norm of x - y for unit vectors x = e1, y = D_C e1 + sqrt(1-D_C^2) e2",
            sympy=_unit_pair_sympy)
def euclidean_from_cosine(v):
    c = v["D_C"][:, 0, 0]
    x = torch.stack([torch.ones_like(c), torch.zeros_like(c)], dim=1)
    y = torch.stack([c, torch.sqrt(1 - c ** 2)], dim=1)
    cos = torch.nn.functional.cosine_similarity(x, y, dim=1)
    require_close(cos, c, "the pair's cosine and D_C")   # the pair has the sampled similarity
    return torch.linalg.vector_norm(x - y, dim=1)


# --- 3.6.1: the Huber classification loss ----------------------------------------------------

def huber_loss_j(sj, sy, a, b, delta):
    """The exam's Huber classification loss L_j, as a function of s_j (torch)."""
    return torch.where(sj <= sy, a * torch.clamp(sj - sy + delta, min=0) ** 2,
                       b * (sj - sy + 0.5 * delta))


def huber_loss_j_sympy(sj, sy, a, b, delta):
    """The same loss in SymPy, as the exam prints it."""
    return sp.Piecewise((a * sp.Max(sj - sy + delta, 0) ** 2, sj <= sy),
                        (b * (sj - sy + delta / 2), True))


def _huber_grad_sympy(v):
    """SymPy: d/ds_j of L = L_j + L_k (a second wrong class k, which must not matter), with
    each L_j the exam's piecewise Huber loss."""
    sj, sy, a, b, delta = v["s_j"], v["s_y"], v["a"], v["b"], v["Delta"]
    sk = sp.Symbol("s_k", real=True)
    loss = huber_loss_j_sympy(sj, sy, a, b, delta) + huber_loss_j_sympy(sk, sy, a, b, delta)
    return sp.diff(loss, sj)


@definition("uw-cse493g1-sp23/3.6.1.1",
            "torch autograd in s_j of L = sum_{j != y_i} L_j, the exam's Huber loss",
            sympy=_huber_grad_sympy)
def huber_grad(v):
    sj = v["s_j"][:, 0, 0].clone().requires_grad_(True)
    loss = huber_loss_j(sj, v["s_y"][:, 0, 0], v["a"][:, 0, 0], v["b"][:, 0, 0],
                        v["Delta"][:, 0, 0])
    (g,) = torch.autograd.grad(loss.sum(), sj)
    return g


def _active_piece(loss: sp.Piecewise, var: sp.Symbol, point: sp.Expr) -> sp.Expr:
    """The piece of ``loss`` whose condition holds at ``point`` (decided by SymPy)."""
    for expr, cond in loss.args:
        holds = cond.subs(var, point) if isinstance(cond, sp.Basic) else cond
        if holds is sp.true or holds is True:
            return expr
    raise ValueError(f"no piece of {loss} is active at {var} = {point}")


def huber_continuity_sympy(a, b, delta):
    """The value and slope of the Huber loss on both sides of s_j = s_{y_i}, from the loss.

    Each side's piece is the one active just beside the hinge (s_j = s_{y_i} -+ t, t > 0),
    evaluated at the hinge (each piece is continuous there). Returns the value gap and
    the slope gap (right minus left), what each gap = 0 solves b to, and the two pieces.
    """
    sj, sy = sp.Symbol("s_j", real=True), sp.Symbol("s_y", real=True)
    t = sp.Symbol("t", positive=True)
    loss = huber_loss_j_sympy(sj, sy, a, b, delta)
    left, right = _active_piece(loss, sj, sy - t), _active_piece(loss, sj, sy + t)
    value_gap = sp.simplify((right - left).subs(sj, sy))
    slope_gap = sp.simplify((sp.diff(right, sj) - sp.diff(left, sj)).subs(sj, sy))
    return value_gap, slope_gap, sp.solve(value_gap, b), sp.solve(slope_gap, b), (left, right)


def _huber_constraint_sympy(v):
    """SymPy: the value gap and the slope gap of the exam's loss at s_j = s_{y_i}, each
    solved for b; both must give the same b (one constraint)."""
    _, _, from_value, from_slope, _ = huber_continuity_sympy(v["a"], v["b"], v["Delta"])
    if len(from_value) != 1 or from_value != from_slope:
        raise ValueError(f"value continuity gives b in {from_value}, slope continuity "
                         f"b in {from_slope}: not one constraint")
    return from_value[0]


def _gaps_torch(sy, a, b, delta):
    """Value and slope gaps (right minus left) of the exam's loss at s_j = s_{y_i}, with
    torch autograd. The left side is the loss at the hinge itself (s_j <= s_{y_i} is the
    quadratic piece); the right side is read off the linear piece at s_{y_i} + h,
    continued back to the hinge by its own autograd slope (exact for a linear piece)."""
    h = 0.25 * delta
    s_left = sy.clone().requires_grad_(True)
    s_right = (sy + h).clone().requires_grad_(True)
    v_left = huber_loss_j(s_left, sy, a, b, delta)
    v_right = huber_loss_j(s_right, sy, a, b, delta)
    (g_left,) = torch.autograd.grad(v_left.sum(), s_left)
    (g_right,) = torch.autograd.grad(v_right.sum(), s_right)
    value_right = v_right.detach() - h * g_right
    return value_right - v_left.detach(), g_right - g_left


@definition("uw-cse493g1-sp23/3.6.1.2",
            "torch autograd of the exam's Huber loss on both sides of s_j = s_{y_i}: the value "
            "gap and the slope gap are linear in b (evaluated at b = 0 and b = 1), each solved "
            "for b; the two solutions must agree",
            sympy=_huber_constraint_sympy)
def huber_constraint(v):
    a, delta = v["a"][:, 0, 0], v["Delta"][:, 0, 0]
    gen = torch.Generator().manual_seed(36112)
    sy = torch.randn(a.shape, dtype=a.dtype, generator=gen).to(a.device)   # must not matter
    zero, one = torch.zeros_like(a), torch.ones_like(a)
    (v0, s0), (v1, s1) = _gaps_torch(sy, a, zero, delta), _gaps_torch(sy, a, one, delta)
    b_value = -v0 / (v1 - v0)            # the gap is v0 + b (v1 - v0)
    b_slope = -s0 / (s1 - s0)
    require_close(b_value, b_slope, "b from the value and b from the slope")  # one constraint
    return b_slope


# --- 2.5: the modified cross-entropy --------------------------------------------------------

def _class_index(idx: torch.Tensor) -> torch.Tensor:
    """A sampled 1-based index symbol, (B, 1, 1) float, as 0-based int64 (B,)."""
    return idx[:, 0, 0].long() - 1


def modified_cross_entropy(s, y, a, b, c):
    """The exam's L = -log(a e^{b s_y} / sum_j e^{s_j}) + c, per batch row (s: (B, K))."""
    s_y = s.gather(1, y[:, None])[:, 0]
    return -torch.log(a * torch.exp(b * s_y) / torch.exp(s).sum(dim=1)) + c


def _modified_cross_entropy_sympy(v):
    """SymPy: d/ds_k of L = -log(a e^{b s_y} / sum_j e^{s_j}) + c, for explicit scores s
    and every class y and k."""
    s, y, k, a, b, c = v["s"], int(v["y"]), int(v["k"]), v["a"], v["b"], v["c"]
    loss = -sp.log(a * sp.exp(b * s[y - 1]) / sum(sp.exp(x) for x in s)) + c
    return sp.diff(loss, s[k - 1])


@definition("uw-cse493g1-sp23/2.5",
            "torch autograd in s of L = -log(a e^{b s_y} / sum_j e^{s_j}) + c, entry k",
            sympy=_modified_cross_entropy_sympy)
def modified_cross_entropy_grad(v):
    s = v["s"][..., 0].clone().requires_grad_(True)
    y, k = _class_index(v["y"]), _class_index(v["k"])
    loss = modified_cross_entropy(s, y, v["a"][:, 0, 0], v["b"][:, 0, 0], v["c"][:, 0, 0])
    (g,) = torch.autograd.grad(loss.sum(), s)
    return g.gather(1, k[:, None])[:, 0]


# --- 3.6.2: the smooth hinge losses -----------------------------------------------------------

def _smooth_hinge_sympy(v, margin=0):
    """SymPy: the exam's relaxation (2) for the inner max over j != y_i, then (1) for
    max(u, 0), for explicit scores and every true class y_i."""
    s, y = v["s"], int(v["y_i"])
    wrong = [s[j] for j in range(s.rows) if j != y - 1]
    inner = sp.log(sum(sp.exp(x) for x in wrong))        # (2): max_{j != y_i} s_j
    u = inner - s[y - 1] + margin
    return sp.log(sp.exp(u) + sp.exp(0))                 # (1): max(u, 0)


def _smooth_hinge_margin_sympy(v):
    """SymPy: relaxation (2) for the inner max over j != y_i, then (1) for
    max(u + Delta, 0), for explicit scores and every true class y_i."""
    return _smooth_hinge_sympy(v, v["Delta"])


@definition("uw-cse493g1-sp23/3.6.2.1",
            "torch: the relaxation max(x_1..x_n) ~ logsumexp applied to "
            "max(max_{j != y_i} s_j - s_{y_i}, 0), i.e. torch.logsumexp over "
            "{s_j - s_{y_i} : j != y_i} and 0",
            sympy=_smooth_hinge_sympy)
def smooth_hinge(v):
    return _smooth_hinge(v["s"][..., 0], _class_index(v["y_i"]), 0.0)


@definition("uw-cse493g1-sp23/3.6.2.2",
            "torch: logsumexp relaxation of max(max_{j != y_i} s_j - s_{y_i} + Delta, 0) "
            "(torch.logsumexp over {s_j - s_{y_i} + Delta : j != y_i} and 0)",
            sympy=_smooth_hinge_margin_sympy)
def smooth_hinge_margin(v):
    return _smooth_hinge(v["s"][..., 0], _class_index(v["y_i"]), v["Delta"][:, 0, 0])


def _smooth_hinge(s, y, delta):
    """Relax both maxima with logsumexp, as the exam's equations (1) and (2) say.

    The inner max over j != y_i becomes logsumexp over the masked scores; the outer
    max(u, 0) becomes logsumexp([u, 0]). Nothing here uses the closed form.
    """
    s_y = s.gather(1, y[:, None])
    masked = torch.where(torch.nn.functional.one_hot(y, s.shape[1]).bool(),
                         torch.full_like(s, float("-inf")), s)
    inner = torch.logsumexp(masked, dim=1) - s_y[:, 0] + delta          # ~ max_{j!=y} s_j - s_y
    out = torch.logsumexp(torch.stack([inner, torch.zeros_like(inner)], dim=1), dim=1)
    # the exam's hint ("a loss function that we've seen in class"): it is softmax
    # cross-entropy, with the margin added to every wrong class's score
    onehot = torch.nn.functional.one_hot(y, s.shape[1]).to(s.dtype)
    delta_col = delta[:, None] if isinstance(delta, torch.Tensor) else delta
    ce = torch.nn.functional.cross_entropy(s + delta_col * (1 - onehot), y, reduction="none")
    require_close(out, ce, "the loss and torch's cross-entropy")
    return out


# --- claims -----------------------------------------------------------------------------------

def _final_layer_grad(h: torch.Tensor, W: torch.Tensor, y: int, a: float, b: float,
                      c: float) -> torch.Tensor:
    """Autograd of the exam's L = -log(a e^{b s_y} / sum_j e^{s_j}) + c in the final
    layer's weights W, with scores s = W h (h: the features the final layer sees)."""
    W = W.clone().requires_grad_(True)
    s = W @ h
    loss = -torch.log(a * torch.exp(b * s[y]) / torch.exp(s).sum()) + c
    (g,) = torch.autograd.grad(loss, W)
    return g


#: the exam's letters: which parameter moves, and in which direction
LETTERS = {"A": ("a", +1), "B": ("a", -1), "C": ("b", +1), "D": ("b", -1),
           "E": ("c", +1), "F": ("c", -1)}


def _letters_text(letters: list[str]) -> str:
    if not letters:
        return "none of the letters"
    return ", ".join(letters[:-1]) + (" and " if len(letters) > 1 else "") + letters[-1]


@settles("uw-cse493g1-sp23/2.5")
def modified_cross_entropy_letters() -> Settlement:
    """Which of a, b, c can change dL/dw: torch autograd on random final layers.

    A letter "changing p in this direction could increase dL/dw" holds when some
    random case shows the gradient's norm going up after the change, and fails when
    the gradient is the same tensor before and after in every case (then it cannot
    increase under any reading). A letter in neither situation is not settled.
    """
    gen = torch.Generator().manual_seed(0)
    step = 0.5
    found: dict[str, dict] = {}
    unchanged = {"a": True, "b": True, "c": True}
    trials = 200
    for t in range(trials):
        K, d = int(torch.randint(2, 6, (1,), generator=gen)), int(torch.randint(2, 6, (1,),
                                                                              generator=gen))
        W = torch.randn(K, d, dtype=torch.float64, generator=gen)
        h = torch.relu(torch.randn(d, dtype=torch.float64, generator=gen))  # post-ReLU features
        y = int(torch.randint(0, K, (1,), generator=gen))
        base = {"a": float(torch.exp(torch.randn(1, generator=gen, dtype=torch.float64))),
                "b": float(2 * torch.randn(1, generator=gen, dtype=torch.float64)),
                "c": float(torch.randn(1, generator=gen, dtype=torch.float64))}
        g0 = _final_layer_grad(h, W, y, **base)
        for letter, (p, sign) in LETTERS.items():
            moved = dict(base)
            moved[p] = base[p] + sign * step
            if moved["a"] <= 0:
                continue
            g1 = _final_layer_grad(h, W, y, **moved)
            if not torch.allclose(g0, g1, rtol=1e-12, atol=1e-14):
                unchanged[p] = False
            if letter not in found and g1.norm() > g0.norm() + 1e-9:
                found[letter] = {"trial": t, "K": K, "y": y + 1, **base,
                                 "moved": moved[p], "norm_before": float(g0.norm()),
                                 "norm_after": float(g1.norm())}
    holds = {letter: letter in found for letter in LETTERS}
    unsettled = [k for k, (p, _) in LETTERS.items() if not holds[k] and not unchanged[p]]
    if unsettled:
        raise RuntimeError(f"letters {unsettled}: the gradient changed but never grew in "
                           f"{trials} trials; not settled")
    sentences = []
    for p in "abc":
        if unchanged[p]:
            sentences.append(f"changing ${p}$ by $\\pm {step:g}$ left $\\partial L/\\partial W$ "
                             f"the same tensor in all {trials} layers")
    for letter, (p, sign) in LETTERS.items():
        ex = found.get(letter)
        if ex:
            sentences.append(
                f"{'increasing' if sign > 0 else 'decreasing'} ${p}$ from ${ex[p]:.4g}$ to "
                f"${ex['moved']:.4g}$ (layer {ex['trial']}, $K = {ex['K']}$, $y = {ex['y']}$) "
                f"raised $\\|\\partial L/\\partial W\\|$ from ${ex['norm_before']:.4g}$ to "
                f"${ex['norm_after']:.4g}$")
    yes = [k for k in LETTERS if holds[k]]
    no = [k for k in LETTERS if not holds[k]]
    evidence = (
        "torch autograd of the exam's loss in the final layer's weights $W$, with scores "
        f"$s = W h$, over {trials} random layers ($K, d$ from 2 to 5, ReLU features $h$): "
        + "; ".join(sentences) + f". So {_letters_text(yes)} "
        f"{'hold' if len(yes) != 1 else 'holds'}, and {_letters_text(no)} "
        f"{'do' if len(no) != 1 else 'does'} not: a parameter that leaves the gradient "
        "unchanged cannot increase it.")
    return Settlement(holds, "computation", evidence,
                      {"examples": found, "gradient_unchanged": unchanged, "trials": trials})


@settles("uw-cse493g1-sp23/3.6.1.2")
def huber_continuity() -> Settlement:
    """b = 2 a Delta makes the Huber loss's value and slope continuous at s_j = s_{y_i}."""
    a, delta = sp.symbols("a Delta", positive=True)
    b = sp.Symbol("b", real=True)
    value_gap, slope_gap, from_value, from_slope, (left, right) = \
        huber_continuity_sympy(a, b, delta)
    with_constraint = [sp.simplify(g.subs(b, 2 * a * delta)) for g in (value_gap, slope_gap)]
    holds = all(g == 0 for g in with_constraint)
    L = sp.latex
    both = " and ".join(f"${L(g)}$" for g in with_constraint)
    sols = lambda xs: ", ".join(f"$b = {L(x)}$" for x in xs) or "no solution"  # noqa: E731
    evidence = (
        "SymPy, from the exam's piecewise loss: just left of $s_j = s_{y_i}$ the active piece "
        f"is ${L(left)}$, just right ${L(right)}$. At the hinge the value gap (right "
        f"minus left) is ${L(value_gap)}$ and the slope gap is ${L(slope_gap)}$; with "
        f"$b = 2a\\Delta$ they become {both}. Solving each gap for $b$ gives "
        f"{sols(from_value)} (value) and {sols(from_slope)} (slope): "
        + ("the same $b$, so the two conditions are one constraint."
           if from_value == from_slope else "different values, so no $b$ satisfies both."))
    return Settlement(holds, "proof", evidence,
                      {"value_gap": L(value_gap), "slope_gap": L(slope_gap),
                       "b_from_value": [L(x) for x in from_value],
                       "b_from_slope": [L(x) for x in from_slope]})
