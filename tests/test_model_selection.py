"""Hidden-unit selection by validation on noisy sinusoidal regression: real computed runs."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.datasets import sinusoid
from chainrule.model_selection import select_hidden_units
from chainrule.plots import plot_model_selection


def _data(seed: int):
    X, y = sinusoid(10, 0.3, seed=seed, grid=True)
    Xv, yv = sinusoid(200, 0.3, seed=seed + 1000)
    return X, y, Xv, yv


def _check_classic_shape(result, falls: float, rises: float) -> None:
    best = result.best_per_size()  # best start of each size
    m_star = int(np.argmin(best))
    # validation error falls from M = 1 ...
    assert best[0] > falls * best[m_star], best
    # ... to a minimum before the largest networks, then rises (or at least stops falling)
    assert 0 < m_star < len(best) - 1, best
    assert best[-1] > rises * best[m_star], best
    # while the training error keeps falling: the large networks fit the noise
    train = result.train_errors.min(axis=1)
    assert train[-1] < 0.1 * train[0], train
    # local minima: the starts of one size end with different validation errors
    spread = result.val_errors.max(axis=1) / result.val_errors.min(axis=1)
    assert np.mean(spread[1:] > 1.2) >= 0.5, spread


def test_small_run_has_the_classic_shape_and_is_reproducible():
    from joblib import parallel_config

    X, y, Xv, yv = _data(0)
    result = select_hidden_units(X, y, Xv, yv, hidden_units=range(1, 7), n_starts=4, seed=0)
    assert result.val_errors.shape == result.train_errors.shape == (6, 4)
    _check_classic_shape(result, falls=1.3, rises=1.05)
    # the chosen run is the smallest validation error of all, and its network gives it
    assert result.best_error == result.val_errors.min()
    assert result.best_hidden == result.hidden_units[np.argmin(result.best_per_size())]
    h, o = result.best_network.layers
    pred = np.tanh(Xv @ h.W + h.b) @ o.W + o.b  # independent forward pass
    assert np.mean((pred[:, 0] - yv) ** 2) == pytest.approx(result.best_error, rel=1e-12)
    i = list(result.hidden_units).index(result.best_hidden)
    assert result.val_errors[i, result.best_start] == result.val_errors.min()
    # the printout counts starts from 1, as people do ("start 1 of 4", not "start 0 of 4")
    assert (f"chosen: M = {result.best_hidden} (start {result.best_start + 1} of 4)"
            in result.summary())
    # the printout names its error: the mean of (o - t)^2, not the squared_error loss
    # 1/2 (o - t)^2 the runs train on (evaluate's loss is half of it)
    lines = result.summary().splitlines()
    assert lines[0].startswith("error of each run: the mean of (output - target)^2")
    row = lines[2 + i].split()
    assert int(row[0]) == result.best_hidden
    assert float(row[1]) == pytest.approx(np.mean((pred[:, 0] - yv) ** 2), rel=1e-3)
    assert result.best_network.evaluate(Xv, yv)["loss"] == pytest.approx(
        result.best_error / 2, rel=1e-12)
    # every run depends only on [seed, M, start]: two workers give the same numbers
    with parallel_config(backend="threading"):
        again = select_hidden_units(X, y, Xv, yv, hidden_units=[2, 5], n_starts=4, seed=0,
                                    n_jobs=2)
    np.testing.assert_array_equal(again.val_errors, result.val_errors[[1, 4]])


def test_errors_are_computed_in_blocks_of_rows(monkeypatch):
    """The training and validation errors of each run came from one forward pass over all
    the rows: 50,000 validation rows, 100 tanh units: peak 77 MiB, 4.3 MiB now
    (tracemalloc).  Now in the blocks of Network.predict, with the same errors."""
    import tracemalloc

    import joblib  # noqa: F401 (imported before the measure)

    from chainrule import _inference

    X, y = sinusoid(10, 0.3, seed=0, grid=True)
    Xv, yv = sinusoid(5000, 0.3, seed=1)
    one = select_hidden_units(X, y, Xv, yv, hidden_units=[40], n_starts=1, maxiter=20)
    monkeypatch.setattr(_inference, "BLOCK_BYTES", 2**14)  # blocks of 51 rows
    tracemalloc.start()
    try:
        result = select_hidden_units(X, y, Xv, yv, hidden_units=[40], n_starts=1, maxiter=20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    h, o = result.best_network.layers
    for Xs, ys, err in ((X, y, result.train_errors), (Xv, yv, result.val_errors)):
        pred = np.tanh(Xs @ h.W + h.b) @ o.W + o.b  # independent forward pass
        assert err[0, 0] == pytest.approx(np.mean((pred[:, 0] - ys) ** 2), rel=1e-12)
    np.testing.assert_allclose(result.val_errors, one.val_errors, rtol=1e-12)
    # one hidden layer's net input for all the validation rows: 1.6 MB
    z = Xv.shape[0] * 40 * 8
    assert peak < z / 2, (peak, z)


@pytest.mark.slow
def test_classic_figure_30_starts_m_1_to_10(tmp_path):
    """The textbook setting: M = 1..10, 30 random starts each, in parallel."""
    X, y, Xv, yv = _data(0)
    result = select_hidden_units(X, y, Xv, yv, hidden_units=range(1, 11), n_starts=30,
                                 n_jobs=2, seed=0)
    assert result.val_errors.shape == (10, 30)
    _check_classic_shape(result, falls=1.3, rises=1.05)
    assert result.best_hidden <= 5
    path = plot_model_selection(result.hidden_units, result.val_errors, tmp_path / "ms.png",
                                result.train_errors, (result.best_hidden, result.best_error))
    assert path.stat().st_size > 20_000


def test_plot_model_selection_png(tmp_path):
    import matplotlib.image as mpimg

    rng = np.random.default_rng(0)
    errors = np.exp(rng.normal(size=(5, 7)))
    errors[2, 3] = np.inf  # a diverged run is left out, not an error
    path = plot_model_selection(np.arange(1, 6), errors, tmp_path / "ms.png", errors / 2,
                                (3, float(errors[2].min())))
    img = mpimg.imread(path)
    assert img.shape[:2] == (450, 700) and img.std() > 0.05


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"hidden_units": []}, "hidden_units must list at least one size"),
    ({"hidden_units": [0, 1]}, r"hidden_units\[0\] must be an int >= 1, got 0"),
    ({"hidden_units": [2, -3]}, r"hidden_units\[1\] must be an int >= 1, got -3"),
    ({"n_starts": 0}, "n_starts"),
    ({"activation": "nope"}, "unknown activation"),
    ({"init_scale": -1.0}, "init_scale"),
    ({"y_val": np.zeros(3)}, "y_val must have 200 rows"),
    ({"n_jobs": 1.5}, r"n_jobs must be None, a number of workers >= 1, or -1 .*got 1.5"),
    ({"n_jobs": True}, r"n_jobs must be None, .*got True"),
    ({"n_jobs": 0}, r"n_jobs must be None, .*got 0"),
])
def test_bad_input(kwargs, words):
    X, y, Xv, yv = _data(0)
    args = {"X_train": X, "y_train": y, "X_val": Xv, "y_val": yv, "n_starts": 1,
            "hidden_units": [1], **kwargs}
    with pytest.raises((ValueError, TypeError), match=words):
        select_hidden_units(**args)
    with pytest.raises(ValueError, match="val_errors must have shape"):
        plot_model_selection([1, 2], np.zeros(3), "unused.png")


def test_summary_names_the_error_of_several_outputs_by_its_factor():
    """With k outputs the error (the mean of (o - t)^2 over the examples and the outputs)
    is 2/k times the squared_error loss (1/2 (o - t)^2 summed over the outputs): the
    summary said "twice" whatever k was (with 2 outputs the two are equal)."""
    X, y, Xv, yv = _data(0)
    Y, Yv = np.c_[y, 0.5 * y], np.c_[yv, 0.5 * yv]
    result = select_hidden_units(X, Y, Xv, Yv, hidden_units=[2, 3], n_starts=2, seed=0,
                                 maxiter=50)
    h, o = result.best_network.layers
    pred = np.tanh(Xv @ h.W + h.b) @ o.W + o.b  # independent forward pass
    assert np.mean((pred - Yv) ** 2) == pytest.approx(result.best_error, rel=1e-12)
    loss = np.mean(0.5 * np.sum((pred - Yv) ** 2, axis=1))  # squared_error, by hand
    assert result.best_error == pytest.approx(2 / 2 * loss, rel=1e-12)
    assert result.summary().splitlines()[0] == (
        "error of each run: the mean of (output - target)^2 over the examples and the 2 "
        "outputs (equal to the squared_error loss the networks train on)")


@pytest.mark.parametrize("name", ["softmax", "step", "sign"])
def test_a_hidden_softmax_or_step_is_refused_before_any_run(name, monkeypatch):
    """Before: activation="softmax" trained every run (a softmax couples the units of the
    hidden layer) where MLPRegressor(activation="softmax") and train --activation softmax
    refuse it; a step failed in the first run.  Now the estimators' message, at once."""
    import chainrule.model_selection as ms
    from chainrule import MLPRegressor

    def no_run(*args, **kwargs):
        raise AssertionError("a run was made")

    monkeypatch.setattr(ms, "_fit_one", no_run)
    X, y, Xv, yv = _data(0)
    with pytest.raises(ValueError) as refused:
        select_hidden_units(X, y, Xv, yv, hidden_units=[1], n_starts=1, activation=name)
    assert str(refused.value) == (f"activation: {name!r} cannot be a hidden activation (it "
                                  "has no usable derivative or is not elementwise)")
    with pytest.raises(ValueError) as estimator:  # the estimators' words
        MLPRegressor(activation=name).fit(X, y)
    assert str(refused.value) == str(estimator.value)


