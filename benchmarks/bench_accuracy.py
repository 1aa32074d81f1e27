"""Accuracy parity of chainrule's MLPClassifier / MLPRegressor with scikit-learn's.

A practitioner's comparison rather than a step-by-step one: each data set is
split 75/25 (stratified for classification) and standardised by a
``StandardScaler`` fitted on the training part (so are the targets of diabetes
and ``make_regression``, whose scale is in the hundreds); then, for each setting, both
libraries' estimators are fitted with the same parameters and the same
``random_state`` (each draws its own initial weights and shuffling from it),
for several seeds (the seed also draws the split).  Reported per data set and
setting: the mean +- standard deviation over the seeds of the held-out score
(accuracy, or R^2 for regression) of each library, the difference of the means
in units of their pooled spread, the ratio of the median ``n_iter_``
(chainrule / scikit-learn), and with ``--details`` the final ``loss_`` and
``best_validation_score_`` (early stopping).  A difference within the seeds'
spread is no finding; one of the same sign on every data set is.

Data sets: iris, wine, breast_cancer, digits, diabetes (scikit-learn's bundled
ones), moons (noise 0.3), circles (noise 0.1, factor 0.5), three
``make_classification`` sets (2, 5 and 3 classes, informative / redundant mixes),
``make_regression`` and ``make_friedman1``.  Settings: the defaults (Adam),
SGD with and without (Nesterov's) momentum and each ``learning_rate``, L-BFGS,
early stopping, ``alpha`` 1e-2, ``batch_size`` 32, hidden layers (10,) and
(50, 50), tanh and logistic; ``max_iter`` is 200 (the default: some runs stop
on it with a ConvergenceWarning) except where the setting says otherwise.

From the same initial weights and validation rows the two libraries' runs agree
epoch for epoch (``tests/test_parity_sklearn.py``, ``tests/test_estimators.py``),
so what differs here is the start: both draw weights and biases uniform in
+-sqrt(6 / (fan_in + fan_out)) (scikit-learn factor 2 for logistic), from other
random numbers.  With ``bias_init="zeros"`` (chainrule's start before) circles
with tanh fell beyond the seeds' spread (0.536 +- 0.063 against 0.910 +- 0.070,
5 seeds): a tanh network with zero biases is odd in x plus a constant, which two
concentric circles leave at a saddle (loss ln 2, stopped by ``tol`` after about
30 epochs); with the default ``bias_init="uniform"`` 0.914 +- 0.073.

    python benchmarks/bench_accuracy.py [--quick] [--seeds 5] [--only iris wine ...]
                                        [--settings default sgd ...] [--details]

``--quick`` runs 3 seeds of 6 data sets x 6 settings (23 s of CPU, 46 s on a
busy two-core machine); the whole table, 5 seeds of 12 x 15, 3.8 minutes of CPU
(7 minutes there).  BLAS runs on ``--threads`` threads (default 1: the matrices are small,
and a shared machine gives steadier times), as in bench_mlp.py.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from bench_mlp import limit_threads, positive_int
from sklearn import datasets as skd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.preprocessing import StandardScaler

from chainrule.estimators import MLPClassifier, MLPRegressor


def _sets() -> dict:
    """name -> (loader(seed) -> (X, y), is_classification)."""
    def fixed(loader):
        return lambda seed: loader(return_X_y=True)

    return {
        "iris": (fixed(skd.load_iris), True),
        "wine": (fixed(skd.load_wine), True),
        "breast_cancer": (fixed(skd.load_breast_cancer), True),
        "digits": (fixed(skd.load_digits), True),
        "moons": (lambda s: skd.make_moons(400, noise=0.3, random_state=s), True),
        "circles": (lambda s: skd.make_circles(400, noise=0.1, factor=0.5, random_state=s),
                    True),
        "clf_2c_inf": (lambda s: skd.make_classification(
            600, 20, n_informative=10, n_redundant=2, n_classes=2, random_state=s), True),
        "clf_5c_inf": (lambda s: skd.make_classification(
            600, 20, n_informative=8, n_redundant=4, n_classes=5, n_clusters_per_class=1,
            random_state=s), True),
        "clf_3c_red": (lambda s: skd.make_classification(
            600, 20, n_informative=3, n_redundant=10, n_classes=3, n_clusters_per_class=1,
            flip_y=0.05, random_state=s), True),
        "diabetes": (fixed(skd.load_diabetes), False),
        "regression": (lambda s: skd.make_regression(500, 10, n_informative=6, noise=10.0,
                                                     random_state=s), False),
        "friedman1": (lambda s: skd.make_friedman1(500, noise=1.0, random_state=s), False),
    }


SETTINGS = {
    "default": {},
    "sgd": dict(solver="sgd"),
    "sgd_no_momentum": dict(solver="sgd", momentum=0.0),
    "sgd_classic": dict(solver="sgd", nesterovs_momentum=False),
    "sgd_invscaling": dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.05),
    "sgd_adaptive": dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.01),
    "lbfgs": dict(solver="lbfgs"),
    "early_stopping": dict(early_stopping=True),
    "early_sgd": dict(solver="sgd", early_stopping=True, learning_rate_init=0.01),
    "alpha_1e-2": dict(alpha=1e-2),
    "batch_32": dict(batch_size=32),
    "small_10": dict(hidden_layer_sizes=(10,), max_iter=50),
    "deep_50x50": dict(hidden_layer_sizes=(50, 50), max_iter=400),
    "tanh": dict(activation="tanh"),
    "logistic": dict(activation="logistic", max_iter=400),
}
QUICK_SETS = ["iris", "breast_cancer", "moons", "clf_5c_inf", "diabetes", "friedman1"]
QUICK_SETTINGS = ["default", "sgd", "sgd_adaptive", "lbfgs", "early_stopping", "logistic"]


def split(X: np.ndarray, y: np.ndarray, seed: int, classification: bool):
    """75/25 split (stratified for classification), scaled by the training part."""
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed,
                                          stratify=y if classification else None)
    if not classification and y.std() > 10:  # make_regression, diabetes: targets near 1
        scale = StandardScaler().fit(ytr[:, None])
        ytr, yte = (scale.transform(v[:, None]).ravel() for v in (ytr, yte))
    scaler = StandardScaler().fit(Xtr)
    return scaler.transform(Xtr), scaler.transform(Xte), ytr, yte


def run_one(lib: str, classification: bool, params: dict, data, seed: int) -> dict:
    """Fit one estimator; its test score, n_iter_, loss_, best_validation_score_, seconds."""
    Xtr, Xte, ytr, yte = data
    cls = {("chainrule", True): MLPClassifier, ("chainrule", False): MLPRegressor,
           ("scikit-learn", True): SkClassifier, ("scikit-learn", False): SkRegressor}
    est = cls[lib, classification](random_state=seed, **params)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est.fit(Xtr, ytr)
    return {"score": float(est.score(Xte, yte)), "n_iter": int(est.n_iter_),
            "loss": float(est.loss_),
            "best_val": getattr(est, "best_validation_score_", None),
            "warned": any(issubclass(w.category, ConvergenceWarning) for w in caught),
            "seconds": time.perf_counter() - t0}


def compare(set_name: str, setting: str, seeds: list[int]) -> dict:
    """Both libraries on one data set and setting, for each seed (interleaved)."""
    loader, classification = _sets()[set_name]
    runs: dict[str, list[dict]] = {"chainrule": [], "scikit-learn": []}
    for seed in seeds:
        X, y = loader(seed)
        data = split(X, y, seed, classification)
        for lib in runs if seed % 2 == 0 else list(runs)[::-1]:
            runs[lib].append(run_one(lib, classification, SETTINGS[setting], data, seed))
    return runs


def stats(runs: list[dict], key: str) -> tuple[float, float]:
    values = [r[key] for r in runs if r[key] is not None]
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def row(set_name: str, setting: str, runs: dict, details: bool) -> tuple[str, float]:
    """The table's line, and the difference of the mean scores in pooled stds."""
    (m1, s1), (m2, s2) = stats(runs["chainrule"], "score"), stats(runs["scikit-learn"], "score")
    spread = max(np.hypot(s1, s2) / np.sqrt(2), 1e-3)  # the pooled std of one seed's score
    it1 = statistics.median(r["n_iter"] for r in runs["chainrule"])
    it2 = statistics.median(r["n_iter"] for r in runs["scikit-learn"])
    warned = [sum(r["warned"] for r in runs[lib]) for lib in runs]
    text = (f"{set_name:<14} {setting:<16} {m1:7.4f} +- {s1:6.4f}  {m2:7.4f} +- {s2:6.4f}  "
            f"{(m1 - m2) / spread:+6.2f}  {it1:6.0f} {it2:6.0f} {it1 / max(it2, 1):5.2f}  "
            f"{warned[0]}/{warned[1]}")
    if details:
        (l1, _), (l2, _) = stats(runs["chainrule"], "loss"), stats(runs["scikit-learn"], "loss")
        (b1, _), (b2, _) = (stats(runs["chainrule"], "best_val"),
                            stats(runs["scikit-learn"], "best_val"))
        text += f"  loss {l1:.4g} / {l2:.4g}"
        if not np.isnan(b1):
            text += f"  best_val {b1:.4f} / {b2:.4f}"
    return text, (m1 - m2) / spread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"3 seeds of {QUICK_SETS} x {QUICK_SETTINGS}")
    parser.add_argument("--seeds", type=positive_int, default=None,
                        help="seeds 0 .. N-1, N >= 2 (default 5; 3 with --quick)")
    parser.add_argument("--threads", type=positive_int, default=1)
    parser.add_argument("--only", nargs="+", choices=list(_sets()), metavar="SET",
                        help=f"these data sets, of {list(_sets())}")
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), metavar="SETTING",
                        help=f"these settings, of {list(SETTINGS)}")
    parser.add_argument("--details", action="store_true", help="also the mean loss_ and "
                        "best_validation_score_ (early stopping) of each library")
    args = parser.parse_args()
    if args.seeds is not None and args.seeds < 2:  # one score per library has no spread
        parser.error(f"--seeds: the difference is in units of the scores' spread over the "
                     f"seeds, which needs 2 seeds at least, got {args.seeds}")
    limit_threads(args.threads, peers=("scikit-learn",))
    names = args.only or (QUICK_SETS if args.quick else list(_sets()))
    settings = args.settings or (QUICK_SETTINGS if args.quick else list(SETTINGS))
    seeds = list(range(args.seeds or (3 if args.quick else 5)))
    print(f"{len(seeds)} seeds; score: test accuracy (classification) or R^2; "
          "diff: (chainrule - scikit-learn) mean / pooled std; n_iter_: medians and ratio; "
          "warned: runs with a ConvergenceWarning (chainrule/scikit-learn)")
    print(f"{'data set':<14} {'setting':<16} {'chainrule':>17}  {'scikit-learn':>17}  "
          f"{'diff':>6}  {'n_iter_':>6} {'(sk)':>6} {'ratio':>5}  warned")
    diffs = []
    for setting in settings:
        for name in names:
            runs = compare(name, setting, seeds)
            line, diff = row(name, setting, runs, args.details)
            diffs.append(diff)
            print(line, flush=True)
    print(f"median diff over {len(diffs)} rows: {statistics.median(diffs):+.2f} pooled std; "
          f"rows with |diff| > 2: {sum(abs(d) > 2 for d in diffs)}")


if __name__ == "__main__":
    main()
