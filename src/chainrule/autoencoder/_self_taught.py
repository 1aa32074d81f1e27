"""The self-taught learning comparison (UFLDL): raw pixels against learned features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from .._validation import (
    check_finite_array,
    check_positive_int,
)
from .._validation_labels import check_label_kinds
from ..activations import _outside
from ._base import _interrupt_aborts
from ._softmax import SoftmaxRegression
from ._sparse import SparseAutoencoder
from ._stacked import StackedAutoencoder


@dataclass
class SelfTaughtResult:
    """Test accuracies and run times of raw pixels, self-taught features and the stack.

    Attributes
    ----------
    accuracy : dict of str -> float
        ``"raw"`` (softmax on the inputs), ``"self_taught"`` (softmax on the
        features of an autoencoder trained on the unlabelled data),
        ``"stacked_pretrained"`` (the stack's softmax before fine-tuning),
        ``"stacked"`` (after fine-tuning).
    seconds : dict of str -> float
        Training time of each, same keys.
    autoencoder : SparseAutoencoder
        The self-taught feature learner.
    stacked : StackedAutoencoder
    sizes : dict of str -> int
        ``n_unlabeled``, ``n_train``, ``n_test``, ``n_features``.
    """

    accuracy: dict[str, float]
    seconds: dict[str, float]
    autoencoder: SparseAutoencoder
    stacked: StackedAutoencoder
    sizes: dict[str, int]

    def summary(self) -> str:
        """A printable table of accuracies and times.

        Returns
        -------
        str
        """
        s = self.sizes
        lines = [f"{s['n_unlabeled']} unlabelled, {s['n_train']} labelled training and "
                 f"{s['n_test']} test examples of {s['n_features']} features",
                 f"{'classifier':<42} {'test accuracy':>13} {'time':>8}"]
        names = {"raw": "softmax on raw inputs",
                 "self_taught": "softmax on self-taught features",
                 "stacked_pretrained": "stacked autoencoder, before fine-tuning",
                 "stacked": "stacked autoencoder, fine-tuned"}
        for key, name in names.items():
            lines.append(f"{name:<42} {self.accuracy[key]:>13.4f} {self.seconds[key]:>7.1f}s")
        return "\n".join(lines)


def self_taught_learning(
    X_unlabeled: object,
    X_train: object,
    y_train: object,
    X_test: object,
    y_test: object,
    n_hidden: int = 200,
    hidden_sizes: Sequence[int] = (200, 200),
    rho: float = 0.1,
    beta: float = 3.0,
    weight_decay: float = 3e-3,
    max_iter: int = 400,
    softmax_weight_decay: float = 1e-4,
    softmax_max_iter: int = 400,
    fine_tune_iter: int = 400,
    random_state: int = 0,
) -> SelfTaughtResult:
    """Softmax on raw inputs vs on self-taught features vs a fine-tuned stacked autoencoder.

    All three classifiers see the same labelled training data and are scored
    on the same test data; the autoencoders learn from ``X_unlabeled`` only
    (SPEC 9's settings on handwritten digits by default).

    Parameters
    ----------
    X_unlabeled : array-like of shape (n_unlabeled, n_features), values in [0, 1]
    X_train : array-like of shape (n_train, n_features), values in [0, 1]
    y_train : array-like of shape (n_train,)
    X_test : array-like of shape (n_test, n_features)
    y_test : array-like of shape (n_test,)
    n_hidden : int, default 200
        Units of the self-taught autoencoder.
    hidden_sizes : sequence of int, default (200, 200)
        Layers of the stacked autoencoder.
    rho : float, default 0.1
        Target mean activation of the autoencoders' hidden units.
    beta : float, default 3.0
        Weight of their sparsity penalty.
    weight_decay : float, default 3e-3
        Their weight decay.
    max_iter : int, default 400
        Their L-BFGS iterations.
    softmax_weight_decay : float, default 1e-4
        Weight decay of the softmax classifiers.
    softmax_max_iter : int, default 400
        Their L-BFGS iterations.
    fine_tune_iter : int, default 400
        Iterations of the stack's fine-tuning (0 skips it: ``"stacked"`` is
        then ``"stacked_pretrained"``).
    random_state : int, default 0

    Returns
    -------
    SelfTaughtResult

    A Ctrl-C (KeyboardInterrupt) ends the comparison and goes on to the
    caller, rather than stopping one classifier's training and going on to the next.
    """
    with _interrupt_aborts():
        return _self_taught_learning(
            X_unlabeled, X_train, y_train, X_test, y_test, n_hidden, hidden_sizes, rho, beta,
            weight_decay, max_iter, softmax_weight_decay, softmax_max_iter, fine_tune_iter,
            random_state)


def _self_taught_learning(
    X_unlabeled: object, X_train: object, y_train: object, X_test: object, y_test: object,
    n_hidden: int, hidden_sizes: Sequence[int], rho: float, beta: float, weight_decay: float,
    max_iter: int, softmax_weight_decay: float, softmax_max_iter: int, fine_tune_iter: int,
    random_state: int,
) -> SelfTaughtResult:
    """:func:`self_taught_learning` within its block where a Ctrl-C goes on."""
    import time

    dense = "self_taught_learning takes dense data only"  # what a sparse matrix is told
    X_unlabeled = check_finite_array(X_unlabeled, "X_unlabeled", dtype=np.float64, ndim=2,
                                     sparse_note=dense)
    X_train = check_finite_array(X_train, "X_train", dtype=np.float64, ndim=2,
                                 sparse_note=dense)
    X_test = check_finite_array(X_test, "X_test", dtype=np.float64, ndim=2, sparse_note=dense)
    for name, data in (("X_unlabeled", X_unlabeled), ("X_test", X_test)):
        if data.shape[1] != X_train.shape[1]:
            raise ValueError(f"{name} must have {X_train.shape[1]} columns like X_train, "
                             f"got {data.shape[1]}")
    for name, data in (("X_unlabeled", X_unlabeled), ("X_train", X_train)):
        if _outside(data, 0.0, 1.0):  # X_train: the stack's labelled data
            raise ValueError(
                f"{name}: the data must lie in [0, 1] (the autoencoders reconstruct such "
                f"data by a sigmoid), got values from {data.min():.7g} to {data.max():.7g}; "
                "rescale it (chainrule.preprocessing.normalize_patches)")
    check_label_kinds(y_train, "y_train")
    check_label_kinds(y_test, "y_test")
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    for name, labels, data in (("y_train", y_train, X_train), ("y_test", y_test, X_test)):
        if labels.shape != (data.shape[0],):
            raise ValueError(f"{name} must have shape ({data.shape[0]},) (one label per row "
                             f"of X_{name[2:]}), got {labels.shape}")
    try:  # what the classifiers would refuse, named as the caller named it
        check_classification_targets(y_train)
    except ValueError as exc:
        raise ValueError(f"y_train: {exc}") from None
    classes = np.unique(y_train)
    if classes.size < 2:
        raise ValueError(f"y_train has 1 class ({classes.tolist()[0]!r}); at least 2 classes "
                         "are needed")
    # every setting checked by its own name before minutes of training
    check_positive_int(n_hidden, "n_hidden")
    stack = StackedAutoencoder(hidden_sizes, rho=rho, beta=beta, weight_decay=weight_decay,
                               max_iter=max_iter, softmax_weight_decay=softmax_weight_decay,
                               softmax_max_iter=softmax_max_iter, fine_tune_iter=0,
                               random_state=random_state)
    stack._checked_settings()
    fine_tune_iter = check_positive_int(fine_tune_iter, "fine_tune_iter", minimum=0)
    acc, secs = {}, {}

    def softmax() -> SoftmaxRegression:
        return SoftmaxRegression(softmax_weight_decay, softmax_max_iter, random_state)

    start = time.perf_counter()
    raw = softmax().fit(X_train, y_train)
    secs["raw"] = time.perf_counter() - start
    acc["raw"] = float(raw.score(X_test, y_test))

    start = time.perf_counter()
    ae = SparseAutoencoder(n_hidden, rho=rho, beta=beta, weight_decay=weight_decay,
                           max_iter=max_iter, random_state=random_state).fit(X_unlabeled)
    taught = softmax().fit(ae.transform(X_train), y_train)
    secs["self_taught"] = time.perf_counter() - start
    acc["self_taught"] = float(taught.score(ae.transform(X_test), y_test))

    start = time.perf_counter()
    stack.fit(X_train, y_train, X_unlabeled)
    secs["stacked_pretrained"] = time.perf_counter() - start
    acc["stacked_pretrained"] = float(stack.score(X_test, y_test))
    start = time.perf_counter()
    if fine_tune_iter:  # 0: no fine-tuning, as in StackedAutoencoder
        stack.fine_tune(X_train, y_train, fine_tune_iter)
    secs["stacked"] = secs["stacked_pretrained"] + time.perf_counter() - start
    acc["stacked"] = float(stack.score(X_test, y_test))
    sizes = {"n_unlabeled": X_unlabeled.shape[0], "n_train": X_train.shape[0],
             "n_test": X_test.shape[0], "n_features": X_train.shape[1]}
    return SelfTaughtResult(acc, secs, ae, stack, sizes)
