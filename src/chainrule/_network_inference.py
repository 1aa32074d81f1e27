"""Inference on a trained network, in blocks of rows that keep no arrays of the data's size.

:class:`_Inference`, a mixin base of :class:`~chainrule.network.Network`, holds its
:meth:`~chainrule.network.Network.predict` and
:meth:`~chainrule.network.Network.evaluate`, and the two loops over blocks of rows
behind them (:meth:`_Inference._predict_rows`: outputs; :meth:`_Inference._pass_terms`:
per-example losses and right answers), which every evaluation pass goes through (the
estimators' predictions, train's validation pass, SavedModel, the decision-region
plots); the helpers that free the arrays a pass leaves in the layers
(:func:`_release_layer`, :class:`_EvaluationPass`) and count correct predictions
(:func:`_accuracy_count`) serve the training loop and the estimators too.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ._inference import block_rows, check_inputs, check_one_example, input_blocks, row_values
from ._network_accuracy import _accuracy_count as _accuracy_count  # re-exported
from ._network_accuracy import _accuracy_rule, _correct_rows
from ._network_nonfinite import checked_pass
from ._spatial import SpatialLayer
from ._validation import check_positive_int
from .layers import Layer, _takes_sparse

if TYPE_CHECKING:
    from .network import Network


class _Inference:
    """Predictions and evaluation in blocks of rows: the mixin base of
    :class:`~chainrule.network.Network` a trained network is used through."""

    # -- inference -------------------------------------------------------------------------------
    def predict(self, X: object, batch_size: int | None = None) -> np.ndarray:
        """Outputs of the network for ``X`` in evaluation mode, keeping none of the pass's arrays.

        What :meth:`forward` returns (Dropout passes its input through,
        BatchNorm normalises with its running statistics), computed a block of
        rows at a time: the layers' net inputs and outputs (and a
        convolution's im2col columns) exist for one block, never for all the
        rows, and afterwards every layer holds what it held before (the last
        :meth:`forward` or training batch's arrays, which the diagnostics and
        the trace read), nothing of ``X``.  Use :meth:`forward` to inspect the
        layers' arrays (``layer.Z``, ``layer.A``) of a pass.

        The rows equal :meth:`forward`'s to rounding: a matrix product of a
        block of rows can differ from that of all rows in the last bits (BLAS
        splits the work by the number of rows and threads; measured: a few
        ``eps`` of the dtype).  ``batch_size`` of at least the number of rows
        gives :meth:`forward`'s numbers exactly.

        Several threads may call :meth:`predict` and :meth:`evaluate` (and
        what goes through them: the estimators' ``predict``,
        ``predict_proba`` and ``score``, :class:`~chainrule.SavedModel`'s
        predictions) on one network at once: each call gets the numbers it
        gets alone.  A pass keeps its arrays on the layers, so a lock per
        network lets one pass run at a time (the blocks' matrix products
        still use NumPy's BLAS threads).  Training the network (``train``,
        ``fit``, ``minimize``), :meth:`forward` and changes to its parameters
        are not to run while another thread predicts with it.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_inputs)
            Checked as :meth:`forward` checks it (a 1-D array is one example;
            for a convolutional network images of shape (n_samples, channels,
            height, width) or rows of their flattened pixels).  Float32, integer
            and boolean data, memory maps and sparse matrices (any format, made
            CSR) are converted to the network's dtype a block at a time, never
            copied whole; a sparse block stays sparse for a first Dense layer,
            and is made dense for any other.
        batch_size : int, optional
            Rows per block.  By default as many as make the pass's widest array
            (the widest layer's outputs, or a convolution's im2col columns; a
            sparse block for a first Dense layer counts as its stored values and
            their column indices) about 2 MiB, at least one row.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
            In the network's dtype.

        See Also
        --------
        evaluate : the loss (and accuracy) on data with targets, computed the same way.
        """
        X = self._inference_input(X)
        rows = self._block_rows(batch_size, X)
        # parameters (layer.W -= np.inf) and running statistics made NaN in place refused,
        # without NumPy's warnings
        return checked_pass(self, "predict", lambda: self._predict_rows(X, rows))

    def evaluate(self, X: object, Y: object, sample_weight: object = None,
                 batch_size: int | None = None) -> dict[str, float]:
        """Cost (and accuracy) of the network on data, as training reports them.

        Computed in blocks of rows like :meth:`predict`, keeping none of the
        pass's arrays.  ``"loss"`` is the cost ``J`` of :meth:`loss_value`:
        the mean loss plus the weight decay (as Keras's ``evaluate`` adds its
        regularisation penalties), which is what :func:`chainrule.train`
        records as ``"loss"`` and ``"val_loss"``; so ``evaluate(X_val,
        Y_val)`` gives the last epoch's ``val_loss`` and ``val_accuracy``
        (exactly with the default ``batch_size``: training evaluates its
        validation set in the same blocks; to rounding with other blocks).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_inputs)
            As in :meth:`predict`.
        Y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets
            As in :meth:`loss_and_grad` (integer class labels 0..n_outputs-1
            for several outputs).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights with a positive sum: the loss is the weighted
            mean of :meth:`loss_and_grad` (with its per-sample decay divided by
            the sum of the weights), the accuracy the weighted fraction of
            examples classified right (scikit-learn's ``accuracy_score`` with
            ``sample_weight``).  Training weights ``val_loss`` and
            ``val_accuracy`` the same way, so the two agree with weights too.
        batch_size : int, optional
            Rows per block, as in :meth:`predict`.

        Returns
        -------
        dict
            ``"loss"`` (float), and for a classifier (loss "cross_entropy",
            "log_loss", "multiclass_hinge" or "hinge", as training decides)
            ``"accuracy"`` (float): the fraction of examples whose class, the
            argmax of the outputs, is the target's; with one output, or several
            sigmoid outputs under log loss (multi-label), each output thresholded
            at 0.5 and an example right when all of its labels are.  The margin
            losses' outputs are scores: under "hinge" each output's class is its
            sign (a score > 0 is +1, as :func:`~chainrule.losses.hinge_predictions`
            and scikit-learn's ``SGDClassifier.predict`` take it).

        Raises
        ------
        ValueError
            As :meth:`predict`: a parameter made NaN or infinite in place
            (``layer.W -= np.inf``), or a BatchNorm's running statistics made so (or its
            variance negative), named, layer and array, with no NumPy warning before.
        """
        X = self._inference_input(X)
        n = X.shape[0]
        Y = self.prepare_targets(Y, n, compact=True)  # one-hot labels as bytes, per block
        sw = self.check_sample_weight(sample_weight, n)
        classify, labels, cut = _accuracy_rule(self)
        rows, got = self._block_rows(batch_size, X), []

        def run() -> np.ndarray:  # the per-example losses, checked as predict's outputs are
            got[:] = self._pass_terms(X, Y, rows, classify, labels, cut)
            return got[0]

        # parameters and running statistics made NaN in place: refused by name, as predict
        # refuses them, not a loss or accuracy of NaN outputs (argmax of NaN is class 0)
        losses = checked_pass(self, "evaluate", run)
        right = got[1]
        if sw is None:  # as _cost_value on all the rows at once
            result = {"loss": float(np.mean(losses)) + self._decay_term(n)}
        else:  # as train's val_loss (_training_epochs._weighted_cost)
            mean, total = _weighted_mean(losses, sw)
            result = {"loss": mean + self._decay_term(total)}
        if classify:
            result["accuracy"] = (int(np.count_nonzero(right)) / n if sw is None
                                  else _weighted_mean(right, sw)[0])
        return result

    def _predict_rows(self, X: Any, rows: int, layers: slice = slice(None)) -> np.ndarray:
        """:meth:`predict` of checked ``X`` (see :meth:`_inference_input`) in blocks of ``rows``.

        The one loop over blocks of outputs that :meth:`predict`, the estimators'
        predictions (``_mlp_base._evaluate``), :class:`~chainrule.SavedModel` and
        the decision-region plots share.  ``layers`` runs only those layers (``X``
        is then the input of the first of them): the outputs of an autoencoder's
        encoder or decoder alone.
        """
        out = None
        with _EvaluationPass(self, layers) as pass_:
            for start, A in pass_.blocks(X, rows):
                if out is None:
                    if A.shape[0] == X.shape[0]:  # one block: its output is the result
                        return A
                    out = np.empty((X.shape[0], *A.shape[1:]), dtype=A.dtype)
                out[start:start + A.shape[0]] = A
        return out

    def _pass_terms(self, X: Any, Y: np.ndarray, rows: int, classify: bool,
                    labels: bool = False,
                    cut: float = 0.5) -> tuple[np.ndarray, np.ndarray | None]:
        """Per-example losses, and which examples are classified right, in blocks of ``rows``.

        What :meth:`evaluate` and the validation pass of :func:`chainrule.train`
        reduce to a loss and an accuracy, once, over all the rows: so one block
        gives the numbers of one pass over all of them exactly (the same array,
        the same sums), several blocks the same up to the rounding of their
        matrix products.

        Parameters
        ----------
        X : checked inputs (see :meth:`_inference_input`), n_samples rows
        Y : ndarray of shape (n_samples, n_outputs)
            Prepared targets (:meth:`prepare_targets`), in any numeric dtype:
            converted to the network's a block at a time.
        rows : int
            Rows per block.
        classify : bool
            Whether to say which examples are classified right.
        labels : bool, default False
        cut : float, default 0.5
            As in :func:`_correct_rows`.

        Returns
        -------
        losses : ndarray of shape (n_samples,)
            :meth:`_output_terms`, the loss of each example.
        right : ndarray of bool of shape (n_samples,), or None without ``classify``
        """
        terms = []
        right = np.empty(X.shape[0], dtype=bool) if classify else None
        with _EvaluationPass(self) as pass_:
            for start, A in pass_.blocks(X, rows):
                Yb = Y[start:start + A.shape[0]].astype(self.dtype, copy=False)
                terms.append(self._output_terms(Yb))
                if classify:
                    right[start:start + A.shape[0]] = _correct_rows(A, Yb, labels, cut)
        return (terms[0] if len(terms) == 1 else np.concatenate(terms)), right

    def _inference_input(self, X: object) -> np.ndarray:
        """``X`` checked for :meth:`predict` and :meth:`evaluate` (see _inference.check_inputs)."""
        return check_inputs(X, self.n_inputs, self.dtype)

    def _block_rows(self, batch_size: int | None, X: Any = None) -> int:
        """Rows per block of :meth:`predict`: ``batch_size``, or about 2 MiB of the widest
        array of a pass over the checked rows ``X`` (a sparse ``X`` a first Dense layer
        takes counts as its stored values per row, see :func:`~chainrule._inference.row_values`)."""
        if batch_size is not None:
            return check_positive_int(batch_size, "batch_size")
        return block_rows(row_values(self.layers, self.layer_shapes(), X), self.dtype.itemsize)


# What the layers keep of their last forward/backward pass (Dense, Conv2D, pooling,
# BatchNorm, Dropout): arrays with one row per example of that pass's batch.
_BATCH_CACHES = ("X", "Z", "A", "delta", "_lse", "Xhat", "inv_std", "mask", "patches", "argmax")


def _release_layer(layer: Layer, keep: tuple[str, ...] = ()) -> None:
    """Drop one layer's arrays of its last pass (see :func:`_release_caches`), but ``keep``."""
    for attr in _BATCH_CACHES:
        if attr not in keep and getattr(layer, attr, None) is not None:
            setattr(layer, attr, None)
    if isinstance(layer, SpatialLayer) and getattr(layer, "_work", None):
        layer._work.clear()  # Conv2D's im2col buffers, reused from batch to batch


