"""The estimators' parameters, checked when fitting (as scikit-learn does);
:class:`_Parameters`, a mixin base of :class:`~chainrule._mlp_base._BaseMLP`, holds
those methods of the class.  The network and optimizer they build are in
``_mlp_building`` (:class:`~chainrule._mlp_building._Building`)."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence

import numpy as np

from ._mlp_param_words import (
    _ACTIVATIONS,
    _BOOL,
    _COUNT,
    _LAYERS,
    _SEEDS,
    _SIZES,
    _UNIT,
    _among,
    _refused,
)
from ._mlp_schedule_run import warmup_leaves_no_cosine
from ._mlp_solver_settings import _check_solver_settings
from ._training_ema import check_ema
from ._validation import InvalidRandomState, check_random_state_value
from ._validation import given_value as _given
from .activations import Activation, _check_hidden_activation, get_activation
from .architecture import _check_hidden, parse_layers
from .layers import Layer
from .schedules import Schedule, get_schedule, length_from_run

SOLVERS = ("sgd", "adam", "rmsprop", "adagrad", "adamw", "nadam", "radam", "adamax", "lbfgs",
           "cg", "newton-cg", "trust-ncg")
_STOCHASTIC = ("sgd", "adam", "rmsprop", "adagrad", "adamw", "nadam", "radam", "adamax")
_IMAGE_LAYERS = ("Conv2D", "MaxPool2D", "AvgPool2D", "Flatten")  # they take images
# the parameters that `layers` replaces, with their defaults (at which they must stay)
_MLP_DEFAULTS = {"hidden_layer_sizes": (100,), "dropout": 0.0, "batch_norm": False}
_SCHEDULES = "None, a str among the schedules' names, a dict or a Schedule"
_DROPOUTS = "a float in the range [0.0, 1.0) or a list of one per hidden layer"
BIAS_INITS = ("uniform", "zeros")
_IN_THE_LIST = {"hidden_layer_sizes": "a hidden layer is a Dense dict in the list",
                "dropout": "dropout is a Dropout dict in the list",
                "batch_norm": "batch normalisation is a BatchNorm dict in the list"}


def _finite_real(v: object) -> bool:
    """Whether ``v`` is a real number (not a bool) that is finite as a float: an int
    beyond float's range (``10**400``) is not, rather than an OverflowError."""
    if not isinstance(v, numbers.Real) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # math.isfinite converts to a float
        return False


def _detail(exc: Exception) -> str:
    """The detail of a refusal of ``layers`` from its reader or builder, without their
    ``"layers: "`` prefix (the sentence before it names the parameter)."""
    return str(exc).removeprefix("layers: ")


def _names_a_file(layers: object) -> bool:
    """Whether ``layers`` names a .json file to read (the rule of
    :func:`~chainrule.architecture.parse_layers`), rather than giving the list or JSON text."""
    return isinstance(layers, os.PathLike) or (
        isinstance(layers, str) and not layers.lstrip().startswith(("[", "{")))


