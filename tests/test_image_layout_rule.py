"""One rule for images given channels last where the expected shape (C, H, W) is known:
the estimators, :func:`chainrule.load_model`'s ``predict`` and the CLI's ``predict`` and
``evaluate`` name ``np.moveaxis(X, -1, 1)`` exactly where X's images are (H, W, C), whatever
C is, and the array it names gives the outputs of the images given channels first.

The estimators named it for any C; SavedModel and the CLI only for C of 1, 3 or 4 (their
rule guessed channels from the length of the last axis, a guess needed only where no shape
is known: ``train`` without ``--input-shape``, kept).  Images of 2 channels (5, 5, 2) for a
model of (2, 5, 5) were refused with the transpose by an estimator, without it by the rest.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import load_model
from chainrule.cli import main

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
          {"type": "Flatten"}]


def _advice(c: int, h: int, w: int, saved: bool) -> str:
    """The advice written out: images of c channels of h x w pixels, channels last."""
    given, fix = ("saved", "save X =") if saved else ("given", "pass")
    return (f"these look like images of {c} channel{'s' if c > 1 else ''} of {h} x {w} "
            f"pixels {given} channels last, (n, H, W, C); the images are read channels "
            f"first, (n, C, H, W): {fix} np.moveaxis(X, -1, 1), of shape n x {c} x {h} x {w}")


def _readers(tmp_path, shape):
    """A model of input ``shape`` trained by ``chainrule train``, read by load_model, and
    an estimator of that input shape."""
    c, h, w = shape
    images = np.random.default_rng(1).random((12, c, h, w))
    np.savez(tmp_path / "first.npz", X=images, y=np.arange(12) % 2)
    (tmp_path / "cnn.json").write_text(json.dumps(LAYERS))
    model = tmp_path / "cnn.npz"
    assert main(["train", str(tmp_path / "first.npz"), "--layers", str(tmp_path / "cnn.json"),
                 "--epochs", "1", "-q", "-o", str(model)]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one iteration: not converged
        est = cr.MLPClassifier(layers=LAYERS, input_shape=shape, max_iter=1,
                               random_state=0).fit(images, np.arange(12) % 2)
    return model, load_model(model), est


def _cli_error(capsys, command, model, X, path):
    np.savez(path, X=X, y=np.arange(len(X)) % 2)
    code = main([command, str(model), str(path)] + (["-o", f"{path}.csv"]
                                                    if command == "predict" else []))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("c", [1, 2, 3, 5])
def test_images_given_channels_last_are_named_by_all_three_readers(tmp_path, capsys, c):
    h, w = 4, 6
    model, saved, est = _readers(tmp_path, (c, h, w))
    images = np.random.default_rng(0).random((4, c, h, w))
    last = np.empty((4, h, w, c))  # written out pixel by pixel, channels last
    for k in range(c):
        last[:, :, :, k] = images[:, k]
    with pytest.raises(ValueError) as saved_error:
        saved.predict(last)
    assert str(saved_error.value).endswith("; " + _advice(c, h, w, saved=False))
    with pytest.raises(ValueError) as est_error:
        est.predict(last)
    assert str(est_error.value).endswith(
        f"got shape (4, {h}, {w}, {c}); " + _advice(c, h, w, saved=False))
    for command in ("predict", "evaluate"):
        code, err = _cli_error(capsys, command, model, last, tmp_path / "last.npz")
        assert code == 2
        assert err.rstrip("\n").endswith(
            f"images of shape {h} x {w} x {c}; the model takes images of shape "
            f"{c} x {h} x {w} (C x H x W); " + _advice(c, h, w, saved=True))
    # the array the advice names is the images, channels first
    np.testing.assert_array_equal(saved.outputs(np.moveaxis(last, -1, 1)),
                                  saved.outputs(images))
    np.testing.assert_array_equal(est.predict_proba(np.moveaxis(last, -1, 1)),
                                  est.predict_proba(images))


@pytest.mark.parametrize("c", [1, 2, 3, 5])
def test_another_order_of_the_axes_names_no_transpose(tmp_path, capsys, c):
    """(n, H, C, W) is no channels-last layout: the shapes are named, no moveaxis."""
    h, w = 4, 6
    model, saved, est = _readers(tmp_path, (c, h, w))
    X = np.zeros((4, h, c, w))
    with pytest.raises(ValueError) as saved_error:
        saved.predict(X)
    with pytest.raises(ValueError) as est_error:
        est.predict(X)
    errors = [str(saved_error.value), str(est_error.value)]
    for command in ("predict", "evaluate"):
        code, err = _cli_error(capsys, command, model, X, tmp_path / "other.npz")
        assert code == 2 and f"images of shape {h} x {c} x {w};" in err
        errors.append(err)
    assert not any("moveaxis" in e or "channels last" in e for e in errors), errors


def test_cubes_of_the_expected_shape_are_taken_as_they_are(tmp_path, capsys):
    """(n, 3, 3, 3) for a model of (3, 3, 3): read channels first, as their flat rows of
    (channel, row, column) order, with no advice."""
    model, saved, est = _readers(tmp_path, (3, 3, 3))
    X = np.random.default_rng(2).random((4, 3, 3, 3))
    np.testing.assert_array_equal(saved.outputs(X), saved.outputs(X.reshape(4, 27)))
    assert est.predict(X).shape == (4,)
    code, err = _cli_error(capsys, "predict", model, X, tmp_path / "cube.npz")
    assert code == 0, err


def test_grey_images_of_three_axes_are_not_named_channels_last(tmp_path, capsys):
    """X of shape (n, 6, 3), grey images of 6 x 3 read as (n, 1, 6, 3), for a model of
    (3, 1, 6): np.moveaxis(X, -1, 1) gives (n, 3, 6), not (n, 3, 1, 6), so it is not
    named (SavedModel and the CLI named it, from the shape as read, 1 x 6 x 3)."""
    model, saved, est = _readers(tmp_path, (3, 1, 6))
    X = np.zeros((4, 6, 3))
    with pytest.raises(ValueError, match="images of shape 1 x 6 x 3") as saved_error:
        saved.predict(X)
    with pytest.raises(ValueError, match=r"got shape \(4, 6, 3\)$"):
        est.predict(X)
    code, err = _cli_error(capsys, "predict", model, X, tmp_path / "grey.npz")
    assert code == 2 and err.rstrip("\n").endswith(
        "images of shape 1 x 6 x 3; the model takes images of shape 3 x 1 x 6 (C x H x W)")
    assert "moveaxis" not in str(saved_error.value)


@pytest.mark.parametrize("c", [2, 5])
def test_train_names_the_transpose_for_a_given_input_shape_of_any_channels(tmp_path, capsys,
                                                                           c):
    """--input-shape C H W, the known shape, against a file of images (n, H, W, C): the
    transpose, whatever C is (it was named for 1, 3 or 4 channels alone, 'leave
    --input-shape out' otherwise, which would train on H channels of W x C pixels)."""
    np.savez(tmp_path / "last.npz", X=np.zeros((6, 4, 6, c)), y=np.arange(6) % 2)
    (tmp_path / "cnn.json").write_text(json.dumps(LAYERS))
    assert main(["train", str(tmp_path / "last.npz"), "--layers", str(tmp_path / "cnn.json"),
                 "--input-shape", str(c), "4", "6", "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: --input-shape {c} 4 6: {tmp_path / 'last.npz'} holds images of "
        f"shape 4 x 6 x {c} (C x H x W); {_advice(c, 4, 6, saved=True)}\n")
