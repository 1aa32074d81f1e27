"""``chainrule trace --network``: a description without ``input`` or ``target``, given
by ``--input`` and ``--target``.

The description was checked for its required keys before the options were put over it:
``--network net.json --input 1 1 --target 290 14`` was refused with "missing required
key(s) ['input', 'target'] (on the command line: --input, --target)", the options the
command line held.  The numbers are the SPEC's worked example B, by hand: the second
layer's new weights o1 = [70, 154] and o2 = [-31, -72].
"""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

from chainrule.cli import main

NET_B = {"weights": [[[0, 0], [1, 2], [1, 1]], [[0, 0], [2, 1], [1, 0]]], "biases": False,
         "activation": "square", "lr": 0.5}
NEW_B = [[0, 0], [70, -31], [154, -72]]


@pytest.mark.parametrize("source", ["file", "inline", "stdin"])
def test_options_give_the_keys_the_network_leaves_out(source, tmp_path, monkeypatch, capsys):
    text = json.dumps(NET_B)
    network = {"file": str(tmp_path / "b.json"), "inline": text, "stdin": "-"}[source]
    (tmp_path / "b.json").write_text(text)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()),
                                                       encoding="utf-8"))
    assert main(["trace", "--network", network, "--input", "1", "1", "--target", "290",
                 "14", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)["layers"][1]
    np.testing.assert_array_equal(out["matrices"][0]["new"], NEW_B)


def test_a_key_neither_gives_is_still_refused_by_name(tmp_path, capsys):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(NET_B))
    assert main(["trace", "--network", str(path), "--input", "1", "1"]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {path}: missing required key(s) ['target'] (on the command "
        "line: --target)\n")
