"""micrograd's demo (examples/micrograd_moons.py): the recipe trained in chainrule, each
step's loss and update against a NumPy write-up of the same step from the same weights,
and micrograd's reported 100 % training accuracy."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "micrograd_moons.py"
ALPHA = 1e-4


@pytest.fixture(scope="module")
def example():
    return runpy.run_path(str(SCRIPT))


def _unflatten(theta, shapes):
    """[(W, b), ...] from chainrule's flat vector: each layer's W then b, in layer order."""
    out, i = [], 0
    for fan_in, fan_out in shapes:
        W = theta[i:i + fan_in * fan_out].reshape(fan_in, fan_out)
        i += fan_in * fan_out
        out.append((W, theta[i:i + fan_out]))
        i += fan_out
    assert i == theta.size
    return out


SHAPES = [(2, 16), (16, 16), (16, 1)]


def _numpy_step(layers, X, y, lr, alpha, decay_biases):
    """micrograd's step written out: ReLU, ReLU, linear; loss mean(max(0, 1 - y s)) + alpha
    sum p^2 (over the weights, and the biases too when ``decay_biases``); backprop by hand;
    p - lr grad.  Returns the loss and the new [(W, b), ...]."""
    (W1, b1), (W2, b2), (W3, b3) = layers
    n = len(X)
    h1 = np.maximum(0, X @ W1 + b1)
    h2 = np.maximum(0, h1 @ W2 + b2)
    s = (h2 @ W3 + b3)[:, 0]
    margin = 1 - y * s
    penalty = sum(np.sum(W ** 2) + (np.sum(b ** 2) if decay_biases else 0) for W, b in layers)
    loss = np.mean(np.maximum(0, margin)) + alpha * penalty
    ds = (np.where(margin > 0, -y, 0.0) / n)[:, None]
    dh2 = (ds @ W3.T) * (h2 > 0)
    dh1 = (dh2 @ W2.T) * (h1 > 0)
    grads = [(X.T @ dh1, dh1.sum(0)), (h1.T @ dh2, dh2.sum(0)), (h2.T @ ds, ds.sum(0))]
    bias_factor = 2 * alpha if decay_biases else 0.0
    new = [(W - lr * (gW + 2 * alpha * W), b - lr * (gb + bias_factor * b))
           for (W, b), (gW, gb) in zip(layers, grads, strict=True)]
    return loss, new


def test_data_init_and_rate_are_micrograd_recipe(example):
    from sklearn.datasets import make_moons

    X, y = example["moons"]()
    X0, y0 = make_moons(n_samples=100, noise=0.1, random_state=1)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, np.where(y0 == 1, 1.0, -1.0))
    layers = example["micrograd_init"]()
    assert [W.shape for W, _ in layers] == SHAPES
    assert all(np.all(np.abs(W) <= 1) and not np.any(b) for W, b in layers)
    import random
    draw = random.Random(1337)  # neuron by neuron: column j of W is neuron j's weights
    assert layers[0][0][:, 0].tolist() == [draw.uniform(-1, 1), draw.uniform(-1, 1)]
    rates = [example["rate"](k) for k in range(100)]
    assert rates[0] == 1.0 and rates[-1] == pytest.approx(0.109, abs=1e-15)
    # chainrule's Linear schedule gives those rates
    sched = example["Linear"](start_factor=1.0, end_factor=0.1, total_iters=100)
    np.testing.assert_allclose([sched.lr(k, 1.0, {}) for k in range(100)], rates,
                               rtol=0, atol=1e-15)


def test_micrograd_loop_equals_numpy_steps_and_reaches_full_accuracy(example):
    X, y = example["moons"]()
    net = example["build"]()
    record = example["train_micrograd"](net, X, y)
    params = [*record["params"], net.params.copy()]
    for k in range(100):
        before = _unflatten(params[k], SHAPES)
        loss, after = _numpy_step(before, X, y, 1.0 - 0.9 * k / 100, ALPHA, decay_biases=True)
        assert record["loss"][k] == pytest.approx(loss, rel=1e-12, abs=1e-15), k
        for (W, b), (W_ref, b_ref) in zip(_unflatten(params[k + 1], SHAPES), after, strict=True):
            np.testing.assert_allclose(W, W_ref, rtol=1e-11, atol=1e-13, err_msg=str(k))
            np.testing.assert_allclose(b, b_ref, rtol=1e-11, atol=1e-13, err_msg=str(k))
    (W1, b1), (W2, b2), (W3, b3) = _unflatten(params[-1], SHAPES)
    scores = np.maximum(0, np.maximum(0, X @ W1 + b1) @ W2 + b2) @ W3[:, 0] + b3[0]
    assert np.mean(np.where(scores > 0, 1.0, -1.0) == y) == 1.0  # micrograd: 100 %
    assert example["accuracy"](net, X, y) == 1.0
    assert record["loss"][-1] < 0.05 < record["loss"][0]


def test_chainrule_train_steps_equal_numpy_steps_without_the_biases_penalty(example):
    """chainrule.train with SGD and the Linear schedule: each epoch is one full-batch step;
    its loss equals the NumPy step from the weights it started from (biases not decayed:
    what chainrule's weight decay leaves out of micrograd's recipe)."""
    import chainrule as cr

    X, y = example["moons"]()
    net = example["build"]()
    seen = [net.params.copy()]

    class Record(cr.Callback):
        def on_batch_end(self, state):
            seen.append(net.params.copy())  # after each step: one batch per epoch

    history = cr.train(net, X, y, optimizer=cr.SGD(lr=1.0), batch_size=100, epochs=100,
                       shuffle=False, callbacks=[Record()],
                       schedule=example["Linear"](start_factor=1.0, end_factor=0.1,
                                                  total_iters=100))
    assert len(seen) == 101 and len(history["loss"]) == 100
    for k in range(100):
        loss, after = _numpy_step(_unflatten(seen[k], SHAPES), X, y, 1.0 - 0.9 * k / 100,
                                  ALPHA, decay_biases=False)
        assert history["loss"][k] == pytest.approx(loss, rel=1e-12, abs=1e-15), k
        np.testing.assert_allclose(seen[k + 1], np.concatenate(
            [a.ravel() for pair in after for a in pair]), rtol=1e-11, atol=1e-13)
    assert example["accuracy"](net, X, y) == 1.0


def test_the_example_prints_its_runs(example, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--out", str(tmp_path / "m.png")])
    got = example["main"]()
    out = capsys.readouterr().out
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rec = got["record"]
    assert f"step 99 loss {rec['loss'][99]:.6f}, accuracy" in out
    assert "after step 99: accuracy 100.0%" in out
    assert f"{got['history']['loss'][-1]:.6f} at step 99, accuracy 100.0%" in out
