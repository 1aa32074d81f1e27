"""Networks from and to transfer matrices (``[b; W]``) and UFLDL matrices (``W``, ``b``).

Conversions only transpose, slice and stack, so round trips are exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .._validation import (
    check_bool,
    check_finite_array,
    check_float_dtype,
    data_dtype,
    given_value,
)
from ..activations import Activation
from ..layers import Dense
from ..network import Network
from ._layouts import _dense_layers, check_layer_chain, check_not_one_matrix, one_row_hint

__all__ = ["from_transfer_matrices", "from_ufldl", "to_transfer_matrices", "to_ufldl"]


def _per_layer(activation: str | Activation | Sequence[str | Activation],
               n: int) -> list[str | Activation]:
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


def _check_sequence(value: object, name: str, what: str) -> None:
    """Refuse a ``value`` that is no sequence (None, a number, a string, a dict, a 0-d
    array), whose ``list()`` raised "'int' object is not iterable", naming no argument."""
    if (isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__")
            or getattr(value, "ndim", 1) == 0):
        raise TypeError(f"{name} must be a sequence of {what}, one per layer, got "
                        f"{given_value(value)}")


def from_transfer_matrices(
    mats: Sequence[object],
    activation: str | Activation | Sequence[str | Activation] = "sigmoid",
    loss: str = "squared_error",
    dtype: np.dtype | type | str | None = None,
    bias: bool | Sequence[bool] = True,
    **network_kwargs: object,
) -> Network:
    """A network from transfer matrices (first row = biases).

    Parameters
    ----------
    mats : sequence of array-like, each of shape (fan_in + 1, fan_out)
    activation : str, Activation or sequence of them, default "sigmoid"
        One activation for every layer, or one per layer.
    loss : str, default "squared_error"
    dtype : dtype, optional
        Defaults to the matrices' float dtype (float64 for integers).
    bias : bool or sequence of bool, default True
        Which layers have (trainable) biases: one flag for every layer, or
        one per layer.  A layer without biases must have a first row of
        zeros (the form :func:`to_transfer_matrices` writes for it); it
        gets no bias parameters, so training keeps that row at zero.
    **network_kwargs
        ``weight_decay``, ``decay``: passed to :class:`Network`.

    Returns
    -------
    Network

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
    _check_sequence(mats, "mats", "transfer matrices")
    check_not_one_matrix(mats, "mats")
    mats = list(mats)
    if not mats:
        raise ValueError("mats is empty; give one matrix per layer")
    acts = _per_layer(activation, len(mats))
    flags = _per_layer_bias(bias, len(mats))
    dtype = None if dtype is None else check_float_dtype(dtype)
    # float16 / longdouble matrices as float64, float32 kept (the data's dtype decides): a
    # Dense layer of their own dtype was refused as "dtype must be float32 or float64"
    Ms = [check_finite_array(m, f"mats[{i}]", ndim=2,
                             dtype=dtype if dtype is not None else data_dtype(m))
          for i, m in enumerate(mats)]
    for i, M in enumerate(Ms):
        if M.shape[0] < 2:
            raise ValueError(
                f"mats[{i}] must have shape (fan_in + 1, fan_out) with the biases in the "
                f"first row, got shape {M.shape}"
                + one_row_hint([m.shape for m in Ms], i, "mats")
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
    return_bias = check_bool(return_bias, "return_bias")  # an array: no ambiguous truth
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
    activation: str | Activation | Sequence[str | Activation] = "sigmoid",
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

    Returns
    -------
    Network
    """
    _check_sequence(Ws, "Ws", "weight matrices")
    check_not_one_matrix(Ws, "Ws")
    Ws = list(Ws)
    if not Ws:
        raise ValueError("Ws is empty; give one matrix per layer")
    if bs is None:
        bs = [None] * len(Ws)
    _check_sequence(bs, "bs", "bias vectors (or None)")
    bs = list(bs)
    if len(bs) != len(Ws):
        raise ValueError(f"bs must have one entry per matrix in Ws ({len(Ws)}), got {len(bs)}")
    acts = _per_layer(activation, len(Ws))
    dtype = None if dtype is None else check_float_dtype(dtype)
    Ws = [check_finite_array(w, f"Ws[{i}]", ndim=2,
                             dtype=dtype if dtype is not None else data_dtype(w))
          for i, w in enumerate(Ws)]  # float16 as float64, as from_transfer_matrices reads
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
    """``(Ws, bs)``: ``Ws[l]`` of shape (fan_out, fan_in), ``bs[l]`` of shape (fan_out,) or None.

    Parameters
    ----------
    net : Network
        Its layers with parameters must be Dense (a ValueError otherwise).

    Returns
    -------
    Ws : list of ndarray, each of shape (fan_out, fan_in)
        Copies of the weights, transposed.
    bs : list of (ndarray of shape (fan_out,) or None)
        Copies of the biases; None for a layer without.
    """
    layers = _dense_layers(net)
    Ws = [layer.W.T.copy() for layer in layers]
    bs = [None if layer.b is None else layer.b.copy() for layer in layers]
    return Ws, bs
