"""Parity with scikit-learn's MLP: early stopping run for run, and held-out scores (slow).

The step-by-step comparisons of the optimizers from the same weights are in
``test_estimators.py`` and ``test_partial_fit_sklearn.py``; here early stopping
(the validation split, its scores, the stopping count, the restored best
parameters) is compared from the same weights and split.  Then (slow), as a
practitioner compares them, both libraries' estimators are fitted with the same
parameters and seeds, each drawing its own initial weights and shuffling, on a
75/25 split scaled by the training part, and the held-out scores are compared
over the seeds: chainrule's mean must not fall below scikit-learn's by more
than two standard errors of the difference of the two means (computed here from
both libraries' spread over the seeds).  ``benchmarks/bench_accuracy.py``
prints the whole table.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_circles,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.neural_network import _multilayer_perceptron as sk_mlp
from sklearn.preprocessing import StandardScaler

import chainrule._mlp_early_stopping as cr_mlp  # (where the MLPs split early stopping's rows)
from chainrule.estimators import MLPClassifier, MLPRegressor

SEEDS = range(8)


def _weights(fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot-uniform weights that depend on the layer's shape alone (both libraries')."""
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(1000 * fan_in + fan_out).uniform(-r, r, (fan_in, fan_out))


def _last_rows_held_out(*arrays, test_size, random_state=None, stratify=None):
    """train_test_split's signature; holds out the last ceil(test_size * n) rows."""
    n = len(arrays[0])
    k = int(np.ceil(test_size * n))
    return [part for a in arrays for part in (a[:n - k], a[n - k:])]


@pytest.mark.parametrize("data", ["iris", "breast_cancer", "diabetes"])
@pytest.mark.parametrize("solver", [
    {"solver": "sgd", "learning_rate_init": 0.01},
    {"solver": "sgd", "learning_rate": "adaptive", "learning_rate_init": 0.05},
    {"solver": "adam", "learning_rate_init": 0.003},
])
def test_early_stopping_follows_scikit_learn_from_the_same_weights_and_split(
        monkeypatch, data, solver):
    """Same start (zero biases, the weights of ``_weights``) and the same held-out rows:
    the same validation scores, ``n_iter_``, ``best_validation_score_``, loss curve and
    restored parameters, epoch for epoch (multiclass, binary and regression targets)."""
    monkeypatch.setattr(sk_mlp.BaseMultilayerPerceptron, "_init_coef",
                        lambda self, fan_in, fan_out, dtype: (
                            _weights(fan_in, fan_out).astype(dtype), np.zeros(fan_out, dtype)))
    monkeypatch.setattr(sk_mlp, "train_test_split", _last_rows_held_out)
    monkeypatch.setattr(cr_mlp, "train_test_split", _last_rows_held_out)
    load = {"iris": load_iris, "breast_cancer": load_breast_cancer,
            "diabetes": load_diabetes}[data]
    X, y = load(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))  # classes mixed in the last rows
    X, y = StandardScaler().fit_transform(X)[order], y[order]
    classification = data != "diabetes"
    if not classification:
        y = (y - y.mean()) / y.std()
    kw = dict(hidden_layer_sizes=(8,), activation="tanh", early_stopping=True,
              validation_fraction=0.2, shuffle=False, batch_size=32, max_iter=300,
              n_iter_no_change=5, tol=1e-3, random_state=0, **solver)
    ours, theirs = ((MLPClassifier, SkClassifier) if classification
                    else (MLPRegressor, SkRegressor))
    a = ours(init=lambda rng, fan_in, fan_out: _weights(fan_in, fan_out), bias_init="zeros",
             **kw).fit(X, y)
    b = theirs(**kw).fit(X, y)
    assert a.n_iter_ == b.n_iter_ < kw["max_iter"]  # stopped by the validation scores
    np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-12)
    assert a.best_validation_score_ == pytest.approx(b.best_validation_score_, rel=1e-12)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-12)
    for mine, skl in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_allclose(mine, skl, rtol=1e-10, atol=1e-12)


def _scores(load, ours, theirs, params: dict, classification: bool) -> tuple[list, list]:
    """Held-out scores of ``ours`` and ``theirs`` (same parameters) for each of SEEDS."""
    X, y = load(return_X_y=True)
    if not classification:
        y = (y - y.mean()) / y.std()
    a, b = [], []
    for seed in SEEDS:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                              stratify=y if classification else None)
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            a.append(ours(random_state=seed, **params).fit(Xtr, ytr).score(Xte, yte))
            b.append(theirs(random_state=seed, **params).fit(Xtr, ytr).score(Xte, yte))
    return a, b


