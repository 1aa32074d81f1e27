"""The frozen parameters in a model file's network record (private).

A network whose layers freeze parameters (:attr:`~chainrule.layers.Layer.trainable`,
:attr:`~chainrule.layers.Layer.frozen`) records them in two keys of its configuration,
each written only when some layer differs from the default: ``"trainable"`` (one bool per
layer) and ``"frozen"`` (one list of parameter names per layer).  A record without them
(every file written before freezing existed, and those of networks that freeze nothing)
is a network whose parameters all train.
"""

from __future__ import annotations

from typing import Any

from .layers import Layer


def frozen_config(layers: list[Layer]) -> dict[str, Any]:
    """The keys ``"trainable"`` and ``"frozen"`` of a network record, those not default."""
    config: dict[str, Any] = {}
    if not all(layer.trainable for layer in layers):
        config["trainable"] = [layer.trainable for layer in layers]
    if any(layer.frozen for layer in layers):
        config["frozen"] = [sorted(layer.frozen) for layer in layers]
    return config


def set_frozen(layers: list[Layer], config: dict[str, Any]) -> None:
    """Give ``layers`` the ``"trainable"`` and ``"frozen"`` of a network record (absent:
    all trainable).

    Raises
    ------
    TypeError
        A key is not a list of one entry per layer of the expected JSON type.
    ValueError
        A name is not a parameter of its layer (naming the layer's parameters).
    """
    n = len(layers)
    trainable = config.get("trainable")
    if trainable is not None:
        if (not isinstance(trainable, list) or len(trainable) != n
                or not all(isinstance(t, bool) for t in trainable)):
            raise TypeError(f"network.trainable: expected a list of {n} true/false, found "
                            f"{trainable!r:.60}")
        for layer, flag in zip(layers, trainable, strict=True):
            layer.trainable = flag
    frozen = config.get("frozen")
    if frozen is not None:
        if (not isinstance(frozen, list) or len(frozen) != n
                or not all(isinstance(names, list) for names in frozen)):
            raise TypeError(f"network.frozen: expected a list of {n} lists of parameter "
                            f"names, found {frozen!r:.60}")
        for i, (layer, names) in enumerate(zip(layers, frozen, strict=True)):
            try:
                layer.frozen = names
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"network.frozen[{i}]: {exc}") from None
