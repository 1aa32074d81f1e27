"""Pictures, written as PNG files.  matplotlib is imported only when a picture is drawn."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["plot_loss", "plot_tiles"]


def _figure(figsize: tuple[float, float]):
    """A matplotlib Figure on the Agg canvas: no display, no global pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_loss(
    history: Mapping[str, Sequence[float]],
    path: str | Path,
    title: str = "Training and validation loss",
    log_scale: bool | None = None,
) -> Path:
    """Training (and validation) loss per epoch as a PNG.

    Parameters
    ----------
    history : mapping with "loss" and optionally "val_loss"
        E.g. the :class:`~chainrule.training.History` returned by ``train``, or
        a table of such columns (a pandas DataFrame of it);
        1-D sequences of numbers of length n_epochs ("val_loss" may be None).
        The best validation epoch marked is the one of the smallest finite
        validation loss (none if no value is finite).
        A value with no finite neighbour (a single epoch, or one between NaNs)
        is drawn as a dot, since no line reaches it.
    path : str or Path
        Output file (PNG), 800 x 500 pixels.
    title : str
    log_scale : bool, optional
        Logarithmic loss axis (True or False); by default when the loss spans
        more than two decades and every finite value is > 0 (a loss of 0
        cannot be drawn on a log axis).

    Returns
    -------
    Path
        The file written.
    """
    if log_scale is not None:  # "no" or 0.5 would be taken by truthiness
        from ._validation import check_bool

        log_scale = check_bool(log_scale, "log_scale")
    # a table of columns (a pandas DataFrame of a history) is read as a mapping is
    table = callable(getattr(history, "get", None)) and callable(getattr(history, "keys", None))
    if not isinstance(history, Mapping) and not table:
        raise TypeError(f"history must be a mapping with a 'loss' sequence, such as the History "
                        f"that train returns; got {type(history).__name__}")
    loss = _loss_series(history, "loss")
    if not loss:
        raise ValueError("history has no 'loss' values to plot")
    val = _loss_series(history, "val_loss")
    fig = _figure((8, 5))
    ax = fig.add_subplot()
    epochs = range(1, len(loss) + 1)
    ax.plot(epochs, loss, label="training loss", color="tab:blue", marker="o", markersize=4,
            markevery=_lone_points(loss))
    if val:
        ax.plot(range(1, len(val) + 1), val, label="validation loss", color="tab:orange",
                marker="o", markersize=4, markevery=_lone_points(val))
        finite = [i for i, v in enumerate(val) if np.isfinite(v)]
        if finite:  # a NaN compares as neither smaller nor larger: it must not be "best"
            best = min(finite, key=val.__getitem__)
            ax.axvline(best + 1, color="tab:orange", ls=":", lw=1,
                       label=f"best validation (epoch {best + 1})")
    values = [v for v in loss + val if np.isfinite(v)]
    if log_scale is None:  # a loss of 0 (or below) has no place on a log axis
        log_scale = bool(values) and min(values) > 0 and max(values) / min(values) > 100
    if log_scale:
        ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # no 0.96 epochs
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def _loss_series(history: Mapping, key: str) -> list[float]:
    """``history[key]`` as a list of floats (empty when the key is missing or None)."""
    values = history.get(key)
    if values is None:
        return []
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1:
        shown = f"shape {arr.shape}" if arr is not None else f"{values!r:.60}"
        raise ValueError(f"history[{key!r}] must be a 1-D sequence of numbers, one per epoch; "
                         f"got {shown}")
    return arr.tolist()


def _lone_points(values: Sequence[float]) -> list[int]:
    """Indexes of the finite values that no line segment reaches: both neighbours missing.

    A line needs two finite values in a row; a one-epoch history, or a value
    between NaNs, is drawn only by its marker.
    """
    finite = [bool(np.isfinite(v)) for v in values]
    return [i for i, ok in enumerate(finite)
            if ok and not (i > 0 and finite[i - 1]) and not (i + 1 < len(finite) and finite[i + 1])]


