"""``chainrule plot`` (and ``train --plot``): what the picture says is what it draws; the
numbers drawn are read back from the matplotlib Figure, captured where it is saved."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.io import load_metadata


@pytest.mark.parametrize(("val_fraction", "title"), [
    ("0", "Training cost on moons (mean log_loss)"),
    ("0.2", "Training and validation cost on moons (mean log_loss)")])
def test_loss_title_names_a_validation_curve_only_when_one_is_drawn(tmp_path, saved_figures,
                                                                    val_fraction, title):
    """A run of --val-fraction 0 has no validation loss: its curve was titled 'Training
    and validation cost' over a training curve alone."""
    model = tmp_path / "m.npz"
    assert main(["train", "moons", "--hidden", "4", "--epochs", "3", "-q", "--val-fraction",
                 val_fraction, "-o", str(model), "--plot", str(tmp_path / "t.png")]) == 0
    assert main(["plot", "loss", str(model), "-o", str(tmp_path / "p.png")]) == 0
    history = load_metadata(model)["history"]
    for fig in saved_figures:  # train --plot, then plot loss
        ax = fig.axes[0]
        assert ax.get_title() == title
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_allclose(lines["training loss"].get_ydata(), history["loss"])
        assert ("validation loss" in lines) == (val_fraction != "0")
    assert len(saved_figures) == 2


@pytest.mark.parametrize("seed", ["3", "0"])
@pytest.mark.parametrize("kind", ["loss", "weights"])
def test_plot_refuses_seed_where_no_data_is_generated(tmp_path, capsys, kind, seed):
    """--seed (of a generated DATA set) was taken and ignored by plot loss and plot weights,
    while the description says an option of another kind of picture is refused; --seed 0
    too (0 == False: it was taken for an option not given)."""
    model = tmp_path / "m.npz"
    assert main(["train", "digits", "--hidden", "4", "--epochs", "1", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["plot", kind, str(model), "--seed", seed, "-o", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert (f"plot {kind}: --seed is for plot regions, confusion, predicted, pr and "
            "calibration only") in err
    assert not (tmp_path / "p.png").exists()


def test_plot_regions_seed_draws_the_moons_of_that_seed(tmp_path, saved_figures):
    """--seed 5 draws make_moons(200, noise=0.2, random_state=5); no --seed, seed 0."""
    from sklearn.datasets import make_moons

    model = tmp_path / "m.npz"
    assert main(["train", "moons", "--hidden", "4", "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    for seed in (None, 5):
        more = [] if seed is None else ["--seed", str(seed)]
        assert main(["plot", "regions", str(model), "moons", *more,
                     "-o", str(tmp_path / "r.png")]) == 0
        X, y = make_moons(200, noise=0.2, random_state=seed or 0)
        points = [c for c in saved_figures[-1].axes[0].collections if c.get_label() in ("0", "1")]
        for c in points:
            np.testing.assert_allclose(np.sort(c.get_offsets()[:, 0]),
                                       np.sort(X[y == int(c.get_label()), 0]))


def test_commands_that_draw_nothing_import_no_matplotlib(tmp_path):
    """matplotlib is imported when a picture is drawn: train (without --plot), info,
    evaluate, predict, gradcheck and trace (without --plot) load none of it."""
    import subprocess
    import sys

    code = f"""
import sys
from chainrule.cli import main
d = {str(tmp_path)!r}
runs = [["train", "moons", "--hidden", "3", "--epochs", "2", "-q", "-o", d + "/m.npz"],
        ["info", d + "/m.npz"], ["evaluate", d + "/m.npz", "moons"],
        ["predict", d + "/m.npz", "moons", "-o", d + "/p.csv"], ["gradcheck"], ["trace"]]
for argv in runs:
    assert main(argv) == 0, argv
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
print("matplotlib modules:", len(loaded), loaded[:3])
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "matplotlib modules: 0 []" in proc.stdout


def test_plot_regions_of_too_many_classes_speaks_of_the_command(tmp_path, capsys):
    """12 classes on 2 features: the refusal named the library's 'panels[0]', which the
    command has none of, and said nothing of where the classes come from."""
    rng = np.random.default_rng(0)
    k = np.arange(240) % 12
    X = np.column_stack([np.cos(k * 0.5), np.sin(k * 0.5)]) * 3 + rng.normal(size=(240, 2)) * 0.1
    rows = "\n".join(f"{a:.6f},{b:.6f},c{c}" for (a, b), c in zip(X, k, strict=True))
    (tmp_path / "d.csv").write_text("a,b,cls\n" + rows + "\n")
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--hidden", "16", "--epochs", "30", "-q",
                 "--lr", "0.05", "-o", str(model)]) == 0
    capsys.readouterr()
    out = tmp_path / "r.png"
    assert main(["plot", "regions", str(model), str(tmp_path / "d.csv"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "plot regions: 12 classes (those of y and those the model predicts" in err
    assert "at most 10 can be drawn" in err and "panels[" not in err
    assert not out.exists()
