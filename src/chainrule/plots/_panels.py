"""Line charts side by side, for the teaching experiments: :class:`Panel`, :func:`plot_panels`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._canvas import _done_panels, _new_figure, _numbers, _panel_axes
from ._loss import _MOST_DECADES

__all__ = ["Panel", "plot_panels"]


@dataclass(eq=False)
class Panel:
    """One chart of :func:`plot_panels`.

    Attributes
    ----------
    title : str
    lines : dict of label -> (x, y) or y
        Curves; a bare sequence ``y`` is plotted against 1, 2, ...
    points : dict of label -> (x, y)
        Scatter points (e.g. noisy samples).
    xlabel, ylabel : str
    log_x, log_y : bool
        Logarithmic axes.  Numbers spanning more than 400 decades (past which
        matplotlib's log axis overflows) are drawn as their powers of 10 on a
        linear axis (labelled ``log10 of ...``).
    """

    title: str
    lines: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    xlabel: str = ""
    ylabel: str = ""
    log_y: bool = False
    log_x: bool = False


def _whole_numbers(x: object) -> bool:
    """Whether ``x`` holds only whole numbers (False for names, dates, ...)."""
    try:
        values = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.all(np.mod(values, 1) == 0))


def _too_many_decades(values: list) -> bool:
    """Whether the positive numbers of ``values`` (arrays; names or dates are no numbers)
    span more decades than a log axis can be drawn over (``_MOST_DECADES``)."""
    positive = []
    for v in values:
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        positive.extend(arr[np.isfinite(arr) & (arr > 0)].tolist())
    return bool(positive) and float(
        np.log10(max(positive)) - np.log10(min(positive))) > _MOST_DECADES


def _log10(values: object) -> np.ndarray:
    """``log10`` of the numbers, NaN (not drawn, as on a log axis) for those <= 0."""
    arr = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(arr > 0, np.log10(np.where(arr > 0, arr, 1.0)), np.nan)


def _panel_xy(name: str, data: object, bare: bool) -> tuple[object, np.ndarray]:
    """A panel's curve: x (numbers, names or dates, as given) and y (floats), 1-D of one length.

    ``bare``: ``data`` may be y alone, drawn against x = 1, 2, ...
    """
    if bare and not isinstance(data, tuple):
        y = _numbers(data, name)
        x = np.arange(1, y.size + 1) if y.ndim == 1 else y
    elif isinstance(data, tuple if bare else (tuple, list)) and len(data) == 2:
        x, y = data[0], np.atleast_1d(_numbers(data[1], name))
        if np.ndim(x) == 0:
            x = [x]
    else:
        raise ValueError(f"{name} must be {'y or ' if bare else ''}a tuple (x, y), got "
                         f"{data!r:.60}")
    if np.ndim(x) != 1 or y.ndim != 1 or len(x) != y.size:
        raise ValueError(f"{name}: x and y must be 1-D of one length, got shapes {np.shape(x)} "
                         f"and {y.shape}")
    return x, y


def plot_panels(panels: Sequence[Panel], path: str | Path | None = None,
                title: str | None = None, panel_inches: tuple[float, float] | None = None,
                *, ax: object = None) -> Path | object:
    """Line charts side by side, one per :class:`Panel`, as a PNG or into matplotlib Axes.

    Parameters
    ----------
    panels : sequence of Panel
        At least one; they are drawn left to right.
    path : str or Path, optional
        The file to write; with ``ax``, the file of their whole figure.  None:
        nothing is written, the Axes are returned.
    title : str, optional
        Title over all the panels of a new figure (refused with ``ax``: the
        figure's suptitle is the caller's).
    panel_inches : (float, float), optional
        Width and height of each panel of a new figure, in inches; default
        (5.0, 3.8).  Refused with ``ax``.
    ax : matplotlib Axes, or sequence of them, optional
        The caller's Axes to draw into: one per panel (a single Axes for one
        panel), such as ``plt.subplots(1, n)[1]``, in one figure when ``path``
        is given.  Their figure's size and layout stay the caller's, and each
        legend stays at matplotlib's best place inside its panel (on a new
        figure, a legend that covers the data is moved right of its panel).
        By default a new figure: on matplotlib's Agg canvas when ``path`` is
        given, else a pyplot figure.

    Returns
    -------
    Path, Axes or list of Axes
        The file written when ``path`` is given; else ``ax`` where it is one
        Axes, or the list of Axes drawn into, one per panel.

    Raises
    ------
    TypeError
        If ``ax`` (or one of them) is not a matplotlib Axes.
    ValueError
        If ``panels`` is not a non-empty list of Panel, a curve is not 1-D
        numbers of one length, ``ax`` holds another number of Axes than
        panels, or ``title`` or ``panel_inches`` is given with ``ax``.
    """
    panels = list(panels)
    if not panels or not all(isinstance(p, Panel) for p in panels):
        raise ValueError(f"panels must be a non-empty list of Panel objects, got {panels!r:.80}")
    axes, fig = _panel_axes(ax, len(panels), path, title)
    if axes is not None and panel_inches is not None:
        raise ValueError(f"panel_inches sizes the panels of a new figure; with ax the figure "
                         f"is the caller's, sized by them; got panel_inches={panel_inches!r:.60}")
    if panel_inches is None:
        panel_inches = (5.0, 3.8)
    size = _numbers(panel_inches, "panel_inches")
    if size.shape != (2,) or not (np.isfinite(size).all() and (size > 0).all()):
        raise ValueError(f"panel_inches must be (width, height), two finite numbers > 0, "
                         f"got {panel_inches!r}")
    curves = [[_panel_xy(f"panels[{i}].{kind}[{label!r}]", data, bare=kind == "lines")
               for kind in ("points", "lines") for label, data in getattr(p, kind).items()]
              for i, p in enumerate(panels)]
    from matplotlib.ticker import MaxNLocator

    if axes is None:
        fig = _new_figure((panel_inches[0] * len(panels),
                           panel_inches[1] + (0.4 if title else 0)), path)
    drawn = []
    for i, p in enumerate(panels):
        ax_i = fig.add_subplot(1, len(panels), i + 1) if axes is None else axes[i]
        drawn.append(ax_i)
        # a log axis of more decades than matplotlib draws: the powers of 10 instead
        powers_x = p.log_x and _too_many_decades([x for x, _ in curves[i]])
        powers_y = p.log_y and _too_many_decades([y for _, y in curves[i]])
        if powers_x or powers_y:
            curves[i] = [(_log10(x) if powers_x else x, _log10(y) if powers_y else y)
                         for x, y in curves[i]]
        xs = []
        n_points = len(p.points)
        for label, (x, y) in zip(p.points, curves[i][:n_points], strict=True):
            ax_i.scatter(x, y, s=14, color="black", alpha=0.7, label=label, zorder=3)
            xs.append(x)
        for label, (x, y) in zip(p.lines, curves[i][n_points:], strict=True):
            ax_i.plot(x, y, label=label, marker="o" if len(y) <= 12 else None, markersize=4)
            xs.append(x)
        if xs and not p.log_x and all(_whole_numbers(x) for x in xs):
            ax_i.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers, epochs: no 1.5
        if p.log_y and not powers_y:
            ax_i.set_yscale("log")
        if p.log_x and not powers_x:
            ax_i.set_xscale("log")
        ax_i.set(title=p.title, xlabel=f"log10 of {p.xlabel or 'x'}" if powers_x else p.xlabel,
                 ylabel=f"log10 of {p.ylabel or 'y'}" if powers_y else p.ylabel)
        ax_i.grid(alpha=0.3)
        if p.lines or p.points:
            ax_i.legend(fontsize=8)
    if axes is None:  # a caller's figure keeps its layout, and no legend moves over another
        if title:    # panel of theirs
            fig.suptitle(title)
        fig.tight_layout()
        if _move_covering_legends(fig):
            fig.tight_layout()
    return _done_panels(fig, ax, drawn, path)


def _move_covering_legends(fig) -> bool:
    """Move each legend that lies over a curve or a point of its panel (no free corner:
    matplotlib's "best" place then still covers data) outside, right of the panel.

    Returns whether one was moved.  Curves are tested along their segments, as drawn.
    """
    moved = False
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent()  # the figure's renderer, of any canvas (svg, pdf)
        shown = [ax.transData.transform(line.get_xydata()) for line in ax.get_lines()]
        # straight in display space: 20 points along each segment of a curve; a segment
        # to an infinite or NaN point, which matplotlib does not draw, gives NaN points,
        # which lie nowhere (inf - inf and 0 * inf there are expected, not warned)
        steps = np.linspace(0.0, 1.0, 20)[:, None, None]
        with np.errstate(invalid="ignore", over="ignore"):
            drawn = [(xy[:-1] + steps * (xy[1:] - xy[:-1])).reshape(-1, 2) for xy in shown
                     if len(xy) > 1] + shown
        drawn += [ax.transData.transform(c.get_offsets()) for c in ax.collections]
        xy = np.concatenate(drawn) if drawn else np.empty((0, 2))
        inside = ((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1)
                  & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1))
        if inside.any():
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                      borderaxespad=0.0)
            moved = True
    return moved
