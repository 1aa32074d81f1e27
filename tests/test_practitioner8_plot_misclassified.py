"""plot misclassified MODEL DATA: the images of DATA a model of images gets wrong, each
titled with its row, true and predicted class, drawn from DATA's own pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule import plots
from chainrule.cli import main
from chainrule.saved_model import load_model

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
          {"type": "Flatten"}]
NAMES = np.array(["ant", "bee", "cat"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("mis")
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, size=(40, 3, 5, 4)).astype(np.uint8)  # colour, uint8 pixels
    y = NAMES[np.arange(40) % 3]
    np.savez(d / "img.npz", X=X, y=y)
    (d / "l.json").write_text(json.dumps(LAYERS))
    assert main(["train", str(d / "img.npz"), "--layers", str(d / "l.json"), "--epochs", "2",
                 "-q", "-o", str(d / "m.npz")]) == 0
    return d, X, y


def _drawn(monkeypatch):
    figs = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figs.append(fig) or save(fig, path))
    return figs


def test_draws_the_wrong_rows_with_their_classes_and_pixels(trained, monkeypatch, capsys):
    d, X, y = trained
    figs = _drawn(monkeypatch)
    out = d / "mis.png"
    code = main(["plot", "misclassified", str(d / "m.npz"), str(d / "img.npz"),
                 "--max-images", "5", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.stat().st_size > 0
    pred = load_model(d / "m.npz").predict(X)
    wrong = np.flatnonzero(pred != y)  # the reference: the rows whose class is not y's
    assert len(wrong) > 5
    axes = figs[0].axes
    assert [a.get_title() for a in axes] == [f"#{i}: {y[i]} -> {pred[i]}" for i in wrong[:5]]
    assert f"{len(wrong)} of 40 examples (first 5 shown)" in figs[0]._suptitle.get_text()
    for ax, i in zip(axes, wrong[:5], strict=True):  # DATA's pixels, in colour, (H, W, 3)
        img = np.moveaxis(X[i].astype(float), 0, -1)
        np.testing.assert_allclose(ax.images[0].get_array(),
                                   (img - img.min()) / (img.max() - img.min()), atol=1e-12)


def test_a_model_of_flat_features_and_another_kinds_option_are_refused(trained, capsys):
    d, X, y = trained
    # flat rows: an MLP trained on the images themselves records their shape and draws
    # them (tests/test_practitioner15_plot_mlp_images.py)
    np.savez(d / "rows.npz", X=X.reshape(len(X), -1), y=y)
    assert main(["train", str(d / "rows.npz"), "--hidden", "3", "--epochs", "1", "-q",
                 "-o", str(d / "mlp.npz")]) == 0
    capsys.readouterr()
    code = main(["plot", "misclassified", str(d / "mlp.npz"), str(d / "rows.npz"),
                 "-o", str(d / "x.png")])
    assert code == 2
    assert "takes 60 features, not images" in capsys.readouterr().err
    code = main(["plot", "confusion", str(d / "m.npz"), str(d / "img.npz"), "--max-images", "3",
                 "-o", str(d / "x.png")])
    assert code == 2
    assert "--max-images is for plot misclassified only" in capsys.readouterr().err
    assert not (d / "x.png").exists()
