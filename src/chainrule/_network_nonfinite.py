"""A pass whose outputs come out NaN or infinite from parameters made so in place.

``layer.W -= np.inf`` writes into the network's parameter vector before the setter's
check refuses it (robust21), and the next :meth:`~chainrule.network.Network.predict`
refuses the network naming the layer and parameter.  Its pass printed NumPy's matmul
``RuntimeWarning`` (overflow, invalid value) before that error; :func:`checked_pass`
runs the pass with NumPy's floating-point errors recorded instead of reported
(``np.errstate(call=...)``, for this call and thread only), so that the refusal comes
alone, and runs it again under the caller's own settings where no refusal follows: a
finite network whose outputs overflow warns (or raises, under ``np.errstate(all="raise")``)
as it did.

BatchNorm's running statistics made NaN or infinite in place (``bn.running_mean[0] =
np.nan``, or a training-mode step of a loop of one's own on rows that were not finite;
``bn.running_var`` negative too) are named the same way, layer and buffer, by
:func:`check_buffers`, which :meth:`Network._check_params_finite` calls once the
parameters are found finite: as a run starts, where a save would write them, and where
a pass's outputs are not finite, a floating-point error was recorded, or
:func:`buffers_finite` (one dot product a BatchNorm layer, every pass; each buffer
looked at only where that product is not finite, so that huge finite statistics cost no
second pass) says a buffer is not finite: an infinite running variance normalises every
row to ``beta`` (1 / sqrt(inf) = 0), a finite output as wrong as a NaN.

Both refusals name the array as the user can type it: ``net.layers[i].W`` for a network,
and inside :func:`naming` (an estimator's predict, score, save and fit) from the handle
the user holds, ``est.network_.layers[i].W``, with the estimator's own view of it
(``est.coefs_[k]``, ``est.intercepts_[k]``) to set it again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from ._layers_base import Layer

_NO_BUFFERS = Layer.buffers  # the method of the layers that have none

# (the network's handle, {(layer index, array name): the owner's view}) inside naming()
_HANDLE: ContextVar[tuple[str, Mapping[tuple[int, str], str]] | None] = ContextVar(
    "chainrule_network_handle", default=None)


@contextmanager
def naming(handle: str, views: Mapping[tuple[int, str], str]) -> Iterator[None]:
    """Inside it, the refusals of NaN parameters and running statistics name the network
    ``handle`` (``"est.network_"``), and a parameter of ``views`` by its view there too.

    Parameters
    ----------
    handle : str
        How the user reaches the network (``"est.network_"``).
    views : mapping of (int, str) to str
        ``(i, "W")`` -> ``"est.coefs_[k]"``: the owner's name for layer ``i``'s array.
    """
    token = _HANDLE.set((handle, views))
    try:
        yield
    finally:
        _HANDLE.reset(token)


def array_words(i: int, layer: Layer, name: str, method: str,
                of_layer: bool) -> tuple[str, str, str]:
    """How a refusal names layer ``i``'s array ``name``, writes into it, and sets it again.

    Parameters
    ----------
    i : int
        The layer's index in the network.
    layer : Layer
    name : str
        The parameter's or the buffer's name ("W", "running_mean").
    method : str
        The method that sets it again, ``"set_params(...)"``.
    of_layer : bool
        Whether ``method`` is the layer's (``set_buffers``), not the network's.

    Returns
    -------
    where : str
        ``"net.layers[0].W (Dense)"``, or inside :func:`naming`
        ``"est.network_.layers[0].W (Dense, est.coefs_[0])"``.
    written : str
        ``"layer.W"``, or the owner's view (``"est.coefs_[0]"``) where it has one.
    again : str
        ``"layer.W = ..., net.set_params(...)"``, or from the handle.
    """
    kind = type(layer).__name__
    named = _HANDLE.get()
    if named is None:
        owner = "layer" if of_layer else "net"
        return (f"net.layers[{i}].{name} ({kind})", f"layer.{name}",
                f"layer.{name} = ..., {owner}.{method}")
    handle, views = named
    full = f"{handle}.layers[{i}].{name}"
    owner = f"{handle}.layers[{i}]" if of_layer else handle
    view = views.get((i, name))
    if view is None:
        return f"{full} ({kind})", full, f"{full} = ..., {owner}.{method}"
    return f"{full} ({kind}, {view})", view, f"{view} = ..., {owner}.{method}"


def checked_pass(net: Any, doing: str, run: Callable[[], np.ndarray]) -> np.ndarray:
    """``run()``, the outputs of a pass of ``net`` without side effects, checked.

    Parameters
    ----------
    net : Network
        The network the pass runs through.
    doing : str
        What the refusal is of ("predict", "forward").
    run : callable
        The pass: returns the outputs, of shape (n_samples, n_outputs), and changes
        nothing but the layers' arrays of the pass (so that running it again gives the
        same numbers).

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        What ``run()`` returns.

    Raises
    ------
    ValueError
        Where the outputs are not all finite or a floating-point error occurred, and a
        parameter holds NaN or an infinity (:meth:`Network._check_params_finite`, one
        dot product of the parameter vector), or a running statistic NaN, an infinity
        or a negative variance (:func:`check_buffers`), with no NumPy warning before it.
    """
    seen: list[str] = []
    # the errors the caller has NumPy report (over, invalid, divide; underflow is ignored
    # by default) are recorded instead; one ignored stays so, as nothing is to be repeated
    modes = {kind: "ignore" if mode == "ignore" else "call" for kind, mode in np.geterr().items()}
    with np.errstate(call=lambda kind, flag: seen.append(kind), **modes):
        out = run()
        # running statistics made infinite give finite outputs (1 / sqrt(inf) = 0: every
        # row normalised to beta; tanh of x - inf): looked at on every pass (one dot product
        # a BatchNorm layer); the errors of that quick test are its own, not the pass's:
        # forgotten (huge finite statistics, whose product overflows, ran the pass twice)
        done = len(seen)
        spoiled = not buffers_finite(net)
        del seen[done:]
    if seen or spoiled or not np.isfinite(out).all():
        # layer.W -= np.inf, bn.running_mean[0] = np.nan: refused, naming it
        net._check_params_finite(doing)
        if seen:  # finite parameters: NumPy's own warnings (or error), as the caller set them
            out = run()
    return out


def buffers_finite(net: Any) -> bool:
    """Whether every buffer of ``net``'s layers is finite, or may be (a quick test).

    One dot product a layer with buffers (BatchNorm: ``running_mean . running_var``, the
    variance not negative where it is valid; another layer's: each buffer's sum of
    squares), finite where every entry is, NaN or infinite where one is not (an infinite
    variance times a mean of 0 is NaN); where it is not finite, each buffer is looked at
    entry by entry (``np.isfinite``), so that finite values whose product overflows
    (|mean| var past the largest float) say True.  Called inside :func:`checked_pass`'s
    ``errstate``: the dot product's floating-point errors are recorded, not reported (and
    then forgotten there).

    Parameters
    ----------
    net : Network

    Returns
    -------
    bool
    """
    for layer in net.layers:
        if type(layer).buffers is _NO_BUFFERS:  # Dense, Conv2D, ...: no dict made
            continue
        values = tuple(layer.buffers().values())
        if not values:
            continue
        if len(values) == 2 and values[0].ndim == 1 and values[0].shape == values[1].shape:
            total = np.dot(*values)  # BatchNorm's
        else:  # a layer of one's own: the sum of squares of each
            total = sum(np.vdot(v, v) for v in values)
        if not math.isfinite(total) and not all(np.isfinite(v).all() for v in values):
            return False  # (a finite total: every entry finite, without a look at each)
    return True


def check_buffers(net: Any, doing: str) -> None:
    """Refuse running statistics that no pass can use, naming the layer and the buffer.

    A buffer (BatchNorm's ``running_mean``, ``running_var``) is written in place by a
    training-mode pass and by ``bn.running_mean[...] = ...``, past the setters' and
    :meth:`~chainrule.BatchNorm.set_buffers`' checks: NaN or an infinity there, or a
    negative ``running_var``, made every evaluation-mode output of its rows NaN (or the
    same for all of them), and a saved file that every reader refuses as corrupted.

    Parameters
    ----------
    net : Network
    doing : str
        What was refused ("train", "predict", "m.npz: not written"), for the message.

    Raises
    ------
    ValueError
        Naming ``net.layers[i].<buffer>``, how many of its values are not valid, the
        first of them, and how to set it again; nothing of the network changes.
    """
    for i, layer in enumerate(net.layers):
        for name, values in layer.buffers().items():
            values = np.asarray(values)
            bad, what = invalid_entries(name, values)
            count = np.count_nonzero(bad)
            if count:
                where, written, again = array_words(i, layer, name, "set_buffers(...)", True)
                raise ValueError(
                    f"{doing}: {where} holds {count} "
                    f"{what} value(s) of {values.size} (the first: {values[bad][0]}), "
                    f"written into it since it was set (an in-place "
                    f"{written}[...] = ..., or a training-mode step of a loop of your own "
                    f"on values that were not finite, writes into the running statistics "
                    f"before any check); set valid values again ({again}) first")


def invalid_entries(name: str, values: np.ndarray) -> tuple[np.ndarray, str]:
    """The entries of the buffer ``name`` no pass can use, and what they are, in words.

    NaN and infinities, and in a ``running_var`` negative values too (``sqrt(var +
    eps)`` of one is NaN; :meth:`~chainrule.BatchNorm.set_buffers` refuses them).

    Parameters
    ----------
    name : str
        The buffer's name (or an array's name in a file, ``buffer/1/running_var``).
    values : ndarray

    Returns
    -------
    bad : ndarray of bool, of the shape of ``values``
    what : str
        "NaN or infinite", "negative" or "NaN, infinite or negative".
    """
    bad = ~np.isfinite(values)
    if not name.endswith("running_var") or values.dtype.kind != "f":
        return bad, "NaN or infinite"
    negative = values < 0  # (NaN < 0 is False, without a warning)
    if not negative.any():
        return bad, "NaN or infinite"
    return bad | negative, "negative" if not bad.any() else "NaN, infinite or negative"
