"""Overfitting: a large network on a few noisy points, with and without weight decay.

Training error keeps falling as the network bends through the noise;
validation error reaches a minimum and climbs again.  Weight decay (L2 on
the weights) keeps the network smooth: its validation error stays near the
minimum.  Both errors are measured after every epoch without the decay
term, so the curves of different runs compare directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import check_nonneg_float, check_positive_int
from ..callbacks import TrainState
from ..datasets import sinusoid
from ..network import Network, mlp
from ..training import train

__all__ = ["Overfitting", "overfitting"]


@dataclass(eq=False)
class Overfitting:
    """Training and validation error per epoch, per weight decay.

    Attributes
    ----------
    train_error, val_error : dict of float -> ndarray of shape (epochs,)
        Weight decay lambda -> mean squared error after each epoch.
    noise : float
        Standard deviation of the noise: ``noise**2`` is the smallest expected
        validation error.
    X, y : ndarray of shape (n_train, 1) and (n_train,)
        The training points.
    networks : dict of float -> Network
        The trained networks.
    """

    train_error: dict[float, np.ndarray]
    val_error: dict[float, np.ndarray]
    noise: float
    X: np.ndarray
    y: np.ndarray
    networks: dict[float, Network]

    def best_epoch(self, weight_decay: float) -> int:
        """Epoch (from 1) of the smallest validation error.

        Parameters
        ----------
        weight_decay : float
            One of the weight decays compared (a key of ``val_error``).

        Returns
        -------
        int

        Raises
        ------
        ValueError
            If ``weight_decay`` is none of the weight decays compared.
        """
        if weight_decay not in self.val_error:
            raise ValueError(f"weight_decay must be one of the weight decays compared, "
                             f"{list(self.val_error)}, got {weight_decay!r}")
        return int(np.argmin(self.val_error[weight_decay])) + 1

    def summary(self) -> str:
        """Training and validation error per weight decay and their best epoch, as text.

        Returns
        -------
        str
        """
        lines = [f"mean squared error (noise variance {self.noise**2:.3g} is the floor):"]
        for lam, val in self.val_error.items():
            tr = self.train_error[lam]
            b = self.best_epoch(lam)
            lines.append(f"  weight decay {lam:<7g} final training {tr[-1]:.4f}, validation "
                         f"{val[-1]:.4f} (best {val[b - 1]:.4f} at epoch {b} of {len(val)})")
        return "\n".join(lines)

    __str__ = summary

    def plot(self, path: str | Path | None = None, *, ax: object = None) -> Path | object:
        """Validation error (linear scale) and training error (log scale) per epoch, and
        the fits after the last epoch.

        Parameters
        ----------
        path : str or Path, optional
            The PNG file to write; with ``ax``, the file of their whole figure.
            None: nothing is written.
        ax : matplotlib Axes, or sequence of them, optional
            The caller's Axes to draw into, one per panel (three), such as
            ``plt.subplots(1, 3)[1]`` (the title over them is then the caller's);
            by default a new figure.

        Returns
        -------
        Path, Axes or list of Axes
            The file written when ``path`` is given; else ``ax`` (one Axes) or the
            list of Axes drawn into, one per panel (see
            :func:`chainrule.plots.plot_panels`).
        """
        from ..plots import Panel, plot_panels

        n = len(next(iter(self.val_error.values())))
        xs = np.linspace(0, 1, 400)
        floor = {"noise floor": ([1, n], [self.noise**2] * 2)}
        return plot_panels([
            Panel("Validation error", {**{f"weight decay {lam:g}": v
                                          for lam, v in self.val_error.items()}, **floor},
                  xlabel="epoch", ylabel="mean squared error", log_x=True),
            Panel("Training error", {f"weight decay {lam:g}": t
                                     for lam, t in self.train_error.items()},
                  xlabel="epoch", ylabel="mean squared error", log_x=True, log_y=True),
            Panel("Fits after the last epoch",
                  {**{f"weight decay {lam:g}": (xs, net.predict(xs[:, None])[:, 0])
                      for lam, net in self.networks.items()},
                   "sin(2 pi x)": (xs, np.sin(2 * np.pi * xs))},
                  {"training points": (self.X[:, 0], self.y)}, xlabel="x", ylabel="t"),
        ], path, title=None if ax is not None else
            f"A large network on {len(self.y)} noisy points", ax=ax)


def overfitting(
    weight_decays: Sequence[float] = (0.0, 2e-3),
    n_train: int = 10,
    n_val: int = 200,
    noise: float = 0.3,
    hidden: Sequence[int] = (40, 40),
    epochs: int = 3000,
    lr: float = 0.01,
    seed: int = 0,
) -> Overfitting:
    """Train the same large tanh network on a few noisy sinusoid points, per weight decay.

    Parameters
    ----------
    weight_decays : sequence of float, default (0, 2e-3)
        lambda of each run ((lambda/2) sum W^2): at least one, each finite and >= 0.
    n_train, n_val : int
        Training points (evenly spaced x) and validation points (random x).
    noise : float, default 0.3
    hidden : sequence of int, default (40, 40)
    epochs : int, default 3000
        Full-batch Adam steps.
    lr : float, default 0.01
    seed : int, default 0
        Same data and same initial weights for every run.

    Returns
    -------
    Overfitting

    Raises
    ------
    TypeError
        If ``weight_decays`` or ``hidden`` is not a sequence.
    ValueError
        If ``weight_decays`` is empty, or a setting is out of its range.
    KeyboardInterrupt
        On Ctrl-C, once the run it stops has ended: the runs are compared only
        when each has trained all its epochs.
    """
    if isinstance(weight_decays, (str, bytes)) or not hasattr(weight_decays, "__iter__"):
        raise TypeError(f"weight_decays must be a sequence of finite floats >= 0 such as "
                        f"(0, 2e-3), got {weight_decays!r} ({type(weight_decays).__name__})")
    weight_decays = [check_nonneg_float(v, f"weight_decays[{i}]")
                     for i, v in enumerate(weight_decays)]
    if not weight_decays:
        raise ValueError("weight_decays must list at least one lambda such as (0, 2e-3), "
                         "got none")
    n_train = check_positive_int(n_train, "n_train")
    n_val = check_positive_int(n_val, "n_val")
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"hidden must be a sequence of hidden layer sizes such as (40, 40), "
                        f"got {hidden!r} ({type(hidden).__name__})")
    hidden = [check_positive_int(v, f"hidden[{i}]") for i, v in enumerate(hidden)]
    epochs = check_positive_int(epochs, "epochs")
    X, y = sinusoid(n_train, noise, seed=seed, grid=True)
    Xv, yv = sinusoid(n_val, noise, seed=seed + 1)
    train_err, val_err, nets = {}, {}, {}
    for lam in weight_decays:
        net = mlp([1, *hidden, 1], hidden="tanh", seed=seed, weight_decay=lam)
        tr: list[float] = []
        va: list[float] = []

        def record(state: TrainState, tr: list[float] = tr, va: list[float] = va) -> None:
            tr.append(float(np.mean((state.net.predict(X)[:, 0] - y) ** 2)))
            va.append(float(np.mean((state.net.predict(Xv)[:, 0] - yv) ** 2)))

        history = train(net, X, y, optimizer="adam", lr=lr, batch_size=n_train,
                        epochs=epochs, seed=seed, callbacks=[record])
        if history.interrupted:  # Ctrl-C: the experiment stops, not this run alone
            raise KeyboardInterrupt
        train_err[float(lam)], val_err[float(lam)] = np.array(tr), np.array(va)
        nets[float(lam)] = net
    return Overfitting(train_err, val_err, noise, X, y, nets)
