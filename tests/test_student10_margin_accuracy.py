"""The accuracy of a network trained with a margin loss (``hinge``, ``multiclass_hinge``):
its outputs are scores, whose class is their sign or their argmax
(:func:`chainrule.losses.hinge_predictions`), not probabilities cut at 0.5.  Checked
against scikit-learn's ``accuracy_score`` and ``SGDClassifier(loss="hinge")``'s own
predict rule on the same scores."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score

import chainrule as cr
from chainrule.layers import Dense
from chainrule.losses import hinge_predictions
from chainrule.network import Network


def _binary_net(rng: np.random.Generator) -> tuple[Network, np.ndarray, np.ndarray]:
    """A linear hinge network, data whose scores lie on both sides of 0 (some exactly 0,
    some in (0, 0.5], where a 0.5 cut would be wrong), and -1/+1 targets."""
    net = Network([Dense(2, 1, activation="identity")], loss="hinge")
    layer = net.layers[0]
    layer.W[...] = np.array([[1.0], [0.0]])  # (n_inputs, n_outputs): the score is x0 + b
    layer.b[...] = 0.0
    X = np.column_stack([np.array([-2.0, -0.3, 0.0, 0.0, 0.2, 0.4, 0.45, 1.5, 3.0, -1.0]),
                         rng.normal(size=10)])
    y = np.array([-1.0, 1.0, -1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0, -1.0])
    return net, X, y


def _sgd_predict(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """scikit-learn's SGDClassifier(loss="hinge") predictions of these scores: a fitted
    classifier whose linear model is set to give exactly ``scores`` on ``scores``."""
    clf = SGDClassifier(loss="hinge", max_iter=5, tol=None, random_state=0)
    clf.fit(scores, y)
    clf.coef_[...] = 1.0
    clf.intercept_[...] = 0.0
    return clf.predict(scores)


def test_evaluate_gives_a_hinge_network_the_accuracy_of_the_scores_signs():
    net, X, y = _binary_net(np.random.default_rng(0))
    scores = net.predict(X)
    assert (scores == 0).any() and ((scores > 0) & (scores <= 0.5)).any()
    expected = accuracy_score(y, _sgd_predict(scores, y))
    result = net.evaluate(X, y[:, None])
    assert result["accuracy"] == pytest.approx(expected, abs=1e-15)
    assert result["accuracy"] == pytest.approx(accuracy_score(y, hinge_predictions(scores)))
    w = np.linspace(0.5, 2.0, len(y))
    weighted = net.evaluate(X, y[:, None], sample_weight=w)["accuracy"]
    assert weighted == pytest.approx(accuracy_score(y, hinge_predictions(scores),
                                                    sample_weight=w), rel=1e-12)


def test_evaluate_gives_a_multiclass_hinge_network_the_argmax_accuracy():
    rng = np.random.default_rng(1)
    net = Network([Dense(4, 3, activation="identity", seed=0)], loss="multiclass_hinge")
    X, labels = rng.normal(size=(50, 4)), rng.integers(0, 3, 50)
    scores = net.predict(X)
    acc = net.evaluate(X, np.eye(3)[labels])["accuracy"]
    assert acc == pytest.approx(accuracy_score(labels, scores.argmax(axis=1)), abs=1e-15)


@pytest.mark.parametrize("optimizer, batch_size", [("gd", None), ("sgd", 4)])
def test_the_history_of_a_hinge_run_has_accuracies(optimizer, batch_size):
    net, X, y = _binary_net(np.random.default_rng(2))
    before = accuracy_score(y, _sgd_predict(net.predict(X), y))
    history = cr.train(net, X, y[:, None], optimizer=optimizer, lr=0.05, epochs=3,
                       batch_size=batch_size, seed=0,
                       validation_data=(X, y[:, None]))
    assert len(history["accuracy"]) == 3 and len(history["val_accuracy"]) == 3
    after = net.predict(X)
    assert history["val_accuracy"][-1] == pytest.approx(
        accuracy_score(y, _sgd_predict(after, y)), abs=1e-15)
    if optimizer == "gd":  # one batch: the first epoch counts the starting parameters
        assert history["accuracy"][0] == pytest.approx(before, abs=1e-15)


def test_a_weighted_multiclass_hinge_run_reports_its_accuracy():
    rng = np.random.default_rng(3)
    X, labels = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    net = Network([Dense(4, 3, activation="identity", seed=0)], loss="multiclass_hinge")
    w = rng.uniform(0.5, 2.0, 30)
    start = net.predict(X).argmax(axis=1)
    history = cr.train(net, X, np.eye(3)[labels], lr=0.01, epochs=1, sample_weight=w)
    assert history["accuracy"][0] == pytest.approx(
        accuracy_score(labels, start, sample_weight=w), rel=1e-12)
