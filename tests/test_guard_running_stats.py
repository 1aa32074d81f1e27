"""The divergence guard and BatchNorm's running statistics.

A row of 1e305 makes a batch's variance overflow: its loss stays finite (the batch is
normalised by it), but the running variance becomes infinite and the running mean
huge, which broke every prediction of the network the run went on with (and of the
model saved).  The guard rejects that batch's step: TrainingDiverged with ``what =
"running statistics"``, the network with the parameters, running statistics and
optimizer state (and average) it had before that batch.

The references: a run of the same network stopped by a callback just before the batch
of the huge row (the state it keeps is that of the steps before it), the network's
initial state for a huge row in the run's first batch, and NumPy's ``isfinite`` of the
predictions.  The replaying guard (an epoch's middle batches keep no copies) leaves the
same state as the copying one, to the bit (as ``test_guard_replay`` checks for the loss
and the parameters).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.callbacks import Callback
from test_guard_replay import BS, EPOCHS, _assert_same, _both, _data, _fit, _go_on, _state, _trainer

BN_CONFIGS = ("momentum+batchnorm", "ema", "dropout+batchnorm")


def _second_call(config: str, X, Y, refit: bool):
    """Both guards: one epoch on clean rows, then a second call of fit on ``X`` (the
    huge row placed for epoch 2); the same error and state."""
    clean, _ = _data()
    runs = []
    for replay in (False, True):
        trainer, fit_kw = _trainer(config, replay, epochs=1)
        trainer._refit = refit
        assert _fit(trainer, clean, Y, fit_kw) is None
        trainer.epochs = EPOCHS
        exc = _fit(trainer, X, Y, fit_kw)
        runs.append((trainer, fit_kw, exc, _state(trainer)))
    assert runs[1][2] == runs[0][2]
    _assert_same(runs[1][3], runs[0][3])
    return runs


@pytest.mark.filterwarnings("ignore:ema=0.9")
@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("config", BN_CONFIGS)
@pytest.mark.parametrize(("epoch", "batch"), [(1, 0), (1, 1), (1, 4), (1, 6), (1, 7),
                                              (2, 0), (2, 5), (2, 7)])
def test_a_huge_row_is_rejected_alike_by_both_guards(config, epoch, batch, refit):
    """The copying and the replaying guard: the same error and the same state, and a
    fit on the mended rows goes on from it to the same numbers.  Epoch 2: the row
    comes in a second call of fit, after a first epoch on clean rows."""
    X, Y = _data(huge_at=(epoch, batch))
    runs = (_both(config, X, Y, refit=refit) if epoch == 1
            else _second_call(config, X, Y, refit))
    assert runs[0][2][1:4] == (epoch, batch, "running statistics")
    for trainer, *_ in runs:
        for values in trainer.net.layers[1].buffers().values():
            assert np.isfinite(values).all()
    X[np.abs(X) > 1e300] = 1.0  # the row mended
    _go_on(runs, X, Y)


class _StopBefore(Callback):
    """Stop the run after the batch before ``(epoch, batch)`` (``batch`` > 0)."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.at = (epoch, batch - 1)

    def on_batch_end(self, state) -> None:
        if (state.epoch, state.batch) == self.at:
            state.stop = True


def _kept(trainer) -> dict:
    net, opt = trainer.net, trainer.optimizer
    return {"params": net.params.copy(), "t": opt.t,
            "opt": {k: v.copy() for k, v in opt.state.items()},
            "buffers": [{k: v.copy() for k, v in layer.buffers().items()}
                        for layer in net.layers],
            "ema": None if trainer.ema_params is None else trainer.ema_params.copy(),
            "ema_buffers": trainer.ema_buffers}


@pytest.mark.filterwarnings("ignore:ema=0.9")
@pytest.mark.parametrize("replay", [False, True])
@pytest.mark.parametrize("config", ["momentum+batchnorm", "ema"])
@pytest.mark.parametrize(("epoch", "batch"), [(1, 3), (1, 7), (2, 5), (2, 7)])
def test_the_state_kept_is_that_of_a_run_stopped_before_the_huge_row(config, epoch, batch,
                                                                      replay):
    """Epoch 2: the first epoch on clean rows, the second call of fit on the huge row."""
    X, Y = _data(huge_at=(epoch, batch))
    clean, _ = _data()
    trainer, kw = _trainer(config, replay, epochs=epoch)
    if epoch == 2:
        trainer.epochs = 1
        assert _fit(trainer, clean, Y, kw) is None
        trainer.epochs = 2
    exc = _fit(trainer, X, Y, kw)
    assert exc[1:4] == (epoch, batch, "running statistics")
    assert trainer.history.stop_reason == "diverged"
    # the reference: the same run (the same rows, order and dropout masks) stopped by a
    # callback after the batch before the huge row's, which that run never reaches
    ref, kw = _trainer(config, False, epochs=epoch)
    ref.callbacks = [_StopBefore(epoch, batch)]
    ref._average_at_end = False  # (its stop keeps the parameters, not the average)
    if epoch == 2:
        ref.epochs = 1
        ref.fit(clean, Y, **kw)
        ref.epochs = 2
    ref.fit(X, Y, **kw)
    assert ref.history.stop_reason == "callback"
    got, want = _kept(trainer), _kept(ref)
    np.testing.assert_array_equal(got["params"], want["params"])
    assert got["t"] == want["t"] == (epoch - 1) * 8 + batch
    for k in want["opt"]:
        np.testing.assert_array_equal(got["opt"][k], want["opt"][k], err_msg=k)
    for a, b in zip(got["buffers"], want["buffers"], strict=True):
        for k in b:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    if config == "ema":
        np.testing.assert_array_equal(got["ema"], want["ema"])
        assert repr(got["ema_buffers"]) == repr(want["ema_buffers"])
    # the network predicts again (the running statistics of the inference are finite)
    X[np.abs(X) > 1e300] = 0.0
    with np.errstate(all="raise"):
        assert np.isfinite(trainer.net.predict(X)).all()


