"""Exact Hessian-vector products of a network's cost, by Pearlmutter's R-operator.

``H v`` (the Hessian of the cost ``J`` that :meth:`~chainrule.Network.loss_and_grad`
differentiates, times a vector ``v`` of the parameters' layout) costs a small multiple of one
gradient and never forms ``H``: Pearlmutter (1994), "Fast exact multiplication by the
Hessian", Neural Computation 6(1).  The same passes without their first-order terms give
Schraudolph's Gauss-Newton product ``G v`` (2002, "Fast curvature matrix-vector products for
second-order gradient descent"), which is positive semi-definite, as Martens' Hessian-free
optimisation (2010) uses it.  :func:`chainrule.minimize` hands ``H v`` to SciPy's
Newton-CG, trust-ncg and trust-krylov.

Covered: networks of :class:`~chainrule.Dense` layers with the built-in elementwise
activations (their second derivatives are in ``_activations_second``) and the loss / output
pairs of ``_hessian_rop.SUPPORTED``, with sample weights and either weight decay.  Anything
else is refused naming the layer or the loss.  The equations are in ``_hessian_rop``.
"""

from __future__ import annotations

import numpy as np

from ._hessian_rop import Point, check_network
from ._validation_arrays import check_finite_array
from .network import Network

__all__ = ["gauss_newton_vector_product", "hessian_vector_product", "hessian_vector_products"]


def _point(network: object, X: object, y: object, sample_weight: object,
           what: str) -> tuple[Network, Point]:
    if not isinstance(network, Network):
        raise TypeError(f"network: expected a chainrule Network, got {type(network).__name__}")
    check_network(network, what)
    X, Y = network._check_xy(X, y)
    sw = network.check_sample_weight(sample_weight, X.shape[0])
    return network, Point(network, X, Y, sw)


def _check_v(network: Network, v: object, name: str = "v") -> np.ndarray:
    v = check_finite_array(v, name, dtype=network.dtype)
    if v.shape != (network.n_params,):
        raise ValueError(f"{name}: expected a vector of shape ({network.n_params},), the "
                         f"layout of net.params, got shape {v.shape}")
    return v


def hessian_vector_product(network: Network, X: object, y: object, v: object,
                           sample_weight: object = None) -> np.ndarray:
    """``H v``: the exact Hessian of the cost times ``v``, by the R-operator.

    One forward and one backward pass (the gradient's), then one forward pass of ``R{.}``
    and one backward pass of ``R{.}``: about 3 gradients' time (2 for each further ``v`` at
    the same point, see :func:`hessian_vector_products`).  No finite differences: exact to
    rounding.

    Parameters
    ----------
    network : Network
        Dense layers only, with built-in activations that have a second derivative
        (identity, relu, leaky_relu, sigmoid, tanh, lecun_tanh, softplus, elu, gelu, silu,
        exp, square; softmax at the output); output and loss one of identity +
        squared_error, softmax + cross_entropy, sigmoid + log_loss, exp + poisson, or
        squared_error / mean_squared_error after an elementwise output.  Its weight decay
        (either ``decay``) is part of ``H``.  The network's parameters are not changed; its
        layers hold the gradient pass's arrays afterwards, as after ``loss_and_grad``.
    X : array-like of shape (n_samples, n_inputs)
    y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets
        As :meth:`~chainrule.Network.loss_and_grad` takes them.
    v : array-like of shape (n_params,)
        A direction in the layout of ``network.params`` (each layer's ``W`` row by row,
        then ``b``).
    sample_weight : array-like of shape (n_samples,), optional
        As :meth:`~chainrule.Network.loss_and_grad` weighs the examples.

    Returns
    -------
    ndarray of shape (n_params,)
        ``H v`` in the network's dtype, in the layout of ``network.params`` (and of the
        gradient).  Frozen parameters are included: ``H`` is over every parameter.

    Raises
    ------
    ValueError
        For a layer, activation or loss not covered (named, with what is supported), or
        ``v`` of another shape, or not finite.
    TypeError
        If ``network`` is not a :class:`~chainrule.Network`.

    Examples
    --------
    >>> import numpy as np, chainrule
    >>> net = chainrule.mlp([2, 3, 1], hidden="tanh", seed=0)
    >>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1.0, 0.0])
    >>> hv = chainrule.hessian_vector_product(net, X, y, np.ones(net.n_params))
    >>> hv.shape
    (13,)
    """
    network, point = _point(network, X, y, sample_weight, "hessian_vector_product")
    return point.product(_check_v(network, v))


def gauss_newton_vector_product(network: Network, X: object, y: object, v: object,
                                sample_weight: object = None) -> np.ndarray:
    """``G v``: the Gauss-Newton matrix ``J^T H_out J`` (plus the weight decay) times ``v``.

    Schraudolph's product: the R-operator's passes without the terms that carry the
    first-order error (``delta V^T``, ``R{A}^T delta``, ``g f''``).  ``J`` is the Jacobian of
    the output layer's net input ``z`` (of its output ``a`` for squared_error or
    mean_squared_error after a non-identity output) and ``H_out`` the loss's Hessian there,
    so ``G`` is positive semi-definite; it equals ``H`` for a network without hidden layers
    and a canonical loss.

    Parameters
    ----------
    network, X, y, v, sample_weight
        As :func:`hessian_vector_product` takes them.

    Returns
    -------
    ndarray of shape (n_params,)
    """
    network, point = _point(network, X, y, sample_weight, "gauss_newton_vector_product")
    return point.product(_check_v(network, v), gauss_newton=True)


def hessian_vector_products(network: Network, X: object, y: object, V: object,
                            sample_weight: object = None,
                            gauss_newton: bool = False) -> np.ndarray:
    """``H V`` for several directions at one point: the gradient pass once, then two
    ``R{.}`` passes per column of ``V``.

    Parameters
    ----------
    network, X, y
        As :func:`hessian_vector_product` takes them.
    V : array-like of shape (n_params, k)
        The directions, one per column; ``V = np.eye(n_params)`` gives the whole Hessian.
    sample_weight : array-like of shape (n_samples,), optional
        As :func:`hessian_vector_product` takes it.
    gauss_newton : bool, default False
        ``G V`` instead (see :func:`gauss_newton_vector_product`).

    Returns
    -------
    ndarray of shape (n_params, k)
    """
    network, point = _point(network, X, y, sample_weight, "hessian_vector_products")
    V = check_finite_array(V, "V", dtype=network.dtype)
    if V.ndim != 2 or V.shape[0] != network.n_params:
        raise ValueError(f"V: expected a matrix of shape ({network.n_params}, k), one "
                         f"direction per column, got shape {V.shape}")
    out = np.empty_like(V)
    for j in range(V.shape[1]):
        out[:, j] = point.product(np.ascontiguousarray(V[:, j]), gauss_newton=bool(gauss_newton))
    return out
