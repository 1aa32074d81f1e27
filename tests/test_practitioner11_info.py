"""``chainrule info --json`` of model files not written by ``chainrule train``: an
estimator's save records how its inputs are taken, as train's model files do.

Run in-process through ``chainrule.cli.main``; the references are the estimator's own
predictions, computed here.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
from sklearn.datasets import load_diabetes

import chainrule as cr
from chainrule.cli import main


def test_info_json_of_an_estimators_file_says_its_scaling(tmp_path, capsys):
    """``info --json`` of a train model has ``scaling``; of an ``MLPRegressor.save`` it had
    none. The estimator takes its inputs and gives its outputs as they are: its network
    on the raw rows is its ``predict``, so the record is inputs "none", target False."""
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:60], y[:60]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    assert main(["info", "--json", str(tmp_path / "est.npz")]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["scaling"] == {"inputs": "none", "target": False}
    # what "none" and False claim: the file's network on the rows as given is predict's
    from chainrule._cli_models_show import _load_any

    net = _load_any(str(tmp_path / "est.npz")).network
    np.testing.assert_allclose(net.predict(X).ravel(), est.predict(X), rtol=1e-12)
    # the same keys as a train model's record
    assert main(["train", "iris", "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["info", "--json", str(tmp_path / "m.npz")]) == 0
    trained = json.loads(capsys.readouterr().out)["scaling"]
    assert set(trained) == set(info["scaling"])


def _images(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2, 5, 6))
    np.savez(tmp_path / "img.npz", X=X, y=(X[:, 0, 0, 0] > 0).astype(int))
    return X


_LAYERS = '[{"type": "Flatten"}, {"type": "Dense", "fan_out": 3}]'


def _trained_record(tmp_path, capsys, *extra):
    assert main(["train", str(tmp_path / "img.npz"), "--layers", _LAYERS, "--epochs", "1",
                 "-q", "-o", str(tmp_path / "m.npz"), *extra]) == 0
    capsys.readouterr()
    assert main(["info", "--json", str(tmp_path / "m.npz")]) == 0
    record = json.loads(capsys.readouterr().out)["training"]
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    return record, capsys.readouterr().out


def test_the_model_records_whether_the_shape_of_images_came_from_data(tmp_path, capsys):
    """A train run of --layers on images (n, C, H, W) without --input-shape takes the shape
    from DATA: its checkpoint notes said so (input_shape_from_data), its model file did
    not, so info could not tell it from a typed --input-shape. Both say it now."""
    X = _images(tmp_path)
    shape = list(X.shape[1:])  # (C, H, W) of the array itself
    record, text = _trained_record(tmp_path, capsys)
    assert record["input_shape"] == shape and record["input_shape_from_data"] is True
    assert "input shape 2 x 5 x 6 (C x H x W): taken from the images of DATA" in text
    record, text = _trained_record(tmp_path, capsys, "--input-shape", *map(str, shape))
    assert record["input_shape"] == shape and record["input_shape_from_data"] is False
    assert "input shape 2 x 5 x 6 (C x H x W): given by --input-shape" in text


def test_info_of_a_model_of_before_the_record_is_as_it_was(tmp_path, capsys):
    """A model file written before the field (its record without it) is read unchanged:
    info prints its settings, and no line about where the shape came from."""
    import zipfile

    _images(tmp_path)
    _trained_record(tmp_path, capsys)
    path = tmp_path / "m.npz"
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(str(arrays["__meta__"]))
    del meta["metadata"]["training"]["input_shape_from_data"]
    arrays["__meta__"] = np.array(json.dumps(meta))
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    with zipfile.ZipFile(old) as zf:
        assert "input_shape_from_data" not in zf.read("__meta__.npy").decode("latin-1")
    assert main(["info", str(old)]) == 0
    text = capsys.readouterr().out
    assert "input_shape=[2, 5, 6]" in text and "input shape 2 x 5 x 6" not in text
