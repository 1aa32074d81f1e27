"""A trace with weight decay: the example's loss E, the decay term and the cost J = E + decay,
each as computed, in every notation and format."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.tracing import NOTATIONS

# one identity unit, no bias, w = 300, lambda = 1: an example it nearly fits, so that
# E = 1/2 (300 * 0.007 - 2.10001)^2 = 5e-11 is tiny beside the decay (1/2) 300^2 = 45000
ARGS = ["trace", "--weights", "[[[0], [300]]]", "--biases", "false", "--activation",
        "identity", "--loss", "squared_error", "--input", "0.007", "--target", "2.10001",
        "--weight-decay", "1"]


def _by_hand() -> tuple[float, float]:
    E = 0.5 * (300.0 * 0.007 - 2.10001) ** 2
    return E, 0.5 * 1.0 * 300.0 ** 2


@pytest.mark.parametrize("notation", NOTATIONS)
def test_a_tiny_loss_beside_a_large_decay_is_printed_as_computed_not_as_j_minus_decay(
        notation, capsys):
    """E was printed as J - decay: 45000.00000000005 - 45000 keeps only J's rounding, and
    the trace said E = 5.09317e-11 (2% off) where E = 5.00000e-11."""
    E, decay = _by_hand()
    assert f"{E:.5e}" == "5.00000e-11" and decay == 45000.0
    assert main([*ARGS, "--notation", notation]) == 0
    text = capsys.readouterr().out
    assert "= 5.00000e-11 + 45000 = 45000" in text
    assert "5.09317e-11" not in text
    net = cr.Network([cr.Dense(1, 1, "identity", init=np.array([[300.0]]), bias=False)],
                     loss="squared_error", weight_decay=1.0)
    step = cr.trace(net, [0.007], [2.10001], notation=notation).step
    assert step.example_loss == pytest.approx(E, rel=1e-12)
    assert step.cost == pytest.approx(E + decay, rel=1e-15)
