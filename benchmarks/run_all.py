"""Run every MLP benchmark and write ``benchmarks/RESULTS.md`` (machine, versions, figures).

    python benchmarks/run_all.py [--repeats 7] [--threads 1] [--out benchmarks/RESULTS.md]

Runs, in this order: (1) the MNIST-shaped epoch, interleaved with (4) the
GEMM-only epoch (the same run, so that (1) and (4) are read off the same
medians), (2) the digits epoch, (3) the full-batch cost and gradient, (1) once
more with each library's ``MLPClassifier`` and its defaults (Adam), all with
``--threads`` threads for every library, then (1) and (4) again with every
library's default threads (what a user gets), from bench_mlp.py, then (5) peak
memory with each implementation in its own process (bench_memory.py),
and writes a Markdown report with the medians, min-max, ratios and the
targets of issue 4.  Figures depend on the machine and on how busy it is; the
report records the load average before and after.

**Kernels.**  Some machines set ``OPENBLAS_CORETYPE`` (with
``OPENBLAS_L2_SIZE``) because older OpenBLAS builds went wrong on their
processors; it makes OpenBLAS run the kernels of an older processor instead of
the ones it picks for the CPU it finds.  NumPy's and SciPy's OpenBLAS
(chainrule's and scikit-learn's products) follow it, PyTorch's own BLAS does
not, and the time of the products changes (1.7 times on an AVX-512 machine
forced to Haswell kernels).  Where the environment sets either variable, the
whole set of measurements runs twice, each time in a child process: once with
both variables removed, in that child only (the kernels a current NumPy picks
here, as on a machine without those settings), and once with the environment
as it is.  The report sets the two side by side.  Nothing else (tests, CI)
changes these variables.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_memory  # noqa: E402
import bench_mlp  # noqa: E402
import numpy as np  # noqa: E402

KERNEL_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # removed together, in a child only

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
    try:
        import numba

        out.append(f"numba {numba.__version__} (for the compiled loop only)")
    except ImportError:
        out.append("numba not installed (no compiled-loop rows)")
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
    products on this machine, however little else it does.  Where the run also
    timed :data:`bench_mlp.FLOOR_PARTS` (the gather and one fused step per
    batch, which every implementation pays besides the products), the lines say
    what a target leaves after those too.
    """
    gemm = res.get("GEMM only")
    if gemm is None:
        return []
    lines = ["Each epoch against the time of its matrix products alone (the `GEMM only` row,",
             "the same products in the same run):", ""]
    for name, v in res.items():
        if name != "GEMM only" and name not in bench_mlp.FLOOR_PARTS:
            lines.append(f"* {name}: {v['median'] / gemm['median']:.2f} x the GEMM-only time")
    paid = None
    if all(p in res for p in bench_mlp.FLOOR_PARTS):
        gather, step = (res[p]["median"] / gemm["median"] for p in bench_mlp.FLOOR_PARTS)
        paid = gather + step
        lines.append(f"* what every implementation pays besides the products: the gather of "
                     f"the shuffled batches, {gather:.0%} of the products' time, and one fused "
                     f"momentum step per batch (reading the gradient, velocity and parameters, "
                     f"writing velocity and parameters: the least a step moves), {step:.0%}; "
                     f"{paid:.0%} together")
    for name in ("scikit-learn", "pytorch"):
        t = TARGETS.get(("mnist", name))
        if name in res and t is not None:
            need = t * res[name]["median"]
            ours = res["chainrule"]["median"] / gemm["median"]
            slack = need / gemm["median"] - 1
            verdict = ("below the time of the products alone: out of reach for any "
                       "implementation of these products with this BLAS on one thread"
                       if slack < 0 else
                       f"which leaves {slack:.0%} of the products' time "
                       f"for everything else (chainrule takes {ours - 1:.0%})")
            if paid is not None and slack >= 0:
                verdict += (f"; after the gather and the fused step, {slack - paid:.0%} is left "
                            "for the bias additions, ReLU, softmax, loss, bias gradients, "
                            "divergence guard and loop" if slack > paid else
                            "; the gather and the fused step alone take more than that")
            lines.append(f"* the target {t} x {name} asks for an epoch of {need:.3f} s = "
                         f"{need / gemm['median']:.2f} x the GEMM-only time, {verdict}"
                         + _loop_verdict(res, need))
    t = TARGETS[("mnist", "GEMM only")]
    if "chainrule" in res:
        lines.append(f"* the target {t} x the GEMM-only time (4) asks for an epoch of "
                     f"{t * gemm['median']:.3f} s; chainrule takes "
                     f"{res['chainrule']['median']:.3f} s"
                     + _loop_verdict(res, t * gemm["median"]))
    return [*lines, ""]


