"""Values cross the process boundary unchanged (derive.judge.wire)."""
from __future__ import annotations

import glob
import pickle
import tomllib
from pathlib import Path

import pytest
import sympy as sp

from derive.bank.loader import load_bank
from derive.errors import AnswerError
from derive.judge.wire import dumps
from derive.notation.parser import parse_answer

ROOT = Path(__file__).resolve().parent.parent


def _sympy_values(v, out):
    if isinstance(v, sp.Basic):
        out.append(v)
    elif isinstance(v, (list, tuple)):
        for x in v:
            _sympy_values(x, out)
    elif hasattr(v, "__dict__"):
        for x in vars(v).values():
            _sympy_values(x, out)
    return out


def _texts():
    bank = load_bank()
    for q in bank.questions.values():
        yield q, q.reference
        for f in q.accept + q.reject:
            yield q, f.latex
    for path in sorted(glob.glob(str(ROOT / "bench" / "*" / "corpus" / "*.toml")))[::3]:
        for case in tomllib.loads(Path(path).read_text(encoding="utf-8"))["case"][::4]:
            if case["question"] in bank.questions:
                yield bank.question(case["question"]), case["latex"]


def test_every_parsed_value_comes_back_the_same():
    n = 0
    for q, text in _texts():
        try:
            parsed = parse_answer(text, q.context)
        except AnswerError:
            continue
        back = pickle.loads(dumps(parsed))
        before, after = _sympy_values(parsed, []), _sympy_values(back, [])
        assert [sp.srepr(e) for e in after] == [sp.srepr(e) for e in before], text
        assert all(a == b and hash(a) == hash(b) for a, b in zip(after, before)), text
        for e in after:  # commutativity is an assumption set at construction
            for node in sp.preorder_traversal(e):
                if isinstance(node, (sp.Add, sp.Mul, sp.Pow, sp.Sum, sp.Product)):
                    assert node.is_commutative is not None, (text, node)
        n += 1
    assert n > 400


def test_nodes_are_not_evaluated_again():
    x = sp.Symbol("x")
    e = sp.Add(x, x, evaluate=False)          # as built: an unevaluated x + x
    assert pickle.loads(pickle.dumps(e)) == 2 * x   # the usual pickle evaluates it again
    assert pickle.loads(dumps(e)) == e and pickle.loads(dumps(e)).args == (x, x)


@pytest.mark.parametrize("value", [1, "text", (1, 2.5), {"a": [None]}, AnswerError("parse.syntax", "m", 3)])
def test_other_values_pickle_as_usual(value):
    back = pickle.loads(dumps(value))
    assert type(back) is type(value)
    assert repr(back) == repr(value) or str(back) == str(value)


def test_a_symbol_comes_back_as_the_one_object_kept_for_it():
    """Equal symbols are one object here (judge.wire.canonical), also once SymPy's cache
    has forgotten the first: the numeric check finds a value drawn for a question's symbol
    by identity."""
    from derive.judge.wire import canonical
    n = sp.Symbol("n_wire_test", integer=True, positive=True)
    assert canonical(n) is n
    sp.core.cache.clear_cache()
    other = sp.Symbol("n_wire_test", integer=True, positive=True)
    assert other == n and other is not n        # SymPy's cache forgot n
    assert canonical(other) is n
    back = pickle.loads(dumps(sp.Add(other, sp.Symbol("y_wire_test"))))
    assert n in back.args and any(a is n for a in back.args)
    # a symbol with other assumptions is another symbol
    assert canonical(sp.Symbol("n_wire_test")) is not n
