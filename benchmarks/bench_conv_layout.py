"""Conv2D with one matrix product per batch against Conv2D as it is (one per example).

Conv2D's im2col gives each example its own (c*kh*kw, out_h*out_w) matrix of
patches, and forward, dW and dX are products per example, which OpenBLAS runs
on one thread.  This script times a prototype of the other layout, the
patches of the whole batch as one (c*kh*kw, n*out_h*out_w) matrix, so that
each of the three is one large product that BLAS may split over threads:

* forward: ``Z^T = W (o, c*kh*kw) @ P (c*kh*kw, n*L)``, then transposed to
  (n, o, L) while the bias is added (one pass);
* dW: ``delta^T (o, n*L) @ P^T`` (delta copied to (o, n, L)), db as that
  copy's row sums;
* dX: ``W^T @ delta^T`` on the padded-width grid with zero tails, for a chunk
  of examples of at most 1 MiB at a time, added back onto the pixels by one
  strided reduction (col2im's, with the batch inside the rows).

Variants, timed interleaved (one epoch of each in turn, repetition 0 not
counted) at each thread count, medians and min-max: ``layer`` (Conv2D as it
is), ``batch`` (the three products above), ``batch-layout`` (the batch's
patch layout with the per-example products for forward and dW).  The weights
after an epoch are compared with the layer's (float32 rounding).

    python benchmarks/bench_conv_layout.py [--repeats 7] [--threads 1 2]

The prototype covers what the benchmark's LeNet-shaped network needs (stride
1, no dilation, outputs 8 or more columns wide, biases) and holds a batch's
patches at once (5 MB for its first convolution); it is not part of chainrule.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Iterator

import numpy as np
from numpy.lib.stride_tricks import as_strided

import chainrule as cr
from chainrule._activations_inplace import _row_sum
from chainrule._layers_base import as_array
from chainrule._spatial import scratch, sides

LENET = [
    {"type": "Conv2D", "out_channels": 6, "kernel_size": 5, "padding": 2, "activation": "relu"},
    {"type": "MaxPool2D", "size": 2},
    {"type": "Conv2D", "out_channels": 16, "kernel_size": 5, "activation": "relu"},
    {"type": "MaxPool2D", "size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "fan_out": 10, "activation": "softmax"},
]
DX_CHUNK_BYTES = 1 << 20  # the dX products' output per chunk, as Conv2D's CHUNK_BYTES
VARIANTS = ("layer", "batch", "batch-layout")


def batch_patches(layer: cr.Conv2D, X: np.ndarray, ho: int, wo: int) -> np.ndarray:
    """The windows of the whole batch, shape (c, kh, kw, n, ho, wo) (one copy)."""
    n, c, h, w = X.shape
    (kh, kw), ((pt, pb), (pl, pr)) = layer.kernel_size, sides(layer.padding_sides)
    hp, wp = h + pt + pb, w + pl + pr
    buf = scratch(layer._work, "batch flat", (n, c, hp + 1, wp), X.dtype)  # padding stays 0
    buf[:, :, pt : pt + h, pl : pl + w] = X
    flat = buf.reshape(n, c, (hp + 1) * wp)
    sn, sc, sx = flat.strides
    P = scratch(layer._work, "batch patches", (c, kh, kw, n, ho, wo), X.dtype)
    np.copyto(P, as_strided(flat, shape=P.shape, writeable=False,
                            strides=(sc, wp * sx, sx, sn, wp * sx, sx)))
    return P


def forward(layer: cr.Conv2D, X: np.ndarray, big: bool) -> np.ndarray:
    """Conv2D.forward with the batch's patches; one product when ``big``."""
    X = as_array(X, layer, "X")
    _, ho, wo = layer._check_batch(X)
    if layer.stride != (1, 1) or layer.dilation != (1, 1) or layer._b is None:
        raise NotImplementedError("the prototype covers stride 1, no dilation, with biases")
    n, o, L = X.shape[0], layer.out_channels, ho * wo
    rows = layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1]
    layer.X = X
    P = layer.batch_patches = batch_patches(layer, X, ho, wo).reshape(rows, n, L)
    W = layer._W.reshape(o, rows)
    if big:  # (o, rows) @ (rows, n*L), transposed to (n, o, L) with the bias added
        Zt = scratch(layer._work, "Zt", (o, n * L), X.dtype)
        np.matmul(W, P.reshape(rows, n * L), out=Zt)
        Z = np.empty((n, o, L), dtype=X.dtype)
        np.add(Zt.reshape(o, n, L).transpose(1, 0, 2), layer._b[:, None], out=Z)
    else:  # per example, (o, rows) @ (rows, L) with the rows n*L apart
        Z = np.matmul(W, P.transpose(1, 0, 2))
        Z += layer._b[:, None]
    layer.Z = Z.reshape(n, o, ho, wo)
    layer.A = layer.activation.f(layer.Z)
    return layer.A


