"""``layer.activation = "relu"`` resolved as the constructor resolves it (private).

An assigned name stayed a str, and the next forward pass failed with ``AttributeError:
'str' object has no attribute 'f'``.  :class:`ActivationSetting` is the ``activation``
attribute of the layers that have one: an assignment goes through
:func:`~chainrule.activations.get_activation` (a name, an alias or an
:class:`~chainrule.activations.Activation`; anything else refused, naming the
attribute) and keeps the object as ``_activation``, a plain attribute, which Dense's
forward and backward passes read (a read of ``activation`` is a call, about 50 ns).
The setter writes through ``setattr``, never the instance's ``__dict__``: on CPython
3.11 touching ``__dict__`` turns the instance's attributes into a dict and every
attribute read of the layer slower (a Mazur 2-2-2 training step took 10 to 25 us more).
"""

from __future__ import annotations

from ._network_settings import changed
from .activations import Activation, get_activation

__all__ = ["ActivationSetting"]


class ActivationSetting:
    """The ``activation`` attribute of a layer class: set through ``get_activation``.

    Parameters
    ----------
    elementwise : bool, default False
        Refuse an activation that is not elementwise (softmax), as the constructors
        of Conv2D and LayerNorm do.
    """

    def __init__(self, elementwise: bool = False) -> None:
        self.elementwise = elementwise

    def __get__(self, layer: object, owner: type | None = None) -> Activation:
        if layer is None:
            return self  # type: ignore[return-value]
        try:
            return layer._activation  # type: ignore[attr-defined]
        except AttributeError:  # a layer pickled before: its own "activation" entry
            return layer.__dict__["activation"]

    def __set__(self, layer: object, value: str | Activation) -> None:
        cls = type(layer).__name__
        try:
            resolved = get_activation(value)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{cls}.activation = {value!r:.60}: {err}") from None
        if self.elementwise and not resolved.elementwise:
            raise ValueError(f"activation: {cls} needs an elementwise activation, got "
                             f"{resolved.name!r}; put softmax on a Dense output layer")
        layer._activation = resolved  # type: ignore[attr-defined]
        changed()  # (a training loop that read the activations once reads them again)
