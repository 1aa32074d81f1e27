"""chainrule's MLP estimators against scikit-learn's on sparse input (CPU, one thread).

Three fits, as a practitioner's review timed them:

  csr:      a random CSR matrix, 20,000 x 2,000 at 1 % density (float64), 5
            classes from a fixed random linear map of the rows.
  tfidf:    TfidfVectorizer on 5,000 synthetic documents (60 words each from a
            Zipf-distributed vocabulary of 20,000 words; the class shifts the
            word frequencies), then the MLP.
  hashing:  HashingVectorizer (2**16 features, alternate_sign off) on the same
            documents, then the MLP.

Both libraries fit ``MLPClassifier`` with the same settings: one hidden layer of
100 ReLU units, ``solver`` (default adam), batch 200, ``max_iter`` epochs
(``tol=0``: no early end), ``random_state=0``.  The vectorizers run once,
outside the timing.  The fits are interleaved (chainrule, scikit-learn,
scikit-learn, chainrule, ...) over ``--repeats`` rounds after one warm-up
round, on one BLAS thread; each row reports the median, the min-max, and the
ratio of medians chainrule / scikit-learn (below 1: chainrule is faster).
With ``--predict`` the rows time ``predict_proba`` of the two fitted classifiers on
the training rows instead of the fits (each library fitted once, untimed).

    python benchmarks/bench_sparse.py [--repeats 3] [--max-iter 10] [--solver adam]
                                      [--only csr tfidf hashing] [--predict]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
from bench_mlp import positive_int
from threadpoolctl import threadpool_limits

CASES = ("csr", "tfidf", "hashing")


def random_csr(n: int = 20_000, width: int = 2_000, density: float = 0.01,
               classes: int = 5, seed: int = 0):
    """The "csr" case: a random CSR matrix and class labels of shape (n,)."""
    import scipy.sparse

    rng = np.random.default_rng(seed)
    X = scipy.sparse.random(n, width, density=density, format="csr", random_state=seed,
                            dtype=np.float64)
    y = np.asarray(X @ rng.normal(size=(width, classes))).argmax(axis=1)
    return X, y


def documents(n: int = 5_000, words: int = 60, vocabulary: int = 20_000,
              classes: int = 4, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Synthetic documents (space-separated words ``w<i>``) and their classes (n,)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    ranks = np.arange(1, vocabulary + 1, dtype=np.float64)
    base = 1.0 / ranks  # Zipf's law
    docs = []
    for label in y:
        p = base.copy()
        p[label::classes] *= 3.0  # each class uses its own words more often
        p /= p.sum()
        docs.append(" ".join(f"w{i}" for i in rng.choice(vocabulary, size=words, p=p)))
    return docs, y


def case_data(name: str):
    """``(X, y)`` of one case, the vectorizer (if any) already applied."""
    if name == "csr":
        return random_csr()
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer

    docs, y = documents()
    if name == "tfidf":
        return TfidfVectorizer().fit_transform(docs), y
    return HashingVectorizer(n_features=2**16, alternate_sign=False).fit_transform(docs), y


def fitters(X, y, solver: str, max_iter: int) -> dict[str, Callable[[], object]]:
    """One fit per library, with the same settings."""
    from sklearn.neural_network import MLPClassifier as SkMLP

    import chainrule

    kw = dict(hidden_layer_sizes=(100,), solver=solver, batch_size=200, max_iter=max_iter,
              tol=0.0, random_state=0)
    return {"chainrule": lambda: chainrule.MLPClassifier(**kw).fit(X, y),
            "scikit-learn": lambda: SkMLP(**kw).fit(X, y)}


def predictors(X, y, solver: str, max_iter: int) -> dict[str, Callable[[], object]]:
    """``predict_proba`` of X by each library's classifier, fitted once here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short runs
        fitted = {lib: fit() for lib, fit in fitters(X, y, solver, max_iter).items()}
    return {lib: (lambda est=est: est.predict_proba(X)) for lib, est in fitted.items()}


def bench_case(name: str, repeats: int, solver: str, max_iter: int,
               predict: bool = False) -> dict[str, list[float]]:
    """Seconds per fit (or ``predict``: per predict_proba) of each library, interleaved,
    the warm-up round dropped."""
    X, y = case_data(name)
    fits = (predictors if predict else fitters)(X, y, solver, max_iter)
    times: dict[str, list[float]] = {k: [] for k in fits}
    order = list(fits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short runs
        for r in range(repeats + 1):
            for lib in order if r % 2 == 0 else order[::-1]:
                t = time.perf_counter()
                fits[lib]()
                if r:
                    times[lib].append(time.perf_counter() - t)
    print(f"{name}: X {X.shape[0]} x {X.shape[1]}, {X.nnz / np.prod(X.shape):.2%} nonzero, "
          f"solver={solver}, max_iter={max_iter}{', predict_proba' if predict else ''}")
    for lib, ts in times.items():
        print(f"  {lib:<14} median {statistics.median(ts):7.3f} s   "
              f"[{min(ts):.3f}-{max(ts):.3f}]")
    ratio = statistics.median(times["chainrule"]) / statistics.median(times["scikit-learn"])
    print(f"  ratio chainrule / scikit-learn: {ratio:.2f}", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=3)
    parser.add_argument("--max-iter", type=positive_int, default=10)
    parser.add_argument("--solver", choices=["adam", "sgd", "lbfgs"], default="adam")
    parser.add_argument("--only", nargs="*", choices=CASES, default=list(CASES))
    parser.add_argument("--predict", action="store_true",
                        help="time predict_proba of the fitted classifiers, not the fits")
    args = parser.parse_args()
    with threadpool_limits(1):
        for name in args.only:
            bench_case(name, args.repeats, args.solver, args.max_iter, args.predict)


if __name__ == "__main__":
    main()
