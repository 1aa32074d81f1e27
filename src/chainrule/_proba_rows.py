"""A classifier's class probabilities and their logarithms from its output layer's net
input, and the evaluation pass in blocks of rows that computes them.

:func:`evaluate_blocks` is the pass of :class:`chainrule.MLPClassifier`'s and
:class:`chainrule.MLPRegressor`'s predictions (through ``_mlp_base._evaluate``, whose
block size the tests and benchmarks set there) and of a model file's probabilities
(:class:`chainrule.SavedModel`); the row functions (:func:`_sigmoid_binary`,
:func:`_log_sigmoid_binary`, :func:`_log_sigmoid`, :func:`_log_softmax_rows`) turn each
block's net input into the probabilities or their logs.  This module imports no
scikit-learn (``_mlp_base`` and ``_estimators_classifier`` do, 0.6 s CPU of a fresh
process), so that ``chainrule predict`` and ``chainrule evaluate`` of a model file need not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._inference import block_rows, row_values
from ._network_nonfinite import checked_pass
from ._scipy_special import lazy_special
from .network import Network, _EvaluationPass

expit, log_softmax = lazy_special(globals(), "expit", "log_softmax")  # SciPy's, on first call

__all__ = ["EVAL_BLOCK_BYTES", "evaluate_blocks"]

# A prediction runs through the network in blocks of rows whose widest layer is about this
# size (2 MiB: 2560 rows of 100 float64 units), so that it needs a few MiB beyond its result
# however many rows it has; see evaluate_blocks.  Of the blocks of 0.5 to 8 MiB that
# benchmarks/bench_predict.py timed (100 and 784 inputs, one BLAS thread), 2 MiB was within
# 3 % of the fastest for both; one block of all rows was the slowest (data-sized Z and A).
EVAL_BLOCK_BYTES = 2 * 2**20


def evaluate_blocks(net: Network, X: np.ndarray,
                    of_net_input: Callable[[np.ndarray], np.ndarray] | None = None,
                    block_bytes: int = EVAL_BLOCK_BYTES) -> np.ndarray:
    """``net.forward(X)`` in evaluation mode, computed in blocks of rows into one array.

    Evaluation is row by row (BatchNorm normalises with its running statistics,
    Dropout passes its input through), so the blocks give the same rows as one
    pass, but the layers' net inputs and outputs exist for one block at a time.
    ``X`` (floats, integers or booleans; an array, a memory map, or a sparse
    CSR matrix), checked by the caller, is converted to the network's dtype
    block by block, never as a whole (a sparse block made dense unless the first
    layer is a Dense layer, which multiplies it as it is); a value that the
    conversion would make infinite (beyond float32's range) raises a
    ValueError.  Afterwards the layers hold what they held before (no array
    of the pass, nor a reference to ``X``).  The blocks are those of
    :meth:`Network.predict`, sized by ``block_bytes``.

    With ``of_net_input``, the rows of ``of_net_input(Z)`` instead, where ``Z``
    (of shape (block_rows, n_outputs)) is the output layer's net input in each
    block, read in the same pass (``predict_log_proba``: a log-softmax or
    log-sigmoid from ``Z``, finite where the outputs underflow).

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        Or (n_samples, k) of ``of_net_input``'s k columns.

    Raises
    ------
    ValueError
        As :meth:`Network.predict`: a parameter or running statistic made NaN or
        infinite in place, named (``checked_pass``), with no NumPy warning before.
    """
    # the most values per row of one array of the pass: a layer's input (a sparse X's stored
    # values for a first Dense layer) or output, or a convolution's im2col columns (several
    # times its output), as Network.predict counts
    widest = row_values(net.layers, net.layer_shapes(), X)
    # the rows of block_bytes, as Network.predict takes them (block_rows): whole
    # multiples of 64 rows where a block holds 64 or more (with OpenBLAS's Haswell kernels on
    # one thread the float64 rows then come out bit for bit as from one product of all rows;
    # with other kernels, threads or float32 a row may differ in its last bits, measured
    # <= 8e-16 relative in float64), fewer where a row is wider (a convolution's im2col
    # columns: 34 rows of a 3x3 Conv2D on 28x28 images).  No floor of 64 rows: it doubled
    # that network's peak memory (10.0 against 5.4 MiB beyond the result, tracemalloc) for
    # no speed (one BLAS thread: the same time within noise)
    rows = block_rows(widest, net.dtype.itemsize, block_bytes)
    if of_net_input is None:
        run = lambda: net._predict_rows(X, rows)  # noqa: E731
    else:
        run = lambda: _of_net_input_rows(net, X, rows, of_net_input)  # noqa: E731
    # parameters or running statistics made NaN in place (est.network_.layers[0].W[...] =
    # np.nan) refused by name, as Network.predict refuses them: not NaN probabilities, nor
    # class 0 for every row (the argmax of NaN) and a score of those
    return checked_pass(net, "predict", run)


def _of_net_input_rows(net: Network, X: np.ndarray, rows: int,
                       of_net_input: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """:func:`evaluate_blocks`' rows of ``of_net_input`` of the output layer's net input."""
    out = None
    with _EvaluationPass(net) as pass_:  # the output layer keeps its Z during each block
        for start, _ in pass_.blocks(X, rows):
            values = of_net_input(net.layers[-1].Z)
            if out is None:
                out = np.empty((X.shape[0], values.shape[1]), dtype=values.dtype)
            out[start:start + values.shape[0]] = values
    return out


def _log_softmax_rows(z: np.ndarray) -> np.ndarray:
    """``log(softmax(z))`` of each row of ``z`` (n_samples, n_classes), finite for finite z."""
    return log_softmax(z, axis=1)


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    """``log(sigmoid(z)) = -log(1 + exp(-z))`` elementwise, finite for finite ``z``."""
    return -np.logaddexp(0, -z)


def _sigmoid_binary(z: np.ndarray) -> np.ndarray:
    """``[sigmoid(-z), sigmoid(z)]`` of ``z`` (n_samples, 1): (n_samples, 2), each column
    to its own relative precision (``1 - sigmoid(z)`` rounds to 0 for large ``z``)."""
    return np.hstack([expit(-z), expit(z)])


def _log_sigmoid_binary(z: np.ndarray) -> np.ndarray:
    """``[log(1 - sigmoid(z)), log(sigmoid(z))]`` of ``z`` (n_samples, 1): (n_samples, 2)."""
    return -np.hstack([np.logaddexp(0, z), np.logaddexp(0, -z)])
