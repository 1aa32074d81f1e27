"""micrograd's demo in chainrule: an MLP 2-16-16-1 learns the two moons with the SVM
max-margin loss, 100 steps of full-batch gradient descent.

    python examples/micrograd_moons.py [--out micrograd_moons.png]

The recipe of micrograd's demo.ipynb: ``make_moons(n_samples=100, noise=0.1)`` (here
``random_state=1``) with labels ``y`` in {-1, +1}; ``MLP(2, [16, 16, 1])``: ReLU hidden
layers, a linear output, weights uniform in [-1, 1] drawn neuron by neuron from Python's
``random`` seeded 1337, zero biases; the loss ``mean(relu(1 - y s)) + alpha * sum p^2``
over *all* parameters, alpha = 1e-4; 100 steps of ``p -= lr * grad`` with ``lr = 1 - 0.9 k /
100`` at step k.  micrograd reports 100 % training accuracy.

In chainrule the loss is ``"hinge"`` (micrograd's ``relu(1 - y s)``, its mean the cost) and
``alpha * sum W^2`` is ``weight_decay = 2 alpha`` (chainrule's ``(lambda/2) sum W^2``); the
schedule is ``schedules.Linear(start_factor=1, end_factor=0.1, total_iters=100)`` on
``SGD(lr=1.0)``, one step per epoch on the full batch.  What chainrule does not offer is the
penalty on the *biases*: its weight decay never touches them (SPEC section 4).  So the
example trains twice: micrograd's exact recipe as a loop over ``net.loss_and_grad`` that
adds ``alpha * sum b^2`` and its gradient ``2 alpha b`` itself, and ``chainrule.train``
with the weights' decay only (the biases' penalty is about 1e-4 of the loss here).
"""

from __future__ import annotations

import argparse
import random

import numpy as np

import chainrule as cr
from chainrule.layers import Dense
from chainrule.losses import hinge_predictions
from chainrule.network import Network
from chainrule.plots import plot_decision_regions
from chainrule.schedules import Linear

ALPHA = 1e-4
STEPS = 100


def moons() -> tuple[np.ndarray, np.ndarray]:
    """X of shape (100, 2) and y of shape (100,) in {-1, +1}."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    return X, 2.0 * y - 1.0


def micrograd_init(seed: int = 1337) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer as micrograd draws them: each neuron's weights uniform in [-1, 1]
    from Python's ``random`` (neuron by neuron, layer by layer), zero biases."""
    draw = random.Random(seed)
    layers = []
    for fan_in, fan_out in ((2, 16), (16, 16), (16, 1)):
        W = np.empty((fan_in, fan_out))
        for j in range(fan_out):  # neuron j: column j of chainrule's W (fan_in, fan_out)
            W[:, j] = [draw.uniform(-1, 1) for _ in range(fan_in)]
        layers.append((W, np.zeros(fan_out)))
    return layers


def build(alpha: float = ALPHA) -> Network:
    """The MLP 2-16-16-1 with micrograd's initial values and the hinge loss."""
    net = Network([Dense(2, 16, activation="relu"), Dense(16, 16, activation="relu"),
                   Dense(16, 1, activation="identity")], loss="hinge", weight_decay=2 * alpha)
    for layer, (W, b) in zip(net.layers, micrograd_init(), strict=True):
        layer.W[:], layer.b[:] = W, b
    return net


def rate(k: int) -> float:
    """micrograd's learning rate at step k."""
    return 1.0 - 0.9 * k / 100


def accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of examples classified right: score > 0 for +1, as micrograd counts."""
    return float(np.mean(hinge_predictions(net.predict(X)) == y))


def train_micrograd(net: Network, X: np.ndarray, y: np.ndarray, alpha: float = ALPHA,
                    steps: int = STEPS) -> dict[str, list]:
    """micrograd's loop, biases' penalty included: each step's loss (before its update),
    the accuracy of the weights that step starts from, and the parameters it starts from."""
    record: dict[str, list] = {"loss": [], "accuracy": [], "params": []}
    for k in range(steps):
        record["params"].append(net.params.copy())
        record["accuracy"].append(accuracy(net, X, y))
        J, grad = net.loss_and_grad(X, y)  # mean hinge + alpha sum W^2 and its gradient
        grad = grad.copy()
        step = [rate(k) * 2 * alpha * layer.b for layer in net.layers]  # d(alpha b^2)/db
        record["loss"].append(J + alpha * sum(float(np.sum(layer.b ** 2)) for layer in net.layers))
        net.params[:] -= rate(k) * grad
        for layer, s in zip(net.layers, step, strict=True):
            layer.b[:] -= s
    return record


def train_chainrule(net: Network, X: np.ndarray, y: np.ndarray, steps: int = STEPS):
    """chainrule.train with micrograd's schedule (biases not decayed): its History."""
    return cr.train(net, X, y, optimizer=cr.SGD(lr=1.0), batch_size=len(X), epochs=steps,
                    shuffle=False, schedule=Linear(start_factor=1.0, end_factor=0.1,
                                                   total_iters=steps))


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="micrograd_moons.png")
    args = parser.parse_args()
    X, y = moons()
    exact = build()
    record = train_micrograd(exact, X, y)
    for k in (0, 1, 2, 10, 50, 99):
        print(f"step {k} loss {record['loss'][k]:.6f}, accuracy {100 * record['accuracy'][k]:.1f}%")
    print(f"after step 99: accuracy {100 * accuracy(exact, X, y):.1f}% (micrograd's loop, "
          "biases decayed too)")
    net = build()
    history = train_chainrule(net, X, y)
    print(f"chainrule.train (SGD, Linear 1 -> 0.1, biases not decayed): loss "
          f"{history['loss'][0]:.6f} at step 0, {history['loss'][-1]:.6f} at step 99, "
          f"accuracy {100 * accuracy(net, X, y):.1f}%")
    path = plot_decision_regions(
        [("micrograd's loop", exact, X, y), ("chainrule.train", net, X, y)], args.out,
        title="MLP 2-16-16-1, hinge loss, 100 steps")
    print(f"decision regions written to {path}")
    return {"X": X, "y": y, "exact": exact, "record": record, "net": net, "history": history}


if __name__ == "__main__":
    main()
