"""deeplearning.ai, course 2 week 1, "Initialization", in chainrule: a 2-10-5-1 ReLU network
on the circles started from zeros, from large random weights and from He's.

    python examples/dlai_initialization.py [--iterations 15000] [--out dlai_initialization.png]

The data: ``sklearn.datasets.make_circles`` with noise 0.05, 300 training points after
``np.random.seed(1)`` and 100 test points after ``np.random.seed(2)`` (:func:`circles`;
the same draws with ``random_state=np.random.RandomState(seed)``).  The network: ReLU,
ReLU, sigmoid, ``loss="log_loss"`` (the course's cross-entropy), 15,000 full-batch
gradient-descent steps at rate 0.01 (``chainrule.train(..., optimizer="gd", lr=0.01)``);
``history.loss[i]`` is the cost the course prints at iteration i.

The three starts (:func:`course_weights`, the course's ``W`` of shape (units out, units
in), chainrule's ``Dense.W`` its transpose; biases 0):

* zeros: every hidden unit computes the same thing and gets the same gradient, so they
  stay equal (chainrule's fit sees the equal units and sums its products in a fixed order,
  keeping them equal to the last bit, two to three times slower per step than BLAS); the cost
  stays ``ln 2 = 0.6931471805599453`` and the accuracy 0.5 on both sets, the published
  figures.  1,000 steps show it (``--zeros-iterations``).
* ``randn * 10`` after ``np.random.seed(3)``: the course prints "Cost after iteration 0:
  inf", a sigmoid rounded to 0 or 1 on the wrong side; chainrule's ``log_loss`` takes
  such outputs from their net input (``log(1 + e^-z)``), so its first cost is finite,
  1773.59, the same cross-entropy written with ``numpy.logaddexp``.  Accuracy 0.83 on the
  training set, 0.86 on the test set: the published figures.  (The costs on the way differ
  from the published ones in the third digit: the outputs start saturated, where the
  rounding of each implementation's sigmoid decides the first steps; a NumPy write-up of
  the course's steps gives a third set of digits.)
* He, ``randn * sqrt(2 / fan_in)`` after ``np.random.seed(3)``: every published cost, at
  iterations 0, 1000, ..., 14000 (0.8830537463419761 ... 0.07357895962677369), to 12
  digits or more, and accuracies 0.9933 and 0.96.  The course's check of
  ``initialize_parameters_he([2, 4, 1])`` too (:data:`PUBLISHED_HE_2_4_1`).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

import chainrule as cr
from chainrule.layers import Dense
from chainrule.network import Network

LAYERS = (2, 10, 5, 1)
# "Cost after iteration i" with He's start, i = 0, 1000, ..., 14000
PUBLISHED_HE_COSTS = [
    0.8830537463419761, 0.6879825919728063, 0.6751286264523371, 0.6526117768893805,
    0.6082958970572938, 0.5304944491717495, 0.4138645817071794, 0.3117803464844441,
    0.23696215330322562, 0.1859728720920684, 0.15015556280371808, 0.12325079292273551,
    0.09917746546525937, 0.08457055954024283, 0.07357895962677369]
# train and test accuracy of each start
PUBLISHED_ACCURACY = {"zeros": (0.5, 0.5), "random": (0.83, 0.86), "he": (0.99333, 0.96)}
# initialize_parameters_he([2, 4, 1]), printed to eight digits
PUBLISHED_HE_2_4_1 = {
    "W1": [[1.78862847, 0.43650985], [0.09649747, -1.8634927], [-0.2773882, -0.35475898],
           [-0.08274148, -0.62700068]],
    "W2": [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]]}


def circles(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``make_circles(n_samples, noise=0.05)`` after ``np.random.seed(seed)``: X (n, 2), y (n,)."""
    from sklearn.datasets import make_circles

    return make_circles(n_samples=n_samples, noise=0.05,
                        random_state=np.random.RandomState(seed))


def course_weights(start: str, layers: tuple[int, ...] = LAYERS) -> list[np.ndarray]:
    """The course's ``W1``, ``W2``, ... (units out, units in) for start "zeros", "random"
    (``randn * 10``) or "he" (``randn * sqrt(2 / fan_in)``), the last two after
    ``np.random.seed(3)``."""
    rs = np.random.RandomState(3)
    weights = []
    for fan_in, fan_out in itertools.pairwise(layers):
        if start == "zeros":
            weights.append(np.zeros((fan_out, fan_in)))
        else:
            scale = 10.0 if start == "random" else np.sqrt(2.0 / fan_in)
            weights.append(rs.randn(fan_out, fan_in) * scale)
    return weights


def network(start: str) -> Network:
    """The 2-10-5-1 ReLU/sigmoid network with the course's starting weights."""
    Ws = course_weights(start)
    return Network([Dense(W.shape[1], W.shape[0], activation="sigmoid" if i == len(Ws) - 1
                          else "relu", init=W.T.copy()) for i, W in enumerate(Ws)],
                   loss="log_loss")


def model(start: str, X: np.ndarray, y: np.ndarray,
          iterations: int = 15_000) -> tuple[Network, cr.History]:
    """The course's ``model``: ``iterations`` full-batch steps at rate 0.01."""
    net = network(start)
    history = cr.train(net, X, y, optimizer="gd", lr=0.01, epochs=iterations)
    return net, history


def accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    """The course's ``predict``: output above 0.5 is class 1."""
    return float(np.mean((net.predict(X)[:, 0] > 0.5) == y))


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="dlai_initialization.png")
    parser.add_argument("--iterations", type=int, default=15_000)
    parser.add_argument("--zeros-iterations", type=int, default=1000)
    args = parser.parse_args()
    X, y = circles(300, 1)
    Xt, yt = circles(100, 2)
    print("initialize_parameters_he([2, 4, 1]): W1 = "
          f"{np.round(course_weights('he', (2, 4, 1))[0], 8).tolist()}")
    results = {}
    for start in ("zeros", "random", "he"):
        steps = args.zeros_iterations if start == "zeros" else args.iterations
        net, history = model(start, X, y, steps)
        for i in range(0, steps, 1000):
            print(f"{start}: Cost after iteration {i}: {history.loss[i]!r}")
        train, test = accuracy(net, X, y), accuracy(net, Xt, yt)
        print(f"{start}: accuracy {train:.4g} on the train set, {test:.4g} on the test set")
        results[start] = {"net": net, "history": history, "accuracy": (train, test)}
    print(f"picture written to {plot(results, X, y, args.out)}")
    return results


def plot(results: dict, X: np.ndarray, y: np.ndarray, path: str) -> str:
    """Each start's decision regions over the training points."""
    from matplotlib.figure import Figure

    g = np.linspace(-1.5, 1.5, 151)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    fig = Figure(figsize=(8.4, 3.0), dpi=90, layout="constrained")
    for ax, (start, r) in zip(fig.subplots(1, 3), results.items(), strict=True):
        region = (r["net"].predict(grid)[:, 0] > 0.5).reshape(g.size, g.size)
        ax.contourf(g, g, region, levels=[-0.5, 0.5, 1.5], colors=["#f4c6c0", "#c0d4f4"])
        ax.scatter(X[:, 0], X[:, 1], c=np.where(y > 0, "C0", "C3"), s=5)
        ax.set(title=f"{start}: train {r['accuracy'][0]:.3g}, test {r['accuracy'][1]:.3g}",
               aspect="equal")
    fig.savefig(path)
    return path


if __name__ == "__main__":
    main()
