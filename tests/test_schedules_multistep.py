"""MultiStep ("multistep"): the rate times gamma after each listed epoch, as PyTorch's MultiStepLR.

References: ``torch.optim.lr_scheduler.MultiStepLR`` stepped once per epoch (skipped where
torch is not installed), and ``lr0 * gamma ** (milestones <= epoch)`` counted with NumPy.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule.schedules import SCHEDULES, MultiStep, get_schedule
from schedule_helpers import regression_data as _data
from schedule_helpers import small_net as _net


def _counted(n, lr0, milestones, gamma):
    """Epoch e's rate (e = 1..n): lr0 times gamma per milestone below e."""
    e = np.arange(1, n + 1)
    return lr0 * gamma ** np.searchsorted(np.sort(milestones), e - 1, side="right")


def _torch_rates(n, lr0, milestones, gamma):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr0)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=gamma)
    rates = []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


@pytest.mark.parametrize(("milestones", "gamma"), [([30, 60, 80], 0.1), ([12, 3, 40, 40], 0.5),
                                                    ([1], 1.5)])
def test_the_rates_of_a_90_epoch_run_are_multistep_lrs(milestones, gamma):
    X, Y, _, _ = _data()
    history = chainrule.train(_net(), X, Y, optimizer="gd", lr=0.07, epochs=90,
                              schedule={"name": "multistep", "milestones": milestones,
                                        "gamma": gamma})
    np.testing.assert_allclose(history["lr"], _counted(90, 0.07, milestones, gamma),
                               rtol=1e-15, atol=0)
    np.testing.assert_allclose(history["lr"], _torch_rates(90, 0.07, milestones, gamma),
                               rtol=1e-15, atol=0)
    if milestones == [30, 60, 80]:  # by hand
        assert history["lr"][29] == 0.07 and history["lr"][30] == pytest.approx(0.007)
        assert history["lr"][80] == pytest.approx(0.00007)


def test_a_resumed_multistep_run_is_the_uninterrupted_run(tmp_path):
    X, Y, Xv, Yv = _data()
    settings = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=2, validation_data=(Xv, Yv),
                    schedule={"name": "multistep", "milestones": [3, 5], "gamma": 0.5})
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=8, **settings)
    path = tmp_path / "run.npz"
    chainrule.train(_net(), X, Y, epochs=4, checkpoint=path, **settings)
    resumed, h_res = chainrule.resume(path, X, Y, validation_data=(Xv, Yv), epochs=8)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    assert h_full["lr"] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_estimator_takes_multistep_and_its_file_goes_on(tmp_path):
    from chainrule.estimators import MLPRegressor, load_estimator

    X, Y, _, _ = _data()
    y = Y.ravel()
    est = MLPRegressor((4,), solver="sgd", random_state=0, max_iter=6, learning_rate_init=0.1,
                       schedule={"name": "multistep", "milestones": [2, 3], "gamma": 0.5})
    est.partial_fit(X, y)
    est.partial_fit(X, y)
    loaded = load_estimator(est.save(tmp_path / "reg.npz"))
    for _ in range(2):
        est.partial_fit(X, y)
        loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.coefs_[0], est.coefs_[0])
    assert est._optimizer.lr == pytest.approx(0.025)  # epoch 5's: after milestones 2 and 3


def test_multistep_settings_config_and_cli():
    from chainrule.cli_args import schedule_spec

    sched = MultiStep((40, 10), gamma=0.2)
    assert SCHEDULES["multistep"] is MultiStep
    assert sched.get_config() == {"name": "multistep", "milestones": [10, 40], "gamma": 0.2}
    assert get_schedule(json.loads(json.dumps(sched.get_config()))).get_config() == \
        sched.get_config()
    assert repr(sched) == "MultiStep(milestones=[10, 40], gamma=0.2)"
    assert MultiStep(np.array([5, 2])).milestones == [2, 5]
    spec = schedule_spec('{"name": "multistep", "milestones": [30, 60]}')
    assert get_schedule(spec).get_config()["gamma"] == 0.1
    for bad, error, message in [
            (30, TypeError, "milestones must be a list of epochs (ints >= 1), got int"),
            ("30", TypeError, "milestones must be a list of epochs (ints >= 1), got str"),
            (np.array(30), TypeError,
             "milestones must be a list of epochs (ints >= 1), got ndarray of 0 dimensions"),
            ([], ValueError, "milestones must list at least one epoch, got none"),
            ([3, 0], ValueError, "milestones' epochs must be an int >= 1, got 0"),
            ([2.5], TypeError, "milestones' epochs must be an int >= 1, got 2.5")]:
        with pytest.raises(error, match=rf"^{__import__('re').escape(message)}"):
            MultiStep(bad)
    with pytest.raises(TypeError, match="schedule 'multistep' needs the setting 'milestones'"):
        get_schedule("multistep")
