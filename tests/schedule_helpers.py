"""Data and a network shared by the schedule tests (test_schedules_plateau, _warmup)."""

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

