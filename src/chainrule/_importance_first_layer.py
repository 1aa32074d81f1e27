"""``chainrule importance``'s shuffled scores without recomputing a first Dense layer.

Shuffling a column of DATA changes the first layer's net input of an MLP by a low-rank
term: with ``S`` the model's scaled inputs (its standardisation, its imputation: what
:meth:`~chainrule.SavedModel.predict` feeds the network) of DATA and ``S'`` of DATA with a
column shuffled, ``Z1' = S' W1 + b1 = Z1 + (S'[:, C] - S[:, C]) W1[C, :]``, ``C`` the
columns of ``S'`` that differ from ``S``'s (the shuffled column, a categorical column's
0/1 features, a missing indicator that moved with its column).  :class:`FirstLayer`
computes ``Z1`` once; each shuffled score then costs ``O(n |C| h1)`` for the first layer
instead of ``O(n d h1)``, the rest of the network run from the first layer's activation
on (layers 1 onward, in evaluation mode) by a :class:`~chainrule.SavedModel` of those
layers, whose outputs, probabilities and regression targets are computed by the same
methods as the model's own (so the scores are the full pass's to rounding: the products
are summed in another order).  An MLPClassifier's or MLPRegressor's file
(:class:`~chainrule.saved_model.EstimatorModel`, which scales nothing) takes the same path:
its layers after the first are those of a shallow copy of the estimator whose ``network_``
is theirs (:func:`_tail_estimator`), so that its ``predict``, ``predict_proba`` and
``predict_log_proba`` post-process them.  :func:`first_layer` says which models take this
path.
"""

from __future__ import annotations

import numpy as np

from .saved_model import EstimatorModel, SavedModel


class _FromFirstLayer(SavedModel):
    """A :class:`SavedModel` of a network's layers after the first: its inputs are the
    first layer's activations as they are (no scaling, no imputation), its outputs and
    their post-processing (probabilities, class scores, a regression's units) the
    model's, whose ``metadata`` it shares."""

    def _inputs(self, X: object, unknown: str = "error") -> np.ndarray:
        return X


class FirstLayer:
    """The first Dense layer's net input of a model's scaled DATA, and the model's
    outputs for DATA with columns shuffled from it.

    Parameters
    ----------
    model : SavedModel or EstimatorModel
        An MLP's model (see :func:`first_layer`).
    X : ndarray of shape (n_samples, n_features)
        DATA's features as read (before the model's scaling); kept, not copied.

    Attributes
    ----------
    tail : SavedModel or EstimatorModel
        The model of the layers after the first, taking the first layer's activations
        of shape (n_samples, h1).
    """

    def __init__(self, model: SavedModel | EstimatorModel, X: np.ndarray) -> None:
        from .network import Network

        net = model.network
        self._model, self._X = model, X
        self._layer = net.layers[0]
        self._W, self._b = self._layer.W, self._layer.b
        tail = Network(net.layers[1:], loss=net.loss, input_shape=self._layer.n_out)
        if isinstance(model, EstimatorModel):  # X as it is, in the dtype the estimator
            dtype = np.result_type(X.dtype, net.dtype)  # computes in (NumPy's promotion)
            self._S = np.asarray(X, dtype=dtype)
            self._W = self._W.astype(dtype, copy=False)
            self._b = None if self._b is None else self._b.astype(dtype, copy=False)
            self.tail = EstimatorModel(_tail_estimator(model.estimator, tail))
        else:
            self._S = model._inputs(X)  # (n_samples, d), the network's dtype
            self.tail = _FromFirstLayer(tail, model.metadata)
        self._Z1 = self._net_input(self._S)  # (n_samples, h1)

    def _net_input(self, S: np.ndarray) -> np.ndarray:
        """``S @ W + b``, as the Dense layer's forward computes it."""
        Z = S @ self._W
        if self._b is not None:
            Z += self._b
        return Z

    def __call__(self, X: np.ndarray,
                 columns: np.ndarray | None = None) -> tuple[SavedModel, np.ndarray]:
        """The model and inputs whose outputs are the model's for raw features ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            DATA with some columns shuffled (its rows moved within a column).
        columns : int array, optional
            The columns in which ``X`` differs from DATA, where the caller knows them:
            only those are scaled (as the model scales every column, value by value),
            unless the model imputes (its missing indicators move with their columns);
            by default (and then) ``X`` is scaled whole and compared with DATA's.

        Returns
        -------
        tail : SavedModel
            :attr:`tail`.
        A1 : ndarray of shape (n_samples, h1)
            The first layer's activations of ``X``: ``tail.predict(A1)`` is
            ``model.predict(X)`` to rounding.
        """
        meta = self._model.metadata  # an estimator's: no scaling, no imputation
        if columns is not None and "impute" not in meta:
            changed = np.asarray(columns)
            S = X[:, changed].astype(self._S.dtype)  # as _inputs: the dtype, then scaled
            if meta.get("x_mean") is not None:
                S = S - np.asarray(meta["x_mean"], dtype=S.dtype)[changed]
                S /= np.asarray(meta["x_scale"], dtype=S.dtype)[changed]
        else:  # O(n d): cheap beside the O(n d h1) product it spares
            S = (np.asarray(X, dtype=self._S.dtype) if isinstance(self._model, EstimatorModel)
                 else self._model._inputs(X))
            changed = np.flatnonzero((S != self._S).any(axis=0))
            S = S[:, changed]
        Z = self._Z1.copy()
        if len(changed):
            Z += (S - self._S[:, changed]) @ self._W[changed]
        return self.tail, self._layer.activation.f(Z)


