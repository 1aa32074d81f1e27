"""UFLDL's self-taught learning trains a softmax on the autoencoder's features; as a
fine-tuning of [encoder, softmax] with the encoder frozen (layer.trainable = False) it
is the same minimisation (examples/self_taught_digits.py, frozen_encoder_softmax).

Reference: SoftmaxRegression fitted to ``ae.transform(X)`` (the example's existing
features-then-softmax path) from the same start, by SciPy's L-BFGS-B."""

from __future__ import annotations

import runpy
import warnings
from pathlib import Path

import numpy as np
import pytest

from chainrule.autoencoder import SoftmaxRegression, SparseAutoencoder
from chainrule.images import load_digits_8x8, self_taught_split

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "self_taught_digits.py"


@pytest.fixture(scope="module")
def setup():
    X, y = load_digits_8x8()
    s = self_taught_split(X, y, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fixed budget of iterations, as UFLDL's
        ae = SparseAutoencoder(12, max_iter=30, random_state=0).fit(s.X_unlabeled[:300])
    return runpy.run_path(str(EXAMPLE)), ae, s.X_train[:200], s.y_train[:200]


@pytest.mark.parametrize("iters, atol", [(5, 1e-12), (40, 1e-7)])
def test_frozen_encoder_fine_tuning_is_softmax_on_the_features(setup, iters, atol):
    example, ae, X, y = setup
    W1 = ae.network_.layers[0].W.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SoftmaxRegression(1e-4, iters, 0).fit(ae.transform(X), y)
        net = example["frozen_encoder_softmax"](ae, X, y, 1e-4, iters, 0)
    top, soft = net.layers[1], ref.network_.layers[0]
    # the same iterates from the same start: rounding apart, growing with the iterations
    np.testing.assert_allclose(top.W, soft.W, rtol=0, atol=atol)
    np.testing.assert_allclose(top.b, soft.b, rtol=0, atol=atol)
    assert np.array_equal(net.layers[0].W, W1)  # the encoder kept, bit for bit
    assert np.array_equal(net.forward(X).argmax(1),
                          ref.predict_proba(ae.transform(X)).argmax(1))
