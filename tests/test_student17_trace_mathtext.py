"""The trace's LaTeX (Markdown formulas) parses with matplotlib's mathtext.

No chainrule path renders these strings with matplotlib (Trace.plot draws the plain-text
names), but users paste them into notebooks and plots: MathJax and KaTeX know ``\\tfrac``,
mathtext does not; ``\\frac`` parses in all of them (the same inline; in a
display formula, ``$$...$$``, MathJax draws it display-size).  The reference is
matplotlib's own parser.  (Matrices, ``\\begin{bmatrix}``, and Huber's ``cases`` are
LaTeX environments that mathtext has none of: a number stands for each matrix of numbers
here, the lines that write a matrix of symbols (the transfer notation's ``[1; x]``) are
left out, and so is Huber's loss.)
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Dense, Network
from chainrule.tracing import trace
from chainrule.tracing.render import Arr, Line, Num, Sym, Table

mathtext = pytest.importorskip("matplotlib.mathtext")
_PARSER = mathtext.MathTextParser("agg")


def _latex_strings(t) -> list[str]:
    """Every formula of the trace's Markdown: each line (a number for each number or
    matrix), each table header and symbol cell."""
    def part(p):
        if isinstance(p, Sym):
            return p.latex
        if isinstance(p, (Num, Arr)):
            return "1"
        return "" if p is None else p

    out = []
    for b in t._blocks():
        if isinstance(b, Line):
            out.append("".join(part(p) for p in b.parts))
        elif isinstance(b, Table):
            out += [h.latex for h in b.headers]
            out += [c.latex for row in b.rows for c in row if isinstance(c, Sym)]
    return out


# (loss, notation, batch, weight decay, sparsity): every formula with a fraction, in each
# notation, one example and a batch, with and without decay and the KL penalty
_CASES = [("mean_squared_error", "transfer", False, 0.1, False),
          ("mean_absolute_error", "ufldl", False, 0.0, False),
          ("squared_error", "netout", False, 0.1, False),
          ("squared_error", "netout", False, 0.0, False),
          ("mean_squared_error", "ufldl", True, 0.1, True),
          ("mean_absolute_error", "transfer", True, 0.1, False),
          ("squared_error", "ufldl", True, 0.0, True),
          ("log_loss", "transfer", True, 0.0, True)]


@pytest.mark.parametrize(("loss", "notation", "batch", "decay", "sparse"), _CASES)
def test_every_trace_formula_parses_with_mathtext(loss, notation, batch, decay, sparse):
    net = Network([Dense(2, 3, "sigmoid", seed=0), Dense(3, 2, "sigmoid", seed=1)],
                  loss=loss, weight_decay=decay)
    x = np.array([[0.5, -0.3], [0.2, 0.1], [-0.4, 0.9]]) if batch else np.array([0.5, -0.3])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]) if batch else np.array([1.0, 0.0])
    t = trace(net, x, y, notation=notation, **({"rho": 0.1, "beta": 3.0} if sparse else {}))
    strings = [s for s in _latex_strings(t) if r"\begin{" not in s]  # (see above)
    assert strings
    for s in strings:
        _PARSER.parse(f"${s}$")  # raises ValueError on what mathtext does not know
