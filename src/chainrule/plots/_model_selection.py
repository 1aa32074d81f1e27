"""The validation error of each run against its hidden units: :func:`plot_model_selection`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._canvas import _axes, _done, _numbers

__all__ = ["plot_model_selection"]

#: Sizes up to this many get a tick each; more, as many ticks as fit (whole numbers).
_MOST_TICKS = 20


def plot_model_selection(
    hidden_units: object,
    val_errors: object,
    path: str | Path | None = None,
    train_errors: object | None = None,
    best: tuple[int, float] | None = None,
    title: str = "Validation error of every run",
    *,
    ax: object = None,
) -> Path | object:
    """Scatter of the validation error of every run against the number of hidden units.

    Parameters
    ----------
    hidden_units : array-like of shape (n_sizes,)
        In any order (the lines join the sizes from the smallest up).  Each has
        a tick up to 20 sizes; past that the ticks are spaced to fit.
    val_errors : array-like of shape (n_sizes, n_starts)
        Errors >= 0; inf for runs that diverged, drawn on the top edge with the
        runs above it; NaN for runs without an error, drawn there as crosses
        and counted apart.  The top of the axis is 1.6 x the largest per-size
        upper quartile (a little above the largest error when that is 0).
    path : str or Path, optional
        Output file (PNG), 700 x 450 pixels; with ``ax``, the file of ``ax``'s
        whole figure.  None: nothing is written, the Axes is returned.
    train_errors : array-like of shape (n_sizes, n_starts), optional
        The best training error per size is drawn as a line.
    best : (M, error), optional
        The chosen run, marked with a star.
    title : str
    ax : matplotlib Axes, optional
        Draw into this Axes (a subplot of the caller's figure, whose layout stays
        the caller's).  By default a new figure of 7 x 4.5 inches, its layout
        made tight: on matplotlib's Agg canvas when ``path`` is given, else a
        pyplot figure.

    Returns
    -------
    Path or Axes
        The file written when ``path`` is given, else the Axes drawn into.

    Raises
    ------
    TypeError
        If ``ax`` is not a matplotlib Axes.
    ValueError
        If an argument does not hold numbers of the shapes above, a finite
        validation error is negative, or none is finite.
    """
    M = _numbers(hidden_units, "hidden_units")
    if M.ndim != 1 or not np.isfinite(M).all():
        raise ValueError(f"hidden_units must be a 1-D sequence of finite numbers, one per size; "
                         f"got {hidden_units!r:.80}")
    V = _numbers(val_errors, "val_errors")
    if V.ndim != 2 or V.shape[0] != M.shape[0]:
        raise ValueError(
            f"val_errors must have shape (n_sizes, n_starts) = ({M.shape[0]}, ...), got {V.shape}"
        )
    finite = np.isfinite(V)
    if not finite.any():
        raise ValueError(f"val_errors has no finite value to plot (shape {V.shape}): every "
                         "run diverged (inf) or the errors are NaN")
    if (V[finite] < 0).any():  # the axis starts at 0: a negative error is no squared error
        raise ValueError(f"val_errors must be >= 0 (squared errors), got {V[finite].min()}")
    if train_errors is not None:
        T = _numbers(train_errors, "train_errors")
        if T.shape != V.shape:
            raise ValueError(f"train_errors must have the shape of val_errors {V.shape}, "
                             f"got {T.shape}")
    if best is not None:
        pair = _numbers(best, "best")
        if pair.shape != (2,):
            raise ValueError(f"best must be a pair (M, error), got {best!r:.80}")
    fig, ax, own = _axes(ax, (7.0, 4.5), path)
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, size=V.shape)
    # linear scale up to a little above the bulk of the runs; the rare runs far above
    # (a start stuck in a wild local minimum) are drawn as triangles on the top edge
    rows = finite.any(axis=1)  # sizes where every start diverged have no quartile, no best
    top = 1.6 * max(float(np.percentile(V[i][finite[i]], 75)) for i in np.flatnonzero(rows))
    if top == 0:  # most runs fit exactly: an axis from 0 to 0 would put every other above
        largest = float(V[finite].max())
        top = 1.05 * largest if largest > 0 else 1.0
    inside = finite & (V <= top)
    ax.scatter((M[:, None] + jitter)[inside], V[inside], s=12, alpha=0.6, color="tab:blue",
               label=f"validation error ({V.shape[1]} starts per size)")
    missing = np.isnan(V)  # no error at all: not "above" anything
    above = ~inside & ~missing
    if above.any():
        ax.scatter((M[:, None] + jitter)[above], np.full(int(above.sum()), top), marker="^",
                   s=18, color="tab:blue", alpha=0.6, clip_on=False,
                   label=f"{int(above.sum())} run(s) above {top:.3g}")
    if missing.any():
        ax.scatter((M[:, None] + jitter)[missing], np.full(int(missing.sum()), top),
                   marker="x", s=18, color="tab:gray", clip_on=False,
                   label=f"{int(missing.sum())} run(s) without an error (NaN)")
    best_per_size = np.full(M.shape[0], np.nan)  # NaN: a gap in the line
    best_per_size[rows] = np.min(np.where(finite, V, np.inf)[rows], axis=1)
    # the lines run from the smallest size to the largest, whatever the order of the sizes
    # given (select_hidden_units keeps its hidden_units' order): [5, 1, 3] drew 5 -> 1 -> 3
    order = np.argsort(M, kind="stable")
    ax.plot(M[order], best_per_size[order], color="tab:blue", lw=1, label="best start per size")
    if train_errors is not None:
        ax.plot(M[order], np.min(T, axis=1)[order], color="gray", ls="--", lw=1,
                label="best training error")
    if best is not None:
        ax.scatter([best[0]], [best[1]], marker="*", s=220, color="tab:red", zorder=4,
                   label=f"chosen: M = {best[0]}")
    ax.set_ylim(0, top)
    ax.set(xlabel="hidden units M", ylabel="mean squared error", title=title)
    if len(M) <= _MOST_TICKS:
        ax.set_xticks(M)
    else:  # one tick per size would run the labels into one another (60 sizes: 1 to 60)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=bool(np.all(M % 1 == 0))))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if own:  # a caller's figure keeps its layout (tight_layout would replace a constrained one)
        fig.tight_layout()
    return _done(fig, ax, path)
