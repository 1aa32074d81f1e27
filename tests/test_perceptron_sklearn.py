"""The perceptron rule against scikit-learn's Perceptron configured to the same rule.

scikit-learn's ``Perceptron(eta0, shuffle=False, penalty=None, fit_intercept=True)``
updates ``w += eta0 y x, b += eta0 y`` (labels -1/+1) on every example with
``y (w.x + b) <= 0``.  chainrule's rule ``w += lr (t - o) x`` is the same update with
``eta0 = lr`` for 0/1 targets (step) and ``eta0 = 2 lr`` for -1/+1 (sign), except on a
tie ``w.x + b = 0``, which chainrule's step(0) = sign(0) = +1 counts as the positive
class and scikit-learn counts as a mistake for both.  With real-valued data the only tie
is the very first example, at w = 0, b = 0: it is made a negative one, which both count
as a mistake.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule.perceptron import train_perceptron

sklearn_linear = pytest.importorskip("sklearn.linear_model")


def _separable(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points off a random line by a margin of at least 0.1, both classes, a negative first."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(8, 40)), int(rng.integers(1, 4))
    X, w = rng.normal(size=(3 * n, d)), rng.normal(size=d)
    margin = X @ w - np.median(X @ w) + 0.3 * rng.normal()  # both sides hold points
    keep = np.abs(margin) > 0.1
    X, margin = X[keep][:n], margin[keep][:n]
    first = int(np.argmin(margin))  # a negative example first (see the module docstring)
    order = np.r_[first, np.delete(np.arange(len(margin)), first)]
    return X[order], (margin[order] > 0).astype(float)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("activation", "lr"), [("step", 1.0), ("step", 0.25), ("sign", 0.5)])
def test_same_weights_after_every_epoch_and_same_updates_as_scikit_learn(seed, activation, lr):
    X, y01 = _separable(seed)
    assert 0 < y01.sum() < len(y01)
    t = y01 if activation == "step" else 2 * y01 - 1
    result = train_perceptron(X, t, activation=activation, lr=lr)
    assert result.converged
    eta0 = lr if activation == "step" else 2 * lr
    clf = sklearn_linear.Perceptron(eta0=eta0, shuffle=False, penalty=None,
                                    fit_intercept=True, tol=None, max_iter=1)
    labels = 2 * y01 - 1
    before = np.zeros(X.shape[1] + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=1 per call: "not converged" warnings
        for epoch in range(result.epochs):
            updates = 0
            for i in range(len(labels)):  # one example per call: count the updates
                clf.partial_fit(X[i:i + 1], labels[i:i + 1], classes=[-1, 1])
                after = np.r_[clf.intercept_, clf.coef_[0]]
                updates += bool(np.any(after != before))
                before = after
            assert updates == result.mistakes[epoch]
            # weights[epoch + 1]: [b, w...] at the end of this epoch
            np.testing.assert_allclose(result.weights[epoch + 1], before, rtol=0, atol=1e-12)
    assert result.mistakes[-1] == 0 and np.all(clf.predict(X) == labels)
