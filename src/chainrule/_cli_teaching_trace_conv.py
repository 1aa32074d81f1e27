"""Command-line glue of ``chainrule trace-conv``: one Conv2D (``--kernel``), MaxPool2D
(``--pool``) or AvgPool2D (``--avgpool``) step on a small image, every number printed as an
explicit sum by :func:`chainrule.tracing.trace_conv2d` /
:func:`chainrule.tracing.trace_maxpool2d` / :func:`chainrule.tracing.trace_avgpool2d`; or
one Embedding step (``--table``) on a few rows of indices, the lookups and the table
gradient's scatter-add, by :func:`chainrule.tracing.trace_embedding`; ``--batchnorm``,
``--layernorm`` and ``--dropout RATE`` are in :mod:`chainrule._cli_teaching_trace_norm`.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from .cli_args import integer, positive_int, real

__all__ = ["_add_trace_conv"]


def _add_trace_conv(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trace-conv", help="print every number of one convolution, max- or average-"
        "pooling, embedding, batch- or layer-normalisation or dropout step",
        description="One forward and backward pass of a Conv2D layer (--kernel) or a "
        "MaxPool2D layer (--pool) or an AvgPool2D layer (--avgpool) on a small image: each "
        "output as its sum of x*w terms, each dW, db and dX entry as its sum of dZ*x, dZ and "
        "dZ*w terms; for max pooling, each window's winner and where dout goes; for average "
        "pooling (LeNet's subsampling without its coefficient and bias), each window's sum "
        "over its size and each dX entry as the sum of dout/size over the windows covering "
        "it; for an Embedding layer (--table), each "
        "example's rows of the table and, for each row of dW, the slices of dout it "
        "sums (the scatter-add); for a BatchNorm layer in training mode (--batchnorm), "
        "each feature's mean, variance, xhat and y, then dgamma, dbeta, the graph's "
        "dxhat, dvar, dmu and dx's three terms, and the compact formula for dx; the same "
        "for a LayerNorm layer (--layernorm), per example (row) instead of per feature; for "
        "a Dropout layer in training (--dropout RATE), each uniform draw, the mask it makes "
        "(kept where u >= RATE, scaled by 1/(1 - RATE)), out = x * mask and dx = dout * "
        "mask.",
        epilog="example: chainrule trace-conv --input '[[1,2,3],[4,5,6],[7,8,9]]' "
        "--kernel '[[1,0],[0,-1]]' --padding 1 --stride 2; chainrule trace-conv --input "
        "'[[1,2,3,4],[5,6,7,8],[9,10,11,12],[13,14,15,16]]' --avgpool 2; chainrule trace-conv "
        "--input "
        "'[[2,0],[1,1]]' --table '[[0,1],[2,3],[4,5]]'; chainrule trace-conv --input "
        "'[[1,2],[3,5],[4,0]]' --batchnorm --dout '[[1,0.5],[-2,1],[0.5,3]]'; chainrule "
        "trace-conv --input '[[1,2,3],[4,0,-1]]' --layernorm; chainrule trace-conv --input "
        "'[[1,2,3],[4,0,-1]]' --dropout 0.4 --seed 0")
    p.add_argument("--input", required=True, metavar="JSON",
                   help="the image(s): nested lists of shape (H, W), (C, H, W) or (n, C, H, "
                   "W); with --table, the indices, of shape (block,) or (n, block); with "
                   "--batchnorm, the batch, of shape (n, D), n >= 2; with --layernorm or "
                   "--dropout, (D,) or (n, D)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--kernel", metavar="JSON",
                      help="convolution kernels of shape (kh, kw), (C, kh, kw) or (F, C, kh, kw)")
    what.add_argument("--pool", type=positive_int, metavar="K", help="max pooling, K x K windows")
    what.add_argument("--avgpool", type=positive_int, metavar="K",
                      help="average pooling, K x K windows (AvgPool2D; LeNet-5's subsampling "
                      "without its trainable coefficient and bias)")
    what.add_argument("--table", metavar="JSON", help="an Embedding layer's table W, of shape "
                      "(num_embeddings, embedding_dim): --input holds indices into it")
    what.add_argument("--batchnorm", action="store_true",
                      help="a BatchNorm layer in training mode (batch mean and 1/n variance) "
                      "on the batch --input")
    what.add_argument("--layernorm", action="store_true",
                      help="a LayerNorm layer (each example's mean and 1/D variance) on the "
                      "examples --input")
    what.add_argument("--dropout", type=real(0, 1, high_open=True), metavar="RATE",
                      help="a Dropout layer in training mode dropping each unit with "
                      "probability RATE (PyTorch's p; cs231n's keep probability p is 1 - RATE)")
    p.add_argument("--gamma", metavar="JSON",
                   help="with --batchnorm or --layernorm: the scales, a number or D numbers "
                   "(default 1)")
    p.add_argument("--beta", metavar="JSON",
                   help="with --batchnorm or --layernorm: the shifts, a number or D numbers "
                   "(default 0)")
    p.add_argument("--eps", type=float, metavar="E",
                   help="with --batchnorm or --layernorm: added to the variance, > 0 "
                   "(default 1e-5)")
    p.add_argument("--seed", type=integer(0), metavar="S",
                   help="with --dropout: the mask's draws come from numpy's default_rng(S), "
                   "those of Dropout(RATE, seed=S) (default 0)")
    p.add_argument("--exclude-pad", action="store_true",
                   help="with --avgpool and --padding: leave the padding out of each "
                   "window's size (AvgPool2D(count_include_pad=False)); by default its zeros "
                   "count, as PyTorch's default")
    p.add_argument("--bias", metavar="JSON", help="the biases, a number or F numbers (default 0)")
    p.add_argument("--stride", type=positive_int, help="step between windows (default: 1 for "
                   "--kernel, K for --pool and --avgpool)")
    p.add_argument("--padding", default="0", metavar="P",
                   help="zero (--kernel, --avgpool) or -inf (--pool) rows/columns on each side, "
                   "or 'same' for a stride-1 convolution (default: 0)")
    p.add_argument("--activation", default="identity",
                   help="the convolution's activation (default: identity, as cs231n's layer)")
    p.add_argument("--dout", metavar="JSON",
                   help="upstream gradient dJ/dA of the output's shape (default: all ones; "
                   "with --batchnorm, and --layernorm with one gamma, all ones make dx 0)")
    p.add_argument("--digits", type=integer(1), default=6,
                   help="significant digits of the printed numbers (default: 6)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (the sums) or json (every array and index list)")
    p.set_defaults(handler=_trace_conv)


def _array(text: str, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    try:
        a = np.array(json.loads(text), dtype=float)
    except (json.JSONDecodeError, ValueError, TypeError) as exc:
        raise ValueError(f"{name}: expected nested lists of numbers in JSON, got {text!r} "
                         f"({exc})") from None
    if a.ndim not in ndim:
        raise ValueError(f"{name}: expected {' or '.join(f'{d}-D' for d in ndim)} nested lists, "
                         f"got shape {a.shape}")
    if not np.isfinite(a).all():  # a trace of NaN or inf is NaN throughout
        raise ValueError(f"{name}: expected finite numbers, got {text!r}")
    return a


def _padding(text: str) -> str | int:
    if text == "same":
        return text
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"--padding: expected an int >= 0 or 'same', got {text!r}")
    return value


def _trace_embedding(args: argparse.Namespace) -> int:
    from ._layers_embedding import Embedding
    from .tracing import trace_embedding

    for name, default in (("bias", None), ("stride", None), ("padding", "0"),
                          ("activation", "identity")):
        if getattr(args, name) != default:
            raise ValueError(f"--{name}: an Embedding layer has none; drop it, or give "
                             "--kernel or --pool")
    W = _array(args.table, "--table", (2,))
    X = _array(args.input, "--input", (1, 2))
    X = X.reshape(1, -1) if X.ndim == 1 else X
    layer = Embedding(W.shape[0], W.shape[1], init=W)
    dout = (np.ones((X.shape[0], X.shape[1] * W.shape[1])) if args.dout is None
            else _array(args.dout, "--dout", (1, 2)))
    try:
        layer.forward(X)  # the indices checked first, named as the option
    except ValueError as exc:
        raise ValueError(f"--input: {exc}") from None
    trace = trace_embedding(layer, X, dout.reshape(X.shape[0], -1) if dout.ndim == 1 else dout,
                            digits=min(args.digits, 17))
    print(json.dumps(trace.to_dict()) if args.format == "json" else trace.text(), end="")
    if args.format == "json":
        print()
    return 0


def _trace_conv(args: argparse.Namespace) -> int:
    from ._cli_teaching_trace_norm import _trace_batchnorm, _trace_dropout, _trace_layernorm
    from .conv import Conv2D
    from .pooling import AvgPool2D, MaxPool2D
    from .tracing import trace_avgpool2d, trace_conv2d, trace_maxpool2d

    if args.exclude_pad and args.avgpool is None:
        raise ValueError("--exclude-pad: only --avgpool takes it (whether the padding counts "
                         "in a window's size); drop it, or give --avgpool")
    if args.seed is not None and args.dropout is None:
        raise ValueError("--seed: only --dropout takes it (the mask's draws); drop it, or "
                         "give --dropout")
    if args.dropout is not None:
        return _trace_dropout(args)
    if args.layernorm:
        return _trace_layernorm(args)
    if args.batchnorm:
        return _trace_batchnorm(args)
    for name in ("gamma", "beta", "eps"):
        if getattr(args, name) is not None:
            raise ValueError(f"--{name}: only --batchnorm and --layernorm take it; drop it, or "
                             "give one of them")
    if args.table is not None:
        return _trace_embedding(args)
    X = _array(args.input, "--input", (2, 3, 4))
    X = X.reshape((1,) * (4 - X.ndim) + X.shape)
    padding = _padding(args.padding)
    pool = "--pool" if args.pool is not None else "--avgpool" if args.avgpool is not None else None
    if pool is not None:
        if padding == "same":
            raise ValueError(f"--padding: 'same' is for --kernel; give an int with {pool}")
        kind = "max" if pool == "--pool" else "average"
        for name in ("bias", "activation"):
            if getattr(args, name) not in (None, "identity"):
                raise ValueError(f"--{name}: {kind} pooling has none; drop it or give --kernel")
        try:
            layer = (MaxPool2D(args.pool, stride=args.stride, padding=padding) if kind == "max"
                     else AvgPool2D(args.avgpool, stride=args.stride, padding=padding,
                                    count_include_pad=not args.exclude_pad))
        except ValueError as exc:  # the padding's bound: named as the option
            raise ValueError(f"--padding: {exc}") from None
        out_shape = layer.output_shape(X.shape[1:])
    else:
        W = _array(args.kernel, "--kernel", (2, 3, 4))
        W = W.reshape((1,) * (4 - W.ndim) + W.shape)
        layer = Conv2D(W.shape[1], W.shape[0], W.shape[2:], stride=args.stride or 1,
                       padding=padding, activation=args.activation, init=W)
        if args.bias is not None:
            b = _array(args.bias, "--bias", (0, 1))
            layer.b = np.broadcast_to(b, (W.shape[0],)) if b.ndim == 0 else b
        out_shape = layer.output_shape(X.shape[1:])
    dout = (np.ones((X.shape[0], *out_shape)) if args.dout is None
            else _array(args.dout, "--dout", (2, 3, 4)))
    dout = dout.reshape((1,) * (4 - dout.ndim) + dout.shape)
    tracer = {"--pool": trace_maxpool2d, "--avgpool": trace_avgpool2d}.get(pool, trace_conv2d)
    trace = tracer(layer, X, dout, digits=min(args.digits, 17))
    print(json.dumps(trace.to_dict()) if args.format == "json" else trace.text(), end="")
    if args.format == "json":
        print()
    return 0
