"""``chainrule info --json`` of model files not written by ``chainrule train``: an
estimator's save records how its inputs are taken, as train's model files do.

Run in-process through ``chainrule.cli.main``; the references are the estimator's own
predictions, computed here.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
from sklearn.datasets import load_diabetes

import chainrule as cr
from chainrule.cli import main


def test_info_json_of_an_estimators_file_says_its_scaling(tmp_path, capsys):
    """``info --json`` of a train model has ``scaling``; of an ``MLPRegressor.save`` it had
    none. The estimator takes its inputs and gives its outputs as they are: its network
    on the raw rows is its ``predict``, so the record is inputs "none", target False."""
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:60], y[:60]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    assert main(["info", "--json", str(tmp_path / "est.npz")]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["scaling"] == {"inputs": "none", "target": False}
    # what "none" and False claim: the file's network on the rows as given is predict's
    from chainrule._cli_models_show import _load_any

    net = _load_any(str(tmp_path / "est.npz")).network
    np.testing.assert_allclose(net.predict(X).ravel(), est.predict(X), rtol=1e-12)
    # the same keys as a train model's record
    assert main(["train", "iris", "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["info", "--json", str(tmp_path / "m.npz")]) == 0
    trained = json.loads(capsys.readouterr().out)["scaling"]
    assert set(trained) == set(info["scaling"])
