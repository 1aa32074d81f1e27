"""Inputs of :meth:`Network.predict` and :meth:`Network.evaluate`, and their blocks of rows.

A prediction over many rows runs through the network a block of rows at a
time, so that the layers' arrays (net inputs, outputs, a convolution's im2col
columns) exist for one block, never for all the rows.  The input is checked
whole as :meth:`Network.forward` checks it (the same messages), but kept in
its own numeric type and converted to the network's a block at a time: float32
or integer data, a memory map or a sparse matrix is never copied whole.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._spatial import sides
from ._validation import _check_all_finite, check_data, check_sparse_layout
from ._validation_arrays import too_large_message
from .layers import _takes_sparse

__all__ = ["BLOCK_BYTES", "block_rows", "check_inputs", "check_one_example", "input_blocks",
           "row_values"]

# A block's widest array per example times its rows is about this size (2 MiB: 2560 rows
# of 100 float64 units), as the estimators' predictions take it (_mlp_base._evaluate):
# a few MiB beyond the result however many rows there are, and within a few per cent of
# the fastest block size that benchmarks/bench_predict.py timed.
BLOCK_BYTES = 2 * 2**20


def _is_sparse(X: object) -> bool:
    """Whether ``X`` is a scipy.sparse matrix or array (without importing scipy.sparse)."""
    sparse = sys.modules.get("scipy.sparse")  # not imported: X cannot be one
    return sparse is not None and sparse.issparse(X)


def row_values(layers: list, shapes: list[tuple[Any, Any]], X: Any = None) -> int:
    """The most values per example in one array of a forward pass through ``layers``.

    ``shapes`` are the layers' (input, output) shapes per example
    (:meth:`Network.layer_shapes`).  Counted: every layer's input and output,
    and a convolution's im2col columns with the padded images they are cut
    from (conv.py), which can be several times its output.  ``X``, the rows
    of the pass (optional): where it is a sparse matrix whose blocks the first
    layer takes as they are (a Dense layer, :func:`chainrule.layers._takes_sparse`),
    that layer's input counts as what a block holds per row, a value and a
    column index per stored value (on average over ``X``'s rows), not the
    input's width: those blocks are never made dense.
    """
    values = [_layer_values(layer, shape_in, shape_out)
              for layer, (shape_in, shape_out) in zip(layers, shapes, strict=True)]
    if values and _is_sparse(X) and _takes_sparse(layers[0]):
        stored = 2 * math.ceil(X.nnz / max(1, X.shape[0]))  # values and column indices
        values[0] = max(stored, _values(shapes[0][1]))
    return max([1, *values])


def _layer_values(layer: Any, shape_in: Any, shape_out: Any) -> int:
    """The most values per example in one array of ``layer``'s forward pass (see
    :func:`row_values`)."""
    widest = max(_values(shape_in), _values(shape_out))
    kernel = getattr(layer, "kernel_size", None)
    if kernel is not None and getattr(layer, "in_channels", None) is not None:
        c, h, w = shape_in
        (pt, pb), (pl, pr) = sides(getattr(layer, "padding_sides", (0, 0)))
        hp, wp = h + pt + pb, w + pl + pr
        ho = shape_out[1]
        widest = max(widest, c * kernel[0] * kernel[1] * ho * wp, c * (hp + 1) * wp)
    return widest


# a container's memory limit: cgroup v2, then v1 (there "max" is none, and v1 writes none as
# a number near 2**63, larger than any machine's memory)
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def _read_text(path: str) -> str | None:
    """The text of a small system file, or None where it cannot be read."""
    try:
        with open(path, encoding="ascii") as fh:
            return fh.read(64)
    except (OSError, ValueError):  # not there, not permitted, not text
        return None


def _physical_bytes() -> int | None:
    """The machine's physical memory in bytes, or None where the system does not say."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        return None
    # -1: a limit the system calls indeterminate (POSIX), no size of the memory
    return pages * size if pages > 0 and size > 0 else None


def _container_bytes() -> int | None:
    """A container's memory limit in bytes (cgroup v2 ``memory.max``, else v1
    ``memory.limit_in_bytes``), or None: no limit ("max"), or none readable."""
    for path in _CGROUP_LIMITS:
        text = _read_text(path)
        if text is None:
            continue
        text = text.strip()
        if text == "max":
            return None
        if text.isdigit() and int(text) > 0:
            return int(text)
    return None


@functools.cache
def _memory_bytes() -> int | None:
    """The memory this process may use in bytes: the machine's physical memory, or its
    container's limit where that is smaller; None where neither is known."""
    known = [n for n in (_physical_bytes(), _container_bytes()) if n is not None]
    return min(known) if known else None


