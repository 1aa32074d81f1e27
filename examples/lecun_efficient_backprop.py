"""LeCun, Bottou, Orr & Mueller, "Efficient BackProp" (1998), sections 4.4 to 4.6, in
chainrule: the scaled tanh, targets at its +-1, and weights of standard deviation m^(-1/2).

    python examples/lecun_efficient_backprop.py [--out lecun_efficient_backprop.png]

Section 4.4 recommends the sigmoid ``f(x) = 1.7159 tanh(2x/3)``: chainrule's built-in
``"lecun_tanh"``.  Its constants make ``f(+-1) = +-1`` (0.9999973 here: 1.7159 is
``1 / tanh(2/3)`` to five digits), put the largest ``|f''|`` near ``x = +-1`` (at
``1.5 atanh(1/sqrt 3) = 0.9877``) and give a gain ``f'(0) = 1.1439`` (:func:`figures`).

Section 4.5: targets at the asymptotes of the sigmoid drive the weights to infinity;
targets at +-1, where ``f''`` peaks, do not.  One unit without a bias, inputs -1 and 1,
targets -1 and 1, full-batch gradient descent at rate 0.5 (:func:`target_weights`): with
tanh, whose asymptotes are +-1, the weight keeps growing (1.81 after 100 steps, 2.41 after
1,000, 2.99 after 10,000: like ``log`` of the steps); with lecun_tanh it settles at
``1.5 atanh(1/1.7159) = 1.0000036`` within 100 steps.

Section 4.6: with inputs of unit variance, weights drawn with standard deviation
``m^(-1/2)`` (m: the unit's fan-in; ``init="normal(eps=m ** -0.5)"``) give net inputs of
standard deviation about 1, in the sigmoid's useful range.  Ten such layers of 256 units
(:func:`layer_spreads`): the standard deviation of each layer's outputs falls from 0.63 to
0.23 with tanh (whose gain at 0 is 1: the spread decays towards 0, slowly), and only from
0.87 to 0.64 with lecun_tanh (gain 1.14: it tends to a fixed point, 0.618, instead), as the
recursion ``v' = E[f(sqrt(v) Z)^2]``, Z ~ N(0, 1), predicts (:func:`predicted_spreads`).
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from chainrule.activations import get_activation
from chainrule.layers import Dense
from chainrule.network import Network


def figures() -> dict[str, float]:
    """f(-1), f(1), the z in [0, 3] where |f''| is largest (central differences of
    chainrule's f' on a grid of step 1e-4) and the gain f'(0)."""
    act = get_activation("lecun_tanh")

    def fprime(z: np.ndarray) -> np.ndarray:
        return act.derivative(z, act.f(z))

    z, h = np.linspace(0.0, 3.0, 30_001), 1e-5
    second = (fprime(z + h) - fprime(z - h)) / (2 * h)
    f = act.f(np.array([-1.0, 1.0]))
    return {"f(-1)": float(f[0]), "f(1)": float(f[1]),
            "argmax |f''|": float(z[np.argmax(np.abs(second))]),
            "f'(0)": float(fprime(np.zeros(1))[0])}


def target_weights(activation: str, epochs: int, lr: float = 0.5) -> float:
    """One unit ``f(w x)`` trained on x = -1, 1 with targets -1, 1: its weight after
    ``epochs`` full-batch gradient-descent steps from 0."""
    net = Network([Dense(1, 1, activation=activation, init="zeros", bias=False)],
                  loss="squared_error")
    cr.train(net, np.array([[-1.0], [1.0]]), np.array([-1.0, 1.0]), optimizer="gd", lr=lr,
             epochs=epochs)
    return float(net.layers[0].W[0, 0])


def deep_network(activation: str, width: int = 256, depth: int = 10) -> Network:
    """``depth`` Dense layers of ``width`` units, weights N(0, 1/width) (section 4.6)."""
    eps = width ** -0.5
    return Network([Dense(width, width, activation=activation, init=f"normal(eps={eps})",
                          seed=seed) for seed in range(depth)], loss="squared_error")


def layer_spreads(activation: str, width: int = 256, depth: int = 10, n: int = 2000,
                  seed: int = 0) -> np.ndarray:
    """The standard deviation of each layer's outputs for standard normal inputs."""
    net = deep_network(activation, width, depth)
    net.forward(np.random.default_rng(seed).standard_normal((n, width)))
    return np.array([layer.A.std() for layer in net.layers])


def predicted_spreads(activation: str, depth: int = 10) -> np.ndarray:
    """The recursion ``v_(l+1) = E[f(sqrt(v_l) Z)^2]``, v_0 = 1, by Gauss-Hermite
    quadrature: the spread of wide layers with weights N(0, 1/m)."""
    f = get_activation(activation).f
    x, w = np.polynomial.hermite_e.hermegauss(100)
    w = w / np.sqrt(2 * np.pi)
    v, out = 1.0, []
    for _ in range(depth):
        v = float(np.sum(w * f(np.sqrt(v) * x) ** 2))
        out.append(np.sqrt(v))
    return np.array(out)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="lecun_efficient_backprop.png")
    args = parser.parse_args()
    fig = figures()
    print("lecun_tanh: " + ", ".join(f"{k} = {v:.6g}" for k, v in fig.items()))
    weights = {a: {e: target_weights(a, e) for e in (100, 1000, 10_000)}
               for a in ("tanh", "lecun_tanh")}
    for a, ws in weights.items():
        print(f"targets +-1, {a}: weight " + ", ".join(f"{w:.7g} after {e}" for e, w in
                                                        ws.items()))
    spreads = {a: layer_spreads(a) for a in ("tanh", "lecun_tanh")}
    for a, s in spreads.items():
        print(f"std of layers 1..10 ({a}): {np.round(s, 3).tolist()}; predicted "
              f"{np.round(predicted_spreads(a), 3).tolist()}")
    print(f"picture written to {plot(spreads, args.out)}")
    return {"figures": fig, "weights": weights, "spreads": spreads}


def plot(spreads: dict, path: str) -> str:
    """f and |f''| of both sigmoids, and the spread of each layer's outputs."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 3.0), dpi=90, layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    z = np.linspace(-4, 4, 401)
    for name, color in (("tanh", "C0"), ("lecun_tanh", "C1")):
        act = get_activation(name)
        ax1.plot(z, act.f(z), color=color, label=name)
        depth = np.arange(1, len(spreads[name]) + 1)
        ax2.plot(depth, spreads[name], "o", color=color, label=f"{name} (measured)")
        ax2.plot(depth, predicted_spreads(name), "-", color=color, lw=1, label="predicted")
    ax1.axhline(1, color="0.7", lw=0.8)
    ax1.axvline(1, color="0.7", lw=0.8)
    ax1.set(title="f(+-1) = +-1", xlabel="z")
    ax1.legend(fontsize=8)
    ax2.set(title="std of each layer's outputs", xlabel="layer", ylim=(0, 1))
    ax2.legend(fontsize=7)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
