"""argparse types of the command line: every option is checked where it is parsed.

Each function here takes the text the user typed and returns the value, or
raises :class:`argparse.ArgumentTypeError`, which argparse turns into
``chainrule CMD: error: argument --epochs: expected an integer >= 1, got '0'``
(exit status 2), naming the option as it was typed.  The library's own checks
stay as a second line; they name Python arguments, which the command line
never shows for a value it could check itself.

The files a command will write are checked the same way, before any work:
the folder must be, or be creatable as, a directory we may write in, and a
picture must be in a format matplotlib writes; a bad path then costs no
training.  Those types are in ``_cli_args_files`` (importable from here).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypedDict

from ._cli_args_files import _check_parent as _check_parent
from ._cli_args_files import _is_dir as _is_dir
from ._cli_args_files import _not_empty as _not_empty
from ._cli_args_files import model_path as model_path
from ._cli_args_files import output_path as output_path
from ._cli_args_files import picture_formats as picture_formats
from ._cli_args_files import picture_path as picture_path
from ._cli_args_files import print_written as print_written
from ._cli_args_files import refuse_overwriting as refuse_overwriting

__all__ = [
    "OPTIMIZER_NAMES",
    "backprop_activation_name",
    "check_loss_output",
    "finite_float",
    "fraction",
    "hidden_activation_name",
    "integer",
    "model_path",
    "nonnegative_float",
    "nonzero_int",
    "optimizer_name",
    "optimizer_settings",
    "output_path",
    "picture_formats",
    "picture_path",
    "positive_float",
    "positive_int",
    "print_written",
    "real",
    "refuse_overwriting",
    "seed_int",
]

#: The optimizers ``--optimizer`` takes: the names of
#: :data:`chainrule.optimizers.OPTIMIZERS` and "nesterov" (SGD with Nesterov momentum).
OPTIMIZER_NAMES = ("gd", "sgd", "nesterov", "adagrad", "rmsprop", "adam")

#: Largest seed: scikit-learn's ``random_state`` (used to split data) takes 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in ``[minimum, maximum]`` (either bound optional).

    Parameters
    ----------
    minimum, maximum : int, optional
        Inclusive bounds; ``None`` for none.

    Returns
    -------
    callable
        ``str -> int``, raising :class:`argparse.ArgumentTypeError` with a
        message that says what was expected and what was given.
    """
    if minimum is not None and maximum is not None:
        expected = f"an integer from {minimum} to {maximum}"
    elif minimum is not None:
        expected = f"an integer >= {minimum}"
    elif maximum is not None:
        expected = f"an integer <= {maximum}"
    else:
        expected = "an integer"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected  # what argparse would call the type
    return parse


def optimizer_name(text: str) -> str:
    """An argparse type: the name of an optimizer (:data:`OPTIMIZER_NAMES`).

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    str
        ``text``, when it names an optimizer.

    Raises
    ------
    argparse.ArgumentTypeError
        Naming the valid optimizers and what was given.
    """
    if text not in OPTIMIZER_NAMES:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(OPTIMIZER_NAMES)}, got {text!r}")
    return text


optimizer_name.__name__ = "optimizer name"


def schedule_spec(text: str) -> str | dict:
    """An argparse type: a learning-rate schedule, by name or as a JSON object of settings.

    Parameters
    ----------
    text : str
        A name of :data:`chainrule.schedules.SCHEDULES` ("cosine" anneals over
        the run's ``--epochs``), or ``{"name": ..., **settings}`` as JSON, e.g.
        ``{"name": "step", "step_size": 20, "gamma": 0.5}``.

    Returns
    -------
    str or dict
        What :func:`chainrule.train` takes as ``schedule``.

    Raises
    ------
    argparse.ArgumentTypeError
        For text that is neither, or settings the schedule refuses (the
        message is :func:`~chainrule.schedules.get_schedule`'s).
    """
    import json

    from .schedules import SCHEDULES, get_schedule

    spec: str | dict = text
    if text.lstrip().startswith("{"):
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise argparse.ArgumentTypeError(f"not valid JSON ({exc}): {text!r}") from None
        except RecursionError:  # json.loads' own limit: '{"a": ' * 100000
            raise argparse.ArgumentTypeError(
                f"not valid JSON (nested too deeply): {text:.40}...") from None
        if not isinstance(spec, dict):
            raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    elif text not in SCHEDULES:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(SCHEDULES)} or a JSON object such as "
            f"'{{\"name\": \"step\", \"step_size\": 20}}', got {text!r}")
    try:  # the run's epochs are not known yet: 1 stands in for the T_max of "cosine"
        get_schedule(spec, epochs=1)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return spec


