"""Rumelhart, Hinton & Williams' 8-3-8 encoder (examples/rhw_encoder.py): trained with
chainrule, the network reconstructs all eight patterns through three hidden units whose codes
are near-binary and distinct.

References: their result (every pattern reconstructed; the hidden units find a binary code),
and the training written out here in NumPy from the same starting weights: sigmoid layers,
the output delta ``(a - y) / m`` of the summed cross-entropy, backprop, then full-batch
gradient descent with momentum ``v <- 0.9 v + g``, ``w <- w - v``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rhw_encoder.py"
P = np.eye(8)


@pytest.fixture(scope="module")
def rhw():
    return runpy.run_path(str(EXAMPLE))


@pytest.fixture(scope="module")
def trained(rhw):
    return rhw["train_encoder"](5)


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _numpy_training(params, epochs, lr=1.0, mu=0.9):
    """Full-batch gradient descent with momentum on the mean of the summed cross-entropy."""
    W1, b1, W2, b2 = (p.copy() for p in params)
    vel = [np.zeros_like(p) for p in (W1, b1, W2, b2)]
    m = P.shape[0]
    for _ in range(epochs):
        H = _sig(P @ W1 + b1)
        A = _sig(H @ W2 + b2)
        d2 = (A - P) / m
        d1 = (d2 @ W2.T) * H * (1 - H)
        grads = [P.T @ d1, d1.sum(0), H.T @ d2, d2.sum(0)]
        for p, v, g in zip((W1, b1, W2, b2), vel, grads, strict=True):
            v *= mu
            v += g
            p -= lr * v
    return W1, b1, W2, b2


def test_the_encoder_reconstructs_every_pattern_through_a_binary_code(rhw, trained):
    W1, b1 = trained.layers[0].W, trained.layers[0].b
    W2, b2 = trained.layers[1].W, trained.layers[1].b
    H = _sig(P @ W1 + b1)  # the hidden codes, computed here from the trained weights
    A = _sig(H @ W2 + b2)
    assert np.array_equal(A.argmax(axis=1), np.arange(8))  # every pattern reconstructed
    assert len(np.unique(np.round(H), axis=0)) == 8  # eight different 3-bit codes
    assert np.all(np.minimum(H, 1 - H) < 0.2)  # near-binary
    got = rhw["codes"](trained)
    np.testing.assert_allclose(got["hidden"], H, rtol=0, atol=1e-12)
    assert got["reconstructed"] and got["distinct"] == 8 and got["near_binary"]


def test_chainrules_training_is_the_numpy_write_up(rhw, trained):
    start = rhw["encoder_network"](5)
    params = [start.layers[0].W, start.layers[0].b, start.layers[1].W, start.layers[1].b]
    W1, b1, W2, b2 = _numpy_training(params, rhw["EPOCHS"])
    for got, ref in zip((trained.layers[0].W, trained.layers[0].b, trained.layers[1].W,
                         trained.layers[1].b), (W1, b1, W2, b2), strict=True):
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-8)


def test_main_prints_the_codes(rhw, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--epochs", "300", "--out", str(tmp_path / "p.png")])
    got = rhw["main"]()
    out = capsys.readouterr().out
    assert out.count("\n") >= 11 and "distinct rounded codes:" in out
    assert got["codes"]["hidden"].shape == (8, 3) and got["survey"] == {}
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
