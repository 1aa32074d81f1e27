"""Gradients in the transfer-matrix and UFLDL layouts, to and from the flat vector.

A gradient (``net.grads``, or the flat vector ``net.cost`` returns) laid out
as :mod:`._weights` lays out the weights, so that it compares entry by entry
with one written by hand in either notation; and back, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import check_finite_array
from ..network import Network
from ._layouts import _LAYOUT_SHAPE, _dense_layers, check_not_one_matrix
from ._weights import _check_sequence

__all__ = [
    "gradient_from_transfer_matrices", "gradient_from_ufldl", "gradient_to_transfer_matrices",
    "gradient_to_ufldl",
]


def _gradient_views(net: Network, grad: object | None, name: str = "grad") -> list[dict]:
    """Per Dense layer, ``{"W": (fan_in, fan_out), "b": (fan_out,) or None}`` views of a flat
    gradient (``net.grads`` when ``grad`` is None), in the order of ``net.params``."""
    layers = _dense_layers(net)
    if grad is None:
        if not getattr(net, "_grad_computed", True):
            raise ValueError("grad: none given, and net.grads holds no gradient yet (no "
                             "backward pass since the network was built, copied or loaded); "
                             "run one first, e.g. net.loss_and_grad(X, Y), or pass grad")
        flat = net.grads
    else:
        flat = check_finite_array(grad, name)
        if flat.shape != (net.n_params,):
            raise ValueError(f"{name} must be a flat gradient of shape ({net.n_params},), in "
                             f"the order of net.params, got shape {flat.shape}")
    views, offset = [], 0
    for layer in layers:
        n_in, n_out = layer.n_in, layer.n_out
        W = flat[offset:offset + n_in * n_out].reshape(n_in, n_out)
        offset += n_in * n_out
        b = None
        if layer.b is not None:
            b, offset = flat[offset:offset + n_out], offset + n_out
        views.append({"W": W, "b": b})
    return views


def gradient_to_transfer_matrices(net: Network, grad: object | None = None) -> list[np.ndarray]:
    """A gradient as transfer matrices: ``dJ/dM = [dJ/db; dJ/dW]``, one per Dense layer.

    The same layout as :func:`to_transfer_matrices` gives the weights, so a
    gradient written by hand in the transfer-matrix notation compares entry by
    entry; a layer without biases gets a first row of zeros.

    Parameters
    ----------
    net : Network
        Dense layers only.
    grad : array-like of shape (n_params,), optional
        A flat gradient in the order of ``net.params``, e.g. the one
        ``net.loss_and_grad`` or ``net.cost`` returns; ``net.grads`` (that of
        the last ``loss_and_grad``) when omitted.

    Returns
    -------
    list of ndarray, each of shape (fan_in + 1, fan_out)
        New arrays; the first row holds the biases' gradient.
    """
    out = []
    for v in _gradient_views(net, grad):
        b = v["b"] if v["b"] is not None else np.zeros(v["W"].shape[1], dtype=v["W"].dtype)
        out.append(np.vstack([b[None, :], v["W"]]))
    return out


def gradient_to_ufldl(
    net: Network, grad: object | None = None
) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """A gradient in the UFLDL layout: ``(dWs, dbs)`` as :func:`to_ufldl` gives the weights.

    Parameters
    ----------
    net : Network
        Dense layers only.
    grad : array-like of shape (n_params,), optional
        As in :func:`gradient_to_transfer_matrices` (``net.grads`` when omitted).

    Returns
    -------
    dWs : list of ndarray, each of shape (fan_out, fan_in)
        ``dJ/dW`` with rows = destination units.
    dbs : list of ndarray of shape (fan_out,), or None for a layer without biases
    """
    views = _gradient_views(net, grad)
    dWs = [v["W"].T.copy() for v in views]
    dbs = [None if v["b"] is None else v["b"].copy() for v in views]
    return dWs, dbs


def _check_layer_grads(net: Network, arrays: Sequence[object], name: str,
                       shapes: list[tuple[int, int]], layout: str) -> list[np.ndarray]:
    # None, a number, a dict: named, not list()'s "'float' object is not iterable"
    _check_sequence(arrays, name, "gradient matrices")
    check_not_one_matrix(arrays, name)
    arrays = list(arrays)
    if len(arrays) != len(shapes):
        raise ValueError(f"{name} must have one matrix per Dense layer of net ({len(shapes)}), "
                         f"got {len(arrays)}")
    out = []
    for i, (a, shape) in enumerate(zip(arrays, shapes, strict=True)):
        a = check_finite_array(a, f"{name}[{i}]", dtype=net.dtype, ndim=2)
        if a.shape != shape:
            raise ValueError(f"{name}[{i}] must have shape {shape} (in the {layout} layout: "
                             f"{_LAYOUT_SHAPE[layout]}), got {a.shape}")
        out.append(a)
    return out


def gradient_from_transfer_matrices(net: Network, mats: Sequence[object]) -> np.ndarray:
    """The flat gradient, in the order of ``net.params``, of transfer-matrix gradients.

    The inverse of :func:`gradient_to_transfer_matrices`, exactly.

    Parameters
    ----------
    net : Network
        Dense layers only; says where each entry goes.
    mats : sequence of array-like, each of shape (fan_in + 1, fan_out)
        ``[dJ/db; dJ/dW]`` per layer.  For a layer without biases the first row
        must be zeros (there is no bias to take its gradient).

    Returns
    -------
    ndarray of shape (n_params,)
    """
    layers = _dense_layers(net)
    mats = _check_layer_grads(net, mats, "mats", [(la.n_in + 1, la.n_out) for la in layers],
                              "transfer")
    flat = np.zeros(net.n_params, dtype=net.dtype)
    for i, (M, v) in enumerate(zip(mats, _gradient_views(net, flat), strict=True)):
        v["W"][...] = M[1:]
        if v["b"] is not None:
            v["b"][...] = M[0]
        elif np.any(M[0]):
            raise ValueError(f"mats[{i}]: layer {i} has no biases, so the first row of its "
                             f"gradient must be zeros, got {M[0]}")
    return flat


def gradient_from_ufldl(net: Network, dWs: Sequence[object],
                        dbs: Sequence[object] | None = None) -> np.ndarray:
    """The flat gradient, in the order of ``net.params``, of UFLDL gradients.

    The inverse of :func:`gradient_to_ufldl`, exactly.

    Parameters
    ----------
    net : Network
        Dense layers only.
    dWs : sequence of array-like, each of shape (fan_out, fan_in)
    dbs : sequence of array-like of shape (fan_out,) (None for a layer without biases)
        Required entries for the layers with biases; None only when no layer has any.

    Returns
    -------
    ndarray of shape (n_params,)
    """
    layers = _dense_layers(net)
    dWs = _check_layer_grads(net, dWs, "dWs", [(la.n_out, la.n_in) for la in layers], "ufldl")
    if dbs is not None:
        _check_sequence(dbs, "dbs", "bias gradients (or None)")
    dbs = [None] * len(layers) if dbs is None else list(dbs)
    if len(dbs) != len(layers):
        raise ValueError(f"dbs must have one entry per Dense layer of net ({len(layers)}), "
                         f"got {len(dbs)}")
    flat = np.zeros(net.n_params, dtype=net.dtype)
    for i, (dW, db, v) in enumerate(zip(dWs, dbs, _gradient_views(net, flat), strict=True)):
        v["W"][...] = dW.T
        if v["b"] is None:
            if db is not None:
                raise ValueError(f"dbs[{i}]: layer {i} has no biases, so its entry must be "
                                 f"None, got an array of shape {np.shape(db)}")
            continue
        if db is None:
            raise ValueError(f"dbs[{i}]: layer {i} has biases; give their gradient, of shape "
                             f"({v['b'].size},), got None")
        db = check_finite_array(db, f"dbs[{i}]", dtype=net.dtype)
        if db.shape != v["b"].shape:
            raise ValueError(f"dbs[{i}] must have shape {v['b'].shape}, got {db.shape}")
        v["b"][...] = db
    return flat
