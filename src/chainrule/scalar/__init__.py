"""Backpropagation on a graph of scalars, every node shown: micrograd's and cs231n's view.

A :class:`Value` is one number of a computation; arithmetic on Values (``+ - * / **``,
``exp``, ``log``, ``tanh``, ``sigmoid``, ``relu``) builds the graph, keeping at each node
its local gradients.  ``root.backward()`` applies the chain rule in reverse topological
order (local gradient x upstream gradient, summed over a node's uses); :func:`trace`
lists every node forward and backward (text, Markdown, JSON) and :func:`draw` pictures
the graph with matplotlib.

>>> from chainrule.scalar import Value
>>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
>>> f = (x + y) * z           # cs231n's circuit
>>> f.backward()
>>> f.data, x.grad, y.grad, z.grad
(-12.0, -4.0, -4.0, 3.0)

:func:`build` makes a graph from text (``"q = x + y; f = q * z"``) by walking Python's
:mod:`ast` through a whitelist, never ``eval``: what ``chainrule graph`` runs.
"""

from __future__ import annotations

from ._draw import draw
from ._expression import build, parse_values
from ._trace import GraphTrace, Node, Use, trace
from ._value import Value, topological_order

__all__ = ["GraphTrace", "Node", "Use", "Value", "build", "draw", "parse_values",
           "topological_order", "trace"]
