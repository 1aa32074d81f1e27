"""An NPZ file whose X holds images, shape (n, C, H, W), in train, predict and evaluate.

The reference is the same command on the flat (n, C*H*W) file with --input-shape.
"""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.io import load, load_metadata
from cli_image_helpers import write_flat_digits


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("images")
    X, y = write_flat_digits(d)
    np.savez(d / "images.npz", X=X.reshape(-1, 1, 8, 8), y=y)
    return d, X, y


def _train(d, data, *extra):
    out = d / (data.split(".")[0] + "-model.npz")
    argv = ["train", str(d / data), "--layers", str(d / "cnn.json"), "--epochs", "1", "-q",
            "-o", str(out), *extra]
    return main(argv), out


def test_train_on_images_takes_their_shape_and_gives_the_flat_files_parameters(files,
                                                                                capsys):
    """'X' of shape (n, 1, 8, 8) was refused ("'X' must be a non-empty 2-D numeric
    array"); train now takes --input-shape 1 8 8 from it and trains exactly the
    network the flat file with --input-shape 1 8 8 gives; predict and evaluate read
    the images as the flat rows."""
    d = files[0]
    code, flat = _train(d, "flat.npz", "--input-shape", "1", "8", "8")
    assert code == 0, capsys.readouterr().err
    code, images = _train(d, "images.npz")
    assert code == 0, capsys.readouterr().err
    a, b = load(flat), load(images)
    assert b.n_inputs == (1, 8, 8)
    assert load_metadata(images)["training"]["input_shape"] == [1, 8, 8]
    assert load_metadata(images)["x_mean"] == load_metadata(flat)["x_mean"]
    np.testing.assert_array_equal(b.params, a.params)
    for data in ("flat.npz", "images.npz"):
        assert main(["predict", str(images), str(d / data), "--proba",
                     "-o", str(d / f"p-{data}.csv")]) == 0
    with open(d / "p-flat.npz.csv") as f1, open(d / "p-images.npz.csv") as f2:
        assert list(csv.reader(f1)) == list(csv.reader(f2))
    capsys.readouterr()
    assert main(["evaluate", str(flat), str(d / "images.npz")]) == 0
    on_images = capsys.readouterr().out
    assert main(["evaluate", str(flat), str(d / "flat.npz")]) == 0
    first, scores = capsys.readouterr().out.split("\n", 1)  # the same scores
    assert scores == on_images.split("\n", 1)[1]
    # the flat model's own data file is said to be, the images are another file
    assert on_images.startswith(f"{d / 'images.npz'}: 200 examples\n")
    assert first.startswith(f"{d / 'flat.npz'}: 200 examples, the data the model was trained on")


def test_image_shapes_that_disagree_are_refused_naming_both(files, capsys):
    d, X, y = files
    code, _ = _train(d, "images.npz", "--input-shape", "1", "4", "16")
    assert code == 2
    err = capsys.readouterr().err
    assert ("--input-shape 1 4 16: " + str(d / "images.npz") + " holds images of shape "
            "1 x 8 x 8 (C x H x W)") in err
    np.savez(d / "wide.npz", X=X.reshape(-1, 1, 4, 16), y=y)
    code, model = _train(d, "images.npz")
    assert code == 0
    assert main(["predict", str(model), str(d / "wide.npz")]) == 2
    assert (str(d / "wide.npz") + ": images of shape 1 x 4 x 16; the model takes images of "
            "shape 1 x 8 x 8 (C x H x W)") in capsys.readouterr().err
    np.savez(d / "five.npz", X=X.reshape(-1, 1, 1, 8, 8), y=y)
    assert main(["evaluate", str(model), str(d / "five.npz")]) == 2
    assert "'X' must be a non-empty numeric array of shape (n_samples, n_features), or of " \
        "images (n_samples, C, H, W), or (n_samples, H, W) of one channel, got shape " \
        "(200, 1, 1, 8, 8)" in capsys.readouterr().err


