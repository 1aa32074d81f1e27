"""``chainrule train GAPS --init-from PLAIN --impute mean``, PLAIN a model trained without
``--impute``: DATA's missing cells are filled with DATA's own statistics (PLAIN records
none), which train says; ``--missing-indicator`` is refused with its own reason (PLAIN's
network has no input for the indicators). The reference is pandas' mean of DATA and
``chainrule.train`` of PLAIN's network on the rows encoded by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

import chainrule as cr
from chainrule.cli import main
from finetune_tables import colour_table

_MODEL = ["--hidden", "3", "--epochs", "2", "--val-fraction", "0", "--seed", "1", "-q"]
_FINE = ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--batch-size", "8",
         "--epochs", "3", "--val-fraction", "0", "--seed", "7"]


def _table(path, n, seed, gaps):
    return colour_table(path, n, ["red", "green", "blue"], seed, (4, 1) if gaps else None,
                        loc=0.5)


def test_gaps_are_filled_with_datas_own_statistics_and_said(tmp_path, capsys):
    plain = _table(tmp_path / "plain.csv", 40, 1, gaps=False)
    gaps = _table(tmp_path / "gaps.csv", 24, 2, gaps=True)
    model, out = str(tmp_path / "P.npz"), str(tmp_path / "F.npz")
    assert main(["train", plain, *_MODEL, "-o", model]) == 0
    capsys.readouterr()
    assert main(["train", gaps, "--init-from", model, "--impute", "mean", *_FINE,
                 "-o", out]) == 0
    printed = capsys.readouterr().out
    assert (f"the fill values are {gaps}'s own (the model of --init-from {model} was "
            "trained without --impute and records none)") in printed
    dp, dg = pd.read_csv(plain), pd.read_csv(gaps)
    assert dg["x"].isna().sum() == 6
    x = dg["x"].fillna(dg["x"].mean())  # DATA's own mean: the model has none
    X = np.column_stack([((x - dp["x"].mean()) / dp["x"].std(ddof=0)).to_numpy(),
                         pd.get_dummies(pd.Categorical(dg["colour"], categories=[
                             "blue", "green", "red"])).to_numpy(float)])
    t = (dg["y"] - dp["y"].mean()) / dp["y"].std(ddof=0)  # the model's target scaling
    net = cr.load_model(model).network
    cr.train(net, X, t.to_numpy()[:, None], optimizer="sgd", lr=0.05, momentum=0.9,
             batch_size=8, epochs=3, seed=7)
    fine = cr.load_model(out)
    np.testing.assert_allclose(fine.network.params, net.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fine.metadata["impute"]["fill"]["x"], dg["x"].mean(),
                               rtol=1e-12)


def test_missing_indicator_is_refused_for_a_model_without_impute(tmp_path, capsys):
    plain = _table(tmp_path / "plain.csv", 40, 1, gaps=False)
    gaps = _table(tmp_path / "gaps.csv", 24, 2, gaps=True)
    model = str(tmp_path / "P.npz")
    assert main(["train", plain, *_MODEL, "-o", model]) == 0
    capsys.readouterr()
    assert main(["train", gaps, "--init-from", model, "--impute", "mean",
                 "--missing-indicator", "-q", "-o", str(tmp_path / "F.npz")]) == 2
    err = capsys.readouterr().err
    assert (f"--missing-indicator: the model of --init-from {model} was trained without "
            "--impute, so its network has no input for missing indicators") in err
    assert "number of inputs" not in err
    assert not (tmp_path / "F.npz").exists()
