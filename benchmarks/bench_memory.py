"""Peak memory of one MNIST-shaped training epoch, each implementation in its own process.

Each implementation runs in a fresh Python process (``--impl``), which builds the
60,000 x 784 float32 data set of ``bench_mlp.py``, then resets the kernel's
peak-RSS counter and trains one epoch (784-256-128-10 ReLU, batch 128, SGD
with momentum 0.9).  Reported, in MiB:

* ``peak``: the process's peak resident memory during the epoch (libraries,
  data and training together);
* ``above data``: that peak minus the resident memory just before training,
  i.e. what training itself adds on top of the data (the 184 MiB input array)
  and the imported libraries.

Each implementation's network and optimizer state are built during the
measured epoch, so that all three count them.  Before the baseline, each first
trains one epoch of a tiny network on a few rows, so that the modules a library
imports on first use count as imported libraries, not as training: PyTorch's
first optimizer step imports about 800 modules (82 MiB), which "above data"
counted as training until 2026-12-04 (86 MiB, 7 of them training).
``imported_during_run`` reports how many modules the measured epoch still
imported (0 expected).  chainrule also reports whether
the float32 input was used as it is: a float64 copy would add twice the data's
size (368 MiB) to what training adds.

    python benchmarks/bench_memory.py                  # all, one process each
    python benchmarks/bench_memory.py --impl chainrule # one, in this process
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable

from bench_mlp import positive_int

IMPLS = ("chainrule", "scikit-learn", "pytorch")


def _rss_mib(field: str) -> float:
    """VmRSS (current) or VmHWM (peak) of this process from /proc, in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process; False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(impl: str, threads: int, n: int | None = None) -> dict:
    """One epoch of ``impl`` on the first ``n`` rows of the MNIST-shaped data (all by default)."""
    import numpy as np
    from bench_mlp import (
        MNIST,
        chainrule_epoch,
        chainrule_net,
        limit_threads,
        mnist_like,
        sklearn_epoch,
        torch_epoch,
        torch_model,
    )

    limit_threads(threads, peers=(impl,))  # only this implementation's libraries

    def epoch(X: np.ndarray, y: np.ndarray, cfg: dict) -> Callable[[], float]:
        # each implementation's network (weights, optimizer state) is built inside the
        # call, as scikit-learn's fit builds its own: "above data" counts it for all three
        if impl == "chainrule":
            return lambda: chainrule_epoch(chainrule_net(cfg["sizes"], X.dtype), X, y, cfg, 1)
        if impl == "scikit-learn":
            return lambda: sklearn_epoch(X, y, cfg, 1)
        import torch

        Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        return lambda: torch_epoch(torch_model(chainrule_net(cfg["sizes"], X.dtype)), Xt, yt,
                                   cfg, 1)

    # a tiny run first, so that what a library imports on its first use (PyTorch's first
    # optimizer step: about 800 modules, 82 MiB) is loaded before the baseline, as the
    # libraries imported up front are, and "above data" is what training itself adds;
    # tiny arrays (16 x 8, batches of 8), so that it leaves no freed blocks of the
    # measured run's sizes for the allocator to hand that run again
    tiny = dict(MNIST, sizes=[8, 3, MNIST["sizes"][-1]], batch=8)
    epoch(np.random.default_rng(1).random((16, 8), dtype=np.float32),
          np.arange(16) % tiny["sizes"][-1], tiny)()
    X, y = mnist_like() if n is None else mnist_like(n)
    run = epoch(X, y, MNIST)
    modules = set(sys.modules)
    before = _rss_mib("VmRSS")
    reset = _reset_peak()
    loss = run()
    peak = _rss_mib("VmHWM")
    out = {"impl": impl, "peak_mib": peak, "above_data_mib": peak - before,
           "before_mib": before, "peak_reset": reset, "epoch_loss": float(loss),
           "imported_during_run": len(set(sys.modules) - modules)}
    if impl == "chainrule":
        # a copy of the data in float64 would add twice the data's size to the peak
        out["float32_input_not_copied"] = bool(peak - before < X.nbytes / 2**20)
    return out


def run_all(threads: int = 1) -> list[dict]:
    """Each implementation in its own subprocess; the list of their reports."""
    here = os.path.dirname(os.path.abspath(__file__))
    results = []
    for impl in IMPLS:
        if impl == "pytorch":
            try:
                import torch  # noqa: F401
            except ImportError:
                continue
        proc = subprocess.run(
            [sys.executable, os.path.join(here, "bench_memory.py"), "--impl", impl,
             "--threads", str(threads)],
            capture_output=True, text=True, check=True, cwd=here)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return results


def print_results(results: list[dict]) -> None:
    print("(5) peak memory of one MNIST-shaped epoch, each implementation in its own process")
    for r in results:
        extra = ""
        if "float32_input_not_copied" in r:
            extra = f"   float32 input used without a copy: {r['float32_input_not_copied']}"
        print(f"  {r['impl']:<14} peak {r['peak_mib']:7.0f} MiB   above data "
              f"{r['above_data_mib']:6.0f} MiB{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=IMPLS)
    parser.add_argument("--threads", type=positive_int, default=1)
    args = parser.parse_args()
    if args.impl:
        print(json.dumps(measure(args.impl, args.threads)))
    else:
        print_results(run_all(args.threads))


if __name__ == "__main__":
    main()
