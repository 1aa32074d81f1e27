"""Run every MLP benchmark and write ``benchmarks/RESULTS.md`` (machine, versions, figures).

    python benchmarks/run_all.py [--repeats 7] [--threads 1] [--out benchmarks/RESULTS.md]

Runs, in this order: (1) the MNIST-shaped epoch, interleaved with (4) the
GEMM-only epoch (the same run, so that (1) and (4) are read off the same
medians), (2) the digits epoch, (3) the full-batch cost and gradient, all with
``--threads`` threads for every library, then (1) and (4) again with every
library's default threads (what a user gets), from bench_mlp.py, then (5) peak
memory with each implementation in its own process (bench_memory.py),
and writes a Markdown report with the medians, min-max, ratios and the
targets of issue 4.  Figures depend on the machine and on how busy it is; the
report records the load average before and after.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_memory  # noqa: E402
import bench_mlp  # noqa: E402
import numpy as np  # noqa: E402

TARGETS = {  # (measurement, peer): largest ratio chainrule / peer the issue asks for
    ("mnist", "scikit-learn"): 0.6,
    ("mnist", "pytorch"): 0.65,
    ("mnist", "GEMM only"): 1.25,
    ("digits", "scikit-learn"): 0.5,
    ("fullbatch/digits", "scikit-learn"): 0.7,
    ("fullbatch/mnist", "scikit-learn"): 0.7,
}


def _torch_threads() -> int | None:
    """PyTorch's default number of threads (None without PyTorch)."""
    try:
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _blas_env() -> str:
    """The environment variables that choose BLAS kernels and threads (they change the figures)."""
    keys = sorted(k for k in os.environ
                  if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "GOTO", "BLIS_")))
    if not keys:
        return "none set (OpenBLAS picks its kernels for the CPU it finds)"
    return ", ".join(f"`{k}={os.environ[k]}`" for k in keys) + (
        " (`OPENBLAS_CORETYPE` forces those kernels instead of the ones OpenBLAS would pick "
        "for this CPU)" if "OPENBLAS_CORETYPE" in keys else "")


def _versions() -> list[str]:
    import scipy
    import sklearn

    out = [f"Python {platform.python_version()}", f"NumPy {np.__version__}",
           f"SciPy {scipy.__version__}", f"scikit-learn {sklearn.__version__}"]
    try:
        import torch

        out.append(f"PyTorch {torch.__version__}")
    except ImportError:
        out.append("PyTorch not installed (its columns are left out)")
    return out


def _fmt(seconds: float, unit: str) -> str:
    return f"{seconds * 1e3:.2f} ms" if unit == "ms" else f"{seconds:.3f} s"


def _table(key: str, res: dict, unit: str) -> list[str]:
    lines = ["| implementation | median | min - max | chainrule / this (medians) | target | met "
             "| chainrule / this (minima) |",
             "|---|---:|---:|---:|---:|:---:|---:|"]
    for name, v in res.items():
        ratio = target = met = ratio_min = ""
        if "ratio" in v:
            ratio, ratio_min = f"{v['ratio']:.2f}", f"{v['ratio_min']:.2f}"
            t = TARGETS.get((key, name))
            if t is not None:
                target, met = f"<= {t}", "yes" if v["ratio"] <= t else "**no**"
        lines.append(f"| {name} | {_fmt(v['median'], unit)} | {_fmt(v['min'], unit)} - "
                     f"{_fmt(v['max'], unit)} | {ratio} | {target} | {met} | {ratio_min} |")
    return lines


