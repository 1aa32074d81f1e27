"""``chainrule plot`` (and ``train --plot``): what the picture says is what it draws; the
numbers drawn are read back from the matplotlib Figure, captured where it is saved."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import plots
from chainrule.cli import main
from chainrule.io import load_metadata


@pytest.fixture
def drawn(monkeypatch):
    """The Figures saved while the test runs, in order."""
    figures = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or save(fig, path))
    return figures


@pytest.mark.parametrize(("val_fraction", "title"), [
    ("0", "Training cost on moons (mean log_loss)"),
    ("0.2", "Training and validation cost on moons (mean log_loss)")])
def test_loss_title_names_a_validation_curve_only_when_one_is_drawn(tmp_path, drawn,
                                                                    val_fraction, title):
    """A run of --val-fraction 0 has no validation loss: its curve was titled 'Training
    and validation cost' over a training curve alone."""
    model = tmp_path / "m.npz"
    assert main(["train", "moons", "--hidden", "4", "--epochs", "3", "-q", "--val-fraction",
                 val_fraction, "-o", str(model), "--plot", str(tmp_path / "t.png")]) == 0
    assert main(["plot", "loss", str(model), "-o", str(tmp_path / "p.png")]) == 0
    history = load_metadata(model)["history"]
    for fig in drawn:  # train --plot, then plot loss
        ax = fig.axes[0]
        assert ax.get_title() == title
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_allclose(lines["training loss"].get_ydata(), history["loss"])
        assert ("validation loss" in lines) == (val_fraction != "0")
    assert len(drawn) == 2
