"""scikit-learn estimators :class:`MLPClassifier` and :class:`MLPRegressor` (chainrule engine).

They take scikit-learn's parameter names where the meaning is the same
(``hidden_layer_sizes``, ``activation``, ``solver``, ``alpha``, ``batch_size``,
``learning_rate_init``, ``max_iter``, ``momentum``, ``nesterovs_momentum``,
``early_stopping``, ``validation_fraction``, ``n_iter_no_change``, ``tol``,
``random_state``, ``verbose``, ``warm_start``, ...), fit the same model (the
cost is the mean loss plus ``(alpha / 2m) sum W^2``, biases not decayed), and
add what scikit-learn's MLP lacks: one activation per hidden layer, custom
(registered) activations, ``dropout``, ``batch_norm``, the solvers
"rmsprop", "adagrad" and "cg", a choice of initialiser, ``dtype`` and a
learning-rate ``schedule``.  Training runs through :class:`chainrule.Trainer`
(stochastic solvers) or :func:`chainrule.minimize` (L-BFGS, CG); the fitted
:class:`chainrule.Network` is ``network_``.

Fitted models are saved as arrays + JSON with :meth:`save` and read back with
:func:`load_estimator`, never with pickle.  (Pickling still works, because
scikit-learn and joblib need it to copy estimators between processes; the
network travels in it as its configuration and arrays.)

Each estimator inherits the methods that depend on its targets from a mixin base in a
module of its own: ``_estimators_classifier`` (:class:`_ClassifierOutputs`: labels
one-hot encoded, predicted labels and probabilities) and ``_estimators_regressor``
(:class:`_RegressorOutputs`: the ``loss`` parameter, predictions); ``_estimators_file``
checks a saved file's fitted record for :func:`load_estimator`.  Here remain the
classes' docstrings, ``__init__``, ``fit`` and ``partial_fit`` (which return the
estimator), and :func:`load_estimator`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if

from . import io
from ._estimators_classifier import _check_known as _check_known
from ._estimators_classifier import _checked_classes as _checked_classes
from ._estimators_classifier import _ClassifierOutputs
from ._estimators_classifier import _one_hot as _one_hot
from ._estimators_classifier import _same_kind as _same_kind
from ._estimators_file import _CLASSIFIER_KEYS as _CLASSIFIER_KEYS
from ._estimators_file import _FITTED_KEYS as _FITTED_KEYS
from ._estimators_file import _SK_OUTPUT as _SK_OUTPUT
from ._estimators_file import _Y_TYPES as _Y_TYPES
from ._estimators_file import _fitted_problem, _is_count
from ._estimators_file import _is_finite as _is_finite
from ._estimators_regressor import _REGRESSOR_LOSSES as _REGRESSOR_LOSSES
from ._estimators_regressor import _RegressorOutputs
from ._mlp_base import ESTIMATOR_FORMAT, _BaseMLP, _solver_is_stochastic
from ._mlp_base import _loss_changed as _loss_changed
from ._mlp_state import restore_training
from .activations import Activation
from .initializers import get_initializer

__all__ = ["MLPClassifier", "MLPRegressor", "load_estimator"]

class MLPClassifier(_ClassifierOutputs, ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier trained by backpropagation (the chainrule engine).

    Binary and multi-label targets get logistic (sigmoid) outputs with the
    log loss, multiclass targets a softmax output with the cross-entropy, as
    in scikit-learn.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
        Units of each hidden layer; ``()`` gives no hidden layer: the inputs go
        straight to the output layer, a multinomial (softmax) or binary logistic
        regression (:class:`MLPRegressor`: a linear regression), which with
        ``alpha=0`` and "lbfgs" fits scikit-learn's unpenalised
        ``LogisticRegression(C=np.inf)`` (``LinearRegression``) to the solver's
        tolerance.
    activation : str, Activation or sequence of them, default "relu"
        Hidden activation: one name for every hidden layer or one per layer.
        Names: "identity", "logistic"/"sigmoid", "tanh", "relu", "leaky_relu",
        "elu", "gelu", "silu"/"swish", "softplus", "exp", "square", or one registered with
        :func:`chainrule.register_activation`; an
        :class:`~chainrule.activations.Activation` object is used as given.
    solver : {"adam", "sgd", "rmsprop", "adagrad", "lbfgs", "cg"}, default "adam"
        Mini-batch rules (through :class:`chainrule.Trainer`) or SciPy's
        L-BFGS-B / conjugate gradients on the whole set (:func:`chainrule.minimize`).
        The settings of the mini-batch solvers (``batch_size``, ``learning_rate``,
        ``learning_rate_init``, ``power_t``, ``shuffle``, ``momentum``,
        ``nesterovs_momentum``, ``early_stopping``, ``validation_fraction``, ``beta_1``,
        ``beta_2``, ``epsilon``, ``n_iter_no_change``, ``schedule``) are checked at
        ``fit`` whatever the solver, and "lbfgs" and "cg" ignore them, as
        scikit-learn's "lbfgs" does ("only used when solver=...").
    alpha : float, default 1e-4
        L2 penalty: the cost is ``mean loss + (alpha / 2m) sum W^2`` over a
        batch of ``m`` examples (biases not penalised), as in scikit-learn.
    batch_size : int or "auto", default "auto"
        Examples per update; "auto" is ``min(200, n_samples)``.  An int larger
        than the training rows is clipped to them without a word (scikit-learn
        warns).
    learning_rate : {"constant", "invscaling", "adaptive"}, default "constant"
        Learning-rate rule of "sgd", as in scikit-learn: "invscaling" is
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch (``t``:
        examples seen); "adaptive" divides the rate by 5 when
        ``n_iter_no_change`` epochs bring no improvement instead of stopping
        (``partial_fit`` calls included).
    learning_rate_init : float, default 1e-3
        Step size of the mini-batch solvers.
    power_t : float >= 0, default 0.5
        Exponent of "invscaling".
    max_iter : int, default 200
        Epochs (mini-batch solvers) or iterations (lbfgs, cg).
    shuffle : bool, default True
        Shuffle the training rows every epoch.
    random_state : int, RandomState, Generator or None
        Seeds the initial weights, dropout, shuffling and validation split: an
        int in [0, 2**32 - 1] (a bool as 0 / 1, as in scikit-learn), or one
        draw from a ``numpy.random.RandomState`` or ``numpy.random.Generator``.
        Anything else raises a ValueError naming ``random_state`` at ``fit``.
    tol : float, default 1e-4
        Stop when the training loss (the validation score with
        ``early_stopping``) has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` epochs in a row (scikit-learn's rule); lbfgs and
        cg use it as the gradient tolerance ``gtol``.
    verbose : bool or int, default False
        1: a progress bar (on stderr, which tqdm leaves out where stderr is no
        terminal); 2: also a line per epoch (on stderr) with the loss that
        ``loss_curve_`` records and, with early stopping, the validation score.
        scikit-learn prints a line per epoch on stdout for any ``verbose > 0``.
    warm_start : bool, default False
        ``fit`` continues from the current network instead of a new one.  The
        network's architecture (``hidden_layer_sizes``, ``activation``,
        ``batch_norm``, ``dropout``, ``layers``, ``input_shape``, the number of
        features and outputs) cannot change then, nor in ``partial_fit``:
        another value raises a ValueError that names it, before anything
        changes.  ``alpha`` and the optimiser's settings may change, as in
        scikit-learn.
    momentum : float in [0, 1), default 0.9
        Momentum of "sgd" (scikit-learn also takes 1, a velocity that never decays).
    nesterovs_momentum : bool, default True
        Nesterov momentum for "sgd" (when ``momentum > 0``).
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified by class when
        ``y`` holds one label per example and every class can be split, else a
        plain random split; scikit-learn stratifies binary targets only, and its
        split draws other rows), stop when
        the validation accuracy has not improved by ``tol`` for more than
        ``n_iter_no_change`` epochs and restore the parameters of the best
        one.  The accuracy of every epoch is in ``validation_scores_``.  Mini-batch
        solvers only: lbfgs and cg ignore it, as scikit-learn's lbfgs does.
    validation_fraction : float in [0, 1), default 0.1
        The fraction held out with ``early_stopping`` and a mini-batch solver
        (then > 0); unused otherwise.
    beta_1, beta_2, epsilon : float
        Adam's moment decay rates and the denominators' ``eps`` (also used by
        rmsprop and adagrad).  As in scikit-learn, Adam adds ``epsilon`` to
        ``sqrt(v)`` with the bias corrections in the step size
        (``Adam(eps_on="v")``), not to ``sqrt(v_hat)`` as PyTorch does.
    n_iter_no_change : int or inf, default 10
        Epochs without improvement (see ``tol``) allowed in a row; ``np.inf``
        never stops (nor lowers an "adaptive" rate) on them, as in scikit-learn.
    max_fun : int, default 15000
        Most evaluations of the cost for "lbfgs".
    dropout : float or sequence of float, default 0.0
        Dropout rate after each hidden layer (one value, or one per layer).
        The stopping rule of ``tol`` and ``n_iter_no_change`` reads the
        epoch's training loss, which dropout makes noisy, so it can stop a
        run early (on iris with the defaults, ``dropout=0.1`` stopped one of
        three seeds at epoch 140 of 200); with dropout, prefer
        ``early_stopping=True`` (a validation score computed without dropout)
        or a larger ``n_iter_no_change``.
    batch_norm : bool, default False
        Batch-normalise each hidden layer before its activation.
    init : str or callable, default "glorot_uniform"
        Initialiser of the weights (see :mod:`chainrule.initializers`);
        "auto" takes He normal for ReLU-family layers (relu, leaky_relu,
        elu, gelu, silu) and Glorot uniform otherwise.
        Biases start at zero.  This differs from scikit-learn's MLP, so the
        two start from other weights and follow other trajectories even with
        the same ``random_state``: scikit-learn draws every weight *and bias*
        of a layer from ``U(-r, r)`` with ``r = sqrt(6 / (fan_in + fan_out))``,
        or ``sqrt(2 / (fan_in + fan_out))`` in every layer when
        ``activation="logistic"``, from ``RandomState(random_state)``;
        chainrule's default draws the weights from the same ``U(-r, r)`` with
        factor 6 whatever the activation, keeps the biases at zero, and takes
        its random numbers from a ``numpy.random.Generator`` seeded by
        ``random_state``.  To start from scikit-learn's weights, fit once and
        assign them: ``est.coefs_ = sk.coefs_; est.intercepts_ = sk.intercepts_``.
    schedule : str, dict, Schedule or None, default None
        Learning-rate schedule of :class:`chainrule.Trainer` ("step",
        "exponential", "invscaling", "plateau", "cosine" (annealing over
        ``max_iter`` epochs, which for :meth:`partial_fit` are its first
        ``max_iter`` calls, one epoch each: past them the rate heads back to
        ``learning_rate_init``, and a warning says so; over another length
        ``{"name": "cosine", "T_max": n}``), ``{"name": ..., ...}``, or a
        :class:`~chainrule.schedules.Schedule` object, which :meth:`save` writes
        as that dict; one of a class of your own cannot be saved).
        With ``early_stopping`` a "plateau" schedule watching ``val_loss`` (its
        default) or ``val_accuracy`` reads them on the held-out rows (weighted
        like the training rows); without it, on the training rows.  Mini-batch
        solvers only: "lbfgs" and "cg" ignore it (one that cannot be built is
        refused all the same), as they ignore ``learning_rate_init`` (see ``solver``).
    dtype : {"float64", "float32"} or None, default None
        Precision of the parameters and the computation.  None: the training
        data's, as in scikit-learn's MLP (float32 data trains a float32
        network without a float64 copy; anything else trains in float64).
        Later fits with ``warm_start`` or ``partial_fit`` keep the network's.
    layers : list of dict, str or None, default None
        Any architecture in place of the multilayer perceptron of
        ``hidden_layer_sizes``: the hidden part of the network as a list of
        layer dicts in the format of
        :func:`chainrule.architecture.network_from_layers` (types "Dense",
        "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Dropout",
        "BatchNorm"; sizes that follow from the layer before left out), or
        JSON text of one or a .json file (read by
        :func:`~chainrule.architecture.parse_layers` when ``fit`` builds a new network;
        :meth:`save` writes the list read then, whatever the file holds later), e.g.
        ``[{"type": "Conv2D", "out_channels": 4, "kernel_size": 3}, {"type":
        "MaxPool2D", "size": 2}, {"type": "Flatten"}, {"type": "Dense",
        "fan_out": 16}]``.  The estimator appends its output layer as it does
        after ``hidden_layer_sizes`` (units, activation, initialiser and loss
        from the targets), so everything else (the solvers, ``alpha``, which
        decays the Dense weights and the convolution kernels, early stopping,
        ``partial_fit``, ``warm_start``, saving) works unchanged.  A Dense dict
        that names no activation takes ``activation`` (then a single value;
        relu by default, as the command line's ``--layers`` gives, where the
        library's Dense alone defaults to the classic sigmoid), and a Dense or
        Conv2D dict that names no ``init`` takes ``init`` (unless "auto").  The
        layers draw their weights from the estimator's generator in order, as
        those of ``hidden_layer_sizes`` do: ``layers=[{"type": "Dense",
        "fan_out": 8}]`` is ``hidden_layer_sizes=(8,)`` weight for weight, and
        ``layers=[]`` is ``hidden_layer_sizes=()``.
        Refused at ``fit`` with a ValueError that names the parameter: a
        softmax (an output layer's) or step activation in the list, a dict
        that builds no layer (the message of ``network_from_layers``, prefixed
        ``layers:``), ``hidden_layer_sizes``, ``dropout`` or ``batch_norm``
        away from their defaults (their layers are Dense, Dropout and
        BatchNorm dicts in the list), Dropout (even of rate 0) or BatchNorm
        dicts with "lbfgs" or "cg", and image layers without ``input_shape``.
    input_shape : (channels, height, width) or None, default None
        With ``layers`` that take images (Conv2D, pooling, Flatten): each row
        of ``X`` is one image of ``channels * height * width`` values, channel
        by channel and each row by row (``X`` stays 2-D, as scikit-learn
        requires; the 8x8 digits come so, as ``(1, 8, 8)``), and the product
        must be the number of features.  Only with ``layers``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_ : chainrule.Network
        The trained network.
    coefs_ : list of ndarray, ``coefs_[i]`` of shape (fan_in, fan_out)
        The weight matrices of the Dense layers (the output layer's last), as
        scikit-learn's are: with ``layers``, a convolution's kernels are not
        among them (``network_.layers[i].W`` of shape (out_channels,
        in_channels, kh, kw) holds them, ``network_.params`` every parameter).
        Views into ``network_.params``; ``coefs_[i] = W`` and ``coefs_ = [...]``
        copy new values in (shapes and finiteness checked), as in scikit-learn.
    intercepts_ : list of ndarray, ``intercepts_[i]`` of shape (fan_out,)
        The Dense layers' biases: views, assignable like ``coefs_``.
    loss_curve_ : list of float
        Loss per epoch (mini-batch solvers) or per iteration (lbfgs, cg).
    loss_ : float
        The last loss.
    best_loss_ : float or None
        Smallest loss (None with ``early_stopping``).
    validation_scores_ : list of float or None
        Validation accuracy per epoch with ``early_stopping``.
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs (or solver iterations) run by the last call to ``fit`` or
        ``partial_fit``, as in scikit-learn (``loss_curve_`` and ``t_`` go on
        over warm starts and ``partial_fit`` calls).
    t_ : int
        Training examples seen, over all calls (for lbfgs and cg, the rows times
        the iterations; scikit-learn's lbfgs leaves ``t_`` at 0).
    n_features_in_ : int
    n_outputs_ : int
    n_layers_ : int
        ``len(coefs_) + 1``: the Dense layers and the input, as scikit-learn counts
        them (with ``layers``, ``len(network_.layers)`` counts every layer).
    out_activation_ : {"logistic", "softmax"}
    history_ : chainrule.History
        The last training run's per-epoch metrics (mini-batch solvers; absent
        after an lbfgs or cg run, whose losses are in ``loss_curve_``): ``loss``
        and ``lr``; the training accuracy (``accuracy``) only with a
        ``schedule``, which may monitor it (otherwise :meth:`score` computes it),
        and with ``early_stopping`` too, ``val_loss`` (and ``val_accuracy``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from chainrule import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((20,), solver="lbfgs", max_iter=300, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True

    A small convolutional network on the 8x8 digits (rows of 64 pixels):

    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> cnn = MLPClassifier(layers=[{"type": "Conv2D", "out_channels": 4, "kernel_size": 3},
    ...                             {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}],
    ...                     input_shape=(1, 8, 8), learning_rate_init=0.01, early_stopping=True,
    ...                     random_state=0)
    >>> cnn.fit(X / 16, y).score(X / 16, y) > 0.95
    True
    >>> [W.shape for W in cnn.coefs_]  # the Dense output layer's; the kernels: network_
    [(36, 10)]
    """

    _is_classifier = True

    def fit(self, X: object, y: object, sample_weight: object = None) -> MLPClassifier:
        """Fit the network to ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The layers compute on dense arrays: the mini-batch solvers densify
            a sparse matrix one batch at a time, "lbfgs" and "cg" once.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multi-label targets.
            At least two classes: ``y`` of one class raises a ValueError
            (scikit-learn's MLP fits it and predicts that class).  A warm start
            may see a subset of ``classes_`` (scikit-learn asks for all of them),
            but no new class.
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights; each batch's loss is their weighted mean.  One
            number is the weight of every row, as in scikit-learn.

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
            ``y`` is a multi-label indicator matrix).
        sample_weight : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        self
        """
        if hasattr(self, "network_") and classes is not None and not np.array_equal(
                np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(
                f"classes={np.asarray(classes).tolist()} differs from the classes of the first "
                f"call to partial_fit, {self.classes_.tolist()}"
            )
        if not hasattr(self, "network_") and classes is None:
            y_arr = np.asarray(y)
            if not (y_arr.ndim == 2 and y_arr.shape[1] > 1):
                raise ValueError("classes must be passed on the first call to partial_fit")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

class MLPRegressor(_RegressorOutputs, RegressorMixin, _BaseMLP):
    """Multilayer perceptron regressor trained by backpropagation (the chainrule engine).

    Identity outputs with the squared error ``(1/2) sum_j (a_j - y_j)^2``
    per example (for one output exactly scikit-learn's loss); several
    outputs when ``y`` has several columns.

    Parameters
    ----------
    hidden_layer_sizes, activation : see :class:`MLPClassifier`
    loss : {"squared_error", "poisson"}, default "squared_error"
        The loss, as in scikit-learn's MLPRegressor, where it is the first
        positional parameter; here it is keyword-only, after
        ``hidden_layer_sizes`` and ``activation``.  "poisson": half the Poisson
        deviance with an exponential output (``out_activation_`` "exp"), for
        non-negative targets such as counts.
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
        (see :class:`MLPClassifier`).

    Attributes
    ----------
    See :class:`MLPClassifier` (without ``classes_``); ``out_activation_``
    is "identity" ("exp" for "poisson").  With k > 1 outputs and
    "squared_error", ``loss_curve_``, ``loss_`` and ``best_loss_`` are on
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
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dropout: float | Sequence[float] = 0.0,
        batch_norm: bool = False,
        init: str | Callable = "glorot_uniform",
        schedule: str | dict | None = None,
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
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, batch_norm=batch_norm, init=init, schedule=schedule, dtype=dtype,
            layers=layers, input_shape=input_shape,
        )
        self.loss = loss

    def fit(self, X: object, y: object, sample_weight: object = None) -> MLPRegressor:
        """Fit the network to ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A sparse matrix is densified one batch at a time ("lbfgs", "cg": once).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights; each batch's loss is their weighted mean.  One
            number is the weight of every row, as in scikit-learn.

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


_ESTIMATORS = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}