schedule_spec.__name__ = "schedule"


_SGD_RULES = ("sgd", "gd", "nesterov")  # the rules that take a momentum


class OptimizerSettings(TypedDict):
    """What :func:`optimizer_settings` returns: a plain dict with these two keys."""

    momentum: float | None
    batch_size: int | None


def optimizer_settings(optimizer: str, momentum: float | None,
                       batch_size: int | None) -> OptimizerSettings:
    """``momentum`` and ``batch_size`` for :func:`chainrule.train`, from the options given.

    ``--momentum`` (default 0.9) is a setting of sgd, gd and nesterov, and
    ``--batch-size`` (default 32) of every rule but gd, which steps on the whole
    training set: either given to a rule that does not use it is refused rather
    than ignored, as the library refuses it.  ``--optimizer nesterov
    --momentum 0`` is refused too (Nesterov's rule needs a momentum > 0).  Both
    are checked before any data is read.

    Returns
    -------
    OptimizerSettings
        The dict ``{"momentum": float or None, "batch_size": int or None}``
        (None: the rule has no such setting).

    Raises
    ------
    ValueError
        Naming the option and what to use instead.
    """
    if momentum is not None and optimizer not in _SGD_RULES:
        raise ValueError(f"--momentum: {optimizer} takes no momentum (a setting of "
                         f"{', '.join(_SGD_RULES)}), got {momentum:g}")
    if optimizer == "nesterov" and momentum == 0:
        raise ValueError("--momentum: nesterov (SGD with Nesterov momentum) needs a momentum "
                         "> 0 (default: 0.9), got 0; use --optimizer sgd for SGD without "
                         "momentum")
    if batch_size is not None and optimizer == "gd":
        raise ValueError(f"--batch-size: gd steps on the whole training set, got "
                         f"--batch-size {batch_size}; use --optimizer sgd for mini-batches")
    return {"momentum": (0.9 if momentum is None else momentum)
            if optimizer in _SGD_RULES else None,
            "batch_size": None if optimizer == "gd" else (batch_size or 32)}


def _registered(kind: str, look_up: Callable[[], Callable[[str], object]],
                allow: tuple[str, ...] = ()) -> Callable[[str], str]:
    """An argparse type: a name that ``look_up()`` (a lazy import of its getter) accepts.

    Checked while the command line is parsed, so that a misspelt name is refused
    before any data is read (and in the same form as the other option errors).
    """

    def parse(text: str) -> str:
        if text in allow:
            return text
        try:
            look_up()(text)
        except (ValueError, TypeError, KeyError) as exc:
            message = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
            if allow:  # the names of the option itself, which the library does not know
                message += f"; or {', '.join(allow)}"
            raise argparse.ArgumentTypeError(message) from None
        return text

    parse.__name__ = kind
    return parse


def _get_activation() -> Callable[[str], object]:
    from .activations import get_activation

    return get_activation


def _get_initializer() -> Callable[[str], object]:
    from .initializers import get_initializer

    return get_initializer


def _get_loss() -> Callable[[str], object]:
    from .losses import get_loss

    return get_loss


#: argparse types for names of activations, initialisers ("auto" too) and losses
activation_name = _registered("activation name", _get_activation)
initializer_name = _registered("initializer name", _get_initializer, allow=("auto",))
loss_name = _registered("loss name", _get_loss)


def backprop_activation_name(text: str) -> str:
    """An argparse type: an activation that backpropagation can pass through.

    The step and sign functions have no useful derivative (the perceptron rule
    trains them): refused while the command line is parsed, before any data is
    read, rather than by the training that would follow.
    """
    name = activation_name(text)
    if not _get_activation()(name).differentiable:
        raise argparse.ArgumentTypeError(
            f"activation {text!r} has no useful derivative, so backpropagation cannot pass "
            "through it (the perceptron learning rule trains it: chainrule perceptron)")
    return name


