"""A Trainer fit again after the divergence guard stopped it at the first batch of an epoch.

The loss of that batch is the first one computed at the parameters the last step of
the epoch before left; it was not finite, so that step is rejected and the network
keeps the parameters before it.  A later fit, with a smaller learning rate, goes on
from those (and their average, and restore_best's best epoch is not the rejected
step's either), as a NumPy replay of the steps written out here does.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import Trainer, TrainingDiverged


class _Explode(chainrule.Callback):
    """After the first batch of epoch 1, a rate that sends its last step to ~1e200."""

    def on_batch_end(self, state):
        if state.epoch == 1 and state.batch == 0:
            state.optimizer.lr = 1e200


def _steps(X, y, theta, lr, n_steps):
    """Plain gradient descent on 1/2 mean (X w + b - y)^2 over the batches [0:4], [4:8] in
    turn; the parameters after each step and the loss each batch met (before its step)."""
    seen, losses = [], []
    for k in range(n_steps):
        rows = slice(4 * (k % 2), 4 * (k % 2) + 4)
        r = X[rows] @ theta[:3] + theta[3] - y[rows]
        losses.append(0.5 * np.mean(r * r))
        theta = theta - lr * np.append(X[rows].T @ r, r.sum()) / 4
        seen.append(theta)
    return seen, losses


@pytest.mark.parametrize("case", ["plain", "ema", "restore_best"])
def test_a_fit_after_a_divergence_at_an_epochs_first_batch_goes_on_from_the_kept_ones(case):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    net = chainrule.mlp([3, 1], output="identity", seed=0)
    theta0 = net.params.copy()  # W (3 entries), then b
    kw = {"ema": 0.5} if case == "ema" else {}
    if case == "restore_best":  # no later epoch counts as better than the first
        kw = {"patience": 10, "min_delta": 1e9}
    trainer = Trainer(net, optimizer="sgd", lr=0.01, batch_size=4, epochs=4, shuffle=False,
                      callbacks=[_Explode()], **kw)
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0: the loss") as info:
        trainer.fit(X, y)
    (kept,), _ = _steps(X, y, theta0, 0.01, 1)  # the first step; the second was rejected
    np.testing.assert_allclose(net.params, kept, rtol=1e-12)
    _, met = _steps(X, y, theta0, 0.01, 2)  # the losses epoch 1's two batches met
    np.testing.assert_allclose(info.value.history["loss"], [np.mean(met)], rtol=1e-12)
    trainer.optimizer.lr = 0.01
    history = trainer.fit(X, y)  # epochs 2 to 4, from the kept parameters
    seen, losses = _steps(X, y, kept, 0.01, 6)
    assert np.isfinite(history["loss"]).all()
    np.testing.assert_allclose(history["loss"][1:], np.mean(np.reshape(losses, (3, 2)), axis=1),
                               rtol=1e-10)
    if case == "plain":
        np.testing.assert_allclose(net.params, seen[-1], rtol=1e-10)
    elif case == "ema":  # the average of the steps kept: the first, then the refit's six
        avg = kept
        for theta in seen:
            avg = 0.5 * avg + 0.5 * theta
        assert trainer.ema_count == 7
        np.testing.assert_allclose(net.params, avg, rtol=1e-10)
    else:  # the best epoch is the first, whose end the rejected step made: the kept ones
        assert history.best_epoch == 1
        np.testing.assert_allclose(net.params, kept, rtol=1e-12)
        assert np.isfinite(net.loss_value(X, y))


def _rule_steps(X, y, theta, lr, n_steps, rule, state=None, t=0):
    """_steps with momentum 0.9 (v <- 0.9 v + g, theta <- theta - lr v) or Adam (PyTorch's
    form, eps 1e-8 on sqrt(v_hat)), from ``state`` and step count ``t``: the parameters
    after each step, the losses met, and the state and count at the end."""
    state = {k: np.zeros(4) for k in ("v", "m", "s")} if state is None else dict(state)
    seen, losses = [], []
    for k in range(n_steps):
        rows = slice(4 * (k % 2), 4 * (k % 2) + 4)
        r = X[rows] @ theta[:3] + theta[3] - y[rows]
        losses.append(0.5 * np.mean(r * r))
        g = np.append(X[rows].T @ r, r.sum()) / 4
        t += 1
        if rule == "momentum":
            state["v"] = 0.9 * state["v"] + g
            theta = theta - lr * state["v"]
        else:
            state["m"] = 0.9 * state["m"] + 0.1 * g
            state["s"] = 0.999 * state["s"] + 0.001 * g * g
            m_hat, s_hat = state["m"] / (1 - 0.9**t), state["s"] / (1 - 0.999**t)
            theta = theta - lr * m_hat / (np.sqrt(s_hat) + 1e-8)
        seen.append(theta)
    return seen, losses, state, t


def _rule_kw(rule):
    return ({"optimizer": "sgd", "momentum": 0.9} if rule == "momentum"
            else {"optimizer": "adam"})


def _state_of(opt, rule):
    return ({"v": opt.state["velocity"]} if rule == "momentum"
            else {"m": opt.state["m"], "s": opt.state["v"]})


@pytest.mark.parametrize("rule", ["momentum", "adam"])
def test_the_optimizer_state_goes_back_with_the_rejected_step(rule):
    """The rejected step is taken out of the optimizer's state too (its step count, the
    velocity or Adam's moments), not only out of the parameters: the refit with a smaller
    rate goes on as the NumPy run of the steps kept, the state of one step."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    net = chainrule.mlp([3, 1], output="identity", seed=0)
    theta0 = net.params.copy()
    trainer = Trainer(net, lr=0.01, batch_size=4, epochs=4, shuffle=False,
                      callbacks=[_Explode()], **_rule_kw(rule))
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0: the loss"):
        trainer.fit(X, y)
    (kept,), _, state, t = _rule_steps(X, y, theta0, 0.01, 1, rule)
    np.testing.assert_allclose(net.params, kept, rtol=1e-12)
    assert trainer.optimizer.t == t == 1
    for k, v in _state_of(trainer.optimizer, rule).items():
        np.testing.assert_allclose(v, state[k], rtol=1e-12, atol=1e-300)
    trainer.optimizer.lr = 0.01
    history = trainer.fit(X, y)  # epochs 2 to 4, from the kept parameters and state
    seen, losses, _, t = _rule_steps(X, y, kept, 0.01, 6, rule, state, t)
    np.testing.assert_allclose(history["loss"][1:], np.mean(np.reshape(losses, (3, 2)), axis=1),
                               rtol=1e-10)
    np.testing.assert_allclose(net.params, seen[-1], rtol=1e-10)
    assert trainer.optimizer.t == t == 7


