"""A checkpoint from before the BatchNorm one-row fold is refused clearly (robust29).

student32 (c6880152) folds a last batch of one row into the batch before for a network
whose BatchNorm normalises one value per feature: 9 rows in batches of 4 train as
batches of 4 and 5, 2 optimizer steps per epoch.  A checkpoint written before took 3
(4, 4 and the lone row, normalised by the running statistics) and records it in its
optimizer step count: after 2 epochs, t = 2 * ceil(9 / 4) = 6 where the folding run
reaches 2 * (9 // 4) = 4.  Resumed, the run silently counted its OneCycle steps anew
(step 4 of 8 instead of step 6 of 12).  Such a checkpoint is made here from a real one
by setting its ``optimizer.t`` to the 6 the old loop recorded (checked by hand against a
checkpoint written at a2113c8: epoch 2, t 6).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import BatchNorm, Dense, Network, Trainer
from file_helpers import edit_saved_meta

RNG = np.random.default_rng(29)
X, Y = RNG.normal(size=(9, 3)), RNG.normal(size=(9, 1))
SETTINGS = dict(optimizer="sgd", lr=0.1, momentum=0.9, batch_size=4, epochs=4, seed=0,
                shuffle=False, schedule={"name": "onecycle", "max_lr": 0.1})


def _bn_net(batchnorm=True):
    rng = np.random.default_rng(0)
    d1 = Dense(3, 4, activation="identity" if batchnorm else "tanh")
    d2 = Dense(4, 1, activation="identity")
    layers = [d1, BatchNorm(4, activation="tanh"), d2] if batchnorm else [d1, d2]
    net = Network(layers)
    d1.W, d2.W = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    return net


class _Interrupt(cr.Callback):
    def on_epoch_end(self, state):
        if state.epoch == 2:
            raise KeyboardInterrupt


def _checkpoint(path, batchnorm=True):
    cr.train(_bn_net(batchnorm), X, Y, checkpoint=path, callbacks=[_Interrupt()], **SETTINGS)
    return path


def _as_before_the_fold(meta):
    assert (meta["epoch"], meta["optimizer"]["t"]) == (2, 4)  # 2 epochs of 9 // 4 steps
    meta["optimizer"]["t"] = 6  # 2 epochs of ceil(9 / 4) steps


def test_resume_refuses_a_checkpoint_from_before_the_fold(tmp_path):
    path = _checkpoint(tmp_path / "run.npz")
    edit_saved_meta(path, _as_before_the_fold)
    with pytest.raises(ValueError, match=r"took 6 optimizer steps in 2 epoch\(s\), 3 per "
                                         r"epoch.*takes 2 steps per epoch") as info:
        cr.resume(path, X, Y)
    assert str(path) in str(info.value) and "batch_size" in str(info.value)
    with pytest.raises(ValueError, match="took 6 optimizer steps"):
        Trainer.from_checkpoint(path).fit(X, Y)


def test_a_checkpoint_of_the_folding_loop_resumes_to_the_uninterrupted_run(tmp_path):
    whole = _bn_net()
    cr.train(whole, X, Y, **SETTINGS)
    net, history = cr.resume(_checkpoint(tmp_path / "run.npz"), X, Y)
    np.testing.assert_array_equal(net.params, whole.params)
    # OneCycle over 4 * 2 steps, max_lr 0.1, div_factor 25, final_div_factor 1e4, cos:
    # the last step's rate is 0.1 / 25 / 1e4 (PyTorch's OneCycleLR at its last step)
    assert history["lr"][-1] == pytest.approx(0.1 / 25 / 1e4, rel=1e-12)


def test_without_a_fold_the_step_count_is_not_checked(tmp_path):
    """No BatchNorm: the lone last row trains as its own batch, now as before."""
    path = _checkpoint(tmp_path / "run.npz", batchnorm=False)
    edit_saved_meta(path, lambda meta: None)
    _, history = cr.resume(path, X, Y)
    assert len(history["loss"]) == 4