def plot_tiles(
    images: object,
    path: str | Path,
    title: str | None = None,
    ncols: int | None = None,
    normalize: str = "each",
    cmap: str = "gray",
    tile_inches: float = 0.8,
) -> Path:
    """A grid of small grayscale images (weights of hidden units, kernels, patches) as a PNG.

    Parameters
    ----------
    images : array-like of shape (n_tiles, height, width)
        One image per tile, e.g. ``W.T.reshape(-1, 8, 8)`` for the first-layer
        weights of a network on 8x8 images (``W`` of shape (64, n_hidden)).
    path : str or Path
        Output file (PNG).
    title : str, optional
    ncols : int, optional
        Tiles per row; by default about ``sqrt(n_tiles)``.
    normalize : {"each", "all"}, default "each"
        Scale each tile to its own range (shows the pattern of every unit, as in
        the UFLDL figures), or all tiles to one common symmetric range (shows
        which units have larger weights).
    cmap : str, default "gray"
    tile_inches : float, default 0.8
        Size of one tile; the picture is 100 pixels per inch, widened (tiles
        centred) where the title is wider than the grid.

    Returns
    -------
    Path
        The file written.
    """
    tiles = _numbers(images, "images")
    if tiles.ndim != 3 or 0 in tiles.shape:
        raise ValueError(
            f"images must have shape (n_tiles, height, width) with n_tiles >= 1, "
            f"height >= 1 and width >= 1, got shape {tiles.shape}"
        )
    if not np.isfinite(tiles).all():
        raise ValueError("images contains NaN or infinite values")
    if normalize not in ("each", "all"):
        raise ValueError(f"normalize must be 'each' or 'all', got {normalize!r}")
    from ._validation import check_positive_float

    tile_inches = check_positive_float(tile_inches, "tile_inches")
    n = tiles.shape[0]
    if ncols is None:
        ncols = int(np.ceil(np.sqrt(n)))
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    nrows = int(np.ceil(n / ncols))
    if normalize == "all":
        top = float(np.max(np.abs(tiles))) or 1.0
        limits = [(-top, top)] * n
    else:
        limits = []
        for t in tiles:
            lo, hi = float(t.min()), float(t.max())
            limits.append((lo, hi) if hi > lo else (lo - 1.0, hi + 1.0))
    aspect = tiles.shape[1] / tiles.shape[2]
    header = 0.4 if title else 0.0
    fig = _figure((ncols * tile_inches, nrows * tile_inches * aspect + header))
    for i, (tile, (lo, hi)) in enumerate(zip(tiles, limits, strict=True)):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.imshow(tile, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_axis_off()
    width, side = ncols * tile_inches, 0.02
    if title:
        text = fig.suptitle(title)
        needed = text.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi + 0.04
        if needed > width:  # a narrow grid: widen the picture, tiles centred at their size
            side = ((needed - width) / 2 + 0.02 * width) / needed
            fig.set_size_inches(needed, fig.get_size_inches()[1])
    top_margin = 1 - header / (nrows * tile_inches * aspect + header) if title else 0.98
    fig.subplots_adjust(left=side, right=1 - side, bottom=0.02, top=top_margin,
                        wspace=0.08, hspace=0.08)
    return _save(fig, path)


# --- pictures of the teaching experiments ----------------------------------------------------
__all__ += ["Panel", "plot_decision_regions", "plot_model_selection", "plot_panels"]


def _save(fig, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (folders created) and return the file written.

    A name without a suffix gets matplotlib's default format's suffix, as
    matplotlib would add it itself: the path returned is the file on disk.
    A suffix of a format matplotlib cannot write is refused before any
    folder is created.
    """
    import matplotlib
    from matplotlib.backend_bases import FigureCanvasBase

    path = Path(path)
    if not path.suffix:
        path = path.with_name(f"{path.name}.{matplotlib.rcParams['savefig.format']}")
    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise ValueError(f"path: matplotlib cannot write {path.suffix!r} files ({str(path)!r}); "
                         f"use a picture format such as .png, one of {', '.join(sorted(formats))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


@dataclass
class Panel:
    """One chart of :func:`plot_panels`.

    Attributes
    ----------
    title : str
    lines : dict of label -> (x, y) or y
        Curves; a bare sequence ``y`` is plotted against 1, 2, ...
    points : dict of label -> (x, y)
        Scatter points (e.g. noisy samples).
    xlabel, ylabel : str
    log_x, log_y : bool
        Logarithmic axes.
    """

    title: str
    lines: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    xlabel: str = ""
    ylabel: str = ""
    log_y: bool = False
    log_x: bool = False


def _whole_numbers(x: object) -> bool:
    """Whether ``x`` holds only whole numbers (False for names, dates, ...)."""
    try:
        values = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.all(np.mod(values, 1) == 0))


def _panel_xy(name: str, data: object, bare: bool) -> tuple[object, np.ndarray]:
    """A panel's curve: x (numbers, names or dates, as given) and y (floats), 1-D of one length.

    ``bare``: ``data`` may be y alone, drawn against x = 1, 2, ...
    """
    if bare and not isinstance(data, tuple):
        y = _numbers(data, name)
        x = np.arange(1, y.size + 1) if y.ndim == 1 else y
    elif isinstance(data, tuple if bare else (tuple, list)) and len(data) == 2:
        x, y = data[0], np.atleast_1d(_numbers(data[1], name))
        if np.ndim(x) == 0:
            x = [x]
    else:
        raise ValueError(f"{name} must be {'y or ' if bare else ''}a tuple (x, y), got "
                         f"{data!r:.60}")
    if np.ndim(x) != 1 or y.ndim != 1 or len(x) != y.size:
        raise ValueError(f"{name}: x and y must be 1-D of one length, got shapes {np.shape(x)} "
                         f"and {y.shape}")
    return x, y


def plot_panels(panels: Sequence[Panel], path: str | Path, title: str | None = None,
                panel_inches: tuple[float, float] = (5.0, 3.8)) -> Path:
    """Line charts side by side, one per :class:`Panel`, as a PNG.

    Returns
    -------
    Path
        The file written.
    """
    panels = list(panels)
    if not panels or not all(isinstance(p, Panel) for p in panels):
        raise ValueError(f"panels must be a non-empty list of Panel objects, got {panels!r:.80}")
    size = _numbers(panel_inches, "panel_inches")
    if size.shape != (2,) or not (np.isfinite(size).all() and (size > 0).all()):
        raise ValueError(f"panel_inches must be (width, height), two finite numbers > 0, "
                         f"got {panel_inches!r}")
    curves = [[_panel_xy(f"panels[{i}].{kind}[{label!r}]", data, bare=kind == "lines")
               for kind in ("points", "lines") for label, data in getattr(p, kind).items()]
              for i, p in enumerate(panels)]
    from matplotlib.ticker import MaxNLocator

    fig = _figure((panel_inches[0] * len(panels), panel_inches[1] + (0.4 if title else 0)))
    for i, p in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        xs = []
        n_points = len(p.points)
        for label, (x, y) in zip(p.points, curves[i][:n_points], strict=True):
            ax.scatter(x, y, s=14, color="black", alpha=0.7, label=label, zorder=3)
            xs.append(x)
        for label, (x, y) in zip(p.lines, curves[i][n_points:], strict=True):
            ax.plot(x, y, label=label, marker="o" if len(y) <= 12 else None, markersize=4)
            xs.append(x)
        if xs and not p.log_x and all(_whole_numbers(x) for x in xs):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers, epochs: no 1.5
        if p.log_y:
            ax.set_yscale("log")
        if p.log_x:
            ax.set_xscale("log")
        ax.set(title=p.title, xlabel=p.xlabel, ylabel=p.ylabel)
        ax.grid(alpha=0.3)
        if p.lines or p.points:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


_POINT_COLORS = ["tab:orange", "tab:blue", "tab:green", "tab:red", "tab:purple", "tab:brown",
                 "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]
_REGION_COLORS = ["#f4c7a1", "#a9cbe8", "#b5dfb0", "#f0b0b0", "#d3c2e6", "#d9c0b8",
                  "#f3c6e4", "#d4d4d4", "#e3e3a6", "#b0e3ea"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


def _region_classes(model: object, grid: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list]:
    """Class index of every grid point and the class list, for any kind of classifier.

    ``model`` may be a chainrule Network (its outputs: argmax of several
    units; one sigmoid unit thresholded at 0.5 whatever the labels, the
    probability of the second of the sorted classes; another single unit
    read as labels or scores like a callable's), an object with ``predict`` (labels)
    or ``predict_proba`` (argmax, columns in the order of its ``classes_``
    or of the sorted labels of ``y``), or a callable giving labels or scores
    (scores are thresholded at 0.5 for 0/1 labels, else at 0).
    """
    from .network import Network

    classes = list(np.unique(y))
    probability = False  # one sigmoid unit: P(second class), whatever the labels are
    if isinstance(model, Network):
        out = model.forward(grid)
        act = model.output_activation
        probability = act is not None and act.name == "sigmoid"
    elif hasattr(model, "predict"):  # estimators: their own preprocessing and labels
        labels = np.asarray(model.predict(grid)).ravel()
        known = y
        if labels.dtype.kind == "U" or y.dtype.kind == "U":
            labels, known = labels.astype(str), y.astype(str)
        classes = list(np.unique(np.concatenate([known, labels])))
        return np.searchsorted(np.asarray(classes), labels), classes
    elif hasattr(model, "predict_proba"):
        out = np.asarray(model.predict_proba(grid), dtype=np.float64)
        if getattr(model, "classes_", None) is not None:
            classes = list(np.asarray(model.classes_))
    elif callable(model):
        out = np.asarray(model(grid))
    else:
        raise TypeError(
            f"a panel's model must be a Network, have predict or predict_proba, or be "
            f"callable; got {type(model).__name__}"
        )
    out = np.asarray(out)
    if out.ndim == 2 and out.shape[1] > 1:
        index = out.argmax(axis=1)
        if len(classes) < out.shape[1]:
            # fewer classes in y than outputs: output j is class j, so the labels must be
            # such indexes, or the points (drawn by their label) would all be left out
            if not all(isinstance(c, (int, float, np.number)) and c in range(out.shape[1])
                       for c in classes):
                raise ValueError(
                    f"y holds {len(classes)} classes {[str(c) for c in classes]} for a model "
                    f"of {out.shape[1]} outputs: give y as output indexes 0..{out.shape[1] - 1}, "
                    "or points of every class the model knows")
            classes = list(range(out.shape[1]))
        return index, classes
    out = out.ravel()
    if not probability and set(np.unique(out)) <= set(classes):  # labels
        return np.searchsorted(np.asarray(classes), out), classes
    threshold = 0.5 if probability or set(classes) <= {0, 1} else 0.0
    if len(classes) > 2:
        raise ValueError(f"one score per point cannot separate {len(classes)} classes")
    two = classes if len(classes) == 2 else [0, 1]
    return (out.astype(np.float64) > threshold).astype(int), two


def plot_decision_regions(
    panels: Sequence[tuple[str, object, object, object]],
    path: str | Path,
    resolution: int = 200,
    title: str | None = None,
) -> Path:
    """Decision regions of 2-D classifiers, one panel each, with their data points.

    Parameters
    ----------
    panels : sequence of (title, model, X, y)
        ``model``: a :class:`~chainrule.Network` (several outputs: the region
        is the argmax; one sigmoid output: thresholded at 0.5, the second of
        the sorted classes above; another single output: as a callable's), anything with
        ``predict`` (labels) or ``predict_proba`` (such as a scikit-learn
        classifier), or a callable mapping an array of shape (n, 2) to labels
        or to scores of shape (n,) (thresholded at 0.5 for 0/1 labels, else
        at 0).  ``X`` of shape (n_samples, 2), ``y`` of shape (n_samples,),
        any number of classes (up to 10 colours).
    path : str or Path
        Output PNG, 400 pixels high (430 with a title) and 400 wide per panel.
    resolution : int, default 200
        Grid points per axis, at least 2.
    title : str, optional

    Returns
    -------
    Path
    """
    from ._validation import check_positive_int

    resolution = check_positive_int(resolution, "resolution", minimum=2)
    panels = list(panels)
    if not panels:
        raise ValueError("panels is empty; give at least one (title, model, X, y)")
    for i, panel in enumerate(panels):
        if not isinstance(panel, (tuple, list)) or len(panel) != 4:
            raise ValueError(f"panels[{i}] must be a tuple (title, model, X, y), got "
                             f"{panel!r:.80}")
    fig = _figure((4.0 * len(panels), 4.0 + (0.3 if title else 0)))
    for i, (name, model, X, y) in enumerate(panels):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y).ravel()
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"panels[{i}]: X must have shape (n_samples, 2), got {X.shape}")
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"panels[{i}]: y must have shape ({X.shape[0]},), got {y.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"panels[{i}]: X has no points; the regions span the data")
        if not np.isfinite(X).all():  # NaN bounds would make an all-NaN grid: an empty panel
            bad = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
            raise ValueError(f"panels[{i}]: X[{bad}] is {X[bad].tolist()}; every point must be "
                             "finite")
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.25 * np.maximum(hi - lo, 1e-9)
        gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                             np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        try:
            index, classes = _region_classes(model, grid, y)
        except ValueError as exc:  # the model and y do not fit: say which panel
            raise ValueError(f"panels[{i}]: {exc}") from None
        k = len(classes)
        if k > len(_POINT_COLORS):
            raise ValueError(f"panels[{i}]: {k} classes; at most {len(_POINT_COLORS)} can be drawn")
        ax = fig.add_subplot(1, len(panels), i + 1)
        ax.contourf(gx, gy, index.reshape(gx.shape).astype(float),
                    levels=np.arange(k + 1) - 0.5, colors=_REGION_COLORS[:k], alpha=0.8)
        lookup = {c: j for j, c in enumerate(classes)}
        ys = y.astype(str) if np.asarray(classes).dtype.kind == "U" else y
        point_index = np.array([lookup.get(v, -1) for v in ys.tolist()])
        if (point_index < 0).any():  # such points would be left out of the picture
            unknown = sorted({str(v) for v, j in zip(ys.tolist(), point_index, strict=True)
                              if j < 0})
            raise ValueError(f"panels[{i}]: y holds classes {unknown} that the model does not "
                             f"know (its classes: {[str(c) for c in classes]})")
        for j, c in enumerate(classes):
            mask = point_index == j
            if mask.any():
                ax.scatter(*X[mask].T, marker=_MARKERS[j], color=_POINT_COLORS[j],
                           edgecolor="k", label=str(c))
        ax.legend(fontsize=7, framealpha=0.6, handletextpad=0.2, borderpad=0.3)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_model_selection(
    hidden_units: object,
    val_errors: object,
    path: str | Path,
    train_errors: object | None = None,
    best: tuple[int, float] | None = None,
    title: str = "Validation error of every run",
) -> Path:
    """Scatter of the validation error of every run against the number of hidden units.

    Parameters
    ----------
    hidden_units : array-like of shape (n_sizes,)
    val_errors : array-like of shape (n_sizes, n_starts)
        Errors >= 0; inf for runs that diverged, drawn on the top edge with the
        runs above it; NaN for runs without an error, drawn there as crosses
        and counted apart.  The top of the axis is 1.6 x the largest per-size
        upper quartile (a little above the largest error when that is 0).
    path : str or Path
    train_errors : array-like of shape (n_sizes, n_starts), optional
        The best training error per size is drawn as a line.
    best : (M, error), optional
        The chosen run, marked with a star.
    title : str

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If an argument does not hold numbers of the shapes above, a finite
        validation error is negative, or none is finite.
    """
    M = _numbers(hidden_units, "hidden_units")
    if M.ndim != 1 or not np.isfinite(M).all():
        raise ValueError(f"hidden_units must be a 1-D sequence of finite numbers, one per size; "
                         f"got {hidden_units!r:.80}")
    V = _numbers(val_errors, "val_errors")
    if V.ndim != 2 or V.shape[0] != M.shape[0]:
        raise ValueError(
            f"val_errors must have shape (n_sizes, n_starts) = ({M.shape[0]}, ...), got {V.shape}"
        )
    finite = np.isfinite(V)
    if not finite.any():
        raise ValueError(f"val_errors has no finite value to plot (shape {V.shape}): every "
                         "run diverged (inf) or the errors are NaN")
    if (V[finite] < 0).any():  # the axis starts at 0: a negative error is no squared error
        raise ValueError(f"val_errors must be >= 0 (squared errors), got {V[finite].min()}")
    if train_errors is not None:
        T = _numbers(train_errors, "train_errors")
        if T.shape != V.shape:
            raise ValueError(f"train_errors must have the shape of val_errors {V.shape}, "
                             f"got {T.shape}")
    if best is not None:
        pair = _numbers(best, "best")
        if pair.shape != (2,):
            raise ValueError(f"best must be a pair (M, error), got {best!r:.80}")
    fig = _figure((7.0, 4.5))
    ax = fig.add_subplot()
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, size=V.shape)
    # linear scale up to a little above the bulk of the runs; the rare runs far above
    # (a start stuck in a wild local minimum) are drawn as triangles on the top edge
    rows = finite.any(axis=1)  # sizes where every start diverged have no quartile, no best
    top = 1.6 * max(float(np.percentile(V[i][finite[i]], 75)) for i in np.flatnonzero(rows))
    if top == 0:  # most runs fit exactly: an axis from 0 to 0 would put every other above
        largest = float(V[finite].max())
        top = 1.05 * largest if largest > 0 else 1.0
    inside = finite & (V <= top)
    ax.scatter((M[:, None] + jitter)[inside], V[inside], s=12, alpha=0.6, color="tab:blue",
               label=f"validation error ({V.shape[1]} starts per size)")
    missing = np.isnan(V)  # no error at all: not "above" anything
    above = ~inside & ~missing
    if above.any():
        ax.scatter((M[:, None] + jitter)[above], np.full(int(above.sum()), top), marker="^",
                   s=18, color="tab:blue", alpha=0.6, clip_on=False,
                   label=f"{int(above.sum())} run(s) above {top:.3g}")
    if missing.any():
        ax.scatter((M[:, None] + jitter)[missing], np.full(int(missing.sum()), top),
                   marker="x", s=18, color="tab:gray", clip_on=False,
                   label=f"{int(missing.sum())} run(s) without an error (NaN)")
    best_per_size = np.full(M.shape[0], np.nan)  # NaN: a gap in the line
    best_per_size[rows] = np.min(np.where(finite, V, np.inf)[rows], axis=1)
    ax.plot(M, best_per_size, color="tab:blue", lw=1, label="best start per size")
    if train_errors is not None:
        ax.plot(M, np.min(T, axis=1), color="gray", ls="--", lw=1, label="best training error")
    if best is not None:
        ax.scatter([best[0]], [best[1]], marker="*", s=220, color="tab:red", zorder=4,
                   label=f"chosen: M = {best[0]}")
    ax.set_ylim(0, top)
    ax.set(xlabel="hidden units M", ylabel="mean squared error", title=title)
    ax.set_xticks(M)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def _numbers(values: object, name: str) -> np.ndarray:
    """``values`` as a float64 array, or a ValueError naming ``name``."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers, got {values!r:.80}") from None


# --- pictures of a trained model -------------------------------------------------------------
__all__ += ["plot_confusion_matrix", "plot_first_layer"]


def _first_weight_layer(model: object) -> object:
    """The first Dense or Conv2D layer of a Network (or of the one a model holds)."""
    from .conv import Conv2D
    from .layers import Dense
    from .network import Network

    net = model
    for attr in ("network_", "network"):  # an estimator, a SavedModel
        if not isinstance(net, Network) and getattr(model, attr, None) is not None:
            net = getattr(model, attr)
    if not isinstance(net, Network):
        raise TypeError(f"model must be a chainrule Network (or hold one as network_), "
                        f"got {type(model).__name__}")
    layer = next((la for la in net.layers if isinstance(la, (Dense, Conv2D))), None)
    if layer is None:
        raise ValueError("the network has no Dense or Conv2D layer whose weights to draw")
    return layer


def first_layer_tiles(model: object, shape: tuple[int, int] | None = None) -> np.ndarray:
    """The first layer's weights as images: one tile per hidden unit (or kernel).

    Parameters
    ----------
    model : Network, or anything with a ``network_`` or ``network`` attribute
        Its first layer with weights: Dense (``W`` of shape (n_inputs,
        n_units)) or Conv2D (kernels of shape (out, in, kh, kw)).
    shape : (int, int), optional
        Image shape (height, width) of a Dense layer's input; by default the square
        ``(sqrt(n_inputs), sqrt(n_inputs))`` when n_inputs is a square.

    Returns
    -------
    ndarray of shape (n_tiles, height, width)
        Dense: ``W.T.reshape(n_units, height, width)``; Conv2D: every
        (output, input channel) kernel.
    """
    from .conv import Conv2D

    layer = _first_weight_layer(model)
    W = np.asarray(layer.W, dtype=np.float64)
    if isinstance(layer, Conv2D):
        return W.reshape(-1, W.shape[2], W.shape[3])
    n_in = W.shape[0]
    if shape is None:
        side = math.isqrt(n_in)
        if side * side != n_in:
            raise ValueError(
                f"the first layer has {n_in} inputs, not a square image; give shape=(height, "
                f"width) with height * width = {n_in}"
            )
        shape = (side, side)
    pair = tuple(shape) if isinstance(shape, (tuple, list, np.ndarray)) else ()
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 for v in pair):
        raise ValueError(f"shape must be (height, width), two ints with height * width = "
                         f"{n_in} (the first layer's inputs), got {shape!r}")
    h, w = (int(v) for v in pair)
    if h < 1 or w < 1 or h * w != n_in:
        raise ValueError(f"shape must be (height, width) with height * width = {n_in} "
                         f"(the first layer's inputs), got {tuple(shape)}")
    return W.T.reshape(-1, h, w)


def plot_first_layer(
    model: object,
    path: str | Path,
    shape: tuple[int, int] | None = None,
    max_units: int | None = None,
    title: str | None = None,
    normalize: str = "each",
    tile_inches: float = 0.8,
) -> Path:
    """First-layer weights as a grid of image tiles (what each hidden unit looks for), as a PNG.

    Parameters
    ----------
    model : Network, or anything with a ``network_`` attribute
    path : str or Path
        Output PNG: ``ncols`` x ``nrows`` tiles of ``tile_inches`` at 100
        pixels per inch (``ncols = ceil(sqrt(n_tiles))``), plus 40 pixels
        for a title (and wider if the title is wider than the tiles).
    shape : (height, width), optional
        Image shape of the inputs; inferred for square inputs (64 -> 8 x 8).
    max_units : int, optional
        Draw only the first ``max_units`` units (a Conv2D layer's kernels, each
        drawn as one tile per input channel).
    title : str, optional
        Default: "first-layer weights (N units)" (", C input channels each"
        added for a Conv2D layer on images of C > 1 channels).
    normalize, tile_inches : see :func:`plot_tiles`.

    Returns
    -------
    Path
    """
    tiles = first_layer_tiles(model, shape)
    # a Conv2D unit (kernel) is one tile per input channel, side by side in tiles
    per_unit = getattr(_first_weight_layer(model), "in_channels", 1)
    if max_units is not None:
        if (isinstance(max_units, bool) or not isinstance(max_units, (int, np.integer))
                or max_units < 1):
            raise ValueError(f"max_units must be a positive integer, got {max_units!r}")
        tiles = tiles[:max_units * per_unit]
    if title is None:
        each = f", {per_unit} input channels each" if per_unit > 1 else ""
        title = f"first-layer weights ({tiles.shape[0] // per_unit} units{each})"
    return plot_tiles(tiles, path, title=title, normalize=normalize, tile_inches=tile_inches)


def _confusion_figure(y_true: object, y_pred: object, labels: Sequence | None,
                      title: str, normalize: bool, size: tuple[float, float]):
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty and of one shape (n_samples,), got "
            f"{y_true.shape} and {y_pred.shape}"
        )
    if labels is None:
        labels = list(np.unique(np.concatenate([y_true, y_pred])))
    else:
        known = np.asarray(labels)
        if known.ndim != 1 or known.size == 0:
            raise ValueError(f"labels must be a non-empty sequence of classes, got {labels!r}")
        values, counts = np.unique(known, return_counts=True)
        if (counts > 1).any():  # a repeated class would get two rows, one of them empty
            raise ValueError(f"labels must name each class once; {values[counts > 1].tolist()} "
                             f"repeated in {known.tolist()}")
        for name, y in (("y_true", y_true), ("y_pred", y_pred)):
            unknown = np.unique(y[~np.isin(y, known)])
            if unknown.size:
                # sklearn's confusion_matrix would leave these examples out of every cell
                shown = ", ".join(map(repr, unknown[:10].tolist()))
                raise ValueError(
                    f"{name} holds classes that are not in labels: {shown} "
                    f"(labels: {', '.join(map(repr, known.tolist()))})")
    counts = confusion_matrix(y_true, y_pred, labels=np.asarray(labels))
    k = len(labels)
    fig = _figure(size)
    ax = fig.add_subplot()
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    image = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                 label="fraction of the true class" if normalize else "examples")
    top = float(shown.max()) or 1.0
    for i in range(k):
        for j in range(k):
            text = f"{counts[i, j]}" + (f"\n{shown[i, j]:.0%}" if normalize else "")
            ax.text(j, i, text, ha="center", va="center", fontsize=9 if k <= 10 else 6,
                    color="white" if shown[i, j] > 0.6 * top else "black")
    names = [str(v) for v in labels]
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0,
                  ha="right" if max(map(len, names)) > 3 else "center")
    ax.set_yticks(range(k), names)
    accuracy = np.trace(counts) / counts.sum()
    ax.set(xlabel="predicted class", ylabel="true class",
           title=f"{title} (accuracy {accuracy:.1%}, {counts.sum()} examples)")
    fig.tight_layout()
    return fig, counts


def plot_confusion_matrix(
    y_true: object,
    y_pred: object,
    path: str | Path,
    labels: Sequence | None = None,
    title: str = "Confusion matrix",
    normalize: bool = False,
    size: tuple[float, float] = (6.0, 5.0),
) -> Path:
    """Confusion matrix of class predictions, each cell annotated with its count, as a PNG.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels (numbers or strings).
    path : str or Path
        Output PNG of ``size`` inches at 100 pixels per inch (600 x 500 by
        default).
    labels : sequence, optional
        Classes in the order of the rows and columns; by default the sorted
        labels that occur in ``y_true`` or ``y_pred``.  Every label of
        ``y_true`` and ``y_pred`` must be one of them, and each only once.
    title : str
        The accuracy and number of examples are appended.
    normalize : bool, default False
        Colour by the fraction of each true class (row) and print it under
        the count.
    size : (width, height) in inches

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        If ``y_true`` and ``y_pred`` are not 1-D arrays of one length, or
        hold a class that is not in ``labels``, or ``labels`` repeats a class.
    """
    fig, _ = _confusion_figure(y_true, y_pred, labels, title, normalize, size)
    return _save(fig, path)
