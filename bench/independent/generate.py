"""Write the independent corpus, ``corpus/<family>.toml``, from the hand-written tables below.

Every case is written here by hand: its LaTeX, its label and its ``meaning`` (a numpy expression
over the symbols of ``refs.py``, obtained by reading the LaTeX as a grader would). Templates
with spelling slots (``@T`` transpose, ``@B{x}`` bold or not, ``@(`` ``@)`` brackets, ``@*``
multiplication, ``@frac``, ``@log``, ``@sign``) are expanded into a few spellings each; the
spellings are notational only, so every spelling of a template shares the template's meaning.
Nothing here reads derive, the answer bank, or derive's parser.

Deterministic: the spellings are chosen by a generator seeded from the template text.
Run:  python bench/independent/generate.py   (then python bench/independent/label_check.py)
"""
from __future__ import annotations

import json
import random
import zlib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus"

CASES: dict[str, list[dict]] = defaultdict(list)
_SEEN: set = set()

SLOTS = {
    "@T": ["^T", r"^\top", r"^{\intercal}", r"^{\mathsf{T}}", "^{T}", r"^{\top}", r"^\intercal", r"^\mathsf{T}"],
    "@*": ["", r"\cdot ", r"\,", r"\times "],
    "@frac": [r"\frac", r"\tfrac", r"\dfrac"],
    "@log": [r"\log", r"\ln"],
    "@sign": [r"\operatorname{sign}", r"\mathrm{sgn}", r"\text{sgn}", r"\operatorname{sgn}", r"\mathrm{sign}",
              r"\text{sign}"],
}
PARENS = [("(", ")"), (r"\left(", r"\right)"), (r"\big(", r"\big)"), (r"\Big(", r"\Big)"), ("[", "]"),
          (r"\left[", r"\right]")]
BOLD = ["{}", r"\mathbf{{{}}}", r"\boldsymbol{{{}}}", r"\mathbf {}"]

import re

_BOLD_RE = re.compile(r"@B\{([^{}]*)\}")


def spell(template: str, v: int) -> str:
    rng = random.Random(zlib.crc32(template.encode()) * 1000 + v)
    s = template
    b = BOLD[rng.randrange(len(BOLD))] if v else BOLD[0]
    # the all-ones vector stays bold when the letters are plain ("x1_n^T" would read as x_1)
    s = _BOLD_RE.sub(lambda m: (r"\mathbf{1}" if b == "{}" and m.group(1) == "1" else b.format(m.group(1))), s)
    lp, rp = PARENS[rng.randrange(len(PARENS))] if v else PARENS[0]
    s = s.replace("@(", lp).replace("@)", rp)
    for tok in sorted(SLOTS, key=len, reverse=True):
        choices = SLOTS[tok]
        pick = choices[rng.randrange(len(choices))] if v else choices[0]
        s = s.replace(tok, pick)
    s = re.sub(r"\\(cdot|times|operatorname\{sign\}|log|ln) +", lambda m: "\\" + m.group(1) + " ", s)
    return s


def add(fam, q, latex, label, meaning=None, note=None, **extra):
    key = (q, latex, extra.get("response"))
    if key in _SEEN:
        return False
    _SEEN.add(key)
    case = {"question": q, "latex": latex, "family": fam, "label": label}
    if meaning is not None:
        case["meaning"] = meaning
    if note:
        case["note"] = note
    case.update(extra)
    CASES[fam].append(case)
    return True


def T(fam, q, template, label, meaning=None, n=3, note=None, **extra):
    """Up to n distinct spellings of a template, all with the same hand-written meaning."""
    made, v = 0, 0
    while made < n and v < 40:
        if add(fam, q, spell(template, v), label, meaning, note, **extra):
            made += 1
        v += 1
    return made


# ---- meanings used many times (each written once here, by hand) --------------------------------
UCB1 = "n/x.sum()**2*(eye(n)*x.sum() - x@ones(n).T)"
UCB2 = "A.T@diag(A@x>0)@w"
UCB3 = "-z.sum()/K + log(exp(z).sum())"
UCB7 = "alpha0*0.5*(1+cos(pi*i/N))"
BN_B = "dy.sum()"
BN_G = "(dy*xhat).sum()"
VAR = "d**(L+1)"
UW25 = "softmax(s) - b*onehot(y,K)"
UW32 = "sqrt(2-2*D_C)"
HUBER = "(2*a*max(s_j-s_y+Delta,0) if s_j<=s_y else b)"
B2AD = "2*a*Delta"
SH1 = "log(1+exp(others(s,y)-s[y,0]).sum())"
SH2 = "log(1+exp(others(s,y)-s[y,0]+Delta).sum())"
WD = "0.98*w"
GW = "2*(W@x-y)@x.T"
GX = "2*W.T@(W@x-y)"
DX = "dout@W.T"
TH = "(1-alpha*lam)*theta - alpha*gL"
LS = "inv(X.T@X)@X.T@Y"
NEWTON = "w - fp/fpp"
L1G = "gJ + alpha*sign(w)"
SOFT = "sign(w_star)*maximum(abs(w_star)-alpha/H, 0)"
GAN = "((1-DX)/n, -DG/n)"
ATT = "oC*(9*iC+9)"

Q1, Q2, Q3, Q7 = "ucb-cs182-sp22/1", "ucb-cs182-sp22/2", "ucb-cs182-sp22/3", "ucb-cs182-sp22/7"
Q9B, Q9G, Q10, Q12 = "ucb-cs182-sp22/9.beta", "ucb-cs182-sp22/9.gamma", "ucb-cs182-sp22/10", "ucb-cs182-sp22/12"
U25, U32, UH, UHC = "uw-cse493g1-sp23/2.5", "uw-cse493g1-sp23/3.2", "uw-cse493g1-sp23/3.6.1.1", "uw-cse493g1-sp23/3.6.1.2"
US1, US2 = "uw-cse493g1-sp23/3.6.2.1", "uw-cse493g1-sp23/3.6.2.2"
N3B, N4W, N4X, N5B, N5C, N6A, N6B = ("neu-cs7150-f22/" + s for s in ("3.b", "4.W", "4.x", "5.b", "5.c", "6.a", "6.b"))
T13, T23, T24, T28, T43, T61, T62, T63, T73, T87 = (
    "tum-in2346-ss22/" + s for s in ("1.3", "2.3", "2.4", "2.8", "4.3", "6.1", "6.2", "6.3", "7.3", "8.7"))
S3IS, S3IP, S3IIS, S3IIP, S3IIIS, S3IIIP = (
    "stanford-cs230-sp21/3." + s for s in ("i.shape", "i.params", "ii.shape", "ii.params", "iii.shape", "iii.params"))
S4I, S4II, S5, S61 = ("stanford-cs230-sp21/" + s for s in ("4.i", "4.ii", "5.ii", "6.1"))


# =================================================================================================
# plain: ordinary closed forms in many spellings
# =================================================================================================
def plain():
    f = "plain"
    # ucb 1
    T(f, Q1, r"@frac{n}{(\sum_{i=1}^n x_i)^2}@(@B{I}_n \sum_{i=1}^n x_i - @B{x}@B{1}_n@T@)", "correct", UCB1, 4)
    T(f, Q1, r"@frac{n}{\sum_{i=1}^n x_i}@B{I}_n - @frac{n}{(\sum_{i=1}^n x_i)^2}@B{x}@B{1}_n@T", "correct", UCB1, 3)
    T(f, Q1, r"n@frac{(\sum_i x_i)@B{I}_n - @B{x}@B{1}_n@T}{(\sum_i x_i)^2}", "correct", UCB1, 2)
    add(f, Q1, r"\frac{n}{(\sum_{i=1}^n x_i)^2} (\mathbf{I}_n * (\sum_{i=1}^n x_i) - \mathbf{x} \mathbf{1}_n^\top)",
        "correct", UCB1, "the exam's option D, with * for the scalar product")
    T(f, Q1, r"@frac{n}{\sum_{i=1}^{n} x_i}@(@B{I}_n (\sum_{i=1}^{n} x_i) - @B{x}@B{x}@T@)", "wrong",
      "n/x.sum()*(eye(n)*x.sum() - x@x.T)", 2, "exam option A")
    T(f, Q1, r"@frac{n}{\sum_{i=1}^n x_i}@(@B{I}_n (\sum_{i=1}^n x_i)^2 - @B{x}@B{1}_n@T@)", "wrong",
      "n/x.sum()*(eye(n)*x.sum()**2 - x@ones(n).T)", 2, "exam option B")
    T(f, Q1, r"@frac{n}{(\sum_{i=1}^n x_i)^2}@(@B{I}_n \sum_{i=1}^n x_i - @B{x}@B{x}@T@)", "wrong",
      "n/x.sum()**2*(eye(n)*x.sum() - x@x.T)", 2, "exam option C")
    # ucb 2 (exam's wrong options)
    T(f, Q2, r"\max(@B{A}@T@B{w}, 0)", "wrong", "relu(A.T@w)", 2, "exam option A")
    T(f, Q2, r"\max(@B{A}@T, 0)", "wrong", "relu(A.T)", 2, "exam option B: a d x k matrix")
    T(f, Q2, r"@B{A}@T@B{w}", "wrong", "A.T@w", 2, "exam option D")
    # ucb 3
    T(f, Q3, r"-@frac{1}{K}\sum_{i=1}^K z_i + @log \sum_{i=1}^K e^{z_i}", "correct", UCB3, 4)
    T(f, Q3, r"@log\sum_{j=1}^{K}\exp(z_j) - @frac{1}{K}\sum_{j=1}^{K} z_j", "correct", UCB3, 3)
    T(f, Q3, r"-@frac{1}{K}\sum_{i=1}^K @log@(@frac{e^{z_i}}{\sum_{j=1}^K e^{z_j}}@)", "correct", UCB3, 3)
    add(f, Q3, r"H(U;p)", "correct", UCB3, "the name the stem defines")
    add(f, Q3, r"H(U; p)", "correct", UCB3, "the name the stem defines")
    T(f, Q3, r"@log K", "wrong", "log(K)", 2, "H(p;U)")
    add(f, Q3, r"H(p;U)", "wrong", "log(K)", "the other cross-entropy")
    T(f, Q3, r"-\sum_{i=1}^K p_i @log p_i", "wrong", "-(softmax(z)*log(softmax(z))).sum()", 2, "H(p;p)")
    T(f, Q3, r"-@frac{1}{K}\sum_{i=1}^K z_i - @log \sum_{i=1}^K e^{z_i}", "wrong", "-z.sum()/K - log(exp(z).sum())", 1)
    T(f, Q3, r"@frac{1}{K}\sum_{i=1}^K z_i + @log \sum_{i=1}^K e^{z_i}", "wrong", "z.sum()/K + log(exp(z).sum())", 1)
    # ucb 7
    T(f, Q7, r"\alpha_{\text{initial}}\cdot@frac{1}{2}\left[1+\cos\left(\pi@frac{i}{N}\right)\right]", "correct", UCB7, 3)
    T(f, Q7, r"@frac{\alpha_0}{2}@(1+\cos@(@frac{\pi i}{N}@)@)", "correct", UCB7, 3)
    T(f, Q7, r"0.5\,\alpha_0@(1+\cos(\pi i/N)@)", "correct", UCB7, 2)
    T(f, Q7, r"\alpha_{\text{initial}}\cos^2@(@frac{\pi i}{2N}@)", "correct", UCB7, 2, "cos^2 identity")
    T(f, Q7, r"@frac{\alpha_0}{2} + @frac{\alpha_0}{2}\cos@frac{i\pi}{N}", "correct", UCB7, 2)
    add(f, Q7, r"\alpha_{\text{initial}}\cdot 1\cdot\left[2+\cos\left(\pi\cdot\frac{i}{N}\right)\right]", "wrong",
        "alpha0*(2+cos(pi*i/N))", "exam option B")
    add(f, Q7, r"\alpha_{\text{initial}}\cdot 1\cdot\left[2+\cos\left(2\pi\cdot\frac{i}{N}\right)\right]", "wrong",
        "alpha0*(2+cos(2*pi*i/N))", "exam option C")
    add(f, Q7, r"\alpha_{\text{initial}}\cdot\frac{1}{2}\left[1+\sin\left(2\pi\cdot\frac{i}{N}\right)\right]", "wrong",
        "alpha0*0.5*(1+sin(2*pi*i/N))", "exam option D")
    T(f, Q7, r"@frac{\alpha_0}{2}@(1-\cos@(@frac{\pi i}{N}@)@)", "wrong", "alpha0/2*(1-cos(pi*i/N))", 2)
    T(f, Q7, r"\alpha_0@(1+\cos@(@frac{\pi i}{N}@)@)", "wrong", "alpha0*(1+cos(pi*i/N))", 1)
    # ucb 9
    T(f, Q9B, r"\sum_{i=1}^m @frac{\partial f}{\partial y_i}", "correct", BN_B, 3)
    T(f, Q9B, r"\sum_{i=1}^{m} @frac{\partial f}{\partial y_i}\cdot\hat{x}_i", "wrong", BN_G, 1, "option D's")
    T(f, Q9B, r"\sum_{i=1}^{m} @frac{\partial f}{\partial x_i}", "wrong", "dx.sum()", 2, "option C's")
    T(f, Q9B, r"@frac{1}{m}\sum_{i=1}^m @frac{\partial f}{\partial y_i}", "wrong", "dy.sum()/m", 1)
    T(f, Q9G, r"\sum_{i=1}^m @frac{\partial f}{\partial y_i}\hat{x}_i", "correct", BN_G, 3)
    T(f, Q9G, r"\sum_{i=1}^{m} @frac{\partial f}{\partial y_i} \cdot \widehat{x}_i", "correct", BN_G, 2)
    T(f, Q9G, r"\sum_{i=1}^m @frac{\partial f}{\partial y_i}@frac{x_i-\mu_{\mathcal{B}}}{\sqrt{\sigma_{\mathcal{B}}^2+\epsilon}}",
      "correct", BN_G, 2)
    T(f, Q9G, r"\sum_{i=1}^m @frac{\partial f}{\partial y_i}\cdot x_i", "wrong", "(dy*x).sum()", 2, "options B, C")
    T(f, Q9G, r"\sum_{i=1}^m @frac{\partial f}{\partial y_i}@frac{x_i-\mu_{\mathcal{B}}}{\sigma_{\mathcal{B}}}", "wrong",
      "(dy*(x-mu)/sqrt(var)).sum()", 1, "epsilon dropped")
    T(f, Q9G, r"\gamma\sum_{i=1}^m @frac{\partial f}{\partial y_i}\hat{x}_i", "wrong", "gamma*(dy*xhat).sum()", 1)
    # ucb 10, 12
    for s in [r"d^{L+1}", r"d^{1+L}", r"d\cdot d^{L}", r"d^{L}d", r"d^{(L+1)}"]:
        add(f, Q10, s, "correct", VAR)
    for s, m in [("1", "1"), ("d(L+1)", "d*(L+1)"), ("d^2(L+1)", "d**2*(L+1)"), ("d^{2L+1}", "d**(2*L+1)"),
                 ("d^{L}", "d**L"), ("(L+1)d", "(L+1)*d"), ("d^{L-1}", "d**(L-1)")]:
        add(f, Q10, s, "wrong", m)
    for s in ["4", "3+1", r"1\times 1\times 3+1"]:
        add(f, Q12, s, "correct", "4")
    for s in ["65536", "256", "3", "5"]:
        add(f, Q12, s, "wrong", s)
    # uw 2.5
    T(f, U25, r"@frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b", "wrong", "softmax(s) - b", 2, "indicator missing")
    # uw 3.2
    for s in [r"\sqrt{2-2D_C}", r"\sqrt{2(1-D_C)}", r"\sqrt{2}\sqrt{1-D_C}", r"(2-2D_C)^{1/2}", r"\sqrt{2 - 2 \cdot D_C}",
              r"\sqrt{2-2\,D_{C}}", r"\left(2-2D_C\right)^{0.5}", r"\sqrt{2\left(1 - D_C\right)}"]:
        add(f, U32, s, "correct", UW32)
    for s, m in [(r"2-2D_C", "2-2*D_C"), (r"\sqrt{2+2D_C}", "sqrt(2+2*D_C)"), (r"\sqrt{1-D_C}", "sqrt(1-D_C)"),
                 (r"1-D_C", "1-D_C"), (r"\sqrt{2-D_C}", "sqrt(2-D_C)"), (r"2\sqrt{1-D_C}", "2*sqrt(1-D_C)")]:
        add(f, U32, s, "wrong", m)
    # uw 3.6.1.2
    for s in [r"b = 2a\Delta", r"b=2\Delta a", r"2a\Delta = b", r"b = 2 \cdot a \cdot \Delta"]:
        add(f, UHC, s, "correct", B2AD)
    for s, m in [(r"b = a\Delta", "a*Delta"), (r"b = 2a\Delta^2", "2*a*Delta**2"), (r"b = a\Delta^2", "a*Delta**2"),
                 (r"b = \frac{a\Delta}{2}", "a*Delta/2")]:
        add(f, UHC, s, "wrong", m)
    # uw 3.6.2
    T(f, US1, r"@log@(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}@)", "correct", SH1, 4)
    T(f, US1, r"@log@(1+\sum_{j\ne y_i}\exp(s_j-s_{y_i})@)", "correct", SH1, 2)
    T(f, US1, r"@log@(\sum_{j=1}^{C} e^{s_j}@) - s_{y_i}", "correct", SH1, 2, "the softmax cross-entropy")
    T(f, US1, r"-@log@frac{e^{s_{y_i}}}{\sum_{j=1}^C e^{s_j}}", "correct", SH1, 2, "the softmax cross-entropy")
    T(f, US1, r"@log\sum_{j\neq y_i} e^{s_j-s_{y_i}}", "wrong", "log(exp(others(s,y)-s[y,0]).sum())", 2, "the 1 is missing")
    T(f, US1, r"@log@(1+\sum_{j=1}^{C} e^{s_j-s_{y_i}}@)", "wrong", "log(1+exp(s-s[y,0]).sum())", 2, "sum includes j = y_i")
    T(f, US1, r"@log@(1+\sum_{j\neq y_i} e^{s_{y_i}-s_j}@)", "wrong", "log(1+exp(s[y,0]-others(s,y)).sum())", 1)
    T(f, US2, r"@log@(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}+\Delta}@)", "correct", SH2, 4)
    T(f, US2, r"@log@(1+e^{\Delta}\sum_{j\neq y_i} e^{s_j-s_{y_i}}@)", "correct", SH2, 2)
    T(f, US2, r"@log@(e^{s_{y_i}}+\sum_{j\neq y_i}e^{s_j+\Delta}@) - s_{y_i}", "correct", SH2, 2)
    T(f, US2, r"@log@(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}@)+\Delta", "wrong", SH1 + "+Delta", 2)
    T(f, US2, r"@log@(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}-\Delta}@)", "wrong", "log(1+exp(others(s,y)-s[y,0]-Delta).sum())", 1)
    T(f, US2, r"@log@(e^{\Delta}+\sum_{j\neq y_i} e^{s_j-s_{y_i}}@)", "wrong", "log(exp(Delta)+exp(others(s,y)-s[y,0]).sum())", 1)
    # neu 3.b
    for s in [r"0.98 w_i", r"0.98\,w_i", r"\frac{49}{50}w_i", r"w_i - 0.02w_i", r"(1-0.02)w_i", r"w_i(1-2\cdot0.1\cdot0.1)",
              r"0.98w_{i}", r"w_i\cdot 0.98"]:
        add(f, N3B, s, "correct", WD)
    for s, m in [(r"0.99w_i", "0.99*w"), (r"0.8w_i", "0.8*w"), (r"0.9 w_i", "0.9*w"), (r"1.02w_i", "1.02*w"),
                 (r"w_i - 0.01 w_i", "0.99*w"), (r"0.2 w_i", "0.2*w")]:
        add(f, N3B, s, "wrong", m)
    # neu 4
    T(f, N4X, r"2@B{W}@T@(@B{W}@B{x} - @B{y}@)", "correct", GX, 6)
    T(f, N4X, r"2@B{W}@T@B{W}@B{x} - 2@B{W}@T@B{y}", "correct", GX, 3)
    T(f, N4X, r"-2@B{W}@T@(@B{y} - @B{W}@B{x}@)", "correct", GX, 3)
    T(f, N4X, r"2@*@B{W}@T@(@B{W}@B{x}-@B{y}@)", "correct", GX, 3)
    T(f, N4X, r"2@(@B{W}@T@B{W}@B{x} - @B{W}@T@B{y}@)", "correct", GX, 2)
    T(f, N4X, r"@B{W}@T@(@B{W}@B{x}-@B{y}@)", "wrong", "W.T@(W@x-y)", 2, "factor 2 dropped")
    T(f, N4X, r"2@B{W}@T@(@B{y}-@B{W}@B{x}@)", "wrong", "2*W.T@(y-W@x)", 2, "sign")
    T(f, N4X, r"2@B{W}@T@B{W}@B{x}", "wrong", "2*W.T@W@x", 1)
    T(f, N4W, r"2@(@B{W}@B{x}-@B{y}@)@B{x}@T", "correct", GW, 6)
    T(f, N4W, r"2@B{W}@B{x}@B{x}@T - 2@B{y}@B{x}@T", "correct", GW, 3)
    T(f, N4W, r"-2@(@B{y}-@B{W}@B{x}@)@B{x}@T", "correct", GW, 3)
    T(f, N4W, r"2@(@B{W}@B{x}@B{x}@T - @B{y}@B{x}@T@)", "correct", GW, 2)
    T(f, N4W, r"@(@B{W}@B{x}-@B{y}@)@B{x}@T", "wrong", "(W@x-y)@x.T", 2, "factor 2 dropped")
    T(f, N4W, r"2@(@B{W}@B{x}-@B{y}@)", "wrong", "2*(W@x-y)", 1, "x^T dropped")
    # neu 5, 6
    add(f, N5B, "3", "correct", "3")
    for s in ["2", "4"]:
        add(f, N5B, s, "wrong", s)
    for s in ["200000100", r"2\times 10^{8}+100", r"2 \cdot 10^8 + 10^2", r"10^6\cdot 100 + 100 + 100\cdot 10^6"]:
        add(f, N5C, s, "correct", "200000100")
    for s, m in [("200000000", "200000000"), ("100000100", "100000100"), (r"2\times10^8", "2e8"), ("200000200", "200000200"),
                 ("100000200", "100000200")]:
        add(f, N5C, s, "wrong", m)
    for s in ["0.9", r"\frac{9}{10}", "1-0.1", r"1-\alpha"]:
        add(f, N6A, s, "correct", "0.9", "alpha = 0.1 is given" if "alpha" in s else None)
    for s in ["0.1", "1", "0.95", "0.5"]:
        add(f, N6A, s, "wrong", s)
    for s in [r"\ln 9", r"\log 9", r"\log(9)", r"2\ln 3", r"\ln\frac{0.9}{0.1}", r"\log 0.9 - \log 0.1", r"-\ln\frac{1}{9}",
              r"\ln(9)", r"\log\left(\frac{0.9}{0.1}\right)"]:
        add(f, N6B, s, "correct", "log(9)")
    for s, m in [(r"\ln 0.9", "log(0.9)"), (r"e^{9}", "exp(9)"), (r"\log_{10} 9", "log(9)/log(10)"), (r"-\ln 9", "-log(9)"),
                 ("9", "9"), (r"\ln 8", "log(8)"), (r"\ln\frac{0.1}{0.9}", "log(1/9)")]:
        add(f, N6B, s, "wrong", m)
    # tum
    for s in ["33", "32+1", r"32\cdot 1\cdot 1+1"]:
        add(f, T13, s, "correct", "33")
    for s in ["65", "2097153", "17", "32"]:
        add(f, T13, s, "wrong", s)
    T(f, T23, r"\mathrm{dout}\,@B{W}@T", "correct", DX, 3)
    T(f, T23, r"dout \cdot W@T", "correct", DX, 2)
    T(f, T23, r"@frac{\partial L}{\partial Y}@B{W}@T", "correct", DX, 2)
    T(f, T23, r"@B{X}@T\,\mathrm{dout}", "wrong", "X.T@dout", 2, "that is dL/dW")
    T(f, T23, r"@B{W}\,\mathrm{dout}@T", "wrong", "W@dout.T", 1, "the transpose of dL/dX")
    T(f, T24, r"\theta_{k+1} = (1-\alpha\lambda)\theta_k - \alpha\nabla L(\theta_k)", "correct", TH, 1)
    T(f, T24, r"\theta_{k+1} = \theta_k - \alpha@(\nabla L(\theta_k) + \lambda\theta_k@)", "correct", TH, 3)
    T(f, T24, r"\theta_{k+1} = \theta_k - \alpha\nabla L(\theta_k) - \alpha\lambda\theta_k", "correct", TH, 1)
    add(f, T24, r"\theta_{k+1} = (1-\lambda)\theta_k - \alpha\nabla L(\theta_k)", "wrong", "(1-lam)*theta - alpha*gL")
    add(f, T24, r"\theta_{k+1} = \theta_k - \alpha\nabla L(\theta_k)", "wrong", "theta - alpha*gL", "no decay")
    add(f, T24, r"\theta_{k+1} = (1-\alpha\lambda)\theta_k + \alpha\nabla L(\theta_k)", "wrong", "(1-alpha*lam)*theta + alpha*gL")
    add(f, T24, r"\theta_{k+1} = (1-2\alpha\lambda)\theta_k - \alpha\nabla L(\theta_k)", "wrong", "(1-2*alpha*lam)*theta - alpha*gL",
        "the exam's regulariser carries 1/2; with it the factor is 1 - alpha lambda")
    T(f, T28, r"W = (@B{X}@T@B{X})^{-1}@B{X}@T@B{Y}", "correct", LS, 4)
    T(f, T28, r"W = @(@B{X}@T @B{X}@)^{-1}@(@B{X}@T @B{Y}@)", "correct", LS, 2)
    add(f, T28, r"W = X^TY", "wrong", "X.T@Y")
    add(f, T28, r"W = (X^TX)X^TY", "wrong", "X.T@X@X.T@Y")
    for s in ["784", r"16\cdot 7\cdot 7", r"16\times7\times7", r"16\cdot 7^2", r"7\cdot7\cdot16"]:
        add(f, T43, s, "correct", "784")
    for s, m in [("392", "392"), ("3136", "3136"), ("1568", "1568"), ("49", "49"), (r"8\cdot 7\cdot 7", "392")]:
        add(f, T43, s, "wrong", m)
    for s in [r"\hat y_1 = 2,\ \hat y_2 = 0", r"(2, 0)", r"\hat{y}_1 = 2, \hat{y}_2 = 0", r"\hat y_1=2,\quad \hat y_2=0"]:
        add(f, T61, s, "correct", "(2, 0)")
    for s, m in [(r"(0, 2)", "(0, 2)"), (r"\hat y_1 = 2, \hat y_2 = 1", "(2, 1)"), (r"\hat y_1=1,\ \hat y_2=0", "(1, 0)"),
                 ("2", "2")]:
        add(f, T61, s, "wrong", m)
    for s in ["1", r"\frac{1}{2}(1^2 + 1^2)", r"\frac{(2-1)^2+(0-1)^2}{2}"]:
        add(f, T62, s, "correct", "1")
    for s in ["2", "0.5"]:
        add(f, T62, s, "wrong", s)
    for s in [r"\frac{\partial L}{\partial w_{11}} = 1.5,\ w_{11}^* = -0.65", r"(1.5, -0.65)", r"\frac32,\ -\frac{13}{20}"]:
        add(f, T63, s, "correct", "(1.5, -0.65)")
    for s, m in [(r"(1.5, -0.35)", "(1.5, -0.35)"), (r"(-1.5, -0.35)", "(-1.5, -0.35)"), (r"(1.5, -0.5)", "(1.5, -0.5)"),
                 (r"(0.5, -0.55)", "(0.5, -0.55)")]:
        add(f, T63, s, "wrong", m)
    for s in ["6", r"2\cdot 3", r"3\times 2"]:
        add(f, T73, s, "correct", "6")
    for s in ["3", "12"]:
        add(f, T73, s, "wrong", s)
    for s in [r"w_{k+1} = w_k - \frac{f'(w_k)}{f''(w_k)}", r"w_{k+1} = w_k - [f''(w_k)]^{-1} f'(w_k)",
              r"w_{k+1} = w_k - \frac{f'(x,w)}{f''(x,w)}"]:
        add(f, T87, s, "correct", NEWTON, "f' at the current w_k" if "x,w" in s else None)
    for s, m in [(r"w_{k+1} = w_k - f'(w_k)f''(w_k)", "w - fp*fpp"), (r"w_{k+1} = w_k + \frac{f'(w_k)}{f''(w_k)}", "w + fp/fpp"),
                 (r"w_{k+1} = w_k - \frac{f''(w_k)}{f'(w_k)}", "w - fpp/fp"), (r"w_{k+1} = w_k - \alpha f'(w_k)", "w - alpha*fp")]:
        add(f, T87, s, "wrong", m)
    # stanford
    shapes = {S3IS: ("(126, 126, 64)", [(r"(128, 128, 64)", "(128,128,64)"), (r"(126, 126, 3)", "(126,126,3)"),
                                          (r"(124, 124, 64)", "(124,124,64)")]),
              S3IIS: ("(128, 128, 16)", [(r"(124, 124, 16)", "(124,124,16)"), (r"(128, 128, 3)", "(128,128,3)"),
                                           (r"(130, 130, 16)", "(130,130,16)")]),
              S3IIIS: ("(64, 64, 32)", [(r"(63, 63, 32)", "(63,63,32)"), (r"(64, 64, 3)", "(64,64,3)"),
                                          (r"(127, 127, 32)", "(127,127,32)")])}
    for qq, (good, bads) in shapes.items():
        add(f, qq, good, "correct", good)
        add(f, qq, good.replace(", ", ",").replace("(", r"\left(").replace(")", r"\right)"), "correct", good)
        for s, m in bads:
            add(f, qq, s, "wrong", m)
    params = {S3IP: ("1792", [r"64(3\cdot3\cdot3+1)", r"64\times 28"], [("1728", "1728", "bias forgotten"), ("576", "576", None)]),
              S3IIP: ("1216", [r"16(5\cdot5\cdot3+1)", r"16\times 76"], [("1200", "1200", "bias forgotten"), ("400", "400", None)]),
              S3IIIP: ("416", [r"32(2\cdot2\cdot3+1)", r"32\times 13"], [("384", "384", "bias forgotten"), ("128", "128", None)])}
    for qq, (good, alts, bads) in params.items():
        for s in [good] + alts:
            add(f, qq, s, "correct", good)
        for s, m, note in bads:
            add(f, qq, s, "wrong", m, note)
    T(f, S4I, r"\nabla_{@B{w}} J + \alpha\,@sign(@B{w})", "correct", L1G, 5)
    T(f, S4I, r"\nabla_w J(@B{w};@B{X},@B{y}) + \alpha @sign(@B{w})", "correct", L1G, 2)
    T(f, S4I, r"\nabla_{@B{w}} J + \alpha@B{w}", "wrong", "gJ + alpha*w", 2, "the L2 gradient")
    T(f, S4I, r"\nabla_{@B{w}} J - \alpha\,@sign(@B{w})", "wrong", "gJ - alpha*sign(w)", 2)
    T(f, S4I, r"\nabla_{@B{w}} J + @sign(@B{w})", "wrong", "gJ + sign(w)", 1)
    T(f, S4I, r"\alpha\,@sign(@B{w})", "wrong", "alpha*sign(w)", 1, "the gradient of J is missing")
    T(f, S4II, r"@sign(w_i^*)\max@(\lvert w_i^*\rvert - @frac{\alpha}{H_{i,i}}, 0@)", "correct", SOFT, 4)
    T(f, S4II, r"@sign(w_i^*)\max@(|w_i^*| - @frac{\alpha}{H_{i,i}}, 0@)", "correct", SOFT, 3)
    T(f, S4II, r"w_i^* - @frac{\alpha}{H_{i,i}}@sign(w_i^*)", "wrong", "w_star - alpha/H*sign(w_star)", 2, "no threshold")
    T(f, S4II, r"\max@(w_i^* - @frac{\alpha}{H_{i,i}}, 0@)", "wrong", "maximum(w_star - alpha/H, 0)", 1)
    T(f, S4II, r"@sign(w_i^*)\max@(|w_i^*| - \alpha H_{i,i}, 0@)", "wrong", "sign(w_star)*maximum(abs(w_star)-alpha*H, 0)", 1)
    T(f, S4II, r"@frac{H_{i,i}w_i^*}{H_{i,i}+\alpha}", "wrong", "H*w_star/(H+alpha)", 1, "the L2 answer")
    T(f, S5, r"@frac{1}{n}(1 - D(X^i)) \text{ and } -@frac{1}{n}D(G(Z^i))", "correct", GAN, 3)
    T(f, S5, r"@frac{1-D(X^i)}{n},\ -@frac{D(G(Z^i))}{n}", "correct", GAN, 2)
    T(f, S5, r"@frac{1}{n}D(X^i),\ -@frac{1}{n}(1-D(G(Z^i)))", "wrong", "(DX/n, -(1-DG)/n)", 2)
    T(f, S5, r"1 - D(X^i),\ -D(G(Z^i))", "wrong", "(1-DX, -DG)", 1, "1/n dropped")
    T(f, S5, r"-@frac{1}{n}(1-D(X^i)),\ @frac{1}{n}D(G(Z^i))", "wrong", "(-(1-DX)/n, DG/n)", 1, "signs of a loss to minimise")
    for s in [r"oC(9iC+9)", r"9\,oC(iC+1)", r"oC \cdot (3\cdot3\cdot iC + 3\cdot 3)", r"9\, oC\, iC + 9\, oC"]:
        add(f, S61, s, "correct", ATT)
    for s, m in [(r"oC(9iC + 1)", "oC*(9*iC+1)"), (r"9\,iC\,oC", "9*iC*oC"), (r"oC(9iC+9)+oC", "oC*(9*iC+9)+oC"),
                 (r"9iC+9", "9*iC+9"), (r"oC(3iC+3)", "oC*(3*iC+3)")]:
        add(f, S61, s, "wrong", m)


