"""Vanishing gradients and saturated units in deep networks.

Backpropagation multiplies, layer after layer, by ``W`` and by ``f'(z)``.
The sigmoid's derivative is at most 1/4, so in a deep sigmoid network the
gradient reaching the first layers shrinks geometrically; ReLU (with He
initialisation) has ``f' = 1`` on its active units and keeps the gradient's
size.  Units whose net input is large sit on the flat tails of sigmoid or
tanh ("saturated", ``f'(z)`` near 0) and pass almost no gradient at all.

Both experiments run on scikit-learn's digits through the library's own
``loss_and_grad`` and read :func:`chainrule.diagnostics.layer_grad_norms`
and :func:`chainrule.diagnostics.saturation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validation import check_nonneg_float, check_positive_float, check_positive_int
from ..activations import Activation, _check_hidden_activation, get_activation
from ..callbacks import History
from ..datasets import load_digits_split
from ..diagnostics import layer_grad_norms, saturation
from ..network import Network, mlp
from ..training import train

__all__ = ["GradientNorms", "Saturation", "saturation_vs_scale", "vanishing_gradients"]


def _activation(name: object, where: str) -> Activation:
    """:func:`get_activation` of ``name``, its error prefixed with ``where`` (the argument:
    "activations[1]"), as the experiments' other messages are."""
    try:
        return get_activation(name)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def _deep_net(activation: str, depth: int, width: int, seed: int) -> Network:
    """``depth`` Dense layers: 64 -> width x (depth - 1) -> 10 softmax (He or Glorot init)."""
    return mlp([64] + [width] * (depth - 1) + [10], hidden=activation, output="softmax",
               seed=seed)


@dataclass
class GradientNorms:
    """Per-layer gradient norms of deep networks, one entry per hidden activation.

    Attributes
    ----------
    depth : int
        Dense layers in each network.
    at_init : dict of str -> list of float
        ``||dJ/dtheta_l||`` per layer (input side first) on one batch, before training.
    histories : dict of str -> History
        Training runs with ``diagnostics=True`` (empty when ``epochs=0``):
        ``history["grad_norms"]`` per epoch, ``history["loss"]``, ...
    """

    depth: int
    at_init: dict[str, list[float]]
    histories: dict[str, History] = field(default_factory=dict)

    def ratio(self, activation: str) -> float:
        """First-layer over last-layer gradient norm at initialisation.

        Parameters
        ----------
        activation : str
            One of the activations compared (a key of ``at_init``).

        Returns
        -------
        float

        Raises
        ------
        ValueError
            If ``activation`` is none of the activations compared.
        """
        if activation not in self.at_init:
            raise ValueError(f"activation must be one of the activations compared, "
                             f"{list(self.at_init)}, got {activation!r}")
        norms = self.at_init[activation]
        return norms[0] / norms[-1]

    def summary(self) -> str:
        """Gradient norm per layer at initialisation and the first/last ratio, as text.

        Returns
        -------
        str
        """
        lines = [f"gradient norm per layer of a {self.depth}-layer network at initialisation "
                 "(layer 1 = input side):"]
        for act, norms in self.at_init.items():
            lines.append(f"  {act:>8}: " + " ".join(f"{v:.1e}" for v in norms)
                         + f"   first/last = {self.ratio(act):.1e}")
        for act, h in self.histories.items():
            lines.append(f"  {act:>8} after {h.epochs} epochs: training loss {h['loss'][-1]:.3f}"
                         + (f", validation accuracy {h['val_accuracy'][-1]:.1%}"
                            if "val_accuracy" in h else ""))
        return "\n".join(lines)

    __str__ = summary

    def plot(self, path: str | Path | None = None, *, ax: object = None) -> Path | object:
        """Norms per layer at initialisation; training loss and first-layer norm per epoch.

        Parameters
        ----------
        path : str or Path, optional
            The PNG file to write; with ``ax``, the file of their whole figure.
            None: nothing is written.
        ax : matplotlib Axes, or sequence of them, optional
            The caller's Axes to draw into, one per panel: one Axes
            without training histories, else three; by default a new figure.

        Returns
        -------
        Path, Axes or list of Axes
            The file written when ``path`` is given; else ``ax`` (one Axes) or the
            list of Axes drawn into, one per panel (see
            :func:`chainrule.plots.plot_panels`).
        """
        from ..plots import Panel, plot_panels

        layers = np.arange(1, self.depth + 1)
        panels = [Panel(f"Gradient norm per layer ({self.depth} layers, at start)",
                        {a: (layers, v) for a, v in self.at_init.items()},
                        xlabel="layer (1 = input side)", ylabel="||dJ/d(W, b)|| of the layer",
                        log_y=True)]
        if self.histories:
            panels.append(Panel("Training loss", {a: h["loss"] for a, h in self.histories.items()},
                                xlabel="epoch", ylabel="cost J"))
            panels.append(Panel("First-layer gradient norm during training",
                                {a: [g[0] for g in h["grad_norms"]]
                                 for a, h in self.histories.items()},
                                xlabel="epoch", ylabel="||dJ/d(W_1, b_1)||, last batch",
                                log_y=True))
        return plot_panels(panels, path, ax=ax)


