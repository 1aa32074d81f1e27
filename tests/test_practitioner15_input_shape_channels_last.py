"""``train --input-shape 1 8 8`` of colour images saved channels last, (n, 8, 8, 3).

The refusal said to "leave --input-shape out to take theirs", and left out, the same
file was refused again as saved channels last.  Now the first refusal says so at once:
the transpose and the --input-shape of the transposed images.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

FLAT = json.dumps([{"type": "Flatten"}])


@pytest.mark.parametrize("command", ["train", "cv"])
def test_colour_images_saved_channels_last_are_named_at_once(tmp_path, capsys, command):
    X = np.random.default_rng(0).normal(size=(30, 8, 8, 3))  # (n, H, W, C)
    np.savez(tmp_path / "rgb.npz", X=X, y=np.arange(30) % 2)
    _n, c, h, w = np.moveaxis(X, -1, 1).shape  # what the advice should give
    extra = ["-o", str(tmp_path / "m.npz")] if command == "train" else []
    assert main([command, str(tmp_path / "rgb.npz"), "--input-shape", "1", "8", "8",
                 "--layers", FLAT, "-q", *extra]) == 2
    err = capsys.readouterr().err
    assert "save X = np.moveaxis(X, -1, 1), of shape n x 3 x 8 x 8" in err
    assert err.rstrip().endswith(f"and give --input-shape {c} {h} {w} or none")
    assert "leave --input-shape out" not in err


def test_images_of_another_size_still_say_to_leave_it_out(tmp_path, capsys):
    np.savez(tmp_path / "g.npz", X=np.zeros((30, 1, 8, 8)), y=np.arange(30) % 2)
    assert main(["train", str(tmp_path / "g.npz"), "--input-shape", "1", "4", "16",
                 "--layers", FLAT, "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert capsys.readouterr().err.rstrip().endswith("leave --input-shape out to take theirs")
