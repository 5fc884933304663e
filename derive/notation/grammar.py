"""The grammar: tokens -> SymPy, knowing the question's symbols.

A small recursive-descent parser (precedence climbing) over the tokens of
:mod:`derive.notation.lexer`, after :func:`derive.notation.symbols.substitute_aliases` has
turned every declared name into one ``ref`` token. It builds SymPy objects
directly, so that

* products of vectors and matrices keep their order (``MatMul``), and a
  product that comes out 1x1 (``\\mathbf{1}^T x``) becomes a scalar;
* ``x_i`` for a declared vector ``x`` is its i-th element, ``\\mathbf{1}_n`` and
  ``\\mathbf{I}_n`` are the ones vector and the identity;
* ``\\sum`` with or without bounds, ``\\max``, ``|x|``, ``\\operatorname{sign}``,
  ``\\begin{cases}``, ``\\mathbb{1}[\\cdot]``, ``\\delta_{ij}``, ``\\|x\\|`` mean what
  a grader reads; functions of a vector apply entrywise;
* nothing is ever evaluated as Python, numbers are exact (``0.98`` is 49/50),
  and a power that would be astronomically large is refused before SymPy
  tries to compute it.

Why not latex2sympy2_extended: see docs/parser.md (measured in bench/parsers.py).
"""
from __future__ import annotations

import math
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import AnswerError
from . import shapes
from .answer import Chain, choose
from .lexer import ACCENTS, Token, lex, lex_form
from .operators import DOTS, DOTS_COMMANDS, Operators, _split_commas
from .shapes import ShapeFault, is_matrix, scalarise, shape_text
from .symbols import Context, SymbolSpec, is_asked, substitute_aliases
from .tables import (FOREIGN, GREEK, ITALIC_FUNCTIONS, MATRIX_FUNCTIONS, MAX,
                     MAX_EXPONENT_DIGITS, MULTI_FUNCS, RELATIONS, SCALAR_FUNCS)


#: the readings of a power of a vector, ``x^2``: (name, what it means in words)
VECTOR_POWER_READINGS = (("entrywise", "entrywise, x \\odot x"),
                         ("norm", "of the norm, x^T x"))


