"""``chainrule trace --network -``: the JSON description of the network on standard input.

``--network -`` was taken for a file named "-" ("neither a preset, inline JSON nor an
existing file"); ``cat net.json | chainrule trace --network -`` now traces what the
file traces.  The numbers are the SPEC's worked example B, by hand: with square units,
no biases and learning rate 0.5, the second layer's new weights are o1 = [70, 154]
and o2 = [-31, -72].
"""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

from chainrule.cli import main

SPEC_B = {"weights": [[[0, 0], [1, 2], [1, 1]], [[0, 0], [2, 1], [1, 0]]], "biases": False,
          "activation": "square", "input": [1, 1], "target": [290, 14], "lr": 0.5}


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_trace_reads_the_network_from_standard_input(tmp_path, monkeypatch, capsys):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(SPEC_B))
    assert main(["trace", "--network", str(path), "--format", "json"]) == 0
    by_path = capsys.readouterr().out
    _stdin(monkeypatch, b"\xef\xbb\xbf" + json.dumps(SPEC_B).encode())  # a BOM: UTF-8 too
    assert main(["trace", "--network", "-", "--format", "json"]) == 0
    piped = capsys.readouterr().out
    assert piped == by_path
    out = json.loads(piped)["layers"][1]
    np.testing.assert_array_equal(out["matrices"][0]["new"], [[0, 0], [70, -31], [154, -72]])


def test_trace_network_from_standard_input_takes_the_options_over_it(monkeypatch, capsys):
    """--lr overrides the piped description as it does a file's: at lr 0.25 the step of
    the second layer is half the SPEC's step at lr 0.5 (the same gradient)."""
    _stdin(monkeypatch, json.dumps(SPEC_B).encode())
    assert main(["trace", "--network", "-", "--format", "json", "--lr", "0.25"]) == 0
    new = np.array(json.loads(capsys.readouterr().out)["layers"][1]["matrices"][0]["new"])
    old = np.array(SPEC_B["weights"][1], dtype=float)
    # the gradient of example B's second layer, from its update at lr 0.5
    grad = (old - np.array([[0, 0], [70, -31], [154, -72]])) / 0.5
    np.testing.assert_allclose(new, old - 0.25 * grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "--network - (standard input): empty; expected a JSON network description"),
    (b'{"weights": 1', "--network - (standard input): not valid JSON: "),
    (b"[1, 2]", "--network - (standard input): expected a mapping of keys to values, got "
     "list"),
    (b'{"weights": [[[1], [2]]], "input": [1], "target": [1], "lr": 1, "lr": 2}',
     "--network - (standard input): the key 'lr' is given twice"),
    (b'{"weights": [[[1], [2]]], "input": [1, 2], "target": [1]}',
     "--network - (standard input): input: the network has 1 input(s)"),
    (b'{"weights": [[[1], [2]]], "input": [1], "target": [1]}\xff',
     "--network - (standard input): not UTF-8 text"),
])
def test_trace_refuses_bad_standard_input_by_name(monkeypatch, capsys, data, words):
    _stdin(monkeypatch, data)
    assert main(["trace", "--network", "-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"chainrule: error: {words}")


def test_a_yaml_description_piped_is_told_where_yaml_is_read(monkeypatch, capsys):
    """--network - reads JSON only (YAML is known by a file's suffix).  A YAML description
    piped was refused as "not valid JSON: Expecting value: line 1 column 1 (char 0)",
    without the way to give it that the empty-input message gives; JSON that is broken
    is not told about YAML."""
    _stdin(monkeypatch, b"weights:\n  - [[1], [2]]\ninput: [1]\ntarget: [1]\n")
    assert main(["trace", "--network", "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --network - (standard input): not valid JSON: "
                          "Expecting value: line 1 column 1 (char 0)")
    assert err.rstrip().endswith("(a YAML description: give its file's path)")
    _stdin(monkeypatch, b'  {"weights": 1')
    assert main(["trace", "--network", "-"]) == 2
    assert "YAML" not in capsys.readouterr().err
