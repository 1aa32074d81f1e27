"""SPEC 7: the optimizers, one small object per update rule sharing ``step(params, grads)``.

Every expected value is computed here, in the test, from the textbook formula with
plain numpy (and, when PyTorch is importable, compared with ``torch.optim`` too).
Nothing is copied from the library's own output.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule.optimizers import SGD, AdaGrad, Adam, Optimizer, RMSProp, get_optimizer

RTOL = 1e-13


@pytest.fixture
def problem():
    """Initial parameters and two gradients of different signs and magnitudes."""
    rng = np.random.default_rng(2024)
    w0 = rng.normal(size=7)
    g0 = rng.normal(size=7) * np.array([1e-3, 0.1, 1.0, 10.0, -2.0, 0.5, 3.0])
    g1 = rng.normal(size=7)
    return w0, g0, g1


def _two_steps(opt: Optimizer, w0: np.ndarray, g0: np.ndarray, g1: np.ndarray):
    """Run two steps on a copy of w0; return the parameters after each."""
    w = w0.copy()
    opt.step(w, g0.copy())
    w1 = w.copy()
    opt.step(w, g1.copy())
    return w1, w.copy()


# --------------------------------------------------------------------------------------------
# Hand formulas, written out step by step (no loops shared with the library)
# --------------------------------------------------------------------------------------------
def hand_sgd(w0, g0, g1, lr, wd=0.0):
    w1 = w0 - lr * g0 - wd * w0
    w2 = w1 - lr * g1 - wd * w1
    return w1, w2


def hand_momentum(w0, g0, g1, lr, mu, wd=0.0):
    v1 = g0  # v starts at 0: v1 = mu * 0 + g0
    w1 = w0 - lr * v1 - wd * w0
    v2 = mu * v1 + g1
    w2 = w1 - lr * v2 - wd * w1
    return w1, w2


def hand_nesterov(w0, g0, g1, lr, mu, wd=0.0):
    v1 = g0
    w1 = w0 - lr * (g0 + mu * v1) - wd * w0
    v2 = mu * v1 + g1
    w2 = w1 - lr * (g1 + mu * v2) - wd * w1
    return w1, w2


def hand_adagrad(w0, g0, g1, lr, eps, wd=0.0):
    s1 = g0**2
    w1 = w0 - lr * g0 / (np.sqrt(s1) + eps) - wd * w0
    s2 = s1 + g1**2
    w2 = w1 - lr * g1 / (np.sqrt(s2) + eps) - wd * w1
    return w1, w2


def hand_rmsprop(w0, g0, g1, lr, rho, eps, wd=0.0):
    s1 = (1 - rho) * g0**2
    w1 = w0 - lr * g0 / (np.sqrt(s1) + eps) - wd * w0
    s2 = rho * s1 + (1 - rho) * g1**2
    w2 = w1 - lr * g1 / (np.sqrt(s2) + eps) - wd * w1
    return w1, w2


def hand_adam(w0, g0, g1, lr, b1, b2, eps, wd=0.0):
    m1 = (1 - b1) * g0
    v1 = (1 - b2) * g0**2
    mhat1 = m1 / (1 - b1**1)
    vhat1 = v1 / (1 - b2**1)
    w1 = w0 - lr * mhat1 / (np.sqrt(vhat1) + eps) - wd * w0
    m2 = b1 * m1 + (1 - b1) * g1
    v2 = b2 * v1 + (1 - b2) * g1**2
    mhat2 = m2 / (1 - b1**2)
    vhat2 = v2 / (1 - b2**2)
    w2 = w1 - lr * mhat2 / (np.sqrt(vhat2) + eps) - wd * w1
    return w1, w2


CASES = [
    ("sgd", lambda wd: SGD(lr=0.3, weight_decay=wd),
     lambda w0, g0, g1, wd: hand_sgd(w0, g0, g1, 0.3, wd)),
    ("momentum", lambda wd: SGD(lr=0.2, momentum=0.9, weight_decay=wd),
     lambda w0, g0, g1, wd: hand_momentum(w0, g0, g1, 0.2, 0.9, wd)),
    ("nesterov", lambda wd: SGD(lr=0.2, momentum=0.8, nesterov=True, weight_decay=wd),
     lambda w0, g0, g1, wd: hand_nesterov(w0, g0, g1, 0.2, 0.8, wd)),
    ("adagrad", lambda wd: AdaGrad(lr=0.05, eps=1e-6, weight_decay=wd),
     lambda w0, g0, g1, wd: hand_adagrad(w0, g0, g1, 0.05, 1e-6, wd)),
    ("rmsprop", lambda wd: RMSProp(lr=0.01, rho=0.8, eps=1e-7, weight_decay=wd),
     lambda w0, g0, g1, wd: hand_rmsprop(w0, g0, g1, 0.01, 0.8, 1e-7, wd)),
    ("adam", lambda wd: Adam(lr=0.02, beta1=0.85, beta2=0.99, eps=1e-6, weight_decay=wd),
     lambda w0, g0, g1, wd: hand_adam(w0, g0, g1, 0.02, 0.85, 0.99, 1e-6, wd)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("name", "make", "hand"), CASES, ids=IDS)
def test_one_and_two_steps_equal_hand_formula(problem, name, make, hand):
    w0, g0, g1 = problem
    opt = make(0.0)
    w1, w2 = _two_steps(opt, w0, g0, g1)
    e1, e2 = hand(w0, g0, g1, 0.0)
    np.testing.assert_allclose(w1, e1, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(w2, e2, rtol=RTOL, atol=1e-15)
    assert opt.t == 2


@pytest.mark.parametrize(("name", "make", "hand"), CASES, ids=IDS)
def test_decoupled_weight_decay(problem, name, make, hand):
    """w <- w - lr * update - lambda * w, the decay outside the adaptive scaling."""
    w0, g0, g1 = problem
    wd = 0.03
    w1, w2 = _two_steps(make(wd), w0, g0, g1)
    e1, e2 = hand(w0, g0, g1, wd)
    np.testing.assert_allclose(w1, e1, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(w2, e2, rtol=RTOL, atol=1e-15)
    # decay really is decoupled: the difference from the undecayed step is exactly -lambda*w0
    u1, _ = _two_steps(make(0.0), w0, g0, g1)
    np.testing.assert_allclose(w1 - u1, -wd * w0, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(("name", "make", "hand"), CASES, ids=IDS)
def test_zero_gradient_with_decay_only_shrinks(name, make, hand):
    """With g = 0 every rule's update is 0, so only the decay acts: w <- (1 - lambda) w."""
    w = np.array([1.0, -2.0, 0.5, 4.0])
    opt = make(0.1)
    opt.step(w, np.zeros(4))
    np.testing.assert_allclose(w, [0.9, -1.8, 0.45, 3.6], rtol=1e-15)
    opt.step(w, np.zeros(4))
    np.testing.assert_allclose(w, [0.81, -1.62, 0.405, 3.24], rtol=1e-14)


