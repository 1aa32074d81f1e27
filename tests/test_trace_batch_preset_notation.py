"""A mini-batch of a preset whose default notation is netout (one example's sums written
out) is traced in the transfer notation, with a note; --notation netout stays refused."""

from __future__ import annotations

import json

import numpy as np

from chainrule.cli import main

# worked example B (SPEC 10 B) in UFLDL's layout: W^(l) of shape (fan_out, fan_in)
W1 = np.array([[1.0, 1.0], [2.0, 1.0]])
W2 = np.array([[2.0, 1.0], [1.0, 0.0]])
X = np.array([[1.0, 1.0], [1.0, 0.0]])
T = np.array([[290.0, 14.0], [5.0, 5.0]])
ARGS = ["trace", "--preset", "integer-example", "--input", "1", "1", "--input", "1", "0",
        "--target", "290", "14", "--target", "5", "5"]


def _reference_new_weights() -> tuple[np.ndarray, np.ndarray]:
    """One step of J = (1/m) sum_i 1/2 |o_i - t_i|^2, o = (W2 (W1 x)^2)^2, lr 0.5, by hand."""
    g1, g2 = np.zeros_like(W1), np.zeros_like(W2)
    for x, t in zip(X, T, strict=True):
        n1 = W1 @ x
        h = n1 ** 2
        n2 = W2 @ h
        o = n2 ** 2
        d2 = (o - t) * 2 * n2
        d1 = (W2.T @ d2) * 2 * n1
        g2 += np.outer(d2, h) / len(X)
        g1 += np.outer(d1, x) / len(X)
    return W1 - 0.5 * g1, W2 - 0.5 * g2


def test_a_batch_of_a_netout_preset_is_traced_in_the_transfer_notation(capsys):
    """Before: 'the notation netout (the preset's default): net/out writes every sum of one
    example out; a trace of m = 2 examples needs --notation transfer or ufldl', exit 2."""
    assert main([*ARGS, "--format", "json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["notation"] == "transfer" and doc["batch_size"] == 2
    assert out.err.count("\n") == 1 and "note: m = 2 examples are traced in the transfer " \
        "notation, not the preset's default netout" in out.err
    new1, new2 = _reference_new_weights()
    # the transfer layout: (fan_in, fan_out), no bias row (the preset has no biases)
    got = [np.asarray(layer["matrices"][0]["new"]) for layer in doc["layers"]]
    np.testing.assert_allclose(got[0][-2:], new1.T, rtol=1e-12)
    np.testing.assert_allclose(got[1][-2:], new2.T, rtol=1e-12)


def test_netout_asked_for_is_still_refused_for_a_batch(capsys):
    assert main([*ARGS, "--notation", "netout"]) == 2
    err = capsys.readouterr().err
    assert "--notation netout: net/out writes every sum of one example out; a trace of " \
        "m = 2 examples" in err and "note:" not in err
