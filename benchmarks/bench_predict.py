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

    python benchmarks/bench_predict.py
    python benchmarks/bench_predict.py --blocks 0.25 1 2 4 8 16 0
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


def _memory(model, X: np.ndarray) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    labels = model.predict(X)
    del labels
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 2**20, (held - base) / 2**20


def _time(model, X: np.ndarray) -> float:
    t = time.perf_counter()
    model.predict(X)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=positive_int, default=200_000)
    parser.add_argument("--width", type=positive_int, default=100)
    parser.add_argument("--hidden", type=positive_int, default=100)
    parser.add_argument("--reps", type=positive_int, default=7)
    parser.add_argument("--blocks", type=block_mib, nargs="*", default=[])
    args = parser.parse_args()
    from chainrule import _mlp_base

    ours, theirs, X = _models(args.rows, args.width, args.hidden)
    default = getattr(_mlp_base, "_EVAL_BLOCK_BYTES", None)  # None: a version without blocks
    blocks = {"chainrule": default}
    for mib in args.blocks:
        blocks[f"chainrule block {mib:g} MiB" if mib else "chainrule one block"] = (
            int(mib * 2**20) if mib else 2**62)
    with threadpool_limits(1):
        print(f"predict {args.rows} x {args.width} float64 ({X.nbytes / 2**20:.0f} MiB), "
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
