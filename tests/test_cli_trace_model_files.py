"""``chainrule trace --network`` given a model file (an .npz archive), a CNN's included."""

from __future__ import annotations

import json

import pytest

from chainrule.cli import main

CNN = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
       {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]


@pytest.mark.parametrize("architecture", [["--input-shape", "1", "8", "8", "--layers",
                                           json.dumps(CNN)], ["--hidden", "3"]],
                         ids=["cnn", "mlp"])
def test_a_model_file_is_refused_as_an_archive_not_as_text_to_re_encode(
        tmp_path, capsys, architecture):
    """trace --network cnn.npz said "cnn.npz: not UTF-8 text (byte 0xbe at offset 14
    cannot be decoded); save the network description as UTF-8", as if the model file
    were a description saved in another encoding."""
    model = tmp_path / "model.npz"
    assert main(["train", "digits", *architecture, "--epochs", "1", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    out = tmp_path / "trace.txt"
    code = main(["trace", "--network", str(model), "--input", "1", "--target", "1",
                 "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"chainrule: error: {model}: a NumPy .npz archive (such as a "
                          "chainrule model file), not a network description")
    assert "to_transfer_matrices()" in err and "UTF-8" not in err
    assert "Traceback" not in err and not out.exists()
