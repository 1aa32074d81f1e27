"""``chainrule train --optimizer adamw``: PyTorch's AdamW, its decoupled weight_decay 0.01.

The reference: AdamW's rule written out in NumPy (the weights, not the biases, shrunk by
``lr * 0.01`` first, then Adam's step from the gradient), stepping full-batch on the
standardised features from the network's seeded initial weights.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata


def _adamw(params, grad, lr, wd, decayed, steps, b1=0.9, b2=0.999, eps=1e-8):
    """torch.optim.AdamW's algorithm: theta -= lr wd theta (the weights), then Adam."""
    m, v = np.zeros_like(params), np.zeros_like(params)
    for t in range(1, steps + 1):
        g = grad(params)
        params = params.copy()
        params[decayed] *= 1 - lr * wd
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        params = params - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return params


def test_adamw_steps_as_pytorchs_rule(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) * [1.0, 3.0] + [0.5, -1.0]
    y = (X[:, 0] - X[:, 1] / 3 > 0.6).astype(int)
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "".join(f"{float(a)!r},{float(b)!r},{t}\n"
                                        for (a, b), t in zip(X, y, strict=True)))
    model = tmp_path / "m.npz"
    assert main(["train", str(path), "--target", "y", "--hidden", "3", "--optimizer", "adamw",
                 "--lr", "0.3", "--batch-size", "40", "--val-fraction", "0", "--epochs", "6",
                 "--seed", "2", "-q", "-o", str(model)]) == 0
    meta = load_metadata(model)
    assert meta["training"]["optimizer"] == "adamw"
    net = cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=2)
    Xs = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    Y = y[:, None].astype(float)
    decayed = np.zeros(net.params.size, bool)
    for sl in net._decay_slices:
        decayed[sl] = True
    assert 0 < decayed.sum() < decayed.size  # weights decayed, biases not

    def grad(theta):
        return net.cost(theta, Xs, Y)[1]  # the mean log loss's gradient (no L2 penalty)

    expected = _adamw(net.params.copy(), grad, 0.3, 0.01, decayed, 6)
    got = cr.load(model).params
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    # the decay mattered: Adam's steps alone end elsewhere
    plain = _adamw(net.params.copy(), grad, 0.3, 0.0, decayed, 6)
    assert np.max(np.abs(plain - got)) > 1e-4
