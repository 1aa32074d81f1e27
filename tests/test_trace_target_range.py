"""trace: a target outside a bounded output's range gets a note under the target.

``chainrule train`` refuses such a target (a sigmoid output and the target 2); the trace
computed the step without a word, and a student who typed it saw E stay far from 0 and
the gradient push the output towards 1 with no reason given.  The reference here is an
independent minimisation (SciPy) of the example's E over all the network's parameters:
it cannot come below the value at the bound, as the note says, while a target inside
the range is reached.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit

import chainrule as cr
from chainrule.cli import main

# example A's network (SPEC 10 A), transfer matrices
A = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]


def _lowest_E(target: float) -> float:
    """min over W0, W1 of 1/2 (sigmoid(W1^T [1; sigmoid(W0^T [1; x])]) - target)^2."""
    x = np.array([1.0, 0.0, 1.0])

    def E(theta: np.ndarray) -> float:
        h = expit(x @ theta[:6].reshape(3, 2))
        out = expit(np.concatenate([[1.0], h]) @ theta[6:])
        return 0.5 * (out - target) ** 2

    theta0 = np.concatenate([np.ravel(A[0]), np.ravel(A[1])])
    return float(minimize(E, theta0, method="BFGS", options={"gtol": 1e-12}).fun)


def _note_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "output lies in" in line]


@pytest.mark.parametrize("notation", ["transfer", "ufldl", "netout"])
def test_a_target_outside_a_sigmoid_output_gets_a_note(notation):
    net = cr.Network.from_transfer_matrices(A, activation="sigmoid", loss="squared_error")
    t = cr.trace(net, [0, 1], [2], notation=notation)
    notes = _note_lines(t.text())
    assert len(notes) == 1
    assert "a sigmoid output lies in [0, 1]" in notes[0] and "2 (unit 1)" in notes[0]
    assert "E cannot come down to 0" in notes[0]
    assert _note_lines(t.markdown())
    # the claim, checked apart: E never comes below 1/2 (2 - 1)^2, its value at the bound
    assert _lowest_E(2.0) > 0.5 - 1e-6
    # a target inside the range gets no note, and E does come down to 0 there
    assert not _note_lines(cr.trace(net, [0, 1], [0.9], notation=notation).text())
    assert _lowest_E(0.9) < 1e-10


def test_other_bounded_outputs_and_the_batch_and_the_command_line(capsys):
    tanh = cr.Network.from_transfer_matrices(A, activation=["sigmoid", "tanh"],
                                             loss="squared_error")
    notes = _note_lines(cr.trace(tanh, [0, 1], [-3]).text())
    assert len(notes) == 1 and "a tanh output lies in [-1, 1]" in notes[0]
    relu = cr.Network.from_transfer_matrices(A, activation=["sigmoid", "relu"],
                                             loss="squared_error")
    notes = _note_lines(cr.trace(relu, [0, 1], [-0.5]).text())
    assert len(notes) == 1 and "a relu output lies in [0, inf)" in notes[0]
    # exp, whose outputs are positive: "an exp output"
    exp = cr.Network.from_transfer_matrices(A, activation=["sigmoid", "exp"],
                                            loss="squared_error")
    notes = _note_lines(cr.trace(exp, [0, 1], [-1]).text())
    assert len(notes) == 1 and notes[0].startswith("note: an exp output lies in [0, inf)")
    # identity has no bounds: no note for any target
    lin = cr.Network.from_transfer_matrices(A, activation=["sigmoid", "identity"],
                                            loss="squared_error")
    assert not _note_lines(cr.trace(lin, [0, 1], [-30]).text())
    # a mini-batch: the example whose target is out of reach is named
    batch = cr.trace(cr.Network.from_transfer_matrices(A, activation="sigmoid",
                                                       loss="squared_error"),
                     [[0, 1], [1, 0]], [[0.5], [1.5]]).text()
    notes = _note_lines(batch)
    assert len(notes) == 1 and notes[0].startswith("note (example 2):")
    assert main(["trace", "--preset", "transfer-example", "--loss", "squared_error",
                 "--target", "2"]) == 0
    assert len(_note_lines(capsys.readouterr().out)) == 1
