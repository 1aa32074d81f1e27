"""``all_finite`` (chainrule._validation_arrays), the check of every X for NaN/inf: its
rule before perf32 (one BLAS dot of the whole array) against the rule now (one BLAS dot
per row of 8,192 entries, each on the calling thread), interleaved in one process.

Arrays of standard normals, 5,000 to 20,000,000 entries (100 columns from 50,000),
float64 and float32, C order, Fortran order and every second column (not contiguous).
Each figure is the median of ``--reps`` rounds (the two rules alternate within a round):
wall time and the calling thread's CPU time, in microseconds.  Run it with and without
``OPENBLAS_NUM_THREADS=1``: OpenBLAS runs a dot of more than 10,000 float64 entries on
its worker threads, whose wake-up on a busy machine is what the new rule avoids.  The
two rules' answers are checked equal on each array and on each with a NaN put in.

    python benchmarks/bench_finite.py [--reps 9]
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_finite.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from bench_mlp import positive_int


def before(arr: np.ndarray) -> bool:
    """The rule before perf32: ``np.dot`` of the whole flat array (BLAS threads and all)."""
    if arr.dtype.kind != "f":
        return True
    if arr.size <= 4096:
        return bool(np.logical_and.reduce(np.isfinite(arr), axis=None))
    with np.errstate(over="ignore", invalid="ignore"):
        if arr.dtype.char in "fd" and arr.flags.c_contiguous:
            flat = arr.reshape(-1)
            total = np.dot(flat, flat)
        else:
            total = np.add.reduce(arr, axis=None)
    return bool(np.isfinite(total)) or bool(np.all(np.isfinite(arr)))


def _arrays():
    rng = np.random.default_rng(0)
    for n in (5_000, 50_000, 1_000_000, 20_000_000):
        for dt in (np.float64, np.float32):
            base = rng.standard_normal(n).astype(dt).reshape(-1, 100 if n >= 50_000 else 50)
            name = np.dtype(dt).name
            yield f"{n:>10,} {name} C", base
            if n >= 50_000:
                yield f"{n:>10,} {name} F", np.asfortranarray(base)
                yield f"{n:>10,} {name} [:, ::2]", base[:, ::2]


def main() -> None:
    from chainrule._validation_arrays import all_finite

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=9)
    args = parser.parse_args()
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"load {os.getloadavg()[0]:.2f}; median of {args.reps}, microseconds (wall / thread CPU)")
    print(f"{'array':28s} {'before':>19s} {'now':>19s} {'now/before (CPU)':>17s}")
    for label, arr in _arrays():
        bad = arr.copy()
        bad.flat[bad.size // 2] = np.nan
        assert before(arr) == all_finite(arr) is True and before(bad) == all_finite(bad) is False
        inner = max(1, 2_000_000 // arr.size)
        times = {f: ([], []) for f in (before, all_finite)}
        for rep in range(args.reps):
            for f in ((before, all_finite) if rep % 2 else (all_finite, before)):
                t0, c0 = time.perf_counter(), time.thread_time()
                for _ in range(inner):
                    f(arr)
                times[f][0].append((time.perf_counter() - t0) / inner * 1e6)
                times[f][1].append((time.thread_time() - c0) / inner * 1e6)
        (bw, bc), (nw, nc) = ((statistics.median(w), statistics.median(c))
                              for w, c in times.values())
        print(f"{label:28s} {bw:9.1f} / {bc:7.1f} {nw:9.1f} / {nc:7.1f} {nc / bc:17.2f}",
              flush=True)
    print(f"load {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
