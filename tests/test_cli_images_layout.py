"""NPZ images in the layouts users have them in, for train, evaluate and predict: grey
images without a channel axis, (n, H, W), as MNIST's come, read as one channel; images
with their channels last, (n, H, W, C), refused rather than read as C = H.

The reference is the same command on the flat (n, C*H*W) file with --input-shape, and
the saved network's probabilities written out in NumPy.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sklearn.datasets import load_digits

from chainrule.cli import main
from chainrule.io import load, load_metadata
from chainrule.tabular import npz_image_shape

CNN = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1,
        "activation": "relu"},
       {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("layouts")
    X, y = load_digits(return_X_y=True)
    X, y = X[:200] / 16.0, y[:200]
    grey = np.empty((len(X), 8, 8))  # image i, row r, column c: feature 8 * r + c
    for r in range(8):
        for c in range(8):
            grey[:, r, c] = X[:, 8 * r + c]
    np.savez(d / "flat.npz", X=X, y=y)
    np.savez(d / "grey.npz", X=grey, y=y)
    (d / "cnn.json").write_text(json.dumps(CNN))
    return d, X, grey, y


def _train(d, data, out, *extra):
    return main(["train", str(d / data), "--epochs", "2", "-q", "-o", str(out), *extra])


def _numpy_cnn(path, rows):
    """The saved CNN's probabilities in NumPy: scaling (one mean and deviation for the
    channel), 3x3 conv (padding 1) + ReLU, 2x2 max-pooling, flatten, softmax."""
    meta, net = load_metadata(path), load(path)
    conv, dense = net.layers[0], net.layers[3]
    X = (rows - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    P = np.pad(X.reshape(-1, 1, 8, 8), ((0, 0), (0, 0), (1, 1), (1, 1)))
    Z = np.zeros((len(X), conv.out_channels, 8, 8))
    for i in range(3):
        for j in range(3):
            Z += np.einsum("nchw,oc->nohw", P[:, :, i:i + 8, j:j + 8], conv.W[:, :, i, j])
    A = np.maximum(Z + conv.b[:, None, None], 0)
    A = A.reshape(len(X), -1, 4, 2, 4, 2).max(axis=(3, 5)).reshape(len(X), -1)
    z = A @ dense.W + dense.b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("given", [[], ["--input-shape", "1", "8", "8"]])
def test_grey_images_train_evaluate_and_predict_as_one_channel(files, tmp_path, capsys,
                                                               given):
    """X of shape (200, 8, 8) was refused by every command ("'X' must be ... (n_samples,
    C, H, W), got shape (200, 8, 8)"), after train had asked for --input-shape, which
    did not help.  It is now one channel, 1 x 8 x 8, with --input-shape 1 8 8 or without:
    the network of the flat file with --input-shape 1 8 8, parameter for parameter, and
    predict and evaluate give its NumPy probabilities and their accuracy."""
    d, X, _, y = files
    flat, grey = tmp_path / "flat-model.npz", tmp_path / "grey-model.npz"
    assert _train(d, "flat.npz", flat, "--layers", str(d / "cnn.json"),
                  "--input-shape", "1", "8", "8") == 0, capsys.readouterr().err
    assert _train(d, "grey.npz", grey, "--layers", str(d / "cnn.json"), *given) == 0, \
        capsys.readouterr().err
    assert load(grey).n_inputs == (1, 8, 8)
    assert load_metadata(grey)["training"]["input_shape"] == [1, 8, 8]
    np.testing.assert_array_equal(load(grey).params, load(flat).params)
    proba = _numpy_cnn(grey, X)
    out = tmp_path / "p.csv"
    assert main(["predict", str(grey), str(d / "grey.npz"), "--proba", "-o", str(out)]) == 0
    with open(out) as f:
        rows = list(csv.reader(f))
    table = np.array(rows[1:], dtype=float)  # the label, then the probabilities
    np.testing.assert_allclose(table[:, 1:], proba, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(table[:, 0], proba.argmax(axis=1))
    capsys.readouterr()
    assert main(["evaluate", str(grey), str(d / "grey.npz")]) == 0
    report = capsys.readouterr().out
    accuracy = float(report.split("accuracy: ")[1].split()[0])
    assert accuracy == pytest.approx(np.mean(proba.argmax(axis=1) == y), abs=5e-5)
    # the flat file's model reads the grey images too, and the grey model the flat rows
    assert main(["evaluate", str(flat), str(d / "grey.npz")]) == 0
    assert main(["evaluate", str(grey), str(d / "flat.npz")]) == 0


def test_grey_images_are_flat_rows_for_a_multilayer_perceptron(files, tmp_path, capsys):
    """--hidden on (n, H, W) trains on the flat rows, as on (n, C, H, W) images."""
    d = files[0]
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    assert _train(d, "flat.npz", a, "--hidden", "5") == 0, capsys.readouterr().err
    assert _train(d, "grey.npz", b, "--hidden", "5") == 0, capsys.readouterr().err
    assert load(b).n_inputs == 64
    np.testing.assert_array_equal(load(b).params, load(a).params)
    assert main(["evaluate", str(b), str(d / "grey.npz")]) == 0


def test_npz_image_shape_of_grey_images_is_one_channel(files):
    d = files[0]
    assert npz_image_shape(d / "grey.npz") == (1, 8, 8)
    assert npz_image_shape(d / "flat.npz") is None
