"""predict, evaluate and importance warn of data far outside the training rows' range.

A CNN trained on digits' 0-16 pixels scored 0.914 (against 0.987) on the same images
scaled 0-255 and nothing said so.  ``chainrule train`` now records each feature's (images:
each channel's) smallest and largest training value (``x_range``); a model warns, once,
when more than 10 % of a feature's values lie beyond that range by more than twice its
width.  The held-out rows of every bundled data set never are; files without the record
(older ones, a network saved from Python, an estimator's) are never checked.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from chainrule import Dense, Network
from chainrule._tabular_bundled import BUNDLED
from chainrule.saved_model import SavedModel, load_model
from chainrule.tabular import read_data
from test_cli import run_main

PREFIX = "outside the training range"


def _said(call) -> tuple[object, list[str]]:
    """``call()``'s result and the range warnings it gave."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in seen if str(w.message).startswith(PREFIX)]


def _csv(tmp_path, name="d.csv", rows=60, seed=0) -> tuple[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.uniform(1.5, 2.0, size=rows),
                          "c": rng.integers(0, 5, size=rows).astype(float)})
    frame["y"] = (frame["a"] + frame["b"] > 1.8).astype(int)
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path), frame


def _train(capsys, data, model, *more) -> None:
    code, _, err = run_main(capsys, "train", data, "--hidden", "3", "--epochs", "2", "-q",
                            "-o", model, *more)
    assert code == 0, err


def test_train_records_numpy_min_and_max_of_the_training_rows(tmp_path, capsys):
    data, frame = _csv(tmp_path)
    model = str(tmp_path / "m.npz")
    _train(capsys, data, model, "--val-fraction", "0")  # every row trains
    X = frame[["a", "b", "c"]].to_numpy()
    record = load_model(model).metadata["x_range"]
    assert record["per"] == "feature"
    np.testing.assert_array_equal(record["min"], X.min(axis=0))
    np.testing.assert_array_equal(record["max"], X.max(axis=0))
    # images: one range per channel over all its pixels (an MLP of images too)
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 1, size=(30, 2, 3, 3)) * np.array([1.0, 255.0])[None, :, None, None]
    np.savez(tmp_path / "img.npz", X=images, y=np.arange(30) % 2)
    _train(capsys, str(tmp_path / "img.npz"), model, "--val-fraction", "0")
    record = load_model(model).metadata["x_range"]
    assert record["per"] == "channel"
    np.testing.assert_array_equal(record["min"], images.min(axis=(0, 2, 3)))
    np.testing.assert_array_equal(record["max"], images.max(axis=(0, 2, 3)))


def test_a_column_in_other_units_is_warned_of_by_predict_evaluate_importance(tmp_path, capsys):
    data, frame = _csv(tmp_path)
    model = str(tmp_path / "m.npz")
    _train(capsys, data, model, "--val-fraction", "0")
    mm = tmp_path / "mm.csv"
    frame.assign(b=frame["b"] * 1000).to_csv(mm, index=False)  # metres as millimetres
    b = frame["b"]
    for command in (["evaluate", model, str(mm)], ["predict", model, str(mm)],
                    ["importance", model, str(mm), "--repeats", "2", "-q"]):
        (code, _, err), said = _said(lambda c=command: run_main(capsys, *c))
        assert code == 0, err
        assert len(set(said)) == 1, said  # one warning, naming b and its ranges
        assert (f"feature 1 ('b') trained on {b.min():.4g} to {b.max():.4g}, given "
                f"{1000 * b.min():.4g} to {1000 * b.max():.4g} (100% of values far outside)"
                in said[0]), said
        assert "'a'" not in said[0] and "'c'" not in said[0]
        (code, _, err), said = _said(lambda c=command: run_main(capsys, *c[:2], data, *c[3:]))
        assert code == 0 and said == [], (err, said)


def test_digits_scaled_0_255_for_a_cnn_of_0_16_are_warned_of(tmp_path, capsys):
    load_digits = pytest.importorskip("sklearn.datasets").load_digits
    X, y = load_digits(return_X_y=True)  # pixels 0..16
    images = X.reshape(-1, 1, 8, 8)
    np.savez(tmp_path / "d16.npz", X=images, y=y)
    np.savez(tmp_path / "d255.npz", X=images * 255 / 16, y=y)
    model = str(tmp_path / "cnn.npz")
    layers = ('[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, '
              '{"type": "Flatten"}]')
    code, _, err = run_main(capsys, "train", str(tmp_path / "d16.npz"), "--layers", layers,
                            "--epochs", "1", "-q", "-o", model)
    assert code == 0, err
    (code, _, err), said = _said(lambda: run_main(capsys, "evaluate", model,
                                                  str(tmp_path / "d255.npz")))
    share = np.mean(X * 255 / 16 > 16 + 2 * 16)  # far outside: beyond 0..16 by 2 widths
    assert code == 0 and len(said) == 1, (err, said)
    assert f"channel 0 trained on 0 to 16, given 0 to 255 ({share:.0%} of" in said[0]
    (code, _, err), said = _said(lambda: run_main(capsys, "evaluate", model,
                                                  str(tmp_path / "d16.npz")))
    assert code == 0 and said == [], said


