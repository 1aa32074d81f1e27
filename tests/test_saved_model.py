"""chainrule.saved_model: the probabilities of a SavedModel and of an EstimatorModel."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Dense, Network
from chainrule.saved_model import SavedModel


def _one_sigmoid_unit(dtype=np.float64) -> SavedModel:
    """A model whose net input is its one feature: z = x exactly."""
    net = Network([Dense(1, 1, "sigmoid", dtype=dtype)], loss="log_loss")
    net.layers[0].W[...] = 1.0
    net.layers[0].b[...] = 0.0
    return SavedModel(net, {"task": "classification", "labels": ["no", "yes"]})


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_proba_of_one_sigmoid_unit_keeps_both_columns_digits(dtype):
    """The first column was 1 - p: 0 for z past about 37 (17 in float32) where it is e^-z.
    Now expit(-z) and expit(z) of the net input, against mpmath at 50 digits."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    z = np.array([-750.0, -60, -40, -5, -0.3, 0, 0.3, 5, 40, 60, 750])
    P = _one_sigmoid_unit(dtype).predict_proba(z[:, None])
    expected = np.array([[float(1 / (1 + mpmath.exp(mpmath.mpf(v)))),
                          float(1 / (1 + mpmath.exp(-mpmath.mpf(v))))] for v in z])
    info = np.finfo(dtype)
    np.testing.assert_allclose(P, expected, rtol=4 * info.eps, atol=info.tiny)
    assert P[z == 40, 0] > 0 and P[z == -40, 1] > 0
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=2 * info.eps)
