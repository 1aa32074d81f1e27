"""Karpathy's makemore parts 2 and 3: the character MLP of Bengio et al. (2003), walked.

    python examples/karpathy_makemore_mlp.py [--steps 3000] [--out karpathy_makemore_mlp.png]

"Building makemore Part 2: MLP" (Neural Networks: Zero to Hero) predicts the next character
of a name from the three before it: each character (27 of them, "." ending a name, a to z)
is looked up in a table ``C`` of 27 x 10, the three rows concatenated (30 numbers), a
hidden layer of 200 tanh units, 27 softmax outputs, cross-entropy.  In chainrule:

    Network([Embedding(27, 10, block_size=3),
             Dense(30, 200, activation="tanh"),
             Dense(200, 27, activation="softmax")])

"Part 3: Activations & Gradients, BatchNorm" then looks at that network at its first step,
with every parameter drawn from N(0, 1):

1. the initial loss is far above what a network that knows nothing should say: each of the
   27 characters equally likely, ``-ln(1/27) = 3.2958``.  The logits are too large; with
   ``W2 * 0.01`` and ``b2 * 0`` (his "fixed" output) the loss is about that, and with
   ``W2 = 0`` it is exactly that;
2. the hidden tanh units are saturated: ``|h| > 0.99``, where ``1 - h^2`` passes almost no
   gradient back.  Scaling ``W1`` (his ``* 0.2``, ``b1 * 0.01``) brings them back; the
   scale he then derives is Kaiming's, ``gain / sqrt(fan_in)`` with tanh's gain ``5/3``:
   ``(5/3) / sqrt(30) = 0.3043``.

His figures on names.txt (32,033 names) are not reproduced here (no download): the words
are the short list below, so the losses after training are this list's, not his.  What
does not depend on the data is checked exactly (tests/test_student29_makemore.py): the
contexts of a word, ``ln 27``, the gain, and chainrule's saturation fraction
(:func:`chainrule.diagnostics.saturation` with ``threshold = 1 - 0.99**2``: ``1 - h^2 <
0.0199`` is ``|h| > 0.99``) against plain NumPy.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from chainrule import Dense, Embedding, Network, diagnostics

BLOCK, N_EMBD, N_HIDDEN, VOCAB = 3, 10, 200, 27
SEED = 2147483647  # his torch.Generator().manual_seed(2147483647), here NumPy's
TANH_GAIN = 5 / 3  # torch.nn.init.calculate_gain("tanh")
SATURATED = 0.99  # his |h| > 0.99
# a short list of names (the model and the checks need no more; his names.txt is not here)
WORDS = ("emma olivia ava isabella sophia mia charlotte amelia harper evelyn abigail emily "
         "ella elizabeth camila luna sofia avery mila aria scarlett penelope layla chloe "
         "victoria madison eleanor grace nora riley zoey hannah hazel lily ellie violet "
         "liam noah oliver elijah james william benjamin lucas henry theodore jack levi "
         "alexander jackson mateo daniel michael mason sebastian ethan logan owen samuel "
         "jacob asher aiden john joseph wyatt david leo luke julian hudson grayson matthew "
         "ezra gabriel carter isaac jayden luca anthony dylan lincoln thomas maverick").split()


def stoi(ch: str) -> int:
    """His ``stoi``: "." is 0, "a" to "z" are 1 to 26."""
    return 0 if ch == "." else ord(ch) - ord("a") + 1


def build_dataset(words: list[str], block_size: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """His ``build_dataset``: every context of ``block_size`` characters and the next one.

    Each word is padded in front with "." (index 0) and ends with "."; "emma" gives the
    contexts ``...``, ``..e``, ``.em``, ``emm``, ``mma`` and the targets e, m, m, a, ".".

    Returns
    -------
    X : ndarray of int of shape (n_contexts, block_size)
    Y : ndarray of int of shape (n_contexts,)
    """
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi(ch)
            X.append(context)
            Y.append(ix)
            context = [*context[1:], ix]
    return np.array(X), np.array(Y)


def his_init(seed: int = SEED) -> dict[str, np.ndarray]:
    """Every parameter from N(0, 1), as his first network of part 3 (NumPy's draws)."""
    rng = np.random.default_rng(seed)
    return {"C": rng.standard_normal((VOCAB, N_EMBD)),
            "W1": rng.standard_normal((N_EMBD * BLOCK, N_HIDDEN)),
            "b1": rng.standard_normal(N_HIDDEN),
            "W2": rng.standard_normal((N_HIDDEN, VOCAB)),
            "b2": rng.standard_normal(VOCAB)}


def kaiming_scale(fan_in: int = N_EMBD * BLOCK, gain: float = TANH_GAIN) -> float:
    """His ``(5/3) / (n_embd * block_size)**0.5``: the standard deviation that keeps tanh's
    inputs of order 1, Kaiming's ``gain / sqrt(fan_in)``."""
    return gain / math.sqrt(fan_in)


def build(p: dict[str, np.ndarray], w1_scale: float = 1.0, b1_scale: float = 1.0,
          w2_scale: float = 1.0, b2_scale: float = 1.0) -> Network:
    """Embedding -> Dense(tanh) -> Dense(softmax) holding ``p``'s arrays, scaled as he does."""
    net = Network([
        Embedding(VOCAB, N_EMBD, block_size=BLOCK, init=p["C"]),
        Dense(N_EMBD * BLOCK, N_HIDDEN, activation="tanh", init=p["W1"] * w1_scale),
        Dense(N_HIDDEN, VOCAB, activation="softmax", init=p["W2"] * w2_scale),
    ], loss="cross_entropy")
    net.layers[1].b, net.layers[2].b = p["b1"] * b1_scale, p["b2"] * b2_scale
    return net


def first_step(net: Network, X: np.ndarray, Y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """The loss at the first step, the fraction of saturated tanh units, and ``h``.

    The saturation is chainrule's :func:`~chainrule.diagnostics.saturation` of the
    forward pass, with the threshold on ``f'(z) = 1 - h^2`` that is his ``|h| > 0.99``.
    """
    loss, _ = net.loss_and_grad(X, Y)
    (saturated,) = diagnostics.saturation(net, threshold=1 - SATURATED ** 2)
    return loss, saturated, net.layers[1].A.copy()


def settings() -> dict[str, dict[str, float]]:
    """His inits, one after the other: raw, the fixed output, then W1 scaled by 0.2 and
    by Kaiming's scale."""
    k = kaiming_scale()
    return {
        "all N(0, 1)": {},
        "W2 * 0.01, b2 * 0": {"w2_scale": 0.01, "b2_scale": 0.0},
        "W2 = 0, b2 = 0": {"w2_scale": 0.0, "b2_scale": 0.0},
        "and W1 * 0.2, b1 * 0.01": {"w2_scale": 0.01, "b2_scale": 0.0, "w1_scale": 0.2,
                                    "b1_scale": 0.01},
        f"and W1 * (5/3)/sqrt(30) = {k:.4f}": {"w2_scale": 0.01, "b2_scale": 0.0,
                                             "w1_scale": k, "b1_scale": 0.01},
    }


def train(net: Network, X: np.ndarray, Y: np.ndarray, steps: int, seed: int = 0
          ) -> list[float]:
    """His loop: mini-batches of 32 drawn with replacement, SGD at 0.1 (0.01 for the last
    tenth of the steps, his decay); the loss of each batch."""
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(steps):
        ix = rng.integers(0, len(X), 32)
        loss, grad = net.loss_and_grad(X[ix], Y[ix])
        net.params[...] -= (0.1 if step < 0.9 * steps else 0.01) * grad
        losses.append(loss)
    return losses


def plot(hs: dict[str, np.ndarray], curves: dict[str, list[float]], path: str) -> str:
    """His histograms of ``h`` at the first step, and the training losses."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 3.4), dpi=90, layout="constrained")
    axes = fig.subplots(1, len(hs) + 1)
    for ax, (label, h) in zip(axes, hs.items(), strict=False):
        ax.hist(h.ravel(), 50)
        ax.set(title=label, xlabel="h", yticks=[])
    for label, losses in curves.items():
        axes[-1].plot(np.convolve(losses, np.ones(50) / 50, "valid"), lw=0.8, label=label)
    axes[-1].axhline(math.log(VOCAB), color="k", lw=0.5, ls=":")
    axes[-1].set(xlabel="step", ylabel="loss (mean of 50)", title="training")
    axes[-1].legend(fontsize=7)
    fig.savefig(path)
    return path


def main() -> dict[str, tuple[float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--out", default="karpathy_makemore_mlp.png")
    args = parser.parse_args()
    X, Y = build_dataset(WORDS)
    p = his_init()
    print(f"{len(WORDS)} words, {len(X)} contexts of {BLOCK} characters; "
          f"network: {build(p)}")
    print(f"expected initial loss -ln(1/27) = {-math.log(1 / VOCAB):.4f}; Kaiming's scale "
          f"for tanh (5/3)/sqrt({N_EMBD * BLOCK}) = {kaiming_scale():.4f}")
    print(f"{'init':38s} {'loss':>8s} {'|h| > 0.99':>11s} {'std(hpreact)':>13s}")
    rows, hs = {}, {}
    for label, scales in settings().items():
        net = build(p, **scales)
        loss, saturated, h = first_step(net, X, Y)
        hpreact = net.layers[1].Z
        rows[label] = (loss, saturated)
        print(f"{label:38s} {loss:8.4f} {saturated:11.1%} {hpreact.std():13.3f}")
        if label in ("all N(0, 1)", "and W1 * 0.2, b1 * 0.01") or label.startswith("and W1 * (5"):
            hs[label.split(" = ")[0].replace("and ", "")] = h
    curves = {}
    for label in ("all N(0, 1)", "and W1 * 0.2, b1 * 0.01"):
        net = build(p, **settings()[label])
        curves[label] = train(net, X, Y, args.steps)
        print(f"{label}: loss of the first 50 steps {np.mean(curves[label][:50]):.3f}, of "
              f"the last 50 {np.mean(curves[label][-50:]):.3f} ({args.steps} steps)")
    print(f"picture written to {plot(hs, curves, args.out)}")
    return rows


if __name__ == "__main__":
    main()
