"""The estimators' SciPy solvers ("lbfgs", "cg") against their own records and scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from chainrule import MLPClassifier, MLPRegressor


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_prints_each_iterations_recorded_loss_on_stderr(capsys, solver, verbose):
    """lbfgs and cg printed one line on stdout, "L-BFGS-B: ... J=0.0952372", whose J was
    the network's cost: for three squared-error outputs three times loss_ (0.0317557),
    where verbose is documented as lines on stderr with the loss loss_curve_ records.
    They now print the mini-batch solvers' line per iteration on stderr, with that
    loss, and SciPy's reason with loss_; stdout stays the program's."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = X[:, :3] @ rng.normal(size=(3, 3))
    alpha = 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor((5,), solver=solver, alpha=alpha, max_iter=8, verbose=verbose,
                           random_state=0).fit(X, Y)
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        f"iteration {i}/8" for i in range(1, reg.n_iter_ + 1)]
    printed = [float(line.split("loss ")[1]) for line in lines[:-1]]
    assert printed == pytest.approx(reg.loss_curve_, rel=1e-4)
    # the reference: scikit-learn's loss written out, the squared error averaged over the
    # rows and the three outputs, halved, plus alpha / (2 n) times the sum of squared weights
    H = np.maximum(X @ reg.coefs_[0] + reg.intercepts_[0], 0)  # relu, the default
    P = H @ reg.coefs_[1] + reg.intercepts_[1]
    expected = np.mean((Y - P) ** 2) / 2 + alpha / (2 * len(X)) * sum(
        float(np.sum(W ** 2)) for W in reg.coefs_)
    assert reg.loss_ == pytest.approx(expected, rel=1e-10)
    assert printed[-1] == pytest.approx(expected, rel=1e-4)
    assert lines[-1].startswith(f"{solver}: ")
    assert lines[-1].endswith(f"after {reg.n_iter_} iteration(s), loss {expected:.5g}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier((3,), solver=solver, max_iter=3, random_state=0).fit(X, X[:, 0] > 0)
    assert capsys.readouterr() == ("", "")  # verbose=0: silent


def _same_start_runs(est, reference, X, y, sample_weight, max_iter):
    """Both estimators fitted once (one iteration), then run ``max_iter`` lbfgs iterations
    from chainrule's weights, copied into scikit-learn's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(max_iter=1).fit(X, y, sample_weight=sample_weight)
        reference.set_params(max_iter=1).fit(X, y, sample_weight=sample_weight)
        reference.coefs_ = [W.copy() for W in est.coefs_]
        reference.intercepts_ = [b.copy() for b in est.intercepts_]
        for e in (est, reference):
            e.set_params(warm_start=True, max_iter=max_iter).fit(X, y,
                                                                 sample_weight=sample_weight)
    return est, reference


@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel", "regression"])
@pytest.mark.parametrize("weighted", [False, True])
def test_lbfgs_runs_scikit_learns_iterations_from_the_same_weights(task, weighted):
    """From the same weights, scikit-learn's lbfgs and chainrule's take the same
    iterations: the same cost, gradient and SciPy options (maxiter, maxfun, gtol = tol),
    alpha's L2 term over the rows (or the sum of the weights), sample_weight."""
    from sklearn import neural_network as sk

    rng = np.random.default_rng(4)
    X = rng.normal(size=(80, 5))
    y = {"multiclass": (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5),
         "binary": (X[:, 0] + X[:, 2] > 0).astype(int),
         "multilabel": (X[:, :3] > 0).astype(int),
         "regression": np.tanh(X[:, 0] - X[:, 1])}[task]
    sw = rng.uniform(0.2, 2.0, len(X)) if weighted else None
    params = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", alpha=0.3,
                  random_state=0)
    ours, theirs = ((MLPRegressor, sk.MLPRegressor) if task == "regression" else
                    (MLPClassifier, sk.MLPClassifier))
    est, ref = _same_start_runs(ours(**params), theirs(**params), X, y, sw, max_iter=12)
    assert est.n_iter_ == ref.n_iter_ == 12
    assert est.loss_ == pytest.approx(ref.loss_, rel=1e-11)  # measured: within 4e-15
    for mine, its in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_,
                         strict=True):
        np.testing.assert_allclose(mine, its, rtol=0, atol=1e-11)  # measured: 1e-14


def _cost_not_finite_after(monkeypatch, evaluations):
    """SciPy's objective turns NaN after ``evaluations`` calls, as an overflow would."""
    import chainrule.scipy_fit as scipy_fit

    made = scipy_fit._objective

    def objective(*args, **kwargs):
        fun, calls = made(*args, **kwargs), [0]

        def nan_later(theta):
            calls[0] += 1
            J, grad = fun(theta)
            return (np.nan, np.full_like(grad, np.nan)) if calls[0] > evaluations else (J, grad)
        return nan_later

    monkeypatch.setattr(scipy_fit, "_objective", objective)


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
@pytest.mark.parametrize("warm", [False, True])
def test_a_diverged_run_records_the_iterate_the_network_keeps(monkeypatch, solver, warm):
    """A SciPy run whose cost became NaN raised TrainingDiverged and kept its last iterate
    with a finite cost (iteration 5 of lbfgs here), but the estimator said nothing of
    it: n_iter_ 0 (or the earlier fit's), no loss_, loss_curve_ and t_ without the run,
    where the mini-batch solvers record their completed epochs.  They now describe that
    iterate: the same attributes as a run stopped there by max_iter."""
    from chainrule import TrainingDiverged

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = np.tanh(X[:, 0] - X[:, 1])
    params = dict(hidden_layer_sizes=(5,), solver=solver, random_state=0, warm_start=warm)

    def start():
        est = MLPRegressor(**params, max_iter=3)
        if warm:  # an earlier fit whose attributes the diverged run must not leave behind
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(X, y)
        return est.set_params(max_iter=50)

    with monkeypatch.context() as patch:
        _cost_not_finite_after(patch, 6)
        est = start()
        with pytest.raises(TrainingDiverged) as err:
            est.fit(X, y)
    n = err.value.epoch  # the iterate the network keeps
    assert n >= 2 and f"iteration {n}, the last with a finite cost" in str(err.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = start().set_params(max_iter=n).fit(X, y)  # the reference: stopped there
    for mine, its in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_,
                         strict=True):
        np.testing.assert_array_equal(mine, its)
    assert est.n_iter_ == ref.n_iter_ == n
    assert est.loss_curve_ == ref.loss_curve_ and len(est.loss_curve_) == n + 3 * warm
    assert est.loss_ == ref.loss_ == est.loss_curve_[-1] and est.t_ == ref.t_
    assert est.loss_ == pytest.approx(float(np.mean((ref.predict(X) - y) ** 2) / 2 + 1e-4 / (
        2 * len(X)) * sum(float(np.sum(W ** 2)) for W in ref.coefs_)), rel=1e-10)
