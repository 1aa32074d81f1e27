"""The perceptron rule against a two-layer network, on separable data and on XOR."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import check_positive_int
from ..datasets import linearly_separable, xor
from ..network import Network, mlp
from ..perceptron import PerceptronResult, train_perceptron
from ..scipy_fit import minimize

__all__ = ["PerceptronComparison", "perceptron_vs_mlp"]


@dataclass(eq=False)
class PerceptronComparison:
    """Perceptron on separable data and on XOR, and a two-layer network on XOR.

    Attributes
    ----------
    X_separable : ndarray of shape (n, 2)
    y_separable : ndarray of shape (n,)
    separable : PerceptronResult
        The perceptron on the separable data.
    xor : PerceptronResult
        The perceptron on XOR.
    network : Network
        The two-layer network trained on XOR.
    network_accuracy : float
        Its accuracy on the four XOR points.
    starts : int
        Random starts made: the one that reached 100% (one more for every
        start that ended in a local minimum), or ``max_starts`` if none did.
    stuck_costs : list of float
        Final costs of the starts that did not reach 100% (all of them,
        ``starts`` values, when none did).
    """

    X_separable: np.ndarray
    y_separable: np.ndarray
    separable: PerceptronResult
    xor: PerceptronResult
    network: Network
    network_accuracy: float
    starts: int
    stuck_costs: list[float]

    def summary(self) -> str:
        """What the perceptron and the network did on the two data sets, as text.

        Returns
        -------
        str
        """
        sizes = "-".join([str(self.network.n_inputs)]
                         + [str(layer.n_out) for layer in self.network.layers])
        costs = self.stuck_costs
        shown = ", ".join(f"{c:.3f}" for c in costs[:5]) + (", ..." if len(costs) > 5 else "")
        if self.network_accuracy == 1.0:
            stuck = "" if not costs else (
                f" ({len(costs)} earlier start(s) stopped in a local minimum, cost {shown})")
            network = (f"accuracy 100% after {self.starts} random start(s){stuck}")
        else:  # no start reached 100%: every one of them is in stuck_costs
            hidden = self.network.layers[0].n_out
            why = ("one hidden unit draws a single line, and no line separates XOR"
                   if hidden == 1 else "each stopped in a local minimum")
            network = (f"none of {self.starts} random start(s) reached 100% ({why}; final "
                       f"cost(s) {shown}); the last one's accuracy is "
                       f"{self.network_accuracy:.0%}")
        return "\n".join([
            f"separable data ({len(self.y_separable)} points): {self.separable.summary()}",
            f"XOR: {self.xor.summary()}",
            f"XOR with a {sizes} network: {network}",
        ])

    __str__ = summary

    def plot(self, path: str | Path | None = None, *, ax: object = None) -> Path | object:
        """Decision regions of the three classifiers, side by side.

        Parameters
        ----------
        path : str or Path, optional
            The PNG file to write; with ``ax``, the file of their whole figure.
            None: nothing is written.
        ax : matplotlib Axes, or sequence of them, optional
            The caller's Axes to draw into, one per classifier (three), such as
            ``plt.subplots(1, 3)[1]``; by default a new figure.

        Returns
        -------
        Path, Axes or list of Axes
            The file written when ``path`` is given; else ``ax`` (one Axes) or the
            list of Axes drawn into, one per classifier (see
            :func:`chainrule.plots.plot_decision_regions`).
        """
        from ..plots import plot_decision_regions

        X, y = xor()
        return plot_decision_regions([
            (f"perceptron, separable data\n{self.separable.reason} after "
             f"{self.separable.epochs} epochs", self.separable.predict,
             self.X_separable, self.y_separable),
            (f"perceptron on XOR\n{self.xor.reason}: no line separates the classes",
             self.xor.predict, X, y),
            (f"two-layer network on XOR\naccuracy {self.network_accuracy:.0%}",
             lambda Z: self.network.predict(Z)[:, 0], X, y),
        ], path, feature_names=["x1", "x2"], ax=ax)


def perceptron_vs_mlp(
    n: int = 40, hidden: int = 2, activation: str = "tanh", max_starts: int = 20,
    seed: int = 0,
) -> PerceptronComparison:
    """Run the perceptron rule on separable data and on XOR, and train a network on XOR.

    Parameters
    ----------
    n : int, default 40
        Points of the separable data set (:func:`chainrule.datasets.linearly_separable`).
    hidden : int, default 2
        Hidden units of the network ``2 -> hidden -> 1`` (sigmoid output, log
        loss, L-BFGS).  Two suffice for XOR, but a 2-2-1 network has local
        minima: a start that stops short of 100% is followed by another.
    activation : str, default "tanh"
    max_starts : int, default 20
    seed : int, default 0

    Returns
    -------
    PerceptronComparison
    """
    hidden = check_positive_int(hidden, "hidden")
    max_starts = check_positive_int(max_starts, "max_starts")
    Xs, ys = linearly_separable(n, seed=seed)
    separable = train_perceptron(Xs, ys)
    X, y = xor()
    on_xor = train_perceptron(X, y)
    stuck: list[float] = []
    for start in range(1, max_starts + 1):
        net = mlp([2, hidden, 1], hidden=activation, output="sigmoid",
                  seed=np.random.default_rng([seed, start]))
        result = minimize(net, X, y, maxiter=500)
        accuracy = float(np.mean((net.predict(X)[:, 0] > 0.5) == y))
        if accuracy == 1.0:
            break
        stuck.append(float(result.fun))
    return PerceptronComparison(Xs, ys, separable, on_xor, net, accuracy, start, stuck)
