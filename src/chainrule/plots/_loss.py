"""The loss curve of a training run: :func:`plot_loss`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ._canvas import _axes, _done

__all__ = ["plot_loss"]


def plot_loss(
    history: Mapping[str, Sequence[float]],
    path: str | Path | None = None,
    title: str | None = None,
    log_scale: bool | None = None,
    xlabel: str = "epoch",
    *,
    ax: object = None,
) -> Path | object:
    """Training (and validation) loss per epoch, as a PNG or into a matplotlib Axes.

    Parameters
    ----------
    history : mapping with "loss" and optionally "val_loss"
        E.g. the :class:`~chainrule.training.History` returned by ``train``, an
        MLP estimator's ``history_`` (its last fit's, mini-batch solvers) or
        ``{"loss": est.loss_curve_}`` (every epoch or iteration), or a table of
        such columns (a pandas DataFrame of it);
        1-D sequences of numbers of length n_epochs ("val_loss" may be None).
        The best validation epoch marked is the one of the smallest finite
        validation loss (none if no value is finite).  NaN and infinite
        values are not drawn (a gap); a history without one finite value is
        refused.
        A value with no finite neighbour (a single epoch, or one between NaNs)
        is drawn as a dot, since no line reaches it.
    path : str or Path, optional
        Output file (PNG), 800 x 500 pixels; with ``ax``, the file of ``ax``'s
        whole figure.  None: nothing is written, the Axes is returned.
    title : str, optional
        Default: "Training and validation loss", or "Training loss" when the
        history has no validation loss (none is drawn).
    log_scale : bool, optional
        Logarithmic loss axis (True or False); by default when the loss spans
        more than two decades and every finite value is > 0 (a loss of 0
        cannot be drawn on a log axis).  Losses whose axis would reach past
        1e300 (1e200 on a log axis; near the largest float, where the axis
        arithmetic overflows) are drawn in units of a power of 10, which the
        axis label gives (``cost J (x 1e308)``).  A log axis of more than 400
        decades (past which matplotlib's log axis overflows) is drawn as the
        losses' powers of 10 on a linear axis (``log10 of cost J``).
    xlabel : str, default "epoch"
        What one value is the loss of: "iteration" for the ``loss_curve_``
        of an lbfgs or cg estimator, which records one per iteration (and the
        history of ``chainrule train --optimizer lbfgs``); its first word names
        the best validation value's place in the legend (an empty label: its
        number alone).
    ax : matplotlib Axes, optional
        Draw into this Axes (a subplot of the caller's figure, whose size, layout
        and backend stay the caller's).  By default a new figure of 8 x 5
        inches: on matplotlib's Agg canvas when ``path`` is given, else a pyplot
        figure (``plt.show()`` shows it).

    Returns
    -------
    Path or Axes
        The file written when ``path`` is given, else the Axes drawn into.

    Raises
    ------
    TypeError
        If ``ax`` is not a matplotlib Axes, ``history`` no mapping, or
        ``log_scale`` not True or False.
    ValueError
        If ``history`` has no "loss", no finite loss, or a column that is not
        1-D numbers.
    """
    if log_scale is not None:  # "no" or 0.5 would be taken by truthiness
        from .._validation import check_bool

        log_scale = check_bool(log_scale, "log_scale")
    if not isinstance(xlabel, str):  # its first word names the best validation value's place
        raise TypeError(f"xlabel must be a str such as 'epoch' or 'iteration', got "
                        f"{xlabel!r:.60} ({type(xlabel).__name__})")
    # a table of columns (a pandas DataFrame of a history) is read as a mapping is
    table = callable(getattr(history, "get", None)) and callable(getattr(history, "keys", None))
    if not isinstance(history, Mapping) and not table:
        raise TypeError(f"history must be a mapping with a 'loss' sequence, such as the History "
                        f"that train returns; got {type(history).__name__}"
                        f"{_what_to_pass(history)}")
    loss = _loss_series(history, "loss")
    if not loss:
        raise ValueError("history has no 'loss' values to plot")
    val = _loss_series(history, "val_loss")
    values = [v for v in loss + val if np.isfinite(v)]
    if not values:  # an empty axis, its epochs and costs made up by matplotlib, explains nothing
        shown = f"{len(loss)} 'loss'" + (f" and {len(val)} 'val_loss'" if val else "")
        raise ValueError(f"history has no finite loss to plot: its {shown} values are all NaN "
                         f"or infinite (a run that diverged from the start); got "
                         f"{loss[:5]!r:.80}")
    if log_scale is None:  # a loss of 0 (or below) has no place on a log axis
        log_scale = bool(values) and min(values) > 0 and max(values) / min(values) > 100
    positive = [v for v in values if v > 0]
    # past _MOST_DECADES matplotlib's log axis overflows: the powers of 10 drawn instead
    exponents = log_scale and bool(positive) and float(
        np.log10(max(positive)) - np.log10(min(positive))) > _MOST_DECADES
    exponent = 0 if exponents else _axis_exponent(values, log_scale)
    scale = 10.0 ** exponent

    def drawn(series: list[float]) -> list[float]:
        if not exponents:
            return [v / scale for v in series]
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 and below: not drawn
            return [float(np.log10(v)) if v > 0 else float("nan") for v in series]

    fig, ax, _ = _axes(ax, (8, 5), path)
    epochs = range(1, len(loss) + 1)
    ax.plot(epochs, drawn(loss), label="training loss", color="tab:blue",
            marker="o", markersize=4, markevery=_lone_points(loss))
    if val:
        ax.plot(range(1, len(val) + 1), drawn(val), label="validation loss",
                color="tab:orange", marker="o", markersize=4, markevery=_lone_points(val))
        finite = [i for i, v in enumerate(val) if np.isfinite(v)]
        if finite:  # a NaN compares as neither smaller nor larger: it must not be "best"
            best = min(finite, key=val.__getitem__)
            ax.axvline(best + 1, color="tab:orange", ls=":", lw=1,
                       label=f"best validation ({' '.join([*xlabel.split()[:1], str(best + 1)])})")
    if log_scale and not exponents:
        ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # no 0.96 epochs
    ax.set_xlabel(xlabel)
    ax.set_ylabel("log10 of cost J" if exponents else
                  "cost J" if not exponent else f"cost J (x 1e{exponent})")
    if title is None:  # a validation curve is named only where one is drawn
        title = "Training and validation loss" if val else "Training loss"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _done(fig, ax, path)


#: A log axis spanning more decades than this (460 do) overflows in matplotlib's tick
#: positions ("cannot convert float infinity to integer"): the losses' powers of 10 are drawn
#: on a linear axis instead.
_MOST_DECADES = 400

#: Beyond this power of 10, matplotlib's margins and tick positions pass the largest float
#: (1.8e308) and fail ("arange: cannot compute length"), or overflow on a log axis (whose
#: ticks may be tens of decades apart): such losses are drawn in units of a power of 10.
_LARGEST_DRAWN = {False: 300, True: 200}


def _axis_exponent(values: Sequence[float], log_scale: bool) -> int:
    """The power of 10 the loss axis counts in: 0 unless the axis (with its 5% margins)
    would reach past ``_LARGEST_DRAWN`` (a run close to overflowing).

    A linear axis then counts in the power of the largest finite ``|value|``; a log
    axis in the power at the middle of its decades.
    """
    largest = max((abs(v) for v in values), default=0.0)
    if largest == 0.0:
        return 0
    top = float(np.log10(largest))
    if not log_scale:
        return int(np.floor(top)) if top > _LARGEST_DRAWN[False] else 0
    positive = [v for v in values if v > 0]
    bottom = float(np.log10(min(positive))) if positive else top
    if top + 0.05 * (top - bottom) <= _LARGEST_DRAWN[True]:
        return 0
    return round((top + bottom) / 2)


def _what_to_pass(history: object) -> str:
    """The end of the message that refuses ``history``: what to pass instead, for a fitted
    estimator (its ``history_`` or ``loss_curve_``) or a bare sequence of losses."""
    if hasattr(history, "get_params"):  # an estimator
        name = type(history).__name__
        curve = ("{'loss': est.loss_curve_} (its loss per epoch, or per iteration for "
                 "lbfgs and cg, over warm starts and partial_fit calls)")
        if hasattr(history, "history_"):
            return (f"; for a fitted {name} est, pass est.history_ (its last fit's metrics "
                    f"per epoch) or {curve}")
        if hasattr(history, "loss_curve_"):
            return f"; for a fitted {name} est, pass {curve}"
        return (" holding no loss curve (a fitted MLP estimator's is its loss_curve_: pass "
                "{'loss': est.loss_curve_})")
    try:
        arr = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    if arr.ndim == 1:
        return (f" of {arr.size} numbers; pass {{'loss': values}} to draw them as the training "
                "loss per epoch")
    return ""


def _loss_series(history: Mapping, key: str) -> list[float]:
    """``history[key]`` as a list of floats (empty when the key is missing or None)."""
    values = history.get(key)
    if values is None:
        return []
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1:
        shown = f"shape {arr.shape}" if arr is not None else f"{values!r:.60}"
        raise ValueError(f"history[{key!r}] must be a 1-D sequence of numbers, one per epoch; "
                         f"got {shown}")
    return arr.tolist()


def _lone_points(values: Sequence[float]) -> list[int]:
    """Indexes of the finite values that no line segment reaches: both neighbours missing.

    A line needs two finite values in a row; a one-epoch history, or a value
    between NaNs, is drawn only by its marker.
    """
    finite = [bool(np.isfinite(v)) for v in values]
    return [i for i, ok in enumerate(finite)
            if ok and not (i > 0 and finite[i - 1]) and not (i + 1 < len(finite) and finite[i + 1])]
