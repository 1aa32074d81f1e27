"""cs231n's two-layer net (assignment 1, two_layer_net.ipynb) in chainrule: its toy model's
scores, loss and gradient check, softmax and SVM.

    python examples/cs231n_two_layer_net.py [--out cs231n_two_layer_net.png]

The toy model and data are built as the notebook builds them: input 4, hidden 10, 3
classes, 5 examples; weights ``1e-1 * randn`` after ``np.random.seed(0)``, zero biases;
``X = 10 * randn(5, 4)`` after ``np.random.seed(1)``, labels [0, 1, 2, 2, 1].  The net is
affine - ReLU - affine - softmax: in chainrule ``Dense(4, 10, "relu")`` and ``Dense(10, 3,
"softmax")`` with the cross-entropy loss, whose output layer's net input ``Z`` is cs231n's
``scores``.  cs231n's regularisation is ``reg * sum W^2`` (no 1/2) and chainrule's weight
decay ``(lambda/2) sum W^2`` ("ufldl", biases never decayed in either), so ``reg = 0.05``
is ``weight_decay = 2 * reg = 0.1``.  The gradient check is cs231n's: central differences
with h = 1e-5, and the relative error ``max |a - b| / max(1e-8, |a| + |b|)``, array by
array: ``chainrule.gradient_check(net, X, y, eps=1e-5, measure="cs231n")`` and its
``difference(array="layers[0].W")`` for ``W1``.  The notebook prints W1 3.561318e-09, b1
2.738421e-09, W2 3.440708e-09 (and b2 4.4476e-11, whose last digits differ between
copies); this gives the same to the digits printed.
"""

from __future__ import annotations

import argparse

import numpy as np

from chainrule.gradcheck import gradient_check as chainrule_gradient_check
from chainrule.gradcheck import relative_difference
from chainrule.layers import Dense
from chainrule.network import Network

# Published in the notebook for this model and data (correct_scores; correct_loss, reg 0.05)
PUBLISHED_SCORES = np.array([
    [-0.81233741, -1.27654624, -0.70335995],
    [-0.17129677, -1.18803311, -0.47310444],
    [-0.51590475, -1.01354314, -0.8504215],
    [-0.15419291, -0.48629638, -0.52901952],
    [-0.00618733, -0.12435261, -0.15226949]])
PUBLISHED_LOSS = 1.30378789133


def toy_model_and_data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """[W1, b1, W2, b2], X of shape (5, 4) and labels y of shape (5,), as the notebook."""
    weights = np.random.RandomState(0)  # the stream np.random.seed(0) starts
    params = [1e-1 * weights.randn(4, 10), np.zeros(10), 1e-1 * weights.randn(10, 3),
              np.zeros(3)]
    X = 10 * np.random.RandomState(1).randn(5, 4)
    return params, X, np.array([0, 1, 2, 2, 1])


def build(params: list[np.ndarray], reg: float, loss: str = "cross_entropy") -> Network:
    """The two-layer net with cs231n's weights copied in; ``reg`` as cs231n's."""
    output = "softmax" if loss == "cross_entropy" else "identity"  # SVM: raw scores
    net = Network([Dense(4, 10, activation="relu"), Dense(10, 3, activation=output)],
                  loss=loss, weight_decay=2 * reg)
    for layer, W, b in zip(net.layers, params[0::2], params[1::2], strict=True):
        layer.W[:], layer.b[:] = W, b
    return net


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """cs231n's relative error: chainrule's ``relative_difference(a, b, measure="cs231n")``."""
    return relative_difference(a, b, measure="cs231n")


def gradient_check(net: Network, X: np.ndarray, y: np.ndarray, h: float = 1e-5) -> dict:
    """cs231n's check of each parameter array: the largest relative error between the
    network's gradient and central differences of its cost, step ``h``: chainrule's
    :func:`chainrule.gradient_check` with ``measure="cs231n"``, array by array
    (:meth:`GradientCheck.difference`)."""
    check = chainrule_gradient_check(net, X, y, eps=h, measure="cs231n")
    return {f"{name[-1]}{i}": check.difference(array=f"layers[{i - 1}].{name[-1]}")
            for i in range(1, len(net.layers) + 1) for name in ("W", "b")}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="cs231n_two_layer_net.png")
    parser.add_argument("--reg", type=float, default=0.05, help="cs231n's reg")
    args = parser.parse_args()
    params, X, y = toy_model_and_data()
    net = build(params, args.reg)
    loss, _ = net.loss_and_grad(X, y)
    scores = net.layers[-1].Z
    print(f"reg {args.reg:g} (cs231n) = weight_decay {net.weight_decay:g} (chainrule)")
    print("scores (net input of the output layer):")
    print(np.array2string(scores, precision=8))
    print(f"difference from the published scores: {np.sum(np.abs(scores - PUBLISHED_SCORES)):.3e}")
    print(f"loss {loss:.11f}, difference from the published loss: "
          f"{abs(loss - PUBLISHED_LOSS):.3e}")
    errors = {"softmax": gradient_check(net, X, y)}
    svm = build(params, args.reg, loss="multiclass_hinge")
    print(f"the same net with cs231n's SVM loss (multiclass_hinge): loss "
          f"{svm.loss_and_grad(X, y)[0]:.11f}")
    errors["svm"] = gradient_check(svm, X, y)
    for kind, errs in errors.items():
        print(f"{kind:8s}" + "  ".join(f"{k} max relative error {v:e}" for k, v in errs.items()))
    print(f"gradient check picture written to {plot(errors, args.out)}")
    return {"net": net, "svm": svm, "scores": scores, "loss": loss, "errors": errors}


def plot(errors: dict, path: str) -> str:
    """The relative error of each parameter array, softmax and SVM, on a log scale."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 3.6), dpi=100, layout="constrained")
    ax = fig.subplots()
    names = list(errors["softmax"])
    width = 0.38
    for j, (kind, errs) in enumerate(errors.items()):
        ax.bar(np.arange(len(names)) + (j - 0.5) * width,
               [max(errs[n], 1e-16) for n in names], width, label=kind)
    ax.axhline(1e-8, color="black", lw=1, ls="--", label="cs231n's 1e-8")
    ax.set(xticks=range(len(names)), xticklabels=names, yscale="log",
           ylabel="max relative error", title="cs231n toy net: backprop vs central differences")
    ax.legend(fontsize=8)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
