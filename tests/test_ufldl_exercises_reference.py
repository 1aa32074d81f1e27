"""The UFLDL exercises' formulas, written out here in NumPy in UFLDL's own layout
(``W1`` of shape (hidden, visible), one example per column), against chainrule's
autoencoder classes: the sparse autoencoder's cost and gradient at the tutorial's
settings, its gradient check as ``checkNumericalGradient`` computes it, the weight
picture of ``display_network``, the self-taught features and the stacked autoencoder's
fine-tuning gradient by central differences of the cost written here."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _kl(rho, r):
    return rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))


def _sparse_autoencoder_cost(W1, b1, W2, b2, data, lam, beta, rho):
    """sparseAutoencoderCost.m: data (visible, m), W1 (hidden, visible), W2 (visible, hidden)."""
    m = data.shape[1]
    a2 = _sigmoid(W1 @ data + b1[:, None])
    h = _sigmoid(W2 @ a2 + b2[:, None])
    rho_hat = a2.mean(axis=1)
    J = (0.5 * np.sum((h - data) ** 2) / m
         + lam / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
         + beta * np.sum(_kl(rho, rho_hat)))
    delta3 = -(data - h) * h * (1 - h)
    sparsity_delta = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
    delta2 = (W2.T @ delta3 + sparsity_delta[:, None]) * a2 * (1 - a2)
    return J, (delta2 @ data.T / m + lam * W1, delta2.mean(axis=1),
               delta3 @ a2.T / m + lam * W2, delta3.mean(axis=1))


def _theta(W1, b1, W2, b2):
    """UFLDL's matrices as chainrule's flat vector: each layer's (fan_in, fan_out) W, then b."""
    return np.concatenate([W1.T.ravel(), b1, W2.T.ravel(), b2])


def _unpack(theta, n_visible, n_hidden):
    v, h = n_visible, n_hidden
    W1 = theta[:v * h].reshape(v, h).T
    b1 = theta[v * h:v * h + h]
    W2 = theta[v * h + h:2 * v * h + h].reshape(h, v).T
    return W1, b1, W2, theta[2 * v * h + h:]


def _numerical_gradient(f, theta, eps=1e-4):
    """computeNumericalGradient.m: central differences, one parameter at a time."""
    grad = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad


@pytest.fixture(scope="module")
def patches():
    """Ten 8x8 patches in [0.1, 0.9], as sampleIMAGES normalises them."""
    return np.random.default_rng(0).uniform(0.1, 0.9, size=(10, 64))


@pytest.mark.parametrize("rho", [0.01, 0.1])
def test_sparse_autoencoder_cost_and_gradient_are_ufldls_64_25_64(patches, rho):
    rng = np.random.default_rng(1)
    r = np.sqrt(6 / (64 + 25 + 1))  # initializeParameters.m, biases made nonzero here
    W1, W2 = rng.uniform(-r, r, (25, 64)), rng.uniform(-r, r, (64, 25))
    b1, b2 = rng.normal(0, 0.1, 25), rng.normal(0, 0.1, 64)
    ae = cr.SparseAutoencoder(25, rho=rho, beta=3.0, weight_decay=1e-4,
                              random_state=0).initialized(patches)
    J, grad = ae.cost(_theta(W1, b1, W2, b2), patches)
    J_ref, grads_ref = _sparse_autoencoder_cost(W1, b1, W2, b2, patches.T, 1e-4, 3.0, rho)
    assert J == pytest.approx(J_ref, rel=1e-13)
    np.testing.assert_allclose(grad, _theta(*grads_ref), rtol=0,
                               atol=1e-13 * np.abs(_theta(*grads_ref)).max())
    # the terms cost_terms prints, each against its formula
    ae.network_.params[...] = _theta(W1, b1, W2, b2)
    terms = ae.cost_terms(patches)
    a2 = _sigmoid(W1 @ patches.T + b1[:, None])
    np.testing.assert_allclose(terms.rho_hat, a2.mean(axis=1), rtol=1e-14)
    assert terms.sparsity == pytest.approx(3.0 * np.sum(_kl(rho, a2.mean(axis=1))), rel=1e-13)
    assert terms.cost == pytest.approx(J_ref, rel=1e-13)


def test_gradient_check_is_checkNumericalGradients_difference_below_1e_9(patches):
    """checkNumericalGradient.m: diff = norm(numgrad - grad) / norm(numgrad + grad), which
    the exercise expects below 1e-9, with numgrad from the cost written here."""
    X = patches[:5, :16]  # 16-4-16: every parameter differenced in well under a second
    ae = cr.SparseAutoencoder(4, rho=0.01, beta=3.0, weight_decay=1e-4,
                              random_state=0).initialized(X)
    theta = ae.params.copy()
    _, grad = ae.cost(theta, X)
    numgrad = _numerical_gradient(
        lambda t: _sparse_autoencoder_cost(*_unpack(t, 16, 4), X.T, 1e-4, 3.0, 0.01)[0], theta)
    diff = np.linalg.norm(numgrad - grad) / np.linalg.norm(numgrad + grad)
    assert diff < 1e-9
    check = cr.gradient_check(ae, X)
    assert check.rel_diff == pytest.approx(diff, rel=0.5)  # the same formula, its own steps
    assert check.rel_diff < 1e-9 and check.verdict == "PASS"
    assert f"relative difference {check.rel_diff:.3e}" in str(check)


