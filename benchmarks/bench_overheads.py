"""Fixed costs a user pays whatever the data: importing, starting the command line.

* ``import``: ``import chainrule`` in a fresh interpreter, as ``python -X
  importtime`` counts it (cumulative microseconds of the ``chainrule`` line),
  and the wall time of ``chainrule --version``, ``chainrule --help`` and
  ``chainrule trace --preset transfer-example`` (each a fresh process).
* ``partial_fit``: time per ``partial_fit`` call of chainrule's and scikit-learn's
  MLPClassifier (hidden 100, adam) on 10 rows of the digits at a time (100
  calls per run), on one batch of 64 rows at a time (64-100-10, adam and sgd,
  ``classes`` on the first call only, 25 calls per run after it), and per ``fit``
  call with ``warm_start=True, max_iter=1`` on 200 rows (20 calls per run), on
  one BLAS thread, the two libraries taking turns.

Each figure is the median of ``--reps`` runs.

    python benchmarks/bench_overheads.py [--only import|partial_fit]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from bench_mlp import positive_int

COMMANDS = {
    "chainrule --version": ["--version"],
    "chainrule --help": ["--help"],
    "chainrule trace --preset transfer-example": ["trace", "--preset", "transfer-example"],
}


def _import_ms(env: dict) -> float:
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import chainrule"],
                         env=env, capture_output=True, text=True, check=True).stderr
    line = [row for row in err.splitlines() if row.rstrip().endswith("| chainrule")][-1]
    return int(line.split("|")[1]) / 1e3


def _command_ms(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "chainrule", *args], env=env, capture_output=True,
                   check=True)
    return (time.perf_counter() - start) * 1e3


def imports(reps: int) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    times: dict[str, list[float]] = {"import chainrule (importtime)": []}
    times.update({name: [] for name in COMMANDS})
    for _ in range(reps):
        times["import chainrule (importtime)"].append(_import_ms(env))
        for name, args in COMMANDS.items():
            times[name].append(_command_ms(args, env))
    return {name: statistics.median(ts) for name, ts in times.items()}


def small_calls(reps: int) -> dict[str, float]:
    """Microseconds per partial_fit / warm-start fit call, chainrule and scikit-learn."""
    import warnings

    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier as SK
    from threadpoolctl import threadpool_limits

    import chainrule

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    classes = np.unique(y)

    def partial(cls: type) -> float:
        model = cls((100,), random_state=0)
        start = time.perf_counter()
        for s in range(0, 1000, 10):
            model.partial_fit(X[s:s + 10], y[s:s + 10], classes=classes)
        return (time.perf_counter() - start) / 100

    def batches(cls: type, solver: str) -> float:
        model = cls((100,), solver=solver, random_state=0)
        model.partial_fit(X[:64], y[:64], classes=classes)
        start = time.perf_counter()
        for s in range(64, 64 * 26, 64):
            model.partial_fit(X[s:s + 64], y[s:s + 64])
        return (time.perf_counter() - start) / 25

    def warm(cls: type) -> float:
        model = cls((100,), random_state=0, warm_start=True, max_iter=1)
        start = time.perf_counter()
        for _ in range(20):
            model.fit(X[:200], y[:200])
        return (time.perf_counter() - start) / 20

    libs = {"chainrule": chainrule.MLPClassifier, "scikit-learn": SK}
    times: dict[str, list[float]] = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(reps + 1):  # the first round warms up and is not counted
            for lib in list(libs) if r % 2 == 0 else list(libs)[::-1]:
                for name, run in (("partial_fit, 10 rows", partial),
                                  ("partial_fit, 64 rows, adam", lambda c: batches(c, "adam")),
                                  ("partial_fit, 64 rows, sgd", lambda c: batches(c, "sgd")),
                                  ("warm-start fit, 200 rows", warm)):
                    dt = run(libs[lib])
                    if r:
                        times.setdefault(f"{name}: {lib}", []).append(dt * 1e6)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=5)
    parser.add_argument("--only", choices=["import", "partial_fit"])
    args = parser.parse_args()
    if args.only != "partial_fit":
        print(f"fresh processes, median of {args.reps}")
        for name, ms in imports(args.reps).items():
            print(f"  {name:<44} {ms:7.0f} ms")
    if args.only != "import":
        print(f"time per call, 1 BLAS thread, median of {args.reps}")
        for name, us in small_calls(args.reps).items():
            print(f"  {name:<44} {us:7.0f} us")


if __name__ == "__main__":
    main()
