"""The two notations used in courses, in and out, exactly.

* **Transfer matrices**: one matrix per layer of shape (fan_in + 1, fan_out)
  whose **first row holds the biases**; the input is augmented with a leading
  1 and ``x_next = phi(M.T @ [1, x])``.  So ``M = [b; W]`` in chainrule's
  orientation.
* **UFLDL**: ``W`` of shape (fan_out, fan_in) (rows = destination, columns =
  source) and a bias vector ``b`` of shape (fan_out,); ``z = W a + b``.  So
  UFLDL's ``W`` is chainrule's ``W.T``.

Conversions only transpose, slice and stack, so round trips are exact.  The
``gradient_*`` functions do the same for a gradient (``net.grads``, or the flat
vector ``net.cost`` returns), so that it compares entry by entry with one
written by hand in either notation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import check_finite_array
from .activations import Activation
from .layers import Dense
from .network import Network

__all__ = [
    "check_layer_chain", "check_not_one_matrix", "from_transfer_matrices", "from_ufldl",
    "gradient_from_transfer_matrices", "gradient_from_ufldl", "gradient_to_transfer_matrices",
    "gradient_to_ufldl", "to_transfer_matrices", "to_ufldl",
]

# how each layout writes a layer's matrix: its shape, and where fan_in and fan_out are read
_LAYOUT_SHAPE = {
    "transfer": "(fan_in + 1, fan_out), the biases in the first row",
    "ufldl": "(fan_out, fan_in), rows = destination units",
    "chainrule": "(fan_in, fan_out)",
}


def _fans(shape: tuple[int, ...], layout: str) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a layer whose matrix in ``layout`` has ``shape``."""
    if layout == "transfer":
        return shape[0] - 1, shape[1]
    if layout == "ufldl":
        return shape[1], shape[0]
    return shape[0], shape[1]


def check_layer_chain(shapes: Sequence[tuple[int, ...]], name: str, layout: str) -> None:
    """Refuse matrices whose layers do not connect, naming them in the user's layout.

    Parameters
    ----------
    shapes : sequence of tuple of int
        Shape of each layer's matrix as the user wrote it, input side first.
    name : str
        What the user called the list of matrices (``"mats"``, ``"Ws"``, ``"weights"``).
    layout : {"transfer", "ufldl", "chainrule"}
        How the matrices are written (see the module's notes).

    Raises
    ------
    ValueError
        If a layer takes a number of inputs other than the outputs of the layer
        before it: says which matrix, what its shape means in ``layout`` and the
        shape it needs (a left-out bias row, or a matrix transposed, shows this way).
    """
    for i in range(1, len(shapes)):
        prev, shape = tuple(shapes[i - 1]), tuple(shapes[i])
        n_prev, n_out = _fans(prev, layout)[1], _fans(shape, layout)[1]
        n_in = _fans(shape, layout)[0]
        if n_in != n_prev:
            want = {"transfer": (n_prev + 1, n_out), "ufldl": (n_out, n_prev),
                    "chainrule": (n_prev, n_out)}[layout]
            raise ValueError(
                f"{name}[{i}] of shape {shape} takes {n_in} input(s), but {name}[{i - 1}] of "
                f"shape {prev} gives {n_prev} output(s); expected {name}[{i}] of shape {want}: "
                f"in the {layout} layout each matrix has shape {_LAYOUT_SHAPE[layout]}"
            )


def check_not_one_matrix(mats: object, name: str) -> None:
    """Refuse a single matrix where a list of matrices, one per layer, is expected.

    A network of one layer written as ``M`` rather than ``[M]`` was read as a list
    of 1-D rows and refused as "``name[0]`` must be 2-D", which named a row as a
    matrix.

    Raises
    ------
    ValueError
        If ``mats`` is a rectangular 2-D array of numbers with two rows or more (one
        row, ``[v]``, is as likely a list holding one vector, refused as such later).
    """
    try:
        shape = np.shape(np.asarray(mats, dtype=np.float64))
    except (TypeError, ValueError):  # ragged, or not numbers: each matrix is checked later
        return
    if len(shape) == 2 and shape[0] >= 2:
        raise ValueError(
            f"{name} must be a list of matrices, one per layer, got a single matrix of shape "
            f"{shape}; for a network of one layer, put it in a list: [matrix]"
        )


