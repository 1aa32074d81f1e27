"""argparse types of the files a command writes (see :mod:`chainrule.cli_args`).

Checked before any work: the folder must be, or be creatable as, a directory we
may write in (no symbolic link in a loop, or to nothing, on the way; for a CSV or a picture, whose
writer follows a link, the folder of the link's file too), and a picture must be in
a format matplotlib writes; a bad path then costs no training.  Import from
:mod:`chainrule.cli_args`.
"""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from ._io_files import dangling_folder_words, probe_folder

_COMMON_PICTURES = ("png", "pdf", "svg")


def _check_links(path: Path) -> None:
    """Refuse ``path`` when it, or a folder on the way to it, is a symbolic link in a loop
    of links: writing it would fail (``Too many levels of symbolic links``, or ``File
    exists`` for a folder to create), after the work."""
    try:
        os.stat(path)
        return
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return  # not there yet (created when written), or a file on the way: see below
    for part in (*reversed(path.parents), path):  # the first link of the loop on the way
        try:
            os.stat(part)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise argparse.ArgumentTypeError(
                    f"{part} is a symbolic link in a loop of links, which leads to no file "
                    "or folder; give another name (or remove the link)") from None


def _check_parent(path: Path, follow: bool = False) -> None:
    """Refuse ``path`` unless its nearest existing ancestor is a directory we may write in.

    ``follow``: the writer follows a symbolic link at ``path`` (a CSV, a picture: the
    link's file is replaced), so the folder of the file it leads to is checked instead of
    the link's (/dev/fd/1 is in no folder a file can be made in); a model file replaces
    the link itself.
    """
    _check_links(path)
    if follow and path.is_symlink():
        if not (path.exists() and not path.is_file()):
            _check_parent(path.resolve())  # a device or a pipe at its end is written to as it is
        return
    made = path  # what the write makes in ``folder``: the file, or its first missing folder
    for folder in (path.parent, *path.parent.parents):
        if not folder.exists():
            if folder.is_symlink():  # a link to nothing: no folder can be made there
                raise argparse.ArgumentTypeError(dangling_folder_words(folder))
            made = folder
            continue  # created when the file is written
        if not folder.is_dir():
            kind = "a file, not a directory" if folder.is_file() else "not a directory"
            raise argparse.ArgumentTypeError(f"{folder} is {kind}")
        # a file made and removed: os.access says yes to root, even for /proc or /sys.  It
        # is named after what the write makes there, not after an unrelated file of the
        # same name as the output (a link loop there, which the probe could not stat)
        try:
            probe_folder(folder / made.name)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise argparse.ArgumentTypeError(f"cannot create files in {folder} ({reason})"
                                             ) from None
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


#: the folders of the names of the process's open files: /dev/stdout, /dev/fd/1, ...
_STREAM_FOLDERS = ("/dev", "/dev/fd", "/proc/self/fd")


def _special(path: Path) -> bool:
    """Whether ``path`` is there and is neither a regular file nor a folder (a device such as
    /dev/null, a named pipe), or names a stream the process has open (``/dev/stdout``,
    which leads to a regular file when the output is redirected to one)."""
    try:
        return path.exists() and not path.is_dir() and (
            not path.is_file() or os.path.dirname(os.path.abspath(path)) in _STREAM_FOLDERS)
    except OSError:  # a name the system refuses: _is_dir says so
        return False


def _not_a_directory(text: str, example: str, note: str = "") -> Path:
    """``text`` as a Path, refused when empty or a directory, suggesting ``example`` in it
    (``note``: words after the suggestion)."""
    _not_empty(text, example)
    path = Path(text)
    if text.endswith(("/", os.sep)) or _is_dir(path):
        raise argparse.ArgumentTypeError(
            f"{text} is a directory; give a file name, such as {path / example}{note}")
    return path


def refuse_stdout(text: str, what: str, example: str) -> None:
    """Refuse ``-`` (:data:`STDOUT`) as the name of a binary file to write (``what``: a
    picture, a model), which the standard output does not take; ``./-`` names a file.

    Raises
    ------
    argparse.ArgumentTypeError
        Saying what is expected (a file name such as ``example``) and what was given.
    """
    if text == STDOUT:
        raise argparse.ArgumentTypeError(
            f"expected a file name such as {example}, got - (standard output, which takes "
            f"text: predict's CSV, trace's --output), and {what}")


