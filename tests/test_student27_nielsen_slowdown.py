"""Nielsen's learning slowdown (examples/nielsen_learning_slowdown.py): one sigmoid neuron,
input 1, desired output 0, gradient descent under the quadratic and the cross-entropy cost.

References: *Neural Networks and Deep Learning*, chapter 3, section "The cross-entropy
cost function" (neuralnetworksanddeeplearning.com/chap3.html#the_cross-entropy_cost_function):
eta = 0.15; from w = 0.6, b = 0.9 "the initial output from the neuron is 0.82" and after
the run "an output from the neuron of about 0.09"; from w = b = 2.0 "the initial output is
0.98" and "for the first 150 or so learning epochs, the weights and biases don't change
much at all"; the quadratic cost (54) ``C = (y - a)^2 / 2`` and its derivatives (55), (56)
``dC/dw = (a - y) sigma'(z) x``, ``dC/db = (a - y) sigma'(z)``; for the cross-entropy
``dC/dw = x (a - y)``, ``dC/db = a - y``, and eta = 0.005 in its widgets.  The chapter's
update written here in plain Python is the independent reference for every epoch.
"""

from __future__ import annotations

import math
import runpy
from pathlib import Path

import numpy as np
import pytest

from chainrule.cli import main as cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nielsen_learning_slowdown.py"
STARTS = {"w = 0.6, b = 0.9": (0.6, 0.9), "w = b = 2.0": (2.0, 2.0)}
RUNS = (("quadratic", 0.15), ("cross-entropy", 0.005), ("cross-entropy", 0.15))


@pytest.fixture(scope="module")
def ex() -> dict:
    return runpy.run_path(str(EXAMPLE))


@pytest.fixture(scope="module")
def runs(ex: dict) -> dict:
    return {(cost, eta, start): ex["learn"](*STARTS[start], cost, eta)
            for cost, eta in RUNS for start in STARTS}


def chapter_loop(w: float, b: float, cost: str, eta: float, epochs: int = 300) -> dict:
    """The chapter's gradient descent on x = 1, y = 0 in plain Python: equations (55)-(56)
    for the quadratic cost C = (y - a)^2 / 2, x (a - y) and a - y for the cross-entropy."""
    x, y = 1.0, 0.0
    rec = {"w": [], "b": [], "output": [], "cost": []}
    for epoch in range(epochs + 1):
        a = 1.0 / (1.0 + math.exp(-(w * x + b)))
        rec["w"].append(w)
        rec["b"].append(b)
        rec["output"].append(a)
        rec["cost"].append((y - a) ** 2 / 2 if cost == "quadratic"
                           else -(y * math.log(a) + (1 - y) * math.log(1 - a)))
        if epoch == epochs:
            break
        sigma_prime = a * (1 - a)
        dC_db = (a - y) * sigma_prime if cost == "quadratic" else a - y
        w, b = w - eta * dC_db * x, b - eta * dC_db
    return rec


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize(("cost", "eta"), RUNS)
def test_every_epoch_equals_the_chapters_update(runs: dict, cost: str, eta: float,
                                                start: str) -> None:
    got, ref = runs[(cost, eta, start)], chapter_loop(*STARTS[start], cost, eta)
    for key in ("w", "b", "output", "cost"):
        assert got[key].shape == (301,)
        np.testing.assert_allclose(got[key], ref[key], rtol=0, atol=1e-12, err_msg=key)
    # chainrule.train's history: the cost each of the 300 epochs started at
    np.testing.assert_allclose(got["history_loss"], ref["cost"][:-1], rtol=0, atol=1e-12)


def test_the_chapters_published_figures(runs: dict) -> None:
    quad = {s: runs[("quadratic", 0.15, s)] for s in STARTS}
    # "the initial output from the neuron is 0.82", "the initial output is 0.98"
    assert round(quad["w = 0.6, b = 0.9"]["output"][0], 2) == 0.82
    assert round(quad["w = b = 2.0"]["output"][0], 2) == 0.98
    # "gives an output from the neuron of about 0.09" (after the widget's 300 epochs)
    assert round(quad["w = 0.6, b = 0.9"]["output"][300], 2) == 0.09
    # "for the first 150 or so learning epochs, the weights and biases don't change
    # much": the badly wrong start keeps 90 % of its cost for 150 epochs (the other
    # start has lost 96 % by then), then "the learning kicks in"
    bad, good = quad["w = b = 2.0"]["cost"], quad["w = 0.6, b = 0.9"]["cost"]
    assert bad[150] / bad[0] > 0.9 and good[150] / good[0] < 0.04
    assert bad[300] / bad[0] < 0.05
    assert quad["w = b = 2.0"]["output"][300] < 0.25


