"""``info`` of a CNN trained with ``train --init-from MODEL`` says its input shape came
from MODEL's network, not "given by --input-shape", which this run never typed (train
takes a network of images' shape from MODEL, and copied MODEL's record of its origin)."""

from __future__ import annotations

import numpy as np

from test_cli import run_main

LAYERS = '[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, {"type": "Flatten"}]'


def _shape_line(capsys, model: str) -> str:
    code, out, err = run_main(capsys, "info", model)
    assert code == 0, err
    return next(s for s in out.splitlines() if s.startswith("input shape "))


def test_info_names_init_from_as_the_origin_of_the_shape(tmp_path, capsys):
    rng = np.random.default_rng(0)
    flat = tmp_path / "rows.npz"  # flat rows: the shape given by --input-shape
    np.savez(flat, X=rng.normal(size=(24, 2 * 5 * 5)), y=np.arange(24) % 2)
    base, tuned = str(tmp_path / "base.npz"), str(tmp_path / "tuned.npz")
    code, _, err = run_main(capsys, "train", str(flat), "--layers", LAYERS, "--input-shape",
                            "2", "5", "5", "--epochs", "1", "-q", "-o", base)
    assert code == 0, err
    assert _shape_line(capsys, base) == "input shape 2 x 5 x 5 (C x H x W): given by --input-shape"
    code, _, err = run_main(capsys, "train", str(flat), "--init-from", base, "--epochs", "1",
                            "-q", "-o", tuned)
    assert code == 0, err
    assert _shape_line(capsys, tuned) == (
        f"input shape 2 x 5 x 5 (C x H x W): taken from the network of --init-from {base}")
