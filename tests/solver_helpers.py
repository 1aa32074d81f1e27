"""Shared by the tests of the estimators' solvers and their settings (test_estimators8_solvers,
test_estimators9_solver_settings, test_estimators13_decoupled): a small regression problem,
a fit that keeps its convergence warning to itself, and a warm-start regressor holding
chosen weights, all with the rates those tests compare against torch.optim; and a Ctrl-C
in the middle of chainrule.minimize, for train's full-batch optimizers (test_cli_lbfgs,
test_robust32_train_batchnorm)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from chainrule import MLPRegressor

#: the learning rate, the L2 term (scikit-learn's alpha) and the batch size of the tests
LR, ALPHA, BS = 0.01, 0.3, 10


def sine_data(m: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``m`` rows of 3 normal features and the target ``sin(X @ [1, -2, 0.5])``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.sin(X @ [1.0, -2.0, 0.5])


def quiet_fit(est, X, y, **kw):
    """``est.fit(X, y, **kw)`` with its ConvergenceWarning (one epoch's) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


def started(solver: str, X, y, **settings) -> tuple[MLPRegressor, np.ndarray]:
    """A warm-start 3-4-1 tanh regressor of ``solver`` (betas 0.8, 0.95, eps 1e-6, no
    shuffling, one epoch per fit) whose network holds chosen weights ``w0`` (copied in)."""
    est = MLPRegressor((4,), "tanh", solver=solver, alpha=ALPHA, batch_size=BS,
                       learning_rate_init=LR, beta_1=0.8, beta_2=0.95, epsilon=1e-6,
                       shuffle=False, tol=0.0, n_iter_no_change=10**6, max_iter=1,
                       warm_start=True, random_state=0, **settings)
    quiet_fit(est, X, y)
    w0 = np.random.default_rng(1).normal(scale=0.5, size=est.network_.n_params)
    est.network_.params[...] = w0
    return est, w0


def interrupt_minimize_after(monkeypatch, iterations: int) -> None:
    """Make ``chainrule.scipy_fit.minimize`` raise KeyboardInterrupt (Ctrl-C) once its
    callback has seen ``iterations`` iterates: what ``chainrule train --optimizer lbfgs``
    (and the second-order optimizers) then write is the last iterate's model."""
    import chainrule
    import chainrule.scipy_fit as scipy_fit

    # chainrule loads its public names on first use (PEP 562) and keeps them: resolved
    # now, chainrule.minimize stays the real one for the test's references, not this
    # patch kept for the rest of the process (a -k run of these tests alone did that)
    real = chainrule.minimize
    assert real is scipy_fit.minimize

    def interrupted(net, X, Y, **kwargs):
        callback = kwargs.pop("callback")

        def stop(theta, J):
            callback(theta, J)
            stop.n += 1
            if stop.n == iterations:
                raise KeyboardInterrupt

        stop.n = 0
        return real(net, X, Y, callback=stop, **kwargs)

    monkeypatch.setattr(scipy_fit, "minimize", interrupted)
