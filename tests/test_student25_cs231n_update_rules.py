"""cs231n assignment 2's update rules on chainrule's optimizers (examples/cs231n_update_rules.py).

References, independent of chainrule: the arrays printed by cs231n's FullyConnectedNets.ipynb
(assignment 2; the same figures in the spring 2017 Python 2 release, whose sgd_momentum check
says "You should see errors less than 1e-8", in the 2018-2019 Python 3 releases, whose RMSProp
and Adam checks say "You should see relative errors around e-7 or less", and in EECS 598's
PyTorch port of the notebook), and each rule written here in plain NumPy from the formulas of
cs231n's optim.py docstrings (a second reference: it meets the printed arrays to the same
figures, their 8-decimal rounding).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.optimizers import SGD, Adam, RMSProp

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "cs231n_update_rules.py"


def _load():
    spec = importlib.util.spec_from_file_location("cs231n_update_rules", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


EX = _load()
N, D = 4, 5

# FullyConnectedNets.ipynb (see the module docstring): expected_next_w and the expected state
SGD_MOMENTUM_NEXT_W = np.array([
    [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
    [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
    [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
    [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
SGD_MOMENTUM_VELOCITY = np.array([
    [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
    [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
    [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
    [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
RMSPROP_NEXT_W = np.array([
    [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
    [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
    [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
    [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
RMSPROP_CACHE = np.array([
    [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
    [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
    [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
    [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])
ADAM_NEXT_W = np.array([
    [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
    [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
    [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
    [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
ADAM_M = np.array([
    [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
    [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
    [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
    [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
ADAM_V = np.array([
    [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
    [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
    [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
    [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])


def rel_error(x, y):
    """cs231n's rel_error, written here: max |x - y| / max(1e-8, |x| + |y|)."""
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))


def grid(a, b):
    return np.linspace(a, b, num=N * D).reshape(N, D)


W, DW = grid(-0.4, 0.6), grid(-0.6, 0.4)


# cs231n's rules in plain NumPy (optim.py's docstrings' formulas)
def np_sgd_momentum(w, dw, v, lr=1e-3, mu=0.9):
    v = mu * v - lr * dw
    return w + v, v


def np_rmsprop(w, dw, cache, lr=1e-2, decay_rate=0.99, eps=1e-8):
    cache = decay_rate * cache + (1 - decay_rate) * dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), cache


