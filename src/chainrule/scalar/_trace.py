"""Every node of a scalar graph, forward and backward: :func:`trace` and :class:`GraphTrace`.

Forward, each node's value from its inputs (``q = x + y = -2 + 5 = 3``); backward, in
reverse topological order, each use of a node: the local gradient of the node that used
it, the upstream gradient of that node, their product, and where a node has several uses,
the sum of the products, which is its gradient (cs231n's "gradients add up at forks").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .._validation_digits import check_digits
from ._formulas import formula, local_formulas, node_names, number
from ._value import Value, topological_order

__all__ = ["GraphTrace", "Node", "Use", "trace"]


@dataclass(frozen=True)
class Use:
    """One use of a node by another: what that use hands back to it.

    Attributes
    ----------
    by : str
        The node that used it.
    by_formula : str
        That node's formula (``"q * z"``).
    local_formula : str
        ``d by / d node`` in the inputs' names (``"z"``).
    local : float
        Its value.
    upstream : float
        ``d root / d by``.
    product : float
        ``local * upstream``, this use's share of the node's gradient.
    """

    by: str
    by_formula: str
    local_formula: str
    local: float
    upstream: float
    product: float


@dataclass(frozen=True)
class Node:
    """One node of the graph: its operation, value and gradient.

    Attributes
    ----------
    name : str
    op : str
        As :attr:`Value.op` (``""`` for an input).
    formula : str
        The operation on its inputs' names (``""`` for an input).
    numbers : str
        The same with the inputs' values (``"-2 + 5"``).
    data : float
    grad : float
        ``d root / d node``: the sum of ``uses``' products (1 for the root).
    uses : tuple of Use
        Each use of the node by a later node, in forward order.
    """

    name: str
    op: str
    formula: str
    numbers: str
    data: float
    grad: float
    uses: tuple[Use, ...] = field(default=())


@dataclass(frozen=True)
class GraphTrace:
    """The forward values and backward gradients of every node of a scalar graph.

    Attributes
    ----------
    root : str
        The name of the node differentiated.
    nodes : tuple of Node
        In topological order (inputs first, the root last); numbers taken into
        operations are written in place and are no nodes.
    digits : int
        Significant digits of the text and Markdown.
    graph : Value or None
        The traced root node itself (what :meth:`plot` draws).
    """

    root: str
    nodes: tuple[Node, ...]
    digits: int = 6
    graph: Value | None = field(default=None, repr=False, compare=False)

    def _n(self, value: float) -> str:
        return number(value, self.digits)

    def _forward_rows(self) -> list[tuple[str, str]]:
        rows = []
        for n in self.nodes:
            if not n.op:
                rows.append((n.name, self._n(n.data)))
            else:
                rows.append((n.name, f"{n.formula} = {n.numbers} = {self._n(n.data)}"))
        return rows

    def _backward_rows(self) -> list[list[str]]:
        """node, use, local gradient, upstream, product, gradient: one row per use."""
        L = self.root
        rows = []
        for n in reversed(self.nodes):
            if n.name == L:
                rows.append([n.name, "(the root)", "", "", "", f"d{L}/d{L} = 1"])
                continue
            for i, u in enumerate(n.uses):
                local = f"d{u.by}/d{n.name} = {u.local_formula}"
                if u.local_formula != self._n(u.local):
                    local += f" = {self._n(u.local)}"
                last = i == len(n.uses) - 1
                total = ""
                if last:
                    total = f"d{L}/d{n.name} = " + (
                        " + ".join(_p(self._n(v.product)) for v in n.uses) + " = "
                        if len(n.uses) > 1 else "") + self._n(n.grad)
                rows.append([n.name if i == 0 else "", f"{u.by} = {u.by_formula}", local,
                             f"d{L}/d{u.by} = {self._n(u.upstream)}", self._n(u.product),
                             total])
        return rows

    _HEAD = ("node", "used in", "local gradient", "upstream gradient", "product",
             "gradient (sum over uses)")

    def text(self) -> str:
        """The trace as plain text: the forward values, then a table of the backward pass.

        Returns
        -------
        str
        """
        L = self.root
        lines = [f"graph of {L}: {len(self.nodes)} nodes, "
                 f"{sum(not n.op for n in self.nodes)} inputs", "",
                 "forward (each node from its inputs, in topological order)"]
        width = max(len(name) for name, _ in self._forward_rows())
        lines += [f"  {name:<{width}} = {rest}" for name, rest in self._forward_rows()]
        lines += ["", f"backward (reverse topological order; each use hands its input "
                  f"local gradient x upstream gradient, d{L}/d{L} = 1)"]
        rows = [list(self._HEAD), *self._backward_rows()]
        widths = [max(len(r[j]) for r in rows) for j in range(len(self._HEAD))]
        for r in rows:
            cells = (c.ljust(w) for c, w in zip(r, widths, strict=True))
            lines.append(("  " + "  ".join(cells)).rstrip())
        lines += ["", "gradients of the inputs: " + ", ".join(
            f"d{L}/d{n.name} = {self._n(n.grad)}" for n in self.nodes if not n.op)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def markdown(self) -> str:
        """The trace as Markdown: a table of the forward pass, one of the backward pass.

        Returns
        -------
        str
        """
        L = self.root

        def cell(text: str) -> str:
            return f"`{text}`" if text else ""

        lines = [f"**Graph of `{L}`**: {len(self.nodes)} nodes.", "",
                 "| node | formula | value |", "|---|---|---|"]
        for n in self.nodes:
            form = f"{n.formula} = {n.numbers}" if n.op else "(input)"
            lines.append(f"| `{n.name}` | {cell(form) if n.op else form} | {self._n(n.data)} |")
        lines += ["", f"Backward, from `d{L}/d{L} = 1`: each use hands its input local "
                  "gradient x upstream gradient; a node used several times adds them up.", "",
                  "| " + " | ".join(self._HEAD) + " |", "|" + "---|" * len(self._HEAD)]
        for r in self._backward_rows():
            lines.append("| " + " | ".join(cell(c) if c and not c.startswith("(") else c
                                           for c in r) + " |")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """Every number at full precision.

        Returns
        -------
        dict
            ``root`` and ``nodes``: each with ``name``, ``op``, ``formula``, ``data``,
            ``grad`` and ``uses`` (``by``, ``local_formula``, ``local``, ``upstream``,
            ``product``).
        """
        return {"root": self.root, "nodes": [
            {"name": n.name, "op": n.op, "formula": n.formula, "data": n.data,
             "grad": n.grad,
             "uses": [{"by": u.by, "local_formula": u.local_formula, "local": u.local,
                       "upstream": u.upstream, "product": u.product} for u in n.uses]}
            for n in self.nodes]}

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text.

        Parameters
        ----------
        indent : int or None, default 2
            As :func:`json.dumps` takes it.

        Returns
        -------
        str
        """
        return json.dumps(self.to_dict(), indent=indent)

    def plot(self, path: str | os.PathLike, title: str | None = None) -> Path:
        """The traced graph drawn by :func:`chainrule.scalar.draw` (see there).

        Parameters
        ----------
        path : str or path-like
            The picture to write.
        title : str, optional
            Above the graph.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        from ._draw import draw

        if self.graph is None:
            raise ValueError("this trace keeps no graph to draw (graph=None)")
        return draw(self.graph, path, title=title)


def _p(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def trace(root: Value, digits: int = 6) -> GraphTrace:
    """Run the backward pass from ``root`` and list every node forward and backward.

    The graph's gradients are set first to 0 (:meth:`Value.zero_grad`), then
    :meth:`Value.backward` runs: afterwards every node's ``grad`` is the traced one.

    Parameters
    ----------
    root : Value
        The node to differentiate (the loss, or the circuit's output).
    digits : int, default 6
        Significant digits of the text and Markdown (JSON: full precision).

    Returns
    -------
    GraphTrace
        ``.text()``, ``.markdown()``, ``.to_json()``, ``.plot(path)``.

    Examples
    --------
    >>> from chainrule.scalar import Value, trace
    >>> x, y, z = Value(-2, "x"), Value(5, "y"), Value(-4, "z")
    >>> q = x + y; q.label = "q"
    >>> f = q * z; f.label = "f"
    >>> t = trace(f)
    >>> [n.grad for n in t.nodes if n.name in "xyz"]
    [-4.0, -4.0, 3.0]
    """
    digits = check_digits(digits)
    order = topological_order(root)
    root.zero_grad()
    root.backward()
    names = node_names(order)
    values = {id(v): number(v.data, digits) for v in order}
    uses: dict[int, list[Use]] = {id(v): [] for v in order}
    for node in order:
        if not node.inputs:
            continue
        by_formula = formula(node, names)
        for child, local, local_text in zip(node.inputs, node.local,
                                            local_formulas(node, names), strict=True):
            if child.op != "const":
                uses[id(child)].append(Use(names[id(node)], by_formula, local_text, local,
                                           node.grad, local * node.grad))
    nodes = tuple(
        Node(names[id(v)], v.op, formula(v, names) if v.inputs else "",
             formula(v, values) if v.inputs else "", v.data, v.grad, tuple(uses[id(v)]))
        for v in order if v.op != "const")
    return GraphTrace(names[id(root)], nodes, digits, root)
