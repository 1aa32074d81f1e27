"""The second-order methods of :func:`chainrule.minimize`: SciPy's Newton-CG, trust-ncg and
trust-krylov, given the exact Hessian-vector product ``hessp`` (:mod:`chainrule.hessian`).

Each of them runs an inner conjugate-gradient (or Lanczos) loop of products ``H p`` at one
iterate; the forward and backward passes there are made once per iterate (:class:`Point`)
and each product costs the two ``R{.}`` passes alone.  The R-operator's modules are imported
on first use: ``import chainrule`` (which loads this module with ``minimize``) does not pay
for them.

A network with BatchNorm layers is minimised in training mode, as its products differentiate
it: :func:`with_batch_statistics` runs the objective with each BatchNorm normalising with the
whole ``X``'s statistics, and :func:`set_running_statistics` leaves those of the final
iterate as the running ones.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._scipy_fit_params import _put

# the methods by their names in lower case: SciPy's name
SECOND_ORDER = {"newton-cg": "Newton-CG", "trust-ncg": "trust-ncg",
                "trust-krylov": "trust-krylov"}


def second_order_method(method: object, net: object) -> str | None:
    """SciPy's name of ``method`` when it is one of :data:`SECOND_ORDER` (any case), after
    checking that ``net`` has an exact ``H v``; None for any other ``method``."""
    if not isinstance(method, str) or method.lower() not in SECOND_ORDER:
        return None
    from ._hessian_rop import check_network

    check_network(net, f"method={method!r}")
    return SECOND_ORDER[method.lower()]


def make_hessp(net: object, X: object, Y: np.ndarray, sample_weight: np.ndarray | None,
               keep: np.ndarray | None) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``(theta, p) -> H p`` for SciPy, on the entries ``keep`` (the trainable ones): ``H``
    restricted to them, the frozen parameters staying as the network holds them.  The
    passes at ``theta`` are kept for the next product at the same ``theta``."""
    from ._hessian_rop import Point

    last: dict = {}

    def hessp(theta: np.ndarray, p: np.ndarray) -> np.ndarray:
        point = last.get("point")
        if point is None or not np.array_equal(theta, last["theta"]):
            _put(net, theta, keep)
            with np.errstate(over="ignore", invalid="ignore"):
                point = Point(net, X, Y, sample_weight)
            last.update(point=point, theta=theta.copy())
        if keep is None:
            v = p.astype(net.dtype)
        else:
            v = np.zeros(net.n_params, dtype=net.dtype)
            v[keep] = p
        with np.errstate(over="ignore", invalid="ignore"):
            hv = point.product(v)
        return (hv if keep is None else hv[keep]).astype(np.float64)

    return hessp


def with_batch_statistics(net: object, fun: Callable[[np.ndarray], tuple]
                          ) -> Callable[[np.ndarray], tuple]:
    """``fun`` (``theta -> (J, grad)``) run with ``net``'s BatchNorm layers normalising
    with the batch's statistics (the running ones left as they were): the training-mode
    cost that :class:`~chainrule._hessian_rop.Point` differentiates twice."""
    from ._hessian_rop_batchnorm import batch_statistics

    def training_mode(theta: np.ndarray) -> tuple:
        with batch_statistics(net):
            return fun(theta)

    return training_mode


def set_running_statistics(net: object, X: object) -> None:
    """Set each BatchNorm layer's running mean and variance to those of ``X`` at ``net``'s
    parameters, as one training pass of momentum 0 sets them (the variance unbiased or not
    as the layer's ``unbiased_running_var`` says); the other layers in evaluation mode."""
    from .batchnorm import BatchNorm
    from .network import _release_caches

    norms = [layer for layer in net.layers if isinstance(layer, BatchNorm)]
    momenta = [layer.momentum for layer in norms]
    try:
        for layer in norms:
            layer.momentum = 0.0
        A = X
        with np.errstate(over="ignore", invalid="ignore"):
            for layer in net.layers:
                A = layer.forward(A, isinstance(layer, BatchNorm))
    finally:
        for layer, momentum in zip(norms, momenta, strict=True):
            layer.momentum = momentum
        _release_caches(net)
