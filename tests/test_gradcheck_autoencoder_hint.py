"""What ``gradient_check`` tells a student who passes a stack that is not fitted: check
the stack itself once fitted, not its ``network_``, whose cost has no KL sparsity
penalty (the earlier advice, "check its network, model.network_"); and that a fitted
autoencoder's check is its own cost, with the penalty."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr


def _kl(rho, r):
    return rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))


def test_a_fitted_sparse_autoencoder_is_checked_through_its_own_cost():
    # unfitted, it is checked at its initial weights (test_gradcheck_autoencoder_initial)
    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(12, 6))
    ae = cr.SparseAutoencoder(3, rho=0.05, beta=3.0, weight_decay=1e-3, max_iter=5,
                              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    # the advice holds: the autoencoder's check has UFLDL's J, its network's lacks the KL term
    W1, b1, W2, b2 = [a for lay in ae.network_.layers for a in (lay.W, lay.b)]
    A = expit(X @ W1 + b1)
    kl = 3.0 * np.sum(_kl(0.05, A.mean(axis=0)))
    J = (0.5 * np.sum((expit(A @ W2 + b2) - X) ** 2) / 12
         + 1e-3 / 2 * (np.sum(W1**2) + np.sum(W2**2)) + kl)
    own = cr.gradient_check(ae, X)
    assert own.cost == pytest.approx(J, rel=1e-12) and own.rel_diff < 1e-7
    assert cr.gradient_check(ae.network_, X, X).cost == pytest.approx(J - kl, rel=1e-12)


def test_an_unfitted_stack_is_told_to_check_its_own_cost_with_the_labels():
    X = np.random.default_rng(1).uniform(size=(8, 4))
    y = np.arange(8) % 2
    with pytest.raises(TypeError, match=r"\(a StackedAutoencoder that is not fitted: fit it, "
                       r"then check the cost its training minimises, gradient_check\(model, "
                       r"X, y\); the cost of its network_ alone leaves out the KL sparsity "
                       r"penalty\)$"):
        cr.gradient_check(cr.StackedAutoencoder((3,)), X, y)
    # without the penalties in fine-tuning, nothing is said to be left out
    with pytest.raises(TypeError, match=r"gradient_check\(model, X, y\)\)$"):
        cr.gradient_check(cr.StackedAutoencoder((3,), fine_tune_sparsity=False), X, y)
    # softmax regression has a cost of its own (SoftmaxRegression.cost), with no penalty
    with pytest.raises(TypeError, match=r"\(a SoftmaxRegression that is not fitted: fit it, "
                       r"then check the cost its training minimises, gradient_check\(model, "
                       r"X, y\)\)$"):
        cr.gradient_check(cr.SoftmaxRegression(), X, y)