def backward_delta(layer: cr.Conv2D, delta: np.ndarray, need_input_grad: bool,
                   big: bool) -> np.ndarray | None:
    """Conv2D.backward_delta with the batch's patches; dW one product when ``big``."""
    layer.delta = delta
    n, o, ho, wo = delta.shape
    (kh, kw), c, L = layer.kernel_size, layer.in_channels, ho * wo
    rows = c * kh * kw
    P = layer.batch_patches
    Dt = scratch(layer._work, "Dt", (o, n, L), delta.dtype)  # delta as (o, n, L)
    np.copyto(Dt, delta.reshape(n, o, L).transpose(1, 0, 2))
    dW = layer.dW.reshape(o, rows)
    if big:
        np.matmul(Dt.reshape(o, n * L), P.reshape(rows, n * L).T, out=dW)
    else:
        np.sum(np.matmul(delta.reshape(n, o, L), P.transpose(1, 2, 0)), axis=0, out=dW)
    layer.db[...] = _row_sum(Dt.reshape(o, n * L))
    if not need_input_grad:
        return None
    h, w = layer.X.shape[2:]
    (pt, pb), (pl, pr) = sides(layer.padding_sides)
    hp, wp = h + pt + pb, w + pl + pr
    size = ho * wp  # delta on the padded width's grid, then zeros (see _spatial.col2im)
    width = max(hp * wp, size + (kh - 1) * wp + kw - 1)
    Dx = scratch(layer._work, "Dx", (o, n, width), delta.dtype)
    Dx[:, :, :size].reshape(o, n, ho, wp)[..., :wo] = Dt.reshape(o, n, ho, wo)
    chunk = max(1, DX_CHUNK_BYTES // (rows * width * delta.itemsize))
    dP = scratch(layer._work, "dP", (rows, min(chunk, n) * width), delta.dtype)
    dX = np.empty((n, c, h, w), dtype=delta.dtype)
    W_T = layer._W.reshape(o, rows).T
    for start in range(0, n, chunk):
        k = min(chunk, n - start)
        out = dP[:, : k * width]
        np.matmul(W_T, Dx[:, start : start + k].reshape(o, k * width), out=out)
        sr, sx = out.strides  # element (i, j, p) of example e: row (c, i, j), column p - start_ij
        taps = as_strided(out, shape=(k, c, kh, kw, hp * wp), writeable=False,
                          strides=(width * sx, kh * kw * sr, kw * sr - wp * sx, sr - sx, sx))
        dflat = np.add.reduce(taps, axis=(2, 3)).reshape(k, c, hp, wp)
        dX[start : start + k] = dflat[:, :, pt : pt + h, pl : pl + w]
    return dX


@contextlib.contextmanager
def variant(name: str) -> Iterator[None]:
    """Within the block every Conv2D computes as ``name`` says (see VARIANTS)."""
    if name == "layer":
        yield
        return
    big = name == "batch"
    saved = cr.Conv2D.forward, cr.Conv2D.backward_delta
    cr.Conv2D.forward = lambda self, X, training=False: forward(self, X, big)
    cr.Conv2D.backward_delta = (lambda self, delta, need_input_grad=True:
                                backward_delta(self, delta, need_input_grad, big))
    try:
        yield
    finally:
        cr.Conv2D.forward, cr.Conv2D.backward_delta = saved


def epoch(net0: cr.Network, X: np.ndarray, y: np.ndarray, name: str) -> tuple[float, np.ndarray]:
    """Seconds of one SGD epoch (batch 64, as bench_cnn's lenet row) and the weights after it."""
    net = net0.copy()
    with variant(name):
        t0 = time.perf_counter()
        cr.train(net, X, y, optimizer="sgd", lr=0.05, batch_size=64, epochs=1, seed=1)
        seconds = time.perf_counter() - t0
    return seconds, net.params.copy()


def main() -> None:
    from bench_mlp import limit_threads, positive_int

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=7)
    parser.add_argument("--threads", type=positive_int, nargs="+", default=[1, 2])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.random((4000, 1, 28, 28), dtype=np.float32)  # speed does not depend on the values
    y = rng.integers(0, 10, len(X))
    net0 = cr.network_from_layers(LENET, input_shape=(1, 28, 28), seed=0, dtype=np.float32)
    names = ["layer"] + [v for v in args.variants if v != "layer"]
    for threads in args.threads:
        limiter = limit_threads(threads, peers=())
        times: dict[str, list[float]] = {v: [] for v in names}
        weights: dict[str, np.ndarray] = {}
        for rep in range(args.repeats + 1):  # repetition 0 warms up
            for v in names:
                seconds, weights[v] = epoch(net0, X, y, v)
                if rep:
                    times[v].append(seconds)
        limiter.restore_original_limits()
        base = statistics.median(times["layer"])
        print(f"{threads} thread(s), LeNet-shaped, 4,000 28x28 images, batch 64, float32, "
              f"{args.repeats} interleaved epochs")
        for v, ts in times.items():
            med = statistics.median(ts)
            print(f"  {v:<13} {med * 1e3:7.1f} ms/epoch (min {min(ts) * 1e3:.1f}, max "
                  f"{max(ts) * 1e3:.1f})  x{med / base:.2f}  weights vs layer: "
                  f"{np.abs(weights[v] - weights['layer']).max():.1e}")


if __name__ == "__main__":
    main()