def _floor(res: dict) -> list[str]:
    """What the peer targets of (1) ask for, measured against the GEMM-only epoch of the run.

    An epoch cannot take less time than its matrix products: a target time below
    the GEMM-only median is out of reach for any implementation of the same
    products on this machine, however little else it does.
    """
    gemm = res.get("GEMM only")
    if gemm is None:
        return []
    lines = ["Each epoch against the time of its matrix products alone (the `GEMM only` row,",
             "the same products in the same run):", ""]
    for name, v in res.items():
        if name != "GEMM only":
            lines.append(f"* {name}: {v['median'] / gemm['median']:.2f} x the GEMM-only time")
    for name in ("scikit-learn", "pytorch"):
        t = TARGETS.get(("mnist", name))
        if name in res and t is not None:
            need = t * res[name]["median"]
            ours = res["chainrule"]["median"] / gemm["median"]
            verdict = ("below the time of the products alone: out of reach for any "
                       "implementation of these products with this BLAS on one thread"
                       if need < gemm["median"] else
                       f"which leaves {need / gemm['median'] - 1:.0%} of the products' time "
                       f"for everything else (chainrule takes {ours - 1:.0%})")
            lines.append(f"* the target {t} x {name} asks for an epoch of {need:.3f} s = "
                         f"{need / gemm['median']:.2f} x the GEMM-only time, {verdict}")
    return [*lines, ""]