# One lock per network for its evaluation passes, kept by its first layer (a shallow copy
# of a network shares its layers, so its lock too).  A pass writes its arrays on the layers
# (X, Z, A, a Conv2D's im2col buffers) and puts back on leaving what they held on entering:
# two passes at once on the same layers would read each other's arrays (wrong outputs,
# losses of another thread's rows, shape errors) and leave one's arrays behind.  Keyed by
# the layer's identity, not its hash: a user's Layer subclass may define __eq__ (a
# dataclass does), which makes it unhashable, or equal to another network's layer; the
# entry goes when the layer does (weakref.finalize), before its id can be reused.
_PASS_LOCKS: dict[int, threading.RLock] = {}
_PASS_LOCKS_LOCK = threading.Lock()


def _pass_lock(net: Network) -> threading.RLock:
    """The lock that serialises the evaluation passes over ``net``'s layers."""
    first = net.layers[0]
    lock = _PASS_LOCKS.get(id(first))
    if lock is None:
        with _PASS_LOCKS_LOCK:  # two threads' first passes get the same lock
            lock = _PASS_LOCKS.get(id(first))
            if lock is None:
                lock = _PASS_LOCKS[id(first)] = threading.RLock()
                weakref.finalize(first, _PASS_LOCKS.pop, id(first), None)
    return lock