def test_cost_at_equal_hidden_units_is_the_formula(patches):
    """Equal hidden units (UFLDL's exercise starts from random weights; a zero start keeps
    every unit equal): cost(), by the BLAS products, equals the formula to 1e-12."""
    W1 = np.tile(np.random.default_rng(2).uniform(-0.1, 0.1, 64), (25, 1))
    W2 = np.tile(np.random.default_rng(3).uniform(-0.1, 0.1, (64, 1)), (1, 25))
    b1, b2 = np.full(25, 0.05), np.zeros(64)
    ae = cr.SparseAutoencoder(25, random_state=0).initialized(patches)
    J, grad = ae.cost(_theta(W1, b1, W2, b2), patches)
    J_ref, grads_ref = _sparse_autoencoder_cost(W1, b1, W2, b2, patches.T, 1e-4, 3.0, 0.01)
    assert abs(J - J_ref) <= 1e-12 * abs(J_ref)
    ref = _theta(*grads_ref)
    assert np.abs(grad - ref).max() <= 1e-12 * np.abs(ref).max()


def test_weight_picture_pixels_are_display_networks(tmp_path, saved_figures):
    """display_network.m: A = A - mean(A(:)); each patch / max(abs(patch)), shown over [-1, 1]
    in gray: the written PNG's pixel at the centre of each weight is that gray."""
    import matplotlib.image as mpimg

    W = np.random.default_rng(4).normal(0.3, 1.0, size=(5, 8, 8))
    path = cr.plots.plot_tiles(W, tmp_path / "w.png", normalize="ufldl")
    png = mpimg.imread(path)[..., :3]
    A = W - W.mean()
    axes = [ax for ax in saved_figures[0].axes if ax.get_images()]
    assert len(axes) == 5
    for k, ax in enumerate(axes):
        box = ax.get_window_extent()
        gray = (A[k] / np.abs(A[k]).max() + 1) / 2
        for i in range(8):
            for j in range(8):
                x = box.x0 + (j + 0.5) * box.width / 8
                y = box.y1 - (i + 0.5) * box.height / 8
                pixel = png[int(png.shape[0] - y), int(x)]
                np.testing.assert_allclose(pixel, gray[i, j], atol=1.5 / 255)


def _fitted_stack(X, y, **settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cr.StackedAutoencoder(hidden_sizes=(6, 4), max_iter=5, softmax_max_iter=5,
                                     fine_tune_iter=3, random_state=0, **settings).fit(X, y)


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(5)
    return rng.uniform(0, 1, size=(12, 10)), rng.integers(0, 3, 12)


def test_self_taught_features_are_the_hidden_activations(digits):
    X, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = cr.SparseAutoencoder(6, rho=0.1, max_iter=5, random_state=0).fit(X)
    W1, b1 = ae.filters_, ae.network_.layers[0].b  # (hidden, visible), UFLDL's W1
    np.testing.assert_allclose(ae.transform(X), _sigmoid(W1 @ X.T + b1[:, None]).T,
                               rtol=1e-14, atol=0)


def _stack_matrices(theta, sizes):
    """chainrule's flat vector as UFLDL's (W, b) per layer, W of shape (fan_out, fan_in)."""
    out, at = [], 0
    for fan_in, fan_out in itertools.pairwise(sizes):
        W = theta[at:at + fan_in * fan_out].reshape(fan_in, fan_out).T
        at += fan_in * fan_out
        out.append((W, theta[at:at + fan_out]))
        at += fan_out
    return out


def _stacked_cost(theta, sizes, X, y, lam, beta, rho, sparsity):
    """stackedAECost.m's cost (cross-entropy + (lambda/2) sum W^2), with the hidden layers'
    KL penalties where chainrule keeps them (fine_tune_sparsity)."""
    layers = _stack_matrices(theta, sizes)
    a, m, J = X.T, X.shape[0], 0.0
    for W, b in layers[:-1]:
        a = _sigmoid(W @ a + b[:, None])
        if sparsity:
            J += beta * np.sum(_kl(rho, a.mean(axis=1)))
    W, b = layers[-1]
    z = W @ a + b[:, None]
    z -= z.max(axis=0)
    log_p = z - np.log(np.exp(z).sum(axis=0))
    J += -np.mean(log_p[y, np.arange(m)])
    return J + lam / 2 * sum(np.sum(W ** 2) for W, _ in layers)


@pytest.mark.parametrize("sparsity", [True, False])
def test_stacked_fine_tuning_gradient_is_the_central_differences_of_the_cost(digits,
                                                                             sparsity):
    # away from the fit (a gradient of norm 1 to 5): at the fitted weights the gradient is
    # small (norm 0.02) and eps = 1e-4's truncation error a few 1e-9 of it
    X, y = digits
    stack = _fitted_stack(X, y, fine_tune_sparsity=sparsity, softmax_weight_decay=1e-3)
    theta = stack.params.copy() + np.random.default_rng(6).normal(0, 1.0, stack.params.size)
    J, grad = stack.cost(theta, X, y)
    f = lambda t: _stacked_cost(t, (10, 6, 4, 3), X, y, 1e-3, 3.0, 0.1, sparsity)  # noqa: E731
    assert J == pytest.approx(f(theta), rel=1e-13)
    numgrad = _numerical_gradient(f, theta)
    assert np.linalg.norm(numgrad - grad) / np.linalg.norm(numgrad + grad) < 1e-9