@pytest.mark.parametrize(("name", "make", "hand"), CASES, ids=IDS)
def test_step_is_in_place_and_keeps_dtype(problem, name, make, hand):
    w0, g0, _ = problem
    for dtype in (np.float64, np.float32):
        w = w0.astype(dtype)
        buf = w
        make(0.01).step(w, g0.astype(dtype))
        assert w is buf and w.dtype == dtype
        e1, _ = hand(w0, g0, g0, 0.01)
        tol = 1e-12 if dtype == np.float64 else 2e-5
        np.testing.assert_allclose(w, e1, rtol=tol, atol=tol)


def test_adam_first_step_is_lr_times_sign():
    """Bias correction: the first Adam step has size lr in every coordinate (eps -> 0)."""
    g = np.array([1e-4, -3.0, 250.0, -0.02])
    w = np.zeros(4)
    Adam(lr=0.01, eps=1e-12).step(w, g)
    np.testing.assert_allclose(w, -0.01 * np.sign(g), rtol=1e-7)


@pytest.mark.parametrize("eps", [1e-8, 1e-3, 0.5])
def test_adam_eps_on_v_is_scikit_learns_adam(eps):
    """``eps_on="v"`` steps as scikit-learn's AdamOptimizer, eps included (large eps shows it)."""
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    rng = np.random.default_rng(3)
    w0 = rng.normal(size=7)
    ours, theirs = w0.copy(), [w0.copy()]
    opt = Adam(lr=0.03, beta1=0.8, beta2=0.95, eps=eps, eps_on="v")
    ref = AdamOptimizer(theirs, learning_rate_init=0.03, beta_1=0.8, beta_2=0.95, epsilon=eps)
    torch_form = w0.copy()
    other = Adam(lr=0.03, beta1=0.8, beta2=0.95, eps=eps)
    for _ in range(6):
        g = rng.normal(size=7) * rng.choice([1e-3, 1.0, 50.0], size=7)
        opt.step(ours, g.copy())
        ref.update_params(theirs, [g.copy()])
        other.step(torch_form, g.copy())
        np.testing.assert_allclose(ours, theirs[0], rtol=1e-13, atol=1e-15)
    if eps >= 1e-3:  # the default form adds eps to sqrt(v_hat): a different trajectory
        assert np.max(np.abs(torch_form - ours)) > 1e-4


