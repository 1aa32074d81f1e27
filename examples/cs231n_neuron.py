"""cs231n's "Backpropagation, intuitions" notes: the circuit ``f(x, y, z) = (x + y) z`` and
the sigmoid neuron ``f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))``, every number traced.

    python examples/cs231n_neuron.py [--out cs231n_neuron.png]

The notes (cs231n.github.io/optimization-2/) work two examples by hand:

* ``x = -2, y = 5, z = -4``: ``q = x + y = 3``, ``f = q z = -12``; backward ``df/dz = q =
  3``, ``df/dq = z = -4``, ``df/dx = df/dy = -4`` (the comments of their code).
* ``w = [2, -3, -3]``, ``x = [-1, -2]``: the dot product 1, the sigmoid's output 0.73, its
  local gradient ``(1 - 0.73) * 0.73 ~= 0.2``, and on the circuit diagram the gradients
  ``dw = [-0.20, -0.39, 0.20]`` and ``dx = [0.39, -0.59]`` (two decimals).

In chainrule both are networks traced for one step (``chainrule trace``, ``cr.trace``):

* the neuron is one sigmoid unit, ``Network.from_transfer_matrices([[[-3], [2], [-3]]])``
  (the bias ``w2`` in the first row), its input ``x``;
* the circuit is two identity layers without biases: ``q = 1*x + 1*y``, then ``f = z*q``,
  ``z`` being the second layer's weight (a product of two variables is what a unit
  computes between a weight and its input).

The loss is ``mean_absolute_error``, ``E = |f - t|``, whose ``dE/df`` is 1 for ``f > t``:
the target 0 below the neuron's output makes ``E = f`` (t = -13 below the circuit's -12
makes ``E = f + 13``), so every gradient the trace prints is the notes' gradient of ``f``:
the output's ``delta`` the sigmoid's local gradient, ``dE/dw`` the notes' ``dw``, the
hidden ``dE/dout`` the circuit's ``df/dq``.  The gradients on the inputs (``dx``, and
``df/dx``, ``df/dy``) are not parameters and not in the trace: the layers' own ``backward``
returns them.  From the command line::

    chainrule trace --weights '[[[-3],[2],[-3]]]' --activation sigmoid \\
        --loss mean_absolute_error --input -1 -2 --target 0 --notation netout
    chainrule trace --weights '[[[0],[1],[1]],[[0],[-4]]]' --activation identity \\
        --loss mean_absolute_error --input -2 5 --target -13 --notation netout
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr

# the notes' numbers: the circuit's (exact), the neuron's as printed (2 decimals)
CIRCUIT = {"q": 3.0, "f": -12.0, "df/dz": 3.0, "df/dq": -4.0, "df/dx": -4.0, "df/dy": -4.0}
NEURON = {"dot": 1.0, "f": 0.73, "ddot": 0.2, "dw": [-0.20, -0.39, 0.20], "dx": [0.39, -0.59]}
# half a unit of the notes' last digit ("~= 0.2": one decimal)
PRINTED = {"dot": 0.0, "f": 0.005, "ddot": 0.05, "dw": 0.005, "dx": 0.005}


def neuron_net() -> cr.Network:
    """One sigmoid unit with the notes' ``w = [2, -3, -3]`` (``w2``, the bias, first)."""
    return cr.Network.from_transfer_matrices([[[-3.0], [2.0], [-3.0]]], activation="sigmoid",
                                             loss="mean_absolute_error")


def circuit_net(z: float = -4.0) -> cr.Network:
    """``q = x + y`` (weights 1, bias 0), then ``f = z q`` (weight z, bias 0)."""
    return cr.Network.from_transfer_matrices([[[0.0], [1.0], [1.0]], [[0.0], [z]]],
                                             activation="identity", loss="mean_absolute_error")


def input_gradient(net: cr.Network, x: list[float]) -> np.ndarray:
    """``df/dx``: a forward pass, then every layer's ``backward`` from ``df/df = 1``."""
    net.forward(np.array([x], dtype=float))
    g = np.ones((1, 1))
    for layer in reversed(net.layers):
        g = layer.backward(g)
    return g[0]


def neuron() -> tuple[cr.tracing.Trace, dict[str, object]]:
    net = neuron_net()
    t = cr.trace(net, [-1.0, -2.0], [0.0], lr=1.0, notation="netout")
    d = t.to_dict()
    out = next(n for n in d["nodes"] if n["name"] == "o1")
    grads = {w["name"]: w["gradient"] for w in d["weights"]}
    return t, {"dot": out["net"], "f": out["out"], "ddot": out["delta"],
               "dw": [grads["w(i1->o1)"], grads["w(i2->o1)"], grads["b(o1)"]],
               "dx": list(input_gradient(net, [-1.0, -2.0]))}


def circuit() -> tuple[cr.tracing.Trace, dict[str, object]]:
    net = circuit_net()
    t = cr.trace(net, [-2.0, 5.0], [-13.0], lr=1.0, notation="netout")
    d = t.to_dict()
    nodes = {n["name"]: n for n in d["nodes"]}
    grads = {w["name"]: w["gradient"] for w in d["weights"]}
    dx, dy = input_gradient(net, [-2.0, 5.0])
    return t, {"q": nodes["h1"]["out"], "f": nodes["o1"]["out"], "df/dz": grads["w(h1->o1)"],
               "df/dq": nodes["h1"]["dE_dout"], "df/dx": float(dx), "df/dy": float(dy)}


def main() -> dict[str, dict[str, tuple[object, object, float, bool]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="cs231n_neuron.png")
    args = parser.parse_args()
    results = {}
    for title, (t, got), notes, half in (
            ("f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4", circuit(), CIRCUIT, {}),
            ("the sigmoid neuron, w = [2, -3, -3], x = [-1, -2]", neuron(), NEURON, PRINTED)):
        print(f"=== {title} ===")
        print(t.text())
        print("         the notes              chainrule                                difference")
        rows = {}
        for name, value in notes.items():
            mine = got[name]
            diff = float(np.max(np.abs(np.subtract(mine, value))))
            ok = diff <= half.get(name, 0.0)  # exact, or within the notes' rounding
            rows[name] = (value, mine, diff, ok)
            print(f"  {name:6s} {value!s:22s} {np.round(mine, 8).tolist()!s:40s} {diff:.1e}"
                  + ("" if ok else "  (outside the notes' rounding)"))
        results[title] = rows
    t, _ = neuron()
    print(f"picture written to {t.plot(args.out, title='cs231n: the sigmoid neuron, one step')}")
    return results


if __name__ == "__main__":
    main()
