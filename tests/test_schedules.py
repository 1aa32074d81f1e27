"""Learning-rate schedules: cosine annealing, and rates of 0 in checkpoints and files.

Cosine: PyTorch's CosineAnnealingLR per epoch, in train(), in checkpoints (resumed bit
for bit) and in the estimators.  References: torch.optim.lr_scheduler.CosineAnnealingLR
(its closed form and the rates its step() sets), and the formula
eta_min + (lr0 - eta_min) (1 + cos(pi t / T_max)) / 2 worked here with the math module.

A rate a schedule sets may be 0 (an exponential decay that underflows, cosine annealing to
eta_min = 0); the run records it, and reading the record back must take it.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import chainrule
from chainrule import Callback, schedules
from chainrule.schedules import SCHEDULES, Cosine, get_schedule


def _data(m: int = 16):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(m, 3))
    return X, np.column_stack([np.sin(X[:, 0] - X[:, 1]), np.cos(X[:, 2])])


def _net(seed: int = 0):
    return chainrule.mlp([3, 5, 2], hidden="tanh", output="identity", seed=seed)


def test_a_run_whose_schedule_reached_a_rate_of_0_resumes(tmp_path):
    """A checkpoint written once the rate was 0 (0.1 * (1e-200)**2 underflows) was refused
    as corrupted: "lr must be a finite float > 0, got 0.0" (the optimizer's config holds
    the rate of the last epoch).  Resumed, it is the uninterrupted run, bit for bit."""
    X, Y = _data(24)
    kwargs = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3,
                  schedule={"name": "exponential", "gamma": 1e-200})
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=5, **kwargs)
    path = tmp_path / "run.ckpt.npz"
    h_part = chainrule.train(_net(), X, Y, epochs=3, checkpoint=path, **kwargs)
    assert h_part["lr"][2] == 0.1 * 1e-200 * 1e-200 == 0.0
    resumed, h_res = chainrule.resume(path, X, Y, epochs=5)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_an_estimator_whose_rate_reached_0_is_saved_and_loaded(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > X[:, 1]).astype(int)
    clf = chainrule.MLPClassifier((5,), solver="sgd", learning_rate_init=0.05, max_iter=4,
                                  schedule={"name": "exponential", "gamma": 1e-200},
                                  random_state=0)
    with pytest.warns(Warning):  # max_iter reached (ConvergenceWarning)
        clf.fit(X, y)
    assert clf.history_["lr"][-1] == 0.0
    loaded = chainrule.load_estimator(clf.save(tmp_path / "clf.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded._optimizer.lr == clf._optimizer.lr
    # and it trains on from there, as the fitted one does
    loaded.partial_fit(X, y)
    clf.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


SETTINGS = [(0.1, 10, 0.0), (0.3, 7, 0.01), (1.0, 1, 0.0), (0.05, 3, 0.2)]


def _hand(t: int, lr0: float, T_max: int, eta_min: float) -> float:
    return eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


@pytest.mark.parametrize(("lr0", "T_max", "eta_min"), SETTINGS)
def test_cosine_rates_of_30_epochs_are_torchs(lr0, T_max, eta_min):
    """30 epochs, well past T_max (torch follows the cosine back up, period 2 T_max).

    Against torch's closed form, bit for bit; against the rates its step() sets, which
    it updates recursively (each from the last: rounding accumulates), to 1e-15 of lr0."""
    torch = pytest.importorskip("torch")
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=T_max, eta_min=eta_min)
    stepped, closed = [], []
    for _ in range(30):
        stepped.append(opt.param_groups[0]["lr"])
        closed.append(sched._get_closed_form_lr()[0])
        opt.step()
        sched.step()
    cosine = Cosine(T_max, eta_min)
    ours = [cosine.lr(epoch, lr0, {}) for epoch in range(30)]
    assert ours == closed
    np.testing.assert_allclose(ours, stepped, rtol=0, atol=1e-15 * max(lr0, eta_min) * 10)
    assert ours[T_max] == pytest.approx(eta_min, abs=1e-17)
    if 2 * T_max < 30:
        assert ours[2 * T_max] == pytest.approx(lr0, rel=1e-15)


class _Rates(Callback):
    def __init__(self) -> None:
        self.params: list[np.ndarray] = []

    def on_train_begin(self, state):
        self.params.append(state.net.params.copy())

    def on_epoch_end(self, state):
        self.params.append(state.net.params.copy())




def test_train_uses_the_cosine_rate_of_each_epoch():
    """history['lr'][e - 1] is the rate of epoch e (0 epochs trained before it); each
    full-batch update is that rate times the gradient."""
    X, Y = _data()
    net, rec = _net(), _Rates()
    history = chainrule.train(net, X, Y, optimizer="gd", lr=0.2, epochs=9, callbacks=[rec],
                              schedule={"name": "cosine", "T_max": 4, "eta_min": 0.01})
    expected = [_hand(t, 0.2, 4, 0.01) for t in range(9)]
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-15)
    for epoch in range(9):
        before, after = rec.params[epoch], rec.params[epoch + 1]
        _, g = net.cost(before, X, Y)
        np.testing.assert_allclose(before - after, expected[epoch] * g, rtol=1e-9, atol=1e-15)


def test_config_repr_and_name_round_trip():
    cosine = Cosine(T_max=12, eta_min=1e-4)
    assert SCHEDULES["cosine"] is Cosine
    assert cosine.get_config() == {"name": "cosine", "T_max": 12, "eta_min": 1e-4}
    assert cosine.get_state() == {}
    assert repr(cosine) == "Cosine(T_max=12, eta_min=0.0001)"
    rebuilt = eval(repr(cosine), vars(schedules))
    assert type(rebuilt) is Cosine and rebuilt.get_config() == cosine.get_config()
    again = get_schedule(cosine.get_config())
    assert [again.lr(t, 0.5, {}) for t in range(20)] == [cosine.lr(t, 0.5, {}) for t in
                                                         range(20)]
    assert Cosine(3).eta_min == 0.0 and isinstance(Cosine(3).eta_min, float)
    est = repr(chainrule.MLPClassifier(solver="sgd", schedule=cosine))
    assert "schedule=Cosine(T_max=12, eta_min=0.0001)" in " ".join(est.split())


@pytest.mark.parametrize(("spec", "error", "message"), [
    ("cosine", TypeError, r"^schedule 'cosine' needs the setting 'T_max' \(give it as a dict, "
                          r"e\.g\. \{'name': 'cosine', 'T_max': \.\.\.\}, or as an object\)$"),
    ({"name": "cosine"}, TypeError, r"needs the setting 'T_max'"),
    ({"name": "cosine", "T_max": 0}, ValueError, r"^T_max must be an int >= 1, got 0$"),
    ({"name": "cosine", "T_max": 2.5}, TypeError, r"^T_max must be an int >= 1, got 2\.5"),
    ({"name": "cosine", "T_max": 3, "eta_min": -0.1}, ValueError, r"eta_min"),
    ({"name": "cosine", "T_max": 3, "tmax": 3}, TypeError,
     r"^schedule 'cosine' has no setting 'tmax'; its settings are: T_max, eta_min$"),
])
def test_cosine_settings_are_checked(spec, error, message):
    with pytest.raises(error, match=message):
        get_schedule(spec)


def test_a_bad_cosine_schedule_leaves_the_network_as_it_was():
    X, Y = _data()
    net = _net()
    before = net.params.copy()
    with pytest.raises(ValueError, match="T_max"):
        chainrule.train(net, X, Y, epochs=2, schedule={"name": "cosine", "T_max": 0})
    np.testing.assert_array_equal(net.params, before)
    with pytest.raises(TypeError, match="needs the setting 'T_max'"):  # no run to take it from
        chainrule.schedules.get_schedule("cosine")


@pytest.mark.parametrize(("epochs", "error", "shown"), [
    (0, ValueError, "0"), (-3, ValueError, "-3"), (2.5, TypeError, "2.5 (float)"),
    (True, TypeError, "True (bool)"), ("10", TypeError, "'10' (str)"),
])
@pytest.mark.parametrize("spec", ["cosine", {"name": "cosine", "eta_min": 0.01}])
def test_cosine_by_name_with_a_bad_epochs_names_epochs(spec, epochs, error, shown):
    """get_schedule("cosine", epochs=0) said "T_max must be an int >= 1, got 0": a
    setting the caller never gave.  The run's length is now named as itself; the
    spec given is left as it was."""
    given = spec if isinstance(spec, str) else dict(spec)
    with pytest.raises(error) as info:
        get_schedule(given, epochs=epochs)
    assert str(info.value) == f"epochs must be an int >= 1, got {shown}"
    assert given == spec


@pytest.mark.parametrize("spec", ["cosine", {"name": "cosine", "eta_min": 0.01}])
def test_cosine_by_name_anneals_over_the_run(spec):
    """Without T_max, train's epochs are the run's length: PyTorch's CosineAnnealingLR with
    T_max=epochs (the formula written out here)."""
    X, Y = _data()
    h = chainrule.train(_net(), X, Y, epochs=7, optimizer="sgd", lr=0.2, schedule=spec,
                        seed=0)
    eta_min = 0.0 if spec == "cosine" else 0.01
    np.testing.assert_allclose(h["lr"], [_hand(t, 0.2, 7, eta_min) for t in range(7)],
                               rtol=1e-15)


@pytest.mark.parametrize(("eta_min", "stop"), [(0.02, 3), (0.0, 4)])
def test_a_resumed_cosine_run_is_the_uninterrupted_run_bit_for_bit(tmp_path, eta_min, stop):
    """Stopped before T_max, or at T_max with eta_min = 0 (the next rate is 0)."""
    X, Y = _data(24)
    kwargs = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3,
                  schedule={"name": "cosine", "T_max": 4, "eta_min": eta_min})
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=7, **kwargs)
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=stop, checkpoint=path, **kwargs)
    if stop < 4:  # stopped inside the annealing: resuming past T_max is that run's plan
        resumed, h_res = chainrule.resume(path, X, Y, epochs=7)
    else:  # a run that ended its annealing, extended: see the next test
        with pytest.warns(UserWarning, match="past the cosine schedule's T_max = 4"):
            resumed, h_res = chainrule.resume(path, X, Y, epochs=7)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    assert h_res["lr"] == [_hand(t, 0.1, 4, eta_min) for t in range(7)]


def test_extending_a_run_past_the_end_of_its_cosine_warns(tmp_path, recwarn):
    """A run of 5 epochs with "cosine" by name annealed over them (T_max = 5); resumed to
    10 epochs, the cosine climbs back (epoch 6 at eta_min, then up to 0.9 lr0), which a user
    extending the run rarely means: a warning names T_max and the epoch.  Resuming to its
    own epochs, or a run whose T_max reaches the new end, gives no warning."""
    X, Y = _data(24)
    kwargs = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3)
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=5, schedule="cosine", checkpoint=path, **kwargs)
    with pytest.warns(UserWarning) as caught:
        _, h = chainrule.resume(path, X, Y, epochs=10)
    message = str(caught[0].message)
    assert caught[0].filename == __file__  # the user's call to resume
    assert "resuming to 10 epochs goes past the cosine schedule's T_max = 5" in message
    assert "epoch 6 runs at eta_min" in message
    assert h["lr"] == [_hand(t, 0.1, 5, 0.0) for t in range(10)]
    assert h["lr"][5] == 0.0 and h["lr"][9] > h["lr"][6]  # the climb the warning names

    recwarn.clear()
    path2 = tmp_path / "run2.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=5, schedule="cosine", checkpoint=path2, **kwargs)
    chainrule.resume(path2, X, Y)  # its own epochs: nothing left to train
    path3 = tmp_path / "run3.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=5, schedule={"name": "cosine", "T_max": 10},
                    checkpoint=path3, **kwargs)
    chainrule.resume(path3, X, Y, epochs=10)  # the annealing planned over 10 epochs
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_estimators_take_a_cosine_schedule_and_save_it(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > X[:, 1]).astype(int)
    clf = chainrule.MLPClassifier((5,), solver="sgd", learning_rate_init=0.05, max_iter=6,
                                  schedule={"name": "cosine", "T_max": 6}, random_state=0)
    with pytest.warns(Warning):  # max_iter reached (ConvergenceWarning)
        clf.fit(X, y)
    assert clf.loss_curve_ is not None
    np.testing.assert_allclose(clf.history_["lr"], [_hand(t, 0.05, 6, 0.0) for t in range(6)],
                               rtol=1e-15)
    loaded = chainrule.load_estimator(clf.save(tmp_path / "clf.npz"))
    assert loaded.schedule == {"name": "cosine", "T_max": 6}
    # by its name alone, over max_iter epochs
    by_name = chainrule.MLPClassifier((5,), solver="sgd", learning_rate_init=0.05, max_iter=6,
                                      schedule="cosine", random_state=0)
    with pytest.warns(Warning):
        by_name.fit(X, y)
    np.testing.assert_array_equal(by_name.history_["lr"], clf.history_["lr"])
    with pytest.raises(ValueError, match=re.escape(
            "The 'schedule' parameter of MLPClassifier must be None, a str among the "
            "schedules' names, a dict or a Schedule. Got {'name': 'cosine', 'T_max': 0} "
            "instead. (T_max must be an int >= 1, got 0)")):
        chainrule.MLPClassifier((5,), solver="sgd",
                                schedule={"name": "cosine", "T_max": 0}).fit(X, y)


@pytest.mark.parametrize("max_iter", [0, -2, 2.5, 3.0, True])
def test_a_bad_max_iter_with_cosine_by_name_is_named_as_max_iter(max_iter):
    """schedule="cosine" takes T_max = max_iter; a bad max_iter was reported as the
    schedule's ("schedule='cosine' is not a valid schedule: T_max must be an int >= 1"),
    where without a schedule the message names max_iter.  It names max_iter in both."""
    X, y = _data(10)[0], np.arange(10) % 2
    for cls in (chainrule.MLPClassifier, chainrule.MLPRegressor):
        target = y if cls is chainrule.MLPClassifier else X[:, 0]
        messages = []
        for schedule in (None, "cosine"):
            est = cls((3,), solver="sgd", schedule=schedule, max_iter=max_iter)
            with pytest.raises(ValueError) as info:
                est.fit(X, target)
            messages.append(str(info.value))
            assert not hasattr(est, "coefs_")
        assert messages[1] == messages[0] == (  # scikit-learn's words
            f"The 'max_iter' parameter of {cls.__name__} must be an int in the range [1, inf). "
            f"Got {max_iter!r} instead.")


def test_an_inverse_scaling_rate_that_falls_below_the_float_range_is_0():
    """InverseScaling(power=300): (1 + epoch) ** 300 exceeds the float range from epoch 10
    on (11 ** 300 ~ 2.6e312), where Python's float power raised "OverflowError: (34,
    'Numerical result out of range')" and ended train(); the rate there is 0, as an
    Exponential that underflows gives.  Reference: the quotient in exact fractions."""
    from fractions import Fraction

    X, Y = _data(8)
    h = chainrule.train(_net(), X, Y, optimizer="gd", lr=0.1, epochs=12,
                        schedule={"name": "invscaling", "power": 300.0})
    exact = [float(Fraction(0.1) / Fraction(1 + e) ** 300) for e in range(12)]
    np.testing.assert_allclose(h["lr"][:10], exact[:10], rtol=1e-13, atol=0)
    # from epoch 10 the exact rate is 3.8e-314, then 0.0 (below the smallest subnormal)
    assert h["lr"][10:] == [0.0, 0.0] and max(exact[10:]) < 1e-300


def test_train_documents_every_builtin_schedule_name():
    # the names train's ``schedule`` option lists are the ones get_schedule takes; "cosine"
    # was left out of train's docstring when Cosine was added
    doc = " ".join(chainrule.train.__doc__.split())
    listed = re.search(r"``schedule`` \((.*?)\), ``clip_norm``", doc)
    assert listed is not None
    missing = [name for name in SCHEDULES if f'"{name}"' not in listed.group(1)]
    assert missing == []


@pytest.mark.parametrize("spec", ["cosine", {"name": "cosine", "eta_min": 0.001}])
def test_partial_fit_past_max_iter_of_a_cosine_by_name_warns_once(spec, recwarn):
    """schedule="cosine" anneals over max_iter; each partial_fit call is one epoch, so call
    max_iter + 1 runs at eta_min and the later ones climb back: a warning says so at that
    call (once), and the rates are still the closed form (the cosine goes on, as torch's)."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    est = chainrule.MLPClassifier((6,), solver="sgd", schedule=spec, max_iter=4,
                                  learning_rate_init=0.1, random_state=0)
    eta_min = 0.0 if spec == "cosine" else 0.001
    rates = []
    for call in range(7):
        recwarn.clear()
        est.partial_fit(X, y, classes=[0, 1, 2])
        rates += est.history_["lr"]  # the history of the call
        ours = [w for w in recwarn if issubclass(w.category, UserWarning)
                and "partial_fit" in str(w.message)]
        if call == 4:
            assert len(ours) == 1 and ours[0].filename == __file__
            assert "this is call 5, past the 4 epochs (max_iter)" in str(ours[0].message)
        else:
            assert not ours
    assert rates == pytest.approx([_hand(t, 0.1, 4, eta_min) for t in range(7)], rel=1e-14,
                                  abs=1e-17)


