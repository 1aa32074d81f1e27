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
training.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path

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


def optimizer_settings(optimizer: str, momentum: float | None,
                       batch_size: int | None) -> dict[str, float | int | None]:
    """``momentum`` and ``batch_size`` for :func:`chainrule.train`, from the options given.

    ``--momentum`` (default 0.9) is a setting of sgd, gd and nesterov, and
    ``--batch-size`` (default 32) of every rule but gd, which steps on the whole
    training set: either given to a rule that does not use it is refused rather
    than ignored, as the library refuses it.  ``--optimizer nesterov
    --momentum 0`` is refused too (Nesterov's rule needs a momentum > 0).  Both
    are checked before any data is read.

    Returns
    -------
    dict
        ``{"momentum": float or None, "batch_size": int or None}`` (None: the
        rule has no such setting).

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
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise argparse.ArgumentTypeError(str(message)) from None
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
        The loss (None: the output's canonical loss, always accepted).
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


# --- files to write: checked before any work, so that a bad path loses no training ----------
_COMMON_PICTURES = ("png", "pdf", "svg")


def _check_parent(path: Path) -> None:
    """Refuse ``path`` unless its nearest existing ancestor is a directory we may write in."""
    for folder in (path.parent, *path.parent.parents):
        if not folder.exists():
            continue  # created when the file is written
        if not folder.is_dir():
            kind = "a file, not a directory" if folder.is_file() else "not a directory"
            raise argparse.ArgumentTypeError(f"{folder} is {kind}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"cannot create files in {folder} (permission "
                                             "denied)")
        return


def _not_empty(text: str, example: str) -> None:
    if not text:
        raise argparse.ArgumentTypeError(
            f"empty file name {text!r}; give a file name, such as {example}")


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a directory; a name the system refuses (too long) is an argparse error.

    ``Path.is_dir`` raises OSError on a name longer than the system allows (an
    inline JSON given where a file is expected, a pasted path), which argparse
    would show as a traceback.
    """
    try:
        return path.is_dir()
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {exc.strerror}") from None


def _special(path: Path) -> bool:
    """Whether ``path`` is there and is neither a regular file nor a folder (a device such as
    /dev/null, a named pipe)."""
    try:
        return path.exists() and not path.is_file() and not path.is_dir()
    except OSError:  # a name the system refuses: _is_dir says so
        return False


def _not_a_directory(text: str, example: str) -> Path:
    _not_empty(text, example)
    path = Path(text)
    if text.endswith(("/", os.sep)) or _is_dir(path):
        raise argparse.ArgumentTypeError(
            f"{text} is a directory; give a file name, such as {path / example}")
    return path


def model_path(text: str) -> Path:
    """argparse type of the model file that ``train`` writes.

    ``.npz`` is appended when the name has another suffix or none (as
    :func:`chainrule.io.save` does); an existing directory, or a name ending in
    ``/`` (a directory to create), means ``DIR/model.npz``.  A device or a pipe
    (``/dev/null``) without the suffix is refused: the model would go to a new
    file next to it (``/dev/null.npz``).

    Returns
    -------
    Path
        The file that will be written.

    Raises
    ------
    argparse.ArgumentTypeError
        If a part of the path is a file, the result is a directory, the
        folder cannot be written in, or the system refuses the name (too long).
    """
    _not_empty(text, "model.npz")
    path = Path(text)
    if path.suffix != ".npz" and _special(path):
        raise argparse.ArgumentTypeError(
            f"{text} is not a regular file (a device or a pipe), and a model is written to "
            f"a file of its own, {text}.npz; give a file name such as "
            "model.npz")
    if text.endswith(("/", os.sep)) or _is_dir(path):
        path = path / "model.npz"
    elif path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if _is_dir(path):
        raise argparse.ArgumentTypeError(f"{path} is a directory; give a file name")
    _check_parent(path)
    return path


def output_path(text: str) -> str:
    """argparse type of a text file to write (a CSV, a trace): not a directory, parent writable.

    Returns
    -------
    str
        ``text`` itself.
    """
    _check_parent(_not_a_directory(text, "out.csv"))
    return text


def refuse_overwriting(output: str | os.PathLike | None, option: str,
                       inputs: dict[str, str | os.PathLike | None]) -> None:
    """Refuse to write ``output`` over a file the same command reads.

    ``chainrule predict model.npz data.csv -o data.csv`` would replace the data
    by the predictions; bad input must lose nothing.  Checked before any work.

    Parameters
    ----------
    output : str or PathLike or None
        The file the command will write (None: it writes none).
    option : str
        The option that named it, as the message shows it (``-o/--out``).
    inputs : dict
        What each input is (``"data file"``) -> the path the command reads; an
        input that is not an existing file (a bundled data set, a preset, inline
        JSON) is skipped.

    Raises
    ------
    ValueError
        Naming the option, the output and the input it would overwrite.
    """
    if output is None or str(output) == "":
        return
    out = Path(output)
    for what, given in inputs.items():
        # os.path.isfile, not Path.is_file: an input that is no path, such as the inline
        # JSON that trace --network also takes (longer than a file name may be), is False
        if given is None or str(given) == "" or not os.path.isfile(given):
            continue
        same = (os.path.samefile(given, out) if out.exists()
                else os.path.realpath(given) == os.path.realpath(out))
        if same:
            raise ValueError(f"{option} {output}: that is the {what} this command reads "
                             f"({given}); writing it would overwrite the input. Give "
                             "another file name")


def picture_formats() -> list[str]:
    """The file suffixes matplotlib can save a figure as (asked of its canvas; nothing drawn)."""
    from matplotlib.backend_bases import FigureCanvasBase

    found = FigureCanvasBase.get_supported_filetypes()
    return [*(f for f in _COMMON_PICTURES if f in found),
            *sorted(f for f in found if f not in _COMMON_PICTURES)]


def picture_path(text: str) -> str:
    """argparse type of a picture to write: a format matplotlib writes, a writable folder.

    A name without a suffix gets ``.png``, the file matplotlib would write,
    unless it names a device or a pipe (``/dev/null``): that is written to as it
    is, in PNG.

    Returns
    -------
    str
        The file that will be written.

    Raises
    ------
    argparse.ArgumentTypeError
        If matplotlib cannot write that format, the path is a directory, a part
        of it is a file, the folder cannot be written in, or the system refuses
        the name (too long).
    """
    path = _not_a_directory(text, "loss.png")
    suffix = path.suffix[1:].lower()
    if not suffix and _special(path):  # /dev/null, a pipe: written to as it is, in PNG
        if not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(f"cannot write to {text} (permission denied)")
        return text
    if not suffix:
        text, path = text + ".png", path.with_name(path.name + ".png")
    elif suffix not in (formats := picture_formats()):
        raise argparse.ArgumentTypeError(
            f"cannot write {suffix!r} files; use one of {', '.join(formats)}")
    _check_parent(path)
    return text