@pytest.mark.parametrize("replay", [False, True])
def test_a_huge_row_in_the_first_batch_keeps_the_initial_network(replay):
    """Nothing trained before it: the network as built (running mean 0, variance 1)."""
    X, Y = _data(huge_at=(1, 0))
    trainer, kw = _trainer("momentum+batchnorm", replay)
    initial = trainer.net.params.copy()
    with pytest.raises(cr.TrainingDiverged) as info:
        trainer.fit(X, Y, **kw)
    exc = info.value
    assert (exc.epoch, exc.batch, exc.what) == (1, 0, "running statistics")
    message = str(exc)
    assert "layer 1 (BatchNorm" in message and "standardise the inputs" in message
    assert "huge scale" in message
    np.testing.assert_array_equal(trainer.net.params, initial)
    bn = trainer.net.layers[1]
    np.testing.assert_array_equal(bn.running_mean, np.zeros(6))
    np.testing.assert_array_equal(bn.running_var, np.ones(6))
    assert trainer.optimizer.t == 0
    np.testing.assert_array_equal(trainer.optimizer.state.get("velocity", np.zeros(1)), 0.0)


def test_the_check_is_skipped_without_batchnorm():
    """No BatchNorm: the huge row passes the guard as before (its loss is finite or not
    on its own), and no layer's buffers are looked at."""
    X, Y = _data(huge_at=(1, 2))
    trainer, kw = _trainer("momentum", True)
    exc = _fit(trainer, X, Y, kw)
    assert exc is None or exc[3] != "running statistics"
    assert trainer._buffered == []
    assert BS == 8


def test_the_mlp_estimators_say_the_row_is_the_cause_not_the_rate():
    from chainrule.estimators import MLPClassifier

    X, Y = _data(huge_at=(1, 2))
    model = MLPClassifier(hidden_layer_sizes=(6,), batch_norm=True, solver="sgd",
                          batch_size=BS, max_iter=3, random_state=0)
    with pytest.raises(cr.TrainingDiverged) as info:
        model.fit(X, Y.argmax(1))
    message = str(info.value)
    assert info.value.what == "running statistics"
    assert message.startswith("MLPClassifier: training diverged at epoch 1, batch ")
    assert "standardise the inputs" in message and "learning_rate_init" not in message
    X[np.abs(X) > 1e300] = 0.0
    assert np.isfinite(model.predict_proba(X)).all()


LAYERS = ('[{"type": "Dense", "fan_out": 6}, {"type": "BatchNorm"}, '
          '{"type": "Dense", "fan_out": 2}]')


@pytest.mark.parametrize("scale", ["none", "standard"])
def test_train_on_a_huge_row_says_so_and_writes_no_model(tmp_path, capsys, scale):
    """--scale none: the run stops with the command's line (no traceback), and no model
    (whose running variance was infinite) is written; standardised, it trains."""
    from chainrule.cli import main

    X, Y = _data(huge_at=(1, 2))
    data = tmp_path / "d.csv"
    np.savetxt(data, np.column_stack([X, Y.argmax(1)]), fmt="%.17g", delimiter=",",
               header="a,b,c,y", comments="")
    out = tmp_path / "m.npz"
    code = main(["train", str(data), "--target", "y", "--layers", LAYERS, "--epochs", "3",
                 "--batch-size", str(BS), "--optimizer", "sgd", "--momentum", "0.9",
                 "--scale", scale, "-q", "-o", str(out)])
    err = capsys.readouterr().err
    if scale == "standard":
        assert code == 0 and out.exists()
        return
    assert code == 1 and not out.exists() and "Traceback" not in err
    assert "the running statistics of BatchNorm layer 1 became NaN or infinite" in err
    assert "no model was written" in err and "--scale standard (this run: --scale none)" in err
    assert "--lr" not in err