def _first_digits(data, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n_samples`` images of the digits' training split, X (n, 64) and y (n,);
    more than the split holds is refused, not cut to it."""
    n_train = data.X_train.shape[0]
    if n_samples > n_train:
        raise ValueError(f"n_samples must be at most {n_train}, the images of the digits' "
                         f"training split, got {n_samples}")
    return data.X_train[:n_samples], data.y_train[:n_samples]


def vanishing_gradients(
    activations: str | Sequence[str] = ("sigmoid", "relu"),
    depth: int = 10,
    width: int = 32,
    n_samples: int = 256,
    epochs: int = 0,
    lr: float = 0.01,
    seed: int = 0,
) -> GradientNorms:
    """Gradient norm of each layer of a deep network on the digits, per hidden activation.

    Parameters
    ----------
    activations : str or sequence of str, default ("sigmoid", "relu")
        Hidden activations to compare (one name: that one alone); each
        differentiable and elementwise (not step, sign or softmax, which is an
        output layer's).
    depth : int, default 10
        Dense layers: 64 inputs -> ``depth - 1`` hidden layers of ``width`` -> 10 softmax.
    width : int, default 32
    n_samples : int, default 256
        Batch on which the norms at initialisation are measured: the first
        ``n_samples`` images of the digits' training split (1 to its 1144).
    epochs : int, default 0
        When > 0, also train each network (SGD with momentum 0.9, batch 32)
        with ``diagnostics=True`` and keep the histories.
    lr : float, default 0.01
    seed : int, default 0

    Returns
    -------
    GradientNorms

    Raises
    ------
    TypeError
        If ``activations`` is neither a name nor a sequence of names.
    ValueError
        If ``activations`` is empty, or (before any network is built) for a
        bad setting, ``n_samples`` over the 1144 training images included, among
        them an activation a hidden layer cannot have (``"activations[1]:
        'softmax' cannot be a hidden activation ..."``).
    KeyboardInterrupt
        On Ctrl-C during a training run (``epochs`` > 0), once that run has
        ended: the histories are compared only when each has all its epochs.
    """
    if isinstance(activations, str):  # one name, not its letters
        activations = (activations,)
    if not hasattr(activations, "__iter__"):
        raise TypeError(f"activations must be an activation name or a sequence of names such "
                        f"as ('sigmoid', 'relu'), got {activations!r}")
    activations = list(activations)
    if not activations:
        raise ValueError("activations must name at least one activation such as "
                         "('sigmoid', 'relu'), got none")
    for i, act in enumerate(activations):  # an unknown name, a step or a softmax: before any work
        _check_hidden_activation(_activation(act, f"activations[{i}]"), f"activations[{i}]")
    depth = check_positive_int(depth, "depth", minimum=2)
    width = check_positive_int(width, "width")
    n_samples = check_positive_int(n_samples, "n_samples")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    data = load_digits_split(seed=seed)
    X, y = _first_digits(data, n_samples)
    at_init, histories = {}, {}
    for act in activations:
        net = _deep_net(act, depth, width, seed)
        net.loss_and_grad(X, y)
        at_init[act] = layer_grad_norms(net)
        if epochs:
            histories[act] = train(
                net, data.X_train, data.y_train, optimizer="sgd", lr=lr, momentum=0.9,
                batch_size=32, epochs=epochs, seed=seed, diagnostics=True,
                validation_data=(data.X_val, data.y_val))
            if histories[act].interrupted:  # Ctrl-C: the experiment stops, not this run
                raise KeyboardInterrupt
    return GradientNorms(depth, at_init, histories)


@dataclass
class Saturation:
    """Saturated units per hidden layer, for several initial weight scales: the fraction
    of its (unit, example) pairs in which the unit saturates (a unit saturated on half the
    examples counts as half a unit).

    Attributes
    ----------
    activation : str
    threshold : float
        A unit is saturated on an example when ``f'(z) < threshold``.
    fractions : dict of float -> list of float
        Initial-weight scale -> fraction of the (unit, example) pairs saturated, per
        hidden layer (input side first).
    mean_derivative : dict of float -> list of float
        Scale -> mean of ``f'(z)`` over the units and examples of each hidden
        layer: the factor by which, on average, a unit passes gradient back.
    """

    activation: str
    threshold: float
    fractions: dict[float, list[float]]
    mean_derivative: dict[float, list[float]]

    def summary(self) -> str:
        """Saturated fraction per hidden layer for each weight scale, as text.

        Returns
        -------
        str
        """
        lines = [f"saturated {self.activation} units (f'(z) < {self.threshold:g}) per hidden "
                 "layer, as a share of its (unit, example) pairs (a unit counts on each "
                 "example it saturates on), by scale of the initial weights:"]
        for scale, fr in self.fractions.items():
            lines.append(f"  x{scale:<5g} " + " ".join(f"{v:6.1%}" for v in fr)
                         + "   mean f'(z): "
                         + " ".join(f"{d:.3f}" for d in self.mean_derivative[scale]))
        return "\n".join(lines)

    __str__ = summary

    def plot(self, path: str | Path | None = None, *, ax: object = None) -> Path | object:
        """Saturated fraction per hidden layer, one line per weight scale, as a PNG or into
        a matplotlib Axes.

        Parameters
        ----------
        path : str or Path, optional
            The PNG file to write; with ``ax``, the file of its whole figure.
            None: nothing is written.
        ax : matplotlib Axes, optional
            The caller's Axes to draw into; by default a new figure.

        Returns
        -------
        Path or Axes
            The file written when ``path`` is given; else ``ax`` (or the new Axes).
        """
        from ..plots import Panel, plot_panels

        n = len(next(iter(self.fractions.values())))
        return plot_panels([Panel(
            f"Saturated {self.activation} units (f'(z) < {self.threshold:g})",
            {f"weights x{s:g}": (np.arange(1, n + 1), f) for s, f in self.fractions.items()},
            xlabel="hidden layer", ylabel="(unit, example) pairs saturated")], path, ax=ax)


def saturation_vs_scale(
    scales: Sequence[float] = (0.5, 1, 2, 4, 8, 16),
    activation: str = "sigmoid",
    depth: int = 5,
    width: int = 32,
    threshold: float = 0.01,
    n_samples: int = 256,
    seed: int = 0,
) -> Saturation:
    """Saturated fraction per hidden layer when the initial weights are multiplied by ``scale``.

    Parameters
    ----------
    scales : sequence of float, default (0.5, 1, 2, 4, 8, 16)
        Factors (finite, >= 0) applied to the initial weights and biases.
    activation : str, default "sigmoid"
        Hidden activation.
    depth : int, default 5
        Dense layers: 64 inputs -> ``depth - 1`` hidden layers of ``width`` -> 10 softmax.
    width : int, default 32
    threshold : float, default 0.01
        A unit is saturated on an example when ``f'(z) < threshold``.
    n_samples : int, default 256
        Digits on which the fractions are measured: the first ``n_samples``
        images of the digits' training split (1 to its 1144).
    seed : int, default 0

    Returns
    -------
    Saturation

    Raises
    ------
    TypeError
        If ``scales`` is not a sequence, or a setting is not a number.
    ValueError
        For a bad setting, ``n_samples`` over the 1144 training images included.
    """
    if isinstance(scales, (str, bytes)) or not hasattr(scales, "__iter__"):
        raise TypeError(f"scales must be a sequence of finite floats >= 0 such as (1, 4, 16), "
                        f"got {scales!r} ({type(scales).__name__})")
    scales = [check_nonneg_float(v, f"scales[{i}]") for i, v in enumerate(scales)]
    if not scales:
        raise ValueError("scales must list at least one scale such as (1, 4, 16), got none")
    depth = check_positive_int(depth, "depth", minimum=2)
    width = check_positive_int(width, "width")
    n_samples = check_positive_int(n_samples, "n_samples")
    threshold = check_positive_float(threshold, "threshold")
    act = _activation(activation, "activation")
    if not act.elementwise:  # saturation is f'(z) < threshold, unit by unit
        raise ValueError(
            f"activation: saturation is measured on each unit's derivative f'(z), and "
            f"{act.name!r} has none of its own (its units are coupled); use an elementwise "
            "activation such as 'sigmoid' or 'tanh'")
    X, y = _first_digits(load_digits_split(seed=seed), n_samples)
    fractions, derivs = {}, {}
    for scale in scales:
        net = _deep_net(activation, depth, width, seed)
        net.params[...] *= float(scale)
        net.loss_and_grad(X, y)
        fractions[float(scale)] = saturation(net, threshold)  # softmax output: skipped
        derivs[float(scale)] = [float(np.mean(layer.activation.derivative(layer.Z, layer.A)))
                                for layer in net.layers[:-1]]
    return Saturation(activation, threshold, fractions, derivs)

