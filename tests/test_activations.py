"""ELU, GELU and SiLU: values and derivatives against PyTorch autograd, and everywhere
activations are named (layers, mlp, estimators, save/load, the CLI, the trace).

The references are independent of chainrule: ``torch.nn.ELU()``, ``torch.nn.GELU()`` (its
default, exact erf form) and ``torch.nn.SiLU()`` with autograd, the math module's erfc
on Python floats, central differences, and SciPy's scalar minimiser.
"""

from __future__ import annotations

import csv
import math
import re
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

import chainrule as cr
from chainrule import Dense, Network, reference
from chainrule.activations import OUTPUT_RANGES, get_activation
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.tracing.render import fmt

NEW = ["elu", "gelu", "silu"]
# net inputs from -40 to 40 (every 0.1), the large magnitudes, and zeros and subnormals
GRID = np.concatenate([np.linspace(-40.0, 40.0, 801),
                       [-1000.0, -745.0, -100.0, -1e-300, 0.0, 1e-300, 100.0, 745.0, 1000.0]])


def _torch_module(name):
    torch = pytest.importorskip("torch")
    return {"elu": torch.nn.ELU(), "gelu": torch.nn.GELU(), "silu": torch.nn.SiLU()}[name]


def _torch_value_and_grad(name, z):
    torch = pytest.importorskip("torch")
    t = torch.tensor(z, requires_grad=True)
    a = _torch_module(name)(t)
    a.sum().backward()  # d(sum f(z))/dz = f'(z) elementwise
    return a.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NEW)
def test_values_and_derivatives_match_torch_autograd(name, dtype):
    z = GRID.astype(dtype).reshape(2, -1)
    act = get_activation(name)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        a = act.f(z)
        d = act.derivative(z, a)
        delta = act.backward(z, a, np.ones_like(z))
    assert a.dtype == dtype and d.dtype == dtype and delta.dtype == dtype
    # float32 against torch in float64 on the same inputs: torch's float32 GELU,
    # x (1 + erf(x / sqrt 2)) / 2, loses its digits left of -3 (-1.19e-6 at x = -5, where
    # x Phi(x) = -1.43e-6)
    ta, td = _torch_value_and_grad(name, z.astype(np.float64))
    rtol, atol = (4e-15, 1e-15) if dtype == np.float64 else (1e-6, 1e-7)
    np.testing.assert_allclose(a, ta, rtol=rtol, atol=atol)
    np.testing.assert_allclose(d, td, rtol=rtol, atol=atol)
    np.testing.assert_array_equal(delta, d)


def test_gelu_keeps_its_digits_in_the_far_left_tail():
    """z Phi(z) with Phi from erfc: relative accuracy where 1 + erf(z / sqrt 2) cancels.

    Reference: the math module's erfc on Python floats."""
    z = np.array([-5.0, -10.0, -20.0, -30.0])
    expected = [v * 0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z]
    np.testing.assert_allclose(get_activation("gelu").f(z), expected, rtol=1e-12)
    assert np.all(get_activation("gelu").f(z) < 0)


@pytest.mark.parametrize("name", NEW)
def test_derivatives_match_central_differences(name):
    z = np.linspace(-6.0, 6.0, 121) + 0.0123  # 0 itself left out: ELU's f'' jumps there
    act = get_activation(name)
    h = 1e-6
    numeric = (act.f(z + h) - act.f(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z, act.f(z)), numeric, rtol=1e-8, atol=1e-9)


def test_silu_answers_to_swish_and_elu_has_no_first_derivative_jump():
    assert get_activation("swish") is get_activation("silu")
    net = cr.mlp([2, 3, 1], hidden="swish", seed=0)
    assert net.layers[0].activation.name == "silu"
    elu = get_activation("elu")
    z = np.array([-1e-9, 0.0, 1e-9])
    np.testing.assert_allclose(elu.derivative(z, elu.f(z)), [1.0, 1.0, 1.0], rtol=1e-8)


