"""What every picture shares: a figure on matplotlib's Agg canvas (or the user's Axes), saving
it, numbers checked.

matplotlib is imported inside the functions, only when a picture is drawn.
The drawing modules save through ``chainrule.plots._save`` (read at that time),
not through this module's name, so that it can be replaced in one place.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _figure(figsize: tuple[float, float]):
    """A matplotlib Figure on the Agg canvas: no display, no global pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _axes(ax: object, figsize: tuple[float, float], path: object):
    """The figure and Axes a one-Axes picture draws into, and whether it made them.

    ``ax`` given: that matplotlib Axes and its figure, as they are (their canvas, the
    user's backend and layout untouched).  Else a new figure of ``figsize`` inches with
    one Axes: on the Agg canvas when the picture is saved to ``path`` (no display, no
    pyplot state, the same file whatever the user's backend), or, with no ``path``, a
    pyplot figure of the user's backend, to show (``plt.show()``) or save
    (``ax.figure.savefig``).

    The pictures annotate ``ax`` (and the Axes they return) as ``object``: their hints
    must resolve at run time, and matplotlib is not imported until a picture is drawn.
    """
    if ax is None:
        fig = _new_figure(figsize, path)
        return fig, fig.add_subplot(), True
    _check_axes(ax, "ax")
    return _root(ax), ax, False


