"""Training (SPEC 7): train(), minimize(), the optimizers, divergence, and digits.

References are hand loops written here (w - lr * grad with gradients from an
independent copy of the network), the optimizers' textbook formulas, SciPy's
own ``minimize`` called directly, and scikit-learn for the digits data.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import scipy.optimize
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

import chainrule
from chainrule import mlp
from chainrule.optimizers import SGD, AdaGrad, Adam, RMSProp, get_optimizer
from chainrule.training import TrainingDiverged


@pytest.fixture
def clf_data(rng):
    """A small 3-class problem: 12 examples, 4 features."""
    X = rng.normal(size=(12, 4))
    labels = np.arange(12) % 3
    X[np.arange(12), labels] += 2.0  # make it learnable
    return X, labels, np.eye(3)[labels]


@pytest.fixture
def clf_net():
    return mlp([4, 5, 3], hidden="tanh", output="softmax", seed=3)


@pytest.fixture
def reg_data(rng):
    X = rng.normal(size=(20, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    return X, y


# --- gradient descent against hand loops ---------------------------------------------------


def test_one_epoch_gd_is_w_minus_lr_grad(clf_net, clf_data):
    X, _, Y = clf_data
    ref = clf_net.copy()
    J0, g = ref.loss_and_grad(X, Y)
    expected = ref.params - 0.3 * g
    hist = chainrule.train(clf_net, X, Y, optimizer="gd", lr=0.3, epochs=1)
    np.testing.assert_allclose(clf_net.params, expected, rtol=1e-14, atol=1e-16)
    assert hist["loss"] == [pytest.approx(J0, rel=1e-14)]  # cost before the update


def test_gd_momentum_three_epochs(clf_net, clf_data):
    X, _, Y = clf_data
    eta, mu = 0.2, 0.9
    ref = clf_net.copy()
    w = ref.params.copy()
    delta = np.zeros_like(w)
    losses = []
    for _ in range(3):
        J, g = ref.cost(w, X, Y)
        losses.append(J)
        delta = mu * delta + g  # Delta <- mu Delta + dJ/dW
        w = w - eta * delta  # W <- W - eta Delta
    hist = chainrule.train(clf_net, X, Y, optimizer="gd", lr=eta, momentum=mu, epochs=3)
    np.testing.assert_allclose(clf_net.params, w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hist["loss"], losses, rtol=1e-12)


def test_sgd_batch_size_1_without_shuffle_is_per_example_loop(clf_net, clf_data):
    X, _, Y = clf_data
    lr = 0.05
    ref = clf_net.copy()
    epoch_losses = []
    for _ in range(2):
        total = 0.0
        for i in range(X.shape[0]):
            J, g = ref.loss_and_grad(X[i : i + 1], Y[i : i + 1])
            total += J
            ref.params[...] = ref.params - lr * g
        epoch_losses.append(total / X.shape[0])
    hist = chainrule.train(
        clf_net, X, Y, optimizer="sgd", lr=lr, batch_size=1, epochs=2, shuffle=False, seed=0
    )
    np.testing.assert_allclose(clf_net.params, ref.params, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hist["loss"], epoch_losses, rtol=1e-12)


def test_minibatches_with_a_short_last_batch(clf_net, clf_data):
    X, _, Y = clf_data
    X, Y = X[:7], Y[:7]  # batches [0:3], [3:6], [6:7]
    lr = 0.1
    ref = clf_net.copy()
    total = 0.0
    for sl in (slice(0, 3), slice(3, 6), slice(6, 7)):
        J, g = ref.loss_and_grad(X[sl], Y[sl])
        total += J * (sl.stop - sl.start)
        ref.params[...] -= lr * g
    hist = chainrule.train(
        clf_net, X, Y, optimizer="sgd", lr=lr, batch_size=3, epochs=1, shuffle=False
    )
    np.testing.assert_allclose(clf_net.params, ref.params, rtol=1e-12, atol=1e-15)
    assert hist["loss"][0] == pytest.approx(total / 7, rel=1e-12)


def test_adam_full_batch_training_matches_hand_loop(clf_net, clf_data):
    X, _, Y = clf_data
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    ref = clf_net.copy()
    w = ref.params.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, 4):
        _, g = ref.cost(w, X, Y)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    chainrule.train(clf_net, X, Y, optimizer="adam", lr=lr, batch_size=12, epochs=3, seed=0)
    np.testing.assert_allclose(clf_net.params, w, rtol=1e-10, atol=1e-14)


# --- reproducibility, history --------------------------------------------------------------


def test_same_seed_same_result_twice(clf_data):
    X, labels, _ = clf_data
    runs = []
    for seed in (7, 7, 8):
        net = mlp([4, 5, 3], hidden="relu", output="softmax", seed=1)
        hist = chainrule.train(
            net, X, labels, optimizer="sgd", lr=0.1, momentum=0.5, batch_size=4, epochs=5,
            seed=seed,
        )
        runs.append((net.params.copy(), list(hist["loss"])))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    assert not np.array_equal(runs[0][0], runs[2][0])  # the shuffle depends on the seed


def test_shuffle_changes_the_order(clf_data):
    X, labels, _ = clf_data
    a = mlp([4, 5, 3], hidden="tanh", output="softmax", seed=1)
    b = a.copy()
    chainrule.train(a, X, labels, optimizer="sgd", batch_size=1, epochs=1, shuffle=False)
    chainrule.train(b, X, labels, optimizer="sgd", batch_size=1, epochs=1, seed=3)
    assert not np.allclose(a.params, b.params)


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "adam", "rmsprop", "adagrad", "nesterov"])
def test_history_lengths_and_keys(optimizer, clf_net, clf_data):
    X, labels, _ = clf_data
    kw = {} if optimizer == "gd" else {"batch_size": 5}
    hist = chainrule.train(
        clf_net, X, labels, optimizer=optimizer, lr=0.01, epochs=4, seed=0,
        validation_data=(X[:6], labels[:6]), **kw,
    )
    assert isinstance(hist, dict)
    assert isinstance(hist, chainrule.History)
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert len(hist[key]) == 4, key
    assert hist.epochs == 4
    assert hist.stop_reason == "epochs"


@pytest.mark.parametrize(("bad", "exc"), [("high", ValueError), (np.ones(3), TypeError),
                                          ([1.0, None], TypeError), (None, TypeError)])
def test_history_append_of_a_bad_value_appends_nothing(bad, exc):
    """History.append converted and appended metric by metric: a bad value after good
    ones (a callback recording its own metric) left those appended, one epoch longer
    than the rest, and the error named no metric."""
    hist = chainrule.History()
    hist.append(loss=0.5, lr=0.1, grad_norms=[1.0, 2.0])
    with pytest.raises(exc, match=r"^my_metric: expected a float, or a list of floats"):
        hist.append(loss=0.25, lr=0.1, grad_norms=(3, 4), my_metric=bad)
    assert hist == {"loss": [0.5], "lr": [0.1], "grad_norms": [[1.0, 2.0]]}
    hist.append(loss=np.float32(0.25), lr=0.1, grad_norms=(3, 4), my_metric=np.int64(2))
    assert hist == {"loss": [0.5, 0.25], "lr": [0.1, 0.1],
                    "grad_norms": [[1.0, 2.0], [3.0, 4.0]], "my_metric": [2.0]}
    assert hist.epochs == 2


def test_regression_history_has_no_accuracy(reg_data):
    X, y = reg_data
    net = mlp([3, 1], seed=0)
    hist = chainrule.train(net, X, y, lr=0.05, epochs=3, validation_data=(X, y))
    assert len(hist["loss"]) == len(hist["val_loss"]) == 3
    assert "accuracy" not in hist
    assert "val_accuracy" not in hist


def test_loss_decreases_on_easy_problem(reg_data):
    X, y = reg_data
    net = mlp([3, 1], seed=0)
    hist = chainrule.train(net, X, y, optimizer="gd", lr=0.1, epochs=200)
    loss = np.asarray(hist["loss"])
    assert np.all(np.diff(loss) < 0)  # convex quadratic, small steps: monotone
    assert loss[-1] < 1e-3 * loss[0]
    # reached the least-squares solution computed by numpy
    A = np.hstack([X, np.ones((20, 1))])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(net.params, sol, atol=1e-3)


def test_labels_and_one_hot_give_the_same_result(clf_data):
    X, labels, Y = clf_data
    a = mlp([4, 5, 3], hidden="tanh", output="softmax", seed=2)
    b = a.copy()
    ha = chainrule.train(a, X, labels, optimizer="sgd", lr=0.1, batch_size=5, epochs=3, seed=4)
    hb = chainrule.train(b, X, Y, optimizer="sgd", lr=0.1, batch_size=5, epochs=3, seed=4)
    assert np.array_equal(a.params, b.params)
    assert ha["loss"] == hb["loss"]
    assert ha["accuracy"] == hb["accuracy"]


def test_validation_metrics_match_the_final_network(clf_net, clf_data, rng):
    X, labels, Y = clf_data
    Xv = rng.normal(size=(9, 4))
    yv = rng.integers(0, 3, size=9)
    start_acc = np.mean(np.argmax(clf_net.forward(X), axis=1) == labels)
    hist = chainrule.train(
        clf_net, X, Y, optimizer="gd", lr=0.5, epochs=5, validation_data=(Xv, yv)
    )
    assert hist["val_loss"][-1] == pytest.approx(clf_net.loss_value(Xv, yv), rel=1e-14)
    # independent: numpy cross-entropy and accuracy of the final network
    P = clf_net.forward(Xv)
    np_loss = -np.mean(np.log(P[np.arange(9), yv]))
    assert hist["val_loss"][-1] == pytest.approx(np_loss, rel=1e-12)
    assert hist["val_accuracy"][-1] == accuracy_score(yv, np.argmax(P, axis=1))
    # training accuracy of a gd epoch is measured before its update
    assert hist["accuracy"][0] == pytest.approx(start_acc)


# --- SciPy optimisers ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["L-BFGS-B", "CG"])
def test_minimize_agrees_with_scipy(method, clf_data):
    X, labels, _ = clf_data
    net = mlp([4, 5, 3], hidden="tanh", output="softmax", seed=5)
    ref = net.copy()
    theta0 = net.params.copy()
    J0 = net.loss_value(X, labels)
    result = chainrule.minimize(net, X, labels, method=method, maxiter=30)
    assert np.array_equal(net.params, result.x)
    J1 = net.loss_value(X, labels)
    assert J1 < 0.5 * J0
    assert result.fun == pytest.approx(J1, rel=1e-12)
    direct = scipy.optimize.minimize(
        ref.cost, theta0, args=(X, labels), jac=True, method=method, options={"maxiter": 30}
    )
    np.testing.assert_allclose(result.x, direct.x, rtol=1e-7, atol=1e-9)
    assert result.fun == pytest.approx(direct.fun, rel=1e-9)
    assert np.array_equal(ref.params, theta0)  # ref.cost never moved ref


def test_minimize_stops_when_the_cost_is_not_finite():
    """An overflowing cost is a divergence, not a quiet result with fun=nan."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    net = mlp([3, 4, 1], hidden="relu", output="identity", loss="squared_error", seed=0)
    theta0 = net.params.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        J0 = net.loss_and_grad(X * 1e200, X.sum(1, keepdims=True))[0]
    assert not np.isfinite(J0)  # the reason: (1e200)^2 overflows
    with pytest.raises(TrainingDiverged, match="cost at the initial parameters is inf") as info:
        chainrule.minimize(net, X * 1e200, X.sum(1, keepdims=True))
    assert info.value.what == "cost" and info.value.history.epochs == 0
    np.testing.assert_array_equal(net.params, theta0)


