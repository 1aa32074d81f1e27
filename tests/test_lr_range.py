"""The learning-rate range test (chainrule.experiments.lr_range_test): its rates, losses and
smoothed losses against NumPy written out here, the suggested rates by their rules, the
network left bit for bit as it was however the test ends, and its picture."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.experiments import LRRangeTest, lr_range_test
from chainrule.network import Network
from chainrule.optimizers import Adam
from plot_helpers import drawn_figure


def _problem(m: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 4))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    return X, y


def _state(net: Network):
    """Everything of a network a run could change: parameters, buffers, generators."""
    return (net.params.copy(), [{k: v.copy() for k, v in layer.buffers().items()}
                                for layer in net.layers],
            [copy.deepcopy(layer.get_state()) for layer in net.layers])


def _assert_same_state(net: Network, before) -> None:
    params, buffers, states = before
    assert net.params.tobytes() == params.tobytes()  # bit for bit, NaN patterns included
    for layer, kept in zip(net.layers, buffers, strict=True):
        for k, v in layer.buffers().items():
            assert v.tobytes() == kept[k].tobytes()
    assert [layer.get_state() for layer in net.layers] == states


def _layered_net() -> Network:
    """Dense, BatchNorm (running statistics), Dropout built without a seed (a generator of
    its own that the run's seed would replace), Dense softmax."""
    return cr.Network([cr.Dense(4, 8, "tanh", seed=0), cr.BatchNorm(8), cr.Dropout(0.2),
                       cr.Dense(8, 3, "softmax", seed=1)])


def test_rates_are_exponential_from_lr_min_to_lr_max():
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    lr_min, lr_max, steps = 1e-4, 0.5, 13
    test = lr_range_test(net, X, y, lr_min=lr_min, lr_max=lr_max, steps=steps, batch_size=8,
                         seed=0, diverge_factor=math.inf)
    expected = [lr_min * (lr_max / lr_min) ** (i / (steps - 1)) for i in range(steps)]
    np.testing.assert_array_equal(test.lrs, expected)
    assert test.lrs[0] == lr_min and test.lrs[-1] == pytest.approx(lr_max, rel=1e-15)
    assert (test.stopped_at, test.stop_reason, test.steps) == (steps, "steps", steps)


def test_losses_are_those_of_sgd_written_out_over_shuffled_epochs():
    """SGD on a 4-5-3 tanh/softmax network, mini-batches of 8 of 40 rows (5 steps an epoch),
    12 steps: three epochs, each shuffled by the run's generator (default_rng(seed), one
    permutation per epoch); each step's loss is the batch's mean cross-entropy before
    its update, which uses that step's rate."""
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=3)
    W1, b1 = net.layers[0].W.copy(), net.layers[0].b.copy()
    W2, b2 = net.layers[1].W.copy(), net.layers[1].b.copy()
    steps, bs, seed, lr_min, lr_max = 12, 8, 5, 1e-3, 2.0
    test = lr_range_test(net, X, y, optimizer="sgd", lr_min=lr_min, lr_max=lr_max,
                         steps=steps, batch_size=bs, seed=seed, diverge_factor=math.inf)
    Y = np.eye(3)[y]
    rng = np.random.default_rng(seed)
    losses, order = [], None
    for i in range(steps):
        if i % 5 == 0:
            order = rng.permutation(40)
        rows = order[(i % 5) * bs:(i % 5 + 1) * bs]
        x, t = X[rows], Y[rows]
        a1 = np.tanh(x @ W1 + b1)
        z2 = a1 @ W2 + b2
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        a2 = e / e.sum(axis=1, keepdims=True)
        losses.append(-np.mean(np.sum(t * np.log(a2), axis=1)))
        d2 = (a2 - t) / bs
        d1 = (d2 @ W2.T) * (1 - a1**2)
        lr = lr_min * (lr_max / lr_min) ** (i / (steps - 1))
        W2, b2 = W2 - lr * (a1.T @ d2), b2 - lr * d2.sum(axis=0)
        W1, b1 = W1 - lr * (x.T @ d1), b1 - lr * d1.sum(axis=0)
    np.testing.assert_allclose(test.losses, losses, rtol=1e-12)
    # a rate this large moves the loss: the rates did reach the updates
    assert abs(losses[-1] - losses[0]) > 1e-3