LOOPS = (("NumPy loop", "the plain NumPy loop", "misses it too"),
         ("compiled loop", "the compiled loop", "misses it"))


def _loop_verdict(res: dict, need: float) -> str:
    """What the hand-written loops of the same run (:data:`LOOPS`) say of a target epoch time."""
    out = ""
    for name, words, missed in LOOPS:
        loop = res.get(name)
        if loop is not None:
            met = "meets it" if loop["median"] <= need else missed
            out += (f"; {words} takes {loop['median']:.3f} s "
                    f"({loop['median'] / res['GEMM only']['median']:.2f} x the GEMM-only "
                    f"time): {met}")
    return out


def _losses(res: dict) -> str:
    return ", ".join(f"{k} {v['epoch_loss']:.4f}" for k, v in res.items() if "epoch_loss" in v)


# --- the measurements (in a child process) -----------------------------------------------------
def measure(repeats: int, threads: int) -> dict:
    """Every measurement in this process's environment; the figures as a JSON-ready dict."""
    torch_threads = _torch_threads()
    limiter = bench_mlp.limit_threads(threads)
    load0, t0 = os.getloadavg(), time.time()
    print(f"{threads} BLAS/PyTorch thread(s), {repeats} interleaved repetitions; OpenBLAS "
          f"kernels: {', '.join(bench_mlp.blas_kernels()) or 'none'}", flush=True)
    pools = bench_mlp.blas_info()
    mnist = bench_mlp.bench_mnist(repeats)
    digits = bench_mlp.bench_digits(repeats)
    full = bench_mlp.bench_fullbatch(repeats)
    estimators = bench_mlp.bench_estimators(repeats)
    # (1) once more as a user runs it: every library with its own default threads
    limiter.restore_original_limits()
    if torch_threads is not None:
        import torch

        torch.set_num_threads(torch_threads)
    default_pools = bench_mlp.blas_info()
    print("default threads: " + "; ".join(default_pools))
    mnist_default = bench_mlp.bench_mnist(repeats)
    bench_mlp.limit_threads(threads)
    memory = bench_memory.run_all(threads)  # its processes inherit this environment
    bench_memory.print_results(memory)
    return {
        "mnist": mnist, "digits": digits, "fullbatch/digits": full["digits"],
        "fullbatch/mnist": full["mnist"], "mnist_default": mnist_default, "memory": memory,
        "estimators": estimators,
        "pools": pools, "default_pools": default_pools, "torch_threads": torch_threads,
        "kernels": bench_mlp.blas_kernels(), "blas_env": _blas_env(),
        "load": [load0[0], os.getloadavg()[0]], "minutes": (time.time() - t0) / 60,
        "date": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
    }


