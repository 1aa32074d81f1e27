"""Checks of user input: every message names the argument, what was expected and what was given.

The checks of scalar settings (flags, counts, rates, paths, seeds, input shapes) and
of the state a fit or a run restores live here; those of arrays (numbers, all
finite, the float dtype: ``_validation_arrays``) and of a network's input data
(rows or images of the input layer's shape: ``_validation_data``) each in a module
of their own, and importable from here as before.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import PurePath

import numpy as np

from ._validation_arrays import _check_all_finite as _check_all_finite
from ._validation_arrays import all_finite as all_finite
from ._validation_arrays import check_finite_array
from ._validation_arrays import data_dtype as data_dtype
from ._validation_data import check_data
from ._validation_data import check_images as check_images
from ._validation_data import check_sparse_layout as check_sparse_layout

__all__ = [
    "check_bool",
    "check_data",
    "check_finite_array",
    "check_float_dtype",
    "check_input_shape",
    "check_nonneg_float",
    "check_positive_float",
    "check_positive_int",
    "restored_on_error",
]


def _describe(x: object) -> str:
    return f"{x!r} ({type(x).__name__})"


def number_text(value: object) -> str:
    """``repr(value)`` for a message, or "an int of about 10^N" for an int past float's
    range (``10**400``): such an int is no finite float, and repr() of one past 4300
    digits raises a ValueError of its own."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            sign = "-" if value < 0 else ""
            return f"an int of about {sign}10^{int(int(value).bit_length() * 0.30103)}"
    return repr(value)


