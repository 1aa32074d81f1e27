"""Checks of arrays: numbers, all finite, in the float dtype asked for or the data's own.

Every message names the argument, what was expected and what was given.  Part of
the checks of user input, importable from ``chainrule._validation`` as well.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator

import numpy as np


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
    if type(x) is np.ndarray and x.dtype.kind in "biuf":
        # a plain ndarray of numbers (the common case, once per call of loss_and_grad): no
        # sparse matrix, mask, times or pandas cells, which the checks below look for
        arr = x
    else:
        arr = _numeric_array(x, name, sparse_note)
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
            raise ValueError(too_large_message(name, dtype, float(np.max(np.abs(arr)))))
        arr = cast
    return arr


def _numeric_array(x: object, name: str, sparse_note: str) -> np.ndarray:
    """``x`` as an ndarray of numbers (kinds b, i, u, f) for :func:`check_finite_array`,
    refusing sparse matrices, masked entries, times and anything not numbers."""
    sparse = sys.modules.get("scipy.sparse")  # not imported: x cannot be a sparse matrix
    if sparse is not None and sparse.issparse(x):  # np.asarray would make a 0-d object array
        raise TypeError(
            f"{name} must be a dense array, got a sparse {type(x).__name__} of shape "
            f"{x.shape}; pass {name}.toarray() ({sparse_note})"
        )
    check_readable(x, name)
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be a numeric array, could not convert: {exc}") from None
    if arr.dtype == object and _numbers_with_na(x):
        # pandas' nullable numbers (Int64, Float64, boolean) with a missing cell: NumPy
        # holds them as objects with pd.NA; read as floats, the cell is a NaN, named below
        arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}"
                        f"{non_numeric_columns(x)}")
    return arr


def _numbers_with_na(x: object) -> bool:
    """Whether ``x`` is a pandas DataFrame or Series whose columns are all numbers (kinds
    b, i, u, f: pandas' nullable Int64, Float64 and boolean included)."""
    dtypes = getattr(x, "dtypes", None)
    if dtypes is None or not hasattr(x, "to_numpy"):
        return False
    kinds = [dtypes] if hasattr(dtypes, "kind") else list(dtypes)
    return bool(kinds) and all(getattr(dt, "kind", "O") in "biuf" for dt in kinds)


# names of data with one row (or entry) per example: X, X_val, y, Y, sample_weight,
# validation_data[0], images, patches; others (theta, Ws[0], init, w0) are parameters
_DATA_NAME = re.compile(r"(X|Y|y|sample_weight|validation_data|images?|patches)(_\w+)?(\[\d+\])?")


def _masked_fix(x: np.ma.MaskedArray, name: str) -> str:
    """How to mend ``x``'s masked values, by the kind of argument ``name`` is."""
    fill = f"fill them ({name}.filled(value), or np.ma.filled({name}, value))"
    if not _DATA_NAME.fullmatch(name):
        return f"{fill}; a parameter array has no rows to drop"
    if x.ndim >= 2:
        return (f"{fill} or drop the rows that hold them (np.ma.compress_rows({name}), "
                f"and the same rows of the other arrays)")
    return (f"{fill} or drop the examples they belong to (keep = ~np.ma.getmaskarray({name}), "
            f"then X[keep], {name}.data[keep])")


def check_readable(x: object, name: str, times: bool = True) -> None:
    """Refuse data whose numbers ``np.asarray`` would read wrong, silently.

    A masked array with masked entries: ``np.asarray`` drops the mask, and the
    values under it (whatever they are) would be used as data.  Times
    (``datetime64``, ``timedelta64``, also as a DataFrame's columns): their
    integer counts of the unit would be used, so that a model fitted on days reads
    seconds as days.  Anything else passes (the callers check the numbers).

    Parameters
    ----------
    x : array-like
        The data as given (an ndarray, a masked array, a DataFrame, a list, ...).
    name : str
        Argument name used in messages.
    times : bool, default True
        Whether to refuse times; False for class labels (a date may name a class).

    Raises
    ------
    ValueError
        For masked entries, naming their count.
    TypeError
        For times, naming the dtype.
    """
    ma = sys.modules.get("numpy.ma")  # not imported: x cannot be a masked array
    if ma is not None and isinstance(x, ma.MaskedArray):
        n = int(ma.count_masked(x))
        if n:
            raise ValueError(
                f"{name} is a masked array with {n} masked value(s); chainrule does not read "
                f"the mask (the values under it would be used as data): {_masked_fix(x, name)}")
    if not times:
        return
    dtypes = getattr(x, "dtypes", None)  # a DataFrame's: one per column (a Series' is one)
    for dt in ([getattr(x, "dtype", None)] if dtypes is None or hasattr(dtypes, "kind")
               else list(dtypes)):
        if getattr(dt, "kind", None) in ("m", "M"):
            raise TypeError(
                f"{name} must hold numbers, got times of dtype {dt}; convert them to "
                f"numbers of a unit of your choice first (e.g. (t - t0) / "
                f"np.timedelta64(1, 'D'), days)")


def non_numeric_columns(x: object) -> str:
    """For a DataFrame, "; its non-numeric column(s): 'city' (object), ..." and what to do;
    "" for anything else, or a DataFrame whose columns are all numbers."""
    dtypes = getattr(x, "dtypes", None)
    if dtypes is None or hasattr(dtypes, "kind") or not hasattr(dtypes, "items"):
        return ""
    bad = [f"{col!r} ({dt})" for col, dt in dtypes.items()
           if getattr(dt, "kind", "O") not in "biuf"]
    if not bad:
        return ""
    shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    return (f"; its non-numeric column(s): {shown}; encode them as numbers first "
            f"(one-hot: pandas.get_dummies)")


def _converts(x: object) -> bool:
    """Whether ``x`` reads as float64 numbers (asked only once a conversion failed)."""
    if sys.modules.get("scipy.sparse") is not None and sys.modules["scipy.sparse"].issparse(x):
        return True
    try:
        np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


@contextlib.contextmanager
def naming_conversion(x: object, name: str, y: object = None,
                      y_name: str = "y") -> Iterator[None]:
    """Name the argument (and a DataFrame's non-numeric columns) in a conversion error of
    the block: scikit-learn's ``validate_data`` lets NumPy's and pandas' through as they
    are ("could not convert string to float: 'x'", "float() argument must be ...",
    "Cannot cast array data from dtype([...])"), naming neither the argument nor the
    column.  With ``y`` (converted in the same block), the one of ``x`` and ``y`` that
    does not read as numbers is named.  Raised again as the same type; any other error
    passes unchanged."""
    try:
        yield
    except OverflowError as exc:  # NumPy's "int too large to convert to float" of 10**400
        from ._validation import given_value  # (which imports this module)

        if y is not None and _converts(x):
            x, name = y, y_name
        raise ValueError(f"{name} must hold numbers within float's range (about 1.8e308), "
                         f"got {given_value(x)}: {exc}") from None
    except (TypeError, ValueError) as exc:
        text = str(exc)
        if not any(s in text for s in ("could not convert", "float() argument",
                                       "Cannot cast array data")):
            shaped = _shape_message(exc, x, name, y, y_name)
            if shaped is None:
                raise
            raise type(exc)(shaped) from None
        if y is not None and _converts(x):
            x, name = y, y_name
        raise type(exc)(f"{name} must hold numbers, could not convert it: {text}"
                        f"{non_numeric_columns(x)}") from None


def _shape_message(exc: BaseException, x: object, name: str, y: object,
                   y_name: str) -> str | None:
    """scikit-learn's refusals of a shape, NumPy's of ragged rows, scikit-learn's of complex
    and of NaN numbers, which name no argument ("Found input variables with inconsistent
    numbers of samples: [17, 20]", "Found array with 0 sample(s) ...", "setting an array
    element with a sequence", "Complex data not supported", a metric's "Input contains
    NaN."), led by the argument's name and what it
    must be; their own words kept after it (scikit-learn's estimator checks look for them).
    None for any other error.  ``x`` is converted first, so that it is named unless it
    converts without that error and ``y`` is given."""
    text = str(exc)
    if "inconsistent numbers of samples" in text:
        return (None if y is None else
                f"{name} and {y_name} must have the same number of rows (one per example): "
                f"{text}")
    for words, what, fails in (
            ("0 sample(s)", "have at least one row", _no_rows),
            ("0 feature(s)", "have at least one column", _no_columns),
            ("Found array with dim", "have at most 2 dimensions, one row per example",
             lambda v: np.ndim(v) > 2),
            ("Expected 2D array", "be 2-D, one row per example", lambda v: np.ndim(v) < 2),
            ("should have at least 1 dimension", "be an array-like, one entry per example",
             lambda v: np.ndim(v) == 0),
            ("array element with a sequence", "have rows of one length (it is ragged)", _ragged),
            ("Complex data not supported", "hold real numbers, not complex", np.iscomplexobj),
            ("Input contains NaN", "be finite (it holds NaN)", _not_finite),
            ("Input contains infinity", "be finite (it holds inf)", _not_finite)):
        if words in text:
            culprit = name if y is None or _fails(fails, x) or not _fails(fails, y) else y_name
            return f"{culprit} must {what}: {text}"
    return None


def _fails(test: Callable[[object], bool], value: object) -> bool:
    try:
        return bool(test(value))
    except Exception:  # a value NumPy cannot shape: not the culprit of this test
        return False


def _no_rows(v: object) -> bool:
    return np.shape(v)[:1] == (0,) if not hasattr(v, "shape") else v.shape[:1] == (0,)


def _no_columns(v: object) -> bool:
    shape = v.shape if hasattr(v, "shape") else np.shape(v)
    return len(shape) > 1 and shape[1] == 0


def _not_finite(v: object) -> bool:
    return not np.all(np.isfinite(np.asarray(v, dtype=np.float64)))


def _ragged(v: object) -> bool:
    try:
        np.asarray(v, dtype=np.float64)
    except ValueError as exc:
        return "sequence" in str(exc)
    except TypeError:
        return False
    return False


def too_large_message(name: str, dtype: object, largest: float) -> str:
    """The refusal of values beyond ``dtype``'s range: the largest magnitude and the limit,
    with as many digits as tell them apart (3.4028236e+38 is past float32's 3.40282347e+38,
    which 6 digits would print alike)."""
    limit = float(np.finfo(dtype).max)
    digits = next(d for d in (6, 9, 17) if f"{largest:.{d}g}" != f"{limit:.{d}g}" or d == 17)
    return (f"{name} has values too large for {np.dtype(dtype).name} (largest magnitude "
            f"{largest:.{digits}g}, limit {limit:.{digits}g})")


# up to this many entries all_finite tests each entry (a temporary of at most 4 KiB); past it,
# the sum of squares by BLAS, in an errstate block, is the faster
_SMALL = 4096
# the sum of squares is taken as one BLAS dot per row of this many entries: OpenBLAS runs a
# dot of more than 10,000 entries on its worker threads, whose wake-up on a busy machine was
# seen to cost milliseconds (12 ms for an array that one thread tests in 10 us)
_ROW = 8192
_all_true = np.logical_and.reduce
# one dot product per row of a 2-D array (np.vecdot, NumPy >= 2.0: BLAS's dot for each row;
# NumPy 1.x: einsum's loop, no BLAS)
_row_dots = getattr(np, "vecdot", None) or (lambda a, b: np.einsum("ij,ij->i", a, b))


def all_finite(arr: np.ndarray) -> bool:
    """Whether every entry is finite, in one pass and without a temporary array.

    Agrees with ``bool(np.isfinite(arr).all())`` for every array (True for an empty one
    and for integers and booleans, which hold no NaN or infinity).  An array of at most
    ``_SMALL`` entries is tested entry by entry (``np.isfinite``: a temporary of at most
    4 KiB, and no errstate block, which costs more than the test itself for a few
    values).  For a larger float array, a NaN or an infinity makes the sum of squares NaN
    or infinite, so a finite sum proves every entry finite; only when the sum is not
    finite (a non-finite entry, or finite entries whose squares overflow: 1e200**2) are
    the entries looked at one by one, so an overflow costs a second pass, never a wrong
    answer.  For a contiguous (C or Fortran order) float32/float64 array the sum of
    squares is taken by BLAS, one dot per row of ``_ROW`` entries (on the calling
    thread: no waiting for BLAS threads), else by NumPy's pairwise sum.
    """
    kind = arr.dtype.kind
    if kind != "f":  # integers and booleans are finite; complex, times, objects: exactly
        return True if kind in "biu" else bool(np.isfinite(arr).all())
    if arr.size <= _SMALL:  # a small array: one isfinite pass, no errstate block (a third
        return bool(_all_true(np.isfinite(arr), axis=None))  # of the time for a few values)
    with np.errstate(over="ignore", invalid="ignore"):
        if arr.dtype.char in "fd" and (arr.flags.c_contiguous or arr.flags.f_contiguous):
            total = _sum_of_squares(arr.ravel(order="K"))
        else:
            total = np.add.reduce(arr, axis=None)
    return bool(np.isfinite(total)) or bool(np.all(np.isfinite(arr)))


def _sum_of_squares(flat: np.ndarray) -> np.floating:
    """``flat . flat`` for a contiguous 1-D float32/float64 array, as BLAS dots of at most
    ``_ROW`` entries each (each one runs on the calling thread)."""
    n = flat.size - flat.size % _ROW
    tail = flat[n:]
    total = np.dot(tail, tail)
    if n:
        rows = flat[:n].reshape(-1, _ROW)
        total = total + np.add.reduce(_row_dots(rows, rows))
    return total


def _check_all_finite(arr: np.ndarray, name: str) -> None:
    if not all_finite(arr):
        n = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {n} NaN or infinite value(s); all must be finite")
