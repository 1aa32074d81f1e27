"""The autoencoder estimators' SciPy fit leaves frozen parameters out, as
:func:`chainrule.minimize` does (``layer.trainable = False``, ``layer.frozen``).

References: :func:`chainrule.minimize` on a copy of the same network with the same cost
(fine-tuning without the sparsity penalty: cross-entropy + weight decay, the network's
own cost), and SciPy's L-BFGS-B run here on the trainable entries of the public
``SparseAutoencoder.cost`` (the penalised cost, written into the full vector here).
Both start from the same point and run the same L-BFGS-B; the cost and gradient come
from different code (the estimator's ``_penalized_cost`` against the network's
``loss_and_grad``, or the same one here), so the iterates agree to rounding, which
grows with the iterations: 1e-9 after a few iterations is many orders above the
rounding (about 1e-15 relative per evaluation) and many below a step (about 1e-2).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import scipy.optimize

import chainrule as cr
from chainrule.autoencoder import SoftmaxRegression, SparseAutoencoder, StackedAutoencoder
from chainrule.autoencoder._base import _fit_scipy
from chainrule.autoencoder._penalty import KLSparsity


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.05, 0.95, (60, 8)), rng.integers(0, 3, 60)


def _stack(**settings) -> tuple[StackedAutoencoder, np.ndarray, np.ndarray]:
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few iterations each, not converged
        stack = StackedAutoencoder((5, 4), max_iter=10, softmax_max_iter=10, fine_tune_iter=0,
                                   random_state=0, **settings).fit(X, y)
    return stack, X, y


def _entries(net: cr.Network, array: np.ndarray) -> slice:
    """Where a layer's parameter array (a view of ``net.params``) lies in the vector."""
    assert np.shares_memory(array, net.params) and array.flags.c_contiguous
    start = (array.__array_interface__["data"][0]
             - net.params.__array_interface__["data"][0]) // net.params.itemsize
    return slice(start, start + array.size)


@pytest.mark.parametrize("iters", [3, 8])
def test_fine_tune_with_a_frozen_encoder_is_minimize_over_the_rest(iters):
    stack, X, y = _stack(fine_tune_sparsity=False, fine_tune_weight_decay=1e-3)
    net = stack.network_
    net.layers[0].trainable = False
    start = net.params.copy()
    frozen = [net.layers[0].W.copy(), net.layers[0].b.copy()]
    ref = copy.deepcopy(net)
    ref.weight_decay = 1e-3  # what fine-tuning sets
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stack.fine_tune(X, y, iters)
        result = cr.minimize(ref, X, np.searchsorted(stack.classes_, y), maxiter=iters)
    assert np.array_equal(net.layers[0].W, frozen[0])  # bit for bit
    assert np.array_equal(net.layers[0].b, frozen[1])
    assert stack.n_iter_ == result.nit
    np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-9)
    assert np.abs(net.params - start).max() > 1e-3  # the rest moved


def test_fine_tune_with_sparsity_and_a_frozen_top_bias():
    """The sparsity penalties on: SciPy's L-BFGS-B on the stack's public cost over the
    entries not frozen (the softmax's bias and the first encoder)."""
    stack, X, y = _stack()
    net = stack.network_
    net.layers[0].trainable = False
    net.layers[2].frozen = {"b"}
    keep = np.ones(net.n_params, dtype=bool)
    for array in (net.layers[0].W, net.layers[0].b, net.layers[2].b):
        keep[_entries(net, array)] = False
    start = net.params.copy()

    def fun(theta):
        full = start.copy()
        full[keep] = theta
        J, g = stack.cost(full, X, y)
        return J, g[keep]

    ref = scipy.optimize.minimize(fun, start[keep], jac=True, method="L-BFGS-B",
                                  options={"maxiter": 6})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stack.fine_tune(X, y, 6)
    assert np.array_equal(net.params[~keep], start[~keep])  # bit for bit
    assert stack.n_iter_ == ref.nit
    np.testing.assert_allclose(net.params[keep], ref.x, rtol=0, atol=1e-9)


def test_sparse_autoencoder_fit_keeps_frozen_biases():
    """SparseAutoencoder has no warm start (each fit builds a new network), so its fit's
    SciPy run is checked on its network_ with both biases frozen: SciPy's L-BFGS-B on the
    public penalised ``cost`` over the weights alone."""
    X, _ = _data(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae = SparseAutoencoder(3, max_iter=5, random_state=0).fit(X)
    net = ae.network_
    for layer in net.layers:
        layer.frozen = {"b"}
        layer.b[...] = np.linspace(-0.3, 0.3, layer.b.size)  # not 0: a kept value is seen
    keep = np.ones(net.n_params, dtype=bool)
    for layer in net.layers:
        keep[_entries(net, layer.b)] = False
    start = net.params.copy()

    def fun(theta):
        full = start.copy()
        full[keep] = theta
        J, g = ae.cost(full, X)
        return J, g[keep]

    ref = scipy.optimize.minimize(fun, start[keep], jac=True, method="L-BFGS-B",
                                  options={"maxiter": 6})
    result = _fit_scipy(net, X, X, {0: KLSparsity(ae.rho, ae.beta)}, "L-BFGS-B", 6,
                        "SparseAutoencoder")
    assert np.array_equal(net.params[~keep], start[~keep])  # bit for bit
    assert result.nit == ref.nit
    np.testing.assert_allclose(net.params[keep], ref.x, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(result.x, net.params)  # the whole vector
    assert np.all(result.jac[~keep] == 0)
    np.testing.assert_allclose(result.jac[keep], ref.jac, rtol=0, atol=1e-9)


def test_everything_frozen_is_refused_naming_the_estimator():
    stack, X, y = _stack()
    for layer in stack.network_.layers:
        layer.trainable = False
    start = stack.network_.params.copy()
    decay = stack.network_.weight_decay
    with pytest.raises(ValueError, match=r"^StackedAutoencoder fine-tuning: nothing to train"):
        stack.fine_tune(X, y, 3)
    assert np.array_equal(stack.network_.params, start)
    assert stack.network_.weight_decay == decay and stack.n_iter_ == 0


def test_softmax_regression_run_with_a_frozen_bias():
    """SoftmaxRegression's SciPy run on a network with its bias frozen is
    chainrule.minimize's (the same cross-entropy + weight decay)."""
    X, y = _data(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soft = SoftmaxRegression(1e-3, 2, random_state=0).fit(X, y)
    net = soft.network_
    net.layers[0].frozen = {"b"}
    net.layers[0].b[...] = [0.2, -0.1, 0.05]
    ref = copy.deepcopy(net)
    Y = net.prepare_targets(y, X.shape[0], "y")
    _fit_scipy(net, X, Y, None, "L-BFGS-B", 6, "SoftmaxRegression")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cr.minimize(ref, X, y, maxiter=6)
    assert np.array_equal(net.layers[0].b, [0.2, -0.1, 0.05])
    np.testing.assert_allclose(net.params, ref.params, rtol=0, atol=1e-9)
