"""Data and a network shared by the schedule tests (test_schedules_plateau, _warmup)."""

from __future__ import annotations

import json
from collections.abc import Callable

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


def edit_checkpoint_meta(path: object, edit: Callable[[dict], None]) -> None:
    """Rewrite a checkpoint file's JSON record after ``edit(record)`` changed it in place
    (the arrays kept as they are): an older or a damaged file, made from a real one."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    edit(meta)
    with open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