def test_a_size_given_twice_is_trained_once(monkeypatch):
    """hidden_units=[2, 2, 3] trained M = 2 twice (the same seeds [seed, 2, start]: the
    same runs) and listed it twice.  Each distinct size is trained once, at its first
    place, with the errors of the runs without the repeat."""
    import chainrule.model_selection as ms

    calls = []
    fit_one = ms._fit_one

    def counted(*args):
        calls.append(args[4])  # M
        return fit_one(*args)

    monkeypatch.setattr(ms, "_fit_one", counted)
    X, y, Xv, yv = _data(0)
    result = select_hidden_units(X, y, Xv, yv, hidden_units=[3, 2, 3, 2], n_starts=2,
                                 maxiter=30)
    assert calls == [3, 3, 2, 2]
    np.testing.assert_array_equal(result.hidden_units, [3, 2])
    once = select_hidden_units(X, y, Xv, yv, hidden_units=[3, 2], n_starts=2, maxiter=30)
    np.testing.assert_array_equal(result.val_errors, once.val_errors)
    np.testing.assert_array_equal(result.train_errors, once.train_errors)
    assert [line.split()[0] for line in result.summary().splitlines()[2:4]] == ["3", "2"]
    # the chosen run is the first of the smallest validation error; its network gives it
    k = int(np.argmin(result.val_errors))
    assert (result.best_hidden, result.best_start) == ([3, 2][k // 2], k % 2)
    h, o = result.best_network.layers
    pred = np.tanh(Xv @ h.W + h.b) @ o.W + o.b  # independent forward pass
    assert np.mean((pred[:, 0] - yv) ** 2) == pytest.approx(result.val_errors.min(), rel=1e-12)


@pytest.mark.parametrize(("sizes", "n_sizes"), [
    (range(1, 100_001), 100_000),
    (range(10**20, 0, -7), (10**20 - 1) // 7 + 1),  # 10**20 - 7 k > 0: len() would overflow
    (list(range(1, 1001)) * 2, 1000),
])
def test_more_runs_than_max_runs_are_refused_before_any(sizes, n_sizes, monkeypatch):
    """range(1, 100001) x 100,000 starts listed 10**10 jobs first (memory, then a hang).
    More than MAX_RUNS runs (distinct sizes x starts) are refused at once, by name; a
    range is counted without listing it."""
    import chainrule.model_selection as ms

    def no_run(*args, **kwargs):
        raise AssertionError("a run was made")

    monkeypatch.setattr(ms, "_fit_one", no_run)
    X, y, Xv, yv = _data(0)
    n_starts = ms.MAX_RUNS // n_sizes + 1
    with pytest.raises(ValueError) as refused:
        select_hidden_units(X, y, Xv, yv, hidden_units=sizes, n_starts=n_starts)
    assert str(refused.value) == (
        f"hidden_units x n_starts must make at most {ms.MAX_RUNS:,} runs, got {n_sizes:,} "
        f"distinct sizes x {n_starts:,} starts = {n_sizes * n_starts:,}; try fewer sizes "
        "or starts")
    # a repeated size counts once: 2 distinct sizes x 2 starts are 4 runs, not 8
    monkeypatch.setattr(ms, "MAX_RUNS", 4)
    with pytest.raises(ValueError, match="at most 4 runs, got 3 distinct sizes x 2 starts"):
        select_hidden_units(X, y, Xv, yv, hidden_units=[1, 2, 1, 3], n_starts=2)
    monkeypatch.setattr(ms, "_fit_one", lambda *args: (1.0, 2.0, None))
    monkeypatch.setattr(ms.Network, "set_params", lambda self, params: None)
    result = select_hidden_units(X, y, Xv, yv, hidden_units=[1, 2, 1, 2], n_starts=2)
    assert result.val_errors.shape == (2, 2)


def test_a_run_with_a_nan_error_is_not_chosen_over_one_with_a_number(monkeypatch):
    """Streaming the runs (41b9da1) kept the first run while each next error was compared
    with '<': a NaN first error (a run that diverged) was never beaten, and the NaN run was
    chosen.  The chosen run is now the first of the smallest error among those with a
    number, as np.nanargmin picks (the reference), and its network is that run's."""
    import chainrule.model_selection as ms

    fit_one = ms._fit_one
    seen = []

    def first_diverges(*args):
        train_error, val_error, params = fit_one(*args)
        seen.append(params)
        return (train_error, np.nan, params) if len(seen) == 1 else (train_error, val_error,
                                                                      params)

    monkeypatch.setattr(ms, "_fit_one", first_diverges)
    X, y, Xv, yv = _data(0)
    result = select_hidden_units(X, y, Xv, yv, hidden_units=[2, 3], n_starts=2, maxiter=30)
    assert np.isnan(result.val_errors[0, 0])
    k = int(np.nanargmin(result.val_errors))
    assert k != 0
    assert (result.best_hidden, result.best_start) == ([2, 3][k // 2], k % 2)
    np.testing.assert_array_equal(result.best_network.params, seen[k])
