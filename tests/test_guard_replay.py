"""The replaying divergence guard (``chainrule._training_replay``): an epoch's middle
batches keep no copies, and a rejected step is rebuilt by training the epoch again.

The reference is the present copying guard on the same run (``Trainer._replay_guard =
False``, every step keeping its copies): with the replaying guard, a run that does not
diverge ends with the same parameters, optimizer state, history, moving average,
running statistics and generators, to the bit, and a run that diverges raises the same
error (message, epoch, batch, what) and leaves the same state, the guard's own copies
included, from which a later fit with a smaller rate goes on to the same numbers.

The divergence is forced at a chosen step, with no callback (a callback after each
batch turns the replaying guard off): a row of huge values that the epoch's shuffled
order (the run's generator, drawn as the loop draws it) puts in batch ``k`` makes the
loss of that batch overflow, and a per-step schedule that gives one step an infinite
rate (``parameters``) or a rate of 1e200 (the next batch's ``loss``).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import Trainer, TrainingDiverged
from chainrule.optimizers import SGD, AdaGrad, Adam, RMSProp
from chainrule.schedules import OneCycle, Schedule, StepDecay

M, BS = 64, 8  # 8 batches an epoch
EPOCHS = 3


class _Boom(Schedule):
    """A per-step schedule: ``lr0``, except ``rate`` at the run's step ``at`` (from 0)."""

    name = "boom"
    per_step = True

    def __init__(self, at: int, rate: float) -> None:
        self.at, self.rate = at, rate

    def step_lr(self, step: int, lr0: float, steps_per_epoch: int) -> float:
        return self.rate if step == self.at else lr0


RULES = {
    "sgd": lambda: SGD(lr=0.05),
    "momentum": lambda: SGD(lr=0.05, momentum=0.9),
    "nesterov": lambda: SGD(lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(lr=0.01),
    "adagrad": lambda: AdaGrad(lr=0.05),
    "rmsprop": lambda: RMSProp(lr=0.01),
}

# each configuration: the rule, the layers between the two Dense ones, and Trainer options
CONFIGS = {
    **{rule: (rule, "", {}) for rule in RULES},
    "dropout+batchnorm": ("adam", "dropout batchnorm", {}),
    "momentum+batchnorm": ("momentum", "batchnorm", {}),
    "ema": ("momentum", "batchnorm", {"ema": 0.9}),
    "clip_norm": ("nesterov", "", {"clip_norm": 0.05}),
    "sample_weight": ("rmsprop", "", {"weights": True}),
    "onecycle": ("momentum", "", {"schedule": "onecycle"}),
    "step": ("momentum", "dropout", {"schedule": "step"}),
}


def _data(huge_at: tuple[int, int] | None = None, seed: int = 0):
    """64 rows of 3 features, 2 classes; ``huge_at=(epoch, batch)``: the row that the
    epoch's permutation (the run's generator, ``seed``) puts first in that batch holds
    1e305 (the batch's loss overflows)."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(M, 3))
    Y = np.eye(2)[(X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)]
    if huge_at is not None:
        epoch, batch = huge_at
        gen = np.random.default_rng(seed)  # the Trainer's, drawn once per epoch
        order = [gen.permutation(M) for _ in range(epoch)][-1]
        X[order[batch * BS]] = 1e305
    return X, Y


def _trainer(config: str, replay: bool, schedule: Schedule | None = None,
             epochs: int = EPOCHS) -> tuple[Trainer, dict]:
    rule, layers, options = CONFIGS[config]
    options = dict(options)
    stack: list = [cr.Dense(3, 6, activation="relu", seed=1)]
    if "batchnorm" in layers:
        stack.append(cr.BatchNorm(6))
    if "dropout" in layers:
        stack.append(cr.Dropout(0.3))
    stack.append(cr.Dense(6, 2, activation="softmax", seed=2))
    net = cr.network_from_layers(stack, loss="cross_entropy", seed=0)
    fit_kw = {}
    if options.pop("weights", False):
        fit_kw["sample_weight"] = np.random.default_rng(3).uniform(0.2, 2.0, M)
    name = options.pop("schedule", None)
    if name == "onecycle":
        schedule = OneCycle(max_lr=0.1, total_steps=10 * M // BS)
    elif name == "step":
        schedule = StepDecay(step_size=1, gamma=0.5)
    trainer = Trainer(net, optimizer=RULES[rule](), batch_size=BS, epochs=epochs, seed=0,
                      schedule=schedule, **options)
    trainer._replay_guard = replay
    return trainer, fit_kw


def _state(trainer: Trainer) -> dict:
    """Everything a step changes, and the guard's own copies."""
    net, opt = trainer.net, trainer.optimizer
    out = {
        "params": net.params.copy(), "t": opt.t, "lr": opt.lr, "epoch": trainer.epoch,
        "opt": {k: v.copy() for k, v in opt.state.items()},
        "history": {k: list(v) for k, v in trainer.history.items()},
        "stop": trainer.history.stop_reason,
        "buffers": [{k: v.copy() for k, v in layer.buffers().items()} for layer in net.layers],
        "layer_states": [repr(layer.get_state()) for layer in net.layers],
        "rng": repr(trainer.rng.bit_generator.state),
        "ema": (None if trainer.ema_params is None else trainer.ema_params.copy(),
                trainer.ema_count, repr(trainer.ema_buffers)),
        "best": (None if trainer.best_params is None else trainer.best_params.copy()),
        "last_good": trainer._last_good.copy(), "next_good": trainer._next_good.copy(),
        "good_known": trainer._good_known, "good_opt": trainer._good_opt,
        "good_buffers": repr(trainer._good_buffers),
        "kept": {k: v.copy() for k, v in (getattr(opt, "_work", None) or {}).items()
                 if k.startswith("kept ")},
    }
    return out


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=key)
        elif isinstance(x, dict) and x and isinstance(next(iter(x.values())), np.ndarray):
            assert x.keys() == y.keys(), key
            for k in x:
                np.testing.assert_array_equal(x[k], y[k], err_msg=f"{key} {k}")
        elif key in ("ema", "buffers"):
            assert repr(x) == repr(y), key
        else:
            assert x == y, key


