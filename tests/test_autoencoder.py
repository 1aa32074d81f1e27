"""Sparse autoencoder, softmax regression, stacked autoencoder (SPEC 9).

References: central differences (gradient check), the UFLDL formulas written
out independently in NumPy in UFLDL's own orientation (W of shape
(fan_out, fan_in)), PyTorch autograd when installed, scikit-learn's
LogisticRegression for softmax regression.
"""

from __future__ import annotations

import inspect
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import chainrule as cr
from chainrule.autoencoder import KLSparsity, penalized_cost

# most fits here stop after a few iterations on purpose; the warning is tested on its own
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _ufldl_sparse_cost(W1, b1, W2, b2, X, rho, beta, lam):
    """UFLDL's sparseAutoencoderCost, columns = examples, written out from the formulas."""
    data = X.T  # (n_features, m)
    m = data.shape[1]

    def sig(z):
        return 1 / (1 + np.exp(-z))

    a2 = sig(W1 @ data + b1[:, None])
    a3 = sig(W2 @ a2 + b2[:, None])
    rho_hat = a2.mean(axis=1)
    kl = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    J = (0.5 * np.sum((a3 - data) ** 2) / m + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
         + beta * kl)
    d3 = -(data - a3) * a3 * (1 - a3)
    sparse = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
    d2 = (W2.T @ d3 + sparse[:, None]) * a2 * (1 - a2)
    W1g = d2 @ data.T / m + lam * W1
    W2g = d3 @ a2.T / m + lam * W2
    return J, W1g, d2.mean(axis=1), W2g, d3.mean(axis=1)


@pytest.fixture
def patches(rng):
    return rng.uniform(0.1, 0.9, size=(30, 16))


def test_gradient_check_with_weight_decay_and_sparsity_below_1e9(patches):
    for rho in (0.01, 0.1):
        ae = cr.SparseAutoencoder(6, rho=rho, beta=3.0, weight_decay=1e-3, max_iter=1,
                                  random_state=0).fit(patches)
        check = cr.gradient_check(ae, patches)
        assert check.rel_diff < 1e-9, str(check)
        assert check.numerical.size == ae.network_.n_params == 16 * 6 + 6 + 6 * 16 + 16
        # the sparsity term is really in the gradient: without it the check fails
        J, grad = ae.cost(ae.params, patches)
        ae_plain = clone(ae).set_params(beta=0.0).fit(patches)
        ae_plain.network_.set_params(ae.params)
        J0, grad0 = ae_plain.cost(ae.params, patches)
        assert J > J0 and np.linalg.norm(grad - grad0) > 1e-3 * np.linalg.norm(grad)


def test_cost_and_gradient_match_the_ufldl_formulas(patches, rng):
    ae = cr.SparseAutoencoder(5, rho=0.05, beta=2.0, weight_decay=3e-3, max_iter=2,
                              random_state=1).fit(patches)
    theta = ae.params + rng.normal(0, 0.05, ae.params.size)
    J, grad = ae.cost(theta, patches)
    net = ae.network_.copy()
    net.set_params(theta)
    (W1, W2), (b1, b2) = net.to_ufldl()
    J_ref, W1g, b1g, W2g, b2g = _ufldl_sparse_cost(W1, b1, W2, b2, patches, 0.05, 2.0, 3e-3)
    ref = np.concatenate([W1g.T.ravel(), b1g, W2g.T.ravel(), b2g])  # chainrule: W is (in, out)
    assert J == pytest.approx(J_ref, rel=1e-12)
    np.testing.assert_allclose(grad, ref, rtol=1e-9, atol=1e-13)
    # cost() leaves the autoencoder as it was
    np.testing.assert_array_equal(ae.params, ae.network_.params)
    assert not np.allclose(ae.params, theta)



def test_dead_and_saturated_units_get_the_formulas_cost_and_gradient(patches):
    # rho_hat was clipped to [1e-12, 1 - 1e-12]: a unit whose every net input was below
    # -27.6 (or above 27.6) got a flat, wrong penalty and a gradient that was not its
    # derivative (nor the formula's)
    ae = cr.SparseAutoencoder(3, rho=0.1, beta=3.0, weight_decay=1e-3, max_iter=2,
                              random_state=0).fit(patches)
    net = ae.network_.copy()
    n_in = patches.shape[1]
    b1 = slice(n_in * 3, n_in * 3 + 3)  # theta = W1 (n_in, 3), b1, W2, b2
    theta = ae.params.copy()
    theta[b1] = [-30.0, 0.0, 0.0]  # unit 0 all but dead: rho_hat about 1e-13
    J, grad = ae.cost(theta, patches)
    net.set_params(theta)
    (W1, W2), (b1_, b2_) = net.to_ufldl()
    J_ref, W1g, b1g, W2g, b2g = _ufldl_sparse_cost(W1, b1_, W2, b2_, patches, 0.1, 3.0, 1e-3)
    assert J == pytest.approx(J_ref, rel=1e-12)
    ref = np.concatenate([W1g.T.ravel(), b1g, W2g.T.ravel(), b2g])
    np.testing.assert_allclose(grad, ref, rtol=1e-9, atol=1e-13)
    # means of exactly 0 and 1: a finite penalty, constant there, and a zero gradient
    theta[b1] = [-800.0, 40.0, 0.0]
    J, grad = ae.cost(theta, patches)
    assert np.isfinite(J)
    for unit in (0, 1):
        step = np.zeros_like(theta)
        step[b1.start + unit] = 1e-4
        assert ae.cost(theta + step, patches)[0] == ae.cost(theta - step, patches)[0] == J
        assert grad[b1.start + unit] == 0  # W1's column: weight decay only
        np.testing.assert_array_equal(grad[unit:n_in * 3:3], 1e-3 * theta[unit:n_in * 3:3])
    # float32 activations, a large beta: still finite
    pen = KLSparsity(rho=0.5, beta=1e3)
    for A in (np.zeros((4, 2), np.float32), np.ones((4, 2), np.float32)):
        assert np.isfinite(pen.value(A)) and not np.any(pen.grad(A))
    # integer activations (0/1 indicators) as before: their means in float64
    A = np.array([[0, 1], [1, 1], [0, 1], [1, 0]])
    assert pen.value(A) == pytest.approx(1e3 * 0.5 * np.log(0.5 / 0.75) + 1e3 * 0.5 * np.log(
        0.5 / 0.25), rel=1e-14)


def test_cost_matches_pytorch_autograd(patches):
    torch = pytest.importorskip("torch")
    ae = cr.SparseAutoencoder(4, rho=0.1, beta=3.0, weight_decay=1e-3, max_iter=3,
                              random_state=2).fit(patches)
    J, grad = ae.cost(ae.params, patches)
    L1, L2 = ae.network_.layers
    W1, b1, W2, b2 = (torch.tensor(np.array(a), requires_grad=True)
                      for a in (L1.W, L1.b, L2.W, L2.b))
    x = torch.tensor(patches)
    a = torch.sigmoid(x @ W1 + b1)
    xh = torch.sigmoid(a @ W2 + b2)
    r = a.mean(0)
    kl = (0.1 * torch.log(0.1 / r) + 0.9 * torch.log(0.9 / (1 - r))).sum()
    Jt = (0.5 * ((xh - x) ** 2).sum(1).mean() + 0.5e-3 * ((W1**2).sum() + (W2**2).sum())
          + 3.0 * kl)
    Jt.backward()
    ref = torch.cat([W1.grad.ravel(), b1.grad, W2.grad.ravel(), b2.grad]).numpy()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    np.testing.assert_allclose(grad, ref, rtol=1e-9, atol=1e-13)


def test_without_penalties_the_cost_is_the_networks_own(rng):
    net = cr.mlp([5, 4, 3], hidden="tanh", output="softmax", seed=0, weight_decay=1e-2)
    X, y = rng.normal(size=(12, 5)), rng.integers(0, 3, 12)
    Y = net.prepare_targets(y, 12)
    J_ref, g_ref = net.loss_and_grad(X, Y)
    J, g = penalized_cost(net, X, Y)
    assert J == pytest.approx(J_ref, rel=1e-14)
    np.testing.assert_allclose(g, g_ref, rtol=1e-13, atol=1e-15)


def test_kl_penalty_value_and_gradient_by_hand():
    A = np.array([[0.2, 0.5], [0.4, 0.1]])
    pen = KLSparsity(rho=0.1, beta=2.0)
    r = np.array([0.3, 0.3])
    kl = 0.1 * np.log(0.1 / r) + 0.9 * np.log(0.9 / (1 - r))
    assert pen.value(A) == pytest.approx(2.0 * kl.sum(), rel=1e-14)
    expected = 2.0 * (-0.1 / 0.3 + 0.9 / 0.7) / 2  # per example: divided by m = 2
    np.testing.assert_allclose(pen.grad(A), np.full((2, 2), expected), rtol=1e-14)
    with pytest.raises(ValueError, match="rho must lie in"):
        KLSparsity(rho=1.5)



def test_a_float32_unit_with_tiny_mean_activation_gets_the_formulas_penalty(patches):
    # float32 means were held at float32's sqrt(tiny), 1.1e-19: a unit whose every net
    # input was below about -43.7 (a float32 mean of 1e-22 at -50) got a flat penalty, 0.17
    # too low here (5.81 for 5.99), and a gradient of 1e-22 where the formula's dJ/db is
    # -beta * rho
    rho, beta = 0.01, 3.0
    net = cr.Network([cr.Dense(16, 3, "sigmoid", init="ufldl", seed=0),
                      cr.Dense(3, 16, "sigmoid", init="ufldl", seed=1)],
                     loss="squared_error", weight_decay=1e-4)
    net.layers[0].b[0] = -50.0
    n32 = net.astype(np.float32)
    J32, g32 = penalized_cost(n32, patches, patches, {0: KLSparsity(rho, beta)})
    # the UFLDL formulas in float64 at the float32 network's parameters
    (W1, W2), (b1, b2) = n32.to_ufldl()
    J_ref, _, b1g, _, _ = _ufldl_sparse_cost(*(np.float64(a) for a in (W1, b1, W2, b2)),
                                            patches, rho, beta, 1e-4)
    assert J32 == pytest.approx(J_ref, rel=1e-6)
    b1_grad = g32[16 * 3:16 * 3 + 3]  # theta = W1 (16, 3), b1, W2, b2
    np.testing.assert_allclose(b1_grad, b1g, rtol=1e-5)
    assert b1_grad[0] == pytest.approx(-beta * rho, rel=1e-6)  # a/rho_hat = 1, 1 - a = 1
    # the penalty alone, on float32 activations of 1e-22: the formula's value and slope
    A = np.full((4, 2), 1e-22, np.float32)
    r = float(A[0, 0])
    kl = rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))
    assert KLSparsity(rho, beta).value(A) == pytest.approx(beta * 2 * kl, rel=1e-12)
    grad = KLSparsity(rho, beta).grad(A)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, beta * (-rho / r + (1 - rho) / (1 - r)) / 4, rtol=1e-6)


def test_a_float32_rho_or_beta_gives_the_float64_penalty(patches):
    # a NumPy float32 rho rounded 1 - rho to float32 (4e-7 off), a float32 beta made the
    # whole cost a float32; the penalty is the hand formula at the float32's exact value
    rho, beta = np.float32(0.05), np.float32(2.5)
    A = np.array([[0.2, 0.5, 0.01], [0.4, 0.1, 0.03]])
    r, p = A.mean(axis=0), float(rho)
    kl = p * np.log(p / r) + (1 - p) * np.log((1 - p) / (1 - r))
    value = KLSparsity(rho, beta).value(A)
    assert type(value) is float
    assert value == pytest.approx(float(beta) * kl.sum(), rel=1e-14)
    np.testing.assert_allclose(KLSparsity(rho, beta).grad(A)[0],
                               float(beta) * (-p / r + (1 - p) / (1 - r)) / 2, rtol=1e-14)
    # the estimator's cost too: equal to that of the same settings given as Python floats
    ae = cr.SparseAutoencoder(4, rho=rho, beta=beta, max_iter=3, random_state=0).fit(patches)
    same = cr.SparseAutoencoder(4, rho=float(rho), beta=float(beta), max_iter=3,
                                random_state=0).fit(patches)
    J, _ = ae.cost(same.params, patches)
    assert type(J) is float
    assert J == pytest.approx(same.cost(same.params, patches)[0], rel=1e-14)