def configurations(environ: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """The environments to measure in: ``("own", ...)``, and ``("forced", ...)`` if it is set.

    "own" is ``environ`` without :data:`KERNEL_VARS` (OpenBLAS picks the kernels
    for the CPU it finds); "forced" is ``environ`` as it is, measured too only
    where it sets one of them.
    """
    own = {k: v for k, v in environ.items() if k not in KERNEL_VARS}
    runs = [("own", own)]
    if len(own) != len(environ):
        runs.append(("forced", dict(environ)))
    return runs


def _title(kind: str, run: dict) -> str:
    kernels = ", ".join(run["kernels"]) or "no OpenBLAS"
    if kind == "own":
        return f"kernels OpenBLAS picks for this CPU ({kernels})"
    return f"kernels forced by the environment ({kernels})"


# --- the report ----------------------------------------------------------------------------------
SUMMARY = [  # (row, result key, peer)
    ("(1) MNIST-shaped epoch / scikit-learn's", "mnist", "scikit-learn"),
    ("(1) MNIST-shaped epoch / PyTorch's", "mnist", "pytorch"),
    ("(4) MNIST-shaped epoch / its products alone", "mnist", "GEMM only"),
    ("(2) digits epoch / scikit-learn's", "digits", "scikit-learn"),
    ("(3) digits full-batch call / scikit-learn's", "fullbatch/digits", "scikit-learn"),
    ("(3) MNIST-shaped full-batch call / scikit-learn's", "fullbatch/mnist", "scikit-learn"),
]

COMPARISONS = [  # (row, result key, hand-written, denominator, target key): where it was timed
    ("(4) for comparison, not chainrule: a plain NumPy loop's epoch / its products alone",
     "mnist", "NumPy loop", "GEMM only", "GEMM only"),
    ("(4) for comparison, not chainrule: the loop with its passes between the products "
     "compiled (numba) / its products alone", "mnist", "compiled loop", "GEMM only",
     "GEMM only"),
    ("(1) for comparison, not chainrule: that compiled loop's epoch / scikit-learn's",
     "mnist", "compiled loop", "scikit-learn", "scikit-learn"),
    ("(3) for comparison, not chainrule: a plain NumPy objective's digits call / "
     "scikit-learn's", "fullbatch/digits", "NumPy objective", "scikit-learn", "scikit-learn"),
    ("(3) for comparison, not chainrule: a plain NumPy objective's MNIST-shaped call / "
     "scikit-learn's", "fullbatch/mnist", "NumPy objective", "scikit-learn", "scikit-learn"),
]


def _summary(runs: list[tuple[str, dict]]) -> list[str]:
    """One row per target of issue 4, one column (ratio, met) per kernel setting."""
    head = "| target of issue 4 | largest ratio | " + " | ".join(
        f"{_title(kind, run)} | met" for kind, run in runs) + " |"
    lines = [head, "|---|---:|" + "---:|:---:|" * len(runs)]
    for row, key, peer in SUMMARY:
        cells = []
        for _, run in runs:
            v = run[key].get(peer)
            if v is None:  # PyTorch not installed
                cells += ["", ""]
            else:
                cells += [f"{v['ratio']:.2f}", "yes" if v["ratio"] <= TARGETS[(key, peer)]
                          else "**no**"]
        lines.append(f"| {row} | {TARGETS[(key, peer)]} | " + " | ".join(cells) + " |")
    # for comparison, not chainrule: the hand-written loops of the same run (where timed)
    for row, result, name, peer, key in COMPARISONS:
        t, cells = TARGETS[(result, key)], []
        for _, run in runs:
            loop, other = run[result].get(name), run[result].get(peer)
            if loop is None or other is None:
                cells += ["", ""]
            else:
                r = loop["median"] / other["median"]
                cells += [f"{r:.2f}", "yes" if r <= t else "**no**"]
        if any(cells):
            lines.append(f"| {row} | {t} | " + " | ".join(cells) + " |")
    cells = []
    for _, run in runs:
        ours = next(r for r in run["memory"] if r["impl"] == "chainrule")
        sk = next((r for r in run["memory"] if r["impl"] == "scikit-learn"), None)
        if sk is None:
            cells += ["", ""]
        else:
            ok = ours["above_data_mib"] <= sk["above_data_mib"] and ours.get(
                "float32_input_not_copied", False)
            cells += [f"{ours['above_data_mib']:.0f} vs {sk['above_data_mib']:.0f} MiB",
                      "yes" if ok else "**no**"]
    lines.append("| (5) peak memory above the data, chainrule vs scikit-learn (no float32 "
                 "copy) | no more | " + " | ".join(cells) + " |")
    # beside the targets: (1) as a practitioner runs it, each MLPClassifier with its defaults
    cells = []
    for _, run in runs:
        v = run.get("estimators", {}).get("scikit-learn")
        cells += ["", ""] if v is None else [f"{v['ratio']:.2f}", ""]
    if any(cells):
        lines.append("| beside the targets: (1) with each `MLPClassifier`'s defaults (Adam), "
                     "chainrule's / scikit-learn's | (none) | " + " | ".join(cells) + " |")
    return lines


def _estimator_section(run: dict, letter: str) -> list[str]:
    """(1) with the estimators' defaults, where it was measured."""
    if "estimators" not in run:
        return []
    return [
        f"### {letter}(1) as a practitioner runs it: each `MLPClassifier` with its defaults",
        "",
        "Not a target of issue 4: `MLPClassifier(hidden_layer_sizes=(256, 128), "
        "batch_size=128, max_iter=1)`",
        "of chainrule and of scikit-learn on the same float32 data, everything else each",
        "library's default (Adam, alpha 1e-4, learning rate 0.001, each its own dtype",
        "handling and shuffling; `bench_mlp.estimator_epoch`).",
        "",
        *_table("estimators", run["estimators"], "s"),
        "",
        f"Mean training loss of the epoch: {_losses(run['estimators'])}.",
        "",
    ]


def _sections(kind: str, run: dict, letter: str) -> list[str]:
    """The detailed figures of one kernel setting."""
    mnist, memory = run["mnist"], run["memory"]
    lines = [
        f"## {letter}. {_title(kind, run)[0].upper()}{_title(kind, run)[1:]}",
        "",
        f"* date: {run['date']}; this set took {run['minutes']:.1f} min",
        f"* load average (1 min) before / after: {run['load'][0]:.1f} / {run['load'][1]:.1f} "
        "(the machine is shared: figures move from run to run, ratios much less)",
        f"* BLAS environment: {run['blas_env']}",
        f"* BLAS / OpenMP pools: {'; '.join(run['pools'])}",
        "",
        f"### {letter}(1) MNIST-shaped MLP: seconds per epoch",
        "",
        "60,000 x 784 float32 inputs (uniform, labels from a fixed random linear map),",
        "784-256-128-10 ReLU, softmax cross-entropy, batch 128, SGD momentum 0.9, lr 0.01;",
        "scikit-learn `MLPClassifier(solver='sgd', max_iter=1)` on the float32 array,",
        "PyTorch float32 from chainrule's initial weights over chainrule's shuffling.",
        "`NumPy loop`: the same run (chainrule's initial weights and shuffling) by a plain",
        "NumPy loop written for this one network, with nothing a library adds (no checks,",
        "no divergence guard, no per-example losses; `bench_mlp.numpy_loop_epoch`): the",
        "floor for NumPy code.  `compiled loop` (only where numba is installed): that loop",
        "with each stretch of work between two products compiled into one loop, and the",
        "divergence guard (`bench_mlp.compiled_loop_epoch`): what compiled kernels would",
        "gain; chainrule does not use them.  `GEMM only`, `gather` and `fused step`: see (4).",
        "",
        *_table("mnist", mnist, "s"),
        "",
        "Mean training loss of the epoch (a check that all learn; chainrule, the loops",
        f"and PyTorch make the same run): {_losses(mnist)}.",
        "",
        *_floor(mnist),
        f"### {letter}(2) digits, 64-100-10, batch 64: seconds per epoch",
        "",
        "1,347 training images, float32, same optimizer (lr 0.05); per-step overhead "
        "dominates.",
        f"Each repetition trains {bench_mlp.DIGITS['epochs']} epochs in one run per "
        "implementation (one `train` / `fit` call: each library's set-up, such as checks, "
        "label encoding and initial weights, is paid once per run, as a user pays it); the "
        "figures are that run's time / epochs, free of the timer's and the scheduler's jitter.",
        "",
        *_table("digits", run["digits"], "ms"),
        "",
        f"Mean training loss of the last epoch: {_losses(run['digits'])}.",
        "",
        f"### {letter}(3) Full-batch cost and gradient (what L-BFGS calls): time per call",
        "",
        "chainrule: the `theta -> (J, grad)` function `chainrule.minimize` hands to SciPy;",
        "scikit-learn: `MLPClassifier._loss_grad_lbfgs` with its work arrays, as its",
        "L-BFGS solver calls it.  Both at chainrule's initial weights (the same cost and",
        "gradient).  `NumPy objective`: the same call by a plain NumPy function written",
        "for this one network, with nothing a library adds (the batch of the `NumPy loop`",
        "of (1) on all rows; `bench_mlp.numpy_objective`): the floor for NumPy code.",
        "",
        "Digits, 1,347 x 64 float64, 64-100-10 (each repetition times 40 calls in a row; "
        "figures are per call):",
        "",
        *_table("fullbatch/digits", run["fullbatch/digits"], "ms"),
        "",
        "MNIST-shaped, 60,000 x 784 float32, 784-256-128-10:",
        "",
        *_table("fullbatch/mnist", run["fullbatch/mnist"], "ms"),
        "",
        f"### {letter}(4) The BLAS ceiling",
        "",
        "The matrix products alone that one epoch of (1) must do (per batch three forward,",
        "three weight-gradient and two input-gradient products; none for the input of the",
        "first layer), same shapes and dtype, into preallocated arrays: the `GEMM only` row",
        "of the table of (1), timed in the same interleaving.  The ratio is epoch time /",
        "GEMM time: what is left above 1 is everything else (activations, softmax, loss,",
        "gather, optimizer, Python).  The `gather` and `fused step` rows, from the same",
        "interleaving, are what every implementation pays besides the products: the gather",
        "of the shuffled batches, and per batch the memory traffic of one fused momentum",
        "step over the parameters (BLAS `axpy` and a copy: five vectors read or written).",
        "The `NumPy loop` and `compiled loop` rows are the same epoch by the hand-written",
        "loops (see (1)).",
        "",
        *_table("mnist", {k: v for k, v in mnist.items()
                          if k in ("chainrule", "NumPy loop", "compiled loop", "GEMM only",
                                   *bench_mlp.FLOOR_PARTS)}, "s"),
        "",
        f"### {letter}(1) and (4) again, with every library's default threads",
        "",
        "What a user gets without setting any thread count: the same interleaved epochs",
        f"with BLAS pools {'; '.join(run['default_pools'])}"
        + (f" and {run['torch_threads']} PyTorch threads." if run["torch_threads"] is not None
           else "."),
        "",
        *_table("mnist", run["mnist_default"], "s"),
        "",
        *_floor(run["mnist_default"]),
        *_estimator_section(run, letter),
        f"### {letter}(5) Peak memory of one epoch of (1), each implementation in its own process",
        "",
        "`peak`: the process's peak resident memory during the epoch (libraries + data +",
        "training); `above data`: that peak minus the resident memory just before training",
        "(what training adds to the 184 MiB float32 input and the imported libraries;",
        "each implementation first trains a tiny network on 16 rows, so that the modules",
        "a library imports on first use, PyTorch's optimizer's among them, count as",
        "imported libraries, not as training).",
        "",
        "| implementation | peak | above data | float32 input used without a copy |",
        "|---|---:|---:|:---:|",
    ]
    for r in memory:
        copied = {True: "yes", False: "**no**"}.get(r.get("float32_input_not_copied"), "")
        lines.append(f"| {r['impl']} | {r['peak_mib']:.0f} MiB | {r['above_data_mib']:.0f} MiB "
                     f"| {copied} |")
    return [*lines, ""]


def report(runs: list[tuple[str, dict]], repeats: int, threads: int, minutes: float) -> str:
    """The Markdown of RESULTS.md from the figures of each kernel setting."""
    cmd = f"python benchmarks/run_all.py --repeats {repeats} --threads {threads}"
    first = runs[0][1]
    lines = [
        "# Benchmarks: chainrule against scikit-learn and PyTorch (CPU)",
        "",
        f"Regenerate with `{cmd}` (this run took {minutes:.1f} min).",
        f"Each figure is the median of {repeats} interleaved repetitions",
        "(chainrule, peer, peer, chainrule, ...) after one warm-up; ratios are chainrule / peer",
        "(below 1: chainrule is faster), of the medians (what the issue's targets are about)",
        "and, in the last column of each table, of the minima (the least disturbed",
        "repetitions).",
        "",
        "## Machine and settings",
        "",
        f"* CPU: {_cpu()}, {os.cpu_count()} logical cores ({platform.machine()}, "
        f"{platform.system()})",
        f"* threads: {threads} for every implementation (BLAS via threadpoolctl, "
        "`torch.set_num_threads`): one core's work, the steadiest figures on a shared machine; "
        "(1) is timed again with every library's default threads",
        f"* versions: {', '.join(_versions())}",
        f"* BLAS environment: {runs[-1][1]['blas_env']}",
    ]
    if len(runs) > 1:
        lines += [
            "* kernels: the environment forces OpenBLAS's kernels, so every measurement ran",
            f"  twice, each time in its own process: A. with {' and '.join(KERNEL_VARS)}",
            f"  removed in that process only, where OpenBLAS picks {', '.join(first['kernels'])}",
            "  kernels for this CPU (what a current NumPy runs here without those settings),",
            f"  and B. with the environment as it is ({', '.join(runs[1][1]['kernels'])}).",
            "  NumPy's and SciPy's OpenBLAS (chainrule and scikit-learn) follow the setting;",
            "  PyTorch's own BLAS does not.",
        ]
    lines += ["", "## Summary", "", *_summary(runs), ""]
    for letter, (kind, run) in zip("AB", runs, strict=False):
        lines += _sections(kind, run, letter)
    lines += ["## Commands for single measurements", "",
              "    python benchmarks/bench_mlp.py --only mnist digits fullbatch "
              f"--repeats {repeats} --threads {threads}",
              "    python benchmarks/bench_memory.py",
              "",
              "Prefix either with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` for the kernels",
              "OpenBLAS picks for the CPU where the environment forces others.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=bench_mlp.positive_int, default=7)
    parser.add_argument("--threads", type=bench_mlp.positive_int, default=1)
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--measure-into", help=argparse.SUPPRESS)  # the child's JSON file
    args = parser.parse_args()
    if args.measure_into:
        with open(args.measure_into, "w") as f:
            json.dump(measure(args.repeats, args.threads), f)
        return

    t0, runs = time.time(), []
    for kind, env in configurations(dict(os.environ)):
        print(f"=== {'own kernels' if kind == 'own' else 'kernels forced by the environment'}",
              flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "figures.json")
            subprocess.run([sys.executable, os.path.abspath(__file__), "--measure-into", path,
                            "--repeats", str(args.repeats), "--threads", str(args.threads)],
                           env=env, check=True)
            with open(path) as f:
                runs.append((kind, json.load(f)))
    with open(args.out, "w") as f:
        f.write(report(runs, args.repeats, args.threads, (time.time() - t0) / 60))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