class _Infinite(chainrule.Callback):
    """After the first batch of epoch 1, an infinite rate: the next step's parameters are
    not finite (the guard's "parameters" case, found right after the step)."""

    def on_batch_end(self, state):
        if state.epoch == 1 and state.batch == 0:
            state.optimizer.lr = np.inf


@pytest.mark.parametrize("rule", ["momentum", "adam"])
def test_a_step_to_non_finite_parameters_leaves_the_optimizer_state_of_the_one_before(rule):
    """The estimators' partial_fit keeps its optimizer from call to call: after a step to
    infinite parameters the optimizer holds the state of the one step kept (count 1), as
    the network its parameters."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    net = chainrule.mlp([3, 1], output="identity", seed=0)
    theta0 = net.params.copy()
    trainer = Trainer(net, lr=0.01, batch_size=4, epochs=4, shuffle=False,
                      callbacks=[_Infinite()], **_rule_kw(rule))
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 1: the parameters"):
        trainer.fit(X, y)
    (kept,), _, state, t = _rule_steps(X, y, theta0, 0.01, 1, rule)
    np.testing.assert_allclose(net.params, kept, rtol=1e-12)
    assert trainer.optimizer.t == t == 1
    for k, v in _state_of(trainer.optimizer, rule).items():
        np.testing.assert_allclose(v, state[k], rtol=1e-12, atol=1e-300)


def test_partial_fit_after_a_divergence_counts_only_the_steps_kept():
    """MLPRegressor's partial_fit goes on with its optimizer: a call whose second batch
    met an infinite loss (its rows scaled by 1e100) rejected its one step, the first
    batch's, so the optimizer is as the first call left it: 6 steps, and their velocity
    (not the rejected step's gradient, about 1e200, in it)."""
    from chainrule import MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.0, 2.0, -1.0])
    est = MLPRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.9,
                       nesterovs_momentum=False, batch_size=5, shuffle=False, random_state=0)
    est.partial_fit(X, y)
    assert est._optimizer.t == 6
    before = est._optimizer.state["velocity"].copy()
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 1: the loss"):
        est.partial_fit(X * 1e100, y)
    assert est._optimizer.t == 6
    np.testing.assert_array_equal(est._optimizer.state["velocity"], before)


