"""predict, evaluate and importance warn of values squeezed into a small part of the
training range: a column divided by 1000, 0-1 pixels given to a model of 0-255 ones.

The range warning (test_practitioner16_data_range) looks only beyond the training range,
so a column in other units that shrank it (metres for millimetres) went unremarked: a
diabetes model's R^2 fell from 0.37 to 0.29 with bmi divided by 1000, silently.  train
now records each feature's (channel's) interquartile range too; on 30 rows or more, a
feature whose spread and largest magnitude are both under a tenth of the training
rows' is warned of.  The figures below are NumPy's percentiles, computed here.
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

SQUEEZED = "squeezed into a small part of the training range"


def _said(call) -> tuple[object, list[str]]:
    """``call()``'s result and the squeezed-range warnings it gave."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in seen if str(w.message).startswith(SQUEEZED)]


def _iqr(values) -> float:
    q1, q3 = np.percentile(values, [25, 75])
    return float(q3 - q1)


def _csv(tmp_path, rows=200, seed=0) -> tuple[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.uniform(0, 2000, rows),
                          "c": rng.integers(0, 2, size=rows).astype(float)})
    frame["y"] = frame["a"] + frame["b"] / 500 + rng.normal(0, 0.1, rows)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return str(path), frame


def test_train_records_numpys_interquartile_range_of_the_training_rows(tmp_path, capsys):
    data, frame = _csv(tmp_path)
    model = str(tmp_path / "m.npz")
    code, _, err = run_main(capsys, "train", data, "--target", "y", "--hidden", "3",
                            "--epochs", "1", "--val-fraction", "0", "-q", "-o", model)
    assert code == 0, err
    record = load_model(model).metadata["x_range"]
    np.testing.assert_allclose(record["iqr"], [_iqr(frame[c]) for c in "abc"], rtol=1e-12)
    # images: one spread per channel, over all its pixels
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 1, (40, 2, 3, 3)) * np.array([1.0, 255.0])[None, :, None, None]
    np.savez(tmp_path / "img.npz", X=images, y=np.arange(40) % 2)
    code, _, err = run_main(capsys, "train", str(tmp_path / "img.npz"), "--hidden", "3",
                            "--epochs", "1", "--val-fraction", "0", "-q", "-o", model)
    assert code == 0, err
    record = load_model(model).metadata["x_range"]
    np.testing.assert_allclose(record["iqr"], [_iqr(images[:, c]) for c in (0, 1)],
                               rtol=1e-12)


def test_a_column_divided_by_1000_is_warned_of_by_evaluate_predict_importance(
        tmp_path, capsys):
    data, frame = _csv(tmp_path)
    model = str(tmp_path / "m.npz")
    code, _, err = run_main(capsys, "train", data, "--target", "y", "--hidden", "3",
                            "--epochs", "1", "--val-fraction", "0", "-q", "-o", model)
    assert code == 0, err
    kilo = tmp_path / "kilo.csv"
    frame.assign(b=frame["b"] / 1000).to_csv(kilo, index=False)  # metres for millimetres
    # within two widths of the training range: the rule of values far outside it is silent
    low, high = frame["b"].min(), frame["b"].max()
    assert low - 2 * (high - low) < low / 1000 and high / 1000 < high
    b = frame["b"] / 1000
    expected = (f"feature 1 ('b') spread over {_iqr(b):.4g} (interquartile range), largest "
                f"|value| {b.max():.4g}, against {_iqr(frame['b']):.4g} and "
                f"{frame['b'].max():.4g} in training (1/1000)")
    for command in (["evaluate", model, str(kilo)], ["predict", model, str(kilo)],
                    ["importance", model, str(kilo), "--repeats", "2", "-q"]):
        (code, _, err), said = _said(lambda c=command: run_main(capsys, *c))
        assert code == 0, err
        assert len(set(said)) == 1 and expected in said[0], said
        assert "'a'" not in said[0] and "'c'" not in said[0]
        (code, _, err), said = _said(lambda c=command: run_main(capsys, *c[:2], data, *c[3:]))
        assert code == 0 and said == [], (err, said)
    # fewer than 30 rows: no spread is judged
    frame.head(29).assign(b=frame["b"].head(29) / 1000).to_csv(kilo, index=False)
    (code, _, err), said = _said(lambda: run_main(capsys, "evaluate", model, str(kilo)))
    assert code == 0 and said == [], said


