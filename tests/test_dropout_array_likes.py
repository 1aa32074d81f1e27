"""Dropout takes array-likes as np.asarray in both modes, so that backward follows forward."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Dropout


@pytest.mark.parametrize("rate", [0.0, 0.5])
def test_evaluation_takes_a_list_as_an_array_and_backward_follows(rate):
    # it returned the list itself and kept no shape: backward then said "needs a forward
    # pass first".  Evaluation is the identity, so is its gradient
    X = [[1.0, -2.0, 3.0], [0.5, 0.0, 4.0]]
    layer = Dropout(rate)
    A = layer.forward(X)
    assert isinstance(A, np.ndarray)
    np.testing.assert_array_equal(A, np.array(X))
    g = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(layer.backward(g), g)


def test_evaluation_keeps_an_array_and_the_dtype_of_a_list():
    X = np.ones((2, 3), dtype=np.float32)
    assert Dropout(0.5).forward(X) is X  # an ndarray is returned as it is
    assert Dropout(0.5).forward([[1, 2], [3, 4]]).dtype == np.array([[1, 2]]).dtype


def test_training_takes_a_list_as_an_array():
    # it stopped in "'list' object has no attribute 'dtype'"
    X = [[1.0, -2.0, 3.0], [0.5, 6.0, 4.0]]
    keep = np.array([[1, 0, 1], [0, 1, 1]], dtype=bool)
    layer = Dropout(0.25)
    layer.fix_mask(keep)
    A = layer.forward(X, training=True)
    np.testing.assert_allclose(A, np.where(keep, np.array(X) / 0.75, 0.0), rtol=1e-15)
    g = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_allclose(layer.backward(g), np.where(keep, g / 0.75, 0.0), rtol=1e-15)


def test_a_list_of_integers_in_training_is_taken_as_float64():
    layer = Dropout(0.5)
    layer.fix_mask(np.ones((1, 2), dtype=bool))
    A = layer.forward([[1, 3]], training=True)
    assert A.dtype == np.float64
    np.testing.assert_array_equal(A, [[2.0, 6.0]])  # 1 / (1 - 0.5) = 2
