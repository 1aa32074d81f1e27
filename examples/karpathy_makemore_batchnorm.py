"""Karpathy's makemore part 3, second half: batch normalisation, with chainrule's BatchNorm.

    python examples/karpathy_makemore_batchnorm.py [--steps 3000] [--out PICTURE.png]

"Building makemore Part 3: Activations & Gradients, BatchNorm" normalises the hidden
layer's pre-activations by hand: ``hpreact = bngain * (hpreact - mean) / std + bnbias``,
with running estimates ``bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani`` (his
momentum 0.001), and later his ``BatchNorm1d`` class with ``eps = 1e-5``.  In chainrule:

    Network([Embedding(27, 10, block_size=3),
             Dense(30, 200, activation="identity", bias=False),   # b1 is useless
             BatchNorm(200, activation="tanh", momentum=0.999),    # his 0.001
             Dense(200, 27, activation="softmax")])

chainrule's ``momentum`` is the weight of the old running value (cs231n's and Keras's
convention, ``running = m * running + (1 - m) * batch``), so his 0.001 (PyTorch's
convention, the weight of the batch) is chainrule's ``1 - 0.001 = 0.999``.  His
``x.var(0)`` is PyTorch's Bessel-corrected variance; ``unbiased_running_var=True`` (the
default) averages that one into ``running_var``, so the running buffers equal his update;
the batch itself chainrule normalises with the ``1/n`` variance (as PyTorch's
``nn.BatchNorm1d``), his ``var(0, unbiased=False)`` (see karpathy_backprop_ninja.py for
the ``1/(n-1)`` batch).  His first version tracks ``bnstd_running``, a mean of standard
deviations, where chainrule (and his ``BatchNorm1d``) keep a mean of variances.

The script then shows, on the built-in names of karpathy_makemore_mlp.py (imported, not
copied; his names.txt is not downloaded, so the losses are this list's):

1. after training, his "calibration": the mean and standard deviation of ``hpreact`` over
   the whole training set, against chainrule's running ones, and the loss evaluated with
   either (``BatchNorm.set_buffers`` puts the calibrated ones in);
2. a bias before BatchNorm gets a gradient of 0 (the batch mean takes it out);
3. his 5-layer tanh MLP (100 units, Kaiming's 5/3 gain, last layer scaled by 0.1) at
   initialisation, with and without BatchNorm: each tanh layer's mean, std and saturated
   fraction ``|h| > 0.97`` (``diagnostics.saturation`` with ``threshold = 1 - 0.97**2``).

Checked against NumPy in tests/test_student30_makemore_batchnorm.py.
"""

from __future__ import annotations

import argparse
import itertools
import math
import runpy
from pathlib import Path

import numpy as np

from chainrule import BatchNorm, Dense, Embedding, Network, diagnostics

_MLP = runpy.run_path(str(Path(__file__).with_name("karpathy_makemore_mlp.py")))
WORDS, build_dataset = _MLP["WORDS"], _MLP["build_dataset"]
BLOCK, N_EMBD, VOCAB = 3, 10, 27
N_HIDDEN = 200  # his single hidden layer
DEEP_HIDDEN = 100  # his 5-layer MLP
HIS_MOMENTUM = 0.001  # the weight of the batch in his running update
EPS = 1e-5
TANH_GAIN = 5 / 3
SATURATED = 0.97  # his |t| > 0.97 in the 5-layer diagnostics
SEED = 2147483647


