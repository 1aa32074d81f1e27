"""benchmarks/bench_scalar.py (student37): micrograd's demo step and a fixed graph of about
10^5 Values, timed.  It runs, prints its figures, and refuses a count below 1; its graph
has the size its docstring gives (counted by ``topological_order``) and every operation."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from chainrule.scalar import topological_order

pytest.importorskip("sklearn")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scalar.py"


@pytest.fixture(scope="module")
def bench():
    return runpy.run_path(str(BENCH))


def test_the_expression_graph_has_its_size_and_every_operation(bench):
    root, leaves = bench["expression"](150)
    order = topological_order(root)
    assert len(order) == 21 * 150 + 101 and len(leaves) == 100
    assert {v.op for v in order} == {"", "const", "+", "-", "*", "/", "**", "rpow", "neg",
                                     "exp", "log", "tanh", "sigmoid", "relu"}


def test_the_benchmark_runs_and_prints_its_figures(bench, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bench_scalar.py", "--steps", "1", "--repeats", "1",
                                      "--nodes", "2200"])
    bench["main"]()
    out = capsys.readouterr().out
    assert "micrograd demo step (65,818 Values): median" in out
    assert "fixed expression graph (2,285 Values)" in out  # 2200 // 21 = 104 of its 21 nodes
    monkeypatch.setattr(sys, "argv", ["bench_scalar.py", "--repeats", "0"])
    with pytest.raises(SystemExit):
        bench["main"]()
    assert "--repeats must be a positive integer, got 0" in capsys.readouterr().err
