"""The checks of a layer's initial weights (private): what a callable ``init`` returns,
explicit weights given as ``init``, and a weight count an array can hold.

Used by Dense (:mod:`chainrule.layers`) and Conv2D (:mod:`chainrule.conv`);
:mod:`chainrule._layers_base` imports them under their old names.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_finite_array, number_text

__all__ = ["check_explicit_init", "check_init_result", "check_weight_count"]

def check_init_result(W: object, shape: tuple[int, ...], names: str) -> np.ndarray:
    """The weights a callable ``init`` returned, checked as explicit weights are.

    Parameters
    ----------
    W : object
        What ``init(rng, fan_in, fan_out)`` returned.
    shape : tuple of int
        The shape it must have, e.g. (fan_in, fan_out).
    names : str
        That shape in words, for the message, e.g. "(fan_in, fan_out)".

    Returns
    -------
    ndarray of shape ``shape``
        Finite numbers (float64 unless the callable returned floats).
    """
    try:
        W = check_finite_array(W, "init", ndim=len(shape))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"the callable init returned unusable weights: {exc}") from None
    if W.shape != shape:
        raise ValueError(
            f"init: the callable returned weights of shape {W.shape}, expected "
            f"{names} = {shape}"
        )
    return W


def _described(init: object, arr: np.ndarray | None) -> str:
    """``init`` in words for a message: its value and type, or an array's shape."""
    if arr is None or arr.ndim == 0:
        text = repr(init)
        text = text if len(text) <= 60 else text[:57] + "..."
        return text if init is None else f"{text} ({type(init).__name__})"
    kind = ("" if arr.dtype.kind in "biuf" else " of text" if arr.dtype.kind in "US"
            else f" of dtype {arr.dtype}")
    return f"an array{kind} of shape {arr.shape}"


def check_explicit_init(init: object, shape: tuple[int, ...], names: str,
                        what: str = "weights") -> np.ndarray:
    """The explicit weights given as a layer's ``init`` (neither a name nor a callable).

    Parameters
    ----------
    init : object
        What was given: an array-like of numbers is expected.
    shape : tuple of int
        The shape it must have, e.g. (fan_in, fan_out).
    names : str
        That shape in words, for the message, e.g. "(fan_in, fan_out)".
    what : str, default "weights"
        The weights' name in the message ("kernels" for a convolution).

    Returns
    -------
    ndarray of shape ``shape``
        Finite numbers, in the dtype ``check_finite_array`` gives.

    Raises
    ------
    TypeError
        ``init`` is not numbers (None, a dict, text in an array); the message names the
        accepted forms and the value given.
    ValueError
        A number, or an array of another number of dimensions (the same message), or of
        another shape, empty or not finite.
    """
    try:
        arr = np.asarray(init)
    except (TypeError, ValueError):  # a ragged list
        arr = None
    numbers = arr is not None and arr.dtype.kind in "biuf"
    if not numbers or arr.ndim != len(shape):
        raise (ValueError if numbers else TypeError)(
            f"init must be an initializer name (a str such as 'normal' or 'he_normal'), a "
            f"callable init(rng, fan_in, fan_out), or an array of the {what}' shape {names} "
            f"= {shape}; got {_described(init, arr)}"
        )
    W = check_finite_array(arr, "init", ndim=len(shape))
    if W.shape != shape:
        raise ValueError(f"init: explicit {what} must have shape {names} = {shape}, "
                         f"got {W.shape}")
    return W


def check_weight_count(shape: tuple[int, ...], names: str, itemsize: int = 8) -> None:
    """Refuse weights of ``shape`` that an array cannot hold, by name.

    NumPy would say "Maximum allowed dimension exceeded" (more entries than an index
    reaches) or "array is too big" (more bytes), naming no argument.  The weights are
    drawn in float64 whatever the layer's dtype, so the bytes are counted at ``itemsize``
    8 unless said otherwise.

    Parameters
    ----------
    shape : tuple of int
        The weights' shape, e.g. (fan_in, fan_out).
    names : str
        The arguments giving it, for the message, e.g. "fan_in x fan_out".
    itemsize : int, default 8
        Bytes per weight.

    Raises
    ------
    ValueError
        More than ``np.iinfo(np.intp).max`` entries, or bytes.
    """
    limit = np.iinfo(np.intp).max
    count = math.prod(shape)
    if count > limit:
        sizes = " x ".join(number_text(size) for size in shape)
        raise ValueError(f"{names}: {sizes} weights, more than an array holds ({limit} "
                         "entries)")
    if count * itemsize > limit:
        sizes = " x ".join(str(size) for size in shape) + (f" = {count}" if len(shape) > 1 else "")
        raise ValueError(f"{names}: {sizes} weights, {count * itemsize} bytes "
                         f"({count * itemsize / 2**30:.3g} GiB at {itemsize} bytes each), more "
                         f"than an array holds ({limit} bytes)")
