"""The ``ab`` modes of bench_overheads.py: this tree's chainrule against another tree's.

Both trees are imported in one process and take turns on the same cases (see
bench_overheads.py's docstring for ``ab``, ``ab-mnist``, ``ab-mnist64`` and
``ab-fullbatch-mnist``); the results are first compared (bit for bit, or the largest
difference), then the wall, thread CPU and process CPU times of each tree and the
medians of the paired ratios this / base are printed, on ``threads`` BLAS threads
(``--threads default``: the machine's own count).
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable


def _load_tree(src: str) -> dict:
    """Import the chainrule package under ``src`` afresh; its modules, by name."""
    for name in [n for n in sys.modules if n == "chainrule" or n.startswith("chainrule.")]:
        del sys.modules[name]
    sys.path.insert(0, src)
    try:
        for name in ("chainrule", "chainrule.scipy_fit", "chainrule.training"):
            module = importlib.import_module(name)
    finally:
        sys.path.remove(src)
    if not os.path.realpath(module.__file__).startswith(os.path.realpath(src)):
        raise RuntimeError(f"--base: {src} holds no chainrule package (got {module.__file__})")
    return {n: m for n, m in sys.modules.items() if n == "chainrule" or n.startswith("chainrule.")}


def _ab_cases(cr: object) -> dict:
    """{case: (run, result, calls per run)} on the digits, with this tree's ``cr``."""
    import numpy as np

    from chainrule.scipy_fit import _objective  # the tree just imported

    cases = {}
    d = cr.datasets.load_digits_split(validation_size=0, seed=0, dtype=np.float64)
    net = cr.mlp([64, 100, 10], hidden="relu", output="softmax", seed=0)
    fun = _objective(net, *net._check_xy(d.X_train, d.y_train))
    rng = np.random.default_rng(1)
    thetas = [net.params * (1 + 0.1 * rng.standard_normal(net.n_params)) for _ in range(4)]
    cases["full-batch call (3), digits float64"] = (
        lambda: [fun(thetas[i % 4]) for i in range(50)], lambda: [fun(t) for t in thetas], 50)
    d32 = cr.datasets.load_digits_split(validation_size=0, seed=0, dtype=np.float32)
    net32 = cr.mlp([64, 100, 10], hidden="relu", output="softmax", seed=0, dtype=np.float32)
    for epochs in (10, 1):
        def run(epochs: int = epochs, seed: int = 0) -> tuple:
            trained = net32.copy()
            hist = cr.train(trained, d32.X_train, d32.y_train, optimizer="sgd", lr=0.05,
                            momentum=0.9, batch_size=64, epochs=epochs, seed=seed)
            return hist["loss"][-1], trained.params
        cases[f"train, SGD momentum, {epochs} epoch(s) per call (2), per epoch"] = (
            run, lambda run=run: [run(seed=3)], epochs)
    return cases


_MNIST_DATA: dict = {}


def _ab_mnist_cases(cr: object, dtype: str = "float32") -> dict:
    """{case: (run, result, calls per run)}: one epoch of issue 4's (1), with this tree's
    ``cr`` (60,000 x 784 ``dtype``, 784-256-128-10, batch 128, SGD momentum 0.9)."""
    from bench_mlp import MNIST, mnist_like

    if dtype not in _MNIST_DATA:  # one copy of the data (184 MiB in float32) for both trees
        X, y = mnist_like()
        _MNIST_DATA[dtype] = X.astype(dtype, copy=False), y
    X, y = _MNIST_DATA[dtype]
    net = cr.mlp(MNIST["sizes"], hidden="relu", output="softmax", seed=0, dtype=X.dtype)

    def run(seed: int = 0) -> tuple:
        trained = net.copy()
        hist = cr.train(trained, X, y, optimizer="sgd", lr=MNIST["lr"],
                        momentum=MNIST["momentum"], batch_size=MNIST["batch"], epochs=1,
                        seed=seed)
        return hist["loss"][-1], trained.params

    return {f"train, MNIST-shaped {dtype} epoch (1), SGD momentum, batch 128": (
        run, lambda: [run(seed=3)], 1)}


