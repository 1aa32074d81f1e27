"""train's closing line after a blown-up run: scikit-learn's clipped log loss beside the
epoch lines' exact cross-entropy is said to be clipped, and the unclipped one is given,
checked against a NumPy forward pass of the saved weights."""

from __future__ import annotations

import re

import numpy as np
from scipy.special import log_softmax
from sklearn.datasets import load_iris
from sklearn.metrics import log_loss

from chainrule.saved_model import load_model
from test_cli import run_main


def _exact_and_clipped(model, X, y):
    """Mean cross-entropy of the model's softmax on raw ``X``, unclipped and as
    scikit-learn's log_loss clips it, from the weights by NumPy alone."""
    meta = model.metadata
    a = (X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])
    hidden, out = model.network.layers
    a = np.maximum(a @ hidden.W + hidden.b, 0.0)
    logp = log_softmax(a @ out.W + out.b, axis=1)
    exact = -logp[np.arange(len(y)), y].mean()
    return exact, log_loss(y, np.exp(logp), labels=[0, 1, 2])


def test_blown_up_run_says_its_log_loss_is_clipped(tmp_path, capsys):
    path = tmp_path / "m.npz"
    code, out, err = run_main(capsys, "train", "iris", "--optimizer", "adam", "--lr", "1e6",
                              "--epochs", "10", "--val-fraction", "0", "-q", "-o", str(path))
    assert code == 0, err
    line = next(s for s in out.splitlines() if s.startswith("trained "))
    X, y = load_iris(return_X_y=True)
    exact, clipped = _exact_and_clipped(load_model(path), X, y)
    assert exact > 1e3 * clipped  # the run blew up: the clipping matters
    m = re.search(r"log loss ([\d.e+-]+) \(scikit-learn's, each probability clipped at "
                  r"2.2e-16; unclipped, the epoch lines' measure: ([\d.e+-]+)\)", line)
    assert m, line
    assert float(m.group(1)) == float(f"{clipped:.4g}")
    assert float(m.group(2)) == float(f"{exact:.4g}")


def test_validation_part_agrees_with_last_val_loss(tmp_path, capsys):
    path = tmp_path / "m.npz"
    code, out, err = run_main(capsys, "train", "iris", "--optimizer", "adam", "--lr", "1e6",
                              "--epochs", "10", "-o", str(path))
    assert code == 0, err
    val_loss = float(re.findall(r"val_loss ([\d.e+-]+)", err + out)[-1])
    line = next(s for s in out.splitlines() if s.startswith("trained "))
    m = re.search(r"validation .*epoch lines' measure: ([\d.e+-]+)\)", line)
    assert m, line
    assert np.isclose(float(m.group(1)), val_loss, rtol=1e-3)


def test_ordinary_run_says_nothing_more(capsys, tmp_path):
    code, out, err = run_main(capsys, "train", "iris", "--epochs", "5", "-q",
                              "-o", str(tmp_path / "m.npz"))
    assert code == 0, err
    assert "clipped" not in out


def test_float32_clipping_of_right_answers_says_nothing(tmp_path, capsys):
    """float32 clips a sure right answer's probability at 1 - 1.2e-7, which moves a tiny
    log loss in its 4th digit: no blow-up, nothing to say."""
    from sklearn.datasets import load_wine

    path = tmp_path / "m.npz"
    code, out, err = run_main(capsys, "train", "wine", "--dtype", "float32", "-q",
                              "--val-fraction", "0", "--seed", "1", "-o", str(path))
    assert code == 0, err
    X, y = load_wine(return_X_y=True)
    model = load_model(path)
    meta = model.metadata
    a = ((X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])).astype(np.float32)
    hidden, last = model.network.layers
    logp = log_softmax(np.maximum(a @ hidden.W + hidden.b, 0) @ last.W + last.b, axis=1)
    exact = -logp[np.arange(len(y)), y].astype(np.float64).mean()
    clipped = log_loss(y, np.exp(logp), labels=[0, 1, 2])
    # (here 0.0001763 and 0.0001764: the clipping shows in the 4th digit)
    assert exact != clipped and abs(exact - clipped) < 1e-2 * exact
    assert "clipped" not in out
