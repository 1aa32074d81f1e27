"""Learning a physical law, h = g t^2 / 2, from noisy samples.

"How many hidden units does the network need, at least?"  It depends on
what the units compute:

* no hidden layer (linear): never; a line is not a parabola;
* one unit with the ``square`` activation: ``h = v (w t + b)^2 + c`` is
  every parabola, so one unit is exact, extrapolates beyond the samples,
  and without biases (``h = v (w t)^2``) it *is* the law, with
  ``g = 2 v w^2`` read off the weights;
* tanh / sigmoid: two units fit the sampled range as well as the parabola
  does, but flatten outside it;
* ReLU: piecewise linear, the error shrinks only slowly with more units.

Every network is trained by L-BFGS from several starts (the best training
cost kept) and judged by its RMS error against the true law, inside the
sampled range and beyond it (``t_max .. 1.5 t_max``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import check_positive_int
from ..activations import Activation, _check_hidden_activation, get_activation
from ..datasets import free_fall as free_fall_data
from ..layers import Dense
from ..network import Network
from ..scipy_fit import minimize
from ..training import TrainingDiverged

__all__ = ["ARCHITECTURES", "FitRow", "FreeFallResult", "free_fall"]

ARCHITECTURES: tuple[tuple[str | None, int, bool], ...] = (
    (None, 0, True),
    ("square", 1, False), ("square", 1, True),
    ("tanh", 1, True), ("tanh", 2, True), ("tanh", 3, True),
    ("relu", 1, True), ("relu", 2, True), ("relu", 4, True), ("relu", 8, True),
)
"""(hidden activation or None for no hidden layer, hidden units, biases) tried by default."""

TOLERANCE = 1.25
"""A network fits the law when its RMS error is at most this times the least-squares parabola's."""

FLOOR = 1e-6
"""... or at most this fraction of the largest height ``g t_max^2 / 2``: without noise the
parabola is exact to rounding (RMS error ~1e-15), which no trained network matches."""


@dataclass
class FitRow:
    """One trained architecture and its errors against the true law.

    Attributes
    ----------
    activation : str or None
        The hidden activation; None for no hidden layer (a linear model).
    hidden : int
        Hidden units (0 without a hidden layer).
    bias : bool
        Whether the layers have biases.
    network : Network
        The best of the starts (lowest training cost).
    train_cost : float
        Its training cost, as :func:`~chainrule.minimize` reached it.
    rmse_inside, rmse_beyond : float
        Its RMS error against ``h = g t^2 / 2`` on 201 times in ``0 .. t_max``
        and on 101 times in ``t_max .. 1.5 t_max``.
    """

    activation: str | None
    hidden: int
    bias: bool
    network: Network
    train_cost: float
    rmse_inside: float
    rmse_beyond: float

    @property
    def label(self) -> str:
        """The architecture in words, e.g. "2 tanh unit(s)" or "linear, no hidden layer"."""
        if self.activation is None:
            return "linear, no hidden layer"
        return f"{self.hidden} {self.activation} unit(s)" + ("" if self.bias else ", no biases")

    @property
    def g_estimate(self) -> float | None:
        """``2 v w^2`` for one square unit: twice the t^2 coefficient of the fitted parabola."""
        if self.activation != "square" or self.hidden != 1:
            return None
        hidden, out = self.network.layers
        return float(2 * out.W[0, 0] * hidden.W[0, 0] ** 2)


