"""select's summary: the training error beside a size's best validation error is that
run's, not the smallest training error of any start."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.model_selection import SelectionResult


def test_the_train_column_is_the_best_validation_runs_training_error():
    """It printed "best train", the smallest training error over all starts: for M = 1
    below 0.01, from start 1, whose validation error (0.9) is the worst; the run the row's
    "best val" is (start 2) trained to 0.5."""
    result = SelectionResult(
        hidden_units=np.array([1, 2]),
        train_errors=np.array([[0.01, 0.5], [0.02, 0.3]]),
        val_errors=np.array([[0.9, 0.4], [np.inf, 0.2]]),  # a diverged run: never chosen
        best_hidden=2, best_start=1, best_network=cr.mlp([1, 2, 1]))
    lines = result.summary().splitlines()
    assert lines[1].split()[-2:] == ["its", "train"]
    assert lines[2].split() == ["1", "0.4", "0.65", "0.9", "0.5"]
    assert lines[3].split() == ["2", "0.2", "diverged", "diverged", "0.3", "(1", "of", "2", "runs",
                                "diverged)"]  # the diverged run is the worst
    assert lines[4] == "chosen: M = 2 (start 2 of 2), validation error 0.2, training error 0.3"
    assert "best validation error of its M" in lines[5]
