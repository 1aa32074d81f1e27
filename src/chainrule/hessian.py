"""Exact Hessian-vector products of a network's cost, by Pearlmutter's R-operator.

``H v`` (the Hessian of the cost ``J`` that :meth:`~chainrule.Network.loss_and_grad`
differentiates, times a vector ``v`` of the parameters' layout) costs a small multiple of one
gradient and never forms ``H``: Pearlmutter (1994), "Fast exact multiplication by the
Hessian", Neural Computation 6(1).  The same passes without their first-order terms give
Schraudolph's Gauss-Newton product ``G v`` (2002, "Fast curvature matrix-vector products for
second-order gradient descent"), which is positive semi-definite, as Martens' Hessian-free
optimisation (2010) uses it.  :func:`chainrule.minimize` hands ``H v`` to SciPy's
Newton-CG, trust-ncg and trust-krylov.

Covered: networks of :class:`~chainrule.Dense`, :class:`~chainrule.Conv2D`,
:class:`~chainrule.LayerNorm` and :class:`~chainrule.BatchNorm` layers with the built-in
elementwise activations (their second derivatives are in ``_activations_second``),
:class:`~chainrule.Flatten`, :class:`~chainrule.MaxPool2D`, :class:`~chainrule.AvgPool2D`,
:class:`~chainrule.Dropout` (the identity, as in evaluation) and a first
:class:`~chainrule.Embedding`, a Dense output, and the loss / output pairs of
``_hessian_rop.SUPPORTED``, with sample weights and either weight decay.  A network with a
BatchNorm layer is differentiated in training mode, each BatchNorm normalising with the mean
and (biased) variance of the ``X`` given, as training computes the cost it minimises
(``Network.cost(..., training=True)``), not with its running statistics; those are left
as they were.  Anything else (a loss without a second-order path, an activation without a
second derivative, a layer class of one's own) is refused naming the layer or the loss.
The equations are in ``_hessian_rop`` and its per-layer modules ``_hessian_rop_affine``,
``_hessian_rop_linear``, ``_hessian_rop_norm`` and ``_hessian_rop_batchnorm``.

On these products: :func:`hessian_eigenvalues` (the extreme eigenvalues of ``H`` by ARPACK's
Lanczos iteration, SciPy's ``eigsh``; LeCun, Bottou, Orr & Mueller 1998, "Efficient
BackProp", sections 5 and 9: gradient descent converges iff ``lr < 2 / lambda_max``) and
:func:`hessian_trace` (Hutchinson's estimator).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._hessian_rop import Point, check_network
from ._hessian_rop_batchnorm import refuse_one_row
from ._validation import check_bool, number_text
from ._validation_arrays import check_finite_array
from .network import Network

__all__ = ["TraceEstimate", "gauss_newton_vector_product", "hessian_eigenvalues", "hessian_trace",
           "hessian_vector_product", "hessian_vector_products"]

_WHICH = ("LA", "SA", "LM")


def _point(network: object, X: object, y: object, sample_weight: object,
           what: str, dense_only: bool = False) -> tuple[Network, Point]:
    if not isinstance(network, Network):
        raise TypeError(f"network: expected a chainrule Network, got {type(network).__name__}")
    check_network(network, what, dense_only)
    X, Y = network._check_xy(X, y)
    sw = network.check_sample_weight(sample_weight, X.shape[0])
    refuse_one_row(network, X, what)  # (a BatchNorm's training-mode cost: 2 rows or more)
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
        Dense, Conv2D, LayerNorm and BatchNorm layers with built-in activations that have
        a second derivative (identity, relu, leaky_relu, sigmoid, tanh, lecun_tanh,
        softplus, elu, gelu, silu, exp, square; softmax at the output), Flatten,
        MaxPool2D, AvgPool2D, Dropout (the identity, as in evaluation) and a first
        Embedding; a Dense output layer; output
        and loss one of identity +
        squared_error, softmax + cross_entropy, sigmoid + log_loss, exp + poisson, or
        squared_error / mean_squared_error after an elementwise output.  Its weight decay
        (either ``decay``) is part of ``H``.  With BatchNorm layers ``H`` is that of the
        training-mode cost: each normalises with the mean and biased variance of ``X``
        (``network.cost(theta, X, y, training=True)``), not its running statistics.  The
        network's parameters and running statistics are not changed; its layers hold the
        gradient pass's arrays afterwards, as after ``loss_and_grad``.
    X : array-like of shape (n_samples, n_inputs) or (n_samples, channels, height, width)
    y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets
        As :meth:`~chainrule.Network.loss_and_grad` takes them.
    v : array-like of shape (n_params,)
        A direction in the layout of ``network.params`` (each layer's parameters in
        turn: a Dense layer's ``W`` row by row, then ``b``).
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
    gauss_newton = check_bool(gauss_newton, "gauss_newton")
    network, point = _point(network, X, y, sample_weight, "hessian_vector_products")
    V = check_finite_array(V, "V", dtype=network.dtype)
    if V.ndim != 2 or V.shape[0] != network.n_params:
        raise ValueError(f"V: expected a matrix of shape ({network.n_params}, k), one "
                         f"direction per column, got shape {V.shape}")
    out = np.empty_like(V)
    for j in range(V.shape[1]):
        out[:, j] = point.product(np.ascontiguousarray(V[:, j]), gauss_newton=bool(gauss_newton))
    return out


def _count(value: object, name: str, low: int, high: int, note: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}: expected an integer from {low} to {high}{note}, got "
                         f"{number_text(value)}")
    return int(value)


def _tol(value: object) -> float:
    """ARPACK's ``tol`` as a float: a finite real number >= 0, not a bool."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                       np.floating)):
        raise TypeError(f"tol: expected a finite number >= 0, got {type(value).__name__} "
                        f"{value!r:.60}")
    try:
        tol = float(value)
    except OverflowError:  # an int past float range: 10**400
        raise ValueError(f"tol: expected a finite number >= 0, got {number_text(value)}, "
                         "beyond float range") from None
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol: expected a finite number >= 0, got {value!r}")
    return tol