def shown_value(value: object, limit: int = 80) -> str:
    """``value``'s repr for a message (:func:`number_text`), on one line (an array's), cut
    short past ``limit`` characters: its first ``limit - 4``, then " ..."."""
    import re

    try:
        text = re.sub(r"\n\s*", " ", number_text(value))
    except Exception:  # a repr that fails: the type alone
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def given_value(value: object) -> str:
    """``value`` as a refusal shows what was given: its repr (:func:`shown_value`) and its
    type, ``'5' (str)``, ``3 (int)`` (an int past float's range as :func:`number_text`
    words it, "an int of about 10^400", which names its type)."""
    text = shown_value(value)
    return text if text.startswith("an int of about") else f"{text} ({type(value).__name__})"


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
    argument (an int), and takes ``""`` for the current folder.  A path that ends
    in a folder (``"out/"``, ``"."``, ``".."``) names no file either: ``".npz"``
    appended to ``".."`` would write ``"...npz"`` in the current folder.
    """
    text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a file path (str or os.PathLike), got {_describe(value)}")
    if PurePath(text).name in ("", "..") or text.endswith(("/", os.sep)):
        raise ValueError(f"{name} must be a file path, got {value!r} (no file name in it)")
    return value


def check_float_dtype(value: object, name: str = "dtype") -> np.dtype:
    """``value`` as a NumPy dtype that is float32 or float64.

    Raises
    ------
    TypeError
        If NumPy reads no dtype from ``value`` (``"nonsense"``), naming ``name``.
    ValueError
        If the dtype is another (int32, float16).
    """
    try:
        dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64, got {value!r}, which is not a "
                        "NumPy dtype") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64, got {dtype}")
    return dtype


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_length(value: object, name: str, minimum: int = 1) -> int:
    """:func:`check_positive_int` for a schedule's length (T_max, total_iters, ...), which
    its rate divides by: an int past float's range (``10**400``) is refused by name
    rather than raising an OverflowError in the middle of training."""
    value = check_positive_int(value, name, minimum)
    if value > sys.float_info.max:  # compared exactly: no float() of the int
        raise ValueError(f"{name} must be an int >= {minimum} that a float holds, got "
                         f"{number_text(value)}")
    return value


def _check_real(value: object, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, got {_describe(value)}")
    try:
        v = float(value)
    except OverflowError:  # an int past float's range (10**400): not finite either
        raise ValueError(f"{name} must be {what}, got {number_text(value)}, beyond the "
                         "float range") from None  # number_text: no str() of 4300 digits
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


def check_input_shape(value: object, name: str = "input_shape") -> int | tuple[int, ...]:
    """An input shape: an int (features) or a tuple (channels, height, width) of positive ints.

    A tuple of one int is read as that int.
    """
    if isinstance(value, (list, tuple)):
        dims = tuple(check_positive_int(v, f"{name}[{i}]") for i, v in enumerate(value))
        if len(dims) == 1:
            return _array_size(dims[0], name)
        if len(dims) != 3:
            raise ValueError(
                f"{name} must be an int (features) or (channels, height, width), got {value!r}"
            )
        _array_size(dims[0] * dims[1] * dims[2], name)
        return dims
    return _array_size(check_positive_int(value, name), name)


def _array_size(n: int, name: str) -> int:
    """``n`` (the entries of one example) if an array can hold that many; a ValueError
    naming ``name`` otherwise (10**400 features were refused as the first layer's
    "fan_in x fan_out", or as "the layer before it gives 1000...0 outputs")."""
    limit = int(np.iinfo(np.intp).max)
    if n > limit:
        raise ValueError(f"{name}: {number_text(n)} entries per example, more than an array "
                         f"holds ({limit} entries)")
    return n


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


def _define_invalid_parameter() -> None:
    """Define :class:`InvalidParameter` and :class:`InvalidRandomState` on first use.

    They subclass scikit-learn's ``InvalidParameterError`` (a ValueError and a TypeError)
    where its private ``sklearn.utils._param_validation`` has it, else those two built-in
    classes.  Defined on first use (the module's ``__getattr__``): ``import chainrule``
    imports no scikit-learn (about a third of its import time), and the estimators,
    which import it anyway, ask for the classes as they are imported.
    """
    global InvalidParameter, InvalidRandomState
    bases: tuple[type, ...] = (ValueError, TypeError)
    try:
        from sklearn.utils._param_validation import InvalidParameterError
    except ImportError:  # a scikit-learn without it: the two built-in classes
        pass
    else:
        if issubclass(InvalidParameterError, ValueError) and issubclass(
                InvalidParameterError, TypeError):
            bases = (InvalidParameterError,)

    class InvalidParameter(*bases):
        """An estimator's setting of the wrong type or value: a subclass of scikit-learn's
        ``InvalidParameterError``, and so a ValueError and a TypeError as well.

        Code written for scikit-learn's MLP (``pytest.raises(InvalidParameterError)``, the
        estimator check ``check_param_validation``) catches it, and code written for
        either library catches it as the one or the other.  (With a scikit-learn whose
        private ``sklearn.utils._param_validation`` lacks that class, it is a ValueError
        and a TypeError.)
        """

    class InvalidRandomState(InvalidParameter):
        """A ``random_state`` that is not a seed: a ValueError, and a TypeError as well.

        The autoencoders raised a TypeError for it before; both kinds catch it now, and
        :class:`InvalidParameter`, which the estimators raise for their other settings.
        """

    for cls in (InvalidParameter, InvalidRandomState):
        cls.__module__ = __name__  # pickled and shown as chainrule._validation's
        cls.__qualname__ = cls.__name__


_DEFINING = threading.Lock()  # two threads' first use defines the classes once


def __getattr__(name: str) -> type:
    """:class:`InvalidParameter` and :class:`InvalidRandomState`, defined on first use."""
    if name in ("InvalidParameter", "InvalidRandomState"):
        with _DEFINING:
            if name not in globals():
                _define_invalid_parameter()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parameter_message(owner: str, name: str, expected: str, value: object,
                      more: str = "") -> str:
    """scikit-learn's words for a parameter of the wrong type or value: "The 'alpha'
    parameter of MLPClassifier must be a float in the range [0.0, inf). Got -1.0 instead."
    (``value`` shown by :func:`shown_value`), then ``more``, what else the refusal says."""
    return (f"The {name!r} parameter of {owner} must be {expected}. Got "
            f"{shown_value(value)} instead.{more}")


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
    raise __getattr__("InvalidRandomState")(
        "random_state: expected None, an int in [0, 2**32 - 1], a numpy.random.RandomState "
        f"or a numpy.random.Generator, got {number_text(value)}"
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
    if _keys(state) != _keys(before):  # NumPy's setter: a bare KeyError('inc'), or a TypeError
        raise ValueError(f"{name}: expected a {kind} state with the keys {_keys(before)}, "
                         f"found the keys {_keys(state)}")
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


def _keys(record: dict) -> list[str]:
    """The keys of a nested dict, those inside another as ``"outer.inner"``, sorted."""
    return sorted(key + ("." + inner if inner else "")
                  for key, value in record.items()
                  for inner in (_keys(value) if isinstance(value, dict) and value else [""]))


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
