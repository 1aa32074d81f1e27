"""A model file's predictions cast and standardise the raw rows a block at a time
(``_saved_model_rows.ScaledRows``): the same numbers, bit for bit, as the whole
standardised array through ``Network.predict`` (``_inputs``, the path before), and no
array of the data's size beside the result; the training-range warning counts its far
values a block of rows at a time, with the same shares (plain NumPy in the test)."""

from __future__ import annotations

import re
import tracemalloc
import warnings

import numpy as np
import pytest

from chainrule._saved_model_range import outside_message
from chainrule._saved_model_rows import ScaledRows
from chainrule.cli import main
from chainrule.saved_model import SavedModel


def _train(tmp_path, capsys, classes: int, *extra: str) -> SavedModel:
    rng = np.random.default_rng(classes)
    X = rng.normal(loc=3.0, scale=2.0, size=(300, 12))
    y = np.digitize(X[:, 0] + X[:, 1], np.linspace(4, 8, classes - 1)) if classes else X[:, 0]
    path = tmp_path / f"d{classes}.npz"
    np.savez(path, X=X, y=y)
    out = tmp_path / f"m{classes}{''.join(extra)}.npz"
    assert main(["train", str(path), "--epochs", "2", "--hidden", "7", "-q", "-o", str(out),
                 *(["--task", "regression"] if not classes else []), *extra]) == 0
    capsys.readouterr()
    return SavedModel.load(out)


def _old(model: SavedModel, X: np.ndarray) -> np.ndarray:
    """The outputs as computed before: the whole standardised array, then the network."""
    return model.network.predict(model._inputs(X))


@pytest.mark.parametrize("classes", [2, 4, 0])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_outputs_are_those_of_the_whole_standardised_array(tmp_path, capsys, classes, dtype):
    model = _train(tmp_path, capsys, classes, "--dtype", dtype)
    rng = np.random.default_rng(1)
    X = rng.normal(loc=3.0, scale=2.0, size=(9000, 12))  # several blocks of rows
    for given in (X, X.astype(np.float32), np.rint(X).astype(np.int64), X > 3):
        if dtype == "float32" and given.dtype == np.float64:
            assert not isinstance(model._rows(given), ScaledRows)  # cast whole: overflow check
        else:
            assert isinstance(model._rows(given), ScaledRows)
        old = _old(model, given)
        assert model.outputs(given).tobytes() == old.tobytes()
        if classes:
            mean = np.asarray(model.metadata["x_mean"], dtype=dtype)
            scale = np.asarray(model.metadata["x_scale"], dtype=dtype)
            S = (given.astype(dtype) - mean) / scale  # plain NumPy's standardisation
            assert model._inputs(given).tobytes() == S.tobytes()
            assert np.asarray(model._rows(given)).tobytes() == S.tobytes()
            P, L = model.predict_proba(given), model.predict_log_proba(given)
            assert P.shape == (len(X), max(classes, 2)) and L.shape == P.shape
            np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-5)
            np.testing.assert_allclose(np.exp(L), P, rtol=1e-4 if dtype == "float32" else 1e-12)
            assert np.array_equal(model.predict(given), np.asarray(model.labels)[P.argmax(1)])
        else:
            y_scale, y_mean = (np.asarray(model.metadata[k], dtype=np.float64)
                               for k in ("y_scale", "y_mean"))
            want = old[:, 0] * y_scale + y_mean  # the target in its units, in float64
            assert model.predict(given).tobytes() == want.tobytes()


def test_the_pass_holds_no_array_of_the_data_size(tmp_path, capsys):
    model = _train(tmp_path, capsys, 4)
    X = np.random.default_rng(2).normal(loc=3.0, scale=2.0, size=(200_000, 12))
    for given in (X, X.astype(np.float32)):
        model.predict_proba(given[:10])  # first-call caches
        tracemalloc.start()
        try:
            P = model.predict_proba(given)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        # the result (200,000 x 4 float64, 6.1 MiB) and blocks of about 2 MiB; the whole
        # standardised array was 18.3 MiB (float32 X: cast to float64 first, twice that)
        assert peak < P.nbytes + 0.5 * X.nbytes, (peak / 2**20, X.nbytes / 2**20)