def _seed(value: object) -> int:
    """A seed for ``np.random.default_rng``: an int >= 0 (NumPy's too), not a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"seed: expected an integer >= 0, got {type(value).__name__} "
                        f"{value!r:.60}")
    if value < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {number_text(value)}")
    return int(value)


def hessian_eigenvalues(network: Network, X: object, y: object, k: int = 1,
                        which: str = "LA", sample_weight: object = None,
                        return_eigenvectors: bool = False, gauss_newton: bool = False,
                        tol: float = 0.0, maxiter: int | None = None,
                        seed: int = 0) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The ``k`` extreme eigenvalues of the cost's Hessian at the network's parameters.

    SciPy's ``eigsh`` (ARPACK's implicitly restarted Lanczos) on a ``LinearOperator`` whose
    product is :func:`hessian_vector_product` at one point: the gradient's passes once, then
    two ``R{.}`` passes per product; ``H`` is never formed.  ``lambda_max`` bounds the
    learning rate of full-batch gradient descent near a minimum: on a quadratic cost it
    converges iff ``lr < 2 / lambda_max`` and ``lr = 1 / lambda_max`` removes the error along
    the top eigenvector in one step (LeCun, Bottou, Orr & Mueller 1998, "Efficient
    BackProp", sections 5 and 9; ``examples/lecun_efficient_backprop.py``).

    Parameters
    ----------
    network, X, y
        As :func:`hessian_vector_product` takes them.
    k : int, default 1
        How many eigenvalues: from 1 to ``network.n_params - 1`` (ARPACK's limit; for all
        of them stack ``hessian_vector_products(net, X, y, np.eye(net.n_params))`` and use
        ``np.linalg.eigvalsh``).
    which : {"LA", "SA", "LM"}, default "LA"
        Largest algebraic, smallest algebraic (negative curvature), or largest magnitude.
    sample_weight : array-like of shape (n_samples,), optional
        As :func:`hessian_vector_product` takes it.
    return_eigenvectors : bool, default False
        Also return the unit eigenvectors, in the layout of ``network.params``.
    gauss_newton : bool, default False
        Of the Gauss-Newton matrix ``G`` instead (see :func:`gauss_newton_vector_product`).
    tol : float, default 0.0
        ARPACK's relative accuracy (0: machine precision).
    maxiter : int, optional
        ARPACK's limit on restarts (its default: ``10 * n_params``).
    seed : int, default 0
        Seeds the starting vector (NumPy's ``default_rng``; any integer >= 0), so results
        repeat exactly.

    Returns
    -------
    eigenvalues : ndarray of shape (k,)
        float64: largest first for "LA", smallest first for "SA", by decreasing ``|lambda|``
        for "LM".
    eigenvectors : ndarray of shape (n_params, k)
        Only with ``return_eigenvectors``: column ``j`` belongs to ``eigenvalues[j]``.

    Raises
    ------
    ValueError
        For ``k`` or ``maxiter`` out of range, an unknown ``which``, a ``tol`` that is
        negative or not finite, a negative ``seed``, or a network
        :func:`hessian_vector_product` does not cover.
    TypeError
        If ``k``, ``maxiter`` or ``seed`` is not an integer, ``tol`` not a number,
        ``gauss_newton`` or ``return_eigenvectors`` not True or False, or ``network`` not
        a :class:`~chainrule.Network`.
    RuntimeError
        If ARPACK does not converge within ``maxiter`` restarts.

    Examples
    --------
    >>> import numpy as np, chainrule
    >>> net = chainrule.mlp([2, 3, 1], hidden="tanh", seed=0)
    >>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1.0, 0.0])
    >>> lam = chainrule.hessian_eigenvalues(net, X, y, k=2)
    >>> lam.shape
    (2,)
    """
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    what = "hessian_eigenvalues"
    if not isinstance(network, Network):
        raise TypeError(f"network: expected a chainrule Network, got {type(network).__name__}")
    n = network.n_params
    if n < 2:
        raise ValueError(f"network: ARPACK needs at least 2 parameters, the network has {n}")
    k = _count(k, "k", 1, n - 1, f" (network.n_params - 1: ARPACK's limit; for all {n} "
               "eigenvalues use np.linalg.eigvalsh on hessian_vector_products(net, X, y, "
               "np.eye(net.n_params)))")
    if not isinstance(which, str) or which not in _WHICH:  # an array: no ambiguous truth
        raise ValueError(f"which: expected one of {', '.join(map(repr, _WHICH))}, got {which!r}")
    tol = _tol(tol)
    if maxiter is not None:
        maxiter = _count(maxiter, "maxiter", 1, 2**31 - 1, "")
    seed = _seed(seed)
    gn = check_bool(gauss_newton, "gauss_newton")
    return_eigenvectors = check_bool(return_eigenvectors, "return_eigenvectors")
    network, point = _point(network, X, y, sample_weight, what)
    dt = network.dtype

    def matvec(v: np.ndarray) -> np.ndarray:
        v = np.ascontiguousarray(np.ravel(v), dtype=dt)
        return point.product(v, gauss_newton=gn).astype(np.float64)

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, n)
    try:
        vals, vecs = eigsh(op, k=k, which=which, v0=v0, tol=tol, maxiter=maxiter)
    except ArpackNoConvergence as exc:
        raise RuntimeError(f"{what}: ARPACK did not converge ({exc}); raise maxiter or tol, "
                           "or ask for a smaller k") from None
    order = {"LA": np.argsort(-vals), "SA": np.argsort(vals),
             "LM": np.argsort(-np.abs(vals))}[which]
    vals, vecs = vals[order], vecs[:, order]
    return (vals, vecs) if return_eigenvectors else vals


