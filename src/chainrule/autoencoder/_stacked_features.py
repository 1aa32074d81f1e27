"""The features a :class:`~chainrule.autoencoder.StackedAutoencoder` has learned.

:class:`_StackedFeatures`, a mixin base of the estimator, makes the stack a
scikit-learn transformer as well as a classifier, as scikit-learn's
``LinearDiscriminantAnalysis`` is one: :meth:`~_StackedFeatures.transform` gives the
last hidden layer's activations with the stack's current weights (fine-tuned, or
pretrained when there was no fine-tuning), ``fit_transform`` fits on labelled data
first (so that the stack can be a step of a ``Pipeline``), and
``get_feature_names_out`` names the features, so that ``set_output`` applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from ._base import _PREDICT_DTYPES, _checked_X

if TYPE_CHECKING:
    from ._stacked import StackedAutoencoder


class _StackedFeatures(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """``transform``, ``fit_transform`` and the feature names of
    :class:`~chainrule.autoencoder.StackedAutoencoder`."""

    def transform(self, X: object) -> np.ndarray:
        """The features of the stack: its last hidden layer's activations.

        ``a_k = sigmoid(a_{k-1} W_k + b_k)`` from ``a_0 = X`` through every hidden
        layer of :attr:`network_`, with the stack's weights as they are now: the
        fine-tuned ones after a ``fit`` with ``fine_tune_iter >= 1`` (and after
        :meth:`fine_tune`), the pretrained ones when there was no fine-tuning
        (then the same as the ``transform`` of each of ``autoencoders_`` in turn,
        to rounding).  The softmax on top is not applied (:meth:`predict_proba`
        applies it).  An intermediate layer's activations are not offered here
        (``transform`` has one width, the one ``get_feature_names_out`` names);
        ``network_.forward(X)`` leaves every layer's on ``network_.layers[k].A``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The features of ``fit`` (same number; a DataFrame's columns by the same
            names, in the same order), checked as :meth:`predict` checks them (dense
            only, no NaN or infinite values).

        Returns
        -------
        ndarray of shape (n_samples, hidden_sizes[-1])
            Float32 for float32 ``X`` (computed by the float64 network through every
            layer, and rounded at the end, as :class:`SparseAutoencoder`'s
            ``transform``), float64 for any other.  A DataFrame with
            ``set_output(transform="pandas")``, its columns
            :meth:`get_feature_names_out` (``stackedautoencoder0``, ...).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the stack has not been fitted.
        """
        net = self._check_fitted()
        X = _checked_X(self, X, False, _PREDICT_DTYPES)
        hidden = slice(0, len(net.layers) - 1)  # every layer but the softmax
        out = net._predict_rows(X, net._block_rows(None), hidden)
        return out.astype(X.dtype, copy=False)

    def fit_transform(self, X: object, y: object = None, X_unlabeled: object = None,
                      sample_weight: object = None) -> np.ndarray:
        """:meth:`fit`, then :meth:`transform` of ``X``: the features of the fitted stack.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Labelled data, values in [0, 1].
        y : array-like of shape (n_samples,)
            Required, as in :meth:`fit` (the softmax stage and fine-tuning learn from
            the labels): None is refused with :meth:`fit`'s message.  Optional in the
            signature only, which is scikit-learn's transformers'.
        X_unlabeled : array-like of shape (n_unlabeled, n_features), optional
            Data for the pretraining, as in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,) or float, optional
            As in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples, hidden_sizes[-1])
            As :meth:`transform` returns it.
        """
        return self.fit(X, y, X_unlabeled, sample_weight).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]  # see transform
        return tags

    @property
    def _n_features_out(self: StackedAutoencoder) -> int:
        """Number of features (the last hidden layer's units), for ``get_feature_names_out``."""
        return self._check_fitted().layers[-1].n_in