@pytest.mark.parametrize("at", [1, 10, 27])
def test_minimize_interrupted_keeps_the_last_iterate(monkeypatch, at):
    """Ctrl-C during the ``at``-th evaluation of the cost (1: the initial point; 10 and 27:
    trial points of L-BFGS's line search, after 7 and 24 iterations) leaves the network
    at the last iterate the callback saw, whose cost is the callback's, not at the point
    being evaluated, which the interrupt would otherwise leave behind."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)[:, None]
    net = mlp([3, 6, 1], seed=0)
    theta0 = net.params.copy()
    plain, calls, trial = chainrule.network.Network._loss_and_grad, [0], []

    def evaluate(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == at:
            trial.append(self.params.copy())  # the point SciPy asked for
            raise KeyboardInterrupt
        return plain(self, *args, **kwargs)

    iterates = []
    monkeypatch.setattr(chainrule.network.Network, "_loss_and_grad", evaluate)
    with pytest.raises(KeyboardInterrupt):
        chainrule.minimize(net, X, y, maxiter=100,
                           callback=lambda theta, J: iterates.append((theta.copy(), J)))
    monkeypatch.setattr(chainrule.network.Network, "_loss_and_grad", plain)
    if at == 1:
        assert iterates == []
        np.testing.assert_array_equal(net.params, theta0)
        return
    last, J = iterates[-1]
    assert not np.array_equal(trial[0], last)  # the interrupt came at another point
    np.testing.assert_array_equal(net.params, last)
    assert net.loss_and_grad(X, y)[0] == pytest.approx(J, rel=1e-12)


def test_minimize_regression_reaches_least_squares(reg_data):
    X, y = reg_data
    net = mlp([3, 1], seed=0)
    chainrule.minimize(net, X, y, method="L-BFGS-B", maxiter=200)
    A = np.hstack([X, np.ones((20, 1))])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(net.params, sol, rtol=1e-5, atol=1e-6)



# --- sample weights with a per-sample weight decay -----------------------------------------


def _per_sample_net():
    return mlp([4, 5, 3], hidden="tanh", output="softmax", seed=4, weight_decay=0.2,
               decay="per_sample")


def test_weighted_gd_and_lbfgs_equal_repeated_rows_with_per_sample_decay(clf_data):
    X, labels, _ = clf_data
    w = np.array([2, 0, 1, 3, 1, 1, 0, 2, 1, 4, 1, 1])
    Xr, yr = np.repeat(X, w, axis=0), np.repeat(labels, w)
    a, b = _per_sample_net(), _per_sample_net()
    chainrule.train(a, X, labels, optimizer="gd", lr=0.5, epochs=15, sample_weight=w)
    chainrule.train(b, Xr, yr, optimizer="gd", lr=0.5, epochs=15)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-11, atol=1e-13)
    # scipy_fit's objective: the same cost and gradient, so the same L-BFGS path
    a, b = _per_sample_net(), _per_sample_net()
    ra = chainrule.minimize(a, X, labels, maxiter=25, sample_weight=w)
    rb = chainrule.minimize(b, Xr, yr, maxiter=25)
    assert ra.fun == pytest.approx(rb.fun, rel=1e-9)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-7, atol=1e-9)


def test_a_mini_batch_of_zero_weights_moves_only_the_decay_over_its_rows(clf_data):
    # batches (no shuffle) of 4 rows: the middle one has only zero weights.  Hand loop:
    # the weighted batches count sum(w) examples in the decay; the zero batch has no data
    # term and its decay divides by its 4 rows, so every step stays finite
    X, labels, Y = clf_data
    w = np.array([1.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 3.0, 1.0, 1.0, 0.5])
    lr, lam = 0.3, 0.2
    ref = _per_sample_net()
    net = _per_sample_net()
    for sl in (slice(0, 4), slice(4, 8), slice(8, 12)):
        wb, m_decay = w[sl], (w[sl].sum() if w[sl].sum() > 0 else 4)
        grad = np.zeros(ref.n_params)
        k = 0
        for layer in ref.layers:  # decay on the weights only, c = lam / m_decay
            grad[k:k + layer.W.size] = lam / m_decay * layer.W.ravel()
            k += layer.W.size + layer.b.size
        if wb.sum() > 0:  # the data part: sum_i w_i dL_i / sum w, one example at a time
            plain = mlp([4, 5, 3], hidden="tanh", output="softmax", seed=4)
            plain.set_params(ref.params)
            for i in range(sl.start, sl.stop):
                grad += w[i] / wb.sum() * plain.loss_and_grad(X[i:i + 1], Y[i:i + 1])[1]
        ref.params[...] -= lr * grad
    hist = chainrule.train(net, X, labels, optimizer="sgd", lr=lr, batch_size=4, epochs=1,
                           shuffle=False, sample_weight=w)
    assert np.all(np.isfinite(net.params)) and np.isfinite(hist["loss"][0])
    np.testing.assert_allclose(net.params, ref.params, rtol=1e-12, atol=1e-14)


# --- optimizers: one step equals the hand formula ------------------------------------------

P0 = np.array([0.5, -1.0, 2.0, 0.0])
G1 = np.array([0.1, -0.3, 0.2, 1.0])
G2 = np.array([-0.2, 0.4, 0.05, 0.5])


def _two_steps(opt):
    p = P0.copy()
    opt.step(p, G1.copy())
    after1 = p.copy()
    opt.step(p, G2.copy())
    return after1, p


def test_sgd_step():
    after1, after2 = _two_steps(SGD(lr=0.1))
    np.testing.assert_allclose(after1, P0 - 0.1 * G1, rtol=1e-15)
    np.testing.assert_allclose(after2, P0 - 0.1 * G1 - 0.1 * G2, rtol=1e-15)


def test_momentum_step():
    lr, mu = 0.1, 0.9
    after1, after2 = _two_steps(SGD(lr=lr, momentum=mu))
    v1 = G1
    w1 = P0 - lr * v1
    v2 = mu * v1 + G2
    w2 = w1 - lr * v2
    np.testing.assert_allclose(after1, w1, rtol=1e-15)
    np.testing.assert_allclose(after2, w2, rtol=1e-14)


def test_nesterov_step():
    lr, mu = 0.1, 0.9
    after1, after2 = _two_steps(SGD(lr=lr, momentum=mu, nesterov=True))
    v1 = G1
    w1 = P0 - lr * (G1 + mu * v1)
    v2 = mu * v1 + G2
    w2 = w1 - lr * (G2 + mu * v2)
    np.testing.assert_allclose(after1, w1, rtol=1e-15)
    np.testing.assert_allclose(after2, w2, rtol=1e-14)
    # the name "nesterov" builds the same rule with mu = 0.9
    _, by_name = _two_steps(get_optimizer("nesterov", lr=lr))
    np.testing.assert_allclose(by_name, w2, rtol=1e-14)


def test_adagrad_step():
    lr, eps = 0.5, 1e-8
    after1, after2 = _two_steps(AdaGrad(lr=lr, eps=eps))
    s1 = G1**2
    w1 = P0 - lr * G1 / (np.sqrt(s1) + eps)
    s2 = s1 + G2**2
    w2 = w1 - lr * G2 / (np.sqrt(s2) + eps)
    np.testing.assert_allclose(after1, w1, rtol=1e-14)
    np.testing.assert_allclose(after2, w2, rtol=1e-14)


def test_rmsprop_step():
    lr, rho, eps = 0.01, 0.9, 1e-8
    after1, after2 = _two_steps(RMSProp(lr=lr, rho=rho, eps=eps))
    s1 = (1 - rho) * G1**2
    w1 = P0 - lr * G1 / (np.sqrt(s1) + eps)
    s2 = rho * s1 + (1 - rho) * G2**2
    w2 = w1 - lr * G2 / (np.sqrt(s2) + eps)
    np.testing.assert_allclose(after1, w1, rtol=1e-14)
    np.testing.assert_allclose(after2, w2, rtol=1e-14)


def test_adam_step():
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-8
    after1, after2 = _two_steps(Adam(lr=lr, beta1=b1, beta2=b2, eps=eps))
    m1 = (1 - b1) * G1
    v1 = (1 - b2) * G1**2
    w1 = P0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    # first Adam step moves every nonzero-gradient weight by about lr * sign(g)
    np.testing.assert_allclose(w1 - P0, -lr * np.sign(G1), rtol=1e-6)
    m2 = b1 * m1 + (1 - b1) * G2
    v2 = b2 * v1 + (1 - b2) * G2**2
    w2 = w1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(after1, w1, rtol=1e-14)
    np.testing.assert_allclose(after2, w2, rtol=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda wd: SGD(lr=0.1, weight_decay=wd),
        lambda wd: SGD(lr=0.1, momentum=0.9, weight_decay=wd),
        lambda wd: Adam(lr=0.01, weight_decay=wd),
        lambda wd: RMSProp(lr=0.01, weight_decay=wd),
        lambda wd: AdaGrad(lr=0.1, weight_decay=wd),
    ],
    ids=["sgd", "momentum", "adam", "rmsprop", "adagrad"],
)
def test_decoupled_weight_decay(make):
    """w <- w - lr * update - lambda * w: the same update plus -lambda * w."""
    wd = 0.01
    plain, decayed = make(0.0), make(wd)
    p_plain, p_dec = P0.copy(), P0.copy()
    plain.step(p_plain, G1.copy())
    decayed.step(p_dec, G1.copy())
    update1 = P0 - p_plain  # lr * update of step 1
    np.testing.assert_allclose(p_dec, P0 - update1 - wd * P0, rtol=1e-14, atol=1e-16)
    # step 2 from the decayed point: plain rule's step from there, minus lambda * w
    # (the rules' state depends on the gradients only, so both take the same update)
    before, plain_before = p_dec.copy(), p_plain.copy()
    plain.step(p_plain, G2.copy())
    update2 = plain_before - p_plain  # lr * update of step 2
    decayed.step(p_dec, G2.copy())
    np.testing.assert_allclose(p_dec, before - update2 - wd * before, rtol=1e-13, atol=1e-16)


def test_sgd_weight_decay_by_hand():
    lr, wd = 0.1, 0.05
    after1, after2 = _two_steps(SGD(lr=lr, weight_decay=wd))
    w1 = P0 - lr * G1 - wd * P0
    w2 = w1 - lr * G2 - wd * w1
    np.testing.assert_allclose(after1, w1, rtol=1e-15)
    np.testing.assert_allclose(after2, w2, rtol=1e-14)


# --- divergence ----------------------------------------------------------------------------


def _linear_reference_divergence(X, y, W, b, lr, batches):
    """Hand loop of gradient descent on 1/2 mean (Xw + b - y)^2 until something is non-finite.

    Returns (epoch, batch, W, b) where W, b are the last parameters whose loss was finite.
    """
    good = W, b
    with np.errstate(all="ignore"):
        for epoch in range(1, 10_000):
            for k, sl in enumerate(batches):
                r = X[sl] @ W + b - y[sl]
                J = 0.5 * np.mean(r * r)
                if not np.isfinite(J):  # the loss at (W, b) is not finite: the step before
                    return epoch, k, *good
                good = W, b
                W2 = W - lr * X[sl].T @ r / len(r)
                b2 = b - lr * np.mean(r)
                if not (np.all(np.isfinite(W2)) and np.isfinite(b2)):
                    return epoch, k, W, b
                W, b = W2, b2
    raise AssertionError("reference loop did not diverge")


@pytest.mark.parametrize(
    ("optimizer", "batch_size"), [("gd", None), ("sgd", 4)], ids=["gd", "sgd-batches"]
)
def test_divergence_raises_and_keeps_finite_params(optimizer, batch_size, reg_data):
    X, y = reg_data
    X, y = X[:10], y[:10]
    net = mlp([3, 1], seed=0)
    W, b = net.layers[0].W[:, 0].copy(), float(net.layers[0].b[0])
    batches = [slice(0, 10)] if batch_size is None else [slice(0, 4), slice(4, 8), slice(8, 10)]
    epoch, batch, W_last, b_last = _linear_reference_divergence(X, y, W, b, 1e6, batches)
    with pytest.raises(TrainingDiverged, match=rf"epoch {epoch}, batch {batch}\b") as info:
        chainrule.train(
            net, X, y, optimizer=optimizer, lr=1e6, batch_size=batch_size, epochs=500,
            shuffle=False,
        )
    assert info.value.epoch == epoch
    assert info.value.batch == batch
    assert np.all(np.isfinite(net.params))
    np.testing.assert_allclose(net.params, np.append(W_last, b_last), rtol=1e-6)
    assert len(info.value.history["loss"]) == epoch - 1
    assert info.value.history.stop_reason == "diverged"
    # still usable: the network's loss is finite at the parameters it keeps
    assert np.isfinite(net.loss_value(X, y))


def test_diverged_is_a_floating_point_error():
    assert issubclass(TrainingDiverged, FloatingPointError)
    assert chainrule.TrainingDiverged is TrainingDiverged


# --- a real data set -----------------------------------------------------------------------


def test_digits_reaches_95_percent():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    net = mlp([64, 64, 10], hidden="relu", output="softmax", seed=0)
    hist = chainrule.train(
        net, X_tr, y_tr, optimizer="sgd", lr=0.1, momentum=0.9, batch_size=32, epochs=30,
        seed=0, validation_data=(X_te, y_te),
    )
    pred = np.argmax(net.forward(X_te), axis=1)
    acc = accuracy_score(y_te, pred)
    assert acc >= 0.95
    assert hist["val_accuracy"][-1] == pytest.approx(acc)
    assert hist["loss"][-1] < hist["loss"][0] / 10


def test_divergence_with_validation_data_raises_training_diverged():
    X = np.random.default_rng(0).normal(size=(10, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    Xv = np.random.default_rng(1).normal(size=(50, 3))
    yv = Xv @ np.array([1.0, 2.0, -1.0])
    net = mlp([3, 1], seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(TrainingDiverged, match=r"epoch \d+, batch 0") as info:
            chainrule.train(net, X, y, optimizer="gd", lr=1e6, epochs=500,
                            validation_data=(Xv, yv))
    assert np.all(np.isfinite(net.params))
    assert np.all(np.isfinite(info.value.history["val_loss"]))


@pytest.mark.parametrize("method", [["CG"], ("lbfgs",), {"CG": 1}, None, 3])
def test_minimize_names_a_method_that_is_no_name(method, clf_data):
    """method=["CG"] failed with Python's "unhashable type: 'list'", naming nothing."""
    X, y, _ = clf_data
    net = mlp([4, 3, 3], output="softmax", seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=rf"^method: unknown method {re.escape(repr(method))}; "
                                         r"valid methods are: L-BFGS-B \(or lbfgs\), CG, BFGS, "
                                         r"in any case$"):
        chainrule.minimize(net, X, y, method=method)
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.parametrize("extra", ["batchnorm", "dropout"])
def test_minimize_refuses_layers_it_would_silence(extra):
    """L-BFGS minimises the evaluation-mode cost: dropout would do nothing and batch
    norm would normalise with running statistics (0, 1) that no step updates."""
    from chainrule import BatchNorm, Dense, Dropout, Network

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    middle = BatchNorm(4, "relu") if extra == "batchnorm" else Dropout(0.5, seed=0)
    net = Network([Dense(3, 4, "relu", seed=0), middle, Dense(4, 2, "softmax", seed=1)],
                  loss="cross_entropy")
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"net\.layers\[1\]: L-BFGS-B .*expected a network "
                                         r"without BatchNorm and Dropout"):
        chainrule.minimize(net, X, y, maxiter=5)
    np.testing.assert_array_equal(net.params, before)  # nothing was trained


