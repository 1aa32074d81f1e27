"""Images given to the estimators as they come, (n_samples, C, H, W), or (n_samples, H, W)
of one channel as the NPZ reader and :func:`chainrule.load_model` read them: with
``input_shape`` each is read as its flat row of C*H*W pixels (a view where the array is
contiguous), the row the estimator takes anyway; any other array of more than two axes is
refused with a message that says how to give it, where scikit-learn's would say "Found
array with dim 4"; and an X that is no array of rows at all (None, a set, a generator) is
refused by :func:`check_rows_given`, naming what it is.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet

import numpy as np
import scipy.sparse

from ._image_layout import _CHANNELS, _advice, channels_last_hint
from ._tabular_npz import _image_shape


def check_rows_given(X: object) -> None:
    """Refuse an ``X`` that is no array of rows: None, text, a dict, a set, an iterator.

    scikit-learn's ``validate_data`` reads None as a NaN of float dtype ("Expected 2D
    array, got scalar array instead: array=nan."), and a set, a dict, a generator as
    an object it cannot convert ("float() argument must be ..."); the message names
    what was given instead.  A number passes, to scikit-learn's own refusal of a scalar.
    """
    from ._mlp_params import _given

    if isinstance(X, numbers.Number) or scipy.sparse.issparse(X) or any(
            hasattr(X, a) for a in ("__array__", "__array_interface__", "__array_namespace__",
                                    "__dataframe__", "shape")):
        return
    if (X is None or isinstance(X, (str, bytes, Mapping, AbstractSet))
            or not (hasattr(X, "__len__") and hasattr(X, "__getitem__"))):
        once = ("; an iterator is read once: give list(X)"
                if isinstance(X, Iterator) else "")
        raise ValueError(
            "X must be an array-like of shape (n_samples, n_features): an array, a list of "
            f"rows, a DataFrame or a sparse matrix, got {_given(X)}{once}")


def image_rows(X: object, shape: tuple[int, int, int] | None, *,
               from_fit: bool = False, given_at_fit: bool = False,
               owner: str = "MLPClassifier") -> object:
    """``X`` of images (n_samples, \\*shape) as its rows (n_samples, C*H*W); else as it is.

    Parameters
    ----------
    X : object
        The estimator's input: rows (n_samples, n_features), or images
        (n_samples, C, H, W) of the network's input ``shape`` (an array, or a
        list of the images, arrays or nested lists of shape (C, H, W)).
    shape : tuple (C, H, W) or None
        The images' shape (``input_shape``, or the fitted network's), None for
        a multilayer perceptron, which takes rows alone.
    from_fit : bool, default=False
        Whether ``shape`` is not ``input_shape`` (None) but the fitted
        network's, taken from the images X at fit: a refusal says so, rather
        than name an ``input_shape`` the estimator was not given.
    given_at_fit : bool, default=False
        Whether ``shape`` is the fitted network's, given as ``input_shape`` at
        fit, where the estimator's ``input_shape`` is now None or another: a
        refusal names the shape as given then.
    owner : str, default="MLPClassifier"
        The estimator's class name, for scikit-learn's words.

    Returns
    -------
    object
        ``X`` reshaped to (n_samples, C*H*W) where it holds such images, or
        where C is 1 grey images (n_samples, H, W), read as (n_samples, 1, H, W)
        as the NPZ reader reads them; any input of at most two axes as it is
        (scikit-learn checks it).

    Raises
    ------
    ValueError
        For an array of more than two axes that is not images of ``shape``:
        the message names its shape and the rows ``X.reshape(len(X), -1)``,
        and, for these images given channels last, (n_samples, H, W, C),
        ``np.moveaxis(X, -1, 1)`` (:func:`channels_last_hint`).
    """
    if isinstance(X, (list, tuple)):
        X = _nested(X)
    ndim = getattr(X, "ndim", None)
    if not isinstance(ndim, int) or ndim <= 2 or scipy.sparse.issparse(X):
        return X
    arr = X if isinstance(X, np.ndarray) else np.asarray(X)  # a memory map stays one
    if shape is not None and arr.ndim == 3 and _image_shape(arr.shape) == tuple(shape):
        arr = arr[:, None]  # grey (n, H, W) as (n, 1, H, W): the NPZ reader's rule
    if shape is not None and arr.shape[1:] == tuple(shape):
        # the row length written out: -1 cannot be inferred from no images (n = 0), which
        # scikit-learn's check then refuses by name ("Found array with 0 sample(s)")
        return arr.reshape(arr.shape[0], int(np.prod(shape)))
    if shape is None:  # scikit-learn's MLP's words (check_array's), then the way out
        raise ValueError(
            f"Found array with dim {arr.ndim}, while dim <= 2 is required by {owner}. (X "
            f"must have shape (n_samples, n_features), got shape {arr.shape}; for images, "
            "give their flat rows, X.reshape(len(X), -1) (a multilayer perceptron takes the "
            "pixels as features), or layers with input_shape=(C, H, W) for a convolutional "
            "network, which takes images of shape (n_samples, C, H, W) too)")
    c, h, w = shape
    # images (n, H, W, C) of this shape: the advice SavedModel and the CLI give
    hint = channels_last_hint(arr.shape[1:], shape, saved=False)
    # one channel: grey images (n_samples, H, W) too, read as (n_samples, 1, H, W)
    shapes = f"(n_samples, {c}, {h}, {w})" + (f" or (n_samples, {h}, {w})" if c == 1 else "")
    if from_fit:
        source = (f"the network takes images of shape {tuple(shape)}, taken from X at fit "
                  "(input_shape=None)")
    elif given_at_fit:
        source = (f"the network takes images of shape {tuple(shape)}, given as "
                  f"input_shape={tuple(shape)} at fit")
    else:
        source = f"input_shape={tuple(shape)}: channels, height, width"
    raise ValueError(
        f"X must hold images of shape {shapes} ({source}), or their flat rows of "
        f"{c * h * w} pixel values, "
        f"X.reshape(len(X), -1), got shape {arr.shape}{'; ' + hint if hint else ''}")


def shape_from_X(est: object) -> bool:
    """Whether the fitted network of ``est`` took its image shape from the images X at fit
    (``input_shape=None``), not from ``input_shape``: as the fit recorded it
    (``_shape_from_X``), or, for an estimator fitted before that record (an older file or
    pickle), whether ``input_shape`` is None now."""
    recorded = vars(est).get("_shape_from_X")
    return getattr(est, "input_shape", None) is None if recorded is None else bool(recorded)


def shape_words(est: object, shape: tuple[int, int, int]) -> str:
    """The fitted network's image ``shape`` and where it came from at fit, for a refusal:
    ``"images of shape (C, H, W), taken from X at fit (input_shape=None)"`` or
    ``"images of shape (C, H, W), given as input_shape=(C, H, W) at fit"``."""
    if shape_from_X(est):
        return f"images of shape {shape!r}, taken from X at fit (input_shape=None)"
    return f"images of shape {shape!r}, given as input_shape={shape!r} at fit"


def _same_shape(asked: object, shape: tuple[int, int, int]) -> bool:
    try:
        return asked is not None and tuple(int(d) for d in asked) == tuple(shape)
    except (TypeError, ValueError):
        return False


def fitted_image_rows(est: object, X: object, shape: tuple[int, int, int] | None,
                      continuing: bool = True) -> object:
    """:func:`image_rows` of ``X`` for ``est``, its refusal worded by where ``shape`` came
    from: the estimator's ``input_shape`` as it is now (a first fit, or the fitted
    network's shape named again), else the fitted network's, taken from X or given as
    ``input_shape`` at fit (:func:`shape_from_X`)."""
    asked = getattr(est, "input_shape", None)
    owner = type(est).__name__
    if shape is None or (asked is not None and _same_shape(asked, shape)):
        return image_rows(X, shape, owner=owner)
    if not continuing:  # a first fit without input_shape: the shape of these images X
        return image_rows(X, shape, from_fit=True, owner=owner)
    from_X = shape_from_X(est)
    return image_rows(X, shape, from_fit=from_X, given_at_fit=not from_X, owner=owner)


def dims_of(X: object) -> int | None:
    """How many axes ``X`` has (a sparse matrix 2, a list of images 3 or 4), None where it
    is no array (scikit-learn's check refuses it later, by its own words)."""
    if scipy.sparse.issparse(X):
        return 2
    if isinstance(X, (list, tuple)):
        X = _nested(X)
    ndim = getattr(X, "ndim", None)
    if isinstance(ndim, int):
        return ndim
    try:
        return int(np.ndim(X))
    except (TypeError, ValueError):  # ragged
        return None


def images_of_X(est: object, X: object, continuing: bool) -> tuple[int, int, int] | None:
    """The image shape (C, H, W) a fit of ``est`` without ``input_shape`` reads from ``X``.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        The estimator being fitted.
    X : object
        The fit's ``X``: images (n_samples, C, H, W) give their shape, grey
        images (n_samples, H, W) (1, H, W), as ``chainrule train`` reads an NPZ
        file's ``X`` (:func:`~chainrule._tabular_npz._image_shape`); rows give
        none, except to a fit that continues (``partial_fit``, a warm start) a
        network of images, whose shape they keep.
    continuing : bool
        Whether the fit goes on with the fitted network.

    Returns
    -------
    tuple (C, H, W) or None
        None where ``input_shape`` is given or ``layers`` is not (a multilayer
        perceptron takes rows alone), or where ``X`` holds no images.
    """
    if getattr(est, "input_shape", None) is not None or getattr(est, "layers", None) is None:
        return None
    if isinstance(X, (list, tuple)):
        X = _nested(X)
    if getattr(X, "ndim", None) in (3, 4) and not scipy.sparse.issparse(X):
        return _image_shape(X.shape)  # grey (n, H, W): (1, H, W), the NPZ reader's rule
    shape = getattr(getattr(est, "network_", None), "n_inputs", None)
    return shape if continuing and isinstance(shape, tuple) else None


def refuse_channels_last(shape: tuple[int, int, int] | None, X: object,
                         specs: list[dict] | None) -> None:
    """Refuse images X of four axes that look given channels last, (n, H, W, C), where a
    first fit without ``input_shape`` would read them channels first, (n, C, H, W).

    Parameters
    ----------
    shape : tuple (C, H, W) or None
        The shape taken from ``X`` (:func:`images_of_X`), None for rows.
    X : object
        The fit's ``X``; only an array (or list) of four axes is checked: grey
        images (n_samples, H, W) have one channel whatever their width.
    specs : list of dict or None
        The ``layers`` dicts: a first Conv2D that names its ``in_channels``
        decides (equal to C: the images are channels first as given; equal to
        the last axis, and C not: they are channels last).

    Raises
    ------
    ValueError
        Where the first layer's ``in_channels`` is the last axis, not C, or, with
        no ``in_channels`` named, where the last axis is 1, 3 or 4 long and C is
        not (the CLI's rule for a file's images,
        :func:`~chainrule._image_layout.channels_last_guess`): the message
        names the shape and ``np.moveaxis(X, -1, 1)``, and in the second case
        the ``input_shape`` that reads them as they are.
    """
    if shape is None:
        return
    if isinstance(X, (list, tuple)):
        ndim = 1 + np.ndim(X[0]) if len(X) else 1
    else:
        ndim = getattr(X, "ndim", None)
    if ndim != 4:
        return
    c, h, w = shape
    n = len(X) if isinstance(X, (list, tuple)) else X.shape[0]
    first = specs[0] if specs else {}
    named = first.get("in_channels") if first.get("type") == "Conv2D" else None
    if isinstance(named, (int, np.integer)) and not isinstance(named, bool):
        if named == c or named != w:
            return  # as given (or the layer's own error on its channels follows)
        why, other = f"the first layer's in_channels={named} is their last axis", ""
    elif w in _CHANNELS and c not in _CHANNELS:
        why = f"their last axis is {w} long (grey, RGB, RGBA) and their second is not"
        other = (f"; or, if they are {c} channels of {h} x {w} pixels, give "
                 f"input_shape=({c}, {h}, {w}), with X as it is")
    else:
        return
    raise ValueError(
        f"X: images of shape ({n}, {c}, {h}, {w}) are read channels first, as {c} "
        f"channel{'s' if c > 1 else ''} of {h} x {w} pixels, but {why}: "
        f"{_advice(shape, saved=False)}{other}")


def _nested(X: list | tuple) -> object:
    """A list (or tuple) of images, each an array or nested lists of shape (C, H, W), as
    their array; any other list as it is, for scikit-learn to read (rows, whose first
    element has one axis, are not converted twice; a ragged list it refuses itself)."""
    try:
        return X if len(X) == 0 or np.ndim(X[0]) < 2 else np.asarray(X)
    except ValueError:  # ragged: scikit-learn's check says so
        return X