def _losses(res: dict) -> str:
    return ", ".join(f"{k} {v['epoch_loss']:.4f}" for k, v in res.items() if "epoch_loss" in v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args()

    torch_threads = _torch_threads()
    limiter = bench_mlp.limit_threads(args.threads)
    load0, t0 = os.getloadavg(), time.time()
    print(f"{args.threads} BLAS/PyTorch thread(s), {args.repeats} interleaved repetitions")
    mnist = bench_mlp.bench_mnist(args.repeats)
    digits = bench_mlp.bench_digits(args.repeats)
    full = bench_mlp.bench_fullbatch(args.repeats)
    # (1) once more as a user runs it: every library with its own default threads
    limiter.restore_original_limits()
    if torch_threads is not None:
        import torch

        torch.set_num_threads(torch_threads)
    default_pools = bench_mlp.blas_info()
    print("default threads: " + "; ".join(default_pools))
    mnist_default = bench_mlp.bench_mnist(args.repeats)
    bench_mlp.limit_threads(args.threads)
    memory = bench_memory.run_all(args.threads)
    bench_memory.print_results(memory)
    load1, minutes = os.getloadavg(), (time.time() - t0) / 60

    cmd = f"python benchmarks/run_all.py --repeats {args.repeats} --threads {args.threads}"
    lines = [
        "# Benchmarks: chainrule against scikit-learn and PyTorch (CPU)",
        "",
        f"Regenerate with `{cmd}` (this run took {minutes:.1f} min).",
        f"Each figure is the median of {args.repeats} interleaved repetitions",
        "(chainrule, peer, peer, chainrule, ...) after one warm-up; ratios are chainrule / peer",
        "(below 1: chainrule is faster), of the medians (what the issue's targets are about)",
        "and, in the last column, of the minima (the least disturbed repetitions).",
        "",
        "## Machine and settings",
        "",
        f"* date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"* CPU: {_cpu()}, {os.cpu_count()} logical cores ({platform.machine()}, "
        f"{platform.system()})",
        f"* load average (1 min) before / after the run: {load0[0]:.1f} / {load1[0]:.1f} "
        "(the machine is shared: figures move from run to run, ratios much less)",
        f"* threads: {args.threads} for every implementation (BLAS via threadpoolctl, "
        "`torch.set_num_threads`): one core's work, the steadiest figures on a shared machine; "
        "(1) is timed again below with every library's default threads",
        f"* versions: {', '.join(_versions())}",
        f"* BLAS / OpenMP pools: {'; '.join(bench_mlp.blas_info())}",
        f"* BLAS environment: {_blas_env()}",
        "",
        "## (1) MNIST-shaped MLP: seconds per epoch",
        "",
        "60,000 x 784 float32 inputs (uniform, labels from a fixed random linear map),",
        "784-256-128-10 ReLU, softmax cross-entropy, batch 128, SGD momentum 0.9, lr 0.01;",
        "scikit-learn `MLPClassifier(solver='sgd', max_iter=1)` on the float32 array,",
        "PyTorch float32 from chainrule's initial weights over chainrule's shuffling.",
        "",
        *_table("mnist", mnist, "s"),
        "",
        f"Mean training loss of the epoch (a check that all three learn): {_losses(mnist)}.",
        "",
        *_floor(mnist),
        "## (2) digits, 64-100-10, batch 64: seconds per epoch",
        "",
        "1,347 training images, float32, same optimizer (lr 0.05); per-step overhead "
        "dominates.",
        f"Each repetition times {bench_mlp.DIGITS['calls']} epochs in a row (figures are "
        "per epoch), so that the timer's and the scheduler's jitter stay out of them.",
        "",
        *_table("digits", digits, "ms"),
        "",
        f"Mean training loss of the epoch: {_losses(digits)}.",
        "",
        "## (3) Full-batch cost and gradient (what L-BFGS calls): time per call",
        "",
        "chainrule: the `theta -> (J, grad)` function `chainrule.minimize` hands to SciPy;",
        "scikit-learn: `MLPClassifier._loss_grad_lbfgs` with its work arrays, as its",
        "L-BFGS solver calls it.",
        "",
        "Digits, 1,347 x 64 float64, 64-100-10 (each repetition times 40 calls in a row; "
        "figures are per call):",
        "",
        *_table("fullbatch/digits", full["digits"], "ms"),
        "",
        "MNIST-shaped, 60,000 x 784 float32, 784-256-128-10:",
        "",
        *_table("fullbatch/mnist", full["mnist"], "ms"),
        "",
        "## (4) The BLAS ceiling",
        "",
        "The matrix products alone that one epoch of (1) must do (per batch three forward,",
        "three weight-gradient and two input-gradient products; none for the input of the",
        "first layer), same shapes and dtype, into preallocated arrays: the `GEMM only` row",
        "of the table of (1), timed in the same interleaving.  The ratio is epoch time /",
        "GEMM time: what is left above 1 is everything else (activations, softmax, loss,",
        "gather, optimizer, Python).",
        "",
        *_table("mnist", {k: v for k, v in mnist.items() if k in ("chainrule", "GEMM only")},
                "s"),
        "",
        "## (1) and (4) again, with every library's default threads",
        "",
        "What a user gets without setting any thread count: the same interleaved epochs",
        f"with BLAS pools {'; '.join(default_pools)}"
        + (f" and {torch_threads} PyTorch threads." if torch_threads is not None else "."),
        "",
        *_table("mnist", mnist_default, "s"),
        "",
        *_floor(mnist_default),
        "## (5) Peak memory of one epoch of (1), each implementation in its own process",
        "",
        "`peak`: the process's peak resident memory during the epoch (libraries + data +",
        "training); `above data`: that peak minus the resident memory just before training",
        "(what training adds to the 184 MiB float32 input and the imported libraries).",
        "",
        "| implementation | peak | above data | float32 input used without a copy |",
        "|---|---:|---:|:---:|",
    ]
    for r in memory:
        copied = {True: "yes", False: "**no**"}.get(r.get("float32_input_not_copied"), "")
        lines.append(f"| {r['impl']} | {r['peak_mib']:.0f} MiB | {r['above_data_mib']:.0f} MiB "
                     f"| {copied} |")
    sk = next((r for r in memory if r["impl"] == "scikit-learn"), None)
    ours = next(r for r in memory if r["impl"] == "chainrule")
    if sk is not None:
        ok = ours["above_data_mib"] <= sk["above_data_mib"]
        lines += ["", f"Target: no more than scikit-learn above the data: "
                  f"{ours['above_data_mib']:.0f} vs {sk['above_data_mib']:.0f} MiB: "
                  f"{'met' if ok else '**not met**'}."]
    lines += ["", "## Commands for single measurements", "",
              "    python benchmarks/bench_mlp.py --only mnist digits fullbatch "
              f"--repeats {args.repeats} --threads {args.threads}",
              "    python benchmarks/bench_memory.py", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
