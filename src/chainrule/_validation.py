"""Checks of user input: every message names the argument, what was expected and what was given."""

from __future__ import annotations

import contextlib
import numbers
import os
import sys
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

import numpy as np

__all__ = [
    "check_bool",
    "check_data",
    "check_finite_array",
    "check_input_shape",
    "check_nonneg_float",
    "check_positive_float",
    "check_positive_int",
    "restored_on_error",
]


def _describe(x: object) -> str:
    return f"{x!r} ({type(x).__name__})"


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` as bool if it is True or False (NumPy's included).

    ``bool(value)`` would take any object: the string "false" (a JSON layer dict's
    ``"bias": "false"``) is True.
    """
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype == bool:
        return bool(value)  # np.array(True): a 0-d array holding a flag
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_path(value: object, name: str) -> str | os.PathLike:
    """Return ``value`` if it is a file path: a non-empty str, or an os.PathLike naming one.

    ``pathlib.Path`` would refuse anything else with a message that names no
    argument (an int), and takes ``""`` for the current folder.
    """
    text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a file path (str or os.PathLike), got {_describe(value)}")
    if not PurePath(text).name or text.endswith(("/", os.sep)):
        raise ValueError(f"{name} must be a file path, got {value!r} (no file name in it)")
    return value


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def _check_real(value: object, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, got {_describe(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be {what}, got {v}")
    return v


def check_nonneg_float(value: object, name: str) -> float:
    """Return ``value`` as float if it is finite and >= 0."""
    v = _check_real(value, name, "a finite float >= 0")
    if v < 0:
        raise ValueError(f"{name} must be a finite float >= 0, got {v}")
    return v


def check_positive_float(value: object, name: str) -> float:
    """Return ``value`` as float if it is finite and > 0."""
    v = _check_real(value, name, "a finite float > 0")
    if v <= 0:
        raise ValueError(f"{name} must be a finite float > 0, got {v}")
    return v


def data_dtype(data: object) -> np.dtype:
    """The float dtype a data helper returns for ``data``: float32 for float32, else float64.

    DESIGN: "the dtype of the data decides".  Helpers compute in float64 where
    it matters (eigenvectors, FFTs) and give float32 data back as float32.  A
    sequence (images of a list) is float32 when each of its arrays is.
    """
    dt = getattr(data, "dtype", None)
    if dt is None and isinstance(data, (list, tuple)) and data:
        kinds = {getattr(item, "dtype", None) for item in data}
        dt = kinds.pop() if len(kinds) == 1 else None
    return np.dtype(np.float32 if dt == np.float32 else np.float64)


def check_finite_array(
    x: object, name: str, dtype: np.dtype | type | None = None, ndim: int | None = None,
    sparse_note: str = "Network.predict, train and the estimators take sparse X",
) -> np.ndarray:
    """Convert to a numeric ndarray (no copy when possible) and refuse NaN/inf.

    Parameters
    ----------
    x : array-like
    name : str
        Argument name used in messages.
    dtype : dtype, optional
        Cast to this floating dtype.  ``None`` keeps a float dtype and turns
        anything else into float64.
    ndim : int, optional
        Required number of dimensions.
    sparse_note : str, optional
        What the message refusing a sparse matrix adds in parentheses after
        "pass {name}.toarray()": where sparse data is taken, or that the
        caller takes dense data only.
    """
    sparse = sys.modules.get("scipy.sparse")  # not imported: x cannot be a sparse matrix
    if sparse is not None and sparse.issparse(x):  # np.asarray would make a 0-d object array
        raise TypeError(
            f"{name} must be a dense array, got a sparse {type(x).__name__} of shape "
            f"{x.shape}; pass {name}.toarray() ({sparse_note})"
        )
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be a numeric array, could not convert: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if dtype is None:
        dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); at least one value is needed")
    _check_all_finite(arr, name)
    if arr.dtype != dtype:
        with np.errstate(over="ignore"):  # values beyond the target range become inf
            cast = np.asarray(arr, dtype=dtype)
        if not np.all(np.isfinite(cast)):
            big = float(np.max(np.abs(arr)))
            raise ValueError(
                f"{name} has values too large for {np.dtype(dtype).name} (largest magnitude "
                f"{big:g}, limit {np.finfo(dtype).max:g})"
            )
        arr = cast
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """Whether every entry is finite, in one pass and without a temporary array.

    A NaN or an infinity makes the sum NaN or infinite, so a finite sum proves
    every entry finite; only when the sum is not finite (or overflowed) are the
    entries looked at one by one.  For a contiguous float32/float64 array the sum
    is the sum of squares ``x . x`` by BLAS (a quarter of the time of NumPy's
    pairwise sum; the square of a NaN or infinity is NaN or infinite too).
    """
    if arr.dtype.kind != "f":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        if arr.dtype.char in "fd" and arr.flags.c_contiguous:
            flat = arr.reshape(-1)
            total = np.dot(flat, flat)
        else:
            total = np.add.reduce(arr, axis=None)
    return bool(np.isfinite(total)) or bool(np.all(np.isfinite(arr)))


def _check_all_finite(arr: np.ndarray, name: str) -> None:
    if not all_finite(arr):
        n = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {n} NaN or infinite value(s); all must be finite")


def check_sparse_layout(X: Any, shape: int | tuple[int, int, int], name: str = "X") -> None:
    """Refuse a sparse ``X`` whose rows do not fit an input of ``shape``, or that is empty.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_columns)
    shape : int or (channels, height, width)
        The network's input: features, or the image shape (flat rows of its pixels).
    name : str, default "X"
        The argument's name in the messages.

    Raises
    ------
    ValueError
        If the columns are not ``prod(shape)``, or there are no rows; the
        message names ``name``, what the input layer takes and the shape given.
    """
    size = int(np.prod(shape))
    if X.ndim != 2 or X.shape[1] != size:
        what = (f"{shape} features (columns)" if isinstance(shape, int) else
                f"rows of {size} pixel values (images of shape {shape})")
        raise ValueError(
            f"{name} must have {what} to match the network's input layer, got shape {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); at least one row is needed")


def check_data(
    X: object, n_features: int | tuple[int, ...], dtype: np.dtype, name: str = "X",
    sparse_note: str = "Network.predict, train and the estimators take sparse X",
) -> np.ndarray:
    """Validate inputs of shape (n_samples, n_features); a 1-D array is one example.

    ``n_features`` may also be an image shape (channels, height, width): see
    :func:`check_images`.  ``sparse_note`` is as in :func:`check_finite_array`.
    """
    if isinstance(n_features, tuple):  # images, for convolutional networks (conv.py)
        return check_images(X, n_features, dtype, name)
    arr = check_finite_array(X, name, dtype=dtype, sparse_note=sparse_note)
    if arr.ndim == 1:
        if arr.shape[0] != n_features:
            hint = " (for one feature, pass shape (n_samples, 1))" if n_features == 1 else ""
            raise ValueError(
                f"{name}: a 1-D array is read as one example with {n_features} features, "
                f"got length {arr.shape[0]}{hint}"
            )
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n_samples, {n_features}), got shape {arr.shape}"
        )
    if arr.shape[1] != n_features:
        raise ValueError(
            f"{name} must have {n_features} features (columns) to match the network's input "
            f"layer, got shape {arr.shape}"
        )
    return arr


# --- images (convolutional networks) ----------------------------------------------------------
def check_input_shape(value: object, name: str = "input_shape") -> int | tuple[int, ...]:
    """An input shape: an int (features) or a tuple (channels, height, width) of positive ints.

    A tuple of one int is read as that int.
    """
    if isinstance(value, (list, tuple)):
        dims = tuple(check_positive_int(v, f"{name}[{i}]") for i, v in enumerate(value))
        if len(dims) == 1:
            return dims[0]
        if len(dims) != 3:
            raise ValueError(
                f"{name} must be an int (features) or (channels, height, width), got {value!r}"
            )
        return dims
    return check_positive_int(value, name)


def check_images(
    X: object, shape: tuple[int, ...], dtype: np.dtype, name: str = "X"
) -> np.ndarray:
    """Validate images of shape (n_samples, *shape).

    Also accepted: one image of shape ``shape``, flattened rows of shape
    (n_samples, prod(shape)) in row-major (channel, row, column) order, as
    scikit-learn's 8x8 digits come, and one such row of shape (prod(shape),)
    (a 1-D array is one example, as for a Dense input); all are reshaped
    without copying.
    """
    arr = check_finite_array(X, name, dtype=dtype)
    size = int(np.prod(shape))
    if arr.shape[1:] == shape:
        return arr
    if arr.shape == shape or arr.shape == (size,):
        return arr.reshape(1, *shape)
    if arr.ndim == 2 and arr.shape[1] == size:
        return arr.reshape(arr.shape[0], *shape)
    expected = ", ".join(str(d) for d in shape)
    hint = ""
    if len(shape) == 3 and arr.ndim == 3 and shape[0] == 1 and arr.shape[1:] == shape[1:]:
        hint = f"; these look like images without their channel axis: pass {name}[:, None]"
    elif len(shape) == 3 and arr.ndim == 4 and arr.shape[1:] == (*shape[1:], shape[0]):
        hint = (f"; these look like images with their channels last: pass "
                f"{name}.transpose(0, 3, 1, 2)")
    raise ValueError(
        f"{name} must hold images of shape (n_samples, {expected}) (channels, height, width) "
        f"for the network's input layer, or rows of {size} pixel values, got shape "
        f"{arr.shape}{hint}"
    )


@contextlib.contextmanager
def restored_on_error(est: object, keep: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Put ``est``'s attributes back as they were if the block raises (but ``keep``).

    What a ``fit`` runs in, so that a fit failing on its input loses nothing:
    checks of the data and parameters come to light after some fitted
    attributes have been replaced (``classes_``, ``n_features_in_``, a new
    network), and putting them all back is the one place that covers every
    later check.  Lists are copied (a fit may extend one in place); other
    values are kept by reference, so a network trained further in place is
    not undone.  Errors of a type in ``keep`` leave the attributes as they are
    (a divergence keeps the run's record and its last good parameters).
    """
    saved = {k: list(v) if isinstance(v, list) else v for k, v in vars(est).items()}
    try:
        yield
    except keep:
        raise
    except BaseException:
        vars(est).clear()
        vars(est).update(saved)
        raise


class InvalidRandomState(ValueError, TypeError):
    """A ``random_state`` that is not a seed: a ValueError, and a TypeError as well.

    The autoencoders raised a TypeError for it before; both kinds catch it now.
    """


_SEED_LIMIT = 2**32  # the seeds numpy.random.RandomState takes: [0, 2**32 - 1]


def check_random_state_value(value: object, *, bools: bool = False) -> None:
    """Raise :class:`InvalidRandomState` naming ``random_state`` unless it is a seed.

    Accepted: None, an int in [0, 2**32 - 1] (Python's or NumPy's; a bool only with
    ``bools``, as scikit-learn takes it), a ``numpy.random.RandomState`` or a
    ``numpy.random.Generator``.  Nothing is drawn from a generator.

    Parameters
    ----------
    value : object
        The estimator's ``random_state``.
    bools : bool, default False
        Whether True / False pass as the seeds 1 / 0.
    """
    if value is None or isinstance(value, (np.random.RandomState, np.random.Generator)):
        return
    if isinstance(value, (bool, np.bool_)):
        if bools:
            return
    elif isinstance(value, numbers.Integral) and 0 <= value < _SEED_LIMIT:
        return
    raise InvalidRandomState(
        "random_state: expected None, an int in [0, 2**32 - 1], a numpy.random.RandomState "
        f"or a numpy.random.Generator, got {value!r}"
        + (" (a bool, which is no seed here)" if isinstance(value, (bool, np.bool_))
           else f" ({type(value).__name__})" if not isinstance(value, numbers.Number) else "")
    )


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as an int from 0 to 2**32 - 1 (what ``train_test_split``'s
    ``random_state`` takes), or a TypeError / ValueError naming ``name``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int from 0 to 2**32 - 1, got {seed!r} "
                        f"({type(seed).__name__})")
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"{name} must be an int from 0 to 2**32 - 1, got {seed}")
    return int(seed)


def check_int_sequence(value: object, name: str, example: str) -> list[int]:
    """``value`` as a non-empty list of ints >= 1 (hidden layer sizes), each checked by
    its place (``name[i]``); ``example`` shows the expected form in the message."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a sequence of ints >= 1 such as {example}, "
                        f"got {value!r} ({type(value).__name__})")
    sizes = [check_positive_int(v, f"{name}[{i}]") for i, v in enumerate(value)]
    if not sizes:
        raise ValueError(f"{name} must list at least one size such as {example}, got none")
    return sizes


def set_generator_state(bit_generator: np.random.BitGenerator, state: object, name: str) -> None:
    """Give ``bit_generator`` a saved ``state`` (its JSON record), or raise naming ``name``.

    NumPy's setter coerces what it is given (true, 1.5 and 1 are the same
    state to it, and a has_uint32 of -1 is kept), so the state must read back
    exactly as recorded; on an error the generator keeps its state.

    Raises
    ------
    ValueError
        If ``state`` is not a state of this kind of generator, with integers
        in their ranges.
    """
    kind = type(bit_generator).__name__
    if not isinstance(state, dict) or state.get("bit_generator") != kind:
        found = state.get("bit_generator") if isinstance(state, dict) else state
        raise ValueError(f"{name}: expected the state of a {kind} generator, found {found!r:.60}")
    before = bit_generator.state
    try:
        bit_generator.state = state
        if bit_generator.state != state or any(  # == also takes True for 1, 1.0 for 1
                type(a) is not type(b) for a, b in zip(_leaves(bit_generator.state),
                                                       _leaves(state), strict=True)) \
                or state.get("has_uint32", 0) not in (0, 1):
            raise ValueError("its values are not integers of their ranges")
    except (TypeError, ValueError, OverflowError) as exc:
        bit_generator.state = before
        raise ValueError(f"{name}: not a valid {kind} state ({exc}): {state!r:.120}") from None


def _leaves(record: object) -> list:
    """The values of a nested dict, in key order."""
    if isinstance(record, dict):
        return [leaf for key in sorted(record) for leaf in _leaves(record[key])]
    return [record]


def caller_outside_chainrule() -> int:
    """The ``stacklevel`` for a warning from the calling function that names the first frame
    outside the chainrule package, where one warning is reached by several public paths."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep  # not chainrule_x/ too
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level