def test_transform_inverse_transform_and_sklearn_interface(patches, rng):
    ae = cr.SparseAutoencoder(7, rho=0.1, max_iter=50, random_state=0)
    H = ae.fit_transform(patches)
    assert H.shape == (30, 7) and np.all((H > 0) & (H < 1))
    np.testing.assert_allclose(ae.mean_activation_, H.mean(axis=0), rtol=1e-12)
    R = ae.inverse_transform(H)
    assert R.shape == patches.shape
    np.testing.assert_allclose(R, ae.network_.forward(patches), rtol=1e-12)
    assert ae.filters_.shape == (7, 16)
    assert ae.n_iter_ <= 50 and np.isfinite(ae.loss_)
    # training lowers the cost it reports, and reconstruction beats predicting the mean
    assert ae.loss_ < cr.SparseAutoencoder(7, rho=0.1, max_iter=1, random_state=0).fit(
        patches).loss_
    # reproducible from random_state; clone keeps the settings
    again = clone(ae).fit(patches)
    np.testing.assert_array_equal(again.params, ae.params)
    assert again.get_params()["n_hidden"] == 7
    y = (patches[:, 0] > 0.5).astype(int)
    pipe = make_pipeline(cr.SparseAutoencoder(5, max_iter=20, random_state=0),
                         cr.SoftmaxRegression(max_iter=50))
    assert pipe.fit(patches, y).predict(patches).shape == (30,)


def test_bad_input_is_named(patches):
    ae = cr.SparseAutoencoder(3)
    with pytest.raises(NotFittedError, match="fit"):
        ae.transform(patches)
    with pytest.raises(ValueError, match=r"X: with output='sigmoid'.*\[0, 1\]"):
        ae.fit(patches * 3)
    with pytest.raises(ValueError, match="rho"):
        cr.SparseAutoencoder(3, rho=0.0).fit(patches)
    with pytest.raises(TypeError, match="n_hidden"):
        cr.SparseAutoencoder(2.5).fit(patches)
    with pytest.raises(ValueError, match="method"):
        cr.SparseAutoencoder(3, method="newton").fit(patches)
    fitted = cr.SparseAutoencoder(3, max_iter=2).fit(patches)
    with pytest.raises(ValueError, match="theta"):
        fitted.cost(np.zeros(5), patches)
    # a linear decoder takes any real data
    lin = cr.SparseAutoencoder(3, output="identity", max_iter=5).fit(patches * 3 - 1)
    assert lin.network_.layers[1].activation.name == "identity"


@pytest.mark.parametrize("rho", [0, -0.1, 1, 1.5, np.nan, "0.1"])
def test_every_rho_outside_0_1_gets_the_same_message(rho):
    with pytest.raises(ValueError, match=r"rho must lie in \(0, 1\) \(a target mean activation\)"):
        KLSparsity(rho=rho)


def test_inverse_transform_names_x_and_the_hidden_width(patches):
    ae = cr.SparseAutoencoder(5, max_iter=3, random_state=0).fit(patches)
    with pytest.raises(ValueError, match=r"^X must have 5 columns \(one per hidden unit\), got "
                                         r"shape \(3, 16\)"):
        ae.inverse_transform(np.full((3, 16), 0.5))


def test_a_failed_refit_keeps_the_fitted_classifiers(rng):
    """Bad labels or data on a second fit leave classes_, the network and predict as they were."""
    X = rng.uniform(0, 1, size=(60, 10))
    y = np.array(list("abc"))[rng.integers(0, 3, 60)]
    models = [cr.SoftmaxRegression(max_iter=50, random_state=0).fit(X, y),
              cr.StackedAutoencoder((6, 4), max_iter=10, softmax_max_iter=10, fine_tune_iter=0,
                                    random_state=0).fit(X, y)]
    for model in models:
        before = (model.predict(X), model.network_, list(getattr(model, "autoencoders_", [])))
        with pytest.raises(ValueError, match="at least 2 classes"):
            model.fit(X, np.full(60, "z"))
        if isinstance(model, cr.StackedAutoencoder):  # fails after the labels were read
            with pytest.raises(ValueError, match=r"X_unlabeled.*\[0, 1\]|\[0, 1\]"):
                model.fit(X, np.arange(60) % 2, X_unlabeled=X * 5)
        np.testing.assert_array_equal(model.classes_, ["a", "b", "c"])
        assert model.network_ is before[1]
        assert list(getattr(model, "autoencoders_", [])) == before[2]
        np.testing.assert_array_equal(model.predict(X), before[0])


def test_softmax_regression_matches_scikit_learn(rng):
    X = rng.normal(size=(120, 6))
    y = np.argmax(X[:, :3] + 0.3 * rng.normal(size=(120, 3)), axis=1) * 2 + 1  # labels 1, 3, 5
    lam = 1e-2
    ours = cr.SoftmaxRegression(weight_decay=lam, max_iter=1000, random_state=0).fit(X, y)
    # sklearn minimises sum CE + ||W||^2 / (2C): the same optimum when C = 1 / (lam * n)
    ref = LogisticRegression(C=1 / (lam * 120), tol=1e-12, max_iter=5000).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, [1, 3, 5])
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.score(X, y) == pytest.approx(ref.score(X, y))


def test_stacked_autoencoder_structure_and_gradient(rng):
    X = rng.uniform(0, 1, size=(40, 10))
    y = rng.integers(0, 3, 40)
    U = rng.uniform(0, 1, size=(25, 10))
    sa = cr.StackedAutoencoder((6, 4), max_iter=15, softmax_max_iter=30, fine_tune_iter=10,
                               random_state=0).fit(X, y, X_unlabeled=U)
    sizes = [(layer.n_in, layer.n_out) for layer in sa.network_.layers]
    assert sizes == [(10, 6), (6, 4), (4, 3)]
    assert [ae.n_features_in_ for ae in sa.autoencoders_] == [10, 6]
    assert sa.network_.weight_decay == sa.softmax_weight_decay == 1e-4  # fine-tuning decay
    assert [ae.network_.weight_decay for ae in sa.autoencoders_] == [3e-3, 3e-3]
    # fine-tuning started from the pretrained weights and changed them
    assert not np.allclose(sa.network_.layers[0].W, sa.autoencoders_[0].network_.layers[0].W)
    # central differences on the fine-tuning cost (softmax CE + decay + two KL penalties);
    # this gradient is small, so eps 1e-5 keeps the truncation error of the differences low
    check = cr.gradient_check(sa, X, y, eps=1e-5)
    assert check.rel_diff < 1e-7, str(check)
    assert sa.predict(X).shape == (40,) and set(sa.predict(X)) <= {0, 1, 2}
    # fine-tuning lowers the cost of the stack on the labelled data
    start = cr.StackedAutoencoder((6, 4), max_iter=15, softmax_max_iter=30, fine_tune_iter=0,
                                  random_state=0).fit(X, y, X_unlabeled=U)
    np.testing.assert_array_equal(start.network_.layers[0].W,
                                  sa.autoencoders_[0].network_.layers[0].W)
    assert sa.cost(sa.params, X, y)[0] < start.cost(start.params, X, y)[0]


@pytest.mark.parametrize("make", [lambda: cr.SoftmaxRegression(),
                                  lambda: cr.StackedAutoencoder(hidden_sizes=(3,))])
def test_unfitted_classifiers_predict_raises_not_fitted(make):
    # predict used to read classes_ first and raise AttributeError
    X = np.zeros((2, 4))
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
            getattr(make(), method)(X)


def _hand_net_input(model, X: np.ndarray) -> np.ndarray:
    """The softmax layer's net input, by hand: sigmoid encoders, then X @ W + b."""
    layers = model.network_.layers
    A = X
    for layer in layers[:-1]:
        A = 1 / (1 + np.exp(-(A @ layer.W + layer.b)))
    return A @ layers[-1].W + layers[-1].b


@pytest.mark.parametrize("make", [
    lambda: cr.SoftmaxRegression(max_iter=30, random_state=0),
    lambda: cr.StackedAutoencoder((5, 4), max_iter=5, softmax_max_iter=5, fine_tune_iter=5,
                                  random_state=0)])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_predict_log_proba_is_the_log_softmax_of_the_net_input(make):
    """predict_log_proba is log(predict_proba) where that is finite, and finite where a
    probability underflows to 0: the log-softmax of the net input, not the log of 0."""
    from scipy.special import log_softmax

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(40, 6))
    model = make().fit(X, np.arange(40) % 3)
    log_p = model.predict_log_proba(X)
    assert log_p.shape == (40, 3) and log_p.dtype == np.float64
    np.testing.assert_allclose(log_p, np.log(model.predict_proba(X)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(log_p, log_softmax(_hand_net_input(model, X), axis=1),
                               rtol=0, atol=1e-12)
    # net inputs far apart: some probabilities underflow to 0, their logs stay finite
    top = model.network_.layers[-1]
    top.W[...] *= 1e3
    top.b[...] += [0.0, 800.0, -800.0]  # exp(-1600) and less: 0 in float64
    far = _hand_net_input(model, X)
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(model.predict_proba(X))).any()
    log_p = model.predict_log_proba(X)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(log_p, log_softmax(far, axis=1), rtol=1e-12, atol=1e-9)
    # several blocks of rows give the same numbers
    np.testing.assert_allclose(model.predict_log_proba(np.vstack([X] * 3000))[-40:], log_p,
                               rtol=1e-12, atol=1e-9)


def test_fitted_models_pickle_as_the_networks_they_hold():
    """joblib (cross_validate with n_jobs, return_estimator) pickles fitted models;
    the Network they hold could not be pickled (a weakref), nor kept its views."""
    import pickle

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(30, 6))
    clf = cr.SoftmaxRegression(max_iter=3).fit(X, np.arange(30) % 3)
    ae = cr.SparseAutoencoder(n_hidden=4, max_iter=3, random_state=0).fit(X)
    for model, out in ((clf, "predict_proba"), (ae, "transform")):
        back = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(getattr(back, out)(X), getattr(model, out)(X))
        assert np.shares_memory(back.network_.params, back.network_.layers[0].W)


# --- scikit-learn's input rules: targets, dimensions, feature names ----------------------------
def test_softmax_regression_refuses_what_logistic_regression_refuses(rng):
    """A continuous target and 1-D X are refused, with scikit-learn's LogisticRegression."""
    X = rng.normal(size=(40, 3))
    for est in (cr.SoftmaxRegression(max_iter=5), LogisticRegression()):
        with pytest.raises(ValueError, match="Unknown label type: continuous"):
            est.fit(X, X[:, 0])
    y = (X[:, 0] > 0).astype(int)
    ours, ref = cr.SoftmaxRegression(max_iter=20).fit(X, y), LogisticRegression().fit(X, y)
    for est in (ours, ref):
        with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
            est.predict(X[0])
    with pytest.raises(ValueError, match=r"y has 1 class \(1\); at least 2 classes"):
        cr.SoftmaxRegression().fit(X, np.ones(40, dtype=int))


def _frames(rng):
    pd = pytest.importorskip("pandas")
    X = rng.uniform(0.1, 0.9, size=(40, 5))
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(5)])
    return X, df, df[df.columns[::-1]]


@pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
def test_dataframe_column_names_are_recorded_and_checked(rng):
    """feature_names_in_ from a DataFrame; reordered columns refused as scikit-learn does.

    Before, the columns were taken by position: the reversed frame gave other (wrong)
    outputs without a word.  The reference is scikit-learn's LogisticRegression on the
    same frames: the same refusal, and the DataFrame's values give the array's outputs.
    """
    X, df, reordered = _frames(rng)
    y = (X[:, 0] + X[:, 4] > 1).astype(int)
    ref = LogisticRegression().fit(df, y)
    with pytest.raises(ValueError, match="Feature names must be in the same order") as sk_err:
        ref.predict(reordered)
    models = [
        (cr.SparseAutoencoder(3, max_iter=10, random_state=0).fit(df), "transform"),
        (cr.SoftmaxRegression(max_iter=20, random_state=0).fit(df, y), "predict_proba"),
        (cr.StackedAutoencoder((4,), max_iter=5, softmax_max_iter=5, fine_tune_iter=3,
                               random_state=0).fit(df, y), "predict_proba"),
    ]
    for model, method in models:
        assert list(model.feature_names_in_) == list(df.columns)
        assert model.n_features_in_ == 5
        out = getattr(model, method)(df)
        np.testing.assert_array_equal(out, getattr(model, method)(X))  # same numbers
        with pytest.raises(ValueError, match="Feature names must be in the same order") as err:
            getattr(model, method)(reordered)
        assert str(err.value) == str(sk_err.value)
        with pytest.raises(ValueError, match=r"X has 4 features, but .* is expecting 5"):
            getattr(model, method)(X[:, :4])


def test_feature_names_survive_save_and_load(rng, tmp_path):
    _, df, reordered = _frames(rng)
    ae = cr.SparseAutoencoder(3, max_iter=10, random_state=0).fit(df)
    back = cr.load_autoencoder(ae.save(tmp_path / "ae.npz"))
    assert list(back.feature_names_in_) == list(df.columns)
    np.testing.assert_array_equal(back.transform(df), ae.transform(df))
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        back.transform(reordered)


def test_a_failed_autoencoder_refit_keeps_the_fitted_model(patches):
    ae = cr.SparseAutoencoder(3, max_iter=5, random_state=0).fit(patches)
    before = ae.transform(patches)
    with pytest.raises(ValueError, match=r"X: with output='sigmoid'"):
        ae.fit(np.full((10, 4), 2.0))  # other width, out of range: refused after the check
    assert ae.n_features_in_ == 16
    np.testing.assert_array_equal(ae.transform(patches), before)


def test_sparse_input_is_refused_with_a_message_saying_so(rng):
    """A scipy.sparse matrix: "sparse ... dense data is required ... .toarray()".

    Before, np.asarray made a 0-d object array of it and the message was "X must hold
    numbers, got an array of dtype object".
    """
    sp = pytest.importorskip("scipy.sparse")
    X = rng.uniform(0.1, 0.9, size=(20, 4))
    y = np.arange(20) % 2
    fits = [lambda: cr.SparseAutoencoder(2, max_iter=3).fit(sp.csr_matrix(X)),
            lambda: cr.SoftmaxRegression(max_iter=3).fit(sp.csr_matrix(X), y),
            lambda: cr.StackedAutoencoder((2,), max_iter=3).fit(sp.csr_matrix(X), y)]
    for fit in fits:
        with pytest.raises(TypeError, match=r"Sparse data was passed for X.*dense data is "
                                            r"required.*\.toarray\(\)"):
            fit()
    ae = cr.SparseAutoencoder(2, max_iter=3).fit(X)
    with pytest.raises(TypeError, match=r"Sparse data was passed for X"):
        ae.transform(sp.csr_matrix(X))


def test_feature_names_out_and_pandas_output(rng):
    """get_feature_names_out names the hidden units as scikit-learn's PCA names components.

    With it, ``set_output(transform="pandas")`` works on the autoencoder and in a Pipeline
    (before, both raised: no get_feature_names_out).
    """
    pd = pytest.importorskip("pandas")
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import MinMaxScaler

    X = rng.uniform(0.1, 0.9, size=(40, 6))
    ae = cr.SparseAutoencoder(3, max_iter=10, random_state=0)
    with pytest.raises(NotFittedError):
        ae.get_feature_names_out()
    ae.fit(X)
    names = ae.get_feature_names_out()
    assert names.tolist() == ["sparseautoencoder0", "sparseautoencoder1", "sparseautoencoder2"]
    assert PCA(3).fit(X).get_feature_names_out().tolist() == ["pca0", "pca1", "pca2"]
    H = ae.transform(X)
    out = clone(ae).set_output(transform="pandas").fit(X).transform(X)
    assert isinstance(out, pd.DataFrame) and out.columns.tolist() == names.tolist()
    np.testing.assert_array_equal(out.to_numpy(), H)
    pipe = make_pipeline(MinMaxScaler(), clone(ae)).set_output(transform="pandas")
    frame = pipe.fit_transform(X)
    assert isinstance(frame, pd.DataFrame) and frame.columns.tolist() == names.tolist()
    Xs = MinMaxScaler().fit_transform(X)
    np.testing.assert_allclose(frame.to_numpy(), clone(ae).fit(Xs).transform(Xs), rtol=1e-12)


def test_random_state_takes_a_randomstate_as_scikit_learn_does(rng):
    """None, an int or a RandomState (scikit-learn's convention); before, RandomState raised."""
    X = rng.uniform(0.1, 0.9, size=(30, 6))
    y = np.arange(30) % 3
    makers = [lambda rs: cr.SparseAutoencoder(3, max_iter=5, random_state=rs).fit(X),
              lambda rs: cr.SoftmaxRegression(max_iter=5, random_state=rs).fit(X, y),
              lambda rs: cr.StackedAutoencoder((3,), max_iter=3, softmax_max_iter=3,
                                               fine_tune_iter=2, random_state=rs).fit(X, y)]
    for make in makers:
        a = make(np.random.RandomState(7))
        b = make(np.random.RandomState(7))
        np.testing.assert_array_equal(a.network_.params, b.network_.params)
        # an int seeds as before: the same weights as a Generator of that seed
        np.testing.assert_array_equal(make(5).network_.params,
                                      make(np.random.default_rng(5)).network_.params)
    with pytest.raises(TypeError, match=r"random_state: expected None, an int in \[0, 2\*\*32 - "
                                        r"1\], a numpy.random.RandomState .*got 'seed'"):
        cr.SoftmaxRegression(random_state="seed").fit(X, y)


def test_stacked_autoencoder_refuses_unlabeled_frames_with_other_columns(rng):
    """X_unlabeled with X's columns in another order: refused, as X is at predict time.

    The pretraining took X_unlabeled by position, so a frame whose columns were reordered
    trained the autoencoders on mislabelled features without a word.  The reference is the
    fit on the arrays: with the same column order the frames give its probabilities.
    """
    X, df, reordered = _frames(rng)
    y = (X[:, 0] + X[:, 4] > 1).astype(int)
    kw = dict(hidden_sizes=(4,), max_iter=5, softmax_max_iter=5, fine_tune_iter=3,
              random_state=0)
    with pytest.raises(ValueError, match=r"X_unlabeled must have the columns of X, by the "
                                         r"same names in the same order: expected \['px0'"):
        cr.StackedAutoencoder(**kw).fit(df, y, X_unlabeled=reordered)
    on_frames = cr.StackedAutoencoder(**kw).fit(df, y, X_unlabeled=df.iloc[::-1])
    on_arrays = cr.StackedAutoencoder(**kw).fit(X, y, X_unlabeled=X[::-1])
    np.testing.assert_array_equal(on_frames.predict_proba(df), on_arrays.predict_proba(X))


def test_results_do_not_depend_on_the_memory_layout_of_X(rng):
    """A column-major X (a DataFrame's values, np.asfortranarray) trains exactly as a row-major one.

    The data went to the products in the layout it came in, so BLAS summed in another
    order: a StackedAutoencoder fitted on a DataFrame gave probabilities 5e-15 away from
    the same fit on the array (a test comparing them passed or failed with the tests run
    before it).  The reference is the fit on the C-ordered array.
    """
    X = rng.uniform(0.1, 0.9, size=(40, 5))
    y = (X[:, 0] + X[:, 4] > 1).astype(int)
    F = np.asfortranarray(X)
    ae = dict(n_hidden=3, max_iter=20, random_state=0)
    np.testing.assert_array_equal(cr.SparseAutoencoder(**ae).fit(F).transform(F),
                                  cr.SparseAutoencoder(**ae).fit(X).transform(X))
    sm = dict(max_iter=20, random_state=0)
    np.testing.assert_array_equal(cr.SoftmaxRegression(**sm).fit(F, y).predict_proba(F),
                                  cr.SoftmaxRegression(**sm).fit(X, y).predict_proba(X))
    st = dict(hidden_sizes=(4,), max_iter=5, softmax_max_iter=5, fine_tune_iter=3,
              random_state=0)
    np.testing.assert_array_equal(
        cr.StackedAutoencoder(**st).fit(F, y, X_unlabeled=F[::-1]).predict_proba(F),
        cr.StackedAutoencoder(**st).fit(X, y, X_unlabeled=X[::-1]).predict_proba(X))


def test_stacked_autoencoder_fits_a_dataframe_without_warnings(rng):
    """A fit on a DataFrame warned "X does not have valid feature names" about itself.

    fit checked the frame, then handed its array to fine_tune, which checked it again
    against the names just recorded.  The reference is scikit-learn's LogisticRegression,
    which fits the same frame without a warning; and the frame fits as its array does.
    """
    import warnings

    X, df, _ = _frames(rng)
    y = (X[:, 0] + X[:, 4] > 1).astype(int)
    kw = dict(hidden_sizes=(4,), max_iter=5, softmax_max_iter=5, fine_tune_iter=3,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)  # 5 iterations: not about that
        LogisticRegression().fit(df, y)
        on_frame = cr.StackedAutoencoder(**kw).fit(df, y)
        proba = on_frame.predict_proba(df)
    np.testing.assert_array_equal(proba, cr.StackedAutoencoder(**kw).fit(X, y).predict_proba(X))


_SEED_MESSAGE = (r"random_state: expected None, an int in \[0, 2\*\*32 - 1\], a "
                 r"numpy.random.RandomState or a numpy.random.Generator, got ")


def _seeded_makers(X, y):
    """Each class with random_state as its argument, and how it fits (X, y as it takes them)."""
    return {
        "SparseAutoencoder": (lambda rs: cr.SparseAutoencoder(3, max_iter=3, random_state=rs),
                              (X,)),
        "SoftmaxRegression": (lambda rs: cr.SoftmaxRegression(max_iter=3, random_state=rs),
                              (X, y)),
        "StackedAutoencoder": (lambda rs: cr.StackedAutoencoder(
            (3,), max_iter=3, softmax_max_iter=3, fine_tune_iter=2, random_state=rs), (X, y)),
        "MLPClassifier": (lambda rs: cr.MLPClassifier((3,), max_iter=3, random_state=rs),
                          (X, y)),
        "MLPRegressor": (lambda rs: cr.MLPRegressor((3,), max_iter=3, random_state=rs),
                         (X, X[:, 0])),
    }


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("bad", "shown"), [
    (-1, "-1"), (1.5, "1.5"), ("a", r"'a' \(str\)"), (2**32, "4294967296"),
    (np.int64(-3), re.escape(repr(np.int64(-3)))),  # NumPy >= 2 "np.int64(-3)", 1.x "-3"
    ([1], r"\[1\] \(list\)"),
])
@pytest.mark.parametrize("name", ["SparseAutoencoder", "SoftmaxRegression", "StackedAutoencoder",
                                  "MLPClassifier", "MLPRegressor"])
