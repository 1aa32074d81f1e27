"""The training step of a tiny network, this tree's chainrule against another tree's.

Matt Mazur's 2-2-2 sigmoid network (examples/mazur_backprop.py, as ``bench_overheads.py
--only small_net``) trained by ``chainrule.train`` on its one example, ``batch_size=1``:
an epoch is one step, so a step pays the whole per-step and per-epoch cost of the loop
around its arithmetic.  SGD with momentum 0.9 (rate 0.5) and Adam (rate 0.01),
``--steps`` steps per run; both trees imported in one process and taking turns, on
one BLAS thread, each case first checked to give the same parameters and losses in
both trees (``bench_overheads.ab``: medians of wall and thread CPU time per step, and
the medians of the paired ratios this / base).

    python benchmarks/bench_small_ab.py --base ../base/src [--reps 21] [--steps 500]
"""

from __future__ import annotations

import argparse

from bench_mlp import positive_int
from bench_overheads import MAZUR, ab


def _small_net_cases(cr: object, steps: int) -> dict:
    """{case: (run, result, steps per run)} with this tree's ``cr``."""
    import numpy as np

    x, y = np.array(MAZUR["x"]), np.array(MAZUR["y"])
    start = [np.array(MAZUR[k]) for k in ("W1", "b1", "W2", "b2")]

    def run(opt: str, epochs: int = steps) -> tuple:
        layers = [cr.Dense(2, 2, activation="sigmoid") for _ in range(2)]
        net = cr.Network(layers, loss="squared_error")
        for layer, (W, b) in zip(layers, (start[:2], start[2:]), strict=True):
            layer.W, layer.b = W, b
        optimizer = cr.SGD(lr=0.5, momentum=0.9) if opt == "sgd" else cr.Adam(lr=0.01)
        hist = cr.train(net, x, y, optimizer=optimizer, batch_size=1, epochs=epochs)
        return np.array(hist["loss"]), net.params

    return {f"train step, Mazur 2-2-2, batch 1, {name}": (
        lambda opt=opt: run(opt), lambda opt=opt: [run(opt)], steps)
        for opt, name in (("sgd", "SGD momentum"), ("adam", "Adam"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the src folder of the chainrule to "
                                                      "compare with")
    parser.add_argument("--reps", type=positive_int, default=21)
    parser.add_argument("--steps", type=positive_int, default=500)
    args = parser.parse_args()
    ab(args.base, args.reps, lambda cr: _small_net_cases(cr, args.steps))


if __name__ == "__main__":
    main()