def test_smoothed_losses_are_the_bias_corrected_exponential_average():
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    beta = 0.9
    test = lr_range_test(net, X, y, steps=30, batch_size=8, smoothing=beta, seed=1,
                         diverge_factor=math.inf)
    average, expected = 0.0, []
    for i, loss in enumerate(test.losses):
        average = beta * average + (1 - beta) * loss
        expected.append(average / (1 - beta ** (i + 1)))
    np.testing.assert_allclose(test.smoothed, expected, rtol=1e-14)
    assert test.smoothed[0] == test.losses[0]  # corrected: the first is the first loss
    # smoothing 0: the losses themselves
    raw = lr_range_test(net, X, y, steps=30, batch_size=8, smoothing=0.0, seed=1,
                        diverge_factor=math.inf)
    np.testing.assert_array_equal(raw.smoothed, raw.losses)


def test_suggested_rates_follow_their_rules():
    """min_loss_lr: a tenth of the rate of the lowest smoothed loss after the first tenth
    of the steps; steepest_lr: the rate lrs[i] of the most negative slope
    (s[i+1] - s[i]) / (log lrs[i+1] - log lrs[i]) from there up to that lowest loss."""
    from chainrule.datasets import load_digits_split

    d = load_digits_split(seed=0)
    net = cr.mlp([64, 32, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)
    test = lr_range_test(net, d.X_train, d.y_train, steps=100, seed=0)
    skip = 100 // 10
    assert test.skip_start == skip
    s, r = test.smoothed, test.lrs
    low = skip + min(range(len(s) - skip), key=lambda j: s[skip + j])
    assert test.min_loss_lr == pytest.approx(r[low] / 10, rel=1e-15)
    slopes = [(s[i + 1] - s[i]) / (math.log(r[i + 1]) - math.log(r[i]))
              for i in range(skip, low)]
    steepest = skip + min(range(len(slopes)), key=slopes.__getitem__)
    assert test.steepest_lr == pytest.approx(r[steepest], rel=1e-15)
    assert test.suggested_lr == test.valley_lr
    assert test.lrs[0] < test.suggested_lr < r[low]
    text = test.summary()
    assert f"{test.steepest_lr:.3g}" in text and f"{test.min_loss_lr:.3g}" in text
    assert f"suggested max_lr (the valley): {test.valley_lr:.3g}" in text


def test_the_suggested_rate_trains_a_one_cycle_run_on_digits():
    """The suggestion as one-cycle's max_lr: 10 epochs of SGD reach > 93 % on the held-out
    digits (a rate 100 times smaller, well left of the descent, stays far below)."""
    from chainrule.datasets import load_digits_split

    d = load_digits_split(seed=0)
    net = cr.mlp([64, 32, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)
    test = lr_range_test(net, d.X_train, d.y_train, optimizer="sgd", steps=100, seed=0)
    accuracy = {}
    for lr in (test.suggested_lr, test.suggested_lr / 100):
        run = net.copy()
        cr.train(run, d.X_train, d.y_train, optimizer="sgd", lr=lr, batch_size=32, epochs=10,
                 seed=0, schedule="onecycle")
        accuracy[lr] = np.mean(run.predict(d.X_test).argmax(axis=1) == d.y_test)
    assert accuracy[test.suggested_lr] > 0.93
    assert accuracy[test.suggested_lr / 100] < accuracy[test.suggested_lr] - 0.1


def test_network_is_left_bit_for_bit_after_a_complete_test():
    X, y = _problem()
    net = _layered_net()
    before = _state(net)
    test = lr_range_test(net, X, y, steps=20, batch_size=8, seed=0, lr_max=1.0,
                         diverge_factor=math.inf)
    assert test.stop_reason == "steps"
    _assert_same_state(net, before)
    unseeded = lr_range_test(net, X, y, steps=20, batch_size=8, lr_max=1.0)  # seed=None too
    assert unseeded.stopped_at >= 2
    _assert_same_state(net, before)


def test_divergence_stops_the_test_and_leaves_the_network():
    """A regression whose loss explodes: the test stops at the first step whose smoothed
    loss exceeds diverge_factor times the lowest before it (that step recorded)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ [1.0, -2.0, 0.5]
    net = cr.Network([cr.Dense(3, 8, "tanh", seed=0), cr.BatchNorm(8),
                      cr.Dense(8, 1, "identity", seed=1)], loss="squared_error")
    before = _state(net)
    test = lr_range_test(net, X, y, steps=200, lr_max=1e3, batch_size=16, seed=0,
                         diverge_factor=3.0)
    assert test.stop_reason == "diverged" and test.stopped_at < 200
    s = test.smoothed
    assert s[-1] > 3.0 * s[:-1].min()
    assert all(s[i] <= 3.0 * s[:i + 1].min() for i in range(len(s) - 1))
    _assert_same_state(net, before)


def test_non_finite_loss_ends_the_test_with_the_steps_before_it():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * 100
    y = X @ [1.0, -2.0, 0.5]
    net = cr.mlp([3, 8, 1], hidden="relu", output="identity", loss="squared_error", seed=0)
    before = _state(net)
    test = lr_range_test(net, X, y, steps=200, lr_min=1e-3, lr_max=1e12, batch_size=16,
                         seed=0, diverge_factor=math.inf)
    assert test.stop_reason == "non_finite" and 0 < test.stopped_at < 200
    assert np.isfinite(test.losses).all() and len(test.lrs) == test.stopped_at
    _assert_same_state(net, before)


def test_network_is_left_after_an_exception_from_inside(monkeypatch):
    X, y = _problem()
    net = _layered_net()
    before = _state(net)
    real, calls = Network._loss_and_grad, []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("a failure in the fifth step")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Network, "_loss_and_grad", failing)
    with pytest.raises(RuntimeError, match="fifth step"):
        lr_range_test(net, X, y, steps=20, batch_size=8, seed=0, lr_max=1.0)
    _assert_same_state(net, before)


def test_ctrl_c_keeps_the_steps_so_far_and_the_network(monkeypatch):
    X, y = _problem()
    net = _layered_net()
    before = _state(net)
    real, calls = Network._loss_and_grad, []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Network, "_loss_and_grad", interrupted)
    test = lr_range_test(net, X, y, steps=20, batch_size=8, seed=0, lr_max=1.0)
    assert (test.stop_reason, test.stopped_at) == ("interrupted", 4)
    _assert_same_state(net, before)


@pytest.mark.parametrize("call, words", [
    (5, "training stopped during epoch 1"),  # Ctrl-C raised in the 5th (last) batch
    (-5, "training interrupted after epoch 1"),  # the flag set in the epoch's last batch
])
def test_ctrl_c_says_nothing_of_the_copy_that_train_would_say(monkeypatch, capsys, call,
                                                              words):
    # the loop's words on a stopped run ("the network keeps its current parameters") are
    # of the network trained, which in the range test is a copy: the test keeps them to
    # itself (its stop_reason says it), while a run of the same network by train() says them
    from chainrule._training_guards import _StopFlag

    X, y = _problem()  # 40 rows: 5 batches of 8 in an epoch
    real, calls = Network._loss_and_grad, []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        if len(calls) == -call:  # as the SIGINT handler does: the flag, no exception
            _StopFlag.active.set = True
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Network, "_loss_and_grad", interrupted)
    test = lr_range_test(_layered_net(), X, y, steps=20, batch_size=8, seed=0, lr_max=1.0)
    assert test.stop_reason == "interrupted"
    assert test.stopped_at == (4 if call > 0 else 5)
    assert "chainrule: training" not in capsys.readouterr().err
    calls.clear()
    history = cr.train(_layered_net(), X, y, "sgd", lr=0.1, epochs=3, batch_size=8, seed=0)
    assert history.stop_reason == "interrupted"
    assert words in capsys.readouterr().err


def test_an_optimizer_object_is_copied_not_changed():
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    adam = Adam(lr=0.5)
    test = lr_range_test(net, X, y, optimizer=adam, steps=10, batch_size=8, seed=0)
    assert test.stopped_at >= 2
    assert adam.lr == 0.5 and adam.t == 0 and not adam.state


def test_an_optimizer_object_with_momentum_is_refused_naming_the_object_given():
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    with pytest.raises(ValueError, match=r"momentum: the optimizer object Adam\(lr=0\.5\)"):
        lr_range_test(net, X, y, optimizer=Adam(lr=0.5), momentum=0.9, steps=5, seed=0)


def test_result_is_frozen():
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    test = lr_range_test(net, X, y, steps=10, batch_size=8, seed=0)
    assert isinstance(test, LRRangeTest)
    with pytest.raises(AttributeError):
        test.stop_reason = "steps"


@pytest.mark.parametrize("kwargs, error, words", [
    ({"lr_min": 0.0}, ValueError, ["lr_min", "> 0", "0.0"]),
    ({"lr_min": "small"}, TypeError, ["lr_min", "float", "str"]),
    ({"lr_max": math.inf}, ValueError, ["lr_max", "finite", "inf"]),
    ({"lr_min": 1.0, "lr_max": 0.1}, ValueError, ["lr_max", "greater than lr_min", "0.1"]),
    ({"steps": 1}, ValueError, ["steps", ">= 2", "1"]),
    ({"steps": 2.5}, TypeError, ["steps", "int", "2.5"]),
    ({"smoothing": 1.0}, ValueError, ["smoothing", "[0, 1)", "1.0"]),
    ({"diverge_factor": 1.0}, ValueError, ["diverge_factor", "> 1", "1.0"]),
    ({"diverge_factor": "4"}, TypeError, ["diverge_factor", "> 1", "'4'"]),
    ({"batch_size": 0}, ValueError, ["batch_size", ">= 1", "0"]),
    ({"optimizer": "gd", "batch_size": 8}, ValueError, ["batch_size", "gd", "8"]),
])
def test_argument_errors_name_the_argument_the_expected_and_the_given(kwargs, error, words):
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    with pytest.raises(error) as info:
        lr_range_test(net, X, y, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_net_must_be_a_network():
    X, y = _problem()
    with pytest.raises(TypeError, match="net must be a chainrule Network, got list"):
        lr_range_test([1, 2], X, y)


def test_picture_draws_the_smoothed_loss_on_a_log_axis_with_the_suggestion(monkeypatch,
                                                                           tmp_path):
    X, y = _problem()
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    test = lr_range_test(net, X, y, steps=60, batch_size=8, seed=0, lr_max=50.0)
    assert test.suggested_lr is not None
    fig = drawn_figure(monkeypatch, lambda: test.plot(tmp_path / "lr.png"))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["smoothed loss"].get_xdata(), test.lrs)
    np.testing.assert_array_equal(lines["smoothed loss"].get_ydata(), test.smoothed)
    np.testing.assert_array_equal(lines["loss of each step"].get_ydata(), test.losses)
    mark = lines[f"suggested rate {test.suggested_lr:.3g} (valley)"]
    assert list(mark.get_xdata()) == [test.suggested_lr] * 2
    assert (tmp_path / "lr.png").stat().st_size > 0


def test_picture_of_a_test_without_steps_is_refused(tmp_path):
    from chainrule.plots import plot_lr_range

    empty = LRRangeTest(np.array([]), np.array([]), np.array([]), 0, "non_finite", 10, 1)
    with pytest.raises(ValueError, match="no finite smoothed loss"):
        plot_lr_range(empty, tmp_path / "lr.png")
    with pytest.raises(TypeError, match="LRRangeTest"):
        plot_lr_range({"lrs": [1]}, tmp_path / "lr.png")
    assert not (tmp_path / "lr.png").exists()
