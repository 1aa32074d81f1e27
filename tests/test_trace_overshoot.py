"""trace: a step that raises the cost says so under the new cost (the learning rate overshot).

SPEC 10 B's step takes E from 2.5 to 4.6e27 with learning rate 0.5; the trace printed the
new E without a word, and a student could not tell a diverging step from a wrong one.  The
reference is the step computed here by hand in NumPy (example B: square units, no biases,
E = 1/2 sum (o - t)^2): its E after the step, and the halved rates that do lower E, as the
note advises.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main

# example B in UFLDL matrices (rows = destination units)
W1 = np.array([[1.0, 1.0], [2.0, 1.0]])
W2 = np.array([[2.0, 1.0], [1.0, 0.0]])
X, T = np.array([1.0, 1.0]), np.array([290.0, 14.0])


def _E(W1: np.ndarray, W2: np.ndarray) -> float:
    return float(0.5 * np.sum(((W2 @ (W1 @ X) ** 2) ** 2 - T) ** 2))


def _E_after(lr: float) -> float:
    """E after one gradient step of example B, by hand."""
    z2 = W1 @ X
    a2 = z2 ** 2
    z3 = W2 @ a2
    d3 = (z3 ** 2 - T) * 2 * z3
    d2 = (W2.T @ d3) * 2 * z2
    return _E(W1 - lr * np.outer(d2, X), W2 - lr * np.outer(d3, a2))


def _notes(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "the step raised" in line]


@pytest.mark.parametrize(("notation", "J"), [("transfer", "E"), ("ufldl", "J"),
                                             ("netout", "E")])
def test_example_b_says_its_step_raised_the_cost(notation, J):
    t = cr.trace_preset("integer-example", notation=notation)
    notes = _notes(t.text())
    assert len(notes) == 1
    before, after = _E(W1, W2), _E_after(0.5)
    assert before == 2.5 and after > 1e27
    assert notes[0].startswith(f"note: the step raised {J} from 2.5 to {after:.6g}")
    assert f"halve it until {J} falls" in notes[0]
    assert _notes(t.markdown())
    # the advice holds: some halving of 0.5 lowers E below 2.5
    assert any(_E_after(0.5 / 2 ** k) < before for k in range(1, 20))


def test_a_step_that_lowers_the_cost_has_no_note_and_a_batch_has_one(capsys):
    assert not _notes(cr.trace_preset("transfer-example").text())  # E 0.670406 -> 0.325904
    args = ["trace", "--preset", "transfer-example", "--input", "0", "1", "--input", "1",
            "0", "--target", "1", "--target", "0"]
    assert main(args) == 0
    assert not _notes(capsys.readouterr().out)
    assert main([*args, "--lr", "30"]) == 0
    notes = _notes(capsys.readouterr().out)
    assert len(notes) == 1 and notes[0].startswith("note: the step raised J from 0.715362")
