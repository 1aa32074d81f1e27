"""``plot_tiles`` / ``plot_first_layer`` with ``ax=``: the grid drawn as one image (a
montage) into one Axes of the caller's, as the other pictures draw into theirs.

The montage's pixels are the tiles scaled to [0, 1] by their range, written out with
NumPy here, with NaN (transparent) gaps and empty places; the path alone still writes
one Axes per tile (tests/test_plots.py's); a wrong ``ax`` is refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import plots


def _agg(figsize=(10, 4)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


TILES = np.stack([np.arange(6.0).reshape(2, 3), np.full((2, 3), 7.0), -np.eye(2, 3)])


def _expected(each: bool) -> np.ndarray:
    """The montage of TILES in 2 columns: 2 rows of 2 x 3 tiles, 1 pixel apart (0.1 * 3
    rounds to 0: at least 1), each tile scaled to [0, 1] by its range ("each": its own
    min and max, a constant tile by its value -1 and +1; "all": -7 to 7)."""
    out = np.full((2 * 2 + 1, 2 * 3 + 1), np.nan)
    scaled = []
    for t in TILES:
        lo, hi = (t.min(), t.max()) if each else (-7.0, 7.0)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        scaled.append((t - lo) / (hi - lo))
    out[0:2, 0:3], out[0:2, 4:7], out[3:5, 0:3] = scaled
    return out


@pytest.mark.parametrize("normalize", ["each", "all"])
def test_ax_draws_the_tiles_as_one_montage(tmp_path, monkeypatch, normalize):
    monkeypatch.chdir(tmp_path)
    fig = _agg()
    left, right = fig.subplots(1, 2)
    assert plots.plot_tiles(TILES, ncols=2, normalize=normalize, title="three",
                            ax=left) is left
    (image,) = left.get_images()
    np.testing.assert_allclose(np.ma.filled(image.get_array(), np.nan),
                               _expected(normalize == "each"), rtol=0, atol=1e-15)
    assert image.get_clim() == (0.0, 1.0) and image.cmap(np.nan)[3] == 0  # gaps: clear
    assert left.get_title() == "three" and not left.axison
    assert not (right.images or right.lines) and list(tmp_path.iterdir()) == []
    # the colours are the ones each tile's own Axes gets in the file (path alone)
    saved = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: saved.append(fig) or path)
    plots.plot_tiles(TILES, "t.png", ncols=2, normalize=normalize)
    colours = image.to_rgba(image.get_array(), bytes=True)
    for own, (r, c) in zip(saved[0].axes, [(0, 0), (0, 4), (3, 0)], strict=True):
        (tile,) = own.get_images()
        np.testing.assert_array_equal(colours[r:r + 2, c:c + 3],
                                      tile.to_rgba(tile.get_array(), bytes=True))


def test_path_and_ax_save_the_callers_figure_and_neither_makes_a_pyplot_one(tmp_path,
                                                                         monkeypatch):
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    fig = _agg((8, 3))
    left, _right = fig.subplots(1, 2)
    assert plots.plot_tiles(TILES, tmp_path / "both.png", ax=left) == tmp_path / "both.png"
    fig.savefig(tmp_path / "again.png")
    np.testing.assert_array_equal(mpimg.imread(tmp_path / "both.png"),
                                  mpimg.imread(tmp_path / "again.png"))
    monkeypatch.chdir(tmp_path)
    before = plt.get_fignums()
    ax = plots.plot_tiles(TILES, ncols=3, tile_inches=0.5)
    try:
        assert ax.figure.number not in before and ax.figure.axes == [ax]
        np.testing.assert_allclose(ax.figure.get_size_inches(), [3 * 0.5, 0.5 * 2 / 3])
        assert ax.get_images()[0].get_array().shape == (2, 3 * 3 + 2)
    finally:
        plt.close(ax.figure)


def test_plot_first_layer_draws_its_tiles_into_ax():
    """A 4-input Dense layer of 3 units on 2 x 2 images: the montage holds W's columns,
    each scaled by its range (W read from the network, the scaling written out here)."""
    net = cr.mlp([4, 3, 1], seed=0)
    W = net.layers[0].W
    fig = _agg()
    ax = fig.add_subplot()
    assert plots.plot_first_layer(net, shape=(2, 2), ax=ax) is ax
    (image,) = ax.get_images()
    got = np.ma.filled(image.get_array(), np.nan)
    assert got.shape == (2 * 2 + 1, 2 * 2 + 1)  # 2 columns (ceil sqrt 3), 1-pixel gaps
    for i, (r, c) in enumerate([(0, 0), (0, 3), (3, 0)]):
        tile = W[:, i].reshape(2, 2)
        np.testing.assert_allclose(got[r:r + 2, c:c + 2],
                                   (tile - tile.min()) / (tile.max() - tile.min()), atol=1e-15)
    assert np.isnan(got[3:5, 3:5]).all()  # the empty fourth place
    assert ax.get_title() == "first-layer weights (3 units)"


@pytest.mark.parametrize("ax", ["left", 3])
def test_an_ax_that_is_no_axes_is_refused_by_name(ax, tmp_path):
    with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes"):
        plots.plot_tiles(TILES, tmp_path / "x.png", ax=ax)
    assert not (tmp_path / "x.png").exists()


def test_ufldl_normalisation_draws_the_tiles_as_display_network_does():
    """UFLDL's display_network.m (A = A - mean(A(:)); each patch divided by its largest
    absolute value; imagesc(..., [-1 1])), written out here: 0 is mid-gray in every tile.
    "each" had claimed to draw "as in the UFLDL figures" while it stretches each tile's
    own minimum to black and maximum to white, so that the weights of 0 of the pen-stroke
    filters (MNIST's empty border) came out a different gray in each tile."""
    fig = _agg()
    ax = fig.subplots()
    tiles = np.stack([np.array([[0.0, 0.5, 2.0], [0.0, 0.0, 1.0]]),
                      np.array([[-3.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
                      np.full((2, 3), 0.25)])
    plots.plot_tiles(tiles, ncols=2, normalize="ufldl", ax=ax)
    (image,) = ax.get_images()
    A = tiles.reshape(3, 6).T  # display_network's A: one column per patch
    A = A - A.mean()
    expected = np.full((5, 7), np.nan)
    for k, (r, c) in enumerate([(0, 0), (0, 4), (3, 0)]):
        patch = A[:, k] / np.max(np.abs(A[:, k]))  # in [-1, 1]
        expected[r:r + 2, c:c + 3] = (patch.reshape(2, 3) + 1) / 2  # [-1, 1] -> [0, 1]
    np.testing.assert_allclose(np.ma.filled(image.get_array(), np.nan), expected,
                               rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match=r"^normalize must be 'each', 'all' or 'ufldl', got"):
        plots.plot_tiles(tiles, ncols=2, normalize="max", ax=ax)
