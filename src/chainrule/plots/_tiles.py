"""Grids of small images: :func:`plot_tiles`, and a network's first-layer weights as tiles.

:func:`first_layer_tiles` reads the weights of the first Dense or Conv2D layer
as images, one tile per hidden unit (or kernel and input channel);
:func:`plot_first_layer` draws them with :func:`plot_tiles`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import plots  # plots._save, read when a picture is saved: it can be replaced there
from ._canvas import _check_axes, _closed_on_error, _done, _figure, _new_figure, _numbers, _root

__all__ = ["first_layer_tiles", "plot_first_layer", "plot_tiles"]


def plot_tiles(
    images: object,
    path: str | Path | None = None,
    title: str | None = None,
    ncols: int | None = None,
    normalize: str = "each",
    cmap: str = "gray",
    tile_inches: float = 0.8,
    *,
    ax: object = None,
) -> Path | object:
    """A grid of small grayscale images (weights of hidden units, kernels, patches), as a PNG
    or into a matplotlib Axes.

    Parameters
    ----------
    images : array-like of shape (n_tiles, height, width)
        One image per tile, e.g. ``W.T.reshape(-1, 8, 8)`` for the first-layer
        weights of a network on 8x8 images (``W`` of shape (64, n_hidden)).
    path : str or Path, optional
        Output file (PNG).  Alone, every tile is an Axes of its own, in a
        figure sized to the grid (and widened for the title).  With ``ax``,
        the file of ``ax``'s whole figure.  None: nothing is written, the Axes
        is returned.
    title : str, optional
        Over the grid: the new figure's title, or ``ax``'s.
    ncols : int, optional
        Tiles per row; by default about ``sqrt(n_tiles)``.
    normalize : {"each", "all", "ufldl"}, default "each"
        Scale each tile to its own range, its minimum black and its maximum
        white (shows the pattern of every unit at full contrast, but a weight of
        0 is another gray in each tile), all tiles to one common symmetric range
        (shows which units have larger weights), or as UFLDL's
        ``display_network`` draws its figures: the mean of all the tiles
        removed, then each tile divided by its largest absolute value and shown
        from -1 (black) to 1 (white), so that 0 is mid-gray in every tile and
        only its sign and relative size show.
    cmap : str, default "gray"
    tile_inches : float, default 0.8
        Size of one tile in a new figure; the picture is 100 pixels per inch,
        widened (tiles centred) where the title is wider than the grid.  With
        ``ax`` the Axes' size is the grid's.
    ax : matplotlib Axes, optional
        Draw the grid into this Axes (a subplot of the caller's figure, whose
        size, layout and backend stay the caller's) as one image, a montage:
        each tile scaled to [0, 1] by its range (``normalize``), the tiles
        ``max(1, round(0.1 * max(height, width)))`` pixels apart, the gaps and
        the empty places of the last row transparent (the Axes' background
        shows), the axis turned off.  With neither ``path`` nor ``ax``, that
        montage in the one Axes of a new pyplot figure of the grid's size
        (``plt.show()`` shows it).

    Returns
    -------
    Path or Axes
        The file written when ``path`` is given, else the Axes drawn into.

    Raises
    ------
    TypeError
        If ``ax`` is not a matplotlib Axes.
    ValueError
        If ``images`` is not a non-empty 3-D array of finite numbers, or an
        option is out of its range (naming it).
    """
    return _plot_tiles(images, path, title, ncols, normalize, cmap, tile_inches, ax)


def _plot_tiles(images: object, path: str | Path | None, title: str | None,
                ncols: int | None, normalize: str, cmap: str, tile_inches: float,
                ax: object, mean: float | None = None) -> Path | object:
    """:func:`plot_tiles`; ``mean``: what ``normalize="ufldl"`` subtracts (default: the
    mean of ``images``), the mean of all of a layer's units where only some are drawn."""
    tiles = _numbers(images, "images")
    if tiles.ndim != 3 or 0 in tiles.shape:
        raise ValueError(
            f"images must have shape (n_tiles, height, width) with n_tiles >= 1, "
            f"height >= 1 and width >= 1, got shape {tiles.shape}"
        )
    if not np.isfinite(tiles).all():
        raise ValueError("images contains NaN or infinite values")
    if normalize not in ("each", "all", "ufldl"):
        raise ValueError(f"normalize must be 'each', 'all' or 'ufldl', got {normalize!r}")
    from .._validation import check_positive_float

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
    elif normalize == "ufldl":  # display_network.m: A - mean(A(:)), each / max(abs(...))
        tiles = tiles - (tiles.mean() if mean is None else mean)
        limits = [(-top, top) for top in (float(np.max(np.abs(t))) or 1.0 for t in tiles)]
    else:
        limits = []
        for t in tiles:
            lo, hi = float(t.min()), float(t.max())
            limits.append((lo, hi) if hi > lo else (lo - 1.0, hi + 1.0))
    aspect = tiles.shape[1] / tiles.shape[2]
    header = 0.4 if title else 0.0
    if ax is not None or path is None:  # one image in one Axes: the caller's or a new one
        if ax is not None:
            _check_axes(ax, "ax")
        made = ax is None
        fig = (_new_figure((ncols * tile_inches, nrows * tile_inches * aspect + header), None)
               if made else _root(ax))
        with _closed_on_error(fig, made):
            if made:
                ax = fig.add_subplot()
            _draw_montage(ax, tiles, limits, ncols, cmap, title)
        return _done(fig, ax, path)
    fig = _figure((ncols * tile_inches, nrows * tile_inches * aspect + header))
    for i, (tile, (lo, hi)) in enumerate(zip(tiles, limits, strict=True)):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.imshow(tile, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_axis_off()
    width, side = ncols * tile_inches, 0.02
    if title:
        text = fig.suptitle(title)
        needed = text.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi + 0.2
        if needed > width:  # a narrow grid: widen the picture, tiles centred at their size
            side = ((needed - width) / 2 + 0.02 * width) / needed
            fig.set_size_inches(needed, fig.get_size_inches()[1])
    top_margin = 1 - header / (nrows * tile_inches * aspect + header) if title else 0.98
    fig.subplots_adjust(left=side, right=1 - side, bottom=0.02, top=top_margin,
                        wspace=0.08, hspace=0.08)
    return plots._save(fig, path)


def _draw_montage(ax, tiles: np.ndarray, limits: list[tuple[float, float]], ncols: int,
                  cmap: str, title: str | None) -> None:
    """The tiles as one image in ``ax``: each scaled by its ``limits`` to [0, 1], in
    rows of ``ncols``, with transparent gaps (NaN pixels) between them."""
    import matplotlib

    n, h, w = tiles.shape
    nrows = -(-n // ncols)
    gap = max(1, round(0.1 * max(h, w)))
    montage = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), np.nan)
    for i, (tile, (lo, hi)) in enumerate(zip(tiles, limits, strict=True)):
        r, c = divmod(i, ncols)
        montage[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = (
            (tile - lo) / (hi - lo))
    colours = matplotlib.colormaps.get_cmap(cmap).with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    ax.imshow(montage, cmap=colours, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)


def _first_weight_layer(model: object) -> object:
    """The first Dense or Conv2D layer of a Network (or of the one a model holds)."""
    from ..conv import Conv2D
    from ..layers import Dense
    from ..network import Network

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
    from ..conv import Conv2D

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
    path: str | Path | None = None,
    shape: tuple[int, int] | None = None,
    max_units: int | None = None,
    title: str | None = None,
    normalize: str = "each",
    tile_inches: float = 0.8,
    *,
    ax: object = None,
) -> Path | object:
    """First-layer weights as a grid of image tiles (what each hidden unit looks for), as a
    PNG or into a matplotlib Axes.

    Parameters
    ----------
    model : Network, or anything with a ``network_`` attribute
    path : str or Path, optional
        With ``ax``, the file of its whole figure; None: nothing is written
        (see :func:`plot_tiles`).  Alone, the output PNG:
        ``ncols`` x ``nrows`` tiles of ``tile_inches`` at 100 pixels per inch
        (``ncols = ceil(sqrt(n_tiles))``; for a Conv2D layer on C > 1 channels
        ``C * ceil(sqrt(n_units))``, so that a kernel's C tiles stand side by
        side in one row), plus 40 pixels for a title (and wider if the title
        is wider than the tiles).
    shape : (height, width), optional
        Image shape of the inputs; inferred for square inputs (64 -> 8 x 8).
    max_units : int, optional
        Draw only the first ``max_units`` units (a Conv2D layer's kernels, each
        drawn as one tile per input channel).
    title : str, optional
        Default: "first-layer weights (N units)" (", C input channels each"
        added for a Conv2D layer on images of C > 1 channels; "first N of M
        units" when ``max_units`` leaves some of the layer's M units out).
    normalize, tile_inches : see :func:`plot_tiles`.  ``"ufldl"`` removes the mean of
        all the layer's weights, as ``display_network(W1')``, the drawn units' or not.
    ax : matplotlib Axes, optional
        Draw the tiles into this Axes as one image (:func:`plot_tiles`' montage).

    Returns
    -------
    Path or Axes
        The file written when ``path`` is given, else the Axes drawn into.
    """
    tiles = first_layer_tiles(model, shape)
    # UFLDL's display_network(W1') removes the mean of every unit's weights, also where
    # only the first max_units are drawn (each tile's gray of 0 must not depend on them)
    mean = float(tiles.mean()) if normalize == "ufldl" else None
    # a Conv2D unit (kernel) is one tile per input channel, side by side in tiles
    per_unit = getattr(_first_weight_layer(model), "in_channels", 1)
    all_units = tiles.shape[0] // per_unit
    if max_units is not None:
        if (isinstance(max_units, bool) or not isinstance(max_units, (int, np.integer))
                or max_units < 1):
            raise ValueError(f"max_units must be a positive integer, got {max_units!r}")
        tiles = tiles[:max_units * per_unit]
    n_units = tiles.shape[0] // per_unit
    if title is None:
        each = f", {per_unit} input channels each" if per_unit > 1 else ""
        # fewer drawn than the layer has: say so, not pass the drawn ones off as the layer
        count = f"first {n_units} of {all_units}" if n_units < all_units else f"{n_units}"
        title = f"first-layer weights ({count} units{each})"
    # whole kernels per row: with sqrt(n_tiles) columns a kernel of 3 channels was split
    # over two rows (its tiles 4, 5 and 6 of 12 drawn at the end of one row and the start
    # of the next), and no tile said which kernel it belonged to
    ncols = per_unit * math.ceil(math.sqrt(n_units)) if per_unit > 1 else None
    return _plot_tiles(tiles, path, title, ncols, normalize, "gray", tile_inches, ax, mean)