def test_a_random_state_that_is_no_seed_is_named_and_changes_nothing(rng, name, bad, shown):
    """-1, 1.5, "a", 2**32: a ValueError naming random_state, what it takes and what it got.

    Before: NumPy's "Seed must be between 0 and 2**32 - 1" or "cannot be used to seed a
    RandomState" (MLP estimators), a TypeError (autoencoders, which took 2**32 although
    their saved files refuse it).  Raised before the fitted model changes.
    """
    X = rng.uniform(0.1, 0.9, size=(30, 6))
    y = np.arange(30) % 3
    make, data = _seeded_makers(X, y)[name]
    said = _SEED_MESSAGE + shown + "$"
    if name.startswith("MLP"):  # scikit-learn's words, as its MLP's (no type after the value)
        value = re.sub(r" \\\(\w+\\\)$", "", shown)  # the regex of the value, no type
        said = (rf"^The 'random_state' parameter of {name} must be an int in the range "
                rf"\[0, 4294967295\], .* or None\. Got {value} instead\.$")
    with pytest.raises(ValueError, match=said):
        make(bad).fit(*data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make(0).fit(*data)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(model).items()}
    params = model.network_.params.copy()
    model.set_params(random_state=bad)
    with pytest.raises(ValueError, match=said):
        model.fit(*data)
    np.testing.assert_array_equal(model.network_.params, params)
    assert set(vars(model)) == set(before) and model.network_ is before["network_"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_every_class_takes_the_seeds_it_names(rng):
    """None, 0, 2**32 - 1, a RandomState and a Generator (one draw) fit, reproducibly."""
    X = rng.uniform(0.1, 0.9, size=(30, 6))
    y = np.arange(30) % 3
    for name, (make, data) in _seeded_makers(X, y).items():
        for seed in (None, 0, 2**32 - 1):
            make(seed).fit(*data)
        for kind in (np.random.RandomState, np.random.default_rng):
            a, b = make(kind(11)).fit(*data), make(kind(11)).fit(*data)
            np.testing.assert_array_equal(a.network_.params, b.network_.params, err_msg=name)
    with pytest.raises(ValueError, match=_SEED_MESSAGE + r"True \(a bool, which is no seed"):
        cr.SparseAutoencoder(3, random_state=True).fit(X)


@pytest.mark.parametrize("name, bad, error, shown", [
    ("softmax_weight_decay", -1.0, ValueError,
     "softmax_weight_decay must be a finite float >= 0, got -1.0"),
    ("softmax_max_iter", 0, ValueError, "softmax_max_iter must be an int >= 1, got 0"),
    ("softmax_max_iter", 1.5, TypeError, r"softmax_max_iter must be an int >= 1, got 1.5"),
    ("fine_tune_iter", -1, ValueError, "fine_tune_iter must be an int >= 0, got -1"),
    ("method", "newton", ValueError, "method: unknown method 'newton'"),
    ("max_iter", 0, ValueError, "max_iter must be an int >= 1, got 0"),
    ("hidden_sizes", 3, TypeError, r"hidden_sizes must be a sequence of ints >= 1 .*got 3 \(int\)"),
    ("fine_tune_sparsity", "no", TypeError, r"fine_tune_sparsity must be True or False, got 'no'"),
    ("fine_tune_sparsity", None, TypeError, "fine_tune_sparsity must be True or False, got None"),
])
def test_stack_settings_are_named_and_checked_before_any_pretraining(rng, monkeypatch, name,
                                                                      bad, error, shown):
    """A bad stack setting names the stack's parameter, and no autoencoder is trained first."""
    X = rng.uniform(0, 1, size=(12, 6))
    y = np.arange(12) % 3
    fits = []
    real_fit = cr.SparseAutoencoder.fit
    monkeypatch.setattr(cr.SparseAutoencoder, "fit",
                        lambda self, *a, **k: fits.append(1) or real_fit(self, *a, **k))
    stack = cr.StackedAutoencoder((3,), max_iter=2, softmax_max_iter=2, fine_tune_iter=1,
                                  random_state=0).set_params(**{name: bad})
    with pytest.raises(error, match=shown):
        stack.fit(X, y)
    assert fits == []
    assert not hasattr(stack, "network_")


def test_fine_tune_sparsity_false_drops_the_kl_terms_from_the_fine_tune_cost(rng):
    """With the penalties off the cost is cross-entropy + decay, computed here in NumPy."""
    X = rng.uniform(0, 1, size=(12, 6))
    y = np.arange(12) % 3
    stack = cr.StackedAutoencoder((4,), rho=0.2, beta=0.7, max_iter=3, softmax_max_iter=3,
                                  fine_tune_iter=0, fine_tune_weight_decay=1e-2,
                                  fine_tune_sparsity=False, random_state=0).fit(X, y)
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in stack.network_.layers]
    A = 1 / (1 + np.exp(-(X @ W1 + b1)))
    Z = A @ W2 + b2
    log_p = Z - Z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(12), y].mean() + 1e-2 / 2 * (np.sum(W1**2) + np.sum(W2**2))
    J, _ = stack.cost(stack.params, X, y)
    assert J == pytest.approx(expected, rel=1e-12)


def test_unlabeled_data_outside_0_1_is_named_x_unlabeled(rng):
    """The range error names X_unlabeled (the data out of range), not X, with its extremes."""
    X = rng.uniform(0, 1, size=(12, 6))
    U = rng.uniform(0, 1, size=(20, 6))
    U[3, 2], U[7, 1] = -0.25, 1.5
    stack = cr.StackedAutoencoder((3,), max_iter=2, fine_tune_iter=0, random_state=0)
    with pytest.raises(ValueError, match=r"^X_unlabeled: the data must lie in \[0, 1\] .*"
                                         r"got values from -0.25 to 1.5"):
        stack.fit(X, np.arange(12) % 3, X_unlabeled=U)
    assert not hasattr(stack, "network_")


_SMALL_STL = dict(n_hidden=3, hidden_sizes=(3,), max_iter=3, softmax_max_iter=5, random_state=0)


@pytest.mark.parametrize("change, error, shown", [
    ({"X_unlabeled": "nan"}, ValueError, "X_unlabeled contains 1 NaN"),
    ({"X_unlabeled": "cols"}, ValueError, "X_unlabeled must have 6 columns like X_train, got 5"),
    ({"X_unlabeled": "range"}, ValueError, r"X_unlabeled: the data must lie in \[0, 1\]"),
    ({"X_test": "cols"}, ValueError, "X_test must have 6 columns like X_train, got 5"),
    ({"X_train": "range"}, ValueError, r"X_train: the data must lie in \[0, 1\]"),
    ({"y_train": "short"}, ValueError, r"y_train must have shape \(12,\) .*got \(5,\)"),
    ({"y_test": "short"}, ValueError, r"y_test must have shape \(9,\) .*got \(5,\)"),
    ({"y_train": np.full(12, 4)}, ValueError,  # named y by the softmax, after the checks
     r"^y_train has 1 class \(4\); at least 2 classes are needed"),
    ({"y_train": np.linspace(0, 1, 12)}, ValueError, r"^y_train: Unknown label type: continuous"),
    ({"softmax_weight_decay": -1.0}, ValueError, "softmax_weight_decay must be"),
    ({"softmax_max_iter": 0}, ValueError, "softmax_max_iter must be an int >= 1"),
    ({"fine_tune_iter": -1}, ValueError, "fine_tune_iter must be an int >= 0, got -1"),
    ({"hidden_sizes": 3}, TypeError, "hidden_sizes must be a sequence"),
])
def test_self_taught_learning_names_its_arguments_before_training(rng, monkeypatch, change,
                                                                  error, shown):
    """Each bad argument is named as the caller named it, and nothing is trained first."""
    from chainrule.autoencoder import self_taught_learning
    args = {"X_unlabeled": rng.uniform(0, 1, (20, 6)), "X_train": rng.uniform(0, 1, (12, 6)),
            "y_train": np.arange(12) % 3, "X_test": rng.uniform(0, 1, (9, 6)),
            "y_test": np.arange(9) % 3, **_SMALL_STL}
    (key, how), = change.items()
    if isinstance(how, np.ndarray):
        args[key] = how
    elif how == "nan":
        args[key][2, 3] = np.nan
    elif how == "cols":
        args[key] = args[key][:, :5]
    elif how == "range":
        args[key][0, 0] = 1.5
    elif how == "short":
        args[key] = args[key][:5]
    else:
        args[key] = how
    fits = []
    for cls in (cr.SparseAutoencoder, cr.SoftmaxRegression):
        real = cls.fit
        monkeypatch.setattr(cls, "fit", lambda self, *a, _real=real, **k:
                            fits.append(1) or _real(self, *a, **k))
    with pytest.raises(error, match=shown):
        self_taught_learning(**args)
    assert fits == []


def test_self_taught_learning_with_no_fine_tuning_reports_the_pretrained_stack(rng):
    """fine_tune_iter=0 skips fine-tuning as StackedAutoencoder(fine_tune_iter=0) does."""
    from chainrule.autoencoder import self_taught_learning
    U, X, X_test = (rng.uniform(0, 1, (n, 6)) for n in (20, 12, 9))
    y, y_test = np.arange(12) % 3, np.arange(9) % 3
    r = self_taught_learning(U, X, y, X_test, y_test, fine_tune_iter=0, **_SMALL_STL)
    assert r.accuracy["stacked"] == r.accuracy["stacked_pretrained"]
    assert r.seconds["stacked"] == pytest.approx(r.seconds["stacked_pretrained"], abs=0.05)
    assert r.stacked.n_iter_ == 0
    expected = np.mean(r.stacked.softmax_.predict(
        r.stacked.autoencoders_[0].transform(X_test)) == y_test)
    assert r.accuracy["stacked"] == expected
    assert r.sizes == {"n_unlabeled": 20, "n_train": 12, "n_test": 9, "n_features": 6}


def test_output_is_named_and_its_alias_logistic_checks_the_range_as_sigmoid(patches):
    """'logistic' is the sigmoid (same network, same cost) and refuses data outside [0, 1]."""
    with pytest.raises(ValueError, match=r"^output: expected the name of an activation.*'bogus'"):
        cr.SparseAutoencoder(3, output="bogus").fit(patches)
    with pytest.raises(TypeError, match=r"^output: expected the name of an activation"):
        cr.SparseAutoencoder(3, output=3).fit(patches)
    with pytest.raises(ValueError, match=r"^X: with output='logistic' the data must lie in "
                                         r"\[0, 1\].*got values from -0.3"):
        cr.SparseAutoencoder(3, output="logistic").fit(patches - 0.5)
    a = cr.SparseAutoencoder(3, output="logistic", max_iter=5, random_state=0).fit(patches)
    b = cr.SparseAutoencoder(3, output="sigmoid", max_iter=5, random_state=0).fit(patches)
    np.testing.assert_array_equal(a.params, b.params)
    W2, b2 = a.network_.layers[1].W, a.network_.layers[1].b
    H = a.transform(patches)
    np.testing.assert_allclose(a.inverse_transform(H), 1 / (1 + np.exp(-(H @ W2 + b2))),
                               rtol=1e-14)


def test_fine_tune_without_max_iter_after_fine_tune_iter_0_says_so(rng):
    """fine_tune(X, y) after fine_tune_iter=0 explains where the 0 came from; with max_iter
    given it runs exactly those iterations from the pretrained stack."""
    X = rng.uniform(0, 1, size=(12, 4))
    y = np.arange(12) % 3
    stack = cr.StackedAutoencoder((3,), max_iter=3, softmax_max_iter=3, fine_tune_iter=0,
                                  random_state=0).fit(X, y)
    before = stack.params.copy()
    with pytest.raises(ValueError, match=r"^max_iter: not given, so fine_tune_iter is used, "
                                         r"and it is 0 \(no fine-tuning\); pass max_iter >= 1"):
        stack.fine_tune(X, y)
    np.testing.assert_array_equal(stack.params, before)
    assert stack.n_iter_ == 0
    twin = clone(stack).set_params(fine_tune_iter=2).fit(X, y)
    stack.fine_tune(X, y, 2)
    np.testing.assert_array_equal(stack.params, twin.params)
    assert stack.n_iter_ == twin.n_iter_ <= 2


