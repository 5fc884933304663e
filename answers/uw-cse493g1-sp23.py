"""The code of exam uw-cse493g1-sp23: ground-truth definitions and claim settlers.

Definitions for uw-cse493g1-sp23 (CSE 493G1 Spring 2023 midterm).

Settlers for uw-cse493g1-sp23 (CSE 493G1 Spring 2023 midterm).
"""
from __future__ import annotations

import torch
import sympy as sp

from derive import Settlement, definition, settles


@definition("uw-cse493g1-sp23/3.2",
            "torch: Euclidean norm of x - y for unit vectors x = e1, y = D_C e1 + sqrt(1-D_C^2) e2")
def euclidean_from_cosine(v):
    c = v["D_C"][:, 0, 0]
    x = torch.stack([torch.ones_like(c), torch.zeros_like(c)], dim=1)
    y = torch.stack([c, torch.sqrt(1 - c ** 2)], dim=1)
    return torch.linalg.vector_norm(x - y, dim=1)


def huber_loss_j(sj, sy, a, b, delta):
    """The exam's Huber classification loss L_j, as a function of s_j."""
    return torch.where(sj <= sy, a * torch.clamp(sj - sy + delta, min=0) ** 2,
                       b * (sj - sy + 0.5 * delta))


@definition("uw-cse493g1-sp23/3.6.1.1",
            "torch autograd in s_j of L = sum_{j != y_i} L_j, the exam's Huber loss")
def huber_grad(v):
    sj = v["s_j"][:, 0, 0].clone().requires_grad_(True)
    loss = huber_loss_j(sj, v["s_y"][:, 0, 0], v["a"][:, 0, 0], v["b"][:, 0, 0],
                        v["Delta"][:, 0, 0])
    (g,) = torch.autograd.grad(loss.sum(), sj)
    return g


def _class_index(idx: torch.Tensor) -> torch.Tensor:
    """A sampled 1-based index symbol, (B, 1, 1) float, as 0-based int64 (B,)."""
    return idx[:, 0, 0].long() - 1


def modified_cross_entropy(s, y, a, b, c):
    """The exam's L = -log(a e^{b s_y} / sum_j e^{s_j}) + c, per batch row (s: (B, K))."""
    s_y = s.gather(1, y[:, None])[:, 0]
    return -torch.log(a * torch.exp(b * s_y) / torch.exp(s).sum(dim=1)) + c


@definition("uw-cse493g1-sp23/2.5",
            "torch autograd in s of L = -log(a e^{b s_y} / sum_j e^{s_j}) + c, entry k")
def modified_cross_entropy_grad(v):
    s = v["s"][..., 0].clone().requires_grad_(True)
    y, k = _class_index(v["y"]), _class_index(v["k"])
    loss = modified_cross_entropy(s, y, v["a"][:, 0, 0], v["b"][:, 0, 0], v["c"][:, 0, 0])
    (g,) = torch.autograd.grad(loss.sum(), s)
    return g.gather(1, k[:, None])[:, 0]


@definition("uw-cse493g1-sp23/3.6.2.1",
            "torch: the relaxation max(x_1..x_n) ~ logsumexp applied to "
            "max(max_{j != y_i} s_j - s_{y_i}, 0), i.e. torch.logsumexp over "
            "{s_j - s_{y_i} : j != y_i} and 0")
def smooth_hinge(v):
    return _smooth_hinge(v["s"][..., 0], _class_index(v["y_i"]), 0.0)


@definition("uw-cse493g1-sp23/3.6.2.2",
            "torch: logsumexp relaxation of max(max_{j != y_i} s_j - s_{y_i} + Delta, 0) "
            "(torch.logsumexp over {s_j - s_{y_i} + Delta : j != y_i} and 0)")
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
    torch.testing.assert_close(out, ce)
    return out


def _final_layer_grad(h: torch.Tensor, W: torch.Tensor, y: int, a: float, b: float,
                      c: float) -> torch.Tensor:
    """Autograd of the exam's L = -log(a e^{b s_y} / sum_j e^{s_j}) + c in the final
    layer's weights W, with scores s = W h (h: the features the final layer sees)."""
    W = W.clone().requires_grad_(True)
    s = W @ h
    loss = -torch.log(a * torch.exp(b * s[y]) / torch.exp(s).sum()) + c
    (g,) = torch.autograd.grad(loss, W)
    return g


