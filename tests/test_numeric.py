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