def test_adam_eps_on_is_checked_and_saved():
    with pytest.raises(ValueError, match="eps_on must be 'v_hat', 'v' or 'v_hat_in_sqrt', got 'm'"):
        Adam(eps_on="m")
    config = Adam(lr=0.01, eps_on="v").get_config()
    assert config["eps_on"] == "v" and Optimizer.from_config(config).eps_on == "v"


def test_momentum_accumulates_constant_gradient():
    """With a constant gradient g, v_k = g (1 - mu^k) / (1 - mu): a geometric series."""
    g = np.array([1.0, -0.5])
    w = np.zeros(2)
    mu, lr = 0.9, 0.1
    opt = SGD(lr=lr, momentum=mu)
    total = np.zeros(2)
    for k in range(1, 6):
        opt.step(w, g.copy())
        total += lr * g * (1 - mu**k) / (1 - mu)
        np.testing.assert_allclose(w, -total, rtol=1e-13)


def test_adagrad_steps_shrink_like_one_over_sqrt_k():
    """Constant gradient: the k-th AdaGrad step is lr * g / (sqrt(k) |g| + eps)."""
    g = np.array([2.0, -0.25])
    w = np.zeros(2)
    opt = AdaGrad(lr=0.5, eps=1e-8)
    prev = w.copy()
    for k in range(1, 6):
        opt.step(w, g.copy())
        np.testing.assert_allclose(prev - w, 0.5 * g / (np.sqrt(k) * np.abs(g) + 1e-8),
                                   rtol=1e-13)
        prev = w.copy()


def test_reset_forgets_state(problem):
    w0, g0, g1 = problem
    opt = Adam(lr=0.01)
    _two_steps(opt, w0, g0, g1)
    opt.reset()
    assert opt.t == 0
    w = w0.copy()
    opt.step(w, g0.copy())
    e1, _ = hand_adam(w0, g0, g1, 0.01, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(w, e1, rtol=RTOL)


# --------------------------------------------------------------------------------------------
# Against torch.optim (independent implementation), when PyTorch is importable
# --------------------------------------------------------------------------------------------
def _torch_steps(torch_opt_factory, w0, grads):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    opt = torch_opt_factory([p])
    out = []
    for g in grads:
        opt.zero_grad()
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


@pytest.mark.parametrize("case", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                  "adamw"])
def test_matches_torch_optim(problem, case):
    torch = pytest.importorskip("torch")
    w0, g0, g1 = problem
    rng = np.random.default_rng(5)
    grads = [g0, g1, *rng.normal(size=(3, 7))]
    ours, theirs = {
        "sgd": (SGD(lr=0.3), lambda p: torch.optim.SGD(p, lr=0.3)),
        "momentum": (SGD(lr=0.2, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9)),
        "nesterov": (SGD(lr=0.2, momentum=0.8, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.8, nesterov=True)),
        "adagrad": (AdaGrad(lr=0.05, eps=1e-10),
                    lambda p: torch.optim.Adagrad(p, lr=0.05, eps=1e-10)),
        "rmsprop": (RMSProp(lr=0.01, rho=0.8, eps=1e-7),
                    lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=1e-7)),
        "adam": (Adam(lr=0.02, beta1=0.85, beta2=0.99, eps=1e-6),
                 lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.85, 0.99), eps=1e-6)),
        # torch's AdamW multiplies its decay by lr: w <- w (1 - lr * wd_torch)
        "adamw": (Adam(lr=0.02, weight_decay=0.004),
                  lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.004 / 0.02)),
    }[case]
    expected = _torch_steps(theirs, w0, grads)
    w = w0.copy()
    for g, e in zip(grads, expected, strict=True):
        ours.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------------------------
