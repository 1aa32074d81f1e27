"""``chainrule plot weights MODEL --tiles ufldl``: an autoencoder's filters drawn as
UFLDL's display_network draws them (the command drew each tile from its own minimum to
its maximum only), checked against display_network's scaling written in NumPy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr
from chainrule.cli import main


@pytest.fixture
def sae_file(tmp_path):
    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(30, 16))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cr.SparseAutoencoder(6, max_iter=5, random_state=0).fit(X).save(tmp_path / "sae.npz")
    return tmp_path / "sae.npz"


def _drawn_tiles(monkeypatch, argv):
    from chainrule import plots

    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    assert main(argv) == 0
    (fig,) = drawn
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    return [np.asarray(im.get_array()) for im in images], [im.get_clim() for im in images]


def test_plot_weights_tiles_ufldl_scales_as_display_network(sae_file, tmp_path, monkeypatch,
                                                            capsys):
    W = cr.load_autoencoder(sae_file).network_.layers[0].W  # (16 inputs, 6 units)
    tiles, clims = _drawn_tiles(monkeypatch, ["plot", "weights", str(sae_file), "--tiles",
                                              "ufldl", "-o", str(tmp_path / "u.png")])
    # display_network(W1'): A = A - mean(A(:)); each column shown over +-max(abs(column))
    A = W - W.mean()
    assert len(tiles) == 6
    for k in range(6):
        np.testing.assert_allclose(tiles[k], A[:, k].reshape(4, 4), rtol=1e-12, atol=1e-15)
        top = np.abs(A[:, k]).max()
        assert clims[k] == pytest.approx((-top, top), rel=1e-12)
    # the default is unchanged: each tile from its own minimum to its maximum
    tiles, clims = _drawn_tiles(monkeypatch, ["plot", "weights", str(sae_file), "-o",
                                              str(tmp_path / "e.png")])
    for k in range(6):
        np.testing.assert_allclose(tiles[k], W[:, k].reshape(4, 4), rtol=1e-12)
        assert clims[k] == pytest.approx((W[:, k].min(), W[:, k].max()), rel=1e-12)
    capsys.readouterr()


def test_tiles_is_refused_for_other_pictures(sae_file, capsys):
    assert main(["plot", "loss", str(sae_file), "--tiles", "ufldl"]) == 2
    assert "--tiles is for plot weights only" in capsys.readouterr().err
