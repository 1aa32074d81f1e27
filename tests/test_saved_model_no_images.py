"""A model file's predictions given no images, X of shape (0, C, H, W) or (0, H, W):
refused as no rows are, by name, not with NumPy's reshape error."""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import Conv2D, Dense, Flatten, Network, load_model


@pytest.fixture(scope="module")
def grey_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("no-images") / "grey.npz"
    layers = [Conv2D(1, 2, 3, padding=1, seed=0), Flatten(),
              Dense(2 * 4 * 5, 3, activation="softmax", seed=1)]
    net = Network(layers, loss="cross_entropy", input_shape=(1, 4, 5))
    net.save(path)
    return load_model(path)


@pytest.mark.parametrize("shape", [(0, 1, 4, 5), (0, 4, 5)])
@pytest.mark.parametrize("method", ["predict", "predict_proba", "outputs"])
def test_no_images_are_refused_as_empty(grey_model, shape, method):
    """X of shape (0, 1, 4, 5) raised "cannot reshape array of size 0 into shape
    (0,newaxis)"; now it is what its rows (0, 20) are, "X is empty", as for the rows."""
    rows = np.zeros((0, 20))
    with pytest.raises(ValueError) as on_rows:
        getattr(grey_model, method)(rows)
    assert "X is empty" in str(on_rows.value)
    with pytest.raises(ValueError, match=re.escape("X is empty")):
        getattr(grey_model, method)(np.zeros(shape))
    # images that are there still give the outputs of their rows
    rng = np.random.default_rng(0)
    images = rng.normal(size=(3, *shape[1:]))
    np.testing.assert_array_equal(getattr(grey_model, method)(images),
                                  getattr(grey_model, method)(images.reshape(3, 20)))
