"""trace_layernorm and ``chainrule trace-conv --layernorm``: one LayerNorm step, number by
number, against plain-Python loops of the formulas (a hand-worked 2x3 example), the layer's
own forward and backward, PyTorch's autograd and central differences."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import LayerNorm
from chainrule.tracing import LayerNormTrace, trace_layernorm
from file_helpers import cli_fails, cli_out


def _loops(x, gamma, beta, eps, dout):
    """cs231n's layernorm_forward / layernorm_backward, written as plain-Python loops over
    the rows i and features j of lists: the graph's steps and the compact formula."""
    n, D = len(x), len(x[0])
    mu = [sum(x[i]) / D for i in range(n)]
    var = [sum((x[i][j] - mu[i]) ** 2 for j in range(D)) / D for i in range(n)]
    std = [math.sqrt(var[i] + eps) for i in range(n)]
    xhat = [[(x[i][j] - mu[i]) / std[i] for j in range(D)] for i in range(n)]
    y = [[gamma[j] * xhat[i][j] + beta[j] for j in range(D)] for i in range(n)]
    dbeta = [sum(dout[i][j] for i in range(n)) for j in range(D)]
    dgamma = [sum(dout[i][j] * xhat[i][j] for i in range(n)) for j in range(D)]
    dxhat = [[dout[i][j] * gamma[j] for j in range(D)] for i in range(n)]
    dvar, dmu, steps, compact = [], [], [], []
    for i in range(n):
        dev = [x[i][j] - mu[i] for j in range(D)]
        dv = -0.5 * (var[i] + eps) ** -1.5 * sum(dxhat[i][j] * dev[j] for j in range(D))
        dm = -sum(dxhat[i]) / std[i] + dv * (-2.0 / D) * sum(dev)
        dvar.append(dv)
        dmu.append(dm)
        steps.append([dxhat[i][j] / std[i] + dv * 2 * dev[j] / D + dm / D for j in range(D)])
        s1 = sum(dxhat[i])
        s2 = sum(dxhat[i][k] * xhat[i][k] for k in range(D))
        compact.append([(D * dxhat[i][j] - s1 - xhat[i][j] * s2) / (D * std[i])
                        for j in range(D)])
    return dict(mu=mu, var=var, std=std, xhat=xhat, y=y, dbeta=dbeta, dgamma=dgamma,
                dxhat=dxhat, dvar=dvar, dmu=dmu, dx_steps=steps, dx_compact=compact)


X_HAND = [[1.0, 1.0, 4.0], [0.0, 3.0, 3.0]]
GAMMA, BETA, EPS = [1.0, 2.0, 0.5], [0.0, 1.0, -1.0], 2.0
DOUT = [[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]]


