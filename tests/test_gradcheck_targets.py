"""gradient_check names Y when the model's cost needs targets and none were given (or the
other way round), instead of Python's TypeError about a private class's method."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.autoencoder import SparseAutoencoder


def _central_differences(net: cr.Network, X: np.ndarray, Y: np.ndarray,
                         eps: float = 1e-4) -> np.ndarray:
    theta = net.params.copy()
    num = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        num[i] = (net.cost(theta + step, X, Y)[0] - net.cost(theta - step, X, Y)[0]) / (2 * eps)
    return num


def test_a_network_checked_without_targets_is_refused_naming_y():
    """Before: TypeError "_CostAndGradient.cost() missing 1 required positional argument:
    'Y'"."""
    net = cr.mlp([3, 4, 2], hidden="tanh", output="sigmoid", seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    with pytest.raises(TypeError, match=r"^Y is required: Network\.cost\(theta, X, Y"):
        cr.gradient_check(net, X)
    # with the targets the check runs, and its figure is that of plain central differences
    Y = np.random.default_rng(1).integers(0, 2, (5, 2)).astype(float)
    result = cr.gradient_check(net, X, Y)
    ana = net.loss_and_grad(X, Y)[1]
    num = _central_differences(net, X, Y)
    expected = np.linalg.norm(num - ana) / np.linalg.norm(num + ana)
    assert result.rel_diff == pytest.approx(expected, rel=1e-6) and result.verdict == "PASS"


def test_an_unsupervised_model_given_targets_is_refused_naming_y():
    X = np.random.default_rng(0).uniform(size=(20, 4))
    ae = SparseAutoencoder(n_hidden=3, max_iter=3)
    with pytest.warns(Warning):  # three iterations: not converged
        ae.fit(X)
    with pytest.raises(TypeError, match=r"^Y was given, but SparseAutoencoder\.cost\(theta, X\)"):
        cr.gradient_check(ae, X[:5], X[:5])
    assert cr.gradient_check(ae, X[:5]).verdict == "PASS"
