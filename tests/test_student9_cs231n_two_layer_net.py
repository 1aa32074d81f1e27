"""cs231n's two-layer net (assignment 1, two_layer_net.ipynb) rebuilt in chainrule.

The toy model and data are built as the notebook builds them (input 4, hidden 10, 3
classes, 5 examples; weights ``1e-1 * randn`` after ``np.random.seed(0)``, zero biases;
``X = 10 * randn(5, 4)`` after ``np.random.seed(1)``, labels [0, 1, 2, 2, 1]).  Its
architecture: affine - ReLU - affine - softmax, loss = mean cross-entropy + ``reg *
(sum W1^2 + sum W2^2)`` (no 1/2, biases not penalised).  chainrule's weight decay is
``(lambda/2) sum W^2`` (SPEC section 4, "ufldl"), so cs231n's ``reg`` is ``lambda = 2 reg``.

Checked against cs231n's formulas written out in NumPy here, and against the numbers the
notebook publishes (quoted below with their source).
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.layers import Dense
from chainrule.losses import LOSSES
from chainrule.network import Network

# Published in cs231n's assignment 1 notebook two_layer_net.ipynb ("correct_scores",
# "correct_loss" for reg=0.05); the notebook asks for a summed absolute difference below
# 1e-7 for the scores and 1e-12 for the loss, and gradient relative errors below 1e-8.
CS231N_CORRECT_SCORES = np.array([
    [-0.81233741, -1.27654624, -0.70335995],
    [-0.17129677, -1.18803311, -0.47310444],
    [-0.51590475, -1.01354314, -0.8504215],
    [-0.15419291, -0.48629638, -0.52901952],
    [-0.00618733, -0.12435261, -0.15226949]])
CS231N_CORRECT_LOSS = 1.30378789133
REG = 0.05


def _toy():
    """The notebook's init_toy_model and init_toy_data, as NumPy arrays."""
    weights = np.random.RandomState(0)  # the stream of np.random.seed(0), left untouched
    W1, b1 = 1e-1 * weights.randn(4, 10), np.zeros(10)
    W2, b2 = 1e-1 * weights.randn(10, 3), np.zeros(3)
    X = 10 * np.random.RandomState(1).randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, y


def _net(p, loss="cross_entropy", output="softmax", reg=REG):
    net = Network([Dense(4, 10, activation="relu"), Dense(10, 3, activation=output)],
                  loss=loss, weight_decay=2 * reg)  # cs231n's reg * sum W^2 = (2 reg / 2) sum W^2
    for layer, i in zip(net.layers, (1, 2), strict=True):
        layer.W[:] = p[f"W{i}"]
        layer.b[:] = p[f"b{i}"]
    return net


def _grads(net):
    return {"W1": net.layers[0].dW, "b1": net.layers[0].db,
            "W2": net.layers[1].dW, "b2": net.layers[1].db}


def _softmax_reference(p, X, y, reg):
    """cs231n's TwoLayerNet.loss, written out: scores, loss and the four gradients."""
    n = X.shape[0]
    h = np.maximum(0, X @ p["W1"] + p["b1"])
    scores = h @ p["W2"] + p["b2"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(n), y]).mean() + reg * (
        np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    dscores = probs.copy()
    dscores[np.arange(n), y] -= 1
    dscores /= n
    dh = dscores @ p["W2"].T
    dh[h <= 0] = 0
    grads = {"W2": h.T @ dscores + 2 * reg * p["W2"], "b2": dscores.sum(axis=0),
             "W1": X.T @ dh + 2 * reg * p["W1"], "b1": dh.sum(axis=0)}
    return scores, loss, grads


def _svm_reference(p, X, y, reg):
    """The same net with cs231n's svm_loss (layers.py) on the scores instead."""
    n = X.shape[0]
    h = np.maximum(0, X @ p["W1"] + p["b1"])
    scores = h @ p["W2"] + p["b2"]
    correct = scores[np.arange(n), y][:, None]
    margins = np.maximum(0, scores - correct + 1.0)
    margins[np.arange(n), y] = 0
    loss = margins.sum() / n + reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    dscores = (margins > 0).astype(float)
    dscores[np.arange(n), y] -= dscores.sum(axis=1)
    dscores /= n
    dh = dscores @ p["W2"].T
    dh[h <= 0] = 0
    grads = {"W2": h.T @ dscores + 2 * reg * p["W2"], "b2": dscores.sum(axis=0),
             "W1": X.T @ dh + 2 * reg * p["W1"], "b1": dh.sum(axis=0)}
    return loss, grads


def _rel_error(x, y):
    """cs231n's rel_error: the largest |x - y| / max(1e-8, |x| + |y|)."""
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))


def _numerical_gradient(f, x, h=1e-5):
    """cs231n's eval_numerical_gradient: central differences, one entry at a time, x
    changed in place and restored."""
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        plus = f()
        x[ix] = old - h
        minus = f()
        x[ix] = old
        grad[ix] = (plus - minus) / (2 * h)
    return grad


