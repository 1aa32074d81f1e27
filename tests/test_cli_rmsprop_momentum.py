"""``chainrule train --optimizer rmsprop --momentum MU``: PyTorch's RMSprop momentum.

The library's RMSProp took PyTorch's ``momentum=`` option (a75154b) but the command line
still refused it ("--momentum: rmsprop takes no momentum").  It is taken now, recorded in
the model file, and 0 (none) unless given, as PyTorch's default.  The reference: PyTorch's
torch.optim.RMSprop (when installed) or a NumPy write-up of its rule, stepping full-batch
on the standardised features from the network's seeded initial weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.cli import main
from chainrule.io import load_metadata


def _rmsprop_momentum(params, grad, lr, mu, rho=0.9, eps=1e-8, steps=4):
    """PyTorch's RMSprop(alpha=rho, eps, momentum=mu), written out: s = rho s + (1 - rho)
    g^2; b = mu b + g / (sqrt(s) + eps); w -= lr b."""
    s = np.zeros_like(params)
    b = np.zeros_like(params)
    for _ in range(steps):
        g = grad(params)
        s = rho * s + (1 - rho) * g * g
        b = mu * b + g / (np.sqrt(s) + eps)
        params = params - lr * b
    return params


@pytest.mark.parametrize("mu", [0.5, 0.0])
def test_rmsprop_momentum_steps_as_pytorchs_rule(tmp_path, capsys, mu):
    def hand(params, grad, lr, steps):
        return _rmsprop_momentum(params, grad, lr, mu, steps=steps)

    meta = checks.cli_is_the_rule(tmp_path, "rmsprop", hand, extra=["--momentum", str(mu)],
                                  epochs=4)
    assert meta["training"]["momentum"] == mu


def test_rmsprop_without_momentum_is_unchanged(tmp_path, capsys):
    path, _, _ = checks.cli_data(tmp_path)
    args = ["train", str(path), "--target", "y", "--optimizer", "rmsprop", "--epochs", "2",
            "-q"]
    assert main([*args, "-o", str(tmp_path / "a.npz")]) == 0
    assert main([*args, "--momentum", "0", "-o", str(tmp_path / "b.npz")]) == 0
    np.testing.assert_array_equal(cr.load(tmp_path / "a.npz").params,
                                  cr.load(tmp_path / "b.npz").params)
    assert load_metadata(tmp_path / "a.npz")["training"]["momentum"] is None