class _EvaluationPass:
    """A block for an internal evaluation pass whose arrays nobody reads afterwards.

    Training evaluates the validation set after every epoch: forward passes
    in evaluation mode over all of it, a block of rows at a time
    (:meth:`blocks`).  A plain :meth:`Network._forward` would
    leave in every layer that pass's arrays, which only a backward pass reads
    (a convolution's im2col columns, its input, net input and output, the
    normalised inputs of a BatchNorm, ...): for a CNN on 1,000 images of 28x28,
    hundreds of MiB held after ``train`` returns.  :meth:`forward` here lets
    each layer drop its arrays as soon as the next layer has its output, and
    keeps only the output layer's net input and output (and its softmax's
    log-sum-exp), which the cost and accuracy of the pass read inside the
    block.  On leaving, every layer gets back what it held before the block
    (the last training batch's arrays, which the diagnostics read, and a
    Conv2D's buffers of the training batch size), and the pass's arrays go.

    The numbers are those of ``net._forward(X, False)``: the same layers' own
    forward passes, in the same order.

    The block holds the network's lock (:func:`_pass_lock`, reentrant) from
    entering to leaving, so that passes from several threads over one network
    run one after the other, each on its own arrays.
    """

    # what the output layer keeps during the block: what Network._output_terms reads
    _OUTPUT = ("Z", "A", "_lse")

    def __init__(self, net: Network, layers: slice = slice(None)) -> None:
        self.net = net
        self.layers = net.layers[layers]  # those the pass runs, in order (all by default)
        self.span = layers
        self.saved: list[dict] = []

    def __enter__(self) -> _EvaluationPass:
        self.lock = _pass_lock(self.net)
        self.lock.acquire()
        try:
            self.saved = [dict(vars(layer)) for layer in self.net.layers]
            for layer in self.net.layers:
                if isinstance(layer, SpatialLayer) and isinstance(getattr(layer, "_work", None),
                                                                   dict):
                    layer._work = {}  # the pass's own buffers, not the training batch's
        except BaseException:  # (an interrupt) the layers as they were, the lock free
            if self.saved:
                self.__exit__()
            else:
                self.lock.release()
            raise
        return self

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Outputs of the network for ``X`` in evaluation mode, as ``net._forward(X, False)``."""
        A, last = X, len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            A = layer.forward(A, False)
            _release_layer(layer, self._OUTPUT if i == last else ())
        return A

    def blocks(self, X: Any, rows: int) -> Iterator[tuple[int, np.ndarray]]:
        """``(start, outputs)`` of :meth:`forward` on each block of ``rows`` rows of checked ``X``.

        ``X`` as :func:`chainrule._inference.input_blocks` takes it (checked by
        :func:`~chainrule._inference.check_inputs`): each block is converted to the
        network's dtype on its own, and made dense unless it is sparse and the first
        layer of the pass takes it so (a Dense layer).  While a block's outputs
        are at hand, the output layer holds its net input (what
        :meth:`Network._output_terms` reads).
        """
        net = self.net
        # a damaged file's padding or image size: refused by name, not by NumPy's allocator
        # (only spatial layers have sizes no parameter array holds: a Dense layer's widths
        # are those of its weights, already in memory)
        if any(isinstance(layer, SpatialLayer) for layer in self.layers):
            check_one_example(self.layers, net.layer_shapes()[self.span], net.dtype.itemsize,
                              range(len(net.layers))[self.span].start if self.layers else 0)
        sparse_first = bool(self.layers) and _takes_sparse(self.layers[0])
        for start, block in input_blocks(X, rows, net.n_inputs, net.dtype,
                                         keep_sparse=sparse_first):
            yield start, self.forward(block)

    def __exit__(self, *exc: object) -> None:
        try:
            for layer, saved in zip(self.net.layers, self.saved, strict=True):
                _release_layer(layer)  # the pass's arrays, and an attribute it added
                vars(layer).update(saved)
            self.saved = []
        finally:
            self.lock.release()


def _weighted_mean(values: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """``sum(values * w) / sum(w)``, and ``sum(w)``, also where those sums overflow.

    ``values`` and ``w`` are of shape (n,), ``w`` non-negative with a positive
    sum.  Weights whose sums pass the largest float (``np.full(n, 1e308)``)
    made both sums inf and the mean NaN; then the mean is taken with the
    weights divided by the largest one, which leaves it unchanged, and the sum
    returned is inf (a per-sample decay divided by it is 0).  Other weights
    get exactly the two sums and the division they always had.

    Returns
    -------
    mean : float
    total : float
        ``sum(w)`` in ``w``'s dtype, as a float (inf when it overflows).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(w))
        weighted = float(np.dot(values, w))
        if math.isfinite(total) and math.isfinite(weighted):
            return weighted / total, total
        scaled = w / w.max()  # sums of at most n: no overflow
        return float(np.dot(values, scaled)) / float(np.sum(scaled)), total
