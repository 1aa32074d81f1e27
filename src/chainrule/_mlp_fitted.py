"""The fitted estimator as data: ``coefs_`` and ``intercepts_`` (views of the network's
parameters), and :meth:`save` (arrays + JSON, never pickle); :class:`_FittedNetwork`,
a mixin base of :class:`~chainrule._mlp_base._BaseMLP`, holds those methods of the class."""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import io
from ._class_weight import class_weight_to_json
from ._estimators_loss_types import _loss_types_json
from ._mlp_params import _names_a_file
from ._mlp_state import training_record
from ._network_nonfinite import naming
from ._validation import caller_outside_chainrule
from .activations import Activation
from .layers import Dense
from .schedules import SCHEDULES, Schedule

ESTIMATOR_FORMAT = "chainrule.estimator"


def _loss_changed(loss: str, trained: str) -> str:
    """The message for a ``loss`` set after the fit that trained the network with ``trained``.

    Parameters
    ----------
    loss : str
        The estimator's ``loss`` now.
    trained : str
        The loss of the fitted network (``network_.loss.name``).
    """
    return (f"loss: the fitted network was trained with loss={trained!r}, got loss={loss!r}; "
            f"a warm start, partial_fit or save goes on with the fitted network, so set "
            f"loss={trained!r} again, or fit a new network (warm_start=False)")


def _checked_values(value: object, name: str, shape: tuple[int, ...],
                    dtype: np.dtype) -> np.ndarray:
    """``value`` as an array of ``shape`` and ``dtype`` with finite numbers, or a clear error.

    Parameters
    ----------
    value : array-like
        What is assigned.
    name : str
        How the message names it, e.g. ``"coefs_[1]"``.
    shape : tuple of int
        The shape of the parameter it replaces.
    dtype : dtype
        The network's dtype: the values must be finite once converted to it
        (1e300 is finite in float64 but infinite in float32).
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(
            f"{name} must have shape {shape} (the network's layer), got shape {arr.shape}"
        )
    with np.errstate(over="ignore"):  # values beyond dtype's range become inf: refused below
        converted = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(converted)):
        limit = np.finfo(dtype).max
        raise ValueError(f"{name} must hold finite numbers within the network's {dtype} "
                         f"(|value| <= {limit:.4g}), got NaN, infinity or a larger value")
    return converted


class _ParameterList(list):
    """The Dense layers' weight matrices or biases: views, and assignment writes through.

    ``est.coefs_[i] = W`` copies ``W`` into layer ``i``'s view of
    ``network_.params`` (shape- and finite-checked), so that it changes the
    model as it does in scikit-learn.  The number of layers is the network's:
    methods that would add or remove items raise TypeError.
    """

    def __init__(self, views: list[np.ndarray], name: str) -> None:
        super().__init__(views)
        self._name = name

    def __setitem__(self, index: Any, value: object) -> None:
        if not isinstance(index, numbers.Integral):
            raise TypeError(
                f"{self._name}[{index!r}] = ...: assign one layer's array at a time "
                f"({self._name}[i] = array) or the whole list ({self._name} = [...])"
            )
        view = list.__getitem__(self, index)
        i = index % len(self)
        view[...] = _checked_values(value, f"{self._name}[{i}]", view.shape, view.dtype)

    def _fixed(self, *args: object, **kwargs: object) -> None:
        raise TypeError(f"{self._name} has one item per Dense layer of the network; its "
                        "length cannot change")

    append = extend = insert = pop = remove = clear = __delitem__ = __iadd__ = __imul__ = _fixed

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # copies and pickles are plain lists (copy.deepcopy(est.coefs_) gives copies)
        return (list, (list(self),))


def named_network(est: Any) -> AbstractContextManager:
    """Inside it, a NaN parameter or running statistic of ``est.network_`` is refused by
    the name the user can type, ``est.network_.layers[i].W``, and by ``est.coefs_[k]``
    (``est.intercepts_[k]``) where the estimator has a view of it, not by the network's
    ``net.layers[i].W``, which no name of the user's holds (no network yet: nothing)."""
    net = vars(est).get("network_")
    if net is None:
        return nullcontext()
    views: dict[tuple[int, str], str] = {}
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dense):  # coefs_ and intercepts_ are the Dense layers' W, b
            k = len(views) // 2
            views[i, "W"], views[i, "b"] = f"est.coefs_[{k}]", f"est.intercepts_[{k}]"
    return naming("est.network_", views)


