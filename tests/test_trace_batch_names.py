"""A mini-batch trace names each example's derivatives after its own loss E_i: the UFLDL
notation printed them as dJ/da, where J is the batch's cost (1/m) sum_i E_i + decay."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.tracing.render import fmt

W = np.array([[0.3, -0.4], [0.5, 0.6]])  # (fan_in, fan_out)
B = np.array([0.1, 0.2])
X = np.array([[0.5, 1.0], [-1.0, 2.0]])
Y = np.array([[1.0, 0.0], [0.5, -1.0]])


@pytest.mark.parametrize(("notation", "out"), [("ufldl", "a^(2)"), ("transfer", "x^(1)")])
def test_each_examples_derivative_is_of_its_own_loss(notation, out):
    layer = cr.Dense(2, 2, "identity", init=W.copy())
    layer.b = B.copy()
    net = cr.Network([layer], loss="squared_error", weight_decay=0.3)
    text = cr.trace(net, X, Y, notation=notation).text()
    assert f"dE_i/d{out} = {out} - y" in text
    assert "dJ/d" not in text.split("Gradients")[0]  # J is the batch's cost, defined above
    assert "J = (1/m) sum_i E_i + (lambda/2) sum W^2" in text
    rows = [line.split() for line in text.split("Backward")[1].split("Gradients")[0]
            .splitlines() if line.strip()[:1] in ("1", "2")]
    for i, (x, y) in enumerate(zip(X, Y, strict=True)):  # NumPy: dE_i/da = a - y, example i
        g = x @ W + B - y  # no 1/m: E_i's derivative, not J's
        assert rows[i][1:3] == [f"[{fmt(g[0])},", f"{fmt(g[1])}]"]
