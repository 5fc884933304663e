"""Registry of tier-2 claims: statements derive settles by proof or counterexample.

A bank file holds each claim as data (``[[claim]]`` with ``settle = "<name>"``);
the computation that settles it lives here, one module per exam, registered
with :func:`settles`. A settler returns a :class:`Settlement`: whether the
statement holds, how that was shown (``proof`` or ``counterexample``), and the
evidence a reader can check (the symbolic identity, the torch computation and
its numbers). ``derive validate`` compares the result with the exam's key.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Settlement:
    holds: bool | dict[str, bool]   # one truth value, or one per option/letter
    method: str                     # "proof" | "counterexample" | "computation"
    evidence: str                   # one paragraph a reader can check
    details: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, Callable[[], Settlement]] = {}


def settles(name: str):
    """Register ``fn() -> Settlement`` as the settler named ``name``."""
    def register(fn: Callable[[], Settlement]) -> Callable[[], Settlement]:
        if name in REGISTRY:
            raise ValueError(f"settler {name!r} registered twice")
        REGISTRY[name] = fn
        return fn
    return register


_loaded = False


def get(name: str) -> Callable[[], Settlement]:
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no settler named {name!r} (known: {', '.join(sorted(REGISTRY))})") \
            from None
