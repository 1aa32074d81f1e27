"""One convolution and one max-pooling step, every number as the sum that makes it.

    python examples/trace_conv.py [--out trace_conv.png]

A 4x4 image of 2 channels, 2 kernels of 3x3 with stride 1 and padding 1 (cs231n's
``conv_backward_naive`` set-up, smaller), and a 2x2 max pooling: ``trace_conv2d`` and
``trace_maxpool2d`` give every output ``Z[n,f,i,j]`` as its sum of ``x*w`` terms, every
``dW[f,c,p,q]`` as its sum of ``dZ*x`` terms, ``db[f]`` as the sum of ``dZ`` and every
``dX[n,c,r,s]`` as its sum of ``dZ*w`` terms (the full correlation of ``dZ`` with the
flipped kernel); the script checks them against plain NumPy loops.  The picture shows
x, w, Z, dout, dW and dX of the first channel and filter as annotated grids.  From the
command line: ``chainrule trace-conv --input '[[1,2,3],[4,5,6],[7,8,9]]' --kernel
'[[1,0],[0,-1]]' --padding 1``.
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from chainrule.tracing import trace_conv2d, trace_maxpool2d


def loops(x: np.ndarray, w: np.ndarray, b: np.ndarray, dout: np.ndarray) -> tuple:
    """Stride 1, padding 1, by loops over the zero-padded image (cs231n's naive layers)."""
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    Z, dW, dxp = np.zeros(dout.shape), np.zeros_like(w), np.zeros_like(xp)
    for n, f, i, j in np.ndindex(dout.shape):
        Z[n, f, i, j] = np.sum(xp[n, :, i : i + 3, j : j + 3] * w[f]) + b[f]
        dW[f] += dout[n, f, i, j] * xp[n, :, i : i + 3, j : j + 3]
        dxp[n, :, i : i + 3, j : j + 3] += dout[n, f, i, j] * w[f]
    return Z, dW, dout.sum(axis=(0, 2, 3)), dxp[:, :, 1:-1, 1:-1]


def plot(t: object, out: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grids = [("x[0,0]", t.X[0, 0]), ("w[0,0]", t.W[0, 0]), ("Z[0,0]", t.Z[0, 0]),
             ("dout[0,0]", t.dout[0, 0]), ("dW[0,0]", t.dW[0, 0]), ("dX[0,0]", t.dX[0, 0])]
    fig, axes = plt.subplots(1, 6, figsize=(12, 2.6))
    for ax, (name, a) in zip(axes, grids, strict=True):
        ax.imshow(a, cmap="coolwarm", vmin=-np.abs(a).max(), vmax=np.abs(a).max())
        for (r, c), v in np.ndenumerate(a):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=7)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Conv2D(2, 2, 3, padding=1): dW = x correlated with dZ, dX = dZ (full) "
                 "correlated with the flipped w",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=70)
    plt.close(fig)
    return out


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="trace_conv.png")
    args = parser.parse_args()
    x = np.linspace(-0.1, 0.5, num=2 * 4 * 4).reshape(1, 2, 4, 4)
    w = np.linspace(-0.2, 0.3, num=2 * 2 * 3 * 3).reshape(2, 2, 3, 3)
    b = np.array([0.1, -0.2])
    dout = np.linspace(-1.0, 1.0, num=2 * 4 * 4).reshape(1, 2, 4, 4)
    conv = cr.Conv2D(2, 2, 3, padding=1, activation="identity", init=w)
    conv.b = b
    t = trace_conv2d(conv, x, dout)
    lines = t.text().splitlines()
    # the first output, dW and dX entries and db in full; the rest as the record holds them
    for start in ("Z[0,0,0,0] =", "Z[0,0,1,1] =", "dW[0,0,1,1] =", "db[0] =", "dX[0,0,0,0] =",
                  "dX[0,0,1,1] ="):
        k = next(i for i, line in enumerate(lines) if line.startswith(start))
        print(lines[k] + "\n" + lines[k + 1])
    Z, dW, db, dX = loops(x, w, b, dout)
    errors = {name: float(np.max(np.abs(getattr(t, name) - ref)))
              for name, ref in (("Z", Z), ("dW", dW), ("db", db), ("dX", dX))}
    print("largest difference from plain NumPy loops: "
          + ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
    pool = trace_maxpool2d(cr.MaxPool2D(2), t.Z, np.ones((1, 2, 2, 2)))
    print("\n".join(pool.text().splitlines()[2:4]))
    print(f"({len(t.text().splitlines())} lines in all: print(trace) shows them)")
    print(f"picture written to {plot(t, args.out)}")
    return errors


if __name__ == "__main__":
    main()
