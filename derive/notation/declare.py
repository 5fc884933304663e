"""Declarations: a question's symbols from their written form (the bank's TOML tables
or the keyword shorthand of :mod:`derive.testing`) to a :class:`Context`.

This is the one reader of symbol declarations. It checks every name it is given
(kinds, domains, shapes, keys) and raises :class:`DeclarationError` with the symbol and
the key at fault; the bank turns that into a ``BankError`` naming the file and the
question, :mod:`derive.testing` into an ``InvalidArgument``. A ``constant``'s value is
LaTeX: it is read here, with the grammar, before the Context is built, so the symbol
table never calls the parser.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..errors import AnswerError
from .grammar import function_body
from .parser import parse_expression
from .symbols import DOMAINS, KINDS, Context, SymbolSpec

SPEC_KEYS = frozenset({"kind", "shape", "domain", "range", "latex", "value", "define", "index",
                       "of", "torch", "params"})
#: structured domains -> (the kinds they apply to, whether the shape must be square)
STRUCTURED: dict[str, tuple[tuple[str, ...], bool]] = {
    "simplex": (("vector",), False), "symmetric": (("matrix",), True),
    "spd": (("matrix",), True), "invertible": (("matrix",), True),
    "orthogonal": (("matrix",), False),
}


class DeclarationError(ValueError):
    """A symbol declaration that cannot be used; ``symbol`` and ``key`` say where."""

    def __init__(self, message: str, *, symbol: str = "", key: str = ""):
        super().__init__(message)
        self.symbol, self.key, self.message = symbol, key, message


def spec(name: str, d: Mapping[str, Any]) -> SymbolSpec:
    """One declaration (a mapping in the bank's format) as a :class:`SymbolSpec`."""
    def bad(message: str, key: str = "") -> DeclarationError:
        return DeclarationError(f"symbol {name!r}: {message}", symbol=name, key=key)

    if not isinstance(d, Mapping) or "kind" not in d:
        raise bad(f"a declaration is a table with a 'kind', got {d!r}", "kind")
    unknown = set(d) - SPEC_KEYS
    if unknown:
        raise bad(f"unknown keys {sorted(unknown)} (allowed: {', '.join(sorted(SPEC_KEYS))})",
                  sorted(unknown)[0])
    kind = d["kind"]
    if kind not in KINDS:
        raise bad(f"unknown kind {kind!r} (known: {', '.join(KINDS)})", "kind")
    domain = d.get("domain", "real")
    if domain not in DOMAINS:
        raise bad(f"unknown domain {domain!r} (known: {', '.join(DOMAINS)})", "domain")
    shape = d.get("shape", ())
    if isinstance(shape, str):
        shape = shape.split()          # einops style: "n n"
    if not isinstance(shape, (list, tuple)) or not all(
            isinstance(x, (str, int)) and not isinstance(x, bool) for x in shape):
        raise bad(f"shape must be a list of dim names or integers, got {shape!r}", "shape")
    if len(shape) > 2:
        raise bad(f"shape {tuple(shape)!r}: derive handles scalars, vectors and matrices "
                  f"(at most two dims)", "shape")
    if domain in STRUCTURED:
        kinds, square = STRUCTURED[domain]
        if kind not in kinds:
            raise bad(f"domain {domain!r} is for a {' or '.join(kinds)}, not a {kind}",
                      "domain")
        if square and (len(shape) != 2 or shape[0] != shape[1]):
            raise bad(f"domain {domain!r} needs a square matrix (shape like \"n n\"), "
                      f"got shape {tuple(shape)!r}", "shape")
    rng, of = d.get("range"), d.get("of")
    if isinstance(rng, str):            # an index ranges over a dim: range = "K"
        of, rng = rng, None
    if rng is not None:
        if not (isinstance(rng, (list, tuple)) and len(rng) == 2
                and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in rng)):
            raise bad(f"range must be [low, high] or a dim name, got {rng!r}", "range")
    latex = d.get("latex", ())
    if isinstance(latex, str):
        latex = (latex,)
    if not all(isinstance(x, str) for x in latex):
        raise bad("latex must be a string or a list of strings", "latex")
    for key in ("value", "define", "index", "of", "torch"):
        v = of if key == "of" else d.get(key)
        if v is not None and not isinstance(v, str):
            raise bad(f"{key} must be a string, got {v!r}", key)
    if kind == "constant" and d.get("value") is None:
        raise bad("a constant needs its value", "value")
    params = d.get("params", ())
    define, body = d.get("define"), None
    if "params" in d or kind == "function" and define is not None:
        # a function the question defines (the cross entropy H(p;q) = -\sum_x p(x)\log q(x)):
        # its parameters, each a scalar or (with a shape) a vector whose entries the
        # definition writes q_x or q(x), and its definition in them
        if kind != "function":
            raise bad("params are for a function the question defines", "params")
        if isinstance(params, str):
            params = params.split()
        if not params or not all(isinstance(x, str) and x.isalpha() for x in params) \
                or len(set(params)) != len(params):
            raise bad(f"params must be a list of distinct names (letters), got {params!r}",
                      "params")
        if define is None:
            raise bad("a function with params needs its definition (define)", "define")
        if len(shape) > 1:
            raise bad("a function's parameters are scalars or vectors (shape: one dim)",
                      "shape")
        if d.get("torch") is not None:
            raise bad("a function is given by its definition or by torch, not both", "torch")
        define, body = None, define
    return SymbolSpec(name=name, kind=kind, shape=tuple(shape), domain=domain,
                      bounds=tuple(float(x) for x in rng) if rng else None,
                      latex=tuple(latex), value=d.get("value"), define=define,
                      index=d.get("index"), of=of, torch=d.get("torch"),
                      params=tuple(params), body=body)


def make_context(specs: list[SymbolSpec], asked: Mapping[str, tuple[str, ...]] | None = None
                 ) -> Context:
    """A :class:`Context` with every constant's value read first."""
    constants: dict[str, Any] = {}
    for s in specs:
        if s.kind == "constant":
            try:
                constants[s.name] = parse_expression(s.value or "", Context([]))
            except AnswerError as exc:
                raise DeclarationError(f"symbol {s.name!r}: cannot read its value "
                                       f"{s.value!r}: {exc.message}", symbol=s.name,
                                       key="value") from None
    try:
        ctx = Context(list(specs), asked=dict(asked or {}), constants=constants)
    except ValueError as exc:
        raise DeclarationError(str(exc)) from None
    for s in specs:
        if s.body is not None:   # a function the question defines: read its definition now
            try:
                function_body(ctx, s)
            except AnswerError as exc:
                raise DeclarationError(f"symbol {s.name!r}: cannot read its definition "
                                       f"{s.body!r}: {exc.message}", symbol=s.name,
                                       key="define") from None
    return ctx


def declare(table: Mapping[str, Mapping[str, Any]],
            asked: Mapping[str, tuple[str, ...]] | None = None) -> Context:
    """A :class:`Context` from a table of declarations ``{name: {kind: ..., ...}}``."""
    return make_context([spec(name, d) for name, d in table.items()], asked)
