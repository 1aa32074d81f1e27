"""The command line, run for real in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from chainrule.plots import plot_loss


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )


def test_demo_prints_test_accuracy_and_writes_png(tmp_path):
    png = tmp_path / "loss.png"
    proc = run("--plot", str(png), "--quiet")
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"test accuracy: ([\d.]+)%", proc.stdout)
    assert m, proc.stdout
    assert float(m.group(1)) >= 97.0
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_accepts_other_architectures(tmp_path):
    proc = run("demo", "--hidden", "32", "16", "--epochs", "3", "--plot",
               str(tmp_path / "a.png"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "Dense(32, 16" in proc.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--epochs", "0"], "epochs"),
        (["--activation", "nope"], "unknown activation"),
        (["--lr", "-1"], "lr"),
        (["--optimizer", "sgdx"], "unknown optimizer"),
    ],
)
def test_bad_options_give_one_line_error(args, words, tmp_path):
    proc = run(*args, "--plot", str(tmp_path / "x.png"), "-q")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("chainrule: error:") and words in last


def test_gradcheck_command_passes_and_reports():
    proc = run("gradcheck", "--sizes", "3", "4", "2", "--activation", "tanh",
               "--output", "sigmoid")
    assert proc.returncode == 0, proc.stderr
    rel = float(re.search(r"relative difference ([\d.e+-]+)", proc.stdout).group(1))
    assert rel < 1e-7


def test_plot_loss_writes_png_of_expected_size(tmp_path):
    import matplotlib.image

    history = {"loss": list(np.linspace(1, 0.1, 20)), "val_loss": list(np.linspace(1, 0.3, 20))}
    path = plot_loss(history, tmp_path / "sub" / "loss.png")
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (500, 800)
    assert image.std() > 0  # not a blank canvas


def test_plot_loss_refuses_empty_history(tmp_path):
    with pytest.raises(ValueError, match="history"):
        plot_loss({"loss": []}, tmp_path / "x.png")


def test_plot_tiles_writes_grid_png_of_expected_size(tmp_path):
    import matplotlib.image as mpimg

    from chainrule.plots import plot_tiles

    rng = np.random.default_rng(0)
    path = plot_tiles(rng.normal(size=(25, 8, 8)), tmp_path / "tiles.png", title="25 units")
    img = mpimg.imread(path)
    # 5 x 5 tiles of 0.8 inch at 100 dpi, plus 0.4 inch for the title
    assert img.shape[:2] == (5 * 80 + 40, 5 * 80)
    assert img.std() > 0.05  # not a blank picture


@pytest.mark.parametrize("bad, what", [
    (np.zeros((4, 4)), "shape"),
    (np.zeros((0, 4, 4)), "shape"),
    (np.full((2, 3, 3), np.nan), "NaN"),
])
def test_plot_tiles_refuses_bad_images(tmp_path, bad, what):
    from chainrule.plots import plot_tiles

    with pytest.raises(ValueError, match=what):
        plot_tiles(bad, tmp_path / "x.png")