@dataclass(eq=False)
class FreeFallResult:
    """Samples, the reference parabola and every trained architecture.

    Attributes
    ----------
    t : ndarray of shape (n, 1)
        The sample times, in seconds (:func:`chainrule.datasets.free_fall`).
    h : ndarray of shape (n,)
        The noisy distances fallen, in metres.
    g : float
        The gravitational acceleration of the law, in m/s^2.
    t_max : float
        The latest sample time: the sampled range is [0, t_max].
    rows : list of FitRow
        One per architecture, in the order given.
    reference_inside, reference_beyond : float
        RMS error against the law of the least-squares parabola, inside the
        sampled range and beyond it (up to ``1.5 * t_max``), in metres.
    """

    t: np.ndarray
    h: np.ndarray
    g: float
    t_max: float
    rows: list[FitRow]
    reference_inside: float
    reference_beyond: float

    @property
    def fit_limit(self) -> float:
        """Largest RMS error inside the sampled range of a network that fits the law (m).

        ``TOLERANCE`` times the least-squares parabola's error, and never less
        than ``FLOOR`` times the largest height (noise-free samples).
        """
        return max(TOLERANCE * self.reference_inside, FLOOR * 0.5 * self.g * self.t_max**2)

    def fewest_units(self, activation: str) -> int | None:
        """Fewest hidden units of ``activation`` that fit the law inside the sampled range.

        Parameters
        ----------
        activation : str
            An activation of the architectures tried.

        Returns
        -------
        int or None
            None when no architecture of it fit.

        Raises
        ------
        ValueError
            If no architecture of ``activation`` was tried (None would read as
            "tried, and none fit").
        """
        tried = list(dict.fromkeys(r.activation for r in self.rows if r.activation is not None))
        if activation not in tried:
            raise ValueError(f"activation must be one of the hidden activations tried, {tried}, "
                             f"got {activation!r}")
        ok = [r.hidden for r in self.rows if r.activation == activation
              and r.rmse_inside <= self.fit_limit]
        return min(ok) if ok else None

    def summary(self) -> str:
        """RMS error of every architecture inside and beyond the sampled range, as text.

        Returns
        -------
        str
        """
        lines = [f"h = g t^2 / 2 with g = {self.g}, {len(self.t)} noisy samples for t in "
                 f"[0, {self.t_max:g}] s; RMS error against the law (m):",
                 f"  {'architecture':<30} {'inside':>8} {'beyond':>8}",
                 f"  {'least-squares parabola':<30} {self.reference_inside:>8.3f} "
                 f"{self.reference_beyond:>8.3f}"]
        for r in self.rows:
            g = f"   g = 2 v w^2 = {r.g_estimate:.3f}" if r.g_estimate is not None else ""
            lines.append(f"  {r.label:<30} {r.rmse_inside:>8.3f} {r.rmse_beyond:>8.3f}{g}")
        acts = dict.fromkeys(r.activation for r in self.rows if r.activation)
        fewest = ", ".join(f"{a} {self.fewest_units(a) or 'more than tried'}" for a in acts)
        lines.append(f"fewest hidden units that fit inside the range (error <= {TOLERANCE:g} x "
                     f"the parabola's, at least {FLOOR:g} x the largest height): {fewest}")
        return "\n".join(lines)

    __str__ = summary

    def plot(self, path: str | Path | None = None, *, ax: object = None) -> Path | object:
        """The samples, the law and the fits of a few of the architectures, and the RMS
        error of each, as a PNG or into matplotlib Axes.

        Parameters
        ----------
        path : str or Path, optional
            The PNG file to write; with ``ax``, the file of their whole figure.
            None: nothing is written.
        ax : matplotlib Axes, or sequence of them, optional
            The caller's Axes to draw into, one per panel (two), such as
            ``plt.subplots(1, 2)[1]``; by default a new figure.

        Returns
        -------
        Path, Axes or list of Axes
            The file written when ``path`` is given; else ``ax`` (one Axes) or the
            list of Axes drawn into, one per panel (see
            :func:`chainrule.plots.plot_panels`).
        """
        from ..plots import Panel, plot_panels

        tt = np.linspace(0, 1.5 * self.t_max, 300)
        lines = {"true law g t^2 / 2": (tt, 0.5 * self.g * tt**2)}
        shown = {("square", 1, False), ("tanh", 2, True), ("relu", 4, True), (None, 0, True)}
        for r in self.rows:
            if (r.activation, r.hidden, r.bias) in shown:
                lines[r.label] = (tt, r.network.predict(tt[:, None])[:, 0])
        # the parabola first: one square unit with biases *is* a parabola, of its very error,
        # and its point, drawn after, stays visible on the line
        errors = {"least-squares parabola": ([1, max(r.hidden for r in self.rows)],
                                             [self.reference_inside] * 2)}
        for a in dict.fromkeys(r.activation for r in self.rows if r.activation):
            for bias in (True, False):  # without biases (one square unit: the law) apart
                # from the fewest units up, whatever the order of the architectures given
                rows = sorted((r for r in self.rows if r.activation == a and r.bias == bias),
                              key=lambda r: r.hidden)
                if rows:
                    errors[a if bias else f"{a}, no biases"] = (
                        [r.hidden for r in rows], [r.rmse_inside for r in rows])
        return plot_panels([
            Panel(f"Fits (samples up to t = {self.t_max:g} s)", lines,
                  {"samples": (self.t[:, 0], self.h)}, xlabel="t (s)", ylabel="h (m)"),
            Panel("RMS error inside the sampled range", errors, xlabel="hidden units",
                  ylabel="RMS error (m)", log_y=True),
        ], path, ax=ax)


def _build(activation: str | Activation | None, hidden: int, bias: bool,
           rng: np.random.Generator) -> Network:
    if activation is None:
        return Network([Dense(1, 1, "identity", init="glorot_uniform", seed=rng)])
    return Network([Dense(1, hidden, activation, init="glorot_uniform", bias=bias, seed=rng),
                    Dense(hidden, 1, "identity", init="glorot_uniform", bias=bias, seed=rng)])


