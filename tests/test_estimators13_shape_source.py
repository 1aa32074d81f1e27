"""Where the fitted network's image shape came from is recorded at fit (``_shape_from_X``:
the images X, or ``input_shape``), and the refusals of predict, partial_fit and a warm
start word the shape by it, not by ``input_shape`` as it is now: a network built for
``input_shape=(3, 8, 6)`` and then given ``input_shape=None`` was not "taken from X".
The record goes with a pickle and a saved file; an older file (or pickle) without it
reads as before."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from chainrule import MLPClassifier, io
from chainrule.estimators import ESTIMATOR_FORMAT, load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
          {"type": "Flatten"}]
GOES_ON = ("partial_fit goes on with the fitted network; to train another architecture fit "
           "a new network (fit with warm_start=False)")
GIVEN = "images of shape (3, 8, 6), given as input_shape=(3, 8, 6) at fit"
FROM_X = "images of shape (3, 8, 6), taken from X at fit (input_shape=None)"
PREDICT = ("X must hold images of shape (n_samples, 3, 8, 6) (the network takes {}), or "
           "their flat rows of 144 pixel values, X.reshape(len(X), -1), got shape "
           "(20, 3, 4, 5)")


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(13)
    return rng.normal(size=(20, 3, 8, 6)), rng.integers(0, 2, 20)


def _given(X, y) -> MLPClassifier:
    """A network whose shape was given as input_shape, then set to None."""
    est = MLPClassifier(layers=LAYERS, input_shape=(3, 8, 6), random_state=0)
    return est.partial_fit(X, y, classes=[0, 1]).set_params(input_shape=None)


def _message(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


def test_partial_fit_and_predict_name_the_input_shape_given_at_fit(data):
    X, y = data
    est = _given(X, y)
    assert est._shape_from_X is False
    params = est.network_.params.copy()
    assert _message(lambda: est.partial_fit(X[:, :, :4, :5], y)) == (
        f"X: the fitted network takes {GIVEN}, got images of shape (3, 4, 5) "
        f"(input_shape=None); {GOES_ON}")
    assert _message(lambda: est.predict(X[:, :, :4, :5])) == PREDICT.format(GIVEN)
    # images of five axes: the network's shape, as given at fit
    assert f"(the network takes {GIVEN})" in _message(lambda: est.partial_fit(X[..., None], y))
    np.testing.assert_array_equal(est.network_.params, params)
    # named again, the input_shape is the estimator's own, as before
    est.set_params(input_shape=(3, 8, 6))
    assert "(input_shape=(3, 8, 6): channels, height, width)" in _message(
        lambda: est.predict(X[:, :, :4, :5]))
    # the flat rows and the images themselves still go in, input_shape None or not
    np.testing.assert_array_equal(est.set_params(input_shape=None).predict(X),
                                  est.predict(X.reshape(len(X), -1)))


def test_a_warm_start_names_it_too(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est = MLPClassifier(layers=LAYERS, input_shape=(3, 8, 6), warm_start=True,
                            max_iter=1, random_state=0).fit(X, y)
    assert _message(lambda: est.set_params(input_shape=None).fit(X[:, :, :4, :5], y)
                    ).startswith(f"X: the fitted network takes {GIVEN}, got images of shape "
                                 "(3, 4, 5) (input_shape=None); a warm start")


def test_a_shape_taken_from_X_is_named_so_when_an_input_shape_is_set_after(data):
    X, y = data
    est = MLPClassifier(layers=LAYERS, random_state=0).partial_fit(X, y, classes=[0, 1])
    assert est._shape_from_X is True
    est.set_params(input_shape=(3, 4, 5))
    assert _message(lambda: est.partial_fit(X[:, :, :4, :5], y)) == (
        f"input_shape: the fitted network takes {FROM_X}, got input_shape=(3, 4, 5); "
        f"{GOES_ON}")
    assert _message(lambda: est.predict(X[:, :, :4, :5])) == PREDICT.format(FROM_X)
    # a new fit records its own: input_shape given this time
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est.set_params(input_shape=(3, 8, 6), max_iter=1).fit(X, y)
    assert est._shape_from_X is False


def test_a_pickle_and_a_saved_file_keep_the_record(data, tmp_path):
    X, y = data
    est = _given(X, y)
    est.save(tmp_path / "e.npz")
    meta, _ = io.read_file(tmp_path / "e.npz", ESTIMATOR_FORMAT)
    assert meta["fitted"]["_shape_from_X"] is False
    for other in (pickle.loads(pickle.dumps(est)), load_estimator(tmp_path / "e.npz")):
        assert other._shape_from_X is False and other.input_shape is None
        assert _message(lambda o=other: o.predict(X[:, :, :4, :5])) == PREDICT.format(GIVEN)
    rows = MLPClassifier((3,), random_state=0).partial_fit(X.reshape(20, -1), y, [0, 1])
    rows.save(tmp_path / "rows.npz")  # a network of rows: nothing to record
    assert "_shape_from_X" not in io.read_file(tmp_path / "rows.npz", ESTIMATOR_FORMAT)[0][
        "fitted"]


def test_an_older_file_without_the_record_reads_as_before(data, tmp_path):
    X, y = data
    est = _given(X, y)
    est.save(tmp_path / "e.npz")
    meta, arrays = io.read_file(tmp_path / "e.npz", ESTIMATOR_FORMAT)
    del meta["fitted"]["_shape_from_X"]
    io.write_file(tmp_path / "old.npz", meta, arrays)
    old = load_estimator(tmp_path / "old.npz")
    assert "_shape_from_X" not in vars(old)
    np.testing.assert_array_equal(old.predict(X), est.predict(X))
    # without the record, worded by input_shape as it is (None: from X), as before it
    assert _message(lambda: old.predict(X[:, :, :4, :5])) == PREDICT.format(FROM_X)
    old.save(tmp_path / "again.npz")  # and saved again as it was read
    assert "_shape_from_X" not in io.read_file(tmp_path / "again.npz", ESTIMATOR_FORMAT)[0][
        "fitted"]
    meta["fitted"]["_shape_from_X"] = "yes"
    io.write_file(tmp_path / "bad.npz", meta, arrays)
    with pytest.raises(ValueError, match=r"corrupted estimator file \(fitted: _shape_from_X: "
                                         r"expected true or false, for a network of images, "
                                         r"found 'yes'"):
        load_estimator(tmp_path / "bad.npz")


def test_a_network_of_rows_records_nothing(data):
    X, y = data
    est = MLPClassifier(layers=LAYERS, random_state=0).partial_fit(X, y, classes=[0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est.set_params(layers=[{"type": "Dense", "fan_out": 3}], max_iter=1).fit(
            X.reshape(len(X), -1), y)
    assert "_shape_from_X" not in vars(est)  # a new network of rows: the record is gone
