"""Karpathy's "Building makemore Part 4: Becoming a Backprop Ninja"
(examples/karpathy_backprop_ninja.py): the MLP embcat @ W1 + b1 -> BatchNorm -> tanh -> @ W2
+ b2 -> cross-entropy built from chainrule's Dense, BatchNorm and softmax cross-entropy.

References, both computed here on the same arrays: the lecture's exercise formulas written
in NumPy (exercise 2: dlogits = (softmax - onehot) / n; exercise 3: dhprebn = bngain *
bnvar_inv / n * (n dhpreact - dhpreact.sum(0) - n/(n-1) bnraw (dhpreact bnraw).sum(0)),
with 1/n in place of his 1/(n-1) where chainrule's BatchNorm is compared, since it
normalises with the biased variance), and PyTorch autograd.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "karpathy_backprop_ninja.py"
NAMES = ("loss", "dlogits", "dh", "dhpreact", "dhprebn", "dW1", "db1", "dW2", "db2",
         "dembcat", "dbngain", "dbnbias")


@pytest.fixture(scope="module")
def ex() -> dict:
    return runpy.run_path(str(EXAMPLE))


@pytest.fixture(scope="module")
def problem(ex: dict) -> dict:
    return ex["make_problem"]()


def exercise_formulas(p: dict, bessel: bool) -> dict:
    """Forward pass, then exercises 2 and 3 and the chain rule through the two matmuls."""
    n = p["embcat"].shape[0]
    hprebn = p["embcat"] @ p["W1"] + p["b1"]
    bndiff = hprebn - hprebn.mean(0)
    bnvar = (bndiff ** 2).sum(0) / (n - 1 if bessel else n)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    h = np.tanh(p["bngain"] * bnraw + p["bnbias"])
    logits = h @ p["W2"] + p["b2"]
    e = np.exp(logits - logits.max(1, keepdims=True))
    probs = e / e.sum(1, keepdims=True)
    onehot = np.eye(logits.shape[1])[p["Yb"]]
    loss = -np.log(probs[np.arange(n), p["Yb"]]).mean()
    dlogits = (probs - onehot) / n  # exercise 2
    dh = dlogits @ p["W2"].T
    dhpreact = (1 - h ** 2) * dh
    factor = n / (n - 1) if bessel else 1.0
    dhprebn = p["bngain"] * bnvar_inv / n * (  # exercise 3
        n * dhpreact - dhpreact.sum(0) - factor * bnraw * (dhpreact * bnraw).sum(0))
    return {"loss": loss, "dlogits": dlogits, "dh": dh, "dhpreact": dhpreact,
            "dhprebn": dhprebn, "dW1": p["embcat"].T @ dhprebn, "db1": dhprebn.sum(0),
            "dW2": h.T @ dlogits, "db2": dlogits.sum(0), "dembcat": dhprebn @ p["W1"].T,
            "dbngain": (bnraw * dhpreact).sum(0), "dbnbias": dhpreact.sum(0)}


def torch_autograd(p: dict, unbiased: bool) -> dict:
    torch = pytest.importorskip("torch")
    t = {k: torch.tensor(p[k], dtype=torch.float64, requires_grad=True)
         for k in ("embcat", "W1", "b1", "W2", "b2", "bngain", "bnbias")}
    hprebn = t["embcat"] @ t["W1"] + t["b1"]
    bnraw = (hprebn - hprebn.mean(0, keepdim=True)) * (
        hprebn.var(0, keepdim=True, unbiased=unbiased) + 1e-5) ** -0.5
    hpreact = t["bngain"] * bnraw + t["bnbias"]
    h = torch.tanh(hpreact)
    logits = h @ t["W2"] + t["b2"]
    for node in (hprebn, hpreact, h, logits):
        node.retain_grad()
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(p["Yb"]))
    loss.backward()
    g = {"loss": loss, "dlogits": logits.grad, "dh": h.grad, "dhpreact": hpreact.grad,
         "dhprebn": hprebn.grad, "dembcat": t["embcat"].grad}
    for k in ("W1", "b1", "W2", "b2", "bngain", "bnbias"):
        g["d" + k] = t[k].grad
    return {k: v.detach().numpy() for k, v in g.items()}


def test_shapes_and_seed_are_his(problem: dict) -> None:
    assert problem["embcat"].shape == (32, 30) and problem["Xb"].shape == (32, 3)
    assert problem["W1"].shape == (30, 64) and problem["W2"].shape == (64, 27)
    np.testing.assert_array_equal(problem["embcat"],
                                  problem["C"][problem["Xb"]].reshape(32, -1))


def test_chainrule_equals_the_exercise_formulas_with_1_over_n(ex: dict, problem: dict) -> None:
    got = ex["chainrule_grads"](ex["build"](problem), problem["Xb"], problem["Yb"])
    ref = exercise_formulas(problem, bessel=False)
    for k in NAMES:
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_chainrule_equals_torch_autograd_with_the_biased_variance(ex: dict,
                                                                  problem: dict) -> None:
    ref = torch_autograd(problem, unbiased=False)
    got = ex["chainrule_grads"](ex["build"](problem), problem["Xb"], problem["Yb"])
    for k in NAMES:
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_bessel_makes_a_difference_chainrule_does_not_hide(ex: dict, problem: dict) -> None:
    got = ex["chainrule_grads"](ex["build"](problem), problem["Xb"], problem["Yb"])
    his = exercise_formulas(problem, bessel=True)
    # the n-1 batch is not the 1/n one: the loss moves in the third decimal, dhprebn by
    # about 1e-4 (its entries are about 1e-3)
    assert 1e-3 < abs(float(got["loss"]) - his["loss"]) < 1e-2
    for k in ("dlogits", "dhpreact", "dhprebn", "dW1", "dW2", "dembcat", "dbngain"):
        assert not np.allclose(got[k], his[k]), k
    # db1 is 0 up to rounding either way: BatchNorm subtracts the batch mean of b1's column
    assert np.max(np.abs(got["db1"])) < 1e-15 and np.max(np.abs(his["db1"])) < 1e-15


def test_his_n_minus_1_batch_through_the_mapped_layer(ex: dict, problem: dict) -> None:
    """eps (n-1)/n and gamma = bngain sqrt((n-1)/n) give his n-1 numbers (an identity)."""
    net = ex["build"](problem, bessel=True)
    got = ex["chainrule_grads"](net, problem["Xb"], problem["Yb"], bessel=True)
    for ref in (exercise_formulas(problem, bessel=True), torch_autograd(problem, True)):
        for k in NAMES:
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_the_examples_node_by_node_backward_and_one_liners(ex: dict, problem: dict) -> None:
    for bessel in (False, True):
        his = ex["ninja"](problem, ddof=int(bessel))
        ref = exercise_formulas(problem, bessel)
        for k in NAMES:
            np.testing.assert_allclose(his[k], ref[k], rtol=1e-12, atol=1e-15, err_msg=k)
        np.testing.assert_allclose(his["dlogits_fast"], ref["dlogits"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(his["dhprebn_fast"], ref["dhprebn"], rtol=1e-12, atol=1e-15)


def test_cmp_prints_his_format(ex: dict, capsys) -> None:
    a = np.array([1.0, 2.0])
    assert ex["cmp"]("x", a, a) == (True, True, 0.0)
    assert ex["cmp"]("y", a, a + 1e-9) == (False, True, pytest.approx(1e-9))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "x               | exact: True  | approximate: True  | maxdiff: 0"
    assert out[1].startswith("y               | exact: False | approximate: True  | maxdiff: 1e-09")


def test_exercise_4_equals_his_training_loop_in_numpy(ex: dict, problem: dict) -> None:
    """The same mini-batches, his gradients (exercises 2, 3), dC scattered from dembcat."""
    steps, lr = 30, 0.1
    losses, worst = ex["train"](problem, steps, lr=lr, seed=3, check_every=10)
    assert worst < 1e-14
    p = {k: problem[k].copy() for k in ("C", "W1", "b1", "W2", "b2", "bngain", "bnbias")}
    rng = np.random.default_rng(3)
    Xtr = rng.integers(0, 27, (2000, 3))
    Ytr = (3 * Xtr[:, 1] + Xtr[:, 2]) % 27
    mine = []
    for _ in range(steps):
        ix = rng.integers(0, 2000, 32)
        p["Xb"], p["Yb"] = Xtr[ix], Ytr[ix]
        p["embcat"] = p["C"][Xtr[ix]].reshape(32, -1)
        g = exercise_formulas(p, bessel=False)
        mine.append(g["loss"])
        dC = np.zeros_like(p["C"])
        np.add.at(dC, Xtr[ix].ravel(), g["dembcat"].reshape(-1, 10))
        for k in ("W1", "b1", "W2", "b2", "bngain", "bnbias"):
            p[k] -= lr * g["d" + k]
        p["C"] -= lr * dC
    np.testing.assert_allclose(losses, mine, rtol=1e-12)
    assert np.mean(mine[-5:]) < np.mean(mine[:5])
