"""Karpathy's "Building makemore Part 4: Becoming a Backprop Ninja" with chainrule's layers.

    python examples/karpathy_backprop_ninja.py [--steps 2000] [--out karpathy_backprop_ninja.png]

The lecture (Neural Networks: Zero to Hero) backpropagates by hand through a character
MLP: ``emb = C[Xb]``, ``embcat`` (the three embeddings concatenated), ``hprebn = embcat @
W1 + b1``, BatchNorm (batch mean, batch variance with Bessel's ``1/(n-1)``, ``bnvar_inv =
(bnvar + 1e-5)**-0.5``, ``bngain``, ``bnbias``), ``h = tanh(hpreact)``, ``logits = h @ W2 +
b2``, cross-entropy.  Exercise 1 is every intermediate of that graph, exercise 2
cross-entropy's ``dlogits = (softmax(logits) - onehot) / n`` in one line, exercise 3
BatchNorm's backward in one line, exercise 4 a training loop on those gradients.  His
``cmp`` prints, per tensor, "exact" (bitwise equal), "approximate" (``allclose``) and the
largest difference.

In chainrule the network is ``Embedding(27, 10, block_size=3)`` (his ``C``; its output is
``embcat``, ``C[Xb]`` viewed as (32, 30)) -> ``Dense(30, 64)`` -> ``BatchNorm(64,
activation="tanh")`` -> ``Dense(64, 27, activation="softmax")`` with
``loss="cross_entropy"``, and its input is his batch of indices ``Xb``.  The embedding's
gradient ``dC``, the last line of exercise 1 (his loop adding ``demb[k, j]`` into
``dC[Xb[k, j]]``), is the Embedding layer's ``dW``, compared with his loop and PyTorch's
autograd.  Data are synthetic, with his shapes (n 32, block 3, n_embd 10, n_hidden 64,
vocab 27), his initial scales and his seed as NumPy's; no download.

Bessel's correction: chainrule's ``BatchNorm`` normalises a batch with the biased ``1/n``
variance (``unbiased_running_var`` only chooses what the running variance averages), and
has no option for ``1/(n-1)``.  So the comparison is made with his formulas written with
``1/n`` (exercise 3 becomes ``dhprebn = bngain * bnvar_inv / n * (n * dhpreact -
dhpreact.sum(0) - bnraw * (dhpreact * bnraw).sum(0))``, without his factor ``n/(n-1)``), and
the difference that ``1/(n-1)`` makes is printed beside it.  His ``n-1`` batch is also
the ``1/n`` layer with ``eps' = eps (n-1)/n`` and ``gamma = bngain sqrt((n-1)/n)`` (an
identity, not an option: then ``dbngain = sqrt((n-1)/n) dgamma``), printed last.
"""

from __future__ import annotations

import argparse

import numpy as np

from chainrule import Embedding
from chainrule.batchnorm import BatchNorm
from chainrule.layers import Dense
from chainrule.network import Network

N, BLOCK, N_EMBD, N_HIDDEN, VOCAB = 32, 3, 10, 64, 27
SEED = 2147483647  # his torch.Generator().manual_seed(2147483647), here NumPy's
EPS = 1e-5  # his bnvar_inv = (bnvar + 1e-5)**-0.5
NAMES = ("loss", "dlogits", "dh", "dhpreact", "dhprebn", "dW1", "db1", "dW2", "db2",
         "dembcat", "dbngain", "dbnbias", "dC")
PARAMS = ("W1", "b1", "W2", "b2", "bngain", "bnbias")


def make_problem(seed: int = SEED) -> dict[str, np.ndarray]:
    """C (27, 10), a batch Xb (32, 3) / Yb (32,), embcat = C[Xb] (32, 30) and his parameters.

    His initialisation: ``W1 * (5/3) / sqrt(30)``, ``b1``, ``W2``, ``b2`` times 0.1,
    ``bngain = 1 + 0.1 randn``, ``bnbias = 0.1 randn`` (not 1 and 0, "to unmask errors").
    """
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((VOCAB, N_EMBD))
    Xb = rng.integers(0, VOCAB, (N, BLOCK))
    Yb = rng.integers(0, VOCAB, N)
    fan_in = N_EMBD * BLOCK
    return {"C": C, "Xb": Xb, "Yb": Yb, "embcat": C[Xb].reshape(N, -1),
            "W1": rng.standard_normal((fan_in, N_HIDDEN)) * (5 / 3) / fan_in ** 0.5,
            "b1": rng.standard_normal(N_HIDDEN) * 0.1,
            "W2": rng.standard_normal((N_HIDDEN, VOCAB)) * 0.1,
            "b2": rng.standard_normal(VOCAB) * 0.1,
            "bngain": 1 + rng.standard_normal(N_HIDDEN) * 0.1,
            "bnbias": rng.standard_normal(N_HIDDEN) * 0.1}


