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

* ``small_net``: Matt Mazur's 2-2-2 sigmoid network (examples/mazur_backprop.py),
  microseconds per ``net.loss_and_grad`` call and per training step of
  ``chainrule.train`` (one example, ``batch_size=1``: an epoch is one step; SGD with
  momentum 0.9, and Adam), each against the same step written in plain NumPy
  (forward, squared error, backward, update) in the same process, the two taking
  turns, on one BLAS thread; the ratio is chainrule's time over NumPy's, the cost
  of everything chainrule does around the arithmetic (checks, the divergence
  guard, the history).

* ``ab``: this tree's chainrule against another tree's (``--base OTHER/src``, a git
  worktree of an earlier commit, say), both imported in one process and taking
  turns, on one BLAS thread: the full-batch cost-and-gradient call of
  ``chainrule.minimize`` on the digits (float64, 64-100-10, 50 calls per run, as
  issue 4's (3)), and ``train`` with SGD momentum on the digits (float32, batch 64,
  one call of 10 epochs and one of 1 epoch, as (2)).  Each is first checked to give
  the same numbers in both trees (cost and gradient, trained parameters and loss:
  "bit for bit" or the largest difference); then the median wall time, thread CPU
  time (it leaves out the time another process had the core, on a shared machine)
  and process CPU time (BLAS's worker threads too) of each tree and the medians of
  the paired ratios this / base.  ``--threads default`` leaves BLAS its own count.

* ``ab-mnist``: as ``ab``, one epoch of issue 4's (1) per run: ``train`` on the
  MNIST-shaped data (60,000 x 784 float32, 784-256-128-10 ReLU, softmax cross-entropy,
  batch 128, SGD momentum 0.9, bench_mlp's data and network; about 1 s a run);
  ``ab-mnist64``: the same in float64.
* ``ab-fullbatch-mnist``: as ``ab``, the full-batch cost-and-gradient call of (3) on the
  MNIST-shaped data (60,000 x 784 float32, 784-256-128-10, one call per run).

* ``importance``: ``chainrule importance``'s shuffled scores of an MLP, the full forward
  pass against the path from the first layer's net input, taking turns
  (benchmarks/bench_importance.py).

Each figure is the median of ``--reps`` runs.

    python benchmarks/bench_overheads.py [--only import|partial_fit|small_net|importance]
    python benchmarks/bench_overheads.py --only ab --base ../base/src [--reps 15]
    python benchmarks/bench_overheads.py --only ab-mnist|ab-mnist64|ab-fullbatch-mnist \
        --base ../base/src [--reps 9] [--threads default]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from bench_ab import AB_MODES, ab
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


# Mazur's network: W of shape (fan_in, fan_out), biases, the one example and its targets
MAZUR = {"W1": [[0.15, 0.25], [0.20, 0.30]], "b1": [0.35, 0.35],
         "W2": [[0.40, 0.50], [0.45, 0.55]], "b2": [0.60, 0.60],
         "x": [[0.05, 0.10]], "y": [[0.01, 0.99]]}


def _numpy_loss_and_grad(theta: list, x: object, y: object) -> tuple[float, list]:
    """Cost 1/2 ||a - y||^2 (mean over the rows) of the sigmoid 2-2-2 network at
    ``theta = [W1, b1, W2, b2]`` and its gradient, in plain NumPy."""
    import numpy as np
    from scipy.special import expit

    W1, b1, W2, b2 = theta
    m = x.shape[0]
    a1 = expit(x @ W1 + b1)
    a2 = expit(a1 @ W2 + b2)
    d = a2 - y
    J = float(np.sum(d * d)) * 0.5 / m
    delta2 = (d / m) * a2 * (1.0 - a2)
    delta1 = (delta2 @ W2.T) * a1 * (1.0 - a1)
    return J, [x.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)]


def small_net(reps: int, steps: int = 2000) -> dict[str, tuple[float, float]]:
    """Microseconds per call or step on Mazur's 2-2-2 network: {name: (chainrule, numpy)}."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    import chainrule as cr

    x, y = np.array(MAZUR["x"]), np.array(MAZUR["y"])
    start = [np.array(MAZUR[k]) for k in ("W1", "b1", "W2", "b2")]

    def network() -> cr.Network:
        layers = [cr.Dense(2, 2, activation="sigmoid") for _ in range(2)]
        net = cr.Network(layers, loss="squared_error")
        for layer, (W, b) in zip(layers, (start[:2], start[2:]), strict=True):
            layer.W, layer.b = W, b
        return net

    def cr_loss_and_grad() -> None:
        net = network()
        for _ in range(steps):
            net.loss_and_grad(x, y)

    def np_loss_and_grad() -> None:
        theta = [p.copy() for p in start]
        for _ in range(steps):
            _numpy_loss_and_grad(theta, x, y)

    def cr_train(opt: str) -> None:
        optimizer = cr.SGD(lr=0.5, momentum=0.9) if opt == "sgd" else cr.Adam(lr=0.01)
        cr.train(network(), x, y, optimizer=optimizer, batch_size=1, epochs=steps)

    def np_train(opt: str) -> None:
        theta = [p.copy() for p in start]
        first = [np.zeros_like(p) for p in theta]
        second = [np.zeros_like(p) for p in theta]
        for t in range(1, steps + 1):
            _, grads = _numpy_loss_and_grad(theta, x, y)
            for p, g, m, v in zip(theta, grads, first, second, strict=True):
                if opt == "sgd":  # v <- 0.9 v + g;  p <- p - 0.5 v
                    m *= 0.9
                    m += g
                    p -= 0.5 * m
                else:  # Adam, lr 0.01, betas 0.9 and 0.999, eps 1e-8
                    m *= 0.9
                    m += 0.1 * g
                    v *= 0.999
                    v += 0.001 * g * g
                    p -= 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)

    runs = {"loss_and_grad": (cr_loss_and_grad, np_loss_and_grad),
            "train step, SGD momentum": (lambda: cr_train("sgd"), lambda: np_train("sgd")),
            "train step, Adam": (lambda: cr_train("adam"), lambda: np_train("adam"))}
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in runs}
    with threadpool_limits(1):
        for r in range(reps + 1):  # the first round warms up and is not counted
            for name, pair in runs.items():
                for k in ((0, 1) if r % 2 == 0 else (1, 0)):
                    begin = time.perf_counter()
                    pair[k]()
                    if r:
                        times[name][k].append((time.perf_counter() - begin) / steps * 1e6)
    return {name: (statistics.median(a), statistics.median(b))
            for name, (a, b) in times.items()}


def _threads(text: str) -> int | None:
    """argparse type of ``--threads``: a positive count, or "default" (None)."""
    return None if text == "default" else positive_int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=5)
    parser.add_argument("--only", choices=["import", "partial_fit", "small_net", "ab",
                                           "ab-mnist", "ab-mnist64", "ab-fullbatch-mnist",
                                           "importance"])
    parser.add_argument("--base", help="ab: the src folder of the chainrule to compare with")
    parser.add_argument("--threads", type=_threads, default=1,
                        help="ab: BLAS threads, or 'default' (the machine's own count)")
    args = parser.parse_args()
    if args.only in AB_MODES:
        if not args.base:
            parser.error(f"--only {args.only} needs --base OTHER/src")
        ab(args.base, args.reps, AB_MODES[args.only], args.threads)
        return
    if args.only in (None, "import"):
        print(f"fresh processes, median of {args.reps}")
        for name, ms in imports(args.reps).items():
            print(f"  {name:<44} {ms:7.0f} ms")
    if args.only in (None, "partial_fit"):
        print(f"time per call, 1 BLAS thread, median of {args.reps}")
        for name, us in small_calls(args.reps).items():
            print(f"  {name:<44} {us:7.0f} us")
    if args.only in (None, "small_net"):
        print(f"Mazur's 2-2-2 network, time per call or step, 1 BLAS thread, median of "
              f"{args.reps} (chainrule and plain NumPy taking turns)")
        print(f"  {'':<28} {'chainrule':>10} {'NumPy':>8} {'ratio':>6}")
        for name, (ours, plain) in small_net(args.reps).items():
            print(f"  {name:<28} {ours:8.1f} us {plain:5.1f} us {ours / plain:6.2f}")
    if args.only in (None, "importance"):
        from bench_importance import report

        report(args.reps)


if __name__ == "__main__":
    main()
