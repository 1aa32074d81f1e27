"""deeplearning.ai, course 2 week 1, "Regularization", in chainrule: the test cases of L2
regularization and dropout, computed by chainrule's network, weight decay and Dropout.

    python examples/dlai_regularization.py [--out dlai_regularization.png]

The network is the course's LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID, 3-2-3-1, its
weights ``np.random.seed(1)`` draws (after ``X = randn(3, 5)`` where the test case has
an ``X``), ``W`` of shape (units out, units in): ``Network.from_ufldl`` (``Dense.W`` is
the course's ``W.T``), ``loss="log_loss"``, examples as rows (``X.T``).

* ``compute_cost_with_regularization`` (``lambd = 0.1``): the cross-entropy of the given
  ``A3`` plus ``lambd / (2 m) sum ||W||^2``.  That penalty is chainrule's
  ``weight_decay=lambd, decay="per_sample"`` (``(1/m)(lambda/2) sum W^2``, biases never
  decayed), or ``weight_decay=lambd / m`` with the default ``decay="ufldl"`` for a fixed
  ``m``.  The test case gives ``A3`` without the ``X`` it came from, so the cross-entropy
  is ``get_loss("log_loss")`` of ``A3`` and the penalty the weight-decay term of
  ``net.cost_terms`` on any 5 examples (:func:`penalty`; ``cost_terms`` gives the
  course's ``cross_entropy_cost`` and ``L2_regularization_cost`` apart for any ``X``).
  1.7864859451590758 (2021 release's tests; the 2017 printout: 1.78648594516), to the
  last digit.
* ``backward_propagation_with_regularization`` (``lambd = 0.7``): ``net.loss_and_grad``
  with that decay; the course's ``dW = (1/m) dZ A_prev^T + (lambd/m) W`` is ``layer.dW.T``.
* ``forward_propagation_with_dropout`` (``keep_prob = 0.7``): ``Dropout(rate=1 -
  keep_prob)`` after each hidden layer, inverted dropout as the course's (``A * D /
  keep_prob``).  The course reseeds (``np.random.seed(1)``) and draws ``D1 = rand(2, 5) <
  keep_prob``, then ``D2 = rand(3, 5)``, units by examples; chainrule's Dropout draws
  from its own Generator, examples by units, so no seed gives the course's masks:
  ``Dropout.fix_mask(D.T)`` gives them to the layer, used by every training-mode pass
  (:func:`course_masks`), and ``net.forward(X.T, training=True)`` is the course's
  ``A3``.
* ``backward_propagation_with_dropout`` (``keep_prob = 0.8``): the test case's cache is
  a forward pass with ``keep_prob = 0.5`` (its masks are ``rand < 0.5`` after
  ``np.random.seed(1)``, its ``A1`` twice the kept ``relu(Z1)``), and the course runs its
  backward pass with ``keep_prob = 0.8`` on it.  chainrule's Dropout backward multiplies
  by the mask of its forward pass, so the same numbers need the mask set to ``D / 0.8``
  between the two (``layer.mask``, the array ``backward`` reads): :func:`dropout_backward`
  with ``replay_course=True``.  With the forward pass's own masks (``D / 0.5``,
  consistent) ``dA2`` is 1.6 times the published one and ``dA1`` 2.56 times.  The
  course's ``dA1``, ``dA2`` are the gradients of the *summed* losses at the hidden
  outputs (before dropout): ``m`` times what chainrule's Dropout layers return (its cost
  is the mean).  They are the input gradients of the Dropout layers, which
  ``loss_and_grad`` does not keep: after it, each Dense layer's ``backward_delta(delta)``
  returns its input gradient and each Dropout's ``backward`` passes it through the mask.

Every published figure comes out within the rounding of its 8 printed decimals (5e-9),
but one: ``dA1[0, 2]`` is -0.001882336 from the draws, printed -0.00188233, since the
course computed it from its cache written to 8 decimals (6.0e-9; the course's formula on
that rounded cache gives the print: ``tests/test_student22_dlai_regularization.py``).
"""

from __future__ import annotations

import argparse

import numpy as np

from chainrule.dropout import Dropout
from chainrule.layers import Dense
from chainrule.losses import get_loss
from chainrule.network import Network

