"""The divergence guard's finiteness check, alone, inside a real epoch of issue 4's (1).

Each step of one ``train`` epoch (784-256-128-10, batch 128, SGD momentum 0.9, on the
first ``--rows`` rows of bench_mlp's MNIST-shaped data) calls both the guard's check
(``_params_finite``: past 8,192 float64 parameters, BLAS dots of 8,192 entries on the
calling thread) and the one BLAS dot of the whole vector it replaced, in alternating
order, timing each (wall and thread CPU); the loop goes on with the guard's answer,
so the run's numbers are unchanged.  ``--threads default`` leaves BLAS the machine's
own thread count (OpenBLAS hands a float64 dot of more than 10,000 entries to its
worker threads; float32's sdot is not threaded).

    python benchmarks/bench_guard.py --dtype float64 --threads default [--rows 25600]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

import numpy as np
from bench_mlp import MNIST, mnist_like, positive_int
from threadpoolctl import threadpool_limits

import chainrule as cr
from chainrule import _training_guards, _training_replay, _training_step


def _one_dot(p: np.ndarray) -> bool:
    """The check before: one BLAS dot of the whole vector."""
    return math.isfinite(np.dot(p, p)) or bool(np.isfinite(p).all())


def measure(dtype: str, threads: int | None, rows: int) -> dict[str, tuple[list, list]]:
    """{check: (wall times, thread CPU times)} per step of one epoch."""
    checks = {"guard": _training_guards._params_finite, "one dot": _one_dot}
    times: dict[str, tuple[list, list]] = {name: ([], []) for name in checks}
    calls = [0]

    def both(p: np.ndarray) -> bool:
        order = list(checks) if calls[0] % 2 == 0 else list(checks)[::-1]
        calls[0] += 1
        for name in order:
            cpu, wall = time.thread_time(), time.perf_counter()
            answer = checks[name](p)
            times[name][0].append(time.perf_counter() - wall)
            times[name][1].append(time.thread_time() - cpu)
            if name == "guard":
                kept = answer
        return kept

    X, y = mnist_like(rows)
    X = X.astype(dtype, copy=False)
    net = cr.mlp(MNIST["sizes"], hidden="relu", output="softmax", seed=0, dtype=X.dtype)
    saved = _training_step._params_finite, _training_replay._params_finite
    _training_step._params_finite = _training_replay._params_finite = both
    try:
        with threadpool_limits(threads):
            cr.train(net, X, y, optimizer="sgd", lr=MNIST["lr"], momentum=MNIST["momentum"],
                     batch_size=MNIST["batch"], epochs=1, seed=0)
    finally:
        _training_step._params_finite, _training_replay._params_finite = saved
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    parser.add_argument("--threads", default=None, help="BLAS threads, or 'default'",
                        type=lambda text: None if text == "default" else positive_int(text))
    parser.add_argument("--rows", type=positive_int, default=25_600)
    args = parser.parse_args()
    times = measure(args.dtype, args.threads, args.rows)
    steps = len(times["guard"][0])
    print(f"(1) {args.dtype}, {args.threads or 'default'} BLAS thread(s), {steps} steps, "
          f"load {os.getloadavg()[0]:.1f}: medians per step")
    for name, (wall, cpu) in times.items():
        print(f"  {name:<8} wall {statistics.median(wall) * 1e6:9.1f} us, thread CPU "
              f"{statistics.median(cpu) * 1e6:8.1f} us (sums {sum(wall) * 1e3:.1f} / "
              f"{sum(cpu) * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
