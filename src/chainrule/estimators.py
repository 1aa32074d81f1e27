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
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from . import io
from ._mlp_base import ESTIMATOR_FORMAT, _BaseMLP, _loss_changed, _solver_is_stochastic
from ._mlp_state import restore_training
from .activations import Activation
from .initializers import get_initializer

__all__ = ["MLPClassifier", "MLPRegressor", "load_estimator"]

class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer perceptron classifier trained by backpropagation (the chainrule engine).

    Binary and multi-label targets get logistic (sigmoid) outputs with the
    log loss, multiclass targets a softmax output with the cross-entropy, as
    in scikit-learn.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
        Units of each hidden layer; ``()`` gives no hidden layer.
    activation : str, Activation or sequence of them, default "relu"
        Hidden activation: one name for every hidden layer or one per layer.
        Names: "identity", "logistic"/"sigmoid", "tanh", "relu", "leaky_relu",
        "elu", "gelu", "silu"/"swish", "softplus", "exp", "square", or one registered with
        :func:`chainrule.register_activation`; an
        :class:`~chainrule.activations.Activation` object is used as given.
    solver : {"adam", "sgd", "rmsprop", "adagrad", "lbfgs", "cg"}, default "adam"
        Mini-batch rules (through :class:`chainrule.Trainer`) or SciPy's
        L-BFGS-B / conjugate gradients on the whole set (:func:`chainrule.minimize`).
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
        ``batch_norm``, ``dropout``, the number of features and outputs) cannot
        change then, nor in ``partial_fit``: another value raises a ValueError
        that names it, before anything changes.  ``alpha`` and the optimiser's
        settings may change, as in scikit-learn.
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
        "exponential", "invscaling", "plateau", ``{"name": ..., ...}`` (cosine
        annealing: ``{"name": "cosine", "T_max": ...}``), or a
        :class:`~chainrule.schedules.Schedule` object, which :meth:`save` writes
        as that dict; one of a class of your own cannot be saved).
        With ``early_stopping`` a "plateau" schedule watching ``val_loss`` (its
        default) or ``val_accuracy`` reads them on the held-out rows (weighted
        like the training rows); without it, on the training rows.
    dtype : {"float64", "float32"} or None, default None
        Precision of the parameters and the computation.  None: the training
        data's, as in scikit-learn's MLP (float32 data trains a float32
        network without a float64 copy; anything else trains in float64).
        Later fits with ``warm_start`` or ``partial_fit`` keep the network's.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_ : chainrule.Network
        The trained network.
    coefs_ : list of ndarray, ``coefs_[i]`` of shape (fan_in, fan_out)
        Views into ``network_.params``; ``coefs_[i] = W`` and ``coefs_ = [...]``
        copy new values in (shapes and finiteness checked), as in scikit-learn.
    intercepts_ : list of ndarray, ``intercepts_[i]`` of shape (fan_out,)
        Views, assignable like ``coefs_``.
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
    """

    _is_classifier = True

    def _targets(self, y: np.ndarray, first: bool, classes: object) -> np.ndarray:
        if y.ndim != 1 or y.dtype.kind not in "iuU":  # 1-D integers, strings: always classes
            check_classification_targets(y)
        if first:
            lb = LabelBinarizer()
            if classes is not None and not type_of_target(y).startswith("multilabel"):
                lb.fit(_checked_classes(classes))
                _check_known(y, lb.classes_, "in the classes passed")
            else:
                lb.fit(y)
            if len(lb.classes_) < 2:
                raise ValueError(
                    f"y has 1 class ({lb.classes_.tolist()[0]!r}); a classifier needs at least "
                    "2 classes"
                )
            self._label_binarizer = lb
            self.classes_ = lb.classes_
        else:
            lb = self._label_binarizer
            if lb.y_type_.startswith("multilabel"):
                if not type_of_target(y).startswith("multilabel"):
                    raise ValueError("y: the estimator was fitted on multi-label targets")
            else:
                _check_known(y, self.classes_, "seen in the first fit")
                if y.ndim == 1 and _same_kind(y, self.classes_):
                    return _one_hot(y, self.classes_, lb.y_type_)
        return lb.transform(y)

    def _output(self) -> tuple[str, str]:
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax", "cross_entropy"
        return "sigmoid", "log_loss"

    def _decode(self, out: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(out)

    def _score_output(self, out: np.ndarray, y: np.ndarray, sw: np.ndarray | None) -> float:
        return float(accuracy_score(y, self._decode(out), sample_weight=sw))

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

    def predict(self, X: object) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A sparse matrix is densified a block of rows at a time.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        return self._decode(self._forward(X))

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; for multi-label targets, the
            probability of each label.
        """
        out = self._forward(X)
        if self.n_outputs_ == 1 and not self._label_binarizer.y_type_.startswith("multilabel"):
            return np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X: object) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, shape (n_samples, n_classes).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def _fitted_json(self) -> dict[str, Any]:
        lb = self._label_binarizer
        return {"classes_": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str,
                "y_type_": lb.y_type_}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
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
        )
        self.loss = loss

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a pickle from before the loss parameter (bc42a20) has a squared-error network
        super().__setstate__({"loss": "squared_error", **state})

    def _validate_params(self) -> None:
        if not (isinstance(self.loss, str) and self.loss in _REGRESSOR_LOSSES):
            raise ValueError(
                f"loss must be one of {sorted(_REGRESSOR_LOSSES)}, got {self.loss!r}"
            )
        super()._validate_params()

    def _targets(self, y: np.ndarray, first: bool, classes: object) -> np.ndarray:
        loss = self.loss
        if not first and loss != self.network_.loss.name:
            raise ValueError(_loss_changed(loss, self.network_.loss.name))
        if loss == "poisson" and y.min() < 0:
            raise ValueError(
                f"y: loss='poisson' needs non-negative targets, got {int((y < 0).sum())} "
                f"negative value(s) (min {y.min():g})"
            )
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _output(self) -> tuple[str, str]:
        return _REGRESSOR_LOSSES[self.loss], self.loss

    def _score_output(self, out: np.ndarray, y: np.ndarray, sw: np.ndarray | None) -> float:
        return float(r2_score(y, out.ravel() if y.ndim == 1 else out, sample_weight=sw))

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

    def predict(self, X: object) -> np.ndarray:
        """Predicted targets.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A sparse matrix is densified a block of rows at a time.

        Returns
        -------
        ndarray of shape (n_samples,) for one output, else (n_samples, n_outputs)
        """
        out = self._forward(X)
        return out.ravel() if self.n_outputs_ == 1 else out


