"""Plain ``chainrule info MODEL`` shows the training rows' range that train records and
predict checks its data against (before, only ``info --json`` had it): the first four
features' (or each channel's) smallest and largest value, the rest counted.  The
figures are pandas' and NumPy's min and max of the rows, computed here."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chainrule import Dense, Network
from test_cli import run_main

HEAD = ("training range (smallest to largest value of the training rows, as predict "
        "takes them): ")


def _line(out: str) -> str | None:
    lines = [line for line in out.splitlines() if line.startswith("training range")]
    assert len(lines) <= 1, lines
    return lines[0] if lines else None


def test_info_prints_the_first_features_range_and_counts_the_rest(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"alpha": rng.normal(3, 2, 80), "beta": rng.uniform(0, 50, 80),
                          "gamma": rng.choice(["x", "y"], 80),
                          "delta": rng.normal(size=80), "eps": rng.normal(size=80)})
    frame["y"] = frame["alpha"] + frame["beta"] / 10 + rng.normal(0, 0.1, 80)
    frame.loc[[3, 7], "delta"] = np.nan
    frame.to_csv(tmp_path / "d.csv", index=False)
    model = str(tmp_path / "m.npz")
    code, _, err = run_main(capsys, "train", str(tmp_path / "d.csv"), "--target", "y",
                            "--hidden", "2", "--epochs", "1", "--val-fraction", "0",
                            "--impute", "mean", "--missing-indicator", "-q", "-o", model)
    assert code == 0, err
    code, out, err = run_main(capsys, "info", model)
    assert code == 0, err
    a, b = frame["alpha"], frame["beta"]
    # gamma's one-hot features in its place, 0/1; delta, eps and the indicator counted
    assert _line(out) == (
        HEAD + f"alpha {a.min():.4g} to {a.max():.4g}, beta {b.min():.4g} to {b.max():.4g}, "
        "gamma=x 0 to 1, gamma=y 0 to 1, ... (7 inputs: 6 features and 1 missing indicator; "
        "info --json: x_range; predict warns of data on another scale)"), out


def test_info_of_images_shows_each_channel_and_a_file_without_the_record_nothing(
        tmp_path, capsys):
    rng = np.random.default_rng(1)
    images = rng.uniform(0, 1, (30, 2, 3, 3)) * np.array([1.0, 255.0])[None, :, None, None]
    np.savez(tmp_path / "img.npz", X=images, y=np.arange(30) % 2)
    model = str(tmp_path / "m.npz")
    code, _, err = run_main(capsys, "train", str(tmp_path / "img.npz"), "--hidden", "2",
                            "--epochs", "1", "--val-fraction", "0", "-q", "-o", model)
    assert code == 0, err
    code, out, err = run_main(capsys, "info", model)
    low, high = images.min(axis=(0, 2, 3)), images.max(axis=(0, 2, 3))
    assert _line(out) == (HEAD + f"channel 0 {low[0]:.4g} to {high[0]:.4g}, channel 1 "
                          f"{low[1]:.4g} to {high[1]:.4g} (2 channels; info --json: x_range;"
                          " predict warns of data on another scale)"), out
    Network([Dense(3, 1, "identity", seed=0)]).save(tmp_path / "net.npz")
    code, out, err = run_main(capsys, "info", str(tmp_path / "net.npz"))
    assert code == 0 and _line(out) is None, (out, err)
