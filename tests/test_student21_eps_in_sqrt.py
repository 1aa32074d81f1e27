"""``eps`` under the square root: ``Adam(eps_on="v_hat_in_sqrt")`` and
``RMSProp(eps_on="s_in_sqrt")``.

References, written out in NumPy here: TensorFlow's documented RMSProp
(tf.raw_ops.ApplyRMSProp: ``ms <- rho ms + (1 - rho) g^2``, ``mom <- momentum mom + lr g /
sqrt(ms + epsilon)``, ``var <- var - mom``; ApplyCenteredRMSProp: ``mg <- rho mg + (1 -
rho) g``, ``mom <- momentum mom + lr g / sqrt(ms - mg^2 + epsilon)``), with Keras's zero
start; Adam as deeplearning.ai's course code writes it with ``epsilon`` inside the root,
``m_hat / sqrt(v_hat + epsilon)``; and the ten Adam costs one public copy of the course's
2017 notebook prints (examples/dlai_optimization.py's PUBLISHED_2017_ADAM_OTHER).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule.optimizers import Adam, AdamW, RMSProp, get_optimizer
from schedule_helpers import onecycle_data as _data
from schedule_helpers import onecycle_net as _net

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_optimization.py"


def _grads(n=30, size=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, size)) * rng.uniform(1e-4, 3.0, size=size)


def adam_in_sqrt_numpy(grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    w, m, v = np.zeros(grads.shape[1]), 0.0, 0.0
    path = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        w = w - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps)
        path.append(w)
    return np.array(path)


def tf_rmsprop_numpy(grads, lr, rho, eps, momentum=0.0, centered=False):
    var, ms, mg, mom = np.zeros(grads.shape[1]), 0.0, 0.0, 0.0
    path = []
    for g in grads:
        ms = rho * ms + (1 - rho) * g * g
        denom = ms + eps
        if centered:
            mg = rho * mg + (1 - rho) * g
            denom = ms - mg * mg + eps
        mom = momentum * mom + lr * g / np.sqrt(denom)
        var = var - mom
        path.append(var)
    return np.array(path)


def _run(opt, grads):
    w, path = np.zeros(grads.shape[1]), []
    for g in grads:
        opt.step(w, g)
        path.append(w.copy())
    return np.array(path)


@pytest.mark.parametrize("eps", [1e-8, 1e-2])
def test_adam_v_hat_in_sqrt_is_the_course_code_rule(eps):
    grads = _grads()
    got = _run(Adam(lr=0.01, eps=eps, eps_on="v_hat_in_sqrt"), grads)
    np.testing.assert_allclose(got, adam_in_sqrt_numpy(grads, 0.01, eps=eps),
                               rtol=1e-12, atol=1e-15)
    # and not the other two places, which differ where v_hat is near eps
    for other in ("v_hat", "v"):
        assert not np.allclose(_run(Adam(lr=0.01, eps=eps, eps_on=other), grads), got,
                               rtol=1e-9, atol=0)


def test_adamw_takes_it_too():
    grads = _grads(seed=1)
    got = _run(AdamW(lr=0.01, weight_decay=0.0, eps=1e-3, eps_on="v_hat_in_sqrt"), grads)
    np.testing.assert_allclose(got, adam_in_sqrt_numpy(grads, 0.01, eps=1e-3),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("momentum, centered", [(0.0, False), (0.9, False), (0.0, True),
                                                (0.5, True)])
def test_rmsprop_s_in_sqrt_is_tensorflows(momentum, centered):
    grads = _grads(seed=2)
    opt = RMSProp(lr=0.003, rho=0.9, eps=1e-7, momentum=momentum, centered=centered,
                  eps_on="s_in_sqrt")
    np.testing.assert_allclose(_run(opt, grads),
                               tf_rmsprop_numpy(grads, 0.003, 0.9, 1e-7, momentum, centered),
                               rtol=1e-12, atol=1e-15)


def test_the_defaults_are_unchanged_and_left_out_of_the_config():
    assert RMSProp().get_config() == {"name": "rmsprop", "lr": 0.001, "rho": 0.9,
                                      "eps": 1e-8, "weight_decay": 0.0}
    assert RMSProp(eps_on="s_in_sqrt").get_config()["eps_on"] == "s_in_sqrt"
    assert Adam(eps_on="v_hat_in_sqrt").get_config()["eps_on"] == "v_hat_in_sqrt"
    for opt in (RMSProp(eps_on="s_in_sqrt", momentum=0.5), Adam(eps_on="v_hat_in_sqrt")):
        again = get_optimizer(opt.get_config().pop("name"),
                              **{k: v for k, v in opt.get_config().items() if k != "name"})
        assert again.get_config() == opt.get_config()
    grads = _grads(seed=4)
    # the default places: sqrt(.) + eps, written out
    s, want = 0.0, []
    w = np.zeros(grads.shape[1])
    for g in grads:
        s = 0.9 * s + 0.1 * g * g
        w = w - 0.003 * g / (np.sqrt(s) + 1e-7)
        want.append(w)
    np.testing.assert_allclose(_run(RMSProp(lr=0.003, eps=1e-7), grads), want, rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("cls, bad, said", [
    (Adam, "in_sqrt", "eps_on must be 'v_hat', 'v' or 'v_hat_in_sqrt', got 'in_sqrt'"),
    (RMSProp, "v_hat", "eps_on must be 's' or 's_in_sqrt', got 'v_hat'"),
    (RMSProp, None, "eps_on must be 's' or 's_in_sqrt', got None"),
])
def test_bad_eps_on_is_refused_by_name(cls, bad, said):
    with pytest.raises(ValueError, match=said.replace("(", r"\(")):
        cls(eps_on=bad)


@pytest.mark.parametrize("opt", [{"name": "adam", "eps_on": "v_hat_in_sqrt", "eps": 1e-3},
                                 {"name": "rmsprop", "eps_on": "s_in_sqrt", "eps": 1e-3}])
def test_a_checkpoint_keeps_it_and_resumes_bit_for_bit(tmp_path, step_clock, opt):
    X, Y = _data()
    settings = {"lr": 0.02, **{k: v for k, v in opt.items() if k != "name"}}
    kw = dict(batch_size=8, seed=4)
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=6, optimizer=get_optimizer(opt["name"],
                                                                           **settings), **kw)
    path = tmp_path / "run.ckpt.npz"
    h = chainrule.train(_net(), X, Y, epochs=6, checkpoint=path, max_time=7 * 3 + 3,
                        optimizer=get_optimizer(opt["name"], **settings), **kw)
    assert h.epochs == 3
    assert chainrule.Trainer.from_checkpoint(path).optimizer.eps_on == opt["eps_on"]
    resumed, h_res = chainrule.resume(path, X, Y)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_the_example_uses_the_builtin_option():
    ex = runpy.run_path(str(EXAMPLE))
    opt, scale = ex["optimizer"]("adam_eps_in_sqrt", 0.0007)
    assert isinstance(opt, Adam) and (opt.eps_on, opt.eps, scale) == ("v_hat_in_sqrt", 1e-8, 1)
    assert "AdamEpsInSqrt" not in ex


@pytest.mark.slow
def test_the_examples_ten_published_adam_costs_with_the_builtin_option():
    ex = runpy.run_path(str(EXAMPLE))
    run = ex["model"]("adam_eps_in_sqrt", 0.0007, 10_000)
    np.testing.assert_allclose(run["last"][::1000], ex["PUBLISHED_2017_ADAM_OTHER"], atol=5e-7)
    assert run["accuracy"] == 0.94