@pytest.mark.parametrize("where", ["X", "validation_data[0]"])
def test_train_refuses_a_complex_sparse_matrix_as_it_refuses_a_complex_array(where):
    """A complex CSR matrix lost its imaginary parts with a ComplexWarning and trained.

    The reference is the dense path: train refuses the same values as an array with a
    TypeError naming the argument and the dtype; the sparse matrix now gets the same, and
    the network is left as it was.
    """
    import scipy.sparse as sp

    Xc = np.array([[1 + 2j, 0, 0], [0, 1, 0], [0, 0, 1j], [1, 1, 1]])
    X = np.eye(4, 3)
    y = np.arange(4.0)[:, None]
    net = mlp([3, 2, 1], seed=0)
    before = net.params.copy()
    for data in (Xc, sp.csr_matrix(Xc)):
        args = (data, y, None) if where == "X" else (X, y, (data, y))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(TypeError, match=rf"{re.escape(where)} must hold numbers, got "
                                                r"a.* of dtype complex128"):
                chainrule.train(net, args[0], args[1], validation_data=args[2], epochs=1,
                                optimizer="adam", batch_size=2)
    np.testing.assert_array_equal(net.params, before)


def test_forward_names_a_sparse_x_as_such_and_minimize_takes_it():
    """Network.forward on a CSR matrix said "dtype object".

    np.asarray wraps a sparse matrix in a 0-d object array, so the message named a dtype
    the user never had.  Now: a TypeError saying a dense array was expected, what was
    given, and what to do; X.toarray(), the remedy named, is accepted and gives the dense
    cost (the reference).  minimize takes the sparse matrix as train does (the estimators'
    "lbfgs" passes it on): the run on its dense form, up to rounding.
    """
    import scipy.sparse as sp

    X = np.random.default_rng(0).uniform(size=(6, 3))
    y = np.arange(6.0)[:, None]
    net = mlp([3, 2, 1], seed=0)
    message = r"X must be a dense array, got a sparse csr_matrix of shape \(6, 3\); pass " \
              r"X.toarray\(\)"
    for call in (lambda X: net.forward(X), lambda X: net.loss_and_grad(X, y)):
        with pytest.raises(TypeError, match=message):
            call(sp.csr_matrix(X))
    J, _ = net.loss_and_grad(sp.csr_matrix(X).toarray(), y)
    assert J == net.loss_and_grad(X, y)[0]
    runs = [net.copy() for _ in range(2)]
    for copy, data in zip(runs, (sp.csr_matrix(X), X), strict=True):
        chainrule.minimize(copy, data, y, maxiter=5)
    np.testing.assert_allclose(runs[0].params, runs[1].params, rtol=1e-12, atol=1e-14)


