"""``SoftmaxRegression.cost`` and ``params``: UFLDL's softmax exercise checks softmaxCost's
gradient before training, but the classifier had no cost of its own (``gradient_check(sr,
X, y)`` was refused, pointing at the network and class codes).  Checked against
softmaxCost written out in NumPy here."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr


def _softmax_cost(W, b, X, codes, lam, w=None):
    """softmaxCost.m (with biases, not decayed): W of shape (n_classes, n_features)."""
    z = W @ X.T + b[:, None]
    z -= z.max(axis=0)
    p = np.exp(z) / np.exp(z).sum(axis=0)
    m = X.shape[0]
    shares = np.full(m, 1 / m) if w is None else w / w.sum()
    ground = np.zeros_like(p)
    ground[codes, np.arange(m)] = 1
    J = -np.sum(shares * np.log(p[codes, np.arange(m)])) + lam / 2 * np.sum(W ** 2)
    error = (p - ground) * shares
    return J, error @ X + lam * W, error.sum(axis=1)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 6)), rng.choice(np.array(["a", "b", "c"]), 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sr = cr.SoftmaxRegression(weight_decay=1e-2, max_iter=5, random_state=0).fit(X, y)
    return sr, X, y


def _theta(W, b):
    return np.concatenate([W.T.ravel(), b])  # chainrule's W is (n_features, n_classes)


def test_cost_is_softmaxCost_with_weight_decay(fitted):
    sr, X, y = fitted
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 6)), rng.normal(size=3)
    codes = np.searchsorted(["a", "b", "c"], y)
    J, grad = sr.cost(_theta(W, b), X, y)
    J_ref, gW, gb = _softmax_cost(W, b, X, codes, 1e-2)
    assert J == pytest.approx(J_ref, rel=1e-13)
    np.testing.assert_allclose(grad, _theta(gW, gb), rtol=0, atol=1e-14)
    assert sr.params.shape == (21,)
    # weighted as fit weighs: the weighted mean, the decay unchanged
    w = rng.uniform(0.5, 3, 20)
    J, grad = sr.cost(_theta(W, b), X, y, sample_weight=w)
    J_ref, gW, gb = _softmax_cost(W, b, X, codes, 1e-2, w)
    assert J == pytest.approx(J_ref, rel=1e-13)
    np.testing.assert_allclose(grad, _theta(gW, gb), rtol=0, atol=1e-14)


def test_gradient_check_takes_the_classifier_and_its_labels(fitted):
    sr, X, y = fitted
    check = cr.gradient_check(sr, X, y)
    assert check.verdict == "PASS"
    assert check.cost == pytest.approx(sr.cost(sr.params, X, y)[0], rel=0)


def test_cost_refuses_unseen_labels_and_an_unfitted_model(fitted):
    sr, X, y = fitted
    with pytest.raises(ValueError, match=r"y holds labels not seen in fit: \['z'\]"):
        sr.cost(sr.params, X, np.where(y == "a", "z", y))
    with pytest.raises(ValueError, match=r"theta"):
        sr.cost(sr.params[:-1], X, y)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        cr.SoftmaxRegression().cost(np.zeros(21), X, y)