def np_adam(w, dw, m, v, t, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
    t += 1  # cs231n increments t before the bias corrections
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t


def test_sgd_momentum_published_and_numpy():
    opt = SGD(lr=1e-3, momentum=0.9)
    w, v = W.copy(), grid(0.6, 0.9)
    opt.set_state({"velocity": -v / 1e-3}, params=w)  # chainrule's u = -v / lr
    opt.step(w, DW)
    velocity = -1e-3 * opt.state["velocity"]
    # 2017 notebook: "You should see errors less than 1e-8"
    assert rel_error(w, SGD_MOMENTUM_NEXT_W) < 1e-8
    assert rel_error(velocity, SGD_MOMENTUM_VELOCITY) < 1e-8
    ref_w, ref_v = np_sgd_momentum(W, DW, grid(0.6, 0.9))
    np.testing.assert_allclose(w, ref_w, rtol=1e-13)
    np.testing.assert_allclose(velocity, ref_v, rtol=1e-12)
    assert np.array_equal(v, grid(0.6, 0.9))  # set_state copied the course's array


def test_rmsprop_published_and_numpy():
    opt = RMSProp(lr=1e-2, rho=0.99, eps=1e-8)
    w = W.copy()
    opt.set_state({"mean_sq": grid(0.6, 0.9)}, params=w)
    opt.step(w, DW)
    # 2018-2019 notebooks: "relative errors around e-7 or less"; the NumPy rule gives the
    # same 9.5e-08 (the printed 8 decimals of -0.02881884)
    assert rel_error(w, RMSPROP_NEXT_W) < 2e-7
    assert rel_error(opt.state["mean_sq"], RMSPROP_CACHE) < 1e-8
    ref_w, ref_cache = np_rmsprop(W, DW, grid(0.6, 0.9))
    assert rel_error(ref_w, RMSPROP_NEXT_W) < 2e-7
    np.testing.assert_allclose(w, ref_w, rtol=1e-13)
    np.testing.assert_allclose(opt.state["mean_sq"], ref_cache, rtol=1e-13)


def test_rmsprop_keras_default_rho_is_not_cs231n():
    opt = RMSProp(lr=1e-2)  # rho 0.9, not cs231n's decay_rate 0.99
    w = W.copy()
    opt.set_state({"mean_sq": grid(0.6, 0.9)}, params=w)
    opt.step(w, DW)
    assert rel_error(opt.state["mean_sq"], RMSPROP_CACHE) > 1e-3


def test_adam_published_and_numpy():
    opt = Adam(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8)
    w = W.copy()
    opt.set_state({"m": grid(0.6, 0.9), "v": grid(0.7, 0.5)}, t=5, params=w)
    opt.step(w, DW)
    assert opt.t == 6  # counted up before the bias corrections, as cs231n's t
    assert rel_error(w, ADAM_NEXT_W) < 2e-7  # "around e-7 or less" (1.1e-07; NumPy's too)
    assert rel_error(opt.state["m"], ADAM_M) < 1e-8
    assert rel_error(opt.state["v"], ADAM_V) < 1e-8
    ref_w, ref_m, ref_v, _ = np_adam(W, DW, grid(0.6, 0.9), grid(0.7, 0.5), t=5)
    assert rel_error(ref_w, ADAM_NEXT_W) < 2e-7
    np.testing.assert_allclose(w, ref_w, rtol=1e-13)
    np.testing.assert_allclose(opt.state["m"], ref_m, rtol=1e-13)
    np.testing.assert_allclose(opt.state["v"], ref_v, rtol=1e-13)


def test_adam_t_off_by_one_misses_the_published_step():
    opt = Adam(lr=1e-2)
    w = W.copy()
    opt.set_state({"m": grid(0.6, 0.9), "v": grid(0.7, 0.5)}, t=4, params=w)
    opt.step(w, DW)
    assert rel_error(w, ADAM_NEXT_W) > 1e-5


def test_momentum_from_zero_velocity_needs_no_conversion():
    """In training (velocity 0 at first) SGD(lr, momentum=mu) takes cs231n's steps."""
    rng = np.random.RandomState(0)
    w, ref_w, ref_v = W.copy(), W.copy(), np.zeros_like(W)
    opt = SGD(lr=1e-2, momentum=0.9)
    for _ in range(5):
        dw = rng.randn(N, D)
        opt.step(w, dw)
        ref_w, ref_v = np_sgd_momentum(ref_w, dw, ref_v, lr=1e-2)
    np.testing.assert_allclose(w, ref_w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(-1e-2 * opt.state["velocity"], ref_v, rtol=1e-12, atol=1e-15)


def test_example_checks_all_within_the_notebooks_tolerances():
    results = EX.checks()
    assert len(results) == 7
    for name, (_, err) in results.items():
        assert err < (2e-7 if name in ("rmsprop next_w", "adam next_w") else 1e-8), name
    # the example's own copies of the figures are the ones above
    np.testing.assert_array_equal(EX.PUBLISHED["adam next_w"], ADAM_NEXT_W)
    np.testing.assert_array_equal(EX.PUBLISHED["sgd_momentum velocity"], SGD_MOMENTUM_VELOCITY)


@pytest.mark.slow
def test_example_training_comparison_small():
    """The notebook's ordering after two epochs on the digits: Adam, then RMSProp, ahead of
    SGD and momentum, which a deep net at weight scale 5e-2 leaves near ln 10."""
    curves = EX.train_curves(epochs=2)
    first = {name: c["loss"][0] for name, c in curves.items()}
    assert max(first.values()) - min(first.values()) == 0  # same start, same first batch
    assert abs(first["sgd"] - np.log(10)) < 1e-3  # small weights: nearly uniform scores
    last = {name: c["loss"][-5:].mean() for name, c in curves.items()}
    assert last["adam"] < last["rmsprop"] - 0.05
    assert last["rmsprop"] < last["sgd"] - 0.01
    assert last["sgd_momentum"] < last["sgd"]
