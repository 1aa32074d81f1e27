"""``chainrule plot pr``: its average precision and its curve rank the examples as
evaluate does, by the network's net input where the probabilities round to exactly 1.
The references: scikit-learn's ``precision_recall_curve`` and ``average_precision_score``
of the output unit's net input computed in NumPy in the test from the file's layers,
against those of the probabilities ``predict --proba`` writes (the old figure)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
)

from file_helpers import cli_out as _run
from file_helpers import cli_proba as _proba
from file_helpers import numpy_net_input
from pr_helpers import FAST, FEATURES
from pr_helpers import pr_data as _data
from pr_helpers import pr_lines as _lines


def _net_input(model, X: np.ndarray) -> np.ndarray:
    """The sigmoid output unit's net input z, in NumPy from the file's layers (ReLU hidden
    layer): what ranks the examples where sigmoid(z) rounds to 1."""
    return numpy_net_input(model, X)[:, 0]


def _confident(model) -> None:
    """The model file's parameters made 40 times as large: a model so confident that many
    probabilities round to exactly 1.0."""
    with np.load(model, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["params"] = arrays["params"] * 40.0
    with open(model, "wb") as fh:
        np.savez(fh, **arrays)


def test_a_confident_models_ap_is_evaluates(tmp_path, capsys, saved_figures, recwarn):
    y, _ = _data(tmp_path / "d.csv", flip=0.3)  # noisy labels: both classes at p = 1
    model = tmp_path / "m.npz"
    _run(capsys, ["train", tmp_path / "d.csv", "--target", "kind", *FEATURES, *FAST,
                  "-o", model])
    _confident(model)
    p = _proba(capsys, model, tmp_path / "d.csv", tmp_path / "p.csv", ["no", "yes"])[:, 1]
    X = pd.read_csv(tmp_path / "d.csv")[["a", "b", "c", "d"]].to_numpy()
    z = _net_input(model, X)
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), p, rtol=1e-12)  # the same network
    ones = p == 1.0
    assert ones.sum() > 5 and len(set(y[ones])) == 2  # ties of both classes at 1.0
    by_z, by_p = average_precision_score(y, z), average_precision_score(y, p)
    assert abs(by_z - by_p) > 5e-4  # the two old figures differ, to the legend's digits
    evaluate = json.loads(_run(capsys, ["evaluate", model, tmp_path / "d.csv", "--json"]))
    assert evaluate["average_precision"] == pytest.approx(by_z, abs=1e-12)
    _run(capsys, ["plot", "pr", model, tmp_path / "d.csv", "-o", tmp_path / "pr.png"])
    curve = _lines(saved_figures[0])["curve 0"]
    assert curve.get_label() == f"kind = yes: AP {by_z:.3f}"  # evaluate's figure
    precision, recall, _ = precision_recall_curve(y, z)  # ranked as evaluate ranks
    np.testing.assert_allclose(curve.get_xdata(), recall, rtol=1e-12)
    np.testing.assert_allclose(curve.get_ydata(), precision, rtol=1e-12)