def test_nesterov_with_momentum_0_is_refused_not_trained_with_0_9():
    """train(optimizer="nesterov", momentum=0) read the 0 as "not given" and trained with
    nesterov's default 0.9; it is refused now, and no momentum given still means 0.9."""
    X = np.random.default_rng(0).normal(size=(12, 3))
    y = np.arange(12) % 2
    net = chainrule.mlp([3, 4, 2], seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"nesterov=True needs momentum > 0"):
        chainrule.train(net, X, y, optimizer="nesterov", momentum=0, epochs=2)
    np.testing.assert_array_equal(net.params, before)
    assert chainrule.Trainer(net, "nesterov").optimizer.momentum == 0.9
    assert chainrule.Trainer(net, "nesterov", momentum=0.5).optimizer.momentum == 0.5
    assert chainrule.Trainer(net, "sgd").optimizer.momentum == 0.0
    # the default of "sgd" is no momentum: the same run as an explicit 0
    a, b = chainrule.mlp([3, 4, 2], seed=0), chainrule.mlp([3, 4, 2], seed=0)
    chainrule.train(a, X, y, optimizer="sgd", epochs=3, batch_size=4, seed=1)
    chainrule.train(b, X, y, optimizer="sgd", momentum=0, epochs=3, batch_size=4, seed=1)
    np.testing.assert_array_equal(a.params, b.params)


