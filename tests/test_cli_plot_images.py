"""``chainrule plot`` of image models: weights after a Flatten, regions of 2 pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule.plots as plots
from chainrule.cli import main
from chainrule.io import load

FLAT_DENSE = [{"type": "Flatten"}, {"type": "Dense", "fan_out": 3}]


@pytest.fixture()
def drawn(monkeypatch):
    """The tiles and title that plot weights draws (plots.plot_first_layer's input)."""
    seen = {}
    original = plots.plot_first_layer

    def record(model, path, shape=None, **kwargs):
        seen["tiles"] = plots.first_layer_tiles(model, shape)
        seen["title"] = kwargs.get("title")
        return original(model, path, shape=shape, **kwargs)

    monkeypatch.setattr(plots, "plot_first_layer", record)
    return seen


def _model(tmp_path, *shape):
    out = tmp_path / "m.npz"
    assert main(["train", "digits", "--input-shape", *map(str, shape), "--layers",
                 json.dumps(FLAT_DENSE), "--epochs", "1", "-q", "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("shape", [(1, 4, 16), (4, 4, 4)])
def test_the_tiles_of_a_flattened_image_keep_each_pixel_in_its_place(tmp_path, capsys,
                                                                     drawn, shape):
    """The 64 inputs of a 1x4x16 (or 4x4x4) image were drawn as square 8x8 tiles, a
    picture in which no pixel was where the image has it; now each unit's tile is the
    image (its channels one below the other), from the flat weights as Flatten orders
    them: input c*H*W + r*W + x is channel c, row r, column x."""
    model = _model(tmp_path, *shape)
    capsys.readouterr()
    assert main(["plot", "weights", str(model), "-o", str(tmp_path / "w.png")]) == 0
    c, h, w = shape
    W = load(model).layers[1].W  # (64, 3)
    expected = np.zeros((3, c * h, w))
    for unit in range(3):
        for ch in range(c):
            for r in range(h):
                for x in range(w):
                    expected[unit, ch * h + r, x] = W[ch * h * w + r * w + x, unit]
    np.testing.assert_array_equal(drawn["tiles"], expected)
    if c > 1:
        assert drawn["title"] == "first-layer weights (3 units, 4 channels stacked top to bottom)"


def test_shape_given_and_flat_rows_are_as_before(tmp_path, capsys, drawn):
    model = _model(tmp_path, 1, 4, 16)
    assert main(["plot", "weights", str(model), "--shape", "8", "8",
                 "-o", str(tmp_path / "w.png")]) == 0
    assert drawn["tiles"].shape == (3, 8, 8)  # the user's shape wins
    mlp = tmp_path / "mlp.npz"
    assert main(["train", "digits", "--hidden", "2", "--epochs", "1", "-q", "-o", str(mlp)]) == 0
    assert main(["plot", "weights", str(mlp), "-o", str(tmp_path / "m.png")]) == 0
    assert drawn["tiles"].shape == (2, 8, 8) and drawn["title"] is None


def test_regions_of_a_cnn_of_two_pixels_are_drawn(tmp_path, capsys, monkeypatch):
    """A CNN on 1x1x2 images takes 2 features, but plot regions refused it: "draws a
    classifier of 2 features on the plane; this model takes images of 1x1x2 values".
    The regions it now draws are the model's: its probabilities on the picture's
    points equal a NumPy forward of the saved arrays (1x1 kernels, then Dense)."""
    from chainrule.io import load_metadata

    model = tmp_path / "m.npz"
    layers = [{"type": "Conv2D", "out_channels": 3, "kernel_size": 1, "activation": "tanh"},
              {"type": "Flatten"}]
    assert main(["train", "moons", "--input-shape", "1", "1", "2", "--layers",
                 json.dumps(layers), "--epochs", "5", "-q", "-o", str(model)]) == 0
    seen = {}
    original = plots.plot_decision_regions

    def record(panels, path, **kwargs):
        seen["panels"] = panels
        return original(panels, path, **kwargs)

    monkeypatch.setattr(plots, "plot_decision_regions", record)
    capsys.readouterr()
    assert main(["plot", "regions", str(model), "moons", "-o", str(tmp_path / "r.png")]) == 0
    (_, drawn, X, _), = seen["panels"]
    assert X.shape[1] == 2
    net, meta = load(model), load_metadata(model)
    conv, dense = net.layers[0], net.layers[2]
    Xs = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    # a 1x1 kernel on 1 channel: each of the 2 pixels times the kernel, plus the bias
    A = np.tanh(conv.W[:, 0, 0, 0][None, :, None] * Xs[:, None, :] + conv.b[None, :, None])
    z = A.reshape(len(X), -1) @ dense.W + dense.b  # Flatten: channel by channel
    np.testing.assert_allclose(drawn.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z[:, 0])),
                               rtol=1e-12)
