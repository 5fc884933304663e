"""SymPy -> Typst math printer.

``typst_math(expr, names=...)`` returns Typst *math-mode* source (without the
surrounding ``$``) for a SymPy expression, e.g. to typeset reference answers
in solution PDFs compiled with the ``typst`` wheel.

Design
------
* ``TypstPrinter`` subclasses :class:`sympy.printing.printer.Printer`, so
  dispatch is on the expression's class: ``Printer._print`` walks the MRO and
  calls the first ``_print_<ClassName>`` method it finds.  Anything without a
  method reaches :meth:`TypstPrinter.emptyPrinter`, which raises
  ``NotImplementedError`` naming the class; we never fall back to ``str()``,
  which would produce invalid Typst.
* Plain elementary functions are data, not code: ``FUNCTIONS`` maps a SymPy
  function class name to the Typst head printed before ``(args)``.  A
  ``Function`` subclass missing from the table (e.g. ``gamma``) raises too.
  ``log`` is the *natural* logarithm and prints as Typst ``log``.
* Parenthesisation follows SymPy's own printers
  (``sympy.printing.precedence.precedence_traditional``), plus a check on the
  printed string: Typst fractions (``a/b``) and attachments (``x^y``,
  ``x_y``) bind to a single "unit", so a piece that is not a unit is wrapped
  in parentheses (Typst drops parentheses around fraction operands and
  scripts, so this costs nothing visually).
* ``names`` maps SymPy objects (any subexpression: Symbol, MatrixSymbol,
  IndexedBase, undefined Function class, ...) or bare name strings to Typst
  source used verbatim.  Otherwise a name is translated: ``split_super_sub``
  splits ``alpha_0``/``x1``/``x^2``; Greek words become Typst Greek (case kept:
  ``Delta`` vs ``delta``); other multi-letter words become upright text
  ``"dout"`` (bare multi-letter words are variables to Typst, an error if
  unknown).  Names are never lower-cased or merged.
* Matrix symbols are bold (``bold(W)``); ``Identity(n)`` is ``bold(I)_n``,
  a column of ones ``bold(1)_n`` and a row of ones ``bold(1)_n^top``.
* Factors of a product are separated by a space (Typst's implicit
  multiplication; the space also stops ``alpha (x)`` from parsing as a call);
  ``dot`` is used only where two numbers would meet.
"""
from __future__ import annotations

import re

from sympy import Basic, MatrixBase, Mul, Product, S, Sum, Symbol, sympify
from sympy.printing.conventions import split_super_sub
from sympy.printing.precedence import PRECEDENCE, precedence_traditional
from sympy.printing.printer import Printer
from sympy.printing.str import StrPrinter
from sympy.simplify.radsimp import fraction

from ..notation.tables import GREEK as NOTATION_GREEK

__all__ = ["typst_math", "TypstPrinter", "FUNCTIONS"]

GREEK = frozenset(g.lower() for g in NOTATION_GREEK if not g.startswith("var"))
_GREEK_ALIASES = {"lamda": "lambda", "Lamda": "Lambda"}  # SymPy's spelling

# SymPy function class name -> Typst head (printed as ``head(args)``).
FUNCTIONS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec",
    "csc": "csc", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "coth": "coth", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
    "log": "log",  # natural logarithm
    "Abs": "abs", "floor": "floor", "ceiling": "ceil",
    "sign": 'op("sign")', "erf": 'op("erf")', "re": 'op("Re")',
    "im": 'op("Im")', "Max": "max", "Min": "min",
}
_MATRIX_FUNCTIONS = {"Trace": 'op("tr")', "Determinant": "det",
                     "DiagMatrix": 'op("diag")', "DiagonalMatrix": 'op("diag")',
                     "DiagonalOf": 'op("diag")'}
_MATRIX_POSTFIX = {"Transpose": "^top", "Inverse": "^(-1)", "Adjoint": "^dagger"}
_REL_OPS = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SEPARATORS = set(" +-/,;&=<>!")


def _depth0(s: str):
    """Yield the characters of ``s`` outside brackets and string literals."""
    depth, quoted, escaped = 0, False, False
    for ch in s:
        if quoted:
            quoted = escaped or ch != '"'
            escaped = not escaped and ch == "\\"
        elif ch == '"':
            quoted = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            yield ch