@pytest.mark.parametrize("case", ["plain", "momentum", "ema", "restore_best"])
def test_a_run_split_over_two_fits_diverges_as_one_fit_does(case):
    """The rejected step is the last of the first fit (1 epoch), the infinite loss found at
    the second fit's first batch: the guard goes back to the parameters before that step,
    its optimizer state and average, as one fit of 4 epochs does at epoch 2's first batch
    (before, the second fit kept the step's parameters, of infinite loss, about 1e200)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    kw = {"momentum": {"momentum": 0.9}, "ema": {"ema": 0.5},
          "restore_best": {"patience": 10, "min_delta": 1e9}}.get(case, {})
    runs = []
    for split in (False, True):
        net = chainrule.mlp([3, 1], output="identity", seed=0)
        theta0 = net.params.copy()
        trainer = Trainer(net, optimizer="sgd", lr=0.01, batch_size=4, epochs=1 if split else 4,
                          shuffle=False, callbacks=[_Explode()], **kw)
        with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0: the loss .* keeps its "
                                                   r"last parameters with a finite loss"):
            trainer.fit(X, y)
            assert split and trainer.history.stop_reason == "epochs"
            trainer.epochs = 4
            trainer.fit(X, y)
        runs.append((net.params.copy(), trainer))
    (one, t1), (two, t2) = runs
    if case != "momentum":  # the first step of plain gradient descent, written out
        (kept,), _ = _steps(X, y, theta0, 0.01, 1)
        np.testing.assert_allclose(two, kept, rtol=1e-12)
    np.testing.assert_array_equal(two, one)
    assert np.isfinite(t2.net.loss_value(X, y))
    assert t2.optimizer.t == t1.optimizer.t == 1
    for k, v in t1.optimizer.state.items():
        np.testing.assert_array_equal(t2.optimizer.state[k], v)
    if case == "ema":
        assert t2.ema_count == t1.ema_count == 1
        np.testing.assert_array_equal(t2.ema_params, t1.ema_params)
    for trainer in (t1, t2):  # and both go on alike
        trainer.optimizer.lr = 0.01
        trainer.fit(X, y)
    np.testing.assert_array_equal(t2.net.params, t1.net.params)
    assert t2.history["loss"] == t1.history["loss"]


def test_a_fit_that_starts_at_an_infinite_loss_says_it_keeps_its_start():
    """No step before the first batch's loss: nothing with a finite loss to go back to.
    The network keeps the parameters the fit began with, and the message says so instead
    of calling them the last ones with a finite loss."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    net = chainrule.mlp([3, 1], output="identity", seed=0)
    net.params[:] = 1e200
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 0: the loss .* keeps the "
                                               r"parameters this fit started from"):
        Trainer(net, optimizer="sgd", lr=0.01, batch_size=4, epochs=2).fit(X, y)
    assert (net.params == 1e200).all()


