"""Michael Nielsen's "Neural Networks and Deep Learning" in chainrule: network.py (quadratic
cost) and network2.py (cross-entropy, L2), trained on the bundled 8x8 digits.

    python examples/nielsen_network.py [--epochs 5] [--out nielsen_network.png]

network.py: sigmoid layers, the quadratic cost ``C = (1/2n) sum_x ||y(x) - a||^2``,
weights and biases drawn from N(0, 1), and mini-batch SGD ``w -> w - (eta/m) sum_x
dC_x/dw`` over shuffled mini-batches of m examples.  In chainrule: Dense layers with
``activation="sigmoid"`` and ``loss="squared_error"`` (``1/2 ||a - y||^2`` per example,
his 1/2, and the cost of a batch is the mean over its m examples, his 1/m), trained by
``SGD(lr=eta)``: ``w - eta * mean gradient`` is his ``w - (eta/m) sum``.

network2.py: the cross-entropy cost ``-sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]`` per
example (chainrule's ``log_loss``, whose sigmoid delta is his ``a - y``), weights from
N(0, 1/n_in), biases from N(0, 1), and the L2 step ``w -> (1 - eta lambda / n) w - (eta/m)
sum_x dC_x/dw``, where n is the size of the *training set*, not of the batch.  In chainrule
that is ``weight_decay = lambda / n`` with the default ``decay="ufldl"``: the penalty
``(lambda/2n) sum w^2`` is his, its gradient ``(lambda/n) w`` joins the mean gradient and
``SGD(lr=eta)`` takes ``w - eta (mean + (lambda/n) w)``: his step.  (Equally:
``SGD(lr=eta, weight_decay=eta * lambda / n)``, chainrule's decoupled decay, which
multiplies the weights by his ``1 - eta lambda / n``.)  Biases are not decayed, in both.

His data are MNIST's 28x28 images, 784 inputs; the bundled digits are scikit-learn's 8x8
images, 64 inputs (values / 16, in [0, 1]), so the networks here are 64-30-10 and their
accuracies are not his MNIST figures.  He writes column vectors and ``w`` of shape (out,
in); chainrule's rows are examples and a Dense layer's ``W`` is his ``w.T``.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

import chainrule as cr
from chainrule.datasets import load_digits_split
from chainrule.layers import Dense
from chainrule.network import Network

SIZES = (64, 30, 10)
RECIPES = {  # his book's settings for MNIST (network.py: eta 3.0; network2.py: 0.5, lambda 5.0)
    "network.py": {"cost": "quadratic", "eta": 3.0, "lmbda": 0.0},
    "network2.py": {"cost": "cross_entropy", "eta": 0.5, "lmbda": 5.0},
}
LOSS = {"quadratic": "squared_error", "cross_entropy": "log_loss"}


def nielsen_init(sizes: tuple[int, ...], scaled: bool, rng: np.random.Generator
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """His weights (shape (out, in)) and biases (shape (out, 1)): N(0, 1), or with
    ``scaled`` (network2's default_weight_initializer) weights N(0, 1/n_in)."""
    weights = [rng.standard_normal((y, x)) / (np.sqrt(x) if scaled else 1)
               for x, y in itertools.pairwise(sizes)]
    biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
    return weights, biases


def chainrule_network(weights: list[np.ndarray], biases: list[np.ndarray], cost: str,
                      lmbda: float = 0.0, n: int = 1) -> Network:
    """His network in chainrule, with his weights and biases copied in: W = w.T."""
    net = Network([Dense(w.shape[1], w.shape[0], activation="sigmoid") for w in weights],
                  loss=LOSS[cost], weight_decay=lmbda / n)
    for layer, w, b in zip(net.layers, weights, biases, strict=True):
        layer.W[:], layer.b[:] = w.T, b[:, 0]
    return net


def nielsen_update(weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray,
                   Y: np.ndarray, eta: float, cost: str, lmbda: float = 0.0, n: int = 1
                   ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """His update_mini_batch written out in NumPy (no chainrule): BP1-BP4 example by
    example, the sums, then ``w -> (1 - eta lambda/n) w - (eta/m) sum``, ``b -> b - (eta/m)
    sum``.  Returns new lists; ``X`` (m, n_in) and ``Y`` (m, n_out) are rows of examples."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    nabla_w = [np.zeros_like(w) for w in weights]
    nabla_b = [np.zeros_like(b) for b in biases]
    for x, y in zip(X, Y, strict=True):
        a, zs, acts = x[:, None], [], [x[:, None]]
        for w, b in zip(weights, biases, strict=True):
            zs.append(w @ a + b)
            a = sig(zs[-1])
            acts.append(a)
        delta = a - y[:, None]  # cross-entropy: BP1 with the sigma' cancelled
        if cost == "quadratic":
            delta = delta * sig(zs[-1]) * (1 - sig(zs[-1]))  # BP1
        for layer in range(len(weights) - 1, -1, -1):
            nabla_b[layer] += delta  # BP3
            nabla_w[layer] += delta @ acts[layer].T  # BP4
            if layer:  # BP2
                delta = (weights[layer].T @ delta) * sig(zs[layer - 1]) * (1 - sig(zs[layer - 1]))
    m = X.shape[0]
    return ([(1 - eta * lmbda / n) * w - (eta / m) * nw for w, nw in zip(weights, nabla_w,
                                                                        strict=True)],
            [b - (eta / m) * nb for b, nb in zip(biases, nabla_b, strict=True)])


def chainrule_step(net: Network, X: np.ndarray, Y: np.ndarray, eta: float) -> None:
    """One mini-batch step in chainrule: the batch's mean gradient (decay included), then
    ``SGD(lr=eta)``."""
    net.loss_and_grad(X, Y)
    cr.SGD(lr=eta).step(net.params, net.grads)


def evaluate(net: Network, X: np.ndarray, y: np.ndarray) -> int:
    """His evaluate(): how many test examples the largest output classifies right."""
    return int(np.sum(net.predict(X).argmax(axis=1) == y))


def step_difference(name: str, rng: np.random.Generator, X: np.ndarray, Y: np.ndarray,
                    m: int = 10) -> float:
    """One step of his rule and of chainrule's from the same weights, on the first m rows
    of a training set of n = len(X): the largest difference of the new parameters."""
    r = RECIPES[name]
    weights, biases = nielsen_init(SIZES, name == "network2.py", rng)
    net = chainrule_network(weights, biases, r["cost"], r["lmbda"], n=len(X))
    chainrule_step(net, X[:m], Y[:m], r["eta"])
    new_w, new_b = nielsen_update(weights, biases, X[:m], Y[:m], r["eta"], r["cost"],
                                  r["lmbda"], n=len(X))
    return max(max(np.max(np.abs(layer.W - w.T)), np.max(np.abs(layer.b - b[:, 0])))
               for layer, w, b in zip(net.layers, new_w, new_b, strict=True))


def run(name: str, split, epochs: int, seed: int = 0, batch_size: int = 10) -> dict:
    """Train his recipe ``name`` in chainrule, printing his 'Epoch j: correct / total'."""
    r = RECIPES[name]
    rng = np.random.default_rng(seed)
    X, y = split.X_train, split.y_train
    Y = np.eye(SIZES[-1])[y]
    net = chainrule_network(*nielsen_init(SIZES, name == "network2.py", rng), r["cost"],
                            r["lmbda"], n=len(X))
    correct = []
    print(f"{name}: {r['cost']} cost, eta {r['eta']:g}, lambda {r['lmbda']:g} (weight_decay "
          f"{net.weight_decay:.3g} = lambda/n, n = {len(X)}), mini-batches of {batch_size}")
    for j in range(epochs):
        cr.train(net, X, Y, optimizer=cr.SGD(lr=r["eta"]), batch_size=batch_size, epochs=1,
                 seed=seed * 1000 + j)
        correct.append(evaluate(net, split.X_test, split.y_test))
        print(f"Epoch {j}: {correct[-1]} / {len(split.y_test)}")
    return {"net": net, "correct": correct, "total": len(split.y_test)}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="nielsen_network.png")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    split = load_digits_split(test_size=0.25, validation_size=0.0, seed=0)
    Y = np.eye(SIZES[-1])[split.y_train]
    steps = {name: step_difference(name, np.random.default_rng(1), split.X_train, Y)
             for name in RECIPES}
    for name, diff in steps.items():
        print(f"{name}: one mini-batch step, chainrule vs his update rule written in NumPy: "
              f"largest difference {diff:.1e}")
    runs = {name: run(name, split, args.epochs) for name in RECIPES}
    print(f"picture written to {plot(runs, args.out)}")
    return {"step_differences": steps, "runs": runs, "split": split}


def plot(runs: dict, path: str) -> str:
    """Test accuracy after each epoch, both recipes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.0, 3.2), dpi=90, layout="constrained")
    ax = fig.subplots()
    for name, r in runs.items():
        ax.plot(np.arange(len(r["correct"])), np.array(r["correct"]) / r["total"], "o-",
                label=name)
    ax.set(xlabel="epoch", ylabel="test accuracy", title="Nielsen's networks on 8x8 digits",
           xticks=range(len(r["correct"])))
    ax.legend()
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
