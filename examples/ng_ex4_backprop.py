"""Andrew Ng's Machine Learning course, exercise 4 (neural network learning), in chainrule:
sigmoidGradient, randInitializeWeights, nnCostFunction and checkNNGradients.

    python examples/ng_ex4_backprop.py [--out ng_ex4_backprop.png]

ex4's network has 3 sigmoid layers (input, hidden, K outputs).  Its cost is

    J = (1/m) sum_i sum_k [-y_ik log h_k(x_i) - (1 - y_ik) log(1 - h_k(x_i))]
        + lambda/(2m) (sum Theta1[:, 1:]^2 + sum Theta2[:, 1:]^2),

a sum over the K one-vs-all outputs and a mean over the m examples.  chainrule's
``log_loss`` is that sum over the outputs for each example, and a network's cost is the
mean over the examples, so the data part is chainrule's cost as it is (no factor K).
The penalty is ``weight_decay=lambda`` with ``decay="per_sample"``, chainrule's
``(1/m)(lambda/2) sum W^2``, never on the biases: Ng's column 0 of each Theta.

Theta^(l) has shape (units of layer l+1, 1 + units of layer l), the bias in column 0;
its transpose is chainrule's transfer matrix (biases in the first row), so the network
is ``Network.from_transfer_matrices([Theta1.T, Theta2.T], ...)``, and a Dense layer holds
``W = Theta[:, 1:].T`` of shape (fan_in, fan_out) and ``b = Theta[:, 0]``.  Ng's labels
are 1..K; chainrule's are 0..K-1 (``y - 1``).  Ng unrolls his parameters column by
column (``[Theta1(:); Theta2(:)]``, Octave's column-major order): :func:`unroll`.

checkNNGradients' debug network has 3 inputs, 5 hidden units, K = 3 outputs and m = 5
examples, its weights and data from debugInitializeWeights (``sin(1:n) / 10`` filled in
column by column), its labels ``1 + mod(1:m, K)``.  It compares the gradient with
central differences (``e = 1e-4``) and prints their relative difference
``norm(numgrad - grad) / norm(numgrad + grad)``, which "should be less than 1e-9".

ex4's published costs (0.287629 with lambda 0, 0.383770 with lambda 1, and the
"debugging" 0.576051 with lambda 3 that ex4.m prints after checkNNGradients) are those of
the trained weights ex4weights.mat on the 5,000 digits of ex4data1.mat: course files not
bundled here, so those three figures are not reproduced.
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from chainrule.activations import get_activation
from chainrule.network import Network
from chainrule.notation import gradient_to_transfer_matrices

# Published by ex4.m ("Sigmoid gradient evaluated at [-1 -0.5 0 0.5 1]"), six decimals
PUBLISHED_SIGMOID_GRADIENT = np.array([0.196612, 0.235004, 0.250000, 0.235004, 0.196612])
CHECK_SIZES = (3, 5, 3, 5)  # checkNNGradients: input, hidden, K, m
EPSILON_INIT = 0.12  # randInitializeWeights


def sigmoid_gradient(z: np.ndarray) -> np.ndarray:
    """Ng's sigmoidGradient(z) = g(z)(1 - g(z)), from chainrule's sigmoid activation."""
    sigmoid = get_activation("sigmoid")
    z = np.asarray(z, dtype=float)
    return sigmoid.derivative(z, sigmoid(z))


def rand_initialize_weights(L_in: int, L_out: int, rng: np.random.Generator,
                            epsilon_init: float = EPSILON_INIT) -> np.ndarray:
    """Ng's randInitializeWeights: Theta of shape (L_out, 1 + L_in), uniform in
    +-epsilon_init, the bias column included."""
    return rng.uniform(-epsilon_init, epsilon_init, size=(L_out, 1 + L_in))


def debug_initialize_weights(fan_out: int, fan_in: int) -> np.ndarray:
    """Ng's debugInitializeWeights: shape (fan_out, 1 + fan_in), ``sin(1:n) / 10`` filled
    in column by column (Octave's reshape)."""
    n = fan_out * (1 + fan_in)
    return np.reshape(np.sin(np.arange(1, n + 1)), (fan_out, 1 + fan_in), order="F") / 10


def debug_problem() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """checkNNGradients' [Theta1, Theta2], X of shape (m, input) and labels 1..K."""
    n_in, hidden, K, m = CHECK_SIZES
    thetas = [debug_initialize_weights(hidden, n_in), debug_initialize_weights(K, hidden)]
    X = debug_initialize_weights(m, n_in - 1)
    y = 1 + np.mod(np.arange(1, m + 1), K)
    return thetas, X, y


def ex4_network(thetas: list[np.ndarray], lam: float) -> Network:
    """Ng's network in chainrule: his Theta matrices, log_loss, his lambda/(2m)."""
    return Network.from_transfer_matrices([t.T for t in thetas], activation="sigmoid",
                                          loss="log_loss", weight_decay=lam,
                                          decay="per_sample")


def unroll(mats: list[np.ndarray]) -> np.ndarray:
    """Ng's ``[Theta1(:); Theta2(:)]``: each matrix column by column."""
    return np.concatenate([np.ravel(t, order="F") for t in mats])


def roll(nn_params: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """The inverse of :func:`unroll` (Ng's reshape of nn_params)."""
    out, start = [], 0
    for shape in shapes:
        size = shape[0] * shape[1]
        out.append(np.reshape(nn_params[start:start + size], shape, order="F"))
        start += size
    return out


def nn_cost_function(nn_params: np.ndarray, sizes: tuple[int, int, int], X: np.ndarray,
                     y: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """nnCostFunction written out in NumPy from ex4's formulas (no chainrule): J and
    the unrolled gradient, by Ng's backpropagation over the examples."""
    n_in, hidden, K = sizes
    Theta1, Theta2 = roll(nn_params, [(hidden, n_in + 1), (K, hidden + 1)])
    m = X.shape[0]
    g = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), g(z2)])
    h = g(a2 @ Theta2.T)
    Y = np.eye(K)[y - 1]  # labels 1..K as rows of the identity
    J = np.sum(-Y * np.log(h) - (1 - Y) * np.log(1 - h)) / m
    J += lam / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = h - Y
    d2 = (d3 @ Theta2)[:, 1:] * g(z2) * (1 - g(z2))
    grads = [d2.T @ a1 / m, d3.T @ a2 / m]
    for G, T in zip(grads, (Theta1, Theta2), strict=True):
        G[:, 1:] += lam / m * T[:, 1:]
    return float(J), unroll(grads)


