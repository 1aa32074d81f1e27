"""deeplearning.ai, course 1 week 4, "Building your Deep Neural Network: Step by Step", in
chainrule: every graded function's test case, computed by chainrule's own layers.

    python examples/dlai_step_by_step.py                  # the 2021 release's figures
    python examples/dlai_step_by_step.py --release all    # 2017, 2018 and 2021
    (--out dlai_step_by_step.png: each figure's difference from the published one)

The course writes ``Z = W A_prev + b`` with examples as columns and ``W`` of shape (units
out, units in); a chainrule :class:`~chainrule.layers.Dense` takes examples as rows and
``W`` of shape (units in, units out): ``Dense(n_in, n_out, activation, init=W.T)``, its
input ``A_prev.T``, its outputs the course's transposed (:func:`dense`).  The test cases
are the course's ``np.random.seed(s)`` and ``randn`` draws (:func:`draws`).  Mapping:

* ``linear_forward``: a Dense layer with ``activation="identity"``, ``layer.forward``.
* ``linear_activation_forward``: the same layer with ``"sigmoid"`` or ``"relu"``.
* ``L_model_forward``: ``Network.from_ufldl(Ws, bs, ["relu", ..., "sigmoid"])`` and
  ``net.forward``; the course's list of caches is chainrule's list of layers, each
  keeping its ``X`` (the course's ``A_prev``), ``Z`` and ``A``: ``len(net.layers)``.
* ``compute_cost``: ``get_loss("log_loss").value(AL.T, Y.T)``, averaged.
* ``linear_backward``, ``linear_activation_backward``: ``layer.backward_delta`` and
  ``layer.backward``.  chainrule's cost is the mean over the batch, so its ``delta`` and
  its ``dJ/dA`` carry the ``1/m``: give the layer ``dZ.T / m`` (``dA.T / m``) and
  ``layer.dW.T`` is the course's ``(1/m) dZ A_prev^T``, ``layer.db`` its mean of ``dZ``,
  and ``m`` times the input gradient the layer returns is the course's ``dA_prev``,
  which is the gradient of the *sum* of the losses.  The backward test cases draw a
  cache (``A_prev``, ``Z``) that no forward pass made (``Z`` is drawn, not ``W A_prev +
  b``): :func:`load_cache` writes it into the layer's ``X``, ``Z`` and ``A``, the arrays
  its backward pass reads, after a forward pass of ``A_prev``.
* ``L_model_backward``: the network's two layers with their caches loaded, the output
  layer's ``backward`` from ``dAL / m``, the hidden layer's from what that returns.  The
  first layer of a network computes no input gradient in ``loss_and_grad``
  (``need_input_grad=False``); ``layer.backward(g)`` (``need_input_grad=True``, the
  default) returns it: the course's ``dA0``.  The test case's ``AL = randn`` is
  1.7886 for its first example, no probability; chainrule's ``log_loss`` gradient takes
  ``a`` clipped into (0, 1) (-1 there, against the course's ``-1/a = -0.559``), so
  ``dAL`` is formed by the course's formula as the input of the backward pass, as
  ``linear_activation_backward``'s ``dA`` is given (for the second example, ``a =
  0.4365``, the two agree: :func:`course_dAL`).
* ``update_parameters``: ``SGD(lr=0.1).step(net.params, grads)``, ``grads`` the course's
  ``dW1, db1, ...`` in chainrule's order (the ``params`` of a network built from them).

The releases print different figures for four of the functions: ``L_model_forward``
(2017: one hidden layer, ``np.random.seed(1)``, AL = 0.17007265 0.2524272, 2 caches;
2018 and 2021: ``L_model_forward_test_case_2hidden``, seed 6, 3 caches),
``compute_cost`` (``Y = [[1, 1, 1]]`` up to 2018: 0.41493159961539694; 2021: ``Y = [[1,
1, 0]]``, 0.2797765635793422), ``linear_backward`` (a 1-unit layer, m = 2, up to 2018; a
5-3 layer, m = 4, in 2021) and ``L_model_backward``'s name ``dA1``: the 2017 notebook
stores each ``dA_prev`` one index up, so its ``dA1`` is the input gradient (4 x 2,
0 0.52257901 ...), 2018 prints the gradient at the hidden layer's output (3 x 2,
0.12913162 ...), and 2021's tests check both, as ``dA1`` and ``dA0``.
"""