_ESTIMATORS = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}

# What each estimator's network ends with: output activation and loss (see ``_output``)
_Y_TYPES = {"binary": ("sigmoid", "log_loss"), "multiclass": ("softmax", "cross_entropy"),
            "multilabel-indicator": ("sigmoid", "log_loss")}
# the output activation of each loss of MLPRegressor
_REGRESSOR_LOSSES = {"squared_error": "identity", "poisson": "exp"}
_SK_OUTPUT = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity", "exp": "exp"}
# the keys of the "fitted" record that :meth:`save` writes; nothing else is set on load
_FITTED_KEYS = {"n_features_in_", "n_outputs_", "out_activation_", "n_iter_", "t_",
                "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_",
                "feature_names_in_"}
_CLASSIFIER_KEYS = {"classes_", "classes_dtype", "y_type_"}


def _is_count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_finite(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))


def _fitted_problem(fitted: dict, net: Any, classifier: bool) -> str | None:
    """What in an estimator file's ``fitted`` record is wrong for its network, or None.

    Parameters
    ----------
    fitted : dict
        The record as read from the file.
    net : Network
        The network restored from the same file.
    classifier : bool
        Whether the file names an :class:`MLPClassifier`.

    Returns
    -------
    str or None
        ``"KEY: what was expected, what was found"``, e.g.
        ``"classes_: 4 labels for a network with 3 outputs"``.
    """
    act = net.output_activation
    found = (act.name if act is not None else None, net.loss.name)
    if not classifier and found not in {(a, loss) for loss, a in _REGRESSOR_LOSSES.items()}:
        return (f"estimator: 'MLPRegressor' needs a network ending in identity with the loss "
                f"'squared_error' or in exp with the loss 'poisson'; the network has {found}")
    if classifier and found not in _Y_TYPES.values():
        return (f"estimator: 'MLPClassifier' needs a network ending in sigmoid or softmax "
                f"with the loss 'log_loss' or 'cross_entropy'; the network has {found}")
    allowed = _FITTED_KEYS | (_CLASSIFIER_KEYS if classifier else set())
    required = allowed - {"feature_names_in_"}
    unknown = sorted(set(fitted) - allowed)
    if unknown:
        return f"unknown key(s) {unknown}; expected only {sorted(allowed)}"
    missing = sorted(required - set(fitted))
    if missing:
        return f"missing key(s) {missing}"
    n_out = net.n_outputs
    for key in ("n_iter_", "t_"):
        if not _is_count(fitted[key]):
            return f"{key}: expected a non-negative integer, found {fitted[key]!r}"
    if not (_is_count(fitted["n_features_in_"]) and fitted["n_features_in_"] == net.n_inputs):
        return (f"n_features_in_: expected {net.n_inputs!r} (the network's inputs), found "
                f"{fitted['n_features_in_']!r}")
    if not (_is_count(fitted["n_outputs_"]) and fitted["n_outputs_"] == n_out):
        return (f"n_outputs_: expected {n_out} (the network's outputs), found "
                f"{fitted['n_outputs_']!r}")
    for key in ("loss_curve_", "validation_scores_"):
        value = fitted[key]
        if value is None and key == "validation_scores_":
            continue
        if not isinstance(value, list) or not all(_is_finite(v) for v in value):
            return f"{key}: expected a list of finite numbers, found {value!r}"
    for key in ("best_loss_", "best_validation_score_"):
        if fitted[key] is not None and not _is_finite(fitted[key]):
            return f"{key}: expected a finite number or null, found {fitted[key]!r}"
    names = fitted.get("feature_names_in_")
    if names is not None and (
            not isinstance(names, list) or not all(isinstance(n, str) for n in names)
            or len(names) != net.n_inputs):
        return (f"feature_names_in_: expected a list of {net.n_inputs} strings, found "
                f"{names!r}")
    if classifier:
        y_type = fitted["y_type_"]
        if not isinstance(y_type, str) or y_type not in _Y_TYPES:
            return f"y_type_: expected one of {sorted(_Y_TYPES)}, found {y_type!r}"
        if found != _Y_TYPES[y_type]:
            return (f"y_type_: {y_type!r} needs a network ending in {_Y_TYPES[y_type][0]} "
                    f"with the loss {_Y_TYPES[y_type][1]!r}; the network has {found}")
        classes = fitted["classes_"]
        if not isinstance(classes, list) or not all(
                isinstance(v, str) or _is_finite(v) or isinstance(v, bool) for v in classes):
            return f"classes_: expected a list of strings or numbers, found {classes!r}"
        n_classes = 2 if y_type == "binary" else n_out
        if y_type == "binary" and n_out != 1:
            return f"y_type_: 'binary' needs a network with 1 output, this one has {n_out}"
        if y_type == "multiclass" and n_out < 3:
            return f"y_type_: 'multiclass' needs a network with 3 or more outputs, found {n_out}"
        if len(classes) != n_classes:
            return (f"classes_: expected {n_classes} labels for a {y_type!r} network with "
                    f"{n_out} output(s), found {len(classes)}")
        problem = io.class_labels_problem(classes, fitted["classes_dtype"])
        if problem is not None:
            return problem
    if fitted["out_activation_"] != _SK_OUTPUT.get(found[0]):
        return (f"out_activation_: expected {_SK_OUTPUT.get(found[0])!r} (the network's output "
                f"activation), found {fitted['out_activation_']!r}")
    return None


