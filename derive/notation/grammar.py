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
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import AnswerError
from . import shapes
from .answer import Chain
from .lexer import Token
from .shapes import ShapeFault, is_matrix, scalarise, shape_text
from .symbols import substitute_aliases
from .tables import (GREEK, MAX_EXPONENT_DIGITS, MAX_SUM_TERMS, MULTI_FUNCS, RELATIONS,
                     SCALAR_FUNCS)

if TYPE_CHECKING:
    from .symbols import Context

class Parser:
    def __init__(self, tokens: list[Token], ctx: Context):
        self.t = tokens
        self.i = 0
        self.ctx = ctx
        self.bound: list[dict[str, sp.Symbol]] = []
        self.in_abs = 0
        self.in_norm = 0
        self.end_pos = tokens[-1].pos + len(tokens[-1].text) if tokens else 0

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
        items = [self.expr()]
        ops: list[str] = []
        while self.peek() is not None and (self.peek().text in RELATIONS or (
                not ops and self.peek().kind == "char" and self.peek().text == ":")):
            op_tok = self.next()
            spans[-1] = (spans[-1][0], op_tok.pos)
            ops.append("=" if op_tok.text == ":" else op_tok.text)  # "real: ..." labels too
            spans.append((self.peek().pos if self.peek() else op_tok.pos, None))
            items.append(self.expr())
        if self.peek() is not None:
            tok = self.peek()
            if tok.kind == "cmd" and tok.text == r"\cdots":
                raise self.error("an ellipsis cannot be graded; write the expression out")
            raise self.error(f"unexpected '{tok.text}'")
        return Chain(items, ops, pos, spans)

    # -- grammar
    def expr(self) -> Any:
        sign = 1
        if self.at("-", "char"):
            self.next()
            sign = -1
        elif self.at("+", "char"):
            self.next()
        acc = self.term()
        if sign < 0:
            acc = -acc
        while self.peek() is not None and self.peek().kind == "char" and self.peek().text in "+-":
            op = self.next()
            rhs = self.term()
            acc = self.add(acc, rhs if op.text == "+" else -rhs, op)
        return acc

    # -- shape-typed operations (the rules are in derive.notation.shapes)
    def shaped(self, op: Token | None, fn: Any, *args: Any, **kw: Any) -> Any:
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
        if t.kind in ("num", "ref"):
            return True
        if t.kind == "char":
            if t.text == "|":
                return self.in_abs == 0
            return t.text.isalpha() or t.text in "([{"
        if t.kind == "cmd":
            if t.text == r"\|":
                return self.in_norm == 0
            return t.text not in (r"\cdot", r"\times", r"\odot", r"\circ", r"\otimes", r"\end", r"\\",
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
                acc = self.shaped(t, shapes.outer, acc, self.power())
            elif t.kind == "cmd" and t.text in (r"\odot", r"\circ"):
                self.next()
                acc = self.shaped(t, shapes.hadamard, acc, self.power())
            elif self.starts_factor():
                acc = self.mul(acc, self.power(), t)
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
                base = self.element(base, self.script_tokens(), t)
            elif t.kind == "char" and t.text in "'!":
                raise self.error(f"'{t.text}' is not understood here; write the expression out")
            else:
                return base

    def script_tokens(self) -> list[Token]:
        """The tokens of a sub/superscript: one token, or a braced group."""
        t = self.next()
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
        if t.kind == "cmd" and t.text in (r"\frac", r"\sqrt"):
            raise self.error("put a fraction in a sub/superscript inside braces", t)
        return [t]

    def sub(self, tokens: list[Token]) -> Any:
        """Parse script tokens with the same context and bound indices."""
        if not tokens:
            raise self.error("empty sub/superscript")
        if any(t.kind != "ref" for t in tokens):  # an index captured by a family's pattern
            tokens = substitute_aliases(tokens, self.ctx.patterns)
        p = Parser(tokens, self.ctx)
        p.bound = self.bound
        return p.whole()

    def superscript(self, base: Any, base_tok: Token | None) -> Any:
        toks = self.script_tokens()
        texts = [t.text for t in toks]
        if texts == ["T"] and (is_matrix(base) or not self.declared_letter("T")):
            return scalarise(base.T) if is_matrix(base) else base
        if texts == ["*"]:
            raise self.error("w^* is understood only where the question declares it", toks[0],
                             "parse.undeclared_symbol")
        if is_matrix(base) and texts in (["-", "1"], ["-1"]):
            if base.shape[0] != base.shape[1]:
                raise self.error(f"cannot invert {shape_text(base)}", toks[0],
                                 "shape.invalid")
            return sp.Inverse(base)
        exponent = self.sub(toks)
        if is_matrix(base):
            if exponent == 2 and base.shape[1] == 1:
                raise self.error("the square of a vector is ambiguous: write x^T x or "
                                 "\\|x\\|^2", toks[0], "shape.invalid")
            if base.shape[0] != base.shape[1] or not (exponent.is_Integer):
                raise self.error(f"cannot raise {shape_text(base)} to a power", toks[0],
                                 "shape.invalid")
            return sp.MatPow(base, exponent)
        if is_matrix(exponent):
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
        ``(u)_+``: the positive part, max(u, 0) (entrywise for a vector)."""
        if [t.text for t in toks] == ["+"]:
            return self.multi_value(sp.Max, [base, sp.Integer(0)], tok)
        if not is_matrix(base):
            raise self.error("a subscript here is not a declared name; declare it or "
                             "write it differently", tok, "parse.undeclared_symbol")
        idx = self.indices(toks)
        rows, cols = base.shape
        if cols == 1 and len(idx) == 1:
            return base[idx[0] - 1, 0]
        if rows == 1 and len(idx) == 1:
            return base[0, idx[0] - 1]
        if len(idx) == 2:
            return base[idx[0] - 1, idx[1] - 1]
        raise self.error(f"{shape_text(base)} needs {'one index' if cols == 1 else 'two indices'}",
                         tok, "shape.invalid")

    def indices(self, toks: list[Token]) -> list[Any]:
        parts = [[]]
        for t in toks:
            if t.kind == "char" and t.text == ",":
                parts.append([])
            else:
                parts[-1].append(t)
        if len(parts) == 1 and len(toks) == 2 and all(t.kind in ("char", "ref") for t in toks):
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
        if t.kind == "ref":
            return self.ref(self.next())
        if t.kind == "char":
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
            if t.text.isalpha():
                return self.letter(self.next())
            raise self.error(f"unexpected '{t.text}'")
        if t.kind == "cmd":
            return self.command(self.next())
        if t.kind == "word":
            raise self.error(f"unexpected text '{t.text}'")
        raise self.error(f"unexpected '{t.text}'")

    def number(self, t: Token) -> Any:
        if len(t.text.replace(".", "")) > 30:
            raise self.error("this number is too long", t, "parse.huge_number")
        if self.at("_", "char") and t.text == "1":
            self.next()
            n = self.sub(self.script_tokens())
            return sp.OneMatrix(n, 1)  # \mathbf{1}_n
        if t.text == "1" and self.at("^", "char") and self.peek(1) and self.peek(1).text == "T":
            n = self.default_dim(t)
            return sp.OneMatrix(n, 1)
        return sp.Rational(t.text)

    def default_dim(self, t: Token) -> Any:
        dims = self.ctx.dims
        if len(dims) != 1:
            raise self.error("write the size of the ones vector, as \\mathbf{1}_n", t,
                             "shape.invalid")
        return self.ctx.objects[dims[0].name]

    def group(self, open_: str, close: str) -> Any:
        start = self.next()
        items = [self.expr()]
        while self.at(",", "char"):
            self.next()
            items.append(self.expr())
        t = self.peek()
        if t is None or t.text != close:
            pos = t.pos if t else self.end_pos
            raise AnswerError("parse.syntax", f"'{open_}' at position {start.pos} is not "
                              f"closed by '{close}' (position {pos})", pos)
        self.next()
        if len(items) > 1:
            return sp.Tuple(*items)
        return items[0]

    def letter(self, t: Token) -> Any:
        name = t.text
        for scope in reversed(self.bound):
            if name in scope:
                return scope[name]
        if name == "e" and "e" not in self.ctx.objects:
            return sp.E
        if name == "I" and self.at("_", "char"):
            self.next()
            return sp.Identity(self.sub(self.script_tokens()))
        raise self.error(f"'{name}' is not a symbol of this question", t,
                         "parse.undeclared_symbol")

    def ref(self, t: Token) -> Any:
        name, payload = t.ref
        if name == "=":
            return payload  # a local 'where' definition
        for scope in reversed(self.bound):
            if name in scope:
                return scope[name]
        obj = self.ctx.objects[name]
        spec = self.ctx.spec_of(name)
        if spec is not None and spec.kind == "function":
            if not self.at("(", "char"):
                raise self.error(f"{name} is a function: write {name}(...)", t)
            self.next()
            args = [self.expr()]
            while self.at(",", "char"):
                self.next()
                args.append(self.expr())
            self.expect(")")
            return obj(*args)
        if payload is not None:  # a family with its index: \frac{\partial f}{\partial y_i}
            return self.element(obj, payload, t)
        if spec is not None and spec.kind == "family" and not self.at("_", "char"):
            raise self.error(f"{spec.forms[0]} needs an index", t, "shape.invalid")
        return obj

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
            return self.apply(lambda a: sp.log(a, base), self.argument(t))
        if name in SCALAR_FUNCS:
            exponent = None
            if self.at("^", "char"):  # \cos^2 x is (\cos x)^2
                self.next()
                exponent = self.sub(self.script_tokens())
                if exponent == -1:
                    raise self.error(f"{name}^{{-1}} is ambiguous (inverse or reciprocal); write "
                                     f"1/{name}(x) or the inverse function by name", t)
            value = self.apply(SCALAR_FUNCS[name], self.argument(t))
            return value if exponent is None else self.pow(value, exponent, t)
        if name in MULTI_FUNCS:
            return self.multi(MULTI_FUNCS[name], t)
        if name[1:] in GREEK:
            return self.letter(Token("char", name, t.pos))
        raise self.error(f"unknown command {name}", t, "parse.unknown_command")

    def argument(self, t: Token) -> Any:
        """Argument of \\log, \\exp, ...: (..), {..}, or the next factor (\\log x)."""
        if self.peek() is None:
            raise self.error(f"{t.text} needs an argument", t)
        return self.power()

    def apply(self, f: Any, arg: Any) -> Any:
        if isinstance(arg, sp.Tuple):
            raise self.error("this function takes one argument")
        if is_matrix(arg):
            d = sp.Dummy("t", real=True)
            return ElementwiseApplyFunction(sp.Lambda(d, f(d)), arg)
        return f(arg)

    def multi(self, f: Any, t: Token) -> Any:
        if self.at("_", "char"):
            raise self.error(f"{t.text} over a set is not understood; write {t.text}(a, b)", t)
        arg = self.power()
        args = list(arg) if isinstance(arg, sp.Tuple) else [arg]
        return self.multi_value(f, args, t)

    def multi_value(self, f: Any, args: list[Any], t: Token) -> Any:
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
            raise self.error("this derivative is not one of the question's declared "
                             "quantities", t, "parse.undeclared_symbol")
        num, den = self.sub(num_t), self.sub(den_t)
        return self.div(num, den, t)

    def derivative(self, var_t: list[Token], t: Token) -> Any:
        """``\\frac{\\partial}{\\partial s_k}\\left(...\\right)``: the derivative operator, in a
        declared scalar or an entry of a declared vector (a step in a chain of working)."""
        var = self.sub(var_t)
        if not (isinstance(var, (sp.Symbol, MatrixElement))):
            raise self.error("differentiate with respect to a declared scalar or an entry "
                             "of a declared vector", t, "parse.syntax")
        if self.peek() is None:
            raise self.error("the derivative operator needs something to differentiate", t)
        body = self.power()
        if is_matrix(body):
            raise self.error("the derivative operator takes a scalar here", t, "shape.invalid")
        return sp.diff(body, var)

    def sqrt(self, t: Token) -> Any:
        if self.at("[", "char"):
            self.next()
            k = []
            while not self.at("]", "char"):
                k.append(self.next())
            self.next()
            return self.apply(lambda v: sp.root(v, self.sub(k)), self.sub(self.script_tokens()))
        return self.apply(sp.sqrt, self.sub(self.script_tokens()))

    def norm(self, t: Token) -> Any:
        self.in_norm += 1
        inner = self.expr()
        self.in_norm -= 1
        self.expect(r"\|", " to close \\|...\\|")
        p = 2
        if self.at("_", "char"):
            self.next()
            p = self.sub(self.script_tokens())
        if not is_matrix(inner):
            return sp.Abs(inner)
        if inner.shape[1] != 1:
            raise self.error("only vector norms are understood", t, "shape.invalid")
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

    def summation(self, t: Token) -> Any:
        if not self.at("_", "char"):
            raise self.error("write the summation index, as \\sum_i or \\sum_{i=1}^n", t)
        self.next()
        sub = self.script_tokens()
        if not sub or sub[0].kind not in ("char", "ref", "cmd"):
            raise self.error("the summation index must be a letter", t)
        index_tok = sub[0]
        name = index_tok.text if index_tok.kind != "ref" else index_tok.ref[0]
        index = sp.Symbol(name, integer=True)
        rest = sub[1:]
        lower, exclude = sp.Integer(1), None
        scope = {name: index}
        self.bound.append(scope)
        try:
            if rest and rest[0].text == "=":
                lower = self.sub(rest[1:])
            elif rest and rest[0].text == r"\ne":
                exclude = self.sub(rest[1:])
            elif rest and rest[0].text == r"\in":
                pass  # \sum_{i \in [n]}: range from the body
            elif rest:
                raise self.error("the summation index is not understood", rest[0])
            upper = None
            if self.at("^", "char"):
                self.next()
                upper = self.sub(self.script_tokens())
            body = self.term()
        finally:
            self.bound.pop()
        if is_matrix(body):
            raise self.error("sums of vectors and matrices are not supported; write the "
                             "matrix form", t, "shape.invalid")
        if upper is None:
            upper = _range_from_body(body, index)
            if upper is None:
                raise self.error(f"cannot tell the range of {name}: give bounds, "
                                 f"as \\sum_{{{name}=1}}^n", t)
        if upper.is_number and upper - lower > MAX_SUM_TERMS:
            raise self.error("this sum has too many terms to check", t, "parse.huge_number")
        if exclude is not None:
            body = sp.Piecewise((body, sp.Ne(index, exclude)), (0, True))
        return sp.Sum(body, (index, lower, upper))

    def indicator(self, t: Token) -> Any:
        if self.at("_", "char"):  # \mathbb{1}_n is the ones vector; \mathbb{1}_{k=y} an indicator
            self.next()
            toks = self.script_tokens()
            if any(u.text in RELATIONS for u in toks):
                sub = Parser(toks, self.ctx)
                cond = sub.condition()
                if sub.peek() is not None:
                    raise sub.error(f"unexpected '{sub.peek().text}'")
                return sp.Piecewise((1, cond), (0, True))
            return sp.OneMatrix(self.sub(toks), 1)
        if not (self.at("[", "char") or self.at("(", "char") or self.at("{", "char")):
            raise self.error("write the indicator's condition in brackets: \\mathbb{1}[k = y]", t)
        close = {"[": "]", "(": ")", "{": "}"}[self.next().text]
        cond = self.condition(close, entrywise=True)
        self.expect(close)
        if isinstance(cond, tuple):  # 1[A x > 0]: a vector of indicators
            rel, lhs, rhs = cond
            d = sp.Dummy("t", real=True)
            diff = lhs - (rhs * sp.OneMatrix(*lhs.shape) if not is_matrix(rhs) else rhs)
            return ElementwiseApplyFunction(sp.Lambda(d, sp.Piecewise((1, rel(d, 0)), (0, True))),
                                            diff)
        return sp.Piecewise((1, cond), (0, True))

    def condition(self, *stops: str, entrywise: bool = False) -> Any:
        conds = []
        while True:
            while self.peek() is not None and self.peek().kind == "word":
                if self.peek().text in ("otherwise", "else"):
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
                if (entrywise and not conds and is_matrix(lhs) and lhs.shape[1] == 1
                        and (not is_matrix(rhs) or rhs.shape == lhs.shape)
                        and t.text in ("<", ">", r"\le", r"\ge", "=", r"\ne")
                        and self.peek() is not None and self.peek().text in stops):
                    return (RELATIONS[t.text], lhs, rhs)
                if is_matrix(lhs) or is_matrix(rhs):
                    raise self.error("a condition compares scalars (a vector condition is "
                                     "understood inside an indicator, 1[A x > 0])", t,
                                     "shape.invalid")
                conds.append(RELATIONS[t.text](lhs, rhs))
                lhs, t = rhs, self.peek()
            if self.at(",", "char") or (self.peek() is not None and self.peek().kind == "word"
                                         and self.peek().text == "and"):
                self.next()
                continue
            return sp.And(*conds) if len(conds) > 1 else conds[0]

    def environment(self, t: Token) -> Any:
        env = "".join(x.text for x in self.script_tokens())
        if env == "cases":
            pieces = []
            while True:
                if self.at(r"\end", "cmd"):
                    break
                value = self.expr()
                self.expect("&", " between a value and its condition")
                cond = self.condition()
                pieces.append((value, cond))
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
            if any(is_matrix(v) for v, _ in pieces):
                raise self.error("cases with vector values are not supported", t,
                                 "shape.invalid")
            return sp.Piecewise(*pieces)
        if env in ("pmatrix", "bmatrix", "matrix", "vmatrix"):
            rows: list[list[Any]] = [[]]
            while not self.at(r"\end", "cmd"):
                rows[-1].append(self.expr())
                if self.at("&", "char"):
                    self.next()
                elif self.at(r"\\", "cmd"):
                    self.next()
                    rows.append([])
            self.next()
            self.script_tokens()
            rows = [r for r in rows if r]
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
        v = self.primary()
        if not (is_matrix(v) and v.shape[1] == 1):
            raise self.error("diag takes a vector", t, "shape.invalid")
        return sp.DiagMatrix(v)

    def softmax(self, t: Token) -> Any:
        v = self.primary()  # softmax(z)_i: the subscript indexes the result, not z
        if not (is_matrix(v) and v.shape[1] == 1):
            raise self.error("softmax takes a vector", t, "shape.invalid")
        d = sp.Dummy("t", real=True)
        k = sp.Dummy("k", integer=True, positive=True)
        total = sp.Sum(sp.exp(v[k - 1, 0]), (k, 1, v.shape[0]))
        return ElementwiseApplyFunction(sp.Lambda(d, sp.exp(d) / total), v)

    def trace(self, t: Token) -> Any:
        m = self.power()
        if not is_matrix(m):
            return m
        return sp.Trace(m)

    def constant(self, value: Any):
        return lambda p, t: value


def _range_from_body(body: Any, index: sp.Symbol) -> Any:
    """Upper bound of an unbounded sum: the length of a vector the index runs over."""
    for el in body.atoms(MatrixElement):
        if index in el.args[1].free_symbols and el.parent.shape[1] == 1:
            return el.parent.shape[0]
    return None


def _delta_or_letter(p: Parser, t: Token) -> Any:
    if "delta" in p.ctx.objects or any(r"\delta" in f for s in p.ctx.specs for f in s.forms):
        return p.letter(Token("char", r"\delta", t.pos))
    return p.kronecker(t)


def _unsupported(what: str):
    def handler(p: Parser, t: Token) -> Any:
        raise p.error(what, t)
    return handler


COMMANDS = {
    r"\frac": Parser.frac,
    r"\sqrt": Parser.sqrt,
    r"\|": Parser.norm,
    r"\sum": Parser.summation,
    r"\indicator": Parser.indicator,
    r"\begin": Parser.environment,
    r"\delta": _delta_or_letter,
    r"\diag": Parser.diag,
    r"\softmax": Parser.softmax,
    r"\tr": Parser.trace,
    r"\pi": lambda p, t: sp.pi,
    r"\infty": lambda p, t: sp.oo,
    r"\cdots": _unsupported("an ellipsis cannot be graded; write the expression out"),
    r"\partial": _unsupported("this derivative is not one of the question's declared quantities"),
    r"\nabla": _unsupported("this gradient is not one of the question's declared quantities"),
}
