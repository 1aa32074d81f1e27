"""Pictures, written as PNG files.  matplotlib is imported only when a picture is drawn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