class _Parameters:
    """The parameters checked: the mixin base of :class:`~chainrule._mlp_base._BaseMLP`
    that reads them (``_mlp_building``'s :class:`~chainrule._mlp_building._Building`
    builds the network and optimizer they ask for)."""

    # -- checking the parameters (at fit, as scikit-learn does) ----------------------------------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = [sizes]
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
            raise _refused(self, "hidden_layer_sizes", _SIZES)
        out = []
        for i, s in enumerate(sizes):
            if not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1:
                where = "" if sizes is not self.hidden_layer_sizes else \
                    f" (hidden_layer_sizes[{i}] is {_given(s)})"
                raise _refused(self, "hidden_layer_sizes", _SIZES, where)
            out.append(int(s))
        return out

    def _per_layer(self, value: object, name: str, n: int, expected: str) -> list:
        """One value per hidden layer from a single value or a sequence of ``n`` (a list,
        tuple or array; a dict or set, whose order is no layers', is refused).  A single
        value is returned once where there is no hidden layer (``n = 0``), to be checked.
        A sequence of another length is refused in scikit-learn's words (``expected``, the
        parameter's own), its count after them."""
        if not isinstance(value, (list, tuple, np.ndarray)) or (
                isinstance(value, np.ndarray) and value.ndim == 0):  # one value
            return [value] * max(n, 1)
        value = list(value)
        if len(value) != n:
            layers = "hidden layer" if n == 1 else "hidden layers"
            raise _refused(self, name, expected, f" ({len(value)} values for {n} {layers})")
        return value

    def _activations(self, n: int) -> list[Activation]:
        acts = []
        given = self.activation
        for i, a in enumerate(self._per_layer(given, "activation", n, _ACTIVATIONS)):
            where = "" if a is given else f"; activation[{i}] is {_given(a)}"
            if not isinstance(a, (str, Activation)):  # get_activation's own words name its type
                raise _refused(self, "activation", _ACTIVATIONS, where.replace(
                    "; ", " (", 1) + (")" if where else ""))
            try:
                act = get_activation(a)
            except (ValueError, TypeError) as exc:
                raise _refused(self, "activation", _ACTIVATIONS, f" ({exc})") from None
            acts.append(_check_hidden_activation(act, "activation"))
        return acts[:n]

    def _dropouts(self, n: int) -> list[float]:
        rates = []
        given = self.dropout
        for i, r in enumerate(self._per_layer(given, "dropout", n, _DROPOUTS)):
            if not isinstance(r, numbers.Real) or not 0 <= r < 1:
                where = "" if r is given else f" (dropout[{i}] is {_given(r)})"
                raise _refused(self, "dropout", _DROPOUTS, where)
            rates.append(float(r))
        return rates[:n]

    # -- layers= and input_shape= (any architecture) --------------------------------------------
    def _layer_specs(self) -> list[dict] | None:
        """``layers`` as a list of new dicts (None without it), checked for its form.

        The dicts are copies: fit changes no parameter (scikit-learn's clone
        compares them after a fit).  JSON text or a .json file is read by
        :func:`~chainrule.architecture.parse_layers`.
        """
        layers = self.layers
        if layers is None:
            return None
        if isinstance(layers, (str, os.PathLike)):
            try:
                layers = parse_layers(layers)
            except (OSError, ValueError) as exc:  # the reader's detail, not its "must be"
                text = str(exc).removeprefix("layers: ")
                if text.startswith("layers must be"):
                    text = text.partition("; ")[2] or text
                raise _refused(self, "layers", _LAYERS, f" ({text})") from None
        if not isinstance(layers, (list, tuple)):
            raise _refused(self, "layers", _LAYERS)
        specs = []
        for i, spec in enumerate(layers):
            if not isinstance(spec, Mapping):
                raise _refused(self, "layers", _LAYERS, f" (layers[{i}] is {_given(spec)}"
                               + ("; a Layer object would be shared by clones and changed by "
                                  "fit: give its dict" if isinstance(spec, Layer) else "")
                               + ")")
            specs.append(dict(spec))
        return specs

    def _image_shape(self) -> tuple[int, int, int] | None:
        """``input_shape`` checked: None or (channels, height, width) of positive ints.

        Without ``input_shape`` (and with ``layers``): during a fit, the shape of
        the images (n_samples, C, H, W) given as X (:func:`images_of_X`), None
        for rows; outside a fit, the fitted network's input shape.
        """
        shape = self.input_shape
        if shape is None and self.layers is not None:
            # no input_shape: a fit's (_checked_fit) that of the images X it was given (None
            # for rows), else the fitted network's (a loaded estimator, its predictions)
            if "_images_of_X" in self.__dict__:
                return self._images_of_X
            net = self.__dict__.get("network_")
            shape = getattr(net, "n_inputs", None)
            return shape if isinstance(shape, tuple) else None
        if shape is None:
            return None
        dims = list(shape) if isinstance(shape, (list, tuple, np.ndarray)) else None
        if dims is None or len(dims) != 3 or not all(
                isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
                for d in dims):
            raise _refused(self, "input_shape", "None or a tuple (channels, height, width) of "
                           "three ints in the range [1, inf)")
        if self.layers is None:
            raise _refused(self, "input_shape", "None without layers", " (input_shape is the "
                           "shape of the images that layers takes; hidden_layer_sizes builds a "
                           "multilayer perceptron, which takes flat rows: leave input_shape "
                           "None, or give layers)")
        return tuple(int(d) for d in dims)

    def _check_layers(self) -> list[dict]:
        """The checks of ``layers`` that need no data: the parameters it replaces at their
        defaults, one default activation, no output layer or step in it, an input_shape for
        image layers, a stochastic solver for Dropout and BatchNorm layers."""
        for name, default in _MLP_DEFAULTS.items():
            value = getattr(self, name)
            if name == "hidden_layer_sizes":
                try:
                    same = self._hidden_sizes() == [100]
                except (TypeError, ValueError):
                    same = False
            elif name == "dropout":
                same = (isinstance(value, numbers.Real) and not isinstance(value, bool)
                        and value == 0)
            else:  # batch_norm, a bool (checked before)
                same = not value
            if not same:
                raise _refused(self, name, f"its default {default!r} with layers", " (layers "
                               f"and {name} both describe the hidden layers: with layers, "
                               f"leave {name} at its default; {_IN_THE_LIST[name]})")
        if isinstance(self.activation, (str, Activation)):
            self._activations(1)
        else:
            raise _refused(self, "activation", "a str among the activations' names or an "
                           "Activation with layers", " (with layers, one activation: the "
                           "default of the Dense dicts that name none; name each Dense dict's "
                           "own activation in layers)")
        specs = self._layer_specs()
        try:
            _check_hidden(specs, "layers", "the estimator appends the output layer (its units "
                          "and activation from the targets)", "chainrule.Perceptron")
        except ValueError as exc:
            raise _refused(self, "layers", _LAYERS, f" ({_detail(exc)})") from None
        shape = self._image_shape()
        image = next((i for i, spec in enumerate(specs)
                      if spec.get("type") in _IMAGE_LAYERS), None)
        if shape is None and image is not None:
            detail = (f"layers[{image}] ({specs[image]['type']}) takes images; give X of "
                      "images of shape (n_samples, C, H, W), or input_shape=(C, H, W) (each "
                      "row of X is then an image of C*H*W values, channel by channel, each "
                      "row by row)")
            dims = self.__dict__.get("_X_dims")  # a fit's X (_checked_fit)
            if dims is None:
                raise ValueError(f"layers: {detail}")
            # scikit-learn's words for X of the wrong number of axes (check_array's)
            raise ValueError(f"Found array with dim {dims}, while dim 3 or 4 is required by "
                             f"{type(self).__name__} with layers of images and no "
                             f"input_shape. ({detail})")
        if self.solver not in _STOCHASTIC:
            for i, spec in enumerate(specs):
                # a Dropout layer of rate 0 too: scipy_fit.minimize refuses any Dropout layer;
                # BatchNorm: the second-order solvers minimise its training-mode cost
                kind = spec.get("type")
                second = self.solver in ("newton-cg", "trust-ncg")
                if kind == "Dropout" or (kind == "BatchNorm" and not second):
                    also = (" or a second-order solver ('newton-cg', 'trust-ncg': the "
                            "training-mode cost, the whole set's batch statistics)"
                            if kind == "BatchNorm" else "")
                    without = "Dropout" if second else "BatchNorm or Dropout"
                    raise _refused(self, "layers", f"a list of layers without {without} "
                                   f"with solver={self.solver!r}", f" (layers[{i}] "
                                   f"({kind}) needs a stochastic solver {_STOCHASTIC}{also}; "
                                   f"solver={self.solver!r} minimises one fixed cost function)")
        # for the fit that follows: a .json file (a pipe too) read once, not again
        self._layers_checked = (self.layers, specs)
        return specs

    def _dtype(self, data: np.dtype | None = None) -> np.dtype:
        """The network's dtype: ``self.dtype``, or with None the data's (float32 or float64)
        for the mini-batch solvers, float64 for the SciPy ones ("lbfgs", "cg", "newton-cg",
        "trust-ncg": SciPy's float64 vector, which scikit-learn's lbfgs keeps as its weights,
        on float32 data too).

        ``data`` is the dtype of the checked training data (float32 or float64);
        ``None`` only checks the setting.
        """
        if self.dtype is None:
            return np.dtype(np.float32 if data == np.float32 and self.solver in _STOCHASTIC
                            else np.float64)
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.float32, np.float64):
            raise _refused(self, "dtype", "a str among {'float32', 'float64'}, numpy.float32, "
                           "numpy.float64 or None (the data's)")
        return dtype

    def _validate_params(self) -> None:
        try:
            check_random_state_value(self.random_state, bools=True)  # scikit-learn takes bools
        except InvalidRandomState:
            raise _refused(self, "random_state", _SEEDS, kind=InvalidRandomState) from None
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping",
                     "batch_norm"):
            v = getattr(self, name)
            if not isinstance(v, (bool, np.bool_)):  # "False" or 1 would be read as true
                raise _refused(self, name, _BOOL)
        v = self.verbose  # scikit-learn's constraint: a bool or an int >= 0
        if not isinstance(v, (bool, np.bool_, numbers.Integral)) or v < 0:
            raise _refused(self, "verbose", f"an int in the range [0, inf), {_BOOL}")
        if not isinstance(self.solver, str) or self.solver not in SOLVERS:
            raise _refused(self, "solver", _among(SOLVERS))
        if not isinstance(self.bias_init, str) or self.bias_init not in BIAS_INITS:
            raise _refused(self, "bias_init", _among(BIAS_INITS))
        for name in ("learning_rate_init", "epsilon"):
            v = getattr(self, name)
            if not _finite_real(v) or not v > 0:
                raise _refused(self, name, "a finite float in the range (0.0, inf)")
        for name in ("alpha", "tol"):
            v = getattr(self, name)
            if not _finite_real(v) or not v >= 0:
                raise _refused(self, name, "a finite float in the range [0.0, inf)")
        rates = ("constant", "invscaling", "adaptive")
        if not isinstance(self.learning_rate, str) or self.learning_rate not in rates:
            raise _refused(self, "learning_rate", _among(rates))
        if self.learning_rate != "constant" and self.schedule is not None:
            raise _refused(self, "schedule", f"None with learning_rate={self.learning_rate!r}",
                           f" (learning_rate={self.learning_rate!r} and schedule="
                           f"{self.schedule!r} both set the learning rate; give one of them)")
        if not _finite_real(self.power_t) or not self.power_t >= 0:  # < 0: a growing rate
            raise _refused(self, "power_t", "a finite float in the range [0.0, inf)")
        for name in ("max_iter", "n_iter_no_change", "max_fun"):
            v = getattr(self, name)
            if name == "n_iter_no_change" and isinstance(v, numbers.Real) and v == math.inf:
                continue  # never stop on the tolerance, as scikit-learn takes it
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                extra = " or a float among {inf}" if name == "n_iter_no_change" else ""
                raise _refused(self, name, _COUNT + extra)
        # after max_iter's own check: "cosine" by its name takes T_max = max_iter, and a bad
        # max_iter is named as itself, not as the schedule's T_max
        warm = warmup_leaves_no_cosine(self.schedule, self.max_iter)
        if warm is not None:  # named as max_iter, which the estimator has (not epochs)
            after = self.schedule["after"]
            key = length_from_run(after)
            name = after.get("name") if isinstance(after, dict) else after
            verb = "anneals over" if key == "T_max" else "spans"
            raise _refused(self, "max_iter", f"an int in the range [{warm + 1}, inf) with schedule="
                           f"{self.schedule!r}", f" (the {name!r} after the warm-up {verb} the "
                           f"epochs after the warm-up's {warm} (its {key} is max_iter - {warm}), "
                           f"and max_iter={self.max_iter} leaves none; give max_iter above "
                           f"{warm}, or the {name} its own {key} in schedule)")
        if not isinstance(self.schedule, (str, dict, Schedule, type(None))):  # get_schedule's
            raise _refused(self, "schedule", _SCHEDULES)
        try:  # a schedule that cannot be built fails here, before the fit changes anything
            get_schedule(self.schedule, epochs=self.max_iter)
        except (TypeError, ValueError) as exc:
            raise _refused(self, "schedule", _SCHEDULES, f" ({exc})") from None
        bs = self.batch_size
        if not (isinstance(bs, str) and bs == "auto") and (
                not isinstance(bs, numbers.Integral) or isinstance(bs, bool) or bs < 1):
            raise _refused(self, "batch_size", f"a str among {{'auto'}} or {_COUNT}")
        cn = self.clip_norm
        if cn is not None and (not _finite_real(cn) or not cn > 0):
            raise _refused(self, "clip_norm", "None or a finite float in the range (0.0, inf)")
        if self.ema is not None:
            try:
                check_ema(self.ema)
            except (TypeError, ValueError):  # train()'s own check, named as ema
                raise _refused(self, "ema", "None or a float in the range (0.0, 1.0), the "
                               "decay of the weights' moving average") from None
        mt = self.max_time
        if mt is not None and (not _finite_real(mt) or not mt > 0):
            raise _refused(self, "max_time", "None or a finite float in the range (0.0, inf) "
                           "(seconds)")
        for name in ("momentum", "beta_1", "beta_2"):  # momentum=1: scikit-learn's [0, 1]
            v = getattr(self, name)
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or not 0 <= v < 1:
                raise _refused(self, name, _UNIT)
        _check_solver_settings(self)
        vf = self.validation_fraction
        if not isinstance(vf, numbers.Real) or isinstance(vf, bool) or not 0 <= vf < 1:
            raise _refused(self, "validation_fraction", _UNIT)
        if self.early_stopping and self.solver in _STOCHASTIC and vf == 0:  # else unused
            # scikit-learn's train_test_split refuses its test_size=0 in these words
            raise _refused(self, "validation_fraction", "a float in the range (0.0, 1.0) with "
                           "early_stopping=True", " (validation_fraction must be > 0 with "
                           "early_stopping=True: the fraction held out for validation)")
        if self.layers is not None:
            self._check_layers()
        else:
            self._image_shape()  # None, or refused: an MLP takes flat rows
            n = len(self._hidden_sizes())
            self._activations(n)
            drops = self._dropouts(n)
            # batch_norm with a second-order solver: its training-mode cost (as layers')
            second = self.solver in ("newton-cg", "trust-ncg")
            if self.solver not in _STOCHASTIC and (
                    any(drops) or (self.batch_norm and not second)):
                name = "dropout" if any(drops) else "batch_norm"
                also = ("" if name == "dropout" else " (or, for batch_norm, a second-order "
                        "solver 'newton-cg' or 'trust-ncg', which minimise the training-mode "
                        "cost)")
                needs = "dropout needs" if second else "dropout and batch_norm need"
                raise _refused(self, name, f"{0.0 if name == 'dropout' else False} with "
                               f"solver={self.solver!r}", f" ({needs} a "
                               f"stochastic solver {_STOCHASTIC}{also}; solver="
                               f"{self.solver!r} minimises one fixed cost function)")
        self._dtype()


def _solver_is_stochastic(est: _Parameters) -> bool:
    """``partial_fit`` exists only for the mini-batch solvers (as in scikit-learn): the
    ``available_if`` check of the estimators' ``partial_fit``."""
    if est.solver not in _STOCHASTIC:
        raise AttributeError(
            f"partial_fit is only available for the stochastic solvers {_STOCHASTIC}, "
            f"got solver={est.solver!r}"
        )
    return True