def test_layer_grad_norms_before_any_backward_pass_says_so():
    # the gradient buffer's initial zeros were reported as norms 0.0: vanished gradients
    from chainrule.autoencoder import KLSparsity, penalized_cost
    from chainrule.diagnostics import layer_grad_norms
    from chainrule.network import mlp

    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(6, 3)), np.array([0, 1, 2, 0, 1, 2])
    net = mlp([3, 4, 3], hidden="sigmoid", output="softmax", seed=0)
    for fresh in (net, net.copy(), net.astype(np.float32)):
        with pytest.raises(ValueError, match="net: no gradient has been computed yet"):
            layer_grad_norms(fresh)
    _, grad = net.loss_and_grad(X, y)
    parts = np.split(grad, [3 * 4 + 4])  # W1, b1 | W2, b2
    assert layer_grad_norms(net) == pytest.approx([np.sqrt(np.sum(p * p)) for p in parts])
    # an exactly zero gradient, once computed, is reported as such
    flat = mlp([3, 2, 3], hidden="relu", output="softmax", init="zeros", seed=0)
    flat.loss_and_grad(X, y)
    assert layer_grad_norms(flat)[0] == 0.0 and layer_grad_norms(flat)[1] > 0
    # the sparse autoencoder's cost fills the gradient through the layers themselves
    ae = mlp([3, 2, 3], hidden="sigmoid", output="sigmoid", seed=1)
    _, g = penalized_cost(ae, X, X, {0: KLSparsity(rho=0.1, beta=3.0)})
    assert layer_grad_norms(ae) == pytest.approx([np.linalg.norm(g[:8]), np.linalg.norm(g[8:])])


def test_training_diverged_survives_pickling_with_its_history():
    """A joblib worker sends the error back pickled: message, place and history intact."""
    import pickle

    net = mlp([2, 3, 1], seed=0)
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TrainingDiverged) as info:
        chainrule.train(net, X, np.array([[1.0], [1e200]]), epochs=3, lr=1.0, verbose=False)
    err = info.value
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is TrainingDiverged and str(back) == str(err)
    assert (back.epoch, back.batch, back.what) == (err.epoch, err.batch, err.what)
    assert dict(back.history) == dict(err.history)
