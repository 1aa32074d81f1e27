"""plot misclassified of an MLP trained on an NPZ file of images.

Such a model records its images' shape (``image_shape``: predict and evaluate check DATA
against it), and the refusal of a model of flat features itself said that a model
"trained on an NPZ file of images, takes images"; yet plot misclassified refused it,
``takes 60 features, not images``.  Now it draws DATA's wrong images as for a CNN.
"""

from __future__ import annotations

import json

import numpy as np

from chainrule import plots
from chainrule.cli import main

NAMES = np.array(["ant", "bee", "cat"])


def _numpy_predict(path, X):
    """The classes a NumPy forward of the saved weights gives: standardised with the
    file's statistics, relu hidden layer, softmax output (W of shape (fan_in, fan_out))."""
    z = np.load(path)
    meta = json.loads(str(z["__meta__"]))
    p, md = z["params"], meta["metadata"]
    h = (X.reshape(len(X), -1) - np.array(md["x_mean"])) / np.array(md["x_scale"])
    at = 0
    layers = meta["network"]["layers"]
    for k, layer in enumerate(layers):
        n_in, n_out = layer["fan_in"], layer["fan_out"]
        W = p[at:at + n_in * n_out].reshape(n_in, n_out)
        b = p[at + n_in * n_out:at + n_in * n_out + n_out]
        at += n_in * n_out + n_out
        h = h @ W + b
        if k < len(layers) - 1:
            h = np.maximum(h, 0)
    assert at == len(p)
    return np.array(md["labels"])[h.argmax(axis=1)]


def test_an_mlp_of_images_draws_the_images_it_gets_wrong(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(5)
    X = rng.integers(0, 256, size=(45, 3, 4, 5)).astype(np.uint8)  # colour, 4 x 5 pixels
    y = NAMES[np.arange(45) % 3]
    np.savez(tmp_path / "img.npz", X=X, y=y)
    model = tmp_path / "mlp.npz"
    assert main(["train", str(tmp_path / "img.npz"), "--hidden", "3", "--epochs", "1",
                 "--val-fraction", "0", "-q", "-o", str(model)]) == 0
    figs = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figs.append(fig) or save(fig, path))
    capsys.readouterr()
    code = main(["plot", "misclassified", str(model), str(tmp_path / "img.npz"),
                 "--max-images", "4", "-o", str(tmp_path / "mis.png")])
    assert code == 0, capsys.readouterr().err
    pred = _numpy_predict(model, X)
    wrong = np.flatnonzero(pred != y)
    assert len(wrong) > 4
    axes = figs[0].axes
    assert [a.get_title() for a in axes] == [f"#{i}: {y[i]} -> {pred[i]}" for i in wrong[:4]]
    for ax, i in zip(axes, wrong[:4], strict=True):  # (H, W, 3): DATA's pixels, in colour
        img = np.moveaxis(X[i].astype(float), 0, -1)
        np.testing.assert_allclose(ax.images[0].get_array(),
                                   (img - img.min()) / (img.max() - img.min()), atol=1e-12)


def test_a_model_of_flat_rows_is_still_refused(tmp_path, capsys):
    rng = np.random.default_rng(6)
    np.savez(tmp_path / "rows.npz", X=rng.normal(size=(30, 6)), y=NAMES[np.arange(30) % 3])
    assert main(["train", str(tmp_path / "rows.npz"), "--hidden", "3", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["plot", "misclassified", str(tmp_path / "m.npz"), str(tmp_path / "rows.npz"),
                 "-o", str(tmp_path / "x.png")]) == 2
    assert "takes 6 features, not images" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_an_mlp_of_images_draws_its_weights_in_their_shape(tmp_path, monkeypatch, capsys):
    """60 inputs of 3 x 4 x 5 images: refused before as 'not a square image; give
    --shape'; now each unit's tile is its image, the channels one below the other."""
    rng = np.random.default_rng(7)
    np.savez(tmp_path / "img.npz", X=rng.normal(size=(30, 3, 4, 5)), y=np.arange(30) % 3)
    model = tmp_path / "mlp.npz"
    assert main(["train", str(tmp_path / "img.npz"), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(model)]) == 0
    seen = {}
    original = plots.plot_first_layer

    def record(net, path, shape=None, **kwargs):
        seen["tiles"] = plots.first_layer_tiles(net, shape)
        return original(net, path, shape=shape, **kwargs)

    monkeypatch.setattr(plots, "plot_first_layer", record)
    capsys.readouterr()
    code = main(["plot", "weights", str(model), "-o", str(tmp_path / "w.png")])
    assert code == 0, capsys.readouterr().err
    W = np.load(model)["params"][:60 * 2].reshape(60, 2)  # Dense(60, 2): (fan_in, fan_out)
    expected = np.zeros((2, 12, 5))
    for unit in range(2):
        for ch in range(3):
            for r in range(4):
                for x in range(5):
                    expected[unit, ch * 4 + r, x] = W[ch * 20 + r * 5 + x, unit]
    np.testing.assert_array_equal(seen["tiles"], expected)
