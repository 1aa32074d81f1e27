"""Masked arrays are refused by every entry point of the Python API that reads data or
weights, naming the argument, the count of masked values and the fix (robust19).

The decision: chainrule does not read a mask (NumPy's arithmetic on the ``.data`` would
train on the values under it, silently), so a masked array with something masked is
refused before anything changes; one with nothing masked is its data.  Fill the values
(``X.filled(v)``, ``np.ma.filled``) or drop the rows (``np.ma.compress_rows``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.autoencoder import SoftmaxRegression, SparseAutoencoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(11)
X = RNG.uniform(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)
XM = np.ma.masked_array(X, mask=np.eye(12, 4, dtype=bool))           # 4 masked
YM = np.ma.masked_array(LABELS, mask=np.arange(12) == 0)              # 1 masked
WM = np.ma.masked_array(np.ones(12), mask=np.arange(12) < 2)          # 2 masked


def _net():
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)
    net.loss_and_grad(X, LABELS)
    return net


NET = _net()
with warnings.catch_warnings():  # 3 iterations: enough for a fitted transformer
    warnings.simplefilter("ignore")
    AE = SparseAutoencoder(n_hidden=2, max_iter=3, random_state=0).fit(X)

CALLS = [
    ("forward", lambda: NET.forward(XM), "X", 4),
    ("predict", lambda: NET.predict(XM), "X", 4),
    ("loss_and_grad X", lambda: NET.loss_and_grad(XM, LABELS), "X", 4),
    ("loss_and_grad Y", lambda: NET.loss_and_grad(X, YM), "Y", 1),
    ("evaluate sample_weight", lambda: NET.evaluate(X, LABELS, sample_weight=WM),
     "sample_weight", 2),
    ("train X", lambda: cr.train(NET, XM, LABELS, epochs=1), "X", 4),
    ("train validation_data", lambda: cr.train(NET, X, LABELS, epochs=1,
                                               validation_data=(XM, LABELS)),
     "validation_data[0]", 4),
    ("train sample_weight", lambda: cr.train(NET, X, LABELS, epochs=1, sample_weight=WM),
     "sample_weight", 2),
    ("minimize", lambda: cr.minimize(NET, XM, LABELS, maxiter=2), "X", 4),
    ("gradient_check", lambda: cr.gradient_check(NET, XM, LABELS), "X", 4),
    ("set_params", lambda: NET.set_params(np.ma.masked_array(NET.params, mask=np.arange(
        NET.n_params) == 3)), "theta", 1),
    ("from_ufldl", lambda: cr.Network.from_ufldl(
        [np.ma.masked_array(np.ones((5, 4)), mask=np.eye(5, 4, dtype=bool)), np.ones((3, 5))]),
     "Ws[0]", 4),
    ("SparseAutoencoder.transform", lambda: AE.transform(XM), "X", 4),
    ("SparseAutoencoder.fit", lambda: SparseAutoencoder(n_hidden=2, max_iter=2).fit(XM), "X", 4),
    ("SoftmaxRegression.fit y", lambda: SoftmaxRegression(max_iter=2).fit(X, YM), "y", 1),
]


@pytest.mark.parametrize(("label", "call", "name", "count"), CALLS, ids=[c[0] for c in CALLS])
def test_a_masked_array_is_refused_naming_it(label, call, name, count):
    before = NET.params.copy(), NET.grads.copy(), [layer.A.copy() for layer in NET.layers]
    ae_before = AE.network_.params.copy()
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{name} is a masked array with {count} masked value(s)")
    assert f"{name}.filled(value)" in message
    params, grads, outputs = before
    assert np.array_equal(NET.params, params) and np.array_equal(NET.grads, grads)
    assert all(np.array_equal(layer.A, a) for layer, a in zip(NET.layers, outputs, strict=True))
    assert np.array_equal(AE.network_.params, ae_before)


def test_nothing_masked_is_the_data():
    """A masked array with no value masked predicts as its plain array does (bit for bit)."""
    for masked in (np.ma.masked_array(X), np.ma.masked_array(X, mask=np.zeros_like(X, bool))):
        assert np.array_equal(NET.predict(masked), NET.predict(X))