@pytest.mark.parametrize("name", NEW)
def test_output_ranges_hold_the_minimum(name):
    """The lower end of each range is the function's minimum, found by SciPy."""
    act = get_activation(name)
    res = minimize_scalar(lambda v: float(act.f(np.array([v]))[0]), bracket=(-3.0, -0.5),
                          options={"xtol": 1e-12})
    low, high = OUTPUT_RANGES[name]
    assert high == np.inf
    if name == "elu":  # an infimum, reached in float64 from z ~ -37 on
        assert low == -1.0 and act.f(np.array([-40.0]))[0] == -1.0
    else:
        assert low == pytest.approx(res.fun, rel=1e-12)
        # every value the float64 function gives near its minimum lies in the range
        z = np.linspace(res.x - 1e-4, res.x + 1e-4, 400_001)
        assert act.f(z).min() >= low


def _net(name, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    layers = [Dense(3, 5, name, init=rng.normal(0, 0.3, (3, 5)).astype(dtype)),
              Dense(5, 4, name, init=rng.normal(0, 0.3, (5, 4)).astype(dtype)),
              Dense(4, 2, "identity", init=rng.normal(0, 0.3, (4, 2)).astype(dtype))]
    for layer in layers:
        layer.b = rng.normal(0, 0.1, layer.n_out).astype(dtype)
    return Network(layers, loss="squared_error")


@pytest.mark.parametrize("name", NEW)
def test_networks_pass_gradient_check_and_match_torch_parameter_gradients(name):
    torch = pytest.importorskip("torch")
    net = _net(name)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(0, 0.3, size=(6, 3)), rng.normal(size=(6, 2))
    # eps = 1e-5: the truncation error of eps = 1e-4 (~eps^2) is ~1e-9 here, as for tanh
    check = cr.gradient_check(net, X, Y, eps=1e-5, exclude_kinks=True)
    assert check.rel_diff < 1e-9
    J, grad = net.loss_and_grad(X, Y)
    # the same network in torch
    params = [torch.tensor(p, requires_grad=True) for layer in net.layers
              for p in (layer.W.copy(), layer.b.copy())]
    a = torch.from_numpy(X)
    for i in range(3):
        z = a @ params[2 * i] + params[2 * i + 1]
        a = _torch_module(name)(z) if i < 2 else z
    Jt = (0.5 * ((a - torch.from_numpy(Y)) ** 2).sum(dim=1)).mean()
    Jt.backward()
    expected = np.concatenate([p.grad.numpy().ravel() for p in params])
    assert J == pytest.approx(float(Jt.detach()), rel=1e-13)
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-14)
    # and the per-example loops of chainrule.reference
    J_ref, grad_ref = reference.loss_and_grad(net, X, Y)
    assert J_ref == pytest.approx(J, rel=1e-13)
    np.testing.assert_allclose(grad_ref, grad, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NEW)
def test_a_training_step_through_the_buffered_layers_is_the_plain_gradient_step(name, dtype):
    """train() runs Dense layers on their in-place twins; one gradient-descent epoch
    is ``theta - lr * grad`` of the plain loss_and_grad."""
    net = _net(name, seed=2, dtype=dtype)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(8, 3)).astype(dtype), rng.normal(size=(8, 2)).astype(dtype)
    theta = net.params.copy()
    _, grad = net.loss_and_grad(X, Y)
    cr.train(net, X, Y, optimizer="gd", lr=0.1, epochs=1)
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(net.params, theta - 0.1 * grad, rtol=rtol, atol=rtol * 1e-2)


