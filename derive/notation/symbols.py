"""Declared symbols: what each name in a question means, as SymPy objects.

A question declares every symbol a student may use (docs/bank-format.md):
its kind (``dim``, ``scalar``, ``index``, ``constant``, ``vector``, ``matrix``,
``family``, ``identity``, ``ones``, ``function``), its shape, its domain, and the
LaTeX spellings students use for it. :class:`Context` turns those into SymPy
objects and into token patterns that the parser matches before it reads the
answer, so that ``D_C``, ``\\alpha_{\\text{initial}}`` or
``\\frac{\\partial f}{\\partial y_i}`` are single names.

Kinds are a registry (:data:`KINDS`), not an ``if`` chain.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import sympy as sp

from ..errors import AnswerError
from ..notation.lexer import GREEK, Token, lex_form

DOMAINS = ("real", "positive", "nonnegative", "nonzero", "negative", "unit", "probability",
           "interval", "integer",
           # structured: a vector on the probability simplex (positive entries summing to
           # 1); square matrices that are symmetric, symmetric positive definite,
           # invertible and well conditioned, or orthogonal (orthonormal columns, or rows
           # when wide). Drawn directly by construction (derive.judge.numeric.SAMPLERS).
           "simplex", "symmetric", "spd", "invertible", "orthogonal")


@dataclass(frozen=True)
class SymbolSpec:
    """One declared symbol. ``shape`` entries are dim names or integers."""

    name: str
    kind: str
    shape: tuple[str | int, ...] = ()
    domain: str = "real"
    bounds: tuple[float, float] | None = None   # for domain 'interval' and dim ranges
    latex: tuple[str, ...] = ()
    value: str | None = None      # constant: its value, as LaTeX
    define: str | None = None     # derived symbol: its definition, as LaTeX
    index: str | None = None      # family: the wildcard letter in its LaTeX forms
    of: str | None = None         # index: the dim it ranges over
    torch: str | None = None      # function: name in the numeric function table
    params: tuple[str, ...] = ()  # function defined by the question: its parameters
    body: str | None = None       # ... and its definition in them, as LaTeX

    @property
    def forms(self) -> tuple[str, ...]:
        return self.latex or (self.name,)


def _dim(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    return sp.Symbol(s.name, integer=True, positive=True)


#: domain -> SymPy assumptions of a scalar in it (and of the entries of a vector or
#: matrix in it, see derive.judge.symbolic.explicit)
ASSUMPTIONS: dict[str, dict[str, bool]] = {
    "real": {"real": True}, "positive": {"real": True, "positive": True},
    "probability": {"real": True, "positive": True},
    "nonzero": {"real": True, "nonzero": True},
    "nonnegative": {"real": True, "nonnegative": True},
    "negative": {"real": True, "negative": True}, "integer": {"real": True, "integer": True},
    "unit": {"real": True}, "interval": {"real": True},
    # entrywise facts only: what the structure says about the matrix as a whole
    # (symmetry, definiteness) is not an assumption on its entries
    "simplex": {"real": True, "positive": True}, "symmetric": {"real": True},
    "spd": {"real": True}, "invertible": {"real": True}, "orthogonal": {"real": True},
}


def assumptions(s: SymbolSpec) -> dict[str, bool]:
    out = dict(ASSUMPTIONS.get(s.domain, {"real": True}))
    if s.domain == "interval" and s.bounds and s.bounds[0] >= 0:
        out["nonnegative"] = True
    return out


def _scalar(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    return sp.Symbol(s.name, **assumptions(s))


def _index(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    return sp.Symbol(s.name, integer=True, positive=True)


def _matrix(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    rows, cols = (ctx.dim(d) for d in (tuple(s.shape) + (1,))[:2])
    return sp.MatrixSymbol(s.name, rows, cols)


def _identity(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    return sp.Identity(ctx.dim(s.shape[0]))


def _ones(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    return sp.OneMatrix(ctx.dim(s.shape[0]), 1)


def _constant(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    # a constant's value is LaTeX, read before the Context is built
    # (derive.notation.declare.make_context), so this table never calls the parser
    if s.name not in ctx.constants:
        raise ValueError(f"symbol {s.name!r}: a constant's value is read by "
                         f"derive.notation.declare.make_context")
    return ctx.constants[s.name]


def _function(ctx: "Context", s: SymbolSpec) -> sp.Basic:
    return sp.Function(s.name, real=True)


#: kind -> constructor of the SymPy object
KINDS: dict[str, Callable[["Context", SymbolSpec], sp.Basic]] = {
    "dim": _dim, "scalar": _scalar, "index": _index, "constant": _constant,
    "vector": _matrix, "matrix": _matrix, "family": _matrix,
    "identity": _identity, "ones": _ones, "function": _function,
}


@dataclass(frozen=True)
class Pattern:
    """Tokens of one LaTeX form of a symbol; ``wildcard`` matches an index."""

    tokens: tuple[tuple[str, str], ...]
    target: str
    wildcard: str | None = None


@dataclass
class Context:
    """The symbols of one question, ready for the parser and the samplers."""

    specs: list[SymbolSpec]
    asked: dict[str, tuple[str, ...]] = field(default_factory=dict)  # part -> LaTeX forms
    constants: dict[str, Any] = field(default_factory=dict)          # name -> value (SymPy)
    objects: dict[str, Any] = field(init=False)
    #: per-Context memo (parsed derived symbols, compiled closures): it lives and dies
    #: with the Context
    cache: dict[Any, Any] = field(init=False, repr=False, compare=False)
    patterns: list[Pattern] = field(init=False)
    #: part -> the patterns its value is read with: the question's, and the forms that
    #: stand for one of its symbols in that part only (:meth:`add_part_forms`)
    part_patterns: dict[str, list[Pattern]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {s.name: s for s in self.specs}
        self.cache = {}
        self.part_patterns = {}
        self.objects = {}
        for s in sorted(self.specs, key=lambda s: s.kind != "dim"):  # dims first
            if s.kind not in KINDS:
                raise ValueError(f"symbol {s.name!r}: unknown kind {s.kind!r} "
                                 f"(known: {', '.join(KINDS)})")
            self.objects[s.name] = KINDS[s.kind](self, s)
        pats: list[Pattern] = []
        for s in self.specs:
            for form in s.forms:
                pats.append(_pattern(form, s.name, s.index))
                if s.kind in ("vector", "matrix"):
                    pats.extend(_entry_patterns(pats[-1]))
        for part, forms in self.asked.items():
            self.objects[asked_name(part)] = asked_marker(part)
            for form in forms:
                pats.append(_pattern(form, asked_name(part), None))
        pats.extend(_whole_family_patterns(pats, self.by_name))
        # longest first, so D_C wins over D and \hat x_i over x; of one length, a form as
        # declared before an entry's wildcard (\partial L/\partial \theta_k is the declared
        # gradient at theta_k, not an entry of \partial L/\partial \theta)
        self.patterns = sorted(_with_variants(pats),
                               key=lambda p: (-len(p.tokens), p.wildcard is not None))

    def add_part_forms(self, part: str, forms: dict[str, Sequence[str]]) -> None:
        """Forms that stand for a declared symbol inside one part of a tuple question only
        (``\\sigma(z)`` is ``D(X^i)`` in the part "real" and ``D(G(Z^i))`` in the part
        "generated"): the parser reads that part's value with them, and no other."""
        pats: list[Pattern] = []
        for name, fs in forms.items():
            s = self.by_name[name]
            for form in fs:
                pats.append(_pattern(form, name, s.index))
                if s.kind in ("vector", "matrix"):
                    pats.extend(_entry_patterns(pats[-1]))
        self.part_patterns[part] = sorted([*self.patterns, *_with_variants(pats)],
                                          key=lambda p: -len(p.tokens))

    def dim(self, d: str | int) -> sp.Basic:
        if isinstance(d, int):
            return sp.Integer(d)
        if d not in self.objects:
            raise ValueError(f"shape refers to {d!r}, which is not a declared dim")
        return self.objects[d]

    @property
    def dims(self) -> list[SymbolSpec]:
        return [s for s in self.specs if s.kind == "dim"]

    def dim_objects(self) -> frozenset:
        """The dims as SymPy symbols (the sizes the question declares)."""
        return frozenset(self.objects[s.name] for s in self.dims)

    def spec_of(self, name: str) -> SymbolSpec | None:
        return self.by_name.get(name)


