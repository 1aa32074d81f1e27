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
training.  Those types are in ``_cli_args_files``, and those of the optimizer
and its settings in ``_cli_args_optimizer`` (both importable from here).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from ._cli_args_files import _check_parent as _check_parent
from ._cli_args_files import _is_dir as _is_dir
from ._cli_args_files import _not_empty as _not_empty
from ._cli_args_files import model_path as model_path
from ._cli_args_files import output_path as output_path
from ._cli_args_files import picture_formats as picture_formats
from ._cli_args_files import picture_path as picture_path
from ._cli_args_files import print_written as print_written
from ._cli_args_files import refuse_overwriting as refuse_overwriting
from ._cli_args_optimizer import OPTIMIZER_NAMES as OPTIMIZER_NAMES
from ._cli_args_optimizer import OptimizerSettings as OptimizerSettings
from ._cli_args_optimizer import optimizer_name as optimizer_name
from ._cli_args_optimizer import optimizer_settings as optimizer_settings
from ._cli_args_optimizer import schedule_spec as schedule_spec

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
        """The whole number ``text`` spells, within the bounds.

        Parameters
        ----------
        text : str
            What the user typed.

        Returns
        -------
        int
        """
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected  # what argparse would call the type
    return parse



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

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    str
        The activation's registered name.
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

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    str
        The activation's registered name.
    """
    name = backprop_activation_name(text)
    if _get_activation()(name).name == "softmax":
        raise argparse.ArgumentTypeError(
            f"activation {text!r} is an output layer's (--output), not a hidden layer's; "
            "give a hidden activation such as relu, tanh or sigmoid")
    return name


hidden_activation_name.__name__ = "activation name"


def check_loss_output(loss: str | dict | None, output: str, *, output_given: bool,
                      default: str = "the default", loss_from: str | None = None,
                      output_option: str = "--output") -> None:
    """Refuse a ``--loss`` whose domain the ``--output`` activation does not produce.

    The library's own check (:class:`chainrule.network.Network`) names its
    arguments; this one names the options, and says where a name the user did
    not give came from.

    Parameters
    ----------
    loss : str, dict or None
        The loss, a name or a description's config dict (None: the output's default
        loss, always accepted).
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
    shown = loss if isinstance(loss, str) else found.label  # a dict: log_loss(label_...=0.1)
    what = f"--loss {shown}" if loss_from is None else f"the loss {shown} ({loss_from})"
    got = f"{output_option} {output}" if output_given else f"the output {output} ({default})"
    if found.name in ("multiclass_hinge", "hinge") and act.name in ("softmax", "sigmoid"):
        raise ValueError(f"{what}: a margin loss reads the outputs as scores and wants "
                         f"margins of 1 between them, which a {act.name} output, squeezed "
                         f"into (0, 1), never reaches; got {got}; give {output_option} "
                         "identity (the scores, as cs231n's and micrograd's networks have)")
    if found.outputs is None or not act.builtin or act.name in found.outputs:
        return
    takes = sorted(found.outputs)
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
        """The finite number ``text`` spells, within the bounds.

        Parameters
        ----------
        text : str
            What the user typed.

        Returns
        -------
        float
        """
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
    """argparse type of a worker count: a non-zero integer (-1: every core, -2: all but one).

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    int
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"expected a non-zero integer (a number of workers, or -1 for every core), "
            f"got {text!r}")
    return value


def column_name(text: str) -> str:
    """argparse type of a column named on the command line (``--target``, ``--features``,
    ``--keep``, ...): the name without its surrounding blanks, as the CSV reader takes them
    off each header cell (``" x1 "`` is column ``x1``), so that a name copied from the file
    with its blanks finds its column.

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    str
        ``text.strip()``, refused when empty (no column has an empty name).
    """
    name = text.strip()
    if not name:
        raise argparse.ArgumentTypeError(f"expected a column name, got {text!r}")
    if name == text or type(text) is str:
        return text if name == text else name
    # a word the parser tagged with its place in the command line (DATA may follow the
    # names): the stripped name keeps the tag
    word = str.__new__(type(text), name)
    word.__dict__.update(vars(text))
    return word


positive_int = integer(1)  # widths, epochs, batch sizes, counts
seed_int = integer(0, MAX_SEED)
finite_float = real()  # inputs and targets of an example
positive_float = real(0, low_open=True)  # learning rates, tolerances, eps
nonnegative_float = real(0)  # weight decay, noise
fraction = real(0, 1, high_open=True)  # momentum, the fraction held out for validation