def _tail_estimator(estimator: object, tail: object) -> object:
    """A shallow copy of a fitted MLPClassifier or MLPRegressor whose network is ``tail``
    (the layers after the first) and whose features are the first layer's activations:
    its ``predict``, ``predict_proba`` and ``predict_log_proba`` run ``tail`` and
    post-process its outputs as the estimator's own (the same label binarizer, classes,
    outputs); the estimator itself is left as it was."""
    import copy

    est = copy.copy(estimator)
    est.network_, est.n_features_in_ = tail, int(tail.n_inputs)
    est.__dict__.pop("feature_names_in_", None)  # its features are no columns now
    return est


def first_layer(model: object, X: np.ndarray) -> FirstLayer | None:
    """A :class:`FirstLayer` of ``model`` on DATA's features ``X`` (n_samples,
    n_features), or None where the model takes the full forward pass: a model that is
    neither a :class:`SavedModel` nor an MLPClassifier's or MLPRegressor's file (a
    SoftmaxRegression's), a network whose first layer is not a Dense layer (a CNN) or that
    has no other layer, or one whose path from the first layer does not give its own
    outputs on ``X`` (checked once: relative 1e-9 in float64, 1e-4 in float32)."""
    from .estimators import MLPClassifier, MLPRegressor
    from .layers import Dense

    estimator = (type(model) is EstimatorModel
                 and isinstance(model.estimator, (MLPClassifier, MLPRegressor)))
    if type(model) is not SavedModel and not estimator:
        return None
    net = model.network
    if (len(net.layers) < 2 or type(net.layers[0]) is not Dense
            or isinstance(net.n_inputs, tuple)):
        return None
    try:
        path = FirstLayer(model, X)
        tail, A1 = path(X)
        if estimator:  # what importance's scores are of: probabilities, or predictions
            method = "predict_proba" if model.task == "classification" else "predict"
            ours, theirs = getattr(tail, method)(A1), getattr(model, method)(X)
        else:
            ours, theirs = tail.outputs(A1), model.outputs(X)
    except Exception:  # anything unusual (a layer that cannot be copied, ...): the full pass
        return None
    tol = 1e-4 if net.dtype == np.float32 else 1e-9
    if ours.shape != theirs.shape or not np.allclose(ours, theirs, rtol=tol, atol=tol * 1e-3):
        return None
    return path
