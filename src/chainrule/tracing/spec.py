"""Small networks to trace, described as plain data: inline, in a JSON/YAML file, or a preset.

A description is a mapping::

    {"layout": "transfer",                  # how "weights" are written (see below)
     "weights": [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]],
     "activation": "sigmoid",               # one name, or one per layer
     "loss": "log_loss",
     "input": [0, 1], "target": [1], "lr": 1.0,
     "notation": "transfer"}                # default notation of the printout (optional)

``input`` may also hold ``m > 1`` rows, one example each, with one ``target``
row (or class label) per example: a step of mini-batch gradient descent.

``layout`` is "transfer" (one (fan_in + 1, fan_out) matrix per layer, first
row = biases; ``biases`` is then true/false, or one true/false per layer,
saying which layers have biases at all: a layer with ``false`` has a zero first
row that training leaves at zero), "ufldl" (one (fan_out, fan_in) matrix per layer, rows =
destination units, with optional ``biases``: one vector or null per layer)
or "chainrule" ((fan_in, fan_out), with optional ``biases``).  Optional:
``biases``, ``weight_decay``, ``decay``, ``description``, and ``rho`` and ``beta``: UFLDL's
sparse autoencoder's penalty ``beta * sum_j KL(rho || rho_hat_j)`` on the hidden layer of
a network with one, traced over ``m > 1`` examples (the names of
:class:`~chainrule.autoencoder.SparseAutoencoder`'s settings; ``beta`` defaults to 3).

``trainable`` (one true/false per layer) and ``frozen`` (one list of parameter names per
layer, ``[["b"], ["b"]]`` for Mazur's biases), as a saved model's network record holds
them: the step keeps those parameters as training does, showing their gradients
(:attr:`chainrule.layers.Layer.trainable`, :attr:`~chainrule.layers.Layer.frozen`).

``embedding`` (``{"table": [[0, 1], [2, 3], [4, 5]], "block_size": 2}``) puts an
:class:`~chainrule.Embedding` with that table before the Dense layers of ``weights``;
``input`` is then its indices (see :mod:`._spec_embedding`).

The worked examples of the SPEC ship as :data:`PRESETS`.
"""

from __future__ import annotations

import copy
import json
import numbers
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_positive_float
from ..network import Network
from ..notation import check_not_one_matrix, from_transfer_matrices, from_ufldl
from ._batch_spec import batch_rows, check_class_rows, no_labels
from ._spec_embedding import check_indices, embedding_network
from ._spec_files import _EXPONENT_FLOAT as _EXPONENT_FLOAT
from ._spec_files import _AliasRefused as _AliasRefused
from ._spec_files import _DuplicateKey, _not_utf8, _read_yaml, _refuse_archive, _unique_keys
from ._spec_files import _Refused as _Refused
from ._spec_files import _yaml_loader as _yaml_loader
from ._spec_weights import (
    _check_weights,
    _from_chainrule,
    _numbers,
    _set_frozen,
    _transfer_bias,
)
from .notations import NOTATIONS

__all__ = ["PRESETS", "TraceSpec", "load_spec", "spec_network"]

PRESETS: dict[str, dict[str, Any]] = {
    "transfer-example": {
        "description": "Worked example A: transfer matrices, sigmoid, log loss, learning rate 1",
        "layout": "transfer",
        "weights": [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]],
        "activation": "sigmoid", "loss": "log_loss",
        "input": [0, 1], "target": [1], "lr": 1.0, "notation": "transfer",
    },
    "integer-example": {
        "description": "Worked example B: integers, activation square, no biases, "
                       "E = 1/2 sum (o - t)^2, learning rate 0.5",
        "layout": "ufldl",
        "weights": [[[1, 1], [2, 1]], [[2, 1], [1, 0]]], "biases": None,
        "activation": "square", "loss": "squared_error",
        "input": [1, 1], "target": [290, 14], "lr": 0.5, "notation": "netout",
    },
}
"""The worked examples of SPEC section 10, by name."""

