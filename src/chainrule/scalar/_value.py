"""The scalar node: :class:`Value`, one number of a computational graph and its gradient.

Each operation makes a new node that keeps its inputs and, computed in the forward
pass, its *local gradients*: the partial derivative of its output with respect to each
input.  The backward pass (:meth:`Value.backward`) is then the chain rule and nothing
else: in reverse topological order, every node hands each input ``local * upstream``,
where ``upstream`` is the node's own gradient, and an input used several times adds up
what each use hands it.  The order is found without recursion (:func:`topological_order`),
so a chain of any length is fine.

Numbers are checked once, where they come in: a user's number made a :class:`Value`, or
the number an operation takes (``2 * x``).  A Value-with-Value operation only checks that
its output is finite (``math.isfinite``): its inputs were checked when they were made, and
the local gradients of ``+ - * neg tanh sigmoid relu exp`` are constants, the inputs'
own numbers, bounded, or the output itself.  Only ``/``, ``**``, ``log`` and a number to
the power of a Value check their local gradients too: ``1 / x`` overflows where ``log(x)``
does not.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

__all__ = ["Value", "topological_order"]

Number = int | float
_FLOAT_MAX = 1.7976931348623157e308


def _finite_number(value: object, name: str) -> float:
    """``value`` as a float: a finite real number (not a bool), or an error naming it."""
    if type(value) is float and math.isfinite(value):  # the common case, at once
        return value
    if isinstance(value, bool) or type(value).__name__ == "bool_" \
            or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number (int or float), got "
                        f"{type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int (or Fraction) beyond float range: 10**400
        # (no str() of it: past 4300 digits that raises a ValueError of its own)
        power = int(abs(int(value)).bit_length() * 0.30103)
        sign = "-" if value < 0 else ""
        raise ValueError(f"{name} must be a finite number within float range (|x| <= "
                         f"{_FLOAT_MAX:.4g}), got a number of about {sign}10^{power}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {number!r}")
    return number


class Value:
    """A scalar in a computational graph: its value forward, its gradient backward.

    Parameters
    ----------
    data : float
        The number (finite).
    label : str, default ""
        A name for the node in traces and pictures (``"x"``); unnamed nodes are numbered.

    Attributes
    ----------
    data : float
        The value computed in the forward pass.
    grad : float
        ``d root / d self`` after ``root.backward()`` (0 before; gradients add up over
        calls of :meth:`backward` until :meth:`zero_grad`).
    op : str
        The operation that made the node: ``""`` for a leaf, ``"const"`` for a number
        taken into an operation, else ``"+"``, ``"-"``, ``"*"``, ``"/"``, ``"**"``,
        ``"neg"``, ``"exp"``, ``"log"``, ``"tanh"``, ``"sigmoid"``, ``"relu"`` or
        ``"rpow"`` (a number to the power of a node).
    inputs : tuple of Value
        The nodes the operation read, in order (a node used twice, ``x * x``, twice).
    local : tuple of float
        ``d self / d inputs[i]`` for each input, computed forward.
    param : float or None
        The exponent of ``"**"``, the base of ``"rpow"``; None otherwise.
    label : str
    """

    __slots__ = ("data", "grad", "inputs", "label", "local", "op", "param")

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__} {label!r}")
        self.data = _finite_number(data, f"Value {label!r}" if label else "Value")
        self.grad = 0.0
        self.op = ""
        self.inputs: tuple[Value, ...] = ()
        self.local: tuple[float, ...] = ()
        self.param: float | None = None
        self.label = label

    # -- errors -------------------------------------------------------------------------------
    def _overflowed(self) -> None:
        raise ArithmeticError(
            f"{self._describe()} overflowed: value {self.data!r}, local gradients "
            f"{list(self.local)!r}; scale the inputs down")

    def _describe(self) -> str:
        """The operation in words, with its inputs' values (for error messages)."""
        args = ", ".join(f"{_text(v)} = {v.data:g}" for v in self.inputs)
        param = "" if self.param is None else f", {self.param:g}"
        return f"{self.op}({args}{param})"

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "+")
        return _node(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __radd__(self, other: Number) -> Value:
        return _constant(other, "+") + self

    def __sub__(self, other: Value | Number) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "-")
        return _node(self.data - other.data, "-", (self, other), (1.0, -1.0))

    def __rsub__(self, other: Number) -> Value:
        return _constant(other, "-") - self

    def __mul__(self, other: Value | Number) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "*")
        return _node(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __rmul__(self, other: Number) -> Value:
        return _constant(other, "*") * self

    def __truediv__(self, other: Value | Number) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"division by zero: the divisor {_text(other)} of "
                f"{_text(self)} / {_text(other)} is 0")
        a, b = self.data, other.data
        out = a / b
        local = (1.0 / b, -out / b)  # -a / b**2 as -(a / b) / b: b * b underflows first
        if not (math.isfinite(out) and math.isfinite(local[0]) and math.isfinite(local[1])):
            divisor = f"{_text(other)} = {b:g}" if other.op not in ("", "const") \
                or other.label else f"{b:g}"
            raise OverflowError(
                f"division by a number too close to 0: the divisor {divisor} of "
                f"{_text(self)} / {_text(other)} makes the quotient {out:g} or its "
                f"gradients {local[0]:g}, {local[1]:g} overflow float range (|x| <= "
                f"{_FLOAT_MAX:.4g}); scale the inputs")
        return _node(out, "/", (self, other), local)

    def __rtruediv__(self, other: Number) -> Value:
        return _constant(other, "/") / self

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value):
            raise TypeError("the exponent of ** must be a number, got a Value; write "
                            "a ** b as (b * a.log()).exp() for a > 0")
        p = _finite_number(exponent, "the exponent of **")
        x = self.data
        name = _text(self)
        if x == 0.0 and p < 0:
            raise ZeroDivisionError(f"{name} ** {p:g}: 0 to a negative power")
        if x == 0.0 and 0.0 < p < 1.0:
            raise ValueError(f"{name} ** {p:g} at {name} = 0: its derivative there is "
                             "infinite")
        if x < 0.0 and not p.is_integer():
            raise ValueError(f"{name} ** {p:g}: a negative base {x:g} to a non-integer "
                             "power is not a real number")
        try:
            out = x ** p
        except OverflowError:
            out = math.inf
        try:  # apart: 5e-324 ** 0.01 is finite where its derivative is not
            local = p * x ** (p - 1.0) if p != 0.0 else 0.0
        except OverflowError:
            local = math.inf
        return _local_checked(_node(float(out), "**", (self,), (float(local),), param=p))

    def __rpow__(self, base: Number) -> Value:
        c = _finite_number(base, "the base of **")
        if c <= 0.0:
            raise ValueError(f"{c:g} ** {_text(self)}: the base of a number to the "
                             f"power of a Value must be positive, got {c:g}")
        try:
            out = c ** self.data
        except OverflowError:
            out = math.inf
        return _local_checked(_node(out, "rpow", (self,), (out * math.log(c),), param=c))

    def __neg__(self) -> Value:
        return _node(-self.data, "neg", (self,), (-1.0,))

    def __pos__(self) -> Value:
        return self

    # -- functions ----------------------------------------------------------------------------
    def exp(self) -> Value:
        """``e ** self``; local gradient ``e ** self`` (the output itself).

        Returns
        -------
        Value
            The new node, with this one as its input.
        """
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return _node(out, "exp", (self,), (out,))

    def log(self) -> Value:
        """Natural logarithm; local gradient ``1 / self``.  Refused for ``self <= 0``.

        Returns
        -------
        Value
            The new node, with this one as its input.
        """
        if self.data <= 0.0:
            raise ValueError(f"log of {_text(self)} = {self.data:g}: the logarithm "
                             "needs a positive number")
        return _local_checked(_node(math.log(self.data), "log", (self,), (1.0 / self.data,)))

    def tanh(self) -> Value:
        """Hyperbolic tangent; local gradient ``1 - tanh**2``.

        Returns
        -------
        Value
            The new node, with this one as its input.
        """
        t = math.tanh(self.data)
        return _node(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """Logistic ``1 / (1 + e ** -self)``; local gradient ``s (1 - s)``.

        Returns
        -------
        Value
            The new node, with this one as its input.
        """
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # no overflow of exp(-x) for very negative x
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, "sigmoid", (self,), (s * (1.0 - s),))

    def relu(self) -> Value:
        """``max(0, self)``; local gradient 1 where ``self > 0``, else 0.

        Returns
        -------
        Value
            The new node, with this one as its input.
        """
        x = self.data
        return _node(x if x > 0.0 else 0.0, "relu", (self,), (1.0 if x > 0.0 else 0.0,))

    # -- backward -----------------------------------------------------------------------------
    def backward(self) -> None:
        """Backpropagate from this node: ``self.grad += 1``, then every node in reverse
        topological order adds ``local * node.grad`` to each input's ``grad``.

        Gradients add up over calls (as in micrograd and PyTorch): call
        :meth:`zero_grad` first to start again.
        """
        order = topological_order(self)
        self.grad += 1.0
        for node in reversed(order):
            g = node.grad
            # inputs and local are as long as each other (each operation makes them so):
            # no strict=True, whose check per node costs a third of this loop
            for child, local in zip(node.inputs, node.local, strict=False):
                child.grad += local * g

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it was computed from."""
        for node in topological_order(self):
            node.grad = 0.0

    # -- display ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def _node(data: float, op: str, inputs: tuple[Value, ...], local: tuple[float, ...],
          param: float | None = None) -> Value:
    """The node an operation makes (its inputs were checked when they were made): refused
    if its output ``data`` overflowed."""
    node = object.__new__(Value)  # no __init__: nothing here is a user's number
    node.data, node.grad, node.op = data, 0.0, op
    node.inputs, node.local, node.param, node.label = inputs, local, param, ""
    if not math.isfinite(data):
        node._overflowed()
    return node


def _local_checked(node: Value) -> Value:
    """``node``, refused if one of its local gradients overflowed where its output did not
    (``d log(x)/dx = 1 / x`` of a tiny ``x``): for ``**``, ``log`` and ``rpow``."""
    for g in node.local:
        if not math.isfinite(g):
            node._overflowed()
    return node


def _constant(number: object, what: str) -> Value:
    """The number an operation takes (``2`` in ``2 * x``) as a node of op ``"const"``,
    checked as :class:`Value` checks a number (the error names the operation)."""
    node = Value(_finite_number(number, f"the number in {what}"))
    node.op = "const"
    return node


def _text(node: Value, depth: int = 3) -> str:
    """A node for an error message: its label, its number, or its operation on its inputs
    (``(x - 1)``), ``...`` below ``depth`` levels."""
    if node.label:
        return node.label
    if node.op in ("", "const"):
        return f"{node.data:g}"
    if depth == 0:
        return "..."
    args = [_text(v, depth - 1) for v in node.inputs]
    if node.op in ("+", "-", "*", "/"):
        return f"({args[0]} {node.op} {args[1]})"
    if node.op == "**":
        return f"{args[0]}**{node.param:g}"
    if node.op == "rpow":
        return f"{node.param:g}**{args[0]}"
    if node.op == "neg":
        return f"-{args[0]}"
    return f"{node.op}({args[0]})"


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` was computed from, and ``root``, each after all its inputs.

    The order of a depth-first search that visits each node's inputs left to right, with
    an explicit stack instead of recursion: a chain of 100,000 operations does not reach
    Python's recursion limit.  The top of the stack goes on to its first input not yet
    seen; once it has none, all its inputs are in ``order`` and it follows them.

    Parameters
    ----------
    root : Value

    Returns
    -------
    list of Value
        Each node once; ``root`` last.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__} {root!r}")
    order: list[Value] = []
    seen = {root}  # Values hash by identity
    stack = [root]
    while stack:
        node = stack[-1]
        for child in node.inputs:
            if child not in seen:
                seen.add(child)
                stack.append(child)
                break
        else:  # every input seen: in order already
            order.append(stack.pop())
    return order


# the unary functions by name, for the expression parser and the trace
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp, "log": Value.log, "tanh": Value.tanh,
    "sigmoid": Value.sigmoid, "relu": Value.relu,
}