SHAPES = ((2, 3), (3, 2), (1, 3))  # W1, W2, W3 (units out, units in)
Y = np.array([[1.0, 1.0, 0.0, 1.0, 0.0]])  # every test case's Y_assess
# compute_cost_with_regularization_test_case's A3 (the course's own array, 8 decimals)
A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
PUBLISHED = {
    # 2021 release's tests; the 2017 notebook prints 1.78648594516
    "compute_cost_with_regularization": {"cost": 1.7864859451590758},
    "backward_propagation_with_regularization": {
        "dW1": [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        "dW2": [[0.79276486, 0.85133918], [-0.0957219, -0.01720463],
                [-0.13100772, -0.03750433]],
        "dW3": [[-1.77691347, -0.11832879, -0.09397446]]},
    "forward_propagation_with_dropout": {
        "A3": [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]]},
    "backward_propagation_with_dropout": {
        "dA1": [[0.36544439, 0.0, -0.00188233, 0.0, -0.17408748],
                [0.65515713, 0.0, -0.00337459, 0.0, -0.0]],
        "dA2": [[0.58180856, 0.0, -0.00299679, 0.0, -0.27715731],
                [0.0, 0.53159854, -0.0, 0.53159854, -0.34089673],
                [0.0, 0.0, -0.00292733, 0.0, -0.0]]}}


def test_case(with_x: bool = True) -> tuple[np.ndarray | None, list[np.ndarray], list[np.ndarray]]:
    """``np.random.seed(1)``; ``X = randn(3, 5)`` (``with_x``), then ``W1, b1, W2, b2, W3, b3``.

    Returns
    -------
    X : ndarray of shape (3, 5) or None
        Examples as columns, as the course has them.
    Ws : list of ndarray of shapes (2, 3), (3, 2), (1, 3)
    bs : list of ndarray of shapes (2,), (3,), (1,)
    """
    rs = np.random.RandomState(1)
    X = rs.randn(3, 5) if with_x else None
    Ws, bs = [], []
    for shape in SHAPES:
        Ws.append(rs.randn(*shape))
        bs.append(rs.randn(shape[0], 1)[:, 0])
    return X, Ws, bs


def network(Ws: list[np.ndarray], bs: list[np.ndarray], lambd: float = 0.0) -> Network:
    """The 3-2-3-1 network with the course's L2 penalty ``lambd / (2 m) sum ||W||^2``."""
    return Network.from_ufldl(Ws, bs, activation=["relu", "relu", "sigmoid"], loss="log_loss",
                              weight_decay=lambd, decay="per_sample")


def penalty(net: Network, m: int) -> float:
    """The weight-decay term of ``net``'s cost of ``m`` examples (they do not matter):
    ``Network.cost_terms``' ``penalty``, the course's ``L2_regularization_cost``."""
    X, y = np.zeros((m, net.n_inputs)), np.zeros((m, 1))
    return net.cost_terms(X, y).penalty


def compute_cost_with_regularization(lambd: float = 0.1) -> dict[str, float]:
    _, Ws, bs = test_case(with_x=False)
    cross_entropy = float(np.mean(get_loss("log_loss").value(A3.T, Y.T)))
    return {"cost": cross_entropy + penalty(network(Ws, bs, lambd), Y.shape[1])}


def backward_propagation_with_regularization(lambd: float = 0.7) -> dict[str, np.ndarray]:
    X, Ws, bs = test_case()
    net = network(Ws, bs, lambd)
    net.loss_and_grad(X.T, Y.T)
    return {f"dW{i}": layer.dW.T for i, layer in enumerate(net.layers, start=1)}


def course_masks(keep_prob: float) -> list[np.ndarray]:
    """The course's ``np.random.seed(1)``; ``D1 = rand(2, 5) < keep_prob``; ``D2 = rand(3, 5)
    < keep_prob`` (units by examples)."""
    rs = np.random.RandomState(1)
    return [rs.rand(2, 5) < keep_prob, rs.rand(3, 5) < keep_prob]


def dropout_network(keep_prob: float) -> Network:
    """LINEAR->RELU->DROPOUT->LINEAR->RELU->DROPOUT->LINEAR->SIGMOID, the course's masks."""
    _, Ws, bs = test_case()
    layers: list = []
    for i, (W, b, mask) in enumerate(zip(Ws, bs, [*course_masks(keep_prob), None],
                                         strict=True)):
        dense = Dense(W.shape[1], W.shape[0], "sigmoid" if i == 2 else "relu", init=W.T)
        dense.b = b
        layers.append(dense)
        if mask is not None:
            drop = Dropout(rate=1 - keep_prob)
            drop.fix_mask(mask.T)
            layers.append(drop)
    return Network(layers, loss="log_loss")