def build(p: dict[str, np.ndarray], bessel: bool = False) -> Network:
    """Embedding -> Dense -> BatchNorm(tanh) -> Dense(softmax), cross-entropy, with ``p``'s
    parameters (``C`` the embedding's table).

    ``bessel=True``: his ``1/(n-1)`` batch through the ``1/n`` layer, ``eps (n-1)/n`` and
    ``gamma = bngain sqrt((n-1)/n)`` (batches of ``N`` rows only).
    """
    r = (N - 1) / N if bessel else 1.0
    net = Network([Embedding(VOCAB, N_EMBD, block_size=BLOCK, init=p["C"]),
                   Dense(N_EMBD * BLOCK, N_HIDDEN, activation="identity"),
                   BatchNorm(N_HIDDEN, activation="tanh", eps=EPS * r),
                   Dense(N_HIDDEN, VOCAB, activation="softmax")], loss="cross_entropy")
    _, first, bn, last = net.layers
    first.W[...], first.b[...], last.W[...], last.b[...] = p["W1"], p["b1"], p["W2"], p["b2"]
    bn.gamma, bn.beta = p["bngain"] * np.sqrt(r), p["bnbias"]
    return net


def chainrule_grads(net: Network, Xb: np.ndarray, Yb: np.ndarray,
                    bessel: bool = False) -> dict[str, np.ndarray]:
    """The loss and the thirteen quantities, from ``loss_and_grad`` and the layers' arrays.

    ``dlogits`` is the softmax layer's ``delta``, ``dhpreact`` the BatchNorm's, ``dhprebn``
    the first Dense layer's, ``dC`` the Embedding's ``dW``; ``dh`` and ``dembcat`` are
    what the two Dense layers' ``backward_delta`` return (the network does not keep them).
    """
    loss, _ = net.loss_and_grad(Xb, Yb, training=True)
    emb, first, bn, last = net.layers
    dh = last.backward_delta(last.delta)
    dembcat = first.backward_delta(first.delta)
    scale = np.sqrt((N - 1) / N) if bessel else 1.0
    return {"loss": np.float64(loss), "dlogits": last.delta, "dh": dh, "dhpreact": bn.delta,
            "dhprebn": first.delta, "dW1": first.dW, "db1": first.db, "dW2": last.dW,
            "db2": last.db, "dembcat": dembcat, "dbngain": bn.dgamma * scale,
            "dbnbias": bn.dbeta, "dC": emb.dW}


def ninja(p: dict[str, np.ndarray], ddof: int = 0) -> dict[str, np.ndarray]:
    """His exercise 1, every node of the graph backward, in NumPy; variance ``1/(n-ddof)``.

    Also ``dlogits_fast`` (exercise 2) and ``dhprebn_fast`` (exercise 3, his formula,
    whose ``n/(n-1)`` is ``n/(n-ddof)``).
    """
    n, Yb, embcat = N, p["Yb"], p["embcat"]
    W1, b1, W2, b2, bngain, bnbias = (p[k] for k in PARAMS)
    # forward, his "chunkated" graph
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdims=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - ddof) * bndiff2.sum(0, keepdims=True)
    bnvar_inv = (bnvar + EPS) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = np.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdims=True)
    norm_logits = logits - logit_maxes
    counts = np.exp(norm_logits)
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = np.log(probs)
    loss = -logprobs[range(n), Yb].mean()
    # exercise 1: backward, node by node
    dlogprobs = np.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dprobs = dlogprobs / probs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdims=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = -counts_sum ** -2 * dcounts_sum_inv
    dcounts += dcounts_sum
    dnorm_logits = counts * dcounts
    dlogits = dnorm_logits.copy()
    dlogit_maxes = -dnorm_logits.sum(1, keepdims=True)
    dlogits += np.eye(logits.shape[1])[logits.argmax(1)] * dlogit_maxes
    dh, dW2, db2 = dlogits @ W2.T, h.T @ dlogits, dlogits.sum(0)
    dhpreact = (1 - h ** 2) * dh
    dbngain, dbnraw, dbnbias = (bnraw * dhpreact).sum(0), bngain * dhpreact, dhpreact.sum(0)
    dbndiff = bnvar_inv * dbnraw
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdims=True)
    dbnvar = -0.5 * (bnvar + EPS) ** -1.5 * dbnvar_inv
    dbndiff2 = 1 / (n - ddof) * np.ones_like(bndiff2) * dbnvar
    dbndiff += 2 * bndiff * dbndiff2
    dhprebn = dbndiff.copy()
    dbnmeani = -dbndiff.sum(0)
    dhprebn += 1 / n * np.ones_like(hprebn) * dbnmeani
    dembcat, dW1, db1 = dhprebn @ W1.T, embcat.T @ dhprebn, dhprebn.sum(0)
    demb = dembcat.reshape(n, BLOCK, -1)  # his dembcat.view(emb.shape)
    dC = np.zeros_like(p["C"])
    for k in range(p["Xb"].shape[0]):  # his loop: each row of demb into the row it used
        for j in range(p["Xb"].shape[1]):
            dC[p["Xb"][k, j]] += demb[k, j]
    # exercises 2 and 3: each in one line
    onehot = np.eye(VOCAB)[Yb]
    dlogits_fast = (np.exp(norm_logits) / counts_sum - onehot) / n
    dhprebn_fast = bngain * bnvar_inv / n * (
        n * dhpreact - dhpreact.sum(0) - n / (n - ddof) * bnraw * (dhpreact * bnraw).sum(0))
    return {"loss": np.float64(loss), "dlogits": dlogits, "dh": dh, "dhpreact": dhpreact,
            "dhprebn": dhprebn, "dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2,
            "dembcat": dembcat, "dbngain": dbngain, "dbnbias": dbnbias, "dC": dC,
            "dlogits_fast": dlogits_fast, "dhprebn_fast": dhprebn_fast}


