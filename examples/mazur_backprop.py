"""Matt Mazur's "A Step by Step Backpropagation Example" in chainrule: his 2-2-2 network,
his one update w1..w8 and his 10,000 updates.

    python examples/mazur_backprop.py [--updates 10000] [--out mazur_backprop.png]

His network: inputs i1, i2 = 0.05, 0.10; sigmoid hidden units h1, h2 and outputs o1, o2;
targets 0.01, 0.99; the error ``E_total = sum_o 1/2 (target_o - out_o)^2`` (chainrule's
``squared_error``: ``1/2 ||a - y||^2`` for one example) and plain gradient descent with
learning rate 0.5.  His weights are numbered by destination: w1 (i1 -> h1), w2 (i2 -> h1),
w3 (i1 -> h2), w4 (i2 -> h2), then w5..w8 likewise from h1, h2 to o1, o2.  So the UFLDL
layout, a (fan_out, fan_in) matrix per layer with a row per destination unit, reads them in
his order: ``[[w1, w2], [w3, w4]]`` and ``[[w5, w6], [w7, w8]]``.  A Dense layer's ``W`` is
the transpose, (fan_in, fan_out): his w2 is ``layers[0].W[1, 0]``, not ``W[0, 1]``.  His b1
= 0.35 is one number shared by h1 and h2 (b2 = 0.60 by o1 and o2); chainrule has a bias per
unit, ``[0.35, 0.35]`` and ``[0.60, 0.60]``, the same network as long as they stay equal.

His update changes w1..w8 only: the biases keep 0.35 and 0.60.  In chainrule that is each
layer's biases frozen, ``layer.frozen = {"b"}`` (``Dense(..., bias=False)`` would remove them:
another network), and then ``chainrule.train`` with ``SGD(lr=0.5)`` takes his steps
(:func:`train_frozen_biases`); written out, his rule is three lines over ``net.loss_and_grad``
(:func:`train_weights_only`: the same numbers, to the last bit).  With the biases updated
too (``chainrule.train`` on the network as it is, :func:`train_all`) the error falls faster.
``chainrule.trace`` of the network with its biases frozen takes his step too: each bias
line shows its gradient and "b(h1) = 0.35 (frozen)" (:func:`trace_frozen_step`).

His published figures, and what reproduces them (the test asserts each):

* E_total = 0.298371109 and the eight new weights after one update (0.35891648 ...
  0.29950229): chainrule's step, in the library and in ``chainrule trace`` (every digit).
* "after 10,000 updates the error is 0.0000351085": ``chainrule.train``'s error after 9,999
  updates with the biases frozen, 3.51085e-05; after 10,000 it is 3.51019e-05 (both
  0.0000351).
* the error 0.291027924 after the first update, and the outputs 0.015912196, 0.984065734
  after 10,000: these come from the hidden deltas computed with the *already updated* w5..w8
  (:func:`code_order_step`), not from his text's rule, which gives 0.291027774 and 0.015913620,
  0.984064274.
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from chainrule.network import Network
from chainrule.tracing import load_spec, spec_network

INPUT = [0.05, 0.10]
TARGET = [0.01, 0.99]
LR = 0.5
# w1..w8 in his order; the UFLDL layout's rows are destination units, so row-major is his order
DESCRIPTION = {
    "description": "Matt Mazur's step by step backpropagation example",
    "layout": "ufldl",
    "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
    "biases": [[0.35, 0.35], [0.60, 0.60]],
    "activation": "sigmoid", "loss": "squared_error",
    "input": INPUT, "target": TARGET, "lr": LR, "notation": "netout",
}
# published in the post (E_total before the update; the weights after one update)
PUBLISHED_E = 0.298371109
PUBLISHED_WEIGHTS = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114,
                     "w4": 0.29950229, "w5": 0.35891648, "w6": 0.408666186,
                     "w7": 0.511301270, "w8": 0.561370121}
PUBLISHED_AFTER_ONE = 0.291027924
PUBLISHED_10000 = 0.0000351085
PUBLISHED_OUTPUTS_10000 = (0.015912196, 0.984065734)
# his w_k: (layer, its index in that layer's W of shape (fan_in, fan_out), its trace name)
WEIGHT_NAMES = {
    "w1": (0, (0, 0), "w(i1->h1)"), "w2": (0, (1, 0), "w(i2->h1)"),
    "w3": (0, (0, 1), "w(i1->h2)"), "w4": (0, (1, 1), "w(i2->h2)"),
    "w5": (1, (0, 0), "w(h1->o1)"), "w6": (1, (1, 0), "w(h2->o1)"),
    "w7": (1, (0, 1), "w(h1->o2)"), "w8": (1, (1, 1), "w(h2->o2)"),
}


def network() -> Network:
    """His network before the update, from :data:`DESCRIPTION` (as ``chainrule trace
    --network`` reads it)."""
    return spec_network(load_spec(DESCRIPTION)).network


def named_weights(net: Network) -> dict[str, float]:
    """w1..w8 read from the layers' ``W`` of shape (fan_in, fan_out)."""
    return {name: float(net.layers[layer].W[ix]) for name, (layer, ix, _) in WEIGHT_NAMES.items()}


def error(net: Network) -> float:
    """E_total of his one example: chainrule's cost, ``1/2 sum_o (out_o - target_o)^2``."""
    return float(net.loss_value(np.array([INPUT]), np.array([TARGET])))


def trace_step() -> cr.Trace:
    """His update, every number, as ``chainrule trace --network`` prints it."""
    spec = spec_network(load_spec(DESCRIPTION))
    return cr.trace(spec.network, spec.x, spec.y, lr=spec.lr, notation="netout", digits=9)