def splits(seed: int = 42) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """His 80 % / 10 % / 10 % split of the shuffled words (NumPy's shuffle, not his)."""
    words = list(WORDS)
    np.random.default_rng(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return {"train": build_dataset(words[:n1]), "dev": build_dataset(words[n1:n2]),
            "test": build_dataset(words[n2:])}


def his_params(seed: int = SEED) -> dict[str, np.ndarray]:
    """His part-3 init: C ~ N(0, 1), W1 * (5/3)/sqrt(30), b1 * 0.01, W2 * 0.01, b2 = 0."""
    rng = np.random.default_rng(seed)
    fan_in = N_EMBD * BLOCK
    return {"C": rng.standard_normal((VOCAB, N_EMBD)),
            "W1": rng.standard_normal((fan_in, N_HIDDEN)) * TANH_GAIN / math.sqrt(fan_in),
            "b1": rng.standard_normal(N_HIDDEN) * 0.01,
            "W2": rng.standard_normal((N_HIDDEN, VOCAB)) * 0.01,
            "b2": np.zeros(VOCAB)}


def build(p: dict[str, np.ndarray], bias: bool = False, momentum: float = HIS_MOMENTUM
          ) -> Network:
    """His network with BatchNorm; ``momentum`` in his convention (the batch's weight)."""
    dense = Dense(N_EMBD * BLOCK, N_HIDDEN, activation="identity", bias=bias, init=p["W1"])
    if bias:
        dense.b = p["b1"]
    net = Network([
        Embedding(VOCAB, N_EMBD, block_size=BLOCK, init=p["C"]),
        dense,
        BatchNorm(N_HIDDEN, activation="tanh", momentum=1 - momentum, eps=EPS),
        Dense(N_HIDDEN, VOCAB, activation="softmax", init=p["W2"]),
    ], loss="cross_entropy")
    net.layers[3].b = p["b2"]
    return net


def train(net: Network, X: np.ndarray, Y: np.ndarray, steps: int, seed: int = 0
          ) -> list[float]:
    """His loop: batches of 32 drawn with replacement, SGD 0.1 then 0.01 for the last tenth,
    in training mode (batch statistics; the running ones updated every step)."""
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(steps):
        ix = rng.integers(0, len(X), 32)
        loss, grad = net.loss_and_grad(X[ix], Y[ix], training=True)
        net.params[...] -= (0.1 if step < 0.9 * steps else 0.01) * grad
        losses.append(loss)
    return losses


def calibrate(net: Network, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """His calibration: ``hpreact`` of the whole training set, its mean and (Bessel) variance.

    Returns
    -------
    mean, var : ndarray of shape (n_hidden,)
    """
    hpreact = net.layers[1].forward(net.layers[0].forward(X))
    return hpreact.mean(axis=0), hpreact.var(axis=0, ddof=1)


def split_loss(net: Network, X: np.ndarray, Y: np.ndarray) -> float:
    """His ``split_loss``: the mean cross-entropy in evaluation mode (running statistics)."""
    probs = net.forward(X)
    return float(-np.mean(np.log(probs[np.arange(len(Y)), Y])))


def bias_gradient(p: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``db1`` of ``Dense(..., bias=True)`` before BatchNorm for one training batch."""
    net = build(p, bias=True)
    net.loss_and_grad(X, Y, training=True)
    return net.layers[1].db.copy()


def deep_mlp(batchnorm: bool, seed: int = SEED) -> Network:
    """His 5-layer tanh MLP, 30 -> 100 x 5 -> 27, at initialisation.

    Every Linear ``W ~ N(0, 1) / sqrt(fan_in)``, times 5/3 (his loop over ``layers[:-1]``:
    without BatchNorm that leaves out the last Linear, with it the last BatchNorm); the last
    layer's output is scaled by 0.1 (his ``layers[-1].gamma *= 0.1`` with BatchNorm,
    ``layers[-1].weight *= 0.1`` without).  With BatchNorm every Linear has no bias and is
    followed by ``BatchNorm1d`` (the tanh in chainrule's BatchNorm), the logits too.
    """
    rng = np.random.default_rng(seed)
    sizes = [N_EMBD * BLOCK] + [DEEP_HIDDEN] * 5 + [VOCAB]
    layers = [Embedding(VOCAB, N_EMBD, block_size=BLOCK, init=rng.standard_normal((VOCAB, N_EMBD)))]
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        last = i == len(sizes) - 2
        W = rng.standard_normal((n_in, n_out)) / math.sqrt(n_in)
        W *= 1.0 if last and not batchnorm else TANH_GAIN  # his layers[:-1]
        if batchnorm:
            layers.append(Dense(n_in, n_out, activation="identity", bias=False, init=W))
            if not last:
                layers.append(BatchNorm(n_out, activation="tanh", eps=EPS))
        else:
            act = "softmax" if last else "tanh"
            layers.append(Dense(n_in, n_out, activation=act, init=W * (0.1 if last else 1.0)))
    if batchnorm:  # his BatchNorm1d(vocab_size) on the logits, gamma * 0.1, then softmax
        layers.append(BatchNorm(VOCAB, eps=EPS))
        layers[-1].gamma = np.full(VOCAB, 0.1)
        layers.append(Dense(VOCAB, VOCAB, activation="softmax", init=np.eye(VOCAB), bias=False))
    return Network(layers, loss="cross_entropy")


def tanh_stats(net: Network, X: np.ndarray) -> list[tuple[float, float, float]]:
    """Mean, std and fraction ``|h| > 0.97`` of each tanh layer after one training-mode pass.

    The fraction is chainrule's :func:`~chainrule.diagnostics.saturation` (``1 - h^2 <
    1 - 0.97^2``), taken for the tanh layers only.
    """
    net.forward(X, training=True)
    fractions = diagnostics.saturation(net, threshold=1 - SATURATED ** 2)
    qualifying = [layer for layer in net.layers if getattr(layer, "Z", None) is not None
                  and getattr(layer, "activation", None) is not None
                  and layer.activation.elementwise and layer.activation.df is not None]
    return [(float(layer.A.mean()), float(layer.A.std()), frac)
            for layer, frac in zip(qualifying, fractions, strict=True)
            if layer.activation.name == "tanh"]


def plot(hs: dict[str, list[np.ndarray]], path: str) -> str:
    """His histograms of each tanh layer's outputs at init, without and with BatchNorm."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 3.2), dpi=90, layout="constrained")
    for ax, (label, layers) in zip(fig.subplots(1, len(hs)), hs.items(), strict=True):
        for i, h in enumerate(layers, 1):
            counts, edges = np.histogram(h, 50, range=(-1, 1), density=True)
            ax.plot((edges[:-1] + edges[1:]) / 2, counts, lw=0.9, label=f"layer {i}")
        ax.set(title=f"5-layer tanh MLP at init, {label}", xlabel="tanh output", yticks=[])
        ax.legend(fontsize=7)
    fig.savefig(path)
    return path


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--out", default="karpathy_makemore_batchnorm.png")
    args = parser.parse_args()
    data = splits()
    Xtr, Ytr = data["train"]
    p = his_params()
    net = build(p)
    print(f"{len(Xtr)} training contexts; network: {net}")
    train(net, Xtr, Ytr, args.steps)
    bn = net.layers[2]
    mean, var = calibrate(net, Xtr)
    running = {"mean": bn.running_mean.copy(), "var": bn.running_var.copy()}
    print(f"after {args.steps} steps, calibrated (whole training set) vs running "
          f"(momentum {HIS_MOMENTUM}, chainrule's {bn.momentum}):")
    print(f"  max |mean - running_mean| = {np.max(np.abs(mean - running['mean'])):.4f} "
          f"(max |mean| {np.max(np.abs(mean)):.3f})")
    print(f"  max |std - sqrt(running_var)| = "
          f"{np.max(np.abs(np.sqrt(var) - np.sqrt(running['var']))):.4f} "
          f"(std from {np.sqrt(var).min():.3f} to {np.sqrt(var).max():.3f})")
    out = {}
    for label, (mu, v) in {"running": (running["mean"], running["var"]),
                           "calibrated": (mean, var)}.items():
        bn.set_buffers({"running_mean": mu, "running_var": v})
        out[f"train {label}"] = split_loss(net, *data["train"])
        out[f"dev {label}"] = split_loss(net, *data["dev"])
        print(f"  evaluation with the {label:10s} statistics: train loss "
              f"{out[f'train {label}']:.4f}, dev loss {out[f'dev {label}']:.4f}")
    db1 = bias_gradient(p, Xtr[:32], Ytr[:32])
    print(f"bias before BatchNorm: max |db1| = {np.max(np.abs(db1)):.1e} "
          f"(Dense(..., bias=False) leaves it out)")
    print(f"5-layer tanh MLP at init, |h| > {SATURATED} (layers 1 to 5):")
    hs = {}
    for batchnorm in (False, True):
        deep = deep_mlp(batchnorm)
        stats = tanh_stats(deep, Xtr)
        label = "with BatchNorm" if batchnorm else "without BatchNorm"
        print(f"  {label}: " + ", ".join(f"std {s:.2f} sat {f:.1%}" for _, s, f in stats))
        hs[label] = [layer.A for layer in deep.layers
                     if getattr(layer, "activation", None) is not None
                     and layer.activation.name == "tanh"]
    print(f"picture written to {plot(hs, args.out)}")
    return out


if __name__ == "__main__":
    main()