def torch_grads(p: dict[str, np.ndarray], unbiased: bool = False) -> dict[str, np.ndarray] | None:
    """The twelve quantities by PyTorch autograd on ``p``'s arrays (float64), his ``t.grad``;
    None without PyTorch.  ``unbiased``: his ``1/(n-1)`` batch variance."""
    try:
        import torch
    except ImportError:
        return None
    t = {k: torch.tensor(p[k], dtype=torch.float64, requires_grad=True)
         for k in ("C", *PARAMS)}
    embcat = t["C"][torch.tensor(p["Xb"])].view(len(p["Xb"]), -1)
    embcat.retain_grad()
    hprebn = embcat @ t["W1"] + t["b1"]
    bnvar = hprebn.var(0, keepdim=True, unbiased=unbiased)
    bnraw = (hprebn - hprebn.mean(0, keepdim=True)) * (bnvar + EPS) ** -0.5
    hpreact = t["bngain"] * bnraw + t["bnbias"]
    h = torch.tanh(hpreact)
    logits = h @ t["W2"] + t["b2"]
    for node in (hprebn, hpreact, h, logits):
        node.retain_grad()
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(p["Yb"]))
    loss.backward()
    g = {"loss": loss, "dlogits": logits.grad, "dh": h.grad, "dhpreact": hpreact.grad,
         "dhprebn": hprebn.grad, "dembcat": embcat.grad, "dC": t["C"].grad}
    g.update({"d" + k: t[k].grad for k in PARAMS})
    return {k: v.detach().numpy() for k, v in g.items()}


def cmp(name: str, dt: np.ndarray, t: np.ndarray) -> tuple[bool, bool, float]:
    """His ``cmp``: bitwise equal, ``allclose`` (torch's and NumPy's defaults agree) and
    the largest absolute difference; printed in his format."""
    ex = bool(np.all(dt == t))
    app = bool(np.allclose(dt, t))
    maxdiff = float(np.max(np.abs(dt - t)))
    print(f"{name:15s} | exact: {ex!s:5s} | approximate: {app!s:5s} | maxdiff: {maxdiff:.3g}")
    return ex, app, maxdiff