def test_elu_lists_zero_for_exclude_kinks():
    """f' is continuous at 0 but f'' jumps: a central difference across 0 is off by ~eps/4
    in f', so a net input exactly at 0 fails gradient_check's 1e-7 unless left out."""
    net = _net("elu", seed=4)
    rng = np.random.default_rng(5)
    X, Y = rng.normal(0, 0.3, size=(4, 3)), rng.normal(size=(4, 2))
    first = net.layers[0]
    b = first.b.copy()
    b[0] = -(X[0] @ first.W[:, 0])  # the first unit's net input on the first row: 0
    first.b = b
    assert get_activation("elu").kinks == (0.0,)
    # the one-sided second derivatives of ELU at 0 are 1 (left) and 0 (right): the central
    # difference of f at 0 is (h - expm1(-h)) / (2h), not 1
    h = 1e-4
    elu = get_activation("elu").f
    centred = (elu(np.array([h])) - elu(np.array([-h]))) / (2 * h)
    assert centred[0] == pytest.approx(1 - h / 4, rel=1e-8)
    plain = cr.gradient_check(net, X, Y)
    left_out = cr.gradient_check(net, X, Y, exclude_kinks=True)
    assert plain.rel_diff > 1e-7 and plain.verdict != "PASS"
    assert left_out.verdict == "PASS" and left_out.rel_diff < 1e-8
    assert left_out.compared < plain.compared


def test_conv2d_layers_take_the_new_activations():
    rng = np.random.default_rng(6)
    net = cr.Network([cr.Conv2D(1, 2, 3, activation="gelu", seed=0), cr.Flatten(),
                      Dense(2 * 2 * 2, 2, "silu", seed=1)], loss="squared_error",
                     input_shape=(1, 4, 4))
    X, Y = rng.normal(size=(3, 1, 4, 4)), rng.normal(size=(3, 2))
    check = cr.gradient_check(net, X, Y, eps=1e-5)  # central differences: O(eps^2) error
    assert check.verdict == "PASS" and check.rel_diff < 1e-8


@pytest.mark.parametrize("name", NEW)
def test_save_and_load_keep_the_activation(tmp_path, name):
    net = cr.mlp([3, 4, 2], hidden=name, output="identity", seed=0)
    X = np.random.default_rng(7).normal(size=(5, 3))
    back = cr.load(net.save(tmp_path / "net.npz"))
    assert [layer.activation.name for layer in back.layers] == [name, "identity"]
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimators_take_the_new_activations_and_save_them(tmp_path):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    clf = cr.MLPClassifier((6, 5), activation=["gelu", "swish"], max_iter=20,
                           learning_rate_init=0.01, random_state=0).fit(X, y)
    assert [layer.activation.name for layer in clf.network_.layers] == ["gelu", "silu",
                                                                        "sigmoid"]
    back = cr.load_estimator(clf.save(tmp_path / "clf.npz"))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    reg = cr.MLPRegressor((5,), activation="elu", max_iter=20, random_state=0).fit(X, X[:, 0])
    assert reg.network_.layers[0].activation.name == "elu"


