"""chainrule.scalar's speed: micrograd's demo step, and a fixed graph of ~10^5 Values.

(1) Steps per second of ``examples/micrograd_moons.py --engine scalar``'s loop
(``train_scalar``: the MLP 2-16-16-1 of Values, each step's 65,818-Value hinge-loss graph
built, ``backward()``, ``p.data -= lr * p.grad``), ``--steps`` steps from micrograd's
initial weights per run, the median of ``--repeats`` runs; the share of that time spent in
Python's cyclic garbage collector is printed beside it.  (2) The forward pass (building
the graph) and the backward pass (``root.backward()``) of a fixed expression graph of
about ``--nodes`` Values that uses every operation, medians of ``--repeats`` runs.
``--profile`` prints cProfile's top functions of one demo step.

    python benchmarks/bench_scalar.py [--steps 5] [--repeats 5] [--nodes 100000] [--profile]

The engine timed is the ``chainrule`` first on the path (its file is printed): run the
same command with ``PYTHONPATH`` at another checkout's ``src`` for a before / after.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import math
import platform
import pstats
import runpy
import statistics
import time
from pathlib import Path

import chainrule
from chainrule.scalar import Value, topological_order

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "micrograd_moons.py"


class GCTimer:
    """Seconds spent in Python's cyclic garbage collector while it is installed."""

    def __init__(self) -> None:
        self.seconds, self._start = 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self) -> GCTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def demo_steps(example: dict, steps: int, repeats: int) -> dict[str, list[float]]:
    """Seconds per step of ``train_scalar`` (``steps`` steps a run, from micrograd's
    initial weights), wall and CPU of this process, and the fraction of each run's wall
    time spent in the garbage collector."""
    X, y = example["moons"]()
    runs: dict[str, list[float]] = {"wall": [], "cpu": [], "gc": []}
    for _ in range(repeats):
        model = example["ScalarMLP"](example["micrograd_init"]())
        with GCTimer() as collector:
            start, cpu = time.perf_counter(), time.process_time()
            example["train_scalar"](model, X, y, steps=steps)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        runs["wall"].append(seconds / steps)
        runs["cpu"].append(cpu / steps)
        runs["gc"].append(collector.seconds / seconds)
    return runs


def expression(n: int) -> tuple[Value, list[Value]]:
    """A fixed graph of ``21 n + 101`` Values on 100 leaves (for ``n >= 100``: fewer
    leave some leaves out), every operation in it: its root and its leaves."""
    leaves = [Value(0.01 * (k - 50), f"x{k}") for k in range(100)]
    acc = Value(0.0)
    for i in range(n):
        a, b = leaves[i % 100], leaves[(7 * i + 3) % 100]
        term = (a * b).tanh() * 0.5 - (a - b).relu() / 3.0 + a.sigmoid() ** 2
        acc = acc + term + (0.1 * b).exp().log() - 2.0 ** (-a)
    return acc, leaves


def expression_times(nodes: int, repeats: int) -> dict[str, object]:
    """Median seconds of building :func:`expression` and of its ``backward()``, its
    number of Values, its root's value and its leaves' gradients summed (the same
    numbers before and after a change of the engine that keeps its arithmetic)."""
    n = max(1, nodes // 21)
    forward, backward = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        root, leaves = expression(n)
        forward.append(time.perf_counter() - start)
        start = time.perf_counter()
        root.backward()
        backward.append(time.perf_counter() - start)
    return {"nodes": len(topological_order(root)), "forward": statistics.median(forward),
            "backward": statistics.median(backward), "root": root.data,
            "grads": math.fsum(x.grad for x in leaves)}


def profile_step(example: dict, top: int = 15) -> None:
    """cProfile's functions of one demo step, by time in the function itself."""
    X, y = example["moons"]()
    model = example["ScalarMLP"](example["micrograd_init"]())
    example["train_scalar"](model, X, y, steps=1)  # warm up
    profiler = cProfile.Profile()
    profiler.enable()
    example["train_scalar"](model, X, y, steps=1)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="demo steps per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs; medians reported")
    parser.add_argument("--nodes", type=int, default=100_000,
                        help="about how many Values the fixed expression graph has")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile's top functions of one demo step")
    args = parser.parse_args()
    for name in ("steps", "repeats", "nodes"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer, got {getattr(args, name)}")
    print(f"engine {Path(chainrule.__file__).parent}, Python {platform.python_version()}, "
          f"{platform.processor() or platform.machine()}")
    example = runpy.run_path(str(EXAMPLE))
    runs = demo_steps(example, args.steps, args.repeats)
    median = statistics.median(runs["wall"])
    print(f"micrograd demo step (65,818 Values): median {median * 1e3:.0f} ms "
          f"({1 / median:.2f} steps/s, 100 steps ~ {100 * median:.1f} s; runs "
          f"{', '.join(f'{t * 1e3:.0f}' for t in runs['wall'])} ms; CPU "
          f"{statistics.median(runs['cpu']) * 1e3:.0f} ms), garbage collector "
          f"{100 * statistics.median(runs['gc']):.0f} % of it")
    graph = expression_times(args.nodes, args.repeats)
    print(f"fixed expression graph ({graph['nodes']:,} Values): forward "
          f"{graph['forward'] * 1e3:.0f} ms, backward {graph['backward'] * 1e3:.0f} ms "
          f"(medians; root {graph['root']!r}, sum of the leaves' gradients {graph['grads']!r})")
    if args.profile:
        profile_step(example)


if __name__ == "__main__":
    main()