def train(p: dict[str, np.ndarray], steps: int, lr: float = 0.1, seed: int = 0,
          check_every: int = 100) -> tuple[list[float], float]:
    """Exercise 4 on synthetic data: chainrule's gradient for C (the Embedding's ``dW``),
    W1 ... bnbias; plain SGD at ``lr`` on all of them.

    The data: 2,000 random contexts whose next character is a fixed function of the
    last two (``(3 x1 + x2) mod 27``), mini-batches of 32.  Every ``check_every`` steps
    the gradient is compared with his exercises 2 and 3 (``1/n``).

    Returns
    -------
    losses : list of float, one per step
    worst : float
        The largest difference between chainrule's and his gradients at the checks.
    """
    rng = np.random.default_rng(seed)
    Xtr = rng.integers(0, VOCAB, (2000, BLOCK))
    Ytr = (3 * Xtr[:, 1] + Xtr[:, 2]) % VOCAB
    net = build(p)
    emb, first, bn, last = net.layers
    losses, worst = [], 0.0
    for step in range(steps):
        ix = rng.integers(0, len(Xtr), N)
        loss, grad = net.loss_and_grad(Xtr[ix], Ytr[ix], training=True)
        if step % check_every == 0:
            dembcat = first.backward_delta(first.delta)
            mine = {"C": emb.W, "Xb": Xtr[ix], "Yb": Ytr[ix], "embcat": emb.A,
                    "W1": first.W, "b1": first.b, "W2": last.W, "b2": last.b,
                    "bngain": bn.gamma, "bnbias": bn.beta}
            his = ninja(mine)
            for key, got in (("dW1", first.dW), ("db1", first.db), ("dW2", last.dW),
                             ("db2", last.db), ("dbngain", bn.dgamma), ("dbnbias", bn.dbeta),
                             ("dembcat", dembcat), ("dC", emb.dW)):
                worst = max(worst, float(np.max(np.abs(got - his[key]))))
        net.params[...] -= lr * grad  # in place: a view of the layers' arrays, C's too
        losses.append(float(loss))
    return losses, worst


def plot(diffs: dict[str, dict[str, float]], losses: list[float], path: str) -> str:
    """Largest differences per quantity (log scale) and the training loss of exercise 4."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.6), dpi=90, layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[2, 1])
    width = 0.8 / len(diffs)
    for j, (label, d) in enumerate(diffs.items()):
        ax.bar(np.arange(len(NAMES)) + (j - (len(diffs) - 1) / 2) * width,
               [max(d[k], 1e-18) for k in NAMES], width, label=label)
    ax.set(xticks=range(len(NAMES)), yscale="log", ylabel="maxdiff (0 drawn at 1e-18)",
           title="chainrule vs the exercise (1/n), and what n-1 changes")
    ax.set_xticklabels(NAMES, rotation=60, fontsize=8)
    ax.legend(fontsize=7, loc="center")
    ax2.plot(losses, lw=0.6)
    ax2.set(xlabel="step", ylabel="loss", title="exercise 4, synthetic data")
    fig.savefig(path)
    return path


def main() -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--out", default="karpathy_backprop_ninja.png")
    args = parser.parse_args()
    p = make_problem()
    got = chainrule_grads(build(p), p["Xb"], p["Yb"])
    his = ninja(p)  # 1/n
    his_bessel = ninja(p, ddof=1)  # his n-1
    diffs = {}
    print("=== exercise 1 (1/n variance): chainrule vs his node-by-node backward ===")
    diffs["chainrule vs his (1/n)"] = {k: cmp(k, got[k], his[k])[2] for k in NAMES}
    ref = torch_grads(p)
    if ref is None:
        print("(PyTorch is not installed: no autograd comparison)")
    else:
        print("=== PyTorch autograd (var(unbiased=False)) vs chainrule ===")
        diffs["chainrule vs PyTorch (1/n)"] = {k: cmp(k, got[k], ref[k])[2] for k in NAMES}
    print("=== exercises 2 and 3 (one line each) vs chainrule ===")
    cmp("dlogits (ex. 2)", his["dlogits_fast"], got["dlogits"])
    cmp("dhprebn (ex. 3)", his["dhprebn_fast"], got["dhprebn"])
    print("=== his n-1 batch vs chainrule's 1/n batch (what Bessel's correction changes) ===")
    diffs["his n-1 vs chainrule 1/n"] = {k: cmp(k, got[k], his_bessel[k])[2] for k in NAMES}
    print("=== his n-1 batch vs the 1/n layer with eps (n-1)/n, gamma bngain sqrt((n-1)/n) ===")
    mapped = chainrule_grads(build(p, bessel=True), p["Xb"], p["Yb"], bessel=True)
    diffs["his n-1 vs chainrule, mapped"] = {k: cmp(k, mapped[k], his_bessel[k])[2]
                                             for k in NAMES}
    cmp("dhprebn (ex. 3)", his_bessel["dhprebn_fast"], mapped["dhprebn"])
    losses, worst = train(p, args.steps)
    print(f"=== exercise 4: {args.steps} steps of SGD (lr 0.1) on synthetic data ===")
    print(f"loss {np.mean(losses[:20]):.4f} (first 20 steps) -> {np.mean(losses[-20:]):.4f} "
          f"(last 20); chainrule's gradients vs his (1/n) at every 100th step: maxdiff "
          f"{worst:.3g}")
    print(f"picture written to {plot(diffs, losses, args.out)}")
    return diffs


if __name__ == "__main__":
    main()