# Configuration round trip
# --------------------------------------------------------------------------------------------
CONFIG_CASES = [
    SGD(lr=0.3, weight_decay=0.01),
    SGD(lr=0.2, momentum=0.7),
    SGD(lr=0.2, momentum=0.8, nesterov=True, weight_decay=0.002),
    AdaGrad(lr=0.05, eps=1e-6, weight_decay=0.1),
    RMSProp(lr=0.01, rho=0.8, eps=1e-7),
    Adam(lr=0.02, beta1=0.85, beta2=0.99, eps=1e-6, weight_decay=0.001),
]


@pytest.mark.parametrize("opt", CONFIG_CASES, ids=repr)
def test_config_round_trip(problem, opt):
    config = opt.get_config()
    restored = Optimizer.from_config(json.loads(json.dumps(config)))  # JSON-serialisable
    assert type(restored) is type(opt)
    assert restored.get_config() == config
    for key in ("lr", "weight_decay"):
        assert getattr(restored, key) == getattr(opt, key)
    # the same settings give the same trajectory from a fresh state
    w0, g0, g1 = problem
    fresh = Optimizer.from_config(config)
    a = _two_steps(fresh, w0, g0, g1)
    b = _two_steps(restored, w0, g0, g1)
    np.testing.assert_array_equal(a[1], b[1])


def test_config_holds_the_settings():
    config = Adam(lr=0.02, beta1=0.85, beta2=0.99, eps=1e-6, weight_decay=0.001).get_config()
    assert config["name"] == "adam"
    assert (config["lr"], config["beta1"], config["beta2"], config["eps"]) == (
        0.02, 0.85, 0.99, 1e-6)
    assert config["weight_decay"] == 0.001
    sgd = SGD(lr=0.2, momentum=0.8, nesterov=True).get_config()
    assert sgd["momentum"] == 0.8 and sgd["nesterov"] is True


def test_from_config_does_not_carry_state(problem):
    w0, g0, g1 = problem
    opt = SGD(lr=0.1, momentum=0.9)
    _two_steps(opt, w0, g0, g1)
    fresh = Optimizer.from_config(opt.get_config())
    assert fresh.t == 0 and not fresh.state
    w = w0.copy()
    fresh.step(w, g0.copy())
    np.testing.assert_allclose(w, w0 - 0.1 * g0, rtol=RTOL)


# --------------------------------------------------------------------------------------------
# get_optimizer by name
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "cls"),
    [("gd", SGD), ("sgd", SGD), ("nesterov", SGD), ("adagrad", AdaGrad),
     ("rmsprop", RMSProp), ("adam", Adam)],
)
def test_get_optimizer_by_name(name, cls):
    opt = get_optimizer(name, lr=0.05)
    assert type(opt) is cls
    assert opt.lr == 0.05


def test_get_optimizer_nesterov(problem):
    opt = get_optimizer("nesterov", lr=0.2)
    assert isinstance(opt, SGD) and opt.nesterov and opt.momentum == 0.9
    w0, g0, g1 = problem
    w1, w2 = _two_steps(opt, w0, g0, g1)
    e1, e2 = hand_nesterov(w0, g0, g1, 0.2, 0.9)
    np.testing.assert_allclose(w1, e1, rtol=RTOL)
    np.testing.assert_allclose(w2, e2, rtol=RTOL)
    custom = get_optimizer("nesterov", lr=0.2, momentum=0.5)
    assert custom.momentum == 0.5 and custom.nesterov


def test_get_optimizer_sgd_momentum(problem):
    opt = get_optimizer("sgd", lr=0.2, momentum=0.9)
    w0, g0, g1 = problem
    _, w2 = _two_steps(opt, w0, g0, g1)
    np.testing.assert_allclose(w2, hand_momentum(w0, g0, g1, 0.2, 0.9)[1], rtol=RTOL)