def test_scaled_rows_takes_slices_only(tmp_path, capsys):
    model = _train(tmp_path, capsys, 2)
    S = model._rows(np.zeros((5, 12)))
    assert S.shape == (5, 12) and S.ndim == 2 and len(S) == 5 and S.dtype == np.float64
    with pytest.raises(TypeError, match="slice of rows"):
        S[0]


def _shares(X: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The share of each feature's values beyond its range by more than twice its width."""
    width = high - low
    return ((X < low - 2 * width) | (X > high + 2 * width)).mean(axis=0)


def test_range_warning_counts_blocks_as_all_rows(monkeypatch):
    from chainrule import _saved_model_range

    rng = np.random.default_rng(3)
    n = 1000
    X = rng.uniform(0, 1, size=(n, 4))
    X[:101, 0] = 3.5  # 10.1 % of feature 0 far outside [0, 1] (beyond 1 + 2 * 1): flagged
    X[:100, 1] = -2.5  # 10.0 %: not more than SHARE, not flagged
    X[:300, 3] = 2.9  # beyond the range, not beyond two widths
    record = {"per": "feature", "min": [0.0] * 4, "max": [1.0] * 4}
    shares = _shares(X, np.zeros(4), np.ones(4))
    assert shares.tolist() == [0.101, 0.1, 0.0, 0.0]
    whole = outside_message(X, record, lambda j: f"feature {j}")
    monkeypatch.setattr(_saved_model_range, "_BLOCK", 12)  # blocks of 3 rows
    blocks = outside_message(X, record, lambda j: f"feature {j}")
    assert whole == blocks
    assert "feature 0 trained on 0 to 1, given" in whole and "(10% of values" in whole
    assert "feature 1" not in whole
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert outside_message(X[100:], record, lambda j: f"feature {j}") is None


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_value_that_is_not_finite_is_named_by_its_row_in_all_rows(tmp_path, capsys, bad):
    model = _train(tmp_path, capsys, 2)
    X = np.random.default_rng(4).normal(loc=3.0, scale=2.0, size=(60_000, 12))
    X[45_678, 5] = bad  # in a block after the first (blocks of 21,845 rows of 12 values)
    X[45_679, 0] = -np.inf
    what = "missing value (NaN)" if np.isnan(bad) else "not a finite number: inf"
    for given in (X, X.astype(np.float32)):
        for method in (model.predict, model.predict_proba, model._inputs):
            with pytest.raises(ValueError, match=rf"^X row 45678 \(from 0\), feature 5 \('x5'\): "
                                                 rf"{re.escape(what)}: fill it in"):
                method(given)


def test_far_values_warn_through_the_model(tmp_path, capsys):
    model = _train(tmp_path, capsys, 4)
    X = np.random.default_rng(5).normal(loc=3.0, scale=2.0, size=(30_000, 12))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict_proba(X)  # the training rows' distribution: no warning
    X[-4000:, 2] *= 1000  # 13 % of feature 2's values, in the last block, far outside
    with pytest.warns(UserWarning, match=r"outside the training range: feature 2 .*"
                                         r"\(13% of values far outside\)"):
        model.predict_proba(X)


def test_squeezed_rule_reads_raw_rows_as_their_cast():
    from chainrule._saved_model_range import squeezed_message, training_range

    rng = np.random.default_rng(6)
    record = training_range(rng.normal(loc=50.0, scale=20.0, size=(500, 4)))
    X = rng.normal(loc=50.0, scale=20.0, size=(400, 4))
    X[:, 1] /= 1000  # other units: squeezed
    X[:, 3] = np.rint(X[:, 3] / 300)  # whole numbers, squeezed too
    name = lambda j: f"feature {j}"  # noqa: E731
    for raw, dtype in ((X.astype(np.float32), np.float64), (np.rint(X * 1000).astype(
            np.int64) // 1000, np.float64), (X.astype(np.float16), np.float32)):
        cast = raw.astype(dtype)
        assert squeezed_message(raw, record, name, dtype) == squeezed_message(cast, record,
                                                                              name)
        assert outside_message(raw, record, name, dtype) == outside_message(cast, record,
                                                                            name)
    assert "feature 1 spread over" in squeezed_message(X, record, name)