def test_partial_fit_whose_first_batch_meets_the_last_calls_step_at_an_infinite_loss():
    """A partial_fit of one batch at a rate of 1e200 takes one step to about 1e200; the
    next call's first loss is infinite: the guard rejects that step, as one call would,
    and the estimator keeps the parameters and optimizer of the call before (their loss
    finite), not the step's."""
    from chainrule import MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.0, 2.0, -1.0])
    est = MLPRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.9,
                       nesterovs_momentum=False, batch_size=5, shuffle=False, random_state=0,
                       learning_rate_init=0.01)
    est.partial_fit(X, y)
    before = [est.coefs_[0].copy(), est.intercepts_[0].copy(),
              est._optimizer.state["velocity"].copy()]
    est._optimizer.lr = 1e200
    est.partial_fit(X[:5], y[:5])  # one batch, one step
    assert np.abs(est.coefs_[0]).max() > 1e150
    est._optimizer.lr = 0.01
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 0: the loss .* keeps its last "
                                               r"parameters with a finite loss"):
        est.partial_fit(X, y)
    np.testing.assert_array_equal(est.coefs_[0], before[0])
    np.testing.assert_array_equal(est.intercepts_[0], before[1])
    np.testing.assert_array_equal(est._optimizer.state["velocity"], before[2])
    assert est._optimizer.t == 6
    r = X @ est.coefs_[0][:, 0] + est.intercepts_[0][0] - y
    assert np.isfinite(0.5 * np.mean(r * r))


def test_pickles_of_the_optimizer_leave_its_work_vectors_out():
    """The guard keeps the optimizer's state in work vectors of the optimizer's (as its
    rules compute their directions): a pickle holds the rule's state, not those (an Adam
    estimator's pickle was params + m + v + the direction's vector; with the guard's two
    copies it would have grown by two vectors more).  A Trainer's pickle (or copy) takes
    the guard's copies along itself, and its next fit goes on with them."""
    import copy
    import pickle

    from chainrule import MLPClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 3, 40)
    est = MLPClassifier((500,), solver="adam", random_state=0, batch_size=10)
    est.partial_fit(X, y, classes=[0, 1, 2])
    assert {"kept m", "kept v"} <= set(est._optimizer._work)
    back = pickle.loads(pickle.dumps(est))
    assert not hasattr(back._optimizer, "_work")
    for k in ("m", "v"):
        np.testing.assert_array_equal(back._optimizer.state[k], est._optimizer.state[k])
    vectors = est._optimizer.state["m"].nbytes
    assert len(pickle.dumps(est)) < 4 * vectors  # params, m, v and the rest: not 6 of them
    back.partial_fit(X, y)
    est.partial_fit(X, y)
    np.testing.assert_array_equal(back.coefs_[0], est.coefs_[0])
    # a Trainer copied after a step to an infinite loss takes the guard's copies along:
    # its next fit rejects that step as the original's does
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    net = chainrule.mlp([3, 1], output="identity", seed=0)
    trainer = Trainer(net, optimizer="sgd", momentum=0.9, lr=0.01, batch_size=4, epochs=1,
                      shuffle=False, callbacks=[_Explode()])
    trainer.fit(X, y)
    twins = [copy.deepcopy(trainer), pickle.loads(pickle.dumps(trainer)), trainer]
    for twin in twins:
        twin.epochs = 2
        with pytest.raises(TrainingDiverged, match="keeps its last parameters with a finite"):
            twin.fit(X, y)
    for twin in twins[:2]:
        np.testing.assert_array_equal(twin.optimizer.state["velocity"],
                                      trainer.optimizer.state["velocity"])
        np.testing.assert_array_equal(twin.net.params, trainer.net.params)
    assert trainer.optimizer.t == 1 and np.isfinite(trainer.net.loss_value(X, y))