def test_the_cli_trains_with_a_new_activation(tmp_path, capsys):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(30, 2))
    with open(tmp_path / "data.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "y"])
        writer.writerows([[f"{u:.4f}", f"{v:.4f}", int(u > v)] for u, v in X])
    model = str(tmp_path / "model.npz")
    assert main(["train", str(tmp_path / "data.csv"), "--hidden", "4", "3", "--activation",
                 "elu", "swish", "--epochs", "2", "-o", model, "--quiet"]) == 0
    assert load_metadata(model)["training"]["activation"] == ["elu", "swish"]
    assert [layer.activation.name for layer in cr.load(model).layers] == ["elu", "silu",
                                                                          "sigmoid"]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "gelu" in " ".join(capsys.readouterr().out.split())


def _gelu_d(z):
    return (1 + math.erf(z / math.sqrt(2))) / 2 + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _silu_d(z):
    s = 1 / (1 + math.exp(-z))
    return s * (1 + z * (1 - s))


# the f'(net) each trace prints, from net and out as the formula reads them
FPRIME = {"elu": lambda net, out: 1.0 if net > 0 else out + 1,
          "gelu": lambda net, out: _gelu_d(net), "silu": lambda net, out: _silu_d(net)}


@pytest.mark.parametrize("name", NEW)
def test_the_trace_prints_the_derivative_formula_and_its_numbers(name):
    W = [[[0.1, -0.2], [0.5, -0.4], [-0.3, 0.8]], [[0.05], [0.7], [-0.5]]]
    net = cr.Network.from_transfer_matrices(W, activation=[name, "sigmoid"], loss="log_loss")
    x = np.array([0.5, -1.0])
    nets = np.array(W[0]).T @ np.r_[1.0, x]  # [0.65, -1.2]: both sides of 0
    outs = net.layers[0].activation.f(nets)
    t = cr.trace(net, x, [1.0])
    lines = [line.strip() for line in t.with_notation("netout").text().splitlines()]
    for j in range(2):
        expected = FPRIME[name](float(nets[j]), float(outs[j]))
        prefix = f"dout_h{j + 1}/dnet_h{j + 1} = "
        (line,) = [ln for ln in lines if ln.startswith(prefix)]
        assert line.endswith(f" = {fmt(expected)}")
        assert "'" not in line  # a formula, not "elu'(net_h1)"
    expected = [FPRIME[name](float(n), float(o)) for n, o in zip(nets, outs, strict=True)]
    np.testing.assert_allclose(t.step.layers[0].fprime, expected, rtol=1e-14)
    for notation, fprime in (("transfer", "phi'(s^(1))"), ("ufldl", "f'(z^(2))")):
        text = t.with_notation(notation).text()
        (line,) = [ln for ln in text.splitlines() if ln.strip().startswith(f"{fprime} = ")]
        assert f"{name}'" not in line
    mathtext = pytest.importorskip("matplotlib.mathtext")
    parser = mathtext.MathTextParser("agg")
    for notation in ("transfer", "ufldl", "netout"):  # the LaTeX of each f' line typesets
        md = t.with_notation(notation).markdown()
        key = {"elu": r"\end{cases}", "gelu": r"\mathrm{erf}", "silu": r"\sigma"}[name]
        formulas = [f for f in re.findall(r"\$\$(.+?)\$\$", md, re.S) if key in f]
        assert formulas
        for formula in formulas:  # ELU's two branches are cases, which mathtext has not
            parser.parse("$" + re.sub(r"\\begin\{cases\}.*?\\end\{cases\}", "f", formula) + "$")


@pytest.mark.parametrize("name", ["elu", "gelu", "silu", "swish"])
def test_auto_init_gives_the_relu_like_activations_he_weights(name):
    """"auto": He normal for the ReLU family in every builder, as for relu itself."""
    net = cr.mlp([5, 7, 2], hidden=name, output="softmax", seed=0)
    ref = cr.mlp([5, 7, 2], hidden=name, output="softmax", seed=0, init="he_normal")
    assert np.array_equal(net.layers[0].W, ref.layers[0].W)
    spec = [{"type": "Dense", "fan_out": 7, "activation": name}]
    built = cr.network_from_layers(spec, input_shape=5, seed=0)
    assert built.layers[0].init == "he_normal"
    conv = cr.Conv2D(1, 2, 3, activation=name, seed=0)
    assert np.array_equal(conv.W, cr.Conv2D(1, 2, 3, activation=name, init="he_normal",
                                            seed=0).W)
    est = cr.MLPClassifier(hidden_layer_sizes=(7,), activation=name, init="auto")
    assert est._layer_init(cr.activations.get_activation(name)) == "he_normal"
    assert cr.initializers.auto_init("tanh") == "glorot_uniform"


def test_the_corner_at_zero_takes_the_left_derivative_as_documented():
    """relu'(0) = 0 and leaky_relu'(0) = 0.01, as PyTorch's autograd gives them, in the plain
    derivative, the buffered training step's twin and a network's gradient; step(0) =
    sign(0) = 1; and the README says so (it did not say which value the corner takes)."""
    from pathlib import Path

    torch = pytest.importorskip("torch")
    z = np.array([[-0.0, 0.0, 1e-300, -1e-300]])
    for name, module in [("relu", torch.nn.ReLU()), ("leaky_relu", torch.nn.LeakyReLU(0.01))]:
        t = torch.tensor(z, requires_grad=True)
        module(t).sum().backward()
        act = get_activation(name)
        np.testing.assert_array_equal(act.derivative(z, act.f(z)), t.grad.numpy())
    np.testing.assert_array_equal(t.grad.numpy(), [[0.01, 0.01, 1.0, 0.01]])
    from chainrule._activations_inplace import _DELTA_INTO

    relu = get_activation("relu")  # the training step's twin of relu's delta (a > 0)
    out, mask = np.empty_like(z), np.empty(z.shape, dtype=bool)
    delta = _DELTA_INTO["relu"](z, relu.f(z), np.ones_like(z), out, mask)
    np.testing.assert_array_equal(delta, [[0.0, 0.0, 1.0, 0.0]])
    # one Dense relu layer at W = 0, b = 0: every net input is exactly 0, so with f'(0) = 0
    # no gradient reaches W or b, by hand
    net = Network([Dense(2, 3, "relu", init="zeros")], loss="squared_error")
    X, Y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.ones((2, 3))
    _, grad = net.loss_and_grad(X, Y)
    np.testing.assert_array_equal(grad, np.zeros(9))
    for name in ("step", "sign"):
        np.testing.assert_array_equal(get_activation(name).f(np.array([0.0, -0.0])), [1.0, 1.0])
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "relu'(0) = 0, leaky_relu'(0) = 0.01; step(0) = sign(0) = 1" in readme


def test_the_readme_lists_every_activation_and_loss_with_its_aliases():
    """README's lists named neither the aliases that get_activation and get_loss take
    (linear, logistic, heaviside; mse, binary_cross_entropy, nll) nor leaky_relu's slope."""
    from pathlib import Path

    from chainrule.activations import ACTIVATIONS, ALIASES, LEAKY_SLOPE
    from chainrule.losses import ALIASES as LOSS_ALIASES
    from chainrule.losses import LOSSES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    acts = readme.split("* **Activations** ", 1)[1].split("* **Losses** ", 1)[0]
    losses = readme.split("* **Losses** ", 1)[1].split("\n* ", 1)[0]
    words = set(re.findall(r"[a-z_]+", acts))
    for name, target in ALIASES.items():
        assert name in words and target in words
        assert re.search(rf"{target} \(alias {name}\b", " ".join(acts.split())), name
    assert {n for n, a in ACTIVATIONS.items() if a.builtin} <= words
    assert f"leaky_relu (slope {LEAKY_SLOPE:g} below 0)" in " ".join(acts.split())
    flat = " ".join(losses.split())
    for name, target in LOSS_ALIASES.items():
        assert re.search(rf"`{target}` \(alias `{name}`", flat), name
    assert all(f"`{name}`" in flat for name in LOSSES)
    # the outputs that suit poisson (its logit paths): exp and softplus
    assert "with an `exp` or `softplus` output" in flat
    assert set(LOSSES["poisson"].outputs) == {"exp", "softplus"}
    # and no more: every alias README names is one the code takes, for what README says
    listed = dict(re.findall(r"([a-z_]+) \(alias ([a-z_]+)", " ".join(acts.split())))
    assert {alias: target for target, alias in listed.items()} == ALIASES
    listed = re.findall(r"`([a-z_]+)` \(alias `([a-z_]+)`", flat)  # a loss may have two
    assert {alias: target for target, alias in listed} == LOSS_ALIASES
