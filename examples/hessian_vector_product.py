"""Exact Hessian-vector products by the R-operator, and what one costs next to a gradient.

    python examples/hessian_vector_product.py [--repeats 9] [--out hessian_vector_product.png]

1. A 2-3-1 tanh network: ``H v`` by Pearlmutter's R-operator against central differences
   of the gradient along ``v``, and the whole 13 x 13 Hessian, ``H e_i`` column by column.
2. A softmax network on the bundled digits' training split (1144 rows, 64-100-10, tanh,
   weight decay 1e-4): the time of one gradient, one ``H v``
   and one Gauss-Newton ``G v`` from scratch, and of each further ``H v`` at the same point
   (as Newton-CG's inner loop uses them), medians of ``--repeats`` interleaved runs of 10
   calls each, in CPU time of this process (``time.process_time``: other load on the
   machine does not count; run with one BLAS thread, ``OPENBLAS_NUM_THREADS=1``, for
   figures comparable across machines).
3. ``chainrule.minimize`` with L-BFGS-B, Newton-CG and trust-ncg on the same problem,
   30 iterations each.

The picture: the small net's Hessian, and the three cost curves.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import chainrule
from chainrule.datasets import load_digits_split
from chainrule.hessian import (
    gauss_newton_vector_product,
    hessian_vector_product,
    hessian_vector_products,
)


def small_example() -> np.ndarray:
    net = chainrule.mlp([2, 3, 1], hidden="tanh", seed=0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    v = np.random.default_rng(0).normal(size=net.n_params)
    hv = hessian_vector_product(net, X, y, v)
    eps, theta = 1e-5, net.params.copy()
    net.params[...] = theta + eps * v
    _, gp = net.loss_and_grad(X, y)
    net.params[...] = theta - eps * v
    _, gm = net.loss_and_grad(X, y)
    net.params[...] = theta
    fd = (gp - gm) / (2 * eps)
    print(f"2-3-1 tanh net, {net.n_params} parameters:")
    print(f"  H v (R-operator):        {np.array2string(hv[:4], precision=6)} ...")
    print(f"  central differences:     {np.array2string(fd[:4], precision=6)} ...")
    print(f"  largest difference:      {np.abs(hv - fd).max():.1e}")
    H = hessian_vector_products(net, X, y, np.eye(net.n_params))
    eig = np.linalg.eigvalsh(H)
    print(f"  whole H: symmetric to {np.abs(H - H.T).max():.1e}; eigenvalues from {eig[0]:.3g} "
          f"to {eig[-1]:.3g} (a saddle region: H is not positive definite)")
    return H


def timings(repeats: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(0)
    split = load_digits_split()
    X, y = split.X_train, split.y_train
    net = chainrule.mlp([64, 100, 10], hidden="tanh", output="softmax", seed=0,
                        weight_decay=1e-4)
    v = rng.normal(size=net.n_params)
    V = rng.normal(size=(net.n_params, 10))
    runs = {
        "gradient (loss_and_grad)": lambda: net.loss_and_grad(X, y),
        "H v from scratch": lambda: hessian_vector_product(net, X, y, v),
        "G v from scratch": lambda: gauss_newton_vector_product(net, X, y, v),
        "H v, 10 at one point, each": lambda: hessian_vector_products(net, X, y, V),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):  # interleaved: each round runs every case 10 times
        for name, run in runs.items():
            t = time.process_time()
            for _ in range(10):
                run()
            times[name].append((time.process_time() - t) / 10)
    times["H v, 10 at one point, each"] = [t / 10 for t in times["H v, 10 at one point, each"]]
    grad = float(np.median(times["gradient (loss_and_grad)"]))
    print(f"\ndigits, 64-100-10 tanh/softmax net, {net.n_params} parameters, {len(y)} rows "
          f"(CPU time, medians of {repeats} x 10 calls):")
    for name, ts in times.items():
        med = float(np.median(ts))
        print(f"  {name:28s} {med * 1e3:8.2f} ms  {med / grad:5.2f} x the gradient")
    curves = {}
    for method in ("L-BFGS-B", "Newton-CG", "trust-ncg"):
        fit = net.copy()
        t = time.perf_counter()
        r = chainrule.minimize(fit, X, y, method=method, maxiter=30)
        print(f"  minimize {method:9s}: J = {r.fun:.5f} after {r.nit} iterations, {r.nfev} "
              f"evaluations, {r.get('nhev', 0)} H v products, {time.perf_counter() - t:.2f} s wall")
        curves[method] = r.loss_curve
    return curves


def plot(H: np.ndarray, curves: dict[str, list[float]], path: str) -> str:
    """The 13 x 13 Hessian of the small net, and the cost after each iteration."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 3.0), dpi=90, layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    top = np.abs(H).max()
    image = ax1.imshow(H, cmap="RdBu_r", vmin=-top, vmax=top)
    fig.colorbar(image, ax=ax1, shrink=0.8)
    ax1.set(title="H of the 2-3-1 net (13 x 13)", xlabel="parameter", ylabel="parameter")
    for method, curve in curves.items():
        ax2.semilogy(np.arange(1, len(curve) + 1), curve, label=method)
    ax2.set(title="digits 64-100-10: cost J", xlabel="iteration")
    ax2.legend(fontsize=8)
    fig.savefig(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--out", default="hessian_vector_product.png")
    args = parser.parse_args()
    H = small_example()
    curves = timings(args.repeats)
    print(f"picture written to {plot(H, curves, args.out)}")


if __name__ == "__main__":
    main()
