"""``--freeze`` with negative indices (from the end, as Python's ``net.layers[-1]``), and
tune's ``--grid freeze=...`` value that freezes several things (its entries separated by
spaces, as ``--grid 'hidden=64 32|128'`` gives one value several widths)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata


def _data(tmp_path):
    rng = np.random.default_rng(4)
    X = np.round(rng.normal(size=(40, 3)), 6)
    y = np.round(np.tanh(X @ [1.0, -2.0, 0.5]), 6)
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,y\n" + "\n".join(",".join(f"{v:.6f}" for v in (*x, t))
                                            for x, t in zip(X, y, strict=True)) + "\n")
    return str(path), X, y


_RUN = ["--hidden", "5", "4", "--activation", "tanh", "--optimizer", "sgd", "--lr", "0.05",
        "--batch-size", "8", "--epochs", "3", "--val-fraction", "0", "--scale", "none",
        "--seed", "2", "-q"]


def test_negative_indices_count_from_the_end_as_python(tmp_path):
    data, X, y = _data(tmp_path)
    out = str(tmp_path / "m.npz")
    assert main(["train", data, *_RUN, "--freeze", "-1,-2:b", "-o", out]) == 0
    net = cr.mlp([3, 5, 4, 1], hidden="tanh", output="identity", seed=2)
    net.layers[-1].trainable = False  # Python's negative indices: the reference
    net.layers[-2].frozen = {"b"}
    cr.train(net, X, y[:, None], optimizer="sgd", lr=0.05, momentum=0.9, batch_size=8,
             epochs=3, seed=2)
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=0,
                               atol=1e-12)
    assert load_metadata(out)["training"]["freeze"] == ["1:b", "2"]  # resolved, >= 0


@pytest.mark.parametrize("spec", ["-4", "-4:b"])
def test_a_negative_index_past_the_first_layer_is_refused_before_the_data(tmp_path, capsys,
                                                                          spec):
    missing = str(tmp_path / "nowhere.csv")
    assert main(["train", missing, *_RUN, "--freeze", spec]) == 2
    err = capsys.readouterr().err
    assert (f"--freeze {spec}: the network has 3 layers, 0 to 2 (0 Dense: W, b; 1 Dense: W, "
            "b; 2 Dense (output): W, b), or -3 to -1 counted from the end") in err
    assert "nowhere" not in err


def _json(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_a_grid_value_of_several_entries_freezes_them_all(tmp_path, capsys):
    data, _, _ = _data(tmp_path)
    run = ["--hidden", "4", "--epochs", "2", "--folds", "2", "-q", "--json"]
    tuned = _json(capsys, ["tune", data, *run, "--grid", "freeze=0:b 1:W,1"])
    assert tuned["combinations"] == 2
    assert [r["params"] for r in tuned["results"]] == [{"freeze": "0:b 1:W"}, {"freeze": "1"}]
    # the reference: cv of each freeze given whole, on the same folds
    for result, spec in zip(tuned["results"], ["0:b,1:W", "1"], strict=True):
        cv = _json(capsys, ["cv", data, *run, "--freeze", spec])
        assert result["per_fold"] == cv["per_fold"]
        assert "--freeze" in result["train"] and spec in result["train"]
    alone = _json(capsys, ["cv", data, *run, "--freeze", "0:b"])
    assert alone["per_fold"] != tuned["results"][0]["per_fold"]


def test_tune_refits_a_freeze_of_several_entries(tmp_path, capsys):
    data, _, _ = _data(tmp_path)
    out = str(tmp_path / "t.npz")
    assert main(["tune", data, "--hidden", "4", "--epochs", "2", "--folds", "2", "-q",
                 "--freeze", "0:b,1:W", "--grid", "lr=0.01,0.1", "-o", out]) == 0
    said = capsys.readouterr().out
    assert "--freeze 0:b,1:W" in said  # one word, which train reads back
    assert load_metadata(out)["training"]["freeze"] == ["0:b", "1:W"]