def _model_of(record: dict, n: int) -> SavedModel:
    return SavedModel(Network([Dense(n, 1, "identity", seed=0)]),
                      {"task": "regression", "x_range": record})


def test_held_out_rows_of_every_bundled_set_are_never_warned_of():
    from chainrule._saved_model_range import training_range

    for name in BUNDLED:
        X = np.asarray(read_data(name).X, dtype=np.float64)
        for seed in range(8):
            order = np.random.default_rng(seed).permutation(len(X))
            for frac in (0.1, 0.25, 0.5):
                k = max(1, int(frac * len(X)))
                test, train = order[:k], order[k:]
                record = {"per": "feature", "min": X[train].min(axis=0).tolist(),
                          "max": X[train].max(axis=0).tolist()}
                assert record == {k: v for k, v in training_range(X[train]).items()
                                  if k != "iqr"}  # the spread: test_practitioner17_squeezed
                model = _model_of(record, X.shape[1])
                _, said = _said(lambda m=model, X=X, t=test: m.predict(X[t]))
                assert said == [], (name, seed, frac, said)
                for i in test[:40]:  # and one row at a time
                    _, said = _said(lambda m=model, X=X, i=i: m.predict(X[i:i + 1]))
                    assert said == [], (name, seed, i, said)


def test_python_predict_warns_and_files_without_the_record_say_nothing(tmp_path, capsys):
    data, frame = _csv(tmp_path)
    path = str(tmp_path / "m.npz")
    _train(capsys, data, path, "--val-fraction", "0")
    far = frame[["a", "b", "c"]].to_numpy() * np.array([1.0, 1000.0, 1.0])
    model = load_model(path)
    first, said = _said(lambda: model.predict(far))
    assert len(said) == 1 and "('b')" in said[0]
    with warnings.catch_warnings():  # as python -W "ignore:outside the training range"
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=PREFIX)
        model.predict(far)
    # an older file (no x_range): loads and predicts as before, silently
    meta = {k: v for k, v in model.metadata.items() if k not in ("x_range", "kind")}
    SavedModel(model.network, meta).save(tmp_path / "old.npz")
    old = load_model(tmp_path / "old.npz")
    again, said = _said(lambda: old.predict(far))
    assert said == [] and "x_range" not in old.metadata
    np.testing.assert_array_equal(first, again)
    (code, _, err), said = _said(lambda: run_main(capsys, "evaluate", str(tmp_path / "old.npz"),
                                                  str(tmp_path / "d.csv")))
    assert code == 0 and said == [], err
    # a SavedModel a user builds in Python: no record, nothing checked
    _, said = _said(lambda: SavedModel(model.network, {"task": "regression"}).predict(far))
    assert said == []


def test_a_damaged_record_is_refused_at_load(tmp_path):
    record = {"per": "feature", "min": [0.0, 2.0], "max": [1.0, 1.0]}
    _model_of(record, 2).save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="x_range: expected as many min as max values"):
        load_model(tmp_path / "m.npz")
    _model_of({"per": "feature", "min": [0.0], "max": [1.0]}, 2).save(tmp_path / "n.npz")
    with pytest.raises(ValueError, match="x_range: 1 features for a network with 2 inputs"):
        load_model(tmp_path / "n.npz")


def test_a_range_past_float64s_overflows_nothing():
    # a column of +-1e308: its width overflows to inf, bounding nothing (and raising no
    # RuntimeWarning under -W error)
    record = {"per": "feature", "min": [-1e308, 0.0], "max": [1e308, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model_of(record, 2).predict(np.array([[1.7e308, 0.5], [-1.7e308, 0.2]]))
    _, said = _said(lambda: _model_of(record, 2).predict(np.array([[0.0, 9.0], [1.0, 9.0]])))
    assert len(said) == 1 and "feature 1 trained on 0 to 1, given 9 to 9" in said[0]