def test_get_optimizer_passes_objects_through():
    opt = Adam(lr=0.123)
    assert get_optimizer(opt) is opt
    assert get_optimizer(opt, lr=0.5) is opt and opt.lr == 0.123


def test_get_optimizer_ignores_none_and_zero_for_rules_without_the_setting():
    assert isinstance(get_optimizer("adam", lr=0.01, momentum=None), Adam)
    assert isinstance(get_optimizer("adam", lr=0.01, momentum=0.0), Adam)


def test_public_names():
    assert chainrule.SGD is SGD and chainrule.Adam is Adam
    assert chainrule.AdaGrad is AdaGrad and chainrule.RMSProp is RMSProp


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------
def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown optimizer") as info:
        get_optimizer("lion")
    for valid in ("gd", "sgd", "nesterov", "adagrad", "rmsprop", "adam"):
        assert valid in str(info.value)


def test_wrong_type_of_optimizer():
    with pytest.raises(TypeError, match="optimizer"):
        get_optimizer(3)


def test_setting_a_rule_does_not_take_is_refused():
    with pytest.raises(ValueError, match="momentum"):
        get_optimizer("adam", momentum=0.9)
    with pytest.raises(ValueError, match="momentum"):
        get_optimizer("adagrad", momentum=0.5)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: SGD(lr=0.0), "lr"),
        (lambda: SGD(lr=-0.1), "lr"),
        (lambda: SGD(lr=float("nan")), "lr"),
        (lambda: Adam(lr=float("inf")), "lr"),
        (lambda: SGD(momentum=1.0), "momentum"),
        (lambda: SGD(momentum=-0.1), "momentum"),
        (lambda: SGD(nesterov=True), "nesterov"),
        (lambda: SGD(weight_decay=-0.01), "weight_decay"),
        # the fraction of each weight removed per step: 1 zeroes them, more flips their signs
        (lambda: SGD(weight_decay=1.0), r"weight_decay must be in \[0, 1\).*got 1\.0"),
        (lambda: Adam(weight_decay=1.5), r"weight_decay must be in \[0, 1\).*got 1\.5"),
        (lambda: get_optimizer("rmsprop", weight_decay=2), "weight_decay"),
        (lambda: AdaGrad(eps=0.0), "eps"),
        (lambda: RMSProp(rho=1.0), "rho"),
        (lambda: RMSProp(rho=-0.5), "rho"),
        (lambda: Adam(beta1=1.0), "beta1"),
        (lambda: Adam(beta2=1.5), "beta2"),
        (lambda: Adam(beta1=-0.1), "beta1"),
        (lambda: Adam(eps=-1e-8), "eps"),
        (lambda: get_optimizer("nesterov", momentum=0.0), "nesterov"),
    ],
)
def test_bad_settings_raise_value_error(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: SGD(lr="0.1"), "lr"),
        (lambda: SGD(lr=True), "lr"),
        (lambda: Adam(lr=None), "lr"),
        (lambda: SGD(momentum="high"), "momentum"),
    ],
)
def test_bad_types_raise_type_error(factory, match):
    with pytest.raises(TypeError, match=match):
        factory()


@pytest.mark.parametrize("bad", [np.ones(1), np.ones(6), np.ones((7, 7))],
                         ids=["broadcast", "short", "matrix"])
def test_step_refuses_grads_of_another_shape_and_changes_nothing(problem, bad):
    """A gradient of shape (1,) broadcast silently over every parameter (a wrong update);
    one of shape (7, 7) raised NumPy's broadcast error after replacing Adam's moments."""
    w0, g0, g1 = problem
    opt, w = Adam(lr=0.1), w0.copy()
    opt.step(w, g0)
    before, state = w.copy(), {k: v.copy() for k, v in opt.state.items()}
    with pytest.raises(ValueError, match=r"grads must have the shape of params \(7,\)"):
        opt.step(w, bad)
    np.testing.assert_array_equal(w, before)
    assert opt.t == 1 and set(opt.state) == set(state)
    for k, v in state.items():
        np.testing.assert_array_equal(opt.state[k], v)
    # the next step is Adam's second step from the first, by the hand formula
    m = 0.1 * g0 * 0.9 + 0.1 * g1
    v = 0.001 * g0**2 * 0.999 + 0.001 * g1**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    opt.step(w, g1)
    np.testing.assert_allclose(w, before - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=RTOL)