def forward_propagation_with_dropout(keep_prob: float = 0.7) -> dict[str, np.ndarray]:
    X, _, _ = test_case()
    return {"A3": dropout_network(keep_prob).forward(X.T, training=True).T}


def dropout_backward(replay_course: bool = True, keep_prob: float = 0.5,
                     backward_keep_prob: float = 0.8) -> dict[str, np.ndarray]:
    """``dA1``, ``dA2`` (course layout) after a training pass with ``keep_prob``'s masks;
    ``replay_course``: the backward pass with the masks scaled by ``1 / backward_keep_prob``.
    Also ``"A3"``, the output of that pass (the cache's ``A3``)."""
    X, _, _ = test_case()
    m = X.shape[1]
    net = dropout_network(keep_prob)
    _, p1, d2, p2, d3 = net.layers
    net.loss_and_grad(X.T, Y.T, training=True)
    if replay_course:
        for drop, keep in zip((p1, p2), course_masks(keep_prob), strict=True):
            drop.mask = keep.T / backward_keep_prob
    dA2 = p2.backward(d3.backward_delta(d3.delta))
    dA1 = p1.backward(d2.backward(dA2))
    return {"dA1": m * dA1.T, "dA2": m * dA2.T, "A3": d3.A.T}


def backward_propagation_with_dropout() -> dict[str, np.ndarray]:
    got = dropout_backward()
    return {"dA1": got["dA1"], "dA2": got["dA2"]}


def computed() -> dict[str, dict[str, object]]:
    return {"compute_cost_with_regularization": compute_cost_with_regularization(),
            "backward_propagation_with_regularization":
                backward_propagation_with_regularization(),
            "forward_propagation_with_dropout": forward_propagation_with_dropout(),
            "backward_propagation_with_dropout": backward_propagation_with_dropout()}


def differences() -> dict[tuple[str, str], float]:
    """The largest ``|chainrule - published|`` of every published figure."""
    got = computed()
    return {(fn, name): float(np.max(np.abs(np.asarray(got[fn][name], dtype=float)
                                            - np.asarray(value, dtype=float))))
            for fn, figures in PUBLISHED.items() for name, value in figures.items()}


def main() -> dict[tuple[str, str], float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="dlai_regularization.png")
    args = parser.parse_args()
    got, diff = computed(), differences()
    for fn, figures in PUBLISHED.items():
        for name, value in figures.items():
            mine = got[fn][name]
            shown = (repr(mine) if np.ndim(mine) == 0
                     else np.round(np.asarray(mine, dtype=float), 8).tolist())
            print(f"{fn}: {name} = {shown}\n    published {value}, largest difference "
                  f"{diff[fn, name]:.1e}")
    consistent = dropout_backward(replay_course=False)
    print(f"\nThe dropout cache's forward pass (keep_prob 0.5): A3 = "
          f"{np.round(consistent['A3'], 8).tolist()}")
    print("Its backward pass with its own masks (keep_prob 0.5 throughout): dA2 = 1.6 x "
          f"published ({np.max(np.abs(consistent['dA2'] - 1.6 * got[fn]['dA2'])):.1e} off), "
          f"dA1 = 2.56 x published "
          f"({np.max(np.abs(consistent['dA1'] - 2.56 * got[fn]['dA1'])):.1e} off)")
    print(f"picture written to {plot(got, args.out)}")
    return diff


def plot(got: dict[str, dict[str, object]], path: str) -> str:
    """The dropout test cases: the course's masks (kept units) and ``dA1``, ``dA2``."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.4, 2.6), dpi=80, layout="constrained")
    axes = fig.subplots(1, 4)
    panels = [(course_masks(0.7)[0] * 1.0, "D1 (keep_prob 0.7)"),
              (course_masks(0.7)[1] * 1.0, "D2 (keep_prob 0.7)"),
              (got["backward_propagation_with_dropout"]["dA1"], "dA1 (keep_prob 0.8)"),
              (got["backward_propagation_with_dropout"]["dA2"], "dA2 (keep_prob 0.8)")]
    for ax, (values, title) in zip(axes, panels, strict=True):
        ax.imshow(values, cmap="gray" if title.startswith("D") else "coolwarm")
        ax.set(title=title, xlabel="example", xticks=range(5), yticks=range(len(values)))
        for (i, j), v in np.ndenumerate(values):
            if not title.startswith("D"):
                ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=6)
    axes[0].set_ylabel("unit")
    fig.suptitle("forward / backward_propagation_with_dropout with the course's masks",
                 fontsize=9)
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
