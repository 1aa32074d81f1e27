"""``StackedAutoencoder(fine_tune_decay_layers="softmax")``: UFLDL's stackedAECost decays
the softmax's weights alone while fine-tuning; the stack decayed every layer's, with no
way to ask for the exercise's cost.  Checked against stackedAECost written in NumPy."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _stacked_ae_cost(theta, sizes, X, y, lam):
    """stackedAECost.m: cross-entropy + (lambda/2) sum(softmaxTheta .^ 2), its gradient
    (no decay on the stack's weights), on chainrule's flat vector (W (fan_in, fan_out))."""
    layers, at = [], 0
    for fan_in, fan_out in itertools.pairwise(sizes):
        W = theta[at:at + fan_in * fan_out].reshape(fan_in, fan_out).T  # UFLDL's (out, in)
        layers.append((W, theta[at + fan_in * fan_out:at + fan_in * fan_out + fan_out]))
        at += fan_in * fan_out + fan_out
    m = X.shape[0]
    a = [X.T]
    for W, b in layers[:-1]:
        a.append(_sigmoid(W @ a[-1] + b[:, None]))
    W, b = layers[-1]
    z = W @ a[-1] + b[:, None]
    z -= z.max(axis=0)
    p = np.exp(z) / np.exp(z).sum(axis=0)
    ground = np.zeros_like(p)
    ground[y, np.arange(m)] = 1
    J = -np.sum(ground * np.log(p)) / m + lam / 2 * np.sum(W ** 2)
    delta = -(ground - p)  # -(groundTruth - p), then back through the sigmoid layers
    grads = [(delta @ a[-1].T / m + lam * W, delta.sum(axis=1) / m)]
    delta = W.T @ delta * a[-1] * (1 - a[-1])
    for d in range(len(layers) - 2, -1, -1):
        grads.insert(0, (delta @ a[d].T / m, delta.sum(axis=1) / m))
        if d:
            delta = layers[d][0].T @ delta * a[d] * (1 - a[d])
    return J, np.concatenate([np.concatenate([gW.T.ravel(), gb]) for gW, gb in grads])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    return rng.uniform(0, 1, size=(12, 10)), rng.integers(0, 3, 12)


def _stack(X, y, fine_tune_iter=3, **settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cr.StackedAutoencoder(
            hidden_sizes=(6, 4), max_iter=5, softmax_max_iter=5, fine_tune_iter=fine_tune_iter,
            softmax_weight_decay=1e-2, fine_tune_sparsity=False, random_state=0,
            **settings).fit(X, y)


def test_cost_decays_the_softmax_alone_as_stackedAECost(data):
    X, y = data
    stack = _stack(X, y, fine_tune_decay_layers="softmax")
    theta = stack.params + np.random.default_rng(6).normal(0, 0.5, stack.params.size)
    J, grad = stack.cost(theta, X, y)
    J_ref, grad_ref = _stacked_ae_cost(theta, (10, 6, 4, 3), X, y, 1e-2)
    assert J == pytest.approx(J_ref, rel=1e-13)
    np.testing.assert_allclose(grad, grad_ref, rtol=0, atol=1e-13 * np.abs(grad_ref).max())
    # the default decays every layer: the stack's weights' (lambda/2) sum W^2 more
    stack.set_params(fine_tune_decay_layers="all")
    stack_W = [theta[:60], theta[66:90]]
    J_all, _ = stack.cost(theta, X, y)
    assert J_all == pytest.approx(J_ref + 1e-2 / 2 * sum(np.sum(w ** 2) for w in stack_W),
                                  rel=1e-13)


def test_fine_tuning_minimises_that_cost(data):
    X, y = data
    stack = _stack(X, y, fine_tune_iter=2000, fine_tune_decay_layers="softmax")
    _, grad = _stacked_ae_cost(stack.params, (10, 6, 4, 3), X, y, 1e-2)
    assert np.abs(grad).max() < 1e-5  # a minimum of stackedAECost's cost
    # the stack's weights grew undecayed, past what the default's decay lets them reach
    default = _stack(X, y, fine_tune_iter=2000)
    assert np.sum(stack.params[:60] ** 2) > np.sum(default.params[:60] ** 2)


def test_the_setting_is_checked_saved_and_loaded(data, tmp_path):
    X, y = data
    with pytest.raises(ValueError, match=r"fine_tune_decay_layers must be 'all' or "
                       r"'softmax' \(the weights fine-tuning decays\), got 'hidden'"):
        cr.StackedAutoencoder((3,), fine_tune_decay_layers="hidden").fit(X, y)
    stack = _stack(X, y, fine_tune_decay_layers="softmax")
    loaded = cr.load_autoencoder(stack.save(tmp_path / "stack.npz"))
    assert loaded.fine_tune_decay_layers == "softmax"
    np.testing.assert_array_equal(loaded.cost(loaded.params, X, y)[1],
                                  stack.cost(stack.params, X, y)[1])
