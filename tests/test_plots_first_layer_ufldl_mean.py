"""``plot_first_layer(..., max_units=k, normalize="ufldl")``: UFLDL's display_network(A)
subtracts mean(A(:)) of the matrix it is given, and the exercise gives it W1' (every
hidden unit); the mean removed was that of the k drawn tiles alone, so each tile's gray
of a weight of 0 changed with k.  The formula is written out with NumPy here."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import plots


def _agg():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 4), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _display_network(A: np.ndarray, k: int, h: int, w: int) -> list[np.ndarray]:
    """The first k patches of display_network(A) (A: one column per unit) in [0, 1]."""
    A = A - A.mean()  # A = A - mean(A(:)), over every column given
    out = []
    for j in range(k):
        patch = A[:, j] / np.max(np.abs(A[:, j]))  # clim = max(abs(A(:, j)))
        out.append((patch.reshape(h, w) + 1) / 2)  # imagesc(..., [-1 1]) as [0, 1]
    return out


def test_the_mean_removed_is_that_of_every_unit_of_the_layer():
    net = cr.mlp([4, 5, 1], seed=3)
    W = net.layers[0].W.copy()  # (4 inputs, 5 units): W1' of UFLDL, a column per unit
    W[:, 3:] += 2.0  # units left out with a mean far from the drawn ones'
    net.layers[0].W[...] = W
    assert abs(W[:, :2].mean() - W.mean()) > 0.5
    for k in (2, 5):
        fig = _agg()
        ax = fig.add_subplot()
        plots.plot_first_layer(net, shape=(2, 2), max_units=k, normalize="ufldl", ax=ax)
        got = np.ma.filled(ax.get_images()[0].get_array(), np.nan)
        places = [(0, 0), (0, 3), (0, 6), (3, 0), (3, 3)][:k] if k > 2 else [(0, 0), (0, 3)]
        for tile, (r, c) in zip(_display_network(W, k, 2, 2), places, strict=True):
            np.testing.assert_allclose(got[r:r + 2, c:c + 2], tile, rtol=0, atol=1e-12)
