"""An optimizer's settings checked again when a run takes it (private).

``opt = SGD(momentum=0.9); opt.momentum = 1.5`` trained without a word, and
``Adam.beta1 = 1.0`` ended in a bare ``ZeroDivisionError`` inside a step: the
constructor's checks ran once, on the values given then.  :func:`check_settings`
builds the rule again from the object's current settings, so each is checked as
the constructor checks it, once per run (a property would cost a call on each of
the settings' reads, several per step).
"""

from __future__ import annotations

import functools
import inspect

from ._optimizers_base import Optimizer

__all__ = ["check_settings"]


@functools.cache
def _settings(cls: type) -> tuple[str, ...]:
    """The keywords of ``cls``'s constructor, read off its signature once."""
    return tuple(inspect.signature(cls).parameters)


def check_settings(opt: Optimizer) -> None:
    """Refuse ``opt`` if a setting assigned after it was built is one its constructor refuses.

    Only chainrule's own rules are checked (a subclass of the user's may keep its
    settings elsewhere); ``lr`` is left to the caller, which takes 0 and ``inf``
    (the rates a schedule may end at), where the constructor does not.  Nothing of
    ``opt`` changes.

    Parameters
    ----------
    opt : Optimizer
        The object a run was given.

    Raises
    ------
    ValueError, TypeError
        As the constructor raises them, the message starting ``optimizer.<setting>``
        and naming the rule.
    """
    from .optimizers import OPTIMIZERS  # the rules import this module's base class

    cls = type(opt)
    if cls not in OPTIMIZERS.values():
        return
    try:
        settings = {name: getattr(opt, name) for name in _settings(cls)}
    except AttributeError:  # not a setting the object holds: nothing to compare
        return
    settings["lr"] = 1.0  # checked by the caller
    try:
        cls(**settings)
    except (TypeError, ValueError) as err:
        raise type(err)(
            f"optimizer.{err} (a setting of the {cls.__name__} given, assigned after it "
            f"was built: its constructor refuses the value too)") from None
