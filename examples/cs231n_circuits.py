"""cs231n's "Backpropagation, intuitions" circuits as graphs of scalars, every node shown,
beside the same circuits traced as networks (``examples/cs231n_neuron.py``).

    python examples/cs231n_circuits.py [--out cs231n_circuits.png]

The notes (cs231n.github.io/optimization-2/) draw ``f(x, y, z) = (x + y) z`` and the
sigmoid neuron ``f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))`` as circuits of scalar
gates: each gate's value forward, each gate's gradient backward as its local gradient
times the upstream gradient.  ``chainrule.scalar`` is that view (micrograd's ``Value``):
one node per gate, and ``trace`` lists them all.  A network trace has to contort the
same circuits into layers (``q = 1*x + 1*y`` a unit, ``z`` a weight, the loss chosen
so that ``dE/df = 1``); both give the notes' numbers.  The same from the command line::

    chainrule graph 'q = x + y; f = q * z' --values x=-2,y=5,z=-4
    chainrule graph 'dot = w0*x0 + w1*x1 + w2; f = sigmoid(dot)' \\
        --values w0=2,x0=-1,w1=-3,x1=-2,w2=-3 --plot neuron.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from chainrule.scalar import build, parse_values, trace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cs231n_neuron import CIRCUIT, NEURON, PRINTED, circuit, neuron

CIRCUIT_EXPR = ("q = x + y; f = q * z", "x=-2,y=5,z=-4")
NEURON_EXPR = ("dot = w0*x0 + w1*x1 + w2; f = sigmoid(dot)", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3")


def scalar_circuit() -> tuple[object, dict[str, object]]:
    """The circuit as a graph of scalars: the notes' names, from the trace's nodes."""
    t = trace(build(CIRCUIT_EXPR[0], parse_values(CIRCUIT_EXPR[1])))
    n = {node.name: node for node in t.nodes}
    return t, {"q": n["q"].data, "f": n["f"].data, "df/dz": n["z"].grad,
               "df/dq": n["q"].grad, "df/dx": n["x"].grad, "df/dy": n["y"].grad}


def scalar_neuron() -> tuple[object, dict[str, object]]:
    """The sigmoid neuron as a graph of scalars: ``dot``, ``f``, ``ddot = df/ddot``, dw, dx."""
    t = trace(build(NEURON_EXPR[0], parse_values(NEURON_EXPR[1])))
    n = {node.name: node for node in t.nodes}
    return t, {"dot": n["dot"].data, "f": n["f"].data, "ddot": n["dot"].grad,
               "dw": [n["w0"].grad, n["w1"].grad, n["w2"].grad],
               "dx": [n["x0"].grad, n["x1"].grad]}


def main() -> dict[str, dict[str, tuple[object, object, object, bool]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="cs231n_circuits.png")
    args = parser.parse_args()
    results = {}
    for title, (t, got), (_, net), notes, half in (
            ("f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4", scalar_circuit(), circuit(),
             CIRCUIT, {}),
            ("the sigmoid neuron, w = [2, -3, -3], x = [-1, -2]", scalar_neuron(), neuron(),
             NEURON, PRINTED)):
        print(f"=== {title}: the graph of scalars ===")
        print(t.text())
        print("\n         the notes              graph of scalars                       "
              "network trace")
        rows = {}
        for name, value in notes.items():
            mine, theirs = got[name], net[name]
            ok = (float(np.max(np.abs(np.subtract(mine, value)))) <= half.get(name, 0.0)
                  and np.allclose(mine, theirs, rtol=0, atol=1e-15))
            rows[name] = (value, mine, theirs, ok)
            print(f"  {name:6s} {value!s:22s} {np.round(mine, 8).tolist()!s:38s} "
                  f"{np.round(theirs, 8).tolist()!s}" + ("" if ok else "  (differs)"))
        results[title] = rows
        print()
    t, _ = scalar_neuron()
    path = t.plot(args.out, title="cs231n's sigmoid neuron as a graph of scalars: "
                  "data and grad of every node")
    print(f"picture written to {path}")
    return results


if __name__ == "__main__":
    main()
