"""micrograd's demo in chainrule: an MLP 2-16-16-1 learns the two moons with the SVM
max-margin loss, 100 steps of full-batch gradient descent.

    python examples/micrograd_moons.py [--out micrograd_moons.png] [--engine both]

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

``--engine scalar`` trains micrograd's recipe as micrograd itself does, on
:class:`chainrule.scalar.Value` scalars: neurons of Values (``w . x + b``, ReLU), each
step's loss built as a graph of 65,818 Values (every example's score, its hinge, the
mean, ``alpha * sum p * p`` over all 337 parameters), ``backward()``, then ``p.data -= lr *
p.grad``.  It is the same arithmetic in another order, so its losses, accuracies and
parameters equal the Network loop's well within 1e-12 (1.6e-15 measured); ``--engine
both`` runs the two and prints the largest differences.  The scalar run takes some 15 to
25 s (one Python object per multiply, Python's cyclic garbage collector paused meanwhile:
:func:`cycle_collector_paused`; the run prints its time), the Network loop some 0.03 s:
the default, ``--engine network``, runs the Network alone.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import time
from collections.abc import Iterator

import numpy as np

import chainrule as cr
from chainrule.layers import Dense
from chainrule.losses import hinge_predictions
from chainrule.network import Network
from chainrule.plots import plot_decision_regions
from chainrule.scalar import Value
from chainrule.schedules import Linear

ALPHA = 1e-4
STEPS = 100
ENGINES = ("network", "scalar", "both")


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


# -- the same recipe on chainrule.scalar Values, as micrograd's demo runs it -----------------
class Neuron:
    """micrograd's neuron: a Value per weight and a bias Value; ``relu`` or linear."""

    def __init__(self, w: list[float], b: float, nonlin: bool) -> None:
        self.w, self.b, self.nonlin = [Value(wi) for wi in w], Value(b), nonlin

    def __call__(self, x: list[Value]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class ScalarMLP:
    """micrograd's ``MLP(2, [16, 16, 1])``: layers of neurons, ReLU but for the last, its
    numbers those of ``layers`` ([(W, b), ...] with W (fan_in, fan_out): column j is
    neuron j's weights)."""

    def __init__(self, layers: list[tuple[np.ndarray, np.ndarray]]) -> None:
        last = len(layers) - 1
        self.layers = [[Neuron(W[:, j].tolist(), float(b[j]), nonlin=i != last)
                        for j in range(W.shape[1])] for i, (W, b) in enumerate(layers)]

    def __call__(self, x: list[Value]) -> Value:
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0]  # one output neuron: its score

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def to_network(self, alpha: float = ALPHA) -> Network:
        """The network of :func:`build` holding this MLP's current numbers."""
        net = build(alpha)
        for dense, layer in zip(net.layers, self.layers, strict=True):
            for j, neuron in enumerate(layer):
                dense.W[:, j] = [w.data for w in neuron.w]
                dense.b[j] = neuron.b.data
        return net


def scalar_loss(model: ScalarMLP, X: np.ndarray, y: np.ndarray,
                alpha: float = ALPHA) -> tuple[Value, float]:
    """micrograd's ``loss()``: the graph of ``mean(relu(1 - y s)) + alpha sum p * p`` over
    the whole batch, and the accuracy of the scores (``s > 0`` for +1)."""
    inputs = [[Value(v) for v in row] for row in X.tolist()]
    scores = [model(x) for x in inputs]
    labels = y.tolist()
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    hits = [(yi > 0) == (si.data > 0) for yi, si in zip(labels, scores, strict=True)]
    return data_loss + reg_loss, sum(hits) / len(hits)


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (reference counting frees as ever).

    A step's graph keeps its 65,818 Values (and a tuple of inputs each) alive until the
    step ends.  So many new objects make the collector walk every live object over and
    over, about half of a step's time, looking for reference cycles that a graph of
    Values never has: a node refers only to the nodes it was computed from, all made
    before it.  Reference counting alone frees each step's graph when the next one
    replaces it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def train_scalar(model: ScalarMLP, X: np.ndarray, y: np.ndarray, alpha: float = ALPHA,
                 steps: int = STEPS) -> dict[str, list]:
    """micrograd's loop on Values: each step's loss, the accuracy of the weights it starts
    from and those weights (as :attr:`Network.params`), as :func:`train_micrograd`
    records them.  The cyclic garbage collector is paused meanwhile
    (:func:`cycle_collector_paused`)."""
    record: dict[str, list] = {"loss": [], "accuracy": [], "params": []}
    with cycle_collector_paused():
        for k in range(steps):
            record["params"].append(model.to_network(alpha).params.copy())
            total, acc = scalar_loss(model, X, y, alpha)
            record["loss"].append(total.data)
            record["accuracy"].append(acc)
            model.zero_grad()
            total.backward()
            for p in model.parameters():
                p.data -= rate(k) * p.grad
    return record


