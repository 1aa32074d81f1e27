"""``examples/sparse_autoencoder_patches.py --check --tiles ufldl``: the steps of UFLDL's
exercise that the example left out, the gradient check at the initial weights before
training (checkNumericalGradient's difference, expected below 1e-9) and the filters drawn
as display_network draws them.  The difference is checked against the one computed here
from the sparse cost and its gradient written out in NumPy."""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import numpy as np

import chainrule as cr

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sparse_autoencoder_patches.py"


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _cost(theta, data, v, h, lam=1e-4, beta=3.0, rho=0.01):
    """sparseAutoencoderCost.m on chainrule's flat vector (W of shape (fan_in, fan_out))."""
    W1, b1 = theta[:v * h].reshape(v, h).T, theta[v * h:v * h + h]
    W2, b2 = theta[v * h + h:2 * v * h + h].reshape(h, v).T, theta[2 * v * h + h:]
    m = data.shape[1]
    a2 = _sigmoid(W1 @ data + b1[:, None])
    out = _sigmoid(W2 @ a2 + b2[:, None])
    r = a2.mean(axis=1)
    J = (0.5 * np.sum((out - data) ** 2) / m + lam / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
         + beta * np.sum(rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))))
    d3 = (out - data) * out * (1 - out)
    d2 = (W2.T @ d3 + beta * (-rho / r + (1 - rho) / (1 - r))[:, None]) * a2 * (1 - a2)
    grad = np.concatenate([(d2 @ data.T / m + lam * W1).T.ravel(), d2.mean(axis=1),
                           (d3 @ a2.T / m + lam * W2).T.ravel(), d3.mean(axis=1)])
    return J, grad


def test_check_prints_checkNumericalGradients_difference_and_tiles_ufldl(tmp_path, monkeypatch,
                                                                        capsys):
    import chainrule.images
    import chainrule.plots

    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(40, 64))  # in place of the photos'
    monkeypatch.setattr(chainrule.images, "natural_patches", lambda n, size, **kw: X[:n])
    drawn = []
    monkeypatch.setattr(chainrule.plots, "plot_tiles",
                        lambda tiles, path, **kwargs: drawn.append(kwargs) or path)
    monkeypatch.setattr(sys, "argv", [EXAMPLE.name, "--patches", "40", "--iters", "2",
                                      "--hidden", "2", "--check", "--tiles", "ufldl",
                                      "--out", str(tmp_path / "p.png")])
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    found = re.search(r"relative difference norm\(numgrad - grad\) / norm\(numgrad \+ grad\) "
                      r"= (\S+) \(UFLDL expects below 1e-9\): PASS", out)
    assert found, out
    printed = float(found.group(1))
    # the same check by hand: the initial weights of the fit, the NumPy cost's gradient and
    # its central differences on the first 10 patches
    theta = cr.SparseAutoencoder(2, random_state=0).initialized(X[:10]).params
    data = X[:10].T
    grad = _cost(theta, data, 64, 2)[1]
    numgrad = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = 1e-4
        numgrad[i] = (_cost(theta + step, data, 64, 2)[0]
                      - _cost(theta - step, data, 64, 2)[0]) / 2e-4
    expected = np.linalg.norm(numgrad - grad) / np.linalg.norm(numgrad + grad)
    assert expected < 1e-9 and 0.5 * expected < printed < 2 * expected
    ((kwargs,),) = [drawn]
    assert kwargs["normalize"] == "ufldl"
