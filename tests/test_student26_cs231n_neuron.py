"""cs231n's "Backpropagation, intuitions" notes (examples/cs231n_neuron.py): the circuit
f(x, y, z) = (x + y) z at -2, 5, -4 and the sigmoid neuron w = [2, -3, -3], x = [-1, -2],
traced by chainrule.

References: the notes at cs231n.github.io/optimization-2/ (the circuit's values in the
comments of its code: q 3, f -12, df/dz 3, df/dq -4, df/dx = df/dy = -4; the neuron's
0.73, "(1 - 0.73) * 0.73 ~= 0.2" and its diagram's gradients w0 -0.20, x0 0.39, w1 -0.39,
x1 -0.59, w2 0.20); and the notes' own backward pass of the neuron written here in plain
Python (``dot``, ``f = 1 / (1 + exp(-dot))``, ``ddot = (1 - f) f``, ``dx = w ddot``, ``dw
= x ddot``).
"""

from __future__ import annotations

import json
import math
import runpy
from pathlib import Path

import numpy as np
import pytest

from chainrule.cli import main as cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cs231n_neuron.py"


@pytest.fixture(scope="module")
def ex() -> dict:
    return runpy.run_path(str(EXAMPLE))


def notes_neuron() -> dict[str, object]:
    """The notes' forward and backward pass of the neuron, in plain Python."""
    w, x = [2.0, -3.0, -3.0], [-1.0, -2.0]
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1 + math.exp(-dot))
    ddot = (1 - f) * f
    return {"dot": dot, "f": f, "ddot": ddot, "dx": [w[0] * ddot, w[1] * ddot],
            "dw": [x[0] * ddot, x[1] * ddot, 1.0 * ddot]}


def test_neuron_equals_the_notes_backward_pass(ex: dict) -> None:
    _, got = ex["neuron"]()
    ref = notes_neuron()
    for name, value in ref.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-15, atol=1e-16, err_msg=name)
    # the figures the notes print: 0.73, ~0.2, dw [-0.20, -0.39, 0.20], dx [0.39, -0.59]
    assert round(got["f"], 2) == 0.73 and round(got["ddot"], 1) == 0.2
    assert np.round(got["dw"], 2).tolist() == [-0.20, -0.39, 0.20]
    assert np.round(got["dx"], 2).tolist() == [0.39, -0.59]


def test_circuit_gives_the_notes_values_exactly(ex: dict) -> None:
    _, got = ex["circuit"]()
    x, y, z = -2.0, 5.0, -4.0
    q = x + y
    assert got == {"q": q, "f": q * z, "df/dz": q, "df/dq": z, "df/dx": z, "df/dy": z}
    assert got == {"q": 3.0, "f": -12.0, "df/dz": 3.0, "df/dq": -4.0, "df/dx": -4.0,
                   "df/dy": -4.0}


def test_the_trace_prints_every_number_of_the_neuron(capsys) -> None:
    assert cli(["trace", "--weights", "[[[-3],[2],[-3]]]", "--activation", "sigmoid",
                "--loss", "mean_absolute_error", "--input", "-1", "-2", "--target", "0",
                "--notation", "netout"]) == 0
    out = capsys.readouterr().out
    assert "= 2*(-1) + (-3)*(-2) + (-3)*1 = 1" in out
    assert "out_o1 = sigmoid(net_o1) = 0.731059" in out
    assert "dE/dout_o1 = 1/K sign(out_o1 - t_o1) = 1" in out
    assert "dout_o1/dnet_o1 = out_o1 (1 - out_o1) = 0.196612" in out
    assert "dE/dw(i1->o1) = delta_o1*out_i1 = 0.196612*(-1) = -0.196612" in out
    assert "dE/dw(i2->o1) = delta_o1*out_i2 = 0.196612*(-2) = -0.393224" in out


def test_the_trace_json_of_the_circuit(capsys) -> None:
    assert cli(["trace", "--weights", "[[[0],[1],[1]],[[0],[-4]]]", "--activation", "identity",
                "--loss", "mean_absolute_error", "--input", "-2", "5", "--target", "-13",
                "--notation", "netout", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    nodes = {n["name"]: n for n in d["nodes"]}
    grads = {w["name"]: w["gradient"] for w in d["weights"]}
    assert nodes["h1"]["out"] == 3.0 and nodes["o1"]["out"] == -12.0
    assert nodes["o1"]["delta"] == 1.0  # dE/df = 1: the gradients of E are those of f
    assert grads["w(h1->o1)"] == 3.0 and nodes["h1"]["dE_dout"] == -4.0


def test_example_runs(ex: dict, tmp_path: Path, monkeypatch, capsys) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr("sys.argv", ["x", "--out", str(tmp_path / "n.png")])
    results = ex["main"]()
    assert all(ok for rows in results.values() for *_, ok in rows.values())
    assert (tmp_path / "n.png").stat().st_size > 0
    assert "outside the notes' rounding" not in capsys.readouterr().out