def test_no_slowdown_with_the_cross_entropy(runs: dict) -> None:
    """From w = b = 2.0 the cross-entropy's cost falls at once (eta 0.005, his widgets'
    rate: 11.9 % in the first 50 epochs, the quadratic's 1.2 % at eta 0.15); at the same
    rate 0.15 the badly wrong start learns as fast as the other."""
    ce, quad = runs[("cross-entropy", 0.005, "w = b = 2.0")], runs[("quadratic", 0.15,
                                                                     "w = b = 2.0")]
    assert 1 - ce["cost"][50] / ce["cost"][0] > 0.1 > 1 - quad["cost"][50] / quad["cost"][0]
    fast = [runs[("cross-entropy", 0.15, s)]["output"][50] for s in STARTS]
    assert max(fast) < 0.1


@pytest.mark.parametrize("start", STARTS)
def test_first_step_gradients_are_the_chapters_formulas(ex: dict, start: str) -> None:
    w, b = STARTS[start]
    z = w * 1.0 + b
    a = 1 / (1 + math.exp(-z))
    sigma_prime = a * (1 - a)
    quad = ex["first_step"](w, b, "quadratic", 0.15)
    ce = ex["first_step"](w, b, "cross-entropy", 0.005)
    for got in (quad, ce):
        assert got["z"] == z
        np.testing.assert_allclose([got["a"], got["sigma'(z)"]], [a, sigma_prime],
                                   rtol=1e-15)
    # (55), (56): (a - y) sigma'(z) x and (a - y) sigma'(z); cross-entropy: x (a - y), a - y
    np.testing.assert_allclose([quad["delta"], quad["dC/dw"], quad["dC/db"]],
                               [a * sigma_prime] * 3, rtol=1e-15)
    np.testing.assert_allclose([ce["delta"], ce["dC/dw"], ce["dC/db"]], [a] * 3, rtol=1e-15)
    np.testing.assert_allclose(ce["dC/da"], a / sigma_prime, rtol=1e-14)  # 1 / (1 - a)


def test_the_trace_prints_the_first_step(capsys) -> None:
    assert cli(["trace", "--weights", "[[[2],[2]]]", "--activation", "sigmoid", "--loss",
                "squared_error", "--input", "1", "--target", "0", "--lr", "0.15",
                "--notation", "netout"]) == 0
    out = capsys.readouterr().out
    # z = 4, a = sigma(4) = 0.982014, sigma'(4) = 0.017663, delta = a sigma'(z) = 0.017345
    assert "net_o1 = w(i1->o1)*out_i1 + b(o1)*1 = 2*1 + 2*1 = 4" in out
    assert "out_o1 = sigmoid(net_o1) = 0.982014" in out
    assert "dout_o1/dnet_o1 = out_o1 (1 - out_o1) = 0.0176627" in out
    assert "delta_o1 = dE/dout_o1*dout_o1/dnet_o1 = 0.982014*0.0176627 = 0.0173450" in out
    assert "dE/dw(i1->o1) = delta_o1*out_i1 = 0.0173450*1 = 0.0173450" in out


def test_example_runs(ex: dict, tmp_path: Path, monkeypatch, capsys) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr("sys.argv", ["x", "--out", str(tmp_path / "s.png")])
    result = ex["main"]()
    assert (tmp_path / "s.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "published 0.09, chainrule 0.093956" in out
    assert "outside his rounding" not in out
    assert set(result["runs"]) == {(c, e, s) for c, e in RUNS for s in STARTS}


def test_the_readme_table_gives_the_computed_outputs(runs: dict) -> None:
    readme = (EXAMPLE.parents[1] / "README.md").read_text()
    section = readme.split("### From Nielsen's book: the learning slowdown")[1].split("###")[0]
    rows = [line.split("|")[1:3] for line in section.splitlines()
            if line.startswith("| w = ")]
    assert len(rows) == 5
    for start_cost_eta, outputs in rows:
        w_b, cost, eta = start_cost_eta.strip().rsplit(", ", 2)
        start = "w = 0.6, b = 0.9" if w_b.startswith("w = 0.6") else "w = b = 2.0"
        got = runs[(cost, float(eta), start)]["output"][[0, 50, 150, 300]]
        assert [float(v) for v in outputs.split(",")] == np.round(got, 4).tolist(), start_cost_eta