def _is_unit(s: str) -> bool:
    """True if Typst parses ``s`` as one operand of ``/`` (with scripts)."""
    return bool(s) and not (_SEPARATORS & set(_depth0(s))) and not (
        s[0] == "(" and not list(_depth0(s)))  # bare "(...)" loses its parens


def _frac_arg(s: str) -> str:
    return s if _is_unit(s) else f"({s})"


def _frac(num: str, den: str) -> str:
    return f"{_frac_arg(num)}/{_frac_arg(den)}"


def _script(s: str) -> str:
    """Sub/superscript: bare for one letter, digit, identifier or text."""
    bare = re.fullmatch(r'[^\W_]|[A-Za-z]+|"[^"]*"', s)
    return s if bare else f"({s})"


def _juxtapose(left: str, right: str) -> str:
    """Implicit product; ``dot`` only between two numbers, ``2(a + b)``."""
    if not left:
        return right
    if left[-1].isdigit() and right[0].isdigit():
        return f"{left} dot {right}"
    if re.fullmatch(r"[\d.]+", left) and right[0] == "(":
        return left + right
    return f"{left} {right}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _word(w: str) -> str:
    """One piece of a name: Greek, a letter, digits or upright text."""
    w = _GREEK_ALIASES.get(w, w)
    if w.lower() in GREEK and w in (w.lower(), w.capitalize()):
        return w
    if w.isdigit() or (len(w) == 1 and w.isalnum()):
        return w
    if re.fullmatch(r"[A-Za-z]+\d[A-Za-z0-9]*|\d+[A-Za-z][A-Za-z0-9]*", w):
        return " ".join(_word(p) for p in re.findall(r"[A-Za-z]+|\d+", w))  # k1
    return _quote(w)  # upright text: "dout", "train"


def _is_indicator(expr) -> bool:
    """``Piecewise((1, cond), (0, True))``, printed ``bb(1)[cond]``."""
    return len(expr.args) == 2 and expr.args[0].expr is S.One and \
        expr.args[1].expr is S.Zero and expr.args[1].cond is S.true


def translate_name(name: str, bold: bool = False) -> str:
    """Typst source for a SymPy symbol name (``alpha_0`` -> ``alpha_0``)."""
    base, sups, subs = split_super_sub(name)
    out = _word(base) if base else '""'
    if bold:
        out = f"bold({out})"
    if subs:
        out += "_" + _script(", ".join(_word(s) for s in subs))
    if sups:
        out += "^" + _script(", ".join(_word(s) for s in sups))
    return out


