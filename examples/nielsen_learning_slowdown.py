"""Nielsen's learning slowdown (*Neural Networks and Deep Learning*, chapter 3, "The
cross-entropy cost function"): one sigmoid neuron, input 1, desired output 0, under the
quadratic cost and under the cross-entropy cost.

    python examples/nielsen_learning_slowdown.py [--epochs 300] [--out slowdown.png]

The chapter (neuralnetworksanddeeplearning.com/chap3.html#the_cross-entropy_cost_function)
trains ``a = sigma(w x + b)`` on the single example x = 1, y = 0 by gradient descent for
300 epochs, one update per epoch:

* quadratic cost ``C = (y - a)^2 / 2``, eta = 0.15, from w = 0.6, b = 0.9: the output starts
  at 0.82 and falls to "about 0.09"; from w = b = 2.0 it starts at 0.98, "very badly wrong",
  and "for the first 150 or so learning epochs, the weights and biases don't change much at
  all" before the output moves towards 0;
* the reason, his equations (55) and (56): ``dC/dw = (a - y) sigma'(z) x`` and ``dC/db = (a
  - y) sigma'(z)``, and ``sigma'(z)`` is tiny where the output is near 1;
* cross-entropy cost ``C = -[y ln a + (1 - y) ln(1 - a)]``: ``dC/dw = x (a - y)``, ``dC/db
  = a - y``, no ``sigma'(z)``, no slowdown; his widgets use eta = 0.005 there (the rates
  of two costs do not compare, he notes: it is the shape of the curves that counts), and
  this script also runs eta = 0.15, the same rate as the quadratic cost's.

In chainrule the neuron is ``Dense(1, 1, activation="sigmoid")``; his quadratic cost is
``loss="squared_error"`` (``1/2 ||a - y||^2``: his 1/2), his cross-entropy ``log_loss``
(whose sigmoid delta is ``a - y``), and his gradient descent ``chainrule.train`` with
``SGD(lr=eta)`` and ``batch_size="full"`` (the one example). The first step of each run,
every number (z, sigma'(z), the delta, both gradients), is ``chainrule trace``'s::

    chainrule trace --weights '[[[0.9],[0.6]]]' --activation sigmoid --loss squared_error \\
        --input 1 --target 0 --lr 0.15 --notation netout
    chainrule trace --weights '[[[2],[2]]]' --activation sigmoid --loss log_loss \\
        --input 1 --target 0 --lr 0.005 --notation netout
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr

STARTS = {"w = 0.6, b = 0.9": (0.6, 0.9), "w = b = 2.0": (2.0, 2.0)}
# (cost, eta): the chapter's two settings, then the cross-entropy at the quadratic's rate
RUNS = (("quadratic", 0.15), ("cross-entropy", 0.005), ("cross-entropy", 0.15))
LOSS = {"quadratic": "squared_error", "cross-entropy": "log_loss"}
EPOCHS = 300
# the chapter's figures, as printed: the output at epoch 0 and after the 300 epochs
PUBLISHED = {("quadratic", 0.15, "w = 0.6, b = 0.9"): {0: 0.82, 300: 0.09},
             ("quadratic", 0.15, "w = b = 2.0"): {0: 0.98},
             ("cross-entropy", 0.005, "w = 0.6, b = 0.9"): {0: 0.82},
             ("cross-entropy", 0.005, "w = b = 2.0"): {0: 0.98}}
REPORTED_EPOCHS = (0, 1, 50, 100, 150, 200, 250, 300)
X, Y = np.ones((1, 1)), np.zeros((1, 1))  # input 1, desired output 0


def neuron(w: float, b: float, cost: str) -> cr.Network:
    """One sigmoid neuron with weight ``w`` and bias ``b`` and his ``cost``."""
    net = cr.Network([cr.Dense(1, 1, activation="sigmoid")], loss=LOSS[cost])
    net.layers[0].W[:], net.layers[0].b[:] = w, b
    return net


def learn(w: float, b: float, cost: str, eta: float, epochs: int = EPOCHS) -> dict:
    """``epochs`` full-batch steps of ``SGD(lr=eta)``: the weight, bias, output and cost
    at every epoch 0..epochs, arrays of shape (epochs + 1,), and the run's history of
    the cost, shape (epochs,)."""
    net = neuron(w, b, cost)
    rec = {"w": [w], "b": [b], "output": [], "cost": []}

    def keep(state: cr.TrainState) -> None:
        rec["w"].append(float(state.net.layers[0].W[0, 0]))
        rec["b"].append(float(state.net.layers[0].b[0]))

    hist = cr.train(net, X, Y, optimizer=cr.SGD(lr=eta), batch_size="full", epochs=epochs,
                    shuffle=False, callbacks=[keep])
    check = neuron(0.0, 0.0, cost)  # the output and cost at every recorded (w, b)
    for wi, bi in zip(rec["w"], rec["b"], strict=True):
        check.layers[0].W[:], check.layers[0].b[:] = wi, bi
        rec["output"].append(float(check.predict(X)[0, 0]))
        rec["cost"].append(float(check.loss_and_grad(X, Y)[0]))
    rec["history_loss"] = hist.loss  # the cost each epoch started at: rec["cost"][:-1]
    return {k: np.array(v) for k, v in rec.items()}


def first_step(w: float, b: float, cost: str, eta: float) -> dict[str, float]:
    """The first update by ``cr.trace``: z, a, sigma'(z), dC/da, the delta, dC/dw, dC/db."""
    t = cr.trace(neuron(w, b, cost), [1.0], [0.0], lr=eta, notation="netout").to_dict()
    out = next(n for n in t["nodes"] if n["name"] == "o1")
    grads = {g["name"]: g["gradient"] for g in t["weights"]}
    return {"z": out["net"], "a": out["out"], "sigma'(z)": out["dout_dnet"],
            "dC/da": out["dE_dout"], "delta": out["delta"], "dC/dw": grads["w(i1->o1)"],
            "dC/db": grads["b(o1)"], "C": t["cost"]}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="slowdown.png")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    runs = {(cost, eta, start): learn(*STARTS[start], cost, eta, args.epochs)
            for cost, eta in RUNS for start in STARTS}
    steps = {(cost, eta, start): first_step(*STARTS[start], cost, eta)
             for cost, eta in RUNS[:2] for start in STARTS}
    print("The first step (cr.trace): quadratic delta = (a - y) sigma'(z), "
          "cross-entropy delta = a - y")
    for (cost, eta, start), s in steps.items():
        print(f"  {cost:13s} eta {eta:<5g} {start:17s} "
              + ", ".join(f"{k} {v:.6f}" for k, v in s.items()))
    epochs = [e for e in REPORTED_EPOCHS if e <= args.epochs]
    print("\nThe output a = sigma(w + b) at epoch " + ", ".join(map(str, epochs)))
    for key, r in runs.items():
        print(f"  {key[0]:13s} eta {key[1]:<5g} {key[2]:17s} "
              + " ".join(f"{r['output'][e]:.4f}" for e in epochs))
    print("\nThe chapter's figures (as printed) against chainrule's")
    for key, figures in PUBLISHED.items():
        for e, value in figures.items():
            if e <= args.epochs:
                mine = runs[key]["output"][e]
                ok = round(mine, 2) == value
                print(f"  {key[0]:13s} {key[2]:17s} epoch {e:3d}: published {value:.2f}, "
                      f"chainrule {mine:.6f}" + ("" if ok else "  (outside his rounding)"))
    print("\nThe cost at epoch 0, 50, 150 and its fall over the first 50 epochs")
    for key, r in runs.items():
        c = r["cost"]
        if args.epochs >= 150:
            print(f"  {key[0]:13s} eta {key[1]:<5g} {key[2]:17s} {c[0]:.4f} {c[50]:.4f} "
                  f"{c[150]:.4f}  ({100 * (1 - c[50] / c[0]):.1f} % in 50 epochs)")
    print(f"picture written to {plot(runs, args.out)}")
    return {"runs": runs, "steps": steps}


def plot(runs: dict, path: str) -> str:
    """The cost per epoch: the quadratic (eta 0.15) and cross-entropy (eta 0.005) runs."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 3.2), dpi=90, layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, (cost, eta) in zip(axes, RUNS[:2], strict=True):
        for start in STARTS:
            ax.plot(runs[(cost, eta, start)]["cost"], label=start)
        ax.set(xlabel="epoch", ylabel="cost", title=f"{cost} cost, eta = {eta:g}")
        ax.legend()
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
