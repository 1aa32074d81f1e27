"""Reading a large CSV file: chainrule's ``read_data`` against NumPy's and pandas' readers.

The file is MNIST-shaped, as the CSV copies of MNIST are written: a header
(``label, 1x1, 1x2, ..., 28x28``), then 60,000 rows of a label 0-9 and 784
pixels 0-255, four in five of them 0 (about 110 MB; ``--quick``: 5,000 rows).
It is written to a temporary folder and removed afterwards.

  read:    seconds to read the file into float64 features and the labels:
           ``chainrule.tabular.read_data(path, target="label")``, against
           ``np.loadtxt(path, delimiter=",", skiprows=1)`` (NumPy's C parser,
           every column as float64) and, where pandas is installed,
           ``pandas.read_csv(path)``.
  memory:  the peak of Python's and NumPy's allocations (tracemalloc) during
           one read of each, the result included (the float64 pixels alone are
           60,000 x 784 x 8 bytes, 376 MB).

Reads are interleaved (chainrule, peer, peer, chainrule, ...) over several
repetitions after one warm-up; each reports the median, the min-max and the
ratio of medians chainrule / peer (below 1: chainrule is faster).

    python benchmarks/bench_csv.py [--repeats 5] [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import tracemalloc
from collections.abc import Callable

import numpy as np
from bench_mlp import interleave, print_summary, summary

from chainrule.tabular import read_data


def write_mnist_csv(path: str, n: int, seed: int = 0) -> None:
    """An MNIST-shaped CSV file of ``n`` rows at ``path`` (label first, then 784 pixels)."""
    rng = np.random.default_rng(seed)
    header = ["label", *(f"{i}x{j}" for i in range(1, 29) for j in range(1, 29))]
    with open(path, "w", newline="") as fh:
        fh.write(",".join(header) + "\n")
        for start in range(0, n, 5000):
            m = min(5000, n - start)
            pixels = rng.integers(1, 256, size=(m, 784)) * (rng.random((m, 784)) < 0.2)
            rows = np.column_stack([rng.integers(0, 10, size=m), pixels])
            fh.write("".join(",".join(map(str, row)) + "\n" for row in rows.tolist()))


def readers(path: str) -> dict[str, Callable[[int], object]]:
    """The readers timed, each a function of the repetition (unused)."""
    fns: dict[str, Callable[[int], object]] = {
        "chainrule": lambda rep: read_data(path, target="label"),
        "np.loadtxt": lambda rep: np.loadtxt(path, delimiter=",", skiprows=1),
    }
    try:
        import pandas
    except ImportError:
        return fns
    fns["pandas.read_csv"] = lambda rep: pandas.read_csv(path)
    return fns


def peak_memory(fn: Callable[[int], object]) -> int:
    """Peak bytes traced (tracemalloc) during one call of ``fn``, its result included."""
    tracemalloc.start()
    try:
        fn(0)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="5,000 rows, 3 repetitions")
    args = parser.parse_args(argv)
    n, repeats = (5000, min(args.repeats, 3)) if args.quick else (60_000, args.repeats)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mnist.csv")
        write_mnist_csv(path, n)
        size = os.path.getsize(path) / 1e6
        fns = readers(path)
        res = summary(interleave(fns, repeats))
        print_summary(f"read: {n:,} x 785 CSV ({size:.0f} MB), {repeats} repetitions", res)
        peaks = {name: peak_memory(fn) for name, fn in fns.items()}
    print("memory: peak of one read (tracemalloc)")
    for name, peak in peaks.items():
        ratio = (f"   chainrule / {name}: {peaks['chainrule'] / peak:.2f}"
                 if name != "chainrule" else "")
        print(f"  {name:<22} {peak / 2**20:9.1f} MiB{ratio}")
    return {"read": res, "memory": peaks}


if __name__ == "__main__":
    main()