def load_estimator(path: str | os.PathLike) -> MLPClassifier | MLPRegressor:
    """Load an estimator written by :meth:`MLPClassifier.save` / :meth:`MLPRegressor.save`.

    The saved record is checked before anything is set: only the keys
    :meth:`save` writes, each of its type, the classes, feature count and
    estimator kind agreeing with the saved network, and every parameter
    present, passing the checks :meth:`fit` makes and asking for the saved
    network's architecture and dtype.

    Parameters
    ----------
    path : str or PathLike
        The ``.npz`` file.

    Returns
    -------
    MLPClassifier or MLPRegressor

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    IsADirectoryError
        If ``path`` is a directory.
    ValueError
        If the file is not a chainrule estimator file, or is damaged or edited
        so that its record disagrees with itself or its network; the message
        names the file and the key.
    """
    meta, arrays = io.read_file(path, ESTIMATOR_FORMAT)

    def bad(what: str) -> ValueError:
        return ValueError(f"{path}: corrupted estimator file ({what})")

    kind = meta.get("estimator")
    if not isinstance(kind, str) or kind not in _ESTIMATORS:
        raise bad(f"estimator: expected one of {sorted(_ESTIMATORS)}, found {kind!r}")
    cls = _ESTIMATORS[kind]
    params, fitted = meta.get("params"), meta.get("fitted")
    if not isinstance(params, dict):
        raise bad(f"params: expected a JSON object, found {type(params).__name__}")
    if not isinstance(fitted, dict):
        raise bad(f"fitted: expected a JSON object, found {type(fitted).__name__}")
    params = dict(params)
    seed = params.get("random_state")
    if seed is not None and not (_is_count(seed) and seed < 2**32):
        raise bad(f"params: random_state: expected null or an integer in [0, 2**32), "
                  f"found {seed!r}")
    for key in ("hidden_layer_sizes", "input_shape"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    net = io.restore_network(meta, arrays, path)
    problem = _fitted_problem(fitted, net, cls is MLPClassifier)
    if problem is not None:  # first: a network of another kind explains unknown parameters
        raise bad(f"fitted: {problem}")
    unknown = sorted(set(params) - set(cls().get_params()))
    if unknown:
        raise bad(f"params: unknown parameter(s) {unknown} for {kind}")
    if cls is MLPRegressor and params.get("loss", "squared_error") != net.loss.name:
        raise bad(f"params: loss: expected {net.loss.name!r} (the network's loss), found "
                  f"{params.get('loss', 'squared_error')!r}")
    fitted = dict(fitted)
    est = cls(**params)
    est.network_ = net
    # save writes every one; "layers" and "input_shape" came later (None before them)
    missing = sorted(set(est.get_params()) - set(params) - {"layers", "input_shape"})
    if missing:  # each would take its default silently
        raise bad(f"params: missing parameter(s) {missing} for {kind}")
    try:  # the checks fit makes: a setting no fit takes ("x", null) is a damaged record
        est._validate_params()
        asked = est._asked_architecture() if est.layers is None else None
        dtype = est._dtype(net.dtype)
        if est.init != "auto":
            try:
                get_initializer(est.init)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"init: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise bad(f"params: {exc}") from None
    found = est._fitted_architecture()
    for key in ("hidden_layer_sizes", "activation", "batch_norm", "dropout"):
        if asked is None or found is None:  # layers=, or a network that only layers describes
            break
        if asked[key] != found[key]:  # a refit would build another network than this one
            raise bad(f"params: {key}: {getattr(est, key)!r} asks for {asked[key]!r}; the "
                      f"network has {found[key]!r}")
    try:
        problem = est._network_problem(net)
    except (TypeError, ValueError) as exc:  # layers whose dicts build no network
        problem = str(exc)
    if problem is not None:
        raise bad(f"params: {problem}")
    if dtype != net.dtype:
        raise bad(f"params: dtype: {est.dtype!r}; the network is {net.dtype}")
    try:
        if cls is MLPClassifier:
            classes = np.array(fitted.pop("classes_"), dtype=np.dtype(fitted.pop("classes_dtype")))
            y_type = fitted.pop("y_type_")
            lb = LabelBinarizer()
            lb.fit(np.eye(len(classes), dtype=int) if y_type.startswith("multilabel")
                   else classes)
            lb.classes_ = classes
            est._label_binarizer = lb
            est.classes_ = classes
        names = fitted.pop("feature_names_in_", None)
        if names is not None:
            est.feature_names_in_ = np.asarray(names, dtype=object)
        for key, value in fitted.items():  # only the keys checked above
            setattr(est, key, value)
        est.loss_ = est.loss_curve_[-1] if est.loss_curve_ else None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise bad(repr(exc)) from None
    if "training" in meta:  # the state partial_fit and a warm start go on from
        try:
            restore_training(est, meta["training"], arrays, net)
        except (TypeError, ValueError) as exc:
            raise bad(str(exc)) from None
        except (KeyError, AttributeError, OverflowError) as exc:
            raise bad(repr(exc)) from None
    else:  # a file written before the record existed: a new generator, a new optimizer
        est._rng = np.random.default_rng(
            check_random_state(est.random_state).randint(np.iinfo(np.int32).max))
    return est
