"""The class :class:`~chainrule.estimators.MLPRegressor`: its docstring, ``__init__`` (which
adds ``loss``), ``fit`` and ``partial_fit``; import it from :mod:`chainrule.estimators`.

The methods that read its ``loss`` come from ``_estimators_regressor``
(:class:`_RegressorOutputs`), the rest from ``_mlp_base`` (:class:`_BaseMLP`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if

from ._estimators_regressor import _RegressorOutputs
from ._mlp_base import _BaseMLP, _solver_is_stochastic
from .activations import Activation
from .schedules import Schedule

__all__ = ["MLPRegressor"]


class MLPRegressor(_RegressorOutputs, RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor trained by backpropagation (the chainrule engine).

    Identity outputs with the squared error ``(1/2) sum_j (a_j - y_j)^2``
    per example (for one output exactly scikit-learn's loss); several
    outputs when ``y`` has several columns.

    Parameters
    ----------
    hidden_layer_sizes, activation : see :class:`MLPClassifier`
    loss : {"squared_error", "poisson", "huber", "absolute_error"}, default "squared_error"
        The loss, as in scikit-learn's MLPRegressor, where it is the first
        positional parameter; here it is keyword-only, after
        ``hidden_layer_sizes`` and ``activation``.  "poisson": half the Poisson
        deviance with an exponential output (``out_activation_`` "exp"), for
        non-negative targets such as counts; a target below 0 by a rescaler's
        rounding only (down to ``-RANGE_ROUNDING``, about -9.5e-7, see
        :data:`chainrule.activations.RANGE_ROUNDING`) is taken as 0, as
        :func:`chainrule.train` and ``chainrule train`` take it.  "huber": the
        Huber loss (:func:`chainrule.losses.huber`) with an identity output,
        ``r^2 / 2`` of a residual ``r`` within ``huber_delta`` (there exactly
        "squared_error") and ``huber_delta (|r| - huber_delta / 2)`` beyond,
        so that outliers among the targets pull on the fit with a bounded
        gradient; per example, scikit-learn's ``SGDRegressor(loss="huber",
        epsilon=huber_delta)``.  "absolute_error": the mean absolute error
        ``mean_j |a_j - y_j|`` (the network's "mean_absolute_error", PyTorch's
        ``L1Loss``) with an identity output, for targets with heavy noise or
        outliers; its gradient ``sign(a - y) / n_outputs`` is 0 at ``a == y``.
    huber_delta : float, default 1.0
        The threshold of "huber" (unused by the other losses), finite and > 0,
        in the units of ``y`` (scale ``y`` first, e.g. with
        ``TransformedTargetRegressor``, to give it in standard deviations).
        Named apart from scikit-learn's ``SGDRegressor(epsilon=...)``
        because ``epsilon`` here is Adam's, as in scikit-learn's MLPRegressor.
    **others : see :class:`MLPClassifier`
        Every other parameter means the same; ``early_stopping`` records the
        validation R^2 in ``validation_scores_``.
    layers : list of dict, str or None, default None
        The hidden part of the network as a list of layer dicts (see
        :class:`MLPClassifier`), in place of ``hidden_layer_sizes``; the
        identity (or exp) output layer is appended, e.g. ``MLPRegressor(layers=
        [{"type": "Dense", "fan_out": 16, "activation": "tanh"}, {"type":
        "Dropout", "rate": 0.1}])``.
    input_shape : (channels, height, width) or None, default None
        The image each row of ``X`` holds, for ``layers`` with image layers
        (see :class:`MLPClassifier`); left None, ``fit`` takes it from images
        ``X`` of shape (n_samples, channels, height, width), or (n_samples,
        height, width) of one channel.

    Attributes
    ----------
    See :class:`MLPClassifier` (without ``classes_``); ``out_activation_``
    is "identity" ("exp" for "poisson").  With k > 1 outputs and
    "squared_error" (or "huber"), ``loss_curve_``, ``loss_`` and ``best_loss_`` are on
    scikit-learn's scale, the data term averaged over the outputs too
    (``((y - p)**2).mean() / 2 + (alpha / 2m) sum W^2``), and ``tol`` acts on
    that value; the network's cost (``history_["loss"]``, :func:`chainrule.minimize`)
    sums the outputs (k times the data term), and both take the gradient of
    the sum, so the steps are scikit-learn's.  (scikit-learn's "lbfgs" gets
    that gradient with the averaged value, an inconsistent pair, so after the
    first iterations its L-BFGS steps differ from chainrule's.)

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import MLPRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = MLPRegressor((10,), "tanh", solver="lbfgs", random_state=0).fit(X, X[:, 0] ** 2)
    >>> reg.score(X, X[:, 0] ** 2) > 0.99
    True
    """

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation | Sequence[str | Activation] = "relu",
        *,
        loss: str = "squared_error",
        huber_delta: float = 1.0,
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
        self.loss = loss
        self.huber_delta = huber_delta

    def fit(self, X: object, y: object, sample_weight: object = None) -> MLPRegressor:
        """Fit the network to ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A sparse matrix goes to a first Dense layer as it is (CSR); any other
            first layer gets it densified one batch at a time (the SciPy solvers: once).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            A column of shape (n_samples, 1) (a DataFrame of one column too) is
            one target, as a 1-D ``y``: ``predict`` returns shape (n_samples,),
            and scikit-learn's ``DataConversionWarning`` says so.
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights; each batch's loss is their weighted mean.  One
            number is the weight of every row, as in scikit-learn.
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
    def partial_fit(self, X: object, y: object, sample_weight: object = None) -> MLPRegressor:
        """One epoch over ``(X, y)``, continuing the network and the optimizer's state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=True)
