"""examples/cs231n_circuits.py: cs231n's two hand-worked circuits as graphs of scalars
(chainrule.scalar) give the notes' figures and the network trace's numbers (student35).

Reference: cs231n's "Backpropagation, intuitions" (cs231n.github.io/optimization-2/): the
circuit (x + y) z at -2, 5, -4 (q 3, f -12, df/dz 3, df/dq -4, df/dx = df/dy = -4) and
the sigmoid neuron w = [2, -3, -3], x = [-1, -2] (f 0.73, dw [-0.20, -0.39, 0.20], dx
[0.39, -0.59]); its backward pass is written here in plain Python.
"""

from __future__ import annotations

import math
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cs231n_circuits.py"


@pytest.fixture(scope="module")
def ex() -> dict:
    return runpy.run_path(str(EXAMPLE))


def test_every_figure_agrees_with_the_notes_and_the_network_trace(ex, tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.setattr(sys, "argv", ["cs231n_circuits.py", "--out", str(tmp_path / "c.png")])
    results = ex["main"]()
    assert len(results) == 2
    for rows in results.values():
        for name, (_notes, _mine, _net, ok) in rows.items():
            assert ok, name
    out = capsys.readouterr().out
    assert "q = x + y = (-2) + 5 = 3" in out and "df/ddot = f*(1 - f) = 0.196612" in out
    assert (tmp_path / "c.png").stat().st_size > 1000


def test_the_neuron_equals_the_notes_backward_pass_in_plain_python(ex):
    w, x = [2.0, -3.0, -3.0], [-1.0, -2.0]
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1 + math.exp(-dot))
    ddot = (1 - f) * f
    _, got = ex["scalar_neuron"]()
    assert got["dot"] == dot and got["f"] == pytest.approx(f, abs=1e-16)
    assert got["ddot"] == pytest.approx(ddot, abs=1e-16)
    assert got["dw"] == pytest.approx([x[0] * ddot, x[1] * ddot, ddot], abs=1e-16)
    assert got["dx"] == pytest.approx([w[0] * ddot, w[1] * ddot], abs=1e-16)


def test_readme_scalar_snippet_runs_and_gives_its_comments(tmp_path, monkeypatch, capsys):
    readme = (EXAMPLE.parents[1] / "README.md").read_text()
    block = readme.split("```python\nfrom chainrule.scalar import", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile("from chainrule.scalar import" + block, "README.md", "exec"), namespace)
    x, y, z = namespace["x"], namespace["y"], namespace["z"]
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)  # the comment's, the notes' figures
    assert "df/dz = 3" in capsys.readouterr().out
    assert (tmp_path / "circuit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
