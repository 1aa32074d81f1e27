"""``chainrule train`` of a CSV file with ``--impute``, ``--sample-weight``, ``--dtype
float32`` and a categorical column, each alone, in pairs and all together: the model's
parameters are the library's :class:`chainrule.Trainer` run on the arrays prepared here
by hand, with NumPy (the training rows' weighted fill and weighted mean and standard
deviation, the one-hot columns left 0/1, the missing indicators after them), on
scikit-learn's ``train_test_split`` of the rows.  Equal to rounding: float64 to 1e-12,
float32 to 1e-5 (the statistics here are NumPy's, summed in another order).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import chainrule
from chainrule.cli import main
from chainrule.network import mlp
from chainrule.saved_model import SavedModel

N, FRACTION, SEED = 80, 0.25, 3
COLORS = ["red", "blue", "green"]
OPTIONS = ["--hidden", "5", "--epochs", "3", "--batch-size", "16", "--lr", "0.02",
           "--seed", str(SEED), "--val-fraction", str(FRACTION), "-q"]


def _frame() -> dict:
    """x1, x3 (gaps), color (gaps), x2, w (weights 0..3), y (yes/no); the gaps apart."""
    rng = np.random.default_rng(1)
    x1, x2 = rng.normal(2.0, 3.0, N), rng.normal(-1.0, 0.5, N)
    x3 = rng.integers(0, 4, N).astype(float)
    color = np.array([COLORS[i] for i in rng.integers(0, 3, N)])
    y = np.where(x1 + (color == "red") * 2 + x2 > 1.5, "yes", "no")
    w = rng.integers(0, 4, N).astype(float)
    w[:3] = 1.0
    gaps = rng.random((N, 3)) < [0.25, 0.2, 0.15]  # x1, color, x3
    return {"x1": x1, "color": color, "x2": x2, "x3": x3, "w": w, "y": y, "gaps": gaps}


_GAP = {"x1": 0, "color": 1, "x3": 2}


def _write(path, f: dict, impute: bool, weight: bool, cat: bool) -> list[str]:
    """The CSV file of the columns the combination takes; its feature columns."""
    features = ["x1", *(["color"] if cat else []), "x2", "x3"]
    cols = [*features, *(["w"] if weight else []), "y"]
    lines = [",".join(cols)]
    for i in range(N):
        cells = []
        for c in cols:
            if impute and c in _GAP and f["gaps"][i, _GAP[c]]:
                cells.append("NA" if c == "x3" else "")
            else:
                cells.append(str(f[c][i]) if c in ("color", "y") else repr(float(f[c][i])))
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return features


def _prepared(f: dict, features: list[str], impute: bool, w: np.ndarray, tr: np.ndarray,
              dtype, indicator: bool, strategy: str) -> np.ndarray:
    """The standardised features of every row, by hand."""
    cols, numeric, indicators = [], [], []
    for c in features:
        gap = f["gaps"][:, _GAP[c]] if impute and c in _GAP else np.zeros(N, dtype=bool)
        g, wt = gap[tr], w[tr]
        if c == "color":
            values = f["color"].astype(object)
            if gap.any():  # the training rows' category of the largest weight
                seen = sorted(set(values[tr][~g]))
                totals = [wt[~g][values[tr][~g] == k].sum() for k in seen]
                values = np.where(gap, seen[int(np.argmax(totals))], values)
            for k in sorted(set(f["color"][~gap])):
                cols.append((values == k).astype(dtype))
                numeric.append(False)
        else:
            v = f[c].astype(dtype)
            if gap.any():
                observed = v[tr][~g].astype(np.float64)
                fill = (np.average(observed, weights=wt[~g]) if strategy == "mean" else
                        np.quantile(np.repeat(observed, wt[~g].astype(int)), 0.5,
                                    method="averaged_inverted_cdf"))
                v[gap] = fill
            cols.append(v)
            numeric.append(True)
        if indicator and g.any():
            indicators.append(gap.astype(dtype))
    X = np.column_stack(cols + indicators)
    for j in np.flatnonzero(numeric):
        v = X[tr, j].astype(np.float64)
        mean = np.average(v, weights=w[tr])
        std = np.sqrt(np.average((v - mean) ** 2, weights=w[tr]))
        X[:, j] = (X[:, j] - dtype(mean)) / dtype(std)
    return X


def _check(tmp_path, impute: bool, weight: bool, cat: bool, f32: bool,
           indicator: bool = False, strategy: str = "mean") -> None:
    f = _frame()
    path = tmp_path / "d.csv"
    features = _write(path, f, impute, weight, cat)
    out = tmp_path / "m.npz"
    argv = ["train", str(path), "--target", "y", *OPTIONS, "-o", str(out)]
    argv += (["--impute", strategy] if impute else []) + (
        ["--missing-indicator"] if indicator else []) + (
        ["--sample-weight", "w"] if weight else []) + (
        ["--categorical", "color"] if cat else []) + (["--dtype", "float32"] if f32 else [])
    assert main(argv) == 0
    model = SavedModel.load(out)
    y = (f["y"] == "yes").astype(int)
    tr, va = train_test_split(np.arange(N), test_size=math.ceil(FRACTION * N),
                              random_state=SEED, stratify=y)
    w = f["w"] if weight else np.ones(N)
    dtype = np.float32 if f32 else np.float64
    X = _prepared(f, features, impute, w, tr, dtype, indicator, strategy)
    T = y.astype(np.float64)[:, None]
    net = mlp([X.shape[1], 5, 1], hidden="relu", output="sigmoid", loss="log_loss",
              seed=SEED)
    net = net.astype("float32") if f32 else net
    trainer = chainrule.Trainer(net, optimizer="adam", lr=0.02, batch_size=16, epochs=3,
                                seed=SEED)
    trainer.fit(X[tr], T[tr], validation_data=(X[va], T[va], w[va]),
                sample_weight=w[tr] if weight else None)
    assert model.network.params.dtype == dtype
    np.testing.assert_allclose(model.network.params, net.params, rtol=0,
                               atol=1e-5 if f32 else 1e-12)


@pytest.mark.parametrize(("impute", "weight", "cat", "f32"),
                         list(itertools.product([False, True], repeat=4)))
def test_every_combination_is_the_librarys_run(tmp_path, capsys, impute, weight, cat, f32):
    _check(tmp_path, impute, weight, cat, f32)


@pytest.mark.parametrize(("weight", "f32"), list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize(("indicator", "strategy"), [(True, "mean"), (False, "median")])
def test_indicators_and_the_median_with_categories(tmp_path, capsys, weight, f32,
                                                    indicator, strategy):
    _check(tmp_path, True, weight, True, f32, indicator, strategy)
