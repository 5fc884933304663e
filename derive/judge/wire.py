"""How values travel between a process and its sandboxed worker: pickles whose SymPy
nodes are rebuilt without being evaluated again.

A SymPy expression unpickles by calling its class on its arguments, which evaluates it
once more: canonical ordering, assumption queries, ``MatrixElement``'s index check, a
``Piecewise``'s condition folding, ``exp``/``log`` simplification. The expression was
already evaluated where it was built, so doing it again only costs time: it was about a
fifth of a median answer's check (docs/grading.md). Here the common nodes are rebuilt as
they were, through SymPy's own constructors for that (``AssocOp._from_args``; ``Pow``,
functions, ``Max``/``Min`` and relations with ``evaluate=False``; ``MatrixElement``, ``Sum``
and ``Product`` as they build themselves after their checks); every other object pickles as
usual. ``tests/test_wire.py`` checks that
every value of the bank's forms and the corpora comes back with the same ``srepr``.

A plain ``Symbol`` comes back as the one object this process keeps for its name and
assumptions (:func:`canonical`). SymPy's cache would give one object only while it still
holds it (two questions' ``n`` are distinct objects once it has forgotten the first); an
equal but distinct symbol makes every lookup keyed by it (the numeric check's values by
symbol, its caches keyed by expressions) compare the two field by field, not by identity.
"""
from __future__ import annotations

import copyreg
import io
import pickle
import threading
from typing import Any, Callable

import sympy as sp
from sympy.core.expr import Expr
from sympy.core.relational import Relational
from sympy.matrices.expressions.matexpr import MatrixElement


def _assoc(cls: type, args: tuple) -> Any:
    return cls._from_args(args)


def _unevaluated(cls: type, args: tuple) -> Any:
    return cls(*args, evaluate=False)


def _element(matrix: Any, i: Any, j: Any) -> Any:
    return Expr.__new__(MatrixElement, matrix, i, j)


def _with_limits(cls: type, args: tuple) -> Any:
    """A sum or product as ``AddWithLimits.__new__`` leaves it, once its function and
    limits are checked (they were, where it was built)."""
    obj = Expr.__new__(cls)
    obj._args = args
    obj.is_commutative = args[0].is_commutative
    return obj


#: plain symbols by (name, assumptions as given, in their order): the one object this
#: process uses for each (the first it met)
_SYMBOLS: dict[tuple, sp.Symbol] = {}
#: how many are kept (answers may name any symbol); past it the oldest are forgotten
SYMBOLS_KEPT = 4096
_SYMBOLS_LOCK = threading.Lock()


def _symbol_key(s: sp.Symbol) -> tuple:
    return (s.name, tuple(s._assumptions_orig.items()))


def _symbol(name: str, assumptions: tuple) -> sp.Symbol:
    key = (name, assumptions)
    s = _SYMBOLS.get(key)
    return s if s is not None else _kept(key, sp.Symbol(name, **dict(assumptions)))


def _kept(key: tuple, s: sp.Symbol) -> sp.Symbol:
    with _SYMBOLS_LOCK:
        s = _SYMBOLS.setdefault(key, s)
        while len(_SYMBOLS) > SYMBOLS_KEPT:
            del _SYMBOLS[next(iter(_SYMBOLS))]
    return s


def canonical(obj: Any) -> Any:
    """The object that symbols equal to ``obj`` (a plain ``Symbol``) come back from the
    worker as; anything else is returned as it is. Values kept by symbol (the numeric
    check's points) are found by identity when they are kept under this object."""
    if type(obj) is not sp.Symbol:
        return obj
    key = _symbol_key(obj)
    s = _SYMBOLS.get(key)
    return s if s is not None else _kept(key, obj)


def _reducer(cls: type) -> Callable[[Any], tuple] | None:
    """How objects of exactly this class are rebuilt, or None (pickled as usual)."""
    if cls is sp.Symbol:
        return lambda obj: (_symbol, _symbol_key(obj))
    if cls is sp.Add or cls is sp.Mul:
        return lambda obj: (_assoc, (cls, obj.args))
    if cls is sp.Pow:
        return lambda obj: (_unevaluated, (cls, obj.args))
    if cls is MatrixElement:
        return lambda obj: (_element, obj.args)
    if issubclass(cls, Relational) and (cls.__module__ or "").startswith("sympy."):
        return lambda obj: (_unevaluated, (cls, obj.args))
    if cls is sp.Max or cls is sp.Min:
        return lambda obj: (_unevaluated, (cls, obj.args))
    if cls is sp.Sum or cls is sp.Product:
        return lambda obj: (_with_limits, (cls, obj.args))
    if (issubclass(cls, sp.Function) and (cls.__module__ or "").startswith("sympy.functions.")
            and copyreg.dispatch_table.get(cls) is None):
        return lambda obj: (_unevaluated, (cls, obj.args))
    return None


_REDUCERS: dict[type, Callable[[Any], tuple] | None] = {}


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        try:
            how = _REDUCERS[cls]
        except KeyError:
            how = _REDUCERS[cls] = _reducer(cls) if isinstance(obj, sp.Basic) else None
        return how(obj) if how is not None else NotImplemented


def dumps(obj: Any) -> bytes:
    f = io.BytesIO()
    _Pickler(f, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return f.getvalue()