from __future__ import annotations

import argparse

import numpy as np

from chainrule.layers import Dense
from chainrule.losses import get_loss
from chainrule.network import Network
from chainrule.optimizers import SGD

RELEASES = ("2017", "2018", "2021")
_UPDATED = {  # update_parameters(parameters, grads, 0.1): the same in every release
    "W1": [[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
           [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
           [-1.0535704, -0.86128581, 0.68284052, 2.20374577]],
    "b1": [[-0.04659241], [-1.28888275], [0.53405496]],
    "W2": [[-0.55569196, 0.0354055, 1.32964895]], "b2": [[-0.84610769]]}
_BACKWARD = {  # L_model_backward on L_model_backward_test_case (np.random.seed(3))
    "dW1": [[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0, 0, 0, 0],
            [0.05283652, 0.01005865, 0.01777766, 0.0135308]],
    "db1": [[-0.22007063], [0], [-0.02835349]],
    "dA1": [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]],
    "dA0": [[0, 0.52257901], [0, -0.3269206], [0, -0.32070404], [0, -0.74079187]],
    "dW2": [[-0.39202432, -0.13325855, -0.04601089]], "db2": [[0.15187861]]}
_LINEAR_BACKWARD = {  # linear_backward: 2017 and 2018 (dZ of shape (1, 2)), 2021 (3, 4)
    "2018": {"dA_prev": [[0.51822968, -0.19517421], [-0.40506361, 0.15255393],
                         [2.37496825, -0.89445391]],
             "dW": [[-0.10076895, 1.40685096, 1.64992505]], "db": [[0.50629448]]},
    "2021": {"dA_prev": [[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                         [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                         [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                         [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                         [-2.52214926, 2.67882552, -0.67947465, 1.48119548]],
             "dW": [[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                    [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                    [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]],
             "db": [[-0.14713786], [-0.11313155], [-0.13209101]]}}


def published(release: str) -> dict[str, dict[str, object]]:
    """The figures a release prints, ``{function: {name: value}}`` (course layout)."""
    old = release in ("2017", "2018")
    forward = ({"AL": [[0.17007265, 0.2524272]], "len(caches)": 2} if release == "2017" else
               {"AL": [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], "len(caches)": 3})
    backward = {k: _BACKWARD[k] for k in ("dW1", "db1")}
    if release == "2017":
        backward["dA1"] = _BACKWARD["dA0"]  # its dA1 is the input gradient
    elif release == "2018":
        backward["dA1"] = _BACKWARD["dA1"]
    else:
        backward = dict(_BACKWARD)
    return {
        "linear_forward": {"Z": [[3.26295337, -1.23429987]]},
        "linear_activation_forward sigmoid": {"A": [[0.96890023, 0.11013289]]},
        "linear_activation_forward relu": {"A": [[3.43896131, 0.0]]},
        "L_model_forward": forward,
        "compute_cost": {"cost": 0.41493159961539694 if old else 0.2797765635793422},
        "linear_backward": _LINEAR_BACKWARD["2018" if old else "2021"],
        "linear_activation_backward sigmoid": {
            "dA_prev": [[0.11017994, 0.01105339], [0.09466817, 0.00949723],
                        [-0.05743092, -0.00576154]],
            "dW": [[0.10266786, 0.09778551, -0.01968084]], "db": [[-0.05729622]]},
        "linear_activation_backward relu": {
            "dA_prev": [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]],
            "dW": [[0.44513824, 0.37371418, -0.10478989]], "db": [[-0.20837892]]},
        "L_model_backward": backward,
        "update_parameters": dict(_UPDATED)}


def draws(seed: int, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    """``np.random.seed(seed)``, then one ``randn(*shape)`` per shape, in order."""
    rs = np.random.RandomState(seed)
    return [rs.randn(*shape) for shape in shapes]


def dense(W: np.ndarray, b: np.ndarray, activation: str) -> Dense:
    """The course's layer ``g(W A_prev + b)``: ``W`` (n_out, n_in), ``b`` (n_out, 1)."""
    layer = Dense(W.shape[1], W.shape[0], activation, init=W.T)
    layer.b = b[:, 0]
    return layer


def load_cache(layer: Dense, A_prev: np.ndarray, Z: np.ndarray) -> None:
    """Write the course's cache (``A_prev`` (n_in, m), ``Z`` (n_out, m)) into ``layer``'s
    ``X``, ``Z`` and ``A = f(Z)``, which its backward pass reads."""
    layer.forward(A_prev.T)
    layer.X, layer.Z = A_prev.T, Z.T
    layer.A = layer.activation.f(layer.Z)


def linear_forward() -> dict[str, np.ndarray]:
    A, W, b = draws(1, (3, 2), (1, 3), (1, 1))
    return {"Z": dense(W, b, "identity").forward(A.T).T}


def linear_activation_forward(activation: str) -> dict[str, np.ndarray]:
    A_prev, W, b = draws(2, (3, 2), (1, 3), (1, 1))
    return {"A": dense(W, b, activation).forward(A_prev.T).T}


def network(Ws: list[np.ndarray], bs: list[np.ndarray]) -> Network:
    """[LINEAR->RELU] x (L-1) -> LINEAR->SIGMOID with the course's ``W``, ``b`` (n, 1)."""
    acts = ["relu"] * (len(Ws) - 1) + ["sigmoid"]
    return Network.from_ufldl(Ws, [b[:, 0] for b in bs], activation=acts, loss="log_loss")


def L_model_forward(release: str) -> dict[str, object]:
    if release == "2017":  # L_model_forward_test_case
        X, W1, b1, W2, b2 = draws(1, (4, 2), (3, 4), (3, 1), (1, 3), (1, 1))
        net = network([W1, W2], [b1, b2])
    else:  # L_model_forward_test_case_2hidden
        X, W1, b1, W2, b2, W3, b3 = draws(6, (5, 4), (4, 5), (4, 1), (3, 4), (3, 1),
                                          (1, 3), (1, 1))
        net = network([W1, W2, W3], [b1, b2, b3])
    return {"AL": net.forward(X.T).T, "len(caches)": len(net.layers)}


def compute_cost(release: str) -> dict[str, float]:
    Y = np.array([[1.0, 1.0, 1.0 if release in ("2017", "2018") else 0.0]])
    AL = np.array([[0.8, 0.9, 0.4]])
    return {"cost": float(np.mean(get_loss("log_loss").value(AL.T, Y.T)))}


def linear_backward(release: str) -> dict[str, np.ndarray]:
    shapes = ([(1, 2), (3, 2), (1, 3), (1, 1)] if release in ("2017", "2018")
              else [(3, 4), (5, 4), (3, 5), (3, 1)])
    dZ, A_prev, W, b = draws(1, *shapes)
    m = A_prev.shape[1]
    layer = dense(W, b, "identity")
    layer.forward(A_prev.T)
    grad_in = layer.backward_delta(dZ.T / m)  # chainrule's delta carries the 1/m
    return {"dA_prev": m * grad_in.T, "dW": layer.dW.T, "db": layer.db[:, None]}


def linear_activation_backward(activation: str) -> dict[str, np.ndarray]:
    dA, A_prev, W, b, Z = draws(2, (1, 2), (3, 2), (1, 3), (1, 1), (1, 2))
    m = A_prev.shape[1]
    layer = dense(W, b, activation)
    load_cache(layer, A_prev, Z)
    grad_in = layer.backward(dA.T / m)
    return {"dA_prev": m * grad_in.T, "dW": layer.dW.T, "db": layer.db[:, None]}


def course_dAL(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The course's ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, the input of its backward pass."""
    return -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))


def L_model_backward() -> dict[str, np.ndarray]:
    AL, A1, W1, b1, Z1, A2, W2, b2, Z2 = draws(3, (1, 2), (4, 2), (3, 4), (3, 1), (3, 2),
                                               (3, 2), (1, 3), (1, 1), (1, 2))
    Y = np.array([[1.0, 0.0]])
    m = AL.shape[1]
    net = network([W1, W2], [b1, b2])
    hidden, out = net.layers
    load_cache(hidden, A1, Z1)
    load_cache(out, A2, Z2)
    g1 = out.backward(course_dAL(AL, Y).T / m)  # dJ/dA1, of the mean cost
    g0 = hidden.backward(g1)  # need_input_grad=True: the input gradient too
    return {"dW1": hidden.dW.T, "db1": hidden.db[:, None], "dA1": m * g1.T, "dA0": m * g0.T,
            "dW2": out.dW.T, "db2": out.db[:, None]}


def update_parameters() -> dict[str, np.ndarray]:
    W1, b1, W2, b2 = draws(2, (3, 4), (3, 1), (1, 3), (1, 1))
    dW1, db1, dW2, db2 = draws(3, (3, 4), (3, 1), (1, 3), (1, 1))
    net = network([W1, W2], [b1, b2])
    grads = network([dW1, dW2], [db1, db2]).params  # the same order as net.params
    SGD(lr=0.1).step(net.params, grads)
    (W1, W2), (b1, b2) = net.to_ufldl()
    return {"W1": W1, "b1": b1[:, None], "W2": W2, "b2": b2[:, None]}


def computed(release: str) -> dict[str, dict[str, object]]:
    """chainrule's figures for the release's test cases (the keys of :func:`published`)."""
    backward = L_model_backward()
    if release == "2017":
        backward = {"dW1": backward["dW1"], "db1": backward["db1"], "dA1": backward["dA0"]}
    elif release == "2018":
        backward = {k: backward[k] for k in ("dW1", "db1", "dA1")}
    return {
        "linear_forward": linear_forward(),
        "linear_activation_forward sigmoid": linear_activation_forward("sigmoid"),
        "linear_activation_forward relu": linear_activation_forward("relu"),
        "L_model_forward": L_model_forward(release),
        "compute_cost": compute_cost(release),
        "linear_backward": linear_backward(release),
        "linear_activation_backward sigmoid": linear_activation_backward("sigmoid"),
        "linear_activation_backward relu": linear_activation_backward("relu"),
        "L_model_backward": backward,
        "update_parameters": update_parameters()}


def differences(release: str) -> dict[tuple[str, str], float]:
    """The largest ``|chainrule - published|`` of every figure of the release."""
    got, ref = computed(release), published(release)
    return {(fn, name): float(np.max(np.abs(np.asarray(got[fn][name], dtype=float)
                                            - np.asarray(value, dtype=float))))
            for fn, figures in ref.items() for name, value in figures.items()}


def main() -> dict[str, dict[tuple[str, str], float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", choices=(*RELEASES, "all"), default="2021")
    parser.add_argument("--out", default="dlai_step_by_step.png")
    args = parser.parse_args()
    out = {}
    for release in RELEASES if args.release == "all" else (args.release,):
        got, ref, diff = computed(release), published(release), differences(release)
        print(f"--- {release} release ---")
        for fn, figures in ref.items():
            for name, value in figures.items():
                mine = got[fn][name]
                shown = (repr(mine) if np.ndim(mine) == 0
                         else np.round(np.asarray(mine, dtype=float), 8).tolist())
                print(f"{fn}: {name} = {shown}\n    published {value}, "
                      f"largest difference {diff[fn, name]:.1e}")
        out[release] = diff
    print(f"picture written to {plot(out, args.out)}")
    return out


def plot(out: dict[str, dict[tuple[str, str], float]], path: str) -> str:
    """Each figure's largest ``|chainrule - published|`` against the printed rounding."""
    from matplotlib.figure import Figure

    labels = list(dict.fromkeys(f"{fn}: {name}" for diff in out.values() for fn, name in diff))
    fig = Figure(figsize=(8.4, 0.26 * len(labels) + 1.2), dpi=80, layout="constrained")
    ax = fig.subplots()
    for k, (release, diff) in enumerate(out.items()):
        rows = [labels.index(f"{fn}: {name}") for fn, name in diff]
        ax.semilogx(np.maximum(list(diff.values()), 1e-17), np.array(rows) + 0.2 * (k - 1),
                    "o", ms=4, color=f"C{k}", label=release)
    ax.axvline(5e-9, color="0.5", ls="--", lw=1)
    ax.text(5e-9, -0.9, " half a unit of the 8th decimal", fontsize=7, color="0.4")
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set(xlim=(1e-18, 1e-7), ylim=(len(labels) - 0.5, -1.2),
           xlabel="largest |chainrule - published| (0 drawn at 1e-17)",
           title="Building your Deep Neural Network: Step by Step, in chainrule")
    ax.legend(fontsize=8, loc="lower left")
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
