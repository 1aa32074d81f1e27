"""A picture of a scalar graph with matplotlib alone: :func:`draw`.

Nodes are placed by depth (inputs in the left column, each node one column right of its
deepest input), each a box with its name, operation, value and gradient; an arrow runs
from every input to the node that uses it.  matplotlib is imported only here, when a
picture is drawn.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._formulas import formula, node_names, number
from ._value import Value, topological_order

__all__ = ["depths", "draw"]

MAX_NODES = 400  # a picture of more boxes is unreadable


def depths(root: Value) -> dict[int, int]:
    """The column of each node (by ``id``): 0 for inputs, else 1 + its deepest input's.

    Numbers taken into operations (``op == "const"``) are left out.

    Parameters
    ----------
    root : Value

    Returns
    -------
    dict
        ``id(node)`` -> depth.
    """
    depth: dict[int, int] = {}
    for node in topological_order(root):
        if node.op == "const":
            continue
        below = [depth[id(v)] for v in node.inputs if v.op != "const"]
        depth[id(node)] = 1 + max(below) if below else 0
    return depth


def draw(root: Value, path: str | os.PathLike, title: str | None = None,
         digits: int = 4) -> Path:
    """Draw the graph of ``root``, each node labelled with its value and gradient.

    The gradients drawn are the nodes' ``grad`` as they are: call ``root.backward()``
    (or :func:`chainrule.scalar.trace`) first.

    Parameters
    ----------
    root : Value
    path : str or path-like
        The picture to write (``graph.png``; the suffix chooses the format).
    title : str, optional
        Above the graph (default: ``"graph of <root>: data and grad of every node"``).
    digits : int, default 4
        Significant digits of the numbers in the boxes.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        The graph has more than 400 nodes (the boxes would not be legible).
    """
    from .. import plots
    from ..plots._canvas import _figure

    order = [v for v in topological_order(root) if v.op != "const"]
    if len(order) > MAX_NODES:
        raise ValueError(f"root: a graph of {len(order)} nodes is too large to draw "
                         f"(at most {MAX_NODES}); trace it as text instead")
    names = node_names(topological_order(root))
    depth = depths(root)
    columns: dict[int, list[Value]] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    n_cols = max(columns) + 1
    tallest = max(len(c) for c in columns.values())
    fig = _figure((max(5.0, 2.4 * n_cols + 0.6), max(2.6, 1.15 * tallest + 1.0)))
    ax = fig.add_subplot(1, 1, 1)
    where: dict[int, tuple[float, float]] = {}
    for col, nodes in columns.items():
        for i, node in enumerate(nodes):  # centred in the column
            where[id(node)] = (float(col), (len(nodes) - 1) / 2.0 - i)
    for node in order:
        x1, y1 = where[id(node)]
        for child in node.inputs:
            if child.op == "const":
                continue
            x0, y0 = where[id(child)]
            ax.annotate("", xy=(x1 - 0.27, y1), xytext=(x0 + 0.27, y0),
                        arrowprops={"arrowstyle": "->", "color": "0.45", "lw": 1.0})
    for node in order:
        x, y = where[id(node)]
        name = names[id(node)]
        head = name if not node.inputs else f"{name} = {formula(node, names)}"
        leaf = not node.inputs
        ax.text(x, y, f"{head}\ndata {number(node.data, digits)}\n"
                f"grad {number(node.grad, digits)}", ha="center", va="center", fontsize=8,
                family="monospace",
                bbox={"boxstyle": "round,pad=0.35", "lw": 1.0,
                      "fc": "#e8f0fb" if leaf else ("#fdebd3" if node is root else "white"),
                      "ec": "#1d4e89" if leaf else "0.3"})
    half = (tallest - 1) / 2.0
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(-half - 0.7, half + 0.7)
    ax.axis("off")
    ax.set_title(title if title is not None
                 else f"graph of {names[id(root)]}: data and grad of every node", fontsize=10)
    fig.tight_layout()
    return plots._save(fig, path)
