"""Command-line glue of ``chainrule trace-conv --batchnorm``, ``--layernorm`` and ``--dropout
RATE``: one BatchNorm training step on a batch (each feature's statistics, dx step by step
and by the compact formula, by :func:`chainrule.tracing.trace_batchnorm`), one
LayerNorm step on a few examples (each row's statistics, dx step by step and by the
compact formula, by :func:`chainrule.tracing.trace_layernorm`) and one Dropout training
step (the draws, the mask, out and dx, by :func:`chainrule.tracing.trace_dropout`).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

__all__ = ["_trace_batchnorm", "_trace_dropout", "_trace_layernorm"]

# the options of the convolution and pooling traces, with their defaults
_CONV_ONLY = (("bias", None), ("stride", None), ("padding", "0"), ("activation", "identity"))


def _print(trace: object, fmt: str) -> int:
    if fmt == "json":
        print(json.dumps(trace.to_dict()))  # type: ignore[attr-defined]
    else:
        print(trace.text(), end="")  # type: ignore[attr-defined]
    return 0


def _examples(args: argparse.Namespace) -> np.ndarray:
    """``--input`` as (n, D): one example's list is one row."""
    from ._cli_teaching_trace_conv import _array

    X = _array(args.input, "--input", (1, 2))
    X = X.reshape(1, -1) if X.ndim == 1 else X
    if X.size == 0:
        raise ValueError(f"--input: expected at least one example of at least one value, got "
                         f"shape {X.shape}")
    return X


def _dout(args: argparse.Namespace, shape: tuple[int, ...]) -> np.ndarray:
    from ._cli_teaching_trace_conv import _array

    if args.dout is None:
        return np.ones(shape)
    dout = _array(args.dout, "--dout", (1, 2))
    dout = dout.reshape(1, -1) if dout.ndim == 1 else dout
    if dout.shape != shape:
        raise ValueError(f"--dout: expected --input's shape {shape}, got {dout.shape}")
    return dout


def _norm_layer(cls: type, args: argparse.Namespace, n_features: int) -> object:
    """A BatchNorm or LayerNorm of ``n_features`` with ``--eps``, ``--gamma`` and ``--beta``
    (a number or one per feature), each refused by its option."""
    from ._cli_teaching_trace_conv import _array

    try:
        layer = cls(n_features, eps=1e-5 if args.eps is None else args.eps)
    except ValueError as exc:
        raise ValueError(f"--eps: {exc}") from None
    for name in ("gamma", "beta"):
        if getattr(args, name) is not None:
            v = _array(getattr(args, name), f"--{name}", (0, 1))
            try:
                setattr(layer, name, np.broadcast_to(v, (n_features,)) if v.ndim == 0 else v)
            except ValueError as exc:
                raise ValueError(f"--{name}: {exc}") from None
    return layer


def _trace_batchnorm(args: argparse.Namespace) -> int:
    from ._cli_teaching_trace_conv import _array
    from .batchnorm import BatchNorm
    from .tracing import trace_batchnorm

    for name, default in _CONV_ONLY:
        if getattr(args, name) != default:
            raise ValueError(f"--{name}: the traced BatchNorm layer has none; drop it, or "
                             "give --kernel or --pool")
    X = _array(args.input, "--input", (2,))
    if X.shape[0] < 2:
        raise ValueError(f"--input: a batch of at least 2 rows, got {X.shape[0]}: one row has "
                         "no variance (BatchNorm normalises it with its running statistics)")
    layer = _norm_layer(BatchNorm, args, X.shape[1])
    dout = np.ones(X.shape) if args.dout is None else _array(args.dout, "--dout", (2,))
    if dout.shape != X.shape:
        raise ValueError(f"--dout: expected --input's shape {X.shape}, got {dout.shape}")
    trace = trace_batchnorm(layer, X, dout, digits=min(args.digits, 17))
    return _print(trace, args.format)


def _trace_layernorm(args: argparse.Namespace) -> int:
    from .layernorm import LayerNorm
    from .tracing import trace_layernorm

    for name, default in _CONV_ONLY:
        if getattr(args, name) != default:
            raise ValueError(f"--{name}: the traced LayerNorm layer has none; drop it, or "
                             "give --kernel or --pool")
    X = _examples(args)
    layer = _norm_layer(LayerNorm, args, X.shape[1])
    trace = trace_layernorm(layer, X, _dout(args, X.shape), digits=min(args.digits, 17))
    return _print(trace, args.format)


def _trace_dropout(args: argparse.Namespace) -> int:
    from .dropout import Dropout
    from .tracing import trace_dropout

    for name, default in _CONV_ONLY:
        if getattr(args, name) != default:
            raise ValueError(f"--{name}: a Dropout layer has none; drop it, or give "
                             "--kernel or --pool")
    for name in ("gamma", "beta", "eps"):
        if getattr(args, name) is not None:
            raise ValueError(f"--{name}: a Dropout layer has none; drop it, or give "
                             "--batchnorm or --layernorm")
    X = _examples(args)
    layer = Dropout(args.dropout)
    trace = trace_dropout(layer, X, _dout(args, X.shape),
                          seed=0 if args.seed is None else args.seed,
                          digits=min(args.digits, 17))
    return _print(trace, args.format)