def asked_name(part: str) -> str:
    return f"asked:{part}"


def asked_marker(part: str) -> sp.Symbol:
    return sp.Symbol(asked_name(part))


def is_asked(expr: Any) -> str | None:
    if isinstance(expr, sp.Symbol) and expr.name.startswith("asked:"):
        return expr.name[len("asked:"):]
    return None


def _with_variants(pats: list[Pattern]) -> list[Pattern]:
    """The patterns and their variants: TeX typesets x_a^b and x^b_a alike (either order
    of the scripts is the form), a list may be in square brackets, a sample index in
    parentheses."""
    pats = list(pats)
    known = {(p.tokens, p.target) for p in pats}
    for p in list(pats):
        for variant in (_swap_scripts(p.tokens), _bracket_list(p.tokens),
                        _sample_index(p.tokens), *_argument_lists(p.tokens)):
            if variant is not None and (variant, p.target) not in known:
                known.add((variant, p.target))
                pats.append(Pattern(variant, p.target, p.wildcard))
    return pats


def _whole_family_patterns(pats: list[Pattern], specs: dict[str, SymbolSpec]
                           ) -> list[Pattern]:
    """A family's form with its index left out, ``\\frac{\\partial f}{\\partial \\mathbf{y}}``
    or ``\\hat x`` where ``\\frac{\\partial f}{\\partial y_i}``, ``\\hat x_i`` are declared: the
    family as a vector (bold is presentation, so the bold and the bare form are one). Only
    where the index is the subscript of a letter (not of ``\\operatorname{softmax}(s)_m``)
    and the question gives the shortened form no other meaning."""
    taken = {p.tokens for p in pats}
    out: list[Pattern] = []
    for p in pats:
        spec = specs.get(p.target)
        if spec is None or spec.kind != "family" or p.wildcard is None:
            continue
        keys = p.tokens
        for k in range(1, len(keys) - 1):
            base = keys[k - 1]
            if keys[k] != ("char", "_") or not (
                    base[0] == "char" and base[1].isalpha()
                    or base[0] == "cmd" and base[1][1:] in GREEK):
                continue
            end = k + 2 if keys[k + 1] == ("char", p.wildcard) else None
            if end is None:
                continue
            short = keys[:k] + keys[end:]
            if short and short not in taken:
                taken.add(short)
                out.append(Pattern(short, p.target, None))
    return out


