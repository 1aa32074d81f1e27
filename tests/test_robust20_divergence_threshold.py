"""``divergence_threshold`` of train and Trainer must be a finite float > 0 (robust20).

-1 or 0 was taken, and every run stopped at its first batch with TrainingDiverged (a loss,
>= 0, is above either); a NaN or a string is refused as before.  Nothing of the network
changes; a threshold above every loss of the run trains as without one.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(20)
X = RNG.normal(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)


def _net():
    return cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)


BAD = [  # (value, error, key words of the message)
    (-1, ValueError, ["divergence_threshold", "> 0", "-1"]),
    (0, ValueError, ["divergence_threshold", "> 0", "got 0"]),
    (-0.0, ValueError, ["divergence_threshold", "> 0"]),
    (np.float32(-2.5), ValueError, ["divergence_threshold", "> 0", "-2.5"]),
    (float("nan"), ValueError, ["divergence_threshold", "finite", "nan"]),
    (float("inf"), ValueError, ["divergence_threshold", "finite", "inf"]),
    ("5", TypeError, ["divergence_threshold", "'5'"]),
]


@pytest.mark.parametrize(("value", "exc", "words"), BAD, ids=[repr(b[0]) for b in BAD])
def test_a_threshold_not_above_zero_is_refused(value, exc, words):
    net = _net()
    before = pickle.dumps(net)
    for call in (lambda: cr.train(net, X, LABELS, epochs=1, divergence_threshold=value),
                 lambda: cr.Trainer(net, epochs=1, divergence_threshold=value)):
        with pytest.raises(exc) as info:
            call()
        for word in words:
            assert word in str(info.value), (word, str(info.value))
    assert pickle.dumps(net) == before


def test_a_threshold_above_every_loss_trains_as_without_one():
    """The mean cross-entropy of 3 classes starts near log 3 = 1.1; 1e6 is far above it."""
    a, b = _net(), _net()
    cr.train(a, X, LABELS, epochs=3, seed=0, divergence_threshold=1e6)
    cr.train(b, X, LABELS, epochs=3, seed=0)
    assert np.array_equal(a.params, b.params)