def _ab_fullbatch_mnist_cases(cr: object) -> dict:
    """{case: (run, result, calls per run)}: ``ab-fullbatch-mnist``, the full-batch call of
    (3) on the MNIST-shaped data (60,000 x 784 float32, 784-256-128-10), this tree's ``cr``."""
    import numpy as np
    from bench_mlp import MNIST, mnist_like

    from chainrule.scipy_fit import _objective  # the tree just imported

    if "float32" not in _MNIST_DATA:  # one copy of the data (184 MiB) for both trees
        _MNIST_DATA["float32"] = mnist_like()
    X, y = _MNIST_DATA["float32"]
    net = cr.mlp(MNIST["sizes"], hidden="relu", output="softmax", seed=0, dtype=np.float32)
    fun = _objective(net, *net._check_xy(X, y))
    theta = net.params.astype(np.float64)
    return {"full-batch call (3), MNIST-shaped float32": (lambda: fun(theta),
                                                          lambda: [fun(theta)], 1)}


def ab(base: str, reps: int, make_cases: Callable[[object], dict] = _ab_cases,
       threads: int | None = 1) -> None:
    """Print the ``ab`` measurement (see the module): this tree against ``base``, on
    ``threads`` BLAS threads (None: the machine's default)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    import chainrule

    here = os.path.dirname(os.path.dirname(os.path.realpath(chainrule.__file__)))
    trees = {"base": _load_tree(base), "this": _load_tree(here)}
    cases = {}
    for tree, modules in trees.items():
        sys.modules.update(modules)
        cases[tree] = make_cases(modules["chainrule"])
    print(f"this tree {here} / base {base}: {threads or 'default'} BLAS thread(s), {reps} "
          f"runs each, taking turns (load {os.getloadavg()[0]:.1f})")
    with threadpool_limits(threads):
        for case in cases["this"]:
            results = []
            for tree in trees:
                sys.modules.update(trees[tree])
                results.append(cases[tree][case][1]())
            diffs = [float(np.max(np.abs(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))))
                     for ra, rb in zip(*results, strict=True) for a, b in zip(ra, rb, strict=True)]
            same = "bit for bit" if max(diffs) == 0 else f"largest difference {max(diffs):.3g}"
            times: dict[str, tuple[list[float], ...]] = {t: ([], [], []) for t in trees}
            for r in range(reps + 1):  # the first round warms up and is not counted
                for tree in (list(trees) if r % 2 == 0 else list(trees)[::-1]):
                    sys.modules.update(trees[tree])
                    run, _, calls = cases[tree][case]
                    t0 = time.perf_counter(), time.thread_time(), time.process_time()
                    run()
                    if r:
                        t1 = time.perf_counter(), time.thread_time(), time.process_time()
                        for k in range(3):
                            times[tree][k].append((t1[k] - t0[k]) / calls)
            print(f"  {case} (results: {same})")
            for k, what in enumerate(("wall", "thread CPU", "proc. CPU")):
                b, t = times["base"][k], times["this"][k]
                mb, mt = statistics.median(b), statistics.median(t)
                paired = statistics.median(y / x for x, y in zip(b, t, strict=True))
                print(f"    {what:<10} base {mb * 1e3:8.3f} ms, this {mt * 1e3:8.3f} ms: "
                      f"this / base {mt / mb:.3f} (medians), {paired:.3f} (paired)")


AB_MODES = {"ab": _ab_cases, "ab-mnist": _ab_mnist_cases,
            "ab-mnist64": lambda cr: _ab_mnist_cases(cr, "float64"),
            "ab-fullbatch-mnist": _ab_fullbatch_mnist_cases}
