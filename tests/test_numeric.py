"""The sampler: derived families computed all at once equal their row-by-row values, for
every derived family in the bank; points are reproducible from the seed."""
from __future__ import annotations

import pytest
import torch

import derive
from derive.judge.numeric import derived_closure, draw
from derive.judge.torch_eval import evaluate

BANK = derive.load_bank()
FAMILIES = [(q.id, s.name) for q in BANK.questions.values() for s in q.context.specs
            if s.kind == "family" and s.define]


@pytest.mark.parametrize("qid, name", FAMILIES)
def test_derived_family_matches_row_by_row(qid, name):
    q = BANK.question(qid)
    ctx = q.context
    sample = draw(ctx, batch=8, gen=torch.Generator().manual_seed(3), device=torch.device("cpu"))
    spec = next(s for s in ctx.specs if s.name == name)
    d, fn = derived_closure(spec, ctx)
    env = sample.env
    n = sample.values[name].shape[1]
    rows = []
    for k in range(1, n + 1):
        env[d.index] = float(k)
        rows.append(evaluate(fn, env).reshape(env.batch, 1, 1))
    env.pop(d.index, None)
    assert torch.allclose(sample.values[name], torch.cat(rows, dim=1), rtol=1e-12, atol=1e-12)


def test_points_depend_only_on_the_seed():
    ctx = BANK.question("ucb-cs182-sp22/1").context
    a = draw(ctx, batch=4, gen=torch.Generator().manual_seed(9), device=torch.device("cpu"))
    b = draw(ctx, batch=4, gen=torch.Generator().manual_seed(9), device=torch.device("cpu"))
    assert a.dims == b.dims and torch.equal(a.values["x"], b.values["x"])


# a sum whose range is a drawn scalar (L layers, drawn per point) is bounded at the points'
# extremes before it is evaluated, and then judged like any other answer
@pytest.mark.parametrize("latex, status", [
    (r"\sum_{l=1}^{L+1} d^{2}", "not_equivalent"),   # the exam's option d^2 (L+1)
    (r"\sum_{l=1}^{L+1} d", "not_equivalent"),       # option d (L+1)
    (r"\prod_{l=1}^{L+1} d", "equivalent"),
    (r"1 + \sum_{l=1}^{L+1} \left(d^{l} - d^{l-1}\right)", "equivalent"),   # telescoping
])
def test_a_sum_up_to_a_drawn_scalar_is_judged(latex, status):
    v = derive.check("ucb-cs182-sp22/10", latex)
    assert v.status.value == status, v.message


def test_a_sum_too_long_at_the_largest_drawn_scalar_is_refused_before_it_runs():
    v = derive.check("ucb-cs182-sp22/10", r"\sum_{l=1}^{10^{12} L} d")
    assert (v.status.value, v.reason) == ("undecided", "limit.size"), v.message


# --- compare(): every draw compared at once, read as one draw at a time ----------------

def _one_draw_at_a_time(q, ref, e):
    """What compare() reports for one expression, computed the plain way: a draw at a
    time, in torch, each draw's usable points away from the expression's own kinks."""
    from derive.judge import numeric
    made = numeric.draws(q, ref, seed=0, device=torch.device("cpu"), batch=64, rounds=3,
                         definition=q.ground_truth())
    fn = numeric.compiled(e)
    out = {"status": "undecided", "points": 0, "abs": 0.0, "rel": 0.0, "worst": None}
    for dr in made:
        env = dr.env()
        v = evaluate(fn, env)
        kink = torch.minimum(torch.as_tensor(dr.kink), env.kink)
        mask = torch.as_tensor(dr.mask) & (kink > numeric.KINK_EPS)
        if out["status"] in ("mismatch", "shape"):
            continue
        if v.shape[1:] != dr.truth.shape[1:]:
            out["status"] = "shape"
            continue
        good = int(mask.sum())
        if not good:
            continue
        v = v.expand(64, *v.shape[1:])
        t = dr.truth
        diff = (v - t).abs()
        excess = (diff - (numeric.ATOL + numeric.RTOL * t.abs())) / (1 + t.abs())
        excess = torch.where(torch.isnan(v) & ~torch.isnan(t), torch.inf, excess)
        err = torch.where(mask, excess.reshape(64, -1).amax(1).nan_to_num(nan=torch.inf),
                          -torch.inf)
        ab = torch.where(mask, diff.reshape(64, -1).amax(1).nan_to_num(nan=torch.inf),
                         -torch.inf)
        out["points"] += good
        out["abs"] = max(out["abs"], float(ab.max()))
        out["rel"] = max(out["rel"], float(err.max()))
        if float(err.max()) > 0:
            out["status"], out["worst"] = "mismatch", (dict(dr.sample.dims),
                                                       int(torch.argmax(err)))
        else:
            out["status"] = "agree"
    return out


@pytest.mark.parametrize("qid, latex", [
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top\operatorname{diag}\left(\operatorname{sign}"
                         r"(\max(\mathbf{A}\mathbf{x},0))\right)\mathbf{w}"),   # kinks
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top \mathbf{w}"),                          # wrong
    ("ucb-cs182-sp22/2", r"\mathbf{w}"),                                          # shape
    ("uw-cse493g1-sp23/3.2", r"\sqrt{2-2D_C}"),
    ("uw-cse493g1-sp23/3.2", r"\sqrt{2-D_C}"),
    ("neu-cs7150-f22/4.W", r"2(Wx-y)x^\top"),
])
def test_compare_reads_its_draws_as_one_at_a_time(qid, latex):
    from derive.judge import check, numeric
    from derive.notation.answer import single_value
    from derive.notation.parser import parse_answer
    q = BANK.question(qid)
    ref = check.reference(q)
    e = single_value(parse_answer(latex, q.context))
    o = numeric.compare(q, ref, [e], definition=q.ground_truth()).outcomes[0]
    want = _one_draw_at_a_time(q, ref, e)
    status = want["status"]
    if status == "agree" and want["points"] < numeric.MIN_POINTS:
        status = "undecided"
    assert (o.status, o.points) == (status, want["points"])
    if o.status in ("agree", "mismatch"):
        assert (o.max_abs_error, o.max_rel_error) == (want["abs"], want["rel"])
    if o.status == "mismatch":
        dims, k = want["worst"]
        assert o.counterexample["dims"] == dims
        assert o.counterexample["point"] == numeric._point(
            next(dr.sample for dr in numeric.draws(
                q, ref, seed=0, device=torch.device("cpu"), batch=64, rounds=3,
                definition=q.ground_truth()) if dr.sample.dims == dims), k)


def test_an_answers_own_kinks_drop_its_points():
    """sign(max(Ax, 0)) has a kink wherever an entry of Ax is negative: those points are
    dropped for it (not for the reference), also when it is checked after the reference."""
    qid = "ucb-cs182-sp22/2"
    kinked = (r"\mathbf{A}^\top\operatorname{diag}\left(\operatorname{sign}"
              r"(\max(\mathbf{A}\mathbf{x},0))\right)\mathbf{w}")
    ref = derive.check(qid, BANK.question(qid).reference).evidence["numeric"]["points"]
    got = derive.check(qid, kinked).evidence["numeric"]["points"]
    assert 16 <= got < ref
