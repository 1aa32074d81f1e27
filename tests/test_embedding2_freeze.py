"""``chainrule train --freeze`` of an Embedding layer's table (pretrained embeddings kept
fixed): ``--freeze 0`` and ``--freeze 0:W`` of a ``--layers`` network, and of one
fine-tuned from a model (``--init-from``).  The references: the same command with another
learning rate (the table may not move, the Dense layers do) and the model started from."""

from __future__ import annotations

import json

import numpy as np

import chainrule as cr
from file_helpers import cli_fails, cli_out
from test_embedding2_train import LAYERS, token_csv


def _train(capsys, data, model, *extra):
    cli_out(capsys, ["train", data, "--target", "y", "--layers", json.dumps(LAYERS),
                     "--epochs", 3, "--seed", 0, "-o", model, *extra])
    return cr.load_model(model).network


def test_freeze_keeps_the_table_and_trains_the_rest(tmp_path, capsys):
    _, _, data = token_csv(tmp_path / "tokens.csv")
    slow = _train(capsys, data, tmp_path / "a.npz", "--freeze", "0", "--lr", "0.01")
    fast = _train(capsys, data, tmp_path / "b.npz", "--freeze", "0:W", "--lr", "0.5")
    free = _train(capsys, data, tmp_path / "c.npz", "--lr", "0.5")
    # the same seed draws the same initial table: frozen, it is that table, bit for bit,
    # whatever the rate; trained (no --freeze), it moves
    np.testing.assert_array_equal(slow.layers[0].W, fast.layers[0].W)
    assert not slow.layers[0].trainable and not fast.layers[0].trainable  # 0:W is "0"
    assert np.abs(free.layers[0].W - fast.layers[0].W).max() > 1e-3
    assert np.abs(slow.layers[1].W - fast.layers[1].W).max() > 1e-3  # the Dense trains


def test_fine_tuning_keeps_a_pretrained_table(tmp_path, capsys):
    _, _, data = token_csv(tmp_path / "tokens.csv")
    pretrained = _train(capsys, data, tmp_path / "pre.npz", "--lr", "0.5")
    cli_out(capsys, ["train", data, "--target", "y", "--init-from", tmp_path / "pre.npz",
                     "--freeze", "0", "--epochs", 2, "--lr", "0.5", "-o", tmp_path / "ft.npz"])
    tuned = cr.load_model(tmp_path / "ft.npz").network
    np.testing.assert_array_equal(tuned.layers[0].W, pretrained.layers[0].W)
    assert np.abs(tuned.layers[1].W - pretrained.layers[1].W).max() > 1e-4


def test_a_name_the_embedding_lacks_is_refused_naming_its_w(tmp_path, capsys):
    _, _, data = token_csv(tmp_path / "tokens.csv")
    err = cli_fails(capsys, ["train", data, "--target", "y", "--layers", json.dumps(LAYERS),
                             "--freeze", "0:b", "-o", tmp_path / "m.npz"])
    assert "layer 0 (Embedding) has the parameters W, not 'b'" in err
