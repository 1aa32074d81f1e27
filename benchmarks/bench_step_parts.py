"""Where an epoch of issue 4's (1) goes, part by part: thread CPU time of each step's parts.

One ``train`` epoch of the MNIST-shaped run (60,000 x 784 float32, 784-256-128-10 ReLU,
softmax cross-entropy, batch 128, SGD momentum 0.9) with each part of each step timed
by the calling thread's CPU clock and summed over the epoch: the check of the input at
the call's start, the gather of each batch, each forward product, bias addition and
activation, the softmax, the cost, the output's delta, each weight-gradient, bias-gradient
and input-gradient product, each ReLU derivative, the optimizer's step and the
divergence guard's finiteness check; "rest" is the timed epoch's time less the parts (the
loop's Python, the accuracy count, the epoch's start and end).  Reading the thread CPU
clock is a system call (0.4 us for two readings in a row on the machine of 2026-12-07): each part
is printed less the time of two readings in a row (the header gives it), and the
readings' total on a line of its own.  The step is
:class:`chainrule._training_dense_step._DenseStep`'s own code with a clock read
between its calls (the same NumPy calls on the same buffers: the run's parameters are
checked equal, bit for bit, to an untimed epoch's).

``--again`` repeats each product and activation (the softmax too) right after itself (it writes
the same values again) and times the repeat apart: the same call with its operands
just touched, the floor of that call in the step; first minus again is what the call
pays for operands that the rest of the step has pushed out of the caches.  The
matrix products of an epoch alone (``bench_mlp.gemm_epoch``, the GEMM-only row of (4))
are timed in the same interleaving, with the untimed epoch, and each product alone
(the "alone" column: each product of the step on fixed operands, one after the other
as ``gemm_epoch`` runs them).

    python benchmarks/bench_step_parts.py [--reps 5] [--again]
    OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 python benchmarks/bench_step_parts.py
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import statistics
import time
from collections.abc import Iterator
from typing import ClassVar

import numpy as np
from bench_mlp import MNIST, gemm_epoch, mnist_like, positive_int
from threadpoolctl import threadpool_info, threadpool_limits

import chainrule as cr
from chainrule import (
    _training_data,
    _training_loop,
    _training_replay,
    _training_step,
    _validation_arrays,
)
from chainrule import optimizers as _optimizers
from chainrule._activations_inplace import _softmax_lse_into
from chainrule._training_dense_step import _DenseStep

_clock = time.thread_time_ns


class _TimedStep(_DenseStep):
    """:class:`_DenseStep` with the thread CPU time of each of its parts added to ``parts``
    (ns, by name); ``again``: each product and activation is called twice, the
    second call timed as ``<name> again``."""

    parts: ClassVar[collections.defaultdict] = collections.defaultdict(int)
    again: ClassVar[bool] = False
    #: the calls of each part timed by :func:`_timed` (the step's parts: one per step)
    calls: ClassVar[collections.defaultdict] = collections.defaultdict(int)

    def __call__(self, X, Y, sample_weight):  # (_DenseStep.__call__'s code, timed)
        net, T, again = self.net, self.parts, self.again
        self.calls["step"] += 1
        if (sample_weight is not None or type(X) is not np.ndarray
                or net.layers is not self.layers or X.dtype != net.dtype
                or Y.dtype != net.dtype):
            raise RuntimeError("bench_step_parts: the run left the dense step's path")
        m = X.shape[0]
        work = self.sizes.get(m) or self._buffers(m)
        layers = self.layers
        last = len(layers) - 1
        A = X
        for i, layer in enumerate(layers):
            buf = work[i]
            layer.X = A
            t0 = _clock()
            Z = np.matmul(A, layer._W, out=buf["Z"])
            t1 = _clock()
            T[f"forward product {i}"] += t1 - t0
            if again:
                np.matmul(A, layer._W, out=buf["Z"])
                t1, t0 = _clock(), t1
                T[f"forward product {i} again"] += t1 - t0
            if layer._b is not None:
                Z += layer._b
            t2 = _clock()
            T[f"bias {i}"] += t2 - t1
            layer.Z = Z
            if i < last:
                A = layer.A = self.acts[i][0](Z, buf["A"])
                layer._lse = None
                t3 = _clock()
                T[f"activation {i}"] += t3 - t2
                if again:
                    self.acts[i][0](Z, buf["A"])
                    T[f"activation {i} again"] += _clock() - t3
            else:
                A, lse = _softmax_lse_into(Z, buf["A"])
                layer.A, layer._lse = A, lse
                t3 = _clock()
                T["softmax"] += t3 - t2
                if again:  # (the same values into the same buffer, a new lse alike)
                    A, lse = _softmax_lse_into(Z, buf["A"])
                    layer._lse = lse
                    T["softmax again"] += _clock() - t3
        t0 = _clock()
        out = layers[last]
        terms = self.value(out.Z, Y, lse)
        net._last_decay = term = net._decay_term(m)
        J = float(np.add.reduce(terms) / m) + term
        t1 = _clock()
        T["cost"] += t1 - t0
        delta = self.delta(out.Z, A, Y, work[last]["delta"])
        delta /= m
        T["output delta"] += _clock() - t1
        for i in range(last, -1, -1):
            layer, buf = layers[i], work[i]
            layer.delta = delta
            t0 = _clock()
            np.matmul(layer.X.T, delta, out=layer.dW)
            t1 = _clock()
            T[f"weight gradient {i}"] += t1 - t0
            if again:
                np.matmul(layer.X.T, delta, out=layer.dW)
                t1, t0 = _clock(), t1
                T[f"weight gradient {i} again"] += t1 - t0
            if layer.db is not None:
                np.matmul(buf["ones"], delta, out=layer.db)
            t2 = _clock()
            T[f"bias gradient {i}"] += t2 - t1
            if i:
                grad_in = np.matmul(delta, layer._W.T, out=buf["dX"])
                t3 = _clock()
                T[f"input gradient {i}"] += t3 - t2
                if again:
                    np.matmul(delta, layer._W.T, out=buf["dX"])
                    t3, t2 = _clock(), t3
                    T[f"input gradient {i} again"] += t3 - t2
                below, (_, into, over) = work[i - 1], self.acts[i - 1]
                delta = into(layers[i - 1].Z, layers[i - 1].A, grad_in,
                             grad_in if over else below["delta"], below["mask"])
                T[f"derivative {i - 1}"] += _clock() - t3
        if net.weight_decay:
            net._add_decay_grad(m)
        net._grad_computed = True
        return J, net._grad


def _timed(fn, name: str):
    def timed(*args, **kwargs):
        t0 = _clock()
        try:
            return fn(*args, **kwargs)
        finally:
            _TimedStep.parts[name] += _clock() - t0
            _TimedStep.calls[name] += 1
    return timed


@contextlib.contextmanager
def timed_parts(again: bool = False) -> Iterator[collections.defaultdict]:
    """Within this block, ``train`` on a plain Dense classifier adds the thread CPU time
    (ns) of each part of its steps to the dict yielded (see the module); put back after."""
    patches = [(_training_loop, "_DenseStep", _TimedStep),
               (_validation_arrays, "all_finite",  # the data's check as the call begins
                _timed(_validation_arrays.all_finite, "finite data check (call start)")),
               (_training_data._Gather, "__call__", _timed(_training_data._Gather.__call__,
                                                          "gather (X and Y rows)")),
               (_optimizers.Optimizer, "step",
                _timed(_optimizers.Optimizer.step, "optimizer step")),
               (_training_step, "_params_finite",
                _timed(_training_step._params_finite, "guard (finite parameters)")),
               (_training_replay, "_params_finite",
                _timed(_training_replay._params_finite, "guard (finite parameters)"))]
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
    _TimedStep.parts, _TimedStep.again = collections.defaultdict(int), again
    _TimedStep.calls = collections.defaultdict(int)
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield _TimedStep.parts
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def products_alone(sizes: list[int], batch: int, n: int, dtype: type = np.float32):
    """A function timing an epoch's products of the step one by one, alone: each on the
    same operands at every step (random, made once), as ``bench_mlp.gemm_epoch`` runs
    them; returns {the step's name of the product: thread CPU ns over the epoch}."""
    rng = np.random.default_rng(0)
    last = len(sizes) - 2
    Ws = [(rng.standard_normal((a, b)) / a).astype(dtype) for a, b in itertools.pairwise(sizes)]
    dWs = [np.empty_like(W) for W in Ws]
    bounds = [min(batch, n - s) for s in range(0, n, batch)]

    def run() -> dict:
        spent: collections.defaultdict = collections.defaultdict(int)
        ins = [rng.random((batch, a), dtype=dtype) for a in sizes[:-1]]
        outs = [rng.random((batch, b), dtype=dtype) for b in sizes[1:]]
        grads = [np.empty_like(a) for a in ins]  # (the inputs stay as they are)
        for m in bounds:
            for i in range(last + 1):
                t0 = _clock()
                np.matmul(ins[i][:m], Ws[i], out=outs[i][:m])
                spent[f"forward product {i}"] += _clock() - t0
            for i in range(last, -1, -1):
                t0 = _clock()
                np.matmul(ins[i][:m].T, outs[i][:m], out=dWs[i])
                t1 = _clock()
                spent[f"weight gradient {i}"] += t1 - t0
                if i:
                    np.matmul(outs[i][:m], Ws[i].T, out=grads[i][:m])
                    spent[f"input gradient {i}"] += _clock() - t1
        return spent

    return run


def _empty_interval(n: int = 2001) -> float:
    """The thread CPU time between two readings of the clock in a row (ns, median): what
    each timed part reads on top of its own time."""
    spans = []
    for _ in range(n):
        t0 = _clock()
        spans.append(_clock() - t0)
    return statistics.median(spans)


def _epoch(net0, X, y, seed: int) -> cr.Network:
    net = net0.copy()
    cr.train(net, X, y, optimizer="sgd", lr=MNIST["lr"], momentum=MNIST["momentum"],
             batch_size=MNIST["batch"], epochs=1, seed=seed)
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=positive_int, default=5)
    parser.add_argument("--again", action="store_true",
                        help="time each product and activation a second time")
    args = parser.parse_args()
    X, y = mnist_like()
    net0 = cr.mlp(MNIST["sizes"], hidden="relu", output="softmax", seed=0, dtype=X.dtype)
    gemm = gemm_epoch(MNIST["n"], MNIST["sizes"], MNIST["batch"])
    alone = products_alone(MNIST["sizes"], MNIST["batch"], MNIST["n"])
    kernels = sorted({d.get("architecture", "?") for d in threadpool_info()
                      if d.get("internal_api") == "openblas"})
    with threadpool_limits(1):
        with timed_parts(args.again):
            timed = _epoch(net0, X, y, 1)
        if not np.array_equal(timed.params, _epoch(net0, X, y, 1).params):
            raise AssertionError("the timed epoch's parameters differ from an untimed epoch's")
        runs, whole, plain, products, alones, calls = [], [], [], [], [], []
        for rep in range(args.reps + 1):  # the first round warms up
            with timed_parts(args.again) as parts:
                t0 = _clock()
                _epoch(net0, X, y, rep)
                t1 = _clock()
            t2 = _clock()
            _epoch(net0, X, y, rep)
            t3 = _clock()
            gemm()
            t4 = _clock()
            spent = alone()
            if rep:
                alones.append(spent)
                calls.append(dict(_TimedStep.calls))
                runs.append(dict(parts))
                whole.append(t1 - t0)
                plain.append(t3 - t2)
                products.append(t4 - t3)
    steps = -(-MNIST["n"] // MNIST["batch"])
    floor = statistics.median(products)
    empty = _empty_interval()
    print(f"one epoch of (1), OpenBLAS {'/'.join(kernels)} kernels, 1 thread, thread CPU "
          f"time, medians of {args.reps} epochs ({steps} steps each)")
    print(f"  untimed epoch {statistics.median(plain) / 1e6:8.1f} ms = "
          f"{statistics.median(plain) / floor:.3f} x the GEMM-only epoch "
          f"({floor / 1e6:.1f} ms); timed epoch {statistics.median(whole) / 1e6:.1f} ms")
    print(f"  each part less one clock read ({empty / 1e3:.2f} us: two readings of the thread "
          f"CPU clock in a row)")
    print(f"  {'part':<34} {'ms/epoch':>9} {'us/step':>8} {'/ GEMM-only':>12} "
          f"{'alone, us/step':>15}")
    total = clocks = 0.0
    for name in runs[0]:
        raw = statistics.median(run.get(name, 0) for run in runs)
        total += raw
        n_calls = calls[0].get(name, calls[0]["step"])
        clocks += n_calls * empty
        med = raw - n_calls * empty
        by_itself = (f"{(statistics.median(a[name] for a in alones) / steps - empty) / 1e3:15.1f}"
                     if name in alones[0] else "")
        print(f"  {name:<34} {med / 1e6:9.2f} {med / steps / 1e3:8.1f} {med / floor:12.3f} "
              f"{by_itself}")
    print(f"  {'the clock reads in the parts':<34} {clocks / 1e6:9.2f} {clocks / steps / 1e3:8.1f} "
          f"{clocks / floor:12.3f}")
    rest = statistics.median(whole) - total
    print(f"  {'rest (loop, epoch start and end)':<34} {rest / 1e6:9.2f} "
          f"{rest / steps / 1e3:8.1f} {rest / floor:12.3f}")


if __name__ == "__main__":
    main()
