"""``chainrule tune`` of a network given by ``--layers``: the best line and ``-o``'s refit.

The best ``train`` line wrote a ``--layers`` list of several dicts as the dicts joined by
commas without the list's brackets (``{...},{...}``), which train's parser refuses as
JSON, so ``-o``'s refit of a CNN search failed with exit 2 after the whole search.
"""

from __future__ import annotations

import json
import shlex

from chainrule.cli import main
from chainrule.io import load

CNN = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
       {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]
SMALL = ["--epochs", "1", "--folds", "2", "--seed", "0", "-q"]


def _layers_of(command: str | list) -> list:
    words = shlex.split(command) if isinstance(command, str) else command
    return json.loads(words[words.index("--layers") + 1])


def test_the_best_line_of_a_cnn_search_gives_the_layers_list_back(tmp_path, capsys):
    out = tmp_path / "best.npz"
    assert main(["tune", "digits", "--input-shape", "1", "8", "8", "--layers",
                 json.dumps(CNN), *SMALL, "--json", "--grid", "lr=0.01,0.03",
                 "-o", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert _layers_of(result["best_command"]) == CNN
    # the refit is the best line's train run: a conv, a pool, a flatten and the output
    net = load(out)
    assert [type(layer).__name__ for layer in net.layers] == [
        "Conv2D", "MaxPool2D", "Flatten", "Dense"]
    assert net.layers[0].W.shape == (2, 1, 3, 3)


def test_layers_varied_in_the_grid_refit_the_best_list(tmp_path, capsys):
    wide = [{"type": "Dense", "fan_out": 6, "activation": "tanh"},
            {"type": "Dense", "fan_out": 3}]
    narrow = [{"type": "Dense", "fan_out": 2}, {"type": "Dropout", "rate": 0.1}]
    out = tmp_path / "best.npz"
    grid = "layers=" + json.dumps(wide) + "|" + json.dumps(narrow)
    assert main(["tune", "iris", *SMALL, "--json", "--grid", grid, "-o", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    best = result["results"][result["best_index"]]
    assert _layers_of(best["train"]) == _layers_of(result["best_command"])
    chosen = _layers_of(result["best_command"])
    widths = [layer["fan_out"] for layer in chosen if layer["type"] == "Dense"]
    net = load(out)
    assert [layer.W.shape[1] for layer in net.layers if hasattr(layer, "W")] == [*widths, 3]
    # every combination's own train line reads back as its list, too
    for row in result["results"]:
        assert _layers_of(row["train"]) in (wide, narrow)