@settles("uw-cse493g1-sp23/2.5")
def modified_cross_entropy_letters() -> Settlement:
    """Which of a, b, c can change dL/dw: torch autograd on random final layers.

    A letter "changing p in this direction could increase dL/dw" holds when some
    random case shows the gradient's norm (or one of its entries) going up after
    the change, and fails when the gradient is the same tensor before and after in
    every case (then it cannot increase under any reading).
    """
    gen = torch.Generator().manual_seed(0)
    steps = {"a": 0.5, "b": 0.5, "c": 0.5}
    letters = {"A": ("a", +1), "B": ("a", -1), "C": ("b", +1), "D": ("b", -1),
               "E": ("c", +1), "F": ("c", -1)}
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
        for letter, (p, sign) in letters.items():
            moved = dict(base)
            moved[p] = base[p] + sign * steps[p]
            if moved["a"] <= 0:
                continue
            g1 = _final_layer_grad(h, W, y, **moved)
            if not torch.allclose(g0, g1, rtol=1e-12, atol=1e-14):
                unchanged[p] = False
            if letter not in found and g1.norm() > g0.norm() + 1e-9:
                found[letter] = {"trial": t, "K": K, "y": y + 1, **base,
                                 p + "_moved": moved[p],
                                 "norm_before": float(g0.norm()), "norm_after": float(g1.norm())}
    holds = {letter: letter in found for letter in letters}
    # a and c: the gradient is identical (not just not larger) in every trial
    for letter, (p, _) in letters.items():
        if unchanged[p]:
            assert not holds[letter]
    ex_c, ex_d = found.get("C", {}), found.get("D", {})
    evidence = (
        "L = -log a - b s_y + log sum_j e^{s_j} + c, so dL/ds_k = softmax(s)_k - b 1[k=y] and "
        "dL/dW = (softmax(s) - b e_y) h^T for the final layer s = W h. torch autograd of the "
        f"exam's loss in W over {trials} random layers (K, d in 2..5, ReLU features h): "
        f"changing a or c by +-0.5 left dL/dW identical in every trial (a unchanged: "
        f"{unchanged['a']}, c unchanged: {unchanged['c']}), so A, B, E, F are false. Changing b "
        "changes the true class's row by -(Delta b) h^T; the norm |p_y - b| ||h|| grows when b "
        "moves away from p_y, in either direction: increasing b raised ||dL/dW|| from "
        f"{ex_c.get('norm_before', float('nan')):.4g} to {ex_c.get('norm_after', float('nan')):.4g} "
        f"(b = {ex_c.get('b', float('nan')):.4g} -> {ex_c.get('b_moved', float('nan')):.4g}), "
        "decreasing b raised it from "
        f"{ex_d.get('norm_before', float('nan')):.4g} to {ex_d.get('norm_after', float('nan')):.4g} "
        f"(b = {ex_d.get('b', float('nan')):.4g} -> {ex_d.get('b_moved', float('nan')):.4g}). "
        "So C and D hold."
    )
    return Settlement(holds, "computation", evidence,
                      {"examples": found, "gradient_unchanged": unchanged, "trials": trials})


@settles("uw-cse493g1-sp23/3.6.1.2")
def huber_continuity() -> Settlement:
    """b = 2 a Delta makes the Huber loss's value and slope continuous at s_j = s_{y_i}."""
    a, delta = sp.symbols("a Delta", positive=True)
    b, t = sp.symbols("b t", real=True)          # t = s_j - s_{y_i}
    left = a * (t + delta) ** 2                  # the quadratic piece near t = 0 (t > -Delta)
    right = b * (t + delta / 2)                  # the linear piece
    value_gap = sp.limit(left, t, 0, "-") - sp.limit(right, t, 0, "+")
    slope_gap = (sp.limit(sp.diff(left, t), t, 0, "-")
                 - sp.limit(sp.diff(right, t), t, 0, "+"))
    with_constraint = [sp.simplify(g.subs(b, 2 * a * delta)) for g in (value_gap, slope_gap)]
    holds = all(g == 0 for g in with_constraint)
    # and the constraint is the only one: each condition alone solves to b = 2 a Delta
    from_value = sp.solve(value_gap, b)
    from_slope = sp.solve(slope_gap, b)
    evidence = (
        "With t = s_j - s_{y_i}, near t = 0 the loss is a(t + Delta)^2 for t <= 0 (Delta > 0, so "
        "the max is inactive) and b(t + Delta/2) for t > 0. SymPy: value gap at t = 0 is "
        f"{value_gap}, slope gap is {slope_gap}; substituting b = 2 a Delta makes both "
        f"{with_constraint[0]} and {with_constraint[1]}. Solving each gap for b gives "
        f"{from_value} (value) and {from_slope} (slope): one constraint, b = 2 a Delta."
    )
    return Settlement(holds, "proof", evidence,
                      {"value_gap": str(value_gap), "slope_gap": str(slope_gap),
                       "b_from_value": str(from_value), "b_from_slope": str(from_slope)})