def _checked_classes(classes: object) -> np.ndarray:
    """``partial_fit``'s ``classes`` as a 1-D array of labels, or a ValueError naming it.

    Parameters
    ----------
    classes : array-like of shape (n_classes,)
        Every class that can occur (integers or strings; repeats are fine).
    """
    arr = np.asarray(classes)  # a str, set or dict gives a 0-d array: refused
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"classes must be a non-empty 1-D list of class labels, got {classes!r}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"classes must be class labels, got NaN or infinity in {arr.tolist()}")
    kind = type_of_target(arr)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"classes must be class labels (integers or strings), got "
                         f"{arr.tolist()} (type {kind!r})")
    return arr


def _same_kind(y: np.ndarray, classes: np.ndarray) -> bool:
    """Whether ``y`` and ``classes`` are both integers or both strings (searchsorted-able)."""
    kinds = y.dtype.kind + classes.dtype.kind
    return all(k in "iu" for k in kinds) or kinds == "UU"


def _one_hot(y: np.ndarray, classes: np.ndarray, y_type: str) -> np.ndarray:
    """``LabelBinarizer.transform(y)`` for known labels ``y`` of a fitted binariser.

    ``classes`` is the binariser's sorted ``classes_`` and ``y_type`` its
    ``y_type_``: "binary" gives one column (1 for ``classes[1]``), "multiclass"
    one column per class.  Every label of ``y`` must be in ``classes``.
    """
    index = np.searchsorted(classes, y)
    if y_type == "binary":
        return (index == 1).astype(np.int64)[:, None]
    out = np.zeros((y.shape[0], classes.shape[0]), dtype=np.int64)
    out[np.arange(y.shape[0]), index] = 1
    return out


def _check_known(y: np.ndarray, classes: np.ndarray, source: str) -> None:
    """Raise when ``y`` holds a label outside ``classes``, which ``source`` names.

    Compared as Python values, so labels of another type (the strings "0", "1"
    against the integer classes 0, 1) are unknown too.
    """
    known = set(classes.tolist())
    unknown = [label for label in np.unique(y).tolist() if label not in known]
    if unknown:
        raise ValueError(
            f"y contains classes not {source}: {unknown}; expected a subset of "
            f"{classes.tolist()}"
        )


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
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
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
    missing = sorted(set(est.get_params()) - set(params))  # save writes every one
    if missing:  # each would take its default silently
        raise bad(f"params: missing parameter(s) {missing} for {kind}")
    try:  # the checks fit makes: a setting no fit takes ("x", null) is a damaged record
        est._validate_params()
        asked = est._asked_architecture()
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
        if asked[key] != found[key]:  # a refit would build another network than this one
            raise bad(f"params: {key}: {getattr(est, key)!r} asks for {asked[key]!r}; the "
                      f"network has {found[key]!r}")
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