@pytest.mark.slow
@pytest.mark.parametrize("name, load, params, classification", [
    ("breast_cancer adam", load_breast_cancer, {}, True),
    ("digits adam early stopping", load_digits, {"early_stopping": True}, True),
    ("diabetes adam", load_diabetes, {"hidden_layer_sizes": (50,), "max_iter": 300}, False),
])
def test_held_out_score_within_the_seeds_spread_of_sklearns(name, load, params,
                                                            classification):
    ours, theirs = ((MLPClassifier, SkClassifier) if classification
                    else (MLPRegressor, SkRegressor))
    a, b = _scores(load, ours, theirs, params, classification)
    n = len(a)
    se = np.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / n)
    # a floor for seeds that happen to agree (every score the same): one test example
    tolerance = max(2 * se, 0.01)
    assert np.mean(a) >= np.mean(b) - tolerance, (name, a, b)
    # and the scores are those of a trained model, not of a constant prediction
    assert np.mean(a) > (0.9 if classification else 0.3), (name, a)


def _circles(return_X_y: bool = True) -> tuple[np.ndarray, np.ndarray]:
    return make_circles(400, noise=0.1, factor=0.5, random_state=0)


@pytest.mark.slow
def test_circles_with_tanh_leave_the_symmetric_start():
    """With tanh and zero biases a network's output is odd in x plus a constant: on two
    concentric circles training stalled at that saddle (loss ln 2, stopped by tol after
    about 30 epochs; held-out accuracy about 0.54 against scikit-learn's 0.91).  Its biases
    now start as scikit-learn's do (bias_init="uniform"), which breaks the symmetry; with
    bias_init="zeros" the stall is still there."""
    a, b = _scores(_circles, MLPClassifier, SkClassifier, {"activation": "tanh"}, True)
    se = np.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / len(a))
    assert np.mean(a) >= np.mean(b) - max(2 * se, 0.01), (a, b)
    assert np.mean(a) > 0.8, a
    zeros, _ = _scores(_circles, lambda **kw: MLPClassifier(bias_init="zeros", **kw),
                       SkClassifier, {"activation": "tanh"}, True)
    assert np.mean(zeros) < np.mean(b) - max(2 * se, 0.01), (zeros, b)


def test_the_benchmarks_table_reports_the_runs_means_spreads_and_iterations():
    """benchmarks/bench_accuracy.py: its split is stratified 75/25 and scaled by the training
    rows, and its row shows the mean and standard deviation over the seeds of each library's
    held-out scores, their difference in pooled standard deviations and the ratio of the
    median n_iter_, computed here from the runs it made."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "benchmarks"))
    import bench_accuracy

    X, y = load_iris(return_X_y=True)
    Xtr, Xte, ytr, yte = bench_accuracy.split(X, y, 0, True)
    assert (len(ytr), len(yte)) == (112, 38)
    assert sorted(np.bincount(yte)) == [12, 13, 13]  # stratified
    np.testing.assert_allclose(Xtr.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(Xtr.std(0), 1, rtol=1e-12)
    runs = bench_accuracy.compare("iris", "small_10", [0, 1, 2])
    text, diff = bench_accuracy.row("iris", "small_10", runs, details=False)
    ours = [r["score"] for r in runs["chainrule"]]
    theirs = [r["score"] for r in runs["scikit-learn"]]
    for seed, r in enumerate(runs["scikit-learn"]):  # scikit-learn's own fit, rerun here
        Xtr, Xte, ytr, yte = bench_accuracy.split(X, y, seed, True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk = SkClassifier((10,), max_iter=50, random_state=seed).fit(Xtr, ytr)
        assert r["score"] == sk.score(Xte, yte) and r["n_iter"] == sk.n_iter_ == 50
    fields = text.split()
    assert float(fields[2]) == pytest.approx(np.mean(ours), abs=5e-5)
    assert float(fields[4]) == pytest.approx(np.std(ours, ddof=1), abs=5e-5)
    assert float(fields[5]) == pytest.approx(np.mean(theirs), abs=5e-5)
    assert float(fields[7]) == pytest.approx(np.std(theirs, ddof=1), abs=5e-5)
    pooled = np.sqrt((np.var(ours, ddof=1) + np.var(theirs, ddof=1)) / 2)
    assert diff == pytest.approx((np.mean(ours) - np.mean(theirs)) / pooled, rel=1e-12)
    assert fields[9:12] == ["50", "50", "1.00"] and fields[12] == "3/3"


def test_the_benchmark_refuses_one_seed_whose_scores_have_no_spread(monkeypatch, capsys):
    """With one seed each library has one score and no standard deviation: the difference
    in pooled standard deviations was (m1 - m2) / 1e-3, the floor of the spread (iris with
    (10,) hidden units: +26.32, a row counted among those with |diff| > 2).  --seeds 1 is
    now refused by name; two seeds give a spread."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "benchmarks"))
    import bench_accuracy

    monkeypatch.setattr(sys, "argv", ["bench_accuracy.py", "--seeds", "1", "--only", "iris",
                                      "--settings", "small_10"])
    with pytest.raises(SystemExit) as exc:
        bench_accuracy.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--seeds" in err and "2 seeds at least, got 1" in err
