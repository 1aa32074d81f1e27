"""`chainrule trace` and `chainrule gradcheck` with the margin losses: a cs231n-style step
(affine - ReLU - affine scores, the multiclass SVM loss, L2 on the weights) traced, its
numbers against cs231n's svm_loss and backward pass written out in NumPy; micrograd's
binary hinge traced node by node; both losses' formulas spelled in the trace."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

W1 = np.array([[0.2, -0.1, 0.4], [0.3, 0.5, -0.1]])           # chainrule layout (in, out)
B1 = np.array([0.1, 0.0, -0.3])
W2 = np.array([[0.5, -0.2, 0.1], [0.3, 0.2, -0.4], [-0.1, 0.4, 0.2]])
B2 = np.array([0.0, 0.8, -0.1])  # one margin of example 1 negative
X = np.array([[1.0, 2.0], [2.0, -1.0]])
LABELS = np.array([1, 2])
REG = 0.05  # cs231n's reg * sum W^2: chainrule's weight decay 2 * reg
LR = 0.1

CS231N_STEP = ["trace", "--weights", json.dumps([W1.tolist(), W2.tolist()]),
               "--layout", "chainrule", "--biases", json.dumps([B1.tolist(), B2.tolist()]),
               "--activation", "relu", "identity", "--loss", "multiclass_hinge",
               "--weight-decay", str(2 * REG), "--lr", str(LR), "--notation", "ufldl",
               *[w for x in X for w in ("--input", *map(str, x))],
               *[w for c in LABELS for w in ("--target", *map(str, np.eye(3)[c]))]]


def _cs231n_svm_step():
    """cs231n's two-layer forward, svm_loss and backward, with reg * sum W^2."""
    n = len(X)
    h = np.maximum(0, X @ W1 + B1)
    scores = h @ W2 + B2
    correct = scores[np.arange(n), LABELS][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(n), LABELS] = 0
    per_example = margins.sum(axis=1)
    loss = per_example.mean() + REG * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = (margins > 0).astype(float)
    dscores[np.arange(n), LABELS] -= dscores.sum(axis=1)
    dscores /= n
    dh = dscores @ W2.T * (h > 0)
    grads = {"W^(1)": (X.T @ dh + 2 * REG * W1).T, "b^(1)": dh.sum(axis=0),
             "W^(2)": (h.T @ dscores + 2 * REG * W2).T, "b^(2)": dscores.sum(axis=0)}
    return per_example, loss, grads, scores


def test_a_cs231n_svm_step_traced_is_its_numpy_write_up(capsys):
    per_example, loss, grads, scores = _cs231n_svm_step()
    assert np.abs(X @ W1 + B1).min() > 1e-3  # no ReLU input at its kink
    margins = (scores - scores[np.arange(2), LABELS][:, None] + 1)[np.eye(3)[LABELS] == 0]
    assert (margins < 0).sum() == 1 and np.abs(margins).min() > 1e-3  # both sides, no kink
    assert main([*CS231N_STEP, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["loss"] == "multiclass_hinge"
    np.testing.assert_allclose([e["example_loss"] for e in doc["examples"]], per_example,
                               rtol=1e-14)
    np.testing.assert_allclose(doc["cost"], loss, rtol=1e-14)
    np.testing.assert_allclose([e["output"] for e in doc["examples"]], scores, rtol=1e-14)
    old = {"W^(1)": W1.T, "b^(1)": B1, "W^(2)": W2.T, "b^(2)": B2}
    for layer in doc["layers"]:
        for mat in layer["matrices"]:
            np.testing.assert_allclose(mat["gradient"], grads[mat["name"]], rtol=1e-13,
                                       atol=1e-15, err_msg=mat["name"])
            np.testing.assert_allclose(mat["new"], old[mat["name"]] - LR * grads[mat["name"]],
                                       rtol=1e-13, atol=1e-15, err_msg=mat["name"])


def test_the_trace_spells_the_margin_losses(capsys):
    assert main(CS231N_STEP) == 0
    text = capsys.readouterr().out
    assert "E_i = sum_{k != c} max(0, a^(3)_k - a^(3)_c + 1) (c: y_c = 1)" in text
    assert ("dE_i/da^(3) = [o_k - o_c + 1 > 0] for k != c, -sum_{j != c} [o_j - o_c + 1 > 0] "
            "for k = c (o: the outputs, c: the target's class)") in text
    assert main([*CS231N_STEP, "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert r"\sum_{k \ne c} \max(0, a^{(3)}_{k} - a^{(3)}_c + 1)" in md
    # micrograd's binary hinge, one example, node by node: E = max(0, 1 - t out)
    args = ["trace", "--weights", json.dumps([W1.tolist(), [[0.5], [0.3], [-0.1]]]),
            "--layout", "chainrule", "--activation", "relu", "identity", "--loss", "hinge",
            "--input", "1", "2", "--target", "-1", "--notation", "netout"]
    assert main(args) == 0
    text = capsys.readouterr().out
    out = np.maximum(0, np.array([1.0, 2.0]) @ W1) @ np.array([0.5, 0.3, -0.1])
    assert f"E = sum_o max(0, 1 - t_o out_o) = {1 + out:g}" in text
    assert "dE/dout_o1 = -t_o1 [1 - t_o1 out_o1 > 0] = 1" in text


def test_a_hinge_target_that_is_not_a_sign_is_refused(capsys):
    args = ["trace", "--weights", json.dumps([[[0.5], [0.3]]]), "--layout", "chainrule",
            "--activation", "identity", "--loss", "hinge", "--input", "1", "2", "--target", "0"]
    assert main(args) == 2
    assert "target: loss 'hinge' needs targets -1 or +1" in capsys.readouterr().err


@pytest.mark.parametrize("loss, sizes", [("multiclass_hinge", ["3", "5", "4"]),
                                         ("hinge", ["3", "5", "1"])])
def test_gradcheck_passes_on_a_random_network_with_each_margin_loss(loss, sizes, capsys):
    assert main(["gradcheck", "--loss", loss, "--output", "identity", "--activation", "tanh",
                 "--sizes", *sizes, "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert f"loss={loss}" in out and "PASS" in out