LAYOUTS = ("transfer", "ufldl", "chainrule")
_REQUIRED = ("weights", "input", "target")
_OPTIONAL = {"layout": "transfer", "activation": "sigmoid", "loss": "squared_error",
             "lr": 1.0, "biases": None, "weight_decay": 0.0, "decay": "ufldl",
             "notation": None, "description": None, "rho": None, "beta": None,
             "trainable": None, "frozen": None, "embedding": None}


@dataclass(frozen=True, eq=False)
class TraceSpec:
    """A network with the example, target and learning rate of the step to trace.

    Attributes
    ----------
    network : Network
    x : array-like of shape (n_inputs,) or (1, n_inputs), or ndarray of shape (m, n_inputs)
        The example, as the description gives it (a list, or one row); the
        rows of ``m > 1`` examples (a mini-batch) as an array.
    y : array-like of shape (n_outputs,), or one class label; or ndarray of shape
        (m, n_outputs) or (m,) labels
        The target, as the description gives it; one per example of a mini-batch.
    lr : float
        The learning rate of the step.
    notation : str or None
        The notation to print the step in; None: the default ("transfer")
        unless the caller names one.
    description : str or None
    rho, beta : float or None
        The sparsity penalty's target activation and weight (see
        :func:`chainrule.tracing.trace`); None: no penalty (``beta`` alone is refused
        when the step is traced).
    """

    network: Network
    x: Any
    y: Any
    lr: float
    notation: str | None
    description: str | None
    rho: float | None = None
    beta: float | None = None


def load_spec(source: str | os.PathLike | dict) -> dict[str, Any]:
    """A network description from a preset name, inline JSON text, a .json/.yaml file or a dict.

    Parameters
    ----------
    source : str, PathLike or dict
        A name of :data:`PRESETS`, JSON text starting with ``{``, the path of
        a .json / .yaml file, or the description itself.

    Returns
    -------
    dict
        The description with every optional key filled in.
    """
    return _checked_keys(*_read_description(source))


def _spec_with(source: str | os.PathLike, given: dict[str, Any],
               filled: set[str] | None = None) -> dict[str, Any]:
    """:func:`load_spec` of ``source`` with the keys ``given`` (``chainrule trace``'s
    options) over it: a required key may come from them (a file without ``input``,
    ``--input 1 1``), as the message of a missing one says.  ``filled``, when given,
    gets the optional keys that neither said and took their defaults."""
    return _checked_keys(*_read_description(source, "network"), given, filled)


def _read_description(source: str | os.PathLike | dict,
                      name: str = "source") -> tuple[Any, str]:
    """The description ``source`` names, as read (not checked), and how to name it.

    ``name``: the argument a refusal of ``source`` itself names (``source`` of
    :func:`load_spec` and ``trace_preset``; the command line's ``--network``, "network")."""
    if isinstance(source, dict):
        raw: Any = dict(source)
        where = "network description"
    elif isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if text in PRESETS:  # a deep copy: editing the description must not edit the preset
            raw, where = copy.deepcopy(PRESETS[text]), f"preset {text!r}"
        elif text.lstrip().startswith("{"):
            try:
                raw = json.loads(text, object_pairs_hook=_unique_keys)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{name}: inline JSON does not parse: {exc}") from None
            except _DuplicateKey as exc:
                raise ValueError(f"{name}: inline JSON: {exc}") from None
            where = "inline network"
        else:
            path = Path(text)
            if not path.is_file():
                raise ValueError(
                    f"{name}: {text!r} is neither a preset ({', '.join(PRESETS)}), inline "
                    "JSON ('{...}') nor an existing file"
                )
            where = str(path)
            _refuse_archive(path)
            if path.suffix.lower() in (".yaml", ".yml"):
                raw = _read_yaml(path)
            else:
                try:
                    # utf-8-sig: UTF-8, with or without the byte order mark some editors
                    # write first (json.loads refuses it; YAML skips it itself)
                    raw = json.loads(path.read_text(encoding="utf-8-sig"),
                                     object_pairs_hook=_unique_keys)
                except UnicodeDecodeError as exc:
                    raise ValueError(_not_utf8(path, exc)) from None
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: not valid JSON: {exc}") from None
                except _DuplicateKey as exc:
                    raise ValueError(f"{path}: {exc}") from None
    else:
        raise TypeError(
            f"{name} must be a preset name, JSON text, a file path or a dict, got "
            f"{type(source).__name__}"
        )
    return raw, where