@pytest.mark.parametrize("shape", [("8", "8", "1"), ("1", "64", "1")])
def test_an_image_shape_in_another_order_is_refused_as_the_files_not_the_kernels(
        files, tmp_path, capsys, shape):
    """The shape of 64 pixels given in another order than the file's 1 x 8 x 8 was
    blamed on the 3x3 kernel ("the 3x3 window is larger than the padded input (width 1
    ...)"): the layers were checked against it before the file's shape was."""
    d = files[0]
    out = tmp_path / "m.npz"
    code = main(["train", str(d / "images.npz"), "--layers", str(d / "cnn.json"),
                 "--input-shape", *shape, "--epochs", "1", "-q", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert (f"chainrule: error: --input-shape {' '.join(shape)}: {d / 'images.npz'} holds "
            "images of shape 1 x 8 x 8 (C x H x W); leave --input-shape out") in err
    assert "window" not in err and "Traceback" not in err
    assert not out.exists()


def _numpy_cnn(path, images):
    """CNN's probabilities written out in NumPy from the saved arrays: scaling, 3x3 conv
    (padding 1) + ReLU, 2x2 max-pooling, flatten, softmax."""
    meta, net = load_metadata(path), load(path)
    conv, dense = net.layers[0], net.layers[3]
    X = (images.reshape(len(images), -1) - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    P = np.pad(X.reshape(-1, 1, 8, 8), ((0, 0), (0, 0), (1, 1), (1, 1)))
    Z = np.zeros((len(X), conv.out_channels, 8, 8))
    for i in range(3):
        for j in range(3):
            Z += np.einsum("nchw,oc->nohw", P[:, :, i:i + 8, j:j + 8],
                           conv.W[:, :, i, j])
    A = np.maximum(Z + conv.b[:, None, None], 0)
    A = A.reshape(len(X), -1, 4, 2, 4, 2).max(axis=(3, 5)).reshape(len(X), -1)
    z = A @ dense.W + dense.b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_load_model_takes_a_cnns_images_as_chainrule_predict_does(files, capsys):
    """cr.load_model(cnn).predict(images) refused the (n, 1, 8, 8) images that
    chainrule predict reads from an NPZ file and Network.predict takes ("X must have
    shape (n_samples, 64), got (200, 1, 8, 8)"): only flat rows went in."""
    from chainrule import load_model

    d, X, _ = files
    code, model = _train(d, "images.npz")
    assert code == 0, capsys.readouterr().err
    m = load_model(model)
    images = X.reshape(-1, 1, 8, 8)
    reference = _numpy_cnn(model, images)
    np.testing.assert_allclose(m.predict_proba(images), reference, rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(m.predict(images), reference.argmax(axis=1))
    np.testing.assert_array_equal(m.predict_log_proba(images), m.predict_log_proba(X))
    with pytest.raises(ValueError, match=r"X: images of shape 1 x 4 x 16; the model takes "
                       r"images of shape 1 x 8 x 8 \(C x H x W\), or their flat rows of 64"):
        m.predict(X.reshape(-1, 1, 4, 16))
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 64\), or images of "
                       r"shape \(n_samples, 1, 8, 8\) or \(n_samples, 8, 8\), got "
                       r"\(200, 8, 8, 1, 1\)"):
        m.predict(X.reshape(-1, 8, 8, 1, 1))


def test_load_model_takes_grey_images_without_their_channel_axis(files, tmp_path, capsys):
    """cr.load_model(cnn).predict(X) refused grey images of shape (n, H, W) ("X must
    have shape (n_samples, 64), or images of shape (n_samples, 1, 8, 8), got (200, 8,
    8)"), which chainrule predict reads from an NPZ file as (n, 1, H, W); every output
    now takes them as those images.  A model of three channels refuses them as images
    of one channel."""
    from chainrule import Conv2D, Dense, Flatten, Network, load_model

    d, X, _ = files
    code, model = _train(d, "images.npz")
    assert code == 0, capsys.readouterr().err
    m = load_model(model)
    grey, images = X.reshape(-1, 8, 8), X.reshape(-1, 1, 8, 8)
    reference = _numpy_cnn(model, images)
    np.testing.assert_allclose(m.predict_proba(grey), reference, rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(m.predict(grey), reference.argmax(axis=1))
    for method in ("predict", "predict_proba", "predict_log_proba", "predict_index",
                   "outputs"):
        np.testing.assert_array_equal(getattr(m, method)(grey), getattr(m, method)(images))
    np.savez(d / "grey.npz", X=grey, y=files[2])
    assert main(["predict", str(model), str(d / "grey.npz"), "-o", str(d / "grey.csv")]) == 0
    with open(d / "grey.csv") as f:
        written = [row[-1] for row in list(csv.reader(f))[1:]]  # after the header
    assert written == [str(v) for v in m.predict(grey)]

    net = Network([Conv2D(3, 2, 3, padding=1, seed=0), Flatten(), Dense(2 * 8 * 8, 2)],
                  loss="cross_entropy", input_shape=(3, 8, 8))
    net.save(tmp_path / "rgb.npz")
    with pytest.raises(ValueError, match=r"X: images of shape 1 x 8 x 8 \(n_samples, H, W\): "
                       r"one channel; the model takes images of shape 3 x 8 x 8 \(C x H x W\), "
                       r"or their flat rows of 192 values"):
        load_model(tmp_path / "rgb.npz").predict(grey)


def test_dense_layers_on_images_take_their_flat_rows(files, tmp_path, capsys):
    """A list of Dense layers (no image layer) on an NPZ file of images trains on the
    flat rows, as on the flat file: --input-shape is taken only for image layers,
    which need it."""
    d = files[0]
    dense = json.dumps([{"type": "Dense", "fan_out": 4, "activation": "tanh"}])
    models = []
    for data in ("flat.npz", "images.npz"):
        models.append(tmp_path / f"dense-{data}")
        assert main(["train", str(d / data), "--layers", dense, "--epochs", "1", "-q",
                     "-o", str(models[-1])]) == 0, capsys.readouterr().err
    a, b = load(models[0]), load(models[1])
    assert b.n_inputs == 64
    np.testing.assert_array_equal(b.params, a.params)


@pytest.mark.parametrize("names", [["x0", "x1"], ["pixel"]])
def test_features_on_images_are_refused_in_the_users_terms(files, tmp_path, capsys, names):
    """--features on an NPZ file of images for a network of image layers: with x0 x1 the
    message was "--input-shape 1 8 8: images of 1*8*8 = 64 values, but ... has 2 feature
    columns", an option the user never typed (train took it from the file); with a name of
    no column it trained on every pixel without a word.  Both now say that the file holds
    images, which have no columns to pick, and nothing is written."""
    d = files[0]
    out = tmp_path / "model.npz"
    assert main(["train", str(d / "images.npz"), "--layers", str(d / "cnn.json"), "-q",
                 "--features", *names, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert (f"--features {' '.join(names)}: {d / 'images.npz'} holds images (its X has shape "
            "n x 1 x 8 x 8), which the network of --layers takes whole: there are no columns "
            "to pick; leave --features out") in err
    assert "--input-shape" not in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_images_of_another_size_are_refused_as_images(files, tmp_path, capsys, command):
    """Images of 1 x 9 x 9 for a model of 1 x 8 x 8 images were refused as "X has 81
    columns and no feature_names array, so its columns are taken by position, for the
    64 features...": columns and feature names the user never saw.  The message now
    names both image shapes (as for images of as many pixels, 1 x 4 x 16), and predict
    writes nothing."""
    d, X, y = files
    code, model = _train(d, "images.npz")
    assert code == 0, capsys.readouterr().err
    big = np.pad(X.reshape(-1, 1, 8, 8), ((0, 0), (0, 0), (0, 1), (0, 1)))
    assert big.shape[1:] == (1, 9, 9)
    np.savez(tmp_path / "big.npz", X=big, y=y)
    out = tmp_path / "p.csv"
    extra = ["-o", str(out)] if command == "predict" else []
    capsys.readouterr()
    assert main([command, str(model), str(tmp_path / "big.npz"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"chainrule: error: {tmp_path / 'big.npz'}: images of shape 1 x 9 x 9; the model "
        "takes images of shape 1 x 8 x 8 (C x H x W)"]
    assert not out.exists()


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
def test_npz_image_shape_reads_the_header_not_the_pixels(tmp_path, monkeypatch, save):
    from chainrule.tabular import npz_image_shape

    X = np.zeros((4000, 3, 16, 12), dtype=np.uint8)  # 2.3 MB of pixels
    X[::7, 1, 3, 5] = 9
    path = tmp_path / "big.npz"
    save(path, y=np.arange(len(X)), X=X)

    def no_reading(*args, **kwargs):
        raise AssertionError("the array was read")

    monkeypatch.setattr(np.lib.format, "read_array", no_reading)
    assert npz_image_shape(path) == X.shape[1:]
    save(tmp_path / "flat.npz", X=X.reshape(len(X), -1))
    assert npz_image_shape(tmp_path / "flat.npz") is None


def test_a_table_missing_a_cnns_positional_columns_names_ten_of_them(files, tmp_path, capsys):
    """A model trained on an NPZ of images has the features x0 ... x63; a CSV file of
    the same pixels under other names was refused with every missing name on the line
    (784 of them for 28x28 images), where the columns it has were cut at ten."""
    d, X, y = files
    code, model = _train(d, "images.npz")
    assert code == 0
    table = tmp_path / "pixels.csv"
    header = [f"p{i}" for i in range(64)] + ["y"]
    rows = [header] + [[*map(str, row), str(label)] for row, label in zip(X, y, strict=True)]
    table.write_text("\n".join(",".join(row) for row in rows) + "\n")
    capsys.readouterr()
    assert main(["evaluate", str(model), str(table)]) == 2
    err = capsys.readouterr().err
    expected = ", ".join(f"'x{i}'" for i in range(10))
    assert (f"{table}: missing columns {expected}, ... (64 missing) that the model was "
            "trained on (columns: p0, p1") in err
    assert "'x10'" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("channels", [3, 1])
def test_load_model_names_the_transpose_for_images_given_channels_last(tmp_path, channels):
    """cr.load_model(cnn).predict(X) of images (n, H, W, C) said only that the shapes
    differ, where train, predict and the estimators name np.moveaxis(X, -1, 1); it now
    gives that advice, and the array it names is taken as the images."""
    from chainrule import Conv2D, Dense, Flatten, Network, load_model

    net = Network([Conv2D(channels, 2, 3, padding=1, seed=0), Flatten(), Dense(2 * 8 * 8, 2)],
                  loss="cross_entropy", input_shape=(channels, 8, 8))
    net.save(tmp_path / "cnn.npz")
    m = load_model(tmp_path / "cnn.npz")
    images = np.random.default_rng(0).random((5, channels, 8, 8))
    last = np.empty((5, 8, 8, channels))  # written out pixel by pixel, channels last
    for k in range(channels):
        last[:, :, :, k] = images[:, k]
    s = "s" if channels > 1 else ""
    with pytest.raises(ValueError, match=re.escape(
            f"X: images of shape 8 x 8 x {channels}; the model takes images of shape "
            f"{channels} x 8 x 8 (C x H x W), or their flat rows of {channels * 64} values; "
            f"these look like images of {channels} channel{s} of 8 x 8 pixels given channels "
            f"last, (n, H, W, C); the images are read channels first, (n, C, H, W): pass "
            f"np.moveaxis(X, -1, 1), of shape n x {channels} x 8 x 8")):
        m.predict(last)
    np.testing.assert_array_equal(m.outputs(np.moveaxis(last, -1, 1)), m.outputs(images))
    np.testing.assert_array_equal(m.outputs(images), net.predict(images))
