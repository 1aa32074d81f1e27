"""The note under a canonical pair's output delta names what the loss formula divides by.

It said "never dividing by f'" for every pair, in every notation: for identity with
squared_error, whose dE/d(out) = out - y divides by nothing (f' = 1), for softmax with
cross_entropy, whose dE/d(out) = -y / out divides by the output, and in the transfer
notation, which calls the derivative phi'.  The reference: each loss's dE/d(out) computed
here by hand, times the divisor the note names (evaluated by hand), gives the numerator
of the formula, so the note names exactly what the delta a - y avoids dividing by.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax

import chainrule as cr

W0 = np.array([[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]])
W1 = np.array([[-0.3, 0.2], [0.5, -0.1], [0.1, 0.4]])
X = np.array([0.0, 1.0])
OUT_SYMBOL = {"transfer": "x^(2)", "ufldl": "a^(3)", "netout": "out"}
FPRIME = {"transfer": "phi'(s^(2))", "ufldl": "f'(z^(3))", "netout": "dout/dnet"}


def _note(output: str, loss: str, y: list[float], notation: str) -> str:
    net = cr.Network.from_transfer_matrices([W0.tolist(), W1.tolist()],
                                            activation=["sigmoid", output], loss=loss)
    text = cr.trace(net, X, y, notation=notation).text()
    notes = [line.strip() for line in text.splitlines() if "chainrule computes" in line]
    assert len(notes) == 1
    return notes[0]


def _output(output: str) -> np.ndarray:
    z = np.r_[1.0, expit(np.r_[1.0, X] @ W0)] @ W1
    return {"sigmoid": expit, "softmax": softmax, "exp": np.exp, "identity": lambda v: v}[
        output](z)


@pytest.mark.parametrize("notation", ["transfer", "ufldl", "netout"])
def test_the_divisor_named_is_the_one_of_the_loss_formula(notation):
    out, f = OUT_SYMBOL[notation], FPRIME[notation]
    # log_loss: dE/da = (a - y) / (a (1 - a)); the divisor is the sigmoid's f' = a (1 - a)
    y = np.array([1.0, 0.0])
    a = _output("sigmoid")
    np.testing.assert_allclose((a - y) / (a * (1 - a)) * (a * (1 - a)), a - y)
    assert _note("sigmoid", "log_loss", y, notation).endswith(
        f"never dividing by {f} = {out} (1 - {out}))")
    # cross_entropy on a softmax: dE/dp = -y / p, divided by the output p
    p = _output("softmax")
    np.testing.assert_allclose(-y / p * p, -y)
    assert _note("softmax", "cross_entropy", y, notation).endswith(f"never dividing by {out})")
    # poisson on exp: dE/da = 1 - y / a, the output again
    y2 = np.array([2.0, 1.0])
    a = _output("exp")
    np.testing.assert_allclose((1 - y2 / a) * a, a - y2)
    assert _note("exp", "poisson", y2, notation).endswith(f"never dividing by {out})")
    # squared_error on the identity: dE/da = a - y divides by nothing
    note = _note("identity", "squared_error", [0.5, -0.5], notation)
    assert note.endswith("chainrule computes delta = out - target directly)")
    assert "f'" not in note and "dividing" not in note
