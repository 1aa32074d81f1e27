"""The net/out notation writes a constant derivative once: identity's dout/dnet = 1."""

from __future__ import annotations

import chainrule as cr


def _trace() -> cr.tracing.Trace:
    net = cr.Network.from_transfer_matrices([[[0.1], [0.3]], [[0.1], [0.4]]],
                                            activation=["tanh", "identity"],
                                            loss="squared_error")
    return cr.trace(net, [2], [3], notation="netout")


def test_identity_derivative_is_not_printed_as_one_equals_one():
    """It printed "dout_o1/dnet_o1 = 1 = 1" (the formula, then its value)."""
    t = _trace()
    text, md = t.text(), t.markdown()
    assert "  dout_o1/dnet_o1 = 1\n" in text and "= 1 = 1" not in text
    assert "= 1 = 1" not in md
    # tanh's derivative keeps its formula and its value: 1 - tanh(0.1 + 0.3 * 2)^2
    import math

    value = 1 - math.tanh(0.7) ** 2
    assert f"dout_h1/dnet_h1 = 1 - out_h1^2 = {value:.6f}" in text