class Parser(Operators):
    def __init__(self, tokens: list[Token], ctx: Context):
        self.t = tokens
        self.i = 0
        self.ctx = ctx
        self.bound: list[dict[str, sp.Symbol]] = []
        self.in_abs = 0
        self.in_norm = 0
        self.in_eval = 0   # inside \left. ... \right|_{...}
        self.end_pos = tokens[-1].pos + len(tokens[-1].text) if tokens else 0
        self.foreign_at: dict[sp.Symbol, int] = {}   # undeclared names read, and where
        self.ranges: dict[Any, Any] = {}   # a bound index -> its upper bound (e_i's length)
        # the variable of a derivative that an evaluation bar after it names
        # (\nabla_\theta(\ldots)\big|_{\theta=\theta_k}): its tokens -> (local, point)
        self.bar_locals: dict[tuple[str, ...], tuple[Any, Any]] = {}

    def child(self, tokens: list[Token]) -> "Parser":
        """A parser for a piece of this answer (a script, an argument), sharing what this
        one knows: bound indices and the undeclared names read."""
        p = Parser(tokens, self.ctx)
        p.bound = self.bound
        p.foreign_at = self.foreign_at
        p.ranges = self.ranges
        p.bar_locals = self.bar_locals
        return p

    # -- token helpers
    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def at(self, text: str, kind: str | None = None) -> bool:
        t = self.peek()
        return t is not None and t.text == text and (kind is None or t.kind == kind)

    def next(self) -> Token:
        t = self.peek()
        if t is None:
            raise AnswerError("parse.syntax", "the answer ends too early", self.end_pos)
        self.i += 1
        return t

    def expect(self, text: str, what: str = "") -> Token:
        t = self.peek()
        if t is None or t.text != text:
            pos = t.pos if t else self.end_pos
            got = f"'{t.text}'" if t else "the end"
            raise AnswerError("parse.syntax", f"expected '{text}'{what} at position {pos}, "
                              f"found {got}", pos)
        return self.next()

    def error(self, message: str, tok: Token | None = None, code: str = "parse.syntax"):
        tok = tok or self.peek()
        pos = tok.pos if tok else self.end_pos
        return AnswerError(code, f"{message} (position {pos})", pos)

    # -- entry points
    def whole(self) -> Any:
        e = self.expr()
        if self.peek() is not None:
            raise self.error(f"unexpected '{self.peek().text}'")
        return e

    def chain(self) -> Chain:
        pos = self.peek().pos if self.peek() else 0
        spans = [(pos, None)]
        items = [self.inline_cases(self.expr())]
        ops: list[str] = []
        while self.peek() is not None and (self.peek().text in RELATIONS or (
                not ops and self.peek().kind == "char" and self.peek().text == ":")):
            op_tok = self.next()
            spans[-1] = (spans[-1][0], op_tok.pos)
            ops.append("=" if op_tok.text == ":" else op_tok.text)  # "real: ..." labels too
            spans.append((self.peek().pos if self.peek() else op_tok.pos, None))
            items.append(self.inline_cases(self.expr()))
        if self.peek() is not None:
            tok = self.peek()
            if tok.kind == "cmd" and tok.text == r"\cdots":
                raise self.error("an ellipsis cannot be graded; write the expression out")
            raise self.error(f"unexpected '{tok.text}'")
        return Chain(items, ops, pos, spans)

    def inline_cases(self, value: Any) -> Any:
        """Cases written in a line, read as the cases environment reads them:
        ``v \\text{ if } c, \\text{ else } w``, ``v \\text{ for } c, \\quad w \\text{ otherwise}``,
        ``v \\text{ if } c_1, \\; w \\text{ if } c_2`` (undefined where no condition holds).
        A branch's condition opens with ``if``, ``when`` or ``for`` (table
        :data:`INLINE_CASE_LEADS`; ``for`` only before a condition: ``v \\text{ for } X^i``
        names a part); one branch alone is refused."""
        t = self.peek()
        if t is None or t.kind != "word" or t.text not in INLINE_CASE_LEADS:
            return value
        start = self.i
        self.next()
        try:
            cond = self.condition(",")
        except AnswerError:
            if t.text != "for":
                raise
            self.i = start   # v \text{ for } X^i: prose, not a condition
            return value
        pieces = [(value, cond)]
        while True:
            comma = self.i
            if self.at(",", "char"):
                self.next()
            u = self.peek()
            if u is not None and u.kind == "word" and u.text in ("else", "otherwise"):
                self.next()
                pieces.append((self.inline_cases(self.expr()), True))
                break
            if u is None or len(pieces) > 1 and not branch_at(self.t, comma):
                if len(pieces) > 1:
                    self.i = comma
                    break
                raise self.error("after 'if', write the other case: \\text{ else } ...", u)
            other = self.expr()
            w = self.peek()
            if w is not None and w.kind == "word" and w.text in ("else", "otherwise"):
                self.next()   # b \text{ otherwise}
                pieces.append((other, True))
                break
            if w is None or w.kind != "word" or w.text not in INLINE_CASE_LEADS:
                raise self.error("after 'if', write the other case: \\text{ else } ...", w)
            self.next()   # w \text{ if } c_2
            pieces.append((other, self.condition(",")))
        if any(is_matrix(v) for v, _ in pieces):
            raise self.error("cases with vector values are not supported", t, "shape.invalid")
        return sp.Piecewise(*pieces)

    # -- grammar
    def expr(self) -> Any:
        sign, minus = 1, None
        if self.at("-", "char"):
            minus = self.next()
            sign = -1
        elif self.at("+", "char"):
            self.next()
        acc = self.term()
        if sign < 0:
            self.no_list(minus, acc)
            acc = shapes.negative(acc)
        terms = [acc]   # the terms as written, for a sum written out with \cdots
        while self.peek() is not None and self.peek().kind == "char" and self.peek().text in "+-":
            op = self.next()
            if op.text == "+" and self.at(r"\cdots", "cmd"):
                acc = self.written_out_sum(acc, terms, op)
                terms = [acc]
                continue
            rhs = self.term()
            if op.text == "-":
                rhs = shapes.negative(rhs)
            terms.append(rhs)
            acc = self.add(acc, rhs, op)
        return acc

    # -- shape-typed operations (the rules are in derive.notation.shapes)
    def no_list(self, tok: Token | None, *values: Any) -> None:
        """A parenthesised list ``(a, b)`` is several values, never one operand (SymPy's
        Tuple would repeat under ``2 (a, b)`` and raise under ``-(a, b)``)."""
        if any(isinstance(v, sp.Tuple) for v in values):
            raise self.error("a list of values (a, b) cannot be an operand: write the "
                             "values one by one", tok, "shape.invalid")

    def shaped(self, op: Token | None, fn: Any, *args: Any, **kw: Any) -> Any:
        self.no_list(op, *args)
        try:
            return fn(*args, **kw)
        except ShapeFault as exc:
            raise self.error(str(exc), op, "shape.inconsistent") from None

    def add(self, a: Any, b: Any, op: Token) -> Any:
        return self.shaped(op, shapes.add, a, b)

    def mul(self, a: Any, b: Any, op: Token | None, dot: bool = False) -> Any:
        return self.shaped(op, shapes.mul, a, b, dot=dot)

    def div(self, a: Any, b: Any, op: Token | None) -> Any:
        if not is_matrix(b) and b == 0:
            raise self.error("division by zero", op, "parse.syntax")
        return self.shaped(op, shapes.div, a, b)

    def starts_factor(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind in ("num", "ref", "idx"):
            return True
        if t.kind == "char":
            if t.text == "|":
                return self.in_abs == 0 and not (self.peek(1) is not None
                                                 and self.peek(1).text == "_")
            return t.text.isalpha() or t.text in "([{"
        if t.kind == "cmd":
            if t.text == r"\|":
                return self.in_norm == 0
            return t.text not in (r"\cdot", r"\times", r"\odot", r"\circ", r"\otimes", r"\end",
                                  r"\\",
                                  r"\le", r"\ge", r"\ne", r"\approx", r"\cdots", r"\in",
                                  r"\rightarrow", "&")
        return False

    def term(self) -> Any:
        acc = self.power()
        while True:
            t = self.peek()
            if t is None:
                return acc
            if t.kind == "cmd" and t.text in (r"\cdot", r"\times") or (
                    t.kind == "char" and t.text == "*"):
                self.next()
                acc = self.mul(acc, self.power(), t, dot=t.text == r"\cdot")
            elif t.kind == "char" and t.text == "/":
                self.next()
                acc = self.div(acc, self.power(), t)
            elif t.kind == "cmd" and t.text == r"\otimes":
                self.next()
                acc = self.shaped(t, shapes.kronecker, acc, self.power())
            elif t.kind == "cmd" and t.text in (r"\odot", r"\circ"):
                self.next()
                acc = self.shaped(t, shapes.hadamard, acc, self.power())
            elif self.starts_factor():
                nxt = self.power()
                if is_matrix(acc) and is_matrix(nxt) and nxt.shape[0] == 1 and (
                        isinstance(acc, sp.Identity) and shapes.is_free(acc.shape[1])
                        or not shapes.is_free(acc.shape[1]) and acc.shape[1] != 1):
                    # \mathbf{I}\,\mathbf{1}^\top\mathbf{x}: a matrix before a row does not
                    # conform (a bare I is never the 1x1 identity); the juxtaposed factors
                    # after it are multiplied first (products are associative), and a 1x1
                    # result is a scalar: I (1^T x). A product that conforms as written is
                    # read as before
                    while self.starts_factor():
                        nxt = self.mul(nxt, self.power(), self.peek())
                acc = self.mul(acc, nxt, t)
            else:
                return acc

    def power(self) -> Any:
        base_tok = self.peek()
        base = self.primary()
        while True:
            t = self.peek()
            if t is None:
                return base
            if t.kind == "char" and t.text == "^":
                self.next()
                base = self.superscript(base, base_tok)
            elif t.kind == "char" and t.text == "_":
                self.next()
                toks = self.script_tokens()
                eq = next((k for k, u in enumerate(toks) if u.kind == "char" and u.text == "="),
                          None)
                if eq is not None and (not is_matrix(base) or tuple(
                        u.text for u in toks[:eq]) in self.bar_locals):
                    # [a(t + \Delta)^2]_{t=0}; \nabla_\theta[\ldots]_{\theta=\theta_k}
                    base = self.evaluation(base, toks, t)
                else:
                    base = self.element(base, toks, t)
            elif (t.kind == "char" and t.text == "|" and self.in_abs == 0
                  and self.in_eval == 0
                  and self.peek(1) is not None and self.peek(1).text == "_"):
                self.next()   # f'(w)\Big|_{w = w_k}: an evaluation bar
                self.next()
                base = self.evaluation(base, self.script_tokens(), t)
            elif (t.kind == "char" and t.text == "'" and isinstance(base, sp.MatrixSymbol)
                  and base_tok is not None and base_tok.kind == "ref"
                  and not (self.peek(1) is not None and self.peek(1).text == "=")):
                # W' of a declared matrix or vector: its transpose (the notation of MATLAB
                # and of statistics texts); a matrix is no function, so no derivative. Not
                # w' = ... (a primed name on the left names a new value: not read)
                self.next()
                base = scalarise(base.T)
            elif t.kind == "char" and t.text in "'!":
                raise self.error(f"'{t.text}' is not understood here; write the expression out")
            else:
                return base

    def script_tokens(self) -> list[Token]:
        """The tokens of a sub/superscript or a command's argument, as TeX reads them: a
        braced group, or ONE token: ``x^20`` is ``x^{2}0`` and ``\\frac12`` is
        ``\\frac{1}{2}``; a command that takes arguments takes them too (``x^\\frac12``)."""
        t = self.next()
        if t.kind == "num" and len(t.text) > 1:
            # TeX reads one character: the rest of the number stays in the input
            first = Token("num", t.text[0], t.pos)
            self.t[self.i - 1:self.i] = [first, Token("num", t.text[1:], t.pos + 1)]
            return [first]
        if t.kind == "cmd" and t.text in SCRIPT_MACROS:
            start = self.i - 1
            for _ in range(SCRIPT_MACROS[t.text]):
                self.script_tokens()
            return self.t[start:self.i]
        if t.kind == "char" and t.text == "{":
            depth, body = 1, []
            while True:
                u = self.next()
                if u.kind == "char" and u.text == "{":
                    depth += 1
                elif u.kind == "char" and u.text == "}":
                    depth -= 1
                    if depth == 0:
                        return body
                body.append(u)
        return [t]

    def sub(self, tokens: list[Token]) -> Any:
        """Parse script tokens with the same context and bound indices."""
        if not tokens:
            raise self.error("empty sub/superscript")
        if any(t.kind != "ref" for t in tokens):  # an index captured by a family's pattern
            bound = {name for scope in self.bound for name in scope}
            # a bound index letter is the index, even where the question declares the letter
            tokens = [Token("idx", t.text, t.pos) if t.kind == "char" and t.text in bound
                      and t.group is None else t for t in tokens]
            tokens = substitute_aliases(tokens, self.ctx.patterns)
        return self.child(tokens).whole()

    def superscript(self, base: Any, base_tok: Token | None) -> Any:
        toks = self.script_tokens()
        texts = tuple(t.text for t in toks if t.kind != "word")
        if texts in TRANSPOSE_LETTERS and is_matrix(base) and not self.declared_letter(
                texts[0]):
            # A^t, \vec 1^{\,t}: a lower-case t on a vector or matrix is the transpose (a
            # matrix has no power t) where the question gives no name t
            texts = ("T",)
        if texts == ("T",) and isinstance(base, sp.Tuple):
            return sp.ImmutableMatrix(list(base))   # (2, 0)^T: a column
        self.no_list(toks[0] if toks else base_tok, base)
        if texts == ("T",) and is_asked(base) is not None:
            return sp.Function("transpose")(base)   # a label transposed states something else
        if texts == ("T",) and not is_matrix(base) and not self.declared_letter("T") and not (
                getattr(base, "atoms", lambda *a: ())(MatrixElement)) and not any(
                str(s).startswith(FOREIGN) for s in getattr(base, "free_symbols", ())):
            # sign(w^*)^T where w^* is a scalar: a transpose says the writer means a vector
            raise self.error("a scalar has no transpose: this is not a vector or a matrix here",
                             toks[0], "shape.inconsistent")
        if texts == ("T",) and (is_matrix(base) or not self.declared_letter("T")):
            return scalarise(base.T) if is_matrix(base) else base
        if texts == ("*",) and is_asked(base) is not None:
            # p_2^* where p_2 is asked ("what value should p_2 take"): the starred asked
            # quantity is the value asked for, the label itself
            return base
        if texts == ("*",):
            raise self.error("w^* is understood only where the question declares it", toks[0],
                             "parse.undeclared_symbol")
        if is_matrix(base) and texts in MATRIX_SUPERSCRIPTS:
            return self.shaped(toks[0], MATRIX_SUPERSCRIPTS[texts], base)
        if is_matrix(base) and texts[:1] == (r"\odot",):   # A^{\odot -1}: entrywise power
            return sp.HadamardPower(base, self.sub(toks[1:]))
        exponent = self.sub(toks)
        self.no_list(toks[0], exponent)
        if is_matrix(base):
            if base.shape[1] == 1 and base.shape[0] != 1:
                # the power of a vector: entrywise (x \odot x), or of its norm (x^T x)?
                ambiguous = self.error("the power of a vector is ambiguous (entrywise, or "
                                       "x^T x?): write x \\odot x, x^T x or \\|x\\|^2",
                                       toks[0], "parse.ambiguous")
                if is_matrix(exponent):
                    raise ambiguous
                reading = choose("vector power", VECTOR_POWER_READINGS, ambiguous)
                if reading == "entrywise":
                    return sp.HadamardPower(base, exponent)
                return self.pow(self.mul(base, base, toks[0], dot=True), exponent / 2,
                                toks[0])
            if is_matrix(exponent) or not exponent.is_integer:
                raise self.error("a matrix power takes an integer exponent", toks[0],
                                 "shape.invalid")
            return self.shaped(toks[0], shapes.matrix_power, base, exponent)
        if is_matrix(exponent):
            if base == sp.E:   # e^{\mathbf{s}}: the exponential, entrywise
                return self.apply(sp.exp, exponent, Token("cmd", r"\exp", toks[0].pos))
            raise self.error("an exponent must be a scalar", toks[0], "shape.invalid")
        return self.pow(base, exponent, toks[0])

    def pow(self, base: Any, exponent: Any, tok: Token) -> Any:
        if base.is_number and exponent.is_number:
            try:
                size = abs(float(exponent)) * math.log10(max(abs(complex(base)), 1e-300))
            except (TypeError, OverflowError, ValueError):
                size = math.inf
            if not math.isfinite(size) or abs(size) > MAX_EXPONENT_DIGITS:
                raise self.error("this power is astronomically large", tok, "parse.huge_number")
        elif exponent.is_number and abs(exponent) > 10**6:
            raise self.error("this exponent is too large to check", tok, "parse.huge_number")
        if base == sp.E:
            return sp.exp(exponent)
        return sp.Pow(base, exponent)

    def element(self, base: Any, toks: list[Token], tok: Token) -> Any:
        """``x_i``: the i-th entry of a vector (1-based), ``W_{ij}`` of a matrix;
        ``(u)_+``: the positive part, max(u, 0) (entrywise for a vector); ``(u)_-`` the
        negative part, max(-u, 0)."""
        if [t.text for t in toks] == ["+"]:
            return self.multi_value(MAX, [base, sp.Integer(0)], tok)
        if [t.text for t in toks] == ["-"]:
            return self.multi_value(MAX, [-base, sp.Integer(0)], tok)
        if is_asked(base) is not None and toks and all(self.parameter(u) for u in toks):
            # L_{\Delta} where L is asked: the asked quantity as a function of a parameter
            # the question declares (the loss with margin \Delta), the label itself
            return base
        if not is_matrix(base):
            raise self.error("a subscript here is not a declared name; declare it or "
                             "write it differently", tok, "parse.undeclared_symbol")
        if cols_of(base) != 1 and len(toks) >= 2 and r"\cdot" in (toks[0].text, toks[-1].text) \
                and not any(u.text in (",", ":") for u in toks):
            # A_{i\cdot} (row i), A_{\cdot j} (column j): the dot marks the whole axis, as ':'
            at = 0 if toks[0].text == r"\cdot" else len(toks) - 1
            comma = Token("char", ",", toks[at].pos)
            colon_tok = Token("char", ":", toks[at].pos)
            toks = ([colon_tok, comma] + toks[1:]) if at == 0 else (toks[:-1] + [comma, colon_tok])
        colon = [k for k, u in enumerate(toks) if u.kind == "char" and u.text == ":"]
        if colon and cols_of(base) != 1:
            return self.slice(base, toks, colon[0], tok)
        idx = self.indices(toks)
        rows, cols = base.shape
        if cols == 1 and len(idx) == 1:
            return shapes.entry(base, idx[0] - 1, 0)
        if rows == 1 and len(idx) == 1:
            return shapes.entry(base, 0, idx[0] - 1)
        if len(idx) == 2:
            return shapes.entry(base, idx[0] - 1, idx[1] - 1)
        raise self.error(f"{shape_text(base)} needs {'one index' if cols == 1 else 'two indices'}",
                         tok, "shape.invalid")

    def slice(self, base: Any, toks: list[Token], k: int, tok: Token) -> Any:
        """``W_{r,:}`` (row r, as a row), ``W_{:,c}`` (column c)."""
        p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
        if k == len(toks) - 1 and k >= 2 and toks[k - 1].text == ",":   # W_{r,:}
            r = self.sub(toks[:k - 1])
            return sp.FunctionMatrix(1, base.shape[1], sp.Lambda((p, q), base[r - 1, q]))
        if k == 0 and len(toks) >= 3 and toks[1].text == ",":   # W_{:,c}
            c = self.sub(toks[2:])
            return sp.FunctionMatrix(base.shape[0], 1, sp.Lambda((p, q), base[p, c - 1]))
        raise self.error("write a row as W_{i,:} and a column as W_{:,j}", tok, "shape.invalid")

    def indices(self, toks: list[Token]) -> list[Any]:
        parts = [[]]
        for t in toks:
            if t.kind == "char" and t.text == ",":
                parts.append([])
            else:
                parts[-1].append(t)
        if len(parts) == 1 and len(toks) == 2 and all(t.kind in ("char", "ref", "idx")
                                                       for t in toks):
            parts = [[toks[0]], [toks[1]]]  # W_{ij}
        out = []
        for p in parts:
            v = self.sub(p)
            if is_matrix(v):
                raise self.error("an index must be a scalar", p[0] if p else None, "shape.invalid")
            out.append(v)
        return out

    def declared_letter(self, name: str) -> bool:
        return name in self.ctx.objects

    # -- primaries
    def primary(self) -> Any:
        t = self.peek()
        if t is None:
            raise self.error("the answer ends where an expression is expected")
        if t.kind == "num":
            return self.number(self.next())
        if t.kind == "idx":   # an index letter of an entrywise label
            return self.letter(self.next())
        if t.kind == "ref":
            if t.ref[1] is None and len(t.text) == 1:
                fn = self.function_word()
                if fn is not None:
                    return self.command(fn)
            return self.ref(self.next())
        if t.kind == "char":
            if t.text == "[" and self.bracketed_condition():
                return self.iverson("[")
            if t.text == "(":
                return self.group("(", ")")
            if t.text == "[":
                return self.group("[", "]")
            if t.text == "{":
                return self.group("{", "}")
            if t.text == "|":
                self.next()
                self.in_abs += 1
                inner = self.expr()
                self.in_abs -= 1
                self.expect("|", " to close |...|")
                return self.apply(sp.Abs, inner)
            if t.group is not None:   # an undeclared \text{word}
                return self.foreign(self.next())
            if t.text.isalpha():
                fn = self.function_word()
                if fn is not None:
                    return self.command(fn)
                return self.letter(self.next())
            if t.text == "#" and self.peek(1) is not None and self.peek(1).kind == "ref":
                self.next()   # \#\text{params} where \text{params} names the count
                return self.ref(self.next())
            nxt = self.peek(1)
            if t.text == "#" and nxt is not None and (
                    nxt.group is not None or nxt.kind == "word"
                    or nxt.kind == "char" and nxt.text.isalpha()
                    or nxt.kind == "cmd" and nxt.text[1:] in GREEK):
                # \#\text{params}, \#\text{param tensors}, \#\theta, \#W: "the number of",
                # a name for a count (a label where it opens a chain, else a foreign name)
                self.next()
                nxt = self.next()
                sym = self.foreign(Token("char", r"\text{" + nxt.text + "}", nxt.pos)
                                   if nxt.kind == "word" else nxt)
                return sp.Symbol(FOREIGN + "#" + sym.name[len(FOREIGN):], real=True)
            raise self.error(f"unexpected '{t.text}'")
        if t.kind == "cmd":
            return self.command(self.next())
        if t.kind == "word":
            if self.peek(1) is not None and self.peek(1).text in ("=", ":"):
                # \text{Parameter tensors} = 3: prose that names the value (a label)
                return self.foreign_name(r"\text{" + self.next().text + "}", t)
            raise self.error(f"unexpected text '{t.text}'")
        raise self.error(f"unexpected '{t.text}'")

    def number(self, t: Token) -> Any:
        while self.peek() is not None and self.peek().kind == "num":
            # "2 3", "{2}{3}", "0.9 8": TeX typesets the digits side by side, one number
            more = self.next()
            if "." in t.text and "." in more.text:
                raise self.error("two decimal numbers run together", more)
            t = Token("num", t.text + more.text, t.pos)
        if len(t.text.replace(".", "")) > 30:
            raise self.error("this number is too long", t, "parse.huge_number")
        if not any(c.isdigit() for c in t.text):   # \frac0.9: TeX's one-character "."
            raise self.error(f"'{t.text}' is not a number", t)
        if self.at("_", "char") and t.text == "1":
            self.next()
            n = self.dimension(self.sub(self.script_tokens()), t)
            return sp.OneMatrix(n, 1)  # \mathbf{1}_n
        if t.text == "1" and self.at("^", "char") and self.peek(1) and self.peek(1).text == "T":
            n = self.default_dim(t)
            return sp.OneMatrix(n, 1)
        return sp.Rational(t.text)

    def dimension(self, n: Any, tok: Token | None) -> Any:
        """A size the answer writes (``\\mathbf{1}_n``, ``\\mathbf{I}_n``): a positive
        integer, or an expression that may be one; ``\\mathbf{I}_{-1}`` is invalid."""
        self.no_list(tok, n)
        if is_matrix(n) or n.is_integer is False or n.is_positive is False \
                or n.is_finite is False:
            raise self.error("the size of a ones vector or an identity is a positive "
                             "integer or a dimension", tok, "shape.invalid")
        return n

    def default_dim(self, t: Token) -> Any:
        dims = self.ctx.dims
        if len(dims) != 1:
            raise self.error("write the size of the ones vector, as \\mathbf{1}_n", t,
                             "shape.invalid")
        return self.ctx.objects[dims[0].name]

    def group(self, open_: str, close: str) -> Any:
        start = self.next()
        dots = None

        def item() -> Any:
            nonlocal dots
            u, nxt = self.peek(), self.peek(1)
            if (u is not None and u.kind == "cmd" and u.text in DOTS_COMMANDS
                    and nxt is not None and nxt.text in (",", close)):
                dots = dots or self.next()   # (a_1, \ldots, a_n): entries left out
                return DOTS
            return self.expr()

        items = [item()]
        while self.at(",", "char") or self.at(";", "char"):   # (1{,}5; -0{,}65)
            self.next()
            items.append(item())
        t = self.peek()
        if t is None or t.text != close:
            pos = t.pos if t else self.end_pos
            raise AnswerError("parse.syntax", f"'{open_}' at position {start.pos} is not "
                              f"closed by '{close}' (position {pos})", pos)
        self.next()
        if dots is not None:   # a list with dots: the row vector of its pattern
            return self.dotted_vector([items], dots)
        if len(items) > 1:
            return sp.Tuple(*items)
        return items[0]

    def letter(self, t: Token) -> Any:
        name = t.text
        for scope in reversed(self.bound):
            if name in scope:
                return scope[name]
        if name == "e" and "e" not in self.ctx.objects:
            if self.at("_", "char"):  # e_y: a standard basis vector
                self.next()
                return self.basis(self.sub(self.script_tokens()))
            return sp.E
        if name == "I" and "I" not in self.ctx.objects:
            if self.at("_", "char"):
                self.next()
                return sp.Identity(self.dimension(self.sub(self.script_tokens()), t))
            return sp.Identity(shapes.free_dim())  # \mathbf{I}: sized by what it meets
        row = self.row_of_matrix(t)
        if row is not None:
            return row
        partial = self.subscript_derivative(t)
        if partial is not None:
            return partial
        return self.foreign(t)

    def subscript_derivative(self, t: Token) -> Any:
        """``f_w(x, w_k)``, ``f_{ww}(x, w_k)``: the subscript notation of partial
        derivatives, read as ``\\frac{\\partial f}{\\partial w}(x, w_k)`` only where it
        cannot mean anything else: the question writes ``f(x, w)`` (its argument list
        names ``w``) and the subscript is followed by an argument list of that length (so it
        is not a parameter, ``f_w(x)``, nor an entry). The derivative must be declared at
        that point; otherwise the name stays the student's own."""
        if t.group is not None or not self.at("_", "char"):
            return None
        start = self.i
        self.next()
        script = self.script_tokens()
        letters = {u.text for u in script}
        if len(letters) != 1 or not all(u.kind == "char" for u in script) \
                or not self.at("(", "char"):
            self.i = start
            return None
        var = letters.pop()
        close = _group_close(self.t, self.i)
        arity = self.argument_lists(t.text)
        args = self.t[self.i:close + 1] if close is not None else []
        count = 1 + sum(1 for u, d in zip(args, _depth_before(args)) if d == 1 and u.text == ",")
        if close is None or not any(var in names and len(names) == count for names in arity):
            self.i = start
            return None
        order = len(script)
        power = f"^{order}" if order > 1 else ""
        head = [Token(u.kind, u.text, t.pos) for u in lex_form(
            rf"\frac{{\partial{power} {t.text}}}{{\partial {var}{power}}}")]
        toks = substitute_aliases(head + [u for u in args], self.ctx.patterns)
        try:
            value = self.child(toks).whole()
        except AnswerError:
            self.i = start
            return None
        self.i = close + 1
        return value

    def argument_lists(self, name: str) -> list[list[str]]:
        """The argument names of the function ``name`` as the question's forms write it
        (``f(x, w)``: [x, w])."""
        key = ("argument-lists", name)
        if key not in self.ctx.cache:
            out: list[list[str]] = []
            for s in self.ctx.specs:
                for form in s.forms:
                    toks = lex_form(form)
                    if len(toks) >= 4 and toks[0].key == ("char", name) \
                            and toks[1].text == "(" and toks[-1].text == ")" \
                            and all(u.text == "," for u in toks[3:-1:2]) \
                            and all(u.kind == "char" and u.text.isalpha() for u in toks[2:-1:2]):
                        names = [u.text for u in toks[2:-1:2]]
                        if names not in out:
                            out.append(names)
            self.ctx.cache[key] = out
        return self.ctx.cache[key]

    def row_of_matrix(self, t: Token) -> Any:
        """``a_i`` (``a_i^\\top``) for a declared matrix ``A`` and an undeclared ``a``: row
        ``i`` of ``A``, as a column vector (the convention "a_i^T is the i-th row of A")."""
        upper = t.text.upper()
        if upper == t.text or not self.at("_", "char") or t.group is not None:
            return None
        m = self.ctx.objects.get(upper)
        if not (is_matrix(m) and m.shape[1] != 1):
            return None
        self.next()
        i = self.sub(self.script_tokens())
        if is_matrix(i):
            raise self.error("an index must be a scalar", t, "shape.invalid")
        p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
        return sp.FunctionMatrix(m.shape[1], 1, sp.Lambda((p, q), m[i - 1, p]))

    def foreign(self, t: Token) -> Any:
        """A name the question does not declare (``W`` where ``w`` is declared, ``p_1``,
        ``\\text{elements}``): read as a quantity of its own, which the question does not
        give. The answer is then wrong unless the name cancels or labels the value
        (derive.notation.parser); it is never merged with a declared name."""
        parts = [t.text]
        if t.group is not None:   # the letters of one \text{word}
            while self.peek() is not None and self.peek().group == t.group:
                parts.append(self.next().text)
            parts = [r"\text{" + "".join(parts) + "}"]
        while self.peek() is not None and self.peek().kind == "char" and self.peek().text in "_'":
            if self.next().text == "'":
                parts.append("'")
                continue
            parts.append("_{" + "".join(u.text for u in self.script_tokens()) + "}")
        if self.at("^", "char") and self.peek(1) is not None and self.peek(1).text == "*":
            self.next()
            self.next()
            parts.append("^*")
        if self.at("(", "char"):   # H(U;p), \sigma(s): a function the question does not give
            return self.operator_name(t, "".join(parts))
        return self.foreign_name("".join(parts), t)

    def accented(self, t: Token) -> Any:
        """``\\hat y_j``, ``\\bar z``, ``\\mathcal{L}`` where the question declares no such
        form: a name of the student's own (never the plain letter: ``\\bar z`` is not ``z``),
        with its subscripts; a definition in the answer gives its value."""
        toks = self.script_tokens()
        if not toks or not all(u.kind in ("char", "ref", "num", "cmd") and u.text not in "()[]"
                               for u in toks):
            raise self.error(f"{t.text} of this is not understood", t)
        inner = "".join(u.text if u.kind != "ref" else u.ref[0] for u in toks)
        return self.foreign(Token("char", f"{t.text}{{{inner}}}", t.pos))

    def foreign_name(self, name: str, t: Token) -> sp.Symbol:
        sym = sp.Symbol(FOREIGN + name, real=True)
        self.foreign_at.setdefault(sym, t.pos)
        return sym

    def basis(self, index: Any) -> Any:
        """``\\mathbf{e}_y``, ``\\mathbf{1}_y``: the standard basis vector (one-hot) of index
        ``y``; its length is the range of a declared index, else read off the context."""
        if is_matrix(index):
            raise self.error("an index must be a scalar")
        size = None
        spec = self.ctx.spec_of(index.name) if isinstance(index, sp.Symbol) else None
        if spec is not None and spec.kind == "index" and spec.of:
            size = self.ctx.objects[spec.of]
        elif index in self.ranges:   # \sum_{i=1}^m \ldots e_i: e_i has m entries
            size = self.ranges[index]
        p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
        return sp.FunctionMatrix(size if size is not None else shapes.free_dim(), 1,
                                 sp.Lambda((p, q), sp.KroneckerDelta(p + 1, index)))

    def function_word(self) -> Token | None:
        """``ln 9``, ``sign(w)``: a function name spelled in italic letters (not declared
        letters), read as the function."""
        best = None
        letters = ""
        for k in range(max(map(len, ITALIC_FUNCTIONS))):
            u = self.peek(k)
            if u is None or u.group is not None or not (
                    u.kind == "char" and u.text.isalpha()
                    or u.kind == "ref" and len(u.text) == 1 and u.ref[1] is None):
                break
            letters += u.text
            if letters in ITALIC_FUNCTIONS:
                best = (k + 1, ITALIC_FUNCTIONS[letters])
        if best is None:
            return None
        k, cmd = best
        nxt = self.peek(k)
        if nxt is None or nxt.kind == "char" and nxt.text.isalpha():
            return None   # "sign" must be followed by its argument
        t = self.peek()
        self.i += k
        return Token("cmd", cmd, t.pos)

    def parameter(self, t: Token) -> bool:
        """A declared scalar or constant written alone (``\\Delta``, ``\\lambda``): not an
        index, a dim or a number."""
        if t.kind != "ref" or t.ref is None or t.ref[1] is not None:
            return False
        spec = self.ctx.spec_of(t.ref[0])
        return spec is not None and spec.kind in ("scalar", "constant")

    def ref(self, t: Token) -> Any:
        name, payload = t.ref
        if name == "=":   # a name the answer defines ('where S = ...', 'p_k = ...')
            local, idx = payload
            if local.index is None:
                return local.value
            k = self.sub(idx)
            if is_matrix(k):
                raise self.error("an index must be a scalar", t, "shape.invalid")
            return local.value.xreplace({local.index: k})
        for scope in reversed(self.bound):
            if name in scope:
                return scope[name]
        obj = self.ctx.objects[name]
        spec = self.ctx.spec_of(name)
        if spec is not None and spec.body is not None:   # H(U;p): defined by the question
            return self.defined_function(spec, t)
        if spec is not None and spec.kind == "function":
            if not self.at("(", "char"):
                raise self.error(f"{name} is a function: write {name}(...)", t)
            self.next()
            args = [self.expr()]
            while self.at(",", "char"):
                self.next()
                args.append(self.expr())
            self.expect(")")
            if len(args) == 1 and is_matrix(args[0]):  # \sigma(Wx): entrywise
                return self.apply(obj, args[0])
            return obj(*args)
        if self.at("(", "char") and self.points_of(name):
            # \nabla J(\mathbf w), \frac{df}{dw}(w_k): the quantity at the point it is
            # declared at; at another point it is not this quantity
            start = self.i
            point = self.group("(", ")")
            if self.at_point(name, point):
                return self.element(obj, payload, t) if payload is not None else obj
            if isinstance(point, sp.Tuple):
                # f'(x, w_{k+1}): the declared quantity at another point is a quantity of
                # its own (a list of values is no factor to multiply by)
                where = "".join(u.text for u in self.t[start:self.i])
                return self.foreign_name(f"{spec.forms[0] if spec else name} at {where}", t)
            self.i = start
        if payload is not None:  # a family with its index: \frac{\partial f}{\partial y_i}
            return self.element(obj, payload, t)
        if spec is not None and spec.kind == "family" and self.at("_", "char"):
            raise self.error(f"{spec.forms[0]} needs an index", t, "shape.invalid")
        return obj   # a family named without its index (\hat{\mathbf x}): the vector

    def defined_function(self, spec: Any, t: Token) -> Any:
        """``H(U;p)`` where the question defines ``H(p;q) = -\\sum_x p(x)\\log q(x)``: the
        definition with the arguments for its parameters. An argument of a vector parameter
        is a vector of its length, or the bare name of a declared family (``p`` where
        ``p_i`` is declared); arguments are separated by ``,`` or ``;``."""
        body, params = function_body(self.ctx, spec)
        if not self.at("(", "char"):
            raise self.error(f"{spec.forms[0]} is a function: write {spec.forms[0]}(...)", t)
        self.next()
        args: list[list[Token]] = [[]]
        depth = 0
        while True:
            u = self.peek()
            if u is None:
                raise self.error(f"'(' after {spec.forms[0]} is not closed", t)
            self.next()
            if u.kind == "char" and u.text in "([{":
                depth += 1
            elif u.kind == "char" and u.text in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and u.kind == "char" and u.text in ",;":
                args.append([])
                continue
            args[-1].append(u)
        if len(args) != len(params):
            raise self.error(f"{spec.forms[0]} takes {len(params)} arguments, "
                             f"got {len(args)}", t)
        value = body
        for param, toks in zip(params, args):
            if not toks:
                raise self.error(f"an argument of {spec.forms[0]} is missing", t)
            arg = self.family_named(toks) if is_matrix(param) else None
            if arg is None:
                arg = self.sub(toks)
            if is_matrix(param) != is_matrix(arg) or is_matrix(arg) and (
                    arg.shape != param.shape):
                want = shape_text(param) if is_matrix(param) else "a scalar"
                raise self.error(f"the argument of {spec.forms[0]} at position {toks[0].pos} "
                                 f"is not {want}", toks[0], "shape.inconsistent")
            if is_matrix(param):
                value = value.replace(
                    lambda e, m=param: isinstance(e, MatrixElement) and e.parent == m,
                    lambda e, a=arg: a[e.i, e.j])
            else:
                value = value.xreplace({param: arg})
        return value

    def family_named(self, toks: list[Token]) -> Any:
        """``p``, bare, where a family ``p_i`` (``p(i)``) is declared: the family."""
        if len(toks) != 1 or toks[0].kind not in ("char", "cmd"):
            return None
        for pat in self.ctx.patterns:
            if pat.wildcard and pat.tokens[0] == toks[0].key and (
                    pat.tokens[1:] in ((("char", "_"), ("char", pat.wildcard)),
                                       (("char", "("), ("char", pat.wildcard), ("char", ")")))):
                spec = self.ctx.spec_of(pat.target)
                if spec is not None and spec.kind == "family":
                    return self.ctx.objects[pat.target]
        return None

    def command(self, t: Token) -> Any:
        name = t.text
        handler = COMMANDS.get(name)
        if handler is not None:
            return handler(self, t)
        if name == r"\log" and self.at("_", "char"):  # \log_2 x, \log_{10} x, \log_e x
            self.next()
            base_t = self.script_tokens()
            base = sp.E if [b.text for b in base_t] == ["e"] else self.sub(base_t)
            if is_matrix(base) or not base.is_number or base.is_positive is False:
                raise self.error("the base of a logarithm is a positive number", t)
            return self.apply(lambda a: sp.log(a, base), self.argument(t), t)
        if name in SCALAR_FUNCS:
            exponent = None
            if self.at("^", "char"):  # \cos^2 x is (\cos x)^2
                self.next()
                exponent = self.sub(self.script_tokens())
                if exponent == -1:
                    raise self.error(f"{name}^{{-1}} is ambiguous (inverse or reciprocal); write "
                                     f"1/{name}(x) or the inverse function by name", t)
            value = self.apply(SCALAR_FUNCS[name], self.argument(t), t)
            if exponent is None:
                return value
            if is_matrix(value):   # \tanh^2(v) of a vector: entrywise
                return sp.HadamardPower(value, exponent)
            return self.pow(value, exponent, t)
        if name in MULTI_FUNCS:
            return self.multi(MULTI_FUNCS[name], t)
        if name[1:] in GREEK:
            return self.letter(Token("char", name, t.pos))
        raise self.error(f"unknown command {name}{_did_you_mean(name)}", t,
                         "parse.unknown_command")

    def argument(self, t: Token) -> Any:
        """Argument of \\log, \\exp, ...: (..), {..}, or the factors written side by side
        after it (``\\sin 2x``, ``\\cos\\frac{\\pi}{N} i``), up to an operator, a bracket or
        another function."""
        if self.peek() is None:
            raise self.error(f"{t.text} needs an argument", t)
        if self.at("(", "char") or self.at("{", "char"):
            return self.primary()   # \\log(x)^2 is (\\log x)^2
        acc = self.power()
        while self.starts_factor() and not self.at("(", "char") and not self.at("[", "char") \
                and not (self.peek().kind == "cmd" and self.peek().text not in ARGUMENT_FACTORS):
            acc = self.mul(acc, self.power(), self.peek())
        return acc

    def operand(self) -> Any:
        """The operand of \\operatorname{tr}, \\det, \\operatorname{diag}: a bracket (a power
        after it applies to the result: ``\\operatorname{tr}(A)^2``), or the next factor."""
        if self.at("(", "char") or self.at("{", "char") or self.at("[", "char"):
            return self.primary()
        return self.power()

    def apply(self, f: Any, arg: Any, tok: Token | None = None) -> Any:
        """``f`` of ``arg``; of a vector or matrix, entrywise. Of a square matrix, a
        function with a matrix meaning (``\\sin X``, ``\\exp X``) is ambiguous."""
        if isinstance(arg, sp.Tuple):
            raise self.error("this function takes one argument")
        if (is_matrix(arg) and tok is not None and tok.text in MATRIX_FUNCTIONS
                and arg.shape[1] != 1 and arg.shape[0] == arg.shape[1]):
            name = tok.text.lstrip("\\")
            raise self.error(f"\\{name} of a square matrix is ambiguous: the matrix function, or "
                             f"\\{name} of each entry? Write it entrywise with the entries, or "
                             f"as a series", tok, "parse.ambiguous")
        if is_matrix(arg):
            d = sp.Dummy("t", real=True)
            return ElementwiseApplyFunction(sp.Lambda(d, f(d)), arg)
        return f(arg)

    def multi(self, f: Any, t: Token) -> Any:
        if self.at("_", "char"):
            raise self.error(f"{t.text} over a set is not understood; write {t.text}(a, b)", t)
        arg = self.operand()   # \max(a, b)^2 is (\max(a, b))^2
        args = list(arg) if isinstance(arg, sp.Tuple) else [arg]
        return self.multi_value(f, args, t)

    def multi_value(self, f: Any, args: list[Any], t: Token) -> Any:
        self.no_list(t, *args)
        if len(args) < 2:
            raise self.error(f"{t.text} needs two or more arguments", t)
        mats = [a for a in args if is_matrix(a)]
        if mats:
            if len(args) != 2 or is_matrix(args[1]) and is_matrix(args[0]):
                raise self.error(f"entrywise {t.text} takes a vector and a scalar", t,
                                 "shape.invalid")
            m, s = (args[0], args[1]) if is_matrix(args[0]) else (args[1], args[0])
            d = sp.Dummy("t", real=True)
            return ElementwiseApplyFunction(sp.Lambda(d, f(d, s)), m)
        return f(*args)

    # -- commands with their own syntax
    def frac(self, t: Token) -> Any:
        num_t, den_t = self.script_tokens(), self.script_tokens()
        first = num_t[0].text if num_t else ""
        if first in (r"\partial", "d") and den_t and den_t[0].text in (r"\partial", "d"):
            if len(num_t) == 1 and len(den_t) > 1:
                return self.derivative(den_t[1:], t)
            value = self.derivative_of(num_t, den_t, t)
            if value is not None:   # \frac{\partial (\gamma \hat x_i + \beta)}{\partial \gamma}
                return value
            # a derivative the question does not give (\partial y_i / \partial \beta)
            name = (r"\frac{" + " ".join(u.text for u in num_t) + "}{"
                    + " ".join(u.text for u in den_t) + "}")
            return self.foreign_name(name, t)
        num, den = self.sub(num_t), self.sub(den_t)
        return self.div(num, den, t)

    def inner(self, t: Token) -> Any:
        """``\\langle a, b\\rangle`` (the lexer's ``\\inner{a}{b}``): the inner product of
        two vectors of one length (a^T b), of two matrices of one shape (tr(A^T B)), or of
        two scalars (their product); anything else does not fit."""
        a, b = self.sub(self.script_tokens()), self.sub(self.script_tokens())
        self.no_list(t, a, b)
        if is_matrix(a) != is_matrix(b):
            raise self.error("an inner product takes two vectors, two matrices or two scalars",
                             t, "shape.inconsistent")
        if not is_matrix(a):
            return a * b
        if a.shape[1] == 1 and b.shape[1] == 1:
            return self.mul(a, b, t, dot=True)
        product = self.mul(self.shaped(t, lambda m: m.T, a), b, t)
        if not is_matrix(product) or product.shape[0] != product.shape[1]:
            raise self.error("an inner product of matrices takes two of one shape", t,
                             "shape.inconsistent")
        return sp.Trace(product)

    def sqrt(self, t: Token) -> Any:
        if self.at("[", "char"):
            self.next()
            k = []
            while not self.at("]", "char"):
                k.append(self.next())
            self.next()
            index = self.sub(k)
            self.no_list(t, index)
            if is_matrix(index) or index == 0:
                raise self.error("the index of a root is a nonzero scalar", t, "shape.invalid")
            # through the power guard: \sqrt[10^{-12}]{2} is 2^{10^{12}}
            return self.apply(lambda v: self.pow(v, 1 / index, t),
                              self.sub(self.script_tokens()), t)
        return self.apply(sp.sqrt, self.sub(self.script_tokens()), t)

    def norm(self, t: Token) -> Any:
        self.in_norm += 1
        inner = self.expr()
        self.in_norm -= 1
        self.expect(r"\|", " to close \\|...\\|")
        self.no_list(t, inner)
        p = 2
        if self.at("_", "char"):
            self.next()
            script = self.script_tokens()
            p = "F" if [u.text for u in script] == ["F"] else self.sub(script)
        if not is_matrix(inner):
            return sp.Abs(inner)
        if inner.shape[1] != 1 or p == "F":
            # of a matrix: the norm of its entries (Frobenius; \|\theta\|_2^2 of a weight
            # matrix is the L2 regulariser, the convention of weight decay)
            if p not in (2, "F"):
                raise self.error("of a matrix, only the norm of its entries (\\|W\\|_F) is "
                                 "understood", t, "shape.invalid")
            sq = sp.Trace(inner.T * inner)
            if self.at("^", "char") and self.peek(1) and self.peek(1).text == "2":
                self.next()
                self.next()
                return sq
            return sp.sqrt(sq)
        if p == 1:
            k = sp.Dummy("k", integer=True, positive=True)
            return sp.Sum(sp.Abs(inner[k - 1, 0]), (k, 1, inner.shape[0]))
        if p != 2:
            raise self.error("only the 1- and 2-norms are understood", t)
        sq = scalarise(inner.T * inner)
        if self.at("^", "char") and self.peek(1) and self.peek(1).text == "2":
            self.next()
            self.next()
            return sq
        return sp.sqrt(sq)

    def ones(self, t: Token) -> Any:
        """``\\mathbf{1}``: the ones vector (``_n``: of length n; bare: sized by what it
        meets); ``\\mathbf{1}_y`` with an index y: the basis vector e_y; followed by a
        condition, ``\\mathbf{1}(k = y)``, the indicator."""
        if self.at("_", "char") or self.bracketed_condition():
            return self.indicator(t)
        return sp.OneMatrix(shapes.free_dim(), 1)

    def bracketed_condition(self) -> bool:
        """The next tokens are a bracket holding a relation at its top level: ``[k = y]``."""
        t = self.peek()
        if t is None or t.kind != "char" or t.text not in "([{":
            return False
        depth = 0
        for k in range(self.i, len(self.t)):
            u = self.t[k]
            if u.kind == "char" and u.text in "([{":
                depth += 1
            elif u.kind == "char" and u.text in ")]}":
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1 and (u.text in RELATIONS and u.kind in ("char", "cmd")
                                 or u.kind == "cmd" and u.text == r"\in"):
                return True
        return False

    def iverson(self, open_: str) -> Any:
        """``[k = y]``: Iverson's bracket, 1 where the condition holds and 0 elsewhere."""
        close = {"[": "]", "(": ")", "{": "}"}[open_]
        self.next()
        cond = self.condition(close, entrywise=True)
        self.expect(close)
        return self.indicator_of(cond)

    def indicator(self, t: Token) -> Any:
        if self.at("_", "char"):  # \mathbb{1}_n is the ones vector; \mathbb{1}_{k=y} an indicator
            self.next()
            toks = self.script_tokens()
            if any(u.text in RELATIONS for u in toks):
                if toks and toks[0].text == "(" and toks[-1].text == ")":
                    toks = toks[1:-1]   # \mathbb{1}_{\{k = y\}}
                sub = self.child(toks)
                cond = sub.condition(None, entrywise=True)
                if sub.peek() is not None:
                    raise sub.error(f"unexpected '{sub.peek().text}'")
                return self.indicator_of(cond)
            size = self.sub(toks)
            if not is_matrix(size) and size not in {self.ctx.objects[d.name]
                                                    for d in self.ctx.dims} \
                    and not size.is_number:
                return self.basis(size)   # \mathbf{1}_y, y an index: one-hot
            return sp.OneMatrix(self.dimension(size, t), 1)
        if not (self.at("[", "char") or self.at("(", "char") or self.at("{", "char")):
            return sp.OneMatrix(shapes.free_dim(), 1)   # \mathbb{1}: the ones vector
        word = self.peek(1)
        named = word is not None and word.kind == "ref" and word.ref[1] is None \
            and is_asked(self.ctx.objects.get(word.ref[0])) is not None
        if word is not None and (word.group is not None or named):
            # \mathbb{1}[\text{real}]: 1 where a condition said in words (or by the name
            # of an asked part) holds, which the question does not give as mathematics: a
            # quantity of the student's own
            close = {"[": "]", "(": ")", "{": "}"}[self.peek().text]
            k = 1
            while not named and self.peek(k) is not None and self.peek(k).group == word.group:
                k += 1
            k = 2 if named else k
            if self.peek(k) is not None and self.peek(k).text == close:
                text = is_asked(self.ctx.objects[word.ref[0]]) if named else "".join(
                    self.peek(j).text for j in range(1, k))
                name = rf"\mathbb{{1}}[\text{{{text}}}]"
                self.i += k + 1
                return self.foreign_name(name, t)
        return self.iverson(self.peek().text)

    def indicator_of(self, cond: Any) -> Any:
        if isinstance(cond, tuple):  # 1[A x > 0]: a vector of indicators
            rel, lhs, rhs = cond
            d = sp.Dummy("t", real=True)
            diff = lhs - (rhs * sp.OneMatrix(*lhs.shape) if not is_matrix(rhs) else rhs)
            return ElementwiseApplyFunction(sp.Lambda(d, sp.Piecewise((1, rel(d, 0)), (0, True))),
                                            diff)
        return sp.Piecewise((1, cond), (0, True))

    def determinant(self, t: Token) -> Any:
        m = self.operand()
        if not is_matrix(m):
            return m
        if m.shape[0] != m.shape[1]:
            raise self.error(f"the determinant of {shape_text(m)} is not defined", t,
                             "shape.inconsistent")
        return sp.Determinant(m)

    def matrix_op(self, fn: Any, what: str):
        def handler(p: "Parser", t: Token) -> Any:
            m = p.operand()
            if not is_matrix(m):
                raise p.error(f"{what} takes a matrix", t, "shape.inconsistent")
            return p.shaped(t, fn, m)
        return handler

    def condition(self, *stops: str, entrywise: bool = False) -> Any:
        conds = []
        while True:
            while self.peek() is not None and self.peek().kind == "word":
                if self.peek().text in ("otherwise", "else"):
                    self.next()
                    return sp.true
                if " ".join(self.peek().text.lower().split()) in ALWAYS:
                    # "for every i": the piece holds everywhere
                    self.next()
                    while self.peek() is not None and self.peek().text not in (
                            r"\\", r"\end", *[x for x in stops if x]):
                        self.next()
                    return sp.true
                self.next()
            lhs = self.expr()
            t = self.peek()
            if t is None or t.text not in RELATIONS:
                raise self.error("expected a condition such as s_j \\le s_y")
            while t is not None and t.text in RELATIONS:  # a < s_j \le b is a chain
                self.next()
                rhs = self.expr()
                self.no_list(t, lhs, rhs)
                if (entrywise and not conds and is_matrix(lhs) and lhs.shape[1] == 1
                        and (not is_matrix(rhs) or rhs.shape == lhs.shape)
                        and t.text in ("<", ">", r"\le", r"\ge", "=", r"\ne")
                        and (self.peek().text in stops if self.peek() is not None
                             else None in stops)):
                    return (RELATIONS[t.text], lhs, rhs)
                if is_matrix(lhs) or is_matrix(rhs):
                    raise self.error("a condition compares scalars (a vector condition is "
                                     "understood inside an indicator, 1[A x > 0])", t,
                                     "shape.invalid")
                conds.append(RELATIONS[t.text](lhs, rhs))
                lhs, t = rhs, self.peek()
            if self.at(",", "char") and (self.peek(1) is not None and self.peek(1).kind == "word"
                                         and self.peek(1).text in ("else", "otherwise")
                                         or branch_at(self.t, self.i)):
                pass   # "c, \text{ else } w", "c, \quad w \text{ otherwise}": it ends here
            elif self.at(",", "char") and self.peek(1) is not None and (
                    self.peek(1).text in (r"\\", r"\end", "&") or self.peek(1).text in stops):
                self.next()   # "s_j \le s_y, \\": the comma ends the condition
            elif self.at(",", "char") or (self.peek() is not None and self.peek().kind == "word"
                                           and self.peek().text == "and"):
                self.next()
                continue
            return sp.And(*conds) if len(conds) > 1 else conds[0]

    def part_named(self) -> str | None:
        """A condition in prose that names one part of a tuple question ("real sample
        X^i", "input is generated"): that part's name (the cases give the parts)."""
        parts = [p for p in self.ctx.asked if p]
        if len(parts) < 2:
            return None
        k, words = self.i, []
        while k < len(self.t) and self.t[k].text not in (r"\\", r"\end"):
            u = self.t[k]
            if u.kind == "word" or u.group is not None:
                words.append(u.text.lower() if u.kind == "word" else u.text.lower())
            elif u.kind == "ref" and is_asked(self.ctx.objects.get(u.text)) is not None:
                words.append(is_asked(self.ctx.objects[u.text]))
            k += 1
        text = " ".join(words)
        found = [p for p in parts if p.lower() in text.replace(",", " ").split()
                 or p.lower() in text.replace(" ", "")]
        if len(found) != 1:
            return None
        self.i = k
        return found[0]

    def environment(self, t: Token) -> Any:
        env = "".join(x.text for x in self.script_tokens())
        if env in CASES_ENVIRONMENTS:
            pieces = []
            while True:
                if self.at(r"\end", "cmd"):
                    break
                value = self.expr()
                if self.at(",", "char") and self.peek(1) is not None and self.peek(1).text == "&":
                    self.next()   # "2a, & s_j \le s_y": the comma is punctuation
                self.expect("&", " between a value and its condition")
                named = self.part_named()
                cond = named if named is not None else self.condition()
                if isinstance(value, sp.Tuple):
                    value = sp.nan   # [-\alpha, \alpha]: a set of values (a subgradient)
                pieces.append((value, cond))
                if self.at(".", "char"):
                    self.next()   # "b, & s_j > s_y. \end{cases}": the period is punctuation
                if self.at(r"\\", "cmd"):
                    self.next()
                    continue
                if self.at(",", "char"):
                    self.next()
                if self.at(r"\\", "cmd"):
                    self.next()
            self.next()
            self.script_tokens()
            if not pieces:
                raise self.error("empty cases", t)
            if all(isinstance(c, str) for _, c in pieces):   # the parts, by name
                order = [p for p in self.ctx.asked if p]
                if sorted(c for _, c in pieces) != sorted(order):
                    raise self.error("the cases do not name each asked part once", t)
                return sp.Tuple(*[next(v for v, c in pieces if c == p) for p in order])
            if any(isinstance(c, str) for _, c in pieces):
                raise self.error("every case names an asked part, or none does", t)
            if any(is_matrix(v) for v, _ in pieces):
                raise self.error("cases with vector values are not supported", t,
                                 "shape.invalid")
            return sp.Piecewise(*pieces)
        if env in ("pmatrix", "bmatrix", "matrix", "vmatrix"):
            rows: list[list[Any]] = [[]]
            dots = None
            while not self.at(r"\end", "cmd"):
                nxt = self.peek(1)
                if self.peek() is not None and self.peek().kind == "cmd" \
                        and self.peek().text in DOTS_COMMANDS \
                        and nxt is not None and nxt.text in ("&", r"\\", r"\end"):
                    tok = self.next()   # a_1 \\ \vdots \\ a_n: entries left out
                    dots = dots or tok
                    rows[-1].append(DOTS)
                else:
                    rows[-1].append(self.expr())
                if self.at("&", "char"):
                    self.next()
                elif self.at(r"\\", "cmd"):
                    self.next()
                    rows.append([])
            self.next()
            self.script_tokens()
            rows = [r for r in rows if r]
            if dots is not None:
                return self.dotted_vector(rows, dots)
            if len({len(r) for r in rows}) != 1:
                raise self.error("matrix rows have different lengths", t, "shape.invalid")
            return scalarise(sp.ImmutableMatrix(rows))
        raise self.error(f"unknown environment {env}", t, "parse.unknown_command")

    def kronecker(self, t: Token) -> Any:
        if not self.at("_", "char"):
            return self.letter(Token("char", r"\delta", t.pos))
        self.next()
        idx = self.indices(self.script_tokens())
        if len(idx) != 2:
            raise self.error("\\delta_{ij} takes two indices", t)
        return sp.KroneckerDelta(*idx)

    def diag(self, t: Token) -> Any:
        v = self.operand()
        if not is_matrix(v):
            v = self.entries_vector(v)
        elif v.shape[0] == 1 and v.shape[1] != 1:
            v = v.T   # \operatorname{diag}(z_1, \dots, z_k): the list of its entries
        if not (is_matrix(v) and v.shape[1] == 1):
            raise self.error("diag takes a vector", t, "shape.inconsistent")
        return sp.DiagMatrix(v)

    def entries_vector(self, v: Any) -> Any:
        """``\\operatorname{diag}(\\mathbb{1}[(\\mathbf{A}\\mathbf{x})_i > 0])``: a scalar with
        one free index letter of the student's own, which indexes a declared matrix or
        vector, stands for the vector of its entries over that index's range (here A's
        rows). Anything else is returned as it is."""
        if not isinstance(v, sp.Basic):
            return v
        letters = [s for s in v.free_symbols if isinstance(s, sp.Symbol)
                   and s.name.startswith(FOREIGN) and len(s.name) == len(FOREIGN) + 1
                   and s.name[-1].isalpha()]
        if len(letters) != 1:
            return v
        index = letters[0]
        sizes = {el.parent.shape[axis] for el in v.atoms(MatrixElement) for axis in (0, 1)
                 if index in el.args[1 + axis].free_symbols
                 and (el.args[1 + axis] - index).is_number}
        if len(sizes) != 1:
            return v
        p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
        return sp.FunctionMatrix(sizes.pop(), 1, sp.Lambda((p, q), v.xreplace({index: p + 1})))

    def softmax(self, t: Token) -> Any:
        v = self.operand()  # softmax(z)_i: the subscript indexes the result, not z
        if not (is_matrix(v) and v.shape[1] == 1):
            raise self.error("softmax takes a vector", t, "shape.inconsistent")
        d = sp.Dummy("t", real=True)
        k = sp.Dummy("k", integer=True, positive=True)
        total = sp.Sum(sp.exp(v[k - 1, 0]), (k, 1, v.shape[0]))
        return ElementwiseApplyFunction(sp.Lambda(d, sp.exp(d) / total), v)

    def logsumexp(self, t: Token) -> Any:
        """``\\operatorname{logsumexp}(\\mathbf z)`` = log of the sum of the exponentials of
        a vector's entries (a scalar); of a scalar, the scalar itself. Of several arguments,
        ``\\operatorname{LSE}(0, \\{s_j - s_y\\}_{j \\ne y})``, the log of the sum of the
        exponentials of all of them: scalars, vectors' entries, and the members of a family
        written with its index condition (``\\{f_j\\}_{j \\ne y}``, a sum over the index)."""
        if self.at("(", "char"):
            end = self.group_end(self.i)
            args = _split_commas(self.t[self.i + 1:end - 1])
            if len(args) > 1 and all(args):
                self.i = end
                terms = []
                for arg in args:
                    close = self.child(arg).group_end(0) if arg[0].text == "(" else 0
                    if close and close < len(arg) and arg[close].text == "_":
                        # \{f_j\}_{j \ne y}: the sum of e^{f_j} over the index
                        exp = [Token("cmd", r"\exp", arg[0].pos), *arg[:close]]
                        sub = self.child([Token("cmd", r"\sum", arg[0].pos), *arg[close:], *exp])
                        terms.append(sub.whole())
                        continue
                    value = self.child(arg).whole()
                    if is_matrix(value):
                        if value.shape[1] != 1:
                            raise self.error("logsumexp takes a vector", t, "shape.inconsistent")
                        k = sp.Dummy("k", integer=True, positive=True)
                        terms.append(sp.Sum(sp.exp(value[k - 1, 0]), (k, 1, value.shape[0])))
                    else:
                        terms.append(sp.exp(value))
                return sp.log(sp.Add(*terms))
        v = self.operand()
        if not is_matrix(v):
            return v
        if v.shape[1] != 1:
            raise self.error("logsumexp takes a vector", t, "shape.inconsistent")
        k = sp.Dummy("k", integer=True, positive=True)
        return sp.log(sp.Sum(sp.exp(v[k - 1, 0]), (k, 1, v.shape[0])))

    def trace(self, t: Token) -> Any:
        m = self.operand()
        if not is_matrix(m):
            return m
        return sp.Trace(m)

    def constant(self, value: Any):
        return lambda p, t: value


def _did_you_mean(name: str) -> str:
    """``\\alphaw``: TeX reads one undefined command (it stops there), never ``\\alpha w``;
    derive does not split it either (``\\pix`` might be a macro of the student's), but says
    what was probably meant: a known command followed by letters."""
    known = {rf"\{g}" for g in GREEK} | set(SCALAR_FUNCS) | set(MULTI_FUNCS) | set(COMMANDS)
    for k in range(len(name) - 1, 1, -1):
        if name[:k] in known and name[k:].isalpha():
            return f": TeX does not know it either; for {name[:k]} times {name[k:]} write " \
                   f"'{name[:k]} {name[k:]}'"
    return ""


def _group_close(toks: list[Token], k: int) -> int | None:
    """Where the bracket opened at ``toks[k]`` closes."""
    depth = 0
    for j in range(k, len(toks)):
        depth += toks[j].kind == "char" and toks[j].text in "([{"
        depth -= toks[j].kind == "char" and toks[j].text in ")]}"
        if depth == 0:
            return j
    return None


def _depth_before(toks: list[Token]) -> list[int]:
    out, depth = [], 0
    for u in toks:
        depth -= u.kind == "char" and u.text in ")]}"
        out.append(depth)
        depth += u.kind == "char" and u.text in "([{"
    return out


def function_body(ctx: Context, spec: SymbolSpec) -> tuple[Any, list[Any]]:
    """A function the question defines (``params``, ``define``): its definition read once
    per Context, and the objects that stand for its parameters in it. The definition sees
    the question's dims, constants and numeric functions, and the parameters: a scalar
    parameter ``a`` by its name, the entries of a vector parameter ``q`` (``shape``) as
    ``q_x`` or ``q(x)``."""
    key = ("function-body", spec.name)
    if key not in ctx.cache:
        letter = next(c for c in "ijkmnrstuv" if c not in spec.params)
        params = []
        for name in spec.params:
            full = f"{spec.name}.{name}"
            if spec.shape:
                params.append(SymbolSpec(full, "family", shape=spec.shape, index=letter,
                                         latex=(f"{name}_{letter}", f"{name}({letter})")))
            else:
                params.append(SymbolSpec(full, "scalar", latex=(name,)))
        keep = [s for s in ctx.specs if s.kind in ("dim", "constant")
                or s.kind == "function" and s.torch]
        sub = Context(keep + params, asked={}, constants=ctx.constants)
        p = Parser(substitute_aliases(lex(spec.body or ""), sub.patterns), sub)
        body = p.whole()
        if is_matrix(body):
            raise AnswerError("shape.invalid", f"the definition of {spec.name} is not a "
                              f"scalar", 0)
        if p.foreign_at:
            name = min(p.foreign_at, key=lambda s: p.foreign_at[s]).name[len(FOREIGN):]
            raise AnswerError("parse.undeclared_symbol", f"'{name}' in the definition of "
                              f"{spec.name} is not one of its parameters", 0)
        ctx.cache[key] = (body, [sub.objects[s.name] for s in params])
    return ctx.cache[key]


def cols_of(e: Any) -> Any:
    return e.shape[1] if is_matrix(e) else None


def _delta_or_letter(p: Parser, t: Token) -> Any:
    if "delta" in p.ctx.objects or any(r"\delta" in f for s in p.ctx.specs for f in s.forms):
        return p.letter(Token("char", r"\delta", t.pos))
    return p.kronecker(t)


def _unsupported(what: str):
    def handler(p: Parser, t: Token) -> Any:
        raise p.error(what, t)
    return handler


#: conditions in words that hold everywhere ("for every i")
#: environments that are cases: amsmath's, and mathtools' display-style (dcases), right-
#: brace (rcases, drcases) and text-condition (cases*) variants: the same values and conditions
CASES_ENVIRONMENTS = frozenset({"cases", "cases*", "dcases", "dcases*", "rcases", "rcases*",
                                "drcases"})
ALWAYS = frozenset({"for every", "for all", "for each", "for any", "always", "in all cases"})

#: cases written in a line: the words that open a branch's condition, and those that make a
#: branch the other case
INLINE_CASE_LEADS = ("if", "when", "for")
INLINE_CASE_OTHER = ("otherwise", "else")


def branch_at(tokens: list[Token], k: int) -> bool:
    """The comma ``tokens[k]`` separates two branches of cases written in a line: before it,
    a condition opened by a word of :data:`INLINE_CASE_LEADS` (a relation after the word);
    after it, a value and then ``\\text{ otherwise}`` or the next branch's condition
    (``b \\text{ otherwise}``, ``w \\text{ if } c_2``), all outside brackets."""
    if k >= len(tokens) or tokens[k].text != ",":
        return False
    relation, depth = False, 0
    for u in reversed(tokens[:k]):
        if u.kind == "char" and u.text in ")]}":
            depth += 1
        elif u.kind == "char" and u.text in "([{":
            depth -= 1
        elif depth == 0 and u.text in RELATIONS:
            relation = True
        elif depth == 0 and u.kind == "word" and u.text in INLINE_CASE_LEADS:
            break
        elif depth == 0 and u.text in (",", "&", "\\\\"):
            return False
        if depth < 0:
            return False
    else:
        return False
    if not relation or k + 1 >= len(tokens) or tokens[k + 1].kind == "word":
        return False
    lead = False
    for u in tokens[k + 1:]:
        if u.kind == "char" and u.text in "([{":
            depth += 1
        elif u.kind == "char" and u.text in ")]}":
            depth -= 1
        elif depth:
            continue
        elif u.kind == "word" and u.text in INLINE_CASE_OTHER and not lead:
            return True
        elif u.kind == "word" and u.text in INLINE_CASE_LEADS and not lead:
            lead = True
        elif u.text in RELATIONS:
            return lead
        elif u.text in (",", "&", "\\\\"):
            return False
    return False

#: commands that may continue a function's argument written without brackets
ARGUMENT_FACTORS = frozenset({r"\frac", r"\pi", r"\sqrt"} | {"\\" + g for g in GREEK})

#: commands whose arguments TeX takes with them in a script or an argument (x^\frac12)
SCRIPT_MACROS = {r"\frac": 2, r"\sqrt": 1}

#: superscripts that are the transpose of a vector or matrix where the question declares no
#: such name (the convention of German and French texts: A^t)
TRANSPOSE_LETTERS = {("t",)}

#: superscripts with a matrix meaning: the script's tokens -> the operation
MATRIX_SUPERSCRIPTS = {
    ("-", "1"): shapes.invert, ("-1",): shapes.invert,
    ("-", "T"): shapes.inverse_transpose, ("T", "-", "1"): shapes.inverse_transpose,
    ("+",): shapes.pseudo_inverse, (r"\dagger",): shapes.pseudo_inverse,
    (r"\dag",): shapes.pseudo_inverse,
}

COMMANDS = {
    r"\frac": Parser.frac,
    r"\sqrt": Parser.sqrt,
    r"\inner": Parser.inner,
    r"\|": Parser.norm,
    r"\sum": Parser.summation,
    r"\indicator": Parser.indicator,
    r"\begin": Parser.environment,
    r"\delta": _delta_or_letter,
    r"\diag": Parser.diag,
    r"\softmax": Parser.softmax,
    r"\logsumexp": Parser.logsumexp,
    r"\tr": Parser.trace,
    r"\ones": Parser.ones,
    r"\prod": Parser.product,
    r"\mathbbE": Parser.expectation,
    r"\Var": lambda p, t: p.operator_name(t, r"\operatorname{Var}"),
    r"\Std": lambda p, t: p.operator_name(t, r"\operatorname{Std}"),
    r"\underbrace": Parser.underbrace,
    r"\undefined": lambda p, t: sp.nan,
    r"\evalopen": Parser.evaluated,
    r"\overbrace": Parser.underbrace,
    r"\det": Parser.determinant,
    r"\pinv": Parser.matrix_op(None, shapes.pseudo_inverse, "the pseudo-inverse"),
    r"\vecop": Parser.matrix_op(None, shapes.Vec, "vec"),
    r"\pi": lambda p, t: sp.pi,
    r"\infty": lambda p, t: sp.oo,
    r"\cdots": _unsupported("an ellipsis cannot be graded; write the expression out"),
    r"\partial": _unsupported("this derivative is not one of the question's declared quantities"),
    r"\nabla": Parser.nabla,
    **{accent: Parser.accented for accent in ACCENTS},
    r"\argmin": Parser.optimiser,
    r"\argmax": Parser.optimiser,
}
