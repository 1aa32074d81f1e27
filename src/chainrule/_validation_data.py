"""Checks of a network's input data: rows of its input layer's features, or images.

A 1-D array is one example; sparse data must have the input layer's columns;
images may come flat.  Every message names the argument, what was expected and
what was given.  Part of the checks of user input, importable from
``chainrule._validation`` as well.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation_arrays import check_finite_array


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