def test_labelled_data_outside_0_1_is_refused_with_unlabelled_data_given(rng):
    """fit documents X in [0, 1]; with X_unlabeled given it was encoded unchecked."""
    X = rng.uniform(0, 1, size=(12, 6))
    X[4, 4] = 2.5
    stack = cr.StackedAutoencoder((3,), max_iter=2, fine_tune_iter=0, random_state=0)
    with pytest.raises(ValueError, match=r"^X: the data must lie in \[0, 1\] .*"
                                         r"got values from [0-9.e-]+ to 2.5"):
        stack.fit(X, np.arange(12) % 3, X_unlabeled=rng.uniform(0, 1, size=(20, 6)))
    assert not hasattr(stack, "network_")


def test_fine_tune_names_the_unseen_labels_as_plain_values(rng):
    X = rng.uniform(0, 1, size=(12, 4))
    stack = cr.StackedAutoencoder((3,), max_iter=2, softmax_max_iter=2, fine_tune_iter=0,
                                  random_state=0).fit(X, np.arange(12) % 3)
    y = np.arange(12) % 3
    y[[2, 5]] = [7, 9]
    with pytest.raises(ValueError, match=r"^y holds labels not seen in fit: \[7, 9\]; "
                                         r"known: \[0, 1, 2\]$"):
        stack.fine_tune(X, y, 1)
    y_none = (np.arange(12) % 3).astype(object)
    y_none[3] = None
    with pytest.raises(ValueError, match=r"^y holds labels not seen in fit: \[None\]; "
                                         r"known: \[0, 1, 2\]$"):
        stack.fine_tune(X, y_none, 1)


def test_linear_decoder_cost_and_gradient_match_the_ufldl_formulas(rng):
    """UFLDL's linear decoder: x_hat = W2 a + b2, so the output delta is x_hat - x (no f')."""
    X = rng.normal(0, 2, size=(9, 5))  # any real data
    ae = cr.SparseAutoencoder(3, rho=0.1, beta=1.5, weight_decay=2e-3, output="identity",
                              max_iter=2, random_state=0).fit(X)
    theta = rng.normal(0, 0.5, ae.params.size)
    J, grad = ae.cost(theta, X)
    net = ae.network_.copy()
    net.set_params(theta)
    (W1, W2), (b1, b2) = net.to_ufldl()  # (fan_out, fan_in)
    data, m = X.T, X.shape[0]
    a2 = 1 / (1 + np.exp(-(W1 @ data + b1[:, None])))
    a3 = W2 @ a2 + b2[:, None]
    r = a2.mean(axis=1)
    J_ref = (0.5 * np.sum((a3 - data) ** 2) / m + 1e-3 * (np.sum(W1**2) + np.sum(W2**2))
             + 1.5 * np.sum(0.1 * np.log(0.1 / r) + 0.9 * np.log(0.9 / (1 - r))))
    d3 = a3 - data
    d2 = (W2.T @ d3 + 1.5 * (-0.1 / r + 0.9 / (1 - r))[:, None]) * a2 * (1 - a2)
    ref = np.concatenate([(d2 @ data.T / m + 2e-3 * W1).T.ravel(), d2.mean(axis=1),
                          (d3 @ a2.T / m + 2e-3 * W2).T.ravel(), d3.mean(axis=1)])
    assert J == pytest.approx(J_ref, rel=1e-12)
    np.testing.assert_allclose(grad, ref, rtol=1e-10, atol=1e-13)


def test_a_tanh_decoder_refuses_data_outside_minus_1_1(rng):
    """tanh reaches only (-1, 1): data beyond it was fitted silently; inside it the decoder
    reconstructs tanh(a W2 + b2), computed here."""
    X = rng.uniform(-1, 1, size=(15, 5))
    with pytest.raises(ValueError, match=r"^X: with output='tanh' the data must lie in "
                                         r"\[-1, 1\] \(it is reconstructed by a tanh\), got "
                                         r"values from [-0-9.e]+ to 1.75"):
        cr.SparseAutoencoder(3, output="tanh").fit(np.vstack([X, np.full((1, 5), 1.75)]))
    ae = cr.SparseAutoencoder(3, output="tanh", max_iter=5, random_state=0).fit(X)
    W1, b1 = ae.network_.layers[0].W, ae.network_.layers[0].b
    W2, b2 = ae.network_.layers[1].W, ae.network_.layers[1].b
    expected = np.tanh(1 / (1 + np.exp(-(X @ W1 + b1))) @ W2 + b2)
    np.testing.assert_allclose(ae.reconstruct(X), expected, rtol=1e-13, atol=1e-15)


def test_a_kl_penalty_on_activations_outside_0_1_is_refused(rng):
    """KL(rho || rho_hat) needs rho_hat in (0, 1): on a tanh layer the negative means were
    clipped to 1e-12 and a meaningless cost returned; a sigmoid layer's penalty is the
    formula's value."""
    X = rng.normal(size=(6, 4))
    net = cr.mlp([4, 3, 4], hidden="tanh", output="identity", seed=0)
    with pytest.raises(ValueError, match=r"^penalties: a KL sparsity penalty needs activations "
                                         r"in \[0, 1\] .*layer 0 \(tanh\) gives values from -"):
        penalized_cost(net, X, X, {0: KLSparsity(0.1, 3.0)})
    net = cr.mlp([4, 3, 4], hidden="sigmoid", output="identity", seed=0)
    J, _ = penalized_cost(net, X, X, {0: KLSparsity(0.1, 3.0)})
    J0, _ = penalized_cost(net, X, X)
    r = (1 / (1 + np.exp(-(X @ net.layers[0].W + net.layers[0].b)))).mean(axis=0)
    kl = np.sum(0.1 * np.log(0.1 / r) + 0.9 * np.log(0.9 / (1 - r)))
    assert J - J0 == pytest.approx(3.0 * kl, rel=1e-12)


def test_fine_tune_checks_settings_changed_after_the_fit(rng):
    """set_params(fine_tune_sparsity='no') after fit: fine_tune used to keep the penalties
    on ('no' is truthy); now it refuses and the stack is left as it was."""
    X = rng.uniform(0, 1, size=(12, 4))
    y = np.arange(12) % 3
    stack = cr.StackedAutoencoder((3,), max_iter=2, softmax_max_iter=2, fine_tune_iter=0,
                                  random_state=0).fit(X, y)
    before = stack.params.copy()
    stack.set_params(fine_tune_sparsity="no")
    with pytest.raises(TypeError, match=r"^fine_tune_sparsity must be True or False, got 'no'"):
        stack.fine_tune(X, y, 2)
    np.testing.assert_array_equal(stack.params, before)
    assert stack.n_iter_ == 0


def test_decoders_that_cannot_reconstruct_the_data_are_refused():
    """A softmax decoder makes each reconstruction sum to 1, which no autoencoder input has
    to: it was accepted; relu, softplus and exp decoders cannot reach negative values and
    are now refused negative data, as sigmoid and tanh are data outside their ranges."""
    X = np.random.default_rng(0).uniform(size=(30, 6))
    fitted = cr.SparseAutoencoder(3, max_iter=3, random_state=0).fit(X)
    before = fitted.network_.params.copy()
    fitted.set_params(output="softmax")
    with pytest.raises(ValueError, match=r"^output: 'softmax' makes every reconstructed row "
                                         r"sum to 1"):
        fitted.fit(X)
    np.testing.assert_array_equal(fitted.network_.params, before)  # nothing changed
    for output in ("relu", "softplus", "exp"):
        with pytest.raises(ValueError, match=rf"X: with output='{output}' the data must lie "
                                             r"in \[0, inf\] .* got values from -0\.497"):
            cr.SparseAutoencoder(3, max_iter=3, output=output, random_state=0).fit(X - 0.5)
        ae = cr.SparseAutoencoder(3, max_iter=3, output=output, random_state=0).fit(X)
        assert ae.network_.layers[-1].activation.name == output


@pytest.mark.parametrize("output, name", [("step", "step"), ("heaviside", "step"),
                                          ("sign", "sign")])
def test_a_decoder_without_derivative_is_refused_by_the_name_output(output, name):
    # it failed in the first cost evaluation with the activation's message, naming no
    # argument of the autoencoder
    X = np.random.default_rng(0).uniform(size=(20, 5))
    fitted = cr.SparseAutoencoder(3, max_iter=3, random_state=0).fit(X)
    before = fitted.network_.params.copy()
    fitted.set_params(output=output)
    with pytest.raises(ValueError, match=rf"^output: '{name}' has no useful derivative, so "
                                         "backpropagation cannot train the decoder"):
        fitted.fit(X)
    np.testing.assert_array_equal(fitted.network_.params, before)
    assert fitted.get_params()["output"] == output


def test_weight_decay_changed_after_the_fit_applies_like_rho_and_beta(patches, rng):
    # set_params after the fit: cost() took the new rho and beta but kept the fit's weight
    # decay, and fine_tune ignored a new fine_tune_weight_decay
    ae = cr.SparseAutoencoder(5, rho=0.05, beta=2.0, weight_decay=3e-3, max_iter=2,
                              random_state=1).fit(patches)
    ae.set_params(weight_decay=0.2, rho=0.1)
    J, grad = ae.cost(ae.params, patches)
    (W1, W2), (b1, b2) = ae.network_.to_ufldl()
    J_ref, W1g, b1g, W2g, b2g = _ufldl_sparse_cost(W1, b1, W2, b2, patches, 0.1, 2.0, 0.2)
    assert J == pytest.approx(J_ref, rel=1e-12)
    np.testing.assert_allclose(grad, np.concatenate([W1g.T.ravel(), b1g, W2g.T.ravel(), b2g]),
                               rtol=1e-9, atol=1e-13)
    assert ae.network_.weight_decay == 3e-3  # cost() leaves the autoencoder as it was

    X, y = patches, np.arange(30) % 3
    settings = dict(max_iter=3, softmax_max_iter=3, fine_tune_iter=0, fine_tune_sparsity=False,
                    random_state=0)
    stack = cr.StackedAutoencoder((4,), **settings).fit(X, y)
    stack.set_params(fine_tune_weight_decay=0.5)
    W = [layer.W for layer in stack.network_.layers]
    A = 1 / (1 + np.exp(-(X @ W[0] + stack.network_.layers[0].b)))
    Z = A @ W[1] + stack.network_.layers[1].b
    ce = np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(30), y])
    J_ref = ce + 0.25 * (np.sum(W[0] ** 2) + np.sum(W[1] ** 2))
    assert stack.cost(stack.params, X, y)[0] == pytest.approx(J_ref, rel=1e-12)
    with pytest.raises(ValueError, match="y holds labels not seen in fit"):
        stack.fine_tune(X, y + 7, 2)
    assert stack.network_.weight_decay == 1e-4  # a refused fine_tune changes nothing
    stack.fine_tune(X, y, 4)
    # the same as a stack fitted with that weight decay from the start
    same = cr.StackedAutoencoder((4,), fine_tune_weight_decay=0.5, **settings).fit(X, y)
    same.fine_tune(X, y, 4)
    assert stack.network_.weight_decay == 0.5
    np.testing.assert_array_equal(stack.params, same.params)


def _held(net):
    """The arrays of the last forward/backward pass that the layers of ``net`` still hold."""
    from chainrule.network import _BATCH_CACHES
    return [(i, name) for i, layer in enumerate(net.layers) for name in _BATCH_CACHES
            if getattr(layer, name, None) is not None]