def check_one_example(layers: list, shapes: list[tuple[Any, Any]], itemsize: int,
                      first: int = 0) -> None:
    """Refuse a pass whose arrays for a single example hold more than the machine's memory
    (or its container's limit, where smaller).

    A model file may record a convolution's padding or an image size (10**9)
    whose arrays no memory holds even for one example, behind a pooling that
    brings them back to the sizes of the layers after it: such a network loads,
    and its first prediction would fail with NumPy's allocation error (or swap
    for hours).  A network that works needs less than the memory for one
    example, so nothing that works is refused.

    Parameters
    ----------
    layers : list of Layer
        The layers of the pass, in order; ``first`` is the index of the first.
    shapes : list of (input shape, output shape)
        Per example, as :meth:`Network.layer_shapes` gives them.
    itemsize : int
        Bytes per value (the network's dtype).

    Raises
    ------
    ValueError
        Naming the layer, the values one example needs there and the memory.
    """
    memory = _memory_bytes() or sys.maxsize  # NumPy's own limit, where the system says none
    for i, (layer, (shape_in, shape_out)) in enumerate(zip(layers, shapes, strict=True)):
        need = _layer_values(layer, shape_in, shape_out) * itemsize
        if need > memory:
            held = (f"the {memory / 2**30:.3g} GiB memory limit of this process's container"
                    if memory == _container_bytes() else
                    f"this machine's {memory / 2**30:.3g} GiB of memory")
            raise ValueError(
                f"layers[{first + i}] {layer!r} (input {shape_in}, output {shape_out} per "
                f"example): a single example needs an array of {need / 2**30:.3g} GiB there, "
                f"more than {held}, so the network "
                "cannot compute its outputs (a padding or image size this large is likely a "
                "damaged model file)")


def _values(shape: int | tuple[int, ...]) -> int:
    """Values per example of a layer's input or output shape (features, or C x H x W)."""
    return int(shape) if isinstance(shape, (int, np.integer)) else math.prod(map(int, shape))


def block_rows(widest: int, itemsize: int, nbytes: int | None = None) -> int:
    """Rows per block so that an array of ``widest`` values per row takes about ``nbytes``.

    ``nbytes`` is BLOCK_BYTES by default (read at each call: the tests set it small to
    make several blocks of a few rows).

    At least one row; whole multiples of 64 rows where a block holds 64 or more
    (with OpenBLAS's Haswell kernels on one thread the rows of float64 products
    then come out as from one product of all rows).
    """
    rows = (BLOCK_BYTES if nbytes is None else nbytes) // (widest * itemsize)
    return rows // 64 * 64 if rows >= 64 else max(1, rows)


def check_inputs(X: object, shape: int | tuple[int, ...], dtype: np.dtype,
                 name: str = "X") -> Any:
    """``X`` checked as :meth:`Network.forward` checks it, but kept in its own numeric type.

    Returns
    -------
    ndarray of shape (n_samples, n_inputs) or (n_samples, channels, height, width), in
    the dtype ``X`` had when it was a numeric array (else ``dtype``); or, for a sparse
    ``X``, a CSR matrix of shape (n_samples, prod(shape)) in its own dtype.
    """
    if not _is_sparse(X):
        own = getattr(X, "dtype", None)
        keep = own if isinstance(own, np.dtype) and own.kind in "biuf" else dtype
        return check_data(X, shape, keep, name)
    if X.dtype.kind not in "biuf":  # the refusal of a dense array of other things
        raise TypeError(f"{name} must hold numbers, got a sparse matrix of dtype {X.dtype}")
    X = X.tocsr()
    check_sparse_layout(X, shape, name)
    _check_all_finite(X.data, name)
    return X


def _largest(X: Any) -> float:
    """The largest magnitude in ``X`` (dense or sparse), without a copy of all of it."""
    if _is_sparse(X):
        return float(np.max(np.abs(X.data)))
    return max(float(np.max(np.abs(X[start:start + 4096])))
               for start in range(0, X.shape[0], 4096))


def input_blocks(X: Any, rows: int, shape: int | tuple[int, ...], dtype: np.dtype,
                 name: str = "X", keep_sparse: bool = False) -> Iterator[tuple[int, Any]]:
    """``(start, block)``: the rows ``start:start + rows`` of checked ``X``, dense, in ``dtype``.

    A block is a view of ``X`` where ``X`` already has ``dtype``.  With
    ``keep_sparse`` (a first layer that computes on sparse rows, see
    :func:`chainrule.layers._takes_sparse`), a sparse ``X``'s blocks stay CSR
    matrices, only their values converted.  A value that the conversion makes
    infinite (float64 beyond float32's range) raises the ValueError
    :func:`chainrule._validation.check_finite_array` raises for it.
    """
    sparse = _is_sparse(X)
    for start in range(0, X.shape[0], rows):
        block = X[start:start + rows]
        if sparse and keep_sparse:
            if block.dtype != dtype:
                with np.errstate(over="ignore"):  # values beyond the target range become inf
                    block = block.astype(dtype)
                if not np.all(np.isfinite(block.data)):
                    raise ValueError(too_large_message(name, dtype, _largest(X)))
            yield start, block
            continue
        if sparse:
            block = block.toarray()
            if not isinstance(shape, int):
                block = block.reshape(block.shape[0], *shape)
        if block.dtype != dtype:
            with np.errstate(over="ignore"):  # values beyond the target range become inf
                block = block.astype(dtype)
            if not np.all(np.isfinite(block)):
                raise ValueError(too_large_message(name, dtype, _largest(X)))
        yield start, block