def model_path(text: str) -> Path:
    """argparse type of the model file that ``train`` writes.

    ``.npz`` is appended when the name has another suffix or none (as
    :func:`chainrule.io.save` does); an existing directory, or a name ending in
    ``/`` (a directory to create), means ``DIR/model.npz``.  A device or a pipe
    (``/dev/null``) without the suffix is refused: the model would go to a new
    file next to it (``/dev/null.npz``); so is ``/dev/stdout``, even when the standard
    output is redirected to a regular file, and ``-`` (the standard output to text
    outputs: a model is binary).

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    Path
        The file that will be written.

    Raises
    ------
    argparse.ArgumentTypeError
        If a part of the path is a file or a symbolic link in a loop of links,
        the result is a directory, the folder cannot be written in, or the
        system refuses the name (too long).
    """
    _not_empty(text, "model.npz")
    refuse_stdout(text, "a model is an NPZ archive written to a file of its own, replaced "
                  "whole", "model.npz")
    path = Path(text)
    if path.suffix != ".npz" and _special(path):
        raise argparse.ArgumentTypeError(
            f"{text} is not a regular file (a device, a pipe or a standard stream), and a "
            f"model is written to "
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


#: What a text output option (predict's ``-o``, trace's ``--output``) takes as the standard
#: output, as Unix tools do; ``./-`` names a file called ``-``.
STDOUT = "-"


def output_path(text: str, example: str = "out.csv", note: str = "") -> str:
    """argparse type of a text file to write (a CSV, a trace): not a directory, parent writable.

    ``-`` (:data:`STDOUT`) is the standard output, which the command writes to
    instead of a file; it is returned as it is, its folder not checked.

    Parameters
    ----------
    text : str
        What the user typed.
    example : str
        The file name a refusal of a directory suggests in it (predict's CSV: ``out.csv``).
    note : str
        Words after that suggestion.

    Returns
    -------
    str
        ``text`` itself.
    """
    if text == STDOUT:  # the command prints it
        return text
    path = _not_a_directory(text, example, note)
    if _special(path):  # /dev/null, a pipe, /dev/stdout: written to as it is, as pictures are
        if not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(f"cannot write to {text} (permission denied)")
        return text
    _check_parent(path, follow=True)
    return text


def trace_path(text: str) -> str:
    """argparse type of ``trace --output``: :func:`output_path`, suggesting the name of a
    trace (text, Markdown or JSON) rather than of a CSV file, and refusing a picture's
    suffix (``step.png``), whose file would hold text: the picture is ``--plot``'s."""
    output_path(text, "trace.txt", " (trace.md or trace.json for Markdown or JSON)")
    suffix = os.path.splitext(text)[1].lower().lstrip(".")
    if (suffix not in ("", "txt", "md", "markdown", "json") and not _special(Path(text))
            and suffix in picture_formats()):
        raise argparse.ArgumentTypeError(
            f"{text} is a picture's name, but --output writes the trace as text (.txt, .md "
            f"or .json); draw the step on the network's graph with --plot {text}")
    return text


def refuse_overwriting(output: str | os.PathLike | None, option: str,
                       inputs: dict[str, str | os.PathLike | None]) -> None:
    """Refuse to write ``output`` over a file the same command reads.

    ``chainrule predict model.npz data.csv -o data.csv`` would replace the data
    by the predictions; bad input must lose nothing.  Checked before any work.

    Parameters
    ----------
    output : str or PathLike or None
        The file the command will write (None: it writes none; ``-``: the standard
        output, no file).
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
    if output is None or str(output) in ("", STDOUT):  # nothing written, or standard output
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
    """The file suffixes matplotlib can save a figure as (asked of its canvas; nothing drawn).

    Returns
    -------
    list of str
        png, pdf and svg first (where found), then the others sorted.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    found = FigureCanvasBase.get_supported_filetypes()
    return [*(f for f in _COMMON_PICTURES if f in found),
            *sorted(f for f in found if f not in _COMMON_PICTURES)]


def picture_path(text: str, example: str = "loss.png") -> str:
    """argparse type of a picture to write: a format matplotlib writes, a writable folder.

    A name without a suffix gets ``.png``, the file matplotlib would write,
    unless it names a device or a pipe (``/dev/null``), or a stream such as
    ``/dev/stdout`` (a regular file when the output is redirected to one): that
    is written to as it is, in PNG.  ``-``, the standard output to text outputs,
    is refused: a picture is binary (``/dev/stdout`` writes it there).

    Parameters
    ----------
    text : str
        What the user typed.
    example : str
        The file name a refusal of a directory suggests in it (a loss curve's:
        ``loss.png``; :func:`picture_named` gives a type of another).

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
    refuse_stdout(text, "a picture is binary (PNG); give /dev/stdout to write its bytes "
                  "there anyway", example)
    path = _not_a_directory(text, example)
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
    _check_parent(path, follow=True)
    return text


def picture_named(example: str) -> Callable[[str], str]:
    """The argparse type :func:`picture_path` of a picture that is no loss curve: a folder
    given is refused with ``example`` (``perceptron.png``) as the name to give in it."""

    def parse(text: str) -> str:
        return picture_path(text, example)

    parse.__name__ = picture_path.__name__
    return parse


def _is_stdout(path: str | os.PathLike) -> bool:
    """Whether ``path`` is the standard output: by its name (``/dev/stdout``, ``/dev/fd/1``),
    or as the same file or pipe (``-o pic.png > pic.png``)."""
    try:
        if os.path.abspath(path) in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"):
            return True
        written, out = os.stat(path), os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, TypeError, AttributeError):  # no such file; a stdout with
        return False  # no file (captured); a stand-in for a writer that returns no path
    # a device (/dev/null, a terminal) keeps no bytes for a line to corrupt
    return ((stat.S_ISREG(out.st_mode) or stat.S_ISFIFO(out.st_mode))
            and (written.st_dev, written.st_ino) == (out.st_dev, out.st_ino))


def print_written(line: str, path: str | os.PathLike) -> None:
    """Print ``line``, which says that a command wrote ``path``: on the standard output,
    or on the standard error when ``path`` is the standard output (``-o /dev/stdout``),
    where the line would end up in the picture or the CSV written there.

    Parameters
    ----------
    line : str
    path : str or path-like
        The file written.
    """
    print(line, file=sys.stderr if _is_stdout(path) else sys.stdout)