def test_fitted_models_keep_no_arrays_of_their_last_pass(patches):
    # a fitted SparseAutoencoder kept the training data, net inputs, activations and deltas
    # of the optimiser's last pass (79 MB for 2,500 MNIST images and 200 units), a stack
    # those of each autoencoder too; the MLP estimators release them, now these do as well
    X, y = patches, np.arange(30) % 3
    ae = cr.SparseAutoencoder(4, max_iter=3, random_state=0).fit(X)
    assert _held(ae.network_) == []
    for call in (lambda: ae.transform(X), lambda: ae.reconstruct(X)):
        call()
        assert _held(ae.network_) == []
    # cost() keeps its evaluation's arrays: gradient_check reads the net inputs there
    W1, b1 = ae.network_.layers[0].W, ae.network_.layers[0].b
    np.testing.assert_allclose(ae.transform(X), 1 / (1 + np.exp(-(X @ W1 + b1))), rtol=1e-14)
    stack = cr.StackedAutoencoder((4,), max_iter=3, softmax_max_iter=3, fine_tune_iter=2,
                                  random_state=0).fit(X, y)
    nets = [stack.network_, stack.softmax_.network_, stack.autoencoders_[0].network_]
    assert [_held(net) for net in nets] == [[], [], []]
    for call in (lambda: stack.predict(X), lambda: stack.cost(stack.params, X, y),
                 lambda: stack.fine_tune(X, y, 2)):
        call()
        assert _held(stack.network_) == []


def test_cost_refuses_data_the_decoder_cannot_reach_as_fit_does(patches):
    """cost(theta, X) with X outside [0, 1] (sigmoid decoder) is refused, with fit's message.

    Before, cost returned a number for data that fit refuses.
    """
    ae = cr.SparseAutoencoder(3, max_iter=2, random_state=0).fit(patches)
    params = ae.params.copy()
    bad = 3 * patches
    with pytest.raises(ValueError) as by_fit:
        clone(ae).fit(bad)
    with pytest.raises(ValueError) as by_cost:
        ae.cost(params, bad)
    assert str(by_cost.value) == str(by_fit.value)
    assert str(by_cost.value).startswith("X: with output='sigmoid' the data must lie in [0, 1]")
    np.testing.assert_array_equal(ae.params, params)
    linear = cr.SparseAutoencoder(3, max_iter=2, random_state=0, output="identity").fit(patches)
    J, _ = linear.cost(linear.params, bad)  # a linear decoder reaches any value
    W1, b1 = linear.network_.layers[0].W, linear.network_.layers[0].b
    W2, b2 = linear.network_.layers[1].W, linear.network_.layers[1].b
    A = 1 / (1 + np.exp(-(bad @ W1 + b1)))
    rho_hat = A.mean(axis=0)
    kl = np.sum(0.01 * np.log(0.01 / rho_hat) + 0.99 * np.log(0.99 / (1 - rho_hat)))
    ref = (0.5 * np.sum((A @ W2 + b2 - bad) ** 2) / bad.shape[0]
           + 0.5e-4 * (np.sum(W1**2) + np.sum(W2**2)) + 3.0 * kl)
    np.testing.assert_allclose(J, ref, rtol=1e-12)


def test_sparse_data_is_told_that_the_autoencoders_take_dense_data_only(rng):
    """A sparse X_unlabeled, X_train, H or cost X: "pass ....toarray() (... dense data only)".

    Before, the message added "(train and the estimators take sparse X)", which is not
    true of the stack, self_taught_learning or the autoencoder.
    """
    sp = pytest.importorskip("scipy.sparse")
    from chainrule.autoencoder import self_taught_learning

    X = rng.uniform(0.1, 0.9, size=(20, 4))
    y = np.arange(20) % 2
    S = sp.csr_matrix(X)
    ae = cr.SparseAutoencoder(2, max_iter=2, random_state=0).fit(X)
    calls = [(lambda: cr.StackedAutoencoder((2,), max_iter=2).fit(X, y, S),
              "X_unlabeled", "StackedAutoencoder"),
             (lambda: self_taught_learning(S, X, y, X, y, n_hidden=2), "X_unlabeled",
              "self_taught_learning"),
             (lambda: self_taught_learning(X, S, y, X, y, n_hidden=2), "X_train",
              "self_taught_learning"),
             (lambda: self_taught_learning(X, X, y, S, y, n_hidden=2), "X_test",
              "self_taught_learning"),
             (lambda: ae.cost(ae.params, S), "X", "SparseAutoencoder"),
             (lambda: ae.inverse_transform(sp.csr_matrix(X[:, :2])), "X", "SparseAutoencoder")]
    for call, name, who in calls:
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value).endswith(f"; pass {name}.toarray() ({who} takes dense data only)")
        assert str(info.value).startswith(f"{name} must be a dense array, got a sparse csr_matrix")


def test_an_optimiser_stopped_by_its_iteration_limit_warns_as_the_mlps_do(patches, rng):
    """ConvergenceWarning with SciPy's message when max_iter stops L-BFGS, none when it converges.

    Before, the autoencoder estimators never warned (MLPClassifier with lbfgs does).  The
    reference is SciPy's own minimize run on the same cost from the same start.
    """
    import scipy.optimize

    start = cr.SparseAutoencoder(3, random_state=0)._build(patches.shape[1]).params.copy()
    with pytest.warns(ConvergenceWarning) as record:
        ae = cr.SparseAutoencoder(3, max_iter=3, random_state=0).fit(patches)
    ref = scipy.optimize.minimize(lambda t: ae.cost(t, patches), start, jac=True,
                                  method="L-BFGS-B", options={"maxiter": 3})
    assert not ref.success and ref.nit == ae.n_iter_ == 3
    np.testing.assert_allclose(ae.params, ref.x, rtol=1e-10, atol=1e-12)
    assert [str(w.message) for w in record] == [
        f"SparseAutoencoder: L-BFGS-B failed to converge after 3 iteration(s) (max_iter=3): "
        f"{ref.message}"]
    X = rng.uniform(0, 1, size=(30, 3))
    y = (X[:, 0] > 0.5).astype(int)
    with pytest.warns(ConvergenceWarning, match=r"^SoftmaxRegression: CG failed to converge "
                                                r"after 1 iteration\(s\) \(max_iter=1\): "):
        cr.SoftmaxRegression(max_iter=1, method="CG", random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        converged = cr.SoftmaxRegression(weight_decay=1.0, max_iter=500, random_state=0).fit(X, y)
    assert converged.n_iter_ < 500
    stack_kw = dict(hidden_sizes=(2,), max_iter=50, softmax_max_iter=50, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"^StackedAutoencoder fine-tuning: L-BFGS-B "
                      r"failed to converge after 2 iteration\(s\) \(fine_tune_iter=2\): STOP"):
        stack = cr.StackedAutoencoder(fine_tune_iter=2, **stack_kw).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"after 1 iteration\(s\) \(max_iter=1\)"):
        stack.fine_tune(X, y, 1)
    assert stack.n_iter_ == 3


