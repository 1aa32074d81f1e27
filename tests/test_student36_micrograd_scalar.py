"""micrograd's demo on chainrule.scalar Values (examples/micrograd_moons.py, ``--engine``):
neurons of Values, the loss graph per step, ``backward()``, ``p.data -= lr * p.grad``.

Reference: the example's Network loop (``train_micrograd``: ``net.loss_and_grad`` plus the
biases' penalty, itself checked step by step against NumPy in
tests/test_student9_micrograd_moons.py) from the same initial weights: each step's loss,
accuracy and every parameter agree to 1e-12."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "micrograd_moons.py"


@pytest.fixture(scope="module")
def example():
    return runpy.run_path(str(SCRIPT))


def test_scalar_mlp_holds_micrograds_initial_numbers(example):
    init = example["micrograd_init"]()
    model = example["ScalarMLP"](init)
    assert [len(layer) for layer in model.layers] == [16, 16, 1]
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    # neuron j of layer i holds column j of W_i, bias b_i[j]; ReLU but in the last layer
    for i, (layer, (W, b)) in enumerate(zip(model.layers, init, strict=True)):
        for j, neuron in enumerate(layer):
            assert [w.data for w in neuron.w] == W[:, j].tolist()
            assert neuron.b.data == b[j] and neuron.nonlin == (i < 2)
    np.testing.assert_array_equal(model.to_network().params, example["build"]().params)


def test_first_three_steps_equal_the_network_loop(example):
    X, y = example["moons"]()
    steps = 3
    net = example["build"]()
    record = example["train_micrograd"](net, X, y, steps=steps)
    model = example["ScalarMLP"](example["micrograd_init"]())
    scalar = example["train_scalar"](model, X, y, steps=steps)
    np.testing.assert_allclose(scalar["loss"], record["loss"], rtol=1e-12, atol=1e-12)
    assert scalar["accuracy"] == record["accuracy"]
    for k in range(steps):  # the parameters each step starts from
        np.testing.assert_allclose(scalar["params"][k], record["params"][k],
                                   rtol=0, atol=1e-12, err_msg=str(k))
    np.testing.assert_allclose(model.to_network().params, net.params, rtol=0, atol=1e-12)
    # the steps moved the parameters: not a comparison of two untouched copies
    assert np.max(np.abs(net.params - record["params"][0])) > 0.1


def test_one_scalar_graph_gradient_is_the_networks(example):
    """The gradient ``backward()`` leaves on the 337 parameter Values, against
    ``net.loss_and_grad`` plus micrograd's bias penalty ``2 alpha b``."""
    X, y = example["moons"]()
    model = example["ScalarMLP"](example["micrograd_init"]())
    total, acc = example["scalar_loss"](model, X, y)
    total.backward()
    net = model.to_network()
    J, grad = net.loss_and_grad(X, y)
    grad = grad.copy()
    # the same Values in the Network's order: each layer's W (fan_in, fan_out), then b
    got = []
    for layer in model.layers:
        got += [neuron.w[r].grad for r in range(len(layer[0].w)) for neuron in layer]
        got += [neuron.b.grad for neuron in layer]
    alpha = example["ALPHA"]
    bias_term = np.concatenate([np.concatenate([np.zeros(d.W.size), 2 * alpha * d.b])
                                for d in net.layers])
    np.testing.assert_allclose(got, grad + bias_term, rtol=1e-12, atol=1e-15)
    assert total.data == pytest.approx(J + alpha * sum(np.sum(d.b ** 2) for d in net.layers),
                                       rel=1e-13)
    assert acc == example["accuracy"](net, X, y) == 0.5


def test_engine_option_is_checked(example, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--engine", "values"])
    with pytest.raises(SystemExit) as exc:
        example["main"]()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--engine" in err and "'values'" in err
    assert all(f"'{name}'" in err for name in ("network", "scalar", "both"))


@pytest.mark.slow
def test_both_engines_agree_over_the_100_steps(example, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--engine", "both", "--out", str(tmp_path / "m.png")])
    got = example["main"]()
    out = capsys.readouterr().out
    record, scalar = got["record"], got["scalar"]
    assert len(scalar["loss"]) == 100
    np.testing.assert_allclose(scalar["loss"], record["loss"], rtol=1e-12, atol=1e-12)
    assert scalar["accuracy"] == record["accuracy"]
    np.testing.assert_allclose(scalar["params"], record["params"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["scalar_net"].params, got["exact"].params, rtol=0, atol=1e-12)
    assert example["accuracy"](got["scalar_net"], got["X"], got["y"]) == 1.0
    assert got["difference"]["loss"] <= 1e-12 and got["difference"]["accuracy"] == 0
    assert f"100 steps in {got['scalar_seconds']:.1f} s" in out
    assert "accuracies at 0 of 100 steps" in out
