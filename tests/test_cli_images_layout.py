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

from chainrule.cli import main
from chainrule.io import load, load_metadata
from chainrule.tabular import npz_image_shape
from cli_image_helpers import CNN, write_flat_digits


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("layouts")
    X, y = write_flat_digits(d)
    grey = np.empty((len(X), 8, 8))  # image i, row r, column c: feature 8 * r + c
    for r in range(8):
        for c in range(8):
            grey[:, r, c] = X[:, 8 * r + c]
    np.savez(d / "grey.npz", X=grey, y=y)
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


@pytest.fixture(scope="module")
def colour(tmp_path_factory):
    """60 RGB images of 6 x 6 pixels, saved channels last (as image libraries give them)
    and channels first (np.moveaxis); label: whether the red channel outweighs the blue."""
    d = tmp_path_factory.mktemp("colour")
    rng = np.random.default_rng(0)
    last = rng.random((60, 6, 6, 3))
    last[..., 1] *= 3.0  # the channels' means differ: about 0.5, 1.5, 0.5
    y = (last[..., 0].mean(axis=(1, 2)) > last[..., 2].mean(axis=(1, 2))).astype(int)
    np.savez(d / "last.npz", X=last, y=y)
    np.savez(d / "first.npz", X=np.moveaxis(last, -1, 1), y=y)
    np.savez(d / "grey-last.npz", X=last[..., :1], y=y)
    (d / "cnn.json").write_text(json.dumps(CNN))
    return d, last


HINT = ("these look like images of 3 channels of 6 x 6 pixels saved channels last, (n, H, "
        "W, C); the images are read channels first, (n, C, H, W): save X = "
        "np.moveaxis(X, -1, 1), of shape n x 3 x 6 x 6")


@pytest.mark.parametrize("data, shape, hint", [
    ("last.npz", "6 x 6 x 3", HINT),
    ("grey-last.npz", "6 x 6 x 1", HINT.replace("3 channels", "1 channel")
     .replace("3 x 6 x 6", "1 x 6 x 6")),
])
def test_images_saved_channels_last_are_refused_saying_how_to_transpose_them(
        colour, tmp_path, capsys, data, shape, hint):
    """X of shape (60, 6, 6, 3) was read as 6 channels of 6 x 3 pixels and trained on
    without a word (a Conv2D of 6 input channels, kernels across the colours); it is now
    refused, naming its shape and the transpose, and nothing is written."""
    d = colour[0]
    out = tmp_path / "m.npz"
    assert _train(d, data, out, "--layers", str(d / "cnn.json")) == 2
    c, h, w = shape.split(" x ")
    assert capsys.readouterr().err == (
        f"chainrule: error: {d / data}: X holds images of shape n x {shape}, read as {c} "
        f"channels of {h} x {w} pixels; {hint} (or, if they are {c} channels of {h} x {w} "
        f"pixels, give --input-shape {c} {h} {w})\n")
    assert not out.exists()


def test_images_transposed_as_the_message_says_train_on_their_channels(colour, tmp_path,
                                                                       capsys):
    """The file saved with np.moveaxis(X, -1, 1) trains a network of 3 input channels,
    whose standardisation is each colour's mean and deviation over its pixels."""
    d, last = colour
    out = tmp_path / "m.npz"
    assert _train(d, "first.npz", out, "--layers", str(d / "cnn.json")) == 0, \
        capsys.readouterr().err
    assert load(out).n_inputs == (3, 6, 6)
    mean = np.array(load_metadata(out)["x_mean"]).reshape(3, 36)
    # the training rows: the split is train's own, so compare with the colours' means over
    # all rows loosely, and exactly with each other within a channel
    np.testing.assert_array_equal(mean, mean[:, :1].repeat(36, axis=1))
    np.testing.assert_allclose(mean[:, 0], last.mean(axis=(0, 1, 2)), rtol=0.05)
    assert mean[1, 0] > 2.5 * max(mean[0, 0], mean[2, 0])  # the green channel, as saved


def test_a_given_input_shape_reads_images_as_it_says(colour, tmp_path, capsys):
    """--input-shape 6 6 3, the file's own shape, says they are 6 channels: taken; the
    shape of their channels, 3 6 6, names the transpose rather than 'leave --input-shape
    out to take theirs', which would train on the scrambled layout."""
    d = colour[0]
    out = tmp_path / "m.npz"
    assert _train(d, "last.npz", out, "--layers", str(d / "cnn.json"),
                  "--input-shape", "6", "6", "3") == 0, capsys.readouterr().err
    assert load(out).n_inputs == (6, 6, 3)
    capsys.readouterr()
    assert _train(d, "last.npz", tmp_path / "n.npz", "--layers", str(d / "cnn.json"),
                  "--input-shape", "3", "6", "6") == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: --input-shape 3 6 6: {d / 'last.npz'} holds images of shape "
        f"6 x 6 x 3 (C x H x W); {HINT}\n")


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_model_of_channels_first_refuses_images_saved_channels_last(colour, tmp_path,
                                                                      capsys, command):
    d = colour[0]
    model = tmp_path / "m.npz"
    assert _train(d, "first.npz", model, "--layers", str(d / "cnn.json")) == 0
    capsys.readouterr()
    assert main([command, str(model), str(d / "last.npz")]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {d / 'last.npz'}: images of shape 6 x 6 x 3; the model takes "
        f"images of shape 3 x 6 x 6 (C x H x W); {HINT}\n")


def test_a_multilayer_perceptron_takes_any_layout_as_flat_rows(colour, tmp_path, capsys):
    """--hidden reads the pixels as features, whatever their order: not refused."""
    d = colour[0]
    assert _train(d, "last.npz", tmp_path / "m.npz", "--hidden", "4") == 0, \
        capsys.readouterr().err
