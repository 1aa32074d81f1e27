"""The margin losses: ``multiclass_hinge`` (cs231n's multiclass SVM loss, Weston-Watkins,
margin 1) and ``hinge`` (micrograd's binary max-margin loss), against loops written from
their definitions, PyTorch's ``MultiMarginLoss`` (which divides by the number of classes),
scikit-learn's ``hinge_loss``, central differences, and a training run."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr
from chainrule.layers import Dense
from chainrule.losses import LOSSES, get_loss, hinge_predictions
from chainrule.network import Network


def _svm_loop(S: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cs231n's multiclass SVM loss of each row and its gradient, written as loops over
    the examples and the wrong classes (their naive version's structure)."""
    n, k = S.shape
    L, G = np.zeros(n), np.zeros((n, k))
    for i in range(n):
        c = labels[i]
        for j in range(k):
            if j == c:
                continue
            margin = S[i, j] - S[i, c] + 1.0
            if margin > 0:
                L[i] += margin
                G[i, j] += 1.0
                G[i, c] -= 1.0
    return L, G


def _one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[labels]


def test_the_names_aliases_and_records():
    assert get_loss("svm") is LOSSES["multiclass_hinge"]
    assert get_loss("binary_hinge") is LOSSES["hinge"]
    for name in ("multiclass_hinge", "hinge"):
        loss = get_loss(name)
        assert loss.get_config() == name and loss.params == {}
        assert pickle.loads(pickle.dumps(loss)) == loss


