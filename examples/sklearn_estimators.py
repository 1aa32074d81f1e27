"""chainrule.MLPClassifier against scikit-learn's MLPClassifier: same data, same configuration.

    python examples/sklearn_estimators.py [--out sklearn_estimators.png] [--epochs 150]

On three data sets (held-out 30 %, standardised) both estimators get the same
architecture, solver, learning rate, alpha, batch size and epochs; the script
prints test accuracy and fit time of each and draws both loss curves.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from chainrule import MLPClassifier

DATASETS = {
    "digits": lambda: load_digits(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "make_classification": lambda: make_classification(
        1500, 20, n_informative=10, n_classes=3, random_state=0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="sklearn_estimators.png")
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = dict(hidden_layer_sizes=(64,), activation="relu", solver="adam",
                  learning_rate_init=1e-3, alpha=1e-4, batch_size=64, max_iter=args.epochs,
                  random_state=args.seed)
    print("configuration:", ", ".join(f"{k}={v}" for k, v in config.items()))
    print(f"{'data set':<22}{'chainrule':>10}{'sklearn':>10}{'fit s (cr)':>12}{'fit s (sk)':>12}")
    curves = {}
    for name, load in DATASETS.items():
        X, y = load()
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
        row = []
        for Estimator in (MLPClassifier, SkMLPClassifier):
            model = make_pipeline(StandardScaler(), Estimator(**config))
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(Xtr, ytr)
            seconds = time.perf_counter() - start
            row.append((model.score(Xte, yte), seconds))
            curves.setdefault(name, []).append(model[-1].loss_curve_)
        (acc_cr, t_cr), (acc_sk, t_sk) = row
        print(f"{name:<22}{acc_cr:>10.4f}{acc_sk:>10.4f}{t_cr:>12.2f}{t_sk:>12.2f}")

    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.5, 3.2), dpi=80, layout="constrained")
    axes = fig.subplots(1, len(curves))
    for ax, (name, (ours, theirs)) in zip(axes, curves.items(), strict=True):
        ax.plot(np.arange(1, len(ours) + 1), ours, label="chainrule.MLPClassifier")
        ax.plot(np.arange(1, len(theirs) + 1), theirs, "--", label="sklearn MLPClassifier")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("training loss")
    axes[0].legend(fontsize=8)
    fig.suptitle("Same data, same configuration (adam, 64 ReLU units, alpha 1e-4)")
    fig.savefig(args.out)
    print(f"picture written to {args.out}")


if __name__ == "__main__":
    main()
