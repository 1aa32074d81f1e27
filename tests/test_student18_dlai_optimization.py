"""deeplearning.ai course 2 week 2, "Optimization Methods" (examples/dlai_optimization.py):
mini-batch gradient descent, momentum and Adam on the moons, and the learning-rate decay.

References: the notebook's published printouts, copied into the example's PUBLISHED_*
tables (2017 release, 10,000 epochs: "Cost after epoch i" of gradient descent, momentum and
Adam and "Accuracy: 0.7966666666666666" / "0.94", the same in several public copies, one of
which prints other Adam costs; 2021 release, 5,000 epochs: the epoch-mean costs, the
decay runs' costs and "learning rate after epoch i", "Accuracy: 0.7166666666666667", and
schedule_lr_decay's expected output 0.5 and 0.3846153846153846); the data drawn as the
course draws it (np.random.seed, then make_moons, permutation); and a NumPy write-up, in
this file, of the course's model: its forward pass, cost, backward pass and its three
update rules (momentum as the exponential average v = beta v + (1 - beta) dW).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_optimization.py"


@pytest.fixture(scope="module")
def ex():
    import sklearn.datasets  # noqa: F401 - loaded once here, not in the first test's time

    return runpy.run_path(str(EXAMPLE))


def _course_numpy_model(optimizer, lr0, epochs, interval=None, beta=0.9):
    """The course's model in NumPy, columns as examples: each epoch's last-batch and
    mean costs, and the final W1, ..., b3 (the course's layout)."""
    state = np.random.get_state()  # noqa: NPY002 - put back after
    try:
        from sklearn.datasets import make_moons

        np.random.seed(3)  # noqa: NPY002 - load_dataset
        X, Y = make_moons(n_samples=300, noise=0.2)
        X, Y = X.T, Y.reshape(1, -1)
        np.random.seed(3)  # noqa: NPY002 - initialize_parameters
        dims, P = (2, 5, 2, 1), {}
        for i in (1, 2, 3):
            P[f"W{i}"] = np.random.randn(dims[i], dims[i - 1]) * np.sqrt(2 / dims[i - 1])  # noqa: NPY002
            P[f"b{i}"] = np.zeros((dims[i], 1))
        v = {k: np.zeros_like(p) for k, p in P.items()}
        s = {k: np.zeros_like(p) for k, p in P.items()}
        t, lr, last, mean = 0, lr0, [], []
        for epoch in range(epochs):
            np.random.seed(11 + epoch)  # noqa: NPY002 - random_mini_batches
            perm = list(np.random.permutation(300))  # noqa: NPY002
            sX, sY = X[:, perm], Y[:, perm]
            total = 0.0
            for k in range(0, 300, 64):
                x, y = sX[:, k:k + 64], sY[:, k:k + 64]
                m = x.shape[1]
                A = [x]
                for i in (1, 2, 3):
                    Z = P[f"W{i}"] @ A[-1] + P[f"b{i}"]
                    A.append(np.maximum(0, Z) if i < 3 else 1 / (1 + np.exp(-Z)))
                cost = np.sum(-np.log(A[3]) * y - np.log(1 - A[3]) * (1 - y))
                total += cost
                dZ, g = (A[3] - y) / m, {}
                for i in (3, 2, 1):
                    g[f"W{i}"], g[f"b{i}"] = dZ @ A[i - 1].T, dZ.sum(axis=1, keepdims=True)
                    if i > 1:
                        dZ = (P[f"W{i}"].T @ dZ) * (A[i - 1] > 0)
                t += 1
                for key in P:
                    if optimizer == "gd":
                        P[key] = P[key] - lr * g[key]
                    elif optimizer == "momentum":
                        v[key] = beta * v[key] + (1 - beta) * g[key]
                        P[key] = P[key] - lr * v[key]
                    else:
                        v[key] = 0.9 * v[key] + 0.1 * g[key]
                        s[key] = 0.999 * s[key] + 0.001 * g[key] ** 2
                        P[key] = P[key] - lr * (v[key] / (1 - 0.9 ** t)) / (
                            np.sqrt(s[key] / (1 - 0.999 ** t)) + 1e-8)
            last.append(cost / m)
            mean.append(total / 300)
            if interval:
                lr = lr0 / (1 + np.floor(epoch / interval))
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return np.array(last), np.array(mean), P


def test_data_weights_and_mini_batches_are_the_courses(ex):
    from sklearn.datasets import make_moons

    X, y = ex["moons"]()
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(3)  # noqa: NPY002
        ref = make_moons(n_samples=300, noise=0.2)
        np.random.seed(3)  # noqa: NPY002
        W1 = np.random.randn(5, 2) * np.sqrt(2 / 2)  # noqa: NPY002
        W2 = np.random.randn(2, 5) * np.sqrt(2 / 5)  # noqa: NPY002
        W3 = np.random.randn(1, 2) * np.sqrt(2 / 2)  # noqa: NPY002
        np.random.seed(11)  # noqa: NPY002 - the first epoch's shuffle
        perm = np.random.permutation(300)  # noqa: NPY002
    finally:
        np.random.set_state(state)  # noqa: NPY002
    np.testing.assert_array_equal(X, ref[0])
    np.testing.assert_array_equal(y, ref[1])
    net = ex["network"]()
    for layer, W in zip(net.layers, (W1, W2, W3), strict=True):
        np.testing.assert_array_equal(layer.W, W.T)
        assert not layer.b.any()
    batches = ex["mini_batches"](300, 11)
    assert [len(b) for b in batches] == [64, 64, 64, 64, 44]
    np.testing.assert_array_equal(np.concatenate(batches), perm)


@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_the_steps_are_the_courses_numpy_steps(ex, name):
    # 20 epochs, 100 steps: costs and weights against the NumPy write-up of the course
    run = ex["model"](name, 0.0007, 20)
    last, mean, P = _course_numpy_model(name, 0.0007, 20)
    np.testing.assert_allclose(run["last"], last, rtol=1e-13)
    np.testing.assert_allclose(run["mean"], mean, rtol=1e-13)
    for i, layer in enumerate(run["net"].layers, start=1):
        np.testing.assert_allclose(layer.W, P[f"W{i}"].T, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(layer.b, P[f"b{i}"][:, 0], rtol=1e-11, atol=1e-14)


def test_momentum_is_sgd_at_lr_times_1_minus_beta_and_dampening_is_not(ex):
    from chainrule.optimizers import SGD

    opt, scale = ex["optimizer"]("momentum", 0.0007)
    assert (opt.momentum, scale) == (0.9, pytest.approx(0.1))
    g = np.random.default_rng(0).normal(size=(3, 4))
    # the course's exponential average against PyTorch-style velocity at rate lr (1 - beta)
    w, v = np.zeros(4), np.zeros(4)
    params = np.zeros(4)
    for gi in g:
        v = 0.9 * v + 0.1 * gi
        w -= 0.0007 * v
        opt.step(params, gi)
    np.testing.assert_allclose(params, w, rtol=1e-13)
    # PyTorch's dampening leaves the first velocity undamped: a first step ten times the course's
    damped, first = SGD(lr=0.0007, momentum=0.9, dampening=0.1 * 9), np.zeros(4)
    damped.step(first, g[0])
    np.testing.assert_allclose(first, -0.0007 * g[0], rtol=1e-15)
    np.testing.assert_allclose(first, 10 * (-0.0007 * 0.1 * g[0]), rtol=1e-13)


def test_course_decay_is_schedule_lr_decay_and_update_lr(ex):
    decay = ex["CourseDecay"]
    # schedule_lr_decay's expected output (lr 0.5, decay_rate 0.3, time_interval 100): the
    # course's rate after epoch i is this schedule's for epoch i + 1
    assert decay(0.3, 100).lr(10 + 1, 0.5, {}) == 0.5
    assert decay(0.3, 100).lr(100 + 1, 0.5, {}) == 0.3846153846153846
    for (_, lr0, interval), (_, rates) in ex["PUBLISHED_2021_DECAY"].items():
        got = [decay(1.0, interval).lr(i + 1, lr0, {}) for i in range(0, 5000, 1000)]
        assert [f"{r:.6f}" for r in got] == [f"{r:.6f}" for r in rates]
    assert decay(1.0, 1000).lr(0, 0.1, {}) == decay(1.0, 1000).lr(1000, 0.1, {}) == 0.1
    assert decay(1.0, 1000).lr(1001, 0.1, {}) == 0.05
    # the decay's steps are the course's (NumPy write-up, an interval of 3 epochs)
    run = ex["model"]("gd", 0.1, 10, decay(1.0, 3))
    _, mean, _ = _course_numpy_model("gd", 0.1, 10, interval=3)
    np.testing.assert_allclose(run["mean"], mean, rtol=1e-12)
    np.testing.assert_array_equal(run["lr"], [0.1] * 4 + [0.05] * 3 + [0.1 / 3] * 3)


@pytest.mark.parametrize("name", ["gd", "adam"])
def test_the_first_published_costs(ex, name):
    run = ex["model"](name, 0.0007, 1001)
    np.testing.assert_allclose(run["last"][::1000], ex["PUBLISHED_2017"][name][:2], atol=5e-7)
    np.testing.assert_allclose(run["mean"][0], ex["PUBLISHED_2021"][name][0], atol=5e-7)


@pytest.mark.slow
def test_the_2017_release_runs(ex):
    for name in ("gd", "momentum", "adam"):
        run = ex["model"](name, 0.0007, 10_000)
        np.testing.assert_allclose(run["last"][::1000], ex["PUBLISHED_2017"][name], atol=5e-7)
        assert run["accuracy"] == ex["PUBLISHED_2017_ACCURACY"][name]
    # one public copy's Adam figures: epsilon under the square root
    run = ex["model"]("adam_eps_in_sqrt", 0.0007, 10_000)
    np.testing.assert_allclose(run["last"][::1000], ex["PUBLISHED_2017_ADAM_OTHER"], atol=5e-7)
    assert run["accuracy"] == 0.94


@pytest.mark.slow
def test_the_2021_release_runs(ex):
    for name in ("gd", "momentum", "adam"):
        run = ex["model"](name, 0.0007, 5000)
        np.testing.assert_allclose(run["mean"][::1000], ex["PUBLISHED_2021"][name], atol=5e-7)
        if name in ex["PUBLISHED_2021_ACCURACY"]:
            assert run["accuracy"] == ex["PUBLISHED_2021_ACCURACY"][name]
        else:
            assert run["accuracy"] > 0.94  # the summary table's ">94%"
    for (name, lr0, interval), (costs, _) in ex["PUBLISHED_2021_DECAY"].items():
        run = ex["model"](name, lr0, 5000, ex["CourseDecay"](1.0, interval))
        np.testing.assert_allclose(run["mean"][::1000], costs, atol=5e-7)
