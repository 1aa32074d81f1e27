"""info and info --json show how the model's inputs are scaled: per feature (train's
default on rows), per channel (images of --layers), or none (--scale none).  The
reference: NumPy's statistics of the training rows, against which the recorded ones are
checked to be what the words say."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.io import load_metadata
from cli_image_helpers import CNN


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((16, 2, 5, 5)) * np.array([1.0, 5.0])[:, None, None]
    y = rng.integers(0, 2, 16)
    np.savez(tmp_path / "im.npz", X=X, y=y)
    np.savez(tmp_path / "rows.npz", X=X[:, 0, 0, :4] * [1, 2, 3, 4], y=y)
    (tmp_path / "cnn.json").write_text(json.dumps(CNN))
    return tmp_path, X


def _info(path, capsys):
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert main(["info", str(path), "--json"]) == 0
    return text, json.loads(capsys.readouterr().out)


def _train(d, data, *extra):
    out = d / f"{data}-{len(extra)}.npz"
    assert main(["train", str(d / f"{data}.npz"), "--epochs", "1", "-q", "--val-fraction",
                 "0", "-o", str(out), *extra]) == 0
    return out


def test_scale_none_is_said(data, capsys):
    d, _ = data
    text, js = _info(_train(d, "rows", "--hidden", "2", "--scale", "none"), capsys)
    assert "inputs used as given, not standardised (train --scale none)" in text
    assert js["scaling"] == {"inputs": "none", "target": False}


def test_per_feature_and_per_channel(data, capsys):
    d, X = data
    rows = np.load(d / "rows.npz")["X"]
    out = _train(d, "rows", "--hidden", "2")
    text, js = _info(out, capsys)
    assert js["scaling"] == {"inputs": "per_feature", "target": False}
    assert "standard deviation of each feature" in text
    np.testing.assert_allclose(load_metadata(out)["x_mean"], rows.mean(axis=0))
    out = _train(d, "im", "--layers", str(d / "cnn.json"))
    text, js = _info(out, capsys)
    assert js["scaling"] == {"inputs": "per_channel", "target": False}
    assert "standard deviation of each channel" in text
    per_channel = np.repeat(X.mean(axis=(0, 2, 3)), 25)  # NumPy's, each pixel of a channel
    np.testing.assert_allclose(load_metadata(out)["x_mean"], per_channel)


def test_regression_target_scaled(data, capsys):
    d, _ = data
    rng = np.random.default_rng(1)
    np.savez(d / "reg.npz", X=rng.random((16, 3)), y=rng.random(16) * 10)
    _, js = _info(_train(d, "reg", "--hidden", "2"), capsys)
    assert js["scaling"] == {"inputs": "per_feature", "target": True}