def _pattern(form: str, target: str, wildcard: str | None) -> Pattern:
    try:
        toks = lex_form(form)
    except AnswerError as exc:
        raise ValueError(f"symbol {target!r}: cannot read its LaTeX form {form!r}: "
                         f"{exc.message}") from None
    return Pattern(tuple(t.key for t in toks), target, wildcard)


def _bracket_list(keys: tuple) -> tuple | None:
    """A list form ``(\\hat y_1, \\hat y_2)`` written in square brackets,
    ``[\\hat y_1, \\hat y_2]`` (the same list), or None."""
    if len(keys) < 5 or keys[0] != ("char", "(") or keys[-1] != ("char", ")"):
        return None
    depth = 0
    comma = False
    for k, key in enumerate(keys):
        if key in (("char", "("), ("char", "["), ("char", "{")):
            depth += 1
        elif key in (("char", ")"), ("char", "]"), ("char", "}")):
            depth -= 1
            if depth == 0 and k != len(keys) - 1:
                return None   # (a)(b): not one list
        elif key == ("char", ",") and depth == 1:
            comma = True
    return (("char", "["),) + keys[1:-1] + (("char", "]"),) if comma else None


def _argument_lists(keys: tuple) -> list[tuple]:
    """A form that ends in an argument list with a semicolon, ``\\tilde J(\\mathbf w;
    \\mathbf X, \\mathbf y)`` (the function's variables, then what it is parameterised by):
    the same quantity written with its variables alone, ``\\tilde J(\\mathbf w)``, and with a
    comma for the semicolon, ``\\tilde J(\\mathbf w, \\mathbf X, \\mathbf y)``. Other
    arguments (another point) are no variant."""
    if len(keys) < 6 or keys[-1] != ("char", ")"):
        return []
    depth, semi = 0, None
    for k in range(len(keys) - 1, -1, -1):
        if keys[k] in (("char", ")"), ("char", "]"), ("char", "}")):
            depth += 1
        elif keys[k] in (("char", "("), ("char", "["), ("char", "{")):
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and keys[k] == ("char", ";"):
            if semi is not None:
                return []
            semi = k
    else:
        return []
    if semi is None or k == 0 or semi == k + 1 or semi == len(keys) - 2:
        return []
    return [keys[:semi] + keys[-1:], keys[:semi] + (("char", ","),) + keys[semi + 1:]]


