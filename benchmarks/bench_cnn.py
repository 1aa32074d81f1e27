"""Seconds per epoch of the same small CNN in chainrule and in PyTorch (CPU, float32).

Same shapes, same initial weights, same optimizer (plain SGD), same mini-batches
in the same order (PyTorch replays chainrule's shuffling), timed interleaved
(chainrule, PyTorch, chainrule, PyTorch, ...) so that a busy machine slows both
alike.  Prints the median and the min-max of each and the ratio of medians
chainrule / PyTorch (below 1: chainrule is faster), plus the largest
difference between the two networks' weights after one epoch (a check that
both did the same computation).

    python benchmarks/bench_cnn.py [--repeats 15] [--threads N] [--rows digits lenet]

``--threads`` (default: the number of cores) is the number of threads of
PyTorch and of the BLAS pools (NumPy's and SciPy's OpenBLAS: chainrule's
products) alike.

Rows:
  digits: 8x8 digits (1,347 training images), Conv2D(1, 8, 3, padding=1) relu,
          MaxPool2D(2), Flatten, Dense(128, 10) softmax; batch 32.
  lenet:  28x28 images (4,000 random ones: speed does not depend on the values),
          Conv2D(1, 6, 5, padding=2) relu, MaxPool2D(2), Conv2D(6, 16, 5) relu,
          MaxPool2D(2), Flatten, Dense(400, 10) softmax; batch 64.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from bench_mlp import limit_threads, positive_int

import chainrule as cr

ROWS = {
    "digits": dict(
        shape=(1, 8, 8), batch=32, lr=0.1,
        layers=[
            {"type": "Conv2D", "out_channels": 8, "kernel_size": 3, "padding": 1,
             "activation": "relu"},
            {"type": "MaxPool2D", "size": 2},
            {"type": "Flatten"},
            {"type": "Dense", "fan_out": 10, "activation": "softmax"},
        ],
    ),
    "lenet": dict(
        shape=(1, 28, 28), batch=64, lr=0.05, n=4000,
        layers=[
            {"type": "Conv2D", "out_channels": 6, "kernel_size": 5, "padding": 2,
             "activation": "relu"},
            {"type": "MaxPool2D", "size": 2},
            {"type": "Conv2D", "out_channels": 16, "kernel_size": 5, "activation": "relu"},
            {"type": "MaxPool2D", "size": 2},
            {"type": "Flatten"},
            {"type": "Dense", "fan_out": 10, "activation": "softmax"},
        ],
    ),
}


def load_data(row: dict) -> tuple[np.ndarray, np.ndarray]:
    if row["shape"] == (1, 8, 8):
        d = cr.datasets.load_digits_split(validation_size=0, seed=0, dtype=np.float32)
        return d.X_train.reshape(-1, 1, 8, 8), d.y_train
    rng = np.random.default_rng(0)
    return (rng.random((row["n"], *row["shape"]), dtype=np.float32),
            rng.integers(0, 10, row["n"]))


def torch_model(net: cr.Network):
    """The same architecture in torch.nn, with chainrule's initial weights copied in."""
    import torch

    modules = []
    for layer in net.layers:
        if isinstance(layer, cr.Conv2D):
            m = torch.nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                                stride=layer.stride, padding=layer.padding,
                                dilation=layer.dilation)
            m.weight.data = torch.tensor(layer.W)
            m.bias.data = torch.tensor(layer.b)
            modules += [m, torch.nn.ReLU()]
        elif isinstance(layer, cr.MaxPool2D):
            modules.append(torch.nn.MaxPool2d(layer.size, layer.stride, layer.padding,
                                              layer.dilation))
        elif isinstance(layer, cr.Flatten):
            modules.append(torch.nn.Flatten())
        else:  # the Dense softmax output: logits here, softmax inside the loss
            m = torch.nn.Linear(layer.n_in, layer.n_out)
            m.weight.data = torch.tensor(layer.W.T.copy())
            m.bias.data = torch.tensor(layer.b)
            modules.append(m)
    return torch.nn.Sequential(*modules)


def torch_epoch(model, X, y, order: np.ndarray, batch: int, lr: float) -> None:
    import torch

    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    for start in range(0, len(order), batch):
        idx = torch.from_numpy(order[start : start + batch])
        opt.zero_grad(set_to_none=True)
        loss_fn(model(X[idx]), y[idx]).backward()
        opt.step()


def bench(name: str, repeats: int) -> None:
    import torch

    row = ROWS[name]
    X, y = load_data(row)
    net0 = cr.network_from_layers(row["layers"], input_shape=row["shape"], seed=0,
                                  dtype=np.float32)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    times = {"chainrule": [], "pytorch": []}
    diff = 0.0
    for rep in range(repeats + 1):  # repetition 0 warms up and is not counted
        net = net0.copy()
        t0 = time.perf_counter()
        cr.train(net, X, y, optimizer="sgd", lr=row["lr"], batch_size=row["batch"], epochs=1,
                 seed=rep)
        t1 = time.perf_counter()
        model = torch_model(net0)
        order = np.random.default_rng(rep).permutation(len(X))  # chainrule's shuffling
        t2 = time.perf_counter()
        torch_epoch(model, Xt, yt, order, row["batch"], row["lr"])
        t3 = time.perf_counter()
        if rep:
            times["chainrule"].append(t1 - t0)
            times["pytorch"].append(t3 - t2)
        diff = max(diff, _weight_difference(net, model))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{name}: {len(X)} images {row['shape']}, batch {row['batch']}, "
          f"{net0.n_params} parameters, {repeats} interleaved repetitions")
    for k, v in times.items():
        print(f"  {k:<10} {med[k] * 1e3:8.1f} ms/epoch  (min {min(v) * 1e3:.1f}, "
              f"max {max(v) * 1e3:.1f})")
    print(f"  ratio chainrule / pytorch: {med['chainrule'] / med['pytorch']:.2f}   "
          f"(largest weight difference after one epoch: {diff:.1e})")


def _weight_difference(net: cr.Network, model) -> float:
    ours = [layer for layer in net.layers if layer.param_specs()]
    theirs = [m for m in model if hasattr(m, "weight")]
    worst = 0.0
    for a, m in zip(ours, theirs, strict=True):
        W = a.W if isinstance(a, cr.Conv2D) else a.W.T
        worst = max(worst, float(np.abs(W - m.weight.detach().numpy()).max()),
                    float(np.abs(a.b - m.bias.detach().numpy()).max()))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=15)
    parser.add_argument("--threads", type=positive_int, default=os.cpu_count())
    parser.add_argument("--rows", nargs="+", choices=sorted(ROWS), default=["digits", "lenet"])
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("bench_cnn needs PyTorch (pip install torch) for the comparison") from None
    limit_threads(args.threads, peers=("pytorch",))  # chainrule's BLAS and PyTorch alike
    print(f"numpy {np.__version__}, torch {torch.__version__}, {args.threads} thread(s)")
    for name in args.rows:
        bench(name, args.repeats)


if __name__ == "__main__":
    main()
