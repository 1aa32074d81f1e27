"""X of the wrong number of axes is refused in scikit-learn's words ("Found array with dim
3, while dim <= 2 is required by MLPClassifier."), chainrule's way out after them.

Before (robust26): a multilayer perceptron given images said "X must have shape
(n_samples, n_features), got shape ...", and layers of images (Conv2D) without
input_shape given rows of X said "layers: layers[0] (Conv2D) takes images; ..." -- the
parameter blamed for the shape of X.  scikit-learn's MLP refuses X of other axes by
check_array's "Found array with dim N, while dim <= 2 is required by MLPClassifier.";
its message is computed here from its own estimator on the same X.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

import chainrule as cr

rng = np.random.default_rng(0)
Y = np.array([0, 1] * 10)
CNN = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, {"type": "Flatten"}]


def _message(call) -> str:
    with pytest.raises(ValueError) as caught:
        call()
    assert type(caught.value) is ValueError
    return str(caught.value)


@pytest.mark.parametrize("shape", [(20, 6, 6), (20, 1, 6, 6)])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_perceptron_refuses_images_in_scikit_learns_words(shape, kind) -> None:
    X = rng.standard_normal(shape)
    sk, ours = ((SkClassifier, cr.MLPClassifier) if kind == "classifier"
                else (SkRegressor, cr.MLPRegressor))
    expected = _message(lambda: sk(max_iter=2).fit(X, Y))
    got = _message(lambda: ours(max_iter=2).fit(X, Y))
    assert expected == (f"Found array with dim {len(shape)}, while dim <= 2 is required by "
                        f"{ours.__name__}.")
    assert got.startswith(expected + " (X must have shape (n_samples, n_features), got "
                          f"shape {shape}; for images, give their flat rows")
    # predict on a fitted one: the same words, as scikit-learn's predict has them
    flat = X.reshape(len(X), -1)
    with np.errstate(all="ignore"), pytest.warns(Warning):  # not converged
        fitted_sk, fitted = sk(max_iter=2).fit(flat, Y), ours(max_iter=2).fit(flat, Y)
    assert _message(lambda: fitted.predict(X)).startswith(
        _message(lambda: fitted_sk.predict(X)) + " (")


@pytest.mark.parametrize("shape", [(20,), (20, 36), (20, 1, 6, 6, 1)])
def test_layers_of_images_refuse_x_of_other_axes_by_its_dims(shape) -> None:
    X = rng.standard_normal(shape)
    got = _message(lambda: cr.MLPClassifier(layers=CNN, max_iter=2).fit(X, Y))
    assert got.startswith(f"Found array with dim {len(shape)}, while dim 3 or 4 is required "
                          "by MLPClassifier with layers of images and no input_shape. "
                          "(layers[0] (Conv2D) takes images; give X of images of shape "
                          "(n_samples, C, H, W), or input_shape=(C, H, W)")
    assert not got.startswith("layers:")


def test_the_same_rows_with_input_shape_or_as_images_are_fitted() -> None:
    X = rng.standard_normal((20, 36))
    with pytest.warns(Warning):  # max_iter=2: not converged
        a = cr.MLPClassifier(layers=CNN, input_shape=(1, 6, 6), max_iter=2,
                             random_state=0).fit(X, Y)
    with pytest.warns(Warning):
        b = cr.MLPClassifier(layers=CNN, max_iter=2, random_state=0).fit(
            X.reshape(20, 1, 6, 6), Y)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