def _sample_index(keys: tuple) -> tuple | None:
    """``D(X^{(i)})`` as the declared ``D(X^i)``: a superscript that is one lower-case
    letter (the sample index of ``X^i``, ``Z^i``) written in brackets, the convention of
    ``x^{(i)}`` for the i-th example; or None. Only a letter: ``f^{(2)}`` is no sample."""
    out: list = []
    found = False
    k = 0
    while k < len(keys):
        if keys[k] == ("char", "^") and k + 1 < len(keys):
            one = keys[k + 1]
            if one == ("char", "{") and k + 3 < len(keys) and keys[k + 3] == ("char", "}"):
                one, end = keys[k + 2], k + 4
            else:
                end = k + 2
            if one[0] == "char" and len(one[1]) == 1 and "a" <= one[1] <= "z":
                out += [("char", "^"), ("char", "{"), ("char", "("), one, ("char", ")"),
                        ("char", "}")]
                found = True
                k = end
                continue
        out.append(keys[k])
        k += 1
    return tuple(out) if found else None


def _script_end(keys: tuple, k: int) -> int:
    """Just past the script whose ``_``/``^`` is at ``keys[k]``: a braced group or one
    token."""
    if k + 1 >= len(keys):
        return len(keys)
    if keys[k + 1] != ("char", "{"):
        return k + 2
    depth = 0
    for j in range(k + 1, len(keys)):
        if keys[j] == ("char", "{"):
            depth += 1
        elif keys[j] == ("char", "}"):
            depth -= 1
            if depth == 0:
                return j + 1
    return len(keys)


def _swap_scripts(keys: tuple) -> tuple | None:
    """``\\sigma_{\\mathcal B}^2`` as ``\\sigma^2_{\\mathcal B}`` (the last pair of a
    subscript and a superscript side by side, in the other order), or None."""
    marks = (("char", "_"), ("char", "^"))
    k = 0
    found = None
    while k < len(keys):
        if keys[k] in marks:
            end = _script_end(keys, k)
            if end < len(keys) and keys[end] in marks and keys[end] != keys[k]:
                found = (k, end, _script_end(keys, end))
            k = end
        else:
            k += 1
    if found is None:
        return None
    a, b, c = found
    return keys[:a] + keys[b:c] + keys[a:b] + keys[c:]


def _entry_patterns(p: Pattern) -> list[Pattern]:
    """A declared vector or matrix written as a derivative, ``\\frac{\\partial J}{\\partial w}``
    or ``\\partial L/\\partial W``: the same derivative in a subscripted variable,
    ``\\frac{\\partial J}{\\partial w_i}``, is its entry (``_?`` is the index wildcard)."""
    toks = p.tokens
    out = []
    for j in range(1, len(toks)):
        if (toks[j - 1] in (("cmd", r"\partial"), ("char", "d"))
                and (toks[j][0] == "char" and toks[j][1].isalpha()
                     or toks[j][0] == "cmd" and toks[j][1][1:] in GREEK)
                and (j + 1 == len(toks) or toks[j + 1] == ("char", "}")) and j >= 2):
            variant = toks[:j + 1] + (("char", "_"), ("char", "?")) + toks[j + 1:]
            out.append(Pattern(variant, p.target, "?"))
    return out


def substitute_aliases(tokens: list[Token], patterns: list[Pattern],
                       extra: list[tuple[Pattern, Any]] = ()) -> list[Token]:
    """Replace every declared form in ``tokens`` by one ``ref`` token.

    A ``ref`` token's ``ref`` is ``(name, index_tokens)``, or ``("=", value)``
    for a local definition made with ``where``.
    """
    index = _first_token_index(patterns, extra)
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        for pat, value in index.get(tokens[i].key, ()):
            m = _match(tokens, i, pat)
            if m is not None:
                end, idx = m
                if isinstance(value, Token):   # a name defined as a function: \sigma = softmax
                    out.append(Token(value.kind, value.text, tokens[i].pos))
                    i = end
                    break
                if _partial_group(tokens, i, end) is not None:
                    # part of a \text word (the P of \text{Parameters}, the n of
                    # \text{units}): a word is never read as a declared name plus letters
                    out.append(tokens[i])
                    i += 1
                    break
                ref = ("=", (value, idx)) if value is not None else (pat.target, idx)
                out.append(Token("ref", pat.target, tokens[i].pos, ref))
                i = end
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


_INDEXES: dict[int, tuple[list[Pattern], dict[Any, list[tuple[Pattern, Any]]]]] = {}


class _EveryPattern(dict):
    """An index that answers every key with the whole table (see _first_token_index)."""

    def __init__(self, table: list[tuple[Pattern, Any]]):
        super().__init__()
        self.table = table

    def get(self, key: Any, default: Any = None) -> Any:
        return self.table


