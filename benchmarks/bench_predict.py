"""Prediction of a fitted MLPClassifier on many rows: time, peak and retained memory.

A classifier (hidden layer of 100 ReLU units, 5 classes) fitted briefly on 2,000
rows predicts 200,000 x 100 float64 rows (153 MiB).  chainrule and scikit-learn
are timed interleaved (``--reps`` rounds, order alternating, median reported) on
one BLAS thread; memory is measured with tracemalloc in a separate call per
library: ``peak`` is the most allocated during ``predict`` beyond what existed
before it, ``retained`` what is still allocated after it (and a garbage
collection) beyond that, the returned labels deleted.

``--blocks`` also times chainrule with other row-block sizes of its evaluation
(``chainrule._mlp_base._EVAL_BLOCK_BYTES``, in MiB; 0 means one block for all rows).

``--files`` times ``predict_proba`` of the classifier's network read back from its two
kinds of file instead: the estimator's own file (``MLPClassifier.save``, read by
``chainrule.load_estimator``) and a model file of ``chainrule train``'s kind (the same
network with a standardisation of mean 0 and scale 1, and the training rows' range, read
by ``chainrule.load_model``), beside scikit-learn's ``predict_proba`` with the same
weights; ``--dtype float32`` gives it float32 rows.  The three results are compared.

    python benchmarks/bench_predict.py
    python benchmarks/bench_predict.py --blocks 0.25 1 2 4 8 16 0
    python benchmarks/bench_predict.py --files --rows 10000 --width 784 --dtype float32
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from bench_mlp import positive_int
from threadpoolctl import threadpool_limits


def block_mib(text: str) -> float:
    """argparse type of ``--blocks``: a finite number of MiB >= 0 (0: one block)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a block size in MiB, a finite number >= 0 (0: one block), got {text!r}")
    return value


def _models(rows: int, width: int, hidden: int):
    from sklearn.neural_network import MLPClassifier as SK

    import chainrule

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, width))
    y = np.digitize(X[:, 0] + X[:, 1], [-1.0, -0.3, 0.3, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = chainrule.MLPClassifier((hidden,), max_iter=2, random_state=0).fit(X, y)
        theirs = SK((hidden,), max_iter=2, random_state=0).fit(X, y)
    return ours, theirs, rng.normal(size=(rows, width))


def _memory(model, X: np.ndarray, method: str = "predict") -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    labels = getattr(model, method)(X)
    del labels
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 2**20, (held - base) / 2**20


def _time(model, X: np.ndarray) -> float:
    t = time.perf_counter()
    model.predict(X)
    return time.perf_counter() - t


def _files(ours, theirs, X: np.ndarray, reps: int) -> None:
    """``--files``: predict_proba of the network read from each kind of file, and
    scikit-learn's of the same weights, interleaved (median of ``reps`` rounds)."""
    import os
    import tempfile

    import chainrule
    from chainrule._saved_model_range import training_range
    from chainrule.saved_model import SavedModel

    width = ours.n_features_in_
    theirs.coefs_ = [np.array(W) for W in ours.coefs_]  # the same weights in scikit-learn
    theirs.intercepts_ = [np.array(b) for b in ours.intercepts_]
    meta = {"task": "classification", "labels": ours.classes_.tolist(),
            "x_mean": [0.0] * width, "x_scale": [1.0] * width,  # (X - 0) / 1 is X exactly
            "x_range": training_range(X[:2000])}
    with tempfile.TemporaryDirectory() as tmp:
        ours.save(os.path.join(tmp, "estimator.npz"))
        SavedModel(ours.network_, meta).save(os.path.join(tmp, "model.npz"))
        models = {"model file (chainrule train)": chainrule.load_model(
                      os.path.join(tmp, "model.npz")),
                  "estimator file": chainrule.load_estimator(os.path.join(tmp, "estimator.npz")),
                  "scikit-learn": theirs}
    results = {name: m.predict_proba(X) for name, m in models.items()}
    first = results["estimator file"]
    for name, P in results.items():
        same = "bit for bit" if P.tobytes() == first.tobytes() else (
            f"max difference {np.max(np.abs(P - first)):.2g}")
        peak, held = _memory(models[name], X, "predict_proba")
        print(f"  {name:<30} peak {peak:7.1f} MiB   retained {held:6.1f} MiB   "
              f"{same} (against the estimator file)")
    times: dict[str, list[float]] = {name: [] for name in models}
    names = list(models)
    for r in range(reps + 1):  # the first round warms up and is not counted
        for name in names if r % 2 == 0 else names[::-1]:
            t = time.perf_counter()
            models[name].predict_proba(X)
            if r:
                times[name].append(time.perf_counter() - t)
    for name, ts in times.items():
        print(f"  {name:<30} median {statistics.median(ts) * 1e3:7.1f} ms   "
              f"[{min(ts) * 1e3:.1f}-{max(ts) * 1e3:.1f}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=positive_int, default=200_000)
    parser.add_argument("--width", type=positive_int, default=100)
    parser.add_argument("--hidden", type=positive_int, default=100)
    parser.add_argument("--reps", type=positive_int, default=7)
    parser.add_argument("--blocks", type=block_mib, nargs="*", default=[])
    parser.add_argument("--files", action="store_true",
                        help="predict_proba of the network read from each kind of file")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="the rows' dtype (the network stays float64)")
    args = parser.parse_args()
    from chainrule import _mlp_base

    ours, theirs, X = _models(args.rows, args.width, args.hidden)
    X = X.astype(args.dtype)
    if args.files:
        with threadpool_limits(1):
            print(f"predict_proba {args.rows} x {args.width} {args.dtype} "
                  f"({X.nbytes / 2**20:.0f} MiB), hidden {args.hidden}, 1 BLAS thread")
            _files(ours, theirs, X, args.reps)
        return
    default = getattr(_mlp_base, "_EVAL_BLOCK_BYTES", None)  # None: a version without blocks
    blocks = {"chainrule": default}
    for mib in args.blocks:
        blocks[f"chainrule block {mib:g} MiB" if mib else "chainrule one block"] = (
            int(mib * 2**20) if mib else 2**62)
    with threadpool_limits(1):
        print(f"predict {args.rows} x {args.width} {args.dtype} ({X.nbytes / 2**20:.0f} MiB), "
              f"hidden {args.hidden}, 1 BLAS thread")
        for name, size in blocks.items():
            _mlp_base._EVAL_BLOCK_BYTES = size
            peak, held = _memory(ours, X)
            print(f"  {name:<28} peak {peak:7.1f} MiB   retained {held:6.1f} MiB")
        _mlp_base._EVAL_BLOCK_BYTES = default
        peak, held = _memory(theirs, X)
        print(f"  {'scikit-learn':<28} peak {peak:7.1f} MiB   retained {held:6.1f} MiB")
        times: dict[str, list[float]] = {name: [] for name in [*blocks, "scikit-learn"]}
        runs = [(name, ours, size) for name, size in blocks.items()] + [
            ("scikit-learn", theirs, default)]
        for r in range(args.reps + 1):  # the first round warms up and is not counted
            for name, model, size in runs if r % 2 == 0 else runs[::-1]:
                _mlp_base._EVAL_BLOCK_BYTES = size
                dt = _time(model, X)
                if r:
                    times[name].append(dt)
        _mlp_base._EVAL_BLOCK_BYTES = default
        for name, ts in times.items():
            print(f"  {name:<28} median {statistics.median(ts) * 1e3:7.1f} ms   "
                  f"[{min(ts) * 1e3:.1f}-{max(ts) * 1e3:.1f}]")


if __name__ == "__main__":
    main()