@pytest.mark.parametrize("rule", ["invscaling", "adaptive"])
def test_a_step_rejected_after_the_rules_rate_change_gives_back_its_velocity_in_the_new_units(
        rule):
    """scikit-learn's momentum keeps ``u = -lr v`` over the estimators' rate changes
    (_set_rate rescales v).  The rate changed at the end of a partial_fit whose one step
    went to about 1e196; the next call's first loss is infinite and that step rejected:
    the optimizer's ``lr * v`` is the ``u`` of the call before it again.  Before, the
    velocity went back unscaled while the rate stayed the new one (invscaling: ``u``
    shrunk by sqrt(61/66); adaptive: by 5)."""
    from chainrule import MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.0, 2.0, -1.0])
    est = MLPRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.9,
                       nesterovs_momentum=False, learning_rate=rule, learning_rate_init=0.01,
                       alpha=0.0, batch_size=5, shuffle=False, random_state=0,
                       n_iter_no_change=1, tol=1e10)  # adaptive: falls at the third call
    est.partial_fit(X, y)
    est.partial_fit(X, y)
    opt = est._optimizer
    u_a, w_a = opt.lr * opt.state["velocity"], est.coefs_[0].copy()
    est.partial_fit(X[:5] * 1e100, y[:5])  # one step, to about 1e196; a new rate after it
    assert np.abs(est.coefs_[0]).max() > 1e150
    expected_lr = {"invscaling": 0.01 / 66**0.5, "adaptive": 0.01 / 5}[rule]
    np.testing.assert_allclose(opt.lr, expected_lr, rtol=1e-12)
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 0: the loss"):
        est.partial_fit(X, y)
    np.testing.assert_array_equal(est.coefs_[0], w_a)
    assert opt.t == 12
    np.testing.assert_allclose(opt.lr * opt.state["velocity"], u_a, rtol=1e-12)


@pytest.mark.parametrize("rule", ["momentum", "adam"])
def test_a_fit_after_a_validation_loss_divergence_trains_that_epoch_again_from_its_start(rule):
    """The validation loss at epoch 1's end is infinite (its last step went to about
    1e200): that epoch no longer counts, and the next fit trains it again from its start
    (parameters, optimizer state), as resume from the checkpoint before it would: 3
    epochs of 2 batches are 6 steps.  Before, it trained the whole epoch again from the
    parameters before the rejected step: 7 steps, epoch 1 counted one step twice over."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    val = (X[:4] + 0.1, y[:4])
    net = chainrule.mlp([3, 1], output="identity", seed=0)
    theta0 = net.params.copy()
    lr = 0.01 if rule == "momentum" else 0.1
    trainer = Trainer(net, lr=lr, batch_size=4, epochs=3, shuffle=False,
                      callbacks=[_Explode()], **_rule_kw(rule))
    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 1: the validation loss"):
        trainer.fit(X, y, validation_data=val)
    (kept,), _, _, _ = _rule_steps(X, y, theta0, lr, 1, rule)
    np.testing.assert_allclose(net.params, kept, rtol=1e-12)  # the guard's, until the fit
    assert trainer.epoch == 0 and trainer.optimizer.t == 1
    trainer.callbacks.clear()
    trainer.optimizer.lr = lr
    history = trainer.fit(X, y, validation_data=val)
    seen, losses, state, t = _rule_steps(X, y, theta0, lr, 6, rule)
    assert trainer.optimizer.t == t == 6
    np.testing.assert_allclose(history["loss"], np.mean(np.reshape(losses, (3, 2)), axis=1),
                               rtol=1e-10)
    np.testing.assert_allclose(net.params, seen[-1], rtol=1e-10)
    for k, v in _state_of(trainer.optimizer, rule).items():
        np.testing.assert_allclose(v, state[k], rtol=1e-10)
