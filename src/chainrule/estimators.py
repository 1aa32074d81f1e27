"""scikit-learn estimators :class:`MLPClassifier` and :class:`MLPRegressor` (chainrule engine).

They take scikit-learn's parameter names where the meaning is the same
(``hidden_layer_sizes``, ``activation``, ``solver``, ``alpha``, ``batch_size``,
``learning_rate_init``, ``max_iter``, ``momentum``, ``nesterovs_momentum``,
``early_stopping``, ``validation_fraction``, ``n_iter_no_change``, ``tol``,
``random_state``, ``verbose``, ``warm_start``, ...), fit the same model (the
cost is the mean loss plus ``(alpha / 2m) sum W^2``, biases not decayed), and
add what scikit-learn's MLP lacks: one activation per hidden layer, custom
(registered) activations, ``dropout``, ``batch_norm``, the solvers
"rmsprop", "adagrad", "cg", the second-order "newton-cg" and "trust-ncg" (exact
``H v``, :mod:`chainrule.hessian`) and PyTorch's "adamw", "nadam", "radam" and
"adamax" (with ``amsgrad``, ``decoupled_decay`` of AdamW, NAdam and RAdam, RMSProp's
``rmsprop_momentum`` and ``centered``, NAdam's ``momentum_decay``), a choice of
initialiser, ``dtype``, a learning-rate ``schedule``, gradient clipping
(``clip_norm``) and a time budget per fit (``max_time``).  Training runs
through :class:`chainrule.Trainer` (stochastic solvers) or :func:`chainrule.minimize`
(L-BFGS, CG); the fitted :class:`chainrule.Network` is ``network_``.

Fitted models are saved as arrays + JSON with :meth:`save` and read back with
:func:`load_estimator`, never with pickle.  (Pickling still works, because
scikit-learn and joblib need it to copy estimators between processes; the
network travels in it as its configuration and arrays.)

Each class lives in a module of its own, with its docstring, ``fit`` and
``partial_fit`` (which return the estimator): ``_estimators_mlp_classifier``
(:class:`MLPClassifier`, whose docstring describes every parameter of both; its
Attributes and Examples sections are text of ``_estimators_doc``) and
``_estimators_mlp_regressor`` (:class:`MLPRegressor`, with its ``__init__``).  Each
inherits the methods that depend on its targets from a mixin base in a module of its
own: ``_estimators_classifier`` (:class:`_ClassifierOutputs`: labels one-hot encoded,
predicted labels and probabilities) and ``_estimators_regressor``
(:class:`_RegressorOutputs`: the ``loss`` parameter, predictions); ``_estimators_file``
checks a saved file's fitted record for :func:`load_estimator`, which remains here, with
the names the tests and other modules import from here.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state

from . import io
from ._checkpoints_checks import _check_schedule_name
from ._class_weight import class_weight_from_json, label_weights
from ._estimators_classifier import _check_known as _check_known
from ._estimators_classifier import _checked_classes as _checked_classes
from ._estimators_classifier import _ClassifierOutputs as _ClassifierOutputs
from ._estimators_classifier import _one_hot as _one_hot
from ._estimators_classifier import _same_kind as _same_kind
from ._estimators_file import _CLASSIFIER_KEYS as _CLASSIFIER_KEYS
from ._estimators_file import _FITTED_KEYS as _FITTED_KEYS
from ._estimators_file import _SK_OUTPUT as _SK_OUTPUT
from ._estimators_file import _Y_TYPES as _Y_TYPES
from ._estimators_file import _fitted_problem, _is_count, _training_rate_problem
from ._estimators_file import _is_finite as _is_finite
from ._estimators_loss_types import _typed_losses
from ._estimators_mlp_classifier import MLPClassifier
from ._estimators_mlp_regressor import MLPRegressor
from ._estimators_regressor import _REGRESSOR_LOSSES as _REGRESSOR_LOSSES
from ._estimators_regressor import _estimator_loss
from ._estimators_regressor import _RegressorOutputs as _RegressorOutputs
from ._mlp_base import ESTIMATOR_FORMAT
from ._mlp_base import _BaseMLP as _BaseMLP
from ._mlp_base import _loss_changed as _loss_changed
from ._mlp_base import _solver_is_stochastic as _solver_is_stochastic
from ._mlp_pickling import _F095BF0
from ._mlp_state import restore_training
from .initializers import get_initializer

__all__ = ["MLPClassifier", "MLPRegressor", "load_estimator"]

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
    PermissionError
        If the file may not be read (its permissions).
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
    if isinstance(params.get("layers"), str):
        params["layers"] = _layers_of_an_older_file(params["layers"], path)
    try:  # a dict of class weights is saved as [label, weight] pairs
        if "class_weight" in params:
            params["class_weight"] = class_weight_from_json(params["class_weight"])
        if isinstance(params.get("schedule"), dict):  # get_schedule: "unknown schedule None"
            _check_schedule_name(params["schedule"], "schedule")
    except ValueError as exc:
        raise bad(f"params: {exc}") from None
    net = io.restore_network(meta, arrays, path)
    problem = _fitted_problem(fitted, net, cls is MLPClassifier)
    if problem is not None:  # first: a network of another kind explains unknown parameters
        raise bad(f"fitted: {problem}")
    unknown = sorted(set(params) - set(cls().get_params()))
    if unknown:
        raise bad(f"params: unknown parameter(s) {unknown} for {kind}")
    if cls is MLPRegressor and params.get("loss", "squared_error") != _estimator_loss(
            net.loss.name):  # scikit-learn's "absolute_error" of the network's absolute error
        raise bad(f"params: loss: expected {_estimator_loss(net.loss.name)!r} (the network's "
                  f"loss), found {params.get('loss', 'squared_error')!r}")
    smoothing = net.loss.params.get("label_smoothing", 0.0)  # as the classifier's must be
    if cls is MLPClassifier and params.get("label_smoothing", 0.0) != smoothing:
        raise bad(f"params: label_smoothing: expected {smoothing!r} (the network's loss's), "
                  f"found {params.get('label_smoothing', 0.0)!r}")
    delta = net.loss.params.get("delta")  # huber's: the estimator's huber_delta must match
    if cls is MLPRegressor and delta is not None and params.get("huber_delta") != delta:
        raise bad(f"params: huber_delta: expected {delta!r} (the delta of the network's "
                  f"huber loss), found {params.get('huber_delta')!r}")
    fitted = dict(fitted)
    # a file of before bias_init: its estimator started networks with zero biases, as a
    # refit of it does still (a warm start keeps the network's biases, whatever the setting)
    params.setdefault("bias_init", "zeros")
    if not any(k in params for k in _F095BF0):  # a file of before them: their old rule
        params.update(_F095BF0)  # (some without the others: a damaged file, refused below)
    if cls is MLPRegressor:  # a file of before loss= (54971d4): the squared error, its only loss
        params.setdefault("loss", "squared_error")  # (any other network's loss refused above)
    est = cls(**params)
    est.network_ = net
    if "_shape_from_X" in fitted:  # before the checks of the network, which word by it
        est._shape_from_X = fitted.pop("_shape_from_X")
    # save writes every one; "layers", "input_shape", "class_weight", "clip_norm",
    # "max_time" and "ema" came later (None before them, and left out of a file while None),
    # "huber_delta" too (1.0 before it, of no use to the losses files had then), and
    # "label_smoothing" (0.0 before it: the plain loss, which the network's record says),
    # "amsgrad" and "decoupled_decay" (False and None: the solvers of before them had neither),
    # "rmsprop_momentum", "centered" and "momentum_decay" (0.0, False and None: the rules
    # rmsprop and nadam had before them)
    missing = sorted(set(est.get_params()) - set(params)
                     - {"layers", "input_shape", "class_weight", "clip_norm", "huber_delta",
                        "label_smoothing", "max_time", "ema", "amsgrad", "decoupled_decay",
                        "rmsprop_momentum", "centered", "momentum_decay"})
    if missing:  # each would take its default silently
        raise bad(f"params: missing parameter(s) {missing} for {kind}")
    try:  # the checks fit makes: a setting no fit takes ("x", null) is a damaged record
        est._validate_params()
        # what it keeps of layers= for the fit that follows: a fit checks them again
        est.__dict__.pop("_layers_checked", None)
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
            labels = fitted.pop("classes_")
            classes = np.array(labels, dtype=io.label_dtype(labels, fitted.pop("classes_dtype")))
            y_type = fitted.pop("y_type_")
            lb = LabelBinarizer()
            lb.fit(np.eye(len(classes), dtype=int) if y_type.startswith("multilabel")
                   else classes)
            lb.classes_ = classes
            est._label_binarizer = lb
            est.classes_ = classes
            if isinstance(est.class_weight, dict) and not y_type.startswith("multilabel"):
                label_weights(est.class_weight, classes, classes)  # its labels are classes
        names = fitted.pop("feature_names_in_", None)
        if names is not None:
            est.feature_names_in_ = np.asarray(names, dtype=object)
        types = fitted.pop("_loss_types", None)
        for key, value in fitted.items():  # only the keys checked above
            setattr(est, key, value)
        # the losses as the fit left them: scikit-learn's types, np.float32 or np.float64,
        # as the file records them (an older file: np.float64)
        est.loss_curve_, est.best_loss_ = _typed_losses(est.loss_curve_, est.best_loss_, types)
        est.loss_ = est.loss_curve_[-1] if est.loss_curve_ else None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise bad(repr(exc)) from None
    if "training" in meta:  # the state partial_fit and a warm start go on from
        problem = _training_rate_problem(meta["training"])  # lr = inf, without a schedule
        if problem is not None:
            raise bad(problem)
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


def _layers_of_an_older_file(text: str, path: object) -> str | list:
    """``layers`` JSON text as a loaded file holds it; with a key given twice in a layer's
    dict (written before such text was refused), the list of dicts its network was built
    from: JSON's rule then, the last value of the key, with a warning saying so."""
    from ._validation import caller_outside_chainrule
    from .architecture import _KeyTwice, _unique_keys

    try:
        json.loads(text, object_pairs_hook=_unique_keys)
    except _KeyTwice as exc:
        twice = str(exc).removesuffix("; give it once")
        warnings.warn(f"{path}: params: layers: {twice}: the file was written before such "
                      f"layers were refused, and its network was built with the last value; "
                      f"layers is read as the list of layer dicts it built", UserWarning,
                      stacklevel=caller_outside_chainrule())
        return json.loads(text)
    except (ValueError, RecursionError):  # no JSON (or a file's name): the checks refuse it
        pass
    return text
