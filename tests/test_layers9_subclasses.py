"""Every layer takes a subclass of ndarray (np.matrix, a masked array) as the plain ndarray
of its values, in forward and in backward, and returns plain ndarrays: Dropout did so
already (np.asarray) while the others kept the subclass, whose own ``*`` (np.matrix's
matrix product) broke Dense's backward, BatchNorm and Dropout's training pass."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D

# np.matrix itself warns that it is not recommended: it is the subclass under test
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

_IMAGES = np.random.default_rng(0).normal(size=(3, 2, 5, 4))
_ROWS = _IMAGES[:, :, 0, 0].copy()

_CASES = {
    "Dense": (lambda: Dense(2, 3, "sigmoid", seed=0), _ROWS),
    "Conv2D": (lambda: Conv2D(2, 3, 3, padding=1, activation="tanh", seed=0), _IMAGES),
    "MaxPool2D": (lambda: MaxPool2D(2, stride=1, padding=1), _IMAGES),
    "AvgPool2D": (lambda: AvgPool2D(3, stride=2, padding=1), _IMAGES),
    "BatchNorm": (lambda: BatchNorm(2), _ROWS),
    "BatchNorm images": (lambda: BatchNorm(2), _IMAGES),
    "Dropout": (lambda: Dropout(0.5, seed=0), _ROWS),
    "Flatten": (lambda: Flatten(), _IMAGES),
}


def _subclassed(X: np.ndarray) -> np.ndarray:
    """np.matrix for rows; a masked array (nothing masked) for images (a matrix is 2-D)."""
    return np.asmatrix(X) if X.ndim == 2 else np.ma.MaskedArray(X)


@pytest.mark.parametrize("case", list(_CASES))
@pytest.mark.parametrize("training", [False, True])
def test_a_subclass_of_ndarray_is_taken_as_its_plain_values(case, training):
    make, X = _CASES[case]
    sub, plain = make(), make()
    A_sub = sub.forward(_subclassed(X), training=training)
    A = plain.forward(X.copy(), training=training)
    assert type(A_sub) is np.ndarray
    np.testing.assert_array_equal(A_sub, A)
    G = np.random.default_rng(1).normal(size=A.shape)
    dX_sub = sub.backward(_subclassed(G))
    dX = plain.backward(G)
    assert type(dX_sub) is np.ndarray and dX_sub.shape == X.shape
    np.testing.assert_array_equal(dX_sub, dX)


def test_dense_on_a_matrix_equals_the_numpy_formulas():
    """The independent reference: A = sigmoid(X W + b), dJ/dX = (G * A (1 - A)) W^T,
    dW = X^T (G * A (1 - A)), computed in NumPy on the plain arrays."""
    layer = Dense(2, 3, "sigmoid", seed=0)
    X = _ROWS
    A = layer.forward(np.asmatrix(X))
    expected = 1 / (1 + np.exp(-(X @ layer.W + layer.b)))
    np.testing.assert_allclose(A, expected, rtol=1e-12)
    G = np.random.default_rng(2).normal(size=A.shape)
    dX = layer.backward(np.asmatrix(G))
    delta = G * expected * (1 - expected)
    np.testing.assert_allclose(dX, delta @ layer.W.T, rtol=1e-12)
    np.testing.assert_allclose(layer.dW, X.T @ delta, rtol=1e-12)


def test_dropout_training_on_a_matrix_is_the_elementwise_mask():
    """X * mask elementwise (np.matrix's * would be a matrix product), as on a plain array."""
    layer = Dropout(0.5, seed=3)
    A = layer.forward(np.asmatrix(_ROWS), training=True)
    assert type(A) is np.ndarray
    np.testing.assert_array_equal(A, np.multiply(_ROWS, layer.mask))
    assert set(np.unique(layer.mask)) <= {0.0, 2.0}


def test_a_plain_ndarray_is_still_used_as_it_is():
    X = _ROWS.astype(np.float32)
    layer = Dropout(0.5)
    assert layer.forward(X) is X