def _first_token_index(patterns: list[Pattern], extra: Sequence[tuple[Pattern, Any]]
                       ) -> dict[Any, list[tuple[Pattern, Any]]]:
    """The patterns that can start at a token, by the token's key, longest first.

    Every pattern starts with a literal token (a name; the index wildcard comes after
    it), so only the patterns under ``tokens[i].key`` can match at ``i``: the same matches
    as trying the whole table, without trying it. The answer's own definitions
    (``extra``) come first: among patterns of one length they win (the sort is stable),
    so an answer may define a name the question derives (D = diag(...)). The index of a
    question's patterns alone is built once (per list)."""
    if not extra:
        hit = _INDEXES.get(id(patterns))
        if hit is not None and hit[0] is patterns:
            return hit[1]
    table: list[tuple[Pattern, Any]] = list(extra) + [(p, None) for p in patterns]
    table.sort(key=lambda pv: -len(pv[0].tokens))
    index: dict[Any, list[tuple[Pattern, Any]]] = {}
    if any(not pv[0].tokens or pv[0].tokens[0] == ("char", pv[0].wildcard) for pv in table):
        index = _EveryPattern(table)  # a pattern that may start anywhere: try them all
    else:
        for pv in table:
            index.setdefault(pv[0].tokens[0], []).append(pv)
    if not extra:
        if len(_INDEXES) > 4096:
            _INDEXES.clear()
        _INDEXES[id(patterns)] = (patterns, index)  # holding the list: its id stays its own
    return index


def _partial_group(tokens: list[Token], i: int, end: int) -> int | None:
    """The \\text word a match lies inside, if it covers only part of it (the n of
    \\text{units}); None for a whole declared word (\\text{dout}) or plain tokens."""
    groups = {t.group for t in tokens[i:end]}
    if len(groups) != 1 or None in groups:
        return None
    g = groups.pop()
    inside = (i > 0 and tokens[i - 1].group == g) or (end < len(tokens) and tokens[end].group == g)
    return g if inside else None


def _match(tokens: list[Token], i: int, pat: Pattern) -> tuple[int, list[Token] | None] | None:
    m = _match_form(tokens, i, pat)
    if m is None and pat.wildcard is None:
        m = _match_entry(tokens, i, pat)
    return m


def _match_form(tokens: list[Token], i: int, pat: Pattern
                ) -> tuple[int, list[Token] | None] | None:
    j = i
    captured: list[Token] | None = None
    for key in pat.tokens:
        if j >= len(tokens):
            return None
        if pat.wildcard is not None and key == ("char", pat.wildcard):
            # the index: one token, or a braced group
            if tokens[j].text == "{" and tokens[j].kind == "char":
                depth, k = 0, j
                while k < len(tokens):
                    if tokens[k].text == "{" and tokens[k].kind == "char":
                        depth += 1
                    elif tokens[k].text == "}" and tokens[k].kind == "char":
                        depth -= 1
                        if depth == 0:
                            break
                    k += 1
                captured = tokens[j + 1:k]
                j = k + 1
            elif tokens[j].kind in ("char", "num", "ref", "cmd", "idx") \
                    and tokens[j].text not in "{}()[]^_,":
                captured = [tokens[j]]
                j += 1
            else:
                return None
            continue
        if tokens[j].key != key:
            return None
        j += 1
    # a name must not continue with a subscript it did not declare: x_i is not x
    return j, captured


def _match_entry(tokens: list[Token], i: int, pat: Pattern
                 ) -> tuple[int, list[Token] | None] | None:
    """``\\theta_{k+1,ij}``, ``\\theta_{k,ij}``: a declared subscripted name
    (``\\theta_{k+1}``, ``\\theta_k``) with an entry's indices after a comma."""
    keys = pat.tokens
    if tokens[i].key != keys[0] or ("char", "_") not in keys:
        return None
    u = len(keys) - 1 - keys[::-1].index(("char", "_"))
    head, script = keys[:u + 1], keys[u + 1:]
    if script[:1] == (("char", "{"),) and script[-1:] == (("char", "}"),):
        script = script[1:-1]
    elif len(script) != 1:
        return None
    want = head + (("char", "{"),) + script + (("char", ","),)
    if i + len(want) > len(tokens) or tuple(t.key for t in tokens[i:i + len(want)]) != want:
        return None
    k = i + len(want)
    end = k
    while end < len(tokens) and tokens[end].key != ("char", "}"):
        end += 1
    entry = tokens[k:end]
    if end >= len(tokens) or not 1 <= len(entry) <= 3 or not all(
            t.kind in ("char", "idx") and (t.text.isalpha() or t.text == ",") for t in entry):
        return None
    return end + 1, entry