def compare(record: dict[str, list], scalar: dict[str, list]) -> dict[str, float]:
    """The largest differences between two runs' losses and parameters, and the number of
    steps whose accuracies differ."""
    return {"loss": float(np.max(np.abs(np.subtract(record["loss"], scalar["loss"])))),
            "params": float(np.max(np.abs(np.subtract(record["params"], scalar["params"])))),
            "accuracy": int(np.sum(np.not_equal(record["accuracy"], scalar["accuracy"])))}


def _report(record: dict[str, list]) -> None:
    for k in (0, 1, 2, 10, 50, 99):
        if k < len(record["loss"]):
            print(f"step {k} loss {record['loss'][k]:.6f}, accuracy "
                  f"{100 * record['accuracy'][k]:.1f}%")


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="micrograd_moons.png")
    parser.add_argument("--engine", choices=ENGINES, default="network",
                        help="network: chainrule's Network (fast, the default); scalar: "
                             "micrograd's loop on chainrule.scalar Values (15 to "
                             "25 s); both: the two, and their differences")
    args = parser.parse_args()
    X, y = moons()
    out: dict = {"X": X, "y": y}
    panels = []
    if args.engine in ("network", "both"):
        exact = build()
        start = time.perf_counter()
        record = train_micrograd(exact, X, y)
        out["network_seconds"] = time.perf_counter() - start
        _report(record)
        print(f"after step 99: accuracy {100 * accuracy(exact, X, y):.1f}% (micrograd's loop, "
              "biases decayed too)")
        net = build()
        history = train_chainrule(net, X, y)
        print(f"chainrule.train (SGD, Linear 1 -> 0.1, biases not decayed): loss "
              f"{history['loss'][0]:.6f} at step 0, {history['loss'][-1]:.6f} at step 99, "
              f"accuracy {100 * accuracy(net, X, y):.1f}%")
        panels += [("micrograd's loop", exact, X, y), ("chainrule.train", net, X, y)]
        out.update(exact=exact, record=record, net=net, history=history)
    if args.engine in ("scalar", "both"):
        model = ScalarMLP(micrograd_init())
        start = time.perf_counter()
        scalar = train_scalar(model, X, y)
        seconds = time.perf_counter() - start
        scalar_net = model.to_network()
        if args.engine == "scalar":
            _report(scalar)
            panels.append(("micrograd's loop on Values", scalar_net, X, y))
        print(f"chainrule.scalar Values (micrograd's loop, {len(model.parameters())} "
              f"parameters, a graph per step): {STEPS} steps in {seconds:.1f} s, loss "
              f"{scalar['loss'][-1]:.6f} at step 99, accuracy "
              f"{100 * accuracy(scalar_net, X, y):.1f}%")
        out.update(scalar=scalar, scalar_net=scalar_net, scalar_seconds=seconds)
    if args.engine == "both":
        diff = compare(out["record"], scalar)
        diff["params"] = max(diff["params"], float(np.max(np.abs(
            out["exact"].params - scalar_net.params))))  # after the last step too
        print(f"Values vs Network loop: losses differ by at most {diff['loss']:.1e}, "
              f"parameters by {diff['params']:.1e}, accuracies at {diff['accuracy']} of "
              f"{STEPS} steps (the Network loop: {out['network_seconds']:.2f} s)")
        out["difference"] = diff
    path = plot_decision_regions(panels, args.out, title="MLP 2-16-16-1, hinge loss, 100 steps")
    print(f"decision regions written to {path}")
    return out

if __name__ == "__main__":
    main()
