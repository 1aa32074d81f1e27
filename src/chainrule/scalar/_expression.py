"""Build a scalar graph from text, ``"q = x + y; f = q * z"``, without ``eval``.

The text is parsed by Python's :mod:`ast` and walked node by node; only a whitelist is
built: numbers, names given values, ``+ - * / **`` (the exponent a number, or a number
to the power of an expression), unary ``-`` and ``+``, and the calls ``exp``, ``log``,
``tanh``, ``sigmoid``, ``relu`` of one argument.  Statements ``name = expression``
name intermediate nodes; the last statement (an assignment or an expression) is the
root.  Anything else is refused with its name.
"""

from __future__ import annotations

import ast
import keyword
import math

from ._value import FUNCTIONS, Value

__all__ = ["build", "parse_values"]

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
MAX_LENGTH = 10_000  # characters of an expression


def _refuse(node: ast.AST, what: str) -> ValueError:
    col = getattr(node, "col_offset", None)
    at = f" (column {col + 1})" if col is not None else ""
    return ValueError(f"EXPR: {what}{at}; allowed: numbers, the names given values, "
                      "+ - * / ** (a number exponent), unary -, " + ", ".join(FUNCTIONS)
                      + " of one argument, and 'name = ...' statements separated by ';'")


def _number(node: ast.AST) -> float | None:
    """The value of a number literal (or ``-number``), else None."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = sign * float(node.value)
        if not math.isfinite(value):
            raise _refuse(node, f"the number {node.value!r} is not finite")
        return value
    return None


class _Builder:
    def __init__(self, names: dict[str, Value]) -> None:
        self.names = dict(names)
        self.used: set[str] = set()

    def value(self, node: ast.AST) -> Value | float:
        number = _number(node)
        if number is not None:
            return number
        if isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise _refuse(node, f"the function {node.id!r} must be called")
            if node.id not in self.names:
                raise _refuse(node, f"unknown name {node.id!r} (give it a value: "
                                    f"--values {node.id}=..., or assign it first)")
            self.used.add(node.id)
            return self.names[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            op = _BINARY[type(node.op)]
            left, right = self.value(node.left), self.value(node.right)
            if op == "**":
                if isinstance(right, Value):
                    if isinstance(left, Value):
                        raise _refuse(node.right, "the exponent of ** must be a number")
                    return left ** right  # a number to the power of a node (rpow)
                if not isinstance(left, Value):
                    return _fold(node, left, right, op)
                return left ** right
            if not isinstance(left, Value) and not isinstance(right, Value):
                return _fold(node, left, right, op)
            a = left if isinstance(left, Value) else Value(left)
            if not isinstance(left, Value):  # number op node: the number a constant
                a.op = "const"
            return {"+": a.__add__, "-": a.__sub__, "*": a.__mul__,
                    "/": a.__truediv__}[op](right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.value(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner
            return -inner
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                raise _refuse(node, f"the call of {ast.unparse(func)!r}")
            if func.id not in FUNCTIONS:
                raise _refuse(func, f"unknown function {func.id!r}")
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise _refuse(node, f"{func.id} takes one argument, got "
                                    f"{ast.unparse(node)!r}")
            arg = self.value(node.args[0])
            if not isinstance(arg, Value):
                arg = Value(arg)
                arg.op = "const"
            return FUNCTIONS[func.id](arg)
        if isinstance(node, ast.Constant):
            raise _refuse(node, f"the constant {node.value!r} (only int and float numbers)")
        what = type(node).__name__
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            what = f"the operator {type(node.op).__name__}"
        if isinstance(node, ast.Attribute):
            what = f"the attribute {ast.unparse(node)!r}"
        raise _refuse(node, f"{what} is not allowed")


def _fold(node: ast.AST, a: float, b: float, op: str) -> float:
    """Arithmetic of two numbers (``2 * 3``): a number, no node."""
    try:
        out = {"+": a + b, "-": a - b, "*": a * b}.get(op)
        if out is None:
            out = a / b if op == "/" else a ** b
    except (ZeroDivisionError, OverflowError) as exc:
        raise _refuse(node, f"{ast.unparse(node)!r}: {exc}") from None
    if not isinstance(out, float) or not math.isfinite(out):
        raise _refuse(node, f"{ast.unparse(node)!r} is no finite real number")
    return out


def _nested(builder: _Builder, node: ast.AST) -> Value | float:
    """``builder.value(node)``, an expression nested beyond Python's stack refused."""
    try:
        return builder.value(node)
    except RecursionError:
        raise ValueError("EXPR: too deeply nested") from None