def _check_architectures(
    architectures: object,
) -> list[tuple[str | Activation | None, int, bool]]:
    """``architectures`` as a non-empty list of (activation or None, hidden units, biases)."""
    form = "(activation or None, hidden units, biases) such as (\"tanh\", 2, True)"
    if isinstance(architectures, (str, bytes)) or not hasattr(architectures, "__iter__"):
        raise TypeError(f"architectures must be a sequence of {form}, got {architectures!r}")
    checked = []
    for i, arch in enumerate(architectures):
        name = f"architectures[{i}]"
        if not isinstance(arch, (tuple, list)) or len(arch) != 3:
            raise ValueError(f"{name} must be a triple {form}, got {arch!r}")
        act, m, bias = arch
        if act is not None and not isinstance(act, (str, Activation)):
            raise TypeError(f"{name}: the activation must be a name, an Activation or None "
                            f"(no hidden layer), got {act!r}")
        if act is not None:  # an unknown name, a step or a softmax: before any training
            try:
                found = get_activation(act)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            _check_hidden_activation(found, name)
        m = check_positive_int(m, f"{name}: the number of hidden units",
                               minimum=0 if act is None else 1)
        if act is None and m != 0:
            raise ValueError(f"{name}: no activation means no hidden layer, so the hidden "
                             f"units must be 0, got {m}")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"{name}: biases must be True or False, got {bias!r}")
        checked.append((act, m, bool(bias)))
    if not checked:
        raise ValueError(f"architectures must list at least one {form}, got none")
    return checked


def _rmse(net: Network, t: np.ndarray, g: float) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        err = net.predict(t)[:, 0] - 0.5 * g * t[:, 0] ** 2
        return float(np.sqrt(np.mean(err**2)))


def free_fall(
    n: int = 30, t_max: float = 2.0, noise: float = 0.2, g: float = 9.81,
    architectures: Sequence[tuple[str | Activation | None, int, bool]] = ARCHITECTURES,
    starts: int = 5, maxiter: int = 2000, seed: int = 0,
) -> FreeFallResult:
    """Fit ``h = g t^2 / 2`` from noisy samples with each architecture.

    Parameters
    ----------
    n, t_max, noise, g
        The samples: :func:`chainrule.datasets.free_fall`.
    architectures : sequence of (activation or None, hidden units, biases)
        Default :data:`ARCHITECTURES`; at least one.  The activation is a name
        or an :class:`~chainrule.activations.Activation`, differentiable and
        elementwise (not step, sign or softmax, which is an output layer's),
        with at least 1 hidden unit, or None (no hidden layer) with 0; biases
        is a bool.
    starts : int, default 5
        Random starts per architecture; the lowest training cost is kept.
    maxiter : int, default 2000
        L-BFGS iterations per start.
    seed : int, default 0

    Returns
    -------
    FreeFallResult

    Raises
    ------
    ValueError
        Before any training, for a bad architecture, among them an activation a
        hidden layer cannot have (``"architectures[1]: 'softmax' cannot be a
        hidden activation ..."``).
    RuntimeError
        If every start of an architecture diverged.
    """
    architectures = _check_architectures(architectures)
    starts = check_positive_int(starts, "starts")
    t, h = free_fall_data(n, t_max, noise, g, seed=seed)
    inside = np.linspace(0, t_max, 201)[:, None]
    beyond = np.linspace(t_max, 1.5 * t_max, 101)[:, None]
    coef = np.polyfit(t[:, 0], h, 2)  # the right model family: a reference, not a network
    ref_in = float(np.sqrt(np.mean((np.polyval(coef, inside[:, 0]) - 0.5 * g * inside[:, 0]**2)
                                   ** 2)))
    ref_out = float(np.sqrt(np.mean((np.polyval(coef, beyond[:, 0]) - 0.5 * g * beyond[:, 0]**2)
                                    ** 2)))
    rows = []
    for k, (act, m, bias) in enumerate(architectures):
        best: tuple[float, Network] | None = None
        for s in range(starts):
            net = _build(act, m, bias, np.random.default_rng([seed, k, s]))
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    cost = float(minimize(net, t, h, maxiter=maxiter).fun)
            except TrainingDiverged:
                continue
            if np.isfinite(cost) and (best is None or cost < best[0]):
                best = (cost, net)
        if best is None:
            raise RuntimeError(f"every start of architecture {(act, m, bias)} diverged")
        name = act.name if isinstance(act, Activation) else act  # rows name it
        rows.append(FitRow(name, m, bias, best[1], best[0], _rmse(best[1], inside, g),
                           _rmse(best[1], beyond, g)))
    return FreeFallResult(t, h, g, t_max, rows, ref_in, ref_out)