def test_convergence_warnings_point_at_the_callers_line(rng):
    """A stack's fit warned from inside chainrule (_stacked_fitting.py for its autoencoders
    and softmax, _stacked.py for fine-tuning): the line shown was none of the user's, and the
    default filter, which shows a warning once per location, then hid the warnings of every
    later stack fitted anywhere.  Each warning now names the caller's line, as the MLP
    estimators' warnings and the Ctrl-C warning here do."""
    X = rng.uniform(0, 1, size=(30, 4))
    y = (X[:, 0] > 0.5).astype(int)
    stack = cr.StackedAutoencoder((3,), max_iter=2, softmax_max_iter=2, fine_tune_iter=2,
                                  random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        stack.fit(X, y)
        stack.fine_tune(X, y, 1)
        cr.SparseAutoencoder(2, max_iter=2, random_state=0).fit(X)
        cr.SoftmaxRegression(max_iter=1, random_state=0).fit(X, y)
    found = [(w.message.args[0].split(":")[0], w.filename, w.lineno) for w in record
             if issubclass(w.category, ConvergenceWarning)]
    assert [who for who, _, _ in found] == [
        "SparseAutoencoder", "SoftmaxRegression", "StackedAutoencoder fine-tuning",
        "StackedAutoencoder fine-tuning", "SparseAutoencoder", "SoftmaxRegression"]
    assert {filename for _, filename, _ in found} == {__file__}
    assert [lineno for _, _, lineno in found] == [line] * 3 + [line + 1, line + 2, line + 3]


def _small_stack(rng):
    X = rng.uniform(0, 1, size=(30, 4))
    y = (X[:, 0] > 0.5).astype(int)
    stack = cr.StackedAutoencoder((3,), max_iter=20, softmax_max_iter=20, fine_tune_iter=2,
                                  random_state=0).fit(X, y)
    return stack, X, y


def test_a_fine_tune_that_diverges_raises_and_keeps_the_last_finite_parameters(rng):
    """A non-finite cost stops fine_tune with TrainingDiverged, as chainrule.minimize does.

    Before, parameters whose cost is infinite (weights so large that sum W^2 overflows)
    were fine-tuned "successfully": no error, the cost still inf.
    """
    stack, X, y = _small_stack(rng)
    stack.params[...] *= 1e160
    before, n_iter = stack.params.copy(), stack.n_iter_
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(stack.cost(before, X, y)[0])
    with pytest.raises(cr.TrainingDiverged, match=r"^StackedAutoencoder fine-tuning: L-BFGS-B "
                       r"diverged: .*; the network keeps its parameters from before the call"):
        stack.fine_tune(X, y, 5)
    np.testing.assert_array_equal(stack.params, before)
    assert stack.n_iter_ == n_iter


def test_a_fine_tune_whose_cost_turns_nan_keeps_its_last_finite_iterate(rng, monkeypatch):
    """Costs NaN from the 5th evaluation on: the stack keeps an iterate whose cost is finite."""
    import chainrule.autoencoder._base as base

    stack, X, y = _small_stack(rng)
    n_iter, real, calls = stack.n_iter_, base._penalized_cost, []

    def nan_later(net, X, Y, penalties, sample_weight=None):
        calls.append(1)
        J, grad = real(net, X, Y, penalties, sample_weight)
        return (float("nan") if len(calls) > 4 else J), grad

    monkeypatch.setattr(base, "_penalized_cost", nan_later)
    with pytest.raises(cr.TrainingDiverged, match=r"the network keeps the parameters of "
                                                  r"iteration \d+, the last with a finite cost"):
        stack.fine_tune(X, y, 10)
    monkeypatch.undo()
    assert np.all(np.isfinite(stack.params)) and np.isfinite(stack.cost(stack.params, X, y)[0])
    assert stack.n_iter_ > n_iter


def test_a_fine_tune_that_fails_otherwise_leaves_the_stack_as_it_was(rng, monkeypatch):
    """An error inside the optimiser puts back parameters and weight decay.

    Before, the parameters stayed at the last point SciPy evaluated, and the weight decay
    set for the call stayed too.  (A Ctrl-C stops fine-tuning instead, keeping its last
    iterate: see the test after this one.)
    """
    import chainrule.autoencoder._base as base

    stack, X, y = _small_stack(rng)
    before, decay, n_iter = stack.params.copy(), stack.network_.weight_decay, stack.n_iter_
    proba = stack.predict_proba(X)
    real, calls = base._penalized_cost, []

    def interrupted(net, X, Y, penalties, sample_weight=None):
        calls.append(1)
        if len(calls) > 3:
            raise MemoryError
        return real(net, X, Y, penalties, sample_weight)

    monkeypatch.setattr(base, "_penalized_cost", interrupted)
    with pytest.raises(MemoryError):
        stack.set_params(fine_tune_weight_decay=0.5).fine_tune(X, y, 10)
    assert len(calls) == 4
    np.testing.assert_array_equal(stack.params, before)
    np.testing.assert_array_equal(stack.predict_proba(X), proba)
    assert stack.network_.weight_decay == decay and stack.n_iter_ == n_iter


_STAGES = {"autoencoder": (2, "squared_error"), "softmax": (1, "cross_entropy"),
           "fine-tuning": (2, "cross_entropy")}  # a stack of one autoencoder's networks


def _ctrl_c_in(monkeypatch, at, stage=None):
    """Make the ``at``-th evaluation of the SciPy fits' cost raise KeyboardInterrupt (what
    Ctrl-C raises); with ``stage``, count only the evaluations of that stage of a stack of
    one autoencoder (told by the network's layers and loss).  Returns the calls."""
    import chainrule.autoencoder._base as base

    real, calls = base._penalized_cost, []

    def cost(net, X, Y, penalties, sample_weight=None):
        if stage is None or (len(net.layers), net.loss.name) == _STAGES[stage]:
            calls.append(1)
            if len(calls) == at:
                raise KeyboardInterrupt
        return real(net, X, Y, penalties, sample_weight)

    monkeypatch.setattr(base, "_penalized_cost", cost)
    return calls


def _fit(est, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X) if isinstance(est, cr.SparseAutoencoder) else est.fit(X, y)
    return [(w.category, str(w.message), w.filename) for w in caught]


@pytest.mark.parametrize("make", [
    lambda **kw: cr.SoftmaxRegression(random_state=0, **kw),
    lambda **kw: cr.SparseAutoencoder(3, random_state=0, **kw),
    lambda **kw: cr.StackedAutoencoder((3,), max_iter=20, softmax_max_iter=20,
                                       random_state=0, **{"fine_tune_iter": 30, **kw}),
], ids=["SoftmaxRegression", "SparseAutoencoder", "StackedAutoencoder"])
def test_one_ctrl_c_stops_an_lbfgs_fit_keeps_the_last_iterate_and_warns(rng, monkeypatch,
                                                                       make):
    """A Ctrl-C (KeyboardInterrupt) in the 10th cost evaluation of L-BFGS (the stack: of its
    fine-tuning) went on to the caller and left the estimator unfitted, without a word.  As
    the MLP estimators do, it now stops the fit, which keeps the last iterate and warns
    UserWarning("Training interrupted by user.") from the caller's line, without a
    ConvergenceWarning.  The reference is the uninterrupted fit stopped by SciPy after
    that many iterations (max_iter, the stack's fine_tune_iter = n_iter_): the same
    parameters, predictions and loss_, bit for bit."""
    X = rng.uniform(0, 1, size=(30, 4))
    y = (X[:, 0] > 0.5).astype(int)
    stack = "fine_tune_iter" in make().get_params()
    calls = _ctrl_c_in(monkeypatch, 10, "fine-tuning" if stack else None)
    est = make()
    warned = _fit(est, X, y)
    monkeypatch.undo()
    assert len(calls) == 10
    # (the stack's autoencoder and softmax, stopped by max_iter=20, warn of it as they do)
    own = [w for w in warned if "StackedAutoencoder:" not in w[1]
           and not w[1].startswith(("SparseAutoencoder:", "SoftmaxRegression:"))] \
        if stack else warned
    assert own == [(UserWarning, "Training interrupted by user.", __file__)]
    assert 0 < est.n_iter_ < 10
    reference = make(**{"fine_tune_iter" if stack else "max_iter": est.n_iter_})
    stopped = [w for w in _fit(reference, X, y) if w[0] is ConvergenceWarning]
    assert stopped[-1][1].startswith("StackedAutoencoder fine-tuning" if stack else
                                     type(est).__name__)  # stopped by SciPy
    np.testing.assert_array_equal(est.network_.params, reference.network_.params)
    if isinstance(est, cr.SparseAutoencoder):
        assert est.loss_ == reference.loss_
        np.testing.assert_array_equal(est.mean_activation_, reference.mean_activation_)
        np.testing.assert_array_equal(est.transform(X), reference.transform(X))
    else:
        np.testing.assert_array_equal(est.predict_proba(X), reference.predict_proba(X))


def test_a_ctrl_c_in_the_first_evaluation_keeps_the_initial_parameters(rng, monkeypatch):
    """No iteration completed: the fit keeps the initial weights, n_iter_ = 0, and loss_ is
    their cost (the reference: penalized_cost of the fitted network's parameters, with the
    autoencoder's own penalty)."""
    X = rng.uniform(0, 1, size=(30, 4))
    _ctrl_c_in(monkeypatch, 1)
    est = cr.SparseAutoencoder(3, random_state=0)
    warned = _fit(est, X, None)
    monkeypatch.undo()
    assert [w[:2] for w in warned] == [(UserWarning, "Training interrupted by user.")]
    assert est.n_iter_ == 0
    J, _ = penalized_cost(est.network_, X, X, {0: KLSparsity(est.rho, est.beta)})
    assert est.loss_ == pytest.approx(J, rel=1e-12)
    reference = cr.SparseAutoencoder(3, random_state=0, max_iter=1).fit(X)  # 1 step away
    assert not np.array_equal(est.network_.params, reference.network_.params)


@pytest.mark.parametrize("stage", ["autoencoder", "softmax"])
def test_a_ctrl_c_before_the_stack_is_whole_aborts_its_fit(rng, monkeypatch, stage):
    """A Ctrl-C in pretraining or in the softmax ends the stack's fit, which changes
    nothing: a stage stopped by it would have let the next one start, and a stack without
    its softmax predicts nothing.  The KeyboardInterrupt goes on, without a warning."""
    X = rng.uniform(0, 1, size=(30, 4))
    y = (X[:, 0] > 0.5).astype(int)
    stack = cr.StackedAutoencoder((3,), max_iter=20, softmax_max_iter=20, fine_tune_iter=5,
                                  random_state=0)
    calls = _ctrl_c_in(monkeypatch, 3, stage)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            stack.fit(X, y)
    assert len(calls) == 3
    assert "Training interrupted by user." not in [str(w.message) for w in caught]
    assert not hasattr(stack, "network_") and not hasattr(stack, "autoencoders_")


def test_penalized_cost_checks_its_input_as_the_networks_cost_does(rng):
    """penalized_cost (public) refuses what Network.loss_and_grad refuses, with its messages.

    Before, it took its arguments unchecked: Y of shape (n, 1) for 2 outputs was broadcast
    into a cost (3.7095 instead of an error), a NaN in X gave J = nan, a Dropout layer was
    silently inactive, and a list X or a penalty that is no KLSparsity failed with an
    AttributeError.
    """
    net = cr.mlp([4, 3, 2], hidden="sigmoid", output="identity", seed=0, weight_decay=1e-3)
    X = rng.uniform(0, 1, size=(10, 4))
    Y = rng.uniform(0, 1, size=(10, 2))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    kl = {0: KLSparsity(0.1, 3.0)}
    for bad_X, bad_Y in ((X, Y[:, :1]), (X, Y[:1]), (X[:, :3], Y), (X_nan, Y)):
        with pytest.raises(ValueError) as by_net:
            net.loss_and_grad(bad_X, bad_Y)
        with pytest.raises(ValueError) as by_penalized:
            penalized_cost(net, bad_X, bad_Y, kl)
        assert str(by_penalized.value) == str(by_net.value)
    J_ref, g_ref = net.loss_and_grad(X, Y)  # a list is taken as loss_and_grad takes it
    J, g = penalized_cost(net, X.tolist(), Y.tolist())
    assert J == pytest.approx(J_ref, rel=1e-14)
    np.testing.assert_allclose(g, g_ref, rtol=1e-13, atol=1e-16)
    with pytest.raises(TypeError, match=r"^penalties\[0\]: expected a KLSparsity \(value and "
                                        r"grad\), got 3 \(int\)$"):
        penalized_cost(net, X, Y, {0: 3})
    with pytest.raises(TypeError, match=r"^penalties: layer indices must be ints, got '0'"):
        penalized_cost(net, X, Y, {"0": KLSparsity()})
    with pytest.raises(TypeError, match=r"^net: expected a chainrule Network, got str$"):
        penalized_cost("net", X, Y)
    dropped = cr.Network([cr.Dense(4, 3, "sigmoid", seed=0), cr.Dropout(0.5),
                          cr.Dense(3, 2, "identity", seed=1)], loss="squared_error")
    with pytest.raises(ValueError, match=r"^net.layers\[1\]: penalized_cost computes the cost "
                                         r"in evaluation mode, where a Dropout layer would be "
                                         r"silently inactive"):
        penalized_cost(dropped, X, Y, kl)


def test_stack_fine_tune_and_cost_refuse_data_outside_0_1_as_fit_does(rng):
    """fine_tune and cost refuse X outside [0, 1] with fit's message, and change nothing.

    Before, fit refused such X but fine_tune trained the stack on it and cost returned a
    number for it.
    """
    stack, X, y = _small_stack(rng)
    before, n_iter = stack.params.copy(), stack.n_iter_
    bad = 2 * X - 0.5
    with pytest.raises(ValueError) as by_fit:
        clone(stack).fit(X, y, X_unlabeled=bad)
    expected = str(by_fit.value).replace("X_unlabeled:", "X:", 1)
    assert expected.startswith("X: the data must lie in [0, 1]")
    for call in (lambda: stack.fine_tune(bad, y, 2), lambda: stack.cost(before, bad, y)):
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == expected
    np.testing.assert_array_equal(stack.params, before)
    assert stack.n_iter_ == n_iter


def test_a_fit_whose_cost_turns_nan_raises_and_keeps_the_fitted_model(patches, monkeypatch):
    """A refit whose cost ends NaN raises TrainingDiverged and leaves the old fit in place.

    Before, SciPy's finite x was taken whatever its cost: the refit "succeeded" with
    loss_ = nan and replaced the fitted model.
    """
    import chainrule.autoencoder._base as base

    ae = cr.SparseAutoencoder(3, max_iter=5, random_state=0).fit(patches)
    params, loss, H = ae.params.copy(), ae.loss_, ae.transform(patches)
    real, calls = base._penalized_cost, []

    def nan_later(net, X, Y, penalties, sample_weight=None):
        calls.append(1)
        J, grad = real(net, X, Y, penalties, sample_weight)
        return (float("nan") if len(calls) > 3 else J), grad

    monkeypatch.setattr(base, "_penalized_cost", nan_later)
    with pytest.raises(cr.TrainingDiverged, match=r"^SparseAutoencoder: L-BFGS-B diverged: the "
                                                  r"cost or the parameters became NaN or "
                                                  r"infinite .*; the fit changes nothing$"):
        ae.set_params(random_state=1).fit(patches)
    monkeypatch.undo()
    np.testing.assert_array_equal(ae.params, params)
    np.testing.assert_array_equal(ae.transform(patches), H)
    assert ae.loss_ == loss and np.isfinite(loss)


def test_gradient_check_finds_the_kinks_of_a_relu_decoder():
    """gradient_check(exclude_kinks=True) reads the net inputs the layers keep after each
    evaluation of the cost; 51063d4 made SparseAutoencoder.cost drop them, so the steps
    that cross the kink of a ReLU decoder were no longer found (near_kink all False:
    rel_diff 9.7e-4 with them, against 3.1e-5 once the 6 such parameters are left out,
    in a 6-4-6 case).  The reference: the sign of every output net input at theta and at
    theta +- eps, from a forward pass written out in NumPy."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(30, 6)) * (rng.uniform(size=(30, 6)) > 0.5)
    ae = cr.SparseAutoencoder(4, max_iter=30, random_state=0, output="relu").fit(X)
    eps = 1e-2
    result = cr.gradient_check(ae, X, exclude_kinks=True, eps=eps)
    theta = ae.params.copy()
    sizes = [(6, 4), (4,), (4, 6), (6,)]  # W1, b1, W2, b2: each layer's W, then b

    def output_sides(t):
        parts, start = [], 0
        for shape in sizes:
            n = int(np.prod(shape))
            parts.append(t[start:start + n].reshape(shape))
            start += n
        W1, b1, W2, b2 = parts
        return np.sign(1 / (1 + np.exp(-(X @ W1 + b1))) @ W2 + b2)

    base, near = output_sides(theta), np.zeros(theta.size, dtype=bool)
    for i in range(theta.size):
        for step in (eps, -eps):
            t = theta.copy()
            t[i] += step
            near[i] |= bool((output_sides(t) != base).any())
    assert near.any()
    np.testing.assert_array_equal(result.near_kink, near)
    assert result.rel_diff == cr.gradcheck.relative_difference(result.numerical[~near],
                                                               result.analytical[~near])
    assert result.rel_diff < result.rel_diff_all


def test_transform_and_predictions_run_in_blocks_of_rows(rng, monkeypatch):
    """transform, inverse_transform and the classifiers' predict_proba ran one pass over all
    the rows: 40,000 rows of 64 into 200 sigmoid units, transform peaked at 183 MiB for a
    result of 61 MiB (its net input, its output and their copy), 67 MiB now (tracemalloc).
    Now in the blocks of Network.predict, with the same numbers."""
    import tracemalloc

    from chainrule import _inference

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    ae = cr.SparseAutoencoder(60, max_iter=3, random_state=0).fit(
        rng.uniform(0.1, 0.9, size=(50, 16)))
    sa = cr.StackedAutoencoder((12, 8), max_iter=3, softmax_max_iter=3, fine_tune_iter=2,
                               random_state=0).fit(rng.uniform(0, 1, size=(50, 16)),
                                                   rng.integers(0, 3, 50))
    X = rng.uniform(0.1, 0.9, size=(3000, 16))
    e, d = ae.network_.layers
    H = sigmoid(X @ e.W + e.b)  # independent forward passes in NumPy
    R = sigmoid(H @ d.W + d.b)
    A = X
    for layer in sa.network_.layers[:-1]:
        A = sigmoid(A @ layer.W + layer.b)
    Z = A @ sa.network_.layers[-1].W + sa.network_.layers[-1].b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    # one block (the default here): the numbers of the layers' own pass over all the rows
    params = ae.network_.params.copy()
    np.testing.assert_array_equal(ae.transform(X), e.forward(X))
    np.testing.assert_array_equal(ae.inverse_transform(H), d.forward(H))
    np.testing.assert_array_equal(sa.predict_proba(X), sa.network_.forward(X))
    monkeypatch.setattr(_inference, "BLOCK_BYTES", 2**12)  # blocks of 8 rows
    tracemalloc.start()
    try:
        out = ae.transform(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(out, H, rtol=1e-12)
    np.testing.assert_allclose(ae.inverse_transform(H), R, rtol=1e-12)
    np.testing.assert_allclose(ae.reconstruct(X), R, rtol=1e-12)
    np.testing.assert_allclose(sa.predict_proba(X), P, rtol=1e-12)
    np.testing.assert_array_equal(sa.predict(X), sa.classes_[P.argmax(axis=1)])
    # the result (1.4 MB) and blocks of it: no net input or output of all the rows beside it
    assert peak < 1.5 * H.nbytes, (peak, H.nbytes)
    np.testing.assert_array_equal(ae.network_.params, params)  # the fitted network untouched


def test_min_max_scaled_data_is_in_range_whatever_its_rounding():
    """MinMaxScaler's rows reach 1.0000000000000002: "[0, 1]" refused them, "from 0 to 1".

    Reference: scikit-learn's MinMaxScaler, the natural step before a sigmoid decoder.
    Values past a bound by rounding are accepted by the autoencoder, the stack and
    self-taught learning; a value 1e-5 past it is still refused, shown to 7 digits.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import MinMaxScaler

    from chainrule.autoencoder import self_taught_learning

    X = MinMaxScaler().fit_transform(load_breast_cancer().data)[421:461 + 1]  # 461: 1 + 2e-16
    over = X.max() - 1.0
    assert 0 < over < 1e-12  # the rounding this test is about, reproduced here
    ae = cr.SparseAutoencoder(3, max_iter=3, random_state=0).fit(X)
    W1, b1 = ae.network_.layers[0].W, ae.network_.layers[0].b
    np.testing.assert_allclose(ae.transform(X), 1 / (1 + np.exp(-(X @ W1 + b1))), rtol=1e-12)
    assert np.isfinite(ae.cost(ae.network_.params, X)[0])
    y = np.arange(41) % 2
    cr.StackedAutoencoder((3,), max_iter=2, fine_tune_iter=1, random_state=0).fit(
        X, y, X_unlabeled=X)
    self_taught_learning(X, X[:20], y[:20], X[20:], y[20:], n_hidden=3, hidden_sizes=(3,),
                         max_iter=2, softmax_max_iter=3, fine_tune_iter=1, random_state=0)
    X32 = MinMaxScaler().fit_transform(load_breast_cancer().data.astype(np.float32))
    assert X32.max() == np.nextafter(np.float32(1), np.float32(2))  # one float32 ulp over
    cr.SparseAutoencoder(3, max_iter=1, random_state=0).fit(X32)
    X[0, 0] = 1 + 1e-5
    with pytest.raises(ValueError, match=r"got values from [0-9.]+ to 1\.00001; rescale"):
        cr.SparseAutoencoder(3, max_iter=3, random_state=0).fit(X)


def test_inverse_transform_takes_x_and_routes_no_metadata(patches):
    """inverse_transform(H): scikit-learn's metadata routing takes any parameter other
    than X and y for metadata, so get_metadata_routing() showed {'inverse_transform':
    {'H': None}} and the class had a meaningless set_inverse_transform_request.  The
    argument is now X, as in scikit-learn's transformers; H= is still taken, with a
    FutureWarning, for one release.  The reconstruction is f(X W2 + b2) written out."""
    ae = cr.SparseAutoencoder(5, max_iter=3, random_state=0).fit(patches)
    assert ae.get_metadata_routing().consumes("inverse_transform", ["H"]) == set()
    assert not hasattr(ae, "set_inverse_transform_request")
    assert not [name for name in dir(ae) if name.startswith("set_") and "request" in name]
    hidden = ae.transform(patches[:4])
    dec = ae.network_.layers[1]
    expected = 1 / (1 + np.exp(-(hidden @ dec.W + dec.b)))
    np.testing.assert_allclose(ae.inverse_transform(hidden), expected, rtol=1e-12)
    np.testing.assert_allclose(ae.inverse_transform(X=hidden), expected, rtol=1e-12)
    with pytest.warns(FutureWarning, match=r"inverse_transform\(H=\.\.\.\) is deprecated: the "
                                           r"argument is named X") as record:
        np.testing.assert_allclose(ae.inverse_transform(H=hidden), expected, rtol=1e-12)
    assert record[0].filename == __file__
    with pytest.raises(TypeError, match=r"^inverse_transform: got both X and H"):
        ae.inverse_transform(hidden, H=hidden)
    with pytest.raises(TypeError, match=r"^inverse_transform: X is required"):
        ae.inverse_transform()
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match=r"^H must have 5 columns"):
        ae.inverse_transform(H=hidden[:, :3])