def compute_numerical_gradient(cost, theta: np.ndarray, e: float = 1e-4) -> np.ndarray:
    """Ng's computeNumericalGradient: central differences, one parameter at a time."""
    numgrad = np.zeros_like(theta)
    perturb = np.zeros_like(theta)
    for p in range(theta.size):
        perturb[p] = e
        numgrad[p] = (cost(theta + perturb) - cost(theta - perturb)) / (2 * e)
        perturb[p] = 0
    return numgrad


def check_nn_gradients(lam: float = 0.0) -> dict:
    """checkNNGradients(lambda) with chainrule computing the cost and the gradient."""
    thetas, X, y = debug_problem()
    shapes = [t.shape for t in thetas]
    net = ex4_network(thetas, lam)
    labels = y - 1  # chainrule's classes 0..K-1

    def cost(nn_params: np.ndarray) -> float:
        for layer, T in zip(net.layers, roll(nn_params, shapes), strict=True):
            layer.W[:], layer.b[:] = T[:, 1:].T, T[:, 0]
        return net.loss_and_grad(X, labels)[0]

    nn_params = unroll(thetas)
    J = cost(nn_params)
    grad = unroll([G.T for G in gradient_to_transfer_matrices(net)])  # Theta_grad = G.T
    numgrad = compute_numerical_gradient(cost, nn_params)
    cost(nn_params)  # the weights back where they were
    diff = float(np.linalg.norm(numgrad - grad) / np.linalg.norm(numgrad + grad))
    return {"lambda": lam, "net": net, "X": X, "y": y, "J": J, "grad": grad,
            "numgrad": numgrad, "relative_difference": diff, "thetas": thetas}


