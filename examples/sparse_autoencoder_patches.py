"""Sparse autoencoder on natural image patches: the learned filters are edge detectors.

The classic run of SPEC 9: 10,000 patches of 8x8 pixels from scikit-learn's two
sample photographs (grayscale, halved by a 2x2 block mean, whitened as whole
images, normalised to [0.1, 0.9]), a 64-25-64 sigmoid autoencoder with
rho = 0.01, beta = 3, lambda = 1e-4, trained by L-BFGS for 400 iterations.
Prints the cost and its terms, the mean hidden activation (close to rho) and the run
time, and writes the 25 learned filters (each hidden unit's input weights) as a grid.

As UFLDL's exercise does before training, ``--check`` first compares the gradient of
the sparse cost at the initial weights with central differences on 10 of the patches
(``cr.gradient_check``), printing checkNumericalGradient's relative difference, which
the exercise expects below 1e-9.  ``--tiles ufldl`` draws the filters as the exercise's
``display_network`` does (the mean weight removed, each tile scaled by its largest
absolute value: 0 is the same gray in every tile); ``each`` (the default, as the
gallery's picture) stretches each tile from its minimum to its maximum.

    python examples/sparse_autoencoder_patches.py [--out patch-filters.png]
        [--patches 10000] [--iters 400] [--hidden 25] [--images a.png b.png]
        [--seed 0] [--check] [--tiles each|ufldl]
"""

from __future__ import annotations

import argparse
import time
import warnings

from sklearn.exceptions import ConvergenceWarning

import chainrule as cr
from chainrule.images import natural_patches
from chainrule.plots import plot_tiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="patch-filters.png", help="picture of the filters")
    parser.add_argument("--patches", type=int, default=10000)
    parser.add_argument("--iters", type=int, default=400, help="L-BFGS iterations")
    parser.add_argument("--hidden", type=int, default=25)
    parser.add_argument("--images", nargs="*", help="your own image files (default: "
                        "scikit-learn's sample photographs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", action="store_true",
                        help="check the gradient at the initial weights on 10 patches first")
    parser.add_argument("--tiles", choices=("each", "ufldl"), default="each",
                        help="how each filter is scaled to gray (ufldl: display_network's)")
    args = parser.parse_args()

    X = natural_patches(args.patches, 8, paths=args.images, seed=args.seed)
    print(f"{X.shape[0]} patches of 8x8 pixels, values in [{X.min():.2f}, {X.max():.2f}]")
    if args.check:
        ae = cr.SparseAutoencoder(args.hidden, rho=0.01, beta=3.0, weight_decay=1e-4,
                                  random_state=args.seed)
        check = cr.gradient_check(ae, X[:10])  # at the initial weights fit starts from
        print(f"gradient check at the initial weights on 10 patches: relative difference "
              f"norm(numgrad - grad) / norm(numgrad + grad) = {check.rel_diff:.3g} (UFLDL "
              f"expects below 1e-9): {check.verdict}")
    start = time.perf_counter()
    # UFLDL's exercises run a fixed budget of L-BFGS iterations: stopping there is the
    # plan, not a failure, so the estimators' ConvergenceWarning is not shown
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = cr.SparseAutoencoder(args.hidden, rho=0.01, beta=3.0, weight_decay=1e-4,
                                  max_iter=args.iters, random_state=args.seed).fit(X)
    seconds = time.perf_counter() - start
    rho_hat = ae.mean_activation_
    print(f"64-{args.hidden}-64 sparse autoencoder, {ae.n_iter_} L-BFGS iterations in "
          f"{seconds:.1f} s, final cost {ae.loss_:.4f}")
    print(f"mean hidden activation {rho_hat.mean():.4f} (target rho = 0.01; units from "
          f"{rho_hat.min():.4f} to {rho_hat.max():.4f})")
    print(ae.cost_terms(X))  # which term the final cost is made of
    path = plot_tiles(ae.filters_.reshape(-1, 8, 8), args.out, tile_inches=0.9,
                      title=f"{args.hidden} hidden units on 8x8 image patches",
                      normalize=args.tiles)
    print(f"filters written to {path}")


if __name__ == "__main__":
    main()
