"""``chainrule importance``'s shuffled scores: the full forward pass against the path from
the first layer's net input (:mod:`chainrule._importance_first_layer`).

Two models of random weights, their inputs standardised as ``chainrule train`` records:
784-256-128-10 (relu, softmax) on 1,000 MNIST-shaped rows of random pixels 0..255, and
64-100-10 on scikit-learn's 1,797 digits; accuracy (the default) and log loss of each shuffle
(``permutation_scores``, one repeat), of every 8th pixel of the first (98 columns) and
every column of the second; and an MLPClassifier's file (``EstimatorModel``) of the
first's shape, fitted one epoch on those pixels / 255.  The two paths take turns, on one
BLAS thread; each figure is the median time per shuffled score of ``--reps`` runs (after
one not counted), and the ratio full / first layer.  The scores are checked first: the
largest relative difference.

    python benchmarks/bench_importance.py [--reps 7]
    python benchmarks/bench_overheads.py --only importance [--reps 7]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

import numpy as np
from bench_mlp import positive_int


def _case(sizes: list[int], X: np.ndarray, seed: int):
    import chainrule
    from chainrule.saved_model import SavedModel

    rng = np.random.default_rng(seed)
    net = chainrule.mlp(sizes, hidden="relu", output="softmax", seed=seed)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    labels = list(range(sizes[-1]))
    model = SavedModel(net, {"task": "classification", "labels": labels,
                             "x_mean": mean.tolist(), "x_scale": scale.tolist()})
    y = rng.integers(0, sizes[-1], len(X))
    return model, X, y


def _estimator_case(X: np.ndarray, seed: int):
    """An MLPClassifier 784-256-128-10 fitted one epoch on ``X`` (its file's model)."""
    import warnings

    from chainrule import MLPClassifier
    from chainrule.saved_model import EstimatorModel

    y = np.random.default_rng(seed).integers(0, 10, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: not converged
        est = MLPClassifier(hidden_layer_sizes=(256, 128), max_iter=1,
                            random_state=seed).fit(X, y)
    return EstimatorModel(est), X, y


def importance(reps: int) -> dict[tuple[str, str], tuple[float, float, float]]:
    """Per shuffled score, ms: ``{(case, score): (full pass, first layer, largest relative
    difference of the scores)}``."""
    from sklearn.datasets import load_digits
    from threadpoolctl import threadpool_limits

    from chainrule._cli_models_importance import _score
    from chainrule._cli_models_importance_shuffle import permutation_scores
    from chainrule._importance_first_layer import first_layer

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (1000, 784)).astype(float)
    cases = {
        "784-256-128-10, 1000 rows, 98 pixels": (
            _case([784, 256, 128, 10], pixels, 1), [np.array([j]) for j in range(0, 784, 8)]),
        "MLPClassifier file 784-256-128-10, 98 px": (
            _estimator_case(pixels / 255, 3), [np.array([j]) for j in range(0, 784, 8)]),
        "64-100-10, digits' 1797 rows, 64 columns": (
            _case([64, 100, 10], load_digits().data, 2), None)}
    out = {}
    with threadpool_limits(1):
        for (name, ((model, X, y), groups)), scoring in itertools.product(
                cases.items(), ("accuracy", "log_loss")):
            via = first_layer(model, X)
            assert via is not None

            def run(fast: bool, model=model, X=X, y=y, groups=groups, via=via,
                    scoring=scoring):
                def score(S, columns):
                    return _score(model, S, y, scoring, via=(
                        (lambda S: via(S, columns)) if fast and columns is not None else None))
                return permutation_scores(score, X, 1, 0, groups=groups, told=True)[1]

            full, ours = run(False), run(True)
            diff = float(np.max(np.abs(ours - full) / np.abs(full)))
            shuffles = full.size
            times: dict[bool, list[float]] = {False: [], True: []}
            for r in range(reps + 1):
                for fast in ((False, True) if r % 2 == 0 else (True, False)):
                    start = time.perf_counter()
                    run(fast)
                    if r:
                        times[fast].append((time.perf_counter() - start) / shuffles * 1e3)
            out[name, scoring] = (statistics.median(times[False]),
                                  statistics.median(times[True]), diff)
    return out


def report(reps: int) -> None:
    print(f"importance: ms per shuffled score, 1 BLAS thread, median of {reps}, "
          "full pass and first-layer path taking turns")
    for (name, scoring), (full, ours, diff) in importance(reps).items():
        print(f"  {name:<42} {scoring:<8} full {full:7.2f} ms, first layer {ours:6.2f} ms: "
              f"ratio {full / ours:5.2f} (scores: largest relative difference {diff:.2g})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=7)
    report(parser.parse_args().reps)
