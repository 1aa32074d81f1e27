"""The class :class:`~chainrule.estimators.MLPClassifier`: its docstring (every parameter of
both estimators; the classifier's own, ``class_weight`` and ``label_smoothing``, are
``_CLASSIFIER_PARAMETERS_DOC`` of ``_estimators_doc`` and its Attributes and Examples
sections ``_FITTED_DOC``), ``__init__`` (which adds ``class_weight`` and
``label_smoothing``), ``fit`` and ``partial_fit``; import it from :mod:`chainrule.estimators`.

The methods that read its classes come from ``_estimators_classifier``
(:class:`_ClassifierOutputs`), the rest from ``_mlp_base`` (:class:`_BaseMLP`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ._estimators_classifier import _ClassifierOutputs
from ._estimators_doc import _CLASSIFIER_PARAMETERS_DOC, _FITTED_DOC, _LAYERS_PARAMETERS_DOC
from ._estimators_params_doc import _SHARED_PARAMETERS_DOC
from ._estimators_partial_fit import check_partial_fit_classes
from ._mlp_base import _BaseMLP, _solver_is_stochastic
from .activations import Activation
from .schedules import Schedule

__all__ = ["MLPClassifier"]


class MLPClassifier(_ClassifierOutputs, ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier trained by backpropagation (the chainrule engine).

    Binary and multi-label targets get logistic (sigmoid) outputs with the
    log loss, multiclass targets a softmax output with the cross-entropy, as
    in scikit-learn.

    Parameters
    ----------
    """

    # the parameters of both estimators (hidden_layer_sizes to dtype, then layers and
    # input_shape), the Parameters that MLPClassifier adds, then the Attributes and Examples
    # sections
    __doc__ += (_SHARED_PARAMETERS_DOC + _LAYERS_PARAMETERS_DOC + _CLASSIFIER_PARAMETERS_DOC
                + _FITTED_DOC)

    _is_classifier = True
    # scikit-learn's MLPClassifier sets ``loss = "log_loss"`` (not a parameter); code that
    # reads it reads the same here (a class attribute: not in get_params, pickles or files)
    loss = "log_loss"

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation | Sequence[str | Activation] = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 1e-3,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        amsgrad: bool = False,
        decoupled_decay: float | None = None,
        rmsprop_momentum: float = 0.0,
        centered: bool = False,
        momentum_decay: float | None = None,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dropout: float | Sequence[float] = 0.0,
        batch_norm: bool = False,
        init: str | Callable = "glorot_uniform",
        bias_init: str = "uniform",
        schedule: str | dict | Schedule | None = None,
        clip_norm: float | None = None,
        ema: float | None = None,
        max_time: float | None = None,
        dtype: str | type | None = None,
        layers: Sequence[Mapping[str, object]] | str | None = None,
        input_shape: tuple[int, int, int] | None = None,
        class_weight: str | Mapping[object, float] | None = None,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state,
            tol=tol, verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, amsgrad=amsgrad, decoupled_decay=decoupled_decay,
            rmsprop_momentum=rmsprop_momentum, centered=centered,
            momentum_decay=momentum_decay, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, batch_norm=batch_norm, init=init, bias_init=bias_init,
            schedule=schedule, clip_norm=clip_norm, ema=ema, max_time=max_time, dtype=dtype,
            layers=layers, input_shape=input_shape,
        )
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    def fit(self, X: object, y: object, sample_weight: object = None) -> MLPClassifier:
        """Fit the network to ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A sparse matrix goes to a first Dense layer as it is (CSR), which
            multiplies it by its weights; any other first layer gets it densified,
            one batch at a time by the mini-batch solvers, once by the SciPy solvers.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multi-label targets.
            At least two classes: ``y`` of one class raises a ValueError
            (scikit-learn's MLP fits it and predicts that class).  A warm start
            may see a subset of ``classes_`` (scikit-learn asks for all of them),
            but no new class.  A column of shape (n_samples, 1) (a DataFrame of
            one column too) is taken as the 1-D labels, with scikit-learn's
            ``DataConversionWarning``.
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights; each batch's loss is their weighted mean.  One
            number is the weight of every row, as in scikit-learn.  Multiplied
            by the weights of ``class_weight``.
            The L2 penalty divides by their sum, ``alpha / (2 sum(w)) sum W^2``
            as in scikit-learn (the weights count rows), so with ``alpha > 0``
            their scale matters (``s * w`` is ``w`` with ``alpha / s``); with
            ``alpha > 0`` a sum below ``np.finfo(float).tiny`` is refused.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_solver_is_stochastic)
    def partial_fit(self, X: object, y: object, classes: object = None,
                    sample_weight: object = None) -> MLPClassifier:
        """One epoch over ``(X, y)``, continuing the network and the optimizer's state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), optional
            Every class that can occur; required on the first call (unless
            ``y`` is a multi-label indicator matrix).  The third argument, as in
            SGDClassifier; scikit-learn's MLPClassifier has ``sample_weight``
            there since 1.7, so numbers, one per sample with repeats or fractions
            (weights), are refused here unless they are ``y``: pass both by keyword.
        sample_weight : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        self
        """
        check_partial_fit_classes(self, y, classes, sample_weight)
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)