class TypstPrinter(Printer):
    """Print SymPy expressions as Typst math; see the module docstring."""

    printmethod = "_typst"
    _default_settings = {"names": None, "order": None}

    def __init__(self, settings=None):
        super().__init__(settings)
        self._names = dict(self._settings["names"] or {})

    def emptyPrinter(self, expr):
        raise NotImplementedError(
            f"TypstPrinter cannot print {type(expr).__name__} objects: {expr!r}")

    def _print(self, expr, **kwargs):
        try:
            if not isinstance(expr, str) and expr in self._names:
                return self._names[expr]
        except TypeError:  # unhashable, e.g. a mutable Matrix
            pass
        return super()._print(expr, **kwargs)

    # -- helpers ---------------------------------------------------------
    def _paren(self, expr, level, strict=False) -> str:
        s, prec = self._print(expr), precedence_traditional(expr)
        return f"({s})" if prec < level or (not strict and prec <= level) else s

    def _attach_base(self, expr) -> str:
        """``expr`` printed so that ``^``/``_`` attach to all of it."""
        s = self._print(expr)
        wrap = (not _is_unit(s) or "^" in _depth0(s) or expr.is_Piecewise
                or precedence_traditional(expr) < PRECEDENCE["Pow"])
        return f"({s})" if wrap else s

    def _call(self, head, args) -> str:
        return f"{head}({', '.join(self._print(a) for a in args)})"

    def _needs_mul_brackets(self, expr, first=False, last=False) -> bool:
        if expr.is_Mul:
            return not first and expr.could_extract_minus_sign()
        if precedence_traditional(expr) < PRECEDENCE["Mul"]:
            return True
        if expr.is_Piecewise:
            return not _is_indicator(expr)  # bb(1)[...] is one unit
        if expr.is_Relational:
            return True
        return not last and isinstance(expr, (Sum, Product))

    def _factors(self, expr) -> str:
        """Juxtapose the factors of ``expr`` (no sign or fraction handling)."""
        if not expr.is_Mul:
            return self._print(expr)
        args = expr.as_ordered_factors() if self.order is None else expr.args
        out = ""
        for i, term in enumerate(args):
            s = self._print(term)
            if self._needs_mul_brackets(term, i == 0, i == len(args) - 1):
                s = f"({s})"
            out = _juxtapose(out, s)
        return out

    # -- numbers and constants --------------------------------------------
    def _print_Integer(self, expr):
        return str(expr.p)

    def _print_Rational(self, expr):
        sign = "-" if expr.p < 0 else ""
        return f"{sign}{abs(expr.p)}/{expr.q}"

    def _print_Float(self, expr):  # shortest form: 0.98, not 0.980000000000000
        s = StrPrinter({"full_prec": False}).doprint(expr)
        if "e" in s:
            mant, exp = s.split("e")
            return f"{mant} dot 10^({int(exp)})"
        return s

    _print_Pi = lambda self, e: "pi"
    _print_Exp1 = lambda self, e: "e"
    _print_ImaginaryUnit = lambda self, e: "i"
    _print_Infinity = lambda self, e: "infinity"
    _print_NegativeInfinity = lambda self, e: "-infinity"
    _print_ComplexInfinity = lambda self, e: "tilde(infinity)"
    _print_NaN = lambda self, e: '"NaN"'
    _print_BooleanTrue = lambda self, e: '"true"'
    _print_BooleanFalse = lambda self, e: '"false"'

    # -- symbols -----------------------------------------------------------
    def _print_Symbol(self, expr):
        return self._names.get(expr.name, translate_name(expr.name))

    def _print_MatrixSymbol(self, expr):
        return self._names.get(expr.name, translate_name(expr.name, bold=True))

    def _print_IndexedBase(self, expr):
        return self._names.get(str(expr.label), self._print(expr.label))

    def _print_Idx(self, expr):
        return self._print(expr.label)

    def _print_Indexed(self, expr):
        base = self._print(expr.base)
        if "_" in _depth0(base) or "^" in _depth0(base):
            base = f"({base})"
        return base + "_" + _script(", ".join(map(self._print, expr.indices)))

    def _print_MatrixElement(self, expr):
        # an entry is a scalar: x_i of the vector bold(x), W_(i j) of bold(W);
        # SymPy's indices are 0-based, the printed ones 1-based
        parent = expr.parent
        name = getattr(parent, "name", None)
        base = translate_name(name) if isinstance(name, str) else self._attach_base(parent)
        if "_" in _depth0(base) or "^" in _depth0(base):
            base = f"({base})"
        idx = [expr.i + 1] if parent.shape[1] == 1 else [expr.i + 1, expr.j + 1]
        if parent.shape[0] == 1 and parent.shape[1] != 1:
            idx = [expr.j + 1]
        printed = [self._print(k) for k in idx]
        sep = " " if all(re.fullmatch(r"[A-Za-z]", k) for k in printed) else ", "
        return base + "_" + _script(sep.join(printed))

    # -- arithmetic --------------------------------------------------------
    def _print_Add(self, expr, order=None):
        out = ""
        for i, term in enumerate(self._as_ordered_terms(expr, order=order)):
            if i and term.could_extract_minus_sign():
                out, term = out + " - ", -term
            elif i:
                out += " + "
            out += self._paren(term, PRECEDENCE["Add"], strict=not i)
        return out

    def _print_Mul(self, expr):
        if isinstance(expr, Mul) and (expr.args[0] is S.One or any(
                a.is_Number for a in expr.args[1:])):  # unevaluated Mul
            return self._factors(expr)
        if expr.could_extract_minus_sign():
            expr = -expr
            return "-" + (f"({self._print(expr)})" if expr.is_Add
                          else self._print(expr))
        numer, denom = fraction(expr, exact=True)
        if denom is S.One:
            return self._factors(expr)
        return _frac(self._factors(numer), self._factors(denom))

    def _print_Pow(self, expr):
        base, exp = expr.base, expr.exp
        if exp is S.Half:
            return f"sqrt({self._print(base)})"
        if exp.is_Rational and exp.p == 1 and exp.q > 1:
            return f"root({exp.q}, {self._print(base)})"
        if base.is_commutative and exp.could_extract_minus_sign() and \
                fraction(expr, exact=True)[1] is not S.One:
            return self._print_Mul(expr)  # 1/x, 1/sqrt(x); x^(-n) stays
        return f"{self._attach_base(base)}^{_script(self._print(exp))}"

    def _print_exp(self, expr):
        return "e^" + _script(self._print(expr.args[0]))

    # -- functions ---------------------------------------------------------
    def _print_Function(self, expr):
        name = type(expr).__name__
        if name not in FUNCTIONS:
            raise NotImplementedError(f"TypstPrinter cannot print function {name}")
        return self._call(FUNCTIONS[name], expr.args)

    def _print_MinMaxBase(self, expr):  # Max/Min: numbers last
        args = sorted(expr.args, key=lambda a: bool(a.is_number))
        return self._call(FUNCTIONS[type(expr).__name__], args)

    def _print_AppliedUndef(self, expr):
        name = expr.func.__name__
        head = self._names.get(expr.func, self._names.get(name, translate_name(name)))
        sep = " " if set("_^") & set(_depth0(head)) else ""  # f_a (x)
        return head + sep + self._call("", expr.args)

    def _print_KroneckerDelta(self, expr):
        idx = [self._print(a) for a in expr.args]
        return "delta_" + _script((" " if all(map(_is_unit, idx)) else ", ").join(idx))

    def _print_Heaviside(self, expr):
        op = ">=" if expr.pargs[1:] == (S.One,) else ">"
        return f"bb(1)[{self._print(expr.pargs[0])} {op} 0]"

    def _print_Piecewise(self, expr):
        if _is_indicator(expr):
            return f"bb(1)[{self._print(expr.args[0].cond)}]"  # indicator
        rows = [f"{self._print(e)} & " + ('"otherwise"' if c is S.true
                                          else f'"if" {self._print(c)}')
                for e, c in expr.args]
        return f"cases({', '.join(rows)})"

    def _print_Derivative(self, expr):
        total = sum(c for _, c in expr.variable_count)
        num = "partial" + (f"^{_script(str(total))}" if total != 1 else "")
        den = " ".join(
            f"partial {self._attach_base(v)}^{_script(str(c))}" if c != 1
            else f"partial {self._print(v)}" for v, c in expr.variable_count)
        f = self._print(expr.expr)
        if _is_unit(f):
            return _frac(f"{num} {f}", den)
        return f"{_frac(num, den)} ({f})"

    def _print_Sum(self, expr, symbol="sum"):
        out = ""
        for lim in reversed(expr.limits):  # outermost first
            out += symbol + "_" + _script(self._print(lim[0]) if len(lim) == 1 else
                                          f"{self._print(lim[0])}={self._print(lim[1])}")
            if len(lim) == 3:
                out += "^" + _script(self._print(lim[2]))
            out += " "
        return out + self._paren(expr.function, PRECEDENCE["Mul"], strict=True)

    def _print_Product(self, expr):
        return self._print_Sum(expr, symbol="product")

    # -- logic and relations -------------------------------------------------
    def _print_Relational(self, expr):
        lvl = PRECEDENCE["Relational"]
        return (f"{self._paren(expr.lhs, lvl)} {_REL_OPS[expr.rel_op]} "
                f"{self._paren(expr.rhs, lvl)}")

    def _print_And(self, expr, op="and"):
        lvl = precedence_traditional(expr)
        return f" {op} ".join(self._paren(a, lvl) for a in expr.args)

    def _print_Or(self, expr):
        return self._print_And(expr, op="or")

    def _print_Not(self, expr):
        return "not " + self._paren(expr.args[0], PRECEDENCE["Not"])

    # -- containers ----------------------------------------------------------
    def _print_Tuple(self, expr):
        return self._call("", expr.args)

    def _print_MatrixBase(self, expr):
        rows = ("; ".join(", ".join(self._print(x) for x in expr.row(i))
                          for i in range(expr.rows)))
        return f"mat({rows})"

    # -- matrix expressions -----------------------------------------------
    def _print_MatAdd(self, expr):
        out = ""  # positive terms first: W x - y, not -y + W x
        for term in sorted(map(self._print, expr.args),
                           key=lambda t: t.startswith("-")):
            if out:
                out += " - " if term.startswith("-") else " + "
            out += term[1:] if out and term.startswith("-") else term
        return out

    def _print_MatMul(self, expr):
        coeff, mats = expr.as_coeff_matrices()
        sign = "-" if coeff.could_extract_minus_sign() else ""
        coeff = -coeff if sign else coeff
        parts = [self._paren(m, PRECEDENCE["Mul"]) for m in mats]
        head, tail = coeff, S.One
        if fraction(coeff, exact=True)[1] is S.One:
            # scalars commute: move sums behind the matrices, where they need
            # no parentheses (I_n sum_i x_i rather than (sum_i x_i) I_n)
            tail = Mul(*[a for a in Mul.make_args(coeff) if isinstance(a, (Sum, Product))])
            head = Mul(*[a for a in Mul.make_args(coeff) if not isinstance(a, (Sum, Product))])
        if head is not S.One:
            c = self._print(head)
            parts.insert(0, f"({c})" if self._needs_mul_brackets(head, True, True) else c)
        if tail is not S.One:
            parts.append(self._print(tail))
        out = ""
        for part in parts:
            out = _juxtapose(out, part)
        return sign + out

    def _print_ElementwiseApplyFunction(self, expr):
        # f applied entrywise, f.(x): printed as f(x), as exams write it
        fn = expr.function
        if hasattr(fn, "variables") and len(fn.variables) == 1:
            var, body = fn.variables[0], fn.expr
        else:  # a function class such as sign
            var = Symbol("_t")
            body = fn(var)
        saved = self._names.get(var)
        self._names[var] = f"({self._print(expr.expr)})" if body.is_Pow else \
            self._print(expr.expr)
        try:
            return self._print(body)
        finally:
            if saved is None:
                del self._names[var]
            else:
                self._names[var] = saved

    def _print_MatPow(self, expr):
        return f"{self._attach_base(expr.base)}^{_script(self._print(expr.exp))}"

    def _print_Transpose(self, expr):  # also Inverse, Adjoint
        return self._attach_base(expr.arg) + _MATRIX_POSTFIX[type(expr).__name__]

    _print_Inverse = _print_Adjoint = _print_Transpose

    def _print_Identity(self, expr):
        return "bold(I)_" + _script(self._print(expr.rows))

    def _print_OneMatrix(self, expr):
        m, n = expr.shape
        if n == 1 or m == 1:
            return f"bold(1)_{_script(self._print(m if n == 1 else n))}" + (
                "^top" if m == 1 and n != 1 else "")
        return f"bold(1)_({self._print(m)} times {self._print(n)})"

    def _print_ZeroMatrix(self, expr):
        return "bold(0)"

    def _print_HadamardProduct(self, expr, op="dot.o"):
        return f" {op} ".join(self._paren(a, precedence_traditional(expr))
                              for a in expr.args)

    def _print_KroneckerProduct(self, expr):
        return self._print_HadamardProduct(expr, op="times.o")

    def _print_Trace(self, expr):  # also Determinant, Diag*
        return self._call(_MATRIX_FUNCTIONS[type(expr).__name__], expr.args[:1])

    _print_Determinant = _print_DiagMatrix = _print_Trace
    _print_DiagonalMatrix = _print_DiagonalOf = _print_Trace


def typst_math(expr, *, names: dict | None = None) -> str:
    """Typst math-mode source (no surrounding ``$``) for a SymPy expression.

    ``names`` maps SymPy objects or plain name strings to verbatim Typst
    source, e.g. ``{MatrixSymbol("x", n, 1): "bold(x)", "alpha_0": "alpha_0"}``.
    Raises ``NotImplementedError`` for node types without a printing rule.
    """
    if not isinstance(expr, (Basic, MatrixBase)):
        expr = sympify(expr, strict=True)
    return TypstPrinter({"names": names}).doprint(expr)
