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


def _rule(cls: type) -> type:
    """The class whose constructor checks ``cls``'s settings: ``cls`` itself for one of
    chainrule's rules, else the nearest of them ``cls`` derives from (a user's
    ``class MyAdam(Adam)``), else :class:`Optimizer` (its ``weight_decay``)."""
    from .optimizers import OPTIMIZERS  # the rules import this module's base class

    rules = set(OPTIMIZERS.values())
    return next((base for base in cls.__mro__ if base in rules), Optimizer)


def check_settings(opt: Optimizer) -> None:
    """Refuse ``opt`` if a setting assigned after it was built is one its constructor refuses.

    The constructor that checks is that of chainrule's rule ``opt`` is or derives from
    (a subclass of the user's, ``class MyAdam(Adam)``, has Adam's ``beta1`` checked), or
    :class:`Optimizer`'s for a rule of the user's own (its ``weight_decay``); a
    subclass's own settings are the subclass's to check, and a setting the object does
    not hold under the constructor's name is not compared.  ``lr`` is left to the
    caller, which takes 0 and ``inf`` (the rates a schedule may end at), where the
    constructor does not.  Nothing of ``opt`` changes.

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
    cls = type(opt)
    rule = _rule(cls)
    settings = {name: getattr(opt, name) for name in _settings(rule) if hasattr(opt, name)}
    settings["lr"] = 1.0  # checked by the caller
    try:
        rule(**settings)
    except (TypeError, ValueError) as err:
        given = cls.__name__ if rule is cls else f"{cls.__name__} (built on {rule.__name__})"
        raise type(err)(
            f"optimizer.{err} (a setting of the {given} given, assigned after it "
            f"was built: its constructor refuses the value too)") from None
