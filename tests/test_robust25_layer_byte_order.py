"""Every layer keeps its input (and its masks, argmax indices, every array of its last pass)
in the machine's byte order, whatever the byte order of what it was given.

Before (robust25): ``Dense.forward`` of a big-endian ``X`` ('>f8') kept it as ``layer.X``
(its output native), the one layer that did (robust24 made every layer's output, gradient
and delta native).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(25)


def _big(a: np.ndarray) -> np.ndarray:
    return a.astype(a.dtype.newbyteorder(">"))


def _layers() -> list:
    """(layer in a network, input of one batch) of every kind of layer."""
    out = []
    for dtype in ("float64", "float32"):
        d = cr.Dense(3, 4, "relu", seed=0, dtype=dtype)
        cr.Network([d])
        out.append((d, RNG.normal(size=(5, 3)).astype(dtype)))
        bn, ln, dr = cr.BatchNorm(3, dtype=dtype), cr.LayerNorm(3, dtype=dtype), \
            cr.Dropout(0.5, seed=1)
        cr.Network([bn, ln, cr.Dense(3, 3, dtype=dtype), dr, cr.Dense(3, 1, dtype=dtype)])
        out += [(layer, RNG.normal(size=(5, 3)).astype(dtype)) for layer in (bn, ln, dr)]
        conv, mp, ap, fl = cr.Conv2D(1, 2, 3, dtype=dtype), cr.MaxPool2D(2), cr.AvgPool2D(1), \
            cr.Flatten()
        cr.Network([conv, mp, ap, fl, cr.Dense(8, 1, dtype=dtype)], input_shape=(1, 6, 6))
        out += [(conv, RNG.normal(size=(2, 1, 6, 6)).astype(dtype)),
                (mp, RNG.normal(size=(2, 2, 4, 4)).astype(dtype)),
                (ap, RNG.normal(size=(2, 2, 2, 2)).astype(dtype)),
                (fl, RNG.normal(size=(2, 2, 2, 2)).astype(dtype))]
    return out


@pytest.mark.parametrize("training", [False, True])
def test_every_layer_keeps_its_arrays_in_the_machine_s_order(training: bool) -> None:
    for layer, X in _layers():
        want = layer.forward(X.copy(), False)
        got = layer.forward(_big(X), training)
        what = f"{type(layer).__name__} {X.dtype} training={training}"
        if not training:  # (a training pass draws another mask, uses the batch's statistics)
            np.testing.assert_array_equal(got, want, err_msg=what)
            if "X" in vars(layer):  # (BatchNorm keeps Xhat)
                np.testing.assert_array_equal(layer.X, X, err_msg=what)  # the same numbers
        layer.backward(_big(np.ones_like(got)))
        for name, value in vars(layer).items():  # X, Z, A, masks, argmax indices, ...
            if isinstance(value, np.ndarray):
                assert value.dtype.isnative, f"{what}: {name} is {value.dtype.str}"


def test_a_dense_layer_s_x_is_native_and_its_gradient_numpy_s() -> None:
    d = cr.Dense(3, 2, "identity", seed=0)
    cr.Network([d])
    X = RNG.normal(size=(4, 3))
    d.forward(_big(X))
    assert d.X.dtype.str == np.dtype(np.float64).str and np.array_equal(d.X, X)
    d.backward(np.ones((4, 2)))
    np.testing.assert_allclose(d.dW, X.T @ np.ones((4, 2)), rtol=1e-15)


