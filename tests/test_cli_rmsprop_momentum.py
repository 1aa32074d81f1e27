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
from chainrule.cli import main
from chainrule.io import load_metadata


def _data(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) * [1.0, 3.0] + [0.5, -1.0]
    y = (X[:, 0] - X[:, 1] / 3 > 0.6).astype(int)
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "".join(f"{float(a)!r},{float(b)!r},{t}\n"
                                        for (a, b), t in zip(X, y, strict=True)))
    return path, X, y


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
    path, X, y = _data(tmp_path)
    model = tmp_path / "m.npz"
    options = ["--target", "y", "--hidden", "3", "--optimizer", "rmsprop", "--lr", "0.05",
               "--batch-size", "40", "--val-fraction", "0", "--epochs", "4", "--seed", "2",
               "-q", "-o", str(model)]
    assert main(["train", str(path), *options, "--momentum", str(mu)]) == 0
    meta = load_metadata(model)
    assert meta["training"]["momentum"] == mu
    # the same network from its seed, on the features standardised as the model says
    net = cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=2)
    Xs = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    Y = y[:, None].astype(float)

    def grad(theta):
        return net.cost(theta, Xs, Y)[1]  # the mean log loss's gradient (no decay)

    expected = _rmsprop_momentum(net.params.copy(), grad, 0.05, mu)
    np.testing.assert_allclose(cr.load(model).params, expected, rtol=1e-10, atol=1e-12)


def test_rmsprop_without_momentum_is_unchanged(tmp_path, capsys):
    path, _, _ = _data(tmp_path)
    args = ["train", str(path), "--target", "y", "--optimizer", "rmsprop", "--epochs", "2",
            "-q"]
    assert main([*args, "-o", str(tmp_path / "a.npz")]) == 0
    assert main([*args, "--momentum", "0", "-o", str(tmp_path / "b.npz")]) == 0
    np.testing.assert_array_equal(cr.load(tmp_path / "a.npz").params,
                                  cr.load(tmp_path / "b.npz").params)
    assert load_metadata(tmp_path / "a.npz")["training"]["momentum"] is None
