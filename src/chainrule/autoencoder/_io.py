"""Saving and loading the autoencoder estimators: arrays + JSON, never pickle."""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import (
    BaseEstimator,
)

from .. import io
from .._class_weight import class_weight_from_json, class_weight_to_json, label_weights
from .._validation import caller_outside_chainrule
from ..activations import ALIASES
from ..layers import Dense
from ..network import Network
from ._softmax import SoftmaxRegression
from ._sparse import SparseAutoencoder
from ._stacked import StackedAutoencoder

AUTOENCODER_FORMAT = "chainrule.autoencoder"
_KINDS: dict[str, type] = {"SparseAutoencoder": SparseAutoencoder,
                           "SoftmaxRegression": SoftmaxRegression,
                           "StackedAutoencoder": StackedAutoencoder}
# the JSON keys of each kind's "fitted" record (feature_names_in_ is optional)
_FITTED = {
    "SparseAutoencoder": {"n_features_in_", "n_iter_", "loss_"},
    "SoftmaxRegression": {"n_features_in_", "n_iter_", "classes_", "classes_dtype"},
    "StackedAutoencoder": {"n_features_in_", "n_iter_", "classes_", "classes_dtype"},
}
_RECORD_KEYS = {"estimator", "params", "fitted", "network", "states"}
# optional: the container set_output chose for transform, e.g. {"transform": "pandas"}
_OUTPUT_CONFIG = "output_config"
_OUTPUT_CONTAINERS = ("default", "pandas", "polars")
_STACK_KEYS = {"softmax_", "autoencoders_"}


def _is_count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


_is_real = io.finite_number  # a JSON int past int64 included (np.isfinite raises on it)


def _json_params(est: BaseEstimator) -> dict[str, Any]:
    params = {}
    for key, value in est.get_params().items():
        if key == "random_state" and not (value is None or isinstance(value, numbers.Integral)):
            value = None  # a RandomState or Generator: not kept (_save warns)
        if isinstance(value, (tuple, list, range, np.ndarray)):  # hidden_sizes as fit takes it
            value = [v.item() if isinstance(v, np.generic) else v for v in value]
        elif isinstance(value, np.generic):
            value = value.item()
        elif key == "class_weight":  # a dict as [label, weight] pairs: labels stay labels
            value = class_weight_to_json(value)
        params[key] = value
    return params


