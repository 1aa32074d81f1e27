"""The weights and biases of a network description: checked, named by its keys, and built.

:func:`chainrule.tracing.spec.spec_network` checks a description's matrices and bias
vectors with these, naming them ``weights[i]`` and ``biases[i]`` as the description
writes them (:func:`_check_weights`), reads the transfer layout's ``biases`` flags
(:func:`_transfer_bias`) and builds a network from matrices in chainrule's own
layout (:func:`_from_chainrule`); :func:`_numbers` refuses true/false among numbers.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .._validation import check_finite_array
from ..layers import Dense
from ..network import Network
from ..notation import check_layer_chain
from ..notation._layouts import one_row_hint


def _has_bool(value: object) -> bool:
    """Whether ``value`` (a number, a nested list or an array) holds a true or false."""
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype == bool or (value.dtype == object
                                       and any(_has_bool(v) for v in value.flat))
    if isinstance(value, (list, tuple)):
        return any(_has_bool(v) for v in value)
    return False


def _numbers(value: object, name: str, **kwargs: Any) -> np.ndarray:
    """:func:`check_finite_array`, refusing JSON's true / false too (it reads them as 1 / 0)."""
    if _has_bool(value):
        raise TypeError(f"{name} must hold numbers, got true/false in it (write 1 or 0)")
    return check_finite_array(value, name, **kwargs)


def _check_weights(spec: dict[str, Any], layout: str) -> None:
    """The matrices and bias vectors of a description, named by its keys (``weights[i]``,
    ``biases[i]``) rather than by the parameters of the functions they go to."""
    mats = [_numbers(w, f"weights[{i}]", ndim=2) for i, w in enumerate(spec["weights"])]
    biases = spec["biases"]
    if layout == "transfer":  # what from_transfer_matrices checks, named as mats[i] there
        flags = _transfer_bias(biases, len(mats))
        flags = [flags] * len(mats) if isinstance(flags, bool) else flags
        for i, (W, has_bias) in enumerate(zip(mats, flags, strict=True)):
            if W.shape[0] < 2:
                raise ValueError(f"weights[{i}] must have shape (fan_in + 1, fan_out) with the "
                                 f"biases in the first row (transfer layout), got shape "
                                 f"{W.shape}"
                                 + one_row_hint([m.shape for m in mats], i, "weights"))
            if not has_bias and np.any(W[0] != 0):
                raise ValueError(f"weights[{i}]: layer {i} has no biases (biases false), so its "
                                 f"first row (the biases) must be zeros, got {W[0].tolist()}")
    check_layer_chain([W.shape for W in mats], "weights", layout,
                      "written so, they need layout {layouts} (--layout on the command line)")
    if layout != "transfer" and biases is not None:
        if len(biases) != len(mats):
            raise ValueError(f"biases must have one entry (a vector or null) per layer "
                             f"({len(mats)}), got {len(biases)}")
        for i, (b, W) in enumerate(zip(biases, mats, strict=True)):
            if b is None:
                continue
            # UFLDL's column vectors (n, 1) are bias vectors too
            bv = _numbers(b, f"biases[{i}]")
            bv = bv.ravel() if layout == "ufldl" else bv
            n_out = W.shape[0] if layout == "ufldl" else W.shape[1]
            if bv.shape != (n_out,):
                raise ValueError(
                    f"biases[{i}] must hold {n_out} value(s), one per unit that weights[{i}] "
                    f"(shape {W.shape}, {layout} layout) feeds, got shape {np.shape(b)}"
                )


def _transfer_bias(biases: Any, n: int) -> bool | list[bool]:
    """The transfer layout's ``biases``: which layers have biases (the values are row 0)."""
    if biases is None:
        return True
    flags = biases if isinstance(biases, list) else [biases] * n
    if not all(isinstance(flag, bool) for flag in flags) or len(flags) != n:
        raise ValueError(
            "biases: in the transfer layout the biases are the first row of each matrix, so "
            f"biases only says which layers have them: true or false, or one true/false per "
            f"layer ({n}); false needs a first row of zeros; got {biases!r}"
        )
    return flags


def _from_chainrule(weights: list, biases: list | None, activation: Any, loss: str | dict,
                    **network_kwargs: Any) -> Network:
    """A network from matrices in chainrule's own (fan_in, fan_out) orientation."""
    n = len(weights)
    acts = [activation] * n if isinstance(activation, str) else list(activation)
    if len(acts) != n:
        raise ValueError(f"activation must be one name or one per layer ({n}), got {len(acts)}")
    biases = [None] * n if biases is None else biases
    if len(biases) != n:
        raise ValueError(f"biases must have one entry per layer ({n}), got {len(biases)}")
    layers = []
    for i, (w, b, act) in enumerate(zip(weights, biases, acts, strict=True)):
        W = _numbers(w, f"weights[{i}]", ndim=2)
        layer = Dense(W.shape[0], W.shape[1], act, init=W, bias=b is not None)
        if b is not None:
            layer.b = _numbers(b, f"biases[{i}]", ndim=1)
        layers.append(layer)
    return Network(layers, loss=loss, **network_kwargs)


def _set_frozen(net: Network, trainable: Any, frozen: Any) -> None:
    """Give the layers of ``net`` a description's ``"trainable"`` (one true/false per layer)
    and ``"frozen"`` (one list of parameter names per layer, e.g. ``[["b"], ["b"]]``), the
    keys of a saved model's network record: the trace's step keeps those parameters.

    Raises
    ------
    ValueError
        Naming the key (``frozen[1]``): not one entry per layer, not true/false or a list
        of names, or a name that is not a parameter of its layer (its parameters listed:
        a layer without biases has no "b").
    """
    n = len(net.layers)
    if trainable is not None:
        if (not isinstance(trainable, list) or len(trainable) != n
                or not all(isinstance(t, bool) for t in trainable)):
            raise ValueError(f"trainable: expected one true/false per layer ({n}), e.g. "
                             f"{json.dumps([False] + [True] * (n - 1))}, got "
                             f"{trainable!r:.60}")
        for layer, flag in zip(net.layers, trainable, strict=True):
            layer.trainable = flag
    if frozen is None:
        return
    if not isinstance(frozen, list) or len(frozen) != n:
        raise ValueError(f"frozen: expected one list of parameter names per layer ({n}), "
                         f"e.g. {json.dumps([['b']] * n)}, got {frozen!r:.60}")
    for i, (layer, names) in enumerate(zip(net.layers, frozen, strict=True)):
        if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
            raise ValueError(f"frozen[{i}]: expected a list of parameter names of layer {i} "
                             f"(such as [\"b\"], or [] for none), got {names!r:.60}")
        own = [spec.name for spec in layer.param_specs()]
        unknown = sorted(set(names) - set(own))
        if unknown:
            lacks = (" (it has no biases)" if "b" in unknown and "b" not in own else "")
            verb = "is not a parameter" if len(unknown) == 1 else "are not parameters"
            raise ValueError(f"frozen[{i}]: {', '.join(map(repr, unknown))} {verb} of layer "
                             f"{i}{lacks}; its parameters are {own}")
        layer.frozen = names
