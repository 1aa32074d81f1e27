"""A checkpoint whose rate is 0 (robust28).

``Trainer`` takes an optimizer object whose ``lr`` was set to 0 (``optimizer.lr must be a
number >= 0``), and a callback's ``state.optimizer.lr = 0`` lasts under the constant
schedule: a checkpoint's 0 is a run's, kept at load.  The first was refused
(``corrupted checkpoint (optimizer.lr0: expected a positive number, found 0)``), a file
that chainrule had written itself; now it loads and resumes, the weights unchanged (the
reference: ``w <- w - 0 * g`` leaves them as they were).
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from file_helpers import small_data


def test_a_checkpoint_of_a_run_at_rate_zero_loads_and_resumes(tmp_path):
    X, y = small_data()
    opt = cr.optimizers.SGD(lr=0.1)
    opt.lr = 0  # taken by Trainer (a number >= 0): the run steps nowhere
    net0 = cr.mlp([3, 4, 2], seed=0)
    start = [p.copy() for p in (net0.layers[0].W, net0.layers[1].W)]
    path = tmp_path / "ck.npz"
    cr.train(net0, X, y, optimizer=opt, epochs=2, seed=0, checkpoint=path)
    trainer = cr.Trainer.from_checkpoint(path)
    assert (trainer.optimizer.lr, trainer.lr0) == (0.0, 0.0)
    net, history = cr.resume(path, X, y, epochs=3)
    assert len(history["loss"]) == 3
    for before, after in zip(start, (net.layers[0].W, net.layers[1].W), strict=True):
        np.testing.assert_array_equal(before, after)  # w <- w - 0 * g, three epochs


def test_a_checkpoint_rate_set_to_zero_by_a_callback_loads(tmp_path):
    X, y = small_data()

    def freeze(state):
        state.optimizer.lr = 0.0

    path = tmp_path / "ck.npz"
    cr.train(cr.mlp([3, 4, 2], seed=0), X, y, optimizer="sgd", lr=0.1, epochs=2, seed=0,
             checkpoint=path, callbacks=[freeze])
    trainer = cr.Trainer.from_checkpoint(path)
    assert (trainer.optimizer.lr, trainer.lr0) == (0.0, 0.1)
