"""deeplearning.ai course 2 week 1, "Initialization" (examples/dlai_initialization.py):
zeros, large random and He starts of a 2-10-5-1 ReLU network on the circles.

References: the course's published printouts (He's costs at iterations 0..14000, the
accuracies of each start, initialize_parameters_he([2, 4, 1])), the data drawn as the
course draws it (np.random.seed, then make_circles), a NumPy write-up of the course's
forward pass, cost, backward pass and update, and the cross-entropy from the net input
with numpy.logaddexp."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_initialization.py"


@pytest.fixture(scope="module")
def ex():
    return runpy.run_path(str(EXAMPLE))


@pytest.fixture(scope="module")
def data(ex):
    return ex["circles"](300, 1), ex["circles"](100, 2)


def _numpy_model(Ws, X, Y, iterations, lr=0.01):
    """The course's model in NumPy, columns as examples: its costs and weights."""
    Ws, bs, m, costs = [W.copy() for W in Ws], [np.zeros((W.shape[0], 1)) for W in Ws], \
        X.shape[1], []
    for _ in range(iterations):
        As = [X]
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            Z = W @ As[-1] + b
            As.append(np.maximum(Z, 0) if i < len(Ws) - 1 else 1 / (1 + np.exp(-Z)))
        A = As[-1]
        costs.append(np.mean(-Y * np.log(A) - (1 - Y) * np.log(1 - A)))
        dZ = A - Y
        for i in reversed(range(len(Ws))):
            dW, db = dZ @ As[i].T / m, dZ.mean(axis=1, keepdims=True)
            if i:
                dZ = (Ws[i].T @ dZ) * (As[i] > 0)
            Ws[i], bs[i] = Ws[i] - lr * dW, bs[i] - lr * db
    return np.array(costs), Ws


def test_the_data_are_the_courses(data):
    from sklearn.datasets import make_circles

    (X, y), (Xt, yt) = data
    state = np.random.get_state()  # noqa: NPY002 - put back after
    try:
        np.random.seed(1)  # noqa: NPY002 - the course's way, on the global generator
        ref = make_circles(n_samples=300, noise=0.05)
        np.random.seed(2)  # noqa: NPY002
        ref_t = make_circles(n_samples=100, noise=0.05)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    np.testing.assert_array_equal(X, ref[0])
    np.testing.assert_array_equal(y, ref[1])
    np.testing.assert_array_equal(Xt, ref_t[0])
    np.testing.assert_array_equal(yt, ref_t[1])
    assert X.shape == (300, 2) and y.sum() == 150


def test_he_init_of_2_4_1_is_the_published_one(ex):
    W1, W2 = ex["course_weights"]("he", (2, 4, 1))
    np.testing.assert_allclose(W1, ex["PUBLISHED_HE_2_4_1"]["W1"], atol=5e-9)
    np.testing.assert_allclose(W2, ex["PUBLISHED_HE_2_4_1"]["W2"], atol=5e-9)
    rs = np.random.RandomState(3)
    np.testing.assert_array_equal(W1, rs.randn(4, 2) * np.sqrt(2 / 2))
    np.testing.assert_array_equal(W2, rs.randn(1, 4) * np.sqrt(2 / 4))


def test_he_costs_to_iteration_2000_and_the_numpy_steps(ex, data):
    (X, y), _ = data
    net, history = ex["model"]("he", X, y, 2001)
    np.testing.assert_allclose(history.loss[::1000], ex["PUBLISHED_HE_COSTS"][:3], rtol=1e-13)
    costs, Ws = _numpy_model(ex["course_weights"]("he"), X.T, y[None], 2001)
    np.testing.assert_allclose(history.loss, costs, rtol=1e-12)
    for layer, W in zip(net.layers, Ws, strict=True):
        np.testing.assert_allclose(layer.W, W.T, rtol=1e-9, atol=1e-12)


def test_zeros_keep_every_hidden_unit_equal_and_the_cost_at_ln2(ex, data):
    (X, y), (Xt, yt) = data
    net, history = ex["model"]("zeros", X, y, 100)
    np.testing.assert_allclose(history.loss, np.log(2), rtol=1e-15)
    assert history.loss[0] == 0.6931471805599453  # the published printout
    assert not any(layer.W.any() for layer in net.layers)  # nothing breaks the symmetry
    assert (ex["accuracy"](net, X, y), ex["accuracy"](net, Xt, yt)) == \
        ex["PUBLISHED_ACCURACY"]["zeros"] == (0.5, 0.5)


def test_large_random_weights_start_with_a_finite_cost_where_the_course_prints_inf(ex, data):
    (X, y), _ = data
    net = ex["network"]("random")
    J = net.loss_value(X, y)
    # the course's formula overflows: an output rounded to exactly 0 or 1 on the wrong side
    W1, W2, W3 = ex["course_weights"]("random")
    Z3 = (W3 @ np.maximum(W2 @ np.maximum(W1 @ X.T, 0), 0))[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        A3 = 1 / (1 + np.exp(-Z3))
        course = np.nansum(-y * np.log(A3) - (1 - y) * np.log(1 - A3)) / len(y)
    assert course == np.inf
    # the same cross-entropy from the net input: log(1 + e^-z) for y = 1, log(1 + e^z) else
    stable = np.mean(np.where(y == 1, np.logaddexp(0, -Z3), np.logaddexp(0, Z3)))
    assert J == pytest.approx(stable, rel=1e-12)
    assert J == pytest.approx(1773.586, abs=1e-3)


@pytest.mark.slow
def test_the_whole_runs_give_the_published_costs_and_accuracies(ex, monkeypatch, tmp_path,
                                                                 capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--zeros-iterations", "200",
                                      "--out", str(tmp_path / "p.png")])
    got = ex["main"]()
    out = capsys.readouterr().out
    np.testing.assert_allclose(got["he"]["history"].loss[::1000], ex["PUBLISHED_HE_COSTS"],
                               rtol=1e-12)
    for start, (train, test) in ex["PUBLISHED_ACCURACY"].items():
        assert got[start]["accuracy"][0] == pytest.approx(train, abs=5e-6), start
        assert got[start]["accuracy"][1] == test, start
    assert "he: accuracy 0.9933 on the train set, 0.96 on the test set" in out
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
