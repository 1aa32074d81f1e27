"""``chainrule importance`` of a model whose first layer is an Embedding (robust27).

Its columns are indices into the layer's table; ``importance`` shuffles each whole column
among the rows (every shuffled value still an index some row holds), the model taking
the raw indices (train records no scaling of them).  Its numbers equal a permutation
importance written here in plain NumPy, with scikit-learn's draws.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule.io as cr_io
from chainrule.cli import main
from test_robust27_embedding_data_options import LAYERS, data  # noqa: F401  (a fixture)


def test_importance_of_an_embedding_model_is_numpys_permutation_importance(data, capsys):  # noqa: F811
    folder, X, y = data
    assert main(["train", str(folder / "full.csv"), "--target", "next", "--layers", LAYERS,
                 "--epochs", "40", "-q", "-o", str(folder / "imp.npz")]) == 0
    capsys.readouterr()
    assert main(["importance", str(folder / "imp.npz"), str(folder / "full.csv"), "--json",
                 "--repeats", "4", "--seed", "7"]) == 0
    result = json.loads(capsys.readouterr().out)
    net = cr_io.load(folder / "imp.npz")  # its inputs the raw indices (no x_mean)

    def accuracy(Z):
        return float(np.mean(np.argmax(net.predict(Z), axis=1) == y))

    # plain NumPy, scikit-learn's draws (permutation_importance's random_state=7): one
    # seed below 2**31, each column a RandomState of it shuffling a row index per repeat
    column_seed = np.random.RandomState(7).randint(2**31)
    baseline = accuracy(X)
    expected = {}
    for j, name in enumerate(["c0", "c1", "c2"]):
        rng, order, Z, drops = np.random.RandomState(column_seed), np.arange(len(y)), X.copy(), []
        for _ in range(4):
            rng.shuffle(order)
            Z[:, j] = Z[order, j]
            drops.append(baseline - accuracy(Z))
        expected[name] = (np.mean(drops), np.std(drops))
    assert result["baseline"] == pytest.approx(baseline, abs=1e-12)
    rows = {row["feature"]: row for row in result["features"]}
    assert sorted(rows) == ["c0", "c1", "c2"]
    for name, (mean, std) in expected.items():
        assert rows[name]["importance_mean"] == pytest.approx(mean, abs=1e-12)
        assert rows[name]["importance_std"] == pytest.approx(std, abs=1e-12)
    assert max(m for m, _ in expected.values()) > 0.05  # the shuffles change the score
