"""LeCun et al.'s scaled tanh, f(z) = 1.7159 tanh(2z/3) ("Efficient BackProp", 4.4), as
the built-in activation "lecun_tanh".

References: the formula and its derivative written out here in NumPy, PyTorch's autograd of
1.7159 * torch.tanh(2 z / 3), central differences of f, the scalar reference backprop
(chainrule.reference), and the paper's claims: f(+-1) = +-1, the second derivative at its
largest near z = 1, the effective gain close to 1 over the useful range."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import reference
from chainrule.activations import OUTPUT_RANGES, get_activation

Z = np.concatenate([np.linspace(-30.0, 30.0, 601), [-1e4, -1.0, -1e-300, 0.0, 1.0, 1e4]])


def _f(z):
    return 1.7159 * np.tanh(2 * z / 3)


def _df(z):
    return 1.7159 * 2 / 3 / np.cosh(2 * z / 3) ** 2


def test_values_and_derivative_match_the_formula_and_central_differences():
    act = get_activation("lecun_tanh")
    z = Z.reshape(1, -1)
    a = act.f(z)
    np.testing.assert_allclose(a, _f(z), rtol=1e-15, atol=0)
    with np.errstate(over="ignore"):  # cosh overflows at 1e4: 1/inf is the 0 wanted
        np.testing.assert_allclose(act.derivative(z, a), _df(z), rtol=1e-12, atol=1e-15)
    zs = np.linspace(-4, 4, 81)
    h = 1e-5
    central = (_f(zs + h) - _f(zs - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(zs, act.f(zs)), central, rtol=1e-9, atol=1e-12)
    assert act.from_output and act.builtin and act.elementwise


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_and_derivative_match_torch_autograd(dtype):
    torch = pytest.importorskip("torch")
    z = Z[np.abs(Z) < 100].astype(dtype)
    t = torch.tensor(z.astype(np.float64), requires_grad=True)
    out = 1.7159 * torch.tanh(2 * t / 3)
    out.sum().backward()
    act = get_activation("lecun_tanh")
    a = act.f(z)
    d = act.derivative(z, a)
    assert a.dtype == dtype and d.dtype == dtype
    tol = 1e-14 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(d, t.grad.numpy(), rtol=tol, atol=tol)


def test_the_papers_figures():
    act = get_activation("lecun_tanh")
    # f(+-1) = +-1: 1.7159 is 1 / tanh(2/3) to five digits
    np.testing.assert_allclose(act.f(np.array([-1.0, 1.0])), [-1.0, 1.0], atol=3e-6)
    assert 1 / np.tanh(2 / 3) == pytest.approx(1.7159, abs=1e-4)
    # |f''| largest near z = 1: f'' by central differences of chainrule's f', on a grid
    z = np.linspace(0, 3, 30_001)
    h = 1e-5
    d2 = (act.derivative(z + h, act.f(z + h)) - act.derivative(z - h, act.f(z - h))) / (2 * h)
    peak = z[np.argmax(np.abs(d2))]
    assert peak == pytest.approx(1.5 * np.arctanh(1 / np.sqrt(3)), abs=2e-4)  # 0.9877
    assert abs(peak - 1) < 0.013
    # the gain f'(0) = 1.7159 * 2/3 = 1.1439, and the output's second moment for a
    # unit-variance input, E[f(z)^2] for z ~ N(0, 1) by Gauss-Hermite quadrature: 0.750
    # (tanh's 0.394), chainrule's f on a large sample agreeing
    assert act.derivative(np.zeros(1), act.f(np.zeros(1)))[0] == pytest.approx(1.7159 * 2 / 3)
    x, w = np.polynomial.hermite_e.hermegauss(80)
    second_moment = np.sum(w * _f(x) ** 2) / np.sqrt(2 * np.pi)
    assert second_moment == pytest.approx(0.7504, abs=1e-4)
    assert np.sum(w * np.tanh(x) ** 2) / np.sqrt(2 * np.pi) == pytest.approx(0.3943, abs=1e-4)
    assert second_moment == pytest.approx(float(np.mean(act.f(
        np.random.default_rng(0).standard_normal(400_000)) ** 2)), abs=5e-3)
    assert OUTPUT_RANGES["lecun_tanh"] == (-1.7159, 1.7159)
    assert act.f(np.array([1e4]))[0] == 1.7159


def test_a_network_with_it_passes_the_gradient_check_and_matches_the_scalar_reference():
    net = cr.Network([cr.Dense(3, 4, "lecun_tanh", seed=0), cr.Dense(4, 2, "lecun_tanh",
                                                                     seed=1)],
                     loss="squared_error")
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(-1, 1, size=(5, 2))
    result = cr.gradient_check(net, X, Y)
    assert result.verdict == "PASS", result
    J, _ = net.loss_and_grad(X, Y)
    # the same network's gradient by hand in NumPy
    (l1, l2) = net.layers
    A1 = _f(X @ l1.W + l1.b)
    A2 = _f(A1 @ l2.W + l2.b)
    D2 = (A2 - Y) * (2 / 3) * (1.7159 - A2**2 / 1.7159) / len(X)
    D1 = (D2 @ l2.W.T) * (2 / 3) * (1.7159 - A1**2 / 1.7159)
    assert J == pytest.approx(0.5 * np.mean(np.sum((A2 - Y) ** 2, axis=1)), rel=1e-13)
    np.testing.assert_allclose(l2.dW, A1.T @ D2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(l1.dW, X.T @ D1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(l1.db, D1.sum(axis=0), rtol=1e-12, atol=1e-15)
    # the scalar reference (chainrule.reference) on one example
    assert "lecun_tanh" in reference._SCALAR
    z = 0.37
    f, df = reference._SCALAR["lecun_tanh"]
    assert f(z) == pytest.approx(_f(z), rel=1e-15) and df(z) == pytest.approx(_df(z), rel=1e-14)


def test_the_trace_prints_its_derivative_formula_with_the_numbers():
    W = [[[0.1, -0.2], [0.5, -0.4], [-0.3, 0.8]], [[0.05], [0.7], [-0.5]]]
    net = cr.Network.from_transfer_matrices(W, activation=["lecun_tanh", "identity"],
                                            loss="squared_error")
    x = np.array([0.5, -1.0])
    nets = np.array(W[0]).T @ np.r_[1.0, x]
    t = cr.trace(net, x, [0.3])
    np.testing.assert_allclose(t.step.layers[0].fprime, _df(nets), rtol=1e-13)
    text = t.with_notation("netout").text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("dout_h1/dnet_h1")]
    assert lines and "2/3 (1.7159 - out_h1^2 / 1.7159)" in lines[0], lines
    assert "lecun_tanh'" not in text
    mathtext = pytest.importorskip("matplotlib.mathtext")
    parser = mathtext.MathTextParser("agg")
    for notation in ("transfer", "ufldl", "netout"):
        md = t.with_notation(notation).markdown()
        formulas = [f for f in re.findall(r"\$\$(.+?)\$\$", md, re.S) if "1.7159" in f]
        assert formulas, notation
        for formula in formulas:
            parser.parse(f"${formula}$")


def test_a_saved_model_keeps_it(tmp_path):
    net = cr.mlp([2, 3, 1], hidden="lecun_tanh", output="identity", seed=0)
    path = tmp_path / "m.npz"
    from chainrule.io import load, save

    save(net, path)
    back = load(path)
    assert back.layers[0].activation.name == "lecun_tanh"
    X = np.array([[0.2, -0.7]])
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_chainrule_trace_takes_it_by_name(capsys):
    from chainrule.cli import main

    assert main(["trace", "--weights", "[[[1.5]],[[1.0]]]", "--layout", "chainrule",
                 "--activation", "lecun_tanh", "identity", "--loss", "squared_error",
                 "--input", "1", "--target", "0", "--digits", "6"]) == 0
    out = capsys.readouterr().out
    assert "2/3 (1.7159 - " in out
    assert f"{_f(1.5):.6g}" in out  # the hidden unit's output, 1.7159 tanh(1)