def _json_value(value: object) -> object:
    """``value`` for JSON: arrays and tuples as lists, NumPy scalars as Python's, in depth.

    An :class:`Activation` is written as its name, in a list too (``activation``).
    """
    if isinstance(value, Activation):
        return value.name
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


def _schedule_config(schedule: Schedule) -> dict[str, Any]:
    """A built-in Schedule object as the dict that makes it again: ``{"name": ..., **settings}``.

    Raises
    ------
    ValueError
        If ``schedule`` is of a class of your own, which a JSON record cannot make again.
    """
    if SCHEDULES.get(schedule.name) is not type(schedule):
        raise ValueError(
            f"schedule: a {type(schedule).__name__} object (a class of your own) cannot be "
            f"saved as JSON; pass the name or a dict of a built-in one ({', '.join(SCHEDULES)})"
        )
    return _json_value(schedule.get_config())


class _FittedNetwork:
    """The fitted attributes read from the network, and saving: the mixin base of
    :class:`~chainrule._mlp_base._BaseMLP` that gives the fitted model out."""

    # -- fitted attributes read from the network -------------------------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices of the Dense layers, ``coefs_[i]`` of shape (fan_in, fan_out).

        Views into ``network_.params``: writing to them changes the model, and so
        do ``coefs_[i] = W`` and ``coefs_ = [W0, W1, ...]`` (copied in; the
        shapes must be the layers' and the values finite), as in scikit-learn.
        """
        check_is_fitted(self, "network_")
        return _ParameterList(
            [layer.W for layer in self.network_.layers if isinstance(layer, Dense)], "coefs_")

    @coefs_.setter
    def coefs_(self, value: Sequence[np.ndarray]) -> None:
        self._set_parameters("coefs_", value)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors of the Dense layers, ``intercepts_[i]`` of shape (fan_out,) (views).

        ``intercepts_[i] = b`` and ``intercepts_ = [b0, b1, ...]`` copy into
        the network, as for :attr:`coefs_`.
        """
        check_is_fitted(self, "network_")
        return _ParameterList(
            [layer.b for layer in self.network_.layers if isinstance(layer, Dense)],
            "intercepts_")

    @intercepts_.setter
    def intercepts_(self, value: Sequence[np.ndarray]) -> None:
        self._set_parameters("intercepts_", value)

    def _set_parameters(self, name: str, value: Sequence[np.ndarray]) -> None:
        """Copy a whole list of weight matrices or biases into the network (all checked first)."""
        if not hasattr(self, "network_"):
            raise AttributeError(
                f"{name} can only be assigned to a fitted {type(self).__name__} (fit builds "
                "the network whose parameters it replaces)"
            )
        views = getattr(self, name)
        if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, Sequence):
            raise TypeError(
                f"{name} must be a list of {len(views)} arrays (one per Dense layer), got "
                f"{type(value).__name__}"
            )
        if len(value) != len(views):
            raise ValueError(
                f"{name} must be a list of {len(views)} arrays (one per Dense layer), got "
                f"{len(value)}"
            )
        # copies: an item may be a view of another layer's parameters (coefs_ = [c[1], c[0]]),
        # which the writes below would overwrite before it is read
        checked = [_checked_values(v, f"{name}[{i}]", view.shape, view.dtype).copy()
                   for i, (v, view) in enumerate(zip(value, views, strict=True))]
        for view, arr in zip(views, checked, strict=True):  # nothing changes unless all pass
            view[...] = arr

    @property
    def n_layers_(self) -> int:
        """Number of layers counting the input layer (as scikit-learn counts them)."""
        check_is_fitted(self, "network_")
        return len(self.coefs_) + 1

    # -- saving: arrays + JSON, never pickle -----------------------------------------------------
    def _json_params(self) -> dict[str, Any]:
        params = {}
        for key, value in self.get_params().items():
            if key in ("layers", "input_shape", "class_weight", "clip_norm",
                       "max_time", "ema") and value is None:
                continue  # left out unless set: such files stay readable by older versions
            if key == "class_weight":  # a dict as [label, weight] pairs: labels stay labels
                params[key] = class_weight_to_json(value)
                continue
            if key == "layers" and _names_a_file(value):
                # a .json file: the layers fit read from it, so that the model file stands
                # alone (loading it checks the network against them, and the file may be
                # gone or edited by then); read now only if set after the fit
                read = getattr(self, "_layers_read", None)
                value = read[1] if read is not None and read[0] == value else self._layer_specs()
            if isinstance(value, Activation):
                value = value.name
            elif isinstance(value, Schedule):
                value = _schedule_config(value)
            elif isinstance(value, (list, tuple, np.ndarray, dict)):  # a schedule's dict too
                value = _json_value(value)
            elif key == "dtype" and value is not None:
                value = np.dtype(value).name
            elif key == "random_state" and isinstance(value, numbers.Integral):
                value = int(value)  # NumPy's integers and bools too: the seed they stand for
            elif key == "random_state" and value is not None:
                value = None  # a RandomState or Generator: not saved (save warns)
            elif callable(value):
                raise ValueError(
                    f"{key}: a callable ({value!r}) cannot be saved as JSON; pass a name"
                )
            if isinstance(value, np.generic):  # NumPy's ints, floats and bools (np.False_)
                value = value.item()
            params[key] = value
        return params

    def _fitted_json(self) -> dict[str, Any]:
        return {}

    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted estimator to ``path`` (.npz of arrays + JSON; never pickle).

        :func:`load_estimator` reads it back.  The file
        keeps the training state too (the optimizer's moments or velocity, the
        rate the learning-rate rules reached, the stopping rule's counters, the
        random generator), so that ``partial_fit`` or a warm-start ``fit`` of the
        loaded estimator gives exactly what the saved one would have given.  The
        losses' types (np.float32 for a float32 regressor, as scikit-learn's) are
        recorded apart from their JSON numbers, and come back with them.

        ``random_state`` is saved when it is an int (or None).  A
        ``numpy.random.RandomState`` or ``Generator`` object is not: the file
        records ``random_state=None`` and a UserWarning says so, since a fresh
        (not warm-start) ``fit`` of the loaded estimator then draws its seed from
        NumPy's global generator, where the saved one (or a pickled copy) would
        have drawn it from the object.  Pass an int for a file whose fresh fits
        are reproducible.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        Path
            The file written.
        """
        check_is_fitted(self, "network_")
        net = self.network_
        kept = getattr(self, "_check_loss_kept", None)  # MLPRegressor's loss, huber_delta:
        if kept is not None:  # set after the fit? load_estimator would refuse the record
            kept()
        rs = self.random_state
        if rs is not None and not isinstance(rs, numbers.Integral):
            warnings.warn(
                f"random_state: a numpy.random.{type(rs).__name__} object is not "
                "saved; the file records random_state=None. partial_fit and warm-start fits "
                "of the loaded estimator continue exactly, but a fresh fit of it draws its "
                "seed from NumPy's global generator; pass an int random_state for a file "
                "whose fresh fits are reproducible", UserWarning,
                stacklevel=caller_outside_chainrule())
        meta = {
            "format": ESTIMATOR_FORMAT,
            "estimator": type(self).__name__,
            "params": self._json_params(),
            "network": io.network_config(net),
            "states": [layer.get_state() for layer in net.layers],
            "fitted": {
                "n_features_in_": int(self.n_features_in_), "n_outputs_": int(self.n_outputs_),
                "out_activation_": self.out_activation_, "n_iter_": int(self.n_iter_),
                "t_": int(self.t_), "loss_curve_": [float(v) for v in self.loss_curve_],
                # JSON's numbers: the losses' types (np.float32 too) recorded apart
                "best_loss_": None if self.best_loss_ is None else float(self.best_loss_),
                "_loss_types": _loss_types_json(self),
                "validation_scores_": self.validation_scores_,
                "best_validation_score_": self.best_validation_score_,
                **self._fitted_json(),
            },
        }
        from_X = vars(self).get("_shape_from_X")  # where a network's image shape came from
        if from_X is not None:
            meta["fitted"]["_shape_from_X"] = bool(from_X)
        names = getattr(self, "feature_names_in_", None)
        if names is not None:  # a DataFrame's columns: checked again at predict time
            meta["fitted"]["feature_names_in_"] = [str(name) for name in names]
        # what partial_fit and a warm start go on from: the optimizer's state, the rules'
        # counters, the generator (see _mlp_state), so that a reloaded estimator continues
        # exactly as this one would
        meta["training"], training_arrays = training_record(self)
        with named_network(self):  # a NaN parameter: est.network_.layers[i].W, est.coefs_[k]
            return io.write_file(path, meta, {**io.network_arrays(net), **training_arrays},
                                 net=net)
