"""The HTML report of a grading run: one self-contained page (no script, no fonts, no
network), readable offline in any browser.

For the class as a whole, a stacked bar per question (right / wrong / undecided / invalid,
an inline SVG chart); then per question its counts, the average points, and the most common
mistakes: the known misconceptions the wrong answers matched (with the bank's description)
and the other reasons they were wrong, each with the answers that showed it most often.
"""
from __future__ import annotations

import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..bank.loader import Bank, Question
from .scores import Rubric

STATUSES = ("equivalent", "not_equivalent", "undecided", "invalid")
LABELS = {"equivalent": "right", "not_equivalent": "wrong", "undecided": "undecided",
          "invalid": "invalid"}
COLOURS = {"equivalent": "#2e7d32", "not_equivalent": "#c62828", "undecided": "#f9a825",
           "invalid": "#6d6d6d", "crashed": "#000000"}
TOP = 5        # mistakes shown per question
EXAMPLES = 3   # example answers per mistake


@dataclass
class _Q:
    question: Question
    counts: Counter = field(default_factory=Counter)
    points: float = 0.0
    mistakes: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    undecided: Counter = field(default_factory=Counter)


def _mistake(rec: dict[str, Any]) -> tuple[str, str]:
    if rec.get("misconception"):
        return ("misconception", rec["misconception"])
    return ("reason", rec.get("reason", "?"))


def render(records: Iterable[dict[str, Any]], bank: Bank, rubric: Rubric,
           title: str = "derive grade report") -> str:
    per: dict[str, _Q] = {}
    order = {qid: k for k, qid in enumerate(bank.questions)}
    total = Counter()
    for rec in records:
        qid = rec.get("question")
        if qid not in bank.questions:
            continue
        q = per.setdefault(qid, _Q(bank.questions[qid]))
        status = rec.get("status", "crashed") if "error" not in rec else "crashed"
        q.counts[status] += 1
        total[status] += 1
        q.points += rubric.score(q.question, rec)
        text = rec.get("answer", "")
        if status == "not_equivalent":
            q.mistakes[_mistake(rec)][text] += 1
        elif status in ("undecided", "invalid"):
            q.undecided[(rec.get("reason", "?"), text)] += 1
    qs = sorted(per.values(), key=lambda x: order.get(x.question.id, 0))
    n = sum(total.values())
    body = [f"<h1>{_e(title)}</h1>",
            f"<p class=lead>{n} answers to {len(qs)} questions: "
            + ", ".join(f"<span class=k style='color:{COLOURS[s]}'>{total[s]} "
                        f"{LABELS.get(s, s)}</span>" for s in (*STATUSES, "crashed") if total[s])
            + ".</p>",
            _chart(qs), _legend()]
    body.append("<h2>Questions</h2>")
    for q in qs:
        body.append(_section(q, rubric))
    return _PAGE.format(title=_e(title), css=_CSS, body="\n".join(body))


def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _code(text: str) -> str:
    return f"<code>{_e(text)}</code>" if text.strip() else "<span class=dim>(no answer)</span>"


def _times(count: int) -> str:
    return f" <span class=dim>×{count}</span>" if count > 1 else ""


def _chart(qs: list[_Q]) -> str:
    """Horizontal stacked bars, one per question, as inline SVG."""
    row, label_w, bar_w = 22, 260, 520
    h = row * len(qs) + 30
    out = [f"<svg class=chart role=img aria-label='answers per question by verdict' "
           f"width='{label_w + bar_w + 70}' height='{h}' xmlns='http://www.w3.org/2000/svg'>"]
    for k, q in enumerate(qs):
        y = 10 + k * row
        n = sum(q.counts.values()) or 1
        out.append(f"<text x='{label_w - 8}' y='{y + 14}' text-anchor='end' "
                   f"font-size='12'>{_e(q.question.id)}</text>")
        x = float(label_w)
        for s in (*STATUSES, "crashed"):
            c = q.counts.get(s, 0)
            if not c:
                continue
            w = bar_w * c / n
            out.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{row - 6}' "
                       f"fill='{COLOURS[s]}'><title>{_e(q.question.id)}: {c} "
                       f"{LABELS.get(s, s)}</title></rect>")
            x += w
        right = q.counts.get("equivalent", 0)
        out.append(f"<text x='{label_w + bar_w + 6}' y='{y + 14}' font-size='12'>"
                   f"{100 * right / n:.0f}% right</text>")
    out.append("</svg>")
    return "\n".join(out)


def _legend() -> str:
    return "<p class=legend>" + " ".join(
        f"<span><i style='background:{COLOURS[s]}'></i>{LABELS[s]}</span>"
        for s in STATUSES) + "</p>"


def _section(q: _Q, rubric: Rubric) -> str:
    n = sum(q.counts.values())
    top = rubric.points(q.question)
    out = [f"<section id='{_e(q.question.id)}'><h3>{_e(q.question.id)}</h3>",
           f"<p class=ref>reference: <code>{_e(q.question.reference)}</code></p>",
           "<table class=counts><tr>" + "".join(f"<th>{LABELS.get(s, s)}</th>"
                                               for s in (*STATUSES, "crashed")
                                               if s in STATUSES or q.counts.get(s))
           + "<th>average points</th></tr><tr>"
           + "".join(f"<td>{q.counts.get(s, 0)}</td>" for s in (*STATUSES, "crashed")
                     if s in STATUSES or q.counts.get(s))
           + f"<td>{q.points / n if n else 0:.2f} / {top:g}</td></tr></table>"]
    wrong = sorted(q.mistakes.items(), key=lambda kv: -sum(kv[1].values()))[:TOP]
    if wrong:
        described = {f.label: f.misconception for f in q.question.reject if f.label}
        out.append("<h4>Most common mistakes</h4><ol class=mistakes>")
        for (kind, name), texts in wrong:
            count = sum(texts.values())
            if kind == "misconception":
                what = (f"<b>{_e(name)}</b>"
                        + (f": {_e(described[name])}" if described.get(name) else ""))
            else:
                what = f"<b>{_e(name)}</b> <span class=dim>(reason code)</span>"
            ex = "".join(f"<li>{_code(t)}{_times(c)}</li>" for t, c in texts.most_common(EXAMPLES))
            out.append(f"<li>{what} <span class=dim>— {count} answer"
                       f"{'s' if count != 1 else ''}</span><ul class=ex>{ex}</ul></li>")
        out.append("</ol>")
    if q.undecided:
        out.append("<h4>Unreadable or undecided</h4><ul class=ex>")
        for (reason, text), c in q.undecided.most_common(EXAMPLES):
            out.append(f"<li><span class=dim>{_e(reason)}</span> {_code(text)}{_times(c)}</li>")
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
       margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h3 { margin: 1.6em 0 .3em; border-bottom: 1px solid #ddd; }
code { font: 13px/1.3 ui-monospace, 'DejaVu Sans Mono', monospace; background: #f4f4f4;
       padding: 1px 4px; border-radius: 3px; word-break: break-all; }
table.counts { border-collapse: collapse; margin: .4em 0; }
table.counts th, table.counts td { border: 1px solid #ccc; padding: 2px 10px; text-align: center; }
.dim { color: #777; }
.k { font-weight: 600; }
.legend span { margin-right: 1.2em; }
.legend i { display: inline-block; width: .9em; height: .9em; margin-right: .3em;
            vertical-align: -1px; }
ul.ex { margin: .2em 0 .6em; }
svg.chart { max-width: 100%; height: auto; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body>
{body}
</body></html>
"""