def parse_values(text: str, option: str = "--values") -> dict[str, float]:
    """``"x=-2,y=5,z=-4"`` -> ``{"x": -2.0, "y": 5.0, "z": -4.0}``.

    Parameters
    ----------
    text : str
        Comma-separated ``name=number`` pairs; the names identifiers, none twice.
    option : str
        The name errors give the text.

    Returns
    -------
    dict
    """
    values: dict[str, float] = {}
    for part in text.split(","):
        name, eq, number = (s.strip() for s in part.partition("="))
        if not eq or not name:
            raise ValueError(f"{option} takes name=number pairs separated by commas "
                             f"(x=-2,y=5), got {part.strip()!r} in {text!r}")
        if not name.isidentifier() or keyword.iskeyword(name) or name in FUNCTIONS:
            raise ValueError(f"{option}: {name!r} cannot name a value (a Python identifier, "
                             f"not a keyword nor one of {', '.join(FUNCTIONS)})")
        if name in values:
            raise ValueError(f"{option}: {name!r} is given twice")
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"{option}: {name}={number!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{option}: {name}={number} must be a finite number")
        values[name] = value
    return values


def build(expr: str, values: dict[str, float], root_label: str = "f") -> Value:
    """The graph of ``expr`` with ``values`` as its inputs (one leaf each, labelled by name).

    Parameters
    ----------
    expr : str
        ``"(x + y) * z"``, or statements ``"q = x + y; f = q * z"`` (the last the root).
    values : dict
        The inputs: name -> number.  Every one must be used.
    root_label : str, default "f"
        The root's label when the last statement is a bare expression.

    Returns
    -------
    Value
        The root; the assigned names label their nodes.

    Raises
    ------
    ValueError
        A construct, name or function outside the whitelist, an input not used.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError(f"EXPR must be a non-empty expression, got {expr!r}")
    if len(expr) > MAX_LENGTH:
        raise ValueError(f"EXPR: at most {MAX_LENGTH:,} characters, got {len(expr):,}")
    try:
        tree = ast.parse(expr.strip(), mode="exec")
    except (RecursionError, MemoryError):
        raise ValueError("EXPR: too deeply nested") from None
    except SyntaxError as exc:
        raise ValueError(f"EXPR: not an expression ({exc.msg}, column {exc.offset}): "
                         f"{expr!r}") from None
    builder = _Builder({name: Value(v, name) for name, v in values.items()})
    root: Value | float | None = None
    for i, stmt in enumerate(tree.body):
        last = i == len(tree.body) - 1
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name in FUNCTIONS or name in builder.names:
                raise _refuse(stmt, f"{name!r} is already a function or a value")
            root = _nested(builder, stmt.value)
            if isinstance(root, Value) and not root.label:
                root.label = name  # an input or a name already given keeps its label
            builder.names[name] = root if isinstance(root, Value) else Value(root, name)
        elif isinstance(stmt, ast.Expr) and last:
            root = _nested(builder, stmt.value)
            if isinstance(root, Value) and not root.label:
                root.label = root_label
        else:
            raise _refuse(stmt, f"the statement {type(stmt).__name__} is not allowed"
                          + (" (a bare expression only last)" if isinstance(stmt, ast.Expr)
                             else ""))
    unused = [name for name in values if name not in builder.used]
    if unused:
        raise ValueError(f"--values gives {', '.join(map(repr, unused))}, which EXPR does "
                         f"not use: {expr!r}")
    if not isinstance(root, Value):
        raise ValueError(f"EXPR: {expr!r} uses no value: nothing to differentiate")
    return root