def test_the_hand_worked_2x3_example():
    """x rows (1, 1, 4) and (0, 3, 3), eps = 2, by hand: both rows have mean 2 and variance
    (1 + 1 + 4)/3 = (4 + 1 + 1)/3 = 2, so sqrt(var + eps) = 2; xhat = (-0.5, -0.5, 1) and
    (-1, 0.5, 0.5); y = gamma xhat + beta = (-0.5, 0, -0.5) and (-1, 2, -0.75).
    dbeta = (1, 1, 1); dgamma = (-0.5, 0.5, 2 - 0.5) = (-0.5, 0.5, 1.5).
    Row 0: dxhat = dout gamma = (1, 0, 1); dvar = -1/2 * 4^(-3/2) * (-1 + 0 + 2) = -1/16;
    dmu = -(1 + 0 + 1)/2 = -1; dx[0,0] = 1/2 + (-1/16) * 2 * (-1)/3 + (-1)/3 = 5/24, and by
    the compact formula (3*1 - 2 - (-0.5) * 0.5) / (3*2) = 1.25/6 = 5/24 too.
    The plain-Python loops give every other number."""
    layer = LayerNorm(3, eps=EPS)
    layer.gamma, layer.beta = GAMMA, BETA
    t = trace_layernorm(layer, X_HAND, DOUT)
    assert isinstance(t, LayerNormTrace)
    assert t.mu.tolist() == [2.0, 2.0] and t.var.tolist() == [2.0, 2.0]
    assert t.std.tolist() == [2.0, 2.0]
    assert t.xhat.tolist() == [[-0.5, -0.5, 1.0], [-1.0, 0.5, 0.5]]
    assert t.y.tolist() == [[-0.5, 0.0, -0.5], [-1.0, 2.0, -0.75]]
    assert t.dbeta.tolist() == [1.0, 1.0, 1.0] and t.dgamma.tolist() == [-0.5, 0.5, 1.5]
    assert t.dxhat[0].tolist() == [1.0, 0.0, 1.0] and t.dvar[0] == -0.0625 and t.dmu[0] == -1
    for dx in (t.dx_steps, t.dx_compact, t.dx):
        assert dx[0, 0] == pytest.approx(5 / 24, rel=1e-15)
    ref = _loops(X_HAND, GAMMA, BETA, EPS, DOUT)
    for key, want in ref.items():
        np.testing.assert_allclose(getattr(t, key), want, rtol=1e-14, atol=1e-15, err_msg=key)
    np.testing.assert_allclose(t.dx, ref["dx_compact"], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(t.dx_terms.sum(axis=-1), ref["dx_steps"], rtol=1e-15)
    lines = t.text().splitlines()
    assert lines[0].startswith("LayerNorm(3): x (2, 3), each example normalised over its 3")
    for line in ["mu[1] = (x[1,0] + x[1,1] + x[1,2]) / 3", "  = (0 + 3 + 3) / 3 = 2",
                 "  = ((-1)^2 + (-1)^2 + 2^2) / 3 = 2", "sqrt(var[0] + eps) = sqrt(2 + 2) = 2",
                 "xhat[1,0] = (x[1,0] - mu[1]) / sqrt(var[1] + eps) = (0 - 2) / 2 = -1",
                 "y[1,2] = gamma[2]*xhat[1,2] + beta[2] = 0.5*0.5 + (-1) = -0.75",
                 "dgamma[2] = dout[0,2]*xhat[0,2] + dout[1,2]*xhat[1,2]",
                 "  = 2*1 + (-1)*0.5 = 1.5",
                 "dxhat[1,1] = dout[1,1]*gamma[1] = 1*2 = 2",
                 "  = (-0.0625) * (1*(-1) + 0*(-1) + 1*2) = -0.0625",
                 "sum_k dxhat[0,k] = 1 + 0 + 1 = 2",
                 "dx[0,0] = 0.166667 * (3*1 - 2 - (-0.5)*0.5) = 0.208333; the layer's "
                 "dx[0,0] = 0.208333"]:
        assert line in lines, line
    assert lines[-1].startswith("the trace and the layer agree: max |diff| xhat 0, y 0; dx ")
    assert layer.dgamma.tolist() == [0.0, 0.0, 0.0] and layer.Xhat is None  # a copy ran


def _random(seed=38, n=4, D=5):
    rng = np.random.default_rng(seed)
    return (rng.normal(1.0, 2.0, (n, D)), rng.normal(size=D), rng.normal(size=D),
            rng.normal(size=(n, D)))


def test_a_random_batch_equals_the_layer_torch_and_central_differences():
    x, gamma, beta, dout = _random()
    layer = LayerNorm(5, eps=1e-3)
    layer.gamma, layer.beta = gamma, beta
    t = trace_layernorm(layer, x, dout)
    # the layer's own forward and backward, run here on the layer itself
    y = layer.forward(x, training=True)
    dx = layer.backward(dout)
    for got, want in ((t.y, y), (t.dx_steps, dx), (t.dx_compact, dx), (t.dx, dx),
                      (t.dgamma, layer.dgamma), (t.dbeta, layer.dbeta)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    ref = _loops(x.tolist(), gamma.tolist(), beta.tolist(), 1e-3, dout.tolist())
    for key, want in ref.items():
        np.testing.assert_allclose(getattr(t, key), want, rtol=1e-12, atol=1e-13, err_msg=key)
    # central differences of J = sum(dout * y) in x, gamma and beta

    def J(p):
        mu = p["x"].mean(axis=1, keepdims=True)
        xh = (p["x"] - mu) / np.sqrt(((p["x"] - mu) ** 2).mean(axis=1, keepdims=True) + 1e-3)
        return float((dout * (p["gamma"] * xh + p["beta"])).sum())

    h, point = 1e-6, {"x": x, "gamma": gamma, "beta": beta}
    for name, grad in (("x", t.dx_steps), ("gamma", t.dgamma), ("beta", t.dbeta)):
        num = np.zeros_like(point[name])
        for idx in np.ndindex(num.shape):
            up, down = point[name].copy(), point[name].copy()
            up[idx] += h
            down[idx] -= h
            num[idx] = (J({**point, name: up}) - J({**point, name: down})) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8, err_msg=name)
    torch = pytest.importorskip("torch")
    ln = torch.nn.LayerNorm(5, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(gamma))
        ln.bias.copy_(torch.from_numpy(beta))
    tx = torch.from_numpy(x).requires_grad_(True)
    out = ln(tx)
    out.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(t.y, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    for got in (t.dx_steps, t.dx_compact):
        np.testing.assert_allclose(got, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t.dgamma, ln.weight.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(t.dbeta, ln.bias.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_one_example_and_a_float32_layer():
    """A single row is an example LayerNorm normalises (unlike BatchNorm's batch); a float32
    layer is traced with its float32 results, the trace's float64 sums within its rounding."""
    t = trace_layernorm(LayerNorm(3), [[1.0, 2.0, 6.0]], [[1.0, 0.0, 0.0]])
    assert t.mu.tolist() == [3.0] and t.var.tolist() == [pytest.approx(14 / 3, rel=1e-15)]
    ref = _loops([[1.0, 2.0, 6.0]], [1.0] * 3, [0.0] * 3, 1e-5, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(t.dx, ref["dx_compact"], rtol=1e-13)
    x, gamma, beta, dout = _random(seed=5, n=3, D=4)
    layer = LayerNorm(4, dtype=np.float32)
    layer.gamma, layer.beta = gamma, beta
    t32 = trace_layernorm(layer, x.astype(np.float32), dout)
    ref = _loops(x.astype(np.float32).astype(float).tolist(),
                 gamma.astype(np.float32).astype(float).tolist(),
                 beta.astype(np.float32).astype(float).tolist(), 1e-5, dout.tolist())
    np.testing.assert_allclose(t32.dx, ref["dx_compact"], rtol=1e-4, atol=1e-5)
    assert max(t32.max_diff.values()) < 1e-4


def test_the_json_output_has_every_array(capsys):
    got = json.loads(cli_out(capsys, [
        "trace-conv", "--input", json.dumps(X_HAND), "--layernorm", "--gamma",
        json.dumps(GAMMA), "--beta", json.dumps(BETA), "--eps", "2", "--dout",
        json.dumps(DOUT), "--format", "json"]))
    assert {"layer", "eps", "X", "gamma", "beta", "mu", "var", "std", "xhat", "y", "dout",
            "dgamma", "dbeta", "dxhat", "dvar", "dmu", "dx_terms", "dx_steps", "dx_compact",
            "dx", "max_diff"} <= set(got)
    assert got["layer"] == "LayerNorm(3)" and got["eps"] == 2.0
    ref = _loops(X_HAND, GAMMA, BETA, EPS, DOUT)
    for key, want in ref.items():
        np.testing.assert_allclose(got[key], want, rtol=1e-14, atol=1e-15, err_msg=key)
    np.testing.assert_allclose(got["dx"], ref["dx_steps"], rtol=1e-14, atol=1e-15)
    assert np.shape(got["dx_terms"]) == (2, 3, 3) and max(got["max_diff"].values()) < 1e-14


def test_the_command_line_text_scalar_gamma_and_one_example(capsys):
    text = cli_out(capsys, ["trace-conv", "--input", "[[1,2,3],[4,0,-1]]", "--layernorm"])
    assert "  = (4 + 0 + (-1)) / 3 = 1" in text.splitlines()
    dx = [float(line.rsplit("= ", 1)[1]) for line in text.splitlines()
          if line.startswith("dx[") and "the layer's" in line]
    assert len(dx) == 6 and max(abs(v) for v in dx) < 1e-15  # dout of ones, one gamma: dx 0
    text = cli_out(capsys, ["trace-conv", "--input", "[1,2,6]", "--layernorm", "--gamma", "2",
                            "--beta", "0.5", "--dout", "[1,0,0]", "--digits", "4"])
    ref = _loops([[1.0, 2.0, 6.0]], [2.0] * 3, [0.5] * 3, 1e-5, [[1.0, 0.0, 0.0]])
    assert f"the layer's dx[0,0] = {ref['dx_compact'][0][0]:.4g}" in text
    assert f"y[0,2] = gamma[2]*xhat[0,2] + beta[2] = 2*{ref['xhat'][0][2]:.4g} + 0.5 = " \
           f"{ref['y'][0][2]:.4g}" in text


@pytest.mark.parametrize(("argv", "said"), [
    (["--input", "[1, [2]]", "--layernorm"], "--input: expected nested lists of numbers"),
    (["--input", "[[[1]]]", "--layernorm"], "--input: expected 1-D or 2-D nested lists"),
    (["--input", "[[1, 2]]", "--layernorm", "--eps", "0"], "--eps: eps must be"),
    (["--input", "[[1, 2]]", "--layernorm", "--gamma", "[1, 2, 3]"],
     "--gamma: gamma must have shape (2,)"),
    (["--input", "[[1, 2]]", "--layernorm", "--beta", "[[1]]"], "--beta: expected 0-D or 1-D"),
    (["--input", "[[1, 2]]", "--layernorm", "--dout", "[[1, 2], [3, 4]]"],
     "--dout: expected --input's shape (1, 2), got (2, 2)"),
    (["--input", "[[1, 2]]", "--layernorm", "--batchnorm"],
     "argument --batchnorm: not allowed with argument --layernorm"),
    (["--input", "[[1, 2]]", "--layernorm", "--stride", "2"],
     "--stride: the traced LayerNorm layer has none"),
    (["--input", "[[1, 2]]", "--layernorm", "--activation", "relu"],
     "--activation: the traced LayerNorm layer has none"),
    (["--input", "[[1, 2]]", "--layernorm", "--seed", "3"], "--seed: only --dropout takes it"),
    (["--input", "[[1, 2]]", "--pool", "2", "--eps", "2"],
     "--eps: only --batchnorm and --layernorm take it"),
    (["--input", "[]", "--layernorm"],
     "--input: expected at least one example of at least one value, got shape (1, 0)"),
    (["--input", "[[1, NaN]]", "--layernorm"],
     "--input: expected finite numbers, got '[[1, NaN]]'"),
    (["--input", "[[1], [Infinity]]", "--batchnorm"], "--input: expected finite numbers"),
    (["--input", "[[1, 2], [3, 4]]", "--kernel", "[[NaN]]"], "--kernel: expected finite numbers"),
])
def test_the_command_line_refuses_by_name(capsys, argv, said):
    assert said in cli_fails(capsys, ["trace-conv", *argv])


def test_the_function_refuses_and_checks_the_layer():
    with pytest.raises(TypeError, match="layer must be a chainrule LayerNorm, got BatchNorm"):
        trace_layernorm(cr.BatchNorm(2), [[1.0, 2.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="normalises images"):
        trace_layernorm(LayerNorm((1, 2, 2)), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="activation 'tanh'"):
        trace_layernorm(LayerNorm(2, activation="tanh"), [[1.0, 2.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="has no gamma and beta"):
        trace_layernorm(LayerNorm(2, elementwise_affine=False), [[1.0, 2.0]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\).*got shape \(2,\)"):
        trace_layernorm(LayerNorm(2), [1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"dout must have X's shape \(1, 2\), got \(2,\)"):
        trace_layernorm(LayerNorm(2), [[1.0, 2.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="more than max_entries=4"):
        trace_layernorm(LayerNorm(1), np.ones((5, 1)), np.ones((5, 1)), max_entries=4)
    with pytest.raises(ValueError, match=r"X must hold finite numbers, got nan at \[1, 0\]"):
        trace_layernorm(LayerNorm(2), [[1.0, 2.0], [np.nan, 1.0]], np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"dout must hold finite numbers, got -inf at \[0, 1\]"):
        trace_layernorm(LayerNorm(2), [[1.0, 2.0]], [[1.0, -np.inf]])
    with pytest.raises(ValueError, match="digits"):
        trace_layernorm(LayerNorm(2), [[1.0, 2.0]], [[1.0, 1.0]], digits=0)

    class Off(LayerNorm):  # a backward 1 % off: the trace, checked against it, says so
        def backward_delta(self, delta, need_input_grad=True):
            return 1.01 * super().backward_delta(delta, need_input_grad)

    with pytest.raises(RuntimeError, match="the trace's dx_steps differs from the layer's"):
        trace_layernorm(Off(3), [[1.0, 2.0, 6.0]], [[1.0, 0.0, 0.0]])