@pytest.mark.parametrize(("name", "make", "hand"), CASES, ids=IDS)
def test_integer_gradients_are_taken_in_the_parameters_dtype(name, make, hand):
    """Integer or boolean gradients failed in every rule with NumPy's "Cannot cast ufunc
    'multiply' output" (the state, or the work vector, took their integer dtype), after
    counting the step; they are now the same numbers in the parameters' dtype."""
    w0 = np.array([0.5, -1.0, 2.0, 0.25, 3.0, -0.75, 1.5])
    g0 = np.array([1, -2, 3, 0, 5, -1, 2])
    g1 = np.array([True, False, True, True, False, True, False])
    for dtype in (np.float64, np.float32):
        opt, w = make(0.01), w0.astype(dtype)
        opt.step(w, g0)
        opt.step(w, g1)
        _, e2 = hand(w0, g0.astype(float), g1.astype(float), 0.01)
        assert w.dtype == dtype and opt.t == 2
        assert all(v.dtype == dtype for v in opt.state.values())
        tol = RTOL if dtype == np.float64 else 1e-6  # float32: rounding of O(1) values
        np.testing.assert_allclose(w, e2, rtol=tol, atol=tol)


@pytest.mark.parametrize("bad", [np.ones(7, dtype=complex), np.array(["1"] * 7)],
                         ids=["complex", "str"])
def test_step_refuses_gradients_that_are_not_real_and_changes_nothing(problem, bad):
    w0, g0, _ = problem
    opt, w = Adam(lr=0.1), w0.copy()
    opt.step(w, g0)
    before, state = w.copy(), {k: v.copy() for k, v in opt.state.items()}
    with pytest.raises(TypeError, match=r"^grads must be a real array .*float64.*got an "
                                        rf"array of dtype {bad.dtype}$"):
        opt.step(w, bad)
    np.testing.assert_array_equal(w, before)
    assert opt.t == 1
    for k, v in state.items():
        np.testing.assert_array_equal(opt.state[k], v)


def test_step_refuses_params_it_cannot_update_in_place():
    with pytest.raises(TypeError, match=r"params must be a float ndarray.*int64"):
        SGD(lr=0.1).step(np.ones(3, dtype=np.int64), np.ones(3))
    with pytest.raises(TypeError, match=r"params must be a float ndarray.*list"):
        SGD(lr=0.1).step([1.0, 2.0], np.ones(2))


# --------------------------------------------------------------------------------------------
# Decoupled weight decay shrinks weights only (SPEC 4: never biases, nor BatchNorm's gamma/beta)
# --------------------------------------------------------------------------------------------
def test_weight_decay_leaves_biases_in_training():
    """A network already at the targets: one SGD step only decays, and only W."""
    from chainrule import Dense, Network
    from chainrule.optimizers import SGD as _SGD

    net = Network([Dense(2, 1, "identity", init=[[0.5], [-0.25]])], loss="squared_error")
    net.layers[0].b = [2.0]
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    Y = net.forward(X).copy()  # zero loss, zero gradient
    chainrule.train(net, X, Y, optimizer=_SGD(lr=0.1, weight_decay=0.1), epochs=1,
                    batch_size=2, seed=0)
    np.testing.assert_allclose(net.layers[0].W, [[0.45], [-0.225]], rtol=1e-14)  # (1 - 0.1) W
    np.testing.assert_array_equal(net.layers[0].b, [2.0])


