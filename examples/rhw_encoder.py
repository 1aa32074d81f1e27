"""Rumelhart, Hinton & Williams (1986), the 8-3-8 encoder, in chainrule: eight one-hot
patterns squeezed through three sigmoid hidden units and reconstructed.

    python examples/rhw_encoder.py [--seed 5] [--survey 20] [--out rhw_encoder.png]

The network 8-3-8 (sigmoid hidden and output units) learns to copy each of the eight
one-hot patterns to its output through three hidden units, so the hidden layer must find a
code of three numbers for eight patterns: the three bits of a binary code are one answer.
It is trained by full-batch gradient descent with momentum (as they trained it): ``SGD(lr=1,
momentum=0.9)``, ``batch_size=8``, 3,000 epochs, Glorot-uniform starting weights from
``--seed``; the loss is ``log_loss`` (each output's cross-entropy, summed over the 8
outputs), which trains faster at these settings than their squared error.

After training every pattern is reconstructed (its output's largest unit is its own), and
with ``--seed 5`` (the default) or 8 the hidden codes are near-binary (each of the 24
activations within 0.2 of 0 or 1) and distinct when rounded to 0/1: the network found
a binary code.  Not every start does: over seeds 0..19 (``--survey 20``) all 20 reconstruct
the eight patterns, but only 8 have eight distinct rounded codes (1, 2, 5, 7, 8, 11, 15,
17) and only 5 and 8 of those near-binary ones; the others use intermediate activations (a
hidden unit near 0.5 for some pattern), a code of three levels that the outputs decode
as well.  (The counts come from one machine; rounding may move a borderline seed.)
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from chainrule.layers import Dense
from chainrule.network import Network

PATTERNS = np.eye(8)
EPOCHS = 3000
NEAR = 0.2  # near-binary: every hidden activation within NEAR of 0 or 1


def encoder_network(seed: int = 5) -> Network:
    """The untrained 8-3-8 network: Glorot-uniform weights from ``seed``, zero biases."""
    rng = np.random.default_rng(seed)
    return Network([Dense(8, 3, "sigmoid", init="glorot_uniform", seed=rng),
                    Dense(3, 8, "sigmoid", init="glorot_uniform", seed=rng)], loss="log_loss")


def train_encoder(seed: int = 5, epochs: int = EPOCHS) -> Network:
    """The 8-3-8 network trained on the eight patterns from starting weights of ``seed``."""
    net = encoder_network(seed)
    cr.train(net, PATTERNS, PATTERNS, optimizer=cr.SGD(lr=1.0, momentum=0.9), batch_size=8,
             epochs=epochs, seed=seed)
    return net


def codes(net: Network) -> dict:
    """The hidden codes of the eight patterns, shape (8, 3), and what they achieve:
    ``reconstructed`` (every pattern's largest output is its own), ``distinct`` (how many
    different codes after rounding to 0/1), ``near_binary`` (every activation within
    :data:`NEAR` of 0 or 1)."""
    out = net.forward(PATTERNS)
    hidden = net.layers[0].A.copy()
    return {"hidden": hidden, "output": out.copy(),
            "reconstructed": bool(np.all(out.argmax(axis=1) == np.arange(8))),
            "distinct": len({tuple(row) for row in np.round(hidden)}),
            "near_binary": bool(np.all(np.minimum(hidden, 1 - hidden) < NEAR))}


def survey(seeds: range, epochs: int = EPOCHS) -> dict[int, dict]:
    """:func:`codes` of the network trained from each seed."""
    return {seed: codes(train_encoder(seed, epochs)) for seed in seeds}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="rhw_encoder.png")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--survey", type=int, default=0,
                        help="also train from seeds 0..N-1 and say which find a binary code")
    args = parser.parse_args()
    net = train_encoder(args.seed, args.epochs)
    got = codes(net)
    print(f"8-3-8 encoder, seed {args.seed}, {args.epochs} epochs: cost "
          f"{net.loss_value(PATTERNS, PATTERNS):.4f}")
    print(f"pattern  {'hidden code':21s}  rounded  reconstructed as")
    for k, (h, o) in enumerate(zip(got["hidden"], got["output"], strict=True)):
        print(f"{k}        {np.array2string(h, precision=3, floatmode='fixed')}  "
              f"{np.round(h).astype(int)}  {o.argmax()}")
    print(f"all reconstructed: {got['reconstructed']}; distinct rounded codes: "
          f"{got['distinct']} of 8; near-binary (within {NEAR} of 0 or 1): {got['near_binary']}")
    found = {}
    if args.survey:
        found = survey(range(args.survey), args.epochs)
        for key in ("reconstructed", "near_binary"):
            print(f"seeds whose network is {key.replace('_', '-')}: "
                  f"{[s for s, c in found.items() if c[key]]}")
        print(f"seeds with 8 distinct rounded codes: "
              f"{[s for s, c in found.items() if c['distinct'] == 8]}")
    print(f"picture written to {plot(got, args.out)}")
    return {"net": net, "codes": got, "survey": found}


def plot(got: dict, path: str) -> str:
    """The hidden codes of the eight patterns, one row each."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.2, 3.6), dpi=90, layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(got["hidden"], cmap="gray_r", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(got["hidden"]):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                color="white" if v > 0.5 else "black")
    ax.set(xticks=range(3), yticks=range(8), xlabel="hidden unit", ylabel="pattern")
    ax.set_title("8-3-8 encoder:\nhidden codes", fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