def test_partial_fit_with_its_own_t_max_does_not_warn(recwarn):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    est = chainrule.MLPClassifier((6,), solver="sgd", max_iter=4, random_state=0,
                                  schedule={"name": "cosine", "T_max": 3})
    for _ in range(6):
        est.partial_fit(X, y, classes=[0, 1, 2])
    assert not [w for w in recwarn if "partial_fit" in str(w.message)]


def _exact_rate(lr0: float, gamma: float, n: int) -> float:
    """lr0 * gamma ** n in exact fractions, rounded once; inf beyond the float range."""
    from fractions import Fraction

    exact = Fraction(lr0) * Fraction(gamma) ** n
    return math.inf if exact > Fraction(np.finfo(np.float64).max) else float(exact)


@pytest.mark.parametrize("schedule, steps", [
    (schedules.Exponential(2.0), lambda e: e),
    (schedules.StepDecay(step_size=3, gamma=2.0), lambda e: e // 3),
])
def test_a_growing_rate_past_the_float_range_is_inf(schedule, steps):
    """Exponential(2.0) and StepDecay(gamma=2.0) raised a bare "OverflowError: (34,
    'Numerical result out of range')" once 2.0 ** n exceeded the float range (n = 1024),
    ending train().  The rate is lr0 * gamma ** n where that is a float (0.01 * 2 ** 1030
    is 1.15e308, though 2 ** 1030 is not), inf beyond.  Reference: exact fractions."""
    epochs = [0, 1, 10, 500, 1023, 1024, 1025, 1030, 3 * 1030, 3 * 1031, 1100, 3300, 10**6]
    for lr0 in (0.1, 0.01, 1e-300):
        got = [schedule.lr(e, lr0, {}) for e in epochs]
        want = [_exact_rate(lr0, 2.0, steps(e)) for e in epochs]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
        assert [math.isinf(g) for g in got] == [math.isinf(w) for w in want]


@pytest.mark.parametrize("spec", [{"name": "exponential", "gamma": 1e100},
                                  {"name": "step", "step_size": 2, "gamma": 1e100}])
def test_train_with_a_rate_grown_to_inf_stops_as_diverged(tmp_path, spec):
    """A growing schedule's rate past the float range ended train() with OverflowError.
    Now the rate is inf, and its first step stops the run by the divergence guard: a
    TrainingDiverged that names lr=inf and blames the schedule rather than the rate
    given, stop_reason "diverged", the last parameters with
    a finite loss.  The targets are the network's own outputs, so the gradient is 0 and the
    parameters stay as they were until the step with the rate inf (inf * 0 is NaN); the
    checkpoint written with that rate resumes to the same stop."""
    X, _ = _data(8)
    net = _net()
    Y = net.forward(X)
    start = net.params.copy()
    path = tmp_path / "run.ckpt.npz"
    raised = r"The schedule \((Exponential|StepDecay)\) raised the learning rate past the " \
             r"largest float \(lr=inf\): give it a smaller gamma"
    with pytest.raises(chainrule.TrainingDiverged, match=raised) as info:
        chainrule.train(net, X, Y, optimizer="gd", lr=0.1, epochs=20, schedule=spec,
                        checkpoint=path)
    history = info.value.history
    assert history.stop_reason == "diverged"
    steps = [e // spec.get("step_size", 1) for e in range(len(history["lr"]) + 1)]
    want = [_exact_rate(0.1, 1e100, n) for n in steps]
    # every recorded rate is finite; the next one, which the failing step took, is inf
    np.testing.assert_allclose(history["lr"], want[:-1], rtol=1e-12, atol=0)
    assert want[-1] == math.inf and math.isfinite(want[-2])
    np.testing.assert_array_equal(net.params, start)
    with pytest.raises(chainrule.TrainingDiverged, match=raised) as again:
        chainrule.resume(path, X, Y, epochs=20)
    assert again.value.history.stop_reason == "diverged"
    assert again.value.epoch == info.value.epoch
