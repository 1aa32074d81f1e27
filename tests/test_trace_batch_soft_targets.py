"""A mini-batch of softmax + cross-entropy examples whose targets do not all sum to 1:
the notes of the one-example trace, naming the examples they are about."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.tracing.render import fmt

W = np.array([[0.3, -0.4], [0.5, 0.6]])
B = np.array([0.1, 0.2])
X = np.array([[0.5, 1.0], [1.0, 0.0], [0.0, -1.0]])


def _text(Y: np.ndarray) -> str:
    layer = cr.Dense(2, 2, "softmax", init=W.copy())
    layer.b = B.copy()
    return cr.trace(cr.Network([layer], loss="cross_entropy"), X, Y).text()


def test_only_the_examples_whose_targets_do_not_sum_to_1_are_named():
    """The batch gave no note on example 1's targets (sum 1.1), which the one-example trace
    gives, and its delta note said "the targets sum to 1.1" of all three examples, two of
    which sum to 1, where delta is out - target."""
    Y = np.array([[0.5, 0.6], [1.0, 0.0], [0.3, 0.7]])
    text = _text(Y)
    z = X @ W + B
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    delta = Y.sum(axis=1, keepdims=True) * p - Y  # NumPy: d(-sum y log p)/dz, per example
    for i in range(3):
        assert f"[{fmt(delta[i, 0])}, {fmt(delta[i, 1])}]" in text
    assert "note (example 1): the cross_entropy loss reads the target as the probabilities" \
        in text
    assert f"y / 1.1 = [{0.5 / 1.1:.6g}, {0.6 / 1.1:.6g}]" in text
    assert "note (example 2)" not in text and "note (example 3)" not in text
    assert ("delta = sum(target) * out - target (example 1's targets sum to 1.1, not 1; the "
            "others' sum to 1: theirs is out - target)") in text
    assert "the targets sum to 1.1" not in text


def test_targets_that_all_sum_to_1_get_the_plain_note():
    text = _text(np.array([[0.5, 0.5], [1.0, 0.0], [0.3, 0.7]]))
    assert "note (example" not in text
    assert "chainrule computes delta = out - target directly" in text
