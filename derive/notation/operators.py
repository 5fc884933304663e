"""The grammar's operators: sums and products (with their index sets, written out with
``\\cdots``, under a brace), expectations, derivatives and gradients of expressions, and
evaluation at a point. A mixin of :class:`derive.notation.grammar.Parser`: its methods
read with the parser's own token stream and helpers (``self.sub``, ``self.term``, ...).
"""
from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import AnswerError
from . import shapes
from .lexer import ACCENTS, ASSIGN, Token, lex, lex_form
from .shapes import Gradient, is_matrix
from .symbols import Context, SymbolSpec, substitute_aliases
from .tables import FOREIGN, GREEK, MAX_SUM_TERMS, RELATIONS


class Operators:
    """Big operators and calculus for the grammar (see the module docstring)."""

    def written_out_sum(self, acc: Any, terms: list[Any], op: Token) -> Any:
        """``a_1 + a_2 + \\cdots + a_m``: the sum of the pattern the written terms follow,
        read off the first term and the last (and checked against the second)."""
        dots = self.next()
        if not self.at("+", "char"):
            raise self.error("after \\cdots, write the last term: a_1 + \\cdots + a_m", dots)
        self.next()
        last = self.term()
        first, second = (terms[0], terms[1]) if len(terms) >= 2 else (terms[-1], None)
        total = _series(first, second, last)
        if total is None:
            raise self.error("the terms around \\cdots do not follow one pattern in an index: "
                             "write the sum with \\sum", dots)
        return total

    def dotted_vector(self, rows: list[list[Any]], dots: Token) -> Any:
        """``\\begin{bmatrix} a_1 \\\\ \\vdots \\\\ a_n \\end{bmatrix}`` (a column) or
        ``\\begin{bmatrix} a_1 & \\cdots & a_n \\end{bmatrix}`` (a row): the vector of the
        pattern its first and last entries follow in one running index (checked against a
        second entry where one is written), as long as the index runs; entries that follow
        no one pattern are ambiguous (which entries are meant?)."""
        if all(len(r) == 1 for r in rows):
            items, column = [r[0] for r in rows], True
        elif len(rows) == 1:
            items, column = rows[0], False
        else:
            raise self.error("a matrix written with dots is not read: write its entries by a "
                             "formula, as (A)_{ij} = ...", dots)
        marks = [k for k, x in enumerate(items) if x is DOTS]
        if marks != [len(items) - 2] or len(items) not in (3, 4):
            raise self.error("write the first entry (and the second), the dots, then the last "
                             "entry", dots)
        first, second, last = items[0], (items[1] if len(items) == 4 else None), items[-1]
        if any(is_matrix(x) for x in (first, second, last)):
            raise self.error("the entries around the dots are not scalars", dots,
                             "shape.invalid")
        found = pattern_of(first, second, last)
        if found is None:
            raise self.error("the entries around the dots do not follow one pattern in an "
                             "index, so the entries between them cannot be read: write the "
                             "vector by its general entry", dots, "parse.ambiguous")
        general, k, i0, end = found
        p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
        if column:
            return sp.FunctionMatrix(end - i0, 1, sp.Lambda((p, q),
                                                            general.xreplace({k: p + i0 + 1})))
        return sp.FunctionMatrix(1, end - i0, sp.Lambda((p, q),
                                                        general.xreplace({k: q + i0 + 1})))

    def evaluation(self, value: Any, toks: list[Token], t: Token) -> Any:
        """``X|_{v = a}``: X with v set to a. A declared derivative is already a value at a
        point (``\\frac{\\partial f}{\\partial w}`` is f'(w_k)): the bar may only name
        that point (``|_{w = w_k}``, ``|_{w_k}``), anything else is refused."""
        eq = next((k for k, u in enumerate(toks) if u.kind == "char" and u.text == "="), None)
        point = self.sub(toks[eq + 1:] if eq is not None else toks)
        bound = self.bar_locals.get(tuple(u.text for u in toks[:eq])) if eq else None
        if eq is None:   # |_{\theta_k}: the point of the variable a derivative bound
            bound = next((b for b in self.bar_locals.values() if b[1] == point
                          and getattr(value, "has", lambda v: False)(b[0])), None)
        if bound is not None and getattr(value, "has", lambda v: False)(bound[0]):
            # \nabla_\theta(\ldots)\big|_{\theta=\theta_k}: the gradient in the variable
            # the bar names, taken at its point (never of what depends on the point too)
            local = bound[0]
            for g in value.atoms(Gradient):
                if g.var == local and any(g.expr.has(a) for a in _atoms_of(point)):
                    raise self.error("the expression differentiated uses the point of "
                                     "evaluation itself: write the derivative out", t)
            return value.xreplace({local: point})
        if eq is not None and bound is None:
            var = self.sub(toks[:eq])
            if isinstance(var, (sp.Symbol, MatrixElement)) and getattr(value, "has",
                                                                       lambda v: False)(var):
                return value.xreplace({var: point})
        if self.declared_at(value, point):
            return value
        raise self.error("the point of evaluation is not understood: write the derivative "
                         "at its point, as f'(w_k)", t)

    def declared_at(self, value: Any, point: Any) -> bool:
        """Every declared quantity of ``value`` that is written at a point (``f'(w_k)``,
        ``\\nabla L(\\theta_k)``) is declared at ``point``; and there is one."""
        atoms = [a for a in getattr(value, "free_symbols", set()) | set(
            getattr(value, "atoms", lambda *a: set())(sp.MatrixSymbol))
            if hasattr(a, "name")]
        pointed = [a for a in atoms if self.points_of(a.name)]
        return bool(pointed) and all(self.at_point(a.name, point) for a in pointed)

    def at_point(self, name: str, point: Any) -> bool:
        """``point`` is where the declared ``name`` is written (``f'(w_k)``: w_k), or the
        argument list of one of its forms (``f'(x, w)``) with at most one argument moved
        to a point it is declared at (``f'(x, w_k)``: x held, w at w_k)."""
        points = self.points_of(name)
        if point in points or point == self.variable_of(name):
            return True
        if not isinstance(point, sp.Tuple):
            return False
        for sig in self.signatures_of(name):
            if len(sig) != len(point):
                continue
            moved = [j for j in range(len(sig)) if point[j] != sig[j]]
            if not moved or len(moved) == 1 and point[moved[0]] in points:
                return True
        return False

    def signatures_of(self, name: str) -> list[Any]:
        """The argument lists of a declared name's forms that name its arguments
        (``f'(x, w)``: (x, w)), names the question does not declare included."""
        key = ("signatures", name)
        if key not in self.ctx.cache:
            out = []
            spec = self.ctx.spec_of(name)
            for form in spec.forms if spec is not None else ():
                toks = lex_form(form)
                k = _open_of_last(toks)
                if k is None or not any(u.text == "," for u in toks[k:]):
                    continue
                try:
                    sig = type(self)(substitute_aliases(toks[k:], self.ctx.patterns),
                                     self.ctx).group("(", ")")
                except AnswerError:
                    continue
                if isinstance(sig, sp.Tuple) and sig not in out:
                    out.append(sig)
            self.ctx.cache[key] = out
        return self.ctx.cache[key]

    def variable_of(self, name: str) -> Any:
        """The variable a declared gradient is taken in (``\\nabla_{\\mathbf w} J``: w)."""
        spec = self.ctx.spec_of(name)
        for form in spec.forms if spec is not None else ():
            toks = lex_form(form)
            for k in range(len(toks) - 1):
                if toks[k].text == r"\partial" and k + 1 < len(toks) and k > 2 \
                        and toks[k - 1].text == "{":
                    try:
                        var = self.child(substitute_aliases(toks[k + 1:k + 2],
                                                            self.ctx.patterns)).whole()
                    except AnswerError:
                        continue
                    return var
        return None

    def points_of(self, name: str) -> list[Any]:
        """The points a declared name is written at in its forms (``f'(w_k)``: w_k)."""
        key = ("points", name)
        if key not in self.ctx.cache:
            points = []
            spec = self.ctx.spec_of(name)
            for form in spec.forms if spec is not None else ():
                toks = lex_form(form)
                if len(toks) >= 3 and toks[-1].text == ")":
                    depth, k = 0, len(toks) - 1
                    for k in range(len(toks) - 1, -1, -1):
                        depth += toks[k].text == ")"
                        depth -= toks[k].text == "("
                        if depth == 0:
                            break
                    try:
                        inner = substitute_aliases(toks[k + 1:-1], self.ctx.patterns)
                        p = type(self)(inner, self.ctx).whole()
                    except AnswerError:
                        continue
                    if not getattr(p, "free_symbols", None) or not any(
                            str(x).startswith(FOREIGN) for x in p.free_symbols):
                        points.append(p)
            self.ctx.cache[key] = points
        return self.ctx.cache[key]

    def derivative_of(self, num_t: list[Token], den_t: list[Token], t: Token) -> Any:
        """``\\frac{\\partial (expr)}{\\partial v}`` of an expression in declared names only
        (never of a name the question does not give: its dependence on v is unknown)."""
        if len(num_t) < 2 or len(den_t) < 2 or num_t[1].text == "^":
            return None
        probe = type(self)(substitute_aliases(num_t[1:], self.ctx.patterns), self.ctx)
        probe.bound = self.bound
        try:
            body, var = probe.whole(), self.child(substitute_aliases(
                den_t[1:], self.ctx.patterns)).whole()
        except AnswerError:
            return None
        if probe.foreign_at or is_matrix(body) or not isinstance(
                var, (sp.Symbol, MatrixElement, sp.MatrixSymbol)):
            return None
        # \frac{\partial y_i}{\partial \beta} with y_i = \gamma\hat x_i + \beta declared
        return self.shaped(t, shapes.gradient, self.expand_definitions(body, var), var)

    def derivative(self, var_t: list[Token], t: Token) -> Any:
        """``\\frac{\\partial}{\\partial s_k}\\left(...\\right)``: the derivative operator, in a
        declared scalar or an entry of a declared vector (a step in a chain of working), or
        in a variable that an evaluation bar after it names (``\\left.\\frac{\\partial}
        {\\partial\\theta}(\\ldots)\\right|_{\\theta=\\theta_k}``)."""
        scope = self.bar_binding(var_t)
        var = scope[var_t[0].text] if scope else self.sub(var_t)
        if not (isinstance(var, (sp.Symbol, MatrixElement, sp.MatrixSymbol))):
            raise self.error("differentiate with respect to a declared scalar, vector or "
                             "matrix, or an entry of one", t, "parse.syntax")
        if self.peek() is None:
            raise self.error("the derivative operator needs something to differentiate", t)
        # \frac{d}{ds_j} a(s_j - s_y + \Delta)^2\Big|_{s_j = s_y}: a bar in the derivative's
        # own variable after the product evaluates the derivative, never its last factor
        later_bar = scope is None and self.bar_in_variable(var_t)
        self.in_eval += later_bar
        try:
            body = self.bound_body(scope)
        finally:
            self.in_eval -= later_bar
        if is_matrix(body):
            raise self.error("the derivative operator takes a scalar here", t, "shape.invalid")
        return self.differentiate(body, var, t, var_t)

    def _top_level_ahead(self, stops: str):
        """``(k, token)`` for the tokens after the cursor outside any bracket, up to a bracket
        that closes one opened before the cursor or a character in ``stops``."""
        depth = 0
        for k in range(self.i, len(self.t)):
            u = self.t[k]
            if u.kind == "char" and u.text in "([{":
                depth += 1
            elif u.kind == "char" and u.text in ")]}":
                depth -= 1
                if depth < 0:
                    return
            elif depth == 0 and u.kind == "char" and u.text in stops:
                return
            elif depth == 0:
                yield k, u

    def _subscript(self, k: int) -> list[Token]:
        """The subscript whose ``_`` is at ``k``: the group's tokens, or the one token."""
        return (self.t[k + 2:self.group_end(k + 1) - 1] if self.t[k + 1].text == "{"
                else [self.t[k + 1]])

    def bar_in_variable(self, var_t: list[Token]) -> bool:
        """Whether an evaluation bar ``|_{v = a}`` in the variable ``v`` the derivative
        operator names follows the product after it (outside any bracket, before the next
        relation or separator)."""
        names = [u.text for u in var_t]
        for k, u in self._top_level_ahead("=,;+-"):
            if u.kind == "char" and u.text == "|" and k + 2 < len(self.t) \
                    and self.t[k + 1].text == "_":
                script = self._subscript(k + 1)
                eq = next((j for j, x in enumerate(script) if x.text == "="), None)
                return eq is not None and [x.text for x in script[:eq]] == names
        return False

    def bar_binding(self, var_t: list[Token]) -> dict[str, Any] | None:
        """A derivative's variable that the question does not declare, named by an
        evaluation bar after the derivative (``\\nabla_\\theta(\\ldots)\\big|_{\\theta =
        \\theta_k}``): a variable of the point's shape, bound in what is differentiated and
        set to the point by the bar. None where no bar names it."""
        if len(var_t) != 1 or var_t[0].kind not in ("char", "cmd") or not (
                var_t[0].text.isalpha() or var_t[0].text[1:] in GREEK):
            return None
        for k, u in self._top_level_ahead("=,;"):
            if u.kind == "char" and (
                    u.text == "|" and k + 2 < len(self.t) and self.t[k + 1].text == "_"
                    or u.text == "_" and k > self.i and self.t[k - 1].text in ")]"
                    and k + 1 < len(self.t) and self._bar_script(k, var_t[0])):
                # \nabla_\theta(\ldots)\big|_{\theta=\theta_k}, and the bracket with an
                # evaluation subscript, \nabla_\theta\left[\ldots\right]_{\theta=\theta_k}
                script = self._subscript(k + 1 if u.text == "|" else k)
                eq = next((j for j, x in enumerate(script) if x.text == "="), None)
                if eq is None and self.point_of_variable(script, var_t[0]):
                    eq = -1   # |_{\theta_k} after \nabla_\theta: the point alone
                elif not eq or [x.text for x in script[:eq]] != [var_t[0].text]:
                    return None
                try:
                    point = self.sub(script[eq + 1:])
                except AnswerError:
                    return None
                if isinstance(point, sp.Tuple) or any(
                        str(a).startswith(FOREIGN) for a in getattr(point, "free_symbols", ())):
                    return None
                name = "@" + var_t[0].text
                local = (sp.MatrixSymbol(name, *point.shape) if is_matrix(point)
                         else sp.Symbol(name, real=True))
                self.bar_locals[(var_t[0].text,)] = (local, point)
                return {var_t[0].text: local}
        return None

    def _bar_script(self, k: int, var: Token) -> bool:
        """The subscript at ``self.t[k]`` (``_``, after a bracket) sets ``var``:
        ``]_{\\theta=\\theta_k}``."""
        script = self._subscript(k)
        return len(script) > 2 and script[0].text == var.text and script[1].text == "="

    def point_of_variable(self, script: list[Token], var: Token) -> bool:
        """A bar's subscript that is only a point (``\\big|_{\\theta_k}``) names the
        derivative's variable when the point is one declared name written as that letter
        with a subscript (``\\theta_k`` for ``\\nabla_\\theta``)."""
        if len(script) != 1 or script[0].kind != "ref" or script[0].ref is None \
                or script[0].ref[0] == "=":
            return False
        spec = self.ctx.spec_of(script[0].ref[0])
        if spec is None or spec.kind not in ("scalar", "vector", "matrix"):
            return False
        for form in spec.forms:
            keys = [u.key for u in lex_form(form)]
            if len(keys) >= 3 and keys[0] == var.key and keys[1] == ("char", "_"):
                return True
        return False

    def bound_body(self, scope: dict[str, Any] | None) -> Any:
        """The operator's body, read with the bar's variable bound (``scope``)."""
        if scope is None:
            return self.operator_body()
        self.bound.append(scope)
        try:
            return self.operator_body()
        finally:
            self.bound.pop()

    def differentiate(self, body: Any, var: Any, t: Token,
                      var_t: list[Token] | None = None) -> Any:
        """d body / d var; a body with a name the question does not give depends on var in
        a way nobody knows: the derivative is then a name of its own, not 0. A name whose
        derivative in var the question declares (``L`` or ``L(\\theta)`` with ``\\nabla_\\theta
        L`` declared) has that derivative, by linearity (where the body is linear in it)."""
        body = self.expand_definitions(body, var)
        known = {}
        for s in getattr(body, "free_symbols", ()):
            if str(s).startswith(FOREIGN) and s != var and var_t is not None:
                d = self.declared_derivative(s, var, var_t)
                if d is not None:
                    known[s] = d
        if known:
            coeffs = {s: sp.diff(body, s) for s in known}
            if all(not c.has(*known) and not c.has(var) for c in coeffs.values()):
                rest = body.xreplace({s: 0 for s in known})
                value = shapes.gradient(rest, var) if rest.has(var) else None
                for s, c in coeffs.items():
                    term = self.shaped(t, shapes.mul, c, known[s]) if c != 1 else known[s]
                    value = term if value is None else self.shaped(t, shapes.add, value, term)
                return value
        # a name of the answer's own is a quantity of its own (independent of var); a
        # function of it or a derivative (\sigma(z), \partial L / \partial w) may depend on var
        unknown = {s for s in getattr(body, "free_symbols", ())
                   if str(s).startswith(FOREIGN) and any(c in str(s) for c in "(\\")} - {var}
        if unknown:
            return self.foreign_name(f"d({body})/d({var})", t)
        return self.shaped(t, shapes.gradient, body, var)

    def declared_derivative(self, sym: Any, var: Any, var_t: list[Token]) -> Any:
        """The declared quantity that is the derivative of the answer's name ``sym`` (``L``,
        or ``L(\\theta)`` at the variable itself) in ``var``, where the question declares
        one (a form ``\\frac{\\partial L}{\\partial \\theta}``, ``\\nabla_\\theta L``) and it is
        declared at the point where var is (the bar's point, else var); else None."""
        name = str(sym)[len(FOREIGN):]
        if "(" in name:
            name, _, args = name.partition("(")
            if args != " ".join(u.text for u in var_t) + ")":
                return None
        local = next((b for b in self.bar_locals.values() if b[0] == var), None)
        if local is None and (str(var).startswith(FOREIGN) or not isinstance(
                var, (sp.Symbol, MatrixElement, sp.MatrixSymbol))):
            return None
        point = local[1] if local is not None else var
        for target, num, den in self.derivative_forms():
            if "".join(u.text for u in num) != name.replace(" ", ""):
                continue
            if local is not None:   # the bar's variable: the same letter
                if [u.text for u in den] != [u.text for u in var_t]:
                    continue
                form_var = var
            else:
                probe = type(self)(substitute_aliases(den, self.ctx.patterns), self.ctx)
                probe.bound = self.bound
                try:
                    form_var = probe.whole()
                except AnswerError:
                    continue
                if probe.foreign_at:
                    continue
            obj = self.ctx.objects[target]
            if form_var == var and getattr(obj, "shape", None) == getattr(var, "shape", None) \
                    and self.at_point(target, point):
                return obj
        return None

    def derivative_forms(self) -> list[tuple[str, list[Token], list[Token]]]:
        """The declared forms that are a derivative of a name (``\\frac{\\partial L}{\\partial
        \\theta}``, ``\\nabla_\\theta L(\\theta_k)``): (symbol, the name's tokens, the
        variable's tokens)."""
        key = ("derivative-forms",)
        if key not in self.ctx.cache:
            out = []
            for spec in self.ctx.specs:
                if spec.kind in ("family", "function", "dim", "index"):
                    continue
                for form in spec.forms:
                    toks = lex_form(form)
                    if len(toks) < 8 or [u.text for u in toks[:3]] != [r"\frac", "{",
                                                                       r"\partial"]:
                        continue
                    close = next((k for k in range(3, len(toks)) if toks[k].text == "}"), None)
                    if close is None or close + 3 >= len(toks) or \
                            toks[close + 2].text != r"\partial":
                        continue
                    end = next((k for k in range(close + 3, len(toks))
                                if toks[k].text == "}"), None)
                    if end is None or close == 3 or end == close + 3 or any(
                            u.text in "{}" for u in toks[3:close] + toks[close + 3:end]):
                        continue
                    found = (spec.name, toks[3:close], toks[close + 3:end])
                    keys = [u.key for u in found[1] + found[2]]
                    if not any(o[0] == spec.name and [u.key for u in o[1] + o[2]] == keys
                               for o in out):
                        out.append(found)
            self.ctx.cache[key] = out
        return self.ctx.cache[key]

    def expand_definitions(self, body: Any, var: Any) -> Any:
        """``body`` with the quantities the question defines (``define``: ``y_i = \\gamma
        \\hat x_i + \\beta``) that depend on ``var`` replaced by their definitions, so a
        derivative in var sees through them; the others are kept as names."""
        if not isinstance(body, sp.Basic):
            return body
        target = var.parent if isinstance(var, MatrixElement) else var
        depends: dict[str, bool] = {}

        def dep(name: str, seen: frozenset = frozenset()) -> bool:
            if name not in depends:
                d = self.definition(name)
                depends[name] = d is not None and name not in seen and (
                    d[0].has(target) or any(
                        dep(s.name, seen | {name}) for s in self.ctx.specs
                        if s.define and s.name != name and d[0].has(self.ctx.objects[s.name])))
            return depends[name]

        for _ in range(len(self.ctx.specs)):
            subs = {}
            for s in self.ctx.specs:
                if not s.define or s.body is not None or s.kind == "function":
                    continue
                obj = self.ctx.objects.get(s.name)
                if obj is None or not body.has(obj) or not dep(s.name):
                    continue
                expr, index = self.definition(s.name)
                if s.kind == "family":
                    for el in body.atoms(MatrixElement):
                        if el.parent == obj:
                            subs[el] = expr.xreplace({index: el.args[1] + 1})
                else:
                    subs[obj] = expr
            if not subs:
                break
            body = body.xreplace(subs)
        return body

    def definition(self, name: str) -> tuple[Any, Any] | None:
        """A defined symbol's definition, read by this grammar (for a family, in its index
        letter, which is returned too); None where it cannot be read here."""
        key = ("grammar-definition", name)
        if key not in self.ctx.cache:
            s = self.ctx.spec_of(name)
            sub, index, out = self.ctx, None, None
            if s is not None and s.define:
                if s.kind == "family":
                    letter = s.index or "i"
                    sub = Context([x for x in self.ctx.specs if x.name != s.name]
                                  + [SymbolSpec(letter, "index", of=str(s.shape[0]))],
                                  asked={}, constants=self.ctx.constants)
                    index = sub.objects[letter]
                try:
                    p = type(self)(substitute_aliases(lex(s.define), sub.patterns), sub)
                    expr = p.whole()
                    if not p.foreign_at and not is_matrix(expr):
                        out = (expr, index)
                except AnswerError:
                    out = None
            self.ctx.cache[key] = out
        return self.ctx.cache[key]

    def operator_body(self) -> Any:
        """What a derivative operator applies to: the product after it
        (``\\partial/\\partial s_j\\, a(s_j - s_y)^2``, ``\\nabla_x (Wx-y)^T(Wx-y)``); a bracket
        followed by an evaluation subscript (``\\frac{d}{dt}[\\ldots]_{t=0}``) is the body alone,
        and the subscript evaluates the derivative."""
        t = self.peek()
        if t is not None and t.kind == "char" and t.text in "([{":
            end = self.group_end(self.i)
            nxt = self.t[end] if end < len(self.t) else None
            if nxt is not None and nxt.text == "_" and end + 1 < len(self.t):
                script_end = (self.group_end(end + 1) if self.t[end + 1].text == "{"
                              else end + 2)
                if any(u.text == "=" for u in self.t[end + 1:script_end]):
                    return self.primary()
            if nxt is not None and nxt.text == "|" and end + 1 < len(self.t) \
                    and self.t[end + 1].text == "_":
                return self.primary()   # \nabla_\theta(\ldots)\big|_{\theta=\theta_k}
        return self.term()

    def group_end(self, k: int) -> int:
        """Index just past the bracket group opening at ``self.t[k]``."""
        depth = 0
        for j in range(k, len(self.t)):
            u = self.t[j]
            if u.kind == "char" and u.text in "([{":
                depth += 1
            elif u.kind == "char" and u.text in ")]}":
                depth -= 1
                if depth == 0:
                    return j + 1
        return len(self.t)

    def nabla(self, t: Token) -> Any:
        """``\\nabla_{\\mathbf x}(\\ldots)``: the gradient of an expression (a declared gradient,
        ``\\nabla_{\\mathbf w} J``, is a name and never reaches here); without a subscript,
        in the only vector the expression has."""
        var, var_t, scope = None, None, None
        if self.at("_", "char"):
            self.next()
            var_t = self.script_tokens()
            scope = self.bar_binding(var_t)
            var = scope[var_t[0].text] if scope else self.sub(var_t)
        if self.peek() is None:
            raise self.error("the gradient needs something to differentiate", t)
        body = self.bound_body(scope)
        if var is None:
            vectors = [m for m in getattr(body, "atoms", lambda *a: set())(sp.MatrixSymbol)]
            if len(vectors) != 1:
                raise self.error("write the variable of the gradient, as \\nabla_{\\mathbf w}", t)
            var = vectors[0]
        if not isinstance(var, (sp.Symbol, MatrixElement, sp.MatrixSymbol)):
            raise self.error("the gradient is taken in a declared scalar, vector or matrix", t)
        return self.differentiate(body, var, t, var_t)

    def evaluated(self, t: Token) -> Any:
        """``\\left. X \\right|_{v = a}``: X at v = a."""
        self.in_eval += 1
        try:
            inner = self.expr()
        finally:
            self.in_eval -= 1
        bar = self.peek()
        if not (bar is not None and bar.text == "|" and self.peek(1) is not None
                and self.peek(1).text == "_"):
            raise self.error("\\left. needs its \\right|_{...}", t)
        self.next()
        self.next()
        return self.evaluation(inner, self.script_tokens(), bar)

    def summation(self, t: Token) -> Any:
        return self.big_operator(t, sp.Sum, sp.Add, "sum")

    def product(self, t: Token) -> Any:
        return self.big_operator(t, sp.Product, sp.Mul, "product")

    def big_operator(self, t: Token, node: Any, fold: Any, what: str) -> Any:
        """``\\sum``/``\\prod`` with an index: ``_i``, ``_{i=1}^n``, ``_{j \\ne y}``,
        ``_{j=1, j \\ne y}^C``, ``_{\\substack{j=1\\\\ j\\ne y}}``, ``_{j \\in
        \\{1,\\dots,C\\}\\setminus\\{y\\}}``, ``_{i \\in \\{16, 7, 7\\}}``."""
        if not self.at("_", "char"):
            raise self.error(f"write the {what}'s index, as \\{what}_i or \\{what}_{{i=1}}^n", t)
        self.next()
        sub = self.script_tokens()
        if sub and sub[0].kind == "cmd" and sub[0].text == r"\substack":
            sub = [u for u in sub[2:-1]]   # \substack{j=1\\ j\ne y}: its lines as clauses
            sub = [Token("char", ",", u.pos) if u.text == "\\\\" else u for u in sub]
        if not sub or sub[0].kind not in ("char", "ref", "cmd", "idx"):
            raise self.error(f"the {what}'s index must be a letter", t)
        index_tok = sub[0]
        name = index_tok.text if index_tok.kind != "ref" else index_tok.ref[0]
        index = sp.Symbol(name, integer=True)
        lower, upper, excludes, values = sp.Integer(1), None, [], None
        conditions: list[list[Token]] = []   # \sum_{i : (Ax)_i > 0}: the terms where it holds
        clauses = _clauses(sub[1:], index_tok)
        if len(sub) > 2 and sub[1].text in (":", "|", r"\mid"):
            clauses, conditions = [], [sub[2:]]   # \sum_{i : c}, \sum_{i \,|\, c}
        self.bound.append({name: index})
        try:
            for clause in clauses:
                kind, rest = clause[0].text, clause[1:]
                if kind == "=":
                    lower = self.sub(rest)
                elif kind == r"\ne":
                    excludes.append(self.sub(rest))
                elif kind == r"\in":
                    lower, upper, values, more = self.index_set(rest, t)
                    excludes.extend(more)
                elif kind in RELATIONS:   # _{j=1, j > 2}: a condition on the index itself
                    conditions.append([index_tok] + clause)
                elif any(u.text in RELATIONS for u in clause):   # \substack{i=1\\ (Ax)_i > 0}
                    conditions.append(clause)
                else:
                    raise self.error(f"the {what}'s index is not understood", clause[0])
            if self.at("^", "char"):
                self.next()
                upper = self.sub(self.script_tokens())
            if upper is not None:
                self.ranges[index] = upper
            minus = self.next() if node is sp.Sum and self.at("-", "char") else None
            body = self.term()
            if minus is not None:   # \sum_i -\log p_i: a signed summand (the sum is linear,
                self.no_list(minus, body)   # so the sign's extent does not change its value)
                body = shapes.negative(body)
            for cond_toks in conditions:   # the sum of 1[c] times the summand
                cond = self.index_condition(cond_toks, t, what)
                if is_matrix(body) and node is sp.Sum:
                    body = self.mul(sp.Piecewise((1, cond), (0, True)), body, t)
                elif not is_matrix(body):
                    body = sp.Piecewise((body, cond), (1 if node is sp.Product else 0, True))
        finally:
            self.bound.pop()
        if values is not None:   # a finite set written out
            return fold(*[body.xreplace({index: v}) for v in values])
        if is_matrix(body):
            if upper is None and index not in body.free_symbols:
                raise self.error(f"the terms of this {what} are a vector or a matrix that does "
                                 f"not depend on {name}", t, "shape.inconsistent")
            if node is not sp.Sum:
                raise self.error("a product of vectors or matrices is not understood; write "
                                 "the matrix form", t, "shape.invalid")
            # \sum_i (Wx - y)_i e_i x^T: the matrix of the sums of the entries
            p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
            entry = body[p, q]
            total = self.big_operator_value(node, entry, index, lower, upper, excludes, t,
                                            name, what)
            return sp.FunctionMatrix(body.shape[0], body.shape[1], sp.Lambda((p, q), total))
        return self.big_operator_value(node, body, index, lower, upper, excludes, t, name,
                                       what)

    def index_condition(self, toks: list[Token], t: Token, what: str) -> Any:
        """The condition on a big operator's index (``(Ax)_i > 0`` in ``\\sum_{i : (Ax)_i >
        0}``), read with the index bound."""
        bound = {name for scope in self.bound for name in scope}
        toks = [Token("idx", u.text, u.pos) if u.kind == "char" and u.text in bound
                and u.group is None else u for u in toks]
        p = self.child(substitute_aliases(toks, self.ctx.patterns))
        cond = p.condition(None)
        if p.peek() is not None:
            raise p.error(f"unexpected '{p.peek().text}' in the {what}'s condition")
        if isinstance(cond, tuple):
            raise self.error(f"the {what}'s condition must be on its index", t, "shape.invalid")
        return cond

    def big_operator_value(self, node: Any, body: Any, index: Any, lower: Any, upper: Any,
                           excludes: list[Any], t: Token, name: str, what: str) -> Any:
        self.no_list(t, lower, upper, body, *excludes)
        if upper is None:
            upper = _range_from_body(body, index)
            if upper is None and _indexes_only_own_names(body, index, name):
                # \sum_i (x_i - y_i)^2 where the question declares no x, y: the index runs
                # over the student's own names, so its range is the student's own too (the
                # sum is a step that cannot be checked; graded, it is symbol.foreign)
                after = self.peek()   # placed after the sum: its own names are named first
                upper = self.foreign_name(rf"\text{{range of }} {name}",
                                          after or Token("char", "", self.end_pos))
            if upper is None:
                raise self.error(f"cannot tell the range of {name}: give bounds, "
                                 f"as \\{what}_{{{name}=1}}^n", t)
        fault = shapes.index_fault(body, index, upper, self.ctx.dim_objects()) \
            if lower == 1 else None
        if fault is not None:
            raise self.error(fault, t, "shape.inconsistent")
        if upper.is_number and upper - lower > MAX_SUM_TERMS:
            raise self.error(f"this {what} has too many terms to check", t, "parse.huge_number")
        for e in excludes:
            body = sp.Piecewise((body, sp.Ne(index, e)), (1 if node is sp.Product else 0, True))
        return node(body, (index, lower, upper))

    def index_set(self, toks: list[Token], t: Token) -> tuple[Any, Any, Any, list[Any]]:
        """``\\{1, \\dots, C\\}`` (a range), ``\\{16, 7, 7\\}`` (values), ``[n]``, each
        optionally ``\\setminus \\{y\\}``: (lower, upper, values, excluded)."""
        cut = next((k for k, u in enumerate(toks) if u.text == r"\setminus"), len(toks))
        main, minus = toks[:cut], toks[cut + 1:]
        excluded = []
        if minus:
            inner = minus[1:-1] if minus[0].text in "([" else minus
            excluded = [self.sub(part) for part in _split_commas(inner)]
        if not main:
            return sp.Integer(1), None, None, excluded
        if main[0].text == "[" and main[-1].text == "]":   # [n] = {1, ..., n}
            return sp.Integer(1), self.sub(main[1:-1]), None, excluded
        if main[0].text != "(" or main[-1].text != ")":
            raise self.error("write the index set as \\{1, \\dots, n\\}", t)
        items = _split_commas(main[1:-1])
        if any(len(it) == 1 and it[0].text == r"\cdots" for it in items):
            if len(items) != 3 or items[1][0].text != r"\cdots":
                raise self.error("write the index set as \\{1, \\dots, n\\}", t)
            return self.sub(items[0]), self.sub(items[2]), None, excluded
        return sp.Integer(1), None, [self.sub(it) for it in items], excluded

    def expectation(self, t: Token) -> Any:
        """``\\mathbb{E}_{i \\sim U}[f_i]``: the mean over the index's range (uniform, ``U``,
        ``\\mathcal{U}\\{1,\\dots,K\\}``), or ``\\mathbb{E}_{i \\sim p}[f_i]`` =
        ``\\sum_i p_i f_i`` for a declared distribution ``p``. Without a subscript it is a
        name (a label such as ``\\mathbb{E}[y_2]``)."""
        if not self.at("_", "char"):
            return self.operator_name(t, r"\mathbb{E}")
        self.next()
        sub = self.script_tokens()
        sim = next((k for k, u in enumerate(sub) if u.text == r"\sim"), None)
        if sim is None or sim == 0:
            raise self.error("write the expectation's distribution, as \\mathbb{E}_{i \\sim U}", t)
        index_tok, dist = sub[0], sub[sim + 1:]
        name = index_tok.text if index_tok.kind != "ref" else index_tok.ref[0]
        index = sp.Symbol(name, integer=True)
        self.bound.append({name: index})
        try:
            body = self.primary()
        finally:
            self.bound.pop()
        if is_matrix(body):
            raise self.error("the expectation of a vector is not supported", t, "shape.invalid")
        lower, upper = sp.Integer(1), None
        weight: Any = None
        if dist and dist[0].text in ("U", r"\mathcal") or (
                dist and dist[0].kind == "ref" and dist[0].ref[0] == "U"):
            rest = dist[2:] if dist[0].text == r"\mathcal" else dist[1:]
            if rest:
                lower, upper, _, _ = self.index_set(rest, t)
        else:
            p = self.sub(dist)
            if is_matrix(p) and p.shape[1] == 1:
                weight = p[index - 1, 0]
                upper = p.shape[0]
            else:
                fam = self.family_entry(dist, index)
                if fam is None:
                    raise self.error("the expectation's distribution is not understood", t)
                weight, upper = fam
        if upper is None:
            upper = _range_from_body(body, index)
            if upper is None:
                raise self.error(f"cannot tell the range of {name}", t)
        if weight is None:
            return sp.Sum(body, (index, lower, upper)) / (upper - lower + 1)
        return sp.Sum(weight * body, (index, lower, upper))

    def family_entry(self, toks: list[Token], index: Any) -> tuple[Any, Any] | None:
        """``p`` where a family ``p_i`` is declared: its entry at ``index``, and its range."""
        if len(toks) != 1:
            return None
        for pat in self.ctx.patterns:
            if pat.wildcard and pat.tokens[0] == toks[0].key and len(pat.tokens) == 3:
                obj = self.ctx.objects[pat.target]
                return obj[index - 1, 0], obj.shape[0]
        return None

    def operator_name(self, t: Token, name: str) -> Any:
        """``\\operatorname{Var}[y]``, ``\\mathbb{V}[y]``: a quantity named by an operator
        applied to an argument, which the question does not give."""
        if self.at("[", "char") or self.at("(", "char"):
            open_ = self.next()
            close = {"[": "]", "(": ")"}[open_.text]
            depth, inner = 1, []
            while True:
                u = self.next()
                depth += u.text == open_.text
                depth -= u.text == close
                if depth == 0:
                    break
                inner.append(u.text)
            name += open_.text + " ".join(inner) + close
        return self.foreign_name(name, t)

    def optimiser(self, t: Token) -> Any:
        """``\\operatorname*{argmin}_W \\|XW - Y\\|^2``: the minimiser of an objective,
        which derive does not compute. It is a quantity of its own, named by what is
        written up to the next relation: a step of working, never a value."""
        words = [t.text[1:]]
        depth = 0
        while self.peek() is not None:
            u = self.peek()
            if depth == 0 and u.kind in ("char", "cmd") and (
                    u.text in RELATIONS or u.text in (",", ";", "&", r"\\")):
                break
            if u.kind == "char" and u.text in "([{":
                depth += 1
            elif u.kind == "char" and u.text in ")]}":
                if depth == 0:
                    break
                depth -= 1
            words.append(u.text if u.kind != "ref" else u.ref[0])
            self.next()
        if len(words) == 1:
            raise self.error(f"{t.text} needs what it optimises", t)
        return self.foreign_name(" ".join(words), t)

    def underbrace(self, t: Token) -> Any:
        """``\\underbrace{d \\cdot d \\cdots d}_{L+1 \\text{ factors}}``: the brace says how
        many; ``\\underbrace{X}_{\\text{...}}`` otherwise is X."""
        inner = self.script_tokens()
        label: list[Token] = []
        if self.at("_", "char"):
            self.next()
            label = self.script_tokens()
        count = [u for u in label if u.kind != "word" and u.group is None]
        words = "".join(u.text for u in label if u.group is not None or u.kind == "word")
        dots = [k for k, u in enumerate(inner) if u.text == r"\cdots"]
        if dots and count and words.strip().lower() in ("factors", "terms", "times", "copies"):
            k = dots[0]
            item = [u for u in inner[k + 1:]]
            if not item:
                raise self.error("write the last factor after \\cdots", inner[k])
            n = self.sub(count)
            value = self.sub(item)
            before = inner[:k]
            ops = {u.text for u in before if u.text in (r"\cdot", r"\times", "+")}
            pieces = _split_at(before, (r"\cdot", r"\times", "+"))
            if any(self.sub(pc) != value for pc in pieces if pc):
                raise self.error("the factors around \\cdots are not all the same", inner[k])
            return n * value if ops == {"+"} else self.pow(value, n, t)
        return self.sub(inner)