def test_float32_data_trains_in_float64_and_transforms_to_float32(rng):
    """These estimators train in float64 whatever the data's dtype (README), and
    SparseAutoencoder's transform answered float64 for float32 data, where scikit-learn's
    PCA and BernoulliRBM keep float32.  Now transform, inverse_transform and reconstruct of
    float32 data are float32: the float64 numbers rounded at the end (reconstruct without
    rounding the hidden activations), and the preserves_dtype tag says so.  The classifiers'
    probabilities stay float64 (their Notes say why).  The reference is the same formulas
    in NumPy, in float64, from the fitted weights; integer data still gets float64."""
    from scipy.special import expit, softmax

    from chainrule.autoencoder import SoftmaxRegression, SparseAutoencoder, StackedAutoencoder

    X = rng.uniform(0.1, 0.9, size=(30, 6)).astype(np.float32)
    y = (X[:, 0] > X[:, 1]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = SparseAutoencoder(3, max_iter=5, random_state=0).fit(X)
        sm = SoftmaxRegression(max_iter=5, random_state=0).fit(X, y)
        st = StackedAutoencoder((3,), max_iter=3, softmax_max_iter=3, fine_tune_iter=3,
                                random_state=0).fit(X, y)
    X64 = X.astype(np.float64)
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in ae.network_.layers]
    assert ae.network_.dtype == sm.network_.dtype == st.network_.dtype == np.float64
    H = expit(X64 @ W1 + b1)
    H32 = H.astype(np.float32)  # hidden activations as transform gives them for float32 X
    # name: (float64 reference, the method, its float32 input)
    cases = {
        "transform": (H, ae.transform, X),
        "inverse_transform": (expit(H32.astype(np.float64) @ W2 + b2), ae.inverse_transform,
                              H32),
        "reconstruct": (expit(H @ W2 + b2), ae.reconstruct, X)}  # float64 throughout
    for name, (ref, method, data) in cases.items():
        out32, out64 = method(data), method(data.astype(np.float64))
        assert out32.dtype == np.float32 and out64.dtype == np.float64, name
        np.testing.assert_allclose(out64, ref, rtol=1e-12, atol=1e-15, err_msg=name)
        np.testing.assert_array_equal(out32, ref.astype(np.float32), err_msg=name)
    assert ae.transform((X * 10).astype(int)).dtype == np.float64
    assert ae.inverse_transform(np.ones((2, 3), dtype=np.float16)).dtype == np.float64
    assert ae.__sklearn_tags__().transformer_tags.preserves_dtype == ["float64", "float32"]
    Z = X64 @ sm.network_.layers[0].W + sm.network_.layers[0].b
    np.testing.assert_allclose(sm.predict_proba(X), softmax(Z, axis=1), rtol=1e-12)
    for clf in (sm, st):
        assert clf.predict_proba(X).dtype == clf.predict_log_proba(X).dtype == np.float64
    for est in (ae, sm, st):
        assert "trains in float64 whatever the dtype of ``X``" in " ".join(
            type(est).__doc__.split())
    assert "return float32 for float32 input" in " ".join(SparseAutoencoder.__doc__.split())
    for method in (SparseAutoencoder.transform, SparseAutoencoder.inverse_transform):
        assert "Float32 for float32 ``X``" in method.__doc__
    assert "float64" in SoftmaxRegression.predict_proba.__doc__


def test_a_ctrl_c_ends_self_taught_learning(rng, monkeypatch):
    """self_taught_learning trains five models in turn: a Ctrl-C in the first (the softmax
    on raw inputs) ends the comparison, the KeyboardInterrupt going on, rather than
    stopping that softmax and training the four others (counted: no evaluation after it)."""
    from chainrule.autoencoder import self_taught_learning
    U, X, X_test = (rng.uniform(0, 1, (n, 6)) for n in (20, 12, 9))
    y, y_test = np.arange(12) % 3, np.arange(9) % 3
    calls = _ctrl_c_in(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        self_taught_learning(U, X, y, X_test, y_test, **_SMALL_STL)
    assert len(calls) == 2


def _documented_attributes(cls: type) -> set[str]:
    """The names the Attributes section of ``cls``'s numpydoc docstring lists."""
    lines = cls.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes") + 2
    names = set()
    for line in lines[start:]:
        if line.strip() and set(line.strip()) == {"-"}:  # the next section's underline
            break
        match = re.match(r"^    (\w+) :", line)
        if match:
            names.add(match.group(1))
    return names


def test_every_fitted_attribute_is_documented(rng):
    """StackedAutoencoder set n_iter_ (fine-tuning's iterations only, which `chainrule info`
    prints as the file's "iterations") without listing it among its Attributes."""
    X = rng.uniform(0, 1, size=(40, 6))
    y = np.arange(40) % 2
    fitted = [cr.SparseAutoencoder(3, max_iter=3, random_state=0).fit(X),
              cr.SoftmaxRegression(max_iter=3, random_state=0).fit(X, y),
              cr.StackedAutoencoder((4,), max_iter=3, softmax_max_iter=3, fine_tune_iter=2,
                                    random_state=0).fit(X, y)]
    for est in fitted:
        set_in_fit = {k for k in vars(est) if k.endswith("_") and not k.startswith("_")}
        missing = set_in_fit - _documented_attributes(type(est))
        assert not missing, (type(est).__name__, missing)
    stack = fitted[2]
    assert stack.n_iter_ <= 2 and stack.autoencoders_[0].n_iter_ <= 3
    before = stack.n_iter_
    stack.fine_tune(X, y, 2)
    assert 0 < stack.n_iter_ - before <= 2  # added up, as documented
