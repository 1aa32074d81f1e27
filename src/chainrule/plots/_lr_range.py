"""The loss of a learning-rate range test against its rates: :func:`plot_lr_range`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._canvas import _axes, _done, _numbers

__all__ = ["plot_lr_range"]


def plot_lr_range(test: object, path: str | Path | None = None, title: str | None = None, *,
                  ax: object = None) -> Path | object:
    """Smoothed loss against the learning rate (log axis), the suggested rate marked.

    Parameters
    ----------
    test : LRRangeTest
        What :func:`chainrule.experiments.lr_range_test` returns (or any object
        with ``lrs`` and ``smoothed`` of shape (n_steps,), and optionally
        ``losses`` of that shape and ``suggested_lr``).  The raw losses are
        drawn faintly behind the smoothed ones; the suggested rate (when there
        is one: the valley, :attr:`~chainrule.experiments.LRRangeTest.valley_lr`)
        is a dotted line with its point on the curve.  Where the loss
        exploded, the top of the axis is cut at 1.5 times the range the
        smoothed loss covered up to its lowest point, so that the descent shows.
    path : str or Path, optional
        Output file (PNG), 800 x 500 pixels; with ``ax``, the file of ``ax``'s
        whole figure.  None: nothing is written, the Axes is returned.
    title : str, optional
        Default: "Learning-rate range test".
    ax : matplotlib Axes, optional
        Draw into this Axes (a subplot of the caller's figure).  By default a new
        figure of 8 x 5 inches: on matplotlib's Agg canvas when ``path`` is
        given, else a pyplot figure.

    Returns
    -------
    Path or Axes
        The file written when ``path`` is given, else the Axes drawn into.

    Raises
    ------
    TypeError
        If ``test`` has no ``lrs`` and ``smoothed``, or ``ax`` is not a matplotlib
        Axes.
    ValueError
        If they are not 1-D of one length with positive finite rates, or no
        smoothed loss is finite (nothing to draw).
    """
    if not (hasattr(test, "lrs") and hasattr(test, "smoothed")):
        raise TypeError(f"test must be the LRRangeTest that lr_range_test returns (with lrs "
                        f"and smoothed), got {type(test).__name__}")
    lrs, smoothed = _numbers(test.lrs, "test.lrs"), _numbers(test.smoothed, "test.smoothed")
    if lrs.ndim != 1 or smoothed.shape != lrs.shape:
        raise ValueError(f"test.lrs and test.smoothed must be 1-D of one length, got shapes "
                         f"{lrs.shape} and {smoothed.shape}")
    if not (np.isfinite(lrs).all() and (lrs > 0).all()):
        raise ValueError(f"test.lrs must be finite rates > 0 (a log axis), got {lrs[:5]!r:.80}")
    finite = np.isfinite(smoothed)
    if not finite.any():
        raise ValueError(f"test has no finite smoothed loss to plot ({lrs.size} steps "
                         "recorded): the test stopped at its first step")
    raw = getattr(test, "losses", None)
    raw = None if raw is None else _numbers(raw, "test.losses")
    suggested = getattr(test, "suggested_lr", None)
    fig, ax, _ = _axes(ax, (8, 5), path)
    if raw is not None and raw.shape == lrs.shape:
        ax.plot(lrs, raw, color="tab:blue", alpha=0.25, lw=1, label="loss of each step")
    ax.plot(lrs, smoothed, color="tab:blue", lw=2, label="smoothed loss",
            marker="o" if lrs.size == 1 else None)
    if suggested is not None:
        at = int(np.argmin(np.abs(np.log(lrs) - np.log(suggested))))
        ax.axvline(suggested, color="tab:red", ls=":", lw=1.5,
                   label=f"suggested rate {suggested:.3g} (valley)")
        if np.isfinite(smoothed[at]):
            ax.plot([lrs[at]], [smoothed[at]], "o", color="tab:red", markersize=7)
    ax.set_xscale("log")
    low = int(np.nanargmin(np.where(finite, smoothed, np.nan)))
    bottom, top = float(smoothed[low]), float(np.nanmax(smoothed[:low + 1]))
    span = top - bottom
    if span > 0 and np.nanmax(np.where(finite, smoothed, np.nan)) > top + 0.5 * span:
        ax.set_ylim(bottom - 0.05 * span, top + 0.5 * span)  # the explosion cut off
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title("Learning-rate range test" if title is None else title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return _done(fig, ax, path)