def test_scores_and_loss_are_cs231n_formulas_and_published_numbers():
    p, X, y = _toy()
    net = _net(p)
    J, _ = net.loss_and_grad(X, y)
    scores = net.layers[1].Z  # the output layer's net input: cs231n's class scores
    ref_scores, ref_loss, _ = _softmax_reference(p, X, y, REG)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-13, atol=1e-15)
    assert J == pytest.approx(ref_loss, rel=1e-14)
    # the notebook's own tolerances on its published numbers
    assert np.sum(np.abs(scores - CS231N_CORRECT_SCORES)) < 1e-7
    assert abs(J - CS231N_CORRECT_LOSS) < 1e-12
    # the softmax output is the probabilities of those scores
    np.testing.assert_allclose(net.predict(X), np.exp(ref_scores) /
                               np.exp(ref_scores).sum(axis=1, keepdims=True), rtol=1e-13)


def test_halving_reg_would_miss_the_published_loss():
    """cs231n's reg has no 1/2: weight_decay=reg (chainrule's (lambda/2) sum W^2 with
    lambda = reg) gives another loss, 0.025 * sum W^2 instead of 0.05 * sum W^2."""
    p, X, y = _toy()
    J = _net(p, reg=REG / 2).loss_and_grad(X, y)[0]
    assert abs(J - CS231N_CORRECT_LOSS) > 1e-3
    assert J == pytest.approx(_softmax_reference(p, X, y, REG / 2)[1], rel=1e-14)


def test_every_gradient_is_cs231n_backward_and_passes_its_gradient_check():
    p, X, y = _toy()
    net = _net(p)
    net.loss_and_grad(X, y)
    grads = {k: v.copy() for k, v in _grads(net).items()}
    _, _, ref = _softmax_reference(p, X, y, REG)
    for name in ref:
        np.testing.assert_allclose(grads[name], ref[name], rtol=1e-12, atol=1e-15,
                                   err_msg=name)
    params = {"W1": net.layers[0].W, "b1": net.layers[0].b,
              "W2": net.layers[1].W, "b2": net.layers[1].b}
    for name, x in params.items():
        num = _numerical_gradient(lambda: net.loss_and_grad(X, y)[0], x)
        assert _rel_error(num, grads[name]) < 1e-8, name  # the notebook's threshold


def test_the_svm_version_is_cs231n_svm_loss_on_the_scores():
    """The same toy net with the multiclass SVM loss (an identity output: the scores)."""
    p, X, y = _toy()
    net = _net(p, loss="multiclass_hinge", output="identity")
    J, _ = net.loss_and_grad(X, y)
    ref_loss, ref = _svm_reference(p, X, y, REG)
    assert J == pytest.approx(ref_loss, rel=1e-14)
    np.testing.assert_allclose(net.predict(X), _softmax_reference(p, X, y, REG)[0],
                               rtol=1e-13, atol=1e-15)
    grads = {k: v.copy() for k, v in _grads(net).items()}
    for name in ref:
        np.testing.assert_allclose(grads[name], ref[name], rtol=1e-12, atol=1e-15,
                                   err_msg=name)
    # every margin and ReLU input is far from its kink (> 1e-3), so the check applies
    Z1 = X @ p["W1"]
    S = np.maximum(Z1, 0) @ p["W2"]
    margins = (S - S[np.arange(5), y][:, None] + 1)[np.eye(3)[y] == 0]
    assert np.abs(Z1).min() > 1e-3 and np.abs(margins).min() > 1e-3
    for name, x in {"W1": net.layers[0].W, "b2": net.layers[1].b}.items():
        num = _numerical_gradient(lambda: net.loss_and_grad(X, y)[0], x)
        assert _rel_error(num, grads[name]) < 1e-8, name
    assert LOSSES["multiclass_hinge"] == net.loss


def test_the_example_prints_what_it_computes(tmp_path, monkeypatch, capsys):
    """examples/cs231n_two_layer_net.py: its scores, loss and gradient checks recomputed."""
    import runpy
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "cs231n_two_layer_net.py"
    monkeypatch.setattr(sys, "argv", ["x", "--out", str(tmp_path / "p.png")])
    got = runpy.run_path(str(script))["main"]()
    out = capsys.readouterr().out
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    p, X, y = _toy()
    ref_scores, ref_loss, _ = _softmax_reference(p, X, y, REG)
    np.testing.assert_allclose(got["scores"], ref_scores, rtol=1e-13, atol=1e-15)
    assert f"loss {ref_loss:.11f}, difference from the published loss: " \
           f"{abs(ref_loss - CS231N_CORRECT_LOSS):.3e}" in out
    assert f"loss {_svm_reference(p, X, y, REG)[0]:.11f}" in out
    assert "reg 0.05 (cs231n) = weight_decay 0.1 (chainrule)" in out
    for kind in ("softmax", "svm"):
        assert set(got["errors"][kind]) == {"W1", "b1", "W2", "b2"}
        assert max(got["errors"][kind].values()) < 1e-8, got["errors"]