def _check_axes(ax: object, name: str) -> None:
    """A TypeError naming ``name`` unless ``ax`` is a matplotlib Axes."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes to draw into (such as "
                        f"fig.add_subplot() or plt.subplots()[1]), or None; got "
                        f"{ax!r:.60} ({type(ax).__name__})")


def _root(ax):
    """The Figure that holds ``ax``, through subfigures (``fig.subfigures``), the one saved."""
    from matplotlib.figure import Figure

    fig = ax.figure
    return fig if isinstance(fig, Figure) else fig.figure  # a SubFigure's: the root Figure


def _panel_axes(ax: object, n_panels: int, path: object, title: object) -> tuple[list | None,
                                                                                   object]:
    """The caller's Axes for a picture of ``n_panels`` panels side by side, and their figure:
    ``ax`` one Axes (one panel) or a sequence (or array, such as ``plt.subplots``') of
    ``n_panels`` Axes of one figure; (None, None) for ``ax`` None (a new figure is made).

    ``title``, the title over the panels of a new figure, is refused with ``ax``: the
    figure and its suptitle are the caller's.
    """
    if ax is None:
        return None, None
    from matplotlib.axes import Axes

    if isinstance(ax, Axes):
        axes = [ax]
    elif isinstance(ax, (list, tuple, np.ndarray)):
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        for i, one in enumerate(axes):
            _check_axes(one, f"ax[{i}]")
    else:
        _check_axes(ax, "ax")  # raises, naming ax
    if len(axes) != n_panels:
        raise ValueError(f"ax must hold one Axes per panel, {n_panels} here, got {len(axes)}")
    figures = {id(_root(one)): _root(one) for one in axes}
    if len(figures) > 1 and path is not None:
        raise ValueError(f"ax: the {n_panels} Axes are in {len(figures)} figures; to save "
                         "to path they must be in one (its whole figure is written)")
    if title:
        raise ValueError(f"title is the title over the panels of a new figure; with ax the "
                         f"figure is the caller's (set fig.suptitle); got title={title!r:.60}")
    return axes, next(iter(figures.values()))


def _done(fig, ax, path: str | os.PathLike | None):
    """What a one-Axes picture returns: the file written when ``path`` is given (the whole
    figure, the user's own where ``ax`` was theirs), else the Axes drawn into."""
    if path is None:
        return ax
    from .. import plots  # read when saved: replacing plots._save reaches every picture

    return plots._save(fig, path)


def _new_figure(figsize: tuple[float, float], path: object):
    """A new figure: on the Agg canvas for a file (``path`` given), else a pyplot figure."""
    if path is not None:
        return _figure(figsize)
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


@contextmanager
def _closed_on_error(fig, made: bool):
    """Run the drawing of ``fig``; on any exception close it first when ``made`` (a pyplot
    figure the picture made itself, with no path: :func:`_new_figure`), so that a failed
    call leaves no half-drawn figure in pyplot's list, which a notebook would show under
    the error.  A caller's figure (``ax``) and an Agg one (a path) are left alone: the
    former is theirs, the latter unknown to pyplot."""
    try:
        yield
    except BaseException:
        if made:
            import matplotlib.pyplot as plt

            plt.close(fig)
        raise


def _done_panels(fig, ax: object, axes: list, path: str | os.PathLike | None):
    """What a picture of panels returns: the file written when ``path`` is given, else
    ``ax`` where it is one Axes of the caller's, or the list of ``axes``, one per panel."""
    if path is not None:
        from .. import plots

        return plots._save(fig, path)
    from matplotlib.axes import Axes

    return ax if isinstance(ax, Axes) else list(axes)


def _save(fig, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` (folders created) and return the file written.

    A name without a suffix gets matplotlib's default format's suffix, as
    matplotlib would add it itself: the path returned is the file on disk
    (unless it names a device or a pipe, such as ``/dev/null``, or a stream such as
    ``/dev/stdout``, which is written to in that format as it is).
    A suffix of a format matplotlib cannot write is refused before any
    folder is created.  The picture is written to a temporary file next to
    ``path`` and renamed over it when complete (``_io_files.atomic_binary``,
    as :func:`chainrule.io.atomic_text` writes text), so a failure while
    drawing or writing (a full disk, an error inside matplotlib, Ctrl-C)
    leaves an existing picture as it was and no partial file; what is no
    regular file (``/dev/null``, a named pipe) is written to as it is.
    """
    import matplotlib
    from matplotlib.backend_bases import FigureCanvasBase

    from .._io_files import atomic_binary

    path = Path(path)
    default = matplotlib.rcParams["savefig.format"]
    if not path.suffix and _special(path):  # /dev/null, a pipe: written to, in the default
        fmt = default                        # format (a suffix would make another file)
    else:
        if not path.suffix:
            path = path.with_name(f"{path.name}.{default}")
        formats = FigureCanvasBase.get_supported_filetypes()
        if path.suffix[1:].lower() not in formats:
            raise ValueError(f"path: matplotlib cannot write {path.suffix!r} files "
                             f"({str(path)!r}); use a picture format such as .png, one of "
                             f"{', '.join(sorted(formats))}")
        fmt = path.suffix[1:].lower()  # the temporary file's suffix is not the picture's
    with atomic_binary(path) as fh:
        fig.savefig(fh, format=fmt)
    return path


def _special(path: Path) -> bool:
    """Whether ``path`` is there and is neither a regular file nor a folder (a device, a
    pipe), or names a stream the process has open (``/dev/stdout``, ``/dev/fd/1``: a
    regular file when the output is redirected to one, but no name to add a suffix to)."""
    import os

    try:
        return path.exists() and not path.is_dir() and (
            not path.is_file()
            or os.path.dirname(os.path.abspath(path)) in ("/dev", "/dev/fd", "/proc/self/fd"))
    except OSError:  # a name the system refuses: not there
        return False


def _numbers(values: object, name: str) -> np.ndarray:
    """``values`` as a float64 array, or a ValueError naming ``name``: for nested lists of
    items of different shapes, the first item whose shape differs from its first sibling's."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        ragged = _first_ragged(values, name)
        if ragged is not None:
            raise ValueError(f"{name} must stack into one array of numbers, but {ragged}") from None
        raise ValueError(f"{name} must hold numbers, got {values!r:.80}") from None


def _first_ragged(values: object, name: str) -> str | None:
    """Where nested lists (or tuples) of ``values`` hold items of different shapes, in
    words (``"images[2] has shape (7, 8) where images[0] has (8, 8)"``); else None."""
    if not isinstance(values, (list, tuple)):
        return None
    first = None
    for i, item in enumerate(values):
        inner = _first_ragged(item, f"{name}[{i}]")
        if inner is not None:
            return inner
        shape = np.shape(item)
        if first is None:
            first = shape
        elif shape != first:
            return f"{name}[{i}] has shape {shape} where {name}[0] has {first}"
    return None
