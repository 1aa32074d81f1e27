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


def linear_unit(m: int = 200, seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    """A linear unit ``a = x w + b`` with squared error on m correlated 2-D inputs of mean
    (1, 0.5) (a non-zero mean makes lambda_max large: LeCun's section 4.3), set to its
    least-squares minimum."""
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal([1.0, 0.5], [[1.0, 0.8], [0.8, 1.0]], size=m)
    y = X @ np.array([2.0, -1.0]) + 0.5 + 0.1 * rng.standard_normal(m)
    net = Network([Dense(2, 1, activation="identity", seed=seed)], loss="squared_error")
    A = np.column_stack([X, np.ones(m)])
    net.params[:] = np.linalg.lstsq(A, y, rcond=None)[0]  # W row by row, then b
    return net, X, y


def tanh_net(seed: int = 0) -> tuple[Network, np.ndarray, np.ndarray]:
    """A 2-4-1 tanh net with weight decay 0.01 fitted to y = sin(x1) x2 on 100 points by
    trust-ncg (exact H v): a strict minimum (H positive definite there)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(100, 2))
    y = np.sin(X[:, 0]) * X[:, 1]
    net = cr.mlp([2, 4, 1], hidden="tanh", seed=seed, weight_decay=0.01)
    cr.minimize(net, X, y, method="trust-ncg", maxiter=2000, tol=1e-14)
    return net, X, y


def power_method(net: Network, X: np.ndarray, y: np.ndarray, iters: int = 500,
                 tol: float = 1e-12, seed: int = 0) -> tuple[float, np.ndarray, list[float]]:
    """Section 9's power method: ``v <- H v / ||H v||`` until the Rayleigh quotient
    ``v^T H v`` settles.  Returns lambda_max, its unit eigenvector and the estimates."""
    v = np.random.default_rng(seed).standard_normal(net.n_params)
    v /= np.linalg.norm(v)
    history: list[float] = []
    for _ in range(iters):
        hv = cr.hessian_vector_product(net, X, y, v)
        history.append(float(v @ hv))
        v = hv / np.linalg.norm(hv)
        if len(history) > 1 and abs(history[-1] - history[-2]) <= tol * abs(history[-1]):
            break
    return history[-1], v, history


def descent_losses(net: Network, X: np.ndarray, y: np.ndarray, lr: float, steps: int,
                   start: np.ndarray) -> np.ndarray:
    """Full-batch gradient descent ``theta <- theta - lr grad J`` from ``start``: the
    cost before each step and after the last (steps + 1 values).  Leaves ``net``
    unchanged."""
    theta, losses = net.params.copy(), []
    net.params[:] = start
    for _ in range(steps):
        J, grad = net.loss_and_grad(X, y)
        losses.append(J)
        net.params[:] -= lr * grad
    losses.append(net.loss_and_grad(X, y)[0])
    net.params[:] = theta
    return np.array(losses)


def critical_factor(net: Network, X: np.ndarray, y: np.ndarray, eps: float = 1e-3,
                    steps: int = 200) -> float:
    """The c, to 1e-4, above which gradient descent at ``lr = c * 2 / lambda_max`` from
    ``theta* + eps u_1`` ends ``steps`` steps with a larger cost than it began."""
    lam, u = cr.hessian_eigenvalues(net, X, y, return_eigenvectors=True)
    start = net.params + eps * u[:, 0]
    lo, hi = 0.5, 1.5
    while hi - lo > 1e-4:
        c = (lo + hi) / 2
        J = descent_losses(net, X, y, c * 2 / lam[0], steps, start)
        lo, hi = (c, hi) if J[-1] < J[0] else (lo, c)
    return (lo + hi) / 2


def section5(net: Network, X: np.ndarray, y: np.ndarray, steps: int = 50,
             eps: float = 0.1) -> dict:
    """lambda_max both ways, descent at 0.9 and 1.1 times 2 / lambda_max from
    ``theta* + eps (u_1 + r)`` (r: a fixed random unit direction), and the factor
    ``|1 - lr lambda_max|`` one step applies to an error along u_1 for several lr."""
    lam, u = cr.hessian_eigenvalues(net, X, y, return_eigenvectors=True)
    lam, u = float(lam[0]), u[:, 0]
    lam_power, _, history = power_method(net, X, y)
    theta = net.params.copy()
    r = np.random.default_rng(1).standard_normal(net.n_params)
    start = theta + eps * (u + r / np.linalg.norm(r))
    J_min = net.loss_and_grad(X, y)[0]
    descent = {c: descent_losses(net, X, y, c * 2 / lam, steps, start) - J_min
               for c in (0.9, 1.1)}
    one_step = {}
    for lr_lam in (0.5, 1.0, 1.5, 1.9, 2.1):
        net.params[:] = theta + 1e-4 * u
        net.params[:] -= lr_lam / lam * net.loss_and_grad(X, y)[1]
        one_step[lr_lam] = float(u @ (net.params - theta)) / 1e-4
        net.params[:] = theta
    return {"lambda_max": lam, "power_method": lam_power, "power_history": history,
            "excess": descent, "one_step": one_step}


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
    out = {"figures": fig, "weights": weights, "spreads": spreads}
    for name, make, eps in (("linear unit", linear_unit, 0.1),
                            ("2-4-1 tanh net", tanh_net, 0.01)):
        net, X, y = make()
        s5 = section5(net, X, y, eps=eps)
        h = s5["power_history"]
        print(f"{name}: lambda_max = {s5['lambda_max']:.10g} (eigsh), {s5['power_method']:.10g}"
              f" (power method, {len(h)} products; estimates {h[0]:.4g}, {h[1]:.4g}, "
              f"{h[4]:.6g}, ...)")
        for c, ex in s5["excess"].items():
            print(f"  lr = {c} * 2/lambda_max: J - J* = {ex[0]:.3g} at the start, "
                  f"{ex[10]:.3g} after 10 steps, {ex[-1]:.3g} after {len(ex) - 1}")
        print("  one step at lr * lambda_max = " + ", ".join(
            f"{k}: error along u_1 x {v:+.4f}" for k, v in s5["one_step"].items()))
        if name != "linear unit":
            s5["critical"] = {e: critical_factor(net, X, y, eps=e) for e in (0.1, 0.01, 0.001)}
            print("  an error eps u_1 stops shrinking over 200 steps at lr = c * 2/lambda_max, "
                  "c = " + ", ".join(f"{c:.4f} (eps {e})" for e, c in s5["critical"].items()))
        out[name] = s5
    return out


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