def trace_rows(check: dict) -> dict:
    """The debug network's step traced by chainrule (UFLDL notation, Ng's l): each
    example's delta^(3) and delta^(2) and the rows of Theta1_grad and Theta2_grad."""
    t = cr.trace(check["net"], check["X"], check["y"] - 1, notation="ufldl")
    step = t.step
    deltas = {f"delta{l + 2}": np.array([ex.layers[l].delta for ex in step.examples])
              for l in range(2)}
    theta_grads = [np.column_stack([layer.db, layer.dW.T]) for layer in step.layers]
    return {"trace": t, **deltas, "Theta1_grad": theta_grads[0],
            "Theta2_grad": theta_grads[1], "J": step.cost}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="ng_ex4_backprop.png")
    args = parser.parse_args()
    z = np.array([-1, -0.5, 0, 0.5, 1])
    g = sigmoid_gradient(z)
    print("Sigmoid gradient evaluated at [-1 -0.5 0 0.5 1]:")
    print("  " + " ".join(f"{v:f}" for v in g))
    print("  published: " + " ".join(f"{v:f}" for v in PUBLISHED_SIGMOID_GRADIENT))
    rng = np.random.default_rng(0)
    init = [rand_initialize_weights(400, 25, rng), rand_initialize_weights(25, 10, rng)]
    print(f"randInitializeWeights(400, 25), (25, 10): shapes {init[0].shape}, "
          f"{init[1].shape}, every entry within +-{EPSILON_INIT} "
          f"(max |Theta| {max(np.abs(t).max() for t in init):.4f}); Ng's rule "
          f"sqrt(6)/sqrt(L_in + L_out) = {np.sqrt(6 / 425):.4f} for 400 and 25 is "
          "chainrule's glorot_uniform")
    checks = {}
    sizes = CHECK_SIZES[:3]
    for lam in (0.0, 3.0):
        c = check_nn_gradients(lam)
        checks[lam] = c
        J_ref, grad_ref = nn_cost_function(unroll(c["thetas"]), sizes, c["X"], c["y"], lam)
        print(f"\nChecking Backpropagation (lambda = {lam:g}): numerical | chainrule")
        for a, b in zip(c["numgrad"][:5], c["grad"][:5], strict=True):
            print(f"  {a:14.10f} {b:14.10f}")
        print(f"  ... ({c['grad'].size} in all, Ng's order [Theta1(:); Theta2(:)])")
        print(f"  Relative Difference: {c['relative_difference']:g} (Ng: below 1e-9)")
        print(f"  J = {c['J']:.12f}; nnCostFunction in NumPy: {J_ref:.12f} "
              f"(difference {abs(c['J'] - J_ref):.1e}); largest gradient difference "
              f"{np.max(np.abs(c['grad'] - grad_ref)):.1e}")
    rows = trace_rows(checks[3.0])
    print("\nchainrule trace of the debug network, lambda = 3 (Ng's rows: bias, then weights)")
    for name in ("Theta1_grad", "Theta2_grad"):
        print(f"  {name} =")
        print("    " + np.array2string(rows[name], precision=6, suppress_small=True)
              .replace("\n", "\n    "))
    print(f"picture written to {plot(checks, args.out)}")
    return {"sigmoid_gradient": g, "init": init, "checks": checks, "trace": rows}


def plot(checks: dict, path: str) -> str:
    """Each parameter's numerical and backprop gradient, lambda 0 and 3."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.4), dpi=90, layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (lam, c) in zip(axes, checks.items(), strict=True):
        idx = np.arange(c["grad"].size)
        ax.plot(idx, c["numgrad"], "o", mfc="none", label="central differences")
        ax.plot(idx, c["grad"], ".", color="black", label="chainrule backprop")
        ax.set(title=f"lambda = {lam:g}: rel. diff {c['relative_difference']:.1e}",
               xlabel="parameter, Ng's order")
    axes[0].set_ylabel("dJ/dTheta")
    axes[0].legend(fontsize=7)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
