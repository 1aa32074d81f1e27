"""A picture of a traced step: the network drawn as a graph, every number on it.

Each unit shows its net input, output, delta and (with biases) its bias,
the bias's gradient and new value; each connection shows its weight, its
gradient and its new value (``w -> w_new``); the dashed edges come from the
"+1" bias units.  Node names follow the net/out notation (i1, h1, o1).
matplotlib is imported only here, when a picture is drawn.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .compute import StepTrace
from .netout import node_name
from .render import fmt

__all__ = ["plot_step"]


def _free_place(text, start: tuple[float, float], end: tuple[float, float], t: float,
                taken: list):
    """Move an edge's label along its edge, from ``t`` (0 at ``start``, 1 at ``end``), to the
    nearest place between 0.15 and 0.85 where it overlaps none of the boxes ``taken``;
    where there is none it stays at ``t``.  Returns the label's box (display), padded."""
    def box_at(u: float):
        text.set_position((start[0] + u * (end[0] - start[0]),
                           start[1] + u * (end[1] - start[1])))
        return text.get_window_extent().padded(3)

    for u in sorted([t, *np.linspace(0.15, 0.85, 29).tolist()], key=lambda u: abs(u - t)):
        box = box_at(u)
        if not any(box.overlaps(other) for other in taken):
            return box
    return box_at(t)


def plot_step(step: StepTrace, path: str | os.PathLike | None = None,
              title: str | None = None, digits: int = 4, *,
              ax: object = None) -> Path | object:
    """Draw the network of a traced step with its forward, backward and update numbers.

    Parameters
    ----------
    step : StepTrace
        From :func:`chainrule.tracing.compute_step` (or ``trace.step``).
    path : str or PathLike, optional
        Output PNG; with ``ax``, the file of ``ax``'s whole figure.  None:
        nothing is written, the Axes is returned.
    title : str, optional
        Over the picture: the new figure's title, or ``ax``'s.
    digits : int, default 4
        Significant digits on the picture.
    ax : matplotlib Axes, optional
        Draw into this Axes (its axis lines are turned off; the caller's figure
        keeps its size, layout and backend): the labels are sized in points, so
        the Axes wants about the size of the default figure, ``3.3 * (L + 1)``
        inches wide for ``L`` layers and ``1.5`` inches per unit of the widest
        layer tall.  By default a new figure of that size: on matplotlib's Agg
        canvas when ``path`` is given, else a pyplot figure (``plt.show()``
        shows it).

    Returns
    -------
    Path or Axes
        The file written when ``path`` is given, else the Axes drawn into.

    Raises
    ------
    TypeError
        If ``ax`` is not a matplotlib Axes.
    """
    from ..plots._canvas import _check_axes, _closed_on_error, _done, _new_figure, _root

    L = len(step.layers)
    widths = [step.layers[0].n_in] + [ls.n_out for ls in step.layers]
    tall = max(widths)
    biases = any(ls.b is not None for ls in step.layers)
    made = ax is None
    if made:
        fig = _new_figure((3.3 * (L + 1), 1.5 * tall + (1.6 if biases else 0.8)), path)
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.9 if title else 0.98))
    else:
        _check_axes(ax, "ax")
        fig = _root(ax)
    with _closed_on_error(fig, made and path is None):
        _draw(ax, step, L, widths, tall, biases, digits)
        if title:
            if made:
                fig.suptitle(title)
            else:  # the figure (and its suptitle) is the caller's
                ax.set_title(title)
    return _done(fig, ax, path)


def _draw(ax, step: StepTrace, L: int, widths: list[int], tall: int, biases: bool,
          digits: int) -> None:
    """The units, edges, their numbers and the caption into ``ax``."""
    ax.set_xlim(-0.6, L + 0.6)
    ax.set_ylim(-0.9, tall + 0.2 if biases else tall - 0.4)
    ax.set_axis_off()

    def pos(k: int, j: int) -> tuple[float, float]:
        return float(k), (tall - 1) / 2 + (widths[k] - 1) / 2 - j

    def f(x: float) -> str:
        return fmt(x, digits)

    # the boxes are measured by each text's figure's renderer (get_window_extent()), of any
    # canvas: Agg, or a caller's figure of a pdf or svg backend (no canvas.get_renderer)
    taken = []  # the boxes (display) that an edge's label must keep clear of

    # units first: their boxes are what the labels keep clear of (drawn over the edges)
    for k in range(L + 1):
        for j in range(widths[k]):
            x, y = pos(k, j)
            name = node_name(k, j + 1, L).text
            if k == 0:
                label = f"{name}\nout {f(step.x[j])}"
            else:
                ls = step.layers[k - 1]
                label = (f"{name} ({ls.activation})\nnet {f(ls.z[j])}\nout {f(ls.a[j])}\n"
                         f"δ {f(ls.delta[j])}")
                if ls.b is not None:
                    new = "(frozen)" if "b" in ls.frozen else f"→ {f(ls.b_new[j])}"
                    label += f"\nbias {f(ls.b[j])} {new}\n(grad {f(ls.db[j])})"
                if k == L:
                    label += f"\ntarget {f(step.y[j])}"
            unit = ax.text(x, y, label, ha="center", va="center", fontsize=8, zorder=5,
                           bbox={"boxstyle": "round,pad=0.4", "fc": "#dbe9f6" if k else "#eeeeee",
                                 "ec": "tab:blue" if k else "0.5"})
            taken.append(unit.get_window_extent().padded(6))
    for k, ls in enumerate(step.layers, start=1):
        for j in range(ls.n_out):
            x1, y1 = pos(k, j)
            if ls.b is not None:  # the bias edge; its numbers go in the unit's box
                ax.plot([k - 0.8, x1], [tall - 0.05, y1], color="0.75", lw=1, ls="--", zorder=1)
            for i in range(ls.n_in):
                x0, y0 = pos(k - 1, i)
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=1, zorder=1)
                # labels of the edges into one unit share a position along the edge,
                # different for each unit, so that crossing edges keep their labels apart;
                # where that puts a label on a unit's box or on another label (3 hidden
                # units and more), the nearest free place along the edge is taken
                t = 0.25 + 0.35 * (j / (ls.n_out - 1) if ls.n_out > 1 else 0.5)
                text = ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0),
                               f"{f(ls.W[i, j])} "
                               + ("(frozen)" if "W" in ls.frozen else f"→ {f(ls.W_new[i, j])}")
                               + f"\n(grad {f(ls.dW[i, j])})",
                               fontsize=7, ha="center", va="center", color="tab:purple",
                               zorder=3, bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                               "ec": "none", "alpha": 0.85})
                taken.append(_free_place(text, (x0, y0), (x1, y1), t, taken))
        if ls.b is not None:
            bias = ax.text(k - 0.8, tall - 0.05, "+1", ha="center", va="center", fontsize=8,
                           zorder=4, bbox={"boxstyle": "circle", "fc": "0.9", "ec": "0.5"})
            taken.append(bias.get_window_extent().padded(6))
    # the new output with at least 6 significant digits (example A's 0.721874), as the
    # trace prints numbers: 3e-08 is no "0.0", nor 9.38137e+13 "93813675576516.0"
    out = ", ".join(fmt(v, max(digits, 6)) for v in step.output_new)
    J = "J" if step.weight_decay else "E"  # the cost: with weight decay, not the loss E
    ax.text(L / 2, -0.75, f"{J} = {f(step.cost)};  after one step with learning rate "
            f"{f(step.lr)}: output [{out}], {J} = {f(step.cost_new)}",
            ha="center", va="center", fontsize=9)
