"""The network classifiers' shared predict / predict_proba / predict_log_proba / save."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from .._network_inference import _EvaluationPass
from .._validation_labels import check_class_targets
from ..network import Network
from ._base import _checked_X


class _NetClassifier(ClassifierMixin, BaseEstimator):
    """Shared predict / predict_proba / predict_log_proba / score of the network classifiers."""

    def _check_fitted(self) -> Network:
        if not hasattr(self, "network_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")
        return self.network_

    def _labels(self, y: np.ndarray) -> np.ndarray:
        """Class codes of labels ``y`` checked by :func:`_checked_X`; sets ``classes_``."""
        check_class_targets(y)  # a continuous target is refused, as in scikit-learn
        self.classes_, codes = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(f"y has 1 class ({self.classes_.tolist()[0]!r}); at least 2 "
                             "classes are needed")
        return codes

    def _codes(self, y: object, n: int) -> np.ndarray:
        """Class codes of labels ``y`` among the fitted ``classes_`` (``n`` of them): for
        ``cost``, where a label not seen in fit is refused by name."""
        y = np.asarray(y)
        if y.shape != (n,):
            raise ValueError(f"y must have shape ({n},), got {y.shape}")
        known = self.classes_.tolist()
        try:
            codes = np.searchsorted(self.classes_, y)
        except TypeError:  # labels that do not compare with the classes (None among ints)
            unseen = sorted({repr(v) for v in y.tolist() if v not in known})
            raise ValueError(f"y holds labels not seen in fit: [{', '.join(unseen)}]; "
                             f"known: {known}") from None
        if np.any(codes >= self.classes_.size) or np.any(self.classes_[
                np.minimum(codes, self.classes_.size - 1)] != y):
            unseen = np.unique(y[~np.isin(y, self.classes_)]).tolist()
            raise ValueError(f"y holds labels not seen in fit: {unseen}; known: {known}")
        return codes

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The features of ``fit`` (same number; a DataFrame's columns by the same
            names, in the same order).

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float64
            Columns in the order of ``classes_``; float64 whatever the dtype of ``X``
            (the network's: these classifiers train in float64, see the class's Notes).
        """
        net = self._check_fitted()
        return net.predict(_checked_X(self, X, False, net.dtype))  # in blocks, keeping nothing

    def predict_log_proba(self, X: object) -> np.ndarray:
        """Logarithms of the class probabilities, computed from the softmax's net inputs.

        The log-softmax of the output layer's net input ``z``: ``z - max(z) -
        log(sum(exp(z - max(z))))`` per row, which is finite where a probability
        underflows to 0 (``np.log(predict_proba(X))`` gives ``-inf`` there) and equals
        ``np.log(predict_proba(X))`` elsewhere, to rounding.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`predict_proba`.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float64
            Columns in the order of ``classes_``.
        """
        net = self._check_fitted()
        X = net._inference_input(_checked_X(self, X, False, net.dtype))
        out = np.empty((X.shape[0], net.n_outputs), dtype=net.dtype)
        top = net.layers[-1]  # the softmax layer: a pass keeps its net input Z in each block
        with _EvaluationPass(net) as pass_:  # in blocks, keeping nothing, as predict_proba
            for start, _ in pass_.blocks(X, net._block_rows(None)):
                shifted = top.Z - top.Z.max(axis=1, keepdims=True)
                shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                out[start:start + shifted.shape[0]] = shifted
        return out

    def predict(self, X: object) -> np.ndarray:
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # NotFittedError before classes_ is looked up
        return self.classes_[np.argmax(proba, axis=1)]

    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted classifier to ``path`` (.npz of arrays + JSON; never pickle).

        The class labels keep their dtype (strings stay strings).  A RandomState
        or Generator ``random_state`` is saved as None (with a UserWarning).

        Parameters
        ----------
        path : str or PathLike
            ``.npz`` is appended if missing.

        Returns
        -------
        Path
            The file written; :func:`load_autoencoder` reads it back.
        """
        from ._io import _save  # _io imports the estimator classes

        return _save(self, path)

    def _fitted_record(self, prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return ({"n_features_in_": int(self.n_features_in_), "n_iter_": int(self.n_iter_),
                 "classes_": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str},
                {})
