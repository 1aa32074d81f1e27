"""The files of the command-line tests on NPZ images (test_cli_images_npz,
test_cli_images_layout): a small CNN of layer dicts and the digits' flat rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

# a 3x3 convolution (padding 1) + ReLU, 2x2 max-pooling and flatten, on (1, 8, 8) images
CNN = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1,
        "activation": "relu"},
       {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]


def write_flat_digits(d: Path) -> tuple[np.ndarray, np.ndarray]:
    """Write the first 200 digits' rows (200, 64), scaled to [0, 1], and classes (200,) to
    ``d / "flat.npz"`` (arrays ``X``, ``y``) and ``CNN`` to ``d / "cnn.json"``; return
    ``X, y``."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:200] / 16.0, y[:200]
    np.savez(d / "flat.npz", X=X, y=y)
    (d / "cnn.json").write_text(json.dumps(CNN))
    return X, y