def _per_layer(activation: str | Sequence[str], n: int) -> list[str]:
    if isinstance(activation, (str, Activation)):
        return [activation] * n
    if not hasattr(activation, "__iter__"):
        raise TypeError(
            f"activation must be an activation name or a sequence of names, one per layer "
            f"({n}), got {activation!r} ({type(activation).__name__})"
        )
    acts = list(activation)
    if len(acts) != n:
        raise ValueError(
            f"activation must be one name or one per layer ({n}), got {len(acts)}"
        )
    return acts


def _dense_layers(net: Network) -> list[Dense]:
    layers = [layer for layer in net.layers if layer.param_specs()]
    for layer in layers:
        if not isinstance(layer, Dense):
            raise ValueError(
                f"only Dense layers have a transfer-matrix / UFLDL form, got {layer!r}"
            )
    return layers


def _per_layer_bias(bias: bool | Sequence[bool], n: int) -> list[bool]:
    """``bias`` as one flag per layer; only real booleans are accepted."""
    if isinstance(bias, (bool, np.bool_)):
        return [bool(bias)] * n
    if isinstance(bias, (str, bytes)) or not hasattr(bias, "__iter__"):
        raise TypeError(f"bias must be True/False or one True/False per layer ({n}), "
                        f"got {bias!r} ({type(bias).__name__})")
    flags = list(bias)
    if len(flags) != n:
        raise ValueError(f"bias must be True/False or one True/False per layer ({n}), "
                         f"got {len(flags)} entries: {flags!r}")
    for i, flag in enumerate(flags):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"bias[{i}] must be True or False, got {flag!r} "
                            f"({type(flag).__name__})")
    return [bool(flag) for flag in flags]


def from_transfer_matrices(
    mats: Sequence[object],
    activation: str | Sequence[str] = "sigmoid",
    loss: str = "squared_error",
    dtype: np.dtype | type | str | None = None,
    bias: bool | Sequence[bool] = True,
    **network_kwargs: object,
) -> Network:
    """A network from transfer matrices (first row = biases).

    Parameters
    ----------
    mats : sequence of array-like, each of shape (fan_in + 1, fan_out)
    activation : str or sequence of str
        One activation for every layer, or one per layer.
    loss : str
    dtype : dtype, optional
        Defaults to the matrices' float dtype (float64 for integers).
    bias : bool or sequence of bool, default True
        Which layers have (trainable) biases: one flag for every layer, or
        one per layer.  A layer without biases must have a first row of
        zeros (the form :func:`to_transfer_matrices` writes for it); it
        gets no bias parameters, so training keeps that row at zero.
    **network_kwargs
        ``weight_decay``, ``decay``: passed to :class:`Network`.

    Examples
    --------
    >>> net = from_transfer_matrices([[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]],
    ...                               [[-0.3], [0.5], [0.1]]], loss="log_loss")
    >>> round(float(net.forward([0.0, 1.0])[0, 0]), 6)
    0.511501

    Worked example B of the SPEC (no biases) as transfer matrices:

    >>> net = from_transfer_matrices([[[0, 0], [1, 2], [1, 1]], [[0, 0], [2, 1], [1, 0]]],
    ...                              activation="square", bias=False)
    >>> net.n_params
    8
    """
    if isinstance(mats, (str, bytes)) or not hasattr(mats, "__iter__"):
        raise TypeError(f"mats must be a sequence of transfer matrices, one per layer, "
                        f"got {mats!r} ({type(mats).__name__})")
    check_not_one_matrix(mats, "mats")
    mats = list(mats)
    if not mats:
        raise ValueError("mats is empty; give one matrix per layer")
    acts = _per_layer(activation, len(mats))
    flags = _per_layer_bias(bias, len(mats))
    Ms = [check_finite_array(m, f"mats[{i}]", dtype=dtype, ndim=2) for i, m in enumerate(mats)]
    for i, M in enumerate(Ms):
        if M.shape[0] < 2:
            raise ValueError(
                f"mats[{i}] must have shape (fan_in + 1, fan_out) with the biases in the "
                f"first row, got shape {M.shape}"
            )
    check_layer_chain([M.shape for M in Ms], "mats", "transfer")
    layers = []
    for i, (M, act, has_bias) in enumerate(zip(Ms, acts, flags, strict=True)):
        if not has_bias and np.any(M[0] != 0):
            raise ValueError(
                f"mats[{i}]: layer {i} has no biases (bias=False), so its first row (the "
                f"biases) must be zeros, got {M[0].tolist()}"
            )
        layer = Dense(M.shape[0] - 1, M.shape[1], act, init=M[1:], bias=has_bias,
                      dtype=M.dtype)
        if has_bias:
            layer.b = M[0]
        layers.append(layer)
    return Network(layers, loss=loss, **network_kwargs)


