"""Registry of question definitions: the ground truth that closed forms are checked against.

A bank entry names its definition (``definition = "ucb-cs182-sp22/1"``); the
code lives here, one module per exam, registered with :func:`definition`.

``torch(v)`` receives the sampled values of the question's symbols, keyed by
name (scalars ``(B, 1, 1)``, vectors ``(B, n, 1)``, matrices ``(B, r, c)``,
dims as ``int``) and returns what the answer should equal, computed the way a
framework would: autograd of the function or loss, a forward pass, a module's
parameter count. ``sympy(v)`` (optional) re-derives the reference symbolically
from explicit, instantiated values (dims are small integers, vectors are
explicit SymPy matrices), so ``derive validate`` can check the stored closed
form against its definition three ways.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Definition:
    name: str
    describe: str
    torch: Callable[[dict[str, Any]], Any]
    sympy: Callable[[dict[str, Any]], Any] | None = None


REGISTRY: dict[str, Definition] = {}


def definition(name: str, describe: str, *, sympy: Callable | None = None):
    """Register ``fn`` as the torch ground truth of bank entry ``name``."""
    def register(fn: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"definition {name!r} registered twice")
        REGISTRY[name] = Definition(name, describe, fn, sympy)
        return fn
    return register


def get(name: str) -> Definition:
    _load_all()
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no definition named {name!r} (known: {', '.join(sorted(REGISTRY))})") \
            from None


_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True
