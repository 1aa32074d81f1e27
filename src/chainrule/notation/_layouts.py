"""How each layout writes a layer's matrix, and the checks that name a wrong one.

:func:`check_layer_chain` and :func:`check_not_one_matrix` refuse matrices
that do not make a network, in the words of the user's layout (transfer,
UFLDL or chainrule's own); :func:`_dense_layers` gives the layers that have a
matrix form.  Shared by :mod:`._weights`, :mod:`._gradients` and the trace's
network descriptions (:mod:`chainrule.tracing.spec`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..layers import Dense
from ..network import Network

__all__ = ["check_layer_chain", "check_not_one_matrix", "one_row_hint"]

# how each layout writes a layer's matrix: its shape, and where fan_in and fan_out are read
_LAYOUT_SHAPE = {
    "transfer": "(fan_in + 1, fan_out), the biases in the first row",
    "ufldl": "(fan_out, fan_in), rows = destination units",
    "chainrule": "(fan_in, fan_out)",
}


# the same, shortest: what a hint naming another layout says of its matrices
_SHORT_SHAPE = {"transfer": "(fan_in + 1, fan_out)", "ufldl": "(fan_out, fan_in)",
                "chainrule": "(fan_in, fan_out)"}


def _fans(shape: tuple[int, ...], layout: str) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a layer whose matrix in ``layout`` has ``shape``."""
    if layout == "transfer":
        return shape[0] - 1, shape[1]
    if layout == "ufldl":
        return shape[1], shape[0]
    return shape[0], shape[1]


def check_layer_chain(shapes: Sequence[tuple[int, ...]], name: str, layout: str,
                      how: str | None = None) -> None:
    """Refuse matrices whose layers do not connect, naming them in the user's layout.

    Parameters
    ----------
    shapes : sequence of tuple of int
        Shape of each layer's matrix as the user wrote it, input side first.
    name : str
        What the user called the list of matrices (``"mats"``, ``"Ws"``, ``"weights"``).
    layout : {"transfer", "ufldl", "chainrule"}
        How the matrices are written (see the module's notes).
    how : str, optional
        How the caller's user chooses a layout, ``{layouts}`` standing for the names
        (the trace's ``"written so, they need layout {layouts} (--layout on the command
        line)"``): given, a refusal of matrices that do connect in another layout names
        it and this way to choose it, the likely mistake being UFLDL matrices read as
        transfer ones (example B's without ``--layout ufldl``), or the other way round.

    Raises
    ------
    ValueError
        If a layer takes a number of inputs other than the outputs of the layer
        before it: says which matrix, what its shape means in ``layout`` and the
        shape it needs (a left-out bias row, or a matrix transposed, shows this way).
    """
    for i in range(1, len(shapes)):
        prev, shape = tuple(shapes[i - 1]), tuple(shapes[i])
        n_prev, n_out = _fans(prev, layout)[1], _fans(shape, layout)[1]
        n_in = _fans(shape, layout)[0]
        if n_in != n_prev:
            want = {"transfer": (n_prev + 1, n_out), "ufldl": (n_out, n_prev),
                    "chainrule": (n_prev, n_out)}[layout]
            message = (
                f"{name}[{i}] of shape {shape} takes {n_in} input(s), but {name}[{i - 1}] of "
                f"shape {prev} gives {n_prev} output(s); expected {name}[{i}] of shape {want}: "
                f"in the {layout} layout each matrix has shape {_LAYOUT_SHAPE[layout]}"
            )
            others = [o for o in _LAYOUT_SHAPE if o != layout and _connects(shapes, o)]
            if how is not None and others:
                read = " or ".join(f"{o} {_SHORT_SHAPE[o]}" for o in others)
                message += (f"; as {read} matrices they do connect: "
                            + how.format(layouts=" or ".join(others)))
            raise ValueError(message)


def one_row_hint(shapes: Sequence[tuple[int, ...]], i: int, name: str) -> str:
    """What to say of a transfer matrix ``name[i]`` with one row only (no weight row).

    Its likely cause is a matrix written as a row, ``[[-0.3, 0.5, 0.1]]`` for example A's
    output column: the hint names the rows the matrix needs (the bias row, then one per
    unit of the layer below) and, where the row has that many values, the transposed
    shape it should have.

    Parameters
    ----------
    shapes : sequence of tuple of int
        Shape of each matrix as the user wrote it, input side first; those before
        ``i`` have two rows or more.
    i : int
        The matrix with one row.
    name : str
        What the user called the list (``"mats"``, ``"weights"``).

    Returns
    -------
    str
        Text to append to the refusal, starting with ``"; "``.
    """
    shape = tuple(shapes[i])
    if i == 0:
        return (f"; it needs a bias row and one row per input of the network; written as a "
                f"column, shape ({shape[1]}, {shape[0]}), it would take {shape[1] - 1} input(s)"
                if shape[1] >= 2 else "; it needs a bias row and one row per input")
    n_prev = _fans(tuple(shapes[i - 1]), "transfer")[1]
    hint = (f"; {name}[{i - 1}] gives {n_prev} output(s), so {name}[{i}] needs {n_prev + 1} "
            f"rows (the bias row, then one per input)")
    if shape[1] == n_prev + 1:
        hint += (f": written as a row, it is the transpose of the matrix of shape "
                 f"({n_prev + 1}, {shape[0]}) it should be")
    return hint


def _connects(shapes: Sequence[tuple[int, ...]], layout: str) -> bool:
    """Whether matrices of these shapes make a chain of layers in ``layout``."""
    if layout == "transfer" and any(shape[0] < 2 for shape in shapes):
        return False  # a transfer matrix has its bias row and one weight row at least
    fans = [_fans(tuple(shape), layout) for shape in shapes]
    return all(fans[i][0] == fans[i - 1][1] for i in range(1, len(fans)))


def check_not_one_matrix(mats: object, name: str) -> None:
    """Refuse a single matrix where a list of matrices, one per layer, is expected.

    A network of one layer written as ``M`` rather than ``[M]`` was read as a list
    of 1-D rows and refused as "``name[0]`` must be 2-D", which named a row as a
    matrix.

    Raises
    ------
    ValueError
        If ``mats`` is a rectangular 2-D array of numbers with two rows or more (one
        row, ``[v]``, is as likely a list holding one vector, refused as such later).

    Parameters
    ----------
    mats : object
        What was given for the list of matrices.
    name : str
        Its argument name, for the message.
    """
    try:
        shape = np.shape(np.asarray(mats, dtype=np.float64))
    except (TypeError, ValueError, OverflowError):  # ragged, not numbers (an int past
        # float's range, 10**400): each matrix is checked later
        return
    if len(shape) == 2 and shape[0] >= 2:
        raise ValueError(
            f"{name} must be a list of matrices, one per layer, got a single matrix of shape "
            f"{shape}; for a network of one layer, put it in a list: [matrix]"
        )


def _dense_layers(net: Network) -> list[Dense]:
    layers = [layer for layer in net.layers if layer.param_specs()]
    for layer in layers:
        if not isinstance(layer, Dense):
            raise ValueError(
                f"only Dense layers have a transfer-matrix / UFLDL form, got {layer!r}"
            )
    return layers