def test_weight_decay_slices_spare_batchnorm_gamma_beta():
    from chainrule import BatchNorm, Dense, Network

    net = Network([Dense(2, 3, "identity", seed=0), BatchNorm(3), Dense(3, 1, "identity",
                                                                          seed=1)])
    w0 = net.params.copy()
    decayed = np.zeros(net.n_params, dtype=bool)
    for sl in net._decay_slices:
        decayed[sl] = True
    Adam(lr=1e-3, weight_decay=0.5).step(net.params, np.zeros(net.n_params), net._decay_slices)
    np.testing.assert_array_equal(net.params[~decayed], w0[~decayed])  # b, gamma, beta
    np.testing.assert_allclose(net.params[decayed], 0.5 * w0[decayed], rtol=1e-15)
    np.testing.assert_array_equal(net.layers[1].gamma, 1.0)
    # a bare vector (no slices) keeps the documented whole-vector decay
    w = w0.copy()
    Adam(lr=1e-3, weight_decay=0.5).step(w, np.zeros_like(w))
    np.testing.assert_allclose(w, 0.5 * w0, rtol=1e-15)


def test_weight_decay_slices_match_torch_adamw_param_groups(problem):
    """torch.optim.AdamW with weights in a decayed group and biases in an undecayed one.

    torch's AdamW shrinks by ``lr * weight_decay``; ours by ``weight_decay``: so
    ``wd_torch = wd / lr``.
    """
    torch = pytest.importorskip("torch")
    w0, g0, g1 = problem
    lr, wd = 0.01, 0.02
    decay = [slice(0, 3), slice(4, 6)]  # "weights"; 3 and 6 are "biases"
    w = w0.copy()
    opt = Adam(lr=lr, weight_decay=wd)
    for g in (g0, g1):
        opt.step(w, g.copy(), decay)
    # hand value of the first component after one step, with Adam's m_hat/sqrt(v_hat) = sign(g)
    w_one = w0.copy()
    Adam(lr=lr, weight_decay=wd).step(w_one, g0.copy(), decay)
    one = (1 - wd) * w0[0] - lr * g0[0] / (abs(g0[0]) + 1e-8)
    np.testing.assert_allclose(w_one[0], one, rtol=1e-13)
    np.testing.assert_allclose(w_one[3], w0[3] - lr * g0[3] / (abs(g0[3]) + 1e-8), rtol=1e-13)

    t = torch.tensor(w0, dtype=torch.float64)
    groups = [torch.nn.Parameter(t[sl].clone()) for sl in (slice(0, 3), slice(3, 4),
                                                           slice(4, 6), slice(6, 7))]
    topt = torch.optim.AdamW(
        [{"params": [groups[0], groups[2]], "weight_decay": wd / lr},
         {"params": [groups[1], groups[3]], "weight_decay": 0.0}], lr=lr, eps=1e-8)
    for g in (g0, g1):
        gt = torch.tensor(g, dtype=torch.float64)
        for p, sl in zip(groups, (slice(0, 3), slice(3, 4), slice(4, 6), slice(6, 7)),
                         strict=True):
            p.grad = gt[sl].clone()
        topt.step()
    ref = np.concatenate([p.detach().numpy() for p in groups])
    np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("schedule, expected", [
    (chainrule.schedules.Constant(), "Constant()"),
    (chainrule.schedules.StepDecay(3, 0.1), "StepDecay(step_size=3, gamma=0.1)"),
    (chainrule.schedules.Exponential(gamma=0.9), "Exponential(gamma=0.9)"),
    (chainrule.schedules.InverseScaling(power=0.25), "InverseScaling(power=0.25)"),
    (chainrule.schedules.Cosine(10, eta_min=1e-3), "Cosine(T_max=10, eta_min=0.001)"),
    (chainrule.schedules.ReduceOnPlateau(patience=2, monitor="loss"),
     "ReduceOnPlateau(factor=0.5, patience=2, min_lr=1e-06, monitor='loss', min_delta=0.0001, "
     "mode='min', threshold_mode='abs', cooldown=0, eps=0.0)"),
])
def test_schedule_repr_names_its_settings(schedule, expected):
    """A schedule's repr is its class and settings, as written, not an object address.

    The expected text is the constructor call written out by hand (defaults
    filled in); evaluating the repr builds a schedule with the same settings.
    An estimator holding one shows it so in scikit-learn's repr.
    """
    assert repr(schedule) == expected
    rebuilt = eval(expected, vars(chainrule.schedules))
    assert type(rebuilt) is type(schedule) and rebuilt.get_config() == schedule.get_config()
    est = repr(chainrule.MLPClassifier(solver="sgd", schedule=schedule))
    assert "object at" not in est and f"schedule={expected}" in " ".join(est.split())
