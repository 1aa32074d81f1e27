"""A traced step whose new cost overflows through its weight-decay term alone names
weight_decay, not lr: ``chainrule trace --weight-decay 1e308`` said "expected a smaller
learning rate" at lr = 1, where the update multiplied each weight by 1 - lr lambda =
-1e308 (the new forward pass and its loss finite).

Reference: the step worked by hand in float64 below (w <- w - lr (delta x + lambda w),
b <- b - lr delta), its new loss finite and its new decay term infinite."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


def _net(decay: float) -> cr.Network:
    dense = cr.Dense(1, 1, "identity", init=np.array([[1.0]]))
    dense.b = np.array([0.0])
    return cr.Network([dense], loss="squared_error", weight_decay=decay)


@pytest.mark.parametrize("decay", [1e200, 1e308])
def test_new_decay_term_overflowing_names_weight_decay(decay):
    x, y, lr = 1e-200, 0.0, 1.0
    # by hand: out = w x = 1e-200, delta = out - y; the new weight and bias, the new output
    delta = 1.0 * x - y
    w_new = 1.0 - lr * (delta * x + decay * 1.0)
    b_new = 0.0 - lr * delta
    out_new = w_new * x + b_new
    with np.errstate(over="ignore"):
        assert np.isfinite(0.5 * (out_new - y) ** 2)           # the loss term: finite
        assert not np.isfinite(0.5 * decay * w_new * w_new)   # the decay term: inf
    net = _net(decay)
    before = net.params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        with pytest.raises(ValueError) as exc:
            cr.trace(net, [x], [y], lr=lr)
    text = str(exc.value)
    assert text.startswith("weight_decay: ")
    assert f"weight_decay = {decay:g}" in text and f"1 - lr lambda = {1 - lr * decay:g}" in text
    assert f"the loss term is {0.5 * out_new ** 2:g}" in text
    assert "smaller learning rate" not in text
    np.testing.assert_array_equal(net.params, before)  # the network is not changed


def test_a_decay_that_keeps_the_cost_finite_traces_the_hand_values():
    x, y, lr, decay = 0.5, 0.0, 0.1, 3.0
    step = cr.trace(_net(decay), [x], [y], lr=lr).step
    delta = x - y
    w_new = 1.0 - lr * (delta * x + decay)
    b_new = -lr * delta
    out_new = w_new * x + b_new
    assert step.output_new[0] == pytest.approx(out_new, rel=1e-14)
    assert step.cost_new == pytest.approx(0.5 * out_new**2 + 0.5 * decay * w_new**2, rel=1e-14)


def test_cli_trace_with_a_huge_weight_decay_names_it(capsys):
    assert main(["trace", "--weight-decay", "1e308"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: weight_decay: ") and "1e+308" in err
