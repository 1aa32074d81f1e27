"""Data and a network shared by the schedule tests (test_schedules_plateau, _warmup), and
the one-cycle tests' (test_schedules_onecycle, _onecycle_runs, _per_step_own) with
OneCycleLR's rates written out in NumPy."""

from __future__ import annotations

import numpy as np

import chainrule


def regression_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """40 training rows, 20 validation rows whose target is the negated one.

    The validation loss rises while the training loss falls, so a plateau
    schedule watching ``val_loss`` reduces its rate within a few epochs.
    """
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    Y = np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]
    Xv = rng.normal(size=(20, 3))
    Yv = -np.sin(Xv @ np.array([1.0, -2.0, 0.5]))[:, None]  # the validation loss rises
    return X, Y, Xv, Yv


def small_net() -> chainrule.Network:
    return chainrule.mlp([3, 8, 1], hidden="tanh", seed=0)


def onecycle_data(m: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """``m`` rows of 3 features and 2 smooth targets (50 rows: 7 batches of 8 an epoch)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(m, 3))
    return X, np.column_stack([np.sin(X[:, 0] - X[:, 1]), np.cos(X[:, 2])])


def onecycle_net(seed: int = 0) -> chainrule.Network:
    return chainrule.mlp([3, 5, 2], hidden="tanh", output="identity", seed=seed)


def onecycle_rates(T, max_lr, pct=0.3, strategy="cos", div=25.0, final=1e4, three=False):
    """OneCycleLR's rate of each of the steps 0..T-1, written out in NumPy."""
    t = np.arange(T, dtype=float)
    lo0 = max_lr / div
    lo1 = lo0 / final
    if strategy == "cos":
        def anneal(a, b, x):
            return b + (a - b) / 2 * (np.cos(np.pi * x) + 1)
    else:
        def anneal(a, b, x):
            return a + (b - a) * x
    e1 = pct * T - 1
    if not three:
        return np.where(t <= e1, anneal(lo0, max_lr, t / e1),
                        anneal(max_lr, lo1, (t - e1) / (T - 1 - e1)))
    e2 = 2 * pct * T - 2
    return np.where(t <= e1, anneal(lo0, max_lr, t / e1),
                    np.where(t <= e2, anneal(max_lr, lo0, (t - e1) / (e2 - e1)),
                             anneal(lo0, lo1, (t - e2) / (T - 1 - e2))))