def _fit(trainer: Trainer, X, Y, fit_kw: dict):
    """Fit; the TrainingDiverged raised (its message and fields), or None."""
    try:
        trainer.fit(X, Y, **fit_kw)
    except TrainingDiverged as exc:
        return (str(exc), exc.epoch, exc.batch, exc.what, exc.history is trainer.history)
    return None


def _both(config: str, X, Y, schedule_of=lambda: None, epochs: int = EPOCHS,
          refit: bool = True):
    runs = []
    for replay in (False, True):
        trainer, fit_kw = _trainer(config, replay, schedule_of(), epochs)
        # refit=False (train(), the CLI, the estimators): the replay's epoch start is
        # taken on its own, its parameters and state vectors the guard's own copies
        trainer._refit = refit
        exc = _fit(trainer, X, Y, fit_kw)
        runs.append((trainer, fit_kw, exc, _state(trainer)))
    (_, _, ref_exc, ref_state), (_, _, new_exc, new_state) = runs
    assert new_exc == ref_exc
    _assert_same(new_state, ref_state)
    return runs


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("refit", [True, False])
def test_a_run_that_does_not_diverge_is_the_same_to_the_bit(config, refit):
    X, Y = _data()
    (ref, _, exc, _), (new, *_) = _both(config, X, Y, refit=refit)
    assert exc is None and len(ref.history["loss"]) == EPOCHS
    # the replaying guard ran: its middle batches kept no copies (their steps updated the
    # optimizer's state in place, which the present guard alternates between two vectors)
    assert new._replays(M // BS, False) and not ref._replays(M // BS, False)


def _go_on(runs, X, Y) -> None:
    """After the divergence, both runs fit again at a rate of 0.01 (no schedule): the
    same numbers."""
    states = []
    for trainer, fit_kw, _, _ in runs:
        trainer.schedule = Schedule()
        trainer.optimizer.lr = trainer.lr0 = 0.01
        assert _fit(trainer, X, Y, fit_kw) is None
        states.append(_state(trainer))
    _assert_same(states[1], states[0])
    assert len(states[0]["history"]["loss"]) == EPOCHS


EPOCH_SCHEDULED = ("onecycle", "step")


@pytest.mark.parametrize("config", ["momentum", "adam", "ema"])
@pytest.mark.parametrize("boom", [None, 8 + 4])
def test_the_replaying_guard_keeps_no_vector_of_its_own(config, boom):
    """refit=False (the CLI's case, which keeps no epoch start): the optimizer and the
    guard hold the same parameter-sized vectors with the replaying guard as with the
    copying one (issue 4's peak memory), after a run and after a replay (``boom``:
    a rate of inf at that step)."""
    X, Y = _data()
    held = []
    for replay in (False, True):
        schedule = None if boom is None else _Boom(boom, np.inf)
        trainer, fit_kw = _trainer(config, replay, schedule)
        trainer._refit = False
        assert (_fit(trainer, X, Y, fit_kw) is None) == (boom is None)
        size = trainer.net.params.size
        held.append(sorted(k for k, v in trainer.optimizer._work.items() if v.size == size))
    assert held[1] == held[0]
    assert any(k.startswith("kept ") for k in held[0])


@pytest.mark.parametrize("config", [c for c in sorted(CONFIGS) if c not in EPOCH_SCHEDULED])
@pytest.mark.parametrize("batch", [0, 1, 4, 6, 7])
def test_a_loss_overflow_in_an_epoch_leaves_what_the_copying_guard_leaves(config, batch):
    """A rate of 1e200 for the step of batch ``batch - 1`` of epoch 2 (of the epoch before
    for batch 0): the loss of batch ``batch`` overflows and that step is rejected; then
    a fit at a smaller rate goes on from the state kept."""
    X, Y = _data()
    runs = _both(config, X, Y, lambda: _Boom(8 + batch - 1, 1e200))
    assert runs[0][2][1:4] == (2, batch, "loss")
    _go_on(runs, X, Y)


@pytest.mark.parametrize("config", EPOCH_SCHEDULED)
@pytest.mark.parametrize("batch", [0, 4, 6, 7])
def test_a_huge_row_under_a_schedule_leaves_what_the_copying_guard_leaves(config, batch):
    """OneCycle and a step decay: a row of 1e305 in batch ``batch`` of the first epoch
    makes a step whose next loss overflows."""
    X, Y = _data(huge_at=(1, batch))
    runs = _both(config, X, Y)
    assert runs[0][2][1:4] == (1 + (batch == 7), (batch + 1) % 8, "loss")
    X[np.abs(X) > 1e300] = 1.0  # the row mended
    _go_on(runs, X, Y)


@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize(("rate", "what", "step"), [
    (np.inf, "parameters", 8 + 3),  # epoch 2, batch 3: the step itself
    (1e200, "loss", 8 + 3),  # the next batch's loss (batch 4)
    (np.inf, "parameters", 8 + 6),  # batch 6: the last but one
    (1e200, "loss", 8 + 6),  # the last batch's loss rejects a step that kept no copies
    (np.inf, "parameters", 8 + 7),  # the last batch (copies kept)
    (1e200, "loss", 8 + 7),  # the next epoch's first loss
])
def test_a_step_rejected_by_a_per_step_rate_leaves_the_same_state(rule, rate, what, step,
                                                                  refit):
    X, Y = _data()
    runs = _both(rule, X, Y, lambda: _Boom(step, rate), refit=refit)
    at = step if what == "parameters" else step + 1
    assert runs[0][2][1:4] == (at // 8 + 1, at % 8, what)
    _go_on(runs, X, Y)


@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("config", ["ema", "dropout+batchnorm", "clip_norm"])
def test_a_rejected_step_with_ema_dropout_and_clipping(config, refit):
    X, Y = _data()
    for rate, what in ((np.inf, "parameters"), (1e200, "loss")):
        runs = _both(config, X, Y, lambda rate=rate: _Boom(8 + 2, rate), refit=refit)
        assert runs[0][2][3] == what


def test_a_later_fit_goes_on_from_the_parameters_kept_to_the_same_numbers():
    """A divergence in the middle of epoch 2, then fits at a smaller rate (the schedule
    gone): both guards give the same run, epoch by epoch."""
    X, Y = _data()
    runs = _both("momentum+batchnorm", X, Y, lambda: _Boom(8 + 4, np.inf), epochs=5)
    states = []
    for trainer, fit_kw, _, _ in runs:
        trainer.schedule = Schedule()
        trainer.optimizer.lr = 0.01
        assert _fit(trainer, X, Y, fit_kw) is None
        states.append(_state(trainer))
    _assert_same(states[1], states[0])
    assert len(states[0]["history"]["loss"]) == 5


def test_ctrl_c_in_a_middle_batch_stops_with_the_copying_guards_state(monkeypatch):
    """Ctrl-C during a batch that keeps no copies: the batches completed are trained again
    with copies, so that the run stops as with the present guard (and goes on alike)."""
    from chainrule._training_guards import _StopFlag

    X, Y = _data()
    states = []
    for replay in (False, True):
        trainer, fit_kw = _trainer("ema", replay)
        trainer._refit = False  # (a later fit goes on from the stop, not the epoch start)
        step, calls = Trainer._step, [0]

        def flag(self, *args, step=step, calls=calls, **kwargs):
            out = step(self, *args, **kwargs)
            calls[0] += 1
            if calls[0] == 8 + 5:  # epoch 2, batch 4
                _StopFlag.active.set = True
            return out

        monkeypatch.setattr(Trainer, "_step", flag)
        trainer.fit(X, Y, **fit_kw)
        monkeypatch.setattr(Trainer, "_step", step)
        assert trainer.history.stop_reason == "interrupted"
        assert trainer._batches_kept == 5
        state = _state(trainer)
        assert trainer.fit(X, Y, **fit_kw).stop_reason == "epochs"
        states.append((state, _state(trainer)))
    _assert_same(states[1][0], states[0][0])
    _assert_same(states[1][1], states[0][1])


@pytest.mark.parametrize("aborted", [False, True])
def test_an_interrupt_inside_a_step_to_non_finite_parameters_goes_back_to_the_last_one(
        aborted):
    """A KeyboardInterrupt raised inside the step of batch 4 of epoch 2 once it made the
    parameters infinite (a rate of inf): the run stops (or, a second Ctrl-C, aborts) with
    the parameters and optimizer state of the last step completed, as the present
    guard puts them back (no running statistics here, whose values would be those of
    the last completed batch's forward pass rather than of the interrupted one's)."""
    from chainrule._training_guards import _StopFlag

    X, Y = _data()
    results = []
    for replay in (False, True):
        trainer, fit_kw = _trainer("momentum", replay, _Boom(8 + 4, np.inf))
        trainer._refit = False
        opt, calls = trainer.optimizer, [0]

        def interrupted(params, *args, step=opt.step, calls=calls, **kwargs):
            step(params, *args, **kwargs)
            calls[0] += 1
            if calls[0] == 8 + 5:  # once: the replay's steps go through
                assert not np.isfinite(params).all()
                _StopFlag.active.aborted = aborted
                raise KeyboardInterrupt

        opt.step = interrupted
        if aborted:
            with pytest.raises(KeyboardInterrupt):
                trainer.fit(X, Y, **fit_kw)
        else:
            trainer.fit(X, Y, **fit_kw)
        del opt.step
        state = _state(trainer)
        assert np.isfinite(state["params"]).all()
        assert trainer.history.stop_reason == "interrupted"
        results.append({k: state[k] for k in ("params", "t", "opt", "history", "epoch")})
    _assert_same(results[1], results[0])
    assert results[0]["t"] == 8 + 4