class TraceEstimate(NamedTuple):
    """Hutchinson's estimate of ``trace(H)``: ``trace`` (the mean of ``z^T H z``),
    ``stderr`` (its standard error, ``std(ddof=1) / sqrt(n_probes)``) and ``n_probes``."""

    trace: float
    stderr: float
    n_probes: int


def hessian_trace(network: Network, X: object, y: object, n_probes: int = 100,
                  sample_weight: object = None, gauss_newton: bool = False,
                  seed: int = 0) -> TraceEstimate:
    """``trace(H)`` by Hutchinson's estimator: the mean of ``z^T H z`` over Rademacher ``z``.

    ``E[z^T H z] = trace(H)`` for ``z`` of independent +-1 entries (Hutchinson 1990, "A
    stochastic estimator of the trace of the influence matrix for Laplacian smoothing
    splines"); each probe costs one ``H z`` at one point.  The probes are the rows of
    ``np.random.default_rng(seed).choice([-1.0, 1.0], size=(n_probes, n_params))``.

    Parameters
    ----------
    network, X, y
        As :func:`hessian_eigenvalues` takes them.
    n_probes : int, default 100
        At least 2 (for the standard error).
    sample_weight, gauss_newton
        As :func:`hessian_eigenvalues` takes them.
    seed : int, default 0
        Seeds the probes (any integer >= 0).

    Returns
    -------
    TraceEstimate
        ``(trace, stderr, n_probes)``; ``trace(H)`` lies within ``2 * stderr`` of ``trace``
        about 95 % of the time.
    """
    n_probes = _count(n_probes, "n_probes", 2, 10**9, "")
    seed = _seed(seed)
    gauss_newton = check_bool(gauss_newton, "gauss_newton")
    network, point = _point(network, X, y, sample_weight, "hessian_trace")
    Z = np.random.default_rng(seed).choice([-1.0, 1.0], size=(n_probes, network.n_params))
    Z = Z.astype(network.dtype)
    q = np.array([float(z @ point.product(z, gauss_newton=bool(gauss_newton))) for z in Z])
    return TraceEstimate(float(q.mean()), float(q.std(ddof=1) / np.sqrt(n_probes)), n_probes)