def trace_frozen_step() -> cr.Trace:
    """His update as the trace shows it with every layer's biases frozen: w1..w8 stepped,
    the biases kept (``chainrule trace --network`` with ``"frozen": [["b"], ["b"]]``)."""
    net = network()
    for layer in net.layers:
        layer.frozen = {"b"}
    return cr.trace(net, INPUT, TARGET, lr=LR, notation="netout", digits=9)


def train_weights_only(net: Network, updates: int, lr: float = LR) -> np.ndarray:
    """His rule, ``updates`` times: the gradient from ``net.loss_and_grad``, then
    ``W <- W - lr dE/dW`` on every layer, the biases left as they are.  Returns E_total
    after each update, shape (updates,)."""
    X, Y = np.array([INPUT]), np.array([TARGET])
    before = np.empty(updates)  # E_total before each update, as loss_and_grad gives it
    for k in range(updates):
        before[k], _ = net.loss_and_grad(X, Y)
        for layer in net.layers:
            layer.W -= lr * layer.dW
    return np.append(before[1:], error(net))


def train_frozen_biases(net: Network, updates: int, lr: float = LR) -> np.ndarray:
    """His rule by ``chainrule.train``: every layer's biases frozen (``layer.frozen =
    {"b"}``), then ``SGD(lr)`` on the one example, ``updates`` epochs of one step.  Returns
    E_total after each update, shape (updates,) (the history's ``"loss"`` is each epoch's
    before its update)."""
    for layer in net.layers:
        layer.frozen = {"b"}
    history = cr.train(net, [INPUT], [TARGET], optimizer=cr.SGD(lr=lr), batch_size=1,
                       epochs=updates)
    return np.append(history["loss"][1:], error(net))


def train_all(net: Network, updates: int, lr: float = LR) -> np.ndarray:
    """``chainrule.train`` with ``SGD(lr)`` on the one example, biases updated too: E_total
    after each update, shape (updates,) (the history's ``"loss"`` is each epoch's before
    its update)."""
    history = cr.train(net, [INPUT], [TARGET], optimizer=cr.SGD(lr=lr), batch_size=1,
                       epochs=updates)
    return np.append(history["loss"][1:], error(net))


def code_order_step(net: Network, lr: float = LR) -> None:
    """The step that gives his 0.291027924: w5..w8 updated first, then the hidden deltas
    computed through the *new* w5..w8 (``layer.backward`` in that order); biases kept."""
    hidden, output = net.layers
    out = net.forward(np.array([INPUT]))
    output.backward(out - np.array([TARGET]))  # dE/dout_o = out_o - target_o
    output.W -= lr * output.dW
    hidden.backward(output.delta @ output.W.T, need_input_grad=False)
    hidden.W -= lr * hidden.dW


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="mazur_backprop.png")
    parser.add_argument("--updates", type=int, default=10_000)
    args = parser.parse_args()
    t = trace_frozen_step()  # his update: the biases frozen, their gradients shown
    print(t.text())
    net = network()
    E0 = error(net)
    print(f"E_total = {E0:.9f} (published {PUBLISHED_E})")
    errors = train_frozen_biases(net, 1)
    got = named_weights(net)
    print("after one update (biases kept):  chainrule | published")
    for name, value in got.items():
        print(f"  {name} = {value:.9f} | {PUBLISHED_WEIGHTS[name]}")
    print(f"  E_total = {errors[0]:.9f} (published {PUBLISHED_AFTER_ONE}: the hidden deltas "
          "through the updated w5..w8 give it)")
    frozen = np.concatenate([errors, train_frozen_biases(net, args.updates - 1)])
    updated = train_all(network(), args.updates)
    outputs = net.predict(np.array([INPUT]))[0]
    n = args.updates
    print(f"after {n - 1} updates of w1..w8 (chainrule.train, SGD, biases frozen): "
          f"E_total = {frozen[n - 2]:.10f} (published for 10,000: {PUBLISHED_10000:.10f})")
    print(f"after {n} updates of w1..w8: E_total = {frozen[n - 1]:.10f}, outputs "
          f"{outputs[0]:.9f} {outputs[1]:.9f} (published {PUBLISHED_OUTPUTS_10000[0]} "
          f"{PUBLISHED_OUTPUTS_10000[1]})")
    print(f"after {n} updates of the weights and biases (chainrule.train, SGD): "
          f"E_total = {updated[-1]:.10f}")
    code = network()
    code_order_step(code)
    print(f"his code's order (hidden deltas through the new w5..w8), one update: "
          f"E_total = {error(code):.9f}")
    print(f"picture written to {plot(frozen, updated, args.out)}")
    return {"trace": t, "E0": E0, "weights": got, "frozen": frozen, "updated": updated,
            "outputs": outputs, "code_order": error(code)}


def plot(frozen: np.ndarray, updated: np.ndarray, path: str) -> str:
    """E_total after each update, biases kept (his rule) and updated, on a log scale."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.0, 3.2), dpi=90, layout="constrained")
    ax = fig.subplots()
    steps = np.arange(1, frozen.size + 1)
    ax.loglog(steps, frozen, label="w1..w8 only, biases frozen (his rule)")
    ax.loglog(steps, updated, label="weights and biases (chainrule.train)")
    ax.axhline(PUBLISHED_10000, color="black", lw=0.8, ls="--", label="his 0.0000351085")
    ax.set(xlabel="updates", ylabel="E_total", title="Mazur's 2-2-2 network")
    ax.legend(fontsize=7)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