# =================================================================================================
# entrywise: matrices and vectors given by their entries (indices are 0-based in the meanings)
# =================================================================================================
E1 = "ent(lambda i,j: n*((i==j)*x.sum() - x[i,0])/x.sum()**2, (n,n))"
E2 = "vec(lambda j: sum(A[r,j]*w[r,0]*((A@x)[r,0]>0) for r in range(k)), d)"


def entrywise():
    f = "entrywise"
    T(f, Q1, r"(J)_{ij} = @frac{n(\delta_{ij} S - x_i)}{S^2},\ \text{where } S = \sum_{k=1}^n x_k", "correct", E1, 3)
    T(f, Q1, r"@frac{\partial f_i}{\partial x_j} = @frac{n}{S}\delta_{ij} - @frac{n x_i}{S^2},\quad S=\sum_k x_k", "correct", E1, 3)
    T(f, Q1, r"@frac{\partial f_i}{\partial x_j} = @frac{n\,\delta_{ij}}{\sum_{k} x_k} - @frac{n\,x_i}{(\sum_{k} x_k)^2}", "correct", E1, 3)
    T(f, Q1, r"\left(@frac{df}{d@B{x}}\right)_{ij} = n@frac{\delta_{ij}\sum_k x_k - x_i}{(\sum_k x_k)^2}", "correct", E1, 2)
    T(f, Q1, r"J_{ij} = @frac{n}{S}\delta_{ij} - @frac{n x_j}{S^2},\ S = \sum_k x_k", "wrong",
      "ent(lambda i,j: n*(i==j)/x.sum() - n*x[j,0]/x.sum()**2, (n,n))", 2, "x_j for x_i: the transpose")
    T(f, Q1, r"J_{ij} = @frac{n\delta_{ij}}{S} - @frac{n x_i}{S},\ S = \sum_k x_k", "wrong",
      "ent(lambda i,j: n*(i==j)/x.sum() - n*x[i,0]/x.sum(), (n,n))", 2)
    T(f, Q1, r"J_{ij} = @frac{n}{S}\delta_{ij} + @frac{n x_i}{S^2},\ S = \sum_k x_k", "wrong",
      "ent(lambda i,j: n*(i==j)/x.sum() + n*x[i,0]/x.sum()**2, (n,n))", 1)
    T(f, Q1, r"J_{ij} = @frac{n(S - x_i)}{S^2},\ S = \sum_k x_k", "wrong",
      "ent(lambda i,j: n*(x.sum() - x[i,0])/x.sum()**2, (n,n))", 1, "delta_ij dropped")
    # ucb 2 by components
    T(f, Q2, r"@frac{\partial f}{\partial x_k} = \sum_r A_{rk} w_r \mathbb{1}[(Ax)_r>0]", "correct", E2, 3)
    T(f, Q2, r"(\nabla_{@B{x}} f)_j = \sum_{i=1}^k w_i A_{ij}\,\mathbb{1}\{@B{a}_i@T@B{x} > 0\},\ \text{$@B{a}_i@T$ the $i$-th row of $@B{A}$}",
      "correct", E2, 3)
    T(f, Q2, r"@frac{\partial f}{\partial x_j} = \sum_{i} w_i\,\mathbb{1}[@B{a}_i@T@B{x}>0]\,A_{ij}", "correct", E2, 2)
    T(f, Q2, r"@frac{\partial f}{\partial x_j} = \sum_{i=1}^{k} w_i A_{ij}", "wrong",
      "vec(lambda j: sum(w[i,0]*A[i,j] for i in range(k)), d)", 2, "indicator missing")
    T(f, Q2, r"@frac{\partial f}{\partial x_j} = \sum_{i=1}^{k} w_i A_{ij}\mathbb{1}[(Ax)_j > 0]", "wrong",
      "vec(lambda j: sum(w[i,0]*A[i,j] for i in range(k))*((A@x)[j,0]>0), d)", 2, "indicator indexed by j")
    T(f, Q2, r"@frac{\partial f}{\partial x_j} = \sum_{i=1}^{k} \max(w_i A_{ij}, 0)", "wrong",
      "vec(lambda j: sum(max(w[i,0]*A[i,j],0) for i in range(k)), d)", 1)
    # uw 2.5
    T(f, U25, r"@frac{\partial L}{\partial s_k} = @frac{e^{s_k}}{\sum_{j} e^{s_j}} - b\,\delta_{ky}", "correct", UW25, 3)
    T(f, U25, r"@frac{\partial \mathcal{L}}{\partial s_k} = p_k - b\,\delta_{k,y},\ \text{where } p_k = @frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}}",
      "correct", UW25, 3)
    T(f, U25, r"@frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b\,\delta_{yk}", "correct", UW25, 2)
    T(f, U25, r"@frac{\partial L}{\partial s_k} = @frac{e^{s_k}}{\sum_j e^{s_j}} - \delta_{ky}", "wrong",
      "softmax(s) - onehot(y,K)", 2, "b missing")
    T(f, U25, r"@frac{\partial L}{\partial s_k} = @frac{e^{s_k}}{\sum_j e^{s_j}} + b\,\delta_{ky}", "wrong",
      "softmax(s) + b*onehot(y,K)", 1)
    T(f, U25, r"@frac{\partial L}{\partial s_k} = @frac{a e^{s_k}}{\sum_j e^{s_j}} - b\,\delta_{ky}", "wrong",
      "a*softmax(s) - b*onehot(y,K)", 1)
    T(f, U25, r"@frac{\partial L}{\partial s_k} = @frac{e^{b s_k}}{\sum_j e^{s_j}} - b\,\delta_{ky}", "wrong",
      "exp(b*s)/exp(s).sum() - b*onehot(y,K)", 1)
    # neu 4
    T(f, N4W, r"@frac{\partial L}{\partial W_{ij}} = 2\left(\sum_{k} W_{ik}x_k - y_i\right)x_j", "correct",
      "ent(lambda i,j: 2*((W@x)[i,0]-y[i,0])*x[j,0], (m,n))", 3)
    T(f, N4W, r"\left(@frac{\partial L}{\partial W}\right)_{ij} = 2(@B{W}@B{x}-@B{y})_i x_j", "correct",
      "ent(lambda i,j: 2*(W@x-y)[i,0]*x[j,0], (m,n))", 3)
    T(f, N4W, r"@frac{\partial L}{\partial W_{ij}} = 2(@B{W}@B{x}-@B{y})_i", "wrong",
      "ent(lambda i,j: 2*(W@x-y)[i,0], (m,n))", 1, "x_j missing")
    T(f, N4W, r"@frac{\partial L}{\partial W_{ij}} = (@B{W}@B{x}-@B{y})_i x_j", "wrong",
      "ent(lambda i,j: (W@x-y)[i,0]*x[j,0], (m,n))", 1, "factor 2")
    T(f, N4X, r"@frac{\partial L}{\partial x_j} = 2\sum_i W_{ij}(@B{W}@B{x} - @B{y})_i", "correct",
      "vec(lambda j: 2*sum(W[i,j]*(W@x-y)[i,0] for i in range(m)), n)", 3)
    T(f, N4X, r"@frac{\partial L}{\partial x_j} = 2\sum_{i=1}^m W_{ij}\left(\sum_{k=1}^n W_{ik}x_k - y_i\right)", "correct",
      "vec(lambda j: 2*sum(W[i,j]*(sum(W[i,kk]*x[kk,0] for kk in range(n)) - y[i,0]) for i in range(m)), n)", 3)
    T(f, N4X, r"@frac{\partial L}{\partial x_j} = 2\sum_i (@B{W}@B{x} - @B{y})_i", "wrong",
      "vec(lambda j: 2*(W@x-y).sum(), n)", 1, "W_ij missing")
    T(f, N4X, r"@frac{\partial L}{\partial x_j} = 2\sum_{i} W_{ij}(y_i - (@B{W}@B{x})_i)", "wrong",
      "vec(lambda j: 2*sum(W[i,j]*(y[i,0]-(W@x)[i,0]) for i in range(m)), n)", 1, "sign")
    # tum 2.3
    T(f, T23, r"@frac{\partial L}{\partial X_{nd}} = \sum_{m} \mathrm{dout}_{nm} W_{dm}", "correct",
      "ent(lambda a,c: sum(dout[a,j]*W[c,j] for j in range(M)), (N,D))", 3)
    T(f, T23, r"\left(@frac{\partial L}{\partial X}\right)_{ij} = \sum_{k=1}^{M} dout_{ik}W_{jk}", "correct",
      "ent(lambda a,c: sum(dout[a,j]*W[c,j] for j in range(M)), (N,D))", 2)
    T(f, T23, r"@frac{\partial L}{\partial X_{ij}} = \sum_{k} dout_{ik}", "wrong",
      "ent(lambda a,c: dout[a,:].sum(), (N,D))", 1)
    # stanford 4.i, 4.ii
    T(f, S4I, r"@frac{\partial \tilde J}{\partial w_i} = @frac{\partial J}{\partial w_i} + \alpha\,@sign(w_i)", "correct", L1G, 4)
    T(f, S4I, r"@frac{\partial \tilde J}{\partial w_i} = @frac{\partial J}{\partial w_i} + \alpha\,@frac{w_i}{|w_i|}", "correct", L1G, 2)
    T(f, S4I, r"@frac{\partial \tilde J}{\partial w_i} = @frac{\partial J}{\partial w_i} + \alpha\,|w_i|", "wrong", "gJ + alpha*abs(w)", 2)
    T(f, S4II, r"w_i = @sign(w_i^*)\,\max\left\{|w_i^*| - @frac{\alpha}{H_{i,i}},\,0\right\}", "correct", SOFT, 3)
    T(f, S4II, r"w_i = @sign(w_i^*)\,\max\left\{|w_i^*| - @frac{\alpha}{H_{ii}},\,0\right\}", "correct", SOFT, 2)
    # tum 2.4 entrywise
    T(f, T24, r"\theta_{k+1,ij} = (1-\alpha\lambda)\,\theta_{k,ij} - \alpha\,[\nabla L(\theta_k)]_{ij}", "correct", TH, 1)
    add(f, T24, r"(\theta_{k+1})_{ij} = (\theta_k)_{ij} - \alpha\left(\frac{\partial L}{\partial \theta_{ij}}(\theta_k) + \lambda(\theta_k)_{ij}\right)",
        "correct", TH)
    # uw 3.6.2 with an explicit index set
    T(f, US1, r"@log@(1 + \sum_{j \in \{1,\dots,C\}\setminus\{y_i\}} e^{s_j - s_{y_i}}@)", "correct", SH1, 2)


