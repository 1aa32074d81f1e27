"""trace_batchnorm and ``chainrule trace-conv --batchnorm``: one BatchNorm training step,
number by number, against a hand-worked batch, plain NumPy and PyTorch's autograd."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import BatchNorm
from chainrule.tracing import trace_batchnorm
from file_helpers import cli_fails, cli_out


def test_the_hand_worked_example():
    """x = (4, 4, 1), gamma = 3, beta = 1, eps = 2, dout = (1, 0, 2), by hand:

    mu = 9/3 = 3; deviations (1, 1, -2); var = (1 + 1 + 4)/3 = 2; sqrt(var + eps) = 2;
    xhat = (0.5, 0.5, -1); y = 3 xhat + 1 = (2.5, 2.5, -2).
    dbeta = 1 + 0 + 2 = 3; dgamma = 0.5 + 0 - 2 = -1.5; dxhat = 3 dout = (3, 0, 6);
    dvar = -1/2 * 4^(-3/2) * (3*1 + 0*1 + 6*(-2)) = -1/16 * (-9) = 0.5625;
    dmu = -(3 + 0 + 6)/2 + dvar * (-2/3) * 0 = -4.5;
    dx_i = dxhat_i/2 + dvar * 2 dev_i/3 + dmu/3:
      dx_0 = 1.5 + 0.375 - 1.5 = 0.375, dx_1 = 0 + 0.375 - 1.5 = -1.125,
      dx_2 = 3 - 0.75 - 1.5 = 0.75  (they sum to 0);
    compact: 3/(3*2) * (3 dout - dbeta - xhat dgamma) = 0.5 * (0.75, -2.25, 1.5), the same.
    Every number is a binary fraction, so the trace's and the layer's are exact.
    """
    layer = BatchNorm(1, eps=2.0)
    layer.gamma, layer.beta = [3.0], [1.0]
    t = trace_batchnorm(layer, [[4.0], [4.0], [1.0]], [[1.0], [0.0], [2.0]])
    assert t.mu.tolist() == [3.0] and t.var.tolist() == [2.0] and t.std.tolist() == [2.0]
    assert t.xhat[:, 0].tolist() == [0.5, 0.5, -1.0]
    assert t.y[:, 0].tolist() == [2.5, 2.5, -2.0]
    assert t.dbeta.tolist() == [3.0] and t.dgamma.tolist() == [-1.5]
    assert t.dxhat[:, 0].tolist() == [3.0, 0.0, 6.0]
    assert t.dvar.tolist() == [0.5625] and t.dmu.tolist() == [-4.5]
    np.testing.assert_array_equal(t.dx_terms[:, 0], [[1.5, 0.375, -1.5], [0.0, 0.375, -1.5],
                                                     [3.0, -0.75, -1.5]])
    for dx in (t.dx_steps, t.dx_compact, t.dx):
        assert dx[:, 0].tolist() == [0.375, -1.125, 0.75]
    lines = t.text().splitlines()
    for line in ["mu[0] = (x[0,0] + x[1,0] + x[2,0]) / 3", "  = (4 + 4 + 1) / 3 = 3",
                 "  = (1^2 + 1^2 + (-2)^2) / 3 = 2", "sqrt(var[0] + eps) = sqrt(2 + 2) = 2",
                 "xhat[2,0] = (x[2,0] - mu[0]) / sqrt(var[0] + eps) = (1 - 3) / 2 = -1",
                 "y[0,0] = gamma[0]*xhat[0,0] + beta[0] = 3*0.5 + 1 = 2.5",
                 "  = 1 + 0 + 2 = 3", "  = 1*0.5 + 0*0.5 + 2*(-1) = -1.5",
                 "  = (-0.0625) * (3*1 + 0*1 + 6*(-2)) = 0.5625",
                 "  = 3 + (-0.75) + (-1.5) = 0.75",
                 "dx[1,0] = 0.5 * (3*0 - 3 - 0.5*(-1.5)) = -1.125; the layer's dx[1,0] = -1.125"]:
        assert line in lines, line
    assert "max |diff| 0 (steps), 0 (compact); dgamma 0, dbeta 0" in lines[-1]
    assert layer.dgamma.tolist() == [0.0] and layer.running_mean.tolist() == [0.0]  # a copy ran


def _numpy_bn(x, gamma, beta, eps, dout):
    """cs231n's batchnorm forward and the graph's backward, written out in NumPy."""
    n = x.shape[0]
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = xc / std
    y = gamma * xhat + beta
    dxhat = dout * gamma
    dstd = -(dxhat * xc).sum(axis=0) / std ** 2
    dvar = 0.5 * dstd / std
    dxc = dxhat / std + 2.0 * xc / n * dvar
    dx = dxc - dxc.mean(axis=0)
    return y, (dout * xhat).sum(axis=0), dout.sum(axis=0), dvar, dx


def test_a_random_batch_equals_numpy_and_torch():
    rng = np.random.default_rng(31)
    x = rng.normal(2.0, 3.0, (5, 3))
    gamma, beta, dout = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(5, 3))
    layer = BatchNorm(3, eps=1e-3)
    layer.gamma, layer.beta = gamma, beta
    t = trace_batchnorm(layer, x, dout)
    y, dgamma, dbeta, dvar, dx = _numpy_bn(x, gamma, beta, 1e-3, dout)
    np.testing.assert_allclose(t.y, y, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(t.dvar, dvar, rtol=1e-12)
    for got, want in ((t.dgamma, dgamma), (t.dbeta, dbeta), (t.dx, dx), (t.dx_steps, dx),
                      (t.dx_compact, dx)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t.dmu, -(dout * gamma).sum(axis=0) / np.sqrt(x.var(0) + 1e-3),
                               rtol=1e-12)
    torch = pytest.importorskip("torch")
    bn = torch.nn.BatchNorm1d(3, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    tx = torch.from_numpy(x).requires_grad_(True)
    out = bn.train()(tx)
    out.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(t.y, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t.dx_steps, tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(t.dgamma, bn.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.dbeta, bn.bias.grad.numpy(), rtol=1e-12)


def test_the_json_output_has_every_array(capsys):
    x, dout = [[1, 2], [3, 5], [4, 0]], [[1, 0.5], [-2, 1], [0.5, 3]]
    got = json.loads(cli_out(capsys, [
        "trace-conv", "--input", json.dumps(x), "--batchnorm", "--gamma", "[2, 0.5]",
        "--beta", "1", "--eps", "0.01", "--dout", json.dumps(dout), "--format", "json"]))
    assert {"layer", "eps", "X", "gamma", "beta", "mu", "var", "std", "xhat", "y", "dout",
            "dgamma", "dbeta", "dxhat", "dvar", "dmu", "dx_terms", "dx_steps", "dx_compact",
            "dx", "max_diff"} <= set(got)
    assert got["layer"] == "BatchNorm(2, eps=0.01)" and got["eps"] == 0.01
    assert got["gamma"] == [2.0, 0.5] and got["beta"] == [1.0, 1.0]
    y, dgamma, dbeta, _, dx = _numpy_bn(np.array(x, float), np.array([2.0, 0.5]), 1.0,
                                        0.01, np.array(dout))
    np.testing.assert_allclose(got["mu"], [8 / 3, 7 / 3], rtol=1e-15)
    np.testing.assert_allclose(got["y"], y, rtol=1e-13)
    np.testing.assert_allclose(got["dx"], dx, rtol=1e-12)
    np.testing.assert_allclose(np.sum(got["dx_terms"], axis=-1), dx, rtol=1e-12)
    np.testing.assert_allclose(got["dgamma"], dgamma, rtol=1e-13)
    np.testing.assert_allclose(got["dbeta"], dbeta, rtol=1e-15)
    assert np.shape(got["dx_terms"]) == (3, 2, 3) and max(got["max_diff"].values()) < 1e-14


def test_dout_of_ones_gives_dx_zero(capsys):
    text = cli_out(capsys, ["trace-conv", "--input", "[[1, 2], [3, 5], [4, 0]]", "--batchnorm"])
    assert "feature 1, backward:" in text and "dbeta[1] = dout[0,1] + dout[1,1] + dout[2,1]" in text
    dx = [float(line.rsplit("= ", 1)[1]) for line in text.splitlines()
          if line.startswith("dx[") and "the layer's" in line]
    assert len(dx) == 6 and max(abs(v) for v in dx) < 1e-15  # y shifts, not x's gradient


@pytest.mark.parametrize(("argv", "said"), [
    (["--input", "[[1, 2]]", "--batchnorm"], "--input: a batch of at least 2 rows, got 1"),
    (["--input", "[1, 2, 3]", "--batchnorm"], "--input: expected 2-D nested lists, got shape (3,)"),
    (["--input", "[[1], [2]]", "--batchnorm", "--eps", "0"], "--eps: eps must be a finite float"),
    (["--input", "[[1], [2]]", "--batchnorm", "--eps", "-1e-5"], "--eps: eps must be"),
    (["--input", "[[1], [2]]", "--batchnorm", "--gamma", "[1, 2]"],
     "--gamma: gamma must have shape (1,)"),
    (["--input", "[[1], [2]]", "--batchnorm", "--beta", "[[1]]"], "--beta: expected 0-D or 1-D"),
    (["--input", "[[1], [2]]", "--batchnorm", "--dout", "[[1, 2], [3, 4]]"],
     "--dout: expected --input's shape (2, 1), got (2, 2)"),
    (["--input", "[[1], [2]]", "--batchnorm", "--kernel", "[[1]]"],
     "argument --kernel: not allowed with argument --batchnorm"),
    (["--input", "[[1], [2]]", "--batchnorm", "--stride", "2"], "--stride: the traced BatchNorm"),
    (["--input", "[[1], [2]]", "--kernel", "[[1]]", "--gamma", "2"],
     "--gamma: only --batchnorm and --layernorm take it"),
])
def test_the_command_line_refuses_by_name(capsys, argv, said):
    assert said in cli_fails(capsys, ["trace-conv", *argv])


def test_the_function_refuses_and_checks_the_layer():
    with pytest.raises(TypeError, match="layer must be a chainrule BatchNorm, got Dense"):
        trace_batchnorm(cr.Dense(1, 1), [[1.0], [2.0]], [[1.0], [1.0]])
    with pytest.raises(ValueError, match="activation 'tanh'"):
        trace_batchnorm(BatchNorm(1, activation="tanh"), [[1.0], [2.0]], [[1.0], [1.0]])
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\).*got shape \(3,\)"):
        trace_batchnorm(BatchNorm(2), [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="more than max_entries=4"):
        trace_batchnorm(BatchNorm(1), np.ones((5, 1)), np.ones((5, 1)), max_entries=4)

    class Off(BatchNorm):  # a backward 1 % off: the trace, checked against it, says so
        def backward_delta(self, delta, need_input_grad=True):
            return 1.01 * super().backward_delta(delta, need_input_grad)

    with pytest.raises(RuntimeError, match="the trace's dx_steps differs from the layer's"):
        trace_batchnorm(Off(1), [[1.0], [2.0], [6.0]], [[1.0], [0.0], [0.0]])