def _record(est: BaseEstimator, prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON record and arrays of one fitted estimator, its arrays named ``prefix...``."""
    net = est._check_fitted()
    fitted, arrays = est._fitted_record(prefix)
    names = getattr(est, "feature_names_in_", None)
    if names is not None:
        fitted["feature_names_in_"] = [str(name) for name in names]
    record = {"estimator": type(est).__name__, "params": _json_params(est), "fitted": fitted,
              "network": io.network_config(net),
              "states": [layer.get_state() for layer in net.layers]}
    # set_output(transform=...) of this estimator (scikit-learn keeps it in this attribute;
    # without it, the global configuration applies, at load time too)
    config = getattr(est, "_sklearn_output_config", None)
    if isinstance(config, dict) and isinstance(config.get("transform"), str):
        record[_OUTPUT_CONFIG] = {"transform": config["transform"]}
    arrays.update(io.network_arrays(net, prefix))
    if isinstance(est, StackedAutoencoder):
        record["softmax_"], more = _record(est.softmax_, f"{prefix}softmax_/")
        arrays.update(more)
        record["autoencoders_"] = []
        for i, ae in enumerate(est.autoencoders_):
            rec, more = _record(ae, f"{prefix}autoencoders_/{i}/")
            record["autoencoders_"].append(rec)
            arrays.update(more)
    return record, arrays


def _save(est: BaseEstimator, path: str | os.PathLike) -> Path:
    est._check_fitted()
    # a setting changed by set_params after the fit to one no fit accepts: the file would
    # be refused by load_autoencoder, so it is not written
    parts = [est, *getattr(est, "autoencoders_", [])]
    if hasattr(est, "softmax_"):
        parts.append(est.softmax_)
    for part in parts:
        part._check_settings()
    rs = est.random_state  # the parts of a stacked one have int seeds drawn from it
    if rs is not None and not isinstance(rs, numbers.Integral):
        warnings.warn(
            f"random_state: a numpy.random.{type(rs).__name__} object is not saved; the file "
            "records random_state=None, so a fit of the loaded estimator draws its seed from "
            "NumPy's global generator; pass an int random_state for a file whose fits are "
            "reproducible", UserWarning, stacklevel=caller_outside_chainrule())
    record, arrays = _record(est, "")
    return io.write_file(path, {"format": AUTOENCODER_FORMAT, **record}, arrays)


def _network_problem(kind: str, params: dict, fitted: dict, net: Network,
                     arrays: dict[str, np.ndarray], prefix: str) -> str | None:
    """What is wrong between a kind's fitted record, its parameters and its network."""
    act = net.output_activation
    out = act.name if act is not None else None
    if not all(isinstance(layer, Dense) for layer in net.layers):
        return "network: expected Dense layers only"
    if net.decay != "ufldl":
        return f"network: decay: expected 'ufldl' (the only one fit uses), found {net.decay!r}"
    if kind == "StackedAutoencoder":
        for i, layer in enumerate(net.layers[:-1]):
            if layer.activation is None or layer.activation.name != "sigmoid":
                name = None if layer.activation is None else layer.activation.name
                return (f"network: layer {i} of a StackedAutoencoder is an autoencoder's "
                        f"sigmoid hidden layer, found the activation {name!r}")
    if kind == "SparseAutoencoder":
        hidden = net.layers[0].activation
        if (len(net.layers) != 2 or net.loss.name != "squared_error"
                or hidden is None or hidden.name != "sigmoid"):
            return ("network: a SparseAutoencoder needs 2 Dense layers (the first sigmoid) "
                    f"and the loss 'squared_error'; found {len(net.layers)} layer(s) and "
                    f"{net.loss.name!r}")
        if net.n_outputs != net.n_inputs:
            return (f"network: a SparseAutoencoder reconstructs its {net.n_inputs} inputs, "
                    f"this network has {net.n_outputs} outputs")
        output = params.get("output", "sigmoid")
        if isinstance(output, str) and output in ALIASES:  # fit takes "logistic", "linear"
            output = ALIASES[output]
        if out != output:
            return (f"params: output: expected {out!r} (the network's output activation), "
                    f"found {params.get('output')!r}")
        if params.get("n_hidden", 25) != net.layers[0].n_out:
            return (f"params: n_hidden: expected {net.layers[0].n_out} (the network's hidden "
                    f"units), found {params.get('n_hidden')!r}")
        if not (_is_real(fitted["loss_"]) and fitted["loss_"] >= 0):  # a sum of 3 terms >= 0
            return (f"fitted: loss_: expected a finite number >= 0 (the sparse cost), found "
                    f"{fitted['loss_']!r}")
        mean = arrays.get(f"{prefix}mean_activation_")
        # of the network's dtype, as fit gives it: float32 or float16 values are rounded
        # (a big-endian file's '>f8' is float64 here: read_file swapped it, _io_npz)
        if (mean is None or mean.shape != (net.layers[0].n_out,)
                or mean.dtype != net.dtype):
            return (f"mean_activation_: expected a {net.dtype} array of shape "
                    f"({net.layers[0].n_out},), found "
                    f"{None if mean is None else (mean.shape, mean.dtype.str)}")
        if not np.all((mean >= 0) & (mean <= 1)):  # means of sigmoid activations
            return (f"mean_activation_: expected values in [0, 1] (means of sigmoid "
                    f"activations), found {mean.min()!r} to {mean.max()!r}")
    else:
        if out != "softmax" or net.loss.name != "cross_entropy":
            return (f"network: a {kind} needs a softmax output and the loss 'cross_entropy'; "
                    f"found {out!r} and {net.loss.name!r}")
        if kind == "SoftmaxRegression" and len(net.layers) != 1:
            return f"network: a SoftmaxRegression has 1 layer, found {len(net.layers)}"
        classes = fitted["classes_"]
        if not isinstance(classes, list) or not all(
                isinstance(v, (str, bool)) or _is_real(v) for v in classes):
            return f"fitted: classes_: expected a list of strings or numbers, found {classes!r}"
        if len(classes) != net.n_outputs:
            return (f"fitted: classes_: expected {net.n_outputs} labels (the network's "
                    f"outputs), found {len(classes)}")
        problem = io.class_labels_problem(classes, fitted["classes_dtype"])
        if problem is not None:
            return f"fitted: {problem}"
    return None


def _restore(record: object, arrays: dict[str, np.ndarray], path: object, prefix: str,
             kinds: Sequence[str]) -> BaseEstimator:
    """Check one estimator's record and rebuild it; ``bad`` errors name the file and key."""
    where = prefix.rstrip("/") or "record"

    def bad(what: str) -> ValueError:
        return ValueError(f"{path}: corrupted autoencoder file ({where}: {what})")

    if not isinstance(record, dict):
        raise bad(f"expected a JSON object, found {type(record).__name__}")
    kind = record.get("estimator")
    if not isinstance(kind, str) or kind not in kinds:
        raise bad(f"estimator: expected one of {sorted(kinds)}, found {kind!r}")
    allowed = _RECORD_KEYS | (_STACK_KEYS if kind == "StackedAutoencoder" else set())
    cls = _KINDS[kind]
    transforms = hasattr(cls, "transform")  # set_output exists for transformers only
    optional = {_OUTPUT_CONFIG} if transforms else set()
    unknown = sorted(set(record) - allowed - optional
                     - ({"format", "version"} if not prefix else set()))
    if unknown:
        raise bad(f"unknown key(s) {unknown}; expected only {sorted(allowed | optional)}")
    missing = sorted(allowed - set(record))
    if missing:
        raise bad(f"missing key(s) {missing}")
    output_config = record.get(_OUTPUT_CONFIG)
    if _OUTPUT_CONFIG in record and not (
            isinstance(output_config, dict) and set(output_config) == {"transform"}
            and output_config["transform"] in _OUTPUT_CONTAINERS):
        raise bad(f"{_OUTPUT_CONFIG}: expected {{\"transform\": one of "
                  f"{list(_OUTPUT_CONTAINERS)}}}, found {output_config!r:.80}")
    params, fitted = record["params"], record["fitted"]
    if not isinstance(params, dict):
        raise bad(f"params: expected a JSON object, found {type(params).__name__}")
    if not isinstance(fitted, dict):
        raise bad(f"fitted: expected a JSON object, found {type(fitted).__name__}")
    params = dict(params)
    unknown = sorted(set(params) - set(cls().get_params()))
    if unknown:
        raise bad(f"params: unknown parameter(s) {unknown} for {kind}")
    for key, value in params.items():
        if key == "hidden_sizes":
            if not isinstance(value, list) or not value or not all(
                    _is_count(v) and v > 0 for v in value):
                raise bad(f"params: hidden_sizes: expected a list of positive integers, "
                          f"found {value!r}")
            params[key] = tuple(value)
        elif key == "random_state":
            if value is not None and not (_is_count(value) and value < 2**32):
                raise bad(f"params: random_state: expected null or an integer in "
                          f"[0, 2**32), found {value!r}")
        elif key in ("method", "output", "fine_tune_decay_layers"):
            if not isinstance(value, str):
                raise bad(f"params: {key}: expected a string, found {value!r}")
        elif key == "class_weight":
            if not (value is None or isinstance(value, (str, list))):
                raise bad(f"params: class_weight: expected null, \"balanced\" or a list of "
                          f"[label, weight] pairs, found {value!r:.80}")
            try:
                params[key] = class_weight_from_json(value)
            except ValueError as exc:
                raise bad(f"params: {exc}") from None
        elif key == "fine_tune_sparsity":
            if not isinstance(value, bool):
                raise bad(f"params: {key}: expected true or false, found {value!r}")
        elif not (value is None and key == "fine_tune_weight_decay") and not _is_real(value):
            raise bad(f"params: {key}: expected a finite number, found {value!r}")
    expected = _FITTED[kind]
    unknown = sorted(set(fitted) - expected - {"feature_names_in_"})
    if unknown:
        raise bad(f"fitted: unknown key(s) {unknown}; expected only {sorted(expected)}")
    missing = sorted(expected - set(fitted))
    if missing:
        raise bad(f"fitted: missing key(s) {missing}")
    net = io.restore_network(record, arrays, path, prefix)
    if not (_is_count(fitted["n_features_in_"]) and fitted["n_features_in_"] == net.n_inputs):
        raise bad(f"fitted: n_features_in_: expected {net.n_inputs!r} (the network's inputs), "
                  f"found {fitted['n_features_in_']!r}")
    if not _is_count(fitted["n_iter_"]):
        raise bad(f"fitted: n_iter_: expected a non-negative integer, found "
                  f"{fitted['n_iter_']!r}")
    names = fitted.get("feature_names_in_")
    if names is not None and (not isinstance(names, list) or len(names) != net.n_inputs
                              or not all(isinstance(n, str) for n in names)):
        raise bad(f"fitted: feature_names_in_: expected a list of {net.n_inputs} strings, "
                  f"found {names!r:.80}")
    problem = _network_problem(kind, params, fitted, net, arrays, prefix)
    if problem is not None:
        raise bad(problem)
    # save writes every one; files written before class_weight existed lack it (None)
    if kind in ("SoftmaxRegression", "StackedAutoencoder"):
        params.setdefault("class_weight", None)
    missing = sorted(set(cls().get_params()) - set(params))
    if missing:
        raise bad(f"params: missing parameter(s) {missing} for {kind}")
    est = cls(**params)
    try:  # the estimator's own checks of its settings: a refit or cost() would fail later
        est._check_settings()
    except (TypeError, ValueError) as exc:
        raise bad(f"params: {exc}") from None
    if output_config is not None:  # as set_output(transform=...) set it before the save
        est.set_output(**output_config)
    est.network_ = net
    est.n_features_in_ = fitted["n_features_in_"]
    est.n_iter_ = fitted["n_iter_"]
    if names is not None:
        est.feature_names_in_ = np.asarray(names, dtype=object)
    if kind == "SparseAutoencoder":
        est.loss_ = float(fitted["loss_"])
        est.mean_activation_ = arrays[f"{prefix}mean_activation_"].astype(net.dtype)  # native
        return est
    est.classes_ = np.array(fitted["classes_"],
                            dtype=io.label_dtype(fitted["classes_"], fitted["classes_dtype"]))
    if isinstance(getattr(est, "class_weight", None), dict):
        try:  # its labels are classes, as fit and MLPClassifier's files check them
            label_weights(est.class_weight, est.classes_, est.classes_)
        except ValueError as exc:
            raise bad(f"params: {exc}") from None
    if kind == "StackedAutoencoder":
        _restore_parts(est, record, arrays, path, prefix, bad)
    return est


def _restore_parts(est: StackedAutoencoder, record: dict, arrays: dict[str, np.ndarray],
                   path: object, prefix: str, bad) -> None:
    """Rebuild a stack's ``softmax_`` and ``autoencoders_`` and check they fit its network."""
    net = est.network_
    n_hidden = len(net.layers) - 1
    if len(est.hidden_sizes) != n_hidden or any(
            size != layer.n_out for size, layer in zip(est.hidden_sizes, net.layers,
                                                       strict=False)):
        raise bad(f"params: hidden_sizes: expected the network's hidden layers "
                  f"{[layer.n_out for layer in net.layers[:-1]]}, found "
                  f"{list(est.hidden_sizes)}")
    parts = record["autoencoders_"]
    if not isinstance(parts, list) or len(parts) != n_hidden:
        raise bad(f"autoencoders_: expected a list of {n_hidden} records, found "
                  f"{type(parts).__name__} of {len(parts) if isinstance(parts, list) else '?'}")
    est.autoencoders_ = [
        _restore(rec, arrays, path, f"{prefix}autoencoders_/{i}/", ["SparseAutoencoder"])
        for i, rec in enumerate(parts)]
    n_in = net.n_inputs
    for i, ae in enumerate(est.autoencoders_):
        if ae.n_features_in_ != n_in or ae.network_.layers[0].n_out != net.layers[i].n_out:
            raise bad(f"autoencoders_[{i}]: expected {n_in} -> {net.layers[i].n_out} units "
                      f"(the stack's layer {i}), found {ae.n_features_in_} -> "
                      f"{ae.network_.layers[0].n_out}")
        n_in = net.layers[i].n_out
    est.softmax_ = _restore(record["softmax_"], arrays, path, f"{prefix}softmax_/",
                            ["SoftmaxRegression"])
    if est.softmax_.n_features_in_ != n_in or not np.array_equal(est.softmax_.classes_,
                                                                 est.classes_):
        raise bad(f"softmax_: expected {n_in} features and the classes {est.classes_.tolist()}"
                  f", found {est.softmax_.n_features_in_} and "
                  f"{est.softmax_.classes_.tolist()}")


def load_autoencoder(
    path: str | os.PathLike,
) -> SparseAutoencoder | SoftmaxRegression | StackedAutoencoder:
    """Load a model written by ``save`` of :class:`SparseAutoencoder`,
    :class:`SoftmaxRegression` or :class:`StackedAutoencoder`.

    The record is checked before the model is built: only the keys ``save``
    writes, each of its type, the class labels (with their dtype) and
    feature counts agreeing with the saved network(s).  Arrays are read
    without pickle.

    Parameters
    ----------
    path : str or PathLike
        The ``.npz`` file.

    Returns
    -------
    SparseAutoencoder or SoftmaxRegression or StackedAutoencoder
        Fitted, predicting/transforming exactly as the saved model did.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    IsADirectoryError
        If ``path`` is a directory.
    PermissionError
        If the file may not be read (its permissions).
    ValueError
        If the file is not a chainrule autoencoder file (a network or an MLP
        estimator file included), or is damaged or edited so that its record
        disagrees with itself or its networks; the message names the file.
    """
    meta, arrays = io.read_file(path, AUTOENCODER_FORMAT)
    try:
        return _restore(meta, arrays, path, "", list(_KINDS))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: corrupted autoencoder file ({exc!r})") from None