# =================================================================================================
# sums_products
# =================================================================================================
def sums_products():
    f = "sums_products"
    for s in [r"\prod_{l=1}^{L+1} d", r"\prod_{l=0}^{L} d", r"\underbrace{d\cdot d\cdots d}_{L+1\text{ factors}}",
              r"\prod_{\ell=1}^{L+1} \operatorname{Var}(W^{(\ell)}_{ij})\, d", r"d \prod_{l=1}^{L} d"]:
        add(f, Q10, s, "correct", VAR, "Var(W_ij) = 1" if "Var" in s else None)
    for s, m in [(r"\prod_{l=1}^{L} d", "d**L"), (r"\sum_{l=0}^{L} d", "d*(L+1)"), (r"\sum_{l=1}^{L+1} d^2", "d**2*(L+1)"),
                 (r"\prod_{l=1}^{2L+1} d", "d**(2*L+1)")]:
        add(f, Q10, s, "wrong", m)
    add(f, Q10, r"d \cdot d \cdots d", "unreadable", note="how many factors is not said")
    for s in [r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}", r"\sum_{j=1}^{m} \frac{\partial f}{\partial y_j}",
              r"\sum_i \frac{\partial f}{\partial y_i}", r"\frac{\partial f}{\partial y_1} + \frac{\partial f}{\partial y_2} + \cdots + \frac{\partial f}{\partial y_m}",
              r"\frac{\partial f}{\partial y_1} + \ldots + \frac{\partial f}{\partial y_m}", r"\frac{\partial f}{\partial y_1}+\dots+\frac{\partial f}{\partial y_m}",
              r"\sum\limits_{k=1}^{m} \frac{\partial f}{\partial y_k}"]:
        add(f, Q9B, s, "correct", BN_B)
    for s, m in [(r"\sum_{i=1}^{m-1} \frac{\partial f}{\partial y_i}", "dy[:-1].sum()"),
                 (r"\sum_{i=2}^{m} \frac{\partial f}{\partial y_i}", "dy[1:].sum()"),
                 (r"\frac{\partial f}{\partial y_1} + \cdots + \frac{\partial f}{\partial y_{m-1}}", "dy[:-1].sum()"),
                 (r"\prod_{i=1}^m \frac{\partial f}{\partial y_i}", "dy.prod()")]:
        add(f, Q9B, s, "wrong", m)
    for s in [r"\frac{\partial f}{\partial y_1}\hat x_1 + \cdots + \frac{\partial f}{\partial y_m}\hat x_m",
              r"\sum_{j=1}^{m} \hat{x}_j \frac{\partial f}{\partial y_j}", r"\sum_k \frac{\partial f}{\partial y_k}\,\hat x_k",
              r"\frac{\partial f}{\partial y_1}\hat{x}_1 + \frac{\partial f}{\partial y_2}\hat{x}_2 + \dots + \frac{\partial f}{\partial y_m}\hat{x}_m"]:
        add(f, Q9G, s, "correct", BN_G)
    for s, m in [(r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\sum_{i=1}^m \hat x_i", "dy.sum()*xhat.sum()"),
                 (r"\frac{\partial f}{\partial y_1}\hat x_1 + \cdots + \frac{\partial f}{\partial y_m}\hat x_1", "dy.sum()*xhat[0,0]")]:
        add(f, Q9G, s, "wrong", m)
    for s in [r"-\frac{z_1 + z_2 + \cdots + z_K}{K} + \log(e^{z_1} + \cdots + e^{z_K})",
              r"-\frac{1}{K}\sum_k z_k + \log\sum_k e^{z_k}", r"\log\left(\sum_{c=1}^{K} e^{z_c}\right) - \frac{1}{K}\sum_{c=1}^{K} z_c",
              r"-\frac{1}{K}\left(\log p_1 + \dots + \log p_K\right)", r"-\frac{1}{K}\log\prod_{i=1}^K p_i"]:
        add(f, Q3, s, "correct", UCB3, "p_i = softmax(z)_i, defined in the stem" if "p_" in s else None)
    for s, m in [(r"-\frac{1}{K}\sum_{i=1}^{K-1} z_i + \log\sum_{i=1}^K e^{z_i}", "-z[:-1].sum()/K + log(exp(z).sum())"),
                 (r"-\frac{1}{K}\sum_{i=1}^K z_i + \sum_{i=1}^K \log e^{z_i}", "-z.sum()/K + z.sum()")]:
        add(f, Q3, s, "wrong", m)
    for s in [r"\log\left(1 + \sum_{k \neq y_i} e^{s_k - s_{y_i}}\right)", r"\log\left(1+\sum_{j=1, j\neq y_i}^{C} e^{s_j-s_{y_i}}\right)",
              r"\log\Bigl(1+\sum_{\substack{j=1\\ j\ne y_i}}^{C} e^{s_j-s_{y_i}}\Bigr)", r"\log\left(e^{0} + \sum_{c\neq y_i} e^{s_c - s_{y_i}}\right)"]:
        add(f, US1, s, "correct", SH1)
    add(f, US1, r"\log\left(1 + \sum_{k} e^{s_k - s_{y_i}}\right)", "wrong", "log(1+exp(s-s[y,0]).sum())", "sum over every class")
    for s in [r"\log\left(1 + \sum_{k \neq y_i} e^{s_k - s_{y_i} + \Delta}\right)",
              r"\log\left(1+\sum_{\substack{j=1\\ j\ne y_i}}^{C} \exp(s_j-s_{y_i}+\Delta)\right)"]:
        add(f, US2, s, "correct", SH2)
    add(f, US2, r"\log\left(1 + \sum_{k} e^{s_k - s_{y_i} + \Delta}\right)", "wrong", "log(1+exp(s-s[y,0]+Delta).sum())")
    for s in [r"\frac{n}{(x_1 + x_2 + \cdots + x_n)^2}\left(\mathbf{I}_n (x_1+\cdots+x_n) - \mathbf{x}\mathbf{1}_n^\top\right)",
              r"\frac{n}{(\sum_{k=1}^n x_k)^2}\left(\mathbf{I}_n \sum_{k=1}^n x_k - \mathbf{x}\mathbf{1}_n^\top\right)",
              r"\frac{n}{(\sum_j x_j)^2}\left(I_n \sum_j x_j - x\mathbf{1}^T\right)"]:
        add(f, Q1, s, "correct", UCB1)
    add(f, Q1, r"\frac{n}{(x_1 + \cdots + x_{n-1})^2}\left(\mathbf{I}_n (x_1+\cdots+x_{n-1}) - \mathbf{x}\mathbf{1}_n^\top\right)", "wrong",
        "n/x[:-1].sum()**2*(eye(n)*x[:-1].sum() - x@ones(n).T)", "stops at n-1")
    for s in [r"\frac{e^{s_k}}{e^{s_1}+\cdots+e^{s_K}} - b\,\mathbb{1}[k=y]", r"\frac{e^{s_k}}{\sum_{c=1}^{K} e^{s_c}} - b\,\mathbb{1}[k=y]",
              r"\frac{e^{s_k}}{e^{s_1}+e^{s_2}+\dots+e^{s_K}} - b\,[k=y]"]:
        add(f, U25, s, "correct", UW25)
    add(f, U25, r"\frac{e^{s_k}}{e^{s_1}+\cdots+e^{s_{K-1}}} - b\,\mathbb{1}[k=y]", "wrong", "exp(s)/exp(s[:-1]).sum() - b*onehot(y,K)")
    for s in [r"2\sum_{i=1}^{m} \mathbf{w}_i(\mathbf{w}_i^\top\mathbf{x} - y_i),\ \text{where } \mathbf{w}_i^\top \text{ is row } i \text{ of } \mathbf{W}",
              r"2\sum_{r=1}^{m} (\mathbf{W}\mathbf{x}-\mathbf{y})_r\, \mathbf{W}_{r,:}^\top"]:
        add(f, N4X, s, "correct", "sum(2*W[i:i+1,:].T*((W[i:i+1,:]@x)[0,0]-y[i,0]) for i in range(m))")
    add(f, N4X, r"2\sum_{i=1}^{m} \mathbf{w}_i(\mathbf{w}_i^\top\mathbf{x} - y_i)^2,\ \mathbf{w}_i^\top \text{ row } i \text{ of } \mathbf{W}", "wrong",
        "sum(2*W[i:i+1,:].T*((W[i:i+1,:]@x)[0,0]-y[i,0])**2 for i in range(m))")
    for s in [r"2\sum_{i=1}^{m} (\mathbf{W}\mathbf{x}-\mathbf{y})_i\, \mathbf{e}_i \mathbf{x}^\top", r"\sum_{i=1}^m 2 (w_i^\top x - y_i)\, e_i x^\top,\ w_i^\top = \text{row } i \text{ of } W"]:
        add(f, N4W, s, "correct", GW)
    for s in [r"\sum_{o=1}^{oC} (9\,iC + 9)", r"\sum_{c=1}^{oC}\left(\sum_{a=1}^{3}\sum_{b=1}^{3} (iC + 1)\right)"]:
        add(f, S61, s, "correct", ATT)
    add(f, S61, r"\sum_{o=1}^{oC} 9\,iC", "wrong", "oC*9*iC", "the value kernels are missing")
    for s in [r"\sum_{c=1}^{3} 2", r"\sum_{c=1}^{C} 2 \text{ with } C = 3"]:
        add(f, T73, s, "correct", "6")
    add(f, T43, r"\prod_{i\in\{16, 7, 7\}} i", "correct", "784")
    add(f, T43, r"16\prod_{l=1}^{2} 7", "correct", "784")
    add(f, N5C, r"\sum_{\ell=1}^{2} 10^6\cdot 100 + 100", "correct", "200000100")
    add(f, N5C, r"\sum_{\ell=1}^{2} (10^6\cdot 100 + 100)", "wrong", "200000200", "bias counted twice")


# =================================================================================================
# brackets: Iverson brackets, indicator spellings, Var / E as labels
# =================================================================================================
def brackets():
    f = "brackets"
    for ind in [r"\mathbb{1}[k=y]", r"[k = y]", r"\mathbb{1}\{k=y\}", r"\mathbf{1}(k=y)", r"\mathbb{1}_{k=y}", r"\mathbb{1}_{\{k=y\}}",
                r"\mathbb{I}[k=y]", r"\mathbf{1}\{k = y\}", r"\mathbb{1}(y=k)", r"[\![k=y]\!]"]:
        add(f, U25, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b\," + ind, "correct", UW25)
    for ind, m in [(r"\mathbb{1}[k\neq y]", "softmax(s) - b*(1-onehot(y,K))"), (r"[k \ne y]", "softmax(s) - b*(1-onehot(y,K))")]:
        add(f, U25, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b\," + ind, "wrong", m)
    add(f, U25, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - \mathbb{1}[k=y]", "wrong", "softmax(s) - onehot(y,K)", "b missing")
    add(f, U25, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b\,\mathbb{1}[k=y] + c", "wrong", "softmax(s) - b*onehot(y,K) + c", "c is a constant of the loss")
    add(f, U25, r"\operatorname{softmax}(\mathbf{s})_k - b\,[k=y]", "correct", UW25)
    add(f, U25, r"\sigma(s)_k - b\,\mathbb{1}\{k = y\},\ \sigma = \operatorname{softmax}", "correct", UW25)
    # ucb 2
    for z in [r"\mathbb{1}[\mathbf{A}\mathbf{x} > 0]", r"\mathbb{1}\{\mathbf{A}\mathbf{x}>0\}", r"\mathbf{1}(\mathbf{A}\mathbf{x}>0)",
              r"\mathbb{1}_{\mathbf{A}\mathbf{x}>0}", r"[\mathbf{A}\mathbf{x} > 0]"]:
        add(f, Q2, r"\mathbf{A}^\top\left(\mathbf{w}\odot " + z + r"\right)", "correct", UCB2, "indicator taken entrywise")
        add(f, Q2, r"\mathbf{A}^\top\operatorname{diag}\left(" + z + r"\right)\mathbf{w}", "correct", UCB2)
    add(f, Q2, r"\mathbf{A}^\top\left(\mathbf{w}\odot\mathbb{1}[\mathbf{A}\mathbf{x}\geq 0]\right)", "correct", UCB2,
        "differs from > 0 only on the kink (Ax)_i = 0, where the gradient does not exist")
    add(f, Q2, r"\mathbf{A}^\top\left(\mathbf{w}\odot\mathbb{1}[\mathbf{A}\mathbf{x} < 0]\right)", "wrong", "A.T@(w*(A@x<0))")
    add(f, Q2, r"\mathbf{A}^\top\left(\mathbf{w}\odot\mathbb{1}[\mathbf{w} > 0]\right)", "wrong", "A.T@(w*(w>0))")
    add(f, Q2, r"\mathbb{1}[\mathbf{A}^\top\mathbf{w} > 0]\odot \mathbf{A}^\top\mathbf{w}", "wrong", "(A.T@w>0)*(A.T@w)")
    # ucb 3 as an expectation / cross-entropy label
    for s in [r"\mathbb{E}_{i\sim U}\left[-\log p_i\right]", r"\mathbb{E}_{i \sim \mathcal{U}\{1,\dots,K\}}[-\log \operatorname{softmax}(\mathbf{z})_i]",
              r"H(U;p) = -\sum_{i=1}^K \frac{1}{K}\log p_i"]:
        add(f, Q3, s, "correct", UCB3)
    add(f, Q3, r"\mathbb{E}_{i\sim p}\left[-\log p_i\right]", "wrong", "-(softmax(z)*log(softmax(z))).sum()", "H(p;p)")
    add(f, Q3, r"\mathbb{E}_{i\sim p}\left[-\log \tfrac{1}{K}\right]", "wrong", "log(K)", "H(p;U)")
    # ucb 10
    for s in [r"\operatorname{Var}[y] = d^{L+1}", r"\mathrm{Var}(\hat{y}) = d^{L+1}", r"\operatorname{Var}\left[f(\mathbf{x})_i\right] = d^{L+1}",
              r"\mathbb{V}[y] = d^{L+1}", r"\operatorname{Var}[y_i] = \mathbb{E}[y_i^2] = d^{L+1}"]:
        add(f, Q10, s, "correct", VAR if "E}[y_i^2]" not in s else [VAR, VAR], "Var = E[y^2] as the mean is 0" if "E}" in s else None)
    add(f, Q10, r"\operatorname{Var}[y] = d^{L}", "wrong", "d**L")
    add(f, Q10, r"\operatorname{Var}[y] = (L+1)\,d", "wrong", "(L+1)*d")
    # huber with indicators
    add(f, UH, r"2a\max(s_j - s_{y_i}+\Delta,0)\,\mathbb{1}[s_j \le s_{y_i}] + b\,\mathbb{1}[s_j > s_{y_i}]", "correct", HUBER)
    add(f, UH, r"2a(s_j - s_{y_i} + \Delta)\,\mathbb{1}[-\Delta < s_j - s_{y_i} \le 0] + b\,\mathbb{1}[s_j > s_{y_i}]", "correct", HUBER)
    add(f, UH, r"2a\,(s_j - s_{y_i} + \Delta)_+\,[s_j \le s_{y_i}] + b\,[s_j > s_{y_i}]", "correct", HUBER, "(t)_+ = max(t, 0)")
    add(f, UH, r"2a\max(s_j - s_{y_i}+\Delta,0)\,\mathbb{1}\{s_j \le s_{y_i}\} + b\,\mathbb{1}\{s_j \le s_{y_i}\}", "wrong",
        "(2*a*max(s_j-s_y+Delta,0) + b) if s_j<=s_y else 0.0")
    add(f, UH, r"2a(s_j - s_{y_i} + \Delta)\,\mathbb{1}[s_j \le s_{y_i}] + b\,\mathbb{1}[s_j > s_{y_i}]", "wrong",
        "(2*a*(s_j-s_y+Delta) if s_j<=s_y else b)", "max(., 0) dropped")
    add(f, UH, r"a\max(s_j - s_{y_i}+\Delta,0)\,\mathbb{1}[s_j \le s_{y_i}] + b\,\mathbb{1}[s_j > s_{y_i}]", "wrong",
        "(a*max(s_j-s_y+Delta,0) if s_j<=s_y else b)")
    # stanford 4.i / 4.ii
    add(f, S4I, r"\nabla_{\mathbf{w}} J + \alpha\left(\mathbb{1}[\mathbf{w} > 0] - \mathbb{1}[\mathbf{w} < 0]\right)", "correct", L1G)
    add(f, S4I, r"\nabla_{\mathbf{w}} J + \alpha\left(2\cdot\mathbb{1}\{\mathbf{w} > 0\} - 1\right)", "correct", L1G, "no w_i = 0 at the points")
    add(f, S4I, r"\nabla_{\mathbf{w}} J + \alpha\,\mathbb{1}[\mathbf{w} > 0]", "wrong", "gJ + alpha*(w>0)")
    add(f, S4II, r"\operatorname{sign}(w_i^*)\left(|w_i^*| - \frac{\alpha}{H_{i,i}}\right)\mathbb{1}\left[|w_i^*| > \frac{\alpha}{H_{i,i}}\right]", "correct", SOFT)
    add(f, S4II, r"\left(w_i^* - \frac{\alpha}{H_{i,i}}\operatorname{sign}(w_i^*)\right)\,\mathbb{1}\{|w_i^*| > \alpha/H_{i,i}\}", "correct", SOFT)
    add(f, S4II, r"\left(w_i^* - \frac{\alpha}{H_{i,i}}\right)\mathbb{1}\left[w_i^* > \frac{\alpha}{H_{i,i}}\right]", "wrong",
        "(w_star - alpha/H)*(w_star > alpha/H)", "negative side lost")
    add(f, S4II, r"\operatorname{sign}(w_i^*)\left(|w_i^*| - \frac{\alpha}{H_{i,i}}\right)\mathbb{1}\left[|w_i^*| < \frac{\alpha}{H_{i,i}}\right]", "wrong",
        "sign(w_star)*(abs(w_star)-alpha/H)*(abs(w_star) < alpha/H)")
    # smooth hinge with an Iverson bracket in the exponent
    add(f, US2, r"\log\left(\sum_{j=1}^{C} e^{s_j - s_{y_i} + \Delta[j \neq y_i]}\right)", "correct", SH2, "the j = y_i term is e^0 = 1")
    add(f, US2, r"\log\left(\sum_{j=1}^{C} e^{s_j - s_{y_i} + \Delta\,\mathbb{1}[j = y_i]}\right)", "wrong",
        "log(exp(Delta) + exp(others(s,y)-s[y,0]).sum())")
    add(f, US1, r"\log\left(\sum_{j=1}^{C} e^{(s_j - s_{y_i})\,\mathbb{1}[j \neq y_i]}\right)", "correct", SH1)
    # GAN with the label as an indicator
    add(f, S5, r"\frac{1}{n}\left(\mathbb{1}[\text{real}] - D\right):\ \frac{1}{n}(1-D(X^i)),\ -\frac{1}{n}D(G(Z^i))", "correct", GAN)
    # 6.a with an expectation label
    add(f, N6A, r"p_2 = \mathbb{E}[y_2] = 0.9", "correct", ["0.9", "0.9"])
    add(f, N3B, r"w_i - \lambda\,[2\delta w_i] = 0.98\,w_i", "correct", ["w - 0.1*2*0.1*w", WD], "brackets as grouping")


# =================================================================================================
# wrappers_labels: boxes, math delimiters, "Answer:", labels naming the asked quantity, chains
# =================================================================================================
WRAPS = [
    ("boxed", r"\boxed{{{X}}}"), ("dollars", r"${X}$"), ("paren", r"\({X}\)"), ("bracket", r"\[{X}\]"),
    ("answer", r"\text{{Answer: }} {X}"), ("therefore", r"\therefore\ {X}"), ("label", r"{L} = {X}"),
    ("boxed_label", r"\boxed{{{L} = {X}}}"), ("ddollars", r"$${X}$$"), ("display", r"\displaystyle {X}"),
    ("period", r"{X}."), ("label_dollars", r"${L} = {X}$"), ("final", r"\text{{Final answer: }} {L} = {X}"),
    ("so", r"\text{{so }} {L} = {X}"),
]

WRAP_BASES = [
    (N4X, r"2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", GX, r"\frac{\partial L}{\partial \mathbf{x}}"),
    (N4X, r"2W^T(Wx - y)", GX, r"\nabla_x L"),
    (N4W, r"2(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top", GW, r"\frac{\partial \mathcal{L}}{\partial \mathbf{W}}"),
    (N4W, r"2(Wx-y)x^T", GW, r"\nabla_W L"),
    (T23, r"\mathrm{dout}\, W^\top", DX, r"\frac{\partial L}{\partial X}"),
    (S4I, r"\nabla_{\mathbf w} J + \alpha\operatorname{sign}(\mathbf w)", L1G, r"\nabla_{\mathbf w}\tilde{J}"),
    (U32, r"\sqrt{2-2D_C}", UW32, r"D_E"),
    (Q10, r"d^{L+1}", VAR, r"\operatorname{Var}[y]"),
    (N6B, r"\ln 9", "log(9)", r"z_2"),
    (N6A, r"0.9", "0.9", r"p_2"),
    (N3B, r"0.98\,w_i", WD, r"w_i^{(\text{updated})}"),
    (T43, "784", "784", "k"),
    (T73, "6", "6", r"\#\text{values}"),
    (N5B, "3", "3", r"\text{tensors}"),
    (N5C, "200000100", "200000100", r"\text{elements}"),
    (S3IP, "1792", "1792", r"\#\text{params}"),
    (S3IIP, "1216", "1216", r"P"),
    (S3IIIP, "416", "416", r"P"),
    (Q12, "4", "4", r"\#\text{params}"),
    (T13, "33", "33", r"\#\text{params}"),
    (T62, "1", "1", r"\text{MSE}"),
    (Q7, r"\frac{\alpha_0}{2}\left(1+\cos\frac{\pi i}{N}\right)", UCB7, r"\alpha_i"),
    (Q9B, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}", BN_B, r"\frac{\partial f}{\partial \beta}"),
    (Q9G, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\hat{x}_i", BN_G, r"\frac{\partial f}{\partial \gamma}"),
    (Q3, r"-\frac{1}{K}\sum_{i=1}^K z_i + \log\sum_{i=1}^K e^{z_i}", UCB3, r"\mathcal{L}"),
    (U25, r"\frac{e^{s_k}}{\sum_j e^{s_j}} - b\,\mathbb{1}[k=y]", UW25, r"\frac{\partial \mathcal{L}}{\partial s_k}"),
    (US1, r"\log\left(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}\right)", SH1, r"L"),
    (US2, r"\log\left(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}+\Delta}\right)", SH2, r"L"),
    (S4II, r"\operatorname{sign}(w_i^*)\max\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0\right)", SOFT, r"w_i"),
    (S61, r"oC(9\,iC+9)", ATT, r"\#\text{params}"),
    (Q1, r"\frac{n}{S^2}\left(S\,\mathbf{I}_n - \mathbf{x}\mathbf{1}_n^\top\right),\ \text{where } S = \sum_{i=1}^n x_i", UCB1,
     r"\frac{df}{d\mathbf{x}}"),
    (Q2, r"\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ \text{where } \mathbf{Z} = \operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])", UCB2,
     r"\nabla_{\mathbf{x}} f"),
]


def wrappers_labels():
    f = "wrappers_labels"
    for bi, (qq, x, m, lab) in enumerate(WRAP_BASES):
        picks = [WRAPS[(bi * 5 + j * 3) % len(WRAPS)] for j in range(4)]
        for name, w in picks:
            add(f, qq, w.format(X=x, L=lab), "correct", m, name)
    # equations: already labelled by the unknown
    for qq, x, m in [(T87, r"w_{k+1} = w_k - \frac{f'(w_k)}{f''(w_k)}", NEWTON), (T24, r"\theta_{k+1} = (1-\alpha\lambda)\theta_k - \alpha\nabla L(\theta_k)", TH),
                     (T28, r"W = (X^\top X)^{-1}X^\top Y", LS), (UHC, r"b = 2a\Delta", B2AD), (N6B, r"z_2 = \ln 9", "log(9)")]:
        for w in [r"\boxed{{{X}}}", r"${X}$", r"\text{{Answer: }} {X}"]:
            add(f, qq, w.format(X=x), "correct", m)
    # shapes and pairs in their written forms
    for s in [r"128 \times 128 \times 16", r"H = W = 128,\ C = 16", r"(H, W, C) = (128, 128, 16)", r"\boxed{128\times128\times16}",
              r"128\times 128\times 16 \text{ (H, W, C)}"]:
        add(f, S3IIS, s, "correct", "(128,128,16)")
    for s in [r"126 \times 126 \times 64", r"H = W = 126, C = 64", r"(C, H, W) = (64, 126, 126)", r"126\times126\times64 \text{ activations}"]:
        add(f, S3IS, s, "correct", "(126,126,64)", "labelled order" if "(C, H, W)" in s else None)
    for s in [r"64 \times 64 \times 32", r"H=64,\ W=64,\ C=32", r"\boxed{(64, 64, 32)}"]:
        add(f, S3IIIS, s, "correct", "(64,64,32)")
    add(f, S3IS, r"128 \times 128 \times 64", "wrong", "(128,128,64)", "padding ignored")
    add(f, S3IS, r"H = W = 126", "wrong", "(126,126)", "channels missing")
    add(f, S3IIIS, r"(C, H, W) = (32, 64, 64)", "correct", "(64,64,32)", "labelled order")
    add(f, S3IIIS, r"H = W = 32,\ C = 64", "wrong", "(32,32,64)")
    for s in [r"\begin{pmatrix} \hat y_1 \\ \hat y_2 \end{pmatrix} = \begin{pmatrix} 2 \\ 0 \end{pmatrix}", r"\begin{bmatrix} 2 \\ 0 \end{bmatrix}",
              r"\hat{\mathbf{y}} = (2, 0)^\top", r"\boxed{\hat y_1 = 2},\ \boxed{\hat y_2 = 0}", r"\hat y_2 = 0,\ \hat y_1 = 2"]:
        add(f, T61, s, "correct", "(2, 0)")
    add(f, T61, r"\begin{bmatrix} 0 \\ 2 \end{bmatrix}", "wrong", "(0, 2)")
    for s in [r"\begin{pmatrix} 1.5 \\ -0.65 \end{pmatrix}", r"\frac{\partial L}{\partial w_{11}} = 1.5,\quad w_{11} \leftarrow -0.65",
              r"w_{11}^* = -0.65,\ \frac{\partial L}{\partial w_{11}} = 1.5", r"\nabla_{w_{11}} L = 1.5 \text{ and the new } w_{11} = -0.5 - 0.1\cdot 1.5 = -0.65"]:
        add(f, T63, s, "correct", "(1.5, -0.65)")
    add(f, T63, r"\frac{\partial L}{\partial w_{11}} = -0.65,\ w_{11}^* = 1.5", "wrong", "(-0.65, 1.5)", "values under swapped labels")
    for s in [r"\begin{pmatrix} \frac{1}{n}(1-D(X^i)) \\ -\frac{1}{n}D(G(Z^i)) \end{pmatrix}",
              r"\text{real: } \frac{1-D(X^i)}{n},\ \text{generated: } -\frac{D(G(Z^i))}{n}",
              r"\text{generated: } -\frac{1}{n}D(G(Z^i));\ \text{real: } \frac{1}{n}\left(1-D(X^i)\right)"]:
        add(f, S5, s, "correct", GAN)
    # units and prose
    for qq, s, m in [(S3IP, r"1792 \text{ parameters}", "1792"), (T43, r"784 \text{ features}", "784"), (T73, r"6 \text{ values}", "6"),
                     (N6A, r"90\%", "0.9"), (N6A, r"0.9 \text{ (i.e. } 90\%\text{)}", "0.9"), (N5B, r"\text{three}", "3"),
                     (N5C, r"200000100 \text{ parameters}", "200000100"), (S61, r"oC\,(9\,iC + 9) \text{ trainable parameters}", ATT),
                     (N4X, r"2W^\top(Wx-y) \in \mathbb{R}^{n}", GX), (T23, r"dout\cdot W^T \quad (N \times D)", DX)]:
        add(f, qq, s, "correct", m)
    # chains
    for qq, s, m in [(T43, r"k = 16 \cdot 7 \cdot 7 = 784", ["784", "784"]),
                     (S3IP, r"64 \times (3 \cdot 3 \cdot 3 + 1) = 64 \times 28 = 1792", ["1792", "1792", "1792"]),
                     (T62, r"\frac{1}{2}\left((2-1)^2 + (0-1)^2\right) = 1", ["1", "1"]),
                     (N3B, r"w_i - 0.1 \cdot 0.2\, w_i = 0.98\, w_i", ["w - 0.1*0.2*w", WD]),
                     (N4X, r"\frac{\partial L}{\partial x} = 2W^\top(Wx - y) = 2W^\top W x - 2W^\top y", [GX, "2*W.T@W@x - 2*W.T@y"]),
                     (N6B, r"z_2 = \ln\frac{p_2}{p_1} = \ln\frac{0.9}{0.1} = \ln 9", ["log(0.9/0.1)", "log(0.9/0.1)", "log(9)"]),
                     (U32, r"D_E = \sqrt{\|x\|^2 + \|y\|^2 - 2x^\top y} = \sqrt{2-2D_C}", ["sqrt(2 - 2*D_C)", UW32])]:
        add(f, qq, s, "correct", m)
    # WRONG labels
    add(f, U32, r"D_C = \sqrt{2-2D_C}", "wrong", "WRONG_QUANTITY", "the label names D_C, the given quantity; D_E was asked")
    add(f, N4X, r"-\nabla_{\mathbf{x}} L = 2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", "wrong", "-" + GX, "negated label")
    add(f, N4X, r"\frac{\partial L}{\partial W} = 2W^\top(Wx-y)", "wrong", "WRONG_QUANTITY", "states dL/dW, which this is not")
    add(f, T73, r"P^2 = 6", "wrong", "sqrt(6)", "solved: P = sqrt 6")
    add(f, N6B, r"z_2 = \ln 0.9 = \ln 9", "wrong", ["log(0.9)", "log(9)"], "false middle link")
    add(f, T73, r"2\cdot 3 = 5 = 6", "wrong", ["6", "5", "6"], "false middle link")
    add(f, N4X, r"\frac{\partial L}{\partial x} = 2W^\top(Wx+y) = 2W^\top(Wx-y)", "wrong", ["2*W.T@(W@x+y)", GX], "false middle link")
    add(f, N6A, r"p_1 = 0.9", "wrong", "WRONG_QUANTITY", "p_1 is 0.1; the label names the other class")
    add(f, T43, r"k^2 = 784", "wrong", "28", "solved: k = 28")
    add(f, U32, r"D_E^2 = \sqrt{2-2D_C}", "wrong", "sqrt(sqrt(2-2*D_C))", "solved: D_E = (2-2D_C)^(1/4)")
    add(f, N3B, r"\Delta w_i = 0.98\,w_i", "wrong", "WRONG_QUANTITY", "the change of w_i is -0.02 w_i")
    add(f, Q10, r"\operatorname{Std}[y] = d^{L+1}", "wrong", "d**(2*(L+1))", "solved: Var = Std^2 = d^{2(L+1)}")
    add(f, T87, r"w_{k} = w_{k+1} - \frac{f'(w_k)}{f''(w_k)}", "wrong", "w + fp/fpp", "solved for w_{k+1}")
    add(f, T24, r"\theta_{k} = (1-\alpha\lambda)\theta_{k+1} - \alpha\nabla L(\theta_k)", "wrong",
        "(theta + alpha*gL)/(1-alpha*lam)", "solved for theta_{k+1}")
    add(f, S4I, r"\nabla_{\mathbf w} J = \nabla_{\mathbf w}\tilde J + \alpha\operatorname{sign}(\mathbf w)", "wrong",
        "gJ - alpha*sign(w)", "solved for grad J~")
    add(f, N4W, r"\frac{\partial L}{\partial W}^\top = 2(Wx-y)x^\top", "wrong", "2*x@(W@x-y).T", "the transpose is labelled")
    add(f, T63, r"\frac{\partial L}{\partial w_{11}} = 1.5,\ w_{11} = -0.5", "wrong", "(1.5, -0.5)", "the old w_11 under the label")
    add(f, S3IIP, r"1216 = 16 \times 5 \times 5 \times 3", "wrong", ["1216", "1200"], "false final link")


# =================================================================================================
# calculus: slash derivatives, second derivatives, evaluation bars, nabla, upright d
# =================================================================================================
def calculus():
    f = "calculus"
    for s in [r"w_{k+1} = w_k - \frac{\partial f/\partial w}{\partial^2 f/\partial w^2}\Big|_{w=w_k}",
              r"w_{k+1} = w_k - \frac{\frac{df}{dw}(w_k)}{\frac{d^2 f}{dw^2}(w_k)}",
              r"w_{k+1} = w_k - \left(\frac{d^2 f}{dw^2}\right)^{-1}\frac{df}{dw}\bigg|_{w=w_k}",
              r"w_{k+1} = w_k - \frac{\mathrm{d}f/\mathrm{d}w}{\mathrm{d}^2 f/\mathrm{d}w^2}\Big|_{w_k}",
              r"w_{k+1} = w_k - \frac{f_w(x, w_k)}{f_{ww}(x, w_k)}",
              r"w_{k+1} = w_k - \frac{\partial_w f(x,w_k)}{\partial_w^2 f(x,w_k)}",
              r"w_{k+1} = w_k - \frac{\dot f(w_k)}{\ddot f(w_k)}",
              r"w_{k+1} = w_k - \left.\frac{\partial f}{\partial w}\middle/\frac{\partial^2 f}{\partial w^2}\right|_{w=w_k}"]:
        add(f, T87, s, "correct", NEWTON)
    for s, m in [(r"w_{k+1} = w_k - \frac{\partial^2 f/\partial w^2}{\partial f/\partial w}\Big|_{w=w_k}", "w - fpp/fp"),
                 (r"w_{k+1} = w_k - \frac{df}{dw}\Big|_{w=w_k}", "w - fp"),
                 (r"w_{k+1} = w_k - \frac{f'(w_k)}{(f''(w_k))^2}", "w - fp/fpp**2"),
                 (r"w_{k+1} = w_k - \frac{d^2 f}{dw^2}\frac{df}{dw}\Big|_{w_k}", "w - fpp*fp")]:
        add(f, T87, s, "wrong", m)
    for s in [r"\nabla J(\mathbf{w}) + \alpha\operatorname{sign}(\mathbf{w})", r"\frac{\partial J}{\partial \mathbf{w}} + \alpha\,\mathrm{sgn}(\mathbf{w})",
              r"\partial J/\partial \mathbf{w} + \alpha \operatorname{sign}(\mathbf{w})", r"\nabla_{\mathbf w}\tilde J = \nabla_{\mathbf w} J + \alpha\,\operatorname{sign}(\mathbf w)",
              r"\frac{\mathrm{d}J}{\mathrm{d}\mathbf{w}} + \alpha\operatorname{sign}(\mathbf{w})", r"\nabla_{\mathbf w}J(\mathbf w;\mathbf X,\mathbf y) + \alpha\,\nabla_{\mathbf w}\|\mathbf w\|_1 = \nabla_{\mathbf w}J + \alpha\operatorname{sign}(\mathbf w)"]:
        add(f, S4I, s, "correct", L1G if "\\|" not in s else [L1G, L1G])
    for s, m in [(r"\nabla J(\mathbf{w}) + \alpha\nabla\|\mathbf w\|_2^2", "gJ + 2*alpha*w"), (r"\frac{\partial J}{\partial \mathbf{w}}\cdot\alpha\operatorname{sign}(\mathbf{w})", "gJ*alpha*sign(w)")]:
        add(f, S4I, s, "wrong", m)
    for s in [r"\sum_i \partial f/\partial y_i", r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\frac{\partial y_i}{\partial \beta}",
              r"\frac{\partial f}{\partial \beta} = \sum_{i=1}^m \frac{\partial f}{\partial y_i}\cdot 1", r"\sum_{i=1}^{m} \partial_{y_i} f"]:
        add(f, Q9B, s, "correct", BN_B, "dy_i/dbeta = 1" if "beta}" in s else None)
    for s in [r"\sum_i \frac{\partial f}{\partial y_i}\frac{\partial y_i}{\partial \gamma}", r"\sum_{i=1}^m \partial f/\partial y_i \cdot \hat x_i",
              r"\frac{\partial f}{\partial \gamma} = \sum_{i=1}^{m}\frac{\partial f}{\partial y_i}\,\frac{\partial(\gamma \hat x_i + \beta)}{\partial \gamma}"]:
        add(f, Q9G, s, "correct", BN_G)
    add(f, Q9G, r"\sum_i \frac{\partial f}{\partial y_i}\frac{\partial y_i}{\partial \beta}", "wrong", BN_B, "dy_i/dbeta is 1, not x-hat")
    for s in [r"\theta_k - \alpha\left(\frac{\partial L}{\partial \theta}\Big|_{\theta_k} + \lambda\theta_k\right)",
              r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \tfrac{\lambda}{2}\|\theta\|^2\right)\big|_{\theta=\theta_k}",
              r"\theta_{k+1} = \theta_k - \alpha\left(\nabla L(\theta_k) + \lambda\,\theta_k\right)"]:
        add(f, T24, s, "correct", TH)
    add(f, T24, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \lambda\|\theta\|^2\right)\big|_{\theta=\theta_k}", "wrong",
        "theta - alpha*(gL + 2*lam*theta)", "lambda ||theta||^2 without the 1/2: factor 1 - 2 alpha lambda")
    for s in [r"\frac{\partial L}{\partial Y}W^\top", r"\frac{\partial L}{\partial \mathbf{Y}}\mathbf{W}^{\mathsf T}", r"\nabla_Y L\, W^T"]:
        add(f, T23, s, "correct", DX)
    add(f, T23, r"\frac{\partial L}{\partial Y}\frac{\partial Y}{\partial X} = \mathrm{dout}\,W^\top", "correct", [DX, DX])
    for s in [r"w_i - 0.1\cdot\frac{\partial}{\partial w_i}\left(0.1\,w_i^2\right)", r"w_i - \lambda\frac{d\mathcal{L}}{dw_i} = w_i - 0.1(0.2w_i) = 0.98w_i",
              r"w_i - 0.1 \cdot \frac{\mathrm{d}}{\mathrm{d}w_i}\left(0.1 w_i^2\right) = 0.98 w_i"]:
        add(f, N3B, s, "correct", WD if "=" not in s else ([WD, "w - 0.1*0.2*w", WD] if s.count("=") == 2 else [WD, WD]))
    add(f, N3B, r"w_i - 0.1\cdot\frac{\partial}{\partial w_i}\left(0.1\,w_i^2\right) = 0.99w_i", "wrong", [WD, "0.99*w"], "false last link")
    for s in [r"\frac{1}{n}\frac{d}{dz}\log\sigma(z) = \frac{1}{n}(1-D(X^i)),\ \frac{1}{n}\frac{d}{dz}\log(1-\sigma(z)) = -\frac{1}{n}D(G(Z^i))"]:
        add(f, S5, s, "correct", GAN)
    add(f, S5, r"\frac{1}{n}\frac{\partial \log D}{\partial D} = \frac{1}{nD(X^i)},\ -\frac{1}{n(1-D(G(Z^i)))}", "wrong", "(1/(n*DX), -1/(n*(1-DG)))",
        "derivative with respect to D, not z")
    for s in [r"\frac{\partial}{\partial s_k}\left(-b s_y + \log\sum_j e^{s_j}\right) = \frac{e^{s_k}}{\sum_j e^{s_j}} - b\,\mathbb{1}[k=y]",
              r"\partial \mathcal{L}/\partial s_k = \frac{e^{s_k}}{\sum_{j} e^{s_j}} - b\,\mathbb{1}[k=y]",
              r"\nabla_{\mathbf{s}}\mathcal{L} = \operatorname{softmax}(\mathbf{s}) - b\,\mathbf{e}_y"]:
        add(f, U25, s, "correct", [UW25, UW25] if s.count("=") == 2 or s.startswith(r"\frac{\partial}") else UW25)
    for s in [r"\nabla_{\mathbf{x}} f = \mathbf{A}^\top\operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])\mathbf{w}",
              r"\frac{\partial f}{\partial \mathbf{x}} = \mathbf{A}^\top\left(\mathbf{w}\odot\mathbb{1}[\mathbf{A}\mathbf{x}>0]\right)",
              r"\frac{df}{d\mathbf{x}} = \left(\frac{\partial \max(\mathbf{A}\mathbf{x},0)}{\partial \mathbf{x}}\right)^\top\mathbf{w} = \mathbf{A}^\top\mathbf{Z}\mathbf{w},\ Z_{ii} = \mathbb{1}[(\mathbf{A}\mathbf{x})_i>0]"]:
        add(f, Q2, s, "correct", UCB2 if s.count("=") < 3 else [UCB2, UCB2])
    for s in [r"\frac{\partial}{\partial \mathbf{x}}\|\mathbf{W}\mathbf{x}-\mathbf{y}\|^2 = 2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})",
              r"\nabla_{\mathbf x}\,(\mathbf{W}\mathbf{x}-\mathbf{y})^\top(\mathbf{W}\mathbf{x}-\mathbf{y}) = 2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})",
              r"\partial L/\partial \mathbf{x} = 2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", r"\mathrm{d}L/\mathrm{d}x = 2W^\top(Wx-y)"]:
        add(f, N4X, s, "correct", GX)
    for s in [r"\nabla_{\mathbf W} \operatorname{tr}\left((\mathbf{W}\mathbf{x}-\mathbf{y})^\top(\mathbf{W}\mathbf{x}-\mathbf{y})\right) = 2(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top",
              r"\partial L/\partial \mathbf{W} = 2(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top", r"\frac{\mathrm{d}L}{\mathrm{d}W} = 2(Wx-y)x^T"]:
        add(f, N4W, s, "correct", GW)
    add(f, N4W, r"\partial L/\partial \mathbf{W} = 2\mathbf{x}(\mathbf{W}\mathbf{x}-\mathbf{y})^\top", "wrong", "2*x@(W@x-y).T", "the transpose (n x m)")
    for s in [r"\frac{\partial L}{\partial s_j} = \frac{d}{ds_j}\left[a\max(s_j-s_{y_i}+\Delta,0)^2\right] = 2a\max(s_j-s_{y_i}+\Delta,0) \text{ if } s_j\le s_{y_i}, \text{ else } b"]:
        add(f, UH, s, "correct", HUBER)
    for s in [r"b = \frac{d}{dt}\left[a(t+\Delta)^2\right]_{t=0} = 2a\Delta", r"b = \left.\frac{\partial}{\partial s_j} a(s_j - s_{y_i} + \Delta)^2\right|_{s_j = s_{y_i}} = 2a\Delta"]:
        add(f, UHC, s, "correct", [B2AD, B2AD])
    add(f, UHC, r"b = \frac{d}{dt}\left[a(t+\Delta)^2\right]_{t=0} = a\Delta", "wrong", [B2AD, "a*Delta"], "false last link")
    for s in [r"\frac{\partial \mathcal{L}_{ce}}{\partial p_2} = 0 \Rightarrow p_2 = 0.9", r"p_2 = y_2 = 1 - \alpha = 0.9"]:
        add(f, N6A, s, "correct", "0.9" if "Rightarrow" in s else ["0.9", "0.9", "0.9"])


# =================================================================================================
# matrix: pseudo-inverse, inverse transpose, trace, I and 1 without subscripts, sigma, odot, diag
# =================================================================================================
def matrix():
    f = "matrix"
    for s in [r"W = X^{+}Y", r"W = X^{\dagger}Y", r"W = \mathbf{X}^+\mathbf{Y}", r"\mathbf{W} = \mathbf{X}^{\dagger}\mathbf{Y}",
              r"W = (X^\top X)^{-1}X^\top Y = X^{+}Y", r"W = \operatorname{pinv}(X)\,Y", r"W = (X^{\mathsf T}X)^{-1}(X^{\mathsf T}Y)",
              r"W = \left(\mathbf{X}^{\intercal}\mathbf{X}\right)^{-1}\mathbf{X}^{\intercal}\mathbf{Y}", r"W = (X^\top X)^{-1}(Y^\top X)^\top"]:
        add(f, T28, s, "correct", LS if s.count("=") == 1 else [LS, "pinv(X)@Y"], "pseudo-inverse under full column rank" if ("+" in s or "dagger" in s or "pinv" in s) else None)
    for s, m in [(r"W = (X^\top X)^{-1}", "inv(X.T@X)"), (r"W = X^{+}Y^\top", "DIMENSION_ERROR"), (r"W = Y^{+}X", "pinv(Y)@X"),
                 (r"W = (X^\top X + I)^{-1}X^\top Y", "inv(X.T@X + eye(3))@X.T@Y"), (r"W = (X^\top X)^{\top}X^\top Y", "(X.T@X).T@X.T@Y")]:
        add(f, T28, s, "wrong", m, attempt="pinv(X)@Y.T" if m == "DIMENSION_ERROR" else None)
    add(f, T28, r"W = X^{-1}X^{-\top}X^{\top}Y", "wrong", "DIMENSION_ERROR", "X is not square: X^{-1} does not exist", attempt="inv(X)")
    for s in [r"\frac{n}{S^2}\left(S\mathbf{I} - \mathbf{x}\mathbf{1}^\top\right),\ S = \mathbf{1}^\top\mathbf{x}",
              r"\frac{n}{\mathbf{1}^\top\mathbf{x}}\left(\mathbf{I} - \frac{\mathbf{x}\mathbf{1}^\top}{\mathbf{1}^\top\mathbf{x}}\right)",
              r"n\,\frac{(\mathbf{1}^\top\mathbf{x})\mathbf{I}_n - \mathbf{x}\mathbf{1}^\top}{(\mathbf{1}^\top\mathbf{x})^2}",
              r"\frac{n}{\operatorname{tr}(\operatorname{diag}(\mathbf{x}))}\mathbf{I} - \frac{n\,\mathbf{x}\mathbf{1}^\top}{\operatorname{tr}(\operatorname{diag}(\mathbf{x}))^2}",
              r"\frac{n}{\mathbf{x}^\top\mathbf{1}}\mathbf{I}_n - \frac{n}{(\mathbf{x}^\top\mathbf{1})^2}\mathbf{x}\mathbf{1}^\top",
              r"\frac{n}{\mathbf{1}^\top\mathbf{x}}\left(\mathbf{I} - \frac{1}{\mathbf{1}^\top\mathbf{x}}\mathbf{x}\mathbf{1}^\top\right)"]:
        add(f, Q1, s, "correct", UCB1)
    for s, m in [(r"\frac{n}{\mathbf{1}^\top\mathbf{x}}\left(\mathbf{I} - \frac{\mathbf{1}\mathbf{x}^\top}{\mathbf{1}^\top\mathbf{x}}\right)", "n/x.sum()*(eye(n) - ones(n)@x.T/x.sum())"),
                 (r"\frac{n}{\mathbf{1}^\top\mathbf{x}}\left(\mathbf{I} - \frac{\mathbf{x}\mathbf{x}^\top}{\mathbf{1}^\top\mathbf{x}}\right)", "n/x.sum()*(eye(n) - x@x.T/x.sum())"),
                 (r"\frac{n}{\mathbf{1}^\top\mathbf{x}}\mathbf{I}", "n/x.sum()*eye(n)"),
                 (r"\frac{n}{\operatorname{tr}(\mathbf{x}\mathbf{x}^\top)}\left(\mathbf{I} - \frac{\mathbf{x}\mathbf{1}^\top}{\mathbf{1}^\top\mathbf{x}}\right)", "n/(x*x).sum()*(eye(n) - x@ones(n).T/x.sum())")]:
        add(f, Q1, s, "wrong", m)
    for s in [r"\mathbf{A}^\top\operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])\,\mathbf{w}", r"\mathbf{A}^\top\left(\mathbf{w}\odot H(\mathbf{A}\mathbf{x})\right),\ H \text{ the Heaviside step}",
              r"\mathbf{A}^\top\operatorname{diag}\left(\operatorname{sign}(\max(\mathbf{A}\mathbf{x},0))\right)\mathbf{w}", r"\mathbf{A}^{\top}\left(\mathbb{1}[\mathbf{A}\mathbf{x}>0]\odot\mathbf{w}\right)",
              r"\left(\operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])\,\mathbf{A}\right)^\top\mathbf{w}", r"\mathbf{A}^\top \mathbf{D}\mathbf{w},\ \mathbf{D} = \operatorname{diag}(\mathbf{1}\{\mathbf{A}\mathbf{x} > 0\})"]:
        add(f, Q2, s, "correct", UCB2)
    for s, m in [(r"\mathbf{A}^\top\operatorname{diag}(\sigma(\mathbf{A}\mathbf{x}))\,\mathbf{w}", "A.T@diag(sigmoid(A@x))@w"),
                 (r"\mathbf{A}^\top\left(\mathbf{w}\odot\max(\mathbf{A}\mathbf{x},0)\right)", "A.T@(w*relu(A@x))"),
                 (r"\mathbf{A}^\top\operatorname{diag}(\mathbf{w})\,\mathbb{1}[\mathbf{A}\mathbf{x}>0]", UCB2)]:
        add(f, Q2, s, "wrong" if m != UCB2 else "correct", m)
    for s in [r"2\mathbf{W}^{\intercal}(\mathbf{W}\mathbf{x}-\mathbf{y})", r"2(\mathbf{W}^\top\mathbf{W}\mathbf{x} - \mathbf{W}^\top\mathbf{y})",
              r"2\left(\mathbf{W}^\top\mathbf{W}\right)\mathbf{x} - 2\mathbf{W}^\top\mathbf{y}", r"2\,\mathbf{W}^\top\mathbf{I}(\mathbf{W}\mathbf{x}-\mathbf{y})"]:
        add(f, N4X, s, "correct", GX)
    for s in [r"2(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top", r"2\,(\mathbf{W}\mathbf{x}\mathbf{x}^\top - \mathbf{y}\mathbf{x}^\top)",
              r"2\left(\mathbf{x}(\mathbf{W}\mathbf{x}-\mathbf{y})^\top\right)^\top", r"2\,\mathbf{W}\mathbf{x}\mathbf{x}^\top - 2\,\mathbf{y}\mathbf{x}^\top"]:
        add(f, N4W, s, "correct", GW)
    add(f, N4W, r"2\,\mathbf{x}(\mathbf{W}\mathbf{x}-\mathbf{y})^\top", "wrong", "2*x@(W@x-y).T", "n x m, the transpose")
    add(f, N4W, r"2\operatorname{tr}\left((\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top\right)", "wrong", "2*np.trace((W@x-y)@x.T)", "a scalar")
    for s in [r"\mathrm{dout}\,\mathbf{W}^{\mathsf T}", r"\left(\mathbf{W}\,\mathrm{dout}^\top\right)^\top", r"\mathrm{dout}\,(\mathbf{W}^\top)", r"\text{dout}\cdot\mathbf{W}^{\top}"]:
        add(f, T23, s, "correct", DX)
    add(f, T23, r"\mathrm{dout}\,\mathbf{W}^{-1}", "wrong", "DIMENSION_ERROR", "W is D x M, not square", attempt="inv(W)")
    for s in [r"\nabla_{\mathbf w} J + \alpha\,\mathbf{1}\odot\operatorname{sign}(\mathbf w)", r"\nabla_{\mathbf w} J + \alpha\operatorname{diag}(\operatorname{sign}(\mathbf w))\mathbf{1}",
              r"\nabla_{\mathbf w} J + \alpha\,\operatorname{sign}(\mathbf{w})\odot\mathbf{1}"]:
        add(f, S4I, s, "correct", L1G)
    add(f, S4I, r"\nabla_{\mathbf w} J + \alpha\,\operatorname{diag}(\operatorname{sign}(\mathbf w))", "wrong", "gJ + alpha*diag(sign(w))", "a matrix")
    for s in [r"\operatorname{sign}(\mathbf{w}^*)\odot\max\left(|\mathbf{w}^*| - \alpha\mathbf{H}^{-1}\mathbf{1}, 0\right)",
              r"\operatorname{sign}(\mathbf{w}^*)\odot\left(|\mathbf{w}^*| - \alpha\,\operatorname{diag}(\mathbf{H})^{\odot -1}\right)_+"]:
        add(f, S4II, s, "correct", SOFT, "entrywise; H = diag(H_ii)")
    add(f, S4II, r"\operatorname{sign}(\mathbf{w}^*)\odot\max\left(|\mathbf{w}^*| - \alpha\mathbf{H}\mathbf{1}, 0\right)", "wrong",
        "sign(w_star)*maximum(abs(w_star)-alpha*H, 0)")
    for s in [r"\theta_{k+1} = \left((1-\alpha\lambda)\mathbf{I}\right)\theta_k - \alpha\nabla L(\theta_k)", r"\theta_{k+1} = (\mathbf{I} - \alpha\lambda\mathbf{I})\,\theta_k - \alpha\,\nabla L(\theta_k)"]:
        add(f, T24, s, "correct", "(1-alpha*lam)*eye(3)@theta - alpha*gL")
    for s in [r"\operatorname{softmax}(\mathbf{s}) - b\,\mathbf{e}_y", r"\frac{e^{\mathbf{s}}}{\mathbf{1}^\top e^{\mathbf{s}}} - b\,\mathbf{e}_y",
              r"\frac{\exp(\mathbf{s})}{\mathbf{1}^\top\exp(\mathbf{s})} - b\,\mathbf{1}_y", r"\sigma(\mathbf{s}) - b\,\mathbf{e}_{y},\ \sigma \text{ the softmax}"]:
        add(f, U25, s, "correct", UW25)
    add(f, U25, r"\sigma(\mathbf{s}) - b\,\mathbf{e}_{y}", "wrong", "sigmoid(s) - b*onehot(y,K)", "sigma unqualified is the logistic sigmoid")
    add(f, U25, r"\operatorname{softmax}(\mathbf{s}) - b\,\mathbf{1}", "wrong", "softmax(s) - b*ones(K)", "all-ones for the one-hot")
    for s in [r"-\frac{1}{K}\mathbf{1}^\top\mathbf{z} + \log(\mathbf{1}^\top e^{\mathbf{z}})", r"-\frac{1}{K}\mathbf{1}^\top\log\operatorname{softmax}(\mathbf{z})",
              r"\log\left(\mathbf{1}^\top\exp(\mathbf{z})\right) - \frac{\mathbf{1}^\top\mathbf{z}}{K}"]:
        add(f, Q3, s, "correct", UCB3)
    add(f, Q3, r"-\frac{1}{K}\mathbf{1}^\top\operatorname{softmax}(\mathbf{z})", "wrong", "-softmax(z).sum()/K", "log missing: equals -1/K")
    for s in [r"\log\left(\mathbf{1}^\top e^{\mathbf{s} - s_{y_i}\mathbf{1}}\right)", r"\log\left(\mathbf{1}^\top\exp(\mathbf{s}-s_{y_i}\mathbf{1})\right)"]:
        add(f, US1, s, "correct", SH1, "the j = y_i term is e^0 = 1")
    add(f, US2, r"\log\left(\mathbf{1}^\top e^{\mathbf{s} - s_{y_i}\mathbf{1} + \Delta(\mathbf{1}-\mathbf{e}_{y_i})}\right)", "correct", SH2)
    add(f, US2, r"\log\left(\mathbf{1}^\top e^{\mathbf{s} - s_{y_i}\mathbf{1} + \Delta\mathbf{1}}\right)", "wrong", "log(exp(s - s[y,0] + Delta).sum())")
    for s in [r"\text{real: } \frac{1}{n}\left(1-\sigma(z_d^{L_d})\right),\ \text{generated: } -\frac{1}{n}\sigma(z_d^{L_d})"]:
        add(f, S5, s, "correct", "((1-sigmoid(zr))/n, -sigmoid(zf)/n)", "z is that sample's logit")
    add(f, S5, r"\text{real: } \frac{1}{n}\sigma'(z_d^{L_d}),\ \text{generated: } -\frac{1}{n}\sigma'(z_d^{L_d})", "wrong",
        "(sigmoid(zr)*(1-sigmoid(zr))/n, -sigmoid(zf)*(1-sigmoid(zf))/n)")


# =================================================================================================
# cases: piecewise answers
# =================================================================================================
def cases():
    f = "cases"
    H = []
    for cond_le, other in [(r"\text{if } s_j \le s_{y_i}", r"\text{otherwise}"), (r"\text{if } s_j \leq s_{y_i}", r"\text{else}"),
                           (r"s_j \le s_{y_i}", r"s_j > s_{y_i}"), (r"\text{if } s_j - s_{y_i} \le 0", r"\text{if } s_j - s_{y_i} > 0"),
                           (r"\text{when } s_j \text{ is at most } s_{y_i}", r"\text{when } s_j \text{ exceeds } s_{y_i}")]:
        for comma in ["", ","]:
            H.append(r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0)" + comma + r" & " + cond_le + r" \\ b" + comma + r" & " + other + r" \end{cases}")
    for s in H:
        add(f, UH, s, "correct", HUBER)
    for s in [r"\frac{\partial L}{\partial s_j} = \begin{cases} 0, & s_j < s_{y_i} - \Delta, \\ 2a(s_j - s_{y_i} + \Delta), & s_{y_i} - \Delta \le s_j \le s_{y_i}, \\ b, & s_j > s_{y_i}. \end{cases}",
              r"\begin{cases} 0 & \text{if } s_j - s_{y_i} + \Delta \le 0 \\ 2a(s_j - s_{y_i} + \Delta) & \text{if } -\Delta < s_j - s_{y_i} \le 0 \\ b & \text{otherwise} \end{cases}",
              r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j < s_{y_i} \\ b & s_j \ge s_{y_i} \end{cases}",
              r"\left\{\begin{array}{ll} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\ b & \text{otherwise} \end{array}\right."]:
        add(f, UH, s, "correct", HUBER)
    wrongs = [
        (r"\begin{cases} a\max(s_j - s_{y_i} + \Delta, 0) & \text{if } s_j \le s_{y_i} \\ b & \text{otherwise} \end{cases}", "(a*max(s_j-s_y+Delta,0) if s_j<=s_y else b)", "factor 2 dropped"),
        (r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0)^2 & \text{if } s_j \le s_{y_i} \\ b & \text{otherwise} \end{cases}", "(2*a*max(s_j-s_y+Delta,0)**2 if s_j<=s_y else b)", None),
        (r"\begin{cases} b & \text{if } s_j \le s_{y_i} \\ 2a\max(s_j - s_{y_i} + \Delta, 0) & \text{otherwise} \end{cases}", "(b if s_j<=s_y else 2*a*max(s_j-s_y+Delta,0))", "pieces swapped"),
        (r"\begin{cases} 2a(s_j - s_{y_i} + \Delta) & \text{if } s_j \le s_{y_i} \\ b & \text{otherwise} \end{cases}", "(2*a*(s_j-s_y+Delta) if s_j<=s_y else b)", "max dropped"),
        (r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & \text{if } s_j \le s_{y_i} \\ b(s_j - s_{y_i} + 0.5\Delta) & \text{otherwise} \end{cases}", "(2*a*max(s_j-s_y+Delta,0) if s_j<=s_y else b*(s_j-s_y+0.5*Delta))", "the loss, not its derivative"),
        (r"\begin{cases} -2a\max(s_{y_i} - s_j - \Delta, 0) & \text{if } s_j \le s_{y_i} \\ b & \text{otherwise} \end{cases}", "(-2*a*max(s_y-s_j-Delta,0) if s_j<=s_y else b)", None),
        (r"\begin{cases} 2a\max(s_j - s_{y_i} - \Delta, 0) & \text{if } s_j \le s_{y_i} \\ b & \text{otherwise} \end{cases}", "(2*a*max(s_j-s_y-Delta,0) if s_j<=s_y else b)", None),
        (r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & \text{if } s_j \le s_{y_i} \\ -b & \text{otherwise} \end{cases}", "(2*a*max(s_j-s_y+Delta,0) if s_j<=s_y else -b)", None),
        (r"\begin{cases} 0 & s_j < s_{y_i} - \Delta \\ 2a(s_j - s_{y_i} + \Delta) & s_{y_i} - \Delta \le s_j \le s_{y_i} \\ 2a\Delta & s_j > s_{y_i} \end{cases}", "(2*a*max(s_j-s_y+Delta,0) if s_j<=s_y else 2*a*Delta)", "b replaced by 2 a Delta: equal only under the 3.6.1.2 constraint"),
    ]
    for s, m, note in wrongs:
        add(f, UH, s, "wrong", m, note)
    add(f, UH, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) \\ b \end{cases}", "unreadable", note="no conditions: which piece applies is not said")
    add(f, UH, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & \text{if } s_j \le s_{y_i} \\ b & \text{otherwise}", "unreadable", note="cases never closed")
    SC = "where(w_star > alpha/H, w_star - alpha/H, where(w_star < -alpha/H, w_star + alpha/H, 0.0))"
    for s in [r"w_i = \begin{cases} w_i^* - \frac{\alpha}{H_{i,i}} & w_i^* > \frac{\alpha}{H_{i,i}} \\ 0 & |w_i^*| \le \frac{\alpha}{H_{i,i}} \\ w_i^* + \frac{\alpha}{H_{i,i}} & w_i^* < -\frac{\alpha}{H_{i,i}} \end{cases}",
              r"w_i = \begin{cases} w_i^* - \frac{\alpha}{H_{i,i}}, & \text{if } w_i^* > \frac{\alpha}{H_{i,i}}, \\ w_i^* + \frac{\alpha}{H_{i,i}}, & \text{if } w_i^* < -\frac{\alpha}{H_{i,i}}, \\ 0, & \text{otherwise.} \end{cases}",
              r"\begin{cases} \operatorname{sign}(w_i^*)\left(|w_i^*| - \frac{\alpha}{H_{i,i}}\right) & |w_i^*| > \alpha/H_{i,i} \\ 0 & \text{else} \end{cases}",
              r"\begin{cases} 0 & \text{if } H_{i,i}|w_i^*| \le \alpha \\ w_i^* - \operatorname{sign}(w_i^*)\frac{\alpha}{H_{i,i}} & \text{otherwise} \end{cases}"]:
        add(f, S4II, s, "correct", SC)
    for s, m, note in [
        (r"w_i = \begin{cases} w_i^* - \frac{\alpha}{H_{i,i}} & w_i^* > 0 \\ w_i^* + \frac{\alpha}{H_{i,i}} & w_i^* < 0 \end{cases}", "where(w_star > 0, w_star - alpha/H, w_star + alpha/H)", "no dead zone"),
        (r"w_i = \begin{cases} w_i^* + \frac{\alpha}{H_{i,i}} & w_i^* > \frac{\alpha}{H_{i,i}} \\ 0 & \text{otherwise} \end{cases}", "where(w_star > alpha/H, w_star + alpha/H, 0.0)", None),
        (r"w_i = \begin{cases} w_i^* - \frac{\alpha}{H_{i,i}} & w_i^* > \frac{\alpha}{H_{i,i}} \\ w_i^* & \text{otherwise} \end{cases}", "where(w_star > alpha/H, w_star - alpha/H, w_star)", None),
        (r"w_i = \begin{cases} w_i^* - \alpha H_{i,i} & w_i^* > \alpha H_{i,i} \\ 0 & |w_i^*| \le \alpha H_{i,i} \\ w_i^* + \alpha H_{i,i} & w_i^* < -\alpha H_{i,i} \end{cases}", "where(w_star > alpha*H, w_star - alpha*H, where(w_star < -alpha*H, w_star + alpha*H, 0.0))", "H multiplies")]:
        add(f, S4II, s, "wrong", m, note)
    for s in [r"\nabla_{\mathbf w} J + \alpha\,\mathbf{s},\ s_i = \begin{cases} 1 & w_i > 0 \\ -1 & w_i < 0 \\ 0 & w_i = 0 \end{cases}",
              r"\nabla_{\mathbf w} J + \alpha\mathbf{s},\ \text{where } s_i = \begin{cases} 1, & w_i > 0, \\ -1, & \text{otherwise} \end{cases}",
              r"\frac{\partial \tilde J}{\partial w_i} = \frac{\partial J}{\partial w_i} + \begin{cases} \alpha & w_i > 0 \\ -\alpha & w_i < 0 \\ [-\alpha, \alpha] & w_i = 0 \end{cases}"]:
        add(f, S4I, s, "correct", L1G, "no w_i = 0 at the points" if "otherwise" in s else None)
    add(f, S4I, r"\nabla_{\mathbf w} J + \alpha\mathbf{s},\ s_i = \begin{cases} 1 & w_i > 0 \\ 0 & \text{otherwise} \end{cases}", "wrong", "gJ + alpha*(w>0)")
    for s in [r"\frac{\partial f}{\partial x_j} = \sum_{i=1}^k w_i A_{ij} z_i,\quad z_i = \begin{cases} 1, & (\mathbf{A}\mathbf{x})_i > 0, \\ 0, & \text{else} \end{cases}",
              r"\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ Z_{ii} = \begin{cases} 1 & (\mathbf{A}\mathbf{x})_i > 0 \\ 0 & (\mathbf{A}\mathbf{x})_i \le 0 \end{cases},\ Z_{ij} = 0 \ (i \ne j)"]:
        add(f, Q2, s, "correct", UCB2)
    add(f, Q2, r"\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ Z_{ii} = \begin{cases} 1 & (\mathbf{A}\mathbf{x})_i > 0 \\ -1 & \text{otherwise} \end{cases}", "wrong",
        "A.T@diag(sign(A@x))@w")
    for s in [r"\frac{\partial \mathcal{L}}{\partial s_k} = \begin{cases} \frac{e^{s_k}}{\sum_j e^{s_j}} - b, & k = y \\ \frac{e^{s_k}}{\sum_j e^{s_j}}, & k \ne y \end{cases}",
              r"\begin{cases} \frac{e^{s_y}}{\sum_{j=1}^K e^{s_j}} - b & \text{if } k = y \\ \frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} & \text{otherwise} \end{cases}"]:
        add(f, U25, s, "correct", UW25)
    for s, m in [(r"\begin{cases} \frac{e^{s_k}}{\sum_j e^{s_j}} & k = y \\ \frac{e^{s_k}}{\sum_j e^{s_j}} - b & k \ne y \end{cases}", "softmax(s) - b*(1-onehot(y,K))"),
                 (r"\begin{cases} \frac{e^{s_k}}{\sum_j e^{s_j}} - 1 & k = y \\ \frac{e^{s_k}}{\sum_j e^{s_j}} & k \ne y \end{cases}", "softmax(s) - onehot(y,K)"),
                 (r"\begin{cases} 1 - b & k = y \\ \frac{e^{s_k}}{\sum_j e^{s_j}} & k \ne y \end{cases}", "where(onehot(y,K) > 0, 1 - b, softmax(s))")]:
        add(f, U25, s, "wrong", m)
    for s in [r"\frac{\partial L}{\partial z_d^{L_d}} = \begin{cases} \frac{1}{n}(1-D(X^i)) & \text{real sample } X^i \\ -\frac{1}{n}D(G(Z^i)) & \text{generated sample } G(Z^i) \end{cases}",
              r"\begin{cases} \frac{1 - D(X^i)}{n}, & \text{input is real,} \\ -\frac{D(G(Z^i))}{n}, & \text{input is generated.} \end{cases}"]:
        add(f, S5, s, "correct", GAN)
    add(f, S5, r"\begin{cases} -\frac{1}{n}D(X^i) & \text{real} \\ \frac{1}{n}(1 - D(G(Z^i))) & \text{generated} \end{cases}", "wrong", "(-DX/n, (1-DG)/n)")
    add(f, T87, r"w_{k+1} = \begin{cases} w_k - \frac{f'(w_k)}{f''(w_k)} & f''(w_k) \ne 0 \\ \text{undefined} & \text{otherwise} \end{cases}", "correct", NEWTON,
        "the points have f'' != 0")
    add(f, N3B, r"w_i^{(\text{updated})} = \begin{cases} 0.98\,w_i & \text{for every } i \end{cases}", "correct", WD)
    add(f, Q10, r"\begin{cases} d^{L+1} & L \ge 0 \end{cases}", "correct", VAR)
    add(f, Q10, r"\begin{cases} d & L = 0 \\ d^{2L} & L \ge 1 \end{cases}", "wrong", "(d if L == 0 else d**(2*L))")


# =================================================================================================
# tex_semantics: what the TeX typesets, not what a careless reader guesses
# =================================================================================================
def tex_semantics():
    f = "tex_semantics"
    C, W = "correct", "wrong"
    rows = [
        (T73, r"2 3", W, "23", "math mode drops the space: typesets 23"),
        (T73, r"3 2", W, "32", "typesets 32"),
        (T73, r"2\cdot3", C, "6", None),
        (T73, r"{2}{3}", W, "23", "two groups side by side typeset 23"),
        (N5C, r"200\,000\,100", C, "200000100", "thin spaces as thousands separators"),
        (N5C, r"200\ 000\ 100", C, "200000100", "control spaces as separators"),
        (N5C, r"200{,}000{,}100", C, "200000100", "braced commas: thousands separators"),
        (N5C, r"200 000 100", C, "200000100", "spaces vanish in math mode"),
        (N5C, r"2\times10^80+100", W, "2*10**8*0+100", "10^80 is 10^8 followed by 0"),
        (N5C, r"2\times10^{8}0 + 100", W, "2*10**8*0+100", "10^{8}0 is 10^8 times 0"),
        (N5C, r"2\cdot10^{8}+10^{2}", C, "200000100", None),
        (T43, r"7 8 4", C, "784", "typesets 784"),
        (T43, r"16 \cdot 7 7", W, "16*77", "7 7 typesets 77"),
        (T43, r"16\cdot7^2", C, "784", None),
        (T43, r"16\cdot 7^22", W, "16*7**2*2", "7^22 is 7^2 followed by 2"),
        (T13, r"3 3", C, "33", "typesets 33"),
        (T13, r"3^3", W, "27", None),
        (S3IP, r"1\,792", C, "1792", None),
        (S3IP, r"17 92", C, "1792", "typesets 1792"),
        (S3IP, r"1{,}792", C, "1792", None),
        (S3IIP, r"16(5^23+1)", C, "16*(5**2*3+1)", "5^23 typesets 5^2 followed by 3: 16(25*3+1) = 1216"),
        (S3IIP, r"16(5^2 3+1)", C, "16*(5**2*3+1)", None),
        (S3IIP, r"16(5^{23}+1)", W, "16*(5**23+1)", None),
        (Q10, r"d^L+1", W, "d**L+1", "only L is in the exponent"),
        (Q10, r"d^{L}+1", W, "d**L+1", None),
        (Q10, r"d^{L+1}", C, VAR, None),
        (Q10, r"d^L\cdot d", C, VAR, None),
        (Q10, r"d^L1", W, "d**L*1", "d^L followed by 1"),
        (U32, r"\sqrt2-2D_C", W, "sqrt(2)-2*D_C", "the root covers only the 2"),
        (U32, r"\sqrt 2\sqrt{1-D_C}", C, UW32, None),
        (U32, r"(2-2D_C)^12", W, "(2-2*D_C)*2", "^12 is ^1 followed by 2"),
        (U32, r"(2-2D_C)^\frac12", C, UW32, "\\frac12 is one superscript argument"),
        (U32, r"(2-2D_C)^{\frac12}", C, UW32, None),
        (U32, r"\sqrt{2-2d_C}", W, "sqrt(2-2*d_C)", "d_C is not the given D_C"),
        (UHC, r"b = 2a\delta", W, "2*a*delta", "delta is not Delta"),
        (UHC, r"b=2a\Delta", C, B2AD, None),
        (UHC, r"b = 2A\Delta", W, "2*A*Delta", "A is not a"),
        (US2, r"\log\left(1+\sum_{j\ne y_i}e^{s_j-s_{y_i}+\delta}\right)", W, "log(1+exp(others(s,y)-s[y,0]+delta).sum())",
         "delta is not the margin Delta"),
        (US2, r"\log\left(1+\sum_{j\ne y_i}e^{s_j-s_{y_i}}+\Delta\right)", W, "log(1+exp(others(s,y)-s[y,0]).sum()+Delta)", "Delta outside the exponent"),
        (US1, r"\log\left(1+\sum_{j\ne y_i}e^{s_j}-s_{y_i}\right)", W, "log(1+exp(others(s,y)).sum()-s[y,0])", "s_{y_i} outside the exponent"),
        (US1, r"\log\left(1+\sum_{j\ne y_i}e^{s_j-s_{y_i}}\right)", C, SH1, None),
        (UH, r"\begin{cases} 2a\max(s_j - s_{y_i} + \delta, 0) & s_j \le s_{y_i} \\ b & \text{otherwise} \end{cases}", W,
         "(2*a*max(s_j-s_y+delta,0) if s_j<=s_y else b)", "delta is not Delta"),
        (N4X, r"2w^\top(wx-y)", W, "2*w.T@(w@x-y)", "w is not W"),
        (N4X, r"2W^\top(Wx-Y)", W, "2*W.T@(W@x-Y)", "Y is not y"),
        (N4X, r"2W^\top(WX-y)", W, "2*W.T@(W@X-y)", "X is not x"),
        (N4X, r"2\mathbf{W}^\top(\mathbf{W}x-\mathbf{y})", C, GX, "bold and plain x are the same symbol here"),
        (N4X, r"2W^{T}(Wx-y)", C, GX, None),
        (N4X, r"2W^{-1}(Wx-y)", W, "DIMENSION_ERROR", "W^{-1} of a non-square W"),
        (N4W, r"2(wx-y)x^\top", W, "2*(w@x-y)@x.T", "w is not W"),
        (N4W, r"2(Wx-y)X^\top", W, "2*(W@x-y)@X.T", "X is not x"),
        (N4W, r"2(Wx-y)x^{T}", C, GW, None),
        (N4W, r"2(Wx-y)x^T_", W, None, None),
        (T24, r"\theta_{k+1} = (1-\alpha\Lambda)\theta_k - \alpha\nabla L(\theta_k)", W, "(1-alpha*Lam)*theta - alpha*gL", "Lambda is not lambda"),
        (N6B, r"\lg 9", W, "log(9)/log(10)", "\\lg is the base-10 (or base-2) log"),
        (N6B, r"\log_2 9", W, "log(9)/log(2)", None),
        (N6B, r"\ln9", C, "log(9)", None),
        (N6B, r"\ln{9}", C, "log(9)", None),
        (N6B, r"ln 9", C, "log(9)", "italic ln still reads as ln 9"),
        (N6B, r"e^{\ln 9}", W, "9", None),
        (N6B, r"\ln 9^2", W, "log(81)", "ln of 81"),
        (N6B, r"\ln 3^2", C, "log(9)", "ln(3^2) = ln 9"),
        (N6B, r"\ln 3 2", W, "log(32)", "3 2 typesets 32"),
        (N6A, r".9", C, "0.9", None),
        (N6A, r"\frac9{10}", C, "0.9", None),
        (N6A, r"0.9^2", W, "0.81", None),
        (N3B, r".98w_i", C, WD, None),
        (N3B, r"0.98^{w_i}", W, "0.98**w", "exponent, not product"),
        (N3B, r"0.9 8w_i", C, WD, "typesets 0.98w_i"),
        (N3B, r"0.98W_i", W, "0.98*W_i", "W_i is not w_i"),
        (T63, r"(1{,}5;\ -0{,}65)", C, "(1.5, -0.65)", "decimal commas, semicolon separator"),
        (T63, r"(1.5, -.65)", C, "(1.5, -0.65)", None),
        (T63, r"(1.5, -0.6 5)", C, "(1.5, -0.65)", "typesets -0.65"),
        (T63, r"(15, -065)", W, "(15, -65)", None),
        (T61, r"(2,0)", C, "(2, 0)", None),
        (T61, r"(20)", W, "20", "one number, 20"),
        (S61, r"oC(9\,iC+9)", C, ATT, None),
        (Q7, r"\frac12\alpha_0\left(1+\cos\frac{\pi i}N\right)", C, UCB7, None),
        (Q7, r"\frac\pi N", W, "pi/N", None),
        (Q7, r"\alpha_0\frac{1}{2}(1+\cos\frac\pi Ni)", C, UCB7, "\\frac\\pi N i = (pi/N) i"),
        (Q7, r"\alpha_0\frac{1}{2}(1+\cos^2\frac{\pi i}{N})", W, "alpha0*0.5*(1+cos(pi*i/N)**2)", None),
        (S4I, r"\nabla_w J+\alpha\,sign(w)", C, L1G, "italic sign still reads as sign"),
        (S4I, r"\nabla_w J+\alpha\,\operatorname{sign}(W)", W, "gJ + alpha*sign(W)", "W is not w"),
        (S4II, r"sign(w_i^*)\max(|w_i^*|-\frac{\alpha}{H_{i,i}},0)", C, SOFT, None),
        (S4II, r"\operatorname{sign}(w_i)\max(|w_i|-\frac{\alpha}{H_{i,i}},0)", W, "sign(w)*maximum(abs(w)-alpha/H, 0)", "w_i (the unknown) in place of w_i^*"),
    ]
    for qq, s, lab, m, note in rows:
        if lab == W and m is None:
            add(f, qq, s, "unreadable", None, "dangling subscript")
        elif m == "DIMENSION_ERROR":
            add(f, qq, s, lab, m, note, attempt="inv(W)")
        else:
            add(f, qq, s, lab, m, note)


# =================================================================================================
# dimension_errors: well-formed, dimensionally inconsistent answers (m=4 != n=3, N=2, D=4, M=3 ...)
# =================================================================================================
def dimension_errors():
    f = "dimension_errors"
    rows = [
        (N4X, r"2W(Wx-y)", "2*W@(W@x-y)"), (N4X, r"2\mathbf{W}(\mathbf{W}\mathbf{x}-\mathbf{y})", "2*W@(W@x-y)"),
        (N4X, r"2(Wx-y)W^\top", "2*(W@x-y)@W.T"), (N4X, r"2W^\top(W^\top x - y)", "2*W.T@(W.T@x-y)"),
        (N4X, r"2(Wx-y)^\top W^\top", "2*(W@x-y).T@W.T"), (N4X, r"2W^\top(xW-y)", "2*W.T@(x@W-y)"),
        (N4X, r"2\,\mathbf{x}^\top\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{W}", "2*x.T@W.T@(W@x-y)@W"),
        (N4W, r"2x^\top(Wx-y)", "2*x.T@(W@x-y)"), (N4W, r"2(Wx-y)x", "2*(W@x-y)@x"), (N4W, r"2x(Wx-y)", "2*x@(W@x-y)"),
        (N4W, r"2(\mathbf{W}\mathbf{x}-\mathbf{y})^\top\mathbf{x}", "2*(W@x-y).T@x"), (N4W, r"2(Wx - y^\top)x^\top", "sub(W@x, y.T)"),
        (N4W, r"2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}", "2*W.T@(W@x-y)@x"),
        (T23, r"W^\top\,\mathrm{dout}", "W.T@dout"), (T23, r"\mathrm{dout}\,W", "dout@W"), (T23, r"W\,\mathrm{dout}", "W@dout"),
        (T23, r"\mathrm{dout}^\top W^\top", "dout.T@W.T"), (T23, r"\frac{\partial L}{\partial Y}\,\mathbf{W}", "dout@W"),
        (T23, r"\mathbf{X}\,\mathrm{dout}\,\mathbf{W}^\top", "X@dout@W.T"),
        (T28, r"W = (XX^\top)^{-1}X^\top Y", "inv(X@X.T)@X.T@Y"), (T28, r"W = X^{-1}Y", "inv(X)@Y"), (T28, r"W = (X^\top X)^{-1}Y", "inv(X.T@X)@Y"),
        (T28, r"W = YX^\top(XX^\top)^{-1}", "Y@X.T@inv(X@X.T)"), (T28, r"W = (X^\top X)^{-1}XY", "inv(X.T@X)@X@Y"),
        (T28, r"\mathbf{W} = \mathbf{Y}^\top\mathbf{X}(\mathbf{X}^\top\mathbf{X})^{-1}", "Y@X@inv(X.T@X)"),
        (Q2, r"\mathbf{A}\mathbf{Z}\mathbf{w}", "A@diag(A@x>0)@w"), (Q2, r"\mathbf{Z}\mathbf{A}^\top\mathbf{w}", "diag(A@x>0)@A.T@w"),
        (Q2, r"\mathbf{A}^\top\mathbf{w}\mathbf{Z}", "A.T@w@diag(A@x>0)"), (Q2, r"\mathbf{A}\,(\mathbf{w}\odot\mathbb{1}[\mathbf{A}\mathbf{x}>0])", "A@(w*(A@x>0))"),
        (Q2, r"\mathbf{A}^\top\operatorname{diag}(\mathbb{1}[\mathbf{x}>0])\,\mathbf{w}", "A.T@diag(x>0)@w"),
        (Q2, r"\operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])\,\mathbf{A}^\top\mathbf{w}", "diag(A@x>0)@A.T@w"),
        (Q2, r"\mathbf{A}^\top\mathbf{Z}\mathbf{w}^\top", "A.T@diag(A@x>0)@w.T"),
        (T24, r"\theta_{k+1} = (1-\alpha\lambda)\theta_k - \alpha\nabla L(\theta_k)^\top", "(1-alpha*lam)*theta - alpha*gL.T"),
        (T24, r"\theta_{k+1} = (1-\alpha\lambda)\theta_k^\top - \alpha\nabla L(\theta_k)", "(1-alpha*lam)*theta.T - alpha*gL"),
        (T24, r"\theta_{k+1} = \theta_k - \alpha\nabla L(\theta_k)\,\theta_k", "theta - alpha*gL@theta"),
        (S4I, r"\nabla_{\mathbf w} J + \alpha\,\operatorname{sign}(\mathbf w)^\top", "add(gJ, alpha*sign(w).T)"),
        (S4I, r"\nabla_{\mathbf w} J^\top + \alpha\,\operatorname{sign}(\mathbf w)", "add(gJ.T, alpha*sign(w))"),
        (S4I, r"\nabla_{\mathbf w} J\,\alpha\,\operatorname{sign}(\mathbf w)", "gJ@(alpha*sign(w))"),
        (Q1, r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{x}^\top\mathbf{1}_n\right)", "sub(eye(n)*x.sum(), x.T@ones(n))"),
        (Q1, r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{x}\right)", "sub(eye(n)*x.sum(), x)"),
        (Q1, r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{1}_n^\top\mathbf{x}\mathbf{1}_n\right)", "sub(eye(n)*x.sum(), ones(n).T@x@ones(n).T)"),
        (U25, r"\operatorname{softmax}(\mathbf{s}) - b\,\mathbf{e}_y^\top", "sub(softmax(s), b*onehot(y,K).T)"),
        (US1, r"\log\left(1+\sum_{j\ne y_i} e^{\mathbf{s}-s_{y_i}}\right)^\top\mathbf{1}", "log(1+exp(others(s,y)-s[y,0]).sum())@ones(C).T@ones(C)@ones(C)"),
    ]
    for qq, s, attempt in rows:
        add(f, qq, s, "wrong", "DIMENSION_ERROR", "shapes do not conform", attempt=attempt)
    # well-formed but of the wrong shape (computable, so given a numeric meaning)
    for qq, s, m, note in [
        (N4X, r"2(\mathbf{W}\mathbf{x}-\mathbf{y})^\top\mathbf{W}", "2*(W@x-y).T@W", "a row vector; the gradient has the shape of x"),
        (N4X, r"2(Wx-y)^T W", "2*(W@x-y).T@W", "a row vector"),
        (N4W, r"2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top", "2*W.T@(W@x-y)@x.T", "n x n, not m x n"),
        (T23, r"\mathbf{X}^\top\mathbf{X}\,\mathbf{W}\,\mathrm{dout}^\top", "X.T@X@W@dout.T", "D x N"),
        (T23, r"\mathbf{W}^\top\mathbf{X}^\top", "W.T@X.T", "M x N"),
        (Q2, r"\mathbf{w}^\top\mathbf{Z}\mathbf{A}", "w.T@diag(A@x>0)@A", "a row vector"),
        (Q1, r"\frac{n}{\sum_i x_i}\mathbf{1}_n - \frac{n\,\mathbf{x}}{(\sum_i x_i)^2}", "n/x.sum()*ones(n) - n*x/x.sum()**2", "a vector, not the n x n Jacobian"),
        (Q3, r"-\frac{1}{K}\mathbf{z} + \log\sum_i e^{z_i}", "-z/K + log(exp(z).sum())", "a vector for a scalar"),
        (S4II, r"\operatorname{sign}(\mathbf{w}^*)^\top\max(|\mathbf{w}^*| - \alpha/H_{i,i}, 0)", "sign(w_star).T@maximum(abs(w_star)-alpha/H, 0)", "a scalar"),
        (T28, r"W = X(X^\top X)^{-1}X^\top Y", "X@inv(X.T@X)@X.T@Y", "n x p: the fitted values, not W"),
        (U25, r"\operatorname{softmax}(\mathbf{s})^\top - b\,\mathbf{e}_y^\top", "softmax(s).T - b*onehot(y,K).T", "a row vector"),
        (S4I, r"\left(\nabla_{\mathbf w} J + \alpha\,\operatorname{sign}(\mathbf w)\right)^\top", "(gJ + alpha*sign(w)).T", "a row vector"),
    ]:
        add(f, qq, s, "wrong", m, note)
    add(f, N4X, r"2W^\top(Wx-y", "unreadable", None, "unbalanced parenthesis")
    add(f, T23, r"\mathrm{dout}\,W^{", "unreadable", None, "unclosed superscript")


# =================================================================================================
# model_responses: whole responses; latex is the final answer to extract
# =================================================================================================
RESP_CORRECT = [
    (N4X, r"2W^\top(Wx - y)", GX, r"Let $r = Wx - y$, so $L = r^\top r$. Then $dL = 2r^\top dr = 2r^\top W\,dx$, hence the gradient with respect to $x$ is $W^\top$ applied to $2r$."),
    (N4W, r"2(Wx - y)x^\top", GW, r"With $r = Wx - y$ we have $dL = 2 r^\top (dW) x = \operatorname{tr}(2 x r^\top dW)$, so the gradient is the transpose of $2xr^\top$."),
    (T23, r"\mathrm{dout}\, W^\top", DX, r"Since $Y = XW + b$, each entry $Y_{nm} = \sum_d X_{nd}W_{dm} + b_m$, so $\partial L/\partial X_{nd} = \sum_m \mathrm{dout}_{nm} W_{dm}$. Its shape is $N \times D$."),
    (Q1, r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n \sum_i x_i - \mathbf{x}\mathbf{1}_n^\top\right)", UCB1, r"Write $S = \sum_i x_i$. Then $f_i = n x_i / S$ and $\partial f_i/\partial x_j = n(\delta_{ij} S - x_i)/S^2$. In matrix form this is option D."),
    (Q2, r"\mathbf{A}^\top\mathbf{Z}\mathbf{w}", UCB2, r"The ReLU passes gradient only where $(Ax)_i > 0$. Let $Z = \operatorname{diag}(\mathbb{1}[(Ax)_i > 0])$; by the chain rule $\nabla_x f = A^\top Z w$."),
    (Q3, r"H(U;p)", UCB3, r"Note $-\log p_i = -z_i + \log\sum_j e^{z_j}$. Averaging over $i$ uniformly gives exactly the given loss, which is the cross-entropy of $p$ relative to $U$."),
    (Q7, r"\frac{\alpha_0}{2}\left(1+\cos\frac{\pi i}{N}\right)", UCB7, r"At $i = 0$ we need $\alpha_0$, at $i = N$ we need $0$. The blanks are $\frac12$, $1$, $\cos$, $\pi$."),
    (Q9B, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}", BN_B, r"Since $y_i = \gamma\hat x_i + \beta$, $\partial y_i/\partial\beta = 1$ for every $i$."),
    (Q9G, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\hat x_i", BN_G, r"Since $y_i = \gamma\hat x_i + \beta$, $\partial y_i/\partial\gamma = \hat x_i$."),
    (Q10, r"d^{L+1}", VAR, "Each linear layer sums $d$ independent terms with unit-variance weights, multiplying the variance by $d$. There are $L+1$ weight matrices."),
    (Q12, r"4", r"4", r"A $1\times1$ filter over 3 input channels has 3 weights, plus one bias."),
    (U25, r"\frac{e^{s_k}}{\sum_j e^{s_j}} - b\,\mathbb{1}[k=y]", UW25, r"Expand: $\mathcal{L} = -\log a - b s_y + \log\sum_j e^{s_j} + c$. Differentiate with respect to $s_k$."),
    (U32, r"\sqrt{2-2D_C}", UW32, r"For unit vectors $\|x - y\|^2 = \|x\|^2 + \|y\|^2 - 2x^\top y = 2 - 2D_C$."),
    (UH, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\ b & \text{otherwise} \end{cases}", HUBER, "Only $L_j$ depends on $s_j$. Differentiate each piece."),
    (UHC, r"b = 2a\Delta", B2AD, r"At $s_j = s_{y_i}$ the slopes are $2a\Delta$ from the left and $b$ from the right; the values $a\Delta^2$ and $0.5 b\Delta$ then agree too."),
    (US1, r"\log\left(1+\sum_{j\neq y_i} e^{s_j - s_{y_i}}\right)", SH1, r"Apply relaxation (2) to the set $\{0\} \cup \{s_j - s_{y_i}\}_{j \ne y_i}$."),
    (US2, r"\log\left(1+\sum_{j\neq y_i} e^{s_j - s_{y_i} + \Delta}\right)", SH2, r"Same relaxation, with every $s_j - s_{y_i}$ shifted by $\Delta$."),
    (N3B, r"0.98\,w_i", WD, r"$\partial\mathcal{L}/\partial w_i = 2\delta w_i = 0.2 w_i$, so the update is $w_i - 0.1\cdot 0.2 w_i$."),
    (N5B, r"3", r"3", r"The first Linear has a weight and a bias, the second only a weight."),
    (N5C, r"200000100", r"200000100", r"$10^6\cdot 100$ weights and 100 biases in the first layer, $100\cdot10^6$ weights in the second."),
    (N6A, r"0.9", r"0.9", r"Cross-entropy with target $y$ is minimised at $p = y$."),
    (N6B, r"\ln 9", r"log(9)", r"With $z_1 = 0$, $p_2 = e^{z_2}/(1 + e^{z_2}) = 0.9$ gives $e^{z_2} = 9$."),
    (T13, r"33", r"33", r"A $1\times1$ filter spans the 32 input channels: 32 weights and one bias."),
    (T24, r"\theta_{k+1} = (1-\alpha\lambda)\theta_k - \alpha\nabla L(\theta_k)", TH, r"The regularised gradient is $\nabla L(\theta_k) + \lambda\theta_k$."),
    (T28, r"W = (X^\top X)^{-1}X^\top Y", LS, r"Setting the gradient of $\|XW - Y\|^2$ to zero gives the normal equations $X^\top X W = X^\top Y$."),
    (T43, r"784", r"784", r"Two max-pools take $28$ to $7$; with 16 channels that is $16\cdot 7\cdot 7$."),
    (T61, r"\hat y_1 = 2,\ \hat y_2 = 0", r"(2, 0)", r"$h = (2, 0, -2)$, after leaky ReLU $(2, 0, -1)$."),
    (T62, r"1", r"1", r"The mean of $(2-1)^2$ and $(0-1)^2$."),
    (T63, r"\frac{\partial L}{\partial w_{11}} = 1.5,\ w_{11}^* = -0.65", r"(1.5, -0.65)", r"$((2-1)\cdot1 + (0-1)(-0.5))\cdot1\cdot1 = 1.5$ and $-0.5 - 0.1\cdot1.5$."),
    (T73, r"6", r"6", r"One running mean and one running variance per channel, 3 channels."),
    (T87, r"w_{k+1} = w_k - \frac{f'(w_k)}{f''(w_k)}", NEWTON, "Minimise the second-order Taylor model around $w_k$."),
    (S3IS, r"(126, 126, 64)", r"(126,126,64)", r"$(128 - 3)/1 + 1 = 126$ with 64 filters."),
    (S3IP, r"1792", r"1792", r"$64 \cdot (3\cdot3\cdot3 + 1)$."),
    (S3IIS, r"(128, 128, 16)", r"(128,128,16)", r"$(128 + 4 - 5) + 1 = 128$."),
    (S3IIP, r"1216", r"1216", r"$16(5\cdot5\cdot3 + 1)$."),
    (S3IIIS, r"(64, 64, 32)", r"(64,64,32)", r"$(128 - 2)/2 + 1 = 64$."),
    (S3IIIP, r"416", r"416", r"$32(2\cdot2\cdot3 + 1)$."),
    (S4I, r"\nabla_{\mathbf w} J + \alpha\operatorname{sign}(\mathbf w)", L1G, r"The subgradient of $|w_i|$ is $\operatorname{sign}(w_i)$ away from 0."),
    (S4II, r"\operatorname{sign}(w_i^*)\max\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0\right)", SOFT, r"Per coordinate, minimise $\frac12 H_{i,i}(w_i - w_i^*)^2 + \alpha|w_i|$."),
    (S5, r"\frac{1}{n}(1 - D(X^i)),\ -\frac{1}{n}D(G(Z^i))", GAN, r"$\frac{d}{dz}\log\sigma(z) = 1 - \sigma(z)$ and $\frac{d}{dz}\log(1-\sigma(z)) = -\sigma(z)$, each scaled by $1/n$."),
    (S61, r"oC(9\,iC + 9)", ATT, r"Per output channel: a $3\times3\times iC$ key kernel and a $3\times3\times1$ value kernel."),
]
RESP_WRONG = [
    (N4X, r"2W(Wx - y)", "DIMENSION_ERROR", r"2*W@(W@x-y)", r"By the chain rule the derivative of $\|Wx-y\|^2$ is twice $W$ times the residual."),
    (N4X, r"W^\top(Wx - y)", "W.T@(W@x-y)", None, r"The gradient of a squared norm is the residual mapped back by $W^\top$."),
    (N4W, r"2x(Wx - y)^\top", r"2*x@(W@x-y).T", None, r"The outer product of the input and the residual, times 2."),
    (T23, r"W^\top\,\mathrm{dout}", "DIMENSION_ERROR", r"W.T@dout", r"Backpropagate through the matrix product."),
    (Q1, r"\frac{n}{\sum_i x_i}\left(\mathbf{I}_n - \mathbf{x}\mathbf{x}^\top\right)", "n/x.sum()*(eye(n) - x@x.T)", None, "Differentiate $n x / S$ with the quotient rule."),
    (Q2, r"\mathbf{A}^\top\mathbf{w}", "A.T@w", None, r"The ReLU has derivative one, so the gradient is linear."),
    (Q3, r"\log K", r"log(K)", None, r"Compare with $H(p;U) = -\sum_i p_i \log\frac1K$."),
    (Q7, r"\alpha_0\left(2+\cos\frac{\pi i}{N}\right)", "alpha0*(2+cos(pi*i/N))", None, "Fill in 1, 2, cos, pi."),
    (Q10, r"d(L+1)", "d*(L+1)", None, "Variances add across layers."),
    (U25, r"\frac{e^{s_k}}{\sum_j e^{s_j}} - \mathbb{1}[k=y]", "softmax(s) - onehot(y,K)", None, "This is the usual softmax gradient."),
    (U32, r"2 - 2D_C", r"2-2*D_C", None, r"Expand $\|x - y\|^2$."),
    (UHC, r"b = a\Delta", r"a*Delta", None, r"Match the values at the hinge."),
    (US1, r"\log\sum_{j\neq y_i} e^{s_j - s_{y_i}}", "log(exp(others(s,y)-s[y,0]).sum())", None, "Replace the max by a log-sum-exp."),
    (N3B, r"0.99\,w_i", r"0.99*w", None, r"The gradient is $\delta w_i$."),
    (N5C, r"100000100", r"100000100", None, r"Count the first layer."),
    (N6B, r"\ln 0.9", r"log(0.9)", None, r"Take the log of $p_2$."),
    (T43, r"3136", r"3136", None, r"One pooling step: $16\cdot14\cdot14$."),
    (T63, r"(1.5, -0.35)", "(1.5, -0.35)", None, "The update adds the step."),
    (T73, r"3", r"3", None, r"One statistic per channel."),
    (T87, r"w_{k+1} = w_k - \frac{f''(w_k)}{f'(w_k)}", "w - fpp/fp", None, r"Divide curvature by slope."),
    (S3IS, r"(128, 128, 64)", r"(128,128,64)", None, r"The size is preserved."),
    (S3IP, r"1728", r"1728", None, r"$64\cdot 27$ weights."),
    (S4I, r"\nabla_{\mathbf w} J + \alpha\mathbf{w}", "gJ + alpha*w", None, r"Differentiate the penalty."),
    (S4II, r"w_i^* - \frac{\alpha}{H_{i,i}}\operatorname{sign}(w_i^*)", "w_star - alpha/H*sign(w_star)", None, "Set the gradient to zero."),
    (S5, r"\frac{1}{n}D(X^i),\ -\frac{1}{n}(1 - D(G(Z^i)))", "(DX/n, -(1-DG)/n)", None, "Differentiate the log terms."),
    (S61, r"oC(9\,iC + 1)", "oC*(9*iC+1)", None, "As for a convolution with bias."),
]
STYLES = [
    "{w}\n\nTherefore the answer is $\\boxed{{{a}}}$.",
    "{w}\n\nThe final answer is ${a}$.",
    "**Solution.** {w}\n\n**Answer:** ${a}$",
    "{w} So we get\n\\[\n{a}\n\\]\nwhich is the final answer.",
    "We work step by step. {w}\n\nFinal Answer: The final answer is ${a}$. I hope it is correct.",
]


def model_responses():
    f = "model_responses"
    for i, (qq, a, m, w) in enumerate(RESP_CORRECT):
        for j in (0, 1):
            st = STYLES[(i + 2 * j) % len(STYLES)]
            add(f, qq, a, "correct", m, None, response=st.format(w=w, a=a))
    for i, (qq, a, m, att, w) in enumerate(RESP_WRONG):
        st = STYLES[(i + 1) % len(STYLES)]
        extra = {"attempt": att} if att else {}
        add(f, qq, a, "wrong", m, None, response=st.format(w=w, a=a), **extra)
    # an intermediate box, then a different final answer
    add(f, N4X, r"2W^\top(Wx - y)", "correct", GX, "the first box is an intermediate step",
        response="First, $\\boxed{r = Wx - y}$ is the residual. Then $L = r^\\top r$ and the gradient is\n\nThe final answer is $2W^\\top(Wx - y)$.")
    add(f, T43, "784", "correct", "784", "a rejected draft precedes the answer",
        response="At first I computed $16\\cdot14\\cdot14 = 3136$, but there are two pooling layers, so $28\\to14\\to7$.\n\nThe final answer is $\\boxed{784}$.")
    add(f, T73, "3", "wrong", "3", "the final box overrides the correct working",
        response="Running mean and variance per channel give $2\\cdot 3 = 6$ numbers... but only the mean is a parameter.\n\nThe final answer is $\\boxed{3}$.")
    add(f, N6B, r"z_2 = \ln 9", "correct", "log(9)", None,
        response="Since $p_2 = \\sigma(z_2 - z_1) = 0.9$ and $z_1 = 0$:\n$$\\boxed{z_2 = \\ln 9}$$")


# =================================================================================================
# mutations: systematic wrong variants of correct answers (plus a few equivalent rewrites as controls)
# =================================================================================================
MUT = {
    N4X: [("correct", r"2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", GX, "base"),
          ("wrong", r"-2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", "-" + GX, "sign flip"),
          ("correct", r"-2\mathbf{W}^\top(\mathbf{y}-\mathbf{W}\mathbf{x})", GX, "two sign flips: control"),
          ("wrong", r"2\mathbf{W}^\top(\mathbf{W}^\top\mathbf{W}\mathbf{x}-\mathbf{y})", "DIMENSION_ERROR", "transpose moved"),
          ("wrong", r"\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", "W.T@(W@x-y)", "factor 2 dropped"),
          ("wrong", r"4\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", "4*W.T@(W@x-y)", "factor doubled"),
          ("wrong", r"2\mathbf{W}^\top(\mathbf{W}\mathbf{x}+\mathbf{y})", "2*W.T@(W@x+y)", "inner sign"),
          ("wrong", r"2\mathbf{W}^\top\mathbf{W}(\mathbf{x}-\mathbf{y})", "DIMENSION_ERROR", "bracket moved"),
          ("wrong", r"2\mathbf{W}^\top\mathbf{W}\mathbf{x}-\mathbf{y}", "DIMENSION_ERROR", "bracket dropped"),
          ("wrong", r"2(\mathbf{W}^\top\mathbf{W})^{-1}\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", "2*inv(W.T@W)@W.T@(W@x-y)", "inverse inserted"),
          ("wrong", r"\frac{1}{2}\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})", "0.5*W.T@(W@x-y)", "2 became 1/2")],
    N4W: [("correct", r"2(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top", GW, "base"),
          ("wrong", r"-2(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top", "-" + GW, "sign flip"),
          ("correct", r"\left(2\mathbf{x}(\mathbf{W}\mathbf{x}-\mathbf{y})^\top\right)^\top", GW, "transposed twice: control"),
          ("wrong", r"2\mathbf{x}(\mathbf{W}\mathbf{x}-\mathbf{y})^\top", "2*x@(W@x-y).T", "transpose moved"),
          ("wrong", r"(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{x}^\top", "(W@x-y)@x.T", "factor 2 dropped"),
          ("wrong", r"2(\mathbf{W}\mathbf{x}+\mathbf{y})\mathbf{x}^\top", "2*(W@x+y)@x.T", "inner sign"),
          ("wrong", r"2(\mathbf{W}\mathbf{x}-\mathbf{y})\mathbf{y}^\top", "2*(W@x-y)@y.T", "x became y: m x m"),
          ("wrong", r"2\mathbf{W}\mathbf{x}\mathbf{x}^\top - \mathbf{y}\mathbf{x}^\top", "2*W@x@x.T - y@x.T", "2 on one term only")],
    T23: [("wrong", r"-\mathrm{dout}\,W^\top", "-dout@W.T", "sign flip"),
          ("wrong", r"2\,\mathrm{dout}\,W^\top", "2*dout@W.T", "factor 2 added"),
          ("wrong", r"\mathrm{dout}\,W^\top + b^\top", "DIMENSION_ERROR", "bias (M) added to an N x D matrix"),
          ("correct", r"(W\,\mathrm{dout}^\top)^\top", DX, "control")],
    Q1: [("wrong", r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i + \mathbf{x}\mathbf{1}_n^\top\right)", "n/x.sum()**2*(eye(n)*x.sum() + x@ones(n).T)", "sign flip"),
         ("wrong", r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{1}_n\mathbf{x}^\top\right)", "n/x.sum()**2*(eye(n)*x.sum() - ones(n)@x.T)", "transpose moved"),
         ("wrong", r"\frac{1}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{x}\mathbf{1}_n^\top\right)", "1/x.sum()**2*(eye(n)*x.sum() - x@ones(n).T)", "factor n dropped"),
         ("wrong", r"\frac{n}{\sum_i x_i}\left(\mathbf{I}_n\sum_i x_i - \mathbf{x}\mathbf{1}_n^\top\right)", "n/x.sum()*(eye(n)*x.sum() - x@ones(n).T)", "power dropped"),
         ("wrong", r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n - \mathbf{x}\mathbf{1}_n^\top\right)", "n/x.sum()**2*(eye(n) - x@ones(n).T)", "sum dropped"),
         ("correct", r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{1}_n\mathbf{x}^\top\right)^\top", UCB1, "transpose of the transpose: control")],
    Q2: [("wrong", r"-\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ \mathbf{Z} = \operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])", "-" + UCB2, "sign flip"),
         ("wrong", r"\mathbf{A}^\top(\mathbf{I}-\mathbf{Z})\mathbf{w},\ \mathbf{Z} = \operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])", "A.T@(eye(k)-diag(A@x>0))@w", "mask inverted"),
         ("wrong", r"\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ \mathbf{Z} = \operatorname{diag}(\mathbf{A}\mathbf{x})", "A.T@diag(A@x)@w", "indicator dropped"),
         ("wrong", r"\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ \mathbf{Z} = \operatorname{diag}(\max(\mathbf{A}\mathbf{x},0))", "A.T@diag(relu(A@x))@w", "ReLU for its derivative"),
         ("wrong", r"2\mathbf{A}^\top\mathbf{Z}\mathbf{w},\ \mathbf{Z} = \operatorname{diag}(\mathbb{1}[\mathbf{A}\mathbf{x}>0])", "2*" + UCB2, "factor 2 added")],
    Q3: [("wrong", r"-\frac{1}{K}\sum_i z_i + \exp\sum_i \log z_i", "-z.sum()/K + np.prod(z)", "log/exp swapped"),
         ("wrong", r"\frac{1}{K}\sum_i z_i - \log\sum_i e^{z_i}", "z.sum()/K - log(exp(z).sum())", "sign flip"),
         ("wrong", r"-\sum_i z_i + \log\sum_i e^{z_i}", "-z.sum() + log(exp(z).sum())", "1/K dropped"),
         ("wrong", r"-\frac{1}{K}\sum_i z_i + \sum_i \log e^{z_i}", "-z.sum()/K + z.sum()", "log moved inside the sum"),
         ("wrong", r"-\frac{1}{K}\sum_i z_i + \log\sum_i z_i", "-z.sum()/K + log(z.sum())", "exp dropped")],
    Q7: [("wrong", r"\frac{\alpha_0}{2}\left(1+\cos\frac{\pi N}{i}\right)", "alpha0/2*(1+cos(pi*N/i))", "i/N inverted"),
         ("wrong", r"\frac{\alpha_0}{2}\left(1+\cos\frac{2\pi i}{N}\right)", "alpha0/2*(1+cos(2*pi*i/N))", "pi doubled"),
         ("wrong", r"\frac{\alpha_0}{2}\left(1+\sin\frac{\pi i}{N}\right)", "alpha0/2*(1+sin(pi*i/N))", "cos to sin"),
         ("wrong", r"\frac{\alpha_0}{2}\cos\frac{\pi i}{N}", "alpha0/2*cos(pi*i/N)", "1 dropped")],
    Q9G: [("wrong", r"\sum_{i=1}^m \frac{\partial f}{\partial \hat x_i} y_i", "(gamma*dy*(gamma*xhat+beta)).sum()", "y and x-hat swapped: df/dxhat_i = gamma df/dy_i"),
          ("wrong", r"-\sum_{i=1}^m \frac{\partial f}{\partial y_i}\hat x_i", "-" + BN_G, "sign flip"),
          ("wrong", r"\frac{1}{m}\sum_{i=1}^m \frac{\partial f}{\partial y_i}\hat x_i", BN_G + "/m", "1/m inserted")],
    Q10: [("wrong", r"d^{L-1}", "d**(L-1)", "off by two"), ("wrong", r"(L+1)^d", "(L+1)**d", "base and exponent swapped"),
          ("wrong", r"d^{-(L+1)}", "d**(-(L+1))", "sign of exponent")],
    U25: [("wrong", r"\frac{e^{s_k}}{\sum_j e^{s_j}} - b\,\mathbb{1}[k=y] - \log a", "softmax(s) - b*onehot(y,K) - log(a)", "constant term kept"),
          ("wrong", r"\frac{\sum_j e^{s_j}}{e^{s_k}} - b\,\mathbb{1}[k=y]", "exp(s).sum()/exp(s) - b*onehot(y,K)", "fraction inverted"),
          ("wrong", r"\log\frac{e^{s_k}}{\sum_j e^{s_j}} - b\,\mathbb{1}[k=y]", "log(softmax(s)) - b*onehot(y,K)", "log inserted"),
          ("wrong", r"b\frac{e^{s_k}}{\sum_j e^{s_j}} - \mathbb{1}[k=y]", "b*softmax(s) - onehot(y,K)", "b moved"),
          ("wrong", r"\frac{e^{s_k}}{\sum_j e^{s_j}} - b\,\mathbb{1}[k=y] + c", "softmax(s) - b*onehot(y,K) + c", "c kept")],
    U32: [("wrong", r"\sqrt{2+2D_C}", "sqrt(2+2*D_C)", "sign flip"), ("wrong", r"\sqrt{2-2D_C^2}", "sqrt(2-2*D_C**2)", "square added"),
          ("wrong", r"\sqrt{1-2D_C}", "sqrt(1-2*D_C)", "2 became 1"),
          ("wrong", r"\log(2-2D_C)", "log(2-2*D_C)", "sqrt to log"), ("wrong", r"\sqrt{2-2e^{D_C}}", "sqrt(2-2*exp(D_C))", "exp inserted")],
    UHC: [("wrong", r"b = -2a\Delta", "-2*a*Delta", "sign flip"), ("wrong", r"b = \frac{2a}{\Delta}", "2*a/Delta", "Delta inverted"),
          ("wrong", r"a = 2b\Delta", "a/(2*Delta)", "a and b swapped"), ("correct", r"a = \frac{b}{2\Delta}", B2AD, "solved for a: control"),
          ("correct", r"\frac{b}{a} = 2\Delta", B2AD, "ratio: control"), ("correct", r"b - 2a\Delta = 0", B2AD, "homogeneous: control")],
    US1: [("wrong", r"\log\left(1+\sum_{j\neq y_i} e^{s_{y_i}-s_j}\right)", "log(1+exp(s[y,0]-others(s,y)).sum())", "difference reversed"),
          ("wrong", r"\exp\left(1+\sum_{j\neq y_i} \log(s_j-s_{y_i})\right)", "exp(1+log(others(s,y)-s[y,0]).sum())", "log/exp swapped (nan where s_j < s_y)"),
          ("wrong", r"\log\left(1-\sum_{j\neq y_i} e^{s_j-s_{y_i}}\right)", "log(1-exp(others(s,y)-s[y,0]).sum())", "sign inside")],
    US2: [("wrong", r"\log\left(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}\right)\Delta", SH1 + "*Delta", "Delta multiplied"),
          ("wrong", r"\log\left(1+\sum_{j\neq y_i} e^{\Delta(s_j-s_{y_i})}\right)", "log(1+exp(Delta*(others(s,y)-s[y,0])).sum())", "Delta as a scale")],
    N3B: [("wrong", r"1.02\,w_i", "1.02*w", "sign of the step"), ("wrong", r"0.98", "0.98 + 0*w", "w_i dropped"), ("wrong", r"w_i - 0.98", "w - 0.98", "product to difference")],
    N6B: [("wrong", r"e^{9}", "exp(9)", "log/exp swapped"), ("wrong", r"\ln\frac{1}{9}", "log(1/9)", "ratio inverted"), ("wrong", r"\ln 10", "log(10)", "1/0.1 only"),
          ("correct", r"-\ln\frac{1}{9}", "log(9)", "control")],
    T24: [("wrong", r"\theta_{k+1} = (1+\alpha\lambda)\theta_k - \alpha\nabla L(\theta_k)", "(1+alpha*lam)*theta - alpha*gL", "sign of decay"),
          ("wrong", r"\theta_{k+1} = (1-\alpha\lambda)\theta_k - \nabla L(\theta_k)", "(1-alpha*lam)*theta - gL", "alpha dropped"),
          ("wrong", r"\theta_{k+1} = (1-\alpha\lambda)(\theta_k - \alpha\nabla L(\theta_k))", "(1-alpha*lam)*(theta - alpha*gL)", "decay applied after the step"),
          ("wrong", r"\theta_{k+1} = (1-\lambda)\theta_k - \alpha\lambda\nabla L(\theta_k)", "(1-lam)*theta - alpha*lam*gL", "alpha and lambda swapped")],
    T28: [("wrong", r"W = (X^\top X)^{-1}X^\top Y^{-1}", "DIMENSION_ERROR", "inverse added to Y"),
          ("wrong", r"W = -(X^\top X)^{-1}X^\top Y", "-" + LS, "sign flip"),
          ("wrong", r"W = (X^\top X)X^\top Y", "X.T@X@X.T@Y", "inverse dropped"),
          ("correct", r"W = \left((X^\top X)^{-1}\right)^\top X^\top Y", LS, "symmetric inverse: control")],
    T87: [("wrong", r"w_{k+1} = w_k + \frac{f'(w_k)}{f''(w_k)}", "w + fp/fpp", "sign flip"), ("wrong", r"w_{k+1} = w_k - \frac{f(w_k)}{f'(w_k)}", "w - f/fp", "root-finding Newton"),
          ("wrong", r"w_{k+1} = w_k - \frac{f'(w_k)}{2f''(w_k)}", "w - fp/(2*fpp)", "halved step"),
          ("wrong", r"w_{k+1} = -\frac{f'(w_k)}{f''(w_k)}", "-fp/fpp", "w_k dropped")],
    S4I: [("wrong", r"\nabla_{\mathbf w} J + \alpha\operatorname{sign}(-\mathbf w)", "gJ + alpha*sign(-w)", "sign flip inside"),
          ("wrong", r"\nabla_{\mathbf w} J + \alpha|\mathbf w|", "gJ + alpha*abs(w)", "sign to abs"),
          ("wrong", r"\nabla_{\mathbf w} J + \frac{\alpha}{2}\operatorname{sign}(\mathbf w)", "gJ + alpha/2*sign(w)", "factor 1/2"),
          ("correct", r"\nabla_{\mathbf w} J - \alpha\operatorname{sign}(-\mathbf w)", L1G, "two sign flips: control")],
    S4II: [("wrong", r"\operatorname{sign}(w_i^*)\max\left(|w_i^*| + \frac{\alpha}{H_{i,i}}, 0\right)", "sign(w_star)*maximum(abs(w_star)+alpha/H, 0)", "sign flip"),
           ("wrong", r"\operatorname{sign}(w_i^*)\min\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0\right)", "sign(w_star)*minimum(abs(w_star)-alpha/H, 0)", "max to min"),
           ("wrong", r"\max\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0\right)", "maximum(abs(w_star)-alpha/H, 0)", "sign dropped"),
           ("wrong", r"\operatorname{sign}(w_i^*)\max\left(|w_i^*| - \frac{H_{i,i}}{\alpha}, 0\right)", "sign(w_star)*maximum(abs(w_star)-H/alpha, 0)", "fraction inverted")],
    S5: [("wrong", r"\frac{1}{n}(1 + D(X^i)),\ -\frac{1}{n}D(G(Z^i))", "((1+DX)/n, -DG/n)", "sign flip"),
         ("wrong", r"-\frac{1}{n}D(G(Z^i)),\ \frac{1}{n}(1 - D(X^i))", "(-DG/n, (1-DX)/n)", "order swapped (unlabelled pair)"),
         ("wrong", r"\frac{1}{n}\log(1 - D(X^i)),\ -\frac{1}{n}\log D(G(Z^i))", "(log(1-DX)/n, -log(DG)/n)", "log inserted"),
         ("wrong", r"n(1 - D(X^i)),\ -nD(G(Z^i))", "(n*(1-DX), -n*DG)", "n for 1/n")],
    S61: [("wrong", r"iC(9\,oC + 9)", "iC*(9*oC+9)", "iC and oC swapped"), ("wrong", r"oC(3\,iC + 3)", "oC*(3*iC+3)", "3 for 3x3"),
          ("wrong", r"oC\,iC(9 + 9)", "oC*iC*18", "factored wrongly")],
    T43: [("wrong", "7 \\cdot 7", "49", "channels dropped"), ("wrong", r"16\cdot 14\cdot 14", "3136", "one pooling"), ("wrong", r"8\cdot 7\cdot 7", "392", "first layer's channels")],
    T63: [("wrong", r"(-1.5, -0.35)", "(-1.5, -0.35)", "sign flip"), ("wrong", r"(1.5, -0.5 + 0.15)", "(1.5, -0.35)", "update sign"), ("wrong", r"(1.5, -0.5)", "(1.5, -0.5)", "no update")],
    T61: [("wrong", r"(2, -1)", "(2, -1)", "h_6 for y_2"), ("wrong", r"(1, 0)", "(1, 0)", "bias dropped")],
    N5C: [("wrong", "200000001", "200000001", "one bias"), ("wrong", "100000000", "100000000", "one matrix")],
    N6A: [("wrong", r"0.09", "0.09", "decimal shifted")],
    T62: [("wrong", r"\sqrt{2}", "sqrt(2)", "RMSE of the sum")],
}


def mutations():
    f = "mutations"
    for qq, rows in MUT.items():
        for lab, s, m, note in rows:
            extra = {}
            if m == "DIMENSION_ERROR":
                extra["attempt"] = {r"2\mathbf{W}^\top(\mathbf{W}^\top\mathbf{W}\mathbf{x}-\mathbf{y})": "W.T@W@x - y",
                                    r"2\mathbf{W}^\top\mathbf{W}(\mathbf{x}-\mathbf{y})": "x - y",
                                    r"2\mathbf{W}^\top\mathbf{W}\mathbf{x}-\mathbf{y}": "sub(2*W.T@W@x, y)",
                                    r"W = (X^\top X)^{-1}X^\top Y^{-1}": "inv(Y)",
                                    r"\mathrm{dout}\,W^\top + b^\top": "add(dout@W.T, b.T)"}[s]
            add(f, qq, s, lab, m, note, **extra)


# =================================================================================================
# unreadable text a grader could not read either (spread over the families where it would arise)
# =================================================================================================
UNREADABLE = [
    ("plain", N4X, r"2W^\top(Wx-y))", "unbalanced parenthesis"),
    ("plain", U32, r"\sqrt{2-2D_C", "unclosed brace"),
    ("plain", Q10, r"d^{L+1", "unclosed superscript"),
    ("plain", Q1, r"\frac{n}{", "truncated fraction"),
    ("plain", S4II, r"\operatorname{sign}(w_i^*)\max(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0", "unbalanced parenthesis"),
    ("plain", S61, r"oC(9iC+9", "unbalanced parenthesis"),
    ("plain", N6B, r"\ln", "operator without argument"),
    ("plain", T24, r"\theta_{k+1} = (1-\alpha\lambda)\theta_k - \alpha\nabla L(\theta_k", "unbalanced parenthesis"),
    ("wrappers_labels", T43, r"\boxed{784", "unclosed box"),
    ("wrappers_labels", UHC, r"b = ", "label with no value"),
    ("wrappers_labels", T61, r"\hat y_1 = ,\ \hat y_2 = 0", "first value missing"),
    ("wrappers_labels", S3IS, r"(126, 126,", "truncated tuple"),
    ("wrappers_labels", N4W, r"\frac{\partial L}{\partial W} = ", "label with no value"),
    ("sums_products", Q9B, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i", "unclosed brace"),
    ("sums_products", US1, r"\log\left(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}", "\\left without \\right"),
    ("entrywise", Q1, r"J_{ij} = \frac{n(\delta_{ij} S - x_i)}{S^2", "unclosed brace"),
    ("matrix", T28, r"W = (X^\top X)^{-1}X^\top Y^{", "unclosed superscript"),
    ("calculus", T87, r"w_{k+1} = w_k - \frac{f'(w_k)}", "\\frac with one argument"),
    ("brackets", U25, r"\frac{e^{s_k}}{\sum_j e^{s_j}} - b\,\mathbb{1}[k=y", "unclosed bracket"),
    ("mutations", N3B, r"0.98\,w_", "dangling subscript"),
    ("model_responses", N6A, r"0.9", None),
]


def unreadable():
    for fam, qq, s, note in UNREADABLE:
        if fam == "model_responses":
            continue
        add(fam, qq, s, "unreadable", None, note)
    add("model_responses", N4X, r"2W^\top(Wx - y", "unreadable", None, "the boxed answer is cut off",
        response="The gradient of the squared norm is twice the transposed map applied to the residual.\n\nThe final answer is $\\boxed{2W^\\top(Wx - y}$")


# =================================================================================================
def _toml_str(s: str) -> str:
    if "'" not in s and "\n" not in s:
        return "'" + s + "'"
    assert "'''" not in s and not s.endswith("'"), s
    return "'''\n" + s + "'''" if "\n" in s else "'''" + s + "'''"


def _toml_val(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


HEADER = """# Independent corpus, family "{fam}" ({n} cases). GENERATED by bench/independent/generate.py: edit the
# tables there, not this file. latex/response are TOML literal strings (backslashes verbatim);
# meaning is a numpy expression over the symbols of bench/independent/refs.py, written by hand
# from the LaTeX; bench/independent/label_check.py checks every label against it.
"""


def write() -> dict[str, int]:
    OUT.mkdir(exist_ok=True)
    for fam in ["plain", "entrywise", "sums_products", "brackets", "wrappers_labels", "calculus", "matrix", "cases",
                "tex_semantics", "dimension_errors", "model_responses", "mutations", "unreadable"]:
        globals()[fam]()
    counts = {}
    for fam, rows in CASES.items():
        lines = [HEADER.format(fam=fam, n=len(rows))]
        for c in rows:
            lines.append("[[case]]")
            for k in ("question", "family", "label"):
                lines.append(f"{k} = {json.dumps(c[k])}")
            lines.append(f"latex = {_toml_str(c['latex'])}")
            if "response" in c:
                lines.append(f"response = {_toml_str(c['response'])}")
            for k in ("meaning", "attempt", "note"):
                if c.get(k) is not None:
                    lines.append(f"{k} = {_toml_val(c[k])}")
            lines.append("")
        (OUT / f"{fam}.toml").write_text("\n".join(lines), encoding="utf-8")
        counts[fam] = len(rows)
    return counts


if __name__ == "__main__":
    counts = write()
    print(", ".join(f"{k} {v}" for k, v in counts.items()), "| total", sum(counts.values()))
