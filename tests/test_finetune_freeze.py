"""``--freeze`` with negative indices (from the end, as Python's ``net.layers[-1]``)."""

from __future__ import annotations

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