def to_transfer_matrices(
    net: Network, return_bias: bool = False
) -> list[np.ndarray] | tuple[list[np.ndarray], list[bool]]:
    """Transfer matrices ``[b; W]`` of shape (fan_in + 1, fan_out), one per Dense layer.

    A layer without biases gets a first row of zeros.

    Parameters
    ----------
    net : Network
    return_bias : bool, default False
        Also return which layers have biases, so that
        ``from_transfer_matrices(mats, bias=bias)`` rebuilds bias-free layers
        as bias-free (a zero first row alone cannot say so).

    Returns
    -------
    mats : list of ndarray, each of shape (fan_in + 1, fan_out)
    bias : list of bool
        Only with ``return_bias=True``: one flag per layer.
    """
    out = []
    flags = []
    for layer in _dense_layers(net):
        b = layer.b if layer.b is not None else np.zeros(layer.n_out, dtype=layer.W.dtype)
        out.append(np.vstack([b[None, :], layer.W]))
        flags.append(layer.b is not None)
    return (out, flags) if return_bias else out


def from_ufldl(
    Ws: Sequence[object],
    bs: Sequence[object] | None = None,
    activation: str | Sequence[str] = "sigmoid",
    loss: str = "squared_error",
    dtype: np.dtype | type | str | None = None,
    **network_kwargs: object,
) -> Network:
    """A network from UFLDL matrices.

    Parameters
    ----------
    Ws : sequence of array-like, each of shape (fan_out, fan_in)
        Rows are destination units, columns source units.
    bs : sequence of array-like of shape (fan_out,) (or None entries), optional
        Bias vectors; ``None`` (or a ``None`` entry) builds layers without bias.
    activation, loss, dtype, **network_kwargs
        As in :func:`from_transfer_matrices`.
    """
    check_not_one_matrix(Ws, "Ws")
    Ws = list(Ws)
    if not Ws:
        raise ValueError("Ws is empty; give one matrix per layer")
    if bs is None:
        bs = [None] * len(Ws)
    bs = list(bs)
    if len(bs) != len(Ws):
        raise ValueError(f"bs must have one entry per matrix in Ws ({len(Ws)}), got {len(bs)}")
    acts = _per_layer(activation, len(Ws))
    Ws = [check_finite_array(w, f"Ws[{i}]", dtype=dtype, ndim=2) for i, w in enumerate(Ws)]
    check_layer_chain([W.shape for W in Ws], "Ws", "ufldl")
    layers = []
    for i, (W, b, act) in enumerate(zip(Ws, bs, acts, strict=True)):
        layer = Dense(W.shape[1], W.shape[0], act, init=W.T, bias=b is not None, dtype=W.dtype)
        if b is not None:
            bv = check_finite_array(b, f"bs[{i}]", dtype=W.dtype).ravel()
            if bv.shape != (W.shape[0],):
                raise ValueError(
                    f"bs[{i}] must have shape ({W.shape[0]},) to match Ws[{i}] of shape "
                    f"{W.shape}, got {np.shape(b)}"
                )
            layer.b = bv
        layers.append(layer)
    return Network(layers, loss=loss, **network_kwargs)


def to_ufldl(net: Network) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """``(Ws, bs)``: ``Ws[l]`` of shape (fan_out, fan_in), ``bs[l]`` of shape (fan_out,) or None."""
    layers = _dense_layers(net)
    Ws = [layer.W.T.copy() for layer in layers]
    bs = [None if layer.b is None else layer.b.copy() for layer in layers]
    return Ws, bs


# -- gradients in the same layouts ------------------------------------------------------------
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