def test_pixels_of_0_1_given_to_a_model_of_0_255_are_warned_of(tmp_path, capsys):
    load_digits = pytest.importorskip("sklearn.datasets").load_digits
    X, y = load_digits(return_X_y=True)
    images = X.reshape(-1, 1, 8, 8) * 255 / 16  # pixels 0..255
    np.savez(tmp_path / "d255.npz", X=images, y=y)
    np.savez(tmp_path / "d01.npz", X=images / 255, y=y)
    model = str(tmp_path / "m.npz")
    code, _, err = run_main(capsys, "train", str(tmp_path / "d255.npz"), "--hidden", "4",
                            "--epochs", "1", "--val-fraction", "0", "-q", "-o", model)
    assert code == 0, err
    (code, _, err), said = _said(lambda: run_main(capsys, "evaluate", model,
                                                  str(tmp_path / "d01.npz")))
    assert code == 0 and len(said) == 1, (err, said)
    assert (f"channel 0 spread over {_iqr(images / 255):.4g} (interquartile range), largest "
            f"|value| 1, against {_iqr(images):.4g} and 255 in training (1/255)") in said[0]
    (code, _, err), said = _said(lambda: run_main(capsys, "evaluate", model,
                                                  str(tmp_path / "d255.npz")))
    assert code == 0 and said == [], said


def _model_of(record: dict, n: int) -> SavedModel:
    return SavedModel(Network([Dense(n, 1, "identity", seed=0)]),
                      {"task": "regression", "x_range": record})


def _record(X: np.ndarray) -> dict:
    """The record, computed here: NumPy's min, max and percentiles of each column."""
    q1, q3 = np.percentile(X, [25, 75], axis=0)
    return {"per": "feature", "min": X.min(axis=0).tolist(), "max": X.max(axis=0).tolist(),
            "iqr": (q3 - q1).tolist()}


def test_held_out_rows_of_every_bundled_set_are_never_warned_of():
    from chainrule._saved_model_range import training_range

    for name in BUNDLED:
        X = np.asarray(read_data(name).X, dtype=np.float64)
        for seed in range(5):
            order = np.random.default_rng(seed).permutation(len(X))
            for frac in (0.1, 0.2, 0.25, 0.5):
                k = max(1, int(frac * len(X)))
                test, train = order[:k], order[k:]
                record = _record(X[train])
                np.testing.assert_allclose(training_range(X[train])["iqr"], record["iqr"],
                                           rtol=1e-12, atol=1e-15)
                model = _model_of(record, X.shape[1])
                for rows in (test, test[:30], test[:1]):  # 30: the fewest judged
                    _, said = _said(lambda m=model, X=X, r=rows: m.predict(X[r]))
                    assert said == [], (name, seed, frac, len(rows), said)


def test_narrow_but_not_shrunk_rows_and_heavy_tails_are_not_warned_of():
    rng = np.random.default_rng(0)
    # latitudes of one town: a narrow spread, of the usual magnitude
    lat = rng.uniform(32.5, 42.0, 2000)
    model = _model_of(_record(lat[:, None]), 1)
    _, said = _said(lambda: model.predict(rng.uniform(34.0, 34.1, (50, 1))))
    assert said == []
    # a heavy tail: the training rows' few large values missing from the rows given
    tail = np.r_[rng.normal(size=1980), np.full(20, 1000.0)]
    model = _model_of(_record(tail[:, None]), 1)
    _, said = _said(lambda: model.predict(rng.normal(size=(50, 1))))
    assert said == []
    # a 0/1 column whose rows given hold one value only (IQR 0): nothing judged
    model = _model_of(_record(rng.integers(0, 2, (100, 1)).astype(float)), 1)
    _, said = _said(lambda: model.predict(np.zeros((40, 1))))
    assert said == []


def test_an_older_record_without_the_spread_is_not_checked_and_a_bad_one_refused(tmp_path):
    X = np.random.default_rng(0).normal(size=(100, 2))
    record = _record(X)
    old = {k: v for k, v in record.items() if k != "iqr"}
    _, said = _said(lambda: _model_of(old, 2).predict(X / 1000))
    assert said == []
    _, said = _said(lambda: _model_of(record, 2).predict(X / 1000))
    assert len(said) == 1 and "feature 0" in said[0] and "feature 1" in said[0]
    with warnings.catch_warnings():  # as python -W "ignore:squeezed into ..."
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=SQUEEZED)
        _model_of(record, 2).predict(X / 1000)
    _model_of({**record, "iqr": [1.0]}, 2).save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"x_range.iqr: expected a list of 2 finite numbers"):
        load_model(tmp_path / "m.npz")


def test_values_past_float64s_range_overflow_nothing():
    # a column of +-1.7e308: its interquartile range overflows float64; recorded as 0,
    # a spread not judged (JSON has no inf), and no RuntimeWarning under -W error
    from chainrule._saved_model_range import training_range

    X = np.column_stack([np.where(np.arange(40) < 20, 1.7e308, -1.7e308), np.arange(40.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = training_range(X)
        _model_of(record, 2).predict(X)
    assert record["iqr"] == [0.0, _iqr(np.arange(40.0))]
