"""A step the divergence guard rejects at an epoch's first batch is the last step of the
epoch recorded before it: that epoch's validation metrics and early stopping's best
value are then those of the parameters kept, computed here with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import Trainer, TrainingDiverged

# one training row with a huge input: the first full-batch step takes the weight to about
# 1e100, where that row's squared error overflows (the next loss is infinite) while the
# validation rows' errors, about 1e200, do not
X = np.array([[1.0], [2.0], [1e60]])
Y = np.zeros(3)
X_VAL = np.array([[1.0], [2.0]])
Y_VAL = np.array([0.5, -1.0])


def _mse(params: np.ndarray) -> float:
    """The validation rows' mean squared error of the linear model (w, b) = params."""
    w, b = params
    return float(np.mean((X_VAL[:, 0] * w + b - Y_VAL) ** 2))


@pytest.mark.parametrize("ema", [None, 0.5])
def test_the_recorded_epoch_is_valued_at_the_parameters_kept(ema):
    net = cr.mlp([1, 1], output="identity", loss="mse", seed=0)
    start = net.params.copy()
    trainer = Trainer(net, "gd", lr=1e-20, epochs=5, patience=3, ema=ema)
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0: the loss"):
        trainer.fit(X, Y, validation_data=(X_VAL, Y_VAL))
    np.testing.assert_array_equal(net.params, start)  # the step of epoch 1 rejected
    expected = _mse(start)
    assert trainer.history["val_loss"] == [pytest.approx(expected, rel=1e-12)]
    assert trainer.history.best_epoch == 1
    assert trainer.best_value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(trainer.best_params, start)
    # the rejected step's own validation loss, which these replaced, was about 1e200
    assert expected < 10

