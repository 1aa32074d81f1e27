"""trace_dropout and ``chainrule trace-conv --dropout RATE``: one inverted-dropout training
step, against the layer's own training forward and backward for the same seed, NumPy's
uniform draws written out, and the expected value of out over many masks (a CLT bound)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import Dropout
from chainrule.tracing import DropoutTrace, trace_dropout
from file_helpers import cli_fails, cli_out

X = [[1.0, 2.0, 3.0], [4.0, 0.0, -1.0]]
DOUT = [[1.0, 0.5, -2.0], [0.0, 1.0, 3.0]]


def test_the_trace_is_the_layers_training_step_for_the_seed():
    """Dropout(rate, seed=s)'s first training forward and its backward, run on the layer
    itself, are the trace's; the mask is (u >= rate) / (1 - rate) of NumPy's default_rng(s)
    uniforms, drawn here apart."""
    for rate, seed in ((0.4, 0), (0.5, 7), (0.9, 231)):
        t = trace_dropout(Dropout(rate), X, DOUT, seed=seed)
        layer = Dropout(rate, seed=seed)
        out = layer.forward(np.array(X), training=True)
        dx = layer.backward(np.array(DOUT))
        assert isinstance(t, DropoutTrace)
        np.testing.assert_array_equal(t.out, out)
        np.testing.assert_array_equal(t.dx, dx)
        np.testing.assert_array_equal(t.mask, layer.mask)
        u = np.random.default_rng(seed).random((2, 3))
        np.testing.assert_array_equal(t.u, u)
        keep = 1.0 - rate
        assert t.rate == rate and t.keep == keep
        np.testing.assert_array_equal(t.kept, u >= rate)
        for i in range(2):  # the products, entry by entry
            for j in range(3):
                m = (1.0 / keep) if u[i, j] >= rate else 0.0
                assert t.mask[i, j] == m and t.out[i, j] == X[i][j] * m
                assert t.dx[i, j] == DOUT[i][j] * m
        assert max(t.max_diff.values()) == 0.0


def test_the_text_says_which_probability_how_the_mask_is_drawn_and_evaluation():
    t = trace_dropout(Dropout(0.4), X, DOUT, seed=0)
    u = np.random.default_rng(0).random((2, 3))
    lines = t.text().splitlines()
    assert lines[0] == ("Dropout(0.4): x (2, 3), training mode (inverted dropout); rate = 0.4 is "
                        "the probability of dropping a unit (PyTorch's p), keep = 1 - rate = 0.6 "
                        "that of keeping it (cs231n's p)")
    assert lines[1].startswith("mask drawn from seed 0 (numpy.random.default_rng(0), as "
                               "Dropout(rate, seed=0)'s): u = rng.random((2, 3))")
    for i in range(2):
        for j in range(3):
            kept = u[i, j] >= 0.4
            want = (f"u[{i},{j}] = {u[i, j]:.6g} {'>=' if kept else '<'} 0.4: "
                    + (f"kept, mask[{i},{j}] = 1/0.6 = {1 / 0.6:.6g}" if kept
                       else f"dropped, mask[{i},{j}] = 0"))
            assert want in lines, want
    assert "out[1,2] = x[1,2]*mask[1,2] = (-1)*1.66667 = -1.66667" in lines  # u[1,2] = 0.91
    assert "dx[0,2] = dout[0,2]*mask[0,2] = (-2)*0 = 0" in lines  # no "-0"
    assert any(line.startswith("evaluation mode (training=False): out = x, dx = dout")
               for line in lines)
    layer = Dropout(0.4, seed=0)  # which the layer does: its evaluation forward is x itself
    np.testing.assert_array_equal(layer.forward(np.array(X)), X)
    np.testing.assert_array_equal(layer.backward(np.array(DOUT)), DOUT)
    assert lines[-1].endswith("max |diff| mask 0, out 0, dx 0")


def test_without_a_seed_the_layers_own_generator_is_copied_not_advanced():
    layer = Dropout(0.5, seed=3)
    t1 = trace_dropout(layer, X, DOUT)
    t2 = trace_dropout(layer, X, DOUT)
    np.testing.assert_array_equal(t1.mask, t2.mask)  # the layer's generator did not move
    assert layer.mask is None
    out = layer.forward(np.array(X), training=True)  # its next training forward
    np.testing.assert_array_equal(t1.out, out)
    assert t1.source == "a copy of the layer's own generator"


def test_rate_zero_and_a_fixed_mask():
    t = trace_dropout(Dropout(0.0), X, DOUT, seed=1)
    assert t.u is None and t.keep == 1.0 and t.kept.all()
    np.testing.assert_array_equal(t.out, X)
    np.testing.assert_array_equal(t.dx, DOUT)
    assert "rate 0: nothing is dropped and nothing drawn" in t.text()
    layer = Dropout(0.75)
    keep = [[1, 0, 0], [0, 1, 1]]
    layer.fix_mask(keep)
    t = trace_dropout(layer, X, DOUT)
    assert t.u is None and t.source == "the layer's fixed mask"
    np.testing.assert_array_equal(t.out, np.array(X) * np.array(keep) * 4.0)
    np.testing.assert_array_equal(t.dx, np.array(DOUT) * np.array(keep) * 4.0)
    with pytest.raises(ValueError, match=r"seed: Dropout\(0.75\) has a fixed mask"):
        trace_dropout(layer, X, DOUT, seed=0)


def test_the_expected_value_of_out_is_x():
    """Over N masks (seeds 0..N-1) each out[i,j] is x/keep with probability keep, else 0: its
    mean is x[i,j], its standard deviation |x| sqrt((1 - keep)/keep); the mean over N masks
    is within 5 standard errors of x (the CLT), and the fraction kept within 5 of keep."""
    x, dout = np.array([[1.0, -2.0, 0.5, 4.0]]), np.array([[3.0, 1.0, -1.0, 0.25]])
    N, rate = 2000, 0.3
    keep = 1.0 - rate
    traces = [trace_dropout(Dropout(rate), x, dout, seed=s) for s in range(N)]
    outs = np.array([t.out[0] for t in traces])
    dxs = np.array([t.dx[0] for t in traces])
    se = np.abs(x[0]) * np.sqrt((1 - keep) / keep / N)
    assert np.all(np.abs(outs.mean(axis=0) - x[0]) < 5 * se), (outs.mean(axis=0), x, se)
    se = np.abs(dout[0]) * np.sqrt((1 - keep) / keep / N)
    assert np.all(np.abs(dxs.mean(axis=0) - dout[0]) < 5 * se)
    frac = np.mean([t.kept.mean() for t in traces])
    assert abs(frac - keep) < 5 * np.sqrt(keep * (1 - keep) / (4 * N))


def test_the_command_line_text_and_json(capsys):
    text = cli_out(capsys, ["trace-conv", "--input", json.dumps(X), "--dropout", "0.4",
                            "--seed", "0", "--dout", json.dumps(DOUT)])
    assert text == trace_dropout(Dropout(0.4), X, DOUT, seed=0).text()
    default = cli_out(capsys, ["trace-conv", "--input", "[1, 2, 3]", "--dropout", "0.5"])
    assert default == trace_dropout(Dropout(0.5), [[1, 2, 3]], [[1, 1, 1]], seed=0).text()
    got = json.loads(cli_out(capsys, ["trace-conv", "--input", json.dumps(X), "--dropout",
                                      "0.5", "--seed", "7", "--format", "json"]))
    layer = Dropout(0.5, seed=7)
    out = layer.forward(np.array(X), training=True)
    assert got["rate"] == 0.5 and got["keep"] == 0.5 and got["layer"] == "Dropout(0.5)"
    assert got["out"] == out.tolist() and got["mask"] == layer.mask.tolist()
    assert got["dx"] == layer.backward(np.ones((2, 3))).tolist()
    assert got["u"] == np.random.default_rng(7).random((2, 3)).tolist()
    assert got["kept"] == (np.random.default_rng(7).random((2, 3)) >= 0.5).tolist()


@pytest.mark.parametrize(("argv", "said"), [
    (["--dropout", "1"], "argument --dropout: expected a number in [0, 1), got '1'"),
    (["--dropout", "-0.1"], "argument --dropout: expected a number in [0, 1)"),
    (["--dropout", "0.5", "--seed", "-1"], "argument --seed: expected an integer >= 0"),
    (["--dropout", "0.5", "--gamma", "2"], "--gamma: a Dropout layer has none"),
    (["--dropout", "0.5", "--eps", "2"], "--eps: a Dropout layer has none"),
    (["--dropout", "0.5", "--padding", "1"], "--padding: a Dropout layer has none"),
    (["--dropout", "0.5", "--layernorm"],
     "argument --layernorm: not allowed with argument --dropout"),
    (["--dropout", "0.5", "--dout", "[1, 2]"], "--dout: expected --input's shape (2, 2)"),
    (["--batchnorm", "--seed", "1"], "--seed: only --dropout takes it"),
    (["--dropout", "0.5", "--dout", "[[1, 2], [NaN, 4]]"],
     "--dout: expected finite numbers, got '[[1, 2], [NaN, 4]]'"),
])
def test_the_command_line_refuses_by_name(capsys, argv, said):
    assert said in cli_fails(capsys, ["trace-conv", "--input", "[[1, 2], [3, 4]]", *argv])


def test_the_function_refuses():
    with pytest.raises(TypeError, match="layer must be a chainrule Dropout, got Dense"):
        trace_dropout(cr.Dense(1, 1), [[1.0]], [[1.0]])
    with pytest.raises(TypeError, match="seed must be an int >= 0 or None, got float"):
        trace_dropout(Dropout(), [[1.0]], [[1.0]], seed=1.5)
    with pytest.raises(ValueError, match="seed must be a non-negative int, got -1"):
        trace_dropout(Dropout(), [[1.0]], [[1.0]], seed=-1)
    with pytest.raises(ValueError, match=r"X must have shape \(n, n_units\).*got shape \(2,\)"):
        trace_dropout(Dropout(), [1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"dout must have X's shape \(1, 2\), got \(1, 3\)"):
        trace_dropout(Dropout(), [[1.0, 2.0]], [[1.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match="more than max_entries=4"):
        trace_dropout(Dropout(), np.ones((5, 1)), np.ones((5, 1)), max_entries=4)
    with pytest.raises(ValueError, match=r"X must have shape .*got shape \(1, 0\)"):
        trace_dropout(Dropout(), [[]], [[]])
    with pytest.raises(ValueError, match=r"X must hold finite numbers, got inf at \[0, 1\]"):
        trace_dropout(Dropout(), [[1.0, np.inf]], [[1.0, 1.0]])
    with pytest.raises(ValueError, match=r"dout must hold finite numbers, got nan at \[0, 0\]"):
        trace_dropout(Dropout(), [[1.0, 2.0]], [[np.nan, 1.0]])

    class Off(Dropout):  # a backward that forgets the 1/keep: the trace says so
        def backward(self, grad_out, need_input_grad=True):
            return super().backward(grad_out, need_input_grad) * (1.0 - self.rate)

    with pytest.raises(RuntimeError, match="the trace's dx differs from the layer's"):
        trace_dropout(Off(0.5), [[1.0, 2.0, 3.0]], [[1.0, 1.0, 1.0]], seed=0)
