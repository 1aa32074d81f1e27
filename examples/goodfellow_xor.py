"""Goodfellow, Bengio & Courville, *Deep Learning*, section 6.1 (learning XOR), in chainrule:
the linear model that cannot, and the ReLU network that computes XOR exactly.

    python examples/goodfellow_xor.py [--epochs 2000] [--out goodfellow_xor.png]

The four points X = {[0, 0], [0, 1], [1, 0], [1, 1]} with targets 0, 1, 1, 0 and the book's
cost, the mean squared error ``J = 1/4 sum_x (f*(x) - f(x))^2``: chainrule's
``loss="mse"`` (``mean_squared_error``: the mean over the outputs, one here, of
``(a - y)^2``, then the mean over the examples; ``squared_error`` would halve it).

The linear model ``f(x) = x^T w + b`` is a ``Dense(2, 1, "identity")``; its normal equations
give w = 0, b = 1/2, the output 0.5 at every point and J = 0.25.  Set by hand, and trained
by full-batch gradient descent (``chainrule.train``, ``SGD``, ``batch_size=4``) to the
least-squares solution of ``numpy.linalg.lstsq``.

The network ``f(x) = w^T max(0, W^T x + c) + b`` with the book's
``W = [[1, 1], [1, 1]]``, ``c = [0, -1]``, ``w = [1, -2]``, ``b = 0`` is ``Dense(2, 2,
"relu")`` with ``W`` and ``b = c`` (the book's ``W^T x`` is chainrule's ``X @ W``: ``W`` of
shape (fan_in, fan_out), as the book writes it) and ``Dense(2, 1, "identity")`` with
``W = [[1], [-2]]``.  Its hidden layer's output ``A`` is the book's h for the four points,
``[[0, 0], [1, 0], [1, 0], [2, 1]]`` (figure 6.1, right: [0, 1] and [1, 0] land on the same
point), where XOR is linear; the output is XOR exactly and J = 0.
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from chainrule.layers import Dense
from chainrule.network import Network

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0.0, 1.0, 1.0, 0.0])
BOOK = {"W": [[1.0, 1.0], [1.0, 1.0]], "c": [0.0, -1.0], "w": [1.0, -2.0], "b": 0.0}
BOOK_H = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]])  # figure 6.1's h


def linear_model(w: object = (0.0, 0.0), b: float = 0.5) -> Network:
    """``f(x) = x^T w + b``: one identity unit, the book's mean squared error."""
    net = Network([Dense(2, 1, activation="identity", init=np.reshape(w, (2, 1)))], loss="mse")
    net.layers[0].b[:] = b
    return net


def trained_linear_model(epochs: int = 2000, lr: float = 0.5, seed: int = 0) -> Network:
    """The linear model from random weights, ``epochs`` full-batch gradient-descent steps."""
    net = Network([Dense(2, 1, activation="identity", init="normal", seed=seed)], loss="mse")
    cr.train(net, X, Y, optimizer=cr.SGD(lr=lr), batch_size=4, epochs=epochs, seed=seed)
    return net


def least_squares() -> np.ndarray:
    """``[w1, w2, b]`` of ``numpy.linalg.lstsq`` on the columns x1, x2, 1."""
    return np.linalg.lstsq(np.column_stack([X, np.ones(4)]), Y, rcond=None)[0]


def relu_network() -> Network:
    """The book's ReLU network, its weights set by hand."""
    hidden = Dense(2, 2, activation="relu", init=np.array(BOOK["W"]))
    output = Dense(2, 1, activation="identity", init=np.array(BOOK["w"]).reshape(2, 1))
    net = Network([hidden, output], loss="mse")
    net.layers[0].b[:] = BOOK["c"]
    net.layers[1].b[:] = BOOK["b"]
    return net


def hidden_representation(net: Network) -> dict[str, np.ndarray]:
    """The book's steps for the four points: ``XW``, ``XW + c``, ``h = max(0, XW + c)`` and
    the output ``h w + b``, from the layers' ``Z`` and ``A`` after a forward pass."""
    out = net.forward(X)
    hidden = net.layers[0]
    return {"XW": X @ hidden.W, "XW + c": hidden.Z.copy(), "h": hidden.A.copy(),
            "output": out[:, 0].copy()}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="goodfellow_xor.png")
    parser.add_argument("--epochs", type=int, default=2000)
    args = parser.parse_args()
    lin = linear_model()
    print("linear model, w = 0, b = 1/2 (set by hand): outputs "
          f"{lin.predict(X)[:, 0].tolist()}, J = {lin.loss_value(X, Y):g}")
    trained = trained_linear_model(args.epochs)
    layer = trained.layers[0]
    ref = least_squares()
    got = np.append(layer.W[:, 0], layer.b)
    print(f"linear model after {args.epochs} full-batch gd steps: w = [{got[0]:.2e}, "
          f"{got[1]:.2e}], b = {got[2]:.12f}, J = {trained.loss_value(X, Y):.12f}; "
          f"numpy.linalg.lstsq [w1, w2, b] = {np.round(ref, 12) + 0.0}, largest difference "
          f"{np.max(np.abs(got - ref)):.1e}")
    net = relu_network()
    steps = hidden_representation(net)
    for name, value in steps.items():
        print(f"{name} =\n{value}")
    J, grad = net.loss_and_grad(X, Y)
    print(f"ReLU network: J = {J:g}, largest |gradient| {np.max(np.abs(grad)):g}")
    print(f"picture written to {plot(steps, args.out)}")
    return {"linear": lin, "trained": trained, "lstsq": ref, "relu": net, "steps": steps}


def plot(steps: dict, path: str) -> str:
    """The four points in x space and in the learned h space (the book's figure 6.1)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 3.0), dpi=90, layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, points, title in ((axes[0], X, "original x space"),
                              (axes[1], steps["h"], "learned h space")):
        for p, label in zip(points, Y, strict=True):
            ax.plot(*p, "o" if label else "s", ms=9, color="C1" if label else "C0")
        ax.set(title=title, xlim=(-0.3, 2.3), ylim=(-0.3, 1.3), aspect="equal")
    axes[0].set(xlabel="x1", ylabel="x2")
    axes[1].set(xlabel="h1", ylabel="h2")
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