backprop_activation_name.__name__ = "activation name"


def hidden_activation_name(text: str) -> str:
    """An argparse type: an activation for the hidden layers of ``train``'s MLP (--activation).

    Besides what :func:`backprop_activation_name` refuses, a softmax: it is the
    output layer's (``--output``), as ``--layers`` and the estimators'
    ``activation`` say, not one function per hidden unit.
    """
    name = backprop_activation_name(text)
    if _get_activation()(name).name == "softmax":
        raise argparse.ArgumentTypeError(
            f"activation {text!r} is an output layer's (--output), not a hidden layer's; "
            "give a hidden activation such as relu, tanh or sigmoid")
    return name


hidden_activation_name.__name__ = "activation name"


def check_loss_output(loss: str | None, output: str, *, output_given: bool,
                      default: str = "the default", loss_from: str | None = None,
                      output_option: str = "--output") -> None:
    """Refuse a ``--loss`` whose domain the ``--output`` activation does not produce.

    The library's own check (:class:`chainrule.network.Network`) names its
    arguments; this one names the options, and says where a name the user did
    not give came from.

    Parameters
    ----------
    loss : str or None
        The loss (None: the output's default loss, always accepted).
    output : str
        The output activation.
    output_given : bool
        Whether the user gave it (``output_option``) or it is a default.
    default : str
        Whose default the output is, when not given (``"the default for regression"``).
    loss_from : str, optional
        Where the loss comes from when the user did not give ``--loss``
        (``"the preset's"``); None: ``--loss``.
    output_option : str
        The option that sets the output activation.

    Raises
    ------
    ValueError
        Naming the options, the activations the loss takes and the one it got.
    """
    if loss is None:
        return
    found = _get_loss()(loss)
    act = _get_activation()(output)
    if found.outputs is None or not act.builtin or act.name in found.outputs:
        return
    takes = sorted(found.outputs)
    what = f"--loss {loss}" if loss_from is None else f"the loss {loss} ({loss_from})"
    got = f"{output_option} {output}" if output_given else f"the output {output} ({default})"
    raise ValueError(f"{what}: needs an output activation it is defined on "
                     f"({', '.join(takes)}), got {got}; give {output_option} "
                     f"{' or '.join(takes)}, or another --loss")


def real(low: float | None = None, high: float | None = None, *, low_open: bool = False,
         high_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number between ``low`` and ``high``.

    Parameters
    ----------
    low, high : float, optional
        Bounds; ``None`` for none.
    low_open, high_open : bool
        Whether the bound itself is excluded (``> low`` rather than ``>= low``).

    Returns
    -------
    callable
        ``str -> float``, refusing NaN, infinities and values out of range with
        :class:`argparse.ArgumentTypeError`.
    """
    if low is not None and high is not None:
        expected = (f"a number in {'(' if low_open else '['}{low:g}, {high:g}"
                    f"{')' if high_open else ']'}")
    elif low is not None:
        expected = f"a finite number {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        expected = f"a finite number {'<' if high_open else '<='} {high:g}"
    else:
        expected = "a finite number"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = math.isfinite(value)
        if ok and low is not None:
            ok = value > low if low_open else value >= low
        if ok and high is not None:
            ok = value < high if high_open else value <= high
        if not ok:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected
    return parse


def nonzero_int(text: str) -> int:
    """argparse type of a worker count: a non-zero integer (-1: every core, -2: all but one)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"expected a non-zero integer (a number of workers, or -1 for every core), "
            f"got {text!r}")
    return value


positive_int = integer(1)  # widths, epochs, batch sizes, counts
seed_int = integer(0, MAX_SEED)
finite_float = real()  # inputs and targets of an example
positive_float = real(0, low_open=True)  # learning rates, tolerances, eps
nonnegative_float = real(0)  # weight decay, noise
fraction = real(0, 1, high_open=True)  # momentum, the fraction held out for validation