@pytest.mark.parametrize("k", [2, 3, 10])
def test_multiclass_hinge_is_the_loop_of_its_definition(k):
    rng = np.random.default_rng(k)
    S = rng.normal(scale=2.0, size=(40, k))
    labels = rng.integers(0, k, 40)
    Y = _one_hot(labels, k)
    loss = LOSSES["multiclass_hinge"]
    L, G = _svm_loop(S, labels)
    np.testing.assert_allclose(loss.value(S, Y), L, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(loss.grad(S, Y), G, atol=0)
    path = loss.logit_paths["identity"]
    np.testing.assert_allclose(path.value(S, Y), L, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(path.delta(S, S, Y), G, atol=0)


@pytest.mark.parametrize("k", [3, 7])
def test_multiclass_hinge_is_torch_multi_margin_loss_times_the_classes(k):
    """torch.nn.MultiMarginLoss (p=1, margin=1) averages the same sum over the K classes
    (and, reduction "mean", over the examples): ours is K times it, value and gradient."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + k)
    S = rng.normal(size=(25, k))
    labels = rng.integers(0, k, 25)
    s = torch.tensor(S, requires_grad=True)
    ref = torch.nn.MultiMarginLoss()(s, torch.from_numpy(labels))
    ref.backward()
    loss = LOSSES["multiclass_hinge"]
    Y = _one_hot(labels, k)
    assert np.mean(loss.value(S, Y)) == pytest.approx(k * ref.item(), rel=1e-13)
    # the cost is the mean over the examples: its gradient is grad / n
    np.testing.assert_allclose(loss.grad(S, Y) / len(S), k * s.grad.numpy(), rtol=1e-12)


def test_hinge_is_sklearn_hinge_loss_and_its_definition():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    s = rng.normal(scale=1.5, size=(60, 1))
    y = np.where(rng.random((60, 1)) < 0.5, -1.0, 1.0)
    loss = LOSSES["hinge"]
    assert np.mean(loss.value(s, y)) == pytest.approx(
        metrics.hinge_loss(y[:, 0], s[:, 0]), rel=1e-13)
    pairs = list(zip(y[:, 0], s[:, 0], strict=True))
    expected = np.array([[-yi if 1 - yi * si > 0 else 0.0] for yi, si in pairs])
    np.testing.assert_array_equal(loss.grad(s, y), expected)
    np.testing.assert_array_equal(
        loss.value(s, y), [max(0.0, 1 - yi * si) for yi, si in pairs])


def _central_differences(net, X, Y, eps=1e-6):
    theta = net.params.copy()
    num = np.empty_like(theta)
    for i in range(theta.size):
        for sign in (1, -1):
            net.params[:] = theta
            net.params[i] += sign * eps
            J = net.loss_and_grad(X, Y)[0]
            num[i] = J if sign == 1 else (num[i] - J) / (2 * eps)
    net.params[:] = theta
    return num


@pytest.mark.parametrize("loss, k", [("multiclass_hinge", 4), ("hinge", 1)])
def test_network_gradient_is_central_differences(loss, k):
    """Piecewise linear: away from the kinks (checked: no margin and no ReLU input within
    1e-4 of 0), the central difference is the gradient up to rounding."""
    rng = np.random.default_rng(11)
    net = Network([Dense(3, 6, activation="relu", seed=1),
                   Dense(6, k, activation="identity", seed=2)],
                  loss=loss, weight_decay=0.03)
    for layer in net.layers:  # weights of order 1, so that few inputs sit near a kink
        layer.W[:] = rng.normal(size=layer.W.shape)
        layer.b[:] = rng.normal(scale=0.5, size=layer.b.shape)
    X = rng.normal(size=(12, 3))
    y = rng.integers(0, k, 12) if k > 1 else np.where(rng.random(12) < 0.5, -1.0, 1.0)
    Y = net.prepare_targets(y, 12)
    Z1 = X @ net.layers[0].W + net.layers[0].b
    S = np.maximum(Z1, 0) @ net.layers[1].W + net.layers[1].b
    margins = (S - (S * Y).sum(1, keepdims=True) + 1)[Y == 0] if k > 1 else 1 - Y * S
    assert np.abs(Z1).min() > 1e-4 and np.abs(margins).min() > 1e-4
    g = net.loss_and_grad(X, y)[1].copy()
    num = _central_differences(net, X, y)
    rel = np.linalg.norm(num - g) / np.linalg.norm(num + g)
    assert rel < 1e-8, rel


def test_training_with_each_margin_loss_separates_the_classes():
    rng = np.random.default_rng(3)
    centres = np.array([[2.0, 0.0], [-1.0, 2.0], [-1.0, -2.0]])
    labels = np.repeat(np.arange(3), 30)
    X = centres[labels] + rng.normal(scale=0.4, size=(90, 2))
    net = Network([Dense(2, 8, activation="relu", seed=0),
                   Dense(8, 3, activation="identity", seed=1)], loss="svm")
    cr.train(net, X, labels, optimizer=cr.SGD(lr=0.1), epochs=60, batch_size=30, seed=0)
    assert np.mean(hinge_predictions(net.predict(X)) == labels) == 1.0
    assert net.loss_and_grad(X, labels)[0] < 0.05
    signs = np.where(labels == 0, 1.0, -1.0)  # class 0 against the rest
    net2 = Network([Dense(2, 8, activation="relu", seed=0),
                    Dense(8, 1, activation="identity", seed=1)], loss="hinge")
    cr.train(net2, X, signs, optimizer=cr.SGD(lr=0.1), epochs=60, batch_size=30, seed=0)
    assert np.mean(hinge_predictions(net2.predict(X)) == signs) == 1.0


def test_targets_that_are_not_labels_are_refused_naming_the_argument():
    net = Network([Dense(2, 3, activation="identity")], loss="multiclass_hinge")
    X = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"Y: loss 'multiclass_hinge' needs one-hot target "
                                         r"rows .* got 2 row\(s\) that are not"):
        net.loss_and_grad(X, np.full((2, 3), 1 / 3))
    binary = Network([Dense(2, 1, activation="identity")], loss="hinge")
    with pytest.raises(ValueError, match=r"Y: loss 'hinge' needs targets -1 or \+1, got 1 "
                                         r"other value\(s\) \(e.g. 0\); 0/1 labels y become"):
        binary.loss_and_grad(X, np.array([0.0, 1.0]))


def test_hinge_predictions_are_argmax_and_sign():
    S = np.array([[0.1, 2.0, -1.0], [3.0, 2.0, 1.0]])
    np.testing.assert_array_equal(hinge_predictions(S), [1, 0])
    np.testing.assert_array_equal(hinge_predictions(np.array([[-0.2], [0.0], [4.0]])),
                                  [-1.0, -1.0, 1.0])  # 0: negative, as micrograd and sklearn
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    clf = sklearn_linear.SGDClassifier(loss="hinge", max_iter=5, tol=None, random_state=0)
    clf.fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [-1, -1, 1, 1])
    clf.coef_[:], clf.intercept_[:] = 1.0, -1.5  # decision function x - 1.5: 0 at x = 1.5
    grid = np.array([[0.5], [1.5], [2.5]])
    np.testing.assert_array_equal(hinge_predictions(clf.decision_function(grid)[:, None]),
                                  clf.predict(grid))
    with pytest.raises(ValueError, match=r"scores: expected shape \(n_samples, n_outputs\)"):
        hinge_predictions(np.zeros(3))


def test_a_saved_network_keeps_its_margin_loss(tmp_path):
    net = Network([Dense(2, 3, activation="identity", seed=4)], loss="svm")
    path = tmp_path / "svm.npz"
    cr.io.save(net, path)
    back = cr.io.load(path)
    assert back.loss == LOSSES["multiclass_hinge"]
    X = np.array([[0.5, -1.0], [2.0, 0.3]])
    assert back.loss_and_grad(X, [0, 2])[0] == net.loss_and_grad(X, [0, 2])[0]


@pytest.mark.parametrize("loss, k", [("multiclass_hinge", 3), ("hinge", 2)])
def test_the_per_example_reference_loop_agrees(loss, k):
    """chainrule.reference (the textbook loop on Python floats) takes the margin losses too,
    and its cost and gradient are the engine's."""
    from chainrule import reference

    rng = np.random.default_rng(21)
    net = Network([Dense(3, 4, activation="tanh", seed=5),
                   Dense(4, k, activation="identity", seed=6)], loss=loss, weight_decay=0.2)
    for layer in net.layers:
        layer.W[:] = rng.normal(size=layer.W.shape)
    X = rng.normal(size=(7, 3))
    Y = rng.integers(0, k, 7) if loss == "multiclass_hinge" else rng.choice([-1.0, 1.0], (7, k))
    J_ref, g_ref = reference.loss_and_grad(net, X, Y)
    J, g = net.loss_and_grad(X, Y)
    assert J == pytest.approx(J_ref, rel=1e-13)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-14)
