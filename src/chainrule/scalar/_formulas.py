"""Names and formulas of a graph's nodes: what a trace prints and a picture writes.

Leaves keep their label (``x``), unnamed results are numbered ``n1, n2, ...`` in forward
order; numbers taken into an operation (``2 * x``) are no nodes of their own and are
written in place.  Each operation has its formula (``q * z``) and the formula of its
local gradient with respect to each input (``d(q * z)/dq = z``).
"""

from __future__ import annotations

from ._value import Value

__all__ = ["formula", "local_formulas", "node_names", "number"]


def number(value: float, digits: int = 6) -> str:
    """``value`` to ``digits`` significant digits (``-0.0`` as ``0``)."""
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def node_names(order: list[Value]) -> dict[int, str]:
    """A distinct name per node (by ``id``): its label, or ``n1, n2, ...`` (an unnamed
    root ``f``); a number taken into an operation (``op == "const"``) is named by its value.

    Parameters
    ----------
    order : list of Value
        The graph's nodes in topological order (the root last).

    Returns
    -------
    dict
        ``id(node)`` -> name; a label given twice gets ``_2``, ``_3``, ... on its later nodes.
    """
    names: dict[int, str] = {}
    used = {node.label for node in order if node.label and node.op != "const"}
    taken: set[str] = set()
    k = 0
    for node in order:
        if node.op == "const":
            names[id(node)] = number(node.data, 17)
            continue
        base = node.label
        if not base and node is order[-1] and "f" not in used:
            base = "f"  # an unnamed root: cs231n's f
        if not base:
            k += 1
            base = f"n{k}"
            while base in used:
                k += 1
                base = f"n{k}"
        name, j = base, 2
        while name in taken:
            name, j = f"{base}_{j}", j + 1
        taken.add(name)
        names[id(node)] = name
    return names


def _paren(text: str) -> str:
    """A negative number or a compound term in parentheses, inside a larger formula."""
    return f"({text})" if text.startswith("-") or " " in text else text


def formula(node: Value, ref: dict[int, str]) -> str:
    """The operation of ``node`` on its inputs, each written as ``ref`` gives it.

    Parameters
    ----------
    node : Value
        A node made by an operation (``node.op`` not ``""`` nor ``"const"``).
    ref : dict
        ``id(input)`` -> how to write it: its name, or its value as a number.

    Returns
    -------
    str
        ``"x + y"``, ``"q * z"``, ``"exp(n1)"``, ``"n2**2"``, ...
    """
    args = [_paren(ref[id(v)]) for v in node.inputs]
    a = args[0]
    op = node.op
    if op in ("+", "-", "*", "/"):
        return f"{a} {op} {args[1]}"
    if op == "**":
        return f"{a}**{_paren(number(node.param, 17))}"
    if op == "rpow":
        return f"{_paren(number(node.param, 17))}**{a}"
    if op == "neg":
        return f"-{a}"
    return f"{op}({ref[id(node.inputs[0])]})"


def local_formulas(node: Value, names: dict[int, str]) -> list[str]:
    """The formula of ``d node / d input`` for each input, in the inputs' names.

    Parameters
    ----------
    node : Value
    names : dict
        ``id(node)`` -> name, from :func:`node_names`.

    Returns
    -------
    list of str
        One per input: ``["1", "1"]`` for ``x + y``, ``["z", "q"]`` for ``q * z``, ...
    """
    args = [_paren(names[id(v)]) for v in node.inputs]
    a = args[0]
    op = node.op
    if op == "+":
        return ["1", "1"]
    if op == "-":
        return ["1", "-1"]
    if op == "*":
        return [names[id(node.inputs[1])], names[id(node.inputs[0])]]
    if op == "/":
        return [f"1/{args[1]}", f"-{a}/{args[1]}**2"]
    if op == "**":
        p = node.param
        return [f"{number(p, 17)}*{a}**{_paren(number(p - 1.0, 17))}"]
    if op == "rpow":
        return [f"{_paren(names[id(node)])}*log({_paren(number(node.param, 17))})"]
    if op == "neg":
        return ["-1"]
    out = _paren(names[id(node)])  # exp, tanh and sigmoid: from their output
    return [{"exp": out,
             "log": f"1/{a}",
             "tanh": f"1 - {out}**2",
             "sigmoid": f"{out}*(1 - {out})",
             "relu": f"[{names[id(node.inputs[0])]} > 0]"}[op]]
