"""What :class:`chainrule.MLPRegressor` does with its targets: the ``loss`` parameter
checked, the targets as columns, the output layer and loss, R^2 and the predictions.
:class:`_RegressorOutputs`, a mixin base of :class:`~chainrule.estimators.MLPRegressor`,
holds those methods of the class (and its unpickling of files from before ``loss``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import r2_score

from ._activations_ranges import _rounded_range
from ._estimators_score import checked_score
from ._mlp_base import _finite_real, _loss_changed
from ._mlp_param_words import _among, _refused
from ._validation import InvalidParameter

# the output activation of each loss of MLPRegressor
_REGRESSOR_LOSSES = {"squared_error": "identity", "poisson": "exp", "huber": "identity",
                     "absolute_error": "identity"}
# the network's loss of each loss of MLPRegressor whose name (scikit-learn's) differs from it
_NETWORK_LOSS = {"absolute_error": "mean_absolute_error"}


def _network_loss(loss: str) -> str:
    """The name of the network's loss of MLPRegressor's ``loss``: "mean_absolute_error" of
    "absolute_error", the same name of the others."""
    return _NETWORK_LOSS.get(loss, loss)


def _estimator_loss(name: str) -> str:
    """MLPRegressor's ``loss`` of a network's loss ``name`` (:func:`_network_loss` undone)."""
    return next((k for k, v in _NETWORK_LOSS.items() if v == name), name)


class _RegressorOutputs:
    """The methods of :class:`~chainrule.estimators.MLPRegressor` that read its ``loss``."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a pickle from before the loss parameter (bc42a20) has a squared-error network, one
        # from before huber_delta a loss without it (its default is huber's own)
        super().__setstate__({"loss": "squared_error", "huber_delta": 1.0, **state})

    def _validate_params(self) -> None:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, str) and sizes in _REGRESSOR_LOSSES:
            # code written for scikit-learn's MLPRegressor(loss, hidden_layer_sizes, ...)
            raise InvalidParameter(
                f"hidden_layer_sizes must be an int or a sequence of ints, got {sizes!r}, a "
                f"loss: scikit-learn's MLPRegressor takes loss as its first argument, "
                f"{type(self).__name__} takes hidden_layer_sizes and activation first and "
                f"loss by keyword only: pass loss={sizes!r}")
        if not (isinstance(self.loss, str) and self.loss in _REGRESSOR_LOSSES):
            raise _refused(self, "loss", _among(sorted(_REGRESSOR_LOSSES)))
        v = self.huber_delta  # checked whatever the loss, as scikit-learn checks every one
        if isinstance(v, (bool, np.bool_)) or not _finite_real(v) or not v > 0:
            raise _refused(self, "huber_delta", "a finite float in the range (0.0, inf)")
        super()._validate_params()

    def _loss_spec(self) -> str | dict[str, Any]:
        """The loss as the network takes it: a name, or huber's ``{"name", "delta"}``."""
        if self.loss == "huber":
            return {"name": "huber", "delta": float(self.huber_delta)}
        return _network_loss(self.loss)

    def _check_loss_kept(self) -> None:
        """Refuse to go on with a fitted network of another ``loss`` or ``huber_delta``."""
        net_loss = self.network_.loss
        if self.loss != _estimator_loss(net_loss.name):
            raise ValueError(_loss_changed(self.loss, _estimator_loss(net_loss.name)))
        trained = net_loss.params.get("delta")
        if trained is not None and float(self.huber_delta) != trained:
            raise ValueError(
                f"huber_delta: the fitted network was trained with huber_delta={trained!r}, "
                f"got huber_delta={self.huber_delta!r}; a warm start, partial_fit or save "
                f"goes on with the fitted network, so set huber_delta={trained!r} again, or "
                "fit a new network (warm_start=False)")

    def _targets(self, y: np.ndarray, first: bool, classes: object,
                 incremental: bool = False) -> np.ndarray:
        loss = self.loss
        if not first:
            self._check_loss_kept()
        if loss == "poisson" and y.size and y.min() < 0:
            # a target below 0 by a rescaler's rounding only is 0, as train and the command
            # line take it (Loss.check_targets and Network.prepare_targets)
            low = _rounded_range(0.0, np.inf)[0]
            if y.min() < low:
                # scikit-learn's HistGradientBoostingRegressor's words for the same refusal
                raise ValueError(
                    f"loss='poisson' requires non-negative y, got {int((y < low).sum())} "
                    f"negative value(s) (min {y.min():g}); values down to {low:.2g} (a "
                    "rescaler's rounding) count as 0"
                )
            y = np.maximum(y, 0.0)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _output(self) -> tuple[str, str | dict[str, Any]]:
        return _REGRESSOR_LOSSES[self.loss], self._loss_spec()

    def _score_output(self, out: np.ndarray, y: np.ndarray, sw: np.ndarray | None) -> float:
        return float(r2_score(y, out.ravel() if y.ndim == 1 else out, sample_weight=sw))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # loss="poisson" refuses targets below 0 (see _targets): say so, as scikit-learn's
        # PoissonRegressor does, so that its tools and estimator checks give y >= 0
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags

    def score(self, X: object, y: object, sample_weight: object = None) -> float:
        """Coefficient of determination R^2 of :meth:`predict` on ``X`` against ``y``.

        scikit-learn's ``r2_score`` (uniform average over outputs), with ``y``
        and ``sample_weight`` checked first: one target row per row of ``X``,
        all finite, weights as :meth:`fit` takes them.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets for ``X``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        return checked_score(self, X, y, sample_weight, r2_score, labels=False)

    def predict(self, X: object) -> np.ndarray:
        """Predicted targets.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A sparse matrix goes to a first Dense layer as it is (CSR), a block
            of rows at a time; any other first layer gets the block densified.

        Returns
        -------
        ndarray of shape (n_samples,) for one output, else (n_samples, n_outputs)
        """
        out = self._forward(X)
        return out.ravel() if self.n_outputs_ == 1 else out
