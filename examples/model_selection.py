"""How many hidden units? M = 1..10, 30 random starts each, chosen by validation error.

    python examples/model_selection.py [--n-jobs 2] [--out model_selection.png]

Ten noisy samples of sin(2 pi x) (evenly spaced x) for training, 200 for
validation; every run is a tanh network trained by L-BFGS from its own
random start.  Prints the best, median and worst validation error per M and
the chosen run; plots every run, as in the classic figure.
"""

from __future__ import annotations

import argparse

from chainrule.datasets import sinusoid
from chainrule.model_selection import select_hidden_units
from chainrule.plots import plot_model_selection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="model_selection.png")
    args = parser.parse_args()
    X, y = sinusoid(10, noise=0.3, seed=args.seed, grid=True)
    Xv, yv = sinusoid(200, noise=0.3, seed=args.seed + 1000)
    result = select_hidden_units(X, y, Xv, yv, range(1, 11), n_starts=args.starts,
                                 n_jobs=args.n_jobs, seed=args.seed)
    print(result.summary())
    path = plot_model_selection(
        result.hidden_units, result.val_errors, args.out, result.train_errors,
        (result.best_hidden, result.best_error),
        title=f"sin(2 pi x) + noise, 10 training points: {args.starts} starts per M")
    print(f"plot written to {path}")


if __name__ == "__main__":
    main()
