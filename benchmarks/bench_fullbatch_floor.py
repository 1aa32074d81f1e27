"""Issue 4's (3) on the MNIST-shaped data against its floor: the matrix products alone.

One full-batch cost-and-gradient call (what L-BFGS calls) on 60,000 x 784 float32,
784-256-128-10 ReLU, softmax cross-entropy, at chainrule's initial weights, timed against:

* scikit-learn's ``MLPClassifier._loss_grad_lbfgs`` (the peer of (3));
* the plain NumPy objective of ``bench_mlp.py`` (the same calls, nothing a library adds);
* the eight matrix products such a call must do, alone, with the same shapes, into
  preallocated outputs (three forward, three weight gradients, two input gradients: none
  for the first layer, which neither chainrule nor scikit-learn computes).

Each in turn (the order reversed every other round), one BLAS thread, thread CPU time
(what another process on a shared core does not add), medians of ``--repeats`` and the
medians of the paired ratios to scikit-learn's call.  If the products alone take more than
0.7 x scikit-learn's call, no objective making the same products meets (3)'s target.

    python benchmarks/bench_fullbatch_floor.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import numpy as np
from bench_mlp import (
    MNIST,
    blas_kernels,
    chainrule_net,
    fullbatch_pair,
    mnist_like,
    numpy_objective,
    positive_int,
)
from threadpoolctl import threadpool_limits


def products_alone(sizes: list[int], X: np.ndarray, seed: int = 0) -> Callable[[], None]:
    """The matrix products of one full-batch call of an MLP of ``sizes`` on ``X``."""
    rng = np.random.default_rng(seed)
    m, dtype = X.shape[0], X.dtype
    Ws = [rng.standard_normal((a, b)).astype(dtype) * 0.05 for a, b in itertools.pairwise(sizes)]
    As = [X] + [np.empty((m, b), dtype) for b in sizes[1:]]  # Z or A of each layer
    # delta of each layer: the output's is read off its Z (no pass over it here)
    Ds = [np.empty((m, b), dtype) for b in sizes[1:-1]] + [As[-1]]
    dWs = [np.empty_like(W) for W in Ws]

    def run() -> None:
        for i, W in enumerate(Ws):
            np.matmul(As[i], W, out=As[i + 1])
        for i in range(len(Ws) - 1, -1, -1):
            np.matmul(As[i].T, Ds[i], out=dWs[i])
            if i:
                np.matmul(Ds[i], Ws[i].T, out=Ds[i - 1])

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=7)
    args = parser.parse_args()
    X, y = mnist_like()
    sizes = MNIST["sizes"]
    ours, theta, theirs, theta_sk = fullbatch_pair(X, y, sizes)
    floor = numpy_objective(chainrule_net(sizes, X.dtype), X, y)
    products = products_alone(sizes, X)
    runs = {"scikit-learn": lambda: theirs(theta_sk), "chainrule": lambda: ours(theta),
            "NumPy objective": lambda: floor(theta), "the 8 products alone": products}
    times: dict[str, list[float]] = {name: [] for name in runs}
    with threadpool_limits(1):
        for run in runs.values():  # buffers allocated, caches warm: not counted
            run()
        for r in range(args.repeats):
            for name in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
                start = time.thread_time()
                runs[name]()
                times[name].append(time.thread_time() - start)
    print(f"(3) MNIST-shaped {sizes}, {X.shape[0]} x {X.shape[1]} {X.dtype}, 1 BLAS thread, "
          f"{', '.join(blas_kernels())}: thread CPU ms per call, medians of {args.repeats}")
    sk = times["scikit-learn"]
    for name, ts in times.items():
        paired = statistics.median(t / s for t, s in zip(ts, sk, strict=True))
        print(f"  {name:<22} {statistics.median(ts) * 1e3:8.1f} ms   / scikit-learn's "
              f"{paired:.3f} (paired)")


if __name__ == "__main__":
    main()
