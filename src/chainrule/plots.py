"""Pictures, written as PNG files.  matplotlib is imported only when a picture is drawn."""

from __future__ import annotations

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
        E.g. the :class:`~chainrule.training.History` returned by ``train``.
    path : str or Path
        Output file (PNG), 800 x 500 pixels.
    title : str
    log_scale : bool, optional
        Logarithmic loss axis; by default when the loss spans more than two decades.

    Returns
    -------
    Path
        The file written.
    """
    loss = list(history.get("loss", []))
    if not loss:
        raise ValueError("history has no 'loss' values to plot")
    val = list(history.get("val_loss", []))
    fig = _figure((8, 5))
    ax = fig.add_subplot()
    epochs = range(1, len(loss) + 1)
    ax.plot(epochs, loss, label="training loss", color="tab:blue")
    if val:
        ax.plot(range(1, len(val) + 1), val, label="validation loss", color="tab:orange")
        best = min(range(len(val)), key=val.__getitem__)
        ax.axvline(best + 1, color="tab:orange", ls=":", lw=1,
                   label=f"best validation (epoch {best + 1})")
    values = [v for v in loss + val if v > 0]
    if log_scale is None:
        log_scale = bool(values) and max(values) / min(values) > 100
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


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
        Size of one tile; the picture is 100 pixels per inch.

    Returns
    -------
    Path
        The file written.
    """
    tiles = np.asarray(images, dtype=np.float64)
    if tiles.ndim != 3 or tiles.shape[0] == 0:
        raise ValueError(
            f"images must have shape (n_tiles, height, width) with n_tiles >= 1, "
            f"got shape {tiles.shape}"
        )
    if not np.isfinite(tiles).all():
        raise ValueError("images contains NaN or infinite values")
    if normalize not in ("each", "all"):
        raise ValueError(f"normalize must be 'each' or 'all', got {normalize!r}")
    n = tiles.shape[0]
    if ncols is None:
        ncols = int(np.ceil(np.sqrt(n)))
    if not isinstance(ncols, (int, np.integer)) or ncols < 1:
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
    if title:
        fig.suptitle(title)
    top_margin = 1 - header / (nrows * tile_inches * aspect + header) if title else 0.98
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=top_margin,
                        wspace=0.08, hspace=0.08)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


# --- pictures of the teaching experiments ----------------------------------------------------
__all__ += ["Panel", "plot_decision_regions", "plot_model_selection", "plot_panels"]


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
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
    fig = _figure((panel_inches[0] * len(panels), panel_inches[1] + (0.4 if title else 0)))
    for i, p in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for label, (x, y) in p.points.items():
            ax.scatter(x, y, s=14, color="black", alpha=0.7, label=label, zorder=3)
        for label, data in p.lines.items():
            if isinstance(data, tuple):
                x, y = data
            else:
                y = data
                x = np.arange(1, len(y) + 1)
            ax.plot(x, y, label=label, marker="o" if len(y) <= 12 else None, markersize=4)
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


def plot_decision_regions(
    panels: Sequence[tuple[str, object, object, object]],
    path: str | Path,
    resolution: int = 200,
    title: str | None = None,
) -> Path:
    """Decision regions of 2-D classifiers, one panel each, with their data points.

    Parameters
    ----------
    panels : sequence of (title, predict, X, y)
        ``predict`` maps an array of shape (n, 2) to labels or scores of shape
        (n,) (thresholded at 0.5); ``X`` of shape (n_samples, 2), ``y`` of
        shape (n_samples,) with two classes.
    path : str or Path
    resolution : int, default 200
        Grid points per axis.
    title : str, optional

    Returns
    -------
    Path
    """
    panels = list(panels)
    if not panels:
        raise ValueError("panels is empty; give at least one (title, predict, X, y)")
    fig = _figure((4.0 * len(panels), 4.0 + (0.3 if title else 0)))
    for i, (name, predict, X, y) in enumerate(panels):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y).ravel()
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"panels[{i}]: X must have shape (n_samples, 2), got {X.shape}")
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.25 * np.maximum(hi - lo, 1e-9)
        gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                             np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        z = np.asarray(predict(grid), dtype=np.float64).reshape(gx.shape)
        cls = z > 0.5 if set(np.unique(y)) <= {0, 1} else z > 0
        ax = fig.add_subplot(1, len(panels), i + 1)
        ax.contourf(gx, gy, cls.astype(float), levels=[-0.5, 0.5, 1.5],
                    colors=["#f4c7a1", "#a9cbe8"], alpha=0.8)
        positive = y > (0.5 if set(np.unique(y)) <= {0, 1} else 0)
        ax.scatter(*X[~positive].T, marker="o", color="tab:orange", edgecolor="k", label="class 0")
        ax.scatter(*X[positive].T, marker="s", color="tab:blue", edgecolor="k", label="class 1")
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
    path : str or Path
    train_errors : array-like of shape (n_sizes, n_starts), optional
        The best training error per size is drawn as a line.
    best : (M, error), optional
        The chosen run, marked with a star.
    title : str

    Returns
    -------
    Path
    """
    M = np.asarray(hidden_units, dtype=np.float64)
    V = np.asarray(val_errors, dtype=np.float64)
    if V.ndim != 2 or V.shape[0] != M.shape[0]:
        raise ValueError(
            f"val_errors must have shape (n_sizes, n_starts) = ({M.shape[0]}, ...), got {V.shape}"
        )
    fig = _figure((7.0, 4.5))
    ax = fig.add_subplot()
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, size=V.shape)
    finite = np.isfinite(V)
    # linear scale up to a little above the bulk of the runs; the rare runs far above
    # (a start stuck in a wild local minimum) are drawn as triangles on the top edge
    top = 1.6 * float(np.nanmax(np.nanpercentile(np.where(finite, V, np.nan), 75, axis=1)))
    inside = finite & (V <= top)
    ax.scatter((M[:, None] + jitter)[inside], V[inside], s=12, alpha=0.6, color="tab:blue",
               label=f"validation error ({V.shape[1]} starts per size)")
    above = ~inside
    if above.any():
        ax.scatter((M[:, None] + jitter)[above], np.full(int(above.sum()), top), marker="^",
                   s=18, color="tab:blue", alpha=0.6, clip_on=False,
                   label=f"{int(above.sum())} run(s) above {top:.3g}")
    ax.plot(M, np.nanmin(np.where(finite, V, np.nan), axis=1), color="tab:blue", lw=1,
            label="best start per size")
    if train_errors is not None:
        T = np.asarray(train_errors, dtype=np.float64)
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