def _split_commas(toks: list[Token]) -> list[list[Token]]:
    return _split_at(toks, (",",))


def _split_at(toks: list[Token], seps: tuple[str, ...]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    depth = 0
    for u in toks:
        if u.kind == "char" and u.text in "([{":
            depth += 1
        elif u.kind == "char" and u.text in ")]}":
            depth -= 1
        if depth == 0 and u.text in seps and u.kind in ("char", "cmd"):
            out.append([])
            continue
        out[-1].append(u)
    return out


def _clauses(toks: list[Token], index_tok: Token) -> list[list[Token]]:
    """The conditions on a big operator's index: ``=1``, ``\\ne y``, ``j=1, j \\ne y``."""
    out = []
    for k, part in enumerate(_split_commas(toks)):
        if k > 0 and part and part[0].key == index_tok.key:
            part = part[1:]
        if part:
            out.append(part)
    return out


#: the dots of a vector written by its first and last entries (an entry of its own)
DOTS = sp.Symbol("\\vdots")
#: the commands that stand for the entries left out
DOTS_COMMANDS = (r"\vdots", r"\cdots")


def _series(first: Any, second: Any, last: Any) -> Any:
    """The sum ``first + second + ... + last`` whose terms differ only in one running
    index of the vectors (and families) they take entries of (entries that are the same in
    the first and the last term stay fixed); None if they do not follow one pattern."""
    found = pattern_of(first, second, last)
    if found is None:
        return None
    general, k, i0, end = found
    return sp.Sum(general, (k, i0 + 1, end))


def pattern_of(first: Any, second: Any, last: Any) -> tuple[Any, sp.Dummy, Any, Any] | None:
    """The pattern that ``first``, (``second``,) ..., ``last`` follow in one running index
    (see :func:`_series`): ``(general, k, i0, end)``, the general item in ``k``, which runs
    from ``i0 + 1`` (the first item's) to ``end`` (the last's); None if there is none."""
    def entries(e: Any) -> dict | None:
        out: dict = {}
        for m in getattr(e, "atoms", lambda *a: set())(MatrixElement):
            key = (m.parent, m.args[2])
            if key in out and out[key] != m.args[1]:
                return None
            out[key] = m.args[1]
        return out
    a, b = entries(first), entries(last)
    if a is None or b is None or set(a) != set(b):
        return None
    running = [key for key in a if a[key] != b[key]]
    starts = {a[key] for key in running}
    ends = {b[key] for key in running}
    if not running or len(starts) != 1 or len(ends) != 1 or not next(iter(starts)).is_number:
        return None
    i0, end = next(iter(starts)), next(iter(ends)) + 1
    k = sp.Dummy("k", integer=True)
    general = first.xreplace({key[0][a[key], key[1]]: key[0][k - 1, key[1]] for key in running})
    if general.xreplace({k: end}) != last:
        return None
    if second is not None and general.xreplace({k: i0 + 2}) != second:
        return None
    return general, k, i0, end


def _range_from_body(body: Any, index: sp.Symbol) -> Any:
    """Upper bound of an unbounded sum: the dim of what the index runs over (the length
    of x in x_i, the columns of W in W_{ki})."""
    for el in body.atoms(MatrixElement):
        for axis in (0, 1):
            if index in el.args[1 + axis].free_symbols:
                return el.parent.shape[axis]
    return None


def _indexes_only_own_names(body: Any, index: sp.Symbol, name: str) -> bool:
    """The sum's index appears only as the subscript of names the question does not declare
    (``x_i``, ``y_{i}`` read as the student's own): no declared quantity depends on it."""
    if not isinstance(body, sp.Basic) or index in body.free_symbols:
        return False
    own = [str(s)[len(FOREIGN):] for s in body.free_symbols if str(s).startswith(FOREIGN)]
    return any(s.endswith((f"_{name}", f"_{{{name}}}")) for s in own)


def _open_of_last(toks: list[Token]) -> int | None:
    """Where the bracket group that ends ``toks`` opens (``f'(x, w)``: at ``(``)."""
    if len(toks) < 3 or toks[-1].text != ")":
        return None
    depth = 0
    for k in range(len(toks) - 1, -1, -1):
        depth += toks[k].text == ")"
        depth -= toks[k].text == "("
        if depth == 0:
            return k if k > 0 else None
    return None


def _atoms_of(value: Any) -> set:
    """The symbols and matrix symbols ``value`` is written in."""
    if not isinstance(value, sp.Basic):
        return set()
    return set(value.free_symbols) | set(value.atoms(sp.MatrixSymbol))


def in_place_update(piece: list[Token], ctx: Context) -> list[Token]:
    """``\\theta \\leftarrow (1 - \\alpha\\lambda)\\theta - \\alpha\\nabla L(\\theta)``: an update
    written in place. Where the name on the left of an assignment (``\\leftarrow``, ``:=``;
    never ``=``) is not declared but the question declares its iterates, one form
    ``NAME_{k+1}`` (the new value) and one ``NAME_k`` (the old, same index letter), the
    left is the new value and the bare name on the right is the old one."""
    depths = [0] * len(piece)
    depth = 0
    for k, t in enumerate(piece):
        if t.kind == "char" and t.text in ")]}":
            depth -= 1
        depths[k] = depth
        if t.kind == "char" and t.text in "([{":
            depth += 1
    eq = next((k for k, t in enumerate(piece)
               if t.kind == "char" and t.text == "=" and depths[k] == 0), None)
    if not eq or piece[eq].ref != ASSIGN:
        return piece
    name = piece[:eq]
    if any(t.kind == "ref" for t in substitute_aliases(name, ctx.patterns)):
        return piece
    pair = _iterates(name, ctx)
    if pair is None:
        return piece
    new, old = pair
    keys = [t.key for t in name]
    out = [Token(u.kind, u.text, name[0].pos, u.ref) for u in new]
    k = eq
    while k < len(piece):
        after = piece[k + len(keys)] if k + len(keys) < len(piece) else None
        if [t.key for t in piece[k:k + len(keys)]] == keys and not (
                after is not None and after.kind == "char" and after.text in "_^'") and not (
                piece[k - 1].kind == "cmd" and piece[k - 1].text in ACCENTS):
            out.extend(Token(u.kind, u.text, piece[k].pos, u.ref) for u in old)
            k += len(keys)
        else:
            out.append(piece[k])
            k += 1
    return out


def _iterates(name: list[Token], ctx: Context) -> tuple[list[Token], list[Token]] | None:
    """The forms of the new and the old iterate of ``name`` (``\\theta_{k+1}``, ``\\theta_k``:
    ``name`` with a step script in one index letter) where the question declares exactly
    one of each; else None."""
    keys = [t.key for t in name]
    found: dict[tuple[str, str, bool], dict[str, list[Token]]] = {}
    for spec in ctx.specs:
        if spec.kind not in ("scalar", "vector", "matrix"):
            continue
        for form in spec.forms:
            toks = lex_form(form)
            script = toks[len(keys):]
            if [t.key for t in toks[:len(keys)]] != keys or len(script) < 2 \
                    or script[0].text not in "_^":
                continue
            inner = [t.text for t in script[1:]]
            if len(inner) > 2 and inner[0] == "{" and inner[-1] == "}":
                inner = inner[1:-1]
            if len(inner) > 2 and inner[0] == "(" and inner[-1] == ")":
                inner = inner[1:-1]
            if len(inner) == 1 and inner[0].isalpha() and len(inner[0]) == 1:
                found.setdefault((script[0].text, inner[0], False), {}).setdefault(
                    spec.name, toks)
            elif inner[1:] == ["+", "1"] and inner[0].isalpha() and len(inner[0]) == 1:
                found.setdefault((script[0].text, inner[0], True), {}).setdefault(
                    spec.name, toks)
    pairs = {}
    for (mark, letter, is_new), news in found.items():
        olds = found.get((mark, letter, False))
        if is_new and olds and len(news) == 1 and len(olds) == 1 and news.keys() != olds.keys():
            names = (next(iter(news)), next(iter(olds)))
            pairs.setdefault(names, (next(iter(news.values())), next(iter(olds.values()))))
    return next(iter(pairs.values())) if len(pairs) == 1 else None