def _json_spec(text: str, where: str, given: dict[str, Any] | None = None,
               filled: set[str] | None = None) -> dict[str, Any]:
    """A description from JSON ``text`` read elsewhere than a file (``chainrule trace
    --network -``: standard input), with the keys ``given`` over it (as
    :func:`_spec_with`) and every optional key filled in, as :func:`load_spec`'s.

    Raises
    ------
    ValueError
        Naming ``where``: text that is not JSON, a key given twice, a value that is not
        a mapping, unknown or missing keys.
    """
    try:
        raw = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:  # not opening as JSON does: YAML piped?
        yaml = "" if text.lstrip()[:1] in "{[" else " (a YAML description: give its file's path)"
        raise ValueError(f"{where}: not valid JSON: {exc}{yaml}") from None
    except _DuplicateKey as exc:
        raise ValueError(f"{where}: {exc}") from None
    return _checked_keys(raw, where, given, filled)


def _checked_keys(raw: Any, where: str, given: dict[str, Any] | None = None,
                  filled: set[str] | None = None) -> dict[str, Any]:
    """``raw`` (a description read from ``where``) with the keys ``given`` over it and its
    optional keys filled in, once it is a mapping of known keys and the two hold the
    required ones; the keys filled in are added to ``filled`` when it is given."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping of keys to values, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {unknown}; valid keys are "
            f"{', '.join([*_REQUIRED, *_OPTIONAL])}"
        )
    raw = {**raw, **(given or {})}
    missing = [k for k in _REQUIRED if raw.get(k) is None]
    if missing:
        raise ValueError(f"{where}: missing required key(s) {missing} (on the command line: "
                         f"{', '.join('--' + k for k in missing)})")
    if filled is not None:  # what neither the description nor the options said
        filled.update(k for k in _OPTIONAL if k not in raw)
    return {**_OPTIONAL, **raw}


def spec_network(spec: dict[str, Any], options: Collection[str] | None = None) -> TraceSpec:
    """Build the network of a (filled-in) description; see :func:`load_spec`.

    Parameters
    ----------
    spec : dict
        As :func:`load_spec` returns it.
    options : collection of str or None
        The keys given by command-line options (``{"input", "target"}`` of ``chainrule
        trace --input ... --target ...``): messages about them name the options
        (``--input X1 X2``); about the others, the description's keys (``"input": [X1,
        X2]``). None: all came from the description.

    Returns
    -------
    TraceSpec
        The network, with the example ``x``, target ``y``, learning rate,
        notation and description of the step to trace.
    """
    layout = spec["layout"]
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    weights = spec["weights"]
    check_not_one_matrix(weights, "weights")
    if not isinstance(weights, list) or not weights:
        raise ValueError(
            f"weights must be a non-empty list with one matrix per layer, got {weights!r}"
        )
    activation = spec["activation"]
    if not (isinstance(activation, str) or (  # a tuple too, from a Python description
            isinstance(activation, (list, tuple)) and all(isinstance(a, str) for a in activation))):
        raise ValueError(
            f"activation must be an activation name (such as \"sigmoid\") or a list of names, "
            f"one per layer ({len(weights)}), got {activation!r}"
        )
    loss = spec["loss"]  # null would take the output's default loss; a dict: its settings
    if not isinstance(loss, str) and not (isinstance(loss, dict) and "name" in loss):
        raise ValueError("loss must be a loss name (\"squared_error\", the default) or one with "
                         f"its settings ({{\"name\": \"huber\", \"delta\": 2}}), got {loss!r}")
    kwargs = {"activation": activation, "loss": loss,
              "weight_decay": spec["weight_decay"], "decay": spec["decay"]}
    biases = spec["biases"]
    if layout != "transfer" and not (biases is None or isinstance(biases, list)):
        raise ValueError(
            f"biases: the {layout} layout takes a list with one bias vector (or null) per "
            f"layer ({len(weights)}), got {biases!r}; true/false only says which layers have "
            "biases in the transfer layout, whose first rows hold them"
        )
    _check_weights(spec, layout)
    if layout == "transfer":
        net = from_transfer_matrices(weights, bias=_transfer_bias(biases, len(weights)),
                                     **kwargs)
    elif layout == "ufldl":
        net = from_ufldl(weights, biases, **kwargs)
    else:
        net = _from_chainrule(weights, biases, **kwargs)
    if spec.get("embedding") is not None:  # a first Embedding: "input" holds its indices
        net = embedding_network(spec["embedding"], net)
        check_indices(spec["input"], net.layers[0], options)
    _set_frozen(net, spec["trainable"], spec["frozen"])  # parameters the step keeps
    batch = batch_rows(spec, net, options)  # m > 1 examples: their rows, checked
    if batch is not None:
        return TraceSpec(net, *batch, *_settings(spec), spec["description"],
                         spec.get("rho"), spec.get("beta"))
    for key in ("input", "target"):  # NaN, inf or text from a file, named by its key
        arr = _numbers(spec[key], key)
        if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[0] != 1):
            raise ValueError(f"{key}: a trace follows one example, so {key} is one list of "
                             f"numbers (or one row of them), got shape {arr.shape}")
    x, n = spec["input"], net.n_inputs
    x = x.tolist() if hasattr(x, "tolist") else x  # an array from a Python description
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if len(xs) == 1 and isinstance(xs[0], (list, tuple)):  # one row: its numbers
        xs = list(xs[0])
    if isinstance(n, int) and len(xs) != n:
        raise ValueError(
            f"input: the network has {n} input(s), so the example is {n} value(s) "
            f"({_values_of('input', 'X', n, options)}); got {len(xs)}: {xs}"
        )
    target, k = spec["target"], net.n_outputs
    t = target.tolist() if hasattr(target, "tolist") else target  # an array, as for input
    values = list(t) if isinstance(t, (list, tuple)) else [t]
    if len(values) == 1 and isinstance(values[0], (list, tuple)):  # one row: its numbers
        values = list(values[0])
    # with several outputs, one whole number 0..k-1 is a class label (one-hot encoded);
    # numbers.Real also takes NumPy's scalars (np.int64 is no int)
    label = (k > 1 and not no_labels(net) and len(values) == 1
             and isinstance(values[0], numbers.Real)
             and float(values[0]).is_integer() and 0 <= values[0] < k)
    if len(values) != k and not label:
        raise ValueError(
            f"target: the network has {k} output(s) and the {net.loss.name} loss, so its "
            f"target is {k} value(s) ({_values_of('target', 'Y', k, options)})"
            f"{f' or one class label 0..{k - 1}' if k > 1 and not no_labels(net) else ''}; "
            f"got {len(values)}: {values}{no_labels(net)}"
        )
    y = np.asarray(values, dtype=np.float64)  # the loss's range, named by its key
    check_class_rows(net, y.reshape(1, -1), "--target" if options is not None
                     and "target" in options else 'a row of "target"')
    net.prepare_targets(y if label else y.reshape(1, -1), 1, "target")
    return TraceSpec(net, spec["input"], target, *_settings(spec), spec["description"],
                     spec.get("rho"), spec.get("beta"))


def _values_of(key: str, letter: str, count: int, options: Collection[str] | None) -> str:
    """How ``count`` values of ``key`` are written: ``--input X1 ... X3`` when an option
    gave it (see :func:`spec_network`), else ``"input": [X1, ..., X3]``."""
    if options is not None and key in options:
        return f"--{key} {letter}1" + (f" ... {letter}{count}" if count > 1 else "")
    return f'"{key}": [{letter}1' + (f", ..., {letter}{count}" if count > 1 else "") + "]"


def _settings(spec: dict[str, Any]) -> tuple[float, str | None]:
    """The description's learning rate and notation, checked (its description too)."""
    # checked here, as the description's other keys are, for the command line to say whose
    lr = check_positive_float(spec["lr"], "lr")
    notation, description = spec["notation"], spec["description"]
    # null is the default; 0, false or [] would be taken for it by ``notation or ...``
    if notation is not None and not (isinstance(notation, str) and notation in NOTATIONS):
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)} (or null: the "
                         f"default), got {notation!r:.40}")
    if description is not None and not isinstance(description, str):
        raise ValueError(f"description must be a string (or null), got {description!r:.40}")
    return lr, notation
