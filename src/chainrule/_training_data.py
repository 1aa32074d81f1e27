"""The training data as the loop takes it: checked, held out, and gathered in mini-batches.

Sparse and narrow-dtype data are kept as given and converted a mini-batch at a
time; :class:`_TrainingData`, a mixin base of :class:`~chainrule.training.Trainer`,
holds its methods that check the data of a fit (and that a continued run keeps its weighting and
its validation data).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ._checkpoints_data import data_record
from ._class_weight import target_class_weights, times_sample_weight
from ._validation import _check_all_finite, check_data, check_sparse_layout
from ._validation_arrays import too_large_message
from .layers import _takes_sparse
from .network import Network


def _is_sparse(X: object) -> bool:
    """Whether ``X`` is a scipy.sparse matrix or array (without importing scipy.sparse)."""
    sparse = sys.modules.get("scipy.sparse")  # not imported: X cannot be one
    return sparse is not None and sparse.issparse(X)


def _check_sparse(X: Any, net: Network, name: str = "X") -> Any:
    """A sparse ``X`` as CSR in the dtype training keeps it (:func:`_storage_dtype`: its
    own where a mini-batch at a time gives the same numbers, else the network's), its
    shape and values checked.

    Training passes it a mini-batch at a time (:func:`_sparse_batch`): sparse to a
    first Dense layer, densified for any other.
    """
    if X.dtype.kind not in "biuf":  # astype would drop an imaginary part with a mere warning
        raise TypeError(f"{name} must hold numbers, got a sparse matrix of dtype {X.dtype}")
    X = X.tocsr()
    check_sparse_layout(X, net.n_inputs, name)  # features, or the image shape
    _check_all_finite(X.data, name)  # NaN or infinite values as given
    dtype = _storage_dtype(X.dtype, net.dtype)
    if X.dtype != dtype:  # float64 data for a float32 network: converted whole, once
        values = X.data
        with np.errstate(over="ignore"):  # values beyond the target range become inf
            X = X.astype(dtype)
        if not np.all(np.isfinite(X.data)):  # as check_finite_array refuses dense data
            raise ValueError(too_large_message(name, dtype, float(np.max(np.abs(values)))))
    return X


def _storage_dtype(dtype: np.dtype, net_dtype: np.dtype) -> np.dtype:
    """The dtype in which training keeps data of ``dtype`` for a network of ``net_dtype``.

    Its own when converting it a mini-batch at a time gives the numbers that
    converting it whole would (integers and booleans, float32 for a float64
    network: no value can overflow), so that the data is not copied whole;
    the network's otherwise (float64 data for a float32 network is converted
    whole, where a value beyond float32's range is refused).
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "biu" or (dtype.kind == "f" and np.can_cast(dtype, net_dtype, "safe")):
        return dtype
    return np.dtype(net_dtype)


def _densify(X: Any, net: Network) -> np.ndarray:
    """Rows of a checked sparse ``X`` as a dense array the network's first layer takes.

    Returns
    -------
    ndarray of shape (n_rows, n_inputs), or (n_rows, channels, height, width) for a
    network on images (the rows are its pixels in (channel, row, column) order), in
    the network's dtype
    """
    dense = X.astype(net.dtype, copy=False).toarray()  # the rows' values only, converted
    shape = net.n_inputs
    return dense if isinstance(shape, int) else dense.reshape(dense.shape[0], *shape)


def _sparse_batch(X: Any, net: Network) -> Any:
    """Rows of a checked sparse ``X`` as the network's first layer takes them: a CSR
    matrix in the network's dtype where that layer computes on it as it is (a Dense
    layer, :func:`chainrule.layers._takes_sparse`), else dense (:func:`_densify`)."""
    if _takes_sparse(net.layers[0]):
        return X.astype(net.dtype, copy=False)  # CSR rows: only their values converted
    return _densify(X, net)


def _argmax_rows(A: np.ndarray, out: np.ndarray) -> None:
    """The column of each row's largest entry of ``A`` (n, k), written into ``out`` (n,)."""
    try:
        A.argmax(axis=1, out=out)
    except (TypeError, ValueError):  # a NumPy that writes argmax only into intp arrays
        out[...] = A.argmax(axis=1)


def _exact_one_hot(Y: np.ndarray, net: Network) -> bool:
    """Whether every row of the targets ``Y`` is exactly one-hot, where the loss can use it.

    Only the softmax + cross-entropy output has a shortcut for such targets (see
    ``Network._loss_and_grad``); for other outputs this is False without a look.
    One-hot rows made from class labels come as uint8 (``prepare_targets(compact=True)``)
    and are one-hot by construction; other targets are checked once per run.
    """
    path = net._logit_path()
    if path is None or path._delta_one_hot is None or _is_sparse(Y) or Y.ndim != 2:
        return False
    if Y.dtype == np.uint8:
        return True
    return bool(np.all((Y == 0) | (Y == 1)) and np.all(np.count_nonzero(Y, axis=1) == 1))


class _Gather:
    """Rows ``A[idx]`` of the shuffled mini-batches, written into one reused buffer per shape.

    The buffer of a batch is overwritten by the next batch of the same size, which is
    all the training loop needs (the layers keep the inputs of the last batch only).
    """

    def __init__(self) -> None:
        self._buffers: dict[tuple, np.ndarray] = {}

    def __call__(self, A: np.ndarray, idx: np.ndarray) -> np.ndarray:
        key = (id(A), idx.shape[0])
        out = self._buffers.get(key)
        if out is None:
            out = self._buffers[key] = np.empty((idx.shape[0], *A.shape[1:]), dtype=A.dtype)
        if not A.flags.c_contiguous:
            # take() would first copy all of A to C order, on every call: a DataFrame's
            # values are Fortran-ordered (a copy of the data and 33 ms per batch for
            # 100,000 x 200 float32); indexing gathers the batch's rows only
            out[...] = A[idx]
            return out
        # mode="clip": the rows of a permutation are always in range, and NumPy buffers
        # ``out`` (an extra copy) under the default mode="raise"
        return A.take(idx, axis=0, out=out, mode="clip")  # np.take without its wrapper

    def as_dtype(self, A: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
        """``A`` (a batch of inputs or of compact one-hot targets, ``name`` "X" or "Y") in
        ``dtype``, in one reused buffer per name and shape."""
        key = ("as_dtype", name, A.shape, dtype)
        out = self._buffers.get(key)
        if out is None:
            out = self._buffers[key] = np.empty(A.shape, dtype=dtype)
        np.copyto(out, A)
        return out


def _batch_of(X: Any, Y: np.ndarray, sw: np.ndarray | None, order: np.ndarray | None,
              batch: int, bs: int, sparse: bool, gather: _Gather,
              net: Network, stop: int | None = None,
              ) -> tuple[Any, np.ndarray, np.ndarray | None]:
    """The rows of mini-batch ``batch`` (of ``bs`` rows, or up to row ``stop``; in the
    epoch's ``order``, or in the data's), the targets' and the weights' (``sw``, or None), in
    the network's dtype."""
    if order is None and bs == X.shape[0]:
        Xb, Yb, swb = X, Y, sw
    else:
        idx = slice(batch * bs, (batch + 1) * bs if stop is None else stop)
        if order is None:
            Xb, Yb = X[idx], Y[idx]  # views, no copy
            swb = None if sw is None else sw[idx]
        else:
            rows = order[idx]
            Xb = X[rows] if sparse else gather(X, rows)  # a sparse X's converted below
            Yb = gather(Y, rows)
            swb = None if sw is None else sw[rows]
    if sparse:  # one mini-batch at a time (kept sparse for a first Dense layer)
        Xb = _sparse_batch(Xb, net)
    elif Xb.dtype != net.dtype:  # float32 or integer data
        Xb = gather.as_dtype(Xb, net.dtype, "X")
    if Yb.dtype != net.dtype:  # compact one-hot targets
        Yb = gather.as_dtype(Yb, net.dtype, "Y")
    return Xb, Yb, swb


def _refuse_zero_val_weights(weights: object) -> None:
    """Refuse validation rows' weights (``validation_data[2]``) that all are 0, saying so
    (``check_sample_weight``'s message says only that their sum is not positive)."""
    try:
        w = np.asarray(weights, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return
    if w.size and np.all(w == 0):
        raise ValueError(
            "validation_data[2] must be non-negative with a positive sum: the "
            f"{w.size} validation rows all weigh 0; expected a positive weight on at least "
            f"one validation row, to score the validation loss on; got {w.size} weights of "
            "0. Give some of them a weight, or leave the third item out to weigh them "
            "alike.") from None


def _arguments(X: object, Y: object, validation_data: object, sample_weight: object) -> tuple:
    """A fit's data arguments, its validation items one by one (the tuple is rebuilt)."""
    items = (tuple(validation_data) if isinstance(validation_data, (tuple, list))
             else (validation_data,))
    return (X, Y, sample_weight, *items)


def _same(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


class _TrainingData:
    """The data of a fit: the mixin base of :class:`~chainrule.training.Trainer` that checks it."""

    # -- data --------------------------------------------------------------------------------
    def _data_ahead(self, X: object, Y: object, validation_data: object,
                    sample_weight: object = None) -> dict:
        """What the next fit of these very arrays records of its data (:func:`data_record`,
        each array hashed), worked out now; that fit takes it, and the rest of these
        checks, as they are here instead of hashing again.  For ``train --resume``, which
        compares the record with its checkpoint's before it prints a line; the arrays must
        not change in between (the same objects are the key)."""
        out = self._data(X, Y, validation_data, sample_weight)
        self._ahead = (_arguments(X, Y, validation_data, sample_weight), out)
        return out[-1]

    def _data(self, X: object, Y: object, validation_data: object, sample_weight: object = None):
        ahead, self._ahead = getattr(self, "_ahead", None), None
        if ahead is not None and _same(ahead[0], _arguments(X, Y, validation_data,
                                                            sample_weight)):
            return ahead[1]
        net = self.net
        # one-hot targets made from class labels are kept as uint8 (a quarter of float32,
        # an eighth of float64; 2.3 against 0.6 MiB for 60,000 labels of 10 classes) and
        # converted a mini-batch at a time in the loop
        # X is kept in its own dtype where converting it a mini-batch at a time gives the
        # same numbers (float32 or integers for a float64 network: no whole copy)
        if _is_sparse(X):
            X = _check_sparse(X, net)
        else:
            dtype = getattr(X, "dtype", None)
            keep = (net.dtype if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf"
                    else _storage_dtype(dtype, net.dtype))
            X = check_data(X, net.n_inputs, keep)
        Y = net.prepare_targets(Y, X.shape[0], compact=True)
        sw = net.check_sample_weight(sample_weight, X.shape[0])
        # class_weight: the training examples' weights times their class's; the examples
        # held out by validation_fraction keep sample_weight alone (val_loss), as Keras
        # applies class_weight to the training loss only
        cw = target_class_weights(self.class_weight, net, Y, sample_weight=sw)
        given_data = (X, Y, sw)  # as given: the checkpoint's record (before any split)
        val = None
        if validation_data is not None and self.validation_fraction:
            raise ValueError(
                f"validation_data and validation_fraction={self.validation_fraction}: give "
                "one of them (a held-out fraction of X, or your own validation set), not both"
            )
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise TypeError(
                    "validation_data must be a pair (X_val, Y_val) or a triple (X_val, Y_val, "
                    f"sample_weight_val), got {type(validation_data).__name__}"
                    + (f" of {len(validation_data)} items"
                       if isinstance(validation_data, (tuple, list)) else "")
                )
            Xv = validation_data[0]
            if _is_sparse(Xv):  # evaluated whole every epoch: converted (or densified) once
                Xv = _sparse_batch(_check_sparse(Xv, net, "validation_data[0]"), net)
            if not _is_sparse(Xv):
                Xv = check_data(Xv, net.n_inputs, net.dtype, "validation_data[0]")
            val = (Xv, net.prepare_targets(validation_data[1], Xv.shape[0], "validation_data[1]",
                                           x_name="validation_data[0]"))
            try:  # the third item: the validation rows' weights (Keras's val_sample_weights)
                swv = net.check_sample_weight(
                    validation_data[2] if len(validation_data) == 3 else None, Xv.shape[0])
            except (TypeError, ValueError) as exc:  # said of validation_data[2]
                _refuse_zero_val_weights(validation_data[2])
                raise type(exc)(str(exc).replace("sample_weight", "validation_data[2]")) from None
            if swv is not None:  # val_loss weighted as the training loss is
                val = (*val, swv)
        elif self.validation_fraction:
            m = X.shape[0]
            n_val = round(m * self.validation_fraction)
            if n_val < 1 or n_val >= m:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} of {m} examples leaves "
                    f"{n_val} for validation and {m - n_val} for training; both need >= 1"
                )
            order = np.random.default_rng([self.seed, 1]).permutation(m)  # fixed across resumes
            if sw is not None:  # each part needs a positive weight: refused before training
                from ._split_weights import check_split_weights

                check_split_weights(
                    "sample_weight", f"validation_fraction={self.validation_fraction} (of {m} "
                    "examples)", "Give some of them a weight, or choose another seed or "
                    "validation_fraction, or pass validation_data.",
                    sw[order[n_val:]], sw[order[:n_val]])
            Xv = X[order[:n_val]]
            val = (_sparse_batch(Xv, net) if _is_sparse(Xv) else Xv.astype(net.dtype, copy=False),
                   Y[order[:n_val]].astype(net.dtype, copy=False))  # evaluated whole
            if sw is not None:  # the held-out examples keep their weights (val_loss)
                val = (*val, sw[order[:n_val]])
            X, Y = X[order[n_val:]], Y[order[n_val:]]
            sw = None if sw is None else sw[order[n_val:]]
            cw = None if cw is None else cw[order[n_val:]]
        # the caller's weights, which a checkpoint records as "sample_weighted" (class_weight
        # it records apart, and a resumed run applies again)
        given = sw
        if cw is not None:
            cw = times_sample_weight(cw, sw, self.class_weight, about="training example")
            sw = net.check_sample_weight(cw, X.shape[0])  # None for weights all 1
        # what the checkpoint records of the data, its digests where one is written or read
        seen = data_record(*given_data, val if validation_data is not None else None,
                           self.checkpoint is not None or self._resumed_data is not None,
                           self._resumed_data)
        return X, Y, val, sw, given, seen

    def _check_weighting(self, sw: np.ndarray | None) -> None:
        """Refuse to continue a run with a different weighting than it was trained with.

        ``sw``: the ``sample_weight`` given (None without), not times
        ``class_weight``'s weights, which the run keeps itself.
        """
        weighted = sw is not None
        if self.sample_weighted is None or self.sample_weighted == weighted:
            return
        if self.sample_weighted:
            raise ValueError(
                f"sample_weight: {self._origin} holds a run trained with sample weights (up to "
                f"epoch {self.epoch}); continuing it without them would silently train another, "
                "unweighted run. Pass the same sample_weight (resume(..., sample_weight=w) or "
                "Trainer.fit(..., sample_weight=w)); got none (or weights that are all 1)"
            )
        raise ValueError(
            f"sample_weight: {self._origin} holds a run trained without sample weights (up to "
            f"epoch {self.epoch}); continuing it with weights would not continue that run. Leave "
            "sample_weight out, or start a new run on the network with "
            f"chainrule.train(..., sample_weight=w); got weights from {sw.min():g} to "
            f"{sw.max():g}"
        )

    def _check_validation(self, validated: bool, weighted: bool = False) -> None:
        """Refuse to continue a run with validation data it did not have, or without its own,
        or with its validation rows weighted otherwise (``weighted``: the third item of
        ``validation_data``, not all 1).

        Early stopping and a schedule watching "val_loss" would otherwise switch
        silently to the training loss (compared with the best validation loss so
        far), or compare an unweighted validation loss with the best weighted one,
        and the history's "val_loss" would stop matching its epochs.
        """
        if not self.history.epochs:
            return
        if validated and self.val_weighted is not None and self.val_weighted != weighted:
            raise ValueError(
                f"validation_data: {self._origin} holds a run whose validation rows were "
                + ("weighted (validation_data=(X_val, Y_val, w_val)); continuing it needs the "
                   "same weights again; got none (or weights that are all 1)"
                   if self.val_weighted else
                   "not weighted; continuing it with weights would compare weighted "
                   "validation scores with its unweighted ones. Pass (X_val, Y_val) as "
                   "before; got validation weights (validation_data[2])")
                + f" ({self.history.epochs} epochs so far)")
        had = "val_loss" in self.history
        if had and not validated:
            raise ValueError(
                f"validation_data: {self._origin} holds a run evaluated on validation data "
                f"(val_loss for its {self.history.epochs} epochs); continuing it needs the "
                "same validation data: pass validation_data=(X_val, Y_val) again; got none"
            )
        if validated and not had:
            raise ValueError(
                f"validation_data: {self._origin} holds a run trained without validation data "
                f"({self.history.epochs} epochs, no val_loss); continuing it with some would "
                "not continue that run. Leave validation_data out; got validation data"
            )
